//! Relay agents follow the registry on a real node. Two agents configured with nothing but
//! their own segment id, key and the node's address find each other in their group and pulse;
//! a segment registered while they run joins their group at the next poll; an agent whose
//! registered key is not its own refuses its listing, says so and pulses nobody; and with the
//! node gone the agents keep pulsing on their last view and count the failed polls.

use std::{
	net::UdpSocket,
	path::{Path, PathBuf},
	process::Child,
	time::{Duration, Instant},
};

use anyhow::{bail, Result};
use ditex_ctl::{segment, Chain};
use ditex_e2e::{spawn_relay, Keys, Node, NodeConfig};
use ditex_primitives::registry::{SegmentId, SegmentSpec, TicketKey};
use serde_json::Value;
use subxt_signer::sr25519::{dev, Keypair};

/// A key pair from `ditex-relay keygen`: (secret, public), both `0x`-hex.
fn keygen() -> Result<(String, String)> {
	let keys = Keys::generate()?;
	Ok((keys.get("secret_key")?, keys.get("key")?))
}

/// A free UDP port on loopback.
fn free_udp_port() -> u16 {
	UdpSocket::bind("127.0.0.1:0").and_then(|s| s.local_addr()).map(|a| a.port()).unwrap()
}

/// The listing of an agent at `127.0.0.1:port` with public key `public`, as
/// `ditex-ctl segment register` builds it.
fn spec(port: u16, public: &str) -> Result<SegmentSpec<u128>> {
	let endpoint = ([127, 0, 0, 1], port).into();
	let region = segment::parse_region("DE-BE")?;
	let key = segment::parse_key(public)?;
	// Any key no other router has; these agents submit no tickets.
	let ticket_key = TicketKey(key.0.map(|b| !b));
	Ok(segment::spec(endpoint, key, ticket_key, region, 3320, Some(1_000_000), 1000))
}

async fn register(
	chain: &Chain,
	operator: &Keypair,
	spec: &SegmentSpec<u128>,
) -> Result<SegmentId> {
	Ok(segment::register(chain, operator, spec).await?.0)
}

/// A running `ditex-relay`; killed when dropped.
struct Agent {
	child: Child,
	status: PathBuf,
	log: PathBuf,
}

impl Agent {
	fn start(dir: &Path, id: SegmentId, secret: &str, port: u16, url: &str) -> Result<Agent> {
		let cfg = dir.join(format!("relay-{id}.toml"));
		let status = dir.join(format!("relay-{id}.status.json"));
		let state = dir.join(format!("relay-{id}.accounting.json"));
		std::fs::write(
			&cfg,
			format!(
				"[agent]\nid = {id}\nsecret_key = \"{secret}\"\nlisten = \"127.0.0.1:{port}\"\n\
				 pulse_interval_ms = 500\nstatus_file = \"{}\"\nstate_file = \"{}\"\n\n\
				 [net]\ntest_bed = true\n\n\
				 [chain]\nurl = \"{url}\"\npoll_ms = 1000\n",
				status.display(),
				state.display()
			),
		)?;
		let log = dir.join(format!("relay-{id}.log"));
		let child = spawn_relay(&cfg, &log)?;
		Ok(Agent { child, status, log })
	}

	fn status(&self) -> Option<Value> {
		serde_json::from_slice(&std::fs::read(&self.status).ok()?).ok()
	}

	fn log(&self) -> String {
		std::fs::read_to_string(&self.log).unwrap_or_default()
	}

	fn pulse_peers(&self) -> Vec<u64> {
		self.status()
			.and_then(|s| s["pulse_peers"].as_array().cloned())
			.map(|a| a.iter().filter_map(Value::as_u64).collect())
			.unwrap_or_default()
	}

	/// Whether pulses from `from` arrive here.
	fn hears(&self, from: SegmentId, me: SegmentId) -> bool {
		self.status().is_some_and(|s| {
			s["links"].as_array().is_some_and(|l| {
				l.iter().any(|k| k["from"] == from && k["to"] == me && k["loss_ppm"] == 0)
			})
		})
	}

	fn chain(&self, field: &str) -> u64 {
		self.status().and_then(|s| s["chain"][field].as_u64()).unwrap_or(0)
	}
}

impl Drop for Agent {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

/// Poll `f` every 200 ms for up to `within`; the error names `what` and shows the agents' logs.
async fn until(
	what: &str,
	within: Duration,
	agents: &[&Agent],
	f: impl Fn() -> bool,
) -> Result<()> {
	let end = Instant::now() + within;
	while Instant::now() < end {
		if f() {
			return Ok(());
		}
		tokio::time::sleep(Duration::from_millis(200)).await;
	}
	let logs: Vec<String> = agents.iter().map(|a| a.log()).collect();
	bail!("{what}: not within {within:?}\n{}", logs.join("\n----\n"))
}

#[tokio::test(flavor = "multi_thread")]
async fn agents_follow_the_registry_on_the_chain() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let mut node = Node::start(NodeConfig::new("dev", "dev", dir.path())).await?;
	node.wait_finalized(1).await?;
	let chain = Chain::connect(&node.ws_url()).await?;
	let url = node.ws_url();

	// Bob and Charlie register the routers their agents run, with the agents' own keys.
	let keys = [keygen()?, keygen()?, keygen()?];
	let ports = [free_udp_port(), free_udp_port(), free_udp_port()];
	let a = register(&chain, &dev::bob(), &spec(ports[0], &keys[0].1)?).await?;
	let b = register(&chain, &dev::charlie(), &spec(ports[1], &keys[1].1)?).await?;
	let agent_a = Agent::start(dir.path(), a, &keys[0].0, ports[0], &url)?;
	let agent_b = Agent::start(dir.path(), b, &keys[1].0, ports[1], &url)?;
	let both = [&agent_a, &agent_b];
	until(
		"the agents find each other on the chain and pulse",
		Duration::from_secs(30),
		&both,
		|| {
			agent_a.pulse_peers() == [b as u64]
				&& agent_b.pulse_peers() == [a as u64]
				&& agent_a.hears(b, a)
				&& agent_b.hears(a, b)
		},
	)
	.await?;
	assert!(agent_a.chain("syncs") >= 1 && agent_a.chain("failures") == 0);

	// Dave registers a third router while they run, with the third key; its agent runs with
	// another secret: the operator pasted the wrong key.
	let c = register(&chain, &dev::dave(), &spec(ports[2], &keys[2].1)?).await?;
	until(
		"the new segment joins the running agents' group",
		Duration::from_secs(15),
		&both,
		|| {
			agent_a.pulse_peers() == [b as u64, c as u64]
				&& agent_b.pulse_peers() == [a as u64, c as u64]
		},
	)
	.await?;
	let agent_c = Agent::start(dir.path(), c, &keygen()?.0, ports[2], &url)?;
	until(
		"the agent with the wrong key refuses its listing",
		Duration::from_secs(15),
		&[&agent_c],
		|| agent_c.chain("refused") >= 1,
	)
	.await?;
	assert!(agent_c.log().contains("registered with another data-plane key"), "{}", agent_c.log());
	assert_eq!(
		agent_c.pulse_peers(),
		Vec::<u64>::new(),
		"it pulses nobody with a key nobody knows"
	);

	// The node goes away: the agents keep their view and their pulses, and count the failures.
	node.kill();
	let received = |x: &Agent| x.status().and_then(|s| s["pulses_received"].as_u64()).unwrap_or(0);
	let before = received(&agent_a);
	until("the agents count the failed polls", Duration::from_secs(30), &both, || {
		agent_a.chain("failures") >= 2 && agent_b.chain("failures") >= 2
	})
	.await?;
	assert_eq!(agent_a.pulse_peers(), [b as u64, c as u64], "the last view is kept");
	assert!(received(&agent_a) > before, "pulses go on without the node");
	assert!(agent_a.hears(b, a), "and still arrive unharmed");
	let err = agent_a.status().and_then(|s| s["chain"]["last_error"].as_str().map(String::from));
	assert!(err.is_some(), "the status says why the polls fail");
	assert!(agent_a.log().contains("keeping the last view"), "{}", agent_a.log());
	Ok(())
}
