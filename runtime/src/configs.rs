//! Pallet configurations.

use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, VariantCountOf},
	weights::{
		constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		ConstantMultiplier, Weight,
	},
	PalletId,
};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{traits::One, Perbill, Permill};
use sp_version::RuntimeVersion;

use super::{
	AccountId, Aura, Balance, Balances, Block, BlockNumber, Ditex, Escrow, Hash, MasterNodes,
	Nonce, PalletInfo, Rewards, Runtime, RuntimeCall, RuntimeEvent, RuntimeFreezeReason,
	RuntimeHoldReason, RuntimeOrigin, RuntimeTask, Session, SessionKeys, System, Tickets,
	Timestamp, DAYS, DTX, HOURS, MICRO_DTX, MILLI_DTX, MINUTES, SLOT_DURATION, VERSION,
};

const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;

	/// Two seconds of compute in a six-second block.
	pub RuntimeBlockWeights: frame_system::limits::BlockWeights =
		frame_system::limits::BlockWeights::with_sensible_defaults(
			Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
			NORMAL_DISPATCH_RATIO,
		);
	/// 5 MiB blocks, of which normal extrinsics may fill 75%.
	pub RuntimeBlockLength: frame_system::limits::BlockLength =
		frame_system::limits::BlockLength::builder()
			.max_length(5 * 1024 * 1024)
			.modify_max_length_for_class(DispatchClass::Normal, |m| *m = NORMAL_DISPATCH_RATIO * *m)
			.build();
	/// The generic Substrate prefix, so Polkadot.js apps shows the familiar dev addresses.
	pub const SS58Prefix: u8 = 42;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// The node stores state in ParityDB, so its weights are the ones that count.
	type DbWeight = ParityDbWeight;
	/// The transaction extensions' weights with those database weights too: the prelude's
	/// `()` prices their reads and writes as RocksDB's, about 170 µs more on every extrinsic.
	type ExtensionsWeightInfo = frame_system::SubstrateExtensionsWeight<Runtime>;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

parameter_types! {
	/// The least a master node bonds to be a validator candidate.
	pub const MasterNodeBond: Balance = 1_000 * DTX;
	/// Held for registered session keys, against key-storage spam (genesis keys pay none).
	pub const KeyDeposit: Balance = DTX;
}

impl pallet_masternodes::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ValidatorRegistration = Session;
	type AdminOrigin = frame_system::EnsureRoot<AccountId>;
	type MasterNodeBond = MasterNodeBond;
	type MaxCandidates = ConstU32<100>;
	/// Sessions last at least this many blocks (10 on the dev and local chains); raise both
	/// together.
	type MaxValidators = ConstU32<10>;
	/// The dev chain has Alice alone.
	type MinValidators = ConstU32<1>;
	type UnbondingSessions = ConstU32<6>;
	type WeightInfo = pallet_masternodes::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = pallet_masternodes::SessionKeysBenchmarkHelper<Runtime>;
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = sp_runtime::traits::ConvertInto;
	type ShouldEndSession = MasterNodes;
	type NextSessionRotation = MasterNodes;
	type SessionManager = MasterNodes;
	type SessionHandler = <SessionKeys as sp_runtime::traits::OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	/// No offence reports on this chain: an idle validator loses its seat instead.
	type DisablingStrategy = ();
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type KeyDeposit = KeyDeposit;
}

impl pallet_authorship::Config for Runtime {
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Aura>;
	type EventHandler = (MasterNodes, Rewards);
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<100>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<100>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
	/// Milliseconds since the Unix epoch.
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

/// The smallest balance an account may hold: a thousandth of a DTX.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_DTX;

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	/// Dust of reaped accounts goes to the fee pools: issuance moves only by the subsidy.
	type DustRemoval = pallet_rewards::FeeSplit<Runtime>;
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	/// Fees do not float with congestion: relays and consumers can predict what they pay.
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

/// Fee per unit of `ref_time` weight: a balance transfer costs on the order of 0.01 DTX.
pub const WEIGHT_FEE: Balance = 50;
/// Fee per byte of extrinsic.
pub const LENGTH_FEE: Balance = MICRO_DTX;

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	/// Every fee and tip goes to the reward pools, 25% validators / 75% dividends.
	type OnChargeTransaction = FungibleAdapter<Balances, pallet_rewards::FeeSplit<Runtime>>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = ConstantMultiplier<Balance, ConstU128<WEIGHT_FEE>>;
	type LengthToFee = ConstantMultiplier<Balance, ConstU128<LENGTH_FEE>>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Held per registered segment router, released on deregistration.
	pub const SegmentDeposit: Balance = 10 * DTX;
	/// How long a quarantined router waits before its operator may reinstate it.
	pub const QuarantineCooldown: BlockNumber = DAYS;
	/// Reporters of the registry's groups change every era.
	pub const RegistryEra: BlockNumber = HOURS;
	/// Held per dispute of a performance report; forfeited when the dispute fails.
	pub const DisputeBond: Balance = 5 * DTX;
	/// A router disputes only after a day in the registry.
	pub const MinDisputerAge: BlockNumber = DAYS;
}

impl pallet_ditex::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type UnixTime = Timestamp;
	type SegmentDeposit = SegmentDeposit;
	type MaxGroupSize = ConstU32<{ ditex_primitives::registry::MAX_GROUP_SIZE }>;
	type MaxGroupsPerRegion = ConstU32<100>;
	type MaxSegmentsPerOperator = ConstU32<16>;
	type MaxReportEntries = ConstU32<1_000>;
	type MaxStrikes = ConstU32<3>;
	type QuarantineCooldown = QuarantineCooldown;
	type EraLength = RegistryEra;
	type DisputeQuorum = ConstU32<3>;
	type DisputeToleranceMicros = ConstU32<5_000>;
	type DisputeTolerancePercent = ConstU32<20>;
	type DisputeBond = DisputeBond;
	type MinDisputerAge = MinDisputerAge;
	type Forfeits = pallet_rewards::FeeSplit<Runtime>;
	type OnSegmentRemoved = Tickets;
	type WeightInfo = pallet_ditex::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Relays submit one ticket per epoch: its length when the genesis sets none (the dev and
	/// local presets set `TESTNET_TICKET_EPOCH`). The chain's is `Tickets::epoch_length()`.
	pub const TicketEpoch: BlockNumber = 10 * MINUTES;
	/// The smallest deposit a channel can be opened with. Filling the refund schedule for
	/// the 16 blocks a refund may be pushed by (32 a block) holds 5 120 DTX.
	pub const ChannelMinDeposit: Balance = 10 * DTX;
	/// The smallest QoS payment; likewise 5 120 DTX to fill the order schedule's window.
	pub const MinQosPayment: Balance = 10 * DTX;
	/// How far past the chain's clock a ticket's boot time may be.
	pub const MaxClockSkew: u64 = 3_600;
	/// A channel is open for at most thirty days.
	pub const MaxChannelLifetime: BlockNumber = 30 * DAYS;
	/// A QoS order must be answered within a day.
	pub const MaxQosDeadline: BlockNumber = DAYS;
	/// The infrastructure's part of every settlement: 5% to the fee pools.
	pub const SettlementFee: Permill = Permill::from_percent(5);
}

/// A closed or expired channel keeps its deposit until every ticket that may still name it has
/// been settled: the tickets pallet's wait for a downstream ticket plus the age a ticket may
/// have, one epoch more for the ticket in flight — `(TICKET_SETTLEMENT_GRACE + MAX_TICKET_AGE +
/// 1)` epochs of the chain's epoch length (read from the tickets pallet's storage).
pub type ChannelSettlementGrace = pallet_tickets::EscrowSettlementGrace<Runtime>;

/// Epochs a ticket may lag the current one.
pub const MAX_TICKET_AGE: u32 = 2;
/// Epochs a claim waits for its downstream neighbour's ticket.
pub const TICKET_SETTLEMENT_GRACE: u32 = 2;

impl pallet_escrow::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Registry = Ditex;
	type FeeSink = pallet_rewards::FeeSplit<Runtime>;
	type Freezes = VoteFreezes;
	type OnChannelEnded = Tickets;
	type MinDeposit = ChannelMinDeposit;
	type MinQosPayment = MinQosPayment;
	type MaxChannelLifetime = MaxChannelLifetime;
	type SettlementGrace = ChannelSettlementGrace;
	type MaxRefundsPerBlock = ConstU32<32>;
	type MaxOrdersPerBlock = ConstU32<32>;
	type MaxOrdersPerSegment = ConstU32<{ ditex_primitives::qos::MAX_ORDERS_PER_SEGMENT }>;
	type MaxQosDeadline = MaxQosDeadline;
	type WeightInfo = pallet_escrow::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = bench_helpers::Settlement;
}

/// Votes as the escrow sees them: an account's frozen balance (only votes freeze coins here),
/// shrunk by the rewards pallet when escrowed coins leave the account.
pub struct VoteFreezes;
impl pallet_escrow::FrozenCoins<AccountId, Balance> for VoteFreezes {
	fn frozen(who: &AccountId) -> Balance {
		System::account(who).data.frozen
	}

	fn shrink_to(who: &AccountId, max: Balance) {
		Rewards::do_shrink_votes(who, max)
	}

	fn shrink_weight() -> Weight {
		Rewards::shrink_votes_weight()
	}
}

impl pallet_tickets::Config for Runtime {
	type Escrow = Escrow;
	type Registry = Ditex;
	type Strikes = Ditex;
	type UnixTime = Timestamp;
	type MaxClockSkew = MaxClockSkew;
	type DefaultEpochLength = TicketEpoch;
	type MaxTicketAge = ConstU32<MAX_TICKET_AGE>;
	type SettlementGrace = ConstU32<TICKET_SETTLEMENT_GRACE>;
	type SettlementFee = SettlementFee;
	type WeightInfo = pallet_tickets::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = bench_helpers::Settlement;
}

/// What the escrow's and the tickets pallet's benchmarks need from the rest of the runtime:
/// segment routers registered in the real registry and channels opened in the real escrow.
#[cfg(feature = "runtime-benchmarks")]
mod bench_helpers {
	use super::*;
	use ditex_primitives::{
		registry::{
			DataPlaneKey, Endpoint, IpAddress, Region, SegmentId, SegmentSpec, TicketKey, Windows,
		},
		settlement::{ChannelId, Path, ReceiptKey},
	};
	use frame_support::traits::fungible::Mutate;

	pub struct Settlement;

	fn spec(n: u32, price: Balance) -> SegmentSpec<Balance> {
		let b = n.to_be_bytes();
		let mut key = [7u8; 32];
		key[..4].copy_from_slice(&b);
		let mut ticket = key;
		ticket[31] ^= 0xff;
		SegmentSpec {
			endpoint: Endpoint { ip: IpAddress::V4([11, b[1], b[2], b[3]]), port: 4000 },
			key: DataPlaneKey(key),
			ticket_key: TicketKey(ticket),
			region: Region::new(*b"DE", b"BE").expect("a valid region"),
			asn: 64_600,
			price_per_gib: Some(price),
			capacity_mbps: 1_000,
			windows: Windows::default(),
			hide_operator: false,
		}
	}

	fn fund(who: &AccountId, amount: Balance) {
		let _ = Balances::set_balance(who, Balances::free_balance(who) + amount);
	}

	impl pallet_escrow::BenchmarkHelper<AccountId, Balance> for Settlement {
		fn sellable_segment(n: u32, operator: &AccountId, price: Balance) -> SegmentId {
			fund(operator, 100 * SegmentDeposit::get());
			Ditex::do_register(operator.clone(), spec(n, price)).expect("a valid listing")
		}

		fn set_ticket_key(segment: SegmentId, key: TicketKey) {
			let operator = pallet_ditex::Segments::<Runtime>::get(segment)
				.expect("a benchmark segment")
				.operator;
			Ditex::do_set_ticket_key(operator, segment, key).expect("a fresh key");
		}
	}

	impl pallet_tickets::BenchmarkHelper<AccountId> for Settlement {
		fn segment(n: u32) -> (SegmentId, AccountId) {
			let operator: AccountId = frame_benchmarking::account("operator", n, 0);
			let id = <Self as pallet_escrow::BenchmarkHelper<_, _>>::sellable_segment(
				n,
				&operator,
				ditex_primitives::registry::GIB,
			);
			(id, operator)
		}

		fn set_ticket_key(segment: SegmentId, key: TicketKey) {
			<Self as pallet_escrow::BenchmarkHelper<_, _>>::set_ticket_key(segment, key)
		}

		fn open_channel(path: Path, receipt_key: ReceiptKey) -> ChannelId {
			let consumer: AccountId = frame_benchmarking::account("consumer", 0, 0);
			fund(&consumer, 10_000 * ChannelMinDeposit::get());
			Escrow::do_open_channel(
				consumer,
				path,
				1_000 * ChannelMinDeposit::get(),
				ditex_primitives::registry::GIB * ditex_primitives::MAX_HOPS as Balance,
				System::block_number() + MaxChannelLifetime::get() / 2,
				DataPlaneKey([1; 32]),
				receipt_key,
			)
			.expect("a valid channel")
		}
	}
}

parameter_types! {
	pub const RewardsPalletId: PalletId = PalletId(*b"dtx/rwrd");
	/// The validator pool's part of every fee and of the subsidy; the dividend pool has the rest.
	pub const ValidatorShare: Permill = Permill::from_percent(25);
	/// The subsidy runs for the chain's first three years.
	pub const SubsidyDuration: BlockNumber = 3 * 365 * DAYS;
	/// ≈ 10 DTX in block 1, falling linearly to zero; a multiple of the duration, so the
	/// three-year total is exactly S·(D+1)/2 ≈ 78.84 M DTX.
	pub const InitialSubsidy: Balance = 634_196 * (3 * 365 * DAYS) as Balance;
	/// Validator payouts and dividends every hour.
	pub const RewardsEra: BlockNumber = HOURS;
	/// The smallest vote.
	pub const MinVote: Balance = DTX;
}

impl pallet_rewards::Config for Runtime {
	type Currency = Balances;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type PalletId = RewardsPalletId;
	type ValidatorShare = ValidatorShare;
	type InitialSubsidy = InitialSubsidy;
	type SubsidyDuration = SubsidyDuration;
	type EraLength = RewardsEra;
	/// As many as Aura may have authorities.
	type MaxAuthors = ConstU32<100>;
	type MaxVotes = ConstU32<16>;
	type MinVote = MinVote;
	type DividendWinners = ConstU32<16>;
	type MaxStandings = ConstU32<64>;
	type WeightInfo = pallet_rewards::weights::SubstrateWeight<Runtime>;
}
