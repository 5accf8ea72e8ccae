//! # DITEX Pallet
//!
//! The registry of the Distributed Internet Transit Exchange: which segment routers exist,
//! where they are, what they charge, which group measures them, how their segments perform,
//! and which of them are in quarantine.
//!
//! ## Overview
//!
//! - An operator **registers** a segment router with its data-plane endpoint and X25519 key,
//!   its region (ISO 3166-1 country + ISO 3166-2 subdivision) and ASN, a price per GiB
//!   (`None`: not for sale, the enterprise mode), its capacity, optional availability windows
//!   in UTC hours, and whether the views hide the operator (`hide_operator`; the operator
//!   stays in storage and events: it is not anonymity). [`Config::SegmentDeposit`] is held
//!   for as long as the registration lasts.
//! - Every active router is a member of one **group** of at most [`Config::MaxGroupSize`]
//!   routers of its region; a new group opens when the region's groups are full. One member
//!   per group is the **reporter**; the role rotates among the members every
//!   [`Config::EraLength`] blocks, computed from the era number, so no block iterates groups.
//! - The reporter submits the group's measured **performance**: per ordered pair one-way
//!   latency, jitter and loss. The registry keeps the latest sample of each pair with the
//!   block it was reported in. A report is signed with the reporter's **ticket key** (like its
//!   tickets) and submitted as an authorized transaction (`#[pallet::authorize]`, checked by
//!   [`Pallet::authorize_report`]): no account, fee or nonce, so the relay's host holds no
//!   spending key, and the pool takes one report per (group, era).
//! - **Strikes**: other pallets hand out strikes through [`StrikeSink`] (tickets failing
//!   validation on fields their relay controls), and so do contradicted reports. A reporter
//!   reports at most once per era. A member registered for at least
//!   [`Config::MinDisputerAge`] blocks may dispute the latest report about a pair it measured
//!   itself, holding [`Config::DisputeBond`]. When the disputes come from enough distinct
//!   *operators* — [`Config::DisputeQuorum`], and at least a third of the group's operators —
//!   the reporter is struck and the bonds are released; a report replaced without reaching
//!   the quorum forfeits its disputers' bonds to [`Config::Forfeits`]. So one account's many
//!   segments are one voice, and a failed Sybil dispute costs its bonds. (Disputes on evidence
//!   the reporter signed — its own pulse summaries — come with the routers' ticket keys.)
//!   At [`Config::MaxStrikes`] a router is **quarantined**: out of its group, not listable,
//!   not payable. Its operator may ask to be reinstated after [`Config::QuarantineCooldown`]
//!   blocks.
//! - **Endpoints** must be public unicast addresses, except on test chains whose genesis sets
//!   [`PrivateEndpointsAllowed`].
//! - Deregistration tells [`Config::OnSegmentRemoved`], so that per-segment state elsewhere
//!   goes with the deposit that paid for it.
//!
//! Read paths for agents and UIs are in [`Pallet`]'s `*_view` functions, which the runtime
//! exposes as the `DitexApi` runtime API.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(any(test, feature = "test-utils"))]
pub mod testing;
#[cfg(test)]
mod tests;
pub mod weights;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use ditex_primitives::registry::{
	available_at, utc_hour, GroupId, GroupView, PathError, PerfRecord, Region, SegmentId,
	SegmentSpec, SegmentStatus, SegmentView,
};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{BalancedHold, Credit, Inspect, InspectHold, Mutate, MutateHold},
		tokens::Precision,
		Imbalance, OnUnbalanced, UnixTime,
	},
};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_runtime::traits::{Saturating, UniqueSaturatedInto, Zero};

const LOG_TARGET: &str = "runtime::ditex";

/// The balance type of the currency deposits are held in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A segment router's registration as stored.
pub type SegmentOf<T> =
	SegmentRecord<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

/// The view of a segment router that the runtime API returns.
pub type SegmentViewOf<T> =
	SegmentView<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

/// The view of a group that the runtime API returns.
pub type GroupViewOf<T> =
	GroupView<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

/// A registered segment router.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct SegmentRecord<AccountId, Balance, BlockNumber> {
	/// The account that registered it and holds its deposit.
	pub operator: AccountId,
	/// What the operator registered.
	pub spec: SegmentSpec<Balance>,
	/// Its group while active.
	pub group: Option<GroupId>,
	/// Active or quarantined.
	pub status: SegmentStatus<BlockNumber>,
	/// Strikes since registration or reinstatement.
	pub strikes: u32,
	/// The deposit held for it.
	pub deposit: Balance,
	/// When it was registered.
	pub registered_at: BlockNumber,
}

/// A group of segment routers of one region.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Group<T: Config> {
	/// The region the group serves.
	pub region: Region,
	/// Its members, in order of joining.
	pub members: BoundedVec<SegmentId, T::MaxGroupSize>,
}

/// A member's dispute of a report: who disputed, and whose bond is held for it.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Dispute<AccountId, Balance> {
	/// The disputing member.
	pub member: SegmentId,
	/// Its operator, who holds the bond.
	pub operator: AccountId,
	/// The bond held.
	pub bond: Balance,
}

/// The latest performance report of a group and the disputes against it.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct ReportInfo<T: Config> {
	/// Who reported.
	pub reporter: SegmentId,
	/// When.
	pub at: BlockNumberFor<T>,
	/// The disputes against it, each with its bond held until the report is struck (bonds
	/// released) or replaced without being struck (bonds forfeited).
	pub disputes: BoundedVec<Dispute<T::AccountId, BalanceOf<T>>, T::MaxGroupSize>,
	/// Whether its reporter was already struck for it.
	pub struck: bool,
}

/// Why a segment router was struck.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum StrikeReason {
	/// A ticket it submitted failed validation.
	InvalidTicket,
	/// A performance report it submitted was contradicted by the members who measured.
	ContradictedReport,
}

/// How other pallets hand out strikes.
pub trait StrikeSink {
	/// Strike `segment` for `reason`; quarantines it at the threshold. Unknown segments are
	/// ignored: there is nobody to strike.
	fn strike(segment: SegmentId, reason: StrikeReason);

	/// The most [`StrikeSink::strike`] may weigh: a strike that quarantines a member of a full
	/// group takes it out of the group with every pair it measured.
	fn max_strike_weight() -> Weight;
}

impl StrikeSink for () {
	fn strike(_: SegmentId, _: StrikeReason) {}

	fn max_strike_weight() -> Weight {
		Weight::zero()
	}
}

/// Told when a segment router is deregistered, so that other pallets drop what they keep for
/// it and no state outlives the deposit that paid for it.
pub trait OnSegmentRemoved {
	/// Segment `segment` was deregistered.
	fn on_segment_removed(segment: SegmentId);
}

impl OnSegmentRemoved for () {
	fn on_segment_removed(_: SegmentId) {}
}

/// What other pallets (escrow, tickets) need to know about registered segments.
pub trait SegmentRegistry<AccountId, Balance> {
	/// The operator of an active segment router and its price, if it is for sale now.
	/// `Err` says why the segment cannot be bought.
	fn sellable(segment: SegmentId) -> Result<(AccountId, Balance), PathError>;
	/// The operator of a segment, active or not.
	fn operator(segment: SegmentId) -> Option<AccountId>;
	/// Whether the segment is active (not quarantined).
	fn is_active(segment: SegmentId) -> bool;
	/// The ticket key a segment signs its tickets, acks and reports with.
	fn ticket_key(segment: SegmentId) -> Option<ditex_primitives::registry::TicketKey>;
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
		/// The currency registration deposits are held in.
		type Currency: Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ InspectHold<Self::AccountId>
			+ BalancedHold<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Wall-clock time, for availability windows in UTC hours.
		type UnixTime: UnixTime;

		/// Held from the operator for each registered segment router.
		#[pallet::constant]
		type SegmentDeposit: Get<BalanceOf<Self>>;

		/// Most members of one group.
		#[pallet::constant]
		type MaxGroupSize: Get<u32>;

		/// Most groups in one region.
		#[pallet::constant]
		type MaxGroupsPerRegion: Get<u32>;

		/// Most segment routers one operator account may register.
		#[pallet::constant]
		type MaxSegmentsPerOperator: Get<u32>;

		/// Most entries in one performance report.
		#[pallet::constant]
		type MaxReportEntries: Get<u32>;

		/// Strikes at which a segment router is quarantined.
		#[pallet::constant]
		type MaxStrikes: Get<u32>;

		/// Blocks a quarantined router waits before its operator may reinstate it.
		#[pallet::constant]
		type QuarantineCooldown: Get<BlockNumberFor<Self>>;

		/// Blocks per era; the reporter of every group changes each era.
		#[pallet::constant]
		type EraLength: Get<BlockNumberFor<Self>>;

		/// Distinct operators that must dispute a report before its reporter is struck; at
		/// least a third of the operators of the group's members in any case.
		#[pallet::constant]
		type DisputeQuorum: Get<u32>;

		/// Held from a disputer's operator per dispute: released when the report is struck,
		/// forfeited to [`Config::Forfeits`] when it is replaced without reaching the quorum.
		#[pallet::constant]
		type DisputeBond: Get<BalanceOf<Self>>;

		/// Blocks a segment router must have been registered before it may dispute, so that
		/// routers registered for the purpose cannot dispute at once.
		#[pallet::constant]
		type MinDisputerAge: Get<BlockNumberFor<Self>>;

		/// Where forfeited dispute bonds go (the fee pools).
		type Forfeits: OnUnbalanced<Credit<Self::AccountId, Self::Currency>>;

		/// Told when a segment router is deregistered.
		type OnSegmentRemoved: OnSegmentRemoved;

		/// A reported latency disputed by more than this many µs (and by more than
		/// [`Config::DisputeTolerancePercent`]) contradicts the disputer's measurement.
		#[pallet::constant]
		type DisputeToleranceMicros: Get<u32>;

		/// Relative tolerance for disputes, in percent of the disputer's measurement.
		#[pallet::constant]
		type DisputeTolerancePercent: Get<u32>;

		/// Weight information for the calls.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a registered segment router.
		SegmentDeposit,
		/// The bond of a dispute of a performance report.
		DisputeBond,
	}

	/// The id the next registered segment router gets.
	#[pallet::storage]
	pub type NextSegmentId<T> = StorageValue<_, SegmentId, ValueQuery>;

	/// Registered segment routers.
	#[pallet::storage]
	pub type Segments<T: Config> = StorageMap<_, Twox64Concat, SegmentId, SegmentOf<T>>;

	/// Which segment router receives at an endpoint; endpoints are unique.
	#[pallet::storage]
	pub type SegmentByEndpoint<T> =
		StorageMap<_, Blake2_128Concat, ditex_primitives::registry::Endpoint, SegmentId>;

	/// Which segment router owns a data-plane key; keys are unique.
	#[pallet::storage]
	pub type SegmentByKey<T> =
		StorageMap<_, Blake2_128Concat, ditex_primitives::registry::DataPlaneKey, SegmentId>;

	/// Which segment router signs with a ticket key; a key belongs to one router at a time.
	#[pallet::storage]
	pub type SegmentByTicketKey<T> =
		StorageMap<_, Blake2_128Concat, ditex_primitives::registry::TicketKey, SegmentId>;

	/// The segment routers of each operator.
	#[pallet::storage]
	pub type OperatorSegments<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<SegmentId, T::MaxSegmentsPerOperator>,
		ValueQuery,
	>;

	/// The id the next group gets.
	#[pallet::storage]
	pub type NextGroupId<T> = StorageValue<_, GroupId, ValueQuery>;

	/// Groups and their members.
	#[pallet::storage]
	pub type Groups<T: Config> = StorageMap<_, Twox64Concat, GroupId, Group<T>>;

	/// The groups of each region, in order of creation.
	#[pallet::storage]
	pub type RegionGroups<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		Region,
		BoundedVec<GroupId, T::MaxGroupsPerRegion>,
		ValueQuery,
	>;

	/// The latest measured performance of each ordered pair (sender, receiver).
	#[pallet::storage]
	pub type Performance<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		SegmentId,
		Twox64Concat,
		SegmentId,
		PerfRecord<BlockNumberFor<T>>,
	>;

	/// The latest report of each group, and who disputed it.
	#[pallet::storage]
	pub type LatestReport<T: Config> = StorageMap<_, Twox64Concat, GroupId, ReportInfo<T>>;

	/// Whether endpoints on loopback, private, link-local, shared or documentation addresses
	/// may be registered: only on test chains (the `development` and `local_testnet` presets),
	/// where every router runs on one machine or one LAN. Elsewhere such an endpoint would aim
	/// every group member's pulses at its own localhost or at a third party's LAN.
	#[pallet::storage]
	pub type PrivateEndpointsAllowed<T> = StorageValue<_, bool, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// See [`PrivateEndpointsAllowed`].
		pub private_endpoints: bool,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			PrivateEndpointsAllowed::<T>::put(self.private_endpoints);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A segment router was registered and joined a group.
		SegmentRegistered {
			/// The new segment router.
			segment: SegmentId,
			/// Its operator.
			operator: T::AccountId,
			/// The group it joined.
			group: GroupId,
			/// The deposit held.
			deposit: BalanceOf<T>,
		},
		/// A segment router's listing changed.
		SegmentUpdated {
			/// The segment router.
			segment: SegmentId,
		},
		/// A segment router's ticket key was set: tickets, acks and reports signed with the
		/// previous key are refused from now on.
		TicketKeySet {
			/// The segment router.
			segment: SegmentId,
			/// Its new ticket key.
			key: ditex_primitives::registry::TicketKey,
		},
		/// A segment router was deregistered and its deposit released.
		SegmentDeregistered {
			/// The segment router.
			segment: SegmentId,
			/// Its operator.
			operator: T::AccountId,
			/// The deposit released.
			released: BalanceOf<T>,
		},
		/// A group was opened for a region.
		GroupCreated {
			/// The new group.
			group: GroupId,
			/// The region it serves.
			region: Region,
		},
		/// A segment router joined a group.
		JoinedGroup {
			/// The segment router.
			segment: SegmentId,
			/// The group.
			group: GroupId,
		},
		/// A segment router left a group.
		LeftGroup {
			/// The segment router.
			segment: SegmentId,
			/// The group.
			group: GroupId,
		},
		/// A group's reporter submitted measured performance.
		PerformanceReported {
			/// The group.
			group: GroupId,
			/// Its reporter.
			reporter: SegmentId,
			/// Pairs reported.
			entries: u32,
		},
		/// A member disputed its group's latest report.
		ReportDisputed {
			/// The group.
			group: GroupId,
			/// The disputing member.
			by: SegmentId,
			/// Distinct operators disputing the report so far.
			operators: u32,
			/// Distinct operators needed to strike its reporter.
			quorum: u32,
		},
		/// A report was struck: its disputers' bonds were released.
		DisputeUpheld {
			/// The group.
			group: GroupId,
			/// The struck reporter.
			reporter: SegmentId,
		},
		/// A report was replaced without reaching the quorum: its disputers' bonds went to the
		/// fee pools.
		DisputesForfeited {
			/// The group.
			group: GroupId,
			/// How many disputes.
			disputes: u32,
			/// The bonds forfeited.
			amount: BalanceOf<T>,
		},
		/// A segment router was struck.
		Struck {
			/// The segment router.
			segment: SegmentId,
			/// Why.
			reason: StrikeReason,
			/// Its strikes now.
			strikes: u32,
		},
		/// A segment router was quarantined.
		Quarantined {
			/// The segment router.
			segment: SegmentId,
			/// The first block at which its operator may reinstate it.
			until: BlockNumberFor<T>,
		},
		/// A quarantined segment router was reinstated and joined a group.
		Reinstated {
			/// The segment router.
			segment: SegmentId,
			/// The group it joined.
			group: GroupId,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The endpoint is not a routable unicast address with a port.
		InvalidEndpoint,
		/// The endpoint is loopback, private, link-local, shared or for documentation, which
		/// only test chains allow.
		PrivateEndpoint,
		/// The data-plane key is the null key.
		InvalidKey,
		/// The country is not an ISO 3166-1 code or the subdivision is malformed.
		InvalidRegion,
		/// The AS number is reserved or for documentation.
		InvalidAsn,
		/// An availability window is empty or not made of hours of the day.
		InvalidWindow,
		/// Another segment router already receives at this endpoint.
		EndpointInUse,
		/// Another segment router already uses this data-plane key.
		KeyInUse,
		/// The ticket key is the null key.
		InvalidTicketKey,
		/// Another segment router already signs with this ticket key.
		TicketKeyInUse,
		/// The operator has registered as many segment routers as allowed.
		TooManySegments,
		/// All groups of the region are full and it may have no more.
		RegionFull,
		/// No segment router has this id.
		UnknownSegment,
		/// The caller is not the segment router's operator.
		NotOperator,
		/// The segment router is quarantined.
		Quarantined,
		/// The segment router is not quarantined.
		NotQuarantined,
		/// The quarantine cool-down has not passed yet.
		CooldownNotOver,
		/// The segment router is not its group's reporter this era.
		NotReporter,
		/// A report names a segment router that is not a member of the group.
		NotGroupMember,
		/// A report pairs a segment router with itself.
		SelfPair,
		/// A report names the same pair twice.
		DuplicatePair,
		/// A report is empty.
		EmptyReport,
		/// A sample's loss exceeds one million parts per million.
		InvalidSample,
		/// The group has no report to dispute.
		NoReport,
		/// The member already disputed this report.
		AlreadyDisputed,
		/// The reporter cannot dispute its own report.
		OwnReport,
		/// The disputed pair is not in the report, or not measured by the disputer.
		NotMeasuredByDisputer,
		/// The report agrees with the disputer's measurement within tolerance.
		NoContradiction,
		/// The segment router has not been registered long enough to dispute.
		DisputerTooNew,
		/// The group's reporter already reported this era.
		AlreadyReported,
		/// The report was struck already.
		ReportStruck,
		/// The report is not for the current era.
		WrongEra,
		/// The balance is too low to hold the deposit.
		InsufficientBalance,
		/// Segment or group ids are exhausted.
		IdsExhausted,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxGroupSize::get() >= 2, "a group measures pairs: at least two members");
			assert!(!T::EraLength::get().is_zero(), "eras must last at least one block");
			assert!(T::MaxStrikes::get() > 0, "a router must be strikable before quarantine");
			assert!(
				T::DisputeQuorum::get() > 0 && T::DisputeQuorum::get() < T::MaxGroupSize::get(),
				"the dispute quorum must be reachable by members other than the reporter"
			);
			assert!(
				T::MaxReportEntries::get() >= T::MaxGroupSize::get().div_ceil(3),
				"a report must be able to cover as many disputers as a full group's quorum"
			);
			// The largest report and the largest membership change must fit in a block.
			let max = <T as frame_system::Config>::BlockWeights::get().max_block;
			let worst = [
				T::WeightInfo::report_performance(T::MaxReportEntries::get()),
				T::WeightInfo::register(),
				T::WeightInfo::deregister(),
				T::WeightInfo::reinstate(),
				T::WeightInfo::dispute_report(),
			];
			for w in worst {
				assert!(w.all_lte(max), "a worst-case call of pallet-ditex exceeds a block: {w:?}");
			}
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register a segment router. Holds [`Config::SegmentDeposit`] from the caller, who
		/// becomes its operator, and places it in a group of its region.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register())]
		pub fn register(origin: OriginFor<T>, spec: SegmentSpec<BalanceOf<T>>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register(who, spec).map(|_| ())
		}

		/// Change a segment router's price, endpoint, availability windows or capacity.
		/// `None` leaves a field as it is; `Some(None)` as price takes it off sale.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::update())]
		pub fn update(
			origin: OriginFor<T>,
			segment: SegmentId,
			price_per_gib: Option<Option<BalanceOf<T>>>,
			endpoint: Option<ditex_primitives::registry::Endpoint>,
			windows: Option<ditex_primitives::registry::Windows>,
			capacity_mbps: Option<u32>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update(who, segment, price_per_gib, endpoint, windows, capacity_mbps)
		}

		/// Deregister a segment router and release its deposit.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::deregister())]
		pub fn deregister(origin: OriginFor<T>, segment: SegmentId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_deregister(who, segment)
		}

		/// Submit the measured performance of the reporter's group for `era`, signed with the
		/// reporter's ticket key: an authorized transaction, with no account, fee or nonce, so
		/// the agent that measures needs no spending key. The pool takes one report per
		/// (group, era), checked by [`Pallet::authorize_report`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::report_performance(entries.len() as u32))]
		#[pallet::authorize(Pallet::<T>::authorize_report)]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_report(entries.len() as u32))]
		pub fn report_performance(
			origin: OriginFor<T>,
			reporter: SegmentId,
			era: u64,
			entries: BoundedVec<ditex_primitives::registry::PerfEntry, T::MaxReportEntries>,
			signature: [u8; 64],
		) -> DispatchResultWithPostInfo {
			frame_system::ensure_authorized(origin)?;
			// The signature was checked by the authorization, in the pool and again at
			// inclusion; the content is checked again here against the state of this block.
			let _ = signature;
			Self::do_report(reporter, era, entries)?;
			Ok(Pays::No.into())
		}

		/// Dispute the group's latest report: `sample` is what `member` measured itself of
		/// the pair `from → member`. Counts only if the report contradicts it.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::dispute_report())]
		pub fn dispute_report(
			origin: OriginFor<T>,
			member: SegmentId,
			from: SegmentId,
			sample: ditex_primitives::registry::PerfSample,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_dispute(who, member, from, sample)
		}

		/// Reinstate a quarantined segment router after its cool-down; clears its strikes.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::reinstate())]
		pub fn reinstate(origin: OriginFor<T>, segment: SegmentId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_reinstate(who, segment)
		}

		/// Rotate a segment router's ticket key, as its operator (also while quarantined, so a
		/// leaked key can be replaced at once).
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::set_ticket_key())]
		pub fn set_ticket_key(
			origin: OriginFor<T>,
			segment: SegmentId,
			key: ditex_primitives::registry::TicketKey,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_ticket_key(who, segment, key)
		}
	}
}

/// The genesis hash of the chain `T` runs, which every signed format names (reports here,
/// tickets, receipts and acks in the tickets pallet) so that a signature holds on one chain.
pub fn genesis_hash<T: frame_system::Config>() -> ditex_primitives::Hash {
	ditex_primitives::Hash::from_slice(
		frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero()).as_ref(),
	)
}

impl<T: Config> Pallet<T> {
	/// The current era.
	pub fn current_era() -> u64 {
		Self::era_of(frame_system::Pallet::<T>::block_number())
	}

	/// The reporter of a group this era: members take turns, offset by the group id so that
	/// a router's turns in different eras are spread over groups.
	pub fn reporter_of(group: GroupId, members: &[SegmentId]) -> Option<SegmentId> {
		if members.is_empty() {
			return None;
		}
		let turn = Self::current_era().wrapping_add(group as u64) % members.len() as u64;
		members.get(turn as usize).copied()
	}

	fn validate_spec(spec: &SegmentSpec<BalanceOf<T>>) -> DispatchResult {
		ensure!(spec.endpoint.is_routable(), Error::<T>::InvalidEndpoint);
		ensure!(
			spec.endpoint.is_public() || PrivateEndpointsAllowed::<T>::get(),
			Error::<T>::PrivateEndpoint
		);
		ensure!(!spec.key.is_null(), Error::<T>::InvalidKey);
		ensure!(!spec.ticket_key.is_null(), Error::<T>::InvalidTicketKey);
		ensure!(spec.region.is_valid(), Error::<T>::InvalidRegion);
		ensure!(ditex_primitives::registry::asn_is_valid(spec.asn), Error::<T>::InvalidAsn);
		ensure!(spec.windows.iter().all(|w| w.is_valid()), Error::<T>::InvalidWindow);
		Ok(())
	}

	/// Register `spec` for `who`; returns the new segment's id.
	pub fn do_register(
		who: T::AccountId,
		spec: SegmentSpec<BalanceOf<T>>,
	) -> Result<SegmentId, DispatchError> {
		Self::validate_spec(&spec)?;
		ensure!(!SegmentByEndpoint::<T>::contains_key(spec.endpoint), Error::<T>::EndpointInUse);
		ensure!(!SegmentByKey::<T>::contains_key(spec.key), Error::<T>::KeyInUse);
		ensure!(
			!SegmentByTicketKey::<T>::contains_key(spec.ticket_key),
			Error::<T>::TicketKeyInUse
		);

		let id = NextSegmentId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::IdsExhausted)?;
		OperatorSegments::<T>::try_mutate(&who, |list| list.try_push(id))
			.map_err(|_| Error::<T>::TooManySegments)?;

		let deposit = T::SegmentDeposit::get();
		T::Currency::hold(&HoldReason::SegmentDeposit.into(), &who, deposit)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		let group = Self::join_group(id, &spec.region)?;
		NextSegmentId::<T>::put(next);
		SegmentByEndpoint::<T>::insert(spec.endpoint, id);
		SegmentByKey::<T>::insert(spec.key, id);
		SegmentByTicketKey::<T>::insert(spec.ticket_key, id);
		Segments::<T>::insert(
			id,
			SegmentRecord {
				operator: who.clone(),
				spec,
				group: Some(group),
				status: SegmentStatus::Active,
				strikes: 0,
				deposit,
				registered_at: frame_system::Pallet::<T>::block_number(),
			},
		);
		Self::deposit_event(Event::SegmentRegistered {
			segment: id,
			operator: who,
			group,
			deposit,
		});
		Ok(id)
	}

	/// Load a segment and check that `who` operates it.
	fn operated_by(who: &T::AccountId, segment: SegmentId) -> Result<SegmentOf<T>, DispatchError> {
		let record = Segments::<T>::get(segment).ok_or(Error::<T>::UnknownSegment)?;
		ensure!(&record.operator == who, Error::<T>::NotOperator);
		Ok(record)
	}

	fn ensure_active(record: &SegmentOf<T>) -> DispatchResult {
		ensure!(record.status == SegmentStatus::Active, Error::<T>::Quarantined);
		Ok(())
	}

	/// Apply a listing change.
	pub fn do_update(
		who: T::AccountId,
		segment: SegmentId,
		price_per_gib: Option<Option<BalanceOf<T>>>,
		endpoint: Option<ditex_primitives::registry::Endpoint>,
		windows: Option<ditex_primitives::registry::Windows>,
		capacity_mbps: Option<u32>,
	) -> DispatchResult {
		let mut record = Self::operated_by(&who, segment)?;
		Self::ensure_active(&record)?;
		let mut spec = record.spec.clone();
		if let Some(price) = price_per_gib {
			spec.price_per_gib = price;
		}
		if let Some(endpoint) = endpoint {
			spec.endpoint = endpoint;
		}
		if let Some(windows) = windows {
			spec.windows = windows;
		}
		if let Some(capacity) = capacity_mbps {
			spec.capacity_mbps = capacity;
		}
		Self::validate_spec(&spec)?;
		if spec.endpoint != record.spec.endpoint {
			ensure!(
				!SegmentByEndpoint::<T>::contains_key(spec.endpoint),
				Error::<T>::EndpointInUse
			);
			SegmentByEndpoint::<T>::remove(record.spec.endpoint);
			SegmentByEndpoint::<T>::insert(spec.endpoint, segment);
		}
		record.spec = spec;
		Segments::<T>::insert(segment, record);
		Self::deposit_event(Event::SegmentUpdated { segment });
		Ok(())
	}

	/// Remove a segment router and release its deposit.
	pub fn do_deregister(who: T::AccountId, segment: SegmentId) -> DispatchResult {
		let record = Self::operated_by(&who, segment)?;
		// Leaving is not a way around the cool-down.
		Self::ensure_active(&record)?;
		if let Some(group) = record.group {
			Self::leave_group(segment, group);
		}
		let released = T::Currency::release(
			&HoldReason::SegmentDeposit.into(),
			&who,
			record.deposit,
			Precision::BestEffort,
		)?;
		if released != record.deposit {
			log::warn!(
				target: LOG_TARGET,
				"segment {segment}: released {released:?} of a {:?} deposit",
				record.deposit
			);
		}
		OperatorSegments::<T>::mutate_exists(&who, |list| {
			if let Some(l) = list {
				l.retain(|s| *s != segment);
				if l.is_empty() {
					*list = None;
				}
			}
		});
		SegmentByEndpoint::<T>::remove(record.spec.endpoint);
		SegmentByKey::<T>::remove(record.spec.key);
		SegmentByTicketKey::<T>::remove(record.spec.ticket_key);
		Segments::<T>::remove(segment);
		T::OnSegmentRemoved::on_segment_removed(segment);
		Self::deposit_event(Event::SegmentDeregistered { segment, operator: who, released });
		Ok(())
	}

	/// Set a segment router's ticket key.
	pub fn do_set_ticket_key(
		who: T::AccountId,
		segment: SegmentId,
		key: ditex_primitives::registry::TicketKey,
	) -> DispatchResult {
		let mut record = Self::operated_by(&who, segment)?;
		ensure!(!key.is_null(), Error::<T>::InvalidTicketKey);
		if key != record.spec.ticket_key {
			ensure!(!SegmentByTicketKey::<T>::contains_key(key), Error::<T>::TicketKeyInUse);
			SegmentByTicketKey::<T>::remove(record.spec.ticket_key);
			SegmentByTicketKey::<T>::insert(key, segment);
			record.spec.ticket_key = key;
			Segments::<T>::insert(segment, record);
		}
		Self::deposit_event(Event::TicketKeySet { segment, key });
		Ok(())
	}

	/// Put `segment` in the first group of `region` with room, opening one if all are full.
	fn join_group(segment: SegmentId, region: &Region) -> Result<GroupId, DispatchError> {
		let mut groups = RegionGroups::<T>::get(region);
		for &g in groups.iter() {
			// Read every group, write only the one joined.
			let Some(mut group) = Groups::<T>::get(g) else { continue };
			if group.members.try_push(segment).is_ok() {
				Groups::<T>::insert(g, group);
				Self::deposit_event(Event::JoinedGroup { segment, group: g });
				return Ok(g);
			}
		}
		let g = NextGroupId::<T>::get();
		let next = g.checked_add(1).ok_or(Error::<T>::IdsExhausted)?;
		groups.try_push(g).map_err(|_| Error::<T>::RegionFull)?;
		let members =
			BoundedVec::try_from(alloc::vec![segment]).map_err(|_| Error::<T>::RegionFull)?;
		NextGroupId::<T>::put(next);
		RegionGroups::<T>::insert(region, groups);
		Groups::<T>::insert(g, Group { region: region.clone(), members });
		Self::deposit_event(Event::GroupCreated { group: g, region: region.clone() });
		Self::deposit_event(Event::JoinedGroup { segment, group: g });
		Ok(g)
	}

	/// Take `segment` out of `group`, with the performance it measured or was measured in.
	/// An emptied group is closed.
	fn leave_group(segment: SegmentId, group: GroupId) {
		let Some(mut g) = Groups::<T>::get(group) else { return };
		g.members.retain(|m| *m != segment);
		for &m in g.members.iter() {
			Performance::<T>::remove(segment, m);
			Performance::<T>::remove(m, segment);
		}
		if g.members.is_empty() {
			Groups::<T>::remove(group);
			if let Some(report) = LatestReport::<T>::take(group) {
				Self::close_report(group, report);
			}
			RegionGroups::<T>::mutate_exists(&g.region, |groups| {
				if let Some(list) = groups {
					list.retain(|x| *x != group);
					if list.is_empty() {
						*groups = None;
					}
				}
			});
		} else {
			Groups::<T>::insert(group, g);
		}
		Self::deposit_event(Event::LeftGroup { segment, group });
	}

	/// Check a report without changing anything: `reporter` is active and its group's reporter
	/// in `era`, which is the current era, the group has no report of this era yet, and the
	/// entries are distinct pairs of members with valid samples. Returns the group.
	pub fn check_report(
		reporter: SegmentId,
		era: u64,
		entries: &[ditex_primitives::registry::PerfEntry],
	) -> Result<(GroupId, SegmentOf<T>), Error<T>> {
		let record = Segments::<T>::get(reporter).ok_or(Error::<T>::UnknownSegment)?;
		ensure!(record.status == SegmentStatus::Active, Error::<T>::Quarantined);
		// An active router is always in a group (see `do_try_state`).
		let group_id = record.group.ok_or(Error::<T>::Quarantined)?;
		let group = Groups::<T>::get(group_id).ok_or(Error::<T>::Quarantined)?;
		ensure!(era == Self::current_era(), Error::<T>::WrongEra);
		ensure!(
			Self::reporter_of(group_id, &group.members) == Some(reporter),
			Error::<T>::NotReporter
		);
		ensure!(!entries.is_empty(), Error::<T>::EmptyReport);
		let mut pairs: Vec<(SegmentId, SegmentId)> = Vec::with_capacity(entries.len());
		for e in entries.iter() {
			ensure!(e.from != e.to, Error::<T>::SelfPair);
			ensure!(
				group.members.contains(&e.from) && group.members.contains(&e.to),
				Error::<T>::NotGroupMember
			);
			ensure!(e.sample.is_valid(), Error::<T>::InvalidSample);
			pairs.push((e.from, e.to));
		}
		pairs.sort_unstable();
		ensure!(pairs.windows(2).all(|w| w[0] != w[1]), Error::<T>::DuplicatePair);
		// One report per era: reporting again would wipe the disputes against the last one.
		if let Some(p) = LatestReport::<T>::get(group_id) {
			ensure!(Self::era_of(p.at) < era, Error::<T>::AlreadyReported);
		}
		Ok((group_id, record))
	}

	/// The authorization of [`Pallet::report_performance`]: [`Pallet::check_report`], the
	/// reporter's ticket key's signature over
	/// [`report_signing_payload`](ditex_primitives::registry::report_signing_payload), and one
	/// report per (group, era) in the pool. Runs when the pool validates the transaction and
	/// again when a block includes it.
	pub fn authorize_report(
		_source: TransactionSource,
		reporter: &SegmentId,
		era: &u64,
		entries: &BoundedVec<ditex_primitives::registry::PerfEntry, T::MaxReportEntries>,
		signature: &[u8; 64],
	) -> TransactionValidityWithRefund {
		let invalid = |e: Error<T>| match e {
			Error::<T>::UnknownSegment => InvalidTransaction::BadSigner,
			Error::<T>::WrongEra if *era > Self::current_era() => InvalidTransaction::Future,
			Error::<T>::WrongEra | Error::<T>::AlreadyReported => InvalidTransaction::Stale,
			_ => InvalidTransaction::Call,
		};
		let (group, record) = Self::check_report(*reporter, *era, entries).map_err(invalid)?;
		let payload = ditex_primitives::registry::report_signing_payload(
			&genesis_hash::<T>(),
			*reporter,
			*era,
			entries,
		);
		ensure!(
			ditex_primitives::signed_by(signature, &payload, &record.spec.ticket_key.0),
			InvalidTransaction::BadProof
		);
		// Valid until the era ends.
		let len: u64 = T::EraLength::get().unique_saturated_into();
		let now: u64 = frame_system::Pallet::<T>::block_number().unique_saturated_into();
		let validity = ValidTransaction::with_tag_prefix("DitexReport")
			.and_provides((group, *era))
			.longevity(len.max(1) - now % len.max(1))
			.propagate(true)
			.build()?;
		Ok((validity, Weight::zero()))
	}

	/// Accept a performance report from the group's reporter, checked by
	/// [`Pallet::check_report`] (the signature is the authorization's business).
	pub fn do_report(
		reporter: SegmentId,
		era: u64,
		entries: BoundedVec<ditex_primitives::registry::PerfEntry, T::MaxReportEntries>,
	) -> DispatchResult {
		let (group_id, _) = Self::check_report(reporter, era, &entries)?;
		let now = frame_system::Pallet::<T>::block_number();
		for e in entries.iter() {
			Performance::<T>::insert(
				e.from,
				e.to,
				PerfRecord { sample: e.sample, measured_at: now },
			);
		}
		if let Some(p) = LatestReport::<T>::take(group_id) {
			Self::close_report(group_id, p);
		}
		LatestReport::<T>::insert(
			group_id,
			ReportInfo { reporter, at: now, disputes: BoundedVec::new(), struck: false },
		);
		Self::deposit_event(Event::PerformanceReported {
			group: group_id,
			reporter,
			entries: entries.len() as u32,
		});
		Ok(())
	}

	/// Whether a reported sample contradicts the receiver's own measurement.
	fn contradicts(
		reported: &ditex_primitives::registry::PerfSample,
		own: &ditex_primitives::registry::PerfSample,
	) -> bool {
		let diff = (reported.latency_us as i64 - own.latency_us as i64).unsigned_abs();
		let relative =
			(own.latency_us as i64).unsigned_abs() * T::DisputeTolerancePercent::get() as u64 / 100;
		let latency_off = diff > T::DisputeToleranceMicros::get() as u64 && diff > relative;
		// Loss differing by more than the relative tolerance in absolute percent points.
		let loss_diff = reported.loss_ppm.abs_diff(own.loss_ppm) as u64;
		let loss_off = loss_diff * 100 > T::DisputeTolerancePercent::get() as u64 * 1_000_000;
		latency_off || loss_off
	}

	/// Record a member's dispute of its group's latest report, holding the dispute bond from
	/// its operator; strikes the reporter when the disputes' distinct operators reach the
	/// quorum (see [`Pallet::dispute_quorum`]), and then releases every bond.
	pub fn do_dispute(
		who: T::AccountId,
		member: SegmentId,
		from: SegmentId,
		own: ditex_primitives::registry::PerfSample,
	) -> DispatchResult {
		let record = Self::operated_by(&who, member)?;
		Self::ensure_active(&record)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			now >= record.registered_at.saturating_add(T::MinDisputerAge::get()),
			Error::<T>::DisputerTooNew
		);
		let group_id = record.group.ok_or(Error::<T>::Quarantined)?;
		let mut report = LatestReport::<T>::get(group_id).ok_or(Error::<T>::NoReport)?;
		ensure!(report.reporter != member, Error::<T>::OwnReport);
		ensure!(!report.struck, Error::<T>::ReportStruck);
		ensure!(report.disputes.iter().all(|d| d.member != member), Error::<T>::AlreadyDisputed);
		let reported = Performance::<T>::get(from, member)
			.filter(|r| r.measured_at == report.at)
			.ok_or(Error::<T>::NotMeasuredByDisputer)?;
		ensure!(own.is_valid(), Error::<T>::InvalidSample);
		ensure!(Self::contradicts(&reported.sample, &own), Error::<T>::NoContradiction);

		let bond = T::DisputeBond::get();
		T::Currency::hold(&HoldReason::DisputeBond.into(), &who, bond)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		report
			.disputes
			.try_push(Dispute { member, operator: who, bond })
			.map_err(|_| Error::<T>::AlreadyDisputed)?;
		let operators = distinct(report.disputes.iter().map(|d| &d.operator).collect());
		let group = Groups::<T>::get(group_id).ok_or(Error::<T>::Quarantined)?;
		let quorum = Self::dispute_quorum(&group.members);
		Self::deposit_event(Event::ReportDisputed {
			group: group_id,
			by: member,
			operators,
			quorum,
		});
		if operators >= quorum {
			report.struck = true;
			let reporter = report.reporter;
			for d in report.disputes.iter() {
				Self::release_bond(d);
			}
			report.disputes = BoundedVec::new();
			LatestReport::<T>::insert(group_id, report);
			Self::deposit_event(Event::DisputeUpheld { group: group_id, reporter });
			Self::do_strike(reporter, StrikeReason::ContradictedReport);
		} else {
			LatestReport::<T>::insert(group_id, report);
		}
		Ok(())
	}

	/// Distinct operators whose disputes strike a report of a group with `members`:
	/// [`Config::DisputeQuorum`], and at least a third of the members' distinct operators.
	/// Counting operators, not segments, keeps one account's many segments at one voice.
	pub fn dispute_quorum(members: &[SegmentId]) -> u32 {
		let operators = distinct(
			members.iter().filter_map(|m| Segments::<T>::get(m).map(|r| r.operator)).collect(),
		);
		T::DisputeQuorum::get().max(operators.div_ceil(3))
	}

	/// The era block `n` is in.
	fn era_of(n: BlockNumberFor<T>) -> u64 {
		let n: u64 = n.unique_saturated_into();
		let len: u64 = T::EraLength::get().unique_saturated_into();
		n / len.max(1)
	}

	/// Release a dispute's bond to its operator.
	fn release_bond(d: &Dispute<T::AccountId, BalanceOf<T>>) {
		let reason = HoldReason::DisputeBond.into();
		if let Err(e) = T::Currency::release(&reason, &d.operator, d.bond, Precision::BestEffort) {
			log::error!(target: LOG_TARGET, "releasing the bond of {:?} failed: {e:?}", d.member);
		}
	}

	/// A report is replaced or its group closed: disputes that did not strike it were
	/// unfounded, and their bonds go to [`Config::Forfeits`].
	fn close_report(group: GroupId, report: ReportInfo<T>) {
		if report.disputes.is_empty() {
			return;
		}
		let reason = HoldReason::DisputeBond.into();
		let mut amount = BalanceOf::<T>::zero();
		for d in report.disputes.iter() {
			let (credit, _missing) =
				<T::Currency as BalancedHold<T::AccountId>>::slash(&reason, &d.operator, d.bond);
			amount = amount.saturating_add(credit.peek());
			T::Forfeits::on_unbalanced(credit);
		}
		Self::deposit_event(Event::DisputesForfeited {
			group,
			disputes: report.disputes.len() as u32,
			amount,
		});
	}

	/// Add a strike; quarantine at [`Config::MaxStrikes`].
	pub fn do_strike(segment: SegmentId, reason: StrikeReason) {
		let Some(mut record) = Segments::<T>::get(segment) else {
			log::debug!(target: LOG_TARGET, "strike for unknown segment {segment} ignored");
			return;
		};
		record.strikes = record.strikes.saturating_add(1);
		Self::deposit_event(Event::Struck { segment, reason, strikes: record.strikes });
		if record.strikes >= T::MaxStrikes::get() && record.status == SegmentStatus::Active {
			let now = frame_system::Pallet::<T>::block_number();
			if let Some(group) = record.group.take() {
				Self::leave_group(segment, group);
			}
			record.status = SegmentStatus::Quarantined { since: now };
			Self::deposit_event(Event::Quarantined {
				segment,
				until: now.saturating_add(T::QuarantineCooldown::get()),
			});
		}
		Segments::<T>::insert(segment, record);
	}

	/// End a quarantine after its cool-down.
	pub fn do_reinstate(who: T::AccountId, segment: SegmentId) -> DispatchResult {
		let mut record = Self::operated_by(&who, segment)?;
		let SegmentStatus::Quarantined { since } = record.status else {
			return Err(Error::<T>::NotQuarantined.into());
		};
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			now >= since.saturating_add(T::QuarantineCooldown::get()),
			Error::<T>::CooldownNotOver
		);
		let group = Self::join_group(segment, &record.spec.region)?;
		record.status = SegmentStatus::Active;
		record.strikes = 0;
		record.group = Some(group);
		Segments::<T>::insert(segment, record);
		Self::deposit_event(Event::Reinstated { segment, group });
		Ok(())
	}

	// ---- read paths (runtime API) ----

	fn view(id: SegmentId, r: SegmentOf<T>) -> SegmentViewOf<T> {
		SegmentView {
			id,
			operator: if r.spec.hide_operator { None } else { Some(r.operator) },
			spec: r.spec,
			group: r.group,
			status: r.status,
			strikes: r.strikes,
		}
	}

	/// One segment router.
	pub fn segment_view(id: SegmentId) -> Option<SegmentViewOf<T>> {
		Segments::<T>::get(id).map(|r| Self::view(id, r))
	}

	/// Active segment routers in `region` and/or `asn`, at most `limit` of them, in id order
	/// of their groups. Quarantined routers are not listed.
	pub fn segments_view(
		region: Option<Region>,
		asn: Option<ditex_primitives::registry::Asn>,
		limit: u32,
	) -> Vec<SegmentViewOf<T>> {
		let wanted = |r: &SegmentOf<T>| {
			r.status == SegmentStatus::Active
				&& region.as_ref().is_none_or(|x| &r.spec.region == x)
				&& asn.is_none_or(|a| r.spec.asn == a)
		};
		let mut out = Vec::new();
		match &region {
			// The region index keeps this lookup proportional to the region's size.
			Some(region) => {
				for g in RegionGroups::<T>::get(region) {
					for m in Groups::<T>::get(g).map(|g| g.members.into_inner()).unwrap_or_default()
					{
						if let Some(r) = Segments::<T>::get(m).filter(|r| wanted(r)) {
							out.push(Self::view(m, r));
						}
					}
				}
			},
			None => {
				for (id, r) in Segments::<T>::iter() {
					if wanted(&r) {
						out.push(Self::view(id, r));
					}
				}
			},
		}
		out.sort_by_key(|v| v.id);
		out.truncate(limit as usize);
		out
	}

	/// A group with its members and this era's reporter.
	pub fn group_view(group: GroupId) -> Option<GroupViewOf<T>> {
		let g = Groups::<T>::get(group)?;
		let reporter = Self::reporter_of(group, &g.members);
		let members = g
			.members
			.iter()
			.filter_map(|&m| Segments::<T>::get(m).map(|r| Self::view(m, r)))
			.collect();
		Some(GroupView { id: group, region: g.region, era: Self::current_era(), reporter, members })
	}

	/// The latest performance of the pair `from → to`.
	pub fn performance_view(
		from: SegmentId,
		to: SegmentId,
	) -> Option<PerfRecord<BlockNumberFor<T>>> {
		Performance::<T>::get(from, to)
	}

	/// What relaying `bytes` over `path` costs now, each hop at its own price.
	pub fn path_cost_view(path: Vec<SegmentId>, bytes: u64) -> Result<BalanceOf<T>, PathError>
	where
		BalanceOf<T>: Into<u128> + TryFrom<u128>,
	{
		if path.is_empty() || path.len() > ditex_primitives::MAX_HOPS as usize {
			return Err(PathError::BadLength);
		}
		let mut prices = Vec::with_capacity(path.len());
		for (i, &s) in path.iter().enumerate() {
			if path[..i].contains(&s) {
				return Err(PathError::Loop(s));
			}
			let (_, price) = Self::sellable(s)?;
			prices.push(price.into());
		}
		ditex_primitives::registry::path_cost(&prices, bytes)
			.and_then(|c| BalanceOf::<T>::try_from(c).ok())
			.ok_or(PathError::Overflow)
	}

	/// The UTC hour now, from the chain's timestamp.
	fn utc_hour_now() -> u8 {
		utc_hour(T::UnixTime::now().as_millis() as u64)
	}

	/// Whether the state is consistent: every member's group exists and lists it once,
	/// groups are within bounds and indexed by their region, indexes match registrations, and
	/// the held deposits cover the registrations.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut count = 0u32;
		for (id, r) in Segments::<T>::iter() {
			count += 1;
			ensure!(id < NextSegmentId::<T>::get(), "segment id beyond NextSegmentId");
			ensure!(SegmentByEndpoint::<T>::get(r.spec.endpoint) == Some(id), "endpoint index");
			ensure!(SegmentByKey::<T>::get(r.spec.key) == Some(id), "key index");
			ensure!(
				SegmentByTicketKey::<T>::get(r.spec.ticket_key) == Some(id),
				"ticket key index"
			);
			ensure!(OperatorSegments::<T>::get(&r.operator).contains(&id), "operator index");
			match (r.status, r.group) {
				(SegmentStatus::Active, Some(g)) => {
					let group = Groups::<T>::get(g).ok_or("member of a missing group")?;
					ensure!(
						group.members.iter().filter(|m| **m == id).count() == 1,
						"member not listed exactly once in its group"
					);
					ensure!(group.region == r.spec.region, "member in another region's group");
				},
				(SegmentStatus::Active, None) => return Err("active segment without group".into()),
				(SegmentStatus::Quarantined { .. }, Some(_)) => {
					return Err("quarantined segment in a group".into())
				},
				(SegmentStatus::Quarantined { .. }, None) => {},
			}
			let d = deposits.entry(r.operator.clone()).or_insert_with(Zero::zero);
			*d = d.saturating_add(r.deposit);
		}
		ensure!(SegmentByEndpoint::<T>::iter().count() as u32 == count, "stale endpoint index");
		ensure!(SegmentByKey::<T>::iter().count() as u32 == count, "stale key index");
		ensure!(SegmentByTicketKey::<T>::iter().count() as u32 == count, "stale ticket key index");
		for (g, group) in Groups::<T>::iter() {
			ensure!(!group.members.is_empty(), "empty group kept");
			ensure!(group.members.len() as u32 <= T::MaxGroupSize::get(), "group over size");
			ensure!(RegionGroups::<T>::get(&group.region).contains(&g), "group not indexed");
			for m in group.members.iter() {
				let r = Segments::<T>::get(m).ok_or("group lists a missing segment")?;
				ensure!(r.group == Some(g), "group lists a segment of another group");
			}
		}
		for (who, expected) in deposits {
			let held = T::Currency::balance_on_hold(&HoldReason::SegmentDeposit.into(), &who);
			ensure!(held == expected, "held deposit does not match registrations");
		}
		let mut bonds: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (g, report) in LatestReport::<T>::iter() {
			ensure!(Groups::<T>::contains_key(g), "a report of a closed group");
			ensure!(!report.struck || report.disputes.is_empty(), "a struck report keeps bonds");
			for d in report.disputes.iter() {
				let b = bonds.entry(d.operator.clone()).or_insert_with(Zero::zero);
				*b = b.saturating_add(d.bond);
			}
		}
		for (who, expected) in bonds {
			let held = T::Currency::balance_on_hold(&HoldReason::DisputeBond.into(), &who);
			ensure!(held == expected, "held dispute bonds do not match open disputes");
		}
		Ok(())
	}
}

/// How many distinct values `v` holds.
fn distinct<A: Ord>(mut v: Vec<A>) -> u32 {
	v.sort_unstable();
	v.dedup();
	v.len() as u32
}

impl<T: Config> SegmentRegistry<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn sellable(segment: SegmentId) -> Result<(T::AccountId, BalanceOf<T>), PathError> {
		let r = Segments::<T>::get(segment).ok_or(PathError::UnknownSegment(segment))?;
		if r.status != SegmentStatus::Active {
			return Err(PathError::Quarantined(segment));
		}
		let price = r.spec.price_per_gib.ok_or(PathError::NotForSale(segment))?;
		if !available_at(&r.spec.windows, Self::utc_hour_now()) {
			return Err(PathError::Unavailable(segment));
		}
		Ok((r.operator, price))
	}

	fn operator(segment: SegmentId) -> Option<T::AccountId> {
		Segments::<T>::get(segment).map(|r| r.operator)
	}

	fn is_active(segment: SegmentId) -> bool {
		Segments::<T>::get(segment).is_some_and(|r| r.status == SegmentStatus::Active)
	}

	fn ticket_key(segment: SegmentId) -> Option<ditex_primitives::registry::TicketKey> {
		Segments::<T>::get(segment).map(|r| r.spec.ticket_key)
	}
}

impl<T: Config> StrikeSink for Pallet<T> {
	fn strike(segment: SegmentId, reason: StrikeReason) {
		Self::do_strike(segment, reason)
	}

	/// Leaving a full group with every pair measured is what `deregister` is benchmarked on.
	fn max_strike_weight() -> Weight {
		T::WeightInfo::deregister()
	}
}
