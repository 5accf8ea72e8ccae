//! Benchmarks of the DITEX registry's calls, each in its worst case.

use super::*;
use ditex_primitives::registry::{
	DataPlaneKey, Endpoint, IpAddress, PerfEntry, PerfSample, Region, SegmentSpec, TicketKey,
	Windows,
};
use frame_benchmarking::v2::*;
use frame_support::traits::Authorize;
use frame_system::RawOrigin;

/// The key type the benchmark's ticket key lives under in the keystore.
const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"dtxt");

fn region() -> Region {
	Region::new(*b"DE", b"BE").expect("two letters fit")
}

/// A valid listing, distinct for every `n`.
fn bench_spec<T: Config>(n: u32) -> SegmentSpec<BalanceOf<T>> {
	let b = n.to_be_bytes();
	let mut key = [9u8; 32];
	key[..4].copy_from_slice(&b);
	let mut ticket = key;
	ticket[31] ^= 0xff;
	SegmentSpec {
		endpoint: Endpoint { ip: IpAddress::V4([11, b[1], b[2], b[3]]), port: 4000 },
		key: DataPlaneKey(key),
		ticket_key: TicketKey(ticket),
		region: region(),
		asn: 64_600,
		price_per_gib: Some(1_000u32.into()),
		capacity_mbps: 1_000,
		windows: Windows::default(),
		hide_operator: false,
	}
}

/// A funded operator for segment `n` (one per segment, so per-operator bounds never bind).
fn operator<T: Config>(n: u32) -> T::AccountId {
	let who: T::AccountId = account("operator", n, 0);
	let amount =
		T::SegmentDeposit::get().saturating_mul(100u32.into()) + T::Currency::minimum_balance();
	T::Currency::set_balance(&who, amount);
	who
}

/// Register segments `from..to`, each with its own operator.
fn register_range<T: Config>(from: u32, to: u32) -> Vec<SegmentId> {
	(from..to)
		.map(|n| Pallet::<T>::do_register(operator::<T>(n), bench_spec::<T>(n)).expect("valid"))
		.collect()
}

/// Members of a group able to carry `n` distinct ordered pairs.
fn members_for_pairs(n: u32) -> u32 {
	let mut m = 2;
	while m * (m - 1) < n {
		m += 1;
	}
	m
}

fn full_report<T: Config>(members: &[SegmentId], n: u32) -> Vec<PerfEntry> {
	members
		.iter()
		.flat_map(|&a| members.iter().map(move |&b| (a, b)))
		.filter(|(a, b)| a != b)
		.take(n as usize)
		.map(|(from, to)| PerfEntry {
			from,
			to,
			sample: PerfSample { latency_us: 1_000, jitter_us: 10, loss_ppm: 0 },
		})
		.collect()
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Registering into a region whose only group is full opens a new group.
	#[benchmark]
	fn register() {
		register_range::<T>(0, T::MaxGroupSize::get());
		let n = T::MaxGroupSize::get();
		let who = operator::<T>(n);
		#[extrinsic_call]
		_(RawOrigin::Signed(who), bench_spec::<T>(n));
		assert_eq!(Segments::<T>::get(n).and_then(|s| s.group), Some(1));
	}

	/// Changing every field, the endpoint included.
	#[benchmark]
	fn update() {
		let id = register_range::<T>(0, 1)[0];
		let who = Segments::<T>::get(id).expect("registered").operator;
		let endpoint = Endpoint { ip: IpAddress::V4([11, 200, 0, 1]), port: 5000 };
		#[extrinsic_call]
		_(
			RawOrigin::Signed(who),
			id,
			Some(Some(5u32.into())),
			Some(endpoint),
			Some(Windows::default()),
			Some(10),
		);
		assert_eq!(Segments::<T>::get(id).expect("kept").spec.endpoint, endpoint);
	}

	/// Leaving a full group whose every pair with the leaver was measured.
	#[benchmark]
	fn deregister() {
		let members = register_range::<T>(0, T::MaxGroupSize::get());
		let leaver = members[0];
		for &m in &members[1..] {
			let record = PerfRecord { sample: PerfSample::default(), measured_at: Zero::zero() };
			Performance::<T>::insert(leaver, m, record);
			Performance::<T>::insert(m, leaver, record);
		}
		let who = Segments::<T>::get(leaver).expect("registered").operator;
		#[extrinsic_call]
		_(RawOrigin::Signed(who), leaver);
		assert!(Segments::<T>::get(leaver).is_none());
	}

	/// A report of `n` distinct pairs in a full group, replacing the last era's report that
	/// every other member disputed in vain: all their bonds are forfeited.
	#[benchmark]
	fn report_performance(n: Linear<1, { T::MaxReportEntries::get() }>) {
		let members = register_range::<T>(0, T::MaxGroupSize::get().max(members_for_pairs(n)));
		let mut disputes = BoundedVec::new();
		for &m in &members[1..T::MaxGroupSize::get() as usize] {
			let operator = Segments::<T>::get(m).expect("registered").operator;
			let bond = T::DisputeBond::get();
			T::Currency::hold(&HoldReason::DisputeBond.into(), &operator, bond).expect("funded");
			disputes.try_push(Dispute { member: m, operator, bond }).expect("within a group");
		}
		let at = frame_system::Pallet::<T>::block_number();
		LatestReport::<T>::insert(
			0,
			ReportInfo { reporter: members[0], at, disputes, struck: false },
		);
		frame_system::Pallet::<T>::set_block_number(at + T::EraLength::get());
		let group = Groups::<T>::get(0).expect("group 0 exists");
		let reporter = Pallet::<T>::reporter_of(0, &group.members).expect("members");
		let entries = BoundedVec::try_from(full_report::<T>(&members, n)).expect("within bound");
		let era = Pallet::<T>::current_era();
		// The signature is the authorization's business (`authorize_report`), not the call's.
		#[extrinsic_call]
		_(RawOrigin::Authorized, reporter, era, entries, [0; 64]);
		let report = LatestReport::<T>::get(0).expect("reported");
		assert_eq!((report.reporter, report.disputes.len()), (reporter, 0));
	}

	/// The dispute that reaches the quorum of a full group of distinct operators: every bond
	/// released, the reporter quarantined out of the group.
	#[benchmark]
	fn dispute_report() {
		let members = register_range::<T>(0, T::MaxGroupSize::get());
		let group = Groups::<T>::get(0).expect("group 0 exists");
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number() + T::MinDisputerAge::get(),
		);
		let reporter = Pallet::<T>::reporter_of(0, &group.members).expect("members");
		let others: Vec<_> = members.iter().copied().filter(|&m| m != reporter).collect();
		let quorum = Pallet::<T>::dispute_quorum(&group.members) as usize;
		let report: Vec<_> = others[..quorum]
			.iter()
			.map(|&to| PerfEntry {
				from: reporter,
				to,
				sample: PerfSample { latency_us: 1_000, jitter_us: 10, loss_ppm: 0 },
			})
			.collect();
		let report = BoundedVec::try_from(report).expect("small");
		Pallet::<T>::do_report(reporter, Pallet::<T>::current_era(), report)
			.expect("reporter reports");
		Segments::<T>::mutate(reporter, |r| {
			if let Some(r) = r {
				r.strikes = T::MaxStrikes::get() - 1;
			}
		});
		let contradicting = PerfSample { latency_us: 1_000_000, jitter_us: 10, loss_ppm: 0 };
		for &m in &others[..quorum - 1] {
			let op = Segments::<T>::get(m).expect("registered").operator;
			Pallet::<T>::do_dispute(op, m, reporter, contradicting).expect("contradicts");
		}
		let last = others[quorum - 1];
		let op = Segments::<T>::get(last).expect("registered").operator;
		#[extrinsic_call]
		_(RawOrigin::Signed(op), last, reporter, contradicting);
		assert!(!Pallet::<T>::is_active(reporter));
	}

	/// The pool's check of a report of `n` distinct pairs in a full group: the reporter's
	/// ticket key's signature over the whole report, membership and duplicates.
	#[benchmark]
	fn authorize_report(
		n: Linear<1, { T::MaxReportEntries::get() }>,
	) -> Result<(), BenchmarkError> {
		let members = register_range::<T>(0, T::MaxGroupSize::get().max(members_for_pairs(n)));
		let group = Groups::<T>::get(0).expect("group 0 exists");
		let reporter = Pallet::<T>::reporter_of(0, &group.members).expect("members");
		let key = sp_io::crypto::ed25519_generate(KEY_TYPE, None);
		let who = Segments::<T>::get(reporter).expect("registered").operator;
		Pallet::<T>::do_set_ticket_key(who, reporter, TicketKey(key.0))?;
		let entries: BoundedVec<_, _> =
			BoundedVec::try_from(full_report::<T>(&members, n)).expect("within bound");
		let era = Pallet::<T>::current_era();
		let payload = ditex_primitives::registry::report_signing_payload(
			&crate::genesis_hash::<T>(),
			reporter,
			era,
			&entries,
		);
		let signature = sp_io::crypto::ed25519_sign(KEY_TYPE, &key, &payload)
			.expect("the key is in the keystore");
		let call = Call::<T>::report_performance { reporter, era, entries, signature: signature.0 };
		#[block]
		{
			call.authorize(TransactionSource::External)
				.expect("report_performance is authorized by its call")
				.expect("the reporter's signed report is valid");
		}
		Ok(())
	}

	/// Rotating a ticket key.
	#[benchmark]
	fn set_ticket_key() {
		let id = register_range::<T>(0, 1)[0];
		let who = Segments::<T>::get(id).expect("registered").operator;
		let key = TicketKey([0x5a; 32]);
		#[extrinsic_call]
		_(RawOrigin::Signed(who), id, key);
		assert_eq!(SegmentByTicketKey::<T>::get(key), Some(id));
	}

	/// Reinstating into a region whose groups are all full but one.
	#[benchmark]
	fn reinstate() {
		let max = T::MaxGroupSize::get();
		let members = register_range::<T>(0, max + 1);
		let target = members[max as usize];
		Pallet::<T>::do_strike(target, StrikeReason::InvalidTicket);
		for _ in 1..T::MaxStrikes::get() {
			Pallet::<T>::do_strike(target, StrikeReason::InvalidTicket);
		}
		let since = frame_system::Pallet::<T>::block_number();
		frame_system::Pallet::<T>::set_block_number(since + T::QuarantineCooldown::get());
		let who = Segments::<T>::get(target).expect("registered").operator;
		#[extrinsic_call]
		_(RawOrigin::Signed(who), target);
		assert!(Pallet::<T>::is_active(target));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
