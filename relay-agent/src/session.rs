//! Sessions between a channel's ingress and its egress: a Noise IK handshake
//! (`Noise_IK_25519_ChaChaPoly_BLAKE2s`, the `snow` crate) carried in the overlay, then
//! transport messages with explicit counters, rekeyed the way WireGuard rekeys.
//!
//! - **Fresh keys per session.** Each handshake mixes fresh ephemeral keys, so two sessions
//!   never share a transport key, and a counter that restarts at zero in a new session never
//!   repeats a (key, nonce) pair: not after a restart, an idle spell or a key rotation.
//! - **Rekey.** The initiator (the ingress) starts a new handshake [`REKEY_AFTER_MS`] into a
//!   session or after [`REKEY_AFTER_MESSAGES`], while the old session still carries traffic;
//!   a session is refused [`REJECT_AFTER_MS`] after it began and can never send a counter past
//!   [`REJECT_AFTER_MESSAGES`]. The new session takes over when its handshake completes and
//!   the old one keeps decrypting what is still in flight, so rekeying loses nothing.
//! - **Replay.** Every session keeps a [`ReplayWindow`]; a handshake initiation carries a
//!   timestamp that must grow per (channel, initiator key), so a replayed initiation creates
//!   nothing.
//! - **Bounded.** The responder (the egress) keeps at most [`SESSIONS_PER_CHANNEL`] sessions
//!   per (channel, initiator key) and a fixed number in all, least recently used first out.
//!   Sessions are kept per initiator key as well as per channel, so one ingress can never
//!   take another's replies by naming its channel.
//! - **Admission.** The handshake names its channel; the responder asks the caller whether the
//!   initiator's static key may open a session on it (the channel's consumer key, the channel
//!   open and this router its egress) before it answers.
//!
//! Everything here is sans-IO: time comes in as arguments (`now_ms` a monotonic clock for
//! timers, `wall_us` the wall clock that only stamps initiations), messages go out in buffers
//! the caller sends.
//!
//! Messages (integers big-endian):
//!
//! ```text
//! initiation: 1, 0, 0, 0 | sender index (4) | channel (8) | Noise IK message 1 (timestamp)
//! response:   2, 0, 0, 0 | sender index (4) | receiver index (4) | Noise IK message 2
//! transport:  3, 0, 0, 0 | receiver index (4) | counter (8) | ciphertext and tag
//! ```

use std::{
	collections::{HashMap, VecDeque},
	num::NonZeroUsize,
};

use ditex_primitives::settlement::ChannelId;
use lru::LruCache;
use snow::{Builder, HandshakeState, StatelessTransportState};

use crate::replay::{Replay, ReplayWindow, WINDOW};

/// The Noise protocol every session runs.
pub const NOISE_PARAMS: &str = "Noise_IK_25519_ChaChaPoly_BLAKE2s";
/// Prefix of every handshake's prologue; the channel id follows it.
const PROLOGUE_DOMAIN: &[u8; 16] = b"ditex/session/v1";

/// The initiator starts a new handshake this long into a session.
pub const REKEY_AFTER_MS: u64 = 120_000;
/// A session is refused this long after it began.
pub const REJECT_AFTER_MS: u64 = 180_000;
/// An unanswered handshake is sent again after this long.
pub const REKEY_TIMEOUT_MS: u64 = 5_000;
/// A responder that received in a session and sent nothing back for this long sends an empty
/// message (a keepalive), so that an initiator hearing nothing knows its session is gone.
pub const KEEPALIVE_MS: u64 = 10_000;
/// An initiator that sent and heard nothing back for this long (a keepalive's interval and a
/// handshake's timeout) starts a new handshake: the responder restarted, or lost the session.
pub const SILENCE_MS: u64 = KEEPALIVE_MS + REKEY_TIMEOUT_MS;
/// The initiator starts a new handshake after sending this many messages in a session.
pub const REKEY_AFTER_MESSAGES: u64 = 1 << 60;
/// No session sends a counter at or past this: far below where a counter could wrap.
pub const REJECT_AFTER_MESSAGES: u64 = u64::MAX - WINDOW - 1;
/// Sessions the responder keeps per channel: the current one, the one before it (still
/// draining) and one being established.
pub const SESSIONS_PER_CHANNEL: usize = 3;

const INIT: u8 = 1;
const RESPONSE: u8 = 2;
const TRANSPORT: u8 = 3;
const KEY_LEN: usize = 32;
/// Bytes of an AEAD tag.
pub const TAG_LEN: usize = 16;
const TIMESTAMP_LEN: usize = 8;
const INIT_HEAD: usize = 4 + 4 + 8;
const RESPONSE_HEAD: usize = 4 + 4 + 4;
/// Bytes of a transport message before its ciphertext.
pub const TRANSPORT_HEAD: usize = 4 + 4 + 8;

/// Bytes of a handshake initiation.
pub const INIT_LEN: usize = INIT_HEAD + KEY_LEN + (KEY_LEN + TAG_LEN) + (TIMESTAMP_LEN + TAG_LEN);
/// Bytes of a handshake response.
pub const RESPONSE_LEN: usize = RESPONSE_HEAD + KEY_LEN + TAG_LEN;
/// Bytes a transport message adds to its plaintext.
pub const TRANSPORT_OVERHEAD: usize = TRANSPORT_HEAD + TAG_LEN;

/// Why a session message was not produced or not accepted.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum SessionError {
	/// No session is established (or all have expired): a handshake must complete first.
	#[error("no session")]
	NoSession,
	/// The message is too short, of an unknown type, or has reserved bytes set.
	#[error("malformed session message")]
	Malformed,
	/// No session or pending handshake has the receiver index.
	#[error("unknown session index")]
	UnknownIndex,
	/// The session is older than [`REJECT_AFTER_MS`] or has sent its last counter.
	#[error("session expired")]
	Expired,
	/// The counter was seen before or is older than the replay window.
	#[error("replayed counter")]
	Replayed,
	/// The handshake or the ciphertext did not authenticate.
	#[error("does not authenticate")]
	Decrypt,
	/// The initiation's timestamp is not later than the last one of this initiator.
	#[error("replayed initiation")]
	StaleInitiation,
	/// The initiator may not open a session on the channel.
	#[error("not admitted")]
	NotAdmitted,
	/// The output buffer is too small.
	#[error("output buffer too small")]
	BufferTooSmall,
}

impl From<Replay> for SessionError {
	fn from(_: Replay) -> Self {
		SessionError::Replayed
	}
}

/// The parsed [`NOISE_PARAMS`].
fn builder_params() -> snow::params::NoiseParams {
	NOISE_PARAMS.parse().expect("NOISE_PARAMS is a valid pattern")
}

fn prologue(channel: ChannelId) -> [u8; 24] {
	let mut p = [0u8; 24];
	p[..16].copy_from_slice(PROLOGUE_DOMAIN);
	p[16..].copy_from_slice(&channel.to_be_bytes());
	p
}

fn be_u32(b: &[u8]) -> u32 {
	u32::from_be_bytes(b[..4].try_into().expect("four bytes"))
}

fn be_u64(b: &[u8]) -> u64 {
	u64::from_be_bytes(b[..8].try_into().expect("eight bytes"))
}

/// Session indexes, handed out in a sequence from a seed so that they are hard to guess
/// across restarts yet deterministic in tests.
#[derive(Debug)]
struct Indexes(u32);

impl Indexes {
	fn next(&mut self) -> u32 {
		// A full-period LCG over u32 (Numerical Recipes' constants): no index repeats until
		// 2^32 have been handed out.
		self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
		self.0
	}
}

/// One established session: transport keys, indexes, counters.
pub struct Session {
	transport: StatelessTransportState,
	local_index: u32,
	remote_index: u32,
	channel: ChannelId,
	remote_static: [u8; KEY_LEN],
	started_ms: u64,
	sent: u64,
	/// When it last sealed a message.
	sent_ms: u64,
	replay: ReplayWindow,
	/// Whether the other end is known to hold the session: always for the initiator, after
	/// the first authenticated message for the responder (whose response may have been lost).
	confirmed: bool,
	/// The raw transport keys, so tests can show that two sessions never share one.
	#[cfg(test)]
	keys: ([u8; 32], [u8; 32]),
}

impl std::fmt::Debug for Session {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		// No key material in logs.
		f.debug_struct("Session")
			.field("local_index", &self.local_index)
			.field("remote_index", &self.remote_index)
			.field("channel", &self.channel)
			.field("started_ms", &self.started_ms)
			.field("sent", &self.sent)
			.finish_non_exhaustive()
	}
}

impl Session {
	fn new(
		#[cfg_attr(not(test), allow(unused_mut))] mut hs: HandshakeState,
		local_index: u32,
		remote_index: u32,
		channel: ChannelId,
		now_ms: u64,
		confirmed: bool,
	) -> Result<Session, SessionError> {
		let mut remote_static = [0u8; KEY_LEN];
		remote_static.copy_from_slice(hs.get_remote_static().ok_or(SessionError::Decrypt)?);
		#[cfg(test)]
		let keys = hs.dangerously_get_raw_split();
		let transport = hs.into_stateless_transport_mode().map_err(|_| SessionError::Decrypt)?;
		Ok(Session {
			transport,
			local_index,
			remote_index,
			channel,
			remote_static,
			started_ms: now_ms,
			sent: 0,
			sent_ms: now_ms,
			replay: ReplayWindow::new(),
			confirmed,
			#[cfg(test)]
			keys,
		})
	}

	/// The channel the session carries.
	pub fn channel(&self) -> ChannelId {
		self.channel
	}

	/// The other end's static key, as the handshake authenticated it.
	pub fn remote_static(&self) -> &[u8; KEY_LEN] {
		&self.remote_static
	}

	fn expired(&self, now_ms: u64) -> bool {
		now_ms.saturating_sub(self.started_ms) >= REJECT_AFTER_MS
	}

	fn wants_rekey(&self, now_ms: u64) -> bool {
		now_ms.saturating_sub(self.started_ms) >= REKEY_AFTER_MS
			|| self.sent >= REKEY_AFTER_MESSAGES
	}

	fn can_send(&self, now_ms: u64) -> bool {
		!self.expired(now_ms) && self.sent < REJECT_AFTER_MESSAGES
	}

	/// Encrypt `plaintext` into a transport message in `out`; returns its length.
	fn seal(
		&mut self,
		now_ms: u64,
		plaintext: &[u8],
		out: &mut [u8],
	) -> Result<usize, SessionError> {
		if !self.can_send(now_ms) {
			return Err(SessionError::Expired);
		}
		let len = TRANSPORT_OVERHEAD + plaintext.len();
		if out.len() < len {
			return Err(SessionError::BufferTooSmall);
		}
		let counter = self.sent;
		out[..4].copy_from_slice(&[TRANSPORT, 0, 0, 0]);
		out[4..8].copy_from_slice(&self.remote_index.to_be_bytes());
		out[8..16].copy_from_slice(&counter.to_be_bytes());
		self.transport
			.write_message(counter, plaintext, &mut out[TRANSPORT_HEAD..len])
			.map_err(|_| SessionError::BufferTooSmall)?;
		self.sent = counter + 1;
		self.sent_ms = now_ms;
		Ok(len)
	}

	/// Decrypt the transport message `msg` (already matched to this session by index) into
	/// `out`; returns the plaintext's length.
	fn open(&mut self, now_ms: u64, msg: &[u8], out: &mut [u8]) -> Result<usize, SessionError> {
		if self.expired(now_ms) {
			return Err(SessionError::Expired);
		}
		let counter = be_u64(&msg[8..16]);
		self.replay.check(counter)?;
		let body = &msg[TRANSPORT_HEAD..];
		if out.len() + TAG_LEN < body.len() {
			return Err(SessionError::BufferTooSmall);
		}
		let n =
			self.transport.read_message(counter, body, out).map_err(|_| SessionError::Decrypt)?;
		// Only an authenticated counter moves the window.
		self.replay.mark(counter);
		self.confirmed = true;
		Ok(n)
	}
}

/// Whether `msg` is a transport message (by its type byte).
pub fn is_transport(msg: &[u8]) -> bool {
	msg.first() == Some(&TRANSPORT)
}

/// Whether `msg` is a handshake initiation (by its type byte): only a responder takes one.
pub fn is_initiation(msg: &[u8]) -> bool {
	msg.first() == Some(&INIT)
}

/// The receiver index of a transport message, checking its framing.
fn transport_index(msg: &[u8]) -> Result<u32, SessionError> {
	if msg.len() < TRANSPORT_OVERHEAD || msg[..4] != [TRANSPORT, 0, 0, 0] {
		return Err(SessionError::Malformed);
	}
	Ok(be_u32(&msg[4..8]))
}

/// What the initiator made of a message from the responder.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Received {
	/// A handshake response: a new session is established and carries traffic from now on.
	Established,
	/// A transport message: this many bytes of plaintext are in the output buffer.
	Data(usize),
}

/// A handshake the initiator sent and waits for the answer to.
struct Pending {
	state: HandshakeState,
	index: u32,
	sent_ms: u64,
}

/// The ingress's side of one channel: it starts handshakes and keeps the sessions they
/// establish.
pub struct Initiator {
	channel: ChannelId,
	local_secret: [u8; KEY_LEN],
	remote_public: [u8; KEY_LEN],
	indexes: Indexes,
	pending: Option<Pending>,
	current: Option<Session>,
	previous: Option<Session>,
	last_timestamp: u64,
	/// Since when it has sent without hearing back.
	unanswered_since: Option<u64>,
}

impl std::fmt::Debug for Initiator {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("Initiator")
			.field("channel", &self.channel)
			.field("current", &self.current)
			.field("previous", &self.previous)
			.field("pending", &self.pending.as_ref().map(|p| p.index))
			.finish_non_exhaustive()
	}
}

impl Initiator {
	/// The initiator of `channel`, with the ingress's static secret and the egress's registered
	/// public key; `index_seed` seeds its session indexes (random in the shell).
	pub fn new(
		channel: ChannelId,
		local_secret: [u8; KEY_LEN],
		remote_public: [u8; KEY_LEN],
		index_seed: u32,
	) -> Initiator {
		Initiator {
			channel,
			local_secret,
			remote_public,
			indexes: Indexes(index_seed),
			pending: None,
			current: None,
			previous: None,
			last_timestamp: 0,
			unanswered_since: None,
		}
	}

	/// The channel.
	pub fn channel(&self) -> ChannelId {
		self.channel
	}

	/// Whether a session can carry traffic now.
	pub fn is_established(&self, now_ms: u64) -> bool {
		self.current.as_ref().is_some_and(|s| s.can_send(now_ms))
	}

	/// A handshake initiation to send now, written to `out`, if one is due: no session can
	/// send, or the current one is due for a rekey, and no handshake is waiting for its
	/// answer (or it waited [`REKEY_TIMEOUT_MS`]). `wall_us` stamps it; stamps only grow.
	pub fn poll_handshake(
		&mut self,
		now_ms: u64,
		wall_us: u64,
		out: &mut [u8],
	) -> Result<Option<usize>, SessionError> {
		let silent = self.unanswered_since.is_some_and(|t| now_ms.saturating_sub(t) >= SILENCE_MS);
		let due = match &self.current {
			Some(s) => !s.can_send(now_ms) || s.wants_rekey(now_ms) || silent,
			None => true,
		};
		let waiting = self
			.pending
			.as_ref()
			.is_some_and(|p| now_ms.saturating_sub(p.sent_ms) < REKEY_TIMEOUT_MS);
		if !due || waiting {
			return Ok(None);
		}
		if out.len() < INIT_LEN {
			return Err(SessionError::BufferTooSmall);
		}
		let prologue = prologue(self.channel);
		let mut state = Builder::new(builder_params())
			.local_private_key(&self.local_secret)
			.remote_public_key(&self.remote_public)
			.prologue(&prologue)
			.build_initiator()
			.map_err(|_| SessionError::Decrypt)?;
		// Strictly growing, even if the wall clock steps back.
		let timestamp = wall_us.max(self.last_timestamp.saturating_add(1));
		self.last_timestamp = timestamp;
		let index = self.indexes.next();
		out[..4].copy_from_slice(&[INIT, 0, 0, 0]);
		out[4..8].copy_from_slice(&index.to_be_bytes());
		out[8..16].copy_from_slice(&self.channel.to_be_bytes());
		let n = state
			.write_message(&timestamp.to_be_bytes(), &mut out[INIT_HEAD..INIT_LEN])
			.map_err(|_| SessionError::BufferTooSmall)?;
		debug_assert_eq!(INIT_HEAD + n, INIT_LEN);
		self.pending = Some(Pending { state, index, sent_ms: now_ms });
		Ok(Some(INIT_LEN))
	}

	/// Encrypt `plaintext` for the egress in the current session; [`SessionError::NoSession`]
	/// until a handshake completes (the caller polls [`Initiator::poll_handshake`]).
	pub fn encapsulate(
		&mut self,
		now_ms: u64,
		plaintext: &[u8],
		out: &mut [u8],
	) -> Result<usize, SessionError> {
		let n = match &mut self.current {
			Some(s) if s.can_send(now_ms) => s.seal(now_ms, plaintext, out)?,
			_ => return Err(SessionError::NoSession),
		};
		self.unanswered_since.get_or_insert(now_ms);
		Ok(n)
	}

	/// Take a message from the egress: a handshake response or a transport message.
	pub fn handle(
		&mut self,
		now_ms: u64,
		msg: &[u8],
		out: &mut [u8],
	) -> Result<Received, SessionError> {
		let r = self.receive(now_ms, msg, out);
		if r.is_ok() {
			// Heard from the responder: the session is alive.
			self.unanswered_since = None;
		}
		r
	}

	fn receive(
		&mut self,
		now_ms: u64,
		msg: &[u8],
		out: &mut [u8],
	) -> Result<Received, SessionError> {
		match msg.first() {
			Some(&RESPONSE) => self.handle_response(now_ms, msg),
			Some(&TRANSPORT) => {
				let index = transport_index(msg)?;
				let session = [&mut self.current, &mut self.previous]
					.into_iter()
					.flatten()
					.find(|s| s.local_index == index)
					.ok_or(SessionError::UnknownIndex)?;
				session.open(now_ms, msg, out).map(Received::Data)
			},
			_ => Err(SessionError::Malformed),
		}
	}

	fn handle_response(&mut self, now_ms: u64, msg: &[u8]) -> Result<Received, SessionError> {
		if msg.len() != RESPONSE_LEN || msg[..4] != [RESPONSE, 0, 0, 0] {
			return Err(SessionError::Malformed);
		}
		let remote_index = be_u32(&msg[4..8]);
		let index = be_u32(&msg[8..12]);
		let pending = match &mut self.pending {
			Some(p) if p.index == index => p,
			_ => return Err(SessionError::UnknownIndex),
		};
		let mut payload = [0u8; 0];
		pending
			.state
			.read_message(&msg[RESPONSE_HEAD..], &mut payload)
			.map_err(|_| SessionError::Decrypt)?;
		let pending = self.pending.take().expect("matched above");
		let session = Session::new(pending.state, index, remote_index, self.channel, now_ms, true)?;
		self.previous = self.current.replace(session);
		Ok(Received::Established)
	}
}

/// What the responder made of a message from an initiator.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Responded {
	/// A handshake initiation was accepted: a session on `channel` is established and the
	/// response to send back is the first `len` bytes of the output buffer.
	Handshake {
		/// The channel.
		channel: ChannelId,
		/// Bytes of the response.
		len: usize,
	},
	/// A transport message on `channel`: `len` bytes of plaintext are in the output buffer.
	Data {
		/// The channel.
		channel: ChannelId,
		/// Bytes of plaintext.
		len: usize,
	},
}

/// Whose sessions: a channel and the static key of the initiator that authenticated on it.
type Owner = (ChannelId, [u8; KEY_LEN]);

/// What the responder keeps per owner besides the sessions themselves.
#[derive(Debug, Default)]
struct ChannelSessions {
	/// Local indexes, oldest first.
	indexes: VecDeque<u32>,
	/// The latest initiation timestamp accepted.
	timestamp: u64,
}

/// One initiator (a static key) holds at most this share of the responder's channels: past it,
/// its own least recently used channel makes room for its new one, so a member initiating on
/// fresh channels without end churns its own, never other members' idle channels.
pub const INITIATOR_SHARE_DIVISOR: usize = 16;

/// The egress's side of every channel that ends at it.
pub struct Responder {
	local_secret: [u8; KEY_LEN],
	indexes: Indexes,
	/// Unbounded as types, so that they allocate as they grow rather than all of `capacity`
	/// up front; [`Self::insert`] keeps the cap.
	sessions: LruCache<u32, Session>,
	channels: LruCache<Owner, ChannelSessions>,
	capacity: usize,
	/// Each initiator's channels, least recently used first.
	by_initiator: HashMap<[u8; KEY_LEN], LruCache<ChannelId, ()>>,
	per_initiator: usize,
}

impl std::fmt::Debug for Responder {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("Responder")
			.field("sessions", &self.sessions.len())
			.field("channels", &self.channels.len())
			.finish_non_exhaustive()
	}
}

impl Responder {
	/// A responder with the egress's static secret, keeping at most `capacity` sessions.
	pub fn new(local_secret: [u8; KEY_LEN], capacity: NonZeroUsize, index_seed: u32) -> Responder {
		Responder {
			local_secret,
			indexes: Indexes(index_seed),
			sessions: LruCache::unbounded(),
			channels: LruCache::unbounded(),
			capacity: capacity.get(),
			by_initiator: HashMap::new(),
			per_initiator: (capacity.get() / INITIATOR_SHARE_DIVISOR).max(1),
		}
	}

	/// Sessions held.
	pub fn len(&self) -> usize {
		self.sessions.len()
	}

	/// Whether the ingress with static key `initiator` has a session on `channel`.
	pub fn has(&self, channel: ChannelId, initiator: &[u8; KEY_LEN]) -> bool {
		self.channels.peek(&(channel, *initiator)).is_some_and(|c| !c.indexes.is_empty())
	}

	/// Whether no session is held.
	pub fn is_empty(&self) -> bool {
		self.sessions.is_empty()
	}

	/// Take a message from an initiator. An initiation is answered (into `out`) only if
	/// `admit(channel, initiator key)` says the initiator may use the channel.
	pub fn handle(
		&mut self,
		now_ms: u64,
		msg: &[u8],
		admit: impl FnOnce(ChannelId, &[u8; KEY_LEN]) -> bool,
		out: &mut [u8],
	) -> Result<Responded, SessionError> {
		match msg.first() {
			Some(&INIT) => self.handle_init(now_ms, msg, admit, out),
			Some(&TRANSPORT) => {
				let index = transport_index(msg)?;
				let session = self.sessions.get_mut(&index).ok_or(SessionError::UnknownIndex)?;
				let len = session.open(now_ms, msg, out)?;
				let (channel, owner) = (session.channel, (session.channel, session.remote_static));
				// A channel in use is recently used: a flood of initiations on fresh channels
				// must evict idle channels, not this one (and its sessions with it).
				self.channels.promote(&owner);
				if let Some(m) = self.by_initiator.get_mut(&owner.1) {
					m.promote(&owner.0);
				}
				Ok(Responded::Data { channel, len })
			},
			_ => Err(SessionError::Malformed),
		}
	}

	fn handle_init(
		&mut self,
		now_ms: u64,
		msg: &[u8],
		admit: impl FnOnce(ChannelId, &[u8; KEY_LEN]) -> bool,
		out: &mut [u8],
	) -> Result<Responded, SessionError> {
		if msg.len() != INIT_LEN || msg[..4] != [INIT, 0, 0, 0] {
			return Err(SessionError::Malformed);
		}
		if out.len() < RESPONSE_LEN {
			return Err(SessionError::BufferTooSmall);
		}
		let remote_index = be_u32(&msg[4..8]);
		let channel = be_u64(&msg[8..16]);
		let prologue = prologue(channel);
		let mut state = Builder::new(builder_params())
			.local_private_key(&self.local_secret)
			.prologue(&prologue)
			.build_responder()
			.map_err(|_| SessionError::Decrypt)?;
		let mut timestamp = [0u8; TIMESTAMP_LEN];
		let n = state
			.read_message(&msg[INIT_HEAD..], &mut timestamp)
			.map_err(|_| SessionError::Decrypt)?;
		if n != TIMESTAMP_LEN {
			return Err(SessionError::Malformed);
		}
		let timestamp = u64::from_be_bytes(timestamp);
		let mut initiator = [0u8; KEY_LEN];
		initiator.copy_from_slice(state.get_remote_static().ok_or(SessionError::Decrypt)?);
		if !admit(channel, &initiator) {
			return Err(SessionError::NotAdmitted);
		}
		let owner = (channel, initiator);
		if self.channels.peek(&owner).is_some_and(|c| timestamp <= c.timestamp) {
			return Err(SessionError::StaleInitiation);
		}

		let index = self.indexes.next();
		out[..4].copy_from_slice(&[RESPONSE, 0, 0, 0]);
		out[4..8].copy_from_slice(&index.to_be_bytes());
		out[8..12].copy_from_slice(&remote_index.to_be_bytes());
		let n = state
			.write_message(&[], &mut out[RESPONSE_HEAD..RESPONSE_LEN])
			.map_err(|_| SessionError::BufferTooSmall)?;
		debug_assert_eq!(RESPONSE_HEAD + n, RESPONSE_LEN);
		let session = Session::new(state, index, remote_index, channel, now_ms, false)?;
		self.insert(owner, timestamp, session);
		Ok(Responded::Handshake { channel, len: RESPONSE_LEN })
	}

	/// Keep `session`, dropping the channel's oldest beyond [`SESSIONS_PER_CHANNEL`] and the
	/// least recently used sessions beyond the capacity.
	fn insert(&mut self, owner: Owner, timestamp: u64, session: Session) {
		let index = session.local_index;
		if self.sessions.len() >= self.capacity && !self.sessions.contains(&index) {
			if let Some((_, evicted)) = self.sessions.pop_lru() {
				self.forget((evicted.channel, evicted.remote_static), evicted.local_index);
			}
		}
		self.sessions.push(index, session);
		if self.channels.peek(&owner).is_none() {
			let (channel, initiator) = owner;
			let mine = self.by_initiator.entry(initiator).or_insert_with(LruCache::unbounded);
			let own_oldest = if mine.len() >= self.per_initiator {
				mine.pop_lru().map(|(c, ())| c)
			} else {
				None
			};
			mine.put(channel, ());
			if let Some(old) = own_oldest {
				if let Some(gone) = self.channels.pop(&(old, initiator)) {
					for i in gone.indexes {
						self.sessions.pop(&i);
					}
				}
			}
			if self.channels.len() >= self.capacity {
				if let Some((gone_owner, gone)) = self.channels.pop_lru() {
					for i in gone.indexes {
						self.sessions.pop(&i);
					}
					self.unlist(gone_owner);
				}
			}
			self.channels.push(owner, ChannelSessions::default());
		}
		let entry = self.channels.get_mut(&owner).expect("inserted above");
		entry.timestamp = timestamp;
		entry.indexes.push_back(index);
		while entry.indexes.len() > SESSIONS_PER_CHANNEL {
			if let Some(old) = entry.indexes.pop_front() {
				self.sessions.pop(&old);
			}
		}
	}

	/// Drop `owner`'s channel from its initiator's list (the channel table let it go).
	fn unlist(&mut self, (channel, initiator): Owner) {
		if let Some(m) = self.by_initiator.get_mut(&initiator) {
			m.pop(&channel);
			if m.is_empty() {
				self.by_initiator.remove(&initiator);
			}
		}
	}

	fn forget(&mut self, owner: Owner, index: u32) {
		if let Some(c) = self.channels.peek_mut(&owner) {
			c.indexes.retain(|&i| i != index);
		}
	}

	/// Whether the session of `channel` with `initiator` that just carried a message owes the
	/// ingress a keepalive: it has sent nothing back for [`KEEPALIVE_MS`].
	pub fn keepalive_due(
		&self,
		now_ms: u64,
		channel: ChannelId,
		initiator: &[u8; KEY_LEN],
	) -> bool {
		let Some(c) = self.channels.peek(&(channel, *initiator)) else { return false };
		c.indexes
			.iter()
			.rev()
			.find_map(|i| self.sessions.peek(i).filter(|s| s.confirmed && s.can_send(now_ms)))
			.is_some_and(|s| now_ms.saturating_sub(s.sent_ms) >= KEEPALIVE_MS)
	}

	/// Encrypt `plaintext` for the ingress with static key `initiator` on `channel`, in its
	/// newest session that can send and that the ingress has confirmed by sending in it.
	pub fn encapsulate(
		&mut self,
		now_ms: u64,
		channel: ChannelId,
		initiator: &[u8; KEY_LEN],
		plaintext: &[u8],
		out: &mut [u8],
	) -> Result<usize, SessionError> {
		let indexes = self.channels.get(&(channel, *initiator)).ok_or(SessionError::NoSession)?;
		for &index in indexes.indexes.iter().rev() {
			if let Some(s) = self.sessions.get_mut(&index) {
				if s.confirmed && s.can_send(now_ms) {
					return s.seal(now_ms, plaintext, out);
				}
			}
		}
		Err(SessionError::NoSession)
	}
}

#[cfg(test)]
mod tests;
