//! The chain client: follows the registry and the settlement state on a ditex node through
//! its `ditex_*` JSON-RPC methods and runtime API calls, in a task of its own, so a slow or
//! absent node never stalls the data plane.
//!
//! Each poll pins one finalized block and reads everything at it (H9: a registry from one
//! block and channels from another could disagree): this agent's own listing
//! (`ditex_segment`), the members of its group and the era's reporter (`ditex_group`: the
//! peers it pulses and the relays its detours use), any segment it routes to from outside the
//! group, the ticket epoch, its earnings, and the channels it carries or pays for. It hands
//! the answer to the agent loop, which applies it with
//! [`Registry::update`](crate::registry::Registry::update) and
//! [`Channels::update`](crate::channel::Channels::update). A node that cannot be reached,
//! is still syncing or answers badly is reported the same way, to be logged and counted
//! there; the agent keeps its last view, and the next poll connects afresh.

use std::time::Duration;

use anyhow::{anyhow, Context};
use codec::{Decode, Encode};
use ditex_primitives::{
	registry::SegmentId,
	settlement::{Channel, ChannelId, Epoch, RelayView},
	Hash,
};
use serde::Deserialize;
use subxt::rpcs::{rpc_params, RpcClient};
use tokio::{sync::mpsc, task::JoinHandle};

use crate::{
	config::ChainConfig,
	registry::{vet_view, PeerEntry},
};

/// Longest a poll may take, connection included, whatever the poll interval.
const POLL_TIMEOUT: Duration = Duration::from_secs(10);

/// A channel as the settlement runtime API answers it (account ids as their 32 bytes).
pub type ChainChannel = Channel<[u8; 32], u128, u32>;

/// The finalized block a poll read at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct At {
	/// Its number.
	pub number: u32,
	/// Its hash.
	pub hash: Hash,
}

/// Everything one poll read, all at the block [`Poll::at`].
#[derive(Debug)]
pub struct Poll {
	/// The block read at.
	pub at: At,
	/// The chain's genesis hash (read once per connection).
	pub genesis: Hash,
	/// The registry as the node sees it.
	pub view: Vec<PeerEntry>,
	/// How many members it listed that were not in the group.
	pub dropped: usize,
	/// The ticket epoch.
	pub epoch: Epoch,
	/// The group's era and its reporter this era, if this router is in a group.
	pub era: Option<(u64, Option<SegmentId>)>,
	/// This router's earnings.
	pub earnings: RelayView<u128>,
	/// The channels asked for: each id with its state, if the chain has it.
	pub channels: Vec<(ChannelId, Option<ChainChannel>)>,
}

/// What one poll found.
#[derive(Debug)]
pub enum ChainEvent {
	/// A poll's answer.
	Poll(Box<Poll>),
	/// The poll failed; why.
	Failed(String),
	/// Segments looked up on demand (see [`crate::resolve`]): each id asked, with its listing
	/// if it is registered.
	Resolved(Vec<(SegmentId, Option<PeerEntry>)>),
	/// Channels looked up on demand, at block `At`: each id asked, with its state if the
	/// chain has it.
	Channels(At, Vec<(ChannelId, Option<ChainChannel>)>),
}

/// What the agent loop asks the chain client to look up at once.
#[derive(Debug, Default)]
pub struct Lookup {
	/// Segments a path names that the view lacks.
	pub segments: Vec<SegmentId>,
	/// Channels a datagram names that this router does not hold.
	pub channels: Vec<ChannelId>,
}

/// Most segments from outside the group and the destinations kept in the view, once looked up.
pub const MAX_REMOTE: usize = 64;
/// Most channels read again every poll (those the agent holds, most recently asked first).
pub const MAX_WATCHED: usize = 128;

/// A group as `ditex_group` answers it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupAnswer {
	era: u64,
	reporter: Option<SegmentId>,
	members: Vec<PeerEntry>,
}

/// A connection, and the chain it is to.
pub struct Conn {
	rpc: RpcClient,
	genesis: Hash,
}

impl Conn {
	/// Connect to `url` and read the chain's genesis hash.
	pub async fn open(url: &str) -> anyhow::Result<Conn> {
		let rpc = RpcClient::from_insecure_url(url)
			.await
			.with_context(|| format!("connecting to {url}"))?;
		let genesis: Hash = rpc
			.request("chain_getBlockHash", rpc_params![0u32])
			.await
			.context("chain_getBlockHash(0)")?;
		Ok(Conn { rpc, genesis })
	}

	/// The latest finalized block, unless the node is still importing blocks: then it answers
	/// from a stale state ("no such segment" for one registered since, an old key for one
	/// rotated since), not a view to apply.
	pub async fn pin(&self) -> anyhow::Result<At> {
		let health: serde_json::Value =
			self.rpc.request("system_health", rpc_params![]).await.context("system_health")?;
		if syncing(&health) {
			return Err(anyhow!("the node is still syncing"));
		}
		let hash: Hash = self
			.rpc
			.request("chain_getFinalizedHead", rpc_params![])
			.await
			.context("chain_getFinalizedHead")?;
		let header: serde_json::Value = self
			.rpc
			.request("chain_getHeader", rpc_params![hash])
			.await
			.context("chain_getHeader")?;
		let number = header
			.get("number")
			.and_then(|n| n.as_str())
			.and_then(|n| u32::from_str_radix(n.trim_start_matches("0x"), 16).ok())
			.ok_or_else(|| anyhow!("chain_getHeader({hash:?}) has no block number"))?;
		Ok(At { number, hash })
	}

	/// A runtime API call at `at`, its answer decoded as `R` (all of it).
	pub async fn call<R: Decode>(
		&self,
		method: &str,
		args: impl Encode,
		at: Hash,
	) -> anyhow::Result<R> {
		let data = format!("0x{}", hex::encode(args.encode()));
		let answer: String = self
			.rpc
			.request("state_call", rpc_params![method, data, at])
			.await
			.with_context(|| method.to_string())?;
		let bytes = hex::decode(answer.trim_start_matches("0x"))
			.with_context(|| format!("{method}: not hex"))?;
		let mut input = &bytes[..];
		let r =
			R::decode(&mut input).with_context(|| format!("decoding the answer of {method}"))?;
		if !input.is_empty() {
			return Err(anyhow!("{method} answered {} bytes more than its type", input.len()));
		}
		Ok(r)
	}

	async fn segment(&self, id: SegmentId, at: Hash) -> anyhow::Result<Option<PeerEntry>> {
		let e: Option<PeerEntry> = self
			.rpc
			.request("ditex_segment", rpc_params![id, at])
			.await
			.with_context(|| format!("ditex_segment({id})"))?;
		// An answer for another id than asked is not this segment's listing.
		Ok(e.filter(|e| e.id == id))
	}

	/// `ids`' channels at `at`.
	pub async fn channels(
		&self,
		ids: &[ChannelId],
		at: Hash,
	) -> anyhow::Result<Vec<(ChannelId, Option<ChainChannel>)>> {
		let mut out = Vec::with_capacity(ids.len());
		for id in ids {
			out.push((*id, self.call("SettlementApi_channel", id, at).await?));
		}
		Ok(out)
	}
}

/// Read, at `at`, the registry view of segment `me`: its own listing, its group's members,
/// and the segments in `extra` not among them, checked by [`vet_view`] (members of other
/// groups are dropped and counted; too many members, or an answer for another id than asked,
/// fail the poll). An agent whose segment is not (or no longer) registered gets an empty view.
/// Returns the view, the members dropped and the group's era and reporter.
pub async fn fetch(
	conn: &Conn,
	at: Hash,
	me: SegmentId,
	extra: &[SegmentId],
) -> anyhow::Result<(Vec<PeerEntry>, usize, Option<(u64, Option<SegmentId>)>)> {
	let Some(mine) = conn.segment(me, at).await? else { return Ok((Vec::new(), 0, None)) };
	let (members, era) = match mine.group {
		Some(g) => {
			let group: Option<GroupAnswer> = conn
				.rpc
				.request("ditex_group", rpc_params![g, at])
				.await
				.with_context(|| format!("ditex_group({g})"))?;
			let group =
				group.ok_or_else(|| anyhow!("group {g} of segment {me} is not on the chain"))?;
			(group.members, Some((group.era, group.reporter)))
		},
		None => (Vec::new(), None),
	};
	let mut others = Vec::new();
	for id in extra {
		if *id != me && !members.iter().any(|e| e.id == *id) {
			if let Some(e) = conn.segment(*id, at).await? {
				others.push((*id, e));
			}
		}
	}
	let (view, dropped) = vet_view(mine, members, others)?;
	Ok((view, dropped, era))
}

/// One poll: connect if need be, pin the finalized block, read everything at it. A failure
/// drops the connection.
async fn poll(
	url: &str,
	conn: &mut Option<Conn>,
	me: SegmentId,
	extra: &[SegmentId],
	channels: &[ChannelId],
) -> anyhow::Result<Poll> {
	let c = match conn.take() {
		Some(c) => c,
		None => Conn::open(url).await?,
	};
	let at = c.pin().await?;
	let (view, dropped, era) = fetch(&c, at.hash, me, extra).await?;
	let epoch: Epoch = c.call("SettlementApi_current_epoch", (), at.hash).await?;
	let earnings: RelayView<u128> = c.call("SettlementApi_relay", me, at.hash).await?;
	let channels = c.channels(channels, at.hash).await?;
	let genesis = c.genesis;
	*conn = Some(c);
	Ok(Poll { at, genesis, view, dropped, epoch, era, earnings, channels })
}

/// Whether a `system_health` answer says the node is syncing (an answer without the field
/// does not).
fn syncing(health: &serde_json::Value) -> bool {
	health.get("isSyncing").and_then(|v| v.as_bool()).unwrap_or(false)
}

/// Poll once, within [`POLL_TIMEOUT`].
pub async fn poll_once(
	url: &str,
	conn: &mut Option<Conn>,
	me: SegmentId,
	extra: &[SegmentId],
	channels: &[ChannelId],
) -> ChainEvent {
	match tokio::time::timeout(POLL_TIMEOUT, poll(url, conn, me, extra, channels)).await {
		Ok(Ok(p)) => ChainEvent::Poll(Box::new(p)),
		Ok(Err(e)) => ChainEvent::Failed(format!("{e:#}")),
		Err(_) => {
			*conn = None;
			ChainEvent::Failed(format!("{url} did not answer within {POLL_TIMEOUT:?}"))
		},
	}
}

/// Look up what `ask` names at the latest finalized block.
async fn lookup(
	url: &str,
	conn: &mut Option<Conn>,
	ask: &Lookup,
) -> anyhow::Result<Vec<ChainEvent>> {
	let c = match conn.take() {
		Some(c) => c,
		None => Conn::open(url).await?,
	};
	let at = c.pin().await?;
	let mut out = Vec::new();
	if !ask.segments.is_empty() {
		let mut found = Vec::with_capacity(ask.segments.len());
		for id in &ask.segments {
			found.push((*id, c.segment(*id, at.hash).await?));
		}
		out.push(ChainEvent::Resolved(found));
	}
	if !ask.channels.is_empty() {
		out.push(ChainEvent::Channels(at, c.channels(&ask.channels, at.hash).await?));
	}
	*conn = Some(c);
	Ok(out)
}

/// Poll the node every `cfg.poll_ms`, the first time after one interval, and send what each
/// poll found to `tx`, until the receiver is gone. What is asked for on `lookups` is looked up
/// at once; the segments and channels found stay in every later poll ([`MAX_REMOTE`] and
/// [`MAX_WATCHED`] at most, least recently asked for dropped first). `watch` are channels to
/// read from the first poll on (this consumer's own).
pub fn spawn(
	cfg: ChainConfig,
	me: SegmentId,
	extra: Vec<SegmentId>,
	watch: Vec<ChannelId>,
	mut conn: Option<Conn>,
	tx: mpsc::Sender<ChainEvent>,
	mut lookups: mpsc::Receiver<Lookup>,
) -> JoinHandle<()> {
	tokio::spawn(async move {
		let period = Duration::from_millis(cfg.poll_ms);
		let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
		tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
		let cap = |n| std::num::NonZeroUsize::new(n).expect("non-zero");
		let mut remote: lru::LruCache<SegmentId, ()> = lru::LruCache::new(cap(MAX_REMOTE));
		let mut watched: lru::LruCache<ChannelId, ()> = lru::LruCache::new(cap(MAX_WATCHED));
		for id in watch {
			watched.put(id, ());
		}
		loop {
			let evs = tokio::select! {
				_ = tick.tick() => {
					let segs: Vec<SegmentId> =
						extra.iter().chain(remote.iter().map(|(id, ())| id)).copied().collect();
					let chans: Vec<ChannelId> = watched.iter().map(|(id, ())| *id).collect();
					vec![poll_once(&cfg.url, &mut conn, me, &segs, &chans).await]
				},
				Some(ask) = lookups.recv() => {
					match tokio::time::timeout(POLL_TIMEOUT, lookup(&cfg.url, &mut conn, &ask)).await {
						Ok(Ok(evs)) => {
							for ev in &evs {
								match ev {
									ChainEvent::Resolved(found) => {
										for (id, e) in found {
											if e.is_some() {
												remote.put(*id, ());
											}
										}
									},
									ChainEvent::Channels(_, found) => {
										for (id, c) in found {
											if c.is_some() {
												watched.put(*id, ());
											}
										}
									},
									_ => {},
								}
							}
							evs
						},
						// No answer: the resolver asks again after its timeout.
						Ok(Err(e)) => vec![ChainEvent::Failed(format!("{e:#}"))],
						Err(_) => {
							conn = None;
							vec![ChainEvent::Failed(format!("{} did not answer within {POLL_TIMEOUT:?}", cfg.url))]
						},
					}
				},
			};
			for ev in evs {
				if tx.send(ev).await.is_err() {
					return;
				}
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
