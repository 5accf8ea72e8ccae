//! Weights for `pallet_escrow`.
//!
//! The storage-access counts are those each call performs in its worst case. The `ref_time`
//! and proof-size figures are conservative estimates, not measurements, until
//! `scripts/bench-weights.sh pallet_escrow pallets/escrow/src/weights.rs` (frame-omni-bencher
//! over the benchmarks in `benchmarking.rs`) regenerates this file.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::RocksDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_escrow`.
pub trait WeightInfo {
	fn open_channel(h: u32, ) -> Weight;
	fn top_up() -> Weight;
	fn close() -> Weight;
	fn order_qos() -> Weight;
	fn confirm_qos() -> Weight;
	fn reject_qos() -> Weight;
	fn refund_channels(n: u32, ) -> Weight;
	fn expire_orders(n: u32, ) -> Weight;
}

/// Weights for `pallet_escrow` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Ditex::Segments` (r:h w:0), `Timestamp::Now` (r:1 w:0),
	/// `Escrow::NextChannelId` (r:1 w:1), `Balances::Holds` (r:1 w:1), `System::Account` (r:1 w:1),
	/// `Escrow::RefundSchedule` (r:16 w:16), `Escrow::Channels` (r:0 w:1)
	/// The range of component `h` is `[1, 8]`.
	fn open_channel(h: u32, ) -> Weight {
		Weight::from_parts(60_000_000, 6_000)
			.saturating_add(Weight::from_parts(8_000_000, 3_000).saturating_mul(h.into()))
			.saturating_add(T::DbWeight::get().reads(20_u64))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(h.into())))
			.saturating_add(T::DbWeight::get().writes(20_u64))
	}
	/// Storage: `Escrow::Channels` (r:1 w:1), `Balances::Holds` (r:1 w:1), `System::Account` (r:1 w:1)
	fn top_up() -> Weight {
		Weight::from_parts(45_000_000, 5_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `Escrow::Channels` (r:1 w:1), `Escrow::RefundSchedule` (r:17 w:17)
	fn close() -> Weight {
		Weight::from_parts(40_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(18_u64))
			.saturating_add(T::DbWeight::get().writes(18_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:0), `Timestamp::Now` (r:1 w:0), `Escrow::NextOrderId` (r:1 w:1),
	/// `Balances::Holds` (r:1 w:1), `System::Account` (r:1 w:1), `Escrow::OrderSchedule` (r:16 w:16),
	/// `Escrow::Orders` (r:0 w:1)
	fn order_qos() -> Weight {
		Weight::from_parts(55_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(21_u64))
			.saturating_add(T::DbWeight::get().writes(20_u64))
	}
	/// Storage: `Escrow::Orders` (r:1 w:1), `Escrow::OrderSchedule` (r:1 w:1),
	/// `Balances::Holds` (r:1 w:1), `System::Account` (r:2 w:2)
	fn confirm_qos() -> Weight {
		Weight::from_parts(60_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	/// Storage: `Escrow::Orders` (r:1 w:1), `Escrow::OrderSchedule` (r:1 w:1),
	/// `Balances::Holds` (r:1 w:1), `System::Account` (r:1 w:1)
	fn reject_qos() -> Weight {
		Weight::from_parts(50_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
	/// Storage: `Escrow::RefundSchedule` (r:1 w:1), `Escrow::Channels` (r:n w:n),
	/// `Balances::Holds` (r:n w:n), `System::Account` (r:n w:n), and through `OnChannelEnded`
	/// `Tickets::Claims` (r:0 w:8n) and `Tickets::HighestReceipt` (r:0 w:n)
	/// The range of component `n` is `[0, 64]`.
	fn refund_channels(n: u32, ) -> Weight {
		Weight::from_parts(5_000_000, 2_000)
			.saturating_add(Weight::from_parts(40_000_000, 6_000).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes((12_u64).saturating_mul(n.into())))
	}
	/// Storage: `Escrow::OrderSchedule` (r:1 w:1), `Escrow::Orders` (r:n w:n),
	/// `Balances::Holds` (r:n w:n), `System::Account` (r:n w:n)
	/// The range of component `n` is `[0, 64]`.
	fn expire_orders(n: u32, ) -> Weight {
		Weight::from_parts(5_000_000, 2_000)
			.saturating_add(Weight::from_parts(35_000_000, 6_000).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes((3_u64).saturating_mul(n.into())))
	}
}

// For tests and mocks.
impl WeightInfo for () {
	fn open_channel(h: u32, ) -> Weight {
		Weight::from_parts(60_000_000, 6_000)
			.saturating_add(Weight::from_parts(8_000_000, 3_000).saturating_mul(h.into()))
			.saturating_add(RocksDbWeight::get().reads(20_u64))
			.saturating_add(RocksDbWeight::get().reads((1_u64).saturating_mul(h.into())))
			.saturating_add(RocksDbWeight::get().writes(20_u64))
	}
	fn top_up() -> Weight {
		Weight::from_parts(45_000_000, 5_000)
			.saturating_add(RocksDbWeight::get().reads(3_u64))
			.saturating_add(RocksDbWeight::get().writes(3_u64))
	}
	fn close() -> Weight {
		Weight::from_parts(40_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads(18_u64))
			.saturating_add(RocksDbWeight::get().writes(18_u64))
	}
	fn order_qos() -> Weight {
		Weight::from_parts(55_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads(21_u64))
			.saturating_add(RocksDbWeight::get().writes(20_u64))
	}
	fn confirm_qos() -> Weight {
		Weight::from_parts(60_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads(5_u64))
			.saturating_add(RocksDbWeight::get().writes(5_u64))
	}
	fn reject_qos() -> Weight {
		Weight::from_parts(50_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads(4_u64))
			.saturating_add(RocksDbWeight::get().writes(4_u64))
	}
	fn refund_channels(n: u32, ) -> Weight {
		Weight::from_parts(5_000_000, 2_000)
			.saturating_add(Weight::from_parts(40_000_000, 6_000).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads(1_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
			.saturating_add(RocksDbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(RocksDbWeight::get().writes((12_u64).saturating_mul(n.into())))
	}
	fn expire_orders(n: u32, ) -> Weight {
		Weight::from_parts(5_000_000, 2_000)
			.saturating_add(Weight::from_parts(35_000_000, 6_000).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads(1_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
			.saturating_add(RocksDbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(RocksDbWeight::get().writes((3_u64).saturating_mul(n.into())))
	}
}
