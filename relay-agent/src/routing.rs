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

use std::collections::BTreeMap;

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
	/// When the latest switch was made (`now_us` of that evaluation).
	pub switched_us: Option<u64>,
}

/// A switch the router made.
#[derive(Clone, Debug, PartialEq)]
pub struct Switch {
	/// The destination.
	pub dst: SegmentId,
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
}

impl Router {
	/// A router for agent `me`.
	pub fn new(me: SegmentId, prefs: Prefs) -> Self {
		Router { me, prefs, routes: BTreeMap::new() }
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
		let relays: Vec<Relay> =
			relays.iter().copied().filter(|r| r.id != me && r.id != dst).collect();
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
		let cur_path = self
			.routes
			.entry(dst)
			.or_insert_with(|| Route {
				path: direct.clone(),
				candidate: None,
				wins: 0,
				last_round_us: None,
				switches: 0,
				switched_us: None,
			})
			.path
			.clone();
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
		let sw = Switch { dst, from: cur_path, to: target.clone(), from_cost: cur_cost, to_cost };
		route.path = target;
		route.candidate = None;
		route.wins = 0;
		route.switches += 1;
		route.switched_us = Some(now_us);
		tracing::info!(dst, from = ?sw.from, to = ?sw.to, from_cost = sw.from_cost, to_cost = sw.to_cost, "route switched");
		Some(sw)
	}
}

#[cfg(test)]
mod tests;
