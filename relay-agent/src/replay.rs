//! A sliding replay window over 64-bit packet counters (RFC 6479's bitmap, as WireGuard
//! keeps one per session): a counter is accepted once, and only if it is not older than the
//! window behind the highest counter seen.
//!
//! Checking and marking are separate steps, so a caller marks a counter only after the packet
//! that carried it was authenticated: a forged packet cannot move the window.

/// Counters the window remembers behind the highest one seen.
pub const WINDOW: u64 = 2048;
/// No counter at or past this is ever accepted: where senders stop.
pub const LAST_COUNTER: u64 = u64::MAX;
/// One word more than the window, so the oldest counter in the window never shares a word
/// slot with the newest (RFC 6479 §2).
const WORDS: usize = (WINDOW / 64) as usize + 1;

/// Which counters of a sender have been seen.
#[derive(Clone, Debug)]
pub struct ReplayWindow {
	/// One more than the highest counter marked; 0 before the first.
	next: u64,
	bits: [u64; WORDS],
}

/// Why a counter is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Replay {
	/// Seen before.
	Duplicate,
	/// Older than the window.
	TooOld,
}

impl Default for ReplayWindow {
	fn default() -> Self {
		ReplayWindow { next: 0, bits: [0; WORDS] }
	}
}

impl ReplayWindow {
	/// An empty window.
	pub fn new() -> Self {
		Self::default()
	}

	/// Whether `counter` may be accepted: never seen and within the window. `u64::MAX`, where
	/// counters stop, never is.
	pub fn check(&self, counter: u64) -> Result<(), Replay> {
		if counter == LAST_COUNTER {
			return Err(Replay::TooOld);
		}
		if counter >= self.next {
			return Ok(());
		}
		if self.next - counter > WINDOW {
			return Err(Replay::TooOld);
		}
		let (word, bit) = Self::slot(counter);
		if self.bits[word] & (1 << bit) != 0 {
			Err(Replay::Duplicate)
		} else {
			Ok(())
		}
	}

	/// Mark `counter` seen, sliding the window forward if it is the highest yet. Call only
	/// after [`ReplayWindow::check`] passed and the packet was authenticated.
	pub fn mark(&mut self, counter: u64) {
		if counter == LAST_COUNTER {
			return;
		}
		if counter >= self.next {
			// Clear the words the window slides over, at most the whole window.
			let first = self.next.div_ceil(64);
			let last = counter / 64;
			let clear = last.saturating_sub(first).saturating_add(1).min(WORDS as u64);
			if self.next == 0 || last >= first {
				for i in 0..clear {
					self.bits[((last - i) % WORDS as u64) as usize] = 0;
				}
			}
			self.next = counter + 1;
		}
		let (word, bit) = Self::slot(counter);
		self.bits[word] |= 1 << bit;
	}

	/// [`ReplayWindow::check`], then [`ReplayWindow::mark`].
	pub fn accept(&mut self, counter: u64) -> Result<(), Replay> {
		self.check(counter)?;
		self.mark(counter);
		Ok(())
	}

	/// The highest counter marked, if any.
	pub fn highest(&self) -> Option<u64> {
		self.next.checked_sub(1)
	}

	fn slot(counter: u64) -> (usize, u32) {
		(((counter / 64) % WORDS as u64) as usize, (counter % 64) as u32)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn each_counter_once() {
		let mut w = ReplayWindow::new();
		for c in [0, 1, 5, 3, 2, 4] {
			assert_eq!(w.accept(c), Ok(()), "{c}");
		}
		for c in 0..=5 {
			assert_eq!(w.accept(c), Err(Replay::Duplicate), "{c}");
		}
		assert_eq!(w.highest(), Some(5));
	}

	#[test]
	fn old_counters_fall_out_and_reordering_within_the_window_is_kept() {
		let mut w = ReplayWindow::new();
		w.accept(10_000).unwrap();
		assert_eq!(w.check(10_000 - WINDOW), Err(Replay::TooOld));
		assert_eq!(w.accept(10_000 - WINDOW + 1), Ok(()));
		assert_eq!(w.accept(9_999), Ok(()));
		assert_eq!(w.accept(9_999), Err(Replay::Duplicate));
	}

	#[test]
	fn a_jump_forward_forgets_what_it_slides_over() {
		let mut w = ReplayWindow::new();
		for c in 0..3 * WINDOW {
			w.accept(c).unwrap();
		}
		// Far ahead: the old bits must not make fresh counters look seen.
		let top = 10 * WINDOW + 17;
		w.accept(top).unwrap();
		for c in top - WINDOW + 1..top {
			assert_eq!(w.check(c), Ok(()), "{c}");
		}
		// One word ahead only.
		w.accept(top + 64).unwrap();
		for c in top + 1..top + 64 {
			assert_eq!(w.check(c), Ok(()), "{c}");
		}
		assert_eq!(w.check(top), Err(Replay::Duplicate));
	}

	#[test]
	fn extreme_counters_do_not_overflow() {
		let mut w = ReplayWindow::new();
		assert_eq!(w.accept(u64::MAX), Err(Replay::TooOld));
		w.accept(u64::MAX - 1).unwrap();
		assert_eq!(w.accept(u64::MAX - 1), Err(Replay::Duplicate));
		assert_eq!(w.check(0), Err(Replay::TooOld));
		assert_eq!(w.accept(u64::MAX), Err(Replay::TooOld));
	}

	/// Against a set that remembers everything, on a pseudo-random walk with reordering.
	#[test]
	fn agrees_with_a_model() {
		let mut w = ReplayWindow::new();
		let mut seen = std::collections::BTreeSet::new();
		let mut x: u64 = 0x2545_f491_4f6c_dd1d;
		let mut top = 0u64;
		for _ in 0..200_000 {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			let c = match x % 10 {
				0 => top + x % 5_000,
				_ => top.saturating_sub(x % (WINDOW + 100)),
			};
			let expected = if top.saturating_sub(c) >= WINDOW && c < top {
				Err(Replay::TooOld)
			} else if seen.contains(&c) {
				Err(Replay::Duplicate)
			} else {
				Ok(())
			};
			let got = w.accept(c);
			assert_eq!(got, expected, "counter {c} (top {top})");
			if got.is_ok() {
				seen.insert(c);
				top = top.max(c);
			}
		}
	}
}
