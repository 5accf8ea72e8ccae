//! Relays' tickets: a router's claim for an epoch, signed with its ticket key and submitted as
//! an authorized transaction. No account signs it, so the host that submits it holds no key
//! that can spend the operator's coins.

use anyhow::Result;
use codec::Encode;
use ditex_primitives::settlement::{SignedTicket, Ticket};
use ed25519_dalek::{Signer as _, SigningKey};

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

/// The chain's genesis hash, which every ticket names.
pub fn genesis(chain: &Chain) -> [u8; 32] {
	chain.api.genesis_hash().0
}

#[cfg(test)]
mod tests {
	use super::*;

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
