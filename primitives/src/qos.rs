//! # QoS orders
//!
//! The QoS-token use case: a consumer escrows a payment for a priority treatment of its
//! traffic on a provider's segment router, for a number of blocks. The router's agent decides
//! from its operator's offer whether it can honour the order, applies it with Linux traffic
//! control on its egress interface (an `htb` class with the ordered rate and a filter for the
//! order's [`QosFlow`]), reads the result back from the kernel, and only then confirms; on
//! any failure it rejects, which refunds the consumer at once. Both answers are signed with
//! the router's ticket key ([`QosAnswer::signing_payload`]), so the provider's host holds no
//! account key; the payment goes to the segment's operator.
//!
//! An order lives on the chain from its placing until its deadline passes unanswered
//! (refunded), it is rejected (refunded), or the treatment it bought ends ([`QosStatus`]).

use crate::{
	registry::{IpAddress, SegmentId},
	settlement::OrderId,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;

/// The domain tag that prefixes every signed answer to a QoS order.
pub const QOS_DOMAIN: [u8; 16] = *b"ditex/qos-ans/v1";

/// The most orders a segment has pending or active at once (the escrow's
/// `MaxOrdersPerSegment` in the runtime). A node listing more for one segment is wrong or
/// hostile, and an agent plans none of that listing.
pub const MAX_ORDERS_PER_SEGMENT: u32 = 64;

/// IP protocol number of TCP.
pub const PROTO_TCP: u8 = 6;
/// IP protocol number of UDP.
pub const PROTO_UDP: u8 = 17;

/// A priority treatment a consumer may order. Both are `htb` classes that are guaranteed the
/// ordered rate and may borrow up to the link's rate, so a class never holds the traffic it
/// matches below what it would get without it.
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
pub enum QosClass {
	/// Ahead of best-effort traffic: `htb` priority 1.
	Priority,
	/// Ahead of everything else: `htb` priority 0, the lowest queueing delay.
	RealTime,
}

impl QosClass {
	/// The `htb` priority of the class (0 is served first; best effort is 7).
	pub fn htb_prio(self) -> u8 {
		match self {
			QosClass::RealTime => 0,
			QosClass::Priority => 1,
		}
	}

	/// The class's name in configs and logs.
	pub fn name(self) -> &'static str {
		match self {
			QosClass::Priority => "priority",
			QosClass::RealTime => "realtime",
		}
	}
}

/// An IP network: an address and how many of its leading bits count.
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
pub struct IpPrefix {
	/// The network's address; the bits past `len` are zero.
	pub addr: IpAddress,
	/// The prefix length: at most 32 for IPv4, 128 for IPv6.
	pub len: u8,
}

impl IpPrefix {
	/// Whether the length fits the address family and no bit past it is set (one network has
	/// one spelling).
	pub fn is_valid(&self) -> bool {
		let bytes: &[u8] = match &self.addr {
			IpAddress::V4(a) => a,
			IpAddress::V6(a) => a,
		};
		let bits = bytes.len() * 8;
		let len = self.len as usize;
		if len > bits {
			return false;
		}
		bytes.iter().enumerate().all(|(i, b)| {
			let kept = len.saturating_sub(i * 8).min(8);
			let mask = if kept == 0 { 0 } else { 0xffu8 << (8 - kept) };
			b & !mask == 0
		})
	}

	/// Whether it is an IPv4 network.
	pub fn is_v4(&self) -> bool {
		matches!(self.addr, IpAddress::V4(_))
	}
}

/// Which packets an order's treatment applies to, on the provider's egress: every field that
/// is set must match. At least one of the prefixes is set, both of one address family; ports
/// only with TCP or UDP.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct QosFlow {
	/// The packets' source network.
	pub src: Option<IpPrefix>,
	/// The packets' destination network.
	pub dst: Option<IpPrefix>,
	/// The IP protocol (6 TCP, 17 UDP); any if unset.
	pub protocol: Option<u8>,
	/// The source port (TCP or UDP only).
	pub src_port: Option<u16>,
	/// The destination port (TCP or UDP only).
	pub dst_port: Option<u16>,
}

/// Why a [`QosFlow`] is not well-formed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FlowError {
	/// Neither a source nor a destination network.
	NoPrefix,
	/// A prefix longer than its address or with bits set past its length.
	BadPrefix,
	/// The source and destination networks are of different address families.
	MixedFamilies,
	/// A port without TCP or UDP as the protocol.
	PortWithoutProtocol,
}

impl QosFlow {
	/// Whether the flow is well-formed (see the type's docs).
	pub fn check(&self) -> Result<(), FlowError> {
		let prefixes: Vec<&IpPrefix> = self.src.iter().chain(self.dst.iter()).collect();
		if prefixes.is_empty() {
			return Err(FlowError::NoPrefix);
		}
		if !prefixes.iter().all(|p| p.is_valid()) {
			return Err(FlowError::BadPrefix);
		}
		if prefixes.iter().any(|p| p.is_v4() != prefixes[0].is_v4()) {
			return Err(FlowError::MixedFamilies);
		}
		let ports = self.src_port.is_some() || self.dst_port.is_some();
		if ports && !matches!(self.protocol, Some(PROTO_TCP) | Some(PROTO_UDP)) {
			return Err(FlowError::PortWithoutProtocol);
		}
		Ok(())
	}

	/// Whether it matches IPv4 packets (else IPv6). Meaningful for a well-formed flow.
	pub fn is_v4(&self) -> bool {
		self.src.or(self.dst).is_none_or(|p| p.is_v4())
	}

	/// The longest of its prefixes: how narrow the flow is.
	pub fn narrowest(&self) -> u8 {
		self.src.iter().chain(self.dst.iter()).map(|p| p.len).max().unwrap_or(0)
	}
}

/// Where an order stands.
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
pub enum QosStatus<BlockNumber> {
	/// Waiting for the provider's answer, at the latest in the order's deadline block; the
	/// payment is held.
	Pending,
	/// Confirmed and paid; the treatment applies through block `until`.
	Active {
		/// The last block the treatment applies.
		until: BlockNumber,
	},
}

/// What a consumer orders: the arguments of `Escrow.order_qos`, in their order (so their
/// encoding is the call's arguments).
#[derive(Clone, PartialEq, Eq, Encode, Debug)]
pub struct OrderTerms<Balance, BlockNumber> {
	/// The segment router whose egress gives the treatment.
	pub segment: SegmentId,
	/// The treatment.
	pub class: QosClass,
	/// The rate guaranteed, in bits per second.
	pub rate: u64,
	/// The packets it applies to.
	pub flow: QosFlow,
	/// The payment held until the answer.
	pub payment: Balance,
	/// Blocks the treatment applies once confirmed.
	pub duration: BlockNumber,
	/// The last block the router may answer in.
	pub deadline: BlockNumber,
}

/// A consumer's order of a QoS treatment on a provider's segment router.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct QosOrder<AccountId, Balance, BlockNumber> {
	/// Who ordered and pays.
	pub consumer: AccountId,
	/// The segment router whose egress gives the treatment.
	pub segment: SegmentId,
	/// Its operator at the time of the order, who is paid.
	pub provider: AccountId,
	/// The treatment.
	pub class: QosClass,
	/// The rate guaranteed to the flow, in bits per second.
	pub rate: u64,
	/// The packets it applies to.
	pub flow: QosFlow,
	/// The payment, held while the order is pending.
	pub payment: Balance,
	/// For how many blocks the treatment applies once confirmed.
	pub duration: BlockNumber,
	/// The last block the provider may answer in.
	pub deadline: BlockNumber,
	/// The block whose `on_initialize` removes the order: refunds it if it is still pending,
	/// ends it if it is active.
	pub expire_at: BlockNumber,
	/// Pending or active.
	pub status: QosStatus<BlockNumber>,
}

/// Why a provider's agent turned an order down; carried in the signed rejection and its event
/// so the consumer learns why.
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
pub enum QosRejectReason {
	/// The provider does not offer this class.
	ClassNotOffered,
	/// The rate does not fit in the capacity the provider sells beside its other orders.
	AboveCapacity,
	/// The payment is below the provider's price for the rate and duration.
	BelowPriceFloor,
	/// The flow is malformed, too wide, or of an address family the provider does not serve.
	FlowNotAccepted,
	/// Traffic control failed to apply the treatment, or did not read back as applied.
	TrafficControlFailed,
	/// The provider serves no QoS (not configured, or out of room for more classes).
	Unavailable,
}

impl QosRejectReason {
	/// The reason's name in logs and metrics.
	pub fn name(self) -> &'static str {
		match self {
			QosRejectReason::ClassNotOffered => "class_not_offered",
			QosRejectReason::AboveCapacity => "above_capacity",
			QosRejectReason::BelowPriceFloor => "below_price_floor",
			QosRejectReason::FlowNotAccepted => "flow_not_accepted",
			QosRejectReason::TrafficControlFailed => "traffic_control_failed",
			QosRejectReason::Unavailable => "unavailable",
		}
	}
}

/// A provider's answer to an order.
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
pub enum QosVerdict {
	/// The treatment is applied: pay the provider.
	Confirm,
	/// The treatment is not applied, for this reason: refund the consumer.
	Reject(QosRejectReason),
}

/// What a segment router's ticket key signs to answer an order.
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
pub struct QosAnswer {
	/// The order.
	pub order: OrderId,
	/// The segment router the order is on, whose ticket key signs.
	pub segment: SegmentId,
	/// Confirm or reject.
	pub verdict: QosVerdict,
}

impl QosAnswer {
	/// The exact bytes the router's ticket key signs: SCALE of ([`QOS_DOMAIN`], genesis hash,
	/// self). The genesis hash binds it to one chain, the order id (never reused) to one order,
	/// and the verdict to one answer: a signed confirmation cannot be turned into a rejection
	/// or replayed on another order.
	pub fn signing_payload(&self, genesis: &H256) -> Vec<u8> {
		(QOS_DOMAIN, genesis, self).encode()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn v4(a: [u8; 4], len: u8) -> IpPrefix {
		IpPrefix { addr: IpAddress::V4(a), len }
	}

	#[test]
	fn prefixes_have_one_spelling() {
		assert!(v4([10, 0, 0, 0], 8).is_valid());
		assert!(v4([10, 1, 2, 3], 32).is_valid());
		assert!(v4([0, 0, 0, 0], 0).is_valid());
		assert!(!v4([10, 0, 0, 1], 24).is_valid(), "host bits set");
		assert!(!v4([10, 0, 0, 0], 33).is_valid(), "too long");
		assert!(v4([10, 128, 0, 0], 9).is_valid(), "the ninth bit is in the prefix");
		assert!(!v4([10, 64, 0, 0], 9).is_valid(), "the tenth is not");
		assert!(v4([10, 128, 0, 0], 9).is_v4());
		let mut a = [0u8; 16];
		a[0] = 0x20;
		a[1] = 0x01;
		assert!(IpPrefix { addr: IpAddress::V6(a), len: 16 }.is_valid());
		assert!(!IpPrefix { addr: IpAddress::V6(a), len: 15 }.is_valid());
		assert!(!IpPrefix { addr: IpAddress::V6(a), len: 129 }.is_valid());
	}

	#[test]
	fn flows_are_checked() {
		let flow =
			|src, dst, protocol, dst_port| QosFlow { src, dst, protocol, src_port: None, dst_port };
		let net = Some(v4([10, 0, 0, 0], 24));
		assert_eq!(flow(None, net, Some(PROTO_UDP), Some(5001)).check(), Ok(()));
		assert_eq!(flow(net, None, None, None).check(), Ok(()));
		assert_eq!(flow(None, None, None, None).check(), Err(FlowError::NoPrefix));
		assert_eq!(
			flow(None, Some(v4([10, 0, 0, 1], 24)), None, None).check(),
			Err(FlowError::BadPrefix)
		);
		let six = Some(IpPrefix { addr: IpAddress::V6([0; 16]), len: 0 });
		assert_eq!(flow(net, six, None, None).check(), Err(FlowError::MixedFamilies));
		assert_eq!(flow(None, net, None, Some(80)).check(), Err(FlowError::PortWithoutProtocol));
		assert_eq!(flow(None, net, Some(1), Some(80)).check(), Err(FlowError::PortWithoutProtocol));
		assert!(
			flow(None, six, None, None).check().is_ok() && !flow(None, six, None, None).is_v4()
		);
		assert_eq!(flow(net, Some(v4([10, 1, 1, 1], 32)), None, None).narrowest(), 32);
	}

	#[test]
	fn answers_bind_chain_order_and_verdict() {
		let genesis = H256::repeat_byte(0xab);
		let confirm = QosAnswer { order: 7, segment: 3, verdict: QosVerdict::Confirm };
		let p = confirm.signing_payload(&genesis);
		let mut expected = b"ditex/qos-ans/v1".to_vec();
		expected.extend_from_slice(&[0xab; 32]);
		expected.extend_from_slice(&7u64.to_le_bytes());
		expected.extend_from_slice(&3u32.to_le_bytes());
		expected.push(0);
		assert_eq!(p, expected);
		let reject =
			QosAnswer { verdict: QosVerdict::Reject(QosRejectReason::AboveCapacity), ..confirm };
		assert_ne!(reject.signing_payload(&genesis), p);
		assert_ne!(QosAnswer { order: 8, ..confirm }.signing_payload(&genesis), p);
		assert_ne!(confirm.signing_payload(&H256::zero()), p);
	}
}
