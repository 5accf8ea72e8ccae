//! QoS orders carried out on this router's host: which orders to accept, the exact traffic
//! control (`tc`, `htb`) that applies them on the egress interface, reconciliation with what
//! the kernel has, and the answers to sign.
//!
//! Sans-IO: [`Qos::plan`] takes the chain's orders on this router's segment (read through
//! `SettlementApi_orders_of`), the block number and the kernel's current classes and filters
//! (parsed by [`parse_classes`], [`parse_filters`], [`parse_qdisc`] from `tc` output), and
//! returns the `tc` operations to run and the rejections to sign; [`Qos::verify`] takes the
//! kernel's state after the operations and says which pending orders may be confirmed and
//! which failed (to be rejected with [`QosRejectReason::TrafficControlFailed`]). The shell
//! (`shell::tc`) runs `tc`, reads it back and submits the answers.
//!
//! ## Layout on the egress interface
//!
//! ```text
//! qdisc  H:     htb, default H:fffe            (the root; H is `qos.handle`)
//! class  H:1    rate link ceil link            (everything)
//! class  H:fffe rate link − sold ceil link prio 7   best effort
//! class  H:m    rate r ceil link prio 0|1      one per applied order, m = minor(order)
//! filter parent H: protocol all prio 10 handle 800::m u32 match (version) match … flowid H:m
//! ```
//!
//! IPv4 and IPv6 filters share one `u32` instance (`protocol all`, one priority), each with
//! a first key on the IP version nibble: filters of two protocols need two priorities, and the
//! second `u32` instance would get whichever hash table (`800:`, `801:`…) is free when its
//! first filter is added, so its handles would depend on the order orders came in.
//!
//! Every order class is guaranteed its rate and may borrow up to the link's, so a class never
//! holds the packets it matches below what they would get without it: an order naming
//! someone else's traffic can only speed it up. Minors are derived from order ids, so after a
//! restart the kernel's classes say which orders they belong to, and reconciliation needs no
//! state file: a class no order wants is removed, an order without its class gets it, once.

use std::collections::{BTreeMap, BTreeSet};

use ditex_primitives::{
	qos::{
		IpPrefix, QosClass, QosFlow, QosOrder, QosRejectReason, QosStatus, QosVerdict,
		MAX_ORDERS_PER_SEGMENT, PROTO_TCP, PROTO_UDP,
	},
	registry::IpAddress,
	settlement::OrderId,
	Balance, BlockNumber, MILLISECS_PER_BLOCK,
};

/// The best-effort class's minor.
pub const DEFAULT_MINOR: u16 = 0xfffe;
/// The parent class's minor.
pub const PARENT_MINOR: u16 = 1;
/// The first minor an order class may get.
pub const FIRST_ORDER_MINOR: u16 = 0x100;
/// How many minors orders share (a `u32` filter handle's item has 12 bits).
pub const ORDER_MINORS: u16 = 0xe00;
/// The filters' priority.
pub const FILTER_PRIO: u16 = 10;
/// The `u32` hash table the filters live in.
pub const FILTER_TABLE: u16 = 0x800;
/// The best-effort class's `htb` priority.
pub const BEST_EFFORT_PRIO: u8 = 7;
/// How much a rate read back may differ from the rate asked for (`tc` prints rates rounded).
pub const RATE_TOLERANCE_PERMILLE: u64 = 10;
/// Blocks an answer is left to reach the chain before it is sent again.
pub const RESEND_BLOCKS: BlockNumber = 10;
/// The least best-effort rate, so the default class always exists.
pub const MIN_BEST_EFFORT: u64 = 8_000;

/// An order as the chain's runtime API shows it.
pub type Order<AccountId> = QosOrder<AccountId, Balance, BlockNumber>;

/// What the operator sells: the `[qos]` config, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
	/// The egress interface the classes go on.
	pub interface: String,
	/// The `htb` qdisc handle (major).
	pub handle: u16,
	/// The rate the egress is shaped to, bit/s: what all classes share.
	pub link_rate: u64,
	/// Of it, what may be sold to orders, bit/s.
	pub capacity: u64,
	/// The classes sold.
	pub classes: BTreeSet<QosClass>,
	/// The least payment per Mbit/s per hour, in plancks.
	pub price_floor: Balance,
	/// The least prefix length a flow's narrowest network must have (IPv4).
	pub min_prefix: u8,
	/// The same for IPv6 flows.
	pub min_prefix_v6: u8,
}

impl Offer {
	/// The least payment for `rate` bit/s over `duration` blocks: `price_floor` per Mbit/s per
	/// hour, rounded up.
	pub fn price(&self, rate: u64, duration: BlockNumber) -> Balance {
		let per = 1_000_000u128 * 3_600_000;
		let num = self
			.price_floor
			.saturating_mul(rate as u128)
			.saturating_mul(duration as u128)
			.saturating_mul(MILLISECS_PER_BLOCK as u128);
		num.div_ceil(per)
	}

	/// Whether the offer is consistent: capacity within the link, a handle `tc` accepts, at
	/// least one class.
	pub fn check(&self) -> Result<(), String> {
		if self.interface.is_empty()
			|| self.interface.len() > 15
			|| self.interface.contains(char::is_whitespace)
		{
			return Err(format!("qos.interface {:?} is not an interface name", self.interface));
		}
		if self.handle == 0 || self.handle == 0xffff {
			return Err("qos.handle must be 1–0xfffe".into());
		}
		if self.capacity == 0 || self.link_rate < self.capacity.saturating_add(MIN_BEST_EFFORT) {
			return Err(
				"qos.capacity must be more than 0 and leave the link at least 8 kbit/s".into()
			);
		}
		if self.classes.is_empty() {
			return Err("qos.classes must name at least one of priority, realtime".into());
		}
		if self.min_prefix > 32 {
			return Err("qos.min_prefix must be 0–32".into());
		}
		if self.min_prefix_v6 > 128 {
			return Err("qos.min_prefix_v6 must be 0–128".into());
		}
		Ok(())
	}
}

/// The `htb` minor of an order's class, and the item of its filter's handle.
pub fn minor(order: OrderId) -> u16 {
	FIRST_ORDER_MINOR + (order % ORDER_MINORS as u64) as u16
}

/// Whether `minor` is one an order class may have.
pub fn is_order_minor(minor: u16) -> bool {
	(FIRST_ORDER_MINOR..FIRST_ORDER_MINOR + ORDER_MINORS).contains(&minor)
}

/// One `u32` match: the 32-bit word at `off` bytes into the IP header, masked, equals
/// `value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct U32Key {
	/// The offset from the IP header (first: keys sort by offset).
	pub off: u16,
	/// The value (already masked).
	pub value: u32,
	/// The mask.
	pub mask: u32,
}

/// The key on the IP version nibble that starts every filter's matches (see the module docs).
pub fn version_key(v4: bool) -> U32Key {
	U32Key { off: 0, value: if v4 { 0x4000_0000 } else { 0x6000_0000 }, mask: 0xf000_0000 }
}

/// The keys of a prefix whose address starts at `off`: one per 32-bit word it covers, the
/// last one masked to the prefix's length.
fn prefix_keys(bytes: &[u8], len: u8, off: u16, keys: &mut Vec<U32Key>) {
	let mut left = u32::from(len);
	for (i, word) in bytes.chunks_exact(4).enumerate() {
		if left == 0 {
			break;
		}
		let bits = left.min(32);
		let mask = u32::MAX << (32 - bits);
		let w = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
		keys.push(U32Key { value: w & mask, mask, off: off + 4 * i as u16 });
		left -= bits;
	}
}

/// The `u32` matches of a flow, sorted: the version nibble, then the prefixes, protocol and
/// ports (ports assume no IPv4 options or IPv6 extension headers, as `tc`'s own `match ip
/// dport` and `match ip6 dport` do). `None` for a flow that mixes address families.
pub fn flow_keys(flow: &QosFlow) -> Option<Vec<U32Key>> {
	let v4 = flow.is_v4();
	// IPv4: source at 12, destination at 16, protocol in the word at 8, ports at 20.
	// IPv6: source at 8, destination at 24, next header in the word at 4, ports at 40.
	let (src_off, dst_off, ports_off) = if v4 { (12, 16, 20) } else { (8, 24, 40) };
	let mut keys = vec![version_key(v4)];
	for (prefix, off) in [(flow.src, src_off), (flow.dst, dst_off)] {
		let Some(p) = prefix else { continue };
		match (&p.addr, v4) {
			(IpAddress::V4(a), true) => prefix_keys(a, p.len, off, &mut keys),
			(IpAddress::V6(a), false) => prefix_keys(a, p.len, off, &mut keys),
			_ => return None,
		}
	}
	if let Some(proto) = flow.protocol {
		keys.push(if v4 {
			U32Key { value: (proto as u32) << 16, mask: 0x00ff_0000, off: 8 }
		} else {
			U32Key { value: (proto as u32) << 8, mask: 0x0000_ff00, off: 4 }
		});
	}
	if let Some(port) = flow.src_port {
		keys.push(U32Key { value: (port as u32) << 16, mask: 0xffff_0000, off: ports_off });
	}
	if let Some(port) = flow.dst_port {
		keys.push(U32Key { value: port as u32, mask: 0x0000_ffff, off: ports_off });
	}
	keys.sort();
	Some(keys)
}

/// A flow as the operator reads it: `udp 10.0.0.0/24 port 4000 → 10.9.0.2/32 port 5001`.
pub fn flow_text(flow: &QosFlow) -> String {
	let proto = match flow.protocol {
		Some(PROTO_TCP) => "tcp".to_string(),
		Some(PROTO_UDP) => "udp".to_string(),
		Some(p) => format!("proto {p}"),
		None => "ip".to_string(),
	};
	let end = |prefix: Option<IpPrefix>, port: Option<u16>| {
		let net = match prefix {
			Some(IpPrefix { addr: IpAddress::V4(a), len }) => {
				format!("{}/{len}", std::net::Ipv4Addr::from(a))
			},
			Some(IpPrefix { addr: IpAddress::V6(a), len }) => {
				format!("{}/{len}", std::net::Ipv6Addr::from(a))
			},
			None => "any".to_string(),
		};
		match port {
			Some(p) if has_ports(flow) => format!("{net} port {p}"),
			_ => net,
		}
	};
	format!("{proto} {} → {}", end(flow.src, flow.src_port), end(flow.dst, flow.dst_port))
}

/// An order class as it should be in the kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassSpec {
	/// The order.
	pub order: OrderId,
	/// Its class's minor (and filter item).
	pub minor: u16,
	/// The guaranteed rate, bit/s.
	pub rate: u64,
	/// The ceiling: the link's rate.
	pub ceil: u64,
	/// The `htb` priority.
	pub prio: u8,
	/// The filter's matches.
	pub keys: Vec<U32Key>,
}

/// A class as the kernel shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelClass {
	/// Its minor.
	pub minor: u16,
	/// Its parent's minor; `None` at the root.
	pub parent: Option<u16>,
	/// `htb` priority (0 when not shown).
	pub prio: u8,
	/// Rate, bit/s (as `tc` prints it, rounded).
	pub rate: u64,
	/// Ceiling, bit/s.
	pub ceil: u64,
}

/// A `u32` filter as the kernel shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelFilter {
	/// The item of its handle (`800::item`).
	pub item: u16,
	/// The class it sends to (minor).
	pub flowid: Option<u16>,
	/// Its matches, sorted.
	pub keys: Vec<U32Key>,
}

/// What the kernel has on the egress interface, under our handle.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KernelState {
	/// The root qdisc is our `htb` with the best-effort default.
	pub root: bool,
	/// Our classes by minor.
	pub classes: BTreeMap<u16, KernelClass>,
	/// Our filters by item.
	pub filters: BTreeMap<u16, KernelFilter>,
}

/// One `tc` change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TcOp {
	/// Make the root `htb`, its parent class and the best-effort class (replacing what was the
	/// interface's root qdisc).
	Root {
		/// The link's rate.
		link_rate: u64,
		/// The best-effort class's rate.
		best_effort: u64,
	},
	/// Set the best-effort class's rate.
	BestEffort {
		/// Its rate.
		rate: u64,
		/// The link's rate.
		ceil: u64,
	},
	/// Drop filter `800::item`.
	DelFilter {
		/// The item.
		item: u16,
	},
	/// Drop class `H:minor`.
	DelClass {
		/// The minor.
		minor: u16,
	},
	/// Add (or replace) an order's class and then its filter.
	Add(ClassSpec),
}

impl TcOp {
	/// The arguments of the `tc` command(s) for `dev` under `handle`.
	pub fn args(&self, dev: &str, handle: u16) -> Vec<Vec<String>> {
		let h = format!("{handle:x}");
		let cls = |m: u16| format!("{h}:{m:x}");
		let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
		// An htb class under the parent: each order's, and the best-effort class unmatched
		// traffic takes (set up with the root and resized as orders come and go).
		let class = |minor: u16, rate: u64, ceil: u64, prio: u8| {
			s(&[
				"class",
				"replace",
				"dev",
				dev,
				"parent",
				&cls(PARENT_MINOR),
				"classid",
				&cls(minor),
				"htb",
				"rate",
				&bits(rate),
				"ceil",
				&bits(ceil),
				"prio",
				&prio.to_string(),
			])
		};
		let best_effort_class = |rate, ceil| class(DEFAULT_MINOR, rate, ceil, BEST_EFFORT_PRIO);
		match self {
			TcOp::Root { link_rate, best_effort } => vec![
				s(&[
					"qdisc",
					"replace",
					"dev",
					dev,
					"root",
					"handle",
					&format!("{h}:"),
					"htb",
					"default",
					&format!("{DEFAULT_MINOR:x}"),
				]),
				s(&[
					"class",
					"replace",
					"dev",
					dev,
					"parent",
					&format!("{h}:"),
					"classid",
					&cls(PARENT_MINOR),
					"htb",
					"rate",
					&bits(*link_rate),
					"ceil",
					&bits(*link_rate),
				]),
				best_effort_class(*best_effort, *link_rate),
			],
			TcOp::BestEffort { rate, ceil } => vec![best_effort_class(*rate, *ceil)],
			// No protocol: it deletes the filter whatever protocol it was added with (agents
			// before IPv6 flows added theirs as `protocol ip`).
			TcOp::DelFilter { item } => vec![s(&[
				"filter",
				"del",
				"dev",
				dev,
				"parent",
				&format!("{h}:"),
				"prio",
				&FILTER_PRIO.to_string(),
				"handle",
				&format!("{FILTER_TABLE:x}::{item:x}"),
				"u32",
			])],
			TcOp::DelClass { minor } => {
				vec![s(&["class", "del", "dev", dev, "classid", &cls(*minor)])]
			},
			TcOp::Add(spec) => {
				let mut filter = s(&[
					"filter",
					"replace",
					"dev",
					dev,
					"parent",
					&format!("{h}:"),
					"protocol",
					"all",
					"prio",
					&FILTER_PRIO.to_string(),
					"handle",
					&format!("{FILTER_TABLE:x}::{:x}", spec.minor),
					"u32",
				]);
				for k in &spec.keys {
					filter.extend(s(&[
						"match",
						"u32",
						&format!("0x{:08x}", k.value),
						&format!("0x{:08x}", k.mask),
						"at",
						&k.off.to_string(),
					]));
				}
				filter.extend(s(&["flowid", &cls(spec.minor)]));
				vec![class(spec.minor, spec.rate, spec.ceil, spec.prio), filter]
			},
		}
	}
}

fn bits(rate: u64) -> String {
	format!("{rate}bit")
}

/// What to do after a poll.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
	/// `tc` changes, in order.
	pub ops: Vec<TcOp>,
	/// Pending orders to reject now, and why.
	pub reject: Vec<(OrderId, QosRejectReason)>,
	/// Pending orders accepted: confirm each once [`Qos::verify`] finds its class.
	pub confirm: Vec<ClassSpec>,
	/// Active (paid) orders whose class is (re)applied.
	pub active: Vec<ClassSpec>,
	/// The node listed this many orders for the segment, more than the chain holds
	/// ([`MAX_ORDERS_PER_SEGMENT`]): nothing of the listing was planned, and the poll counts as
	/// failed.
	pub refused_listing: Option<usize>,
}

/// What [`Qos::verify`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verified {
	/// Pending orders whose class reads back as applied: confirm them.
	pub confirm: Vec<OrderId>,
	/// Pending orders whose class does not: reject them, after removing what was added.
	pub failed: Vec<(OrderId, String)>,
	/// Active orders whose class does not read back (paid: logged and counted).
	pub active_failed: Vec<(OrderId, String)>,
	/// What to remove of the failed orders' classes.
	pub cleanup: Vec<TcOp>,
}

/// Counters for the dashboard and logs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QosStats {
	/// Orders confirmed (each once, however often its confirmation is sent).
	pub confirmed: u64,
	/// Orders rejected, by reason name (each once).
	pub rejected: BTreeMap<&'static str, u64>,
	/// Classes removed and read back as gone (ended orders, leftovers).
	pub removed: u64,
	/// Classes that did not read back as applied.
	pub tc_failures: u64,
	/// Polls that failed: the node unreachable or answering badly, or `tc` unreadable (the
	/// shell counts these).
	pub poll_failures: u64,
}

/// Where an order stands on this router, as the dashboard shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderState {
	/// Accepted: its class is applied and reads back; the confirmation is on its way.
	Applied,
	/// The chain shows it confirmed and paid.
	Confirmed,
	/// Turned down, and why: the consumer is refunded.
	Rejected(QosRejectReason),
	/// It ended (or the chain dropped it) and its class is gone from the kernel.
	Removed,
}

impl OrderState {
	/// The state's name in the status and metrics.
	pub fn name(&self) -> &'static str {
		match self {
			OrderState::Applied => "applied",
			OrderState::Confirmed => "confirmed",
			OrderState::Rejected(_) => "rejected",
			OrderState::Removed => "removed",
		}
	}

	fn holds_class(&self) -> bool {
		matches!(self, OrderState::Applied | OrderState::Confirmed)
	}
}

/// An order this router answered or carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRecord {
	/// The order.
	pub id: OrderId,
	/// Its class.
	pub class: QosClass,
	/// Its rate, bit/s.
	pub rate: u64,
	/// The packets it is for.
	pub flow: QosFlow,
	/// Where it stands.
	pub state: OrderState,
	/// The last block its treatment applies, once the chain shows it active.
	pub ends_at: Option<BlockNumber>,
	/// The block of its latest change of state.
	pub changed_at: BlockNumber,
}

/// What a record keeps of an order.
#[derive(Clone, Debug)]
struct OrderInfo {
	class: QosClass,
	rate: u64,
	flow: QosFlow,
	ends_at: Option<BlockNumber>,
}

impl OrderInfo {
	fn of<A>(o: &Order<A>) -> OrderInfo {
		let ends_at = match o.status {
			QosStatus::Active { until } => Some(until),
			QosStatus::Pending => None,
		};
		OrderInfo { class: o.class, rate: o.rate, flow: o.flow.clone(), ends_at }
	}
}

/// Orders the chain no longer lists (rejected, removed) kept for the dashboard, the latest.
pub const MAX_ENDED_RECORDS: usize = 32;
/// Orders tracked at most: the runtime lets a segment have 64 pending or active; a node that
/// lists more is still answered, but the excess is not shown.
pub const MAX_RECORDS: usize = 128 + MAX_ENDED_RECORDS;

/// The QoS state machine of one segment router.
#[derive(Debug)]
pub struct Qos {
	offer: Offer,
	/// Answers sent and not yet seen on the chain, with the block they were sent at.
	sent: BTreeMap<OrderId, (QosVerdict, BlockNumber)>,
	/// The orders answered or carried, for the dashboard.
	orders: BTreeMap<OrderId, OrderRecord>,
	/// The orders whose classes the latest plan keeps or adds.
	wanted: BTreeSet<OrderId>,
	/// What those take of the capacity, bit/s.
	sold: u64,
	/// The orders the latest plan accepted, for [`Qos::verify`] to record.
	accepted: BTreeMap<OrderId, OrderInfo>,
	/// Counters.
	pub stats: QosStats,
}

impl Qos {
	/// A state machine selling `offer`.
	pub fn new(offer: Offer) -> Self {
		Qos {
			offer,
			sent: BTreeMap::new(),
			orders: BTreeMap::new(),
			wanted: BTreeSet::new(),
			sold: 0,
			accepted: BTreeMap::new(),
			stats: QosStats::default(),
		}
	}

	/// The orders answered or carried, by id.
	pub fn orders(&self) -> impl Iterator<Item = &OrderRecord> {
		self.orders.values()
	}

	/// The rate sold to the orders whose classes are kept, bit/s.
	pub fn sold(&self) -> u64 {
		self.sold
	}

	/// Note that order `id` is now in `state` at block `now`, counting each confirmation and
	/// rejection once.
	fn record(&mut self, now: BlockNumber, id: OrderId, o: &OrderInfo, state: OrderState) {
		let prev = self.orders.get(&id).map(|r| r.state);
		if prev == Some(state) {
			return;
		}
		match state {
			OrderState::Applied if !prev.is_some_and(|p| p.holds_class()) => {
				self.stats.confirmed += 1
			},
			OrderState::Rejected(reason) => {
				*self.stats.rejected.entry(reason.name()).or_default() += 1
			},
			_ => {},
		}
		if prev.is_none() && self.orders.len() >= MAX_RECORDS {
			// Make room by forgetting the oldest ended order; with none, this one goes unshown.
			let oldest = self
				.orders
				.values()
				.filter(|r| !r.state.holds_class())
				.min_by_key(|r| (r.changed_at, r.id))
				.map(|r| r.id);
			match oldest {
				Some(old) => {
					self.orders.remove(&old);
				},
				None => return,
			}
		}
		self.orders.insert(
			id,
			OrderRecord {
				id,
				class: o.class,
				rate: o.rate,
				flow: o.flow.clone(),
				state,
				ends_at: o.ends_at,
				changed_at: now,
			},
		);
	}

	/// Orders holding a class that no plan wants any more are removed once the kernel has no
	/// class of theirs (or their minor went to another order); of the orders the chain no
	/// longer lists, only the latest [`MAX_ENDED_RECORDS`] are kept.
	fn sweep(&mut self, now: BlockNumber, kernel: &KernelState, live: &BTreeSet<OrderId>) {
		let wanted_minors: BTreeMap<u16, OrderId> =
			self.wanted.iter().map(|id| (minor(*id), *id)).collect();
		for r in self.orders.values_mut() {
			if !r.state.holds_class() || self.wanted.contains(&r.id) {
				continue;
			}
			let m = minor(r.id);
			let gone = !(kernel.root && kernel.classes.contains_key(&m))
				|| wanted_minors.get(&m).is_some_and(|other| *other != r.id);
			if gone {
				r.state = OrderState::Removed;
				r.changed_at = now;
			}
		}
		let mut ended: Vec<(BlockNumber, OrderId)> = self
			.orders
			.values()
			.filter(|r| !r.state.holds_class() && !live.contains(&r.id))
			.map(|r| (r.changed_at, r.id))
			.collect();
		if ended.len() > MAX_ENDED_RECORDS {
			ended.sort_unstable();
			for (_, id) in &ended[..ended.len() - MAX_ENDED_RECORDS] {
				self.orders.remove(id);
			}
		}
	}

	/// The offer.
	pub fn offer(&self) -> &Offer {
		&self.offer
	}

	/// The spec of an order's class.
	fn spec(&self, id: OrderId, class: QosClass, rate: u64, keys: Vec<U32Key>) -> ClassSpec {
		ClassSpec {
			order: id,
			minor: minor(id),
			rate,
			ceil: self.offer.link_rate,
			prio: class.htb_prio(),
			keys,
		}
	}

	/// Why a pending order cannot be accepted beside `sold` bit/s, or its class spec.
	fn decide<A>(
		&self,
		id: OrderId,
		o: &Order<A>,
		sold: u64,
		taken: &BTreeSet<u16>,
	) -> Result<ClassSpec, QosRejectReason> {
		if !self.offer.classes.contains(&o.class) {
			return Err(QosRejectReason::ClassNotOffered);
		}
		let min_prefix =
			if o.flow.is_v4() { self.offer.min_prefix } else { self.offer.min_prefix_v6 };
		let keys = match (o.flow.check(), flow_keys(&o.flow)) {
			// The version key alone would match every packet of the family.
			(Ok(()), Some(keys)) if keys.len() > 1 && o.flow.narrowest() >= min_prefix => keys,
			_ => return Err(QosRejectReason::FlowNotAccepted),
		};
		if o.rate == 0 || sold.saturating_add(o.rate) > self.offer.capacity {
			return Err(QosRejectReason::AboveCapacity);
		}
		if o.payment < self.offer.price(o.rate, o.duration) {
			return Err(QosRejectReason::BelowPriceFloor);
		}
		if taken.contains(&minor(id)) {
			// Another live order has this minor (ids 3 584 apart): no room for it now.
			return Err(QosRejectReason::Unavailable);
		}
		Ok(self.spec(id, o.class, o.rate, keys))
	}

	/// Plan a poll: the orders on this router's segment (pending or active, as the chain shows
	/// them at block `now`) against what the kernel has.
	pub fn plan<A>(
		&mut self,
		now: BlockNumber,
		orders: &[(OrderId, Order<A>)],
		kernel: &KernelState,
	) -> Plan {
		let mut plan = Plan::default();
		// The chain holds at most this many for a segment: a longer listing is the node's
		// fault, and acting on any of it could add classes and answers without bound.
		if orders.len() > MAX_ORDERS_PER_SEGMENT as usize {
			self.stats.poll_failures += 1;
			plan.refused_listing = Some(orders.len());
			return plan;
		}
		let live: BTreeSet<OrderId> = orders.iter().map(|(id, _)| *id).collect();
		let pending: BTreeSet<OrderId> = orders
			.iter()
			.filter(|(_, o)| o.status == QosStatus::Pending)
			.map(|(id, _)| *id)
			.collect();
		// Answers the chain has taken (the order is gone or active) are no longer pending.
		self.sent.retain(|id, _| pending.contains(id));
		let mut wanted: BTreeMap<u16, ClassSpec> = BTreeMap::new();
		let mut sold = 0u64;
		let mut sorted: Vec<&(OrderId, Order<A>)> = orders.iter().collect();
		sorted.sort_by_key(|(id, _)| *id);
		// Paid orders first: they keep their classes.
		self.accepted.clear();
		for (id, o) in &sorted {
			let QosStatus::Active { until } = o.status else { continue };
			if until < now {
				continue;
			}
			self.record(now, *id, &OrderInfo::of(o), OrderState::Confirmed);
			let Some(keys) = flow_keys(&o.flow) else { continue };
			let spec = self.spec(*id, o.class, o.rate, keys);
			if wanted.contains_key(&spec.minor) {
				continue;
			}
			sold = sold.saturating_add(o.rate);
			plan.active.push(spec.clone());
			wanted.insert(spec.minor, spec);
		}
		for (id, o) in &sorted {
			if o.status != QosStatus::Pending || o.deadline < now {
				continue;
			}
			match self.sent.get(id) {
				// Rejected and not yet seen: leave it; after a while, send it again.
				Some((QosVerdict::Reject(reason), at)) => {
					if now >= at.saturating_add(RESEND_BLOCKS) {
						plan.reject.push((*id, *reason));
					}
					continue;
				},
				Some((QosVerdict::Confirm, at)) => {
					// Confirmed and not yet seen: keep its class; confirm again after a while.
					if let Some(keys) = flow_keys(&o.flow) {
						let spec = self.spec(*id, o.class, o.rate, keys);
						sold = sold.saturating_add(o.rate);
						if now >= at.saturating_add(RESEND_BLOCKS) {
							self.accepted.insert(*id, OrderInfo::of(o));
							plan.confirm.push(spec.clone());
						}
						wanted.insert(spec.minor, spec);
					}
					continue;
				},
				None => {},
			}
			let taken: BTreeSet<u16> = wanted.keys().copied().collect();
			match self.decide(*id, o, sold, &taken) {
				Ok(spec) => {
					sold = sold.saturating_add(spec.rate);
					self.accepted.insert(*id, OrderInfo::of(o));
					plan.confirm.push(spec.clone());
					wanted.insert(spec.minor, spec);
				},
				Err(reason) => {
					self.record(now, *id, &OrderInfo::of(o), OrderState::Rejected(reason));
					plan.reject.push((*id, reason));
				},
			}
		}

		// Reconcile: the root, then removals, the best-effort rate, additions.
		let best_effort = self.offer.link_rate.saturating_sub(sold).max(MIN_BEST_EFFORT);
		let root_ok = kernel.root
			&& kernel
				.classes
				.get(&PARENT_MINOR)
				.is_some_and(|c| close(c.rate, self.offer.link_rate))
			&& kernel.classes.contains_key(&DEFAULT_MINOR);
		if !root_ok {
			// A new root drops every class and filter under the old one.
			plan.ops.push(TcOp::Root { link_rate: self.offer.link_rate, best_effort });
		} else {
			for item in kernel.filters.keys() {
				let keep =
					wanted.get(item).is_some_and(|w| filter_matches(&kernel.filters[item], w));
				if !keep {
					plan.ops.push(TcOp::DelFilter { item: *item });
				}
			}
			for minor in kernel.classes.keys() {
				if !is_order_minor(*minor) {
					continue;
				}
				// A wanted class that differs is changed in place by its `Add`.
				if !wanted.contains_key(minor) {
					plan.ops.push(TcOp::DelClass { minor: *minor });
				}
			}
			let be_ok =
				kernel.classes.get(&DEFAULT_MINOR).is_some_and(|c| close(c.rate, best_effort));
			if !be_ok {
				plan.ops.push(TcOp::BestEffort { rate: best_effort, ceil: self.offer.link_rate });
			}
		}
		for (minor, spec) in &wanted {
			let present = root_ok
				&& kernel.classes.get(minor).is_some_and(|c| class_matches(c, spec))
				&& kernel.filters.get(minor).is_some_and(|f| filter_matches(f, spec));
			if !present {
				plan.ops.push(TcOp::Add(spec.clone()));
			}
		}
		// When the root is new, the best-effort rate is right from the start.
		for (id, reason) in &plan.reject {
			self.sent.insert(*id, (QosVerdict::Reject(*reason), now));
		}
		self.wanted = wanted.values().map(|spec| spec.order).collect();
		self.sold = sold;
		self.sweep(now, kernel, &live);
		plan
	}

	/// After the plan's operations ran, the kernel reads `kernel`: which accepted orders to
	/// confirm and which failed. Marks confirmations and the failures' rejections as sent at
	/// `now`.
	pub fn verify(&mut self, now: BlockNumber, plan: &Plan, kernel: &KernelState) -> Verified {
		let mut out = Verified::default();
		let handle = self.offer.handle;
		let check = |spec: &ClassSpec| -> Result<(), String> {
			if !kernel.root {
				return Err("the root qdisc is not ours".into());
			}
			match kernel.classes.get(&spec.minor) {
				None => return Err(format!("class {handle:x}:{:x} is missing", spec.minor)),
				Some(c) if !class_matches(c, spec) => {
					return Err(format!("class {handle:x}:{:x} reads back as {c:?}", spec.minor))
				},
				Some(_) => {},
			}
			match kernel.filters.get(&spec.minor) {
				None => Err(format!("filter 800::{:x} is missing", spec.minor)),
				Some(f) if !filter_matches(f, spec) => {
					Err(format!("filter 800::{:x} reads back as {f:?}", spec.minor))
				},
				Some(_) => Ok(()),
			}
		};
		for spec in &plan.confirm {
			match check(spec) {
				Ok(()) => {
					self.sent.insert(spec.order, (QosVerdict::Confirm, now));
					if let Some(info) = self.accepted.get(&spec.order).cloned() {
						self.record(now, spec.order, &info, OrderState::Applied);
					}
					out.confirm.push(spec.order);
				},
				Err(why) => {
					self.stats.tc_failures += 1;
					let reason = QosRejectReason::TrafficControlFailed;
					self.sent.insert(spec.order, (QosVerdict::Reject(reason), now));
					self.wanted.remove(&spec.order);
					self.sold = self.sold.saturating_sub(spec.rate);
					if let Some(info) = self.accepted.get(&spec.order).cloned() {
						self.record(now, spec.order, &info, OrderState::Rejected(reason));
					}
					if kernel.filters.contains_key(&spec.minor) {
						out.cleanup.push(TcOp::DelFilter { item: spec.minor });
					}
					if kernel.classes.contains_key(&spec.minor) {
						out.cleanup.push(TcOp::DelClass { minor: spec.minor });
					}
					out.failed.push((spec.order, why));
				},
			}
		}
		for spec in &plan.active {
			if let Err(why) = check(spec) {
				self.stats.tc_failures += 1;
				out.active_failed.push((spec.order, why));
			}
		}
		for op in &plan.ops {
			if let TcOp::DelClass { minor } = op {
				if !kernel.classes.contains_key(minor) {
					self.stats.removed += 1;
				}
			}
		}
		// Orders are live here if the plan had them: nothing is forgotten before the next plan.
		let live: BTreeSet<OrderId> = self.orders.keys().copied().collect();
		self.sweep(now, kernel, &live);
		out
	}

	/// An answer could not be submitted: try it again at the next poll.
	pub fn unsent(&mut self, order: OrderId) {
		self.sent.remove(&order);
	}
}

/// Whether `read` is `want` within [`RATE_TOLERANCE_PERMILLE`] (and 1 kbit/s).
pub fn close(read: u64, want: u64) -> bool {
	read.abs_diff(want) <= want / 1_000 * RATE_TOLERANCE_PERMILLE + 1_000
}

fn class_matches(c: &KernelClass, w: &ClassSpec) -> bool {
	c.parent == Some(PARENT_MINOR)
		&& c.prio == w.prio
		&& close(c.rate, w.rate)
		&& close(c.ceil, w.ceil)
}

fn filter_matches(f: &KernelFilter, w: &ClassSpec) -> bool {
	f.flowid == Some(w.minor) && f.keys == w.keys
}

/// Parse a `tc` class handle `maj:min` (hex), returning (major, minor).
fn handle(s: &str) -> Option<(u16, u16)> {
	let (maj, min) = s.split_once(':')?;
	let maj = u16::from_str_radix(maj, 16).ok()?;
	let min = if min.is_empty() { 0 } else { u16::from_str_radix(min, 16).ok()? };
	Some((maj, min))
}

/// Parse a rate as `tc` prints it (`8Mbit`, `1234Kbit`, `500bit`, `1.5Gbit`, IEC `Kibit`…),
/// in bit/s.
pub fn parse_rate(s: &str) -> Option<u64> {
	let s = s.trim();
	let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
	let (num, unit) = s.split_at(split);
	let num: f64 = num.parse().ok()?;
	let mult: f64 = match unit {
		"bit" | "bps" => 1.0,
		"Kbit" | "kbit" => 1e3,
		"Mbit" | "mbit" => 1e6,
		"Gbit" | "gbit" => 1e9,
		"Tbit" | "tbit" => 1e12,
		"Kibit" => 1024.0,
		"Mibit" => 1024.0 * 1024.0,
		"Gibit" => 1024.0 * 1024.0 * 1024.0,
		_ => return None,
	};
	let v = num * mult;
	(0.0..1.8e19).contains(&v).then_some(v as u64)
}

/// The classes under `handle` in `tc class show dev X` output (text: iproute2 6.1 prints
/// classes as text even with `-j`). Lines of other qdiscs are skipped; a line of ours that
/// does not parse is an error.
pub fn parse_classes(out: &str, handle_major: u16) -> Result<BTreeMap<u16, KernelClass>, String> {
	let mut classes = BTreeMap::new();
	for line in out.lines() {
		let words: Vec<&str> = line.split_whitespace().collect();
		if words.len() < 3 || words[0] != "class" {
			continue;
		}
		let Some((maj, min)) = handle(words[2]) else { continue };
		if maj != handle_major || words[1] != "htb" {
			continue;
		}
		let field =
			|name: &str| words.iter().position(|w| *w == name).and_then(|i| words.get(i + 1));
		let parent = match field("parent") {
			Some(p) => Some(handle(p).ok_or_else(|| format!("bad parent in {line:?}"))?.1),
			None => None,
		};
		let rate = field("rate")
			.and_then(|r| parse_rate(r))
			.ok_or_else(|| format!("no rate in {line:?}"))?;
		let ceil = field("ceil")
			.and_then(|r| parse_rate(r))
			.ok_or_else(|| format!("no ceil in {line:?}"))?;
		let prio = match field("prio") {
			Some(p) => p.parse().map_err(|_| format!("bad prio in {line:?}"))?,
			None => 0,
		};
		classes.insert(min, KernelClass { minor: min, parent, prio, rate, ceil });
	}
	Ok(classes)
}

/// The `u32` filters in `tc filter show dev X parent H:` output whose handle is in
/// [`FILTER_TABLE`] with an item, with their `match` lines.
pub fn parse_filters(out: &str, handle_major: u16) -> Result<BTreeMap<u16, KernelFilter>, String> {
	let mut filters: BTreeMap<u16, KernelFilter> = BTreeMap::new();
	let mut current: Option<u16> = None;
	for line in out.lines() {
		let words: Vec<&str> = line.split_whitespace().collect();
		if words.first() == Some(&"filter") {
			current = None;
			let fh = words.iter().position(|w| *w == "fh").and_then(|i| words.get(i + 1));
			let Some(fh) = fh else { continue };
			let mut parts = fh.split(':');
			let (Some(table), Some(_bucket), Some(item)) =
				(parts.next(), parts.next(), parts.next())
			else {
				continue;
			};
			if u16::from_str_radix(table, 16).ok() != Some(FILTER_TABLE) || item.is_empty() {
				continue;
			}
			let item =
				u16::from_str_radix(item, 16).map_err(|_| format!("bad handle in {line:?}"))?;
			let flowid = words
				.iter()
				.position(|w| *w == "flowid" || *w == "*flowid")
				.and_then(|i| words.get(i + 1))
				.and_then(|f| handle(f))
				.filter(|(maj, _)| *maj == handle_major)
				.map(|(_, min)| min);
			filters.insert(item, KernelFilter { item, flowid, keys: Vec::new() });
			current = Some(item);
		} else if words.first() == Some(&"match") {
			let Some(item) = current else { continue };
			// `match 0a000000/ffffff00 at 16`
			let (Some(vm), Some(&"at"), Some(off)) = (words.get(1), words.get(2), words.get(3))
			else {
				return Err(format!("bad match line {line:?}"));
			};
			let (v, m) = vm.split_once('/').ok_or_else(|| format!("bad match {line:?}"))?;
			let key = U32Key {
				value: u32::from_str_radix(v, 16).map_err(|_| format!("bad match {line:?}"))?,
				mask: u32::from_str_radix(m, 16).map_err(|_| format!("bad match {line:?}"))?,
				off: off.parse().map_err(|_| format!("bad offset {line:?}"))?,
			};
			if let Some(f) = filters.get_mut(&item) {
				f.keys.push(key);
				f.keys.sort();
			}
		}
	}
	Ok(filters)
}

/// Whether `tc qdisc show dev X` shows our `htb` as the root with the best-effort default.
pub fn parse_qdisc(out: &str, handle_major: u16) -> bool {
	out.lines().any(|line| {
		let words: Vec<&str> = line.split_whitespace().collect();
		words.len() > 3
			&& words[0] == "qdisc"
			&& words[1] == "htb"
			&& handle(words[2]).is_some_and(|(maj, min)| maj == handle_major && min == 0)
			&& words.contains(&"root")
			&& words
				.iter()
				.position(|w| *w == "default")
				.and_then(|i| words.get(i + 1))
				.and_then(|d| u16::from_str_radix(d.trim_start_matches("0x"), 16).ok())
				== Some(DEFAULT_MINOR)
	})
}

/// Whether a flow's protocol has ports (for display).
pub fn has_ports(flow: &QosFlow) -> bool {
	matches!(flow.protocol, Some(PROTO_TCP) | Some(PROTO_UDP))
}

#[cfg(test)]
mod tests;
