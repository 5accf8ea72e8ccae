//! A small runtime for the pallet's unit tests: System, Balances, Escrow, with the registry's
//! test double (`pallet_ditex::testing`) and a fee sink that splits fees 25/75 into two pot
//! accounts.

use crate as pallet_escrow;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	derive_impl, parameter_types,
	traits::{
		fungible::{Balanced, Credit},
		ConstU128, ConstU32, ConstU64, Hooks, Imbalance, OnUnbalanced,
	},
};
use frame_support::{
	traits::{
		fungible::{InspectFreeze, MutateFreeze},
		VariantCount,
	},
	weights::Weight,
};
use scale_info::TypeInfo;
use sp_runtime::BuildStorage;

pub type AccountId = u64;
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
	pub type Escrow = pallet_escrow;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU128<1>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
	type FreezeIdentifier = Votes;
	type MaxFreezes = ConstU32<1>;
}

/// The freeze the rewards pallet puts on voted coins, here set directly by the tests.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Votes;
impl VariantCount for Votes {
	const VARIANT_COUNT: u32 = 1;
}

/// Votes as the rewards pallet keeps them: a freeze that shrinks when held coins leave.
pub struct MockFreezes;
impl crate::FrozenCoins<AccountId, Balance> for MockFreezes {
	fn frozen(who: &AccountId) -> Balance {
		System::account(who).data.frozen
	}

	fn shrink_to(who: &AccountId, max: Balance) {
		if Balances::balance_frozen(&Votes, who) > max {
			assert!(Balances::set_freeze(&Votes, who, max).is_ok());
		}
	}

	fn shrink_weight() -> Weight {
		Weight::from_parts(1_000_000, 0)
	}
}

pub use pallet_ditex::testing::{add_segment, set_state, SegState, TestRegistry as MockRegistry};

/// Receives the validator pool's 25% of fees.
pub const VALIDATOR_POT: AccountId = 900;
/// Receives the dividend pool's 75% of fees.
pub const DIVIDEND_POT: AccountId = 901;

/// Splits fees 25/75 between the two pots, as the rewards pallet will.
pub struct SplitFees;
impl OnUnbalanced<Credit<AccountId, Balances>> for SplitFees {
	fn on_nonzero_unbalanced(credit: Credit<AccountId, Balances>) {
		let (validators, dividends) = credit.ration(25, 75);
		assert!(Balances::resolve(&VALIDATOR_POT, validators).is_ok());
		assert!(Balances::resolve(&DIVIDEND_POT, dividends).is_ok());
	}
}

#[cfg(feature = "runtime-benchmarks")]
pub struct BenchHelper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId, Balance> for BenchHelper {
	fn sellable_segment(
		n: u32,
		operator: &AccountId,
		price: Balance,
	) -> ditex_primitives::registry::SegmentId {
		add_segment(n, *operator, Some(price));
		n
	}

	fn set_ticket_key(
		segment: ditex_primitives::registry::SegmentId,
		key: ditex_primitives::registry::TicketKey,
	) {
		pallet_ditex::testing::set_ticket_key(segment, key);
	}
}

pub const MIN_DEPOSIT: Balance = 10;
pub const LIFETIME: u64 = 1_000;
pub const GRACE: u64 = 20;
pub const MAX_REFUNDS: u32 = 4;
pub const MAX_ORDERS: u32 = 4;
pub const MAX_SEGMENT_ORDERS: u32 = 8;
pub const QOS_DEADLINE: u64 = 50;
/// Accounts 1..=FUNDED start with this much.
pub const ENDOWMENT: Balance = 1_000_000;
pub const FUNDED: u64 = 50;
/// Account 999 has nothing.
pub const PAUPER: AccountId = 999;

pub const MIN_QOS: Balance = 5;

parameter_types! {
	pub const MinDeposit: Balance = MIN_DEPOSIT;
	pub const MinQosPayment: Balance = MIN_QOS;
}

impl pallet_escrow::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Registry = MockRegistry;
	type OnChannelEnded = ();
	type FeeSink = SplitFees;
	type Freezes = MockFreezes;
	type MinDeposit = MinDeposit;
	type MinQosPayment = MinQosPayment;
	type MaxChannelLifetime = ConstU64<LIFETIME>;
	type SettlementGrace = ConstU64<GRACE>;
	type MaxRefundsPerBlock = ConstU32<MAX_REFUNDS>;
	type MaxOrdersPerBlock = ConstU32<MAX_ORDERS>;
	type MaxOrdersPerSegment = ConstU32<MAX_SEGMENT_ORDERS>;
	type MaxQosDeadline = ConstU64<QOS_DEADLINE>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchHelper;
}

/// Advance to block `n`, running the hooks the pallet has.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Escrow::on_initialize(next);
	}
}

/// Externalities with funded accounts (and the two fee pots) at block 1, and a keystore.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=FUNDED)
			.map(|a| (a, ENDOWMENT))
			.chain([(VALIDATOR_POT, 1), (DIVIDEND_POT, 1)])
			.collect(),
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	// The benchmarks sign with keys they keep here.
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Run `test` and then check the pallet's invariants.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Escrow::do_try_state().expect("pallet-escrow invariants hold");
	});
}
