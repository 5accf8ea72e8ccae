//! The segment registry's formats: what an operator registers, what the registry stores
//! about a segment router and its measured performance, and the views the runtime API and
//! the relay agent exchange.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::ConstU32;
use sp_runtime::BoundedVec;

/// A registered segment router, numbered by the registry in order of registration.
pub type SegmentId = u32;
/// A group of segment routers that measure each other, numbered by the registry.
pub type GroupId = u32;
/// An autonomous system number (RFC 6793: 32 bits).
pub type Asn = u32;

/// Most availability windows a listing may carry.
pub const MAX_WINDOWS: u32 = 6;
/// Longest ISO 3166-2 subdivision code (the part after the dash: `US-CA` → `CA`).
pub const MAX_REGION_LEN: u32 = 3;
/// Loss is counted in parts per million.
pub const LOSS_PPM_MAX: u32 = 1_000_000;
/// Bytes in a GiB, the unit prices are quoted in.
pub const GIB: u128 = 1 << 30;
/// Most routers in one group (the runtime's `MaxGroupSize`): what a group reporter carries.
pub const MAX_GROUP_SIZE: u32 = 100;

/// An IP address of a segment router's data plane.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum IpAddress {
	/// An IPv4 address, network byte order.
	V4([u8; 4]),
	/// An IPv6 address, network byte order.
	V6([u8; 16]),
}

/// Where a segment router receives data-plane datagrams (UDP).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Endpoint {
	/// The address.
	pub ip: IpAddress,
	/// The UDP port.
	pub port: u16,
}

impl Endpoint {
	/// Whether other routers could send to this endpoint at all: a real unicast address and
	/// a port. Loopback and private addresses are allowed (local test beds use them).
	pub fn is_routable(&self) -> bool {
		if self.port == 0 {
			return false;
		}
		match self.ip {
			IpAddress::V4(a) => {
				let unspecified = a == [0; 4];
				let broadcast = a == [255; 4];
				let multicast = (224..=239).contains(&a[0]);
				let this_network = a[0] == 0;
				!(unspecified || broadcast || multicast || this_network)
			},
			IpAddress::V6(a) => {
				let unspecified = a == [0; 16];
				let multicast = a[0] == 0xff;
				!(unspecified || multicast)
			},
		}
	}
}

impl Endpoint {
	/// Whether the address is reachable on the public Internet: not loopback, private
	/// (RFC 1918, IPv6 ULA), link-local, shared (CGNAT), reserved, benchmarking or
	/// documentation space, and not an IPv4-mapped or -compatible form of one. Only such
	/// endpoints may be registered outside test chains: others would aim every group
	/// member's traffic at its own host or LAN.
	pub fn is_public(&self) -> bool {
		match self.ip {
			IpAddress::V4(a) => self.is_routable() && v4_is_public(a),
			IpAddress::V6(a) => {
				let mapped = a[..10] == [0; 10] && a[10..12] == [0xff, 0xff];
				let compatible = a[..12] == [0; 12];
				if mapped || compatible {
					return v4_is_public([a[12], a[13], a[14], a[15]]);
				}
				let loopback = a == {
					let mut l = [0; 16];
					l[15] = 1;
					l
				};
				let unique_local = a[0] & 0xfe == 0xfc;
				let link_local = a[0] == 0xfe && a[1] & 0xc0 == 0x80;
				let site_local = a[0] == 0xfe && a[1] & 0xc0 == 0xc0;
				let documentation = a[..4] == [0x20, 0x01, 0x0d, 0xb8];
				// NAT64 and 6to4 embed IPv4 addresses; the Teredo, ORCHID and benchmarking
				// ranges of 2001::/23 are not endpoints either.
				let nat64 = a[..12] == [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
				let six_to_four = a[..2] == [0x20, 0x02];
				let ietf = a[0] == 0x20 && a[1] == 0x01 && a[2] < 0x02;
				self.is_routable()
					&& !(loopback
						|| unique_local || link_local
						|| site_local || documentation
						|| nat64 || six_to_four
						|| ietf)
			},
		}
	}
}

/// Whether an IPv4 address is public unicast (see [`Endpoint::is_public`]).
fn v4_is_public(a: [u8; 4]) -> bool {
	let in_net = |net: [u8; 4], bits: u32| {
		let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
		u32::from_be_bytes(a) & mask == u32::from_be_bytes(net) & mask
	};
	let special = [
		([0, 0, 0, 0], 8),       // this network
		([10, 0, 0, 0], 8),      // private
		([100, 64, 0, 0], 10),   // shared address space (CGNAT)
		([127, 0, 0, 0], 8),     // loopback
		([169, 254, 0, 0], 16),  // link-local
		([172, 16, 0, 0], 12),   // private
		([192, 0, 0, 0], 24),    // IETF protocol assignments
		([192, 0, 2, 0], 24),    // documentation (TEST-NET-1)
		([192, 88, 99, 0], 24),  // deprecated 6to4 relay anycast
		([192, 168, 0, 0], 16),  // private
		([198, 18, 0, 0], 15),   // benchmarking
		([198, 51, 100, 0], 24), // documentation (TEST-NET-2)
		([203, 0, 113, 0], 24),  // documentation (TEST-NET-3)
		([224, 0, 0, 0], 4),     // multicast
		([240, 0, 0, 0], 4),     // reserved, broadcast
	];
	!special.iter().any(|&(net, bits)| in_net(net, bits))
}

#[cfg(feature = "std")]
impl From<std::net::SocketAddr> for Endpoint {
	fn from(s: std::net::SocketAddr) -> Self {
		let ip = match s.ip() {
			std::net::IpAddr::V4(v4) => IpAddress::V4(v4.octets()),
			std::net::IpAddr::V6(v6) => IpAddress::V6(v6.octets()),
		};
		Endpoint { ip, port: s.port() }
	}
}

#[cfg(feature = "std")]
impl From<Endpoint> for std::net::SocketAddr {
	fn from(e: Endpoint) -> Self {
		let ip: std::net::IpAddr = match e.ip {
			IpAddress::V4(a) => a.into(),
			IpAddress::V6(a) => a.into(),
		};
		std::net::SocketAddr::new(ip, e.port)
	}
}

/// A segment router's X25519 data-plane public key.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct DataPlaneKey(pub [u8; 32]);

impl DataPlaneKey {
	/// The all-zero key: the X25519 identity, which yields an all-zero shared secret with
	/// every peer. Never a valid key.
	pub fn is_null(&self) -> bool {
		self.0 == [0; 32]
	}
}

/// A segment router's ed25519 ticket key: it signs the router's tickets, its per-hop acks
/// and its group reports, so that the relay host never holds the operator's account key.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct TicketKey(pub [u8; 32]);

impl TicketKey {
	/// The all-zero key, which no one holds the secret of. Never a valid key.
	pub fn is_null(&self) -> bool {
		self.0 == [0; 32]
	}
}

/// An ISO 3166-1 alpha-2 country code, upper case (`b"DE"`).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct CountryCode(pub [u8; 2]);

/// Every officially assigned ISO 3166-1 alpha-2 code, concatenated in order.
const ISO_3166_1: &[u8] =
	b"ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZ\
CACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGN\
GPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULV\
LYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPT\
PWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUS\
UYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW";

impl CountryCode {
	/// Whether this is an assigned ISO 3166-1 alpha-2 code.
	pub fn is_assigned(&self) -> bool {
		ISO_3166_1.chunks_exact(2).any(|c| c == self.0)
	}
}

/// A region: a country and one of its ISO 3166-2 subdivisions (`DE` + `BE` for Berlin).
/// Groups of segment routers are keyed by region.
#[derive(
	Clone,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Region {
	/// The country.
	pub country: CountryCode,
	/// The subdivision code after the dash, 1–3 upper-case letters or digits.
	pub subdivision: BoundedVec<u8, ConstU32<MAX_REGION_LEN>>,
}

impl Region {
	/// Build a region from its parts; `None` if the subdivision is too long.
	pub fn new(country: [u8; 2], subdivision: &[u8]) -> Option<Self> {
		Some(Region {
			country: CountryCode(country),
			subdivision: BoundedVec::try_from(subdivision.to_vec()).ok()?,
		})
	}

	/// Whether the country is assigned and the subdivision is well formed.
	pub fn is_valid(&self) -> bool {
		self.country.is_assigned()
			&& !self.subdivision.is_empty()
			&& self.subdivision.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
	}
}

/// Whether an AS number may identify a real network: not reserved (0, 23456 = AS_TRANS,
/// 65535, 4294967295) and not set aside for documentation (RFC 5398). Private ASNs are
/// allowed: enterprise and test networks use them.
pub fn asn_is_valid(asn: Asn) -> bool {
	!matches!(asn, 0 | 23456 | 65535 | 4_294_967_295 | 64496..=64511 | 65536..=65551)
}

/// A daily window of UTC hours in which a listing is for sale: `[start, end)`, wrapping over
/// midnight when `end < start` (22→6 is the night).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct HourWindow {
	/// First hour of the window, 0–23.
	pub start: u8,
	/// First hour after the window, 0–23; not equal to `start`.
	pub end: u8,
}

impl HourWindow {
	/// Whether both ends are hours of the day and the window is not empty.
	pub fn is_valid(&self) -> bool {
		self.start < 24 && self.end < 24 && self.start != self.end
	}

	/// Whether UTC hour `hour` falls in the window.
	pub fn contains(&self, hour: u8) -> bool {
		if self.start < self.end {
			self.start <= hour && hour < self.end
		} else {
			hour >= self.start || hour < self.end
		}
	}
}

/// The availability windows of a listing; empty means always available.
pub type Windows = BoundedVec<HourWindow, ConstU32<MAX_WINDOWS>>;

/// Whether a listing with `windows` is available at UTC hour `hour`.
pub fn available_at(windows: &[HourWindow], hour: u8) -> bool {
	windows.is_empty() || windows.iter().any(|w| w.contains(hour))
}

/// The UTC hour of a Unix time in milliseconds.
pub fn utc_hour(unix_millis: u64) -> u8 {
	((unix_millis / 3_600_000) % 24) as u8
}

/// What an operator registers for one segment router.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct SegmentSpec<Balance> {
	/// Where the router receives data-plane datagrams.
	pub endpoint: Endpoint,
	/// The router's X25519 data-plane key.
	pub key: DataPlaneKey,
	/// Where the router is.
	pub region: Region,
	/// The network it is in.
	pub asn: Asn,
	/// Price per GiB forwarded; `None`: not for sale (measures and buys, relays for nobody).
	pub price_per_gib: Option<Balance>,
	/// Capacity the operator offers, in Mbit/s.
	pub capacity_mbps: u32,
	/// UTC hours in which the listing is for sale; empty: always.
	pub windows: Windows,
	/// The ed25519 key the router signs tickets, acks and reports with; its operator may
	/// rotate it (`set_ticket_key`).
	pub ticket_key: TicketKey,
	/// Whether the registry's views (runtime API, RPC) leave the operator's account out. Not
	/// anonymity: the operator is still in the `Segments` storage, in `SegmentRegistered`,
	/// and as a channel's payee in every `ChannelPaid`.
	pub hide_operator: bool,
}

/// Where a segment router stands.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum SegmentStatus<BlockNumber> {
	/// In a group, listable, payable.
	Active,
	/// Out of its group, not listable, not payable, since the given block.
	Quarantined {
		/// When it was quarantined.
		since: BlockNumber,
	},
}

/// One measurement of an ordered pair of segment routers, as the receiver saw it.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	Default,
)]
pub struct PerfSample {
	/// Relative one-way latency in µs: receive time − send time on unsynchronised clocks, so
	/// it carries the clock offset and may be negative; sums along paths between the same
	/// two ends compare exactly.
	pub latency_us: i32,
	/// Jitter in µs.
	pub jitter_us: u32,
	/// Loss in parts per million.
	pub loss_ppm: u32,
}

impl PerfSample {
	/// Whether the loss figure is a proportion.
	pub fn is_valid(&self) -> bool {
		self.loss_ppm <= LOSS_PPM_MAX
	}
}

/// One entry of a group's performance report.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct PerfEntry {
	/// The sender.
	pub from: SegmentId,
	/// The receiver, who measured.
	pub to: SegmentId,
	/// What was measured.
	pub sample: PerfSample,
}

/// The domain tag that prefixes every signed performance report.
pub const REPORT_DOMAIN: [u8; 16] = *b"ditex/reports/v1";

/// The exact bytes a group's reporter signs with its ticket key for its report of `era`:
/// SCALE of ([`REPORT_DOMAIN`], genesis hash, reporter, era, entries). The genesis hash binds
/// it to one chain and the era to one turn, so a report cannot be replayed in a later turn.
pub fn report_signing_payload(
	genesis: &sp_core::H256,
	reporter: SegmentId,
	era: u64,
	entries: &[PerfEntry],
) -> alloc::vec::Vec<u8> {
	(REPORT_DOMAIN, genesis, reporter, era, entries).encode()
}

/// The latest measurement of a pair, with the block it was reported in (its age).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct PerfRecord<BlockNumber> {
	/// What was measured.
	pub sample: PerfSample,
	/// When it was reported.
	pub measured_at: BlockNumber,
}

/// A segment router as the runtime API shows it to agents and UIs.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct SegmentView<AccountId, Balance, BlockNumber> {
	/// Its id.
	pub id: SegmentId,
	/// Its operator, unless the listing hides it.
	pub operator: Option<AccountId>,
	/// The registered details.
	pub spec: SegmentSpec<Balance>,
	/// Its group, while active.
	pub group: Option<GroupId>,
	/// Active or quarantined.
	pub status: SegmentStatus<BlockNumber>,
	/// Strikes collected since registration or reinstatement.
	pub strikes: u32,
}

/// A group as the runtime API shows it: its members with endpoints and keys, and who reports.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct GroupView<AccountId, Balance, BlockNumber> {
	/// Its id.
	pub id: GroupId,
	/// The region it serves.
	pub region: Region,
	/// The era this view is of: the one `reporter` reports, as `report_performance` names it.
	pub era: u64,
	/// The member whose turn it is to report this era.
	pub reporter: Option<SegmentId>,
	/// Its members.
	pub members: alloc::vec::Vec<SegmentView<AccountId, Balance, BlockNumber>>,
}

/// Why a path cannot be bought.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub enum PathError {
	/// The path is empty or longer than the wire format allows.
	BadLength,
	/// A segment appears twice.
	Loop(SegmentId),
	/// No such segment.
	UnknownSegment(SegmentId),
	/// The segment relays for nobody.
	NotForSale(SegmentId),
	/// The segment is quarantined.
	Quarantined(SegmentId),
	/// The segment is outside its availability windows now.
	Unavailable(SegmentId),
	/// The price overflows.
	Overflow,
}

/// What relaying `bytes` over a path of listings with `prices` per GiB costs, rounding up
/// per hop so no relay is ever paid less than its price.
pub fn path_cost(prices: &[u128], bytes: u64) -> Option<u128> {
	prices.iter().try_fold(0u128, |acc, p| {
		let hop = p.checked_mul(bytes as u128)?.div_ceil(GIB);
		acc.checked_add(hop)
	})
}

#[cfg(test)]
mod report_tests {
	use super::*;

	#[test]
	fn report_signing_payload_is_stable() {
		let entries = [PerfEntry {
			from: 3,
			to: 4,
			sample: PerfSample { latency_us: -2, jitter_us: 10, loss_ppm: 7 },
		}];
		let genesis = sp_core::H256::repeat_byte(0xcd);
		let mut expected = b"ditex/reports/v1".to_vec();
		expected.extend_from_slice(&[0xcd; 32]);
		expected.extend_from_slice(&5u32.to_le_bytes());
		expected.extend_from_slice(&9u64.to_le_bytes());
		expected.push(1 << 2); // compact length 1
		expected.extend_from_slice(&3u32.to_le_bytes());
		expected.extend_from_slice(&4u32.to_le_bytes());
		expected.extend_from_slice(&(-2i32).to_le_bytes());
		expected.extend_from_slice(&10u32.to_le_bytes());
		expected.extend_from_slice(&7u32.to_le_bytes());
		assert_eq!(report_signing_payload(&genesis, 5, 9, &entries), expected);
	}
}

#[cfg(test)]
mod endpoint_tests {
	use super::*;

	fn v4(a: [u8; 4]) -> Endpoint {
		Endpoint { ip: IpAddress::V4(a), port: 51820 }
	}

	fn v6(s: &str) -> Endpoint {
		let ip: std::net::Ipv6Addr = s.parse().unwrap();
		Endpoint { ip: IpAddress::V6(ip.octets()), port: 51820 }
	}

	#[test]
	fn l9_only_public_addresses_are_public() {
		for a in [[1, 1, 1, 1], [8, 8, 8, 8], [11, 0, 0, 1], [100, 63, 255, 255], [172, 32, 0, 1]] {
			assert!(v4(a).is_public(), "{a:?}");
		}
		for a in [
			[127, 0, 0, 1],
			[10, 1, 2, 3],
			[172, 16, 0, 1],
			[172, 31, 255, 255],
			[192, 168, 1, 1],
			[169, 254, 0, 1],
			[100, 64, 0, 1],
			[100, 127, 255, 254],
			[192, 0, 2, 7],
			[198, 51, 100, 7],
			[203, 0, 113, 7],
			[198, 18, 0, 1],
			[0, 1, 2, 3],
			[224, 0, 0, 1],
			[255, 255, 255, 255],
		] {
			assert!(!v4(a).is_public(), "{a:?}");
		}
		assert!(v6("2a00:1450:4001::1").is_public());
		for s in [
			"::1",
			"::",
			"fe80::1",
			"fd00::1",
			"fc00::1",
			"2001:db8::1",
			"::ffff:127.0.0.1",
			"::ffff:10.0.0.1",
			"64:ff9b::a00:1",
			"2002:a00:1::1",
			"ff02::1",
		] {
			assert!(!v6(s).is_public(), "{s}");
		}
		assert!(v6("::ffff:8.8.8.8").is_public());
		assert!(!Endpoint { ip: IpAddress::V4([8, 8, 8, 8]), port: 0 }.is_public());
	}
}
