//! Weights for `pallet_escrow`.
//!
//! Measured by `scripts/bench-weights.sh` (frame-omni-bencher, benchmarking CLI 64.0.0)
//! running the benchmarks in `benchmarking.rs` in the wasm runtime.
//! DATE: 2026-12-05, STEPS: `10`, REPEAT: `5`, HOST: `AMD EPYC`
//! (2 cores, shared: the figures carry the noise of this machine).

// Executed Command:
// frame-omni-bencher
// v1
// benchmark
// pallet
// --runtime
// /root/.cache/ditex-target/debug/wbuild/ditex-runtime/ditex_runtime.wasm
// --pallet
// pallet_escrow
// --extrinsic
// *
// --steps
// 10
// --repeat
// 5
// --template
// scripts/frame-weight-template.hbs
// --output
// pallets/escrow/src/weights.rs

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_escrow`.
pub trait WeightInfo {
	fn open_channel(h: u32, ) -> Weight;
	fn top_up() -> Weight;
	fn close() -> Weight;
	fn order_qos() -> Weight;
	fn confirm_qos() -> Weight;
	fn reject_qos() -> Weight;
	fn authorize_answer() -> Weight;
	fn refund_channels(n: u32, ) -> Weight;
	fn expire_orders(n: u32, ) -> Weight;
}

/// Weights for `pallet_escrow` with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Ditex::Segments` (r:8 w:0)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `Timestamp::Now` (r:1 w:0)
	/// Proof: `Timestamp::Now` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::NextChannelId` (r:1 w:1)
	/// Proof: `Escrow::NextChannelId` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::EpochLength` (r:1 w:0)
	/// Proof: `Tickets::EpochLength` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::RefundSchedule` (r:16 w:16)
	/// Proof: `Escrow::RefundSchedule` (`max_values`: None, `max_size`: Some(269), added: 2744, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::Channels` (r:0 w:1)
	/// Proof: `Escrow::Channels` (`max_values`: None, `max_size`: Some(610), added: 3085, mode: `MaxEncodedLen`)
	/// The range of component `h` is `[1, 8]`.
	fn open_channel(h: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `1399 + h * (219 ±0)`
		//  Estimated: `44894 + h * (2681 ±0)`
		// Minimum execution time: 148_230_000 picoseconds.
		Weight::from_parts(150_667_048, 44894)
			// Standard Error: 59_927
			.saturating_add(Weight::from_parts(9_481_433, 0).saturating_mul(h.into()))
			.saturating_add(T::DbWeight::get().reads(21_u64))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(h.into())))
			.saturating_add(T::DbWeight::get().writes(20_u64))
			.saturating_add(Weight::from_parts(0, 2681).saturating_mul(h.into()))
	}
	/// Storage: `Escrow::Channels` (r:1 w:1)
	/// Proof: `Escrow::Channels` (`max_values`: None, `max_size`: Some(610), added: 3085, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	fn top_up() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `566`
		//  Estimated: `4075`
		// Minimum execution time: 65_446_000 picoseconds.
		Weight::from_parts(68_401_000, 4075)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `Escrow::Channels` (r:1 w:1)
	/// Proof: `Escrow::Channels` (`max_values`: None, `max_size`: Some(610), added: 3085, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::EpochLength` (r:1 w:0)
	/// Proof: `Tickets::EpochLength` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::RefundSchedule` (r:16 w:16)
	/// Proof: `Escrow::RefundSchedule` (`max_values`: None, `max_size`: Some(269), added: 2744, mode: `MaxEncodedLen`)
	fn close() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `1942`
		//  Estimated: `44894`
		// Minimum execution time: 87_159_000 picoseconds.
		Weight::from_parts(92_327_000, 44894)
			.saturating_add(T::DbWeight::get().reads(18_u64))
			.saturating_add(T::DbWeight::get().writes(17_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:0)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `Timestamp::Now` (r:1 w:0)
	/// Proof: `Timestamp::Now` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::NextOrderId` (r:1 w:1)
	/// Proof: `Escrow::NextOrderId` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::SegmentOrders` (r:1 w:1)
	/// Proof: `Escrow::SegmentOrders` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::OrderSchedule` (r:16 w:16)
	/// Proof: `Escrow::OrderSchedule` (`max_values`: None, `max_size`: Some(269), added: 2744, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::Orders` (r:0 w:1)
	/// Proof: `Escrow::Orders` (`max_values`: None, `max_size`: Some(172), added: 2647, mode: `MaxEncodedLen`)
	fn order_qos() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `2886`
		//  Estimated: `44894`
		// Minimum execution time: 168_459_000 picoseconds.
		Weight::from_parts(192_575_000, 44894)
			.saturating_add(T::DbWeight::get().reads(22_u64))
			.saturating_add(T::DbWeight::get().writes(21_u64))
	}
	/// Storage: `Escrow::Orders` (r:1 w:1)
	/// Proof: `Escrow::Orders` (`max_values`: None, `max_size`: Some(172), added: 2647, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Segments` (r:1 w:0)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `System::BlockHash` (r:1 w:0)
	/// Proof: `System::BlockHash` (`max_values`: None, `max_size`: Some(44), added: 2519, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::OrderSchedule` (r:16 w:16)
	/// Proof: `Escrow::OrderSchedule` (`max_values`: None, `max_size`: Some(269), added: 2744, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:2 w:2)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	fn confirm_qos() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `2122`
		//  Estimated: `44894`
		// Minimum execution time: 200_547_000 picoseconds.
		Weight::from_parts(209_691_000, 44894)
			.saturating_add(T::DbWeight::get().reads(22_u64))
			.saturating_add(T::DbWeight::get().writes(20_u64))
	}
	/// Storage: `Escrow::Orders` (r:1 w:1)
	/// Proof: `Escrow::Orders` (`max_values`: None, `max_size`: Some(172), added: 2647, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Segments` (r:1 w:0)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `System::BlockHash` (r:1 w:0)
	/// Proof: `System::BlockHash` (`max_values`: None, `max_size`: Some(44), added: 2519, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::OrderSchedule` (r:1 w:1)
	/// Proof: `Escrow::OrderSchedule` (`max_values`: None, `max_size`: Some(269), added: 2744, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::SegmentOrders` (r:1 w:1)
	/// Proof: `Escrow::SegmentOrders` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	fn reject_qos() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `3145`
		//  Estimated: `3991`
		// Minimum execution time: 146_828_000 picoseconds.
		Weight::from_parts(168_259_000, 3991)
			.saturating_add(T::DbWeight::get().reads(7_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	/// Storage: `Escrow::Orders` (r:1 w:0)
	/// Proof: `Escrow::Orders` (`max_values`: None, `max_size`: Some(172), added: 2647, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Segments` (r:1 w:0)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `System::BlockHash` (r:1 w:0)
	/// Proof: `System::BlockHash` (`max_values`: None, `max_size`: Some(44), added: 2519, mode: `MaxEncodedLen`)
	fn authorize_answer() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `742`
		//  Estimated: `3671`
		// Minimum execution time: 66_989_000 picoseconds.
		Weight::from_parts(72_177_000, 3671)
			.saturating_add(T::DbWeight::get().reads(3_u64))
	}
	/// Storage: `Escrow::RefundSchedule` (r:1 w:1)
	/// Proof: `Escrow::RefundSchedule` (`max_values`: None, `max_size`: Some(269), added: 2744, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::Channels` (r:32 w:32)
	/// Proof: `Escrow::Channels` (`max_values`: None, `max_size`: Some(610), added: 3085, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::Claims` (r:32 w:32)
	/// Proof: `Tickets::Claims` (`max_values`: None, `max_size`: Some(93), added: 2568, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::EpochLength` (r:1 w:0)
	/// Proof: `Tickets::EpochLength` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:32 w:32)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:32 w:32)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// The range of component `n` is `[0, 32]`.
	fn refund_channels(n: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `148 + n * (418 ±0)`
		//  Estimated: `3734 + n * (3085 ±0)`
		// Minimum execution time: 3_555_000 picoseconds.
		Weight::from_parts(3_776_000, 3734)
			// Standard Error: 33_937
			.saturating_add(Weight::from_parts(56_928_903, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().reads((4_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(T::DbWeight::get().writes((4_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 3085).saturating_mul(n.into()))
	}
	/// Storage: `Escrow::OrderSchedule` (r:1 w:1)
	/// Proof: `Escrow::OrderSchedule` (`max_values`: None, `max_size`: Some(269), added: 2744, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::Orders` (r:32 w:32)
	/// Proof: `Escrow::Orders` (`max_values`: None, `max_size`: Some(172), added: 2647, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::SegmentOrders` (r:1 w:1)
	/// Proof: `Escrow::SegmentOrders` (`max_values`: None, `max_size`: Some(526), added: 3001, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:32 w:32)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:32 w:32)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// The range of component `n` is `[0, 32]`.
	fn expire_orders(n: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `3031 + n * (402 ±0)`
		//  Estimated: `3991 + n * (2647 ±0)`
		// Minimum execution time: 12_269_000 picoseconds.
		Weight::from_parts(30_883_707, 3991)
			// Standard Error: 97_625
			.saturating_add(Weight::from_parts(50_062_083, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(2_u64))
			.saturating_add(T::DbWeight::get().writes((3_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 2647).saturating_mul(n.into()))
	}
}

/// The same weights with ParityDB's database weights, for tests and mock runtimes.
impl WeightInfo for () {
	fn open_channel(h: u32, ) -> Weight {
		Weight::from_parts(150_667_048, 44894)
			.saturating_add(Weight::from_parts(9_481_433, 0).saturating_mul(h.into()))
			.saturating_add(ParityDbWeight::get().reads(21_u64))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(h.into())))
			.saturating_add(ParityDbWeight::get().writes(20_u64))
			.saturating_add(Weight::from_parts(0, 2681).saturating_mul(h.into()))
	}
	fn top_up() -> Weight {
		Weight::from_parts(68_401_000, 4075)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
	}
	fn close() -> Weight {
		Weight::from_parts(92_327_000, 44894)
			.saturating_add(ParityDbWeight::get().reads(18_u64))
			.saturating_add(ParityDbWeight::get().writes(17_u64))
	}
	fn order_qos() -> Weight {
		Weight::from_parts(192_575_000, 44894)
			.saturating_add(ParityDbWeight::get().reads(22_u64))
			.saturating_add(ParityDbWeight::get().writes(21_u64))
	}
	fn confirm_qos() -> Weight {
		Weight::from_parts(209_691_000, 44894)
			.saturating_add(ParityDbWeight::get().reads(22_u64))
			.saturating_add(ParityDbWeight::get().writes(20_u64))
	}
	fn reject_qos() -> Weight {
		Weight::from_parts(168_259_000, 3991)
			.saturating_add(ParityDbWeight::get().reads(7_u64))
			.saturating_add(ParityDbWeight::get().writes(5_u64))
	}
	fn authorize_answer() -> Weight {
		Weight::from_parts(72_177_000, 3671)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
	}
	fn refund_channels(n: u32, ) -> Weight {
		Weight::from_parts(3_776_000, 3734)
			.saturating_add(Weight::from_parts(56_928_903, 0).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().reads((4_u64).saturating_mul(n.into())))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
			.saturating_add(ParityDbWeight::get().writes((4_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 3085).saturating_mul(n.into()))
	}
	fn expire_orders(n: u32, ) -> Weight {
		Weight::from_parts(30_883_707, 3991)
			.saturating_add(Weight::from_parts(50_062_083, 0).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(ParityDbWeight::get().writes(2_u64))
			.saturating_add(ParityDbWeight::get().writes((3_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 2647).saturating_mul(n.into()))
	}
}
