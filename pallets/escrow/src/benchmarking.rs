//! Benchmarks of the escrow's calls and hooks, each in its worst case.

use super::*;
use alloc::vec::Vec;
use ditex_primitives::{
	qos::{IpPrefix, PROTO_UDP},
	registry::{IpAddress, TicketKey},
};
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

/// The key type the benchmark's ticket keys live under in the keystore.
const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"dtxq");

fn price<T: Config>() -> BalanceOf<T> {
	1_000u32.into()
}

/// A funded account.
fn funded<T: Config>(name: &'static str, n: u32) -> T::AccountId {
	let who: T::AccountId = account(name, n, 0);
	let amount = T::MinDeposit::get().saturating_mul(1_000_000u32.into())
		+ T::Currency::minimum_balance()
		+ 1_000_000u32.into();
	T::Currency::set_balance(&who, amount);
	who
}

/// `h` sellable segments, each with its own operator.
fn path_of<T: Config>(h: u32) -> Path {
	let ids: Vec<SegmentId> = (0..h)
		.map(|n| T::BenchmarkHelper::sellable_segment(n, &funded::<T>("operator", n), price::<T>()))
		.collect();
	Path::try_from(ids).expect("at most MAX_HOPS")
}

/// A maximum price per GiB that any benchmark path is within: the price of every hop.
fn max_price<T: Config>() -> BalanceOf<T> {
	price::<T>().saturating_mul(MAX_HOPS.into())
}

fn deposit<T: Config>() -> BalanceOf<T> {
	T::MinDeposit::get()
		.max(T::MinQosPayment::get())
		.saturating_mul(100u32.into())
		.max(1_000u32.into())
}

fn open<T: Config>(who: &T::AccountId, path: Path, expires_at: BlockNumberFor<T>) -> ChannelId {
	Pallet::<T>::do_open_channel(
		who.clone(),
		path,
		deposit::<T>(),
		max_price::<T>(),
		expires_at,
		DataPlaneKey([1; 32]),
		ReceiptKey([2; 32]),
	)
	.expect("valid channel")
}

fn now<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number()
}

/// The widest flow an order may name: both prefixes, protocol and both ports.
fn flow() -> QosFlow {
	QosFlow {
		src: Some(IpPrefix { addr: IpAddress::V6([0x20; 16]), len: 128 }),
		dst: Some(IpPrefix { addr: IpAddress::V6([0x30; 16]), len: 128 }),
		protocol: Some(PROTO_UDP),
		src_port: Some(5000),
		dst_port: Some(5001),
	}
}

fn terms<T: Config>(segment: SegmentId, deadline: BlockNumberFor<T>) -> OrderTermsOf<T> {
	OrderTerms {
		segment,
		class: QosClass::Priority,
		rate: 1_000_000,
		flow: flow(),
		payment: deposit::<T>(),
		duration: 10u32.into(),
		deadline,
	}
}

/// The QoS segment router, its operator, and its ticket key (in the keystore).
fn qos_segment<T: Config>() -> (SegmentId, T::AccountId, sp_core::ed25519::Public) {
	let provider = funded::<T>("provider", 0);
	let segment = T::BenchmarkHelper::sellable_segment(100, &provider, price::<T>());
	let key = sp_io::crypto::ed25519_generate(KEY_TYPE, None);
	T::BenchmarkHelper::set_ticket_key(segment, TicketKey(key.0));
	(segment, provider, key)
}

/// `n` pending orders on `segment`, by `n` consumers, answerable until `deadline`.
fn orders<T: Config>(segment: SegmentId, n: u32, deadline: BlockNumberFor<T>) -> Vec<OrderId> {
	(0..n)
		.map(|i| {
			Pallet::<T>::do_order_qos(funded::<T>("consumer", i), terms::<T>(segment, deadline))
				.expect("valid order")
		})
		.collect()
}

/// A deadline soon.
fn soon<T: Config>() -> BlockNumberFor<T> {
	now::<T>() + One::one()
}

/// Order `id` on `segment` answered `verdict`, signed with `key`.
fn sign<T: Config>(
	id: OrderId,
	segment: SegmentId,
	verdict: QosVerdict,
	key: &sp_core::ed25519::Public,
) -> [u8; 64] {
	let answer = QosAnswer { order: id, segment, verdict };
	let payload = answer.signing_payload(&pallet_ditex::genesis_hash::<T>());
	sp_io::crypto::ed25519_sign(KEY_TYPE, key, &payload).expect("the key is in the keystore").0
}

/// Fill the `SCHEDULE_PROBE - 1` order slots from `first` with orders that do not exist, so a
/// schedule probes to the last slot; returns a closure that drops the filler again.
fn fill_order_slots<T: Config>(first: BlockNumberFor<T>) -> impl Fn() {
	let filler: BoundedVec<OrderId, T::MaxOrdersPerBlock> = BoundedVec::truncate_from(
		(0..T::MaxOrdersPerBlock::get() as u64).map(|i| u64::MAX - i).collect(),
	);
	let mut b = first;
	for _ in 0..SCHEDULE_PROBE - 1 {
		OrderSchedule::<T>::insert(b, filler.clone());
		b += One::one();
	}
	move || {
		let mut b = first;
		for _ in 0..SCHEDULE_PROBE - 1 {
			OrderSchedule::<T>::remove(b);
			b += One::one();
		}
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A path of `h` hops whose refund block is full but the last probed one.
	#[benchmark]
	fn open_channel(h: Linear<1, MAX_HOPS>) {
		let who = funded::<T>("consumer", 0);
		let path = path_of::<T>(h);
		let expires_at = now::<T>() + 10u32.into();
		let first = expires_at + T::SettlementGrace::get() + One::one();
		let filler: BoundedVec<ChannelId, T::MaxRefundsPerBlock> = BoundedVec::truncate_from(
			(0..T::MaxRefundsPerBlock::get() as u64).map(|i| u64::MAX - i).collect(),
		);
		let mut b = first;
		for _ in 0..SCHEDULE_PROBE - 1 {
			RefundSchedule::<T>::insert(b, filler.clone());
			b += One::one();
		}
		#[extrinsic_call]
		_(
			RawOrigin::Signed(who),
			path,
			deposit::<T>(),
			max_price::<T>(),
			expires_at,
			DataPlaneKey([1; 32]),
			ReceiptKey([2; 32]),
		);
		assert!(Channels::<T>::contains_key(0));
		// The filler is not a real channel; drop it again.
		let mut b = first;
		for _ in 0..SCHEDULE_PROBE - 1 {
			RefundSchedule::<T>::remove(b);
			b += One::one();
		}
	}

	#[benchmark]
	fn top_up() {
		let who = funded::<T>("consumer", 0);
		let id = open::<T>(&who, path_of::<T>(1), now::<T>() + 10u32.into());
		#[extrinsic_call]
		_(RawOrigin::Signed(who), id, deposit::<T>());
		assert_eq!(Channels::<T>::get(id).expect("open").deposit, deposit::<T>() + deposit::<T>());
	}

	/// Closing moves the refund to an earlier block: every slot probed is full but the last,
	/// and the slot it leaves is full.
	#[benchmark]
	fn close() {
		let who = funded::<T>("consumer", 0);
		let id = open::<T>(&who, path_of::<T>(MAX_HOPS), now::<T>() + T::MaxChannelLifetime::get());
		let old = Channels::<T>::get(id).expect("open").refund_at;
		let filler = |with: Option<ChannelId>| {
			let max = T::MaxRefundsPerBlock::get() as u64;
			let fill = (0..max).map(|i| u64::MAX - i);
			BoundedVec::<ChannelId, T::MaxRefundsPerBlock>::truncate_from(match with {
				Some(id) => fill.take(max as usize - 1).chain([id]).collect(),
				None => fill.collect(),
			})
		};
		RefundSchedule::<T>::insert(old, filler(Some(id)));
		let wanted = now::<T>() + T::SettlementGrace::get() + One::one();
		let mut b = wanted;
		for _ in 0..SCHEDULE_PROBE - 1 {
			RefundSchedule::<T>::insert(b, filler(None));
			b += One::one();
		}
		#[extrinsic_call]
		_(RawOrigin::Signed(who), id);
		let ch = Channels::<T>::get(id).expect("kept");
		assert!(matches!(ch.status, ChannelStatus::Closed { .. }));
		assert_eq!(ch.refund_at, b);
		// The filler is not made of real channels; drop it again.
		RefundSchedule::<T>::remove(old);
		let mut b = wanted;
		for _ in 0..SCHEDULE_PROBE - 1 {
			RefundSchedule::<T>::remove(b);
			b += One::one();
		}
	}

	/// An order on a segment with all but one of its order slots taken, whose expiry slot
	/// is found at the last block probed.
	#[benchmark]
	fn order_qos() {
		let (segment, _, _) = qos_segment::<T>();
		// The others expire far from the slots this one probes.
		let later = now::<T>() + T::MaxQosDeadline::get();
		orders::<T>(segment, T::MaxOrdersPerSegment::get() - 1, later);
		let who = funded::<T>("consumer", u32::MAX);
		let t = terms::<T>(segment, soon::<T>());
		let drop_filler = fill_order_slots::<T>(t.deadline + One::one());
		#[extrinsic_call]
		_(
			RawOrigin::Signed(who),
			segment,
			QosClass::RealTime,
			t.rate,
			t.flow,
			t.payment,
			t.duration,
			t.deadline,
		);
		let id = NextOrderId::<T>::get() - 1;
		assert!(Orders::<T>::contains_key(id));
		drop_filler();
	}

	/// A confirmation: signature check, payment, and the order's end scheduled at the last
	/// block probed.
	#[benchmark]
	fn confirm_qos() {
		let (segment, provider, key) = qos_segment::<T>();
		let id = orders::<T>(segment, 1, soon::<T>())[0];
		let signature = sign::<T>(id, segment, QosVerdict::Confirm, &key);
		// The end is `duration` blocks after the block the call runs in (the CLI runs it one
		// block after the setup, the test suite in the same one): the slots after either are
		// full but the last one or two probed.
		let until = now::<T>() + 10u32.into();
		let drop_filler = fill_order_slots::<T>(until + One::one());
		#[extrinsic_call]
		_(RawOrigin::Authorized, id, signature);
		let order = Orders::<T>::get(id).expect("active");
		assert!(matches!(order.status, QosStatus::Active { .. }), "{:?}", order.status);
		assert!(T::Currency::balance(&provider) >= deposit::<T>());
		drop_filler();
	}

	/// A rejection of the oldest order of a segment with every order slot taken.
	#[benchmark]
	fn reject_qos() {
		let (segment, _, key) = qos_segment::<T>();
		let ids = orders::<T>(segment, T::MaxOrdersPerSegment::get(), soon::<T>());
		let reason = QosRejectReason::AboveCapacity;
		let signature = sign::<T>(ids[0], segment, QosVerdict::Reject(reason), &key);
		#[extrinsic_call]
		_(RawOrigin::Authorized, ids[0], reason, signature);
		assert!(!Orders::<T>::contains_key(ids[0]));
	}

	/// The pool's check of an answer: the order, the segment's ticket key and the signature.
	#[benchmark]
	fn authorize_answer() -> Result<(), BenchmarkError> {
		use frame_support::traits::Authorize;
		let (segment, _, key) = qos_segment::<T>();
		let id = orders::<T>(segment, 1, soon::<T>())[0];
		let signature = sign::<T>(id, segment, QosVerdict::Confirm, &key);
		let call = Call::<T>::confirm_qos { order: id, signature };
		#[block]
		{
			call.authorize(TransactionSource::External)
				.ok_or("confirm_qos is authorized by its call")?
				.map_err(|_| "the answer is valid")?;
		}
		Ok(())
	}

	/// Refunding `n` channels in one block.
	#[benchmark]
	fn refund_channels(n: Linear<0, { T::MaxRefundsPerBlock::get() }>) {
		let expires_at = now::<T>() + One::one();
		let at = expires_at + T::SettlementGrace::get() + One::one();
		// One listing for all: a registry refuses a second listing on the same endpoint.
		let path = path_of::<T>(1);
		for i in 0..n {
			let who = funded::<T>("consumer", i);
			let id = open::<T>(&who, path.clone(), expires_at);
			let ch = Channels::<T>::get(id).expect("open");
			// Keep all of them in one block.
			if ch.refund_at != at {
				RefundSchedule::<T>::mutate(ch.refund_at, |v| v.retain(|c| *c != id));
				RefundSchedule::<T>::mutate(at, |v| v.try_push(id).expect("bounded by n"));
				Channels::<T>::mutate(id, |c| c.as_mut().expect("open").refund_at = at);
			}
		}
		#[block]
		{
			let ids = RefundSchedule::<T>::take(at);
			for id in ids {
				Pallet::<T>::do_refund(id);
			}
		}
		assert_eq!(Channels::<T>::iter().count(), 0);
	}

	/// Refunding `n` unanswered orders in one block, all of one segment whose order list is
	/// full.
	#[benchmark]
	fn expire_orders(n: Linear<0, { T::MaxOrdersPerBlock::get() }>) {
		let (segment, _, _) = qos_segment::<T>();
		let n = n.min(T::MaxOrdersPerSegment::get());
		let ids = orders::<T>(segment, T::MaxOrdersPerSegment::get(), soon::<T>());
		let at = now::<T>() + 2u32.into();
		// The first `n` orders expire in one block (as scheduled, up to a slot's room).
		for &id in &ids {
			let o = Orders::<T>::get(id).expect("pending");
			OrderSchedule::<T>::mutate(o.expire_at, |v| v.retain(|x| *x != id));
		}
		let mut slot = at + One::one();
		for (i, &id) in ids.iter().enumerate() {
			let b = if (i as u32) < n { at } else { slot };
			if (i as u32) >= n {
				slot += One::one();
			}
			OrderSchedule::<T>::mutate(b, |v| v.try_push(id).expect("room"));
			Orders::<T>::mutate(id, |o| o.as_mut().expect("pending").expire_at = b);
		}
		#[block]
		{
			let ids = OrderSchedule::<T>::take(at);
			for id in ids {
				Pallet::<T>::do_expire_order(id);
			}
		}
		assert_eq!(Orders::<T>::iter().count() as u32, T::MaxOrdersPerSegment::get() - n);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
