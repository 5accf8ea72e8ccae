//! Soak load for `scripts/soak-relay.sh`: for a fixed time, one `ditex-relay` on loopback (a
//! registry view of 101 segments) gets at once
//! - valid traffic: segment 1 sends datagrams over 1 → relay → 3, and segment 3 checks each;
//! - malformed datagrams: random bytes, and valid datagrams with a byte flipped;
//! - authenticated floods with fresh flow ids: segment 4 (a member holding its keys) opens a
//!   new flow with every datagram, half ending at the relay, half relayed on to 3;
//! - pulse floods: segment 5 sends authenticated pulses back to back, each naming made-up
//!   peers, and anyone sends pulses from made-up senders.
//!
//! Every 5 s it prints the relay's RSS, open descriptors, flows and drop counters and the share
//! of valid datagrams delivered in that window; at the end whether RSS stayed under 32 MiB and
//! valid traffic kept flowing (every window ≥ 90% delivered).
//!
//! `cargo run --release --example soak -- <path to ditex-relay> [seconds]`

use std::{
	io::Write,
	net::{SocketAddr, UdpSocket},
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::{
		atomic::{AtomicBool, AtomicU64, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};

use std::sync::Mutex;

use ditex_primitives::wire::{Header, Pulse, PulseEntry, MAX_PULSE_LEN};
use ditex_relay::{
	accounting::Accounting,
	dataplane::{Action, Dataplane, HEADROOM, TAILROOM},
	registry::{EndpointPolicy, PeerEntry, Registry},
	shell::status::Status,
};
use x25519_dalek::{PublicKey, StaticSecret};

/// Members beyond the five that take part: silent ones, so the view holds 101 segments.
const SEGMENTS: u32 = 101;
const RSS_TARGET_KIB: u64 = 32 * 1024;
const WINDOW: Duration = Duration::from_secs(5);
/// The flow of the valid traffic.
const VALID_FLOW: u64 = 7;

fn secret(i: u32) -> StaticSecret {
	let mut b = [0x5au8; 32];
	b[..4].copy_from_slice(&i.to_be_bytes());
	StaticSecret::from(b)
}

fn addr(id: u32, port: u16) -> SocketAddr {
	match id {
		1..=3 => SocketAddr::from(([127, 0, 0, id as u8], port)),
		_ => SocketAddr::from(([127, 0, 1, id as u8], port)),
	}
}

fn entries(port: u16) -> Vec<PeerEntry> {
	(1..=SEGMENTS)
		.map(|id| PeerEntry::active(id, addr(id, port), &PublicKey::from(&secret(id)), 10))
		.collect()
}

fn write_config(dir: &Path, port: u16) -> PathBuf {
	let mut s = format!(
		"[agent]\nid = 2\nsecret_key = \"0x{}\"\nlisten = \"{}\"\nstatus_file = \"{}\"\nstate_file = \"{}\"\n\n[net]\ntest_bed = true\n\n",
		hex::encode(secret(2).to_bytes()),
		addr(2, port),
		dir.join("status.json").display(),
		dir.join("acct.json").display(),
	);
	for p in entries(port) {
		s += &format!(
			"[[peers]]\nid = {}\nendpoint = \"{}\"\nkey = \"{}\"\nregion = \"DE-BE\"\nasn = 64512\npricePerGib = \"10\"\ngroup = 1\nstatus = \"active\"\n\n",
			p.id, p.endpoint, p.key
		);
	}
	let path = dir.join("relay.toml");
	std::fs::File::create(&path).and_then(|mut f| f.write_all(s.as_bytes())).expect("config");
	path
}

fn dataplane(id: u32, port: u16) -> Dataplane {
	let reg = Registry::new(id, secret(id), &entries(port), EndpointPolicy::test_bed()).unwrap();
	Dataplane::new(reg, Accounting::default())
}

fn wall_us() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map_or(0, |d| d.as_micros() as u64)
}

/// xorshift64*: enough randomness for junk, no dependency.
struct Rng(u64);

impl Rng {
	fn next(&mut self) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
	}
}

/// Send the handshake datagrams `dp` has due.
fn send_due(dp: &mut Dataplane, sock: &UdpSocket) {
	for (to, d, charge) in dp.take_transmits() {
		if sock.send_to(&d, to).is_ok() {
			dp.commit(charge);
		}
	}
}

/// A datagram for `flow` over `path`, once its session is up (until then `None`, and the
/// handshake is due: see [`send_due`]).
fn wrap(dp: &mut Dataplane, flow: u64, path: &[u32], payload: &[u8]) -> Option<Vec<u8>> {
	let mut buf = vec![0u8; HEADROOM + payload.len() + TAILROOM];
	buf[HEADROOM..HEADROOM + payload.len()].copy_from_slice(payload);
	let t = dp.encapsulate(wall_us(), flow, path, &mut buf, payload.len()).ok()?;
	Some(buf[t.range].to_vec())
}

/// Run `f` about `pps` times a second until `stop`, in bursts of 10.
fn paced(pps: u64, stop: &AtomicBool, mut f: impl FnMut()) {
	let burst = 10u64;
	let gap = Duration::from_micros(1_000_000 * burst / pps.max(1));
	let mut next = Instant::now();
	while !stop.load(Ordering::Relaxed) {
		for _ in 0..burst {
			f();
		}
		next += gap;
		let now = Instant::now();
		if next > now {
			std::thread::sleep(next - now);
		} else {
			next = now;
		}
	}
}

/// A 4 MiB receive buffer, so bursts do not overflow this process's sockets.
fn grow_rcvbuf(s: &UdpSocket) {
	use std::os::fd::AsRawFd;
	let v: libc::c_int = 4 << 20;
	// SAFETY: setsockopt with a c_int value of the right size.
	unsafe {
		libc::setsockopt(
			s.as_raw_fd(),
			libc::SOL_SOCKET,
			libc::SO_RCVBUF,
			&v as *const _ as *const libc::c_void,
			std::mem::size_of::<libc::c_int>() as libc::socklen_t,
		);
	}
}

fn proc_kib(pid: u32, key: &str) -> u64 {
	let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
	s.lines()
		.find(|l| l.starts_with(key))
		.and_then(|l| l.split_whitespace().nth(1))
		.and_then(|v| v.parse().ok())
		.unwrap_or(0)
}

fn open_fds(pid: u32) -> usize {
	std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

struct Kill(Child);

impl Drop for Kill {
	fn drop(&mut self) {
		let _ = self.0.kill();
		let _ = self.0.wait();
	}
}

fn main() {
	let args: Vec<String> = std::env::args().collect();
	let bin = args.get(1).expect("usage: soak <ditex-relay> [seconds]").clone();
	let secs: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(60);
	let port = 42_000 + (std::process::id() % 2_000) as u16;
	let dir = std::env::temp_dir().join(format!("ditex-soak-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let cfg = write_config(&dir, port);
	let relay = Kill(
		Command::new(&bin)
			.args(["run", "--config", cfg.to_str().unwrap()])
			.env("RUST_LOG", "warn")
			.stdout(Stdio::null())
			.stderr(std::fs::File::create(dir.join("relay.log")).unwrap())
			.spawn()
			.expect("start ditex-relay"),
	);
	let pid = relay.0.id();
	let status_path = dir.join("status.json");
	let start = Instant::now();
	while Status::read(&status_path).is_err() && start.elapsed() < Duration::from_secs(20) {
		std::thread::sleep(Duration::from_millis(50));
	}
	let relay_addr = addr(2, port);
	let stop = Arc::new(AtomicBool::new(false));
	let valid_sent = Arc::new(AtomicU64::new(0));
	let valid_ok = Arc::new(AtomicU64::new(0));
	let flood_relayed = Arc::new(AtomicU64::new(0));
	let mut threads = Vec::new();

	// The sink, segment 3: checks valid datagrams, counts relayed flood ones.
	let sink = UdpSocket::bind(addr(3, port)).expect("sink socket");
	grow_rcvbuf(&sink);
	sink.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
	let sink_thread = {
		let (stop, ok, flood) = (stop.clone(), valid_ok.clone(), flood_relayed.clone());
		let sink_thread = std::thread::spawn(move || {
			let mut dp = dataplane(3, port);
			let mut buf = [0u8; 4096];
			while !stop.load(Ordering::Relaxed) {
				let Ok((n, from)) = sink.recv_from(&mut buf) else { continue };
				let flow = Header::parse(&buf[..n]).map(|(h, _)| h.flow).ok();
				// What the relay passed on of the floods is counted, not answered: the load under
				// test is the relay's, and answering thousands of handshakes a second here would
				// starve this process, not the relay.
				if flow.is_some_and(|f| f != VALID_FLOW) {
					flood.fetch_add(1, Ordering::Relaxed);
					continue;
				}
				match dp.handle_datagram(wall_us(), from, &mut buf[..n]) {
					Action::Deliver { flow, payload, .. } => {
						let p = &buf[payload];
						if flow == VALID_FLOW && p.len() == 200 && p[8..].iter().all(|b| *b == p[0])
						{
							ok.fetch_add(1, Ordering::Relaxed);
						} else {
							flood.fetch_add(1, Ordering::Relaxed);
						}
					},
					// Answer the valid flow's handshakes; the flood's, a real egress would answer
					// too, but that is the relay's load, not this sink's.
					Action::Reply { to, range } if flow == Some(VALID_FLOW) => {
						let _ = sink.send_to(&buf[range], to);
					},
					_ => {},
				}
				send_due(&mut dp, &sink);
			}
			dp.drops.nonzero().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
		});
		sink_thread
	};
	// Valid traffic, segment 1, 1000 datagrams a second.
	let valid_sock = UdpSocket::bind(addr(1, port)).expect("ingress socket");
	valid_sock.set_nonblocking(true).unwrap();
	let valid_copy = valid_sock.try_clone().unwrap();
	let latest: Arc<Mutex<Option<Vec<u8>>>> = Arc::new(Mutex::new(None));
	{
		let (stop, sent, latest) = (stop.clone(), valid_sent.clone(), latest.clone());
		threads.push(std::thread::spawn(move || {
			let mut dp = dataplane(1, port);
			dp.start_hop_counters(wall_us() * 1_000);
			let mut seq = 0u64;
			let mut b = [0u8; 4096];
			paced(1_000, &stop, || {
				let mut p = vec![(seq % 251) as u8; 200];
				p[..8].copy_from_slice(&seq.to_be_bytes());
				p[0] = (seq % 251) as u8;
				let d = wrap(&mut dp, VALID_FLOW, &[1, 2, 3], &p);
				send_due(&mut dp, &valid_sock);
				if let Some(d) = d {
					let _ = valid_sock.send_to(&d, relay_addr);
					sent.fetch_add(1, Ordering::Relaxed);
					seq += 1;
					*latest.lock().unwrap() = Some(d);
				}
				// The handshake's answer, and anything else that comes back.
				while let Ok((n, from)) = valid_sock.recv_from(&mut b) {
					dp.handle_datagram(wall_us(), from, &mut b[..n]);
				}
			});
		}));
	}
	// Malformed: random bytes from anywhere, and segment 1's own datagrams with a byte flipped
	// (sent from its address, so they get past the source check to the MACs).
	{
		let stop = stop.clone();
		threads.push(std::thread::spawn(move || {
			let junk = UdpSocket::bind(addr(99, 0)).unwrap();
			let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
			paced(4_000, &stop, || {
				let r = rng.next();
				let good = latest.lock().unwrap().clone();
				if r.is_multiple_of(2) || good.is_none() {
					let n = 1 + (r >> 8) as usize % 1500;
					let v: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
					let _ = junk.send_to(&v, relay_addr);
				} else if let Some(mut v) = good {
					let i = (r >> 8) as usize % v.len();
					v[i] ^= 1 << ((r >> 40) % 8);
					let _ = valid_copy.send_to(&v, relay_addr);
				}
			});
		}));
	}
	// Authenticated flood with fresh flow ids, segment 4.
	{
		let stop = stop.clone();
		threads.push(std::thread::spawn(move || {
			let s = UdpSocket::bind(addr(4, port)).unwrap();
			let mut dp = dataplane(4, port);
			dp.start_hop_counters(wall_us() * 1_000);
			let mut rng = Rng(0x1234_5678_9abc_def1);
			paced(4_000, &stop, || {
				// Every fresh flow starts with an authenticated handshake initiation.
				let flow = rng.next() | 1 << 63;
				let path: &[u32] = if flow.is_multiple_of(2) { &[4, 2] } else { &[4, 2, 3] };
				let _ = wrap(&mut dp, flow, path, &[0u8; 64]);
				send_due(&mut dp, &s);
				// Fresh flows in this agent's own table must not grow it either.
				if dp.flow_count() > 1024 {
					dp = dataplane(4, port);
					dp.start_hop_counters(wall_us() * 1_000);
				}
			});
		}));
	}
	// Pulse floods: segment 5's authenticated pulses naming made-up peers, back to back, and
	// pulses from made-up senders.
	{
		let stop = stop.clone();
		threads.push(std::thread::spawn(move || {
			let s = UdpSocket::bind(addr(5, port)).unwrap();
			let junk = UdpSocket::bind(addr(98, 0)).unwrap();
			let reg =
				Registry::new(5, secret(5), &entries(port), EndpointPolicy::test_bed()).unwrap();
			let keys = reg.keys(2).unwrap().clone();
			let mut rng = Rng(0xdead_beef_cafe_f00d);
			let mut seq = 0u32;
			let mut buf = [0u8; MAX_PULSE_LEN];
			paced(2_000, &stop, || {
				let r = rng.next();
				let sender =
					if r.is_multiple_of(4) { 1_000 + (r >> 8) as u32 % 1_000_000 } else { 5 };
				let mut p = Pulse::new(sender, seq, wall_us(), 1);
				seq += 1;
				for k in 0..4 {
					let peer = (rng.next() as u32) | (k << 30);
					p.push(PulseEntry { peer, latency_us: -1_000_000, jitter_us: 0, loss: 0 });
				}
				p.mac = keys.pulse_mac(&p, 2);
				if let Ok(n) = p.write(&mut buf) {
					let from = if sender == 5 { &s } else { &junk };
					let _ = from.send_to(&buf[..n], relay_addr);
				}
			});
		}));
	}

	println!(
		"soak: ditex-relay pid {pid} on {relay_addr}, {SEGMENTS} segments in its view, {secs} s; \
		 load: valid 1000/s, malformed 4000/s, fresh-flow floods 4000/s, pulse floods 2000/s"
	);
	println!(
		"{:>5} {:>9} {:>5} {:>6} {:>9} {:>9}  drops",
		"t/s", "rss/KiB", "fds", "flows", "valid/%", "floods>3"
	);
	let (mut max_rss, mut min_valid, mut windows) = (0u64, 100f64, 0u32);
	let (mut last_sent, mut last_ok) = (0u64, 0u64);
	let begin = Instant::now();
	while begin.elapsed() < Duration::from_secs(secs) {
		std::thread::sleep(WINDOW.min(Duration::from_secs(secs).saturating_sub(begin.elapsed())));
		if relay.0.id() != pid || !Path::new(&format!("/proc/{pid}")).exists() {
			break;
		}
		let rss = proc_kib(pid, "VmRSS:");
		max_rss = max_rss.max(rss);
		let (sent, ok) = (valid_sent.load(Ordering::Relaxed), valid_ok.load(Ordering::Relaxed));
		// Datagrams still in flight at the window's end count in the next one.
		let share = if sent > last_sent {
			100.0 * (ok - last_ok) as f64 / (sent - last_sent) as f64
		} else {
			0.0
		};
		(last_sent, last_ok) = (sent, ok);
		windows += 1;
		min_valid = min_valid.min(share);
		let s = Status::read(&status_path).ok();
		let drops = s.as_ref().map_or(String::new(), |s| {
			s.drops.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
		});
		println!(
			"{:>5} {:>9} {:>5} {:>6} {:>9.1} {:>9}  {drops}",
			begin.elapsed().as_secs(),
			rss,
			open_fds(pid),
			s.as_ref().map_or(0, |s| s.flows),
			share,
			flood_relayed.load(Ordering::Relaxed),
		);
	}
	stop.store(true, Ordering::Relaxed);
	for t in threads {
		let _ = t.join();
	}
	let sink_drops = sink_thread.join().unwrap_or_default();
	let alive = Path::new(&format!("/proc/{pid}")).exists();
	let hwm = proc_kib(pid, "VmHWM:");
	drop(relay);
	let rss_ok = max_rss > 0 && max_rss < RSS_TARGET_KIB;
	let flowing = windows > 0 && min_valid >= 90.0;
	println!(
		"soak: relay alive to the end: {}; RSS max {:.1} MiB (peak {:.1} MiB, target < 32 MiB): {}",
		if alive { "yes" } else { "NO" },
		max_rss as f64 / 1024.0,
		hwm as f64 / 1024.0,
		if rss_ok { "ok" } else { "OVER" }
	);
	println!(
		"soak: valid traffic: {} of {} delivered, worst 5 s window {:.1}%: {}",
		valid_ok.load(Ordering::Relaxed),
		valid_sent.load(Ordering::Relaxed),
		min_valid,
		if flowing { "kept flowing" } else { "STARVED" }
	);
	println!("soak: drops at the egress (segment 3, this process): {sink_drops}");
	let _ = std::fs::remove_dir_all(&dir);
	if !(alive && rss_ok && flowing) {
		std::process::exit(1);
	}
}
