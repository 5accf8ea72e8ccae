//! Ticket intake on a real dev node, beside balance transfers.
//!
//! Starts `ditex-node --dev`, registers segment routers (each with its own operator), opens a
//! channel over some of them, then in one epoch submits every router's ticket at once,
//! interleaved with balance transfers from other accounts, and follows the blocks until all
//! are in. Prints, per block, the tickets and transfers it took and how full its normal class
//! was; then tickets per second over the blocks that ran out of room, beside the rate the
//! tickets' benchmarked weight allows (both at the runtime's 6 s block time).
//!
//! Three rounds: idle tickets (no channels, eight peers) and tickets that each report one
//! channel with a fresh consumer receipt (its signature checked at settlement), each its own
//! transaction; then the same routers' next one-channel tickets in `submit_tickets` batches of
//! `ditex_relay::batch::BATCH_TICKETS`, as group reporters submit them.
//!
//! ```text
//! bench-intake [IDLE_TICKETS] [CHANNEL_TICKETS] [TRANSFERS]     (defaults 9000 5000 2000)
//! ```

use std::time::{Duration, Instant};

use anyhow::{anyhow, ensure, Context, Result};
use codec::{Compact, Decode, Encode};
use ditex_ctl::Chain;
use ditex_e2e::{Node, NodeConfig};
use ditex_primitives::{
	registry::{
		DataPlaneKey, Endpoint, IpAddress, Region, SegmentId, SegmentSpec, TicketKey, Windows,
	},
	settlement::{
		ChannelId, ChannelUsage, Path, PeerCounters, Receipt, ReceiptKey, SignedReceipt, Ticket,
	},
};
use sp_core::{ed25519, Pair as _};
use subxt::{
	client::OnlineClientAtBlock, config::PolkadotExtrinsicParamsBuilder as Params, events::Phase,
	rpcs::rpc_params, utils::H256, PolkadotConfig,
};
use subxt_signer::sr25519::{dev, Keypair};

const DTX: u128 = 1_000_000_000_000;
const BLOCK_SECS: f64 = 6.0;
/// Submissions in flight at once.
const IN_FLIGHT: usize = 64;

/// One signed extrinsic, ready to submit.
struct Signed {
	bytes: Vec<u8>,
}

/// Signs offline, many at a time, against one block's metadata.
struct Signer(OnlineClientAtBlock<PolkadotConfig>);

impl Signer {
	/// `pallet.call(args)` signed by `who` with `nonce`.
	fn sign(
		&self,
		pallet: &str,
		call: &str,
		args: &[u8],
		who: &Keypair,
		nonce: u64,
	) -> Result<Signed> {
		let payload = ditex_ctl::encoded_call(&self.0, pallet, call, args)?;
		let params = Params::<PolkadotConfig>::new().nonce(nonce).build();
		let tx = self.0.transactions().create_signable_offline(&payload, params)?.sign(who)?;
		Ok(Signed { bytes: tx.into_encoded() })
	}

	/// `pallet.call(args)` as a general transaction of no account, authorized by the call.
	fn authorized(&self, pallet: &str, call: &str, args: &[u8]) -> Result<Signed> {
		let payload = ditex_ctl::encoded_call(&self.0, pallet, call, args)?;
		Ok(Signed { bytes: ditex_ctl::general_transaction(&self.0, &payload)? })
	}
}

/// The secret seed of router `i`'s ticket key.
fn ticket_secret(i: u32) -> [u8; 32] {
	let mut seed = [0xa5; 32];
	seed[..4].copy_from_slice(&i.to_be_bytes());
	seed
}

struct Bench {
	node: Node,
	chain: Chain,
}

impl Bench {
	async fn signer(&self) -> Result<Signer> {
		Ok(Signer(self.chain.api.at_current_block().await?))
	}

	/// Submit all of `txs` to the pool, `IN_FLIGHT` at a time; returns how many the pool
	/// refused, with the first reason.
	async fn submit(&self, txs: Vec<Signed>) -> Result<(usize, Option<String>)> {
		let mut refused = 0;
		let mut first = None;
		let mut txs = txs.into_iter();
		loop {
			let mut set = tokio::task::JoinSet::new();
			for tx in txs.by_ref().take(IN_FLIGHT) {
				let rpc = self.chain.rpc.clone();
				set.spawn(async move {
					let hex = format!("0x{}", hex::encode(&tx.bytes));
					rpc.request::<H256>("author_submitExtrinsic", rpc_params![hex]).await
				});
			}
			if set.is_empty() {
				break;
			}
			while let Some(r) = set.join_next().await {
				if let Err(e) = r? {
					refused += 1;
					first.get_or_insert_with(|| e.to_string());
				}
			}
		}
		Ok((refused, first))
	}

	async fn pending(&self) -> Result<usize> {
		let v: Vec<String> =
			self.chain.rpc.request("author_pendingExtrinsics", rpc_params![]).await?;
		Ok(v.len())
	}

	/// Wait until the pool is empty; bounded.
	async fn drain(&self, what: &str) -> Result<()> {
		let start = Instant::now();
		while self.pending().await? > 0 {
			ensure!(start.elapsed() < Duration::from_secs(600), "{what}: the pool never emptied");
			tokio::time::sleep(Duration::from_millis(1000)).await;
		}
		// The block that took the last of them.
		let (n, _) = self.node.best().await?;
		self.wait_block(n + 1).await?;
		Ok(())
	}

	async fn wait_block(&self, n: u32) -> Result<H256> {
		let start = Instant::now();
		loop {
			if let Some(h) = self.node.block_hash(n).await? {
				return Ok(h);
			}
			ensure!(start.elapsed() < Duration::from_secs(120), "block {n} never came");
			tokio::time::sleep(Duration::from_millis(200)).await;
		}
	}

	/// Submit `txs` (`what` they are, for messages) and wait until all are in blocks; returns
	/// the best block before and after.
	async fn land(&self, txs: Vec<Signed>, what: &str) -> Result<(u32, u32)> {
		let (from, _) = self.node.best().await?;
		let (count, start) = (txs.len(), Instant::now());
		let (refused, why) = self.submit(txs).await?;
		ensure!(refused == 0, "{what}: {refused} of {count} refused: {why:?}");
		eprintln!("{what}: {count} submitted in {:?}", start.elapsed());
		self.drain(what).await?;
		let (to, _) = self.node.best().await?;
		Ok((from, to))
	}

	/// [`Self::land`] `txs`, then return the field bytes of the events `pallet.name` their
	/// blocks emitted.
	async fn include(&self, txs: Vec<Signed>, pallet: &str, name: &str) -> Result<Vec<Vec<u8>>> {
		let (from, to) = self.land(txs, name).await?;
		let mut out = Vec::new();
		for n in from..=to {
			let hash = self.node.block_hash(n).await?.ok_or_else(|| anyhow!("no block {n}"))?;
			let at = self.chain.api.at_block(hash).await?;
			for ev in at.events().fetch().await?.iter() {
				let ev = ev?;
				if ev.pallet_name() == pallet && ev.event_name() == name {
					out.push(ev.field_bytes().to_vec());
				}
			}
		}
		Ok(out)
	}

	/// The normal class's used ref time in block `hash`.
	async fn normal_weight(&self, hash: H256) -> Result<u64> {
		// twox128("System") ++ twox128("BlockWeight").
		let key = "26aa394eea5630e07c48ae0c9558cef734abf5cb34d6244378cddbf18e849d96";
		let raw: Option<String> = self
			.chain
			.rpc
			.request("state_getStorage", rpc_params![format!("0x{key}"), hash])
			.await?;
		let raw = hex::decode(raw.unwrap_or_default().trim_start_matches("0x"))?;
		// PerDispatchClass<Weight>: normal first, each weight two compact u64s.
		let (Compact(normal), _): (Compact<u64>, Compact<u64>) = Decode::decode(&mut &raw[..])?;
		Ok(normal)
	}
}

/// What a round saw, block by block.
struct Round {
	name: &'static str,
	blocks: Vec<(u32, usize, usize, u64)>,
	tickets: usize,
	/// What a ticket and a transfer were charged on average (ref time, ps): a batch's weight
	/// is shared by its tickets, and the last batch of a round may be short.
	charged: [u64; 2],
}

impl Round {
	fn print(&self, max_normal: u64) {
		let [t, x] = self.charged.map(|w| w as f64 / 1e6);
		println!(
			"{}: each ticket weighs {t:.1} µs, each transfer {x:.1} µs (base, extensions and \
			 call): {:.0} tickets a block at most, {:.2} tickets per transfer by weight",
			self.name,
			max_normal as f64 / self.charged[0] as f64,
			x / t
		);
		println!("{}: block, tickets, transfers, normal class used", self.name);
		for (n, t, x, w) in &self.blocks {
			println!("  #{n:<5} {t:>6} {x:>6}  {:>5.1}%", *w as f64 * 100.0 / max_normal as f64);
		}
	}

	/// Tickets per second over the blocks that ran out of room (all but the last that took
	/// tickets), or `None` if one block took them all.
	fn rate(&self) -> Option<f64> {
		let with: Vec<_> = self.blocks.iter().filter(|b| b.1 > 0).collect();
		let full = &with[..with.len().saturating_sub(1)];
		if full.is_empty() {
			return None;
		}
		let tickets: usize = full.iter().map(|b| b.1).sum();
		Some(tickets as f64 / full.len() as f64 / BLOCK_SECS)
	}
}

fn spec(i: u32) -> SegmentSpec<u128> {
	let b = i.to_be_bytes();
	let mut key = [0x5a; 32];
	key[..4].copy_from_slice(&b);
	// Groups hold 100 and a region 100 groups: spread over regions.
	let regions: [&[u8]; 4] = [b"BE", b"BY", b"HH", b"NW"];
	SegmentSpec {
		endpoint: Endpoint { ip: IpAddress::V4([10, b[1], b[2], b[3]]), port: 4000 },
		key: DataPlaneKey(key),
		ticket_key: TicketKey(ditex_ctl::ticket::public(&ticket_secret(i))),
		region: Region::new(*b"DE", regions[(i / 2000) as usize % 4]).expect("short"),
		asn: 64_600,
		price_per_gib: Some(DTX / 1000),
		capacity_mbps: 1_000,
		windows: Windows::default(),
		hide_operator: false,
	}
}

/// The arguments of `Balances.transfer_keep_alive(to, amount)`.
fn transfer(to: subxt::utils::AccountId32, amount: u128) -> Vec<u8> {
	(subxt::utils::MultiAddress::<_, ()>::Id(to), Compact(amount)).encode()
}

fn keypair(role: &str, i: u32) -> Result<Keypair> {
	ditex_ctl::signer(&format!("//bench//{role}//{i}"))
}

/// `Tickets.submit_ticket` of `segment` for `epoch`.
fn ticket(segment: SegmentId, epoch: u32, channels: Vec<ChannelUsage>) -> Ticket {
	Ticket {
		segment,
		epoch,
		boot_time: 1_700_000_000,
		total_in: 1 << 30,
		total_out: 1 << 30,
		peers: (0..8)
			.map(|p| PeerCounters { peer: 1_000_000 + p, octets_in: 1 << 20, octets_out: 1 << 20 })
			.collect::<Vec<_>>()
			.try_into()
			.expect("eight peers fit"),
		channels: channels.try_into().expect("one channel fits"),
	}
}

#[tokio::main]
async fn main() -> Result<()> {
	let args: Vec<usize> = std::env::args()
		.skip(1)
		.map(|a| a.parse().context("arguments are counts"))
		.collect::<Result<_>>()?;
	let idle = *args.first().unwrap_or(&9000);
	let with_channel = *args.get(1).unwrap_or(&5000);
	let transfers = *args.get(2).unwrap_or(&2000);
	let operators = (idle + with_channel) as u32;

	let dir = tempfile::tempdir()?;
	let mut config = NodeConfig::new("intake", "dev", dir.path());
	// Room in the pool for every ticket and transfer at once.
	config.extra_args =
		["--pool-limit", "100000", "--pool-kbytes", "512000"].map(String::from).to_vec();
	let node = Node::start(config).await?;
	node.wait_finalized(1).await?;
	let chain = Chain::connect(&node.ws_url()).await?;
	let bench = Bench { node, chain };
	let t0 = Instant::now();

	// Fund the operators and the transfer senders from Alice.
	let alice = dev::alice();
	let ops: Vec<Keypair> = (0..operators).map(|i| keypair("op", i)).collect::<Result<_>>()?;
	let payers: Vec<Keypair> =
		(0..transfers as u32).map(|i| keypair("payer", i)).collect::<Result<_>>()?;
	let sig = bench.signer().await?;
	let mut txs = Vec::new();
	let mut nonce = 0u64;
	for (who, amount) in
		ops.iter().map(|k| (k, 20 * DTX)).chain(payers.iter().map(|k| (k, 10 * DTX)))
	{
		let args = transfer(who.public_key().to_account_id(), amount);
		txs.push(sig.sign("Balances", "transfer_keep_alive", &args, &alice, nonce)?);
		nonce += 1;
	}
	bench.land(txs, "funding").await?;
	eprintln!("funded {} accounts in {:?}", operators as usize + transfers, t0.elapsed());

	// Register a segment router for every operator.
	let mut txs = Vec::new();
	for (i, op) in ops.iter().enumerate() {
		txs.push(sig.sign("Ditex", "register", &spec(i as u32).encode(), op, 0)?);
	}
	let mut segment_of = std::collections::HashMap::new();
	for fields in bench.include(txs, "Ditex", "SegmentRegistered").await? {
		let (segment, operator): (SegmentId, [u8; 32]) = Decode::decode(&mut &fields[..])?;
		segment_of.insert(operator, segment);
	}
	let segments: Vec<SegmentId> = ops
		.iter()
		.map(|k| segment_of.get(&k.public_key().0).copied())
		.collect::<Option<_>>()
		.ok_or_else(|| anyhow!("{} of {operators} registered", segment_of.len()))?;
	eprintln!("registered {operators} segment routers by {:?}", t0.elapsed());

	// One channel over each of the last `with_channel` routers, opened by Alice.
	let consumer = ed25519::Pair::from_seed(&[7; 32]);
	let mut txs = Vec::new();
	for (i, &segment) in segments[idle..].iter().enumerate() {
		let path = Path::try_from(vec![segment]).expect("one hop");
		// Spread over blocks: the escrow refunds a bounded number of channels per block.
		let expires = 100_000 + i as u32;
		let args =
			(path, 10 * DTX, DTX, expires, DataPlaneKey([9; 32]), ReceiptKey(consumer.public().0));
		txs.push(sig.sign("Escrow", "open_channel", &args.encode(), &alice, nonce)?);
		nonce += 1;
	}
	let mut channel_of = std::collections::HashMap::new();
	for fields in bench.include(txs, "Escrow", "ChannelOpened").await? {
		let (channel, _consumer, path): (ChannelId, [u8; 32], Vec<SegmentId>) =
			Decode::decode(&mut &fields[..])?;
		channel_of.insert(path[0], channel);
	}
	ensure!(channel_of.len() == with_channel, "{} of {with_channel} opened", channel_of.len());
	eprintln!("opened {with_channel} channels by {:?}", t0.elapsed());

	let genesis = bench.node.block_hash(0).await?.ok_or_else(|| anyhow!("no genesis"))?;
	let max_normal = max_normal_ref_time(&bench).await?;
	let bob = dev::bob().public_key().to_account_id();
	let mut rounds = Vec::new();
	let mut last_epoch = None;
	let names = ["idle tickets", "one-channel tickets", "one-channel tickets in group batches"];
	for (round, name) in names.into_iter().enumerate() {
		// One ticket per router and epoch: the batched round reuses the one-channel routers
		// in a later epoch.
		let epoch = loop {
			let epoch: u32 = bench.node.state_call("SettlementApi_current_epoch", (), None).await?;
			if last_epoch.is_none_or(|last| epoch > last) {
				break epoch;
			}
			tokio::time::sleep(Duration::from_secs(1)).await;
		};
		last_epoch = Some(epoch);
		let range = if round == 0 { 0..idle } else { idle..idle + with_channel };
		let bytes = (round as u64) << 30;
		let mut signed = Vec::new();
		for i in range.clone() {
			let segment = segments[i];
			let channels = match channel_of.get(&segment) {
				Some(&channel) => {
					let path = Path::try_from(vec![segment]).expect("one hop");
					let receipt = Receipt { genesis, channel, path, cumulative_bytes: bytes };
					let signature = consumer.sign(&receipt.signing_payload()).0;
					vec![ChannelUsage {
						channel,
						hop: 0,
						prev: None,
						next: None,
						bytes_in: bytes,
						bytes_out: bytes,
						receipt: Some(SignedReceipt { receipt, signature }),
						ack: None,
					}]
				},
				None => vec![],
			};
			let t = ticket(segment, epoch, channels);
			signed.push(ditex_ctl::ticket::sign(t, genesis.0, &ticket_secret(i as u32)));
		}
		let tickets = if round < 2 {
			signed
				.iter()
				.map(|t| sig.authorized("Tickets", "submit_ticket", &t.encode()))
				.collect::<Result<Vec<_>>>()?
		} else {
			signed
				.chunks(ditex_relay::batch::BATCH_TICKETS)
				.map(|group| sig.authorized("Tickets", "submit_tickets", &group.encode()))
				.collect::<Result<Vec<_>>>()?
		};
		let args = transfer(bob, DTX / 100);
		let mut others = Vec::new();
		for payer in &payers {
			let n = round as u64;
			others.push(sig.sign("Balances", "transfer_keep_alive", &args, payer, n)?);
		}
		// Interleaved, so neither kind has the pool to itself.
		let every = (tickets.len() / others.len().max(1)).max(1);
		let mut all = Vec::new();
		let mut others = others.into_iter();
		for (i, t) in tickets.into_iter().enumerate() {
			all.push(t);
			if i % every == 0 {
				all.extend(others.next());
			}
		}
		all.extend(others);
		let (best, last) = bench.land(all, name).await?;
		let mut blocks = Vec::new();
		let mut accepted = 0;
		// Charged weight and count, by kind.
		let mut total = [(0u64, 0u64); 2];
		for n in best + 1..=last {
			let hash = bench.node.block_hash(n).await?.ok_or_else(|| anyhow!("no block {n}"))?;
			let at = bench.chain.api.at_block(hash).await?;
			let mut kinds = Vec::new();
			for ext in at.extrinsics().fetch().await?.iter() {
				let ext = ext?;
				let kind = match (ext.pallet_name(), ext.call_name()) {
					("Tickets", "submit_ticket" | "submit_tickets") => Some(0),
					("Balances", "transfer_keep_alive") => Some(1),
					_ => None,
				};
				kinds.push(kind);
			}
			let x = kinds.iter().filter(|k| **k == Some(1)).count();
			// Tickets taken by the extrinsic being applied.
			let (mut t, mut taken) = (0, 0u64);
			for ev in at.events().fetch().await?.iter() {
				let ev = ev?;
				match (ev.pallet_name(), ev.event_name(), ev.phase()) {
					("Tickets", "TicketAccepted", _) => {
						accepted += 1;
						t += 1;
						taken += 1;
					},
					// The whole weight an extrinsic was charged: base, extensions and call,
					// shared by the tickets it took.
					("System", "ExtrinsicSuccess", Phase::ApplyExtrinsic(i)) => {
						if let Some(Some(kind)) = kinds.get(i as usize) {
							let (Compact(w), _): (Compact<u64>, Compact<u64>) =
								Decode::decode(&mut ev.field_bytes())?;
							let n = if *kind == 0 { taken } else { 1 };
							total[*kind].0 += w;
							total[*kind].1 += n;
						}
						taken = 0;
					},
					_ => taken = if ev.event_name() == "ExtrinsicFailed" { 0 } else { taken },
				}
			}
			blocks.push((n, t, x, bench.normal_weight(hash).await?));
		}
		let included: usize = blocks.iter().map(|b| b.1).sum();
		ensure!(included == range.len(), "{name}: {included} of {} included", range.len());
		ensure!(accepted == range.len(), "{name}: {accepted} of {} accepted", range.len());
		let charged = total.map(|(w, n)| w / n.max(1));
		rounds.push(Round { name, blocks, tickets: range.len(), charged });
	}

	println!(
		"ticket intake on a dev node ({} s blocks), beside {transfers} transfers a round",
		BLOCK_SECS
	);
	for r in &rounds {
		r.print(max_normal);
		match r.rate() {
			Some(rate) => println!("  {}: {rate:.0} tickets/s over the full blocks", r.name),
			None => println!(
				"  {}: one block took all {} tickets (no full block to take a rate from)",
				r.name, r.tickets
			),
		}
	}
	Ok(())
}

/// The runtime's normal-class budget per block (ref time, picoseconds).
async fn max_normal_ref_time(bench: &Bench) -> Result<u64> {
	#[derive(scale_decode::DecodeAsType)]
	struct W {
		ref_time: u64,
	}
	#[derive(scale_decode::DecodeAsType)]
	struct PerClass {
		max_total: Option<W>,
	}
	#[derive(scale_decode::DecodeAsType)]
	struct Classes {
		normal: PerClass,
	}
	#[derive(scale_decode::DecodeAsType)]
	struct BlockWeights {
		per_class: Classes,
	}
	let at = bench.chain.api.at_current_block().await?;
	let c = subxt::dynamic::constant::<BlockWeights>("System", "BlockWeights");
	let w = at.constants().entry(c)?;
	w.per_class.normal.max_total.map(|w| w.ref_time).ok_or_else(|| anyhow!("no normal limit"))
}
