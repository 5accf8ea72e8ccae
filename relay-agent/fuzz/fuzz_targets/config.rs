//! The TOML config parser (and the peer-entry validation behind it): errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
	if let Ok(text) = std::str::from_utf8(data) {
		if let Ok(c) = ditex_relay::config::Config::parse(text) {
			let _ = c.registry();
			let _ = c.prefs();
			let _ = c.exit_networks();
		}
	}
});
