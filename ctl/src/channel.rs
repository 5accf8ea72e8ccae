//! A consumer's channels: open one over a path of segment routers, top it up, close it, read
//! it.
//!
//! The consumer's account key signs these (on the consumer's own machine); the relays never
//! hold one. A channel holds its deposit until it is closed or expires; then the relays are
//! settled and the rest returns.

use anyhow::{anyhow, Result};
use codec::{Decode, Encode};
use ditex_primitives::{
	registry::{DataPlaneKey, SegmentId},
	settlement::{Channel, ChannelId, Path, ReceiptKey},
	Balance, BlockNumber,
};
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

use crate::Chain;

/// A channel as the chain holds it.
pub type ChannelView = Channel<AccountId32, Balance, BlockNumber>;

/// What opening a channel asks for.
#[derive(Clone, Debug, PartialEq, Eq, Encode)]
pub struct Open {
	/// The path, ingress first: exactly the hop list its datagrams will carry.
	pub path: Path,
	/// Held from the consumer until the channel ends.
	pub deposit: Balance,
	/// The most the whole path may cost per GiB.
	pub max_price_per_gib: Balance,
	/// The last block the channel is open.
	pub expires_at: BlockNumber,
	/// The consumer's X25519 data-plane key: its egress takes sessions only from it.
	pub data_key: DataPlaneKey,
	/// The ed25519 key the consumer's receipts are signed with.
	pub receipt_key: ReceiptKey,
}

/// Open a channel as `who`; returns its id, from the `Escrow.ChannelOpened` event.
pub async fn open(chain: &Chain, who: &Keypair, open: &Open) -> Result<ChannelId> {
	let events =
		chain.submit_encoded_for_events("Escrow", "open_channel", &open.encode(), who).await?;
	for ev in events.iter() {
		let ev = ev?;
		if ev.pallet_name() == "Escrow" && ev.event_name() == "ChannelOpened" {
			// The event's first field is the channel id.
			return Ok(ChannelId::decode(&mut ev.field_bytes())?);
		}
	}
	Err(anyhow!("Escrow.open_channel emitted no ChannelOpened"))
}

/// Hold `amount` more for `channel`, as its consumer `who`.
pub async fn top_up(
	chain: &Chain,
	who: &Keypair,
	channel: ChannelId,
	amount: Balance,
) -> Result<Vec<String>> {
	chain.submit_encoded("Escrow", "top_up", &(channel, amount).encode(), who).await
}

/// Close `channel`, as its consumer `who`: in-flight tickets settle during the grace, then
/// the rest of the deposit returns.
pub async fn close(chain: &Chain, who: &Keypair, channel: ChannelId) -> Result<Vec<String>> {
	chain.submit_encoded("Escrow", "close", &channel.encode(), who).await
}

/// `channel` as the chain's settlement runtime API shows it at the latest finalized block.
pub async fn get(chain: &Chain, channel: ChannelId) -> Result<Option<ChannelView>> {
	chain.runtime_call("SettlementApi_channel", &channel, None).await
}

/// A channel as JSON, for people and scripts.
pub fn to_json(id: ChannelId, ch: &ChannelView) -> serde_json::Value {
	use ditex_primitives::settlement::ChannelStatus;
	let hops: Vec<_> = ch
		.hops
		.iter()
		.map(|h| {
			serde_json::json!({
				"segment": h.segment,
				"payee": h.payee.to_string(),
				"pricePerGib": h.price_per_gib.to_string(),
			})
		})
		.collect();
	let status = match ch.status {
		ChannelStatus::Open => serde_json::json!("open"),
		ChannelStatus::Closed { at } => serde_json::json!({ "closedAt": at }),
	};
	serde_json::json!({
		"id": id,
		"consumer": ch.consumer.to_string(),
		"hops": hops,
		"maxPricePerGib": ch.max_price_per_gib.to_string(),
		"deposit": ch.deposit.to_string(),
		"paid": ch.paid.to_string(),
		"refunded": ch.refunded.to_string(),
		"openedAt": ch.opened_at,
		"expiresAt": ch.expires_at,
		"refundAt": ch.refund_at,
		"status": status,
		"dataKey": format!("0x{}", hex::encode(ch.data_key.0)),
		"receiptKey": format!("0x{}", hex::encode(ch.receipt_key.0)),
	})
}

/// The segment ids of a path given as `1,2,3`.
pub fn parse_path(s: &str) -> Result<Path> {
	let ids = s
		.split(',')
		.map(|p| p.trim().parse::<SegmentId>().map_err(|e| anyhow!("bad segment id {p:?}: {e}")))
		.collect::<Result<Vec<_>>>()?;
	Path::try_from(ids)
		.map_err(|_| anyhow!("a path has at most {} hops", ditex_primitives::MAX_HOPS))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn paths_parse_within_the_bound() {
		assert_eq!(parse_path("4, 7,9").unwrap().into_inner(), vec![4, 7, 9]);
		assert!(parse_path("1,2,3,4,5,6,7,8,9").is_err());
		assert!(parse_path("1,x").is_err());
		assert!(parse_path("").is_err());
	}

	/// The call's arguments in the order and encoding of `Escrow.open_channel`.
	#[test]
	fn open_encodes_as_the_calls_arguments() {
		let open = Open {
			path: Path::try_from(vec![1, 2]).unwrap(),
			deposit: 5,
			max_price_per_gib: 6,
			expires_at: 7,
			data_key: DataPlaneKey([8; 32]),
			receipt_key: ReceiptKey([9; 32]),
		};
		let expected =
			(open.path.clone(), 5u128, 6u128, 7u32, DataPlaneKey([8; 32]), ReceiptKey([9; 32]))
				.encode();
		assert_eq!(open.encode(), expected);
	}
}
