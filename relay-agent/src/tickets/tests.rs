//! The ticket builder and queue against a simulated chain, on simulated time.

use std::collections::BTreeMap;

use super::*;
use ditex_primitives::{settlement::ChannelId, signed_by};

const ME: SegmentId = 20;
const EPOCH_MS: u64 = 600_000;

fn genesis() -> Hash {
	Hash::repeat_byte(0x33)
}

fn key() -> SigningKey {
	SigningKey::from_bytes(&[8; 32])
}

fn usage(channel: ChannelId, bytes: u64) -> ChannelUsage {
	ChannelUsage {
		channel,
		hop: 1,
		prev: Some(10),
		next: Some(30),
		bytes_in: bytes,
		bytes_out: bytes,
		receipt: None,
		ack: None,
	}
}

fn counters(bytes: u64) -> Counters {
	Counters {
		boot_time: 1_700_000_000,
		total_in: bytes,
		total_out: bytes,
		peers: vec![PeerCounters { peer: 10, octets_in: bytes, octets_out: 0 }],
		channels: if bytes == 0 { vec![] } else { vec![usage(1, bytes)] },
	}
}

/// The chain as the queue meets it: the ticket pallet's intake rules (signature, epoch age,
/// one ticket per later epoch) and its pay-the-growth settlement, and a node that may be down.
struct Chain {
	epoch: Epoch,
	max_age: Epoch,
	up: bool,
	last: Option<Epoch>,
	/// Per channel, bytes paid for.
	paid: BTreeMap<ChannelId, u64>,
	/// Payments made, (channel, bytes), in order.
	payments: Vec<(ChannelId, u64)>,
	accepted: Vec<Epoch>,
}

impl Chain {
	fn new() -> Chain {
		Chain {
			epoch: 0,
			max_age: 2,
			up: true,
			last: None,
			paid: BTreeMap::new(),
			payments: vec![],
			accepted: vec![],
		}
	}

	fn submit(&mut self, t: &SignedTicket) -> Outcome {
		if !self.up {
			return Outcome::Transient("node unreachable".into());
		}
		let payload = t.ticket.signing_payload(&genesis());
		if !signed_by(&t.signature, &payload, &key().verifying_key().to_bytes()) {
			return Outcome::Refused("BadProof".into());
		}
		let e = t.ticket.epoch;
		if e > self.epoch {
			return Outcome::Transient("Future".into());
		}
		if e + self.max_age < self.epoch || self.last.is_some_and(|l| e <= l) {
			return Outcome::Refused("Stale".into());
		}
		self.last = Some(e);
		self.accepted.push(e);
		for c in t.ticket.channels.iter() {
			let paid = self.paid.entry(c.channel).or_default();
			if c.bytes_in > *paid {
				self.payments.push((c.channel, c.bytes_in - *paid));
				*paid = c.bytes_in;
			}
		}
		Outcome::Finalized
	}
}

/// Run the queue against the chain from `from` to `to` ms, traffic growing by `rate` bytes a
/// minute, the chain's epoch following the clock while it is up and `advancing`.
fn drive(q: &mut TicketQueue, chain: &mut Chain, from: u64, to: u64, bytes: &mut u64, rate: u64) {
	let mut now = from;
	while now < to {
		*bytes += rate;
		if chain.up {
			q.on_epoch(now, chain.epoch, &counters(*bytes), &key());
		}
		if let Some(t) = q.due(now) {
			let outcome = chain.submit(&t);
			q.on_outcome(now, outcome);
		}
		now += 60_000;
		if now.is_multiple_of(EPOCH_MS) {
			chain.epoch += 1;
		}
	}
}

#[test]
fn one_ticket_per_epoch_with_traffic_none_without() {
	let mut q = TicketQueue::new(ME, genesis());
	// The first epoch seen only sets the clock.
	assert_eq!(q.on_epoch(0, 5, &counters(100), &key()), None);
	// Nothing carried: nothing to claim.
	let mut none = counters(0);
	none.total_in = 999;
	assert_eq!(q.on_epoch(1, 6, &none, &key()), None);
	assert_eq!(q.on_epoch(2, 7, &counters(100), &key()), Some(6));
	// The same epoch again, or an earlier one: nothing.
	assert_eq!(q.on_epoch(3, 7, &counters(200), &key()), None);
	assert_eq!(q.on_epoch(3, 6, &counters(200), &key()), None);
	// Nothing new since the last ticket: nothing.
	assert_eq!(q.on_epoch(4, 8, &counters(100), &key()), None);
	assert_eq!(q.on_epoch(5, 9, &counters(300), &key()), Some(8));
	assert_eq!(q.epochs(), vec![6, 8]);
	let t = q.due(5).unwrap();
	assert_eq!(t.ticket.segment, ME);
	assert_eq!(t.ticket.channels.to_vec(), vec![usage(1, 100)]);
	// What the chain checks: the ticket key's signature over the primitives payload.
	let payload = t.ticket.signing_payload(&genesis());
	assert!(signed_by(&t.signature, &payload, &key().verifying_key().to_bytes()));
	// One out at a time.
	assert_eq!(q.due(5), None);
}

/// The node is down for three epochs while traffic goes on; back, every queued ticket goes
/// out in order and every byte is paid exactly once.
#[test]
fn a_chain_down_for_three_epochs_loses_nothing_and_pays_nothing_twice() {
	let mut q = TicketQueue::new(ME, genesis());
	let mut chain = Chain::new();
	let mut bytes = 0;
	drive(&mut q, &mut chain, 0, 3 * EPOCH_MS, &mut bytes, 1_000);
	assert_eq!(chain.accepted, vec![0, 1]);
	// Down: the chain halts with it (a single dev node), and tickets queue up, the one built
	// before retried with backoff.
	chain.up = false;
	let before = q.len();
	drive(&mut q, &mut chain, 3 * EPOCH_MS, 6 * EPOCH_MS, &mut bytes, 1_000);
	assert!(q.len() >= before);
	chain.up = true;
	drive(&mut q, &mut chain, 6 * EPOCH_MS, 10 * EPOCH_MS, &mut bytes, 1_000);
	assert!(q.is_empty(), "{:?}", q.epochs());
	// In order, each epoch once.
	assert!(chain.accepted.windows(2).all(|w| w[0] < w[1]), "{:?}", chain.accepted);
	// Paid once for every byte up to the last ticket accepted.
	let paid: u64 = chain.payments.iter().map(|(_, b)| b).sum();
	assert_eq!(paid, chain.paid[&1]);
	assert!(paid >= bytes - 10 * 1_000 * 10, "paid {paid} of {bytes}");
}

/// The node is away but the chain goes on (another validator): tickets too old to be taken are
/// refused and dropped, and the newest, cumulative, pays for their bytes.
#[test]
fn tickets_too_old_for_the_chain_are_dropped_and_the_newest_pays_their_bytes() {
	let mut q = TicketQueue::new(ME, genesis());
	let mut chain = Chain::new();
	let mut bytes = 0;
	drive(&mut q, &mut chain, 0, 2 * EPOCH_MS, &mut bytes, 1_000);
	// Unreachable for five epochs while the chain's epoch moves on.
	let mut now = 2 * EPOCH_MS;
	for e in 2..7 {
		bytes += 10_000;
		q.on_epoch(now, e, &counters(bytes), &key());
		if let Some(_t) = q.due(now) {
			q.on_outcome(now, Outcome::Transient("node unreachable".into()));
		}
		now += EPOCH_MS;
	}
	chain.epoch = 7;
	let queued = q.epochs();
	assert_eq!(queued.len(), 5, "{queued:?}");
	let mut drops = 0;
	for _ in 0..20 {
		now += RETRY_MAX_MS;
		if let Some(t) = q.due(now) {
			if let Some(Done::Dropped(..)) = q.on_outcome(now, chain.submit(&t)) {
				drops += 1;
			}
		}
	}
	assert!(q.is_empty());
	// Epochs 1 to 4 are older than the chain takes; 5 lands and pays for all.
	assert_eq!(drops, 4);
	assert_eq!(chain.accepted, vec![0, 5]);
	assert_eq!(chain.paid[&1], bytes);
}

/// A restart between submission and finality: the restored queue submits again, the chain
/// takes one ticket per epoch, and the bytes are paid once.
#[test]
fn a_restart_between_submission_and_finality_pays_once() {
	let mut q = TicketQueue::new(ME, genesis());
	let mut chain = Chain::new();
	q.on_epoch(0, 0, &counters(0), &key());
	q.on_epoch(1, 1, &counters(5_000), &key());
	let t = q.due(1).unwrap();
	// The shell writes the snapshot before it submits.
	let saved = q.snapshot();
	// Submitted and finalized, and the agent dies before it learns so.
	assert_eq!(chain.submit(&t), Outcome::Finalized);
	drop(q);
	let mut q = TicketQueue::restore(ME, genesis(), &saved).unwrap();
	assert_eq!(q.epochs(), vec![0]);
	let again = q.due(2).unwrap();
	assert_eq!(again, t);
	let outcome = chain.submit(&again);
	assert_eq!(outcome, Outcome::Refused("Stale".into()));
	assert_eq!(q.on_outcome(2, outcome), Some(Done::Dropped(0, "Stale".into())));
	assert_eq!(chain.payments, vec![(1, 5_000)]);
	// The refused ticket was the only one: its channels are claimed again, and the chain,
	// which pays growth only, pays nothing for them twice.
	chain.epoch = 2;
	assert_eq!(q.on_epoch(3, 2, &counters(5_000), &key()), Some(1));
	let t = q.due(3).unwrap();
	assert_eq!(chain.submit(&t), Outcome::Finalized);
	q.on_outcome(3, Outcome::Finalized);
	assert_eq!(chain.payments, vec![(1, 5_000)]);
	// Then only growth is new.
	chain.epoch = 3;
	assert_eq!(q.on_epoch(4, 3, &counters(5_000), &key()), None);
	chain.epoch = 4;
	assert_eq!(q.on_epoch(5, 4, &counters(6_000), &key()), Some(3));
	let t = q.due(5).unwrap();
	assert_eq!(chain.submit(&t), Outcome::Finalized);
	assert_eq!(chain.payments, vec![(1, 5_000), (1, 1_000)]);
}

#[test]
fn a_corrupt_or_foreign_state_file_is_an_error_not_an_empty_queue() {
	let mut q = TicketQueue::new(ME, genesis());
	q.on_epoch(0, 0, &counters(0), &key());
	q.on_epoch(1, 1, &counters(5_000), &key());
	let good = q.snapshot();
	assert_eq!(TicketQueue::restore(ME, genesis(), &good).unwrap().len(), 1);
	let mut trailing = good.clone();
	trailing.push(0);
	for bad in [&good[..good.len() - 1], &trailing[..], &[0xff; 40][..], &[][..]] {
		assert_eq!(TicketQueue::restore(ME, genesis(), bad).unwrap_err(), SnapshotError::Corrupt);
	}
	let mut other_version = good.clone();
	other_version[0] = 9;
	assert_eq!(
		TicketQueue::restore(ME, genesis(), &other_version).unwrap_err(),
		SnapshotError::Version(9)
	);
	assert_eq!(TicketQueue::restore(ME + 1, genesis(), &good).unwrap_err(), SnapshotError::Foreign);
	assert_eq!(
		TicketQueue::restore(ME, Hash::repeat_byte(1), &good).unwrap_err(),
		SnapshotError::Foreign
	);
}

#[test]
fn retries_back_off_exponentially_up_to_a_cap() {
	let mut q = TicketQueue::new(ME, genesis());
	q.on_epoch(0, 0, &counters(0), &key());
	q.on_epoch(0, 1, &counters(5), &key());
	let mut now = 0;
	let mut waits = vec![];
	for _ in 0..10 {
		q.due(now).unwrap();
		let Some(Done::Retry(0, at)) = q.on_outcome(now, Outcome::Transient("down".into())) else {
			panic!("a retry")
		};
		waits.push(at - now);
		assert_eq!(q.due(at - 1), None);
		now = at;
	}
	assert_eq!(&waits[..3], &[RETRY_MIN_MS, 2 * RETRY_MIN_MS, 4 * RETRY_MIN_MS]);
	assert_eq!(*waits.last().unwrap(), RETRY_MAX_MS);
	assert!(waits.windows(2).all(|w| w[0] <= w[1]));
}

/// More channels and peers than a ticket holds: the busiest go first, the rest next epoch.
#[test]
fn a_ticket_stays_within_its_bounds() {
	let mut q = TicketQueue::new(ME, genesis());
	let mut c = counters(0);
	c.channels = (0..200).map(|i| usage(i, 1_000 + i)).collect();
	c.peers = (0..300)
		.map(|i| PeerCounters { peer: i, octets_in: u64::from(i), octets_out: 0 })
		.collect();
	q.on_epoch(0, 0, &c, &key());
	q.on_epoch(0, 1, &c, &key());
	let first = q.due(0).unwrap().ticket;
	assert_eq!(first.channels.len(), MAX_TICKET_CHANNELS as usize);
	assert_eq!(first.peers.len(), MAX_TICKET_PEERS as usize);
	assert_eq!(first.channels[0].channel, 200 - MAX_TICKET_CHANNELS as u64);
	assert_eq!(first.peers[0].peer, 300 - MAX_TICKET_PEERS);
	q.on_outcome(0, Outcome::Finalized);
	let mut seen: Vec<ChannelId> = first.channels.iter().map(|c| c.channel).collect();
	for e in 2..5 {
		q.on_epoch(0, e, &c, &key());
		if let Some(t) = q.due(0) {
			seen.extend(t.ticket.channels.iter().map(|c| c.channel));
			q.on_outcome(0, Outcome::Finalized);
		}
	}
	seen.sort();
	assert_eq!(seen, (0..200).collect::<Vec<_>>());
}

#[test]
fn the_queue_is_bounded_and_keeps_the_ticket_in_flight() {
	let mut q = TicketQueue::new(ME, genesis());
	q.on_epoch(0, 0, &counters(0), &key());
	q.on_epoch(0, 1, &counters(1), &key());
	let out = q.due(0).unwrap();
	for e in 2..40 {
		q.on_epoch(0, e, &counters(u64::from(e)), &key());
	}
	assert_eq!(q.len(), MAX_QUEUED);
	assert_eq!(q.epochs()[0], out.ticket.epoch);
	assert_eq!(q.on_outcome(0, Outcome::Finalized), Some(Done::Finalized(out.ticket.epoch)));
}

/// A ticket goes to the group's reporter once, then waits [`crate::batch::HANDOFF_MS`]
/// before this router submits it itself; one already submitted is never handed over; tickets
/// queued behind one another each wait from their own handoff, not in turn.
#[test]
fn a_ticket_is_handed_over_once_then_submitted_after_the_wait() {
	let wait = crate::batch::HANDOFF_MS;
	let mut q = TicketQueue::new(ME, genesis());
	q.on_epoch(0, 1, &counters(0), &key());
	assert!(q.on_epoch(1_000, 2, &counters(100), &key()).is_some());
	let handed = q.handoff(1_000);
	assert_eq!(handed.iter().map(|t| t.ticket.epoch).collect::<Vec<_>>(), vec![1]);
	assert!(q.handoff(1_001).is_empty(), "once");
	// The next epoch's ticket, queued behind it, is handed over at once.
	q.on_epoch(2_000, 3, &counters(200), &key());
	assert_eq!(q.handoff(2_000).iter().map(|t| t.ticket.epoch).collect::<Vec<_>>(), vec![2]);
	assert_eq!(q.due(1_000 + wait - 1), None, "waiting for the batch");
	let own = q.due(1_000 + wait).expect("then its own submission");
	assert_eq!(own, handed[0]);
	assert!(q.handoff(u64::MAX).is_empty(), "out, or handed already");
	q.on_outcome(1_000 + wait, Outcome::Finalized);
	// The second is due from its own handoff: no added wait.
	assert_eq!(q.due(2_000 + wait).map(|t| t.ticket.epoch), Some(2));
	q.on_outcome(2_000 + wait, Outcome::Transient("node down".into()));
	assert!(q.handoff(u64::MAX).is_empty(), "tried by this router already");
	q.due(u64::MAX).expect("retried by this router");
}
