//! Getting paid for relayed traffic.
//!
//! Relays' tickets only record their claims; coins move when a channel is settled. The chain
//! settles every channel when it ends, before the consumer's refund, so an operator who does
//! nothing is still paid. Anyone may settle a channel earlier with `Tickets.settle`: it is
//! free when it pays someone and fails with `NothingToSettle` (the caller paying the fee) when
//! it pays nobody.

use anyhow::Result;
use codec::Encode;
use ditex_primitives::settlement::ChannelId;
use subxt_signer::sr25519::Keypair;

use crate::Chain;

/// Pay every hop of `channel` what the tickets so far make payable, as `who`.
pub async fn settle(chain: &Chain, who: &Keypair, channel: ChannelId) -> Result<Vec<String>> {
	chain.submit_encoded("Tickets", "settle", &channel.encode(), who).await
}
