//! Links: what the pulse bookkeeping measures and the router reads, in one place below both,
//! so [`crate::pulse`] and [`crate::routing`] depend on it and not on each other.

use ditex_primitives::registry::SegmentId;

/// Loss in parts per million meaning "down": nothing heard.
pub const LOSS_DOWN: u32 = 1_000_000;

/// What is known of one directed link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkMetrics {
	/// Relative one-way latency in µs: the lower of the latest two pulses'.
	pub latency_us: i64,
	/// The windowed minimum of the latency: offset + propagation, without queueing.
	pub baseline_us: i64,
	/// Jitter in µs (RFC 3550 estimator).
	pub jitter_us: u32,
	/// Loss in parts per million.
	pub loss_ppm: u32,
	/// Local time of the last update.
	pub updated_us: u64,
}

/// Where the router gets link metrics from (the pulse bookkeeping, or a simulation).
pub trait LinkView {
	/// The link `from → to`, if known.
	fn link(&self, from: SegmentId, to: SegmentId) -> Option<LinkMetrics>;
}
