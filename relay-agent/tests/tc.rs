//! The QoS shell against the real kernel: `tc` in a network namespace, an IPv4 and an IPv6
//! order applied on a veth, read back, and shown to classify real packets into their
//! classes; a restarted agent finds nothing to change; at the end nothing is left. The
//! orders come from this test, not a chain (the end-to-end test in `tests/tests/qos.rs` has
//! the chain). Needs root; prints `SKIP` without it.

mod common;

use std::{net::UdpSocket, time::Duration};

use ditex_primitives::{
	qos::{IpPrefix, QosClass, QosFlow, QosRejectReason, QosStatus, PROTO_UDP},
	registry::IpAddress,
	settlement::OrderId,
};
use ditex_relay::{
	qos::{minor, version_key, KernelState, Offer, Order, Qos, TcOp, DEFAULT_MINOR, PARENT_MINOR},
	shell::tc::Tc,
};

const MBIT: u64 = 1_000_000;
const H: u16 = 0xd1;
const V6_SINK: [u16; 8] = [0xfd00, 0x77, 0, 0, 0, 0, 0, 2];

fn v6(addr: [u16; 8], len: u8) -> IpPrefix {
	IpPrefix { addr: IpAddress::V6(std::net::Ipv6Addr::from(addr).octets()), len }
}

fn order(dst: IpPrefix, port: u16, status: QosStatus<u32>) -> Order<u64> {
	Order {
		consumer: 1,
		segment: 1,
		provider: 2,
		class: QosClass::Priority,
		rate: 2 * MBIT,
		flow: QosFlow {
			src: None,
			dst: Some(dst),
			protocol: Some(PROTO_UDP),
			src_port: None,
			dst_port: Some(port),
		},
		payment: 1 << 60,
		duration: 100,
		deadline: 100,
		expire_at: 101,
		status,
	}
}

/// Packets `tc -s class show` counts for class `H:minor`.
fn packets(lab: &common::Lab, minor: u16) -> u64 {
	let out = std::process::Command::new("tc")
		.args(["-n", &lab.ns(1), "-s", "class", "show", "dev", "v2"])
		.output()
		.expect("tc");
	let text = String::from_utf8_lossy(&out.stdout);
	let head = format!("class htb {H:x}:{minor:x} ");
	let mut lines = text.lines().skip_while(|l| !l.starts_with(&head));
	assert!(lines.next().is_some(), "no class {minor:x} in\n{text}");
	let sent = lines.find(|l| l.trim_start().starts_with("Sent ")).expect("its counters");
	// ` Sent 1234 bytes 20 pkt (dropped 0, …`
	let words: Vec<&str> = sent.split_whitespace().collect();
	let at = words.iter().position(|w| *w == "pkt").expect("pkt") - 1;
	words[at].parse().expect("a packet count")
}

#[test]
fn ipv4_and_ipv6_orders_are_applied_read_back_and_classify_packets() {
	if !common::can_build_namespaces(
		"ipv4_and_ipv6_orders_are_applied_read_back_and_classify_packets",
	) {
		return;
	}
	// Host 1 sends to host 2 over veth v2, whose root qdisc becomes the agent's.
	let lab = common::Lab::new("q", 2);
	lab.exec(1, &["ip", "addr", "add", "fd00:77::1/64", "dev", "v2", "nodad"]);
	lab.exec(2, &["ip", "addr", "add", "fd00:77::2/64", "dev", "v1", "nodad"]);
	// The agent runs `tc` as configured: here a wrapper that runs it in host 1.
	let wrapper = lab.dir.path().join("tc");
	std::fs::write(&wrapper, format!("#!/bin/sh\nexec ip netns exec {} tc \"$@\"\n", lab.ns(1)))
		.unwrap();
	common::sh(&["chmod", "755", wrapper.to_str().unwrap()]);
	let tc = Tc { bin: wrapper, dev: "v2".into(), handle: H };
	let offer = Offer {
		interface: "v2".into(),
		handle: H,
		link_rate: 10 * MBIT,
		capacity: 6 * MBIT,
		classes: [QosClass::Priority].into_iter().collect(),
		price_floor: 1,
		min_prefix: 24,
		min_prefix_v6: 64,
	};
	let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();

	let v4 = IpPrefix { addr: IpAddress::V4([10, 77, 0, 2]), len: 32 };
	let orders: Vec<(OrderId, Order<u64>)> = vec![
		(1, order(v4, 5001, QosStatus::Pending)),
		(2, order(v6(V6_SINK, 128), 5002, QosStatus::Pending)),
		// Wider than the offer's /64: every host of a /48.
		(3, order(v6([0xfd00, 0x77, 0, 0, 0, 0, 0, 0], 48), 5003, QosStatus::Pending)),
	];
	let mut qos = Qos::new(offer.clone());
	let before = rt.block_on(tc.read()).unwrap();
	assert_eq!(before, KernelState::default(), "a fresh veth has no htb of ours");
	let plan = qos.plan(10, &orders, &before);
	assert_eq!(plan.reject, vec![(3, QosRejectReason::FlowNotAccepted)]);
	let failed = rt.block_on(tc.apply(&plan.ops));
	assert!(failed.is_empty(), "tc failed: {failed:?}");
	let after = rt.block_on(tc.read()).unwrap();
	let verified = qos.verify(10, &plan, &after);
	assert_eq!(verified.confirm, vec![1, 2], "{verified:?}\n{after:?}");
	// The IPv6 filter reads back with its IPv6 keys.
	let f6 = &after.filters[&minor(2)];
	assert_eq!(f6.keys[0], version_key(false));
	assert!(f6.keys.iter().any(|k| k.off == 36 && k.value == 2 && k.mask == u32::MAX), "{f6:?}");
	assert_eq!(after.filters[&minor(1)].keys[0], version_key(true));

	// Real packets: 20 to each ordered flow, 20 to a port no order names.
	let sent = lab.in_host(1, || {
		let s4 = UdpSocket::bind("10.77.0.1:0").unwrap();
		let s6 = UdpSocket::bind("[fd00:77::1]:0").unwrap();
		for _ in 0..20 {
			s4.send_to(b"ordered v4", "10.77.0.2:5001").unwrap();
			s6.send_to(b"ordered v6", "[fd00:77::2]:5002").unwrap();
			s6.send_to(b"best effort", "[fd00:77::2]:6000").unwrap();
			std::thread::sleep(Duration::from_millis(5));
		}
	});
	sent.join().unwrap();
	std::thread::sleep(Duration::from_millis(200));
	assert_eq!(packets(&lab, minor(1)), 20, "IPv4 order's class");
	assert_eq!(packets(&lab, minor(2)), 20, "IPv6 order's class");
	assert!(packets(&lab, DEFAULT_MINOR) >= 20, "the rest is best effort");

	// A restarted agent, the chain showing both paid: nothing to change, nothing twice.
	let active = |o: &Order<u64>| Order { status: QosStatus::Active { until: 50 }, ..o.clone() };
	let chain: Vec<(OrderId, Order<u64>)> =
		orders[..2].iter().map(|(id, o)| (*id, active(o))).collect();
	let mut restarted = Qos::new(offer);
	let kernel = rt.block_on(tc.read()).unwrap();
	let plan = restarted.plan(20, &chain, &kernel);
	assert!(plan.ops.is_empty(), "the kernel already has both: {:?}", plan.ops);
	assert_eq!(plan.active.len(), 2);

	// Their end: exactly what was added goes.
	let plan = restarted.plan(51, &chain, &kernel);
	assert_eq!(plan.ops.iter().filter(|op| matches!(op, TcOp::DelFilter { .. })).count(), 2);
	let failed = rt.block_on(tc.apply(&plan.ops));
	assert!(failed.is_empty(), "tc failed: {failed:?}");
	let end = rt.block_on(tc.read()).unwrap();
	restarted.verify(51, &plan, &end);
	assert_eq!(end.classes.keys().copied().collect::<Vec<_>>(), vec![PARENT_MINOR, DEFAULT_MINOR]);
	assert!(end.filters.is_empty(), "{:?}", end.filters);
	assert_eq!(restarted.stats.removed, 2);
}
