//! The TOML config and its defaults.
//!
//! Every field but `agent.id`, `agent.secret_key` and the peer list has a default, written in
//! its doc comment and in `ditex-relay.example.toml`. Unknown keys are errors, so a typo is
//! reported rather than silently ignored. With a `[chain]` the registry view comes from the
//! node; without, from the `[[peers]]` entries, which have exactly the shape of the chain's
//! `ditex_segments` answers ([`PeerEntry`]).

use std::{
	net::{IpAddr, SocketAddr},
	path::{Path, PathBuf},
};

use ditex_primitives::registry::SegmentId;
use serde::Deserialize;
use x25519_dalek::{PublicKey, StaticSecret};

pub use crate::egress::Cidr;
use crate::{
	egress::ExitPolicy,
	pulse::PulseConfig,
	registry::{parse_key, EndpointPolicy, EntryError, PeerEntry, Registry},
	routing::{Prefs, EVALS_PER_INTERVAL},
};

/// Longest pulse interval or chain poll, in ms (an hour): microseconds of it fit any sum.
pub const MAX_INTERVAL_MS: u64 = 3_600_000;
/// Largest routing weight or margin taken.
pub const MAX_WEIGHT: f64 = 1e9;

/// Why the config is refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
	/// The file could not be read.
	#[error("reading {path}: {source}")]
	Read {
		/// The file.
		path: PathBuf,
		/// The error.
		source: std::io::Error,
	},
	/// Not valid TOML, or wrong types or unknown keys (the message quotes the file with any
	/// secret key's value blanked out).
	#[error("parsing config: {0}")]
	Parse(#[from] toml::de::Error),
	/// The secret key is not `0x` + 64 hex digits, or missing, or given twice.
	#[error(
		"agent.secret_key (or the content of agent.secret_key_file) must be 0x followed by 64 \
		 hex digits, and exactly one of them given"
	)]
	SecretKey,
	/// The secret key is one published in this repository (the example config's).
	#[error("agent.secret_key is the published example key: make one with `ditex-relay keygen`")]
	PublishedKey,
	/// The secret key file cannot be read, or others can read it.
	#[error("agent.secret_key_file {path}: {why}")]
	SecretFile {
		/// The file.
		path: PathBuf,
		/// What is wrong.
		why: String,
	},
	/// A peer entry is invalid.
	#[error(transparent)]
	Peer(#[from] EntryError),
	/// This agent is not among the peers, and there is no chain to learn it from.
	#[error("agent.id {0} has no [[peers]] entry (and there is no [chain] to learn it from)")]
	SelfMissing(SegmentId),
	/// This agent's peer entry carries another key than its secret's.
	#[error("the [[peers]] entry of agent.id {0} does not carry this agent's public key {1}")]
	KeyMismatch(SegmentId, String),
	/// A value out of range.
	#[error("{0}")]
	Invalid(String),
}

/// The whole config file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
	/// Who this agent is and where it listens.
	pub agent: AgentConfig,
	/// Route selection.
	#[serde(default)]
	pub routing: RoutingConfig,
	/// What this agent does as an egress.
	#[serde(default)]
	pub exit: ExitConfig,
	/// Which addresses this agent deals with.
	#[serde(default)]
	pub net: NetConfig,
	/// The TUN ingress/egress; absent: no TUN device.
	#[serde(default)]
	pub tun: Option<TunConfig>,
	/// The node to follow the registry on; absent: the `[[peers]]` below are the whole view.
	#[serde(default)]
	pub chain: Option<ChainConfig>,
	/// Paying for the paths this agent sends on; absent: it sends on no channel of its own.
	#[serde(default)]
	pub consumer: Option<ConsumerConfig>,
	/// The operator's web page, `/status.json` and `/metrics`.
	#[serde(default)]
	pub dashboard: DashboardConfig,
	/// QoS orders this router sells and carries out with `tc`; absent: it sells none.
	#[serde(default)]
	pub qos: Option<QosConfig>,
	/// The registry view (the chain's `ditex_segments` answer), this agent included. With a
	/// `[chain]`, the view to start from until the node first answers (usually none).
	#[serde(default)]
	pub peers: Vec<PeerEntry>,
}

/// A secret as the config holds it: never shown by `Debug`.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
	/// The secret itself.
	pub fn expose(&self) -> &str {
		&self.0
	}
}

impl std::fmt::Debug for SecretString {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str("<redacted>")
	}
}

impl From<&str> for SecretString {
	fn from(s: &str) -> Self {
		SecretString(s.into())
	}
}

/// Secret keys published in this repository, refused as agent keys (the example config used
/// to carry a working one).
const PUBLISHED_SECRETS: &[&str] =
	&["0xb0a9a95f1b1e25003daa86b17cb6c7ab1d67a559448d4d07cec58a7f1176ec41"];

/// The keys whose values are secrets.
const SECRET_KEYS: &[&str] = &["secret_key", "ticket_key", "receipt_key", "account"];

/// `text` with the value of every secret's line blanked, for error messages.
fn redacted(text: &str) -> String {
	text.lines()
		.map(|l| {
			let t = l.trim_start();
			match t.split_once('=') {
				Some((k, _)) if SECRET_KEYS.contains(&k.trim()) => {
					format!("{} = \"<redacted>\"", k.trim())
				},
				_ => l.to_string(),
			}
		})
		.collect::<Vec<_>>()
		.join("\n")
}

/// `[net]`: which addresses the agent sends to.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetConfig {
	/// A local test bed (namespaces, loopback devnets): segments registered on loopback,
	/// private, link-local, shared or documentation addresses, or on this host's own, are
	/// used, and the exit delivers to such networks when `[exit] allow` lists them. Default
	/// false: such segments are refused and such destinations denied whatever `allow` says.
	pub test_bed: bool,
}

/// `[dashboard]`: where the agent serves its page, `/status.json` and `/metrics`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DashboardConfig {
	/// The address to listen on. Default `127.0.0.1:9899`: loopback only (put a reverse proxy
	/// in front to show it further); `""` turns it off.
	#[serde(default = "default_dashboard", deserialize_with = "optional_addr")]
	pub listen: Option<SocketAddr>,
}

impl Default for DashboardConfig {
	fn default() -> Self {
		DashboardConfig { listen: default_dashboard() }
	}
}

fn default_dashboard() -> Option<SocketAddr> {
	Some(SocketAddr::from(([127, 0, 0, 1], 9899)))
}

fn optional_addr<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<SocketAddr>, D::Error> {
	let s = String::deserialize(d)?;
	if s.is_empty() {
		return Ok(None);
	}
	s.parse().map(Some).map_err(serde::de::Error::custom)
}

/// `[chain]`: the node the agent reads the registry from.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
	/// JSON-RPC endpoint of a ditex node, `ws://` or `wss://`. Required.
	pub url: String,
	/// How often to read the registry, in milliseconds. Default 6000 (a block).
	#[serde(default = "default_poll")]
	pub poll_ms: u64,
	/// This router's ed25519 ticket key (the secret seed, `0x` + 64 hex digits), whose public
	/// half its operator registered: it signs the router's tickets, acks and group reports.
	/// This or `ticket_key_file`; without either the agent carries paid traffic but claims
	/// nothing for it.
	#[serde(default)]
	pub ticket_key: Option<SecretString>,
	/// A file holding the ticket key, readable by its owner only.
	#[serde(default)]
	pub ticket_key_file: Option<PathBuf>,
	/// Bytes a relay carries on a channel beyond the consumer's latest receipt. Default
	/// 4 MiB.
	#[serde(default = "default_credit")]
	pub credit_bytes: u64,
}

fn default_credit() -> u64 {
	crate::channel::DEFAULT_CREDIT_BYTES
}

/// `[consumer]`: this agent pays for the paths it sends on. It opens an escrow channel for
/// each path its router chooses (at most `max_channels`), signs receipts for what it sent, and
/// tops a channel up when what is left pays for less than a quarter of its deposit. Needs a
/// `[chain]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerConfig {
	/// The consumer's account (an sr25519 secret URI: a mnemonic, a `0x` seed, a dev name
	/// such as `//Alice`), which pays. This or `account_file`.
	#[serde(default)]
	pub account: Option<SecretString>,
	/// A file holding the account's secret URI, readable by its owner only.
	#[serde(default)]
	pub account_file: Option<PathBuf>,
	/// The ed25519 receipt key (secret seed, `0x` + 64 hex digits). This or
	/// `receipt_key_file`.
	#[serde(default)]
	pub receipt_key: Option<SecretString>,
	/// A file holding the receipt key, readable by its owner only.
	#[serde(default)]
	pub receipt_key_file: Option<PathBuf>,
	/// What each channel holds when opened, and each top-up adds, in units (a decimal
	/// string). Required.
	pub deposit: String,
	/// The most a path may cost per GiB, all hops summed, in units. Required.
	pub max_price_per_gib: String,
	/// How long a channel stays open, in blocks. Default 14 400 (a day).
	#[serde(default = "default_lifetime")]
	pub lifetime_blocks: u32,
	/// Most channels opened at once. Default 4.
	#[serde(default = "default_max_channels")]
	pub max_channels: usize,
}

fn default_lifetime() -> u32 {
	14_400
}

fn default_max_channels() -> usize {
	4
}

/// A key of `what` from its inline value or its file (which others must not read): exactly
/// one of them.
fn secret_from(
	what: &str,
	inline: &Option<SecretString>,
	file: &Option<PathBuf>,
) -> Result<Option<SecretString>, ConfigError> {
	match (inline, file) {
		(None, None) => Ok(None),
		(Some(s), None) => Ok(Some(s.clone())),
		(None, Some(path)) => read_secret_file(path)
			.map(Some)
			.map_err(|why| ConfigError::Invalid(format!("{what}_file {}: {why}", path.display()))),
		(Some(_), Some(_)) => {
			Err(ConfigError::Invalid(format!("give {what} or {what}_file, not both")))
		},
	}
}

/// The secret in the file at `path`, which others must not be able to read.
fn read_secret_file(path: &Path) -> Result<SecretString, String> {
	if others_can_read(path) {
		return Err("others can read it (chmod 600)".into());
	}
	let t = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
	Ok(SecretString(t.trim().to_string()))
}

/// An ed25519 secret seed, `0x` + 64 hex digits.
fn ed25519_key(what: &str, s: &SecretString) -> Result<ed25519_dalek::SigningKey, ConfigError> {
	parse_key(s.expose())
		.map(|b| ed25519_dalek::SigningKey::from_bytes(&b))
		.ok_or_else(|| ConfigError::Invalid(format!("{what} must be 0x followed by 64 hex digits")))
}

impl ChainConfig {
	/// The ticket key, if one is configured.
	pub fn ticket_key(&self) -> Result<Option<ed25519_dalek::SigningKey>, ConfigError> {
		secret_from("chain.ticket_key", &self.ticket_key, &self.ticket_key_file)?
			.map(|s| ed25519_key("chain.ticket_key", &s))
			.transpose()
	}
}

impl ConsumerConfig {
	/// The receipt key.
	pub fn receipt_key(&self) -> Result<ed25519_dalek::SigningKey, ConfigError> {
		let s = secret_from("consumer.receipt_key", &self.receipt_key, &self.receipt_key_file)?
			.ok_or_else(|| {
				ConfigError::Invalid(
					"consumer.receipt_key (or receipt_key_file) is required".into(),
				)
			})?;
		ed25519_key("consumer.receipt_key", &s)
	}

	/// The account's secret URI.
	pub fn account(&self) -> Result<SecretString, ConfigError> {
		secret_from("consumer.account", &self.account, &self.account_file)?.ok_or_else(|| {
			ConfigError::Invalid("consumer.account (or account_file) is required".into())
		})
	}

	/// The deposit, in units.
	pub fn deposit(&self) -> Result<u128, ConfigError> {
		units("consumer.deposit", &self.deposit)
	}

	/// The price cap, in units per GiB.
	pub fn max_price(&self) -> Result<u128, ConfigError> {
		units("consumer.max_price_per_gib", &self.max_price_per_gib)
	}
}

fn units(what: &str, s: &str) -> Result<u128, ConfigError> {
	s.trim().parse::<u128>().map_err(|e| {
		ConfigError::Invalid(format!("{what} {s:?} is not a whole number of units: {e}"))
	})
}

fn default_poll() -> u64 {
	6_000
}

/// `[agent]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
	/// This agent's segment id. Required.
	pub id: SegmentId,
	/// X25519 secret key, `0x` + 64 hex digits (`ditex-relay keygen` makes one). This or
	/// `secret_key_file` is required.
	#[serde(default)]
	pub secret_key: Option<SecretString>,
	/// A file holding the secret key (`0x` + 64 hex digits), readable by its owner only.
	#[serde(default)]
	pub secret_key_file: Option<PathBuf>,
	/// UDP address for data and pulses. Default `0.0.0.0:51820`.
	#[serde(default = "default_listen")]
	pub listen: SocketAddr,
	/// Pulse interval in milliseconds. Default 1000.
	#[serde(default = "default_interval")]
	pub pulse_interval_ms: u64,
	/// Status file the daemon rewrites every interval and `ditex-relay status` reads.
	/// Default `ditex-relay.status.json` in the working directory.
	#[serde(default = "default_status")]
	pub status_file: PathBuf,
	/// Accounting state file. Default `ditex-relay.accounting.json`.
	#[serde(default = "default_state")]
	pub state_file: PathBuf,
	/// Drop data and pulses not sent from the previous hop's registered IP. Default true.
	#[serde(default = "yes")]
	pub check_source: bool,
	/// Datagrams per recvmmsg/sendmmsg batch. Default 32.
	#[serde(default = "default_batch")]
	pub batch: usize,
}

/// `[routing]`: the consumer's preferences.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoutingConfig {
	/// Most a path's relays may charge together per GiB (decimal string). Default: no limit.
	pub max_price_per_gib: Option<String>,
	/// Weight of latency (1.0: a ms costs a ms). Default 1.0.
	pub latency_weight: f64,
	/// Cost (in ms) of 1% loss. Default 20.0.
	pub loss_weight_ms_per_percent: f64,
	/// Cost (in ms) per unit of price per GiB. Default 0.0: price only filters.
	pub price_weight: f64,
	/// A detour must win by this many ms. Default 10.
	pub margin_ms: f64,
	/// ...and by this share of the current path's excess latency. Default 0.10.
	pub margin_ratio: f64,
	/// Winning rounds before a switch. Default 2.
	pub switch_rounds: u32,
	/// Most relays on a detour, 0–2. Default 2.
	pub max_relays: usize,
	/// Destinations to keep routes to (segment ids); the port-forward and TUN egresses are
	/// always included. Default none.
	pub destinations: Vec<SegmentId>,
}

impl Default for RoutingConfig {
	fn default() -> Self {
		RoutingConfig {
			max_price_per_gib: None,
			latency_weight: 1.0,
			loss_weight_ms_per_percent: 20.0,
			price_weight: 0.0,
			margin_ms: 10.0,
			margin_ratio: 0.10,
			switch_rounds: 2,
			max_relays: 2,
			destinations: Vec::new(),
		}
	}
}

/// `[exit]`: where this agent, as an egress, may send port-forward payloads.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExitConfig {
	/// Destination networks (`"10.0.0.0/8"`, `"192.0.2.7/32"`, `"::/0"`) allowed. Default
	/// none: this agent is no UDP exit.
	pub allow: Vec<String>,
}

/// `[tun]`: the TUN device.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TunConfig {
	/// Interface name. Default `ditex0`.
	#[serde(default = "default_tun")]
	pub name: String,
	/// Egress segment for packets read from the device; absent: this agent is only a TUN
	/// egress (it writes what arrives to the device and sends replies back).
	#[serde(default)]
	pub egress: Option<SegmentId>,
	/// The user to become once the device is open, when started as root (its state and
	/// status files must be writable by that user). Absent: keep the privileges started with
	/// (run with only CAP_NET_ADMIN, as the systemd unit does, rather than as root).
	#[serde(default)]
	pub user: Option<String>,
}

fn default_listen() -> SocketAddr {
	"0.0.0.0:51820".parse().expect("valid literal")
}
fn default_interval() -> u64 {
	1000
}
fn default_status() -> PathBuf {
	"ditex-relay.status.json".into()
}
fn default_state() -> PathBuf {
	"ditex-relay.accounting.json".into()
}
fn yes() -> bool {
	true
}
fn default_batch() -> usize {
	32
}
fn default_tun() -> String {
	"ditex0".into()
}

/// Whether users other than the owner may read `path` (false if it cannot be looked at).
fn others_can_read(path: &Path) -> bool {
	use std::os::unix::fs::PermissionsExt;
	std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o044 != 0)
}

impl Config {
	/// Parse a config from TOML text and check it. A parse error never quotes a secret key:
	/// the message is the one the text with secret values blanked gives (and if that parses, the
	/// secret's own line was at fault).
	pub fn parse(text: &str) -> Result<Config, ConfigError> {
		let c: Config = match toml::from_str(text) {
			Ok(c) => c,
			Err(_) => {
				return Err(match toml::from_str::<Config>(&redacted(text)) {
					Err(e) => ConfigError::Parse(e),
					Ok(_) => ConfigError::SecretKey,
				})
			},
		};
		c.check()?;
		Ok(c)
	}

	/// Read and check the config at `path`. A config that holds a secret key and that others
	/// can read is worth a warning.
	pub fn load(path: &Path) -> Result<Config, ConfigError> {
		let text = std::fs::read_to_string(path)
			.map_err(|source| ConfigError::Read { path: path.into(), source })?;
		let c = Config::parse(&text)?;
		if c.agent.secret_key.is_some() && others_can_read(path) {
			tracing::warn!(config = %path.display(), "the config holds the secret key and others can read it: chmod 600, or use secret_key_file");
		}
		Ok(c)
	}

	fn check(&self) -> Result<(), ConfigError> {
		if !(1..=MAX_INTERVAL_MS).contains(&self.agent.pulse_interval_ms) {
			return Err(ConfigError::Invalid(format!(
				"agent.pulse_interval_ms must be 1–{MAX_INTERVAL_MS}"
			)));
		}
		let r = &self.routing;
		for (name, v) in [
			("latency_weight", r.latency_weight),
			("loss_weight_ms_per_percent", r.loss_weight_ms_per_percent),
			("price_weight", r.price_weight),
			("margin_ms", r.margin_ms),
			("margin_ratio", r.margin_ratio),
		] {
			// Negative or NaN weights and margins pick the worst path or flap.
			if !(0.0..=MAX_WEIGHT).contains(&v) {
				return Err(ConfigError::Invalid(format!(
					"routing.{name} must be a number from 0 to {MAX_WEIGHT}, not {v}"
				)));
			}
		}
		if self.agent.batch == 0 || self.agent.batch > 1024 {
			return Err(ConfigError::Invalid("agent.batch must be 1–1024".into()));
		}
		if self.routing.max_relays > 2 {
			return Err(ConfigError::Invalid("routing.max_relays must be 0–2".into()));
		}
		self.max_price()?;
		self.exit_networks()?;
		if let Some(c) = &self.chain {
			// ws:// carries the registry (endpoints, keys) in the clear: a man in the middle
			// could substitute an egress's key. Only a node on this host may be read that way.
			let loopback = c.url.strip_prefix("ws://").is_some_and(|rest| {
				let host = rest.split(['/', '?']).next().unwrap_or("");
				let host = match host.strip_prefix('[') {
					Some(v6) => v6.split(']').next().unwrap_or(""),
					None => host.split(':').next().unwrap_or(""),
				};
				// A test bed's own network (namespaces, a lab LAN) is as trusted as loopback.
				let local = |ip: IpAddr| {
					ip.is_loopback()
						|| (self.net.test_bed
							&& match ip {
								IpAddr::V4(v4) => v4.is_private(),
								IpAddr::V6(v6) => v6.is_unique_local(),
							})
				};
				host == "localhost" || host.parse::<IpAddr>().is_ok_and(local)
			});
			if !(c.url.starts_with("wss://") || loopback) {
				return Err(ConfigError::Invalid(format!(
					"chain.url {:?} must be wss://, or ws:// to a node on this host (localhost, \
					 127.0.0.0/8, [::1]; in a test bed, a private address too)",
					c.url
				)));
			}
			c.ticket_key()?;
			if c.credit_bytes < 65_536 {
				return Err(ConfigError::Invalid(
					"chain.credit_bytes must be at least 65536".into(),
				));
			}
			if !(1..=MAX_INTERVAL_MS).contains(&c.poll_ms) {
				return Err(ConfigError::Invalid(format!(
					"chain.poll_ms must be 1–{MAX_INTERVAL_MS}"
				)));
			}
		}
		if let Some(k) = &self.consumer {
			if self.chain.is_none() {
				return Err(ConfigError::Invalid(
					"[consumer] needs a [chain] to open channels on".into(),
				));
			}
			k.receipt_key()?;
			k.account()?;
			if k.deposit()? == 0 || k.max_price()? == 0 {
				return Err(ConfigError::Invalid(
					"consumer.deposit and consumer.max_price_per_gib must be more than 0".into(),
				));
			}
			if k.lifetime_blocks == 0 || !(1..=64).contains(&k.max_channels) {
				return Err(ConfigError::Invalid(
					"consumer.lifetime_blocks must be more than 0 and consumer.max_channels 1–64"
						.into(),
				));
			}
		}
		let public = PublicKey::from(&self.secret()?);
		let me = self.peers.iter().find(|p| p.id == self.agent.id);
		if let Some(me) = me {
			let hex_key = format!("0x{}", hex::encode(public.as_bytes()));
			if parse_key(&me.key) != Some(*public.as_bytes()) {
				return Err(ConfigError::KeyMismatch(self.agent.id, hex_key));
			}
		} else if self.chain.is_none() {
			return Err(ConfigError::SelfMissing(self.agent.id));
		}
		self.registry().map(|_| ())
	}

	/// The secret key, from `secret_key` or `secret_key_file` (which must be readable by its
	/// owner only).
	pub fn secret(&self) -> Result<StaticSecret, ConfigError> {
		let text = match (&self.agent.secret_key, &self.agent.secret_key_file) {
			(Some(s), None) => s.clone(),
			(None, Some(path)) => read_secret_file(path)
				.map_err(|why| ConfigError::SecretFile { path: path.clone(), why })?,
			_ => return Err(ConfigError::SecretKey),
		};
		if PUBLISHED_SECRETS.contains(&text.expose()) {
			return Err(ConfigError::PublishedKey);
		}
		parse_key(text.expose()).map(StaticSecret::from).ok_or(ConfigError::SecretKey)
	}

	/// The registry view the config describes, refusing endpoints on `own` (this host's
	/// addresses) as well as the listen address, unless this is a test bed.
	pub fn registry_with(&self, own: Vec<IpAddr>) -> Result<Registry, ConfigError> {
		Ok(Registry::new(self.agent.id, self.secret()?, &self.peers, self.endpoint_policy(own))?)
	}

	/// The registry view the config describes (see [`Self::registry_with`]).
	pub fn registry(&self) -> Result<Registry, ConfigError> {
		self.registry_with(Vec::new())
	}

	/// Which endpoints the registry view uses: `own` are this host's addresses.
	pub fn endpoint_policy(&self, mut own: Vec<IpAddr>) -> EndpointPolicy {
		let listen = self.agent.listen.ip();
		if !listen.is_unspecified() {
			own.push(listen);
		}
		EndpointPolicy { test_bed: self.net.test_bed, own }
	}

	/// The price cap.
	pub fn max_price(&self) -> Result<Option<u128>, ConfigError> {
		self.routing
			.max_price_per_gib
			.as_ref()
			.map(|p| {
				p.parse::<u128>().map_err(|_| {
					ConfigError::Invalid(format!("routing.max_price_per_gib {p:?} is not a number"))
				})
			})
			.transpose()
	}

	/// The exit policy's networks.
	pub fn exit_networks(&self) -> Result<Vec<Cidr>, ConfigError> {
		self.exit.allow.iter().map(|s| s.parse().map_err(ConfigError::Invalid)).collect()
	}

	/// The exit policy: the `allow` networks over the built-in floor (see
	/// [`crate::egress`]); `own` are this host's addresses.
	pub fn exit_policy(&self, own: Vec<IpAddr>) -> Result<ExitPolicy, ConfigError> {
		Ok(ExitPolicy {
			allow: self.exit_networks()?,
			test_bed: self.net.test_bed,
			own: self.endpoint_policy(own).own,
		})
	}

	/// Pulse tunables for the configured interval.
	pub fn pulse(&self) -> PulseConfig {
		PulseConfig::with_interval(self.agent.pulse_interval_ms * 1_000)
	}

	/// Router preferences.
	pub fn prefs(&self) -> Result<Prefs, ConfigError> {
		let r = &self.routing;
		Ok(Prefs {
			// Costs are in µs-equivalents: ms of latency weigh 1_000 each.
			latency_weight: r.latency_weight,
			// 1% is 10_000 ppm, and `x` ms are `1_000 x` units: per ppm, `x / 10`.
			loss_weight: r.loss_weight_ms_per_percent / 10.0,
			price_weight: r.price_weight * 1_000.0,
			max_price_per_gib: self.max_price()?,
			margin_us: r.margin_ms * 1_000.0,
			margin_ratio: r.margin_ratio,
			switch_rounds: r.switch_rounds.max(1),
			round_gap_us: self.agent.pulse_interval_ms * 1_000 / 4,
			eval_gap_us: self.agent.pulse_interval_ms * 1_000 / EVALS_PER_INTERVAL,
			max_relays: r.max_relays,
		})
	}
}

/// `[qos]`: QoS orders this router sells (priority for a consumer's packets) and carries out
/// with `tc` (`htb`) on its egress interface. Needs a `[chain]` with a `ticket_key`: the
/// answers are signed with it. The interface's root qdisc becomes the agent's.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QosConfig {
	/// The egress interface the classes go on.
	pub interface: String,
	/// The rate the egress is shaped to, bit/s: a little below the uplink's, so the queue
	/// forms here and priority decides it.
	pub link_rate: u64,
	/// Of it, what orders may take together, bit/s.
	pub capacity: u64,
	/// The classes sold: `priority`, `realtime`.
	pub classes: Vec<String>,
	/// The least payment per Mbit/s per hour, in plancks.
	pub price_floor: String,
	/// The least prefix length of an order's narrowest network (IPv4): wider flows are
	/// refused.
	#[serde(default = "default_qos_min_prefix")]
	pub min_prefix: u8,
	/// The same for IPv6 flows (a /64 is one subnet).
	#[serde(default = "default_qos_min_prefix_v6")]
	pub min_prefix_v6: u8,
	/// The `htb` handle (major), `1`–`0xfffe`.
	#[serde(default = "default_qos_handle")]
	pub handle: u16,
	/// The `tc` binary.
	#[serde(default = "default_tc")]
	pub tc: PathBuf,
	/// How often the orders are read, ms.
	#[serde(default = "default_qos_poll")]
	pub poll_ms: u64,
}

fn default_qos_min_prefix() -> u8 {
	24
}

fn default_qos_min_prefix_v6() -> u8 {
	64
}

fn default_qos_handle() -> u16 {
	0xd1
}

fn default_tc() -> PathBuf {
	PathBuf::from("tc")
}

fn default_qos_poll() -> u64 {
	3_000
}

impl QosConfig {
	/// The offer, checked.
	pub fn offer(&self) -> Result<crate::qos::Offer, ConfigError> {
		let classes = self
			.classes
			.iter()
			.map(|c| match c.as_str() {
				"priority" => Ok(ditex_primitives::qos::QosClass::Priority),
				"realtime" => Ok(ditex_primitives::qos::QosClass::RealTime),
				other => Err(ConfigError::Invalid(format!(
					"qos.classes: {other:?} is not priority or realtime"
				))),
			})
			.collect::<Result<_, _>>()?;
		let offer = crate::qos::Offer {
			interface: self.interface.clone(),
			handle: self.handle,
			link_rate: self.link_rate,
			capacity: self.capacity,
			classes,
			price_floor: units("qos.price_floor", &self.price_floor)?,
			min_prefix: self.min_prefix,
			min_prefix_v6: self.min_prefix_v6,
		};
		offer.check().map_err(ConfigError::Invalid)?;
		if !(100..=MAX_INTERVAL_MS).contains(&self.poll_ms) {
			return Err(ConfigError::Invalid(format!("qos.poll_ms must be 100–{MAX_INTERVAL_MS}")));
		}
		Ok(offer)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::registry::tests::{entry, secret};

	fn toml_for(id: SegmentId) -> String {
		let mut s = format!(
			"[agent]\nid = {id}\nsecret_key = \"0x{}\"\n\n[net]\ntest_bed = true\n\n",
			hex::encode(secret(id).to_bytes())
		);
		for p in [entry(1), entry(2)] {
			s += &format!(
				"[[peers]]\nid = {}\nendpoint = \"{}\"\nkey = \"{}\"\nregion = \"DE-BE\"\nasn = 64512\npricePerGib = \"10\"\ncapacityMbps = 100\nwindows = [[22, 6]]\nhideOperator = false\ngroup = 1\nstatus = \"active\"\nstrikes = 0\n\n",
				p.id, p.endpoint, p.key
			);
		}
		s
	}

	#[test]
	fn minimal_config_gets_the_documented_defaults() {
		let c = Config::parse(&toml_for(1)).unwrap();
		assert_eq!(c.agent.listen, default_listen());
		assert_eq!(c.agent.pulse_interval_ms, 1000);
		assert!(c.agent.check_source);
		assert_eq!(c.routing.switch_rounds, 2);
		assert!(c.exit.allow.is_empty() && c.tun.is_none());
		let r = c.registry().unwrap();
		assert_eq!(r.group_peers(), vec![2]);
		let p = c.prefs().unwrap();
		assert_eq!(p.margin_us, 10_000.0);
		assert_eq!(p.loss_weight, 2.0);
	}

	#[test]
	fn clear_errors() {
		let t = toml_for(1);
		assert!(matches!(
			Config::parse(&t.replacen("id = 1\n", "id = 7\n", 1)),
			Err(ConfigError::SelfMissing(7))
		));
		// With a chain to learn it from, no [[peers]] entry is needed.
		let head = &t[..t.find("\n\n").unwrap()];
		let chain = format!("{head}\n\n[chain]\nurl = \"ws://127.0.0.1:9944\"\n");
		let c = Config::parse(&chain).unwrap();
		assert_eq!(
			c.chain.as_ref().map(|c| (c.url.as_str(), c.poll_ms)),
			Some(("ws://127.0.0.1:9944", 6000))
		);
		assert!(c.peers.is_empty());
		assert!(matches!(
			Config::parse(&chain.replace("ws://", "http://")),
			Err(ConfigError::Invalid(m)) if m.contains("chain.url")
		));
		let wrong = format!("[agent]\nid = 1\nsecret_key = \"0x{}\"\n", hex::encode([7u8; 32]));
		let t2 = t.replacen(&t[..t.find("\n\n").unwrap()], wrong.trim_end(), 1);
		assert!(matches!(Config::parse(&t2), Err(ConfigError::KeyMismatch(1, _))));
		assert!(matches!(Config::parse(&(t.clone() + "[agent2]\n")), Err(ConfigError::Parse(_))));
		assert!(matches!(
			Config::parse(&t.replace("secret_key = \"0x", "secret_key = \"")),
			Err(ConfigError::SecretKey)
		));
		assert!(matches!(
			Config::parse(
				&t.replace("asn = 64512\npricePerGib = \"10\"", "asn = 0\npricePerGib = \"10\"")
			),
			Err(ConfigError::Peer(EntryError::Asn(1, 0)))
		));
		assert!(matches!(
			Config::parse(&(t + "[exit]\nallow = [\"10.0.0.0/33\"]\n")),
			Err(ConfigError::Invalid(_))
		));
	}

	#[test]
	fn h2_config_refuses_private_peers_outside_a_test_bed() {
		// The peers of `toml_for` are on 127.0.0.1.
		let strict = toml_for(1).replace("[net]\ntest_bed = true\n", "");
		assert!(matches!(
			Config::parse(&strict),
			Err(ConfigError::Peer(EntryError::NotPublic(2, _)))
		));
		let c = Config::parse(&toml_for(1)).unwrap();
		assert!(c.net.test_bed);
		// The listen address counts as this host's own.
		let mut c = c;
		c.net.test_bed = false;
		c.agent.listen = "8.8.8.8:51820".parse().unwrap();
		assert_eq!(c.endpoint_policy(vec![]).own, vec!["8.8.8.8".parse::<IpAddr>().unwrap()]);
	}

	/// H9: `ws://` was accepted for any host, so a man in the middle could substitute keys.
	#[test]
	fn h9_chain_url_must_be_wss_or_loopback() {
		let t = toml_for(1);
		let head = &t[..t.find("\n\n").unwrap()];
		let with = |url: &str| Config::parse(&format!("{head}\n\n[chain]\nurl = \"{url}\"\n"));
		for ok in [
			"wss://rpc.example.org:443",
			"ws://127.0.0.1:9944",
			"ws://127.0.0.53:9944/",
			"ws://localhost:9944",
			"ws://[::1]:9944",
		] {
			assert!(with(ok).is_ok(), "{ok}");
		}
		for bad in [
			"ws://10.0.0.5:9944",
			"ws://rpc.example.org:9944",
			"ws://127.0.0.1.evil.example:9944",
			"ws://localhost.evil.example",
			"ws://[2001:db8::1]:9944",
			"http://127.0.0.1:9933",
		] {
			assert!(
				matches!(with(bad), Err(ConfigError::Invalid(m)) if m.contains("chain.url")),
				"{bad}"
			);
		}
	}

	/// L7: negative or NaN weights and margins were taken (flapping, or the worst path), and
	/// `pulse_interval_ms * 1_000` could overflow.
	#[test]
	fn l7_nonsense_routing_numbers_and_intervals_are_refused() {
		let t = toml_for(1);
		for bad in [
			"latency_weight = -1.0",
			"latency_weight = nan",
			"margin_ms = -10.0",
			"margin_ratio = inf",
			"price_weight = -0.5",
			"loss_weight_ms_per_percent = 1e300",
		] {
			let text = format!("{t}[routing]\n{bad}\n");
			assert!(
				matches!(Config::parse(&text), Err(ConfigError::Invalid(m)) if m.contains("routing.")),
				"{bad}"
			);
		}
		for bad in ["pulse_interval_ms = 0", "pulse_interval_ms = 9223372036854775807"] {
			let text = t.replacen("[net]", &format!("{bad}\n\n[net]"), 1);
			assert!(matches!(Config::parse(&text), Err(ConfigError::Invalid(_))), "{bad}");
		}
		let ok = t.replacen("[net]", "pulse_interval_ms = 3600000\n\n[net]", 1);
		assert_eq!(Config::parse(&ok).unwrap().pulse().interval_us, 3_600_000_000);
		let head = &t[..t.find("\n\n").unwrap()];
		let chain = format!("{head}\n\n[chain]\nurl = \"ws://127.0.0.1:9944\"\npoll_ms = 0\n");
		assert!(matches!(Config::parse(&chain), Err(ConfigError::Invalid(_))));
	}

	#[test]
	fn the_example_config_parses() {
		let text = include_str!("../ditex-relay.example.toml");
		// It names a key file that is not there: it cannot run as it stands (L1).
		let c: Config = toml::from_str(text).unwrap();
		assert!(matches!(c.check(), Err(ConfigError::SecretFile { .. })));
		// With a key of one's own, and (its peers are on documentation addresses) a test bed.
		let own = format!("secret_key = \"0x{}\"", hex::encode(secret(1).to_bytes()));
		let text = text
			.replace("secret_key_file = \"/etc/ditex-relay/secret.key\"", &own)
			.replace("test_bed = false", "test_bed = true");
		let mut c: Config = toml::from_str(&text).unwrap();
		// Its peer 1 is this agent: give it our key.
		c.peers[0].key = format!("0x{}", hex::encode(PublicKey::from(&secret(1)).as_bytes()));
		c.check().unwrap();
	}

	/// L1: the example config shipped a working secret key, the one its peer 1 carries.
	#[test]
	fn l1_the_published_example_key_is_refused() {
		let t = toml_for(1);
		let text = t.replacen(
			&format!("0x{}", hex::encode(secret(1).to_bytes())),
			PUBLISHED_SECRETS[0],
			1,
		);
		assert!(matches!(Config::parse(&text), Err(ConfigError::PublishedKey)));
	}

	/// L2: `secret_key` showed in `Debug` output and in TOML errors, and no key file with a
	/// permission check existed.
	#[test]
	fn l2_secrets_stay_out_of_debug_output_and_errors() {
		let t = toml_for(1);
		let hex_secret = hex::encode(secret(1).to_bytes());
		let c = Config::parse(&t).unwrap();
		assert!(!format!("{c:?}").contains(&hex_secret), "Debug shows the secret");
		// Unquoted: a TOML error on the secret's own line.
		let unquoted = t.replace(&format!("\"0x{hex_secret}\""), &format!("0x{hex_secret}"));
		let e = Config::parse(&unquoted).unwrap_err();
		assert!(matches!(e, ConfigError::SecretKey), "{e}");
		assert!(!e.to_string().contains(&hex_secret));
		// An error elsewhere quotes the file with the secret blanked.
		let e = Config::parse(&format!("{t}[routing]\nmargin_ms = \"x\"\n")).unwrap_err();
		assert!(matches!(e, ConfigError::Parse(_)) && !e.to_string().contains(&hex_secret), "{e}");
		// A key file: the owner's only.
		use std::os::unix::fs::PermissionsExt;
		let dir = tempfile::tempdir().unwrap();
		let file = dir.path().join("secret.key");
		std::fs::write(&file, format!("0x{hex_secret}\n")).unwrap();
		let with_file = t.replace(
			&format!("secret_key = \"0x{hex_secret}\""),
			&format!("secret_key_file = \"{}\"", file.display()),
		);
		std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
		let e = Config::parse(&with_file).unwrap_err();
		assert!(matches!(e, ConfigError::SecretFile { .. }), "{e}");
		std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
		let c = Config::parse(&with_file).unwrap();
		assert_eq!(c.secret().unwrap().to_bytes(), secret(1).to_bytes());
		// Both, or neither: refused.
		let both =
			format!("{}\nsecret_key_file = \"{}\"", &t[..t.find("\n\n").unwrap()], file.display());
		assert!(matches!(
			Config::parse(&format!("{both}{}", &t[t.find("\n\n").unwrap()..])),
			Err(ConfigError::SecretKey)
		));
	}

	#[test]
	fn cidr_matching() {
		let n: Cidr = "10.1.0.0/16".parse().unwrap();
		assert!(n.contains("10.1.200.3".parse().unwrap()));
		assert!(!n.contains("10.2.0.1".parse().unwrap()));
		assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains("8.8.8.8".parse().unwrap()));
		assert!("::/0".parse::<Cidr>().unwrap().contains("fd00::1".parse().unwrap()));
		assert!(!"::/0".parse::<Cidr>().unwrap().contains("1.1.1.1".parse().unwrap()));
	}
}
