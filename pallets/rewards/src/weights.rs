//! Weights for `pallet_rewards`.
//!
//! The storage-access counts are those each call or hook performs in its worst case. The
//! `ref_time` and proof-size figures are conservative estimates, not measurements, until
//! `scripts/bench-weights.sh pallet_rewards pallets/rewards/src/weights.rs` (frame-omni-bencher
//! over the benchmarks in `benchmarking.rs`) regenerates this file.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::RocksDbWeight}};
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

/// Weights for `pallet_rewards` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Rewards::Voters` (r:1 w:1), `Rewards::CurrentEra` (r:1 w:0),
	/// `Rewards::Wallets` (r:1 w:1), `Rewards::Standings` (r:1 w:1), `Rewards::Ledgers` (r:1 w:1),
	/// `Balances::Freezes` (r:1 w:1), `System::Account` (r:1 w:1)
	fn vote() -> Weight {
		Weight::from_parts(90_000_000, 12_000)
			.saturating_add(T::DbWeight::get().reads(7_u64))
			.saturating_add(T::DbWeight::get().writes(6_u64))
	}
	/// Storage: `Rewards::Voters` (r:1 w:1), `Rewards::CurrentEra` (r:1 w:0),
	/// `Rewards::Wallets` (r:1 w:1), `Rewards::Standings` (r:1 w:1), `Rewards::Ledgers` (r:1 w:1),
	/// `Balances::Freezes` (r:1 w:1), `System::Account` (r:1 w:1)
	fn unvote() -> Weight {
		Weight::from_parts(90_000_000, 12_000)
			.saturating_add(T::DbWeight::get().reads(7_u64))
			.saturating_add(T::DbWeight::get().writes(6_u64))
	}
	/// Storage: `Rewards::Voters` (r:1 w:1), `Rewards::Wallets` (r:v w:v),
	/// `Rewards::ValidatorRewards` (r:1 w:1), `Rewards::Ledgers` (r:2 w:2),
	/// `Balances::Freezes` (r:1 w:1), `System::Account` (r:3 w:3)
	/// The range of component `v` is `[0, 16]`.
	fn claim(v: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 14_000)
			.saturating_add(Weight::from_parts(8_000_000, 2_600).saturating_mul(v.into()))
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(v.into())))
			.saturating_add(T::DbWeight::get().writes(8_u64))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(v.into())))
	}
	/// Storage: `Rewards::Voters` (r:1 w:1), `Rewards::CurrentEra` (r:1 w:0),
	/// `Balances::Freezes` (r:1 w:1), `System::Account` (r:1 w:1)
	fn unlock() -> Weight {
		Weight::from_parts(45_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `Rewards::Standings` (r:1 w:1), `Rewards::Wallets` (r:1 w:0)
	fn refresh_standing() -> Weight {
		Weight::from_parts(30_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `Rewards::EraAuthors` (r:1 w:1), `Rewards::CounterForEraAuthors` (r:1 w:1),
	/// `Rewards::EraBlocks` (r:1 w:1)
	fn note_author() -> Weight {
		Weight::from_parts(15_000_000, 3_600)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `Balances::TotalIssuance` (r:1 w:1), `System::Account` (r:2 w:2),
	/// `Rewards::Ledgers` (r:2 w:2)
	fn mint_subsidy() -> Weight {
		Weight::from_parts(60_000_000, 6_200)
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	/// Storage: `Rewards::CurrentEra` (r:1 w:1), `Rewards::EraBlocks` (r:1 w:1),
	/// `Rewards::Ledgers` (r:2 w:2), `System::Account` (r:2 w:0), `Rewards::Standings` (r:1 w:0),
	/// `Rewards::EraAuthors` (r:a w:a), `Rewards::CounterForEraAuthors` (r:1 w:1),
	/// `Rewards::ValidatorRewards` (r:a w:a), `Rewards::Wallets` (r:w w:w)
	/// The range of component `a` is `[0, 100]`.
	/// The range of component `w` is `[0, 16]`.
	fn end_era(a: u32, w: u32, ) -> Weight {
		Weight::from_parts(40_000_000, 8_000)
			.saturating_add(Weight::from_parts(12_000_000, 2_600).saturating_mul(a.into()))
			.saturating_add(Weight::from_parts(10_000_000, 2_600).saturating_mul(w.into()))
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(a.into())))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(w.into())))
			.saturating_add(T::DbWeight::get().writes(5_u64))
			.saturating_add(T::DbWeight::get().writes((2_u64).saturating_mul(a.into())))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(w.into())))
	}
}

// For tests and mocks.
impl WeightInfo for () {
	fn vote() -> Weight {
		Weight::from_parts(90_000_000, 12_000)
			.saturating_add(RocksDbWeight::get().reads(7_u64))
			.saturating_add(RocksDbWeight::get().writes(6_u64))
	}
	fn unvote() -> Weight {
		Weight::from_parts(90_000_000, 12_000)
			.saturating_add(RocksDbWeight::get().reads(7_u64))
			.saturating_add(RocksDbWeight::get().writes(6_u64))
	}
	fn claim(v: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 14_000)
			.saturating_add(Weight::from_parts(8_000_000, 2_600).saturating_mul(v.into()))
			.saturating_add(RocksDbWeight::get().reads(8_u64))
			.saturating_add(RocksDbWeight::get().reads((1_u64).saturating_mul(v.into())))
			.saturating_add(RocksDbWeight::get().writes(8_u64))
			.saturating_add(RocksDbWeight::get().writes((1_u64).saturating_mul(v.into())))
	}
	fn unlock() -> Weight {
		Weight::from_parts(45_000_000, 6_000)
			.saturating_add(RocksDbWeight::get().reads(4_u64))
			.saturating_add(RocksDbWeight::get().writes(3_u64))
	}
	fn refresh_standing() -> Weight {
		Weight::from_parts(30_000_000, 6_000)
			.saturating_add(RocksDbWeight::get().reads(2_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	fn note_author() -> Weight {
		Weight::from_parts(15_000_000, 3_600)
			.saturating_add(RocksDbWeight::get().reads(3_u64))
			.saturating_add(RocksDbWeight::get().writes(3_u64))
	}
	fn mint_subsidy() -> Weight {
		Weight::from_parts(60_000_000, 6_200)
			.saturating_add(RocksDbWeight::get().reads(5_u64))
			.saturating_add(RocksDbWeight::get().writes(5_u64))
	}
	fn end_era(a: u32, w: u32, ) -> Weight {
		Weight::from_parts(40_000_000, 8_000)
			.saturating_add(Weight::from_parts(12_000_000, 2_600).saturating_mul(a.into()))
			.saturating_add(Weight::from_parts(10_000_000, 2_600).saturating_mul(w.into()))
			.saturating_add(RocksDbWeight::get().reads(8_u64))
			.saturating_add(RocksDbWeight::get().reads((2_u64).saturating_mul(a.into())))
			.saturating_add(RocksDbWeight::get().reads((1_u64).saturating_mul(w.into())))
			.saturating_add(RocksDbWeight::get().writes(5_u64))
			.saturating_add(RocksDbWeight::get().writes((2_u64).saturating_mul(a.into())))
			.saturating_add(RocksDbWeight::get().writes((1_u64).saturating_mul(w.into())))
	}
}
