//! Benchmarks of the rewards pallet's calls and hooks, each in its worst case.
//!
//! They expect the pots to be seeded, as the genesis build does.

use super::*;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

fn min_vote<T: Config>() -> BalanceOf<T> {
	T::MinVote::get()
}

/// `n` times the smallest vote.
fn votes<T: Config>(n: u32) -> BalanceOf<T> {
	min_vote::<T>().saturating_mul(n.into())
}

/// A funded account.
fn funded<T: Config>(name: &'static str, n: u32) -> T::AccountId {
	let who: T::AccountId = account(name, n, 0);
	let amount = votes::<T>(1_000_000).saturating_add(T::Currency::minimum_balance());
	T::Currency::set_balance(&who, amount);
	who
}

/// The `i`-th wallet of the standings fillers.
fn wallet<T: Config>(i: u32) -> T::AccountId {
	account("wallet", i, 0)
}

/// List `n` wallets, each with its own voter, the `i`-th backed by `n − i + 1` smallest
/// votes: sorted, the last one at twice the smallest vote.
fn fill_standings<T: Config>(n: u32) {
	for i in 0..n {
		let voter = funded::<T>("filler", i);
		Pallet::<T>::do_set_vote(voter, wallet::<T>(i), votes::<T>(n - i + 1))
			.expect("funded voter");
	}
}

/// Put `amount` of fees into the pools.
fn fund_pools<T: Config>(amount: BalanceOf<T>) {
	Pallet::<T>::deposit_split(T::Currency::issue(amount));
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A new vote, the voter's last free slot, with a matured unlocking amount to release,
	/// for a wallet that enters a full standings list at the top.
	#[benchmark]
	fn vote() {
		fill_standings::<T>(T::MaxStandings::get());
		let who = funded::<T>("voter", 0);
		for i in 0..T::MaxVotes::get().saturating_sub(1) {
			Pallet::<T>::do_set_vote(who.clone(), wallet::<T>(i), min_vote::<T>())
				.expect("funded voter");
		}
		Voters::<T>::mutate(&who, |v| {
			let v = v.get_or_insert_with(Default::default);
			v.unlocking = min_vote::<T>();
			v.unlock_era = CurrentEra::<T>::get();
		});
		let frozen = Voters::<T>::get(&who).expect("stored").frozen();
		T::Currency::set_freeze(&FreezeReason::Voting.into(), &who, frozen).expect("one freeze");
		let target: T::AccountId = account("target", 0, 0);
		let amount = votes::<T>(T::MaxStandings::get() + 10);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), target.clone(), amount);

		assert_eq!(Standings::<T>::get().first().map(|(w, _)| w.clone()), Some(target));
		assert!(Voters::<T>::get(&who).expect("stored").unlocking.is_zero());
	}

	/// Removing the voter's last vote of `MaxVotes` after an era paid it, from the top of a
	/// full standings list: the wallet empties, its dust returns and it leaves the list.
	#[benchmark]
	fn unvote() {
		fill_standings::<T>(T::MaxStandings::get());
		let who = funded::<T>("voter", 0);
		for i in 0..T::MaxVotes::get().saturating_sub(1) {
			Pallet::<T>::do_set_vote(who.clone(), wallet::<T>(i), min_vote::<T>())
				.expect("funded voter");
		}
		let target: T::AccountId = account("target", 0, 0);
		Pallet::<T>::do_set_vote(
			who.clone(),
			target.clone(),
			votes::<T>(T::MaxStandings::get() + 10),
		)
		.expect("funded voter");
		fund_pools::<T>(votes::<T>(1_000));
		Pallet::<T>::do_end_era();
		assert!(!Wallets::<T>::get(&target).expect("voted").reward_per_stake.is_zero());

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), target.clone());

		assert!(Wallets::<T>::get(&target).is_none());
		assert!(!Voters::<T>::get(&who).expect("stored").pending.is_zero());
	}

	/// Claiming dividends earned by `v` votes, each for a winning wallet, and a validator
	/// reward.
	#[benchmark]
	fn claim(v: Linear<0, { T::MaxVotes::get() }>) {
		let who = funded::<T>("voter", 0);
		for i in 0..v {
			Pallet::<T>::do_set_vote(who.clone(), wallet::<T>(i), votes::<T>(100 + i))
				.expect("funded voter");
		}
		fund_pools::<T>(votes::<T>(1_000));
		Pallet::<T>::do_note_author(who.clone());
		Pallet::<T>::do_end_era();
		assert!(!Pallet::<T>::claimable(who.clone()).validator.is_zero());

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert_eq!(Pallet::<T>::claimable(who), Claimable::default());
	}

	/// Thawing a matured unlocking amount.
	#[benchmark]
	fn unlock() {
		let who = funded::<T>("voter", 0);
		Pallet::<T>::do_set_vote(who.clone(), wallet::<T>(0), votes::<T>(2)).expect("funded voter");
		Pallet::<T>::do_set_vote(who.clone(), wallet::<T>(0), votes::<T>(1)).expect("funded voter");
		let unlock_era = Voters::<T>::get(&who).expect("stored").unlock_era;
		CurrentEra::<T>::put(unlock_era);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(Voters::<T>::get(&who).expect("stored").unlocking.is_zero());
	}

	/// An unlisted wallet displacing the last of a full standings list.
	#[benchmark]
	fn refresh_standing() {
		let target: T::AccountId = account("target", 0, 0);
		let voter = funded::<T>("voter", 0);
		Pallet::<T>::do_set_vote(voter, target.clone(), votes::<T>(3)).expect("funded voter");
		Standings::<T>::mutate(|l| l.retain(|(w, _)| *w != target));
		fill_standings::<T>(T::MaxStandings::get());
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), target.clone());

		assert!(Standings::<T>::get().iter().any(|(w, _)| *w == target));
	}

	/// Counting a new author when all other slots are taken.
	#[benchmark]
	fn note_author() {
		let max = T::MaxAuthors::get();
		for i in 0..max.saturating_sub(1) {
			Pallet::<T>::do_note_author(account("author", i, 0));
		}
		let author: T::AccountId = account("author", max.saturating_sub(1), 0);

		#[block]
		{
			<Pallet<T> as pallet_authorship::EventHandler<_, _>>::note_author(author.clone());
		}

		assert_eq!(EraAuthors::<T>::get(&author), 1);
		assert_eq!(EraAuthors::<T>::count(), max);
	}

	/// Minting a block's subsidy into both pools.
	#[benchmark]
	fn mint_subsidy() {
		let amount = Pallet::<T>::subsidy_at(1u32.into()).max(votes::<T>(1_000));
		let issuance = T::Currency::total_issuance();

		#[block]
		{
			Pallet::<T>::do_mint_subsidy(amount);
		}

		assert_eq!(T::Currency::total_issuance(), issuance.saturating_add(amount));
	}

	/// An era end paying `a` authors and `w` winning wallets.
	#[benchmark]
	fn end_era(
		a: Linear<0, { T::MaxAuthors::get() }>,
		w: Linear<0, { T::DividendWinners::get() }>,
	) {
		fill_standings::<T>(w);
		for i in 0..a {
			Pallet::<T>::do_note_author(account("author", i, 0));
		}
		fund_pools::<T>(votes::<T>(1_000_000));
		let era = CurrentEra::<T>::get();

		#[block]
		{
			Pallet::<T>::do_end_era();
		}

		assert_eq!(CurrentEra::<T>::get(), era + 1);
		assert_eq!(EraAuthors::<T>::count(), 0);
		assert_eq!(ValidatorRewards::<T>::iter().count(), a as usize);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
