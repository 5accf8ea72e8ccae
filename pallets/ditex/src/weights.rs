//! Weights for `pallet_ditex`.
//!
//! Measured by `scripts/bench-weights.sh` (frame-omni-bencher, benchmarking CLI 64.0.0)
//! running the benchmarks in `benchmarking.rs` in the wasm runtime.
//! DATE: 2026-11-21, STEPS: `20`, REPEAT: `10`, HOST: `Intel(R) Xeon(R) Processor`
//! (2 cores, shared: the figures carry the noise of this machine).

// Executed Command:
// frame-omni-bencher
// v1
// benchmark
// pallet
// --runtime
// /root/.cache/ditex-target/debug/wbuild/ditex-runtime/ditex_runtime.wasm
// --pallet
// pallet_ditex
// --extrinsic
// *
// --steps
// 20
// --repeat
// 10
// --template
// scripts/frame-weight-template.hbs
// --output
// pallets/ditex/src/weights.rs

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_ditex`.
pub trait WeightInfo {
	fn register() -> Weight;
	fn update() -> Weight;
	fn deregister() -> Weight;
	fn report_performance(n: u32, ) -> Weight;
	fn dispute_report() -> Weight;
	fn reinstate() -> Weight;
	fn set_ticket_key() -> Weight;
	fn authorize_report(n: u32, ) -> Weight;
}

/// Weights for `pallet_ditex` with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Ditex::SegmentByEndpoint` (r:1 w:1)
	/// Proof: `Ditex::SegmentByEndpoint` (`max_values`: None, `max_size`: Some(39), added: 2514, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::SegmentByKey` (r:1 w:1)
	/// Proof: `Ditex::SegmentByKey` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::NextSegmentId` (r:1 w:1)
	/// Proof: `Ditex::NextSegmentId` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::OperatorSegments` (r:1 w:1)
	/// Proof: `Ditex::OperatorSegments` (`max_values`: None, `max_size`: Some(113), added: 2588, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(139), added: 2614, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::RegionGroups` (r:1 w:1)
	/// Proof: `Ditex::RegionGroups` (`max_values`: None, `max_size`: Some(424), added: 2899, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Groups` (r:1 w:2)
	/// Proof: `Ditex::Groups` (`max_values`: None, `max_size`: Some(420), added: 2895, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::NextGroupId` (r:1 w:1)
	/// Proof: `Ditex::NextGroupId` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Segments` (r:0 w:1)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(174), added: 2649, mode: `MaxEncodedLen`)
	fn register() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `3806`
		//  Estimated: `3889`
		// Minimum execution time: 175_108_000 picoseconds.
		Weight::from_parts(224_433_000, 3889)
			.saturating_add(T::DbWeight::get().reads(9_u64))
			.saturating_add(T::DbWeight::get().writes(11_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:1)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(174), added: 2649, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::SegmentByEndpoint` (r:1 w:2)
	/// Proof: `Ditex::SegmentByEndpoint` (`max_values`: None, `max_size`: Some(39), added: 2514, mode: `MaxEncodedLen`)
	fn update() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `371`
		//  Estimated: `3639`
		// Minimum execution time: 25_340_000 picoseconds.
		Weight::from_parts(34_818_000, 3639)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:1)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(174), added: 2649, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Groups` (r:1 w:1)
	/// Proof: `Ditex::Groups` (`max_values`: None, `max_size`: Some(420), added: 2895, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(139), added: 2614, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::OperatorSegments` (r:1 w:1)
	/// Proof: `Ditex::OperatorSegments` (`max_values`: None, `max_size`: Some(113), added: 2588, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::SegmentByEndpoint` (r:0 w:1)
	/// Proof: `Ditex::SegmentByEndpoint` (`max_values`: None, `max_size`: Some(39), added: 2514, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::SegmentByKey` (r:0 w:1)
	/// Proof: `Ditex::SegmentByKey` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Performance` (r:0 w:198)
	/// Proof: `Ditex::Performance` (`max_values`: None, `max_size`: Some(40), added: 2515, mode: `MaxEncodedLen`)
	fn deregister() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `3150`
		//  Estimated: `3885`
		// Minimum execution time: 489_038_000 picoseconds.
		Weight::from_parts(615_845_000, 3885)
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(205_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:0)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(174), added: 2649, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Groups` (r:1 w:0)
	/// Proof: `Ditex::Groups` (`max_values`: None, `max_size`: Some(420), added: 2895, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::LatestReport` (r:0 w:1)
	/// Proof: `Ditex::LatestReport` (`max_values`: None, `max_size`: Some(423), added: 2898, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Performance` (r:0 w:1000)
	/// Proof: `Ditex::Performance` (`max_values`: None, `max_size`: Some(40), added: 2515, mode: `MaxEncodedLen`)
	/// The range of component `n` is `[1, 1000]`.
	fn report_performance(n: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `822`
		//  Estimated: `3885`
		// Minimum execution time: 31_640_000 picoseconds.
		Weight::from_parts(13_625_444, 3885)
			// Standard Error: 8_536
			.saturating_add(Weight::from_parts(2_659_044, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(n.into())))
	}
	/// Storage: `Ditex::Segments` (r:2 w:1)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(174), added: 2649, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::LatestReport` (r:1 w:1)
	/// Proof: `Ditex::LatestReport` (`max_values`: None, `max_size`: Some(423), added: 2898, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Performance` (r:1 w:198)
	/// Proof: `Ditex::Performance` (`max_values`: None, `max_size`: Some(40), added: 2515, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Groups` (r:1 w:1)
	/// Proof: `Ditex::Groups` (`max_values`: None, `max_size`: Some(420), added: 2895, mode: `MaxEncodedLen`)
	fn dispute_report() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `1804`
		//  Estimated: `6288`
		// Minimum execution time: 503_714_000 picoseconds.
		Weight::from_parts(606_191_000, 6288)
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(201_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:1)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(174), added: 2649, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::RegionGroups` (r:1 w:1)
	/// Proof: `Ditex::RegionGroups` (`max_values`: None, `max_size`: Some(424), added: 2899, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Groups` (r:1 w:2)
	/// Proof: `Ditex::Groups` (`max_values`: None, `max_size`: Some(420), added: 2895, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::NextGroupId` (r:1 w:1)
	/// Proof: `Ditex::NextGroupId` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	fn reinstate() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `1520`
		//  Estimated: `3889`
		// Minimum execution time: 87_687_000 picoseconds.
		Weight::from_parts(120_902_000, 3889)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:1)
	/// Storage: `Ditex::SegmentByTicketKey` (r:1 w:2)
	/// Provisional: as `update` (the same reads and writes of one listing and one index),
	/// until `scripts/bench-weights.sh` measures the `set_ticket_key` benchmark.
	fn set_ticket_key() -> Weight {
		Weight::from_parts(34_818_000, 3639)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:0)
	/// Storage: `Ditex::Groups` (r:1 w:0)
	/// Storage: `Ditex::LatestReport` (r:1 w:0)
	/// Storage: `System::BlockHash` (r:1 w:0)
	/// Provisional, on the safe side: one ed25519 verification over the report's payload
	/// (20 bytes an entry) in wasm, the membership and duplicate checks, until
	/// `scripts/bench-weights.sh` measures the `authorize_report` benchmark.
	/// The range of component `n` is `[1, 1000]`.
	fn authorize_report(n: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 3885)
			.saturating_add(Weight::from_parts(1_000_000, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(4_u64))
	}
}

/// The same weights with ParityDB's database weights, for tests and mock runtimes.
impl WeightInfo for () {
	fn register() -> Weight {
		Weight::from_parts(224_433_000, 3889)
			.saturating_add(ParityDbWeight::get().reads(9_u64))
			.saturating_add(ParityDbWeight::get().writes(11_u64))
	}
	fn update() -> Weight {
		Weight::from_parts(34_818_000, 3639)
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
	}
	fn deregister() -> Weight {
		Weight::from_parts(615_845_000, 3885)
			.saturating_add(ParityDbWeight::get().reads(5_u64))
			.saturating_add(ParityDbWeight::get().writes(205_u64))
	}
	fn report_performance(n: u32, ) -> Weight {
		Weight::from_parts(13_625_444, 3885)
			.saturating_add(Weight::from_parts(2_659_044, 0).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(n.into())))
	}
	fn dispute_report() -> Weight {
		Weight::from_parts(606_191_000, 6288)
			.saturating_add(ParityDbWeight::get().reads(5_u64))
			.saturating_add(ParityDbWeight::get().writes(201_u64))
	}
	fn reinstate() -> Weight {
		Weight::from_parts(120_902_000, 3889)
			.saturating_add(ParityDbWeight::get().reads(4_u64))
			.saturating_add(ParityDbWeight::get().writes(5_u64))
	}
	fn set_ticket_key() -> Weight {
		Weight::from_parts(34_818_000, 3639)
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:0)
	/// Storage: `Ditex::Groups` (r:1 w:0)
	/// Storage: `Ditex::LatestReport` (r:1 w:0)
	/// Storage: `System::BlockHash` (r:1 w:0)
	/// Provisional, on the safe side: one ed25519 verification over the report's payload
	/// (20 bytes an entry) in wasm, the membership and duplicate checks, until
	/// `scripts/bench-weights.sh` measures the `authorize_report` benchmark.
	/// The range of component `n` is `[1, 1000]`.
	fn authorize_report(n: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 3885)
			.saturating_add(Weight::from_parts(1_000_000, 0).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads(4_u64))
	}
}
