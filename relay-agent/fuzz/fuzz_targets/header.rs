//! The segment-routing header parser: never panics, and whatever it accepts writes back to
//! the same bytes and parses to the same header.
#![no_main]

use ditex_primitives::wire::{Header, MAX_HEADER_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
	if let Ok((h, len)) = Header::parse(data) {
		assert!(len <= data.len() && len <= MAX_HEADER_LEN);
		let mut out = [0u8; MAX_HEADER_LEN];
		let n = h.write(&mut out).expect("a parsed header fits");
		assert_eq!(&out[..n], &data[..len]);
		assert_eq!(Header::parse(&out[..n]).map(|x| x.0), Ok(h.clone()));
		for i in 0..h.hops().len() {
			let _ = h.hop_mac_input(i);
		}
	}
});
