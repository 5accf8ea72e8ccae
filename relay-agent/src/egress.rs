//! What the egress may deliver to, and the bounded tables that map its replies back, sans I/O.
//!
//! [`ExitPolicy`] says whether a destination is allowed: the operator's `[exit] allow`
//! networks, under a floor the list cannot lift outside a test bed — no loopback, private,
//! link-local, shared, documentation or other non-public address ([`Endpoint::is_public`], the
//! chain's rule for endpoints), and none of this host's own addresses. IPv4-mapped IPv6
//! addresses are judged as the IPv4 addresses they are.
//!
//! [`Leases`] is a table of entries each owned by one ingress segment: the UDP exit's flows
//! (keyed by ingress and flow) and the TUN egress's inner source addresses (keyed by address,
//! so a reply the kernel hands back finds its ingress and session). It is bounded in total and
//! per ingress; an ingress over its share loses its own least recently used entry, a full
//! table loses the least recently used entry of the ingress holding most, and an entry another
//! ingress used within the idle time is never taken over — one ingress cannot take another's
//! replies.

use std::{
	collections::HashMap,
	hash::Hash,
	net::{IpAddr, SocketAddr},
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
