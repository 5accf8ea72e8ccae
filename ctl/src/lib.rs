//! # ditex-ctl
//!
//! What an operator does on the ditex chain from a shell, as a library the command line and the
//! end-to-end tests share: connect to a node, submit signed extrinsics and wait until they are
//! finalized, the master-node flow (session keys from the node itself, bond, leave,
//! withdraw), listing segment routers, settling a channel and QoS orders.
//!
//! Calls go through the node's metadata (pallet and call indices, argument types), so there is
//! no generated code to keep in step with the runtime.

use anyhow::{anyhow, Context, Result};
use subxt::{
	client::OnlineClientAtBlock,
	extrinsics::ExtrinsicEvents,
	rpcs::{rpc_params, RpcClient},
	transactions::{DefaultParams, Payload},
	utils::{AccountId32, MultiSignature},
	OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;

pub mod channel;
pub mod masternode;
pub mod qos;
pub mod report;
pub mod segment;
pub mod settlement;
pub mod ticket;

/// The chain's client configuration: the Polkadot defaults fit (sr25519 multi-signatures,
/// 32-byte account ids, `u32` block numbers, BlakeTwo256).
pub type Api = OnlineClient<PolkadotConfig>;

/// A connection to one node.
pub struct Chain {
	/// The subxt client.
	pub api: Api,
	/// Raw JSON-RPC, for what subxt does not wrap (`author_rotateKeysWithOwner`).
	pub rpc: RpcClient,
}

impl Chain {
	/// Connect to the node at `url` (`ws://` or `http://`).
	pub async fn connect(url: &str) -> Result<Self> {
		let api = Api::from_insecure_url(url)
			.await
			.with_context(|| format!("connecting to the node at {url}"))?;
		let rpc = RpcClient::from_insecure_url(url)
			.await
			.with_context(|| format!("connecting to the node at {url}"))?;
		Ok(Chain { api, rpc })
	}

	/// Sign `payload` with `signer`, submit it and wait until it is finalized. Returns the
	/// events it emitted, or the dispatch error by name.
	pub async fn submit_for_events(
		&self,
		payload: &impl Payload,
		signer: &Keypair,
	) -> Result<ExtrinsicEvents<PolkadotConfig>> {
		Ok(self.submit_in_block(payload, signer).await?.1)
	}

	/// [`Self::submit_for_events`], with the hash of the finalized block it is in.
	pub async fn submit_in_block(
		&self,
		payload: &impl Payload,
		signer: &Keypair,
	) -> Result<(subxt::utils::H256, ExtrinsicEvents<PolkadotConfig>)> {
		let at = self.api.at_current_block().await?;
		let in_block = at
			.transactions()
			.sign_and_submit_then_watch_default(payload, signer)
			.await?
			.wait_for_finalized()
			.await?;
		let events = in_block.wait_for_success().await?;
		Ok((in_block.block_hash(), events))
	}

	/// [`Self::submit_for_events`], with the events by name (`Pallet.Event`).
	pub async fn submit(&self, payload: &impl Payload, signer: &Keypair) -> Result<Vec<String>> {
		event_names(&self.submit_for_events(payload, signer).await?)
	}

	/// Submit `payload` as a v5 general transaction of no account ([`general_transaction`])
	/// and wait until it is finalized. Returns the events by name, or the pool's reason for
	/// refusing it.
	pub async fn submit_authorized(&self, payload: &impl Payload) -> Result<Vec<String>> {
		let at = self.api.at_current_block().await?;
		let tx = at.transactions().from_bytes(general_transaction(&at, payload)?);
		let events = tx.submit_and_watch().await?.wait_for_finalized_success().await?;
		event_names(&events)
	}

	/// `pallet.call` with arguments already SCALE-encoded (for arguments whose exact bytes
	/// come from elsewhere, such as session keys from the node), submitted as [`Self::submit`].
	pub async fn submit_encoded(
		&self,
		pallet: &str,
		call: &str,
		args: &[u8],
		signer: &Keypair,
	) -> Result<Vec<String>> {
		event_names(&self.submit_encoded_for_events(pallet, call, args, signer).await?)
	}

	/// [`Self::submit_encoded`], with the events themselves.
	pub async fn submit_encoded_for_events(
		&self,
		pallet: &str,
		call: &str,
		args: &[u8],
		signer: &Keypair,
	) -> Result<ExtrinsicEvents<PolkadotConfig>> {
		Ok(self.submit_encoded_in_block(pallet, call, args, signer).await?.1)
	}

	/// [`Self::submit_encoded_for_events`], with the hash of the finalized block it is in.
	pub async fn submit_encoded_in_block(
		&self,
		pallet: &str,
		call: &str,
		args: &[u8],
		signer: &Keypair,
	) -> Result<(subxt::utils::H256, ExtrinsicEvents<PolkadotConfig>)> {
		let at = self.api.at_current_block().await?;
		let payload = encoded_call(&at, pallet, call, args)?;
		self.submit_in_block(&payload, signer).await
	}

	/// A runtime API call (`Api_method`) with SCALE-encoded `args`, at block `at` (a hash) or
	/// the latest finalized one, its answer decoded as `R`.
	pub async fn runtime_call<R: codec::Decode>(
		&self,
		method: &str,
		args: &impl codec::Encode,
		at: Option<subxt::utils::H256>,
	) -> Result<R> {
		let at = match at {
			Some(h) => h,
			None => self.request("chain_getFinalizedHead", rpc_params![]).await?,
		};
		let data = format!("0x{}", hex::encode(args.encode()));
		let answer: String = self.request("state_call", rpc_params![method, data, at]).await?;
		let bytes = hex::decode(answer.trim_start_matches("0x"))?;
		R::decode(&mut &bytes[..]).with_context(|| format!("decoding the answer of {method}"))
	}

	/// A JSON-RPC request to the node.
	pub async fn request<R: serde::de::DeserializeOwned>(
		&self,
		method: &str,
		params: subxt::rpcs::client::RpcParams,
	) -> Result<R> {
		self.rpc.request(method, params).await.with_context(|| format!("{method} failed"))
	}

	/// The latest finalized block's number.
	pub async fn finalized_number(&self) -> Result<u32> {
		let hash: String = self.request("chain_getFinalizedHead", rpc_params![]).await?;
		let header: serde_json::Value = self.request("chain_getHeader", rpc_params![hash]).await?;
		let number = header["number"].as_str().ok_or_else(|| anyhow!("header without number"))?;
		Ok(u32::from_str_radix(number.trim_start_matches("0x"), 16)?)
	}
}

/// `payload` as an encoded v5 *general* transaction of no account, for a call the runtime
/// authorizes itself (`#[pallet::authorize]`, such as a ticket signed with its router's ticket
/// key): no nonce (there is no account), immortal, no tip.
///
/// The runtime has no `VerifySignature` extension, so what subxt is handed as a signature
/// goes nowhere: the transaction carries none, and `frame_system::AuthorizeCall` gives it its
/// origin from the call's own authorization.
pub fn general_transaction(
	at: &OnlineClientAtBlock<PolkadotConfig>,
	payload: &impl Payload,
) -> Result<Vec<u8>> {
	let mut general =
		at.transactions().create_v5_signable_offline(payload, DefaultParams::default_params())?;
	let tx = general.sign_with_account_and_signature(
		&AccountId32([0; 32]),
		&MultiSignature::Sr25519([0; 64]),
	)?;
	Ok(tx.into_encoded())
}

/// The events by name (`Pallet.Event`).
fn event_names(events: &ExtrinsicEvents<PolkadotConfig>) -> Result<Vec<String>> {
	let mut names = Vec::new();
	for ev in events.iter() {
		let ev = ev?;
		names.push(format!("{}.{}", ev.pallet_name(), ev.event_name()));
	}
	Ok(names)
}

/// `pallet.call` with arguments already SCALE-encoded, as a payload checked against the
/// metadata of the block `at` is at.
pub fn encoded_call(
	at: &OnlineClientAtBlock<PolkadotConfig>,
	pallet: &str,
	call: &str,
	args: &[u8],
) -> Result<impl Payload> {
	let p = at
		.metadata_ref()
		.pallet_by_name(pallet)
		.ok_or_else(|| anyhow!("the runtime has no {pallet} pallet"))?;
	let index =
		p.call_variant_by_name(call).ok_or_else(|| anyhow!("{pallet} has no call {call}"))?.index;
	let mut data = vec![p.call_index(), index];
	data.extend_from_slice(args);
	Ok(at.transactions().from_call_data_bytes(&data)?)
}

/// A signer from a secret URI: a dev name (`//Eve`), a mnemonic or a hex seed, with optional
/// derivation paths.
pub fn signer(suri: &str) -> Result<Keypair> {
	let uri: subxt_signer::SecretUri = suri.parse().map_err(|e| anyhow!("bad secret URI: {e}"))?;
	Keypair::from_uri(&uri).map_err(|e| anyhow!("bad secret URI: {e}"))
}
