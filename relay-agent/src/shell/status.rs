//! The status file: what `ditex-relay status` shows, rewritten atomically every interval.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{accounting::write_atomic, dataplane::Dataplane, pulse::Pulses, routing::Router};

/// Most links the status file lists.
pub const MAX_STATUS_LINKS: usize = 512;

/// One link as the status shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LinkStatus {
	/// Sender.
	pub from: u32,
	/// Receiver.
	pub to: u32,
	/// Relative one-way latency, µs.
	pub latency_us: i64,
	/// Windowed-minimum baseline, µs.
	pub baseline_us: i64,
	/// Jitter, µs.
	pub jitter_us: u32,
	/// Loss, ppm.
	pub loss_ppm: u32,
}

/// One route.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RouteStatus {
	/// Destination segment.
	pub dst: u32,
	/// Path in use.
	pub path: Vec<u32>,
	/// Switches so far.
	pub switches: u64,
	/// Of those, how many for each reason (`better`, `down`, `recovered`, `unverified`; see
	/// [`crate::routing::SwitchReason`]), the reasons that occurred only.
	#[serde(default)]
	pub reasons: std::collections::BTreeMap<String, u64>,
	/// Wall-clock µs of the latest switch.
	#[serde(default)]
	pub switched_us: Option<u64>,
}

/// The latest pulses sent to one peer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PulsesSent {
	/// Receiver.
	pub to: u32,
	/// Their send times (wall-clock µs, as stamped in the pulses), oldest first.
	pub sent_us: Vec<u64>,
}

/// One counter set.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PeerBytes {
	/// Peer segment.
	pub peer: u32,
	/// Bytes in.
	pub bytes_in: u64,
	/// Bytes out.
	pub bytes_out: u64,
}

/// How following the chain's registry goes.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ChainStatus {
	/// The node followed.
	pub url: String,
	/// Polls answered.
	pub syncs: u64,
	/// Polls failed (node unreachable, slow or answering badly).
	pub failures: u64,
	/// Registry entries refused (malformed, duplicated, this agent's own with another key, not
	/// public, or listed in the group without being in it).
	pub refused: u64,
	/// Answers held back because the view would have lost this agent or most segments at once.
	#[serde(default)]
	pub held: u64,
	/// Wall-clock µs of the latest answered poll.
	pub last_sync_us: Option<u64>,
	/// Why the latest failed poll failed.
	pub last_error: Option<String>,
}

/// One QoS order as the status shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QosOrderStatus {
	/// The order's id on the chain.
	pub id: u64,
	/// `priority` or `realtime`.
	pub class: String,
	/// The rate ordered, bit/s.
	pub rate_bps: u64,
	/// The packets it is for, spelled for people.
	pub flow: String,
	/// `applied` (read back, confirmation on its way), `confirmed` (paid), `rejected` or
	/// `removed` (ended, class gone).
	pub state: String,
	/// Why it was rejected.
	#[serde(default)]
	pub reason: Option<String>,
	/// The last block its treatment applies, once paid.
	#[serde(default)]
	pub ends_at: Option<u32>,
}

/// The QoS orders this router sells and carries out (`[qos]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QosStatus {
	/// The egress interface the classes are on.
	pub interface: String,
	/// The rate sold to orders at most, bit/s.
	pub capacity_bps: u64,
	/// Of it, what the orders whose classes are kept take, bit/s.
	pub sold_bps: u64,
	/// The finalized block of the latest poll that read the orders.
	#[serde(default)]
	pub block: Option<u32>,
	/// The orders answered or carried (the ended ones only the latest), by id.
	pub orders: Vec<QosOrderStatus>,
	/// Orders confirmed.
	pub confirmed: u64,
	/// Orders rejected, by reason.
	pub rejected: std::collections::BTreeMap<String, u64>,
	/// Classes removed.
	pub removed: u64,
	/// Classes that did not read back as applied.
	pub tc_failures: u64,
	/// Polls that failed (node or `tc`).
	pub poll_failures: u64,
}

impl QosStatus {
	/// The status of the QoS core, as of the poll at `block`.
	pub fn collect(q: &crate::qos::Qos, block: Option<u32>) -> QosStatus {
		use crate::qos::OrderState;
		QosStatus {
			interface: q.offer().interface.clone(),
			capacity_bps: q.offer().capacity,
			sold_bps: q.sold(),
			block,
			orders: q
				.orders()
				.map(|r| QosOrderStatus {
					id: r.id,
					class: r.class.name().to_string(),
					rate_bps: r.rate,
					flow: crate::qos::flow_text(&r.flow),
					state: r.state.name().to_string(),
					reason: match r.state {
						OrderState::Rejected(why) => Some(why.name().to_string()),
						_ => None,
					},
					ends_at: r.ends_at,
				})
				.collect(),
			confirmed: q.stats.confirmed,
			rejected: q.stats.rejected.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
			removed: q.stats.removed,
			tc_failures: q.stats.tc_failures,
			poll_failures: q.stats.poll_failures,
		}
	}
}

/// The whole status.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Status {
	/// This agent.
	pub id: u32,
	/// Seconds since start.
	pub uptime_s: u64,
	/// Datagrams forwarded as a relay.
	pub forwarded: u64,
	/// Payloads delivered.
	pub delivered: u64,
	/// Payloads sent as an ingress.
	pub sent: u64,
	/// Drops by reason (non-zero only).
	pub drops: std::collections::BTreeMap<String, u64>,
	/// Pulses sent.
	pub pulses_sent: u64,
	/// Pulse bytes sent (UDP payload).
	pub pulse_bytes_sent: u64,
	/// Pulses accepted.
	pub pulses_received: u64,
	/// Pulse bytes accepted.
	pub pulse_bytes_received: u64,
	/// Regular pulses not sent to peers that stopped answering (they are tried less often).
	#[serde(default)]
	pub pulses_skipped_silent: u64,
	/// The latest few pulses sent to each peer.
	#[serde(default)]
	pub recent_pulses: Vec<PulsesSent>,
	/// Peers whose clocks look skewed.
	pub skewed: Vec<u32>,
	/// Known links.
	pub links: Vec<LinkStatus>,
	/// Routes.
	pub routes: Vec<RouteStatus>,
	/// Detours left because what they delivered end to end contradicted their relays' claims
	/// (those relays are excluded for a while).
	#[serde(default)]
	pub detours_reverted: u64,
	/// Bytes per peer.
	pub peers: Vec<PeerBytes>,
	/// Flows held by the data plane.
	pub flows: usize,
	/// Port-forward exit mappings.
	pub exit_flows: usize,
	/// The group peers this agent pulses.
	#[serde(default)]
	pub pulse_peers: Vec<u32>,
	/// Segments in the registry view, this agent included if listed.
	#[serde(default)]
	pub segments: usize,
	/// The chain followed, if any.
	#[serde(default)]
	pub chain: Option<ChainStatus>,
	/// Channels, tickets, reports and earnings, with a chain.
	#[serde(default)]
	pub paid: Option<super::paid::PaidStatus>,
	/// QoS orders, with a `[qos]`.
	#[serde(default)]
	pub qos: Option<QosStatus>,
}

impl Status {
	/// Gather the status of the core; the shell's own parts (exit mappings, pulse peers, the
	/// chain) are left empty for it to fill in.
	pub fn collect(
		dp: &Dataplane,
		pulses: &Pulses,
		router: &Router,
		now_us: u64,
		started_us: u64,
		wall_now_us: u64,
	) -> Status {
		// The core runs on the monotonic clock; the status shows wall-clock times.
		let wall = |t: u64| wall_now_us.saturating_sub(now_us.saturating_sub(t));
		let mut links = pulses.links(now_us);
		// This agent's own links first, then second-hand ones up to the cap: a group of 100
		// knows 10 000 links, and the file is rewritten every interval.
		let me = dp.registry.me();
		links.sort_by_key(|(f, t, _)| (*f != me && *t != me, *f, *t));
		links.truncate(MAX_STATUS_LINKS);
		let mut skewed: Vec<u32> =
			links.iter().map(|l| l.0).filter(|p| pulses.skewed(*p)).collect();
		skewed.dedup();
		Status {
			id: dp.registry.me(),
			uptime_s: now_us.saturating_sub(started_us) / 1_000_000,
			forwarded: dp.forwarded,
			delivered: dp.delivered,
			sent: dp.sent,
			drops: dp.drops.nonzero().map(|(k, v)| (k.to_string(), v)).collect(),
			pulses_sent: pulses.stats.sent,
			pulse_bytes_sent: pulses.stats.bytes_sent,
			pulses_received: pulses.stats.received,
			pulse_bytes_received: pulses.stats.bytes_received,
			pulses_skipped_silent: pulses.stats.silent_skipped,
			recent_pulses: pulses
				.recent_sends()
				.into_iter()
				.map(|(to, sent_us)| PulsesSent { to, sent_us })
				.collect(),
			skewed,
			links: links
				.into_iter()
				.map(|(from, to, m)| LinkStatus {
					from,
					to,
					latency_us: m.latency_us,
					baseline_us: m.baseline_us,
					jitter_us: m.jitter_us,
					loss_ppm: m.loss_ppm,
				})
				.collect(),
			routes: router
				.routes()
				.map(|(d, r)| RouteStatus {
					dst: *d,
					path: r.path.clone(),
					switches: r.switches,
					reasons: crate::routing::SwitchReason::ALL
						.iter()
						.filter(|why| r.reasons[**why as usize] > 0)
						.map(|why| (why.name().to_string(), r.reasons[*why as usize]))
						.collect(),
					switched_us: r.switched_us.map(wall),
				})
				.collect(),
			detours_reverted: router.reverted,
			peers: dp
				.accounting
				.peers()
				.map(|(p, c)| PeerBytes { peer: *p, bytes_in: c.bytes_in, bytes_out: c.bytes_out })
				.collect(),
			flows: dp.flow_count(),
			exit_flows: 0,
			pulse_peers: Vec::new(),
			segments: dp.registry.len(),
			chain: None,
			paid: None,
			qos: None,
		}
	}

	/// Write atomically, compact and without syncing: it is rewritten every interval, and a
	/// crash that loses the latest one loses nothing that matters.
	pub fn write(&self, path: &Path) -> std::io::Result<()> {
		let bytes = serde_json::to_vec(self).map_err(std::io::Error::other)?;
		write_atomic(path, &bytes, false)
	}

	/// Read a status file.
	pub fn read(path: &Path) -> anyhow::Result<Status> {
		let bytes = std::fs::read(path)
			.map_err(|e| anyhow::anyhow!("reading status file {}: {e}", path.display()))?;
		Ok(serde_json::from_slice(&bytes)?)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn reads_files_from_agents_without_the_pulse_and_switch_times() {
		let s = Status {
			id: 1,
			uptime_s: 5,
			forwarded: 0,
			delivered: 0,
			sent: 0,
			drops: Default::default(),
			pulses_sent: 4,
			pulse_bytes_sent: 400,
			pulses_received: 4,
			pulse_bytes_received: 400,
			pulses_skipped_silent: 0,
			recent_pulses: vec![PulsesSent { to: 2, sent_us: vec![3, 7] }],
			skewed: vec![],
			links: vec![],
			routes: vec![RouteStatus {
				dst: 2,
				path: vec![1, 3, 2],
				switches: 1,
				reasons: [("better".to_string(), 1)].into(),
				switched_us: Some(6),
			}],
			detours_reverted: 0,
			peers: vec![],
			flows: 0,
			exit_flows: 0,
			pulse_peers: vec![2],
			segments: 2,
			chain: None,
			paid: None,
			qos: None,
		};
		let mut v = serde_json::to_value(&s).unwrap();
		let back: Status = serde_json::from_value(v.clone()).unwrap();
		assert_eq!(
			(&back.recent_pulses[0].sent_us[..], back.routes[0].switched_us),
			(&[3, 7][..], Some(6))
		);
		v.as_object_mut().unwrap().remove("recent_pulses");
		v.as_object_mut().unwrap().remove("qos");
		v["routes"][0].as_object_mut().unwrap().remove("switched_us");
		let old: Status = serde_json::from_value(v).unwrap();
		assert!(old.recent_pulses.is_empty() && old.routes[0].switched_us.is_none());
		assert!(old.qos.is_none());
	}

	/// The QoS orders and counters as the JSON carries them, from the QoS core after one
	/// accepted and one rejected order.
	#[test]
	fn the_qos_orders_are_in_the_json() {
		use crate::qos::{KernelState, Offer, Order, Qos};
		use ditex_primitives::qos::{IpPrefix, QosClass, QosFlow, QosStatus as Chain, PROTO_UDP};
		use ditex_primitives::registry::IpAddress;
		let offer = Offer {
			interface: "eth1".into(),
			handle: 0xd1,
			link_rate: 10_000_000,
			capacity: 6_000_000,
			classes: [QosClass::Priority].into_iter().collect(),
			price_floor: 1,
			min_prefix: 24,
			min_prefix_v6: 64,
		};
		let order = |class, until: Option<u32>| Order::<u64> {
			consumer: 1,
			segment: 7,
			provider: 2,
			class,
			rate: 2_000_000,
			flow: QosFlow {
				src: None,
				dst: Some(IpPrefix { addr: IpAddress::V4([10, 9, 0, 2]), len: 32 }),
				protocol: Some(PROTO_UDP),
				src_port: None,
				dst_port: Some(5001),
			},
			payment: 1 << 60,
			duration: 50,
			deadline: 100,
			expire_at: 101,
			status: until.map_or(Chain::Pending, |until| Chain::Active { until }),
		};
		let mut q = Qos::new(offer);
		q.plan(
			10,
			&[(3, order(QosClass::Priority, Some(60))), (4, order(QosClass::RealTime, None))],
			&KernelState::default(),
		);
		q.stats.poll_failures = 2;
		let status = QosStatus::collect(&q, Some(10));
		let json = serde_json::to_value(&status).unwrap();
		assert_eq!(
			json,
			serde_json::json!({
				"interface": "eth1",
				"capacity_bps": 6_000_000,
				"sold_bps": 2_000_000,
				"block": 10,
				"orders": [
					{ "id": 3, "class": "priority", "rate_bps": 2_000_000,
					  "flow": "udp any → 10.9.0.2/32 port 5001", "state": "confirmed",
					  "reason": null, "ends_at": 60 },
					{ "id": 4, "class": "realtime", "rate_bps": 2_000_000,
					  "flow": "udp any → 10.9.0.2/32 port 5001", "state": "rejected",
					  "reason": "class_not_offered", "ends_at": null },
				],
				"confirmed": 0,
				"rejected": { "class_not_offered": 1 },
				"removed": 0,
				"tc_failures": 0,
				"poll_failures": 2,
			})
		);
		assert_eq!(serde_json::from_value::<QosStatus>(json).unwrap(), status);
	}
}
