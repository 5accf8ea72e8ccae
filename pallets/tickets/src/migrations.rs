//! Storage migrations of the tickets pallet.

use super::*;
use frame_support::{migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade};

/// Version 0 to 1: claims keep the receipt and ack signatures their tickets brought for
/// settlement to check (`unchecked_receipt`, `unchecked_ack`) and lose `reported`, which
/// nothing read. Every receipt and ack a version-0 claim holds was checked at intake, so
/// none is unchecked.
pub mod v1 {
	use super::*;

	/// A claim as version 0 stored it.
	#[derive(Decode)]
	pub struct ClaimV0<Balance> {
		hop: u8,
		bytes_in: u64,
		bytes_out: u64,
		receipt: u64,
		acked: u64,
		_reported: Epoch,
		grew_at: Epoch,
		settled_bytes: u64,
		paid: Balance,
	}

	/// The migration, without the version check: use [`MigrateToV1`].
	pub struct InnerMigrateToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut n = 0u64;
			Claims::<T>::translate::<ClaimV0<BalanceOf<T>>, _>(|_, _, old| {
				n += 1;
				Some(Claim {
					hop: old.hop,
					bytes_in: old.bytes_in,
					bytes_out: old.bytes_out,
					receipt: old.receipt,
					acked: old.acked,
					unchecked_receipt: None,
					unchecked_ack: None,
					grew_at: old.grew_at,
					settled_bytes: old.settled_bytes,
					paid: old.paid,
				})
			});
			T::DbWeight::get().reads_writes(n, n)
		}
	}

	/// Claims from version 0 to 1, run once.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		InnerMigrateToV1<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;

	#[cfg(test)]
	mod tests {
		use super::*;
		use crate::mock::*;
		use frame_support::{storage::unhashed, traits::OnRuntimeUpgrade};

		#[test]
		fn claims_of_version_0_keep_every_figure() {
			build_and_execute(|| {
				StorageVersion::new(0).put::<Pallet<Test>>();
				let old =
					(2u8, 9_000u64, 8_000u64, 7_000u64, 6_000u64, 5u32, 4u32, 3_000u64, 42u128);
				let key = Claims::<Test>::hashed_key_for(11, 3);
				unhashed::put_raw(&key, &old.encode());
				MigrateToV1::<Test>::on_runtime_upgrade();
				let claim = Claims::<Test>::get(11, 3).expect("migrated");
				assert_eq!(
					claim,
					Claim {
						hop: 2,
						bytes_in: 9_000,
						bytes_out: 8_000,
						receipt: 7_000,
						acked: 6_000,
						unchecked_receipt: None,
						unchecked_ack: None,
						grew_at: 4,
						settled_bytes: 3_000,
						paid: 42,
					}
				);
				assert_eq!(Pallet::<Test>::on_chain_storage_version(), 1);
				// Once only: a second run leaves a version-1 claim as it is.
				MigrateToV1::<Test>::on_runtime_upgrade();
				assert_eq!(Claims::<Test>::get(11, 3), Some(claim));
				// No channel 3 here: the claim goes before the state checks.
				Claims::<Test>::remove(11, 3);
			});
		}
	}
}
