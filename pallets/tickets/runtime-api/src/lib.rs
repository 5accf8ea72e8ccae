//! Runtime API of ditex settlement: what a consumer's and a relay's agent (and any UI) read
//! about channels, QoS orders, tickets and earnings.
//!
//! Reachable with `state_call("SettlementApi_<method>", args)`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
use ditex_primitives::{
	registry::SegmentId,
	settlement::{ChannelId, Epoch, OrderId},
};
use pallet_escrow::{Channel, QosOrder};
use pallet_tickets::{Claim, RelayView, TicketMark};

sp_api::decl_runtime_apis! {
	/// Lookups into the escrow and the tickets pallet.
	pub trait SettlementApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// A channel: its path with each hop's locked terms, deposit, paid, refunded, expiry.
		fn channel(id: ChannelId) -> Option<Channel<AccountId, Balance, BlockNumber>>;

		/// A QoS order, pending or active, and where it stands.
		fn order(id: OrderId) -> Option<QosOrder<AccountId, Balance, BlockNumber>>;

		/// The QoS orders pending or active on a segment router, oldest first: what its agent
		/// answers and applies.
		fn orders_of(segment: SegmentId) -> Vec<(OrderId, QosOrder<AccountId, Balance, BlockNumber>)>;

		/// A relay's earnings: received after fees, and claimed but not yet paid.
		fn relay(segment: SegmentId) -> RelayView<Balance>;

		/// A relay's claim on a channel: its latest counters and what it was paid.
		fn claim(segment: SegmentId, channel: ChannelId) -> Option<Claim<Balance>>;

		/// The largest receipt (cumulative bytes) the chain has seen for a channel.
		fn receipt(channel: ChannelId) -> u64;

		/// A segment's last accepted ticket: the counters its next ticket must not go below.
		fn last_ticket(segment: SegmentId) -> Option<TicketMark>;

		/// The current ticket epoch.
		fn current_epoch() -> Epoch;

		/// Blocks per ticket epoch on this chain (set at genesis).
		fn epoch_length() -> BlockNumber;
	}
}
