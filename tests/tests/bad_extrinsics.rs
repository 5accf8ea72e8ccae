//! Malformed and forged extrinsics are refused by the node with a clear error and change
//! nothing on chain.

use anyhow::Result;
use ditex_e2e::{account, Node, NodeConfig};
use subxt::rpcs::rpc_params;
use subxt_signer::sr25519::dev;

#[tokio::test(flavor = "multi_thread")]
async fn malformed_and_badly_signed_extrinsics_are_rejected() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeConfig::new("dev", "dev", dir.path())).await?;
	node.wait_finalized(1).await?;
	let api = node.api().await?;
	let rpc = node.rpc().await?;
	let alice = dev::alice();
	let bob = dev::bob();

	let (_, before) = node.finalized().await?;
	let alice_before = account(&api, before, alice.public_key().0).await?;
	let bob_before = account(&api, before, bob.public_key().0).await?;

	// 1. Bytes that are no extrinsic at all: the length prefix promises 33 bytes, 4 follow.
	let garbage = format!("0x{}", hex::encode([0x84u8, 0xde, 0xad, 0xbe, 0xef]));
	let err = rpc
		.request::<serde_json::Value>("author_submitExtrinsic", rpc_params![garbage])
		.await
		.expect_err("garbage must be refused");
	let msg = err.to_string();
	println!("unframed bytes refused: {msg}");
	assert!(
		msg.to_lowercase().contains("invalid extrinsic format")
			|| msg.to_lowercase().contains("decode"),
		"unclear error for unframed bytes: {msg}"
	);

	// 1b. Well framed, but no extrinsic of this runtime inside: the node hands it to the
	// runtime, which refuses to decode it while validating (and says so in the node log).
	let framed = format!("0x{}", hex::encode([0x10u8, 0x84, 0xde, 0xad, 0xbe, 0xef]));
	let err = rpc
		.request::<serde_json::Value>("author_submitExtrinsic", rpc_params![framed])
		.await
		.expect_err("a framed garbage extrinsic must be refused");
	let msg = err.to_string();
	println!("framed garbage refused: {msg}");
	assert!(
		msg.contains("Verification Error") && msg.contains("validate_transaction"),
		"unclear error for a malformed extrinsic: {msg}"
	);

	// 2. A transfer from Alice's account signed with Bob's key.
	let tx = subxt::dynamic::transaction(
		"Balances",
		"transfer_keep_alive",
		(bob.public_key().to_address::<()>(), 1_000_000_000_000u128),
	);
	let at = api.at_current_block().await?;
	let mut signable = at
		.transactions()
		.create_signable(&tx, &alice.public_key().to_account_id(), Default::default())
		.await?;
	let forged_sig = bob.sign(&signable.signer_payload()?);
	let forged = signable
		.sign_with_account_and_signature(&alice.public_key().to_account_id(), &forged_sig.into())?;
	let err = forged.submit().await.expect_err("a forged signature must be refused");
	let msg = err.to_string();
	println!("forged extrinsic refused: {msg}");
	assert!(msg.contains("bad signature"), "unclear error for a forged signature: {msg}");

	// Nothing entered the pool, and nothing changed on chain.
	let pending: Vec<serde_json::Value> =
		rpc.request("author_pendingExtrinsics", rpc_params![]).await?;
	assert!(pending.is_empty(), "pool holds {pending:?}");
	let (n, _) = node.finalized().await?;
	let (_, after) = node.wait_finalized(n + 2).await?;
	assert_eq!(account(&api, after, alice.public_key().0).await?, alice_before);
	assert_eq!(account(&api, after, bob.public_key().0).await?, bob_before);
	Ok(())
}
