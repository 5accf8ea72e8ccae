//! Pulses: the group members' mutual measurements, sans I/O.
//!
//! Every interval each agent sends every group peer an authenticated [`Pulse`]. The receiver
//! keeps, per peer, the relative one-way latency (receive time − send time on unsynchronised
//! clocks), jitter and loss. Clocks need not agree: along any two paths from A to Z the clock
//! offsets sum to the same (offset Z − offset A), so comparing summed relative latencies is
//! exact. A windowed minimum (the baseline) absorbs slow drift, and a baseline that only ever
//! climbs (or only ever falls) flags clock skew.
//!
//! A receiver only sees its inbound links. So each pulse carries a small summary: the echo
//! (what the sender measured of the receiver's pulses, so the receiver learns its outbound
//! link) and a few of the sender's own outbound links, round-robin, so every member learns the
//! legs of one- and two-relay detours. When an inbound link changes sharply the agent sends an
//! extra pulse at once (rate-limited), so the peer learns of its degraded outbound link within
//! one one-way delay rather than a whole interval.
//!
//! All times are microseconds the caller passes in (`now_us`); nothing here reads a clock.

use std::{
	collections::{HashMap, VecDeque},
	net::SocketAddr,
};

use ditex_primitives::{
	registry::SegmentId,
	wire::{Pulse, PulseEntry, LOSS_SCALE, MAX_PULSE_ENTRIES, MAX_PULSE_LEN},
};

use crate::{
	dataplane::DropReason,
	link::{LinkMetrics, LinkView, LOSS_DOWN},
	registry::Registry,
};

/// The largest relative one-way latency (either sign) taken in: what a pulse summary carries.
pub const MAX_RELATIVE_LATENCY_US: i64 = i32::MAX as i64;

/// Fresh pulses one peer may send per interval, sustained, and back to back. An honest peer
/// sends one a round plus at most one triggered one per quarter interval.
pub const MAX_PULSES_PER_INTERVAL: u64 = 8;

/// Regular pulses a peer may leave unanswered (no valid pulse back) before it is pulsed less
/// and less often: a registered endpoint that is no agent (a victim's address, a local
/// service) must not get a datagram a second from every member for ever.
pub const SILENT_AFTER: u32 = 8;

/// Past [`SILENT_AFTER`], the gap between pulses to a silent peer doubles up to this many
/// rounds; one valid pulse from the peer restores every round.
pub const MAX_SILENT_GAP: u32 = 64;

/// A pulse with a lower boot id than the peer's current one is a replay from an earlier boot
/// (boot ids only grow), unless the peer has been silent this many intervals: then it may
/// really have restarted having lost its state under a clock stepped back.
pub const OLD_BOOT_AFTER_SILENT_INTERVALS: u64 = 10;

/// The boot id for this start: above the last one used (`last`, persisted), and the wall
/// clock's seconds when they are higher, so ids only grow across restarts even when the state
/// is lost (a wall clock that also stepped back is what
/// [`OLD_BOOT_AFTER_SILENT_INTERVALS`] is for).
pub fn next_boot_id(last: u32, wall_s: u64) -> u32 {
	last.saturating_add(1).max(wall_s.min(u64::from(u32::MAX)) as u32)
}

/// Tunables of the pulse bookkeeping.
#[derive(Clone, Debug)]
pub struct PulseConfig {
	/// Time between pulses to each peer. Default 1 s.
	pub interval_us: u64,
	/// Pulses over which loss is computed. Default 16: short, so heavy loss shows in a few
	/// intervals.
	pub loss_window: u32,
	/// Width of one baseline bucket. Default 10 s.
	pub bucket_us: u64,
	/// Buckets in the baseline window (its minimum is the baseline). Default 6 (one minute).
	pub buckets: usize,
	/// A baseline that moves the same way over every bucket by at least this much is flagged
	/// as clock skew. Default 1 ms.
	pub skew_min_change_us: i64,
	/// A latency change that triggers an immediate extra pulse to the peer. Default 5 ms.
	pub trigger_us: i64,
	/// Learned (second-hand) links older than this are forgotten. Default 30 intervals.
	pub remote_ttl_us: u64,
}

impl Default for PulseConfig {
	fn default() -> Self {
		PulseConfig::with_interval(1_000_000)
	}
}

impl PulseConfig {
	/// The defaults scaled to `interval_us`.
	pub fn with_interval(interval_us: u64) -> Self {
		PulseConfig {
			interval_us,
			loss_window: 16,
			bucket_us: 10 * interval_us,
			buckets: 6,
			skew_min_change_us: 1_000,
			trigger_us: 5_000,
			remote_ttl_us: 30 * interval_us,
		}
	}
}

/// A windowed minimum over fixed buckets.
#[derive(Clone, Debug, Default)]
struct Baseline {
	buckets: VecDeque<(u64, i64)>,
	/// The bucket the first sample fell in, if it fell after that bucket's start.
	partial: Option<u64>,
}

impl Baseline {
	fn add(&mut self, now_us: u64, v: i64, cfg: &PulseConfig) {
		let idx = now_us / cfg.bucket_us.max(1);
		if self.buckets.is_empty() && !now_us.is_multiple_of(cfg.bucket_us.max(1)) {
			self.partial = Some(idx);
		}
		match self.buckets.back_mut() {
			Some((i, m)) if *i == idx => *m = (*m).min(v),
			_ => self.buckets.push_back((idx, v)),
		}
		while self.buckets.front().is_some_and(|(i, _)| i.saturating_add(cfg.buckets as u64) <= idx)
		{
			self.buckets.pop_front();
		}
	}

	fn min(&self) -> Option<i64> {
		self.buckets.iter().map(|(_, m)| *m).min()
	}

	/// Whether every complete bucket of a full window moved the same way, by at least the
	/// threshold.
	fn skewed(&self, cfg: &PulseConfig) -> bool {
		// The last bucket is still filling, and the first one may have started late: a
		// minimum over part of a bucket reads high, and an agent started beside busy
		// processes sees its first minutes slow, which would pass for a falling clock.
		let v: Vec<i64> = self
			.buckets
			.iter()
			.take(self.buckets.len().saturating_sub(1))
			.filter(|(i, _)| Some(*i) != self.partial)
			.map(|b| b.1)
			.collect();
		if v.len() + 1 < cfg.buckets || cfg.buckets < 3 {
			return false;
		}
		let up = v.windows(2).all(|w| w[1] > w[0]);
		let down = v.windows(2).all(|w| w[1] < w[0]);
		let change = (v[v.len() - 1] - v[0]).abs();
		(up || down) && change >= cfg.skew_min_change_us
	}
}

/// A peer's pulse allowance: a GCRA (the virtual-scheduling form of a token bucket), so one
/// number per peer.
#[derive(Clone, Copy, Debug, Default)]
struct Allowance {
	/// When the peer's allowance is back to full.
	tat_us: u64,
}

impl Allowance {
	fn admit(&mut self, now_us: u64, interval_us: u64) -> bool {
		let cost = (interval_us / MAX_PULSES_PER_INTERVAL).max(1);
		let burst = cost * MAX_PULSES_PER_INTERVAL;
		// Only a clock stepped back leaves this far ahead: start over rather than refuse the
		// peer for as long as the step.
		if self.tat_us > now_us.saturating_add(burst.saturating_mul(2)) {
			self.tat_us = now_us;
		}
		let tat = self.tat_us.max(now_us);
		if tat - now_us + cost > burst {
			return false;
		}
		self.tat_us = tat.saturating_add(cost);
		true
	}
}

/// What this agent measures of one peer's pulses.
#[derive(Clone, Debug)]
struct Inbound {
	boot_id: u32,
	first_seq: u32,
	highest_seq: u32,
	/// Bit `i` set: pulse `highest_seq - i` arrived.
	received: u64,
	nsamples: u64,
	last_latency: i64,
	/// The sample before `last_latency`, once there is one.
	prev_latency: Option<i64>,
	jitter_us: f64,
	last_rx_us: u64,
	baseline: Baseline,
	skew: bool,
	/// Kept across the peer's restarts: a new boot id must not buy a fresh allowance.
	allowance: Allowance,
}

impl Inbound {
	fn new(p: &Pulse) -> Self {
		Inbound {
			boot_id: p.boot_id,
			first_seq: p.seq,
			highest_seq: p.seq,
			received: 0,
			nsamples: 0,
			last_latency: 0,
			prev_latency: None,
			jitter_us: 0.0,
			last_rx_us: 0,
			baseline: Baseline::default(),
			skew: false,
			allowance: Allowance::default(),
		}
	}

	/// Whether [`Self::mark`] would take `seq`.
	fn is_new(&self, seq: u32) -> bool {
		if seq > self.highest_seq || self.received == 0 {
			return true;
		}
		let back = self.highest_seq - seq;
		back < 64 && self.received & (1 << back) == 0
	}

	/// Record `seq`; false if it was seen already or is too old to tell.
	fn mark(&mut self, seq: u32) -> bool {
		if seq > self.highest_seq || self.received == 0 {
			let shift = seq.wrapping_sub(self.highest_seq);
			self.received =
				if self.received == 0 || shift >= 64 { 0 } else { self.received << shift };
			self.received |= 1;
			self.highest_seq = seq;
			return true;
		}
		let back = self.highest_seq - seq;
		if back >= 64 || self.received & (1 << back) != 0 {
			return false;
		}
		self.received |= 1 << back;
		true
	}

	/// The lower of the latest two samples. One late pulse (a stalled host, a scheduler
	/// hiccup: tens to hundreds of ms on a busy machine) says nothing about the link, and
	/// routing's rounds cannot tell it from a slow link while it stays the latest sample; two
	/// late in a row can. A link that speeds up shows at once.
	fn latency(&self) -> i64 {
		self.prev_latency.map_or(self.last_latency, |p| p.min(self.last_latency))
	}

	fn loss_ppm(&self, now_us: u64, cfg: &PulseConfig) -> u32 {
		// In u64: a peer may jump from sequence 0 to u32::MAX.
		let span = (u64::from(self.highest_seq.saturating_sub(self.first_seq)) + 1)
			.min(u64::from(cfg.loss_window));
		let mask = if span >= 64 { u64::MAX } else { (1u64 << span) - 1 };
		let got = (self.received & mask).count_ones() as u64;
		// Silence counts as loss too: the peer should have sent one pulse per interval.
		let silent = now_us.saturating_sub(self.last_rx_us);
		// A pulse is overdue once half an interval has passed after it was due.
		let missing = silent.saturating_sub(cfg.interval_us / 2) / cfg.interval_us.max(1);
		let expected = span.saturating_add(missing);
		let lost = u128::from(expected - got.min(expected));
		(lost * 1_000_000 / u128::from(expected.max(1))) as u32
	}

	fn metrics(&self, now_us: u64, cfg: &PulseConfig) -> LinkMetrics {
		LinkMetrics {
			latency_us: self.latency(),
			baseline_us: self.baseline.min().unwrap_or(self.last_latency),
			jitter_us: self.jitter_us as u32,
			loss_ppm: self.loss_ppm(now_us, cfg),
			updated_us: self.last_rx_us,
		}
	}
}

/// A link learned from a peer's pulse.
#[derive(Clone, Debug)]
struct Learned {
	metrics: LinkMetrics,
	baseline: Baseline,
}

/// Counters of the pulse machinery.
#[derive(Clone, Debug, Default)]
pub struct PulseStats {
	/// Pulses sent.
	pub sent: u64,
	/// Bytes of pulses sent (UDP payload).
	pub bytes_sent: u64,
	/// Pulses accepted.
	pub received: u64,
	/// Bytes of pulses accepted.
	pub bytes_received: u64,
	/// Extra pulses sent because an inbound link changed sharply.
	pub triggered: u64,
	/// Regular pulses not sent to peers that have not answered for a while.
	pub silent_skipped: u64,
}

/// Send times kept per peer, for the status.
pub const RECENT_SENDS: usize = 4;

/// What this agent sends one peer.
#[derive(Clone, Debug, Default)]
struct Outbound {
	next_seq: u32,
	/// Where the next summary starts.
	cursor: usize,
	/// Send times of the latest pulses, oldest first.
	sent_us: VecDeque<u64>,
	/// Regular pulses sent since the peer's latest valid pulse.
	unanswered: u32,
	/// Regular rounds still to skip before pulsing the silent peer again.
	skip: u32,
}

impl Outbound {
	/// Whether this round's regular pulse goes out; if it does, it counts as unanswered until
	/// the peer's next valid pulse, and enough of those space the next ones out.
	fn regular_due(&mut self) -> bool {
		if self.skip > 0 {
			self.skip -= 1;
			return false;
		}
		self.unanswered = self.unanswered.saturating_add(1);
		if self.unanswered >= SILENT_AFTER {
			let doublings = (self.unanswered - SILENT_AFTER + 1).min(MAX_SILENT_GAP.ilog2());
			self.skip = (1u32 << doublings) - 1;
		}
		true
	}
}

/// The pulse bookkeeping of one agent.
pub struct Pulses {
	me: SegmentId,
	boot_id: u32,
	cfg: PulseConfig,
	inbound: HashMap<SegmentId, Inbound>,
	outbound: HashMap<SegmentId, Outbound>,
	learned: HashMap<(SegmentId, SegmentId), Learned>,
	/// Peers owed an immediate pulse, with the time the last triggered one went out.
	urgent: Vec<SegmentId>,
	last_triggered: HashMap<SegmentId, u64>,
	/// Bumped whenever a link changes sharply: the router should look again.
	changed: bool,
	/// Counters.
	pub stats: PulseStats,
}

impl Pulses {
	/// Bookkeeping for agent `me`, which picked `boot_id` at start.
	pub fn new(me: SegmentId, boot_id: u32, cfg: PulseConfig) -> Self {
		Pulses {
			me,
			boot_id,
			cfg,
			inbound: HashMap::new(),
			outbound: HashMap::new(),
			learned: HashMap::new(),
			urgent: Vec::new(),
			last_triggered: HashMap::new(),
			changed: false,
			stats: PulseStats::default(),
		}
	}

	/// The configuration.
	pub fn config(&self) -> &PulseConfig {
		&self.cfg
	}

	/// Whether a link changed sharply since the last call (and reset the flag).
	pub fn take_changed(&mut self) -> bool {
		std::mem::take(&mut self.changed)
	}

	/// Emit pulses through `emit(to, bytes)`: with `regular`, the round to every peer in
	/// `peers` (the caller's interval timer says when); always, the triggered ones owed. The
	/// caller's timer, not this type, keeps the cadence, so rounds never drift with traffic.
	/// `clock_us` is this agent's wall clock, stamped as the send time.
	pub fn poll_transmit(
		&mut self,
		now_us: u64,
		clock_us: u64,
		registry: &Registry,
		peers: &[SegmentId],
		regular: bool,
		mut emit: impl FnMut(SocketAddr, &[u8]),
	) {
		let mut due: Vec<SegmentId> = std::mem::take(&mut self.urgent);
		if regular {
			due.clear();
			due.extend_from_slice(peers);
		} else {
			self.stats.triggered += due.len() as u64;
		}
		let mut buf = [0u8; MAX_PULSE_LEN];
		for peer in due {
			let (Ok(keys), Ok(to)) = (registry.keys(peer), registry.endpoint(peer)) else {
				continue;
			};
			if regular && !self.outbound.entry(peer).or_default().regular_due() {
				self.stats.silent_skipped += 1;
				continue;
			}
			let mut p = self.build(now_us, clock_us, peer, peers);
			p.mac = keys.pulse_mac(&p, peer);
			if let Ok(n) = p.write(&mut buf) {
				if let Some(o) = self.outbound.get_mut(&peer) {
					if o.sent_us.len() == RECENT_SENDS {
						o.sent_us.pop_front();
					}
					o.sent_us.push_back(p.send_time_us);
				}
				self.stats.sent += 1;
				self.stats.bytes_sent += n as u64;
				emit(to, &buf[..n]);
			}
		}
	}

	fn build(&mut self, now_us: u64, clock_us: u64, to: SegmentId, peers: &[SegmentId]) -> Pulse {
		let (seq, cursor) = {
			let o = self.outbound.entry(to).or_default();
			o.next_seq = o.next_seq.wrapping_add(1);
			(o.next_seq.wrapping_sub(1), o.cursor)
		};
		let mut p = Pulse::new(self.me, seq, clock_us, self.boot_id);
		if let Some(i) = self.inbound.get(&to) {
			p.push(entry(to, &i.metrics(now_us, &self.cfg)));
		}
		// The rest: this agent's outbound links (learned from echoes), round-robin.
		let mut k = 0;
		let n = peers.len();
		while p.entries().len() < MAX_PULSE_ENTRIES && k < n {
			let peer = peers[(cursor + k) % n];
			k += 1;
			if peer == to {
				continue;
			}
			if let Some(l) = self.learned.get(&(self.me, peer)) {
				if now_us.saturating_sub(l.metrics.updated_us) <= self.cfg.remote_ttl_us {
					p.push(entry(peer, &l.metrics));
				}
			}
		}
		if let Some(o) = self.outbound.get_mut(&to) {
			o.cursor = if n == 0 { 0 } else { (cursor + k) % n };
		}
		p
	}

	/// [`Self::handle_pulse_at`] with one clock for both (simulations and tests).
	pub fn handle_pulse(
		&mut self,
		now_us: u64,
		from: SocketAddr,
		buf: &[u8],
		registry: &Registry,
		check_source: bool,
	) -> Result<SegmentId, DropReason> {
		self.handle_pulse_at(now_us, now_us, from, buf, registry, check_source)
	}

	/// Take one received pulse datagram at `now_us` (the monotonic time every timer here runs
	/// on), received at `clock_us` on this agent's wall clock (what the sender's send time is
	/// compared with). Returns the sender, or why it was dropped (the caller counts it).
	pub fn handle_pulse_at(
		&mut self,
		now_us: u64,
		clock_us: u64,
		from: SocketAddr,
		buf: &[u8],
		registry: &Registry,
		check_source: bool,
	) -> Result<SegmentId, DropReason> {
		let p = Pulse::parse(buf)?;
		let sender = p.sender;
		let endpoint = registry.endpoint(sender)?;
		if check_source && endpoint.ip() != from.ip() {
			return Err(DropReason::UnexpectedSource);
		}
		registry.keys(sender)?.verify_pulse(&p, self.me)?;
		let cfg = self.cfg.clone();
		// Summaries carry relative latencies as i32, so a clock further off than that cannot be
		// compared anyway; refusing it here, before any state changes, also keeps every
		// difference taken below far from i64's ends whatever send time a member stamps.
		let latency = i128::from(clock_us) - i128::from(p.send_time_us);
		if latency.unsigned_abs() > MAX_RELATIVE_LATENCY_US as u128 {
			return Err(DropReason::ClockOffset);
		}
		let latency = latency as i64;
		let inb = self.inbound.entry(sender).or_insert_with(|| Inbound::new(&p));
		let restarted = inb.boot_id != p.boot_id;
		if !restarted && !inb.is_new(p.seq) {
			return Err(DropReason::StalePulse);
		}
		// A pulse recorded in an earlier boot and replayed (pulse keys are static) would pass
		// for a restart and reset the link's state.
		let silent = now_us.saturating_sub(inb.last_rx_us);
		if p.boot_id < inb.boot_id && silent < OLD_BOOT_AFTER_SILENT_INTERVALS * cfg.interval_us {
			return Err(DropReason::StalePulse);
		}
		// Only fresh pulses count against the allowance: replays are refused above, so an
		// on-path replayer cannot use up a peer's allowance and mute it.
		if !inb.allowance.admit(now_us, cfg.interval_us) {
			return Err(DropReason::PulseFlood);
		}
		if restarted {
			// The peer restarted: its sequence starts over.
			let allowance = inb.allowance;
			*inb = Inbound::new(&p);
			inb.allowance = allowance;
		}
		// A pulse overtaken by a later one still counts as arrived, but its summary is older
		// than what the later one said and must not overwrite it.
		let newest = inb.received == 0 || p.seq > inb.highest_seq;
		if !inb.mark(p.seq) {
			return Err(DropReason::StalePulse);
		}
		let before = inb.latency();
		let had = inb.nsamples > 0;
		let lost_before = inb.loss_ppm(now_us, &cfg);
		if had {
			let d = latency.abs_diff(inb.last_latency) as f64;
			inb.jitter_us += (d - inb.jitter_us) / 16.0;
		}
		inb.nsamples += 1;
		inb.prev_latency = had.then_some(inb.last_latency);
		inb.last_latency = latency;
		inb.last_rx_us = now_us;
		inb.baseline.add(now_us, latency, &cfg);
		let skew = inb.baseline.skewed(&cfg);
		if skew && !inb.skew {
			tracing::warn!(peer = sender, "clock skew: relative latency only moves one way");
		}
		inb.skew = skew;
		let sharp = !had
			|| inb.latency().abs_diff(before) >= cfg.trigger_us.unsigned_abs()
			|| inb.loss_ppm(now_us, &cfg).abs_diff(lost_before) >= 50_000;
		if sharp {
			self.changed = true;
			let last = self.last_triggered.get(&sender).copied().unwrap_or(0);
			if had && now_us.saturating_sub(last) >= cfg.interval_us / 4 {
				self.last_triggered.insert(sender, now_us);
				self.urgent.push(sender);
			}
		}
		// Summaries are only about links inside the group: those are the legs routing uses, and
		// anything else would let a member grow `learned` with ids of its choosing.
		let in_group = registry.in_group(sender);
		for e in p.entries().iter().filter(|e| newest && in_group && registry.in_group(e.peer)) {
			let key = if e.peer == self.me { (self.me, sender) } else { (sender, e.peer) };
			let m = LinkMetrics {
				latency_us: e.latency_us as i64,
				baseline_us: e.latency_us as i64,
				jitter_us: e.jitter_us as u32,
				loss_ppm: e.loss as u32 * (1_000_000 / LOSS_SCALE as u32),
				updated_us: now_us,
			};
			let l = self
				.learned
				.entry(key)
				.or_insert_with(|| Learned { metrics: m, baseline: Baseline::default() });
			if (l.metrics.latency_us - m.latency_us).abs() >= cfg.trigger_us
				|| l.metrics.loss_ppm.abs_diff(m.loss_ppm) >= 50_000
			{
				self.changed = true;
			}
			l.baseline.add(now_us, m.latency_us, &cfg);
			l.metrics = LinkMetrics { baseline_us: l.baseline.min().unwrap_or(m.latency_us), ..m };
		}
		// The peer is an agent that answers: pulse it every round again.
		if let Some(o) = self.outbound.get_mut(&sender) {
			o.unanswered = 0;
			o.skip = 0;
		}
		self.stats.received += 1;
		self.stats.bytes_received += buf.len() as u64;
		Ok(sender)
	}

	/// Forget what no longer matters: links with an end that left the group, second-hand links
	/// past [`PulseConfig::remote_ttl_us`] (which [`Self::link`] already hides), and peers no
	/// longer registered. This agent's own outbound links stay while the peer is in the group:
	/// gone silent they read as down, and routing must see that. What this agent sends each
	/// peer stays too: a peer that comes back would refuse a sequence restarted under the same
	/// boot id as stale.
	pub fn prune(&mut self, now_us: u64, registry: &Registry) {
		let (me, ttl) = (self.me, self.cfg.remote_ttl_us);
		self.learned.retain(|(from, to), l| {
			registry.in_group(*from)
				&& registry.in_group(*to)
				&& (*from == me || now_us.saturating_sub(l.metrics.updated_us) <= ttl)
		});
		self.inbound.retain(|id, _| registry.get(*id).is_some());
		self.last_triggered.retain(|id, _| registry.get(*id).is_some());
	}

	/// What is known of the link `from → to` at `now_us`. Links measured here (into this
	/// agent) and echoes (out of it) that went silent for three intervals read as down;
	/// second-hand links are forgotten after [`PulseConfig::remote_ttl_us`].
	pub fn link(&self, from: SegmentId, to: SegmentId, now_us: u64) -> Option<LinkMetrics> {
		let stale = 3 * self.cfg.interval_us;
		if to == self.me {
			let m = self.inbound.get(&from)?.metrics(now_us, &self.cfg);
			return Some(m);
		}
		let l = self.learned.get(&(from, to))?;
		let age = now_us.saturating_sub(l.metrics.updated_us);
		if from == self.me && age > stale {
			return Some(LinkMetrics { loss_ppm: LOSS_DOWN, ..l.metrics });
		}
		(age <= self.cfg.remote_ttl_us).then_some(l.metrics)
	}

	/// Per peer, the send times (as stamped) of the latest [`RECENT_SENDS`] pulses, oldest
	/// first: regular and triggered alike, so a status written each round shows the extra ones.
	pub fn recent_sends(&self) -> Vec<(SegmentId, Vec<u64>)> {
		let mut v: Vec<_> = self
			.outbound
			.iter()
			.filter(|(_, o)| !o.sent_us.is_empty())
			.map(|(peer, o)| (*peer, o.sent_us.iter().copied().collect()))
			.collect();
		v.sort_unstable();
		v
	}

	/// Whether the peer's clock looks skewed against ours.
	pub fn skewed(&self, peer: SegmentId) -> bool {
		self.inbound.get(&peer).is_some_and(|i| i.skew)
	}

	/// Every link known at `now_us`, for status output.
	pub fn links(&self, now_us: u64) -> Vec<(SegmentId, SegmentId, LinkMetrics)> {
		let mut v: Vec<_> = self
			.inbound
			.keys()
			.map(|f| (*f, self.me))
			.chain(self.learned.keys().copied())
			.filter_map(|(f, t)| self.link(f, t, now_us).map(|m| (f, t, m)))
			.collect();
		v.sort_by_key(|(f, t, _)| (*f, *t));
		v
	}
}

fn entry(peer: SegmentId, m: &LinkMetrics) -> PulseEntry {
	PulseEntry {
		peer,
		latency_us: m.latency_us.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
		jitter_us: m.jitter_us.min(u16::MAX as u32) as u16,
		loss: (m.loss_ppm.min(1_000_000) / (1_000_000 / LOSS_SCALE as u32)) as u16,
	}
}

/// The links [`Pulses`] knows at one instant, as the router reads them.
pub struct PulseView<'a> {
	/// The bookkeeping.
	pub pulses: &'a Pulses,
	/// The local time to judge freshness at.
	pub now_us: u64,
}

impl LinkView for PulseView<'_> {
	fn link(&self, from: SegmentId, to: SegmentId) -> Option<LinkMetrics> {
		self.pulses.link(from, to, self.now_us)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::registry::{
		tests::{entry as peer_entry, secret},
		EndpointPolicy,
	};

	fn reg(id: SegmentId) -> Registry {
		let e: Vec<_> = (1..=3).map(peer_entry).collect();
		Registry::new(id, secret(id), &e, EndpointPolicy::test_bed()).unwrap()
	}

	fn addr(id: SegmentId) -> SocketAddr {
		format!("127.0.0.1:{}", 20000 + id).parse().unwrap()
	}

	/// Send one round from `a` to `b` with `b`'s clock `offset` ahead and `delay` on the wire.
	fn round(
		a: &mut Pulses,
		ra: &Registry,
		b: &mut Pulses,
		rb: &Registry,
		now: u64,
		delay: u64,
		offset: u64,
	) {
		let mut out = vec![];
		a.poll_transmit(now, now, ra, &[b.me], true, |to, d| out.push((to, d.to_vec())));
		for (_, d) in out {
			b.handle_pulse(now.wrapping_add(delay).wrapping_add(offset), addr(a.me), &d, rb, true)
				.unwrap();
		}
	}

	/// A pulse from `from` to `to` with whatever sequence and send time its sender (a member
	/// holding the pulse key) chooses.
	fn crafted(from: &Registry, to: SegmentId, seq: u32, send_time_us: u64) -> Vec<u8> {
		crafted_with(from, to, seq, send_time_us, 7, &[])
	}

	/// The same, with a boot id and summary entries of the sender's choosing.
	fn crafted_with(
		from: &Registry,
		to: SegmentId,
		seq: u32,
		send_time_us: u64,
		boot_id: u32,
		peers: &[SegmentId],
	) -> Vec<u8> {
		let mut p = Pulse::new(from.me(), seq, send_time_us, boot_id);
		for peer in peers {
			p.push(PulseEntry { peer: *peer, latency_us: 1_000, jitter_us: 0, loss: 0 });
		}
		p.mac = from.keys(to).unwrap().pulse_mac(&p, to);
		let mut buf = [0u8; MAX_PULSE_LEN];
		let n = p.write(&mut buf).unwrap();
		buf[..n].to_vec()
	}

	fn in_wire_range(m: &LinkMetrics) -> bool {
		m.latency_us.unsigned_abs() <= i32::MAX as u64
			&& m.baseline_us.unsigned_abs() <= i32::MAX as u64
			&& m.loss_ppm <= LOSS_DOWN
	}

	/// M7: send times at the ends of the range made `latency - last_latency` overflow i64.
	#[test]
	fn m7_extreme_send_times_do_not_overflow() {
		let (ra, rb) = (reg(1), reg(2));
		let mut b = Pulses::new(2, 8, PulseConfig::default());
		let now = 1_700_000_000_000_000u64;
		let sends = [1u64 << 63, i64::MAX as u64, u64::MAX, 0, 1 << 63, now + (1 << 40)];
		for (k, t) in sends.into_iter().enumerate() {
			let at = now + k as u64 * 1_000_000;
			let r = b.handle_pulse(at, addr(1), &crafted(&ra, 2, k as u32, t), &rb, true);
			assert_eq!(r, Err(DropReason::ClockOffset), "send time {t}");
			if let Some(m) = b.link(1, 2, at) {
				assert!(in_wire_range(&m), "{m:?}");
			}
		}
		// An honest pulse after them is measured as if they had never come.
		let at = now + 10_000_000;
		let r = b.handle_pulse(at, addr(1), &crafted(&ra, 2, 10, at - 3_000), &rb, true);
		assert_eq!(r, Ok(1));
		assert_eq!(b.link(1, 2, at).unwrap().latency_us, 3_000);
		assert!(b.urgent.is_empty() && b.learned.is_empty());
	}

	/// M7: relative latencies at the edges of what is accepted, back to back, and a clock far
	/// from ours on either side.
	#[test]
	fn m7_relative_latency_at_the_limits() {
		let (ra, rb) = (reg(1), reg(2));
		let mut b = Pulses::new(2, 8, PulseConfig::default());
		let now = 1u64 << 62;
		let max = MAX_RELATIVE_LATENCY_US as u64;
		let sends =
			[(now - max, true), (now + max, true), (now - max, true), (now + max + 1, false)];
		for (k, (t, ok)) in sends.into_iter().enumerate() {
			let r = b.handle_pulse(now, addr(1), &crafted(&ra, 2, k as u32, t), &rb, true);
			assert_eq!(r.is_ok(), ok, "send time now {:+}", t as i128 - now as i128);
			assert!(in_wire_range(&b.link(1, 2, now).unwrap()));
		}
		assert_eq!(
			b.handle_pulse(now, addr(1), &crafted(&ra, 2, 9, now - max - 1), &rb, true),
			Err(DropReason::ClockOffset)
		);
		// And our own clock at its ends.
		for now in [0, u64::MAX] {
			let mut b = Pulses::new(2, 8, PulseConfig::default());
			let _ = b.handle_pulse(now, addr(1), &crafted(&ra, 2, 0, now), &rb, true);
			for later in [now, now.saturating_add(1), u64::MAX] {
				if let Some(m) = b.link(1, 2, later) {
					assert!(in_wire_range(&m), "{m:?}");
				}
			}
		}
	}

	/// M7: a sequence jump from 0 to `u32::MAX` made the loss span overflow u32.
	#[test]
	fn m7_sequence_jumps_do_not_overflow() {
		let (ra, rb) = (reg(1), reg(2));
		let now = 1_700_000_000_000_000u64;
		for seqs in [[0, u32::MAX, 5], [u32::MAX, 0, 1], [1, 1 << 31, u32::MAX]] {
			let mut b = Pulses::new(2, 8, PulseConfig::default());
			for (k, seq) in seqs.into_iter().enumerate() {
				let at = now + k as u64 * 1_000_000;
				let _ = b.handle_pulse(at, addr(1), &crafted(&ra, 2, seq, at - 1_000), &rb, true);
				let m = b.link(1, 2, at).unwrap();
				assert!(in_wire_range(&m), "{seqs:?}: {m:?}");
			}
		}
	}

	/// Segments 1..=3 in group 1 and 4 in group 2, as `id` sees them.
	fn two_groups(id: SegmentId) -> Registry {
		let mut e: Vec<_> = (1..=4).map(peer_entry).collect();
		e[3].group = Some(2);
		Registry::new(id, secret(id), &e, EndpointPolicy::test_bed()).unwrap()
	}

	/// H6: a member could fill `learned` with entries for any peer id it liked, 4 a pulse.
	#[test]
	fn h6_learned_entries_are_group_members_only() {
		let (ra, rb) = (two_groups(1), two_groups(2));
		let mut b = Pulses::new(2, 8, PulseConfig::default());
		let t0 = 1u64 << 50;
		for k in 0..1_000u32 {
			let at = t0 + u64::from(k) * 1_000_000;
			let fresh: Vec<SegmentId> = (0..4).map(|j| 100 + 4 * k + j).collect();
			let d = crafted_with(&ra, 2, k, at - 1_000, 7, &fresh);
			assert_eq!(b.handle_pulse(at, addr(1), &d, &rb, true), Ok(1));
			assert!(b.learned.is_empty(), "learned {} links of unknown peers", b.learned.len());
		}
		// Of a group member, this agent and a segment of another group, the first two count.
		let at = t0 + 1_000 * 1_000_000;
		let d = crafted_with(&ra, 2, 1_000, at - 1_000, 7, &[3, 2, 4]);
		assert_eq!(b.handle_pulse(at, addr(1), &d, &rb, true), Ok(1));
		let mut keys: Vec<_> = b.learned.keys().copied().collect();
		keys.sort_unstable();
		assert_eq!(keys, [(1, 3), (2, 1)]);
	}

	/// H6: pulses were not rate-limited, so a member could send as many as it liked (each one
	/// worth state and a "changed" flag). Fresh ones beyond an interval's worth are refused,
	/// and a new boot id every pulse does not get round it.
	#[test]
	fn h6_pulse_floods_are_rate_limited() {
		let (ra, rb) = (reg(1), reg(2));
		let cfg = PulseConfig::default();
		let t0 = 1u64 << 50;
		for new_boot_each_time in [false, true] {
			let mut b = Pulses::new(2, 8, cfg.clone());
			let mut ok = 0;
			let mut sent = vec![];
			for k in 0..10_000u32 {
				let at = t0 + u64::from(k) * 10;
				let boot = if new_boot_each_time { k } else { 7 };
				let d = crafted_with(&ra, 2, k, at - 1_000, boot, &[]);
				match b.handle_pulse(at, addr(1), &d, &rb, true) {
					Ok(_) => ok += 1,
					Err(e) => assert_eq!(e, DropReason::PulseFlood),
				}
				sent.push(d);
			}
			assert!(ok <= MAX_PULSES_PER_INTERVAL, "{ok} pulses accepted within 0.1 s");
			// An interval later the peer is heard again; replays of what it sent do not use up
			// its allowance (an on-path replayer must not be able to mute it). A replay from
			// an earlier boot passes for a restart: that is M1, not this.
			let at = t0 + cfg.interval_us + 100_000;
			for d in sent.iter().take(if new_boot_each_time { 0 } else { ok as usize }) {
				assert_eq!(b.handle_pulse(at, addr(1), d, &rb, true), Err(DropReason::StalePulse));
			}
			let boot = if new_boot_each_time { 20_000 } else { 7 };
			let d = crafted_with(&ra, 2, 20_000, at - 1_000, boot, &[]);
			assert_eq!(b.handle_pulse(at, addr(1), &d, &rb, true), Ok(1));
		}
	}

	/// H2/L5: a registered endpoint that never answers (a victim, a local service) was pulsed
	/// every round by every member for ever.
	#[test]
	fn h2_silent_peers_are_pulsed_less_and_less() {
		let (ra, rb) = (reg(1), reg(2));
		let cfg = PulseConfig::default();
		let mut a = Pulses::new(1, 7, cfg.clone());
		let sends_to_2 = |a: &mut Pulses, t: u64| {
			let mut n = 0;
			a.poll_transmit(t, t, &ra, &[2, 3], true, |to, _| n += u32::from(to == addr(2)));
			n
		};
		// An hour of rounds in which 2 never answers.
		let rounds = 3_600u64;
		let sent: u32 = (0..rounds).map(|k| sends_to_2(&mut a, k * cfg.interval_us)).sum();
		assert!(sent <= SILENT_AFTER + 7 + (rounds as u32 / MAX_SILENT_GAP) + 1, "{sent} pulses");
		assert!(sent >= rounds as u32 / MAX_SILENT_GAP, "a silent peer is still tried: {sent}");
		assert!(a.stats.silent_skipped >= rounds - u64::from(sent) - rounds / 2);
		// One valid pulse from 2 and it is pulsed every round again.
		let t = rounds * cfg.interval_us;
		let d = crafted(&rb, 1, 0, t - 1_000);
		assert_eq!(a.handle_pulse(t, addr(2), &d, &ra, true), Ok(2));
		let again: u32 = (1..=5).map(|k| sends_to_2(&mut a, t + k * cfg.interval_us)).sum();
		assert_eq!(again, 5);
	}

	/// M1: a pulse captured in an earlier boot of the sender and replayed after each genuine one
	/// passed for a restart: it reset the link and injected a latency hours old.
	#[test]
	fn m1_pulses_from_an_earlier_boot_are_refused() {
		let (ra, rb) = (reg(1), reg(2));
		let cfg = PulseConfig::default();
		let mut b = Pulses::new(2, 8, cfg.clone());
		let t0 = 1u64 << 50;
		// Captured a quarter of an hour ago, in boot 100.
		let old = crafted_with(&ra, 2, 5, t0 - 1_000_000_000, 100, &[]);
		for k in 0..20u64 {
			let at = t0 + k * cfg.interval_us;
			let d = crafted_with(&ra, 2, k as u32, at - 2_000, 101, &[]);
			assert_eq!(b.handle_pulse(at, addr(1), &d, &rb, true), Ok(1));
			assert_eq!(
				b.handle_pulse(at + 10, addr(1), &old, &rb, true),
				Err(DropReason::StalePulse),
				"round {k}"
			);
			assert!(b.link(1, 2, at + 20).unwrap().latency_us < 10_000);
		}
		// A peer silent for long that comes back with a lower boot id (state lost, clock
		// stepped back) is heard again.
		let at = t0 + (20 + OLD_BOOT_AFTER_SILENT_INTERVALS) * cfg.interval_us;
		let d = crafted_with(&ra, 2, 0, at - 2_000, 50, &[]);
		assert_eq!(b.handle_pulse(at, addr(1), &d, &rb, true), Ok(1));
	}

	#[test]
	fn m1_boot_ids_only_grow() {
		assert_eq!(next_boot_id(0, 1_700_000_000), 1_700_000_000);
		// The wall clock stepped back (or the same second): still above the last.
		assert_eq!(next_boot_id(1_700_000_000, 1_600_000_000), 1_700_000_001);
		assert_eq!(next_boot_id(u32::MAX - 1, u64::MAX), u32::MAX);
	}

	/// M5: the wall clock drove every timer, so a step forward (NTP, a resumed VM) made every
	/// link look silent, hence down. Timers now run on a monotonic clock and only the latency
	/// sample reads the wall clock.
	#[test]
	fn m5_a_wall_clock_step_does_not_make_links_look_down() {
		let (ra, rb) = (reg(1), reg(2));
		let cfg = PulseConfig::default();
		let (mut a, mut b) = (Pulses::new(1, 7, cfg.clone()), Pulses::new(2, 8, cfg.clone()));
		let mono0 = 1u64 << 40;
		let mut step = 0u64;
		for k in 0..12u64 {
			// b's wall clock jumps 10 minutes ahead after round 5; monotonic time does not.
			if k == 6 {
				step = 600_000_000;
			}
			let (mono, wall) = (mono0 + k * cfg.interval_us, 1_700_000_000_000_000 + k * 1_000_000);
			let mut out = vec![];
			a.poll_transmit(mono, wall, &ra, &[2], true, |_, d| out.push(d.to_vec()));
			for d in out {
				b.handle_pulse_at(mono + 2_000, wall + 2_000 + step, addr(1), &d, &rb, true)
					.unwrap();
			}
			let m = b.link(1, 2, mono + 2_000).unwrap();
			assert_eq!(m.loss_ppm, 0, "round {k}: not silent, not lost");
			// b answers, so a keeps pulsing it every round.
			let mut back = vec![];
			b.poll_transmit(mono + 3_000, wall + step, &rb, &[1], true, |_, d| {
				back.push(d.to_vec())
			});
			for d in back {
				a.handle_pulse_at(mono + 5_000, wall, addr(2), &d, &ra, true).unwrap();
			}
		}
		// The latency sample shows the step (it is a wall-clock difference); nothing expired.
		assert!(b.link(1, 2, mono0 + 11 * cfg.interval_us).unwrap().latency_us >= 600_000_000);
	}

	/// H6: `learned` (and the per-peer maps) were never pruned.
	#[test]
	fn h6_learned_and_peer_maps_are_pruned() {
		let (ra, mut rb) = (two_groups(1), two_groups(2));
		let cfg = PulseConfig::default();
		let mut b = Pulses::new(2, 8, cfg.clone());
		let t0 = 1u64 << 50;
		let d = crafted_with(&ra, 2, 0, t0 - 1_000, 7, &[3, 2]);
		assert_eq!(b.handle_pulse(t0, addr(1), &d, &rb, true), Ok(1));
		let keys = |b: &Pulses| {
			let mut k: Vec<_> = b.learned.keys().copied().collect();
			k.sort_unstable();
			k
		};
		assert_eq!(keys(&b), [(1, 3), (2, 1)]);
		b.prune(t0 + cfg.remote_ttl_us, &rb);
		assert_eq!(keys(&b), [(1, 3), (2, 1)], "nothing old enough yet");
		// Second-hand links go once too old to show; this agent's own stay (and read as down).
		let later = t0 + cfg.remote_ttl_us + 1;
		b.prune(later, &rb);
		assert_eq!(keys(&b), [(2, 1)]);
		assert_eq!(b.link(2, 1, later).unwrap().loss_ppm, LOSS_DOWN);
		// Segment 1 leaves the registry: everything about it goes.
		rb.update(&[2, 3, 4].map(peer_entry));
		b.prune(later, &rb);
		assert!(b.learned.is_empty() && b.inbound.is_empty() && b.last_triggered.is_empty());
	}

	#[test]
	fn measures_relative_latency_jitter_and_echoes_it() {
		let (ra, rb) = (reg(1), reg(2));
		let cfg = PulseConfig::default();
		let (mut a, mut b) = (Pulses::new(1, 7, cfg.clone()), Pulses::new(2, 8, cfg));
		let offset = 5_000_000; // b's clock is 5 s ahead: relative latency carries it.
		for k in 0..5u64 {
			let t = k * 1_000_000;
			round(&mut a, &ra, &mut b, &rb, t, 2_000 + (k % 2) * 400, offset);
			round(&mut b, &rb, &mut a, &ra, t + 500_000 + offset, 3_000, 0u64.wrapping_sub(offset));
		}
		let m = b.link(1, 2, 5_000_000 + offset).unwrap();
		assert_eq!(m.latency_us, offset as i64 + 2_000);
		assert!(m.jitter_us > 0);
		assert_eq!(m.loss_ppm, 0);
		// a learned its outbound link 1 → 2 from b's echo (sent after the last sample).
		let echo = a.link(1, 2, 4_600_000).unwrap();
		assert_eq!(echo.latency_us, m.latency_us);
	}

	#[test]
	fn one_late_pulse_is_not_a_slower_link_and_two_are() {
		let (ra, rb) = (reg(1), reg(2));
		let cfg = PulseConfig::default();
		let (mut a, mut b) = (Pulses::new(1, 7, cfg.clone()), Pulses::new(2, 8, cfg));
		let delays = [2_000, 2_100, 300_000, 2_050, 2_000, 90_000, 80_000, 2_200];
		let mut seen = vec![];
		for (k, delay) in delays.into_iter().enumerate() {
			let t = k as u64 * 1_000_000;
			round(&mut a, &ra, &mut b, &rb, t, delay, 0);
			seen.push(b.link(1, 2, t + delay).unwrap().latency_us);
			// Whether b owes a an immediate echo: only when the link itself changed.
			let urgent = !b.urgent.is_empty();
			b.poll_transmit(t + delay, t + delay, &rb, &[1], false, |_, _| {});
			seen.push(i64::from(urgent));
		}
		assert_eq!(
			seen,
			[
				2_000, 0, 2_000, 0, // steady
				2_100, 0, // one pulse 300 ms late: a stalled host, not the link
				2_050, 0, 2_000, 0, // steady again
				2_000, 0, // late once…
				80_000, 1, // …and again: the link is slower, and a learns at once
				2_200, 1, // one fast pulse shows the recovery at once
			]
		);
	}

	#[test]
	fn an_overtaken_pulse_does_not_overwrite_the_newer_summary() {
		let (ra, rb) = (reg(1), reg(2));
		let cfg = PulseConfig::default();
		let (mut a, mut b) = (Pulses::new(1, 7, cfg.clone()), Pulses::new(2, 8, cfg));
		let from_b = |b: &mut Pulses, t: u64| {
			let mut out = vec![];
			b.poll_transmit(t, t, &rb, &[1], true, |_, d| out.push(d.to_vec()));
			out.remove(0)
		};
		round(&mut a, &ra, &mut b, &rb, 0, 2_000, 0);
		round(&mut a, &ra, &mut b, &rb, 1_000_000, 2_000, 0);
		let old = from_b(&mut b, 1_500_000);
		round(&mut a, &ra, &mut b, &rb, 2_000_000, 60_000, 0);
		round(&mut a, &ra, &mut b, &rb, 3_000_000, 60_000, 0);
		let new = from_b(&mut b, 3_500_000);
		// The older pulse, held up on the way, arrives after the newer one.
		a.handle_pulse(3_501_000, addr(2), &new, &ra, true).unwrap();
		a.handle_pulse(3_502_000, addr(2), &old, &ra, true).unwrap();
		assert_eq!(a.link(1, 2, 3_502_000).unwrap().latency_us, 60_000);
		assert_eq!(a.link(2, 1, 3_502_000).unwrap().loss_ppm, 0, "it still counts as arrived");
	}

	#[test]
	fn gaps_are_loss_and_silence_is_down() {
		let (ra, rb) = (reg(1), reg(2));
		let cfg = PulseConfig::default();
		let (mut a, mut b) = (Pulses::new(1, 7, cfg.clone()), Pulses::new(2, 8, cfg));
		let mut out = vec![];
		for k in 0..8u64 {
			a.poll_transmit(k * 1_000_000, k * 1_000_000, &ra, &[2], true, |_, d| {
				out.push(d.to_vec())
			});
		}
		for (k, d) in out.iter().enumerate() {
			if k % 2 == 0 {
				b.handle_pulse(k as u64 * 1_000_000 + 100, addr(1), d, &rb, true).unwrap();
			}
		}
		let m = b.link(1, 2, 6_000_200).unwrap();
		assert_eq!(m.loss_ppm, 3 * 1_000_000 / 7);
		// Replaying a pulse is refused and says so.
		assert_eq!(
			b.handle_pulse(7_000_000, addr(1), &out[0], &rb, true),
			Err(DropReason::StalePulse)
		);
		// Then nothing for 10 s: nearly everything expected was lost.
		assert!(b.link(1, 2, 16_000_000).unwrap().loss_ppm > 500_000);
	}

	#[test]
	fn keeps_the_send_times_of_the_latest_pulses_to_each_peer() {
		let ra = reg(1);
		let mut a = Pulses::new(1, 7, PulseConfig::default());
		assert_eq!(a.recent_sends(), vec![]);
		// The send time is the clock stamped in the pulse, not the caller's `now_us`.
		for k in 0..6u64 {
			a.poll_transmit(k * 1_000_000, 5_000 + k * 1_000_000, &ra, &[2, 3], true, |_, _| {});
		}
		let times: Vec<u64> = (2..6).map(|k| 5_000 + k * 1_000_000).collect();
		assert_eq!(a.recent_sends(), vec![(2, times.clone()), (3, times)]);
	}

	#[test]
	fn forged_and_misaddressed_pulses_are_refused() {
		let (ra, rb, rc) = (reg(1), reg(2), reg(3));
		let mut a = Pulses::new(1, 7, PulseConfig::default());
		let mut b = Pulses::new(2, 8, PulseConfig::default());
		let mut c = Pulses::new(3, 9, PulseConfig::default());
		let mut out = vec![];
		a.poll_transmit(0, 0, &ra, &[2], true, |_, d| out.push(d.to_vec()));
		let d = &out[0];
		// Addressed to 2, replayed to 3: the receiver is under the MAC.
		assert_eq!(c.handle_pulse(1, addr(1), d, &rc, true), Err(DropReason::BadMac));
		let mut t = d.clone();
		t[10] ^= 1;
		assert_eq!(b.handle_pulse(1, addr(1), &t, &rb, true), Err(DropReason::BadMac));
		assert_eq!(
			b.handle_pulse(1, "10.0.0.9:1".parse().unwrap(), d, &rb, true),
			Err(DropReason::UnexpectedSource)
		);
		assert_eq!(b.handle_pulse(1, addr(1), &d[..5], &rb, true), Err(DropReason::Truncated));
		let mut u = d.clone();
		u[4..8].copy_from_slice(&99u32.to_be_bytes());
		assert_eq!(b.handle_pulse(1, addr(1), &u, &rb, true), Err(DropReason::UnknownSegment));
		assert_eq!(b.handle_pulse(1, addr(1), d, &rb, true), Ok(1));
	}

	#[test]
	fn drift_is_flagged_as_skew_and_steady_offsets_are_not() {
		let (ra, rb) = (reg(1), reg(2));
		let cfg = PulseConfig::default();
		for (drift_ppm, expect) in [(0u64, false), (100, true)] {
			let (mut a, mut b) = (Pulses::new(1, 7, cfg.clone()), Pulses::new(2, 8, cfg.clone()));
			for k in 0..80u64 {
				let t = k * 1_000_000;
				// b's clock runs fast by drift_ppm: the relative latency climbs steadily.
				let skewed = t + t * drift_ppm / 1_000_000;
				let mut out = vec![];
				a.poll_transmit(t, t, &ra, &[2], true, |_, d| out.push(d.to_vec()));
				for d in out {
					b.handle_pulse(skewed + 1_000 + (k % 3) * 50, addr(1), &d, &rb, true).unwrap();
				}
				// b answers, so a keeps pulsing it every round.
				let mut back = vec![];
				b.poll_transmit(skewed, skewed, &rb, &[1], true, |_, d| back.push(d.to_vec()));
				for d in back {
					a.handle_pulse(t + 500_000, addr(2), &d, &ra, true).unwrap();
				}
			}
			assert_eq!(b.skewed(1), expect, "drift {drift_ppm} ppm");
		}
	}

	#[test]
	fn a_slow_start_is_not_skew() {
		let (ra, rb) = (reg(1), reg(2));
		let cfg = PulseConfig::default();
		let (mut a, mut b) = (Pulses::new(1, 7, cfg.clone()), Pulses::new(2, 8, cfg.clone()));
		// The agent starts 7 s into a bucket beside busy processes: its first few pulses are
		// 3 ms slow. After that the link is steady but for noise, whose minima happen to fall
		// a little (40 µs a bucket); the clocks do not drift.
		let mut flagged = vec![];
		for k in 0..100u64 {
			let t = 7_000_000 + k * 1_000_000;
			let bucket = t / cfg.bucket_us;
			let extra = if k < 3 { 3_000 } else { 200u64.saturating_sub(40 * bucket) };
			let mut out = vec![];
			a.poll_transmit(t, t, &ra, &[2], true, |_, d| out.push(d.to_vec()));
			for d in out {
				b.handle_pulse(t + 1_000 + extra + (k % 3) * 50, addr(1), &d, &rb, true).unwrap();
			}
			if b.skewed(1) {
				flagged.push(k);
			}
		}
		assert_eq!(flagged, Vec::<u64>::new());
	}
}
