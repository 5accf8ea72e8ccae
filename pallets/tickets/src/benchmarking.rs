//! Benchmarks of ticket intake and channel settlement in their worst cases: every channel of a
//! ticket carries a larger receipt and a larger downstream ack to verify (two signatures, the
//! ack's key read from the registry) and grows the relay's claim, and the counters are
//! compared against a full peer list; settling pays every hop of the path.

use super::*;
use ditex_primitives::{
	registry::TicketKey,
	settlement::{Ack, Path, Receipt, ReceiptKey, SignedAck, SignedReceipt},
};
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;
use sp_core::H256;

/// The key type the benchmark's receipt key lives under in the keystore.
const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"dtxr");
/// Bytes every hop carried.
const BYTES: u64 = 1 << 20;

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn submit_ticket(c: Linear<0, MAX_TICKET_CHANNELS>, p: Linear<0, MAX_TICKET_PEERS>) {
		let key = sp_io::crypto::ed25519_generate(KEY_TYPE, None);
		let (relay, _) = T::BenchmarkHelper::segment(0);
		let relay_key = sp_io::crypto::ed25519_generate(KEY_TYPE, None);
		T::BenchmarkHelper::set_ticket_key(relay, TicketKey(relay_key.0));
		let peers: BoundedVec<PeerCounters, ConstU32<MAX_TICKET_PEERS>> = BoundedVec::truncate_from(
			(0..p)
				.map(|i| PeerCounters { peer: 100_000 + i, octets_in: 1, octets_out: 1 })
				.collect(),
		);
		LastTicket::<T>::insert(
			relay,
			TicketMark {
				epoch: 0,
				included: 0,
				boot_time: 1,
				total_in: 1,
				total_out: 1,
				peers: peers.clone(),
			},
		);
		frame_system::Pallet::<T>::set_block_number(Pallet::<T>::epoch_length());
		let epoch = Pallet::<T>::current_epoch();
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let genesis = H256::from_slice(genesis.as_ref());
		let mut channels = Vec::new();
		for i in 0..c {
			let (down, _) = T::BenchmarkHelper::segment(1 + i);
			let router_key = sp_io::crypto::ed25519_generate(KEY_TYPE, None);
			T::BenchmarkHelper::set_ticket_key(down, TicketKey(router_key.0));
			let path = Path::truncate_from(alloc::vec![relay, down]);
			let channel = T::BenchmarkHelper::open_channel(path.clone(), ReceiptKey(key.0));
			// The relay's claim so far, and its neighbour's.
			let claim = |reported| Claim {
				hop: 0,
				bytes_in: BYTES,
				bytes_out: BYTES,
				receipt: BYTES,
				acked: 0,
				reported,
				grew_at: 0,
				settled_bytes: 0,
				paid: Zero::zero(),
			};
			Claims::<T>::insert(relay, channel, claim(0));
			Claims::<T>::insert(down, channel, Claim { hop: 1, ..claim(0) });
			let receipt = Receipt { genesis, channel, path, cumulative_bytes: 2 * BYTES };
			let signature = sp_io::crypto::ed25519_sign(KEY_TYPE, &key, &receipt.signing_payload())
				.expect("the key is in the keystore");
			let ack = Ack { genesis, channel, hop: 1, cumulative_bytes: 2 * BYTES };
			let ack_signature =
				sp_io::crypto::ed25519_sign(KEY_TYPE, &router_key, &ack.signing_payload())
					.expect("the key is in the keystore");
			channels.push(ChannelUsage {
				channel,
				hop: 0,
				prev: None,
				next: Some(down),
				bytes_in: 2 * BYTES,
				bytes_out: 2 * BYTES,
				receipt: Some(SignedReceipt { receipt, signature: signature.0 }),
				ack: Some(SignedAck { ack, signature: ack_signature.0 }),
			});
		}
		let ids: Vec<ChannelId> = channels.iter().map(|u| u.channel).collect();
		let ticket = Ticket {
			segment: relay,
			epoch,
			boot_time: 1,
			total_in: 2,
			total_out: 2,
			peers,
			channels: BoundedVec::truncate_from(channels),
		};
		let signature =
			sp_io::crypto::ed25519_sign(KEY_TYPE, &relay_key, &ticket.signing_payload(&genesis))
				.expect("the key is in the keystore");
		let ticket = SignedTicket { ticket, signature: signature.0 };
		#[extrinsic_call]
		_(RawOrigin::Authorized, ticket);
		assert_eq!(LastTicket::<T>::get(relay).map(|t| t.epoch), Some(epoch));
		for id in ids {
			let claim = Claims::<T>::get(relay, id).expect("claimed");
			assert_eq!((claim.receipt, claim.grew_at), (2 * BYTES, epoch));
		}
	}

	/// The pool's check of a ticket with the most channels and peers: the duplicate checks and
	/// the signature over its whole payload.
	#[benchmark]
	fn authorize_ticket() -> Result<(), BenchmarkError> {
		use frame_support::traits::Authorize;
		let (relay, _) = T::BenchmarkHelper::segment(0);
		let relay_key = sp_io::crypto::ed25519_generate(KEY_TYPE, None);
		T::BenchmarkHelper::set_ticket_key(relay, TicketKey(relay_key.0));
		frame_system::Pallet::<T>::set_block_number(Pallet::<T>::epoch_length());
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let genesis = H256::from_slice(genesis.as_ref());
		let usage = |channel| ChannelUsage {
			channel,
			hop: 0,
			prev: None,
			next: Some(1),
			bytes_in: BYTES,
			bytes_out: BYTES,
			receipt: None,
			ack: None,
		};
		let ticket = Ticket {
			segment: relay,
			epoch: Pallet::<T>::current_epoch(),
			boot_time: 1,
			total_in: 1,
			total_out: 1,
			peers: BoundedVec::truncate_from(
				(0..MAX_TICKET_PEERS)
					.map(|i| PeerCounters { peer: i, octets_in: 1, octets_out: 1 })
					.collect(),
			),
			channels: BoundedVec::truncate_from(
				(0..MAX_TICKET_CHANNELS as u64).map(usage).collect(),
			),
		};
		let signature =
			sp_io::crypto::ed25519_sign(KEY_TYPE, &relay_key, &ticket.signing_payload(&genesis))
				.expect("the key is in the keystore");
		let call =
			Call::<T>::submit_ticket { ticket: SignedTicket { ticket, signature: signature.0 } };
		#[block]
		{
			call.authorize(TransactionSource::External)
				.ok_or("the call is authorized")?
				.map_err(|_| "the ticket is valid")?;
		}
		Ok(())
	}

	/// Settling a channel of `h` hops that pays every one of them.
	#[benchmark]
	fn settle(h: Linear<1, MAX_HOPS>) {
		let key = sp_io::crypto::ed25519_generate(KEY_TYPE, None);
		let hops: Vec<_> = (0..h).map(T::BenchmarkHelper::segment).collect();
		let path = Path::truncate_from(hops.iter().map(|(s, _)| *s).collect());
		let channel = T::BenchmarkHelper::open_channel(path, ReceiptKey(key.0));
		for (i, (segment, _)) in hops.iter().enumerate() {
			let claim = Claim {
				hop: i as u8,
				bytes_in: BYTES,
				bytes_out: BYTES,
				receipt: BYTES,
				acked: 0,
				reported: 0,
				grew_at: 0,
				settled_bytes: 0,
				paid: Zero::zero(),
			};
			Claims::<T>::insert(segment, channel, claim);
		}
		let caller: T::AccountId = whitelisted_caller();
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), channel);
		for (segment, _) in hops {
			assert!(!Earned::<T>::get(segment).is_zero());
		}
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_bench_ext(), crate::mock::Test);
}
