//! Relays' tickets: a router's claim for an epoch, signed with its ticket key and submitted as
//! an authorized transaction. No account signs it, so the host that submits it holds no key
//! that can spend the operator's coins.

use anyhow::{anyhow, Context, Result};
use codec::Encode;
use ditex_primitives::{
	registry::SegmentId,
	settlement::{
		Ack, ChannelId, ChannelUsage, Epoch, Path, PeerCounters, Receipt, SignedAck, SignedReceipt,
		SignedTicket, Ticket,
	},
};
use ed25519_dalek::{Signer as _, SigningKey};
use serde::Deserialize;

use crate::{encoded_call, Chain};

/// `ticket` signed with the ticket key whose secret seed is `secret`, for the chain whose
/// genesis hash is `genesis`.
pub fn sign(ticket: Ticket, genesis: [u8; 32], secret: &[u8; 32]) -> SignedTicket {
	let key = SigningKey::from_bytes(secret);
	let signature = key.sign(&ticket.signing_payload(&genesis.into())).to_bytes();
	SignedTicket { ticket, signature }
}

/// The public half of the ticket key whose secret seed is `secret`.
pub fn public(secret: &[u8; 32]) -> [u8; 32] {
	SigningKey::from_bytes(secret).verifying_key().to_bytes()
}

/// Submit a signed ticket and wait until it is finalized; returns the events by name. A ticket
/// the pool refuses (a bad signature, a second one for the epoch) fails with the pool's reason.
pub async fn submit(chain: &Chain, ticket: &SignedTicket) -> Result<Vec<String>> {
	let at = chain.api.at_current_block().await?;
	let call = encoded_call(&at, "Tickets", "submit_ticket", &ticket.encode())?;
	chain.submit_authorized(&call).await
}

/// Submit several routers' signed tickets in one authorized transaction
/// (`Tickets.submit_tickets`), as a group's reporter does, and wait until it is finalized;
/// returns the events by name. The pool refuses the whole batch if it refuses any ticket.
pub async fn submit_batch(chain: &Chain, tickets: &[SignedTicket]) -> Result<Vec<String>> {
	let at = chain.api.at_current_block().await?;
	let call = encoded_call(&at, "Tickets", "submit_tickets", &tickets.encode())?;
	chain.submit_authorized(&call).await
}

/// The epoch of the last ticket of `segment` the chain took, at the latest finalized block,
/// or at the best block if not `finalized`.
pub async fn last_epoch(
	chain: &Chain,
	segment: SegmentId,
	finalized: bool,
) -> Result<Option<Epoch>> {
	let at = if finalized {
		None
	} else {
		Some(chain.request("chain_getBlockHash", subxt::rpcs::rpc_params![]).await?)
	};
	// `SettlementApi_last_ticket` answers the pallet's `Option<TicketMark>`, whose first field
	// is the epoch: SCALE decodes it alone.
	chain.runtime_call::<Option<Epoch>>("SettlementApi_last_ticket", &segment, at).await
}

/// A ticket in JSON, as `ditex-ctl ticket submit` reads it: the fields of
/// [`Ticket`] in camelCase, byte strings as `0x` hex. Unknown fields are refused.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TicketJson {
	segment: SegmentId,
	epoch: Epoch,
	boot_time: u64,
	total_in: u64,
	total_out: u64,
	#[serde(default)]
	peers: Vec<PeerJson>,
	#[serde(default)]
	channels: Vec<UsageJson>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PeerJson {
	peer: SegmentId,
	octets_in: u64,
	octets_out: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UsageJson {
	channel: ChannelId,
	hop: u8,
	prev: Option<SegmentId>,
	next: Option<SegmentId>,
	bytes_in: u64,
	bytes_out: u64,
	#[serde(default)]
	receipt: Option<ReceiptJson>,
	#[serde(default)]
	ack: Option<AckJson>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReceiptJson {
	genesis: String,
	path: Vec<SegmentId>,
	cumulative_bytes: u64,
	signature: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AckJson {
	genesis: String,
	hop: u8,
	cumulative_bytes: u64,
	signature: String,
}

/// `0x` and `N` bytes of hex.
fn hex_bytes<const N: usize>(what: &str, s: &str) -> Result<[u8; N]> {
	let mut out = [0u8; N];
	hex::decode_to_slice(s.strip_prefix("0x").unwrap_or(s), &mut out)
		.with_context(|| format!("{what} {s:?} is not 0x and {} hex digits", 2 * N))?;
	Ok(out)
}

impl TryFrom<TicketJson> for Ticket {
	type Error = anyhow::Error;

	fn try_from(t: TicketJson) -> Result<Ticket> {
		let peers = t
			.peers
			.into_iter()
			.map(|p| PeerCounters {
				peer: p.peer,
				octets_in: p.octets_in,
				octets_out: p.octets_out,
			})
			.collect::<Vec<_>>();
		let mut channels = Vec::with_capacity(t.channels.len());
		for u in t.channels {
			let receipt = u
				.receipt
				.map(|r| -> Result<SignedReceipt> {
					let path = Path::try_from(r.path)
						.map_err(|_| anyhow!("a receipt's path is too long"))?;
					Ok(SignedReceipt {
						receipt: Receipt {
							genesis: hex_bytes::<32>("genesis", &r.genesis)?.into(),
							channel: u.channel,
							path,
							cumulative_bytes: r.cumulative_bytes,
						},
						signature: hex_bytes::<64>("signature", &r.signature)?,
					})
				})
				.transpose()?;
			let ack = u
				.ack
				.map(|a| -> Result<SignedAck> {
					Ok(SignedAck {
						ack: Ack {
							genesis: hex_bytes::<32>("genesis", &a.genesis)?.into(),
							channel: u.channel,
							hop: a.hop,
							cumulative_bytes: a.cumulative_bytes,
						},
						signature: hex_bytes::<64>("signature", &a.signature)?,
					})
				})
				.transpose()?;
			channels.push(ChannelUsage {
				channel: u.channel,
				hop: u.hop,
				prev: u.prev,
				next: u.next,
				bytes_in: u.bytes_in,
				bytes_out: u.bytes_out,
				receipt,
				ack,
			});
		}
		Ok(Ticket {
			segment: t.segment,
			epoch: t.epoch,
			boot_time: t.boot_time,
			total_in: t.total_in,
			total_out: t.total_out,
			peers: peers.try_into().map_err(|_| anyhow!("more peers than a ticket holds"))?,
			channels: channels
				.try_into()
				.map_err(|_| anyhow!("more channels than a ticket holds"))?,
		})
	}
}

/// A ticket from its JSON text.
pub fn parse(json: &str) -> Result<Ticket> {
	let t: TicketJson = serde_json::from_str(json).context("the ticket is not valid JSON")?;
	t.try_into()
}

/// A ticket key's secret seed from its file: `ticket_secret_key = "0x…"` as
/// `ditex-relay keygen` prints it, or the bare `0x…` hex.
pub fn parse_secret(text: &str) -> Result<[u8; 32]> {
	let hex = text
		.lines()
		.find_map(|l| l.trim().strip_prefix("ticket_secret_key"))
		.map(|rest| rest.trim_start_matches([' ', '=']).trim().trim_matches('"'))
		.unwrap_or_else(|| text.trim());
	hex_bytes::<32>("ticket secret key", hex)
}

/// The chain's genesis hash, which every ticket names.
pub fn genesis(chain: &Chain) -> [u8; 32] {
	chain.api.genesis_hash().0
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn json_tickets_and_key_files_parse_and_bad_ones_say_why() {
		let json = r#"{"segment":3,"epoch":7,"bootTime":1700000000,"totalIn":10,"totalOut":9,
			"peers":[{"peer":4,"octetsIn":5,"octetsOut":6}],
			"channels":[{"channel":2,"hop":0,"prev":null,"next":4,"bytesIn":10,"bytesOut":9,
				"receipt":{"genesis":"0x0101010101010101010101010101010101010101010101010101010101010101",
					"path":[3,4],"cumulativeBytes":9,"signature":"0x"}}]}"#;
		// A receipt signature must be 64 bytes.
		let e = parse(json).unwrap_err().to_string();
		assert!(e.contains("signature") && e.contains("128 hex digits"), "{e}");
		let good =
			json.replace(r#""signature":"0x""#, &format!(r#""signature":"0x{}""#, "ab".repeat(64)));
		let t = parse(&good).unwrap();
		assert_eq!((t.segment, t.epoch, t.peers[0].octets_out), (3, 7, 6));
		let r = t.channels[0].receipt.as_ref().unwrap();
		assert_eq!(
			(r.receipt.channel, r.receipt.path.to_vec(), r.signature[0]),
			(2, vec![3, 4], 0xab)
		);
		let e = parse(&good.replace("bootTime", "boot")).unwrap_err();
		assert!(format!("{e:#}").contains("unknown field"), "{e:#}");

		let secret = format!("0x{}", "07".repeat(32));
		let keygen = format!("key = \"0x{}\"\nticket_secret_key = \"{secret}\"\n", "00".repeat(32));
		assert_eq!(parse_secret(&keygen).unwrap(), [7; 32]);
		assert_eq!(parse_secret(&secret).unwrap(), [7; 32]);
		assert!(parse_secret("0x12").is_err());
	}

	#[test]
	fn a_signed_ticket_verifies_under_its_public_key_only() {
		let ticket = Ticket {
			segment: 3,
			epoch: 7,
			boot_time: 1,
			total_in: 2,
			total_out: 2,
			peers: Default::default(),
			channels: Default::default(),
		};
		let secret = [9u8; 32];
		let signed = sign(ticket.clone(), [1; 32], &secret);
		let key = ed25519_dalek::VerifyingKey::from_bytes(&public(&secret)).unwrap();
		let sig = ed25519_dalek::Signature::from_bytes(&signed.signature);
		let payload = ticket.signing_payload(&[1u8; 32].into());
		assert!(key.verify_strict(&payload, &sig).is_ok());
		// Another chain's payload does not verify.
		assert!(key.verify_strict(&ticket.signing_payload(&[2u8; 32].into()), &sig).is_err());
	}
}
