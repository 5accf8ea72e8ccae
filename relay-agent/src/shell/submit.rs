//! Transactions: a task of its own that submits what the agent signed — its tickets, its
//! group's batches of tickets and its group reports under ticket keys (authorized transactions: no account, no fee), and a
//! consumer's channel openings and top-ups under the consumer's account key — through
//! `ditex-ctl`'s subxt client, waits for finality and says what became of each.
//!
//! One job at a time, each within [`JOB_TIMEOUT`]; the agent loop never waits on it. Whether a
//! failure may pass (node unreachable, pool busy, a ticket from the future) or is final (the
//! pool's "invalid": stale, replayed, bad signature) is decided here, once, by [`classify`].

use std::time::Duration;

use ditex_ctl::{channel, report, ticket, Chain};
use ditex_primitives::{
	registry::SegmentId,
	settlement::{ChannelId, Epoch, SignedTicket},
};
use subxt_signer::sr25519::Keypair;
use tokio::{sync::mpsc, task::JoinHandle};

use crate::{report::SignedReport, tickets::Outcome};

/// Longest one job may take, finality included.
pub const JOB_TIMEOUT: Duration = Duration::from_secs(90);

/// What to submit.
#[derive(Debug)]
pub enum Job {
	/// A ticket, under the ticket key; not submitted if the chain took it already (in its
	/// group's batch).
	Ticket(SignedTicket),
	/// A group's tickets in one transaction, each under its own router's ticket key.
	Batch(Vec<SignedTicket>),
	/// A group report, under the ticket key.
	Report(SignedReport),
	/// Open a channel, as the consumer.
	Open(Box<channel::Open>),
	/// Hold more for a channel, as the consumer.
	TopUp(ChannelId, u128),
}

/// What became of a job.
#[derive(Debug)]
pub enum Done {
	/// A ticket's outcome.
	Ticket(Outcome),
	/// A batch of this many tickets: `Ok` once final, or why not.
	Batch(usize, Result<(), String>),
	/// A report of this era: `Ok` once final, or why not and whether that may pass.
	Report(u64, Result<(), (bool, String)>),
	/// A channel opened (its id), or why not.
	Opened(Result<ChannelId, String>),
	/// A top-up made, or why not.
	ToppedUp(ChannelId, Result<(), String>),
}

/// Whether a failure to submit may pass with time: the node is down or busy, or the pool
/// says "not yet" (future, already imported, temporarily banned, priority too low, dropped).
/// Anything the pool calls invalid otherwise is final: stale, replayed, bad signature.
pub fn classify(error: &str) -> bool {
	let e = error.to_ascii_lowercase();
	// Included, and the call failed: the chain has spoken.
	if e.contains("dispatch") || e.contains("module error") {
		return false;
	}
	let invalid = e.contains("invalid transaction") || e.contains("1010");
	if !invalid {
		return true;
	}
	e.contains("future") || e.contains("exhaust") || e.contains("temporarily")
}

/// Start the task: jobs from `jobs`, outcomes to `done`, signing consumer jobs with
/// `account` (none on a relay's host).
pub fn spawn(
	url: String,
	account: Option<Keypair>,
	mut jobs: mpsc::Receiver<Job>,
	done: mpsc::Sender<Done>,
) -> JoinHandle<()> {
	tokio::spawn(async move {
		let mut chain: Option<Chain> = None;
		while let Some(job) = jobs.recv().await {
			let outcome = match tokio::time::timeout(
				JOB_TIMEOUT,
				run(&url, &mut chain, account.as_ref(), &job),
			)
			.await
			{
				Ok(r) => r,
				Err(_) => {
					// A connection that let a job hang is not trusted with the next.
					chain = None;
					Err((true, format!("no outcome within {JOB_TIMEOUT:?}")))
				},
			};
			let d = match (job, outcome) {
				(Job::Ticket(_), Ok(Success::Events(events))) => {
					Done::Ticket(if events.iter().any(|e| e == "Tickets.TicketRejected") {
						Outcome::Refused("the chain rejected it (Tickets.TicketRejected)".into())
					} else {
						Outcome::Finalized
					})
				},
				(Job::Ticket(_), Ok(Success::Opened(_) | Success::Taken)) => {
					Done::Ticket(Outcome::Finalized)
				},
				(Job::Batch(b), res) => {
					Done::Batch(b.len(), res.map(|_| ()).map_err(|(_, why)| why))
				},
				(Job::Ticket(_), Err((true, why))) => Done::Ticket(Outcome::Transient(why)),
				(Job::Ticket(_), Err((false, why))) => Done::Ticket(Outcome::Refused(why)),
				(Job::Report(r), res) => Done::Report(r.era, res.map(|_| ())),
				(Job::Open(_), Ok(Success::Opened(id))) => Done::Opened(Ok(id)),
				(Job::Open(_), Ok(Success::Events(_) | Success::Taken)) => {
					Done::Opened(Err("no channel id".into()))
				},
				(Job::Open(_), Err((_, why))) => Done::Opened(Err(why)),
				(Job::TopUp(id, _), res) => Done::ToppedUp(id, res.map(|_| ()).map_err(|(_, w)| w)),
			};
			if done.send(d).await.is_err() {
				return;
			}
		}
	})
}

/// What a job that went through produced.
enum Success {
	/// Its events by name.
	Events(Vec<String>),
	/// The channel it opened.
	Opened(ChannelId),
	/// Nothing to do: the chain took the ticket already.
	Taken,
}

/// A job's result; on failure whether it may pass, and why.
type JobResult = Result<Success, (bool, String)>;

async fn run(
	url: &str,
	chain: &mut Option<Chain>,
	account: Option<&Keypair>,
	job: &Job,
) -> JobResult {
	let c = match chain.take() {
		Some(c) => c,
		None => Chain::connect(url).await.map_err(|e| (true, format!("{e:#}")))?,
	};
	let fail = |e: anyhow::Error| {
		let why = format!("{e:#}");
		(classify(&why), why)
	};
	let no_account = || (false, "no [consumer] account to sign with".to_string());
	let r = match job {
		Job::Ticket(t) => {
			if taken(&c, t.ticket.segment, t.ticket.epoch).await {
				Ok(Success::Taken)
			} else {
				ticket::submit(&c, t).await.map(Success::Events).map_err(fail)
			}
		},
		Job::Batch(b) => ticket::submit_batch(&c, b).await.map(Success::Events).map_err(fail),
		Job::Report(r) => report::submit(&c, r.reporter, r.era, &r.entries, &r.signature)
			.await
			.map(Success::Events)
			.map_err(fail),
		Job::Open(o) => match account {
			Some(a) => channel::open(&c, a, o).await.map(Success::Opened).map_err(fail),
			None => Err(no_account()),
		},
		Job::TopUp(id, amount) => match account {
			Some(a) => {
				channel::top_up(&c, a, *id, *amount).await.map(Success::Events).map_err(fail)
			},
			None => Err(no_account()),
		},
	};
	// A transport failure drops the connection; a refusal keeps it.
	if !matches!(&r, Err((true, _))) {
		*chain = Some(c);
	}
	r
}

/// Whether the chain took the ticket of `segment` for `epoch` already (in its group's batch):
/// final, or in the best block and final within a minute. The pool would refuse it again as
/// outdated, so it is not submitted.
async fn taken(c: &Chain, segment: SegmentId, epoch: Epoch) -> bool {
	let has = |r: anyhow::Result<Option<Epoch>>| matches!(r, Ok(Some(e)) if e >= epoch);
	if !has(ticket::last_epoch(c, segment, false).await) {
		return false;
	}
	for _ in 0..30 {
		if has(ticket::last_epoch(c, segment, true).await) {
			return true;
		}
		tokio::time::sleep(Duration::from_secs(2)).await;
	}
	// Never final (a fork dropped it): the pool decides.
	false
}

#[cfg(test)]
mod tests {
	use super::classify;

	/// The pool's answers as subxt reports them: final unless they say "not yet".
	#[test]
	fn pool_refusals_are_final_unless_they_may_pass() {
		let transient = [
			"connecting to the node at ws://127.0.0.1:9944: Connection refused (os error 111)",
			"Rpc error: RPC error: Invalid Transaction (1010): Transaction will be valid in the future",
			"Rpc error: Transaction Already Imported (1013)",
			"Rpc error: Priority is too low: (0 vs 0) (1014)",
			"Rpc error: Invalid Transaction (1010): Transaction would exhaust the block limits",
			"Rpc error: Transaction is temporarily banned (1012)",
		];
		let final_ = [
			"Rpc error: RPC error: Invalid Transaction (1010): Transaction is outdated",
			"Rpc error: RPC error: Invalid Transaction (1010): Transaction has a bad signature",
			"Rpc error: Invalid Transaction (1010): Transaction call is not expected",
			"Transaction error: Dispatch error: Tickets::StaleEpoch",
		];
		for e in transient {
			assert!(classify(e), "{e}");
		}
		for e in final_ {
			assert!(!classify(e), "{e}");
		}
	}
}
