//! What the egress may deliver to, and the bounded tables that map its replies back, sans I/O.
//!
//! [`ExitPolicy`] says whether a destination is allowed: the operator's `[exit] allow`
//! networks, under a floor the list cannot lift outside a test bed — no loopback, private,
//! link-local, shared, documentation or other non-public address ([`Endpoint::is_public`], the
//! chain's rule for endpoints), and none of this host's own addresses. IPv4-mapped IPv6
//! addresses are judged as the IPv4 addresses they are.
//!
//! [`Leases`] is a table of entries each owned by one ingress segment: the UDP exit's flows
//! (keyed by ingress and flow) and the data plane's hop windows. It is bounded in total and
//! per ingress; an ingress over its share loses its own least recently used entry, a full
//! table loses the least recently used entry of the ingress holding most, and an entry another
//! ingress used within the idle time is never taken over — one ingress cannot take another's
//! replies.
//!
//! The TUN mode's inner addresses are not first come, first served: each ingress owns a prefix
//! derived from its segment id ([`inner_prefixes`]), the same at every egress. The egress
//! refuses an inner source outside the sending ingress's own prefix, so an inner address names
//! its ingress ([`inner_owner`]) and a reply the kernel hands back goes to that ingress and no
//! other ([`TunClients`]).

use std::{
	collections::HashMap,
	hash::Hash,
	net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
	num::NonZeroUsize,
};

use ditex_primitives::registry::{Endpoint, SegmentId};
use lru::LruCache;

/// A network in CIDR notation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
	addr: IpAddr,
	prefix: u8,
}

impl std::str::FromStr for Cidr {
	type Err = String;

	fn from_str(s: &str) -> Result<Cidr, String> {
		let (a, p) = s.split_once('/').ok_or_else(|| format!("{s:?}: expected ADDR/PREFIX"))?;
		let addr: IpAddr = a.parse().map_err(|_| format!("{s:?}: bad address"))?;
		let prefix: u8 = p.parse().map_err(|_| format!("{s:?}: bad prefix"))?;
		let max = if addr.is_ipv4() { 32 } else { 128 };
		if prefix > max {
			return Err(format!("{s:?}: prefix over {max}"));
		}
		Ok(Cidr { addr, prefix })
	}
}

impl std::fmt::Display for Cidr {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		write!(f, "{}/{}", self.addr, self.prefix)
	}
}

impl Cidr {
	/// Whether `ip` is in the network.
	pub fn contains(&self, ip: IpAddr) -> bool {
		match (self.addr, ip) {
			(IpAddr::V4(n), IpAddr::V4(a)) => {
				let mask = u32::MAX.checked_shl(32 - self.prefix as u32).unwrap_or(0);
				u32::from(n) & mask == u32::from(a) & mask
			},
			(IpAddr::V6(n), IpAddr::V6(a)) => {
				let mask = u128::MAX.checked_shl(128 - self.prefix as u32).unwrap_or(0);
				u128::from(n) & mask == u128::from(a) & mask
			},
			_ => false,
		}
	}
}

/// Why a destination is denied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
	/// Not in any `[exit] allow` network.
	NotAllowed,
	/// Loopback, private, link-local, shared, documentation, multicast or otherwise not a
	/// public unicast address (allowed only in a test bed).
	NotPublic,
	/// One of this host's own addresses (allowed only in a test bed).
	OwnAddress,
}

/// Where the egress may deliver.
#[derive(Clone, Debug, Default)]
pub struct ExitPolicy {
	/// The operator's `[exit] allow` networks; empty: no exit at all.
	pub allow: Vec<Cidr>,
	/// A test bed (`[net] test_bed`): the floor below is off.
	pub test_bed: bool,
	/// This host's own addresses.
	pub own: Vec<IpAddr>,
}

impl ExitPolicy {
	/// The destination as it will be used (an IPv4-mapped address as IPv4), if allowed.
	pub fn check(&self, ip: IpAddr) -> Result<IpAddr, Denied> {
		let ip = ip.to_canonical();
		if !self.test_bed {
			if self.own.iter().any(|o| o.to_canonical() == ip) {
				return Err(Denied::OwnAddress);
			}
			// Any non-zero port: only the address is judged.
			if !Endpoint::from(SocketAddr::new(ip, 1)).is_public() {
				return Err(Denied::NotPublic);
			}
		}
		if !self.allow.iter().any(|n| n.contains(ip)) {
			return Err(Denied::NotAllowed);
		}
		Ok(ip)
	}

	/// [`Self::check`] for a socket address.
	pub fn check_addr(&self, addr: SocketAddr) -> Result<SocketAddr, Denied> {
		self.check(addr.ip()).map(|ip| SocketAddr::new(ip, addr.port()))
	}
}

/// The TUN mode's IPv4 inner network: RFC 6598's shared address space, which no public
/// destination uses and which overlays use the same way (Tailscale). Ingress `id` owns the one
/// address `100.64.0.0 + id`, for ids from 1 to 2^22 − 2.
pub const INNER_V4: Ipv4Addr = Ipv4Addr::new(100, 64, 0, 0);
/// Host bits of [`INNER_V4`] (a /10).
const INNER_V4_BITS: u32 = 22;
/// The TUN mode's IPv6 inner network, a ULA /48 spelling "ditex": ingress `id` owns the /96
/// `fd64:6974:6578:0:<id high 16 bits>:<id low 16 bits>::/96`, for every id but 0.
pub const INNER_V6: Ipv6Addr = Ipv6Addr::new(0xfd64, 0x6974, 0x6578, 0, 0, 0, 0, 0);

/// The inner prefixes ingress `id` may send from in the TUN mode: its IPv4 address (none for
/// an id past the /10) and its IPv6 /96.
///
/// Why derived, not assigned or translated: every egress computes the same prefix from the id
/// the hop MACs authenticate, with no table to hijack, flush or keep in sync, and the ingress
/// computes it too (it logs it at start and refuses other sources before they travel), so a
/// user sets the address once and it holds at every egress. Translating each ingress into a
/// pool at the egress (SNAT) would let users pick any address, but would rewrite every packet's
/// checksums (and the packets inside ICMP errors) and keep a table the size of all flows.
pub fn inner_prefixes(id: SegmentId) -> (Option<Cidr>, Option<Cidr>) {
	let v4 = (id != 0 && id < (1 << INNER_V4_BITS) - 1)
		.then(|| Cidr { addr: IpAddr::V4(Ipv4Addr::from(u32::from(INNER_V4) + id)), prefix: 32 });
	let v6 = (id != 0).then(|| Cidr {
		addr: IpAddr::V6(Ipv6Addr::from(u128::from(INNER_V6) | (u128::from(id) << 32))),
		prefix: 96,
	});
	(v4, v6)
}

/// The ingress that owns the inner address `ip` ([`inner_prefixes`]), if any does.
pub fn inner_owner(ip: IpAddr) -> Option<SegmentId> {
	let id = match ip.to_canonical() {
		IpAddr::V4(a) => {
			let off = u32::from(a).wrapping_sub(u32::from(INNER_V4));
			(off < (1 << INNER_V4_BITS)).then_some(off)?
		},
		IpAddr::V6(a) => {
			let v = u128::from(a);
			(v >> 64 == u128::from(INNER_V6) >> 64).then_some((v >> 32) as u32)?
		},
	};
	let (v4, v6) = inner_prefixes(id);
	(v4.is_some_and(|n| n.contains(ip.to_canonical())) || v6.is_some_and(|n| n.contains(ip)))
		.then_some(id)
}

/// A TUN packet's inner source is not in its ingress's own prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotOwnSource;

/// The TUN egress's way back to each ingress: one entry per ingress (its latest session and
/// path), made or refreshed by each packet it sends from its own prefix, at most `cap`, the
/// least recently used evicted when a new ingress needs room — never the whole table flushed.
pub struct TunClients<V> {
	map: LruCache<SegmentId, (u64, V)>,
}

impl<V> TunClients<V> {
	/// A table of at most `cap` ingresses.
	pub fn new(cap: usize) -> Self {
		TunClients { map: LruCache::new(NonZeroUsize::new(cap.max(1)).expect("at least 1")) }
	}

	/// Ingresses held.
	pub fn len(&self) -> usize {
		self.map.len()
	}

	/// Whether there are none.
	pub fn is_empty(&self) -> bool {
		self.map.is_empty()
	}

	/// Ingress `ingress` sent a packet from inner source `src` at `now_us`: refused unless `src`
	/// is in its own prefix; otherwise its replies go back by `back` from now on.
	pub fn admit(
		&mut self,
		now_us: u64,
		ingress: SegmentId,
		src: IpAddr,
		back: V,
	) -> Result<(), NotOwnSource> {
		if inner_owner(src) != Some(ingress) {
			return Err(NotOwnSource);
		}
		self.map.put(ingress, (now_us, back));
		Ok(())
	}

	/// The way back for a reply to the inner address `dst`: its owner's, if it has sent.
	pub fn route(&self, dst: IpAddr) -> Option<&V> {
		self.map.peek(&inner_owner(dst)?).map(|(_, v)| v)
	}

	/// Forget ingresses silent since before `cutoff_us`, least recently used first.
	pub fn expire(&mut self, cutoff_us: u64) {
		while self.map.peek_lru().is_some_and(|(_, (t, _))| *t < cutoff_us) {
			self.map.pop_lru();
		}
	}
}

/// Why [`Leases::claim`] refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaseError {
	/// Another ingress used the key within the idle time.
	Taken,
	/// The value for a new entry could not be made (e.g. no socket).
	Unavailable,
}

/// One entry of a [`Leases`] table.
#[derive(Debug)]
pub struct Lease<V> {
	/// The ingress it belongs to.
	pub owner: SegmentId,
	/// When it was last used.
	pub last_us: u64,
	/// What the caller keeps in it.
	pub value: V,
}

/// A table of entries owned by ingresses, bounded in total and per ingress (see the module
/// documentation).
pub struct Leases<K: Hash + Eq + Clone, V> {
	map: LruCache<K, Lease<V>>,
	/// Each owner's keys, least recently used first.
	owners: HashMap<SegmentId, LruCache<K, ()>>,
	max: usize,
	per_owner: usize,
	idle_us: u64,
}

impl<K: Hash + Eq + Clone, V> Leases<K, V> {
	/// A table of at most `max` entries, `per_owner` for any one ingress; entries unused for
	/// `idle_us` may go to another ingress and are forgotten by [`Self::expire`].
	pub fn new(max: usize, per_owner: usize, idle_us: u64) -> Self {
		Leases {
			map: LruCache::unbounded(),
			owners: HashMap::new(),
			max: max.max(1),
			per_owner: per_owner.clamp(1, max.max(1)),
			idle_us,
		}
	}

	/// Entries held.
	pub fn len(&self) -> usize {
		self.map.len()
	}

	/// Whether there are none.
	pub fn is_empty(&self) -> bool {
		self.map.is_empty()
	}

	/// Entries held by `owner`.
	pub fn owned_by(&self, owner: SegmentId) -> usize {
		self.owners.get(&owner).map_or(0, |o| o.len())
	}

	/// The entry for `key`, without counting as use.
	pub fn peek(&self, key: &K) -> Option<&Lease<V>> {
		self.map.peek(key)
	}

	/// The entry for `key` as `owner` uses it at `now_us`: refreshed if it is `owner`'s, made
	/// with `make` if there is none (or another ingress left it idle), refused if another
	/// ingress holds it. Making room drops other entries (their values are dropped).
	pub fn claim(
		&mut self,
		now_us: u64,
		key: K,
		owner: SegmentId,
		make: impl FnOnce() -> Option<V>,
	) -> Result<&mut Lease<V>, LeaseError> {
		if let Some(l) = self.map.peek(&key) {
			if l.owner != owner {
				if now_us.saturating_sub(l.last_us) < self.idle_us && l.last_us <= now_us {
					return Err(LeaseError::Taken);
				}
				self.remove(&key);
			}
		}
		if !self.map.contains(&key) {
			let value = make().ok_or(LeaseError::Unavailable)?;
			if self.owned_by(owner) >= self.per_owner {
				self.pop_lru_of(owner);
			}
			while self.map.len() >= self.max {
				let biggest = self.owners.iter().max_by_key(|(_, o)| o.len()).map(|(id, _)| *id);
				match biggest {
					Some(b) => self.pop_lru_of(b),
					None => break,
				}
			}
			self.map.push(key.clone(), Lease { owner, last_us: now_us, value });
			self.owners.entry(owner).or_insert_with(LruCache::unbounded).push(key.clone(), ());
		}
		if let Some(o) = self.owners.get_mut(&owner) {
			o.promote(&key);
		}
		let l = self.map.get_mut(&key).ok_or(LeaseError::Unavailable)?;
		l.last_us = now_us;
		Ok(l)
	}

	fn pop_lru_of(&mut self, owner: SegmentId) {
		let key = self.owners.get_mut(&owner).and_then(|o| o.pop_lru()).map(|(k, _)| k);
		if let Some(k) = key {
			self.map.pop(&k);
		}
		if self.owners.get(&owner).is_some_and(|o| o.is_empty()) {
			self.owners.remove(&owner);
		}
	}

	/// Drop the entry for `key`.
	pub fn remove(&mut self, key: &K) -> Option<Lease<V>> {
		let l = self.map.pop(key)?;
		if let Some(o) = self.owners.get_mut(&l.owner) {
			o.pop(key);
			if o.is_empty() {
				self.owners.remove(&l.owner);
			}
		}
		Some(l)
	}

	/// Forget entries unused since before `cutoff_us`, least recently used first.
	pub fn expire(&mut self, cutoff_us: u64) {
		while let Some(k) =
			self.map.peek_lru().filter(|(_, l)| l.last_us < cutoff_us).map(|(k, _)| k.clone())
		{
			self.remove(&k);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn policy(allow: &[&str]) -> ExitPolicy {
		ExitPolicy {
			allow: allow.iter().map(|s| s.parse().unwrap()).collect(),
			test_bed: false,
			own: vec!["1.1.1.1".parse().unwrap(), "2a00:1450:4001::7".parse().unwrap()],
		}
	}

	fn ip(s: &str) -> IpAddr {
		s.parse().unwrap()
	}

	/// M11: `allow = ["0.0.0.0/0", "::/0"]` let every member reach the egress host's own
	/// services and its LAN.
	#[test]
	fn m11_exit_denies_private_and_own_networks_whatever_allow_says() {
		let p = policy(&["0.0.0.0/0", "::/0"]);
		for d in [
			"127.0.0.1",
			"127.0.0.53",
			"10.0.0.1",
			"172.16.5.4",
			"192.168.1.1",
			"169.254.169.254",
			"100.64.0.1",
			"0.0.0.0",
			"255.255.255.255",
			"224.0.0.1",
			"192.0.2.1",
			"::1",
			"::",
			"fe80::1",
			"fd00::1",
			"ff02::1",
		] {
			assert_eq!(p.check(ip(d)), Err(Denied::NotPublic), "{d}");
		}
		assert_eq!(p.check(ip("1.1.1.1")), Err(Denied::OwnAddress));
		assert_eq!(p.check(ip("2a00:1450:4001::7")), Err(Denied::OwnAddress));
		assert_eq!(p.check(ip("8.8.8.8")), Ok(ip("8.8.8.8")));
		assert_eq!(p.check(ip("2a00:1450:4001::1")), Ok(ip("2a00:1450:4001::1")));
		// Not listed: denied even when public.
		assert_eq!(policy(&["8.8.8.0/24"]).check(ip("9.9.9.9")), Err(Denied::NotAllowed));
		// A test bed lifts the floor, not the list.
		let tb = ExitPolicy { test_bed: true, ..policy(&["10.77.0.0/24"]) };
		assert_eq!(tb.check(ip("10.77.0.5")), Ok(ip("10.77.0.5")));
		assert_eq!(tb.check(ip("10.78.0.5")), Err(Denied::NotAllowed));
	}

	/// M4: with `::/0` allowed, `::ffff:127.0.0.1` reached IPv4 loopback through a v6 socket.
	#[test]
	fn m4_v4_mapped_destinations_are_judged_as_ipv4() {
		let p = policy(&["192.0.2.0/24", "8.8.8.0/24", "::/0"]);
		assert_eq!(p.check(ip("::ffff:127.0.0.1")), Err(Denied::NotPublic));
		assert_eq!(p.check(ip("::ffff:10.0.0.1")), Err(Denied::NotPublic));
		assert_eq!(p.check(ip("::ffff:1.1.1.1")), Err(Denied::OwnAddress));
		// An IPv4 rule covers the mapped form, and the result is the IPv4 address.
		assert_eq!(p.check(ip("::ffff:8.8.8.8")), Ok(ip("8.8.8.8")));
		let only_v6 = policy(&["::/0"]);
		assert_eq!(only_v6.check(ip("::ffff:8.8.8.8")), Err(Denied::NotAllowed));
		assert_eq!(
			p.check_addr("[::ffff:8.8.8.8]:53".parse().unwrap()),
			Ok("8.8.8.8:53".parse().unwrap())
		);
	}

	/// H4: each ingress owns one IPv4 address and one IPv6 /96, derived from its id, disjoint
	/// from every other ingress's; anything else has no owner.
	#[test]
	fn h4_inner_prefixes_are_derived_per_ingress() {
		let (v4, v6) = inner_prefixes(1);
		assert_eq!(v4.unwrap().to_string(), "100.64.0.1/32");
		// fd64:6974:6578:0:0:1::/96, as Rust writes it.
		assert_eq!(v6.unwrap().to_string(), "fd64:6974:6578::1:0:0/96");
		let (v4, v6) = inner_prefixes(0x0050_1234);
		assert_eq!(v4, None, "past the IPv4 /10");
		assert_eq!(v6.unwrap().to_string(), "fd64:6974:6578:0:50:1234::/96");
		for (a, owner) in [
			("100.64.0.1", Some(1)),
			("100.64.1.0", Some(256)),
			("::ffff:100.64.0.7", Some(7)),
			("100.127.255.254", Some((1 << 22) - 2)),
			("100.127.255.255", None),
			("100.64.0.0", None),
			("100.128.0.1", None),
			("10.200.0.2", None),
			("fd64:6974:6578:0:0:1::", Some(1)),
			("fd64:6974:6578:0:0:1:abcd:ef01", Some(1)),
			("fd64:6974:6578:0:ffff:ffff:0:1", Some(u32::MAX)),
			("fd64:6974:6578:0::1", None),
			("fd64:6974:6578:1:0:1::", None),
			("fd00::1", None),
		] {
			assert_eq!(inner_owner(ip(a)), owner, "{a}");
		}
		for id in [1, 2, 77, 1 << 20, u32::MAX] {
			let (v4, v6) = inner_prefixes(id);
			for n in v4.into_iter().chain(v6) {
				assert_eq!(inner_owner(n.addr), Some(id), "{n}");
			}
		}
	}

	/// H4: the TUN egress took inner sources first come, first served and cleared the whole
	/// table when full: member A sending from B's address (or from 10.200.0.2, which every
	/// ingress of the test bed used) took or blocked B's replies, and a spray flushed them.
	/// Now a source outside the sender's own prefix is refused, replies go to the owner of the
	/// address, and a full table evicts its least recently used ingress only.
	#[test]
	fn h4_an_ingress_sends_only_from_its_own_prefix() {
		let mut t: TunClients<u64> = TunClients::new(3);
		let b_src = inner_prefixes(2).0.unwrap().addr;
		t.admit(10, 2, b_src, 77).unwrap();
		// A (ingress 3) with B's source, a foreign private one, or a spray: refused, and B's
		// replies still go to B.
		assert_eq!(t.admit(11, 3, b_src, 55), Err(NotOwnSource));
		assert_eq!(t.admit(11, 3, ip("10.200.0.2"), 55), Err(NotOwnSource));
		for k in 0..10_000u32 {
			let src = IpAddr::from((u32::from(INNER_V4) + k).to_be_bytes());
			let _ = t.admit(12, 3, src, 55);
		}
		assert_eq!(t.route(b_src), Some(&77));
		assert_eq!(t.route(ip("fd64:6974:6578:0:0:2:0:9")), Some(&77), "B's IPv6 /96 too");
		// A from its own address: its replies go to A.
		let a_src = inner_prefixes(3).0.unwrap().addr;
		t.admit(13, 3, a_src, 55).unwrap();
		assert_eq!((t.route(a_src), t.route(b_src)), (Some(&55), Some(&77)));
		assert_eq!(t.route(ip("10.200.0.2")), None);
		// Full (3): a new ingress evicts the least recently used one, not everyone.
		t.admit(14, 4, inner_prefixes(4).1.unwrap().addr, 44).unwrap();
		t.admit(15, 2, b_src, 78).unwrap();
		t.admit(16, 5, inner_prefixes(5).0.unwrap().addr, 66).unwrap();
		assert_eq!(t.len(), 3);
		assert_eq!(t.route(a_src), None, "the least recently used ingress went");
		assert_eq!(t.route(b_src), Some(&78));
		// Idle ingresses are forgotten.
		t.expire(16);
		assert_eq!(t.len(), 1);
	}

	/// H4: the TUN egress mapped replies by an inner source address any ingress chooses, so
	/// one packet from member A with B's inner source took B's replies; and a spray of 4096
	/// sources flushed every mapping.
	#[test]
	fn h4_one_ingress_cannot_take_anothers_replies() {
		const IDLE: u64 = 120_000_000;
		let mut t: Leases<IpAddr, (u64, Vec<SegmentId>)> = Leases::new(64, 8, IDLE);
		let b_src = ip("10.200.0.2");
		let now = 1_000_000u64;
		// B (ingress 2, session 77) is using 10.200.0.2.
		t.claim(now, b_src, 2, || Some((77, vec![9, 2]))).unwrap();
		// A (ingress 3) sends one packet with the same inner source: refused, B keeps it.
		let r = t.claim(now + 1, b_src, 3, || Some((55, vec![9, 3])));
		assert_eq!(r.err(), Some(LeaseError::Taken));
		let l = t.peek(&b_src).unwrap();
		assert_eq!((l.owner, l.value.0), (2, 77));
		// A sprays sources: it only ever churns its own share, never B's entry.
		for k in 0..10_000u32 {
			let src = IpAddr::from((0x0a00_0000u32 + k).to_be_bytes());
			let _ = t.claim(now + 2 + u64::from(k), src, 3, || Some((55, vec![9, 3])));
		}
		assert_eq!(t.owned_by(3), 8);
		assert_eq!(t.peek(&b_src).map(|l| l.owner), Some(2));
		// B restarts its session: the same ingress takes its address back at once.
		let l = t.claim(now + 20_000, b_src, 2, || Some((78, vec![9, 2]))).unwrap();
		l.value.0 = 78;
		assert_eq!(t.peek(&b_src).unwrap().value.0, 78);
		// Once B has been idle for the idle time, the address is free for another ingress.
		let later = now + 20_000 + IDLE;
		assert!(t.claim(later, b_src, 3, || Some((55, vec![9, 3]))).is_ok());
	}

	/// H8: 4096 exit flows from one member filled the table and refused everyone, for good.
	#[test]
	fn h8_exit_flows_are_bounded_per_ingress_and_in_total() {
		let mut t: Leases<(SegmentId, u64), u32> = Leases::new(100, 30, 120_000_000);
		let mut dropped = 0;
		struct Count<'a>(&'a mut u32);
		impl Drop for Count<'_> {
			fn drop(&mut self) {
				*self.0 += 1;
			}
		}
		// Member 3 opens fresh flows without end: it holds at most its share.
		for f in 0..10_000u64 {
			t.claim(f, (3, f), 3, || Some(0)).unwrap();
		}
		assert_eq!(t.owned_by(3), 30);
		// Members 4, 5, 6 fill the rest; an honest newcomer still gets in, at the expense of
		// whoever holds most.
		for m in 4..=6 {
			for f in 0..30u64 {
				t.claim(20_000 + f, (m, f), m, || Some(0)).unwrap();
			}
		}
		assert_eq!(t.len(), 100);
		t.claim(30_000, (2, 1), 2, || Some(0)).unwrap();
		assert_eq!(t.len(), 100);
		assert_eq!(t.owned_by(2), 1);
		// A value that cannot be made (no socket) leaves the table as it was.
		assert_eq!(t.claim(30_001, (2, 2), 2, || None).err(), Some(LeaseError::Unavailable));
		assert_eq!(t.len(), 100);
		// Dropped values are dropped (the shell's reader tasks abort on drop).
		{
			let mut d: Leases<u64, Count<'_>> = Leases::new(2, 2, 10);
			d.claim(0, 1, 1, || Some(Count(&mut dropped))).unwrap();
		}
		assert_eq!(dropped, 1);
		// Expiry forgets idle entries.
		t.expire(30_000);
		assert_eq!(t.len(), 1);
	}
}
