//! Path selection, sans I/O: keep each destination on its default (direct) path unless a one-
//! or two-relay detour is clearly better, and come back when the default path recovers.
//!
//! A path's cost sums, in µs-equivalents, its legs' relative one-way latencies, its combined
//! loss and its relays' prices, weighted by the user's preferences; paths over the consumer's
//! maximum price are never candidates. Relative latencies carry clock offsets, but every path
//! between the same two ends carries the same sum of offsets, so costs compare exactly.
//!
//! Hysteresis keeps traffic from flapping: a detour must beat the current path by an absolute
//! margin (default 10 ms) *and* a relative one (default 10% of the current path's excess over
//! the best baseline) in `switch_rounds` consecutive rounds; traffic returns to the default path
//! once the detour's gain falls under half the margin. A path that is down (mostly lost) is
//! left at once. With pulses each interval and triggered echoes, a degraded default path is
//! left within three pulse intervals; the simulation tests below check that over thousands of
//! random cases.
//!
//! Every leg of a detour is reported by a relay on it (its echo of this agent's pulses, and
//! what it relays of its own outbound links), so a relay can claim fast legs and capture the
//! route. Plausibility bounds catch the impossible lies; the rest are caught end to end: on a
//! detour the ingress sends probes ([`Router::poll_probes`]) inside its session with the
//! egress, stamped with its clock, and the egress echoes each with its own receive time
//! ([`crate::wire::Inner::ProbeEcho`]). Receive time minus send time is the relative one-way
//! latency the detour delivers, with the same clock offsets as the sum of its legs, so the two
//! compare directly. A detour that delivers much slower than claimed, or loses most probes
//! while claiming not to, is left at once and its relays are excluded for a while
//! ([`EXCLUDE_US`], doubled for each repeat).

use std::collections::{BTreeMap, VecDeque};

use ditex_primitives::registry::SegmentId;

use crate::link::{LinkView, LOSS_DOWN};

/// A path is "down" from this loss on, and is left without waiting for more rounds.
pub const DOWN_LOSS_PPM: u32 = 500_000;

/// Route evaluations a sharp link change may ask for per pulse interval, at most; the regular
/// round evaluates besides.
pub const EVALS_PER_INTERVAL: u64 = 4;

/// The user's preferences.
#[derive(Clone, Debug)]
pub struct Prefs {
	/// Cost per µs of one-way latency. Default 1.
	pub latency_weight: f64,
	/// Cost per ppm of loss. Default 2: 1% loss weighs like 20 ms.
	pub loss_weight: f64,
	/// Cost per unit of price per GiB. Default 0: price only filters.
	pub price_weight: f64,
	/// Most a path's relays may charge per GiB together; `None`: no limit.
	pub max_price_per_gib: Option<u128>,
	/// Absolute margin a detour must win by, in cost units (µs). Default 10 ms.
	pub margin_us: f64,
	/// Relative margin. Default 0.10.
	pub margin_ratio: f64,
	/// Consecutive winning rounds before a switch. Default 2.
	pub switch_rounds: u32,
	/// Rounds closer together than this count once. Default a quarter of the pulse interval.
	pub round_gap_us: u64,
	/// Least time between two evaluations a sharp change asks for. Default the pulse interval
	/// over [`EVALS_PER_INTERVAL`].
	pub eval_gap_us: u64,
	/// Most relays on a detour (0, 1 or 2). Default 2.
	pub max_relays: usize,
}

impl Default for Prefs {
	fn default() -> Self {
		Prefs {
			latency_weight: 1.0,
			loss_weight: 2.0,
			price_weight: 0.0,
			max_price_per_gib: None,
			margin_us: 10_000.0,
			margin_ratio: 0.10,
			switch_rounds: 2,
			round_gap_us: 250_000,
			eval_gap_us: 1_000_000 / EVALS_PER_INTERVAL,
			max_relays: 2,
		}
	}
}

/// When to evaluate routes. Every regular round does; a sharp link change in between asks for
/// an early look, granted at most once per gap. Evaluation is O(relays²) per destination, and
/// a member can make every pulse it sends "sharp", so without the gap it could make the agent
/// evaluate on every wake-up. A change inside the gap is held, not lost: [`Self::next_due`]
/// says when the caller should look again.
#[derive(Clone, Debug)]
pub struct EvalGate {
	min_gap_us: u64,
	last_us: Option<u64>,
	pending: bool,
	/// Evaluations granted.
	pub evaluations: u64,
}

impl EvalGate {
	/// A gate granting change-driven evaluations at most once per `min_gap_us`.
	pub fn new(min_gap_us: u64) -> Self {
		EvalGate { min_gap_us, last_us: None, pending: false, evaluations: 0 }
	}

	/// A link changed sharply: routes should be looked at again soon.
	pub fn changed(&mut self) {
		self.pending = true;
	}

	/// Whether to evaluate at `now_us` (the caller then does); a `regular` round always does,
	/// and takes any waiting change with it.
	pub fn due(&mut self, now_us: u64, regular: bool) -> bool {
		let go = regular || (self.pending && self.next_due().is_some_and(|t| now_us >= t));
		if go {
			self.pending = false;
			self.last_us = Some(now_us);
			self.evaluations += 1;
		}
		go
	}

	/// When a change still waiting may be looked at, if one is.
	pub fn next_due(&self) -> Option<u64> {
		self.pending.then(|| self.last_us.map_or(0, |t| t.saturating_add(self.min_gap_us)))
	}
}

/// A segment that may relay, with its price per GiB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Relay {
	/// Its id.
	pub id: SegmentId,
	/// Its price per GiB.
	pub price_per_gib: u128,
}

/// The route to one destination.
#[derive(Clone, Debug)]
pub struct Route {
	/// The path in use, this agent first.
	pub path: Vec<SegmentId>,
	candidate: Option<Vec<SegmentId>>,
	wins: u32,
	last_round_us: Option<u64>,
	/// Switches made.
	pub switches: u64,
	/// Of those, how many for each [`SwitchReason`] (indexed by it).
	pub reasons: [u64; SwitchReason::ALL.len()],
	/// When the latest switch was made (`now_us` of that evaluation).
	pub switched_us: Option<u64>,
	verify: Verify,
	/// The far end has echoed a probe: a detour that loses every probe is the detour's doing.
	answers: bool,
}

impl Route {
	fn new(path: Vec<SegmentId>) -> Route {
		Route {
			path,
			candidate: None,
			wins: 0,
			last_round_us: None,
			switches: 0,
			reasons: [0; SwitchReason::ALL.len()],
			switched_us: None,
			verify: Verify::default(),
			answers: false,
		}
	}

	fn switch_to(&mut self, path: Vec<SegmentId>, now_us: u64, reason: SwitchReason) {
		self.path = path;
		self.candidate = None;
		self.wins = 0;
		self.switches += 1;
		self.reasons[reason as usize] += 1;
		self.switched_us = Some(now_us);
		// Probes of the path left say nothing of the new one.
		let next_seq = self.verify.next_seq;
		self.verify = Verify { next_seq, ..Verify::default() };
	}
}

/// Why a route changed path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SwitchReason {
	/// Another detour beat the path in use by the switching margin, round after round.
	Better,
	/// The path in use lost too much, or a relay on it left the registry or became too dear:
	/// left at once.
	Down,
	/// Back on the default path: it beats the detour again, or the detour's gain over it fell
	/// under half the margin.
	Recovered,
	/// The detour delivered worse than its relays claimed (the end-to-end check).
	Unverified,
}

impl SwitchReason {
	/// Every reason, in index order.
	pub const ALL: [SwitchReason; 4] = [
		SwitchReason::Better,
		SwitchReason::Down,
		SwitchReason::Recovered,
		SwitchReason::Unverified,
	];

	/// Its name in the status and in `/metrics`.
	pub fn name(self) -> &'static str {
		match self {
			SwitchReason::Better => "better",
			SwitchReason::Down => "down",
			SwitchReason::Recovered => "recovered",
			SwitchReason::Unverified => "unverified",
		}
	}
}

/// A switch the router made.
#[derive(Clone, Debug, PartialEq)]
pub struct Switch {
	/// The destination.
	pub dst: SegmentId,
	/// Why.
	pub reason: SwitchReason,
	/// The path left.
	pub from: Vec<SegmentId>,
	/// The path taken.
	pub to: Vec<SegmentId>,
	/// Cost of the path left (infinite if unknown).
	pub from_cost: f64,
	/// Cost of the path taken.
	pub to_cost: f64,
}

/// How far below the bound of one-way delays ≥ 0 a path's measured latency may fall before
/// its reported legs count as lies: samples of the two directions are taken at different
/// times, and drift and jitter move them a little.
pub const PLAUSIBILITY_SLACK_US: f64 = 2_000.0;

/// Probes sent on a detour each round; one on a direct path, which only shows that the far end
/// answers them (and keeps a session warm for the next detour).
pub const PROBES_PER_ROUND: usize = 2;
/// Echoes a latency verdict waits for; the median of the latest [`PROBE_SAMPLES`] is judged.
pub const VERIFY_MIN_SAMPLES: usize = 3;
/// Latest echoes kept per route.
pub const PROBE_SAMPLES: usize = 8;
/// Probes in flight per route, at most; the oldest beyond it counts as lost.
pub const PROBES_IN_FLIGHT: usize = 16;
/// A probe unanswered this long is lost.
pub const PROBE_TIMEOUT_US: u64 = 2_000_000;
/// How much slower than its legs claim a detour may deliver, beyond their jitter: the default
/// switching margin, since a smaller lie could not have won a switch on its own.
pub const VERIFY_SLACK_US: f64 = 10_000.0;
/// Probes answered or lost before a loss verdict: a session's first probes may be lost while
/// its handshake completes.
pub const LOSS_MIN_RESOLVED: u32 = 8;
/// How long a new detour may take to deliver its first probe: its relays look up the
/// consumer's channel for it on the chain and its egress starts a session, so its first probes
/// are lost to setup (which does not count); one that delivers nothing for this long is lost.
pub const ESTABLISH_US: u64 = 30_000_000;
/// How much more of the probes a detour may lose than its legs claim (a fraction).
pub const LOSS_SLACK: f64 = 0.5;
/// How long the relays of a detour that failed verification are excluded, the first time;
/// each repeat doubles it, up to 64 times.
pub const EXCLUDE_US: u64 = 300_000_000;
/// Most relays remembered as excluded; beyond it, the exclusion ending first is forgotten.
pub const MAX_EXCLUDED: usize = 1024;

/// A probe to send to `dst` along `path` in a session with it ([`crate::wire::Inner::Probe`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
	/// The far end.
	pub dst: SegmentId,
	/// The path in use, this agent first.
	pub path: Vec<SegmentId>,
	/// Its sequence number.
	pub seq: u32,
	/// Its send time on this agent's clock (the one its pulses carry), µs.
	pub sent_us: u64,
}

/// End-to-end verification of the path in use: probes in flight and what came back.
#[derive(Clone, Debug, Default)]
struct Verify {
	next_seq: u32,
	/// Sequence, stamp (this agent's clock) and local send time, oldest first.
	in_flight: VecDeque<(u32, u64, u64)>,
	/// Relative one-way latencies delivered (egress receive time − stamp), newest last.
	samples: VecDeque<i64>,
	echoed: u32,
	lost: u32,
	/// When the first probe on this path that was really sent went (local time).
	first_sent_us: Option<u64>,
}

/// Why a detour failed verification.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mismatch {
	/// It delivers at `delivered_us`, its legs claim `claimed_us`.
	Latency { claimed_us: f64, delivered_us: f64 },
	/// It lost this fraction of probes; its legs claim a round trip loses `claimed`.
	Loss { claimed: f64, lost: f64 },
}

/// A relay excluded from detours.
#[derive(Clone, Copy, Debug)]
struct Exclusion {
	until_us: u64,
	strikes: u32,
}

/// Cost of a path and the sum of its legs' baselines.
#[derive(Clone, Copy, Debug)]
struct Cost {
	cost: f64,
	baseline: f64,
	loss_ppm: u32,
}

/// The path selector of one agent.
#[derive(Clone, Debug)]
pub struct Router {
	me: SegmentId,
	/// Preferences.
	pub prefs: Prefs,
	routes: BTreeMap<SegmentId, Route>,
	excluded: BTreeMap<SegmentId, Exclusion>,
	/// Detours left because they failed end-to-end verification.
	pub reverted: u64,
}

impl Router {
	/// A router for agent `me`.
	pub fn new(me: SegmentId, prefs: Prefs) -> Self {
		Router { me, prefs, routes: BTreeMap::new(), excluded: BTreeMap::new(), reverted: 0 }
	}

	/// Whether `relay` is excluded from detours at `now_us` (its claims failed verification).
	pub fn excluded(&self, relay: SegmentId, now_us: u64) -> bool {
		self.excluded.get(&relay).is_some_and(|e| now_us < e.until_us)
	}

	fn exclude(&mut self, relay: SegmentId, now_us: u64) -> u64 {
		if self.excluded.len() >= MAX_EXCLUDED && !self.excluded.contains_key(&relay) {
			let first = self.excluded.iter().min_by_key(|(_, e)| e.until_us).map(|(id, _)| *id);
			if let Some(id) = first {
				self.excluded.remove(&id);
			}
		}
		let e = self.excluded.entry(relay).or_insert(Exclusion { until_us: 0, strikes: 0 });
		let span = EXCLUDE_US << e.strikes.min(6);
		e.strikes = e.strikes.saturating_add(1);
		e.until_us = now_us.saturating_add(span);
		span
	}

	/// The probes due at `now_us` (`clock_us`: the clock pulses are stamped with), one round's
	/// worth for each route: [`PROBES_PER_ROUND`] on a detour, one on a direct path. Probes
	/// unanswered for [`PROBE_TIMEOUT_US`] count as lost. Call once per round.
	pub fn poll_probes(&mut self, now_us: u64, clock_us: u64) -> Vec<Probe> {
		let mut out = Vec::new();
		for (dst, route) in self.routes.iter_mut() {
			let v = &mut route.verify;
			while v
				.in_flight
				.front()
				.is_some_and(|p| now_us.saturating_sub(p.2) >= PROBE_TIMEOUT_US)
			{
				v.in_flight.pop_front();
				v.lost = v.lost.saturating_add(1);
			}
			let n = if route.path.len() > 2 { PROBES_PER_ROUND } else { 1 };
			for _ in 0..n {
				if v.in_flight.len() >= PROBES_IN_FLIGHT {
					v.in_flight.pop_front();
					v.lost = v.lost.saturating_add(1);
				}
				let seq = v.next_seq;
				v.next_seq = seq.wrapping_add(1);
				v.in_flight.push_back((seq, clock_us, now_us));
				v.first_sent_us.get_or_insert(now_us);
				out.push(Probe { dst: *dst, path: route.path.clone(), seq, sent_us: clock_us });
			}
		}
		out
	}

	/// A probe could not be sent (no session or channel for the path yet): it is not lost.
	pub fn probe_unsent(&mut self, dst: SegmentId, seq: u32) {
		if let Some(r) = self.routes.get_mut(&dst) {
			let v = &mut r.verify;
			v.in_flight.retain(|p| p.0 != seq);
			// Setup starts with the first probe that really leaves.
			if v.echoed == 0 && v.lost == 0 && v.in_flight.is_empty() {
				v.first_sent_us = None;
			}
		}
	}

	/// `dst` echoed probe `seq`, stamped `sent_us`, received on its clock at `recv_us`. Whether
	/// it was a probe in flight (one of an earlier path, or late, is not).
	pub fn on_echo(
		&mut self,
		now_us: u64,
		dst: SegmentId,
		seq: u32,
		sent_us: u64,
		recv_us: u64,
	) -> bool {
		let _ = now_us;
		let Some(route) = self.routes.get_mut(&dst) else { return false };
		// Only `dst` can send its echoes (they come in its session): it answers probes.
		route.answers = true;
		let v = &mut route.verify;
		let Some(i) = v.in_flight.iter().position(|p| p.0 == seq && p.1 == sent_us) else {
			return false;
		};
		if v.echoed == 0 {
			// The path delivers: what it lost before, and what is still out from before, was
			// lost to setting it up.
			v.in_flight.drain(..i);
			v.lost = 0;
			v.in_flight.pop_front();
		} else {
			v.in_flight.remove(i);
		}
		v.echoed = v.echoed.saturating_add(1);
		let delivered =
			(i128::from(recv_us) - i128::from(sent_us)).clamp(i64::MIN.into(), i64::MAX.into());
		if v.samples.len() >= PROBE_SAMPLES {
			v.samples.pop_front();
		}
		v.samples.push_back(delivered as i64);
		true
	}

	/// What the path in use to `dst` delivers against what its legs claim, if it is a detour
	/// and enough came back to say.
	fn verdict(&self, now_us: u64, route: &Route, links: &impl LinkView) -> Option<Mismatch> {
		if route.path.len() <= 2 {
			return None;
		}
		let (mut claimed, mut jitter, mut kept) = (0f64, 0f64, 1f64);
		for w in route.path.windows(2) {
			let m = links.link(w[0], w[1])?;
			claimed += m.latency_us as f64;
			jitter += f64::from(m.jitter_us);
			kept *= 1.0 - f64::from(m.loss_ppm.min(LOSS_DOWN)) / 1e6;
		}
		let v = &route.verify;
		if v.samples.len() >= VERIFY_MIN_SAMPLES {
			let mut s: Vec<i64> = v.samples.iter().copied().collect();
			s.sort_unstable();
			let delivered = s[s.len() / 2] as f64;
			if delivered - claimed > VERIFY_SLACK_US + 2.0 * jitter {
				return Some(Mismatch::Latency { claimed_us: claimed, delivered_us: delivered });
			}
		}
		let resolved = v.echoed.saturating_add(v.lost);
		if v.echoed == 0 {
			// Not set up yet: a verdict only once setting up took too long.
			let stuck = v.first_sent_us.is_some_and(|t| now_us.saturating_sub(t) >= ESTABLISH_US);
			if route.answers && stuck && v.lost >= LOSS_MIN_RESOLVED {
				return Some(Mismatch::Loss { claimed: 1.0 - kept * kept, lost: 1.0 });
			}
			return None;
		}
		if route.answers && resolved >= LOSS_MIN_RESOLVED {
			// The probe goes and its echo comes back: both ways lose, taken as alike.
			let claimed = 1.0 - kept * kept;
			let lost = f64::from(v.lost) / f64::from(resolved);
			if lost > claimed + LOSS_SLACK {
				return Some(Mismatch::Loss { claimed, lost });
			}
		}
		None
	}

	/// The path in use towards `dst`: the direct one until a detour wins.
	pub fn path(&self, dst: SegmentId) -> Vec<SegmentId> {
		self.routes.get(&dst).map_or_else(|| vec![self.me, dst], |r| r.path.clone())
	}

	/// Every route being tracked.
	pub fn routes(&self) -> impl Iterator<Item = (&SegmentId, &Route)> {
		self.routes.iter()
	}

	fn cost(&self, path: &[SegmentId], links: &impl LinkView, price: u128) -> Option<Cost> {
		let mut lat = 0f64;
		let mut base = 0f64;
		let mut delivered = 1f64;
		for (i, w) in path.windows(2).enumerate() {
			let m = links.link(w[0], w[1])?;
			lat += m.latency_us as f64;
			// One-way delays are never negative, so the relative latency of any way from here
			// to `x` is at least rel(here → x) − RTT(here, x) = −rel(x → here), a link this
			// agent measures itself. Legs reported by a relay that undercut it are lies.
			if i > 0 || path.len() > 2 {
				if let Some(back) = links.link(w[1], path[0]) {
					if lat + (back.latency_us as f64) < -PLAUSIBILITY_SLACK_US {
						return None;
					}
				}
			}
			base += m.baseline_us as f64;
			delivered *= 1.0 - (m.loss_ppm.min(LOSS_DOWN) as f64 / 1e6);
		}
		let loss = (1.0 - delivered) * 1e6;
		let p = &self.prefs;
		Some(Cost {
			cost: lat * p.latency_weight + loss * p.loss_weight + price as f64 * p.price_weight,
			baseline: base * p.latency_weight,
			loss_ppm: loss as u32,
		})
	}

	/// Whether moving from `cur` to `new` gains at least `scale` × the margins.
	fn beats(&self, cur: f64, new: f64, floor: f64, scale: f64) -> bool {
		if !cur.is_finite() {
			return new.is_finite();
		}
		let gain = cur - new;
		gain >= self.prefs.margin_us * scale
			&& gain >= self.prefs.margin_ratio * scale * (cur - floor).max(0.0)
	}

	/// Look at the paths to `dst` again at `now_us`. `relays` are the segments that may relay
	/// (active, for sale, available now). Returns the switch made, if any.
	pub fn evaluate(
		&mut self,
		now_us: u64,
		dst: SegmentId,
		links: &impl LinkView,
		relays: &[Relay],
	) -> Option<Switch> {
		let me = self.me;
		let direct = vec![me, dst];
		let max_price = self.prefs.max_price_per_gib.unwrap_or(u128::MAX);
		let mut best: Option<(Vec<SegmentId>, Cost)> = None;
		let mut floor = f64::INFINITY;
		let mut consider = |path: Vec<SegmentId>, price: u128, this: &Self| {
			if price > max_price {
				return;
			}
			if let Some(c) = this.cost(&path, links, price) {
				floor = floor.min(c.baseline);
				// Ties go to the shorter path, which was considered first.
				if best.as_ref().is_none_or(|(_, b)| c.cost < b.cost) {
					best = Some((path, c));
				}
			}
		};
		consider(direct.clone(), 0, self);
		let relays: Vec<Relay> = relays
			.iter()
			.copied()
			.filter(|r| r.id != me && r.id != dst && !self.excluded(r.id, now_us))
			.collect();
		if self.prefs.max_relays >= 1 {
			for r in &relays {
				consider(vec![me, r.id, dst], r.price_per_gib, self);
			}
		}
		if self.prefs.max_relays >= 2 {
			for r1 in &relays {
				for r2 in &relays {
					if r1.id != r2.id {
						let price = r1.price_per_gib.saturating_add(r2.price_per_gib);
						consider(vec![me, r1.id, r2.id, dst], price, self);
					}
				}
			}
		}
		let price_of = |path: &[SegmentId]| -> Option<u128> {
			path[1..path.len() - 1].iter().try_fold(0u128, |acc, id| {
				relays.iter().find(|r| r.id == *id).map(|r| acc.saturating_add(r.price_per_gib))
			})
		};
		let cur_path =
			self.routes.entry(dst).or_insert_with(|| Route::new(direct.clone())).path.clone();
		if let Some(sw) = self.verify(now_us, dst, links) {
			return Some(sw);
		}
		// A relay that left the registry or got too dear makes the current path unusable.
		let cur = price_of(&cur_path)
			.filter(|p| *p <= max_price)
			.and_then(|p| self.cost(&cur_path, links, p));
		if cur.is_none() && cur_path == direct {
			// Not measured yet: no reason to leave the default path.
			return None;
		}
		let cur_cost = cur.map_or(f64::INFINITY, |c| c.cost);
		let down = cur.is_none_or(|c| c.loss_ppm >= DOWN_LOSS_PPM);
		let (best_path, best_cost) = match &best {
			Some((p, c)) => (p.clone(), *c),
			None => return None,
		};
		let target = if best_path != cur_path && self.beats(cur_cost, best_cost.cost, floor, 1.0) {
			Some(best_path)
		} else if cur_path != direct {
			// On a detour: go home once its gain over the default falls under half the margin.
			let def = self.cost(&direct, links, 0).map_or(f64::INFINITY, |c| c.cost);
			(!self.beats(def, cur_cost, floor, 0.5)).then(|| direct.clone())
		} else {
			None
		};
		let to_cost = target.as_ref().map_or(f64::INFINITY, |t| {
			self.cost(t, links, price_of(t).unwrap_or(0)).map_or(f64::INFINITY, |c| c.cost)
		});
		let route = self.routes.get_mut(&dst)?;
		let Some(target) = target else {
			route.candidate = None;
			route.wins = 0;
			return None;
		};
		let new_round = route.last_round_us.is_none_or(|t| now_us >= t + self.prefs.round_gap_us);
		// Rounds count towards leaving the current path, whichever path wins each round:
		// near-equal detours trade places with jitter, and that must not reset the count.
		if route.candidate.is_some() {
			if new_round {
				route.wins += 1;
				route.last_round_us = Some(now_us);
			}
		} else {
			route.wins = 1;
			route.last_round_us = Some(now_us);
		}
		route.candidate = Some(target.clone());
		if route.wins < self.prefs.switch_rounds && !down {
			return None;
		}
		// A path that is down is left at once: that is the reason, wherever the switch goes.
		let reason = if down {
			SwitchReason::Down
		} else if target == direct {
			SwitchReason::Recovered
		} else {
			SwitchReason::Better
		};
		let sw = Switch {
			dst,
			reason,
			from: cur_path,
			to: target.clone(),
			from_cost: cur_cost,
			to_cost,
		};
		route.switch_to(target, now_us, reason);
		tracing::info!(dst, reason = reason.name(), from = ?sw.from, to = ?sw.to, from_cost = sw.from_cost, to_cost = sw.to_cost, "route switched");
		Some(sw)
	}

	/// Leave the detour to `dst` if what it delivers contradicts what its relays claim, and
	/// exclude them: the end-to-end check cannot tell which of two relays lied.
	fn verify(&mut self, now_us: u64, dst: SegmentId, links: &impl LinkView) -> Option<Switch> {
		let route = self.routes.get(&dst)?;
		let why = self.verdict(now_us, route, links)?;
		let from = route.path.clone();
		let relays = from[1..from.len() - 1].to_vec();
		let span = relays.iter().map(|r| self.exclude(*r, now_us)).max().unwrap_or(0);
		self.reverted = self.reverted.saturating_add(1);
		let to = vec![self.me, dst];
		let route = self.routes.get_mut(&dst)?;
		route.switch_to(to.clone(), now_us, SwitchReason::Unverified);
		tracing::warn!(dst, path = ?from, ?why, excluded = ?relays, for_s = span / 1_000_000, "detour failed end-to-end verification: back on the direct path, its relays excluded");
		Some(Switch {
			dst,
			reason: SwitchReason::Unverified,
			from,
			to,
			from_cost: f64::INFINITY,
			to_cost: f64::INFINITY,
		})
	}
}

#[cfg(test)]
mod tests;
