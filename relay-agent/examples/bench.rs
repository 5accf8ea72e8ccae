//! Load generator and meter for `scripts/bench-relay.sh`. Prints, in one run on loopback:
//! forwarding throughput through one `ditex-relay` hop beside the direct path and beside socat
//! as a plain UDP relay; added per-hop latency p50/p99; pulse bytes per second per node in a
//! group of 100; and the agent's RSS with 100 peers. Figures are measured, never asserted.
//!
//! `cargo run --release --example bench -- <path to ditex-relay> [seconds]`

use std::{
	io::Write,
	net::{SocketAddr, UdpSocket},
	os::fd::AsRawFd,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::{
		atomic::{AtomicBool, AtomicU64, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};

use ditex_relay::{
	accounting::Accounting,
	dataplane::Dataplane,
	pulse::{PulseConfig, Pulses},
	registry::{EndpointPolicy, PeerEntry, Registry},
	shell::status::Status,
};
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

fn cores() -> usize {
	std::thread::available_parallelism().map_or(1, |n| n.get())
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
	Sealed(Arc<std::sync::Mutex<Dataplane>>),
}

/// The path, flow and payload of the relayed datagrams: 1 → 2 → 3, flow 1, exactly
/// [`DATAGRAM`] bytes on the wire.
const PATH: [u32; 3] = [1, 2, 3];

impl Load {
	/// Write the next datagram into `out`; its length.
	fn next(&self, out: &mut [u8]) -> usize {
		match self {
			Load::Plain(d) => {
				out[..d.len()].copy_from_slice(d);
				d.len()
			},
			Load::Sealed(ingress) => {
				// Relays check headers only: the payload is filler of the right size.
				let payload = [0x5au8; DATAGRAM];
				let n = DATAGRAM - ditex_primitives::wire::encoded_len(PATH.len());
				let t = ingress.lock().unwrap().wrap(1, &PATH, &payload[..n], out).unwrap();
				t.range.len()
			},
		}
	}
}

/// Send datagrams from `load` to `to` as fast as the socket takes them, 64 per sendmmsg,
/// until `stop`.
fn blast(s: &UdpSocket, to: SocketAddr, load: &Load, stop: &AtomicBool) -> u64 {
	s.connect(to).expect("connect");
	let mut bufs = vec![[0u8; 2048]; 64];
	let mut iov: Vec<libc::iovec> = bufs
		.iter_mut()
		.map(|b| libc::iovec { iov_base: b.as_mut_ptr() as *mut _, iov_len: 0 })
		.collect();
	let mut sent = 0u64;
	while !stop.load(Ordering::Relaxed) {
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
			sent += n as u64;
		}
	}
	sent
}

/// Count datagrams arriving at `s` until `stop`; returns (datagrams, bytes).
fn sink(s: &UdpSocket, stop: &AtomicBool, count: &AtomicU64) {
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
	while !stop.load(Ordering::Relaxed) {
		// SAFETY: 64 initialised headers over live buffers.
		let n = unsafe {
			libc::recvmmsg(s.as_raw_fd(), hdrs.as_mut_ptr(), 64, 0, std::ptr::null_mut())
		};
		if n > 0 {
			count.fetch_add(n as u64, Ordering::Relaxed);
		}
	}
}

/// CPU seconds a process has used so far.
fn cpu_seconds(pid: u32) -> f64 {
	let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
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
	pps: f64,
	gbps: f64,
	relay_cpu: Option<f64>,
}

/// Blast `dgram` at `to` for `secs`, count at `rx`; the middle `secs - 1` seconds count.
fn measure(
	to: SocketAddr,
	from: &str,
	rx: UdpSocket,
	load: Load,
	secs: u64,
	relay: Option<u32>,
	endpoints: Option<usize>,
) -> Rate {
	let stop = Arc::new(AtomicBool::new(false));
	let count = Arc::new(AtomicU64::new(0));
	set_buffers(&rx, 8 << 20);
	let (s2, c2) = (stop.clone(), count.clone());
	let rx_thread = std::thread::spawn(move || {
		pin_thread(endpoints);
		sink(&rx, &s2, &c2)
	});
	let tx = UdpSocket::bind(from).expect("sender socket");
	set_buffers(&tx, 8 << 20);
	let s3 = stop.clone();
	let tx_thread = std::thread::spawn(move || {
		pin_thread(endpoints);
		blast(&tx, to, &load, &s3)
	});
	std::thread::sleep(Duration::from_millis(500));
	let (c0, t0, cpu0) = (count.load(Ordering::Relaxed), Instant::now(), relay.map(cpu_seconds));
	std::thread::sleep(Duration::from_secs(secs));
	let (c1, dt, cpu1) = (count.load(Ordering::Relaxed), t0.elapsed(), relay.map(cpu_seconds));
	stop.store(true, Ordering::Relaxed);
	let _ = tx_thread.join();
	let _ = rx_thread.join();
	let pps = (c1 - c0) as f64 / dt.as_secs_f64();
	Rate {
		pps,
		gbps: pps * DATAGRAM as f64 * 8.0 / 1e9,
		relay_cpu: cpu0.zip(cpu1).map(|(a, b)| (b - a) / dt.as_secs_f64()),
	}
}

fn quantile(v: &mut [f64], q: f64) -> f64 {
	v.sort_by(|a, b| a.total_cmp(b));
	v[((v.len() - 1) as f64 * q) as usize]
}

/// Round trips: datagrams of `load` to `to`, echoed straight back by a thread at `echo`.
fn rtts(to: SocketAddr, from: &str, echo: UdpSocket, load: &Load, n: usize) -> Vec<f64> {
	let stop = Arc::new(AtomicBool::new(false));
	let s2 = stop.clone();
	let s = UdpSocket::bind(from).unwrap();
	let back = s.local_addr().unwrap();
	echo.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
	let t = std::thread::spawn(move || {
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
		if s.recv_from(&mut b).is_ok() {
			out.push(t0.elapsed().as_secs_f64() * 1e6);
		}
		std::thread::sleep(Duration::from_micros(200));
	}
	stop.store(true, Ordering::Relaxed);
	let _ = t.join();
	out
}

fn wait_status(path: &Path) {
	let start = Instant::now();
	while Status::read(path).is_err() && start.elapsed() < Duration::from_secs(20) {
		std::thread::sleep(Duration::from_millis(50));
	}
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
	// from a real ingress.
	let ingress =
		Dataplane::new(
			Registry::new(1, secret(1), &peers, EndpointPolicy::test_bed()).unwrap(),
			Accounting::default(),
		);
	let sealed = Load::Sealed(Arc::new(std::sync::Mutex::new(ingress)));
	assert_eq!(sealed.next(&mut [0u8; 2048]), DATAGRAM);
	let plain = Load::Plain(vec![0x5au8; DATAGRAM]);

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
		if let Some(p) = &socat {
			pin_process(p.0.id(), *relay_core);
		}
		let direct = measure(
			z,
			"127.0.0.1:0",
			UdpSocket::bind(z).unwrap(),
			plain.clone(),
			secs,
			None,
			*endpoints,
		);
		let via = measure(
			r,
			&a.to_string(),
			UdpSocket::bind(z).unwrap(),
			sealed.clone(),
			secs,
			Some(relay_pid),
			*endpoints,
		);
		let socat_rate = socat.as_ref().map(|p| {
			measure(
				socat_to,
				"127.0.0.1:0",
				UdpSocket::bind(z).unwrap(),
				plain.clone(),
				secs,
				Some(p.0.id()),
				*endpoints,
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
			println!("{name:<22} {:>10.0} pps {:>7.3} Gbit/s{cpu}", r.pps, r.gbps);
		};
		line("direct (no relay)", &direct);
		line("ditex-relay", &via);
		match &socat_rate {
			Some(s) => line("socat UDP relay", s),
			None => println!("socat UDP relay        (socat not installed)"),
		}
		println!("ditex-relay / direct   {:>9.1}%", 100.0 * via.pps / direct.pps.max(1.0));
		if let Some(s) = &socat_rate {
			println!("ditex-relay / socat    {:>9.1}%", 100.0 * via.pps / s.pps.max(1.0));
		}
		println!();
	}
	drop(socat);
	pin_process(relay_pid, None);

	println!("== added latency per hop (round trip through one relay minus direct) ==");
	let n = 5000;
	let mut d = rtts(z, "127.0.0.1:0", UdpSocket::bind(z).unwrap(), &plain, n);
	let mut v = rtts(r, &a.to_string(), UdpSocket::bind(z).unwrap(), &sealed, n);
	let (d50, d99) = (quantile(&mut d, 0.5), quantile(&mut d, 0.99));
	let (v50, v99) = (quantile(&mut v, 0.5), quantile(&mut v, 0.99));
	println!("direct RTT   p50 {d50:>7.1} µs  p99 {d99:>7.1} µs  ({} samples)", d.len());
	println!("relayed RTT  p50 {v50:>7.1} µs  p99 {v99:>7.1} µs  ({} samples)", v.len());
	println!("added/hop    p50 {:>7.1} µs  p99 {:>7.1} µs", v50 - d50, v99 - d99);
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
