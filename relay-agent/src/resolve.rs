//! Segments on a path that the registry view does not hold, looked up on demand, sans I/O.
//!
//! In chain mode the view is this agent's group and its destinations, so a path from or
//! through another region names segments it has never heard of. The data plane drops such a
//! datagram (`unknown_segment`) and never waits; the shell notes the ids here, hands a few at a
//! time to the chain client, and the next view holds the ones that exist. Every map is
//! bounded: ids waiting, ids asked for, and ids the chain said do not exist (a negative cache,
//! so a flood of made-up ids costs the node a bounded number of lookups).

use std::num::NonZeroUsize;

use ditex_primitives::registry::SegmentId;
use lru::LruCache;

/// Most ids waiting to be looked up; past it the least recently noted is dropped.
pub const MAX_PENDING: usize = 64;
/// Most ids remembered as not registered.
pub const MAX_MISSING: usize = 1024;
/// How long an id the chain did not know is not asked about again.
pub const MISSING_TTL_US: u64 = 300_000_000;
/// How long an answer may take before the id may be asked about again.
pub const ASK_TIMEOUT_US: u64 = 30_000_000;

/// The lookups of one agent.
#[derive(Debug)]
pub struct Resolver<Id: std::hash::Hash + Eq = SegmentId> {
	pending: LruCache<Id, ()>,
	asked: LruCache<Id, u64>,
	missing: LruCache<Id, u64>,
	/// How long an id the chain did not know is not asked about again.
	missing_ttl_us: u64,
	/// Lookups asked for so far.
	pub asked_total: u64,
}

impl<Id: std::hash::Hash + Eq + Copy> Default for Resolver<Id> {
	fn default() -> Self {
		let cap = |n| NonZeroUsize::new(n).expect("non-zero");
		Resolver {
			pending: LruCache::new(cap(MAX_PENDING)),
			asked: LruCache::new(cap(MAX_PENDING)),
			missing: LruCache::new(cap(MAX_MISSING)),
			missing_ttl_us: MISSING_TTL_US,
			asked_total: 0,
		}
	}
}

impl<Id: std::hash::Hash + Eq + Copy> Resolver<Id> {
	/// A resolver that asks again about an id the chain did not know after `us` (a channel
	/// the node had not finalized yet may be there a block later).
	pub fn with_missing_ttl(us: u64) -> Self {
		Resolver { missing_ttl_us: us, ..Default::default() }
	}

	/// A datagram named `id`, which the view lacks, at `now_us`.
	pub fn note(&mut self, now_us: u64, id: Id) {
		if self.missing.peek(&id).is_some_and(|until| now_us < *until) {
			return;
		}
		if self.asked.peek(&id).is_some_and(|at| now_us < at.saturating_add(ASK_TIMEOUT_US)) {
			return;
		}
		self.pending.put(id, ());
	}

	/// Up to `max` ids to look up now; they count as asked until [`Self::answered`].
	pub fn take(&mut self, now_us: u64, max: usize) -> Vec<Id> {
		let mut out = Vec::new();
		while out.len() < max {
			let Some((id, ())) = self.pending.pop_lru() else { break };
			self.asked.put(id, now_us);
			out.push(id);
		}
		self.asked_total += out.len() as u64;
		out
	}

	/// The chain's answer about `id` at `now_us`: registered (it will be in the next view) or
	/// not (not asked about again for [`MISSING_TTL_US`]).
	pub fn answered(&mut self, now_us: u64, id: Id, registered: bool) {
		self.asked.pop(&id);
		if registered {
			self.missing.pop(&id);
		} else {
			self.missing.put(id, now_us.saturating_add(self.missing_ttl_us));
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// M14: in chain mode a relay knew only its own group, so every cross-region path was
	/// dropped as `unknown_segment` for good. Unknown ids are now looked up, once, boundedly.
	#[test]
	fn m14_unknown_segments_are_looked_up_once_and_remembered() {
		let mut r = Resolver::default();
		let t = 1u64 << 40;
		// The same unknown id on many datagrams: one lookup.
		for _ in 0..100 {
			r.note(t, 42);
		}
		assert_eq!(r.take(t, 8), vec![42]);
		r.note(t + 1, 42);
		assert!(r.take(t + 1, 8).is_empty(), "asked already");
		// Not registered: not asked about again for a while.
		r.answered(t + 2, 42, false);
		r.note(t + 3, 42);
		assert!(r.take(t + 3, 8).is_empty());
		r.note(t + 2 + MISSING_TTL_US, 42);
		assert_eq!(r.take(t + 2 + MISSING_TTL_US, 8), vec![42]);
		// No answer in time: asked again.
		r.note(t + 2 + MISSING_TTL_US + ASK_TIMEOUT_US, 42);
		assert_eq!(r.take(t + 2 + MISSING_TTL_US + ASK_TIMEOUT_US, 8), vec![42]);
	}

	#[test]
	fn m14_a_flood_of_made_up_ids_costs_bounded_lookups() {
		let mut r = Resolver::default();
		let t = 1u64 << 40;
		for id in 0..100_000u32 {
			r.note(t, id);
		}
		// Only the latest MAX_PENDING wait; a few are asked per call.
		assert_eq!(r.take(t, 16).len(), 16);
		let mut rest = 0;
		while !r.take(t, 16).is_empty() {
			rest += 1;
		}
		assert!(rest <= MAX_PENDING / 16);
		assert_eq!(r.asked_total, MAX_PENDING as u64);
	}
}
