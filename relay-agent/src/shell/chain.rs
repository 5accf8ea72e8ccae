//! The chain client: follows the registry on a ditex node through its `ditex_*` JSON-RPC
//! methods, in a task of its own, so a slow or absent node never stalls the data plane.
//!
//! Each poll reads this agent's own listing (`ditex_segment`), the members of its group
//! (`ditex_group`: the peers it pulses and the relays its detours use) and any segment it
//! routes to from outside the group, and hands the answer to the agent loop, which applies it
//! with [`Registry::update`](crate::registry::Registry::update). A node that cannot be reached
//! or answers badly is reported the same way, to be logged and counted there; the agent keeps
//! its last view, and the next poll connects afresh.

use std::time::Duration;

use anyhow::{anyhow, Context};
use ditex_primitives::registry::SegmentId;
use serde::Deserialize;
use subxt::rpcs::{rpc_params, RpcClient};
use tokio::{sync::mpsc, task::JoinHandle};

use crate::{
	config::ChainConfig,
	registry::{vet_view, PeerEntry},
};

/// Longest a poll may take, connection included, whatever the poll interval.
const POLL_TIMEOUT: Duration = Duration::from_secs(10);

/// What one poll found.
#[derive(Debug)]
pub enum ChainEvent {
	/// The registry as the node sees it now, and how many members it listed that were not in
	/// the group.
	Registry(Vec<PeerEntry>, usize),
	/// The poll failed; why.
	Failed(String),
	/// Segments looked up on demand (see [`crate::resolve`]): each id asked, with its listing
	/// if it is registered.
	Resolved(Vec<(SegmentId, Option<PeerEntry>)>),
}

/// Most segments from outside the group and the destinations kept in the view, once looked up.
pub const MAX_REMOTE: usize = 64;

/// A group as `ditex_group` answers it; only its members matter here.
#[derive(Deserialize)]
struct GroupAnswer {
	members: Vec<PeerEntry>,
}

/// Read the registry view of segment `me` from the node behind `rpc`: its own listing, its
/// group's members, and the segments in `extra` not among them, checked by
/// [`vet_view`] (members of other groups are dropped and counted; too many members, or an
/// answer for another id than asked, fail the poll). An agent whose segment is not (or no
/// longer) registered gets an empty view. Returns the view and the members dropped.
pub async fn fetch(
	rpc: &RpcClient,
	me: SegmentId,
	extra: &[SegmentId],
) -> anyhow::Result<(Vec<PeerEntry>, usize)> {
	let segment = |id: SegmentId| async move {
		rpc.request::<Option<PeerEntry>>("ditex_segment", rpc_params![id])
			.await
			.with_context(|| format!("ditex_segment({id})"))
	};
	let Some(mine) = segment(me).await? else { return Ok((Vec::new(), 0)) };
	if mine.id != me {
		return Err(anyhow!("asked for segment {me}, the node answered segment {}", mine.id));
	}
	let members = match mine.group {
		Some(g) => {
			let group: Option<GroupAnswer> = rpc
				.request("ditex_group", rpc_params![g])
				.await
				.with_context(|| format!("ditex_group({g})"))?;
			group.ok_or_else(|| anyhow!("group {g} of segment {me} is not on the chain"))?.members
		},
		None => Vec::new(),
	};
	let mut others = Vec::new();
	for id in extra {
		if *id != me && !members.iter().any(|e| e.id == *id) {
			if let Some(e) = segment(*id).await? {
				others.push((*id, e));
			}
		}
	}
	Ok(vet_view(mine, members, others)?)
}

/// One poll: connect if need be, then read. A failure drops the connection.
async fn poll(
	url: &str,
	rpc: &mut Option<RpcClient>,
	me: SegmentId,
	extra: &[SegmentId],
) -> anyhow::Result<(Vec<PeerEntry>, usize)> {
	let client = match rpc.take() {
		Some(c) => c,
		None => RpcClient::from_insecure_url(url)
			.await
			.with_context(|| format!("connecting to {url}"))?,
	};
	// A node still importing blocks answers from a stale state: "no such segment" for a
	// segment registered since, an old key for one rotated since. Not a view to apply.
	let health: serde_json::Value = client
		.request("system_health", rpc_params![])
		.await
		.context("system_health")?;
	if syncing(&health) {
		*rpc = Some(client);
		return Err(anyhow!("the node is still syncing"));
	}
	let view = fetch(&client, me, extra).await?;
	*rpc = Some(client);
	Ok(view)
}

/// Whether a `system_health` answer says the node is syncing (an answer without the field
/// does not).
fn syncing(health: &serde_json::Value) -> bool {
	health.get("isSyncing").and_then(|v| v.as_bool()).unwrap_or(false)
}

/// Poll once, within [`POLL_TIMEOUT`].
pub async fn poll_once(
	url: &str,
	rpc: &mut Option<RpcClient>,
	me: SegmentId,
	extra: &[SegmentId],
) -> ChainEvent {
	match tokio::time::timeout(POLL_TIMEOUT, poll(url, rpc, me, extra)).await {
		Ok(Ok((view, dropped))) => ChainEvent::Registry(view, dropped),
		Ok(Err(e)) => ChainEvent::Failed(format!("{e:#}")),
		Err(_) => {
			*rpc = None;
			ChainEvent::Failed(format!("{url} did not answer within {POLL_TIMEOUT:?}"))
		},
	}
}

/// Look up `ids` (each must come back as the id asked), within [`POLL_TIMEOUT`].
async fn lookup(
	url: &str,
	rpc: &mut Option<RpcClient>,
	ids: &[SegmentId],
) -> anyhow::Result<Vec<(SegmentId, Option<PeerEntry>)>> {
	let client = match rpc.take() {
		Some(c) => c,
		None => RpcClient::from_insecure_url(url)
			.await
			.with_context(|| format!("connecting to {url}"))?,
	};
	let mut out = Vec::with_capacity(ids.len());
	for id in ids {
		let e: Option<PeerEntry> = client
			.request("ditex_segment", rpc_params![*id])
			.await
			.with_context(|| format!("ditex_segment({id})"))?;
		out.push((*id, e.filter(|e| e.id == *id)));
	}
	*rpc = Some(client);
	Ok(out)
}

/// Poll the node every `cfg.poll_ms`, the first time after one interval, and send what each
/// poll found to `tx`, until the receiver is gone. Segments asked for on `lookups` are looked
/// up at once and answered with [`ChainEvent::Resolved`]; the registered ones stay in every
/// later poll's view ([`MAX_REMOTE`] at most, least recently asked for dropped first).
pub fn spawn(
	cfg: ChainConfig,
	me: SegmentId,
	extra: Vec<SegmentId>,
	mut rpc: Option<RpcClient>,
	tx: mpsc::Sender<ChainEvent>,
	mut lookups: mpsc::Receiver<Vec<SegmentId>>,
) -> JoinHandle<()> {
	tokio::spawn(async move {
		let period = Duration::from_millis(cfg.poll_ms);
		let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
		tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
		let mut remote: lru::LruCache<SegmentId, ()> =
			lru::LruCache::new(std::num::NonZeroUsize::new(MAX_REMOTE).expect("non-zero"));
		loop {
			let ev = tokio::select! {
				_ = tick.tick() => {
					let all: Vec<SegmentId> =
						extra.iter().chain(remote.iter().map(|(id, ())| id)).copied().collect();
					poll_once(&cfg.url, &mut rpc, me, &all).await
				},
				Some(ids) = lookups.recv() => {
					match tokio::time::timeout(POLL_TIMEOUT, lookup(&cfg.url, &mut rpc, &ids)).await {
						Ok(Ok(found)) => {
							for (id, e) in &found {
								if e.is_some() {
									remote.put(*id, ());
								}
							}
							ChainEvent::Resolved(found)
						},
						// No answer: the resolver asks again after its timeout.
						Ok(Err(e)) => ChainEvent::Failed(format!("{e:#}")),
						Err(_) => {
							rpc = None;
							ChainEvent::Failed(format!("{} did not answer within {POLL_TIMEOUT:?}", cfg.url))
						},
					}
				},
			};
			if tx.send(ev).await.is_err() {
				return;
			}
		}
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	/// H9: a node still syncing after its own restart answered from a stale state, and its
	/// answer was applied as the registry.
	#[test]
	fn h9_a_syncing_node_is_not_read() {
		let h = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
		assert!(syncing(&h(r#"{"peers":3,"isSyncing":true,"shouldHavePeers":true}"#)));
		assert!(!syncing(&h(r#"{"peers":0,"isSyncing":false,"shouldHavePeers":false}"#)));
		assert!(!syncing(&h(r#"{}"#)));
	}
}
