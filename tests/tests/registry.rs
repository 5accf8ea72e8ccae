//! A segment router registered with a signed extrinsic is read back through the `DitexApi`
//! runtime API (`state_call`) and the node's `ditex_*` RPC; a bad registration fails with the
//! pallet's error and changes nothing.

use anyhow::{anyhow, ensure, Result};
use codec::Encode;
use ditex_ctl::Chain;
use ditex_e2e::{Node, NodeConfig};
use ditex_primitives::registry::{
	DataPlaneKey, Endpoint, IpAddress, Region, SegmentSpec, SegmentStatus, SegmentView, TicketKey,
	Windows,
};
use subxt::{rpcs::rpc_params, utils::AccountId32};
use subxt_signer::sr25519::{dev, Keypair};

type View = SegmentView<AccountId32, u128, u32>;

fn spec() -> SegmentSpec<u128> {
	SegmentSpec {
		endpoint: Endpoint { ip: IpAddress::V4([127, 0, 0, 1]), port: 40_001 },
		key: DataPlaneKey([0x42; 32]),
		ticket_key: TicketKey([0x43; 32]),
		region: Region::new(*b"DE", b"BE").expect("short"),
		asn: 3320,
		price_per_gib: Some(2_000_000_000),
		capacity_mbps: 1_000,
		windows: Windows::default(),
		hide_operator: false,
	}
}

/// `Ditex.register(spec)` encoded with the shared primitives, checked against the node's
/// metadata, signed and finalized; returns the extrinsic's events or the dispatch error.
async fn register(chain: &Chain, who: &Keypair, spec: &SegmentSpec<u128>) -> Result<Vec<String>> {
	chain.submit_encoded("Ditex", "register", &spec.encode(), who).await
}

#[tokio::test(flavor = "multi_thread")]
async fn register_and_read_back_through_runtime_api_and_rpc() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeConfig::new("dev", "dev", dir.path())).await?;
	node.wait_finalized(1).await?;
	let chain = Chain::connect(&node.ws_url()).await?;
	let alice = dev::alice();

	let events = register(&chain, &alice, &spec()).await?;
	ensure!(events.iter().any(|e| e == "Ditex.SegmentRegistered"), "events: {events:?}");
	ensure!(events.iter().any(|e| e == "Ditex.GroupCreated"), "events: {events:?}");

	// The runtime API, through `state_call`, decoded with the shared primitives.
	let view: Option<View> = node.state_call("DitexApi_segment", 0u32, None).await?;
	let view = view.ok_or_else(|| anyhow!("segment 0 not found"))?;
	assert_eq!(view.spec, spec());
	assert_eq!(view.operator, Some(alice.public_key().to_account_id()));
	assert_eq!(view.status, SegmentStatus::Active);
	assert_eq!(view.group, Some(0));

	let listed: Vec<View> = node
		.state_call("DitexApi_segments", (Some(spec().region), Option::<u32>::None, 10u32), None)
		.await?;
	assert_eq!(listed.iter().map(|v| v.id).collect::<Vec<_>>(), vec![0]);
	let cost: Result<u128, ditex_primitives::registry::PathError> =
		node.state_call("DitexApi_path_cost", (vec![0u32], 1u64 << 31), None).await?;
	assert_eq!(cost, Ok(4_000_000_000));

	// The same through the node's JSON-RPC.
	let rpc = node.rpc().await?;
	let json: serde_json::Value =
		rpc.request("ditex_segments", rpc_params!["DE-BE", None::<u32>, None::<u32>]).await?;
	assert_eq!(json[0]["endpoint"], "127.0.0.1:40001");
	assert_eq!(json[0]["region"], "DE-BE");
	assert_eq!(json[0]["pricePerGib"], "2000000000");
	let group: serde_json::Value = rpc.request("ditex_group", rpc_params![0]).await?;
	assert_eq!(group["members"][0]["key"], format!("0x{}", hex::encode([0x42u8; 32])));
	let err = rpc
		.request::<serde_json::Value>(
			"ditex_segments",
			rpc_params!["XX-99", None::<u32>, None::<u32>],
		)
		.await
		.expect_err("an unknown country is refused");
	ensure!(err.to_string().contains("ISO 3166"), "unclear error: {err}");
	let err = rpc
		.request::<serde_json::Value>("ditex_pathCost", rpc_params![vec![0u32, 0u32], 1])
		.await
		.expect_err("a loop is refused");
	ensure!(err.to_string().contains("appears twice"), "unclear error: {err}");

	// A registration with an unassigned country fails with the pallet's error.
	let mut bad = spec();
	bad.region = Region::new(*b"XX", b"1").expect("short");
	bad.endpoint.port = 40_002;
	bad.key = DataPlaneKey([0x43; 32]);
	let err = register(&chain, &dev::bob(), &bad).await.expect_err("invalid region");
	ensure!(err.to_string().contains("InvalidRegion"), "unclear error: {err}");
	let none: Option<View> = node.state_call("DitexApi_segment", 1u32, None).await?;
	ensure!(none.is_none(), "nothing was registered");
	Ok(())
}
