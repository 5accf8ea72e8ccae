//! A transaction's fee lands 25/75 in the reward pools on a real `--dev` node: Alice's transfer
//! pays a fee, the validator pool's pot grows by a quarter of it (rounded down) and the dividend
//! pool's by the rest, each besides the block's subsidy, and nothing else moves.

use anyhow::{anyhow, ensure, Result};
use ditex_e2e::{
	account, parent_hash, pools, subsidy, transfer, FeesReceived, Node, NodeConfig,
	TransactionFeePaid,
};
use subxt::utils::H256;
use subxt_signer::sr25519::dev;

async fn total_issuance(node: &Node, at: H256) -> Result<u128> {
	let api = node.api().await?;
	let at = api.at_block(at).await?;
	let addr = subxt::dynamic::storage::<(), u128>("Balances", "TotalIssuance");
	Ok(at.storage().fetch(addr, ()).await?.decode()?)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transfer_fee_lands_25_75_in_the_pools() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeConfig::new("dev", "dev", dir.path())).await?;
	node.wait_finalized(1).await?;
	let api = node.api().await?;
	let rpc = node.rpc().await?;
	let (alice, bob) = (dev::alice(), dev::bob());

	let amount = 1_000_000_000_000u128;
	let (block, events) = transfer(&api, &alice, &bob, amount).await?;
	let parent = parent_hash(&rpc, block).await?;

	let paid = events
		.iter()
		.filter_map(|e| e.ok())
		.find(|e| e.pallet_name() == "TransactionPayment" && e.event_name() == "TransactionFeePaid")
		.ok_or_else(|| anyhow!("no TransactionFeePaid"))?
		.decode_fields_unchecked_as::<TransactionFeePaid>()?;
	let received = events
		.iter()
		.filter_map(|e| e.ok())
		.find(|e| e.pallet_name() == "Rewards" && e.event_name() == "FeesReceived")
		.ok_or_else(|| anyhow!("no Rewards.FeesReceived"))?
		.decode_fields_unchecked_as::<FeesReceived>()?;
	let fee = paid.actual_fee + paid.tip;
	println!(
		"fee {fee}: validator pool {}, dividend pool {}",
		received.validator, received.dividend
	);
	ensure!(fee > 0, "the transfer paid no fee");
	assert_eq!(received.validator, fee / 4, "the validator pool's quarter, rounded down");
	assert_eq!(received.dividend, fee - fee / 4, "the dividend pool has the rest");

	// The block's subsidy went into the same pools, split the same way.
	let subsidy = subsidy(&events)?.ok_or_else(|| anyhow!("no subsidy minted in the block"))?;
	assert_eq!(subsidy.validator + subsidy.dividend, subsidy.amount);
	assert_eq!(subsidy.validator, subsidy.amount / 4);

	// The pots moved by exactly fees + subsidy, and Alice paid exactly amount + fee.
	let (before, after) = (pools(&node, parent).await?, pools(&node, block).await?);
	ensure!(before.current_era == after.current_era, "an era ended in the block; pots paid out");
	assert_eq!(
		after.validator.balance - before.validator.balance,
		received.validator + subsidy.validator
	);
	assert_eq!(
		after.dividend.balance - before.dividend.balance,
		received.dividend + subsidy.dividend
	);
	for (pool, balance) in
		[(&after.validator, after.validator.balance), (&after.dividend, after.dividend.balance)]
	{
		let on_chain = account(&api, block, pool.account).await?;
		assert_eq!(on_chain.data.free, balance, "the runtime API and the pot's account agree");
	}
	let a0 = account(&api, parent, alice.public_key().0).await?;
	let a1 = account(&api, block, alice.public_key().0).await?;
	assert_eq!(a0.data.free - a1.data.free, amount + fee);
	// Fees move coins, only the subsidy mints.
	assert_eq!(
		total_issuance(&node, block).await? - total_issuance(&node, parent).await?,
		subsidy.amount
	);
	Ok(())
}
