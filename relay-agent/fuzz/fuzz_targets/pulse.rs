//! The pulse parser: never panics, and round-trips what it accepts.
#![no_main]

use ditex_primitives::wire::{Pulse, MAX_PULSE_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
	if let Ok(p) = Pulse::parse(data) {
		let mut out = [0u8; MAX_PULSE_LEN];
		let n = p.write(&mut out).expect("a parsed pulse fits");
		assert_eq!(&out[..n], data);
		let _ = p.mac_input(1);
	}
});
