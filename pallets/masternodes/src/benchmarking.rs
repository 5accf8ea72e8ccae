//! Benchmarks of the master nodes' calls and session hooks, each in its worst case.
//!
//! Every benchmark first drops the genesis candidates (releasing their bonds), so it controls
//! the whole candidate list. Session keys come from [`Config::BenchmarkHelper`].

use super::*;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;
use pallet_authorship::EventHandler;

const SEED: u32 = 0;

/// The smallest bond plus `extra`.
fn bond_of<T: Config>(extra: u32) -> BalanceOf<T> {
	T::MasterNodeBond::get().saturating_add(extra.into())
}

/// A funded account.
fn funded<T: Config>(name: &'static str, n: u32) -> T::AccountId {
	let who: T::AccountId = account(name, n, SEED);
	let amount = T::MasterNodeBond::get()
		.saturating_mul(1_000u32.into())
		.saturating_add(1_000_000u32.into())
		.saturating_add(T::Currency::minimum_balance());
	T::Currency::set_balance(&who, amount);
	who
}

/// Drop every candidate and validator record.
fn reset<T: Config>() {
	for c in Candidates::<T>::take() {
		let _ =
			T::Currency::release_all(&HoldReason::MasterNode.into(), &c.who, Precision::BestEffort);
	}
	ActiveValidators::<T>::kill();
	QueuedValidators::<T>::kill();
}

/// A candidate `n` bonding `bond`, with session keys if `keys`, inserted as `bond` would.
fn add_candidate<T: Config>(n: u32, bond: BalanceOf<T>, keys: bool) -> T::AccountId {
	let who = funded::<T>("candidate", n);
	if keys {
		T::BenchmarkHelper::register_keys(&who);
	}
	T::Currency::hold(&HoldReason::MasterNode.into(), &who, bond).expect("funded");
	Candidates::<T>::mutate(|list| {
		let at = Pallet::<T>::position_for(list, bond);
		list.try_insert(at, CandidateInfo { who: who.clone(), bond, offline: None })
			.expect("at most MaxCandidates");
	});
	who
}

fn validators<T: Config>(n: u32) -> ValidatorsOf<T> {
	let list = Candidates::<T>::get();
	ValidatorsOf::<T>::truncate_from(
		list.iter().take(n as usize).map(|c| c.who.clone()).collect::<Vec<_>>(),
	)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Joining a list of `c` candidates at the top, every other candidate moving down; a full
	/// list (`c = MaxCandidates`) displaces its lowest.
	#[benchmark]
	fn bond(c: Linear<0, { T::MaxCandidates::get() }>) {
		reset::<T>();
		for i in 0..c {
			add_candidate::<T>(i, bond_of::<T>(1_000), true);
		}
		let who = funded::<T>("caller", 0);
		T::BenchmarkHelper::register_keys(&who);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), bond_of::<T>(2_000));
		assert_eq!(Candidates::<T>::get().first().map(|c| c.who.clone()), Some(who));
		if c == T::MaxCandidates::get() {
			assert!(Unbonding::<T>::contains_key(account::<T::AccountId>(
				"candidate",
				c - 1,
				SEED
			)));
		}
	}

	/// The last of `c` candidates moves to the top.
	#[benchmark]
	fn bond_extra(c: Linear<1, { T::MaxCandidates::get() }>) {
		reset::<T>();
		for i in 1..c {
			add_candidate::<T>(i, bond_of::<T>(1_000), true);
		}
		let who = add_candidate::<T>(0, T::MasterNodeBond::get(), true);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), bond_of::<T>(2_000));
		assert_eq!(Candidates::<T>::get().first().map(|c| c.who.clone()), Some(who));
	}

	/// The last of `c` candidates leaves; counting the eligible ones reads the keys of all.
	#[benchmark]
	fn leave(c: Linear<{ T::MinValidators::get() + 1 }, { T::MaxCandidates::get() }>) {
		reset::<T>();
		let keyless = c - T::MinValidators::get() - 1;
		for i in 0..keyless {
			add_candidate::<T>(i, bond_of::<T>(2_000), false);
		}
		for i in keyless..c - 1 {
			add_candidate::<T>(i, bond_of::<T>(1_000), true);
		}
		let who = add_candidate::<T>(c, T::MasterNodeBond::get(), true);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(Unbonding::<T>::contains_key(&who));
	}

	/// Withdrawing beside full active and next validator sets.
	#[benchmark]
	fn withdraw_unbonded() {
		reset::<T>();
		let max = T::MaxValidators::get();
		for i in 0..max {
			add_candidate::<T>(i, bond_of::<T>(1_000), true);
		}
		ActiveValidators::<T>::put(validators::<T>(max));
		QueuedValidators::<T>::put(validators::<T>(max));
		let who = add_candidate::<T>(max, T::MasterNodeBond::get(), true);
		Pallet::<T>::do_leave(who.clone()).expect("enough candidates stay");
		CurrentSession::<T>::mutate(|s| *s = s.saturating_add(T::UnbondingSessions::get()));
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Unbonding::<T>::contains_key(&who));
	}

	/// The last of `c` candidates, marked offline, rejoins.
	#[benchmark]
	fn rejoin(c: Linear<1, { T::MaxCandidates::get() }>) {
		reset::<T>();
		for i in 1..c {
			add_candidate::<T>(i, bond_of::<T>(1_000), true);
		}
		let who = add_candidate::<T>(0, T::MasterNodeBond::get(), true);
		Candidates::<T>::mutate(|list| {
			if let Some(last) = list.last_mut() {
				last.offline = Some(0);
			}
		});
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(Candidates::<T>::get().iter().all(|c| c.offline.is_none()));
	}

	#[benchmark]
	fn set_session_length() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let length: BlockNumberFor<T> = T::MaxValidators::get().saturating_mul(2).into();
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, length);
		assert_eq!(SessionLength::<T>::get(), length);
		Ok(())
	}

	/// Counting a block for an author that already has one.
	#[benchmark]
	fn note_author() {
		let who: T::AccountId = account("author", 0, SEED);
		let session = CurrentSession::<T>::get();
		AuthoredBlocks::<T>::insert(session, &who, 1);
		#[block]
		{
			<Pallet<T> as EventHandler<_, _>>::note_author(who.clone());
		}
		assert_eq!(AuthoredBlocks::<T>::get(session, &who), 2);
	}

	/// Planning from `c` candidates whose top ones have no keys, so every candidate is read,
	/// into a set that differs from the current one.
	#[benchmark]
	fn new_session(c: Linear<0, { T::MaxCandidates::get() }>) {
		reset::<T>();
		let v = c.min(T::MaxValidators::get());
		for i in 0..c - v {
			add_candidate::<T>(i, bond_of::<T>(2_000), false);
		}
		for i in c - v..c {
			add_candidate::<T>(i, bond_of::<T>(1_000), true);
		}
		let index = CurrentSession::<T>::get().saturating_add(2);
		#[block]
		{
			let _ = <Pallet<T> as SessionManager<T::AccountId>>::new_session(index);
		}
		if v >= T::MinValidators::get() {
			assert_eq!(QueuedValidators::<T>::get().len() as u32, v);
		}
	}

	/// Ending a session in which none of the `min(c, MaxValidators)` validators authored, so
	/// each is judged and as many as `MinValidators` allows are marked, and starting the next.
	#[benchmark]
	fn end_session(c: Linear<1, { T::MaxCandidates::get() }>) {
		reset::<T>();
		for i in 0..c {
			add_candidate::<T>(i, bond_of::<T>(1_000), true);
		}
		let v = c.min(T::MaxValidators::get());
		ActiveValidators::<T>::put(validators::<T>(v));
		QueuedValidators::<T>::put(validators::<T>(v));
		let index = CurrentSession::<T>::get();
		// The session has run its full length.
		frame_system::Pallet::<T>::set_block_number(Pallet::<T>::session_end());
		#[block]
		{
			<Pallet<T> as SessionManager<T::AccountId>>::end_session(index);
			<Pallet<T> as SessionManager<T::AccountId>>::start_session(index + 1);
		}
		let marked = Candidates::<T>::get().iter().filter(|c| c.offline.is_some()).count() as u32;
		assert_eq!(marked, v.min(c.saturating_sub(T::MinValidators::get())));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
