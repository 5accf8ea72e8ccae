//! A small runtime for the pallet's unit tests: System, Timestamp, Balances, Ditex.

use crate as pallet_ditex;
use ditex_primitives::registry::SegmentId;
use ditex_primitives::registry::{
	DataPlaneKey, Endpoint, HourWindow, IpAddress, Region, SegmentSpec, TicketKey, Windows,
};
use frame_support::{
	derive_impl, parameter_types,
	traits::{
		fungible::{Balanced, Credit},
		ConstU128, ConstU32, ConstU64, Hooks, OnUnbalanced,
	},
};
use sp_core::Pair;
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
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(3)]
	pub type Ditex = pallet_ditex;
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

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Test {}

pub const DEPOSIT: Balance = 100;
pub const ERA: u64 = 10;
pub const COOLDOWN: u64 = 20;
pub const MAX_STRIKES: u32 = 3;
pub const MAX_REPORT: u32 = 40;
/// Accounts 1..=FUNDED start with this much.
pub const ENDOWMENT: Balance = 10_000;
pub const FUNDED: u64 = 250;
/// Account 999 has nothing.
pub const PAUPER: AccountId = 999;

pub const BOND: Balance = 50;
pub const MIN_DISPUTER_AGE: u64 = 5;
/// Receives forfeited dispute bonds.
pub const FORFEIT_POT: AccountId = 900;

parameter_types! {
	pub const SegmentDeposit: Balance = DEPOSIT;
	pub const DisputeBond: Balance = BOND;
}

/// Sends forfeited bonds to [`FORFEIT_POT`], as the runtime sends them to the fee pools.
pub struct ToPot;
impl OnUnbalanced<Credit<AccountId, Balances>> for ToPot {
	fn on_nonzero_unbalanced(credit: Credit<AccountId, Balances>) {
		assert!(Balances::resolve(&FORFEIT_POT, credit).is_ok());
	}
}

thread_local! {
	static REMOVED: core::cell::RefCell<Vec<SegmentId>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// Records the segments the registry said were removed.
pub struct RecordRemoved;
impl crate::OnSegmentRemoved for RecordRemoved {
	fn on_segment_removed(segment: SegmentId) {
		REMOVED.with(|r| r.borrow_mut().push(segment));
	}
}

/// The segments removed so far in this test.
pub fn removed() -> Vec<SegmentId> {
	REMOVED.with(|r| r.borrow().clone())
}

impl pallet_ditex::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type UnixTime = Timestamp;
	type SegmentDeposit = SegmentDeposit;
	type MaxGroupSize = ConstU32<100>;
	type MaxGroupsPerRegion = ConstU32<2>;
	type MaxSegmentsPerOperator = ConstU32<3>;
	type MaxReportEntries = ConstU32<MAX_REPORT>;
	type MaxStrikes = ConstU32<MAX_STRIKES>;
	type QuarantineCooldown = ConstU64<COOLDOWN>;
	type EraLength = ConstU64<ERA>;
	type DisputeQuorum = ConstU32<2>;
	type DisputeBond = DisputeBond;
	type MinDisputerAge = ConstU64<MIN_DISPUTER_AGE>;
	type Forfeits = ToPot;
	type OnSegmentRemoved = RecordRemoved;
	type DisputeToleranceMicros = ConstU32<5_000>;
	type DisputeTolerancePercent = ConstU32<20>;
	type WeightInfo = ();
}

/// Berlin, Germany.
pub fn berlin() -> Region {
	Region::new(*b"DE", b"BE").unwrap()
}

/// California, United States.
pub fn california() -> Region {
	Region::new(*b"US", b"CA").unwrap()
}

/// The ticket key pair of `spec(n)`.
pub fn ticket_pair(n: u32) -> sp_core::ed25519::Pair {
	let mut seed = [0x7e; 32];
	seed[..4].copy_from_slice(&n.to_be_bytes());
	sp_core::ed25519::Pair::from_seed(&seed)
}

/// Sign a report as `reporter`'s ticket key does: the key of the `spec(n)` it was registered
/// with (tests register `spec(n)` for n below 1 000). No signature for an unknown reporter.
pub fn sign_report(
	reporter: SegmentId,
	era: u64,
	entries: &[ditex_primitives::registry::PerfEntry],
) -> [u8; 64] {
	let Some(record) = pallet_ditex::Segments::<Test>::get(reporter) else { return [0; 64] };
	let key = record.spec.ticket_key;
	let pair = (0..1_000)
		.map(ticket_pair)
		.find(|p| p.public().0 == key.0)
		.expect("a ticket key of spec(n)");
	let genesis = pallet_ditex::genesis_hash::<Test>();
	pair.sign(&ditex_primitives::registry::report_signing_payload(&genesis, reporter, era, entries))
		.0
}

/// A valid listing whose endpoint and key are derived from `n`, so every `n` is distinct.
pub fn spec(n: u32) -> SegmentSpec<Balance> {
	let b = n.to_be_bytes();
	let mut key = [7u8; 32];
	key[..4].copy_from_slice(&b);
	let ticket = ticket_pair(n).public().0;
	SegmentSpec {
		endpoint: Endpoint { ip: IpAddress::V4([11, b[1], b[2], b[3]]), port: 4000 },
		key: DataPlaneKey(key),
		ticket_key: TicketKey(ticket),
		region: berlin(),
		asn: 64_600,
		price_per_gib: Some(1_000),
		capacity_mbps: 1_000,
		windows: Windows::default(),
		hide_operator: false,
	}
}

/// Windows from `(start, end)` pairs.
pub fn windows(w: &[(u8, u8)]) -> Windows {
	Windows::try_from(w.iter().map(|&(start, end)| HourWindow { start, end }).collect::<Vec<_>>())
		.unwrap()
}

/// Advance to block `n`, running the hooks the pallet has.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Ditex::on_initialize(next);
	}
}

/// Set the wall clock to `hour` o'clock UTC (on the first day of the Unix epoch).
pub fn set_utc_hour(hour: u64) {
	pallet_timestamp::Now::<Test>::put(hour * 3_600_000 + 1);
}

/// Externalities with funded accounts at block 1; checks the pallet's invariants at the end.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=FUNDED).map(|a| (a, ENDOWMENT)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	// The benchmarks sign with ticket keys they keep here.
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	REMOVED.with(|r| r.borrow_mut().clear());
	ext.execute_with(|| {
		System::set_block_number(1);
		set_utc_hour(12);
	});
	ext
}

/// Run `test` and then check the pallet's invariants.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Ditex::do_try_state().expect("pallet-ditex invariants hold");
	});
}
