//! `scripts/devnet.sh`'s program: the whole exchange on this machine (see
//! `ditex_e2e::devnet`).
//!
//!   devnet [--duration SECS] [--dir DIR]
//!
//! Without `--duration` it runs until Ctrl-C, congesting the consumer's direct link for 75 s
//! of every 120 s. With it the consumer's traffic runs SECS seconds (at least 150: a healthy
//! spell, a congested one, a healthy one), then the channels are closed and settled, a
//! summary table printed, and the exit status is 0 only if the traffic was rerouted and
//! came back, every relay was paid exactly what its downstream acknowledged and the pools
//! grew by the fee split. Without root it runs the chain and four loopback agents only.

use std::{
	path::PathBuf,
	sync::{atomic::AtomicBool, Arc},
	time::Duration,
};

use anyhow::{bail, Context, Result};
use ditex_e2e::devnet::{self, Options};

fn usage() -> ! {
	eprintln!("usage: devnet [--duration SECS] [--dir DIR]");
	std::process::exit(2)
}

#[tokio::main]
async fn main() -> Result<()> {
	let mut opts = Options {
		dir: PathBuf::from("/tmp/ditex-devnet"),
		traffic: None,
		stop: Arc::new(AtomicBool::new(false)),
		rpc_port: Some(9944),
	};
	let mut args = std::env::args().skip(1);
	while let Some(a) = args.next() {
		match a.as_str() {
			"--duration" => {
				let secs: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or_else(|| usage());
				if secs < 150 {
					bail!("--duration: at least 150 s (healthy, congested, healthy again)");
				}
				opts.traffic = Some(Duration::from_secs(secs));
			},
			"--dir" => opts.dir = args.next().map(PathBuf::from).unwrap_or_else(|| usage()),
			_ => usage(),
		}
	}
	// A fresh chain each time: the old state would hold the old routers and channels.
	if opts.dir.exists() {
		std::fs::remove_dir_all(&opts.dir)
			.with_context(|| format!("removing {}", opts.dir.display()))?;
	}
	// Ctrl-C (or SIGTERM) drops whatever runs: the devnet's `Drop`s stop the agents and the
	// nodes and delete the namespaces, and with them every link and qdisc.
	let stopped = async {
		let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
		tokio::select! {
			r = tokio::signal::ctrl_c() => r?,
			_ = term.recv() => {},
		}
		anyhow::Ok(())
	};
	// SAFETY: geteuid has no preconditions.
	let root = unsafe { libc::geteuid() } == 0;
	if !root {
		println!(
			"devnet: not root, so no network namespaces: running the chain and four loopback agents only \
			 (no congestion, no detour, no payments). Run as root for the whole exchange."
		);
	}
	let dir = opts.dir.clone();
	let ran = async {
		if !root {
			return devnet::run_loopback(&opts).await;
		}
		let (dn, summary) = devnet::run(&opts).await?;
		let Some(summary) = summary else { return Ok(()) };
		println!("\n{}", summary.table(&dn));
		let ok = summary.ok();
		drop(dn);
		if !ok {
			bail!("the exchange did not do all it should: see the table above");
		}
		Ok(())
	};
	let r = tokio::select! {
		r = ran => r,
		s = stopped => s.map(|_| println!("\ndevnet: stopped; every namespace, link, process and rule it made is gone")),
	};
	println!("devnet: logs and state are in {}", dir.display());
	r
}
