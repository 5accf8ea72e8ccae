//! The settlement formats: receipts a consumer signs for the traffic carried on its channel,
//! and the tickets relays submit once per epoch to be paid from the channel's escrow.
//!
//! # Receipts
//!
//! A consumer's agent signs cumulative [`Receipt`]s — (genesis hash, channel, path, cumulative
//! bytes) — with the ed25519 *receipt key* it registered when it opened the channel (the
//! channel also carries its X25519 data-plane key, which cannot sign). The signed bytes are
//! [`Receipt::signing_payload`]: the SCALE encoding of ([`RECEIPT_DOMAIN`], receipt). A
//! receipt only ever grows, so a lost or replayed one is harmless: the chain pays only the
//! delta over what it has already paid.
//!
//! # Acks
//!
//! Each hop signs cumulative [`Ack`]s — (genesis hash, channel, its hop index, cumulative
//! bytes received from its upstream neighbour) — with its segment router's ed25519 ticket key
//! and sends them upstream in-band. The upstream relay's ticket carries the latest one it got,
//! and is paid for what it proves arrived. The signed bytes are [`Ack::signing_payload`].
//!
//! # Tickets
//!
//! A relay submits one [`Ticket`] per epoch per segment router, signed with the router's ticket
//! key ([`SignedTicket`], over [`Ticket::signing_payload`]) as an authorized transaction: no
//! account key on the relay's host. Totals and per-peer counters are cumulative within one
//! boot of the agent (a new `boot_time` resets them); the per-channel counters of a
//! [`ChannelUsage`] are cumulative since the channel opened (the agent persists them across
//! restarts).

use crate::{
	registry::{DataPlaneKey, SegmentId},
	MAX_HOPS,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::{ConstU32, H256};
use sp_runtime::{traits::Saturating, BoundedVec};

/// A consumer's payment channel, numbered by the escrow in order of opening.
pub type ChannelId = u64;
/// A QoS order, numbered by the escrow in order of ordering.
pub type OrderId = u64;
/// A settlement epoch: relays submit one ticket per epoch.
pub type Epoch = u32;

/// The domain tag that prefixes every signed receipt.
pub const RECEIPT_DOMAIN: [u8; 16] = *b"ditex/receipt/v1";
/// The domain tag that prefixes every signed ticket.
pub const TICKET_DOMAIN: [u8; 16] = *b"ditex/tickets/v1";
/// The domain tag that prefixes every signed per-hop ack.
pub const ACK_DOMAIN: [u8; 16] = *b"ditex/hop-ack/v1";
/// Most per-peer counters in one ticket (a group of 100 plus some peers outside it).
pub const MAX_TICKET_PEERS: u32 = 128;
/// Most channels one ticket reports.
pub const MAX_TICKET_CHANNELS: u32 = 64;
/// Most tickets one batch carries: a whole group's.
pub const MAX_TICKET_BATCH: u32 = crate::registry::MAX_GROUP_SIZE;

/// A path of segment routers, ingress first.
pub type Path = BoundedVec<SegmentId, ConstU32<MAX_HOPS>>;

/// The ed25519 public key a consumer signs its receipts with.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct ReceiptKey(pub [u8; 32]);

/// One hop of a channel's path with the terms locked at open.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct HopTerms<AccountId, Balance> {
	/// The segment router.
	pub segment: SegmentId,
	/// Who is paid for it: its operator at open.
	pub payee: AccountId,
	/// Its price per GiB at open.
	pub price_per_gib: Balance,
}

/// Whether a channel is open.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum ChannelStatus<BlockNumber> {
	/// Open until its expiry.
	Open,
	/// Closed by its consumer; settles in-flight tickets until its refund.
	Closed {
		/// When it was closed.
		at: BlockNumber,
	},
}

/// A consumer's payment channel.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Channel<AccountId, Balance, BlockNumber> {
	/// Who opened it and holds its deposit.
	pub consumer: AccountId,
	/// The path, ingress first, with each hop's locked terms.
	pub hops: BoundedVec<HopTerms<AccountId, Balance>, ConstU32<MAX_HOPS>>,
	/// The most the whole path may cost per GiB (the hops' prices summed).
	pub max_price_per_gib: Balance,
	/// Everything ever held for it (opening deposit and top-ups).
	pub deposit: Balance,
	/// Paid out to relays and fee pools so far.
	pub paid: Balance,
	/// Returned to the consumer.
	pub refunded: Balance,
	/// When it was opened.
	pub opened_at: BlockNumber,
	/// The last block it is open.
	pub expires_at: BlockNumber,
	/// The block whose `on_initialize` returns the unused deposit.
	pub refund_at: BlockNumber,
	/// Open or closed.
	pub status: ChannelStatus<BlockNumber>,
	/// The consumer's X25519 data-plane key.
	pub data_key: DataPlaneKey,
	/// The ed25519 key the consumer signs receipts with.
	pub receipt_key: ReceiptKey,
}

impl<AccountId, Balance: Saturating + Copy, BlockNumber> Channel<AccountId, Balance, BlockNumber> {
	/// The segment ids of the path, ingress first.
	pub fn path(&self) -> Path {
		let ids: Vec<SegmentId> = self.hops.iter().map(|h| h.segment).collect();
		// As many as `hops`, which has the same bound.
		Path::truncate_from(ids)
	}

	/// What is still held for the channel: deposit − paid − refunded.
	pub fn remaining(&self) -> Balance {
		self.deposit.saturating_sub(self.paid).saturating_sub(self.refunded)
	}
}

/// A relay's earnings as the settlement runtime API shows them (`SettlementApi_relay`).
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug, Default)]
pub struct RelayView<Balance> {
	/// Received so far, after settlement fees.
	pub earned: Balance,
	/// Claimed on channels that still settle but not paid yet (before fees): bytes forwarded
	/// and acknowledged by a receipt, waiting for the downstream ticket or a top-up.
	pub pending: Balance,
}

/// The consumer's acknowledgement of the bytes carried on its channel so far.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Receipt {
	/// The genesis hash of the chain the channel is on.
	pub genesis: H256,
	/// The channel.
	pub channel: ChannelId,
	/// The channel's path, ingress first.
	pub path: Path,
	/// Bytes carried since the channel opened.
	pub cumulative_bytes: u64,
}

impl Receipt {
	/// The exact bytes the consumer's receipt key signs: SCALE of ([`RECEIPT_DOMAIN`], self).
	pub fn signing_payload(&self) -> Vec<u8> {
		(RECEIPT_DOMAIN, self).encode()
	}
}

/// A receipt with the consumer's ed25519 signature over [`Receipt::signing_payload`].
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct SignedReceipt {
	/// What is acknowledged.
	pub receipt: Receipt,
	/// The ed25519 signature by the channel's receipt key.
	pub signature: [u8; 64],
}

/// A hop's acknowledgement of the bytes it received on a channel from its upstream neighbour.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Ack {
	/// The genesis hash of the chain the channel is on.
	pub genesis: H256,
	/// The channel.
	pub channel: ChannelId,
	/// The acknowledging hop's index in the channel's path (at least 1).
	pub hop: u8,
	/// Bytes received from the upstream neighbour since the channel opened.
	pub cumulative_bytes: u64,
}

impl Ack {
	/// The exact bytes the hop's ticket key signs: SCALE of ([`ACK_DOMAIN`], self).
	pub fn signing_payload(&self) -> Vec<u8> {
		(ACK_DOMAIN, self).encode()
	}
}

/// An ack with the acknowledging router's ed25519 ticket-key signature.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct SignedAck {
	/// What is acknowledged.
	pub ack: Ack,
	/// The ed25519 signature over [`Ack::signing_payload`].
	pub signature: [u8; 64],
}

/// Octets exchanged with one peer since the agent booted.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct PeerCounters {
	/// The peer segment router.
	pub peer: SegmentId,
	/// Octets received from it.
	pub octets_in: u64,
	/// Octets sent to it.
	pub octets_out: u64,
}

/// What a relay carried on one channel since the channel opened.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct ChannelUsage {
	/// The channel.
	pub channel: ChannelId,
	/// The relay's index in the channel's path.
	pub hop: u8,
	/// The hop before it; `None` at the ingress.
	pub prev: Option<SegmentId>,
	/// The hop after it; `None` at the egress.
	pub next: Option<SegmentId>,
	/// Bytes received on the channel.
	pub bytes_in: u64,
	/// Bytes forwarded on the channel.
	pub bytes_out: u64,
	/// The latest receipt the relay saw.
	pub receipt: Option<SignedReceipt>,
	/// The latest ack its downstream neighbour sent it; `None` at the egress.
	pub ack: Option<SignedAck>,
}

/// A relay's traffic ticket for one epoch.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Ticket {
	/// The segment router that carried the traffic.
	pub segment: SegmentId,
	/// The epoch the ticket closes.
	pub epoch: Epoch,
	/// When the agent booted (Unix seconds); counters reset with a new boot.
	pub boot_time: u64,
	/// Octets received since boot.
	pub total_in: u64,
	/// Octets sent since boot.
	pub total_out: u64,
	/// Octets per peer since boot.
	pub peers: BoundedVec<PeerCounters, ConstU32<MAX_TICKET_PEERS>>,
	/// Per channel carried, cumulative since the channel opened.
	pub channels: BoundedVec<ChannelUsage, ConstU32<MAX_TICKET_CHANNELS>>,
}

impl Ticket {
	/// The exact bytes the router's ticket key signs: SCALE of ([`TICKET_DOMAIN`], genesis
	/// hash, segment, epoch, self). The genesis hash binds it to one chain; the segment and
	/// epoch lead, so a signer can tell what it signs from the first bytes.
	pub fn signing_payload(&self, genesis: &H256) -> Vec<u8> {
		(TICKET_DOMAIN, genesis, self.segment, self.epoch, self).encode()
	}
}

/// A ticket with its router's ed25519 ticket-key signature.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct SignedTicket {
	/// The ticket.
	pub ticket: Ticket,
	/// The ed25519 signature over [`Ticket::signing_payload`].
	pub signature: [u8; 64],
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_core::{ed25519, Pair};

	fn receipt() -> Receipt {
		Receipt {
			genesis: H256::repeat_byte(0xab),
			channel: 7,
			path: Path::try_from(alloc::vec![1, 2, 3]).unwrap(),
			cumulative_bytes: 1 << 20,
		}
	}

	#[test]
	fn signing_payload_is_stable() {
		let p = receipt().signing_payload();
		let mut expected = b"ditex/receipt/v1".to_vec();
		expected.extend_from_slice(&[0xab; 32]);
		expected.extend_from_slice(&7u64.to_le_bytes());
		expected.push(3 << 2); // compact length 3
		for s in [1u32, 2, 3] {
			expected.extend_from_slice(&s.to_le_bytes());
		}
		expected.extend_from_slice(&(1u64 << 20).to_le_bytes());
		assert_eq!(p, expected);
		assert_eq!(p.len(), 16 + 32 + 8 + 1 + 12 + 8);
	}

	#[test]
	fn sign_and_verify_round_trip() {
		let pair = ed25519::Pair::from_seed(&[5u8; 32]);
		let r = receipt();
		let sig = pair.sign(&r.signing_payload());
		let signed = SignedReceipt { receipt: r.clone(), signature: sig.0 };
		let public = ReceiptKey(pair.public().0);
		let check = |s: &SignedReceipt| {
			ed25519::Pair::verify(
				&ed25519::Signature::from_raw(s.signature),
				s.receipt.signing_payload(),
				&ed25519::Public::from_raw(public.0),
			)
		};
		assert!(check(&signed));
		let mut grown = signed.clone();
		grown.receipt.cumulative_bytes += 1;
		assert!(!check(&grown));
		let mut other = signed.clone();
		other.receipt.channel = 8;
		assert!(!check(&other));
		// Round trip through SCALE keeps it valid.
		let decoded = SignedReceipt::decode(&mut &signed.encode()[..]).unwrap();
		assert!(check(&decoded));
	}

	#[test]
	fn ticket_fits_its_bound() {
		assert!(SignedTicket::max_encoded_len() < 64 * 1024);
	}

	#[test]
	fn ack_signing_payload_is_stable() {
		let ack =
			Ack { genesis: H256::repeat_byte(0xab), channel: 7, hop: 2, cumulative_bytes: 1 << 20 };
		let mut expected = b"ditex/hop-ack/v1".to_vec();
		expected.extend_from_slice(&[0xab; 32]);
		expected.extend_from_slice(&7u64.to_le_bytes());
		expected.push(2);
		expected.extend_from_slice(&(1u64 << 20).to_le_bytes());
		assert_eq!(ack.signing_payload(), expected);
	}

	#[test]
	fn ticket_signing_payload_is_stable() {
		let ticket = Ticket {
			segment: 5,
			epoch: 9,
			boot_time: 1_700_000_000,
			total_in: 1,
			total_out: 2,
			peers: Default::default(),
			channels: Default::default(),
		};
		let genesis = H256::repeat_byte(0xcd);
		let mut expected = b"ditex/tickets/v1".to_vec();
		expected.extend_from_slice(&[0xcd; 32]);
		expected.extend_from_slice(&5u32.to_le_bytes());
		expected.extend_from_slice(&9u32.to_le_bytes());
		expected.extend_from_slice(&5u32.to_le_bytes());
		expected.extend_from_slice(&9u32.to_le_bytes());
		expected.extend_from_slice(&1_700_000_000u64.to_le_bytes());
		expected.extend_from_slice(&1u64.to_le_bytes());
		expected.extend_from_slice(&2u64.to_le_bytes());
		expected.extend_from_slice(&[0, 0]); // no peers, no channels
		assert_eq!(ticket.signing_payload(&genesis), expected);
	}
}
