//! Weights for `pallet_rewards`.
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
// pallet_rewards
// --extrinsic
// *
// --steps
// 20
// --repeat
// 10
// --template
// scripts/frame-weight-template.hbs
// --output
// pallets/rewards/src/weights.rs

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_rewards`.
pub trait WeightInfo {
	fn vote() -> Weight;
	fn unvote() -> Weight;
	fn claim(v: u32, ) -> Weight;
	fn unlock() -> Weight;
	fn refresh_standing() -> Weight;
	fn note_author() -> Weight;
	fn mint_subsidy() -> Weight;
	fn end_era(a: u32, w: u32, ) -> Weight;
}

/// Weights for `pallet_rewards` with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Rewards::Voters` (r:1 w:1)
	/// Proof: `Rewards::Voters` (`max_values`: None, `max_size`: Some(1109), added: 3584, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::CurrentEra` (r:1 w:0)
	/// Proof: `Rewards::CurrentEra` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::Wallets` (r:1 w:1)
	/// Proof: `Rewards::Wallets` (`max_values`: None, `max_size`: Some(96), added: 2571, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Freezes` (r:1 w:1)
	/// Proof: `Balances::Freezes` (`max_values`: None, `max_size`: Some(67), added: 2542, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Locks` (r:1 w:0)
	/// Proof: `Balances::Locks` (`max_values`: None, `max_size`: Some(1299), added: 3774, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::Standings` (r:1 w:1)
	/// Proof: `Rewards::Standings` (`max_values`: Some(1), `max_size`: Some(3074), added: 3569, mode: `MaxEncodedLen`)
	fn vote() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `6210`
		//  Estimated: `4764`
		// Minimum execution time: 70_314_000 picoseconds.
		Weight::from_parts(77_485_000, 4764)
			.saturating_add(T::DbWeight::get().reads(7_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	/// Storage: `Rewards::Voters` (r:1 w:1)
	/// Proof: `Rewards::Voters` (`max_values`: None, `max_size`: Some(1109), added: 3584, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::Wallets` (r:1 w:1)
	/// Proof: `Rewards::Wallets` (`max_values`: None, `max_size`: Some(96), added: 2571, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::CurrentEra` (r:1 w:0)
	/// Proof: `Rewards::CurrentEra` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Freezes` (r:1 w:1)
	/// Proof: `Balances::Freezes` (`max_values`: None, `max_size`: Some(67), added: 2542, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Locks` (r:1 w:0)
	/// Proof: `Balances::Locks` (`max_values`: None, `max_size`: Some(1299), added: 3774, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::Ledgers` (r:1 w:1)
	/// Proof: `Rewards::Ledgers` (`max_values`: None, `max_size`: Some(73), added: 2548, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::Standings` (r:1 w:1)
	/// Proof: `Rewards::Standings` (`max_values`: Some(1), `max_size`: Some(3074), added: 3569, mode: `MaxEncodedLen`)
	fn unvote() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `6500`
		//  Estimated: `4764`
		// Minimum execution time: 75_151_000 picoseconds.
		Weight::from_parts(83_804_000, 4764)
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().writes(6_u64))
	}
	/// Storage: `Rewards::Voters` (r:1 w:1)
	/// Proof: `Rewards::Voters` (`max_values`: None, `max_size`: Some(1109), added: 3584, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::Wallets` (r:16 w:16)
	/// Proof: `Rewards::Wallets` (`max_values`: None, `max_size`: Some(96), added: 2571, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Freezes` (r:1 w:1)
	/// Proof: `Balances::Freezes` (`max_values`: None, `max_size`: Some(67), added: 2542, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:3 w:3)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Locks` (r:1 w:0)
	/// Proof: `Balances::Locks` (`max_values`: None, `max_size`: Some(1299), added: 3774, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::ValidatorRewards` (r:1 w:1)
	/// Proof: `Rewards::ValidatorRewards` (`max_values`: None, `max_size`: Some(64), added: 2539, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::Ledgers` (r:2 w:2)
	/// Proof: `Rewards::Ledgers` (`max_values`: None, `max_size`: Some(73), added: 2548, mode: `MaxEncodedLen`)
	/// The range of component `v` is `[0, 16]`.
	fn claim(v: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `1064 + v * (167 ±0)`
		//  Estimated: `7942 + v * (2571 ±0)`
		// Minimum execution time: 63_544_000 picoseconds.
		Weight::from_parts(113_696_854, 7942)
			// Standard Error: 55_744
			.saturating_add(Weight::from_parts(8_508_046, 0).saturating_mul(v.into()))
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(v.into())))
			.saturating_add(T::DbWeight::get().writes(7_u64))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(v.into())))
			.saturating_add(Weight::from_parts(0, 2571).saturating_mul(v.into()))
	}
	/// Storage: `Rewards::Voters` (r:1 w:1)
	/// Proof: `Rewards::Voters` (`max_values`: None, `max_size`: Some(1109), added: 3584, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::CurrentEra` (r:1 w:0)
	/// Proof: `Rewards::CurrentEra` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Freezes` (r:1 w:1)
	/// Proof: `Balances::Freezes` (`max_values`: None, `max_size`: Some(67), added: 2542, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Locks` (r:1 w:0)
	/// Proof: `Balances::Locks` (`max_values`: None, `max_size`: Some(1299), added: 3774, mode: `MaxEncodedLen`)
	fn unlock() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `608`
		//  Estimated: `4764`
		// Minimum execution time: 36_214_000 picoseconds.
		Weight::from_parts(38_326_000, 4764)
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `Rewards::Standings` (r:1 w:1)
	/// Proof: `Rewards::Standings` (`max_values`: Some(1), `max_size`: Some(3074), added: 3569, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::Wallets` (r:1 w:0)
	/// Proof: `Rewards::Wallets` (`max_values`: None, `max_size`: Some(96), added: 2571, mode: `MaxEncodedLen`)
	fn refresh_standing() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `4038`
		//  Estimated: `4559`
		// Minimum execution time: 24_717_000 picoseconds.
		Weight::from_parts(30_636_000, 4559)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `Rewards::EraAuthors` (r:1 w:1)
	/// Proof: `Rewards::EraAuthors` (`max_values`: None, `max_size`: Some(44), added: 2519, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::CounterForEraAuthors` (r:1 w:1)
	/// Proof: `Rewards::CounterForEraAuthors` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::EraBlocks` (r:1 w:1)
	/// Proof: `Rewards::EraBlocks` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	fn note_author() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `918`
		//  Estimated: `3509`
		// Minimum execution time: 13_730_000 picoseconds.
		Weight::from_parts(14_682_000, 3509)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `System::Account` (r:2 w:2)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::Ledgers` (r:2 w:2)
	/// Proof: `Rewards::Ledgers` (`max_values`: None, `max_size`: Some(73), added: 2548, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::Issuance` (r:1 w:1)
	/// Proof: `Rewards::Issuance` (`max_values`: Some(1), `max_size`: Some(16), added: 511, mode: `MaxEncodedLen`)
	fn mint_subsidy() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `523`
		//  Estimated: `6196`
		// Minimum execution time: 54_841_000 picoseconds.
		Weight::from_parts(56_894_000, 6196)
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	/// Storage: `Rewards::CurrentEra` (r:1 w:1)
	/// Proof: `Rewards::CurrentEra` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:2 w:0)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::Ledgers` (r:2 w:2)
	/// Proof: `Rewards::Ledgers` (`max_values`: None, `max_size`: Some(73), added: 2548, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::EraBlocks` (r:1 w:1)
	/// Proof: `Rewards::EraBlocks` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::EraAuthors` (r:101 w:100)
	/// Proof: `Rewards::EraAuthors` (`max_values`: None, `max_size`: Some(44), added: 2519, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::CounterForEraAuthors` (r:1 w:1)
	/// Proof: `Rewards::CounterForEraAuthors` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::ValidatorRewards` (r:100 w:100)
	/// Proof: `Rewards::ValidatorRewards` (`max_values`: None, `max_size`: Some(64), added: 2539, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::Standings` (r:1 w:0)
	/// Proof: `Rewards::Standings` (`max_values`: Some(1), `max_size`: Some(3074), added: 3569, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::Wallets` (r:16 w:16)
	/// Proof: `Rewards::Wallets` (`max_values`: None, `max_size`: Some(96), added: 2571, mode: `MaxEncodedLen`)
	/// The range of component `a` is `[0, 100]`.
	/// The range of component `w` is `[0, 16]`.
	fn end_era(a: u32, w: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `751 + a * (49 ±0) + w * (154 ±0)`
		//  Estimated: `6196 + a * (2539 ±0) + w * (2571 ±0)`
		// Minimum execution time: 139_427_000 picoseconds.
		Weight::from_parts(26_429_685, 6196)
			// Standard Error: 12_849
			.saturating_add(Weight::from_parts(9_494_130, 0).saturating_mul(a.into()))
			// Standard Error: 78_057
			.saturating_add(Weight::from_parts(7_335_326, 0).saturating_mul(w.into()))
			.saturating_add(T::DbWeight::get().reads(9_u64))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(a.into())))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(w.into())))
			.saturating_add(T::DbWeight::get().writes(5_u64))
			.saturating_add(T::DbWeight::get().writes((2_u64).saturating_mul(a.into())))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(w.into())))
			.saturating_add(Weight::from_parts(0, 2539).saturating_mul(a.into()))
			.saturating_add(Weight::from_parts(0, 2571).saturating_mul(w.into()))
	}
}

/// The same weights with ParityDB's database weights, for tests and mock runtimes.
impl WeightInfo for () {
	fn vote() -> Weight {
		Weight::from_parts(77_485_000, 4764)
			.saturating_add(ParityDbWeight::get().reads(7_u64))
			.saturating_add(ParityDbWeight::get().writes(5_u64))
	}
	fn unvote() -> Weight {
		Weight::from_parts(83_804_000, 4764)
			.saturating_add(ParityDbWeight::get().reads(8_u64))
			.saturating_add(ParityDbWeight::get().writes(6_u64))
	}
	fn claim(v: u32, ) -> Weight {
		Weight::from_parts(113_696_854, 7942)
			.saturating_add(Weight::from_parts(8_508_046, 0).saturating_mul(v.into()))
			.saturating_add(ParityDbWeight::get().reads(8_u64))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(v.into())))
			.saturating_add(ParityDbWeight::get().writes(7_u64))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(v.into())))
			.saturating_add(Weight::from_parts(0, 2571).saturating_mul(v.into()))
	}
	fn unlock() -> Weight {
		Weight::from_parts(38_326_000, 4764)
			.saturating_add(ParityDbWeight::get().reads(5_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
	}
	fn refresh_standing() -> Weight {
		Weight::from_parts(30_636_000, 4559)
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
	fn note_author() -> Weight {
		Weight::from_parts(14_682_000, 3509)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
	}
	fn mint_subsidy() -> Weight {
		Weight::from_parts(56_894_000, 6196)
			.saturating_add(ParityDbWeight::get().reads(5_u64))
			.saturating_add(ParityDbWeight::get().writes(5_u64))
	}
	fn end_era(a: u32, w: u32, ) -> Weight {
		Weight::from_parts(26_429_685, 6196)
			.saturating_add(Weight::from_parts(9_494_130, 0).saturating_mul(a.into()))
			.saturating_add(Weight::from_parts(7_335_326, 0).saturating_mul(w.into()))
			.saturating_add(ParityDbWeight::get().reads(9_u64))
			.saturating_add(ParityDbWeight::get().reads((2_u64).saturating_mul(a.into())))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(w.into())))
			.saturating_add(ParityDbWeight::get().writes(5_u64))
			.saturating_add(ParityDbWeight::get().writes((2_u64).saturating_mul(a.into())))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(w.into())))
			.saturating_add(Weight::from_parts(0, 2539).saturating_mul(a.into()))
			.saturating_add(Weight::from_parts(0, 2571).saturating_mul(w.into()))
	}
}
