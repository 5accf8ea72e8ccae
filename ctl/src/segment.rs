//! Segment routers: list the router an operator's relay agent runs.
//!
//! The listing carries the agent's data-plane endpoint, its X25519 public key and its ed25519
//! ticket key (`ditex-relay keygen` prints both pairs), where it is (region and AS) and its price. The chain holds a deposit
//! for it and puts it in a group of its region; the agent, started with its segment id and a
//! `[chain]`, reads the rest from the chain.

use std::net::SocketAddr;

use anyhow::{anyhow, Context, Result};
use codec::Encode;
use ditex_primitives::registry::{
	DataPlaneKey, GroupId, Region, SegmentId, SegmentSpec, TicketKey, Windows,
};
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

use crate::{encoded_call, Chain};

/// `Ditex.SegmentRegistered`, as far as the caller needs it.
#[derive(Debug, subxt::ext::scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct SegmentRegistered {
	segment: SegmentId,
	#[allow(dead_code)]
	operator: AccountId32,
	group: GroupId,
	#[allow(dead_code)]
	deposit: u128,
}

/// `"CC-SUB"` (ISO 3166-2, such as `DE-BE`) as a [`Region`].
pub fn parse_region(s: &str) -> Result<Region> {
	s.split_once('-')
		.and_then(|(c, sub)| Region::new(c.as_bytes().try_into().ok()?, sub.as_bytes()))
		.filter(Region::is_valid)
		.ok_or_else(|| anyhow!("region {s:?} is not CC-SUB (ISO 3166-2, such as DE-BE)"))
}

/// `"0x"` and 64 hex digits as 32 bytes.
fn parse_hex32(s: &str) -> Result<[u8; 32]> {
	let mut key = [0u8; 32];
	hex::decode_to_slice(s.strip_prefix("0x").unwrap_or(s), &mut key)
		.with_context(|| format!("key {s:?} is not 0x and 64 hex digits"))?;
	Ok(key)
}

/// `"0x"` and 64 hex digits as a data-plane key.
pub fn parse_key(s: &str) -> Result<DataPlaneKey> {
	parse_hex32(s).map(DataPlaneKey)
}

/// `"0x"` and 64 hex digits as a ticket key.
pub fn parse_ticket_key(s: &str) -> Result<TicketKey> {
	parse_hex32(s).map(TicketKey)
}

/// A listing for sale at `price_per_gib`, always available, under the operator's name.
pub fn spec(
	endpoint: SocketAddr,
	key: DataPlaneKey,
	ticket_key: TicketKey,
	region: Region,
	asn: u32,
	price_per_gib: Option<u128>,
	capacity_mbps: u32,
) -> SegmentSpec<u128> {
	SegmentSpec {
		endpoint: endpoint.into(),
		key,
		ticket_key,
		region,
		asn,
		price_per_gib,
		capacity_mbps,
		windows: Windows::default(),
		hide_operator: false,
	}
}

/// Register `spec` for `operator` and wait until it is finalized. Returns the new segment's id
/// and the group the chain put it in.
pub async fn register(
	chain: &Chain,
	operator: &Keypair,
	spec: &SegmentSpec<u128>,
) -> Result<(SegmentId, GroupId)> {
	let at = chain.api.at_current_block().await?;
	let call = encoded_call(&at, "Ditex", "register", &spec.encode())?;
	let events = chain.submit_for_events(&call, operator).await?;
	for ev in events.iter() {
		let ev = ev?;
		if ev.pallet_name() == "Ditex" && ev.event_name() == "SegmentRegistered" {
			let e = ev.decode_fields_unchecked_as::<SegmentRegistered>()?;
			return Ok((e.segment, e.group));
		}
	}
	Err(anyhow!("registering emitted no Ditex.SegmentRegistered"))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn regions_and_keys_parse_and_bad_ones_say_why() {
		assert_eq!(parse_region("DE-BE").unwrap(), Region::new(*b"DE", b"BE").unwrap());
		for bad in ["DEBE", "Germany-BE", "de-be", "DE-"] {
			let e = parse_region(bad).unwrap_err().to_string();
			assert!(e.contains("is not CC-SUB"), "{bad}: {e}");
		}
		let hex64 = format!("0x{}", "ab".repeat(32));
		assert_eq!(parse_key(&hex64).unwrap(), DataPlaneKey([0xab; 32]));
		assert_eq!(parse_ticket_key(&hex64).unwrap(), TicketKey([0xab; 32]));
		for bad in ["0x00", "0xzz", ""] {
			let e = parse_key(bad).unwrap_err().to_string();
			assert!(e.contains("is not 0x and 64 hex digits"), "{bad}: {e}");
		}
	}
}
