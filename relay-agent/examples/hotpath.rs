//! Per-datagram cost of a relay's data plane, without sockets: `n` datagrams sealed by a
//! real ingress (the paid one with its receipts in the stream), each handed to router 2's
//! data plane and committed as sent, as the shell does. Run it under
//! `valgrind --tool=callgrind` to count instructions by function.
//!
//! `cargo run --release --example hotpath -- [paid|unpaid] [n]`

use std::{net::SocketAddr, num::NonZeroUsize};

use ditex_primitives::{settlement::Path as HopPath, Hash};
use ditex_relay::{
	accounting::Accounting,
	channel::{Channels, Receipts, Terms, DEFAULT_CREDIT_BYTES},
	dataplane::{Action, Dataplane},
	registry::{EndpointPolicy, PeerEntry, Registry},
};
use ed25519_dalek::SigningKey;
use x25519_dalek::{PublicKey, StaticSecret};

const PATH: [u32; 3] = [1, 2, 3];
const DATAGRAM: usize = 1400;

fn secret(i: u32) -> StaticSecret {
	let mut b = [0x24u8; 32];
	b[..4].copy_from_slice(&i.to_be_bytes());
	StaticSecret::from(b)
}

fn consumer_key() -> SigningKey {
	SigningKey::from_bytes(&[0x31; 32])
}

fn channels(me: u32) -> Channels {
	let mut c = Channels::new(
		me,
		Hash::repeat_byte(0x42),
		DEFAULT_CREDIT_BYTES,
		NonZeroUsize::new(1024).unwrap(),
	);
	assert!(c.update(Terms {
		id: 1,
		path: PATH.to_vec(),
		prices: vec![10; 3],
		max_price_per_gib: 100,
		funds: 1_000_000_000,
		open: true,
		receipt_key: consumer_key().verifying_key().to_bytes(),
		data_key: PublicKey::from(&secret(1)).to_bytes(),
	}));
	c
}

fn main() {
	let args: Vec<String> = std::env::args().collect();
	let paid = args.get(1).is_none_or(|a| a == "paid");
	let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
	let addr = |k: u32| -> SocketAddr { format!("127.0.0.{k}:4000").parse().unwrap() };
	let peers: Vec<PeerEntry> = PATH
		.iter()
		.map(|&k| PeerEntry::active(k, addr(k), &PublicKey::from(&secret(k)), 10))
		.collect();
	let dp = |me: u32| {
		let mut d = Dataplane::new(
			Registry::new(me, secret(me), &peers, EndpointPolicy::test_bed()).unwrap(),
			Accounting::default(),
		);
		if paid {
			d.channels = Some(channels(me));
		}
		d
	};
	let mut ingress = dp(1);
	if paid {
		ingress.paying.insert(
			1,
			Receipts::new(
				Hash::repeat_byte(0x42),
				1,
				HopPath::truncate_from(PATH.to_vec()),
				consumer_key(),
			),
		);
	}
	let mut relay = dp(2);
	// Sealed up front: only the relay's work is in the loop below.
	let payload = vec![0x5au8; DATAGRAM - ditex_primitives::wire::encoded_len(3)];
	let mut stream: Vec<Vec<u8>> = Vec::with_capacity(n + n / 500);
	for i in 0..n {
		ingress.poll_receipts(i as u64 * 3);
		for (_, d, c) in ingress.take_transmits() {
			ingress.commit(c);
			stream.push(d);
		}
		let mut out = vec![0u8; DATAGRAM];
		let t = ingress.wrap(1, &PATH, &payload, &mut out).unwrap();
		ingress.commit(t.charge);
		stream.push(out);
	}
	let mut forwarded = 0;
	for (i, mut d) in stream.into_iter().enumerate() {
		if let Action::Forward { charge, .. } = relay.handle_datagram(i as u64, addr(1), &mut d) {
			relay.after_send([(charge, true)]);
			forwarded += 1;
		}
	}
	println!(
		"{} datagrams forwarded of {n}; drops {:?}",
		forwarded,
		relay.drops.nonzero().collect::<Vec<_>>()
	);
}
