//! The reporter's batcher against forged, misdirected and flooding tickets, on simulated time.

use ditex_primitives::settlement::{ChannelUsage, Ticket};
use ed25519_dalek::{Signer, SigningKey};

use super::*;
use crate::registry::{
	tests::{entry, secret},
	EndpointPolicy, PeerEntry,
};

/// This router: the group's reporter.
const ME: SegmentId = 1;
/// Members of its group.
const B: SegmentId = 2;
const C: SegmentId = 3;
/// A router of another group.
const OTHER: SegmentId = 9;
const EPOCH: Epoch = 7;

fn genesis() -> Hash {
	Hash::repeat_byte(0x44)
}

fn ticket_key(id: SegmentId) -> SigningKey {
	SigningKey::from_bytes(&[id as u8 + 0x10; 32])
}

/// The listings of `ids` with their ticket keys, all in group 1.
fn entries(ids: &[SegmentId]) -> Vec<PeerEntry> {
	ids.iter()
		.map(|&id| {
			let mut e = entry(id);
			let key = ticket_key(id).verifying_key().to_bytes();
			e.ticket_key = Some(format!("0x{}", hex::encode(key)));
			e
		})
		.collect()
}

/// This router's view: B and C in its group, OTHER in group 2.
fn registry() -> Registry {
	let mut entries = entries(&[ME, B, C, OTHER]);
	entries[3].group = Some(2);
	Registry::new(ME, secret(ME), &entries, EndpointPolicy::test_bed()).unwrap()
}

fn endpoint(id: SegmentId) -> SocketAddr {
	SocketAddr::from(([127, 0, 0, 1], (20000 + id) as u16))
}

fn ticket(segment: SegmentId, epoch: Epoch) -> SignedTicket {
	let t = Ticket {
		segment,
		epoch,
		boot_time: 1_700_000_000,
		total_in: 10,
		total_out: 10,
		peers: Default::default(),
		channels: vec![ChannelUsage {
			channel: 5,
			hop: 0,
			prev: None,
			next: None,
			bytes_in: 10,
			bytes_out: 10,
			receipt: None,
			ack: None,
		}]
		.try_into()
		.unwrap(),
	};
	let signature = ticket_key(segment).sign(&t.signing_payload(&genesis())).to_bytes();
	SignedTicket { ticket: t, signature }
}

fn cx(registry: &Registry) -> Context<'_> {
	Context { reporter: true, epoch: EPOCH, registry, check_source: true }
}

#[test]
fn members_tickets_go_out_in_one_batch_after_a_block() {
	let reg = registry();
	let mut b = Batcher::new(ME, genesis());
	assert_eq!(b.offer(1_000, endpoint(B), ticket(B, EPOCH - 1), cx(&reg)), Ok(()));
	assert_eq!(b.offer(2_000, endpoint(C), ticket(C, EPOCH), cx(&reg)), Ok(()));
	// The same ticket again (a retry): held once, not checked again.
	assert_eq!(b.offer(2_500, endpoint(C), ticket(C, EPOCH), cx(&reg)), Ok(()));
	assert_eq!(b.len(), 2);
	assert_eq!(b.take(1_000 + GATHER_MS - 1, &reg), None);
	let batch = b.take(1_000 + GATHER_MS, &reg).expect("a batch after a block");
	assert_eq!(batch, vec![ticket(B, EPOCH - 1), ticket(C, EPOCH)]);
	assert!(b.is_empty());
	assert_eq!(b.take(100_000, &reg), None, "nothing held, nothing to submit");
}

/// The reporter's own ticket rides in the batch it submits; another's under its name does
/// not get in that way.
#[test]
fn the_reporters_own_ticket_rides_in_its_batch() {
	let reg = registry();
	let mut b = Batcher::new(ME, genesis());
	b.hold_own(0, ticket(B, EPOCH));
	assert!(b.is_empty());
	b.hold_own(0, ticket(ME, EPOCH));
	b.offer(100, endpoint(B), ticket(B, EPOCH), cx(&reg)).unwrap();
	assert_eq!(b.take(GATHER_MS, &reg), Some(vec![ticket(ME, EPOCH), ticket(B, EPOCH)]));
}

/// A full group's tickets go out [`BATCH_TICKETS`] at a time, all of them.
#[test]
fn a_full_groups_tickets_go_out_in_batches_of_a_bounded_size() {
	let ids: Vec<SegmentId> = (1..=40).collect();
	let reg = Registry::new(ME, secret(ME), &entries(&ids), EndpointPolicy::test_bed()).unwrap();
	let mut b = Batcher::new(ME, genesis());
	for &id in &ids[1..] {
		b.offer(0, endpoint(id), ticket(id, EPOCH), cx(&reg)).unwrap();
	}
	let mut sizes = Vec::new();
	while let Some(batch) = b.take(0, &reg) {
		sizes.push(batch.len());
	}
	// Full batches at once; the rest when the gathering time is up.
	assert_eq!(sizes, vec![BATCH_TICKETS, BATCH_TICKETS]);
	assert_eq!(b.take(GATHER_MS, &reg).map(|b| b.len()), Some(39 - 2 * BATCH_TICKETS));
	assert!(b.is_empty());
}

#[test]
fn a_later_ticket_of_a_member_replaces_the_one_held() {
	let reg = registry();
	let mut b = Batcher::new(ME, genesis());
	b.offer(0, endpoint(B), ticket(B, EPOCH - 1), cx(&reg)).unwrap();
	b.offer(10, endpoint(B), ticket(B, EPOCH), cx(&reg)).unwrap();
	// An older one after it changes nothing.
	b.offer(20, endpoint(B), ticket(B, EPOCH - 1), cx(&reg)).unwrap();
	assert_eq!(b.take(GATHER_MS, &reg), Some(vec![ticket(B, EPOCH)]));
}

/// What the chain would refuse the whole batch for never gets in: a forged signature, a
/// ticket signed by another member's key, a non-member's, this router's own, a stale or
/// future epoch; nor does a ticket from anywhere but the member's endpoint, or any while this
/// router is not the reporter.
#[test]
fn tickets_the_chain_would_refuse_are_not_taken() {
	let reg = registry();
	let mut b = Batcher::new(ME, genesis());
	let mut forged = ticket(B, EPOCH);
	forged.signature[0] ^= 1;
	assert_eq!(b.offer(0, endpoint(B), forged, cx(&reg)), Err(Refused::BadSignature));
	let mut by_c = ticket(B, EPOCH);
	by_c.signature = ticket_key(C).sign(&by_c.ticket.signing_payload(&genesis())).to_bytes();
	assert_eq!(b.offer(0, endpoint(B), by_c, cx(&reg)), Err(Refused::BadSignature));
	let other_chain = {
		let mut t = ticket(B, EPOCH);
		t.signature =
			ticket_key(B).sign(&t.ticket.signing_payload(&Hash::repeat_byte(1))).to_bytes();
		t
	};
	assert_eq!(b.offer(0, endpoint(B), other_chain, cx(&reg)), Err(Refused::BadSignature));
	assert_eq!(
		b.offer(0, endpoint(OTHER), ticket(OTHER, EPOCH), cx(&reg)),
		Err(Refused::NotAMember(OTHER))
	);
	assert_eq!(b.offer(0, endpoint(ME), ticket(ME, EPOCH), cx(&reg)), Err(Refused::NotAMember(ME)));
	assert_eq!(b.offer(0, endpoint(77), ticket(77, EPOCH), cx(&reg)), Err(Refused::NotAMember(77)));
	assert_eq!(
		b.offer(0, endpoint(B), ticket(B, EPOCH - 2), cx(&reg)),
		Err(Refused::Stale(EPOCH - 2))
	);
	assert_eq!(
		b.offer(0, endpoint(B), ticket(B, EPOCH + 1), cx(&reg)),
		Err(Refused::Stale(EPOCH + 1))
	);
	assert_eq!(b.offer(0, endpoint(C), ticket(B, EPOCH), cx(&reg)), Err(Refused::WrongSource));
	let not_reporter = Context { reporter: false, ..cx(&reg) };
	assert_eq!(b.offer(0, endpoint(B), ticket(B, EPOCH), not_reporter), Err(Refused::NotReporter));
	assert!(b.is_empty());
	assert_eq!(b.take(u64::MAX, &reg), None);
	// Sources unchecked (behind NAT, as the data plane allows): any address will do.
	let lax = Context { check_source: false, ..cx(&reg) };
	assert_eq!(b.offer(0, endpoint(C), ticket(B, EPOCH), lax), Ok(()));
}

/// Anyone can send datagrams: forged tickets for a member cost at most
/// [`MAX_CHECKS_PER_EPOCH`] signature checks a member and epoch, and a member's own good
/// ticket still counts in the next epoch.
#[test]
fn forged_tickets_cost_a_bounded_number_of_checks() {
	let reg = registry();
	let mut b = Batcher::new(ME, genesis());
	let mut forged = ticket(B, EPOCH);
	forged.signature[5] ^= 0x80;
	for _ in 0..MAX_CHECKS_PER_EPOCH {
		assert_eq!(b.offer(0, endpoint(B), forged.clone(), cx(&reg)), Err(Refused::BadSignature));
	}
	for _ in 0..1_000 {
		assert_eq!(b.offer(0, endpoint(B), forged.clone(), cx(&reg)), Err(Refused::Flood));
	}
	assert_eq!(b.offer(0, endpoint(B), ticket(B, EPOCH), cx(&reg)), Err(Refused::Flood));
	// Another member is not held back.
	assert_eq!(b.offer(0, endpoint(C), ticket(C, EPOCH), cx(&reg)), Ok(()));
	let next = Context { epoch: EPOCH + 1, ..cx(&reg) };
	assert_eq!(b.offer(0, endpoint(B), ticket(B, EPOCH + 1), next), Ok(()));
}

/// A member that left the group before the batch went out is left out of it.
#[test]
fn a_member_that_left_is_left_out() {
	let mut reg = registry();
	let mut b = Batcher::new(ME, genesis());
	b.offer(0, endpoint(B), ticket(B, EPOCH), cx(&reg)).unwrap();
	b.offer(0, endpoint(C), ticket(C, EPOCH), cx(&reg)).unwrap();
	reg.update(&entries(&[ME, B]));
	assert_eq!(b.take(GATHER_MS, &reg), Some(vec![ticket(B, EPOCH)]));
}

#[test]
fn a_ticket_travels_in_one_datagram_unless_too_large() {
	let t = ticket(B, EPOCH);
	let d = handoff_datagram(t.clone()).expect("a one-channel ticket fits");
	assert_eq!(TicketDatagram::parse(&d).unwrap().ticket, t);
	let mut big = t;
	big.ticket.peers = (0..128)
		.map(|i| ditex_primitives::settlement::PeerCounters {
			peer: i,
			octets_in: 1,
			octets_out: 1,
		})
		.collect::<Vec<_>>()
		.try_into()
		.unwrap();
	assert_eq!(handoff_datagram(big), None);
}
