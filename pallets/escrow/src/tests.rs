//! Unit tests of the escrow on the mock runtime.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold as _};

const CONSUMER: AccountId = 1;
const OTHER: AccountId = 2;
/// Operators of segments 10, 11, 12.
const OP_A: AccountId = 20;
const OP_B: AccountId = 21;
const OP_C: AccountId = 22;
const PRICE: Balance = 1_000;

fn path(p: &[SegmentId]) -> Path {
	Path::try_from(p.to_vec()).unwrap()
}

fn segments() {
	add_segment(10, OP_A, Some(PRICE));
	add_segment(11, OP_B, Some(2 * PRICE));
	add_segment(12, OP_C, Some(PRICE));
}

fn data_key() -> DataPlaneKey {
	DataPlaneKey([3; 32])
}

fn receipt_key() -> ReceiptKey {
	ReceiptKey([4; 32])
}

fn open(who: AccountId, p: &[SegmentId], deposit: Balance, expires_at: u64) -> DispatchResult {
	Escrow::open_channel(
		RuntimeOrigin::signed(who),
		path(p),
		deposit,
		10 * PRICE,
		expires_at,
		data_key(),
		receipt_key(),
	)
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::ChannelDeposit.into(), &who)
}

fn qos_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::QosPayment.into(), &who)
}

mod open_channel {
	use super::*;

	#[test]
	fn holds_deposit_and_locks_terms() {
		build_and_execute(|| {
			segments();
			assert_ok!(open(CONSUMER, &[10, 11, 12], 5_000, 100));
			let ch = Channels::<Test>::get(0).unwrap();
			assert_eq!(ch.consumer, CONSUMER);
			assert_eq!(ch.path(), path(&[10, 11, 12]));
			assert_eq!(
				ch.hops.iter().map(|h| (h.payee, h.price_per_gib)).collect::<Vec<_>>(),
				vec![(OP_A, PRICE), (OP_B, 2 * PRICE), (OP_C, PRICE)]
			);
			assert_eq!(ch.deposit, 5_000);
			assert_eq!(ch.refund_at, 100 + GRACE + 1);
			assert_eq!(held(CONSUMER), 5_000);
			assert_eq!(Balances::free_balance(CONSUMER), ENDOWMENT - 5_000);
			assert_eq!(RefundSchedule::<Test>::get(100 + GRACE + 1).into_inner(), vec![0]);
			System::assert_last_event(
				Event::ChannelOpened {
					channel: 0,
					consumer: CONSUMER,
					path: path(&[10, 11, 12]),
					deposit: 5_000,
					expires_at: 100,
				}
				.into(),
			);
			// A price change after open does not touch the locked terms.
			add_segment(11, OP_B, Some(9 * PRICE));
			assert_eq!(Escrow::channel_view(0).unwrap().hops[1].price_per_gib, 2 * PRICE);
		});
	}

	#[test]
	fn refuses_bad_paths() {
		build_and_execute(|| {
			segments();
			add_segment(13, OP_A, None);
			assert_noop!(open(CONSUMER, &[], 100, 10), Error::<Test>::InvalidPath);
			assert_noop!(open(CONSUMER, &[10, 11, 10], 100, 10), Error::<Test>::PathLoop);
			assert_noop!(open(CONSUMER, &[10, 77], 100, 10), Error::<Test>::UnknownSegment);
			assert_noop!(open(CONSUMER, &[10, 13], 100, 10), Error::<Test>::NotForSale);
			set_state(12, SegState::Unavailable);
			assert_noop!(open(CONSUMER, &[10, 12], 100, 10), Error::<Test>::SegmentUnavailable);
		});
	}

	#[test]
	fn refuses_a_path_through_a_quarantined_segment() {
		build_and_execute(|| {
			segments();
			set_state(11, SegState::Quarantined);
			assert_noop!(open(CONSUMER, &[10, 11, 12], 100, 10), Error::<Test>::SegmentQuarantined);
		});
	}

	#[test]
	fn refuses_a_hop_above_the_max_price() {
		build_and_execute(|| {
			segments();
			assert_noop!(
				Escrow::open_channel(
					RuntimeOrigin::signed(CONSUMER),
					path(&[10, 11]),
					100,
					2 * PRICE - 1,
					10,
					data_key(),
					receipt_key()
				),
				Error::<Test>::PriceAboveMax
			);
		});
	}

	#[test]
	fn refuses_bad_deposit_expiry_and_funds() {
		build_and_execute(|| {
			segments();
			assert_noop!(open(CONSUMER, &[10], MIN_DEPOSIT - 1, 10), Error::<Test>::DepositTooLow);
			assert_noop!(open(CONSUMER, &[10], 100, 1), Error::<Test>::InvalidExpiry);
			assert_noop!(open(CONSUMER, &[10], 100, 2 + LIFETIME), Error::<Test>::InvalidExpiry);
			assert_noop!(open(PAUPER, &[10], 100, 10), Error::<Test>::InsufficientBalance);
			assert_noop!(open(CONSUMER, &[10], ENDOWMENT, 10), Error::<Test>::InsufficientBalance);
		});
	}

	#[test]
	fn bounded_refund_schedule() {
		build_and_execute(|| {
			segments();
			let slots = MAX_REFUNDS * SCHEDULE_PROBE;
			for i in 0..slots {
				assert_ok!(open(1 + (i as u64 % FUNDED), &[10], 100, 10));
			}
			// Every block the refund could go to is full.
			assert_noop!(open(CONSUMER, &[10], 100, 10), Error::<Test>::ScheduleFull);
			let at = 10 + GRACE + 1;
			for b in at..at + SCHEDULE_PROBE as u64 {
				assert_eq!(RefundSchedule::<Test>::get(b).len() as u32, MAX_REFUNDS);
			}
		});
	}

	#[test]
	fn ids_exhausted() {
		build_and_execute(|| {
			segments();
			NextChannelId::<Test>::put(u64::MAX);
			assert_noop!(open(CONSUMER, &[10], 100, 10), Error::<Test>::IdsExhausted);
			NextOrderId::<Test>::put(u64::MAX);
			assert_noop!(
				Escrow::order_qos(RuntimeOrigin::signed(CONSUMER), 10, QosClass::Priority, 5, 5, 5),
				Error::<Test>::IdsExhausted
			);
		});
	}
}

mod top_up_and_close {
	use super::*;

	#[test]
	fn top_up_adds_to_the_hold() {
		build_and_execute(|| {
			segments();
			assert_ok!(open(CONSUMER, &[10], 100, 10));
			assert_ok!(Escrow::top_up(RuntimeOrigin::signed(CONSUMER), 0, 50));
			assert_eq!(Channels::<Test>::get(0).unwrap().deposit, 150);
			assert_eq!(held(CONSUMER), 150);
			System::assert_last_event(
				Event::ToppedUp { channel: 0, amount: 50, deposit: 150 }.into(),
			);
			assert_noop!(
				Escrow::top_up(RuntimeOrigin::signed(CONSUMER), 0, 0),
				Error::<Test>::DepositTooLow
			);
			assert_noop!(
				Escrow::top_up(RuntimeOrigin::signed(OTHER), 0, 5),
				Error::<Test>::NotConsumer
			);
			assert_noop!(
				Escrow::top_up(RuntimeOrigin::signed(CONSUMER), 9, 5),
				Error::<Test>::UnknownChannel
			);
			assert_noop!(
				Escrow::top_up(RuntimeOrigin::signed(CONSUMER), 0, ENDOWMENT),
				Error::<Test>::InsufficientBalance
			);
		});
	}

	#[test]
	fn close_refunds_after_the_grace() {
		build_and_execute(|| {
			segments();
			assert_ok!(open(CONSUMER, &[10, 11], 1_000, 500));
			run_to_block(5);
			assert_ok!(Escrow::close(RuntimeOrigin::signed(CONSUMER), 0));
			let refund_at = 5 + GRACE + 1;
			System::assert_last_event(Event::ChannelClosed { channel: 0, refund_at }.into());
			assert_eq!(RefundSchedule::<Test>::get(refund_at).into_inner(), vec![0]);
			assert!(!RefundSchedule::<Test>::contains_key(500 + GRACE + 1));
			assert_noop!(
				Escrow::close(RuntimeOrigin::signed(CONSUMER), 0),
				Error::<Test>::ChannelClosed
			);
			assert_noop!(
				Escrow::top_up(RuntimeOrigin::signed(CONSUMER), 0, 5),
				Error::<Test>::ChannelClosed
			);
			// Still settles during the grace.
			assert_ok!(Escrow::do_pay(0, 1, 90, 10));
			assert_eq!(Balances::free_balance(OP_B), ENDOWMENT + 90);
			run_to_block(refund_at - 1);
			assert_eq!(held(CONSUMER), 900);
			run_to_block(refund_at);
			assert_eq!(held(CONSUMER), 0);
			assert_eq!(Balances::free_balance(CONSUMER), ENDOWMENT - 100);
			assert!(Channels::<Test>::get(0).is_none());
			assert!(<Escrow as ChannelEscrow<_, _>>::ended(0));
			assert!(!<Escrow as ChannelEscrow<_, _>>::ended(1));
			System::assert_last_event(
				Event::ChannelRefunded { channel: 0, consumer: CONSUMER, refunded: 900 }.into(),
			);
		});
	}

	#[test]
	fn expiry_refunds_automatically() {
		build_and_execute(|| {
			segments();
			assert_ok!(open(CONSUMER, &[10], 1_000, 10));
			run_to_block(11);
			assert_noop!(
				Escrow::top_up(RuntimeOrigin::signed(CONSUMER), 0, 5),
				Error::<Test>::ChannelClosed
			);
			run_to_block(10 + GRACE);
			assert_eq!(held(CONSUMER), 1_000);
			run_to_block(10 + GRACE + 1);
			assert_eq!(held(CONSUMER), 0);
			assert_eq!(Balances::free_balance(CONSUMER), ENDOWMENT);
		});
	}
}

mod pay {
	use super::*;

	#[test]
	fn pays_relay_and_fee_pools_without_changing_issuance() {
		build_and_execute(|| {
			segments();
			assert_ok!(open(CONSUMER, &[10, 11], 1_000, 100));
			let issuance = Balances::total_issuance();
			assert_ok!(Escrow::do_pay(0, 1, 300, 100));
			assert_eq!(Balances::free_balance(OP_B), ENDOWMENT + 300);
			assert_eq!(Balances::free_balance(VALIDATOR_POT), 1 + 25);
			assert_eq!(Balances::free_balance(DIVIDEND_POT), 1 + 75);
			assert_eq!(held(CONSUMER), 600);
			assert_eq!(Channels::<Test>::get(0).unwrap().paid, 400);
			assert_eq!(Balances::total_issuance(), issuance);
			System::assert_last_event(
				Event::ChannelPaid { channel: 0, segment: 11, payee: OP_B, amount: 300, fee: 100 }
					.into(),
			);
			assert_noop!(Escrow::do_pay(0, 0, 600, 1), Error::<Test>::InsufficientDeposit);
			assert_noop!(Escrow::do_pay(3, 0, 1, 0), Error::<Test>::UnknownChannel);
			assert_noop!(Escrow::do_pay(0, 5, 1, 0), Error::<Test>::InvalidPath);
		});
	}
}

mod qos {
	use super::*;

	fn order(deadline: u64) -> DispatchResult {
		Escrow::order_qos(
			RuntimeOrigin::signed(CONSUMER),
			10,
			QosClass::RealTime,
			500,
			30,
			deadline,
		)
	}

	#[test]
	fn confirm_pays_the_provider() {
		build_and_execute(|| {
			segments();
			assert_ok!(order(10));
			assert_eq!(qos_held(CONSUMER), 500);
			System::assert_last_event(
				Event::QosOrdered {
					order: 0,
					consumer: CONSUMER,
					segment: 10,
					class: QosClass::RealTime,
					payment: 500,
					deadline: 10,
				}
				.into(),
			);
			assert_noop!(
				Escrow::confirm_qos(RuntimeOrigin::signed(OP_B), 0),
				Error::<Test>::NotProvider
			);
			run_to_block(10);
			assert_ok!(Escrow::confirm_qos(RuntimeOrigin::signed(OP_A), 0));
			assert_eq!(qos_held(CONSUMER), 0);
			assert_eq!(Balances::free_balance(OP_A), ENDOWMENT + 500);
			assert_eq!(Balances::free_balance(CONSUMER), ENDOWMENT - 500);
			System::assert_last_event(
				Event::QosConfirmed { order: 0, provider: OP_A, paid: 500, until: 40 }.into(),
			);
			assert!(OrderSchedule::<Test>::iter().next().is_none());
			assert_noop!(
				Escrow::confirm_qos(RuntimeOrigin::signed(OP_A), 0),
				Error::<Test>::UnknownOrder
			);
		});
	}

	#[test]
	fn reject_refunds_the_consumer() {
		build_and_execute(|| {
			segments();
			assert_ok!(order(10));
			assert_ok!(Escrow::reject_qos(RuntimeOrigin::signed(OP_A), 0));
			assert_eq!(qos_held(CONSUMER), 0);
			assert_eq!(Balances::free_balance(CONSUMER), ENDOWMENT);
			System::assert_last_event(Event::QosRejected { order: 0, refunded: 500 }.into());
			assert_noop!(
				Escrow::reject_qos(RuntimeOrigin::signed(OP_A), 0),
				Error::<Test>::UnknownOrder
			);
		});
	}

	#[test]
	fn deadline_refunds_automatically() {
		build_and_execute(|| {
			segments();
			assert_ok!(order(10));
			run_to_block(10);
			assert_eq!(qos_held(CONSUMER), 500);
			run_to_block(11);
			assert_eq!(qos_held(CONSUMER), 0);
			assert_eq!(Balances::free_balance(CONSUMER), ENDOWMENT);
			System::assert_last_event(Event::QosExpired { order: 0, refunded: 500 }.into());
			assert_noop!(
				Escrow::confirm_qos(RuntimeOrigin::signed(OP_A), 0),
				Error::<Test>::UnknownOrder
			);
		});
	}

	#[test]
	fn refuses_bad_orders() {
		build_and_execute(|| {
			segments();
			let o = |seg, payment, duration, deadline| {
				Escrow::order_qos(
					RuntimeOrigin::signed(CONSUMER),
					seg,
					QosClass::Priority,
					payment,
					duration,
					deadline,
				)
			};
			assert_noop!(o(77, 5, 5, 5), Error::<Test>::UnknownSegment);
			assert_noop!(o(10, 0, 5, 5), Error::<Test>::InvalidQos);
			assert_noop!(o(10, 5, 0, 5), Error::<Test>::InvalidQos);
			assert_noop!(o(10, 5, 5, 0), Error::<Test>::InvalidDeadline);
			assert_noop!(o(10, 5, 5, 2 + QOS_DEADLINE), Error::<Test>::InvalidDeadline);
			assert_noop!(o(10, ENDOWMENT, 5, 5), Error::<Test>::InsufficientBalance);
			set_state(10, SegState::Quarantined);
			assert_noop!(o(10, 5, 5, 5), Error::<Test>::SegmentQuarantined);
		});
	}
}
