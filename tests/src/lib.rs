//! Harness for end-to-end tests: starts real `ditex-node` processes on free loopback ports with
//! temporary base paths, and talks to them with subxt.
//!
//! The node binary is found next to the test executable's target directory
//! (`target/<profile>/ditex-node`) or taken from `DITEX_NODE`; `scripts/test.sh` builds it
//! before running the tests.

use std::{
	io::{BufRead, BufReader, Read, Write},
	net::{TcpListener, TcpStream},
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Context, Result};
use subxt::{
	rpcs::{rpc_params, RpcClient},
	utils::H256,
	PolkadotConfig,
};

pub use ditex_ctl::Api;

pub mod devnet;
/// The network-namespace lab the relay agent's own tests use, shared with the tests here and
/// the devnet.
#[path = "../../relay-agent/tests/common/mod.rs"]
pub mod lab;

/// Upper bound on any single wait in the tests, so a broken node fails a test rather than
/// hanging it.
pub const WAIT: Duration = Duration::from_secs(180);

/// Path of the `ditex-node` binary under test.
pub fn node_binary() -> Result<PathBuf> {
	built_binary("ditex-node", "DITEX_NODE")
}

/// Path of the `ditex-relay` binary under test.
pub fn relay_binary() -> Result<PathBuf> {
	built_binary("ditex-relay", "DITEX_RELAY")
}

/// The workspace binary `name`, built beside the test executable, or the path in `env`.
fn built_binary(name: &str, env: &str) -> Result<PathBuf> {
	if let Ok(p) = std::env::var(env) {
		return Ok(PathBuf::from(p));
	}
	// target/<profile>/deps/<test-exe> -> target/<profile>/<name>
	let exe = std::env::current_exe()?;
	let profile_dir = exe
		.parent()
		.and_then(Path::parent)
		.ok_or_else(|| anyhow!("unexpected test executable location {}", exe.display()))?;
	let bin = profile_dir.join(name);
	if !bin.exists() {
		bail!("{} not found: build it first (`cargo build -p {name}`) or set {env}", bin.display());
	}
	Ok(bin)
}

/// Key pairs from `ditex-relay keygen`, by the names it prints (`secret_key`, `key`,
/// `ticket_secret_key`, `ticket_key`), values `0x`-hex.
pub struct Keys(Vec<(String, String)>);

impl Keys {
	/// New pairs from the agent's own `keygen`.
	pub fn generate() -> Result<Keys> {
		let out = Command::new(relay_binary()?).arg("keygen").output()?;
		let text = String::from_utf8(out.stdout)?;
		Ok(Keys(
			text.lines()
				.filter_map(|l| l.split_once(" = "))
				.map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
				.collect(),
		))
	}

	/// The value printed as `name`.
	pub fn get(&self, name: &str) -> Result<String> {
		self.0
			.iter()
			.find(|(k, _)| k == name)
			.map(|(_, v)| v.clone())
			.ok_or_else(|| anyhow!("keygen printed no {name}"))
	}
}

/// Start `ditex-relay run --config cfg`, logging to `log`.
pub fn spawn_relay(cfg: &Path, log: &Path) -> Result<Child> {
	Command::new(relay_binary()?)
		.args(["run", "--config"])
		.arg(cfg)
		.env("RUST_LOG", "info")
		.stdin(Stdio::null())
		.stdout(Stdio::null())
		.stderr(std::fs::File::create(log)?)
		.spawn()
		.context("spawning ditex-relay")
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|l| l.local_addr())
		.map(|a| a.port())
		.expect("loopback has free ports")
}

/// How to start one node.
#[derive(Clone, Debug)]
pub struct NodeConfig {
	/// A name for logs.
	pub name: String,
	/// `--dev`, `local` or a chain spec path.
	pub chain: String,
	/// The dev key to validate with (`alice`, `bob`, ...), if any.
	pub validator: Option<String>,
	/// Run as a validator without a dev key: an operator's node whose session keys come
	/// from `author_rotateKeys`.
	pub authority: bool,
	/// Where the node keeps its database and keys.
	pub base_path: PathBuf,
	/// Multiaddresses of nodes to connect to.
	pub bootnodes: Vec<String>,
	/// Fixed libp2p key (hex), so a restarted node keeps its peer id.
	pub node_key: String,
	/// Ports; kept across restarts.
	pub p2p_port: u16,
	pub rpc_port: u16,
	pub prometheus_port: u16,
	/// More command-line arguments, after the others.
	pub extra_args: Vec<String>,
	/// Where to write the node's log as well (the devnet keeps it for people to read).
	pub log_file: Option<PathBuf>,
}

impl NodeConfig {
	/// A fresh configuration with free ports and a random node key.
	pub fn new(name: &str, chain: &str, base_path: &Path) -> Self {
		let mut key = [0u8; 32];
		// The key only needs to be distinct per node; the clock and the name suffice.
		let seed = format!("{name}{:?}{}", Instant::now(), std::process::id());
		for (i, b) in seed.bytes().enumerate() {
			key[i % 32] = key[i % 32].wrapping_mul(31).wrapping_add(b);
		}
		key[0] |= 1;
		Self {
			name: name.into(),
			chain: chain.into(),
			validator: None,
			authority: false,
			base_path: base_path.into(),
			bootnodes: vec![],
			node_key: hex::encode(key),
			p2p_port: free_port(),
			rpc_port: free_port(),
			prometheus_port: free_port(),
			extra_args: vec![],
			log_file: None,
		}
	}
}

/// A running `ditex-node` process; killed when dropped.
pub struct Node {
	pub config: NodeConfig,
	child: Option<Child>,
	log: Arc<Mutex<Vec<String>>>,
}

impl Node {
	/// Start a node and wait until its RPC answers.
	pub async fn start(config: NodeConfig) -> Result<Node> {
		let mut cmd = Command::new(node_binary()?);
		if config.chain == "dev" {
			cmd.arg("--dev");
		} else {
			cmd.args(["--chain", &config.chain]);
		}
		if let Some(v) = &config.validator {
			cmd.arg(format!("--{v}")).arg("--validator");
		} else if config.authority {
			cmd.arg("--validator");
		}
		cmd.arg("--base-path")
			.arg(&config.base_path)
			.args(["--name", &config.name])
			.args(["--node-key", &config.node_key])
			.args(["--listen-addr", &format!("/ip4/127.0.0.1/tcp/{}", config.p2p_port)])
			.args(["--rpc-port", &config.rpc_port.to_string()])
			.args(["--prometheus-port", &config.prometheus_port.to_string()])
			.args(["--no-mdns", "--no-telemetry"])
			.args(["--rpc-cors", "all"])
			.args(["-l", "info"]);
		for b in &config.bootnodes {
			cmd.args(["--bootnodes", b]);
		}
		cmd.args(&config.extra_args);
		cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
		let mut child = cmd.spawn().context("spawning ditex-node")?;

		// Keep the node's log: it is printed when a test fails, and tests read it.
		let log = Arc::new(Mutex::new(Vec::new()));
		let stderr = child.stderr.take().expect("piped");
		let sink = log.clone();
		let name = config.name.clone();
		let mut file = match &config.log_file {
			Some(p) => Some(
				std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
			),
			None => None,
		};
		std::thread::spawn(move || {
			for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
				if std::env::var_os("DITEX_E2E_VERBOSE").is_some() {
					eprintln!("[{name}] {line}");
				}
				if let Some(f) = &mut file {
					let _ = writeln!(f, "{line}");
				}
				sink.lock().unwrap().push(line);
			}
		});

		let node = Node { config, child: Some(child), log };
		node.wait_for_rpc().await?;
		Ok(node)
	}

	/// WebSocket/HTTP RPC endpoint.
	pub fn ws_url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.config.rpc_port)
	}

	/// The node's multiaddress with its peer id, for `--bootnodes`.
	pub async fn multiaddr(&self) -> Result<String> {
		let peer_id: String =
			self.rpc().await?.request("system_localPeerId", rpc_params![]).await?;
		Ok(format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer_id}", self.config.p2p_port))
	}

	async fn wait_for_rpc(&self) -> Result<()> {
		let deadline = Instant::now() + WAIT;
		loop {
			if let Ok(rpc) = RpcClient::from_insecure_url(self.ws_url()).await {
				if rpc.request::<serde_json::Value>("system_health", rpc_params![]).await.is_ok() {
					return Ok(());
				}
			}
			if Instant::now() > deadline {
				bail!("{}: RPC did not come up\n{}", self.config.name, self.log_tail(40));
			}
			if let Some(child) = &self.child {
				// A node that exited will never answer: fail now with its log.
				let pid = child.id() as libc::pid_t;
				let mut status = 0;
				if unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } == pid {
					bail!("{}: node exited\n{}", self.config.name, self.log_tail(40));
				}
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
	}

	/// A raw JSON-RPC client.
	pub async fn rpc(&self) -> Result<RpcClient> {
		Ok(RpcClient::from_insecure_url(self.ws_url()).await?)
	}

	/// A subxt client.
	pub async fn api(&self) -> Result<Api> {
		Ok(Api::from_insecure_url(self.ws_url()).await?)
	}

	/// Call runtime API `method` (`"Trait_method"`) with SCALE-encoded `args` through the
	/// `state_call` RPC, at block `at` or the best block, and decode its answer.
	pub async fn state_call<R: codec::Decode>(
		&self,
		method: &str,
		args: impl codec::Encode,
		at: Option<H256>,
	) -> Result<R> {
		let args = format!("0x{}", hex::encode(args.encode()));
		let answer: String =
			self.rpc().await?.request("state_call", rpc_params![method, args, at]).await?;
		let raw = hex::decode(answer.trim_start_matches("0x"))?;
		Ok(R::decode(&mut &raw[..])?)
	}

	/// Number and hash of the node's best block.
	pub async fn best(&self) -> Result<(u32, H256)> {
		let rpc = self.rpc().await?;
		let header: serde_json::Value = rpc.request("chain_getHeader", rpc_params![]).await?;
		header_number_hash(&rpc, header).await
	}

	/// Number and hash of the node's last finalized block.
	pub async fn finalized(&self) -> Result<(u32, H256)> {
		let rpc = self.rpc().await?;
		let hash: H256 = rpc.request("chain_getFinalizedHead", rpc_params![]).await?;
		let header: serde_json::Value = rpc.request("chain_getHeader", rpc_params![hash]).await?;
		header_number_hash(&rpc, header).await
	}

	/// The hash of the block at `number` on this node's best chain, if it has one.
	pub async fn block_hash(&self, number: u32) -> Result<Option<H256>> {
		Ok(self.rpc().await?.request("chain_getBlockHash", rpc_params![number]).await?)
	}

	/// Wait until the node's finalized block number reaches `n`.
	pub async fn wait_finalized(&self, n: u32) -> Result<(u32, H256)> {
		let deadline = Instant::now() + WAIT;
		loop {
			let f = self.finalized().await?;
			if f.0 >= n {
				return Ok(f);
			}
			if Instant::now() > deadline {
				bail!(
					"{}: finalized #{} after {:?}, wanted #{n}\n{}",
					self.config.name,
					f.0,
					WAIT,
					self.log_tail(30)
				);
			}
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
	}

	/// Kill the process with SIGKILL: no shutdown, no flush.
	pub fn kill(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// The last `n` lines the node logged.
	pub fn log_tail(&self, n: usize) -> String {
		let log = self.log.lock().unwrap();
		log[log.len().saturating_sub(n)..].join("\n")
	}

	/// Whether any logged line contains `needle`.
	pub fn logged(&self, needle: &str) -> bool {
		self.log.lock().unwrap().iter().any(|l| l.contains(needle))
	}

	/// The logged lines that contain `needle`.
	pub fn log_lines(&self, needle: &str) -> Vec<String> {
		self.log.lock().unwrap().iter().filter(|l| l.contains(needle)).cloned().collect()
	}

	/// Fetch the Prometheus metrics page.
	pub fn metrics(&self) -> Result<String> {
		let mut s = TcpStream::connect(("127.0.0.1", self.config.prometheus_port))?;
		s.set_read_timeout(Some(Duration::from_secs(10)))?;
		write!(s, "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
		let mut body = String::new();
		s.read_to_string(&mut body)?;
		Ok(body)
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		if std::thread::panicking() {
			eprintln!("--- last log lines of {} ---\n{}", self.config.name, self.log_tail(60));
		}
		self.kill();
	}
}

async fn header_number_hash(rpc: &RpcClient, header: serde_json::Value) -> Result<(u32, H256)> {
	let number = header["number"]
		.as_str()
		.and_then(|s| u32::from_str_radix(s.trim_start_matches("0x"), 16).ok())
		.ok_or_else(|| anyhow!("header without number: {header}"))?;
	let hash: H256 = rpc.request("chain_getBlockHash", rpc_params![number]).await?;
	Ok((number, hash))
}

/// Parent hash of the block `hash`.
pub async fn parent_hash(rpc: &RpcClient, hash: H256) -> Result<H256> {
	let header: serde_json::Value = rpc.request("chain_getHeader", rpc_params![hash]).await?;
	let parent = header["parentHash"].as_str().ok_or_else(|| anyhow!("no parentHash"))?;
	let bytes = hex::decode(parent.trim_start_matches("0x"))?;
	Ok(H256::from_slice(&bytes))
}

/// `System.Account` of one account, as far as the tests need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale_decode::DecodeAsType)]
pub struct AccountInfo {
	pub nonce: u32,
	pub data: AccountData,
}

/// The balances part of `System.Account`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale_decode::DecodeAsType)]
pub struct AccountData {
	pub free: u128,
	pub reserved: u128,
	pub frozen: u128,
}

/// Read `System.Account` of `who` at block `at`.
pub async fn account(api: &Api, at: H256, who: [u8; 32]) -> Result<AccountInfo> {
	let addr = subxt::dynamic::storage::<([u8; 32],), AccountInfo>("System", "Account");
	let at = api.at_block(at).await?;
	let value = at.storage().fetch(addr, (who,)).await?;
	Ok(value.decode()?)
}

/// `Rewards.FeesReceived`: a fee split into the pools.
#[derive(Debug, Clone, Copy, scale_decode::DecodeAsType)]
pub struct FeesReceived {
	pub validator: u128,
	pub dividend: u128,
}

/// `Rewards.SubsidyMinted`: a block's subsidy, split into the pools.
#[derive(Debug, Clone, Copy, scale_decode::DecodeAsType)]
pub struct SubsidyMinted {
	pub amount: u128,
	pub validator: u128,
	pub dividend: u128,
}

/// The subsidy minted in the block `events` are of, if any.
pub fn subsidy(
	events: &subxt::extrinsics::ExtrinsicEvents<PolkadotConfig>,
) -> Result<Option<SubsidyMinted>> {
	let found = events
		.all_events_in_block()
		.iter()
		.filter_map(|e| e.ok())
		.find(|e| e.pallet_name() == "Rewards" && e.event_name() == "SubsidyMinted");
	Ok(match found {
		Some(e) => Some(e.decode_fields_unchecked_as::<SubsidyMinted>()?),
		None => None,
	})
}

/// The reward pools at block `at`, as the runtime API shows them.
pub async fn pools(
	node: &Node,
	at: H256,
) -> Result<pallet_rewards_runtime_api::Pools<[u8; 32], u128>> {
	node.state_call("RewardsApi_pools", (), Some(at)).await
}

/// `TransactionPayment.TransactionFeePaid`, as far as the tests need it.
#[derive(Debug, Clone, Copy, scale_decode::DecodeAsType)]
pub struct TransactionFeePaid {
	pub actual_fee: u128,
	pub tip: u128,
}

/// A `Balances.transfer_keep_alive` of `amount` from `from` to `to`, signed and finalized:
/// the block it is in and its events.
pub async fn transfer(
	api: &Api,
	from: &subxt_signer::sr25519::Keypair,
	to: &subxt_signer::sr25519::Keypair,
	amount: u128,
) -> Result<(H256, subxt::extrinsics::ExtrinsicEvents<PolkadotConfig>)> {
	let tx = subxt::dynamic::tx(
		"Balances",
		"transfer_keep_alive",
		(to.public_key().to_address::<()>(), amount),
	);
	let in_block = api
		.at_current_block()
		.await?
		.transactions()
		.sign_and_submit_then_watch_default(&tx, from)
		.await?
		.wait_for_finalized()
		.await?;
	let events = in_block.wait_for_success().await?;
	Ok((in_block.block_hash(), events))
}
