//! Byte counters per peer and per flow, persisted across restarts.
//!
//! Each datagram is counted exactly once, where the data plane handles it: bytes in from the
//! previous hop, bytes out to the next. Counters are cumulative since the state file was
//! created; a restart loads them and carries on, so nothing is lost or counted twice. The file
//! is replaced atomically (write a uniquely named temporary file, fsync, rename, fsync the
//! directory), so a crash mid-write leaves the previous snapshot intact.
//!
//! Per-peer totals are kept for every peer in the view. Per-flow records are detail, and any
//! member can make new flows: at most [`MAX_FLOW_RECORDS`] are kept, the least recently counted
//! one folded into [`Accounting::evicted`] when a new one needs room, so the records and the
//! evicted sum always add up to the totals and the snapshot stays small.

use std::{
	collections::BTreeMap,
	io::Write,
	os::unix::fs::OpenOptionsExt,
	path::{Path, PathBuf},
};

use ditex_primitives::{registry::SegmentId, wire::FlowId};
use lru::LruCache;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};

/// Most per-flow records kept (a few hundred kB of snapshot).
pub const MAX_FLOW_RECORDS: usize = 4096;

/// A flow seen from either end: its two endpoints (lower id first) and its id, so both
/// directions of a flow land in one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FlowKey {
	/// The lower segment id of the two ends.
	pub low: SegmentId,
	/// The higher one.
	pub high: SegmentId,
	/// The flow id the ingress chose.
	pub flow: FlowId,
}

impl FlowKey {
	/// The key of `flow` between `a` and `b`, in either order.
	pub fn new(a: SegmentId, b: SegmentId, flow: FlowId) -> FlowKey {
		FlowKey { low: a.min(b), high: a.max(b), flow }
	}
}

/// Bytes and datagrams in each direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
	/// Bytes received.
	pub bytes_in: u64,
	/// Bytes sent.
	pub bytes_out: u64,
	/// Datagrams received.
	pub packets_in: u64,
	/// Datagrams sent.
	pub packets_out: u64,
}

impl Counters {
	fn add(&mut self, o: &Counters) {
		self.bytes_in = self.bytes_in.saturating_add(o.bytes_in);
		self.bytes_out = self.bytes_out.saturating_add(o.bytes_out);
		self.packets_in = self.packets_in.saturating_add(o.packets_in);
		self.packets_out = self.packets_out.saturating_add(o.packets_out);
	}
}

/// The counters of one agent.
#[derive(Debug)]
pub struct Accounting {
	peers: BTreeMap<SegmentId, Counters>,
	/// Most recently counted first; at most [`MAX_FLOW_RECORDS`].
	flows: LruCache<FlowKey, Counters>,
	evicted: Counters,
	boot_id: u32,
	/// When this ledger started, Unix seconds: the boot time of the tickets built from it.
	since: u64,
	dirty: bool,
}

impl Default for Accounting {
	fn default() -> Self {
		Accounting {
			peers: BTreeMap::new(),
			flows: LruCache::unbounded(),
			evicted: Counters::default(),
			boot_id: 0,
			since: 0,
			dirty: false,
		}
	}
}

impl Clone for Accounting {
	fn clone(&self) -> Self {
		let mut flows = LruCache::unbounded();
		for (k, v) in self.flows.iter().rev() {
			flows.push(*k, *v);
		}
		Accounting {
			peers: self.peers.clone(),
			flows,
			evicted: self.evicted,
			boot_id: self.boot_id,
			since: self.since,
			dirty: self.dirty,
		}
	}
}

impl PartialEq for Accounting {
	fn eq(&self, o: &Self) -> bool {
		let sorted = |a: &Accounting| {
			let mut v: Vec<_> = a.flows.iter().map(|(k, c)| (*k, *c)).collect();
			v.sort_unstable_by_key(|(k, _)| *k);
			v
		};
		self.peers == o.peers && self.evicted == o.evicted && sorted(self) == sorted(o)
	}
}

impl Eq for Accounting {}

/// The on-disk form: lists, because JSON maps need string keys.
#[derive(Serialize, Deserialize)]
struct Snapshot {
	version: u32,
	peers: Vec<(SegmentId, Counters)>,
	/// Least recently counted first, so a load restores the order.
	flows: Vec<(FlowKey, Counters)>,
	#[serde(default)]
	evicted: Counters,
	/// The boot id of the latest start (pulse boot ids only grow).
	#[serde(default)]
	boot_id: u32,
	/// When the ledger started, Unix seconds (0 in files from before it was kept).
	#[serde(default)]
	since: u64,
}

/// Why the state file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum AccountingError {
	/// I/O failed.
	#[error("accounting state {path}: {source}")]
	Io {
		/// The file.
		path: PathBuf,
		/// The error.
		source: std::io::Error,
	},
	/// The file is not a snapshot.
	#[error("accounting state {path} is corrupt: {source}")]
	Corrupt {
		/// The file.
		path: PathBuf,
		/// The error.
		source: serde_json::Error,
	},
}

impl Accounting {
	/// The record of `flow`, made (evicting the least recently counted one if full) if new.
	fn flow_mut(&mut self, flow: FlowKey) -> &mut Counters {
		if !self.flows.contains(&flow) {
			if self.flows.len() >= MAX_FLOW_RECORDS {
				if let Some((_, c)) = self.flows.pop_lru() {
					self.evicted.add(&c);
				}
			}
			self.flows.push(flow, Counters::default());
		}
		self.flows.get_or_insert_mut(flow, Counters::default)
	}

	/// Count `bytes` received from `peer` for `flow`.
	pub fn record_in(&mut self, peer: SegmentId, flow: FlowKey, bytes: u64) {
		let one = Counters { bytes_in: bytes, packets_in: 1, ..Default::default() };
		self.peers.entry(peer).or_default().add(&one);
		self.flow_mut(flow).add(&one);
		self.dirty = true;
	}

	/// Count `bytes` sent to `peer` for `flow`.
	pub fn record_out(&mut self, peer: SegmentId, flow: FlowKey, bytes: u64) {
		let one = Counters { bytes_out: bytes, packets_out: 1, ..Default::default() };
		self.peers.entry(peer).or_default().add(&one);
		self.flow_mut(flow).add(&one);
		self.dirty = true;
	}

	/// What the flow records evicted to keep [`MAX_FLOW_RECORDS`] had counted.
	pub fn evicted(&self) -> Counters {
		self.evicted
	}

	/// The boot id of the latest start, 0 before the first.
	pub fn boot_id(&self) -> u32 {
		self.boot_id
	}

	/// Record this start's boot id.
	pub fn set_boot_id(&mut self, id: u32) {
		self.boot_id = id;
		self.dirty = true;
	}

	/// When this ledger started counting, Unix seconds; 0 until [`Self::start`].
	pub fn since(&self) -> u64 {
		self.since
	}

	/// Start the ledger's clock at `now_s` (Unix seconds) unless it has one: its counters
	/// count from then, and its tickets name it as their boot time.
	pub fn start(&mut self, now_s: u64) {
		if self.since == 0 {
			self.since = now_s.max(1);
			self.dirty = true;
		}
	}

	/// Flow records held.
	pub fn flow_records(&self) -> usize {
		self.flows.len()
	}

	/// Counters of one peer (zero if never seen).
	pub fn peer(&self, peer: SegmentId) -> Counters {
		self.peers.get(&peer).copied().unwrap_or_default()
	}

	/// Counters of one flow (zero if never seen, or evicted).
	pub fn flow(&self, flow: FlowKey) -> Counters {
		self.flows.peek(&flow).copied().unwrap_or_default()
	}

	/// Every peer's counters.
	pub fn peers(&self) -> impl Iterator<Item = (&SegmentId, &Counters)> {
		self.peers.iter()
	}

	/// Every flow's counters.
	pub fn flows(&self) -> impl Iterator<Item = (&FlowKey, &Counters)> {
		self.flows.iter()
	}

	/// Whether anything changed since the last save.
	pub fn is_dirty(&self) -> bool {
		self.dirty
	}

	/// Load the snapshot at `path`; a missing file is an empty ledger.
	pub fn load(path: &Path) -> Result<Accounting, AccountingError> {
		let bytes = match std::fs::read(path) {
			Ok(b) => b,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Accounting::default()),
			Err(source) => return Err(AccountingError::Io { path: path.into(), source }),
		};
		let s: Snapshot = serde_json::from_slice(&bytes)
			.map_err(|source| AccountingError::Corrupt { path: path.into(), source })?;
		let mut a = Accounting { peers: s.peers.into_iter().collect(), ..Default::default() };
		a.evicted = s.evicted;
		a.boot_id = s.boot_id;
		a.since = s.since;
		for (k, c) in s.flows {
			a.flow_mut(k).add(&c);
		}
		Ok(a)
	}

	/// The snapshot to write, as of now; from here the ledger counts as saved.
	pub fn snapshot(&mut self) -> Vec<u8> {
		let s = Snapshot {
			version: 2,
			peers: self.peers.iter().map(|(k, v)| (*k, *v)).collect(),
			flows: self.flows.iter().rev().map(|(k, v)| (*k, *v)).collect(),
			evicted: self.evicted,
			boot_id: self.boot_id,
			since: self.since,
		};
		self.dirty = false;
		serde_json::to_vec(&s).expect("snapshots always serialize")
	}

	/// Mark the ledger as not saved (a write of its snapshot failed).
	pub fn mark_dirty(&mut self) {
		self.dirty = true;
	}

	/// Write the snapshot to `path` atomically and durably.
	pub fn save(&mut self, path: &Path) -> Result<(), AccountingError> {
		let bytes = self.snapshot();
		write_atomic(path, &bytes, true).map_err(|source| {
			self.dirty = true;
			AccountingError::Io { path: path.into(), source }
		})
	}
}

/// Move the unusable state file at `path` to `<path>.corrupt` (kept for a look, out of the way
/// of the fresh state written next); returns where it went.
pub fn set_aside(path: &Path) -> std::io::Result<PathBuf> {
	let mut aside = path.as_os_str().to_owned();
	aside.push(".corrupt");
	std::fs::rename(path, &aside)?;
	Ok(PathBuf::from(aside))
}

/// Replace `path` with `bytes` so readers see the old or the new content, never a mix. The
/// temporary file has a name of its own (several writers never clobber each other), is
/// created exclusively and never through a symlink (one planted where it would go cannot
/// redirect the write), and is removed if anything fails. With `durable`, the data and the
/// rename are on disk when this returns (the file and its directory are synced); without, a
/// crash may lose the latest content but never tears it.
pub fn write_atomic(path: &Path, bytes: &[u8], durable: bool) -> std::io::Result<()> {
	let dir = match path.parent() {
		Some(d) if !d.as_os_str().is_empty() => d,
		_ => Path::new("."),
	};
	let name = path
		.file_name()
		.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "no file name"))?;
	let tmp = dir.join(format!(
		".{}.{}.{:016x}.tmp",
		name.to_string_lossy(),
		std::process::id(),
		OsRng.next_u64()
	));
	let r = (|| {
		let mut f = std::fs::OpenOptions::new()
			.write(true)
			.create_new(true)
			.mode(0o644)
			.custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
			.open(&tmp)?;
		f.write_all(bytes)?;
		if durable {
			f.sync_all()?;
		}
		drop(f);
		std::fs::rename(&tmp, path)?;
		if durable {
			std::fs::File::open(dir)?.sync_all()?;
		}
		Ok(())
	})();
	if r.is_err() {
		let _ = std::fs::remove_file(&tmp);
	}
	r
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn flow_key_is_direction_free() {
		assert_eq!(FlowKey::new(1, 2, 3), FlowKey::new(2, 1, 3));
	}

	#[test]
	fn survives_restart_without_double_counting() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("acct.json");
		let f = FlowKey::new(1, 4, 9);
		let mut a = Accounting::load(&path).unwrap();
		a.record_out(2, f, 1000);
		a.record_in(2, f, 300);
		a.save(&path).unwrap();
		assert!(!a.is_dirty());
		// Restart: load and keep counting.
		let mut b = Accounting::load(&path).unwrap();
		assert_eq!(b, a);
		b.record_out(2, f, 500);
		b.save(&path).unwrap();
		// Saving twice without new traffic changes nothing.
		b.save(&path).unwrap();
		let c = Accounting::load(&path).unwrap();
		assert_eq!(
			c.peer(2),
			Counters { bytes_in: 300, bytes_out: 1500, packets_in: 1, packets_out: 2 }
		);
		assert_eq!(c.flow(f).bytes_out, 1500);
	}

	/// H7: every flow id ever seen kept a record for good, and the whole map was rewritten
	/// every second: a member making fresh flows grew memory and the save without bound.
	#[test]
	fn h7_flow_records_are_bounded_and_add_up_to_the_totals() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("acct.json");
		let mut a = Accounting::default();
		let n = 3 * MAX_FLOW_RECORDS as u64;
		for f in 0..n {
			a.record_in(2, FlowKey::new(1, 2, f), 100);
			a.record_out(3, FlowKey::new(1, 2, f), 100);
		}
		// A long-lived flow keeps its record: it is counted again and again.
		for _ in 0..10 {
			a.record_in(2, FlowKey::new(1, 2, n - 1), 1);
		}
		assert_eq!(a.flow_records(), MAX_FLOW_RECORDS);
		assert_eq!(a.flow(FlowKey::new(1, 2, n - 1)).packets_in, 11);
		assert_eq!(a.flow(FlowKey::new(1, 2, 0)), Counters::default(), "the oldest went");
		let sum = |a: &Accounting| {
			let mut s = a.evicted();
			for (_, c) in a.flows.iter() {
				s.add(c);
			}
			s
		};
		let total = sum(&a);
		assert_eq!(total.bytes_in, a.peer(2).bytes_in);
		assert_eq!(total.bytes_out, a.peer(3).bytes_out);
		// The snapshot stays small, and a restart keeps the sums and the order.
		a.save(&path).unwrap();
		let len = std::fs::metadata(&path).unwrap().len();
		assert!(len < 120 * MAX_FLOW_RECORDS as u64, "{len} bytes");
		let mut b = Accounting::load(&path).unwrap();
		assert_eq!(b, a);
		b.record_in(2, FlowKey::new(1, 2, n + 1), 1);
		assert_eq!(b.flow(FlowKey::new(1, 2, n - 1)).packets_in, 11, "recent ones stay");
	}

	/// M10: a fixed temporary name let two instances clobber each other, and `File::create`
	/// followed a symlink planted at that name (a root daemon truncating any file).
	#[test]
	fn m10_temporary_files_are_unique_and_never_follow_a_symlink() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("acct.json");
		let victim = dir.path().join("victim");
		std::fs::write(&victim, b"precious").unwrap();
		std::os::unix::fs::symlink(&victim, dir.path().join("acct.json.tmp")).unwrap();
		let mut a = Accounting::default();
		a.record_in(3, FlowKey::new(1, 3, 1), 42);
		a.save(&path).unwrap();
		assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
		// Writers at once never see each other's half-written files, and leave none behind.
		let threads: Vec<_> = (0..8u8)
			.map(|k| {
				let p = path.clone();
				std::thread::spawn(move || {
					for _ in 0..20 {
						write_atomic(&p, &[k; 4096], k % 2 == 0).unwrap();
					}
				})
			})
			.collect();
		for t in threads {
			t.join().unwrap();
		}
		let got = std::fs::read(&path).unwrap();
		assert!(got.len() == 4096 && got.iter().all(|b| *b == got[0]));
		let left: Vec<_> = std::fs::read_dir(dir.path())
			.unwrap()
			.filter_map(|e| e.ok())
			.filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
			.map(|e| e.file_name())
			.collect();
		assert_eq!(left, vec![std::ffi::OsString::from("acct.json.tmp")], "only the planted one");
	}

	#[test]
	fn crash_mid_write_keeps_the_old_snapshot() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("acct.json");
		let mut a = Accounting::default();
		a.record_in(3, FlowKey::new(1, 3, 1), 42);
		a.save(&path).unwrap();
		// A crash after writing the temporary file but before the rename.
		std::fs::write(dir.path().join("acct.json.tmp"), b"{ half a snap").unwrap();
		assert_eq!(Accounting::load(&path).unwrap().peer(3).bytes_in, 42);
		std::fs::write(&path, b"garbage").unwrap();
		assert!(matches!(Accounting::load(&path), Err(AccountingError::Corrupt { .. })));
	}
}
