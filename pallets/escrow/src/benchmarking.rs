//! Benchmarks of the escrow's calls and hooks, each in its worst case.

use super::*;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

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

fn order<T: Config>(who: &T::AccountId) -> (OrderId, T::AccountId) {
	let provider = funded::<T>("provider", 0);
	let segment = T::BenchmarkHelper::sellable_segment(100, &provider, price::<T>());
	let id = Pallet::<T>::do_order_qos(
		who.clone(),
		segment,
		QosClass::Priority,
		deposit::<T>(),
		10u32.into(),
		now::<T>() + 1u32.into(),
	)
	.expect("valid order");
	(id, provider)
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

	#[benchmark]
	fn order_qos() {
		let who = funded::<T>("consumer", 0);
		let provider = funded::<T>("provider", 0);
		let segment = T::BenchmarkHelper::sellable_segment(100, &provider, price::<T>());
		let deadline = now::<T>() + One::one();
		#[extrinsic_call]
		_(
			RawOrigin::Signed(who),
			segment,
			QosClass::RealTime,
			deposit::<T>(),
			10u32.into(),
			deadline,
		);
		assert!(Orders::<T>::contains_key(0));
	}

	#[benchmark]
	fn confirm_qos() {
		let who = funded::<T>("consumer", 0);
		let (id, provider) = order::<T>(&who);
		#[extrinsic_call]
		_(RawOrigin::Signed(provider), id);
		assert!(!Orders::<T>::contains_key(id));
	}

	#[benchmark]
	fn reject_qos() {
		let who = funded::<T>("consumer", 0);
		let (id, provider) = order::<T>(&who);
		#[extrinsic_call]
		_(RawOrigin::Signed(provider), id);
		assert!(!Orders::<T>::contains_key(id));
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

	/// Refunding `n` unanswered orders in one block.
	#[benchmark]
	fn expire_orders(n: Linear<0, { T::MaxOrdersPerBlock::get() }>) {
		let provider = funded::<T>("provider", 0);
		let segment = T::BenchmarkHelper::sellable_segment(100, &provider, price::<T>());
		let deadline = now::<T>() + One::one();
		let at = deadline + One::one();
		for i in 0..n {
			let who = funded::<T>("consumer", i);
			Pallet::<T>::do_order_qos(
				who,
				segment,
				QosClass::Priority,
				deposit::<T>(),
				10u32.into(),
				deadline,
			)
			.expect("valid order");
		}
		#[block]
		{
			let ids = OrderSchedule::<T>::take(at);
			for id in ids {
				Pallet::<T>::do_expire_order(id);
			}
		}
		assert_eq!(Orders::<T>::iter().count(), 0);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
