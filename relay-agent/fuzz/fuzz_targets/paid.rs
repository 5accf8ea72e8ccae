//! Paid flows end to end, with valid keys, so the fuzzer reaches what lies past the MACs.
//!
//! Each input builds an ingress (segment 1), one or two relays (2, 3) and an egress (4), all
//! following one chain: real registries, channels 7 and 8 over the path with the consumer's
//! receipt key and the ingress's data key, ticket keys everywhere so acks flow upstream. The
//! rest of the input is a bounded sequence of operations on a simulated network: send at the
//! ingress, reply at the egress, deliver, pump, corrupt, cut or extend, replay, drop, reorder
//! and misdeliver datagrams, advance the clock (ms to minutes: rekeys, expiry, keepalives,
//! receipts and acks due), send receipts (valid, forged, foreign, smaller), change the chain
//! (top-ups, closes, settles, agents polling it late) and restart agents as the shell does.
//!
//! An input is four setup bytes (one relay or two; the credit window; channel 7's funds;
//! whether channel 8 is open, and priced over its cap; whether recovery is checked at the
//! end) and then at most [`MAX_OPS`]
//! operations of four bytes each, an opcode and three arguments ([`World::step`]). Seeds in
//! `seeds/paid` spell whole scenarios: a flow with receipts and acks, rekeys over minutes,
//! restarts, a credit window running out, tampering in flight.
//!
//! After every operation it checks:
//! - each datagram handled moves exactly one of forwarded, delivered, the drop counter of the
//!   reason given, or nothing for `Consumed` and `Reply`; an encapsulation moves `sent` or
//!   one drop counter;
//! - a forward goes to the registered address of the hop the rewritten header addresses;
//! - only the egress answers handshakes (only the channel's consumer key opens sessions), and
//!   a well-framed initiation is never dropped as malformed (`bad_session`);
//! - every payload delivered is one the other end sent, intact, to this agent, on its flow,
//!   at most once; at the egress only on a channel it holds open;
//! - flows, sessions, hop windows and channels stay within what the flows in play allow;
//! - a hop never counts more received on a channel than its latest receipt plus the credit
//!   window, nor more than the funds pay, nor (in one life) more than the ingress sent plus
//!   what the fuzzer appended to datagrams on the way;
//! - the receipts and acks a hop keeps are ones the consumer and the downstream hop signed;
//! - a hop never counts more sent on than it received, and restores what it saved;
//! - at the end (if the setup asks), channel 7 carries again once the network behaves
//!   ([`World::recovers`]).
//!
//! `PAID_TRACE=1` prints every operation and what each agent did, to read a crash by:
//! `PAID_TRACE=1 cargo +nightly fuzz run paid artifacts/paid/crash-...`.
#![no_main]

use std::{
	collections::{BTreeMap, HashMap, HashSet, VecDeque},
	net::SocketAddr,
	num::NonZeroUsize,
	sync::OnceLock,
};

use codec::{Decode, Encode};
use ditex_primitives::{
	registry::SegmentId,
	settlement::{Path, Receipt, SignedReceipt},
	wire::{peek_kind, AckDatagram, FlowId, Header, Kind},
	Hash,
};
use ditex_relay::{
	accounting::Accounting,
	channel::{Channels, Receipts, Terms},
	dataplane::{Action, Dataplane, DropCounters, DropReason, HEADROOM, TAILROOM},
	registry::{EndpointPolicy, PeerEntry, Registry},
	session::{INIT_LEN, SESSIONS_PER_CHANNEL},
};
use ed25519_dalek::{Signer, SigningKey};
use libfuzzer_sys::fuzz_target;
use x25519_dalek::{PublicKey, StaticSecret};

const INGRESS: SegmentId = 1;
const EGRESS: SegmentId = 4;
/// Channels the ingress pays for, and one the chain never opened.
const CHANNELS: [FlowId; 2] = [7, 8];
const UNKNOWN: FlowId = 9;
const FLOW_IDS: [FlowId; 3] = [7, 8, UNKNOWN];
const PRICE: u128 = 1_000_000;
const CHANNEL_CAP: usize = 16;
const MAX_OPS: usize = 256;
const MAX_IN_FLIGHT: usize = 64;
const HISTORY: usize = 32;
const PUMP: usize = 48;
/// The shell's idle time for flows.
const IDLE_US: u64 = 120_000_000;
/// Clock steps: ms to minutes, times 1..=16.
const STEPS_US: [u64; 8] =
	[1_000, 10_000, 250_000, 1_000_000, 5_000_000, 15_000_000, 60_000_000, 181_000_000];

fn tracing() -> bool {
	static T: OnceLock<bool> = OnceLock::new();
	*T.get_or_init(|| std::env::var_os("PAID_TRACE").is_some())
}

macro_rules! trace {
	($($t:tt)*) => {
		if tracing() {
			eprintln!($($t)*);
		}
	};
}

fn genesis() -> Hash {
	Hash::repeat_byte(1)
}

fn addr(id: SegmentId) -> SocketAddr {
	SocketAddr::from(([127, 0, 0, 1], 20_000 + id as u16))
}

fn id_of(a: SocketAddr) -> Option<SegmentId> {
	(a.ip() == std::net::Ipv4Addr::LOCALHOST).then(|| u32::from(a.port()).wrapping_sub(20_000))
}

fn secret(id: SegmentId) -> StaticSecret {
	StaticSecret::from([id as u8; 32])
}

/// Keys and registry views, made once: deriving a key costs more than most inputs.
struct Keys {
	/// Segments 1..=5 (5 is on no path), each with a ticket key; 5's also signs as a
	/// stranger to every channel.
	tickets: Vec<SigningKey>,
	/// The consumer's receipt key.
	consumer: SigningKey,
	/// The ingress's data-plane key, which opens its channels.
	data_key: [u8; 32],
	/// Each segment's view of the others, cloned per agent.
	registries: Vec<Registry>,
}

fn keys() -> &'static Keys {
	static K: OnceLock<Keys> = OnceLock::new();
	K.get_or_init(|| {
		let tickets: Vec<SigningKey> =
			(1..=5).map(|id| SigningKey::from_bytes(&[0x40 | id as u8; 32])).collect();
		let entries: Vec<PeerEntry> = (1..=5)
			.map(|id| {
				let mut e = PeerEntry::active(id, addr(id), &PublicKey::from(&secret(id)), 1000);
				let t = tickets[id as usize - 1].verifying_key().to_bytes();
				e.ticket_key = Some(format!("0x{}", hex::encode(t)));
				e
			})
			.collect();
		let registries = (1..=5)
			.map(|id| Registry::new(id, secret(id), &entries, EndpointPolicy::test_bed()).unwrap())
			.collect();
		Keys {
			tickets,
			consumer: SigningKey::from_bytes(&[3; 32]),
			data_key: PublicKey::from(&secret(INGRESS)).to_bytes(),
			registries,
		}
	})
}

fn ticket(id: SegmentId) -> SigningKey {
	keys().tickets[id as usize - 1].clone()
}

fn consumer() -> SigningKey {
	keys().consumer.clone()
}

fn registry(id: SegmentId) -> Registry {
	keys().registries[id as usize - 1].clone()
}

/// A payload of `len` (at least 8) bytes no other payload of the run has: its sequence
/// number, then bytes that follow from it.
fn payload(seq: u32, len: usize) -> Vec<u8> {
	let mut p: Vec<u8> =
		(0..len).map(|i| (seq as usize).wrapping_mul(31).wrapping_add(i) as u8).collect();
	p[..4].copy_from_slice(b"ditx");
	p[4..8].copy_from_slice(&seq.to_be_bytes());
	p
}

#[derive(Clone)]
struct Packet {
	to: SegmentId,
	from: SocketAddr,
	bytes: Vec<u8>,
}

struct Sent {
	to: SegmentId,
	flow: FlowId,
	len: usize,
	delivered: bool,
}

/// The chain's view of one channel.
struct OnChain {
	terms: Terms,
	/// Settled and gone: agents forget it when they next poll.
	gone: bool,
}

struct Agent {
	dp: Dataplane,
	/// What each channel had counted received when this life began.
	base_in: BTreeMap<FlowId, u64>,
}

struct World {
	path: Vec<SegmentId>,
	back: Vec<SegmentId>,
	agents: BTreeMap<SegmentId, Agent>,
	lives: BTreeMap<SegmentId, u64>,
	chain: BTreeMap<FlowId, OnChain>,
	credit: u64,
	now_us: u64,
	net: VecDeque<Packet>,
	history: VecDeque<Packet>,
	seq: u32,
	sent: HashMap<u32, Sent>,
	/// Every receipt the consumer signed for this chain, and every ack a hop signed.
	receipts: HashSet<Vec<u8>>,
	acks: HashSet<Vec<u8>>,
	/// Session-message bytes the ingress sent towards the egress, per flow.
	originated: BTreeMap<FlowId, u64>,
	/// Bytes the fuzzer appended to datagrams in flight.
	appended: u64,
	/// Whether the ingress or the egress restarted with its hop counters from zero (a clock
	/// stepped back): the hops take its headers for replays, by design, until they pass the
	/// old ones.
	stepped_back: bool,
}

/// Counters an operation on one data plane may move.
struct Before {
	forwarded: u64,
	delivered: u64,
	sent: u64,
	drops: DropCounters,
}

impl Before {
	fn of(dp: &Dataplane) -> Before {
		Before {
			forwarded: dp.forwarded,
			delivered: dp.delivered,
			sent: dp.sent,
			drops: dp.drops.clone(),
		}
	}

	/// `dp` moved exactly `forwarded`, `delivered`, `sent` and one drop for `dropped`.
	fn check(
		&self,
		dp: &Dataplane,
		forwarded: u64,
		delivered: u64,
		sent: u64,
		dropped: Option<DropReason>,
	) {
		assert_eq!(dp.forwarded, self.forwarded + forwarded, "forwarded");
		assert_eq!(dp.delivered, self.delivered + delivered, "delivered");
		assert_eq!(dp.sent, self.sent + sent, "sent");
		assert_eq!(dp.drops.total(), self.drops.total() + u64::from(dropped.is_some()), "drops");
		if let Some(r) = dropped {
			assert_eq!(dp.drops.get(r), self.drops.get(r) + 1, "{r:?} counted");
		}
	}
}

impl World {
	fn new(setup: [u8; 4]) -> World {
		let path: Vec<SegmentId> = if setup[0] & 1 == 1 { vec![1, 2, 3, 4] } else { vec![1, 2, 4] };
		let back = path.iter().rev().copied().collect();
		let credit = [1_500, 4_000, 16_000, 1 << 20][setup[1] as usize & 3];
		let mut chain = BTreeMap::new();
		// A unit of funds pays about 268 KiB / hops at these prices.
		let funds = [u128::from(setup[2]) * 16 + 1, 1 << 40];
		for (i, id) in CHANNELS.into_iter().enumerate() {
			if i == 1 && setup[3] & 1 == 0 {
				continue;
			}
			let n = path.len();
			let max_price_per_gib =
				if i == 1 && setup[3] & 2 != 0 { PRICE } else { PRICE * n as u128 };
			let terms = Terms {
				id,
				path: path.clone(),
				prices: vec![PRICE; n],
				max_price_per_gib,
				funds: funds[i],
				open: true,
				receipt_key: consumer().verifying_key().to_bytes(),
				data_key: keys().data_key,
			};
			chain.insert(id, OnChain { terms, gone: false });
		}
		let mut w = World {
			path,
			back,
			agents: BTreeMap::new(),
			lives: BTreeMap::new(),
			chain,
			credit,
			now_us: 1_000_000_000_000,
			net: VecDeque::new(),
			history: VecDeque::new(),
			seq: 0,
			sent: HashMap::new(),
			receipts: HashSet::new(),
			acks: HashSet::new(),
			originated: BTreeMap::new(),
			appended: 0,
			stepped_back: false,
		};
		for id in w.path.clone() {
			w.boot(id, None, true);
		}
		w
	}

	/// Start agent `id`, as the shell does: from `old`'s saved state if given (channels,
	/// receipts sent), its hop counters past every earlier life's unless `counters_past` is
	/// false (a clock stepped back), and the chain's terms read before it starts.
	fn boot(&mut self, id: SegmentId, old: Option<&Dataplane>, counters_past: bool) {
		self.stepped_back |= !counters_past && (id == INGRESS || id == EGRESS);
		let life = {
			let l = self.lives.entry(id).or_default();
			*l += 1;
			*l
		};
		let mut dp = Dataplane::new(registry(id), Accounting::default());
		if counters_past {
			dp.start_hop_counters(life << 40);
		}
		let cap = NonZeroUsize::new(CHANNEL_CAP).unwrap();
		dp.channels = Some(match old.and_then(|o| o.channels.as_ref()) {
			Some(ch) => {
				let saved = ch.snapshot();
				let restored = Channels::restore(id, genesis(), self.credit, cap, &saved)
					.expect("a router's own snapshot restores");
				assert_eq!(restored.snapshot(), saved, "a restored snapshot is the one saved");
				restored
			},
			None => Channels::new(id, genesis(), self.credit, cap),
		});
		dp.ticket_key = Some(ticket(id));
		if id == INGRESS {
			for f in CHANNELS {
				let Some(c) = self.chain.get(&f).filter(|c| !c.gone) else { continue };
				let mut r = Receipts::new(
					genesis(),
					f,
					Path::truncate_from(c.terms.path.clone()),
					consumer(),
				);
				if let Some(o) = old.and_then(|o| o.paying.get(&f)) {
					r.resume(o.sent_bytes());
				}
				dp.paying.insert(f, r);
			}
		}
		let mut agent = Agent { dp, base_in: BTreeMap::new() };
		self.poll(&mut agent);
		let usage = agent.dp.channels.as_ref().unwrap().usage();
		agent.base_in = usage.iter().map(|u| (u.channel, u.bytes_in)).collect();
		self.agents.insert(id, agent);
	}

	/// `agent` reads the chain: the terms of every channel, and forgets the settled ones.
	fn poll(&self, agent: &mut Agent) {
		let ch = agent.dp.channels.as_mut().unwrap();
		for (id, c) in &self.chain {
			if c.gone {
				if ch.forget(*id) {
					agent.base_in.remove(id);
				}
				agent.dp.paying.remove(id);
			} else {
				ch.update(c.terms.clone());
			}
		}
	}

	/// Put a datagram `from_id` sends to `to` on the network, noting what it carries.
	fn emit(&mut self, from_id: SegmentId, to: SocketAddr, bytes: Vec<u8>) {
		match peek_kind(&bytes) {
			// What the ingress builds: data it pays for, and the receipts its consumer signs.
			Ok(Kind::Data) if from_id == INGRESS => {
				let (h, hlen) =
					Header::parse(&bytes).expect("the ingress builds headers that parse");
				assert_eq!(h.ingress(), INGRESS);
				*self.originated.entry(h.flow).or_default() += (bytes.len() - hlen) as u64;
			},
			Ok(Kind::Receipt) if from_id == INGRESS => {
				let (_, hlen) = Header::parse(&bytes).expect("a receipt's header parses");
				let r = SignedReceipt::decode(&mut &bytes[hlen..]).expect("a receipt decodes");
				self.receipts.insert(r.encode());
			},
			Ok(Kind::Ack) => {
				let d = AckDatagram::parse(&bytes).expect("an ack parses");
				assert_eq!(d.sender, from_id);
				self.acks.insert(d.ack.encode());
			},
			// Forwarded: whatever a relay takes in may go on.
			other => assert!(matches!(other, Ok(Kind::Data | Kind::Receipt)), "{other:?} sent"),
		}
		let Some(to) = id_of(to).filter(|id| self.agents.contains_key(id)) else {
			panic!("{from_id} sent to {to}, no agent of the path")
		};
		if self.net.len() < MAX_IN_FLIGHT {
			self.net.push_back(Packet { to, from: addr(from_id), bytes });
		}
	}

	fn drain(&mut self, id: SegmentId) {
		let dp = &mut self.agents.get_mut(&id).unwrap().dp;
		let out = dp.take_transmits();
		for (to, d, charge) in out {
			// The socket takes everything; the network may lose it later.
			self.agents.get_mut(&id).unwrap().dp.commit(charge);
			self.emit(id, to, d);
		}
	}

	/// `id` sends a fresh payload of `len` bytes on `flow` along `path`.
	fn send(&mut self, id: SegmentId, flow: FlowId, len: usize) {
		let path = if id == INGRESS { self.path.clone() } else { self.back.clone() };
		let to = *path.last().unwrap();
		let seq = self.seq;
		self.seq += 1;
		let mut buf = vec![0u8; HEADROOM + len + TAILROOM];
		buf[HEADROOM..HEADROOM + len].copy_from_slice(&payload(seq, len));
		let now = self.now_us;
		let dp = &mut self.agents.get_mut(&id).unwrap().dp;
		let before = Before::of(dp);
		let r = dp.encapsulate(now, flow, &path, &mut buf, len);
		trace!("  {id} sends #{seq} ({len} bytes) on {flow}: {r:?}");
		match &r {
			Ok(_) => before.check(dp, 0, 0, 1, None),
			Err(why) => before.check(dp, 0, 0, 0, Some(*why)),
		}
		// Handshakes first, as they were queued.
		self.drain(id);
		if let Ok(t) = r {
			self.agents.get_mut(&id).unwrap().dp.commit(t.charge);
			self.sent.insert(seq, Sent { to, flow, len, delivered: false });
			self.emit(id, t.to, buf[t.range].to_vec());
		}
	}

	/// Hand `p` to its agent, check what it did, and put what it sends on the network.
	fn handle(&mut self, p: Packet) {
		if !self.agents.contains_key(&p.to) {
			return;
		}
		if self.history.len() == HISTORY {
			self.history.pop_front();
		}
		self.history.push_back(p.clone());
		let agent = self.agents.get_mut(&p.to).unwrap();
		let Packet { to: id, from, mut bytes } = p;
		let len = bytes.len();
		let dp = &mut agent.dp;
		let before = Before::of(dp);
		let ack = matches!(peek_kind(&bytes), Ok(Kind::Ack));
		// A well-framed handshake initiation at the end of its path.
		let init = !ack
			&& Header::parse(&bytes).is_ok_and(|(h, hlen)| {
				h.current() == id
					&& h.at_egress()
					&& bytes.len() - hlen == INIT_LEN
					&& bytes[hlen..hlen + 4] == [1, 0, 0, 0]
			});
		let act = if ack {
			dp.handle_ack(from, &bytes)
		} else {
			dp.handle_datagram(self.now_us, from, &mut bytes)
		};
		match &act {
			Action::Forward { .. } => before.check(dp, 1, 0, 0, None),
			Action::Deliver { .. } => before.check(dp, 0, 1, 0, None),
			Action::Drop(r) => before.check(dp, 0, 0, 0, Some(*r)),
			Action::Consumed | Action::Reply { .. } => before.check(dp, 0, 0, 0, None),
		}
		assert!(!ack || matches!(act, Action::Consumed | Action::Drop(_)), "an ack: {act:?}");
		trace!("  {id} <- {from} ({len} bytes): {act:?}");
		assert!(
			!(init && act == Action::Drop(DropReason::BadSession)),
			"{id} took a well-framed initiation for a malformed message"
		);
		match act {
			Action::Forward { to, charge } => {
				self.agents.get_mut(&id).unwrap().dp.commit(charge);
				assert_eq!(bytes.len(), len);
				let (h, _) = Header::parse(&bytes).expect("a forwarded header parses");
				assert_eq!(to, addr(h.current()), "forwarded elsewhere than the next hop");
				self.emit(id, to, bytes);
			},
			Action::Reply { to, range } => {
				assert_eq!(
					id, EGRESS,
					"a session opened with {id} by another key than the consumer's"
				);
				self.emit(id, to, bytes[range].to_vec());
			},
			Action::Deliver { from, flow, payload, charge } => {
				self.agents.get_mut(&id).unwrap().dp.commit(charge);
				self.delivered(id, from, flow, &bytes[payload])
			},
			Action::Consumed | Action::Drop(_) => {},
		}
		self.drain(id);
	}

	fn delivered(&mut self, id: SegmentId, from: SegmentId, flow: FlowId, p: &[u8]) {
		assert!(p.len() >= 8 && &p[..4] == b"ditx", "delivered a payload nobody sent: {p:?}");
		let seq = u32::from_be_bytes(p[4..8].try_into().unwrap());
		let s = self.sent.get_mut(&seq).expect("delivered a payload nobody sent");
		assert_eq!((s.to, s.flow, s.len), (id, flow, p.len()), "delivered elsewhere");
		assert_eq!(p, &payload(seq, s.len)[..], "delivered a corrupted payload");
		assert!(!s.delivered, "payload {seq} delivered twice");
		s.delivered = true;
		let other = if id == EGRESS { INGRESS } else { EGRESS };
		assert_eq!(from, other);
		if id == EGRESS {
			let t = self.agents[&id].dp.channels.as_ref().unwrap().terms(flow);
			assert!(t.is_some_and(|t| t.open), "delivered on channel {flow}, not open here");
		}
	}

	/// Deliver in order until the network is quiet.
	fn pump(&mut self, most: usize) {
		for _ in 0..most {
			let Some(p) = self.net.pop_front() else { break };
			self.handle(p);
		}
	}

	/// Whatever happened, channel 7 carries again once the network behaves: the datagrams in
	/// flight are lost, the agents read the chain, the consumer signs a receipt past what any
	/// hop counted, time passes beyond every session's end, and within six rounds of sending
	/// every six seconds (past a handshake's timeout and the silence that restarts one) a payload
	/// arrives. Not checked where no recovery is due: the channel closed or its funds spent, or
	/// an end's hop counters stepped back.
	fn recovers(&mut self) {
		const CH: FlowId = 7;
		let Some(c) = self.chain.get(&CH).filter(|c| c.terms.open && !c.gone) else { return };
		let payable = c.terms.payable_bytes().unwrap_or(u64::MAX);
		let most_in = self
			.agents
			.values()
			.flat_map(|a| a.dp.channels.as_ref().unwrap().usage())
			.filter(|u| u.channel == CH)
			.map(|u| u.bytes_in)
			.max()
			.unwrap_or(0);
		if self.stepped_back || most_in.saturating_add(1 << 16) > payable {
			return;
		}
		trace!("recovery: {most_in} bytes in at most, {payable} payable");
		self.net.clear();
		for id in self.path.clone() {
			let mut agent = self.agents.remove(&id).unwrap();
			self.poll(&mut agent);
			self.agents.insert(id, agent);
		}
		let r = Receipt {
			genesis: genesis(),
			channel: CH,
			path: Path::truncate_from(self.path.clone()),
			cumulative_bytes: most_in + (1 << 16),
		};
		let signature = consumer().sign(&r.signing_payload()).to_bytes();
		let signed = SignedReceipt { receipt: r, signature };
		let path = self.path.clone();
		let dp = &mut self.agents.get_mut(&INGRESS).unwrap().dp;
		dp.send_receipt(&path, &signed).expect("the ingress wraps a receipt for its path");
		self.drain(INGRESS);
		self.pump(256);
		self.now_us += 200_000_000;
		for _ in 0..6 {
			self.step(&[11, 0x80, 0, 0]);
			self.pump(256);
			let seq = self.seq;
			self.send(INGRESS, CH, 100);
			self.pump(256);
			self.check();
			if self.sent.get(&seq).is_some_and(|s| s.delivered) {
				return;
			}
			self.now_us += 6_000_000;
		}
		let drops: Vec<_> = self
			.agents
			.iter()
			.map(|(id, a)| (*id, a.dp.drops.nonzero().collect::<Vec<_>>()))
			.collect();
		panic!("channel {CH} did not recover: drops {drops:?}");
	}

	fn pick(&self, i: u8) -> Option<usize> {
		(!self.net.is_empty()).then(|| i as usize % self.net.len())
	}

	fn step(&mut self, op: &[u8]) {
		let (a, b, c) = (op[1], op[2], op[3]);
		let n = self.path.len();
		trace!(
			"op {} ({a}, {b}, {c}) at {} µs, {} in flight",
			op[0] % 16,
			self.now_us,
			self.net.len()
		);
		match op[0] % 16 {
			// Send at the ingress, or reply at the egress, `len` bytes on one of the flows.
			0 | 1 => {
				let id = if op[0] % 16 == 0 { INGRESS } else { EGRESS };
				let len = 8 + usize::from(u16::from_be_bytes([b, c])) % 2_100;
				self.send(id, FLOW_IDS[a as usize % 3], len);
			},
			2 => {
				if let Some(i) = self.pick(a) {
					let p = self.net.remove(i).unwrap();
					self.handle(p);
				}
			},
			// Deliver in order until the network is quiet (or long enough).
			3 => self.pump(PUMP),
			// Flip or overwrite a byte, counted from the start or from the end.
			4 => {
				if let Some(i) = self.pick(a >> 2) {
					let d = &mut self.net[i].bytes;
					if !d.is_empty() {
						let k = if a & 1 == 0 {
							b as usize % d.len()
						} else {
							d.len() - 1 - b as usize % d.len()
						};
						if a & 2 == 0 {
							d[k] ^= c.max(1)
						} else {
							d[k] = c
						}
					}
				}
			},
			// Cut a datagram short, or append bytes.
			5 => {
				if let Some(i) = self.pick(a >> 1) {
					let d = &mut self.net[i].bytes;
					if a & 1 == 0 {
						d.truncate(d.len().saturating_sub(b as usize + 1));
					} else {
						d.extend(std::iter::repeat_n(c, b as usize + 1));
						self.appended += u64::from(b) + 1;
					}
				}
			},
			// Replay a datagram as an agent received it before.
			6 => {
				if !self.history.is_empty() {
					let p = self.history[a as usize % self.history.len()].clone();
					self.handle(p);
				}
			},
			7 => {
				if let Some(i) = self.pick(a) {
					self.net.remove(i);
				}
			},
			8 => {
				if let (Some(i), Some(j)) = (self.pick(a), self.pick(b)) {
					self.net.swap(i, j);
				}
			},
			// To another agent of the path, from where it came or from a segment's address.
			9 => {
				if let Some(i) = self.pick(a) {
					let mut p = self.net.remove(i).unwrap();
					p.to = self.path[b as usize % n];
					if c & 1 == 1 {
						p.from = addr(u32::from(c >> 1) % 5 + 1);
					}
					self.handle(p);
				}
			},
			10 => self.now_us += STEPS_US[a as usize % 8] * (1 + u64::from(b % 16)),
			// The shell's timers at one agent or all: receipts and acks due, idle flows.
			11 => {
				let ids: Vec<SegmentId> =
					if a & 0x80 != 0 { self.path.clone() } else { vec![self.path[a as usize % n]] };
				for id in ids {
					let now = self.now_us;
					let dp = &mut self.agents.get_mut(&id).unwrap().dp;
					dp.poll_receipts(now);
					dp.poll_acks(now);
					dp.expire_flows(now.saturating_sub(IDLE_US));
					self.drain(id);
				}
			},
			12 => self.receipt(a, b, c),
			// Restart an agent, from its saved state or from nothing.
			13 => {
				let id = self.path[a as usize % n];
				let old = self.agents.remove(&id).unwrap();
				self.boot(id, (b & 1 == 1).then_some(&old.dp), b & 6 != 6);
			},
			// The chain: a top-up, a close, a settlement; agents read it when they poll.
			14 => {
				let f = CHANNELS[b as usize & 1];
				match a % 5 {
					0 => {
						if let Some(ch) = self.chain.get_mut(&f) {
							ch.terms.funds += (u128::from(c) + 1) * 16;
						}
					},
					1 => {
						if let Some(ch) = self.chain.get_mut(&f) {
							ch.terms.open = false;
						}
					},
					2 => {
						if let Some(ch) = self.chain.get_mut(&f).filter(|ch| !ch.terms.open) {
							ch.gone = true;
						}
					},
					3 => {
						for id in self.path.clone() {
							let mut agent = self.agents.remove(&id).unwrap();
							self.poll(&mut agent);
							self.agents.insert(id, agent);
						}
					},
					_ => {
						let id = self.path[c as usize % n];
						let mut agent = self.agents.remove(&id).unwrap();
						self.poll(&mut agent);
						self.agents.insert(id, agent);
					},
				}
			},
			_ => {},
		}
	}

	/// The ingress sends a receipt of its own making along the path: the consumer's, or
	/// forged, foreign or smaller.
	fn receipt(&mut self, a: u8, b: u8, c: u8) {
		let mut r = Receipt {
			genesis: genesis(),
			channel: CHANNELS[(a >> 4) as usize & 1],
			path: Path::truncate_from(self.path.clone()),
			cumulative_bytes: (u64::from(b) + 1) << (c & 15),
		};
		let mut key = consumer();
		let mut flip = false;
		match a % 6 {
			0 => {},
			1 => flip = true,
			2 => r.channel = UNKNOWN,
			3 => r.genesis = Hash::repeat_byte(2),
			4 => r.path = Path::truncate_from(self.back.clone()),
			_ => key = ticket(5),
		}
		let mut signature = key.sign(&r.signing_payload()).to_bytes();
		signature[0] ^= u8::from(flip);
		let signed = SignedReceipt { receipt: r, signature };
		if a % 6 == 0 {
			self.receipts.insert(signed.encode());
		}
		let path = self.path.clone();
		let dp = &mut self.agents.get_mut(&INGRESS).unwrap().dp;
		let before = Before::of(dp);
		dp.send_receipt(&path, &signed).expect("the ingress wraps a receipt for its path");
		before.check(dp, 0, 0, 0, None);
		let out = dp.take_transmits();
		for (to, d, _) in out {
			// Not the consumer's own: put on the network without noting it as signed.
			if id_of(to).is_some_and(|id| self.agents.contains_key(&id))
				&& self.net.len() < MAX_IN_FLIGHT
			{
				self.net.push_back(Packet {
					to: id_of(to).unwrap(),
					from: addr(INGRESS),
					bytes: d,
				});
			}
		}
	}

	/// The bounds every agent keeps, and the evidence it holds.
	fn check(&self) {
		let flows = FLOW_IDS.len();
		for (&id, agent) in &self.agents {
			let dp = &agent.dp;
			assert!(dp.flow_count() <= flows, "{id}: {} flows", dp.flow_count());
			// Only the consumer's key opens sessions, on the two channels the chain opened.
			assert!(
				dp.session_count() <= SESSIONS_PER_CHANNEL * CHANNELS.len(),
				"{id}: {} sessions",
				dp.session_count()
			);
			// Headers are built by the ingress and the egress only.
			assert!(
				dp.hop_window_count() <= 2 * flows,
				"{id}: {} hop windows",
				dp.hop_window_count()
			);
			let ch = dp.channels.as_ref().unwrap();
			assert!(ch.len() <= self.chain.len().min(CHANNEL_CAP));
			for u in ch.usage() {
				let terms = ch.terms(u.channel).expect("a channel in use has terms");
				if let Some(r) = &u.receipt {
					assert!(
						self.receipts.contains(&r.encode()),
						"{id} keeps a receipt the consumer never signed: {r:?}"
					);
					assert_eq!((r.receipt.genesis, r.receipt.channel), (genesis(), u.channel));
					assert_eq!(r.receipt.path.as_slice(), terms.path.as_slice());
				}
				if let Some(a) = &u.ack {
					assert!(
						self.acks.contains(&a.encode()),
						"{id} keeps an ack nobody signed: {a:?}"
					);
					assert_eq!((a.ack.channel, a.ack.hop), (u.channel, u.hop + 1));
				}
				// What went on (or was delivered) was received first; the ingress counts what
				// it sent as both.
				assert!(
					u.bytes_out <= u.bytes_in,
					"{id}: {} out of {} in on channel {}",
					u.bytes_out,
					u.bytes_in,
					u.channel
				);
				if u.hop == 0 {
					assert_eq!(u.bytes_in, u.bytes_out);
					continue;
				}
				let receipted = u.receipt.as_ref().map_or(0, |r| r.receipt.cumulative_bytes);
				assert!(
					u.bytes_in <= receipted.saturating_add(self.credit),
					"{id}: {} in on channel {} with a receipt for {receipted} and {} credit",
					u.bytes_in,
					u.channel,
					self.credit
				);
				if let Some(max) = terms.payable_bytes() {
					assert!(
						u.bytes_in <= max,
						"{id}: {} in on channel {}, funds pay {max}",
						u.bytes_in,
						u.channel
					);
				}
				let this_life =
					u.bytes_in.saturating_sub(agent.base_in.get(&u.channel).copied().unwrap_or(0));
				let sent = self.originated.get(&u.channel).copied().unwrap_or(0);
				assert!(
					this_life <= sent + self.appended,
					"{id} counted {this_life} in on channel {} this life; the ingress sent {sent}, {} appended",
					u.channel,
					self.appended
				);
			}
		}
	}
}

fuzz_target!(|data: &[u8]| {
	let Some((setup, ops)) = data.split_first_chunk::<4>() else { return };
	let mut w = World::new(*setup);
	let chain: Vec<_> =
		w.chain.values().map(|c| (c.terms.id, c.terms.funds, c.terms.max_price_per_gib)).collect();
	trace!("path {:?}, credit {}, channels (id, funds, max price) {chain:?}", w.path, w.credit);
	for op in ops.chunks_exact(4).take(MAX_OPS) {
		w.step(op);
		w.check();
	}
	if setup[3] & 4 != 0 {
		w.recovers();
	}
});
