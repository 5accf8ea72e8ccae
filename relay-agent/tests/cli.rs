//! The command line: subcommands exist, `keygen` makes a usable pair, and a bad config is
//! refused with a clear message and a failing exit status.

use std::process::Command;

use x25519_dalek::{PublicKey, StaticSecret};

fn relay(args: &[&str]) -> std::process::Output {
	Command::new(env!("CARGO_BIN_EXE_ditex-relay")).args(args).output().expect("run ditex-relay")
}

#[test]
fn help_lists_the_subcommands() {
	let out = relay(&["--help"]);
	let text = String::from_utf8_lossy(&out.stdout);
	for cmd in ["run", "forward", "status", "netcheck", "keygen"] {
		assert!(text.contains(cmd), "{cmd} missing from:\n{text}");
	}
}

#[test]
fn keygen_prints_a_matching_pair() {
	let out = relay(&["keygen"]);
	let text = String::from_utf8_lossy(&out.stdout);
	let field = |name: &str| -> [u8; 32] {
		let line = text.lines().find(|l| l.starts_with(name)).expect("field");
		let hex_part = line.split('"').nth(1).and_then(|v| v.strip_prefix("0x")).expect("0x");
		hex::decode(hex_part).unwrap().try_into().unwrap()
	};
	let secret = StaticSecret::from(field("secret_key"));
	assert_eq!(PublicKey::from(&secret).to_bytes(), field("key"));
}

#[test]
fn a_bad_config_is_refused_clearly() {
	let dir = tempfile::tempdir().unwrap();
	let path = dir.path().join("bad.toml");
	std::fs::write(&path, "[agent]\nid = 1\nsecret_key = \"nope\"\n").unwrap();
	let out = relay(&["run", "--config", path.to_str().unwrap()]);
	assert!(!out.status.success());
	let err = String::from_utf8_lossy(&out.stderr);
	assert!(err.contains("secret_key"), "{err}");
	let out = relay(&["status", "--file", dir.path().join("missing.json").to_str().unwrap()]);
	assert!(!out.status.success());
	assert!(String::from_utf8_lossy(&out.stderr).contains("status file"));
	// One source at a time, and one at least.
	let out = relay(&["status"]);
	assert!(!out.status.success());
	let out = relay(&["status", "--file", "a.json", "--url", "http://127.0.0.1:9"]);
	assert!(!out.status.success());
	assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
}

/// `netcheck` reads the status file and says what the group's pulses show, failing unless
/// every peer hears this router.
#[test]
fn netcheck_says_what_the_pulses_show() {
	use ditex_relay::shell::status::{LinkStatus, Status};
	let dir = tempfile::tempdir().unwrap();
	let link = |from, to| LinkStatus {
		from,
		to,
		latency_us: 1,
		baseline_us: 1,
		jitter_us: 0,
		loss_ppm: 0,
	};
	let mut status: Status = serde_json::from_value(serde_json::json!({
		"id": 1, "uptime_s": 5, "forwarded": 0, "delivered": 0, "sent": 0, "drops": {},
		"pulses_sent": 0, "pulse_bytes_sent": 0, "pulses_received": 0, "pulse_bytes_received": 0,
		"skewed": [], "links": [], "routes": [], "peers": [], "flows": 0, "exit_flows": 0,
		"pulse_peers": [2, 3],
	}))
	.unwrap();
	let path = dir.path().join("status.json");
	let check = |s: &Status| {
		s.write(&path).unwrap();
		let out = relay(&["netcheck", "--file", path.to_str().unwrap()]);
		(out.status.success(), String::from_utf8_lossy(&out.stdout).to_string())
	};
	let (ok, text) = check(&status);
	assert!(!ok && text.contains("not reachable"), "{text}");
	status.links = vec![link(2, 1), link(3, 1)];
	let (ok, text) = check(&status);
	assert!(!ok && text.contains("outbound"), "{text}");
	status.links.extend([link(1, 2), link(1, 3)]);
	let (ok, text) = check(&status);
	assert!(ok && text.contains("reachable: every group peer hears"), "{text}");
}

/// `status --url` against dashboards that misbehave: each is refused with a clear message and
/// a failing exit, and the read is bounded in size and time whatever the server does.
#[test]
fn status_from_a_bad_dashboard_is_refused_and_bounded() {
	use std::{
		io::{Read, Write},
		net::TcpListener,
		time::{Duration, Instant},
	};
	// Each server answers one connection its own way, then stops.
	fn serve(answer: impl FnOnce(std::net::TcpStream) + Send + 'static) -> String {
		let l = TcpListener::bind("127.0.0.1:0").unwrap();
		let url = format!("http://{}", l.local_addr().unwrap());
		std::thread::spawn(move || {
			if let Ok((mut c, _)) = l.accept() {
				let mut req = [0u8; 1024];
				let _ = c.read(&mut req);
				answer(c);
			}
		});
		url
	}
	let status_of = |url: &str| {
		let start = Instant::now();
		let out = relay(&["status", "--url", url]);
		(out.status.success(), String::from_utf8_lossy(&out.stderr).to_string(), start.elapsed())
	};

	// Nothing listens.
	let free = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
	let (ok, err, _) = status_of(&format!("http://{free}"));
	assert!(!ok && err.contains("connecting to the dashboard"), "{err}");

	// Not yet published: the server's own words.
	let url = serve(|mut c| {
		let body = "the agent has not published its status yet\n";
		let _ = write!(
			c,
			"HTTP/1.1 503 Service Unavailable\r\ncontent-length: {}\r\n\r\n{body}",
			body.len()
		);
	});
	let (ok, err, _) = status_of(&url);
	assert!(!ok && err.contains("503") && err.contains("not published"), "{err}");

	// Not a status.
	let url = serve(|mut c| {
		let _ = c.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\n{\"a\":1}");
	});
	let (ok, err, _) = status_of(&url);
	assert!(!ok && err.contains("not an agent's status"), "{err}");

	// An endless body: the client stops reading at its limit (the server stops at 64 MiB).
	let url = serve(|mut c| {
		let _ = c.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
		let chunk = format!("{:x}\r\n{}\r\n", 1 << 16, "x".repeat(1 << 16));
		for _ in 0..1024 {
			if c.write_all(chunk.as_bytes()).is_err() {
				break;
			}
		}
	});
	let (ok, err, _) = status_of(&url);
	assert!(!ok && err.contains("length limit"), "{err}");

	// A server that never answers: given up after the client's timeout.
	let url = serve(|c| {
		std::thread::sleep(Duration::from_secs(20));
		drop(c);
	});
	let (ok, err, took) = status_of(&url);
	assert!(!ok && err.contains("no whole answer within 5 s"), "{err}");
	assert!(took < Duration::from_secs(15), "waited {took:?}");

	// Only plain http.
	let (ok, err, _) = status_of("https://127.0.0.1:1");
	assert!(!ok && err.contains("plain http"), "{err}");
}
