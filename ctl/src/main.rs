//! `ditex-ctl`: the operator's command line for the ditex chain.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use ditex_ctl::{channel, masternode, qos, segment, settlement, signer, ticket, Chain};
use subxt::utils::AccountId32;

#[derive(Parser)]
#[command(name = "ditex-ctl", version, about = "Operator's command line for the ditex chain")]
struct Cli {
	/// The node to submit through.
	#[arg(long, default_value = "ws://127.0.0.1:9944", global = true)]
	url: String,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Master nodes (validators).
	#[command(subcommand)]
	Masternode(Masternode),
	/// Segment routers (the relay agents' listings).
	#[command(subcommand)]
	Segment(Segment),
	/// Relays' tickets.
	#[command(subcommand)]
	Ticket(TicketCmd),
	/// A consumer's payment channels.
	#[command(subcommand)]
	Channel(ChannelCmd),
	/// QoS orders: priority for a consumer's packets on a segment router's egress.
	#[command(subcommand)]
	Qos(QosCmd),
	/// Pay a channel's relays what their tickets so far make payable (free when it pays
	/// someone; channels are settled when they end anyway).
	Settle {
		/// The account that submits it (secret URI).
		#[arg(long)]
		suri: String,
		/// The channel.
		#[arg(long)]
		channel: u64,
	},
}

#[derive(Subcommand)]
enum ChannelCmd {
	/// Open a channel over a path, holding the deposit; prints its id.
	Open {
		/// The consumer's account (secret URI), which holds the deposit.
		#[arg(long)]
		suri: String,
		/// Segment ids, ingress first, comma-separated: the hop list of its datagrams.
		#[arg(long)]
		path: String,
		/// Held until the channel ends, in plancks.
		#[arg(long)]
		deposit: u128,
		/// The most the whole path may cost per GiB, in plancks.
		#[arg(long)]
		max_price: u128,
		/// How many blocks from now it stays open.
		#[arg(long, default_value_t = 14_400)]
		blocks: u32,
		/// The consumer's data-plane key (`key` from `ditex-relay keygen`).
		#[arg(long)]
		data_key: String,
		/// The consumer's ed25519 receipt key, `0x` + 64 hex digits.
		#[arg(long)]
		receipt_key: String,
	},
	/// Hold more for an open channel.
	TopUp {
		/// The consumer's account.
		#[arg(long)]
		suri: String,
		/// The channel.
		#[arg(long)]
		channel: u64,
		/// How much more, in plancks.
		#[arg(long)]
		amount: u128,
	},
	/// Close a channel; the relays are settled and the rest returns after the grace.
	Close {
		/// The consumer's account.
		#[arg(long)]
		suri: String,
		/// The channel.
		#[arg(long)]
		channel: u64,
	},
	/// A channel as the chain holds it, in JSON.
	Show {
		/// The channel.
		#[arg(long)]
		channel: u64,
	},
}

#[derive(Subcommand)]
enum QosCmd {
	/// Order a treatment on a segment router, holding the payment until its agent answers;
	/// prints the order's id.
	Order {
		/// The consumer's account (secret URI), which pays.
		#[arg(long)]
		suri: String,
		/// The segment router.
		#[arg(long)]
		segment: u32,
		/// `priority` or `realtime`.
		#[arg(long, default_value = "priority")]
		class: String,
		/// The rate guaranteed, bit/s.
		#[arg(long)]
		rate: u64,
		/// The packets: `dst=198.51.100.7,proto=udp,dport=5001` (keys src, dst, proto, sport,
		/// dport).
		#[arg(long)]
		flow: String,
		/// The payment, in plancks.
		#[arg(long)]
		payment: u128,
		/// Blocks the treatment applies once confirmed.
		#[arg(long, default_value_t = 600)]
		blocks: u32,
		/// Blocks from now the router has to answer (refunded after).
		#[arg(long, default_value_t = 20)]
		answer_within: u32,
	},
	/// Orders pending or active, in JSON: one order, or all on a segment.
	Show {
		/// The order.
		#[arg(long, conflicts_with = "segment")]
		order: Option<u64>,
		/// The segment router.
		#[arg(long)]
		segment: Option<u32>,
	},
}

#[derive(Subcommand)]
enum TicketCmd {
	/// Sign a ticket with a router's ticket key and submit it as an authorized transaction
	/// (no account, no fee); prints the events it emitted. Several `--ticket`/`--key` pairs,
	/// each ticket signed with the key given with it, go in one batch (`submit_tickets`), as
	/// a group's reporter submits its members' tickets.
	Submit {
		/// The ticket, in JSON (see `ditex_ctl::ticket::TicketJson`).
		#[arg(long, required = true)]
		ticket: Vec<std::path::PathBuf>,
		/// The ticket key's secret: a `ditex-relay keygen` output or the bare `0x` hex; one
		/// for each `--ticket`, in the same order.
		#[arg(long, required = true)]
		key: Vec<std::path::PathBuf>,
	},
}

#[derive(Subcommand)]
enum Segment {
	/// List a relay agent's router; prints its segment id (the agent's `agent.id`).
	Register {
		/// The operator's account (secret URI), which pays the deposit.
		#[arg(long)]
		suri: String,
		/// The agent's data-plane `ip:port` (its `agent.listen`, as reachable from outside).
		#[arg(long)]
		endpoint: std::net::SocketAddr,
		/// The agent's public key, `0x` + 64 hex digits (`key` from `ditex-relay keygen`).
		#[arg(long)]
		key: String,
		/// The agent's ticket key, `0x` + 64 hex digits (`ticket_key` from
		/// `ditex-relay keygen`): it signs tickets, so the host needs no account key.
		#[arg(long)]
		ticket_key: String,
		/// Where it is: ISO 3166-2 region, such as `DE-BE`.
		#[arg(long)]
		region: String,
		/// Its autonomous system number.
		#[arg(long)]
		asn: u32,
		/// Price per GiB relayed, in plancks; left out: not for sale (measures, relays for
		/// nobody).
		#[arg(long)]
		price: Option<u128>,
		/// Capacity offered, Mbit/s.
		#[arg(long, default_value_t = 1000)]
		capacity: u32,
	},
}

#[derive(Subcommand)]
enum Masternode {
	/// Generate session keys on the validating node, register them and bond.
	Join {
		/// The operator's account (secret URI: `//Eve`, a mnemonic, a hex seed).
		#[arg(long)]
		suri: String,
		/// The bond, in plancks (10^12 per DTX).
		#[arg(long)]
		bond: u128,
		/// The RPC of the node that will validate, if not `--url` (it generates the keys).
		#[arg(long)]
		node: Option<String>,
	},
	/// Stop being a candidate; the bond unbonds after the chain's delay.
	Leave {
		/// The operator's account.
		#[arg(long)]
		suri: String,
	},
	/// Release a bond whose unbonding delay has passed.
	Withdraw {
		/// The operator's account.
		#[arg(long)]
		suri: String,
	},
	/// The current session and its validators.
	Validators,
}

#[tokio::main]
async fn main() -> Result<()> {
	let cli = Cli::parse();
	let chain = Chain::connect(&cli.url).await?;
	let events = match cli.command {
		Command::Masternode(Masternode::Join { suri, bond, node }) => {
			let operator = signer(&suri)?;
			let node = match node {
				Some(url) => Chain::connect(&url).await?,
				None => Chain::connect(&cli.url).await?,
			};
			masternode::join(&node, &chain, &operator, bond).await?
		},
		Command::Masternode(Masternode::Leave { suri }) => {
			masternode::leave(&chain, &signer(&suri)?).await?
		},
		Command::Masternode(Masternode::Withdraw { suri }) => {
			masternode::withdraw(&chain, &signer(&suri)?).await?
		},
		Command::Segment(Segment::Register {
			suri,
			endpoint,
			key,
			ticket_key,
			region,
			asn,
			price,
			capacity,
		}) => {
			let spec = segment::spec(
				endpoint,
				segment::parse_key(&key)?,
				segment::parse_ticket_key(&ticket_key)?,
				segment::parse_region(&region)?,
				asn,
				price,
				capacity,
			);
			let (id, group) = segment::register(&chain, &signer(&suri)?, &spec).await?;
			println!("segment {id} registered in group {group}");
			return Ok(());
		},
		Command::Ticket(TicketCmd::Submit { ticket: paths, key: keys }) => {
			anyhow::ensure!(
				paths.len() == keys.len(),
				"{} tickets and {} keys: give one --key for each --ticket",
				paths.len(),
				keys.len()
			);
			let mut signed = Vec::new();
			for (path, key) in paths.iter().zip(&keys) {
				let json = std::fs::read_to_string(path)
					.with_context(|| format!("reading {}", path.display()))?;
				let secret = std::fs::read_to_string(key)
					.with_context(|| format!("reading {}", key.display()))?;
				let t = ticket::parse(&json).with_context(|| format!("{}", path.display()))?;
				let secret = ticket::parse_secret(&secret)?;
				signed.push(ticket::sign(t, ticket::genesis(&chain), &secret));
			}
			match signed.as_slice() {
				[one] => ticket::submit(&chain, one).await?,
				batch => ticket::submit_batch(&chain, batch).await?,
			}
		},
		Command::Channel(ChannelCmd::Open {
			suri,
			path,
			deposit,
			max_price,
			blocks,
			data_key,
			receipt_key,
		}) => {
			let now = chain.finalized_number().await?;
			let open = channel::Open {
				path: channel::parse_path(&path)?,
				deposit,
				max_price_per_gib: max_price,
				expires_at: now.saturating_add(blocks),
				data_key: segment::parse_key(&data_key)?,
				receipt_key: ditex_primitives::settlement::ReceiptKey(
					segment::parse_key(&receipt_key)?.0,
				),
			};
			let id = channel::open(&chain, &signer(&suri)?, &open).await?;
			println!("channel {id} opened, open until block {}", open.expires_at);
			return Ok(());
		},
		Command::Channel(ChannelCmd::TopUp { suri, channel, amount }) => {
			channel::top_up(&chain, &signer(&suri)?, channel, amount).await?
		},
		Command::Channel(ChannelCmd::Close { suri, channel }) => {
			channel::close(&chain, &signer(&suri)?, channel).await?
		},
		Command::Channel(ChannelCmd::Show { channel: id }) => {
			match channel::get(&chain, id).await? {
				Some(ch) => println!("{}", channel::to_json(id, &ch)),
				None => anyhow::bail!("no channel {id}"),
			}
			return Ok(());
		},
		Command::Qos(QosCmd::Order {
			suri,
			segment,
			class,
			rate,
			flow,
			payment,
			blocks,
			answer_within,
		}) => {
			let now = chain.finalized_number().await?;
			let order = qos::Order {
				segment,
				class: qos::parse_class(&class)?,
				rate,
				flow: qos::parse_flow(&flow)?,
				payment,
				duration: blocks,
				deadline: now.saturating_add(answer_within),
			};
			let id = qos::order(&chain, &signer(&suri)?, &order).await?;
			println!("order {id} placed, to be answered by block {}", order.deadline);
			return Ok(());
		},
		Command::Qos(QosCmd::Show { order, segment }) => {
			match (order, segment) {
				(Some(id), _) => match qos::get(&chain, id).await? {
					Some(o) => println!("{}", qos::to_json(id, &o)),
					None => anyhow::bail!("no order {id} pending or active"),
				},
				(None, Some(s)) => {
					let list: Vec<_> = qos::of_segment(&chain, s, None)
						.await?
						.iter()
						.map(|(id, o)| qos::to_json(*id, o))
						.collect();
					println!("{}", serde_json::Value::Array(list));
				},
				(None, None) => anyhow::bail!("--order or --segment"),
			}
			return Ok(());
		},
		Command::Settle { suri, channel } => {
			settlement::settle(&chain, &signer(&suri)?, channel).await?
		},
		Command::Masternode(Masternode::Validators) => {
			let (index, set) = masternode::validators(&chain).await?;
			println!("session {index}");
			for v in set {
				println!("  {}", AccountId32(v));
			}
			return Ok(());
		},
	};
	for e in events {
		println!("{e}");
	}
	Ok(())
}
