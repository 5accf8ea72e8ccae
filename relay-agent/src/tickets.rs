//! Tickets: what a router claims each epoch, signed with its ticket key, queued until the
//! chain has finalized it.
//!
//! - **Built per epoch.** When the chain's epoch moves on, the router builds one ticket that
//!   closes the epoch before: its boot time and totals, its per-peer octets and, per channel it
//!   carried, bytes in and out with the latest receipt and the downstream's latest ack
//!   ([`crate::channel::Channels::usage`]). A router with nothing new to claim builds nothing.
//! - **Cumulative.** Every counter in a ticket counts from the boot or the channel's opening,
//!   and the chain pays only the growth over what it already paid; so a ticket submitted twice,
//!   or an older one after a newer one, can never be paid twice.
//! - **Handed to the group's reporter first.** A ticket goes to the group's batch
//!   ([`crate::batch`]) once; the router submits it itself only if it is not on the chain
//!   [`HANDOFF_MS`](crate::batch::HANDOFF_MS) later.
//! - **Queued in order.** Tickets go out one at a time, oldest first, each only after the one
//!   before it is final or refused for good. A node that is unreachable, or a pool that refuses
//!   for a reason that may pass, is retried with exponential backoff; a ticket the chain
//!   refuses for good is dropped with its reason (a newer ticket carries its bytes anyway).
//! - **Persisted.** The queue is a SCALE snapshot the shell writes crash-safe before it submits
//!   and after each outcome, so a restart between submission and finality submits again, and
//!   the chain's one-ticket-per-(segment, epoch) rule makes that harmless.
//!
//! Sans-IO: time and the chain's epoch come in as arguments; the shell submits what
//! [`TicketQueue::due`] returns and reports back with [`TicketQueue::on_outcome`].

use std::collections::{BTreeMap, VecDeque};

use codec::{Decode, Encode};
use ditex_primitives::{
	registry::SegmentId,
	settlement::{
		ChannelId, ChannelUsage, Epoch, PeerCounters, SignedTicket, Ticket, MAX_TICKET_CHANNELS,
		MAX_TICKET_PEERS,
	},
	Hash,
};
use ed25519_dalek::{Signer, SigningKey};

/// Tickets held at most: more than the chain's ticket age, so nothing it would still take is
/// dropped while the node is away; beyond it the oldest goes first (a newer ticket carries
/// its bytes).
pub const MAX_QUEUED: usize = 16;
/// The first retry after a transient failure.
pub const RETRY_MIN_MS: u64 = 6_000;
/// The longest wait between retries.
pub const RETRY_MAX_MS: u64 = 300_000;
/// Snapshot format version.
const SNAPSHOT_VERSION: u8 = 1;

/// The counters a ticket is built from, cumulative since boot (peers, totals) or since the
/// channel opened (channels).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
	/// When the agent booted, Unix seconds.
	pub boot_time: u64,
	/// Octets received since boot.
	pub total_in: u64,
	/// Octets sent since boot.
	pub total_out: u64,
	/// Octets per peer since boot.
	pub peers: Vec<PeerCounters>,
	/// Per channel carried.
	pub channels: Vec<ChannelUsage>,
}

/// What became of a submitted ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
	/// In a finalized block and accepted.
	Finalized,
	/// Refused for good (the pool said stale, bad proof or invalid; or the block's events say
	/// the ticket was rejected): dropped, with the reason for the log.
	Refused(String),
	/// Not submitted or not final for a reason that may pass (node unreachable, pool full,
	/// a ticket from the future): retried with backoff.
	Transient(String),
}

/// A ticket waiting in the queue.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
struct Queued {
	ticket: SignedTicket,
	attempts: u32,
	next_try_ms: u64,
}

/// What the queue did with an outcome, for the caller's log line and counters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Done {
	/// The ticket of this epoch is final.
	Finalized(Epoch),
	/// The ticket of this epoch was dropped, for this reason.
	Dropped(Epoch, String),
	/// The ticket of this epoch will be tried again at this time.
	Retry(Epoch, u64),
}

/// A router's tickets, from building to finality.
#[derive(Debug)]
pub struct TicketQueue {
	segment: SegmentId,
	genesis: Hash,
	queue: VecDeque<Queued>,
	/// The epoch the chain was last seen in.
	epoch: Option<Epoch>,
	/// Per channel, the entry of the last ticket that carried it, to tell what is new.
	claimed: BTreeMap<ChannelId, ChannelUsage>,
	/// Whether the head of the queue is out, waiting for its outcome.
	in_flight: bool,
	/// The epochs of the queued tickets handed to the group's reporter.
	handed: std::collections::BTreeSet<Epoch>,
}

impl TicketQueue {
	/// The queue of router `segment` on the chain with `genesis`.
	pub fn new(segment: SegmentId, genesis: Hash) -> TicketQueue {
		TicketQueue {
			segment,
			genesis,
			queue: VecDeque::new(),
			epoch: None,
			claimed: BTreeMap::new(),
			in_flight: false,
			handed: Default::default(),
		}
	}

	/// Tickets waiting.
	pub fn len(&self) -> usize {
		self.queue.len()
	}

	/// Whether none waits.
	pub fn is_empty(&self) -> bool {
		self.queue.is_empty()
	}

	/// The epochs of the tickets waiting, oldest first.
	pub fn epochs(&self) -> Vec<Epoch> {
		self.queue.iter().map(|q| q.ticket.ticket.epoch).collect()
	}

	/// The chain is in `epoch`. The first time a later epoch is seen, build the ticket that
	/// closes the one before it from `counters`, sign it with `key` and queue it; returns its
	/// epoch, or `None` if nothing new is claimed (or the epoch has not moved).
	pub fn on_epoch(
		&mut self,
		now_ms: u64,
		epoch: Epoch,
		counters: &Counters,
		key: &SigningKey,
	) -> Option<Epoch> {
		let previous = self.epoch.replace(epoch.max(self.epoch.unwrap_or(0)));
		match previous {
			// The first epoch seen only sets the clock: a ticket closes an epoch watched.
			None => return None,
			Some(p) if epoch <= p => return None,
			Some(_) => {},
		}
		let closes = epoch - 1;
		let ticket = self.build(closes, counters)?;
		let signature = key.sign(&ticket.signing_payload(&self.genesis)).to_bytes();
		// Channels gone from the counters (settled, rolled off) are forgotten here too.
		self.claimed.retain(|id, _| counters.channels.iter().any(|c| c.channel == *id));
		for c in ticket.channels.iter() {
			self.claimed.insert(c.channel, c.clone());
		}
		if self.queue.len() == MAX_QUEUED {
			// Never the one in flight: its outcome is still to come.
			let oldest = usize::from(self.in_flight);
			self.queue.remove(oldest);
		}
		self.queue.push_back(Queued {
			ticket: SignedTicket { ticket, signature },
			attempts: 0,
			next_try_ms: now_ms,
		});
		Some(closes)
	}

	/// The ticket closing `epoch`, or `None` if no channel has anything new since the last.
	fn build(&self, epoch: Epoch, counters: &Counters) -> Option<Ticket> {
		let mut channels: Vec<ChannelUsage> = counters
			.channels
			.iter()
			.filter(|c| self.claimed.get(&c.channel) != Some(c))
			.cloned()
			.collect();
		if channels.is_empty() {
			return None;
		}
		// The most bytes first, if there are more channels than a ticket holds: the rest
		// wait for the next epoch, losing nothing (their counters are cumulative).
		channels.sort_by_key(|c| (core::cmp::Reverse(c.bytes_in.max(c.bytes_out)), c.channel));
		channels.truncate(MAX_TICKET_CHANNELS as usize);
		channels.sort_by_key(|c| c.channel);
		let mut peers = counters.peers.clone();
		peers.sort_by_key(|p| {
			(core::cmp::Reverse(p.octets_in.saturating_add(p.octets_out)), p.peer)
		});
		peers.dedup_by_key(|p| p.peer);
		peers.truncate(MAX_TICKET_PEERS as usize);
		peers.sort_by_key(|p| p.peer);
		Some(Ticket {
			segment: self.segment,
			epoch,
			boot_time: counters.boot_time,
			total_in: counters.total_in,
			total_out: counters.total_out,
			peers: peers.try_into().expect("truncated to the bound"),
			channels: channels.try_into().expect("truncated to the bound"),
		})
	}

	/// The ticket to submit now, if one is due and none is out.
	pub fn due(&mut self, now_ms: u64) -> Option<SignedTicket> {
		if self.in_flight {
			return None;
		}
		let head = self.queue.front_mut()?;
		if head.next_try_ms > now_ms {
			return None;
		}
		head.attempts = head.attempts.saturating_add(1);
		self.in_flight = true;
		Some(head.ticket.clone())
	}

	/// The tickets to hand to the group's reporter now ([`crate::batch`]): every queued one
	/// that was neither handed over nor submitted yet. Each stays queued, due for this router's
	/// own submission [`HANDOFF_MS`](crate::batch::HANDOFF_MS) after its handoff, which finds
	/// it on the chain if the group's batch took it; so tickets waiting behind one another do
	/// not add up their waits.
	pub fn handoff(&mut self, now_ms: u64) -> Vec<SignedTicket> {
		let epochs: std::collections::BTreeSet<Epoch> =
			self.queue.iter().map(|q| q.ticket.ticket.epoch).collect();
		self.handed.retain(|e| epochs.contains(e));
		let mut out = Vec::new();
		for (i, q) in self.queue.iter_mut().enumerate() {
			let epoch = q.ticket.ticket.epoch;
			if (i == 0 && self.in_flight) || q.attempts > 0 || self.handed.contains(&epoch) {
				continue;
			}
			self.handed.insert(epoch);
			q.next_try_ms = q.next_try_ms.max(now_ms.saturating_add(crate::batch::HANDOFF_MS));
			out.push(q.ticket.clone());
		}
		out
	}

	/// What became of the ticket [`TicketQueue::due`] handed out last.
	pub fn on_outcome(&mut self, now_ms: u64, outcome: Outcome) -> Option<Done> {
		if !self.in_flight {
			return None;
		}
		self.in_flight = false;
		let head = self.queue.front_mut()?;
		let epoch = head.ticket.ticket.epoch;
		match outcome {
			Outcome::Finalized => {
				self.queue.pop_front();
				Some(Done::Finalized(epoch))
			},
			Outcome::Refused(why) => {
				self.queue.pop_front();
				if self.queue.is_empty() {
					// No ticket left carries what this one claimed: claim it all again next
					// (if the chain had taken it after all, it pays only growth).
					self.claimed.clear();
				}
				Some(Done::Dropped(epoch, why))
			},
			Outcome::Transient(_) => {
				let exp = head.attempts.saturating_sub(1).min(16);
				let wait = RETRY_MIN_MS.saturating_mul(1 << exp).min(RETRY_MAX_MS);
				head.next_try_ms = now_ms.saturating_add(wait);
				Some(Done::Retry(epoch, head.next_try_ms))
			},
		}
	}

	/// The queue as bytes for the state file. Restored, a ticket that was out is due again at
	/// once.
	pub fn snapshot(&self) -> Vec<u8> {
		let queued: Vec<Queued> = self.queue.iter().cloned().collect();
		let claimed: Vec<&ChannelUsage> = self.claimed.values().collect();
		(SNAPSHOT_VERSION, self.segment, self.genesis, self.epoch, claimed, queued).encode()
	}

	/// A queue from a snapshot of the same router and chain; an error for anything else, so
	/// that a corrupt or foreign file is reported, never taken as an empty queue.
	pub fn restore(
		segment: SegmentId,
		genesis: Hash,
		bytes: &[u8],
	) -> Result<TicketQueue, SnapshotError> {
		type Snapshot = (u8, SegmentId, Hash, Option<Epoch>, Vec<ChannelUsage>, Vec<Queued>);
		let mut input = bytes;
		let (version, s, g, epoch, claimed, queued) =
			Snapshot::decode(&mut input).map_err(|_| SnapshotError::Corrupt)?;
		if !input.is_empty() {
			return Err(SnapshotError::Corrupt);
		}
		if version != SNAPSHOT_VERSION {
			return Err(SnapshotError::Version(version));
		}
		if s != segment || g != genesis {
			return Err(SnapshotError::Foreign);
		}
		if queued.len() > MAX_QUEUED || queued.iter().any(|q| q.ticket.ticket.segment != segment) {
			return Err(SnapshotError::Corrupt);
		}
		let claimed = claimed.into_iter().map(|c| (c.channel, c)).collect();
		let mut queue: VecDeque<Queued> = queued.into();
		for q in queue.iter_mut() {
			q.next_try_ms = 0;
		}
		let handed = Default::default();
		Ok(TicketQueue { segment, genesis, queue, epoch, claimed, in_flight: false, handed })
	}
}

/// Why a ticket queue snapshot was not restored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
	/// Not a snapshot.
	#[error("corrupt ticket queue snapshot")]
	Corrupt,
	/// A snapshot of another version.
	#[error("ticket queue snapshot of version {0}")]
	Version(u8),
	/// A snapshot of another router or chain.
	#[error("ticket queue snapshot of another router or chain")]
	Foreign,
}

#[cfg(test)]
mod tests;
