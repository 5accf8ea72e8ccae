//! Unit tests of the rewards pallet on the mock runtime.

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{Balanced as _, Inspect as _, InspectFreeze as _},
		tokens::{Fortitude, Precision, Preservation},
		Hooks, OnUnbalanced,
	},
};
use sp_runtime::TokenError;

/// Pays the fees in these tests.
const PAYER: AccountId = FUNDED;

/// Hand `amount` of fees, taken from [`PAYER`], to the fee split; issuance does not change.
fn pay_fees(amount: Balance) {
	let credit = Balances::withdraw(
		&PAYER,
		amount,
		Precision::Exact,
		Preservation::Preserve,
		Fortitude::Polite,
	)
	.unwrap();
	FeeSplit::<Test>::on_unbalanced(credit);
}

fn pot_balances() -> (Balance, Balance) {
	(Balances::balance(&validator_pot()), Balances::balance(&dividend_pot()))
}

fn frozen(who: AccountId) -> Balance {
	Balances::balance_frozen(&FreezeReason::Voting.into(), &who)
}

fn vote(who: AccountId, wallet: AccountId, amount: Balance) -> DispatchResult {
	Rewards::vote(RuntimeOrigin::signed(who), wallet, amount)
}

fn backing(wallet: AccountId) -> Balance {
	Wallets::<Test>::get(wallet).map(|w| w.backing).unwrap_or_default()
}

fn listed() -> Vec<(AccountId, Balance)> {
	Standings::<Test>::get().into_inner()
}

/// End the era in progress (run to its last block with no authors).
fn end_era() {
	let era = CurrentEra::<Test>::get();
	let n = (System::block_number() / ERA + 1) * ERA;
	run_to_block(n);
	assert_eq!(CurrentEra::<Test>::get(), era + 1);
}

mod genesis {
	use super::*;

	#[test]
	fn pots_are_seeded_with_the_existential_deposit() {
		build_and_execute(|| {
			assert_ne!(validator_pot(), dividend_pot());
			assert_eq!(pot_balances(), (ED, ED));
			assert_eq!(Ledgers::<Test>::get(Pool::Validator).seed, ED);
			assert_eq!(Ledgers::<Test>::get(Pool::Dividend).seed, ED);
			assert_eq!(Balances::total_issuance(), FUNDED * ENDOWMENT + 2 * ED);
			assert_eq!(Rewards::distributable(Pool::Validator), 0);
			assert_eq!(Rewards::distributable(Pool::Dividend), 0);
		});
	}

	#[test]
	fn integrity_test_passes() {
		new_test_ext().execute_with(|| {
			<Rewards as Hooks<u64>>::integrity_test();
		});
	}
}

mod fees {
	use super::*;

	#[test]
	fn split_25_75_to_the_unit() {
		build_and_execute(|| {
			// Events are recorded from block 1.
			run_to_block(1);
			let issuance = Balances::total_issuance();
			// (fee, to validators, to dividends): the validator pool gets the share rounded
			// down, the dividend pool the rest, so the odd unit goes to the dividend pool.
			for (fee, v, d) in [
				(100, 25, 75),
				(1, 0, 1),
				(2, 0, 2),
				(3, 0, 3),
				(4, 1, 3),
				(7, 1, 6),
				(9, 2, 7),
				(1_001, 250, 751),
				(1_003, 250, 753),
			] {
				let (v0, d0) = pot_balances();
				pay_fees(fee);
				let (v1, d1) = pot_balances();
				assert_eq!((v1 - v0, d1 - d0), (v, d), "fee {fee}");
				System::assert_last_event(Event::FeesReceived { validator: v, dividend: d }.into());
			}
			assert_eq!(Balances::total_issuance(), issuance, "fees change no issuance");
			let total: Balance = 100 + 1 + 2 + 3 + 4 + 7 + 9 + 1_001 + 1_003;
			let v = Ledgers::<Test>::get(Pool::Validator).inflow;
			let d = Ledgers::<Test>::get(Pool::Dividend).inflow;
			assert_eq!(v + d, total);
			assert_eq!((v, d), (25 + 1 + 1 + 2 + 250 + 250, total - 529));
		});
	}

	#[test]
	fn credits_below_the_existential_deposit_are_received() {
		build_and_execute(|| {
			assert!(3 < ED);
			pay_fees(3);
			assert_eq!(pot_balances(), (ED, ED + 3));
			assert_eq!(Rewards::distributable(Pool::Dividend), 3);
		});
	}

	#[test]
	fn fee_and_tip_are_split_together() {
		build_and_execute(|| {
			// As transaction-payment's FungibleAdapter hands them over: the fee, then the tip.
			let fee = Balances::withdraw(
				&PAYER,
				7,
				Precision::Exact,
				Preservation::Preserve,
				Fortitude::Polite,
			)
			.unwrap();
			let tip = Balances::withdraw(
				&PAYER,
				6,
				Precision::Exact,
				Preservation::Preserve,
				Fortitude::Polite,
			)
			.unwrap();
			FeeSplit::<Test>::on_unbalanceds([fee, tip].into_iter());
			assert_eq!(pot_balances(), (ED + 3, ED + 10));
		});
	}
}

mod subsidy {
	use super::*;

	const THREE_YEARS: u128 = 15_768_000;

	#[test]
	fn schedule_at_start_middle_end_and_after() {
		build_and_execute_with_subsidy(|| {
			// The mock: 1_000 falling by 10 a block over 100 blocks.
			assert_eq!(Rewards::subsidy_at(0), 0);
			assert_eq!(Rewards::subsidy_at(1), 1_000);
			assert_eq!(Rewards::subsidy_at(2), 990);
			assert_eq!(Rewards::subsidy_at(50), 510);
			assert_eq!(Rewards::subsidy_at(51), 500);
			assert_eq!(Rewards::subsidy_at(100), 10);
			assert_eq!(Rewards::subsidy_at(101), 0);
			assert_eq!(Rewards::subsidy_at(u64::MAX), 0);
		});
		// The runtime's three years of 6-s blocks.
		let s = 634_000 * THREE_YEARS;
		assert_eq!(subsidy_schedule(s, THREE_YEARS, 0), 0);
		assert_eq!(subsidy_schedule(s, THREE_YEARS, 1), s);
		assert_eq!(subsidy_schedule(s, THREE_YEARS, THREE_YEARS / 2 + 1), s / 2);
		assert_eq!(subsidy_schedule(s, THREE_YEARS, THREE_YEARS), 634_000);
		assert_eq!(subsidy_schedule(s, THREE_YEARS, THREE_YEARS + 1), 0);
		assert_eq!(subsidy_schedule(s, THREE_YEARS, 10 * THREE_YEARS), 0);
		assert_eq!(subsidy_total(s, THREE_YEARS), s * (THREE_YEARS + 1) / 2);
	}

	#[test]
	fn total_matches_the_published_formula() {
		for (s, d) in
			[(1_000, 100), (7, 3), (1, 2), (3, 2), (10, 7), (999, 1_000), (12, 12), (5, 1)]
		{
			let sum: u128 = (1..=d + 5).map(|n| subsidy_schedule(s, d, n)).sum();
			assert_eq!(sum, subsidy_total(s, d), "S = {s}, D = {d}");
			// Never increases, ends at zero.
			assert!((1..=d).all(|n| subsidy_schedule(s, d, n) >= subsidy_schedule(s, d, n + 1)));
		}
		assert_eq!(subsidy_total(1_000, 100), 50_500);
		assert_eq!(subsidy_total(0, 100), 0);
	}

	#[test]
	fn issuance_changes_by_exactly_the_schedule() {
		build_and_execute_with_subsidy(|| {
			let start = Balances::total_issuance();
			let mut minted = 0;
			for n in 1..=120u64 {
				let before = Balances::total_issuance();
				let (v0, d0) = pot_balances();
				next_block(None);
				let s = Rewards::subsidy_at(n);
				minted += s;
				assert_eq!(Balances::total_issuance() - before, s, "block {n}");
				let (v1, d1) = pot_balances();
				assert_eq!(v1 - v0, s / 4, "block {n}");
				assert_eq!(d1 - d0, s - s / 4, "block {n}");
				if n == 1 {
					System::assert_has_event(
						Event::SubsidyMinted { amount: 1_000, validator: 250, dividend: 750 }
							.into(),
					);
				}
			}
			assert_eq!(minted, subsidy_total(START_SUBSIDY, SUBSIDY_BLOCKS as u128));
			assert_eq!(Balances::total_issuance(), start + 50_500);
			// Nothing after three "years".
			let after = Balances::total_issuance();
			run_to_block(200);
			assert_eq!(Balances::total_issuance(), after);
		});
	}
}

mod validator_payout {
	use super::*;

	const A: AccountId = 101;
	const B: AccountId = 102;
	const C: AccountId = 103;

	#[test]
	fn era_pays_authors_in_proportion_to_blocks() {
		build_and_execute(|| {
			// 4_004 in fees: 1_001 to the validator pool.
			pay_fees(4_004);
			assert_eq!(Rewards::distributable(Pool::Validator), 1_001);
			// Blocks 1..=10: A six, B three, C one; block 10 ends era 0.
			for author in [A, A, B, A, B, A, C, A, B, A] {
				next_block(Some(author));
			}
			assert_eq!(CurrentEra::<Test>::get(), 1);
			assert_eq!(ValidatorRewards::<Test>::get(A), 600);
			assert_eq!(ValidatorRewards::<Test>::get(B), 300);
			assert_eq!(ValidatorRewards::<Test>::get(C), 100);
			System::assert_has_event(
				Event::AuthorRewarded { era: 0, author: A, blocks: 6, amount: 600 }.into(),
			);
			System::assert_has_event(
				Event::EraEnded {
					era: 0,
					blocks: 10,
					validator_allocated: 1_000,
					dividend_allocated: 0,
				}
				.into(),
			);
			// The remainder stays in the pool; what is owed is not handed out again.
			assert_eq!(Ledgers::<Test>::get(Pool::Validator).owed, 1_000);
			assert_eq!(Rewards::distributable(Pool::Validator), 1);
			assert_eq!(EraAuthors::<Test>::count(), 0);
			assert_eq!(EraBlocks::<Test>::get(), 0);

			// Era 1: only C authors; only the remainder and new fees are distributable.
			pay_fees(400);
			for _ in 0..10 {
				next_block(Some(C));
			}
			assert_eq!(ValidatorRewards::<Test>::get(C), 100 + 101);
			assert_eq!(ValidatorRewards::<Test>::get(A), 600);

			// Claims pay from the validator pool, once.
			let a0 = Balances::balance(&A);
			assert_ok!(Rewards::claim(RuntimeOrigin::signed(A)));
			assert_eq!(Balances::balance(&A), a0 + 600);
			System::assert_last_event(
				Event::Claimed { who: A, dividend: 0, validator: 600 }.into(),
			);
			assert_noop!(Rewards::claim(RuntimeOrigin::signed(A)), Error::<Test>::NothingToClaim);
			assert_ok!(Rewards::claim(RuntimeOrigin::signed(C)));
			assert_eq!(Balances::balance(&C), a0 + 201);
			assert_eq!(Balances::balance(&validator_pot()), ED + 300);
		});
	}

	#[test]
	fn subsidy_reaches_authors() {
		build_and_execute_with_subsidy(|| {
			for _ in 0..ERA {
				next_block(Some(A));
			}
			// Blocks 1..=10 minted 1_000 + 990 + … + 910 = 9_550; a quarter (rounded down per
			// block) went to the validator pool.
			let minted: Balance = (1..=10).map(Rewards::subsidy_at).sum();
			assert_eq!(minted, 9_550);
			let to_validators: Balance = (1..=10).map(|n| Rewards::subsidy_at(n) / 4).sum();
			assert_eq!(ValidatorRewards::<Test>::get(A), to_validators);
		});
	}

	#[test]
	fn at_most_max_authors_are_counted() {
		build_and_execute(|| {
			for a in 0..MAX_AUTHORS as u128 + 1 {
				next_block(Some(200 + a));
			}
			assert_eq!(EraAuthors::<Test>::count(), MAX_AUTHORS);
			assert_eq!(EraBlocks::<Test>::get(), MAX_AUTHORS);
			assert!(!EraAuthors::<Test>::contains_key(200 + MAX_AUTHORS as u128));
			// A counted author still counts.
			next_block(Some(200));
			assert_eq!(EraAuthors::<Test>::get(200), 2);
		});
	}

	#[test]
	fn an_era_without_authors_keeps_the_pool() {
		build_and_execute(|| {
			pay_fees(400);
			end_era();
			assert_eq!(Rewards::distributable(Pool::Validator), 100);
			assert_eq!(Ledgers::<Test>::get(Pool::Validator).owed, 0);
		});
	}
}

mod voting {
	use super::*;

	const W1: AccountId = 201;
	const W2: AccountId = 202;
	const W3: AccountId = 203;
	const W4: AccountId = 204;

	#[test]
	fn vote_freezes_without_transferring() {
		build_and_execute(|| {
			// Events are recorded from block 1.
			run_to_block(1);
			assert_ok!(vote(1, W1, 600_000));
			System::assert_last_event(
				Event::Voted { voter: 1, wallet: W1, amount: 600_000, backing: 600_000 }.into(),
			);
			assert_eq!(Balances::balance(&1), ENDOWMENT);
			assert_eq!(frozen(1), 600_000);
			assert_eq!(backing(W1), 600_000);
			assert_eq!(Balances::balance(&W1), 0);
			// Frozen coins cannot leave.
			assert_noop!(
				<Balances as frame_support::traits::fungible::Mutate<_>>::transfer(
					&1,
					&2,
					400_001,
					Preservation::Expendable
				),
				TokenError::Frozen
			);
			assert_ok!(<Balances as frame_support::traits::fungible::Mutate<_>>::transfer(
				&1,
				&2,
				400_000,
				Preservation::Expendable
			));
			assert_eq!(Balances::balance(&1), 600_000);
		});
	}

	#[test]
	fn voting_more_than_the_free_balance_is_rejected() {
		build_and_execute(|| {
			assert_noop!(vote(1, W1, ENDOWMENT + 1), Error::<Test>::InsufficientBalance);
			assert_ok!(vote(1, W1, 600_000));
			// The sum of the votes counts.
			assert_noop!(vote(1, W2, 400_001), Error::<Test>::InsufficientBalance);
			assert_noop!(vote(1, W1, ENDOWMENT + 1), Error::<Test>::InsufficientBalance);
			assert_ok!(vote(1, W2, 400_000));
			assert_eq!(frozen(1), ENDOWMENT);
			// A pauper cannot vote.
			assert_noop!(vote(999, W1, MIN_VOTE), Error::<Test>::InsufficientBalance);
		});
	}

	#[test]
	fn bad_votes_are_rejected() {
		build_and_execute(|| {
			assert_noop!(vote(1, W1, MIN_VOTE - 1), Error::<Test>::VoteBelowMinimum);
			assert_noop!(vote(1, W1, 0), Error::<Test>::VoteBelowMinimum);
			assert_noop!(Rewards::unvote(RuntimeOrigin::signed(1), W1), Error::<Test>::NotVoted);
			for w in [W1, W2, W3] {
				assert_ok!(vote(1, w, 100));
			}
			assert_noop!(vote(1, W4, 100), Error::<Test>::TooManyVotes);
			// Changing one of the three is fine.
			assert_ok!(vote(1, W3, 200));
			assert_eq!(Voters::<Test>::get(1).unwrap().votes.len(), MAX_VOTES as usize);
		});
	}

	/// Fill the dividend pool with exactly `amount` distributable.
	fn fund_dividends(amount: Balance) {
		pay_fees(amount * 4 / 3);
		assert_eq!(Rewards::distributable(Pool::Dividend), amount);
	}

	#[test]
	fn small_voter_of_a_winner_gets_its_share_and_outsiders_nothing() {
		build_and_execute(|| {
			// W1: 900 + 100, W2: 1_000, W3: 50 (third, outside the two winners).
			assert_ok!(vote(1, W1, 900));
			assert_ok!(vote(2, W1, 100));
			assert_ok!(vote(3, W2, 1_000));
			assert_ok!(vote(4, W3, 50));
			assert_eq!(listed(), vec![(W1, 1_000), (W2, 1_000), (W3, 50)]);
			fund_dividends(3_000);
			end_era();
			System::assert_has_event(
				Event::WalletRewarded { era: 0, wallet: W1, backing: 1_000, amount: 1_500 }.into(),
			);
			assert_eq!(Rewards::claimable(1), Claimable { dividend: 1_350, validator: 0 });
			assert_eq!(Rewards::claimable(2), Claimable { dividend: 150, validator: 0 });
			assert_eq!(Rewards::claimable(3), Claimable { dividend: 1_500, validator: 0 });
			assert_eq!(Rewards::claimable(4), Claimable::default());

			let before = Balances::balance(&2);
			assert_ok!(Rewards::claim(RuntimeOrigin::signed(2)));
			assert_eq!(Balances::balance(&2), before + 150);
			System::assert_last_event(
				Event::Claimed { who: 2, dividend: 150, validator: 0 }.into(),
			);
			// A claim twice pays once.
			assert_noop!(Rewards::claim(RuntimeOrigin::signed(2)), Error::<Test>::NothingToClaim);
			assert_eq!(Balances::balance(&2), before + 150);
			// The wallet outside the top two: nothing.
			assert_noop!(Rewards::claim(RuntimeOrigin::signed(4)), Error::<Test>::NothingToClaim);
			assert_ok!(Rewards::claim(RuntimeOrigin::signed(1)));
			assert_ok!(Rewards::claim(RuntimeOrigin::signed(3)));
			// The wallets themselves receive nothing; the pool is empty but for its ED.
			assert_eq!(Balances::balance(&W1), 0);
			assert_eq!(Balances::balance(&dividend_pot()), ED);
			assert_eq!(Ledgers::<Test>::get(Pool::Dividend).owed, 0);
		});
	}

	#[test]
	fn claims_accumulate_over_eras_and_pay_once() {
		build_and_execute(|| {
			assert_ok!(vote(1, W1, 100));
			fund_dividends(300);
			end_era();
			fund_dividends(600);
			end_era();
			assert_eq!(Rewards::claimable(1).dividend, 900);
			let before = Balances::balance(&1);
			assert_ok!(Rewards::claim(RuntimeOrigin::signed(1)));
			assert_noop!(Rewards::claim(RuntimeOrigin::signed(1)), Error::<Test>::NothingToClaim);
			assert_eq!(Balances::balance(&1), before + 900);
			// An era with nothing distributable adds nothing.
			end_era();
			assert_noop!(Rewards::claim(RuntimeOrigin::signed(1)), Error::<Test>::NothingToClaim);
		});
	}

	#[test]
	fn vote_changes_mid_era() {
		build_and_execute(|| {
			assert_ok!(vote(1, W1, 300));
			assert_ok!(vote(2, W1, 100));
			fund_dividends(800);
			end_era();
			// Era 0 at 300 / 100: 600 / 200.
			assert_eq!(Rewards::claimable(2).dividend, 200);

			// Mid-era 1, voter 2 raises to 500: its era-0 dividend is settled first, and era 1
			// pays by the backing at its end (300 / 500).
			run_to_block(15);
			assert_ok!(vote(2, W1, 500));
			assert_eq!(Voters::<Test>::get(2).unwrap().pending, 200);
			assert_eq!(Rewards::claimable(2).dividend, 200);
			fund_dividends(800);
			end_era();
			assert_eq!(Rewards::claimable(1).dividend, 600 + 300);
			assert_eq!(Rewards::claimable(2).dividend, 200 + 500);

			// Mid-era 2, voter 1 moves its whole vote to W2, which has no other voter: both
			// wallets win, by backing at the era's end.
			run_to_block(25);
			assert_ok!(Rewards::unvote(RuntimeOrigin::signed(1), W1));
			assert_ok!(vote(1, W2, 300));
			assert_eq!(frozen(1), 300, "the moved vote reuses the unlocking amount");
			fund_dividends(800);
			end_era();
			assert_eq!(Rewards::claimable(1).dividend, 900 + 300);
			assert_eq!(Rewards::claimable(2).dividend, 700 + 500);
			for who in [1, 2] {
				assert_ok!(Rewards::claim(RuntimeOrigin::signed(who)));
			}
			assert_eq!(Balances::balance(&dividend_pot()), ED);
		});
	}

	#[test]
	fn lowered_votes_stop_earning_but_stay_frozen_until_the_next_era_ends() {
		build_and_execute(|| {
			assert_ok!(vote(1, W1, 500));
			assert_ok!(vote(2, W1, 500));
			// Era 0: voter 1 lowers to 100 just before the end (a would-be sniper unvoting).
			run_to_block(5);
			assert_ok!(vote(1, W1, 100));
			System::assert_last_event(
				Event::UnlockScheduled { voter: 1, unlocking: 400, unlock_era: 2 }.into(),
			);
			assert_eq!(frozen(1), 500);
			assert_eq!(backing(W1), 600);
			fund_dividends(600);
			end_era();
			assert_eq!(Rewards::claimable(1).dividend, 100);
			assert_eq!(Rewards::claimable(2).dividend, 500);

			// Still frozen through era 1.
			assert_noop!(Rewards::unlock(RuntimeOrigin::signed(1)), Error::<Test>::NothingToUnlock);
			assert_noop!(
				<Balances as frame_support::traits::fungible::Mutate<_>>::transfer(
					&1,
					&3,
					ENDOWMENT - 499,
					Preservation::Expendable
				),
				TokenError::Frozen
			);
			end_era();
			assert_ok!(Rewards::unlock(RuntimeOrigin::signed(1)));
			System::assert_last_event(Event::Unlocked { voter: 1, amount: 400 }.into());
			assert_eq!(frozen(1), 100);
			assert_noop!(Rewards::unlock(RuntimeOrigin::signed(1)), Error::<Test>::NothingToUnlock);
		});
	}

	#[test]
	fn unvote_then_claim_removes_the_voter_and_its_freeze() {
		build_and_execute(|| {
			assert_ok!(vote(1, W1, 100));
			fund_dividends(90);
			end_era();
			assert_ok!(Rewards::unvote(RuntimeOrigin::signed(1), W1));
			assert!(Wallets::<Test>::get(W1).is_none());
			assert!(listed().is_empty());
			assert_eq!(frozen(1), 100);
			end_era();
			end_era();
			assert_ok!(Rewards::claim(RuntimeOrigin::signed(1)));
			// Claiming does not thaw; unlock does, and then nothing is left.
			assert_ok!(Rewards::unlock(RuntimeOrigin::signed(1)));
			assert_eq!(frozen(1), 0);
			assert!(Voters::<Test>::get(1).is_none());
		});
	}

	#[test]
	fn rounding_dust_returns_to_the_pool_when_a_wallet_empties() {
		build_and_execute(|| {
			for who in [1, 2, 3] {
				assert_ok!(vote(who, W1, 10));
			}
			fund_dividends(100);
			end_era();
			// 100 / 30 per unit of stake: each voter earns 33, one unit is dust.
			for who in [1, 2, 3] {
				assert_eq!(Rewards::claimable(who).dividend, 33);
			}
			assert_eq!(Ledgers::<Test>::get(Pool::Dividend).owed, 100);
			for who in [1, 2] {
				assert_ok!(Rewards::unvote(RuntimeOrigin::signed(who), W1));
			}
			assert_ok!(Rewards::unvote(RuntimeOrigin::signed(3), W1));
			System::assert_has_event(Event::DustReleased { wallet: W1, amount: 1 }.into());
			assert_eq!(Ledgers::<Test>::get(Pool::Dividend).owed, 99);
			assert_eq!(Rewards::distributable(Pool::Dividend), 1);
			for who in [1, 2, 3] {
				assert_ok!(Rewards::claim(RuntimeOrigin::signed(who)));
				assert_eq!(Balances::balance(&who), ENDOWMENT + 33);
			}
		});
	}
}

mod standings {
	use super::*;

	const A: AccountId = 301;
	const B: AccountId = 302;
	const C: AccountId = 303;
	const D: AccountId = 304;
	const E: AccountId = 305;
	const F: AccountId = 306;

	#[test]
	fn kept_sorted_and_bounded() {
		build_and_execute(|| {
			// Events are recorded from block 1.
			run_to_block(1);
			assert_ok!(vote(1, A, 200));
			assert_ok!(vote(2, B, 500));
			assert_ok!(vote(3, C, 300));
			assert_ok!(vote(4, D, 400));
			assert_eq!(listed(), vec![(B, 500), (D, 400), (C, 300), (A, 200)]);
			// Full: a lower wallet stays out, a higher one displaces the last.
			assert_ok!(vote(5, E, 150));
			assert_eq!(listed().len(), MAX_STANDINGS as usize);
			assert!(!listed().iter().any(|(w, _)| *w == E));
			assert_ok!(vote(6, F, 350));
			System::assert_has_event(
				Event::StandingEntered { wallet: F, backing: 350, displaced: Some(A) }.into(),
			);
			assert_eq!(listed(), vec![(B, 500), (D, 400), (F, 350), (C, 300)]);
			// A raise moves a listed wallet up; a fall to zero removes it.
			assert_ok!(vote(3, C, 600));
			assert_eq!(listed(), vec![(C, 600), (B, 500), (D, 400), (F, 350)]);
			assert_ok!(Rewards::unvote(RuntimeOrigin::signed(2), B));
			System::assert_has_event(Event::StandingLeft { wallet: B }.into());
			assert_eq!(listed(), vec![(C, 600), (D, 400), (F, 350)]);
			// Room again: the next backing change of an outsider brings it in.
			assert_ok!(vote(7, A, 10));
			assert_eq!(listed(), vec![(C, 600), (D, 400), (F, 350), (A, 210)]);
			let api = Rewards::standings();
			assert_eq!(api.iter().filter(|s| s.winning).count(), WINNERS as usize);
			assert_eq!(api[0], Standing { wallet: C, backing: 600, winning: true });
			assert_eq!(api[2], Standing { wallet: F, backing: 350, winning: false });
		});
	}

	#[test]
	fn refresh_brings_in_an_outsider_that_beats_a_fallen_member() {
		build_and_execute(|| {
			// Events are recorded from block 1.
			run_to_block(1);
			assert_ok!(vote(1, A, 500));
			assert_ok!(vote(2, B, 400));
			assert_ok!(vote(3, C, 300));
			assert_ok!(vote(4, D, 200));
			assert_ok!(vote(5, E, 150));
			assert_eq!(listed(), vec![(A, 500), (B, 400), (C, 300), (D, 200)]);
			// D falls below the unlisted E: the list stays correct among its members only.
			assert_ok!(vote(4, D, 100));
			assert_eq!(listed(), vec![(A, 500), (B, 400), (C, 300), (D, 100)]);
			assert_noop!(
				Rewards::refresh_standing(RuntimeOrigin::signed(9), A),
				Error::<Test>::AlreadyListed
			);
			assert_noop!(
				Rewards::refresh_standing(RuntimeOrigin::signed(9), F),
				Error::<Test>::BackingTooLow
			);
			// Anyone puts E in.
			assert_ok!(Rewards::refresh_standing(RuntimeOrigin::signed(9), E));
			System::assert_last_event(
				Event::StandingEntered { wallet: E, backing: 150, displaced: Some(D) }.into(),
			);
			assert_eq!(listed(), vec![(A, 500), (B, 400), (C, 300), (E, 150)]);
			assert_noop!(
				Rewards::refresh_standing(RuntimeOrigin::signed(9), D),
				Error::<Test>::BackingTooLow
			);
		});
	}

	#[test]
	fn only_the_top_winners_share_the_dividend() {
		build_and_execute(|| {
			assert_ok!(vote(1, A, 100));
			assert_ok!(vote(2, B, 300));
			assert_ok!(vote(3, C, 200));
			pay_fees(800);
			end_era();
			// B and C win, by backing 300 : 200.
			assert_eq!(Rewards::claimable(2).dividend, 360);
			assert_eq!(Rewards::claimable(3).dividend, 240);
			assert_eq!(Rewards::claimable(1).dividend, 0);
		});
	}
}

mod runtime_api {
	use super::*;

	#[test]
	fn pools_and_claimable() {
		build_and_execute(|| {
			assert_ok!(vote(1, 201, 100));
			pay_fees(4_000);
			for _ in 0..ERA {
				next_block(Some(1));
			}
			pay_fees(40);
			let pools = Rewards::pools();
			assert_eq!(
				pools.validator,
				PoolInfo {
					account: validator_pot(),
					balance: ED + 1_010,
					owed: 1_000,
					distributable: 10
				}
			);
			assert_eq!(
				pools.dividend,
				PoolInfo {
					account: dividend_pot(),
					balance: ED + 3_030,
					owed: 3_000,
					distributable: 30
				}
			);
			assert_eq!(pools.current_era, 1);
			assert_eq!(Rewards::claimable(1), Claimable { dividend: 3_000, validator: 1_000 });
			assert_ok!(Rewards::claim(RuntimeOrigin::signed(1)));
			System::assert_last_event(
				Event::Claimed { who: 1, dividend: 3_000, validator: 1_000 }.into(),
			);
			assert_eq!(Rewards::claimable(1), Claimable::default());
			assert_eq!(Rewards::pools().dividend.owed, 0);
		});
	}

	#[test]
	fn claim_from_a_non_voter_without_rewards_fails() {
		build_and_execute(|| {
			assert_noop!(Rewards::claim(RuntimeOrigin::signed(7)), Error::<Test>::NothingToClaim);
			assert_noop!(Rewards::unlock(RuntimeOrigin::signed(7)), Error::<Test>::NothingToUnlock);
		});
	}
}

/// Regression tests for the findings of the chain review at 1f273ac, named after them.
mod review {
	use super::*;
	use frame_support::traits::fungible::Mutate as _;

	/// Coins leaving from an escrow hold take their votes with them: what is unlocking goes
	/// first, then the latest votes; a vote cut below the minimum goes whole; the dividends
	/// the shrunk votes earned stay the voter's.
	#[test]
	fn c1_votes_shrink_to_what_the_voter_keeps() {
		build_and_execute(|| {
			next_block(None);
			let voter = 1;
			assert_ok!(vote(voter, 100, 300));
			assert_ok!(vote(voter, 101, 500));
			assert_ok!(vote(voter, 102, 200));
			// Lower the first vote by 100: unlocking.
			assert_ok!(vote(voter, 100, 200));
			assert_eq!(frozen(voter), 1_000);
			// Keep 895 frozen: the 100 unlocking goes, then the latest vote (for 102) loses 5.
			Rewards::do_shrink_votes(&voter, 895);
			assert_eq!(frozen(voter), 895);
			assert_eq!(Voters::<Test>::get(voter).unwrap().unlocking, 0);
			assert_eq!((backing(100), backing(101), backing(102)), (200, 500, 195));
			// Keep 392: 102 (195) goes whole, then 101 is cut to 192.
			Rewards::do_shrink_votes(&voter, 392);
			assert_eq!(frozen(voter), 392);
			assert_eq!((backing(100), backing(101), backing(102)), (200, 192, 0));
			// Keep 205: 101 would keep 5 < MIN_VOTE, so it goes whole; 200 stays frozen.
			Rewards::do_shrink_votes(&voter, 205);
			assert_eq!(frozen(voter), 200);
			assert_eq!((backing(100), backing(101)), (200, 0));
			System::assert_last_event(Event::VotesShrunk { voter, amount: 192 }.into());
			// Nothing to do when the freeze fits already.
			Rewards::do_shrink_votes(&voter, 10_000);
			assert_eq!(frozen(voter), 200);
		});
	}

	/// `try_state` catches a freeze that outgrew what the account owns, the state the vote
	/// inflation loop left behind.
	#[test]
	fn c1_try_state_catches_votes_backed_by_coins_gone() {
		new_test_ext().execute_with(|| {
			assert_ok!(vote(1, 100, ENDOWMENT - 1_000));
			assert_ok!(Rewards::do_try_state());
			// Coins leave past the freeze, as `Fortitude::Force` let them.
			assert_ok!(Balances::burn_from(
				&1,
				5_000,
				Preservation::Expendable,
				Precision::Exact,
				Fortitude::Force
			));
			Issuance::<Test>::mutate(|i| *i -= 5_000);
			assert_eq!(
				Rewards::do_try_state(),
				Err("a voter's freeze exceeds what it owns".into())
			);
		});
	}

	/// A reaped account's dust goes to the pools, and `try_state` proves issuance moved only
	/// by the subsidy.
	#[test]
	fn l1_dust_goes_to_the_pools_and_issuance_is_proved() {
		build_and_execute_with_subsidy(|| {
			let issuance = Balances::total_issuance();
			let (v0, d0) = pot_balances();
			// Leave 7 (< ED = 10) behind: the account is reaped and the 7 are dust.
			assert_ok!(Balances::transfer(&2, &3, ENDOWMENT - 7, Preservation::Expendable));
			assert_eq!(Balances::total_balance(&2), 0);
			assert_eq!(Balances::total_issuance(), issuance);
			let (v1, d1) = pot_balances();
			assert_eq!((v1 - v0) + (d1 - d0), 7);
			next_block(None);
			assert_eq!(Balances::total_issuance(), issuance + Rewards::subsidy_at(1));
			assert_eq!(Issuance::<Test>::get(), Balances::total_issuance());
			// Any other change of issuance is caught.
			assert_ok!(Balances::mint_into(&4, 1));
			assert_eq!(
				Rewards::do_try_state(),
				Err("total issuance moved other than by the subsidy".into())
			);
			assert_ok!(Balances::burn_from(
				&4,
				1,
				Preservation::Expendable,
				Precision::Exact,
				Fortitude::Polite
			));
		});
	}
}
