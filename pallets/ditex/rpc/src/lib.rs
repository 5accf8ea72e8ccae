//! The `ditex_*` JSON-RPC methods: the segment registry's runtime API, answered in plain
//! JSON so operators can query it with curl.
//!
//! ```text
//! curl -s -H 'Content-Type: application/json' localhost:9944 \
//!   -d '{"jsonrpc":"2.0","id":1,"method":"ditex_segments","params":["DE-BE",null,null]}'
//! ```

use std::{fmt::Display, sync::Arc};

use codec::Codec;
use ditex_primitives::registry::{
	Asn, GroupId, GroupView, IpAddress, PathError, PerfRecord, Region, SegmentId, SegmentStatus,
	SegmentView,
};
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::error::{ErrorCode, ErrorObject, ErrorObjectOwned},
};
pub use pallet_ditex_runtime_api::DitexApi as DitexRuntimeApi;
use serde::{Deserialize, Serialize};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;

/// Most segments one `ditex_segments` call returns.
pub const MAX_LIMIT: u32 = 1_000;

/// A segment router in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentJson {
	/// Its id.
	pub id: SegmentId,
	/// Its operator (SS58), unless the listing hides it.
	pub operator: Option<String>,
	/// `ip:port` of its data plane.
	pub endpoint: String,
	/// Its X25519 key, `0x`-hex.
	pub key: String,
	/// Its ed25519 ticket key, `0x`-hex: it signs the router's tickets, acks and reports.
	pub ticket_key: String,
	/// `CC-SUB`, e.g. `DE-BE`.
	pub region: String,
	/// Its AS number.
	pub asn: Asn,
	/// Price per GiB in the chain's smallest unit, as a decimal string; `null`: not for sale.
	pub price_per_gib: Option<String>,
	/// Offered capacity.
	pub capacity_mbps: u32,
	/// Availability windows `[start, end)` in UTC hours; empty: always.
	pub windows: Vec<[u8; 2]>,
	/// Whether the views leave the operator out (it is still in storage and events).
	pub hide_operator: bool,
	/// Its group while active.
	pub group: Option<GroupId>,
	/// `active` or `quarantined`.
	pub status: String,
	/// Block it was quarantined at, if it is.
	pub quarantined_since: Option<u64>,
	/// Strikes since registration or reinstatement.
	pub strikes: u32,
}

/// A group in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupJson {
	/// Its id.
	pub id: GroupId,
	/// `CC-SUB`.
	pub region: String,
	/// The era this answer is of (as `report_performance` names it).
	pub era: u64,
	/// This era's reporter.
	pub reporter: Option<SegmentId>,
	/// Its members.
	pub members: Vec<SegmentJson>,
}

/// A pair's latest measured performance in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PerformanceJson {
	/// Relative one-way latency, µs (carries the clock offset; may be negative).
	pub latency_us: i32,
	/// Jitter, µs.
	pub jitter_us: u32,
	/// Loss, parts per million.
	pub loss_ppm: u32,
	/// Block the measurement was reported in.
	pub measured_at: u64,
}

/// `CC-SUB` of a region.
pub fn region_to_string(r: &Region) -> String {
	format!("{}-{}", String::from_utf8_lossy(&r.country.0), String::from_utf8_lossy(&r.subdivision))
}

/// Parse `CC-SUB` (`DE-BE`); checks the form, not whether the registry knows it.
pub fn parse_region(s: &str) -> Result<Region, String> {
	let (c, sub) = s.split_once('-').ok_or_else(|| format!("region `{s}` is not CC-SUB"))?;
	let country: [u8; 2] =
		c.as_bytes().try_into().map_err(|_| format!("country `{c}` is not two letters"))?;
	let region = Region::new(country, sub.as_bytes())
		.ok_or_else(|| format!("subdivision `{sub}` is longer than three characters"))?;
	if !region.is_valid() {
		return Err(format!("`{s}` is not an ISO 3166 country and subdivision"));
	}
	Ok(region)
}

fn endpoint_to_string(e: &ditex_primitives::registry::Endpoint) -> String {
	match e.ip {
		IpAddress::V4(a) => format!("{}:{}", std::net::Ipv4Addr::from(a), e.port),
		IpAddress::V6(a) => format!("[{}]:{}", std::net::Ipv6Addr::from(a), e.port),
	}
}

impl SegmentJson {
	/// Convert the runtime API's view.
	pub fn from_view<A: Display, B: Display, N: Copy + Into<u64>>(v: SegmentView<A, B, N>) -> Self {
		let (status, since) = match v.status {
			SegmentStatus::Active => ("active", None),
			SegmentStatus::Quarantined { since } => ("quarantined", Some(since.into())),
		};
		SegmentJson {
			id: v.id,
			operator: v.operator.map(|o| o.to_string()),
			endpoint: endpoint_to_string(&v.spec.endpoint),
			key: format!("0x{}", hex::encode(v.spec.key.0)),
			ticket_key: format!("0x{}", hex::encode(v.spec.ticket_key.0)),
			region: region_to_string(&v.spec.region),
			asn: v.spec.asn,
			price_per_gib: v.spec.price_per_gib.map(|p| p.to_string()),
			capacity_mbps: v.spec.capacity_mbps,
			windows: v.spec.windows.iter().map(|w| [w.start, w.end]).collect(),
			hide_operator: v.spec.hide_operator,
			group: v.group,
			status: status.into(),
			quarantined_since: since,
			strikes: v.strikes,
		}
	}
}

impl GroupJson {
	/// Convert the runtime API's view.
	pub fn from_view<A: Display, B: Display, N: Copy + Into<u64>>(g: GroupView<A, B, N>) -> Self {
		GroupJson {
			id: g.id,
			region: region_to_string(&g.region),
			era: g.era,
			reporter: g.reporter,
			members: g.members.into_iter().map(SegmentJson::from_view).collect(),
		}
	}
}

impl<N: Into<u64>> From<PerfRecord<N>> for PerformanceJson {
	fn from(r: PerfRecord<N>) -> Self {
		PerformanceJson {
			latency_us: r.sample.latency_us,
			jitter_us: r.sample.jitter_us,
			loss_ppm: r.sample.loss_ppm,
			measured_at: r.measured_at.into(),
		}
	}
}

/// Human-readable reason a path cannot be bought.
pub fn path_error_message(e: PathError) -> String {
	match e {
		PathError::BadLength => "path is empty or longer than 8 hops".into(),
		PathError::Loop(s) => format!("segment {s} appears twice"),
		PathError::UnknownSegment(s) => format!("segment {s} is not registered"),
		PathError::NotForSale(s) => format!("segment {s} is not for sale"),
		PathError::Quarantined(s) => format!("segment {s} is quarantined"),
		PathError::Unavailable(s) => format!("segment {s} is outside its availability windows"),
		PathError::Overflow => "cost overflows".into(),
	}
}

/// The `ditex_*` methods.
#[rpc(client, server)]
pub trait DitexApi<BlockHash> {
	/// Active segments in a region (`"DE-BE"`) and/or an AS, at most `limit` (default and
	/// maximum 1000).
	#[method(name = "ditex_segments")]
	fn segments(
		&self,
		region: Option<String>,
		asn: Option<Asn>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<Vec<SegmentJson>>;

	/// One segment router.
	#[method(name = "ditex_segment")]
	fn segment(&self, id: SegmentId, at: Option<BlockHash>) -> RpcResult<Option<SegmentJson>>;

	/// A group with its members and reporter.
	#[method(name = "ditex_group")]
	fn group(&self, id: GroupId, at: Option<BlockHash>) -> RpcResult<Option<GroupJson>>;

	/// The latest measured performance of `from → to`.
	#[method(name = "ditex_performance")]
	fn performance(
		&self,
		from: SegmentId,
		to: SegmentId,
		at: Option<BlockHash>,
	) -> RpcResult<Option<PerformanceJson>>;

	/// What relaying `bytes` over `path` costs now, as a decimal string.
	#[method(name = "ditex_pathCost")]
	fn path_cost(
		&self,
		path: Vec<SegmentId>,
		bytes: u64,
		at: Option<BlockHash>,
	) -> RpcResult<String>;
}

/// Serves the `ditex_*` methods from a client's runtime API.
pub struct Ditex<C, B> {
	client: Arc<C>,
	_block: std::marker::PhantomData<B>,
}

impl<C, B> Ditex<C, B> {
	/// Create the handler.
	pub fn new(client: Arc<C>) -> Self {
		Self { client, _block: Default::default() }
	}
}

/// Error code for a runtime API call that failed.
const RUNTIME_ERROR: i32 = 1;
/// Error code for a path that cannot be bought.
const PATH_ERROR: i32 = 2;

fn runtime_error(e: impl ToString) -> ErrorObjectOwned {
	ErrorObject::owned(RUNTIME_ERROR, "runtime API call failed", Some(e.to_string()))
}

fn invalid_params(msg: String) -> ErrorObjectOwned {
	ErrorObject::owned(ErrorCode::InvalidParams.code(), msg, None::<()>)
}

impl<C, Block, AccountId, Balance, BlockNumber> DitexApiServer<<Block as BlockT>::Hash>
	for Ditex<C, (Block, AccountId, Balance, BlockNumber)>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: DitexRuntimeApi<Block, AccountId, Balance, BlockNumber>,
	AccountId: Codec + Display + Send + Sync + 'static,
	Balance: Codec + Display + Send + Sync + 'static,
	BlockNumber: Codec + Copy + Into<u64> + Send + Sync + 'static,
{
	fn segments(
		&self,
		region: Option<String>,
		asn: Option<Asn>,
		limit: Option<u32>,
		at: Option<Block::Hash>,
	) -> RpcResult<Vec<SegmentJson>> {
		let region = region.map(|r| parse_region(&r)).transpose().map_err(invalid_params)?;
		let limit = limit.unwrap_or(MAX_LIMIT).min(MAX_LIMIT);
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let list =
			self.client.runtime_api().segments(at, region, asn, limit).map_err(runtime_error)?;
		Ok(list.into_iter().map(SegmentJson::from_view).collect())
	}

	fn segment(&self, id: SegmentId, at: Option<Block::Hash>) -> RpcResult<Option<SegmentJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let s = self.client.runtime_api().segment(at, id).map_err(runtime_error)?;
		Ok(s.map(SegmentJson::from_view))
	}

	fn group(&self, id: GroupId, at: Option<Block::Hash>) -> RpcResult<Option<GroupJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let g = self.client.runtime_api().group(at, id).map_err(runtime_error)?;
		Ok(g.map(GroupJson::from_view))
	}

	fn performance(
		&self,
		from: SegmentId,
		to: SegmentId,
		at: Option<Block::Hash>,
	) -> RpcResult<Option<PerformanceJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let p = self.client.runtime_api().performance(at, from, to).map_err(runtime_error)?;
		Ok(p.map(Into::into))
	}

	fn path_cost(
		&self,
		path: Vec<SegmentId>,
		bytes: u64,
		at: Option<Block::Hash>,
	) -> RpcResult<String> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		match self.client.runtime_api().path_cost(at, path, bytes).map_err(runtime_error)? {
			Ok(cost) => Ok(cost.to_string()),
			Err(e) => {
				Err(ErrorObject::owned(PATH_ERROR, path_error_message(e), Some(format!("{e:?}"))))
			},
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn regions_parse_and_print() {
		let r = parse_region("DE-BE").unwrap();
		assert_eq!(region_to_string(&r), "DE-BE");
		assert!(parse_region("DEBE").is_err());
		assert!(parse_region("XX-BE").is_err());
		assert!(parse_region("DE-berl").is_err());
		assert!(parse_region("D-BE").is_err());
	}

	#[test]
	fn segment_json_is_readable() {
		use ditex_primitives::registry::*;
		let view: SegmentView<String, u128, u32> = SegmentView {
			id: 4,
			operator: Some("5Grw".into()),
			spec: SegmentSpec {
				endpoint: Endpoint { ip: IpAddress::V4([10, 0, 0, 1]), port: 4000 },
				key: DataPlaneKey([0xab; 32]),
				ticket_key: TicketKey([0xcd; 32]),
				region: Region::new(*b"DE", b"BE").unwrap(),
				asn: 3320,
				price_per_gib: Some(u128::MAX),
				capacity_mbps: 100,
				windows: Windows::try_from(vec![HourWindow { start: 22, end: 6 }]).unwrap(),
				hide_operator: false,
			},
			group: None,
			status: SegmentStatus::Quarantined { since: 7 },
			strikes: 3,
		};
		let json = serde_json::to_value(SegmentJson::from_view(view)).unwrap();
		assert_eq!(json["endpoint"], "10.0.0.1:4000");
		assert_eq!(json["region"], "DE-BE");
		assert_eq!(json["pricePerGib"], u128::MAX.to_string());
		assert_eq!(json["windows"][0][0], 22);
		assert_eq!(json["status"], "quarantined");
		assert_eq!(json["quarantinedSince"], 7);
		assert!(json["key"].as_str().unwrap().starts_with("0xabab"));
		assert!(json["ticketKey"].as_str().unwrap().starts_with("0xcdcd"));
	}
}
