//! The dashboard in a real browser: the agent's web server on loopback, Debian's headless
//! Chromium loads the page, and what the page shows after its script ran equals the JSON it
//! read; the slow pair of the group is highlighted with its detour named. A screenshot is left
//! in the target directory (`dashboard.png`).

use std::{
	io::{Read, Write},
	net::{SocketAddr, TcpStream},
	process::Command,
	sync::Arc,
	time::Duration,
};

use ditex_relay::shell::{
	status::{LinkStatus, PeerBytes, RouteStatus, Status},
	web::{app, Dashboard},
};
use tokio::sync::watch;

/// Agent 1 of a square 1-2-3-4 with a 2-4 chord, whose link 1 → 3 is slow.
fn status() -> Status {
	let link = |from, to, latency_us, loss_ppm| LinkStatus {
		from,
		to,
		latency_us,
		baseline_us: 1_000,
		jitter_us: 40,
		loss_ppm,
	};
	let mut links = vec![];
	for (a, b) in [(1, 2), (2, 3), (3, 4), (4, 1), (2, 4)] {
		links.push(link(a, b, 5_000, 0));
		links.push(link(b, a, 5_000, 0));
	}
	links.push(link(1, 3, 48_000, 0));
	links.push(link(3, 1, 7_000, 0));
	Status {
		id: 1,
		uptime_s: 3_725,
		forwarded: 123_456,
		delivered: 789,
		sent: 4_242,
		drops: [("bad_mac".to_string(), 17), ("replay".to_string(), 4)].into(),
		pulses_sent: 11_000,
		pulse_bytes_sent: 1_100_000,
		pulses_received: 10_900,
		pulse_bytes_received: 1_090_000,
		pulses_skipped_silent: 0,
		recent_pulses: vec![],
		skewed: vec![],
		links,
		routes: vec![RouteStatus { dst: 3, path: vec![1, 2, 3], switches: 1, switched_us: None }],
		peers: vec![PeerBytes { peer: 2, bytes_in: 5_000_000, bytes_out: 7_000_000 }],
		flows: 2,
		exit_flows: 0,
		pulse_peers: vec![2, 3, 4],
		segments: 4,
		chain: None,
		paid: None,
	}
}

fn get(addr: SocketAddr, path: &str) -> String {
	let mut s = TcpStream::connect(addr).unwrap();
	s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
	write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
	let mut out = String::new();
	s.read_to_string(&mut out).unwrap();
	let (head, body) = out.split_once("\r\n\r\n").expect("an HTTP response");
	assert!(head.starts_with("HTTP/1.1 200"), "{head}");
	body.to_string()
}

/// The text of the element with `id` in the rendered DOM.
fn text_of<'a>(dom: &'a str, id: &str) -> &'a str {
	let at = dom.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}"));
	let rest = &dom[at..];
	let start = rest.find('>').unwrap() + 1;
	let end = rest.find('<').unwrap();
	&rest[start..end]
}

fn number(s: &str) -> u64 {
	s.replace(',', "").trim().parse().unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

#[test]
fn the_page_shows_the_jsons_figures_and_the_detour_in_headless_chromium() {
	let rt = tokio::runtime::Runtime::new().unwrap();
	let dashboard = Arc::new(Dashboard::new(status(), None));
	let (_tx, rx) = watch::channel(Some(dashboard.clone()));
	let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
	let addr = listener.local_addr().unwrap();
	rt.spawn(async move { axum::serve(listener, app(rx)).await });

	let json: serde_json::Value = serde_json::from_str(&get(addr, "/status.json")).unwrap();
	assert!(get(addr, "/metrics").contains("ditex_relay_forwarded_datagrams_total 123456"));

	let url = format!("http://{addr}/");
	let chromium = |args: &[&str]| {
		let out = Command::new("chromium")
			.args(["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000"])
			.args(args)
			.arg(&url)
			.output()
			.expect("Debian's chromium (scripts/setup.sh installs it)");
		assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
		String::from_utf8(out.stdout).unwrap()
	};
	let dom = chromium(&["--dump-dom"]);
	assert!(dom.contains("data-rendered=\"3725\""), "the script rendered the status: {dom}");

	let s = &json["status"];
	for (id, want) in [
		("forwarded", &s["forwarded"]),
		("delivered", &s["delivered"]),
		("sent", &s["sent"]),
		("dropped", &json["dropped"]),
	] {
		assert_eq!(number(text_of(&dom, id)), want.as_u64().unwrap(), "#{id}");
	}
	let heard = &json["reachability"];
	assert_eq!(
		text_of(&dom, "reachability"),
		format!("{} of {}", heard["heard_by"], heard["peers"])
	);
	assert_eq!(
		text_of(&dom, "overhead"),
		format!("{} B/s", number(&json["overhead"]["bytes_per_s"].to_string()))
	);
	assert_eq!(text_of(&dom, "uptime"), "1h 2m 5s");
	assert_eq!(text_of(&dom, "reach_text"), json["reach_text"].as_str().unwrap());
	assert_eq!(text_of(&dom, "bytes"), "5,000,000 / 7,000,000");

	// Every pair of the four is a cell; only 1 → 3 is highlighted, with its detour named.
	assert_eq!(dom.matches("<td data-from=").count(), 12);
	let cell = dom.find("data-from=\"1\" data-to=\"3\"").expect("the 1 → 3 cell");
	let tag = &dom[cell..cell + dom[cell..].find('>').unwrap()];
	let detour = json["matrix"]["cells"]
		.as_array()
		.unwrap()
		.iter()
		.find(|c| c["from"] == 1 && c["to"] == 3)
		.unwrap()["detour"]
		.as_array()
		.unwrap()
		.iter()
		.map(|v| v.to_string())
		.collect::<Vec<_>>();
	assert!(tag.contains("class=\"detour\""), "{tag}");
	assert!(tag.contains(&format!("via {}", detour.join(" → "))), "{tag}");
	assert_eq!(dom.matches("class=\"detour\">").count(), 1);
	for (reason, n) in [("bad_mac", 17), ("replay", 4)] {
		let at = dom.find(&format!("data-drop=\"{reason}\">")).expect("drop row");
		assert!(dom[at..].starts_with(&format!("data-drop=\"{reason}\">{n}<")));
	}

	// A screenshot for people to look at, phone-sized.
	let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
	let shot = std::path::Path::new(&target).join("dashboard.png");
	let _ = std::fs::remove_file(&shot);
	chromium(&[&format!("--screenshot={}", shot.display()), "--window-size=420,1400"]);
	let png = std::fs::read(&shot).expect("a screenshot");
	assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

/// A running agent serves its dashboard where `[dashboard] listen` says, with its own status;
/// a busy port costs the page, not the relay.
#[test]
fn a_running_agent_serves_its_dashboard() {
	let port = 31_000 + (std::process::id() % 20_000) as u16;
	let web: SocketAddr = format!("127.0.0.2:{}", port + 1).parse().unwrap();
	let dir = tempfile::tempdir().unwrap();
	let key = x25519_dalek::StaticSecret::from([0x42u8; 32]);
	let public = x25519_dalek::PublicKey::from(&key);
	let status = dir.path().join("status.json");
	let cfg = format!(
		"[agent]\nid = 2\nsecret_key = \"0x{}\"\nlisten = \"127.0.0.2:{port}\"\npulse_interval_ms = 200\nstatus_file = \"{}\"\nstate_file = \"{}\"\n\n[net]\ntest_bed = true\n\n[dashboard]\nlisten = \"{web}\"\n\n[[peers]]\nid = 2\nendpoint = \"127.0.0.2:{port}\"\nkey = \"0x{}\"\nregion = \"DE-BE\"\nasn = 64512\npricePerGib = \"10\"\ngroup = 1\nstatus = \"active\"\n",
		hex::encode(key.to_bytes()),
		status.display(),
		dir.path().join("acct.json").display(),
		hex::encode(public.to_bytes()),
	);
	let cfg_path = dir.path().join("agent.toml");
	std::fs::write(&cfg_path, cfg).unwrap();
	struct Kill(std::process::Child);
	impl Drop for Kill {
		fn drop(&mut self) {
			let _ = self.0.kill();
			let _ = self.0.wait();
		}
	}
	// Something else holds the port first: the agent runs on and says so.
	let squatter = std::net::TcpListener::bind(web).unwrap();
	let log = dir.path().join("agent.log");
	let agent = Kill(
		Command::new(env!("CARGO_BIN_EXE_ditex-relay"))
			.args(["run", "--config", cfg_path.to_str().unwrap(), "--run-for-ms", "30000"])
			.stderr(std::fs::File::create(&log).unwrap())
			.stdout(std::process::Stdio::null())
			.spawn()
			.unwrap(),
	);
	let start = std::time::Instant::now();
	while Status::read(&status).is_err() && start.elapsed() < Duration::from_secs(20) {
		std::thread::sleep(Duration::from_millis(50));
	}
	assert!(Status::read(&status).is_ok(), "the agent runs with its port taken");
	let logged = std::fs::read_to_string(&log).unwrap();
	assert!(logged.contains("dashboard not served"), "{logged}");
	drop((agent, squatter));

	// With the port free: its status as JSON and as metrics.
	let _agent = Kill(
		Command::new(env!("CARGO_BIN_EXE_ditex-relay"))
			.args(["run", "--config", cfg_path.to_str().unwrap(), "--run-for-ms", "30000"])
			.stderr(std::process::Stdio::null())
			.stdout(std::process::Stdio::null())
			.spawn()
			.unwrap(),
	);
	let start = std::time::Instant::now();
	let json = loop {
		let body = TcpStream::connect(web).ok().and_then(|_| {
			std::panic::catch_unwind(|| get(web, "/status.json")).ok()
		});
		if let Some(b) = body {
			break b;
		}
		assert!(start.elapsed() < Duration::from_secs(20), "no dashboard at {web}");
		std::thread::sleep(Duration::from_millis(100));
	};
	let json: serde_json::Value = serde_json::from_str(&json).unwrap();
	assert_eq!(json["status"]["id"], 2);
	assert!(json["matrix"]["members"].as_array().unwrap().contains(&2.into()));
	let metrics = get(web, "/metrics");
	assert!(metrics.contains("ditex_relay_uptime_seconds"), "{metrics}");
	assert!(get(web, "/").contains("<title>ditex-relay</title>"));
}
