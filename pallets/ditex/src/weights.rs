//! Weights for `pallet_ditex`.
//!
//! Measured by `scripts/bench-weights.sh` (frame-omni-bencher, benchmarking CLI 64.0.0)
//! running the benchmarks in `benchmarking.rs` in the wasm runtime.
//! DATE: 2026-12-05, STEPS: `20`, REPEAT: `10`, HOST: `AMD EPYC`
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
	fn authorize_report(n: u32, ) -> Weight;
	fn set_ticket_key() -> Weight;
	fn reinstate() -> Weight;
}

/// Weights for `pallet_ditex` with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Ditex::SegmentByEndpoint` (r:1 w:1)
	/// Proof: `Ditex::SegmentByEndpoint` (`max_values`: None, `max_size`: Some(39), added: 2514, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::SegmentByKey` (r:1 w:1)
	/// Proof: `Ditex::SegmentByKey` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::SegmentByTicketKey` (r:1 w:1)
	/// Proof: `Ditex::SegmentByTicketKey` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::NextSegmentId` (r:1 w:1)
	/// Proof: `Ditex::NextSegmentId` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::OperatorSegments` (r:1 w:1)
	/// Proof: `Ditex::OperatorSegments` (`max_values`: None, `max_size`: Some(113), added: 2588, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::RegionGroups` (r:1 w:1)
	/// Proof: `Ditex::RegionGroups` (`max_values`: None, `max_size`: Some(424), added: 2899, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Groups` (r:1 w:1)
	/// Proof: `Ditex::Groups` (`max_values`: None, `max_size`: Some(420), added: 2895, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::NextGroupId` (r:1 w:1)
	/// Proof: `Ditex::NextGroupId` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Segments` (r:0 w:1)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	fn register() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `4481`
		//  Estimated: `3889`
		// Minimum execution time: 128_601_000 picoseconds.
		Weight::from_parts(144_965_000, 3889)
			.saturating_add(T::DbWeight::get().reads(10_u64))
			.saturating_add(T::DbWeight::get().writes(11_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:1)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::SegmentByEndpoint` (r:1 w:2)
	/// Proof: `Ditex::SegmentByEndpoint` (`max_values`: None, `max_size`: Some(39), added: 2514, mode: `MaxEncodedLen`)
	fn update() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `456`
		//  Estimated: `3671`
		// Minimum execution time: 20_931_000 picoseconds.
		Weight::from_parts(22_232_000, 3671)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:1)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Groups` (r:1 w:1)
	/// Proof: `Ditex::Groups` (`max_values`: None, `max_size`: Some(420), added: 2895, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::OperatorSegments` (r:1 w:1)
	/// Proof: `Ditex::OperatorSegments` (`max_values`: None, `max_size`: Some(113), added: 2588, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::Earned` (r:0 w:1)
	/// Proof: `Tickets::Earned` (`max_values`: None, `max_size`: Some(28), added: 2503, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::LastTicket` (r:0 w:1)
	/// Proof: `Tickets::LastTicket` (`max_values`: None, `max_size`: Some(2606), added: 5081, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::SegmentByEndpoint` (r:0 w:1)
	/// Proof: `Ditex::SegmentByEndpoint` (`max_values`: None, `max_size`: Some(39), added: 2514, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::SegmentByKey` (r:0 w:1)
	/// Proof: `Ditex::SegmentByKey` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::SegmentByTicketKey` (r:0 w:1)
	/// Proof: `Ditex::SegmentByTicketKey` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Performance` (r:0 w:198)
	/// Proof: `Ditex::Performance` (`max_values`: None, `max_size`: Some(40), added: 2515, mode: `MaxEncodedLen`)
	fn deregister() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `3202`
		//  Estimated: `3885`
		// Minimum execution time: 440_423_000 picoseconds.
		Weight::from_parts(471_248_000, 3885)
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(208_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:0)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Groups` (r:1 w:0)
	/// Proof: `Ditex::Groups` (`max_values`: None, `max_size`: Some(420), added: 2895, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::LatestReport` (r:1 w:1)
	/// Proof: `Ditex::LatestReport` (`max_values`: None, `max_size`: Some(5223), added: 7698, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:99 w:99)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:101 w:101)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::Ledgers` (r:2 w:2)
	/// Proof: `Rewards::Ledgers` (`max_values`: None, `max_size`: Some(73), added: 2548, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Performance` (r:0 w:1000)
	/// Proof: `Ditex::Performance` (`max_values`: None, `max_size`: Some(40), added: 2515, mode: `MaxEncodedLen`)
	/// The range of component `n` is `[1, 1000]`.
	fn report_performance(n: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `24087`
		//  Estimated: `263893`
		// Minimum execution time: 5_929_345_000 picoseconds.
		Weight::from_parts(6_025_129_461, 263893)
			// Standard Error: 34_938
			.saturating_add(Weight::from_parts(2_215_203, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(205_u64))
			.saturating_add(T::DbWeight::get().writes(203_u64))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(n.into())))
	}
	/// Storage: `Ditex::Segments` (r:100 w:1)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::LatestReport` (r:1 w:1)
	/// Proof: `Ditex::LatestReport` (`max_values`: None, `max_size`: Some(5223), added: 7698, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Performance` (r:1 w:198)
	/// Proof: `Ditex::Performance` (`max_values`: None, `max_size`: Some(40), added: 2515, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:34 w:34)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:34 w:34)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Groups` (r:1 w:1)
	/// Proof: `Ditex::Groups` (`max_values`: None, `max_size`: Some(420), added: 2895, mode: `MaxEncodedLen`)
	fn dispute_report() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `31009`
		//  Estimated: `269090`
		// Minimum execution time: 2_235_773_000 picoseconds.
		Weight::from_parts(2_332_536_000, 269090)
			.saturating_add(T::DbWeight::get().reads(171_u64))
			.saturating_add(T::DbWeight::get().writes(269_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:0)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Groups` (r:1 w:0)
	/// Proof: `Ditex::Groups` (`max_values`: None, `max_size`: Some(420), added: 2895, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::LatestReport` (r:1 w:0)
	/// Proof: `Ditex::LatestReport` (`max_values`: None, `max_size`: Some(5223), added: 7698, mode: `MaxEncodedLen`)
	/// Storage: `System::BlockHash` (r:1 w:0)
	/// Proof: `System::BlockHash` (`max_values`: None, `max_size`: Some(44), added: 2519, mode: `MaxEncodedLen`)
	/// The range of component `n` is `[1, 1000]`.
	fn authorize_report(n: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `1645`
		//  Estimated: `8688`
		// Minimum execution time: 71_295_000 picoseconds.
		Weight::from_parts(80_264_802, 8688)
			// Standard Error: 893
			.saturating_add(Weight::from_parts(76_108, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(4_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:1)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::SegmentByTicketKey` (r:1 w:2)
	/// Proof: `Ditex::SegmentByTicketKey` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	fn set_ticket_key() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `482`
		//  Estimated: `3671`
		// Minimum execution time: 20_611_000 picoseconds.
		Weight::from_parts(21_992_000, 3671)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:1)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::RegionGroups` (r:1 w:1)
	/// Proof: `Ditex::RegionGroups` (`max_values`: None, `max_size`: Some(424), added: 2899, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Groups` (r:1 w:1)
	/// Proof: `Ditex::Groups` (`max_values`: None, `max_size`: Some(420), added: 2895, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::NextGroupId` (r:1 w:1)
	/// Proof: `Ditex::NextGroupId` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	fn reinstate() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `1605`
		//  Estimated: `3889`
		// Minimum execution time: 45_958_000 picoseconds.
		Weight::from_parts(59_718_000, 3889)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
}

/// The same weights with ParityDB's database weights, for tests and mock runtimes.
impl WeightInfo for () {
	fn register() -> Weight {
		Weight::from_parts(144_965_000, 3889)
			.saturating_add(ParityDbWeight::get().reads(10_u64))
			.saturating_add(ParityDbWeight::get().writes(11_u64))
	}
	fn update() -> Weight {
		Weight::from_parts(22_232_000, 3671)
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
	}
	fn deregister() -> Weight {
		Weight::from_parts(471_248_000, 3885)
			.saturating_add(ParityDbWeight::get().reads(5_u64))
			.saturating_add(ParityDbWeight::get().writes(208_u64))
	}
	fn report_performance(n: u32, ) -> Weight {
		Weight::from_parts(6_025_129_461, 263893)
			.saturating_add(Weight::from_parts(2_215_203, 0).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads(205_u64))
			.saturating_add(ParityDbWeight::get().writes(203_u64))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(n.into())))
	}
	fn dispute_report() -> Weight {
		Weight::from_parts(2_332_536_000, 269090)
			.saturating_add(ParityDbWeight::get().reads(171_u64))
			.saturating_add(ParityDbWeight::get().writes(269_u64))
	}
	fn authorize_report(n: u32, ) -> Weight {
		Weight::from_parts(80_264_802, 8688)
			.saturating_add(Weight::from_parts(76_108, 0).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads(4_u64))
	}
	fn set_ticket_key() -> Weight {
		Weight::from_parts(21_992_000, 3671)
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
	}
	fn reinstate() -> Weight {
		Weight::from_parts(59_718_000, 3889)
			.saturating_add(ParityDbWeight::get().reads(4_u64))
			.saturating_add(ParityDbWeight::get().writes(4_u64))
	}
}
