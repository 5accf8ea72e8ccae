//! What the operator's web page shows beyond the raw status: the group's latency matrix,
//! with the cells where a one- or two-relay detour beats the direct path marked and the detour
//! named, and the page itself (one file, no build step).
//!
//! Pure: fed the links the pulses know (as the status lists them), returns the matrix. The
//! shell's web server ([`crate::shell::web`]) serves it beside `/status.json` and `/metrics`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::link::LOSS_DOWN;

/// A detour must beat the direct path by at least this much latency...
pub const MIN_GAIN_US: i64 = 10_000;
/// ...and by at least this share, in percent, of the direct path's excess over the pair's
/// best baseline (as the router judges: relative latencies carry clock offsets, so only
/// differences between paths of the same two ends mean anything).
pub const MIN_GAIN_PERCENT: i64 = 10;
/// A link losing more than this, in ppm, counts as broken: any working detour beats it.
pub const BROKEN_LOSS_PPM: u32 = 200_000;

/// The page: HTML, CSS and a little JavaScript that polls `/status.json`.
pub const PAGE: &str = include_str!("dashboard/page.html");

/// One measured link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
	/// Sender.
	pub from: u32,
	/// Receiver.
	pub to: u32,
	/// Relative one-way latency, µs.
	pub latency_us: i64,
	/// Its windowed minimum, µs.
	pub baseline_us: i64,
	/// Loss, ppm.
	pub loss_ppm: u32,
}

/// One cell of the matrix: the pair `from → to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
	/// Sender.
	pub from: u32,
	/// Receiver.
	pub to: u32,
	/// The direct link's relative one-way latency, µs, if measured.
	pub latency_us: Option<i64>,
	/// The direct link's loss, ppm, if measured.
	pub loss_ppm: Option<u32>,
	/// The best detour's relays, if one beats the direct path by the margin.
	pub detour: Option<Vec<u32>>,
	/// That detour's relative latency, µs.
	pub detour_latency_us: Option<i64>,
}

/// The group's latency matrix.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matrix {
	/// The members, in order: rows and columns.
	pub members: Vec<u32>,
	/// Every ordered pair of distinct members, row by row.
	pub cells: Vec<Cell>,
}

impl Matrix {
	/// The matrix of the members named in `links` (and `me`). Relative one-way latencies sum
	/// along a path exactly (the clock offsets cancel between the same two ends), so a detour
	/// `a → r → b` compares with `a → b` by the sum of its legs.
	pub fn build(me: u32, links: &[Link]) -> Matrix {
		let mut members: BTreeSet<u32> = links.iter().flat_map(|l| [l.from, l.to]).collect();
		members.insert(me);
		let members: Vec<u32> = members.into_iter().collect();
		let mut by_pair: BTreeMap<(u32, u32), Link> = BTreeMap::new();
		for l in links {
			if l.from != l.to {
				by_pair.insert((l.from, l.to), *l);
			}
		}
		// Only working links can be legs of a detour: (latency, baseline).
		let leg = |a: u32, b: u32| {
			by_pair
				.get(&(a, b))
				.filter(|l| l.loss_ppm < BROKEN_LOSS_PPM)
				.map(|l| (l.latency_us, l.baseline_us))
		};
		let add = |x: (i64, i64), y: (i64, i64)| (x.0.saturating_add(y.0), x.1.saturating_add(y.1));
		let mut cells = Vec::with_capacity(members.len() * members.len().saturating_sub(1));
		for &a in &members {
			for &b in &members {
				if a == b {
					continue;
				}
				let direct = by_pair.get(&(a, b)).copied();
				// (latency, baseline, relays) of the fastest detour.
				let mut best: Option<((i64, i64), Vec<u32>)> = None;
				let mut consider = |cost: (i64, i64), via: Vec<u32>| {
					if best.as_ref().is_none_or(|(c, _)| cost.0 < c.0) {
						best = Some((cost, via));
					}
				};
				for &r in &members {
					if r == a || r == b {
						continue;
					}
					if let (Some(x), Some(y)) = (leg(a, r), leg(r, b)) {
						consider(add(x, y), vec![r]);
					}
					for &s in &members {
						if s == a || s == b || s == r {
							continue;
						}
						if let (Some(x), Some(y), Some(z)) = (leg(a, r), leg(r, s), leg(s, b)) {
							consider(add(add(x, y), z), vec![r, s]);
						}
					}
				}
				let beats = |(lat, base): (i64, i64)| match direct {
					None => true,
					Some(d) if d.loss_ppm >= BROKEN_LOSS_PPM || d.loss_ppm >= LOSS_DOWN => true,
					Some(d) => {
						let gain = d.latency_us.saturating_sub(lat);
						let excess = d.latency_us.saturating_sub(d.baseline_us.min(base)).max(0);
						gain >= MIN_GAIN_US
							&& gain.saturating_mul(100) >= excess.saturating_mul(MIN_GAIN_PERCENT)
					},
				};
				let (detour, detour_latency_us) = match best {
					Some((cost, via)) if beats(cost) => (Some(via), Some(cost.0)),
					_ => (None, None),
				};
				cells.push(Cell {
					from: a,
					to: b,
					latency_us: direct.map(|d| d.latency_us),
					loss_ppm: direct.map(|d| d.loss_ppm),
					detour,
					detour_latency_us,
				});
			}
		}
		Matrix { members, cells }
	}

	/// The cell `from → to`.
	pub fn cell(&self, from: u32, to: u32) -> Option<&Cell> {
		self.cells.iter().find(|c| c.from == from && c.to == to)
	}
}

/// What `ditex-relay netcheck` says about the router's UDP port, from its group's pulses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reach {
	/// No group peer to ask.
	Alone,
	/// Every peer hears this router and it hears every peer.
	Reachable,
	/// Some peers hear it; `deaf` do not (their side, or a path between).
	Partly {
		/// Peers that do not report hearing this router.
		deaf: Vec<u32>,
	},
	/// Peers' pulses arrive, but none reports hearing this router: what it sends does not
	/// reach them (an outbound firewall), or they cannot check it (its registered key is not
	/// the one it runs with).
	SendsLost,
	/// No peer's pulse arrives: the port is not reachable from outside (wrong registered
	/// endpoint, NAT without a port forward, or a firewall dropping inbound UDP), or every peer
	/// is down.
	Unreachable,
}

impl Reach {
	/// The verdict on router `me`, pulsing `peers`, from the links its pulses know: a link
	/// `p → me` is a pulse of `p` heard here; a link `me → p` is `p`'s echo that it heard
	/// this router.
	pub fn judge(me: u32, peers: &[u32], links: &[Link]) -> Reach {
		if peers.is_empty() {
			return Reach::Alone;
		}
		let up = |f: u32, t: u32| {
			links.iter().any(|l| l.from == f && l.to == t && l.loss_ppm < LOSS_DOWN)
		};
		let heard_here = peers.iter().filter(|&&p| up(p, me)).count();
		let deaf: Vec<u32> = peers.iter().copied().filter(|&p| !up(me, p)).collect();
		match (heard_here, deaf.len()) {
			(0, _) => Reach::Unreachable,
			(_, d) if d == peers.len() => Reach::SendsLost,
			(h, 0) if h == peers.len() => Reach::Reachable,
			_ => Reach::Partly { deaf },
		}
	}

	/// A sentence for the operator.
	pub fn explain(&self) -> String {
		match self {
			Reach::Alone => "no group peers yet: nothing to check against".into(),
			Reach::Reachable => "reachable: every group peer hears this router".into(),
			Reach::Partly { deaf } => format!(
				"partly reachable: peers {deaf:?} do not hear this router (their side or a path \
				 between; others do, so the port is open)"
			),
			Reach::SendsLost => "peers' pulses arrive but none hears this router: outbound UDP \
				 is blocked, or the registered key is not the one this agent runs with"
				.into(),
			Reach::Unreachable => "no peer's pulse arrives: the UDP port is not reachable (check \
				 the registered endpoint, NAT port forwarding and inbound firewall rules), or every \
				 peer is down"
				.into(),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn link(from: u32, to: u32, latency_us: i64, loss_ppm: u32) -> Link {
		// Baselines of 1 ms per link: queueing makes up the rest.
		Link { from, to, latency_us, baseline_us: 1_000, loss_ppm }
	}

	/// Four members 1..4 on a square of 5 ms links, with the diagonal 1 → 3 slow or lossy.
	fn square(diagonal: (i64, u32)) -> Vec<Link> {
		let mut links = vec![];
		for (a, b) in [(1, 2), (2, 3), (3, 4), (4, 1), (2, 4)] {
			links.push(link(a, b, 5_000, 0));
			links.push(link(b, a, 5_000, 0));
		}
		links.push(link(1, 3, diagonal.0, diagonal.1));
		links.push(link(3, 1, 9_000, 0));
		links
	}

	#[test]
	fn a_slow_pair_is_marked_with_its_detour() {
		let m = Matrix::build(1, &square((40_000, 0)));
		assert_eq!(m.members, vec![1, 2, 3, 4]);
		assert_eq!(m.cells.len(), 12);
		let c = m.cell(1, 3).unwrap();
		assert_eq!(c.latency_us, Some(40_000));
		assert_eq!(c.detour_latency_us, Some(10_000));
		assert!(matches!(c.detour.as_deref(), Some([2]) | Some([4])), "{c:?}");
		// 9 ms direct against a 10 ms detour: not marked; nor are the 5 ms edges.
		assert_eq!(m.cell(3, 1).unwrap().detour, None);
		assert!(m.cells.iter().filter(|c| c.detour.is_some()).count() == 1, "{m:?}");
	}

	#[test]
	fn small_gains_are_not_marked() {
		// 19 ms against 10 ms: 9 ms gain, under the 10 ms margin.
		assert_eq!(Matrix::build(1, &square((19_000, 0))).cell(1, 3).unwrap().detour, None);
		assert!(Matrix::build(1, &square((20_000, 0))).cell(1, 3).unwrap().detour.is_some());
	}

	#[test]
	fn a_broken_or_unmeasured_pair_takes_any_working_detour() {
		let lossy = Matrix::build(1, &square((1_000, 500_000)));
		assert!(lossy.cell(1, 3).unwrap().detour.is_some());
		let mut links = square((1_000, 0));
		links.retain(|l| (l.from, l.to) != (1, 3));
		let m = Matrix::build(1, &links);
		let c = m.cell(1, 3).unwrap();
		assert_eq!((c.latency_us, c.detour_latency_us), (None, Some(10_000)));
		// A lossy leg is never part of a detour.
		let mut links = square((40_000, 0));
		for l in links.iter_mut() {
			if matches!((l.from, l.to), (1, 2) | (1, 4)) {
				l.loss_ppm = LOSS_DOWN;
			}
		}
		assert_eq!(Matrix::build(1, &links).cell(1, 3).unwrap().detour, None);
	}

	#[test]
	fn two_relay_detours_count() {
		// 1 → 3 only via 2 then 4.
		let links = vec![
			link(1, 2, 1_000, 0),
			link(2, 4, 1_000, 0),
			link(4, 3, 1_000, 0),
			link(1, 3, 50_000, 0),
		];
		let c = Matrix::build(1, &links).cell(1, 3).cloned().unwrap();
		assert_eq!((c.detour, c.detour_latency_us), (Some(vec![2, 4]), Some(3_000)));
	}

	#[test]
	fn offsets_do_not_matter_negative_latencies_included() {
		// Receiver 3's clock runs 1 s behind: every latency into 3 is 1 s lower, detours alike.
		let mut links = square((40_000, 0));
		for l in links.iter_mut() {
			if l.to == 3 {
				l.latency_us -= 1_000_000;
				l.baseline_us -= 1_000_000;
			}
			if l.from == 3 {
				l.latency_us += 1_000_000;
				l.baseline_us += 1_000_000;
			}
		}
		let c = Matrix::build(1, &links).cell(1, 3).cloned().unwrap();
		assert_eq!(c.detour_latency_us, Some(10_000 - 1_000_000));
		assert!(c.detour.is_some());
	}

	#[test]
	fn netcheck_tells_what_the_pulses_show() {
		let peers = [2, 3];
		let both = |a, b| vec![link(a, b, 1, 0), link(b, a, 1, 0)];
		let all: Vec<Link> = [both(1, 2), both(1, 3)].concat();
		assert_eq!(Reach::judge(1, &peers, &all), Reach::Reachable);
		assert_eq!(Reach::judge(1, &[], &all), Reach::Alone);
		// 3 stopped hearing us (its echo of 1 → 3 reads as down).
		let mut partly = all.clone();
		partly.iter_mut().filter(|l| (l.from, l.to) == (1, 3)).for_each(|l| l.loss_ppm = LOSS_DOWN);
		assert_eq!(Reach::judge(1, &peers, &partly), Reach::Partly { deaf: vec![3] });
		// We hear both, neither hears us.
		let lost = vec![link(2, 1, 1, 0), link(3, 1, 1, 0)];
		assert_eq!(Reach::judge(1, &peers, &lost), Reach::SendsLost);
		// Nothing arrives.
		assert_eq!(Reach::judge(1, &peers, &[link(1, 2, 1, 0)]), Reach::Unreachable);
		for r in [Reach::Alone, Reach::Reachable, Reach::SendsLost, Reach::Unreachable] {
			assert!(!r.explain().is_empty());
		}
	}
}
