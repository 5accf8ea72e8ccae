//! Weights for `pallet_ditex`.
//!
//! The storage-access counts are those each call performs in its worst case. The `ref_time`
//! and proof-size figures are conservative estimates until `scripts/bench-weights.sh`
//! (frame-omni-bencher over the benchmarks in `benchmarking.rs`) regenerates this file.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::RocksDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_ditex`.
pub trait WeightInfo {
	fn register() -> Weight;
	fn update() -> Weight;
	fn deregister() -> Weight;
	fn report_performance(n: u32, ) -> Weight;
	fn dispute_report() -> Weight;
	fn reinstate() -> Weight;
}

/// Weights for `pallet_ditex` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Ditex::SegmentByEndpoint` (r:1 w:1), `Ditex::SegmentByKey` (r:1 w:1),
	/// `Ditex::NextSegmentId` (r:1 w:1), `Ditex::OperatorSegments` (r:1 w:1),
	/// `Balances::Holds` (r:1 w:1), `System::Account` (r:1 w:1),
	/// `Ditex::RegionGroups` (r:1 w:1), `Ditex::Groups` (r:1 w:1), `Ditex::NextGroupId` (r:1 w:1),
	/// `Ditex::Segments` (r:0 w:1)
	fn register() -> Weight {
		Weight::from_parts(95_000_000, 7_000)
			.saturating_add(T::DbWeight::get().reads(9_u64))
			.saturating_add(T::DbWeight::get().writes(10_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:1), `Ditex::SegmentByEndpoint` (r:1 w:2)
	fn update() -> Weight {
		Weight::from_parts(35_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:1), `Ditex::Groups` (r:1 w:1),
	/// `Ditex::Performance` (r:0 w:198), `Balances::Holds` (r:1 w:1), `System::Account` (r:1 w:1),
	/// `Ditex::OperatorSegments` (r:1 w:1), `Ditex::SegmentByEndpoint` (r:0 w:1),
	/// `Ditex::SegmentByKey` (r:0 w:1), `Ditex::LatestReport` (r:0 w:1), `Ditex::RegionGroups` (r:1 w:1)
	/// (worst case: leaving a full group of 100)
	fn deregister() -> Weight {
		Weight::from_parts(420_000_000, 9_000)
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(208_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:0), `Ditex::Groups` (r:1 w:0),
	/// `Ditex::Performance` (r:0 w:n), `Ditex::LatestReport` (r:0 w:1)
	/// The range of component `n` is `[1, 1000]`.
	fn report_performance(n: u32, ) -> Weight {
		Weight::from_parts(40_000_000, 6_000)
			.saturating_add(Weight::from_parts(4_500_000, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(n.into())))
	}
	/// Storage: `Ditex::Segments` (r:2 w:1), `Ditex::LatestReport` (r:1 w:1),
	/// `Ditex::Performance` (r:1 w:0), `Ditex::Groups` (r:1 w:1) (a strike that quarantines)
	fn dispute_report() -> Weight {
		Weight::from_parts(60_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(203_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:1), `Ditex::RegionGroups` (r:1 w:1),
	/// `Ditex::Groups` (r:100 w:1), `Ditex::NextGroupId` (r:1 w:1)
	fn reinstate() -> Weight {
		Weight::from_parts(70_000_000, 9_000)
			.saturating_add(T::DbWeight::get().reads(103_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
}

// For tests and mocks.
impl WeightInfo for () {
	fn register() -> Weight {
		Weight::from_parts(95_000_000, 7_000)
			.saturating_add(RocksDbWeight::get().reads(9_u64))
			.saturating_add(RocksDbWeight::get().writes(10_u64))
	}
	fn update() -> Weight {
		Weight::from_parts(35_000_000, 4_000)
			.saturating_add(RocksDbWeight::get().reads(2_u64))
			.saturating_add(RocksDbWeight::get().writes(3_u64))
	}
	fn deregister() -> Weight {
		Weight::from_parts(420_000_000, 9_000)
			.saturating_add(RocksDbWeight::get().reads(6_u64))
			.saturating_add(RocksDbWeight::get().writes(208_u64))
	}
	fn report_performance(n: u32, ) -> Weight {
		Weight::from_parts(40_000_000, 6_000)
			.saturating_add(Weight::from_parts(4_500_000, 0).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads(2_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
			.saturating_add(RocksDbWeight::get().writes((1_u64).saturating_mul(n.into())))
	}
	fn dispute_report() -> Weight {
		Weight::from_parts(60_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads(5_u64))
			.saturating_add(RocksDbWeight::get().writes(203_u64))
	}
	fn reinstate() -> Weight {
		Weight::from_parts(70_000_000, 9_000)
			.saturating_add(RocksDbWeight::get().reads(103_u64))
			.saturating_add(RocksDbWeight::get().writes(4_u64))
	}
}
