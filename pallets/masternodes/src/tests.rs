//! Unit tests of the master nodes on the mock runtime, with pallet-session rotating sessions of
//! `SESSION` blocks: session `i` starts in block `SESSION * i`.

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::InspectHold as _, EstimateNextSessionRotation as _, Hooks},
};
use pallet_session::ShouldEndSession as _;
use sp_runtime::{BuildStorage, DispatchError};

/// A funded account without keys or bond.
const NEW: AccountId = 4;
const OTHER: AccountId = 5;

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::MasterNode.into(), &who)
}

fn candidates() -> Vec<(AccountId, Balance)> {
	Candidates::<Test>::get().iter().map(|c| (c.who, c.bond)).collect()
}

fn offline(who: AccountId) -> Option<SessionIndex> {
	Candidates::<Test>::get().iter().find(|c| c.who == who).and_then(|c| c.offline)
}

/// Keys and a bond for `who`.
fn join(who: AccountId, bond: Balance) {
	assert_ok!(set_keys(who, who));
	assert_ok!(MasterNodes::bond(RuntimeOrigin::signed(who), bond));
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::MasterNodes(e) => Some(e),
			_ => None,
		})
		.collect()
}

mod genesis {
	use super::*;

	#[test]
	fn genesis_master_nodes_are_bonded_validators() {
		build_and_execute(|| {
			assert_eq!(candidates(), vec![(1, BOND), (2, BOND), (3, BOND)]);
			for a in GENESIS {
				assert_eq!(held(a), BOND);
				assert_eq!(Balances::free_balance(a), ENDOWMENT - BOND);
			}
			assert_eq!(Session::validators(), vec![1, 2, 3]);
			assert_eq!(ActiveValidators::<Test>::get().into_inner(), vec![1, 2, 3]);
			assert_eq!(QueuedValidators::<Test>::get().into_inner(), vec![1, 2, 3]);
			assert_eq!(SessionLength::<Test>::get(), SESSION);
			assert_eq!(CurrentSession::<Test>::get(), 0);
		});
	}

	#[test]
	#[should_panic(expected = "a session must last at least MaxValidators blocks")]
	fn genesis_rejects_short_sessions() {
		let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		crate::GenesisConfig::<Test> {
			candidates: Vec::new(),
			session_length: MAX_VALIDATORS as u64 - 1,
		}
		.assimilate_storage(&mut t)
		.unwrap();
	}

	#[test]
	fn integrity_test_passes() {
		new_test_ext().execute_with(|| {
			<MasterNodes as Hooks<u64>>::integrity_test();
		});
	}
}

mod bond {
	use super::*;

	#[test]
	fn below_the_minimum_fails() {
		build_and_execute(|| {
			assert_ok!(set_keys(NEW, NEW));
			assert_noop!(
				MasterNodes::bond(RuntimeOrigin::signed(NEW), BOND - 1),
				Error::<Test>::BelowMinimumBond
			);
			assert_noop!(
				MasterNodes::bond(RuntimeOrigin::signed(NEW), 0),
				Error::<Test>::BelowMinimumBond
			);
			assert_eq!(held(NEW), 0);
		});
	}

	#[test]
	fn needs_session_keys() {
		build_and_execute(|| {
			assert_noop!(
				MasterNodes::bond(RuntimeOrigin::signed(NEW), BOND),
				Error::<Test>::NoSessionKeys
			);
		});
	}

	#[test]
	fn holds_the_bond_and_ranks_by_it() {
		build_and_execute(|| {
			assert_ok!(set_keys(NEW, NEW));
			assert_ok!(MasterNodes::bond(RuntimeOrigin::signed(NEW), 2 * BOND));
			assert_eq!(candidates(), vec![(NEW, 2 * BOND), (1, BOND), (2, BOND), (3, BOND)]);
			assert_eq!(held(NEW), 2 * BOND);
			assert_eq!(
				Balances::free_balance(NEW),
				ENDOWMENT - 2 * BOND - KEY_DEPOSIT,
				"the bond and pallet-session's key deposit are held"
			);
			System::assert_last_event(Event::Bonded { who: NEW, bond: 2 * BOND }.into());
		});
	}

	#[test]
	fn equal_bonds_rank_by_who_bonded_first() {
		build_and_execute(|| {
			join(OTHER, BOND);
			join(NEW, BOND);
			assert_eq!(
				candidates().iter().map(|c| c.0).collect::<Vec<_>>(),
				vec![1, 2, 3, OTHER, NEW]
			);
		});
	}

	#[test]
	fn twice_fails() {
		build_and_execute(|| {
			assert_noop!(
				MasterNodes::bond(RuntimeOrigin::signed(1), BOND),
				Error::<Test>::AlreadyCandidate
			);
		});
	}

	#[test]
	fn needs_the_balance() {
		build_and_execute(|| {
			assert_ok!(set_keys(PAUPER, PAUPER));
			assert_noop!(
				MasterNodes::bond(RuntimeOrigin::signed(PAUPER), BOND),
				Error::<Test>::InsufficientBalance
			);
		});
	}

	#[test]
	fn the_list_is_bounded() {
		build_and_execute(|| {
			for a in 4..4 + MAX_CANDIDATES as u64 - 3 {
				join(a, BOND);
			}
			assert_eq!(Candidates::<Test>::get().len(), MAX_CANDIDATES as usize);
			assert_ok!(set_keys(20, 20));
			assert_noop!(
				MasterNodes::bond(RuntimeOrigin::signed(20), BOND),
				Error::<Test>::TooManyCandidates
			);
		});
	}

	#[test]
	fn a_higher_bond_displaces_the_lowest_of_a_full_list() {
		build_and_execute(|| {
			let last = 4 + MAX_CANDIDATES as u64 - 4;
			for a in 4..=last {
				join(a, BOND);
			}
			assert_ok!(set_keys(20, 20));
			assert_ok!(MasterNodes::bond(RuntimeOrigin::signed(20), BOND + 1));
			// Everyone bonded BOND; the latest to reach it makes room.
			let list = candidates();
			assert_eq!(list.len(), MAX_CANDIDATES as usize);
			assert_eq!(list[0], (20, BOND + 1));
			assert!(!list.iter().any(|&(a, _)| a == last));
			let unlock_at = CurrentSession::<Test>::get() + UNBONDING;
			assert_eq!(
				Unbonding::<Test>::get(last),
				Some(UnbondingInfo { amount: BOND, unlock_at })
			);
			assert_eq!(held(last), BOND);
			System::assert_has_event(Event::Bonded { who: 20, bond: BOND + 1 }.into());
			System::assert_last_event(
				Event::Displaced { who: last, bond: BOND, by: 20, unlock_at }.into(),
			);
			assert_noop!(
				MasterNodes::leave(RuntimeOrigin::signed(last)),
				Error::<Test>::AlreadyLeaving
			);
		});
	}

	#[test]
	fn bond_extra_moves_up() {
		build_and_execute(|| {
			assert_ok!(MasterNodes::bond_extra(RuntimeOrigin::signed(3), 1));
			assert_eq!(candidates(), vec![(3, BOND + 1), (1, BOND), (2, BOND)]);
			assert_eq!(held(3), BOND + 1);
			System::assert_last_event(
				Event::BondedExtra { who: 3, amount: 1, bond: BOND + 1 }.into(),
			);
			// 1 reaches the same bond later, so it ranks after 3.
			assert_ok!(MasterNodes::bond_extra(RuntimeOrigin::signed(1), 1));
			assert_eq!(candidates(), vec![(3, BOND + 1), (1, BOND + 1), (2, BOND)]);
		});
	}

	#[test]
	fn bond_extra_checks() {
		build_and_execute(|| {
			assert_noop!(
				MasterNodes::bond_extra(RuntimeOrigin::signed(NEW), BOND),
				Error::<Test>::NotCandidate
			);
			assert_noop!(
				MasterNodes::bond_extra(RuntimeOrigin::signed(1), 0),
				Error::<Test>::ZeroAmount
			);
			assert_noop!(
				MasterNodes::bond_extra(RuntimeOrigin::signed(1), ENDOWMENT),
				Error::<Test>::InsufficientBalance
			);
		});
	}
}

mod keys {
	use super::*;

	#[test]
	fn keys_of_another_validator_are_refused_and_nothing_changes() {
		build_and_execute(|| {
			let before = Candidates::<Test>::get();
			// Validator 1's key.
			assert_noop!(set_keys(NEW, 1), pallet_session::Error::<Test>::DuplicatedKey);
			assert_eq!(Candidates::<Test>::get(), before);
			assert!(events().is_empty());
			// Without keys of its own, it cannot bond either.
			assert_noop!(
				MasterNodes::bond(RuntimeOrigin::signed(NEW), BOND),
				Error::<Test>::NoSessionKeys
			);
			assert_eq!(held(NEW), 0);
			// Its own key works.
			assert_ok!(set_keys(NEW, NEW));
			assert_ok!(MasterNodes::bond(RuntimeOrigin::signed(NEW), BOND));
		});
	}

	#[test]
	fn a_candidate_without_keys_is_skipped() {
		build_and_execute(|| {
			join(NEW, BOND);
			assert_ok!(Session::purge_keys(RuntimeOrigin::signed(2)));
			run_to_session(2);
			assert_eq!(Session::validators(), vec![1, 3, NEW]);
			// Keys again: back at the next planning.
			assert_ok!(set_keys(2, 2));
			run_to_session(4);
			assert_eq!(Session::validators(), vec![1, 2, 3, NEW]);
		});
	}
}

mod leave {
	use super::*;

	#[test]
	fn leaving_twice_fails() {
		build_and_execute(|| {
			join(NEW, BOND);
			assert_ok!(MasterNodes::leave(RuntimeOrigin::signed(NEW)));
			assert_noop!(
				MasterNodes::leave(RuntimeOrigin::signed(NEW)),
				Error::<Test>::AlreadyLeaving
			);
			assert_noop!(
				MasterNodes::leave(RuntimeOrigin::signed(OTHER)),
				Error::<Test>::NotCandidate
			);
		});
	}

	#[test]
	fn the_bond_unbonds() {
		build_and_execute(|| {
			assert_ok!(MasterNodes::leave(RuntimeOrigin::signed(1)));
			assert_eq!(candidates(), vec![(2, BOND), (3, BOND)]);
			assert_eq!(
				Unbonding::<Test>::get(1),
				Some(UnbondingInfo { amount: BOND, unlock_at: UNBONDING })
			);
			assert_eq!(held(1), BOND);
			System::assert_last_event(
				Event::Leaving { who: 1, bond: BOND, unlock_at: UNBONDING }.into(),
			);
			assert_noop!(
				MasterNodes::withdraw_unbonded(RuntimeOrigin::signed(1)),
				Error::<Test>::StillUnbonding
			);
			// A new bond waits for the old one.
			assert_noop!(
				MasterNodes::bond(RuntimeOrigin::signed(1), BOND),
				Error::<Test>::StillUnbonding
			);
			run_to_session(1);
			assert_noop!(
				MasterNodes::withdraw_unbonded(RuntimeOrigin::signed(1)),
				Error::<Test>::StillUnbonding
			);
			run_to_session(UNBONDING);
			assert_ok!(MasterNodes::withdraw_unbonded(RuntimeOrigin::signed(1)));
			assert_eq!(held(1), 0);
			assert_eq!(Balances::free_balance(1), ENDOWMENT);
			System::assert_last_event(Event::Withdrawn { who: 1, amount: BOND }.into());
			assert_noop!(
				MasterNodes::withdraw_unbonded(RuntimeOrigin::signed(1)),
				Error::<Test>::NothingToWithdraw
			);
			// And it may come back.
			assert_ok!(MasterNodes::bond(RuntimeOrigin::signed(1), BOND));
		});
	}

	#[test]
	fn keeps_min_validators() {
		build_and_execute(|| {
			assert_ok!(MasterNodes::leave(RuntimeOrigin::signed(1)));
			assert_noop!(
				MasterNodes::leave(RuntimeOrigin::signed(2)),
				Error::<Test>::TooFewCandidates
			);
			// A candidate that is not eligible may always leave.
			join(NEW, BOND);
			assert_ok!(Session::purge_keys(RuntimeOrigin::signed(NEW)));
			assert_ok!(MasterNodes::leave(RuntimeOrigin::signed(NEW)));
		});
	}

	#[test]
	fn nothing_to_withdraw_without_leaving() {
		build_and_execute(|| {
			assert_noop!(
				MasterNodes::withdraw_unbonded(RuntimeOrigin::signed(1)),
				Error::<Test>::NothingToWithdraw
			);
		});
	}

	#[test]
	fn a_kept_validator_keeps_its_bond() {
		build_and_execute(|| {
			join(NEW, BOND);
			assert_ok!(MasterNodes::leave(RuntimeOrigin::signed(1)));
			run_to_session(2);
			assert_eq!(Session::validators(), vec![2, 3, NEW]);
			// 1 comes back and leaves again; then too few are eligible and the set stays.
			run_to_session(UNBONDING);
			assert_ok!(MasterNodes::withdraw_unbonded(RuntimeOrigin::signed(1)));
			join(1, BOND);
			run_to_session(4);
			assert_eq!(Session::validators(), vec![2, 3, NEW, 1]);
			assert_ok!(MasterNodes::leave(RuntimeOrigin::signed(1)));
			assert_ok!(Session::purge_keys(RuntimeOrigin::signed(2)));
			assert_ok!(Session::purge_keys(RuntimeOrigin::signed(3)));
			run_to_session(5);
			System::assert_has_event(Event::ValidatorSetKept { session: 6, eligible: 1 }.into());
			run_to_session(4 + UNBONDING + 1);
			// Keys of 2 and 3 are gone, so pallet-session dropped them; 1 stays.
			assert_eq!(Session::validators(), vec![NEW, 1]);
			assert_noop!(
				MasterNodes::withdraw_unbonded(RuntimeOrigin::signed(1)),
				Error::<Test>::StillValidating
			);
			assert_eq!(held(1), BOND);
		});
	}
}

mod sessions {
	use super::*;

	#[test]
	fn sessions_last_session_length_blocks() {
		build_and_execute(|| {
			for i in 1..=3u32 {
				run_to_block(SESSION * i as u64 - 1);
				assert_eq!(Session::current_index(), i - 1);
				run_to_block(SESSION * i as u64);
				assert_eq!(Session::current_index(), i);
				assert_eq!(SessionStart::<Test>::get(), SESSION * i as u64);
				assert_eq!(CurrentSession::<Test>::get(), i);
			}
		});
	}

	#[test]
	fn a_new_candidate_validates_two_session_changes_later() {
		build_and_execute(|| {
			// Session 0: keys and bond.
			join(NEW, 2 * BOND);
			run_to_session(1);
			assert_eq!(Session::validators(), vec![1, 2, 3]);
			assert_eq!(QueuedValidators::<Test>::get().into_inner(), vec![NEW, 1, 2, 3]);
			System::assert_has_event(
				Event::NewValidatorSet {
					session: 2,
					validators: BoundedVec::truncate_from(vec![NEW, 1, 2, 3]),
				}
				.into(),
			);
			run_to_session(2);
			assert_eq!(Session::validators(), vec![NEW, 1, 2, 3]);
			assert_eq!(ActiveValidators::<Test>::get().into_inner(), vec![NEW, 1, 2, 3]);
			// It authors blocks now.
			run_to_block(System::block_number() + MAX_VALIDATORS as u64);
			assert!(AuthoredBlocks::<Test>::get(2, NEW) > 0);
		});
	}

	#[test]
	fn the_top_max_validators_by_bond_are_chosen() {
		build_and_execute(|| {
			join(4, BOND + 1);
			join(5, BOND + 3);
			join(6, BOND + 2);
			join(7, BOND);
			run_to_session(2);
			// 1, 2, 3 and 7 have equal bonds; the genesis ones were first.
			assert_eq!(Session::validators(), vec![5, 6, 4, 1]);
			assert_ok!(MasterNodes::bond_extra(RuntimeOrigin::signed(3), 10));
			run_to_session(4);
			assert_eq!(Session::validators(), vec![3, 5, 6, 4]);
		});
	}

	#[test]
	fn an_unchanged_set_is_not_replanned() {
		build_and_execute(|| {
			run_to_session(3);
			assert!(!events().iter().any(|e| matches!(e, Event::NewValidatorSet { .. })));
			assert_eq!(Session::validators(), vec![1, 2, 3]);
		});
	}

	#[test]
	fn a_leaver_stops_validating_two_session_changes_later() {
		build_and_execute(|| {
			join(NEW, BOND);
			run_to_session(2);
			assert_eq!(Session::validators(), vec![1, 2, 3, NEW]);
			// Session 2: leave.
			assert_ok!(MasterNodes::leave(RuntimeOrigin::signed(2)));
			run_to_session(3);
			assert_eq!(Session::validators(), vec![1, 2, 3, NEW], "already planned");
			assert_noop!(
				MasterNodes::withdraw_unbonded(RuntimeOrigin::signed(2)),
				Error::<Test>::StillUnbonding
			);
			run_to_session(4);
			assert_eq!(Session::validators(), vec![1, 3, NEW]);
			assert_ok!(MasterNodes::withdraw_unbonded(RuntimeOrigin::signed(2)));
		});
	}

	#[test]
	fn an_offline_validator_loses_its_seat() {
		build_and_execute(|| {
			join(NEW, BOND);
			run_to_session(2);
			assert_eq!(Session::validators(), vec![1, 2, 3, NEW]);
			// 3's node stops in session 2.
			Down::set(vec![3]);
			run_to_session(3);
			assert_eq!(AuthoredBlocks::<Test>::iter_prefix(2).count(), 0, "cleared");
			System::assert_has_event(Event::MasterNodeOffline { who: 3, session: 2 }.into());
			assert_eq!(offline(3), Some(2));
			assert_eq!(held(3), BOND, "its bond stays held");
			// Session 3 was planned before; from session 4 on it is out.
			assert_eq!(Session::validators(), vec![1, 2, 3, NEW]);
			assert_eq!(QueuedValidators::<Test>::get().into_inner(), vec![1, 2, NEW]);
			run_to_session(4);
			assert_eq!(Session::validators(), vec![1, 2, NEW]);
			// Marked once only.
			let marks =
				events().iter().filter(|e| matches!(e, Event::MasterNodeOffline { .. })).count();
			assert_eq!(marks, 1);
			// Its node is back: it rejoins and is planned at the next change.
			Down::set(vec![]);
			assert_ok!(MasterNodes::rejoin(RuntimeOrigin::signed(3)));
			System::assert_last_event(Event::Rejoined { who: 3 }.into());
			assert_eq!(offline(3), None);
			run_to_session(6);
			assert_eq!(Session::validators(), vec![1, 2, 3, NEW]);
		});
	}

	#[test]
	fn only_a_validator_of_the_whole_session_is_judged() {
		build_and_execute(|| {
			// NEW's node is down from the start; it is no validator in sessions 0 and 1.
			Down::set(vec![NEW]);
			join(NEW, BOND);
			run_to_session(2);
			assert_eq!(offline(NEW), None);
			assert_eq!(Session::validators(), vec![1, 2, 3, NEW]);
			// In session 2 it is, and authors nothing.
			run_to_session(3);
			assert_eq!(offline(NEW), Some(2));
		});
	}

	#[test]
	fn validators_that_author_are_not_marked() {
		build_and_execute(|| {
			join(NEW, BOND);
			run_to_session(6);
			assert!(!events().iter().any(|e| matches!(e, Event::MasterNodeOffline { .. })));
			assert!(Candidates::<Test>::get().iter().all(|c| c.offline.is_none()));
		});
	}

	#[test]
	fn marking_offline_keeps_min_validators() {
		build_and_execute(|| {
			// 2 authored block 1; from now on 2 and 3 are down. At the end of session 0 only 3
			// authored nothing; at the end of session 1 2 did too, but MinValidators = 2 keeps
			// it eligible.
			assert_eq!(AuthoredBlocks::<Test>::get(0, 2), 1);
			Down::set(vec![2, 3]);
			run_to_session(1);
			assert_eq!(offline(3), Some(0));
			assert_eq!(offline(2), None);
			run_to_session(3);
			assert_eq!(offline(2), None);
			assert_eq!(Session::validators(), vec![1, 2]);
		});
	}

	#[test]
	fn nobody_is_judged_after_a_session_shorter_than_its_set() {
		build_and_execute(|| {
			// As if a runtime upgrade had raised MaxValidators above the session length.
			SessionLength::<Test>::put(2);
			Down::set(vec![3]);
			run_to_session(3);
			assert_eq!(offline(3), None);
			SessionLength::<Test>::put(SESSION);
		});
	}

	#[test]
	fn rejoin_checks() {
		build_and_execute(|| {
			assert_noop!(
				MasterNodes::rejoin(RuntimeOrigin::signed(NEW)),
				Error::<Test>::NotCandidate
			);
			assert_noop!(MasterNodes::rejoin(RuntimeOrigin::signed(1)), Error::<Test>::NotOffline);
			join(NEW, BOND);
			Down::set(vec![3]);
			run_to_session(1);
			assert_eq!(offline(3), Some(0));
			assert_ok!(Session::purge_keys(RuntimeOrigin::signed(3)));
			assert_noop!(
				MasterNodes::rejoin(RuntimeOrigin::signed(3)),
				Error::<Test>::NoSessionKeys
			);
			// An offline candidate may leave.
			assert_ok!(MasterNodes::leave(RuntimeOrigin::signed(3)));
		});
	}

	#[test]
	fn too_few_eligible_keeps_the_current_set() {
		build_and_execute(|| {
			assert_ok!(Session::purge_keys(RuntimeOrigin::signed(2)));
			assert_ok!(Session::purge_keys(RuntimeOrigin::signed(3)));
			run_to_session(1);
			System::assert_has_event(Event::ValidatorSetKept { session: 2, eligible: 1 }.into());
			run_to_session(2);
			// pallet-session keeps the current set, minus those without keys.
			assert_eq!(Session::validators(), vec![1]);
			assert_eq!(ActiveValidators::<Test>::get().into_inner(), vec![1]);
		});
	}

	#[test]
	fn note_author_counts_per_session() {
		build_and_execute(|| {
			run_to_block(SESSION - 1);
			let counted: u32 = AuthoredBlocks::<Test>::iter_prefix_values(0).sum();
			assert_eq!(counted as u64, SESSION - 1);
			<MasterNodes as pallet_authorship::EventHandler<_, _>>::note_author(42);
			assert_eq!(AuthoredBlocks::<Test>::get(0, 42), 1);
			run_to_session(1);
			assert_eq!(AuthoredBlocks::<Test>::iter_prefix(0).count(), 0);
			// Block 5, which rotated, was authored by session 0's validators and counted there.
			assert_eq!(AuthoredBlocks::<Test>::iter_prefix(1).count(), 0);
			run_to_block(SESSION + 1);
			assert_eq!(AuthoredBlocks::<Test>::iter_prefix_values(1).sum::<u32>(), 1);
		});
	}
}

mod session_length {
	use super::*;

	#[test]
	fn only_the_admin_sets_it() {
		build_and_execute(|| {
			assert_noop!(
				MasterNodes::set_session_length(RuntimeOrigin::signed(1), 10),
				DispatchError::BadOrigin
			);
			assert_noop!(
				MasterNodes::set_session_length(RuntimeOrigin::root(), MAX_VALIDATORS as u64 - 1),
				Error::<Test>::SessionTooShort
			);
			assert_ok!(MasterNodes::set_session_length(RuntimeOrigin::root(), 8));
			System::assert_last_event(Event::SessionLengthSet { length: 8 }.into());
		});
	}

	#[test]
	fn a_new_length_applies_to_the_current_session() {
		build_and_execute(|| {
			run_to_block(7);
			assert_ok!(MasterNodes::set_session_length(RuntimeOrigin::root(), 8));
			run_to_block(12);
			assert_eq!(Session::current_index(), 1);
			run_to_block(13);
			assert_eq!(Session::current_index(), 2);
			run_to_block(21);
			assert_eq!(Session::current_index(), 3);
			// Shortened below what has passed: it ends in the next block.
			run_to_block(27);
			assert_ok!(MasterNodes::set_session_length(RuntimeOrigin::root(), 4));
			run_to_block(28);
			assert_eq!(Session::current_index(), 4);
			run_to_block(32);
			assert_eq!(Session::current_index(), 5);
		});
	}

	#[test]
	fn estimates() {
		build_and_execute(|| {
			// Session 0 started in block 0 and ends in block 5.
			assert_eq!(MasterNodes::average_session_length(), SESSION);
			assert_eq!(MasterNodes::estimate_next_session_rotation(1).0, Some(SESSION));
			assert_eq!(
				MasterNodes::estimate_current_session_progress(1).0,
				Some(Permill::from_percent(40))
			);
			assert!(!MasterNodes::should_end_session(4));
			assert!(MasterNodes::should_end_session(5));
			run_to_block(SESSION);
			assert_eq!(MasterNodes::estimate_next_session_rotation(SESSION).0, Some(2 * SESSION));
			assert_eq!(
				MasterNodes::estimate_current_session_progress(2 * SESSION - 1).0,
				Some(Permill::one())
			);
			// pallet-session's own estimate follows.
			use frame_support::traits::EstimateNextNewSession;
			assert_eq!(Session::estimate_next_new_session(SESSION + 1).0, Some(2 * SESSION));
		});
	}
}
