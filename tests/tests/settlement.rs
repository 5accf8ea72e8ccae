//! Relays are paid on a real node: two routers' tickets for a channel over them, each signed
//! with the router's ticket key and submitted by `ditex-ctl` as a v5 general transaction of no
//! account (the "host" side holds no account key), are included and cost nobody anything; a
//! second ticket for the same epoch is refused by the pool; `ditex-ctl`'s settle pays each
//! hop for what arrived downstream, free for a payee, so the operators' balances move only by
//! the settlement; settling again fails with `NothingToSettle` and costs its fee; a ticket
//! with a forged receipt is applied without it, unstruck (the settlement drops the receipt);
//! a ticket claiming another hop is rejected and struck in the registry; both routers' tickets
//! go in one batch. On the same node, the review's vote-inflation loop (C1)
//! fails at its first step: voted coins cannot be escrowed.

use anyhow::{anyhow, ensure, Result};
use codec::Encode;
use ditex_ctl::{channel, report, segment, settlement, ticket, Chain};
use ditex_e2e::{account, Node, NodeConfig};
use ditex_primitives::{
	registry::{
		DataPlaneKey, GroupView, PerfEntry, PerfRecord, PerfSample, SegmentId, SegmentSpec,
		SegmentView, TicketKey, GIB,
	},
	settlement::{ChannelId, ChannelUsage, Path, Receipt, ReceiptKey, SignedReceipt, Ticket},
};
use pallet_tickets::RelayView;
use sp_core::{ed25519, Pair, H256};
use subxt::utils::AccountId32;
use subxt_signer::sr25519::{dev, Keypair};

const DTX: u128 = 1_000_000_000_000;
/// Every hop's price: a milli-DTX per GiB.
const PRICE: u128 = DTX / 1_000;
const MIB: u64 = 1 << 20;

/// The secret seed of router `n`'s ticket key: what its agent holds.
fn ticket_secret(n: u8) -> [u8; 32] {
	[0x80 | n; 32]
}

/// Router `n`: at `127.0.0.n:(40000 + n)` with key `[n; 32]`, as `ditex-ctl segment register`
/// lists one.
fn spec(n: u8) -> Result<SegmentSpec<u128>> {
	let endpoint = ([127, 0, 0, n], 40_000 + n as u16).into();
	let region = segment::parse_region("DE-BE")?;
	let ticket_key = TicketKey(ticket::public(&ticket_secret(n)));
	Ok(segment::spec(endpoint, DataPlaneKey([n; 32]), ticket_key, region, 3320, Some(PRICE), 1_000))
}

/// Free balance of `who` at the finalized head.
async fn free(node: &Node, chain: &Chain, who: &Keypair) -> Result<u128> {
	let (_, at) = node.finalized().await?;
	Ok(account(&chain.api, at, who.public_key().0).await?.data.free)
}

/// Register segment router `n` for `operator`; returns its id.
async fn register(chain: &Chain, operator: &Keypair, n: u8) -> Result<SegmentId> {
	Ok(segment::register(chain, operator, &spec(n)?).await?.0)
}

/// A hop's ticket for `epoch` reporting one channel.
fn ticket(segment: SegmentId, epoch: u32, usage: ChannelUsage) -> Ticket {
	Ticket {
		segment,
		epoch,
		boot_time: 1_700_000_000,
		total_in: usage.bytes_in,
		total_out: usage.bytes_out,
		peers: Default::default(),
		channels: vec![usage].try_into().expect("one channel fits"),
	}
}

/// Router `n`'s agent signs `t` with its ticket key and submits it: no account involved.
async fn submit_ticket(chain: &Chain, n: u8, t: &Ticket) -> Result<Vec<String>> {
	let signed = ticket::sign(t.clone(), ticket::genesis(chain), &ticket_secret(n));
	ticket::submit(chain, &signed).await
}

#[tokio::test(flavor = "multi_thread")]
async fn relays_are_paid_for_what_arrived() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeConfig::new("dev", "dev", dir.path())).await?;
	node.wait_finalized(1).await?;
	let chain = Chain::connect(&node.ws_url()).await?;
	let (alice, bob, charlie, dave) = (dev::alice(), dev::bob(), dev::charlie(), dev::dave());

	let a = register(&chain, &bob, 1).await?;
	let b = register(&chain, &charlie, 2).await?;
	let consumer = ed25519::Pair::from_seed(&[7; 32]);
	let path = Path::try_from(vec![a, b]).expect("two hops");
	// Opened and read back as `ditex-ctl channel open|show` do.
	let open = channel::Open {
		path: path.clone(),
		deposit: 10 * DTX,
		max_price_per_gib: 2 * PRICE,
		expires_at: 10_000,
		data_key: DataPlaneKey([9; 32]),
		receipt_key: ReceiptKey(consumer.public().0),
	};
	let channel: ChannelId = channel::open(&chain, &alice, &open).await?;
	let view =
		channel::get(&chain, channel).await?.ok_or_else(|| anyhow!("no channel {channel}"))?;
	ensure!(
		view.path() == path
			&& view.deposit == 10 * DTX
			&& view.consumer == alice.public_key().into(),
		"channel {channel} is not the one opened: {view:?}"
	);
	ensure!(channel::get(&chain, channel + 1).await?.is_none(), "a channel never opened");

	// The ingress forwarded 3 MiB, of which 2.5 MiB reached the egress and the consumer.
	let genesis: H256 = node.block_hash(0).await?.ok_or_else(|| anyhow!("no genesis"))?;
	let receipt = Receipt { genesis, channel, path: path.clone(), cumulative_bytes: 5 * MIB / 2 };
	let signed = |key: &ed25519::Pair| SignedReceipt {
		receipt: receipt.clone(),
		signature: key.sign(&receipt.signing_payload()).0,
	};
	let usage = |hop, prev, next, bytes_in, bytes_out, key| ChannelUsage {
		channel,
		hop,
		prev,
		next,
		bytes_in,
		bytes_out,
		receipt: Some(signed(key)),
		ack: None,
	};
	// Epochs are 5 blocks on the dev chain and a ticket may be 2 epochs old: each ticket
	// names the epoch current when it is submitted.
	let epoch = || node.state_call::<u32>("SettlementApi_current_epoch", (), None);

	let (bob_before, charlie_before) =
		(free(&node, &chain, &bob).await?, free(&node, &chain, &charlie).await?);

	// A ticket claiming another hop of the path: rejected and struck.
	let wrong_hop =
		ticket(b, epoch().await?, usage(0, None, Some(b), 5 * MIB / 2, 5 * MIB / 2, &consumer));
	let events = submit_ticket(&chain, 2, &wrong_hop).await?;
	ensure!(events.iter().any(|e| e == "Tickets.TicketRejected"), "events: {events:?}");
	let strikes = |view: Option<SegmentView<AccountId32, u128, u32>>| view.map(|v| v.strikes);
	assert_eq!(strikes(node.state_call("DitexApi_segment", b, None).await?), Some(1));

	// A receipt the consumer never signed is the consumer's input: taken in unchecked with
	// the ticket (its signature waits for settlement), no strike, and the rest of the ticket
	// counts (the ingress's receipt pays the egress). Larger than the good one, it is the
	// first settlement checks, and dropped there.
	let forger = ed25519::Pair::from_seed(&[8; 32]);
	let mut forged_usage = usage(1, Some(a), None, 5 * MIB / 2, 5 * MIB / 2, &forger);
	if let Some(r) = forged_usage.receipt.as_mut() {
		r.receipt.cumulative_bytes = 3 * MIB;
		r.signature = forger.sign(&r.receipt.signing_payload()).0;
	}
	let forged = ticket(b, epoch().await?, forged_usage);
	let events = submit_ticket(&chain, 2, &forged).await?;
	ensure!(events.iter().any(|e| e == "Tickets.TicketAccepted"), "events: {events:?}");
	assert_eq!(strikes(node.state_call("DitexApi_segment", b, None).await?), Some(1));

	// The ingress's ticket, then the same epoch again: the pool keeps one per epoch.
	let ingress = ticket(a, epoch().await?, usage(0, None, Some(b), 3 * MIB, 3 * MIB, &consumer));
	let events = submit_ticket(&chain, 1, &ingress).await?;
	ensure!(events.iter().any(|e| e == "Tickets.TicketAccepted"), "events: {events:?}");
	let mut again = ingress.clone();
	again.total_in += 1;
	let err = submit_ticket(&chain, 1, &again).await.expect_err("one ticket per epoch");
	ensure!(err.to_string().contains("outdated"), "unclear refusal: {err}");
	// Nobody paid anything for the tickets.
	assert_eq!(free(&node, &chain, &bob).await?, bob_before, "tickets cost the operator nothing");
	assert_eq!(free(&node, &chain, &charlie).await?, charlie_before, "nor a rejected one");

	// A payee may settle; paying someone, it is free: the operator's balance moves by the
	// settlement alone.
	let events = settlement::settle(&chain, &bob, channel).await?;
	let paid = events.iter().filter(|e| *e == "Tickets.RelayPaid").count();
	ensure!(paid == 2, "both hops are paid: {events:?}");
	ensure!(events.iter().any(|e| e == "Tickets.ReceiptIgnored"), "the forged receipt: {events:?}");
	assert_eq!(strikes(node.state_call("DitexApi_segment", b, None).await?), Some(1));
	let gross = PRICE * (5 * MIB / 2) as u128 / GIB;
	let earned = gross - gross * 5 / 100;
	assert_eq!(
		free(&node, &chain, &bob).await?,
		bob_before + earned,
		"a payee's settlement is free"
	);
	// Both hops are paid for the 2.5 MiB that arrived, not the ingress's 3 MiB.
	for segment in [a, b] {
		let view: RelayView<u128> = node.state_call("SettlementApi_relay", segment, None).await?;
		assert_eq!((view.earned, view.pending), (earned, 0), "segment {segment}");
	}

	// Nothing more is owed: the second settlement fails and its caller pays.
	let err = settlement::settle(&chain, &dave, channel).await.expect_err("nothing to settle");
	ensure!(err.to_string().contains("NothingToSettle"), "unclear error: {err}");
	let before = free(&node, &chain, &dave).await?;
	let err = settlement::settle(&chain, &dave, channel).await.expect_err("nothing to settle");
	ensure!(err.to_string().contains("NothingToSettle"), "unclear error: {err}");
	ensure!(free(&node, &chain, &dave).await? < before, "a settlement that pays nobody costs");

	both_tickets_in_one_batch(&node, &chain, [(a, 1), (b, 2)], [&bob, &charlie]).await?;
	the_reporter_reports_for_free(&node, &chain, [(a, 1), (b, 2)], [&bob, &charlie]).await?;
	vote_inflation_fails_at_its_first_step(&node, &chain, a).await
}

/// Both routers' next tickets in one `submit_tickets` general transaction, each under its own
/// ticket key, as a group's reporter submits them: both accepted, free; the same batch again
/// is refused by the pool, and so is a batch with one forged ticket.
async fn both_tickets_in_one_batch(
	node: &Node,
	chain: &Chain,
	routers: [(SegmentId, u8); 2],
	operators: [&Keypair; 2],
) -> Result<()> {
	// An epoch later than both routers' last tickets (5-block epochs).
	let mut last = None;
	for &(segment, _) in &routers {
		last = last.max(ticket::last_epoch(chain, segment, true).await?);
	}
	let start = std::time::Instant::now();
	let epoch = loop {
		let epoch: u32 = node.state_call("SettlementApi_current_epoch", (), None).await?;
		if Some(epoch) > last {
			break epoch;
		}
		ensure!(start.elapsed().as_secs() < 90, "epoch {epoch} never moved past {last:?}");
		tokio::time::sleep(std::time::Duration::from_secs(2)).await;
	};
	let genesis = ticket::genesis(chain);
	let idle = |segment| Ticket {
		segment,
		epoch,
		boot_time: 1_700_000_000,
		total_in: 6 * MIB,
		total_out: 6 * MIB,
		peers: Default::default(),
		channels: Default::default(),
	};
	let batch: Vec<_> =
		routers.iter().map(|&(s, n)| ticket::sign(idle(s), genesis, &ticket_secret(n))).collect();
	let before = [free(node, chain, operators[0]).await?, free(node, chain, operators[1]).await?];
	let mut forged = batch.clone();
	forged[1].signature[0] ^= 1;
	let err = ticket::submit_batch(chain, &forged).await.expect_err("a forged ticket");
	ensure!(err.to_string().contains("bad signature"), "unclear refusal: {err}");
	let events = ticket::submit_batch(chain, &batch).await?;
	let accepted = events.iter().filter(|e| *e == "Tickets.TicketAccepted").count();
	ensure!(accepted == 2, "both tickets: {events:?}");
	for &(segment, _) in &routers {
		let epoch_taken = ticket::last_epoch(chain, segment, true).await?;
		ensure!(epoch_taken == Some(epoch), "segment {segment}: last ticket {epoch_taken:?}");
	}
	// In the other order: another transaction (the pool may still know the first by hash).
	let again: Vec<_> = batch.iter().rev().cloned().collect();
	let err = ticket::submit_batch(chain, &again).await.expect_err("taken already");
	ensure!(err.to_string().contains("outdated"), "unclear refusal: {err}");
	let after = [free(node, chain, operators[0]).await?, free(node, chain, operators[1]).await?];
	ensure!(before == after, "a batch costs the operators nothing: {before:?} → {after:?}");
	Ok(())
}

/// The group's reporter submits its era's measurements signed with its ticket key, as an
/// authorized transaction: accepted and free; a member whose turn it is not, a forged
/// signature and a second report of the era are refused by the pool.
async fn the_reporter_reports_for_free(
	node: &Node,
	chain: &Chain,
	routers: [(SegmentId, u8); 2],
	operators: [&Keypair; 2],
) -> Result<()> {
	let group: GroupView<AccountId32, u128, u32> = node
		.state_call::<Option<GroupView<AccountId32, u128, u32>>>("DitexApi_group", 0u32, None)
		.await?
		.ok_or_else(|| anyhow!("no group 0"))?;
	let reporter = group.reporter.ok_or_else(|| anyhow!("group 0 has no reporter"))?;
	let (me, other) =
		if routers[0].0 == reporter { (routers[0], routers[1]) } else { (routers[1], routers[0]) };
	let genesis: H256 = node.block_hash(0).await?.ok_or_else(|| anyhow!("no genesis"))?;
	let (best, _) = node.best().await?;
	// The runtime's era: an hour of 6 s blocks.
	let era = u64::from(best) / 600;
	let entries = vec![
		PerfEntry {
			from: other.0,
			to: me.0,
			sample: PerfSample { latency_us: 1_500, jitter_us: 20, loss_ppm: 0 },
		},
		PerfEntry {
			from: me.0,
			to: other.0,
			sample: PerfSample { latency_us: 1_700, jitter_us: 30, loss_ppm: 10 },
		},
	];
	let before = [free(node, chain, operators[0]).await?, free(node, chain, operators[1]).await?];

	let by_other = report::sign(other.0, era, &entries, genesis.0, &ticket_secret(other.1));
	let err =
		report::submit(chain, other.0, era, &entries, &by_other).await.expect_err("not its turn");
	ensure!(err.to_string().contains("not expected"), "unclear refusal: {err}");
	let forged = report::sign(me.0, era, &entries, genesis.0, &ticket_secret(other.1));
	let err = report::submit(chain, me.0, era, &entries, &forged).await.expect_err("forged");
	ensure!(err.to_string().contains("bad signature"), "unclear refusal: {err}");

	let signature = report::sign(me.0, era, &entries, genesis.0, &ticket_secret(me.1));
	let events = report::submit(chain, me.0, era, &entries, &signature).await?;
	ensure!(events.iter().any(|e| e == "Ditex.PerformanceReported"), "events: {events:?}");
	let record: Option<PerfRecord<u32>> =
		node.state_call("DitexApi_performance", (me.0, other.0), None).await?;
	ensure!(
		record.is_some_and(|r| r.sample == entries[1].sample),
		"the report is the registry's: {record:?}"
	);
	// Another report of the same era (not the same bytes, which the pool would know by hash).
	let mut again = entries.clone();
	again[0].sample.latency_us += 1;
	let signature = report::sign(me.0, era, &again, genesis.0, &ticket_secret(me.1));
	let err = report::submit(chain, me.0, era, &again, &signature).await.expect_err("once an era");
	ensure!(err.to_string().contains("outdated"), "unclear refusal: {err}");
	let after = [free(node, chain, operators[0]).await?, free(node, chain, operators[1]).await?];
	ensure!(after == before, "reports cost the operators nothing: {before:?} → {after:?}");
	Ok(())
}

/// The review's C1 loop on the real runtime: Eve votes all but 1 000 DTX, then orders QoS
/// (and opens a channel) with the voted coins. Both are refused with `FundsFrozen`; the vote
/// and the coins stay where they were.
async fn vote_inflation_fails_at_its_first_step(
	node: &Node,
	chain: &Chain,
	segment: SegmentId,
) -> Result<()> {
	let (eve, ferdie) = (dev::eve(), dev::ferdie());
	let wallet = AccountId32(ferdie.public_key().0);
	let owned = free(node, chain, &eve).await?;
	let voted = owned - 1_000 * DTX;
	let events = chain.submit_encoded("Rewards", "vote", &(wallet, voted).encode(), &eve).await?;
	ensure!(events.iter().any(|e| e == "Rewards.Voted"), "events: {events:?}");
	let (_, at) = node.finalized().await?;
	let before = account(&chain.api, at, eve.public_key().0).await?.data;
	ensure!(before.frozen == voted, "the vote froze {} of {voted}", before.frozen);

	let (now, _) = node.best().await?;
	let flow = pallet_escrow::QosFlow {
		src: None,
		dst: Some(ditex_primitives::qos::IpPrefix {
			addr: ditex_primitives::registry::IpAddress::V4([192, 0, 2, 0]),
			len: 24,
		}),
		protocol: None,
		src_port: None,
		dst_port: None,
	};
	let order = (
		segment,
		pallet_escrow::QosClass::Priority,
		1_000_000u64,
		flow,
		990_000 * DTX,
		10u32,
		now + 20,
	);
	let err = chain
		.submit_encoded("Escrow", "order_qos", &order.encode(), &eve)
		.await
		.expect_err("voted coins cannot pay for QoS");
	ensure!(err.to_string().contains("FundsFrozen"), "unclear error: {err}");
	let path = Path::try_from(vec![segment]).expect("one hop");
	let open = channel::Open {
		path,
		deposit: 2_000 * DTX,
		max_price_per_gib: PRICE,
		expires_at: 10_000,
		data_key: DataPlaneKey([9; 32]),
		receipt_key: ReceiptKey([5; 32]),
	};
	let err = channel::open(chain, &eve, &open).await.expect_err("voted coins cannot be escrowed");
	ensure!(err.to_string().contains("FundsFrozen"), "unclear error: {err}");

	let (_, at) = node.finalized().await?;
	let after = account(&chain.api, at, eve.public_key().0).await?.data;
	ensure!(after.frozen == voted && after.reserved == before.reserved, "{after:?} vs {before:?}");
	// Two refused calls cost their fees (about 0.1 DTX each), and nothing more.
	ensure!(before.free - after.free < DTX, "only fees left the account: {after:?}");
	Ok(())
}
