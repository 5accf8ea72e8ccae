//! A test double of the registry for the mock runtimes of pallets that buy segments from it
//! (escrow, tickets): segments are set up directly, in any state, without deposits or groups.
//!
//! It keeps its segments in storage, so a failed call rolls back with everything else. The
//! mock runtimes it serves use `u64` accounts and `u128` balances.

use crate::{SegmentRegistry, StrikeReason, StrikeSink};
use codec::{Decode, Encode};
use ditex_primitives::registry::{PathError, SegmentId};
use frame_support::Twox64Concat;

/// How a test segment router stands.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, Debug)]
pub enum SegState {
	/// Sellable.
	Active,
	/// Quarantined.
	Quarantined,
	/// Registered and active, but outside its availability windows.
	Unavailable,
}

/// The test registry's segments: operator, price (`None`: not for sale), state.
#[frame_support::storage_alias(verbatim)]
pub type TestSegments =
	StorageMap<TestRegistry, Twox64Concat, SegmentId, (u64, Option<u128>, SegState)>;

/// The ticket keys of test segment routers that have one.
#[frame_support::storage_alias(verbatim)]
pub type TestTicketKeys =
	StorageMap<TestRegistry, Twox64Concat, SegmentId, ditex_primitives::registry::TicketKey>;

/// Strikes the test registry received.
#[frame_support::storage_alias(verbatim)]
pub type TestStrikes = StorageMap<TestRegistry, Twox64Concat, SegmentId, u32>;

/// The registry test double.
pub struct TestRegistry;

impl SegmentRegistry<u64, u128> for TestRegistry {
	fn sellable(segment: SegmentId) -> Result<(u64, u128), PathError> {
		let (op, price, state) =
			TestSegments::get(segment).ok_or(PathError::UnknownSegment(segment))?;
		match state {
			SegState::Quarantined => return Err(PathError::Quarantined(segment)),
			SegState::Unavailable => return Err(PathError::Unavailable(segment)),
			SegState::Active => {},
		}
		let price = price.ok_or(PathError::NotForSale(segment))?;
		Ok((op, price))
	}

	fn operator(segment: SegmentId) -> Option<u64> {
		TestSegments::get(segment).map(|s| s.0)
	}

	fn is_active(segment: SegmentId) -> bool {
		TestSegments::get(segment).is_some_and(|s| s.2 != SegState::Quarantined)
	}

	fn ticket_key(segment: SegmentId) -> Option<ditex_primitives::registry::TicketKey> {
		TestTicketKeys::get(segment)
	}
}

/// Give a test segment router a ticket key.
pub fn set_ticket_key(segment: SegmentId, key: ditex_primitives::registry::TicketKey) {
	TestTicketKeys::insert(segment, key);
}

impl StrikeSink for TestRegistry {
	fn strike(segment: SegmentId, _reason: StrikeReason) {
		TestStrikes::mutate(segment, |s| *s = Some(s.unwrap_or(0) + 1));
	}

	fn max_strike_weight() -> frame_support::weights::Weight {
		frame_support::weights::Weight::from_parts(1_000_000, 0)
	}
}

/// Register a sellable test segment router.
pub fn add_segment(segment: SegmentId, operator: u64, price: Option<u128>) {
	TestSegments::insert(segment, (operator, price, SegState::Active));
}

/// Change a test segment router's state.
pub fn set_state(segment: SegmentId, state: SegState) {
	TestSegments::mutate(segment, |s| {
		if let Some(s) = s {
			s.2 = state;
		}
	});
}

/// Strikes a segment received.
pub fn strikes(segment: SegmentId) -> u32 {
	TestStrikes::get(segment).unwrap_or(0)
}
