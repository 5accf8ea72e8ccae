//! Bad input against the real daemon on loopback (no privileges needed): each kind of bad
//! datagram is dropped, never forwarded, counted under its reason in the status file, and
//! logged with that reason. A good datagram sent alongside is forwarded, so the drops are not
//! an agent that forwards nothing.

mod common;

use std::{
	io::Write,
	net::{SocketAddr, UdpSocket},
	process::{Command, Stdio},
	time::{Duration, Instant},
};

use common::{check_datagram, make_datagram, secret};
use ditex_primitives::wire::{encoded_len, FIXED_HEADER_LEN, MAC_LEN};
use ditex_relay::{
	accounting::Accounting,
	dataplane::{Dataplane, HEADROOM, TAILROOM},
	registry::{EndpointPolicy, PeerEntry, Registry},
	shell::status::Status,
};
use x25519_dalek::PublicKey;

fn peer(id: u32, port: u16) -> PeerEntry {
	let endpoint = SocketAddr::from(([127, 0, 0, id.min(9) as u8], port));
	PeerEntry::active(id, endpoint, &PublicKey::from(&secret(id as usize)), 10)
}

fn toml_peer(p: &PeerEntry) -> String {
	format!(
		"[[peers]]\nid = {}\nendpoint = \"{}\"\nkey = \"{}\"\nregion = \"DE-BE\"\nasn = 64512\npricePerGib = \"10\"\ngroup = 1\nstatus = \"active\"\n\n",
		p.id, p.endpoint, p.key
	)
}

#[test]
fn bad_datagrams_are_dropped_counted_and_logged() {
	let port = 30_000 + (std::process::id() % 20_000) as u16;
	let dir = tempfile::tempdir().unwrap();
	// 1 is this test (the ingress), 2 the agent under test, 3 a sink playing the next hop.
	let peers: Vec<PeerEntry> = (1..=3).map(|i| peer(i, port)).collect();
	let status = dir.path().join("status.json");
	let mut cfg = format!(
		"[agent]\nid = 2\nsecret_key = \"0x{}\"\nlisten = \"127.0.0.2:{port}\"\npulse_interval_ms = 200\nstatus_file = \"{}\"\nstate_file = \"{}\"\n\n[net]\ntest_bed = true\n\n",
		hex::encode(secret(2).to_bytes()),
		status.display(),
		dir.path().join("acct.json").display()
	);
	for p in &peers {
		cfg += &toml_peer(p);
	}
	let cfg_path = dir.path().join("agent.toml");
	std::fs::File::create(&cfg_path).unwrap().write_all(cfg.as_bytes()).unwrap();
	let log_path = dir.path().join("agent.log");
	let sink = UdpSocket::bind(format!("127.0.0.3:{port}")).expect("sink socket");
	let me = UdpSocket::bind(format!("127.0.0.1:{port}")).expect("ingress socket");
	struct Kill(std::process::Child);
	impl Drop for Kill {
		fn drop(&mut self) {
			let _ = self.0.kill();
			let _ = self.0.wait();
		}
	}
	let _agent = Kill(
		Command::new(env!("CARGO_BIN_EXE_ditex-relay"))
			.args(["run", "--config", cfg_path.to_str().unwrap(), "--run-for-ms", "60000"])
			.env("RUST_LOG", "info,ditex_relay::dataplane=debug")
			.stderr(std::fs::File::create(&log_path).unwrap())
			.stdout(Stdio::null())
			.spawn()
			.unwrap(),
	);

	// The ingress side knows a segment 42 the agent has never heard of.
	let mut mine = peers.clone();
	mine.push(peer(42, port));
	let mut ingress = Dataplane::new(
		Registry::new(1, secret(1), &mine, EndpointPolicy::test_bed()).unwrap(),
		Accounting::default(),
	);
	// Agent 2 relays: it checks headers, never the payload (a session message only the
	// egress reads), so a test payload will do.
	let mut build = |path: &[u32], seq: u64| {
		let payload = make_datagram(seq);
		let mut buf = vec![0u8; HEADROOM + payload.len() + TAILROOM];
		let t = ingress.wrap(7, path, &payload, &mut buf).unwrap();
		buf[t.range].to_vec()
	};
	let good = build(&[1, 2, 3], 1);
	let unknown = build(&[1, 2, 42], 2);
	let hl = encoded_len(3);
	let mut cases: Vec<(&str, Vec<u8>)> = vec![("truncated", good[..hl - 1].to_vec())];
	let mut v = good.clone();
	v[0] = 7;
	cases.push(("bad_version", v));
	let mut v = good.clone();
	v[2] = 9;
	cases.push(("too_many_hops", v));
	let mut v = good.clone();
	v[FIXED_HEADER_LEN + 8..FIXED_HEADER_LEN + 12].copy_from_slice(&1u32.to_be_bytes());
	cases.push(("hop_loop", v));
	let mut v = good.clone();
	v[4] = 0;
	cases.push(("ttl_expired", v));
	let mut v = good.clone();
	v[hl - 2 * MAC_LEN] ^= 0x80;
	cases.push(("bad_mac", v));
	cases.push(("unknown_segment", unknown));

	// Wait for the agent to listen (its first status write), bounded.
	let start = Instant::now();
	while Status::read(&status).is_err() && start.elapsed() < Duration::from_secs(20) {
		std::thread::sleep(Duration::from_millis(50));
	}
	for (_, d) in &cases {
		me.send_to(d, format!("127.0.0.2:{port}")).unwrap();
	}
	me.send_to(&good, format!("127.0.0.2:{port}")).unwrap();

	// Exactly the good datagram reaches the next hop.
	sink.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
	let mut forwarded = vec![];
	let mut buf = [0u8; 2048];
	let start = Instant::now();
	while start.elapsed() < Duration::from_secs(3) {
		if let Ok((n, _)) = sink.recv_from(&mut buf) {
			if n > 1 && buf[1] == 1 {
				forwarded.push(buf[..n].to_vec());
			}
		}
	}
	assert_eq!(forwarded.len(), 1, "only the good datagram is forwarded");
	assert_eq!(forwarded[0][3], 2, "next-hop index advanced");
	assert_eq!(forwarded[0][4], good[4] - 1, "TTL decremented");
	assert!(check_datagram(&make_datagram(1)).is_some());

	// Each bad one is counted under its reason...
	let ok = (0..100).any(|_| {
		std::thread::sleep(Duration::from_millis(100));
		Status::read(&status).is_ok_and(|s| {
			cases.iter().all(|(r, _)| s.drops.get(*r) == Some(&1)) && s.forwarded == 1
		})
	});
	let s = Status::read(&status).unwrap();
	assert!(ok, "drop counters: {:?}, forwarded {}", s.drops, s.forwarded);
	// `ditex-relay status` shows them too.
	let out = Command::new(env!("CARGO_BIN_EXE_ditex-relay"))
		.args(["status", "--file", status.to_str().unwrap()])
		.output()
		.unwrap();
	let text = String::from_utf8_lossy(&out.stdout);
	assert!(out.status.success() && text.contains("forwarded 1"), "{text}");
	for (r, _) in &cases {
		assert!(text.contains(&format!("{r}=1")), "status lacks {r}: {text}");
	}
	// ...and logged with it.
	let log = std::fs::read_to_string(&log_path).unwrap();
	for (r, _) in &cases {
		let line = format!("reason=\"{r}\"");
		assert!(
			log.contains(&line) && log.contains("dropped datagram"),
			"no log line {line}:\n{log}"
		);
	}
}

/// A corrupt accounting state file is set aside and reported, and the agent starts a new
/// ledger (a new boot the chain tells apart), never a silent zero.
#[test]
fn a_corrupt_state_file_is_set_aside_loudly_and_a_new_ledger_starts() {
	let port = 30_000 + ((std::process::id() + 7) % 20_000) as u16;
	let dir = tempfile::tempdir().unwrap();
	let state = dir.path().join("acct.json");
	std::fs::write(&state, b"{\"version\": 2, \"peers\": [[1, {\"bytes_in\": ").unwrap();
	let me = peer(2, port);
	let cfg = format!(
		"[agent]\nid = 2\nsecret_key = \"0x{}\"\nlisten = \"127.0.0.2:{port}\"\nstatus_file = \"{}\"\nstate_file = \"{}\"\n\n[net]\ntest_bed = true\n\n[dashboard]\nlisten = \"\"\n\n{}",
		hex::encode(secret(2).to_bytes()),
		dir.path().join("status.json").display(),
		state.display(),
		toml_peer(&me),
	);
	let cfg_path = dir.path().join("agent.toml");
	std::fs::write(&cfg_path, cfg).unwrap();
	let out = Command::new(env!("CARGO_BIN_EXE_ditex-relay"))
		.args(["run", "--config", cfg_path.to_str().unwrap(), "--run-for-ms", "300"])
		.output()
		.unwrap();
	let log = String::from_utf8_lossy(&out.stderr);
	assert!(out.status.success(), "{log}");
	assert!(log.contains("ERROR") && log.contains("corrupt"), "{log}");
	let aside = dir.path().join("acct.json.corrupt");
	assert!(std::fs::read(&aside).unwrap().starts_with(b"{\"version\": 2"), "kept for a look");
	let fresh = Accounting::load(&state).expect("a new, sound ledger");
	assert!(fresh.since() > 0, "the new ledger is a new boot");
}
