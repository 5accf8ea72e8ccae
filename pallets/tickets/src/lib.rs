//! # Tickets Pallet
//!
//! Signed traffic tickets of the Distributed Internet Transit Exchange: how relays prove what
//! they carried and get paid for it from the consumers' escrowed channels.
//!
//! ## Overview
//!
//! Once per epoch ([`Config::EpochLength`] blocks) the operator of a segment router submits a
//! [`Ticket`] for it through [`Pallet::submit_ticket`]; the extrinsic's signature authenticates
//! it. Validation is deterministic runtime logic:
//!
//! - the segment exists, the caller is its operator and it is active (not quarantined);
//! - the epoch is the current one or at most [`Config::MaxTicketAge`] epochs old, and strictly
//!   later than the segment's last accepted ticket (a replayed ticket is refused);
//! - totals and per-peer counters do not go backwards within one boot; only a later
//!   `boot_time` resets them;
//! - per channel: the channel still settles (open, or closed/expired within the escrow's
//!   settlement grace), the relay is on its path at the hop it claims and its neighbours are
//!   the path's, its cumulative counters do not go backwards and it did not forward more than
//!   it received; the receipt, if any, is for this chain (genesis hash) and this channel and
//!   path, and carries a valid ed25519 signature of the channel's receipt key. A receipt
//!   smaller than one already seen is ignored: receipts only grow.
//!
//! ## Pay per forward
//!
//! For every channel the pallet keeps the largest receipt seen and each hop's latest
//! cumulative counters. The relay at hop `i` is payable for
//! `min(bytes_out_i, bytes_in_{i+1}, receipt)` — what its downstream neighbour reports
//! receiving from it, capped by what the consumer acknowledged; the last hop for
//! `min(bytes_out, receipt)`. If the downstream neighbour has not reported for the relay's
//! epoch, the claim waits up to [`Config::SettlementGrace`] epochs and then settles on what
//! is proven by the receipt alone. Each relay earns its own locked price:
//! `floor(price × payable / GiB) − already paid` (cumulative rounding: no unit is lost or
//! created across settlements), capped by what the channel still holds (a later top-up pays
//! the rest). [`Config::SettlementFee`] of every payment goes to the fee pools through the
//! escrow's fee sink. Settlement happens when a ticket arrives: the relay's own claim and its
//! upstream neighbour's (whose downstream figure has just arrived).
//!
//! ## Fees and strikes
//!
//! A ticket that validates pays no transaction fee (`Pays::No`). A ticket that fails pays in
//! full. Failures split in two kinds, because a failed dispatch rolls back all its storage
//! changes, strikes included:
//!
//! - **Refused** — a clear `Error`, nothing changes: tickets that are not the caller's to
//!   submit (unknown segment, not the operator, quarantined), stale or replayed epochs, unknown
//!   or ended channels, and malformed lists (duplicates). Nobody provably misbehaved, or there
//!   is nobody to blame (an agent retrying after a lost reply replays a ticket).
//! - **Rejected** — evidence of a bad ticket from the segment's own operator: a forged or
//!   misdirected receipt, a relay not on the path or with the wrong neighbours, counters that
//!   go backwards, forwarding more than received. The dispatch *succeeds* without applying
//!   anything of the ticket, pays the full fee (`Pays::Yes`), strikes the segment in the
//!   registry ([`pallet_ditex::StrikeSink`]) and emits [`Event::TicketRejected`] with the
//!   `Error`. [`Pallet::do_submit_ticket`] is the same validation returning the `Error`
//!   itself (what the unit tests assert with `assert_noop!`).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use ditex_primitives::{
	registry::{SegmentId, GIB},
	settlement::{
		ChannelId, ChannelUsage, Epoch, PeerCounters, Ticket, MAX_TICKET_CHANNELS, MAX_TICKET_PEERS,
	},
};
use frame_support::{dispatch::PostDispatchInfo, pallet_prelude::*};
use frame_system::pallet_prelude::*;
use pallet_ditex::{SegmentRegistry, StrikeReason, StrikeSink};
use pallet_escrow::{Channel, ChannelEscrow};
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{Saturating, UniqueSaturatedFrom, UniqueSaturatedInto, Zero},
	Permill,
};

const LOG_TARGET: &str = "runtime::tickets";

/// The balance type of the escrow.
pub type BalanceOf<T> = <<T as Config>::Escrow as ChannelEscrow<
	<T as frame_system::Config>::AccountId,
	BlockNumberFor<T>,
>>::Balance;

/// A channel as the escrow shows it.
pub type ChannelOf<T> =
	Channel<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

/// What the chain keeps of a segment's last accepted ticket, to check the next one.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct TicketMark {
	/// Its epoch.
	pub epoch: Epoch,
	/// The agent's boot time.
	pub boot_time: u64,
	/// Octets received since boot.
	pub total_in: u64,
	/// Octets sent since boot.
	pub total_out: u64,
	/// Octets per peer since boot.
	pub peers: BoundedVec<PeerCounters, ConstU32<MAX_TICKET_PEERS>>,
}

/// A relay's claim on one channel: its latest cumulative counters and what it was paid.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Claim<Balance> {
	/// The relay's index in the channel's path.
	pub hop: u8,
	/// Bytes received on the channel since it opened.
	pub bytes_in: u64,
	/// Bytes forwarded on the channel since it opened.
	pub bytes_out: u64,
	/// The epoch of the latest ticket that reported it.
	pub reported: Epoch,
	/// The epoch of the latest ticket in which `bytes_out` grew.
	pub grew_at: Epoch,
	/// Since when the downstream neighbour's ticket is missing for what was forwarded.
	pub waiting_since: Option<Epoch>,
	/// The payable bytes of the latest settlement.
	pub settled_bytes: u64,
	/// Paid for it so far, settlement fees included.
	pub paid: Balance,
}

/// A relay's earnings as the runtime API shows them.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct RelayView<Balance> {
	/// Received so far, after settlement fees.
	pub earned: Balance,
	/// Claimed on channels that still settle but not paid yet (before fees): bytes forwarded
	/// and acknowledged by a receipt, waiting for the downstream ticket or a top-up.
	pub pending: Balance,
}

/// Sets up what the benchmarks need from the registry and the escrow.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// A segment router for sale at one unit per byte (2^30 per GiB), with a funded operator
	/// of its own, distinct for every `n`.
	fn segment(n: u32) -> (SegmentId, AccountId);
	/// A channel over `path` with a deposit that covers at least 2^32 units, opened by a
	/// funded consumer who signs receipts with `receipt_key`.
	fn open_channel(
		path: ditex_primitives::settlement::Path,
		receipt_key: ditex_primitives::settlement::ReceiptKey,
	) -> ChannelId;
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The escrow the channels and their deposits are in.
		type Escrow: ChannelEscrow<Self::AccountId, BlockNumberFor<Self>>;

		/// The segment registry.
		type Registry: SegmentRegistry<Self::AccountId, BalanceOf<Self>>;

		/// Where strikes for rejected tickets go.
		type Strikes: StrikeSink;

		/// Blocks per epoch; relays submit one ticket per epoch.
		#[pallet::constant]
		type EpochLength: Get<BlockNumberFor<Self>>;

		/// How many epochs a ticket may lag the current epoch.
		#[pallet::constant]
		type MaxTicketAge: Get<Epoch>;

		/// Epochs a claim waits for its downstream neighbour's ticket before it settles on the
		/// receipt alone. The escrow's settlement grace should cover
		/// `(SettlementGrace + MaxTicketAge + 1) × EpochLength` blocks.
		#[pallet::constant]
		type SettlementGrace: Get<Epoch>;

		/// The part of every payment that goes to the fee pools.
		#[pallet::constant]
		type SettlementFee: Get<Permill>;

		/// Weight information for the calls.
		type WeightInfo: WeightInfo;

		/// Sets up channels for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// The last accepted ticket of each segment router.
	#[pallet::storage]
	pub type LastTicket<T: Config> = StorageMap<_, Twox64Concat, SegmentId, TicketMark>;

	/// Each relay's claim on each channel it carried.
	#[pallet::storage]
	pub type Claims<T: Config> =
		StorageDoubleMap<_, Twox64Concat, SegmentId, Twox64Concat, ChannelId, Claim<BalanceOf<T>>>;

	/// The largest receipt (cumulative bytes) seen for each channel.
	#[pallet::storage]
	pub type HighestReceipt<T: Config> = StorageMap<_, Twox64Concat, ChannelId, u64, ValueQuery>;

	/// What each segment router's operator received so far, after fees.
	#[pallet::storage]
	pub type Earned<T: Config> = StorageMap<_, Twox64Concat, SegmentId, BalanceOf<T>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A ticket validated and was applied.
		TicketAccepted {
			/// The segment router.
			segment: SegmentId,
			/// The ticket's epoch.
			epoch: Epoch,
			/// Channels it reported.
			channels: u32,
		},
		/// A ticket failed validation: nothing of it was applied and the segment was struck.
		TicketRejected {
			/// The segment router.
			segment: SegmentId,
			/// The ticket's epoch.
			epoch: Epoch,
			/// Why.
			error: DispatchError,
		},
		/// A channel's receipt grew.
		ReceiptAccepted {
			/// The channel.
			channel: ChannelId,
			/// The bytes it acknowledges.
			cumulative_bytes: u64,
		},
		/// A relay was paid for forwarding on a channel.
		RelayPaid {
			/// The channel.
			channel: ChannelId,
			/// The segment router.
			segment: SegmentId,
			/// Its hop in the path.
			hop: u8,
			/// The payable bytes so far.
			bytes: u64,
			/// What its operator received.
			amount: BalanceOf<T>,
			/// What went to the fee pools.
			fee: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No segment router has this id.
		UnknownSegment,
		/// The caller is not the segment router's operator.
		NotOperator,
		/// The segment router is quarantined.
		SegmentQuarantined,
		/// The epoch is in the future or older than the oldest a ticket may be.
		StaleEpoch,
		/// A ticket for this epoch or a later one was already accepted.
		ReplayedTicket,
		/// A peer appears twice in the ticket.
		DuplicatePeer,
		/// A channel appears twice in the ticket.
		DuplicateChannel,
		/// Totals or peer counters went backwards without a later boot time.
		CountersWentBack,
		/// No channel has this id.
		UnknownChannel,
		/// The channel has ended: expired or closed, and refunded after its grace.
		ChannelExpired,
		/// The segment router is not on the channel's path at the hop it claims.
		NotOnPath,
		/// The claimed previous or next hop is not the path's.
		HopMismatch,
		/// A channel's cumulative counters went backwards.
		ChannelCountersWentBack,
		/// The relay claims to have forwarded more than it received on a channel.
		ForwardedMoreThanReceived,
		/// The receipt is for another chain.
		ReceiptWrongChain,
		/// The receipt is for another channel or path.
		ReceiptWrongChannel,
		/// The receipt's signature is not the channel's receipt key's.
		BadReceiptSignature,
	}

	impl<T: Config> Error<T> {
		/// Whether the error is evidence against the segment's operator, who is struck for it.
		pub fn strikes(&self) -> bool {
			matches!(
				self,
				Error::CountersWentBack
					| Error::NotOnPath
					| Error::HopMismatch
					| Error::ChannelCountersWentBack
					| Error::ForwardedMoreThanReceived
					| Error::ReceiptWrongChain
					| Error::ReceiptWrongChannel
					| Error::BadReceiptSignature
			)
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(!T::EpochLength::get().is_zero(), "epochs must last at least one block");
			let weights = <T as frame_system::Config>::BlockWeights::get();
			let max = weights
				.get(frame_support::dispatch::DispatchClass::Normal)
				.max_extrinsic
				.unwrap_or(weights.max_block);
			let worst = T::WeightInfo::submit_ticket(MAX_TICKET_CHANNELS, MAX_TICKET_PEERS);
			assert!(worst.all_lte(max), "the largest ticket exceeds an extrinsic: {worst:?}");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Submit a segment router's ticket for an epoch, as its operator. Free if it validates;
		/// see the crate docs for what a failure costs.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::submit_ticket(
			ticket.channels.len() as u32,
			ticket.peers.len() as u32,
		))]
		pub fn submit_ticket(origin: OriginFor<T>, ticket: Ticket) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			match Self::validate(&who, &ticket) {
				Ok(channels) => {
					Self::apply(ticket, channels)?;
					Ok(PostDispatchInfo { actual_weight: None, pays_fee: Pays::No })
				},
				Err(e) if e.strikes() => {
					log::debug!(
						target: LOG_TARGET,
						"ticket of segment {} rejected: {e:?}",
						ticket.segment
					);
					T::Strikes::strike(ticket.segment, StrikeReason::InvalidTicket);
					Self::deposit_event(Event::TicketRejected {
						segment: ticket.segment,
						epoch: ticket.epoch,
						error: e.into(),
					});
					Ok(PostDispatchInfo { actual_weight: None, pays_fee: Pays::Yes })
				},
				Err(e) => Err(e.into()),
			}
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The current epoch.
	pub fn current_epoch() -> Epoch {
		let n = frame_system::Pallet::<T>::block_number() / T::EpochLength::get();
		n.unique_saturated_into()
	}

	/// Validate and apply a ticket, returning the validation `Error` itself on failure (no
	/// strike: that is [`Pallet::submit_ticket`]'s business).
	pub fn do_submit_ticket(who: T::AccountId, ticket: Ticket) -> DispatchResult {
		let channels = Self::validate(&who, &ticket)?;
		Self::apply(ticket, channels)
	}

	/// Check a ticket without changing anything; returns the channels it reports.
	pub fn validate(who: &T::AccountId, ticket: &Ticket) -> Result<Vec<ChannelOf<T>>, Error<T>> {
		let segment = ticket.segment;
		let operator = T::Registry::operator(segment).ok_or(Error::<T>::UnknownSegment)?;
		ensure!(&operator == who, Error::<T>::NotOperator);
		ensure!(T::Registry::is_active(segment), Error::<T>::SegmentQuarantined);
		let now = Self::current_epoch();
		ensure!(
			ticket.epoch <= now && ticket.epoch.saturating_add(T::MaxTicketAge::get()) >= now,
			Error::<T>::StaleEpoch
		);
		let last = LastTicket::<T>::get(segment);
		if let Some(last) = &last {
			ensure!(ticket.epoch > last.epoch, Error::<T>::ReplayedTicket);
		}

		let mut peers: Vec<SegmentId> = ticket.peers.iter().map(|p| p.peer).collect();
		peers.sort_unstable();
		ensure!(peers.windows(2).all(|w| w[0] != w[1]), Error::<T>::DuplicatePeer);
		let mut ids: Vec<ChannelId> = ticket.channels.iter().map(|c| c.channel).collect();
		ids.sort_unstable();
		ensure!(ids.windows(2).all(|w| w[0] != w[1]), Error::<T>::DuplicateChannel);

		if let Some(last) = &last {
			if ticket.boot_time == last.boot_time {
				ensure!(
					ticket.total_in >= last.total_in && ticket.total_out >= last.total_out,
					Error::<T>::CountersWentBack
				);
				for p in ticket.peers.iter() {
					if let Some(old) = last.peers.iter().find(|o| o.peer == p.peer) {
						ensure!(
							p.octets_in >= old.octets_in && p.octets_out >= old.octets_out,
							Error::<T>::CountersWentBack
						);
					}
				}
			} else {
				ensure!(ticket.boot_time > last.boot_time, Error::<T>::CountersWentBack);
			}
		}

		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let mut channels = Vec::with_capacity(ticket.channels.len());
		for usage in ticket.channels.iter() {
			channels.push(Self::validate_usage(segment, usage, genesis.as_ref())?);
		}
		Ok(channels)
	}

	/// Check one channel entry of a ticket of `segment`.
	fn validate_usage(
		segment: SegmentId,
		usage: &ChannelUsage,
		genesis: &[u8],
	) -> Result<ChannelOf<T>, Error<T>> {
		let id = usage.channel;
		let ch = match T::Escrow::channel(id) {
			Some(ch) => ch,
			None if T::Escrow::ended(id) => return Err(Error::<T>::ChannelExpired),
			None => return Err(Error::<T>::UnknownChannel),
		};
		let hop = usage.hop as usize;
		ensure!(ch.hops.get(hop).map(|h| h.segment) == Some(segment), Error::<T>::NotOnPath);
		let prev = hop.checked_sub(1).and_then(|i| ch.hops.get(i)).map(|h| h.segment);
		let next = ch.hops.get(hop + 1).map(|h| h.segment);
		ensure!(usage.prev == prev && usage.next == next, Error::<T>::HopMismatch);
		if let Some(old) = Claims::<T>::get(segment, id) {
			ensure!(
				usage.bytes_in >= old.bytes_in && usage.bytes_out >= old.bytes_out,
				Error::<T>::ChannelCountersWentBack
			);
		}
		ensure!(usage.bytes_out <= usage.bytes_in, Error::<T>::ForwardedMoreThanReceived);
		if let Some(signed) = &usage.receipt {
			let r = &signed.receipt;
			ensure!(r.genesis.as_ref() == genesis, Error::<T>::ReceiptWrongChain);
			ensure!(r.channel == id && r.path == ch.path(), Error::<T>::ReceiptWrongChannel);
			let valid = sp_io::crypto::ed25519_verify(
				&sp_core::ed25519::Signature::from_raw(signed.signature),
				&r.signing_payload(),
				&sp_core::ed25519::Public::from_raw(ch.receipt_key.0),
			);
			ensure!(valid, Error::<T>::BadReceiptSignature);
		}
		Ok(ch)
	}

	/// Record a validated ticket and settle what it makes payable.
	fn apply(ticket: Ticket, channels: Vec<ChannelOf<T>>) -> DispatchResult {
		let segment = ticket.segment;
		let epoch = ticket.epoch;
		LastTicket::<T>::insert(
			segment,
			TicketMark {
				epoch,
				boot_time: ticket.boot_time,
				total_in: ticket.total_in,
				total_out: ticket.total_out,
				peers: ticket.peers,
			},
		);
		let count = ticket.channels.len() as u32;
		for (usage, ch) in ticket.channels.into_iter().zip(channels) {
			let id = usage.channel;
			Claims::<T>::mutate(segment, id, |c| {
				let c = c.get_or_insert_with(|| Claim {
					hop: usage.hop,
					bytes_in: 0,
					bytes_out: 0,
					reported: epoch,
					grew_at: epoch,
					waiting_since: None,
					settled_bytes: 0,
					paid: Zero::zero(),
				});
				if usage.bytes_out > c.bytes_out {
					c.grew_at = epoch;
				}
				c.bytes_in = usage.bytes_in;
				c.bytes_out = usage.bytes_out;
				c.reported = epoch;
			});
			if let Some(signed) = usage.receipt {
				let cumulative = signed.receipt.cumulative_bytes;
				// Receipts only grow; an older one is ignored.
				if cumulative > HighestReceipt::<T>::get(id) {
					HighestReceipt::<T>::insert(id, cumulative);
					Self::deposit_event(Event::ReceiptAccepted {
						channel: id,
						cumulative_bytes: cumulative,
					});
				}
			}
			Self::settle(id, &ch, usage.hop as usize)?;
			if usage.hop > 0 {
				Self::settle(id, &ch, usage.hop as usize - 1)?;
			}
		}
		Self::deposit_event(Event::TicketAccepted { segment, epoch, channels: count });
		Ok(())
	}

	/// What `claim` at `hop` of `ch` may be paid for now (bytes), and since when it waits for
	/// its downstream neighbour's ticket.
	fn payable(
		id: ChannelId,
		ch: &ChannelOf<T>,
		hop: usize,
		claim: &Claim<BalanceOf<T>>,
		now: Epoch,
	) -> (u64, Option<Epoch>) {
		let proven = claim.bytes_out.min(HighestReceipt::<T>::get(id));
		let Some(down) = ch.hops.get(hop + 1) else { return (proven, None) };
		let downstream = Claims::<T>::get(down.segment, id);
		match &downstream {
			// The downstream neighbour reported since the relay last forwarded more: its
			// figure stands.
			Some(d) if d.reported >= claim.grew_at => (proven.min(d.bytes_in), None),
			_ => {
				let covered = downstream.as_ref().map_or(0, |d| d.bytes_in.min(proven));
				let since = claim.waiting_since.unwrap_or(now);
				if now >= since.saturating_add(T::SettlementGrace::get()) {
					// Waited long enough: settle on what the receipt proves.
					(proven, Some(since))
				} else {
					(covered, Some(since))
				}
			},
		}
	}

	/// The gross amount owed for `bytes` at `price` per GiB: floor(price × bytes / GiB).
	fn owed(price: BalanceOf<T>, bytes: u64) -> BalanceOf<T> {
		let price: u128 = price.unique_saturated_into();
		let owed = price.saturating_mul(bytes as u128) / GIB;
		BalanceOf::<T>::unique_saturated_from(owed)
	}

	/// Pay the relay at `hop` of channel `id` what it is owed now.
	fn settle(id: ChannelId, ch: &ChannelOf<T>, hop: usize) -> DispatchResult {
		let Some(terms) = ch.hops.get(hop) else { return Ok(()) };
		let segment = terms.segment;
		let Some(mut claim) = Claims::<T>::get(segment, id) else { return Ok(()) };
		let now = Self::current_epoch();
		let (bytes, waiting) = Self::payable(id, ch, hop, &claim, now);
		claim.waiting_since = waiting;
		let due = Self::owed(terms.price_per_gib, bytes).saturating_sub(claim.paid);
		// The channel's deposit changes as hops are paid: read it afresh.
		let remaining = T::Escrow::channel(id).map(|c| c.remaining()).unwrap_or_default();
		let gross = due.min(remaining);
		if !gross.is_zero() {
			let fee = T::SettlementFee::get().mul_floor(gross);
			let amount = gross.saturating_sub(fee);
			T::Escrow::pay(id, hop as u8, amount, fee)?;
			claim.paid = claim.paid.saturating_add(gross);
			Earned::<T>::mutate(segment, |e| *e = e.saturating_add(amount));
			Self::deposit_event(Event::RelayPaid {
				channel: id,
				segment,
				hop: hop as u8,
				bytes,
				amount,
				fee,
			});
		}
		claim.settled_bytes = claim.settled_bytes.max(bytes);
		Claims::<T>::insert(segment, id, claim);
		Ok(())
	}

	// ---- read paths (runtime API) ----

	/// A relay's claim on a channel.
	pub fn claim_view(segment: SegmentId, channel: ChannelId) -> Option<Claim<BalanceOf<T>>> {
		Claims::<T>::get(segment, channel)
	}

	/// The largest receipt seen for a channel.
	pub fn receipt_view(channel: ChannelId) -> u64 {
		HighestReceipt::<T>::get(channel)
	}

	/// The segment's last accepted ticket: the counters its next ticket must not go below.
	pub fn last_ticket_view(segment: SegmentId) -> Option<TicketMark> {
		LastTicket::<T>::get(segment)
	}

	/// A relay's earned and pending amounts.
	pub fn relay_view(segment: SegmentId) -> RelayView<BalanceOf<T>> {
		let mut pending = BalanceOf::<T>::zero();
		for (id, claim) in Claims::<T>::iter_prefix(segment) {
			let Some(ch) = T::Escrow::channel(id) else { continue };
			let Some(terms) = ch.hops.get(claim.hop as usize) else { continue };
			let proven = claim.bytes_out.min(HighestReceipt::<T>::get(id));
			let owed = Self::owed(terms.price_per_gib, proven).saturating_sub(claim.paid);
			pending = pending.saturating_add(owed);
		}
		RelayView { earned: Earned::<T>::get(segment), pending }
	}

	/// Whether the state is consistent: claims sit at the hop of their channel's path, their
	/// counters are ordered, no claim was paid more than its price × settled bytes, and nothing
	/// was paid beyond the receipt.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		for (segment, id, claim) in Claims::<T>::iter() {
			ensure!(claim.bytes_out <= claim.bytes_in, "claim forwards more than it received");
			ensure!(
				claim.settled_bytes <= claim.bytes_out.min(HighestReceipt::<T>::get(id)),
				"settled beyond what was forwarded and acknowledged"
			);
			if let Some(ch) = T::Escrow::channel(id) {
				let terms = ch.hops.get(claim.hop as usize).ok_or("claim beyond the path")?;
				ensure!(terms.segment == segment, "claim at another segment's hop");
				ensure!(
					claim.paid <= Self::owed(terms.price_per_gib, claim.settled_bytes),
					"claim paid beyond price x settled bytes"
				);
			}
		}
		for (segment, mark) in LastTicket::<T>::iter() {
			ensure!(mark.epoch <= Self::current_epoch(), "ticket from the future");
			let _ = segment;
		}
		Ok(())
	}
}

/// A channel that ended has nothing left to settle: its claims and its receipt go.
impl<T: Config> pallet_escrow::OnChannelEnded for Pallet<T> {
	fn on_channel_ended(id: ChannelId, path: &[SegmentId]) {
		for segment in path {
			Claims::<T>::remove(segment, id);
		}
		HighestReceipt::<T>::remove(id);
	}
}
