//! The registry view: what the agent knows about every segment router — endpoint, data-plane
//! key, price, region, ASN, group, status.
//!
//! Next hops are resolved only through this view, never from an address found in a packet,
//! so a relay cannot be used to reflect or amplify traffic towards an arbitrary host.
//!
//! The view comes from the chain's `ditex_segment` / `ditex_group` JSON-RPC answers
//! ([`PeerEntry`], camelCase fields), which the chain client fetches every block or so and
//! hands to [`Registry::update`]; without a chain it is loaded once from the config file's
//! `[[peers]]` entries, which have exactly the same shape.

use std::{
	collections::HashMap,
	net::{IpAddr, SocketAddr},
};

use ditex_primitives::registry::{
	asn_is_valid, Asn, DataPlaneKey, Endpoint, GroupId, HourWindow, Region, SegmentId,
};
use serde::{Deserialize, Serialize};
use x25519_dalek::{PublicKey, StaticSecret};

use crate::wire::{CryptoError, PeerKeys};

/// One segment router as the chain's `ditex_segments` RPC returns it (and as the config's
/// `[[peers]]` entries spell it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PeerEntry {
	/// Segment id.
	pub id: SegmentId,
	/// Operator account (SS58), absent when the listing hides it.
	#[serde(default)]
	pub operator: Option<String>,
	/// Data-plane endpoint, `"ip:port"`.
	pub endpoint: String,
	/// X25519 data-plane key, `"0x"` and 64 hex digits.
	pub key: String,
	/// Ed25519 ticket key, `"0x"` and 64 hex digits (absent in hand-written `[[peers]]`).
	#[serde(default)]
	pub ticket_key: Option<String>,
	/// ISO 3166-2 region, `"DE-BE"`.
	pub region: String,
	/// Autonomous system number.
	pub asn: Asn,
	/// Price per GiB as a decimal string; absent or null: not for sale.
	#[serde(default)]
	pub price_per_gib: Option<String>,
	/// Offered capacity in Mbit/s.
	#[serde(default)]
	pub capacity_mbps: u32,
	/// UTC hour windows `[start, end)` in which the listing is for sale; empty: always.
	#[serde(default)]
	pub windows: Vec<[u8; 2]>,
	/// Whether the listing hides its operator from the registry's views.
	#[serde(default)]
	pub hide_operator: bool,
	/// The group it measures with, while active.
	#[serde(default)]
	pub group: Option<GroupId>,
	/// `"active"` or `"quarantined"`.
	#[serde(default = "default_status")]
	pub status: String,
	/// Block it was quarantined at.
	#[serde(default)]
	pub quarantined_since: Option<u32>,
	/// Strikes collected.
	#[serde(default)]
	pub strikes: u32,
}

fn default_status() -> String {
	"active".into()
}

impl PeerEntry {
	/// An active listing for sale at `price_per_gib` in group 1 of `DE-BE`, AS 64512: the
	/// peer that tests, benchmarks and fuzz targets need.
	pub fn active(
		id: SegmentId,
		endpoint: SocketAddr,
		key: &PublicKey,
		price_per_gib: u128,
	) -> Self {
		PeerEntry {
			id,
			operator: None,
			endpoint: endpoint.to_string(),
			key: format!("0x{}", hex::encode(key.as_bytes())),
			ticket_key: None,
			region: "DE-BE".into(),
			asn: 64512,
			price_per_gib: Some(price_per_gib.to_string()),
			capacity_mbps: 1000,
			windows: vec![],
			hide_operator: false,
			group: Some(1),
			status: default_status(),
			quarantined_since: None,
			strikes: 0,
		}
	}
}

/// Why a peer entry is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
	/// The endpoint is not `ip:port` or not routable.
	#[error("segment {0}: bad endpoint {1:?}")]
	Endpoint(SegmentId, String),
	/// The key is not `0x` + 64 hex digits, or is a weak key.
	#[error("segment {0}: bad data-plane key")]
	Key(SegmentId),
	/// The region is not `CC-SUB`.
	#[error("segment {0}: bad region {1:?}")]
	Region(SegmentId, String),
	/// Reserved or documentation ASN.
	#[error("segment {0}: invalid ASN {1}")]
	Asn(SegmentId, Asn),
	/// The price is not a decimal number.
	#[error("segment {0}: bad price {1:?}")]
	Price(SegmentId, String),
	/// A window is not two hours of the day.
	#[error("segment {0}: bad availability window")]
	Window(SegmentId),
	/// Unknown status.
	#[error("segment {0}: unknown status {1:?}")]
	Status(SegmentId, String),
	/// The id appears twice.
	#[error("segment {0} listed twice")]
	Duplicate(SegmentId),
	/// This agent's own segment is registered with a key other than its secret's.
	#[error("segment {0} is this agent's, but registered with another data-plane key")]
	NotOurKey(SegmentId),
	/// The endpoint is loopback, private, link-local, shared (CGNAT), documentation or one of
	/// this host's own addresses, and the config is not a test bed.
	#[error(
		"segment {0}: endpoint {1} is not a public address of another host \
		 (allowed only with [net] test_bed = true)"
	)]
	NotPublic(SegmentId, SocketAddr),
}

/// Which registered endpoints this agent will send to.
///
/// A next hop only ever resolves through the registry, but the registry itself is written by
/// whoever pays a deposit: an endpoint on loopback, the host's LAN or the host's own addresses
/// would aim relayed payloads and pulses at local services. Outside a test bed only public
/// unicast addresses ([`Endpoint::is_public`], the chain's own rule) of other hosts are used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointPolicy {
	/// Allow loopback, private and own addresses (`[net] test_bed`): local test beds,
	/// namespaces and devnets.
	pub test_bed: bool,
	/// This host's addresses (its interfaces' and its listen address).
	pub own: Vec<IpAddr>,
}

impl EndpointPolicy {
	/// The policy of a test bed: every routable endpoint is allowed.
	pub fn test_bed() -> Self {
		EndpointPolicy { test_bed: true, own: Vec::new() }
	}

	/// Whether `addr` may be another segment's endpoint.
	pub fn allows(&self, addr: SocketAddr) -> bool {
		if self.test_bed {
			return true;
		}
		let ip = addr.ip().to_canonical();
		Endpoint::from(addr).is_public() && !self.own.iter().any(|o| o.to_canonical() == ip)
	}
}

/// `addr` with an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) written as the IPv4 address it
/// is: comparisons and policies then see one form.
pub fn canonical(addr: SocketAddr) -> SocketAddr {
	SocketAddr::new(addr.ip().to_canonical(), addr.port())
}

/// Most members a group answer may list (the runtime's `MaxGroupSize`).
pub const MAX_GROUP_MEMBERS: usize = 100;

/// Why a node's answer is not taken as a view.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
	/// More group members than a group can have.
	#[error("the node listed {0} members in one group, more than {MAX_GROUP_MEMBERS}")]
	TooManyMembers(usize),
	/// An answer for one segment id carried another.
	#[error("asked for segment {asked}, the node answered segment {got}")]
	WrongSegment {
		/// The id asked for.
		asked: SegmentId,
		/// The id answered.
		got: SegmentId,
	},
}

/// A node's answers checked before they become a view: this agent's own listing, the members
/// of its group `mine.group` (each must say it is in that group; others are dropped and
/// counted), and the segments asked for by id (each must be the one asked for). A malicious or
/// broken node can still lie about what a listing says, but not grow the view past a group and
/// the destinations, nor slip other groups' segments in as members.
pub fn vet_view(
	mine: PeerEntry,
	members: Vec<PeerEntry>,
	extra: Vec<(SegmentId, PeerEntry)>,
) -> Result<(Vec<PeerEntry>, usize), ViewError> {
	if members.len() > MAX_GROUP_MEMBERS {
		return Err(ViewError::TooManyMembers(members.len()));
	}
	let before = members.len();
	let mut view: Vec<PeerEntry> =
		members.into_iter().filter(|e| mine.group.is_some() && e.group == mine.group).collect();
	let dropped = before - view.len();
	if !view.iter().any(|e| e.id == mine.id) {
		view.push(mine);
	}
	for (asked, e) in extra {
		if e.id != asked {
			return Err(ViewError::WrongSegment { asked, got: e.id });
		}
		if !view.iter().any(|v| v.id == e.id) {
			view.push(e);
		}
	}
	Ok((view, dropped))
}

/// Holds back a view that shrinks suddenly (this agent's own listing gone, or fewer than half
/// the segments of the view in force) until a second poll in a row says the same: a node that
/// is still syncing after its own restart answers "no such segment", and one such answer must
/// not stop this agent relaying and pulsing.
#[derive(Debug, Default)]
pub struct ViewGate {
	held: bool,
}

impl ViewGate {
	/// Whether to apply `next` over a view of `current_len` segments that holds this agent's
	/// own listing (`had_me`); a held-back view is counted by the caller.
	pub fn admit(
		&mut self,
		me: SegmentId,
		had_me: bool,
		current_len: usize,
		next: &[PeerEntry],
	) -> bool {
		let lost_me = had_me && !next.iter().any(|e| e.id == me);
		let shrunk = next.len() * 2 < current_len;
		if lost_me || shrunk {
			let second = std::mem::replace(&mut self.held, true);
			if !second {
				return false;
			}
		}
		self.held = false;
		true
	}
}

/// What [`Registry::update`] changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Update {
	/// Segments new to the view.
	pub added: Vec<SegmentId>,
	/// Segments gone from it (deregistered, or no longer in this agent's group).
	pub removed: Vec<SegmentId>,
	/// Segments whose listing changed (endpoint, key, price, group, standing…).
	pub changed: Vec<SegmentId>,
	/// Of those, the ones whose data-plane key changed: worth a loud log line, as a key
	/// substitution is how a node or a man in the middle would intercept traffic.
	pub rekeyed: Vec<SegmentId>,
	/// Entries refused, each on its own; the rest were applied.
	pub refused: Vec<EntryError>,
}

impl Update {
	/// Whether the view changed.
	pub fn changed_view(&self) -> bool {
		!(self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty())
	}
}

/// A segment router's standing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Status {
	/// Listed, relays, is paid.
	Active,
	/// Out of its group; never used as a hop.
	Quarantined,
}

/// A validated segment router.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
	/// Its id.
	pub id: SegmentId,
	/// Where it receives data-plane datagrams.
	pub endpoint: SocketAddr,
	/// Its X25519 key.
	pub key: PublicKey,
	/// Its ed25519 ticket key, which signs its acks (unknown for hand-written `[[peers]]`).
	pub ticket_key: Option<[u8; 32]>,
	/// `"CC-SUB"`.
	pub region: String,
	/// Its network.
	pub asn: Asn,
	/// Price per GiB in the chain's smallest unit; `None`: relays for nobody.
	pub price_per_gib: Option<u128>,
	/// Availability windows.
	pub windows: Vec<HourWindow>,
	/// Its group.
	pub group: Option<GroupId>,
	/// Its standing.
	pub status: Status,
}

impl Segment {
	/// Whether it may be used as an intermediate relay at UTC hour `hour`.
	pub fn relays_at(&self, hour: u8) -> bool {
		self.status == Status::Active
			&& self.price_per_gib.is_some()
			&& ditex_primitives::registry::available_at(&self.windows, hour)
	}
}

/// Parse `"0x"` + 64 hex digits.
pub fn parse_key(s: &str) -> Option<[u8; 32]> {
	let hex_part = s.strip_prefix("0x")?;
	let mut k = [0u8; 32];
	hex::decode_to_slice(hex_part, &mut k).ok()?;
	Some(k)
}

impl TryFrom<&PeerEntry> for Segment {
	type Error = EntryError;

	fn try_from(e: &PeerEntry) -> Result<Segment, EntryError> {
		let id = e.id;
		let endpoint: SocketAddr = e
			.endpoint
			.parse()
			.map(canonical)
			.map_err(|_| EntryError::Endpoint(id, e.endpoint.clone()))?;
		if !Endpoint::from(endpoint).is_routable() {
			return Err(EntryError::Endpoint(id, e.endpoint.clone()));
		}
		let key = parse_key(&e.key).ok_or(EntryError::Key(id))?;
		if DataPlaneKey(key).is_null() {
			return Err(EntryError::Key(id));
		}
		let ticket_key = match &e.ticket_key {
			None => None,
			Some(k) => Some(parse_key(k).filter(|k| *k != [0; 32]).ok_or(EntryError::Key(id))?),
		};
		let region_ok = e.region.split_once('-').and_then(|(c, s)| {
			let c: [u8; 2] = c.as_bytes().try_into().ok()?;
			Region::new(c, s.as_bytes()).filter(Region::is_valid)
		});
		if region_ok.is_none() {
			return Err(EntryError::Region(id, e.region.clone()));
		}
		if !asn_is_valid(e.asn) {
			return Err(EntryError::Asn(id, e.asn));
		}
		let price_per_gib = match &e.price_per_gib {
			None => None,
			Some(p) => Some(p.parse::<u128>().map_err(|_| EntryError::Price(id, p.clone()))?),
		};
		let windows = e
			.windows
			.iter()
			.map(|[start, end]| {
				let w = HourWindow { start: *start, end: *end };
				w.is_valid().then_some(w).ok_or(EntryError::Window(id))
			})
			.collect::<Result<Vec<_>, _>>()?;
		let status = match e.status.as_str() {
			"active" => Status::Active,
			"quarantined" => Status::Quarantined,
			other => return Err(EntryError::Status(id, other.into())),
		};
		Ok(Segment {
			id,
			endpoint,
			key: PublicKey::from(key),
			ticket_key,
			region: e.region.clone(),
			asn: e.asn,
			price_per_gib,
			windows,
			group: e.group,
			status,
		})
	}
}

/// The registry as this agent sees it, with the keys it shares with every segment cached
/// (an X25519 operation costs tens of microseconds; a packet must not pay it). A clone keeps
/// the derived keys: the fuzz targets build each input's data planes from one view.
#[derive(Clone)]
pub struct Registry {
	me: SegmentId,
	secret: StaticSecret,
	policy: EndpointPolicy,
	segments: HashMap<SegmentId, Segment>,
	keys: HashMap<SegmentId, PeerKeys>,
}

impl std::fmt::Debug for Registry {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("Registry").field("me", &self.me).field("segments", &self.segments).finish()
	}
}

impl Registry {
	/// Build the view for segment `me`, holding `secret`, from `entries`, using only endpoints
	/// `policy` allows. Entries whose keys are weak are refused with the others' errors.
	pub fn new(
		me: SegmentId,
		secret: StaticSecret,
		entries: &[PeerEntry],
		policy: EndpointPolicy,
	) -> Result<Registry, EntryError> {
		let mut r = Registry { me, secret, policy, segments: HashMap::new(), keys: HashMap::new() };
		for e in entries {
			let s = r.admit(e)?;
			if r.segments.contains_key(&s.id) {
				return Err(EntryError::Duplicate(s.id));
			}
			if s.id != me {
				let k = PeerKeys::derive(&r.secret, &s.key).map_err(|_| EntryError::Key(s.id))?;
				r.keys.insert(s.id, k);
			}
			r.segments.insert(s.id, s);
		}
		Ok(r)
	}

	/// Replace the view with `entries`, the chain's latest answer. Unlike [`Registry::new`] a
	/// bad entry does not spoil the others: it is refused on its own (and so is a second entry
	/// for one id, and this agent's own entry if it carries another key), and the rest apply.
	/// Keys already derived for an unchanged segment are kept.
	pub fn update(&mut self, entries: &[PeerEntry]) -> Update {
		let mut u = Update::default();
		let mut segments = HashMap::with_capacity(entries.len());
		let mut keys = HashMap::with_capacity(entries.len());
		let me = self.me;
		let ours = self.public_key();
		for e in entries {
			let s = match self.admit(e) {
				Ok(s) if segments.contains_key(&s.id) => Err(EntryError::Duplicate(s.id)),
				Ok(s) if s.id == me && s.key != ours => Err(EntryError::NotOurKey(me)),
				other => other,
			};
			let s = match s {
				Ok(s) => s,
				Err(err) => {
					u.refused.push(err);
					continue;
				},
			};
			let old = self.segments.get(&s.id);
			if s.id != me {
				let kept = old.filter(|o| o.key == s.key).and_then(|_| self.keys.remove(&s.id));
				match kept.map_or_else(|| PeerKeys::derive(&self.secret, &s.key), Ok) {
					Ok(k) => {
						keys.insert(s.id, k);
					},
					Err(_) => {
						u.refused.push(EntryError::Key(s.id));
						continue;
					},
				}
			}
			match old {
				None => u.added.push(s.id),
				Some(o) if *o != s => {
					u.changed.push(s.id);
					if o.key != s.key {
						u.rekeyed.push(s.id);
					}
				},
				Some(_) => {},
			}
			segments.insert(s.id, s);
		}
		u.removed = self.segments.keys().filter(|id| !segments.contains_key(id)).copied().collect();
		for v in [&mut u.added, &mut u.removed, &mut u.changed, &mut u.rekeyed] {
			v.sort_unstable();
		}
		self.segments = segments;
		self.keys = keys;
		u
	}

	/// `e` as a segment, if well-formed and, unless it is this agent's own listing, at an
	/// endpoint the policy allows.
	fn admit(&self, e: &PeerEntry) -> Result<Segment, EntryError> {
		let s = Segment::try_from(e)?;
		if s.id != self.me && !self.policy.allows(s.endpoint) {
			return Err(EntryError::NotPublic(s.id, s.endpoint));
		}
		Ok(s)
	}

	/// Which endpoints are used.
	pub fn policy(&self) -> &EndpointPolicy {
		&self.policy
	}

	/// This agent's segment id.
	pub fn me(&self) -> SegmentId {
		self.me
	}

	/// This agent's public key.
	pub fn public_key(&self) -> PublicKey {
		PublicKey::from(&self.secret)
	}

	/// This agent's secret key, for the Noise sessions it runs with the same static key.
	pub fn secret_bytes(&self) -> [u8; 32] {
		self.secret.to_bytes()
	}

	/// Segments in the view, this agent included if listed.
	pub fn len(&self) -> usize {
		self.segments.len()
	}

	/// Whether the view is empty.
	pub fn is_empty(&self) -> bool {
		self.segments.is_empty()
	}

	/// A segment by id.
	pub fn get(&self, id: SegmentId) -> Option<&Segment> {
		self.segments.get(&id)
	}

	/// The keys shared with `id`, if it is registered and active.
	pub fn keys(&self, id: SegmentId) -> Result<&PeerKeys, LookupError> {
		let s = self.segments.get(&id).ok_or(LookupError::Unknown(id))?;
		if s.status != Status::Active {
			return Err(LookupError::Quarantined(id));
		}
		self.keys.get(&id).ok_or(LookupError::Unknown(id))
	}

	/// Where to send a datagram for `id`, if it is registered and active.
	pub fn endpoint(&self, id: SegmentId) -> Result<SocketAddr, LookupError> {
		let s = self.segments.get(&id).ok_or(LookupError::Unknown(id))?;
		if s.status != Status::Active {
			return Err(LookupError::Quarantined(id));
		}
		Ok(s.endpoint)
	}

	/// Every registered segment but this agent.
	pub fn peers(&self) -> impl Iterator<Item = &Segment> {
		self.segments.values().filter(move |s| s.id != self.me)
	}

	/// The active members of this agent's group, this agent excluded, in id order.
	/// Nobody while this agent itself is not in the view (not yet, or no longer, registered).
	pub fn group_peers(&self) -> Vec<SegmentId> {
		let mut v: Vec<SegmentId> =
			self.peers().filter(|s| self.in_group(s.id)).map(|s| s.id).collect();
		v.sort_unstable();
		v
	}

	/// Whether `id` is this agent or one of [`Self::group_peers`].
	pub fn in_group(&self, id: SegmentId) -> bool {
		let Some(group) = self.segments.get(&self.me).map(|s| s.group) else { return false };
		id == self.me
			|| self.segments.get(&id).is_some_and(|s| {
				s.status == Status::Active && (group.is_none() || s.group == group)
			})
	}

	/// Derive keys for a key that is not (yet) registered: the tests of forged input use it.
	pub fn derive_for(&self, key: &PublicKey) -> Result<PeerKeys, CryptoError> {
		PeerKeys::derive(&self.secret, key)
	}
}

/// Why a segment id does not resolve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupError {
	/// Not registered.
	Unknown(SegmentId),
	/// Registered but quarantined.
	Quarantined(SegmentId),
}

#[cfg(test)]
pub(crate) mod tests {
	use super::*;

	/// A secret for test segment `id`.
	pub fn secret(id: SegmentId) -> StaticSecret {
		let mut b = [0u8; 32];
		b[..4].copy_from_slice(&id.to_be_bytes());
		b[31] = 0x55;
		StaticSecret::from(b)
	}

	/// A peer entry for test segment `id` at `127.0.0.1:(20000 + id)`.
	pub fn entry(id: SegmentId) -> PeerEntry {
		let endpoint = SocketAddr::from(([127, 0, 0, 1], (20000 + id) as u16));
		PeerEntry::active(id, endpoint, &PublicKey::from(&secret(id)), 1000)
	}

	/// The ticket key that signs a router's acks comes from the chain, checked like the
	/// data-plane key.
	#[test]
	fn ticket_keys_are_parsed_and_checked() {
		let mut e = entry(3);
		assert_eq!(Segment::try_from(&e).unwrap().ticket_key, None);
		e.ticket_key = Some(format!("0x{}", "ab".repeat(32)));
		assert_eq!(Segment::try_from(&e).unwrap().ticket_key, Some([0xab; 32]));
		for bad in ["0x12".to_string(), format!("0x{}", "00".repeat(32)), "ab".repeat(32)] {
			e.ticket_key = Some(bad);
			assert!(matches!(Segment::try_from(&e), Err(EntryError::Key(3))));
		}
	}

	#[test]
	fn parses_the_rpc_json_shape() {
		let json = r#"{"id":3,"operator":null,"endpoint":"10.0.0.3:51820",
			"key":"0x0900000000000000000000000000000000000000000000000000000000000000",
			"ticketKey":"0x0a00000000000000000000000000000000000000000000000000000000000000",
			"region":"DE-BE","asn":64512,"pricePerGib":null,"capacityMbps":100,
			"windows":[[22,6]],"hideOperator":true,"group":1,"status":"quarantined",
			"quarantinedSince":12,"strikes":3}"#;
		let e: PeerEntry = serde_json::from_str(json).unwrap();
		let s = Segment::try_from(&e).unwrap();
		assert_eq!(s.status, Status::Quarantined);
		assert_eq!(s.price_per_gib, None);
		assert!(!s.relays_at(23));
	}

	#[test]
	fn updates_from_the_chain_refuse_bad_entries_one_by_one() {
		let mut r =
			Registry::new(1, secret(1), &[entry(1), entry(2)], EndpointPolicy::test_bed()).unwrap();
		let mut moved = entry(2);
		moved.endpoint = "127.0.0.9:4000".into();
		let mut bad = entry(4);
		bad.region = "Berlin".into();
		let mut not_ours = entry(1);
		not_ours.key = entry(5).key;
		// Segment 3 joins, 2 moves, 4 is malformed, 3 is listed twice, and the chain says 1
		// (this agent) has someone else's key: each bad entry is refused on its own.
		let u = r.update(&[entry(3), moved, bad, entry(3), not_ours]);
		assert_eq!(u.added, vec![3]);
		assert_eq!(u.changed, vec![2]);
		assert_eq!(u.removed, vec![1]);
		assert_eq!(
			u.refused,
			vec![
				EntryError::Region(4, "Berlin".into()),
				EntryError::Duplicate(3),
				EntryError::NotOurKey(1)
			]
		);
		assert!(u.changed_view());
		assert_eq!(r.endpoint(2).unwrap(), "127.0.0.9:4000".parse().unwrap());
		assert!(r.keys(2).is_ok() && r.keys(3).is_ok());
		assert_eq!(r.get(4).map(|s| s.id), None);
		// The same answer again changes nothing.
		let again = r.update(&[entry(3), r_entry(&r, 2)]);
		assert!(!again.changed_view(), "{again:?}");
		// Quarantined by the chain: still listed, never a hop.
		let mut q = entry(3);
		q.status = "quarantined".into();
		let u = r.update(&[entry(1), q, r_entry(&r, 2)]);
		assert_eq!((u.added, u.changed), (vec![1], vec![3]));
		assert_eq!(r.endpoint(3), Err(LookupError::Quarantined(3)));
		assert_eq!(r.group_peers(), vec![2]);
	}

	/// The entry a chain would list for the segment `id` as `r` holds it.
	fn r_entry(r: &Registry, id: SegmentId) -> PeerEntry {
		let s = r.get(id).unwrap();
		let mut e = entry(id);
		e.endpoint = s.endpoint.to_string();
		e
	}

	#[test]
	fn refuses_bad_entries() {
		let mut e = entry(1);
		e.endpoint = "0.0.0.0:1".into();
		assert!(matches!(Segment::try_from(&e), Err(EntryError::Endpoint(..))));
		let mut e = entry(1);
		e.key = "0x00".into();
		assert_eq!(Segment::try_from(&e).unwrap_err(), EntryError::Key(1));
		let mut e = entry(1);
		e.key = format!("0x{}", "00".repeat(32));
		assert_eq!(Segment::try_from(&e).unwrap_err(), EntryError::Key(1));
		let mut e = entry(1);
		e.region = "XX-1".into();
		assert!(matches!(Segment::try_from(&e), Err(EntryError::Region(..))));
		let mut e = entry(1);
		e.asn = 0;
		assert!(matches!(Segment::try_from(&e), Err(EntryError::Asn(..))));
		let mut e = entry(1);
		e.price_per_gib = Some("1.5".into());
		assert!(matches!(Segment::try_from(&e), Err(EntryError::Price(..))));
		let mut e = entry(1);
		e.windows = vec![[3, 3]];
		assert!(matches!(Segment::try_from(&e), Err(EntryError::Window(..))));
		let mut e = entry(1);
		e.status = "gone".into();
		assert!(matches!(Segment::try_from(&e), Err(EntryError::Status(..))));
		assert_eq!(
			Registry::new(
				1,
				secret(1),
				&[entry(1), entry(2), entry(2)],
				EndpointPolicy::test_bed()
			)
			.unwrap_err(),
			EntryError::Duplicate(2)
		);
	}

	/// H9: the node's answers were trusted whole: any number of "members", members of other
	/// groups, an answer for another id than asked.
	#[test]
	fn h9_node_answers_are_capped_and_checked() {
		let grouped = |id, g| PeerEntry { group: Some(g), ..entry(id) };
		let mine = grouped(1, 1);
		let members = vec![grouped(1, 1), grouped(2, 1), grouped(3, 7), grouped(4, 1)];
		let (view, dropped) = vet_view(mine.clone(), members, vec![(9, grouped(9, 3))]).unwrap();
		let ids: Vec<_> = view.iter().map(|e| e.id).collect();
		assert_eq!((ids, dropped), (vec![1, 2, 4, 9], 1), "3 is not in group 1");
		let many: Vec<_> = (1..=1000).map(|i| grouped(i, 1)).collect();
		assert_eq!(vet_view(mine.clone(), many, vec![]), Err(ViewError::TooManyMembers(1000)));
		assert_eq!(
			vet_view(mine, vec![], vec![(9, grouped(8, 3))]),
			Err(ViewError::WrongSegment { asked: 9, got: 8 })
		);
	}

	/// H9: a node still syncing after a restart answers "no such segment": the agent emptied
	/// its view at once and stopped relaying and pulsing.
	#[test]
	fn h9_a_sudden_empty_view_needs_a_second_poll() {
		let mut g = ViewGate::default();
		let full: Vec<_> = (1..=10).map(entry).collect();
		assert!(g.admit(1, false, 0, &full), "the first view applies");
		assert!(!g.admit(1, true, 10, &[]), "one empty answer is held back");
		assert!(g.admit(1, true, 10, &full), "a good answer applies and clears it");
		assert!(!g.admit(1, true, 10, &full[1..3]), "lost this agent's own listing");
		let mut g = ViewGate::default();
		assert!(!g.admit(1, true, 10, &full[..4]), "shrunk by more than half");
		assert!(g.admit(1, true, 10, &full[..4]), "said twice: it is so");
		// Small changes apply at once.
		assert!(g.admit(1, true, 10, &full[..8]));
	}

	/// H9: a key substitution by a node or a man in the middle went by as any other change.
	#[test]
	fn h9_key_changes_are_reported() {
		let mut r = Registry::new(
			1,
			secret(1),
			&[entry(1), entry(2), entry(3)],
			EndpointPolicy::test_bed(),
		)
		.unwrap();
		let mut moved = entry(3);
		moved.endpoint = "127.0.0.9:1".into();
		let rekeyed = PeerEntry { key: entry(7).key, ..entry(2) };
		let u = r.update(&[entry(1), rekeyed, moved]);
		assert_eq!((u.changed, u.rekeyed), (vec![2, 3], vec![2]));
	}

	fn at(id: SegmentId, endpoint: &str) -> PeerEntry {
		PeerEntry { endpoint: endpoint.into(), ..entry(id) }
	}

	/// A host whose public address is 1.1.1.1, outside a test bed.
	fn strict() -> EndpointPolicy {
		EndpointPolicy { test_bed: false, own: vec!["1.1.1.1".parse().unwrap()] }
	}

	const NOT_PUBLIC: &[&str] = &[
		"127.0.0.1:11211",
		"127.0.0.53:53",
		"10.0.0.1:161",
		"172.16.0.1:514",
		"192.168.1.1:53",
		"169.254.169.254:80",
		"100.64.0.1:53",
		"192.0.2.1:53",
		"198.51.100.1:53",
		"[::1]:53",
		"[fe80::1]:53",
		"[fd00::1]:53",
		"[::ffff:127.0.0.1]:11211",
		"[::ffff:10.0.0.1]:161",
		"1.1.1.1:53",
		"[::ffff:1.1.1.1]:53",
	];

	#[test]
	fn h2_registered_loopback_endpoint_is_refused() {
		// This agent's own listing may be anywhere: it is never a next hop.
		let me = at(1, "127.0.0.1:51820");
		for bad in NOT_PUBLIC {
			let err = Registry::new(1, secret(1), &[me.clone(), at(2, bad)], strict()).unwrap_err();
			assert!(matches!(err, EntryError::NotPublic(2, _)), "{bad}: {err:?}");
			// From the chain: refused on its own, the rest applies, and it never resolves.
			let mut r = Registry::new(1, secret(1), std::slice::from_ref(&me), strict()).unwrap();
			let u = r.update(&[me.clone(), at(2, bad), at(3, "8.8.8.8:51820")]);
			assert_eq!(u.added, vec![3]);
			assert!(matches!(u.refused[..], [EntryError::NotPublic(2, _)]), "{bad}: {u:?}");
			assert_eq!(r.endpoint(2), Err(LookupError::Unknown(2)));
			assert_eq!(r.group_peers(), vec![3]);
		}
		// A test bed uses them all.
		for bad in NOT_PUBLIC {
			let r =
				Registry::new(1, secret(1), &[me.clone(), at(2, bad)], EndpointPolicy::test_bed())
					.unwrap();
			assert!(r.endpoint(2).is_ok(), "{bad}");
		}
	}

	#[test]
	fn h2_public_endpoints_of_other_hosts_are_used() {
		let me = at(1, "1.1.1.1:51820");
		let r = Registry::new(
			1,
			secret(1),
			&[me, at(2, "8.8.8.8:51820"), at(3, "[2a00:1450:4001::1]:51820")],
			strict(),
		)
		.unwrap();
		assert_eq!(r.group_peers(), vec![2, 3]);
		// A v4-mapped endpoint is kept as the IPv4 address it is.
		let r = Registry::new(
			1,
			secret(1),
			&[at(1, "1.1.1.1:1"), at(2, "[::ffff:8.8.8.8]:9")],
			strict(),
		)
		.unwrap();
		assert_eq!(r.endpoint(2).unwrap(), "8.8.8.8:9".parse().unwrap());
	}

	#[test]
	fn quarantined_segments_do_not_resolve() {
		let mut q = entry(3);
		q.status = "quarantined".into();
		let r = Registry::new(1, secret(1), &[entry(1), entry(2), q], EndpointPolicy::test_bed())
			.unwrap();
		assert!(r.endpoint(2).is_ok());
		assert_eq!(r.endpoint(3), Err(LookupError::Quarantined(3)));
		assert_eq!(r.endpoint(9), Err(LookupError::Unknown(9)));
		assert_eq!(r.group_peers(), vec![2]);
	}
}
