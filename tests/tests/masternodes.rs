//! A fifth node joins the running 4-validator local network as a master node, with nothing but
//! extrinsics: its session keys come from its own `author_rotateKeysWithOwner`, its operator
//! (Eve) registers them and bonds. It becomes an authority at a session change, authors blocks
//! that are finalized, and GRANDPA's set grows to five. Then it leaves: it drops out of the set
//! and, stopped, the four others keep finalizing without it.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Result};
use ditex_ctl::{masternode, Chain};
use ditex_e2e::{Node, NodeConfig};
use subxt_signer::sr25519::dev;

/// The bond Eve puts up: well above the runtime's minimum.
const BOND: u128 = 20_000 * 1_000_000_000_000;

/// Sessions are 10 blocks on the local chain; joining takes two session changes.
const SESSIONS: Duration = Duration::from_secs(5 * 60);

async fn grandpa_set_len(node: &Node) -> Result<usize> {
	let set: Vec<([u8; 32], u64)> =
		node.state_call("GrandpaApi_grandpa_authorities", (), None).await?;
	Ok(set.len())
}

/// Wait until the session's validator set does (or does not) hold `who`.
async fn wait_in_set(chain: &Chain, who: [u8; 32], present: bool) -> Result<u32> {
	let deadline = Instant::now() + SESSIONS;
	loop {
		let (index, set) = masternode::validators(chain).await?;
		if set.contains(&who) == present {
			return Ok(index);
		}
		if Instant::now() > deadline {
			bail!(
				"session {index}: validator set {} Eve after {SESSIONS:?}",
				if present { "still lacks" } else { "still holds" }
			);
		}
		tokio::time::sleep(Duration::from_secs(2)).await;
	}
}

/// Blocks `node` authored, from its log: (number, hash).
fn authored(node: &Node) -> Vec<(u32, String)> {
	node.log_lines("Pre-sealed block for proposal at")
		.iter()
		.filter_map(|l| {
			let rest = l.split("proposal at ").nth(1)?;
			let (num, rest) = rest.split_once(". Hash now ")?;
			let hash = rest.split(',').next()?.trim().to_string();
			Some((num.trim().parse().ok()?, hash))
		})
		.collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fifth_master_node_joins_authors_and_leaves() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let mut nodes: Vec<Node> = Vec::new();
	for name in ["alice", "bob", "charlie", "dave"] {
		let mut cfg = NodeConfig::new(name, "local", &dir.path().join(name));
		cfg.validator = Some(name.into());
		if let Some(first) = nodes.first() {
			cfg.bootnodes = vec![first.multiaddr().await?];
		}
		nodes.push(Node::start(cfg).await?);
	}
	let (f, _) = nodes[0].wait_finalized(2).await?;
	ensure!(grandpa_set_len(&nodes[0]).await? == 4, "genesis GRANDPA set is not the four");

	// Eve's node: a validator with an empty keystore, synced first.
	let mut cfg = NodeConfig::new("eve", "local", &dir.path().join("eve"));
	cfg.authority = true;
	cfg.bootnodes = vec![nodes[0].multiaddr().await?];
	let mut eve_node = Node::start(cfg).await?;
	eve_node.wait_finalized(f).await?;

	let chain = Chain::connect(&nodes[0].ws_url()).await?;
	let eve_rpc = Chain::connect(&eve_node.ws_url()).await?;
	let eve = dev::eve();
	let who = eve.public_key().to_account_id().0;
	let events = masternode::join(&eve_rpc, &chain, &eve, BOND).await?;
	println!("join: {events:?}");
	ensure!(events.iter().any(|e| e == "MasterNodes.Bonded"), "no Bonded event: {events:?}");

	// An authority from a session change on.
	let session = wait_in_set(&chain, who, true).await?;
	println!("Eve validates from session {session}");

	// It authors blocks, and they are final on the other nodes.
	let deadline = Instant::now() + SESSIONS;
	let (number, hash) = loop {
		let (fin, _) = nodes[0].finalized().await?;
		if let Some(b) = authored(&eve_node).into_iter().find(|(n, _)| *n <= fin) {
			break b;
		}
		ensure!(
			Instant::now() < deadline,
			"Eve authored no finalized block\n{}",
			eve_node.log_tail(30)
		);
		tokio::time::sleep(Duration::from_secs(2)).await;
	};
	let canonical =
		nodes[0].block_hash(number).await?.ok_or_else(|| anyhow!("no block {number}"))?;
	ensure!(
		format!("{canonical:?}") == hash,
		"Eve's block #{number} {hash} is not canonical ({canonical:?})"
	);
	println!("Eve authored finalized block #{number}");

	// GRANDPA's set grew to five, and finality goes on with it.
	let deadline = Instant::now() + SESSIONS;
	while grandpa_set_len(&nodes[0]).await? != 5 {
		ensure!(Instant::now() < deadline, "GRANDPA set never grew to five");
		tokio::time::sleep(Duration::from_secs(2)).await;
	}
	let (now, _) = nodes[0].finalized().await?;
	eve_node.wait_finalized(now + 3).await?;

	// Eve leaves: out of the set at a session change, and the rest go on without its node.
	let events = masternode::leave(&chain, &eve).await?;
	println!("leave: {events:?}");
	ensure!(events.iter().any(|e| e == "MasterNodes.Leaving"), "no Leaving event: {events:?}");
	wait_in_set(&chain, who, false).await?;
	let deadline = Instant::now() + SESSIONS;
	while grandpa_set_len(&nodes[0]).await? != 4 {
		ensure!(Instant::now() < deadline, "GRANDPA set never shrank back to four");
		tokio::time::sleep(Duration::from_secs(2)).await;
	}
	eve_node.kill();
	let (now, _) = nodes[0].finalized().await?;
	let (later, later_hash) = nodes[0].wait_finalized(now + 3).await?;
	for n in &nodes[1..] {
		n.wait_finalized(later).await?;
		ensure!(n.block_hash(later).await? == Some(later_hash), "{} disagrees", n.config.name);
	}
	Ok(())
}
