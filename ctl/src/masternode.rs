//! Joining and leaving the validator set as a master node.
//!
//! Joining takes two extrinsics from the operator's account: `Session.set_keys` with session
//! keys the validating node generated itself (`author_rotateKeysWithOwner`, so the secret keys
//! never leave its keystore, with a proof that the owner's account may use them) and
//! `MasterNodes.bond`. The node then validates from the second session change on.

use anyhow::{anyhow, Result};
use codec::Encode;
use subxt::rpcs::rpc_params;
use subxt_signer::sr25519::Keypair;

use crate::Chain;

/// The node's answer to `author_rotateKeysWithOwner`.
#[derive(serde::Deserialize, Debug)]
struct GeneratedKeys {
	keys: String,
	proof: Option<String>,
}

fn unhex(s: &str) -> Result<Vec<u8>> {
	Ok(hex::decode(s.trim_start_matches("0x"))?)
}

/// Have the node behind `node` generate fresh session keys for `operator`'s account; returns
/// the SCALE-encoded keys and the ownership proof.
pub async fn rotate_keys(node: &Chain, operator: &Keypair) -> Result<(Vec<u8>, Vec<u8>)> {
	let owner = format!("0x{}", hex::encode(operator.public_key().to_account_id().0.encode()));
	let generated: GeneratedKeys =
		node.request("author_rotateKeysWithOwner", rpc_params![owner]).await?;
	let proof = generated
		.proof
		.ok_or_else(|| anyhow!("the node's runtime gives no ownership proof for its keys"))?;
	Ok((unhex(&generated.keys)?, unhex(&proof)?))
}

/// Register `keys` (with their ownership `proof`) as `operator`'s session keys.
pub async fn set_keys(
	chain: &Chain,
	operator: &Keypair,
	keys: &[u8],
	proof: Vec<u8>,
) -> Result<Vec<String>> {
	let mut args = keys.to_vec();
	proof.encode_to(&mut args);
	chain.submit_encoded("Session", "set_keys", &args, operator).await
}

/// Bond `amount` and become a master-node candidate.
pub async fn bond(chain: &Chain, operator: &Keypair, amount: u128) -> Result<Vec<String>> {
	chain.submit(&subxt::dynamic::tx("MasterNodes", "bond", (amount,)), operator).await
}

/// The whole join: keys from `node` (the node that will validate), then bond, both through
/// `chain`. Returns the events of both extrinsics.
pub async fn join(
	node: &Chain,
	chain: &Chain,
	operator: &Keypair,
	amount: u128,
) -> Result<Vec<String>> {
	let (keys, proof) = rotate_keys(node, operator).await?;
	let mut events = set_keys(chain, operator, &keys, proof).await?;
	events.extend(bond(chain, operator, amount).await?);
	Ok(events)
}

/// Stop being a candidate; the bond unbonds after the chain's delay.
pub async fn leave(chain: &Chain, operator: &Keypair) -> Result<Vec<String>> {
	chain.submit(&subxt::dynamic::tx("MasterNodes", "leave", ()), operator).await
}

/// Release a bond whose unbonding delay has passed.
pub async fn withdraw(chain: &Chain, operator: &Keypair) -> Result<Vec<String>> {
	chain.submit(&subxt::dynamic::tx("MasterNodes", "withdraw_unbonded", ()), operator).await
}

/// The current session index and its validators.
pub async fn validators(chain: &Chain) -> Result<(u32, Vec<[u8; 32]>)> {
	let at = chain.api.at_current_block().await?;
	let index = at
		.storage()
		.fetch(subxt::dynamic::storage::<(), u32>("Session", "CurrentIndex"), ())
		.await?
		.decode()?;
	let set = at
		.storage()
		.fetch(subxt::dynamic::storage::<(), Vec<[u8; 32]>>("Session", "Validators"), ())
		.await?
		.decode()?;
	Ok((index, set))
}
