//! A small runtime for the pallet's unit tests: System, Balances, Rewards.
//!
//! Accounts are `u128`, so the two pots (sub-accounts of the pallet id, truncated to the
//! account's 16 bytes) stay distinct. The subsidy and the era length are `static` parameters
//! a test may change.

use crate as pallet_rewards;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, Hooks, VariantCountOf},
	PalletId,
};
use sp_runtime::{traits::IdentityLookup, BuildStorage, Permill};

pub type AccountId = u128;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

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
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type Rewards = pallet_rewards;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
}

/// The existential deposit: larger than one unit, so fees below it can be tested.
pub const ED: Balance = 10;

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU128<ED>;
	type AccountStore = System;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	// As in the runtime: dust of reaped accounts goes to the pools, not out of issuance.
	type DustRemoval = pallet_rewards::FeeSplit<Test>;
}

pub const MAX_AUTHORS: u32 = 4;
pub const MAX_VOTES: u32 = 3;
pub const MIN_VOTE: Balance = 10;
pub const WINNERS: u32 = 2;
pub const MAX_STANDINGS: u32 = 4;
/// Block 1 mints this; it falls by `START_SUBSIDY / SUBSIDY_BLOCKS` a block.
pub const START_SUBSIDY: Balance = 1_000;
pub const SUBSIDY_BLOCKS: u64 = 100;
pub const ERA: u64 = 10;

parameter_types! {
	pub const RewardsPalletId: PalletId = PalletId(*b"dtx/rwrd");
	pub const ValidatorShare: Permill = Permill::from_percent(25);
}

parameter_types! {
	pub static InitialSubsidy: Balance = START_SUBSIDY;
	pub static SubsidyDuration: u64 = SUBSIDY_BLOCKS;
	pub static EraLength: u64 = ERA;
}

impl pallet_rewards::Config for Test {
	type Currency = Balances;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type PalletId = RewardsPalletId;
	type ValidatorShare = ValidatorShare;
	type InitialSubsidy = InitialSubsidy;
	type SubsidyDuration = SubsidyDuration;
	type EraLength = EraLength;
	type MaxAuthors = ConstU32<MAX_AUTHORS>;
	type MaxVotes = ConstU32<MAX_VOTES>;
	type MinVote = ConstU128<MIN_VOTE>;
	type DividendWinners = ConstU32<WINNERS>;
	type MaxStandings = ConstU32<MAX_STANDINGS>;
	type WeightInfo = ();
}

/// Accounts 1..=FUNDED start with this much.
pub const ENDOWMENT: Balance = 1_000_000;
pub const FUNDED: AccountId = 50;

/// The validator pool's pot.
pub fn validator_pot() -> AccountId {
	Rewards::pot(crate::Pool::Validator)
}

/// The dividend pool's pot.
pub fn dividend_pot() -> AccountId {
	Rewards::pot(crate::Pool::Dividend)
}

/// Produce the next block, authored by `author` if any: the author is noted (as
/// pallet-authorship does) and the pallet's `on_initialize` runs.
pub fn next_block(author: Option<AccountId>) {
	let next = System::block_number() + 1;
	System::set_block_number(next);
	if let Some(a) = author {
		<Rewards as pallet_authorship::EventHandler<_, _>>::note_author(a);
	}
	Rewards::on_initialize(next);
}

/// Produce blocks up to `n` without authors.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		next_block(None);
	}
}

/// Externalities with funded accounts and seeded pots, at block 0 (`on_initialize` of block 1
/// has not run).
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=FUNDED).map(|a| (a, ENDOWMENT)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap();
	// After Balances, as in the runtime: the seed is minted on top of the genesis issuance.
	pallet_rewards::GenesisConfig::<Test>::default().assimilate_storage(&mut t).unwrap();
	sp_io::TestExternalities::new(t)
}

/// Run `test` without subsidy (so pool amounts are exactly the fees put in), then check the
/// pallet's invariants, and that each pot holds exactly seed + inflow − paid.
pub fn build_and_execute(test: impl FnOnce()) {
	InitialSubsidy::set(0);
	EraLength::set(ERA);
	new_test_ext().execute_with(|| {
		test();
		check_invariants();
	});
}

/// Like [`build_and_execute`], with the subsidy on.
pub fn build_and_execute_with_subsidy(test: impl FnOnce()) {
	InitialSubsidy::set(START_SUBSIDY);
	SubsidyDuration::set(SUBSIDY_BLOCKS);
	EraLength::set(ERA);
	new_test_ext().execute_with(|| {
		test();
		check_invariants();
	});
}

/// `try_state`, and the stricter books check of the tests (nobody sends coins to a pot by
/// plain transfer here).
pub fn check_invariants() {
	Rewards::do_try_state().expect("pallet-rewards invariants hold");
	use frame_support::traits::fungible::Inspect;
	for pool in [crate::Pool::Validator, crate::Pool::Dividend] {
		let l = crate::Ledgers::<Test>::get(pool);
		assert_eq!(
			Balances::balance(&Rewards::pot(pool)),
			l.seed + l.inflow - l.paid,
			"{pool:?} pot != seed + inflow - paid"
		);
	}
}
