//! Sessions on simulated time: handshakes, rekeys, expiry, replays, bounds.

use std::collections::VecDeque;

use super::*;
use x25519_dalek::{PublicKey, StaticSecret};

const CHANNEL: ChannelId = 42;

fn keypair(seed: u8) -> ([u8; 32], [u8; 32]) {
	let secret = StaticSecret::from([seed; 32]);
	(secret.to_bytes(), PublicKey::from(&secret).to_bytes())
}

struct Ends {
	ingress: Initiator,
	egress: Responder,
	ingress_public: [u8; 32],
}

fn ends() -> Ends {
	let (ingress_secret, ingress_public) = keypair(1);
	let (egress_secret, egress_public) = keypair(2);
	Ends {
		ingress: Initiator::new(CHANNEL, ingress_secret, egress_public, 7),
		egress: Responder::new(egress_secret, NonZeroUsize::new(64).unwrap(), 9),
		ingress_public,
	}
}

impl Ends {
	/// Run one handshake at `now`, the messages delivered at once.
	fn handshake(&mut self, now: u64) {
		let mut init = [0u8; INIT_LEN];
		let n = self.ingress.poll_handshake(now, now * 1_000, &mut init).unwrap().expect("due");
		let key = self.ingress_public;
		let mut resp = [0u8; RESPONSE_LEN];
		let r = self
			.egress
			.handle(now, &init[..n], |c, k| c == CHANNEL && *k == key, &mut resp)
			.unwrap();
		assert_eq!(r, Responded::Handshake { channel: CHANNEL, len: RESPONSE_LEN });
		assert_eq!(self.ingress.handle(now, &resp, &mut []).unwrap(), Received::Established);
	}

	/// One packet each way at `now`; returns the messages, so tests can replay them.
	fn exchange(&mut self, now: u64, payload: &[u8]) -> (Vec<u8>, Vec<u8>) {
		let mut up = vec![0u8; payload.len() + TRANSPORT_OVERHEAD];
		let n = self.ingress.encapsulate(now, payload, &mut up).unwrap();
		up.truncate(n);
		let mut plain = vec![0u8; up.len()];
		let got = self.egress.handle(now, &up, |_, _| false, &mut plain).unwrap();
		assert_eq!(got, Responded::Data { channel: CHANNEL, len: payload.len() });
		assert_eq!(&plain[..payload.len()], payload);
		let mut down = vec![0u8; payload.len() + TRANSPORT_OVERHEAD];
		let n = self
			.egress
			.encapsulate(now, CHANNEL, &self.ingress_public, payload, &mut down)
			.unwrap();
		down.truncate(n);
		let got = self.ingress.handle(now, &down, &mut plain).unwrap();
		assert_eq!(got, Received::Data(payload.len()));
		assert_eq!(&plain[..payload.len()], payload);
		(up, down)
	}

	fn keys(&self) -> ([u8; 32], [u8; 32]) {
		self.ingress.current.as_ref().unwrap().keys
	}
}

#[test]
fn handshake_then_traffic_both_ways() {
	let mut e = ends();
	assert_eq!(e.ingress.encapsulate(0, b"early", &mut [0; 64]), Err(SessionError::NoSession));
	e.handshake(0);
	assert!(e.ingress.is_established(0));
	for i in 0..10u8 {
		e.exchange(u64::from(i), &[i; 100]);
	}
	// Both ends derived the same keys, each side's send key being the other's receive key.
	let session = e.egress.sessions.iter().next().unwrap().1;
	assert_eq!(session.keys, e.keys());
	assert_eq!(session.remote_static(), &e.ingress_public);
}

#[test]
fn a_replayed_transport_message_is_refused_at_each_end() {
	let mut e = ends();
	e.handshake(0);
	let (up, down) = e.exchange(1, b"once");
	let mut out = [0u8; 64];
	assert_eq!(e.egress.handle(2, &up, |_, _| true, &mut out), Err(SessionError::Replayed));
	assert_eq!(e.ingress.handle(2, &down, &mut out), Err(SessionError::Replayed));
	// A forged copy with a fresh counter does not authenticate, and does not move the window.
	let mut forged = up.clone();
	forged[15] = forged[15].wrapping_add(5);
	assert_eq!(e.egress.handle(2, &forged, |_, _| true, &mut out), Err(SessionError::Decrypt));
	e.exchange(3, b"still fine");
}

#[test]
fn a_replayed_initiation_creates_nothing() {
	let mut e = ends();
	let mut init = [0u8; INIT_LEN];
	e.ingress.poll_handshake(0, 1_000, &mut init).unwrap().unwrap();
	let key = e.ingress_public;
	let mut resp = [0u8; RESPONSE_LEN];
	e.egress.handle(0, &init, |_, k| *k == key, &mut resp).unwrap();
	assert_eq!(e.egress.len(), 1);
	assert_eq!(
		e.egress.handle(1, &init, |_, k| *k == key, &mut resp),
		Err(SessionError::StaleInitiation)
	);
	assert_eq!(e.egress.len(), 1);
}

#[test]
fn an_initiator_not_admitted_gets_no_answer() {
	let mut e = ends();
	let mut init = [0u8; INIT_LEN];
	e.ingress.poll_handshake(0, 1_000, &mut init).unwrap().unwrap();
	let mut resp = [0u8; RESPONSE_LEN];
	// The responder is asked about the very channel and key of the handshake.
	let mut asked = None;
	let r = e.egress.handle(
		0,
		&init,
		|c, k| {
			asked = Some((c, *k));
			false
		},
		&mut resp,
	);
	assert_eq!(r, Err(SessionError::NotAdmitted));
	assert_eq!(asked, Some((CHANNEL, e.ingress_public)));
	assert!(e.egress.is_empty());
	assert_eq!(resp, [0u8; RESPONSE_LEN]);
}

#[test]
fn a_handshake_for_another_channel_or_egress_fails() {
	let (ingress_secret, _) = keypair(1);
	let (egress_secret, _) = keypair(2);
	let (_, stranger_public) = keypair(3);
	// Addressed to another egress's key: this egress cannot read it.
	let mut wrong = Initiator::new(CHANNEL, ingress_secret, stranger_public, 1);
	let mut init = [0u8; INIT_LEN];
	wrong.poll_handshake(0, 1, &mut init).unwrap().unwrap();
	let mut egress = Responder::new(egress_secret, NonZeroUsize::new(4).unwrap(), 1);
	let mut resp = [0u8; RESPONSE_LEN];
	assert_eq!(egress.handle(0, &init, |_, _| true, &mut resp), Err(SessionError::Decrypt));
	// The channel id in clear is bound by the prologue: changing it breaks the handshake.
	let mut e = ends();
	e.ingress.poll_handshake(0, 1, &mut init).unwrap().unwrap();
	init[15] ^= 1;
	assert_eq!(e.egress.handle(0, &init, |_, _| true, &mut resp), Err(SessionError::Decrypt));
	assert!(e.egress.is_empty());
}

/// C2 / M13: a restart, an idle flow or a rekey starts a new session, and two sessions never
/// share a (key, nonce) pair, though counters restart at zero.
#[test]
fn c2_sessions_never_reuse_a_key_and_nonce() {
	let mut e = ends();
	e.handshake(0);
	let first = e.keys();
	let (up0, _) = e.exchange(1, b"a");
	// Idle past the reject time: the session is gone, a new handshake is due.
	let idle = REJECT_AFTER_MS + 1;
	assert_eq!(e.ingress.encapsulate(idle, b"b", &mut [0; 64]), Err(SessionError::NoSession));
	e.handshake(idle);
	let second = e.keys();
	let (up1, _) = e.exchange(idle + 1, b"a");
	// Same counter (0) in both sessions, different keys: different ciphertexts.
	assert_eq!(up0[8..16], up1[8..16]);
	assert_ne!(up0[16..], up1[16..]);
	// A restarted ingress (new state, same static key and channel).
	let (ingress_secret, _) = keypair(1);
	let (_, egress_public) = keypair(2);
	e.ingress = Initiator::new(CHANNEL, ingress_secret, egress_public, 7);
	e.handshake(idle + 10);
	let third = e.keys();
	let all = [first.0, first.1, second.0, second.1, third.0, third.1];
	for i in 0..all.len() {
		for j in i + 1..all.len() {
			assert_ne!(all[i], all[j], "keys {i} and {j} are equal");
		}
	}
}

/// Packets in flight on a link with latency: (deliver at, to egress?, bytes).
type InFlight = VecDeque<(u64, bool, Vec<u8>)>;

/// Rekeying under load loses nothing: a packet every 5 ms each way for 10 simulated minutes
/// over a 40 ms link, with the handshakes in flight alongside.
#[test]
fn rekey_under_load_loses_nothing() {
	let mut e = ends();
	let key = e.ingress_public;
	let latency = 40;
	let mut wire: InFlight = VecDeque::new();
	let (mut sent_up, mut got_up, mut sent_down, mut got_down) = (0u64, 0u64, 0u64, 0u64);
	let mut sessions = 0;
	let mut buf = [0u8; 256];
	let mut plain = [0u8; 256];
	let end = 600_000;
	let mut now = 0;
	while now <= end + 1_000 {
		if let Some(n) = e.ingress.poll_handshake(now, now * 1_000, &mut buf).unwrap() {
			wire.push_back((now + latency, true, buf[..n].to_vec()));
		}
		if now % 5 == 0 && now <= end {
			if let Ok(n) = e.ingress.encapsulate(now, &now.to_be_bytes(), &mut buf) {
				sent_up += 1;
				wire.push_back((now + latency, true, buf[..n].to_vec()));
			}
			if let Ok(n) = e.egress.encapsulate(now, CHANNEL, &key, &now.to_be_bytes(), &mut buf) {
				sent_down += 1;
				wire.push_back((now + latency, false, buf[..n].to_vec()));
			}
		}
		while wire.front().is_some_and(|(at, _, _)| *at <= now) {
			let (_, to_egress, msg) = wire.pop_front().unwrap();
			if to_egress {
				match e.egress.handle(now, &msg, |_, k| *k == key, &mut plain).unwrap() {
					Responded::Handshake { len, .. } => {
						wire.push_back((now + latency, false, plain[..len].to_vec()))
					},
					Responded::Data { .. } => got_up += 1,
				}
			} else {
				match e.ingress.handle(now, &msg, &mut plain).unwrap() {
					Received::Established => sessions += 1,
					Received::Data(_) => got_down += 1,
				}
			}
		}
		now += 1;
	}
	// Before the first handshake completes nothing is sent, so nothing is lost either.
	assert!(sent_up > 100_000 && sent_down > 100_000, "{sent_up} {sent_down}");
	assert_eq!((got_up, got_down), (sent_up, sent_down));
	// 600 s at a rekey every 120 s.
	assert!(sessions >= 5, "{sessions} sessions");
	assert!(e.egress.len() <= SESSIONS_PER_CHANNEL);
}

#[test]
fn an_unconfirmed_session_does_not_carry_replies() {
	let mut e = ends();
	e.handshake(0);
	e.exchange(1, b"x");
	// A second handshake whose response is lost: the egress keeps replying in the session the
	// ingress has, not in the one the ingress never heard of.
	let mut init = [0u8; INIT_LEN];
	let n = e.ingress.poll_handshake(REKEY_AFTER_MS, REKEY_AFTER_MS * 1_000, &mut init).unwrap();
	let key = e.ingress_public;
	let mut lost = [0u8; RESPONSE_LEN];
	e.egress.handle(REKEY_AFTER_MS, &init[..n.unwrap()], |_, k| *k == key, &mut lost).unwrap();
	let mut down = [0u8; 64];
	let n = e.egress.encapsulate(REKEY_AFTER_MS + 1, CHANNEL, &key, b"reply", &mut down).unwrap();
	assert_eq!(
		e.ingress.handle(REKEY_AFTER_MS + 1, &down[..n], &mut [0; 64]),
		Ok(Received::Data(5))
	);
	// The ingress tries again after the timeout, and that one completes.
	let t = REKEY_AFTER_MS + REKEY_TIMEOUT_MS;
	e.handshake(t);
	e.exchange(t + 1, b"y");
}

#[test]
fn the_responder_keeps_few_sessions_per_channel_and_a_bounded_total() {
	let (egress_secret, egress_public) = keypair(2);
	let mut egress = Responder::new(egress_secret, NonZeroUsize::new(16).unwrap(), 3);
	let mut resp = [0u8; RESPONSE_LEN];
	let mut init = [0u8; INIT_LEN];
	for channel in 0..40u64 {
		let (secret, _) = keypair(10 + channel as u8);
		let mut ingress = Initiator::new(channel, secret, egress_public, channel as u32);
		for round in 0..5u64 {
			// Each handshake times out on the initiator's side, so it sends another.
			let now = round * REKEY_TIMEOUT_MS;
			ingress.poll_handshake(now, now + 1, &mut init).unwrap().unwrap();
			egress.handle(now, &init, |_, _| true, &mut resp).unwrap();
			let per_channel: usize = egress
				.channels
				.iter()
				.filter(|(owner, _)| owner.0 == channel)
				.map(|(_, c)| c.indexes.len())
				.sum();
			assert!(per_channel <= SESSIONS_PER_CHANNEL);
		}
		assert!(egress.len() <= 16);
	}
	// The bookkeeping agrees with the sessions held.
	let listed: usize = egress.channels.iter().map(|(_, c)| c.indexes.len()).sum();
	assert_eq!(listed, egress.len());
}

/// Found by `scripts/soak-relay.sh`: a member's authenticated initiations on fresh channels,
/// relayed to an egress, filled the responder's channel table; data never promoted a channel,
/// so the oldest, the one in use, was evicted with its sessions and its traffic died
/// (`bad_session` at the egress within seconds).
#[test]
fn soak_an_initiation_flood_does_not_evict_a_channel_in_use() {
	let mut e = ends();
	let (egress_secret, egress_public) = keypair(2);
	e.egress = Responder::new(egress_secret, NonZeroUsize::new(16).unwrap(), 9);
	e.handshake(0);
	let (flooder, _) = keypair(99);
	let mut init = [0u8; INIT_LEN];
	let mut resp = [0u8; RESPONSE_LEN];
	for k in 0..200u64 {
		// Fresh channels, one initiation each, between packets of the channel in use.
		let mut f = Initiator::new(1_000 + k, flooder, egress_public, k as u32);
		let n = f.poll_handshake(k, k + 1, &mut init).unwrap().unwrap();
		e.egress.handle(k, &init[..n], |_, _| true, &mut resp).unwrap();
		// Traffic one way only (a UDP stream, nothing coming back to promote the channel).
		let mut up = [0u8; 10 + TRANSPORT_OVERHEAD];
		let n = e.ingress.encapsulate(k, b"still here", &mut up).unwrap();
		let mut plain = [0u8; 10 + TRANSPORT_OVERHEAD];
		let got = e.egress.handle(k, &up[..n], |_, _| false, &mut plain);
		assert_eq!(got, Ok(Responded::Data { channel: CHANNEL, len: 10 }), "after {k} initiations");
	}
	assert!(e.egress.len() <= 16);
}

/// The same flood with the channel in use idle meanwhile (a consumer between bursts): only
/// the flooding initiator's own channels make room for its new ones.
#[test]
fn soak_an_initiation_flood_does_not_evict_another_initiators_idle_channel() {
	let mut e = ends();
	let (egress_secret, egress_public) = keypair(2);
	e.egress = Responder::new(egress_secret, NonZeroUsize::new(64).unwrap(), 9);
	e.handshake(0);
	e.exchange(0, b"before");
	let (flooder, _) = keypair(99);
	let mut init = [0u8; INIT_LEN];
	let mut resp = [0u8; RESPONSE_LEN];
	for k in 0..1_000u64 {
		let mut f = Initiator::new(1_000 + k, flooder, egress_public, k as u32);
		let n = f.poll_handshake(k, k + 1, &mut init).unwrap().unwrap();
		e.egress.handle(k, &init[..n], |_, _| true, &mut resp).unwrap();
	}
	assert!(e.egress.len() <= 64);
	let held = e.egress.channels.iter().filter(|(o, _)| o.1 != e.ingress_public).count();
	assert!(held <= 64 / INITIATOR_SHARE_DIVISOR, "the flooder holds {held} channels");
	e.exchange(1_000, b"after the flood");
	// The bookkeeping agrees with the channels held.
	let listed: usize = e.egress.by_initiator.values().map(|m| m.len()).sum();
	assert_eq!(listed, e.egress.channels.len());
}

/// Whatever bytes arrive, nothing panics and nothing is kept.
#[test]
fn garbage_is_refused_without_state() {
	let mut e = ends();
	e.handshake(0);
	let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
	let mut out = [0u8; 512];
	for i in 0..20_000usize {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		let len = (x % 200) as usize;
		let mut msg: Vec<u8> = (0..len).map(|j| (x >> (j % 56)) as u8).collect();
		if let Some(b) = msg.first_mut() {
			*b = 1 + (i % 3) as u8;
		}
		let _ = e.egress.handle(1, &msg, |_, _| true, &mut out);
		let _ = e.ingress.handle(1, &msg, &mut out);
	}
	assert!(e.egress.len() <= SESSIONS_PER_CHANNEL);
	e.exchange(2, b"unharmed");
}

#[test]
fn counters_stop_before_they_could_wrap() {
	let mut e = ends();
	e.handshake(0);
	let s = e.ingress.current.as_mut().unwrap();
	s.sent = REKEY_AFTER_MESSAGES;
	// Due for a rekey by count, still sending meanwhile.
	assert!(e.ingress.poll_handshake(1, 1_000, &mut [0; INIT_LEN]).unwrap().is_some());
	assert!(e.ingress.encapsulate(1, b"x", &mut [0; 64]).is_ok());
	e.ingress.current.as_mut().unwrap().sent = REJECT_AFTER_MESSAGES;
	assert_eq!(e.ingress.encapsulate(1, b"x", &mut [0; 64]), Err(SessionError::NoSession));
}

/// H4: an ingress naming another's channel gets its own sessions; the replies of the
/// channel's owner never go to it.
#[test]
fn h4_another_ingress_on_the_same_channel_cannot_take_the_replies() {
	let mut e = ends();
	e.handshake(0);
	e.exchange(1, b"mine");
	// An intruder with its own key, admitted by a careless policy, on the same channel.
	let (intruder_secret, intruder_public) = keypair(9);
	let (_, egress_public) = keypair(2);
	let mut intruder = Initiator::new(CHANNEL, intruder_secret, egress_public, 5);
	let mut init = [0u8; INIT_LEN];
	intruder.poll_handshake(2, 2_000, &mut init).unwrap().unwrap();
	let mut resp = [0u8; RESPONSE_LEN];
	e.egress.handle(2, &init, |_, _| true, &mut resp).unwrap();
	intruder.handle(2, &resp, &mut []).unwrap();
	let mut up = [0u8; 64];
	let n = intruder.encapsulate(3, b"confirm", &mut up).unwrap();
	e.egress.handle(3, &up[..n], |_, _| false, &mut [0; 64]).unwrap();
	// Replies for the owner are sealed for the owner's session: the intruder cannot open them.
	let mut down = [0u8; 64];
	let n = e.egress.encapsulate(4, CHANNEL, &e.ingress_public, b"secret", &mut down).unwrap();
	assert_eq!(intruder.handle(4, &down[..n], &mut [0; 64]), Err(SessionError::UnknownIndex));
	assert_eq!(e.ingress.handle(4, &down[..n], &mut [0; 64]), Ok(Received::Data(6)));
	// And the intruder's own replies go to the intruder.
	let n = e.egress.encapsulate(5, CHANNEL, &intruder_public, b"yours", &mut down).unwrap();
	assert_eq!(intruder.handle(5, &down[..n], &mut [0; 64]), Ok(Received::Data(5)));
}
