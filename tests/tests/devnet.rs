//! The main job end to end: what `scripts/devnet.sh --duration` runs (four validators, six
//! hosts in network namespaces, a consumer whose direct link gets congested, relays that
//! submit tickets and are paid), then its summary checked against the chain's own state,
//! read here independently: every payment event of every block, the channels gone, the
//! consumer's holds released, and the consumer's agent's own count of route switches.
//!
//! Run as root; skipped otherwise. About 8 minutes, most of it waiting for epochs.

use std::{
	collections::BTreeMap,
	sync::{atomic::AtomicBool, Arc},
	time::{Duration, Instant},
};

use anyhow::{anyhow, ensure, Result};
use ditex_e2e::{
	account,
	devnet::{self, Options, CONSUMER},
};
use subxt::{rpcs::rpc_params, utils::H256};

/// `Escrow.ChannelPaid`.
#[derive(Debug, scale_decode::DecodeAsType)]
struct ChannelPaid {
	channel: u64,
	segment: u32,
	payee: [u8; 32],
	amount: u128,
	fee: u128,
}

/// `Escrow.ChannelRefunded`.
#[derive(Debug, scale_decode::DecodeAsType)]
struct ChannelRefunded {
	channel: u64,
	consumer: [u8; 32],
	refunded: u128,
}

#[tokio::test(flavor = "multi_thread")]
async fn the_devnet_reroutes_pays_exactly_and_refunds() -> Result<()> {
	// SAFETY: geteuid has no preconditions.
	if unsafe { libc::geteuid() } != 0 {
		eprintln!(
			"SKIP the_devnet_reroutes_pays_exactly_and_refunds: needs root for network namespaces"
		);
		return Ok(());
	}
	let started = Instant::now();
	let dir = tempfile::tempdir()?;
	let opts = Options {
		dir: dir.path().join("devnet"),
		traffic: Some(Duration::from_secs(150)),
		stop: Arc::new(AtomicBool::new(false)),
		rpc_port: None,
	};
	let (dn, summary) = devnet::run(&opts).await?;
	let summary = summary.ok_or_else(|| anyhow!("stopped early"))?;
	println!("{}", summary.table(&dn));
	ensure!(summary.ok(), "the devnet's own verdict is no");

	// Every payment out of the consumer's channels, from the blocks themselves.
	let chain = &dn.chain;
	let head = chain.finalized_number().await?;
	let mut paid: BTreeMap<(u64, u32), (u128, u128, [u8; 32])> = BTreeMap::new();
	let mut refunded: BTreeMap<u64, u128> = BTreeMap::new();
	let consumer = ditex_ctl::signer(CONSUMER)?.public_key().0;
	for n in 1..=head {
		let hash: H256 = chain
			.request::<Option<H256>>("chain_getBlockHash", rpc_params![n])
			.await?
			.ok_or_else(|| anyhow!("#{n}"))?;
		for e in chain.api.at_block(hash).await?.events().fetch().await?.iter() {
			let e = e?;
			match (e.pallet_name(), e.event_name()) {
				("Escrow", "ChannelPaid") => {
					let p: ChannelPaid = e.decode_fields_unchecked_as()?;
					let row = paid.entry((p.channel, p.segment)).or_insert((0, 0, p.payee));
					row.0 += p.amount;
					row.1 += p.fee;
					ensure!(
						row.2 == p.payee,
						"channel {} paid segment {} to two accounts",
						p.channel,
						p.segment
					);
				},
				("Escrow", "ChannelRefunded") => {
					let r: ChannelRefunded = e.decode_fields_unchecked_as()?;
					ensure!(
						r.consumer == consumer,
						"channel {} refunded to someone else",
						r.channel
					);
					*refunded.entry(r.channel).or_default() += r.refunded;
				},
				_ => {},
			}
		}
	}
	// The summary's payments are the chain's, to each router's operator.
	for h in &summary.hops {
		let (amount, fee, payee) = paid.remove(&(h.channel, h.segment)).unwrap_or((0, 0, [0; 32]));
		ensure!(
			(amount, fee) == (h.amount, h.fee),
			"channel {} hop {}: the chain paid {amount} + {fee}, the summary says {} + {}",
			h.channel,
			h.hop,
			h.amount,
			h.fee
		);
		if amount > 0 {
			ensure!(
				payee == dn.operators[&h.host].public_key().0,
				"host {}'s pay went to another account",
				h.host
			);
		}
	}
	ensure!(paid.is_empty(), "payments the summary does not show: {paid:?}");
	for c in &summary.channels {
		ensure!(refunded.remove(&c.id) == Some(c.refunded), "channel {}: the refund differs", c.id);
		let still: Option<ditex_ctl::channel::ChannelView> =
			chain.runtime_call("SettlementApi_channel", &c.id, None).await?;
		ensure!(still.is_none(), "channel {} still on the chain after its refund", c.id);
	}
	ensure!(refunded.is_empty(), "refunds of channels the summary does not show: {refunded:?}");
	// Nothing of the consumer's is held any more.
	let (_, at) = dn.nodes[0].finalized().await?;
	let eve = account(&chain.api, at, consumer).await?;
	ensure!(eve.data.reserved == 0, "the consumer still has {} held", eve.data.reserved);

	// The consumer's agent itself counted the detour and the return.
	let s = dn.lab.status(1).ok_or_else(|| anyhow!("no status of host 1"))?;
	let switches: u64 = s.routes.iter().filter(|r| r.dst == dn.ids[&5]).map(|r| r.switches).sum();
	ensure!(
		switches >= summary.traffic.detours + summary.traffic.returns,
		"the agent switched {switches} times, the summary saw {} and {}",
		summary.traffic.detours,
		summary.traffic.returns
	);
	eprintln!("devnet test: {:?} in all", started.elapsed());
	Ok(())
}
