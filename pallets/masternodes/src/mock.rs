//! A small runtime for the pallet's unit tests: System, Balances, Authorship, MasterNodes and
//! pallet-session with `UintAuthorityId` keys, in the order the real runtime uses (authorship
//! notes a block's author before session rotates in it). Block authors are chosen as Aura does,
//! round robin over pallet-session's validators by slot, skipping the slots of validators the
//! test has taken down.

use crate as pallet_masternodes;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, FindAuthor, Hooks},
};
use frame_system::EnsureRoot;
use sp_runtime::{testing::UintAuthorityId, traits::ConvertInto, BuildStorage, ConsensusEngineId};

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
	pub type Authorship = pallet_authorship;
	#[runtime::pallet_index(3)]
	pub type MasterNodes = pallet_masternodes;
	#[runtime::pallet_index(4)]
	pub type Session = pallet_session;
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

parameter_types! {
	/// Who authors the block being initialised; set by `run_to_block`.
	pub static Author: Option<AccountId> = None;
	/// The Aura slot of the last block.
	pub static Slot: u64 = 0;
	/// Validators whose nodes are down: their slots stay empty.
	pub static Down: Vec<AccountId> = Vec::new();
}

/// Finds the author `run_to_block` chose.
pub struct MockFindAuthor;
impl FindAuthor<AccountId> for MockFindAuthor {
	fn find_author<'a, I>(_digests: I) -> Option<AccountId>
	where
		I: 'a + IntoIterator<Item = (ConsensusEngineId, &'a [u8])>,
	{
		Author::get()
	}
}

impl pallet_authorship::Config for Test {
	type FindAuthor = MockFindAuthor;
	type EventHandler = MasterNodes;
}

/// Held per account with session keys.
pub const KEY_DEPOSIT: Balance = 1;

impl pallet_session::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	type ShouldEndSession = MasterNodes;
	type NextSessionRotation = MasterNodes;
	type SessionManager = MasterNodes;
	type SessionHandler = pallet_session::TestSessionHandler;
	type Keys = UintAuthorityId;
	type DisablingStrategy = ();
	type WeightInfo = ();
	type Currency = Balances;
	type KeyDeposit = ConstU128<KEY_DEPOSIT>;
}

pub const BOND: Balance = 100;
pub const MAX_CANDIDATES: u32 = 8;
pub const MAX_VALIDATORS: u32 = 4;
pub const MIN_VALIDATORS: u32 = 2;
pub const UNBONDING: u32 = 2;
/// Blocks per session at genesis.
pub const SESSION: u64 = 5;
/// Accounts 1..=FUNDED start with this much.
pub const ENDOWMENT: Balance = 10_000;
pub const FUNDED: u64 = 30;
/// Can pay a key deposit but not a bond.
pub const PAUPER: AccountId = 99;
/// The genesis master nodes, each bonding `BOND`.
pub const GENESIS: [AccountId; 3] = [1, 2, 3];

parameter_types! {
	pub const MasterNodeBond: Balance = BOND;
}

impl pallet_masternodes::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ValidatorRegistration = Session;
	type AdminOrigin = EnsureRoot<AccountId>;
	type MasterNodeBond = MasterNodeBond;
	type MaxCandidates = ConstU32<MAX_CANDIDATES>;
	type MaxValidators = ConstU32<MAX_VALIDATORS>;
	type MinValidators = ConstU32<MIN_VALIDATORS>;
	type UnbondingSessions = ConstU32<UNBONDING>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::SessionKeysBenchmarkHelper<Test>;
}

/// The author of the next block, as Aura picks it: the owner of the next slot whose node is up.
fn next_author() -> Option<AccountId> {
	let validators = Session::validators();
	for _ in 0..validators.len() {
		let slot = Slot::mutate(|s| {
			*s += 1;
			*s
		});
		let owner = validators[(slot % validators.len() as u64) as usize];
		if !Down::get().contains(&owner) {
			return Some(owner);
		}
	}
	None
}

/// Advance to block `n`, running the hooks in the runtime's order.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Author::set(next_author());
		Authorship::on_initialize(next);
		Session::on_initialize(next);
		Authorship::on_finalize(next);
	}
}

/// Advance to the first block of session `index`.
pub fn run_to_session(index: u32) {
	while Session::current_index() < index {
		run_to_block(System::block_number() + 1);
	}
}

/// Give `who` the session key `UintAuthorityId(key)` through pallet-session's call.
pub fn set_keys(who: AccountId, key: u64) -> sp_runtime::DispatchResult {
	Session::set_keys(RuntimeOrigin::signed(who), UintAuthorityId(key), Vec::new())
}

/// Externalities with funded accounts, the genesis master nodes 1, 2, 3 with their session keys
/// and sessions of `SESSION` blocks, at block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=FUNDED).map(|a| (a, ENDOWMENT)).chain([(PAUPER, BOND / 2)]).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap();
	pallet_masternodes::GenesisConfig::<Test> {
		candidates: GENESIS.iter().map(|&a| (a, BOND)).collect(),
		session_length: SESSION,
	}
	.assimilate_storage(&mut t)
	.unwrap();
	pallet_session::GenesisConfig::<Test> {
		keys: GENESIS.iter().map(|&a| (a, a, UintAuthorityId(a))).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| run_to_block(1));
	ext
}

/// Run `test` and then check the pallet's invariants.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		MasterNodes::do_try_state().expect("pallet-masternodes invariants hold");
	});
}
