//! A small network lab for the integration tests: hosts in network namespaces this process
//! creates, a full mesh of veth links between them, the real `ditex-relay` binary running in
//! each, and threads that enter a namespace to play client or server. Everything is torn down
//! by `Drop`, also when a test fails.

#![allow(dead_code)]

use std::{
	fs::File,
	io::Write,
	net::SocketAddr,
	os::fd::AsRawFd,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	thread::JoinHandle,
	time::{Duration, Instant},
};

use ditex_relay::shell::status::Status;
use x25519_dalek::{PublicKey, StaticSecret};

/// The `ditex-relay` binary: this crate's own, or the one `DITEX_RELAY_BIN` names (tests of
/// other crates that share this lab).
pub fn relay_bin() -> PathBuf {
	match option_env!("CARGO_BIN_EXE_ditex-relay") {
		Some(p) => PathBuf::from(p),
		None => std::env::var_os("DITEX_RELAY_BIN").map(PathBuf::from).expect("DITEX_RELAY_BIN"),
	}
}

/// Whether this process may build namespaces; prints why not otherwise.
pub fn can_build_namespaces(test: &str) -> bool {
	// SAFETY: geteuid has no preconditions.
	if unsafe { libc::geteuid() } != 0 {
		eprintln!("SKIP {test}: needs root for network namespaces");
		return false;
	}
	if Command::new("ip").arg("-V").output().is_err() {
		eprintln!("SKIP {test}: the `ip` tool (iproute2) is missing");
		return false;
	}
	true
}

/// Run a command, failing the test with its output if it fails.
pub fn sh(args: &[&str]) {
	let out = Command::new(args[0]).args(&args[1..]).output().expect("spawn");
	assert!(
		out.status.success(),
		"{:?} failed: {}{}",
		args,
		String::from_utf8_lossy(&out.stdout),
		String::from_utf8_lossy(&out.stderr)
	);
}

/// The secret of test host `i` (distinct per host: X25519 clamps the low bits of byte 0).
pub fn secret(i: usize) -> StaticSecret {
	let mut b = [0x42u8; 32];
	b[1] = i as u8;
	StaticSecret::from(b)
}

/// The ticket key (ed25519 secret) of test host `i`.
pub fn ticket_secret(i: usize) -> [u8; 32] {
	[0x50 + i as u8; 32]
}

/// Segment `i`'s data-plane address.
pub fn endpoint(i: usize) -> SocketAddr {
	format!("10.77.0.{i}:51820").parse().expect("literal")
}

/// Host `i`'s listing for the chain, with the lab's keys of host `i`: reached at `at`, for
/// sale at `price` per GiB (region DE-BE, ASN 64512, 1000 Mbit/s).
pub fn segment_spec(
	i: usize,
	at: SocketAddr,
	price: u128,
) -> ditex_primitives::registry::SegmentSpec<u128> {
	use ditex_primitives::registry::{DataPlaneKey, TicketKey};
	let key = DataPlaneKey(*PublicKey::from(&secret(i)).as_bytes());
	let ticket = TicketKey(ditex_ctl::ticket::public(&ticket_secret(i)));
	let region = ditex_ctl::segment::parse_region("DE-BE").expect("literal");
	ditex_ctl::segment::spec(at, key, ticket, region, 64512, Some(price), 1000)
}

/// A set of namespaces `1..=n` with a full mesh of veths; host `i` owns `10.77.0.i/32`.
pub struct Lab {
	prefix: String,
	pub n: usize,
	pub dir: tempfile::TempDir,
	children: Vec<(usize, Child)>,
	created: Vec<String>,
}

impl Lab {
	/// Build the lab. `tag` keeps parallel tests apart; the pid keeps parallel runs apart.
	pub fn new(tag: &str, n: usize) -> Lab {
		Lab::in_dir(tag, n, tempfile::tempdir().expect("tempdir"))
	}

	/// [`Lab::new`], with its configs, logs and status files in `dir`.
	pub fn in_dir(tag: &str, n: usize, dir: tempfile::TempDir) -> Lab {
		let mut lab = Lab {
			prefix: format!("dx{}{}", std::process::id(), tag),
			n,
			dir,
			children: Vec::new(),
			created: Vec::new(),
		};
		for i in 1..=n {
			let ns = lab.ns(i);
			sh(&["ip", "netns", "add", &ns]);
			lab.created.push(ns.clone());
			sh(&["ip", "-n", &ns, "link", "set", "lo", "up"]);
			sh(&["ip", "-n", &ns, "addr", "add", &format!("10.77.0.{i}/32"), "dev", "lo"]);
		}
		for i in 1..=n {
			for j in i + 1..=n {
				// In host i the link towards j is called vj, and the other way round.
				let (a, b) = (lab.ns(i), lab.ns(j));
				sh(&[
					"ip",
					"-n",
					&a,
					"link",
					"add",
					&format!("v{j}"),
					"type",
					"veth",
					"peer",
					"name",
					&format!("v{i}"),
					"netns",
					&b,
				]);
				for (ns, me, other) in [(&a, i, j), (&b, j, i)] {
					let dev = format!("v{other}");
					sh(&["ip", "-n", ns, "link", "set", &dev, "up"]);
					sh(&[
						"ip",
						"-n",
						ns,
						"route",
						"add",
						&format!("10.77.0.{other}/32"),
						"dev",
						&dev,
						"src",
						&format!("10.77.0.{me}"),
					]);
				}
			}
		}
		lab
	}

	/// Add host `i` outside the mesh (no links); returns its namespace.
	pub fn add_host(&mut self, i: usize) -> String {
		let ns = self.ns(i);
		sh(&["ip", "netns", "add", &ns]);
		self.created.push(ns.clone());
		sh(&["ip", "-n", &ns, "link", "set", "lo", "up"]);
		ns
	}

	/// Namespace name of host `i`.
	pub fn ns(&self, i: usize) -> String {
		format!("{}h{i}", self.prefix)
	}

	/// The file that names host `i`'s namespace (for `setns`).
	pub fn ns_path(&self, i: usize) -> PathBuf {
		Path::new("/var/run/netns").join(self.ns(i))
	}

	/// Run a command inside host `i`.
	pub fn exec(&self, i: usize, args: &[&str]) {
		let ns = self.ns(i);
		let mut v = vec!["ip", "netns", "exec", &ns];
		v.extend_from_slice(args);
		sh(&v);
	}

	/// Write the config of host `i` for a group of all hosts; `extra` is appended.
	pub fn config(&self, i: usize, interval_ms: u64, extra: &str) -> PathBuf {
		let mut s = format!(
			"[agent]\nid = {i}\nsecret_key = \"0x{}\"\nlisten = \"{}\"\npulse_interval_ms = {interval_ms}\nstatus_file = \"{}\"\nstate_file = \"{}\"\n\n[net]\n# Namespaces on 10.77.0.0/24.\ntest_bed = true\n\n{extra}\n",
			hex::encode(secret(i).to_bytes()),
			endpoint(i),
			self.status_path(i).display(),
			self.dir.path().join(format!("acct-{i}.json")).display(),
		);
		for j in 1..=self.n {
			s += &format!(
				"[[peers]]\nid = {j}\nendpoint = \"{}\"\nkey = \"0x{}\"\nregion = \"DE-BE\"\nasn = 64512\npricePerGib = \"10\"\ncapacityMbps = 1000\ngroup = 1\nstatus = \"active\"\n\n",
				endpoint(j),
				hex::encode(PublicKey::from(&secret(j)).as_bytes()),
			);
		}
		let path = self.dir.path().join(format!("host{i}.toml"));
		File::create(&path).and_then(|mut f| f.write_all(s.as_bytes())).expect("write config");
		path
	}

	/// Write host `i`'s config for an agent that follows the chain at `url` (as seen from its
	/// namespace) as segment `id`, with the lab's data-plane and ticket keys of host `i`,
	/// pulsing every `pulse_ms`; `extra` adds sections (`[consumer]`, `[exit]`, `[dashboard]`).
	pub fn chain_config(
		&self,
		i: usize,
		id: u32,
		url: &str,
		pulse_ms: u64,
		extra: &str,
	) -> PathBuf {
		let text = format!(
			"[agent]\nid = {id}\nsecret_key = \"0x{}\"\nlisten = \"{}\"\npulse_interval_ms = {pulse_ms}\n\
			 status_file = \"{}\"\nstate_file = \"{}\"\n\n# The lab's hosts are on 10.77.0.0/24.\n[net]\ntest_bed = true\n\n\
			 [chain]\nurl = \"{url}\"\npoll_ms = 1000\nticket_key = \"0x{}\"\n\n{extra}\n",
			hex::encode(secret(i).to_bytes()),
			endpoint(i),
			self.status_path(i).display(),
			self.dir.path().join(format!("acct-{i}.json")).display(),
			hex::encode(ticket_secret(i)),
		);
		let path = self.dir.path().join(format!("host{i}.toml"));
		File::create(&path).and_then(|mut f| f.write_all(text.as_bytes())).expect("write config");
		path
	}

	/// Status file of host `i`.
	pub fn status_path(&self, i: usize) -> PathBuf {
		self.dir.path().join(format!("status-{i}.json"))
	}

	/// Host `i`'s latest status, if written yet.
	pub fn status(&self, i: usize) -> Option<Status> {
		Status::read(&self.status_path(i)).ok()
	}

	/// Start `ditex-relay ARGS` in host `i`, logging to `host{i}.log`.
	pub fn spawn_agent(&mut self, i: usize, args: &[&str]) {
		let log = File::create(self.log_path(i)).expect("log file");
		let ns = self.ns(i);
		let child = Command::new("ip")
			.args(["netns", "exec", &ns])
			.arg(relay_bin())
			.args(args)
			.env("RUST_LOG", "info,ditex_relay::dataplane=debug")
			.stdout(Stdio::null())
			.stderr(log)
			.spawn()
			.expect("spawn ditex-relay");
		self.children.push((i, child));
	}

	/// The process id of host `i`'s (latest) agent.
	pub fn pid(&self, i: usize) -> Option<u32> {
		self.children.iter().rev().find(|(h, _)| *h == i).map(|(_, c)| c.id())
	}

	/// Log file of host `i`'s agent.
	pub fn log_path(&self, i: usize) -> PathBuf {
		self.dir.path().join(format!("host{i}.log"))
	}

	/// Wait until `f` holds, polling every 20 ms, for at most `limit`; returns the time taken.
	pub fn wait_for(&self, limit: Duration, mut f: impl FnMut(&Lab) -> bool) -> Option<Duration> {
		let start = Instant::now();
		while start.elapsed() < limit {
			if f(self) {
				return Some(start.elapsed());
			}
			std::thread::sleep(Duration::from_millis(20));
		}
		None
	}

	/// Move the calling thread (and the threads and processes it starts from now on) into
	/// host `i`'s namespace.
	pub fn enter(&self, i: usize) {
		enter_netns(&self.ns_path(i));
	}

	/// Run `f` on a thread inside host `i`'s namespace.
	pub fn in_host<T: Send + 'static>(
		&self,
		i: usize,
		f: impl FnOnce() -> T + Send + 'static,
	) -> JoinHandle<T> {
		let path = self.ns_path(i);
		std::thread::spawn(move || {
			enter_netns(&path);
			f()
		})
	}

	/// Print the agents' logs (on failure they say why).
	pub fn dump_logs(&self) {
		for i in 1..=self.n + 1 {
			if let Ok(s) = std::fs::read_to_string(self.log_path(i)) {
				let tail: Vec<&str> = s.lines().rev().take(30).collect();
				eprintln!("--- host {i} log (last lines) ---");
				for l in tail.iter().rev() {
					eprintln!("{l}");
				}
			}
		}
	}
}

impl Drop for Lab {
	fn drop(&mut self) {
		if std::thread::panicking() {
			self.dump_logs();
		}
		for (_, c) in &mut self.children {
			let _ = c.kill();
			let _ = c.wait();
		}
		for ns in &self.created {
			let _ = Command::new("ip").args(["netns", "del", ns]).status();
		}
	}
}

/// Move the calling thread into the network namespace at `path`.
fn enter_netns(path: &Path) {
	let fd = File::open(path).expect("open netns");
	// SAFETY: setns on a namespace fd; it moves only this thread.
	let r = unsafe { libc::setns(fd.as_raw_fd(), libc::CLONE_NEWNET) };
	assert_eq!(r, 0, "setns: {}", std::io::Error::last_os_error());
}

/// FNV-1a, to checksum test payloads.
pub fn fnv(data: &[u8]) -> u64 {
	data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ *b as u64).wrapping_mul(0x100_0000_01b3))
}

/// A test datagram: sequence, length-derived filler, checksum.
pub fn make_datagram(seq: u64) -> Vec<u8> {
	let len = 64 + (seq % 200) as usize;
	let mut v = Vec::with_capacity(len + 16);
	v.extend_from_slice(&seq.to_be_bytes());
	v.extend((0..len).map(|k| (seq as usize * 31 + k) as u8));
	let c = fnv(&v);
	v.extend_from_slice(&c.to_be_bytes());
	v
}

/// The sequence of a test datagram, if its checksum holds.
pub fn check_datagram(d: &[u8]) -> Option<u64> {
	if d.len() < 16 {
		return None;
	}
	let (body, sum) = d.split_at(d.len() - 8);
	if fnv(body).to_be_bytes() != sum {
		return None;
	}
	Some(u64::from_be_bytes(body[..8].try_into().ok()?))
}
