//! The pallets `frame-omni-bencher` measures (`scripts/bench-weights.sh`).

use super::*;

pub use frame_benchmarking::baseline::Pallet as BaselineBench;
pub use frame_system_benchmarking::Pallet as SystemBench;

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_ditex, Ditex]
	[pallet_escrow, Escrow]
	[pallet_tickets, Tickets]
	[pallet_masternodes, MasterNodes]
	[pallet_rewards, Rewards]
);

impl frame_system_benchmarking::Config for Runtime {}
impl frame_benchmarking::baseline::Config for Runtime {}
