//! Whole datagrams through a relay's data plane, pulse bookkeeping and the reporter's ticket
//! batcher, as the shell feeds them: any bytes from any address are forwarded, delivered or dropped and counted — never
//! a panic. Decrypted payloads go through the inner-format parser too.
#![no_main]

use std::sync::OnceLock;

use ditex_primitives::{
	wire::{peek_kind, Kind, TicketDatagram},
	Hash,
};
use ditex_relay::{
	accounting::Accounting,
	batch::{Batcher, Context},
	dataplane::{Action, Dataplane},
	pulse::{PulseConfig, Pulses},
	registry::{EndpointPolicy, PeerEntry, Registry},
	wire::Inner,
};
use libfuzzer_sys::fuzz_target;
use x25519_dalek::{PublicKey, StaticSecret};

fn secret(id: u32) -> StaticSecret {
	StaticSecret::from([id as u8; 32])
}

fn peers() -> &'static Vec<PeerEntry> {
	static P: OnceLock<Vec<PeerEntry>> = OnceLock::new();
	P.get_or_init(|| {
		(1..=4)
			.map(|id| {
				let endpoint = std::net::SocketAddr::from(([127, 0, 0, id as u8], 5000));
				PeerEntry::active(id, endpoint, &PublicKey::from(&secret(id)), 1)
			})
			.collect()
	})
}

/// Segment 2's view, made once: it derives a key per peer, which costs more than an input.
fn registry() -> Registry {
	static R: OnceLock<Registry> = OnceLock::new();
	R.get_or_init(|| Registry::new(2, secret(2), peers(), EndpointPolicy::test_bed()).unwrap())
		.clone()
}

fuzz_target!(|data: &[u8]| {
	let Some((&who, rest)) = data.split_first() else { return };
	let from = format!("127.0.0.{}:5000", who % 5).parse().unwrap();
	let reg = registry();
	let mut buf = rest.to_vec();
	match peek_kind(&buf) {
		Ok(Kind::Data | Kind::Receipt) => {
			let mut dp = Dataplane::new(reg, Accounting::default());
			let len = buf.len();
			match dp.handle_datagram(1, from, &mut buf) {
				Action::Forward { .. } => assert_eq!(buf.len(), len),
				Action::Deliver { payload, .. } => {
					let _ = Inner::parse(&buf[payload]);
				},
				Action::Reply { range, .. } => assert!(range.end <= buf.len()),
				Action::Consumed => {},
				Action::Drop(r) => assert_eq!(dp.drops.get(r), 1),
			}
		},
		Ok(Kind::Ack) => {
			let mut dp = Dataplane::new(reg, Accounting::default());
			match dp.handle_ack(from, &buf) {
				Action::Consumed => {},
				Action::Drop(r) => assert_eq!(dp.drops.get(r), 1),
				other => panic!("an ack is taken or dropped: {other:?}"),
			}
		},
		Ok(Kind::Pulse) => {
			let mut p = Pulses::new(2, 1, PulseConfig::default());
			let _ = p.handle_pulse(1, from, &buf, &reg, true);
		},
		Ok(Kind::Ticket) => {
			// As the group's reporter: taken whole or refused, never more than one a member.
			let Ok(d) = TicketDatagram::parse(&buf) else { return };
			let mut b = Batcher::new(2, Hash::repeat_byte(1));
			let cx = Context { reporter: true, epoch: 5, registry: &reg, check_source: true };
			if b.offer(1, from, d.ticket.clone(), cx).is_ok() {
				assert_eq!(b.take(u64::MAX, &reg), Some(vec![d.ticket]));
			}
		},
		Err(_) => {},
	}
});
