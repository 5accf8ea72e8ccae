//! Data-plane wire formats shared by every relay agent: the segment-routing header and the
//! pulse.
//!
//! This module is the one definition of both layouts. It only parses and serializes: it holds
//! no keys and does no cryptography. The relay agent keys the MACs over the exact bytes that
//! [`Header::hop_mac_input`] and [`Pulse::mac_input`] produce, and the chain can reuse the
//! same types when it reasons about paths.
//!
//! Every parser is bounds-checked and returns a [`WireError`] rather than panicking, whatever
//! the input; the relay agent fuzzes them.
//!
//! # Segment-routing header
//!
//! All integers are big-endian.
//!
//! ```text
//!  0        1        2         3        4        5        6        8              16             24
//! +--------+--------+---------+--------+--------+--------+--------+--------------+--------------+
//! |version |  kind  |hop count|  next  |  TTL   | flags  |reserved|   flow id    |   counter    |
//! +--------+--------+---------+--------+--------+--------+--------+--------------+--------------+
//! | hop count × segment id (u32)                                                                |
//! | hop count × hop MAC (16 bytes)                                                              |
//! | payload ...                                                                                 |
//! ```
//!
//! `hops[0]` is the ingress that built the header, `hops[hop count - 1]` the egress. The flow
//! id is the escrow channel id, and the hop list is exactly the channel's path
//! ([`Header::for_channel`], [`Header::is_channel`]). `next` is the index of the hop the
//! datagram is addressed to; each relay increments it and decrements the TTL before
//! forwarding. The counter is the ingress's per-packet counter on the flow: it never repeats
//! (it starts at the wall clock in nanoseconds and only grows), and every hop keeps a replay
//! window over it. Hop `i ≥ 1` checks `macs[i]`, keyed with a secret only it and the ingress
//! share, over the path, the flow, the counter and `macs[i - 1]`: the MACs are chained, so no
//! hop can be added, removed or reordered without breaking the MAC of every hop after the
//! change, and bound to the counter, so a header seen once cannot carry another packet.
//! `macs[0]` is zero; the ingress authenticates itself end to end through its session.
//!
//! # Pulse
//!
//! ```text
//!  0        1        2        3        4              8              12             20
//! +--------+--------+--------+--------+--------------+--------------+--------------+
//! |version |  kind  |entries | flags  |    sender    |   sequence   |  send time   |
//! +--------+--------+--------+--------+--------------+--------------+--------------+
//! |  boot id (u32)  | entries × 12 bytes                           | MAC (16)      |
//! ```
//!
//! A pulse entry is one link measurement the sender holds: `(peer, latency µs (i32),
//! jitter µs (u16, saturating), loss in parts per ten thousand (u16))`. An entry whose peer is
//! the receiver `X` is the echo: the sender's measurement of the link `X → sender`, so that `X`
//! learns its outbound links. Any other entry with peer `P` is the link `sender → P`.

use crate::{registry::SegmentId, MAX_HOPS};

/// The only wire version this module speaks.
pub const VERSION: u8 = 1;
/// Bytes in a per-hop MAC and in a pulse MAC.
pub const MAC_LEN: usize = 16;
/// Bytes before the hop list.
pub const FIXED_HEADER_LEN: usize = 24;
/// Most hops as a `usize`.
pub const MAX_PATH: usize = MAX_HOPS as usize;
/// Fewest hops of a path: an ingress and an egress.
pub const MIN_PATH: usize = 2;
/// Longest header: eight hops.
pub const MAX_HEADER_LEN: usize = FIXED_HEADER_LEN + MAX_PATH * (4 + MAC_LEN);
/// Longest input [`Header::hop_mac_input`] produces.
pub const MAX_HOP_MAC_INPUT: usize = 1 + 1 + 1 + 8 + 8 + MAX_PATH * 4 + 1 + MAC_LEN;

/// Bytes before the pulse entries.
pub const PULSE_FIXED_LEN: usize = 24;
/// Bytes per pulse entry.
pub const PULSE_ENTRY_LEN: usize = 12;
/// Most entries in a pulse. Four keeps a pulse at 88 bytes (116 on an IPv4 wire), so a node
/// in a group of 100 sends under 100 kbit/s of pulses at one per second per peer.
pub const MAX_PULSE_ENTRIES: usize = 4;
/// Longest pulse.
pub const MAX_PULSE_LEN: usize = PULSE_FIXED_LEN + MAX_PULSE_ENTRIES * PULSE_ENTRY_LEN + MAC_LEN;
/// Loss is carried in parts per ten thousand.
pub const LOSS_SCALE: u16 = 10_000;

/// Identifies one flow (a consumer channel, or one port-forward client) between an ingress and
/// an egress.
pub type FlowId = u64;
/// A per-hop or pulse MAC.
pub type Mac = [u8; MAC_LEN];

/// What a datagram carries; the second byte of every datagram.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Kind {
	/// A source-routed data packet: [`Header`] followed by an end-to-end encrypted payload.
	Data = 1,
	/// A [`Pulse`].
	Pulse = 2,
	/// A consumer's signed receipt travelling along its channel's path: a [`Header`] of this
	/// kind (authenticated hop by hop like data) followed by a SCALE-encoded
	/// [`SignedReceipt`](crate::settlement::SignedReceipt).
	Receipt = 3,
	/// A hop's signed ack to its upstream neighbour: an [`AckDatagram`].
	Ack = 4,
	/// A router's signed ticket handed to its group's reporter: a [`TicketDatagram`].
	Ticket = 5,
}

impl Kind {
	/// The kind a byte denotes, if any.
	pub fn from_u8(b: u8) -> Option<Kind> {
		match b {
			1 => Some(Kind::Data),
			2 => Some(Kind::Pulse),
			3 => Some(Kind::Receipt),
			4 => Some(Kind::Ack),
			5 => Some(Kind::Ticket),
			_ => None,
		}
	}
}

/// Why bytes are not a well-formed header or pulse.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WireError {
	/// Fewer bytes than the layout needs.
	Truncated {
		/// Bytes the layout needs.
		needed: usize,
		/// Bytes there were.
		got: usize,
	},
	/// A version this module does not speak.
	BadVersion(u8),
	/// An unknown kind byte, or the wrong kind for the parser.
	BadKind(u8),
	/// Reserved bits or bytes are not zero.
	Reserved,
	/// Fewer than two hops.
	TooFewHops(u8),
	/// More than [`MAX_HOPS`] hops, or more than [`MAX_PULSE_ENTRIES`] entries.
	TooManyHops(u8),
	/// A segment id appears twice in the hop list.
	HopLoop(SegmentId),
	/// The next-hop index does not point at a hop after the ingress.
	BadIndex {
		/// The index.
		next: u8,
		/// Hops in the path.
		hops: u8,
	},
	/// The TTL is zero.
	TtlExpired,
	/// A loss figure above [`LOSS_SCALE`].
	BadLoss(u16),
	/// Bytes after a pulse.
	TrailingBytes(usize),
	/// The output buffer is too small.
	BufferTooSmall,
	/// A SCALE body that does not decode.
	Malformed,
}

impl core::fmt::Display for WireError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			WireError::Truncated { needed, got } => write!(f, "truncated: {got} of {needed} bytes"),
			WireError::BadVersion(v) => write!(f, "unsupported version {v}"),
			WireError::BadKind(k) => write!(f, "unexpected kind {k}"),
			WireError::Reserved => write!(f, "reserved bits set"),
			WireError::TooFewHops(n) => write!(f, "{n} hops, need at least {MIN_PATH}"),
			WireError::TooManyHops(n) => write!(f, "{n} hops or entries, over the limit"),
			WireError::HopLoop(id) => write!(f, "segment {id} appears twice"),
			WireError::BadIndex { next, hops } => write!(f, "next hop {next} of {hops}"),
			WireError::TtlExpired => write!(f, "TTL expired"),
			WireError::BadLoss(l) => write!(f, "loss {l} over {LOSS_SCALE}"),
			WireError::TrailingBytes(n) => write!(f, "{n} trailing bytes"),
			WireError::BufferTooSmall => write!(f, "output buffer too small"),
			WireError::Malformed => write!(f, "malformed body"),
		}
	}
}

/// The kind of a datagram, from its first two bytes, without parsing the rest.
pub fn peek_kind(buf: &[u8]) -> Result<Kind, WireError> {
	if buf.len() < 2 {
		return Err(WireError::Truncated { needed: 2, got: buf.len() });
	}
	if buf[0] != VERSION {
		return Err(WireError::BadVersion(buf[0]));
	}
	Kind::from_u8(buf[1]).ok_or(WireError::BadKind(buf[1]))
}

fn need(buf: &[u8], needed: usize) -> Result<(), WireError> {
	if buf.len() < needed {
		Err(WireError::Truncated { needed, got: buf.len() })
	} else {
		Ok(())
	}
}

fn be_u32(b: &[u8]) -> u32 {
	u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn be_u64(b: &[u8]) -> u64 {
	let mut a = [0u8; 8];
	a.copy_from_slice(&b[..8]);
	u64::from_be_bytes(a)
}

/// A parsed segment-routing header. Fixed-size, so parsing never allocates.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Header {
	kind: Kind,
	len: u8,
	/// Index of the hop the datagram is addressed to.
	pub next: u8,
	/// Hops the datagram may still take; checked non-zero on parse.
	pub ttl: u8,
	/// The flow the datagram belongs to: its escrow channel.
	pub flow: FlowId,
	/// The ingress's counter of this packet on the flow.
	pub counter: u64,
	hops: [SegmentId; MAX_PATH],
	macs: [Mac; MAX_PATH],
}

impl Header {
	/// A header for `path` (ingress first, egress last) addressed to hop 1, with zero MACs.
	pub fn new(path: &[SegmentId], flow: FlowId, ttl: u8) -> Result<Header, WireError> {
		check_path(path)?;
		if ttl == 0 {
			return Err(WireError::TtlExpired);
		}
		let mut hops = [0; MAX_PATH];
		hops[..path.len()].copy_from_slice(path);
		Ok(Header {
			kind: Kind::Data,
			len: path.len() as u8,
			next: 1,
			ttl,
			flow,
			counter: 0,
			hops,
			macs: [[0; MAC_LEN]; MAX_PATH],
		})
	}

	/// The header of a datagram on escrow channel `channel`, whose path (ingress first) is the
	/// hop list: the one mapping between channels and headers.
	pub fn for_channel(
		channel: crate::settlement::ChannelId,
		path: &[SegmentId],
		ttl: u8,
	) -> Result<Header, WireError> {
		Header::new(path, channel, ttl)
	}

	/// Whether the header belongs to channel `channel` over `path`: the flow id is the
	/// channel id and the hop list is exactly the path.
	pub fn is_channel(&self, channel: crate::settlement::ChannelId, path: &[SegmentId]) -> bool {
		self.flow == channel && self.hops() == path
	}

	/// What the datagram carries: [`Kind::Data`] or [`Kind::Receipt`]. Covered by every hop
	/// MAC, so a receipt cannot be turned into data or back.
	pub fn kind(&self) -> Kind {
		self.kind
	}

	/// The same header carrying `kind` ([`Kind::Data`] or [`Kind::Receipt`]).
	pub fn with_kind(mut self, kind: Kind) -> Result<Header, WireError> {
		match kind {
			Kind::Data | Kind::Receipt => {
				self.kind = kind;
				Ok(self)
			},
			other => Err(WireError::BadKind(other as u8)),
		}
	}

	/// The path, ingress first.
	pub fn hops(&self) -> &[SegmentId] {
		&self.hops[..self.len as usize]
	}

	/// The per-hop MACs, one per hop.
	pub fn macs(&self) -> &[Mac] {
		&self.macs[..self.len as usize]
	}

	/// Set the MAC of hop `i`; ignored past the end of the path.
	pub fn set_mac(&mut self, i: usize, mac: Mac) {
		if i < self.len as usize {
			self.macs[i] = mac;
		}
	}

	/// The ingress.
	pub fn ingress(&self) -> SegmentId {
		self.hops[0]
	}

	/// The egress.
	pub fn egress(&self) -> SegmentId {
		self.hops[self.len as usize - 1]
	}

	/// The hop the datagram is addressed to.
	pub fn current(&self) -> SegmentId {
		self.hops[self.next as usize]
	}

	/// Whether the hop the datagram is addressed to is the egress.
	pub fn at_egress(&self) -> bool {
		self.next as usize + 1 == self.len as usize
	}

	/// Bytes the header takes on the wire.
	pub fn encoded_len(&self) -> usize {
		encoded_len(self.len as usize)
	}

	/// Parse a header from the start of `buf`; returns it and its length, after which the
	/// payload starts.
	pub fn parse(buf: &[u8]) -> Result<(Header, usize), WireError> {
		need(buf, FIXED_HEADER_LEN)?;
		if buf[0] != VERSION {
			return Err(WireError::BadVersion(buf[0]));
		}
		let kind = match Kind::from_u8(buf[1]) {
			Some(k @ (Kind::Data | Kind::Receipt)) => k,
			_ => return Err(WireError::BadKind(buf[1])),
		};
		let n = buf[2];
		if (n as usize) < MIN_PATH {
			return Err(WireError::TooFewHops(n));
		}
		if n as usize > MAX_PATH {
			return Err(WireError::TooManyHops(n));
		}
		let next = buf[3];
		if next == 0 || next >= n {
			return Err(WireError::BadIndex { next, hops: n });
		}
		let ttl = buf[4];
		if buf[5] != 0 || buf[6] != 0 || buf[7] != 0 {
			return Err(WireError::Reserved);
		}
		let flow = be_u64(&buf[8..16]);
		let counter = be_u64(&buf[16..24]);
		let len = encoded_len(n as usize);
		need(buf, len)?;
		let mut hops = [0; MAX_PATH];
		for (i, h) in hops.iter_mut().take(n as usize).enumerate() {
			let at = FIXED_HEADER_LEN + 4 * i;
			*h = be_u32(&buf[at..at + 4]);
		}
		check_path(&hops[..n as usize])?;
		// TTL last: a looped or malformed header is reported as such even when its TTL ran out.
		if ttl == 0 {
			return Err(WireError::TtlExpired);
		}
		let mut macs = [[0; MAC_LEN]; MAX_PATH];
		let macs_at = FIXED_HEADER_LEN + 4 * n as usize;
		for (i, m) in macs.iter_mut().take(n as usize).enumerate() {
			let at = macs_at + MAC_LEN * i;
			m.copy_from_slice(&buf[at..at + MAC_LEN]);
		}
		Ok((Header { kind, len: n, next, ttl, flow, counter, hops, macs }, len))
	}

	/// Write the header to the start of `out`; returns its length.
	pub fn write(&self, out: &mut [u8]) -> Result<usize, WireError> {
		let len = self.encoded_len();
		if out.len() < len {
			return Err(WireError::BufferTooSmall);
		}
		out[0] = VERSION;
		out[1] = self.kind as u8;
		out[2] = self.len;
		out[3] = self.next;
		out[4] = self.ttl;
		out[5..8].fill(0);
		out[8..16].copy_from_slice(&self.flow.to_be_bytes());
		out[16..24].copy_from_slice(&self.counter.to_be_bytes());
		for (i, h) in self.hops().iter().enumerate() {
			let at = FIXED_HEADER_LEN + 4 * i;
			out[at..at + 4].copy_from_slice(&h.to_be_bytes());
		}
		let macs_at = FIXED_HEADER_LEN + 4 * self.len as usize;
		for (i, m) in self.macs().iter().enumerate() {
			let at = macs_at + MAC_LEN * i;
			out[at..at + MAC_LEN].copy_from_slice(m);
		}
		Ok(len)
	}

	/// Rewrite the fields a relay changes (next-hop index and TTL) in an encoded header, so
	/// forwarding never re-serializes the rest.
	pub fn write_mutable(&self, out: &mut [u8]) -> Result<(), WireError> {
		if out.len() < FIXED_HEADER_LEN {
			return Err(WireError::BufferTooSmall);
		}
		out[3] = self.next;
		out[4] = self.ttl;
		Ok(())
	}

	/// The bytes hop `i`'s MAC covers: version, kind, hop count, flow id, counter, the whole
	/// hop list, the hop index, and the previous hop's MAC (the chain). Next index and TTL are
	/// left out because relays change them (a hop checks that `next` is its own index, and
	/// that the datagram came from the hop before it). Returns the buffer and the used length.
	pub fn hop_mac_input(&self, i: usize) -> ([u8; MAX_HOP_MAC_INPUT], usize) {
		let mut b = [0u8; MAX_HOP_MAC_INPUT];
		b[0] = VERSION;
		b[1] = self.kind as u8;
		b[2] = self.len;
		b[3..11].copy_from_slice(&self.flow.to_be_bytes());
		b[11..19].copy_from_slice(&self.counter.to_be_bytes());
		let mut at = 19;
		for h in self.hops() {
			b[at..at + 4].copy_from_slice(&h.to_be_bytes());
			at += 4;
		}
		b[at] = i as u8;
		at += 1;
		if i > 0 && i < self.len as usize {
			b[at..at + MAC_LEN].copy_from_slice(&self.macs[i - 1]);
		}
		at += MAC_LEN;
		(b, at)
	}
}

/// Bytes of an [`AckDatagram`].
pub const ACK_DATAGRAM_LEN: usize = 8 + ACK_LEN;
/// Bytes of a SCALE-encoded [`SignedAck`](crate::settlement::SignedAck).
const ACK_LEN: usize = 32 + 8 + 1 + 8 + 64;

/// A hop's signed ack of what it received on a channel, sent straight to its upstream
/// neighbour (not source-routed): version, [`Kind::Ack`], two zero bytes, the sender's
/// segment id (big-endian), then the SCALE-encoded
/// [`SignedAck`](crate::settlement::SignedAck). The ack's own signature authenticates it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AckDatagram {
	/// The acknowledging router.
	pub sender: SegmentId,
	/// Its ack.
	pub ack: crate::settlement::SignedAck,
}

impl AckDatagram {
	/// Parse exactly one ack datagram.
	pub fn parse(buf: &[u8]) -> Result<AckDatagram, WireError> {
		use codec::Decode;
		check_direct_head(buf, Kind::Ack, ACK_DATAGRAM_LEN, ACK_DATAGRAM_LEN)?;
		let sender = be_u32(&buf[4..8]);
		let ack = crate::settlement::SignedAck::decode(&mut &buf[8..])
			.map_err(|_| WireError::Truncated { needed: ACK_DATAGRAM_LEN, got: buf.len() })?;
		Ok(AckDatagram { sender, ack })
	}

	/// Write the datagram to the start of `out`; returns its length.
	pub fn write(&self, out: &mut [u8]) -> Result<usize, WireError> {
		use codec::Encode;
		if out.len() < ACK_DATAGRAM_LEN {
			return Err(WireError::BufferTooSmall);
		}
		write_direct_head(out, Kind::Ack);
		out[4..8].copy_from_slice(&self.sender.to_be_bytes());
		let body = self.ack.encode();
		debug_assert_eq!(body.len(), ACK_LEN);
		out[8..ACK_DATAGRAM_LEN].copy_from_slice(&body);
		Ok(ACK_DATAGRAM_LEN)
	}
}

/// The most bytes a [`TicketDatagram`] may take: what every receiver takes whole. A ticket
/// too large for it is submitted by its router itself.
pub const MAX_TICKET_DATAGRAM: usize = 2048;
/// Bytes before the ticket in a [`TicketDatagram`].
const TICKET_DATAGRAM_HEAD: usize = 4;

/// A router's signed ticket, sent straight to its group's reporter to go on the chain in the
/// group's batch: version, [`Kind::Ticket`], two zero bytes, then the SCALE-encoded
/// [`SignedTicket`](crate::settlement::SignedTicket), at most [`MAX_TICKET_DATAGRAM`] bytes in
/// all. The ticket's own signature authenticates it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TicketDatagram {
	/// The ticket.
	pub ticket: crate::settlement::SignedTicket,
}

impl TicketDatagram {
	/// Parse exactly one ticket datagram.
	pub fn parse(buf: &[u8]) -> Result<TicketDatagram, WireError> {
		use codec::DecodeLimit;
		check_direct_head(buf, Kind::Ticket, TICKET_DATAGRAM_HEAD, MAX_TICKET_DATAGRAM)?;
		let mut body = &buf[TICKET_DATAGRAM_HEAD..];
		// Bounded types all through: the body's length bounds the work.
		let ticket = crate::settlement::SignedTicket::decode_with_depth_limit(8, &mut body)
			.map_err(|_| WireError::Malformed)?;
		if !body.is_empty() {
			return Err(WireError::TrailingBytes(body.len()));
		}
		Ok(TicketDatagram { ticket })
	}

	/// Write the datagram to the start of `out`; returns its length. A ticket too large for
	/// one datagram, or an `out` too small, is [`WireError::BufferTooSmall`].
	pub fn write(&self, out: &mut [u8]) -> Result<usize, WireError> {
		use codec::Encode;
		let len = TICKET_DATAGRAM_HEAD + self.ticket.encoded_size();
		if len > MAX_TICKET_DATAGRAM || out.len() < len {
			return Err(WireError::BufferTooSmall);
		}
		write_direct_head(out, Kind::Ticket);
		self.ticket.using_encoded(|b| out[TICKET_DATAGRAM_HEAD..len].copy_from_slice(b));
		Ok(len)
	}
}

/// Check the head every datagram sent straight to a neighbour (not source-routed) starts
/// with — version, `kind`, two zero bytes — and that the datagram takes `min..=max` bytes.
fn check_direct_head(buf: &[u8], kind: Kind, min: usize, max: usize) -> Result<(), WireError> {
	need(buf, min)?;
	if buf[0] != VERSION {
		return Err(WireError::BadVersion(buf[0]));
	}
	if buf[1] != kind as u8 {
		return Err(WireError::BadKind(buf[1]));
	}
	if buf[2] != 0 || buf[3] != 0 {
		return Err(WireError::Reserved);
	}
	if buf.len() > max {
		return Err(WireError::TrailingBytes(buf.len() - max));
	}
	Ok(())
}

/// Write the head [`check_direct_head`] checks to the start of `out` (at least four bytes).
fn write_direct_head(out: &mut [u8], kind: Kind) {
	out[0] = VERSION;
	out[1] = kind as u8;
	out[2..4].fill(0);
}

/// Bytes a header with `hops` hops takes.
pub const fn encoded_len(hops: usize) -> usize {
	FIXED_HEADER_LEN + hops * (4 + MAC_LEN)
}

/// Check a path's length and that no segment repeats.
pub fn check_path(path: &[SegmentId]) -> Result<(), WireError> {
	if path.len() < MIN_PATH {
		return Err(WireError::TooFewHops(path.len() as u8));
	}
	if path.len() > MAX_PATH {
		return Err(WireError::TooManyHops(path.len().min(255) as u8));
	}
	for (i, a) in path.iter().enumerate() {
		if path[..i].contains(a) {
			return Err(WireError::HopLoop(*a));
		}
	}
	Ok(())
}

/// One link measurement carried in a pulse.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct PulseEntry {
	/// The other end of the link; which direction depends on the entry's place (see the module
	/// docs).
	pub peer: SegmentId,
	/// Relative one-way latency in µs (receive time − send time on unsynchronised clocks).
	pub latency_us: i32,
	/// Jitter in µs, saturating.
	pub jitter_us: u16,
	/// Loss in parts per [`LOSS_SCALE`].
	pub loss: u16,
}

/// A pulse: what every group member sends every other member each interval.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Pulse {
	/// Who sent it.
	pub sender: SegmentId,
	/// Sequence number, one per pulse to this receiver; gaps are loss.
	pub seq: u32,
	/// Send time in µs on the sender's clock (any epoch; only differences matter).
	pub send_time_us: u64,
	/// A random number the sender picks at start, so a restart (sequence from zero) is not
	/// mistaken for replay or loss.
	pub boot_id: u32,
	count: u8,
	entries: [PulseEntry; MAX_PULSE_ENTRIES],
	/// The MAC over [`Pulse::mac_input`].
	pub mac: Mac,
}

impl Pulse {
	/// A pulse with no entries and a zero MAC.
	pub fn new(sender: SegmentId, seq: u32, send_time_us: u64, boot_id: u32) -> Pulse {
		Pulse {
			sender,
			seq,
			send_time_us,
			boot_id,
			count: 0,
			entries: [PulseEntry::default(); MAX_PULSE_ENTRIES],
			mac: [0; MAC_LEN],
		}
	}

	/// The summary entries.
	pub fn entries(&self) -> &[PulseEntry] {
		&self.entries[..self.count as usize]
	}

	/// Append an entry; false when full or its loss is out of range.
	pub fn push(&mut self, e: PulseEntry) -> bool {
		if self.count as usize >= MAX_PULSE_ENTRIES || e.loss > LOSS_SCALE {
			return false;
		}
		self.entries[self.count as usize] = e;
		self.count += 1;
		true
	}

	/// Bytes the pulse takes on the wire.
	pub fn encoded_len(&self) -> usize {
		PULSE_FIXED_LEN + self.count as usize * PULSE_ENTRY_LEN + MAC_LEN
	}

	fn write_body(&self, out: &mut [u8]) -> usize {
		out[0] = VERSION;
		out[1] = Kind::Pulse as u8;
		out[2] = self.count;
		out[3] = 0;
		out[4..8].copy_from_slice(&self.sender.to_be_bytes());
		out[8..12].copy_from_slice(&self.seq.to_be_bytes());
		out[12..20].copy_from_slice(&self.send_time_us.to_be_bytes());
		out[20..24].copy_from_slice(&self.boot_id.to_be_bytes());
		let mut at = PULSE_FIXED_LEN;
		for e in self.entries() {
			out[at..at + 4].copy_from_slice(&e.peer.to_be_bytes());
			out[at + 4..at + 8].copy_from_slice(&e.latency_us.to_be_bytes());
			out[at + 8..at + 10].copy_from_slice(&e.jitter_us.to_be_bytes());
			out[at + 10..at + 12].copy_from_slice(&e.loss.to_be_bytes());
			at += PULSE_ENTRY_LEN;
		}
		at
	}

	/// The bytes the pulse MAC covers: everything before the MAC, then the receiver's id, so
	/// a pulse addressed to one peer cannot be replayed to another.
	pub fn mac_input(&self, receiver: SegmentId) -> ([u8; MAX_PULSE_LEN], usize) {
		let mut b = [0u8; MAX_PULSE_LEN];
		let at = self.write_body(&mut b);
		b[at..at + 4].copy_from_slice(&receiver.to_be_bytes());
		(b, at + 4)
	}

	/// Write the pulse; returns its length.
	pub fn write(&self, out: &mut [u8]) -> Result<usize, WireError> {
		let len = self.encoded_len();
		if out.len() < len {
			return Err(WireError::BufferTooSmall);
		}
		let at = self.write_body(out);
		out[at..at + MAC_LEN].copy_from_slice(&self.mac);
		Ok(len)
	}

	/// Parse a whole datagram as a pulse.
	pub fn parse(buf: &[u8]) -> Result<Pulse, WireError> {
		need(buf, PULSE_FIXED_LEN)?;
		if buf[0] != VERSION {
			return Err(WireError::BadVersion(buf[0]));
		}
		if buf[1] != Kind::Pulse as u8 {
			return Err(WireError::BadKind(buf[1]));
		}
		let count = buf[2];
		if count as usize > MAX_PULSE_ENTRIES {
			return Err(WireError::TooManyHops(count));
		}
		if buf[3] != 0 {
			return Err(WireError::Reserved);
		}
		let len = PULSE_FIXED_LEN + count as usize * PULSE_ENTRY_LEN + MAC_LEN;
		need(buf, len)?;
		if buf.len() > len {
			return Err(WireError::TrailingBytes(buf.len() - len));
		}
		let mut p = Pulse::new(be_u32(&buf[4..8]), be_u32(&buf[8..12]), be_u64(&buf[12..20]), {
			be_u32(&buf[20..24])
		});
		let mut at = PULSE_FIXED_LEN;
		for _ in 0..count {
			let e = PulseEntry {
				peer: be_u32(&buf[at..at + 4]),
				latency_us: be_u32(&buf[at + 4..at + 8]) as i32,
				jitter_us: u16::from_be_bytes([buf[at + 8], buf[at + 9]]),
				loss: u16::from_be_bytes([buf[at + 10], buf[at + 11]]),
			};
			if e.loss > LOSS_SCALE {
				return Err(WireError::BadLoss(e.loss));
			}
			p.push(e);
			at += PULSE_ENTRY_LEN;
		}
		p.mac.copy_from_slice(&buf[at..at + MAC_LEN]);
		Ok(p)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn header(path: &[SegmentId]) -> ([u8; MAX_HEADER_LEN], usize) {
		let mut h = Header::new(path, 0xfeed, 16).unwrap();
		for i in 0..path.len() {
			h.set_mac(i, [i as u8 + 1; MAC_LEN]);
		}
		let mut buf = [0u8; MAX_HEADER_LEN];
		let n = h.write(&mut buf).unwrap();
		(buf, n)
	}

	#[test]
	fn header_round_trips() {
		let (buf, n) = header(&[1, 2, 3]);
		assert_eq!(n, encoded_len(3));
		let (h, len) = Header::parse(&buf[..n]).unwrap();
		assert_eq!(len, n);
		assert_eq!(h.hops(), &[1, 2, 3]);
		assert_eq!(h.macs()[2], [3; MAC_LEN]);
		assert_eq!((h.next, h.ttl, h.flow), (1, 16, 0xfeed));
		assert_eq!((h.ingress(), h.current(), h.egress()), (1, 2, 3));
		assert!(!h.at_egress());
	}

	#[test]
	fn every_truncation_is_an_error() {
		let (buf, n) = header(&[1, 2, 3, 4]);
		for cut in 0..n {
			assert!(
				matches!(Header::parse(&buf[..cut]), Err(WireError::Truncated { .. })),
				"cut at {cut}"
			);
		}
	}

	#[test]
	fn bad_version_and_kind() {
		let (mut buf, n) = header(&[1, 2]);
		buf[0] = 2;
		assert_eq!(Header::parse(&buf[..n]), Err(WireError::BadVersion(2)));
		buf[0] = VERSION;
		buf[1] = Kind::Pulse as u8;
		assert_eq!(Header::parse(&buf[..n]), Err(WireError::BadKind(2)));
		buf[1] = 9;
		assert_eq!(peek_kind(&buf[..n]), Err(WireError::BadKind(9)));
	}

	#[test]
	fn too_many_and_too_few_hops() {
		let (mut buf, n) = header(&[1, 2]);
		buf[2] = MAX_HOPS as u8 + 1;
		assert_eq!(Header::parse(&buf[..n]), Err(WireError::TooManyHops(9)));
		buf[2] = 1;
		assert_eq!(Header::parse(&buf[..n]), Err(WireError::TooFewHops(1)));
		assert_eq!(Header::new(&[1, 2, 3, 4, 5, 6, 7, 8, 9], 0, 1), Err(WireError::TooManyHops(9)));
		assert!(Header::new(&[1, 2, 3, 4, 5, 6, 7, 8], 0, 1).is_ok());
	}

	#[test]
	fn hop_loop() {
		let (mut buf, n) = header(&[1, 2, 3]);
		// Make hop 2 repeat hop 0.
		buf[FIXED_HEADER_LEN + 8..FIXED_HEADER_LEN + 12].copy_from_slice(&1u32.to_be_bytes());
		assert_eq!(Header::parse(&buf[..n]), Err(WireError::HopLoop(1)));
		assert_eq!(Header::new(&[5, 6, 5], 0, 1), Err(WireError::HopLoop(5)));
	}

	#[test]
	fn bad_index() {
		let (mut buf, n) = header(&[1, 2, 3]);
		buf[3] = 3;
		assert_eq!(Header::parse(&buf[..n]), Err(WireError::BadIndex { next: 3, hops: 3 }));
		buf[3] = 0;
		assert_eq!(Header::parse(&buf[..n]), Err(WireError::BadIndex { next: 0, hops: 3 }));
	}

	#[test]
	fn ttl_expired() {
		let (mut buf, n) = header(&[1, 2]);
		buf[4] = 0;
		assert_eq!(Header::parse(&buf[..n]), Err(WireError::TtlExpired));
		assert_eq!(Header::new(&[1, 2], 0, 0), Err(WireError::TtlExpired));
	}

	#[test]
	fn reserved_bits() {
		let (mut buf, n) = header(&[1, 2]);
		buf[6] = 1;
		assert_eq!(Header::parse(&buf[..n]), Err(WireError::Reserved));
	}

	#[test]
	fn mac_input_chains_previous_mac_and_whole_path() {
		let (buf, n) = header(&[1, 2, 3]);
		let (h, _) = Header::parse(&buf[..n]).unwrap();
		let (a, la) = h.hop_mac_input(2);
		let mut h2 = h.clone();
		h2.set_mac(1, [0xaa; MAC_LEN]);
		let (b, lb) = h2.hop_mac_input(2);
		assert_eq!(la, lb);
		assert_ne!(a[..la], b[..lb], "hop 2's input covers hop 1's MAC");
		let h3 = Header::new(&[1, 3, 2], 0xfeed, 16).unwrap();
		assert_ne!(h.hop_mac_input(1).0, h3.hop_mac_input(1).0, "and the hop order");
		let mut h4 = h.clone();
		h4.counter += 1;
		assert_ne!(h.hop_mac_input(1).0, h4.hop_mac_input(1).0, "and the packet's counter");
	}

	#[test]
	fn receipts_travel_in_headers_of_their_own_kind() {
		let h = Header::new(&[1, 2, 3], 7, 8).unwrap().with_kind(Kind::Receipt).unwrap();
		let mut buf = [0u8; MAX_HEADER_LEN];
		let n = h.write(&mut buf).unwrap();
		assert_eq!(buf[1], Kind::Receipt as u8);
		let (back, _) = Header::parse(&buf[..n]).unwrap();
		assert_eq!(back.kind(), Kind::Receipt);
		// The kind is covered by the hop MACs.
		let data = Header::new(&[1, 2, 3], 7, 8).unwrap();
		assert_ne!(data.hop_mac_input(1).0, back.hop_mac_input(1).0);
		assert!(Header::new(&[1, 2], 7, 8).unwrap().with_kind(Kind::Pulse).is_err());
		buf[1] = Kind::Ack as u8;
		assert_eq!(Header::parse(&buf[..n]), Err(WireError::BadKind(4)));
	}

	#[test]
	fn ack_datagrams_round_trip_and_refuse_garbage() {
		let d = AckDatagram {
			sender: 9,
			ack: crate::settlement::SignedAck {
				ack: crate::settlement::Ack {
					genesis: sp_core::H256::repeat_byte(1),
					channel: 7,
					hop: 2,
					cumulative_bytes: 1 << 20,
				},
				signature: [3; 64],
			},
		};
		let mut buf = [0u8; 256];
		let n = d.write(&mut buf).unwrap();
		assert_eq!(n, ACK_DATAGRAM_LEN);
		assert_eq!(AckDatagram::parse(&buf[..n]), Ok(d.clone()));
		assert_eq!(peek_kind(&buf[..n]), Ok(Kind::Ack));
		assert!(matches!(AckDatagram::parse(&buf[..n - 1]), Err(WireError::Truncated { .. })));
		assert_eq!(AckDatagram::parse(&buf[..n + 1]), Err(WireError::TrailingBytes(1)));
		let mut bad = buf;
		bad[2] = 1;
		assert_eq!(AckDatagram::parse(&bad[..n]), Err(WireError::Reserved));
		assert!(d.write(&mut [0u8; 10]).is_err());
	}

	#[test]
	fn ticket_datagrams_round_trip_and_refuse_garbage() {
		use crate::settlement::{SignedTicket, Ticket};
		use codec::Encode;
		let ticket = Ticket {
			segment: 9,
			epoch: 4,
			boot_time: 1,
			total_in: 2,
			total_out: 3,
			peers: Default::default(),
			channels: Default::default(),
		};
		let d = TicketDatagram { ticket: SignedTicket { ticket, signature: [3; 64] } };
		let mut buf = [0u8; MAX_TICKET_DATAGRAM + 8];
		let n = d.write(&mut buf).unwrap();
		// Stable bytes: the head, then the ticket as SCALE.
		assert_eq!(buf[..4], [VERSION, 5, 0, 0]);
		assert_eq!(buf[4..n], d.ticket.encode()[..]);
		assert_eq!(TicketDatagram::parse(&buf[..n]), Ok(d.clone()));
		assert_eq!(peek_kind(&buf[..n]), Ok(Kind::Ticket));
		assert_eq!(TicketDatagram::parse(&buf[..n - 1]), Err(WireError::Malformed));
		assert_eq!(
			TicketDatagram::parse(&buf[..3]),
			Err(WireError::Truncated { needed: 4, got: 3 })
		);
		assert_eq!(TicketDatagram::parse(&buf[..n + 1]), Err(WireError::TrailingBytes(1)));
		let mut bad = buf;
		bad[2] = 1;
		assert_eq!(TicketDatagram::parse(&bad[..n]), Err(WireError::Reserved));
		bad = buf;
		bad[1] = Kind::Ack as u8;
		assert_eq!(TicketDatagram::parse(&bad[..n]), Err(WireError::BadKind(4)));
		// Over the size limit: refused before decoding.
		assert_eq!(
			TicketDatagram::parse(&buf[..MAX_TICKET_DATAGRAM + 1]),
			Err(WireError::TrailingBytes(1))
		);
		// A list length past its bound does not decode (and allocates nothing for it).
		let mut long = buf[..n].to_vec();
		long[4 + 4 + 4 + 8 + 8 + 8] = 0xff;
		assert_eq!(TicketDatagram::parse(&long), Err(WireError::Malformed));
		assert_eq!(d.write(&mut [0u8; 10]), Err(WireError::BufferTooSmall));
		// A ticket too large for one datagram is not written.
		let mut big = d.clone();
		big.ticket.ticket.peers = (0..128)
			.map(|i| crate::settlement::PeerCounters { peer: i, octets_in: 1, octets_out: 1 })
			.collect::<alloc::vec::Vec<_>>()
			.try_into()
			.unwrap();
		assert_eq!(big.write(&mut [0u8; 8192]), Err(WireError::BufferTooSmall));
	}

	#[test]
	fn the_counter_round_trips_and_channels_map_to_headers() {
		let mut h = Header::for_channel(7, &[4, 5, 6], 8).unwrap();
		h.counter = 0x0102_0304_0506_0708;
		let mut buf = [0u8; MAX_HEADER_LEN];
		let n = h.write(&mut buf).unwrap();
		assert_eq!(buf[16..24], [1, 2, 3, 4, 5, 6, 7, 8]);
		let (back, len) = Header::parse(&buf[..n]).unwrap();
		assert_eq!((back.counter, len), (h.counter, n));
		assert!(back.is_channel(7, &[4, 5, 6]));
		assert!(!back.is_channel(8, &[4, 5, 6]));
		assert!(!back.is_channel(7, &[4, 5]));
		assert!(!back.is_channel(7, &[4, 6, 5]));
	}

	fn pulse() -> Pulse {
		let mut p = Pulse::new(7, 42, 1_000_000, 0xb007);
		assert!(p.push(PulseEntry { peer: 3, latency_us: -1500, jitter_us: 20, loss: 100 }));
		assert!(p.push(PulseEntry { peer: 4, latency_us: 9000, jitter_us: 0, loss: 0 }));
		p.mac = [9; MAC_LEN];
		p
	}

	#[test]
	fn pulse_round_trips() {
		let p = pulse();
		let mut buf = [0u8; MAX_PULSE_LEN];
		let n = p.write(&mut buf).unwrap();
		assert_eq!(Pulse::parse(&buf[..n]), Ok(p.clone()));
		assert_eq!(peek_kind(&buf[..n]), Ok(Kind::Pulse));
		assert_ne!(p.mac_input(1).0, p.mac_input(2).0);
	}

	#[test]
	fn pulse_errors() {
		let p = pulse();
		let mut buf = [0u8; MAX_PULSE_LEN + 1];
		let n = p.write(&mut buf).unwrap();
		for cut in 0..n {
			assert!(matches!(Pulse::parse(&buf[..cut]), Err(WireError::Truncated { .. })));
		}
		assert_eq!(Pulse::parse(&buf[..n + 1]), Err(WireError::TrailingBytes(1)));
		let mut b = buf;
		b[2] = MAX_PULSE_ENTRIES as u8 + 1;
		assert_eq!(Pulse::parse(&b[..n]), Err(WireError::TooManyHops(5)));
		let mut b = buf;
		b[PULSE_FIXED_LEN + 10..PULSE_FIXED_LEN + 12].copy_from_slice(&10_001u16.to_be_bytes());
		assert_eq!(Pulse::parse(&b[..n]), Err(WireError::BadLoss(10_001)));
		let mut b = buf;
		b[3] = 1;
		assert_eq!(Pulse::parse(&b[..n]), Err(WireError::Reserved));
		let mut b = buf;
		b[1] = Kind::Data as u8;
		assert_eq!(Pulse::parse(&b[..n]), Err(WireError::BadKind(1)));
		let mut p = Pulse::new(1, 0, 0, 0);
		assert!(!p.push(PulseEntry { loss: 10_001, ..Default::default() }));
	}
}
