//! The agent's money, carried out: the channels it carries learned from the chain, its
//! tickets queued and submitted each epoch, its turns as the group's reporter, its earnings,
//! and, for a consumer, the channels it opens, receipts and tops up.
//!
//! The decisions are the sans-IO cores' ([`Channels`], [`TicketQueue`], [`Reporter`],
//! [`Batcher`], [`Receipts`]); this is the glue between them, the chain client's polls, the
//! transaction task ([`super::submit`]) and the state files, which are written crash-safe
//! ([`write_atomic`]) beside the accounting state:
//!
//! - `<state>.channels`: what this router carried on each channel, with the receipts and acks
//!   kept (SCALE, [`Channels::snapshot`]);
//! - `<state>.tickets`: the ticket queue ([`TicketQueue::snapshot`]), written before a ticket
//!   is submitted and after each outcome;
//! - `<state>.consumer`: the consumer's channels and what it sent on each (JSON).
//!
//! A state file that is corrupt or of another chain is set aside (`.corrupt`) and the agent
//! starts afresh, saying so loudly: what it lost is claimed again from zero at worst, and the
//! chain pays only growth over what it already paid, so nothing is paid twice.

use std::{
	collections::{BTreeMap, BTreeSet},
	net::SocketAddr,
	num::NonZeroUsize,
	path::{Path, PathBuf},
};

use ditex_ctl::channel::Open;
use ditex_primitives::{
	registry::{DataPlaneKey, SegmentId},
	settlement::{ChannelId, Epoch, PeerCounters, ReceiptKey, RelayView},
	wire::TicketDatagram,
	Hash,
};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::{
	chain::{At, ChainChannel, Poll},
	submit::{Done, Job},
};
use crate::{
	accounting::{set_aside, write_atomic},
	batch::{self, Batcher},
	channel::{Channels, Receipts, Terms},
	config::ConsumerConfig,
	dataplane::{Dataplane, DropReason},
	link::LinkView,
	report::Reporter,
	tickets::{self, Outcome, TicketQueue},
};

/// Most channels a router holds (the least recently used goes first).
pub const MAX_CHANNELS: usize = 1024;
/// A consumer tops a channel up when what is left pays for less than this part of a deposit.
const TOP_UP_BELOW: u128 = 4;

/// What the dashboard and the status file show of the money.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaidStatus {
	/// Channels this router holds terms for.
	pub channels: usize,
	/// Tickets handed to the chain.
	pub tickets_submitted: u64,
	/// Tickets final on the chain.
	pub tickets_finalized: u64,
	/// Tickets the chain refused for good.
	pub tickets_refused: u64,
	/// Submissions that failed for a reason that may pass, and were retried.
	pub tickets_retried: u64,
	/// Tickets waiting, oldest first, by the epoch they close.
	pub tickets_queued: Vec<Epoch>,
	/// Why the latest refused ticket was refused.
	pub last_refusal: Option<String>,
	/// Group reports final on the chain.
	pub reports: u64,
	/// Group reports that failed.
	pub reports_failed: u64,
	/// Tickets handed to the group's reporter for its batch.
	#[serde(default)]
	pub tickets_handed: u64,
	/// Members' tickets this router took for its group's batch, as the reporter.
	#[serde(default)]
	pub tickets_gathered: u64,
	/// Group batches of tickets final on the chain, as the reporter.
	#[serde(default)]
	pub batches: u64,
	/// Group batches that failed (their members submit their tickets themselves).
	#[serde(default)]
	pub batches_failed: u64,
	/// Paid to the operator by settlement, after fees (the chain's `earned`), in units.
	pub earned: String,
	/// Claimed in accepted tickets, not yet settled (the chain's `pending`), in units.
	pub pending: String,
	/// The channels this agent pays for as a consumer.
	pub paying: Vec<PayingStatus>,
	/// The ticket epoch and the block it was read at.
	pub epoch: Option<(Epoch, u32)>,
	/// What this router carried on each channel, with the evidence it holds.
	pub carried: Vec<CarriedStatus>,
}

/// What this router carried on one channel.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarriedStatus {
	/// The channel.
	pub id: ChannelId,
	/// This router's index in its path.
	pub hop: u8,
	/// Bytes received on it (sent, at the ingress).
	pub bytes_in: u64,
	/// Bytes sent on (delivered, at the egress).
	pub bytes_out: u64,
	/// The largest receipt held, in bytes.
	pub receipt: Option<u64>,
	/// The downstream's largest ack held, in bytes.
	pub ack: Option<u64>,
}

/// One of the consumer's channels.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayingStatus {
	/// The channel.
	pub id: ChannelId,
	/// Its path.
	pub path: Vec<SegmentId>,
	/// Bytes sent on it.
	pub sent: u64,
	/// What the chain holds for it, less refunds, in units.
	pub funds: String,
	/// Whether it is open.
	pub open: bool,
}

/// A consumer channel as its state file keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Held {
	id: ChannelId,
	path: Vec<SegmentId>,
	sent: u64,
}

/// The consumer's side: what it opens channels with.
struct Consumer {
	receipt_key: SigningKey,
	deposit: u128,
	max_price: u128,
	lifetime: u32,
	max_channels: usize,
	/// The path of the channel being opened.
	opening: Option<Vec<SegmentId>>,
	/// Channels being topped up.
	topping: BTreeSet<ChannelId>,
	/// The terms of its channels, as last read.
	terms: BTreeMap<ChannelId, Terms>,
	/// Paths it failed to open a channel for, not tried again before this time (ms).
	backoff: BTreeMap<Vec<SegmentId>, u64>,
}

/// The state files, beside the accounting state.
struct Files {
	channels: PathBuf,
	tickets: PathBuf,
	consumer: PathBuf,
}

impl Files {
	fn beside(state: &Path) -> Files {
		let with = |ext: &str| {
			let mut p = state.as_os_str().to_owned();
			p.push(ext);
			PathBuf::from(p)
		};
		Files {
			channels: with(".channels"),
			tickets: with(".tickets"),
			consumer: with(".consumer"),
		}
	}
}

/// Read a state file: `None` if there is none; a file that `parse` refuses is set aside and
/// reported loudly, never taken as empty in silence.
fn load<T>(path: &Path, what: &str, parse: impl FnOnce(&[u8]) -> Result<T, String>) -> Option<T> {
	let bytes = match std::fs::read(path) {
		Ok(b) => b,
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
		Err(e) => {
			tracing::error!(file = %path.display(), error = %e, "cannot read the {what} state: starting afresh");
			return None;
		},
	};
	match parse(&bytes) {
		Ok(v) => Some(v),
		Err(why) => {
			let aside = set_aside(path)
				.map_or_else(|e| format!("nowhere ({e})"), |p| p.display().to_string());
			tracing::error!(
				file = %path.display(),
				moved_to = %aside,
				why,
				"the {what} state is unusable: set aside, starting afresh (the chain pays only growth over what it paid, so nothing is paid twice)"
			);
			None
		},
	}
}

/// The agent's money.
pub struct Paid {
	me: SegmentId,
	credit: u64,
	genesis: Option<Hash>,
	key: Option<SigningKey>,
	tickets: Option<TicketQueue>,
	reporter: Option<Reporter>,
	batcher: Option<Batcher>,
	/// The group's era and its reporter, from the latest poll.
	era: Option<(u64, Option<SegmentId>)>,
	consumer: Option<Consumer>,
	jobs: mpsc::Sender<Job>,
	files: Files,
	/// The latest block read, and its epoch.
	at: Option<(At, Epoch)>,
	earnings: RelayView<u128>,
	/// What the status shows.
	pub status: PaidStatus,
}

impl Paid {
	/// The money of router `me`, its state files beside `state_file`, its ticket key `key`,
	/// submitting through `jobs`; a consumer when `consumer` is given.
	pub fn new(
		me: SegmentId,
		credit: u64,
		state_file: &Path,
		key: Option<SigningKey>,
		consumer: Option<&ConsumerConfig>,
		jobs: mpsc::Sender<Job>,
	) -> anyhow::Result<Paid> {
		let consumer = match consumer {
			Some(c) => Some(Consumer {
				receipt_key: c.receipt_key()?,
				deposit: c.deposit()?,
				max_price: c.max_price()?,
				lifetime: c.lifetime_blocks,
				max_channels: c.max_channels,
				opening: None,
				topping: BTreeSet::new(),
				terms: BTreeMap::new(),
				backoff: BTreeMap::new(),
			}),
			None => None,
		};
		if key.is_none() {
			tracing::warn!("no chain.ticket_key: this router carries paid traffic but acks and claims nothing for it");
		}
		Ok(Paid {
			me,
			credit,
			genesis: None,
			key,
			tickets: None,
			reporter: None,
			batcher: None,
			era: None,
			consumer,
			jobs,
			files: Files::beside(state_file),
			at: None,
			earnings: RelayView::default(),
			status: PaidStatus::default(),
		})
	}

	/// Whether this agent pays for what it sends.
	pub fn is_consumer(&self) -> bool {
		self.consumer.is_some()
	}

	/// The consumer's channels in the state file, to read from the first poll on.
	pub fn own_channels(&self) -> Vec<ChannelId> {
		load(&self.files.consumer, "consumer", |b| {
			serde_json::from_slice::<Vec<Held>>(b).map_err(|e| e.to_string())
		})
		.unwrap_or_default()
		.iter()
		.map(|h| h.id)
		.collect()
	}

	/// The chain's genesis hash, from a poll. The first one sets up everything signed for that
	/// chain (restoring the state files); another one later is another chain: refused.
	fn on_genesis(&mut self, dp: &mut Dataplane, genesis: Hash) -> bool {
		match self.genesis {
			Some(g) if g == genesis => return true,
			Some(g) => {
				tracing::error!(was = ?g, now = ?genesis, "the node is on another chain than before: its answers are not applied (restart the agent to follow the new chain)");
				return false;
			},
			None => {},
		}
		self.genesis = Some(genesis);
		let (me, credit) = (self.me, self.credit);
		let capacity = NonZeroUsize::new(MAX_CHANNELS).expect("non-zero");
		let channels = load(&self.files.channels, "channels", |b| {
			Channels::restore(me, genesis, credit, capacity, b).map_err(|e| e.to_string())
		})
		.unwrap_or_else(|| Channels::new(me, genesis, credit, capacity));
		if !channels.is_empty() {
			tracing::info!(channels = channels.len(), "restored the channels carried");
		}
		dp.channels = Some(channels);
		dp.ticket_key = self.key.clone();
		if self.key.is_some() {
			let q = load(&self.files.tickets, "ticket queue", |b| {
				TicketQueue::restore(me, genesis, b).map_err(|e| e.to_string())
			})
			.unwrap_or_else(|| TicketQueue::new(me, genesis));
			if !q.is_empty() {
				tracing::info!(epochs = ?q.epochs(), "tickets waiting from before the restart: submitting them again");
			}
			self.tickets = Some(q);
			self.reporter = Some(Reporter::new(me, genesis));
			self.batcher = Some(Batcher::new(me, genesis));
		}
		if let Some(c) = &self.consumer {
			let held: Vec<Held> = load(&self.files.consumer, "consumer", |b| {
				serde_json::from_slice(b).map_err(|e| e.to_string())
			})
			.unwrap_or_default();
			for h in held {
				let Ok(path) = h.path.clone().try_into() else { continue };
				let mut r = Receipts::new(genesis, h.id, path, c.receipt_key.clone());
				r.resume(h.sent);
				dp.paying.insert(h.id, r);
			}
		}
		true
	}

	/// Apply a poll: the channels' terms, the epoch (building the ticket that closes the last
	/// one), the reporter's turn, the earnings, the consumer's top-ups.
	pub fn on_poll(&mut self, dp: &mut Dataplane, links: &impl LinkView, poll: &Poll, now_ms: u64) {
		if !self.on_genesis(dp, poll.genesis) {
			return;
		}
		self.at = Some((poll.at, poll.epoch));
		self.era = poll.era;
		self.status.epoch = Some((poll.epoch, poll.at.number));
		self.apply_channels(dp, poll.at, &poll.channels);
		self.earnings = poll.earnings.clone();
		if let (Some(q), Some(key)) = (&mut self.tickets, &self.key) {
			let counters = counters(dp);
			if let Some(closes) = q.on_epoch(now_ms, poll.epoch, &counters, key) {
				tracing::info!(epoch = closes, channels = counters.channels.len(), "ticket built");
				save_tickets(&self.files.tickets, q);
			}
		}
		if let (Some(r), Some(key), Some((era, reporter))) =
			(&mut self.reporter, &self.key, poll.era)
		{
			let mut members = dp.registry.group_peers();
			members.push(self.me);
			if let Some(report) = r.due(era, reporter, &members, links, key) {
				tracing::info!(
					era,
					pairs = report.entries.len(),
					"reporting the group's measurements"
				);
				if self.jobs.try_send(Job::Report(report)).is_err() {
					r.retry(era);
				}
			}
		}
		self.top_up(dp);
		self.refresh_status(dp);
	}

	/// Apply channels read at `at`: terms learned or refreshed, channels gone forgotten.
	pub fn apply_channels(
		&mut self,
		dp: &mut Dataplane,
		at: At,
		found: &[(ChannelId, Option<ChainChannel>)],
	) {
		let Some(ch) = &mut dp.channels else { return };
		for (id, c) in found {
			match c {
				Some(c) => {
					let terms = Terms::from_chain(*id, c, at.number);
					if let Some(k) = &mut self.consumer {
						if dp.paying.contains_key(id) {
							if !terms.open {
								tracing::info!(channel = id, "this consumer's channel is closed or expired: no longer sent on");
								dp.paying.remove(id);
							}
							k.terms.insert(*id, terms.clone());
						}
					}
					if !ch.update(terms) {
						tracing::debug!(channel = id, "a channel that does not pass here, or another path under its id: ignored");
					}
				},
				None => {
					if ch.forget(*id) {
						tracing::info!(
							channel = id,
							"channel settled and gone from the chain: its counters roll off"
						);
					}
					if dp.paying.remove(id).is_some() {
						tracing::warn!(
							channel = id,
							"this consumer's channel is gone from the chain"
						);
					}
				},
			}
		}
	}

	/// Whether the chain names this router its group's reporter this era.
	fn is_reporter(&self) -> bool {
		self.era.is_some_and(|(_, r)| r == Some(self.me))
	}

	/// A ticket a member handed to this router for its group's batch: taken, or why not.
	pub fn on_ticket_datagram(
		&mut self,
		now_ms: u64,
		dp: &Dataplane,
		from: SocketAddr,
		buf: &[u8],
	) -> Result<(), DropReason> {
		let d = TicketDatagram::parse(buf).map_err(DropReason::from)?;
		let reporter = self.is_reporter();
		let (Some(b), Some((_, epoch))) = (&mut self.batcher, self.at) else {
			return Err(DropReason::TicketIgnored);
		};
		let (segment, ticket_epoch) = (d.ticket.ticket.segment, d.ticket.ticket.epoch);
		let cx = batch::Context {
			reporter,
			epoch,
			registry: &dp.registry,
			check_source: dp.check_source,
		};
		match b.offer(now_ms, from, d.ticket, cx) {
			Ok(()) => {
				self.status.tickets_gathered += 1;
				tracing::debug!(
					segment,
					epoch = ticket_epoch,
					"a member's ticket taken for the group's batch"
				);
				Ok(())
			},
			Err(why) => {
				tracing::debug!(segment, epoch = ticket_epoch, %from, %why, "a ticket handed to this router not taken");
				Err(DropReason::TicketIgnored)
			},
		}
	}

	/// Every tick: the group's batch, if this router is its reporter and one is due; its own
	/// ticket due, if any, handed to the group's reporter (returned: the datagram and where
	/// to send it) or submitted.
	pub fn tick(&mut self, now_ms: u64, dp: &Dataplane) -> Vec<(SocketAddr, Vec<u8>)> {
		if let Some(b) = &mut self.batcher {
			// A group's worth at most: its tickets fit a few batches.
			for _ in 0..crate::registry::MAX_GROUP_MEMBERS.div_ceil(batch::BATCH_TICKETS) {
				let Some(batch) = b.take(now_ms, &dp.registry) else { break };
				let n = batch.len();
				if self.jobs.try_send(Job::Batch(batch)).is_err() {
					// Its members submit their tickets themselves.
					self.status.batches_failed += 1;
					tracing::warn!(
						tickets = n,
						"the transaction task is busy: group batch dropped"
					);
				} else {
					tracing::info!(tickets = n, "submitting the group's tickets in one batch");
				}
			}
		}
		let mut handoff = Vec::new();
		let me = self.me;
		let reporter = self.era.and_then(|(_, r)| r);
		let Some(q) = &mut self.tickets else { return handoff };
		if let (Some(true), Some(b)) = (reporter.map(|r| r == me), &mut self.batcher) {
			// The reporter's own ticket rides in its group's batch.
			for t in q.handoff(now_ms) {
				self.status.tickets_handed += 1;
				tracing::info!(epoch = t.ticket.epoch, "own ticket held for the group's batch");
				b.hold_own(now_ms, t);
			}
		} else if let Some(to) = reporter.and_then(|r| dp.registry.endpoint(r).ok()) {
			for t in q.handoff(now_ms) {
				let epoch = t.ticket.epoch;
				match batch::handoff_datagram(t) {
					Some(d) => {
						self.status.tickets_handed += 1;
						tracing::info!(epoch, reporter = ?reporter, "ticket handed to the group's reporter");
						handoff.push((to, d));
					},
					None => tracing::debug!(
						epoch,
						"ticket too large for one datagram: submitted by this router"
					),
				}
			}
		}
		if let Some(t) = q.due(now_ms) {
			let epoch = t.ticket.epoch;
			match self.jobs.try_send(Job::Ticket(t)) {
				Ok(()) => {
					self.status.tickets_submitted += 1;
					tracing::info!(epoch, "ticket submitted");
				},
				Err(_) => {
					q.on_outcome(now_ms, Outcome::Transient("the transaction task is busy".into()));
				},
			}
		}
		self.status.tickets_queued = q.epochs();
		handoff
	}

	/// What became of a job.
	pub fn on_done(&mut self, dp: &mut Dataplane, done: Done, now_ms: u64) {
		match done {
			Done::Ticket(outcome) => {
				let Some(q) = &mut self.tickets else { return };
				let why = match &outcome {
					Outcome::Transient(why) => why.clone(),
					_ => String::new(),
				};
				match q.on_outcome(now_ms, outcome) {
					Some(tickets::Done::Finalized(e)) => {
						self.status.tickets_finalized += 1;
						tracing::info!(epoch = e, "ticket final on the chain");
					},
					Some(tickets::Done::Dropped(e, why)) => {
						self.status.tickets_refused += 1;
						tracing::warn!(epoch = e, %why, "ticket refused by the chain: dropped (a later ticket claims its bytes)");
						self.status.last_refusal = Some(why);
					},
					Some(tickets::Done::Retry(e, at)) => {
						self.status.tickets_retried += 1;
						tracing::warn!(epoch = e, %why, retry_in_ms = at.saturating_sub(now_ms), "ticket not submitted: retrying");
					},
					None => {},
				}
				save_tickets(&self.files.tickets, q);
				self.status.tickets_queued = q.epochs();
			},
			Done::Batch(n, r) => match r {
				Ok(()) => {
					self.status.batches += 1;
					tracing::info!(tickets = n, "the group's batch of tickets final on the chain");
				},
				Err(why) => {
					self.status.batches_failed += 1;
					tracing::warn!(tickets = n, %why, "the group's batch of tickets not taken: its members submit them themselves");
				},
			},
			Done::Report(era, r) => match r {
				Ok(()) => {
					self.status.reports += 1;
					tracing::info!(era, "group report final on the chain");
				},
				Err((transient, why)) => {
					self.status.reports_failed += 1;
					tracing::warn!(era, %why, transient, "group report not taken");
					if transient {
						if let Some(r) = &mut self.reporter {
							r.retry(era);
						}
					}
				},
			},
			Done::Opened(r) => {
				let Some(c) = &mut self.consumer else { return };
				let path = c.opening.take();
				match (r, path, self.genesis) {
					(Ok(id), Some(path), Some(genesis)) => {
						tracing::info!(channel = id, ?path, "channel opened");
						if let Ok(p) = path.clone().try_into() {
							dp.paying
								.insert(id, Receipts::new(genesis, id, p, c.receipt_key.clone()));
						}
						self.save_consumer(dp);
					},
					(Err(why), Some(path), _) => {
						tracing::warn!(?path, %why, "opening a channel failed; trying again in a minute");
						c.backoff.insert(path, now_ms + 60_000);
					},
					_ => {},
				}
			},
			Done::ToppedUp(id, r) => {
				let Some(c) = &mut self.consumer else { return };
				c.topping.remove(&id);
				match r {
					Ok(()) => tracing::info!(channel = id, amount = c.deposit, "channel topped up"),
					Err(why) => tracing::warn!(channel = id, %why, "topping up failed"),
				}
			},
		}
	}

	/// The channel to send on towards `egress` over the router's `path`: the consumer's
	/// channel on that path; while none is open there (one is asked for), another of its
	/// channels to the same egress. `None` without a channel to send on.
	pub fn flow_for(
		&mut self,
		dp: &Dataplane,
		path: &[SegmentId],
		now_ms: u64,
	) -> Option<(u64, Vec<SegmentId>)> {
		let c = self.consumer.as_mut()?;
		if let Some((id, _)) = dp.paying.iter().find(|(_, r)| r.path() == path) {
			return Some((*id, path.to_vec()));
		}
		let may_open = c.opening.is_none()
			&& dp.paying.len() < c.max_channels
			&& c.backoff.get(path).is_none_or(|t| *t <= now_ms);
		if let (true, Some((at, _))) = (may_open, self.at) {
			if let Ok(p) = path.to_vec().try_into() {
				let open = Open {
					path: p,
					deposit: c.deposit,
					max_price_per_gib: c.max_price,
					expires_at: at.number.saturating_add(c.lifetime),
					data_key: DataPlaneKey(dp.registry.public_key().to_bytes()),
					receipt_key: ReceiptKey(c.receipt_key.verifying_key().to_bytes()),
				};
				if self.jobs.try_send(Job::Open(Box::new(open))).is_ok() {
					tracing::info!(?path, deposit = c.deposit, "opening a channel for this path");
					c.opening = Some(path.to_vec());
				}
			}
		}
		let egress = *path.last()?;
		dp.paying
			.iter()
			.rev()
			.find(|(_, r)| r.path().last() == Some(&egress))
			.map(|(id, r)| (*id, r.path().to_vec()))
	}

	/// Top up the consumer's channels whose funds, less what it sent on them at their
	/// path's prices, pay for less than a quarter of a deposit.
	fn top_up(&mut self, dp: &Dataplane) {
		let Some(c) = &mut self.consumer else { return };
		for (id, t) in &c.terms {
			let Some(r) = dp.paying.get(id) else { continue };
			if !t.open || c.topping.contains(id) {
				continue;
			}
			let spent = u128::from(r.sent_bytes()).saturating_mul(t.price_per_gib())
				/ ditex_primitives::registry::GIB;
			let left = t.funds.saturating_sub(spent);
			if left < c.deposit / TOP_UP_BELOW
				&& self.jobs.try_send(Job::TopUp(*id, c.deposit)).is_ok()
			{
				tracing::info!(channel = id, %left, "channel running out: topping it up");
				c.topping.insert(*id);
			}
		}
	}

	/// The state files' bytes to write now: (path, bytes) pairs.
	pub fn snapshots(&self, dp: &Dataplane) -> Vec<(PathBuf, Vec<u8>)> {
		let mut out = Vec::new();
		if let Some(ch) = &dp.channels {
			out.push((self.files.channels.clone(), ch.snapshot()));
		}
		if self.consumer.is_some() && self.genesis.is_some() {
			out.push((self.files.consumer.clone(), consumer_bytes(dp)));
		}
		out
	}

	fn save_consumer(&self, dp: &Dataplane) {
		if let Err(e) = write_atomic(&self.files.consumer, &consumer_bytes(dp), true) {
			tracing::warn!(error = %e, file = %self.files.consumer.display(), "saving the consumer's channels failed");
		}
	}

	/// The earnings, as the dashboard shows them.
	pub fn earnings(&self) -> Option<super::web::Earnings> {
		self.genesis?;
		Some(super::web::Earnings {
			r#final: self.earnings.earned.to_string(),
			claimed: self.earnings.pending.to_string(),
			..Default::default()
		})
	}

	/// Bring the status up to date.
	pub fn refresh_status(&mut self, dp: &Dataplane) {
		self.status.channels = dp.channels.as_ref().map_or(0, |c| c.len());
		self.status.carried = dp
			.channels
			.as_ref()
			.map(|c| c.usage())
			.unwrap_or_default()
			.into_iter()
			.take(32)
			.map(|u| CarriedStatus {
				id: u.channel,
				hop: u.hop,
				bytes_in: u.bytes_in,
				bytes_out: u.bytes_out,
				receipt: u.receipt.map(|r| r.receipt.cumulative_bytes),
				ack: u.ack.map(|a| a.ack.cumulative_bytes),
			})
			.collect();
		self.status.earned = self.earnings.earned.to_string();
		self.status.pending = self.earnings.pending.to_string();
		let terms = self.consumer.as_ref().map(|c| &c.terms);
		self.status.paying = dp
			.paying
			.iter()
			.map(|(id, r)| {
				let t = terms.and_then(|t| t.get(id));
				PayingStatus {
					id: *id,
					path: r.path().to_vec(),
					sent: r.sent_bytes(),
					funds: t.map_or_else(String::new, |t| t.funds.to_string()),
					open: t.is_some_and(|t| t.open),
				}
			})
			.collect();
	}
}

fn consumer_bytes(dp: &Dataplane) -> Vec<u8> {
	let held: Vec<Held> = dp
		.paying
		.iter()
		.map(|(id, r)| Held { id: *id, path: r.path().to_vec(), sent: r.sent_bytes() })
		.collect();
	serde_json::to_vec(&held).expect("always serializes")
}

fn save_tickets(path: &Path, q: &TicketQueue) {
	// Before the ticket goes out: a restart between submission and finality submits again.
	if let Err(e) = write_atomic(path, &q.snapshot(), true) {
		tracing::warn!(error = %e, file = %path.display(), "saving the ticket queue failed");
	}
}

/// The counters a ticket is built from: the ledger's since it started, and the channels'.
pub fn counters(dp: &Dataplane) -> tickets::Counters {
	let mut c = tickets::Counters { boot_time: dp.accounting.since(), ..Default::default() };
	for (peer, k) in dp.accounting.peers() {
		c.total_in = c.total_in.saturating_add(k.bytes_in);
		c.total_out = c.total_out.saturating_add(k.bytes_out);
		c.peers.push(PeerCounters { peer: *peer, octets_in: k.bytes_in, octets_out: k.bytes_out });
	}
	c.channels = dp.channels.as_ref().map(|ch| ch.usage()).unwrap_or_default();
	c
}
