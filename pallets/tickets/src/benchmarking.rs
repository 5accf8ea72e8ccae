//! Benchmarks of ticket intake and channel settlement in their worst cases: every channel of a
//! ticket carries a larger receipt and a larger downstream ack (kept for settlement to check)
//! and grows the relay's claim, and the counters are compared against a full peer list; a
//! batch carries one-channel tickets of that kind; settling checks every hop's receipt (all but
//! the smallest forged) and ack, and pays every hop of the path.

use super::*;
use ditex_primitives::{
	registry::TicketKey,
	settlement::{Ack, Path, Receipt, ReceiptKey, SignedAck, SignedReceipt},
};
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;
use sp_core::{ed25519::Public, H256};

/// The key type the benchmark's keys live under in the keystore.
const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"dtxr");
/// Bytes every hop carried before the ticket.
const BYTES: u64 = 1 << 20;

fn sign(key: &Public, payload: &[u8]) -> [u8; 64] {
	sp_io::crypto::ed25519_sign(KEY_TYPE, key, payload).expect("the key is in the keystore").0
}

/// A router with a fresh ticket key: segment `n`.
fn router<T: Config>(n: u32) -> (SegmentId, Public) {
	let (segment, _) = T::BenchmarkHelper::segment(n);
	let key = sp_io::crypto::ed25519_generate(KEY_TYPE, None);
	T::BenchmarkHelper::set_ticket_key(segment, TicketKey(key.0));
	(segment, key)
}

fn genesis<T: Config>() -> H256 {
	H256::from_slice(frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero()).as_ref())
}

/// A claim at `hop` that carried [`BYTES`], acknowledged by a receipt.
fn claim<T: Config>(hop: u8) -> Claim<BalanceOf<T>> {
	Claim {
		hop,
		bytes_in: BYTES,
		bytes_out: BYTES,
		receipt: BYTES,
		acked: 0,
		unchecked_receipt: None,
		unchecked_ack: None,
		grew_at: 0,
		settled_bytes: 0,
		paid: Zero::zero(),
	}
}

/// `relay`'s usage of a new channel to a new downstream router (segment `down`) that it and
/// its neighbour already claimed [`BYTES`] on: twice that now, with a receipt and an ack.
fn usage<T: Config>(relay: SegmentId, down: u32, consumer: &Public) -> ChannelUsage {
	let genesis = genesis::<T>();
	let (down, router_key) = router::<T>(down);
	let path = Path::truncate_from(alloc::vec![relay, down]);
	let channel = T::BenchmarkHelper::open_channel(path.clone(), ReceiptKey(consumer.0));
	Claims::<T>::insert(relay, channel, claim::<T>(0));
	Claims::<T>::insert(down, channel, claim::<T>(1));
	let receipt = Receipt { genesis, channel, path, cumulative_bytes: 2 * BYTES };
	let signature = sign(consumer, &receipt.signing_payload());
	let ack = Ack { genesis, channel, hop: 1, cumulative_bytes: 2 * BYTES };
	let ack_signature = sign(&router_key, &ack.signing_payload());
	ChannelUsage {
		channel,
		hop: 0,
		prev: None,
		next: Some(down),
		bytes_in: 2 * BYTES,
		bytes_out: 2 * BYTES,
		receipt: Some(SignedReceipt { receipt, signature }),
		ack: Some(SignedAck { ack, signature: ack_signature }),
	}
}

/// `p` peers' counters.
fn peers(p: u32) -> BoundedVec<PeerCounters, ConstU32<MAX_TICKET_PEERS>> {
	BoundedVec::truncate_from(
		(0..p).map(|i| PeerCounters { peer: 1_000_000 + i, octets_in: 1, octets_out: 1 }).collect(),
	)
}

/// Router `relay`'s ticket of the current epoch over `channels` and `p` peers, after a ticket
/// of epoch 0 with the same peers, signed with `key`.
fn ticket<T: Config>(
	relay: SegmentId,
	key: &Public,
	channels: Vec<ChannelUsage>,
	p: u32,
) -> SignedTicket {
	LastTicket::<T>::insert(
		relay,
		TicketMark {
			epoch: 0,
			included: 0,
			boot_time: 1,
			total_in: 1,
			total_out: 1,
			peers: peers(p),
		},
	);
	let ticket = Ticket {
		segment: relay,
		epoch: Pallet::<T>::current_epoch(),
		boot_time: 1,
		total_in: 2,
		total_out: 2,
		peers: peers(p),
		channels: BoundedVec::truncate_from(channels),
	};
	let signature = sign(key, &ticket.signing_payload(&genesis::<T>()));
	SignedTicket { ticket, signature }
}

/// A ticket of router `2n` with `c` channels (to routers `2n + 1 ..`) and `p` peers.
fn ticket_of<T: Config>(n: u32, c: u32, p: u32, consumer: &Public) -> SignedTicket {
	let first = n * (MAX_TICKET_CHANNELS + 1);
	let (relay, key) = router::<T>(first);
	let channels = (0..c).map(|i| usage::<T>(relay, first + 1 + i, consumer)).collect();
	ticket::<T>(relay, &key, channels, p)
}

fn in_second_epoch<T: Config>() {
	frame_system::Pallet::<T>::set_block_number(Pallet::<T>::epoch_length());
}

/// The ticket was taken in: its mark, and its claims' unchecked receipts.
fn assert_taken<T: Config>(t: &Ticket) {
	assert_eq!(LastTicket::<T>::get(t.segment).map(|m| m.epoch), Some(t.epoch));
	for u in &t.channels {
		let claim = Claims::<T>::get(t.segment, u.channel).expect("claimed");
		assert_eq!(claim.unchecked_receipt.map(|r| r.bytes), Some(2 * BYTES));
		assert_eq!(claim.unchecked_ack.map(|a| a.bytes), Some(2 * BYTES));
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;
	use frame_support::traits::Authorize;

	#[benchmark]
	fn submit_ticket(c: Linear<0, MAX_TICKET_CHANNELS>, p: Linear<0, MAX_TICKET_PEERS>) {
		in_second_epoch::<T>();
		let consumer = sp_io::crypto::ed25519_generate(KEY_TYPE, None);
		let signed = ticket_of::<T>(0, c, p, &consumer);
		let t = signed.ticket.clone();
		#[extrinsic_call]
		_(RawOrigin::Authorized, signed);
		assert_taken::<T>(&t);
	}

	/// The pool's check of a ticket of `c` channels (each with a receipt and an ack) and `p`
	/// peers: the duplicate checks and the signature over its whole payload.
	#[benchmark]
	fn authorize_ticket(
		c: Linear<0, MAX_TICKET_CHANNELS>,
		p: Linear<0, MAX_TICKET_PEERS>,
	) -> Result<(), BenchmarkError> {
		in_second_epoch::<T>();
		let consumer = sp_io::crypto::ed25519_generate(KEY_TYPE, None);
		let call = Call::<T>::submit_ticket { ticket: ticket_of::<T>(0, c, p, &consumer) };
		#[block]
		{
			call.authorize(TransactionSource::External)
				.ok_or("the call is authorized")?
				.map_err(|_| "the ticket is valid")?;
		}
		Ok(())
	}

	/// A batch of `n` one-channel tickets of distinct routers.
	#[benchmark]
	fn submit_tickets(n: Linear<1, MAX_TICKET_BATCH>) {
		in_second_epoch::<T>();
		let consumer = sp_io::crypto::ed25519_generate(KEY_TYPE, None);
		let batch: Vec<_> = (0..n).map(|i| ticket_of::<T>(i, 1, 0, &consumer)).collect();
		let tickets: Vec<_> = batch.iter().map(|s| s.ticket.clone()).collect();
		#[extrinsic_call]
		_(RawOrigin::Authorized, BoundedVec::truncate_from(batch));
		tickets.iter().for_each(assert_taken::<T>);
	}

	/// The pool's check of a batch of `n` one-channel tickets.
	#[benchmark]
	fn authorize_tickets(n: Linear<1, MAX_TICKET_BATCH>) -> Result<(), BenchmarkError> {
		in_second_epoch::<T>();
		let consumer = sp_io::crypto::ed25519_generate(KEY_TYPE, None);
		let batch = (0..n).map(|i| ticket_of::<T>(i, 1, 0, &consumer)).collect();
		let call = Call::<T>::submit_tickets { tickets: BoundedVec::truncate_from(batch) };
		#[block]
		{
			call.authorize(TransactionSource::External)
				.ok_or("the call is authorized")?
				.map_err(|_| "the batch is valid")?;
		}
		Ok(())
	}

	/// Settling a channel of `h` hops whose every hop reported a larger receipt (all but the
	/// smallest forged, so every one is checked) and, but the egress, a larger ack of its
	/// downstream than the downstream reported (each checked); every hop is paid.
	#[benchmark]
	fn settle(h: Linear<1, MAX_HOPS>) {
		let consumer = sp_io::crypto::ed25519_generate(KEY_TYPE, None);
		let genesis = genesis::<T>();
		let hops: Vec<_> = (0..h).map(router::<T>).collect();
		let path = Path::truncate_from(hops.iter().map(|(s, _)| *s).collect());
		let channel = T::BenchmarkHelper::open_channel(path.clone(), ReceiptKey(consumer.0));
		for (i, (segment, _)) in hops.iter().enumerate() {
			let bytes = 2 * BYTES + (h as u64 - 1 - i as u64);
			let receipt = Receipt { genesis, channel, path: path.clone(), cumulative_bytes: bytes };
			let mut signature = sign(&consumer, &receipt.signing_payload());
			if i + 1 < h as usize {
				signature[0] ^= 1;
			}
			let unchecked_ack = hops.get(i + 1).map(|(_, key)| {
				let ack = Ack { genesis, channel, hop: i as u8 + 1, cumulative_bytes: 2 * BYTES };
				Unchecked { bytes: 2 * BYTES, signature: sign(key, &ack.signing_payload()) }
			});
			let claim = Claim {
				unchecked_receipt: Some(Unchecked { bytes, signature }),
				unchecked_ack,
				..claim::<T>(i as u8)
			};
			Claims::<T>::insert(segment, channel, claim);
		}
		let caller: T::AccountId = whitelisted_caller();
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), channel);
		for (i, (segment, _)) in hops.iter().enumerate() {
			assert!(!Earned::<T>::get(segment).is_zero());
			let claim = Claims::<T>::get(segment, channel).expect("claimed");
			assert_eq!(claim.unchecked_receipt, None);
			assert_eq!(claim.acked, if i + 1 < h as usize { 2 * BYTES } else { 0 });
		}
		assert_eq!(Pallet::<T>::receipt_view(channel), 2 * BYTES);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_bench_ext(), crate::mock::Test);
}
