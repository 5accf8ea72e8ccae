//! The whole exchange on one machine, as `scripts/devnet.sh` runs it and its end-to-end test
//! checks it.
//!
//! Four validators of the `local` chain on loopback; six hosts in network namespaces joined by
//! veth links shaped to [`LINK_RATE`] each way: a consumer (host 1), three relays (hosts 2–4),
//! an egress (host 5) and a destination server behind it (host 6). Every router is registered
//! on the chain by its own operator and runs the real `ditex-relay`; the agents reach the
//! chain, and people reach the agents' dashboards, through TCP bridges this process holds
//! between the namespaces, so nothing of the lab touches the host's own network.
//!
//! The consumer's agent forwards an application's datagrams to the destination, opens an
//! escrow channel for the path it uses, signs receipts and pays. On a schedule a bulk transfer
//! fills the consumer's direct link to the egress; the agent moves to a detour (and opens a
//! channel for it), and comes back when the link recovers. The relays submit tickets under
//! their ticket keys. At the end the consumer closes its channels; each is settled and its
//! unused deposit returned, and the summary says whether every relay was paid exactly what
//! its downstream acknowledged and the pools grew by the fee split.

use std::{
	collections::{BTreeMap, BTreeSet},
	fs::File,
	io::{ErrorKind, Read, Write},
	net::{SocketAddr, TcpListener, TcpStream, UdpSocket},
	os::fd::AsRawFd,
	path::{Path, PathBuf},
	process::Command,
	sync::{
		atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};

use anyhow::{anyhow, bail, ensure, Context, Result};
use ditex_ctl::{segment, Chain};
use ditex_primitives::{
	registry::{SegmentId, GIB},
	settlement::ChannelId,
};
use ditex_relay::shell::status::Status;
use pallet_tickets::Claim;
use subxt::{rpcs::rpc_params, utils::H256};
use subxt_signer::sr25519::Keypair;

use crate::{
	lab::{endpoint, secret, segment_spec, ticket_secret, Lab},
	Node, NodeConfig,
};

/// One DTX in units.
pub const DTX: u128 = 1_000_000_000_000;
/// Every router's price per GiB.
pub const PRICE: u128 = DTX;
/// What the consumer holds per channel.
pub const DEPOSIT: u128 = 100 * DTX;
/// The capacity of every link, each way (a `tbf` qdisc).
pub const LINK_RATE: &str = "10mbit";
/// The bulk transfer that congests the consumer's direct link: a fifth above its capacity.
const FLOOD_BITS_PER_S: u64 = 12_000_000;
/// Where the destination listens (host 6).
pub const DEST: &str = "10.77.0.6:7000";
/// Where the consumer's application sends (in host 1).
const LOCAL: &str = "127.0.0.1:5000";
/// The consumer's account: it signs channel opens, top-ups and closes, nothing else.
pub const CONSUMER: &str = "//Eve";
/// The routers: host, operator, role. The consumer is host 1; the destination (host 6) runs
/// no agent.
pub const ROUTERS: [(usize, &str, &str); 5] = [
	(1, "//Bob", "the consumer's ingress"),
	(2, "//Charlie", "relay"),
	(3, "//Dave", "relay"),
	(4, "//Ferdie", "relay"),
	(5, "//Alice", "egress"),
];
/// Where an agent's dashboard listens inside its namespace (the agent's default).
const DASHBOARD: &str = "127.0.0.1:9899";
/// The datagrams the consumer's application sends per second, and their size.
const APP_RATE: u64 = 100;

/// What to run.
pub struct Options {
	/// Where the chain, the configs, the logs and the status files go (kept afterwards).
	pub dir: PathBuf,
	/// How long the consumer's traffic runs before the channels are closed and settled;
	/// `None`: congestion comes and goes until `stop`.
	pub traffic: Option<Duration>,
	/// Set on Ctrl-C.
	pub stop: Arc<AtomicBool>,
	/// The RPC port Alice's node should take if free (9944, for the Polkadot.js link);
	/// `None`: any free port.
	pub rpc_port: Option<u16>,
}

/// Print a line of what happens, with the time since the start.
fn say(started: Instant, what: impl std::fmt::Display) {
	let s = started.elapsed().as_secs();
	println!("devnet [{:02}:{:02}] {what}", s / 60, s % 60);
	let _ = std::io::stdout().flush();
}

/// `units` as DTX, without trailing zeros.
pub fn dtx(units: u128) -> String {
	let frac = format!("{:012}", units % DTX);
	let frac = frac.trim_end_matches('0');
	match frac.is_empty() {
		true => format!("{} DTX", units / DTX),
		false => format!("{}.{frac} DTX", units / DTX),
	}
}

/// A byte count for people.
pub fn size(b: u64) -> String {
	match b {
		0..1_000 => format!("{b} B"),
		1_000..1_000_000 => format!("{:.1} kB", b as f64 / 1e3),
		_ => format!("{:.2} MB", b as f64 / 1e6),
	}
}

/// Start the four validators: Alice first (she takes `rpc_port` if it is free), the others
/// boot from her. Their logs go to `dir/NAME.log`.
pub async fn start_chain(dir: &Path, rpc_port: Option<u16>, started: Instant) -> Result<Vec<Node>> {
	let mut nodes: Vec<Node> = Vec::new();
	for name in ["alice", "bob", "charlie", "dave"] {
		let mut cfg = NodeConfig::new(name, "local", &dir.join(name));
		cfg.validator = Some(name.into());
		cfg.log_file = Some(dir.join(format!("{name}.log")));
		if let (Some(p), true) = (rpc_port, nodes.is_empty()) {
			if TcpListener::bind(("127.0.0.1", p)).is_ok() {
				cfg.rpc_port = p;
			}
		}
		if let Some(first) = nodes.first() {
			cfg.bootnodes = vec![first.multiaddr().await?];
		}
		let node = Node::start(cfg).await?;
		say(
			started,
			format!(
				"validator {name}: rpc {}  metrics http://127.0.0.1:{}/metrics  log {}",
				node.ws_url(),
				node.config.prometheus_port,
				dir.join(format!("{name}.log")).display()
			),
		);
		nodes.push(node);
	}
	nodes[0].wait_finalized(1).await?;
	say(started, "the chain finalizes");
	Ok(nodes)
}

/// Hold a TCP port in one namespace that leads to an address in another: the listener is
/// made in `listen_ns`, the connections to `to` in `connect_ns`. Until `stop`; at most 64
/// connections at a time.
fn bridge(
	listen_ns: File,
	listen: SocketAddr,
	connect_ns: File,
	to: SocketAddr,
	stop: Arc<AtomicBool>,
) -> Result<SocketAddr> {
	let (tx, rx) = std::sync::mpsc::channel();
	std::thread::spawn(move || {
		let setns = |f: &File| {
			// SAFETY: setns on a namespace fd; it moves only this thread.
			let r = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
			if r != 0 {
				return Err(anyhow!("setns: {}", std::io::Error::last_os_error()));
			}
			Ok(())
		};
		let bound = setns(&listen_ns)
			.and_then(|_| TcpListener::bind(listen).with_context(|| format!("binding {listen}")))
			.and_then(|l| setns(&connect_ns).map(|_| l));
		let listener = match bound {
			Ok(l) => l,
			Err(e) => return drop(tx.send(Err(e))),
		};
		let _ = tx.send(listener.local_addr().map_err(Into::into));
		let _ = listener.set_nonblocking(true);
		let open = Arc::new(AtomicUsize::new(0));
		while !stop.load(Ordering::Relaxed) {
			let (a, _) = match listener.accept() {
				Ok(x) => x,
				Err(e) if e.kind() == ErrorKind::WouldBlock => {
					std::thread::sleep(Duration::from_millis(50));
					continue;
				},
				Err(_) => continue,
			};
			if open.load(Ordering::Relaxed) >= 64 {
				continue;
			}
			let _ = a.set_nonblocking(false);
			// This thread is in `connect_ns`: the connection is made there.
			let Ok(b) = TcpStream::connect_timeout(&to, Duration::from_secs(5)) else { continue };
			open.fetch_add(1, Ordering::Relaxed);
			let (a2, b2) = match (a.try_clone(), b.try_clone()) {
				(Ok(a2), Ok(b2)) => (a2, b2),
				_ => {
					open.fetch_sub(1, Ordering::Relaxed);
					continue;
				},
			};
			let open2 = open.clone();
			std::thread::spawn(move || pipe(a, b2));
			std::thread::spawn(move || {
				pipe(b, a2);
				open2.fetch_sub(1, Ordering::Relaxed);
			});
		}
	});
	rx.recv().map_err(|_| anyhow!("the bridge thread died"))?
}

/// Copy `from` to `to` until either ends, then end both.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
	let mut buf = [0u8; 16 * 1024];
	while let Ok(n) = from.read(&mut buf) {
		if n == 0 || to.write_all(&buf[..n]).is_err() {
			break;
		}
	}
	let _ = from.shutdown(std::net::Shutdown::Both);
	let _ = to.shutdown(std::net::Shutdown::Both);
}

/// The running exchange. Dropping it stops the agents, removes the namespaces (and with
/// them every link and qdisc) and stops the nodes.
pub struct Devnet {
	/// Where the lab's configs, logs and status files are.
	pub lab: Lab,
	/// The validators, Alice first.
	pub nodes: Vec<Node>,
	/// A client of Alice's node.
	pub chain: Chain,
	/// Each router host's segment id.
	pub ids: BTreeMap<usize, SegmentId>,
	/// Each router host's operator.
	pub operators: BTreeMap<usize, Keypair>,
	/// The dashboards, as this machine reaches them.
	pub dashboards: BTreeMap<usize, SocketAddr>,
	/// When the devnet started.
	pub started: Instant,
	stop_bridges: Arc<AtomicBool>,
	stop_echo: Arc<AtomicBool>,
	echo: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Devnet {
	fn drop(&mut self) {
		self.stop_bridges.store(true, Ordering::Relaxed);
		self.stop_echo.store(true, Ordering::Relaxed);
		if let Some(e) = self.echo.take() {
			let _ = e.join();
		}
	}
}

/// The namespace this thread is in now.
fn this_netns() -> Result<File> {
	File::open("/proc/thread-self/ns/net").context("opening this thread's network namespace")
}

impl Devnet {
	/// Host `i` by its segment: "host 3".
	pub fn host_of(&self, segment: SegmentId) -> String {
		match self.ids.iter().find(|(_, s)| **s == segment) {
			Some((h, _)) => format!("host {h}"),
			None => format!("segment {segment}"),
		}
	}

	/// A path of segments, as hosts: "1 → 3 → 5".
	pub fn path(&self, path: &[SegmentId]) -> String {
		let host = |s: &SegmentId| {
			self.ids.iter().find(|(_, x)| *x == s).map_or(format!("s{s}"), |(h, _)| h.to_string())
		};
		path.iter().map(host).collect::<Vec<_>>().join(" → ")
	}

	/// Start the chain, the lab, the bridges and the agents; register the routers.
	pub async fn start(opts: &Options) -> Result<Devnet> {
		let started = Instant::now();
		std::fs::create_dir_all(&opts.dir)?;
		std::env::set_var("DITEX_RELAY_BIN", crate::relay_binary()?);
		let nodes = start_chain(&opts.dir, opts.rpc_port, started).await?;
		let chain = Chain::connect(&nodes[0].ws_url()).await?;

		let mut labdir = tempfile::Builder::new().prefix("lab-").tempdir_in(&opts.dir)?;
		labdir.disable_cleanup(true);
		let lab = Lab::in_dir("dn", 6, labdir);
		// Every link shaped: a token bucket per direction, with a short queue.
		for i in 1..=6 {
			for j in (1..=6).filter(|j| *j != i) {
				sh(&[
					"tc",
					"-n",
					&lab.ns(i),
					"qdisc",
					"add",
					"dev",
					&format!("v{j}"),
					"root",
					"tbf",
					"rate",
					LINK_RATE,
					"burst",
					"32kb",
					"latency",
					"50ms",
				])?;
			}
		}
		say(
			started,
			format!(
				"six hosts in network namespaces {} .. {}, every pair linked at {LINK_RATE} each way; files in {}",
				lab.ns(1),
				lab.ns(6),
				lab.dir.path().display()
			),
		);

		// The agents reach Alice's RPC at 127.0.0.1:9944 in their own namespaces; this
		// machine reaches their dashboards at 127.0.0.1:9901.. .
		let stop_bridges = Arc::new(AtomicBool::new(false));
		let root = this_netns()?;
		let rpc: SocketAddr = format!("127.0.0.1:{}", nodes[0].config.rpc_port).parse()?;
		let mut dashboards = BTreeMap::new();
		for i in 1..=5 {
			let ns = File::open(lab.ns_path(i))?;
			bridge(
				ns.try_clone()?,
				"127.0.0.1:9944".parse()?,
				root.try_clone()?,
				rpc,
				stop_bridges.clone(),
			)?;
			let wanted: SocketAddr = format!("127.0.0.1:{}", 9900 + i).parse()?;
			let local = bridge(
				root.try_clone()?,
				wanted,
				ns.try_clone()?,
				DASHBOARD.parse()?,
				stop_bridges.clone(),
			)
			.or_else(|_| {
				bridge(
					root.try_clone()?,
					"127.0.0.1:0".parse()?,
					ns,
					DASHBOARD.parse()?,
					stop_bridges.clone(),
				)
			})?;
			dashboards.insert(i, local);
		}

		// Each router registered by its own operator, at once.
		let mut operators = BTreeMap::new();
		let mut tasks = Vec::new();
		for (host, op, _) in ROUTERS {
			let op = ditex_ctl::signer(op)?;
			operators.insert(host, op.clone());
			let url = nodes[0].ws_url();
			tasks.push(tokio::spawn(async move {
				let chain = Chain::connect(&url).await?;
				let spec = segment_spec(host, endpoint(host), PRICE);
				anyhow::Ok((host, segment::register(&chain, &op, &spec).await?.0))
			}));
		}
		let mut ids = BTreeMap::new();
		for t in tasks {
			let (host, id) = t.await??;
			ids.insert(host, id);
		}
		let mut dn = Devnet {
			lab,
			nodes,
			chain,
			ids,
			operators,
			dashboards,
			started,
			stop_bridges,
			stop_echo: Arc::new(AtomicBool::new(false)),
			echo: None,
		};
		for (host, op, role) in ROUTERS {
			dn.say(format!(
				"host {host} ({role}): segment {} registered by {}, {} per GiB; dashboard http://{}/",
				dn.ids[&host],
				op.trim_start_matches("//"),
				dtx(PRICE),
				dn.dashboards[&host]
			));
		}

		// The destination echoes what it gets.
		let stop_echo = dn.stop_echo.clone();
		dn.echo = Some(dn.lab.in_host(6, move || {
			let s = UdpSocket::bind(DEST).expect("destination socket");
			s.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
			let mut buf = [0u8; 2048];
			while !stop_echo.load(Ordering::Relaxed) {
				if let Ok((n, from)) = s.recv_from(&mut buf) {
					let _ = s.send_to(&buf[..n], from);
				}
			}
		}));

		// The agents: the consumer forwards its application's port to the destination through
		// the egress, by whatever path its routing picks.
		let consumer = format!(
			"[consumer]\naccount = \"{CONSUMER}\"\nreceipt_key = \"0x{}\"\ndeposit = \"{DEPOSIT}\"\nmax_price_per_gib = \"{}\"\n",
			hex::encode([0x77u8; 32]),
			10 * PRICE
		);
		let c1 = dn.config(1, &consumer);
		let egress = dn.ids[&5].to_string();
		dn.lab.spawn_agent(
			1,
			&[
				"forward",
				"--config",
				path_str(&c1)?,
				"--local",
				LOCAL,
				"--to",
				DEST,
				"--egress",
				&egress,
			],
		);
		for host in 2..=5 {
			let extra = if host == 5 { "[exit]\nallow = [\"10.77.0.6/32\"]\n" } else { "" };
			let c = dn.config(host, extra);
			dn.lab.spawn_agent(host, &["run", "--config", path_str(&c)?]);
		}
		dn.say("agents started: host 1 forwards its application's port 5000 to the destination 10.77.0.6:7000 through host 5");
		dn.say(format!(
			"Polkadot.js apps: https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A{}#/explorer",
			dn.nodes[0].config.rpc_port
		));
		Ok(dn)
	}

	/// Print a line of what happens.
	pub fn say(&self, what: impl std::fmt::Display) {
		say(self.started, what);
	}

	/// Host `i`'s agent config; `extra` is appended.
	fn config(&self, i: usize, extra: &str) -> PathBuf {
		// Alice's RPC, bridged into every namespace; the dashboard on its default port.
		self.lab.chain_config(i, self.ids[&i], "ws://127.0.0.1:9944", 1000, extra)
	}

	/// The consumer's route to the egress, as its agent last wrote it.
	fn route(&self) -> Option<Vec<SegmentId>> {
		let s = self.lab.status(1)?;
		s.routes.into_iter().find(|r| r.dst == self.ids[&5]).map(|r| r.path)
	}
}

fn path_str(p: &Path) -> Result<&str> {
	p.to_str().ok_or_else(|| anyhow!("a non-UTF-8 path: {}", p.display()))
}

/// Run a command, failing with its output.
fn sh(args: &[&str]) -> Result<()> {
	let out = Command::new(args[0])
		.args(&args[1..])
		.output()
		.with_context(|| format!("running {}", args[0]))?;
	ensure!(
		out.status.success(),
		"{} failed: {}{}",
		args.join(" "),
		String::from_utf8_lossy(&out.stdout),
		String::from_utf8_lossy(&out.stderr)
	);
	Ok(())
}

// ---- what the chain says ----

#[derive(Debug, scale_decode::DecodeAsType)]
struct ChannelOpened {
	channel: u64,
	consumer: [u8; 32],
	path: Vec<u32>,
	deposit: u128,
}
#[derive(Debug, scale_decode::DecodeAsType)]
struct ToppedUp {
	channel: u64,
	amount: u128,
}
#[derive(Debug, scale_decode::DecodeAsType)]
struct ChannelClosed {
	channel: u64,
	refund_at: u32,
}
#[derive(Debug, scale_decode::DecodeAsType)]
struct ChannelRefunded {
	channel: u64,
	refunded: u128,
}
#[derive(Debug, scale_decode::DecodeAsType)]
struct TicketAccepted {
	segment: u32,
	epoch: u32,
	channels: u32,
}
#[derive(Debug, scale_decode::DecodeAsType)]
struct TicketRejected {
	segment: u32,
}
/// `Tickets.RelayPaid`.
#[derive(Debug, Clone, scale_decode::DecodeAsType)]
pub struct RelayPaid {
	pub channel: u64,
	pub segment: u32,
	pub hop: u8,
	pub bytes: u64,
	pub amount: u128,
	pub fee: u128,
}

/// What the chain did with the consumer's channels, from the finalized blocks' events.
#[derive(Default, Debug)]
pub struct Ledger {
	/// Channel → path, and everything held for it.
	pub opened: BTreeMap<ChannelId, (Vec<SegmentId>, u128)>,
	/// Channel → the block whose start refunds it.
	pub closed: BTreeMap<ChannelId, u32>,
	/// Channel → (the block it was refunded in, what returned).
	pub refunded: BTreeMap<ChannelId, (H256, u128)>,
	/// Every payment of a relay from the consumer's channels.
	pub paid: Vec<(H256, RelayPaid)>,
	/// Blocks read so far.
	pub last: u32,
	/// What has been told of the agents' status files.
	seen: Seen,
}

impl Devnet {
	/// Read the blocks finalized since the last call, tell what happened in them and keep
	/// what concerns the consumer's channels.
	async fn follow_chain(&self, ledger: &mut Ledger) -> Result<()> {
		let head = self.chain.finalized_number().await?;
		let consumer = ditex_ctl::signer(CONSUMER)?.public_key().0;
		while ledger.last < head {
			let n = ledger.last + 1;
			let hash: H256 = self
				.chain
				.request::<Option<H256>>("chain_getBlockHash", rpc_params![n])
				.await?
				.ok_or_else(|| anyhow!("no block #{n}"))?;
			let events = self.chain.api.at_block(hash).await?.events().fetch().await?;
			for e in events.iter() {
				let e = e?;
				match (e.pallet_name(), e.event_name()) {
					("Escrow", "ChannelOpened") => {
						let o: ChannelOpened = e.decode_fields_unchecked_as()?;
						if o.consumer != consumer {
							continue;
						}
						self.say(format!(
							"chain #{n}: the consumer's channel {} opened over {}, {} held",
							o.channel,
							self.path(&o.path),
							dtx(o.deposit)
						));
						ledger.opened.insert(o.channel, (o.path, o.deposit));
					},
					("Escrow", "ToppedUp") => {
						let t: ToppedUp = e.decode_fields_unchecked_as()?;
						if let Some((_, held)) = ledger.opened.get_mut(&t.channel) {
							*held += t.amount;
							self.say(format!(
								"chain #{n}: channel {} topped up by {}",
								t.channel,
								dtx(t.amount)
							));
						}
					},
					("Escrow", "ChannelClosed") => {
						let c: ChannelClosed = e.decode_fields_unchecked_as()?;
						if ledger.opened.contains_key(&c.channel) {
							self.say(format!(
								"chain #{n}: channel {} closed; it is settled and refunded at block #{}",
								c.channel, c.refund_at
							));
							ledger.closed.insert(c.channel, c.refund_at);
						}
					},
					("Escrow", "ChannelRefunded") => {
						let r: ChannelRefunded = e.decode_fields_unchecked_as()?;
						if ledger.opened.contains_key(&r.channel) {
							self.say(format!(
								"chain #{n}: channel {} ended: {} of its deposit returned to the consumer",
								r.channel,
								dtx(r.refunded)
							));
							ledger.refunded.insert(r.channel, (hash, r.refunded));
						}
					},
					("Tickets", "TicketAccepted") => {
						let t: TicketAccepted = e.decode_fields_unchecked_as()?;
						if t.channels > 0 {
							self.say(format!(
								"chain #{n}: {}'s ticket for epoch {} accepted ({} channel{})",
								self.host_of(t.segment),
								t.epoch,
								t.channels,
								if t.channels == 1 { "" } else { "s" }
							));
						}
					},
					("Tickets", "TicketRejected") => {
						let t: TicketRejected = e.decode_fields_unchecked_as()?;
						self.say(format!(
							"chain #{n}: {}'s ticket REJECTED",
							self.host_of(t.segment)
						));
					},
					("Tickets", "RelayPaid") => {
						let p: RelayPaid = e.decode_fields_unchecked_as()?;
						if ledger.opened.contains_key(&p.channel) {
							self.say(format!(
								"chain #{n}: {} paid {} for {} it carried on channel {} ({} fee to the pools)",
								self.host_of(p.segment),
								dtx(p.amount),
								size(p.bytes),
								p.channel,
								dtx(p.fee)
							));
							ledger.paid.push((hash, p));
						}
					},
					_ => {},
				}
			}
			ledger.last = n;
		}
		Ok(())
	}
}

// ---- what the agents say ----

/// What the devnet has told so far of the agents' status files.
#[derive(Default, Debug)]
struct Seen {
	route: Option<Vec<SegmentId>>,
	refused: BTreeMap<usize, u64>,
	pending: BTreeMap<usize, u128>,
	detours: u64,
	returns: u64,
	reverted: u64,
}

impl Devnet {
	/// Tell what changed in the agents' status files.
	fn follow_agents(&self, seen: &mut Seen) {
		let direct = vec![self.ids[&1], self.ids[&5]];
		if let Some(route) = self.route() {
			if seen.route.as_ref() != Some(&route) {
				let why = self.lab.status(1).and_then(|s| {
					s.links
						.into_iter()
						.find(|l| l.from == self.ids[&1] && l.to == self.ids[&5])
						.map(|l| {
							format!(
								"one-way latency {:+.1} ms from its baseline, loss {:.1}%",
								(l.latency_us - l.baseline_us) as f64 / 1e3,
								l.loss_ppm as f64 / 1e4
							)
						})
				});
				let why = why.map_or(String::new(), |w| format!(" (direct link 1 → 5: {w})"));
				match (&seen.route, route == direct) {
					(None, _) => self.say(format!(
						"the consumer's route to the egress: {}{why}",
						self.path(&route)
					)),
					(Some(_), false) => {
						seen.detours += 1;
						self.say(format!(
							"the consumer's traffic moved to the detour {}{why}",
							self.path(&route)
						));
					},
					(Some(_), true) => {
						seen.returns += 1;
						self.say(format!(
							"the consumer's traffic is back on the direct path {}{why}",
							self.path(&route)
						));
					},
				}
				seen.route = Some(route);
			}
		}
		let reverted = self.lab.status(1).map_or(0, |s| s.detours_reverted);
		if reverted > seen.reverted {
			seen.reverted = reverted;
			self.say(format!(
				"the consumer's agent left a detour that delivered worse than its relays claimed ({reverted} so far); see {}",
				self.lab.log_path(1).display()
			));
		}
		for (host, _, _) in ROUTERS {
			let Some(p) = self.lab.status(host).and_then(|s| s.paid) else { continue };
			let was = seen.refused.insert(host, p.tickets_refused).unwrap_or(0);
			if p.tickets_refused > was {
				self.say(format!(
					"host {host}'s agent: a ticket was refused: {}",
					p.last_refusal.unwrap_or_default()
				));
			}
			let pending = p.pending.parse::<u128>().unwrap_or(0);
			let was = seen.pending.insert(host, pending).unwrap_or(0);
			if pending > was {
				self.say(format!(
					"host {host}'s agent: {} earned, to be paid at settlement",
					dtx(pending)
				));
			}
		}
	}
}

// ---- the scenario ----

/// What the consumer's application saw.
#[derive(Clone, Copy, Debug, Default)]
pub struct Traffic {
	/// Datagrams sent.
	pub sent: u64,
	/// Echoes received.
	pub echoed: u64,
	/// Times the route left the direct path, and came back.
	pub detours: u64,
	pub returns: u64,
	/// Detours the consumer's agent left because their end-to-end check failed (none, with
	/// honest relays).
	pub reverted: u64,
}

/// One hop of one channel in the summary.
#[derive(Clone, Debug)]
pub struct HopRow {
	pub channel: ChannelId,
	pub hop: u8,
	pub host: usize,
	pub segment: SegmentId,
	/// The bytes the chain's evidence makes payable: forwarded, within the receipt and what
	/// the downstream acknowledged (its ack or its own report).
	pub acknowledged: u64,
	/// What the chain paid for, in its last settlement.
	pub paid_bytes: u64,
	/// Paid to the operator, and to the pools, over the channel's life.
	pub amount: u128,
	pub fee: u128,
	/// What price × acknowledged bytes comes to.
	pub owed: u128,
}

impl HopRow {
	/// Paid exactly what its downstream acknowledged, the fee split off.
	pub fn exact(&self) -> bool {
		self.paid_bytes == self.acknowledged
			&& self.amount + self.fee == self.owed
			&& self.fee == self.owed * 5 / 100
	}
}

/// One of the consumer's channels in the summary.
#[derive(Clone, Debug)]
pub struct ChannelRow {
	pub id: ChannelId,
	pub path: Vec<SegmentId>,
	/// Held for it, top-ups included.
	pub held: u128,
	/// Paid out of it, fees included.
	pub spent: u128,
	/// Returned to the consumer.
	pub refunded: u128,
	/// The block it was settled and refunded in.
	pub block: H256,
}

/// What the devnet shows at the end.
#[derive(Clone, Debug)]
pub struct Summary {
	pub traffic: Traffic,
	pub hops: Vec<HopRow>,
	pub channels: Vec<ChannelRow>,
	/// The settlement fees, and what the pools received of them (validators, dividend).
	pub fees: u128,
	pub validator_fees: u128,
	pub dividend_fees: u128,
	/// Every fee split into the pools gave the validators a quarter (rounded down).
	pub split_quarter: bool,
	/// Each settling block's pool growth, less its subsidy, matched the fees received in
	/// it (`None` where an era ended in the block and paid the pools out).
	pub pools_match: Vec<Option<bool>>,
	/// Bytes relays between the ingress and the egress were paid for.
	pub detour_bytes: u64,
	/// The first and last block the summary covers.
	pub blocks: (u32, u32),
}

impl Summary {
	/// Rerouted, back, every relay paid exactly, every deposit accounted for, the pools
	/// grown by the fee split.
	pub fn ok(&self) -> bool {
		self.traffic.detours > 0
			&& self.traffic.returns > 0
			&& self.traffic.reverted == 0
			&& self.detour_bytes > 0
			&& !self.hops.is_empty()
			&& self.hops.iter().all(HopRow::exact)
			&& self.channels.iter().all(|c| c.held == c.spent + c.refunded)
			&& self.validator_fees + self.dividend_fees == self.fees
			&& self.split_quarter
			&& self.pools_match.iter().all(|m| *m != Some(false))
	}

	/// The summary as a table, with a verdict per line.
	pub fn table(&self, dn: &Devnet) -> String {
		let mut t = String::new();
		let mark = |b: bool| if b { "yes" } else { "NO" };
		t += &format!(
			"traffic: {} datagrams sent, {} echoed; moved to a detour {} time(s), back on the direct path {} time(s); detours failing their end-to-end check: {}\n\n",
			self.traffic.sent, self.traffic.echoed, self.traffic.detours, self.traffic.returns, self.traffic.reverted
		);
		t += &format!(
			"{:<8} {:<14} {:<4} {:<8} {:>12} {:>12} {:>22} {:>20} {:>6}\n",
			"channel",
			"path",
			"hop",
			"router",
			"acknowledged",
			"paid for",
			"paid to the operator",
			"fee to the pools",
			"exact"
		);
		for h in &self.hops {
			let path = self
				.channels
				.iter()
				.find(|c| c.id == h.channel)
				.map_or(String::new(), |c| dn.path(&c.path));
			t += &format!(
				"{:<8} {:<14} {:<4} {:<8} {:>12} {:>12} {:>22} {:>20} {:>6}\n",
				h.channel,
				path,
				h.hop,
				format!("host {}", h.host),
				size(h.acknowledged),
				size(h.paid_bytes),
				dtx(h.amount),
				dtx(h.fee),
				mark(h.exact())
			);
		}
		t += "\n";
		for c in &self.channels {
			t += &format!(
				"channel {}: {} held, {} paid out, {} returned to the consumer: {}\n",
				c.id,
				dtx(c.held),
				dtx(c.spent),
				dtx(c.refunded),
				mark(c.held == c.spent + c.refunded)
			);
		}
		t += &format!(
			"pools: {} of settlement fees, {} to the validators and {} to the dividend pool; pool balances grew by that (besides the block subsidy): {}\n",
			dtx(self.fees),
			dtx(self.validator_fees),
			dtx(self.dividend_fees),
			match self.pools_match.iter().all(|m| *m == Some(true)) {
				true => "yes".to_string(),
				false if self.pools_match.iter().all(|m| *m != Some(false)) => "yes (an era ended in a settling block; its events checked)".to_string(),
				false => "NO".to_string(),
			}
		);
		t += &format!(
			"rerouted: {}; relays on the detour paid for {}; everyone paid exactly: {}\n",
			mark(self.traffic.detours > 0 && self.traffic.returns > 0),
			size(self.detour_bytes),
			mark(self.ok())
		);
		t
	}
}

/// `Rewards.FeesReceived`.
#[derive(Debug, scale_decode::DecodeAsType)]
struct FeesReceived {
	validator: u128,
	dividend: u128,
}

impl Devnet {
	/// Send the consumer's traffic; congest its direct link on a schedule: healthy for 30 s,
	/// congested until 45 s before the end (or for 75 s of every 120 s without an end), then
	/// healthy again. Returns what the application saw.
	pub async fn traffic(
		&self,
		length: Option<Duration>,
		stop: &AtomicBool,
		ledger: &mut Ledger,
	) -> Result<Traffic> {
		let stop_app = Arc::new(AtomicBool::new(false));
		let (sent, echoed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
		let app = {
			let (stop, sent, echoed) = (stop_app.clone(), sent.clone(), echoed.clone());
			self.lab.in_host(1, move || {
				let s = UdpSocket::bind("127.0.0.1:0").unwrap();
				s.set_read_timeout(Some(Duration::from_millis(1000 / APP_RATE))).unwrap();
				let mut buf = [0u8; 2048];
				let mut seq = 0u64;
				// Bounded: stops on the flag, and after a day whatever happens.
				while !stop.load(Ordering::Relaxed) && seq < APP_RATE * 86_400 {
					// About a kilobyte each: the channels carry something worth paying for.
					let mut d = [0u8; 1000];
					d[..8].copy_from_slice(&seq.to_be_bytes());
					let _ = s.send_to(&d, LOCAL);
					seq += 1;
					sent.store(seq, Ordering::Relaxed);
					while let Ok(n) = s.recv(&mut buf) {
						if n == 1000 {
							echoed.fetch_add(1, Ordering::Relaxed);
						}
					}
				}
			})
		};
		// The consumer's agent opens its first channel by itself.
		let t0 = Instant::now();
		while echoed.load(Ordering::Relaxed) == 0 {
			ensure!(
				t0.elapsed() < Duration::from_secs(180),
				"no echo within 180 s: see {}",
				self.lab.log_path(1).display()
			);
			if stop.load(Ordering::Relaxed) {
				break;
			}
			self.follow_agents(&mut ledger.seen);
			self.follow_chain(ledger).await?;
			tokio::time::sleep(Duration::from_secs(1)).await;
		}
		self.say("the consumer's application gets its echoes: the paid flow is up");

		let begun = Instant::now();
		let mut flood: Option<(Arc<AtomicBool>, std::thread::JoinHandle<u64>)> = None;
		let mut last_report = Instant::now();
		loop {
			let t = begun.elapsed();
			let done = length.is_some_and(|l| t >= l) || stop.load(Ordering::Relaxed);
			let congested = !done
				&& match length {
					Some(l) => t >= Duration::from_secs(30) && t + Duration::from_secs(45) < l,
					None => t.as_secs() % 120 >= 30 && t.as_secs() % 120 < 105,
				};
			match (congested, flood.is_some()) {
				(true, false) => {
					self.say(format!(
						"a bulk transfer from host 1 to host 5 now fills their direct link ({} of {LINK_RATE})",
						FLOOD_BITS_PER_S as f64 / 1e6
					));
					let halt = Arc::new(AtomicBool::new(false));
					flood = Some((halt.clone(), self.flood(halt)));
				},
				(false, true) => {
					let (halt, h) = flood.take().expect("a flood");
					halt.store(true, Ordering::Relaxed);
					let n = h.join().unwrap_or(0);
					self.say(format!(
						"the bulk transfer ended ({} sent): the direct link is free again",
						size(n * 1200)
					));
				},
				_ => {},
			}
			if done {
				break;
			}
			self.follow_agents(&mut ledger.seen);
			self.follow_chain(ledger).await?;
			if last_report.elapsed() >= Duration::from_secs(30) {
				last_report = Instant::now();
				self.say(format!(
					"the application: {} datagrams sent, {} echoed",
					sent.load(Ordering::Relaxed),
					echoed.load(Ordering::Relaxed)
				));
			}
			tokio::time::sleep(Duration::from_secs(1)).await;
		}
		stop_app.store(true, Ordering::Relaxed);
		let _ = app.join();
		self.follow_agents(&mut ledger.seen);
		Ok(Traffic {
			sent: sent.load(Ordering::Relaxed),
			echoed: echoed.load(Ordering::Relaxed),
			detours: ledger.seen.detours,
			returns: ledger.seen.returns,
			reverted: ledger.seen.reverted,
		})
	}

	/// A bulk transfer from host 1 to host 5 on their direct link at [`FLOOD_BITS_PER_S`],
	/// until `halt`; returns the datagrams sent.
	fn flood(&self, halt: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
		self.lab.in_host(1, move || {
			let s = UdpSocket::bind("10.77.0.1:0").expect("flood socket");
			let junk = [0u8; 1200];
			let per_s = FLOOD_BITS_PER_S / (8 * 1200);
			let start = Instant::now();
			let mut sent = 0u64;
			// Bounded: stops on the flag, and after an hour whatever happens.
			while !halt.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(3600) {
				let due = (start.elapsed().as_secs_f64() * per_s as f64) as u64;
				while sent < due {
					let _ = s.send_to(&junk, "10.77.0.5:9");
					sent += 1;
				}
				std::thread::sleep(Duration::from_millis(2));
			}
			sent
		})
	}

	/// Wait for the routers' last tickets, stop the agents, close the consumer's channels and
	/// wait until each is settled and refunded; then check every payment against the chain's
	/// evidence.
	pub async fn settle(&self, traffic: Traffic, ledger: &mut Ledger) -> Result<Summary> {
		let first_block = 1;
		// The last receipts and acks travel for a few seconds after the last datagram.
		tokio::time::sleep(Duration::from_secs(10)).await;
		self.say("the traffic stopped; waiting until the chain holds what every router carried");
		let t0 = Instant::now();
		loop {
			self.follow_chain(ledger).await?;
			self.follow_agents(&mut ledger.seen);
			let Some(missing) = self.chain_lags().await? else { break };
			ensure!(
				t0.elapsed() < Duration::from_secs(240),
				"the last tickets did not land within 240 s: {missing}"
			);
			tokio::time::sleep(Duration::from_secs(2)).await;
		}
		for (h, _, _) in ROUTERS {
			if let Some(pid) = self.lab.pid(h) {
				// SAFETY: kill on a child's pid.
				unsafe { libc::kill(pid as i32, libc::SIGTERM) };
			}
		}
		self.say("agents stopped; the consumer closes its channels (ditex-relay channel close)");
		let channels: Vec<ChannelId> = ledger.opened.keys().copied().collect();
		ensure!(!channels.is_empty(), "the consumer opened no channel");
		let cfg = self.lab.dir.path().join("host1.toml");
		for id in &channels {
			let out = Command::new("ip")
				.args(["netns", "exec", &self.lab.ns(1)])
				.arg(crate::relay_binary()?)
				.args(["channel", "--config", path_str(&cfg)?, "close", &id.to_string()])
				.output()?;
			ensure!(
				out.status.success(),
				"closing channel {id} failed: {}",
				String::from_utf8_lossy(&out.stderr)
			);
		}
		let t0 = Instant::now();
		while !channels.iter().all(|c| ledger.refunded.contains_key(c)) {
			ensure!(
				t0.elapsed() < Duration::from_secs(240),
				"the channels were not refunded within 240 s"
			);
			self.follow_chain(ledger).await?;
			tokio::time::sleep(Duration::from_secs(1)).await;
		}

		// Each channel's last settlement against the evidence the chain held just before it.
		let mut hops = Vec::new();
		let mut rows = Vec::new();
		let mut blocks = BTreeSet::new();
		let mut detour_bytes = 0;
		for id in &channels {
			let (block, refunded) = ledger.refunded[id];
			blocks.insert(block);
			let parent = crate::parent_hash(&self.chain.rpc, block).await?;
			let ch: ditex_ctl::channel::ChannelView = self
				.chain
				.runtime_call::<Option<_>>("SettlementApi_channel", id, Some(parent))
				.await?
				.ok_or_else(|| anyhow!("channel {id} unknown before its refund"))?;
			let mut claims = Vec::new();
			for h in ch.hops.iter() {
				claims.push(
					self.chain
						.runtime_call::<Option<Claim<u128>>>(
							"SettlementApi_claim",
							&(h.segment, *id),
							Some(parent),
						)
						.await?,
				);
			}
			// As reported: the final settlement checks the signatures (the agents' all hold).
			let receipt = claims.iter().flatten().map(|c| c.reported_receipt()).max().unwrap_or(0);
			let mut spent = 0;
			for (i, terms) in ch.hops.iter().enumerate() {
				let Some(c) = &claims[i] else { continue };
				// What the downstream acknowledged: its signed ack or its own report.
				let acknowledged = match claims.get(i + 1) {
					None => c.bytes_out.min(receipt),
					Some(down) => {
						let acked = c.reported_ack();
						let received =
							down.as_ref().map(|d| d.bytes_in).max((acked > 0).then_some(acked));
						c.bytes_out.min(receipt).min(received.unwrap_or(0))
					},
				};
				let mine: Vec<&RelayPaid> = ledger
					.paid
					.iter()
					.filter(|(_, p)| p.channel == *id && p.hop as usize == i)
					.map(|(_, p)| p)
					.collect();
				let row = HopRow {
					channel: *id,
					hop: i as u8,
					host: self
						.ids
						.iter()
						.find(|(_, s)| **s == terms.segment)
						.map_or(0, |(h, _)| *h),
					segment: terms.segment,
					acknowledged,
					paid_bytes: mine.iter().map(|p| p.bytes).max().unwrap_or(0),
					amount: mine.iter().map(|p| p.amount).sum(),
					fee: mine.iter().map(|p| p.fee).sum(),
					owed: terms.price_per_gib * u128::from(acknowledged) / GIB,
				};
				if i > 0 && i + 1 < ch.hops.len() {
					detour_bytes += row.paid_bytes;
				}
				spent += row.amount + row.fee;
				hops.push(row);
			}
			rows.push(ChannelRow {
				id: *id,
				path: ledger.opened[id].0.clone(),
				held: ledger.opened[id].1,
				spent,
				refunded,
				block,
			});
		}

		// The pools grew by the fees, a quarter to the validators, besides the blocks' subsidy.
		let (mut validator_fees, mut dividend_fees) = (0, 0);
		let mut pools_match = Vec::new();
		let mut split_quarter = true;
		for block in &blocks {
			let events = self.chain.api.at_block(*block).await?.events().fetch().await?;
			let (mut v, mut d, mut sv, mut sd) = (0u128, 0u128, 0, 0);
			for e in events.iter() {
				let e = e?;
				match (e.pallet_name(), e.event_name()) {
					("Rewards", "FeesReceived") => {
						let f: FeesReceived = e.decode_fields_unchecked_as()?;
						split_quarter &= f.validator == (f.validator + f.dividend) / 4;
						v += f.validator;
						d += f.dividend;
					},
					("Rewards", "SubsidyMinted") => {
						let s: crate::SubsidyMinted = e.decode_fields_unchecked_as()?;
						sv += s.validator;
						sd += s.dividend;
					},
					_ => {},
				}
			}
			validator_fees += v;
			dividend_fees += d;
			let parent = crate::parent_hash(&self.chain.rpc, *block).await?;
			let (p0, p1) = (self.pools(parent).await?, self.pools(*block).await?);
			pools_match.push((p0.current_era == p1.current_era).then(|| {
				p1.validator.balance - p0.validator.balance == v + sv
					&& p1.dividend.balance - p0.dividend.balance == d + sd
			}));
		}
		let last = ledger.last;
		Ok(Summary {
			traffic,
			fees: hops.iter().map(|h| h.fee).sum(),
			hops,
			channels: rows,
			validator_fees,
			dividend_fees,
			split_quarter,
			pools_match,
			detour_bytes,
			blocks: (first_block, last),
		})
	}

	/// What the routers' latest tickets on the chain do not claim yet of what they carried on
	/// each channel, with the largest receipt and ack their agents hold; `None`: nothing.
	async fn chain_lags(&self) -> Result<Option<String>> {
		for (host, _, _) in ROUTERS {
			let Some(p) = self.lab.status(host).and_then(|s| s.paid) else { continue };
			for c in p.carried {
				let claim: Option<Claim<u128>> = self
					.chain
					.runtime_call("SettlementApi_claim", &(self.ids[&host], c.id), None)
					.await?;
				let lags = claim.as_ref().is_none_or(|claim| {
					claim.bytes_in != c.bytes_in
						|| claim.bytes_out != c.bytes_out
						|| claim.reported_receipt() < c.receipt.unwrap_or(0)
						|| claim.reported_ack() < c.ack.unwrap_or(0)
				});
				if lags {
					return Ok(Some(format!(
						"host {host} carried {c:?} on channel {}, the chain holds {claim:?}",
						c.id
					)));
				}
			}
		}
		Ok(None)
	}

	async fn pools(&self, at: H256) -> Result<pallet_rewards_runtime_api::Pools<[u8; 32], u128>> {
		self.chain.runtime_call("RewardsApi_pools", &(), Some(at)).await
	}
}

/// The whole main job: start, carry traffic, settle, summarise. Returns the devnet (still
/// running, for a test to look at the chain) and the summary (`None` when stopped early).
pub async fn run(opts: &Options) -> Result<(Devnet, Option<Summary>)> {
	let dn = Devnet::start(opts).await?;
	let mut ledger = Ledger::default();
	let traffic = dn.traffic(opts.traffic, &opts.stop, &mut ledger).await?;
	if opts.stop.load(Ordering::Relaxed) {
		return Ok((dn, None));
	}
	let summary = dn.settle(traffic, &mut ledger).await?;
	Ok((dn, Some(summary)))
}

/// Without root: the chain and four agents on loopback that find each other and pulse; no
/// links to shape, so no congestion, no detour and no payments.
pub async fn run_loopback(opts: &Options) -> Result<()> {
	let started = Instant::now();
	std::fs::create_dir_all(&opts.dir)?;
	let nodes = start_chain(&opts.dir, opts.rpc_port, started).await?;
	let chain = Chain::connect(&nodes[0].ws_url()).await?;
	/// The agents, stopped however this function ends.
	struct Agents(Vec<std::process::Child>);
	impl Drop for Agents {
		fn drop(&mut self) {
			for c in &mut self.0 {
				let _ = c.kill();
				let _ = c.wait();
			}
		}
	}
	let mut children = Agents(Vec::new());
	let mut ids = Vec::new();
	for (host, op, _) in &ROUTERS[..4] {
		let addr: SocketAddr = format!("127.0.0.1:{}", 51820 + host).parse()?;
		let spec = segment_spec(*host, addr, PRICE);
		let id = segment::register(&chain, &ditex_ctl::signer(op)?, &spec).await?.0;
		ids.push((*host, id, addr));
	}
	for (host, id, addr) in &ids {
		let status = opts.dir.join(format!("relay{host}.status.json"));
		let cfg = opts.dir.join(format!("relay{host}.toml"));
		std::fs::write(
			&cfg,
			format!(
				"[agent]\nid = {id}\nsecret_key = \"0x{}\"\nlisten = \"{addr}\"\nstatus_file = \"{}\"\nstate_file = \"{}\"\n\n\
				 # Every relay of this devnet is on 127.0.0.1.\n[net]\ntest_bed = true\n\n[dashboard]\nlisten = \"127.0.0.1:{}\"\n\n\
				 [chain]\nurl = \"{}\"\nticket_key = \"0x{}\"\n",
				hex::encode(secret(*host).to_bytes()),
				status.display(),
				opts.dir.join(format!("relay{host}.accounting.json")).display(),
				9900 + host,
				nodes[0].ws_url(),
				hex::encode(ticket_secret(*host)),
			),
		)?;
		children.0.push(crate::spawn_relay(&cfg, &opts.dir.join(format!("relay{host}.log")))?);
		say(
			started,
			format!(
				"relay {host}: segment {id} on {addr}; dashboard http://127.0.0.1:{}/",
				9900 + host
			),
		);
	}
	say(
		started,
		format!(
			"Polkadot.js apps: https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A{}#/explorer",
			nodes[0].config.rpc_port
		),
	);
	let t0 = Instant::now();
	while !opts.stop.load(Ordering::Relaxed) && opts.traffic.is_none_or(|d| t0.elapsed() < d) {
		tokio::time::sleep(Duration::from_secs(10)).await;
		let s = Status::read(&opts.dir.join("relay1.status.json")).ok();
		if let Some(s) = s {
			say(
				started,
				format!(
					"relay 1: {} pulses sent, {} received, {} links of its group measured",
					s.pulses_sent,
					s.pulses_received,
					s.links.len()
				),
			);
		}
	}
	drop(children);
	if opts.traffic.is_some() {
		bail!("without root there are no namespaces: nothing was rerouted and nobody was paid");
	}
	Ok(())
}
