//! Genesis presets: `development` (one validator, Alice) and `local_testnet` (Alice, Bob,
//! Charlie and Dave). Dev accounts are endowed in both so the chain is usable at once.
//!
//! The genesis validators are master nodes like any other: their bonds are held at genesis and
//! pallet-session gets their keys, from which it fills Aura's and GRANDPA's authorities. Both
//! presets use one-minute sessions ([`TESTNET_SESSION_LENGTH`]), so a joining master node
//! validates within minutes, and 30-second ticket epochs ([`TESTNET_TICKET_EPOCH`]), so a relay
//! submits a ticket every five blocks and a closed channel's deposit returns after 25 blocks
//! (its settlement grace of five epochs) instead of 50 minutes: what a local network and the
//! end-to-end tests can wait for. Neither changes after genesis without a migration.

use crate::{
	AccountId, BalancesConfig, DitexConfig, MasterNodesConfig, RuntimeGenesisConfig, SessionConfig,
	SessionKeys, SudoConfig, TicketsConfig, DTX,
};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// What each endowed dev account starts with.
pub const ENDOWMENT: crate::Balance = 1_000_000 * DTX;
/// What each genesis master node has bonded.
pub const GENESIS_BOND: crate::Balance = 10_000 * DTX;
/// Blocks per session on the dev and local chains: one minute.
pub const TESTNET_SESSION_LENGTH: crate::BlockNumber = 10;
/// Blocks per ticket epoch on the dev and local chains: 30 seconds (the runtime's default,
/// for a genesis that sets none, is ten minutes).
pub const TESTNET_TICKET_EPOCH: crate::BlockNumber = 5;

/// A test chain: dev accounts endowed, routers allowed on loopback and private addresses (one
/// machine or one LAN), and `root` as sudo where given. No other preset keeps sudo.
fn testnet_genesis(
	initial_authorities: Vec<(AccountId, AuraId, GrandpaId)>,
	endowed_accounts: Vec<AccountId>,
	root: Option<AccountId>,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed_accounts.iter().cloned().map(|k| (k, ENDOWMENT)).collect::<Vec<_>>(),
		},
		master_nodes: MasterNodesConfig {
			candidates: initial_authorities
				.iter()
				.map(|x| (x.0.clone(), GENESIS_BOND))
				.collect::<Vec<_>>(),
			session_length: TESTNET_SESSION_LENGTH,
		},
		session: SessionConfig {
			keys: initial_authorities
				.iter()
				.map(|(who, aura, grandpa)| {
					(
						who.clone(),
						who.clone(),
						SessionKeys { aura: aura.clone(), grandpa: grandpa.clone() },
					)
				})
				.collect::<Vec<_>>(),
		},
		ditex: DitexConfig { private_endpoints: true },
		tickets: TicketsConfig { epoch_length: TESTNET_TICKET_EPOCH },
		sudo: SudoConfig { key: root },
	})
}

/// A dev validator: its account, and the Aura and GRANDPA keys `--alice` and the like put in
/// the node's keystore.
fn authority(keyring: Sr25519Keyring, grandpa: Ed25519Keyring) -> (AccountId, AuraId, GrandpaId) {
	(keyring.to_account_id(), keyring.public().into(), grandpa.public().into())
}

/// The `development` preset: Alice alone authors and finalizes.
pub fn development_config_genesis() -> Value {
	testnet_genesis(
		vec![authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		Sr25519Keyring::iter().map(|k| k.to_account_id()).collect(),
		Some(Sr25519Keyring::Alice.to_account_id()),
	)
}

/// The `local_testnet` preset: Alice, Bob, Charlie and Dave share authoring and finality.
pub fn local_config_genesis() -> Value {
	testnet_genesis(
		vec![
			authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			authority(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			authority(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			authority(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
		],
		Sr25519Keyring::iter().map(|k| k.to_account_id()).collect(),
		None,
	)
}

/// Provides the JSON representation of predefined genesis config for given `id`.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work. qed.")
			.into_bytes(),
	)
}

/// List of supported presets.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
