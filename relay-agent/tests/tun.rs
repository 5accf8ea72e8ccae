//! TUN mode end to end: host 1 routes a server network into its `ditex0`; the overlay carries
//! the IP packets to host 4, which writes them to its own TUN device and NATs them out
//! (nftables masquerade) to a server in host 5; replies come back along the reverse path. A
//! real TCP transfer is checked byte for byte at the server, once on the direct path and once
//! after the direct path is congested and traffic has moved to a detour. Run as root.

mod common;

use std::{
	io::{Read, Write},
	net::{TcpListener, TcpStream, UdpSocket},
	process::Command,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};

use common::*;

const INTERVAL_MS: u64 = 1000;
const BYTES: usize = 1 << 20;

/// Deterministic test bytes for transfer `n`.
fn data(n: u64) -> Vec<u8> {
	let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ n;
	(0..BYTES)
		.map(|_| {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			x as u8
		})
		.collect()
}

fn wait_device(lab: &Lab, host: usize) {
	let ns = lab.ns(host);
	let ok = lab.wait_for(Duration::from_secs(20), |_| {
		Command::new("ip")
			.args(["-n", &ns, "link", "show", "ditex0"])
			.output()
			.is_ok_and(|o| o.status.success())
	});
	assert!(ok.is_some(), "host {host} never opened its TUN device");
}

fn route_to(lab: &Lab, host: usize, dst: u32) -> Option<Vec<u32>> {
	lab.status(host)?.routes.into_iter().find(|r| r.dst == dst).map(|r| r.path)
}

/// One TCP transfer from host 1 to the server; true if the server saw exactly the bytes.
fn transfer(lab: &Lab, n: u64) -> bool {
	let client = lab.in_host(1, move || {
		let mut s =
			TcpStream::connect_timeout(&"10.79.0.2:8080".parse().unwrap(), Duration::from_secs(10))
				.expect("connect through the tunnel");
		s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
		s.write_all(&data(n)).expect("send");
		s.shutdown(std::net::Shutdown::Write).unwrap();
		let mut verdict = String::new();
		s.read_to_string(&mut verdict).expect("verdict");
		verdict
	});
	let verdict = client.join().unwrap();
	println!("transfer {n}: server says {verdict:?}");
	verdict == format!("ok {BYTES}")
}

#[test]
fn tcp_through_tun_egress_nat_and_reroute() {
	if !can_build_namespaces("tcp_through_tun_egress_nat_and_reroute") {
		return;
	}
	if Command::new("nft").arg("--version").output().is_err() {
		eprintln!("SKIP tcp_through_tun_egress_nat_and_reroute: nftables (`nft`) is missing");
		return;
	}
	let mut lab = Lab::new("t", 4);
	// Host 5, the server, hangs off host 4 only.
	let server_ns = lab.add_host(5);
	let (z, s) = (lab.ns(4), server_ns.clone());
	sh(&["ip", "-n", &z, "link", "add", "vs", "type", "veth", "peer", "name", "vz", "netns", &s]);
	sh(&["ip", "-n", &z, "addr", "add", "10.79.0.1/30", "dev", "vs"]);
	sh(&["ip", "-n", &z, "link", "set", "vs", "up"]);
	sh(&["ip", "-n", &s, "addr", "add", "10.79.0.2/30", "dev", "vz"]);
	sh(&["ip", "-n", &s, "link", "set", "vz", "up"]);

	for i in 2..=3 {
		let cfg = lab.config(i, INTERVAL_MS, "");
		lab.spawn_agent(i, &["run", "--config", cfg.to_str().unwrap()]);
	}
	// The TUN agents become `nobody` once their device is open: their files must be
	// writable by it.
	use std::os::unix::fs::PermissionsExt;
	std::fs::set_permissions(lab.dir.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
	let cfg = lab.config(
		4,
		INTERVAL_MS,
		"[exit]\nallow = [\"10.79.0.0/24\"]\n\n[tun]\nname = \"ditex0\"\nuser = \"nobody\"\n",
	);
	lab.spawn_agent(4, &["run", "--config", cfg.to_str().unwrap()]);
	let cfg =
		lab.config(1, INTERVAL_MS, "[tun]\nname = \"ditex0\"\negress = 4\nuser = \"nobody\"\n");
	lab.spawn_agent(1, &["run", "--config", cfg.to_str().unwrap()]);

	wait_device(&lab, 1);
	wait_device(&lab, 4);
	// M11: the agents that parse Internet input no longer run as root.
	for i in [1, 4] {
		let uid = lab.wait_for(Duration::from_secs(10), |l| {
			let status = std::fs::read_to_string(format!("/proc/{}/status", l.pid(i).unwrap()));
			status.is_ok_and(|s| s.lines().any(|l| l.starts_with("Uid:") && !l.contains("\t0\t")))
		});
		assert!(uid.is_some(), "host {i}'s agent still runs as root");
	}
	// Ingress 1's inner address is 100.64.0.1, derived from its id: every egress takes from it
	// only sources in its own prefix (H4), and routes the whole inner /10 back into the device.
	let a = lab.ns(1);
	sh(&["ip", "-n", &a, "addr", "add", "100.64.0.1/32", "dev", "ditex0"]);
	sh(&["ip", "-n", &a, "link", "set", "ditex0", "mtu", "1300", "up"]);
	sh(&["ip", "-n", &a, "route", "add", "10.79.0.0/24", "dev", "ditex0", "src", "100.64.0.1"]);
	sh(&["ip", "-n", &z, "link", "set", "ditex0", "mtu", "1300", "up"]);
	sh(&["ip", "-n", &z, "route", "add", "100.64.0.0/10", "dev", "ditex0"]);
	lab.exec(4, &["sysctl", "-qw", "net.ipv4.ip_forward=1"]);
	lab.exec(4, &["nft", "add", "table", "ip", "nat"]);
	lab.exec(4, &["nft", "add chain ip nat post { type nat hook postrouting priority 100 ; }"]);
	lab.exec(4, &["nft", "add", "rule", "ip", "nat", "post", "oifname", "vs", "masquerade"]);

	// The server: checks every byte of each transfer and says so.
	let stop = Arc::new(AtomicBool::new(false));
	let stop2 = stop.clone();
	let server = lab.in_host(5, move || {
		let l = TcpListener::bind("10.79.0.2:8080").expect("listen");
		l.set_nonblocking(true).unwrap();
		let mut n = 0u64;
		let mut peers = vec![];
		let start = Instant::now();
		while !stop2.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(150) {
			let Ok((mut c, peer)) = l.accept() else {
				std::thread::sleep(Duration::from_millis(20));
				continue;
			};
			peers.push(peer);
			c.set_nonblocking(false).unwrap();
			c.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
			let mut got = Vec::with_capacity(BYTES);
			let ok = c.read_to_end(&mut got).is_ok() && got == data(n);
			let verdict =
				if ok { format!("ok {}", got.len()) } else { format!("bad {}", got.len()) };
			let _ = c.write_all(verdict.as_bytes());
			n += 1;
		}
		peers
	});

	let warm = lab.wait_for(Duration::from_secs(20), |l| {
		l.status(1).is_some_and(|s| s.links.iter().filter(|k| k.to == 1).count() == 3)
	});
	assert!(warm.is_some(), "host 1 never measured its group");
	assert!(transfer(&lab, 0), "transfer over the direct path");
	assert_eq!(route_to(&lab, 1, 4).as_deref(), Some(&[1, 4][..]));

	// Congest the direct path 1 → 4 and wait for the detour.
	sh(&[
		"tc", "-n", &a, "qdisc", "add", "dev", "v4", "root", "tbf", "rate", "100kbit", "burst",
		"1600", "latency", "300ms",
	]);
	let stop_flood = Arc::new(AtomicBool::new(false));
	let sf = stop_flood.clone();
	let flood = lab.in_host(1, move || {
		let s = UdpSocket::bind("10.77.0.1:0").unwrap();
		let start = Instant::now();
		while !sf.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(120) {
			let _ = s.send_to(&[0u8; 1200], "10.77.0.4:9");
			std::thread::sleep(Duration::from_millis(24));
		}
	});
	let took =
		lab.wait_for(Duration::from_secs(30), |l| route_to(l, 1, 4).is_some_and(|p| p.len() > 2));
	let took = took.expect("TUN traffic never left the congested path");
	println!("TUN route moved to {:?} after {} ms", route_to(&lab, 1, 4), took.as_millis());
	let relayed_before: u64 = (2..=3).filter_map(|i| lab.status(i)).map(|s| s.forwarded).sum();
	assert!(transfer(&lab, 1), "transfer over the detour");
	std::thread::sleep(Duration::from_millis(INTERVAL_MS + 200));
	let relayed: u64 = (2..=3).filter_map(|i| lab.status(i)).map(|s| s.forwarded).sum();
	assert!(
		relayed > relayed_before + 500,
		"the detour carried the transfer ({relayed_before} → {relayed})"
	);

	stop_flood.store(true, Ordering::Relaxed);
	flood.join().unwrap();
	stop.store(true, Ordering::Relaxed);
	let peers = server.join().unwrap();
	// The server saw the egress's address, not the tunnel's: the egress NATed.
	assert!(peers.iter().all(|p| p.ip().to_string() == "10.79.0.1"), "{peers:?}");
}
