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
	for cmd in ["run", "forward", "status", "keygen"] {
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
}
