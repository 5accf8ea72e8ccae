//! Weights for `pallet_tickets`.
//!
//! Measured by `scripts/bench-weights.sh` (frame-omni-bencher, benchmarking CLI 64.0.0)
//! running the benchmarks in `benchmarking.rs` in the wasm runtime.
//! DATE: 2026-12-06, STEPS: `20`, REPEAT: `10`, HOST: `Intel(R) Xeon(R) Processor`
//! (2 cores, shared: the figures carry the noise of this machine).

// Executed Command:
// frame-omni-bencher
// v1
// benchmark
// pallet
// --runtime
// /root/.cache/ditex-target/debug/wbuild/ditex-runtime/ditex_runtime.wasm
// --pallet
// pallet_tickets
// --extrinsic
// *
// --steps
// 20
// --repeat
// 10
// --template
// scripts/frame-weight-template.hbs
// --output
// pallets/tickets/src/weights.rs

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_tickets`.
pub trait WeightInfo {
	fn submit_ticket(c: u32, p: u32, ) -> Weight;
	fn authorize_ticket(c: u32, p: u32, ) -> Weight;
	fn submit_tickets(n: u32, ) -> Weight;
	fn authorize_tickets(n: u32, ) -> Weight;
	fn settle(h: u32, ) -> Weight;
}

/// Weights for `pallet_tickets` with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Tickets::LastTicket` (r:1 w:1)
	/// Proof: `Tickets::LastTicket` (`max_values`: None, `max_size`: Some(2606), added: 5081, mode: `MaxEncodedLen`)
	/// Storage: `System::BlockHash` (r:1 w:0)
	/// Proof: `System::BlockHash` (`max_values`: None, `max_size`: Some(44), added: 2519, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::Channels` (r:64 w:0)
	/// Proof: `Escrow::Channels` (`max_values`: None, `max_size`: Some(610), added: 3085, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::Claims` (r:64 w:64)
	/// Proof: `Tickets::Claims` (`max_values`: None, `max_size`: Some(235), added: 2710, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::EpochLength` (r:1 w:0)
	/// Proof: `Tickets::EpochLength` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// The range of component `c` is `[0, 64]`.
	/// The range of component `p` is `[0, 128]`.
	fn submit_ticket(c: u32, p: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `604 + c * (360 ±0) + p * (20 ±0)`
		//  Estimated: `6071 + c * (3085 ±0)`
		// Minimum execution time: 23_467_000 picoseconds.
		Weight::from_parts(583_633, 6071)
			// Standard Error: 112_067
			.saturating_add(Weight::from_parts(11_174_376, 0).saturating_mul(c.into()))
			// Standard Error: 56_217
			.saturating_add(Weight::from_parts(239_790, 0).saturating_mul(p.into()))
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(c.into())))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(c.into())))
			.saturating_add(Weight::from_parts(0, 3085).saturating_mul(c.into()))
	}
	/// Storage: `Tickets::EpochLength` (r:1 w:0)
	/// Proof: `Tickets::EpochLength` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Segments` (r:1 w:0)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::LastTicket` (r:1 w:0)
	/// Proof: `Tickets::LastTicket` (`max_values`: None, `max_size`: Some(2606), added: 5081, mode: `MaxEncodedLen`)
	/// Storage: `Timestamp::Now` (r:1 w:0)
	/// Proof: `Timestamp::Now` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `System::BlockHash` (r:1 w:0)
	/// Proof: `System::BlockHash` (`max_values`: None, `max_size`: Some(44), added: 2519, mode: `MaxEncodedLen`)
	/// The range of component `c` is `[0, 64]`.
	/// The range of component `p` is `[0, 128]`.
	fn authorize_ticket(c: u32, _p: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `946 + c * (6 ±0) + p * (20 ±0)`
		//  Estimated: `6071`
		// Minimum execution time: 84_109_000 picoseconds.
		Weight::from_parts(114_152_222, 6071)
			// Standard Error: 65_139
			.saturating_add(Weight::from_parts(1_821_882, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(5_u64))
	}
	/// Storage: `Tickets::LastTicket` (r:100 w:100)
	/// Proof: `Tickets::LastTicket` (`max_values`: None, `max_size`: Some(2606), added: 5081, mode: `MaxEncodedLen`)
	/// Storage: `System::BlockHash` (r:1 w:0)
	/// Proof: `System::BlockHash` (`max_values`: None, `max_size`: Some(44), added: 2519, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::Channels` (r:100 w:0)
	/// Proof: `Escrow::Channels` (`max_values`: None, `max_size`: Some(610), added: 3085, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::Claims` (r:100 w:100)
	/// Proof: `Tickets::Claims` (`max_values`: None, `max_size`: Some(235), added: 2710, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::EpochLength` (r:1 w:0)
	/// Proof: `Tickets::EpochLength` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// The range of component `n` is `[1, 100]`.
	fn submit_tickets(n: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `183 + n * (445 ±0)`
		//  Estimated: `3509 + n * (5081 ±0)`
		// Minimum execution time: 35_734_000 picoseconds.
		Weight::from_parts(20_048_597, 3509)
			// Standard Error: 144_911
			.saturating_add(Weight::from_parts(20_734_823, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes((2_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 5081).saturating_mul(n.into()))
	}
	/// Storage: `Tickets::EpochLength` (r:1 w:0)
	/// Proof: `Tickets::EpochLength` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Segments` (r:100 w:0)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::LastTicket` (r:100 w:0)
	/// Proof: `Tickets::LastTicket` (`max_values`: None, `max_size`: Some(2606), added: 5081, mode: `MaxEncodedLen`)
	/// Storage: `Timestamp::Now` (r:1 w:0)
	/// Proof: `Timestamp::Now` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `System::BlockHash` (r:1 w:0)
	/// Proof: `System::BlockHash` (`max_values`: None, `max_size`: Some(44), added: 2519, mode: `MaxEncodedLen`)
	/// The range of component `n` is `[1, 100]`.
	fn authorize_tickets(n: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `332 + n * (263 ±0)`
		//  Estimated: `3509 + n * (5081 ±0)`
		// Minimum execution time: 68_408_000 picoseconds.
		Weight::from_parts(115_734_603, 3509)
			// Standard Error: 276_663
			.saturating_add(Weight::from_parts(53_705_932, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 5081).saturating_mul(n.into()))
	}
	/// Storage: `Escrow::Channels` (r:1 w:1)
	/// Proof: `Escrow::Channels` (`max_values`: None, `max_size`: Some(610), added: 3085, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::Claims` (r:8 w:8)
	/// Proof: `Tickets::Claims` (`max_values`: None, `max_size`: Some(235), added: 2710, mode: `MaxEncodedLen`)
	/// Storage: `System::BlockHash` (r:1 w:0)
	/// Proof: `System::BlockHash` (`max_values`: None, `max_size`: Some(44), added: 2519, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Segments` (r:8 w:0)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(206), added: 2681, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::EpochLength` (r:1 w:0)
	/// Proof: `Tickets::EpochLength` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:11 w:11)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::Ledgers` (r:2 w:2)
	/// Proof: `Rewards::Ledgers` (`max_values`: None, `max_size`: Some(73), added: 2548, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::Earned` (r:8 w:8)
	/// Proof: `Tickets::Earned` (`max_values`: None, `max_size`: Some(28), added: 2503, mode: `MaxEncodedLen`)
	/// The range of component `h` is `[1, 8]`.
	fn settle(h: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `1317 + h * (599 ±0)`
		//  Estimated: `8799 + h * (2710 ±0)`
		// Minimum execution time: 182_758_000 picoseconds.
		Weight::from_parts(37_439_149, 8799)
			// Standard Error: 377_940
			.saturating_add(Weight::from_parts(169_032_592, 0).saturating_mul(h.into()))
			.saturating_add(T::DbWeight::get().reads(9_u64))
			.saturating_add(T::DbWeight::get().reads((4_u64).saturating_mul(h.into())))
			.saturating_add(T::DbWeight::get().writes(7_u64))
			.saturating_add(T::DbWeight::get().writes((3_u64).saturating_mul(h.into())))
			.saturating_add(Weight::from_parts(0, 2710).saturating_mul(h.into()))
	}
}

/// The same weights with ParityDB's database weights, for tests and mock runtimes.
impl WeightInfo for () {
	fn submit_ticket(c: u32, p: u32, ) -> Weight {
		Weight::from_parts(583_633, 6071)
			.saturating_add(Weight::from_parts(11_174_376, 0).saturating_mul(c.into()))
			.saturating_add(Weight::from_parts(239_790, 0).saturating_mul(p.into()))
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().reads((2_u64).saturating_mul(c.into())))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(c.into())))
			.saturating_add(Weight::from_parts(0, 3085).saturating_mul(c.into()))
	}
	fn authorize_ticket(c: u32, _p: u32, ) -> Weight {
		Weight::from_parts(114_152_222, 6071)
			.saturating_add(Weight::from_parts(1_821_882, 0).saturating_mul(c.into()))
			.saturating_add(ParityDbWeight::get().reads(5_u64))
	}
	fn submit_tickets(n: u32, ) -> Weight {
		Weight::from_parts(20_048_597, 3509)
			.saturating_add(Weight::from_parts(20_734_823, 0).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(ParityDbWeight::get().writes((2_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 5081).saturating_mul(n.into()))
	}
	fn authorize_tickets(n: u32, ) -> Weight {
		Weight::from_parts(115_734_603, 3509)
			.saturating_add(Weight::from_parts(53_705_932, 0).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().reads((2_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 5081).saturating_mul(n.into()))
	}
	fn settle(h: u32, ) -> Weight {
		Weight::from_parts(37_439_149, 8799)
			.saturating_add(Weight::from_parts(169_032_592, 0).saturating_mul(h.into()))
			.saturating_add(ParityDbWeight::get().reads(9_u64))
			.saturating_add(ParityDbWeight::get().reads((4_u64).saturating_mul(h.into())))
			.saturating_add(ParityDbWeight::get().writes(7_u64))
			.saturating_add(ParityDbWeight::get().writes((3_u64).saturating_mul(h.into())))
			.saturating_add(Weight::from_parts(0, 2710).saturating_mul(h.into()))
	}
}
