//! Weights for `pallet_masternodes`.
//!
//! The storage-access counts are those each call and session hook performs in its worst case.
//! The `ref_time` and proof-size figures are conservative estimates, not measurements, until
//! `scripts/bench-weights.sh pallet_masternodes pallets/masternodes/src/weights.rs`
//! (frame-omni-bencher over the benchmarks in `benchmarking.rs`) regenerates this file.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::RocksDbWeight}};
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

/// Weights for `pallet_masternodes` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `MasterNodes::Candidates` (r:1 w:1), `MasterNodes::Unbonding` (r:1 w:0),
	/// `Session::NextKeys` (r:1 w:0), `Balances::Holds` (r:1 w:1), `System::Account` (r:1 w:1)
	/// The range of component `c` is `[0, MaxCandidates - 1]`.
	fn bond(c: u32, ) -> Weight {
		Weight::from_parts(55_000_000, 6_000)
			.saturating_add(Weight::from_parts(400_000, 60).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `MasterNodes::Candidates` (r:1 w:1), `Balances::Holds` (r:1 w:1), `System::Account` (r:1 w:1)
	/// The range of component `c` is `[1, MaxCandidates]`.
	fn bond_extra(c: u32, ) -> Weight {
		Weight::from_parts(50_000_000, 6_000)
			.saturating_add(Weight::from_parts(400_000, 60).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `MasterNodes::Candidates` (r:1 w:1), `Session::NextKeys` (r:c w:0),
	/// `MasterNodes::CurrentSession` (r:1 w:0), `MasterNodes::Unbonding` (r:0 w:1)
	/// The range of component `c` is `[MinValidators + 1, MaxCandidates]`.
	fn leave(c: u32, ) -> Weight {
		Weight::from_parts(30_000_000, 4_000)
			.saturating_add(Weight::from_parts(3_000_000, 2_600).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(c.into())))
			.saturating_add(T::DbWeight::get().writes(2_u64))
	}
	/// Storage: `MasterNodes::Unbonding` (r:1 w:1), `MasterNodes::CurrentSession` (r:1 w:0),
	/// `MasterNodes::ActiveValidators` (r:1 w:0), `MasterNodes::QueuedValidators` (r:1 w:0),
	/// `Balances::Holds` (r:1 w:1), `System::Account` (r:1 w:1)
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(60_000_000, 12_000)
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `MasterNodes::Candidates` (r:1 w:1), `Session::NextKeys` (r:1 w:0)
	/// The range of component `c` is `[1, MaxCandidates]`.
	fn rejoin(c: u32, ) -> Weight {
		Weight::from_parts(25_000_000, 4_000)
			.saturating_add(Weight::from_parts(300_000, 60).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `MasterNodes::SessionLength` (r:0 w:1)
	fn set_session_length() -> Weight {
		Weight::from_parts(10_000_000, 0)
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `MasterNodes::CurrentSession` (r:1 w:0), `MasterNodes::AuthoredBlocks` (r:1 w:1)
	fn note_author() -> Weight {
		Weight::from_parts(12_000_000, 3_600)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `MasterNodes::Candidates` (r:1 w:0), `Session::NextKeys` (r:c w:0),
	/// `MasterNodes::ActiveValidators` (r:1 w:0), `MasterNodes::QueuedValidators` (r:0 w:1)
	/// The range of component `c` is `[0, MaxCandidates]`.
	fn new_session(c: u32, ) -> Weight {
		Weight::from_parts(20_000_000, 6_000)
			.saturating_add(Weight::from_parts(4_000_000, 2_600).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(c.into())))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `MasterNodes::Candidates` (r:1 w:1), `Session::NextKeys` (r:2c w:0),
	/// `MasterNodes::ActiveValidators` (r:1 w:1), `MasterNodes::AuthoredBlocks` (r:c w:c),
	/// `MasterNodes::QueuedValidators` (r:1 w:0), `MasterNodes::CurrentSession` (r:0 w:1),
	/// `MasterNodes::SessionStart` (r:0 w:1)
	/// The range of component `c` is `[1, MaxCandidates]`.
	fn end_session(c: u32, ) -> Weight {
		Weight::from_parts(25_000_000, 8_000)
			.saturating_add(Weight::from_parts(9_000_000, 5_200).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(c.into())))
			.saturating_add(T::DbWeight::get().writes(5_u64))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(c.into())))
	}
}

// For tests and mocks.
impl WeightInfo for () {
	fn bond(c: u32, ) -> Weight {
		Weight::from_parts(55_000_000, 6_000)
			.saturating_add(Weight::from_parts(400_000, 60).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(5_u64))
			.saturating_add(RocksDbWeight::get().writes(3_u64))
	}
	fn bond_extra(c: u32, ) -> Weight {
		Weight::from_parts(50_000_000, 6_000)
			.saturating_add(Weight::from_parts(400_000, 60).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(3_u64))
			.saturating_add(RocksDbWeight::get().writes(3_u64))
	}
	fn leave(c: u32, ) -> Weight {
		Weight::from_parts(30_000_000, 4_000)
			.saturating_add(Weight::from_parts(3_000_000, 2_600).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(2_u64))
			.saturating_add(RocksDbWeight::get().reads((1_u64).saturating_mul(c.into())))
			.saturating_add(RocksDbWeight::get().writes(2_u64))
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(60_000_000, 12_000)
			.saturating_add(RocksDbWeight::get().reads(6_u64))
			.saturating_add(RocksDbWeight::get().writes(3_u64))
	}
	fn rejoin(c: u32, ) -> Weight {
		Weight::from_parts(25_000_000, 4_000)
			.saturating_add(Weight::from_parts(300_000, 60).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(2_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	fn set_session_length() -> Weight {
		Weight::from_parts(10_000_000, 0)
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	fn note_author() -> Weight {
		Weight::from_parts(12_000_000, 3_600)
			.saturating_add(RocksDbWeight::get().reads(2_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	fn new_session(c: u32, ) -> Weight {
		Weight::from_parts(20_000_000, 6_000)
			.saturating_add(Weight::from_parts(4_000_000, 2_600).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(2_u64))
			.saturating_add(RocksDbWeight::get().reads((1_u64).saturating_mul(c.into())))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	fn end_session(c: u32, ) -> Weight {
		Weight::from_parts(25_000_000, 8_000)
			.saturating_add(Weight::from_parts(9_000_000, 5_200).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(3_u64))
			.saturating_add(RocksDbWeight::get().reads((3_u64).saturating_mul(c.into())))
			.saturating_add(RocksDbWeight::get().writes(5_u64))
			.saturating_add(RocksDbWeight::get().writes((1_u64).saturating_mul(c.into())))
	}
}
