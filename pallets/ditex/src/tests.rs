//! Unit tests of the DITEX registry on the mock runtime.

use crate::{mock::*, *};
use codec::Encode;
use ditex_primitives::registry::{
	CountryCode, DataPlaneKey, Endpoint, HourWindow, IpAddress, PerfEntry, PerfSample, Region,
	TicketKey, Windows,
};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};

fn register(who: AccountId, n: u32) -> SegmentId {
	let id = NextSegmentId::<Test>::get();
	assert_ok!(Ditex::register(RuntimeOrigin::signed(who), spec(n)));
	id
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::SegmentDeposit.into(), &who)
}

fn sample(latency_us: i32) -> PerfSample {
	PerfSample { latency_us, jitter_us: 100, loss_ppm: 0 }
}

fn entries(
	e: &[(SegmentId, SegmentId, PerfSample)],
) -> BoundedVec<PerfEntry, ConstU32<MAX_REPORT>> {
	BoundedVec::try_from(
		e.iter().map(|&(from, to, sample)| PerfEntry { from, to, sample }).collect::<Vec<_>>(),
	)
	.unwrap()
}

/// Dispatch `reporter`'s report of `entries` for the current era, signed with its ticket key,
/// with the origin its authorization gives (the authorization's own checks are tested in
/// `performance::authorization`).
fn report(
	reporter: SegmentId,
	entries: BoundedVec<PerfEntry, ConstU32<MAX_REPORT>>,
) -> DispatchResultWithPostInfo {
	let era = Ditex::current_era();
	let signature = sign_report(reporter, era, &entries);
	Ditex::report_performance(
		frame_system::RawOrigin::Authorized.into(),
		reporter,
		era,
		entries,
		signature,
	)
}

/// Register `n` routers of accounts 1..=n in Berlin; returns their ids.
fn register_many(n: u32) -> Vec<SegmentId> {
	(1..=n).map(|i| register(i as AccountId, i)).collect()
}

/// The reporter of `group` now, and its operator (account = segment id + 1 in
/// `register_many`).
fn current_reporter(group: GroupId) -> SegmentId {
	let g = Groups::<Test>::get(group).unwrap();
	Ditex::reporter_of(group, &g.members).unwrap()
}

fn operator_of(segment: SegmentId) -> AccountId {
	Segments::<Test>::get(segment).unwrap().operator
}

fn strike_to_quarantine(segment: SegmentId) {
	for _ in 0..MAX_STRIKES {
		<Ditex as StrikeSink>::strike(segment, StrikeReason::InvalidTicket);
	}
}

mod register {
	use super::*;

	#[test]
	fn holds_deposit_indexes_and_groups() {
		build_and_execute(|| {
			let id = register(1, 1);
			assert_eq!(id, 0);
			assert_eq!(held(1), DEPOSIT);
			assert_eq!(Balances::free_balance(1), ENDOWMENT - DEPOSIT);
			let r = Segments::<Test>::get(id).unwrap();
			assert_eq!(r.operator, 1);
			assert_eq!(r.group, Some(0));
			assert_eq!(r.status, SegmentStatus::Active);
			assert_eq!(SegmentByEndpoint::<Test>::get(spec(1).endpoint), Some(id));
			assert_eq!(SegmentByKey::<Test>::get(spec(1).key), Some(id));
			assert_eq!(OperatorSegments::<Test>::get(1).into_inner(), vec![id]);
			assert_eq!(Groups::<Test>::get(0).unwrap().members.into_inner(), vec![id]);
			assert_eq!(RegionGroups::<Test>::get(berlin()).into_inner(), vec![0]);
			System::assert_has_event(Event::GroupCreated { group: 0, region: berlin() }.into());
			System::assert_last_event(
				Event::SegmentRegistered { segment: id, operator: 1, group: 0, deposit: DEPOSIT }
					.into(),
			);
		});
	}

	#[test]
	fn not_for_sale_listing_is_registered() {
		build_and_execute(|| {
			let mut s = spec(1);
			s.price_per_gib = None;
			assert_ok!(Ditex::register(RuntimeOrigin::signed(1), s));
			assert_eq!(Ditex::sellable(0), Err(PathError::NotForSale(0)));
		});
	}

	#[test]
	fn rejects_bad_endpoints() {
		build_and_execute(|| {
			for ep in [
				Endpoint { ip: IpAddress::V4([10, 0, 0, 1]), port: 0 },
				Endpoint { ip: IpAddress::V4([0, 0, 0, 0]), port: 4000 },
				Endpoint { ip: IpAddress::V4([255, 255, 255, 255]), port: 4000 },
				Endpoint { ip: IpAddress::V4([224, 0, 0, 1]), port: 4000 },
				Endpoint { ip: IpAddress::V6([0; 16]), port: 4000 },
				Endpoint { ip: IpAddress::V6([0xff; 16]), port: 4000 },
			] {
				let mut s = spec(1);
				s.endpoint = ep;
				assert_noop!(
					Ditex::register(RuntimeOrigin::signed(1), s),
					Error::<Test>::InvalidEndpoint
				);
			}
		});
	}

	#[test]
	fn rejects_null_key() {
		build_and_execute(|| {
			let mut s = spec(1);
			s.key = DataPlaneKey([0; 32]);
			assert_noop!(Ditex::register(RuntimeOrigin::signed(1), s), Error::<Test>::InvalidKey);
		});
	}

	#[test]
	fn rejects_bad_geolocation() {
		build_and_execute(|| {
			let bad = [
				Region::new(*b"XX", b"BE").unwrap(), // not an ISO 3166-1 code
				Region::new(*b"de", b"BE").unwrap(), // lower case
				Region::new(*b"DE", b"").unwrap(),   // no subdivision
				Region::new(*b"DE", b"b-").unwrap(), // malformed subdivision
			];
			for region in bad {
				let mut s = spec(1);
				s.region = region;
				assert_noop!(
					Ditex::register(RuntimeOrigin::signed(1), s),
					Error::<Test>::InvalidRegion
				);
			}
			assert!(Region::new(*b"DE", b"BERL").is_none(), "subdivisions are at most 3 long");
			assert!(CountryCode(*b"US").is_assigned());
		});
	}

	#[test]
	fn rejects_reserved_asns() {
		build_and_execute(|| {
			for asn in [0, 23_456, 64_500, 65_535, 65_540, u32::MAX] {
				let mut s = spec(1);
				s.asn = asn;
				assert_noop!(
					Ditex::register(RuntimeOrigin::signed(1), s),
					Error::<Test>::InvalidAsn
				);
			}
		});
	}

	#[test]
	fn rejects_bad_windows() {
		build_and_execute(|| {
			for w in [&[(24u8, 2u8)][..], &[(5, 5)], &[(1, 2), (3, 30)]] {
				let mut s = spec(1);
				s.windows = windows(w);
				assert_noop!(
					Ditex::register(RuntimeOrigin::signed(1), s),
					Error::<Test>::InvalidWindow
				);
			}
		});
	}

	#[test]
	fn rejects_duplicates() {
		build_and_execute(|| {
			register(1, 1);
			let mut same_endpoint = spec(2);
			same_endpoint.endpoint = spec(1).endpoint;
			assert_noop!(
				Ditex::register(RuntimeOrigin::signed(2), same_endpoint),
				Error::<Test>::EndpointInUse
			);
			let mut same_key = spec(2);
			same_key.key = spec(1).key;
			assert_noop!(
				Ditex::register(RuntimeOrigin::signed(2), same_key),
				Error::<Test>::KeyInUse
			);
			// The very same registration again, by the same operator.
			assert_noop!(
				Ditex::register(RuntimeOrigin::signed(1), spec(1)),
				Error::<Test>::EndpointInUse
			);
		});
	}

	#[test]
	fn rejects_unfunded_operator() {
		build_and_execute(|| {
			assert_noop!(
				Ditex::register(RuntimeOrigin::signed(PAUPER), spec(1)),
				Error::<Test>::InsufficientBalance
			);
		});
	}

	#[test]
	fn bounds_segments_per_operator() {
		build_and_execute(|| {
			for n in 1..=3 {
				register(1, n);
			}
			assert_noop!(
				Ditex::register(RuntimeOrigin::signed(1), spec(4)),
				Error::<Test>::TooManySegments
			);
		});
	}

	#[test]
	fn rejects_when_ids_are_exhausted() {
		build_and_execute(|| {
			NextSegmentId::<Test>::put(SegmentId::MAX);
			assert_noop!(
				Ditex::register(RuntimeOrigin::signed(1), spec(1)),
				Error::<Test>::IdsExhausted
			);
		});
	}

	#[test]
	fn rejects_unsigned() {
		build_and_execute(|| {
			assert_noop!(
				Ditex::register(RuntimeOrigin::none(), spec(1)),
				sp_runtime::DispatchError::BadOrigin
			);
		});
	}
}

mod groups {
	use super::*;

	#[test]
	fn more_than_a_hundred_fill_a_second_group() {
		build_and_execute(|| {
			let ids = register_many(150);
			let g0 = Groups::<Test>::get(0).unwrap();
			let g1 = Groups::<Test>::get(1).unwrap();
			assert_eq!(g0.members.len(), 100);
			assert_eq!(g1.members.len(), 50);
			assert_eq!(g0.members.into_inner(), ids[..100].to_vec());
			assert_eq!(g1.members.into_inner(), ids[100..].to_vec());
			assert_eq!(RegionGroups::<Test>::get(berlin()).into_inner(), vec![0, 1]);
			assert_eq!(Segments::<Test>::get(ids[99]).unwrap().group, Some(0));
			assert_eq!(Segments::<Test>::get(ids[100]).unwrap().group, Some(1));

			// A freed seat in the first group is taken by the next registration.
			assert_ok!(Ditex::deregister(RuntimeOrigin::signed(operator_of(ids[10])), ids[10]));
			let newcomer = register(200, 200);
			assert_eq!(Segments::<Test>::get(newcomer).unwrap().group, Some(0));
		});
	}

	#[test]
	fn region_with_full_groups_refuses() {
		build_and_execute(|| {
			// Two groups of 100 per region in the mock.
			register_many(200);
			assert_noop!(
				Ditex::register(RuntimeOrigin::signed(201), spec(201)),
				Error::<Test>::RegionFull
			);
			// Another region still has room.
			let mut s = spec(201);
			s.region = california();
			assert_ok!(Ditex::register(RuntimeOrigin::signed(201), s));
			assert_eq!(Segments::<Test>::get(200).unwrap().group, Some(2));
		});
	}

	#[test]
	fn regions_get_their_own_groups() {
		build_and_execute(|| {
			register(1, 1);
			let mut s = spec(2);
			s.region = california();
			assert_ok!(Ditex::register(RuntimeOrigin::signed(2), s));
			assert_eq!(Segments::<Test>::get(0).unwrap().group, Some(0));
			assert_eq!(Segments::<Test>::get(1).unwrap().group, Some(1));
			assert_eq!(Groups::<Test>::get(1).unwrap().region, california());
		});
	}

	#[test]
	fn reporter_rotates_every_era_through_all_members() {
		build_and_execute(|| {
			let ids = register_many(150);
			let mut seen0 = Vec::new();
			let mut seen1 = Vec::new();
			let mut last = None;
			for era in 0..100u64 {
				run_to_block(era * ERA + 1);
				let r0 = current_reporter(0);
				let r1 = current_reporter(1);
				assert_eq!(Ditex::current_era(), era);
				assert_eq!(r0, ids[(era as usize) % 100]);
				assert_eq!(r1, ids[100 + (era as usize + 1) % 50]);
				assert_ne!(Some(r0), last, "the reporter changes each era");
				last = Some(r0);
				seen0.push(r0);
				seen1.push(r1);
				// The view names the same reporter.
				assert_eq!(Ditex::group_view(0).unwrap().reporter, Some(r0));
			}
			seen0.sort();
			seen0.dedup();
			seen1.sort();
			seen1.dedup();
			assert_eq!(seen0.len(), 100, "every member of group 0 reported once");
			assert_eq!(seen1.len(), 50, "every member of group 1 reported");
		});
	}

	#[test]
	fn last_member_leaving_closes_group() {
		build_and_execute(|| {
			let id = register(1, 1);
			assert_ok!(Ditex::deregister(RuntimeOrigin::signed(1), id));
			assert!(Groups::<Test>::get(0).is_none());
			assert!(RegionGroups::<Test>::get(berlin()).is_empty());
			System::assert_has_event(Event::LeftGroup { segment: id, group: 0 }.into());
		});
	}
}

mod update {
	use super::*;

	#[test]
	fn changes_price_endpoint_windows_capacity() {
		build_and_execute(|| {
			let id = register(1, 1);
			let new_ep = Endpoint {
				ip: IpAddress::V6([0x2a, 0, 0x14, 0x50, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
				port: 5,
			};
			assert_ok!(Ditex::update(
				RuntimeOrigin::signed(1),
				id,
				Some(Some(7)),
				Some(new_ep),
				Some(windows(&[(22, 6)])),
				Some(42),
			));
			let r = Segments::<Test>::get(id).unwrap();
			assert_eq!(r.spec.price_per_gib, Some(7));
			assert_eq!(r.spec.endpoint, new_ep);
			assert_eq!(r.spec.capacity_mbps, 42);
			assert_eq!(SegmentByEndpoint::<Test>::get(new_ep), Some(id));
			assert_eq!(SegmentByEndpoint::<Test>::get(spec(1).endpoint), None);
			System::assert_last_event(Event::SegmentUpdated { segment: id }.into());

			// Off sale.
			assert_ok!(Ditex::update(RuntimeOrigin::signed(1), id, Some(None), None, None, None));
			assert_eq!(Segments::<Test>::get(id).unwrap().spec.price_per_gib, None);
		});
	}

	#[test]
	fn checks_caller_target_and_values() {
		build_and_execute(|| {
			let id = register(1, 1);
			register(2, 2);
			assert_noop!(
				Ditex::update(RuntimeOrigin::signed(2), id, Some(Some(1)), None, None, None),
				Error::<Test>::NotOperator
			);
			assert_noop!(
				Ditex::update(RuntimeOrigin::signed(1), 77, Some(Some(1)), None, None, None),
				Error::<Test>::UnknownSegment
			);
			assert_noop!(
				Ditex::update(
					RuntimeOrigin::signed(1),
					id,
					None,
					Some(spec(2).endpoint),
					None,
					None
				),
				Error::<Test>::EndpointInUse
			);
			assert_noop!(
				Ditex::update(
					RuntimeOrigin::signed(1),
					id,
					None,
					None,
					Some(windows(&[(3, 3)])),
					None
				),
				Error::<Test>::InvalidWindow
			);
			let mut bad = spec(1).endpoint;
			bad.port = 0;
			assert_noop!(
				Ditex::update(RuntimeOrigin::signed(1), id, None, Some(bad), None, None),
				Error::<Test>::InvalidEndpoint
			);
		});
	}

	#[test]
	fn oversized_windows_do_not_decode() {
		build_and_execute(|| {
			// Seven windows: one more than a listing may carry.
			let seven: Vec<HourWindow> =
				(0..7).map(|h| HourWindow { start: h, end: h + 1 }).collect();
			assert!(Windows::try_from(seven.clone()).is_err());
			// A call carrying them, encoded by hand as a client could, is refused at decoding:
			// pallet 3, call 1 (update), segment, price None, endpoint None, Some(windows),
			// capacity None.
			let call = |w: &[HourWindow]| {
				let mut e = vec![3u8, 1];
				e.extend(0u32.encode());
				e.extend([0u8, 0, 1]);
				e.extend(w.to_vec().encode());
				e.push(0);
				e
			};
			assert!(<RuntimeCall as codec::Decode>::decode(&mut &call(&seven[..6])[..]).is_ok());
			let encoded = call(&seven);
			assert!(<RuntimeCall as codec::Decode>::decode(&mut &encoded[..]).is_err());
		});
	}
}

mod deregister {
	use super::*;

	#[test]
	fn releases_deposit_and_clears_everything() {
		build_and_execute(|| {
			let a = register(1, 1);
			let b = register(2, 2);
			let reporter = current_reporter(0);
			assert_ok!(report(reporter, entries(&[(a, b, sample(900)), (b, a, sample(1100))])));
			assert_ok!(Ditex::deregister(RuntimeOrigin::signed(1), a));
			assert_eq!(held(1), 0);
			assert_eq!(Balances::free_balance(1), ENDOWMENT);
			assert!(Segments::<Test>::get(a).is_none());
			assert!(SegmentByEndpoint::<Test>::get(spec(1).endpoint).is_none());
			assert!(SegmentByKey::<Test>::get(spec(1).key).is_none());
			assert!(!OperatorSegments::<Test>::contains_key(1));
			assert_eq!(Groups::<Test>::get(0).unwrap().members.into_inner(), vec![b]);
			assert!(Performance::<Test>::get(a, b).is_none());
			assert!(Performance::<Test>::get(b, a).is_none());
			System::assert_last_event(
				Event::SegmentDeregistered { segment: a, operator: 1, released: DEPOSIT }.into(),
			);
			// The endpoint and key are free again.
			register(3, 1);
		});
	}

	#[test]
	fn checks_caller_and_target() {
		build_and_execute(|| {
			let id = register(1, 1);
			assert_noop!(
				Ditex::deregister(RuntimeOrigin::signed(2), id),
				Error::<Test>::NotOperator
			);
			assert_noop!(
				Ditex::deregister(RuntimeOrigin::signed(1), 9),
				Error::<Test>::UnknownSegment
			);
		});
	}
}

mod performance {
	use super::*;

	#[test]
	fn reporter_submits_and_registry_keeps_latest_with_age() {
		build_and_execute(|| {
			let ids = register_many(3);
			let r = current_reporter(0);
			assert_ok!(report(
				r,
				entries(&[(ids[0], ids[1], sample(1000)), (ids[1], ids[2], sample(-300))])
			));
			System::assert_last_event(
				Event::PerformanceReported { group: 0, reporter: r, entries: 2 }.into(),
			);
			assert_eq!(
				Ditex::performance_view(ids[1], ids[2]),
				Some(PerfRecord { sample: sample(-300), measured_at: 1 })
			);

			// Next era, the next reporter overwrites one pair; the other keeps its age.
			run_to_block(ERA + 1);
			let r2 = current_reporter(0);
			assert_ne!(r, r2);
			assert_ok!(report(r2, entries(&[(ids[0], ids[1], sample(2000))])));
			assert_eq!(
				Ditex::performance_view(ids[0], ids[1]),
				Some(PerfRecord { sample: sample(2000), measured_at: ERA + 1 })
			);
			assert_eq!(Ditex::performance_view(ids[1], ids[2]).unwrap().measured_at, 1);
		});
	}

	#[test]
	fn only_the_reporter_may_report() {
		build_and_execute(|| {
			let ids = register_many(3);
			let r = current_reporter(0);
			let other = *ids.iter().find(|&&s| s != r).unwrap();
			assert_noop!(
				report(other, entries(&[(ids[0], ids[1], sample(1))])),
				Error::<Test>::NotReporter
			);
			assert_noop!(
				report(404, entries(&[(ids[0], ids[1], sample(1))])),
				Error::<Test>::UnknownSegment
			);
		});
	}

	#[test]
	fn rejects_bad_reports() {
		build_and_execute(|| {
			let ids = register_many(3);
			// A member of another group (another region).
			let mut s = spec(50);
			s.region = california();
			assert_ok!(Ditex::register(RuntimeOrigin::signed(50), s));
			let outsider = 3;
			let r = current_reporter(0);
			let bad = [
				(entries(&[(ids[0], outsider, sample(1))]), Error::<Test>::NotGroupMember),
				(entries(&[(ids[0], 999, sample(1))]), Error::<Test>::NotGroupMember),
				(entries(&[(ids[1], ids[1], sample(1))]), Error::<Test>::SelfPair),
				(
					entries(&[(ids[0], ids[1], sample(1)), (ids[0], ids[1], sample(2))]),
					Error::<Test>::DuplicatePair,
				),
				(entries(&[]), Error::<Test>::EmptyReport),
				(
					entries(&[(
						ids[0],
						ids[1],
						PerfSample { latency_us: 1, jitter_us: 0, loss_ppm: 1_000_001 },
					)]),
					Error::<Test>::InvalidSample,
				),
			];
			for (report, err) in bad {
				assert_noop!(super::report(r, report), err);
			}
		});
	}

	#[test]
	fn oversized_report_does_not_decode() {
		build_and_execute(|| {
			let too_many: Vec<PerfEntry> = (0..=MAX_REPORT)
				.map(|i| PerfEntry { from: 0, to: i + 1, sample: sample(1) })
				.collect();
			assert!(
				BoundedVec::<PerfEntry, ConstU32<MAX_REPORT>>::try_from(too_many.clone()).is_err()
			);
			// pallet index 3, call index 3, reporter, era, entries, signature
			let call = |e: &[PerfEntry]| {
				let mut encoded = vec![3u8, 3];
				encoded.extend(0u32.encode());
				encoded.extend(0u64.encode());
				encoded.extend(e.to_vec().encode());
				encoded.extend([0u8; 64]);
				encoded
			};
			assert!(<RuntimeCall as codec::Decode>::decode(&mut &call(&too_many)[..]).is_err());
			// The same with the maximum decodes.
			let ok = call(&too_many[..MAX_REPORT as usize]);
			assert!(<RuntimeCall as codec::Decode>::decode(&mut &ok[..]).is_ok());
		});
	}

	/// Reports are authorized transactions under the reporter's ticket key: no account, fee
	/// or nonce, one per (group, era) in the pool.
	mod authorization {
		use super::*;
		use frame_support::{dispatch::Pays, pallet_prelude::*, traits::Authorize};
		use sp_core::Pair;
		use sp_runtime::traits::Dispatchable;

		fn call(
			reporter: SegmentId,
			era: u64,
			e: BoundedVec<PerfEntry, ConstU32<MAX_REPORT>>,
			signature: [u8; 64],
		) -> RuntimeCall {
			RuntimeCall::Ditex(crate::Call::report_performance {
				reporter,
				era,
				entries: e,
				signature,
			})
		}

		fn authorize(call: &RuntimeCall) -> Result<ValidTransaction, TransactionValidityError> {
			call.authorize(TransactionSource::External)
				.expect("report_performance is authorized by its call")
				.map(|(validity, _)| validity)
		}

		/// Three members; the reporter's signed report for this era.
		fn setup() -> (Vec<SegmentId>, SegmentId, BoundedVec<PerfEntry, ConstU32<MAX_REPORT>>) {
			let ids = register_many(3);
			let r = current_reporter(0);
			let m = *ids.iter().find(|&&s| s != r).unwrap();
			(ids, r, entries(&[(r, m, sample(1_000))]))
		}

		#[test]
		fn the_reporters_signed_report_is_taken_once_per_group_and_era() {
			build_and_execute(|| {
				let (_, r, e) = setup();
				let era = Ditex::current_era();
				let signed = call(r, era, e.clone(), sign_report(r, era, &e));
				let validity = authorize(&signed).expect("the pool takes the report");
				assert_eq!(validity.provides, vec![("DitexReport", (0u32, era)).encode()]);
				assert!(validity.longevity >= 1 && validity.longevity <= ERA);
				let info = signed.clone().dispatch(frame_system::RawOrigin::Authorized.into());
				assert_eq!(info.expect("included").pays_fee, Pays::No);
				System::assert_last_event(
					Event::PerformanceReported { group: 0, reporter: r, entries: 1 }.into(),
				);
				// A second report of the era: refused by the pool, and by the call if it gets in.
				assert_eq!(authorize(&signed), Err(InvalidTransaction::Stale.into()));
				assert_noop!(
					signed.dispatch(frame_system::RawOrigin::Authorized.into()),
					Error::<Test>::AlreadyReported
				);
			});
		}

		#[test]
		fn forged_or_foreign_signatures_are_refused() {
			build_and_execute(|| {
				let (ids, r, e) = setup();
				let era = Ditex::current_era();
				let good = sign_report(r, era, &e);
				let mut forged = good;
				forged[5] ^= 1;
				// Another member's ticket key, signing in the reporter's name.
				let other = *ids.iter().find(|&&s| s != r).unwrap();
				let foreign = sign_report(other, era, &e);
				// The reporter's key over a report for another chain.
				let pair = (1..=3)
					.map(ticket_pair)
					.find(|p| p.public().0 == Segments::<Test>::get(r).unwrap().spec.ticket_key.0);
				let payload = ditex_primitives::registry::report_signing_payload(
					&sp_core::H256::repeat_byte(0x42),
					r,
					era,
					&e,
				);
				let other_chain = sp_core::Pair::sign(&pair.unwrap(), &payload).0;
				// The same report with an entry changed after signing.
				let mut changed = e.clone();
				changed[0].sample.latency_us += 1;
				for (entries, sig) in
					[(&e, forged), (&e, foreign), (&e, other_chain), (&changed, good)]
				{
					assert_eq!(
						authorize(&call(r, era, entries.clone(), sig)),
						Err(InvalidTransaction::BadProof.into())
					);
				}
				assert_ok!(authorize(&call(r, era, e.clone(), good)));
			});
		}

		#[test]
		fn a_rotated_out_key_signs_no_more() {
			build_and_execute(|| {
				let (_, r, e) = setup();
				let era = Ditex::current_era();
				let old = sign_report(r, era, &e);
				let new = ticket_pair(900);
				assert_ok!(Ditex::set_ticket_key(
					RuntimeOrigin::signed(operator_of(r)),
					r,
					TicketKey(new.public().0)
				));
				assert_eq!(
					authorize(&call(r, era, e.clone(), old)),
					Err(InvalidTransaction::BadProof.into())
				);
				assert_eq!(sign_report(r, era, &e), {
					let payload = ditex_primitives::registry::report_signing_payload(
						&crate::genesis_hash::<Test>(),
						r,
						era,
						&e,
					);
					sp_core::Pair::sign(&new, &payload).0
				});
				assert_ok!(authorize(&call(r, era, e.clone(), sign_report(r, era, &e))));
			});
		}

		#[test]
		fn only_the_current_era_and_its_reporter() {
			build_and_execute(|| {
				let (ids, r, e) = setup();
				let era = Ditex::current_era();
				let at = |era: u64| call(r, era, e.clone(), sign_report(r, era, &e));
				assert_eq!(authorize(&at(era + 1)), Err(InvalidTransaction::Future.into()));
				let other = *ids.iter().find(|&&s| s != r).unwrap();
				let by_other = call(other, era, e.clone(), sign_report(other, era, &e));
				assert_eq!(authorize(&by_other), Err(InvalidTransaction::Call.into()));
				let unknown = call(404, era, e.clone(), [1; 64]);
				assert_eq!(authorize(&unknown), Err(InvalidTransaction::BadSigner.into()));
				// Signed for this era, submitted in the next one: stale, wherever it is kept.
				let late = at(era);
				run_to_block(ERA * (era + 1) + 1);
				assert_eq!(authorize(&late), Err(InvalidTransaction::Stale.into()));
				assert_noop!(
					late.dispatch(frame_system::RawOrigin::Authorized.into()),
					Error::<Test>::WrongEra
				);
			});
		}

		/// The operator-signed form is gone: an account, even the operator's, cannot report.
		#[test]
		fn signed_origins_cannot_report() {
			build_and_execute(|| {
				let (_, r, e) = setup();
				let era = Ditex::current_era();
				let signature = sign_report(r, era, &e);
				assert_noop!(
					Ditex::report_performance(
						RuntimeOrigin::signed(operator_of(r)),
						r,
						era,
						e,
						signature
					),
					sp_runtime::DispatchError::BadOrigin
				);
			});
		}
	}
}

mod disputes {
	use super::*;

	/// Four members, old enough to dispute; the reporter reports every pair as 1 ms.
	fn setup() -> (Vec<SegmentId>, SegmentId) {
		let ids = register_many(4);
		run_to_block(1 + MIN_DISPUTER_AGE);
		let r = current_reporter(0);
		let pairs: Vec<_> = ids
			.iter()
			.flat_map(|&a| ids.iter().map(move |&b| (a, b)))
			.filter(|(a, b)| a != b)
			.map(|(a, b)| (a, b, sample(1_000)))
			.take(MAX_REPORT as usize)
			.collect();
		assert_ok!(report(r, entries(&pairs)));
		(ids, r)
	}

	#[test]
	fn quorum_of_contradicting_members_strikes_reporter_once() {
		build_and_execute(|| {
			let (ids, r) = setup();
			let others: Vec<_> = ids.iter().copied().filter(|&s| s != r).collect();
			let from = |m: SegmentId| *ids.iter().find(|&&s| s != m).unwrap();
			// Each measured 30 ms where the report says 1 ms.
			for (i, &m) in others[..2].iter().enumerate() {
				assert_ok!(Ditex::dispute_report(
					RuntimeOrigin::signed(operator_of(m)),
					m,
					from(m),
					sample(30_000)
				));
				System::assert_has_event(
					Event::ReportDisputed { group: 0, by: m, operators: i as u32 + 1, quorum: 2 }
						.into(),
				);
			}
			// Quorum is two; a third dispute cannot strike again.
			let m = others[2];
			assert_noop!(
				Ditex::dispute_report(
					RuntimeOrigin::signed(operator_of(m)),
					m,
					from(m),
					sample(30_000)
				),
				Error::<Test>::ReportStruck
			);
			assert_eq!(Segments::<Test>::get(r).unwrap().strikes, 1);
			System::assert_has_event(
				Event::Struck { segment: r, reason: StrikeReason::ContradictedReport, strikes: 1 }
					.into(),
			);
		});
	}

	#[test]
	fn rejects_bad_disputes() {
		build_and_execute(|| {
			let ids = register_many(3);
			run_to_block(1 + MIN_DISPUTER_AGE);
			let r = current_reporter(0);
			let m = *ids.iter().find(|&&s| s != r).unwrap();
			let who = RuntimeOrigin::signed(operator_of(m));
			assert_noop!(
				Ditex::dispute_report(who.clone(), m, r, sample(1)),
				Error::<Test>::NoReport
			);
			assert_ok!(report(r, entries(&[(r, m, sample(1_000))])));
			assert_noop!(
				Ditex::dispute_report(RuntimeOrigin::signed(operator_of(r)), r, m, sample(9_000)),
				Error::<Test>::OwnReport
			);
			// Within 5 ms: no contradiction.
			assert_noop!(
				Ditex::dispute_report(who.clone(), m, r, sample(4_000)),
				Error::<Test>::NoContradiction
			);
			// A pair the report did not cover, or that the disputer did not receive.
			let third = *ids.iter().find(|&&s| s != r && s != m).unwrap();
			assert_noop!(
				Ditex::dispute_report(who.clone(), m, third, sample(50_000)),
				Error::<Test>::NotMeasuredByDisputer
			);
			assert_noop!(
				Ditex::dispute_report(
					who.clone(),
					m,
					r,
					PerfSample { latency_us: 1_000, jitter_us: 0, loss_ppm: 2_000_000 }
				),
				Error::<Test>::InvalidSample
			);
			assert_ok!(Ditex::dispute_report(who.clone(), m, r, sample(50_000)));
			assert_noop!(
				Ditex::dispute_report(who, m, r, sample(50_000)),
				Error::<Test>::AlreadyDisputed
			);
			// Heavy loss where the report says none also contradicts it (next era's report).
			run_to_block(ERA);
			let r = current_reporter(0);
			let other = *ids.iter().find(|&&s| s != r).unwrap();
			assert_ok!(report(r, entries(&[(r, other, sample(1_000))])));
			assert_ok!(Ditex::dispute_report(
				RuntimeOrigin::signed(operator_of(other)),
				other,
				r,
				PerfSample { latency_us: 1_000, jitter_us: 0, loss_ppm: 300_000 }
			));
		});
	}
}

mod quarantine {
	use super::*;

	#[test]
	fn strikes_quarantine_and_cooldown_reinstates() {
		build_and_execute(|| {
			let ids = register_many(2);
			let s = ids[0];
			<Ditex as StrikeSink>::strike(s, StrikeReason::InvalidTicket);
			<Ditex as StrikeSink>::strike(s, StrikeReason::InvalidTicket);
			assert_eq!(Segments::<Test>::get(s).unwrap().status, SegmentStatus::Active);
			<Ditex as StrikeSink>::strike(s, StrikeReason::InvalidTicket);
			let r = Segments::<Test>::get(s).unwrap();
			assert_eq!(r.status, SegmentStatus::Quarantined { since: 1 });
			assert_eq!(r.group, None);
			assert!(!Groups::<Test>::get(0).unwrap().members.contains(&s));
			System::assert_has_event(Event::Quarantined { segment: s, until: 1 + COOLDOWN }.into());
			// Not listable, not payable.
			assert_eq!(Ditex::sellable(s), Err(PathError::Quarantined(s)));
			assert!(!Ditex::is_active(s));
			assert!(Ditex::segments_view(Some(berlin()), None, 100).iter().all(|v| v.id != s));

			assert_noop!(
				Ditex::reinstate(RuntimeOrigin::signed(1), s),
				Error::<Test>::CooldownNotOver
			);
			run_to_block(1 + COOLDOWN);
			assert_noop!(Ditex::reinstate(RuntimeOrigin::signed(2), s), Error::<Test>::NotOperator);
			assert_ok!(Ditex::reinstate(RuntimeOrigin::signed(1), s));
			let r = Segments::<Test>::get(s).unwrap();
			assert_eq!((r.status, r.strikes, r.group), (SegmentStatus::Active, 0, Some(0)));
			System::assert_last_event(Event::Reinstated { segment: s, group: 0 }.into());
			assert_noop!(
				Ditex::reinstate(RuntimeOrigin::signed(1), s),
				Error::<Test>::NotQuarantined
			);
		});
	}

	#[test]
	fn quarantined_router_cannot_act() {
		build_and_execute(|| {
			let ids = register_many(3);
			// Make the quarantined router the one whose turn it would be.
			let s = current_reporter(0);
			let m = *ids.iter().find(|&&x| x != s).unwrap();
			strike_to_quarantine(s);
			let who = RuntimeOrigin::signed(operator_of(s));
			assert_noop!(
				Ditex::update(who.clone(), s, Some(Some(1)), None, None, None),
				Error::<Test>::Quarantined
			);
			assert_noop!(report(s, entries(&[(m, ids[2], sample(1))])), Error::<Test>::Quarantined);
			assert_noop!(
				Ditex::dispute_report(who.clone(), s, m, sample(1)),
				Error::<Test>::Quarantined
			);
			assert_noop!(Ditex::deregister(who, s), Error::<Test>::Quarantined);
		});
	}

	#[test]
	fn strikes_for_unknown_segments_are_ignored() {
		build_and_execute(|| {
			<Ditex as StrikeSink>::strike(12, StrikeReason::InvalidTicket);
			assert!(Segments::<Test>::get(12).is_none());
			assert!(System::events().is_empty());
		});
	}
}

mod views {
	use super::*;

	#[test]
	fn l10_segments_by_region_and_asn_leave_hidden_operators_out() {
		build_and_execute(|| {
			register(1, 1);
			let mut anon = spec(2);
			anon.hide_operator = true;
			anon.asn = 3320;
			assert_ok!(Ditex::register(RuntimeOrigin::signed(2), anon));
			let mut us = spec(3);
			us.region = california();
			assert_ok!(Ditex::register(RuntimeOrigin::signed(3), us));

			let berlin_list = Ditex::segments_view(Some(berlin()), None, 10);
			assert_eq!(berlin_list.iter().map(|v| v.id).collect::<Vec<_>>(), vec![0, 1]);
			assert_eq!(berlin_list[0].operator, Some(1));
			assert_eq!(berlin_list[1].operator, None, "the listing hides its operator");

			let by_asn = Ditex::segments_view(None, Some(3320), 10);
			assert_eq!(by_asn.iter().map(|v| v.id).collect::<Vec<_>>(), vec![1]);
			let both = Ditex::segments_view(Some(california()), Some(64_600), 10);
			assert_eq!(both.iter().map(|v| v.id).collect::<Vec<_>>(), vec![2]);
			assert_eq!(Ditex::segments_view(None, None, 2).len(), 2, "limit applies");

			let group = Ditex::group_view(0).unwrap();
			assert_eq!(group.members.len(), 2);
			assert_eq!(group.members[0].spec.key, spec(1).key);
			assert_eq!(group.members[0].spec.endpoint, spec(1).endpoint);
			assert!(Ditex::group_view(9).is_none());
			assert_eq!(Ditex::segment_view(2).unwrap().spec.region, california());
		});
	}

	#[test]
	fn path_cost_sums_each_hops_price() {
		build_and_execute(|| {
			let a = register(1, 1); // 1000 per GiB
			let mut s = spec(2);
			s.price_per_gib = Some(3_000);
			assert_ok!(Ditex::register(RuntimeOrigin::signed(2), s));
			let b = 1;
			let gib = ditex_primitives::registry::GIB as u64;
			assert_eq!(Ditex::path_cost_view(vec![a, b], 2 * gib), Ok(8_000));
			// Rounded up per hop: one byte still costs one unit at each hop.
			assert_eq!(Ditex::path_cost_view(vec![a, b], 1), Ok(2));
			assert_eq!(Ditex::path_cost_view(vec![], 1), Err(PathError::BadLength));
			assert_eq!(Ditex::path_cost_view(vec![a; 9], 1), Err(PathError::BadLength));
			assert_eq!(Ditex::path_cost_view(vec![a, b, a], 1), Err(PathError::Loop(a)));
			assert_eq!(Ditex::path_cost_view(vec![a, 7], 1), Err(PathError::UnknownSegment(7)));
		});
	}

	#[test]
	fn availability_windows_follow_utc_hours() {
		build_and_execute(|| {
			let mut s = spec(1);
			s.windows = windows(&[(22, 6)]); // nights only
			assert_ok!(Ditex::register(RuntimeOrigin::signed(1), s));
			set_utc_hour(12);
			assert_eq!(Ditex::sellable(0), Err(PathError::Unavailable(0)));
			assert_eq!(Ditex::path_cost_view(vec![0], 1), Err(PathError::Unavailable(0)));
			set_utc_hour(23);
			assert_eq!(Ditex::sellable(0), Ok((1, 1_000)));
			set_utc_hour(5);
			assert!(Ditex::sellable(0).is_ok());
			set_utc_hour(6);
			assert!(Ditex::sellable(0).is_err());
		});
	}
}

/// Regression tests for the findings of the chain review at 1f273ac, named after them.
mod review {
	use super::*;
	use frame_support::traits::fungible::InspectHold;

	const ATTACKER: AccountId = 100;

	fn bonds(who: AccountId) -> Balance {
		Balances::balance_on_hold(&HoldReason::DisputeBond.into(), &who)
	}

	/// `n` honest members (accounts 1..=n) and three segments of one attacker account, all
	/// old enough to dispute; the reporter (an honest member) reports every pair into the
	/// attacker's segments as 1 ms. Returns (honest, sybils, reporter).
	fn group_with_sybils(n: u32) -> (Vec<SegmentId>, Vec<SegmentId>, SegmentId) {
		let honest = register_many(n);
		let sybils: Vec<_> = (0..3).map(|i| register(ATTACKER, 50 + i)).collect();
		run_to_block(1 + MIN_DISPUTER_AGE);
		let mut r = current_reporter(0);
		while sybils.contains(&r) {
			run_to_block(System::block_number() + ERA);
			r = current_reporter(0);
		}
		let pairs: Vec<_> = sybils.iter().map(|&s| (r, s, sample(1_000))).collect();
		assert_ok!(report(r, entries(&pairs)));
		(honest, sybils, r)
	}

	fn dispute(m: SegmentId, from: SegmentId) -> DispatchResult {
		Ditex::dispute_report(RuntimeOrigin::signed(operator_of(m)), m, from, sample(90_000))
	}

	/// Three Sybil segments of one account are one voice: they cannot strike an honest
	/// reporter, and lose their bonds when the report is replaced.
	#[test]
	fn h3_sybil_segments_cannot_strike_an_honest_reporter() {
		build_and_execute(|| {
			let (_, sybils, r) = group_with_sybils(3);
			// Four operators: the quorum is the configured two.
			assert_eq!(Ditex::dispute_quorum(&Groups::<Test>::get(0).unwrap().members), 2);
			for &s in &sybils {
				assert_ok!(dispute(s, r));
			}
			System::assert_last_event(
				Event::ReportDisputed { group: 0, by: sybils[2], operators: 1, quorum: 2 }.into(),
			);
			assert_eq!(Segments::<Test>::get(r).unwrap().strikes, 0);
			assert_eq!(bonds(ATTACKER), 3 * BOND);
			assert_eq!(Balances::free_balance(ATTACKER), ENDOWMENT - 3 * DEPOSIT - 3 * BOND);
			// The next era's report closes this one: the unfounded disputes' bonds are gone.
			let start = (System::block_number() / ERA + 1) * ERA;
			run_to_block(start);
			let mut next = current_reporter(0);
			while sybils.contains(&next) {
				run_to_block(System::block_number() + ERA);
				next = current_reporter(0);
			}
			let other =
				*Groups::<Test>::get(0).unwrap().members.iter().find(|&&m| m != next).unwrap();
			assert_ok!(report(next, entries(&[(next, other, sample(1_000))])));
			System::assert_has_event(
				Event::DisputesForfeited { group: 0, disputes: 3, amount: 3 * BOND }.into(),
			);
			assert_eq!(bonds(ATTACKER), 0);
			assert_eq!(Balances::free_balance(ATTACKER), ENDOWMENT - 3 * DEPOSIT - 3 * BOND);
			assert_eq!(Balances::free_balance(FORFEIT_POT), 3 * BOND);
		});
	}

	/// The quorum grows with the group: at least a third of its distinct operators.
	#[test]
	fn h3_the_quorum_is_a_third_of_the_operators() {
		build_and_execute(|| {
			let (honest, sybils, _) = group_with_sybils(8);
			// Nine operators: three must dispute.
			assert_eq!(Ditex::dispute_quorum(&Groups::<Test>::get(0).unwrap().members), 3);
			// Next era, a report that also covers two honest witnesses.
			run_to_block((System::block_number() / ERA + 1) * ERA);
			let mut r = current_reporter(0);
			while sybils.contains(&r) {
				run_to_block(System::block_number() + ERA);
				r = current_reporter(0);
			}
			let witnesses: Vec<_> = honest.iter().copied().filter(|&m| m != r).take(2).collect();
			let pairs: Vec<_> =
				sybils.iter().chain(&witnesses).map(|&m| (r, m, sample(1_000))).collect();
			assert_ok!(report(r, entries(&pairs)));
			for &s in &sybils {
				assert_ok!(dispute(s, r));
			}
			assert_ok!(dispute(witnesses[0], r));
			System::assert_last_event(
				Event::ReportDisputed { group: 0, by: witnesses[0], operators: 2, quorum: 3 }
					.into(),
			);
			assert_eq!(Segments::<Test>::get(r).unwrap().strikes, 0);
			assert_ok!(dispute(witnesses[1], r));
			assert_eq!(Segments::<Test>::get(r).unwrap().strikes, 1);
			// Upheld: everyone's bonds are back, the attacker's included.
			assert_eq!(bonds(ATTACKER), 0);
		});
	}

	/// Disputes that reach the quorum strike the reporter once and get their bonds back.
	#[test]
	fn h3_upheld_disputes_get_their_bonds_back() {
		build_and_execute(|| {
			let ids = register_many(4);
			run_to_block(1 + MIN_DISPUTER_AGE);
			let r = current_reporter(0);
			let others: Vec<_> = ids.iter().copied().filter(|&m| m != r).collect();
			let pairs: Vec<_> = others.iter().map(|&m| (r, m, sample(1_000))).collect();
			assert_ok!(report(r, entries(&pairs)));
			assert_ok!(dispute(others[0], r));
			assert_eq!(bonds(operator_of(others[0])), BOND);
			assert_ok!(dispute(others[1], r));
			System::assert_has_event(Event::DisputeUpheld { group: 0, reporter: r }.into());
			assert_eq!(Segments::<Test>::get(r).unwrap().strikes, 1);
			for &m in &others[..2] {
				assert_eq!(bonds(operator_of(m)), 0);
				assert_eq!(Balances::free_balance(operator_of(m)), ENDOWMENT - DEPOSIT);
			}
			assert_eq!(Balances::free_balance(FORFEIT_POT), 0);
		});
	}

	/// A segment registered for the purpose cannot dispute at once.
	#[test]
	fn h3_new_segments_cannot_dispute_at_once() {
		build_and_execute(|| {
			let ids = register_many(3);
			let r = current_reporter(0);
			let m = *ids.iter().find(|&&s| s != r).unwrap();
			assert_ok!(report(r, entries(&[(r, m, sample(1_000))])));
			assert_noop!(dispute(m, r), Error::<Test>::DisputerTooNew);
			run_to_block(1 + MIN_DISPUTER_AGE);
			assert_ok!(dispute(m, r));
		});
	}

	/// A reporter cannot report again in its era to wipe the disputes against its report.
	#[test]
	fn l4_a_reporter_cannot_wipe_disputes_by_reporting_again() {
		build_and_execute(|| {
			let ids = register_many(3);
			run_to_block(1 + MIN_DISPUTER_AGE);
			let r = current_reporter(0);
			let m = *ids.iter().find(|&&s| s != r).unwrap();
			let once_more = || report(r, entries(&[(r, m, sample(1_000))]));
			assert_ok!(once_more());
			assert_ok!(dispute(m, r));
			assert_noop!(once_more(), Error::<Test>::AlreadyReported);
			assert_eq!(LatestReport::<Test>::get(0).unwrap().disputes.len(), 1);
		});
	}

	/// Deregistration tells the pallets that keep per-segment state (tickets) to drop it.
	#[test]
	fn l2_deregistration_tells_other_pallets() {
		build_and_execute(|| {
			let ids = register_many(2);
			assert_ok!(Ditex::deregister(RuntimeOrigin::signed(operator_of(ids[1])), ids[1]));
			assert_eq!(removed(), vec![ids[1]]);
		});
	}

	/// Loopback, private and other non-public endpoints only on test chains.
	#[test]
	fn l9_private_endpoints_only_on_test_chains() {
		build_and_execute(|| {
			for ip in [
				IpAddress::V4([127, 0, 0, 1]),
				IpAddress::V4([10, 0, 0, 1]),
				IpAddress::V4([192, 168, 1, 1]),
				IpAddress::V4([169, 254, 1, 1]),
				IpAddress::V4([100, 64, 0, 1]),
				IpAddress::V4([192, 0, 2, 1]),
			] {
				let mut s = spec(1);
				s.endpoint = Endpoint { ip, port: 4000 };
				assert_noop!(
					Ditex::register(RuntimeOrigin::signed(1), s),
					Error::<Test>::PrivateEndpoint
				);
			}
			let id = register(1, 1);
			assert_noop!(
				Ditex::update(
					RuntimeOrigin::signed(1),
					id,
					None,
					Some(Endpoint { ip: IpAddress::V4([127, 0, 0, 1]), port: 9 }),
					None,
					None
				),
				Error::<Test>::PrivateEndpoint
			);
			PrivateEndpointsAllowed::<Test>::put(true);
			let mut s = spec(2);
			s.endpoint = Endpoint { ip: IpAddress::V4([127, 0, 0, 1]), port: 4000 };
			assert_ok!(Ditex::register(RuntimeOrigin::signed(2), s));
		});
	}
}

/// The ticket key: set at registration, rotated by the operator, one router per key.
mod ticket_keys {
	use super::*;

	#[test]
	fn registered_with_the_listing_and_unique() {
		build_and_execute(|| {
			let id = register(1, 1);
			let key = spec(1).ticket_key;
			assert_eq!(SegmentByTicketKey::<Test>::get(key), Some(id));
			assert_eq!(<Ditex as SegmentRegistry<_, _>>::ticket_key(id), Some(key));
			let mut s = spec(2);
			s.ticket_key = key;
			assert_noop!(
				Ditex::register(RuntimeOrigin::signed(2), s),
				Error::<Test>::TicketKeyInUse
			);
			let mut s = spec(2);
			s.ticket_key = TicketKey([0; 32]);
			assert_noop!(
				Ditex::register(RuntimeOrigin::signed(2), s),
				Error::<Test>::InvalidTicketKey
			);
		});
	}

	#[test]
	fn rotated_by_the_operator_only() {
		build_and_execute(|| {
			let a = register(1, 1);
			let b = register(2, 2);
			let old = spec(1).ticket_key;
			let new = TicketKey([0x42; 32]);
			assert_noop!(
				Ditex::set_ticket_key(RuntimeOrigin::signed(2), a, new),
				Error::<Test>::NotOperator
			);
			assert_noop!(
				Ditex::set_ticket_key(RuntimeOrigin::signed(1), a, spec(2).ticket_key),
				Error::<Test>::TicketKeyInUse
			);
			assert_noop!(
				Ditex::set_ticket_key(RuntimeOrigin::signed(1), a, TicketKey([0; 32])),
				Error::<Test>::InvalidTicketKey
			);
			assert_ok!(Ditex::set_ticket_key(RuntimeOrigin::signed(1), a, new));
			System::assert_last_event(Event::TicketKeySet { segment: a, key: new }.into());
			assert_eq!(<Ditex as SegmentRegistry<_, _>>::ticket_key(a), Some(new));
			assert_eq!(SegmentByTicketKey::<Test>::get(old), None);
			// The rotated-out key is free for another router, and a quarantined router may
			// still rotate.
			assert_ok!(Ditex::set_ticket_key(RuntimeOrigin::signed(2), b, old));
			strike_to_quarantine(b);
			assert_ok!(Ditex::set_ticket_key(RuntimeOrigin::signed(2), b, TicketKey([0x43; 32])));
			// Deregistration frees the key.
			assert_ok!(Ditex::deregister(RuntimeOrigin::signed(1), a));
			assert_eq!(SegmentByTicketKey::<Test>::get(new), None);
		});
	}
}
