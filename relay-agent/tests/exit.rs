//! The UDP exit against the real daemon on loopback (no privileges needed): replies reach the
//! ingress only from the destination the flow sends to, and the exit policy's floor holds in
//! the daemon.

mod common;

use std::{
	net::{SocketAddr, UdpSocket},
	process::{Command, Stdio},
	time::{Duration, Instant},
};

use common::secret;
use ditex_relay::{
	accounting::Accounting,
	dataplane::{Action, Dataplane, HEADROOM, TAILROOM},
	registry::{EndpointPolicy, PeerEntry, Registry},
	shell::status::Status,
	wire::Inner,
};
use x25519_dalek::PublicKey;

fn peer(id: u32, port: u16) -> PeerEntry {
	let endpoint = SocketAddr::from(([127, 0, 0, id as u8], port));
	PeerEntry::active(id, endpoint, &PublicKey::from(&secret(id as usize)), 10)
}

fn toml_peer(p: &PeerEntry) -> String {
	format!(
		"[[peers]]\nid = {}\nendpoint = \"{}\"\nkey = \"{}\"\nregion = \"DE-BE\"\nasn = 64512\npricePerGib = \"10\"\ngroup = 1\nstatus = \"active\"\n\n",
		p.id, p.endpoint, p.key
	)
}

struct Kill(std::process::Child);
impl Drop for Kill {
	fn drop(&mut self) {
		let _ = self.0.kill();
		let _ = self.0.wait();
	}
}

/// The egress (segment 2, the daemon) on 127.0.0.2 with `exit`; returns it, its status path
/// and the ingress's data plane (segment 1, this test, on 127.0.0.1).
fn egress(
	port: u16,
	dir: &std::path::Path,
	exit: &str,
	test_bed: bool,
) -> (Kill, std::path::PathBuf, Dataplane) {
	let peers: Vec<PeerEntry> = (1..=2).map(|i| peer(i, port)).collect();
	let status = dir.join("status.json");
	let mut cfg = format!(
		"[agent]\nid = 2\nsecret_key = \"0x{}\"\nlisten = \"127.0.0.2:{port}\"\npulse_interval_ms = 200\nstatus_file = \"{}\"\nstate_file = \"{}\"\n\n[net]\ntest_bed = {test_bed}\n\n{exit}\n",
		hex::encode(secret(2).to_bytes()),
		status.display(),
		dir.join("acct.json").display()
	);
	for p in &peers {
		cfg += &toml_peer(p);
	}
	let cfg_path = dir.join("agent.toml");
	std::fs::write(&cfg_path, cfg).unwrap();
	let agent = Kill(
		Command::new(env!("CARGO_BIN_EXE_ditex-relay"))
			.args(["run", "--config", cfg_path.to_str().unwrap(), "--run-for-ms", "60000"])
			.env("RUST_LOG", "info,ditex_relay=debug")
			.stderr(std::fs::File::create(dir.join("agent.log")).unwrap())
			.stdout(Stdio::null())
			.spawn()
			.unwrap(),
	);
	let start = Instant::now();
	while Status::read(&status).is_err() && start.elapsed() < Duration::from_secs(20) {
		std::thread::sleep(Duration::from_millis(50));
	}
	let ingress = Dataplane::new(
		Registry::new(1, secret(1), &peers, EndpointPolicy::test_bed()).unwrap(),
		Accounting::default(),
	);
	(agent, status, ingress)
}

/// Run the session handshake of `flow` with segment 2 over `sock` (bounded: it fails the
/// test if the agent does not answer within seconds).
fn connect(sock: &UdpSocket, ingress: &mut Dataplane, port: u16, flow: u64) {
	let mut buf = vec![0u8; HEADROOM + 1 + TAILROOM];
	let _ = ingress.encapsulate(0, flow, &[1, 2], &mut buf, 1);
	for (_, d, _) in ingress.take_transmits() {
		sock.send_to(&d, format!("127.0.0.2:{port}")).unwrap();
	}
	sock.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
	let mut b = [0u8; 2048];
	let start = Instant::now();
	while start.elapsed() < Duration::from_secs(10) {
		let Ok((n, from)) = sock.recv_from(&mut b) else { continue };
		if ingress.handle_datagram(0, from, &mut b[..n]) == Action::Consumed {
			return;
		}
	}
	panic!("segment 2 never answered the handshake of flow {flow}");
}

/// A UDP datagram for `to`, through the overlay to segment 2.
fn wrap(ingress: &mut Dataplane, flow: u64, to: SocketAddr, data: &[u8]) -> Vec<u8> {
	let inner = Inner::Udp { addr: to, data: &[] };
	let n = inner.prefix_len() + data.len();
	let mut buf = vec![0u8; HEADROOM + n + TAILROOM];
	inner.write_prefix(&mut buf[HEADROOM..]).unwrap();
	buf[HEADROOM + inner.prefix_len()..HEADROOM + n].copy_from_slice(data);
	let t = ingress.encapsulate(0, flow, &[1, 2], &mut buf, n).unwrap();
	buf[t.range].to_vec()
}

/// Every reply the ingress socket gets within `wait`, as (who answered, data).
fn replies(
	sock: &UdpSocket,
	ingress: &mut Dataplane,
	wait: Duration,
) -> Vec<(SocketAddr, Vec<u8>)> {
	sock.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
	let mut out = vec![];
	let mut buf = [0u8; 4096];
	let start = Instant::now();
	while start.elapsed() < wait {
		let Ok((n, from)) = sock.recv_from(&mut buf) else { continue };
		if let Action::Deliver { payload, .. } = ingress.handle_datagram(1, from, &mut buf[..n]) {
			if let Ok(Inner::Udp { addr, data }) = Inner::parse(&buf[payload]) {
				out.push((addr, data.to_vec()));
			}
		}
	}
	out
}

/// M3: the exit socket was unconnected, so any host that found its port could inject into a
/// port-forward session, billed to the consumer.
#[test]
fn m3_exit_accepts_replies_only_from_the_destination() {
	let port = (30_000 + (std::process::id() % 20_000) as u16) ^ 0x55;
	let dir = tempfile::tempdir().unwrap();
	let (_agent, status, mut ingress) =
		egress(port, dir.path(), "[exit]\nallow = [\"127.0.0.0/8\"]\n", true);
	let me = UdpSocket::bind(format!("127.0.0.1:{port}")).expect("ingress socket");
	let dst = UdpSocket::bind("127.0.0.4:0").unwrap();
	let stranger = UdpSocket::bind("127.0.0.5:0").unwrap();
	let to = dst.local_addr().unwrap();
	connect(&me, &mut ingress, port, 9);
	me.send_to(&wrap(&mut ingress, 9, to, b"query"), format!("127.0.0.2:{port}")).unwrap();
	dst.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
	let mut b = [0u8; 64];
	let (n, exit_sock) = dst.recv_from(&mut b).unwrap_or_else(|e| {
		let log = std::fs::read_to_string(dir.path().join("agent.log")).unwrap_or_default();
		let s = Status::read(&status).map(|s| (s.delivered, s.drops));
		panic!("the exit delivers: {e}\n{s:?}\n{log}")
	});
	assert_eq!(&b[..n], b"query");
	// A stranger who learned the exit socket's port, and the destination, both answer.
	stranger.send_to(b"forged", exit_sock).unwrap();
	std::thread::sleep(Duration::from_millis(50));
	dst.send_to(b"answer", exit_sock).unwrap();
	let got = replies(&me, &mut ingress, Duration::from_secs(2));
	assert_eq!(got, vec![(to, b"answer".to_vec())]);
}

/// M11/M4: the daemon judges every destination by the exit policy (its floor is tested in
/// `egress::tests`; a daemon on loopback needs a test bed), the IPv4-mapped form included: a
/// destination outside `allow` is denied and counted, in either spelling.
#[test]
fn m4_daemon_judges_v4_mapped_destinations_by_the_policy() {
	let port = (30_000 + (std::process::id() % 20_000) as u16) ^ 0xaa;
	let dir = tempfile::tempdir().unwrap();
	let (_agent, status, mut ingress) =
		egress(port, dir.path(), "[exit]\nallow = [\"127.0.0.4/32\"]\n", true);
	let me = UdpSocket::bind(format!("127.0.0.1:{port}")).expect("ingress socket");
	let other = UdpSocket::bind("127.0.0.6:0").unwrap();
	let to = other.local_addr().unwrap();
	connect(&me, &mut ingress, port, 9);
	me.send_to(&wrap(&mut ingress, 9, to, b"x"), format!("127.0.0.2:{port}")).unwrap();
	// v4-mapped does not get round it either.
	let mapped: SocketAddr = format!("[::ffff:127.0.0.6]:{}", to.port()).parse().unwrap();
	me.send_to(&wrap(&mut ingress, 9, mapped, b"y"), format!("127.0.0.2:{port}")).unwrap();
	other.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
	let mut b = [0u8; 64];
	assert!(other.recv_from(&mut b).is_err(), "nothing delivered");
	let ok = (0..50).any(|_| {
		std::thread::sleep(Duration::from_millis(100));
		Status::read(&status).is_ok_and(|s| s.drops.get("exit_denied") == Some(&2))
	});
	assert!(ok, "{:?}", Status::read(&status).map(|s| s.drops));
}
