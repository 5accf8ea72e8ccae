//! Weights for `pallet_escrow`.
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
// pallet_escrow
// --extrinsic
// *
// --steps
// 20
// --repeat
// 10
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
	/// Storage: `Escrow::RefundSchedule` (r:16 w:16)
	/// Proof: `Escrow::RefundSchedule` (`max_values`: None, `max_size`: Some(269), added: 2744, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::Channels` (r:0 w:1)
	/// Proof: `Escrow::Channels` (`max_values`: None, `max_size`: Some(610), added: 3085, mode: `MaxEncodedLen`)
	/// The range of component `h` is `[1, 8]`.
	/// Storage: `Tickets::EpochLength` (r:1 w:0) (added by hand, not re-measured yet)
	/// Proof: `Tickets::EpochLength` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	fn open_channel(h: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `1356 + h * (219 ±0)`
		//  Estimated: `44894 + h * (2681 ±0)`
		// Minimum execution time: 141_851_000 picoseconds.
		Weight::from_parts(139_403_759, 44894)
			// Standard Error: 33_505
			.saturating_add(Weight::from_parts(9_430_840, 0).saturating_mul(h.into()))
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
		// Minimum execution time: 64_615_000 picoseconds.
		Weight::from_parts(67_109_000, 4075)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `Escrow::Channels` (r:1 w:1)
	/// Proof: `Escrow::Channels` (`max_values`: None, `max_size`: Some(610), added: 3085, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::RefundSchedule` (r:16 w:16)
	/// Proof: `Escrow::RefundSchedule` (`max_values`: None, `max_size`: Some(269), added: 2744, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::EpochLength` (r:1 w:0) (added by hand, not re-measured yet)
	/// Proof: `Tickets::EpochLength` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	fn close() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `1898`
		//  Estimated: `44894`
		// Minimum execution time: 82_562_000 picoseconds.
		Weight::from_parts(86_428_000, 44894)
			.saturating_add(T::DbWeight::get().reads(18_u64))
			.saturating_add(T::DbWeight::get().writes(17_u64))
	}
	/// Storage: `Ditex::Segments` (r:1 w:0)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `Timestamp::Now` (r:1 w:0)
	/// Proof: `Timestamp::Now` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::NextOrderId` (r:1 w:1)
	/// Proof: `Escrow::NextOrderId` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::OrderSchedule` (r:1 w:1)
	/// Proof: `Escrow::OrderSchedule` (`max_values`: None, `max_size`: Some(269), added: 2744, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::Orders` (r:0 w:1)
	/// Proof: `Escrow::Orders` (`max_values`: None, `max_size`: Some(113), added: 2588, mode: `MaxEncodedLen`)
	fn order_qos() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `610`
		//  Estimated: `3734`
		// Minimum execution time: 75_471_000 picoseconds.
		Weight::from_parts(78_997_000, 3734)
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	/// Storage: `Escrow::Orders` (r:1 w:1)
	/// Proof: `Escrow::Orders` (`max_values`: None, `max_size`: Some(113), added: 2588, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::OrderSchedule` (r:1 w:1)
	/// Proof: `Escrow::OrderSchedule` (`max_values`: None, `max_size`: Some(269), added: 2744, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Segments` (r:1 w:0)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:2 w:2)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	fn confirm_qos() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `1062`
		//  Estimated: `6196`
		// Minimum execution time: 76_994_000 picoseconds.
		Weight::from_parts(80_590_000, 6196)
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	/// Storage: `Escrow::Orders` (r:1 w:1)
	/// Proof: `Escrow::Orders` (`max_values`: None, `max_size`: Some(113), added: 2588, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::OrderSchedule` (r:1 w:1)
	/// Proof: `Escrow::OrderSchedule` (`max_values`: None, `max_size`: Some(269), added: 2744, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	fn reject_qos() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `447`
		//  Estimated: `3734`
		// Minimum execution time: 55_252_000 picoseconds.
		Weight::from_parts(58_937_000, 3734)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
	/// Not measured yet: the figures of the tickets pallet's `authorize_ticket` (an order
	/// and a segment read, the genesis hash, one signature).
	fn authorize_answer() -> Weight {
		Weight::from_parts(87_740_000, 6071)
			.saturating_add(T::DbWeight::get().reads(3_u64))
	}
	/// Storage: `Escrow::RefundSchedule` (r:1 w:1)
	/// Proof: `Escrow::RefundSchedule` (`max_values`: None, `max_size`: Some(269), added: 2744, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::Channels` (r:32 w:32)
	/// Proof: `Escrow::Channels` (`max_values`: None, `max_size`: Some(610), added: 3085, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::Claims` (r:32 w:32)
	/// Proof: `Tickets::Claims` (`max_values`: None, `max_size`: Some(93), added: 2568, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:32 w:32)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:32 w:32)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// The range of component `n` is `[0, 32]`.
	fn refund_channels(n: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `142 + n * (417 ±0)`
		//  Estimated: `3734 + n * (3085 ±0)`
		// Minimum execution time: 3_405_000 picoseconds.
		Weight::from_parts(415_806, 3734)
			// Standard Error: 41_867
			.saturating_add(Weight::from_parts(55_146_465, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().reads((4_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(T::DbWeight::get().writes((4_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 3085).saturating_mul(n.into()))
	}
	/// Storage: `Escrow::OrderSchedule` (r:1 w:1)
	/// Proof: `Escrow::OrderSchedule` (`max_values`: None, `max_size`: Some(269), added: 2744, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::Orders` (r:32 w:32)
	/// Proof: `Escrow::Orders` (`max_values`: None, `max_size`: Some(113), added: 2588, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:32 w:32)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:32 w:32)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// The range of component `n` is `[0, 32]`.
	fn expire_orders(n: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `144 + n * (287 ±0)`
		//  Estimated: `3734 + n * (2632 ±0)`
		// Minimum execution time: 3_385_000 picoseconds.
		Weight::from_parts(3_705_746, 3734)
			// Standard Error: 28_889
			.saturating_add(Weight::from_parts(44_503_628, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(T::DbWeight::get().writes((3_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 2632).saturating_mul(n.into()))
	}
}

/// The same weights with ParityDB's database weights, for tests and mock runtimes.
impl WeightInfo for () {
	fn open_channel(h: u32, ) -> Weight {
		Weight::from_parts(139_403_759, 44894)
			.saturating_add(Weight::from_parts(9_430_840, 0).saturating_mul(h.into()))
			.saturating_add(ParityDbWeight::get().reads(21_u64))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(h.into())))
			.saturating_add(ParityDbWeight::get().writes(20_u64))
			.saturating_add(Weight::from_parts(0, 2681).saturating_mul(h.into()))
	}
	fn top_up() -> Weight {
		Weight::from_parts(67_109_000, 4075)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
	}
	fn close() -> Weight {
		Weight::from_parts(86_428_000, 44894)
			.saturating_add(ParityDbWeight::get().reads(18_u64))
			.saturating_add(ParityDbWeight::get().writes(17_u64))
	}
	fn order_qos() -> Weight {
		Weight::from_parts(78_997_000, 3734)
			.saturating_add(ParityDbWeight::get().reads(6_u64))
			.saturating_add(ParityDbWeight::get().writes(5_u64))
	}
	fn confirm_qos() -> Weight {
		Weight::from_parts(80_590_000, 6196)
			.saturating_add(ParityDbWeight::get().reads(6_u64))
			.saturating_add(ParityDbWeight::get().writes(5_u64))
	}
	fn reject_qos() -> Weight {
		Weight::from_parts(58_937_000, 3734)
			.saturating_add(ParityDbWeight::get().reads(4_u64))
			.saturating_add(ParityDbWeight::get().writes(4_u64))
	}
	fn authorize_answer() -> Weight {
		Weight::from_parts(87_740_000, 6071)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
	}
	fn refund_channels(n: u32, ) -> Weight {
		Weight::from_parts(415_806, 3734)
			.saturating_add(Weight::from_parts(55_146_465, 0).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads(1_u64))
			.saturating_add(ParityDbWeight::get().reads((4_u64).saturating_mul(n.into())))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
			.saturating_add(ParityDbWeight::get().writes((4_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 3085).saturating_mul(n.into()))
	}
	fn expire_orders(n: u32, ) -> Weight {
		Weight::from_parts(3_705_746, 3734)
			.saturating_add(Weight::from_parts(44_503_628, 0).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads(1_u64))
			.saturating_add(ParityDbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
			.saturating_add(ParityDbWeight::get().writes((3_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 2632).saturating_mul(n.into()))
	}
}
