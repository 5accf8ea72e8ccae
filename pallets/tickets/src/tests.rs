//! Unit tests of ticket validation and settlement on the mock runtime.

use crate::{mock::*, *};
use codec::Encode;
use ditex_primitives::{
	registry::DataPlaneKey,
	settlement::{Path, Receipt, ReceiptKey, SignedReceipt},
};
use ditex_primitives::{registry::TicketKey, settlement::SignedTicket};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{DispatchResultWithPostInfo, Pays},
	traits::fungible::InspectHold as _,
};
use pallet_ditex::testing::set_ticket_key;
use sp_core::{ed25519, Pair, H256};
use sp_runtime::transaction_validity::{
	InvalidTransaction, TransactionSource, TransactionValidityWithRefund,
};

const CONSUMER: AccountId = 1;
/// Segments of the path, their operators and prices per GiB.
const A: SegmentId = 10;
const B: SegmentId = 11;
const C: SegmentId = 12;
/// A segment that is not on the path.
const X: SegmentId = 13;
const OP_A: AccountId = 20;
const OP_B: AccountId = 21;
const OP_C: AccountId = 22;
const OP_X: AccountId = 23;
const PRICE_A: Balance = 1 << 30; // 1 unit per byte
const PRICE_B: Balance = 2 << 30; // 2 units per byte
const PRICE_C: Balance = 1 << 29; // half a unit per byte
const DEPOSIT: Balance = 100_000;
const EXPIRES: u64 = 100;

fn consumer_key() -> ed25519::Pair {
	ed25519::Pair::from_seed(&[1; 32])
}

/// The ticket key of test segment router `segment`.
fn router_key(segment: SegmentId) -> ed25519::Pair {
	ed25519::Pair::from_seed(&[0x40 + segment as u8; 32])
}

fn segments() {
	add_segment(A, OP_A, Some(PRICE_A));
	add_segment(B, OP_B, Some(PRICE_B));
	add_segment(C, OP_C, Some(PRICE_C));
	add_segment(X, OP_X, Some(PRICE_A));
	for s in [A, B, C, X] {
		set_ticket_key(s, TicketKey(router_key(s).public().0));
	}
}

fn open(path: &[SegmentId], deposit: Balance, expires_at: u64) -> ChannelId {
	let id = pallet_escrow::NextChannelId::<Test>::get();
	assert_ok!(Escrow::open_channel(
		RuntimeOrigin::signed(CONSUMER),
		Path::try_from(path.to_vec()).unwrap(),
		deposit,
		PRICE_A + PRICE_B + PRICE_C,
		expires_at,
		DataPlaneKey([9; 32]),
		ReceiptKey(consumer_key().public().0),
	));
	id
}

/// The A → B → C channel.
fn setup() -> ChannelId {
	segments();
	open(&[A, B, C], DEPOSIT, EXPIRES)
}

fn genesis() -> H256 {
	System::block_hash(0)
}

fn sign(receipt: Receipt, key: &ed25519::Pair) -> SignedReceipt {
	let signature = key.sign(&receipt.signing_payload()).0;
	SignedReceipt { receipt, signature }
}

fn receipt(channel: ChannelId, path: &[SegmentId], cumulative_bytes: u64) -> SignedReceipt {
	sign(
		Receipt {
			genesis: genesis(),
			channel,
			path: Path::try_from(path.to_vec()).unwrap(),
			cumulative_bytes,
		},
		&consumer_key(),
	)
}

const PATH: [SegmentId; 3] = [A, B, C];

/// The usage of hop `hop` of the A → B → C path.
fn usage(
	channel: ChannelId,
	hop: u8,
	bytes_in: u64,
	bytes_out: u64,
	receipt: Option<SignedReceipt>,
) -> ChannelUsage {
	let h = hop as usize;
	ChannelUsage {
		channel,
		hop,
		prev: h.checked_sub(1).map(|i| PATH[i]),
		next: PATH.get(h + 1).copied(),
		bytes_in,
		bytes_out,
		receipt,
		ack: None,
	}
}

fn ticket(segment: SegmentId, epoch: Epoch, channels: Vec<ChannelUsage>) -> Ticket {
	Ticket {
		segment,
		epoch,
		boot_time: 1_000,
		total_in: 0,
		total_out: 0,
		peers: Default::default(),
		channels: channels.try_into().unwrap(),
	}
}

/// `t` signed with its segment's ticket key.
fn signed(t: Ticket) -> SignedTicket {
	let signature = router_key(t.segment).sign(&t.signing_payload(&genesis())).0;
	SignedTicket { ticket: t, signature }
}

/// What the pool (and block import) makes of a signed ticket: `AuthorizeCall` runs the
/// call's authorization.
fn authorize(t: &SignedTicket) -> TransactionValidityWithRefund {
	use frame_support::traits::Authorize;
	crate::Call::<Test>::submit_ticket { ticket: t.clone() }
		.authorize(TransactionSource::External)
		.expect("submit_ticket is authorized by its call")
}

/// Submit `t`, signed with its segment's ticket key, as an authorized transaction: the
/// authorization first (it must pass), then the dispatch with the authorized origin.
fn submit(t: Ticket) -> DispatchResultWithPostInfo {
	let t = signed(t);
	let (validity, _) = authorize(&t).expect("the pool takes the ticket");
	assert_eq!(
		validity.provides,
		vec![("DitexTicket", (t.ticket.segment, t.ticket.epoch)).encode()]
	);
	Tickets::submit_ticket(frame_system::RawOrigin::Authorized.into(), t)
}

/// A ticket that validates is applied.
fn accept(t: Ticket) {
	let (segment, epoch, channels) = (t.segment, t.epoch, t.channels.len() as u32);
	submit(t).expect("the ticket validates");
	System::assert_has_event(Event::TicketAccepted { segment, epoch, channels }.into());
}

/// A ticket that passes the pool but fails validation on what its relay controls: the
/// validation returns `err` and changes nothing; the extrinsic applies nothing of it either,
/// but strikes the segment and says why.
fn reject(t: Ticket, err: Error<Test>) {
	let error: DispatchError = err.into();
	assert_noop!(Tickets::do_submit_ticket(signed(t.clone())), error);
	let (segment, epoch) = (t.segment, t.epoch);
	let before =
		(strikes(segment), LastTicket::<Test>::get(segment), Claims::<Test>::iter().count());
	submit(t).expect("a rejected ticket is recorded, not rolled back");
	assert_eq!(strikes(segment), before.0 + 1);
	assert_eq!(LastTicket::<Test>::get(segment), before.1);
	assert_eq!(Claims::<Test>::iter().count(), before.2);
	System::assert_last_event(Event::TicketRejected { segment, epoch, error }.into());
}

/// A ticket the pool refuses (`invalid`), and the call with its own `Error` if it got in:
/// nothing changes, no strike.
fn refuse_signed(t: SignedTicket, err: Error<Test>, invalid: InvalidTransaction) {
	let segment = t.ticket.segment;
	assert_eq!(authorize(&t), Err(invalid.into()));
	assert_noop!(Tickets::do_submit_ticket(t), DispatchError::from(err));
	assert_eq!(strikes(segment), 0);
}

/// [`refuse_signed`] for a ticket signed with its segment's key.
fn refuse(t: Ticket, err: Error<Test>, invalid: InvalidTransaction) {
	refuse_signed(signed(t), err, invalid)
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&pallet_escrow::HoldReason::ChannelDeposit.into(), &who)
}

fn paid(segment: SegmentId, channel: ChannelId) -> Balance {
	Claims::<Test>::get(segment, channel).map_or(0, |c| c.paid)
}

/// Settle `channel` as A's operator, a payee of every test channel: free, since it pays
/// someone.
fn settle(channel: ChannelId) {
	let info = Tickets::settle(RuntimeOrigin::signed(OP_A), channel).expect("pays someone");
	assert_eq!(info.pays_fee, Pays::No);
}

/// Settling `channel` now pays nobody: an error that changes nothing, or, when tickets brought
/// receipts or acks whose signatures it has to check, the checks alone, at the caller's cost.
fn nothing_to_settle(channel: ChannelId) {
	let unchecked = |c: Claim<Balance>| c.unchecked_receipt.is_some() || c.unchecked_ack.is_some();
	let to_check = Claims::<Test>::iter().any(|(_, id, c)| id == channel && unchecked(c));
	let paid_before: Vec<_> = Claims::<Test>::iter().map(|(_, _, c)| c.paid).collect();
	if !to_check {
		assert_noop!(
			Tickets::settle(RuntimeOrigin::signed(CONSUMER), channel),
			Error::<Test>::NothingToSettle
		);
		return;
	}
	let info = Tickets::settle(RuntimeOrigin::signed(CONSUMER), channel).expect("checks");
	assert_eq!(info.pays_fee, Pays::Yes);
	let paid_after: Vec<_> = Claims::<Test>::iter().map(|(_, _, c)| c.paid).collect();
	assert_eq!(paid_before, paid_after, "a settlement that pays nobody");
	assert!(!Claims::<Test>::iter().any(|(_, id, c)| id == channel && unchecked(c)));
	// Nothing left to check: the next one is an error.
	assert_noop!(
		Tickets::settle(RuntimeOrigin::signed(CONSUMER), channel),
		Error::<Test>::NothingToSettle
	);
}

/// Have `channel`'s unchecked receipts and acks checked now, as any settlement does.
fn check_signatures(channel: ChannelId) {
	let _ = Tickets::settle(RuntimeOrigin::signed(CONSUMER), channel);
	let unchecked = |c: Claim<Balance>| c.unchecked_receipt.is_some() || c.unchecked_ack.is_some();
	assert!(!Claims::<Test>::iter().any(|(_, id, c)| id == channel && unchecked(c)));
}

mod happy_path {
	use super::*;

	/// After the A → B → C channel's end: each relay holds exactly its pay, the pools their
	/// 25/75 of the fees, the consumer got the rest back, and no unit was created or lost.
	fn paid_out_and_refunded(ch: ChannelId, issuance: Balance) {
		assert_eq!(Balances::free_balance(OP_A), ENDOWMENT + 8_640);
		assert_eq!(Balances::free_balance(OP_B), ENDOWMENT + 17_280);
		assert_eq!(Balances::free_balance(OP_C), ENDOWMENT + 4_320);
		// Fees: 960 + 1 920 + 480 = 3 360, split 25/75 per payment.
		assert_eq!(Balances::free_balance(VALIDATOR_POT), 1 + 240 + 480 + 120);
		assert_eq!(Balances::free_balance(DIVIDEND_POT), 1 + 720 + 1_440 + 360);
		assert_eq!(held(CONSUMER), 0);
		assert_eq!(Balances::free_balance(CONSUMER), ENDOWMENT - 33_600);
		System::assert_has_event(
			pallet_escrow::Event::ChannelRefunded {
				channel: ch,
				consumer: CONSUMER,
				refunded: DEPOSIT - 33_600,
			}
			.into(),
		);
		assert_eq!(Balances::total_issuance(), issuance);
		// Nothing is kept of the ended channel.
		for segment in PATH {
			assert_eq!(Claims::<Test>::get(segment, ch), None);
		}
	}

	/// A → B → C; 640 bytes are lost between A and B. The consumer acknowledges 10 240.
	/// A forwarded 10 240 but B received 9 600: A is paid for 9 600 at 1/byte; B for 9 600 at
	/// 2/byte; C, the last hop, for 9 600 at ½/byte. 10% of each payment goes to the fee
	/// pools, 25/75. The consumer gets the rest back after expiry and grace.
	#[test]
	fn three_relays_with_loss_are_paid_exactly_and_the_rest_returns() {
		build_and_execute(|| {
			let ch = setup();
			let r = receipt(ch, &PATH, 10_240);
			let issuance = Balances::total_issuance();

			accept(ticket(A, 0, vec![usage(ch, 0, 10_240, 10_240, Some(r.clone()))]));
			// Intake records; A waits for B's ticket, so there is nothing to pay yet.
			assert_eq!(Tickets::relay_view(A), RelayView { earned: 0, pending: 10_240 });
			nothing_to_settle(ch);
			assert_eq!(paid(A, ch), 0);

			accept(ticket(B, 0, vec![usage(ch, 1, 9_600, 9_600, Some(r.clone()))]));
			assert_eq!(paid(A, ch), 0);
			// With B's ticket in, A settles on what B received.
			settle(ch);
			assert_eq!(paid(A, ch), 9_600);
			assert_eq!(Balances::free_balance(OP_A), ENDOWMENT + 8_640);
			System::assert_has_event(
				Event::RelayPaid {
					channel: ch,
					segment: A,
					hop: 0,
					bytes: 9_600,
					amount: 8_640,
					fee: 960,
				}
				.into(),
			);
			assert_eq!(paid(B, ch), 0);

			accept(ticket(C, 0, vec![usage(ch, 2, 9_600, 9_600, Some(r))]));
			settle(ch);
			assert_eq!(paid(C, ch), 4_800);
			assert_eq!(paid(B, ch), 19_200);
			assert_eq!(Balances::free_balance(OP_B), ENDOWMENT + 17_280);
			assert_eq!(Balances::free_balance(OP_C), ENDOWMENT + 4_320);
			System::assert_has_event(
				Event::RelayPaid {
					channel: ch,
					segment: B,
					hop: 1,
					bytes: 9_600,
					amount: 17_280,
					fee: 1_920,
				}
				.into(),
			);

			// Fees: 960 + 1 920 + 480 = 3 360, split 25/75 per payment.
			assert_eq!(Balances::free_balance(VALIDATOR_POT), 1 + 240 + 480 + 120);
			assert_eq!(Balances::free_balance(DIVIDEND_POT), 1 + 720 + 1_440 + 360);
			assert_eq!(held(CONSUMER), DEPOSIT - 33_600);
			assert_eq!(Escrow::channel_view(ch).unwrap().paid, 33_600);
			assert_eq!(Tickets::relay_view(A), RelayView { earned: 8_640, pending: 640 });
			assert_eq!(Tickets::relay_view(B), RelayView { earned: 17_280, pending: 0 });
			assert_eq!(Tickets::relay_view(C), RelayView { earned: 4_320, pending: 0 });
			// Settlement creates and destroys nothing.
			assert_eq!(Balances::total_issuance(), issuance);

			// The rest returns after expiry and the settlement grace.
			run_to_block(EXPIRES + ESCROW_GRACE);
			assert_eq!(held(CONSUMER), DEPOSIT - 33_600);
			run_to_block(EXPIRES + ESCROW_GRACE + 1);
			paid_out_and_refunded(ch, issuance);
			assert_eq!(Tickets::relay_view(A), RelayView { earned: 8_640, pending: 0 });
		});
	}

	/// The same path and tickets, and nobody asks for settlement: the channel's end settles
	/// every hop, to the unit, before the rest returns.
	#[test]
	fn a_channel_that_ends_is_settled_without_being_asked() {
		build_and_execute(|| {
			let ch = setup();
			let r = receipt(ch, &PATH, 10_240);
			let issuance = Balances::total_issuance();
			accept(ticket(A, 0, vec![usage(ch, 0, 10_240, 10_240, Some(r.clone()))]));
			accept(ticket(B, 0, vec![usage(ch, 1, 9_600, 9_600, Some(r.clone()))]));
			accept(ticket(C, 0, vec![usage(ch, 2, 9_600, 9_600, Some(r))]));
			assert_eq!(held(CONSUMER), DEPOSIT);

			run_to_block(EXPIRES + ESCROW_GRACE + 1);
			paid_out_and_refunded(ch, issuance);
			assert_eq!(Tickets::relay_view(B), RelayView { earned: 17_280, pending: 0 });
		});
	}

	/// A keeps forwarding more every epoch. It is paid as B's reports come in and never beyond
	/// B's figure, also when B stops reporting and when the channel ends.
	#[test]
	fn h2_an_upstream_is_never_paid_past_what_its_downstream_reported() {
		build_and_execute(|| {
			let ch = setup();
			let r = |bytes| Some(receipt(ch, &PATH, bytes));
			accept(ticket(A, 0, vec![usage(ch, 0, 1_000, 1_000, r(1_000))]));
			// 10% lost between A and B.
			accept(ticket(B, 0, vec![usage(ch, 1, 900, 900, r(900))]));
			run_to_block(EPOCH);
			accept(ticket(A, 1, vec![usage(ch, 0, 2_000, 2_000, r(2_000))]));
			run_to_block(2 * EPOCH);
			accept(ticket(B, 2, vec![usage(ch, 1, 1_800, 1_800, r(1_800))]));
			settle(ch);
			assert_eq!(paid(A, ch), 1_800);
			run_to_block(3 * EPOCH);
			accept(ticket(A, 3, vec![usage(ch, 0, 3_000, 3_000, r(3_000))]));
			// B has not reported on epoch 3: A's new bytes wait, the old figure stands.
			nothing_to_settle(ch);
			// B never reports again: the grace passing does not pay A beyond B's figure (B
			// itself, whose downstream C never reported at all, is paid on the receipt)...
			run_to_block((3 + WAIT as u64 + 1) * EPOCH);
			settle(ch);
			assert_eq!(paid(A, ch), 1_800);
			assert_eq!(paid(B, ch), 2 * 1_800);
			// ...and neither does the channel's end.
			run_to_block(EXPIRES + ESCROW_GRACE + 1);
			assert_eq!(Balances::free_balance(OP_A), ENDOWMENT + 1_620);
			assert_eq!(held(CONSUMER), 0);
		});
	}

	#[test]
	fn a_relay_claiming_more_than_downstream_received_is_paid_what_arrived() {
		build_and_execute(|| {
			let ch = setup();
			let r = receipt(ch, &PATH, 50_000);
			accept(ticket(A, 0, vec![usage(ch, 0, 20_000, 20_000, Some(r.clone()))]));
			accept(ticket(B, 0, vec![usage(ch, 1, 9_000, 9_000, None)]));
			settle(ch);
			assert_eq!(paid(A, ch), 9_000);
			// Claiming the same again later changes nothing: B's figure stands. (B itself,
			// whose downstream never reported, is paid on the receipt after the grace.)
			run_to_block(4 * EPOCH);
			accept(ticket(A, 4, vec![usage(ch, 0, 20_000, 20_000, Some(r))]));
			settle(ch);
			assert_eq!(paid(A, ch), 9_000);
			assert_eq!(paid(B, ch), 18_000);
			assert_eq!(Balances::free_balance(OP_A), ENDOWMENT + 8_100);
		});
	}

	#[test]
	fn a_missing_downstream_ticket_settles_on_the_receipt_after_the_grace() {
		build_and_execute(|| {
			let ch = setup();
			let r = receipt(ch, &PATH, 8_000);
			accept(ticket(A, 0, vec![usage(ch, 0, 10_000, 10_000, Some(r.clone()))]));
			run_to_block(EPOCH);
			accept(ticket(A, 1, vec![usage(ch, 0, 10_000, 10_000, None)]));
			nothing_to_settle(ch);
			run_to_block(WAIT as u64 * EPOCH);
			settle(ch);
			// Proven by the receipt: 8 000 of the 10 000 forwarded.
			assert_eq!(paid(A, ch), 8_000);
		});
	}

	#[test]
	fn a_replayed_or_older_receipt_pays_nothing_twice() {
		build_and_execute(|| {
			let ch = setup();
			let r = receipt(ch, &[A, B, C], 1_000);
			accept(ticket(C, 0, vec![usage(ch, 2, 5_000, 5_000, Some(r.clone()))]));
			settle(ch);
			assert_eq!(paid(C, ch), 500);
			run_to_block(EPOCH);
			// The same receipt again.
			accept(ticket(C, 1, vec![usage(ch, 2, 5_000, 5_000, Some(r))]));
			nothing_to_settle(ch);
			assert_eq!(paid(C, ch), 500);
			run_to_block(2 * EPOCH);
			accept(ticket(C, 2, vec![usage(ch, 2, 5_000, 5_000, Some(receipt(ch, &PATH, 3_000)))]));
			settle(ch);
			assert_eq!(paid(C, ch), 1_500);
			run_to_block(3 * EPOCH);
			// An older, smaller receipt is ignored, not an error.
			accept(ticket(C, 3, vec![usage(ch, 2, 5_000, 5_000, Some(receipt(ch, &PATH, 2_000)))]));
			assert_eq!(Claims::<Test>::get(C, ch).unwrap().receipt, 3_000);
			assert_eq!(Tickets::receipt_view(ch), 3_000);
			nothing_to_settle(ch);
			assert_eq!(paid(C, ch), 1_500);
			assert_eq!(Balances::free_balance(OP_C), ENDOWMENT + 1_350);
		});
	}

	#[test]
	fn a_claim_above_the_deposit_is_capped_and_a_top_up_pays_the_rest() {
		build_and_execute(|| {
			segments();
			let ch = open(&[A], 5_000, EXPIRES);
			let r = sign(
				Receipt {
					genesis: genesis(),
					channel: ch,
					path: Path::try_from(vec![A]).unwrap(),
					cumulative_bytes: 9_600,
				},
				&consumer_key(),
			);
			let single = |bytes| ChannelUsage {
				channel: ch,
				hop: 0,
				prev: None,
				next: None,
				bytes_in: bytes,
				bytes_out: bytes,
				receipt: Some(r.clone()),
				ack: None,
			};
			accept(ticket(A, 0, vec![single(9_600)]));
			settle(ch);
			// Owed 9 600, but only 5 000 is held: 4 500 to A, 500 in fees.
			assert_eq!(paid(A, ch), 5_000);
			assert_eq!(held(CONSUMER), 0);
			assert_eq!(Balances::free_balance(OP_A), ENDOWMENT + 4_500);
			// The escrow refuses to pay beyond the deposit.
			assert_noop!(
				<Escrow as pallet_escrow::ChannelEscrow<_, _>>::pay(ch, 0, 1, 0),
				pallet_escrow::Error::<Test>::InsufficientDeposit
			);
			nothing_to_settle(ch);
			assert_ok!(Escrow::top_up(RuntimeOrigin::signed(CONSUMER), ch, 10_000));
			settle(ch);
			assert_eq!(paid(A, ch), 9_600);
			assert_eq!(held(CONSUMER), 10_000 - 4_600);
		});
	}

	#[test]
	fn counters_reset_with_a_new_boot() {
		build_and_execute(|| {
			segments();
			let mut t = ticket(A, 0, vec![]);
			t.total_in = 500;
			t.peers =
				vec![PeerCounters { peer: B, octets_in: 10, octets_out: 20 }].try_into().unwrap();
			accept(t.clone());
			run_to_block(EPOCH);
			t.epoch = 1;
			t.boot_time += 60;
			t.total_in = 5;
			t.peers[0].octets_in = 1;
			accept(t);
			assert_eq!(LastTicket::<Test>::get(A).unwrap().total_in, 5);
		});
	}
}

mod rejected {
	use super::*;

	/// A receipt that does not verify is the consumer's (or an upstream's) doing: the ticket
	/// is applied without it, with no strike and no fee, and the event says why. One for
	/// another chain, channel or path is dropped at once; one whose signature fails, by the
	/// settlement that checks it.
	fn ignored(t: Ticket, err: Error<Test>) {
		let segment = t.segment;
		let ch = t.channels[0].channel;
		let bytes_out = t.channels[0].bytes_out;
		let receipt_before = Claims::<Test>::get(segment, ch).map_or(0, |c| c.receipt);
		accept(t);
		if matches!(err, Error::<Test>::BadReceiptSignature) {
			let claim = Claims::<Test>::get(segment, ch).unwrap();
			assert!(claim.unchecked_receipt.is_some(), "kept for settlement to check");
			check_signatures(ch);
		}
		assert_eq!(strikes(segment), 0);
		let claim = Claims::<Test>::get(segment, ch).unwrap();
		assert_eq!((claim.bytes_out, claim.receipt), (bytes_out, receipt_before));
		assert_eq!(claim.unchecked_receipt, None);
		System::assert_has_event(
			Event::ReceiptIgnored { segment, channel: ch, error: err.into() }.into(),
		);
	}

	#[test]
	fn m4_a_forged_receipt_is_dropped_not_struck() {
		build_and_execute(|| {
			let ch = setup();
			let mut r = receipt(ch, &PATH, 10_000);
			r.receipt.cumulative_bytes = 1_000_000;
			ignored(
				ticket(C, 0, vec![usage(ch, 2, 10_000, 10_000, Some(r))]),
				Error::<Test>::BadReceiptSignature,
			);
			// Signed by someone else.
			run_to_block(EPOCH);
			let other = ed25519::Pair::from_seed(&[2; 32]);
			let r = sign(receipt(ch, &PATH, 10_000).receipt, &other);
			ignored(
				ticket(C, 1, vec![usage(ch, 2, 11_000, 11_000, Some(r))]),
				Error::<Test>::BadReceiptSignature,
			);
			// Nothing proves delivery, so nothing is paid; a good receipt later pays.
			nothing_to_settle(ch);
			run_to_block(2 * EPOCH);
			let good = receipt(ch, &PATH, 11_000);
			accept(ticket(C, 2, vec![usage(ch, 2, 11_000, 11_000, Some(good))]));
			settle(ch);
			assert_eq!(paid(C, ch), 5_500);
			assert_eq!(strikes(C), 0);
		});
	}

	#[test]
	fn m4_a_receipt_for_another_chain_is_dropped_not_struck() {
		build_and_execute(|| {
			let ch = setup();
			let r = sign(
				Receipt {
					genesis: H256::repeat_byte(1),
					channel: ch,
					path: Path::try_from(PATH.to_vec()).unwrap(),
					cumulative_bytes: 10_000,
				},
				&consumer_key(),
			);
			ignored(
				ticket(C, 0, vec![usage(ch, 2, 10_000, 10_000, Some(r))]),
				Error::<Test>::ReceiptWrongChain,
			);
		});
	}

	#[test]
	fn m4_a_receipt_for_another_channel_or_path_is_dropped_not_struck() {
		build_and_execute(|| {
			let ch = setup();
			let other = open(&[A, B, C], DEPOSIT, EXPIRES);
			// A valid receipt of the consumer's other channel.
			let r = receipt(other, &PATH, 10_000);
			ignored(
				ticket(C, 0, vec![usage(ch, 2, 10_000, 10_000, Some(r))]),
				Error::<Test>::ReceiptWrongChannel,
			);
			run_to_block(EPOCH);
			let r = receipt(ch, &[A, C], 10_000);
			ignored(
				ticket(C, 1, vec![usage(ch, 2, 11_000, 11_000, Some(r))]),
				Error::<Test>::ReceiptWrongChannel,
			);
		});
	}

	#[test]
	fn relay_not_on_the_path() {
		build_and_execute(|| {
			let ch = setup();
			let mut u = usage(ch, 1, 10_000, 10_000, None);
			reject(ticket(X, 0, vec![u.clone()]), Error::<Test>::NotOnPath);
			// B claiming C's hop.
			u.hop = 2;
			reject(ticket(B, 0, vec![u]), Error::<Test>::NotOnPath);
		});
	}

	#[test]
	fn wrong_neighbours() {
		build_and_execute(|| {
			let ch = setup();
			let mut u = usage(ch, 1, 10_000, 10_000, None);
			u.prev = Some(X);
			reject(ticket(B, 0, vec![u]), Error::<Test>::HopMismatch);
			let mut u = usage(ch, 2, 10_000, 10_000, None);
			u.next = Some(A);
			reject(ticket(C, 0, vec![u]), Error::<Test>::HopMismatch);
		});
	}

	#[test]
	fn counters_going_back_without_a_new_boot() {
		build_and_execute(|| {
			segments();
			let mut t = ticket(A, 0, vec![]);
			t.total_in = 500;
			t.total_out = 400;
			t.peers =
				vec![PeerCounters { peer: B, octets_in: 10, octets_out: 20 }].try_into().unwrap();
			accept(t.clone());
			run_to_block(EPOCH);
			t.epoch = 1;
			let mut back = t.clone();
			back.total_out = 399;
			reject(back, Error::<Test>::CountersWentBack);
			let mut back = t.clone();
			back.peers[0].octets_out = 19;
			reject(back, Error::<Test>::CountersWentBack);
			accept(t);
		});
	}

	/// A box whose clock came up at 1970 reports an earlier boot time: a new boot, not a
	/// strike. A boot time past the chain's clock is refused, not struck.
	#[test]
	fn l7_a_wrong_clock_does_not_quarantine_an_honest_box() {
		build_and_execute(|| {
			segments();
			let mut t = ticket(A, 0, vec![]);
			t.total_in = 500;
			accept(t.clone());
			run_to_block(EPOCH);
			t.epoch = 1;
			t.boot_time = 5;
			t.total_in = 0;
			accept(t.clone());
			assert_eq!(LastTicket::<Test>::get(A).unwrap().boot_time, 5);
			run_to_block(2 * EPOCH);
			t.epoch = 2;
			t.boot_time = NOW + MAX_SKEW + 1;
			refuse(t.clone(), Error::<Test>::BootTimeInFuture, InvalidTransaction::Call);
			t.boot_time = NOW + MAX_SKEW;
			accept(t);
			assert_eq!(strikes(A), 0);
		});
	}

	/// An agent that lost its channel counters reports less than before: the claim keeps its
	/// maximum, and the box is not struck.
	#[test]
	fn l7_lost_channel_counters_keep_the_old_maximum() {
		build_and_execute(|| {
			let ch = setup();
			accept(ticket(A, 0, vec![usage(ch, 0, 1_000, 1_000, None)]));
			run_to_block(EPOCH);
			accept(ticket(A, 1, vec![usage(ch, 0, 999, 10, None)]));
			let claim = Claims::<Test>::get(A, ch).unwrap();
			assert_eq!((claim.bytes_in, claim.bytes_out), (1_000, 1_000));
			assert_eq!(strikes(A), 0);
		});
	}

	#[test]
	fn forwarding_more_than_received() {
		build_and_execute(|| {
			let ch = setup();
			reject(
				ticket(B, 0, vec![usage(ch, 1, 1_000, 1_001, None)]),
				Error::<Test>::ForwardedMoreThanReceived,
			);
		});
	}
}

mod refused {
	use super::*;

	#[test]
	fn replayed_ticket() {
		build_and_execute(|| {
			let ch = setup();
			let t =
				ticket(C, 0, vec![usage(ch, 2, 10_000, 10_000, Some(receipt(ch, &PATH, 10_000)))]);
			accept(t.clone());
			settle(ch);
			assert_eq!(paid(C, ch), 5_000);
			refuse(t.clone(), Error::<Test>::ReplayedTicket, InvalidTransaction::Stale);
			run_to_block(EPOCH);
			// An older epoch than the last accepted one is a replay too.
			accept(ticket(C, 1, vec![]));
			refuse(t, Error::<Test>::ReplayedTicket, InvalidTransaction::Stale);
			assert_eq!(paid(C, ch), 5_000);
		});
	}

	/// A channel that ended (its refund raced the ticket) or never existed is skipped; the
	/// rest of the ticket applies.
	#[test]
	fn l6_an_ended_channel_does_not_void_the_whole_ticket() {
		build_and_execute(|| {
			let ch = setup();
			run_to_block(EXPIRES - 1);
			let live = open(&[A, B, C], DEPOSIT, EXPIRES + 1_000);
			run_to_block(EXPIRES + ESCROW_GRACE + 1);
			assert!(Escrow::channel_view(ch).is_none());
			let epoch = Tickets::current_epoch();
			let t = ticket(
				C,
				epoch,
				vec![
					usage(ch, 2, 10_000, 10_000, Some(receipt(ch, &PATH, 10_000))),
					usage(ch + 7, 2, 1, 1, None),
					usage(live, 2, 2_000, 2_000, Some(receipt(live, &PATH, 2_000))),
				],
			);
			accept(t);
			System::assert_has_event(
				Event::ChannelSkipped {
					segment: C,
					channel: ch,
					error: Error::<Test>::ChannelExpired.into(),
				}
				.into(),
			);
			System::assert_has_event(
				Event::ChannelSkipped {
					segment: C,
					channel: ch + 7,
					error: Error::<Test>::UnknownChannel.into(),
				}
				.into(),
			);
			assert_eq!(Claims::<Test>::get(C, ch), None);
			assert_eq!(Claims::<Test>::get(C, live).unwrap().bytes_out, 2_000);
			assert_eq!(strikes(C), 0);
			settle(live);
			assert_eq!(paid(C, live), 1_000);
		});
	}

	#[test]
	fn a_closed_channel_settles_until_its_grace_ends() {
		build_and_execute(|| {
			let ch = setup();
			assert_ok!(Escrow::close(RuntimeOrigin::signed(CONSUMER), ch));
			let t = ticket(C, 0, vec![usage(ch, 2, 2_000, 2_000, Some(receipt(ch, &PATH, 2_000)))]);
			accept(t);
			settle(ch);
			assert_eq!(paid(C, ch), 1_000);
			run_to_block(1 + ESCROW_GRACE + 1);
			assert_eq!(Balances::free_balance(CONSUMER), ENDOWMENT - 1_000);
			let epoch = Tickets::current_epoch();
			accept(ticket(C, epoch, vec![usage(ch, 2, 2_000, 2_000, None)]));
			assert_eq!(Claims::<Test>::get(C, ch), None);
		});
	}

	#[test]
	fn a_path_through_a_quarantined_segment() {
		build_and_execute(|| {
			segments();
			quarantine(B);
			assert_noop!(
				Escrow::open_channel(
					RuntimeOrigin::signed(CONSUMER),
					Path::try_from(PATH.to_vec()).unwrap(),
					DEPOSIT,
					PRICE_B,
					EXPIRES,
					DataPlaneKey([9; 32]),
					ReceiptKey(consumer_key().public().0),
				),
				pallet_escrow::Error::<Test>::SegmentQuarantined
			);
		});
	}

	#[test]
	fn a_quarantined_relay_is_not_paid() {
		build_and_execute(|| {
			let ch = setup();
			let t = ticket(C, 0, vec![usage(ch, 2, 2_000, 2_000, Some(receipt(ch, &PATH, 2_000)))]);
			accept(t);
			quarantine(C);
			refuse(
				ticket(C, 1, vec![usage(ch, 2, 1, 1, None)]),
				Error::<Test>::SegmentQuarantined,
				InvalidTransaction::Call,
			);
			// Neither on request nor when the channel ends: the consumer gets it all back.
			nothing_to_settle(ch);
			run_to_block(EXPIRES + ESCROW_GRACE + 1);
			assert_eq!(Balances::free_balance(OP_C), ENDOWMENT);
			assert_eq!(Balances::free_balance(CONSUMER), ENDOWMENT);
		});
	}

	#[test]
	fn settling_an_unknown_or_ended_channel() {
		build_and_execute(|| {
			let ch = setup();
			let settle = |id| Tickets::settle(RuntimeOrigin::signed(CONSUMER), id);
			assert_noop!(settle(ch + 1), Error::<Test>::UnknownChannel);
			run_to_block(EXPIRES + ESCROW_GRACE + 1);
			assert_noop!(settle(ch), Error::<Test>::ChannelExpired);
		});
	}

	/// Only the segment's own ticket key signs its tickets: a forged signature, another
	/// segment's key and a rotated-out key are refused by the pool (and the call), and strike
	/// nobody.
	#[test]
	fn not_the_segments_ticket_key() {
		build_and_execute(|| {
			let ch = setup();
			let t = ticket(C, 0, vec![usage(ch, 2, 1, 1, None)]);
			let mut forged = signed(t.clone());
			forged.signature[0] ^= 1;
			refuse_signed(forged, Error::<Test>::BadTicketSignature, InvalidTransaction::BadProof);
			// B's key signing C's ticket.
			let by_b = router_key(B).sign(&t.signing_payload(&genesis())).0;
			let by_b = SignedTicket { ticket: t.clone(), signature: by_b };
			refuse_signed(by_b, Error::<Test>::BadTicketSignature, InvalidTransaction::BadProof);
			// C's old key after a rotation.
			let old = signed(t.clone());
			set_ticket_key(C, TicketKey([0x99; 32]));
			refuse_signed(old, Error::<Test>::BadTicketSignature, InvalidTransaction::BadProof);
			// Signed for another chain.
			let other_chain = router_key(A).sign(&t.signing_payload(&H256::repeat_byte(3))).0;
			let mut t = t;
			t.segment = A;
			let other_chain = SignedTicket { ticket: t, signature: other_chain };
			refuse_signed(
				other_chain,
				Error::<Test>::BadTicketSignature,
				InvalidTransaction::BadProof,
			);
			refuse(
				ticket(77, 0, vec![]),
				Error::<Test>::UnknownSegment,
				InvalidTransaction::BadSigner,
			);
			assert_eq!(strikes(A) + strikes(C), 0);
		});
	}

	/// The pool takes one ticket per (segment, epoch): a second one is refused there, and by
	/// the call if it gets into a block anyway.
	#[test]
	fn a_second_ticket_for_an_epoch() {
		build_and_execute(|| {
			let ch = setup();
			let first = ticket(C, 0, vec![usage(ch, 2, 1, 1, None)]);
			let second = ticket(C, 0, vec![usage(ch, 2, 2, 2, None)]);
			// Both are valid alone and provide the same tag: the pool keeps one.
			let tag = |t: &Ticket| authorize(&signed(t.clone())).unwrap().0.provides;
			assert_eq!(tag(&first), tag(&second));
			accept(first);
			refuse(second, Error::<Test>::ReplayedTicket, InvalidTransaction::Stale);
			// Only the authorized origin may submit.
			assert_noop!(
				Tickets::submit_ticket(RuntimeOrigin::signed(OP_C), signed(ticket(C, 0, vec![]))),
				DispatchError::BadOrigin
			);
		});
	}

	#[test]
	fn stale_or_future_epoch() {
		build_and_execute(|| {
			segments();
			refuse(ticket(A, 1, vec![]), Error::<Test>::StaleEpoch, InvalidTransaction::Future);
			run_to_block((MAX_AGE as u64 + 1) * EPOCH);
			refuse(ticket(A, 0, vec![]), Error::<Test>::StaleEpoch, InvalidTransaction::Stale);
			accept(ticket(A, 1, vec![]));
		});
	}

	#[test]
	fn duplicates() {
		build_and_execute(|| {
			let ch = setup();
			let u = usage(ch, 0, 1, 1, None);
			refuse(
				ticket(A, 0, vec![u.clone(), u]),
				Error::<Test>::DuplicateChannel,
				InvalidTransaction::Call,
			);
			let mut t = ticket(A, 0, vec![]);
			let p = PeerCounters { peer: B, octets_in: 1, octets_out: 1 };
			t.peers = vec![p, p].try_into().unwrap();
			refuse(t, Error::<Test>::DuplicatePeer, InvalidTransaction::Call);
		});
	}
}

/// The epoch length comes from the genesis; the runtime's default when the genesis sets none.
mod epochs {
	use super::*;

	/// A short epoch, as the dev and local presets set.
	const SHORT: u64 = 3;

	fn epochs_at(blocks: &[u64]) -> Vec<Epoch> {
		blocks
			.iter()
			.map(|&n| {
				System::set_block_number(n);
				Tickets::current_epoch()
			})
			.collect()
	}

	#[test]
	fn without_a_genesis_length_epochs_last_the_default() {
		build_and_execute(|| {
			assert_eq!(Tickets::epoch_length(), EPOCH);
			assert!(!EpochLength::<Test>::exists());
			assert_eq!(
				epochs_at(&[1, EPOCH - 1, EPOCH, 2 * EPOCH - 1, 2 * EPOCH]),
				[0, 0, 1, 1, 2]
			);
			assert_eq!(Tickets::channel_settlement_grace(), ESCROW_GRACE);
		});
	}

	#[test]
	fn a_zero_genesis_length_means_the_default() {
		new_test_ext_with_epoch(0).execute_with(|| {
			assert_eq!(Tickets::epoch_length(), EPOCH);
			assert!(!EpochLength::<Test>::exists());
		});
	}

	#[test]
	fn a_genesis_length_sets_the_epochs() {
		new_test_ext_with_epoch(SHORT).execute_with(|| {
			assert_eq!(Tickets::epoch_length(), SHORT);
			assert_eq!(EpochLength::<Test>::get(), SHORT);
			assert_eq!(epochs_at(&[1, 2, 3, 5, 6, 30]), [0, 0, 1, 1, 2, 10]);
			Tickets::do_try_state().unwrap();
		});
	}

	/// Everything counted in epochs follows the genesis length: which epochs a ticket may
	/// name, how long the pool keeps it, the wait for a downstream and the escrow's grace.
	#[test]
	fn tickets_grace_and_refunds_follow_a_genesis_length() {
		new_test_ext_with_epoch(SHORT).execute_with(|| {
			let ch = setup();
			let grace = (WAIT as u64 + MAX_AGE as u64 + 1) * SHORT;
			assert_eq!(Tickets::channel_settlement_grace(), grace);
			assert_eq!(<EscrowSettlementGrace<Test> as Get<u64>>::get(), grace);
			// Block 1, epoch 0: epoch 1 is in the future until block 3.
			refuse(ticket(A, 1, vec![]), Error::<Test>::StaleEpoch, InvalidTransaction::Future);
			run_to_block(SHORT);
			let t = signed(ticket(A, 1, vec![usage(ch, 0, 10_000, 10_000, None)]));
			// Valid while epoch 1 is at most MAX_AGE old: through epoch 3, so 3 epochs.
			let (validity, _) = authorize(&t).expect("the pool takes it");
			assert_eq!(validity.longevity, (MAX_AGE as u64 + 1) * SHORT);
			accept(t.ticket);
			// Epoch 0 is too old from epoch MAX_AGE + 1 = block 9 on.
			run_to_block((MAX_AGE as u64 + 1) * SHORT - 1);
			accept(ticket(B, 0, vec![]));
			run_to_block((MAX_AGE as u64 + 1) * SHORT);
			refuse(ticket(C, 0, vec![]), Error::<Test>::StaleEpoch, InvalidTransaction::Stale);

			// A's downstream B never reports on the channel, but submitted a ticket two short
			// epochs ago: not absent yet, so the receipt does not pay A.
			let r = receipt(ch, &PATH, 8_000);
			accept(ticket(A, 3, vec![usage(ch, 0, 10_000, 10_000, Some(r))]));
			nothing_to_settle(ch);

			// The consumer closes: the refund comes `grace` blocks later, in short epochs.
			let now = System::block_number();
			assert_ok!(Escrow::close(RuntimeOrigin::signed(CONSUMER), ch));
			System::assert_last_event(
				pallet_escrow::Event::ChannelClosed { channel: ch, refund_at: now + grace + 1 }
					.into(),
			);
			run_to_block(now + grace);
			assert!(pallet_escrow::Channels::<Test>::contains_key(ch));
			run_to_block(now + grace + 1);
			assert!(!pallet_escrow::Channels::<Test>::contains_key(ch));
			assert_eq!(held(CONSUMER), 0);
			Tickets::do_try_state().unwrap();
		});
	}

	/// A downstream silent for the grace counts as absent after `WAIT` short epochs, not
	/// `WAIT` default ones.
	#[test]
	fn a_silent_downstream_is_absent_after_the_grace_in_short_epochs() {
		new_test_ext_with_epoch(SHORT).execute_with(|| {
			let ch = setup();
			let r = receipt(ch, &PATH, 8_000);
			accept(ticket(A, 0, vec![usage(ch, 0, 10_000, 10_000, Some(r))]));
			run_to_block(WAIT as u64 * SHORT - 1);
			nothing_to_settle(ch);
			run_to_block(WAIT as u64 * SHORT);
			settle(ch);
			assert_eq!(paid(A, ch), 8_000);
			assert!(WAIT as u64 * SHORT < EPOCH, "the default length would not have paid yet");
		});
	}
}

#[test]
fn integrity() {
	new_test_ext().execute_with(|| {
		<Tickets as frame_support::traits::Hooks<u64>>::integrity_test();
	});
}

/// Regression tests for the findings of the chain review at 1f273ac, named after them.
mod review {
	use super::*;

	/// Both relays report every epoch; B labels each ticket with the epoch it closes, A with
	/// the current one, submitted first, with ever more forwarded. A is paid for what B
	/// received, never more, epoch after epoch.
	#[test]
	fn h2_label_skew_does_not_pay_past_the_downstream() {
		build_and_execute(|| {
			let ch = setup();
			let r = |bytes| Some(receipt(ch, &PATH, bytes));
			for k in 1..=6u32 {
				run_to_block(k as u64 * EPOCH);
				let sent = 1_000 * k as u64;
				accept(ticket(A, k, vec![usage(ch, 0, sent, sent, r(sent))]));
				let received = 500 * k as u64;
				accept(ticket(B, k - 1, vec![usage(ch, 1, received, received, None)]));
				let _ = Tickets::settle(RuntimeOrigin::signed(OP_A), ch);
				assert_eq!(paid(A, ch), received as Balance, "epoch {k}");
			}
		});
	}

	/// In the refund epoch A reports forwarding the whole receipt before B's ticket: the
	/// final settlement still pays A only what B received.
	#[test]
	fn h2_the_last_word_at_channel_end_pays_nothing_extra() {
		build_and_execute(|| {
			let ch = setup();
			let r = |bytes| Some(receipt(ch, &PATH, bytes));
			accept(ticket(A, 0, vec![usage(ch, 0, 1_000, 1_000, r(1_000))]));
			accept(ticket(B, 0, vec![usage(ch, 1, 900, 900, None)]));
			run_to_block(EXPIRES + ESCROW_GRACE);
			let epoch = Tickets::current_epoch();
			accept(ticket(A, epoch, vec![usage(ch, 0, 50_000, 50_000, r(50_000))]));
			run_to_block(EXPIRES + ESCROW_GRACE + 1);
			// A: 900 at 1/byte less 10%. B, whose downstream C never reported: the receipt
			// alone pays it its 900 at 2/byte.
			assert_eq!(Balances::free_balance(OP_A), ENDOWMENT + 810);
			assert_eq!(Balances::free_balance(OP_B), ENDOWMENT + 1_620);
			assert_eq!(Balances::free_balance(CONSUMER), ENDOWMENT - 900 - 1_800);
		});
	}

	/// A downstream that keeps submitting tickets but leaves the channel out is not absent:
	/// the upstream is not paid on the receipt, neither after the grace nor at the end.
	#[test]
	fn h2_a_downstream_that_omits_the_channel_is_not_absent() {
		build_and_execute(|| {
			let ch = setup();
			let r = |bytes| Some(receipt(ch, &PATH, bytes));
			accept(ticket(A, 0, vec![usage(ch, 0, 5_000, 5_000, r(5_000))]));
			for k in 0..(EXPIRES + ESCROW_GRACE) / EPOCH {
				run_to_block(k * EPOCH + 1);
				let mut t = ticket(B, k as Epoch, vec![]);
				t.total_in = k;
				accept(t);
				nothing_to_settle(ch);
			}
			run_to_block(EXPIRES + ESCROW_GRACE + 1);
			assert_eq!(Balances::free_balance(OP_A), ENDOWMENT);
			assert_eq!(Balances::free_balance(CONSUMER), ENDOWMENT);
		});
	}

	/// A downstream that is provably absent lets the receipt pay: quarantined (or gone) at
	/// once, silent for the grace otherwise.
	#[test]
	fn h2_a_provably_absent_downstream_lets_the_receipt_pay() {
		build_and_execute(|| {
			let ch = setup();
			accept(ticket(A, 0, vec![usage(ch, 0, 5_000, 5_000, Some(receipt(ch, &PATH, 4_000)))]));
			nothing_to_settle(ch);
			quarantine(B);
			settle(ch);
			assert_eq!(paid(A, ch), 4_000);
		});
	}

	/// The consumer's own high-price hop cannot drain a short deposit before the others: a
	/// shortfall is shared pro rata by what each hop is owed, and a top-up pays the rest.
	#[test]
	fn m1_a_shortfall_is_shared_pro_rata() {
		build_and_execute(|| {
			segments();
			let ch = open(&PATH, 16_800, EXPIRES);
			let r = Some(receipt(ch, &PATH, 9_600));
			accept(ticket(A, 0, vec![usage(ch, 0, 9_600, 9_600, r.clone())]));
			accept(ticket(B, 0, vec![usage(ch, 1, 9_600, 9_600, r.clone())]));
			accept(ticket(C, 0, vec![usage(ch, 2, 9_600, 9_600, r)]));
			// Owed 9 600 + 19 200 + 4 800 = 33 600; held 16 800: everyone gets half.
			settle(ch);
			assert_eq!((paid(A, ch), paid(B, ch), paid(C, ch)), (4_800, 9_600, 2_400));
			assert_eq!(Balances::free_balance(OP_A), ENDOWMENT + 4_320);
			assert_eq!(Balances::free_balance(OP_B), ENDOWMENT + 8_640);
			assert_eq!(Balances::free_balance(OP_C), ENDOWMENT + 2_160);
			assert_eq!(held(CONSUMER), 0);
			assert_ok!(Escrow::top_up(RuntimeOrigin::signed(CONSUMER), ch, 20_000));
			settle(ch);
			assert_eq!((paid(A, ch), paid(B, ch), paid(C, ch)), (9_600, 19_200, 4_800));
			assert_eq!(held(CONSUMER), 20_000 - 16_800);
		});
	}

	/// A ticket is charged up front for the quarantine its strike may cause (leaving a full
	/// group), and an accepted one gets that part back.
	#[test]
	fn l3_a_ticket_declares_the_quarantine_it_may_cause() {
		use frame_support::dispatch::GetDispatchInfo;
		build_and_execute(|| {
			let ch = setup();
			let t = ticket(C, 0, vec![usage(ch, 2, 1_000, 1_000, Some(receipt(ch, &PATH, 1_000)))]);
			let declared =
				RuntimeCall::Tickets(crate::Call::submit_ticket { ticket: signed(t.clone()) })
					.get_dispatch_info()
					.call_weight;
			let intake = <() as crate::WeightInfo>::submit_ticket(1, 0);
			let strike = <MockRegistry as pallet_ditex::StrikeSink>::max_strike_weight();
			assert!(!strike.is_zero());
			assert_eq!(declared, intake + strike);
			let info = submit(t).unwrap();
			assert_eq!(info.actual_weight, Some(intake));
		});
	}

	/// A deregistered segment leaves no ticket state behind.
	#[test]
	fn l2_a_deregistered_segment_leaves_no_ticket_state() {
		build_and_execute(|| {
			let ch = setup();
			accept(ticket(C, 0, vec![usage(ch, 2, 2_000, 2_000, Some(receipt(ch, &PATH, 2_000)))]));
			settle(ch);
			assert!(LastTicket::<Test>::contains_key(C));
			assert_eq!(Earned::<Test>::get(C), 900);
			<Tickets as pallet_ditex::OnSegmentRemoved>::on_segment_removed(C);
			assert!(!LastTicket::<Test>::contains_key(C));
			assert!(!Earned::<Test>::contains_key(C));
		});
	}

	/// Free calls cannot be farmed: tickets are authorized transactions, one per (segment,
	/// epoch) in the pool (see `a_second_ticket_for_an_epoch`), and a settlement is free only
	/// for a payee of the channel when it pays someone.
	#[test]
	fn m3_free_calls_cannot_be_farmed() {
		build_and_execute(|| {
			let ch = setup();
			let r = Some(receipt(ch, &PATH, 1_000));
			accept(ticket(C, 0, vec![usage(ch, 2, 1_000, 1_000, r)]));
			// Settlement that pays, asked by someone who is not a payee, costs its fee.
			let info = Tickets::settle(RuntimeOrigin::signed(CONSUMER), ch).unwrap();
			assert_eq!(info.pays_fee, Pays::Yes);
			assert_eq!(paid(C, ch), 500);
			// Asked by a payee, it is free.
			run_to_block(EPOCH);
			let r = Some(receipt(ch, &PATH, 2_000));
			accept(ticket(C, 1, vec![usage(ch, 2, 2_000, 2_000, r)]));
			let info = Tickets::settle(RuntimeOrigin::signed(OP_C), ch).unwrap();
			assert_eq!(info.pays_fee, Pays::No);
			assert_eq!(paid(C, ch), 1_000);
		});
	}
}

/// Per-hop acks: a downstream's signed word on what it received pays its upstream.
mod acks {
	use super::*;
	use ditex_primitives::settlement::{Ack, SignedAck};

	fn ack_by(key: &ed25519::Pair, ack: Ack) -> SignedAck {
		SignedAck { signature: key.sign(&ack.signing_payload()).0, ack }
	}

	/// B's ack of `bytes` received from A on `ch`.
	fn ack(ch: ChannelId, bytes: u64) -> SignedAck {
		ack_by(
			&router_key(B),
			Ack { genesis: genesis(), channel: ch, hop: 1, cumulative_bytes: bytes },
		)
	}

	fn with_ack(mut u: ChannelUsage, a: SignedAck) -> ChannelUsage {
		u.ack = Some(a);
		u
	}

	/// B reports receiving nothing, but A's ticket carries B's ack of 9 000: A is paid for
	/// 9 000 (M2: a consumer-controlled downstream cannot zero an honest upstream).
	#[test]
	fn m2_a_downstream_under_reporting_its_own_ack_is_held_to_it() {
		build_and_execute(|| {
			let ch = setup();
			let r = Some(receipt(ch, &PATH, 10_000));
			accept(ticket(B, 0, vec![usage(ch, 1, 0, 0, None)]));
			accept(ticket(A, 0, vec![with_ack(usage(ch, 0, 10_000, 10_000, r), ack(ch, 9_000))]));
			let claim = Claims::<Test>::get(A, ch).unwrap();
			assert_eq!((claim.acked, claim.unchecked_ack.map(|a| a.bytes)), (0, Some(9_000)));
			settle(ch);
			assert_eq!(Claims::<Test>::get(A, ch).unwrap().acked, 9_000);
			assert_eq!(paid(A, ch), 9_000);
			assert_eq!(Balances::free_balance(OP_A), ENDOWMENT + 8_100);
		});
	}

	/// An ack pays without waiting for the downstream's ticket at all.
	#[test]
	fn an_ack_pays_before_the_downstream_reports() {
		build_and_execute(|| {
			let ch = setup();
			let r = Some(receipt(ch, &PATH, 10_000));
			accept(ticket(A, 0, vec![with_ack(usage(ch, 0, 10_000, 10_000, r), ack(ch, 10_000))]));
			settle(ch);
			assert_eq!(paid(A, ch), 10_000);
		});
	}

	/// Forged, misdirected and stale acks are dropped with the reason, never struck; an ack
	/// smaller than one already seen changes nothing.
	#[test]
	fn bad_acks_are_dropped_not_struck() {
		build_and_execute(|| {
			let ch = setup();
			let other = open(&[A, B, C], DEPOSIT, EXPIRES);
			let a =
				|bytes| Ack { genesis: genesis(), channel: ch, hop: 1, cumulative_bytes: bytes };
			let bad = [
				(ack_by(&router_key(C), a(5_000)), Error::<Test>::BadAckSignature),
				(
					ack_by(&ed25519::Pair::from_seed(&[9; 32]), a(5_000)),
					Error::<Test>::BadAckSignature,
				),
				(
					ack_by(&router_key(B), Ack { channel: other, ..a(5_000) }),
					Error::<Test>::AckMismatch,
				),
				(ack_by(&router_key(B), Ack { hop: 2, ..a(5_000) }), Error::<Test>::AckMismatch),
				(
					ack_by(&router_key(B), Ack { genesis: H256::repeat_byte(1), ..a(5_000) }),
					Error::<Test>::AckMismatch,
				),
			];
			for (i, (signed, err)) in bad.into_iter().enumerate() {
				run_to_block(i as u64 * EPOCH + 1);
				let bytes = 1_000 * (i as u64 + 1);
				let t =
					ticket(A, i as Epoch, vec![with_ack(usage(ch, 0, bytes, bytes, None), signed)]);
				accept(t);
				if matches!(err, Error::<Test>::BadAckSignature) {
					check_signatures(ch);
				}
				System::assert_has_event(
					Event::AckIgnored { segment: A, channel: ch, error: err.into() }.into(),
				);
				assert_eq!(Claims::<Test>::get(A, ch).unwrap().acked, 0);
			}
			// An ack from the egress (which has no downstream) is dropped too.
			let c_ack = ack_by(&router_key(C), Ack { hop: 3, ..a(1) });
			let epoch = Tickets::current_epoch();
			accept(ticket(C, epoch, vec![with_ack(usage(ch, 2, 1, 1, None), c_ack)]));
			System::assert_has_event(
				Event::AckIgnored {
					segment: C,
					channel: ch,
					error: Error::<Test>::AckMismatch.into(),
				}
				.into(),
			);
			// A good ack, then a smaller one: the larger stands.
			run_to_block(10 * EPOCH);
			accept(ticket(A, 10, vec![with_ack(usage(ch, 0, 9_000, 9_000, None), ack(ch, 8_000))]));
			run_to_block(11 * EPOCH);
			accept(ticket(A, 11, vec![with_ack(usage(ch, 0, 9_000, 9_000, None), ack(ch, 7_000))]));
			assert_eq!(Claims::<Test>::get(A, ch).unwrap().unchecked_ack.unwrap().bytes, 8_000);
			check_signatures(ch);
			assert_eq!(Claims::<Test>::get(A, ch).unwrap().acked, 8_000);
			assert_eq!(strikes(A), 0);
		});
	}

	/// After B rotates its ticket key, acks signed with the old one no longer count.
	#[test]
	fn a_rotated_out_key_signs_no_ack() {
		build_and_execute(|| {
			let ch = setup();
			let old = ack(ch, 5_000);
			set_ticket_key(B, TicketKey([0x77; 32]));
			accept(ticket(A, 0, vec![with_ack(usage(ch, 0, 5_000, 5_000, None), old)]));
			check_signatures(ch);
			System::assert_has_event(
				Event::AckIgnored {
					segment: A,
					channel: ch,
					error: Error::<Test>::BadAckSignature.into(),
				}
				.into(),
			);
			assert_eq!(Claims::<Test>::get(A, ch).unwrap().acked, 0);
		});
	}
}

/// A group's tickets in one reporter transaction: each ticket under its own router's key.
mod batches {
	use super::*;
	use frame_support::traits::Authorize;

	type Batch = BoundedVec<SignedTicket, ConstU32<MAX_TICKET_BATCH>>;

	fn batch(tickets: Vec<SignedTicket>) -> Batch {
		Batch::try_from(tickets).unwrap()
	}

	fn authorize_batch(tickets: &Batch) -> TransactionValidityWithRefund {
		crate::Call::<Test>::submit_tickets { tickets: tickets.clone() }
			.authorize(TransactionSource::External)
			.expect("submit_tickets is authorized by its call")
	}

	fn submit_batch(tickets: Batch) -> DispatchResultWithPostInfo {
		authorize_batch(&tickets).expect("the pool takes the batch");
		Tickets::submit_tickets(frame_system::RawOrigin::Authorized.into(), tickets)
	}

	/// The three hops' tickets of one epoch, each with its receipt.
	fn hops_tickets(ch: ChannelId) -> Vec<SignedTicket> {
		let r = || Some(receipt(ch, &PATH, 9_000));
		vec![
			signed(ticket(A, 0, vec![usage(ch, 0, 10_000, 10_000, r())])),
			signed(ticket(B, 0, vec![usage(ch, 1, 10_000, 9_500, r())])),
			signed(ticket(C, 0, vec![usage(ch, 2, 9_500, 9_000, r())])),
		]
	}

	/// A batch is taken like its tickets one by one: every ticket applied, the same payment,
	/// and the pool sees every (segment, epoch) it carries, so the batch and a ticket sent
	/// alone exclude each other; the batch, with more tickets, has the higher priority.
	#[test]
	fn a_batch_takes_every_ticket_and_excludes_them_alone() {
		build_and_execute(|| {
			let ch = setup();
			let tickets = batch(hops_tickets(ch));
			let (validity, _) = authorize_batch(&tickets).unwrap();
			let tag = |s: SegmentId| ("DitexTicket", (s, 0 as Epoch)).encode();
			assert_eq!(validity.provides, vec![tag(A), tag(B), tag(C)]);
			let (alone, _) = authorize(&tickets[1]).unwrap();
			assert_eq!(alone.provides, vec![tag(B)]);
			assert!(validity.priority > alone.priority);

			let info = submit_batch(tickets).expect("the batch applies");
			assert_eq!(info.pays_fee, Pays::No);
			for s in [A, B, C] {
				System::assert_has_event(
					Event::TicketAccepted { segment: s, epoch: 0, channels: 1 }.into(),
				);
				assert_eq!(LastTicket::<Test>::get(s).map(|m| m.epoch), Some(0));
			}
			settle(ch);
			assert_eq!((paid(A, ch), paid(B, ch), paid(C, ch)), (9_000, 18_000, 4_500));
			// Taken: the same tickets again, together or alone, are stale.
			let again = batch(hops_tickets(ch));
			assert_eq!(authorize_batch(&again), Err(InvalidTransaction::Stale.into()));
			assert_eq!(authorize(&again[0]), Err(InvalidTransaction::Stale.into()));
		});
	}

	/// One ticket the pool would refuse alone refuses the batch: a forged signature, an unknown
	/// segment, two tickets of one segment, an empty batch.
	#[test]
	fn a_batch_with_a_ticket_the_pool_refuses_is_refused_whole() {
		build_and_execute(|| {
			let ch = setup();
			let mut forged = hops_tickets(ch);
			forged[2].signature[0] ^= 1;
			assert_eq!(authorize_batch(&batch(forged)), Err(InvalidTransaction::BadProof.into()));
			let mut unknown = hops_tickets(ch);
			unknown.push(signed(ticket(99, 0, vec![])));
			assert_eq!(authorize_batch(&batch(unknown)), Err(InvalidTransaction::BadSigner.into()));
			let mut twice = hops_tickets(ch);
			twice.push(signed(ticket(A, 0, vec![])));
			assert_eq!(authorize_batch(&batch(twice)), Err(InvalidTransaction::Call.into()));
			assert_eq!(authorize_batch(&batch(vec![])), Err(InvalidTransaction::Call.into()));
			assert!(LastTicket::<Test>::iter().next().is_none());
		});
	}

	/// A ticket of the batch that fails validation on what its relay controls is rejected and
	/// strikes its segment alone; the others apply.
	#[test]
	fn a_bad_ticket_in_a_batch_strikes_its_segment_alone() {
		build_and_execute(|| {
			let ch = setup();
			let mut tickets = hops_tickets(ch);
			// B claims to have forwarded more than it received.
			tickets[1] = signed(ticket(B, 0, vec![usage(ch, 1, 9_000, 9_500, None)]));
			let info = submit_batch(batch(tickets)).expect("the batch applies");
			assert_eq!(info.pays_fee, Pays::Yes);
			assert_eq!((strikes(A), strikes(B), strikes(C)), (0, 1, 0));
			System::assert_has_event(
				Event::TicketRejected {
					segment: B,
					epoch: 0,
					error: Error::<Test>::ForwardedMoreThanReceived.into(),
				}
				.into(),
			);
			assert!(LastTicket::<Test>::contains_key(A) && LastTicket::<Test>::contains_key(C));
			assert!(!LastTicket::<Test>::contains_key(B));
		});
	}

	/// What the batch is for: a group's one-channel tickets cost less weight in one batch than
	/// one transaction each (base extrinsic and authorization paid once), by the pallet's
	/// benchmarked weights; and the batch's weight grows with the size of its tickets.
	#[test]
	fn a_batch_weighs_less_than_its_tickets_alone() {
		build_and_execute(|| {
			let ch = setup();
			let tickets = hops_tickets(ch);
			use frame_support::traits::Get;
			let weights: frame_system::limits::BlockWeights =
				<Test as frame_system::Config>::BlockWeights::get();
			let base = weights.get(frame_support::dispatch::DispatchClass::Normal).base_extrinsic;
			let alone: Weight = tickets
				.iter()
				.map(|t| {
					let (c, p) = (t.ticket.channels.len() as u32, t.ticket.peers.len() as u32);
					base + Tickets::submit_ticket_weight(c, p)
						+ <() as WeightInfo>::authorize_ticket(c, p)
				})
				.fold(Weight::zero(), |a, w| a + w);
			let together = base
				+ Tickets::submit_tickets_weight(&tickets)
				+ Tickets::authorize_tickets_weight(&tickets);
			assert!(together.ref_time() < alone.ref_time(), "{together:?} vs {alone:?}");
			let mut larger = tickets.clone();
			larger[0].ticket.channels.force_push(usage(ch + 1, 0, 1, 1, None));
			assert!(
				Tickets::submit_tickets_weight(&larger).ref_time()
					> Tickets::submit_tickets_weight(&tickets).ref_time()
			);
		});
	}
}

/// Receipts and acks are checked once, at settlement, not in every ticket.
mod deferred_checks {
	use super::*;
	use ditex_primitives::settlement::{Ack, SignedAck};

	/// A forged receipt larger than the honest ones does not shadow them: settlement checks
	/// the largest first, drops it, and the next largest that holds is the channel's.
	#[test]
	fn a_forged_larger_receipt_does_not_shadow_a_good_one() {
		build_and_execute(|| {
			let ch = setup();
			let mut forged = receipt(ch, &PATH, 9_000);
			forged.receipt.cumulative_bytes = 1_000_000;
			accept(ticket(
				A,
				0,
				vec![usage(ch, 0, 10_000, 10_000, Some(receipt(ch, &PATH, 8_000)))],
			));
			accept(ticket(
				B,
				0,
				vec![usage(ch, 1, 10_000, 9_500, Some(receipt(ch, &PATH, 9_000)))],
			));
			accept(ticket(C, 0, vec![usage(ch, 2, 9_500, 9_000, Some(forged))]));
			// As reported, before any check.
			assert_eq!(Tickets::receipt_view(ch), 1_000_000);
			settle(ch);
			System::assert_has_event(
				Event::ReceiptIgnored {
					segment: C,
					channel: ch,
					error: Error::<Test>::BadReceiptSignature.into(),
				}
				.into(),
			);
			System::assert_has_event(
				Event::ReceiptAccepted { channel: ch, segment: B, cumulative_bytes: 9_000 }.into(),
			);
			assert_eq!(Tickets::receipt_view(ch), 9_000);
			// Paid on the 9 000 the good receipt acknowledges.
			assert_eq!((paid(A, ch), paid(B, ch), paid(C, ch)), (9_000, 18_000, 4_500));
			assert_eq!(strikes(C), 0);
			// A's smaller receipt was moot: never checked, and gone.
			assert_eq!(Claims::<Test>::get(A, ch).unwrap().receipt, 0);
			assert_eq!(Claims::<Test>::get(A, ch).unwrap().unchecked_receipt, None);
		});
	}

	/// A settlement checks only what can change a payment: an ack at or below what the
	/// downstream reported itself is not checked (a forged one there costs nothing).
	#[test]
	fn an_ack_below_the_downstreams_own_report_is_not_checked() {
		build_and_execute(|| {
			let ch = setup();
			let forged = SignedAck {
				ack: Ack { genesis: genesis(), channel: ch, hop: 1, cumulative_bytes: 9_000 },
				signature: [7; 64],
			};
			let r = || Some(receipt(ch, &PATH, 10_000));
			let mut a = usage(ch, 0, 10_000, 10_000, r());
			a.ack = Some(forged);
			accept(ticket(A, 0, vec![a]));
			accept(ticket(B, 0, vec![usage(ch, 1, 10_000, 10_000, r())]));
			accept(ticket(C, 0, vec![usage(ch, 2, 10_000, 10_000, r())]));
			settle(ch);
			assert!(!System::events()
				.iter()
				.any(|e| matches!(e.event, RuntimeEvent::Tickets(Event::AckIgnored { .. }))));
			assert_eq!(paid(A, ch), 10_000);
			assert_eq!(Claims::<Test>::get(A, ch).unwrap().unchecked_ack, None);
		});
	}

	/// Checking signatures is work: a settlement that only checks (pays nobody) stands and
	/// costs its caller the fee, payee or not, so checks cannot be farmed for free.
	#[test]
	fn a_settlement_that_only_checks_is_paid_for() {
		build_and_execute(|| {
			let ch = setup();
			let mut forged = receipt(ch, &PATH, 9_000);
			forged.signature[0] ^= 1;
			accept(ticket(C, 0, vec![usage(ch, 2, 9_000, 9_000, Some(forged))]));
			let info = Tickets::settle(RuntimeOrigin::signed(OP_C), ch).expect("it checks");
			assert_eq!(info.pays_fee, Pays::Yes);
			assert_eq!(paid(C, ch), 0);
			assert_eq!(Claims::<Test>::get(C, ch).unwrap().unchecked_receipt, None);
			assert_noop!(
				Tickets::settle(RuntimeOrigin::signed(OP_C), ch),
				Error::<Test>::NothingToSettle
			);
		});
	}

	/// A channel that ends checks what is left unchecked in its final settlement: a good
	/// receipt that no one settled pays at the end.
	#[test]
	fn an_ending_channel_checks_what_is_left() {
		build_and_execute(|| {
			let ch = setup();
			let r = || Some(receipt(ch, &PATH, 4_000));
			accept(ticket(C, 0, vec![usage(ch, 2, 4_000, 4_000, r())]));
			assert_eq!(Claims::<Test>::get(C, ch).unwrap().receipt, 0);
			<Tickets as pallet_escrow::OnChannelEnded>::on_channel_ending(ch);
			assert_eq!(paid(C, ch), 2_000);
			assert_eq!(Claims::<Test>::get(C, ch).unwrap().receipt, 4_000);
		});
	}
}
