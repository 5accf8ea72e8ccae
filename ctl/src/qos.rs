//! QoS orders: a consumer orders a priority treatment of its packets on a segment router (its
//! account pays); the router's agent answers under its ticket key — confirm or reject with a
//! reason — as an authorized transaction (no account, no fee), so the provider's host holds
//! no account key.

use anyhow::{anyhow, bail, Context, Result};
use codec::{Decode, Encode};
use ditex_primitives::{
	qos::{
		IpPrefix, OrderTerms, QosAnswer, QosClass, QosFlow, QosOrder, QosRejectReason, QosStatus,
		QosVerdict, PROTO_TCP, PROTO_UDP,
	},
	registry::{IpAddress, SegmentId},
	settlement::OrderId,
	Balance, BlockNumber,
};
use ed25519_dalek::{Signer as _, SigningKey};
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

use crate::{encoded_call, Chain};

/// An order as the chain holds it.
pub type OrderView = QosOrder<AccountId32, Balance, BlockNumber>;

/// What ordering asks for: the arguments of `Escrow.order_qos`, in order.
pub type Order = OrderTerms<Balance, BlockNumber>;

/// Place an order as the consumer `who`; returns its id, from the `Escrow.QosOrdered` event.
pub async fn order(chain: &Chain, who: &Keypair, order: &Order) -> Result<OrderId> {
	let events =
		chain.submit_encoded_for_events("Escrow", "order_qos", &order.encode(), who).await?;
	for ev in events.iter() {
		let ev = ev?;
		if ev.pallet_name() == "Escrow" && ev.event_name() == "QosOrdered" {
			// The event's first field is the order id.
			return Ok(OrderId::decode(&mut ev.field_bytes())?);
		}
	}
	Err(anyhow!("Escrow.order_qos emitted no QosOrdered"))
}

/// The signature of the answer `verdict` to order `id` on `segment` by the ticket key whose
/// secret seed is `secret`, on the chain whose genesis hash is `genesis`.
pub fn sign(
	id: OrderId,
	segment: SegmentId,
	verdict: QosVerdict,
	genesis: [u8; 32],
	secret: &[u8; 32],
) -> [u8; 64] {
	let payload = QosAnswer { order: id, segment, verdict }.signing_payload(&genesis.into());
	SigningKey::from_bytes(secret).sign(&payload).to_bytes()
}

/// Confirm order `id` on `segment` under the router's ticket key (`secret`) and wait until
/// it is finalized; returns the events by name, or the pool's reason for refusing it.
pub async fn confirm(
	chain: &Chain,
	id: OrderId,
	segment: SegmentId,
	secret: &[u8; 32],
) -> Result<Vec<String>> {
	let signature = sign(id, segment, QosVerdict::Confirm, crate::ticket::genesis(chain), secret);
	let at = chain.api.at_current_block().await?;
	let call = encoded_call(&at, "Escrow", "confirm_qos", &(id, signature).encode())?;
	chain.submit_authorized(&call).await
}

/// Reject order `id` on `segment` for `reason` under the router's ticket key (`secret`); the
/// consumer is refunded. Returns the events by name.
pub async fn reject(
	chain: &Chain,
	id: OrderId,
	segment: SegmentId,
	reason: QosRejectReason,
	secret: &[u8; 32],
) -> Result<Vec<String>> {
	let verdict = QosVerdict::Reject(reason);
	let signature = sign(id, segment, verdict, crate::ticket::genesis(chain), secret);
	let at = chain.api.at_current_block().await?;
	let call = encoded_call(&at, "Escrow", "reject_qos", &(id, reason, signature).encode())?;
	chain.submit_authorized(&call).await
}

/// Order `id` at the latest finalized block, if it is pending or active.
pub async fn get(chain: &Chain, id: OrderId) -> Result<Option<OrderView>> {
	chain.runtime_call("SettlementApi_order", &id, None).await
}

/// The orders pending or active on `segment` at block `at` (the latest finalized one if
/// `None`), oldest first.
pub async fn of_segment(
	chain: &Chain,
	segment: SegmentId,
	at: Option<subxt::utils::H256>,
) -> Result<Vec<(OrderId, OrderView)>> {
	chain.runtime_call("SettlementApi_orders_of", &segment, at).await
}

/// A class by name: `priority` or `realtime`.
pub fn parse_class(s: &str) -> Result<QosClass> {
	match s.trim().to_ascii_lowercase().as_str() {
		"priority" => Ok(QosClass::Priority),
		"realtime" | "real-time" => Ok(QosClass::RealTime),
		other => bail!("unknown QoS class {other:?}: priority or realtime"),
	}
}

/// A rejection reason by name, as [`QosRejectReason::name`] spells it.
pub fn parse_reason(s: &str) -> Result<QosRejectReason> {
	use QosRejectReason::*;
	[
		ClassNotOffered,
		AboveCapacity,
		BelowPriceFloor,
		FlowNotAccepted,
		TrafficControlFailed,
		Unavailable,
	]
	.into_iter()
	.find(|r| r.name() == s.trim())
	.ok_or_else(|| anyhow!("unknown reason {s:?}"))
}

fn prefix(s: &str) -> Result<IpPrefix> {
	let (addr, len) = match s.split_once('/') {
		Some((a, l)) => {
			(a, Some(l.parse::<u8>().with_context(|| format!("bad prefix length in {s:?}"))?))
		},
		None => (s, None),
	};
	let ip: std::net::IpAddr = addr.parse().with_context(|| format!("bad address {addr:?}"))?;
	let p = match ip {
		std::net::IpAddr::V4(v4) => {
			IpPrefix { addr: IpAddress::V4(v4.octets()), len: len.unwrap_or(32) }
		},
		std::net::IpAddr::V6(v6) => {
			IpPrefix { addr: IpAddress::V6(v6.octets()), len: len.unwrap_or(128) }
		},
	};
	if !p.is_valid() {
		bail!("{s:?} is not a network (bits set past its length, or too long)");
	}
	Ok(p)
}

/// A flow from `key=value` pairs, comma-separated: `src=` and `dst=` networks (`10.0.0.0/24`,
/// a bare address is a host), `proto=` `tcp`, `udp` or a number, `sport=` and `dport=`.
/// Example: `dst=198.51.100.7,proto=udp,dport=5001`.
pub fn parse_flow(s: &str) -> Result<QosFlow> {
	let mut flow = QosFlow { src: None, dst: None, protocol: None, src_port: None, dst_port: None };
	for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
		let (k, v) = part.split_once('=').ok_or_else(|| anyhow!("{part:?} is not key=value"))?;
		match k.trim() {
			"src" => flow.src = Some(prefix(v.trim())?),
			"dst" => flow.dst = Some(prefix(v.trim())?),
			"proto" => {
				flow.protocol = Some(match v.trim() {
					"tcp" => PROTO_TCP,
					"udp" => PROTO_UDP,
					n => n.parse().with_context(|| format!("bad protocol {n:?}"))?,
				})
			},
			"sport" => {
				flow.src_port = Some(v.trim().parse().with_context(|| format!("bad port {v:?}"))?)
			},
			"dport" => {
				flow.dst_port = Some(v.trim().parse().with_context(|| format!("bad port {v:?}"))?)
			},
			other => bail!("unknown flow key {other:?}: src, dst, proto, sport, dport"),
		}
	}
	flow.check().map_err(|e| anyhow!("the flow {s:?} is not well-formed: {e:?}"))?;
	Ok(flow)
}

fn prefix_text(p: &IpPrefix) -> String {
	match p.addr {
		IpAddress::V4(a) => format!("{}/{}", std::net::Ipv4Addr::from(a), p.len),
		IpAddress::V6(a) => format!("{}/{}", std::net::Ipv6Addr::from(a), p.len),
	}
}

/// An order as JSON, for people and scripts.
pub fn to_json(id: OrderId, o: &OrderView) -> serde_json::Value {
	let status = match o.status {
		QosStatus::Pending => serde_json::json!({ "pending": { "deadline": o.deadline } }),
		QosStatus::Active { until } => serde_json::json!({ "active": { "until": until } }),
	};
	serde_json::json!({
		"order": id,
		"consumer": o.consumer.to_string(),
		"segment": o.segment,
		"provider": o.provider.to_string(),
		"class": o.class.name(),
		"rate": o.rate,
		"flow": {
			"src": o.flow.src.as_ref().map(prefix_text),
			"dst": o.flow.dst.as_ref().map(prefix_text),
			"proto": o.flow.protocol,
			"sport": o.flow.src_port,
			"dport": o.flow.dst_port,
		},
		"payment": o.payment.to_string(),
		"duration": o.duration,
		"status": status,
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn flows_parse_and_bad_ones_say_why() {
		let f = parse_flow("dst=198.51.100.7, proto=udp, dport=5001").unwrap();
		assert_eq!(f.dst, Some(IpPrefix { addr: IpAddress::V4([198, 51, 100, 7]), len: 32 }));
		assert_eq!((f.protocol, f.dst_port, f.src), (Some(PROTO_UDP), Some(5001), None));
		let f = parse_flow("src=10.1.0.0/16,dst=2001:db8::/32").map(|_| ());
		assert!(f.unwrap_err().to_string().contains("MixedFamilies"));
		assert!(parse_flow("dst=10.0.0.1/24").unwrap_err().to_string().contains("not a network"));
		assert!(parse_flow("dport=80,proto=tcp").is_err(), "no network");
		assert!(parse_flow("dst=10.0.0.0/8,dport=80").is_err(), "a port needs tcp or udp");
		assert!(parse_flow("colour=blue").unwrap_err().to_string().contains("unknown flow key"));
		assert_eq!(parse_class("RealTime").unwrap(), QosClass::RealTime);
		assert!(parse_class("gold").is_err());
		assert_eq!(parse_reason("above_capacity").unwrap(), QosRejectReason::AboveCapacity);
	}

	#[test]
	fn answers_are_signed_over_the_shared_payload() {
		use ed25519_dalek::{Signature, Verifier};
		let secret = [7u8; 32];
		let sig = sign(3, 9, QosVerdict::Confirm, [1; 32], &secret);
		let payload = QosAnswer { order: 3, segment: 9, verdict: QosVerdict::Confirm }
			.signing_payload(&[1; 32].into());
		let key = SigningKey::from_bytes(&secret).verifying_key();
		assert!(key.verify(&payload, &Signature::from_bytes(&sig)).is_ok());
	}
}
