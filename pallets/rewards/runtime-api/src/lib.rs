//! Runtime API of the ditex rewards pallet.
//!
//! Reachable with `state_call("RewardsApi_<method>", args)`: the fee pools, the wallet standings
//! and what an account may claim. The types are defined here, so a client needs this crate (or
//! the runtime metadata) and nothing of FRAME.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Codec, Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// One fee pool as it stands.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct PoolInfo<AccountId, Balance> {
	/// The pot account holding the pool.
	pub account: AccountId,
	/// Everything the pot holds, its existential deposit included.
	pub balance: Balance,
	/// Allocated to accounts at past era ends and not claimed yet.
	pub owed: Balance,
	/// What the next era end may hand out: balance − existential deposit − owed.
	pub distributable: Balance,
}

/// Both fee pools and where the eras stand.
#[derive(Clone, PartialEq, Eq, Default, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct Pools<AccountId, Balance> {
	/// The validator pool: paid to block authors in proportion to blocks authored.
	pub validator: PoolInfo<AccountId, Balance>,
	/// The dividend pool: paid to the voters of the top wallets.
	pub dividend: PoolInfo<AccountId, Balance>,
	/// The era in progress.
	pub current_era: u32,
	/// Blocks counted for the authors of the era in progress.
	pub era_blocks: u32,
}

/// A wallet in the standings.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Standing<AccountId, Balance> {
	/// The wallet voted for.
	pub wallet: AccountId,
	/// The sum of the votes for it.
	pub backing: Balance,
	/// Whether it would share the dividend pool if the era ended now.
	pub winning: bool,
}

/// What an account may claim now.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Claimable<Balance> {
	/// Dividends earned by its votes.
	pub dividend: Balance,
	/// Validator rewards earned by the blocks it authored.
	pub validator: Balance,
}

sp_api::decl_runtime_apis! {
	/// Read paths into the rewards pallet for wallets and UIs.
	pub trait RewardsApi<AccountId, Balance>
	where
		AccountId: Codec,
		Balance: Codec,
	{
		/// Both pools: balance, owed, distributable; the era in progress.
		fn pools() -> Pools<AccountId, Balance>;

		/// The listed wallets, highest backing first; the first `DividendWinners` with backing
		/// share the dividend pool at the era's end.
		fn standings() -> Vec<Standing<AccountId, Balance>>;

		/// What `who` may claim now, dividends and validator rewards separately.
		fn claimable(who: AccountId) -> Claimable<Balance>;
	}
}
