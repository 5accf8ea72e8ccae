//! # Escrow Pallet
//!
//! Consumer deposits for the Distributed Internet Transit Exchange: payment channels over paths
//! of registered segment routers, and QoS orders.
//!
//! ## Overview
//!
//! - A consumer **opens a channel** over a path of segment routers with a deposit, a maximum
//!   price per GiB, an expiry block, its X25519 data-plane key and the ed25519 receipt key its
//!   agent signs receipts with. The deposit is a **hold** on the consumer's account. Every hop
//!   must be sellable now (registered, active, for sale, inside its availability windows) and
//!   priced at most the channel's maximum; the price and payee of every hop are locked at open.
//! - The consumer may **top up** the deposit and **close** the channel. A closed channel
//!   takes no new top-ups, but relays' in-flight tickets still settle against it for
//!   [`Config::SettlementGrace`] blocks; likewise after expiry. Then [`Config::OnChannelEnded`]
//!   settles the channel a last time and the unused deposit returns to the consumer
//!   **automatically** in `on_initialize`, from a schedule of at most
//!   [`Config::MaxRefundsPerBlock`] channels per block (the bound is enforced when a channel is
//!   scheduled: a full block pushes it to the next one with room, up to [`SCHEDULE_PROBE`]
//!   blocks later).
//! - The tickets pallet settles through [`ChannelEscrow`]: it reads a channel and pays a hop's
//!   locked payee from the held deposit (`transfer_on_hold`), while the settlement fee is
//!   slashed from the hold as a credit and handed to [`Config::FeeSink`], which the rewards
//!   pallet implements. No unit is created or destroyed: `try_state` checks that for every
//!   channel held = deposit − paid − refunded and that each consumer's hold is the sum over its
//!   channels and orders.
//! - A consumer **orders QoS** — a priority treatment ([`QosClass`]) at a guaranteed rate for
//!   its packets ([`QosFlow`]) on a provider's segment router, for a duration — and its payment
//!   is held. The router's agent applies the treatment on its host and answers under the
//!   router's **ticket key** (see "QoS answers"): a confirmation pays the segment's operator and
//!   makes the order active until its end; a rejection (with a [`QosRejectReason`]) refunds the
//!   consumer at once; no answer by the deadline refunds automatically in `on_initialize`. An
//!   active order stays readable ([`Pallet::orders_of_view`], the agent's source of truth on
//!   restart) until the block after its end, when `on_initialize` removes it.
//!
//! ## QoS answers
//!
//! [`Pallet::confirm_qos`] and [`Pallet::reject_qos`] are **authorized transactions**
//! (`#[pallet::authorize]`, checked by `frame_system::AuthorizeCall`): no account, fee or nonce,
//! so the provider's host holds no account key, only its router's ticket key. The pool
//! ([`Pallet::authorize_answer`], run again when a block includes the answer) takes one answer
//! per order, valid until the order's deadline, and checks that the order is pending, its
//! deadline has not passed, and the signature over [`QosAnswer::signing_payload`] — genesis
//! hash, order, segment and verdict — is the order's segment's current ticket key's. The call
//! checks all of it again. A signed answer holds for one order of one chain with one verdict:
//! an answered order is no longer pending, so an answer replayed is refused
//! ([`Error::OrderNotPending`] or [`Error::UnknownOrder`]); a confirmation cannot be turned into
//! a rejection; another router's key signs for its own segment only. A segment with more
//! than [`Config::MaxOrdersPerSegment`] orders pending or active takes no new order, which
//! bounds what an agent reads and applies.
//!
//! Read paths for agents and UIs are in [`Pallet`]'s `*_view` functions.

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

/// QoS orders and answers: defined in `ditex-primitives`, which agents and the runtime API
/// share.
pub use ditex_primitives::qos::{
	QosAnswer, QosClass, QosFlow, QosOrder, QosRejectReason, QosStatus, QosVerdict,
};
/// A channel, its hops' terms and its status: defined in `ditex-primitives`, which agents and
/// the runtime API share.
pub use ditex_primitives::settlement::{Channel, ChannelStatus, HopTerms};
use ditex_primitives::{
	registry::{DataPlaneKey, PathError, SegmentId},
	settlement::{ChannelId, OrderId, Path, ReceiptKey},
	signed_by, MAX_HOPS,
};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{BalancedHold, Credit, Inspect, InspectHold, Mutate, MutateHold},
		tokens::{Fortitude, Precision, Restriction},
		OnUnbalanced,
	},
};
use frame_system::pallet_prelude::*;
use pallet_ditex::SegmentRegistry;
use sp_runtime::{
	traits::{One, Saturating, UniqueSaturatedInto, Zero},
	transaction_validity::{
		InvalidTransaction, TransactionSource, TransactionValidityWithRefund, ValidTransaction,
	},
};

const LOG_TARGET: &str = "runtime::escrow";

/// How many blocks past the wanted one a refund or deadline may be pushed when the wanted
/// block's schedule is full.
pub const SCHEDULE_PROBE: u32 = 16;

/// The balance type of the currency deposits are held in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A settlement fee on its way to the fee pools.
pub type CreditOf<T> = Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;

/// A channel as stored.
pub type ChannelOf<T> =
	Channel<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

/// A QoS order as stored.
pub type QosOrderOf<T> =
	QosOrder<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

/// What a consumer orders: the arguments of [`Pallet::order_qos`].
pub use ditex_primitives::qos::OrderTerms;

/// An order's terms as this runtime types them.
pub type OrderTermsOf<T> = OrderTerms<BalanceOf<T>, BlockNumberFor<T>>;

/// What the tickets pallet needs from the escrow.
pub trait ChannelEscrow<AccountId, BlockNumber> {
	/// The balance type of deposits.
	type Balance: frame_support::traits::tokens::Balance;

	/// A channel that still settles (open, or closed/expired but not yet refunded).
	fn channel(id: ChannelId) -> Option<Channel<AccountId, Self::Balance, BlockNumber>>;

	/// Whether `id` was a channel that has ended and been refunded.
	fn ended(id: ChannelId) -> bool;

	/// The most one channel's payments may add for shrinking its consumer's freezes (see
	/// [`FrozenCoins`]): once per channel, since after it the freeze fits what stays.
	fn freeze_shrink_weight() -> Weight;

	/// Pay hop `hop`'s payee `amount` and the fee pools `fee` from the channel's held deposit.
	/// Fails, changing nothing, if the channel does not hold `amount + fee`.
	fn pay(
		id: ChannelId,
		hop: u8,
		amount: Self::Balance,
		fee: Self::Balance,
	) -> Result<(), DispatchError>;
}

/// The freezes on an account's coins (the rewards pallet's votes), which escrow must respect.
///
/// pallet-balances applies a freeze to an account's *total* balance, held coins included: once
/// coins are on hold, free coins may leave the account down to `frozen − held`, and the freeze
/// is then backed by held coins. So the escrow holds only coins free of freezes, and before
/// held coins leave an account for good (a payment) it has the freeze shrunk to what the
/// account keeps: votes follow the coins, and no coin is escrowed and voted with at once.
pub trait FrozenCoins<AccountId, Balance> {
	/// All of `who`'s frozen balance, whatever froze it.
	fn frozen(who: &AccountId) -> Balance;

	/// Shrink what freezes `who`'s coins so that at most `max` stays frozen.
	fn shrink_to(who: &AccountId, max: Balance);

	/// The most [`FrozenCoins::shrink_to`] may weigh.
	fn shrink_weight() -> Weight;
}

impl<AccountId, Balance: Zero> FrozenCoins<AccountId, Balance> for () {
	fn frozen(_: &AccountId) -> Balance {
		Zero::zero()
	}

	fn shrink_to(_: &AccountId, _: Balance) {}

	fn shrink_weight() -> Weight {
		Weight::zero()
	}
}

/// Told when a channel ends: first to pay what it still owes while its deposit is held, then,
/// once the rest is returned, so that pallets keeping per-channel state drop it and the state
/// does not grow with every channel ever opened.
pub trait OnChannelEnded {
	/// Channel `id` is about to end: last chance to pay its hops through
	/// [`ChannelEscrow::pay`]. Returns the weight it used.
	fn on_channel_ending(id: ChannelId) -> Weight;

	/// The most [`OnChannelEnded::on_channel_ending`] may use, so the escrow can check that
	/// a block of refunds fits.
	fn max_ending_weight() -> Weight;

	/// Channel `id`, whose path was `path`, has ended.
	fn on_channel_ended(id: ChannelId, path: &[SegmentId]);
}

impl OnChannelEnded for () {
	fn on_channel_ending(_: ChannelId) -> Weight {
		Weight::zero()
	}

	fn max_ending_weight() -> Weight {
		Weight::zero()
	}

	fn on_channel_ended(_: ChannelId, _: &[SegmentId]) {}
}

/// Sets up what the benchmarks need from the registry.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, Balance> {
	/// A segment router for sale now at `price` per GiB, operated by `operator` (a funded
	/// account), distinct for every `n`.
	fn sellable_segment(n: u32, operator: &AccountId, price: Balance) -> SegmentId;

	/// Give segment `segment` the ticket key `key`.
	fn set_ticket_key(segment: SegmentId, key: ditex_primitives::registry::TicketKey);
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
		/// The currency deposits and payments are held in.
		type Currency: Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ InspectHold<Self::AccountId>
			+ BalancedHold<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The segment registry: who operates a segment, what it costs, whether it is for sale.
		type Registry: SegmentRegistry<Self::AccountId, BalanceOf<Self>>;

		/// Where settlement fees go (the rewards pallet's fee pools).
		type FeeSink: OnUnbalanced<CreditOf<Self>>;

		/// The freezes on consumers' coins: escrow takes only unfrozen coins.
		type Freezes: FrozenCoins<Self::AccountId, BalanceOf<Self>>;

		/// Told when a channel ends, to drop what other pallets keep for it.
		type OnChannelEnded: OnChannelEnded;

		/// The smallest deposit a channel opens with. With [`Config::MaxRefundsPerBlock`] it
		/// prices filling the refund schedule: [`SCHEDULE_PROBE`] full blocks hold
		/// `SCHEDULE_PROBE × MaxRefundsPerBlock × MinDeposit`.
		#[pallet::constant]
		type MinDeposit: Get<BalanceOf<Self>>;

		/// The smallest QoS payment, which likewise prices filling the order schedule.
		#[pallet::constant]
		type MinQosPayment: Get<BalanceOf<Self>>;

		/// The longest a channel may stay open, in blocks from its opening.
		#[pallet::constant]
		type MaxChannelLifetime: Get<BlockNumberFor<Self>>;

		/// Blocks after a channel's close or expiry during which relays' tickets still settle
		/// against it, before the unused deposit returns to the consumer. Not a metadata
		/// constant: it may follow state (the runtime's follows the tickets pallet's epoch
		/// length, `pallet_tickets::EscrowSettlementGrace`).
		type SettlementGrace: Get<BlockNumberFor<Self>>;

		/// Most channels refunded in one block.
		#[pallet::constant]
		type MaxRefundsPerBlock: Get<u32>;

		/// Most QoS orders expiring or ending in one block.
		#[pallet::constant]
		type MaxOrdersPerBlock: Get<u32>;

		/// Most QoS orders pending or active on one segment router at once.
		#[pallet::constant]
		type MaxOrdersPerSegment: Get<u32>;

		/// The furthest ahead a QoS order's answer deadline may be, in blocks.
		#[pallet::constant]
		type MaxQosDeadline: Get<BlockNumberFor<Self>>;

		/// Weight information for the calls and hooks.
		type WeightInfo: WeightInfo;

		/// Sets up sellable segment routers for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, BalanceOf<Self>>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A channel's deposit.
		ChannelDeposit,
		/// A QoS order's payment.
		QosPayment,
	}

	/// The id the next channel gets.
	#[pallet::storage]
	pub type NextChannelId<T> = StorageValue<_, ChannelId, ValueQuery>;

	/// Channels that still settle.
	#[pallet::storage]
	pub type Channels<T: Config> = StorageMap<_, Twox64Concat, ChannelId, ChannelOf<T>>;

	/// The channels whose unused deposit returns in a block.
	#[pallet::storage]
	pub type RefundSchedule<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<ChannelId, T::MaxRefundsPerBlock>,
		ValueQuery,
	>;

	/// The id the next QoS order gets.
	#[pallet::storage]
	pub type NextOrderId<T> = StorageValue<_, OrderId, ValueQuery>;

	/// QoS orders pending or active.
	#[pallet::storage]
	pub type Orders<T: Config> = StorageMap<_, Twox64Concat, OrderId, QosOrderOf<T>>;

	/// The QoS orders pending or active on each segment router, oldest first.
	#[pallet::storage]
	pub type SegmentOrders<T: Config> = StorageMap<
		_,
		Twox64Concat,
		SegmentId,
		BoundedVec<OrderId, T::MaxOrdersPerSegment>,
		ValueQuery,
	>;

	/// The orders removed in a block: refunded if still pending, ended if active.
	#[pallet::storage]
	pub type OrderSchedule<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<OrderId, T::MaxOrdersPerBlock>,
		ValueQuery,
	>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A channel was opened and its deposit held.
		ChannelOpened {
			/// The new channel.
			channel: ChannelId,
			/// Its consumer.
			consumer: T::AccountId,
			/// Its path, ingress first.
			path: Path,
			/// The deposit held.
			deposit: BalanceOf<T>,
			/// The last block it is open.
			expires_at: BlockNumberFor<T>,
		},
		/// A channel's deposit grew.
		ToppedUp {
			/// The channel.
			channel: ChannelId,
			/// The amount added.
			amount: BalanceOf<T>,
			/// Everything held for it so far.
			deposit: BalanceOf<T>,
		},
		/// A consumer closed a channel.
		ChannelClosed {
			/// The channel.
			channel: ChannelId,
			/// The block whose `on_initialize` returns the unused deposit.
			refund_at: BlockNumberFor<T>,
		},
		/// A hop was paid from a channel's deposit.
		ChannelPaid {
			/// The channel.
			channel: ChannelId,
			/// The segment router paid for.
			segment: SegmentId,
			/// Who received the payment.
			payee: T::AccountId,
			/// What the payee received.
			amount: BalanceOf<T>,
			/// What went to the fee pools.
			fee: BalanceOf<T>,
		},
		/// A channel ended and its unused deposit returned to the consumer.
		ChannelRefunded {
			/// The channel.
			channel: ChannelId,
			/// Its consumer.
			consumer: T::AccountId,
			/// The amount returned.
			refunded: BalanceOf<T>,
		},
		/// A QoS order was placed and its payment held.
		QosOrdered {
			/// The new order.
			order: OrderId,
			/// Who ordered.
			consumer: T::AccountId,
			/// The segment router.
			segment: SegmentId,
			/// The treatment.
			class: QosClass,
			/// The rate guaranteed, in bits per second.
			rate: u64,
			/// The held payment.
			payment: BalanceOf<T>,
			/// The last block the provider may answer in.
			deadline: BlockNumberFor<T>,
		},
		/// A segment router confirmed a QoS order under its ticket key; its operator was paid.
		QosConfirmed {
			/// The order.
			order: OrderId,
			/// Who was paid.
			provider: T::AccountId,
			/// The payment.
			paid: BalanceOf<T>,
			/// The last block the treatment applies.
			until: BlockNumberFor<T>,
		},
		/// A segment router rejected a QoS order under its ticket key; the consumer was
		/// refunded.
		QosRejected {
			/// The order.
			order: OrderId,
			/// The amount returned.
			refunded: BalanceOf<T>,
			/// Why the router turned it down.
			reason: QosRejectReason,
		},
		/// Nobody answered a QoS order by its deadline; the consumer was refunded.
		QosExpired {
			/// The order.
			order: OrderId,
			/// The amount returned.
			refunded: BalanceOf<T>,
		},
		/// A confirmed QoS order's treatment ended; the order is gone.
		QosEnded {
			/// The order.
			order: OrderId,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The path is empty or has more than `MAX_HOPS` hops.
		InvalidPath,
		/// A segment appears twice in the path.
		PathLoop,
		/// No segment router has this id.
		UnknownSegment,
		/// A segment router of the path relays for nobody.
		NotForSale,
		/// A segment router of the path is quarantined.
		SegmentQuarantined,
		/// A segment router of the path is outside its availability windows now.
		SegmentUnavailable,
		/// The path's prices add up to more than the channel's maximum price per GiB.
		PriceAboveMax,
		/// The deposit is below the minimum, or the top-up is zero.
		DepositTooLow,
		/// The expiry is not in the future or beyond the longest channel lifetime.
		InvalidExpiry,
		/// The balance is too low to hold the amount.
		InsufficientBalance,
		/// The amount exceeds the caller's coins free of freezes (votes) and holds.
		FundsFrozen,
		/// No channel has this id (or it has ended).
		UnknownChannel,
		/// The caller is not the channel's consumer.
		NotConsumer,
		/// The channel is closed.
		ChannelClosed,
		/// Every block the refund or deadline could be scheduled in is full.
		ScheduleFull,
		/// The channel does not hold enough to pay this.
		InsufficientDeposit,
		/// No QoS order has this id, or its deadline has passed.
		UnknownOrder,
		/// The QoS order was already confirmed.
		OrderNotPending,
		/// The answer's signature is not the order's segment router's ticket key's.
		BadAnswerSignature,
		/// The deadline is not in the future or too far ahead.
		InvalidDeadline,
		/// A QoS order needs a rate, a duration and a payment of at least the minimum.
		InvalidQos,
		/// The QoS order's flow is malformed (see `QosFlow`).
		InvalidFlow,
		/// The segment router has `MaxOrdersPerSegment` QoS orders pending or active.
		TooManyOrders,
		/// Channel or order ids are exhausted.
		IdsExhausted,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			let refunds = RefundSchedule::<T>::take(n);
			let orders = OrderSchedule::<T>::take(n);
			let mut weight = T::WeightInfo::refund_channels(refunds.len() as u32)
				.saturating_add(T::WeightInfo::expire_orders(orders.len() as u32));
			for id in refunds {
				weight.saturating_accrue(Self::do_refund(id));
			}
			for id in orders {
				Self::do_expire_order(id);
			}
			weight
		}

		fn integrity_test() {
			assert!(T::MaxRefundsPerBlock::get() > 0, "refunds must be schedulable");
			assert!(T::MaxOrdersPerBlock::get() > 0, "orders must be schedulable");
			assert!(T::MaxOrdersPerSegment::get() > 0, "segments must take orders");
			assert!(!T::MaxChannelLifetime::get().is_zero(), "channels must be able to open");
			assert!(!T::MaxQosDeadline::get().is_zero(), "orders must be answerable");
			assert!(
				!T::MinDeposit::get().is_zero(),
				"dust channels could fill the refund schedule"
			);
			assert!(
				!T::MinQosPayment::get().is_zero(),
				"dust orders could fill the order schedule"
			);
			let max = <T as frame_system::Config>::BlockWeights::get().max_block;
			let refunds = T::MaxRefundsPerBlock::get();
			let worst = [
				T::WeightInfo::refund_channels(refunds)
					.saturating_add(
						T::OnChannelEnded::max_ending_weight().saturating_mul(refunds.into()),
					)
					.saturating_add(T::WeightInfo::expire_orders(T::MaxOrdersPerBlock::get())),
				T::WeightInfo::open_channel(MAX_HOPS),
				T::WeightInfo::close(),
				T::WeightInfo::top_up(),
				T::WeightInfo::order_qos(),
				T::WeightInfo::confirm_qos().saturating_add(T::Freezes::shrink_weight()),
				T::WeightInfo::reject_qos(),
				T::WeightInfo::authorize_answer(),
			];
			for w in worst {
				assert!(w.all_lte(max), "a worst case of pallet-escrow exceeds a block: {w:?}");
			}
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Open a channel over `path` (ingress first), holding `deposit` from the caller. Every
		/// hop must be sellable now and priced at most `max_price_per_gib`; prices and payees
		/// are locked. The channel is open until block `expires_at`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::open_channel(path.len() as u32))]
		pub fn open_channel(
			origin: OriginFor<T>,
			path: Path,
			deposit: BalanceOf<T>,
			max_price_per_gib: BalanceOf<T>,
			expires_at: BlockNumberFor<T>,
			data_key: DataPlaneKey,
			receipt_key: ReceiptKey,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_open_channel(
				who,
				path,
				deposit,
				max_price_per_gib,
				expires_at,
				data_key,
				receipt_key,
			)
			.map(|_| ())
		}

		/// Hold `amount` more for an open channel of the caller.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::top_up())]
		pub fn top_up(
			origin: OriginFor<T>,
			channel: ChannelId,
			amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_top_up(who, channel, amount)
		}

		/// Close an open channel of the caller. In-flight tickets settle for
		/// [`Config::SettlementGrace`] blocks; then the unused deposit returns.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::close())]
		pub fn close(origin: OriginFor<T>, channel: ChannelId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_close(who, channel)
		}

		/// Order a QoS treatment `class` at `rate` bits per second for the packets of `flow`
		/// on `segment`, for `duration` blocks once confirmed, holding `payment` until the
		/// segment router answers, at the latest in block `deadline`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::order_qos())]
		#[allow(clippy::too_many_arguments)]
		pub fn order_qos(
			origin: OriginFor<T>,
			segment: SegmentId,
			class: QosClass,
			rate: u64,
			flow: QosFlow,
			payment: BalanceOf<T>,
			duration: BlockNumberFor<T>,
			deadline: BlockNumberFor<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let terms = OrderTerms { segment, class, rate, flow, payment, duration, deadline };
			Self::do_order_qos(who, terms).map(|_| ())
		}

		/// Confirm that the ordered treatment is applied, signed with the order's segment
		/// router's ticket key: an authorized transaction, with no account, fee or nonce,
		/// checked by [`Pallet::authorize_answer`]. Pays the segment's operator; the order is
		/// active until its end.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::confirm_qos().saturating_add(T::Freezes::shrink_weight()))]
		#[pallet::authorize(|_source: TransactionSource, order: &OrderId, signature: &[u8; 64]| {
			Pallet::<T>::authorize_answer(*order, QosVerdict::Confirm, signature)
		})]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_answer())]
		pub fn confirm_qos(
			origin: OriginFor<T>,
			order: OrderId,
			signature: [u8; 64],
		) -> DispatchResultWithPostInfo {
			frame_system::ensure_authorized(origin)?;
			Self::do_confirm_qos(order, &signature)?;
			Ok(Pays::No.into())
		}

		/// Reject a QoS order for `reason`, signed with the order's segment router's ticket
		/// key: an authorized transaction, with no account, fee or nonce, checked by
		/// [`Pallet::authorize_answer`]. Refunds the consumer.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::reject_qos())]
		#[pallet::authorize(|_source: TransactionSource,
			order: &OrderId,
			reason: &QosRejectReason,
			signature: &[u8; 64]| {
			Pallet::<T>::authorize_answer(*order, QosVerdict::Reject(*reason), signature)
		})]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_answer())]
		pub fn reject_qos(
			origin: OriginFor<T>,
			order: OrderId,
			reason: QosRejectReason,
			signature: [u8; 64],
		) -> DispatchResultWithPostInfo {
			frame_system::ensure_authorized(origin)?;
			Self::do_reject_qos(order, reason, &signature)?;
			Ok(Pays::No.into())
		}
	}
}

impl<T: Config> Pallet<T> {
	fn path_error(e: PathError) -> Error<T> {
		match e {
			PathError::BadLength | PathError::Overflow => Error::<T>::InvalidPath,
			PathError::Loop(_) => Error::<T>::PathLoop,
			PathError::UnknownSegment(_) => Error::<T>::UnknownSegment,
			PathError::NotForSale(_) => Error::<T>::NotForSale,
			PathError::Quarantined(_) => Error::<T>::SegmentQuarantined,
			PathError::Unavailable(_) => Error::<T>::SegmentUnavailable,
		}
	}

	/// Put channel `id` in the first refund slot from `at` with room, but never at or past
	/// `before`: a channel moved to an earlier refund must not land in the slot it leaves.
	fn schedule_refund(
		id: ChannelId,
		at: BlockNumberFor<T>,
		before: Option<BlockNumberFor<T>>,
	) -> Result<BlockNumberFor<T>, Error<T>> {
		let mut b = at;
		for _ in 0..SCHEDULE_PROBE {
			if before.is_some_and(|limit| b >= limit) {
				break;
			}
			if RefundSchedule::<T>::mutate(b, |v| v.try_push(id).is_ok()) {
				return Ok(b);
			}
			b = b.saturating_add(One::one());
		}
		Err(Error::<T>::ScheduleFull)
	}

	/// Hold `amount` of `who`'s coins for `reason`, taking only coins free of freezes and of
	/// other holds (see [`FrozenCoins`]).
	fn hold_unfrozen(
		reason: HoldReason,
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		let free = T::Currency::balance(who);
		let unfrozen = free.saturating_sub(T::Freezes::frozen(who));
		ensure!(amount <= free, Error::<T>::InsufficientBalance);
		ensure!(amount <= unfrozen, Error::<T>::FundsFrozen);
		T::Currency::hold(&reason.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		Ok(())
	}

	/// Before `leaving` held coins leave `who` for good, shrink its freezes to what it keeps,
	/// so that the payment out of the hold succeeds without forcing past a freeze.
	fn make_room(who: &T::AccountId, leaving: BalanceOf<T>) {
		let keeps = T::Currency::total_balance(who).saturating_sub(leaving);
		if T::Freezes::frozen(who) > keeps {
			T::Freezes::shrink_to(who, keeps);
		}
	}

	/// Put order `id` in the first expiry slot from `at` with room.
	fn schedule_order(id: OrderId, at: BlockNumberFor<T>) -> Result<BlockNumberFor<T>, Error<T>> {
		let mut b = at;
		for _ in 0..SCHEDULE_PROBE {
			if OrderSchedule::<T>::mutate(b, |v| v.try_push(id).is_ok()) {
				return Ok(b);
			}
			b = b.saturating_add(One::one());
		}
		Err(Error::<T>::ScheduleFull)
	}

	/// Open a channel; returns its id.
	pub fn do_open_channel(
		who: T::AccountId,
		path: Path,
		deposit: BalanceOf<T>,
		max_price_per_gib: BalanceOf<T>,
		expires_at: BlockNumberFor<T>,
		data_key: DataPlaneKey,
		receipt_key: ReceiptKey,
	) -> Result<ChannelId, DispatchError> {
		ensure!(!path.is_empty(), Error::<T>::InvalidPath);
		let mut hops =
			BoundedVec::<HopTerms<T::AccountId, BalanceOf<T>>, ConstU32<MAX_HOPS>>::new();
		// The maximum is for the whole path: what a GiB carried end to end may cost.
		let mut path_price = BalanceOf::<T>::zero();
		for (i, &segment) in path.iter().enumerate() {
			ensure!(!path[..i].contains(&segment), Error::<T>::PathLoop);
			let (payee, price_per_gib) =
				T::Registry::sellable(segment).map_err(Self::path_error)?;
			path_price = path_price.saturating_add(price_per_gib);
			ensure!(path_price <= max_price_per_gib, Error::<T>::PriceAboveMax);
			hops.try_push(HopTerms { segment, payee, price_per_gib })
				.map_err(|_| Error::<T>::InvalidPath)?;
		}
		ensure!(deposit >= T::MinDeposit::get() && !deposit.is_zero(), Error::<T>::DepositTooLow);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			expires_at > now && expires_at <= now.saturating_add(T::MaxChannelLifetime::get()),
			Error::<T>::InvalidExpiry
		);
		let id = NextChannelId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::IdsExhausted)?;
		Self::hold_unfrozen(HoldReason::ChannelDeposit, &who, deposit)?;
		let refund_at = Self::schedule_refund(
			id,
			expires_at.saturating_add(T::SettlementGrace::get()).saturating_add(One::one()),
			None,
		)?;
		NextChannelId::<T>::put(next);
		Channels::<T>::insert(
			id,
			Channel {
				consumer: who.clone(),
				hops,
				max_price_per_gib,
				deposit,
				paid: Zero::zero(),
				refunded: Zero::zero(),
				opened_at: now,
				expires_at,
				refund_at,
				status: ChannelStatus::Open,
				data_key,
				receipt_key,
			},
		);
		Self::deposit_event(Event::ChannelOpened {
			channel: id,
			consumer: who,
			path,
			deposit,
			expires_at,
		});
		Ok(id)
	}

	/// A channel of `who`, open and not expired.
	fn open_channel_of(who: &T::AccountId, id: ChannelId) -> Result<ChannelOf<T>, DispatchError> {
		let ch = Channels::<T>::get(id).ok_or(Error::<T>::UnknownChannel)?;
		ensure!(&ch.consumer == who, Error::<T>::NotConsumer);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			ch.status == ChannelStatus::Open && now <= ch.expires_at,
			Error::<T>::ChannelClosed
		);
		Ok(ch)
	}

	/// Hold more for an open channel.
	pub fn do_top_up(who: T::AccountId, id: ChannelId, amount: BalanceOf<T>) -> DispatchResult {
		let mut ch = Self::open_channel_of(&who, id)?;
		ensure!(!amount.is_zero(), Error::<T>::DepositTooLow);
		Self::hold_unfrozen(HoldReason::ChannelDeposit, &who, amount)?;
		ch.deposit = ch.deposit.saturating_add(amount);
		let deposit = ch.deposit;
		Channels::<T>::insert(id, ch);
		Self::deposit_event(Event::ToppedUp { channel: id, amount, deposit });
		Ok(())
	}

	/// Close an open channel; its refund moves to the end of the settlement grace if that is
	/// earlier than the expiry's.
	pub fn do_close(who: T::AccountId, id: ChannelId) -> DispatchResult {
		let mut ch = Self::open_channel_of(&who, id)?;
		let now = frame_system::Pallet::<T>::block_number();
		let wanted = now.saturating_add(T::SettlementGrace::get()).saturating_add(One::one());
		// Moved only to a slot strictly before the current one; with every such slot full the
		// refund stays where it was, at the expiry's.
		if wanted < ch.refund_at {
			if let Ok(at) = Self::schedule_refund(id, wanted, Some(ch.refund_at)) {
				RefundSchedule::<T>::mutate_exists(ch.refund_at, |v| {
					if let Some(list) = v {
						list.retain(|c| *c != id);
						if list.is_empty() {
							*v = None;
						}
					}
				});
				ch.refund_at = at;
			}
		}
		ch.status = ChannelStatus::Closed { at: now };
		let refund_at = ch.refund_at;
		Channels::<T>::insert(id, ch);
		Self::deposit_event(Event::ChannelClosed { channel: id, refund_at });
		Ok(())
	}

	/// End a channel: let its hops be paid what it still owes, then return the rest to its
	/// consumer. Returns the weight the final settlement used.
	pub fn do_refund(id: ChannelId) -> Weight {
		if !Channels::<T>::contains_key(id) {
			return Weight::zero();
		}
		let settled = T::OnChannelEnded::on_channel_ending(id);
		let Some(mut ch) = Channels::<T>::take(id) else { return settled };
		let remaining = ch.remaining();
		let refunded = T::Currency::release(
			&HoldReason::ChannelDeposit.into(),
			&ch.consumer,
			remaining,
			Precision::BestEffort,
		)
		.unwrap_or_else(|e| {
			log::error!(target: LOG_TARGET, "channel {id}: release failed: {e:?}");
			Zero::zero()
		});
		if refunded != remaining {
			log::error!(target: LOG_TARGET, "channel {id}: released {refunded:?} of {remaining:?}");
		}
		ch.refunded = ch.refunded.saturating_add(refunded);
		T::OnChannelEnded::on_channel_ended(id, &ch.path());
		Self::deposit_event(Event::ChannelRefunded {
			channel: id,
			consumer: ch.consumer,
			refunded,
		});
		settled
	}

	/// Pay a hop's payee and the fee pools from a channel's deposit.
	pub fn do_pay(
		id: ChannelId,
		hop: u8,
		amount: BalanceOf<T>,
		fee: BalanceOf<T>,
	) -> DispatchResult {
		let mut ch = Channels::<T>::get(id).ok_or(Error::<T>::UnknownChannel)?;
		let terms = ch.hops.get(hop as usize).cloned().ok_or(Error::<T>::InvalidPath)?;
		let total = amount.saturating_add(fee);
		ensure!(total <= ch.remaining(), Error::<T>::InsufficientDeposit);
		let reason = HoldReason::ChannelDeposit.into();
		Self::make_room(&ch.consumer, total);
		if !amount.is_zero() {
			T::Currency::transfer_on_hold(
				&reason,
				&ch.consumer,
				&terms.payee,
				amount,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Polite,
			)?;
		}
		if !fee.is_zero() {
			let (credit, missing) =
				<T::Currency as BalancedHold<T::AccountId>>::slash(&reason, &ch.consumer, fee);
			ensure!(missing.is_zero(), Error::<T>::InsufficientDeposit);
			T::FeeSink::on_unbalanced(credit);
		}
		ch.paid = ch.paid.saturating_add(total);
		Channels::<T>::insert(id, ch);
		Self::deposit_event(Event::ChannelPaid {
			channel: id,
			segment: terms.segment,
			payee: terms.payee,
			amount,
			fee,
		});
		Ok(())
	}

	/// Place a QoS order; returns its id.
	pub fn do_order_qos(
		who: T::AccountId,
		terms: OrderTermsOf<T>,
	) -> Result<OrderId, DispatchError> {
		let OrderTerms { segment, class, rate, flow, payment, duration, deadline } = terms;
		let (provider, _price) = T::Registry::sellable(segment).map_err(Self::path_error)?;
		ensure!(
			payment >= T::MinQosPayment::get()
				&& !payment.is_zero()
				&& !duration.is_zero()
				&& rate > 0,
			Error::<T>::InvalidQos
		);
		flow.check().map_err(|_| Error::<T>::InvalidFlow)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			deadline >= now && deadline <= now.saturating_add(T::MaxQosDeadline::get()),
			Error::<T>::InvalidDeadline
		);
		let id = NextOrderId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::IdsExhausted)?;
		let mut listed = SegmentOrders::<T>::get(segment);
		listed.try_push(id).map_err(|_| Error::<T>::TooManyOrders)?;
		Self::hold_unfrozen(HoldReason::QosPayment, &who, payment)?;
		let expire_at = Self::schedule_order(id, deadline.saturating_add(One::one()))?;
		NextOrderId::<T>::put(next);
		SegmentOrders::<T>::insert(segment, listed);
		Orders::<T>::insert(
			id,
			QosOrder {
				consumer: who.clone(),
				segment,
				provider,
				class,
				rate,
				flow,
				payment,
				duration,
				deadline,
				expire_at,
				status: QosStatus::Pending,
			},
		);
		Self::deposit_event(Event::QosOrdered {
			order: id,
			consumer: who,
			segment,
			class,
			rate,
			payment,
			deadline,
		});
		Ok(id)
	}

	/// A pending order whose deadline has not passed, with `signature` its segment router's
	/// ticket key's over the answer `verdict`: what both the pool and the call check before an
	/// answer counts.
	pub fn check_answer(
		id: OrderId,
		verdict: QosVerdict,
		signature: &[u8; 64],
	) -> Result<QosOrderOf<T>, Error<T>> {
		let order = Orders::<T>::get(id).ok_or(Error::<T>::UnknownOrder)?;
		ensure!(order.status == QosStatus::Pending, Error::<T>::OrderNotPending);
		let now = frame_system::Pallet::<T>::block_number();
		// Past the deadline the order is refunded at the start of `expire_at`.
		ensure!(now <= order.deadline, Error::<T>::UnknownOrder);
		let key = T::Registry::ticket_key(order.segment).ok_or(Error::<T>::UnknownSegment)?;
		let answer = QosAnswer { order: id, segment: order.segment, verdict };
		let payload = answer.signing_payload(&pallet_ditex::genesis_hash::<T>());
		ensure!(signed_by(signature, &payload, &key.0), Error::<T>::BadAnswerSignature);
		if verdict == QosVerdict::Confirm {
			// Quarantined or gone since the order: not paid. It may still reject.
			ensure!(T::Registry::is_active(order.segment), Error::<T>::SegmentQuarantined);
		}
		Ok(order)
	}

	/// The authorization of [`Pallet::confirm_qos`] and [`Pallet::reject_qos`]:
	/// [`Pallet::check_answer`], and one answer per order in the pool, valid until the order's
	/// deadline. Runs when the pool validates the transaction and again when a block includes
	/// it.
	pub fn authorize_answer(
		id: OrderId,
		verdict: QosVerdict,
		signature: &[u8; 64],
	) -> TransactionValidityWithRefund {
		let invalid = |e: Error<T>| match e {
			Error::<T>::BadAnswerSignature => InvalidTransaction::BadProof,
			Error::<T>::UnknownSegment => InvalidTransaction::BadSigner,
			Error::<T>::UnknownOrder | Error::<T>::OrderNotPending => InvalidTransaction::Stale,
			_ => InvalidTransaction::Call,
		};
		let order = Self::check_answer(id, verdict, signature).map_err(invalid)?;
		let now = frame_system::Pallet::<T>::block_number();
		let left: u64 = order.deadline.saturating_sub(now).unique_saturated_into();
		let validity = ValidTransaction::with_tag_prefix("DitexQosAnswer")
			.and_provides(id)
			.longevity(left.saturating_add(1))
			.propagate(true)
			.build()?;
		Ok((validity, Weight::zero()))
	}

	/// Take order `id` out of its schedule slot.
	fn unschedule_order(id: OrderId, at: BlockNumberFor<T>) {
		OrderSchedule::<T>::mutate_exists(at, |v| {
			if let Some(list) = v {
				list.retain(|o| *o != id);
				if list.is_empty() {
					*v = None;
				}
			}
		});
	}

	/// Drop order `id` of `segment` from the segment's list.
	fn unlist_order(id: OrderId, segment: SegmentId) {
		SegmentOrders::<T>::mutate_exists(segment, |v| {
			if let Some(list) = v {
				list.retain(|o| *o != id);
				if list.is_empty() {
					*v = None;
				}
			}
		});
	}

	/// The segment router confirms, under its ticket key: the payment moves to the segment's
	/// operator and the order is active until `now + duration`, when it is removed. All of it
	/// or nothing: an end that finds no room leaves the order pending.
	pub fn do_confirm_qos(id: OrderId, signature: &[u8; 64]) -> DispatchResult {
		frame_support::storage::with_storage_layer(|| Self::confirm(id, signature))
	}

	fn confirm(id: OrderId, signature: &[u8; 64]) -> DispatchResult {
		let mut order = Self::check_answer(id, QosVerdict::Confirm, signature)?;
		let now = frame_system::Pallet::<T>::block_number();
		let until = now.saturating_add(order.duration);
		Self::unschedule_order(id, order.expire_at);
		let end_at = Self::schedule_order(id, until.saturating_add(One::one()))?;
		Self::make_room(&order.consumer, order.payment);
		let paid = T::Currency::transfer_on_hold(
			&HoldReason::QosPayment.into(),
			&order.consumer,
			&order.provider,
			order.payment,
			Precision::Exact,
			Restriction::Free,
			Fortitude::Polite,
		)?;
		order.expire_at = end_at;
		order.status = QosStatus::Active { until };
		let provider = order.provider.clone();
		Orders::<T>::insert(id, order);
		Self::deposit_event(Event::QosConfirmed { order: id, provider, paid, until });
		Ok(())
	}

	/// The segment router rejects, under its ticket key: the consumer is refunded.
	pub fn do_reject_qos(
		id: OrderId,
		reason: QosRejectReason,
		signature: &[u8; 64],
	) -> DispatchResult {
		let order = Self::check_answer(id, QosVerdict::Reject(reason), signature)?;
		let refunded = T::Currency::release(
			&HoldReason::QosPayment.into(),
			&order.consumer,
			order.payment,
			Precision::Exact,
		)?;
		Orders::<T>::remove(id);
		Self::unschedule_order(id, order.expire_at);
		Self::unlist_order(id, order.segment);
		Self::deposit_event(Event::QosRejected { order: id, refunded, reason });
		Ok(())
	}

	/// Remove an order whose slot came: refund it if nobody answered, end it if it was active.
	pub fn do_expire_order(id: OrderId) {
		let Some(order) = Orders::<T>::take(id) else { return };
		Self::unlist_order(id, order.segment);
		if let QosStatus::Active { .. } = order.status {
			Self::deposit_event(Event::QosEnded { order: id });
			return;
		}
		let refunded = T::Currency::release(
			&HoldReason::QosPayment.into(),
			&order.consumer,
			order.payment,
			Precision::BestEffort,
		)
		.unwrap_or_else(|e| {
			log::error!(target: LOG_TARGET, "order {id}: release failed: {e:?}");
			Zero::zero()
		});
		Self::deposit_event(Event::QosExpired { order: id, refunded });
	}

	// ---- read paths (runtime API) ----

	/// A channel that still settles.
	pub fn channel_view(id: ChannelId) -> Option<ChannelOf<T>> {
		Channels::<T>::get(id)
	}

	/// A QoS order, pending or active.
	pub fn order_view(id: OrderId) -> Option<QosOrderOf<T>> {
		Orders::<T>::get(id)
	}

	/// The QoS orders pending or active on a segment router, oldest first: what its agent
	/// applies (at most [`Config::MaxOrdersPerSegment`]).
	pub fn orders_of_view(segment: SegmentId) -> alloc::vec::Vec<(OrderId, QosOrderOf<T>)> {
		SegmentOrders::<T>::get(segment)
			.into_iter()
			.filter_map(|id| Orders::<T>::get(id).map(|o| (id, o)))
			.collect()
	}

	/// Whether the state is consistent: every channel holds deposit − paid − refunded and is
	/// scheduled for its refund, every order is scheduled, schedules list only live entries
	/// within bounds, and each account's holds are exactly the sum over its channels and
	/// orders.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		let mut channel_holds: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut order_holds: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut channels = 0usize;
		for (id, ch) in Channels::<T>::iter() {
			channels += 1;
			ensure!(id < NextChannelId::<T>::get(), "channel id beyond NextChannelId");
			ensure!(ch.paid.saturating_add(ch.refunded) <= ch.deposit, "channel paid out too much");
			ensure!(ch.refunded.is_zero(), "a live channel was refunded");
			ensure!(
				RefundSchedule::<T>::get(ch.refund_at).iter().filter(|c| **c == id).count() == 1,
				"channel not scheduled exactly once in its refund slot"
			);
			ensure!(!ch.hops.is_empty(), "channel without path");
			let h = channel_holds.entry(ch.consumer.clone()).or_insert_with(Zero::zero);
			*h = h.saturating_add(ch.remaining());
		}
		let scheduled: usize = RefundSchedule::<T>::iter_values().map(|v| v.len()).sum();
		ensure!(scheduled == channels, "refund schedule lists ended or duplicate channels");
		let mut orders = 0usize;
		for (id, o) in Orders::<T>::iter() {
			orders += 1;
			ensure!(id < NextOrderId::<T>::get(), "order id beyond NextOrderId");
			ensure!(
				OrderSchedule::<T>::get(o.expire_at).iter().filter(|x| **x == id).count() == 1,
				"order not scheduled exactly once in its slot"
			);
			ensure!(
				SegmentOrders::<T>::get(o.segment).iter().filter(|x| **x == id).count() == 1,
				"order not listed exactly once for its segment"
			);
			match o.status {
				QosStatus::Pending => {
					ensure!(o.expire_at > o.deadline, "pending order removed before its deadline");
					let h = order_holds.entry(o.consumer.clone()).or_insert_with(Zero::zero);
					*h = h.saturating_add(o.payment);
				},
				QosStatus::Active { until } => {
					ensure!(o.expire_at > until, "active order removed before its end")
				},
			}
		}
		let scheduled: usize = OrderSchedule::<T>::iter_values().map(|v| v.len()).sum();
		ensure!(scheduled == orders, "order schedule lists answered or duplicate orders");
		let listed: usize = SegmentOrders::<T>::iter_values().map(|v| v.len()).sum();
		ensure!(listed == orders, "segment order lists name orders that are gone");
		for (who, expected) in channel_holds {
			let held = T::Currency::balance_on_hold(&HoldReason::ChannelDeposit.into(), &who);
			ensure!(held == expected, "channel hold != deposit - paid - refunded");
		}
		for (who, expected) in order_holds {
			let held = T::Currency::balance_on_hold(&HoldReason::QosPayment.into(), &who);
			ensure!(held == expected, "order hold != pending payments");
		}
		Ok(())
	}
}

impl<T: Config> ChannelEscrow<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
	type Balance = BalanceOf<T>;

	fn channel(id: ChannelId) -> Option<ChannelOf<T>> {
		Channels::<T>::get(id)
	}

	fn ended(id: ChannelId) -> bool {
		id < NextChannelId::<T>::get() && !Channels::<T>::contains_key(id)
	}

	fn freeze_shrink_weight() -> Weight {
		T::Freezes::shrink_weight()
	}

	fn pay(id: ChannelId, hop: u8, amount: BalanceOf<T>, fee: BalanceOf<T>) -> DispatchResult {
		Self::do_pay(id, hop, amount, fee)
	}
}
