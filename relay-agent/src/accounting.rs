//! Byte counters per peer and per flow, persisted across restarts.
//!
//! Each datagram is counted exactly once, where the data plane handles it: bytes in from the
//! previous hop, bytes out to the next. Counters are cumulative since the state file was
//! created; a restart loads them and carries on, so nothing is lost or counted twice. The file
//! is replaced atomically (write a temporary file, fsync, rename), so a crash mid-write leaves
//! the previous snapshot intact. Tickets (a later issue) are built from these numbers.

use std::{
	collections::BTreeMap,
	io::Write,
	path::{Path, PathBuf},
};

use ditex_primitives::{registry::SegmentId, wire::FlowId};
use serde::{Deserialize, Serialize};

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

/// The counters of one agent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Accounting {
	peers: BTreeMap<SegmentId, Counters>,
	flows: BTreeMap<FlowKey, Counters>,
	dirty: bool,
}

/// The on-disk form: lists, because JSON maps need string keys.
#[derive(Serialize, Deserialize)]
struct Snapshot {
	version: u32,
	peers: Vec<(SegmentId, Counters)>,
	flows: Vec<(FlowKey, Counters)>,
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
	/// Count `bytes` received from `peer` for `flow`.
	pub fn record_in(&mut self, peer: SegmentId, flow: FlowKey, bytes: u64) {
		for c in [self.peers.entry(peer).or_default(), self.flows.entry(flow).or_default()] {
			c.bytes_in += bytes;
			c.packets_in += 1;
		}
		self.dirty = true;
	}

	/// Count `bytes` sent to `peer` for `flow`.
	pub fn record_out(&mut self, peer: SegmentId, flow: FlowKey, bytes: u64) {
		for c in [self.peers.entry(peer).or_default(), self.flows.entry(flow).or_default()] {
			c.bytes_out += bytes;
			c.packets_out += 1;
		}
		self.dirty = true;
	}

	/// Counters of one peer (zero if never seen).
	pub fn peer(&self, peer: SegmentId) -> Counters {
		self.peers.get(&peer).copied().unwrap_or_default()
	}

	/// Counters of one flow (zero if never seen).
	pub fn flow(&self, flow: FlowKey) -> Counters {
		self.flows.get(&flow).copied().unwrap_or_default()
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
		Ok(Accounting {
			peers: s.peers.into_iter().collect(),
			flows: s.flows.into_iter().collect(),
			dirty: false,
		})
	}

	/// Write the snapshot to `path` atomically.
	pub fn save(&mut self, path: &Path) -> Result<(), AccountingError> {
		let s = Snapshot {
			version: 1,
			peers: self.peers.iter().map(|(k, v)| (*k, *v)).collect(),
			flows: self.flows.iter().map(|(k, v)| (*k, *v)).collect(),
		};
		let bytes = serde_json::to_vec(&s).expect("snapshots always serialize");
		write_atomic(path, &bytes)
			.map_err(|source| AccountingError::Io { path: path.into(), source })?;
		self.dirty = false;
		Ok(())
	}
}

/// Replace `path` with `bytes` so readers see the old or the new content, never a mix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
	let mut tmp = path.as_os_str().to_owned();
	tmp.push(".tmp");
	let tmp = PathBuf::from(tmp);
	{
		let mut f = std::fs::File::create(&tmp)?;
		f.write_all(bytes)?;
		f.sync_all()?;
	}
	std::fs::rename(&tmp, path)
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
