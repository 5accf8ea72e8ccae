//! Load generator and meter for `scripts/bench-relay.sh`. Prints, in one run on loopback:
//! forwarding throughput through one `ditex-relay` hop beside the direct path and beside socat
//! as a plain UDP relay; added per-hop latency p50/p99; pulse bytes per second per node in a
//! group of 100; and the agent's RSS with 100 peers. Figures are measured, never asserted.
//!
//! The relay hop is measured three ways, each a row:
//!
//! - `ditex-relay process, unpaid`: the release binary with a config of listed peers and no
//!   chain. It checks each datagram's source, hop MAC and replay window, but with no chain it
//!   holds no channels (`Dataplane::channels` is `None`), so nothing is admitted by channel and
//!   no receipts or acks flow. This is the row earlier runs printed.
//! - `in-process, unpaid`: the same data plane driven by a copy of the shell's receive and send
//!   path (below, [`relay_loop`]) on a thread of this process, still without channels: how
//!   close the copy comes to the real shell.
//! - `in-process, paid`: that loop with a data plane that carries one escrow channel over the
//!   path, the way the agent holds one after reading it from a chain (its terms given here, as
//!   the sans-IO tests give them): every datagram is admitted against the channel (path,
//!   price cap, credit beyond the latest receipt, deposit), counted once the socket took it,
//!   the consumer's ingress signs receipts in band every MiB or second and the relay verifies
//!   them, the relay signs acks upstream each second, and the egress's signed acks come back.
//!   The binary cannot be given a channel without a chain, and no bench-only way into its
//!   config is added, so this row runs in process.
//!
//! A relay opens no end-to-end session (the payload is the two ends' Noise message, opaque to
//! it), so the generator's payload is filler of the right size: relays never read it.
//!
//! `cargo run --release --example bench -- <path to ditex-relay> [seconds]`

use std::{
	io::Write,
	net::{SocketAddr, UdpSocket},
	num::NonZeroUsize,
	os::fd::AsRawFd,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::{
		atomic::{AtomicBool, AtomicU64, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};

use ditex_primitives::{
	settlement::{Ack, Path as HopPath, SignedAck},
	wire::{peek_kind, AckDatagram, Kind, ACK_DATAGRAM_LEN},
	Hash,
};
use ditex_relay::{
	accounting::Accounting,
	channel::{Channels, Receipts, Terms, DEFAULT_CREDIT_BYTES},
	dataplane::{Action, Charge, Dataplane, DropReason},
	pulse::{PulseConfig, Pulses},
	registry::{EndpointPolicy, PeerEntry, Registry},
	shell::{
		mono_us,
		status::Status,
		udp::{grow_buffers, recv_batch, send_batch, RecvMeta, MAX_DATAGRAM},
		wall_us,
	},
};
use ed25519_dalek::{Signer, SigningKey};
use x25519_dalek::{PublicKey, StaticSecret};

const DATAGRAM: usize = 1400;

fn secret(i: u32) -> StaticSecret {
	let mut b = [0x24u8; 32];
	b[..4].copy_from_slice(&i.to_be_bytes());
	StaticSecret::from(b)
}

fn entry(id: u32, endpoint: SocketAddr) -> PeerEntry {
	PeerEntry::active(id, endpoint, &PublicKey::from(&secret(id)), 10)
}

fn write_config(
	dir: &Path,
	me: u32,
	listen: SocketAddr,
	peers: &[PeerEntry],
	batch: usize,
) -> PathBuf {
	let mut s = format!(
		"[agent]\nid = {me}\nsecret_key = \"0x{}\"\nlisten = \"{listen}\"\nstatus_file = \"{}\"\nstate_file = \"{}\"\nbatch = {batch}\n\n[net]\ntest_bed = true\n\n",
		hex::encode(secret(me).to_bytes()),
		dir.join(format!("status-{me}.json")).display(),
		dir.join(format!("acct-{me}.json")).display(),
	);
	for p in peers {
		s += &format!(
			"[[peers]]\nid = {}\nendpoint = \"{}\"\nkey = \"{}\"\nregion = \"DE-BE\"\nasn = 64512\npricePerGib = \"10\"\ngroup = 1\nstatus = \"active\"\n\n",
			p.id, p.endpoint, p.key
		);
	}
	let path = dir.join(format!("agent-{me}.toml"));
	std::fs::File::create(&path).and_then(|mut f| f.write_all(s.as_bytes())).expect("config");
	path
}

struct Proc(Child);

/// Pin the calling thread to `cpu`, or let it run anywhere (`None`).
fn pin_thread(cpu: Option<usize>) {
	pin(0, cpu);
}

/// Pin every thread of process `pid` to `cpu`, or let them run anywhere (`None`).
fn pin_process(pid: u32, cpu: Option<usize>) {
	let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return };
	for t in tasks.flatten() {
		if let Some(tid) = t.file_name().to_str().and_then(|n| n.parse().ok()) {
			pin(tid, cpu);
		}
	}
}

fn pin(tid: libc::pid_t, cpu: Option<usize>) {
	// SAFETY: a zeroed cpu_set_t is the empty set; CPU_SET stays within it for cpu < 1024.
	unsafe {
		let mut set: libc::cpu_set_t = std::mem::zeroed();
		match cpu {
			Some(c) => libc::CPU_SET(c, &mut set),
			None => (0..cores()).for_each(|c| libc::CPU_SET(c, &mut set)),
		}
		libc::sched_setaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &set);
	}
}

/// The host's online cores (not the calling thread's affinity, which pinning narrows).
fn cores() -> usize {
	// SAFETY: sysconf has no preconditions.
	let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
	usize::try_from(n).ok().filter(|n| *n > 0).unwrap_or(1)
}

impl Drop for Proc {
	fn drop(&mut self) {
		let _ = self.0.kill();
		let _ = self.0.wait();
	}
}

fn set_buffers(s: &UdpSocket, bytes: i32) {
	for opt in [libc::SO_RCVBUF, libc::SO_SNDBUF] {
		// SAFETY: setsockopt with an int.
		unsafe {
			libc::setsockopt(
				s.as_raw_fd(),
				libc::SOL_SOCKET,
				opt,
				&bytes as *const _ as *const _,
				std::mem::size_of::<i32>() as u32,
			);
		}
	}
}

/// What a load generator sends: the same plain datagram every time (the direct path), or a
/// fresh datagram of a real ingress each time (through a relay, which refuses a header it has
/// seen).
#[derive(Clone)]
enum Load {
	Plain(Vec<u8>),
	Sealed(Arc<std::sync::Mutex<Ingress>>),
	Presealed(Arc<std::sync::Mutex<Presealed>>),
}

/// An ingress's next datagrams sealed before a run, so that sealing (the generator's work,
/// on the endpoints' core) is not in the measured window and the generator sends as cheaply
/// as on the direct path: each a header of `hlen` bytes in `headers` followed by filler, with
/// the consumer's receipts at their places in the stream. Past the last, sealed live.
struct Presealed {
	ingress: Load,
	hlen: usize,
	headers: Vec<u8>,
	receipts: std::collections::VecDeque<(usize, Vec<u8>)>,
	next: usize,
	filler: Vec<u8>,
	/// Datagrams sealed live because the pool ran out.
	live: u64,
}

impl Presealed {
	/// The next `n` datagrams of `ingress` (a [`Load::Sealed`]).
	fn build(ingress: &Load, n: usize) -> Load {
		assert!(matches!(ingress, Load::Sealed(_)), "not an ingress");
		let hlen = ditex_primitives::wire::encoded_len(PATH.len());
		let mut headers = Vec::with_capacity(n * hlen);
		let mut receipts = std::collections::VecDeque::new();
		let mut buf = [0u8; 2048];
		let mut i = 0;
		while i < n {
			let len = ingress.next(&mut buf);
			if len == DATAGRAM {
				headers.extend_from_slice(&buf[..hlen]);
				i += 1;
			} else {
				receipts.push_back((i, buf[..len].to_vec()));
			}
		}
		let filler = vec![0x5au8; DATAGRAM];
		let ingress = ingress.clone();
		let p = Presealed { ingress, hlen, headers, receipts, next: 0, filler, live: 0 };
		Load::Presealed(Arc::new(std::sync::Mutex::new(p)))
	}
}

/// A real ingress (segment 1), and the receipts it has signed but not yet sent.
struct Ingress {
	dp: Dataplane,
	queued: std::collections::VecDeque<Vec<u8>>,
}

impl Ingress {
	/// Segment 1's data plane; a paying consumer of [`CHANNEL`] if `paid`.
	fn load(peers: &[PeerEntry], paid: bool) -> Load {
		let mut dp = Dataplane::new(
			Registry::new(1, secret(1), peers, EndpointPolicy::test_bed()).unwrap(),
			Accounting::default(),
		);
		// As the shell does: hop counters from the wall clock in ns.
		dp.start_hop_counters(wall_us().saturating_mul(1_000));
		if paid {
			dp.channels = Some(channels(1));
			let path = HopPath::truncate_from(PATH.to_vec());
			dp.paying.insert(CHANNEL, Receipts::new(genesis(), CHANNEL, path, consumer_key()));
		}
		Load::Sealed(Arc::new(std::sync::Mutex::new(Ingress { dp, queued: Default::default() })))
	}
}

/// The channel of the paid runs: flow 1 over [`PATH`].
const CHANNEL: u64 = 1;

/// The chain the channel is on (there is none: its terms are given, as in the sans-IO tests).
fn genesis() -> Hash {
	Hash::repeat_byte(0x42)
}

/// The consumer's receipt key.
fn consumer_key() -> SigningKey {
	SigningKey::from_bytes(&[0x31; 32])
}

/// Router `id`'s ticket key, which signs its acks.
fn ticket_key(id: u32) -> SigningKey {
	let mut b = [0x77u8; 32];
	b[..4].copy_from_slice(&id.to_be_bytes());
	SigningKey::from_bytes(&b)
}

/// The channel's terms as the escrow would hold them: open, every hop at the listed price,
/// within the cap, funded far beyond what a run carries (the deposit is still checked for
/// every datagram).
fn terms() -> Terms {
	Terms {
		id: CHANNEL,
		path: PATH.to_vec(),
		prices: PATH.iter().map(|_| 10).collect(),
		max_price_per_gib: 100,
		funds: 1_000_000_000,
		open: true,
		receipt_key: consumer_key().verifying_key().to_bytes(),
		data_key: PublicKey::from(&secret(1)).to_bytes(),
	}
}

/// Router `me`'s channels, holding [`terms`], with the agent's default credit window.
fn channels(me: u32) -> Channels {
	let capacity = NonZeroUsize::new(1024).unwrap();
	let mut c = Channels::new(me, genesis(), DEFAULT_CREDIT_BYTES, capacity);
	assert!(c.update(terms()));
	c
}

/// The path, flow and payload of the relayed datagrams: 1 → 2 → 3, flow 1, exactly
/// [`DATAGRAM`] bytes on the wire.
const PATH: [u32; 3] = [1, 2, 3];

impl Load {
	/// Write the next datagram into `out`; its length.
	fn next(&self, out: &mut [u8]) -> usize {
		match self {
			Load::Presealed(p) => {
				let mut p = p.lock().unwrap();
				let p = &mut *p;
				if p.receipts.front().is_some_and(|(at, _)| *at == p.next) {
					let (_, d) = p.receipts.pop_front().unwrap();
					out[..d.len()].copy_from_slice(&d);
					return d.len();
				}
				let at = p.next * p.hlen;
				if at + p.hlen > p.headers.len() {
					p.live += 1;
					return p.ingress.next(out);
				}
				p.next += 1;
				out[..p.hlen].copy_from_slice(&p.headers[at..at + p.hlen]);
				out[p.hlen..DATAGRAM].copy_from_slice(&p.filler[p.hlen..]);
				DATAGRAM
			},
			Load::Plain(d) => {
				out[..d.len()].copy_from_slice(d);
				d.len()
			},
			Load::Sealed(ingress) => {
				let mut ing = ingress.lock().unwrap();
				// A paying consumer's receipts go out in band, in the same stream, as the
				// shell sends them (every MiB sent, or every second).
				ing.dp.poll_receipts(mono_us());
				for (_, d, charge) in ing.dp.take_transmits() {
					ing.dp.commit(charge);
					ing.queued.push_back(d);
				}
				if let Some(d) = ing.queued.pop_front() {
					out[..d.len()].copy_from_slice(&d);
					return d.len();
				}
				// Relays check headers only: the payload is filler of the right size.
				let payload = [0x5au8; DATAGRAM];
				let n = DATAGRAM - ditex_primitives::wire::encoded_len(PATH.len());
				let t = ing.dp.wrap(CHANNEL, &PATH, &payload[..n], out).unwrap();
				// Counted (and so receipted) when built rather than once the socket took it:
				// receipts run a batch ahead at most, well within the credit window.
				ing.dp.commit(t.charge);
				t.range.len()
			},
		}
	}
}

impl Load {
	/// Hand the acks waiting at the ingress's socket `s` (connected to the relay `from`) to
	/// the ingress, which keeps the largest its relay signed.
	fn take_acks(&self, s: &UdpSocket, from: SocketAddr) {
		let ingress = match self {
			Load::Sealed(i) => i.clone(),
			Load::Presealed(p) => match &p.lock().unwrap().ingress {
				Load::Sealed(i) => i.clone(),
				_ => return,
			},
			Load::Plain(_) => return,
		};
		let mut b = [0u8; 2048];
		loop {
			// SAFETY: recv into a live buffer of its length, without blocking.
			let n = unsafe {
				libc::recv(s.as_raw_fd(), b.as_mut_ptr() as *mut _, b.len(), libc::MSG_DONTWAIT)
			};
			if n <= 0 {
				break;
			}
			ingress.lock().unwrap().dp.handle_ack(from, &b[..n as usize]);
		}
	}
}

/// Send datagrams from `load` to `to` as fast as the socket takes them, 64 per sendmmsg,
/// until `stop`.
fn blast(s: &UdpSocket, to: SocketAddr, load: &Load, stop: &AtomicBool, sent: &AtomicU64) {
	s.connect(to).expect("connect");
	let mut bufs = vec![[0u8; 2048]; 64];
	let mut iov: Vec<libc::iovec> = bufs
		.iter_mut()
		.map(|b| libc::iovec { iov_base: b.as_mut_ptr() as *mut _, iov_len: 0 })
		.collect();
	let mut rounds = 0u64;
	while !stop.load(Ordering::Relaxed) {
		rounds += 1;
		if rounds.is_multiple_of(256) {
			load.take_acks(s, to);
		}
		for (i, v) in iov.iter_mut().enumerate() {
			v.iov_len = load.next(&mut bufs[i]);
			v.iov_base = bufs[i].as_mut_ptr() as *mut _;
		}
		let mut hdrs: Vec<libc::mmsghdr> = (0..64)
			.map(|i| {
				// SAFETY: zeroed mmsghdr is valid; iov outlives the call.
				let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
				h.msg_hdr.msg_iov = &mut iov[i];
				h.msg_hdr.msg_iovlen = 1;
				h
			})
			.collect();
		// SAFETY: 64 initialised headers over live buffers.
		let n = unsafe { libc::sendmmsg(s.as_raw_fd(), hdrs.as_mut_ptr(), 64, 0) };
		if n > 0 {
			sent.fetch_add(n as u64, Ordering::Relaxed);
		}
	}
}

/// The egress's side of the paid runs: its signed acks of what it received on [`CHANNEL`],
/// sent to the relay each second as the agent's tick sends them.
struct EgressAcks {
	relay: SocketAddr,
	key: SigningKey,
}

/// Count the [`DATAGRAM`]-byte datagrams arriving at `s` until `stop` (a receipt travelling
/// with them is not one); with `acks`, ack them to the relay as the egress would.
fn sink(s: &UdpSocket, stop: &AtomicBool, count: &AtomicU64, acks: Option<EgressAcks>) {
	s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
	let mut bufs = vec![[0u8; 2048]; 64];
	let mut iov: Vec<libc::iovec> = bufs
		.iter_mut()
		.map(|b| libc::iovec { iov_base: b.as_mut_ptr() as *mut _, iov_len: b.len() })
		.collect();
	let mut hdrs: Vec<libc::mmsghdr> = (0..64)
		.map(|i| {
			// SAFETY: as in `blast`.
			let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
			h.msg_hdr.msg_iov = &mut iov[i];
			h.msg_hdr.msg_iovlen = 1;
			h
		})
		.collect();
	let payload = (DATAGRAM - ditex_primitives::wire::encoded_len(PATH.len())) as u64;
	let (mut received, mut acked, mut last_ack) = (0u64, 0u64, Instant::now());
	while !stop.load(Ordering::Relaxed) {
		// SAFETY: 64 initialised headers over live buffers.
		let n = unsafe {
			libc::recvmmsg(s.as_raw_fd(), hdrs.as_mut_ptr(), 64, 0, std::ptr::null_mut())
		};
		if n > 0 {
			let full = hdrs[..n as usize].iter().filter(|h| h.msg_len as usize == DATAGRAM).count();
			count.fetch_add(full as u64, Ordering::Relaxed);
			received += full as u64 * payload;
		}
		if let Some(a) = &acks {
			if received > acked && last_ack.elapsed() >= Duration::from_secs(1) {
				let ack = Ack {
					genesis: genesis(),
					channel: CHANNEL,
					hop: 2,
					cumulative_bytes: received,
				};
				let signature = a.key.sign(&ack.signing_payload()).to_bytes();
				let d = AckDatagram { sender: 3, ack: SignedAck { ack, signature } };
				let mut out = [0u8; ACK_DATAGRAM_LEN];
				if d.write(&mut out).is_ok() {
					let _ = s.send_to(&out, a.relay);
				}
				(acked, last_ack) = (received, Instant::now());
			}
		}
	}
}

/// Where a relay's CPU time is read: a process, or one thread of this one.
#[derive(Clone, Copy)]
enum Cpu {
	Process(u32),
	Thread(libc::pid_t),
}

impl Cpu {
	fn seconds(self) -> f64 {
		match self {
			Cpu::Process(pid) => cpu_seconds(&format!("/proc/{pid}/stat")),
			Cpu::Thread(tid) => cpu_seconds(&format!("/proc/self/task/{tid}/stat")),
		}
	}
}

/// CPU seconds a process or thread has used so far, from its `stat` file.
fn cpu_seconds(stat: &str) -> f64 {
	let stat = std::fs::read_to_string(stat).unwrap_or_default();
	let after = stat.rsplit_once(')').map_or("", |x| x.1);
	let f: Vec<&str> = after.split_whitespace().collect();
	let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
	// SAFETY: sysconf has no preconditions.
	let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
	(ticks(11) + ticks(12)) / hz
}

fn rss_kib(pid: u32) -> u64 {
	let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
	s.lines()
		.find(|l| l.starts_with("VmRSS:"))
		.and_then(|l| l.split_whitespace().nth(1))
		.and_then(|v| v.parse().ok())
		.unwrap_or(0)
}

struct Rate {
	/// What the generator's socket took.
	offered_pps: f64,
	/// What arrived.
	pps: f64,
	gbps: f64,
	relay_cpu: Option<f64>,
}

/// Blast `dgram` at `to` for `secs`, count at `rx`; the middle `secs - 1` seconds count.
#[allow(clippy::too_many_arguments)]
fn measure(
	to: SocketAddr,
	from: &str,
	rx: UdpSocket,
	load: Load,
	secs: u64,
	relay: Option<Cpu>,
	endpoints: Option<usize>,
	acks: Option<EgressAcks>,
) -> Rate {
	let stop = Arc::new(AtomicBool::new(false));
	let count = Arc::new(AtomicU64::new(0));
	set_buffers(&rx, 8 << 20);
	let (s2, c2) = (stop.clone(), count.clone());
	let rx_thread = std::thread::spawn(move || {
		pin_thread(endpoints);
		sink(&rx, &s2, &c2, acks)
	});
	let tx = UdpSocket::bind(from).expect("sender socket");
	set_buffers(&tx, 8 << 20);
	let (s3, sent) = (stop.clone(), Arc::new(AtomicU64::new(0)));
	let sent2 = sent.clone();
	let tx_thread = std::thread::spawn(move || {
		pin_thread(endpoints);
		blast(&tx, to, &load, &s3, &sent2)
	});
	std::thread::sleep(Duration::from_millis(500));
	let (c0, s0, t0, cpu0) = (
		count.load(Ordering::Relaxed),
		sent.load(Ordering::Relaxed),
		Instant::now(),
		relay.map(Cpu::seconds),
	);
	std::thread::sleep(Duration::from_secs(secs));
	let (c1, s1, dt, cpu1) = (
		count.load(Ordering::Relaxed),
		sent.load(Ordering::Relaxed),
		t0.elapsed(),
		relay.map(Cpu::seconds),
	);
	stop.store(true, Ordering::Relaxed);
	let _ = tx_thread.join();
	let _ = rx_thread.join();
	let pps = (c1 - c0) as f64 / dt.as_secs_f64();
	Rate {
		offered_pps: (s1 - s0) as f64 / dt.as_secs_f64(),
		pps,
		gbps: pps * DATAGRAM as f64 * 8.0 / 1e9,
		relay_cpu: cpu0.zip(cpu1).map(|(a, b)| (b - a) / dt.as_secs_f64()),
	}
}

fn loadavg() -> String {
	let l = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
	l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

fn quantile(v: &mut [f64], q: f64) -> f64 {
	v.sort_by(|a, b| a.total_cmp(b));
	v[((v.len() - 1) as f64 * q) as usize]
}

/// Round trips: datagrams of `load` to `to`, echoed straight back by a thread at `echo`.
/// The sender runs on this thread, pinned to `sender`, the echo on `echo_core`.
fn rtts(
	to: SocketAddr,
	from: &str,
	echo: UdpSocket,
	load: &Load,
	n: usize,
	(sender, echo_core): (Option<usize>, Option<usize>),
) -> Vec<f64> {
	let stop = Arc::new(AtomicBool::new(false));
	let s2 = stop.clone();
	let s = UdpSocket::bind(from).unwrap();
	let back = s.local_addr().unwrap();
	echo.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
	pin_thread(sender);
	let t = std::thread::spawn(move || {
		pin_thread(echo_core);
		let mut b = [0u8; 2048];
		while !s2.load(Ordering::Relaxed) {
			if let Ok((n, _)) = echo.recv_from(&mut b) {
				let _ = echo.send_to(&b[..n], back);
			}
		}
	});
	s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
	let mut b = [0u8; 2048];
	let mut d = [0u8; 2048];
	let mut out = Vec::with_capacity(n);
	for _ in 0..n {
		let len = load.next(&mut d);
		let t0 = Instant::now();
		s.send_to(&d[..len], to).unwrap();
		// Only the echo counts: a relay's pulses to its peers (this socket is segment 1's
		// address, the echo segment 3's) are shorter and are skipped.
		while let Ok((got, _)) = s.recv_from(&mut b) {
			if got == len {
				out.push(t0.elapsed().as_secs_f64() * 1e6);
				break;
			}
		}
		std::thread::sleep(Duration::from_micros(200));
	}
	stop.store(true, Ordering::Relaxed);
	let _ = t.join();
	pin_thread(None);
	out
}

fn wait_status(path: &Path) {
	let start = Instant::now();
	while Status::read(path).is_err() && start.elapsed() < Duration::from_secs(20) {
		std::thread::sleep(Duration::from_millis(50));
	}
}

/// A relay's data plane on a thread of this process, driven by [`relay_loop`].
struct InProcess {
	addr: SocketAddr,
	tid: libc::pid_t,
	stop: Arc<AtomicBool>,
	thread: std::thread::JoinHandle<Dataplane>,
}

impl InProcess {
	fn start(mut dp: Dataplane, addr: SocketAddr, batch: usize) -> InProcess {
		let sock = UdpSocket::bind(addr).expect("in-process relay socket");
		sock.set_nonblocking(true).unwrap();
		let stop = Arc::new(AtomicBool::new(false));
		let (tx, rx) = std::sync::mpsc::channel();
		let s = stop.clone();
		let thread = std::thread::spawn(move || {
			// SAFETY: gettid has no preconditions.
			let _ = tx.send(unsafe { libc::syscall(libc::SYS_gettid) } as libc::pid_t);
			let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
			rt.block_on(relay_loop(&mut dp, sock, batch, &s));
			dp
		});
		InProcess { addr, tid: rx.recv().unwrap(), stop, thread }
	}

	fn stop(self) -> Dataplane {
		self.stop.store(true, Ordering::Relaxed);
		self.thread.join().unwrap()
	}
}

/// The shell's data path (`shell::Agent::on_readable`, `flush`, and the acks of `on_tick`),
/// over the library's own batch receive and send: up to 8 batches a wake-up, each datagram
/// handed to the data plane with a panic contained, the forwarded ones sent in one batch and
/// counted once the socket took them (L8); then whatever the data plane queued (acks) sent.
/// Left out: pulses, route evaluation, probes, the status and state files, which run on the
/// tick or once a wake-up, not per datagram, and which the process row has.
async fn relay_loop(dp: &mut Dataplane, sock: UdpSocket, batch: usize, stop: &AtomicBool) {
	let sock = tokio::net::UdpSocket::from_std(sock).unwrap();
	grow_buffers(&sock, 4 << 20);
	let mut bufs = vec![vec![0u8; MAX_DATAGRAM]; batch];
	let mut meta = vec![RecvMeta::default(); batch];
	let mut tick = tokio::time::interval(Duration::from_secs(1));
	tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	let mut check_stop = tokio::time::interval(Duration::from_millis(50));
	let contained = |f: &mut dyn FnMut() -> Action| {
		std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
	};
	while !stop.load(Ordering::Relaxed) {
		tokio::select! {
			r = sock.readable() => {
				if r.is_err() {
					break;
				}
				for _ in 0..8 {
					let Ok(n) = recv_batch(&sock, &mut bufs, &mut meta) else { break };
					let now = mono_us();
					let mut forward: Vec<(SocketAddr, usize, Charge)> = Vec::with_capacity(n);
					for i in 0..n {
						let RecvMeta { from, len, truncated } = meta[i];
						if truncated {
							dp.drop_at(now, DropReason::TooBig, from);
							continue;
						}
						let buf = &mut bufs[i][..len];
						match peek_kind(buf) {
							Ok(Kind::Data | Kind::Receipt) => {
								match contained(&mut || dp.handle_datagram(now, from, buf)) {
									Some(Action::Forward { to, charge }) => forward.push((to, i, charge)),
									Some(_) => {},
									None => {
										dp.drop_at(now, DropReason::Internal, from);
									},
								}
							},
							Ok(Kind::Ack) => {
								if contained(&mut || dp.handle_ack(from, buf)).is_none() {
									dp.drop_at(now, DropReason::Internal, from);
								}
							},
							Ok(_) => {},
							Err(e) => {
								dp.drop_datagram(e.into(), Some(from));
							},
						}
					}
					let refs: Vec<(SocketAddr, &[u8])> =
						forward.iter().map(|(to, i, _)| (*to, &bufs[*i][..meta[*i].len])).collect();
					let sent = send_batch(&sock, &refs).await;
					dp.after_send(forward.iter().map(|f| f.2).zip(sent));
					if n < bufs.len() {
						break;
					}
				}
				flush(dp, &sock).await;
			},
			_ = tick.tick() => {
				dp.poll_acks(mono_us());
				flush(dp, &sock).await;
			},
			_ = check_stop.tick() => {},
		}
	}
}

/// Send what the data plane queued, counted once sent.
async fn flush(dp: &mut Dataplane, sock: &tokio::net::UdpSocket) {
	dp.poll_receipts(mono_us());
	let out = dp.take_transmits();
	if out.is_empty() {
		return;
	}
	let refs: Vec<(SocketAddr, &[u8])> = out.iter().map(|(a, b, _)| (*a, &b[..])).collect();
	let sent = send_batch(sock, &refs).await;
	dp.after_send(out.iter().map(|o| o.2).zip(sent));
}

/// Router 2's data plane for an in-process relay; carrying [`CHANNEL`] (with its ticket key
/// for acks) if `paid`.
fn relay_dataplane(peers: &[PeerEntry], paid: bool) -> Dataplane {
	let mut dp = Dataplane::new(
		Registry::new(2, secret(2), peers, EndpointPolicy::test_bed()).unwrap(),
		Accounting::default(),
	);
	if paid {
		dp.channels = Some(channels(2));
		dp.ticket_key = Some(ticket_key(2));
	}
	dp
}

fn main() {
	let args: Vec<String> = std::env::args().collect();
	let bin = args.get(1).cloned().unwrap_or_else(|| "target/release/ditex-relay".into());
	let secs: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
	let dir = tempfile::tempdir().unwrap();
	let port = 40_000 + (std::process::id() % 10_000) as u16;
	let a: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
	let r: SocketAddr = format!("127.0.0.2:{port}").parse().unwrap();
	let z: SocketAddr = format!("127.0.0.3:{port}").parse().unwrap();
	let peers = vec![entry(1, a), entry(2, r), entry(3, z)];
	let cfg = write_config(dir.path(), 2, r, &peers, 64);
	let relay = Proc(
		Command::new(&bin)
			.args(["run", "--config", cfg.to_str().unwrap(), "--log", "warn"])
			.stdout(Stdio::null())
			.spawn()
			.expect("start ditex-relay"),
	);
	let relay_pid = relay.0.id();
	wait_status(&dir.path().join("status-2.json"));

	// Datagrams of exactly 1400 bytes over 1 → 2 → 3, each with a fresh hop counter and MACs
	// from a real ingress; the paid one is the channel's consumer and sends its receipts too.
	let sealed = Ingress::load(&peers, false);
	assert_eq!(sealed.next(&mut [0u8; 2048]), DATAGRAM);
	let plain = Load::Plain(vec![0x5au8; DATAGRAM]);

	// The in-process relays: router 2's data plane on addresses of their own. The paid one
	// is router 2 of a registry of its own, shared with its consumer, in which routers 2 and
	// 3 list ticket keys, so that acks are checked.
	let unpaid_in = InProcess::start(
		relay_dataplane(&peers, false),
		format!("127.0.0.5:{port}").parse().unwrap(),
		64,
	);
	let paid_addr: SocketAddr = format!("127.0.0.6:{port}").parse().unwrap();
	let mut keyed = vec![entry(1, a), entry(2, paid_addr), entry(3, z)];
	for p in keyed.iter_mut().filter(|p| p.id != 1) {
		p.ticket_key =
			Some(format!("0x{}", hex::encode(ticket_key(p.id).verifying_key().to_bytes())));
	}
	let paid_in = InProcess::start(relay_dataplane(&keyed, true), paid_addr, 64);
	let paid_load = Ingress::load(&keyed, true);

	let socat_port = port + 1;
	let socat = Command::new("socat")
		.args([
			"-u",
			&format!("UDP4-RECV:{socat_port},bind=127.0.0.4,rcvbuf=8388608"),
			&format!("UDP4-SENDTO:{z}"),
		])
		.stderr(Stdio::null())
		.spawn()
		.ok()
		.map(Proc);
	std::thread::sleep(Duration::from_millis(300));
	let socat_to: SocketAddr = format!("127.0.0.4:{socat_port}").parse().unwrap();

	// Two layouts. Sender and receiver each saturate a core, so with everything sharing two
	// cores a relay is starved by the load generator itself; the first layout gives the relay
	// (and socat) a core of its own and the endpoints the other, for direct and relayed runs
	// alike, which is what a relay on a real host has.
	let layouts: &[(&str, Option<usize>, Option<usize>)] = if cores() >= 2 {
		&[
			("endpoints on core 0, relay alone on core 1", Some(0), Some(1)),
			("sender, receiver and relay share all cores", None, None),
		]
	} else {
		&[("sender, receiver and relay share one core", None, None)]
	};
	for (name, endpoints, relay_core) in layouts {
		println!("== forwarding, one hop, {DATAGRAM}-byte datagrams, loopback, {secs} s each ==");
		println!("({name})");
		pin_process(relay_pid, *relay_core);
		pin(unpaid_in.tid, *relay_core);
		pin(paid_in.tid, *relay_core);
		if let Some(p) = &socat {
			pin_process(p.0.id(), *relay_core);
		}
		let through = |to: SocketAddr, load: &Load, cpu: Cpu, acks: Option<EgressAcks>| {
			measure(
				to,
				&a.to_string(),
				UdpSocket::bind(z).unwrap(),
				load.clone(),
				secs,
				Some(cpu),
				*endpoints,
				acks,
			)
		};
		let direct = measure(
			z,
			"127.0.0.1:0",
			UdpSocket::bind(z).unwrap(),
			plain.clone(),
			secs,
			None,
			*endpoints,
			None,
		);
		// The same generator, sealing each datagram as for the relay, straight to the receiver:
		// what the endpoints' core delivers with the generator's own work included.
		let direct_sealed = measure(
			z,
			"127.0.0.1:0",
			UdpSocket::bind(z).unwrap(),
			sealed.clone(),
			secs,
			None,
			*endpoints,
			None,
		);
		// The relayed rows send datagrams sealed before the run (see `Presealed`), but for the
		// first, which seals live as earlier runs did.
		let pooled = |to: SocketAddr, ingress: &Load, cpu: Cpu, acks: Option<EgressAcks>| {
			let pool = Presealed::build(ingress, (secs as usize + 1) * 1_000_000);
			let rate = through(to, &pool, cpu, acks);
			if let Load::Presealed(p) = &pool {
				let live = p.lock().unwrap().live;
				if live > 0 {
					println!("(note: the pool ran out, {live} datagrams sealed live)");
				}
			}
			rate
		};
		let rows = [
			("process, unpaid, sealed live", through(r, &sealed, Cpu::Process(relay_pid), None)),
			("process, unpaid", pooled(r, &sealed, Cpu::Process(relay_pid), None)),
			(
				"in-process, unpaid",
				pooled(unpaid_in.addr, &sealed, Cpu::Thread(unpaid_in.tid), None),
			),
			(
				"in-process, paid",
				pooled(
					paid_in.addr,
					&paid_load,
					Cpu::Thread(paid_in.tid),
					Some(EgressAcks { relay: paid_in.addr, key: ticket_key(3) }),
				),
			),
		];
		let socat_rate = socat.as_ref().map(|p| {
			measure(
				socat_to,
				"127.0.0.1:0",
				UdpSocket::bind(z).unwrap(),
				plain.clone(),
				secs,
				Some(Cpu::Process(p.0.id())),
				*endpoints,
				None,
			)
		});
		let line = |name: &str, r: &Rate| {
			let cpu = r.relay_cpu.map_or(String::new(), |c| {
				format!(
					"  relay CPU {:>5.1}%  → {:.2} Gbit/s per relay core",
					c * 100.0,
					if c > 0.0 { r.gbps / c } else { 0.0 }
				)
			});
			println!(
				"{name:<40} {:>8.0} pps {:>6.3} Gbit/s (offered {:>7.0} pps){cpu}",
				r.pps, r.gbps, r.offered_pps
			);
		};
		line("direct (no relay)", &direct);
		line("direct, sealed live", &direct_sealed);
		for (name, rate) in &rows {
			line(&format!("ditex-relay {name}"), rate);
		}
		match &socat_rate {
			Some(s) => line("socat UDP relay", s),
			None => println!("socat UDP relay (socat not installed)"),
		}
		for (name, rate) in &rows {
			print!(
				"{:<40} {:>6.1}% of direct  {:>6.1}% of direct sealed live",
				format!("ditex-relay {name}"),
				100.0 * rate.pps / direct.pps.max(1.0),
				100.0 * rate.pps / direct_sealed.pps.max(1.0)
			);
			if let Some(s) = &socat_rate {
				print!("  {:>6.1}% of socat", 100.0 * rate.pps / s.pps.max(1.0));
			}
			println!();
		}
		println!("load average: {}", loadavg());
		println!();
	}
	drop(socat);
	pin_process(relay_pid, None);
	pin(unpaid_in.tid, None);
	pin(paid_in.tid, None);

	// Latency, in two layouts. Unpinned (as earlier runs measured): the scheduler places the
	// sender, the relay and the echo, and a datagram that wakes a thread on the other, idle
	// vCPU of this VM waits tens of µs for it (the direct path's echo across cores below shows
	// that cost alone). All on core 0: the relay's own delay, with no cross-core wake-up.
	let n = 5000;
	let lat_layouts: [(&str, Option<usize>, Option<usize>); 2] = [
		("unpinned, as before", None, None),
		("sender, relay and echo all on core 0", Some(0), Some(0)),
	];
	for (layout, endpoints, relay_core) in lat_layouts {
		println!("== added latency per hop (round trip through one relay minus direct) ==");
		println!("({layout})");
		pin_process(relay_pid, relay_core);
		pin(unpaid_in.tid, relay_core);
		pin(paid_in.tid, relay_core);
		let mut d =
			rtts(z, "127.0.0.1:0", UdpSocket::bind(z).unwrap(), &plain, n, (endpoints, endpoints));
		let (d50, d99) = (quantile(&mut d, 0.5), quantile(&mut d, 0.99));
		println!(
			"direct RTT                      p50 {d50:>7.1} µs  p99 {d99:>7.1} µs  ({} samples)",
			d.len()
		);
		let rows = [
			("process, unpaid", r, &sealed),
			("in-process, unpaid", unpaid_in.addr, &sealed),
			("in-process, paid", paid_in.addr, &paid_load),
		];
		for (name, to, load) in rows {
			let mut v = rtts(
				to,
				&a.to_string(),
				UdpSocket::bind(z).unwrap(),
				load,
				n,
				(endpoints, endpoints),
			);
			let (v50, v99) = (quantile(&mut v, 0.5), quantile(&mut v, 0.99));
			println!(
				"relayed RTT, {name:<18} p50 {v50:>7.1} µs  p99 {v99:>7.1} µs  ({} samples)",
				v.len()
			);
			println!(
				"  added/hop                     p50 {:>7.1} µs  p99 {:>7.1} µs",
				v50 - d50,
				v99 - d99
			);
		}
		println!("load average: {}", loadavg());
		println!();
	}
	pin_process(relay_pid, None);
	pin(unpaid_in.tid, None);
	pin(paid_in.tid, None);
	if cores() >= 2 {
		let mut x =
			rtts(z, "127.0.0.1:0", UdpSocket::bind(z).unwrap(), &plain, n, (Some(0), Some(1)));
		let (x50, x99) = (quantile(&mut x, 0.5), quantile(&mut x, 0.99));
		println!("(direct RTT, sender on core 0, echo on core 1: p50 {x50:.1} µs  p99 {x99:.1} µs: the cost of waking the other core)");
	}

	// What the paid relay did: everything admitted, receipts and acks kept.
	drop(unpaid_in.stop());
	let dp = paid_in.stop();
	println!("\n== the paid relay's counters over all its runs ==");
	println!("forwarded {}  dropped: {:?}", dp.forwarded, dp.drops.nonzero().collect::<Vec<_>>());
	for u in dp.channels.as_ref().map(|c| c.usage()).unwrap_or_default() {
		println!(
			"channel {}: {} B in, {} B out; latest receipt {} B; latest ack from downstream {} B",
			u.channel,
			u.bytes_in,
			u.bytes_out,
			u.receipt.map_or(0, |r| r.receipt.cumulative_bytes),
			u.ack.map_or(0, |a| a.ack.cumulative_bytes),
		);
	}
	if let Load::Sealed(ing) = &paid_load {
		let ing = ing.lock().unwrap();
		if let Some(u) = ing.dp.channels.as_ref().and_then(|c| c.usage().into_iter().next()) {
			println!(
				"the consumer's ingress: {} B sent; latest ack from the relay {} B",
				u.bytes_out,
				u.ack.map_or(0, |a| a.ack.cumulative_bytes)
			);
		}
	}
	drop(relay);

	println!("\n== pulse overhead and memory, group of 100 at 1 s ==");
	group_of_100(&bin, dir.path(), port + 2);
}

/// One real agent and 99 simulated members (library `Pulses` on their own addresses).
fn group_of_100(bin: &str, dir: &Path, port: u16) {
	let addr = |k: u32| -> SocketAddr { format!("127.0.1.{k}:{port}").parse().unwrap() };
	let peers: Vec<PeerEntry> = (1..=100).map(|k| entry(k, addr(k))).collect();
	let cfg = write_config(dir, 1, addr(1), &peers, 32);
	let agent = Proc(
		Command::new(bin)
			.args(["run", "--config", cfg.to_str().unwrap(), "--log", "warn"])
			.stdout(Stdio::null())
			.spawn()
			.expect("start ditex-relay"),
	);
	let status = dir.join("status-1.json");
	wait_status(&status);
	let mut sim: Vec<(UdpSocket, Registry, Pulses)> = (2..=100)
		.map(|k| {
			let s = UdpSocket::bind(addr(k)).expect("member socket");
			s.set_nonblocking(true).unwrap();
			let reg = Registry::new(k, secret(k), &peers, EndpointPolicy::test_bed()).unwrap();
			(s, reg, Pulses::new(k, k, PulseConfig::default()))
		})
		.collect();
	let wall = || {
		std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_micros()
			as u64
	};
	let secs = 10;
	let start = Instant::now();
	let mut next = Instant::now();
	let mut accepted = 0u64;
	let mut b = [0u8; 2048];
	let first = Status::read(&status).ok();
	while start.elapsed() < Duration::from_secs(secs) {
		let regular = Instant::now() >= next;
		if regular {
			next += Duration::from_secs(1);
		}
		for (s, reg, p) in sim.iter_mut() {
			while let Ok((n, from)) = s.recv_from(&mut b) {
				if p.handle_pulse(wall(), from, &b[..n], reg, true).is_ok() {
					accepted += 1;
				}
			}
			let mut out = vec![];
			p.poll_transmit(wall(), wall(), reg, &[1], regular, |to, d| out.push((to, d.to_vec())));
			for (to, d) in out {
				let _ = s.send_to(&d, to);
			}
		}
		std::thread::sleep(Duration::from_millis(2));
	}
	let last = Status::read(&status).expect("status");
	let first = first.expect("status");
	let dt = (last.uptime_s - first.uptime_s).max(1) as f64;
	let sent = (last.pulse_bytes_sent - first.pulse_bytes_sent) as f64 / dt;
	let got = (last.pulse_bytes_received - first.pulse_bytes_received) as f64 / dt;
	let pkts = (last.pulses_sent - first.pulses_sent) as f64 / dt;
	let pkts_in = (last.pulses_received - first.pulses_received) as f64 / dt;
	// On the wire each pulse also carries 28 bytes of IPv4 and UDP headers.
	let out_kbps = (sent + 28.0 * pkts) * 8.0 / 1000.0;
	let in_kbps = (got + 28.0 * pkts_in) * 8.0 / 1000.0;
	println!(
		"agent sends    {pkts:>6.1} pulses/s  {sent:>8.0} B/s UDP payload  {out_kbps:>6.1} kbit/s on the wire"
	);
	println!(
		"agent receives {pkts_in:>6.1} pulses/s  {got:>8.0} B/s UDP payload  {in_kbps:>6.1} kbit/s on the wire"
	);
	println!(
		"simulated members accepted {accepted} pulses from the agent; agent knows {} links",
		last.links.len()
	);
	println!("agent RSS with 100 peers: {:.1} MiB", rss_kib(agent.0.id()) as f64 / 1024.0);
}
