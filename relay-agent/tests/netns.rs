//! Five hosts in network namespaces, each running the real `ditex-relay`. Traffic from host 1
//! to host 5 goes direct until that link is congested (a `tbf` qdisc flooded past its rate:
//! this kernel has no netem), moves to a detour through hosts 2–4 within three pulse
//! intervals of the first pulse to meet the congestion, and comes back when the link
//! recovers — with no datagram delivered twice or corrupted. Run as root; elsewhere the tests
//! print why they skip.

mod common;

use std::{
	collections::HashSet,
	net::UdpSocket,
	sync::{
		atomic::{AtomicBool, AtomicU64, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};

use common::*;
use ditex_relay::shell::{status::Status, wall_us};

const INTERVAL_MS: u64 = 1000;

/// What the receiver saw.
#[derive(Default, Debug)]
struct Received {
	unique: HashSet<u64>,
	duplicates: u64,
	corrupt: u64,
}

fn route_to(lab: &Lab, host: usize, dst: u32) -> Option<Vec<u32>> {
	lab.status(host)?.routes.into_iter().find(|r| r.dst == dst).map(|r| r.path)
}

fn relayed(lab: &Lab) -> u64 {
	(2..=4).filter_map(|i| lab.status(i)).map(|s| s.forwarded).sum()
}

/// Send times (µs) of the latest pulses a status reports sent to `to`, oldest first.
fn pulses_to(s: &Status, to: u32) -> Vec<u64> {
	s.recent_pulses.iter().find(|p| p.to == to).map(|p| p.sent_us.clone()).unwrap_or_default()
}

/// Congest host 1's link to host 5: a 100 kbit/s token bucket, flooded at ~400 kbit/s.
/// Returns the flood and the wall-clock µs from which the link is congested.
fn degrade(lab: &Lab, stop: Arc<AtomicBool>) -> (std::thread::JoinHandle<u64>, u64) {
	sh(&[
		"tc",
		"-n",
		&lab.ns(1),
		"qdisc",
		"add",
		"dev",
		"v5",
		"root",
		"tbf",
		"rate",
		"100kbit",
		"burst",
		"1600",
		"latency",
		"300ms",
	]);
	let (started_tx, started) = std::sync::mpsc::channel();
	let flood = lab.in_host(1, move || {
		let s = UdpSocket::bind("10.77.0.1:0").expect("flood socket");
		let junk = [0u8; 1200];
		// First a burst past the bucket's queue (300 ms at 100 kbit/s plus the burst, ~5.3 kB):
		// full from the start, so the link is congested from the time reported.
		for _ in 0..8 {
			let _ = s.send_to(&junk, "10.77.0.5:9");
		}
		let _ = started_tx.send(wall_us());
		let mut sent = 8;
		// Bounded: stops on the flag, and after two minutes whatever happens.
		let start = Instant::now();
		while !stop.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(120) {
			let _ = s.send_to(&junk, "10.77.0.5:9");
			sent += 1;
			std::thread::sleep(Duration::from_millis(24));
		}
		sent
	});
	(flood, started.recv().expect("the flood started"))
}

#[test]
fn udp_forward_moves_to_a_detour_and_back() {
	if !can_build_namespaces("udp_forward_moves_to_a_detour_and_back") {
		return;
	}
	let mut lab = Lab::new("u", 5);
	for i in 2..=5 {
		let extra = if i == 5 { "[exit]\nallow = [\"10.77.0.5/32\"]\n" } else { "" };
		let cfg = lab.config(i, INTERVAL_MS, extra);
		lab.spawn_agent(i, &["run", "--config", cfg.to_str().unwrap()]);
	}
	let cfg = lab.config(1, INTERVAL_MS, "");
	lab.spawn_agent(
		1,
		&[
			"forward",
			"--config",
			cfg.to_str().unwrap(),
			"--local",
			"127.0.0.1:7000",
			"--to",
			"10.77.0.5:7001",
			"--egress",
			"5",
		],
	);

	// The far end: check every datagram and echo it back through the overlay.
	let stop_rx = Arc::new(AtomicBool::new(false));
	let stop = stop_rx.clone();
	let server = lab.in_host(5, move || {
		let s = UdpSocket::bind("10.77.0.5:7001").expect("server socket");
		s.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
		let mut got = Received::default();
		let mut buf = [0u8; 2048];
		let start = Instant::now();
		while !stop.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(150) {
			let Ok((n, from)) = s.recv_from(&mut buf) else { continue };
			match check_datagram(&buf[..n]) {
				Some(seq) => {
					if !got.unique.insert(seq) {
						got.duplicates += 1;
					}
					let _ = s.send_to(&buf[..n], from);
				},
				None => got.corrupt += 1,
			}
		}
		got
	});

	// The application at host 1: 100 datagrams a second into the local port, replies counted.
	let stop_tx = Arc::new(AtomicBool::new(false));
	let sent = Arc::new(AtomicU64::new(0));
	let (stop, sent2) = (stop_tx.clone(), sent.clone());
	let client = lab.in_host(1, move || {
		let s = UdpSocket::bind("127.0.0.1:0").expect("client socket");
		s.set_nonblocking(true).unwrap();
		let mut replies = Received::default();
		let mut buf = [0u8; 2048];
		let mut seq = 0u64;
		let start = Instant::now();
		while !stop.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(150) {
			let _ = s.send_to(&make_datagram(seq), "127.0.0.1:7000");
			seq += 1;
			sent2.store(seq, Ordering::Relaxed);
			while let Ok(n) = s.recv(&mut buf) {
				match check_datagram(&buf[..n]) {
					Some(q) => {
						if !replies.unique.insert(q) {
							replies.duplicates += 1;
						}
					},
					None => replies.corrupt += 1,
				}
			}
			std::thread::sleep(Duration::from_millis(10));
		}
		replies
	});

	// Warm up: pulses measured, route direct, nothing relayed.
	let ok = lab.wait_for(Duration::from_secs(20), |l| {
		l.status(1).is_some_and(|s| s.links.iter().filter(|k| k.to == 1).count() == 4)
			&& route_to(l, 1, 5).as_deref() == Some(&[1, 5])
	});
	assert!(ok.is_some(), "host 1 never measured its group");
	std::thread::sleep(Duration::from_millis(2 * INTERVAL_MS));
	assert_eq!(route_to(&lab, 1, 5).as_deref(), Some(&[1, 5][..]), "flapped while healthy");
	assert_eq!(relayed(&lab), 0, "relayed while the direct path was fine");

	// Degrade the direct path.
	let stop_flood = Arc::new(AtomicBool::new(false));
	let (flood, congested_us) = degrade(&lab, stop_flood.clone());
	// Watch host 1's status (rewritten each pulse round and on a switch) for pulses to host 5
	// sent since the congestion began, and for the switch.
	let mut sends = None;
	let mut switched = None;
	let watched = lab.wait_for(Duration::from_secs(30), |l| {
		let Some(s) = l.status(1) else { return false };
		let v = pulses_to(&s, 5);
		if sends.is_none() && v.last().is_some_and(|t| *t >= congested_us) {
			sends = Some(v);
		}
		let route = s.routes.iter().find(|r| r.dst == 5 && r.path.len() > 2);
		switched = route.and_then(|r| r.switched_us);
		sends.is_some() && switched.is_some()
	});
	assert!(watched.is_some(), "traffic never left the degraded path");
	let (sends, switched_us) = (sends.unwrap(), switched.unwrap());
	assert!(switched_us >= congested_us, "switched before the congestion");
	// With a pulse from before the congestion still listed, every later one is too, so the
	// first after it is the first to meet the congestion. Otherwise count from the start,
	// which only makes the bound stricter.
	let first_us = sends.iter().copied().find(|t| *t >= congested_us).unwrap();
	let exact = sends[0] < congested_us;
	let from_us = if exact { first_us } else { congested_us };
	let took_us = switched_us.saturating_sub(from_us);
	let intervals = |us: u64| us as f64 / (1000 * INTERVAL_MS) as f64;
	println!(
		"first pulse to host 5 in the congestion left {:.2} intervals after it began{}; reroute \
		 to {:?} {:.2} intervals after the congestion began, {:.2} after that pulse",
		intervals(first_us - congested_us),
		if exact { "" } else { " (earlier ones untimed: counted from the start)" },
		route_to(&lab, 1, 5),
		intervals(switched_us - congested_us),
		intervals(took_us),
	);
	// Both are the agent's own stamps on the wall clock: no polling slack to allow for.
	assert!(
		took_us <= 3 * 1000 * INTERVAL_MS,
		"reroute took {:.2} pulse intervals after the first pulse to meet the congestion",
		intervals(took_us)
	);
	let before = relayed(&lab);
	std::thread::sleep(Duration::from_millis(3 * INTERVAL_MS));
	assert!(route_to(&lab, 1, 5).is_some_and(|p| p.len() > 2), "went back while degraded");
	assert!(relayed(&lab) > before + 100, "the detour carries the traffic");

	// Recover: the flood stops and the qdisc goes.
	stop_flood.store(true, Ordering::Relaxed);
	flood.join().unwrap();
	sh(&["tc", "-n", &lab.ns(1), "qdisc", "del", "dev", "v5", "root"]);
	// Loss seen during the congestion stays in the 16-pulse loss window for a while.
	let back =
		lab.wait_for(Duration::from_secs(40), |l| route_to(l, 1, 5).as_deref() == Some(&[1, 5]));
	let back = back.expect("traffic never came back to the recovered direct path");
	println!("back on the direct path {} ms after recovery", back.as_millis());
	std::thread::sleep(Duration::from_millis(INTERVAL_MS));
	let settled = relayed(&lab);
	std::thread::sleep(Duration::from_millis(2 * INTERVAL_MS));
	assert_eq!(relayed(&lab), settled, "still relaying after coming back");

	stop_tx.store(true, Ordering::Relaxed);
	let replies = client.join().unwrap();
	std::thread::sleep(Duration::from_millis(500));
	stop_rx.store(true, Ordering::Relaxed);
	let got = server.join().unwrap();
	let sent = sent.load(Ordering::Relaxed);
	println!(
		"sent {sent}, delivered {} unique, {} replies; duplicates {}/{}, corrupt {}/{}",
		got.unique.len(),
		replies.unique.len(),
		got.duplicates,
		replies.duplicates,
		got.corrupt,
		replies.corrupt
	);
	assert_eq!((got.duplicates, got.corrupt), (0, 0), "delivered twice or corrupted");
	assert_eq!((replies.duplicates, replies.corrupt), (0, 0), "replies twice or corrupted");
	// The congested seconds before the switch may lose datagrams; the rest arrive.
	assert!(
		got.unique.len() as u64 >= sent * 8 / 10,
		"too much lost: {} of {sent}",
		got.unique.len()
	);
	assert!(replies.unique.len() as u64 >= sent * 7 / 10, "too few replies");
	let s1 = lab.status(1).unwrap();
	assert!(s1.routes.iter().any(|r| r.dst == 5 && r.switches >= 2));
}
