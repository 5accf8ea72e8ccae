//! The I/O shell: one tokio task that owns the sockets, the TUN device and the timers, feeds
//! the sans-IO core ([`Dataplane`], [`Pulses`], [`Router`]) and carries out what it returns.
//!
//! Everything stateful that matters lives in the core; the shell only moves bytes, keeps the
//! address maps of the ingress and egress modes, and writes the status file.

pub mod chain;
pub mod paid;
pub mod status;
pub mod submit;
pub mod tc;
pub mod tun;
pub mod udp;
pub mod web;

use std::{
	collections::{BTreeMap, BTreeSet, HashMap},
	net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
	sync::Arc,
	time::{Duration, SystemTime},
};

use anyhow::Context as _;
use ditex_primitives::{
	registry::SegmentId,
	settlement::ChannelId,
	wire::{peek_kind, FlowId, Header, Kind},
	Hash,
};
use rand_core::{OsRng, RngCore};
use tokio::{net::UdpSocket, sync::mpsc, task::JoinHandle};

use crate::{
	accounting::{Accounting, AccountingError},
	channel::Channels,
	config::Config,
	dataplane::{Action, Charge, Dataplane, DropReason, HEADROOM, TAILROOM},
	egress::{self as exit, ExitPolicy, LeaseError, Leases, TunClients},
	pulse::{PulseView, Pulses},
	registry::ViewGate,
	resolve::Resolver,
	routing::{EvalGate, Relay, Router},
	wire::Inner,
};
use chain::{ChainEvent, Lookup};
use paid::Paid;
use status::ChainStatus;
use udp::{recv_batch, send_batch, RecvMeta, MAX_DATAGRAM};

/// Most port-forward clients and egress flows kept at once.
const MAX_MAPPINGS: usize = 4096;
/// Most exit flows (each a socket) one ingress may hold; past it, its least recently used goes.
const EXITS_PER_INGRESS: usize = 256;
/// The accounting snapshot is written at most this often (and at shutdown).
const SAVE_EVERY: Duration = Duration::from_secs(5);
/// A warning that could repeat every interval is logged at most this often.
const LOG_EVERY_US: u64 = 60_000_000;

/// Rate limit of warnings that would otherwise repeat every tick or every packet: one line per
/// key per [`LOG_EVERY_US`], which says how many were not logged.
#[derive(Default)]
struct LogLimit {
	last_us: HashMap<&'static str, (u64, u64)>,
}

impl LogLimit {
	fn due(&mut self, key: &'static str, now_us: u64) -> Option<u64> {
		let (last, unlogged) = self.last_us.entry(key).or_insert((0, 0));
		if *last != 0 && now_us >= *last && now_us - *last < LOG_EVERY_US {
			*unlogged += 1;
			return None;
		}
		*last = now_us.max(1);
		Some(std::mem::take(unlogged))
	}
}

/// File descriptors kept free of exit sockets: state and status files, the TUN device, the
/// chain client, the runtime.
const FD_RESERVE: u64 = 256;
/// Idle mappings are forgotten after this long.
const IDLE: Duration = Duration::from_secs(120);
/// A channel the chain did not have is looked up again after this long (it may have been
/// opened a block after the node's answer).
const CHANNEL_MISSING_TTL: Duration = Duration::from_secs(6);
/// Routing's probes ride a paid channel only if this agent's own traffic went that way within
/// this long (µs).
const PROBE_IDLE_US: u64 = 5_000_000;

/// The port-forward ingress: datagrams to `local` go to `to`, leaving through `egress`.
#[derive(Clone, Debug)]
pub struct ForwardSpec {
	/// Where local applications send.
	pub local: SocketAddr,
	/// Where the egress delivers.
	pub to: SocketAddr,
	/// The egress segment.
	pub egress: SegmentId,
	/// The relays to go through, in order; empty: the route the router chooses.
	pub via: Vec<SegmentId>,
}

/// How to run.
#[derive(Clone, Debug, Default)]
pub struct Options {
	/// Also act as a port-forward ingress.
	pub forward: Option<ForwardSpec>,
	/// Stop by itself after this long (tests and benchmarks).
	pub run_for: Option<Duration>,
}

/// Wall-clock microseconds: pulses stamp and compare it (relative latency needs no sync), the
/// availability windows are hours of it, and the status reports times in it. Never a timer.
pub fn wall_us() -> u64 {
	SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

/// Where [`mono_us`] starts: far enough from zero that "never" (0) is long ago for every
/// timer from the first tick on.
const MONO_BASE_US: u64 = 1 << 40;

/// Monotonic microseconds since the process started (plus [`MONO_BASE_US`]): the clock of every
/// timer (flow and exit expiry, pulse loss and silence, rounds, rate limits, saves). A step of
/// the wall clock (NTP, a resumed VM, a wrong RTC at boot) moves none of them.
pub fn mono_us() -> u64 {
	static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
	let start = *START.get_or_init(std::time::Instant::now);
	MONO_BASE_US.saturating_add(start.elapsed().as_micros() as u64)
}

/// This host's interface addresses (`getifaddrs`): segments registered on them are refused
/// and the exit never delivers to them, outside a test bed. Empty if the call fails.
pub fn host_addrs() -> Vec<IpAddr> {
	let mut out = Vec::new();
	let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
	// SAFETY: getifaddrs fills `head` with a list we free below with freeifaddrs.
	if unsafe { libc::getifaddrs(&mut head) } != 0 {
		tracing::warn!(error = %std::io::Error::last_os_error(), "listing this host's addresses failed");
		return out;
	}
	let mut p = head;
	while !p.is_null() {
		// SAFETY: `p` is a node of the list getifaddrs returned, not yet freed.
		let ifa = unsafe { &*p };
		if !ifa.ifa_addr.is_null() {
			// SAFETY: ifa_addr points to a sockaddr whose family says its real type.
			match i32::from(unsafe { (*ifa.ifa_addr).sa_family }) {
				libc::AF_INET => {
					// SAFETY: an AF_INET address is a sockaddr_in.
					let sin = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in) };
					out.push(IpAddr::from(u32::from_be(sin.sin_addr.s_addr).to_be_bytes()));
				},
				libc::AF_INET6 => {
					// SAFETY: an AF_INET6 address is a sockaddr_in6.
					let sin6 = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in6) };
					out.push(IpAddr::from(sin6.sin6_addr.s6_addr));
				},
				_ => {},
			}
		}
		p = ifa.ifa_next;
	}
	// SAFETY: `head` came from getifaddrs and is freed once.
	unsafe { libc::freeifaddrs(head) };
	out.sort_unstable();
	out.dedup();
	out
}

/// Raise the soft limit on open files to the hard limit (the usual soft limit, 1024, runs out
/// after a thousand exit flows); returns the soft limit in force.
pub fn raise_nofile() -> u64 {
	// SAFETY: getrlimit/setrlimit with a valid rlimit struct.
	unsafe {
		let mut r: libc::rlimit = std::mem::zeroed();
		if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) != 0 {
			return 1024;
		}
		if r.rlim_cur < r.rlim_max {
			let want = libc::rlimit { rlim_cur: r.rlim_max, rlim_max: r.rlim_max };
			if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
				r.rlim_cur = r.rlim_max;
			}
		}
		r.rlim_cur
	}
}

/// How many exit flows (each a socket) fit under `nofile` open files with [`FD_RESERVE`]
/// kept free, at most [`MAX_MAPPINGS`].
fn exit_cap(nofile: u64) -> usize {
	(nofile.saturating_sub(FD_RESERVE).max(16) as usize).min(MAX_MAPPINGS)
}

/// Run the handling of one received datagram. The core's arithmetic on peer input is checked
/// or saturating, and the agent is built with overflow checks so a case that was missed
/// panics instead of wrapping; that panic is our bug, but it must cost one datagram (counted
/// as [`DropReason::Internal`]), never the event loop every flow and pulse depends on.
fn contained<T>(f: impl FnOnce() -> T) -> Option<T> {
	std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

struct LocalForward {
	sock: UdpSocket,
	spec: ForwardSpec,
	by_client: HashMap<SocketAddr, FlowId>,
	by_flow: HashMap<FlowId, SocketAddr>,
}

/// A task that is aborted when its handle is dropped (an exit flow's reader).
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
	fn drop(&mut self) {
		self.0.abort();
	}
}

/// One exit flow: a socket connected to its one destination, so replies from anyone else
/// never reach the flow.
struct ExitFlow {
	sock: Arc<UdpSocket>,
	to: SocketAddr,
	path: Vec<SegmentId>,
	_reader: AbortOnDrop,
}

/// The session a TUN egress sends an inner source address's replies back on.
struct TunClient {
	flow: FlowId,
	back: Vec<SegmentId>,
}

struct ExitReply {
	key: (SegmentId, FlowId),
	from: SocketAddr,
	data: Vec<u8>,
}

struct TunState {
	dev: tun::Tun,
	egress: Option<SegmentId>,
	flow: FlowId,
	/// Egress side: per ingress, its latest session and the way back; an inner address names
	/// its ingress ([`exit::inner_owner`]), which alone may send from it.
	clients: TunClients<TunClient>,
}

struct Agent {
	cfg: Config,
	dp: Dataplane,
	pulses: Pulses,
	router: Router,
	/// Rate limit of route evaluations asked for by sharp link changes.
	eval_gate: EvalGate,
	exit_policy: ExitPolicy,
	peers: Vec<SegmentId>,
	dests: BTreeSet<SegmentId>,
	started_us: u64,
	sock: Arc<UdpSocket>,
	local: Option<LocalForward>,
	exits: Leases<(SegmentId, FlowId), ExitFlow>,
	exit_tx: mpsc::Sender<ExitReply>,
	tun: Option<TunState>,
	/// Datagrams built this round, sent in one batch, with what each counts once sent.
	out: Vec<(SocketAddr, Vec<u8>, Charge)>,
	/// Following the chain's registry, when there is a `[chain]`.
	chain: Option<ChainStatus>,
	/// The accounting snapshot being written, if any.
	saving: Option<JoinHandle<std::io::Result<()>>>,
	last_save_us: u64,
	/// Rate limit of repeating warnings.
	logs: LogLimit,
	/// Holds back a registry view that shrinks suddenly until a second poll confirms it.
	view_gate: ViewGate,
	/// The refusals of the latest registry update, logged only when they change.
	last_refused: Vec<String>,
	/// The entries of the view in force (the latest poll, and segments looked up since).
	view: Vec<crate::registry::PeerEntry>,
	/// Segments on paths that the view lacks, to look up through the chain client.
	resolver: Resolver,
	/// Channels datagrams named that this router does not hold, likewise.
	channel_resolver: Resolver<ChannelId>,
	lookup_tx: mpsc::Sender<Lookup>,
	/// Channels, tickets, reports, earnings and the consumer's channels, with a chain.
	paid: Option<Paid>,
	/// The latest dashboard, for the web server.
	dashboard: tokio::sync::watch::Sender<Option<Arc<web::Dashboard>>>,
	/// The flow routing's probes travel in, off a chain (on one, the channel of the path).
	probe_flow: FlowId,
	/// When this agent last sent its own traffic towards each far end: on a chain probes
	/// ride the consumer's paid channel, so only while it carries something.
	carrying: BTreeMap<SegmentId, u64>,
	/// The QoS task, with a `[qos]`.
	qos: Option<tc::QosHandle>,
}

/// Run the agent until Ctrl-C, SIGTERM or `opts.run_for`.
pub async fn run(cfg: Config, opts: Options) -> anyhow::Result<()> {
	let nofile = raise_nofile();
	let own = host_addrs();
	let registry = cfg.registry_with(own.clone())?;
	let me = cfg.agent.id;
	if !cfg.agent.state_file.exists() {
		// A lost state file (a container without a volume, a new host) restarts the counters:
		// say so, rather than let them go back to zero unnoticed.
		tracing::warn!(file = %cfg.agent.state_file.display(), "no accounting state: starting a new ledger from zero");
	}
	let accounting = match Accounting::load(&cfg.agent.state_file) {
		Ok(a) => a,
		Err(e @ AccountingError::Corrupt { .. }) => {
			// Never a silent zero: the file is kept for a look, and the new ledger is a new
			// boot the chain tells apart from the old one.
			let aside = crate::accounting::set_aside(&cfg.agent.state_file)
				.with_context(|| format!("setting aside {}", cfg.agent.state_file.display()))?;
			tracing::error!(error = %e, moved_to = ?aside, "the accounting state is corrupt: set aside, starting a new ledger (a new boot) from zero");
			Accounting::default()
		},
		Err(e) => return Err(e.into()),
	};
	let mut dp = Dataplane::new(registry, accounting);
	dp.accounting.start(wall_us() / 1_000_000);
	dp.check_source = cfg.agent.check_source;
	dp.utc_hour = ditex_primitives::registry::utc_hour(wall_us() / 1000);
	// Hop counters from the wall clock in ns: a restart never reuses one the hops saw.
	dp.start_hop_counters(wall_us().saturating_mul(1_000));
	let mut dests: BTreeSet<SegmentId> = cfg.routing.destinations.iter().copied().collect();
	dests.extend(opts.forward.as_ref().map(|f| f.egress));
	dests.extend(cfg.tun.as_ref().and_then(|t| t.egress));
	// With a chain, read the registry once before starting, so a node that is up gives the
	// agent its view at once; one that is not is retried every poll.
	let mut chain_status = None;
	let mut first_view = None;
	let mut conn = None;
	// Room for a group's batches, a report and a ticket at once.
	let (job_tx, job_rx) = mpsc::channel(16);
	let (done_tx, mut done_rx) = mpsc::channel(8);
	let mut paid = None;
	let mut submit_task = None;
	if let Some(c) = &cfg.chain {
		// Nothing is carried before the chain says which channels are paid.
		let cap = std::num::NonZeroUsize::new(paid::MAX_CHANNELS).expect("non-zero");
		dp.channels = Some(Channels::new(me, Hash::zero(), c.credit_bytes, cap));
		let p = Paid::new(
			me,
			c.credit_bytes,
			&cfg.agent.state_file,
			c.ticket_key()?,
			cfg.consumer.as_ref(),
			job_tx,
		)?;
		let account = match &cfg.consumer {
			Some(k) => Some(ditex_ctl::signer(k.account()?.expose())?),
			None => None,
		};
		submit_task = Some(submit::spawn(c.url.clone(), account, job_rx, done_tx));
		let extra: Vec<SegmentId> = dests.iter().copied().collect();
		first_view = Some(chain::poll_once(&c.url, &mut conn, me, &extra, &p.own_channels()).await);
		chain_status = Some(ChainStatus { url: c.url.clone(), ..Default::default() });
		paid = Some(p);
	}
	let sock = UdpSocket::bind(cfg.agent.listen)
		.await
		.with_context(|| format!("binding {}", cfg.agent.listen))?;
	udp::grow_buffers(&sock, 4 << 20);
	// Boot ids only grow, so a pulse recorded in an earlier boot cannot pass for a restart.
	let boot_id = crate::pulse::next_boot_id(dp.accounting.boot_id(), wall_us() / 1_000_000);
	dp.accounting.set_boot_id(boot_id);
	if let Err(e) = dp.accounting.save(&cfg.agent.state_file) {
		tracing::warn!(error = %e, "saving the boot id failed");
	}
	let pulses = Pulses::new(me, boot_id, cfg.pulse());
	let router = Router::new(me, cfg.prefs()?);
	let eval_gate = EvalGate::new(router.prefs.eval_gap_us);
	let peers = dp.registry.group_peers();
	let local = match &opts.forward {
		Some(spec) => {
			// Without a chain the registry never changes: an egress it lacks is a mistake.
			if cfg.chain.is_none() {
				dp.registry.endpoint(spec.egress).map_err(|e| {
					anyhow::anyhow!("egress {} does not resolve: {e:?}", spec.egress)
				})?;
			}
			let sock = UdpSocket::bind(spec.local)
				.await
				.with_context(|| format!("binding {}", spec.local))?;
			Some(LocalForward {
				sock,
				spec: spec.clone(),
				by_client: HashMap::new(),
				by_flow: HashMap::new(),
			})
		},
		None => None,
	};
	let tun = match &cfg.tun {
		Some(t) => {
			let dev = tun::Tun::open(&t.name).with_context(|| format!("opening TUN {}", t.name))?;
			if t.egress.is_some() {
				// Every egress takes from this ingress only sources in these (H4).
				let (v4, v6) = exit::inner_prefixes(me);
				let v4 = v4.map_or_else(|| "none (id past the /10)".to_string(), |n| n.to_string());
				let v6 = v6.map_or_else(String::new, |n| n.to_string());
				tracing::info!(ipv4 = %v4, ipv6 = %v6, "TUN inner addresses of this ingress: give the device one of them");
			}
			Some(TunState {
				dev,
				egress: t.egress,
				flow: OsRng.next_u64(),
				clients: TunClients::new(MAX_MAPPINGS),
			})
		},
		None => None,
	};
	// Everything that needs privileges is open: do not keep them while parsing Internet input.
	match cfg.tun.as_ref().and_then(|t| t.user.as_deref()) {
		// SAFETY: geteuid has no preconditions.
		Some(user) if unsafe { libc::geteuid() } == 0 => {
			tun::drop_privileges(user).with_context(|| format!("becoming user {user}"))?;
			tracing::info!(user, "dropped root after opening the TUN device");
		},
		// SAFETY: as above.
		None if unsafe { libc::geteuid() } == 0 => {
			tracing::warn!("running as root; set [tun] user, or run with only CAP_NET_ADMIN");
		},
		_ => {},
	}
	let (exit_tx, mut exit_rx) = mpsc::channel(1024);
	let (chain_tx, mut chain_rx) = mpsc::channel(4);
	let (lookup_tx, lookup_rx) = mpsc::channel(2);
	let chain_task = cfg.chain.clone().map(|c| {
		let dests = dests.iter().copied().collect();
		let own = paid.as_ref().map(|p| p.own_channels()).unwrap_or_default();
		chain::spawn(c, me, dests, own, conn.take(), chain_tx, lookup_rx)
	});
	let qos = tc::spawn_from(&cfg, me)?;
	tracing::info!(
		id = me,
		listen = %sock.local_addr()?,
		peers = peers.len(),
		forward = ?opts.forward,
		tun = ?cfg.tun.as_ref().map(|t| &t.name),
		"ditex-relay started"
	);
	let batch = cfg.agent.batch;
	let (dashboard, dashboard_rx) = tokio::sync::watch::channel(None);
	if let Some(listen) = cfg.dashboard.listen {
		// A busy port costs the page, never the relay.
		tokio::spawn(async move {
			if let Err(e) = web::serve(listen, dashboard_rx).await {
				tracing::warn!(%listen, error = %e, "dashboard not served");
			}
		});
	}
	let mut agent = Agent {
		exit_policy: cfg.exit_policy(own)?,
		cfg,
		dp,
		pulses,
		router,
		eval_gate,
		peers,
		dests,
		started_us: mono_us(),
		sock: Arc::new(sock),
		local,
		exits: Leases::new(exit_cap(nofile), EXITS_PER_INGRESS, IDLE.as_micros() as u64),
		exit_tx,
		tun,
		out: Vec::new(),
		chain: chain_status,
		saving: None,
		last_save_us: 0,
		logs: LogLimit::default(),
		view_gate: ViewGate::default(),
		last_refused: Vec::new(),
		view: Vec::new(),
		resolver: Resolver::default(),
		channel_resolver: Resolver::with_missing_ttl(CHANNEL_MISSING_TTL.as_micros() as u64),
		lookup_tx,
		paid,
		dashboard,
		qos,
		probe_flow: OsRng.next_u64(),
		carrying: BTreeMap::new(),
	};
	if let Some(ev) = first_view {
		agent.on_chain(ev);
	}
	let mut rx_bufs = vec![vec![0u8; MAX_DATAGRAM]; batch];
	let mut meta = vec![RecvMeta::default(); batch];
	let mut local_buf = vec![0u8; MAX_DATAGRAM + HEADROOM + TAILROOM];
	let interval = Duration::from_millis(agent.cfg.agent.pulse_interval_ms);
	let mut tick = tokio::time::interval(interval);
	tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	let deadline = opts.run_for.map(|d| tokio::time::Instant::now() + d);
	let sleep_until = async move {
		match deadline {
			Some(d) => tokio::time::sleep_until(d).await,
			None => std::future::pending().await,
		}
	};
	tokio::pin!(sleep_until);
	let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
	let sock = agent.sock.clone();
	loop {
		// A sharp change the gate held back is looked at when the gap has passed, even if
		// nothing else wakes the loop by then.
		let eval_in =
			agent.eval_gate.next_due().map(|t| Duration::from_micros(t.saturating_sub(mono_us())));
		tokio::select! {
			r = sock.readable() => {
				r?;
				agent.on_readable(&mut rx_bufs, &mut meta).await;
			},
			_ = tick.tick() => agent.on_tick().await,
			_ = async {
				match eval_in {
					Some(d) => tokio::time::sleep(d).await,
					None => std::future::pending().await,
				}
			} => agent.on_eval_due(),
			r = async {
				match &agent.local {
					Some(l) => l.sock.readable().await,
					None => std::future::pending().await,
				}
			} => {
				r?;
				agent.on_local(&mut local_buf).await;
			},
			Some(reply) = exit_rx.recv() => agent.on_exit_reply(reply).await,
			Some(ev) = chain_rx.recv() => agent.on_chain(ev),
			Some(d) = done_rx.recv() => agent.on_done(d),
			r = async {
				match &agent.tun {
					Some(t) => t.dev.readable().await,
					None => std::future::pending().await,
				}
			} => {
				r?;
				agent.on_tun(&mut local_buf).await;
			},
			_ = &mut sleep_until => break,
			_ = tokio::signal::ctrl_c() => break,
			_ = term.recv() => break,
		}
	}
	if let Some(t) = chain_task {
		t.abort();
	}
	if let Some(t) = submit_task {
		t.abort();
	}
	agent.shutdown().await;
	Ok(())
}

/// A socket for exit flow `key`, connected to `to` (so the kernel passes on replies from `to`
/// only), and a task that hands its replies to the event loop. `None` (logged, rate-limited by
/// the caller's counters) when no socket can be had, e.g. out of file descriptors.
fn open_exit(
	key: (SegmentId, FlowId),
	to: SocketAddr,
	tx: mpsc::Sender<ExitReply>,
) -> Option<ExitFlow> {
	let bind: SocketAddr = if to.is_ipv4() {
		(Ipv4Addr::UNSPECIFIED, 0).into()
	} else {
		(Ipv6Addr::UNSPECIFIED, 0).into()
	};
	let std_sock = std::net::UdpSocket::bind(bind)
		.and_then(|s| {
			s.connect(to)?;
			s.set_nonblocking(true)?;
			Ok(s)
		})
		.map_err(|e| tracing::debug!(error = %e, %to, "exit socket"))
		.ok()?;
	let sock = Arc::new(UdpSocket::from_std(std_sock).ok()?);
	let reader_sock = sock.clone();
	let reader = tokio::spawn(async move {
		// One byte more than any payload that fits a datagram: a reply cut to the buffer is
		// still too big, and refused as such when wrapped.
		let mut b = vec![0u8; MAX_DATAGRAM + 1];
		while let Ok(n) = reader_sock.recv(&mut b).await {
			let reply = ExitReply { key, from: to, data: b[..n].to_vec() };
			if tx.send(reply).await.is_err() {
				break;
			}
		}
	});
	Some(ExitFlow { sock, to, path: Vec::new(), _reader: AbortOnDrop(reader) })
}

impl Agent {
	fn now(&self) -> u64 {
		mono_us()
	}

	async fn flush(&mut self) {
		// Receipts due go out with what they pay for; handshakes the data plane started
		// with everything else.
		self.dp.poll_receipts(self.now());
		let handshakes = self.dp.take_transmits();
		self.out.extend(handshakes);
		if self.out.is_empty() {
			return;
		}
		let out = std::mem::take(&mut self.out);
		let refs: Vec<(SocketAddr, &[u8])> = out.iter().map(|(a, b, _)| (*a, &b[..])).collect();
		let sent = send_batch(&self.sock, &refs).await;
		self.after_send(out.iter().map(|(_, _, c)| *c), &sent);
	}

	/// Count what the socket took, and only that (L8); say, rate-limited, what it did not.
	fn after_send(&mut self, charges: impl Iterator<Item = Charge>, sent: &[bool]) {
		let unsent = self.dp.after_send(charges.zip(sent.iter().copied()));
		if unsent > 0 {
			if let Some(unlogged) = self.logs.due("unsent", self.now()) {
				tracing::warn!(
					unsent,
					unlogged,
					"the socket gave up on datagrams; not counted as sent"
				);
			}
		}
	}

	async fn on_readable(&mut self, bufs: &mut [Vec<u8>], meta: &mut [RecvMeta]) {
		// A few batches per wake-up, then let the timers and other sources in.
		for _ in 0..8 {
			let n = match recv_batch(&self.sock, bufs, meta) {
				Ok(n) => n,
				Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
				Err(e) => {
					tracing::debug!(error = %e, "receive failed");
					break;
				},
			};
			let now = self.now();
			let clock = wall_us();
			let mut forward: Vec<(SocketAddr, usize, Charge)> = Vec::with_capacity(n);
			for i in 0..n {
				let RecvMeta { from, len, truncated } = meta[i];
				if truncated {
					self.dp.drop_at(now, DropReason::TooBig, from);
					continue;
				}
				let buf = &mut bufs[i][..len];
				match peek_kind(buf) {
					Ok(Kind::Data | Kind::Receipt) => match contained(|| {
						self.dp.handle_datagram(now, from, buf)
					}) {
						Some(Action::Forward { to, charge }) => forward.push((to, i, charge)),
						Some(Action::Deliver { from: seg, flow, payload, charge }) => {
							self.deliver(now, seg, flow, buf, payload, charge);
						},
						Some(Action::Reply { to, range }) => {
							self.out.push((to, buf[range].to_vec(), Charge::default()))
						},
						Some(Action::Drop(DropReason::UnknownSegment)) if self.chain.is_some() => {
							// Perhaps a segment of another group: look it up, without waiting.
							if let Ok((h, _)) = Header::parse(buf) {
								for id in h.hops() {
									if self.dp.registry.get(*id).is_none() {
										self.resolver.note(now, *id);
									}
								}
							}
						},
						Some(Action::Drop(DropReason::NoChannel)) => {
							// Perhaps a channel opened since: look it up, without waiting.
							if let Ok((h, _)) = Header::parse(buf) {
								self.channel_resolver.note(now, h.flow);
							}
						},
						Some(Action::Consumed) | Some(Action::Drop(_)) => {},
						None => {
							self.dp.drop_at(now, DropReason::Internal, from);
						},
					},
					Ok(Kind::Ack) => {
						if contained(|| self.dp.handle_ack(from, buf)).is_none() {
							self.dp.drop_at(now, DropReason::Internal, from);
						}
					},
					Ok(Kind::Ticket) => {
						let (paid, dp) = (&mut self.paid, &self.dp);
						let r = match paid {
							Some(p) => {
								contained(|| p.on_ticket_datagram(now / 1_000, dp, from, buf))
									.unwrap_or(Err(DropReason::Internal))
							},
							None => Err(DropReason::TicketIgnored),
						};
						if let Err(reason) = r {
							self.dp.drop_at(now, reason, from);
						}
					},
					Ok(Kind::Pulse) => {
						let (reg, check) = (&self.dp.registry, self.dp.check_source);
						let pulses = &mut self.pulses;
						let r =
							contained(|| pulses.handle_pulse_at(now, clock, from, buf, reg, check))
								.unwrap_or(Err(DropReason::Internal));
						if let Err(reason) = r {
							self.dp.drop_at(now, reason, from);
						}
					},
					Err(e) => {
						self.dp.drop_datagram(e.into(), Some(from));
					},
				}
			}
			let refs: Vec<(SocketAddr, &[u8])> =
				forward.iter().map(|(to, i, _)| (*to, &bufs[*i][..meta[*i].len])).collect();
			let sent = send_batch(&self.sock, &refs).await;
			self.after_send(forward.iter().map(|f| f.2), &sent);
			if n < bufs.len() {
				break;
			}
		}
		// Triggered pulses, and a fresh look at the routes if a link changed sharply (at most
		// a few times an interval, whatever the peers send).
		let now = self.now();
		self.poll_pulses(now, false);
		if self.pulses.take_changed() {
			self.eval_gate.changed();
		}
		self.on_eval_due();
		self.flush().await;
	}

	fn poll_pulses(&mut self, now: u64, regular: bool) {
		let out = &mut self.out;
		let reg = &self.dp.registry;
		self.pulses.poll_transmit(now, wall_us(), reg, &self.peers, regular, |to, b| {
			out.push((to, b.to_vec(), Charge::default()))
		});
	}

	fn on_eval_due(&mut self) {
		let now = self.now();
		if self.eval_gate.due(now, false) {
			self.evaluate_routes(now);
		}
	}

	fn evaluate_routes(&mut self, now: u64) {
		let hour = ditex_primitives::registry::utc_hour(wall_us() / 1000);
		let relays: Vec<Relay> = self
			.peers
			.iter()
			.filter_map(|id| self.dp.registry.get(*id))
			.filter(|s| s.relays_at(hour))
			.map(|s| Relay { id: s.id, price_per_gib: s.price_per_gib.unwrap_or(0) })
			.collect();
		let view = PulseView { pulses: &self.pulses, now_us: now };
		let mut switched = false;
		for dst in self.dests.iter() {
			switched |= self.router.evaluate(now, *dst, &view, &relays).is_some();
		}
		// A switch is news: show it at once rather than at the next tick.
		if switched {
			self.write_status(now);
		}
	}

	async fn on_tick(&mut self) {
		let now = self.now();
		self.dp.utc_hour = ditex_primitives::registry::utc_hour(wall_us() / 1000);
		self.poll_pulses(now, true);
		if self.eval_gate.due(now, true) {
			self.evaluate_routes(now);
		}
		self.send_probes(now);
		// Acks this router owes its upstream neighbours on its channels.
		self.dp.poll_acks(now);
		self.flush().await;
		let cutoff = now.saturating_sub(IDLE.as_micros() as u64);
		self.dp.expire_flows(cutoff);
		self.pulses.prune(now, &self.dp.registry);
		self.exits.expire(cutoff);
		if let Some(t) = &mut self.tun {
			t.clients.expire(cutoff);
		}
		self.save_accounting(now).await;
		if let Some(p) = &mut self.paid {
			let handoff = p.tick(now / 1_000, &self.dp);
			if !handoff.is_empty() {
				self.out.extend(handoff.into_iter().map(|(to, d)| (to, d, Charge::default())));
				self.flush().await;
			}
		}
		// The consumer's own channels, until this router holds their terms.
		if let Some(ch) = &self.dp.channels {
			for id in self.dp.paying.keys() {
				if ch.terms(*id).is_none() {
					self.channel_resolver.note(now, *id);
				}
			}
		}
		// A few lookups a round at most; if the chain client is busy they wait for the next.
		let ask = Lookup {
			segments: self.resolver.take(now, 8),
			channels: self.channel_resolver.take(now, 8),
		};
		if !(ask.segments.is_empty() && ask.channels.is_empty())
			&& self.lookup_tx.try_send(ask).is_err()
		{
			tracing::debug!("lookups deferred: the chain client is busy");
		}
		self.write_status(now);
	}

	/// Start writing the accounting snapshot, at most every [`SAVE_EVERY`], on a blocking
	/// thread: the event loop only serialises the (bounded) ledger. A failed write is logged
	/// (rate-limited) and leaves the ledger to be saved again.
	async fn save_accounting(&mut self, now: u64) {
		if let Some(h) = self.saving.take_if(|h| h.is_finished()) {
			let r = h.await.unwrap_or_else(|e| Err(std::io::Error::other(e)));
			if let Err(e) = r {
				self.dp.accounting.mark_dirty();
				if let Some(unlogged) = self.logs.due("accounting", now) {
					tracing::warn!(error = %e, unlogged, file = %self.cfg.agent.state_file.display(), "saving accounting failed");
				}
			}
		}
		let due = now.saturating_sub(self.last_save_us) >= SAVE_EVERY.as_micros() as u64;
		if self.saving.is_none() && due && self.dp.accounting.is_dirty() {
			// The channels and the consumer's receipts change with the traffic the ledger
			// counts: they are saved with it.
			let mut files = self.paid.as_ref().map(|p| p.snapshots(&self.dp)).unwrap_or_default();
			files.push((self.cfg.agent.state_file.clone(), self.dp.accounting.snapshot()));
			self.saving = Some(tokio::task::spawn_blocking(move || {
				files.iter().try_for_each(|(path, bytes)| {
					crate::accounting::write_atomic(path, bytes, true)
				})
			}));
			self.last_save_us = now;
		}
	}

	/// Apply what a poll of the chain found. A failed poll keeps the view as it was.
	fn on_chain(&mut self, ev: ChainEvent) {
		let Some(st) = self.chain.as_mut() else { return };
		let now = mono_us();
		let poll;
		let entries = match ev {
			ChainEvent::Resolved(found) => {
				let mut entries = self.view.clone();
				for (id, e) in found {
					self.resolver.answered(now, id, e.is_some());
					if let Some(e) = e {
						if !entries.iter().any(|v| v.id == id) {
							tracing::info!(segment = id, region = %e.region, "looked up a segment from outside the group");
							entries.push(e);
						}
					}
				}
				let u = self.dp.registry.update(&entries);
				st.refused += u.refused.len() as u64;
				self.view = entries;
				return;
			},
			ChainEvent::Channels(at, found) => {
				for (id, c) in &found {
					self.channel_resolver.answered(now, *id, c.is_some());
				}
				if let Some(p) = &mut self.paid {
					p.apply_channels(&mut self.dp, at, &found);
				}
				return;
			},
			ChainEvent::Poll(p) => {
				if p.dropped > 0 {
					st.refused += p.dropped as u64;
					tracing::warn!(
						dropped = p.dropped,
						"the node listed members of other groups in this agent's group; ignored"
					);
				}
				let entries = p.view.clone();
				poll = Some(p);
				entries
			},
			ChainEvent::Failed(why) => {
				st.failures += 1;
				// A node down for hours fails every poll: log the 1st, 2nd, 4th, 8th... failure;
				// the status counts them all.
				if st.failures.is_power_of_two() {
					tracing::warn!(url = %st.url, error = %why, failures = st.failures, "reading the registry from the chain failed; keeping the last view");
				}
				st.last_error = Some(why);
				return;
			},
		};
		st.syncs += 1;
		st.last_sync_us = Some(wall_us());
		let me = self.dp.registry.me();
		let had_me = self.dp.registry.get(me).is_some();
		if !self.view_gate.admit(me, had_me, self.dp.registry.len(), &entries) {
			st.held += 1;
			tracing::warn!(
				segments = entries.len(),
				now = self.dp.registry.len(),
				"the node's view lost this agent or most segments; keeping the last view until the next poll says the same"
			);
			return;
		}
		let u = self.dp.registry.update(&entries);
		self.view = entries;
		// The same refusals come back every poll: log them when they change (L3).
		let refused: Vec<String> = u.refused.iter().map(|e| e.to_string()).collect();
		if refused != self.last_refused {
			for e in &refused {
				tracing::warn!(error = %e, "registry entry from the chain refused");
			}
			self.last_refused = refused;
		}
		st.refused += u.refused.len() as u64;
		for id in &u.rekeyed {
			tracing::warn!(segment = id, "the chain lists a new data-plane key for this segment");
		}
		if self.dp.registry.get(me).is_none() && (u.changed_view() || st.syncs == 1) {
			tracing::warn!(
				id = me,
				"this agent's segment is not on the chain, or its listing was refused: pulsing nobody"
			);
		}
		if u.changed_view() {
			self.peers = self.dp.registry.group_peers();
			tracing::info!(
				added = ?u.added,
				removed = ?u.removed,
				changed = ?u.changed,
				pulse_peers = ?self.peers,
				"registry updated from the chain"
			);
		}
		if let (Some(p), Some(poll)) = (&mut self.paid, poll) {
			let restoring = self.dp.channels.as_ref().is_some_and(|c| c.is_empty());
			let links = PulseView { pulses: &self.pulses, now_us: now };
			p.on_poll(&mut self.dp, &links, &poll, now / 1_000);
			// Channels restored from the state file are read from now on like the rest.
			let held = self.dp.channels.as_ref().map(|c| c.ids()).unwrap_or_default();
			if restoring && !held.is_empty() {
				let channels = held.into_iter().take(chain::MAX_WATCHED).collect();
				let _ = self.lookup_tx.try_send(Lookup { segments: Vec::new(), channels });
			}
		}
	}

	/// What became of a transaction.
	fn on_done(&mut self, d: submit::Done) {
		let now_ms = self.now() / 1_000;
		// A channel this consumer opened is read like the rest, from now on.
		if let submit::Done::Opened(Ok(id)) = &d {
			let _ = self.lookup_tx.try_send(Lookup { segments: Vec::new(), channels: vec![*id] });
		}
		if let Some(p) = &mut self.paid {
			p.on_done(&mut self.dp, d, now_ms);
		}
	}

	fn write_status(&mut self, now: u64) {
		if let Some(p) = &mut self.paid {
			p.refresh_status(&self.dp);
		}
		let s = status::Status {
			exit_flows: self.exits.len(),
			pulse_peers: self.peers.clone(),
			chain: self.chain.clone(),
			paid: self.paid.as_ref().map(|p| p.status.clone()),
			qos: self.qos.as_ref().and_then(|q| q.status()),
			..status::Status::collect(
				&self.dp,
				&self.pulses,
				&self.router,
				now,
				self.started_us,
				wall_us(),
			)
		};
		if let Err(e) = s.write(&self.cfg.agent.status_file) {
			if let Some(unlogged) = self.logs.due("status", now) {
				tracing::warn!(error = %e, unlogged, file = %self.cfg.agent.status_file.display(), "writing status failed");
			}
		}
		if self.cfg.dashboard.listen.is_some() {
			let earnings = self.paid.as_ref().and_then(|p| p.earnings());
			self.dashboard.send_replace(Some(Arc::new(web::Dashboard::new(s, earnings))));
		}
	}

	async fn shutdown(&mut self) {
		// A write still in flight would land after the final one and roll it back.
		if let Some(h) = self.saving.take() {
			let _ = h.await;
		}
		if let Err(e) = self.dp.accounting.save(&self.cfg.agent.state_file) {
			tracing::warn!(error = %e, "saving accounting failed");
		}
		for (path, bytes) in self.paid.as_ref().map(|p| p.snapshots(&self.dp)).unwrap_or_default() {
			if let Err(e) = crate::accounting::write_atomic(&path, &bytes, true) {
				tracing::warn!(error = %e, file = %path.display(), "saving state failed");
			}
		}
		self.write_status(self.now());
		tracing::info!("ditex-relay stopped");
	}

	/// Wrap `data` with `inner`'s framing for `flow` over `path` and queue it.
	fn send_inner(
		&mut self,
		now: u64,
		flow: FlowId,
		path: &[SegmentId],
		inner: Inner<'_>,
		data: &[u8],
	) -> Result<(), DropReason> {
		let prefix = inner.prefix_len();
		let len = prefix + data.len();
		let mut buf = vec![0u8; HEADROOM + len + TAILROOM];
		inner.write_prefix(&mut buf[HEADROOM..]).ok_or(DropReason::TooBig)?;
		buf[HEADROOM + prefix..HEADROOM + len].copy_from_slice(data);
		let t = self.dp.encapsulate(now, flow, path, &mut buf, len)?;
		buf.truncate(t.range.end);
		buf.drain(..t.range.start);
		self.out.push((t.to, buf, t.charge));
		Ok(())
	}

	/// Send the probes routing wants this round (H5): each in a session with its far end, over
	/// the path it checks.
	fn send_probes(&mut self, now: u64) {
		for p in self.router.poll_probes(now, wall_us()) {
			// On a chain only a channel over exactly this path carries it; off one, a flow of
			// its own.
			// Paid probes only while the consumer's own traffic flows: an idle agent would
			// otherwise pay for them and keep every hop's tickets coming, forever.
			let busy =
				self.carrying.get(&p.dst).is_some_and(|t| now.saturating_sub(*t) < PROBE_IDLE_US);
			let flow = match &self.dp.channels {
				Some(_) if !busy => None,
				Some(_) => {
					self.dp.paying.iter().find(|(_, r)| r.path() == p.path).map(|(id, _)| *id)
				},
				None => Some(self.probe_flow),
			};
			let inner = Inner::Probe { seq: p.seq, sent_us: p.sent_us };
			match flow.map(|f| self.send_inner(now, f, &p.path, inner, &[])) {
				// A handshake under way: this probe may be lost, as data would be.
				Some(Ok(()) | Err(DropReason::NoSession)) => {},
				_ => self.router.probe_unsent(p.dst, p.seq),
			}
		}
	}

	fn deliver(
		&mut self,
		now: u64,
		from: SegmentId,
		flow: FlowId,
		buf: &[u8],
		payload: std::ops::Range<usize>,
		charge: Charge,
	) {
		let inner = match Inner::parse(&buf[payload]) {
			Ok(i) => i,
			Err(_) => {
				self.dp.drop_datagram(DropReason::BadInner, None);
				return;
			},
		};
		// The way back is the way the datagram came, reversed.
		let back: Vec<SegmentId> = match Header::parse(buf) {
			Ok((h, _)) => h.hops().iter().rev().copied().collect(),
			Err(_) => return,
		};
		match inner {
			Inner::Udp { addr, data } => {
				if let Some(l) = &self.local {
					if l.spec.egress == from {
						if let Some(client) = l.by_flow.get(&flow) {
							// The egress says whom the reply came from: only the destination
							// this forward sends to may answer.
							if addr.ip().to_canonical() != l.spec.to.ip().to_canonical()
								|| addr.port() != l.spec.to.port()
							{
								self.dp.drop_datagram(DropReason::ReplySource, None);
								return;
							}
							match l.sock.try_send_to(data, *client) {
								Ok(_) => self.dp.commit(charge),
								Err(_) => {
									self.dp.drop_datagram(DropReason::Unsent, None);
								},
							}
							return;
						}
					}
				}
				if self.exit_udp(now, from, flow, back, addr, data) {
					self.dp.commit(charge);
				}
			},
			Inner::Ip(pkt) => {
				if self.deliver_ip(now, from, flow, back, pkt) {
					self.dp.commit(charge);
				}
			},
			// The ingress checks its path end to end: answer with when the probe arrived.
			Inner::Probe { seq, sent_us } => {
				self.dp.commit(charge);
				let echo = Inner::ProbeEcho { seq, sent_us, recv_us: wall_us() };
				let _ = self.send_inner(now, flow, &back, echo, &[]);
			},
			Inner::ProbeEcho { seq, sent_us, recv_us } => {
				if !self.router.on_echo(now, from, seq, sent_us, recv_us) {
					self.dp.drop_datagram(DropReason::StaleProbe, None);
				}
			},
		}
	}

	fn exit_udp(
		&mut self,
		now: u64,
		from: SegmentId,
		flow: FlowId,
		back: Vec<SegmentId>,
		addr: SocketAddr,
		data: &[u8],
	) -> bool {
		let addr = match self.exit_policy.check_addr(addr) {
			Ok(a) => a,
			Err(why) => {
				self.dp.drop_datagram(DropReason::ExitDenied, None);
				tracing::debug!(%addr, from, ?why, "exit denied by policy");
				return false;
			},
		};
		let key = (from, flow);
		let tx = self.exit_tx.clone();
		let f = match self.exits.claim(now, key, from, || open_exit(key, addr, tx)) {
			Ok(l) => &mut l.value,
			Err(LeaseError::Taken | LeaseError::Unavailable) => {
				self.dp.drop_datagram(DropReason::NoRoute, None);
				return false;
			},
		};
		// A flow that turns to another destination gets a socket connected to that one.
		if f.to != addr {
			match open_exit(key, addr, self.exit_tx.clone()) {
				Some(n) => *f = n,
				None => {
					self.dp.drop_datagram(DropReason::NoRoute, None);
					return false;
				},
			}
		}
		f.path = back;
		if let Err(e) = udp::send_connected(&f.sock, data) {
			tracing::debug!(error = %e, %addr, "exit send failed");
			self.dp.drop_datagram(DropReason::Unsent, None);
			return false;
		}
		true
	}

	async fn on_exit_reply(&mut self, r: ExitReply) {
		let now = self.now();
		let Some(path) = self.exits.peek(&r.key).map(|f| f.value.path.clone()) else { return };
		let _ =
			self.send_inner(now, r.key.1, &path, Inner::Udp { addr: r.from, data: &[] }, &r.data);
		self.flush().await;
	}

	async fn on_local(&mut self, buf: &mut [u8]) {
		let now = self.now();
		for _ in 0..self.cfg.agent.batch {
			let Some(l) = &mut self.local else { return };
			let prefix = Inner::Udp { addr: l.spec.to, data: &[] }.prefix_len();
			let room = buf.len() - TAILROOM;
			let (n, client) = match l.sock.try_recv_from(&mut buf[HEADROOM + prefix..room]) {
				Ok(x) => x,
				Err(_) => break,
			};
			let egress = l.spec.egress;
			let inner = Inner::Udp { addr: l.spec.to, data: &[] };
			if inner.write_prefix(&mut buf[HEADROOM..]).is_none() {
				continue;
			}
			let path = match l.spec.via.is_empty() {
				true => self.router.path(egress),
				false => std::iter::once(self.dp.registry.me())
					.chain(l.spec.via.iter().copied())
					.chain(std::iter::once(egress))
					.collect(),
			};
			let (flow, path) = match self.paid.as_mut().filter(|p| p.is_consumer()) {
				// A consumer sends on its channel for the path: the flow is the channel, and
				// the replies go to the client that sent last.
				Some(p) => match p.flow_for(&self.dp, &path, now / 1_000) {
					Some((channel, path)) => {
						let Some(l) = &mut self.local else { return };
						l.by_flow.insert(channel, client);
						(channel, path)
					},
					None => {
						self.dp.drop_at(now, DropReason::NoChannel, client);
						continue;
					},
				},
				None => {
					let Some(l) = &mut self.local else { return };
					let flow = match l.by_client.get(&client) {
						Some(f) => *f,
						None => {
							if l.by_client.len() >= MAX_MAPPINGS {
								l.by_client.clear();
								l.by_flow.clear();
							}
							let f = OsRng.next_u64();
							l.by_client.insert(client, f);
							l.by_flow.insert(f, client);
							f
						},
					};
					(flow, path)
				},
			};
			if let Ok(t) = self.dp.encapsulate(now, flow, &path, buf, prefix + n) {
				self.out.push((t.to, buf[t.range].to_vec(), t.charge));
				self.carrying.insert(egress, now);
			}
		}
		self.flush().await;
	}

	fn deliver_ip(
		&mut self,
		now: u64,
		from: SegmentId,
		flow: FlowId,
		back: Vec<SegmentId>,
		pkt: &[u8],
	) -> bool {
		let Some((src, dst)) = tun::ip_addrs(pkt) else {
			self.dp.drop_datagram(DropReason::BadInner, None);
			return false;
		};
		let is_reply = self.tun.as_ref().is_some_and(|t| t.egress == Some(from));
		if !is_reply {
			if let Err(why) = self.exit_policy.check(dst) {
				self.dp.drop_datagram(DropReason::ExitDenied, None);
				tracing::debug!(%dst, from, ?why, "TUN exit denied by policy");
				return false;
			}
		}
		let Some(t) = &mut self.tun else {
			self.dp.drop_datagram(DropReason::NoRoute, None);
			return false;
		};
		if !is_reply {
			// Only from the ingress's own prefix: then replies to `src` go back to it, on its
			// latest session, and to no other ingress.
			if t.clients.admit(now, from, src, TunClient { flow, back }).is_err() {
				self.dp.drop_at(now, DropReason::InnerSource, SocketAddr::new(src, 0));
				if let Some(unlogged) = self.logs.due("inner_source", now) {
					let (v4, v6) = exit::inner_prefixes(from);
					tracing::warn!(ingress = from, %src, ?v4, ?v6, unlogged, "TUN packet from an inner source outside its ingress's prefix: dropped");
				}
				return false;
			}
		}
		if let Err(e) = t.dev.write(pkt) {
			tracing::debug!(error = %e, "TUN write failed");
			self.dp.drop_datagram(DropReason::Unsent, None);
			return false;
		}
		true
	}

	async fn on_tun(&mut self, buf: &mut [u8]) {
		let now = self.now();
		for _ in 0..self.cfg.agent.batch {
			let Some(t) = &self.tun else { return };
			let room = buf.len() - TAILROOM;
			let n = match t.dev.try_read(&mut buf[HEADROOM + 1..room]) {
				Ok(n) => n,
				Err(_) => break,
			};
			let pkt = &buf[HEADROOM + 1..HEADROOM + 1 + n];
			let Some((src, dst)) = tun::ip_addrs(pkt) else { continue };
			// An ingress sends only from its own prefix, which every egress checks (H4): say so
			// here, where the user can fix it, rather than have the egress drop it silently.
			if t.egress.is_some() && exit::inner_owner(src) != Some(self.dp.registry.me()) {
				self.dp.drop_datagram(DropReason::InnerSource, None);
				if let Some(unlogged) = self.logs.due("own_inner_source", now) {
					let (v4, v6) = exit::inner_prefixes(self.dp.registry.me());
					tracing::warn!(%src, ?v4, ?v6, unlogged, "TUN packet from a source outside this ingress's inner prefix: dropped");
				}
				continue;
			}
			// Ingress: everything goes to the configured egress. Egress: replies go back to
			// whichever ingress the destination address came from.
			let (flow, path) = match t.egress {
				Some(e) => {
					let path = self.router.path(e);
					match self.paid.as_mut().filter(|p| p.is_consumer()) {
						Some(p) => match p.flow_for(&self.dp, &path, now / 1_000) {
							Some(x) => x,
							None => {
								self.dp.drop_datagram(DropReason::NoChannel, None);
								continue;
							},
						},
						None => (t.flow, path),
					}
				},
				None => match t.clients.route(dst) {
					Some(c) => (c.flow, c.back.clone()),
					None => {
						self.dp.drop_datagram(DropReason::NoRoute, None);
						continue;
					},
				},
			};
			let _ = Inner::Ip(&[]).write_prefix(&mut buf[HEADROOM..]);
			if let Ok(tx) = self.dp.encapsulate(now, flow, &path, buf, 1 + n) {
				self.out.push((tx.to, buf[tx.range].to_vec(), tx.charge));
				if let Some(&far) = path.last() {
					self.carrying.insert(far, now);
				}
			}
		}
		self.flush().await;
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// H8: with the usual soft limit of 1024 open files, a thousand exit flows left no
	/// descriptor for the state and status files.
	#[test]
	fn h8_open_file_limit_is_raised_and_exits_keep_a_reserve() {
		let soft = raise_nofile();
		let mut r: libc::rlimit = unsafe { std::mem::zeroed() };
		// SAFETY: getrlimit with a valid rlimit struct.
		assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) }, 0);
		assert_eq!((soft, r.rlim_cur), (r.rlim_max, r.rlim_max), "raised to the hard limit");
		assert_eq!(exit_cap(1024), 1024 - FD_RESERVE as usize);
		assert_eq!(exit_cap(1 << 20), MAX_MAPPINGS);
		assert!(exit_cap(100) >= 16);
	}

	#[test]
	fn h2_this_hosts_addresses_are_listed() {
		let own = host_addrs();
		assert!(own.contains(&IpAddr::from([127, 0, 0, 1])), "{own:?}");
	}

	#[test]
	fn a_panic_while_handling_one_datagram_is_contained() {
		assert_eq!(contained(|| 2 + 2), Some(4));
		let top = std::hint::black_box(u32::MAX);
		assert_eq!(contained(|| top + 1), None, "overflow checks are on and the panic is caught");
	}
}
