//! The operator's web server: the dashboard page at `/`, the same data as JSON at
//! `/status.json` and as Prometheus metrics at `/metrics`.
//!
//! It serves the latest [`Dashboard`] the agent published (a `watch` channel, so a slow
//! client never holds up the data plane) and listens on loopback unless told otherwise.
//! [`fetch`] is its client, for `ditex-relay status` and `netcheck`.

use std::{net::SocketAddr, sync::Arc};

use axum::{
	extract::State,
	http::{header, StatusCode},
	response::{Html, IntoResponse, Response},
	routing::get,
	Router,
};
use prometheus_client::{
	encoding::text::encode,
	metrics::{counter::Counter, family::Family, gauge::Gauge},
	registry::Registry,
};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicI64, AtomicU64};
use tokio::sync::watch;

use super::status::Status;
use crate::{
	dashboard::{Link, Matrix, Reach, PAGE},
	link::LOSS_DOWN,
};

/// Seconds in a month of 30 days, for the probe overhead a month.
const MONTH_S: u64 = 30 * 24 * 3_600;

/// What the chain says this router earned and this host's channels spent, in plancks, as
/// decimal strings (they exceed what JavaScript numbers hold exactly).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Earnings {
	/// Paid to the operator by settlement (the chain's `earned`).
	pub r#final: String,
	/// In accepted tickets, not yet settled (the chain's `pending`).
	pub claimed: String,
	/// Carried by this agent and not yet in an accepted ticket, at its price.
	pub pending: String,
	/// What this host's own channels paid.
	pub applied: String,
}

/// How many of the peers this router pulses hear it (their echoes say so).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reachability {
	/// Peers pulsed.
	pub peers: usize,
	/// Of those, how many report hearing this router.
	pub heard_by: usize,
}

/// Bytes the pulses cost.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overhead {
	/// Pulse bytes sent and received per second, averaged since start.
	pub bytes_per_s: u64,
	/// The same over a 30-day month.
	pub bytes_per_month: u64,
}

/// Everything the page shows: the status, and what is derived from it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Dashboard {
	/// The agent's status.
	pub status: Status,
	/// The group's latency matrix.
	pub matrix: Matrix,
	/// Who hears this router.
	pub reachability: Reachability,
	/// What that says about its UDP port (`ditex-relay netcheck`).
	pub reach: Reach,
	/// The same in a sentence.
	pub reach_text: String,
	/// What probing costs.
	pub overhead: Overhead,
	/// Bytes received from all peers.
	pub bytes_in: u64,
	/// Bytes sent to all peers.
	pub bytes_out: u64,
	/// Datagrams dropped, all reasons.
	pub dropped: u64,
	/// Coins, when the agent follows a chain.
	pub earnings: Option<Earnings>,
}

impl Dashboard {
	/// The dashboard of `status`, with `earnings` if the chain said.
	pub fn new(status: Status, earnings: Option<Earnings>) -> Dashboard {
		let links: Vec<Link> = status
			.links
			.iter()
			.map(|l| Link {
				from: l.from,
				to: l.to,
				latency_us: l.latency_us,
				baseline_us: l.baseline_us,
				loss_ppm: l.loss_ppm,
			})
			.collect();
		let matrix = Matrix::build(status.id, &links);
		let reach = Reach::judge(status.id, &status.pulse_peers, &links);
		// A peer hears this router if it echoes a working link out of it.
		let heard_by = status
			.pulse_peers
			.iter()
			.filter(|p| {
				status
					.links
					.iter()
					.any(|l| l.from == status.id && l.to == **p && l.loss_ppm < LOSS_DOWN)
			})
			.count();
		let pulse_bytes = status.pulse_bytes_sent.saturating_add(status.pulse_bytes_received);
		let per_s = pulse_bytes / status.uptime_s.max(1);
		Dashboard {
			matrix,
			reachability: Reachability { peers: status.pulse_peers.len(), heard_by },
			reach_text: reach.explain(),
			reach,
			overhead: Overhead {
				bytes_per_s: per_s,
				bytes_per_month: per_s.saturating_mul(MONTH_S),
			},
			bytes_in: status.peers.iter().map(|p| p.bytes_in).sum(),
			bytes_out: status.peers.iter().map(|p| p.bytes_out).sum(),
			dropped: status.drops.values().sum(),
			earnings,
			status,
		}
	}

	/// The Prometheus text exposition of the dashboard.
	pub fn metrics(&self) -> String {
		let s = &self.status;
		let mut r = Registry::with_prefix("ditex_relay");
		let gauge = |r: &mut Registry, name: &str, help: &str, v: i64| {
			let g = Gauge::<i64, AtomicI64>::default();
			g.set(v);
			r.register(name, help, g);
		};
		let counter = |r: &mut Registry, name: &str, help: &str, v: u64| {
			let c = Counter::<u64, AtomicU64>::default();
			c.inc_by(v);
			r.register(name, help, c);
		};
		gauge(&mut r, "uptime_seconds", "Seconds since the agent started", s.uptime_s as i64);
		counter(&mut r, "forwarded_datagrams", "Datagrams relayed to a next hop", s.forwarded);
		counter(
			&mut r,
			"delivered_datagrams",
			"Payloads delivered at the end of a path",
			s.delivered,
		);
		counter(&mut r, "sent_datagrams", "Payloads sent as an ingress", s.sent);
		gauge(&mut r, "pulse_peers", "Group peers this router pulses", s.pulse_peers.len() as i64);
		gauge(
			&mut r,
			"reachable_peers",
			"Pulsed peers that report hearing this router",
			self.reachability.heard_by as i64,
		);
		gauge(
			&mut r,
			"probe_overhead_bytes_per_second",
			"Pulse bytes sent and received per second since start",
			self.overhead.bytes_per_s as i64,
		);
		gauge(&mut r, "flows", "Flows the data plane holds", s.flows as i64);
		gauge(&mut r, "segments", "Segments in the registry view", s.segments as i64);

		let drops = Family::<Vec<(String, String)>, Counter>::default();
		for (reason, n) in &s.drops {
			drops.get_or_create(&vec![("reason".into(), reason.clone())]).inc_by(*n);
		}
		r.register("dropped_datagrams", "Datagrams dropped, by reason", drops);

		let pulse_bytes = Family::<Vec<(String, String)>, Counter>::default();
		pulse_bytes
			.get_or_create(&vec![("direction".into(), "out".into())])
			.inc_by(s.pulse_bytes_sent);
		pulse_bytes
			.get_or_create(&vec![("direction".into(), "in".into())])
			.inc_by(s.pulse_bytes_received);
		r.register("pulse_bytes", "Pulse bytes, by direction", pulse_bytes);

		let peer_bytes = Family::<Vec<(String, String)>, Counter>::default();
		for p in &s.peers {
			let l =
				|d: &str| vec![("peer".into(), p.peer.to_string()), ("direction".into(), d.into())];
			peer_bytes.get_or_create(&l("in")).inc_by(p.bytes_in);
			peer_bytes.get_or_create(&l("out")).inc_by(p.bytes_out);
		}
		r.register(
			"peer_bytes",
			"Data-plane bytes exchanged with each peer, by direction",
			peer_bytes,
		);

		let latency = Family::<Vec<(String, String)>, Gauge>::default();
		let jitter = Family::<Vec<(String, String)>, Gauge>::default();
		let loss = Family::<Vec<(String, String)>, Gauge<f64, AtomicU64>>::default();
		for l in &s.links {
			let labels = vec![("from".into(), l.from.to_string()), ("to".into(), l.to.to_string())];
			latency.get_or_create(&labels).set(l.latency_us);
			jitter.get_or_create(&labels).set(i64::from(l.jitter_us));
			loss.get_or_create(&labels).set(f64::from(l.loss_ppm) / 1e6);
		}
		r.register(
			"link_latency_microseconds",
			"Relative one-way latency of a link (carries the clock offset between its ends)",
			latency,
		);
		r.register("link_jitter_microseconds", "Jitter of a link", jitter);
		r.register("link_loss_ratio", "Share of a link's pulses lost", loss);

		let switches = Family::<Vec<(String, String)>, Counter>::default();
		for route in &s.routes {
			let labels = |why: &str| {
				vec![("dst".into(), route.dst.to_string()), ("reason".into(), why.into())]
			};
			// Every reason, at 0 too, so that a rate over it starts at the first switch.
			for why in crate::routing::SwitchReason::ALL.map(|r| r.name()) {
				let n = route.reasons.get(why).copied().unwrap_or(0);
				switches.get_or_create(&labels(why)).inc_by(n);
			}
			// A status file of an agent that kept no reasons.
			let known: u64 = route.reasons.values().sum();
			if route.switches > known {
				switches
					.get_or_create(&labels("unknown"))
					.inc_by(route.switches.saturating_sub(known));
			}
		}
		r.register("route_switches", "Route switches, by destination and reason", switches);
		let reverted = Counter::<u64>::default();
		reverted.inc_by(s.detours_reverted);
		r.register(
			"detours_reverted",
			"Detours left because they delivered worse than their relays claimed",
			reverted,
		);
		let detours = Gauge::<i64, AtomicI64>::default();
		detours.set(self.matrix.cells.iter().filter(|c| c.detour.is_some()).count() as i64);
		r.register(
			"matrix_detour_cells",
			"Group pairs a detour beats the direct path for",
			detours,
		);

		if let Some(e) = &self.earnings {
			let earned = Family::<Vec<(String, String)>, Gauge<f64, AtomicU64>>::default();
			for (state, v) in
				[("final", &e.r#final), ("claimed", &e.claimed), ("pending", &e.pending)]
			{
				let v: f64 = v.parse().unwrap_or(0.0);
				earned.get_or_create(&vec![("state".into(), state.into())]).set(v);
			}
			r.register("earned_plancks", "Coins earned, by state", earned);
			let applied = Gauge::<f64, AtomicU64>::default();
			applied.set(e.applied.parse().unwrap_or(0.0));
			r.register("applied_plancks", "Coins this host's own channels paid", applied);
		}

		if let Some(p) = &s.paid {
			let tickets = Family::<Vec<(String, String)>, Counter>::default();
			for (state, n) in [
				("submitted", p.tickets_submitted),
				("final", p.tickets_finalized),
				("refused", p.tickets_refused),
				("retried", p.tickets_retried),
				("handed", p.tickets_handed),
				("gathered", p.tickets_gathered),
			] {
				tickets.get_or_create(&vec![("state".into(), state.into())]).inc_by(n);
			}
			r.register("tickets", "Tickets, by what became of them", tickets);
			gauge(
				&mut r,
				"tickets_queued",
				"Tickets waiting to be submitted or to become final",
				p.tickets_queued.len() as i64,
			);
			let reports = Family::<Vec<(String, String)>, Counter>::default();
			for (outcome, n) in [("final", p.reports), ("failed", p.reports_failed)] {
				reports.get_or_create(&vec![("outcome".into(), outcome.into())]).inc_by(n);
			}
			r.register("group_reports", "Group performance reports, by outcome", reports);
			let batches = Family::<Vec<(String, String)>, Counter>::default();
			for (outcome, n) in [("final", p.batches), ("failed", p.batches_failed)] {
				batches.get_or_create(&vec![("outcome".into(), outcome.into())]).inc_by(n);
			}
			r.register(
				"ticket_batches",
				"The group's tickets submitted in one batch by this router as its reporter, by outcome",
				batches,
			);
			gauge(
				&mut r,
				"channels",
				"Escrow channels this router holds terms for",
				p.channels as i64,
			);
		}

		if let Some(q) = &s.qos {
			let outcomes = Family::<Vec<(String, String)>, Counter>::default();
			let rejected: u64 = q.rejected.values().sum();
			for (outcome, n) in [("confirmed", q.confirmed), ("rejected", rejected)] {
				outcomes.get_or_create(&vec![("outcome".into(), outcome.into())]).inc_by(n);
			}
			r.register("qos_orders", "QoS orders answered, by outcome", outcomes);
			let reasons = Family::<Vec<(String, String)>, Counter>::default();
			for (reason, n) in &q.rejected {
				reasons.get_or_create(&vec![("reason".into(), reason.clone())]).inc_by(*n);
			}
			r.register("qos_rejected_orders", "QoS orders rejected, by reason", reasons);
			counter(
				&mut r,
				"qos_removed_classes",
				"QoS classes removed from the egress (ended orders, leftovers)",
				q.removed,
			);
			counter(
				&mut r,
				"qos_tc_failures",
				"QoS classes that did not read back as applied",
				q.tc_failures,
			);
			counter(
				&mut r,
				"qos_poll_failures",
				"QoS polls that failed (the node or tc)",
				q.poll_failures,
			);
			let states = Family::<Vec<(String, String)>, Gauge>::default();
			for state in ["applied", "confirmed", "rejected", "removed"] {
				let n = q.orders.iter().filter(|o| o.state == state).count();
				states.get_or_create(&vec![("state".into(), state.into())]).set(n as i64);
			}
			r.register("qos_listed_orders", "QoS orders the status lists, by state", states);
			gauge(
				&mut r,
				"qos_capacity_bits_per_second",
				"Rate this router sells to QoS orders at most",
				clamp(q.capacity_bps),
			);
			gauge(
				&mut r,
				"qos_sold_bits_per_second",
				"Rate the QoS orders whose classes are kept take",
				clamp(q.sold_bps),
			);
		}

		let mut out = String::new();
		encode(&mut out, &r).expect("writing to a String cannot fail");
		out
	}
}

/// A rate as a gauge's `i64` (rates past 9.2 Ebit/s are not real).
fn clamp(v: u64) -> i64 {
	i64::try_from(v).unwrap_or(i64::MAX)
}

/// Serve the dashboard on `listen` until the task is dropped.
pub async fn serve(
	listen: SocketAddr,
	rx: watch::Receiver<Option<Arc<Dashboard>>>,
) -> std::io::Result<()> {
	let listener = tokio::net::TcpListener::bind(listen).await?;
	tracing::info!(%listen, "dashboard listening");
	axum::serve(listener, app(rx)).await
}

/// The routes, on the latest dashboard `rx` holds.
pub fn app(rx: watch::Receiver<Option<Arc<Dashboard>>>) -> Router {
	Router::new()
		.route("/", get(|| async { Html(PAGE) }))
		.route("/status.json", get(status_json))
		.route("/metrics", get(metrics))
		.with_state(rx)
}

type Latest = State<watch::Receiver<Option<Arc<Dashboard>>>>;

fn not_yet() -> Response {
	(StatusCode::SERVICE_UNAVAILABLE, "the agent has not published its status yet\n")
		.into_response()
}

async fn status_json(State(rx): Latest) -> Response {
	let Some(d) = rx.borrow().clone() else { return not_yet() };
	match serde_json::to_vec(&*d) {
		Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
		Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
	}
}

async fn metrics(State(rx): Latest) -> Response {
	let Some(d) = rx.borrow().clone() else { return not_yet() };
	(
		[(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
		d.metrics(),
	)
		.into_response()
}

/// The most `/status.json` a client reads (a large group's matrix is well under 1 MiB).
pub const MAX_STATUS_BYTES: usize = 8 << 20;
/// How long a client waits for a whole `/status.json`.
pub const FETCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Where a dashboard listening on `listen` is reached from this host: its address, or
/// loopback when it listens on every address.
pub fn local_url(listen: SocketAddr) -> String {
	let mut at = listen;
	if at.ip().is_unspecified() {
		at.set_ip(match at {
			SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
			SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
		});
	}
	format!("http://{at}")
}

/// Read a running agent's [`Dashboard`] from its `/status.json` at `base` (`http://host:port`,
/// or `host:port`): what `ditex-relay status` and `netcheck` show. The answer is read up to
/// [`MAX_STATUS_BYTES`] and within [`FETCH_TIMEOUT`], whoever serves it.
pub async fn fetch(base: &str) -> anyhow::Result<Dashboard> {
	use anyhow::{anyhow, bail, Context};
	use http_body_util::{BodyExt, Empty, Limited};

	let uri: axum::http::Uri =
		base.parse().with_context(|| format!("{base:?} is not a dashboard URL"))?;
	if uri.scheme_str().is_some_and(|s| s != "http") {
		bail!("{base}: the dashboard serves plain http");
	}
	let authority = uri.authority().ok_or_else(|| anyhow!("{base:?}: no host:port"))?.clone();
	let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_string();
	let port = authority.port_u16().unwrap_or(80);
	let get = async {
		let stream = tokio::net::TcpStream::connect((host.as_str(), port))
			.await
			.with_context(|| {
				format!("connecting to the dashboard at {base} (is the agent running? --file reads its last status file)")
			})?;
		let io = hyper_util::rt::TokioIo::new(stream);
		let (mut send, conn) = hyper::client::conn::http1::handshake(io).await?;
		// The connection is driven beside the request; it ends with it.
		let conn = tokio::spawn(conn);
		let request = axum::http::Request::get("/status.json")
			.header(header::HOST, authority.as_str())
			.body(Empty::<axum::body::Bytes>::new())?;
		let response = send
			.send_request(request)
			.await
			.with_context(|| format!("asking {base} for /status.json"))?;
		let status = response.status();
		let body = Limited::new(response.into_body(), MAX_STATUS_BYTES)
			.collect()
			.await
			.map_err(|e| anyhow!("reading {base}/status.json: {e}"))?
			.to_bytes();
		conn.abort();
		if status != StatusCode::OK {
			let text = String::from_utf8_lossy(&body[..body.len().min(200)]).trim().to_string();
			bail!("{base}/status.json answered {status}: {text}");
		}
		serde_json::from_slice::<Dashboard>(&body)
			.with_context(|| format!("{base}/status.json is not an agent's status"))
	};
	tokio::time::timeout(FETCH_TIMEOUT, get).await.map_err(|_| {
		anyhow!("{base}/status.json: no whole answer within {} s", FETCH_TIMEOUT.as_secs())
	})?
}

#[cfg(test)]
mod tests {
	use std::collections::BTreeSet;

	use super::*;
	use crate::shell::status::{LinkStatus, PeerBytes, QosOrderStatus, QosStatus, RouteStatus};

	/// Agent 1 of a square 1-2-3-4 whose diagonal 1 → 3 is slow.
	pub fn sample() -> Status {
		let link = |from, to, latency_us, loss_ppm| LinkStatus {
			from,
			to,
			latency_us,
			baseline_us: 1_000,
			jitter_us: 30,
			loss_ppm,
		};
		let mut links = vec![];
		for (a, b) in [(1, 2), (2, 3), (3, 4), (4, 1), (2, 4)] {
			links.push(link(a, b, 5_000, 0));
			links.push(link(b, a, 5_000, 0));
		}
		links.push(link(1, 3, 45_000, 2_000));
		links.push(link(3, 1, 6_000, 0));
		Status {
			id: 1,
			uptime_s: 100,
			forwarded: 1_234,
			delivered: 56,
			sent: 78,
			drops: [("bad_mac".to_string(), 3), ("replay".to_string(), 2)].into(),
			pulses_sent: 300,
			pulse_bytes_sent: 30_000,
			pulses_received: 290,
			pulse_bytes_received: 29_000,
			pulses_skipped_silent: 0,
			recent_pulses: vec![],
			skewed: vec![],
			links,
			routes: vec![RouteStatus {
				dst: 3,
				path: vec![1, 2, 3],
				switches: 3,
				reasons: [("better".to_string(), 2), ("down".to_string(), 1)].into(),
				switched_us: Some(9),
			}],
			detours_reverted: 1,
			peers: vec![PeerBytes { peer: 2, bytes_in: 10, bytes_out: 20 }],
			flows: 1,
			exit_flows: 0,
			pulse_peers: vec![2, 3, 4],
			segments: 4,
			chain: None,
			paid: None,
			qos: None,
		}
	}

	/// A sample: metric name, sorted labels, value.
	type Sample = (String, Vec<(String, String)>, f64);

	fn values(text: &str) -> Vec<Sample> {
		let lines = text.lines().map(|l| Ok(l.to_string()));
		let scrape = prometheus_parse::Scrape::parse(lines).expect("valid text exposition");
		scrape
			.samples
			.into_iter()
			.map(|s| {
				let v = match s.value {
					prometheus_parse::Value::Counter(v)
					| prometheus_parse::Value::Gauge(v)
					| prometheus_parse::Value::Untyped(v) => v,
					other => panic!("unexpected {other:?}"),
				};
				let mut labels: Vec<(String, String)> =
					s.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
				labels.sort();
				(s.metric, labels, v)
			})
			.collect()
	}

	/// Every figure the page shows is a metric, with the JSON's value.
	#[test]
	fn the_metrics_parse_and_carry_every_figure_of_the_page() {
		let d = Dashboard::new(sample(), None);
		let m = values(&d.metrics());
		let get = |name: &str, labels: &[(&str, &str)]| {
			let mut want: Vec<(String, String)> =
				labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
			want.sort();
			m.iter()
				.find(|(n, l, _)| n == name && *l == want)
				.map(|x| x.2)
				.unwrap_or_else(|| panic!("no {name} {labels:?} in {m:?}"))
		};
		assert_eq!(get("ditex_relay_uptime_seconds", &[]), 100.0);
		assert_eq!(get("ditex_relay_forwarded_datagrams_total", &[]), 1_234.0);
		assert_eq!(get("ditex_relay_delivered_datagrams_total", &[]), 56.0);
		assert_eq!(get("ditex_relay_sent_datagrams_total", &[]), 78.0);
		assert_eq!(get("ditex_relay_reachable_peers", &[]), d.reachability.heard_by as f64);
		assert_eq!(get("ditex_relay_pulse_peers", &[]), 3.0);
		assert_eq!(get("ditex_relay_probe_overhead_bytes_per_second", &[]), 590.0);
		assert_eq!(get("ditex_relay_dropped_datagrams_total", &[("reason", "bad_mac")]), 3.0);
		assert_eq!(
			get("ditex_relay_peer_bytes_total", &[("peer", "2"), ("direction", "out")]),
			20.0
		);
		assert_eq!(
			get("ditex_relay_link_latency_microseconds", &[("from", "1"), ("to", "3")]),
			45_000.0
		);
		assert_eq!(get("ditex_relay_link_loss_ratio", &[("from", "1"), ("to", "3")]), 0.002);
		let switches =
			|why| get("ditex_relay_route_switches_total", &[("dst", "3"), ("reason", why)]);
		assert_eq!((switches("better"), switches("down")), (2.0, 1.0));
		assert_eq!((switches("recovered"), switches("unverified")), (0.0, 0.0));
		assert_eq!(get("ditex_relay_detours_reverted_total", &[]), 1.0);
		assert_eq!(get("ditex_relay_matrix_detour_cells", &[]), 1.0);
		// Earnings and tickets only with a chain.
		assert!(m.iter().all(|(n, _, _)| !n.starts_with("ditex_relay_earned")));
		assert!(m.iter().all(|(n, _, _)| !n.starts_with("ditex_relay_tickets")));
		let mut paid = sample();
		paid.paid = Some(crate::shell::paid::PaidStatus {
			channels: 2,
			tickets_submitted: 7,
			tickets_finalized: 5,
			tickets_refused: 1,
			tickets_retried: 3,
			tickets_queued: vec![8, 9],
			reports: 4,
			reports_failed: 1,
			tickets_handed: 6,
			tickets_gathered: 11,
			batches: 2,
			batches_failed: 1,
			..Default::default()
		});
		let m = values(&Dashboard::new(paid, None).metrics());
		let get = |name: &str, labels: &[(&str, &str)]| {
			let want: Vec<(String, String)> =
				labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
			m.iter().find(|(n, l, _)| n == name && *l == want).map(|x| x.2)
		};
		let tickets = |state| get("ditex_relay_tickets_total", &[("state", state)]);
		assert_eq!(
			["submitted", "final", "refused", "retried", "handed", "gathered"].map(tickets),
			[Some(7.0), Some(5.0), Some(1.0), Some(3.0), Some(6.0), Some(11.0)]
		);
		let batches = |outcome| get("ditex_relay_ticket_batches_total", &[("outcome", outcome)]);
		assert_eq!(["final", "failed"].map(batches), [Some(2.0), Some(1.0)]);
		assert_eq!(get("ditex_relay_tickets_queued", &[]), Some(2.0));
		assert_eq!(get("ditex_relay_group_reports_total", &[("outcome", "failed")]), Some(1.0));
		assert_eq!(get("ditex_relay_channels", &[]), Some(2.0));
		let with =
			Dashboard::new(sample(), Some(Earnings { r#final: "5".into(), ..Default::default() }));
		let m = values(&with.metrics());
		assert!(m.iter().any(|(n, l, v)| n == "ditex_relay_earned_plancks"
			&& l == &vec![("state".to_string(), "final".to_string())]
			&& *v == 5.0));
	}

	fn qos() -> QosStatus {
		let o = |id, state: &str, reason: Option<&str>, ends_at| QosOrderStatus {
			id,
			class: "priority".into(),
			rate_bps: 2_000_000,
			flow: "udp any → 10.9.0.2/32 port 5001".into(),
			state: state.into(),
			reason: reason.map(Into::into),
			ends_at,
		};
		QosStatus {
			interface: "eth1".into(),
			capacity_bps: 8_000_000,
			sold_bps: 4_000_000,
			block: Some(77),
			orders: vec![
				o(1, "confirmed", None, Some(90)),
				o(2, "applied", None, None),
				o(3, "rejected", Some("above_capacity"), None),
				o(4, "rejected", Some("traffic_control_failed"), None),
				o(5, "removed", None, Some(40)),
			],
			confirmed: 3,
			rejected: [
				("above_capacity".to_string(), 1),
				("traffic_control_failed".to_string(), 2),
			]
			.into(),
			removed: 1,
			tc_failures: 2,
			poll_failures: 4,
		}
	}

	/// The QoS orders' counters and states are metrics with the JSON's values, only with a
	/// `[qos]`.
	#[test]
	fn the_qos_figures_are_metrics() {
		let m = values(&Dashboard::new(sample(), None).metrics());
		assert!(
			m.iter().all(|(n, _, _)| !n.starts_with("ditex_relay_qos")),
			"no [qos], no QoS metrics"
		);
		let d = Dashboard::new(Status { qos: Some(qos()), ..sample() }, None);
		let m = values(&d.metrics());
		let get = |name: &str, labels: &[(&str, &str)]| {
			let want: Vec<(String, String)> =
				labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
			m.iter()
				.find(|(n, l, _)| n == name && *l == want)
				.map(|x| x.2)
				.unwrap_or_else(|| panic!("no {name} {labels:?} in {m:?}"))
		};
		assert_eq!(get("ditex_relay_qos_orders_total", &[("outcome", "confirmed")]), 3.0);
		assert_eq!(get("ditex_relay_qos_orders_total", &[("outcome", "rejected")]), 3.0);
		assert_eq!(
			get("ditex_relay_qos_rejected_orders_total", &[("reason", "above_capacity")]),
			1.0
		);
		assert_eq!(
			get("ditex_relay_qos_rejected_orders_total", &[("reason", "traffic_control_failed")]),
			2.0
		);
		assert_eq!(get("ditex_relay_qos_removed_classes_total", &[]), 1.0);
		assert_eq!(get("ditex_relay_qos_tc_failures_total", &[]), 2.0);
		assert_eq!(get("ditex_relay_qos_poll_failures_total", &[]), 4.0);
		assert_eq!(get("ditex_relay_qos_capacity_bits_per_second", &[]), 8e6);
		assert_eq!(get("ditex_relay_qos_sold_bits_per_second", &[]), 4e6);
		for (state, n) in
			[("applied", 1.0), ("confirmed", 1.0), ("rejected", 2.0), ("removed", 1.0)]
		{
			assert_eq!(get("ditex_relay_qos_listed_orders", &[("state", state)]), n, "{state}");
		}
		// The JSON carries them under the status.
		let json = serde_json::to_value(&d).unwrap();
		assert_eq!(json["status"]["qos"]["orders"][2]["reason"], "above_capacity");
		assert_eq!(json["status"]["qos"]["sold_bps"], 4_000_000);
	}

	/// Every metric the page names (its `data-metric` figures and the names its script sets)
	/// is exported by an agent with a chain and a `[qos]`.
	#[test]
	fn every_metric_the_page_names_is_exported() {
		let names: BTreeSet<&str> = PAGE
			.match_indices("ditex_relay_")
			.map(|(at, _)| {
				let rest = &PAGE[at..];
				&rest[..rest
					.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
					.unwrap_or(rest.len())]
			})
			.collect();
		assert!(names.len() >= 15, "{names:?}");
		let d = Dashboard::new(
			Status { qos: Some(qos()), paid: Some(Default::default()), ..sample() },
			Some(Earnings {
				r#final: "1".into(),
				claimed: "2".into(),
				pending: "3".into(),
				applied: "4".into(),
			}),
		);
		let exported: BTreeSet<String> =
			values(&d.metrics()).into_iter().map(|(n, _, _)| n).collect();
		for name in names {
			assert!(exported.contains(name), "the page names {name}, /metrics has no such sample");
		}
	}

	#[test]
	fn the_dashboard_derives_reachability_overhead_and_the_matrix() {
		let d = Dashboard::new(sample(), None);
		// Agent 1 echoes links to 2 and 4 (the square) and to 3 (the diagonal).
		assert_eq!(d.reachability, Reachability { peers: 3, heard_by: 3 });
		assert_eq!(d.reach, Reach::Reachable);
		assert_eq!(d.overhead.bytes_per_s, 590);
		assert_eq!(d.overhead.bytes_per_month, 590 * MONTH_S);
		assert_eq!((d.bytes_in, d.bytes_out, d.dropped), (10, 20, 5));
		let c = d.matrix.cell(1, 3).unwrap();
		assert!(c.detour.is_some(), "{c:?}");
	}
}
