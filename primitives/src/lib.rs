//! # ditex primitives
//!
//! The types that cross the line between the ditex chain and the relay agent. Each format is
//! defined here once, so both sides encode, sign and check exactly the same bytes.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod qos;
pub mod registry;
pub mod settlement;
pub mod wire;

use sp_runtime::{
	traits::{IdentifyAccount, Verify},
	MultiSignature,
};

/// An index to a block.
pub type BlockNumber = u32;

/// Alias to 512-bit hash when used in the context of a transaction signature on the chain.
pub type Signature = MultiSignature;

/// Some way of identifying an account on the chain. We intentionally make it equivalent
/// to the public key of our transaction signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// Balance of an account. 12 decimals: one DTX is `10^12` units.
pub type Balance = u128;

/// Index of a transaction in the chain.
pub type Nonce = u32;

/// A hash of some data used by the chain.
pub type Hash = sp_core::H256;

/// Whether `signature` is `key`'s ed25519 signature of `payload`: how the chain checks every
/// signed format here (tickets, receipts, acks, reports). In a runtime it is the host's
/// verification, not wasm's.
pub fn signed_by(signature: &[u8; 64], payload: &[u8], key: &[u8; 32]) -> bool {
	sp_io::crypto::ed25519_verify(
		&sp_core::ed25519::Signature::from_raw(*signature),
		payload,
		&sp_core::ed25519::Public::from_raw(*key),
	)
}

/// Most hops of a source-routed path (the wire header's bound).
pub const MAX_HOPS: u32 = 8;

/// One DTX, the chain's coin, in its smallest units.
pub const DTX: Balance = 1_000_000_000_000;
/// A thousandth of a DTX.
pub const MILLI_DTX: Balance = DTX / 1_000;
/// A millionth of a DTX.
pub const MICRO_DTX: Balance = MILLI_DTX / 1_000;

/// Target block time in milliseconds (DESIGN.md: 6 s blocks).
pub const MILLISECS_PER_BLOCK: u64 = 6_000;
/// Blocks per minute at the target block time.
pub const MINUTES: BlockNumber = 60_000 / (MILLISECS_PER_BLOCK as BlockNumber);
/// Blocks per hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day.
pub const DAYS: BlockNumber = HOURS * 24;
