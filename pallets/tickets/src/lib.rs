//! # Tickets Pallet
//!
//! Signed traffic tickets of the Distributed Internet Transit Exchange: how relays prove what
//! they carried and get paid for it from the consumers' escrowed channels.
//!
//! ## Overview
//!
//! Once per epoch ([`Pallet::epoch_length`] blocks, see "Epochs" below) a segment router's
//! agent submits a [`Ticket`] for it through [`Pallet::submit_ticket`], signed with the
//! router's ticket key (registered in the registry by its operator): an **authorized
//! transaction** (`#[pallet::authorize]`, checked by `frame_system::AuthorizeCall`), with no
//! account, no fee and no nonce, so the relay's host never holds the operator's account key.
//! The pool ([`Pallet::authorize_ticket`], run again when a block includes the ticket) takes
//! one ticket per (segment, epoch) and checks, cheaply:
//!
//! - the segment exists and is active (not quarantined);
//! - the epoch is the current one or at most [`Config::MaxTicketAge`] epochs old, and strictly
//!   later than the segment's last accepted ticket (a replayed ticket is refused);
//! - the boot time is not later than the chain's clock plus [`Config::MaxClockSkew`], and no
//!   peer or channel is listed twice;
//! - the ticket key's ed25519 signature over [`Ticket::signing_payload`] holds.
//!
//! The call then validates the content, deterministic runtime logic:
//!
//! - totals and per-peer counters do not go backwards within one boot; any other
//!   `boot_time` is a new boot and resets them;
//! - per channel: the relay is on its path at the hop it claims and its neighbours are the
//!   path's, and it did not forward more than it received. Cumulative counters keep their
//!   maximum (an agent that lost them claims nothing new). A channel that has ended or never
//!   existed is skipped ([`Event::ChannelSkipped`]) and the rest of the ticket applies. The
//!   receipt, if any, must be for this chain (genesis hash), this channel and path, and the
//!   downstream's ack for this chain, channel and the next hop; one that is not is dropped
//!   ([`Event::ReceiptIgnored`], [`Event::AckIgnored`]). Their signatures wait for
//!   settlement (see "Intake and settlement"). A receipt or ack no larger than one already
//!   taken is ignored: they only grow.
//!
//! ## Epochs
//!
//! Epoch `e` is blocks `e × L .. (e + 1) × L` for the chain's epoch length `L`
//! ([`EpochLength`], read with [`Pallet::epoch_length`] and the `SettlementApi` runtime API's
//! `epoch_length`). The genesis sets it (`epoch_length` in [`GenesisConfig`]; absent or zero
//! means [`Config::DefaultEpochLength`]), so dev and local chains run short epochs and
//! production ones long, with one runtime. Nothing changes it afterwards: epochs already
//! numbered, tickets' ages and the settlement grace are counted in it, so a new length takes a
//! storage migration that renumbers them. The escrow's settlement grace follows it through
//! [`EscrowSettlementGrace`].
//!
//! ## Intake and settlement
//!
//! Tickets arrive from every relay every epoch, so taking one in does the least that must be
//! done at once: check the ticket key's signature and record each hop's claim — its
//! cumulative counters, and the largest receipt and downstream ack it reported with their
//! signatures unchecked — in one storage item per relay and channel. No coins move. A claim's
//! epochs are those the chain included its tickets in, never the relay's label.
//!
//! A group's reporter may carry its members' tickets in one transaction,
//! [`Pallet::submit_tickets`], each still under its own router's signature: the group pays one
//! transaction's base weight and authorization instead of one each. That and the unchecked
//! signatures are what let a block take more one-channel tickets than balance transfers.
//!
//! Coins move when a channel is settled, all its hops in one pass: through
//! [`Pallet::settle`], which anyone may call, and in any case when the escrow ends the channel
//! ([`pallet_escrow::OnChannelEnded::on_channel_ending`]), before the rest of its deposit
//! returns to the consumer. Settlement first checks the signatures that decide a payment,
//! once: the unchecked receipts largest first until one holds (the channel's receipt; each
//! larger one that fails is dropped with [`Event::ReceiptIgnored`], the smaller ones are
//! moot), and each unchecked ack that is above what its downstream reported itself, under the
//! downstream router's ticket key at that time (an ack signed by a key rotated out since no
//! longer counts; the downstream's own report still does). Agents check receipts and acks
//! before they carry them; one whose agent carried a bad one anyway loses nothing another
//! hop's receipt proves, and its own larger ones are taken again after the settlement that
//! drops the bad one.
//!
//! ## Pay per forward
//!
//! A channel's receipt is the largest any hop reported. The relay at hop `i` is payable for
//! `min(bytes_out_i, receipt, max(bytes_in_{i+1}, ack_{i+1}))` — what its downstream
//! neighbour reports receiving from it, or signed for in the latest ack the relay's ticket
//! carried (a [`ditex_primitives::settlement::SignedAck`] under the neighbour's ticket key),
//! capped by what the consumer acknowledged; the last hop for `min(bytes_out, receipt)`.
//! That holds at the channel's end too. Only a downstream neighbour that is provably absent —
//! deregistered, quarantined, or without any ticket included for [`Config::SettlementGrace`]
//! epochs — and that neither reported on the channel nor signed an ack lets the receipt alone
//! pay its upstream; one that keeps submitting tickets but leaves the channel out does
//! not. Each relay earns its own locked price: `floor(price × payable / GiB) − already paid`
//! (cumulative rounding: no unit is lost or created across settlements). When the deposit
//! cannot pay all that is owed, every hop gets the same share of what it is owed: a shortfall
//! is shared pro rata, and a later top-up pays the rest. [`Config::SettlementFee`] of every
//! payment goes to the fee pools through the escrow's fee sink. A quarantined relay is not
//! paid.
//!
//! ## Fees and strikes
//!
//! Tickets pay no fee: the pool's one ticket per (segment, epoch) from a registered, active
//! router is what bounds them. [`Pallet::settle`] is free when it pays someone and its caller
//! is one of the channel's payees. Failures split in two kinds:
//!
//! - **Refused** — by the pool, with an `InvalidTransaction` (and by the call with a clear
//!   `Error`, if it ever gets in): an unknown or quarantined segment, a signature that is not
//!   the segment's current ticket key's, a stale, future or replayed epoch, a boot time in the
//!   future, malformed lists (duplicates). Nothing changes and nobody is struck: nobody
//!   provably misbehaved, or there is nobody to blame (an agent retrying after a lost reply
//!   replays a ticket).
//! - **Rejected** — evidence of a bad ticket in fields only the relay controls: a relay not on
//!   the path or with the wrong neighbours, totals that go backwards within one boot,
//!   forwarding more than received. The dispatch *succeeds* without applying anything of the
//!   ticket, strikes the segment in the registry ([`pallet_ditex::StrikeSink`]) and emits
//!   [`Event::TicketRejected`] with the `Error`. The ticket's weight covers the quarantine a
//!   strike may cause, and an accepted ticket gets that part back.
//!   [`Pallet::do_submit_ticket`] is the same validation returning the `Error` itself (what
//!   the unit tests assert with `assert_noop!`). Receipts (the consumer's input) and acks (the
//!   downstream neighbour's) are never grounds for a strike: a bad one is dropped with
//!   [`Event::ReceiptIgnored`] or [`Event::AckIgnored`].

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
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
		Ack, ChannelId, ChannelUsage, Epoch, PeerCounters, Receipt, SignedTicket, Ticket,
		MAX_TICKET_BATCH, MAX_TICKET_CHANNELS, MAX_TICKET_PEERS,
	},
	signed_by, MAX_HOPS,
};
use frame_support::{dispatch::PostDispatchInfo, pallet_prelude::*, traits::UnixTime};
use frame_system::pallet_prelude::*;
use pallet_ditex::{SegmentRegistry, StrikeReason, StrikeSink};
use pallet_escrow::{Channel, ChannelEscrow};
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{One, Saturating, UniqueSaturatedFrom, UniqueSaturatedInto, Zero},
	transaction_validity::{
		InvalidTransaction, TransactionSource, TransactionValidityWithRefund, ValidTransaction,
	},
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
	/// Its epoch, as the relay labelled it: the next ticket must name a later one.
	pub epoch: Epoch,
	/// The epoch it was included in: when the relay was last heard from.
	pub included: Epoch,
	/// The agent's boot time.
	pub boot_time: u64,
	/// Octets received since boot.
	pub total_in: u64,
	/// Octets sent since boot.
	pub total_out: u64,
	/// Octets per peer since boot.
	pub peers: BoundedVec<PeerCounters, ConstU32<MAX_TICKET_PEERS>>,
}

/// A signed cumulative count taken in with a ticket whose signature settlement checks: a
/// receipt's (under the channel's receipt key) or a downstream ack's (under the downstream
/// router's ticket key). The rest of what was signed is the claim's channel, path and hop.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Unchecked {
	/// The signed cumulative bytes.
	pub bytes: u64,
	/// The ed25519 signature, not checked yet.
	pub signature: [u8; 64],
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
	/// The largest receipt (bytes the consumer acknowledged) the relay reported whose
	/// signature a settlement checked.
	pub receipt: u64,
	/// The largest ack of its downstream neighbour (bytes it signed for receiving from this
	/// relay) the relay reported whose signature a settlement checked.
	pub acked: u64,
	/// The largest receipt reported since, above `receipt`: the next settlement checks it.
	pub unchecked_receipt: Option<Unchecked>,
	/// The largest ack reported since, above `acked`: the next settlement checks it.
	pub unchecked_ack: Option<Unchecked>,
	/// The epoch the latest ticket in which `bytes_out` grew was included in.
	pub grew_at: Epoch,
	/// The payable bytes of the latest settlement.
	pub settled_bytes: u64,
	/// Paid for it so far, settlement fees included.
	pub paid: Balance,
}

impl<Balance> Claim<Balance> {
	/// The largest receipt the relay reported, checked or not.
	pub fn reported_receipt(&self) -> u64 {
		self.unchecked_receipt.as_ref().map_or(self.receipt, |u| u.bytes.max(self.receipt))
	}

	/// The largest ack of its downstream the relay reported, checked or not.
	pub fn reported_ack(&self) -> u64 {
		self.unchecked_ack.as_ref().map_or(self.acked, |u| u.bytes.max(self.acked))
	}
}

/// What validation makes of one channel entry of a ticket.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Entry<Balance> {
	/// The entry is recorded on the relay's claim (`None`: its first report of the channel),
	/// with its receipt and its downstream's ack for settlement to check, or why one was
	/// dropped at once (for another chain, channel, path or hop).
	Claim {
		/// The claim as it stands.
		claim: Option<Claim<Balance>>,
		/// The receipt's cumulative bytes and signature, or why it was dropped.
		receipt: Option<Result<Unchecked, DispatchError>>,
		/// The downstream's ack's cumulative bytes and signature, or why it was dropped.
		ack: Option<Result<Unchecked, DispatchError>>,
	},
	/// The channel has ended or never existed: the entry is skipped.
	Skipped(DispatchError),
}

/// A relay's earnings as the runtime API shows them (one definition, read by the agents too).
pub use ditex_primitives::settlement::RelayView;

/// Sets up what the benchmarks need from the registry and the escrow.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// A segment router for sale at one unit per byte (2^30 per GiB), with a funded operator
	/// of its own, distinct for every `n`.
	fn segment(n: u32) -> (SegmentId, AccountId);
	/// Give segment `segment` the ticket key `key`.
	fn set_ticket_key(segment: SegmentId, key: ditex_primitives::registry::TicketKey);
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
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

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

		/// Wall-clock time, to refuse boot times in the future.
		type UnixTime: UnixTime;

		/// How far past the chain's clock a ticket's boot time may be, in seconds.
		#[pallet::constant]
		type MaxClockSkew: Get<u64>;

		/// Blocks per epoch of a chain whose genesis does not set [`EpochLength`]; relays
		/// submit one ticket per epoch. The chain's epoch length is [`Pallet::epoch_length`].
		#[pallet::constant]
		type DefaultEpochLength: Get<BlockNumberFor<Self>>;

		/// How many epochs a ticket may lag the current epoch.
		#[pallet::constant]
		type MaxTicketAge: Get<Epoch>;

		/// Epochs without any ticket after which a downstream neighbour counts as absent, so
		/// that its upstream is paid on the receipt alone. The escrow's settlement grace should
		/// cover `(SettlementGrace + MaxTicketAge + 1)` epochs: [`EscrowSettlementGrace`].
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

	#[pallet::type_value]
	pub fn DefaultEpochLengthOf<T: Config>() -> BlockNumberFor<T> {
		T::DefaultEpochLength::get()
	}

	/// Blocks per epoch, set at genesis and never changed (see the crate docs, "Epochs"). Read
	/// it with [`Pallet::epoch_length`].
	#[pallet::storage]
	pub type EpochLength<T: Config> =
		StorageValue<_, BlockNumberFor<T>, ValueQuery, DefaultEpochLengthOf<T>>;

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

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Blocks per epoch; zero (or absent) means [`Config::DefaultEpochLength`].
		pub epoch_length: BlockNumberFor<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if !self.epoch_length.is_zero() {
				EpochLength::<T>::put(self.epoch_length);
			}
		}
	}

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
		/// A ticket failed validation: nothing of it was applied, and the segment was struck
		/// when the error is evidence against it ([`Error::strikes`]).
		TicketRejected {
			/// The segment router.
			segment: SegmentId,
			/// The ticket's epoch.
			epoch: Epoch,
			/// Why.
			error: DispatchError,
		},
		/// A channel entry of a ticket named a channel that has ended or never existed: it was
		/// skipped and the rest of the ticket applied.
		ChannelSkipped {
			/// The segment router.
			segment: SegmentId,
			/// The channel.
			channel: ChannelId,
			/// Why.
			error: DispatchError,
		},
		/// A receipt a relay reported was dropped: by its ticket's intake when it is for another
		/// chain, channel or path (the rest of the entry applied), or by a settlement when its
		/// signature is not the consumer's. Receipts are the consumer's input, so the relay is
		/// not struck for it.
		ReceiptIgnored {
			/// The segment router.
			segment: SegmentId,
			/// The channel.
			channel: ChannelId,
			/// Why.
			error: DispatchError,
		},
		/// An ack a relay reported was dropped: by its ticket's intake when it is for another
		/// chain, channel or hop (the rest of the entry applied), or by a settlement when its
		/// signature is not the downstream router's. Acks are the downstream neighbour's input,
		/// so the relay is not struck for it.
		AckIgnored {
			/// The segment router.
			segment: SegmentId,
			/// The channel.
			channel: ChannelId,
			/// Why.
			error: DispatchError,
		},
		/// A settlement found the consumer's signature on a larger receipt a relay reported: the
		/// channel's receipt grew to it.
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
		/// The ticket's signature is not its segment router's ticket key's.
		BadTicketSignature,
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
		/// The ticket's boot time is later than the chain's clock allows.
		BootTimeInFuture,
		/// The ack is for another chain, channel or hop, or from the egress.
		AckMismatch,
		/// The ack's signature is not the downstream router's ticket key's.
		BadAckSignature,
	}

	impl<T: Config> Error<T> {
		/// Whether the error is evidence against the segment's operator, who is struck for it.
		pub fn strikes(&self) -> bool {
			// Only fields the relay itself controls. A receipt is the consumer's (dropped, see
			// `ReceiptIgnored`); a channel that ended races the ticket (skipped); a lost
			// channel counter or a clock set wrong is an accident that earns nothing.
			matches!(
				self,
				Error::CountersWentBack
					| Error::NotOnPath
					| Error::HopMismatch
					| Error::ForwardedMoreThanReceived
			)
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(!T::DefaultEpochLength::get().is_zero(), "epochs must last at least one block");
			let weights = <T as frame_system::Config>::BlockWeights::get();
			let max = weights
				.get(frame_support::dispatch::DispatchClass::Normal)
				.max_extrinsic
				.unwrap_or(weights.max_block);
			let worst = Pallet::<T>::submit_ticket_weight(MAX_TICKET_CHANNELS, MAX_TICKET_PEERS)
				.saturating_add(T::WeightInfo::authorize_ticket(
					MAX_TICKET_CHANNELS,
					MAX_TICKET_PEERS,
				));
			assert!(worst.all_lte(max), "the largest ticket exceeds an extrinsic: {worst:?}");
			// A whole group's one-channel tickets fit one batch (larger batches are bounded by
			// their weight: the pool refuses one that exceeds an extrinsic).
			let group = T::WeightInfo::submit_tickets(MAX_TICKET_BATCH)
				.saturating_add(
					T::Strikes::max_strike_weight().saturating_mul(MAX_TICKET_BATCH.into()),
				)
				.saturating_add(T::WeightInfo::authorize_tickets(MAX_TICKET_BATCH));
			assert!(group.all_lte(max), "a group's batch exceeds an extrinsic: {group:?}");
			let worst = Pallet::<T>::settle_weight(MAX_HOPS);
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
		/// Submit a segment router's ticket for an epoch, signed with its ticket key: an
		/// authorized transaction, with no account, fee or nonce. The transaction pool takes
		/// one ticket per (segment, epoch), checked by [`Pallet::authorize_ticket`]; see the
		/// crate docs for what a ticket that fails the deeper checks costs its segment.
		#[pallet::call_index(0)]
		#[pallet::weight(Pallet::<T>::submit_ticket_weight(
			ticket.ticket.channels.len() as u32,
			ticket.ticket.peers.len() as u32,
		))]
		#[pallet::authorize(Pallet::<T>::authorize_ticket)]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_ticket(
			ticket.ticket.channels.len() as u32,
			ticket.ticket.peers.len() as u32,
		))]
		pub fn submit_ticket(
			origin: OriginFor<T>,
			ticket: SignedTicket,
		) -> DispatchResultWithPostInfo {
			frame_system::ensure_authorized(origin)?;
			let (weight, struck) = Self::take_ticket(ticket.ticket);
			Ok(PostDispatchInfo {
				actual_weight: Some(weight),
				pays_fee: if struck { Pays::Yes } else { Pays::No },
			})
		}

		/// Submit several routers' tickets in one authorized transaction, each signed with its
		/// own router's ticket key: what a group's reporter does with its members' tickets, so
		/// that the group pays one transaction's overhead instead of one each. Every ticket is
		/// checked as [`Pallet::submit_ticket`] checks it, and the pool refuses the batch if
		/// any ticket fails those checks or two are of one segment
		/// ([`Pallet::authorize_tickets`]); each ticket then validates and is accepted or
		/// rejected on its own.
		#[pallet::call_index(2)]
		#[pallet::weight(Pallet::<T>::submit_tickets_weight(tickets))]
		#[pallet::authorize(Pallet::<T>::authorize_tickets)]
		#[pallet::weight_of_authorize(Pallet::<T>::authorize_tickets_weight(tickets))]
		pub fn submit_tickets(
			origin: OriginFor<T>,
			tickets: BoundedVec<SignedTicket, ConstU32<MAX_TICKET_BATCH>>,
		) -> DispatchResultWithPostInfo {
			frame_system::ensure_authorized(origin)?;
			let n = tickets.len() as u32;
			let mut weight = T::WeightInfo::submit_tickets(n);
			let mut struck = false;
			for signed in tickets {
				let (w, s) = Self::take_ticket(signed.ticket);
				// What the batch benchmark measured of a one-channel ticket is in its base.
				weight.saturating_accrue(w.saturating_sub(T::WeightInfo::submit_ticket(1, 0)));
				struck |= s;
			}
			Ok(PostDispatchInfo {
				actual_weight: Some(weight),
				pays_fee: if struck { Pays::Yes } else { Pays::No },
			})
		}

		/// Check the receipt and ack signatures the channel's tickets brought since the last
		/// settlement, then pay every hop of `channel` what they make payable. Anyone may call
		/// it; it is free of charge when it pays someone and the caller is one of the channel's
		/// payees. A channel that ends is settled without it.
		#[pallet::call_index(1)]
		#[pallet::weight(Pallet::<T>::settle_weight(MAX_HOPS))]
		pub fn settle(origin: OriginFor<T>, channel: ChannelId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let payee = T::Escrow::channel(channel)
				.is_some_and(|ch| ch.hops.iter().any(|h| h.payee == who));
			let settled = Self::do_settle(channel)?;
			// Checking signatures is work done even when it pays nobody: it stands, and is
			// paid for.
			ensure!(settled.payments + settled.checked > 0, Error::<T>::NothingToSettle);
			Ok(PostDispatchInfo {
				actual_weight: Some(Self::settle_weight(settled.hops)),
				pays_fee: if payee && settled.payments > 0 { Pays::No } else { Pays::Yes },
			})
		}
	}
}

impl<T: Config> Pallet<T> {
	/// What settling a channel of `hops` hops may weigh, a shrink of its consumer's votes
	/// included.
	pub fn settle_weight(hops: u32) -> Weight {
		T::WeightInfo::settle(hops).saturating_add(T::Escrow::freeze_shrink_weight())
	}

	/// What a ticket with `channels` channels and `peers` peers may weigh: its intake, or its
	/// rejection with a strike that quarantines the segment out of a full group.
	pub fn submit_ticket_weight(channels: u32, peers: u32) -> Weight {
		T::WeightInfo::submit_ticket(channels, peers)
			.saturating_add(T::Strikes::max_strike_weight())
	}

	/// What a batch of tickets may weigh: the batch benchmark's, measured on one-channel
	/// tickets, plus what each larger ticket weighs above one of those, plus a strike each.
	pub fn submit_tickets_weight(tickets: &[SignedTicket]) -> Weight {
		let n = tickets.len() as u32;
		Self::above_one_channel(tickets, T::WeightInfo::submit_tickets(n), |c, p| {
			T::WeightInfo::submit_ticket(c, p)
		})
		.saturating_add(T::Strikes::max_strike_weight().saturating_mul(n.into()))
	}

	/// What authorizing a batch of tickets weighs, counted as [`Pallet::submit_tickets_weight`]
	/// counts the call.
	pub fn authorize_tickets_weight(tickets: &[SignedTicket]) -> Weight {
		let n = tickets.len() as u32;
		Self::above_one_channel(tickets, T::WeightInfo::authorize_tickets(n), |c, p| {
			T::WeightInfo::authorize_ticket(c, p)
		})
	}

	/// `batch`, a batch benchmark's weight on one-channel tickets without peers, plus what
	/// `each(channels, peers)` of every ticket exceeds such a ticket's by.
	fn above_one_channel(
		tickets: &[SignedTicket],
		batch: Weight,
		each: impl Fn(u32, u32) -> Weight,
	) -> Weight {
		let one = each(1, 0);
		tickets.iter().fold(batch, |w, t| {
			let (c, p) = (t.ticket.channels.len() as u32, t.ticket.peers.len() as u32);
			w.saturating_add(each(c, p).saturating_sub(one))
		})
	}

	/// Blocks per epoch: the genesis's [`EpochLength`], or [`Config::DefaultEpochLength`] if it
	/// set none. Never zero.
	pub fn epoch_length() -> BlockNumberFor<T> {
		let length = EpochLength::<T>::get();
		if length.is_zero() {
			T::DefaultEpochLength::get().max(One::one())
		} else {
			length
		}
	}

	/// The current epoch.
	pub fn current_epoch() -> Epoch {
		let n = frame_system::Pallet::<T>::block_number() / Self::epoch_length();
		n.unique_saturated_into()
	}

	/// Blocks after a channel's close or expiry during which its tickets may still arrive and
	/// settle: a claim's wait for its downstream ([`Config::SettlementGrace`] epochs), the age
	/// a ticket may have ([`Config::MaxTicketAge`]) and one epoch more for the ticket in flight.
	pub fn channel_settlement_grace() -> BlockNumberFor<T> {
		let epochs =
			T::SettlementGrace::get().saturating_add(T::MaxTicketAge::get()).saturating_add(1);
		Self::epoch_length().saturating_mul(epochs.into())
	}

	/// Authenticate, validate and apply a ticket, returning the validation `Error` itself on
	/// failure (no strike: that is [`Pallet::submit_ticket`]'s business).
	pub fn do_submit_ticket(signed: SignedTicket) -> DispatchResult {
		Self::check_ticket(&signed)?;
		let entries = Self::validate(&signed.ticket)?;
		Self::apply(signed.ticket, entries);
		Ok(())
	}

	/// Validate and apply a ticket that passed its authorization, or reject it whole and strike
	/// its segment when the failure is evidence against it. Returns the weight used and whether
	/// the segment was struck.
	fn take_ticket(ticket: Ticket) -> (Weight, bool) {
		let used =
			T::WeightInfo::submit_ticket(ticket.channels.len() as u32, ticket.peers.len() as u32);
		let e = match Self::validate(&ticket) {
			Ok(entries) => {
				Self::apply(ticket, entries);
				// No strike: what a quarantine would have cost is refunded.
				return (used, false);
			},
			Err(e) => e,
		};
		log::debug!(target: LOG_TARGET, "ticket of segment {} rejected: {e:?}", ticket.segment);
		let strikes = e.strikes();
		if strikes {
			T::Strikes::strike(ticket.segment, StrikeReason::InvalidTicket);
		}
		Self::deposit_event(Event::TicketRejected {
			segment: ticket.segment,
			epoch: ticket.epoch,
			error: e.into(),
		});
		(used.saturating_add(T::Strikes::max_strike_weight()), strikes)
	}

	/// What the pool checks before it takes a ticket in, cheaply and without changing
	/// anything: the segment is registered and active, the epoch is current enough and later
	/// than its last accepted ticket's, the boot time is not in the future, no peer or channel
	/// is listed twice, and the ticket key's signature holds. A ticket failing these is
	/// refused: it never reaches a block.
	pub fn check_ticket(signed: &SignedTicket) -> Result<(), Error<T>> {
		let ticket = &signed.ticket;
		let segment = ticket.segment;
		let key = T::Registry::ticket_key(segment).ok_or(Error::<T>::UnknownSegment)?;
		ensure!(T::Registry::is_active(segment), Error::<T>::SegmentQuarantined);
		Self::check_epoch(ticket)?;
		let clock = T::UnixTime::now().as_secs();
		ensure!(
			ticket.boot_time <= clock.saturating_add(T::MaxClockSkew::get()),
			Error::<T>::BootTimeInFuture
		);
		let mut peers: Vec<SegmentId> = ticket.peers.iter().map(|p| p.peer).collect();
		peers.sort_unstable();
		ensure!(peers.windows(2).all(|w| w[0] != w[1]), Error::<T>::DuplicatePeer);
		let mut ids: Vec<ChannelId> = ticket.channels.iter().map(|c| c.channel).collect();
		ids.sort_unstable();
		ensure!(ids.windows(2).all(|w| w[0] != w[1]), Error::<T>::DuplicateChannel);
		let payload = ticket.signing_payload(&pallet_ditex::genesis_hash::<T>());
		ensure!(signed_by(&signed.signature, &payload, &key.0), Error::<T>::BadTicketSignature);
		Ok(())
	}

	/// The ticket's epoch is at most [`Config::MaxTicketAge`] old, not ahead, and later than the
	/// segment's last accepted ticket's.
	fn check_epoch(ticket: &Ticket) -> Result<(), Error<T>> {
		let now = Self::current_epoch();
		ensure!(
			ticket.epoch <= now && ticket.epoch.saturating_add(T::MaxTicketAge::get()) >= now,
			Error::<T>::StaleEpoch
		);
		if let Some(last) = LastTicket::<T>::get(ticket.segment) {
			ensure!(ticket.epoch > last.epoch, Error::<T>::ReplayedTicket);
		}
		Ok(())
	}

	/// The authorization of [`Pallet::submit_ticket`]: [`Pallet::check_ticket`], and one ticket
	/// per (segment, epoch) in the pool. Runs when the pool validates the transaction and
	/// again when a block includes it.
	pub fn authorize_ticket(
		_source: TransactionSource,
		signed: &SignedTicket,
	) -> TransactionValidityWithRefund {
		Self::authorize_all(core::slice::from_ref(signed))
	}

	/// The authorization of [`Pallet::submit_tickets`]: every ticket as
	/// [`Pallet::authorize_ticket`] takes it, no segment twice, and the batch provides every
	/// ticket's (segment, epoch), so it and a ticket submitted alone exclude each other in the
	/// pool. The one with more tickets wins (priority: its ticket count).
	pub fn authorize_tickets(
		_source: TransactionSource,
		tickets: &BoundedVec<SignedTicket, ConstU32<MAX_TICKET_BATCH>>,
	) -> TransactionValidityWithRefund {
		Self::authorize_all(tickets)
	}

	/// One validity for `tickets`, or the first ticket's reason to refuse them all.
	fn authorize_all(tickets: &[SignedTicket]) -> TransactionValidityWithRefund {
		let mut segments: Vec<SegmentId> = tickets.iter().map(|t| t.ticket.segment).collect();
		segments.sort_unstable();
		let distinct = segments.windows(2).all(|w| w[0] != w[1]);
		if segments.is_empty() || !distinct {
			return Err(InvalidTransaction::Call.into());
		}
		let now = Self::current_epoch();
		let blocks: u64 = Self::epoch_length().unique_saturated_into();
		let mut validity = ValidTransaction::with_tag_prefix("DitexTicket")
			.priority(tickets.len() as u64)
			.propagate(true);
		let mut longevity = u64::MAX;
		for signed in tickets {
			let ticket = &signed.ticket;
			Self::check_ticket(signed).map_err(|e| match e {
				Error::<T>::BadTicketSignature => InvalidTransaction::BadProof,
				Error::<T>::UnknownSegment => InvalidTransaction::BadSigner,
				Error::<T>::StaleEpoch if ticket.epoch > now => InvalidTransaction::Future,
				Error::<T>::StaleEpoch | Error::<T>::ReplayedTicket => InvalidTransaction::Stale,
				_ => InvalidTransaction::Call,
			})?;
			// Valid until the epoch is too old to be taken.
			let left = ticket
				.epoch
				.saturating_add(T::MaxTicketAge::get())
				.saturating_add(1)
				.saturating_sub(now);
			longevity = longevity.min(blocks.saturating_mul(left.into()).max(1));
			validity = validity.and_provides((ticket.segment, ticket.epoch));
		}
		Ok((validity.longevity(longevity).build()?, Weight::zero()))
	}

	/// Check the content of a ticket that passed [`Pallet::check_ticket`], without changing
	/// anything: its counters against the last ticket's, and every channel entry. Returns
	/// what becomes of each entry; an `Error` here is evidence against the segment when
	/// [`Error::strikes`] says so.
	pub fn validate(ticket: &Ticket) -> Result<Vec<Entry<BalanceOf<T>>>, Error<T>> {
		let segment = ticket.segment;
		let last = LastTicket::<T>::get(segment);
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
			}
			// Any other boot time is a new boot, earlier ones included: a box whose clock
			// came up wrong is not struck for it, and totals that reset earn nothing.
		}

		let genesis = pallet_ditex::genesis_hash::<T>();
		let mut entries = Vec::with_capacity(ticket.channels.len());
		for usage in ticket.channels.iter() {
			entries.push(Self::validate_usage(segment, usage, &genesis)?);
		}
		Ok(entries)
	}

	/// A channel that still settles.
	fn settling_channel(id: ChannelId) -> Result<ChannelOf<T>, Error<T>> {
		match T::Escrow::channel(id) {
			Some(ch) => Ok(ch),
			None if T::Escrow::ended(id) => Err(Error::<T>::ChannelExpired),
			None => Err(Error::<T>::UnknownChannel),
		}
	}

	/// Check one channel entry of a ticket of `segment`; returns what becomes of it.
	fn validate_usage(
		segment: SegmentId,
		usage: &ChannelUsage,
		genesis: &sp_core::H256,
	) -> Result<Entry<BalanceOf<T>>, Error<T>> {
		let id = usage.channel;
		let ch = match Self::settling_channel(id) {
			Ok(ch) => ch,
			Err(e) => return Ok(Entry::Skipped(e.into())),
		};
		let hop = usage.hop as usize;
		ensure!(ch.hops.get(hop).map(|h| h.segment) == Some(segment), Error::<T>::NotOnPath);
		let prev = hop.checked_sub(1).and_then(|i| ch.hops.get(i)).map(|h| h.segment);
		let next = ch.hops.get(hop + 1).map(|h| h.segment);
		ensure!(usage.prev == prev && usage.next == next, Error::<T>::HopMismatch);
		ensure!(usage.bytes_out <= usage.bytes_in, Error::<T>::ForwardedMoreThanReceived);
		// Only what is free to check now: the signatures wait for settlement, which checks
		// the one receipt and the acks that decide a payment, not every ticket's.
		let receipt = usage.receipt.as_ref().map(|signed| -> Result<Unchecked, DispatchError> {
			let r = &signed.receipt;
			ensure!(r.genesis == *genesis, Error::<T>::ReceiptWrongChain);
			ensure!(r.channel == id && r.path == ch.path(), Error::<T>::ReceiptWrongChannel);
			Ok(Unchecked { bytes: r.cumulative_bytes, signature: signed.signature })
		});
		let ack = usage.ack.as_ref().map(|signed| -> Result<Unchecked, DispatchError> {
			let a = &signed.ack;
			ensure!(
				next.is_some()
					&& a.genesis == *genesis
					&& a.channel == id
					&& a.hop as usize == hop + 1,
				Error::<T>::AckMismatch
			);
			Ok(Unchecked { bytes: a.cumulative_bytes, signature: signed.signature })
		});
		Ok(Entry::Claim { claim: Claims::<T>::get(segment, id), receipt, ack })
	}

	/// Record a validated ticket: the relay's counters and its claim on every channel.
	fn apply(ticket: Ticket, entries: Vec<Entry<BalanceOf<T>>>) {
		let segment = ticket.segment;
		// Claims are ordered by when the chain took them in, never by the relay's label.
		let now = Self::current_epoch();
		LastTicket::<T>::insert(
			segment,
			TicketMark {
				epoch: ticket.epoch,
				included: now,
				boot_time: ticket.boot_time,
				total_in: ticket.total_in,
				total_out: ticket.total_out,
				peers: ticket.peers,
			},
		);
		let count = ticket.channels.len() as u32;
		for (usage, entry) in ticket.channels.into_iter().zip(entries) {
			let id = usage.channel;
			let (claim, receipt, ack) = match entry {
				Entry::Skipped(e) => {
					Self::deposit_event(Event::ChannelSkipped { segment, channel: id, error: e });
					continue;
				},
				Entry::Claim { claim, receipt, ack } => (claim, receipt, ack),
			};
			let mut claim = claim.unwrap_or_else(|| Claim {
				hop: usage.hop,
				bytes_in: 0,
				bytes_out: 0,
				receipt: 0,
				acked: 0,
				unchecked_receipt: None,
				unchecked_ack: None,
				grew_at: now,
				settled_bytes: 0,
				paid: Zero::zero(),
			});
			// Cumulative counters keep their maximum: an agent that lost its counters is not
			// struck, and claims less than it already has.
			if usage.bytes_in > claim.bytes_in {
				claim.bytes_in = usage.bytes_in;
			}
			if usage.bytes_out > claim.bytes_out {
				claim.bytes_out = usage.bytes_out;
				claim.grew_at = now;
			}
			// Receipts and acks only grow: the largest waits for settlement's check.
			match receipt {
				Some(Ok(r)) if r.bytes > claim.reported_receipt() => {
					claim.unchecked_receipt = Some(r)
				},
				Some(Err(e)) => {
					Self::deposit_event(Event::ReceiptIgnored { segment, channel: id, error: e })
				},
				_ => {},
			}
			match ack {
				Some(Ok(a)) if a.bytes > claim.reported_ack() => claim.unchecked_ack = Some(a),
				Some(Err(e)) => {
					Self::deposit_event(Event::AckIgnored { segment, channel: id, error: e })
				},
				_ => {},
			}
			Claims::<T>::insert(segment, id, claim);
		}
		Self::deposit_event(Event::TicketAccepted {
			segment,
			epoch: ticket.epoch,
			channels: count,
		});
	}

	/// What the relay downstream of a hop is proven to have received from it on a channel:
	/// the larger of its own ticket's `bytes_in` and its signed ack that the upstream's ticket
	/// carried. A downstream cannot report less than it signed for.
	fn downstream_received(
		claim: &Claim<BalanceOf<T>>,
		downstream: Option<&Claim<BalanceOf<T>>>,
	) -> Option<u64> {
		let acked = (claim.acked > 0).then_some(claim.acked);
		downstream.map(|d| d.bytes_in).max(acked)
	}

	/// Whether segment `next` is provably absent for a claim waiting on it: deregistered or
	/// quarantined, or no ticket of it included for [`Config::SettlementGrace`] epochs (counted
	/// from the claim's growth when it never submitted one).
	fn absent(next: SegmentId, claim: &Claim<BalanceOf<T>>, now: Epoch) -> bool {
		if !T::Registry::is_active(next) {
			return true;
		}
		let heard = LastTicket::<T>::get(next).map_or(claim.grew_at, |m| m.included);
		now >= heard.saturating_add(T::SettlementGrace::get())
	}

	/// The bytes `claim` may be paid for now: what it forwarded, capped by the channel's
	/// receipt and, but at the last hop, by what its downstream neighbour `next` reported
	/// receiving. Without any report from the downstream, only a provably absent downstream
	/// lets the receipt alone pay.
	fn payable(
		claim: &Claim<BalanceOf<T>>,
		next: Option<(SegmentId, Option<&Claim<BalanceOf<T>>>)>,
		receipt: u64,
		now: Epoch,
	) -> u64 {
		let proven = claim.bytes_out.min(receipt);
		let Some((next, downstream)) = next else { return proven };
		match Self::downstream_received(claim, downstream) {
			Some(received) => proven.min(received),
			None if Self::absent(next, claim, now) => proven,
			None => 0,
		}
	}

	/// The gross amount owed for `bytes` at `price` per GiB: floor(price × bytes / GiB).
	fn owed(price: BalanceOf<T>, bytes: u64) -> BalanceOf<T> {
		let price: u128 = price.unique_saturated_into();
		let owed = price.saturating_mul(bytes as u128) / GIB;
		BalanceOf::<T>::unique_saturated_from(owed)
	}

	/// Pay every hop of channel `id` what it is owed now. Pays nobody who is quarantined or no
	/// longer registered. When the deposit cannot pay everything owed, every hop gets the same
	/// share of what it is owed (rounded down): a shortfall is shared pro rata, never first
	/// come first served, and a later top-up pays the rest.
	pub fn do_settle(id: ChannelId) -> Result<Settled, DispatchError> {
		let ch = Self::settling_channel(id)?;
		let stored: Vec<_> = ch.hops.iter().map(|h| Claims::<T>::get(h.segment, id)).collect();
		let mut claims = stored.clone();
		let checked = Self::check_signatures(id, &ch, &mut claims);
		let receipt = claims.iter().flatten().map(|c| c.receipt).max().unwrap_or(0);
		let now = Self::current_epoch();
		// What each hop is payable for and owed now.
		let mut owed: Vec<(u64, u128)> = Vec::with_capacity(ch.hops.len());
		for (hop, terms) in ch.hops.iter().enumerate() {
			let next = ch.hops.get(hop + 1).map(|n| (n.segment, claims[hop + 1].as_ref()));
			let due = match &claims[hop] {
				Some(claim) if T::Registry::is_active(terms.segment) => {
					let bytes = Self::payable(claim, next, receipt, now);
					let gross = Self::owed(terms.price_per_gib, bytes).saturating_sub(claim.paid);
					(bytes, gross.unique_saturated_into())
				},
				_ => (0, 0),
			};
			owed.push(due);
		}
		let total: u128 = owed.iter().map(|(_, g)| *g).fold(0u128, |a, g| a.saturating_add(g));
		let remaining: u128 = ch.remaining().unique_saturated_into();
		let mut payments = 0;
		for (hop, terms) in ch.hops.iter().enumerate() {
			let Some(claim) = claims[hop].as_mut() else { continue };
			let (bytes, due) = owed[hop];
			let share = if total > remaining {
				// due × remaining / total without overflow: both are at most 2^128 − 1, and
				// due ≤ total, so the quotient fits.
				sp_runtime::helpers_128bit::multiply_by_rational_with_rounding(
					due,
					remaining,
					total,
					sp_runtime::Rounding::Down,
				)
				.unwrap_or(0)
			} else {
				due
			};
			let gross = BalanceOf::<T>::unique_saturated_from(share);
			if !gross.is_zero() {
				let fee = T::SettlementFee::get().mul_floor(gross);
				let amount = gross.saturating_sub(fee);
				T::Escrow::pay(id, hop as u8, amount, fee)?;
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
			if Some(&*claim) != stored[hop].as_ref() {
				Claims::<T>::insert(terms.segment, id, &*claim);
			}
		}
		Ok(Settled { hops: ch.hops.len() as u32, payments, checked })
	}

	/// Check the signatures a settlement of channel `id` (which is `ch`) needs, and keep what
	/// holds; returns how many were checked. The channel's receipt is the largest whose
	/// consumer signature holds: unchecked receipts are checked largest first, each that fails
	/// is dropped ([`Event::ReceiptIgnored`]) and those below the first that holds are moot.
	/// An unchecked ack is checked under its downstream router's current ticket key only when
	/// it is above both the ack already checked and what the downstream reported itself
	/// (below that it pays nothing more). No unchecked count is left afterwards.
	fn check_signatures(
		id: ChannelId,
		ch: &ChannelOf<T>,
		claims: &mut [Option<Claim<BalanceOf<T>>>],
	) -> u32 {
		let unchecked = |c: &Claim<_>| c.unchecked_receipt.is_some() || c.unchecked_ack.is_some();
		if !claims.iter().flatten().any(unchecked) {
			return 0;
		}
		let genesis = pallet_ditex::genesis_hash::<T>();
		let mut checked = 0;
		let mut receipt = claims.iter().flatten().map(|c| c.receipt).max().unwrap_or(0);
		let mut pending: Vec<(u64, usize)> = claims
			.iter()
			.enumerate()
			.filter_map(|(hop, c)| Some((c.as_ref()?.unchecked_receipt.as_ref()?.bytes, hop)))
			.collect();
		pending.sort_unstable_by(|a, b| b.cmp(a));
		for (bytes, hop) in pending {
			let Some(claim) = claims[hop].as_mut() else { continue };
			let Some(unchecked) = claim.unchecked_receipt.take() else { continue };
			if bytes <= receipt {
				continue;
			}
			let segment = ch.hops[hop].segment;
			let r = Receipt { genesis, channel: id, path: ch.path(), cumulative_bytes: bytes };
			checked += 1;
			if signed_by(&unchecked.signature, &r.signing_payload(), &ch.receipt_key.0) {
				claim.receipt = bytes;
				receipt = bytes;
				Self::deposit_event(Event::ReceiptAccepted {
					channel: id,
					segment,
					cumulative_bytes: bytes,
				});
			} else {
				let error = Error::<T>::BadReceiptSignature.into();
				Self::deposit_event(Event::ReceiptIgnored { segment, channel: id, error });
			}
		}
		for hop in 0..claims.len() {
			let downstream_in = claims.get(hop + 1).and_then(|c| c.as_ref()).map(|d| d.bytes_in);
			let Some(claim) = claims[hop].as_mut() else { continue };
			let Some(unchecked) = claim.unchecked_ack.take() else { continue };
			// Taken in only where there is a downstream hop.
			let Some(next) = ch.hops.get(hop + 1).map(|h| h.segment) else { continue };
			if unchecked.bytes <= claim.acked.max(downstream_in.unwrap_or(0)) {
				continue;
			}
			let a =
				Ack { genesis, channel: id, hop: hop as u8 + 1, cumulative_bytes: unchecked.bytes };
			checked += 1;
			let valid = T::Registry::ticket_key(next)
				.is_some_and(|key| signed_by(&unchecked.signature, &a.signing_payload(), &key.0));
			if valid {
				claim.acked = unchecked.bytes;
			} else {
				let error = Error::<T>::BadAckSignature.into();
				let segment = ch.hops[hop].segment;
				Self::deposit_event(Event::AckIgnored { segment, channel: id, error });
			}
		}
		checked
	}

	// ---- read paths (runtime API) ----

	/// A relay's claim on a channel.
	pub fn claim_view(segment: SegmentId, channel: ChannelId) -> Option<Claim<BalanceOf<T>>> {
		Claims::<T>::get(segment, channel)
	}

	/// The largest receipt any hop reported for a channel that still settles (its signature
	/// is checked when the channel is settled).
	pub fn receipt_view(channel: ChannelId) -> u64 {
		T::Escrow::channel(channel).map_or(0, |ch| Self::receipt_of(channel, &ch, true))
	}

	/// The largest receipt any hop of channel `id` (which is `ch`) reported, checked by a
	/// settlement or, if `reported`, not yet.
	fn receipt_of(id: ChannelId, ch: &ChannelOf<T>, reported: bool) -> u64 {
		ch.hops
			.iter()
			.filter_map(|h| Claims::<T>::get(h.segment, id))
			.map(|c| if reported { c.reported_receipt() } else { c.receipt })
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
			let proven = claim.bytes_out.min(Self::receipt_of(id, &ch, true));
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
				claim.settled_bytes <= claim.bytes_out.min(Self::receipt_of(id, &ch, false)),
				"settled beyond what was forwarded and acknowledged"
			);
			ensure!(
				claim.paid <= Self::owed(terms.price_per_gib, claim.settled_bytes),
				"claim paid beyond price x settled bytes"
			);
			ensure!(
				claim.unchecked_receipt.as_ref().is_none_or(|u| u.bytes > claim.receipt)
					&& claim.unchecked_ack.as_ref().is_none_or(|u| u.bytes > claim.acked),
				"an unchecked receipt or ack that adds nothing"
			);
			ensure!(
				claim.unchecked_ack.is_none() || ch.hops.len() > claim.hop as usize + 1,
				"an ack at the egress"
			);
		}
		for mark in LastTicket::<T>::iter_values() {
			ensure!(mark.epoch <= Self::current_epoch(), "ticket from the future");
		}
		ensure!(!EpochLength::<T>::get().is_zero(), "epochs of zero blocks");
		Ok(())
	}
}

/// The escrow's [`pallet_escrow::Config::SettlementGrace`] that follows the chain's epoch length:
/// [`Pallet::channel_settlement_grace`]. It reads storage, so it is no metadata constant.
pub struct EscrowSettlementGrace<T>(core::marker::PhantomData<T>);
impl<T: Config> Get<BlockNumberFor<T>> for EscrowSettlementGrace<T> {
	fn get() -> BlockNumberFor<T> {
		Pallet::<T>::channel_settlement_grace()
	}
}

/// What [`Pallet::do_settle`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Settled {
	/// The hops of the channel's path.
	pub hops: u32,
	/// How many of them were paid.
	pub payments: u32,
	/// How many receipt and ack signatures it checked.
	pub checked: u32,
}

/// A channel that ends is settled a last time, then its claims go.
impl<T: Config> pallet_escrow::OnChannelEnded for Pallet<T> {
	fn on_channel_ending(id: ChannelId) -> Weight {
		// All of it or nothing: a payment that fails leaves no half-settled channel.
		let settled = frame_support::storage::with_storage_layer(|| Self::do_settle(id));
		match settled {
			Ok(s) => Self::settle_weight(s.hops),
			Err(e) => {
				log::error!(target: LOG_TARGET, "channel {id}: final settlement failed: {e:?}");
				// How far it got before rolling back is unknown: count the worst.
				Self::max_ending_weight()
			},
		}
	}

	fn max_ending_weight() -> Weight {
		Self::settle_weight(MAX_HOPS)
	}

	fn on_channel_ended(id: ChannelId, path: &[SegmentId]) {
		for segment in path {
			Claims::<T>::remove(segment, id);
		}
	}
}

/// A deregistered segment router's tickets are forgotten: its last ticket and earnings view.
/// Its claims on channels that still settle stay until those channels end.
impl<T: Config> pallet_ditex::OnSegmentRemoved for Pallet<T> {
	fn on_segment_removed(segment: SegmentId) {
		LastTicket::<T>::remove(segment);
		Earned::<T>::remove(segment);
	}
}
