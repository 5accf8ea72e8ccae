//! QoS orders carried out with `tc`: the shell of [`crate::qos`].
//!
//! A task of its own ([`spawn`]) polls the chain for the orders on this router's segment
//! (`SettlementApi_orders_of` at the finalized head), reads the egress interface's `htb`
//! classes and `u32` filters back from the kernel (`tc class show`, `tc filter show`, `tc
//! qdisc show`: iproute2 6.1 prints classes as text even with `-j`, so the text is parsed),
//! runs the changes [`Qos::plan`] returns, reads the kernel again and only then confirms what
//! [`Qos::verify`] finds applied. Everything else is rejected with its reason under the
//! router's ticket key, which refunds the consumer at once. Each answer is an authorized
//! transaction submitted in a task of its own, so a slow node never holds the next poll.
//! After every poll the orders' states and the counters are published ([`QosHandle::status`])
//! for the status file, the dashboard and `/metrics`.
//!
//! `tc` needs `CAP_NET_ADMIN`: an agent that dropped it rejects every order with
//! `traffic_control_failed` (and says so in its log).

use std::{path::PathBuf, process::Stdio, sync::Arc, time::Duration};

use ditex_ctl::{qos as chain_qos, Chain};
use ditex_primitives::{
	qos::{QosRejectReason, QosVerdict},
	registry::SegmentId,
	settlement::OrderId,
	BlockNumber,
};
use tokio::{
	process::Command,
	sync::{mpsc, watch},
	task::JoinHandle,
};

use super::status::QosStatus;
use crate::qos::{parse_classes, parse_filters, parse_qdisc, KernelState, Offer, Qos, TcOp};

/// Longest one `tc` command may take.
const TC_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest a chain read may take.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest an answer may take to be finalized.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);

/// `tc` on one interface.
#[derive(Clone, Debug)]
pub struct Tc {
	/// The binary.
	pub bin: PathBuf,
	/// The interface.
	pub dev: String,
	/// Our `htb` handle.
	pub handle: u16,
}

impl Tc {
	/// Run `tc args…`; its stdout, or why it failed (its stderr).
	pub async fn run(&self, args: &[String]) -> Result<String, String> {
		let child = Command::new(&self.bin)
			.args(args)
			.stdin(Stdio::null())
			.stdout(Stdio::piped())
			.stderr(Stdio::piped())
			.kill_on_drop(true)
			.output();
		let out = tokio::time::timeout(TC_TIMEOUT, child)
			.await
			.map_err(|_| format!("tc {} timed out", args.join(" ")))?
			.map_err(|e| format!("running {}: {e}", self.bin.display()))?;
		if out.status.success() {
			Ok(String::from_utf8_lossy(&out.stdout).into_owned())
		} else {
			Err(format!(
				"tc {} failed ({}): {}",
				args.join(" "),
				out.status,
				String::from_utf8_lossy(&out.stderr).trim()
			))
		}
	}

	fn words(&self, w: &[&str]) -> Vec<String> {
		w.iter().map(|s| s.to_string()).collect()
	}

	/// What the kernel has under our handle on the interface.
	pub async fn read(&self) -> Result<KernelState, String> {
		let qdisc = self.run(&self.words(&["qdisc", "show", "dev", &self.dev])).await?;
		let root = parse_qdisc(&qdisc, self.handle);
		if !root {
			return Ok(KernelState::default());
		}
		let classes = self.run(&self.words(&["class", "show", "dev", &self.dev])).await?;
		let parent = format!("{:x}:", self.handle);
		let filters =
			self.run(&self.words(&["filter", "show", "dev", &self.dev, "parent", &parent])).await?;
		Ok(KernelState {
			root,
			classes: parse_classes(&classes, self.handle)?,
			filters: parse_filters(&filters, self.handle)?,
		})
	}

	/// Run `ops` in order; the ones that failed, with why. An `Add` whose class fails does not
	/// try its filter.
	pub async fn apply(&self, ops: &[TcOp]) -> Vec<(TcOp, String)> {
		let mut failed = Vec::new();
		for op in ops {
			for args in op.args(&self.dev, self.handle) {
				if let Err(e) = self.run(&args).await {
					failed.push((op.clone(), e));
					break;
				}
			}
		}
		failed
	}
}

/// What the QoS task needs besides the offer.
#[derive(Clone, Debug)]
pub struct QosTask {
	/// The offer, checked.
	pub offer: Offer,
	/// The `tc` binary.
	pub tc: PathBuf,
	/// How often to poll.
	pub poll: Duration,
	/// This router's segment.
	pub segment: SegmentId,
	/// The ticket key's secret seed, which signs the answers.
	pub ticket_secret: [u8; 32],
	/// The node's URL.
	pub url: String,
}

/// An answer's fate, reported back to the loop.
enum Sent {
	Ok(OrderId, QosVerdict),
	Failed(OrderId, QosVerdict, String),
}

/// Submit an answer in a task of its own.
fn answer(
	chain: Arc<Chain>,
	t: &QosTask,
	id: OrderId,
	verdict: QosVerdict,
	tx: mpsc::UnboundedSender<Sent>,
) {
	let (segment, secret) = (t.segment, t.ticket_secret);
	tokio::spawn(async move {
		let submit = async {
			match verdict {
				QosVerdict::Confirm => chain_qos::confirm(&chain, id, segment, &secret).await,
				QosVerdict::Reject(reason) => {
					chain_qos::reject(&chain, id, segment, reason, &secret).await
				},
			}
		};
		let sent = match tokio::time::timeout(ANSWER_TIMEOUT, submit).await {
			Ok(Ok(_events)) => Sent::Ok(id, verdict),
			Ok(Err(e)) => Sent::Failed(id, verdict, format!("{e:#}")),
			Err(_) => Sent::Failed(id, verdict, "not finalized in time".into()),
		};
		let _ = tx.send(sent);
	});
}

/// The running QoS task and what it last published.
#[derive(Debug)]
pub struct QosHandle {
	/// The task.
	pub task: JoinHandle<()>,
	status: watch::Receiver<Option<Arc<QosStatus>>>,
}

impl QosHandle {
	/// The orders and counters as of the latest poll.
	pub fn status(&self) -> Option<QosStatus> {
		self.status.borrow().as_deref().cloned()
	}
}

/// Start the QoS task: it runs until the agent stops.
pub fn spawn(task: QosTask) -> QosHandle {
	let (tx, status) = watch::channel(None);
	QosHandle { task: tokio::spawn(run(task, tx)), status }
}

async fn run(task: QosTask, status: watch::Sender<Option<Arc<QosStatus>>>) {
	let tc =
		Tc { bin: task.tc.clone(), dev: task.offer.interface.clone(), handle: task.offer.handle };
	let mut qos = Qos::new(task.offer.clone());
	let (tx, mut rx) = mpsc::unbounded_channel();
	let mut chain: Option<Arc<Chain>> = None;
	let mut block = None;
	let mut tick = tokio::time::interval(task.poll);
	tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	tracing::info!(
		interface = %task.offer.interface,
		link_rate = task.offer.link_rate,
		capacity = task.offer.capacity,
		"qos: selling priority on the egress"
	);
	loop {
		tick.tick().await;
		while let Ok(sent) = rx.try_recv() {
			match sent {
				Sent::Ok(id, verdict) => {
					tracing::info!(order = id, ?verdict, "qos: answer finalized")
				},
				Sent::Failed(id, verdict, why) => {
					tracing::warn!(order = id, ?verdict, error = %why, "qos: answer not taken; retrying");
					qos.unsent(id);
				},
			}
		}
		if let Some(now) = poll(&task, &tc, &mut qos, &mut chain, &tx).await {
			block = Some(now);
		}
		status.send_replace(Some(Arc::new(QosStatus::collect(&qos, block))));
	}
}

/// One poll: read the orders and the kernel, carry out the plan, answer. The block read, if
/// the node answered.
async fn poll(
	task: &QosTask,
	tc: &Tc,
	qos: &mut Qos,
	chain: &mut Option<Arc<Chain>>,
	tx: &mpsc::UnboundedSender<Sent>,
) -> Option<BlockNumber> {
	if chain.is_none() {
		match tokio::time::timeout(READ_TIMEOUT, Chain::connect(&task.url)).await {
			Ok(Ok(c)) => *chain = Some(Arc::new(c)),
			Ok(Err(e)) => {
				qos.stats.poll_failures += 1;
				tracing::warn!(error = %format!("{e:#}"), failures = qos.stats.poll_failures, "qos: no node");
				return None;
			},
			Err(_) => {
				qos.stats.poll_failures += 1;
				tracing::warn!(
					failures = qos.stats.poll_failures,
					"qos: connecting to the node timed out"
				);
				return None;
			},
		}
	}
	let c = chain.clone()?;
	let read = async {
		let now = c.finalized_number().await?;
		let orders = chain_qos::of_segment(&c, task.segment, None).await?;
		anyhow::Ok((now, orders))
	};
	let (now, orders) = match tokio::time::timeout(READ_TIMEOUT, read).await {
		Ok(Ok(r)) => r,
		other => {
			qos.stats.poll_failures += 1;
			let why = match other {
				Ok(Err(e)) => format!("{e:#}"),
				_ => "timed out".into(),
			};
			tracing::warn!(error = %why, failures = qos.stats.poll_failures, "qos: reading the orders failed; reconnecting");
			*chain = None;
			return None;
		},
	};
	let kernel = match tc.read().await {
		Ok(k) => k,
		Err(e) => {
			qos.stats.poll_failures += 1;
			tracing::warn!(error = %e, failures = qos.stats.poll_failures, "qos: reading the kernel's classes failed");
			KernelState::default()
		},
	};
	let plan = qos.plan(now, &orders, &kernel);
	if let Some(listed) = plan.refused_listing {
		tracing::warn!(
			listed,
			most = ditex_primitives::qos::MAX_ORDERS_PER_SEGMENT,
			failures = qos.stats.poll_failures,
			"qos: the node listed more orders for this segment than the chain holds; ignored the listing, reconnecting"
		);
		*chain = None;
		return None;
	}
	for (id, reason) in &plan.reject {
		tracing::info!(order = id, reason = reason.name(), "qos: order rejected");
		answer(c.clone(), task, *id, QosVerdict::Reject(*reason), tx.clone());
	}
	if plan.ops.is_empty() && plan.confirm.is_empty() {
		return Some(now);
	}
	for (op, e) in tc.apply(&plan.ops).await {
		tracing::warn!(?op, error = %e, "qos: tc failed");
	}
	let after = match tc.read().await {
		Ok(k) => k,
		Err(e) => {
			qos.stats.poll_failures += 1;
			tracing::warn!(error = %e, "qos: reading the kernel back failed");
			KernelState::default()
		},
	};
	let verified = qos.verify(now, &plan, &after);
	for (op, e) in tc.apply(&verified.cleanup).await {
		tracing::warn!(?op, error = %e, "qos: removing a failed class failed");
	}
	for (id, why) in &verified.failed {
		tracing::warn!(
			order = id,
			reason = QosRejectReason::TrafficControlFailed.name(),
			error = %why,
			"qos: order rejected"
		);
		let verdict = QosVerdict::Reject(QosRejectReason::TrafficControlFailed);
		answer(c.clone(), task, *id, verdict, tx.clone());
	}
	for (id, why) in &verified.active_failed {
		tracing::error!(order = id, error = %why, "qos: a paid order's class is not applied");
	}
	for id in &verified.confirm {
		tracing::info!(order = id, "qos: order applied and read back; confirming");
		answer(c.clone(), task, *id, QosVerdict::Confirm, tx.clone());
	}
	tracing::debug!(stats = ?qos.stats, "qos");
	Some(now)
}

/// Start the QoS task if the config has a `[qos]`: checked here, so a bad `[qos]`, or one
/// without a `[chain]` and its `ticket_key` to answer with, stops the agent at start.
pub fn spawn_from(cfg: &crate::config::Config, me: SegmentId) -> anyhow::Result<Option<QosHandle>> {
	let Some(q) = &cfg.qos else { return Ok(None) };
	let offer = q.offer()?;
	let chain = cfg
		.chain
		.as_ref()
		.ok_or_else(|| anyhow::anyhow!("[qos] needs a [chain] to read orders from"))?;
	let key = chain
		.ticket_key()?
		.ok_or_else(|| anyhow::anyhow!("[qos] needs chain.ticket_key: it signs the answers"))?;
	Ok(Some(spawn(QosTask {
		offer,
		tc: q.tc.clone(),
		poll: Duration::from_millis(q.poll_ms),
		segment: me,
		ticket_secret: key.to_bytes(),
		url: chain.url.clone(),
	})))
}
