//! A 4-validator `--chain local` network on loopback finalizes; a validator killed with
//! SIGKILL does not stop finality; restarted on its base path it catches up and has lost no
//! finalized block.

use anyhow::{ensure, Result};
use ditex_e2e::{Node, NodeConfig};

#[tokio::test(flavor = "multi_thread")]
async fn four_validators_survive_a_killed_validator() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let names = ["alice", "bob", "charlie", "dave"];
	let mut nodes = Vec::new();
	for name in names {
		let mut cfg = NodeConfig::new(name, "local", &dir.path().join(name));
		cfg.validator = Some(name.into());
		if let Some(first) = nodes.first() {
			let first: &Node = first;
			cfg.bootnodes = vec![first.multiaddr().await?];
		}
		nodes.push(Node::start(cfg).await?);
	}

	// All four finalize together.
	let (f, _) = nodes[0].wait_finalized(3).await?;
	for n in &nodes[1..] {
		n.wait_finalized(f).await?;
	}

	// Kill Charlie without warning, remembering what it had finalized.
	let (charlie_final, charlie_final_hash) = nodes[2].finalized().await?;
	let mut charlie = nodes.remove(2);
	let charlie_cfg = charlie.config.clone();
	charlie.kill();
	drop(charlie);

	// Three of four validators are a GRANDPA supermajority: finality goes on.
	let (at_kill, _) = nodes[0].finalized().await?;
	let (later, later_hash) = nodes[0].wait_finalized(at_kill + 3).await?;
	for n in &nodes[1..] {
		n.wait_finalized(later).await?;
		ensure!(n.block_hash(later).await? == Some(later_hash), "{} disagrees", n.config.name);
	}

	// Charlie comes back on the same base path and catches up.
	let charlie = Node::start(charlie_cfg).await?;
	ensure!(
		charlie.block_hash(charlie_final).await? == Some(charlie_final_hash),
		"charlie lost its finalized block #{charlie_final}"
	);
	let (target, target_hash) = nodes[0].finalized().await?;
	charlie.wait_finalized(target).await?;
	ensure!(charlie.block_hash(target).await? == Some(target_hash), "charlie is on another fork");
	ensure!(charlie.block_hash(later).await? == Some(later_hash), "charlie is on another fork");

	// And the network, Charlie included, keeps finalizing.
	let (now, _) = charlie.finalized().await?;
	charlie.wait_finalized(now + 2).await?;
	Ok(())
}
