//! # Master Nodes Pallet
//!
//! The validator set of the ditex chain: master nodes join with a bond and their session keys
//! and leave with an unbonding delay, without anyone editing a chain spec. pallet-session drives
//! the authority changes of both Aura and GRANDPA; this pallet is its [`SessionManager`], its
//! [`ShouldEndSession`] and its [`EstimateNextSessionRotation`], and counts authored blocks as
//! pallet-authorship's [`EventHandler`](pallet_authorship::EventHandler).
//!
//! ## Overview
//!
//! - A **candidate** bonds at least [`Config::MasterNodeBond`] with [`Pallet::bond`]; the bond is
//!   a **hold** ([`HoldReason::MasterNode`]) on its account. It must have registered its session
//!   keys (Aura + GRANDPA) before, with pallet-session's own `set_keys(keys, proof)` call, the
//!   keys and proof coming from its node's `author_rotateKeysWithOwner` RPC (the owner being the
//!   SCALE-encoded account). Bonding without keys fails with [`Error::NoSessionKeys`]; a
//!   candidate that purges its keys later is simply skipped when the set is chosen. A candidate
//!   may add to its bond with [`Pallet::bond_extra`]. At most [`Config::MaxCandidates`] accounts
//!   are candidates; when the list is full, a bond above the lowest one **displaces** that
//!   candidate (the latest to reach the lowest bond), whose bond unbonds as if it had left
//!   ([`Event::Displaced`]), so the list cannot be filled with minimum bonds and closed.
//! - **Selection.** At every session change, pallet-session asks for the set of the session after
//!   the next one: the top [`Config::MaxValidators`] candidates by bond that have session keys
//!   and are not marked offline. Equal bonds rank by who reached that bond first. Should fewer
//!   than [`Config::MinValidators`] candidates be eligible, the current set continues
//!   ([`Event::ValidatorSetKept`]): the chain never halts for lack of validators. The genesis
//!   validators are ordinary candidates whose bonds the genesis holds.
//! - **Joining timeline.** pallet-session queues a planned set for one session before it becomes
//!   active, so a candidate that bonds (with keys set) during session `n` is planned at the
//!   change to `n + 1` and **validates from session `n + 2`** on. Aura's authorities change in
//!   the block of that session change; GRANDPA's set change is enacted when that block is
//!   finalized.
//! - **Leaving.** [`Pallet::leave`] ends the candidacy at once: the account is left out of every
//!   set planned from then on, so a validator that leaves in session `n` still validates in
//!   `n + 1` (already planned) and is out from `n + 2`. Its bond stays held and
//!   **unbonds**: [`Pallet::withdraw_unbonded`] releases it once [`Config::UnbondingSessions`]
//!   sessions have started since, and the account is in neither the active nor the planned set.
//!   Leaving twice fails with [`Error::AlreadyLeaving`]. A leave that would leave fewer than
//!   [`Config::MinValidators`] eligible candidates fails with [`Error::TooFewCandidates`].
//! - **Offline removal.** Every authored block is counted for its author and the current session.
//!   When a session ends, every validator that was in the active set for that session (sets
//!   change only at session boundaries, so for the whole session) and authored no block is
//!   **marked offline** ([`Event::MasterNodeOffline`]), unless that would leave fewer than
//!   [`Config::MinValidators`] eligible candidates. It is left out of the set planned at that
//!   same session change, so it loses its seat at the following change (it still sits in the
//!   session that was already planned). Its bond stays held; once its node runs again it calls
//!   [`Pallet::rejoin`] and is eligible at the next planning.
//! - **Session length.** Sessions last [`SessionLength`] blocks, set in the genesis and
//!   changeable by [`Config::AdminOrigin`] with [`Pallet::set_session_length`], so dev and local
//!   chains use short sessions (a minute) and production presets hours, with one runtime. A
//!   session lasts at least [`Config::MaxValidators`] blocks, so every Aura slot owner has at
//!   least one slot in it and an idle validator is told from an unlucky one.
//!
//! ## Runtime wiring
//!
//! pallet-session's `SessionManager`, `ShouldEndSession` and `NextSessionRotation` are this
//! pallet, its `ValidatorId` is the account id (`ValidatorIdOf = ConvertInto`), and this
//! pallet's [`Config::ValidatorRegistration`] is pallet-session. pallet-authorship's
//! `EventHandler` is this pallet, with `FindAuthor =
//! pallet_session::FindAccountFromAuthorIndex<Runtime, Aura>`. Order in the runtime: Balances,
//! Authorship, MasterNodes, Session, then Aura and GRANDPA: this pallet's genesis must hold the
//! bonds before pallet-session's genesis asks it for the first set, and pallet-authorship must
//! note a block's author (against the validators of the session that block belongs to) before
//! pallet-session rotates in the same block. Aura's and GRANDPA's genesis authorities are empty:
//! pallet-session's genesis fills them from its `keys`.

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
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{
	dispatch::DispatchClass,
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, InspectHold, Mutate, MutateHold},
		tokens::Precision,
		EstimateNextSessionRotation, ValidatorRegistration,
	},
};
use frame_system::pallet_prelude::*;
use pallet_session::{SessionManager, ShouldEndSession};
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{One, Saturating, Zero},
	Permill,
};
pub use sp_staking::SessionIndex;

const LOG_TARGET: &str = "runtime::masternodes";

/// The session length a chain starts with when its genesis does not say: an hour of 6-s blocks.
pub const DEFAULT_SESSION_LENGTH: u32 = 600;

/// The balance type of the currency bonds are held in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A candidate as stored.
pub type CandidateOf<T> = CandidateInfo<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

/// A validator set as stored.
pub type ValidatorsOf<T> =
	BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxValidators>;

/// A master node candidate.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct CandidateInfo<AccountId, Balance> {
	/// The candidate's account, which is also its validator id.
	pub who: AccountId,
	/// The bond held for it.
	pub bond: Balance,
	/// The session at whose end it was marked offline; it is not selected until it rejoins.
	pub offline: Option<SessionIndex>,
}

/// A bond on its way out.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct UnbondingInfo<Balance> {
	/// The amount still held.
	pub amount: Balance,
	/// The first session in which it may be withdrawn.
	pub unlock_at: SessionIndex,
}

/// Sets up what the benchmarks need from the session keys registry.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Make [`Config::ValidatorRegistration`] report `who` as having session keys.
	fn register_keys(who: &AccountId);
}

/// A [`BenchmarkHelper`] for runtimes whose [`Config::ValidatorRegistration`] is pallet-session
/// with `ValidatorId = AccountId`: it writes keys decoded from the account's bytes straight into
/// pallet-session's `NextKeys` (no ownership proof can be made up in a benchmark).
#[cfg(feature = "runtime-benchmarks")]
pub struct SessionKeysBenchmarkHelper<T>(core::marker::PhantomData<T>);

#[cfg(feature = "runtime-benchmarks")]
impl<T> BenchmarkHelper<<T as frame_system::Config>::AccountId> for SessionKeysBenchmarkHelper<T>
where
	T: pallet_session::Config<ValidatorId = <T as frame_system::Config>::AccountId>,
{
	fn register_keys(who: &<T as frame_system::Config>::AccountId) {
		let keys = <T as pallet_session::Config>::Keys::decode(
			&mut sp_runtime::traits::TrailingZeroInput::new(&who.encode()),
		)
		.expect("session keys decode from an infinite input; qed");
		pallet_session::NextKeys::<T>::insert(who, keys);
	}
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
		/// The currency bonds are held in.
		type Currency: Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ InspectHold<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Whether an account has session keys: pallet-session in the runtime.
		type ValidatorRegistration: ValidatorRegistration<Self::AccountId>;

		/// Who may change the session length.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The smallest bond of a candidate.
		#[pallet::constant]
		type MasterNodeBond: Get<BalanceOf<Self>>;

		/// Most candidates at once.
		#[pallet::constant]
		type MaxCandidates: Get<u32>;

		/// Most validators in a session.
		#[pallet::constant]
		type MaxValidators: Get<u32>;

		/// Fewest validators a new set may have; with fewer eligible candidates the current set
		/// continues, and nobody leaves or is marked offline below it. At least one.
		#[pallet::constant]
		type MinValidators: Get<u32>;

		/// Sessions after a leave before its bond may be withdrawn. At least one.
		#[pallet::constant]
		type UnbondingSessions: Get<SessionIndex>;

		/// Weight information for the calls and the session hooks.
		type WeightInfo: WeightInfo;

		/// Gives benchmark accounts session keys.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A master node's bond, while it is a candidate and while it unbonds.
		#[codec(index = 0)]
		MasterNode,
	}

	/// The candidates, highest bond first; equal bonds in the order they reached it.
	#[pallet::storage]
	pub type Candidates<T: Config> =
		StorageValue<_, BoundedVec<CandidateOf<T>, T::MaxCandidates>, ValueQuery>;

	/// Bonds of accounts that left, until they are withdrawn.
	#[pallet::storage]
	pub type Unbonding<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, UnbondingInfo<BalanceOf<T>>>;

	/// The validators of the current session, as pallet-session uses them.
	#[pallet::storage]
	pub type ActiveValidators<T: Config> = StorageValue<_, ValidatorsOf<T>, ValueQuery>;

	/// The validators of the next session, as pallet-session queued them.
	#[pallet::storage]
	pub type QueuedValidators<T: Config> = StorageValue<_, ValidatorsOf<T>, ValueQuery>;

	/// The index of the current session.
	#[pallet::storage]
	pub type CurrentSession<T> = StorageValue<_, SessionIndex, ValueQuery>;

	/// The block in which the current session started.
	#[pallet::storage]
	pub type SessionStart<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	#[pallet::type_value]
	pub fn DefaultSessionLength<T: Config>() -> BlockNumberFor<T> {
		DEFAULT_SESSION_LENGTH.into()
	}

	/// How many blocks a session lasts.
	#[pallet::storage]
	pub type SessionLength<T: Config> =
		StorageValue<_, BlockNumberFor<T>, ValueQuery, DefaultSessionLength<T>>;

	/// Blocks authored in a session, per author. Only the current session has entries.
	#[pallet::storage]
	pub type AuthoredBlocks<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		SessionIndex,
		Blake2_128Concat,
		T::AccountId,
		u32,
		ValueQuery,
	>;

	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// The genesis master nodes and their bonds, held at genesis. They are the genesis
		/// validators; pallet-session's genesis must give them their session keys.
		pub candidates: Vec<(T::AccountId, BalanceOf<T>)>,
		/// How many blocks a session lasts; at least [`Config::MaxValidators`].
		pub session_length: BlockNumberFor<T>,
	}

	impl<T: Config> Default for GenesisConfig<T> {
		fn default() -> Self {
			Self { candidates: Vec::new(), session_length: DEFAULT_SESSION_LENGTH.into() }
		}
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			assert!(
				self.session_length >= T::MaxValidators::get().into(),
				"a session must last at least MaxValidators blocks"
			);
			SessionLength::<T>::put(self.session_length);
			let mut list = BoundedVec::<CandidateOf<T>, T::MaxCandidates>::new();
			for (who, bond) in &self.candidates {
				assert!(
					*bond >= T::MasterNodeBond::get(),
					"a genesis bond is below MasterNodeBond"
				);
				assert!(!list.iter().any(|c| &c.who == who), "duplicate genesis master node");
				T::Currency::hold(&HoldReason::MasterNode.into(), who, *bond)
					.expect("a genesis master node must afford its bond");
				let at = Pallet::<T>::position_for(&list, *bond);
				list.try_insert(at, CandidateInfo { who: who.clone(), bond: *bond, offline: None })
					.expect("at most MaxCandidates genesis master nodes");
			}
			Candidates::<T>::put(list);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An account became a candidate.
		Bonded {
			/// The new candidate.
			who: T::AccountId,
			/// Its bond, now held.
			bond: BalanceOf<T>,
		},
		/// A candidate added to its bond.
		BondedExtra {
			/// The candidate.
			who: T::AccountId,
			/// What was added and held.
			amount: BalanceOf<T>,
			/// Its whole bond now.
			bond: BalanceOf<T>,
		},
		/// A candidate left; its bond unbonds.
		Leaving {
			/// The former candidate.
			who: T::AccountId,
			/// Its bond, still held.
			bond: BalanceOf<T>,
			/// The first session in which it may be withdrawn.
			unlock_at: SessionIndex,
		},
		/// A higher bond took the place of the lowest candidate of a full list; the displaced
		/// bond unbonds as if it had left.
		Displaced {
			/// The former candidate.
			who: T::AccountId,
			/// Its bond, still held.
			bond: BalanceOf<T>,
			/// The candidate that took its place.
			by: T::AccountId,
			/// The first session in which it may be withdrawn.
			unlock_at: SessionIndex,
		},
		/// An unbonded bond was released.
		Withdrawn {
			/// The former candidate.
			who: T::AccountId,
			/// The amount released.
			amount: BalanceOf<T>,
		},
		/// A new validator set was planned; it becomes active one session change later.
		NewValidatorSet {
			/// The session it is for.
			session: SessionIndex,
			/// Its validators, highest bond first.
			validators: ValidatorsOf<T>,
		},
		/// Too few candidates were eligible, so the current set continues into `session`.
		ValidatorSetKept {
			/// The session being planned.
			session: SessionIndex,
			/// How many candidates were eligible.
			eligible: u32,
		},
		/// A validator authored no block in a whole session; it is not selected until it rejoins.
		MasterNodeOffline {
			/// The validator.
			who: T::AccountId,
			/// The session it authored nothing in.
			session: SessionIndex,
		},
		/// A candidate marked offline is eligible again.
		Rejoined {
			/// The candidate.
			who: T::AccountId,
		},
		/// The session length changed.
		SessionLengthSet {
			/// The new length in blocks.
			length: BlockNumberFor<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The bond is below `MasterNodeBond`.
		BelowMinimumBond,
		/// The account is already a candidate.
		AlreadyCandidate,
		/// The account is not a candidate.
		NotCandidate,
		/// The account has already left and its bond is unbonding.
		AlreadyLeaving,
		/// The account has no session keys: call `session.set_keys` first.
		NoSessionKeys,
		/// The candidate list is full and the bond is not above its lowest.
		TooManyCandidates,
		/// Leaving would leave fewer than `MinValidators` eligible candidates.
		TooFewCandidates,
		/// The account's earlier bond is still unbonding (or not yet withdrawn).
		StillUnbonding,
		/// The account is still in the active or the next validator set.
		StillValidating,
		/// The account has no unbonding bond.
		NothingToWithdraw,
		/// The candidate is not marked offline.
		NotOffline,
		/// The amount is zero.
		ZeroAmount,
		/// The account cannot hold that much.
		InsufficientBalance,
		/// A session must last at least `MaxValidators` blocks.
		SessionTooShort,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			let (min, max, cap) =
				(T::MinValidators::get(), T::MaxValidators::get(), T::MaxCandidates::get());
			assert!(min >= 1, "MinValidators must be at least one: a chain needs an author");
			assert!(min <= max, "MinValidators must not exceed MaxValidators");
			assert!(max <= cap, "MaxValidators must not exceed MaxCandidates");
			assert!(T::UnbondingSessions::get() >= 1, "a leaver's bond must unbond for a session");
			assert!(!T::MasterNodeBond::get().is_zero(), "a master node must bond something");
			assert!(DEFAULT_SESSION_LENGTH >= max, "the default session is shorter than the set");
			let block = <T as frame_system::Config>::BlockWeights::get().max_block;
			let worst = [
				T::WeightInfo::new_session(cap)
					.saturating_add(T::WeightInfo::end_session(cap))
					.saturating_add(T::WeightInfo::note_author()),
				T::WeightInfo::bond(cap),
				T::WeightInfo::bond_extra(cap),
				T::WeightInfo::leave(cap),
				T::WeightInfo::withdraw_unbonded(),
				T::WeightInfo::rejoin(cap),
				T::WeightInfo::set_session_length(),
			];
			for w in worst {
				assert!(
					w.all_lte(block),
					"a worst case of pallet-masternodes exceeds a block: {w:?}"
				);
			}
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Become a candidate, holding `amount` (at least [`Config::MasterNodeBond`]) from the
		/// caller, which must have set its session keys. Bonding in session `n` makes it a
		/// validator from session `n + 2` if its bond ranks in the top
		/// [`Config::MaxValidators`]. On a full list the bond must exceed the lowest, whose
		/// candidate it displaces.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::bond(T::MaxCandidates::get()))]
		pub fn bond(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_bond(who, amount)
		}

		/// Add `amount` to the caller's bond.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::bond_extra(T::MaxCandidates::get()))]
		pub fn bond_extra(
			origin: OriginFor<T>,
			amount: BalanceOf<T>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_bond_extra(who, amount)
		}

		/// Stop being a candidate. The caller is left out of every set planned from now on; its
		/// bond stays held and may be withdrawn after [`Config::UnbondingSessions`] sessions.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::leave(T::MaxCandidates::get()))]
		pub fn leave(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_leave(who)
		}

		/// Release the caller's unbonded bond, once its unbonding delay has passed and the caller
		/// is in neither the active nor the next validator set.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded())]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw_unbonded(who)
		}

		/// Make the caller, a candidate marked offline, eligible again from the next planning.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::rejoin(T::MaxCandidates::get()))]
		pub fn rejoin(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_rejoin(who)
		}

		/// Set how many blocks a session lasts (at least [`Config::MaxValidators`]). It applies
		/// at once: the current session ends `length` blocks after it started, or in the next
		/// block if that is past.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::set_session_length())]
		pub fn set_session_length(
			origin: OriginFor<T>,
			length: BlockNumberFor<T>,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(length >= T::MaxValidators::get().into(), Error::<T>::SessionTooShort);
			SessionLength::<T>::put(length);
			Self::deposit_event(Event::SessionLengthSet { length });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Where a bond of `bond` goes in a list sorted highest bond first: after every candidate
	/// with at least as much, so equal bonds keep the order they reached it in.
	fn position_for(list: &[CandidateOf<T>], bond: BalanceOf<T>) -> usize {
		list.partition_point(|c| c.bond >= bond)
	}

	/// Whether a candidate may be selected: not marked offline and with session keys.
	fn is_eligible(c: &CandidateOf<T>) -> bool {
		c.offline.is_none() && T::ValidatorRegistration::is_registered(&c.who)
	}

	/// Whether more than `MinValidators` candidates of `list` are eligible.
	fn above_minimum(list: &[CandidateOf<T>]) -> bool {
		let min = T::MinValidators::get() as usize;
		list.iter().filter(|c| Self::is_eligible(c)).take(min + 1).count() > min
	}

	/// The top `MaxValidators` eligible candidates, highest bond first.
	pub fn select(list: &[CandidateOf<T>]) -> Vec<T::AccountId> {
		list.iter()
			.filter(|c| Self::is_eligible(c))
			.take(T::MaxValidators::get() as usize)
			.map(|c| c.who.clone())
			.collect()
	}

	/// What this pallet holds of `who`.
	#[cfg(any(feature = "try-runtime", test))]
	fn held(who: &T::AccountId) -> BalanceOf<T> {
		T::Currency::balance_on_hold(&HoldReason::MasterNode.into(), who)
	}

	/// Become a candidate with `amount` held.
	pub fn do_bond(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResultWithPostInfo {
		ensure!(amount >= T::MasterNodeBond::get(), Error::<T>::BelowMinimumBond);
		let mut list = Candidates::<T>::get();
		ensure!(!list.iter().any(|c| c.who == who), Error::<T>::AlreadyCandidate);
		ensure!(!Unbonding::<T>::contains_key(&who), Error::<T>::StillUnbonding);
		ensure!(T::ValidatorRegistration::is_registered(&who), Error::<T>::NoSessionKeys);
		let len = list.len() as u32;
		// A full list makes room for a higher bond by displacing its lowest candidate;
		// otherwise minimum bonds could fill it once and close it to everyone after.
		let displaced = if len < T::MaxCandidates::get() {
			None
		} else {
			let lowest = list.last().map(|c| c.bond);
			ensure!(lowest.is_some_and(|b| amount > b), Error::<T>::TooManyCandidates);
			list.pop()
		};
		T::Currency::hold(&HoldReason::MasterNode.into(), &who, amount)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		let at = Self::position_for(&list, amount);
		list.try_insert(at, CandidateInfo { who: who.clone(), bond: amount, offline: None })
			.map_err(|_| Error::<T>::TooManyCandidates)?;
		Candidates::<T>::put(list);
		Self::deposit_event(Event::Bonded { who: who.clone(), bond: amount });
		if let Some(out) = displaced {
			let unlock_at = Self::unbond(&out.who, out.bond);
			Self::deposit_event(Event::Displaced {
				who: out.who,
				bond: out.bond,
				by: who,
				unlock_at,
			});
		}
		Ok(Some(T::WeightInfo::bond(len)).into())
	}

	/// Start unbonding `bond` of a former candidate; returns the first session in which it may
	/// be withdrawn.
	fn unbond(who: &T::AccountId, bond: BalanceOf<T>) -> SessionIndex {
		let unlock_at = CurrentSession::<T>::get().saturating_add(T::UnbondingSessions::get());
		Unbonding::<T>::insert(who, UnbondingInfo { amount: bond, unlock_at });
		unlock_at
	}

	/// Hold `amount` more for a candidate and move it up the list.
	pub fn do_bond_extra(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResultWithPostInfo {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let mut list = Candidates::<T>::get();
		let len = list.len() as u32;
		let i = list.iter().position(|c| c.who == who).ok_or(Error::<T>::NotCandidate)?;
		T::Currency::hold(&HoldReason::MasterNode.into(), &who, amount)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		let mut c = list.remove(i);
		c.bond = c.bond.saturating_add(amount);
		let bond = c.bond;
		let at = Self::position_for(&list, bond);
		list.try_insert(at, c).map_err(|_| Error::<T>::TooManyCandidates)?;
		Candidates::<T>::put(list);
		Self::deposit_event(Event::BondedExtra { who, amount, bond });
		Ok(Some(T::WeightInfo::bond_extra(len)).into())
	}

	/// End a candidacy; its bond starts unbonding.
	pub fn do_leave(who: T::AccountId) -> DispatchResultWithPostInfo {
		let mut list = Candidates::<T>::get();
		let len = list.len() as u32;
		let Some(i) = list.iter().position(|c| c.who == who) else {
			if Unbonding::<T>::contains_key(&who) {
				return Err(Error::<T>::AlreadyLeaving.into());
			}
			return Err(Error::<T>::NotCandidate.into());
		};
		if Self::is_eligible(&list[i]) {
			ensure!(Self::above_minimum(&list), Error::<T>::TooFewCandidates);
		}
		let c = list.remove(i);
		let unlock_at = Self::unbond(&who, c.bond);
		Candidates::<T>::put(list);
		Self::deposit_event(Event::Leaving { who, bond: c.bond, unlock_at });
		Ok(Some(T::WeightInfo::leave(len)).into())
	}

	/// Release an unbonded bond.
	pub fn do_withdraw_unbonded(who: T::AccountId) -> DispatchResult {
		let info = Unbonding::<T>::get(&who).ok_or(Error::<T>::NothingToWithdraw)?;
		ensure!(CurrentSession::<T>::get() >= info.unlock_at, Error::<T>::StillUnbonding);
		ensure!(
			!ActiveValidators::<T>::get().contains(&who)
				&& !QueuedValidators::<T>::get().contains(&who),
			Error::<T>::StillValidating
		);
		let amount = T::Currency::release(
			&HoldReason::MasterNode.into(),
			&who,
			info.amount,
			Precision::Exact,
		)?;
		Unbonding::<T>::remove(&who);
		Self::deposit_event(Event::Withdrawn { who, amount });
		Ok(())
	}

	/// Clear a candidate's offline mark.
	pub fn do_rejoin(who: T::AccountId) -> DispatchResultWithPostInfo {
		let mut list = Candidates::<T>::get();
		let len = list.len() as u32;
		let c = list.iter_mut().find(|c| c.who == who).ok_or(Error::<T>::NotCandidate)?;
		ensure!(c.offline.is_some(), Error::<T>::NotOffline);
		ensure!(T::ValidatorRegistration::is_registered(&who), Error::<T>::NoSessionKeys);
		c.offline = None;
		Candidates::<T>::put(list);
		Self::deposit_event(Event::Rejoined { who });
		Ok(Some(T::WeightInfo::rejoin(len)).into())
	}

	/// Plan the set of session `index`. `None` tells pallet-session to keep the current set
	/// (minus validators without keys); whatever it will use is recorded in
	/// [`QueuedValidators`].
	pub fn plan_session(index: SessionIndex) -> Option<Vec<T::AccountId>> {
		let selected = Self::select(&Candidates::<T>::get());
		let active = ActiveValidators::<T>::get();
		if selected.len() < T::MinValidators::get() as usize {
			log::warn!(
				target: LOG_TARGET,
				"only {} eligible master nodes for session {index}: keeping the current set",
				selected.len(),
			);
			let kept: Vec<T::AccountId> =
				active.into_iter().filter(T::ValidatorRegistration::is_registered).collect();
			QueuedValidators::<T>::put(BoundedVec::truncate_from(kept));
			Self::deposit_event(Event::ValidatorSetKept {
				session: index,
				eligible: selected.len() as u32,
			});
			return None;
		}
		if selected.as_slice() == active.as_slice() {
			QueuedValidators::<T>::put(active);
			return None;
		}
		let validators = ValidatorsOf::<T>::truncate_from(selected.clone());
		QueuedValidators::<T>::put(validators.clone());
		Self::deposit_event(Event::NewValidatorSet { session: index, validators });
		Some(selected)
	}

	/// Record the start of session `index`: the queued set becomes the active one.
	pub fn start(index: SessionIndex) {
		CurrentSession::<T>::put(index);
		SessionStart::<T>::put(frame_system::Pallet::<T>::block_number());
		ActiveValidators::<T>::put(QueuedValidators::<T>::get());
	}

	/// Judge session `index` as it ends: mark the validators that authored nothing in it.
	pub fn end(index: SessionIndex) {
		let active = ActiveValidators::<T>::get();
		// The session ran from the block after its start to this one. With fewer blocks than
		// validators some had no slot, so nobody is judged (sessions last at least
		// `MaxValidators` blocks; this only guards a runtime upgrade that raised it).
		let now = frame_system::Pallet::<T>::block_number();
		let blocks = now.saturating_sub(SessionStart::<T>::get());
		if blocks < (active.len() as u32).into() {
			log::warn!(target: LOG_TARGET, "session {index} had fewer blocks than validators");
			let _ = AuthoredBlocks::<T>::clear_prefix(index, T::MaxValidators::get(), None);
			return;
		}
		let mut list = Candidates::<T>::get();
		let min = T::MinValidators::get() as usize;
		let mut eligible = list.iter().filter(|c| Self::is_eligible(c)).count();
		let mut changed = false;
		for v in active {
			if AuthoredBlocks::<T>::get(index, &v) > 0 {
				continue;
			}
			// A leaver is judged no more; one already marked stays marked.
			let Some(c) = list.iter_mut().find(|c| c.who == v && c.offline.is_none()) else {
				continue;
			};
			let counted = T::ValidatorRegistration::is_registered(&v);
			if counted && eligible <= min {
				log::warn!(
					target: LOG_TARGET,
					"{v:?} authored nothing in session {index}, but is needed for MinValidators",
				);
				continue;
			}
			c.offline = Some(index);
			if counted {
				eligible -= 1;
			}
			changed = true;
			Self::deposit_event(Event::MasterNodeOffline { who: v, session: index });
		}
		if changed {
			Candidates::<T>::put(list);
		}
		// At most one entry per author of the session, all from the session's validators.
		let _ = AuthoredBlocks::<T>::clear_prefix(index, T::MaxValidators::get(), None);
	}

	/// The block in which the current session ends, if nothing ended it earlier.
	pub fn session_end() -> BlockNumberFor<T> {
		SessionStart::<T>::get().saturating_add(SessionLength::<T>::get())
	}

	/// Whether the state is consistent: the candidate list is sorted by bond without duplicates,
	/// every candidate's and unbonding account's hold equals its recorded bond, nobody is both,
	/// every validator of the active and the next set has a bond (is a candidate or unbonding),
	/// sessions last at least `MaxValidators` blocks, and only the current session has authored
	/// block counts.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let list = Candidates::<T>::get();
		ensure!(list.windows(2).all(|w| w[0].bond >= w[1].bond), "candidates not sorted by bond");
		for (i, c) in list.iter().enumerate() {
			ensure!(!list[..i].iter().any(|d| d.who == c.who), "duplicate candidate");
			ensure!(!Unbonding::<T>::contains_key(&c.who), "a candidate is also unbonding");
			ensure!(Self::held(&c.who) == c.bond, "candidate hold != bond");
		}
		for (who, u) in Unbonding::<T>::iter() {
			ensure!(Self::held(&who) == u.amount, "unbonding hold != amount");
		}
		for set in [ActiveValidators::<T>::get(), QueuedValidators::<T>::get()] {
			for (i, v) in set.iter().enumerate() {
				ensure!(!set[..i].contains(v), "duplicate validator");
				ensure!(
					list.iter().any(|c| &c.who == v) || Unbonding::<T>::contains_key(v),
					"a validator has no bond"
				);
			}
		}
		ensure!(
			SessionLength::<T>::get() >= T::MaxValidators::get().into(),
			"session shorter than MaxValidators blocks"
		);
		let current = CurrentSession::<T>::get();
		ensure!(
			AuthoredBlocks::<T>::iter_keys().all(|(s, _)| s == current),
			"authored blocks counted for another session"
		);
		Ok(())
	}
}

impl<T: Config> SessionManager<T::AccountId> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		let candidates = Candidates::<T>::decode_len().unwrap_or(0) as u32;
		frame_system::Pallet::<T>::register_extra_weight_unchecked(
			T::WeightInfo::new_session(candidates),
			DispatchClass::Mandatory,
		);
		Self::plan_session(new_index)
	}

	fn new_session_genesis(_new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		let selected = Self::select(&Candidates::<T>::get());
		if selected.is_empty() {
			log::warn!(
				target: LOG_TARGET,
				"no genesis master node has session keys: pallet-session uses its genesis keys",
			);
			QueuedValidators::<T>::kill();
			return None;
		}
		QueuedValidators::<T>::put(ValidatorsOf::<T>::truncate_from(selected.clone()));
		Some(selected)
	}

	fn end_session(end_index: SessionIndex) {
		let candidates = Candidates::<T>::decode_len().unwrap_or(0) as u32;
		frame_system::Pallet::<T>::register_extra_weight_unchecked(
			T::WeightInfo::end_session(candidates),
			DispatchClass::Mandatory,
		);
		Self::end(end_index)
	}

	fn start_session(start_index: SessionIndex) {
		Self::start(start_index)
	}
}

impl<T: Config> ShouldEndSession<BlockNumberFor<T>> for Pallet<T> {
	fn should_end_session(now: BlockNumberFor<T>) -> bool {
		now >= Self::session_end()
	}
}

impl<T: Config> EstimateNextSessionRotation<BlockNumberFor<T>> for Pallet<T> {
	fn average_session_length() -> BlockNumberFor<T> {
		SessionLength::<T>::get()
	}

	/// The share of the current session's blocks up to and including `now`.
	fn estimate_current_session_progress(now: BlockNumberFor<T>) -> (Option<Permill>, Weight) {
		let length = SessionLength::<T>::get();
		let done =
			now.saturating_sub(SessionStart::<T>::get()).saturating_add(One::one()).min(length);
		(Some(Permill::from_rational(done, length)), T::DbWeight::get().reads(2))
	}

	/// The block whose `on_initialize` starts the next session, seen after `now`'s.
	fn estimate_next_session_rotation(
		now: BlockNumberFor<T>,
	) -> (Option<BlockNumberFor<T>>, Weight) {
		let at = Self::session_end().max(now.saturating_add(One::one()));
		(Some(at), T::DbWeight::get().reads(2))
	}
}

impl<T: Config> pallet_authorship::EventHandler<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
	fn note_author(author: T::AccountId) {
		AuthoredBlocks::<T>::mutate(CurrentSession::<T>::get(), author, |n| {
			*n = n.saturating_add(1)
		});
		frame_system::Pallet::<T>::register_extra_weight_unchecked(
			T::WeightInfo::note_author(),
			DispatchClass::Mandatory,
		);
	}
}
