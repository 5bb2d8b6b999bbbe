"""Booking, assessment, payment, assignment, EVV, records, corrections, co-sign,
cancellation, reschedule: the services with exact values, codes and no side effects."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.catalog.errors import NotOffered
from doorstep.core.errors import Forbidden, NotFound
from doorstep.core.models import AuditEvent
from doorstep.notifications.models import Notification
from doorstep.orders import errors, selectors, services
from doorstep.orders.access import assigned_elder_ids
from doorstep.orders.models import (
    Assessment,
    CheckEvent,
    Correction,
    CoSign,
    Order,
    Payment,
    ServiceRecord,
    Visit,
    VisitEvent,
)
from doorstep.people.access import elders_visible_to

from .conftest import (
    FAR_2KM,
    GOOD_VALUES,
    HOME,
    HOME_B,
    NEAR_500M,
    NOW,
    assessment_of,
    assigned,
    at,
    dispatchable,
    first_visit,
    fresh,
    in_service,
    place,
)

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (
        Order.objects.count(),
        Visit.objects.count(),
        VisitEvent.objects.count(),
        Assessment.objects.count(),
        AuditEvent.objects.count(),
    )


# --- placing ----------------------------------------------------------------------------


def test_prepay_institution_waits_for_payment_then_dispatch(
    personas: Any, world: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    order = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    visit = first_visit(order)
    assert (order.payment_mode, visit.status) == ("prepay", "awaiting_payment")
    assert order.total_fen > 0
    assert order.price_lines
    assert order.pricing_inputs["offering_id"] == order.offering_id
    payment = services.confirm_payment(
        actor=Actor.of(personas.elder), order=order, method="card", receipt_no="R-1"
    )
    assert (payment.amount_fen, payment.method) == (order.total_fen, "card")
    assert fresh(visit).status == "awaiting_dispatch"
    with pytest.raises(errors.PaymentNotDue):
        services.confirm_payment(actor=Actor.of(personas.elder), order=order, method="cash")
    assert Payment.objects.count() == 1


def test_pay_at_door_goes_straight_to_dispatch_and_pays_after_completion(
    personas: Any, world: Any, elder_b: Any, catalog: Any, providers: Any, frozen: Any
) -> None:
    order = place(personas.other_admin, elder_b, world.inst_b, catalog.companion)
    visit = first_visit(order)
    assert (order.payment_mode, visit.status) == ("at_door", "awaiting_dispatch")
    with pytest.raises(errors.PaymentNotDue):
        services.confirm_payment(actor=Actor.of(personas.other_admin), order=order, method="cash")
    other = providers.other_nurse
    services.assign_provider(actor=Actor.of(personas.other_admin), visit=visit, provider=other)
    nurse = Actor.of(personas.other_nurse)
    services.start_travel(actor=nurse, visit=fresh(visit))
    frozen.now = visit.window_start
    services.check_in(actor=nurse, visit=fresh(visit), lat=HOME_B[0], lng=HOME_B[1])
    services.start_service(actor=nurse, visit=fresh(visit))
    services.submit_record(actor=nurse, visit=fresh(visit), values={"mood": "fair"})
    services.check_out(actor=nurse, visit=fresh(visit), lat=HOME_B[0], lng=HOME_B[1])
    payment = services.confirm_payment(actor=nurse, order=order, method="cash", receipt_no="D-1")
    assert payment.amount_fen == order.total_fen
    assert fresh(visit).paid_at == frozen.now


def test_package_creates_spaced_visits_with_split_price(
    personas: Any, world: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    order = place(personas.elder, elder_a, world.inst_a, package=catalog.dressing_pack)
    visits = list(order.visits.order_by("seq"))
    assert [v.seq for v in visits] == [1, 2, 3, 4]
    assert [v.window_start - visits[0].window_start for v in visits] == [
        dt.timedelta(days=7 * i) for i in range(4)
    ]
    assert sum(v.price_fen for v in visits) == order.total_fen
    assert {v.status for v in visits} == {"awaiting_assessment"}
    assert len({v.assessment_id for v in visits}) == 1


def test_family_without_place_orders_cannot_book(
    personas: Any, world: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    before = counts()
    with pytest.raises(NotFound):
        place(personas.family, elder_a, world.inst_a, catalog.companion)
    with pytest.raises(NotFound):
        place(personas.other_admin, elder_a, world.inst_a, catalog.companion)
    assert counts() == before


def test_offering_outside_the_elders_area_is_refused(
    personas: Any, world: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    before = counts()
    with pytest.raises(NotOffered) as exc:
        place(personas.platform_admin, elder_a, world.inst_b, catalog.companion)
    assert (exc.value.status, exc.value.code) == (422, "not_offered")
    assert counts() == before


def test_window_in_the_past_is_refused(
    personas: Any, world: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    with pytest.raises(errors.InvalidWindow):
        place(personas.elder, elder_a, world.inst_a, catalog.companion, start=at(-1))


# --- assessment ---------------------------------------------------------------------------


def test_assessment_is_reused_within_validity_and_not_after(
    personas: Any, world: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    first = first_visit(place(personas.elder, elder_a, world.inst_a, catalog.dressing))
    assert first.status == "awaiting_assessment"
    reviewed = services.review_assessment(
        actor=Actor.of(personas.reviewer),
        assessment=assessment_of(first),
        decision="accepted",
        notes="Dog at home.",
        risk_flags=["aggressive_pet", "stairs_without_lift"],
    )
    assert reviewed.valid_until == NOW.date() + dt.timedelta(days=90)
    assert fresh(first).status == "awaiting_payment"
    assert "aggressive_pet" in fresh(first).risk_flags
    # a repeat order 30 days later reuses it: no second review, flags carried
    again = first_visit(
        place(personas.elder, elder_a, world.inst_a, catalog.dressing, start=at(24 * 30))
    )
    assert again.status == "awaiting_payment"
    assert again.assessment_id == reviewed.pk
    assert Assessment.objects.count() == 1
    assert "stairs_without_lift" in again.risk_flags
    # 100 days later it has expired: a new assessment is requested
    late = first_visit(
        place(personas.elder, elder_a, world.inst_a, catalog.dressing, start=at(24 * 100))
    )
    assert late.status == "awaiting_assessment"
    assert Assessment.objects.count() == 2


def test_rejected_assessment_rejects_the_visits(
    personas: Any, world: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    visit = first_visit(place(personas.elder, elder_a, world.inst_a, catalog.dressing))
    with pytest.raises(errors.ReasonRequired):
        services.review_assessment(
            actor=Actor.of(personas.reviewer), assessment=assessment_of(visit), decision="rejected"
        )
    services.review_assessment(
        actor=Actor.of(personas.reviewer),
        assessment=assessment_of(visit),
        decision="rejected",
        notes="Needs hospital care.",
    )
    assert fresh(visit).status == "rejected"
    assert selectors.order_status(["rejected"]) == "rejected"
    with pytest.raises(errors.AssessmentDecided):
        services.review_assessment(
            actor=Actor.of(personas.reviewer), assessment=assessment_of(visit), decision="accepted"
        )


def test_only_the_institutions_reviewer_decides(
    personas: Any, world: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    visit = first_visit(place(personas.elder, elder_a, world.inst_a, catalog.dressing))
    for user in (personas.other_admin, personas.dispatcher, personas.nurse):
        with pytest.raises(Forbidden):
            services.review_assessment(
                actor=Actor.of(user), assessment=assessment_of(visit), decision="accepted"
            )
    with pytest.raises(errors.InvalidRiskFlag):
        services.review_assessment(
            actor=Actor.of(personas.reviewer),
            assessment=assessment_of(visit),
            decision="accepted",
            risk_flags=["dragon"],
        )
    assert fresh(visit).status == "awaiting_assessment"


# --- assignment ---------------------------------------------------------------------------


def test_assignment_refuses_unqualified_nurse_with_reasons(
    personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any, frozen: Any
) -> None:
    visit = dispatchable(personas, world, elder_a, catalog.dressing)
    before = counts()
    with pytest.raises(errors.ProviderNotEligible) as exc:
        services.assign_provider(
            actor=Actor.of(personas.dispatcher), visit=visit, provider=providers.caregiver
        )
    codes = [r["code"] for r in exc.value.details["reasons"]]
    assert "wrong_provider_kind" in codes
    assert "title_too_low" in codes
    assert counts() == before
    assert fresh(visit).provider_id is None


def test_assignment_refuses_other_institutions_nurse_with_404(
    personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any, frozen: Any
) -> None:
    visit = dispatchable(personas, world, elder_a, catalog.companion)
    with pytest.raises(NotFound):
        services.assign_provider(
            actor=Actor.of(personas.dispatcher), visit=visit, provider=providers.other_nurse
        )
    with pytest.raises(Forbidden):
        services.assign_provider(
            actor=Actor.of(personas.reviewer), visit=visit, provider=providers.nurse
        )
    assert fresh(visit).status == "awaiting_dispatch"


def test_assignment_refuses_overlap_and_too_little_travel_time(
    personas: Any,
    world: Any,
    elder_a: Any,
    elder_b: Any,
    catalog: Any,
    providers: Any,
    frozen: Any,
) -> None:
    nurse = providers.nurse
    first = assigned(personas, world, elder_a, catalog.companion, nurse, start=at(2))
    # booked 15 minutes into the first visit: even begun at the end of its arrival window
    # (30 minutes, ADR 0037) it would start before the first one ends: overlap
    overlapping = dispatchable(personas, world, elder_a, catalog.companion, start=at(2.25))
    with pytest.raises(errors.ProviderNotEligible) as exc:
        services.assign_provider(
            actor=Actor.of(personas.dispatcher), visit=overlapping, provider=nurse
        )
    assert [r["code"] for r in exc.value.details["reasons"]] == ["schedule_overlap"]
    # a home 18 km away, booked 10 minutes after the first visit ends: 18 km at 18 km/h =
    # 60 min, and only 40 to the end of its arrival window
    far_visit = dispatchable(personas, world, elder_a, catalog.companion, start=at(3 + 1 / 6))
    Visit.objects.filter(pk=far_visit.pk).update(lat=HOME[0] + 0.1615, lng=HOME[1])
    far_visit = fresh(far_visit)
    with pytest.raises(errors.ProviderNotEligible) as exc:
        services.assign_provider(
            actor=Actor.of(personas.dispatcher), visit=far_visit, provider=nurse
        )
    assert [r["code"] for r in exc.value.details["reasons"]] == ["travel_time"]
    conflict = services.schedule_conflicts(nurse, far_visit)
    assert conflict[0]["visit_id"] == first.pk
    assert (conflict[0]["travel_minutes"], conflict[0]["gap_minutes"]) == (60, 40)
    # the same home, booked 30 minutes into the first visit, is fine: it begins when the
    # first one ends, the last minute of its arrival window (no travel)
    near = dispatchable(personas, world, elder_a, catalog.companion, start=at(2.5))
    services.assign_provider(actor=Actor.of(personas.dispatcher), visit=near, provider=nurse)
    assert fresh(near).status == "assigned"


def test_assignment_refuses_a_visit_that_pushes_a_later_one_out_of_its_window(
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,
    providers: Any,
    frozen: Any,
) -> None:
    """ADR 0037: each pair fits, the day does not. The nurse holds 2:00-3:00 and 3:15
    (which may begin until 3:45); a visit booked at 2:30 would begin at 3:00 (in its
    window) and end at 4:00, too late for the 3:15 one: refused, naming the 3:15 visit."""
    nurse = providers.nurse
    assigned(personas, world, elder_a, catalog.companion, nurse, start=at(2))
    later = assigned(personas, world, elder_a, catalog.companion, nurse, start=at(3.25))
    between = dispatchable(personas, world, elder_a, catalog.companion, start=at(2.5))
    assert services.schedule_conflicts(nurse, between) == [
        {"visit_id": later.pk, "kind": "overlap"}
    ]
    with pytest.raises(errors.ProviderNotEligible) as exc:
        services.assign_provider(actor=Actor.of(personas.dispatcher), visit=between, provider=nurse)
    assert [r["code"] for r in exc.value.details["reasons"]] == ["schedule_overlap"]
    assert fresh(between).status == "awaiting_dispatch"
    # the day as held fits: the 3:15 visit conflicts with nothing
    assert services.schedule_conflicts(nurse, fresh(later)) == []


def test_sanctioned_provider_is_refused_through_the_quality_hook(
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,
    providers: Any,
    frozen: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from doorstep.quality import selectors as quality

    monkeypatch.setattr(quality, "assignment_block_reason", lambda p, **kw: "provider_suspended")
    visit = dispatchable(personas, world, elder_a, catalog.companion)
    with pytest.raises(errors.ProviderNotEligible) as exc:
        services.assign_provider(
            actor=Actor.of(personas.dispatcher), visit=visit, provider=providers.nurse
        )
    assert [r["code"] for r in exc.value.details["reasons"]] == ["provider_suspended"]


def test_blacklisted_patient_cannot_book_through_the_quality_hook(
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,
    frozen: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from doorstep.quality import selectors as quality

    monkeypatch.setattr(quality, "booking_block_reason", lambda e, i: "patient_blacklisted")
    before = counts()
    with pytest.raises(errors.BookingBlocked) as exc:
        place(personas.elder, elder_a, world.inst_a, catalog.companion)
    assert exc.value.details == {"reason": "patient_blacklisted"}
    assert counts() == before


def test_pool_shows_masked_summary_and_one_provider_wins(
    personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any, frozen: Any
) -> None:
    visit = dispatchable(personas, world, elder_a, catalog.dressing)
    services.publish_to_pool(actor=Actor.of(personas.dispatcher), visit=visit)
    offers = selectors.open_pool_for(providers.nurse)
    assert [o.visit.pk for o in offers] == [visit.pk]
    summary = offers[0].summary
    assert summary.age_band == "75-79"
    assert (summary.approx_lat, summary.approx_lng) == (29.86, 121.54)
    assert selectors.open_pool_for(providers.caregiver) == []  # not qualified
    assert selectors.open_pool_for(providers.other_nurse) == []  # other institution
    services.accept_from_pool(actor=Actor.of(personas.nurse), visit=visit)
    assert (fresh(visit).status, fresh(visit).provider_id) == ("assigned", providers.nurse.pk)
    with pytest.raises(errors.AlreadyTaken):
        services.accept_from_pool(actor=Actor.of(personas.nurse), visit=visit)


# --- at the door --------------------------------------------------------------------------


def test_check_in_far_away_is_refused_and_changes_nothing(
    personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any, frozen: Any
) -> None:
    visit = assigned(personas, world, elder_a, catalog.companion, providers.nurse)
    nurse = Actor.of(personas.nurse)
    services.start_travel(actor=nurse, visit=visit)
    frozen.now = visit.window_start
    before = (CheckEvent.objects.count(), VisitEvent.objects.count())
    with pytest.raises(errors.TooFarAway) as exc:
        services.check_in(actor=nurse, visit=fresh(visit), lat=FAR_2KM[0], lng=FAR_2KM[1])
    assert exc.value.details["max_m"] == 1000
    assert 1995 <= exc.value.details["distance_m"] <= 2005
    assert (CheckEvent.objects.count(), VisitEvent.objects.count()) == before
    assert fresh(visit).status == "en_route"


def test_check_in_500m_away_is_flagged(
    personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any, frozen: Any
) -> None:
    visit = assigned(personas, world, elder_a, catalog.companion, providers.nurse)
    nurse = Actor.of(personas.nurse)
    services.start_travel(actor=nurse, visit=visit)
    frozen.now = visit.window_start
    check = services.check_in(actor=nurse, visit=fresh(visit), lat=NEAR_500M[0], lng=NEAR_500M[1])
    assert check.flagged is True
    assert check.flag_reason == "distance 500 m > 200 m"
    assert round(check.distance_m or 0) == 500
    assert fresh(visit).status == "arrived"


def test_check_in_time_is_judged_against_the_arrival_window() -> None:
    """ADR 0037: on time from the booked start to 30 minutes later; flagged more than
    ``EVV_WINDOW_TOLERANCE_MINUTES`` (30) before or after that window."""
    from doorstep.orders.services.door import evv_flags

    start = dt.datetime(2026, 6, 15, 10, 0, tzinfo=dt.UTC)
    visit = Visit(window_start=start, window_end=start + dt.timedelta(hours=1))
    minute = dt.timedelta(minutes=1)
    late = ["outside the time window tolerance"]
    assert evv_flags(visit, at=start - 30 * minute, distance_m=None) == []
    assert evv_flags(visit, at=start - 31 * minute, distance_m=None) == late
    assert evv_flags(visit, at=start + 60 * minute, distance_m=None) == []
    assert evv_flags(visit, at=start + 61 * minute, distance_m=None) == late


def test_check_in_outside_the_time_tolerance_is_flagged(
    personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any, frozen: Any
) -> None:
    visit = assigned(personas, world, elder_a, catalog.companion, providers.nurse)
    nurse = Actor.of(personas.nurse)
    services.start_travel(actor=nurse, visit=visit)
    # 35 minutes after the end of the 30-minute arrival window (ADR 0037), tolerance 30
    frozen.now = visit.window_start + dt.timedelta(minutes=65)
    check = services.check_in(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    assert (check.flagged, check.flag_reason) == (True, "outside the time window tolerance")
    assert (check.kind, check.provider_id, check.at) == ("check_in", providers.nurse.pk, frozen.now)


def test_record_validation_lists_missing_and_invalid_keys(
    personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any, frozen: Any
) -> None:
    visit = in_service(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    nurse = Actor.of(personas.nurse)
    with pytest.raises(errors.RecordIncomplete) as exc:
        services.submit_record(
            actor=nurse, visit=visit, values={"systolic": 400, "diastolic": "high"}
        )
    assert exc.value.status == 422
    assert exc.value.code == "record_incomplete"
    assert exc.value.details["missing"] == ["wound_length_cm"]
    assert exc.value.details["invalid"] == {
        "systolic": "above_max",
        "diastolic": "not_a_number",
        "wound_length_cm": "missing",
    }
    assert ServiceRecord.objects.count() == 0
    # check-out needs the record
    with pytest.raises(errors.RecordIncomplete):
        services.check_out(actor=nurse, visit=visit, lat=HOME[0], lng=HOME[1])
    record = services.submit_record(actor=nurse, visit=visit, values=GOOD_VALUES)
    assert record.values["systolic"] == {"value": 132, "unit": "mm[Hg]", "loinc": "8480-6"}
    assert record.values["wound_length_cm"] == {"value": 3.5, "unit": "cm", "loinc": "39126-8"}
    services.check_out(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    assert fresh(visit).status == "completed"


def test_photo_type_and_size_are_checked(
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,
    providers: Any,
    frozen: Any,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    visit = in_service(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    nurse = Actor.of(personas.nurse)
    jpeg = b"\xff\xd8\xff\xe0" + b"0" * 100
    with pytest.raises(errors.PhotoRejected):
        services.add_photo(
            actor=nurse,
            visit=visit,
            key="wound_photo",
            content=b"GIF89a...",
            content_type="image/gif",
        )
    with pytest.raises(errors.PhotoRejected):  # declared PNG, is JPEG
        services.add_photo(
            actor=nurse, visit=visit, key="wound_photo", content=jpeg, content_type="image/png"
        )
    with pytest.raises(errors.PhotoRejected):
        services.add_photo(
            actor=nurse,
            visit=visit,
            key="wound_photo",
            content=b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024),
            content_type="image/jpeg",
        )
    photo = services.add_photo(
        actor=nurse, visit=visit, key="wound_photo", content=jpeg, content_type="image/jpeg"
    )
    assert (photo.size_bytes, photo.content_type) == (104, "image/jpeg")
    assert str(photo.file.name).startswith(f"visits/{visit.pk}/wound_photo-")


def test_correction_requested_by_provider_and_approved_by_institution(
    personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any, frozen: Any
) -> None:
    visit = in_service(personas, world, elder_a, catalog.companion, providers.nurse, frozen)
    nurse = Actor.of(personas.nurse)
    services.submit_record(actor=nurse, visit=visit, values={"mood": "good"})
    frozen.advance(minutes=70)
    services.check_out(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    proposed = visit.window_start + dt.timedelta(minutes=62)
    with pytest.raises(errors.ReasonRequired):
        services.request_correction(
            actor=nurse, visit=visit, field="check_out_at", proposed_value=proposed, reason=" "
        )
    correction = services.request_correction(
        actor=nurse,
        visit=visit,
        field="check_out_at",
        proposed_value=proposed,
        reason="No signal when I left.",
    )
    with pytest.raises(Forbidden):
        services.decide_correction(actor=nurse, correction=correction, approve=True)
    services.decide_correction(
        actor=Actor.of(personas.dispatcher), correction=correction, approve=True
    )
    out = CheckEvent.objects.get(visit=visit, kind="check_out")
    assert out.corrected_at == proposed
    assert out.at == frozen.now  # the original stays
    assert Correction.objects.get().status == "approved"
    with pytest.raises(errors.CorrectionDecided):
        services.decide_correction(
            actor=Actor.of(personas.dispatcher), correction=correction, approve=False
        )


def test_co_sign_by_linked_family_not_by_strangers(
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,
    providers: Any,
    frozen: Any,
    family_link: Any,
) -> None:
    visit = in_service(personas, world, elder_a, catalog.companion, providers.nurse, frozen)
    with pytest.raises(errors.IllegalTransition):
        services.co_sign(actor=Actor.of(personas.family), visit=visit)
    nurse = Actor.of(personas.nurse)
    services.submit_record(actor=nurse, visit=visit, values={"mood": "good"})
    services.check_out(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    for stranger in (personas.nurse, personas.other_admin, personas.dispatcher):
        with pytest.raises(Forbidden):
            services.co_sign(actor=Actor.of(stranger), visit=fresh(visit))
    cosign = services.co_sign(actor=Actor.of(personas.family), visit=fresh(visit))
    assert (cosign.user_id, cosign.method) == (personas.family.pk, "app")
    with pytest.raises(errors.AlreadyCoSigned):
        services.co_sign(actor=Actor.of(personas.family), visit=fresh(visit))
    assert CoSign.objects.count() == 1


# --- cancellation, no-show, abort, reschedule ----------------------------------------------


def test_cancellation_is_free_before_departure(
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,
    providers: Any,
    frozen: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    visit = assigned(personas, world, elder_a, catalog.companion, providers.nurse)
    with pytest.raises(errors.ReasonRequired):
        services.cancel(actor=Actor.of(personas.elder), order=visit.order, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(actor=Actor.of(personas.elder), order=visit.order, reason="Feeling better")
    v = fresh(visit)
    assert (v.status, v.cancelled_by_side, v.cancellation_fee_fen) == ("cancelled", "patient", 0)
    assert Notification.objects.filter(recipient=personas.nurse, kind="orders.visit_cancelled")


@pytest.mark.parametrize(("price", "fee"), [(5000, 1500), (30000, 5000)])
def test_cancellation_fee_once_en_route_is_30_percent_capped(
    price: int,
    fee: int,
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,
    providers: Any,
    frozen: Any,
) -> None:
    visit = assigned(personas, world, elder_a, catalog.companion, providers.nurse)
    Visit.objects.filter(pk=visit.pk).update(price_fen=price)
    services.start_travel(actor=Actor.of(personas.nurse), visit=fresh(visit))
    assert services.cancellation_fee(fresh(visit), "institution") == 0
    services.cancel(actor=Actor.of(personas.elder), order=visit.order, reason="Not home")
    assert fresh(visit).cancellation_fee_fen == fee


def test_no_show_after_arrival(
    personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any, frozen: Any
) -> None:
    visit = assigned(personas, world, elder_a, catalog.companion, providers.nurse)
    nurse = Actor.of(personas.nurse)
    services.start_travel(actor=nurse, visit=visit)
    frozen.now = visit.window_start
    services.check_in(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    services.mark_no_show(actor=nurse, visit=fresh(visit), reason="Nobody opened")
    assert fresh(visit).status == "no_show"
    assert selectors.order_status([fresh(visit).status]) == "closed"


def test_abort_for_safety_notifies_the_institution(
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,
    providers: Any,
    frozen: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    visit = assigned(personas, world, elder_a, catalog.companion, providers.nurse)
    nurse = Actor.of(personas.nurse)
    services.start_travel(actor=nurse, visit=visit)
    with pytest.raises(errors.ReasonRequired):
        services.abort_visit(actor=nurse, visit=fresh(visit), reason="")
    with django_capture_on_commit_callbacks(execute=True):
        services.abort_visit(actor=nurse, visit=fresh(visit), reason="Loose dog")
    v = fresh(visit)
    assert (v.status, v.abort_reason) == ("aborted", "Loose dog")
    note = Notification.objects.get(recipient=personas.dispatcher, kind="orders.visit_aborted")
    assert note.severity == "critical"


def test_reschedule_releases_provider_and_keeps_history(
    personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any, frozen: Any
) -> None:
    visit = assigned(personas, world, elder_a, catalog.companion, providers.nurse)
    old_start = visit.window_start
    new_start = at(26)
    services.reschedule(
        actor=Actor.of(personas.elder), visit=visit, window_start=new_start, reason="Clinic day"
    )
    v = fresh(visit)
    assert (v.status, v.provider_id, v.window_start) == ("awaiting_dispatch", None, new_start)
    assert v.window_end - v.window_start == dt.timedelta(minutes=60)
    steps = list(
        VisitEvent.objects.filter(visit=visit).order_by("id").values_list("to_status", flat=True)
    )
    assert steps[-2:] == ["rescheduled", "awaiting_dispatch"]
    old = VisitEvent.objects.get(visit=visit, to_status="rescheduled").details["old_window"]
    assert old[0] == old_start.isoformat()


# --- who sees what --------------------------------------------------------------------------


def test_nurse_sees_the_elder_record_only_around_the_assigned_visit(
    personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any, frozen: Any
) -> None:
    nurse = Actor.of(personas.nurse)
    assert elder_a.pk not in set(elders_visible_to(nurse).values_list("pk", flat=True))
    visit = assigned(personas, world, elder_a, catalog.companion, providers.nurse, start=at(30))
    # 22 hours before the visit: inside the 24 h window
    assert assigned_elder_ids(nurse, visit.window_start - dt.timedelta(hours=22)) == {elder_a.pk}
    assert assigned_elder_ids(nurse, visit.window_start - dt.timedelta(hours=25)) == set()
    assert assigned_elder_ids(nurse, visit.window_end + dt.timedelta(hours=23)) == {elder_a.pk}
    assert assigned_elder_ids(nurse, visit.window_end + dt.timedelta(hours=25)) == set()
    frozen.now = visit.window_start - dt.timedelta(hours=1)
    assert elder_a.pk in set(elders_visible_to(nurse).values_list("pk", flat=True))
    assert assigned_elder_ids(Actor.of(personas.other_nurse), visit.window_start) == set()
