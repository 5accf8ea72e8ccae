//! Weights for `pallet_tickets`.
//!
//! Measured by `scripts/bench-weights.sh` (frame-omni-bencher, benchmarking CLI 64.0.0)
//! running the benchmarks in `benchmarking.rs` in the wasm runtime.
//! DATE: 2026-11-22, STEPS: `20`, REPEAT: `10`, HOST: `Intel(R) Xeon(R) Processor`
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
	fn settle(h: u32, ) -> Weight;
	fn authorize_ticket() -> Weight;
}

/// Weights for `pallet_tickets` with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Ditex::Segments` (r:1 w:0)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(174), added: 2649, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::LastTicket` (r:1 w:1)
	/// Proof: `Tickets::LastTicket` (`max_values`: None, `max_size`: Some(2602), added: 5077, mode: `MaxEncodedLen`)
	/// Storage: `System::BlockHash` (r:1 w:0)
	/// Proof: `System::BlockHash` (`max_values`: None, `max_size`: Some(44), added: 2519, mode: `MaxEncodedLen`)
	/// Storage: `Escrow::Channels` (r:64 w:0)
	/// Proof: `Escrow::Channels` (`max_values`: None, `max_size`: Some(610), added: 3085, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::Claims` (r:128 w:64)
	/// Proof: `Tickets::Claims` (`max_values`: None, `max_size`: Some(90), added: 2565, mode: `MaxEncodedLen`)
	/// The range of component `c` is `[0, 64]`.
	/// The range of component `p` is `[0, 128]`.
	fn submit_ticket(c: u32, p: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `965 + c * (425 ±0) + p * (20 ±0)`
		//  Estimated: `6067 + c * (5130 ±0)`
		// Minimum execution time: 135_290_000 picoseconds.
		Weight::from_parts(141_630_000, 6067)
			// Standard Error: 1_618_046
			.saturating_add(Weight::from_parts(112_019_828, 0).saturating_mul(c.into()))
			// Standard Error: 807_856
			.saturating_add(Weight::from_parts(2_476_619, 0).saturating_mul(p.into()))
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(c.into())))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(c.into())))
			.saturating_add(Weight::from_parts(0, 5130).saturating_mul(c.into()))
	}
	/// Storage: `Escrow::Channels` (r:1 w:1)
	/// Proof: `Escrow::Channels` (`max_values`: None, `max_size`: Some(610), added: 3085, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::Claims` (r:8 w:8)
	/// Proof: `Tickets::Claims` (`max_values`: None, `max_size`: Some(90), added: 2565, mode: `MaxEncodedLen`)
	/// Storage: `Ditex::Segments` (r:8 w:0)
	/// Proof: `Ditex::Segments` (`max_values`: None, `max_size`: Some(174), added: 2649, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(139), added: 2614, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:11 w:11)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Rewards::Ledgers` (r:2 w:2)
	/// Proof: `Rewards::Ledgers` (`max_values`: None, `max_size`: Some(73), added: 2548, mode: `MaxEncodedLen`)
	/// Storage: `Tickets::Earned` (r:8 w:8)
	/// Proof: `Tickets::Earned` (`max_values`: None, `max_size`: Some(28), added: 2503, mode: `MaxEncodedLen`)
	/// The range of component `h` is `[1, 8]`.
	fn settle(h: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `1221 + h * (417 ±0)`
		//  Estimated: `8799 + h * (2649 ±0)`
		// Minimum execution time: 298_639_000 picoseconds.
		Weight::from_parts(182_004_842, 8799)
			// Standard Error: 685_570
			.saturating_add(Weight::from_parts(288_276_528, 0).saturating_mul(h.into()))
			.saturating_add(T::DbWeight::get().reads(7_u64))
			.saturating_add(T::DbWeight::get().reads((4_u64).saturating_mul(h.into())))
			.saturating_add(T::DbWeight::get().writes(7_u64))
			.saturating_add(T::DbWeight::get().writes((3_u64).saturating_mul(h.into())))
			.saturating_add(Weight::from_parts(0, 2649).saturating_mul(h.into()))
	}
	/// Storage: `Ditex::Segments` (r:1 w:0)
	/// Storage: `Tickets::LastTicket` (r:1 w:0)
	/// Storage: `System::BlockHash` (r:1 w:0)
	/// Provisional, on the safe side: one ed25519 verification over a largest ticket's ~20 KiB
	/// payload in wasm, the duplicate checks and three reads, until `scripts/bench-weights.sh`
	/// measures the `authorize_ticket` benchmark.
	fn authorize_ticket() -> Weight {
		Weight::from_parts(250_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
	}
}

/// The same weights with ParityDB's database weights, for tests and mock runtimes.
impl WeightInfo for () {
	fn submit_ticket(c: u32, p: u32, ) -> Weight {
		Weight::from_parts(141_630_000, 6067)
			.saturating_add(Weight::from_parts(112_019_828, 0).saturating_mul(c.into()))
			.saturating_add(Weight::from_parts(2_476_619, 0).saturating_mul(p.into()))
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().reads((3_u64).saturating_mul(c.into())))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(c.into())))
			.saturating_add(Weight::from_parts(0, 5130).saturating_mul(c.into()))
	}
	fn settle(h: u32, ) -> Weight {
		Weight::from_parts(182_004_842, 8799)
			.saturating_add(Weight::from_parts(288_276_528, 0).saturating_mul(h.into()))
			.saturating_add(ParityDbWeight::get().reads(7_u64))
			.saturating_add(ParityDbWeight::get().reads((4_u64).saturating_mul(h.into())))
			.saturating_add(ParityDbWeight::get().writes(7_u64))
			.saturating_add(ParityDbWeight::get().writes((3_u64).saturating_mul(h.into())))
			.saturating_add(Weight::from_parts(0, 2649).saturating_mul(h.into()))
	}
	/// Storage: `Ditex::Segments` (r:1 w:0)
	/// Storage: `Tickets::LastTicket` (r:1 w:0)
	/// Storage: `System::BlockHash` (r:1 w:0)
	/// Provisional, on the safe side: one ed25519 verification over a largest ticket's ~20 KiB
	/// payload in wasm, the duplicate checks and three reads, until `scripts/bench-weights.sh`
	/// measures the `authorize_ticket` benchmark.
	fn authorize_ticket() -> Weight {
		Weight::from_parts(250_000_000, 6_000)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
	}
}
