//! Runtime API of the DITEX segment registry.
//!
//! Reachable with `state_call("DitexApi_<method>", args)`; the node also serves these lookups
//! as the `ditex_*` JSON-RPC methods.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
use ditex_primitives::registry::{
	Asn, GroupId, GroupView, PathError, PerfRecord, Region, SegmentId, SegmentView,
};

sp_api::decl_runtime_apis! {
	/// Lookups into the segment registry.
	pub trait DitexApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// Active segment routers in a region and/or an AS, at most `limit`, by id: how an
		/// agent finds an egress near a destination.
		fn segments(
			region: Option<Region>,
			asn: Option<Asn>,
			limit: u32,
		) -> Vec<SegmentView<AccountId, Balance, BlockNumber>>;

		/// One segment router, active or quarantined.
		fn segment(id: SegmentId) -> Option<SegmentView<AccountId, Balance, BlockNumber>>;

		/// A group: its members with endpoints and keys, and this era's reporter.
		fn group(id: GroupId) -> Option<GroupView<AccountId, Balance, BlockNumber>>;

		/// The latest measured performance of `from → to`, with the block it was reported in.
		fn performance(from: SegmentId, to: SegmentId) -> Option<PerfRecord<BlockNumber>>;

		/// What relaying `bytes` over `path` costs now, each hop at its own listed price.
		fn path_cost(path: Vec<SegmentId>, bytes: u64) -> Result<Balance, PathError>;
	}
}
