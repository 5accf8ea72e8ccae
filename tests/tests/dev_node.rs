//! A `--dev` node produces and finalizes blocks, serves Prometheus metrics, and includes a
//! signed balance transfer whose effect on balances is exactly amount + fee.

use anyhow::{anyhow, Result};
use ditex_e2e::{account, parent_hash, transfer, Node, NodeConfig, TransactionFeePaid};
use subxt_signer::sr25519::dev;

const DTX: u128 = 1_000_000_000_000;

#[derive(Debug, scale_decode::DecodeAsType)]
struct Transfer {
	amount: u128,
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_node_finalizes_and_transfers_exactly() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeConfig::new("dev", "dev", dir.path())).await?;

	// Blocks are produced and finalized.
	let (first, _) = node.wait_finalized(2).await?;
	assert!(first >= 2);

	// Prometheus answers with the node's block height.
	let metrics = node.metrics()?;
	assert!(
		metrics.contains("substrate_block_height"),
		"no block height in metrics:\n{}",
		&metrics[..metrics.len().min(2000)]
	);

	let api = node.api().await?;
	let alice = dev::alice();
	let bob = dev::bob();
	let amount = 3 * DTX / 2;
	let (block, events) = transfer(&api, &alice, &bob, amount).await?;

	let mut fee = None;
	let mut transferred = None;
	for ev in events.iter() {
		let ev = ev?;
		match (ev.pallet_name(), ev.event_name()) {
			("TransactionPayment", "TransactionFeePaid") => {
				let paid: TransactionFeePaid = ev.decode_fields_unchecked_as()?;
				assert_eq!(paid.tip, 0);
				fee = Some(paid.actual_fee);
			},
			("Balances", "Transfer") => {
				transferred = Some(ev.decode_fields_unchecked_as::<Transfer>()?.amount);
			},
			_ => {},
		}
	}
	let fee = fee.ok_or_else(|| anyhow!("no TransactionFeePaid event"))?;
	assert_eq!(transferred, Some(amount));
	assert!(fee > 0, "a signed transfer pays a fee");

	// Compare the state just before and just after the block that included the transfer.
	let parent = parent_hash(&node.rpc().await?, block).await?;
	let (a0, a1) = (
		account(&api, parent, alice.public_key().0).await?,
		account(&api, block, alice.public_key().0).await?,
	);
	let (b0, b1) = (
		account(&api, parent, bob.public_key().0).await?,
		account(&api, block, bob.public_key().0).await?,
	);
	assert_eq!(a0.data.free - a1.data.free, amount + fee, "sender pays amount + fee exactly");
	assert_eq!(b1.data.free - b0.data.free, amount, "receiver gets the amount exactly");
	assert_eq!(a1.nonce, a0.nonce + 1);

	// And the inclusion block is final: finality keeps moving past it.
	let n = node.finalized().await?.0;
	node.wait_finalized(n + 1).await?;
	Ok(())
}
