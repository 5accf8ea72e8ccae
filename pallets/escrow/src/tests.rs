//! Unit tests of the escrow on the mock runtime.

use crate::{mock::*, *};
use codec::Encode;
use ditex_primitives::{
	qos::{IpPrefix, PROTO_UDP},
	registry::{IpAddress, TicketKey},
};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{DispatchResultWithPostInfo, Pays},
	traits::fungible::InspectHold as _,
};
use pallet_ditex::testing::set_ticket_key;
use sp_core::{ed25519, Pair, H256};
use sp_runtime::transaction_validity::{InvalidTransaction, TransactionValidityError};

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
	for s in [10, 11, 12] {
		set_ticket_key(s, TicketKey(router_key(s).public().0));
	}
}

/// The ticket key of test segment router `segment`: what its agent holds.
fn router_key(segment: SegmentId) -> ed25519::Pair {
	ed25519::Pair::from_seed(&[0x40 + segment as u8; 32])
}

/// A consumer's flow: UDP to port 5001 of 10.0.0.0/24.
fn flow() -> QosFlow {
	QosFlow {
		src: None,
		dst: Some(IpPrefix { addr: IpAddress::V4([10, 0, 0, 0]), len: 24 }),
		protocol: Some(PROTO_UDP),
		src_port: None,
		dst_port: Some(5001),
	}
}

/// An order of `class` on `segment` for 30 blocks at 1 Mbit/s, paying `payment`.
fn order_on(segment: SegmentId, payment: Balance, deadline: u64) -> DispatchResult {
	Escrow::order_qos(
		RuntimeOrigin::signed(CONSUMER),
		segment,
		QosClass::Priority,
		1_000_000,
		flow(),
		payment,
		30,
		deadline,
	)
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
			assert_noop!(order_on(10, 5, 5), Error::<Test>::IdsExhausted);
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

	fn genesis() -> H256 {
		System::block_hash(0)
	}

	/// `key`'s signature of the answer `verdict` to order `id` on `segment`, on chain `genesis`.
	fn sign_on(
		genesis: H256,
		id: OrderId,
		segment: SegmentId,
		verdict: QosVerdict,
		key: &ed25519::Pair,
	) -> [u8; 64] {
		key.sign(&QosAnswer { order: id, segment, verdict }.signing_payload(&genesis)).0
	}

	/// Segment `segment`'s router's answer to order `id` (on `segment`).
	fn sign(id: OrderId, segment: SegmentId, verdict: QosVerdict) -> [u8; 64] {
		sign_on(genesis(), id, segment, verdict, &router_key(segment))
	}

	fn confirm_call(id: OrderId, signature: [u8; 64]) -> Call<Test> {
		Call::<Test>::confirm_qos { order: id, signature }
	}

	fn reject_call(id: OrderId, reason: QosRejectReason, signature: [u8; 64]) -> Call<Test> {
		Call::<Test>::reject_qos { order: id, reason, signature }
	}

	/// What the pool (and block import) makes of an answer: `AuthorizeCall` runs the call's
	/// authorization.
	fn authorize(
		call: &Call<Test>,
	) -> sp_runtime::transaction_validity::TransactionValidityWithRefund {
		use frame_support::traits::Authorize;
		call.authorize(sp_runtime::transaction_validity::TransactionSource::External)
			.expect("answers are authorized by their call")
	}

	/// An answer the pool takes, then dispatched with the authorized origin.
	fn answer(call: Call<Test>) -> DispatchResultWithPostInfo {
		let (validity, _) = authorize(&call).expect("the pool takes the answer");
		let id = match &call {
			Call::confirm_qos { order, .. } | Call::reject_qos { order, .. } => *order,
			_ => unreachable!(),
		};
		assert_eq!(validity.provides, vec![("DitexQosAnswer", id).encode()]);
		let info = call
			.dispatch_bypass_filter(frame_system::RawOrigin::Authorized.into())
			.map_err(|e| e.error)?;
		assert_eq!(info.pays_fee, Pays::No);
		Ok(info)
	}

	/// An answer the pool refuses with `invalid`, and that the call refuses with `err` if it
	/// got into a block anyway: nothing changes.
	fn refused(call: Call<Test>, err: Error<Test>, invalid: InvalidTransaction) {
		let err = DispatchError::from(err);
		assert_eq!(authorize(&call), Err(TransactionValidityError::Invalid(invalid)));
		let result = match call.clone() {
			Call::confirm_qos { order, signature } => Escrow::do_confirm_qos(order, &signature),
			Call::reject_qos { order, reason, signature } => {
				Escrow::do_reject_qos(order, reason, &signature)
			},
			_ => unreachable!(),
		};
		assert_eq!(result, Err(err));
		assert_noop!(
			call.dispatch_bypass_filter(frame_system::RawOrigin::Authorized.into())
				.map_err(|e| e.error),
			err
		);
	}

	fn order(deadline: u64) -> DispatchResult {
		order_on(10, 500, deadline)
	}

	use frame_support::traits::UnfilteredDispatchable;

	mod attacks {
		use super::*;

		#[test]
		fn a_forged_signature_is_refused() {
			build_and_execute(|| {
				segments();
				assert_ok!(order(10));
				let forger = ed25519::Pair::from_seed(&[9; 32]);
				let forged = sign_on(genesis(), 0, 10, QosVerdict::Confirm, &forger);
				refused(
					confirm_call(0, forged),
					Error::<Test>::BadAnswerSignature,
					InvalidTransaction::BadProof,
				);
				refused(
					confirm_call(0, [0; 64]),
					Error::<Test>::BadAnswerSignature,
					InvalidTransaction::BadProof,
				);
				let reason = QosRejectReason::AboveCapacity;
				let forged = sign_on(genesis(), 0, 10, QosVerdict::Reject(reason), &forger);
				refused(
					reject_call(0, reason, forged),
					Error::<Test>::BadAnswerSignature,
					InvalidTransaction::BadProof,
				);
				assert_eq!(qos_held(CONSUMER), 500);
				assert_eq!(Balances::free_balance(OP_A), ENDOWMENT);
			});
		}

		/// Router B's key answers nothing for an order on A's segment, whichever segment the
		/// signed answer names.
		#[test]
		fn another_segments_key_is_refused() {
			build_and_execute(|| {
				segments();
				assert_ok!(order(10));
				let by_b =
					|segment| sign_on(genesis(), 0, segment, QosVerdict::Confirm, &router_key(11));
				for sig in [by_b(10), by_b(11)] {
					refused(
						confirm_call(0, sig),
						Error::<Test>::BadAnswerSignature,
						InvalidTransaction::BadProof,
					);
				}
				// Nor does the operator's account origin count any more.
				assert_noop!(
					confirm_call(0, sign(0, 10, QosVerdict::Confirm))
						.dispatch_bypass_filter(RuntimeOrigin::signed(OP_A))
						.map_err(|e| e.error),
					DispatchError::BadOrigin
				);
			});
		}

		/// A signed confirmation is no rejection, names one order and one chain.
		#[test]
		fn an_answer_binds_its_verdict_order_and_chain() {
			build_and_execute(|| {
				segments();
				assert_ok!(order(10));
				assert_ok!(order(10));
				let confirm = sign(0, 10, QosVerdict::Confirm);
				let reason = QosRejectReason::TrafficControlFailed;
				refused(
					reject_call(0, reason, confirm),
					Error::<Test>::BadAnswerSignature,
					InvalidTransaction::BadProof,
				);
				refused(
					confirm_call(1, confirm),
					Error::<Test>::BadAnswerSignature,
					InvalidTransaction::BadProof,
				);
				let elsewhere =
					sign_on(H256::repeat_byte(1), 0, 10, QosVerdict::Confirm, &router_key(10));
				refused(
					confirm_call(0, elsewhere),
					Error::<Test>::BadAnswerSignature,
					InvalidTransaction::BadProof,
				);
				// A rejection with another reason than the one signed.
				let signed = sign(0, 10, QosVerdict::Reject(QosRejectReason::AboveCapacity));
				refused(
					reject_call(0, QosRejectReason::ClassNotOffered, signed),
					Error::<Test>::BadAnswerSignature,
					InvalidTransaction::BadProof,
				);
			});
		}

		#[test]
		fn an_answer_replayed_after_the_answer_is_refused() {
			build_and_execute(|| {
				segments();
				assert_ok!(order(10));
				assert_ok!(order(10));
				let confirm = sign(0, 10, QosVerdict::Confirm);
				assert_ok!(answer(confirm_call(0, confirm)));
				let paid = Balances::free_balance(OP_A);
				refused(
					confirm_call(0, confirm),
					Error::<Test>::OrderNotPending,
					InvalidTransaction::Stale,
				);
				let reason = QosRejectReason::AboveCapacity;
				refused(
					reject_call(0, reason, sign(0, 10, QosVerdict::Reject(reason))),
					Error::<Test>::OrderNotPending,
					InvalidTransaction::Stale,
				);
				assert_eq!(Balances::free_balance(OP_A), paid);
				// A rejected order is gone: its answer again is refused, and so is a
				// confirmation.
				let reject = sign(1, 10, QosVerdict::Reject(reason));
				assert_ok!(answer(reject_call(1, reason, reject)));
				refused(
					reject_call(1, reason, reject),
					Error::<Test>::UnknownOrder,
					InvalidTransaction::Stale,
				);
				refused(
					confirm_call(1, sign(1, 10, QosVerdict::Confirm)),
					Error::<Test>::UnknownOrder,
					InvalidTransaction::Stale,
				);
				assert_eq!(qos_held(CONSUMER), 0);
				assert_eq!(Balances::free_balance(CONSUMER), ENDOWMENT - 500);
			});
		}

		#[test]
		fn an_answer_after_the_deadline_is_refused() {
			build_and_execute(|| {
				segments();
				assert_ok!(order(10));
				let confirm = sign(0, 10, QosVerdict::Confirm);
				// Valid in the pool until the deadline block, inclusive.
				let (validity, _) = authorize(&confirm_call(0, confirm)).unwrap();
				assert_eq!(validity.longevity, 10);
				run_to_block(10);
				let (validity, _) = authorize(&confirm_call(0, confirm)).unwrap();
				assert_eq!(validity.longevity, 1);
				System::set_block_number(11);
				refused(
					confirm_call(0, confirm),
					Error::<Test>::UnknownOrder,
					InvalidTransaction::Stale,
				);
			});
		}

		/// After the operator rotates the ticket key, the old key answers nothing.
		#[test]
		fn a_rotated_out_key_answers_nothing() {
			build_and_execute(|| {
				segments();
				assert_ok!(order(10));
				let old = sign(0, 10, QosVerdict::Confirm);
				let new_key = ed25519::Pair::from_seed(&[0x77; 32]);
				set_ticket_key(10, TicketKey(new_key.public().0));
				refused(
					confirm_call(0, old),
					Error::<Test>::BadAnswerSignature,
					InvalidTransaction::BadProof,
				);
				assert_ok!(answer(confirm_call(
					0,
					sign_on(genesis(), 0, 10, QosVerdict::Confirm, &new_key)
				)));
			});
		}

		/// One answer per order in the pool: a confirmation and a rejection of one order
		/// provide the same tag.
		#[test]
		fn one_answer_per_order_in_the_pool() {
			build_and_execute(|| {
				segments();
				assert_ok!(order(10));
				let reason = QosRejectReason::AboveCapacity;
				let tag = |call| authorize(&call).unwrap().0.provides;
				assert_eq!(
					tag(confirm_call(0, sign(0, 10, QosVerdict::Confirm))),
					tag(reject_call(0, reason, sign(0, 10, QosVerdict::Reject(reason))))
				);
			});
		}

		/// A quarantined router is not paid: its confirmation is refused, but it may still
		/// reject, refunding the consumer at once.
		#[test]
		fn l11_a_quarantined_router_may_reject_but_not_confirm() {
			build_and_execute(|| {
				segments();
				assert_ok!(order(10));
				set_state(10, SegState::Quarantined);
				refused(
					confirm_call(0, sign(0, 10, QosVerdict::Confirm)),
					Error::<Test>::SegmentQuarantined,
					InvalidTransaction::Call,
				);
				let reason = QosRejectReason::Unavailable;
				assert_ok!(answer(reject_call(0, reason, sign(0, 10, QosVerdict::Reject(reason)))));
				assert_eq!(Balances::free_balance(OP_A), ENDOWMENT);
				assert_eq!(Balances::free_balance(CONSUMER), ENDOWMENT);
			});
		}

		/// A segment takes at most `MaxOrdersPerSegment` orders pending or active; answered
		/// and ended ones make room.
		#[test]
		fn a_segment_takes_a_bounded_number_of_orders() {
			build_and_execute(|| {
				segments();
				for _ in 0..MAX_SEGMENT_ORDERS {
					assert_ok!(order_on(10, MIN_QOS, 40));
				}
				assert_noop!(order_on(10, MIN_QOS, 40), Error::<Test>::TooManyOrders);
				// Another segment is not affected.
				assert_ok!(order_on(11, MIN_QOS, 40));
				let reason = QosRejectReason::AboveCapacity;
				assert_ok!(answer(reject_call(0, reason, sign(0, 10, QosVerdict::Reject(reason)))));
				assert_ok!(order_on(10, MIN_QOS, 40));
				assert_eq!(Escrow::orders_of_view(10).len() as u32, MAX_SEGMENT_ORDERS);
			});
		}

		#[test]
		fn malformed_orders_are_refused() {
			build_and_execute(|| {
				segments();
				let with = |rate, flow| {
					Escrow::order_qos(
						RuntimeOrigin::signed(CONSUMER),
						10,
						QosClass::Priority,
						rate,
						flow,
						500,
						30,
						10,
					)
				};
				assert_noop!(with(0, flow()), Error::<Test>::InvalidQos);
				let wide = QosFlow { dst: None, ..flow() };
				assert_noop!(with(1_000, wide), Error::<Test>::InvalidFlow);
				let host_bits = QosFlow {
					dst: Some(IpPrefix { addr: IpAddress::V4([10, 0, 0, 1]), len: 24 }),
					..flow()
				};
				assert_noop!(with(1_000, host_bits), Error::<Test>::InvalidFlow);
				let port_only = QosFlow { protocol: None, ..flow() };
				assert_noop!(with(1_000, port_only), Error::<Test>::InvalidFlow);
				assert_eq!(qos_held(CONSUMER), 0);
			});
		}
	}

	#[test]
	fn a_confirmation_pays_the_operator_and_the_order_stays_active_until_its_end() {
		build_and_execute(|| {
			segments();
			assert_ok!(order(10));
			assert_eq!(qos_held(CONSUMER), 500);
			System::assert_last_event(
				Event::QosOrdered {
					order: 0,
					consumer: CONSUMER,
					segment: 10,
					class: QosClass::Priority,
					rate: 1_000_000,
					payment: 500,
					deadline: 10,
				}
				.into(),
			);
			let pending = Escrow::order_view(0).unwrap();
			assert_eq!((pending.status, pending.expire_at), (QosStatus::Pending, 11));
			run_to_block(10);
			assert_ok!(answer(confirm_call(0, sign(0, 10, QosVerdict::Confirm))));
			assert_eq!(qos_held(CONSUMER), 0);
			assert_eq!(Balances::free_balance(OP_A), ENDOWMENT + 500);
			assert_eq!(Balances::free_balance(CONSUMER), ENDOWMENT - 500);
			System::assert_last_event(
				Event::QosConfirmed { order: 0, provider: OP_A, paid: 500, until: 40 }.into(),
			);
			// Active through block 40: the agent reads it, and applies it after a restart.
			let active = Escrow::orders_of_view(10);
			assert_eq!(active.len(), 1);
			assert_eq!(active[0].1.status, QosStatus::Active { until: 40 });
			assert_eq!(active[0].1.expire_at, 41);
			run_to_block(40);
			assert!(Escrow::order_view(0).is_some());
			run_to_block(41);
			System::assert_last_event(Event::QosEnded { order: 0 }.into());
			assert!(Escrow::order_view(0).is_none());
			assert!(Escrow::orders_of_view(10).is_empty());
			assert!(!SegmentOrders::<Test>::contains_key(10));
			assert!(OrderSchedule::<Test>::iter().next().is_none());
			// The payment stays paid.
			assert_eq!(Balances::free_balance(OP_A), ENDOWMENT + 500);
		});
	}

	#[test]
	fn a_rejection_refunds_the_consumer_to_the_unit_with_its_reason() {
		build_and_execute(|| {
			segments();
			assert_ok!(order(10));
			let reason = QosRejectReason::ClassNotOffered;
			assert_ok!(answer(reject_call(0, reason, sign(0, 10, QosVerdict::Reject(reason)))));
			assert_eq!(qos_held(CONSUMER), 0);
			assert_eq!(Balances::free_balance(CONSUMER), ENDOWMENT);
			System::assert_last_event(
				Event::QosRejected { order: 0, refunded: 500, reason }.into(),
			);
			assert!(Escrow::orders_of_view(10).is_empty());
			assert!(OrderSchedule::<Test>::iter().next().is_none());
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
			assert!(Escrow::orders_of_view(10).is_empty());
			refused(
				confirm_call(0, sign(0, 10, QosVerdict::Confirm)),
				Error::<Test>::UnknownOrder,
				InvalidTransaction::Stale,
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
					1_000,
					flow(),
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

	/// A confirmation whose end finds every slot it may be scheduled in full fails whole: the
	/// order stays pending, the payment held.
	#[test]
	fn a_confirmation_with_no_room_to_end_changes_nothing() {
		build_and_execute(|| {
			segments();
			assert_ok!(order(10));
			let filler: BoundedVec<OrderId, ConstU32<MAX_ORDERS>> =
				BoundedVec::truncate_from((0..MAX_ORDERS as u64).map(|i| u64::MAX - i).collect());
			for b in 32..32 + SCHEDULE_PROBE as u64 {
				OrderSchedule::<Test>::insert(b, filler.clone());
			}
			assert_noop!(
				Escrow::do_confirm_qos(0, &sign(0, 10, QosVerdict::Confirm)),
				Error::<Test>::ScheduleFull
			);
			let confirm = confirm_call(0, sign(0, 10, QosVerdict::Confirm));
			assert_noop!(
				confirm
					.dispatch_bypass_filter(frame_system::RawOrigin::Authorized.into())
					.map_err(|e| e.error),
				Error::<Test>::ScheduleFull
			);
			assert_eq!(Escrow::order_view(0).unwrap().status, QosStatus::Pending);
			for b in 32..32 + SCHEDULE_PROBE as u64 {
				OrderSchedule::<Test>::remove(b);
			}
		});
	}
}

/// Regression tests for the findings of the chain review at 1f273ac, named after them.
mod review {
	use super::*;
	use frame_support::traits::{
		fungible::{InspectFreeze, Mutate as _, MutateFreeze},
		tokens::Preservation,
	};

	fn frozen(who: AccountId) -> Balance {
		Balances::balance_frozen(&Votes, &who)
	}

	/// Every account owns at least what is frozen on it: no vote is backed by coins gone.
	fn assert_votes_backed(who: AccountId) {
		assert!(
			frozen(who) <= Balances::total_balance(&who),
			"{who}: frozen {} > owned {}",
			frozen(who),
			Balances::total_balance(&who)
		);
	}

	#[test]
	fn c1_vote_inflation_loop_fails_at_its_first_step() {
		build_and_execute(|| {
			segments();
			// A votes all but 1 000 of its coins, then orders QoS with the voted coins.
			assert_ok!(Balances::set_freeze(&Votes, &CONSUMER, ENDOWMENT - 1_000));
			let order = |payment| order_on(10, payment, 5);
			assert_noop!(order(990_000), Error::<Test>::FundsFrozen);
			assert_noop!(order(1_001), Error::<Test>::FundsFrozen);
			assert_noop!(open(CONSUMER, &[10], 1_001, 10), Error::<Test>::FundsFrozen);
			// The unfrozen 1 000 can be escrowed, and not one unit more, top-ups included.
			assert_ok!(open(CONSUMER, &[10], 600, 10));
			assert_noop!(
				Escrow::top_up(RuntimeOrigin::signed(CONSUMER), 0, 401),
				Error::<Test>::FundsFrozen
			);
			assert_ok!(order(400));
			assert_eq!(held(CONSUMER) + qos_held(CONSUMER), 1_000);
			assert_eq!(Balances::balance(&CONSUMER), ENDOWMENT - 1_000);
			assert_eq!(frozen(CONSUMER), ENDOWMENT - 1_000);
			// The provider is paid from unfrozen coins: the votes stay backed.
			let answer = QosAnswer { order: 0, segment: 10, verdict: QosVerdict::Confirm };
			let signature = router_key(10).sign(&answer.signing_payload(&System::block_hash(0))).0;
			assert_ok!(Escrow::do_confirm_qos(0, &signature));
			assert_eq!(Balances::free_balance(OP_A), ENDOWMENT + 400);
			assert_eq!(frozen(CONSUMER), ENDOWMENT - 1_000);
			assert_votes_backed(CONSUMER);
		});
	}

	#[test]
	fn c1_held_coins_leaving_take_their_votes_with_them() {
		build_and_execute(|| {
			segments();
			// Escrow 1 000 of unfrozen coins, then vote everything else.
			assert_ok!(open(CONSUMER, &[10], 1_000, 10));
			assert_ok!(Balances::set_freeze(&Votes, &CONSUMER, ENDOWMENT - 1_000));
			// pallet-balances counts held coins toward a freeze, so free coins may now leave
			// down to `frozen - held`: the votes end up backed by the escrowed coins.
			assert_ok!(Balances::transfer(&CONSUMER, &OTHER, 1_000, Preservation::Preserve));
			assert_eq!(Balances::total_balance(&CONSUMER), ENDOWMENT - 1_000);
			let issuance = Balances::total_issuance();
			// Paying 600 out of the hold shrinks the votes to what the consumer keeps, and the
			// relay is paid in full.
			assert_ok!(Escrow::do_pay(0, 0, 570, 30));
			assert_eq!(Balances::free_balance(OP_A), ENDOWMENT + 570);
			assert_eq!(
				Balances::free_balance(VALIDATOR_POT) + Balances::free_balance(DIVIDEND_POT),
				2 + 30
			);
			assert_eq!(held(CONSUMER), 400);
			assert_eq!(Balances::total_balance(&CONSUMER), ENDOWMENT - 1_600);
			assert_eq!(frozen(CONSUMER), ENDOWMENT - 1_600);
			assert_votes_backed(CONSUMER);
			assert_eq!(Balances::total_issuance(), issuance);
			// The rest returns at the refund, still backing what is left of the votes.
			run_to_block(10 + GRACE + 1);
			assert_eq!(held(CONSUMER), 0);
			assert_eq!(Balances::free_balance(CONSUMER), ENDOWMENT - 1_600);
			assert_votes_backed(CONSUMER);
		});
	}

	#[test]
	fn h1_close_with_full_slots_keeps_the_refund_scheduled() {
		build_and_execute(|| {
			segments();
			// The victim's channel expires at 10: its refund is at R = 10 + GRACE + 1.
			const VICTIM: AccountId = 40;
			assert_ok!(open(VICTIM, &[10], 5_000, 10));
			let r = 10 + GRACE + 1;
			assert_eq!(Escrow::channel_view(0).unwrap().refund_at, r);
			// The attacker fills the three slots before R.
			for (i, expiry) in
				[7u64, 8, 9].iter().flat_map(|e| [*e; MAX_REFUNDS as usize]).enumerate()
			{
				assert_ok!(open(1 + i as u64 % 10, &[10], 100, expiry));
			}
			for b in r - 3..r {
				assert_eq!(RefundSchedule::<Test>::get(b).len() as u32, MAX_REFUNDS);
			}
			// Closing three blocks before expiry wants slot R - 3; R - 3 .. R are full.
			run_to_block(7);
			assert_ok!(Escrow::close(RuntimeOrigin::signed(VICTIM), 0));
			let ch = Escrow::channel_view(0).unwrap();
			assert_eq!(ch.refund_at, r);
			assert_eq!(RefundSchedule::<Test>::get(r).iter().filter(|c| **c == 0).count(), 1);
			System::assert_last_event(Event::ChannelClosed { channel: 0, refund_at: r }.into());
			Escrow::do_try_state().unwrap();
			// The deposit comes back at R, to the unit.
			run_to_block(r);
			assert_eq!(held(VICTIM), 0);
			assert_eq!(Balances::free_balance(VICTIM), ENDOWMENT);
			assert!(Escrow::channel_view(0).is_none());
		});
	}

	#[test]
	fn l5_dust_orders_cannot_fill_the_order_schedule() {
		build_and_execute(|| {
			segments();
			let o = |payment| order_on(10, payment, 5);
			assert_noop!(o(1), Error::<Test>::InvalidQos);
			assert_noop!(o(MIN_QOS - 1), Error::<Test>::InvalidQos);
			assert_ok!(o(MIN_QOS));
			assert_eq!(qos_held(CONSUMER), MIN_QOS);
			// And a dust channel is below the minimum deposit.
			assert_noop!(open(CONSUMER, &[10], MIN_DEPOSIT - 1, 10), Error::<Test>::DepositTooLow);
		});
	}

	#[test]
	fn l8_the_max_price_is_for_the_whole_path() {
		build_and_execute(|| {
			segments();
			let open_at = |max| {
				Escrow::open_channel(
					RuntimeOrigin::signed(CONSUMER),
					path(&[10, 11, 12]),
					1_000,
					max,
					10,
					data_key(),
					receipt_key(),
				)
			};
			// Every hop is within 2 × PRICE, but the path costs 4 × PRICE per GiB.
			assert_noop!(open_at(2 * PRICE), Error::<Test>::PriceAboveMax);
			assert_noop!(open_at(4 * PRICE - 1), Error::<Test>::PriceAboveMax);
			assert_ok!(open_at(4 * PRICE));
			assert_eq!(held(CONSUMER), 1_000);
		});
	}
}
