//! Benchmarks of ticket submission in its worst case: every channel carries a receipt to
//! verify and settles two hops, and the counters are compared against a full peer list.

use super::*;
use ditex_primitives::settlement::{Path, Receipt, ReceiptKey, SignedReceipt};
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
		let (relay, operator) = T::BenchmarkHelper::segment(0);
		let peers: BoundedVec<PeerCounters, ConstU32<MAX_TICKET_PEERS>> = BoundedVec::truncate_from(
			(0..p)
				.map(|i| PeerCounters { peer: 100_000 + i, octets_in: 1, octets_out: 1 })
				.collect(),
		);
		LastTicket::<T>::insert(
			relay,
			TicketMark { epoch: 0, boot_time: 1, total_in: 1, total_out: 1, peers: peers.clone() },
		);
		frame_system::Pallet::<T>::set_block_number(T::EpochLength::get());
		let epoch = Pallet::<T>::current_epoch();
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let genesis = H256::from_slice(genesis.as_ref());
		let mut channels = Vec::new();
		for i in 0..c {
			let (up, _) = T::BenchmarkHelper::segment(1 + i);
			let path = Path::truncate_from(alloc::vec![up, relay]);
			let channel = T::BenchmarkHelper::open_channel(path.clone(), ReceiptKey(key.0));
			// The upstream hop's claim waits for this ticket.
			Claims::<T>::insert(
				up,
				channel,
				Claim {
					hop: 0,
					bytes_in: BYTES,
					bytes_out: BYTES,
					reported: epoch,
					grew_at: epoch,
					waiting_since: Some(epoch),
					settled_bytes: 0,
					paid: Zero::zero(),
				},
			);
			let receipt = Receipt { genesis, channel, path, cumulative_bytes: BYTES };
			let signature = sp_io::crypto::ed25519_sign(KEY_TYPE, &key, &receipt.signing_payload())
				.expect("the key is in the keystore");
			channels.push(ChannelUsage {
				channel,
				hop: 1,
				prev: Some(up),
				next: None,
				bytes_in: BYTES,
				bytes_out: BYTES,
				receipt: Some(SignedReceipt { receipt, signature: signature.0 }),
			});
		}
		let ticket = Ticket {
			segment: relay,
			epoch,
			boot_time: 1,
			total_in: 2,
			total_out: 2,
			peers,
			channels: BoundedVec::truncate_from(channels),
		};
		#[extrinsic_call]
		_(RawOrigin::Signed(operator), ticket);
		assert_eq!(LastTicket::<T>::get(relay).map(|t| t.epoch), Some(epoch));
		if c > 0 {
			assert!(!Earned::<T>::get(relay).is_zero());
		}
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_bench_ext(), crate::mock::Test);
}
