//! Cryptography over the wire formats of [`ditex_primitives::wire`]: the chained per-hop MACs
//! of the segment-routing header and pulse MACs; plus the small inner format of the payload.
//! The payload itself travels in a Noise session between ingress and egress
//! ([`crate::session`]), with fresh keys per session.
//!
//! Every key here comes from the X25519 shared secret of two registered data-plane keys, so
//! only the two ends of a link can compute it. Everything here is pure: no sockets, no clock.
//!
//! Key schedule (all BLAKE2s keyed with the shared secret `s`):
//! - hop MAC key between an ingress and a hop: `BLAKE2s(s, "ditex/v1/hop")`;
//! - pulse MAC key between two group members: `BLAKE2s(s, "ditex/v1/pulse")`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use blake2::{
	digest::{consts::U16, Mac as _},
	Blake2sMac, Blake2sMac256,
};
use ditex_primitives::{
	registry::SegmentId,
	wire::{Header, Mac, Pulse, MAC_LEN, VERSION},
};
use x25519_dalek::{PublicKey, StaticSecret};

/// Why a cryptographic check failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum CryptoError {
	/// The peer's key yields an all-zero shared secret (a low-order point).
	#[error("peer key is not contributory")]
	WeakKey,
	/// A MAC did not verify.
	#[error("MAC mismatch")]
	BadMac,
}

/// The secret keys shared with one peer, derived once per peer and cached.
#[derive(Clone)]
pub struct PeerKeys {
	hop: [u8; 32],
	pulse: [u8; 32],
	/// BLAKE2s keyed with `hop` that has absorbed the version byte every hop MAC input starts
	/// with, so its key block is already compressed: a hop MAC, computed for every datagram
	/// at every hop, then takes one compression instead of two. The MAC is the same.
	hop_after_version: Blake2sMac<U16>,
}

impl std::fmt::Debug for PeerKeys {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str("PeerKeys(..)")
	}
}

fn kdf(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
	let mut m = <Blake2sMac256 as blake2::digest::KeyInit>::new_from_slice(key)
		.expect("32-byte keys are valid BLAKE2s keys");
	for p in parts {
		m.update(p);
	}
	m.finalize().into_bytes().into()
}

fn mac16(key: &[u8; 32], data: &[u8]) -> Mac {
	let mut m = <Blake2sMac<U16> as blake2::digest::KeyInit>::new_from_slice(key)
		.expect("32-byte keys are valid BLAKE2s keys");
	m.update(data);
	m.finalize().into_bytes().into()
}

/// Constant-time comparison, so MAC checks leak nothing through timing.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
	a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl PeerKeys {
	/// Derive the keys shared between `secret` and `peer`.
	pub fn derive(secret: &StaticSecret, peer: &PublicKey) -> Result<PeerKeys, CryptoError> {
		let dh = secret.diffie_hellman(peer);
		if !dh.was_contributory() {
			return Err(CryptoError::WeakKey);
		}
		let shared = *dh.as_bytes();
		let hop = kdf(&shared, &[b"ditex/v1/hop"]);
		let mut hop_after_version =
			<Blake2sMac<U16> as blake2::digest::KeyInit>::new_from_slice(&hop)
				.expect("32-byte keys are valid BLAKE2s keys");
		hop_after_version.update(&[VERSION]);
		Ok(PeerKeys { hop, pulse: kdf(&shared, &[b"ditex/v1/pulse"]), hop_after_version })
	}

	/// The MAC of hop `i` of `header` (computed by the ingress with the hop's keys, checked by
	/// the hop with the ingress's keys).
	pub fn hop_mac(&self, header: &Header, i: usize) -> Mac {
		let (input, len) = header.hop_mac_input(i);
		match input[..len].split_first() {
			Some((&VERSION, rest)) => {
				let mut m = self.hop_after_version.clone();
				m.update(rest);
				m.finalize().into_bytes().into()
			},
			_ => mac16(&self.hop, &input[..len]),
		}
	}

	/// Whether hop `i`'s MAC in `header` is right.
	pub fn verify_hop(&self, header: &Header, i: usize) -> Result<(), CryptoError> {
		let want = self.hop_mac(header, i);
		match header.macs().get(i) {
			Some(got) if ct_eq(got, &want) => Ok(()),
			_ => Err(CryptoError::BadMac),
		}
	}

	/// The MAC of a pulse to `receiver`.
	pub fn pulse_mac(&self, pulse: &Pulse, receiver: SegmentId) -> Mac {
		let (input, len) = pulse.mac_input(receiver);
		mac16(&self.pulse, &input[..len])
	}

	/// Whether a pulse addressed to `receiver` carries the right MAC.
	pub fn verify_pulse(&self, pulse: &Pulse, receiver: SegmentId) -> Result<(), CryptoError> {
		if ct_eq(&pulse.mac, &self.pulse_mac(pulse, receiver)) {
			Ok(())
		} else {
			Err(CryptoError::BadMac)
		}
	}
}

/// Fill in every hop MAC of `header`, in chain order, with the keys the ingress shares with
/// each hop (`keys[i]` for hop `i`; `keys[0]` is unused, hop 0's MAC stays zero).
pub fn seal_header(header: &mut Header, keys: &[&PeerKeys]) {
	header.set_mac(0, [0; MAC_LEN]);
	let hops = header.hops().len();
	for (i, k) in keys.iter().enumerate().take(hops).skip(1) {
		let mac = k.hop_mac(header, i);
		header.set_mac(i, mac);
	}
}

/// What the encrypted payload carries; relay-internal, the chain never sees it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Inner<'a> {
	/// A UDP datagram of the port-forward mode: towards the egress, `addr` is where the
	/// egress sends it; back towards the ingress, `addr` is who answered.
	Udp {
		/// The far address.
		addr: SocketAddr,
		/// The datagram.
		data: &'a [u8],
	},
	/// An IP packet of the TUN mode.
	Ip(&'a [u8]),
	/// An ingress's probe of its path to the egress ([`crate::routing::Router::poll_probes`]):
	/// inside the session, so a relay can neither forge nor recognise it by its content.
	Probe {
		/// Its sequence number.
		seq: u32,
		/// Its send time on the ingress's pulse clock, µs.
		sent_us: u64,
	},
	/// The egress's echo of a probe, back along the path it came.
	ProbeEcho {
		/// The probe's sequence number.
		seq: u32,
		/// The probe's send time, as it came.
		sent_us: u64,
		/// When the probe arrived, on the egress's pulse clock, µs.
		recv_us: u64,
	},
}

/// Why an inner payload does not parse.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum InnerError {
	/// Too short for its type.
	#[error("inner payload truncated")]
	Truncated,
	/// Unknown type or address family.
	#[error("unknown inner payload type")]
	BadType,
	/// A fixed-size message with bytes after it.
	#[error("inner payload longer than its type")]
	TooLong,
}

const INNER_UDP4: u8 = 1;
const INNER_UDP6: u8 = 2;
const INNER_IP: u8 = 3;
const INNER_PROBE: u8 = 4;
const INNER_PROBE_ECHO: u8 = 5;

impl<'a> Inner<'a> {
	/// Bytes the inner framing adds in front of the data.
	pub fn prefix_len(&self) -> usize {
		match self {
			Inner::Udp { addr: SocketAddr::V4(_), .. } => 1 + 4 + 2,
			Inner::Udp { addr: SocketAddr::V6(_), .. } => 1 + 16 + 2,
			Inner::Ip(_) => 1,
			Inner::Probe { .. } => 1 + 4 + 8,
			Inner::ProbeEcho { .. } => 1 + 4 + 8 + 8,
		}
	}

	/// Write the inner framing (not the data) to the start of `out`; returns its length.
	pub fn write_prefix(&self, out: &mut [u8]) -> Option<usize> {
		let n = self.prefix_len();
		if out.len() < n {
			return None;
		}
		match self {
			Inner::Udp { addr: SocketAddr::V4(a), .. } => {
				out[0] = INNER_UDP4;
				out[1..5].copy_from_slice(&a.ip().octets());
				out[5..7].copy_from_slice(&a.port().to_be_bytes());
			},
			Inner::Udp { addr: SocketAddr::V6(a), .. } => {
				out[0] = INNER_UDP6;
				out[1..17].copy_from_slice(&a.ip().octets());
				out[17..19].copy_from_slice(&a.port().to_be_bytes());
			},
			Inner::Ip(_) => out[0] = INNER_IP,
			Inner::Probe { seq, sent_us } => {
				out[0] = INNER_PROBE;
				out[1..5].copy_from_slice(&seq.to_be_bytes());
				out[5..13].copy_from_slice(&sent_us.to_be_bytes());
			},
			Inner::ProbeEcho { seq, sent_us, recv_us } => {
				out[0] = INNER_PROBE_ECHO;
				out[1..5].copy_from_slice(&seq.to_be_bytes());
				out[5..13].copy_from_slice(&sent_us.to_be_bytes());
				out[13..21].copy_from_slice(&recv_us.to_be_bytes());
			},
		}
		Some(n)
	}

	/// Parse a decrypted payload.
	pub fn parse(buf: &'a [u8]) -> Result<Inner<'a>, InnerError> {
		let (&t, rest) = buf.split_first().ok_or(InnerError::Truncated)?;
		match t {
			INNER_UDP4 => {
				if rest.len() < 6 {
					return Err(InnerError::Truncated);
				}
				let ip = Ipv4Addr::new(rest[0], rest[1], rest[2], rest[3]);
				let port = u16::from_be_bytes([rest[4], rest[5]]);
				Ok(Inner::Udp { addr: SocketAddr::new(IpAddr::V4(ip), port), data: &rest[6..] })
			},
			INNER_UDP6 => {
				if rest.len() < 18 {
					return Err(InnerError::Truncated);
				}
				let mut o = [0u8; 16];
				o.copy_from_slice(&rest[..16]);
				let port = u16::from_be_bytes([rest[16], rest[17]]);
				let addr = SocketAddr::new(IpAddr::V6(Ipv6Addr::from(o)), port);
				Ok(Inner::Udp { addr, data: &rest[18..] })
			},
			INNER_IP => Ok(Inner::Ip(rest)),
			INNER_PROBE | INNER_PROBE_ECHO => {
				let want = if t == INNER_PROBE { 12 } else { 20 };
				if rest.len() < want {
					return Err(InnerError::Truncated);
				}
				if rest.len() > want {
					return Err(InnerError::TooLong);
				}
				let u64_at =
					|i: usize| u64::from_be_bytes(rest[i..i + 8].try_into().expect("8 bytes"));
				let seq = u32::from_be_bytes(rest[..4].try_into().expect("4 bytes"));
				Ok(if t == INNER_PROBE {
					Inner::Probe { seq, sent_us: u64_at(4) }
				} else {
					Inner::ProbeEcho { seq, sent_us: u64_at(4), recv_us: u64_at(12) }
				})
			},
			_ => Err(InnerError::BadType),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn key(seed: u8) -> (StaticSecret, PublicKey) {
		let s = StaticSecret::from([seed; 32]);
		let p = PublicKey::from(&s);
		(s, p)
	}

	#[test]
	fn both_ends_derive_the_same_keys() {
		let (a, ap) = key(1);
		let (b, bp) = key(2);
		let ab = PeerKeys::derive(&a, &bp).unwrap();
		let ba = PeerKeys::derive(&b, &ap).unwrap();
		let h = Header::new(&[1, 2], 5, 8).unwrap();
		assert_eq!(ab.hop_mac(&h, 1), ba.hop_mac(&h, 1));
	}

	/// The hop MAC from the cached keyed state is the one-shot keyed BLAKE2s of the whole
	/// input, for every hop of headers of every length, kind and counter.
	#[test]
	fn hop_macs_from_the_cached_state_are_the_one_shot_macs() {
		use ditex_primitives::wire::{Kind, MAX_PATH};
		let (a, _) = key(1);
		let (_, bp) = key(2);
		let k = PeerKeys::derive(&a, &bp).unwrap();
		for n in 2..=MAX_PATH {
			let hops: Vec<SegmentId> = (1..=n as u32).collect();
			for counter in [0, 1, 0x0102_0304_0506_0708, u64::MAX - 1] {
				for kind in [Kind::Data, Kind::Receipt] {
					let mut h = Header::new(&hops, 7, 8).unwrap().with_kind(kind).unwrap();
					h.counter = counter;
					for i in 0..n {
						h.set_mac(i, [i as u8 ^ 0x5a; MAC_LEN]);
					}
					for i in 0..n {
						let (input, len) = h.hop_mac_input(i);
						assert_eq!(input[0], VERSION);
						assert_eq!(k.hop_mac(&h, i), mac16(&k.hop, &input[..len]), "n {n} hop {i}");
					}
				}
			}
		}
	}

	#[test]
	fn weak_key_is_refused() {
		let (a, _) = key(1);
		assert_eq!(
			PeerKeys::derive(&a, &PublicKey::from([0u8; 32])).unwrap_err(),
			CryptoError::WeakKey
		);
	}

	#[test]
	fn chained_macs_catch_added_removed_and_reordered_hops() {
		let (ing, ingp) = key(1);
		let hops: Vec<(StaticSecret, PublicKey)> = (2..6).map(key).collect();
		let ing_keys: Vec<PeerKeys> =
			hops.iter().map(|(_, p)| PeerKeys::derive(&ing, p).unwrap()).collect();
		let hop_keys: Vec<PeerKeys> =
			hops.iter().map(|(s, _)| PeerKeys::derive(s, &ingp).unwrap()).collect();
		// Path 1 → 2 → 3 → 4 → 5; keys[i] is what the ingress shares with hop i.
		let mut h = Header::new(&[1, 2, 3, 4, 5], 9, 8).unwrap();
		let k: Vec<&PeerKeys> =
			std::iter::once(&ing_keys[0]).chain(ing_keys.iter()).collect::<Vec<_>>();
		seal_header(&mut h, &k);
		for i in 1..5 {
			hop_keys[i - 1].verify_hop(&h, i).unwrap();
		}
		// Reordered: 1 → 3 → 2 → 4 → 5 with the original MACs.
		let mut swapped = Header::new(&[1, 3, 2, 4, 5], 9, 8).unwrap();
		for (i, m) in h.macs().iter().enumerate() {
			swapped.set_mac(i, *m);
		}
		assert_eq!(hop_keys[1].verify_hop(&swapped, 1), Err(CryptoError::BadMac));
		// Removed hop: 1 → 2 → 4 → 5 keeping hop 3's and later MACs.
		let mut removed = Header::new(&[1, 2, 4, 5], 9, 8).unwrap();
		for (i, j) in [(0, 0), (1, 1), (2, 3), (3, 4)] {
			removed.set_mac(i, h.macs()[j]);
		}
		assert_eq!(hop_keys[2].verify_hop(&removed, 2), Err(CryptoError::BadMac));
		// Hop 1 rewriting its own MAC is caught by hop 2, which covers it (the chain), so the
		// datagram dies there.
		let mut t = h.clone();
		t.set_mac(1, [0; MAC_LEN]);
		assert_eq!(hop_keys[1].verify_hop(&t, 2), Err(CryptoError::BadMac));
	}

	#[test]
	fn inner_round_trip() {
		for addr in ["10.1.2.3:53", "[fd00::1]:443"] {
			let addr: SocketAddr = addr.parse().unwrap();
			let i = Inner::Udp { addr, data: b"" };
			let mut b = [0u8; 32];
			let n = i.write_prefix(&mut b).unwrap();
			b[n..n + 3].copy_from_slice(b"abc");
			assert_eq!(Inner::parse(&b[..n + 3]), Ok(Inner::Udp { addr, data: b"abc" }));
			assert_eq!(Inner::parse(&b[..n - 1]), Err(InnerError::Truncated));
		}
		assert_eq!(Inner::parse(&[3, 0x45]), Ok(Inner::Ip(&[0x45])));
		for i in [
			Inner::Probe { seq: 7, sent_us: u64::MAX - 1 },
			Inner::ProbeEcho { seq: u32::MAX, sent_us: 1, recv_us: 1 << 50 },
		] {
			let mut b = [0u8; 32];
			let n = i.write_prefix(&mut b).unwrap();
			assert_eq!(Inner::parse(&b[..n]), Ok(i));
			assert_eq!(Inner::parse(&b[..n - 1]), Err(InnerError::Truncated));
			assert_eq!(Inner::parse(&b[..n + 1]), Err(InnerError::TooLong));
		}
		assert_eq!(Inner::parse(&[]), Err(InnerError::Truncated));
		assert_eq!(Inner::parse(&[9]), Err(InnerError::BadType));
	}
}
