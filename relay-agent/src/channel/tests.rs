//! Admission, credit and evidence, without sockets.

use super::*;
use ditex_primitives::settlement::Path;
use ed25519_dalek::{Signer, SigningKey};

const ME: SegmentId = 20;
const UP: SegmentId = 10;
const DOWN: SegmentId = 30;
const CH: ChannelId = 7;
const MIB: u64 = 1 << 20;

fn genesis() -> Hash {
	Hash::repeat_byte(0x11)
}

fn consumer() -> SigningKey {
	SigningKey::from_bytes(&[3; 32])
}

fn down_key() -> SigningKey {
	SigningKey::from_bytes(&[4; 32])
}

fn path() -> Vec<SegmentId> {
	vec![UP, ME, DOWN]
}

fn terms() -> Terms {
	Terms {
		id: CH,
		path: path(),
		prices: vec![0, 1_000, 1_000],
		max_price_per_gib: 5_000,
		// Pays 1 GiB at 2 000 per GiB.
		funds: 2_000,
		open: true,
		receipt_key: consumer().verifying_key().to_bytes(),
		data_key: [9; 32],
	}
}

fn channels() -> Channels {
	let mut c = Channels::new(ME, genesis(), 4 * MIB, NonZeroUsize::new(8).unwrap());
	assert!(c.update(terms()));
	c
}

fn receipt(bytes: u64) -> SignedReceipt {
	let receipt = Receipt {
		genesis: genesis(),
		channel: CH,
		path: Path::truncate_from(path()),
		cumulative_bytes: bytes,
	};
	let signature = consumer().sign(&receipt.signing_payload()).to_bytes();
	SignedReceipt { receipt, signature }
}

fn ack_by(key: &SigningKey, ack: Ack) -> SignedAck {
	let signature = key.sign(&ack.signing_payload()).to_bytes();
	SignedAck { ack, signature }
}

fn ack(bytes: u64) -> SignedAck {
	ack_by(&down_key(), Ack { genesis: genesis(), channel: CH, hop: 2, cumulative_bytes: bytes })
}

/// H3: traffic on no channel, a closed one, or one this router is not on is not carried.
#[test]
fn h3_no_channel_no_carriage() {
	let mut c = channels();
	assert_eq!(c.admit(8, &path(), 1, 100), Err(Refusal::NoChannel));
	let mut closed = terms();
	closed.open = false;
	c.update(closed);
	assert_eq!(c.admit(CH, &path(), 1, 100), Err(Refusal::NoChannel));
	// A channel whose path does not pass here is not even kept.
	let mut elsewhere = terms();
	elsewhere.id = 9;
	elsewhere.path = vec![UP, DOWN];
	elsewhere.prices = vec![0, 1];
	assert!(!c.update(elsewhere));
	assert_eq!(c.admit(9, &[UP, ME], 1, 100), Err(Refusal::NoChannel));
}

/// M2: the hop list must be the channel's path exactly, with this router at the index.
#[test]
fn m2_another_path_or_index_is_refused() {
	let mut c = channels();
	assert_eq!(c.admit(CH, &[UP, ME], 1, 100), Err(Refusal::WrongPath));
	assert_eq!(c.admit(CH, &[UP, ME, DOWN, 40], 1, 100), Err(Refusal::WrongPath));
	assert_eq!(c.admit(CH, &[ME, UP, DOWN], 1, 100), Err(Refusal::WrongPath));
	// Addressed to another index of the right path (a skipped or bounced hop).
	assert_eq!(c.admit(CH, &path(), 2, 100), Err(Refusal::WrongPath));
	assert_eq!(c.admit(CH, &path(), 1, 100), Ok(true));
	// The egress's replies come back over the path reversed, addressed to this router: carried,
	// not counted.
	assert_eq!(c.admit(CH, &[DOWN, ME, UP], 1, 100), Ok(false));
	assert_eq!(c.usage()[0].bytes_in, 100);
	assert_eq!(c.admit(CH, &[DOWN, ME, UP], 2, 100), Err(Refusal::WrongPath));
	assert_eq!(c.admit(CH, &[DOWN, UP, ME], 2, 100), Err(Refusal::WrongPath));
}

#[test]
fn a_path_over_the_cap_is_refused() {
	let mut c = channels();
	let mut dear = terms();
	dear.max_price_per_gib = 1_999;
	c.update(dear);
	assert_eq!(c.admit(CH, &path(), 1, 100), Err(Refusal::OverPrice));
}

/// A relay past its credit window stops, and resumes on the next receipt.
#[test]
fn past_the_credit_window_it_stops_and_a_receipt_resumes_it() {
	let mut c = channels();
	for _ in 0..4 {
		c.admit(CH, &path(), 1, MIB).unwrap();
	}
	assert_eq!(c.admit(CH, &path(), 1, 1), Err(Refusal::OverCredit));
	assert_eq!(c.on_receipt(&receipt(3 * MIB)), Ok(3 * MIB));
	for _ in 0..3 {
		c.admit(CH, &path(), 1, MIB).unwrap();
	}
	assert_eq!(c.admit(CH, &path(), 1, 1), Err(Refusal::OverCredit));
	// Refused datagrams are not counted.
	assert_eq!(c.usage()[0].bytes_in, 7 * MIB);
}

#[test]
fn past_what_the_funds_pay_it_stops() {
	let mut c = channels();
	let mut poor = terms();
	// 2 000 per GiB: 2 units pay 2 GiB / 2 000 bytes.
	poor.funds = 2;
	let payable = poor.payable_bytes().unwrap();
	assert_eq!(payable, (2 << 30) / 2_000);
	c.update(poor);
	c.on_receipt(&receipt(100 * MIB)).unwrap();
	c.admit(CH, &path(), 1, payable).unwrap();
	assert_eq!(c.admit(CH, &path(), 1, 1), Err(Refusal::OverDeposit));
	// A top-up (the chain's terms grow) lets it go on.
	let mut topped = terms();
	topped.funds = 4;
	let more = topped.payable_bytes().unwrap() - payable;
	c.update(topped);
	c.admit(CH, &path(), 1, more).unwrap();
	assert_eq!(c.admit(CH, &path(), 1, 1), Err(Refusal::OverDeposit));
}

/// Forged, foreign, stale or smaller receipts change nothing.
#[test]
fn a_forged_receipt_is_ignored() {
	let mut c = channels();
	c.on_receipt(&receipt(2 * MIB)).unwrap();
	let mut forged = receipt(50 * MIB);
	forged.signature[0] ^= 1;
	let mut grown = receipt(50 * MIB);
	grown.receipt.cumulative_bytes += 1;
	let mut other_chain = receipt(50 * MIB);
	other_chain.receipt.genesis = Hash::repeat_byte(0x22);
	other_chain.signature = consumer().sign(&other_chain.receipt.signing_payload()).to_bytes();
	let mut other_path = receipt(50 * MIB);
	other_path.receipt.path = Path::truncate_from(vec![UP, ME]);
	other_path.signature = consumer().sign(&other_path.receipt.signing_payload()).to_bytes();
	let mut by_stranger = receipt(50 * MIB);
	by_stranger.signature = down_key().sign(&by_stranger.receipt.signing_payload()).to_bytes();
	let mut unknown = receipt(50 * MIB);
	unknown.receipt.channel = 99;
	let cases = [
		(forged, Ignored::BadSignature),
		(grown, Ignored::BadSignature),
		(by_stranger, Ignored::BadSignature),
		(other_chain, Ignored::WrongChain),
		(other_path, Ignored::WrongHop),
		(unknown, Ignored::NoChannel),
		(receipt(2 * MIB), Ignored::NotLarger),
		(receipt(MIB), Ignored::NotLarger),
	];
	for (r, why) in cases {
		assert_eq!(c.on_receipt(&r), Err(why), "{why:?}");
	}
	assert_eq!(c.usage().len(), 0);
	c.admit(CH, &path(), 1, 1).unwrap();
	assert_eq!(c.usage()[0].receipt, Some(receipt(2 * MIB)));
}

/// Acks count only from the downstream hop, for its index, this chain and channel, signed
/// by its ticket key, and growing.
#[test]
fn a_forged_ack_is_ignored() {
	let mut c = channels();
	let key = down_key().verifying_key().to_bytes();
	assert_eq!(c.on_ack(DOWN, &key, &ack(MIB)), Ok(MIB));
	let mut forged = ack(5 * MIB);
	forged.signature[9] ^= 1;
	let a = |hop, channel, genesis| {
		ack_by(&down_key(), Ack { genesis, channel, hop, cumulative_bytes: 5 * MIB })
	};
	let by_upstream_key = ack_by(&SigningKey::from_bytes(&[5; 32]), ack(5 * MIB).ack);
	let cases = [
		(DOWN, forged, Ignored::BadSignature),
		(DOWN, by_upstream_key, Ignored::BadSignature),
		// Another hop index, another channel, another chain.
		(DOWN, a(1, CH, genesis()), Ignored::WrongHop),
		(DOWN, a(2, 99, genesis()), Ignored::NoChannel),
		(DOWN, a(2, CH, Hash::repeat_byte(0x22)), Ignored::WrongChain),
		// From a router that is not downstream.
		(UP, ack(5 * MIB), Ignored::WrongHop),
		(DOWN, ack(MIB), Ignored::NotLarger),
		(DOWN, ack(MIB / 2), Ignored::NotLarger),
	];
	for (from, signed, why) in cases {
		assert_eq!(c.on_ack(from, &key, &signed), Err(why), "{why:?}");
	}
	c.admit(CH, &path(), 1, 1).unwrap();
	assert_eq!(c.usage()[0].ack, Some(ack(MIB)));
}

#[test]
fn acks_go_upstream_every_mebibyte_or_second() {
	let mut c = channels();
	assert!(c.acks_due(0).is_empty());
	c.admit(CH, &path(), 1, 1_000).unwrap();
	// Not a MiB yet, and the first second has not passed.
	assert!(c.acks_due(500).is_empty());
	let due = c.acks_due(1_000);
	assert_eq!(
		due,
		vec![(UP, Ack { genesis: genesis(), channel: CH, hop: 1, cumulative_bytes: 1_000 })]
	);
	assert!(c.acks_due(1_001).is_empty());
	c.admit(CH, &path(), 1, MIB).unwrap();
	assert_eq!(c.acks_due(1_002)[0].1.cumulative_bytes, MIB + 1_000);
	// Nothing new: nothing due, however long.
	assert!(c.acks_due(100_000).is_empty());
}

#[test]
fn usage_is_the_tickets_channel_entry() {
	let mut c = channels();
	c.on_receipt(&receipt(MIB)).unwrap();
	c.admit(CH, &path(), 1, 1_000).unwrap();
	c.sent(CH, 900);
	let key = down_key().verifying_key().to_bytes();
	c.on_ack(DOWN, &key, &ack(800)).unwrap();
	assert_eq!(
		c.usage(),
		vec![ChannelUsage {
			channel: CH,
			hop: 1,
			prev: Some(UP),
			next: Some(DOWN),
			bytes_in: 1_000,
			bytes_out: 900,
			receipt: Some(receipt(MIB)),
			ack: Some(ack(800)),
		}]
	);
}

#[test]
fn held_channels_are_bounded() {
	let mut c = Channels::new(ME, genesis(), MIB, NonZeroUsize::new(8).unwrap());
	for id in 0..100 {
		let mut t = terms();
		t.id = id;
		c.update(t);
	}
	assert_eq!(c.len(), 8);
	assert!(c.terms(99).is_some() && c.terms(0).is_none());
}

/// The consumer's receipts, signed as the relays check them, keep a relay going: it carries
/// what the consumer sent, never stopping on credit.
#[test]
fn the_consumers_receipts_keep_the_relays_going() {
	let mut c = channels();
	let mut r = Receipts::new(genesis(), CH, Path::truncate_from(path()), consumer());
	// Nothing sent: an empty receipt once (it names the channel), then nothing.
	assert_eq!(r.due(0).map(|s| s.receipt.cumulative_bytes), Some(0));
	assert_eq!(r.due(10), None);
	let mut delivered = 0u64;
	for ms in 1..=20_000u64 {
		// 64 KiB every millisecond: 64 MiB a second, far beyond the credit window.
		let chunk = 64 << 10;
		r.sent(chunk);
		if let Some(receipt) = r.due(ms) {
			c.on_receipt(&receipt).unwrap();
		}
		c.admit(CH, &path(), 1, chunk).expect("never over credit");
		delivered += chunk;
		if delivered >= 200 * MIB {
			break;
		}
	}
	assert!(delivered >= 200 * MIB);
	// Quiet: one more receipt a second later covers the rest.
	r.sent(10);
	assert_eq!(r.due(30_000).unwrap().receipt.cumulative_bytes, delivered + 10);
}

/// What was carried, and the evidence for it, survives a restart exactly; a corrupt, foreign
/// or tampered state file is refused, never read as nothing carried.
#[test]
fn carried_channels_survive_a_restart_and_bad_state_files_are_refused() {
	let mut c = channels();
	assert_eq!(c.admit(CH, &path(), 1, 3 * MIB), Ok(true));
	c.sent(CH, 3 * MIB);
	c.on_receipt(&receipt(2 * MIB)).unwrap();
	let cap = NonZeroUsize::new(8).unwrap();
	let bytes = c.snapshot();
	let back = Channels::restore(ME, genesis(), 4 * MIB, cap, &bytes).unwrap();
	assert_eq!(format!("{:?}", back.usage()), format!("{:?}", c.usage()));
	assert_eq!(back.terms(CH), Some(&terms()));
	use crate::tickets::SnapshotError;
	let err = |b: &[u8]| Channels::restore(ME, genesis(), 4 * MIB, cap, b).unwrap_err();
	assert_eq!(err(&bytes[..bytes.len() - 1]), SnapshotError::Corrupt);
	assert_eq!(err(&[bytes.clone(), vec![0]].concat()), SnapshotError::Corrupt);
	assert_eq!(
		Channels::restore(ME, Hash::repeat_byte(2), 4 * MIB, cap, &bytes).unwrap_err(),
		SnapshotError::Foreign
	);
	assert_eq!(
		Channels::restore(ME + 1, genesis(), 4 * MIB, cap, &bytes).unwrap_err(),
		SnapshotError::Foreign
	);
	// A channel whose path does not pass here cannot be smuggled in.
	let mut other = Channels::new(ME, genesis(), 4 * MIB, cap);
	let mut t = terms();
	t.path = vec![UP, ME, DOWN];
	other.update(t);
	let mut forged = other.snapshot();
	// Rewrite ME in the saved path to another id: the restore finds no index.
	let me = ME.to_le_bytes();
	let at = forged.windows(4).rposition(|w| w == me).unwrap();
	forged[at] ^= 0xff;
	assert!(Channels::restore(ME, genesis(), 4 * MIB, cap, &forged).is_err());
}

/// The chain's channel, as the runtime API answers it, becomes the terms a relay admits by.
#[test]
fn terms_from_the_chain() {
	use ditex_primitives::{
		registry::DataPlaneKey,
		settlement::{HopTerms, ReceiptKey},
	};
	let hop = |segment, price_per_gib| HopTerms { segment, payee: [0u8; 32], price_per_gib };
	let mut c = Channel {
		consumer: [1u8; 32],
		hops: vec![hop(UP, 0), hop(ME, 1_000), hop(DOWN, 1_000)].try_into().unwrap(),
		max_price_per_gib: 5_000,
		deposit: 3_000,
		paid: 500,
		refunded: 1_000,
		opened_at: 1,
		expires_at: 100,
		refund_at: 0,
		status: ChannelStatus::Open,
		data_key: DataPlaneKey([9; 32]),
		receipt_key: ReceiptKey(consumer().verifying_key().to_bytes()),
	};
	// Paid-out coins still count (counters are cumulative); refunded ones do not.
	assert_eq!(Terms::from_chain(CH, &c, 100), terms());
	assert!(!Terms::from_chain(CH, &c, 101).open, "expired");
	c.status = ChannelStatus::Closed { at: 50 };
	assert!(!Terms::from_chain(CH, &c, 60).open, "closed");
}

/// Hop 0 is the consumer's own agent: what it sends counts as in and out, with no credit.
#[test]
fn the_ingress_counts_what_it_originates() {
	let mut c = Channels::new(UP, genesis(), 4 * MIB, NonZeroUsize::new(8).unwrap());
	assert!(c.update(terms()));
	c.originated(CH, 10 * MIB);
	let u = c.usage();
	assert_eq!((u[0].hop, u[0].bytes_in, u[0].bytes_out), (0, 10 * MIB, 10 * MIB));
	// Not at a relay: its bytes are counted as it admits them.
	let mut relay = channels();
	relay.originated(CH, MIB);
	assert!(relay.usage().is_empty());
}
