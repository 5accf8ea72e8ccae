//! The dashboard in a real browser. Debian's headless Chromium loads the page and what the
//! page shows after its script ran equals the JSON it read: the slow pair of the group is
//! highlighted with its detour named, and every metric the page names is in `/metrics`.
//!
//! - A synthetic status (with QoS orders) served by the agent's web server on loopback;
//!   screenshot `dashboard.png` in the target directory.
//! - A running group of four agents in network namespaces, one of its links congested (a
//!   `tbf` qdisc flooded past its rate): the page of the agent whose link it is, loaded by a
//!   Chromium running in that agent's namespace; screenshot `dashboard-lab.png`. Needs root;
//!   prints `SKIP` without it or without Chromium.

mod common;

use std::{
	collections::BTreeSet,
	io::{Read, Write},
	net::{SocketAddr, TcpListener, TcpStream, UdpSocket},
	path::PathBuf,
	process::Command,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};

use ditex_relay::shell::{
	status::{LinkStatus, PeerBytes, QosOrderStatus, QosStatus, RouteStatus, Status},
	web::{app, Dashboard},
};
use serde_json::Value;
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
		routes: vec![RouteStatus {
			dst: 3,
			path: vec![1, 2, 3],
			switches: 1,
			reasons: [("better".to_string(), 1)].into(),
			switched_us: None,
		}],
		detours_reverted: 0,
		peers: vec![PeerBytes { peer: 2, bytes_in: 5_000_000, bytes_out: 7_000_000 }],
		flows: 2,
		exit_flows: 0,
		pulse_peers: vec![2, 3, 4],
		segments: 4,
		chain: None,
		paid: None,
		qos: Some(qos()),
	}
}

/// A router selling priority: one order paid, one applied, two rejected, one ended. One
/// flow's text carries markup, which the page must show as text.
fn qos() -> QosStatus {
	let order =
		|id, rate_bps, flow: &str, state: &str, reason: Option<&str>, ends_at| QosOrderStatus {
			id,
			class: "priority".into(),
			rate_bps,
			flow: flow.into(),
			state: state.into(),
			reason: reason.map(Into::into),
			ends_at,
		};
	QosStatus {
		interface: "eth1".into(),
		capacity_bps: 8_000_000,
		sold_bps: 5_000_000,
		block: Some(1_234),
		orders: vec![
			order(3, 1_000_000, "udp any → 10.9.0.2/32 port 5001", "removed", None, Some(900)),
			order(
				7,
				2_000_000,
				"udp any → 2001:db8::2/128 port 443",
				"confirmed",
				None,
				Some(1_500),
			),
			order(
				8,
				3_000_000,
				"tcp 10.1.0.0/24 → any <img src=x onerror=alert(1)>",
				"applied",
				None,
				None,
			),
			order(9, 7_000_000, "udp any → 10.9.0.3/32", "rejected", Some("above_capacity"), None),
			order(
				10,
				1_000_000,
				"udp any → 10.9.0.4/32",
				"rejected",
				Some("class_not_offered"),
				None,
			),
		],
		confirmed: 2,
		rejected: [("above_capacity".to_string(), 1), ("class_not_offered".to_string(), 2)].into(),
		removed: 1,
		tc_failures: 0,
		poll_failures: 1,
	}
}

/// `GET path` from `addr`: the status and the body.
fn fetch(addr: SocketAddr, path: &str) -> std::io::Result<(String, String)> {
	let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
	s.set_read_timeout(Some(Duration::from_secs(10)))?;
	write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")?;
	let mut out = String::new();
	s.read_to_string(&mut out)?;
	let (head, body) =
		out.split_once("\r\n\r\n").ok_or_else(|| std::io::Error::other("not HTTP"))?;
	Ok((head.lines().next().unwrap_or_default().to_string(), body.to_string()))
}

fn get(addr: SocketAddr, path: &str) -> String {
	let (status, body) = fetch(addr, path).unwrap();
	assert!(status.starts_with("HTTP/1.1 200"), "{status}");
	body
}

/// Headless Chromium on `url` with `args`, inside namespace `netns` if given; its stdout.
fn chromium(netns: Option<&str>, url: &str, args: &[&str]) -> String {
	let mut cmd = match netns {
		Some(ns) => {
			let mut c = Command::new("ip");
			c.args(["netns", "exec", ns, "chromium"]);
			c
		},
		None => Command::new("chromium"),
	};
	let out = cmd
		.args(["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000"])
		.args(args)
		.arg(url)
		.output()
		.expect("Debian's chromium (scripts/setup.sh installs it)");
	assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
	String::from_utf8(out.stdout).unwrap()
}

/// Where screenshots go: the target directory.
fn artifact(name: &str) -> PathBuf {
	let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
	std::path::Path::new(&target).join(name)
}

/// A phone-sized screenshot of `url` at `name`, checked to be a PNG.
fn screenshot(netns: Option<&str>, url: &str, name: &str) {
	let shot = artifact(name);
	let _ = std::fs::remove_file(&shot);
	chromium(netns, url, &[&format!("--screenshot={}", shot.display()), "--window-size=420,2000"]);
	let png = std::fs::read(&shot).expect("a screenshot");
	assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
	println!("screenshot: {}", shot.display());
}

/// The rendered part of a dumped DOM: everything before the script, whose source would
/// otherwise match what the tests look for.
fn rendered(dom: &str) -> &str {
	dom.find("<script").map_or(dom, |at| &dom[..at])
}

/// The text of the element with `id` in the rendered DOM.
fn text_of<'a>(dom: &'a str, id: &str) -> &'a str {
	let at = dom.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}"));
	let rest = &dom[at..];
	let start = rest.find('>').unwrap() + 1;
	let end = rest.find('<').unwrap();
	&rest[start..end]
}

/// The opening tag starting at `at` and the text after it.
fn tag_at(dom: &str, at: usize) -> (&str, &str) {
	let rest = &dom[at..];
	let close = rest.find('>').unwrap();
	let text = &rest[close + 1..];
	(&rest[..close], &text[..text.find('<').unwrap()])
}

/// An attribute of a tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
	let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
	Some(&tag[at..at + tag[at..].find('"')?])
}

/// A number as the page's `fmt` writes it (`toLocaleString("en-US")`): `-12,345`.
fn grouped(n: i128) -> String {
	let digits = n.unsigned_abs().to_string();
	let mut out = String::new();
	for (i, c) in digits.chars().enumerate() {
		if i > 0 && (digits.len() - i).is_multiple_of(3) {
			out.push(',');
		}
		out.push(c);
	}
	if n < 0 {
		format!("-{out}")
	} else {
		out
	}
}

fn int(v: &Value) -> i128 {
	v.as_i64()
		.map(i128::from)
		.or_else(|| v.as_u64().map(i128::from))
		.unwrap_or_else(|| panic!("not an integer: {v}"))
}

/// An uptime as the page's `dur` writes it.
fn duration(s: u64) -> String {
	let (d, h, m) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60);
	format!("{}{h}h {m}m {}s", if d > 0 { format!("{d}d ") } else { String::new() }, s % 60)
}

/// Every figure of the rendered page `dom` equals the JSON `json` it rendered: the cards,
/// every cell of the matrix (its latency, whether it is highlighted and the detour it names),
/// the drops by reason and, with a `[qos]`, the orders. Returns the highlighted pairs.
fn page_equals_json(dom: &str, json: &Value) -> BTreeSet<(u64, u64)> {
	let dom = rendered(dom);
	let s = &json["status"];
	assert!(
		dom.contains(&format!("data-rendered=\"{}\"", s["uptime_s"])),
		"the script rendered this status"
	);
	assert_eq!(text_of(dom, "id"), format!("segment {}", s["id"]));
	assert_eq!(text_of(dom, "uptime"), duration(s["uptime_s"].as_u64().unwrap()));
	for (id, want) in [
		("forwarded", &s["forwarded"]),
		("delivered", &s["delivered"]),
		("sent", &s["sent"]),
		("dropped", &json["dropped"]),
	] {
		assert_eq!(text_of(dom, id), grouped(int(want)), "#{id}");
	}
	let heard = &json["reachability"];
	assert_eq!(
		text_of(dom, "reachability"),
		format!("{} of {}", heard["heard_by"], heard["peers"])
	);
	assert_eq!(text_of(dom, "reach_text"), json["reach_text"].as_str().unwrap());
	assert_eq!(
		text_of(dom, "overhead"),
		format!("{} B/s", grouped(int(&json["overhead"]["bytes_per_s"])))
	);
	assert_eq!(
		text_of(dom, "bytes"),
		format!("{} / {}", grouped(int(&json["bytes_in"])), grouped(int(&json["bytes_out"])))
	);

	// The matrix: one cell per ordered pair, each as the JSON has it.
	let cells = json["matrix"]["cells"].as_array().unwrap();
	assert_eq!(dom.matches("<td data-from=").count(), cells.len());
	let mut highlighted = BTreeSet::new();
	for c in cells {
		let at = dom
			.find(&format!("<td data-from=\"{}\" data-to=\"{}\"", c["from"], c["to"]))
			.unwrap_or_else(|| panic!("no cell {} → {}", c["from"], c["to"]));
		let (tag, text) = tag_at(dom, at + 1);
		let latency = if c["latency_us"].is_null() {
			"–".to_string()
		} else {
			grouped(int(&c["latency_us"]))
		};
		assert_eq!(text, latency, "{tag}");
		let classes: Vec<&str> = attr(tag, "class").unwrap_or("").split_whitespace().collect();
		match c["detour"].as_array() {
			Some(via) => {
				let via: Vec<String> = via.iter().map(|v| v.to_string()).collect();
				assert!(classes.contains(&"detour"), "{tag}");
				let title = attr(tag, "title").expect("the detour is named on hover");
				assert_eq!(
					title,
					format!(
						"via {}: {} µs",
						via.join(" → "),
						grouped(int(&c["detour_latency_us"]))
					)
				);
				highlighted.insert((c["from"].as_u64().unwrap(), c["to"].as_u64().unwrap()));
			},
			None => assert!(!classes.contains(&"detour") && attr(tag, "title").is_none(), "{tag}"),
		}
	}
	assert_eq!(dom.matches("class=\"detour").count(), highlighted.len());

	let drops = s["drops"].as_object().unwrap();
	assert_eq!(dom.matches("data-drop=").count(), drops.len());
	for (reason, n) in drops {
		let at = dom.find(&format!("<td data-drop=\"{reason}\"")).expect("drop row");
		assert_eq!(tag_at(dom, at + 1).1, grouped(int(n)), "drops {reason}");
	}

	match s["qos"].as_object() {
		None => assert!(
			dom.contains("<div id=\"qos\"><div class=\"card\">none: this router sells no priority")
		),
		Some(q) => {
			assert_eq!(
				text_of(dom, "qos_sold"),
				format!("{} / {}", grouped(int(&q["sold_bps"])), grouped(int(&q["capacity_bps"])))
			);
			let rejected: i128 = q["rejected"].as_object().unwrap().values().map(int).sum();
			for (id, want) in [
				("qos_confirmed", int(&q["confirmed"])),
				("qos_rejected", rejected),
				("qos_removed", int(&q["removed"])),
				("qos_tc_failures", int(&q["tc_failures"])),
				("qos_poll_failures", int(&q["poll_failures"])),
			] {
				assert_eq!(text_of(dom, id), grouped(want), "#{id}");
			}
			let orders = q["orders"].as_array().unwrap();
			assert_eq!(dom.matches("<tr class=").count(), orders.len());
			for o in orders {
				let row = dom.find(&format!("data-order=\"{}\"", o["id"])).expect("an order's row");
				let row = &dom[row..row + dom[row..].find("</tr>").unwrap()];
				let cell = |k: &str| {
					let at = row.find(&format!("data-k=\"{k}\"")).unwrap();
					let text = &row[at + row[at..].find('>').unwrap() + 1..];
					text[..text.find('<').unwrap()].to_string()
				};
				let state = match o["reason"].as_str() {
					Some(r) => format!("{}: {r}", o["state"].as_str().unwrap()),
					None => o["state"].as_str().unwrap().to_string(),
				};
				assert_eq!(cell("state"), state);
				assert_eq!(cell("rate"), grouped(int(&o["rate_bps"])));
				let ends =
					if o["ends_at"].is_null() { "–".into() } else { grouped(int(&o["ends_at"])) };
				assert_eq!(cell("ends_at"), ends);
				// The flow is text, whatever it holds.
				let flow = o["flow"]
					.as_str()
					.unwrap()
					.replace('&', "&amp;")
					.replace('<', "&lt;")
					.replace('>', "&gt;");
				assert!(row.contains(&format!(">{flow}<")), "{row}");
			}
		},
	}
	highlighted
}

/// The metric names the rendered page gives its figures.
fn named_metrics(dom: &str) -> BTreeSet<String> {
	let dom = rendered(dom);
	dom.match_indices(" data-metric=\"")
		.map(|(at, m)| {
			let rest = &dom[at + m.len()..];
			rest[..rest.find('"').unwrap()].to_string()
		})
		.collect()
}

/// The metrics in a Prometheus text exposition, which must parse: every sample's name, and
/// every declared family (a counter `x` by its samples' name `x_total`: declared but without
/// samples yet, as a family of drop reasons is before the first drop).
fn exported_metrics(text: &str) -> BTreeSet<String> {
	let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
		.expect("a valid text exposition");
	let mut names: BTreeSet<String> = scrape.samples.into_iter().map(|s| s.metric).collect();
	for line in text.lines() {
		let Some(decl) = line.strip_prefix("# TYPE ") else { continue };
		let mut words = decl.split_whitespace();
		let (Some(name), Some(kind), None) = (words.next(), words.next(), words.next()) else {
			panic!("bad TYPE line {line:?}");
		};
		assert!(
			name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
				&& name.starts_with("ditex_relay_"),
			"metric name {name:?}"
		);
		names.insert(if kind == "counter" { format!("{name}_total") } else { name.to_string() });
	}
	assert!(text.trim_end().ends_with("# EOF"), "OpenMetrics ends with # EOF");
	names
}

fn every_named_metric_is_exported(dom: &str, metrics: &str) {
	let named = named_metrics(dom);
	let exported = exported_metrics(metrics);
	assert!(named.len() >= 9, "the page names its metrics: {named:?}");
	let missing: Vec<&String> = named.iter().filter(|n| !exported.contains(*n)).collect();
	assert!(missing.is_empty(), "the page names {missing:?}, not in /metrics:\n{metrics}");
}

#[test]
fn the_page_shows_the_jsons_figures_and_the_detour_in_headless_chromium() {
	let rt = tokio::runtime::Runtime::new().unwrap();
	let dashboard = Arc::new(Dashboard::new(status(), None));
	let (_tx, rx) = watch::channel(Some(dashboard.clone()));
	let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
	let addr = listener.local_addr().unwrap();
	rt.spawn(async move { axum::serve(listener, app(rx)).await });

	let json: Value = serde_json::from_str(&get(addr, "/status.json")).unwrap();
	let metrics = get(addr, "/metrics");
	assert!(metrics.contains("ditex_relay_forwarded_datagrams_total 123456"));

	let url = format!("http://{addr}/");
	let dumped = chromium(None, &url, &["--dump-dom"]);
	assert!(dumped.contains("data-rendered=\"3725\""), "the script rendered the status: {dumped}");
	let highlighted = page_equals_json(&dumped, &json);
	let dom = rendered(&dumped);
	// Only 1 → 3 is slow; its detour goes through 2 or 4.
	assert_eq!(highlighted, [(1, 3)].into());
	assert_eq!(text_of(dom, "uptime"), "1h 2m 5s");
	assert_eq!(text_of(dom, "bytes"), "5,000,000 / 7,000,000");
	assert_eq!(text_of(dom, "qos_sold"), "5,000,000 / 8,000,000");
	assert_eq!(text_of(dom, "qos_rejected"), "3");
	assert!(dom.contains("<td class=\"l state\" data-k=\"state\">rejected: above_capacity</td>"));
	assert!(!dom.contains("<img"), "markup in an order's flow stays text");
	every_named_metric_is_exported(dom, &metrics);
	assert!(named_metrics(dom).contains("ditex_relay_qos_orders_total"));

	screenshot(None, &url, "dashboard.png");
}

const LAB_INTERVAL_MS: u64 = 250;
/// Each agent serves its dashboard on its namespace's loopback (the default address).
const LAB_DASHBOARD: &str = "127.0.0.1:9899";

/// Congest host 1's link to host 3: a 100 kbit/s token bucket flooded at ~400 kbit/s.
fn degrade(lab: &common::Lab, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
	common::sh(&[
		"tc",
		"-n",
		&lab.ns(1),
		"qdisc",
		"add",
		"dev",
		"v3",
		"root",
		"tbf",
		"rate",
		"100kbit",
		"burst",
		"1600",
		"latency",
		"300ms",
	]);
	lab.in_host(1, move || {
		let s = UdpSocket::bind("10.77.0.1:0").expect("flood socket");
		let junk = [0u8; 1200];
		let start = Instant::now();
		// Bounded: stops on the flag, and after two minutes whatever happens.
		while !stop.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(120) {
			let _ = s.send_to(&junk, "10.77.0.3:9");
			std::thread::sleep(Duration::from_millis(24));
		}
	})
}

/// Serve, inside host 1, the agent's page and one `/status.json` it answered, however often
/// the page asks: the page's figures can then be compared exactly with what the agent said,
/// while the agent's own answer changes every pulse. Returns the address and that JSON.
fn frozen(
	lab: &common::Lab,
	stop: Arc<AtomicBool>,
	json: String,
) -> (SocketAddr, std::thread::JoinHandle<()>) {
	let agent: SocketAddr = LAB_DASHBOARD.parse().unwrap();
	let (tx, rx) = std::sync::mpsc::channel();
	let server = lab.in_host(1, move || {
		let page = get(agent, "/");
		let l = TcpListener::bind("127.0.0.1:0").unwrap();
		l.set_nonblocking(true).unwrap();
		tx.send(l.local_addr().unwrap()).unwrap();
		let start = Instant::now();
		while !stop.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(60) {
			let Ok((mut c, _)) = l.accept() else {
				std::thread::sleep(Duration::from_millis(10));
				continue;
			};
			c.set_nonblocking(false).unwrap();
			c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
			let mut req = Vec::new();
			let mut buf = [0u8; 2048];
			while !req.windows(4).any(|w| w == b"\r\n\r\n") {
				match c.read(&mut buf) {
					Ok(0) | Err(_) => break,
					Ok(n) => req.extend_from_slice(&buf[..n]),
				}
			}
			let req = String::from_utf8_lossy(&req);
			let path = req.split_whitespace().nth(1).unwrap_or("");
			let (status, kind, body) = match path.split('?').next().unwrap_or("") {
				"/" => ("200 OK", "text/html; charset=utf-8", page.as_str()),
				"/status.json" => ("200 OK", "application/json", json.as_str()),
				_ => ("404 Not Found", "text/plain", "no\n"),
			};
			let _ = write!(
				c,
				"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
				body.len()
			);
		}
	});
	(rx.recv_timeout(Duration::from_secs(10)).expect("the frozen server started"), server)
}

/// A running group of four agents in namespaces, host 1's link to host 3 congested: host 1's
/// page, in a Chromium inside host 1's namespace, shows what its `/status.json` says, with
/// the pair highlighted and its detour named, and names only metrics its `/metrics` has.
/// The network is built once for all three cases.
#[test]
fn a_running_group_of_four_in_namespaces() {
	if !common::can_build_namespaces("a_running_group_of_four_in_namespaces") {
		return;
	}
	if Command::new("chromium").arg("--version").output().is_err() {
		eprintln!("SKIP a_running_group_of_four_in_namespaces: Debian's chromium is missing (scripts/setup.sh)");
		return;
	}
	let started = Instant::now();
	let mut lab = common::Lab::new("w", 4);
	for i in 1..=4 {
		let cfg = lab.config(i, LAB_INTERVAL_MS, "");
		lab.spawn_agent(i, &["run", "--config", cfg.to_str().unwrap()]);
	}
	let agent: SocketAddr = LAB_DASHBOARD.parse().unwrap();
	// Host 1's dashboard, asked from inside host 1.
	let ask = |lab: &common::Lab, path: &'static str| {
		lab.in_host(1, move || {
			fetch(agent, path).ok().filter(|(s, _)| s.starts_with("HTTP/1.1 200")).map(|r| r.1)
		})
		.join()
		.unwrap()
	};
	let ok = lab.wait_for(Duration::from_secs(20), |l| {
		l.status(1).is_some_and(|s| {
			let known: BTreeSet<(u32, u32)> = s.links.iter().map(|k| (k.from, k.to)).collect();
			known.len() == 12
		})
	});
	assert!(ok.is_some(), "host 1 never measured its group");
	println!("group measured after {:.1} s", started.elapsed().as_secs_f64());

	// Datagrams host 1's agent must drop, so that the page has drops to show.
	lab.in_host(2, || {
		let s = UdpSocket::bind("10.77.0.2:0").unwrap();
		for n in 0..5u8 {
			s.send_to(&[0xff, n, 1, 2, 3], common::endpoint(1)).unwrap();
		}
	})
	.join()
	.unwrap();

	let stop = Arc::new(AtomicBool::new(false));
	let flood = degrade(&lab, stop.clone());
	// Until host 1's JSON highlights 1 → 3 with a detour, and counts the drops.
	let mut json = None;
	lab.wait_for(Duration::from_secs(20), |l| {
		std::thread::sleep(Duration::from_millis(200));
		let Some(body) = ask(l, "/status.json") else { return false };
		let j: Value = serde_json::from_str(&body).expect("status.json is JSON");
		let slow = j["matrix"]["cells"]
			.as_array()
			.unwrap()
			.iter()
			.any(|c| c["from"] == 1 && c["to"] == 3 && c["detour"].is_array());
		let dropped = j["dropped"].as_u64().unwrap_or(0) >= 5;
		if slow && dropped {
			json = Some(body);
		}
		json.is_some()
	});
	let json = json.expect("host 1's dashboard never highlighted the congested pair 1 → 3");
	let parsed: Value = serde_json::from_str(&json).unwrap();
	assert_eq!(parsed["status"]["id"], 1);
	assert_eq!(parsed["matrix"]["members"], serde_json::json!([1, 2, 3, 4]));
	println!("1 → 3 highlighted after {:.1} s", started.elapsed().as_secs_f64());
	let ns = lab.ns(1);

	// 1. The page shows exactly the figures of the JSON the agent answered it.
	let (frozen_at, server) = frozen(&lab, stop.clone(), json.clone());
	let dom = chromium(Some(&ns), &format!("http://{frozen_at}/"), &["--dump-dom"]);
	let highlighted = page_equals_json(&dom, &parsed);
	assert!(highlighted.contains(&(1, 3)), "{highlighted:?}");
	println!("page equals JSON; highlighted {highlighted:?}");

	// 2. The live page: rendered from the agent itself, with the pair still highlighted, and
	// every metric it names in the agent's /metrics.
	let url = format!("http://{agent}/");
	let live = chromium(Some(&ns), &url, &["--dump-dom"]);
	assert!(live.contains("data-rendered="), "the live page rendered");
	let live = rendered(&live);
	let cell = live.find("<td data-from=\"1\" data-to=\"3\"").expect("the 1 → 3 cell");
	let (tag, _) = tag_at(live, cell + 1);
	assert!(attr(tag, "class").is_some_and(|c| c.contains("detour")), "{tag}");
	assert!(attr(tag, "title").is_some_and(|t| t.starts_with("via ")), "{tag}");
	let metrics = ask(&lab, "/metrics").expect("/metrics");
	every_named_metric_is_exported(live, &metrics);
	assert!(metrics.contains("ditex_relay_link_latency_microseconds{from=\"1\",to=\"3\"}"));

	// 3. What it looks like.
	screenshot(Some(&ns), &url, "dashboard-lab.png");

	stop.store(true, Ordering::Relaxed);
	flood.join().unwrap();
	server.join().unwrap();
	println!("took {:.1} s", started.elapsed().as_secs_f64());
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
		let body = TcpStream::connect(web)
			.ok()
			.and_then(|_| std::panic::catch_unwind(|| get(web, "/status.json")).ok());
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

	// `ditex-relay status` and `netcheck` read the same JSON: by URL, or at the dashboard the
	// config names (a copy whose status file does not exist, so nothing else could answer).
	let cli = |args: &[&str]| {
		let out = Command::new(env!("CARGO_BIN_EXE_ditex-relay")).args(args).output().unwrap();
		let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
		(out.status.success(), text(&out.stdout), text(&out.stderr))
	};
	let no_file = dir.path().join("no-file.toml");
	let cfg = std::fs::read_to_string(&cfg_path).unwrap();
	let missing = dir.path().join("missing").join("status.json");
	std::fs::write(
		&no_file,
		cfg.replace(&status.display().to_string(), &missing.display().to_string()),
	)
	.unwrap();
	let url = format!("http://{web}");
	for from in [["--url", url.as_str()], ["--config", no_file.to_str().unwrap()]] {
		let (ok, out, err) = cli(&["status", from[0], from[1]]);
		assert!(
			ok && out.starts_with("segment 2  up ") && out.contains("reachability: "),
			"{out}{err}"
		);
		let (_, out, err) = cli(&["netcheck", from[0], from[1]]);
		assert!(out.starts_with("segment 2: "), "{out}{err}");
	}
	let (ok, out, err) = cli(&["status", "--url", &url, "--json"]);
	assert!(ok, "{err}");
	let read: serde_json::Value = serde_json::from_str(&out).unwrap();
	assert_eq!(read["status"]["id"], 2);
	assert_eq!(read["matrix"]["members"], json["matrix"]["members"]);
}
