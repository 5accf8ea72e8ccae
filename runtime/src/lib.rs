//! # ditex runtime
//!
//! The FRAME runtime of the ditex chain: Aura block production and GRANDPA finality over a
//! validator set of bonded master nodes (pallet-session driven by pallet-masternodes), balances
//! with holds and freezes, transaction payment with every fee split into the reward pools, sudo,
//! and the ditex pallets: the segment registry, escrow, tickets and rewards.
//!
//! Read paths for the relay agent and for UIs are runtime APIs (see [`apis`]); every stored and
//! called type derives `TypeInfo`, so Polkadot.js apps needs no custom type definitions.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`'s expansion is large.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

// Declared before `apis`: `define_benchmarks!` makes macros that `apis` uses.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
pub mod apis;
mod configs;
pub mod genesis_config_presets;

use sp_runtime::{generic, impl_opaque_keys, traits::BlakeTwo256};
use sp_version::{runtime_version, RuntimeVersion};

pub use ditex_primitives::{
	AccountId, Balance, BlockNumber, Hash, Nonce, Signature, DAYS, DTX, HOURS, MICRO_DTX,
	MILLISECS_PER_BLOCK, MILLI_DTX, MINUTES,
};
pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Opaque types for the node: it handles blocks and extrinsics as bytes, so it keeps syncing
/// across runtime upgrades that change the extrinsic format.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier type.
	pub type BlockId = generic::BlockId<Block>;
}

impl_opaque_keys! {
	/// The session keys a validator (master node) registers: Aura for authoring, GRANDPA for
	/// finality. `author_rotateKeys` on a node returns their SCALE encoding.
	pub struct SessionKeys {
		pub aura: Aura,
		pub grandpa: Grandpa,
	}
}

#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("ditex"),
	impl_name: alloc::borrow::Cow::Borrowed("ditex-node"),
	authoring_version: 1,
	spec_version: 102,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// The slot duration: one block per slot.
pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;

/// The address format for describing accounts.
pub type Address = sp_runtime::MultiAddress<AccountId, ()>;
/// Block header type as expected by this runtime.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type as expected by this runtime.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block as seen by the (light-weight) block-hash lookups.
pub type SignedBlock = generic::SignedBlock<Block>;
/// BlockId type as expected by this runtime.
pub type BlockId = generic::BlockId<Block>;

/// The transaction extensions: what a transaction carries and checks besides its call. All
/// but `AuthorizeCall`, which carries nothing, are known to Polkadot.js apps and to subxt's
/// defaults; both pass an extension that encodes to nothing.
pub type TxExtension = (
	// First: it lets calls with `#[pallet::authorize]` (relays' tickets, signed with their
	// ticket keys) in as general transactions without an account; the checks below skip
	// what only signed transactions have (nonce, fee).
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// All migrations of the runtime, aside from the ones declared in the pallets.
#[allow(unused_parens)]
type Migrations = (pallet_tickets::migrations::v1::MigrateToV1<Runtime>,);

/// Executive: handles dispatch to the various modules.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	// Declaration order is genesis and hook order: balances before the bonds the master nodes
	// hold at genesis, master nodes before the session's first set, authorship before the
	// session rotates in the same block (so a block's author counts for its own session).
	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	#[runtime::pallet_index(7)]
	pub type Authorship = pallet_authorship;

	/// Validators (master nodes): bonds, the session's validator set, offline removal.
	#[runtime::pallet_index(8)]
	pub type MasterNodes = pallet_masternodes;

	#[runtime::pallet_index(9)]
	pub type Session = pallet_session;

	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	/// The DITEX segment registry.
	#[runtime::pallet_index(10)]
	pub type Ditex = pallet_ditex;

	/// Consumers' payment channels and QoS orders.
	#[runtime::pallet_index(11)]
	pub type Escrow = pallet_escrow;

	/// Relays' signed traffic tickets and their settlement.
	#[runtime::pallet_index(12)]
	pub type Tickets = pallet_tickets;

	/// Fee pools, subsidy, validator payouts and wallet voting for dividends.
	#[runtime::pallet_index(13)]
	pub type Rewards = pallet_rewards;
}
