//! The QoS core against a simulated kernel: decisions, exact `tc` changes, read-back,
//! reconciliation on restart and removal at the order's end. No sockets, no `tc`.

use super::*;
use ditex_primitives::qos::IpPrefix;

const H: u16 = 0xd1;
const MBIT: u64 = 1_000_000;

fn offer() -> Offer {
	Offer {
		interface: "eth1".into(),
		handle: H,
		link_rate: 10 * MBIT,
		capacity: 6 * MBIT,
		classes: [QosClass::Priority].into_iter().collect(),
		price_floor: 1_000_000,
		min_prefix: 24,
		min_prefix_v6: 64,
	}
}

fn flow(port: u16) -> QosFlow {
	QosFlow {
		src: None,
		dst: Some(IpPrefix { addr: IpAddress::V4([10, 9, 0, 2]), len: 32 }),
		protocol: Some(PROTO_UDP),
		src_port: None,
		dst_port: Some(port),
	}
}

/// A pending order of `rate` paying plenty, answerable until block 100.
fn order(rate: u64) -> Order<u64> {
	Order {
		consumer: 1,
		segment: 7,
		provider: 2,
		class: QosClass::Priority,
		rate,
		flow: flow(5001),
		payment: 1 << 60,
		duration: 50,
		deadline: 100,
		expire_at: 101,
		status: QosStatus::Pending,
	}
}

/// The kernel as `tc` would leave it after `ops`, failing the `Add` of any order in `broken`.
fn apply(kernel: &mut KernelState, ops: &[TcOp], broken: &[OrderId]) {
	for op in ops {
		match op {
			TcOp::Root { link_rate, best_effort } => {
				kernel.root = true;
				kernel.classes.clear();
				kernel.filters.clear();
				kernel.classes.insert(
					PARENT_MINOR,
					KernelClass {
						minor: PARENT_MINOR,
						parent: None,
						prio: 0,
						rate: *link_rate,
						ceil: *link_rate,
					},
				);
				kernel.classes.insert(
					DEFAULT_MINOR,
					KernelClass {
						minor: DEFAULT_MINOR,
						parent: Some(PARENT_MINOR),
						prio: 7,
						rate: *best_effort,
						ceil: *link_rate,
					},
				);
			},
			TcOp::BestEffort { rate, .. } => {
				kernel.classes.get_mut(&DEFAULT_MINOR).unwrap().rate = *rate
			},
			TcOp::DelFilter { item } => {
				assert!(kernel.filters.remove(item).is_some(), "no filter {item:x}")
			},
			TcOp::DelClass { minor } => {
				assert!(
					!kernel.filters.values().any(|f| f.flowid == Some(*minor)),
					"class {minor:x} is busy"
				);
				assert!(kernel.classes.remove(minor).is_some(), "no class {minor:x}");
			},
			TcOp::Add(spec) => {
				if broken.contains(&spec.order) {
					continue;
				}
				// `tc` prints rates rounded down to a thousandth.
				let printed = |r: u64| r / 1_000 * 1_000;
				kernel.classes.insert(
					spec.minor,
					KernelClass {
						minor: spec.minor,
						parent: Some(PARENT_MINOR),
						prio: spec.prio,
						rate: printed(spec.rate),
						ceil: printed(spec.ceil),
					},
				);
				kernel.filters.insert(
					spec.minor,
					KernelFilter {
						item: spec.minor,
						flowid: Some(spec.minor),
						keys: spec.keys.clone(),
					},
				);
			},
		}
	}
}

#[test]
fn an_order_that_fits_is_applied_read_back_and_confirmed_once() {
	let mut q = Qos::new(offer());
	let mut kernel = KernelState::default();
	let orders = vec![(3, order(2 * MBIT))];
	let plan = q.plan(10, &orders, &kernel);
	assert!(plan.reject.is_empty());
	let spec = ClassSpec {
		order: 3,
		minor: 0x103,
		rate: 2 * MBIT,
		ceil: 10 * MBIT,
		prio: 1,
		keys: vec![
			version_key(true),
			U32Key { value: 0x0011_0000, mask: 0x00ff_0000, off: 8 },
			U32Key { value: 0x0a09_0002, mask: 0xffff_ffff, off: 16 },
			U32Key { value: 5001, mask: 0xffff, off: 20 },
		],
	};
	assert_eq!(
		plan.ops,
		vec![TcOp::Root { link_rate: 10 * MBIT, best_effort: 8 * MBIT }, TcOp::Add(spec.clone())]
	);
	assert_eq!(plan.confirm, vec![spec]);
	apply(&mut kernel, &plan.ops, &[]);
	let v = q.verify(10, &plan, &kernel);
	assert_eq!(v.confirm, vec![3]);
	assert!(v.failed.is_empty() && v.cleanup.is_empty());
	// The next poll, the chain still shows it pending: nothing is applied or sent again.
	let again = q.plan(11, &orders, &kernel);
	assert_eq!(again, Plan::default());
	// Until the answer is overdue: then the confirmation goes again, the class untouched.
	let late = q.plan(10 + RESEND_BLOCKS, &orders, &kernel);
	assert!(late.ops.is_empty());
	assert_eq!(late.confirm.len(), 1);
	assert_eq!(q.stats.confirmed, 1);
}

fn v6(addr: [u16; 8], len: u8) -> IpPrefix {
	IpPrefix { addr: IpAddress::V6(std::net::Ipv6Addr::from(addr).octets()), len }
}

#[test]
fn orders_are_decided_in_id_order_and_rejected_with_their_reason() {
	let mut q = Qos::new(offer());
	let realtime = Order { class: QosClass::RealTime, ..order(MBIT) };
	let host6 = Order {
		flow: QosFlow { dst: Some(v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 2], 128)), ..flow(1) },
		..order(2 * MBIT)
	};
	// A /48 is wider than the offer's IPv6 minimum of /64.
	let wide6 = Order {
		flow: QosFlow { dst: Some(v6([0x2001, 0xdb8, 1, 0, 0, 0, 0, 0], 48)), ..flow(1) },
		..order(MBIT)
	};
	let wide = Order {
		flow: QosFlow {
			dst: Some(IpPrefix { addr: IpAddress::V4([10, 0, 0, 0]), len: 8 }),
			..flow(1)
		},
		..order(MBIT)
	};
	// Packets are of one family: a flow from an IPv4 network to an IPv6 one matches nothing.
	let mixed = Order {
		flow: QosFlow {
			src: Some(IpPrefix { addr: IpAddress::V4([10, 9, 0, 2]), len: 32 }),
			dst: Some(v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 2], 128)),
			..flow(1)
		},
		..order(MBIT)
	};
	let cheap = Order { payment: 10, ..order(MBIT) };
	let orders = vec![
		(1, order(4 * MBIT)),
		(2, order(3 * MBIT)), // 4 + 3 > 6
		(4, realtime),
		(5, wide6),
		(6, wide),
		(7, cheap),
		(8, host6), // 4 + 2 = 6 fits
		(9, order(MBIT)),
		(10, mixed),
	];
	let plan = q.plan(10, &orders, &KernelState::default());
	assert_eq!(
		plan.reject,
		vec![
			(2, QosRejectReason::AboveCapacity),
			(4, QosRejectReason::ClassNotOffered),
			(5, QosRejectReason::FlowNotAccepted),
			(6, QosRejectReason::FlowNotAccepted),
			(7, QosRejectReason::BelowPriceFloor),
			(9, QosRejectReason::AboveCapacity),
			(10, QosRejectReason::FlowNotAccepted),
		]
	);
	assert_eq!(plan.confirm.iter().map(|s| s.order).collect::<Vec<_>>(), vec![1, 8]);
	assert_eq!(plan.confirm[1].keys[0], version_key(false), "the IPv6 order gets an IPv6 filter");
	assert_eq!(plan.ops[0], TcOp::Root { link_rate: 10 * MBIT, best_effort: 4 * MBIT });
	assert_eq!(q.stats.rejected["above_capacity"], 2);
	assert_eq!(q.stats.rejected["flow_not_accepted"], 3);
	// Rejections are not sent twice while the chain catches up.
	let again = q.plan(11, &orders, &KernelState::default());
	assert!(again.reject.is_empty());
}

/// IPv6 flows match the IPv6 header's words: source at 8, destination at 24, the next
/// header in the word at 4, ports at 40; a prefix covers the words it spans, the last masked.
#[test]
fn ipv6_flows_get_ipv6_keys() {
	let f = QosFlow {
		src: Some(v6([0x2001, 0xdb8, 1, 0, 0, 0, 0, 0], 48)),
		dst: Some(v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 2], 128)),
		protocol: Some(PROTO_TCP),
		src_port: Some(4000),
		dst_port: Some(443),
	};
	assert_eq!(
		flow_keys(&f).unwrap(),
		vec![
			U32Key { off: 0, value: 0x6000_0000, mask: 0xf000_0000 },
			U32Key { off: 4, value: 0x0000_0600, mask: 0x0000_ff00 },
			U32Key { off: 8, value: 0x2001_0db8, mask: 0xffff_ffff },
			U32Key { off: 12, value: 0x0001_0000, mask: 0xffff_0000 },
			U32Key { off: 24, value: 0x2001_0db8, mask: 0xffff_ffff },
			U32Key { off: 28, value: 0, mask: 0xffff_ffff },
			U32Key { off: 32, value: 0, mask: 0xffff_ffff },
			U32Key { off: 36, value: 2, mask: 0xffff_ffff },
			U32Key { off: 40, value: 443, mask: 0x0000_ffff },
			U32Key { off: 40, value: 4000 << 16, mask: 0xffff_0000 },
		]
	);
	// A /60 ends inside its second word.
	let f =
		QosFlow { src: None, dst: Some(v6([0x2001, 0xdb8, 0, 0xfff0, 0, 0, 0, 0], 60)), ..flow(1) };
	let keys = flow_keys(&QosFlow { protocol: None, dst_port: None, ..f }).unwrap();
	assert_eq!(
		keys,
		vec![
			version_key(false),
			U32Key { off: 24, value: 0x2001_0db8, mask: 0xffff_ffff },
			U32Key { off: 28, value: 0x0000_fff0, mask: 0xffff_fff0 },
		]
	);
	// IPv4 flows start with the IPv4 version nibble.
	assert_eq!(flow_keys(&flow(5001)).unwrap()[0], version_key(true));
	assert_eq!(flow_text(&f), "udp any → 2001:db8:0:fff0::/60 port 1", "the dashboard's spelling");
	assert_eq!(flow_text(&flow(5001)), "udp any → 10.9.0.2/32 port 5001");
}

#[test]
fn the_price_floor_is_per_mbit_and_hour() {
	let o = offer();
	// 1 Mbit/s for an hour (600 blocks of 6 s) costs the floor.
	assert_eq!(o.price(MBIT, 600), 1_000_000);
	assert_eq!(o.price(2 * MBIT, 300), 1_000_000);
	// Rounded up.
	assert_eq!(o.price(1, 1), 1);
	let mut q = Qos::new(o);
	let exact = Order { payment: 1_000_000, duration: 600, ..order(MBIT) };
	let short = Order { payment: 999_999, duration: 600, ..order(MBIT) };
	let plan = q.plan(1, &[(1, exact), (2, short)], &KernelState::default());
	assert_eq!(plan.reject, vec![(2, QosRejectReason::BelowPriceFloor)]);
}

/// `tc` fails (or the kernel reads back something else): the order is rejected, and what
/// was added of it is removed.
#[test]
fn a_failed_tc_change_rejects_the_order_and_leaves_nothing() {
	let mut q = Qos::new(offer());
	let mut kernel = KernelState::default();
	let orders = vec![(1, order(MBIT)), (2, order(MBIT))];
	let plan = q.plan(10, &orders, &kernel);
	apply(&mut kernel, &plan.ops, &[2]);
	let v = q.verify(10, &plan, &kernel);
	assert_eq!(v.confirm, vec![1]);
	assert_eq!(v.failed.len(), 1);
	assert_eq!(v.failed[0].0, 2);
	assert!(v.failed[0].1.contains("missing"), "{}", v.failed[0].1);
	assert!(v.cleanup.is_empty(), "nothing of it was added");
	assert_eq!(q.stats.tc_failures, 1);
	assert_eq!(q.stats.rejected["traffic_control_failed"], 1);
	// A class that reads back with another rate: removed, filter first.
	let mut q = Qos::new(offer());
	let mut kernel = KernelState::default();
	let plan = q.plan(10, &orders[..1], &kernel);
	apply(&mut kernel, &plan.ops, &[]);
	kernel.classes.get_mut(&minor(1)).unwrap().rate = 5 * MBIT;
	let v = q.verify(10, &plan, &kernel);
	assert!(v.confirm.is_empty());
	assert_eq!(
		v.cleanup,
		vec![TcOp::DelFilter { item: minor(1) }, TcOp::DelClass { minor: minor(1) }]
	);
	apply(&mut kernel, &v.cleanup, &[]);
	assert!(!kernel.classes.contains_key(&minor(1)));
	// The rejection is in flight: the next poll neither applies nor confirms it.
	let next = q.plan(11, &orders[..1], &kernel);
	assert!(next.confirm.is_empty() && next.reject.is_empty());
	assert!(!next.ops.iter().any(|op| matches!(op, TcOp::Add(_))));
}

/// A restarted agent (no memory) meets a kernel with an active order's class, a class of
/// an order that ended and a class of an order the chain no longer knows: it keeps the first
/// as it is, removes the others, and applies nothing twice.
#[test]
fn a_restart_reconciles_the_kernel_with_the_chain() {
	let mut first = Qos::new(offer());
	let mut kernel = KernelState::default();
	let orders = vec![(1, order(MBIT)), (2, order(MBIT)), (3, order(MBIT))];
	let plan = first.plan(10, &orders, &kernel);
	apply(&mut kernel, &plan.ops, &[]);
	assert_eq!(first.verify(10, &plan, &kernel).confirm, vec![1, 2, 3]);
	assert_eq!(kernel.classes.len(), 5);

	// The chain took the answers: 1 active until 60, 2 active until 20, 3 gone.
	let active = |until| Order { status: QosStatus::Active { until }, ..order(MBIT) };
	let chain = vec![(1, active(60)), (2, active(20))];
	let mut restarted = Qos::new(offer());
	let plan = restarted.plan(30, &chain, &kernel);
	assert!(plan.confirm.is_empty() && plan.reject.is_empty());
	assert_eq!(
		plan.ops,
		vec![
			TcOp::DelFilter { item: minor(2) },
			TcOp::DelFilter { item: minor(3) },
			TcOp::DelClass { minor: minor(2) },
			TcOp::DelClass { minor: minor(3) },
			TcOp::BestEffort { rate: 9 * MBIT, ceil: 10 * MBIT },
		]
	);
	apply(&mut kernel, &plan.ops, &[]);
	assert!(restarted.verify(30, &plan, &kernel).active_failed.is_empty());
	assert_eq!(
		restarted.plan(31, &chain, &kernel),
		Plan { active: plan.active.clone(), ..Plan::default() }
	);
	assert_eq!(restarted.stats.removed, 2);

	// At its end (the chain still lists it until its removal block) the last class goes.
	let plan = restarted.plan(61, &chain, &kernel);
	assert_eq!(
		plan.ops,
		vec![
			TcOp::DelFilter { item: minor(1) },
			TcOp::DelClass { minor: minor(1) },
			TcOp::BestEffort { rate: 10 * MBIT, ceil: 10 * MBIT },
		]
	);
	apply(&mut kernel, &plan.ops, &[]);
	assert_eq!(
		kernel.classes.keys().copied().collect::<Vec<_>>(),
		vec![PARENT_MINOR, DEFAULT_MINOR]
	);
	assert!(kernel.filters.is_empty());
}

/// An active (paid) order whose class vanished (a reboot) gets it back, and is not confirmed
/// again; a root that is not ours is replaced.
#[test]
fn a_lost_class_of_a_paid_order_is_applied_again() {
	let mut q = Qos::new(offer());
	let chain = vec![(4, Order { status: QosStatus::Active { until: 90 }, ..order(MBIT) })];
	let plan = q.plan(30, &chain, &KernelState::default());
	assert!(matches!(plan.ops[0], TcOp::Root { .. }));
	assert!(matches!(&plan.ops[1], TcOp::Add(s) if s.order == 4));
	assert!(plan.confirm.is_empty());
	let mut kernel = KernelState::default();
	apply(&mut kernel, &plan.ops, &[]);
	let v = q.verify(30, &plan, &kernel);
	assert!(v.confirm.is_empty() && v.active_failed.is_empty());
}

/// Two live orders whose ids share a minor: the later one is turned down, not merged.
#[test]
fn orders_sharing_a_minor_are_not_merged() {
	let mut q = Qos::new(offer());
	let far = 5 + ORDER_MINORS as u64;
	assert_eq!(minor(5), minor(far));
	let plan = q.plan(1, &[(5, order(MBIT)), (far, order(MBIT))], &KernelState::default());
	assert_eq!(plan.reject, vec![(far, QosRejectReason::Unavailable)]);
}

#[test]
fn tc_commands_are_exact() {
	let spec = ClassSpec {
		order: 3,
		minor: 0x103,
		rate: 2 * MBIT,
		ceil: 10 * MBIT,
		prio: 1,
		keys: vec![U32Key { value: 5001, mask: 0xffff, off: 20 }],
	};
	let args: Vec<String> =
		TcOp::Add(spec).args("eth1", H).into_iter().map(|a| a.join(" ")).collect();
	assert_eq!(
		args,
		vec![
			"class replace dev eth1 parent d1:1 classid d1:103 htb rate 2000000bit ceil 10000000bit prio 1",
			"filter replace dev eth1 parent d1: protocol all prio 10 handle 800::103 u32 match u32 0x00001389 0x0000ffff at 20 flowid d1:103",
		]
	);
	let root: Vec<String> = TcOp::Root { link_rate: 10 * MBIT, best_effort: 8 * MBIT }
		.args("eth1", H)
		.into_iter()
		.map(|a| a.join(" "))
		.collect();
	assert_eq!(root[0], "qdisc replace dev eth1 root handle d1: htb default fffe");
	assert_eq!(
		TcOp::DelFilter { item: 0x103 }.args("eth1", H)[0].join(" "),
		"filter del dev eth1 parent d1: prio 10 handle 800::103 u32"
	);
	assert_eq!(
		TcOp::DelClass { minor: 0x103 }.args("eth1", H)[0].join(" "),
		"class del dev eth1 classid d1:103"
	);
}

/// `tc` output as this kernel's iproute2 6.1 prints it (captured).
#[test]
fn tc_output_is_parsed() {
	let classes =
		"class htb d1:fffe parent d1:1 prio 7 rate 8Mbit ceil 10Mbit burst 1600b cburst 1600b \n\
		class htb d1:103 parent d1:1 prio 1 rate 1234Kbit ceil 9876Kbit burst 1599b cburst 1599b \n\
		class htb d1:1 root rate 10Mbit ceil 10Mbit burst 1600b cburst 1600b \n\
		class htb 7a:10 parent 7a:1 prio 1 rate 2Mbit ceil 10Mbit burst 1600b cburst 1600b \n";
	let c = parse_classes(classes, H).unwrap();
	assert_eq!(c.len(), 3, "another handle's classes are not ours");
	assert_eq!(
		c[&0x103],
		KernelClass { minor: 0x103, parent: Some(1), prio: 1, rate: 1_234_000, ceil: 9_876_000 }
	);
	assert_eq!(c[&1].parent, None);
	assert!(parse_classes("class htb d1:5 parent d1:1 prio 1 rate lots ceil 1Mbit", H).is_err());

	let filters = "filter parent d1: protocol ip pref 10 u32 chain 0 \n\
		filter parent d1: protocol ip pref 10 u32 chain 0 fh 800: ht divisor 1 \n\
		filter parent d1: protocol ip pref 10 u32 chain 0 fh 800::103 order 259 key ht 800 bkt 0 *flowid d1:103 not_in_hw \n\
		  match 0a000000/ffffff00 at 16\n\
		  match 00110000/00ff0000 at 8\n\
		  match 00001389/0000ffff at 20\n";
	let f = parse_filters(filters, H).unwrap();
	assert_eq!(f.len(), 1);
	assert_eq!(f[&0x103].flowid, Some(0x103));
	assert_eq!(
		f[&0x103].keys,
		vec![
			U32Key { value: 0x0011_0000, mask: 0x00ff_0000, off: 8 },
			U32Key { value: 0x0a00_0000, mask: 0xffff_ff00, off: 16 },
			U32Key { value: 0x1389, mask: 0xffff, off: 20 },
		]
	);
	assert!(
		parse_filters("filter parent d1: fh 800::5 flowid d1:5\n  match zz/ff at 1", H).is_err()
	);

	assert!(parse_qdisc(
		"qdisc htb d1: root refcnt 2 r2q 10 default 0xfffe direct_packets_stat 0 direct_qlen 1000\n",
		H
	));
	assert!(!parse_qdisc("qdisc noqueue 0: root refcnt 2 \n", H));
	assert!(!parse_qdisc("qdisc htb d1: root refcnt 2 r2q 10 default 0x10\n", H));
	assert!(!parse_qdisc("qdisc htb 7a: root refcnt 2 r2q 10 default 0xfffe\n", H));

	assert_eq!(parse_rate("8Mbit"), Some(8_000_000));
	assert_eq!(parse_rate("1.5Gbit"), Some(1_500_000_000));
	assert_eq!(parse_rate("512bit"), Some(512));
	assert_eq!(parse_rate("2Kibit"), Some(2_048));
	assert_eq!(parse_rate("Mbit"), None);
	assert_eq!(parse_rate("5furlongs"), None);
}

#[test]
fn offers_are_checked() {
	assert_eq!(offer().check(), Ok(()));
	assert!(Offer { capacity: 10 * MBIT, ..offer() }.check().is_err(), "no room for best effort");
	assert!(Offer { capacity: 0, ..offer() }.check().is_err());
	assert!(Offer { classes: BTreeSet::new(), ..offer() }.check().is_err());
	assert!(Offer { interface: "a b".into(), ..offer() }.check().is_err());
	assert!(Offer { handle: 0, ..offer() }.check().is_err());
}

/// What the dashboard shows of each order: applied once its class reads back, confirmed when
/// the chain shows it paid, removed when its class is gone, rejected with its reason; each
/// confirmation and rejection counted once however often it is sent.
#[test]
fn orders_are_recorded_through_their_life() {
	let mut q = Qos::new(offer());
	let mut kernel = KernelState::default();
	let state = |q: &Qos, id| q.orders().find(|r| r.id == id).map(|r| (r.state, r.ends_at));
	let orders =
		vec![(1, order(2 * MBIT)), (2, Order { class: QosClass::RealTime, ..order(MBIT) })];
	let plan = q.plan(10, &orders, &kernel);
	apply(&mut kernel, &plan.ops, &[]);
	q.verify(10, &plan, &kernel);
	assert_eq!(state(&q, 1), Some((OrderState::Applied, None)));
	assert_eq!(state(&q, 2), Some((OrderState::Rejected(QosRejectReason::ClassNotOffered), None)));
	assert_eq!(q.sold(), 2 * MBIT);
	let r = q.orders().next().unwrap();
	assert_eq!((r.class, r.rate, &r.flow), (QosClass::Priority, 2 * MBIT, &flow(5001)));

	// Both answers go again when overdue, and once more after a failed submission.
	let late = q.plan(10 + RESEND_BLOCKS, &orders, &kernel);
	assert_eq!((late.confirm.len(), late.reject.len()), (1, 1));
	q.verify(10 + RESEND_BLOCKS, &late, &kernel);
	q.unsent(1);
	let retry = q.plan(21, &orders, &kernel);
	q.verify(21, &retry, &kernel);
	assert_eq!(q.stats.confirmed, 1);
	assert_eq!(q.stats.rejected.values().sum::<u64>(), 1);

	// The chain took them: 1 is paid through block 40, 2 refunded and gone.
	let chain = vec![(1, Order { status: QosStatus::Active { until: 40 }, ..order(2 * MBIT) })];
	q.plan(22, &chain, &kernel);
	assert_eq!(state(&q, 1), Some((OrderState::Confirmed, Some(40))));
	assert_eq!(state(&q, 2).unwrap().0, OrderState::Rejected(QosRejectReason::ClassNotOffered));
	// It ended: removed once the kernel reads back without its class.
	let end = q.plan(41, &chain, &kernel);
	assert_eq!(state(&q, 1).unwrap().0, OrderState::Confirmed, "its class is still there");
	apply(&mut kernel, &end.ops, &[]);
	q.verify(41, &end, &kernel);
	assert_eq!(state(&q, 1), Some((OrderState::Removed, Some(40))));
	assert_eq!((q.stats.removed, q.sold()), (1, 0));
	q.plan::<u64>(42, &[], &kernel);
	assert_eq!(state(&q, 1).unwrap().0, OrderState::Removed);
	assert_eq!(q.stats.confirmed, 1);

	// Ended orders are kept only so far: the latest.
	let cheap = Order { payment: 10, deadline: 1_000, expire_at: 1_001, ..order(MBIT) };
	let n = MAX_ENDED_RECORDS as u64 + 10;
	for i in 0..n {
		q.plan(100 + i as u32, &[(1_000 + i, cheap.clone())], &kernel);
	}
	q.plan::<u64>(300, &[], &kernel);
	let ids: Vec<OrderId> = q.orders().map(|r| r.id).collect();
	assert_eq!(ids.len(), MAX_ENDED_RECORDS);
	assert_eq!(
		(ids[0], *ids.last().unwrap()),
		(1_000 + n - MAX_ENDED_RECORDS as u64, 1_000 + n - 1)
	);
	// A node listing more orders than any segment may have: none is answered or shown.
	let flood: Vec<(OrderId, Order<u64>)> = (0..400).map(|i| (5_000 + i, cheap.clone())).collect();
	let plan = q.plan(301, &flood, &kernel);
	assert_eq!((plan.reject.len(), plan.refused_listing), (0, Some(400)));
	// As many as a segment may have: answered, not all shown.
	let full = &flood[..MAX_ORDERS_PER_SEGMENT as usize];
	let plan = q.plan(302, full, &kernel);
	assert_eq!(plan.reject.len(), full.len());
	assert!(q.orders().count() <= MAX_RECORDS);
	assert_eq!(q.stats.rejected["below_price_floor"], n + full.len() as u64);
}

#[test]
fn a_listing_of_more_orders_than_a_segment_holds_is_refused_whole_and_counted() {
	use ditex_primitives::qos::MAX_ORDERS_PER_SEGMENT;
	let mut q = Qos::new(offer());
	let kernel = KernelState::default();
	// A node listing far more than the chain can hold for one segment: none of it is
	// planned (no class, no answer), and the poll counts as failed.
	let flood: Vec<_> =
		(0..10 * MAX_ORDERS_PER_SEGMENT as u64).map(|i| (i, order(1_000))).collect();
	let plan = q.plan(10, &flood, &kernel);
	assert_eq!(plan.refused_listing, Some(flood.len()));
	assert!(plan.ops.is_empty() && plan.reject.is_empty() && plan.confirm.is_empty());
	assert_eq!(q.stats.poll_failures, 1);
	assert_eq!(q.orders().count(), 0);
	// As many as a segment holds are planned.
	let full = &flood[..MAX_ORDERS_PER_SEGMENT as usize];
	let plan = q.plan(10, full, &kernel);
	assert_eq!(plan.refused_listing, None);
	assert!(!plan.ops.is_empty());
	assert_eq!(q.stats.poll_failures, 1);
}
