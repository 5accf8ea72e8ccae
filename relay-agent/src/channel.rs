//! Channels as a relay carries them: which traffic it admits, and the signed evidence that
//! pays for it.
//!
//! Every data flow is an escrow channel (DESIGN.md "Paid flows"). A relay, or an egress,
//! carries a datagram only if
//!
//! - the channel is open and the relay holds its terms (read from the chain);
//! - the channel's path is exactly the datagram's hop list, with this router on it;
//! - the path's prices sum to at most the channel's cap;
//! - what it received on the channel stays within the consumer's latest receipt plus a
//!   credit window (`over_credit` beyond), and within what the channel's funds pay at the
//!   path's prices (`over_deposit` beyond).
//!
//! A relay stopped by its credit resumes when a larger receipt arrives. Receipts (signed by
//! the consumer's receipt key) and acks (signed by the downstream router's ticket key) are
//! checked here with the chain's own check ([`ditex_primitives::signed_by`]) over the
//! `primitives` payloads, and only the largest of each is kept: a forged, foreign or smaller
//! one changes nothing and is counted by the caller. What a relay carried, with that evidence,
//! is the [`ChannelUsage`] its ticket claims.
//!
//! Sans-IO: fed terms, datagram sizes, evidence and time; no sockets, no clock.

use std::num::NonZeroUsize;

use codec::{Decode, Encode};
use ditex_primitives::{
	registry::{SegmentId, GIB},
	settlement::{
		Ack, Channel, ChannelId, ChannelStatus, ChannelUsage, Path, Receipt, SignedAck,
		SignedReceipt,
	},
	signed_by, Hash,
};
use lru::LruCache;

/// The default credit window: bytes a relay carries beyond the latest receipt.
pub const DEFAULT_CREDIT_BYTES: u64 = 4 << 20;
/// A hop acks its upstream after receiving this many more bytes...
pub const ACK_EVERY_BYTES: u64 = 1 << 20;
/// ...or this long after its last ack, whichever comes first.
pub const ACK_EVERY_MS: u64 = 1_000;

/// A channel's terms as the chain's escrow holds them.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Terms {
	/// The channel.
	pub id: ChannelId,
	/// Its path, ingress first.
	pub path: Vec<SegmentId>,
	/// Each hop's price per GiB, locked at open, in path order.
	pub prices: Vec<u128>,
	/// The most the consumer pays for the whole path per GiB.
	pub max_price_per_gib: u128,
	/// What the channel can ever pay out: its deposit and top-ups, less refunds.
	pub funds: u128,
	/// Whether it is open.
	pub open: bool,
	/// The consumer's ed25519 receipt key.
	pub receipt_key: [u8; 32],
	/// The consumer's X25519 data-plane key (the only initiator its egress admits).
	pub data_key: [u8; 32],
}

impl Terms {
	/// The terms of channel `id` as the chain holds it at block `now`: open while its status
	/// is and `now` is not past its expiry.
	pub fn from_chain<A>(id: ChannelId, c: &Channel<A, u128, u32>, now: u32) -> Terms {
		Terms {
			id,
			path: c.hops.iter().map(|h| h.segment).collect(),
			prices: c.hops.iter().map(|h| h.price_per_gib).collect(),
			max_price_per_gib: c.max_price_per_gib,
			funds: c.deposit.saturating_sub(c.refunded),
			open: matches!(c.status, ChannelStatus::Open) && now <= c.expires_at,
			receipt_key: c.receipt_key.0,
			data_key: c.data_key.0,
		}
	}

	/// What the whole path costs per GiB: its hops' prices summed.
	pub fn price_per_gib(&self) -> u128 {
		self.prices.iter().fold(0u128, |a, p| a.saturating_add(*p))
	}

	/// Bytes the channel's funds pay for at the path's prices; `None` if the path is free.
	pub fn payable_bytes(&self) -> Option<u64> {
		let per_gib = self.price_per_gib();
		if per_gib == 0 {
			return None;
		}
		let bytes = self.funds.saturating_mul(GIB) / per_gib;
		Some(u64::try_from(bytes).unwrap_or(u64::MAX))
	}
}

/// Why a datagram is not carried; each has its own counter.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Refusal {
	/// No open channel with this id is known.
	NoChannel,
	/// The hop list is not the channel's path, or this router is not at the index.
	WrongPath,
	/// The path costs more than the channel's cap.
	OverPrice,
	/// Beyond the latest receipt plus the credit window.
	OverCredit,
	/// Beyond what the channel's funds pay.
	OverDeposit,
}

impl Refusal {
	/// The counter name.
	pub fn name(self) -> &'static str {
		match self {
			Refusal::NoChannel => "no_channel",
			Refusal::WrongPath => "wrong_path",
			Refusal::OverPrice => "over_price",
			Refusal::OverCredit => "over_credit",
			Refusal::OverDeposit => "over_deposit",
		}
	}
}

/// Why a receipt or an ack is ignored; each has its own counter.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Ignored {
	/// No channel with this id is known.
	NoChannel,
	/// Signed for another chain.
	WrongChain,
	/// A receipt for another path, or an ack from a router that is not the downstream hop.
	WrongHop,
	/// The signature does not verify.
	BadSignature,
	/// Not larger than the one kept.
	NotLarger,
}

impl Ignored {
	/// The counter name.
	pub fn name(self) -> &'static str {
		match self {
			Ignored::NoChannel => "no_channel",
			Ignored::WrongChain => "wrong_chain",
			Ignored::WrongHop => "wrong_hop",
			Ignored::BadSignature => "bad_signature",
			Ignored::NotLarger => "not_larger",
		}
	}
}

/// What this relay carried on one channel, and the evidence for it.
#[derive(Clone, Debug, Encode, Decode)]
struct Carried {
	terms: Terms,
	/// This router's index in the path (not saved: found again in the path).
	#[codec(skip)]
	index: usize,
	bytes_in: u64,
	bytes_out: u64,
	receipt: Option<SignedReceipt>,
	ack: Option<SignedAck>,
	/// What the last ack this router made acknowledged, and when.
	acked: u64,
	acked_ms: u64,
}

impl Carried {
	fn receipted(&self) -> u64 {
		self.receipt.as_ref().map_or(0, |r| r.receipt.cumulative_bytes)
	}
}

/// Snapshot format version of [`Channels`].
const SNAPSHOT_VERSION: u8 = 1;

/// The channels a router carries.
#[derive(Debug)]
pub struct Channels {
	me: SegmentId,
	genesis: Hash,
	credit: u64,
	carried: LruCache<ChannelId, Carried>,
}

impl Channels {
	/// The channels of router `me` on the chain with `genesis`, allowing `credit` bytes
	/// beyond the latest receipt, holding at most `capacity` channels.
	pub fn new(me: SegmentId, genesis: Hash, credit: u64, capacity: NonZeroUsize) -> Channels {
		Channels { me, genesis, credit, carried: LruCache::new(capacity) }
	}

	/// Channels held.
	pub fn len(&self) -> usize {
		self.carried.len()
	}

	/// Whether none is held.
	pub fn is_empty(&self) -> bool {
		self.carried.is_empty()
	}

	/// Learn or refresh a channel's terms from the chain, keeping what was carried on it. A
	/// channel whose path does not pass through this router is not kept.
	pub fn update(&mut self, terms: Terms) -> bool {
		let Some(index) = terms.path.iter().position(|&s| s == self.me) else { return false };
		if terms.prices.len() != terms.path.len() {
			return false;
		}
		match self.carried.get_mut(&terms.id) {
			// The path of a channel never changes; a different one is another channel's
			// terms under a reused id, which the chain never hands out: keep what we have.
			Some(c) if c.terms.path != terms.path => return false,
			Some(c) => c.terms = terms,
			None => {
				let id = terms.id;
				let carried = Carried {
					terms,
					index,
					bytes_in: 0,
					bytes_out: 0,
					receipt: None,
					ack: None,
					acked: 0,
					acked_ms: 0,
				};
				self.carried.push(id, carried);
			},
		}
		true
	}

	/// Forget a channel the chain no longer has (settled and gone): its counters roll off.
	pub fn forget(&mut self, id: ChannelId) -> bool {
		self.carried.pop(&id).is_some()
	}

	/// The ids of the channels held, most recently used first.
	pub fn ids(&self) -> Vec<ChannelId> {
		self.carried.iter().map(|(id, _)| *id).collect()
	}

	/// Count `bytes` this router sent on `channel` as its ingress (hop 0): what it took in
	/// from its own consumer and sent on, with no credit to check.
	pub fn originated(&mut self, channel: ChannelId, bytes: u64) {
		if let Some(c) = self.carried.peek_mut(&channel).filter(|c| c.index == 0) {
			c.bytes_in = c.bytes_in.saturating_add(bytes);
			c.bytes_out = c.bytes_out.saturating_add(bytes);
		}
	}

	/// The channels as bytes for the state file: what was carried on each, with the evidence
	/// kept, least recently used first (so a restore keeps the order).
	pub fn snapshot(&self) -> Vec<u8> {
		let carried: Vec<(ChannelId, &Carried)> =
			self.carried.iter().rev().map(|(id, c)| (*id, c)).collect();
		(SNAPSHOT_VERSION, self.me, self.genesis, carried).encode()
	}

	/// Channels from a snapshot of the same router and chain; an error for anything else, so
	/// a corrupt or foreign file is reported, never taken as nothing carried.
	pub fn restore(
		me: SegmentId,
		genesis: Hash,
		credit: u64,
		capacity: NonZeroUsize,
		bytes: &[u8],
	) -> Result<Channels, crate::tickets::SnapshotError> {
		use crate::tickets::SnapshotError;
		let mut input = bytes;
		let (version, m, g, carried) =
			<(u8, SegmentId, Hash, Vec<(ChannelId, Carried)>)>::decode(&mut input)
				.map_err(|_| SnapshotError::Corrupt)?;
		if !input.is_empty() {
			return Err(SnapshotError::Corrupt);
		}
		if version != SNAPSHOT_VERSION {
			return Err(SnapshotError::Version(version));
		}
		if m != me || g != genesis {
			return Err(SnapshotError::Foreign);
		}
		let mut out = Channels::new(me, genesis, credit, capacity);
		for (id, mut c) in carried {
			let index = c.terms.path.iter().position(|&s| s == me);
			let sound = c.terms.id == id && c.terms.prices.len() == c.terms.path.len();
			let (Some(index), true) = (index, sound) else { return Err(SnapshotError::Corrupt) };
			c.index = index;
			out.carried.push(id, c);
		}
		Ok(out)
	}

	/// The terms of a channel, if held.
	pub fn terms(&self, id: ChannelId) -> Option<&Terms> {
		self.carried.peek(&id).map(|c| &c.terms)
	}

	/// Whether a datagram of `bytes` payload bytes on `channel`, with the hop list `hops`
	/// and addressed to index `next`, may be carried. The hop list is the channel's path
	/// (towards the egress: counted as received, within credit and funds; returns `true`) or
	/// the path reversed (the egress's replies, carried with the channel but counted and
	/// receipted only one way: returns `false`); either way this router must be the hop
	/// addressed.
	pub fn admit(
		&mut self,
		channel: ChannelId,
		hops: &[SegmentId],
		next: usize,
		bytes: u64,
	) -> Result<bool, Refusal> {
		let c = self.carried.get_mut(&channel).ok_or(Refusal::NoChannel)?;
		if !c.terms.open {
			return Err(Refusal::NoChannel);
		}
		let path = &c.terms.path;
		let forward = path.as_slice() == hops && c.index == next;
		let back = hops.len() == path.len()
			&& hops.iter().rev().eq(path.iter())
			&& next < hops.len()
			&& c.index == hops.len() - 1 - next;
		if !forward && !back {
			return Err(Refusal::WrongPath);
		}
		if !forward {
			return Ok(false);
		}
		if c.terms.price_per_gib() > c.terms.max_price_per_gib {
			return Err(Refusal::OverPrice);
		}
		let after = c.bytes_in.saturating_add(bytes);
		if after > c.receipted().saturating_add(self.credit) {
			return Err(Refusal::OverCredit);
		}
		if c.terms.payable_bytes().is_some_and(|max| after > max) {
			return Err(Refusal::OverDeposit);
		}
		c.bytes_in = after;
		Ok(true)
	}

	/// Count `bytes` payload bytes sent on downstream (or delivered, at the egress).
	pub fn sent(&mut self, channel: ChannelId, bytes: u64) {
		if let Some(c) = self.carried.peek_mut(&channel) {
			c.bytes_out = c.bytes_out.saturating_add(bytes);
		}
	}

	/// Take a receipt: kept if it is the consumer's, for this chain, channel and path, and
	/// larger than the one kept. Returns the bytes it receipts.
	pub fn on_receipt(&mut self, signed: &SignedReceipt) -> Result<u64, Ignored> {
		let r = &signed.receipt;
		let c = self.carried.get_mut(&r.channel).ok_or(Ignored::NoChannel)?;
		if r.genesis != self.genesis {
			return Err(Ignored::WrongChain);
		}
		if r.path.as_slice() != c.terms.path.as_slice() {
			return Err(Ignored::WrongHop);
		}
		if r.cumulative_bytes <= c.receipted() {
			return Err(Ignored::NotLarger);
		}
		// The signature last: it is the expensive check.
		if !signed_by(&signed.signature, &r.signing_payload(), &c.terms.receipt_key) {
			return Err(Ignored::BadSignature);
		}
		c.receipt = Some(signed.clone());
		Ok(r.cumulative_bytes)
	}

	/// Take an ack from router `from`, whose ticket key is `key`: kept if `from` is this
	/// router's downstream hop on the channel, the ack names that hop, this chain and the
	/// channel, is signed by `key` and is larger than the one kept.
	pub fn on_ack(
		&mut self,
		from: SegmentId,
		key: &[u8; 32],
		signed: &SignedAck,
	) -> Result<u64, Ignored> {
		let a = &signed.ack;
		let c = self.carried.get_mut(&a.channel).ok_or(Ignored::NoChannel)?;
		if a.genesis != self.genesis {
			return Err(Ignored::WrongChain);
		}
		let down = c.index + 1;
		if c.terms.path.get(down) != Some(&from) || a.hop as usize != down {
			return Err(Ignored::WrongHop);
		}
		if c.ack.as_ref().is_some_and(|k| a.cumulative_bytes <= k.ack.cumulative_bytes) {
			return Err(Ignored::NotLarger);
		}
		if !signed_by(&signed.signature, &a.signing_payload(), key) {
			return Err(Ignored::BadSignature);
		}
		c.ack = Some(signed.clone());
		Ok(a.cumulative_bytes)
	}

	/// The acks this router owes its upstream neighbours at `now_ms` (each with the upstream
	/// hop it goes to): for every channel where it received [`ACK_EVERY_BYTES`] more since its
	/// last ack, or anything more and [`ACK_EVERY_MS`] passed. The caller signs them with the
	/// ticket key and sends them.
	pub fn acks_due(&mut self, now_ms: u64) -> Vec<(SegmentId, Ack)> {
		let mut due = Vec::new();
		for (&id, c) in self.carried.iter_mut() {
			if c.index == 0 || c.bytes_in <= c.acked {
				continue;
			}
			let more = c.bytes_in - c.acked;
			if more < ACK_EVERY_BYTES && now_ms.saturating_sub(c.acked_ms) < ACK_EVERY_MS {
				continue;
			}
			c.acked = c.bytes_in;
			c.acked_ms = now_ms;
			let ack = Ack {
				genesis: self.genesis,
				channel: id,
				hop: c.index as u8,
				cumulative_bytes: c.bytes_in,
			};
			due.push((c.terms.path[c.index - 1], ack));
		}
		due
	}

	/// What this router carried on each channel, with the latest receipt and downstream ack:
	/// the channel part of its ticket.
	pub fn usage(&self) -> Vec<ChannelUsage> {
		self.carried
			.iter()
			.filter(|(_, c)| c.bytes_in > 0 || c.bytes_out > 0)
			.map(|(&id, c)| ChannelUsage {
				channel: id,
				hop: c.index as u8,
				prev: c.index.checked_sub(1).map(|i| c.terms.path[i]),
				next: c.terms.path.get(c.index + 1).copied(),
				bytes_in: c.bytes_in,
				bytes_out: c.bytes_out,
				receipt: c.receipt.clone(),
				ack: c.ack.clone(),
			})
			.collect()
	}
}

/// The consumer's side of a channel: cumulative receipts of what its ingress sent, signed
/// with the receipt key every [`RECEIPT_EVERY_BYTES`] or [`RECEIPT_EVERY_MS`], to send along
/// the path. Each receipt lets the relays carry a credit window further.
#[derive(Debug)]
pub struct Receipts {
	receipt: Receipt,
	key: ed25519_dalek::SigningKey,
	/// Bytes sent on the channel so far.
	sent: u64,
	signed_ms: Option<u64>,
}

/// A consumer signs a new receipt after sending this many more bytes...
pub const RECEIPT_EVERY_BYTES: u64 = 1 << 20;
/// ...or this long after its last receipt, whichever comes first.
pub const RECEIPT_EVERY_MS: u64 = 1_000;

impl Receipts {
	/// Receipts for `channel` over `path` on the chain with `genesis`, signed with `key`
	/// (whose public half the channel was opened with).
	pub fn new(
		genesis: Hash,
		channel: ChannelId,
		path: Path,
		key: ed25519_dalek::SigningKey,
	) -> Receipts {
		Receipts {
			receipt: Receipt { genesis, channel, path, cumulative_bytes: 0 },
			key,
			sent: 0,
			signed_ms: None,
		}
	}

	/// The channel.
	pub fn channel(&self) -> ChannelId {
		self.receipt.channel
	}

	/// The channel's path.
	pub fn path(&self) -> &[SegmentId] {
		&self.receipt.path
	}

	/// Bytes sent on the channel so far (for the state file).
	pub fn sent_bytes(&self) -> u64 {
		self.sent
	}

	/// Carry on from `sent` bytes counted before a restart: receipts only grow, and relays
	/// ignore one smaller than they hold.
	pub fn resume(&mut self, sent: u64) {
		self.sent = self.sent.max(sent);
	}

	/// Count `bytes` of payload the ingress sent on the channel.
	pub fn sent(&mut self, bytes: u64) {
		self.sent = self.sent.saturating_add(bytes);
	}

	/// A new receipt to send at `now_ms`, if one is due: it covers everything sent so far,
	/// the credit window ahead included, so the relays never wait on the consumer.
	pub fn due(&mut self, now_ms: u64) -> Option<SignedReceipt> {
		let covered = self.receipt.cumulative_bytes;
		let target = self.sent;
		if target <= covered && self.signed_ms.is_some() {
			return None;
		}
		let by_bytes = target.saturating_sub(covered) >= RECEIPT_EVERY_BYTES;
		let by_time = self.signed_ms.is_none_or(|t| now_ms.saturating_sub(t) >= RECEIPT_EVERY_MS);
		if !by_bytes && !by_time {
			return None;
		}
		self.receipt.cumulative_bytes = target.max(covered);
		self.signed_ms = Some(now_ms);
		use ed25519_dalek::Signer;
		let signature = self.key.sign(&self.receipt.signing_payload()).to_bytes();
		Some(SignedReceipt { receipt: self.receipt.clone(), signature })
	}
}

#[cfg(test)]
mod tests;
