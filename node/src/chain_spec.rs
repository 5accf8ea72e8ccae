//! Chain specifications: built from the runtime's genesis presets, never edited by hand.

use ditex_runtime::WASM_BINARY;
use sc_service::ChainType;

/// The chain specification of a ditex chain.
pub type ChainSpec = sc_service::GenericChainSpec;

/// Token symbol and decimals so wallets and Polkadot.js apps show DTX amounts correctly.
fn properties() -> sc_service::Properties {
	let mut p = sc_service::Properties::new();
	p.insert("tokenSymbol".into(), "DTX".into());
	p.insert("tokenDecimals".into(), 12.into());
	p.insert("ss58Format".into(), 42.into());
	p
}

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| "Development wasm not available".to_string())
}

/// `--dev`: one validator (Alice), dev accounts endowed.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("ditex development")
		.with_id("ditex_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// `--chain local`: Alice, Bob, Charlie and Dave validate.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("ditex local testnet")
		.with_id("ditex_local")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}
