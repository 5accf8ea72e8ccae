//! Weights for `pallet_masternodes`.
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
// pallet_masternodes
// --extrinsic
// *
// --steps
// 20
// --repeat
// 10
// --template
// scripts/frame-weight-template.hbs
// --output
// pallets/masternodes/src/weights.rs

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_masternodes`.
pub trait WeightInfo {
	fn bond(c: u32, ) -> Weight;
	fn bond_extra(c: u32, ) -> Weight;
	fn leave(c: u32, ) -> Weight;
	fn withdraw_unbonded() -> Weight;
	fn rejoin(c: u32, ) -> Weight;
	fn set_session_length() -> Weight;
	fn note_author() -> Weight;
	fn new_session(c: u32, ) -> Weight;
	fn end_session(c: u32, ) -> Weight;
}

/// Weights for `pallet_masternodes` with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `MasterNodes::Candidates` (r:1 w:1)
	/// Proof: `MasterNodes::Candidates` (`max_values`: Some(1), `max_size`: Some(5302), added: 5797, mode: `MaxEncodedLen`)
	/// Storage: `MasterNodes::Unbonding` (r:1 w:1)
	/// Proof: `MasterNodes::Unbonding` (`max_values`: None, `max_size`: Some(68), added: 2543, mode: `MaxEncodedLen`)
	/// Storage: `Session::NextKeys` (r:1 w:0)
	/// Proof: `Session::NextKeys` (`max_values`: None, `max_size`: None, mode: `Measured`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// Storage: `MasterNodes::CurrentSession` (r:1 w:0)
	/// Proof: `MasterNodes::CurrentSession` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// The range of component `c` is `[0, 100]`.
	fn bond(c: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `1092 + c * (57 ±0)`
		//  Estimated: `6787 + c * (60 ±0)`
		// Minimum execution time: 63_704_000 picoseconds.
		Weight::from_parts(69_872_540, 6787)
			// Standard Error: 2_750
			.saturating_add(Weight::from_parts(312_348, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
			.saturating_add(Weight::from_parts(0, 60).saturating_mul(c.into()))
	}
	/// Storage: `MasterNodes::Candidates` (r:1 w:1)
	/// Proof: `MasterNodes::Candidates` (`max_values`: Some(1), `max_size`: Some(5302), added: 5797, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// The range of component `c` is `[1, 100]`.
	fn bond_extra(c: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `529 + c * (55 ±0)`
		//  Estimated: `6787`
		// Minimum execution time: 57_224_000 picoseconds.
		Weight::from_parts(62_849_476, 6787)
			// Standard Error: 2_129
			.saturating_add(Weight::from_parts(239_225, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `MasterNodes::Candidates` (r:1 w:1)
	/// Proof: `MasterNodes::Candidates` (`max_values`: Some(1), `max_size`: Some(5302), added: 5797, mode: `MaxEncodedLen`)
	/// Storage: `Session::NextKeys` (r:100 w:0)
	/// Proof: `Session::NextKeys` (`max_values`: None, `max_size`: None, mode: `Measured`)
	/// Storage: `MasterNodes::CurrentSession` (r:1 w:0)
	/// Proof: `MasterNodes::CurrentSession` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `MasterNodes::Unbonding` (r:0 w:1)
	/// Proof: `MasterNodes::Unbonding` (`max_values`: None, `max_size`: Some(68), added: 2543, mode: `MaxEncodedLen`)
	/// The range of component `c` is `[2, 100]`.
	fn leave(c: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `534 + c * (49 ±0)`
		//  Estimated: `6787 + c * (2524 ±0)`
		// Minimum execution time: 25_918_000 picoseconds.
		Weight::from_parts(24_925_684, 6787)
			// Standard Error: 2_520
			.saturating_add(Weight::from_parts(2_213_844, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(c.into())))
			.saturating_add(T::DbWeight::get().writes(2_u64))
			.saturating_add(Weight::from_parts(0, 2524).saturating_mul(c.into()))
	}
	/// Storage: `MasterNodes::Unbonding` (r:1 w:1)
	/// Proof: `MasterNodes::Unbonding` (`max_values`: None, `max_size`: Some(68), added: 2543, mode: `MaxEncodedLen`)
	/// Storage: `MasterNodes::CurrentSession` (r:1 w:0)
	/// Proof: `MasterNodes::CurrentSession` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `MasterNodes::ActiveValidators` (r:1 w:0)
	/// Proof: `MasterNodes::ActiveValidators` (`max_values`: Some(1), `max_size`: Some(321), added: 816, mode: `MaxEncodedLen`)
	/// Storage: `MasterNodes::QueuedValidators` (r:1 w:0)
	/// Proof: `MasterNodes::QueuedValidators` (`max_values`: Some(1), `max_size`: Some(321), added: 816, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	fn withdraw_unbonded() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `965`
		//  Estimated: `3622`
		// Minimum execution time: 60_299_000 picoseconds.
		Weight::from_parts(63_905_000, 3622)
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `MasterNodes::Candidates` (r:1 w:1)
	/// Proof: `MasterNodes::Candidates` (`max_values`: Some(1), `max_size`: Some(5302), added: 5797, mode: `MaxEncodedLen`)
	/// Storage: `Session::NextKeys` (r:1 w:0)
	/// Proof: `Session::NextKeys` (`max_values`: None, `max_size`: None, mode: `Measured`)
	/// The range of component `c` is `[1, 100]`.
	fn rejoin(c: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `598 + c * (54 ±0)`
		//  Estimated: `6787 + c * (55 ±0)`
		// Minimum execution time: 18_287_000 picoseconds.
		Weight::from_parts(24_284_033, 6787)
			// Standard Error: 6_156
			.saturating_add(Weight::from_parts(372_213, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(Weight::from_parts(0, 55).saturating_mul(c.into()))
	}
	/// Storage: `MasterNodes::SessionLength` (r:0 w:1)
	/// Proof: `MasterNodes::SessionLength` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	fn set_session_length() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `0`
		//  Estimated: `0`
		// Minimum execution time: 4_377_000 picoseconds.
		Weight::from_parts(5_248_000, 0)
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `MasterNodes::CurrentSession` (r:1 w:0)
	/// Proof: `MasterNodes::CurrentSession` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `MasterNodes::AuthoredBlocks` (r:1 w:1)
	/// Proof: `MasterNodes::AuthoredBlocks` (`max_values`: None, `max_size`: Some(64), added: 2539, mode: `MaxEncodedLen`)
	fn note_author() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `230`
		//  Estimated: `3529`
		// Minimum execution time: 9_634_000 picoseconds.
		Weight::from_parts(10_466_000, 3529)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `MasterNodes::Candidates` (r:1 w:0)
	/// Proof: `MasterNodes::Candidates` (`max_values`: Some(1), `max_size`: Some(5302), added: 5797, mode: `MaxEncodedLen`)
	/// Storage: `Session::NextKeys` (r:100 w:0)
	/// Proof: `Session::NextKeys` (`max_values`: None, `max_size`: None, mode: `Measured`)
	/// Storage: `MasterNodes::ActiveValidators` (r:1 w:0)
	/// Proof: `MasterNodes::ActiveValidators` (`max_values`: Some(1), `max_size`: Some(321), added: 816, mode: `MaxEncodedLen`)
	/// Storage: `MasterNodes::QueuedValidators` (r:0 w:1)
	/// Proof: `MasterNodes::QueuedValidators` (`max_values`: Some(1), `max_size`: Some(321), added: 816, mode: `MaxEncodedLen`)
	/// The range of component `c` is `[0, 100]`.
	fn new_session(c: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `1403 + c * (49 ±0)`
		//  Estimated: `6787 + c * (2526 ±0)`
		// Minimum execution time: 14_772_000 picoseconds.
		Weight::from_parts(30_059_882, 6787)
			// Standard Error: 5_849
			.saturating_add(Weight::from_parts(2_341_706, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(c.into())))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(Weight::from_parts(0, 2526).saturating_mul(c.into()))
	}
	/// Storage: `MasterNodes::Candidates` (r:1 w:1)
	/// Proof: `MasterNodes::Candidates` (`max_values`: Some(1), `max_size`: Some(5302), added: 5797, mode: `MaxEncodedLen`)
	/// Storage: `MasterNodes::ActiveValidators` (r:1 w:1)
	/// Proof: `MasterNodes::ActiveValidators` (`max_values`: Some(1), `max_size`: Some(321), added: 816, mode: `MaxEncodedLen`)
	/// Storage: `MasterNodes::SessionStart` (r:1 w:1)
	/// Proof: `MasterNodes::SessionStart` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Session::NextKeys` (r:100 w:0)
	/// Proof: `Session::NextKeys` (`max_values`: None, `max_size`: None, mode: `Measured`)
	/// Storage: `MasterNodes::AuthoredBlocks` (r:10 w:0)
	/// Proof: `MasterNodes::AuthoredBlocks` (`max_values`: None, `max_size`: Some(64), added: 2539, mode: `MaxEncodedLen`)
	/// Storage: `MasterNodes::QueuedValidators` (r:1 w:0)
	/// Proof: `MasterNodes::QueuedValidators` (`max_values`: Some(1), `max_size`: Some(321), added: 816, mode: `MaxEncodedLen`)
	/// Storage: `MasterNodes::CurrentSession` (r:0 w:1)
	/// Proof: `MasterNodes::CurrentSession` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// The range of component `c` is `[1, 100]`.
	fn end_session(c: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `681 + c * (161 ±0)`
		//  Estimated: `20369 + c * (2638 ±14)`
		// Minimum execution time: 40_280_000 picoseconds.
		Weight::from_parts(63_357_885, 20369)
			// Standard Error: 13_233
			.saturating_add(Weight::from_parts(4_748_419, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(12_u64))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(c.into())))
			.saturating_add(T::DbWeight::get().writes(4_u64))
			.saturating_add(Weight::from_parts(0, 2638).saturating_mul(c.into()))
	}
}

/// The same weights with ParityDB's database weights, for tests and mock runtimes.
impl WeightInfo for () {
	fn bond(c: u32, ) -> Weight {
		Weight::from_parts(69_872_540, 6787)
			.saturating_add(Weight::from_parts(312_348, 0).saturating_mul(c.into()))
			.saturating_add(ParityDbWeight::get().reads(5_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
			.saturating_add(Weight::from_parts(0, 60).saturating_mul(c.into()))
	}
	fn bond_extra(c: u32, ) -> Weight {
		Weight::from_parts(62_849_476, 6787)
			.saturating_add(Weight::from_parts(239_225, 0).saturating_mul(c.into()))
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
	}
	fn leave(c: u32, ) -> Weight {
		Weight::from_parts(24_925_684, 6787)
			.saturating_add(Weight::from_parts(2_213_844, 0).saturating_mul(c.into()))
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(c.into())))
			.saturating_add(ParityDbWeight::get().writes(2_u64))
			.saturating_add(Weight::from_parts(0, 2524).saturating_mul(c.into()))
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(63_905_000, 3622)
			.saturating_add(ParityDbWeight::get().reads(6_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
	}
	fn rejoin(c: u32, ) -> Weight {
		Weight::from_parts(24_284_033, 6787)
			.saturating_add(Weight::from_parts(372_213, 0).saturating_mul(c.into()))
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
			.saturating_add(Weight::from_parts(0, 55).saturating_mul(c.into()))
	}
	fn set_session_length() -> Weight {
		Weight::from_parts(5_248_000, 0)
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
	fn note_author() -> Weight {
		Weight::from_parts(10_466_000, 3529)
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
	fn new_session(c: u32, ) -> Weight {
		Weight::from_parts(30_059_882, 6787)
			.saturating_add(Weight::from_parts(2_341_706, 0).saturating_mul(c.into()))
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(c.into())))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
			.saturating_add(Weight::from_parts(0, 2526).saturating_mul(c.into()))
	}
	fn end_session(c: u32, ) -> Weight {
		Weight::from_parts(63_357_885, 20369)
			.saturating_add(Weight::from_parts(4_748_419, 0).saturating_mul(c.into()))
			.saturating_add(ParityDbWeight::get().reads(12_u64))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(c.into())))
			.saturating_add(ParityDbWeight::get().writes(4_u64))
			.saturating_add(Weight::from_parts(0, 2638).saturating_mul(c.into()))
	}
}
