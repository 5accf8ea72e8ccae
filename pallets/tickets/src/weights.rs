//! Weights for `pallet_tickets`.
//!
//! The storage-access counts are those `submit_ticket` performs in its worst case: every
//! channel carries a receipt (one ed25519 verification) and settles two hops (the relay's own
//! claim and its upstream neighbour's). The `ref_time` and proof-size figures are conservative
//! estimates, not measurements, until
//! `scripts/bench-weights.sh pallet_tickets pallets/tickets/src/weights.rs` (frame-omni-bencher
//! over the benchmarks in `benchmarking.rs`) regenerates this file.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::RocksDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_tickets`.
pub trait WeightInfo {
	fn submit_ticket(c: u32, p: u32, ) -> Weight;
}

/// Weights for `pallet_tickets` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Ditex::Segments` (r:2 w:0), `Tickets::LastTicket` (r:1 w:1),
	/// `System::BlockHash` (r:1 w:0),
	/// per channel: `Escrow::Channels` (r:5 w:2), `Tickets::Claims` (r:5 w:2),
	/// `Tickets::HighestReceipt` (r:3 w:1), `Balances::Holds` (r:2 w:2),
	/// `System::Account` (r:4 w:4), `Tickets::Earned` (r:2 w:2)
	/// The range of component `c` is `[0, 64]`.
	/// The range of component `p` is `[0, 128]`.
	fn submit_ticket(c: u32, p: u32, ) -> Weight {
		Weight::from_parts(40_000_000, 8_000)
			.saturating_add(Weight::from_parts(190_000_000, 12_000).saturating_mul(c.into()))
			.saturating_add(Weight::from_parts(400_000, 20).saturating_mul(p.into()))
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(T::DbWeight::get().reads((21_u64).saturating_mul(c.into())))
			.saturating_add(T::DbWeight::get().writes((13_u64).saturating_mul(c.into())))
	}
}

// For tests and mocks.
impl WeightInfo for () {
	fn submit_ticket(c: u32, p: u32, ) -> Weight {
		Weight::from_parts(40_000_000, 8_000)
			.saturating_add(Weight::from_parts(190_000_000, 12_000).saturating_mul(c.into()))
			.saturating_add(Weight::from_parts(400_000, 20).saturating_mul(p.into()))
			.saturating_add(RocksDbWeight::get().reads(4_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
			.saturating_add(RocksDbWeight::get().reads((21_u64).saturating_mul(c.into())))
			.saturating_add(RocksDbWeight::get().writes((13_u64).saturating_mul(c.into())))
	}
}
