//! The group reporter: when the registry names this router its group's reporter for an era,
//! it reports what the group measured, per ordered pair of members, signed with its ticket key
//! (the chain's `ditex.report_performance`, an authorized transaction like tickets).
//!
//! Sans-IO: fed the era, the group as the chain lists it and the link metrics the pulses keep;
//! returns the signed report for the shell to submit, at most once per era.

use ditex_primitives::{
	registry::{report_signing_payload, PerfEntry, PerfSample, SegmentId, LOSS_PPM_MAX},
	Hash,
};
use ed25519_dalek::{Signer, SigningKey};

use crate::link::LinkView;

/// Most entries in a report: the runtime's `MaxReportEntries`.
pub const MAX_REPORT_ENTRIES: usize = 1_000;

/// A report ready to submit: the arguments of `report_performance`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedReport {
	/// The reporting router.
	pub reporter: SegmentId,
	/// The era reported.
	pub era: u64,
	/// Distinct ordered pairs of members, sorted.
	pub entries: Vec<PerfEntry>,
	/// The ticket key's signature over [`report_signing_payload`].
	pub signature: [u8; 64],
}

/// This router's turns as its group's reporter.
#[derive(Debug)]
pub struct Reporter {
	me: SegmentId,
	genesis: Hash,
	/// The last era a report was handed out for and not given back.
	reported: Option<u64>,
}

impl Reporter {
	/// The reporter side of router `me` on the chain with `genesis`.
	pub fn new(me: SegmentId, genesis: Hash) -> Reporter {
		Reporter { me, genesis, reported: None }
	}

	/// The report of `era` to submit, if the chain names this router its group's
	/// `reporter`, it has not reported the era yet and it knows at least one link between
	/// `members`. First-hand links (into this router) go first when there are more pairs than
	/// a report holds.
	pub fn due(
		&mut self,
		era: u64,
		reporter: Option<SegmentId>,
		members: &[SegmentId],
		links: &impl LinkView,
		key: &SigningKey,
	) -> Option<SignedReport> {
		if reporter != Some(self.me) || self.reported.is_some_and(|r| r >= era) {
			return None;
		}
		let mut members = members.to_vec();
		members.sort_unstable();
		members.dedup();
		let mut entries: Vec<(bool, PerfEntry)> = Vec::new();
		for &from in &members {
			for &to in &members {
				if from == to {
					continue;
				}
				let Some(m) = links.link(from, to) else { continue };
				let sample = PerfSample {
					latency_us: m.latency_us.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
					jitter_us: m.jitter_us,
					loss_ppm: m.loss_ppm.min(LOSS_PPM_MAX),
				};
				entries.push((to != self.me, PerfEntry { from, to, sample }));
			}
		}
		if entries.is_empty() {
			return None;
		}
		// First-hand (false) before second-hand (true), then by pair.
		entries.sort_by_key(|(second_hand, e)| (*second_hand, e.from, e.to));
		entries.truncate(MAX_REPORT_ENTRIES);
		let mut entries: Vec<PerfEntry> = entries.into_iter().map(|(_, e)| e).collect();
		entries.sort_by_key(|e| (e.from, e.to));
		let payload = report_signing_payload(&self.genesis, self.me, era, &entries);
		let signature = key.sign(&payload).to_bytes();
		self.reported = Some(era);
		Some(SignedReport { reporter: self.me, era, entries, signature })
	}

	/// The report of `era` did not get in for a reason that may pass (node unreachable): it
	/// may be built again while the era lasts.
	pub fn retry(&mut self, era: u64) {
		if self.reported == Some(era) {
			self.reported = era.checked_sub(1);
		}
	}
}

#[cfg(test)]
mod tests {
	use std::collections::BTreeMap;

	use super::*;
	use crate::link::LinkMetrics;
	use ditex_primitives::signed_by;

	struct Links(BTreeMap<(SegmentId, SegmentId), LinkMetrics>);

	impl LinkView for Links {
		fn link(&self, from: SegmentId, to: SegmentId) -> Option<LinkMetrics> {
			self.0.get(&(from, to)).copied()
		}
	}

	fn metrics(latency_us: i64) -> LinkMetrics {
		LinkMetrics {
			latency_us,
			baseline_us: latency_us,
			jitter_us: 7,
			loss_ppm: 10,
			updated_us: 1,
		}
	}

	fn key() -> SigningKey {
		SigningKey::from_bytes(&[6; 32])
	}

	fn genesis() -> Hash {
		Hash::repeat_byte(0x44)
	}

	#[test]
	fn the_reporter_reports_its_groups_pairs_once_an_era_signed_as_the_chain_checks() {
		let links = Links(BTreeMap::from([
			((2, 1), metrics(1_000)),
			((3, 1), metrics(-5_000_000_000)),
			((1, 2), metrics(2_000)),
			// Not a member, and a self-pair: never reported.
			((9, 1), metrics(1)),
			((1, 1), metrics(1)),
		]));
		let members = [3, 1, 2];
		let mut r = Reporter::new(1, genesis());
		assert_eq!(r.due(4, Some(2), &members, &links, &key()), None);
		let report = r.due(4, Some(1), &members, &links, &key()).unwrap();
		let pairs: Vec<_> = report.entries.iter().map(|e| (e.from, e.to)).collect();
		assert_eq!(pairs, vec![(1, 2), (2, 1), (3, 1)]);
		// Clamped into the chain's i32.
		assert_eq!(report.entries[2].sample.latency_us, i32::MIN);
		let payload = report_signing_payload(&genesis(), 1, 4, &report.entries);
		assert!(signed_by(&report.signature, &payload, &key().verifying_key().to_bytes()));
		// Once an era; again after a transient failure; and the next era.
		assert_eq!(r.due(4, Some(1), &members, &links, &key()), None);
		r.retry(4);
		assert!(r.due(4, Some(1), &members, &links, &key()).is_some());
		assert!(r.due(5, Some(1), &members, &links, &key()).is_some());
		// Nothing measured: nothing to report.
		assert_eq!(r.due(6, Some(1), &members, &Links(BTreeMap::new()), &key()), None);
	}

	#[test]
	fn a_report_fits_the_chains_bound_first_hand_links_first() {
		let members: Vec<SegmentId> = (0..100).collect();
		let mut all = BTreeMap::new();
		for &a in &members {
			for &b in &members {
				if a != b {
					all.insert((a, b), metrics(i64::from(a + b)));
				}
			}
		}
		let mut r = Reporter::new(50, genesis());
		let report = r.due(1, Some(50), &members, &Links(all), &key()).unwrap();
		assert_eq!(report.entries.len(), MAX_REPORT_ENTRIES);
		assert_eq!(report.entries.iter().filter(|e| e.to == 50).count(), 99);
		assert!(report.entries.windows(2).all(|w| (w[0].from, w[0].to) < (w[1].from, w[1].to)));
	}
}
