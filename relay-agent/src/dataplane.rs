//! The forwarding state machine, sans I/O.
//!
//! [`Dataplane::handle_datagram`] takes one received data datagram and says what to do with
//! it ([`Action`]): forward it (rewritten in place) to the next hop, deliver its decrypted
//! payload (this agent is the egress, or the ingress receiving a reply), answer a handshake,
//! or drop it for a [`DropReason`], which is counted and logged. [`Dataplane::encapsulate`] is
//! the ingress side: it wraps a payload for a path. The caller owns sockets and buffers;
//! nothing here blocks or reads a clock.
//!
//! Every hop checks its MAC, which covers the path and the packet's hop counter, keeps a
//! replay window per (ingress, flow) over that counter, and checks that the datagram came from
//! the previous hop's registered address. The payload travels end to end in a Noise IK
//! session ([`crate::session`]) that the ingress starts on the flow's first packet: the
//! handshake rides in datagrams of the flow itself ([`Dataplane::take_transmits`],
//! [`Action::Reply`]), payloads wait for it (dropped as `no_session`), and rekeys happen in
//! band while the old session carries on.

use std::{collections::BTreeMap, net::SocketAddr, num::NonZeroUsize, ops::Range};

use lru::LruCache;

use ditex_primitives::{
	registry::SegmentId,
	settlement::{SignedAck, SignedReceipt},
	wire::{
		check_path, AckDatagram, FlowId, Header, Kind, WireError, ACK_DATAGRAM_LEN, MAX_HEADER_LEN,
		MAX_PATH,
	},
};

use crate::{
	accounting::{Accounting, FlowKey},
	channel::{Channels, Ignored, Receipts, Refusal},
	egress::Leases,
	registry::{LookupError, Registry},
	replay::ReplayWindow as HopWindow,
	session::{
		self, Initiator, Received, Responded, Responder, SessionError, INIT_LEN, TAG_LEN,
		TRANSPORT_HEAD, TRANSPORT_OVERHEAD,
	},
	wire::{seal_header, CryptoError, PeerKeys},
};

/// Bytes an [`Dataplane::encapsulate`] buffer must keep free in front of the payload: the
/// longest header and a session message's head.
pub const HEADROOM: usize = MAX_HEADER_LEN + TRANSPORT_HEAD;
/// Bytes an [`Dataplane::encapsulate`] buffer must keep free after the payload: the AEAD tag.
pub const TAILROOM: usize = TAG_LEN;
/// The TTL an ingress starts with. Paths are at most 8 hops and loop-free, so this only
/// catches a misbehaving relay that does not decrement.
pub const INITIAL_TTL: u8 = 16;
/// The largest datagram.
pub const MAX_DATAGRAM: usize = 65_536;
/// At most one warning per this long for each kind of drop only an authenticated peer causes.
pub const WARN_EVERY_US: u64 = 10_000_000;
/// The longest datagram on the wire: what every agent's receive buffers hold whole. An ingress
/// refuses to build a longer one ([`DropReason::TooBig`]).
pub const MAX_WIRE_LEN: usize = 2048;
/// Most flows kept (and most sessions answered); beyond it the least recently used is evicted.
/// Sized for DESIGN.md's 32 MiB with 100 peers: each costs a session and windows (about
/// 1 KiB), and the soak (`scripts/soak-relay.sh`) floods fresh flows.
pub const MAX_FLOWS: usize = 16_384;
/// Most per-flow hop replay windows kept, and the most one ingress may hold: a member opening
/// fresh flows without end churns only its own share, never other ingresses' windows.
pub const MAX_HOP_WINDOWS: usize = 16_384;
/// See [`MAX_HOP_WINDOWS`].
pub const HOP_WINDOWS_PER_INGRESS: usize = 2_048;

macro_rules! reasons {
	($($name:ident => $s:literal, $doc:literal;)*) => {
		/// Why a datagram was dropped. Every drop is counted under one of these.
		#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
		pub enum DropReason { $(#[doc = $doc] $name,)* }

		impl DropReason {
			/// Every reason, in counter order.
			pub const ALL: &'static [DropReason] = &[$(DropReason::$name,)*];

			/// The reason's name in logs, status and metrics.
			pub fn as_str(self) -> &'static str {
				match self { $(DropReason::$name => $s,)* }
			}
		}
	};
}

reasons! {
	Truncated => "truncated", "Shorter than its layout.";
	BadVersion => "bad_version", "Unknown wire version.";
	BadKind => "bad_kind", "Unknown datagram kind.";
	Reserved => "reserved_bits", "Reserved bits set.";
	TooFewHops => "too_few_hops", "Fewer than two hops.";
	TooManyHops => "too_many_hops", "More than eight hops (or pulse entries).";
	HopLoop => "hop_loop", "A segment repeats in the hop list.";
	BadIndex => "bad_index", "Next-hop index out of range.";
	TtlExpired => "ttl_expired", "TTL ran out.";
	BadLoss => "bad_loss", "A pulse loss figure out of range.";
	TrailingBytes => "trailing_bytes", "Bytes after a pulse.";
	NotForMe => "not_for_me", "The hop addressed is not this agent.";
	UnknownSegment => "unknown_segment", "A segment id not in the registry.";
	Quarantined => "quarantined", "A quarantined segment on the path.";
	UnexpectedSource => "unexpected_source", "Not sent from the previous hop's endpoint.";
	BadMac => "bad_mac", "A hop or pulse MAC does not verify.";
	Decrypt => "decrypt", "The payload does not decrypt.";
	Replay => "replay", "A hop or session counter seen before, or too old; or a replayed handshake.";
	NotForSale => "not_for_sale", "Asked to relay, but this agent relays for nobody.";
	OffDuty => "off_duty", "Asked to relay outside this agent's listed hours or while it is quarantined.";
	BadInner => "bad_inner", "The decrypted payload is malformed.";
	ExitDenied => "exit_denied", "The destination is not allowed by the exit policy.";
	NoRoute => "no_route", "No usable path or egress.";
	StalePulse => "stale_pulse", "A pulse older than one already seen.";
	TooBig => "too_big", "Payload too large for the buffer.";
	CounterExhausted => "counter_exhausted", "This agent's hop counter is at its end.";
	NoSession => "no_session", "No session with the far end yet (a handshake is under way) or any more (it expired).";
	BadSession => "bad_session", "A malformed session message, or one for no session this agent has.";
	NotAdmitted => "not_admitted", "A handshake from a key that may not use the flow.";
	NoChannel => "no_channel", "No open channel with the flow's id that this router is on.";
	WrongPath => "wrong_path", "The hop list is not the channel's path, or this router is not the hop addressed.";
	OverPrice => "over_price", "The channel's path costs more than its cap.";
	OverCredit => "over_credit", "Past the channel's latest receipt plus the credit window.";
	OverDeposit => "over_deposit", "Past what the channel's funds pay at the path's prices.";
	ReceiptIgnored => "receipt_ignored", "A receipt that is malformed, for another channel, path or chain, or not the consumer's.";
	AckIgnored => "ack_ignored", "An ack that is malformed, not from the downstream hop, or not signed by its ticket key.";
	Malformed => "malformed", "A body that does not decode (a ticket handed to the group's reporter).";
	TicketIgnored => "ticket_ignored", "A ticket handed to this router that it does not batch: it is not the group's reporter, or the ticket is not a member's, not from its endpoint, not of the current or last epoch, not signed by its key, or one too many.";
	Internal => "internal_error", "Handling it panicked: a bug of the agent's, caught.";
	ClockOffset => "clock_offset", "A pulse stamped over i32::MAX µs (35 min) off this clock.";
	PulseFlood => "pulse_flood", "More fresh pulses from one peer than an interval's worth.";
	InnerSource => "inner_source", "A TUN inner source outside its ingress's own prefix (egress::inner_prefixes).";
	ReplySource => "reply_source", "A reply from an address the flow never sent to.";
	StaleProbe => "stale_probe", "A probe echo for no probe in flight (late, or of a path left since).";
	Unsent => "unsent", "The socket, the exit or the TUN device did not take it (a refused destination, a buffer that never drained); not counted as sent.";
}

impl DropReason {
	/// Whether this drop is worth a (rate-limited) warning rather than a debug line: only a
	/// peer holding a key (a member misbehaving, or broken) or a bug of ours causes it, while
	/// anyone can send datagrams that fail a parse or a MAC.
	pub fn warns(self) -> bool {
		matches!(
			self,
			DropReason::CounterExhausted
				| DropReason::Internal
				| DropReason::ClockOffset
				| DropReason::PulseFlood
		)
	}
}

impl From<WireError> for DropReason {
	fn from(e: WireError) -> DropReason {
		match e {
			WireError::Truncated { .. } => DropReason::Truncated,
			WireError::BadVersion(_) => DropReason::BadVersion,
			WireError::BadKind(_) => DropReason::BadKind,
			WireError::Reserved => DropReason::Reserved,
			WireError::TooFewHops(_) => DropReason::TooFewHops,
			WireError::TooManyHops(_) => DropReason::TooManyHops,
			WireError::HopLoop(_) => DropReason::HopLoop,
			WireError::BadIndex { .. } => DropReason::BadIndex,
			WireError::TtlExpired => DropReason::TtlExpired,
			WireError::BadLoss(_) => DropReason::BadLoss,
			WireError::TrailingBytes(_) => DropReason::TrailingBytes,
			WireError::BufferTooSmall => DropReason::TooBig,
			WireError::Malformed => DropReason::Malformed,
		}
	}
}

impl From<LookupError> for DropReason {
	fn from(e: LookupError) -> DropReason {
		match e {
			LookupError::Unknown(_) => DropReason::UnknownSegment,
			LookupError::Quarantined(_) => DropReason::Quarantined,
		}
	}
}

impl From<CryptoError> for DropReason {
	fn from(e: CryptoError) -> DropReason {
		match e {
			CryptoError::BadMac | CryptoError::WeakKey => DropReason::BadMac,
		}
	}
}

impl From<Refusal> for DropReason {
	fn from(r: Refusal) -> DropReason {
		match r {
			Refusal::NoChannel => DropReason::NoChannel,
			Refusal::WrongPath => DropReason::WrongPath,
			Refusal::OverPrice => DropReason::OverPrice,
			Refusal::OverCredit => DropReason::OverCredit,
			Refusal::OverDeposit => DropReason::OverDeposit,
		}
	}
}

impl From<SessionError> for DropReason {
	fn from(e: SessionError) -> DropReason {
		match e {
			SessionError::NoSession | SessionError::Expired => DropReason::NoSession,
			SessionError::Malformed | SessionError::UnknownIndex => DropReason::BadSession,
			SessionError::Replayed | SessionError::StaleInitiation => DropReason::Replay,
			SessionError::Decrypt => DropReason::Decrypt,
			SessionError::NotAdmitted => DropReason::NotAdmitted,
			SessionError::BufferTooSmall => DropReason::TooBig,
		}
	}
}

/// Drops counted by reason.
#[derive(Clone, Debug)]
pub struct DropCounters([u64; DropReason::ALL.len()]);

impl Default for DropCounters {
	fn default() -> Self {
		DropCounters([0; DropReason::ALL.len()])
	}
}

impl DropCounters {
	/// Count one drop.
	pub fn add(&mut self, r: DropReason) {
		self.0[r as usize] += 1;
	}

	/// Drops for `r`.
	pub fn get(&self, r: DropReason) -> u64 {
		self.0[r as usize]
	}

	/// All drops.
	pub fn total(&self) -> u64 {
		self.0.iter().sum()
	}

	/// Non-zero counters by name.
	pub fn nonzero(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
		DropReason::ALL.iter().map(|r| (r.as_str(), self.get(*r))).filter(|(_, n)| *n > 0)
	}
}

/// Rate limit for drop warnings: one line per reason per [`WARN_EVERY_US`], which says how many
/// went unlogged, so a peer that floods cannot flood the log.
#[derive(Clone, Debug)]
pub struct WarnLimit {
	last_us: [Option<u64>; DropReason::ALL.len()],
	unlogged: [u64; DropReason::ALL.len()],
}

impl Default for WarnLimit {
	fn default() -> Self {
		WarnLimit { last_us: [None; DropReason::ALL.len()], unlogged: [0; DropReason::ALL.len()] }
	}
}

impl WarnLimit {
	/// Whether to log a drop for `r` at `now_us`; if so, how many earlier ones were not logged.
	pub fn due(&mut self, r: DropReason, now_us: u64) -> Option<u64> {
		let i = r as usize;
		// A clock stepped back must not silence warnings for as long as the step.
		if self.last_us[i].is_some_and(|t| now_us >= t && now_us - t < WARN_EVERY_US) {
			self.unlogged[i] = self.unlogged[i].saturating_add(1);
			return None;
		}
		self.last_us[i] = Some(now_us);
		Some(std::mem::take(&mut self.unlogged[i]))
	}
}

/// What to do with a received datagram.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Action {
	/// Send the (rewritten) datagram, unchanged in length, to `to`.
	Forward {
		/// The next hop's registered endpoint.
		to: SocketAddr,
		/// What it counts once the socket took it ([`Dataplane::commit`]).
		charge: Charge,
	},
	/// This agent is the end of the path: `buf[payload]` is the decrypted inner payload.
	Deliver {
		/// The other end of the flow (the ingress of this datagram).
		from: SegmentId,
		/// The flow.
		flow: FlowId,
		/// Where the plaintext is in the buffer.
		payload: Range<usize>,
		/// What it counts once the exit, the TUN device or the local client took it
		/// ([`Dataplane::commit`]).
		charge: Charge,
	},
	/// This agent is the end of the path and answers a handshake: send `buf[range]` to `to`.
	Reply {
		/// The first hop back.
		to: SocketAddr,
		/// Where the answer is in the buffer.
		range: Range<usize>,
	},
	/// Taken in, nothing to send or deliver (a handshake's answer arrived).
	Consumed,
	/// Dropped; already counted.
	Drop(DropReason),
}

/// A datagram [`Dataplane::encapsulate`] built.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Transmit {
	/// The first hop's endpoint.
	pub to: SocketAddr,
	/// Where the datagram is in the buffer.
	pub range: Range<usize>,
	/// What it counts once the socket took it ([`Dataplane::commit`]).
	pub charge: Charge,
}

/// What a datagram or a payload counts for once it really left this agent: bytes out to a
/// neighbour in the ledger, and a channel's payload bytes carried on, delivered or sent by its
/// consumer. The data plane decides before the shell sends; counting then counted, and billed,
/// what the socket gave up on or the exit refused (L8). So the shell hands the charge back with
/// [`Dataplane::commit`] for what left, and only for that. The default charges nothing.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Charge {
	/// The neighbour, the flow's record and the datagram's length.
	out: Option<(SegmentId, FlowKey, u64)>,
	/// The channel, its payload bytes and how this router carried them.
	channel: Option<(FlowId, u64, Carried)>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Carried {
	/// Sent on downstream as a relay, or delivered as the egress.
	On,
	/// Sent as the channel's consumer (hop 0): receipted, and counted in and out.
	Originated,
}

impl Charge {
	/// Whether it counts nothing.
	pub fn is_empty(&self) -> bool {
		self.out.is_none() && self.channel.is_none()
	}

	/// The ledger's bytes out, if any: the datagram's length.
	pub fn bytes_out(&self) -> u64 {
		self.out.map_or(0, |(_, _, n)| n)
	}
}

/// A flow this agent started, as its ingress: its session with the far end.
struct Outbound {
	session: Initiator,
	last_used_us: u64,
}

/// The data plane of one agent.
pub struct Dataplane {
	/// The registry view next hops are resolved through.
	pub registry: Registry,
	/// Byte counters.
	pub accounting: Accounting,
	/// Drops by reason.
	pub drops: DropCounters,
	/// Rate limit of the warnings for drops only an authenticated peer causes.
	pub warn_limit: WarnLimit,
	/// Datagrams forwarded as a relay.
	pub forwarded: u64,
	/// Payloads delivered at the end of a path.
	pub delivered: u64,
	/// Payloads encapsulated as an ingress.
	pub sent: u64,
	/// Whether a datagram must come from the previous hop's registered address (address and
	/// port).
	pub check_source: bool,
	/// The UTC hour (0–23) the caller last set: this agent relays only within its listed
	/// availability windows, as the chain pays it.
	pub utc_hour: u8,
	/// The escrow channels this router may carry, when it follows a chain: then a flow is a
	/// channel and nothing else is carried or delivered. `None` (a test bed of listed peers,
	/// no chain): every flow is carried unpaid.
	pub channels: Option<Channels>,
	/// This router's ticket key, which signs its acks (and tickets), when it follows a chain.
	pub ticket_key: Option<ed25519_dalek::SigningKey>,
	/// The channels this agent pays for as a consumer (it is their ingress): what it sent on
	/// each, and the receipts it signs for it.
	pub paying: BTreeMap<FlowId, Receipts>,
	/// Most recently used first. Unbounded as a type (so it allocates as it grows, not all of
	/// [`MAX_FLOWS`] up front); [`Self::insert_flow`] keeps the cap.
	flows: LruCache<(SegmentId, FlowId), Outbound>,
	/// The sessions ingresses started with this agent as their egress.
	responder: Responder,
	/// Handshake datagrams to send, for the shell to take ([`Self::take_transmits`]).
	pending: Vec<(SocketAddr, Vec<u8>, Charge)>,
	/// Where sessions seal and open, since they do not work in place.
	scratch: Vec<u8>,
	/// Seeds the session indexes of this run.
	index_seed: u32,
	/// The next per-packet hop counter this agent puts in a header it builds: one sequence
	/// for all its flows, started by the shell at the wall clock in nanoseconds, so that a
	/// restart never reuses a counter the hops have seen.
	next_hop_counter: u64,
	/// Per (ingress, flow), the hop counters seen, so that a header carries one packet only.
	/// Made only for datagrams whose hop MAC holds; capped like the flows.
	hop_windows: Leases<(SegmentId, FlowId), HopWindow>,
}

impl Dataplane {
	/// A data plane resolving through `registry`.
	pub fn new(registry: Registry, accounting: Accounting) -> Dataplane {
		// Session indexes should not be guessable across restarts; the rest is deterministic.
		let index_seed = rand_core::RngCore::next_u32(&mut rand_core::OsRng);
		let responder = Responder::new(
			registry.secret_bytes(),
			NonZeroUsize::new(MAX_FLOWS).expect("MAX_FLOWS is not zero"),
			index_seed.rotate_left(16),
		);
		Dataplane {
			registry,
			accounting,
			drops: DropCounters::default(),
			warn_limit: WarnLimit::default(),
			forwarded: 0,
			delivered: 0,
			sent: 0,
			check_source: true,
			utc_hour: 0,
			channels: None,
			ticket_key: None,
			paying: BTreeMap::new(),
			flows: LruCache::unbounded(),
			responder,
			pending: Vec::new(),
			scratch: vec![0; MAX_DATAGRAM],
			index_seed,
			next_hop_counter: 0,
			hop_windows: Leases::new(MAX_HOP_WINDOWS, HOP_WINDOWS_PER_INGRESS, 0),
		}
	}

	/// Start the hop counters of the headers this agent builds at `base` (the shell passes the
	/// wall clock in nanoseconds); they never go back.
	pub fn start_hop_counters(&mut self, base: u64) {
		self.next_hop_counter = self.next_hop_counter.max(base);
	}

	/// Count and log a drop.
	pub fn drop_datagram(&mut self, reason: DropReason, from: Option<SocketAddr>) -> Action {
		self.drops.add(reason);
		tracing::debug!(reason = reason.as_str(), from = ?from, "dropped datagram");
		Action::Drop(reason)
	}

	/// Count and log a drop at `now_us`; one that only an authenticated peer can cause is
	/// also a warning, at most one per reason per [`WARN_EVERY_US`].
	pub fn drop_at(&mut self, now_us: u64, reason: DropReason, from: SocketAddr) -> Action {
		if reason.warns() {
			if let Some(unlogged) = self.warn_limit.due(reason, now_us) {
				tracing::warn!(
					reason = reason.as_str(),
					%from,
					unlogged,
					"dropped a datagram only a peer with a key or a bug of ours can produce"
				);
			}
		}
		self.drop_datagram(reason, Some(from))
	}

	/// Handle one received data datagram in `buf` (rewritten in place when forwarded, decrypted
	/// in place when delivered).
	pub fn handle_datagram(&mut self, now_us: u64, from: SocketAddr, buf: &mut [u8]) -> Action {
		match self.try_handle(now_us, from, buf) {
			Ok(a) => a,
			Err(r) => self.drop_at(now_us, r, from),
		}
	}

	fn try_handle(
		&mut self,
		now_us: u64,
		from: SocketAddr,
		buf: &mut [u8],
	) -> Result<Action, DropReason> {
		let me = self.registry.me();
		let (mut h, hlen) = Header::parse(buf)?;
		if h.current() != me {
			return Err(DropReason::NotForMe);
		}
		let prev = h.hops()[h.next as usize - 1];
		let prev_endpoint = self.registry.endpoint(prev)?;
		// The whole registered address: on a shared address a port is all that tells two
		// routers apart, and a skipped hop's datagram comes from the wrong one.
		if self.check_source && !same_address(prev_endpoint, from) {
			return Err(DropReason::UnexpectedSource);
		}
		let ingress = h.ingress();
		self.registry.keys(ingress)?.verify_hop(&h, h.next as usize)?;
		// The MAC holds, so the counter is the ingress's: a header seen before is a replay.
		let wkey = (ingress, h.flow);
		let w = self
			.hop_windows
			.claim(now_us, wkey, ingress, || Some(HopWindow::new()))
			.map_err(|_| DropReason::Replay)?;
		w.value.accept(h.counter).map_err(|_| DropReason::Replay)?;
		let len = buf.len();
		let fkey = FlowKey::new(ingress, h.egress(), h.flow);
		let receipt = h.kind() == Kind::Receipt;
		if receipt {
			// The consumer's receipt for this channel: each hop keeps the largest it can check.
			// It costs no credit (it is what grants credit), but a forged one goes no further.
			let signed = decode_receipt(&buf[hlen..]).ok_or(DropReason::ReceiptIgnored)?;
			if signed.receipt.channel != h.flow || signed.receipt.path.as_slice() != h.hops() {
				return Err(DropReason::ReceiptIgnored);
			}
			if let Some(ch) = &mut self.channels {
				match ch.on_receipt(&signed) {
					Ok(_) | Err(Ignored::NotLarger) => {},
					Err(why) => {
						tracing::debug!(why = why.name(), channel = h.flow, "receipt ignored");
						return Err(DropReason::ReceiptIgnored);
					},
				}
			}
		}
		if !h.at_egress() {
			let mine = self.registry.get(me);
			if mine.is_none_or(|s| s.price_per_gib.is_none()) {
				return Err(DropReason::NotForSale);
			}
			// Outside its windows or while quarantined the chain would not pay for it.
			if !mine.is_some_and(|s| s.relays_at(self.utc_hour)) {
				return Err(DropReason::OffDuty);
			}
			let next = h.hops()[h.next as usize + 1];
			let to = self.registry.endpoint(next)?;
			// A datagram that would arrive with TTL 0 would only be dropped there.
			h.ttl -= 1;
			if h.ttl == 0 {
				return Err(DropReason::TtlExpired);
			}
			let bytes = (len - hlen) as u64;
			let mut channel = None;
			if let (Some(ch), false) = (&mut self.channels, receipt) {
				// What arrived counts against the credit now; what goes on, once it went.
				if ch.admit(h.flow, h.hops(), h.next as usize, bytes)? {
					channel = Some((h.flow, bytes, Carried::On));
				}
			}
			h.next += 1;
			h.write_mutable(buf)?;
			self.accounting.record_in(prev, fkey, len as u64);
			self.forwarded += 1;
			let charge = Charge { out: Some((next, fkey, len as u64)), channel };
			return Ok(Action::Forward { to, charge });
		}
		if receipt {
			self.accounting.record_in(prev, fkey, len as u64);
			return Ok(Action::Consumed);
		}
		// The end of the path: what arrives on a channel is paid for like what is relayed, and
		// counted as delivered once it proves to be a session message of the channel's.
		let mut paid = 0;
		if let Some(ch) = &mut self.channels {
			if ch.admit(h.flow, h.hops(), h.next as usize, (len - hlen) as u64)? {
				paid = (len - hlen) as u64;
			}
		}
		self.accounting.record_in(prev, fkey, len as u64);
		// The end of the path: the payload is a session message between the two ends.
		let msg = &buf[hlen..];
		let now_ms = now_us / 1_000;
		let remote = ingress;
		let remote_key =
			self.registry.get(remote).ok_or(DropReason::UnknownSegment)?.key.to_bytes();
		// A flow this agent started: the far end's response or its replies. An initiation is
		// the far end starting a session of its own, for the responder, even while a handshake
		// of this agent's on the flow waits (on a chain the consumer's ingress never answers
		// its egress's, which must not keep the consumer out).
		let own = self.flows.peek_mut(&(remote, h.flow)).filter(|_| !session::is_initiation(msg));
		if let Some(out) = own {
			match out.session.handle(now_ms, msg, &mut self.scratch) {
				Ok(Received::Established) => return Ok(Action::Consumed),
				// A keepalive: the egress holds the session.
				Ok(Received::Data(0)) => return Ok(Action::Consumed),
				Ok(Received::Data(n)) => {
					out.last_used_us = now_us;
					return Ok(self.delivered(h.flow, remote, buf, hlen, n, Charge::default()));
				},
				// Not one of its sessions: perhaps the other end started one too.
				Err(SessionError::UnknownIndex) if session::is_transport(msg) => {},
				Err(e) => return Err(e.into()),
			}
		}
		// A session the far end started: only its registered key may; on a chain, only the
		// key the channel's consumer opened it with (and the channel passes here, checked above).
		let channels = &self.channels;
		let admit = |flow: FlowId, key: &[u8; 32]| match channels {
			Some(ch) => ch.terms(flow).is_some_and(|t| t.data_key == *key),
			None => *key == remote_key,
		};
		let responded = self.responder.handle(now_ms, msg, admit, &mut self.scratch)?;
		// A channel's payload counts as delivered once the exit takes it; a handshake or a
		// keepalive is taken here, by this agent.
		let charge =
			Charge { out: None, channel: (paid > 0).then_some((h.flow, paid, Carried::On)) };
		match responded {
			Responded::Handshake { len: n, .. } => {
				self.commit(charge);
				// Answer along the way the initiation came, reversed.
				let back: Vec<SegmentId> = h.hops().iter().rev().copied().collect();
				let answer = self.scratch[..n].to_vec();
				// An answer charges nothing: this agent pays for no channel it is the egress of.
				let t = self.wrap(h.flow, &back, &answer, buf)?;
				Ok(Action::Reply { to: t.to, range: t.range })
			},
			Responded::Data { len: n, .. } => {
				let key = self.registry.get(remote).map(|s| s.key.to_bytes());
				if let Some(key) = key.filter(|k| self.responder.keepalive_due(now_ms, h.flow, k)) {
					let back: Vec<SegmentId> = h.hops().iter().rev().copied().collect();
					self.keepalive(now_ms, h.flow, &key, &back);
				}
				if n == 0 {
					self.commit(charge);
					return Ok(Action::Consumed);
				}
				Ok(self.delivered(h.flow, remote, buf, hlen, n, charge))
			},
		}
	}

	/// Queue an empty message to the ingress with key `initiator` on `flow`, back along `back`.
	fn keepalive(&mut self, now_ms: u64, flow: FlowId, initiator: &[u8; 32], back: &[SegmentId]) {
		let mut msg = [0u8; TRANSPORT_OVERHEAD];
		let Ok(n) = self.responder.encapsulate(now_ms, flow, initiator, &[], &mut msg) else {
			return;
		};
		let mut dg = vec![0u8; MAX_HEADER_LEN + n];
		if let Ok(t) = self.wrap(flow, back, &msg[..n], &mut dg) {
			dg.truncate(t.range.end);
			self.pending.push((t.to, dg, t.charge));
		}
	}

	/// Move `n` decrypted bytes from the scratch buffer into `buf` after the header.
	fn delivered(
		&mut self,
		flow: FlowId,
		from: SegmentId,
		buf: &mut [u8],
		hlen: usize,
		n: usize,
		charge: Charge,
	) -> Action {
		buf[hlen..hlen + n].copy_from_slice(&self.scratch[..n]);
		self.delivered += 1;
		Action::Deliver { from, flow, payload: hlen..hlen + n, charge }
	}

	/// Count what `c` charges. The shell calls it for each datagram the socket took and each
	/// payload the exit, the TUN device or the local client took; never for one refused or
	/// given up on.
	pub fn commit(&mut self, c: Charge) {
		if let Some((peer, flow, bytes)) = c.out {
			self.accounting.record_out(peer, flow, bytes);
		}
		match c.channel {
			Some((flow, bytes, Carried::On)) => {
				if let Some(ch) = &mut self.channels {
					ch.sent(flow, bytes);
				}
			},
			Some((flow, bytes, Carried::Originated)) => {
				if let Some(r) = self.paying.get_mut(&flow) {
					r.sent(bytes);
				}
				if let Some(ch) = &mut self.channels {
					ch.originated(flow, bytes);
				}
			},
			None => {},
		}
	}

	/// The shell sent a batch: commit the charge of each datagram the socket took, and count
	/// each one it gave up on as [`DropReason::Unsent`]. Returns how many it gave up on.
	pub fn after_send(&mut self, batch: impl IntoIterator<Item = (Charge, bool)>) -> u64 {
		let mut unsent = 0;
		for (charge, sent) in batch {
			if sent {
				self.commit(charge);
			} else {
				self.drops.add(DropReason::Unsent);
				unsent += 1;
			}
		}
		unsent
	}

	/// Whether this agent can send on `flow` to `remote` now: a session it started is up, or
	/// `remote` started one with it.
	pub fn has_session(&self, now_us: u64, remote: SegmentId, flow: FlowId) -> bool {
		let now_ms = now_us / 1_000;
		if self.flows.peek(&(remote, flow)).is_some_and(|o| o.session.is_established(now_ms)) {
			return true;
		}
		self.registry.get(remote).is_some_and(|s| self.responder.has(flow, &s.key.to_bytes()))
	}

	/// Handle an ack datagram from a downstream neighbour: kept if it comes from the sender's
	/// registered address and the sender is this router's downstream hop on the channel,
	/// signed by its ticket key (see [`Channels::on_ack`]).
	pub fn handle_ack(&mut self, from: SocketAddr, buf: &[u8]) -> Action {
		match self.try_ack(from, buf) {
			Ok(()) => Action::Consumed,
			Err(r) => self.drop_datagram(r, Some(from)),
		}
	}

	fn try_ack(&mut self, from: SocketAddr, buf: &[u8]) -> Result<(), DropReason> {
		let d = AckDatagram::parse(buf)?;
		let sender = self.registry.get(d.sender).ok_or(DropReason::UnknownSegment)?;
		if self.check_source && !same_address(sender.endpoint, from) {
			return Err(DropReason::UnexpectedSource);
		}
		let key = sender.ticket_key.ok_or(DropReason::AckIgnored)?;
		let Some(ch) = &mut self.channels else { return Err(DropReason::AckIgnored) };
		match ch.on_ack(d.sender, &key, &d.ack) {
			Ok(_) | Err(Ignored::NotLarger) => Ok(()),
			Err(why) => {
				tracing::debug!(why = why.name(), sender = d.sender, "ack ignored");
				Err(DropReason::AckIgnored)
			},
		}
	}

	/// Sign the acks this router owes its upstream neighbours at `now_us` with its ticket
	/// key and queue them for the shell ([`Self::take_transmits`]). Nothing without a chain
	/// or a ticket key.
	pub fn poll_acks(&mut self, now_us: u64) {
		use ed25519_dalek::Signer;
		let (Some(ch), Some(key)) = (&mut self.channels, &self.ticket_key) else { return };
		for (upstream, ack) in ch.acks_due(now_us / 1_000) {
			let Ok(to) = self.registry.endpoint(upstream) else { continue };
			let signature = key.sign(&ack.signing_payload()).to_bytes();
			let d = AckDatagram { sender: self.registry.me(), ack: SignedAck { ack, signature } };
			let mut out = vec![0u8; ACK_DATAGRAM_LEN];
			if d.write(&mut out).is_ok() {
				self.pending.push((to, out, Charge::default()));
			}
		}
	}

	/// Queue the consumer's `receipt` to travel along its channel's `path` (this agent, the
	/// ingress, first), authenticated hop by hop like data.
	pub fn send_receipt(
		&mut self,
		path: &[SegmentId],
		receipt: &SignedReceipt,
	) -> Result<(), DropReason> {
		let body = codec::Encode::encode(receipt);
		let mut out = vec![0u8; MAX_HEADER_LEN + body.len()];
		let t = self.wrap_kind(Kind::Receipt, receipt.receipt.channel, path, &body, &mut out)?;
		out.truncate(t.range.end);
		self.pending.push((t.to, out, t.charge));
		Ok(())
	}

	/// What `bytes` of session message this agent sends on `flow` over `path` charges as its
	/// ingress: on a channel it pays for, the relays count the same bytes, and its receipts and
	/// its own ticket (as hop 0) must cover them once they left.
	fn originates(
		&self,
		flow: FlowId,
		path: &[SegmentId],
		bytes: u64,
	) -> Option<(FlowId, u64, Carried)> {
		let r = self.paying.get(&flow)?;
		(r.path() == path).then_some((flow, bytes, Carried::Originated))
	}

	/// Sign the receipts due on the channels this agent pays for at `now_us` and queue them
	/// along their paths ([`Self::take_transmits`]).
	pub fn poll_receipts(&mut self, now_us: u64) {
		let due: Vec<(Vec<SegmentId>, SignedReceipt)> = self
			.paying
			.values_mut()
			.filter_map(|r| r.due(now_us / 1_000).map(|s| (r.path().to_vec(), s)))
			.collect();
		for (path, receipt) in due {
			if let Err(why) = self.send_receipt(&path, &receipt) {
				tracing::debug!(
					channel = receipt.receipt.channel,
					why = why.as_str(),
					"receipt not sent"
				);
			}
		}
	}

	/// Handshake datagrams due (initiations, retries and rekeys), acks and receipts, for the
	/// shell to send, with what each counts once sent ([`Self::after_send`]).
	pub fn take_transmits(&mut self) -> Vec<(SocketAddr, Vec<u8>, Charge)> {
		std::mem::take(&mut self.pending)
	}

	/// Build in `out` the datagram carrying `msg` (a session message) for `flow` over `path`
	/// (this agent first), with a fresh hop counter; returns where it is and where it goes.
	pub fn wrap(
		&mut self,
		flow: FlowId,
		path: &[SegmentId],
		msg: &[u8],
		out: &mut [u8],
	) -> Result<Transmit, DropReason> {
		self.wrap_kind(Kind::Data, flow, path, msg, out)
	}

	/// [`Self::wrap`] with a header of `kind` ([`Kind::Data`] or [`Kind::Receipt`]).
	fn wrap_kind(
		&mut self,
		kind: Kind,
		flow: FlowId,
		path: &[SegmentId],
		msg: &[u8],
		out: &mut [u8],
	) -> Result<Transmit, DropReason> {
		check_path(path)?;
		if path[0] != self.registry.me() {
			return Err(DropReason::NoRoute);
		}
		let mut h = Header::for_channel(flow, path, INITIAL_TTL)?.with_kind(kind)?;
		self.seal(&mut h)?;
		let hlen = h.encoded_len();
		if out.len() < hlen + msg.len() {
			return Err(DropReason::TooBig);
		}
		h.write(out)?;
		out[hlen..hlen + msg.len()].copy_from_slice(msg);
		let to = self.registry.endpoint(path[1])?;
		let channel =
			if kind == Kind::Data { self.originates(flow, path, msg.len() as u64) } else { None };
		Ok(Transmit { to, range: 0..hlen + msg.len(), charge: Charge { out: None, channel } })
	}

	fn insert_flow(&mut self, key: (SegmentId, FlowId), flow: Outbound) {
		if self.flows.len() >= MAX_FLOWS && !self.flows.contains(&key) {
			self.flows.pop_lru();
		}
		self.flows.push(key, flow);
	}

	/// Forget flows idle since before `cutoff_us`, least recently used first: O(flows
	/// forgotten). After a clock step use order and timestamps disagree, and a flow may
	/// outlive its idle time until the ones used before it go.
	pub fn expire_flows(&mut self, cutoff_us: u64) {
		while self.flows.peek_lru().is_some_and(|(_, f)| f.last_used_us < cutoff_us) {
			self.flows.pop_lru();
		}
	}

	/// Flows held.
	pub fn flow_count(&self) -> usize {
		self.flows.len()
	}

	/// Sessions held as the far end of flows other agents started: at most [`MAX_FLOWS`], and
	/// [`session::SESSIONS_PER_CHANNEL`] for one (channel, initiator key).
	pub fn session_count(&self) -> usize {
		self.responder.len()
	}

	/// Hop replay windows held: at most [`MAX_HOP_WINDOWS`], one per (ingress, flow) seen with
	/// a valid hop MAC.
	pub fn hop_window_count(&self) -> usize {
		self.hop_windows.len()
	}

	/// Wrap the payload at `buf[HEADROOM..HEADROOM + payload_len]` for `flow` over `path`
	/// (this agent first, the remote end last), in place. `buf` must have [`TAILROOM`] bytes
	/// after the payload. Returns where to send which bytes.
	pub fn encapsulate(
		&mut self,
		now_us: u64,
		flow: FlowId,
		path: &[SegmentId],
		buf: &mut [u8],
		payload_len: usize,
	) -> Result<Transmit, DropReason> {
		let r = self.try_encapsulate(now_us, flow, path, buf, payload_len);
		if let Err(reason) = r {
			self.drop_datagram(reason, None);
		}
		r
	}

	fn try_encapsulate(
		&mut self,
		now_us: u64,
		flow_id: FlowId,
		path: &[SegmentId],
		buf: &mut [u8],
		payload_len: usize,
	) -> Result<Transmit, DropReason> {
		check_path(path)?;
		let me = self.registry.me();
		let (Some(&first), Some(&remote)) = (path.first(), path.last()) else {
			return Err(DropReason::NoRoute);
		};
		if first != me {
			return Err(DropReason::NoRoute);
		}
		let end = HEADROOM + payload_len + TAILROOM;
		if buf.len() < end || payload_len > self.scratch.len() {
			return Err(DropReason::TooBig);
		}
		// Every receiver takes datagrams of up to MAX_WIRE_LEN whole; a longer one would be
		// truncated on the way, still pass the hop MACs up to the egress, and be billed.
		let wire_len =
			ditex_primitives::wire::encoded_len(path.len()) + TRANSPORT_OVERHEAD + payload_len;
		if wire_len > MAX_WIRE_LEN {
			return Err(DropReason::TooBig);
		}
		let to = self.registry.endpoint(path[1])?;
		let now_ms = now_us / 1_000;
		let remote_key =
			self.registry.get(remote).ok_or(DropReason::UnknownSegment)?.key.to_bytes();
		self.scratch[..payload_len].copy_from_slice(&buf[HEADROOM..HEADROOM + payload_len]);
		let msg_at = HEADROOM - TRANSPORT_HEAD;
		let n = if self.responder.has(flow_id, &remote_key) {
			// The far end started this flow: answer in its session.
			let plain = &self.scratch[..payload_len];
			self.responder.encapsulate(
				now_ms,
				flow_id,
				&remote_key,
				plain,
				&mut buf[msg_at..end],
			)?
		} else {
			let key = (remote, flow_id);
			if !self.flows.contains(&key) {
				let seed = self.index_seed ^ (flow_id as u32).rotate_left(7) ^ remote;
				let session =
					Initiator::new(flow_id, self.registry.secret_bytes(), remote_key, seed);
				self.insert_flow(key, Outbound { session, last_used_us: now_us });
			}
			// A handshake due (the first, a retry, a rekey) goes out before the data. Its stamp
			// is the hop counter, which grows across restarts as the wall clock does.
			let mut init = [0u8; INIT_LEN];
			let stamp = self.next_hop_counter;
			let out = self.flows.get_mut(&key).ok_or(DropReason::NoRoute)?;
			if let Some(n) = out.session.poll_handshake(now_ms, stamp, &mut init)? {
				let mut dg = vec![0u8; MAX_HEADER_LEN + n];
				let t = self.wrap(flow_id, path, &init[..n], &mut dg)?;
				dg.truncate(t.range.end);
				self.pending.push((t.to, dg, t.charge));
			}
			let out = self.flows.get_mut(&key).ok_or(DropReason::NoRoute)?;
			out.last_used_us = now_us;
			out.session.encapsulate(now_ms, &self.scratch[..payload_len], &mut buf[msg_at..end])?
		};
		let mut h = Header::for_channel(flow_id, path, INITIAL_TTL)?;
		self.seal(&mut h)?;
		let hlen = h.encoded_len();
		let start = msg_at - hlen;
		h.write(&mut buf[start..])?;
		let end = msg_at + n;
		let charge = Charge {
			out: Some((path[1], FlowKey::new(me, remote, flow_id), (end - start) as u64)),
			channel: self.originates(flow_id, path, n as u64),
		};
		self.sent += 1;
		Ok(Transmit { to, range: start..end, charge })
	}

	/// Give `h` (a header this agent builds) a fresh hop counter and every hop's MAC.
	fn seal(&mut self, h: &mut Header) -> Result<(), DropReason> {
		// Every packet is sealed: fixed arrays, no allocation on this path.
		let n = h.hops().len();
		let mut path = [0; MAX_PATH];
		path[..n].copy_from_slice(h.hops());
		// Hop 0 is this agent; its slot is unused by `seal_header`.
		let first = self.registry.keys(path[1])?;
		let mut keys: [&PeerKeys; MAX_PATH] = [first; MAX_PATH];
		for (k, hop) in keys.iter_mut().zip(&path[..n]).skip(1) {
			*k = self.registry.keys(*hop)?;
		}
		let keys = &keys[..n];
		let c = self.next_hop_counter;
		if c == crate::replay::LAST_COUNTER {
			return Err(DropReason::CounterExhausted);
		}
		self.next_hop_counter = c + 1;
		h.counter = c;
		seal_header(h, keys);
		Ok(())
	}
}

/// A receipt from a datagram's payload: exactly one, no longer than the format allows.
fn decode_receipt(payload: &[u8]) -> Option<SignedReceipt> {
	use codec::{Decode, MaxEncodedLen};
	if payload.len() > SignedReceipt::max_encoded_len() {
		return None;
	}
	let mut input = payload;
	let r = SignedReceipt::decode(&mut input).ok()?;
	input.is_empty().then_some(r)
}

/// Whether `from` is `registered`, an IPv4 address seen as v4-mapped IPv6 included.
pub(crate) fn same_address(registered: SocketAddr, from: SocketAddr) -> bool {
	registered.port() == from.port() && registered.ip().to_canonical() == from.ip().to_canonical()
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::channel::Terms;
	use crate::registry::{
		tests::{entry, secret},
		EndpointPolicy,
	};
	use ditex_primitives::{
		settlement::{Path, Receipt, SignedReceipt},
		wire::{encoded_len, FIXED_HEADER_LEN, MAC_LEN},
		Hash,
	};

	/// Five agents 1..=5 on 127.0.0.1:20001.. with segment 5 not for sale.
	fn agents() -> Vec<Dataplane> {
		let mut entries: Vec<_> = (1..=5).map(entry).collect();
		entries[4].price_per_gib = None;
		(1..=5)
			.map(|id| {
				Dataplane::new(
					Registry::new(id, secret(id), &entries, EndpointPolicy::test_bed()).unwrap(),
					Accounting::default(),
				)
			})
			.collect()
	}

	fn addr(id: SegmentId) -> SocketAddr {
		format!("127.0.0.1:{}", 20000 + id).parse().unwrap()
	}

	/// The datagram `path[0]` sends on `flow` with `payload`, after the handshake that flow
	/// needs (carried along `path` and back by the agents of `a`).
	fn packet_via(
		a: &mut [Dataplane],
		path: &[SegmentId],
		flow: FlowId,
		payload: &[u8],
	) -> Vec<u8> {
		establish(a, path, flow);
		packet(&mut a[path[0] as usize - 1], path, flow, payload)
	}

	/// The datagram `dp` sends on `flow` with `payload`; its session must exist.
	fn packet(dp: &mut Dataplane, path: &[SegmentId], flow: FlowId, payload: &[u8]) -> Vec<u8> {
		let mut buf = vec![0u8; HEADROOM + payload.len() + TAILROOM];
		buf[HEADROOM..HEADROOM + payload.len()].copy_from_slice(payload);
		let t = dp.encapsulate(0, flow, path, &mut buf, payload.len()).unwrap();
		assert_eq!(t.to, addr(path[1]));
		buf[t.range].to_vec()
	}

	/// Run `flow`'s handshake over `path` unless `path[0]` can already send on it.
	fn establish(a: &mut [Dataplane], path: &[SegmentId], flow: FlowId) {
		let src = path[0] as usize - 1;
		if a[src].has_session(0, path[path.len() - 1], flow) {
			return;
		}
		let mut buf = vec![0u8; HEADROOM + 1 + TAILROOM];
		assert_eq!(a[src].encapsulate(0, flow, path, &mut buf, 1), Err(DropReason::NoSession));
		let mut sent = a[src].take_transmits();
		assert_eq!(sent.len(), 1, "one initiation");
		let (to, init, _) = sent.pop().unwrap();
		assert_eq!(to, addr(path[1]));
		let (act, buf) = carry(a, path, init);
		let Action::Reply { to, range } = act else { panic!("no answer: {act:?}") };
		let back: Vec<SegmentId> = path.iter().rev().copied().collect();
		assert_eq!(to, addr(back[1]));
		let (act, _) = carry(a, &back, buf[range].to_vec());
		assert_eq!(act, Action::Consumed);
		assert!(a[src].has_session(0, path[path.len() - 1], flow));
	}

	/// Carry a datagram along its path, every send and delivery taken (committed); returns
	/// what the last agent did.
	fn carry(a: &mut [Dataplane], path: &[SegmentId], mut dgram: Vec<u8>) -> (Action, Vec<u8>) {
		for w in path.windows(2) {
			let dp = &mut a[w[1] as usize - 1];
			let act = dp.handle_datagram(0, addr(w[0]), &mut dgram);
			match act {
				Action::Forward { to, charge } => {
					dp.commit(charge);
					assert_eq!(to, addr(path[2 + path.iter().position(|x| *x == w[0]).unwrap()]))
				},
				other => {
					if let Action::Deliver { charge, .. } = other {
						dp.commit(charge);
					}
					return (other, dgram);
				},
			}
		}
		unreachable!("the egress delivers or drops")
	}

	#[test]
	fn two_relay_path_delivers_and_replies() {
		let mut a = agents();
		let path = [1, 2, 3, 4];
		let d = packet_via(&mut a, &path, 77, b"payload");
		let (act, buf) = carry(&mut a, &path, d);
		let Action::Deliver { from, flow, payload, .. } = act else { panic!("{act:?}") };
		assert_eq!((from, flow, &buf[payload]), (1, 77, &b"payload"[..]));
		// The relays carried the initiation, its answer and the payload; only the payload is
		// delivered.
		assert_eq!((a[1].forwarded, a[2].forwarded, a[3].delivered), (3, 3, 1));
		// The reply goes back the reverse path under the same flow.
		let back = [4, 3, 2, 1];
		let d = packet_via(&mut a, &back, 77, b"reply");
		let (act, buf) = carry(&mut a, &back, d);
		let Action::Deliver { from, payload, .. } = act else { panic!("{act:?}") };
		assert_eq!((from, &buf[payload]), (4, &b"reply"[..]));
		assert_eq!(a[1].accounting.peer(3).bytes_out, a[2].accounting.peer(2).bytes_in);
	}

	/// H1: a datagram seen once is refused by every hop it reaches again, whoever replays it.
	#[test]
	fn h1_a_replayed_datagram_is_dropped_at_every_hop() {
		let mut a = agents();
		let path = [1, 2, 3, 4];
		let d = packet_via(&mut a, &path, 5, b"once");
		// As hop 2 received it, and as hop 3 did (rewritten by hop 2).
		let at_2 = d.clone();
		let mut at_3 = d.clone();
		assert!(matches!(a[1].handle_datagram(0, addr(1), &mut at_3), Action::Forward { .. }));
		let at_4 = {
			let mut x = at_3.clone();
			assert!(matches!(a[2].handle_datagram(0, addr(2), &mut x), Action::Forward { .. }));
			x
		};
		assert!(matches!(
			a[3].handle_datagram(0, addr(3), &mut at_4.clone()),
			Action::Deliver { .. }
		));
		expect_drop(&mut a[1], 1, at_2, DropReason::Replay);
		expect_drop(&mut a[2], 2, at_3, DropReason::Replay);
		expect_drop(&mut a[3], 3, at_4, DropReason::Replay);
		// The flow goes on.
		let d = packet_via(&mut a, &path, 5, b"twice");
		assert!(matches!(carry(&mut a, &path, d).0, Action::Deliver { .. }));
	}

	/// H1: a header lifted from one datagram cannot carry another payload, and its counter
	/// cannot be changed to look fresh.
	#[test]
	fn h1_a_header_reused_with_a_new_payload_is_dropped() {
		let mut a = agents();
		let path = [1, 2, 3];
		let d = packet_via(&mut a, &path, 5, b"original");
		let hl = encoded_len(3);
		let mut forged = d[..hl].to_vec();
		forged.extend_from_slice(&[0x55; 40]);
		assert!(matches!(a[1].handle_datagram(0, addr(1), &mut d.clone()), Action::Forward { .. }));
		expect_drop(&mut a[1], 1, forged.clone(), DropReason::Replay);
		let mut fresh = forged;
		fresh[FIXED_HEADER_LEN - 1] ^= 1;
		expect_drop(&mut a[1], 1, fresh, DropReason::BadMac);
	}

	/// M2: a datagram that skips a hop arrives from the wrong registered address and is
	/// refused, though every address here is 127.0.0.1 (the port tells the routers apart).
	#[test]
	fn m2_a_skipped_hop_is_refused_by_its_full_address() {
		let mut a = agents();
		let path = [1, 2, 3, 4];
		let mut d = packet_via(&mut a, &path, 5, b"skip");
		// Hop 2 skipped: the ingress's datagram, pointed at hop 3.
		d[3] = 2;
		expect_drop(&mut a[2], 1, d, DropReason::UnexpectedSource);
	}

	/// A restarted ingress starts its hop counters where the shell says (the wall clock), past
	/// what the hops saw before, so its new packets are not replays.
	#[test]
	fn a_restarted_ingress_is_not_a_replay() {
		let mut a = agents();
		let path = [1, 2, 3];
		a[0].start_hop_counters(1_000_000);
		for _ in 0..3 {
			let d = packet_via(&mut a, &path, 5, b"x");
			assert!(matches!(carry(&mut a, &path, d).0, Action::Deliver { .. }));
		}
		// The same ingress again, from scratch: its first datagram (a handshake) is a replay to
		// the hops if its counters start low, and new if they start at the shell's clock.
		let mut entries: Vec<_> = (1..=5).map(entry).collect();
		entries[4].price_per_gib = None;
		let registry = Registry::new(1, secret(1), &entries, EndpointPolicy::test_bed()).unwrap();
		a[0] = Dataplane::new(registry, Accounting::default());
		let d = raw(&mut a[0], &path, 5);
		expect_drop(&mut a[1], 1, d, DropReason::Replay);
		a[0].start_hop_counters(2_000_000);
		let d = packet_via(&mut a, &path, 5, b"y");
		assert!(matches!(carry(&mut a, &path, d).0, Action::Deliver { .. }));
	}

	/// Carry a datagram along its path at `now_us`; returns what the last agent did.
	fn carry_at(
		a: &mut [Dataplane],
		path: &[SegmentId],
		mut dgram: Vec<u8>,
		now_us: u64,
	) -> Action {
		for w in path.windows(2) {
			match a[w[1] as usize - 1].handle_datagram(now_us, addr(w[0]), &mut dgram) {
				Action::Forward { .. } => {},
				other => return other,
			}
		}
		unreachable!("the egress delivers or drops")
	}

	/// `path[0]` sends `payload` on `flow` at `now_us`: whatever it has to send (handshakes
	/// first, then the datagram, if its session can carry it) is carried along `path`, and
	/// what the egress sends back (answers, keepalives) along the way back. Returns what the
	/// egress did with the payload, if it was sent, and how many initiations went out.
	fn exchange(
		a: &mut [Dataplane],
		path: &[SegmentId],
		flow: FlowId,
		payload: &[u8],
		now_us: u64,
	) -> (Option<Action>, usize) {
		let (src, dst) = (path[0] as usize - 1, path[path.len() - 1] as usize - 1);
		let back: Vec<SegmentId> = path.iter().rev().copied().collect();
		let mut buf = vec![0u8; HEADROOM + payload.len() + TAILROOM];
		buf[HEADROOM..HEADROOM + payload.len()].copy_from_slice(payload);
		let sent = a[src]
			.encapsulate(now_us, flow, path, &mut buf, payload.len())
			.ok()
			.map(|t| buf[t.range].to_vec());
		let inits = a[src].take_transmits();
		let n_inits = inits.len();
		for (_, d, _) in inits {
			if let Action::Reply { range, .. } = carry_at_keep(a, path, d, now_us) {
				let _ = range;
			}
		}
		let delivered = sent.map(|d| carry_at(a, path, d, now_us));
		for (_, d, _) in a[dst].take_transmits() {
			assert_eq!(carry_at(a, &back, d, now_us), Action::Consumed, "an answer or a keepalive");
		}
		(delivered, n_inits)
	}

	/// [`carry_at`], carrying an egress's direct answer (a handshake response) back too.
	fn carry_at_keep(
		a: &mut [Dataplane],
		path: &[SegmentId],
		mut dgram: Vec<u8>,
		now_us: u64,
	) -> Action {
		for w in path.windows(2) {
			match a[w[1] as usize - 1].handle_datagram(now_us, addr(w[0]), &mut dgram) {
				Action::Forward { .. } => {},
				Action::Reply { range, .. } => {
					let back: Vec<SegmentId> = path.iter().rev().copied().collect();
					return carry_at(a, &back, dgram[range].to_vec(), now_us);
				},
				other => return other,
			}
		}
		unreachable!("the egress delivers or drops")
	}

	/// A one-way flow to a live egress is kept alive by the egress's keepalives (no new
	/// handshake before the rekey); an egress that restarts lost the session, and the ingress,
	/// hearing nothing back while it sends, starts a new one within [`session::SILENCE_MS`]
	/// and the flow resumes.
	#[test]
	fn a_restarted_egress_gets_a_new_session_and_a_live_one_keeps_its_own() {
		let mut a = agents();
		let path = [1, 2, 3];
		let s = 1_000_000u64;
		let (first, inits) = exchange(&mut a, &path, 9, b"x", 0);
		assert_eq!((first, inits), (None, 1), "the first datagram waits for the handshake");
		for t in 1..=60 {
			let (d, inits) = exchange(&mut a, &path, 9, b"one way", t * s);
			assert!(matches!(d, Some(Action::Deliver { .. })), "t={t}: {d:?}");
			assert_eq!(inits, 0, "t={t}: a live egress's keepalives keep the session");
		}
		let mut entries: Vec<_> = (1..=5).map(entry).collect();
		entries[4].price_per_gib = None;
		let registry = Registry::new(3, secret(3), &entries, EndpointPolicy::test_bed()).unwrap();
		a[2] = Dataplane::new(registry, Accounting::default());
		// As the shell does: past every hop counter the old process used.
		a[2].start_hop_counters(1 << 40);
		let mut resumed = None;
		for t in 61..=100 {
			let (d, inits) = exchange(&mut a, &path, 9, b"after", t * s);
			if matches!(d, Some(Action::Deliver { .. })) {
				resumed = Some((t, inits));
				break;
			}
		}
		let (t, _) = resumed.unwrap_or_else(|| {
			panic!(
				"the flow resumed: ingress drops {:?}, egress drops {:?}",
				a[0].drops.nonzero().collect::<Vec<_>>(),
				a[2].drops.nonzero().collect::<Vec<_>>()
			)
		});
		assert!(t <= 61 + session::SILENCE_MS / 1_000 + 1, "resumed at {t} s");
	}

	/// A datagram of `dp` on `flow` over `path` whose payload is no session message: enough
	/// for what the relays check.
	fn raw(dp: &mut Dataplane, path: &[SegmentId], flow: FlowId) -> Vec<u8> {
		let mut buf = vec![0u8; 512];
		let t = dp.wrap(flow, path, b"not a session message", &mut buf).unwrap();
		buf[t.range].to_vec()
	}

	/// Channel `id` over `path`, paying `funds`, opened with the data key of agent 1.
	fn terms(a: &[Dataplane], id: FlowId, path: &[SegmentId], funds: u128) -> Terms {
		Terms {
			id,
			path: path.to_vec(),
			prices: path.iter().map(|_| 1_000).collect(),
			max_price_per_gib: 10_000,
			funds,
			open: true,
			receipt_key: consumer().verifying_key().to_bytes(),
			data_key: a[0].registry.public_key().to_bytes(),
		}
	}

	fn consumer() -> ed25519_dalek::SigningKey {
		ed25519_dalek::SigningKey::from_bytes(&[3; 32])
	}

	fn receipt(id: FlowId, path: &[SegmentId], bytes: u64) -> SignedReceipt {
		use ed25519_dalek::Signer;
		let receipt = Receipt {
			genesis: Hash::repeat_byte(1),
			channel: id,
			path: Path::truncate_from(path.to_vec()),
			cumulative_bytes: bytes,
		};
		let signature = consumer().sign(&receipt.signing_payload()).to_bytes();
		SignedReceipt { receipt, signature }
	}

	fn on_chain(dp: &mut Dataplane, credit: u64) {
		let me = dp.registry.me();
		dp.channels =
			Some(Channels::new(me, Hash::repeat_byte(1), credit, NonZeroUsize::new(16).unwrap()));
	}

	/// L8: a relay counted a datagram as sent to its next hop, and on its channel, when it
	/// decided to forward it, so one the socket then gave up on was still counted and billed;
	/// an egress counted as delivered what the exit policy then refused; an ingress counted
	/// (and receipted) what it encapsulated before the send.
	#[test]
	fn l8_bytes_count_once_sent_not_before() {
		let mut a = agents();
		let path = [1, 2, 3];
		for i in 0..3 {
			on_chain(&mut a[i], 1 << 20);
			let t = terms(&a, 7, &path, u128::MAX);
			a[i].channels.as_mut().unwrap().update(t);
		}
		let receipts =
			Receipts::new(Hash::repeat_byte(1), 7, Path::truncate_from(path.to_vec()), consumer());
		a[0].paying.insert(7, receipts);
		let d = packet_via(&mut a, &path, 7, b"payload");
		let out = |dp: &Dataplane, peer| dp.accounting.peer(peer).bytes_out;
		let chan_out = |dp: &Dataplane| {
			dp.channels
				.as_ref()
				.unwrap()
				.usage()
				.iter()
				.find(|u| u.channel == 7)
				.map_or(0, |u| u.bytes_out)
		};
		// The relay.
		let (o, c) = (out(&a[1], 3), chan_out(&a[1]));
		let mut fwd = d.clone();
		let act = a[1].handle_datagram(0, addr(1), &mut fwd);
		let Action::Forward { charge, .. } = act else { panic!("{act:?}") };
		assert_eq!((out(&a[1], 3), chan_out(&a[1])), (o, c), "counted before the send");
		// The socket gave up on it: counted as unsent, never as sent.
		assert_eq!(a[1].after_send([(charge, false)]), 1);
		assert_eq!((out(&a[1], 3), chan_out(&a[1])), (o, c));
		assert_eq!(a[1].drops.get(DropReason::Unsent), 1);
		// Sent: counted, once.
		assert_eq!(a[1].after_send([(charge, true)]), 0);
		let hl = encoded_len(3) as u64;
		assert_eq!(out(&a[1], 3), o + d.len() as u64);
		assert_eq!(chan_out(&a[1]), c + d.len() as u64 - hl);
		// The egress: what the exit refuses is never committed.
		let c = chan_out(&a[2]);
		let act = a[2].handle_datagram(0, addr(2), &mut fwd);
		let Action::Deliver { charge, .. } = act else { panic!("{act:?}") };
		assert_eq!(chan_out(&a[2]), c, "counted as delivered before the exit took it");
		a[2].commit(charge);
		assert_eq!(chan_out(&a[2]), c + d.len() as u64 - hl);
		// The ingress: its ledger and its receipts follow what left.
		let (o, r) = (out(&a[0], 2), a[0].paying[&7].sent_bytes());
		let mut buf = vec![0u8; HEADROOM + 4 + TAILROOM];
		let t = a[0].encapsulate(0, 7, &path, &mut buf, 4).unwrap();
		assert_eq!(
			(out(&a[0], 2), a[0].paying[&7].sent_bytes()),
			(o, r),
			"counted before the send"
		);
		a[0].after_send([(t.charge, true)]);
		assert_eq!(out(&a[0], 2), o + t.range.len() as u64);
		assert_eq!(a[0].paying[&7].sent_bytes(), r + (t.range.len() as u64 - hl));
	}

	/// H3: following a chain, a relay carries only for an open channel over exactly its path
	/// (either way), and only within the latest receipt plus its credit; a receipt lets it
	/// go on.
	#[test]
	fn h3_on_a_chain_a_relay_carries_only_paid_channels() {
		let mut a = agents();
		on_chain(&mut a[1], 200);
		let d = raw(&mut a[0], &[1, 2, 3], 7);
		expect_drop(&mut a[1], 1, d, DropReason::NoChannel);
		let t = terms(&a, 7, &[1, 2, 3], u128::MAX);
		assert!(a[1].channels.as_mut().unwrap().update(t));
		let d = raw(&mut a[0], &[1, 2, 4], 7);
		expect_drop(&mut a[1], 1, d, DropReason::WrongPath);
		// Each raw datagram carries 21 payload bytes: nine fit the 200-byte credit.
		for _ in 0..9 {
			let d = raw(&mut a[0], &[1, 2, 3], 7);
			assert!(matches!(
				a[1].handle_datagram(0, addr(1), &mut d.clone()),
				Action::Forward { .. }
			));
		}
		let d = raw(&mut a[0], &[1, 2, 3], 7);
		expect_drop(&mut a[1], 1, d, DropReason::OverCredit);
		a[1].channels.as_mut().unwrap().on_receipt(&receipt(7, &[1, 2, 3], 1_000)).unwrap();
		let d = raw(&mut a[0], &[1, 2, 3], 7);
		assert!(matches!(a[1].handle_datagram(0, addr(1), &mut d.clone()), Action::Forward { .. }));
		// A channel whose funds are spent.
		let t = terms(&a, 8, &[1, 2, 3], 0);
		a[1].channels.as_mut().unwrap().update(t);
		a[1].channels.as_mut().unwrap().on_receipt(&receipt(8, &[1, 2, 3], 1_000)).unwrap();
		let d = raw(&mut a[0], &[1, 2, 3], 8);
		expect_drop(&mut a[1], 1, d, DropReason::OverDeposit);
		let usage = a[1].channels.as_ref().unwrap().usage();
		assert_eq!(usage.iter().find(|u| u.channel == 7).unwrap().bytes_in, 10 * 21);
	}

	/// H3: following a chain, an egress answers a handshake only on a channel it is on, from
	/// the key the channel was opened with.
	#[test]
	fn h3_on_a_chain_an_egress_takes_sessions_only_from_the_channels_consumer() {
		let mut a = agents();
		on_chain(&mut a[2], 1 << 20);
		let mut wrong_key = terms(&a, 7, &[1, 2, 3], u128::MAX);
		wrong_key.data_key = [9; 32];
		a[2].channels.as_mut().unwrap().update(wrong_key);
		let mut buf = vec![0u8; HEADROOM + 1 + TAILROOM];
		let _ = a[0].encapsulate(0, 7, &[1, 2, 3], &mut buf, 1);
		let (_, init, _) = a[0].take_transmits().pop().unwrap();
		let (act, _) = carry(&mut a, &[1, 2, 3], init);
		assert_eq!(act, Action::Drop(DropReason::NotAdmitted));
		// The channel as opened: the handshake completes and traffic flows.
		let mut a = agents();
		on_chain(&mut a[2], 1 << 20);
		let t = terms(&a, 7, &[1, 2, 3], u128::MAX);
		a[2].channels.as_mut().unwrap().update(t);
		let d = packet_via(&mut a, &[1, 2, 3], 7, b"paid");
		let (act, buf) = carry(&mut a, &[1, 2, 3], d);
		let Action::Deliver { payload, .. } = act else { panic!("{act:?}") };
		assert_eq!(&buf[payload], b"paid");
		// What the egress delivers (the handshake and the payload) is what it claims as
		// delivered; a message that is no session's is counted in, never out.
		let usage = |a: &[Dataplane]| a[2].channels.as_ref().unwrap().usage()[0].clone();
		let u = usage(&a);
		assert!(u.bytes_in > 0 && u.bytes_out == u.bytes_in, "{u:?}");
		let d = raw(&mut a[0], &[1, 2, 3], 7);
		let (act, _) = carry(&mut a, &[1, 2, 3], d);
		assert!(matches!(act, Action::Drop(_)), "{act:?}");
		let v = usage(&a);
		assert!(v.bytes_in > u.bytes_in && v.bytes_out == u.bytes_out, "{v:?}");
	}

	/// Found with the `paid` fuzz target (three operations: the ingress sends, the egress
	/// sends, the network delivers). An egress with something to send on a flow before any
	/// session starts a handshake of its own, which the ingress on a chain refuses (only the
	/// consumer's key opens a channel's sessions). The egress then took the ingress's
	/// initiations for answers to its own and dropped them as `bad_session`: the consumer could
	/// not open a session for as long as the egress kept trying to send. (Off a chain, two ends
	/// starting at once refused each other's initiations the same way.)
	#[test]
	fn an_egress_that_tried_to_send_first_still_answers_the_consumers_handshake() {
		let mut a = agents();
		let (path, back) = ([1, 2, 3], [3, 2, 1]);
		for i in 0..3 {
			on_chain(&mut a[i], 1 << 20);
			let t = terms(&a, 7, &path, u128::MAX);
			a[i].channels.as_mut().unwrap().update(t);
		}
		let mut buf = vec![0u8; HEADROOM + 1 + TAILROOM];
		assert_eq!(a[2].encapsulate(0, 7, &back, &mut buf, 1), Err(DropReason::NoSession));
		let (_, init, _) = a[2].take_transmits().pop().expect("the egress's own initiation");
		assert_eq!(carry(&mut a, &back, init).0, Action::Drop(DropReason::NotAdmitted));
		// The consumer's handshake is answered all the same, and the flow carries both ways.
		assert_eq!(a[0].encapsulate(0, 7, &path, &mut buf, 1), Err(DropReason::NoSession));
		let (_, init, _) = a[0].take_transmits().pop().expect("the ingress's initiation");
		let (act, d) = carry(&mut a, &path, init);
		let Action::Reply { range, .. } = act else { panic!("the consumer's handshake: {act:?}") };
		assert_eq!(carry(&mut a, &back, d[range].to_vec()).0, Action::Consumed);
		let d = packet(&mut a[0], &path, 7, b"up");
		assert!(matches!(carry(&mut a, &path, d).0, Action::Deliver { .. }));
		let d = packet(&mut a[2], &back, 7, b"down");
		let (act, d) = carry(&mut a, &back, d);
		let Action::Deliver { payload, .. } = act else { panic!("the reply: {act:?}") };
		assert_eq!(&d[payload], b"down");
	}

	/// The consumer's receipt travels its channel's path; each hop on a chain keeps it and
	/// carries further; a forged one goes no further and is counted.
	#[test]
	fn receipts_travel_in_band_and_grant_credit() {
		let mut a = agents();
		let path = [1, 2, 3];
		on_chain(&mut a[1], 100);
		let t = terms(&a, 7, &path, u128::MAX);
		a[1].channels.as_mut().unwrap().update(t);
		for _ in 0..4 {
			let d = raw(&mut a[0], &path, 7);
			assert!(matches!(
				a[1].handle_datagram(0, addr(1), &mut d.clone()),
				Action::Forward { .. }
			));
		}
		let d = raw(&mut a[0], &path, 7);
		expect_drop(&mut a[1], 1, d, DropReason::OverCredit);
		let mut forged = receipt(7, &path, 1 << 20);
		forged.signature[0] ^= 1;
		a[0].send_receipt(&path, &forged).unwrap();
		let (_, d, _) = a[0].take_transmits().pop().unwrap();
		expect_drop(&mut a[1], 1, d, DropReason::ReceiptIgnored);
		a[0].send_receipt(&path, &receipt(7, &path, 1 << 20)).unwrap();
		let (to, d, _) = a[0].take_transmits().pop().unwrap();
		assert_eq!(to, addr(2));
		assert_eq!(carry(&mut a, &path, d).0, Action::Consumed);
		let d = raw(&mut a[0], &path, 7);
		assert!(matches!(a[1].handle_datagram(0, addr(1), &mut d.clone()), Action::Forward { .. }));
		let kept = a[1].channels.as_ref().unwrap().usage()[0].receipt.clone();
		assert_eq!(kept, Some(receipt(7, &path, 1 << 20)));
	}

	/// Each hop acks upstream what it received, signed with its ticket key; the upstream keeps
	/// only its downstream's, from its registered address.
	#[test]
	fn acks_go_upstream_signed_by_the_downstream_ticket_key() {
		let mut a = agents();
		let path = [1, 2, 3];
		let key3 = ed25519_dalek::SigningKey::from_bytes(&[33; 32]);
		let mut entries: Vec<_> = (1..=5).map(entry).collect();
		entries[4].price_per_gib = None;
		entries[2].ticket_key = Some(format!("0x{}", hex::encode(key3.verifying_key().to_bytes())));
		a[1].registry.update(&entries);
		for i in [1, 2] {
			on_chain(&mut a[i], 1 << 20);
			let t = terms(&a, 7, &path, u128::MAX);
			a[i].channels.as_mut().unwrap().update(t);
		}
		a[2].ticket_key = Some(key3.clone());
		let d = packet_via(&mut a, &path, 7, b"paid for");
		assert!(matches!(carry(&mut a, &path, d).0, Action::Deliver { .. }));
		a[2].poll_acks(2_000_000);
		let (to, ack, _) = a[2].take_transmits().pop().expect("an ack is due");
		assert_eq!(to, addr(2));
		// From somewhere else, or signed by another key: ignored and counted.
		assert_eq!(a[1].handle_ack(addr(4), &ack), Action::Drop(DropReason::UnexpectedSource));
		let mut forged = ack.clone();
		forged[ACK_DATAGRAM_LEN - 1] ^= 1;
		assert_eq!(a[1].handle_ack(addr(3), &forged), Action::Drop(DropReason::AckIgnored));
		assert_eq!(a[1].handle_ack(addr(3), &ack[..10]), Action::Drop(DropReason::Truncated));
		assert_eq!(a[1].handle_ack(addr(3), &ack), Action::Consumed);
		let usage = a[1].channels.as_ref().unwrap().usage();
		let kept = usage[0].ack.as_ref().expect("the downstream's ack");
		assert_eq!((kept.ack.hop, kept.ack.channel), (2, 7));
		assert_eq!(kept.ack.cumulative_bytes, usage[0].bytes_out);
	}

	fn expect_drop(dp: &mut Dataplane, from: SegmentId, mut d: Vec<u8>, reason: DropReason) {
		let before = dp.drops.get(reason);
		let fwd = dp.forwarded;
		assert_eq!(dp.handle_datagram(0, addr(from), &mut d), Action::Drop(reason));
		assert_eq!(dp.drops.get(reason), before + 1, "{reason:?} counted");
		assert_eq!(dp.forwarded, fwd, "nothing forwarded");
	}

	#[test]
	fn malformed_and_truncated_headers_are_dropped_and_counted() {
		let mut a = agents();
		let d = packet_via(&mut a, &[1, 2, 3], 1, b"x");
		for cut in [0, 1, 10, 16, encoded_len(3) - 1] {
			expect_drop(&mut a[1], 1, d[..cut].to_vec(), DropReason::Truncated);
		}
		let mut bad = d.clone();
		bad[0] = 9;
		expect_drop(&mut a[1], 1, bad, DropReason::BadVersion);
		let mut bad = d.clone();
		bad[5] = 1;
		expect_drop(&mut a[1], 1, bad, DropReason::Reserved);
		let mut bad = d.clone();
		bad[3] = 7;
		expect_drop(&mut a[1], 1, bad, DropReason::BadIndex);
		let mut bad = d;
		bad[2] = 9;
		expect_drop(&mut a[1], 1, bad, DropReason::TooManyHops);
	}

	#[test]
	fn bad_mac_hop_loop_and_ttl_are_dropped() {
		let mut a = agents();
		let d = packet_via(&mut a, &[1, 2, 3], 1, b"x");
		let mut bad = d.clone();
		let mac_at = encoded_len(3) - 2 * MAC_LEN;
		bad[mac_at] ^= 1;
		expect_drop(&mut a[1], 1, bad, DropReason::BadMac);
		// Hop 3 replaced by 4: hop 2's MAC no longer matches (the path is covered).
		let mut bad = d.clone();
		bad[FIXED_HEADER_LEN + 8..FIXED_HEADER_LEN + 12].copy_from_slice(&4u32.to_be_bytes());
		expect_drop(&mut a[1], 1, bad, DropReason::BadMac);
		let mut bad = d.clone();
		bad[FIXED_HEADER_LEN + 8..FIXED_HEADER_LEN + 12].copy_from_slice(&1u32.to_be_bytes());
		expect_drop(&mut a[1], 1, bad, DropReason::HopLoop);
		let mut bad = d.clone();
		bad[4] = 0;
		expect_drop(&mut a[1], 1, bad, DropReason::TtlExpired);
		let mut bad = d;
		bad[4] = 1;
		expect_drop(&mut a[1], 1, bad, DropReason::TtlExpired);
	}

	#[test]
	fn unknown_segments_wrong_source_and_misaddressed() {
		let mut a = agents();
		let d = packet_via(&mut a, &[1, 2, 3], 1, b"x");
		expect_drop(&mut a[2], 1, d.clone(), DropReason::NotForMe);
		let from_elsewhere: SocketAddr = "10.9.9.9:1".parse().unwrap();
		let before = a[1].drops.get(DropReason::UnexpectedSource);
		assert_eq!(
			a[1].handle_datagram(0, from_elsewhere, &mut d.clone()),
			Action::Drop(DropReason::UnexpectedSource)
		);
		assert_eq!(a[1].drops.get(DropReason::UnexpectedSource), before + 1);
		// An agent that does not know segment 3 cannot resolve the next hop.
		let entries: Vec<_> = [1, 2].into_iter().map(entry).collect();
		let mut lonely = Dataplane::new(
			Registry::new(2, secret(2), &entries, EndpointPolicy::test_bed()).unwrap(),
			Accounting::default(),
		);
		expect_drop(&mut lonely, 1, d, DropReason::UnknownSegment);
		// Nor can an ingress encapsulate towards an unknown segment.
		let mut buf = vec![0u8; HEADROOM + 1 + TAILROOM];
		assert_eq!(a[0].encapsulate(0, 1, &[1, 42], &mut buf, 1), Err(DropReason::UnknownSegment));
		assert_eq!(a[0].drops.get(DropReason::UnknownSegment), 1);
	}

	#[test]
	fn not_for_sale_does_not_relay_but_still_terminates() {
		let mut a = agents();
		let d = raw(&mut a[0], &[1, 5, 3], 1);
		expect_drop(&mut a[4], 1, d, DropReason::NotForSale);
		let d = packet_via(&mut a, &[1, 5], 2, b"x");
		let (act, _) = carry(&mut a, &[1, 5], d);
		assert!(matches!(act, Action::Deliver { .. }));
	}

	/// M12: encapsulation checked only the buffer, so a 2000-byte payload made a datagram
	/// longer than any receiver's buffer: truncated on the way, forwarded and billed.
	#[test]
	fn m12_oversize_payloads_are_refused_at_encapsulation() {
		let mut a = agents();
		establish(&mut a, &[1, 2, 3], 5);
		let fits = MAX_WIRE_LEN - encoded_len(3) - TRANSPORT_OVERHEAD;
		for (len, ok) in [(fits, true), (fits + 1, false), (4000, false)] {
			let mut buf = vec![0u8; HEADROOM + len + TAILROOM];
			let r = a[0].encapsulate(0, 5, &[1, 2, 3], &mut buf, len);
			assert_eq!(r.is_ok(), ok, "{len} bytes");
			if let Ok(t) = r {
				assert_eq!(t.range.len(), MAX_WIRE_LEN);
			}
		}
		assert_eq!(a[0].drops.get(DropReason::TooBig), 2);
	}

	/// L4: a relay forwarded outside its listed hours and while itself quarantined, unpaid.
	#[test]
	fn l4_relay_forwards_only_in_its_windows_and_while_active() {
		let mut a = agents();
		let mut entries: Vec<_> = (1..=5).map(entry).collect();
		entries[4].price_per_gib = None;
		entries[1].windows = vec![[22, 6]];
		a[1].registry.update(&entries);
		for (hour, forwards) in [(23, true), (3, true), (6, false), (12, false), (22, true)] {
			a[1].utc_hour = hour;
			let d = raw(&mut a[0], &[1, 2, 3], u64::from(hour));
			if forwards {
				let act = a[1].handle_datagram(0, addr(1), &mut d.clone());
				assert!(matches!(act, Action::Forward { .. }), "hour {hour}: {act:?}");
			} else {
				expect_drop(&mut a[1], 1, d, DropReason::OffDuty);
			}
		}
		// Quarantined (as the chain lists it): it relays for nobody, still terminates its own.
		entries[1].windows = vec![];
		entries[1].status = "quarantined".into();
		a[1].registry.update(&entries);
		let d = raw(&mut a[0], &[1, 2, 3], 99);
		expect_drop(&mut a[1], 1, d, DropReason::OffDuty);
	}

	#[test]
	fn replays_and_tampered_payloads_are_dropped() {
		let mut a = agents();
		let d1 = packet_via(&mut a, &[1, 2], 9, b"one");
		let d2 = packet_via(&mut a, &[1, 2], 9, b"two");
		let (act, _) = carry(&mut a, &[1, 2], d2.clone());
		assert!(matches!(act, Action::Deliver { .. }));
		// Out of order but new: accepted.
		let (act, _) = carry(&mut a, &[1, 2], d1.clone());
		assert!(matches!(act, Action::Deliver { .. }));
		expect_drop(&mut a[1], 1, d1, DropReason::Replay);
		expect_drop(&mut a[1], 1, d2.clone(), DropReason::Replay);
		// A fresh datagram (new counters) with its payload altered: the AEAD rejects it.
		let mut t = packet_via(&mut a, &[1, 2], 9, b"three");
		let n = t.len();
		t[n - 20] ^= 1;
		expect_drop(&mut a[1], 1, t, DropReason::Decrypt);
	}

	#[test]
	fn random_corruption_never_panics_and_every_datagram_is_accounted_for() {
		let mut a = agents();
		let good = packet_via(&mut a, &[1, 2, 3, 4], 5, &[0xab; 300]);
		// The handshake before it counts too.
		let (fwd0, drops0) = (a[1].forwarded, a[1].drops.total());
		let mut x = 0x1234_5678_9abc_def0u64;
		let mut rnd = move || {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			x
		};
		let hl = encoded_len(4);
		let (mut forwarded, mut dropped) = (0u64, 0u64);
		for _ in 0..5_000 {
			let mut d = good.clone();
			// Flip a byte of the header, or cut the datagram short.
			match rnd() % 4 {
				0 => d.truncate(rnd() as usize % d.len()),
				_ => {
					let at = rnd() as usize % hl;
					d[at] ^= 1 + (rnd() % 255) as u8;
				},
			}
			// What hop 1 cannot check: the next index and TTL (outside every MAC, by design),
			// the MACs of hops 2 and 3, which only they can verify, and the payload, which only
			// the egress can (its AEAD).
			let later_macs = FIXED_HEADER_LEN + 4 * 4 + 2 * MAC_LEN..hl;
			let unchecked = d.len() >= hl
				&& (0..hl).all(|k| d[k] == good[k] || k == 3 || k == 4 || later_macs.contains(&k));
			match a[1].handle_datagram(0, addr(1), &mut d) {
				Action::Forward { .. } => {
					assert!(unchecked, "forwarded a header corrupted where this hop checks");
					forwarded += 1;
					// Carry it on: whatever the later hops and the egress accept is intact.
					let mut act = a[2].handle_datagram(0, addr(2), &mut d);
					if matches!(act, Action::Forward { .. }) {
						act = a[3].handle_datagram(0, addr(3), &mut d);
					}
					if let Action::Deliver { payload, .. } = act {
						assert_eq!(&d[payload], &[0xab; 300][..], "delivered a corrupted payload");
					}
				},
				Action::Drop(_) => dropped += 1,
				other => panic!("hop 2 of 4 only forwards or drops: {other:?}"),
			}
		}
		assert_eq!(a[1].drops.total() - drops0, dropped);
		assert_eq!(a[1].forwarded - fwd0, forwarded);
	}

	/// Runs `f` on its own thread and waits at most `secs`, so an input that makes the data
	/// plane loop for ever fails the test instead of hanging the suite.
	fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
		let (tx, rx) = std::sync::mpsc::channel();
		std::thread::spawn(move || {
			let _ = tx.send(f());
		});
		rx.recv_timeout(std::time::Duration::from_secs(secs))
			.expect("the data plane hung or panicked on one datagram")
	}

	/// C1: the end of a session's counters was a hang (a window walking 2^64 slots); now a
	/// transport counter at or near `u64::MAX` is refused at once, whoever built it.
	#[test]
	fn c1_extreme_session_counters_are_refused_at_once() {
		let mut a = agents();
		let good = packet_via(&mut a, &[1, 2], 3, b"x");
		let hl = encoded_len(2);
		let acts = within(10, move || {
			let mut egress = a.remove(1);
			[u64::MAX, u64::MAX - 1, u64::MAX - 4096]
				.map(|c| {
					let mut d = good.clone();
					d[hl + 8..hl + 16].copy_from_slice(&c.to_be_bytes());
					egress.handle_datagram(0, addr(1), &mut d)
				})
				.to_vec()
		});
		for act in acts {
			assert!(
				matches!(act, Action::Drop(DropReason::Replay | DropReason::Decrypt)),
				"{act:?}"
			);
		}
	}

	/// C1, sender side: at the end of its hop counters an ingress refuses to send rather
	/// than wrap.
	#[test]
	fn c1_an_exhausted_hop_counter_does_not_send() {
		let mut a = agents();
		packet_via(&mut a, &[1, 2], 4, b"x");
		a[0].next_hop_counter = crate::replay::LAST_COUNTER;
		let mut buf = vec![0u8; HEADROOM + 1 + TAILROOM];
		assert_eq!(a[0].encapsulate(0, 4, &[1, 2], &mut buf, 1), Err(DropReason::CounterExhausted));
	}

	/// A flood of authenticated bad datagrams is counted in full but warned about at most
	/// once per interval.
	#[test]
	fn c1_drop_warnings_are_rate_limited() {
		let mut w = WarnLimit::default();
		let r = DropReason::CounterExhausted;
		assert_eq!(w.due(r, 0), Some(0));
		for t in 1..1000 {
			assert_eq!(w.due(r, t * 1000), None);
		}
		assert_eq!(w.due(DropReason::Replay, 5), Some(0), "each reason has its own limit");
		assert_eq!(w.due(r, WARN_EVERY_US), Some(999));
		assert_eq!(w.due(r, WARN_EVERY_US + 1), None);
		assert_eq!(w.due(r, 5), Some(1), "the clock stepped back");
	}

	/// M9: a full flow table scanned all 65 536 flows on every insert for the smallest
	/// `last_used_us`, the caller's clock: after the clock stepped back, the flow just used
	/// looked the oldest and was evicted. Eviction now follows use, at O(1).
	#[test]
	fn m9_eviction_evicts_the_least_recently_used_flow() {
		let mut a = agents();
		let key = a[0].registry.get(2).unwrap().key.to_bytes();
		let secret = a[0].registry.secret_bytes();
		for f in 0..MAX_FLOWS as u64 {
			let session = Initiator::new(f, secret, key, f as u32);
			a[0].insert_flow((2, f), Outbound { session, last_used_us: 100 });
		}
		assert_eq!(a[0].flow_count(), MAX_FLOWS);
		// The clock steps back 50 µs; flow 0 is used, then a new flow opens.
		let mut buf = vec![0u8; HEADROOM + 1 + TAILROOM];
		for f in [0, MAX_FLOWS as u64] {
			assert_eq!(a[0].encapsulate(50, f, &[1, 2], &mut buf, 1), Err(DropReason::NoSession));
		}
		assert_eq!(a[0].flow_count(), MAX_FLOWS);
		assert!(a[0].flows.contains(&(2, 0)), "the flow just used was evicted");
		assert!(!a[0].flows.contains(&(2, 1)), "the least recently used one stays");
	}

	/// M9 (the hop replay windows H1 added): one global LRU of 65 536 windows, about 20 MiB,
	/// that a member opening fresh flows filled alone, evicting every other ingress's windows,
	/// after which their recorded headers replayed as new.
	#[test]
	fn m9_hop_windows_are_bounded_and_shared_per_ingress() {
		let mut a = agents();
		// Ingress 1's flow through relay 2, seen once.
		let mut d1 = vec![0u8; MAX_HEADER_LEN + 8];
		let t = a[0].wrap(1, &[1, 2, 3], b"honest!!", &mut d1).unwrap();
		d1.truncate(t.range.end);
		let mut first = d1.clone();
		assert!(matches!(a[1].handle_datagram(0, addr(1), &mut first), Action::Forward { .. }));
		// Ingress 4 floods fresh flows through relay 2, more than the old table held.
		let mut d = vec![0u8; MAX_HEADER_LEN + 1];
		for f in 0..70_000u64 {
			let t = a[3].wrap(1_000 + f, &[4, 2, 3], b"x", &mut d).unwrap();
			let _ = a[1].handle_datagram(0, addr(4), &mut d[..t.range.end]);
		}
		assert!(a[1].hop_windows.len() <= MAX_HOP_WINDOWS);
		assert_eq!(a[1].hop_windows.owned_by(4), HOP_WINDOWS_PER_INGRESS);
		// Ingress 1's window is still there: its recorded header is a replay.
		assert_eq!(a[1].handle_datagram(0, addr(1), &mut d1), Action::Drop(DropReason::Replay));
	}

	/// M9: expiry walks from the least recently used end and stops at the first live flow.
	#[test]
	fn m9_expiry_forgets_idle_flows_oldest_first() {
		let mut a = agents();
		let mut buf = vec![0u8; HEADROOM + 1 + TAILROOM];
		for (f, t) in [(1, 10), (2, 20), (3, 30), (4, 40), (1, 45)] {
			let _ = a[0].encapsulate(t, f, &[1, 2], &mut buf, 1);
		}
		// Flow 1 was used again at 45; 2 is now the least recently used.
		a[0].expire_flows(35);
		assert_eq!(a[0].flow_count(), 2);
		assert!(a[0].flows.contains(&(2, 1)) && a[0].flows.contains(&(2, 4)));
	}
}
