//! A small runtime for the pallet's unit tests: System, Balances, the real Escrow and Tickets,
//! with the registry's test double (`pallet_ditex::testing`, kept in storage so it rolls back
//! with a failed call, strikes included) and a fee sink that splits fees 25/75 into two pot accounts, as the
//! rewards pallet will.

use crate as pallet_tickets;
use ditex_primitives::registry::SegmentId;
use frame_support::{
	derive_impl, parameter_types,
	traits::{
		fungible::{Balanced, Credit},
		ConstU128, ConstU32, ConstU64, Hooks, Imbalance, OnUnbalanced,
	},
};
use sp_runtime::{BuildStorage, Permill};

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
	#[runtime::pallet_index(3)]
	pub type Tickets = pallet_tickets;
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
}

pub use pallet_ditex::testing::{
	add_segment, set_state, strikes, SegState, TestRegistry as MockRegistry,
};

/// Quarantine a test segment router.
pub fn quarantine(segment: SegmentId) {
	set_state(segment, SegState::Quarantined);
}

/// Receives the validator pool's 25% of fees.
pub const VALIDATOR_POT: AccountId = 900;
/// Receives the dividend pool's 75% of fees.
pub const DIVIDEND_POT: AccountId = 901;

/// Splits fees 25/75 between the two pots.
pub struct SplitFees;
impl OnUnbalanced<Credit<AccountId, Balances>> for SplitFees {
	fn on_nonzero_unbalanced(credit: Credit<AccountId, Balances>) {
		let (validators, dividends) = credit.ration(25, 75);
		assert!(Balances::resolve(&VALIDATOR_POT, validators).is_ok());
		assert!(Balances::resolve(&DIVIDEND_POT, dividends).is_ok());
	}
}

/// The chain's clock in the tests: Unix seconds.
pub const NOW: u64 = 1_700_000_000;
/// How far past it a boot time may be.
pub const MAX_SKEW: u64 = 3_600;

/// A chain clock that stands at [`NOW`].
pub struct MockTime;
impl frame_support::traits::UnixTime for MockTime {
	fn now() -> core::time::Duration {
		core::time::Duration::from_secs(NOW)
	}
}

/// Blocks per epoch when the genesis sets none.
pub const EPOCH: u64 = 10;
pub const MAX_AGE: u32 = 2;
pub const WAIT: u32 = 2;
/// The escrow's grace covers (WAIT + MAX_AGE + 1) epochs.
pub const ESCROW_GRACE: u64 = (WAIT as u64 + MAX_AGE as u64 + 1) * EPOCH;
/// Accounts 1..=FUNDED start with this much.
pub const ENDOWMENT: Balance = 10_000_000;
pub const FUNDED: u64 = 50;

parameter_types! {
	pub const MinDeposit: Balance = 10;
	pub const Fee: Permill = Permill::from_percent(10);
}

#[cfg(feature = "runtime-benchmarks")]
pub struct EscrowBench;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_escrow::BenchmarkHelper<AccountId, Balance> for EscrowBench {
	fn sellable_segment(n: u32, operator: &AccountId, price: Balance) -> SegmentId {
		add_segment(n, *operator, Some(price));
		n
	}

	fn set_ticket_key(segment: SegmentId, key: ditex_primitives::registry::TicketKey) {
		pallet_ditex::testing::set_ticket_key(segment, key);
	}
}

impl pallet_escrow::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Registry = MockRegistry;
	type FeeSink = SplitFees;
	type Freezes = ();
	type OnChannelEnded = Tickets;
	type MinDeposit = MinDeposit;
	type MinQosPayment = MinDeposit;
	type MaxChannelLifetime = ConstU64<10_000>;
	type SettlementGrace = pallet_tickets::EscrowSettlementGrace<Test>;
	type MaxRefundsPerBlock = ConstU32<8>;
	type MaxOrdersPerBlock = ConstU32<8>;
	type MaxOrdersPerSegment = ConstU32<8>;
	type MaxQosDeadline = ConstU64<100>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = EscrowBench;
}

#[cfg(feature = "runtime-benchmarks")]
pub struct TicketsBench;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for TicketsBench {
	fn segment(n: u32) -> (SegmentId, AccountId) {
		use frame_support::traits::fungible::Mutate;
		let op = 10_000 + n as AccountId;
		Balances::set_balance(&op, 1_000);
		add_segment(n, op, Some(1 << 30));
		(n, op)
	}

	fn set_ticket_key(segment: SegmentId, key: ditex_primitives::registry::TicketKey) {
		pallet_ditex::testing::set_ticket_key(segment, key);
	}

	fn open_channel(
		path: ditex_primitives::settlement::Path,
		receipt_key: ditex_primitives::settlement::ReceiptKey,
	) -> ditex_primitives::settlement::ChannelId {
		use frame_support::traits::fungible::Mutate;
		let consumer = 30_000;
		Balances::set_balance(&consumer, Balances::free_balance(consumer) + (1 << 40));
		Escrow::do_open_channel(
			consumer,
			path,
			1 << 33,
			(1 << 30) * ditex_primitives::MAX_HOPS as Balance,
			System::block_number() + 1_000,
			ditex_primitives::registry::DataPlaneKey([1; 32]),
			receipt_key,
		)
		.expect("valid channel")
	}
}

impl pallet_tickets::Config for Test {
	type Escrow = Escrow;
	type Registry = MockRegistry;
	type Strikes = MockRegistry;
	type UnixTime = MockTime;
	type MaxClockSkew = ConstU64<MAX_SKEW>;
	type DefaultEpochLength = ConstU64<EPOCH>;
	type MaxTicketAge = ConstU32<MAX_AGE>;
	type SettlementGrace = ConstU32<WAIT>;
	type SettlementFee = Fee;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TicketsBench;
}

/// Advance to block `n`, running the hooks the pallets have.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Escrow::on_initialize(next);
	}
}

/// Externalities for the benchmark tests: as `new_test_ext`, with a keystore to sign in.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	new_test_ext()
}

/// Externalities with funded accounts (and the two fee pots) at block 1, and a keystore; the
/// genesis sets no epoch length.
pub fn new_test_ext() -> sp_io::TestExternalities {
	new_test_ext_with_epoch(0)
}

/// As [`new_test_ext`], with `epoch_length` in the tickets pallet's genesis.
pub fn new_test_ext_with_epoch(epoch_length: u64) -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_tickets::GenesisConfig::<Test> { epoch_length }.assimilate_storage(&mut t).unwrap();
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
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Run `test` and then check both pallets' invariants.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		escrow_holds_match();
		Tickets::do_try_state().expect("pallet-tickets invariants hold");
	});
}

/// The escrow's invariant (its `do_try_state` is compiled only for its own tests and
/// `try-runtime`): every consumer holds exactly deposit − paid − refunded of its channels.
pub fn escrow_holds_match() {
	use frame_support::traits::fungible::InspectHold;
	let mut expected = std::collections::BTreeMap::<AccountId, Balance>::new();
	for (_, ch) in pallet_escrow::Channels::<Test>::iter() {
		assert_eq!(ch.refunded, 0);
		*expected.entry(ch.consumer).or_default() += ch.deposit - ch.paid - ch.refunded;
	}
	for (who, held) in expected {
		let reason = pallet_escrow::HoldReason::ChannelDeposit.into();
		assert_eq!(Balances::balance_on_hold(&reason, &who), held, "hold of {who}");
	}
}
