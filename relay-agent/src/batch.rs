//! Ticket batches: a group's tickets on the chain in one transaction.
//!
//! Each router signs its own ticket with its ticket key. A member hands it to its group's
//! reporter of the era in one datagram ([`TicketDatagram`]); the reporter gathers the
//! members' tickets for a block's time and submits them together (`Tickets.submit_tickets`,
//! [`BATCH_TICKETS`] at a time), with its own, so the group pays one transaction's base weight and authorization instead of
//! one each. Nothing rests on the reporter: a member that does not see its ticket on the chain within
//! [`HANDOFF_MS`] submits it itself ([`crate::tickets::TicketQueue::handoff`]), and a ticket
//! the chain took already is never submitted twice.
//!
//! The reporter takes a ticket only from a member of its group, from the member's registered
//! endpoint (when sources are checked), of the current or the last epoch, signed by the
//! member's registered ticket key: the chain would refuse the whole batch for one bad ticket.
//! Signatures cost: at most [`MAX_CHECKS_PER_EPOCH`] are checked per member and epoch, and at
//! most one ticket per member is held.
//!
//! Sans-IO: time, the registry and the chain's epoch and reporter come in as arguments; the
//! shell sends and submits what it returns.

use std::{collections::BTreeMap, net::SocketAddr};

use ditex_primitives::{
	registry::SegmentId,
	settlement::{Epoch, SignedTicket},
	signed_by,
	wire::TicketDatagram,
	Hash,
};

use crate::registry::Registry;

/// How long the reporter gathers after the first ticket it holds: one block.
pub const GATHER_MS: u64 = 6_000;
/// How long a member waits for its ticket to be final in its group's batch before it submits
/// the ticket itself: a gathering, a block and finality, with room.
pub const HANDOFF_MS: u64 = 30_000;
/// Signature checks per member and epoch, whatever arrives.
pub const MAX_CHECKS_PER_EPOCH: u8 = 4;
/// Tickets in one batch. A block takes a transaction only while its worst-case weight fits,
/// and a batch's worst case holds a strike for every ticket (a strike that quarantines a
/// member of a full group weighs about 11 ms; a one-channel ticket about 0.22 ms, refunded
/// to that after dispatch): batches of 16 reserve about 180 ms of a block's 1.5 s for their
/// strikes, so blocks still fill to ~88% with tickets, while a batch pays one transaction's
/// base weight and authorization (~0.38 ms) for 16 tickets. A group's tickets go in a few of
/// them, one after another.
pub const BATCH_TICKETS: usize = 16;

/// Why the reporter did not take a ticket handed to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
	/// This router is not its group's reporter this era (the sender's view is old).
	#[error("this router is not its group's reporter")]
	NotReporter,
	/// The ticket's router is not a member of this group (or is this router).
	#[error("segment {0} is not a member of this group")]
	NotAMember(SegmentId),
	/// Not sent from the member's registered endpoint.
	#[error("not from the member's endpoint")]
	WrongSource,
	/// The member has no registered ticket key.
	#[error("the member has no ticket key")]
	NoTicketKey,
	/// Of an epoch before the last, or after the current.
	#[error("ticket of epoch {0}, not the current or the last")]
	Stale(Epoch),
	/// Not signed by the member's ticket key.
	#[error("bad ticket signature")]
	BadSignature,
	/// More tickets of the member this epoch than are checked.
	#[error("too many tickets of the member this epoch")]
	Flood,
}

/// What the reporter knows when a ticket arrives.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
	/// Whether the chain names this router its group's reporter this era.
	pub reporter: bool,
	/// The chain's current epoch.
	pub epoch: Epoch,
	/// The registry view: members, endpoints, ticket keys.
	pub registry: &'a Registry,
	/// Whether datagrams must come from their sender's registered endpoint.
	pub check_source: bool,
}

/// The reporter's side: the members' tickets it holds for the next batch.
#[derive(Debug)]
pub struct Batcher {
	me: SegmentId,
	genesis: Hash,
	held: BTreeMap<SegmentId, SignedTicket>,
	/// When the first ticket now held arrived.
	since_ms: Option<u64>,
	/// Per member, the epoch checks were last counted in and how many.
	checks: BTreeMap<SegmentId, (Epoch, u8)>,
}

impl Batcher {
	/// The batcher of router `me` on the chain with `genesis`.
	pub fn new(me: SegmentId, genesis: Hash) -> Batcher {
		Batcher { me, genesis, held: BTreeMap::new(), since_ms: None, checks: BTreeMap::new() }
	}

	/// Tickets held.
	pub fn len(&self) -> usize {
		self.held.len()
	}

	/// Whether none is held.
	pub fn is_empty(&self) -> bool {
		self.held.is_empty()
	}

	/// A ticket handed over by `from`: held for the next batch, or why not.
	pub fn offer(
		&mut self,
		now_ms: u64,
		from: SocketAddr,
		signed: SignedTicket,
		cx: Context<'_>,
	) -> Result<(), Refused> {
		if !cx.reporter {
			return Err(Refused::NotReporter);
		}
		let t = &signed.ticket;
		let member = t.segment;
		if member == self.me || !cx.registry.in_group(member) {
			return Err(Refused::NotAMember(member));
		}
		let segment = cx.registry.get(member).ok_or(Refused::NotAMember(member))?;
		if cx.check_source && !crate::dataplane::same_address(segment.endpoint, from) {
			return Err(Refused::WrongSource);
		}
		if t.epoch > cx.epoch || t.epoch.saturating_add(1) < cx.epoch {
			return Err(Refused::Stale(t.epoch));
		}
		if self.held.get(&member).is_some_and(|h| h.ticket.epoch >= t.epoch) {
			// The one held is as new: nothing to check.
			return Ok(());
		}
		let key = segment.ticket_key.ok_or(Refused::NoTicketKey)?;
		let checks = self.checks.entry(member).or_insert((cx.epoch, 0));
		if checks.0 != cx.epoch {
			*checks = (cx.epoch, 0);
		}
		if checks.1 >= MAX_CHECKS_PER_EPOCH {
			return Err(Refused::Flood);
		}
		checks.1 += 1;
		if !signed_by(&signed.signature, &t.signing_payload(&self.genesis), &key) {
			return Err(Refused::BadSignature);
		}
		self.held.insert(member, signed);
		self.since_ms.get_or_insert(now_ms);
		// Members that left the group are not counted for.
		self.checks.retain(|m, _| cx.registry.in_group(*m));
		Ok(())
	}

	/// This router's own ticket, signed by itself, for the batch it submits as the reporter:
	/// its group's batch carries it rather than a transaction of its own.
	pub fn hold_own(&mut self, now_ms: u64, signed: SignedTicket) {
		if signed.ticket.segment != self.me
			|| self.held.get(&self.me).is_some_and(|h| h.ticket.epoch >= signed.ticket.epoch)
		{
			return;
		}
		self.held.insert(self.me, signed);
		self.since_ms.get_or_insert(now_ms);
	}

	/// A batch to submit now, of at most [`BATCH_TICKETS`], if tickets have been held for
	/// [`GATHER_MS`] or a batch is full; call again for the next. Tickets of members that left
	/// the group since are dropped.
	pub fn take(&mut self, now_ms: u64, registry: &Registry) -> Option<Vec<SignedTicket>> {
		let me = self.me;
		self.held.retain(|s, _| *s == me || registry.in_group(*s));
		let since = self.since_ms?;
		let full = self.held.len() >= BATCH_TICKETS;
		if !full && now_ms < since.saturating_add(GATHER_MS) {
			return None;
		}
		let mut batch = Vec::with_capacity(BATCH_TICKETS.min(self.held.len()));
		while batch.len() < BATCH_TICKETS {
			let Some((_, t)) = self.held.pop_first() else { break };
			batch.push(t);
		}
		if self.held.is_empty() {
			self.since_ms = None;
		}
		(!batch.is_empty()).then_some(batch)
	}
}

/// `ticket` as the datagram a member hands its reporter, or `None` if it is too large for
/// one (its router submits it itself).
pub fn handoff_datagram(ticket: SignedTicket) -> Option<Vec<u8>> {
	let mut out = vec![0u8; ditex_primitives::wire::MAX_TICKET_DATAGRAM];
	let n = TicketDatagram { ticket }.write(&mut out).ok()?;
	out.truncate(n);
	Some(out)
}

#[cfg(test)]
mod tests;
