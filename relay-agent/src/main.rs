//! `ditex-relay`: the relay agent daemon and its command line.

use std::{io::IsTerminal as _, net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use ditex_relay::{
	config::Config,
	shell::{
		self,
		status::Status,
		web::{self, Dashboard},
		ForwardSpec, Options,
	},
};
use rand_core::OsRng;
use x25519_dalek::{PublicKey, StaticSecret};

/// The ditex relay agent: carries traffic over paths of registered segment routers and routes
/// around bad ones.
#[derive(Parser)]
#[command(name = "ditex-relay", version)]
struct Cli {
	/// Log filter (tracing `EnvFilter` syntax); `RUST_LOG` wins if set.
	#[arg(long, global = true, default_value = "info")]
	log: String,
	#[command(subcommand)]
	cmd: Cmd,
}

/// Where `status` and `netcheck` read a running agent's status.
#[derive(clap::Args)]
#[group(required = true, multiple = false)]
struct StatusSource {
	/// The agent's TOML config: its dashboard's address, or its status file if it serves none.
	#[arg(short, long)]
	config: Option<PathBuf>,
	/// The agent's dashboard, `http://host:port`.
	#[arg(long)]
	url: Option<String>,
	/// A status file (it has no chain figures: those come from the dashboard).
	#[arg(long)]
	file: Option<PathBuf>,
}

impl StatusSource {
	/// The agent's dashboard data, from wherever this says.
	fn read(self) -> anyhow::Result<Dashboard> {
		let url = match (self.url, self.file, self.config) {
			(Some(url), _, _) => url,
			(None, Some(file), _) => return Ok(Dashboard::new(Status::read(&file)?, None)),
			(None, None, Some(config)) => {
				let cfg = Config::load(&config)?;
				match cfg.dashboard.listen {
					Some(listen) => web::local_url(listen),
					None => return Ok(Dashboard::new(Status::read(&cfg.agent.status_file)?, None)),
				}
			},
			(None, None, None) => anyhow::bail!("give --config, --url or --file"),
		};
		runtime()?.block_on(web::fetch(&url))
	}
}

#[derive(Subcommand)]
enum Cmd {
	/// Run the agent: relay, measure, route.
	Run {
		/// The TOML config.
		#[arg(short, long)]
		config: PathBuf,
		/// Stop after this many milliseconds (tests, benchmarks).
		#[arg(long, hide = true)]
		run_for_ms: Option<u64>,
	},
	/// Run the agent and forward a local UDP port through the overlay (no privileges needed).
	Forward {
		/// The TOML config.
		#[arg(short, long)]
		config: PathBuf,
		/// Local address applications send to.
		#[arg(long)]
		local: SocketAddr,
		/// Where the egress delivers the datagrams.
		#[arg(long)]
		to: SocketAddr,
		/// Egress segment id.
		#[arg(long)]
		egress: u32,
		/// Go through these relays, in order (`2,5`), instead of the route the agent chooses.
		#[arg(long, value_delimiter = ',')]
		via: Vec<u32>,
		/// Stop after this many milliseconds (tests, benchmarks).
		#[arg(long, hide = true)]
		run_for_ms: Option<u64>,
	},
	/// Show a running agent's status, read from its dashboard's `/status.json` (or from its
	/// status file, when it serves no dashboard or `--file` says so).
	Status {
		#[command(flatten)]
		from: StatusSource,
		/// Print the JSON.
		#[arg(long)]
		json: bool,
	},
	/// Say whether this router's UDP port is reachable and, if not, the likely cause, from
	/// what its group's pulses show (read as `status` reads them). Exits 1 unless reachable.
	Netcheck {
		#[command(flatten)]
		from: StatusSource,
	},
	/// Print a new X25519 data-plane key pair and ed25519 ticket key pair.
	Keygen,
	/// A consumer's channels, by hand (the agent opens and tops up its own as it needs them):
	/// signed with the config's `[consumer]` account, on its `[chain]`.
	Channel {
		/// The agent's TOML config.
		#[arg(short, long)]
		config: PathBuf,
		#[command(subcommand)]
		op: ChannelOp,
	},
}

#[derive(Subcommand)]
enum ChannelOp {
	/// Open a channel over a path (this agent first): prints its id.
	Open {
		/// Segment ids, ingress first: `1,2,3`.
		#[arg(long)]
		path: String,
		/// Units to hold; default the config's `consumer.deposit`.
		#[arg(long)]
		deposit: Option<u128>,
		/// Blocks it stays open; default the config's `consumer.lifetime_blocks`.
		#[arg(long)]
		blocks: Option<u32>,
	},
	/// Hold more for a channel.
	TopUp {
		/// The channel.
		id: u64,
		/// Units to add.
		amount: u128,
	},
	/// Close a channel: its relays are settled, the rest returns to the account.
	Close {
		/// The channel.
		id: u64,
	},
	/// Print a channel as the chain holds it, as JSON.
	Show {
		/// The channel.
		id: u64,
	},
}

fn init_logs(filter: &str) {
	let filter = tracing_subscriber::EnvFilter::try_from_default_env()
		.unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter));
	tracing_subscriber::fmt()
		.with_env_filter(filter)
		.with_ansi(std::io::stderr().is_terminal())
		.with_writer(std::io::stderr)
		.init();
}

fn main() -> anyhow::Result<()> {
	let cli = Cli::parse();
	init_logs(&cli.log);
	match cli.cmd {
		Cmd::Run { config, run_for_ms } => {
			let cfg = Config::load(&config)?;
			let opts = Options { forward: None, run_for: run_for_ms.map(Duration::from_millis) };
			runtime()?.block_on(shell::run(cfg, opts))
		},
		Cmd::Forward { config, local, to, egress, via, run_for_ms } => {
			let cfg = Config::load(&config)?;
			if !local.ip().is_loopback() {
				// Anyone who can reach it sends through the overlay at this operator's cost.
				tracing::warn!(%local, "--local is not a loopback address: every host that reaches it can use this forward, paid by this agent's channel");
			}
			let opts = Options {
				forward: Some(ForwardSpec { local, to, egress, via }),
				run_for: run_for_ms.map(Duration::from_millis),
			};
			runtime()?.block_on(shell::run(cfg, opts))
		},
		Cmd::Status { from, json } => {
			let d = from.read()?;
			if json {
				println!("{}", serde_json::to_string_pretty(&d)?);
			} else {
				print_status(&d);
			}
			Ok(())
		},
		Cmd::Netcheck { from } => {
			// The verdict the dashboard shows.
			let d = from.read()?;
			println!("segment {}: {}", d.status.id, d.reach_text);
			if d.reach != ditex_relay::dashboard::Reach::Reachable {
				std::process::exit(1);
			}
			Ok(())
		},
		Cmd::Channel { config, op } => runtime()?.block_on(channel(Config::load(&config)?, op)),
		Cmd::Keygen => {
			let secret = StaticSecret::random_from_rng(OsRng);
			println!("secret_key = \"0x{}\"", hex::encode(secret.to_bytes()));
			println!("key = \"0x{}\"", hex::encode(PublicKey::from(&secret).as_bytes()));
			// The ticket key signs tickets, acks and reports: the operator registers its
			// public half, and the host never needs the operator's account key.
			let mut seed = [0u8; 32];
			rand_core::RngCore::fill_bytes(&mut OsRng, &mut seed);
			let ticket = ed25519_dalek::SigningKey::from_bytes(&seed);
			println!("ticket_secret_key = \"0x{}\"", hex::encode(ticket.to_bytes()));
			println!("ticket_key = \"0x{}\"", hex::encode(ticket.verifying_key().to_bytes()));
			Ok(())
		},
	}
}

/// `ditex-relay channel ...`.
async fn channel(cfg: Config, op: ChannelOp) -> anyhow::Result<()> {
	use ditex_ctl::channel as ch;
	let url = &cfg.chain.as_ref().context("the config has no [chain]")?.url;
	let chain = ditex_ctl::Chain::connect(url).await?;
	if let ChannelOp::Show { id } = op {
		let c =
			ch::get(&chain, id).await?.with_context(|| format!("no channel {id} on the chain"))?;
		println!("{}", serde_json::to_string_pretty(&ch::to_json(id, &c))?);
		return Ok(());
	}
	let k = cfg.consumer.as_ref().context("the config has no [consumer] to sign with")?;
	let who = ditex_ctl::signer(k.account()?.expose())?;
	match op {
		ChannelOp::Open { path, deposit, blocks } => {
			let now = chain.finalized_number().await?;
			let open = ch::Open {
				path: ch::parse_path(&path)?,
				deposit: deposit.map_or_else(|| k.deposit(), Ok)?,
				max_price_per_gib: k.max_price()?,
				expires_at: now.saturating_add(blocks.unwrap_or(k.lifetime_blocks)),
				data_key: ditex_primitives::registry::DataPlaneKey(
					*PublicKey::from(&cfg.secret()?).as_bytes(),
				),
				receipt_key: ditex_primitives::settlement::ReceiptKey(
					k.receipt_key()?.verifying_key().to_bytes(),
				),
			};
			println!("{}", ch::open(&chain, &who, &open).await?);
		},
		ChannelOp::TopUp { id, amount } => {
			println!("{}", ch::top_up(&chain, &who, id, amount).await?.join(" "));
		},
		ChannelOp::Close { id } => println!("{}", ch::close(&chain, &who, id).await?.join(" ")),
		ChannelOp::Show { .. } => unreachable!("answered above"),
	}
	Ok(())
}

/// The daemon is one task; a current-thread runtime keeps it on one core, cache-warm.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
	tokio::runtime::Builder::new_current_thread().enable_all().build().context("tokio runtime")
}

/// `plancks` (a decimal string, as the dashboard gives it) in DTX.
fn dtx(plancks: &str) -> String {
	use ditex_primitives::DTX;
	match plancks.parse::<u128>() {
		Ok(p) => {
			let frac = format!("{:012}", p % DTX);
			let frac = frac.trim_end_matches('0');
			if frac.is_empty() {
				format!("{} DTX", p / DTX)
			} else {
				format!("{}.{frac} DTX", p / DTX)
			}
		},
		Err(_) => format!("{plancks:?}"),
	}
}

fn print_status(d: &Dashboard) {
	let s = &d.status;
	println!("segment {}  up {} s", s.id, s.uptime_s);
	println!("reachability: {}", d.reach_text);
	match &d.earnings {
		Some(e) => println!(
			"coins (the chain's): earned {} final, {} claimed in tickets; carried, not yet in a ticket {}; spent by this host's channels {}",
			dtx(&e.r#final),
			dtx(&e.claimed),
			dtx(&e.pending),
			dtx(&e.applied)
		),
		None if s.paid.is_some() => println!("coins: not read from the chain yet"),
		None => {},
	}
	println!("forwarded {}  delivered {}  sent {}", s.forwarded, s.delivered, s.sent);
	println!(
		"pulses sent {} ({} B)  received {} ({} B)",
		s.pulses_sent, s.pulse_bytes_sent, s.pulses_received, s.pulse_bytes_received
	);
	println!("registry: {} segments, pulsing {:?}", s.segments, s.pulse_peers);
	if let Some(c) = &s.chain {
		println!(
			"chain {}: {} polls answered, {} failed, {} entries refused",
			c.url, c.syncs, c.failures, c.refused
		);
		if let Some(e) = &c.last_error {
			println!("chain: last failure: {e}");
		}
	}
	if let Some(p) = &s.paid {
		println!(
			"earned {} (final), {} (claimed, not settled); tickets {} submitted, {} final, {} refused, waiting {:?}",
			p.earned, p.pending, p.tickets_submitted, p.tickets_finalized, p.tickets_refused, p.tickets_queued
		);
		println!(
			"group batches: {} tickets handed to the reporter; as the reporter {} taken, {} batches final, {} failed",
			p.tickets_handed, p.tickets_gathered, p.batches, p.batches_failed
		);
		for c in &p.paying {
			println!(
				"paying on channel {} over {:?}: {} bytes sent, funds {}",
				c.id, c.path, c.sent, c.funds
			);
		}
	}
	if s.drops.is_empty() {
		println!("drops: none");
	} else {
		let d: Vec<String> = s.drops.iter().map(|(k, v)| format!("{k}={v}")).collect();
		println!("drops: {}", d.join(" "));
	}
	for r in &s.routes {
		let p: Vec<String> = r.path.iter().map(u32::to_string).collect();
		let why: Vec<String> = r.reasons.iter().map(|(k, v)| format!("{k} {v}")).collect();
		let why = if why.is_empty() { String::new() } else { format!(": {}", why.join(", ")) };
		println!("route to {}: {}  ({} switches{why})", r.dst, p.join(" → "), r.switches);
	}
	println!("{:>6} {:>6} {:>12} {:>10} {:>8}", "from", "to", "latency µs", "jitter µs", "loss %");
	for l in &s.links {
		println!(
			"{:>6} {:>6} {:>12} {:>10} {:>8.2}",
			l.from,
			l.to,
			l.latency_us,
			l.jitter_us,
			l.loss_ppm as f64 / 10_000.0
		);
	}
	if !s.skewed.is_empty() {
		println!("clock skew suspected: {:?}", s.skewed);
	}
	if let Some(q) = &s.qos {
		println!(
			"qos on {}: {} of {} bit/s sold; {} confirmed, {} rejected, {} classes removed, {} tc failures, {} failed polls",
			q.interface,
			q.sold_bps,
			q.capacity_bps,
			q.confirmed,
			q.rejected.values().sum::<u64>(),
			q.removed,
			q.tc_failures,
			q.poll_failures
		);
		for o in &q.orders {
			let why = o.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
			let ends = o.ends_at.map(|b| format!(", ends at block {b}")).unwrap_or_default();
			println!(
				"qos order {}: {} {} bit/s for {}: {}{why}{ends}",
				o.id, o.class, o.rate_bps, o.flow, o.state
			);
		}
	}
}
