//! Group reports: what a group's reporter measured this era, signed with its ticket key and
//! submitted as an authorized transaction, like tickets (no account, no fee).

use anyhow::Result;
use codec::Encode;
use ditex_primitives::registry::{report_signing_payload, PerfEntry, SegmentId};
use ed25519_dalek::{Signer as _, SigningKey};

use crate::{encoded_call, Chain};

/// The signature of `reporter`'s report of `era` by the ticket key whose secret seed is
/// `secret`, on the chain whose genesis hash is `genesis`.
pub fn sign(
	reporter: SegmentId,
	era: u64,
	entries: &[PerfEntry],
	genesis: [u8; 32],
	secret: &[u8; 32],
) -> [u8; 64] {
	let payload = report_signing_payload(&genesis.into(), reporter, era, entries);
	SigningKey::from_bytes(secret).sign(&payload).to_bytes()
}

/// Submit a signed report (`Ditex.report_performance`) and wait until it is finalized;
/// returns the events by name, or the pool's reason for refusing it.
pub async fn submit(
	chain: &Chain,
	reporter: SegmentId,
	era: u64,
	entries: &[PerfEntry],
	signature: &[u8; 64],
) -> Result<Vec<String>> {
	let at = chain.api.at_current_block().await?;
	let args = (reporter, era, entries, signature).encode();
	let call = encoded_call(&at, "Ditex", "report_performance", &args)?;
	chain.submit_authorized(&call).await
}
