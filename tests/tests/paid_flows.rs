//! Paid flows on a real node, with real agents in network namespaces. A consumer's agent opens
//! an escrow channel over two relays by itself, and its traffic flows; receipts reach every
//! hop and acks come back up; a registered segment sending without a channel is refused at the
//! first relay; the egress restarts and the flow resumes with a new session; every router
//! submits its tickets with no account key on its host, and a settlement pays each operator
//! exactly its price × the bytes its downstream acknowledged (capped by the receipt), less
//! the settlement fee, and the reward pools grow by those fees split 25/75. Members hand
//! their tickets to the group's reporter, which submits them in batches. The agents show
//! what they have claimed (read through the runtime API), and the group's reporter reports. On
//! the way the node is stopped for three epochs while the traffic goes on, and restarted.
//!
//! One node (in host 4's namespace, beside the destination), one lab; run as root, skipped
//! otherwise.

use std::{
	collections::BTreeMap,
	net::UdpSocket,
	sync::{
		atomic::{AtomicBool, AtomicU64, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};

use anyhow::{anyhow, ensure, Context, Result};
use codec::Encode;
use ditex_ctl::{segment, Chain};
use ditex_e2e::{
	account, lab::*, parent_hash, pools, relay_binary, subsidy, FeesReceived, Node, NodeConfig,
	TransactionFeePaid,
};
use ditex_primitives::{
	registry::{SegmentId, GIB},
	settlement::ChannelId,
};
use ditex_relay::shell::status::Status;
use pallet_tickets::Claim;
use subxt_signer::sr25519::{dev, Keypair};

const DTX: u128 = 1_000_000_000_000;
/// Every router's price per GiB.
const PRICE: u128 = DTX / 1_000;
/// Where the destination listens (host 4).
const DEST: &str = "10.77.0.4:7000";
/// Where the forwards take datagrams (in hosts 1 and 5).
const LOCAL: &str = "127.0.0.1:5000";

/// Host `i`'s agent config for segment `id` on the node at `url`; `extra` is appended.
fn config(lab: &Lab, i: usize, id: SegmentId, url: &str, extra: &str) -> std::path::PathBuf {
	let extra =
		format!("[dashboard]\nlisten = \"\"\n\n[exit]\nallow = [\"10.77.0.0/24\"]\n\n{extra}");
	lab.chain_config(i, id, url, 500, &extra)
}

/// Send test datagrams from host `i` to its forward until `stop`, counting the echoes.
fn client(
	lab: &Lab,
	i: usize,
	stop: Arc<AtomicBool>,
	echoes: Arc<AtomicU64>,
) -> std::thread::JoinHandle<u64> {
	lab.in_host(i, move || {
		let s = UdpSocket::bind("127.0.0.1:0").unwrap();
		s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
		let mut buf = [0u8; 2048];
		let mut seq = 0u64;
		// Bounded: at most ten minutes of 50 datagrams a second.
		while !stop.load(Ordering::Relaxed) && seq < 30_000 {
			let _ = s.send_to(&make_datagram(seq), LOCAL);
			seq += 1;
			while let Ok(n) = s.recv(&mut buf) {
				if check_datagram(&buf[..n]).is_some() {
					echoes.fetch_add(1, Ordering::Relaxed);
				}
			}
		}
		seq
	})
}

fn paid(s: &Status) -> Option<&ditex_relay::shell::paid::PaidStatus> {
	s.paid.as_ref()
}

#[test]
fn paid_flows_over_two_relays() -> Result<()> {
	if !can_build_namespaces("paid_flows_over_two_relays") {
		return Ok(());
	}
	std::env::set_var("DITEX_RELAY_BIN", relay_binary()?);
	let mut lab = Lab::new("pf", 5);
	// The node and the test's chain client live in host 4, beside the destination.
	lab.enter(4);
	let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
	let r = rt.block_on(run(&mut lab));
	if r.is_err() {
		lab.dump_logs();
	}
	r
}

async fn run(lab: &mut Lab) -> Result<()> {
	let started = Instant::now();
	let base = lab.dir.path().join("node");
	let mut cfg = NodeConfig::new("pf", "dev", &base);
	cfg.extra_args = vec!["--rpc-external".into()];
	let node = Node::start(cfg).await?;
	node.wait_finalized(1).await?;
	let chain = Chain::connect(&node.ws_url()).await?;
	let url = format!("ws://10.77.0.4:{}", node.config.rpc_port);

	// Four routers, each with its own operator; the consumer pays from Eve's account.
	let operators: BTreeMap<usize, Keypair> =
		[(1, dev::bob()), (2, dev::charlie()), (3, dev::dave()), (5, dev::ferdie())].into();
	let mut ids = BTreeMap::new();
	for (&host, op) in &operators {
		let spec = segment_spec(host, endpoint(host), PRICE);
		ids.insert(host, segment::register(&chain, op, &spec).await?.0);
	}
	let consumer = format!(
		"[consumer]\naccount = \"//Eve\"\nreceipt_key = \"0x{}\"\ndeposit = \"{}\"\nmax_price_per_gib = \"{}\"\n",
		hex::encode([0x77u8; 32]),
		100 * DTX,
		10 * PRICE
	);
	let c1 = config(lab, 1, ids[&1], &url, &consumer);
	let forward = |cfg: &std::path::Path| -> Vec<String> {
		[
			"forward",
			"--config",
			cfg.to_str().unwrap(),
			"--local",
			LOCAL,
			"--to",
			DEST,
			"--egress",
			&ids[&3].to_string(),
			"--via",
			&ids[&2].to_string(),
		]
		.map(String::from)
		.to_vec()
	};
	lab.spawn_agent(1, &forward(&c1).iter().map(String::as_str).collect::<Vec<_>>());
	for host in [2, 3] {
		let c = config(lab, host, ids[&host], &url, "");
		lab.spawn_agent(host, &["run", "--config", c.to_str().unwrap()]);
	}
	let c5 = config(lab, 5, ids[&5], &url, "");
	lab.spawn_agent(5, &forward(&c5).iter().map(String::as_str).collect::<Vec<_>>());

	// The destination echoes, for as long as the test runs.
	let stop = Arc::new(AtomicBool::new(false));
	let echo_stop = stop.clone();
	let echo = lab.in_host(4, move || {
		let s = UdpSocket::bind(DEST).unwrap();
		s.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
		let mut buf = [0u8; 2048];
		while !echo_stop.load(Ordering::Relaxed) {
			if let Ok((n, from)) = s.recv_from(&mut buf) {
				let _ = s.send_to(&buf[..n], from);
			}
		}
	});

	// The consumer opens its channel by itself and its traffic flows.
	let echoes = Arc::new(AtomicU64::new(0));
	let stop1 = Arc::new(AtomicBool::new(false));
	let c1_client = client(lab, 1, stop1.clone(), echoes.clone());
	let took = lab
		.wait_for(Duration::from_secs(120), |_| echoes.load(Ordering::Relaxed) >= 50)
		.ok_or_else(|| anyhow!("no echoes through the paid channel within 120 s"))?;
	eprintln!("paid flow up after {took:?} (open, finality, lookups)");
	let s1 = lab.status(1).context("consumer status")?;
	let ch: ChannelId =
		paid(&s1).and_then(|p| p.paying.first()).map(|c| c.id).context("no channel")?;
	let path = paid(&s1).unwrap().paying[0].path.clone();
	ensure!(
		path == vec![ids[&1], ids[&2], ids[&3]],
		"the channel's path is the forward's: {path:?}"
	);

	// Receipts reach every hop; acks come back to every hop but the last.
	let evidence = |lab: &Lab| {
		[1usize, 2, 3].iter().all(|&h| {
			lab.status(h)
				.and_then(|s| s.paid)
				.and_then(|p| p.carried.into_iter().find(|c| c.id == ch))
				.is_some_and(|c| (h == 1 || c.receipt.is_some()) && (h == 3 || c.ack.is_some()))
		})
	};
	lab.wait_for(Duration::from_secs(30), evidence)
		.ok_or_else(|| anyhow!("receipts or acks missing at some hop"))?;

	// A registered segment with no channel is refused at its first relay, and counted.
	let refused = Arc::new(AtomicU64::new(0));
	let stop5 = Arc::new(AtomicBool::new(false));
	let c5_client = client(lab, 5, stop5.clone(), refused.clone());
	// Its handshakes are all that leaves its host: refused at relay 2, tried again and again.
	let no_channel =
		|lab: &Lab| lab.status(2).map_or(0, |s| s.drops.get("no_channel").copied().unwrap_or(0));
	let seen = no_channel(lab);
	lab.wait_for(Duration::from_secs(30), |l| no_channel(l) >= seen + 3)
		.ok_or_else(|| anyhow!("relay 2 did not refuse the unpaid flow"))?;
	stop5.store(true, Ordering::Relaxed);
	let sent5 = c5_client.join().unwrap();
	ensure!(
		refused.load(Ordering::Relaxed) == 0,
		"the unpaid flow got {} echoes of {sent5}",
		refused.load(Ordering::Relaxed)
	);

	// The egress restarts: the flow resumes with a new session.
	let pid3 = lab.pid(3).unwrap();
	// SAFETY: kill on a child's pid.
	unsafe { libc::kill(pid3 as i32, libc::SIGTERM) };
	std::thread::sleep(Duration::from_secs(2));
	let before = echoes.load(Ordering::Relaxed);
	let c3 = lab.dir.path().join("host3.toml");
	lab.spawn_agent(3, &["run", "--config", c3.to_str().unwrap()]);
	lab.wait_for(Duration::from_secs(60), |_| echoes.load(Ordering::Relaxed) >= before + 50)
		.ok_or_else(|| anyhow!("the flow did not resume after the egress restarted"))?;

	// Every router's tickets land, submitted with no account key on its host.
	let finalized =
		|lab: &Lab, h: usize| lab.status(h).and_then(|s| s.paid).map_or(0, |p| p.tickets_finalized);
	lab.wait_for(Duration::from_secs(150), |l| [1, 2, 3].iter().all(|&h| finalized(l, h) >= 2))
		.ok_or_else(|| anyhow!("tickets not final on every hop within 150 s"))?;
	// Through the group's reporter: members handed it their tickets and it submitted them in
	// batches (each member then found its own on the chain instead of submitting it).
	let sum = |lab: &Lab, f: fn(&ditex_relay::shell::paid::PaidStatus) -> u64| -> u64 {
		[1, 2, 3, 5].iter().filter_map(|&h| lab.status(h)?.paid.map(|p| f(&p))).sum()
	};
	lab.wait_for(Duration::from_secs(60), |l| sum(l, |p| p.batches) >= 1)
		.ok_or_else(|| anyhow!("no batch of the group's tickets became final"))?;
	ensure!(
		sum(lab, |p| p.tickets_handed) >= 1 && sum(lab, |p| p.tickets_gathered) >= 1,
		"tickets handed {}, gathered {}",
		sum(lab, |p| p.tickets_handed),
		sum(lab, |p| p.tickets_gathered)
	);
	// The node goes away for three epochs while the traffic goes on (receipts, not the
	// chain, keep the relays carrying), then comes back: what the agents queued lands.
	let (node, chain) = {
		let mut node = node;
		node.kill();
		let during = echoes.load(Ordering::Relaxed);
		std::thread::sleep(Duration::from_secs(3 * 30));
		let carried = echoes.load(Ordering::Relaxed) - during;
		ensure!(carried > 1_000, "only {carried} echoes while the node was down");
		let node = Node::start(node.config.clone()).await?;
		let chain = Chain::connect(&node.ws_url()).await?;
		(node, chain)
	};
	let now: Vec<u64> = [1, 2, 3].iter().map(|&h| finalized(lab, h)).collect();
	lab.wait_for(Duration::from_secs(240), |l| {
		[1usize, 2, 3].iter().zip(&now).all(|(&h, n)| finalized(l, h) > *n)
	})
	.ok_or_else(|| anyhow!("no ticket landed after the node came back"))?;
	// The agents read what they earn from the chain: claimed, not settled yet.
	let pending = |lab: &Lab, h: usize| {
		lab.status(h).and_then(|s| s.paid).map_or(0, |p| p.pending.parse::<u128>().unwrap_or(0))
	};
	lab.wait_for(Duration::from_secs(30), |l| [1, 2, 3].iter().all(|&h| pending(l, h) > 0))
		.ok_or_else(|| anyhow!("an agent shows nothing pending"))?;
	// The group's reporter reported its measurements, under its ticket key.
	let reports: u64 =
		[1, 2, 3, 5].iter().filter_map(|&h| lab.status(h)?.paid.map(|p| p.reports)).sum();
	ensure!(reports >= 1, "no group report was taken");
	stop1.store(true, Ordering::Relaxed);
	let sent1 = c1_client.join().unwrap();
	// One more ticket each after the traffic stopped, then the agents stop: the chain's
	// claims stay as they are while the settlement is checked.
	let now: Vec<u64> = [1, 2, 3].iter().map(|&h| finalized(lab, h)).collect();
	lab.wait_for(Duration::from_secs(150), |l| {
		[1usize, 2, 3].iter().zip(&now).all(|(&h, n)| finalized(l, h) > *n)
	})
	.ok_or_else(|| anyhow!("no ticket after the traffic stopped"))?;
	for h in [1, 2, 3, 5] {
		if let Some(pid) = lab.pid(h) {
			// SAFETY: kill on a child's pid.
			unsafe { libc::kill(pid as i32, libc::SIGTERM) };
		}
	}
	stop.store(true, Ordering::Relaxed);
	echo.join().unwrap();

	// Settling pays each hop exactly price × what its downstream acknowledged, capped by the
	// receipt, less the 5% fee.
	let (_, head) = node.finalized().await?;
	let mut claims = Vec::new();
	for h in [1, 2, 3] {
		let c: Option<Claim<u128>> =
			node.state_call("SettlementApi_claim", (ids[&h], ch), Some(head)).await?;
		claims.push(c.ok_or_else(|| anyhow!("no claim of host {h}"))?);
	}
	// As reported: settling checks the signatures (the agents' all hold).
	let receipt = claims.iter().map(|c| c.reported_receipt()).max().unwrap();
	ensure!(receipt > 0, "no receipt reached the chain");
	let payable = |i: usize| {
		let c = &claims[i];
		let down = claims.get(i + 1).map_or(u64::MAX, |d| d.bytes_in.max(c.reported_ack()));
		c.bytes_out.min(receipt).min(down)
	};
	let free = |who: &Keypair| {
		let who = who.public_key().0;
		let node = &node;
		async move {
			anyhow::Ok(account(&node.api().await?, node.finalized().await?.1, who).await?.data.free)
		}
	};
	let mut before = Vec::new();
	for h in [1, 2, 3] {
		before.push(free(&operators[&h]).await?);
	}
	// The egress's operator settles: as a payee, for free.
	let (block, events) =
		chain.submit_encoded_in_block("Tickets", "settle", &ch.encode(), &operators[&3]).await?;
	let named = |pallet: &str, name: &str| {
		events
			.iter()
			.filter_map(|e| e.ok())
			.filter(|e| e.pallet_name() == pallet && e.event_name() == name)
			.count()
	};
	ensure!(named("Tickets", "RelayPaid") == 3, "every hop is paid");
	let mut settlement_fees = 0;
	for (i, h) in [1, 2, 3].into_iter().enumerate() {
		let gross = PRICE * u128::from(payable(i)) / GIB - claims[i].paid;
		let earned = gross - gross * 5 / 100;
		settlement_fees += gross - earned;
		let after = free(&operators[&h]).await?;
		ensure!(
			after - before[i] == earned,
			"host {h}: paid {} for {} bytes, expected {earned} (claim {:?})",
			after - before[i],
			payable(i),
			claims[i]
		);
	}
	// The pools grew by the fees, 25% to the validators and 75% to the dividend pool, besides
	// the block's subsidy.
	let (mut fees, mut split) = (0u128, 0u128);
	for e in events.iter().filter_map(|e| e.ok()) {
		if e.pallet_name() == "Rewards" && e.event_name() == "FeesReceived" {
			let f = e.decode_fields_unchecked_as::<FeesReceived>()?;
			ensure!(
				f.validator == (f.validator + f.dividend) / 4,
				"a quarter to the validators: {f:?}"
			);
			fees += f.validator + f.dividend;
			split += f.validator;
		}
	}
	let tx_fee: u128 = events
		.iter()
		.filter_map(|e| e.ok())
		.filter(|e| {
			e.pallet_name() == "TransactionPayment" && e.event_name() == "TransactionFeePaid"
		})
		.map(|e| {
			e.decode_fields_unchecked_as::<TransactionFeePaid>()
				.map(|f| f.actual_fee + f.tip)
				.map_err(Box::new)
		})
		.sum::<Result<u128, _>>()?;
	ensure!(tx_fee == 0, "a payee's settlement is free: {tx_fee}");
	ensure!(
		fees == settlement_fees,
		"the pools received {fees}, the settlement fees are {settlement_fees}"
	);
	let subsidy = subsidy(&events)?.map_or((0, 0), |s| (s.validator, s.dividend));
	let parent = parent_hash(&node.rpc().await?, block).await?;
	let (p0, p1) = (pools(&node, parent).await?, pools(&node, block).await?);
	ensure!(p0.current_era == p1.current_era, "an era ended in the block");
	ensure!(p1.validator.balance - p0.validator.balance == split + subsidy.0, "validator pool");
	ensure!(p1.dividend.balance - p0.dividend.balance == fees - split + subsidy.1, "dividend pool");
	eprintln!(
		"sent {sent1} datagrams, {} echoed; payable bytes per hop {:?}; whole test {:?}",
		echoes.load(Ordering::Relaxed),
		(0..3).map(payable).collect::<Vec<_>>(),
		started.elapsed()
	);
	Ok(())
}
