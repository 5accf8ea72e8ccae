//! # Rewards Pallet
//!
//! The fee pools of the Distributed Internet Transit Exchange, the subsidy of its first years,
//! wallet voting and the era payouts to block authors and voters.
//!
//! ## Overview
//!
//! - **Two pools.** The validator pool and the dividend pool are sub-accounts of
//!   [`Config::PalletId`] (`b"validator pool"`, `b"dividend pool"`). Every credit they receive
//!   — transaction fees and tips through [`FeeSplit`] as transaction-payment's
//!   `OnUnbalanced`, settlement fees through [`FeeSplit`] as the escrow's `FeeSink`, and the
//!   subsidy — is split by [`Config::ValidatorShare`]: the validator pool gets
//!   `ValidatorShare.mul_floor(credit)`, the dividend pool **the rest**, so the odd unit of a
//!   rounding always goes to the dividend pool and no unit is lost. Transaction-payment hands
//!   the fee and the tip over together (`on_unbalanceds`), which are merged and split once.
//! - **Pots never die.** pallet-balances refuses any deposit that would leave an account
//!   below the existential deposit (ED), whatever its provider references, so a provider
//!   reference alone would not let a pot receive a fee smaller than the ED. Instead the
//!   genesis build mints the ED into each pot (or tops it up to the ED if the chain spec
//!   endowed it) and records it as the pool's `seed`; payouts only ever spend what is above
//!   the ED and transfer with `Preservation::Preserve`. The pallet must therefore be in the
//!   runtime from genesis and come after Balances (whose genesis sets the total issuance);
//!   adding it to a live chain needs a migration that seeds the pots the same way.
//! - **Subsidy.** For the first [`Config::SubsidyDuration`] blocks (`D`) a subsidy decaying
//!   linearly from [`Config::InitialSubsidy`] (`S`) to zero is minted into the pools in
//!   `on_initialize`, with the same split. Block `n` mints [`subsidy_schedule`]:
//!
//!   `subsidy(n) = ⌊S · (D + 1 − n) / D⌋` for `1 ≤ n ≤ D`, and `0` for `n = 0` or `n > D`,
//!
//!   so block 1 mints `S`, block `⌈D/2⌉` about `S/2`, block `D` mints `⌊S/D⌋` and nothing is
//!   minted after. The total, [`subsidy_total`], is
//!   `Σ_{k=1}^{D} ⌊S·k/D⌋ = S + ((S − 1)(D − 1) + gcd(S, D) − 1) / 2`, which is exactly
//!   `S · (D + 1) / 2` when `D` divides `S` (then every block mints a multiple of `S/D`).
//!   The total issuance changes by exactly `subsidy(n)` in block `n` and by nothing else.
//! - **Eras.** Every [`Config::EraLength`] blocks (in `on_initialize` of block `n` with
//!   `n % EraLength == 0`) the era ends:
//!   - the validator pool's distributable balance (balance − ED − owed) is allocated to the
//!     era's block authors in proportion to the blocks they authored. Authors are counted by
//!     implementing `pallet_authorship::EventHandler` (at most [`Config::MaxAuthors`] distinct
//!     authors an era; further new authors are not counted). Each author's allocation is
//!     added to its claimable validator reward: at most `MaxAuthors` writes.
//!   - the dividend pool's distributable balance is allocated to the first
//!     [`Config::DividendWinners`] wallets of the [`Standings`] in proportion to their
//!     backing, by bumping each winner's reward-per-stake accumulator (below).
//!
//!   Remainders of the integer divisions stay in the pools and are distributable in the next
//!   era. What is allocated and not claimed yet is the pool's `owed`, never distributable
//!   again.
//! - **Wallet voting.** Any account votes for up to [`Config::MaxVotes`] wallets, each vote at
//!   least [`Config::MinVote`]. Votes are a **freeze** ([`FreezeReason::Voting`]) of the sum of
//!   the voter's votes and its unlocking amount: the coins stay in the voter's account. The
//!   sum may not exceed the voter's free balance (the balance not on hold) when it grows.
//!   Keep some coins unfrozen to pay transaction fees. A wallet itself is paid nothing for
//!   being voted for; all of a winner's share goes to its voters.
//! - **Claims** are pulled: [`Pallet::claim`] pays the caller's dividends from the dividend
//!   pool and its validator rewards from the validator pool. Claiming twice pays once.
//!
//! ## The claim math
//!
//! Each wallet `w` has a backing `B_w` (the sum of its votes), an accumulator `A_w`
//! ([`FixedU128`], the dividend earned per unit of stake since the wallet was first voted
//! for) and `unsettled_w`, what was allocated to it and not yet moved to its voters. At an era
//! end a winner with share `s_w = ⌊P · B_w / ΣB⌋` of the distributable `P` gets
//! `A_w += ⌊s_w / B_w⌋` (rounded down at 10⁻¹⁸) and `unsettled_w += s_w`. Each vote stores the
//! accumulator at its last settlement (its checkpoint `c`); it has earned
//! `⌊stake · (A_w − c)⌋`. A voter's claimable dividend is its settled `pending` plus that sum
//! over its at most `MaxVotes` votes — O(MaxVotes), independent of the number of voters; no
//! block ever iterates voters. Because every stake is constant between two settlements and
//! every product is rounded down, the voters of a wallet never earn more than its allocations;
//! what they cannot earn (dust) is released back to the dividend pool when the wallet's
//! backing falls to zero.
//!
//! ## Vote changes mid-era
//!
//! Any change of a vote (set, raise, lower, remove) first settles what the vote earned so far
//! and moves the checkpoint, so a change never affects past eras. The ongoing era pays by the
//! backing **at its end**. To keep that from being sniped (vote in the era's last block, unvote
//! in the next), a lowered or removed amount stops earning at once but stays frozen as
//! `unlocking` until the era after the current one has ended (a later lowering moves the
//! whole unlocking amount to its own, later unlock era); voting again uses the unlocking
//! amount first. [`Pallet::unlock`] (or any later vote change) thaws it after that.
//!
//! ## Standings
//!
//! The top wallets are found without iterating wallets: [`Standings`] is a list of at most
//! [`Config::MaxStandings`] (≥ `DividendWinners`) wallets sorted by backing, highest first
//! (on a tie, the wallet whose backing changed last goes after the others), updated on every
//! backing change. A wallet enters when the list has room or its backing beats the last
//! listed wallet's (which it then displaces) and leaves when its backing falls to zero. The trade-off: when a listed wallet's backing
//! falls, the list stays sorted among its members, but an unlisted wallet may now have more
//! backing than the last listed one without being listed. Anyone may then put it in with
//! [`Pallet::refresh_standing`]; the wallet's voters have every reason to. The margin of
//! `MaxStandings` over `DividendWinners` makes it rare that a winner is missed at all.
//!
//! Read paths for wallets and UIs are [`Pallet::pools`], [`Pallet::standings`] and
//! [`Pallet::claimable`], which the runtime exposes as the `RewardsApi` runtime API.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;
pub use weights::WeightInfo;

pub use pallet_rewards_runtime_api::{Claimable, PoolInfo, Pools, Standing};

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Balanced, Credit, Inspect, InspectFreeze, Mutate, MutateFreeze},
		tokens::Preservation,
		Imbalance, OnUnbalanced,
	},
	PalletId,
};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{AccountIdConversion, Saturating, UniqueSaturatedFrom, UniqueSaturatedInto, Zero},
	FixedPointNumber, FixedU128, Permill, Rounding,
};

const LOG_TARGET: &str = "runtime::rewards";

/// The index of an era.
pub type EraIndex = u32;

/// The balance type of the currency the pools are kept in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Fees or subsidy on their way to the pools.
pub type CreditOf<T> = Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;

/// A vote as stored.
pub type VoteOf<T> = Vote<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

/// The subsidy minted in block `n` of a schedule decaying linearly from `initial` per block to
/// zero over `duration` blocks: `⌊initial · (duration + 1 − n) / duration⌋` for
/// `1 ≤ n ≤ duration`, else zero.
pub fn subsidy_schedule(initial: u128, duration: u128, n: u128) -> u128 {
	if n == 0 || n > duration {
		return 0;
	}
	multiply_by_rational_with_rounding(initial, duration - n + 1, duration, Rounding::Down)
		.unwrap_or(0)
}

/// Everything [`subsidy_schedule`] mints over the whole schedule:
/// `initial + ((initial − 1)(duration − 1) + gcd(initial, duration) − 1) / 2`
/// (`initial · (duration + 1) / 2` when `duration` divides `initial`).
pub fn subsidy_total(initial: u128, duration: u128) -> u128 {
	if initial == 0 || duration == 0 {
		return 0;
	}
	fn gcd(mut a: u128, mut b: u128) -> u128 {
		while b != 0 {
			(a, b) = (b, a % b);
		}
		a
	}
	let pairs = (initial - 1).saturating_mul(duration - 1);
	initial.saturating_add(pairs.saturating_add(gcd(initial, duration) - 1) / 2)
}

/// One of the two pools.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum Pool {
	/// Paid to block authors.
	Validator,
	/// Paid to the voters of the top wallets.
	Dividend,
}

impl Pool {
	/// The sub-account of [`Config::PalletId`] that is the pool's pot.
	pub fn sub_account(self) -> &'static [u8] {
		match self {
			Pool::Validator => b"validator pool",
			Pool::Dividend => b"dividend pool",
		}
	}
}

/// The books of a pool. Its pot holds `seed + inflow − paid` (plus anything sent to it by a
/// plain transfer), of which `owed` is allocated and not yet claimed.
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
pub struct PoolLedger<Balance> {
	/// What the pot held after the genesis build (the existential deposit).
	pub seed: Balance,
	/// Fees and subsidy received.
	pub inflow: Balance,
	/// Paid out by claims.
	pub paid: Balance,
	/// Allocated at era ends and not claimed yet.
	pub owed: Balance,
}

/// One vote of a voter.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Vote<AccountId, Balance> {
	/// The wallet voted for.
	pub wallet: AccountId,
	/// The stake.
	pub amount: Balance,
	/// The wallet's accumulator when this vote was last settled.
	pub checkpoint: FixedU128,
}

/// A voter's votes and rewards.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	frame_support::DefaultNoBound,
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Voter<T: Config> {
	/// Its votes, at most one per wallet.
	pub votes: BoundedVec<VoteOf<T>, T::MaxVotes>,
	/// Dividends settled from its votes and not claimed yet.
	pub pending: BalanceOf<T>,
	/// Lowered or removed votes that stay frozen until `unlock_era`.
	pub unlocking: BalanceOf<T>,
	/// The era from whose start `unlocking` may be thawed.
	pub unlock_era: EraIndex,
}

impl<T: Config> Voter<T> {
	/// The sum of its votes.
	pub fn voted(&self) -> BalanceOf<T> {
		self.votes.iter().fold(Zero::zero(), |acc: BalanceOf<T>, v| acc.saturating_add(v.amount))
	}

	/// What must be frozen: its votes and what is unlocking.
	pub fn frozen(&self) -> BalanceOf<T> {
		self.voted().saturating_add(self.unlocking)
	}

	/// Whether nothing is left to keep.
	fn is_empty(&self) -> bool {
		self.votes.is_empty() && self.pending.is_zero() && self.unlocking.is_zero()
	}
}

/// A wallet voters vote for.
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
pub struct WalletInfo<Balance> {
	/// The sum of the votes for it.
	pub backing: Balance,
	/// Dividend earned per unit of stake since the wallet was first voted for.
	pub reward_per_stake: FixedU128,
	/// Allocated to it at era ends and not yet settled to its voters.
	pub unsettled: Balance,
}

/// Sends every credit to the pools: [`Config::ValidatorShare`] (rounded down) to the validator
/// pool, the rest to the dividend pool. The runtime uses it as transaction-payment's
/// `FungibleAdapter<Balances, FeeSplit<Runtime>>` and as the escrow's `FeeSink`.
pub struct FeeSplit<T>(core::marker::PhantomData<T>);

impl<T: Config> OnUnbalanced<CreditOf<T>> for FeeSplit<T> {
	fn on_nonzero_unbalanced(credit: CreditOf<T>) {
		let (validator, dividend) = Pallet::<T>::deposit_split(credit);
		Pallet::<T>::deposit_event(Event::FeesReceived { validator, dividend });
	}
}

/// Counts the blocks each author produces in the era.
impl<T: Config> pallet_authorship::EventHandler<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
	fn note_author(author: T::AccountId) {
		Self::do_note_author(author);
	}
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency the pools are kept in and votes are frozen in.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ Balanced<Self::AccountId>
			+ InspectFreeze<Self::AccountId, Id = Self::RuntimeFreezeReason>
			+ MutateFreeze<Self::AccountId, Id = Self::RuntimeFreezeReason>;

		/// The overarching freeze reason.
		type RuntimeFreezeReason: From<FreezeReason>;

		/// The pallet id whose sub-accounts are the pools' pots.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// The validator pool's part of every fee and of the subsidy (rounded down); the
		/// dividend pool gets the rest.
		#[pallet::constant]
		type ValidatorShare: Get<Permill>;

		/// The subsidy minted in block 1, per block.
		#[pallet::constant]
		type InitialSubsidy: Get<BalanceOf<Self>>;

		/// For how many blocks a subsidy is minted; it decays linearly to zero over them.
		#[pallet::constant]
		type SubsidyDuration: Get<BlockNumberFor<Self>>;

		/// Blocks per era.
		#[pallet::constant]
		type EraLength: Get<BlockNumberFor<Self>>;

		/// Most distinct block authors counted in an era.
		#[pallet::constant]
		type MaxAuthors: Get<u32>;

		/// Most wallets one account votes for.
		#[pallet::constant]
		type MaxVotes: Get<u32>;

		/// The smallest vote.
		#[pallet::constant]
		type MinVote: Get<BalanceOf<Self>>;

		/// How many of the top wallets share the dividend pool each era.
		#[pallet::constant]
		type DividendWinners: Get<u32>;

		/// How many wallets the standings list (at least `DividendWinners`).
		#[pallet::constant]
		type MaxStandings: Get<u32>;

		/// Weight information for the calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet freezes funds.
	#[pallet::composite_enum]
	pub enum FreezeReason {
		/// Coins voted for wallets (and lowered votes still unlocking).
		Voting,
	}

	/// The books of each pool.
	#[pallet::storage]
	pub type Ledgers<T: Config> =
		StorageMap<_, Twox64Concat, Pool, PoolLedger<BalanceOf<T>>, ValueQuery>;

	/// The era in progress.
	#[pallet::storage]
	pub type CurrentEra<T> = StorageValue<_, EraIndex, ValueQuery>;

	/// Blocks each author produced in the era in progress.
	#[pallet::storage]
	pub type EraAuthors<T: Config> =
		CountedStorageMap<_, Twox64Concat, T::AccountId, u32, ValueQuery>;

	/// Blocks counted in [`EraAuthors`] in the era in progress.
	#[pallet::storage]
	pub type EraBlocks<T> = StorageValue<_, u32, ValueQuery>;

	/// Validator rewards allocated to an author and not claimed yet.
	#[pallet::storage]
	pub type ValidatorRewards<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, BalanceOf<T>, ValueQuery>;

	/// Each voter's votes and settled dividends.
	#[pallet::storage]
	pub type Voters<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, Voter<T>>;

	/// Each wallet with backing (or unsettled dividends).
	#[pallet::storage]
	pub type Wallets<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, WalletInfo<BalanceOf<T>>>;

	/// The top wallets by backing, highest first; the first `DividendWinners` win the era.
	#[pallet::storage]
	pub type Standings<T: Config> =
		StorageValue<_, BoundedVec<(T::AccountId, BalanceOf<T>), T::MaxStandings>, ValueQuery>;

	/// The total issuance there should be: the genesis issuance plus every subsidy minted.
	/// Nothing else creates or destroys a unit; `try_state` checks the currency against it.
	#[pallet::storage]
	pub type Issuance<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			Pallet::<T>::seed_pots();
			Issuance::<T>::put(T::Currency::total_issuance());
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Fees (and tips) reached the pools.
		FeesReceived {
			/// Received by the validator pool.
			validator: BalanceOf<T>,
			/// Received by the dividend pool.
			dividend: BalanceOf<T>,
		},
		/// The block's subsidy was minted into the pools.
		SubsidyMinted {
			/// Minted in all.
			amount: BalanceOf<T>,
			/// Minted into the validator pool.
			validator: BalanceOf<T>,
			/// Minted into the dividend pool.
			dividend: BalanceOf<T>,
		},
		/// A block author was allocated its part of the validator pool.
		AuthorRewarded {
			/// The era that ended.
			era: EraIndex,
			/// The author.
			author: T::AccountId,
			/// Blocks it authored in the era.
			blocks: u32,
			/// Added to its claimable validator reward.
			amount: BalanceOf<T>,
		},
		/// A winning wallet was allocated its part of the dividend pool, for its voters.
		WalletRewarded {
			/// The era that ended.
			era: EraIndex,
			/// The wallet.
			wallet: T::AccountId,
			/// Its backing at the era's end.
			backing: BalanceOf<T>,
			/// Shared among its voters by stake.
			amount: BalanceOf<T>,
		},
		/// An era ended.
		EraEnded {
			/// The era that ended.
			era: EraIndex,
			/// Blocks counted for its authors.
			blocks: u32,
			/// Allocated from the validator pool.
			validator_allocated: BalanceOf<T>,
			/// Allocated from the dividend pool.
			dividend_allocated: BalanceOf<T>,
		},
		/// A vote was set or changed.
		Voted {
			/// The voter.
			voter: T::AccountId,
			/// The wallet voted for.
			wallet: T::AccountId,
			/// The vote now.
			amount: BalanceOf<T>,
			/// The wallet's backing now.
			backing: BalanceOf<T>,
		},
		/// A vote was removed.
		Unvoted {
			/// The voter.
			voter: T::AccountId,
			/// The wallet it voted for.
			wallet: T::AccountId,
			/// The vote removed.
			amount: BalanceOf<T>,
			/// The wallet's backing now.
			backing: BalanceOf<T>,
		},
		/// A lowered or removed vote stays frozen until an era.
		UnlockScheduled {
			/// The voter.
			voter: T::AccountId,
			/// All its unlocking amount now.
			unlocking: BalanceOf<T>,
			/// The era from whose start it may be thawed.
			unlock_era: EraIndex,
		},
		/// An unlocking amount was thawed.
		Unlocked {
			/// The voter.
			voter: T::AccountId,
			/// The amount thawed.
			amount: BalanceOf<T>,
		},
		/// Rewards were paid out of the pools.
		Claimed {
			/// Who claimed.
			who: T::AccountId,
			/// Paid from the dividend pool.
			dividend: BalanceOf<T>,
			/// Paid from the validator pool.
			validator: BalanceOf<T>,
		},
		/// A wallet entered the standings.
		StandingEntered {
			/// The wallet.
			wallet: T::AccountId,
			/// Its backing.
			backing: BalanceOf<T>,
			/// The wallet it pushed out of the full list.
			displaced: Option<T::AccountId>,
		},
		/// A wallet left the standings as its backing fell to zero.
		StandingLeft {
			/// The wallet.
			wallet: T::AccountId,
		},
		/// A voter's coins left its account from an escrow hold: its votes shrank so that they
		/// stay backed by what it owns.
		VotesShrunk {
			/// The voter.
			voter: T::AccountId,
			/// How much less is frozen.
			amount: BalanceOf<T>,
		},
		/// A wallet's backing fell to zero; rounding dust its voters could not earn returned
		/// to the dividend pool.
		DustReleased {
			/// The wallet.
			wallet: T::AccountId,
			/// The dust, distributable again.
			amount: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The vote is below [`Config::MinVote`].
		VoteBelowMinimum,
		/// The voter already votes for [`Config::MaxVotes`] wallets.
		TooManyVotes,
		/// The votes (with what is unlocking) would exceed the voter's free balance.
		InsufficientBalance,
		/// The caller does not vote for this wallet.
		NotVoted,
		/// There are no rewards to claim.
		NothingToClaim,
		/// Nothing unlocking may be thawed yet.
		NothingToUnlock,
		/// The wallet is already in the standings.
		AlreadyListed,
		/// The wallet's backing is zero or does not beat the last listed wallet's.
		BackingTooLow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			// pallet-authorship calls `note_author` from its own `on_initialize` and weighs it
			// as nothing, so this pallet accounts for it every block.
			let mut weight = T::WeightInfo::note_author();
			let subsidy = Self::subsidy_at(n);
			if !subsidy.is_zero() {
				Self::do_mint_subsidy(subsidy);
				weight.saturating_accrue(T::WeightInfo::mint_subsidy());
			}
			if Self::is_era_end(n) {
				let (authors, winners) = Self::do_end_era();
				weight.saturating_accrue(T::WeightInfo::end_era(authors, winners));
			}
			weight
		}

		fn integrity_test() {
			assert!(T::ValidatorShare::get() <= Permill::one(), "ValidatorShare above 100%");
			assert!(!T::EraLength::get().is_zero(), "eras must last at least one block");
			assert!(T::MaxAuthors::get() > 0, "block authors must be countable");
			assert!(T::MaxVotes::get() > 0, "accounts must be able to vote");
			assert!(!T::MinVote::get().is_zero(), "a vote must be positive");
			assert!(T::DividendWinners::get() > 0, "someone must win the dividend pool");
			assert!(
				T::MaxStandings::get() >= T::DividendWinners::get(),
				"the standings must list at least the winners"
			);
			assert!(
				T::InitialSubsidy::get().is_zero() || !T::SubsidyDuration::get().is_zero(),
				"a subsidy needs a duration"
			);
			assert!(
				Self::pot(Pool::Validator) != Self::pot(Pool::Dividend),
				"the two pots must be distinct accounts (AccountId too short?)"
			);
			let max = <T as frame_system::Config>::BlockWeights::get().max_block;
			let worst = [
				T::WeightInfo::note_author()
					.saturating_add(T::WeightInfo::mint_subsidy())
					.saturating_add(T::WeightInfo::end_era(
						T::MaxAuthors::get(),
						T::DividendWinners::get(),
					)),
				T::WeightInfo::vote(),
				T::WeightInfo::unvote(),
				T::WeightInfo::claim(T::MaxVotes::get()),
				T::WeightInfo::unlock(),
				T::WeightInfo::refresh_standing(),
			];
			for w in worst {
				assert!(w.all_lte(max), "a worst case of pallet-rewards exceeds a block: {w:?}");
			}
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Set the caller's vote for `wallet` to `amount` (at least [`Config::MinVote`]): a new
		/// vote, a raise or a lowering. Settles what the vote earned so far. A raise uses the
		/// caller's unlocking amount first and must fit in its free balance; a lowering stays
		/// frozen until the end of the next era.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::vote())]
		pub fn vote(
			origin: OriginFor<T>,
			wallet: T::AccountId,
			amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(amount >= T::MinVote::get() && !amount.is_zero(), Error::<T>::VoteBelowMinimum);
			Self::do_set_vote(who, wallet, amount)
		}

		/// Remove the caller's vote for `wallet`. Settles what it earned; the amount stays
		/// frozen until the end of the next era.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::unvote())]
		pub fn unvote(origin: OriginFor<T>, wallet: T::AccountId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_vote(who, wallet, Zero::zero())
		}

		/// Pay the caller its dividends and validator rewards. Fails with `NothingToClaim` if
		/// there is nothing to pay.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::claim(T::MaxVotes::get()))]
		pub fn claim(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let votes = Self::do_claim(who)?;
			Ok(Some(T::WeightInfo::claim(votes)).into())
		}

		/// Thaw the caller's unlocking amount once its unlock era has begun.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::unlock())]
		pub fn unlock(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_unlock(who)
		}

		/// Put `wallet` into the standings if its backing beats the last listed wallet's (or
		/// the list has room). Anyone may call this: a listed wallet whose backing fell is not
		/// replaced by itself.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::refresh_standing())]
		pub fn refresh_standing(origin: OriginFor<T>, wallet: T::AccountId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_refresh_standing(wallet)
		}
	}
}

impl<T: Config> Pallet<T> {
	// ---- pools ----

	/// The pot account of a pool.
	pub fn pot(pool: Pool) -> T::AccountId {
		T::PalletId::get().into_sub_account_truncating(pool.sub_account())
	}

	/// Make sure each pot holds at least the existential deposit, minting what is missing;
	/// records what it holds as the pool's seed. Run by the genesis build.
	pub fn seed_pots() {
		let ed = T::Currency::minimum_balance();
		for pool in [Pool::Validator, Pool::Dividend] {
			let pot = Self::pot(pool);
			let balance = T::Currency::balance(&pot);
			if balance < ed {
				if let Err(e) = T::Currency::mint_into(&pot, ed - balance) {
					log::error!(target: LOG_TARGET, "seeding the {pool:?} pot failed: {e:?}");
				}
			}
			Ledgers::<T>::mutate(pool, |l| l.seed = T::Currency::balance(&pot));
		}
	}

	/// What a pool may allocate at the next era end: its balance above the existential
	/// deposit that is not owed already.
	pub fn distributable(pool: Pool) -> BalanceOf<T> {
		T::Currency::balance(&Self::pot(pool))
			.saturating_sub(T::Currency::minimum_balance())
			.saturating_sub(Ledgers::<T>::get(pool).owed)
	}

	/// Put a credit into a pool's pot; returns the amount received.
	fn deposit_into(pool: Pool, credit: CreditOf<T>) -> BalanceOf<T> {
		let amount = credit.peek();
		if amount.is_zero() {
			return amount;
		}
		match T::Currency::resolve(&Self::pot(pool), credit) {
			Ok(()) => {
				Ledgers::<T>::mutate(pool, |l| l.inflow = l.inflow.saturating_add(amount));
				amount
			},
			Err(credit) => {
				// Only if the pot was never seeded: the credit is burned.
				log::error!(
					target: LOG_TARGET,
					"the {pool:?} pot refused {:?}; is it seeded?",
					credit.peek()
				);
				Zero::zero()
			},
		}
	}

	/// Split a credit between the pools: [`Config::ValidatorShare`] rounded down to the
	/// validator pool, the rest (with the odd unit) to the dividend pool. Returns what each
	/// received.
	pub fn deposit_split(credit: CreditOf<T>) -> (BalanceOf<T>, BalanceOf<T>) {
		let to_validators = T::ValidatorShare::get().mul_floor(credit.peek());
		let (validator, dividend) = credit.split(to_validators);
		(
			Self::deposit_into(Pool::Validator, validator),
			Self::deposit_into(Pool::Dividend, dividend),
		)
	}

	/// The subsidy minted in block `n` (see [`subsidy_schedule`]).
	pub fn subsidy_at(n: BlockNumberFor<T>) -> BalanceOf<T> {
		let minted = subsidy_schedule(
			T::InitialSubsidy::get().unique_saturated_into(),
			T::SubsidyDuration::get().unique_saturated_into(),
			n.unique_saturated_into(),
		);
		BalanceOf::<T>::unique_saturated_from(minted)
	}

	/// Mint `amount` into the pools.
	pub fn do_mint_subsidy(amount: BalanceOf<T>) {
		let (validator, dividend) = Self::deposit_split(T::Currency::issue(amount));
		Issuance::<T>::mutate(|i| *i = i.saturating_add(amount));
		Self::deposit_event(Event::SubsidyMinted { amount, validator, dividend });
	}

	/// Pay `amount` owed by a pool to `who`.
	fn pay(pool: Pool, who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::transfer(&Self::pot(pool), who, amount, Preservation::Preserve)?;
		Ledgers::<T>::mutate(pool, |l| {
			l.paid = l.paid.saturating_add(amount);
			l.owed = l.owed.saturating_sub(amount);
		});
		Ok(())
	}

	// ---- eras ----

	/// Whether block `n` ends an era.
	pub fn is_era_end(n: BlockNumberFor<T>) -> bool {
		!n.is_zero() && (n % T::EraLength::get()).is_zero()
	}

	/// Count a block for `author`.
	pub fn do_note_author(author: T::AccountId) {
		if !EraAuthors::<T>::contains_key(&author)
			&& EraAuthors::<T>::count() >= T::MaxAuthors::get()
		{
			log::warn!(target: LOG_TARGET, "more than MaxAuthors authors this era; not counted");
			return;
		}
		EraAuthors::<T>::mutate(&author, |b| *b = b.saturating_add(1));
		EraBlocks::<T>::mutate(|b| *b = b.saturating_add(1));
	}

	/// `a · b / c` rounded down (zero if `c` is zero).
	fn mul_div(a: BalanceOf<T>, b: BalanceOf<T>, c: BalanceOf<T>) -> BalanceOf<T> {
		if c.is_zero() {
			return Zero::zero();
		}
		let r = multiply_by_rational_with_rounding(
			a.unique_saturated_into(),
			b.unique_saturated_into(),
			c.unique_saturated_into(),
			Rounding::Down,
		)
		.unwrap_or(0);
		BalanceOf::<T>::unique_saturated_from(r)
	}

	/// End the era in progress: allocate the validator pool to its authors and the dividend
	/// pool to the winning wallets. Returns the number of authors and winners.
	pub fn do_end_era() -> (u32, u32) {
		let era = CurrentEra::<T>::get();

		// Validator pool: by blocks authored.
		let available = Self::distributable(Pool::Validator);
		let blocks = EraBlocks::<T>::take();
		let mut validator_allocated: BalanceOf<T> = Zero::zero();
		let mut authors = 0u32;
		for (author, authored) in EraAuthors::<T>::drain() {
			authors += 1;
			let amount = Self::mul_div(available, authored.into(), blocks.into());
			if amount.is_zero() {
				continue;
			}
			ValidatorRewards::<T>::mutate(&author, |r| *r = r.saturating_add(amount));
			validator_allocated = validator_allocated.saturating_add(amount);
			Self::deposit_event(Event::AuthorRewarded { era, author, blocks: authored, amount });
		}
		Ledgers::<T>::mutate(Pool::Validator, |l| {
			l.owed = l.owed.saturating_add(validator_allocated)
		});

		// Dividend pool: by backing among the winners.
		let available = Self::distributable(Pool::Dividend);
		let winners: Vec<(T::AccountId, BalanceOf<T>)> = Standings::<T>::get()
			.into_iter()
			.filter(|(_, b)| !b.is_zero())
			.take(T::DividendWinners::get() as usize)
			.collect();
		let total =
			winners.iter().fold(Zero::zero(), |t: BalanceOf<T>, (_, b)| t.saturating_add(*b));
		let mut dividend_allocated: BalanceOf<T> = Zero::zero();
		for (wallet, backing) in winners.iter() {
			let share = Self::mul_div(available, *backing, total);
			let Some(per_stake) = FixedU128::checked_from_rational(
				UniqueSaturatedInto::<u128>::unique_saturated_into(share),
				UniqueSaturatedInto::<u128>::unique_saturated_into(*backing),
			) else {
				continue;
			};
			if per_stake.is_zero() {
				continue;
			}
			let allocated = Wallets::<T>::mutate(wallet, |w| {
				let Some(w) = w else { return false };
				let Some(acc) = w.reward_per_stake.checked_add(&per_stake) else { return false };
				w.reward_per_stake = acc;
				w.unsettled = w.unsettled.saturating_add(share);
				true
			});
			if !allocated {
				log::error!(target: LOG_TARGET, "wallet {wallet:?} not rewarded in era {era}");
				continue;
			}
			dividend_allocated = dividend_allocated.saturating_add(share);
			Self::deposit_event(Event::WalletRewarded {
				era,
				wallet: wallet.clone(),
				backing: *backing,
				amount: share,
			});
		}
		Ledgers::<T>::mutate(Pool::Dividend, |l| {
			l.owed = l.owed.saturating_add(dividend_allocated)
		});

		CurrentEra::<T>::put(era.saturating_add(1));
		Self::deposit_event(Event::EraEnded {
			era,
			blocks,
			validator_allocated,
			dividend_allocated,
		});
		(authors, winners.len() as u32)
	}

	// ---- voting ----

	/// What `vote` earned since its checkpoint, at most what its wallet holds unsettled.
	fn earned(vote: &VoteOf<T>, wallet: &WalletInfo<BalanceOf<T>>) -> BalanceOf<T> {
		let delta = wallet.reward_per_stake.saturating_sub(vote.checkpoint);
		let stake: u128 = vote.amount.unique_saturated_into();
		BalanceOf::<T>::unique_saturated_from(delta.saturating_mul_int(stake)).min(wallet.unsettled)
	}

	/// Move what `vote` earned from its wallet to the voter's pending dividends.
	fn settle(
		vote: &mut VoteOf<T>,
		wallet: &mut WalletInfo<BalanceOf<T>>,
		pending: &mut BalanceOf<T>,
	) -> BalanceOf<T> {
		let earned = Self::earned(vote, wallet);
		wallet.unsettled = wallet.unsettled.saturating_sub(earned);
		vote.checkpoint = wallet.reward_per_stake;
		*pending = pending.saturating_add(earned);
		earned
	}

	/// Take the voter's unlocking amount if its unlock era has begun.
	fn release_matured(voter: &mut Voter<T>) -> BalanceOf<T> {
		if voter.unlocking.is_zero() || CurrentEra::<T>::get() < voter.unlock_era {
			return Zero::zero();
		}
		core::mem::take(&mut voter.unlocking)
	}

	/// Store a voter (or remove it when empty) and set its freeze.
	fn put_voter(who: &T::AccountId, voter: Voter<T>) -> DispatchResult {
		T::Currency::set_freeze(&FreezeReason::Voting.into(), who, voter.frozen())?;
		if voter.is_empty() {
			Voters::<T>::remove(who);
		} else {
			Voters::<T>::insert(who, voter);
		}
		Ok(())
	}

	/// Store a wallet; when its backing is zero, release its dust, remove it and drop it from
	/// the standings. Otherwise update its standing.
	fn put_wallet(wallet: &T::AccountId, info: WalletInfo<BalanceOf<T>>) {
		if info.backing.is_zero() {
			Wallets::<T>::remove(wallet);
			if !info.unsettled.is_zero() {
				Ledgers::<T>::mutate(Pool::Dividend, |l| {
					l.owed = l.owed.saturating_sub(info.unsettled)
				});
				Self::deposit_event(Event::DustReleased {
					wallet: wallet.clone(),
					amount: info.unsettled,
				});
			}
		} else {
			Wallets::<T>::insert(wallet, info);
		}
		Self::update_standing(wallet, info.backing);
	}

	/// Set `who`'s vote for `wallet` to `amount`; zero removes it.
	pub fn do_set_vote(
		who: T::AccountId,
		wallet: T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		let mut voter = Voters::<T>::get(&who).unwrap_or_default();
		let released = Self::release_matured(&mut voter);
		let frozen_before = voter.frozen();
		let index = voter.votes.iter().position(|v| v.wallet == wallet);
		if index.is_none() && amount.is_zero() {
			return Err(Error::<T>::NotVoted.into());
		}
		let mut info = Wallets::<T>::get(&wallet).unwrap_or_default();

		let old = match index {
			Some(i) => {
				let vote = &mut voter.votes[i];
				Self::settle(vote, &mut info, &mut voter.pending);
				let old = vote.amount;
				if amount.is_zero() {
					voter.votes.remove(i);
				} else {
					voter.votes[i].amount = amount;
				}
				old
			},
			None => {
				voter
					.votes
					.try_push(Vote {
						wallet: wallet.clone(),
						amount,
						checkpoint: info.reward_per_stake,
					})
					.map_err(|_| Error::<T>::TooManyVotes)?;
				Zero::zero()
			},
		};

		let lowered = amount < old;
		if lowered {
			voter.unlocking = voter.unlocking.saturating_add(old - amount);
			voter.unlock_era = CurrentEra::<T>::get().saturating_add(2);
		} else {
			let rebond = (amount - old).min(voter.unlocking);
			voter.unlocking -= rebond;
		}
		let frozen = voter.frozen();
		if frozen > frozen_before {
			ensure!(frozen <= T::Currency::balance(&who), Error::<T>::InsufficientBalance);
		}
		info.backing = info.backing.saturating_sub(old).saturating_add(amount);
		let backing = info.backing;
		let (unlocking, unlock_era) = (voter.unlocking, voter.unlock_era);

		Self::put_voter(&who, voter)?;
		Self::put_wallet(&wallet, info);

		if !released.is_zero() {
			Self::deposit_event(Event::Unlocked { voter: who.clone(), amount: released });
		}
		if amount.is_zero() {
			Self::deposit_event(Event::Unvoted {
				voter: who.clone(),
				wallet,
				amount: old,
				backing,
			});
		} else {
			Self::deposit_event(Event::Voted { voter: who.clone(), wallet, amount, backing });
		}
		if lowered {
			Self::deposit_event(Event::UnlockScheduled { voter: who, unlocking, unlock_era });
		}
		Ok(())
	}

	/// Shrink `who`'s votes so that at most `max` stays frozen: what is unlocking goes first,
	/// then votes, the latest first, each settled before it shrinks; a vote cut below
	/// [`Config::MinVote`] goes whole. The escrow calls it before held coins leave an account
	/// for good: pallet-balances lets a freeze rest on held coins, and votes must follow the
	/// coins, or the same coins would vote here and be spent there.
	pub fn do_shrink_votes(who: &T::AccountId, max: BalanceOf<T>) {
		let Some(mut voter) = Voters::<T>::get(who) else { return };
		let before = voter.frozen();
		if before <= max {
			return;
		}
		let mut excess = before - max;
		let cut = excess.min(voter.unlocking);
		voter.unlocking -= cut;
		excess -= cut;
		while !excess.is_zero() {
			let Some(mut vote) = voter.votes.pop() else { break };
			let wallet = vote.wallet.clone();
			let mut info = Wallets::<T>::get(&wallet).unwrap_or_default();
			Self::settle(&mut vote, &mut info, &mut voter.pending);
			let cut = excess.min(vote.amount);
			excess -= cut;
			let left = vote.amount - cut;
			let kept = if left >= T::MinVote::get() { left } else { Zero::zero() };
			info.backing = info.backing.saturating_sub(vote.amount).saturating_add(kept);
			let backing = info.backing;
			if kept.is_zero() {
				Self::deposit_event(Event::Unvoted {
					voter: who.clone(),
					wallet: wallet.clone(),
					amount: vote.amount,
					backing,
				});
			} else {
				vote.amount = kept;
				// It was just popped, so there is room.
				let _ = voter.votes.try_push(vote);
				Self::deposit_event(Event::Voted {
					voter: who.clone(),
					wallet: wallet.clone(),
					amount: kept,
					backing,
				});
			}
			Self::put_wallet(&wallet, info);
		}
		let shrunk = before.saturating_sub(voter.frozen());
		if let Err(e) = Self::put_voter(who, voter) {
			// Lowering a freeze cannot fail in pallet-balances; say so loudly if it did.
			log::error!(target: LOG_TARGET, "shrinking the votes of {who:?} failed: {e:?}");
		}
		Self::deposit_event(Event::VotesShrunk { voter: who.clone(), amount: shrunk });
	}

	/// The most [`Pallet::do_shrink_votes`] may weigh: an unvote of each of the most votes a
	/// voter may have.
	pub fn shrink_votes_weight() -> Weight {
		T::WeightInfo::unvote().saturating_mul(T::MaxVotes::get().into())
	}

	/// Thaw `who`'s unlocking amount if its unlock era has begun.
	pub fn do_unlock(who: T::AccountId) -> DispatchResult {
		let mut voter = Voters::<T>::get(&who).ok_or(Error::<T>::NothingToUnlock)?;
		let amount = Self::release_matured(&mut voter);
		ensure!(!amount.is_zero(), Error::<T>::NothingToUnlock);
		Self::put_voter(&who, voter)?;
		Self::deposit_event(Event::Unlocked { voter: who, amount });
		Ok(())
	}

	/// Pay `who` its dividends and validator rewards; returns how many votes were settled.
	pub fn do_claim(who: T::AccountId) -> Result<u32, DispatchError> {
		let mut settled = 0u32;
		let mut dividend: BalanceOf<T> = Zero::zero();
		if let Some(mut voter) = Voters::<T>::get(&who) {
			let mut pending = voter.pending;
			for vote in voter.votes.iter_mut() {
				settled += 1;
				let Some(mut info) = Wallets::<T>::get(&vote.wallet) else { continue };
				if Self::settle(vote, &mut info, &mut pending).is_zero() {
					continue;
				}
				Wallets::<T>::insert(&vote.wallet, info);
			}
			dividend = pending;
			voter.pending = Zero::zero();
			if !dividend.is_zero() {
				Self::put_voter(&who, voter)?;
			}
		}
		let validator = ValidatorRewards::<T>::take(&who);
		ensure!(!dividend.is_zero() || !validator.is_zero(), Error::<T>::NothingToClaim);
		Self::pay(Pool::Dividend, &who, dividend)?;
		Self::pay(Pool::Validator, &who, validator)?;
		Self::deposit_event(Event::Claimed { who, dividend, validator });
		Ok(settled)
	}

	// ---- standings ----

	/// Where a wallet with `backing` goes in `list`: after every entry with at least as much.
	fn insert_position(
		list: &BoundedVec<(T::AccountId, BalanceOf<T>), T::MaxStandings>,
		backing: BalanceOf<T>,
	) -> usize {
		list.iter().position(|(_, b)| *b < backing).unwrap_or(list.len())
	}

	/// Put `wallet` with `backing` into `list` if it has room or `backing` beats the last
	/// entry; returns whether it entered and whom it displaced.
	fn try_enter(
		list: &mut BoundedVec<(T::AccountId, BalanceOf<T>), T::MaxStandings>,
		wallet: &T::AccountId,
		backing: BalanceOf<T>,
	) -> Option<Option<T::AccountId>> {
		if backing.is_zero() {
			return None;
		}
		let mut displaced = None;
		if list.is_full() {
			match list.last() {
				Some((_, tail)) if backing > *tail => displaced = list.pop().map(|(w, _)| w),
				_ => return None,
			}
		}
		let at = Self::insert_position(list, backing);
		// There is room: the list was not full or its tail was just popped.
		list.try_insert(at, (wallet.clone(), backing)).ok()?;
		Some(displaced)
	}

	/// Keep the standings in order after `wallet`'s backing became `backing`.
	fn update_standing(wallet: &T::AccountId, backing: BalanceOf<T>) {
		let mut list = Standings::<T>::get();
		if let Some(i) = list.iter().position(|(w, _)| w == wallet) {
			list.remove(i);
			if backing.is_zero() {
				Self::deposit_event(Event::StandingLeft { wallet: wallet.clone() });
			} else {
				let at = Self::insert_position(&list, backing);
				// One was just removed: there is room.
				let _ = list.try_insert(at, (wallet.clone(), backing));
			}
		} else if let Some(displaced) = Self::try_enter(&mut list, wallet, backing) {
			Self::deposit_event(Event::StandingEntered {
				wallet: wallet.clone(),
				backing,
				displaced,
			});
		} else {
			return;
		}
		Standings::<T>::put(list);
	}

	/// Put an unlisted wallet whose backing beats the last listed one into the standings.
	pub fn do_refresh_standing(wallet: T::AccountId) -> DispatchResult {
		let mut list = Standings::<T>::get();
		ensure!(!list.iter().any(|(w, _)| *w == wallet), Error::<T>::AlreadyListed);
		let backing = Wallets::<T>::get(&wallet).map(|w| w.backing).unwrap_or_default();
		let displaced =
			Self::try_enter(&mut list, &wallet, backing).ok_or(Error::<T>::BackingTooLow)?;
		Standings::<T>::put(list);
		Self::deposit_event(Event::StandingEntered { wallet, backing, displaced });
		Ok(())
	}

	// ---- read paths (runtime API) ----

	fn pool_info(pool: Pool) -> PoolInfo<T::AccountId, BalanceOf<T>> {
		let account = Self::pot(pool);
		PoolInfo {
			balance: T::Currency::balance(&account),
			owed: Ledgers::<T>::get(pool).owed,
			distributable: Self::distributable(pool),
			account,
		}
	}

	/// Both pools and the era in progress.
	pub fn pools() -> Pools<T::AccountId, BalanceOf<T>> {
		Pools {
			validator: Self::pool_info(Pool::Validator),
			dividend: Self::pool_info(Pool::Dividend),
			current_era: CurrentEra::<T>::get(),
			era_blocks: EraBlocks::<T>::get(),
		}
	}

	/// The listed wallets, highest backing first, with whether they would win now.
	pub fn standings() -> Vec<Standing<T::AccountId, BalanceOf<T>>> {
		let winners = T::DividendWinners::get() as usize;
		Standings::<T>::get()
			.into_iter()
			.enumerate()
			.map(|(i, (wallet, backing))| Standing { wallet, backing, winning: i < winners })
			.collect()
	}

	/// What `who` may claim now.
	pub fn claimable(who: T::AccountId) -> Claimable<BalanceOf<T>> {
		let dividend = Voters::<T>::get(&who).map_or_else(Zero::zero, |voter| {
			voter.votes.iter().fold(voter.pending, |acc, vote| {
				let earned = Wallets::<T>::get(&vote.wallet)
					.map_or_else(Zero::zero, |w| Self::earned(vote, &w));
				acc.saturating_add(earned)
			})
		});
		Claimable { dividend, validator: ValidatorRewards::<T>::get(&who) }
	}

	/// Whether the state is consistent:
	/// - the total issuance is the genesis issuance plus the subsidy minted, to the unit;
	/// - each pot holds at least `seed + inflow − paid` (exactly that unless someone sent it
	///   coins by a plain transfer) and at least its existential deposit plus what it owes;
	/// - the validator pool owes exactly the sum of the validator rewards; the dividend pool
	///   exactly the wallets' unsettled plus the voters' pending dividends;
	/// - no wallet owes its voters more than it holds unsettled;
	/// - every voter's freeze is exactly its votes plus its unlocking amount and at most what
	///   the account owns, and its votes are at least `MinVote`, one per wallet;
	/// - every wallet's backing is the sum of the votes for it (so Σ backing = Σ votes);
	/// - the standings are sorted, hold distinct wallets with their current backing, and the
	///   authors' block counts add up.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::{btree_map::BTreeMap, btree_set::BTreeSet};
		ensure!(
			T::Currency::total_issuance() == Issuance::<T>::get(),
			"total issuance moved other than by the subsidy"
		);
		let ed = T::Currency::minimum_balance();
		for pool in [Pool::Validator, Pool::Dividend] {
			let l = Ledgers::<T>::get(pool);
			let balance = T::Currency::balance(&Self::pot(pool));
			ensure!(
				balance >= l.seed.saturating_add(l.inflow).saturating_sub(l.paid),
				"a pot holds less than seed + inflow - paid"
			);
			ensure!(balance >= ed.saturating_add(l.owed), "a pot cannot pay what it owes");
		}
		let validator_owed = ValidatorRewards::<T>::iter_values()
			.fold(Zero::zero(), |a: BalanceOf<T>, r| a.saturating_add(r));
		ensure!(
			validator_owed == Ledgers::<T>::get(Pool::Validator).owed,
			"validator pool owed != sum of validator rewards"
		);

		let mut backing: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut earned: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut dividend_owed: BalanceOf<T> = Zero::zero();
		for (who, voter) in Voters::<T>::iter() {
			ensure!(!voter.is_empty(), "an empty voter is stored");
			let frozen = T::Currency::balance_frozen(&FreezeReason::Voting.into(), &who);
			ensure!(frozen == voter.frozen(), "frozen != votes + unlocking");
			ensure!(
				frozen <= T::Currency::total_balance(&who),
				"a voter's freeze exceeds what it owns"
			);
			dividend_owed = dividend_owed.saturating_add(voter.pending);
			let mut seen = BTreeSet::new();
			for vote in voter.votes.iter() {
				ensure!(seen.insert(vote.wallet.clone()), "two votes for one wallet");
				ensure!(vote.amount >= T::MinVote::get(), "a vote below MinVote");
				let b = backing.entry(vote.wallet.clone()).or_insert_with(Zero::zero);
				*b = b.saturating_add(vote.amount);
				let w = Wallets::<T>::get(&vote.wallet).ok_or("a vote for an unknown wallet")?;
				ensure!(vote.checkpoint <= w.reward_per_stake, "a checkpoint ahead of its wallet");
				let delta = w.reward_per_stake.saturating_sub(vote.checkpoint);
				let e = BalanceOf::<T>::unique_saturated_from(delta.saturating_mul_int(
					UniqueSaturatedInto::<u128>::unique_saturated_into(vote.amount),
				));
				let sum = earned.entry(vote.wallet.clone()).or_insert_with(Zero::zero);
				*sum = sum.saturating_add(e);
			}
		}
		let mut wallets = 0usize;
		for (wallet, info) in Wallets::<T>::iter() {
			wallets += 1;
			ensure!(
				backing.get(&wallet).copied().unwrap_or_default() == info.backing,
				"wallet backing != sum of its votes"
			);
			ensure!(!info.backing.is_zero(), "a wallet without backing is stored");
			ensure!(
				earned.get(&wallet).copied().unwrap_or_default() <= info.unsettled,
				"voters earned more than their wallet was allocated"
			);
			dividend_owed = dividend_owed.saturating_add(info.unsettled);
		}
		ensure!(wallets == backing.len(), "a voted wallet is missing");
		ensure!(
			dividend_owed == Ledgers::<T>::get(Pool::Dividend).owed,
			"dividend pool owed != unsettled + pending"
		);

		let list = Standings::<T>::get();
		ensure!(list.windows(2).all(|p| p[0].1 >= p[1].1), "standings not sorted");
		let mut listed = BTreeSet::new();
		for (wallet, b) in list.iter() {
			ensure!(listed.insert(wallet.clone()), "a wallet listed twice");
			ensure!(
				Wallets::<T>::get(wallet).map(|w| w.backing) == Some(*b),
				"a listed backing is stale"
			);
		}

		ensure!(EraAuthors::<T>::count() <= T::MaxAuthors::get(), "too many authors");
		let blocks = EraAuthors::<T>::iter_values().fold(0u32, |a, b| a.saturating_add(b));
		ensure!(blocks == EraBlocks::<T>::get(), "author blocks != era blocks");
		Ok(())
	}
}
