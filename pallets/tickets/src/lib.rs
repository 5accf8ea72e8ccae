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
//! ## Intake and settlement
//!
//! Tickets arrive from every relay every epoch, so taking one in does the least that must be
//! done at once: check it and record each hop's claim — its cumulative counters and the
//! largest receipt it reported — in one storage item per relay and channel. No coins move.
//!
//! Coins move when a channel is settled, all its hops in one pass: through
//! [`Pallet::settle`], which anyone may call (free when it pays someone), and in any case when
//! the escrow ends the channel ([`pallet_escrow::OnChannelEnded::on_channel_ending`]), before
//! the rest of its deposit returns to the consumer.
//!
//! ## Pay per forward
//!
//! A channel's receipt is the largest any hop reported. The relay at hop `i` is payable for
//! `min(bytes_out_i, bytes_in_{i+1}, receipt)` — what its downstream neighbour reports
//! receiving from it, capped by what the consumer acknowledged; the last hop for
//! `min(bytes_out, receipt)`. If the downstream neighbour has not reported since the relay last
//! forwarded more, the claim waits up to [`Config::SettlementGrace`] epochs and then settles on
//! what is proven by the receipt alone (as it does when the channel ends). Each relay earns its
//! own locked price: `floor(price × payable / GiB) − already paid` (cumulative rounding: no
//! unit is lost or created across settlements), capped by what the channel still holds (a
//! later top-up pays the rest). [`Config::SettlementFee`] of every payment goes to the fee
//! pools through the escrow's fee sink. A quarantined relay is not paid.
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
	MAX_HOPS,
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
	/// The largest receipt (bytes the consumer acknowledged) the relay reported.
	pub receipt: u64,
	/// The epoch of the latest ticket that reported it.
	pub reported: Epoch,
	/// The epoch of the latest ticket in which `bytes_out` grew.
	pub grew_at: Epoch,
	/// Since when some of what it forwarded waits for its downstream neighbour's ticket.
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
		/// A relay reported a larger receipt for a channel.
		ReceiptAccepted {
			/// The channel.
			channel: ChannelId,
			/// The segment router that reported it.
			segment: SegmentId,
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
		/// The channel owes none of its hops anything now.
		NothingToSettle,
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
			let worst = T::WeightInfo::settle(MAX_HOPS);
			assert!(
				worst.all_lte(max),
				"settling the longest path exceeds an extrinsic: {worst:?}"
			);
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
				Ok(claims) => {
					Self::apply(ticket, claims)?;
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

		/// Pay every hop of `channel` what the tickets so far make payable. Anyone may call it,
		/// free of charge when it pays someone; a channel that ends is settled without it.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::settle(MAX_HOPS))]
		pub fn settle(origin: OriginFor<T>, channel: ChannelId) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let settled = Self::do_settle(channel, false)?;
			ensure!(settled.payments > 0, Error::<T>::NothingToSettle);
			Ok(PostDispatchInfo {
				actual_weight: Some(T::WeightInfo::settle(settled.hops)),
				pays_fee: Pays::No,
			})
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
		let claims = Self::validate(&who, &ticket)?;
		Self::apply(ticket, claims)
	}

	/// Check a ticket without changing anything; returns the relay's claims on the channels
	/// it reports as they stand.
	pub fn validate(
		who: &T::AccountId,
		ticket: &Ticket,
	) -> Result<Vec<Option<Claim<BalanceOf<T>>>>, Error<T>> {
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
		let mut claims = Vec::with_capacity(ticket.channels.len());
		for usage in ticket.channels.iter() {
			claims.push(Self::validate_usage(segment, usage, genesis.as_ref())?);
		}
		Ok(claims)
	}

	/// A channel that still settles.
	fn settling_channel(id: ChannelId) -> Result<ChannelOf<T>, Error<T>> {
		match T::Escrow::channel(id) {
			Some(ch) => Ok(ch),
			None if T::Escrow::ended(id) => Err(Error::<T>::ChannelExpired),
			None => Err(Error::<T>::UnknownChannel),
		}
	}

	/// Check one channel entry of a ticket of `segment`; returns the relay's claim on it.
	fn validate_usage(
		segment: SegmentId,
		usage: &ChannelUsage,
		genesis: &[u8],
	) -> Result<Option<Claim<BalanceOf<T>>>, Error<T>> {
		let id = usage.channel;
		let ch = Self::settling_channel(id)?;
		let hop = usage.hop as usize;
		ensure!(ch.hops.get(hop).map(|h| h.segment) == Some(segment), Error::<T>::NotOnPath);
		let prev = hop.checked_sub(1).and_then(|i| ch.hops.get(i)).map(|h| h.segment);
		let next = ch.hops.get(hop + 1).map(|h| h.segment);
		ensure!(usage.prev == prev && usage.next == next, Error::<T>::HopMismatch);
		let claim = Claims::<T>::get(segment, id);
		if let Some(old) = &claim {
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
		Ok(claim)
	}

	/// Record a validated ticket: the relay's counters and its claim on every channel.
	fn apply(ticket: Ticket, claims: Vec<Option<Claim<BalanceOf<T>>>>) -> DispatchResult {
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
		for (usage, claim) in ticket.channels.into_iter().zip(claims) {
			let id = usage.channel;
			let mut claim = claim.unwrap_or_else(|| Claim {
				hop: usage.hop,
				bytes_in: 0,
				bytes_out: 0,
				receipt: 0,
				reported: epoch,
				grew_at: epoch,
				waiting_since: None,
				settled_bytes: 0,
				paid: Zero::zero(),
			});
			if usage.bytes_out > claim.bytes_out {
				// The new bytes wait for the downstream neighbour's ticket. The wait starts
				// afresh only once that neighbour has reported on everything sent before, so
				// a relay that keeps forwarding is still paid after the grace.
				if let Some(next) = usage.next {
					let caught_up =
						Claims::<T>::get(next, id).is_some_and(|d| d.reported >= claim.grew_at);
					if claim.waiting_since.is_none() || caught_up {
						claim.waiting_since = Some(epoch);
					}
				}
				claim.grew_at = epoch;
			}
			claim.bytes_in = usage.bytes_in;
			claim.bytes_out = usage.bytes_out;
			claim.reported = epoch;
			if let Some(signed) = usage.receipt {
				let cumulative = signed.receipt.cumulative_bytes;
				// Receipts only grow; an older one is ignored.
				if cumulative > claim.receipt {
					claim.receipt = cumulative;
					Self::deposit_event(Event::ReceiptAccepted {
						channel: id,
						segment,
						cumulative_bytes: cumulative,
					});
				}
			}
			Claims::<T>::insert(segment, id, claim);
		}
		Self::deposit_event(Event::TicketAccepted { segment, epoch, channels: count });
		Ok(())
	}

	/// The bytes `claim` may be paid for now, given its downstream neighbour's claim (`None`
	/// for the last hop is `last`) and the channel's receipt. Updates since when it waits.
	fn payable(
		claim: &mut Claim<BalanceOf<T>>,
		downstream: Option<&Claim<BalanceOf<T>>>,
		last: bool,
		receipt: u64,
		now: Epoch,
		ending: bool,
	) -> u64 {
		let proven = claim.bytes_out.min(receipt);
		if last {
			claim.waiting_since = None;
			return proven;
		}
		match downstream {
			// The downstream neighbour reported since the relay last forwarded more: its
			// figure stands.
			Some(d) if d.reported >= claim.grew_at => {
				claim.waiting_since = None;
				proven.min(d.bytes_in)
			},
			_ => {
				let since = *claim.waiting_since.get_or_insert(claim.grew_at);
				if ending || now >= since.saturating_add(T::SettlementGrace::get()) {
					// Waited long enough: settle on what the receipt proves.
					proven
				} else {
					downstream.map_or(0, |d| d.bytes_in.min(proven))
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

	/// Pay every hop of channel `id` what it is owed now; `ending` when the channel ends and
	/// nothing waits any longer. Pays nobody who is quarantined or no longer registered.
	pub fn do_settle(id: ChannelId, ending: bool) -> Result<Settled, DispatchError> {
		let ch = Self::settling_channel(id)?;
		let mut claims: Vec<_> = ch.hops.iter().map(|h| Claims::<T>::get(h.segment, id)).collect();
		let receipt = claims.iter().flatten().map(|c| c.receipt).max().unwrap_or(0);
		let now = Self::current_epoch();
		let mut remaining = ch.remaining();
		let mut payments = 0;
		for (hop, terms) in ch.hops.iter().enumerate() {
			let downstream = claims.get(hop + 1).cloned().flatten();
			let Some(claim) = claims[hop].as_mut() else { continue };
			if !T::Registry::is_active(terms.segment) {
				continue;
			}
			let before = claim.clone();
			let last = hop + 1 == ch.hops.len();
			let bytes = Self::payable(claim, downstream.as_ref(), last, receipt, now, ending);
			let gross =
				Self::owed(terms.price_per_gib, bytes).saturating_sub(claim.paid).min(remaining);
			if !gross.is_zero() {
				let fee = T::SettlementFee::get().mul_floor(gross);
				let amount = gross.saturating_sub(fee);
				T::Escrow::pay(id, hop as u8, amount, fee)?;
				remaining = remaining.saturating_sub(gross);
				claim.paid = claim.paid.saturating_add(gross);
				payments += 1;
				Earned::<T>::mutate(terms.segment, |e| *e = e.saturating_add(amount));
				Self::deposit_event(Event::RelayPaid {
					channel: id,
					segment: terms.segment,
					hop: hop as u8,
					bytes,
					amount,
					fee,
				});
			}
			claim.settled_bytes = claim.settled_bytes.max(bytes);
			if *claim != before {
				Claims::<T>::insert(terms.segment, id, &*claim);
			}
		}
		Ok(Settled { hops: ch.hops.len() as u32, payments })
	}

	// ---- read paths (runtime API) ----

	/// A relay's claim on a channel.
	pub fn claim_view(segment: SegmentId, channel: ChannelId) -> Option<Claim<BalanceOf<T>>> {
		Claims::<T>::get(segment, channel)
	}

	/// The largest receipt any hop reported for a channel that still settles.
	pub fn receipt_view(channel: ChannelId) -> u64 {
		T::Escrow::channel(channel).map_or(0, |ch| Self::receipt_of(channel, &ch))
	}

	/// The largest receipt any hop of channel `id` (which is `ch`) reported.
	fn receipt_of(id: ChannelId, ch: &ChannelOf<T>) -> u64 {
		ch.hops
			.iter()
			.filter_map(|h| Claims::<T>::get(h.segment, id))
			.map(|c| c.receipt)
			.max()
			.unwrap_or(0)
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
			let proven = claim.bytes_out.min(Self::receipt_of(id, &ch));
			let owed = Self::owed(terms.price_per_gib, proven).saturating_sub(claim.paid);
			pending = pending.saturating_add(owed);
		}
		RelayView { earned: Earned::<T>::get(segment), pending }
	}

	/// Whether the state is consistent: claims belong to channels that still settle and sit at
	/// their hop of its path, their counters are ordered, nothing was settled beyond what was
	/// forwarded and acknowledged, and no claim was paid more than its price × settled bytes.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		for (segment, id, claim) in Claims::<T>::iter() {
			ensure!(claim.bytes_out <= claim.bytes_in, "claim forwards more than it received");
			let ch = T::Escrow::channel(id).ok_or("claim on a channel that ended")?;
			let terms = ch.hops.get(claim.hop as usize).ok_or("claim beyond the path")?;
			ensure!(terms.segment == segment, "claim at another segment's hop");
			ensure!(
				claim.settled_bytes <= claim.bytes_out.min(Self::receipt_of(id, &ch)),
				"settled beyond what was forwarded and acknowledged"
			);
			ensure!(
				claim.paid <= Self::owed(terms.price_per_gib, claim.settled_bytes),
				"claim paid beyond price x settled bytes"
			);
		}
		for mark in LastTicket::<T>::iter_values() {
			ensure!(mark.epoch <= Self::current_epoch(), "ticket from the future");
		}
		Ok(())
	}
}

/// What [`Pallet::do_settle`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Settled {
	/// The hops of the channel's path.
	pub hops: u32,
	/// How many of them were paid.
	pub payments: u32,
}

/// A channel that ends is settled a last time, then its claims go.
impl<T: Config> pallet_escrow::OnChannelEnded for Pallet<T> {
	fn on_channel_ending(id: ChannelId) -> Weight {
		// All of it or nothing: a payment that fails leaves no half-settled channel.
		let settled = frame_support::storage::with_storage_layer(|| Self::do_settle(id, true));
		match settled {
			Ok(s) => T::WeightInfo::settle(s.hops),
			Err(e) => {
				log::error!(target: LOG_TARGET, "channel {id}: final settlement failed: {e:?}");
				// How far it got before rolling back is unknown: count the worst.
				Self::max_ending_weight()
			},
		}
	}

	fn max_ending_weight() -> Weight {
		T::WeightInfo::settle(MAX_HOPS)
	}

	fn on_channel_ended(id: ChannelId, path: &[SegmentId]) {
		for segment in path {
			Claims::<T>::remove(segment, id);
		}
	}
}
