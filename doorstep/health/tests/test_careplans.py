"""Care plans: generation through ``place_order`` on a rolling horizon, idempotent;
refusals recorded as skipped days; ending a plan or removing an intervention cancels the
visits not yet started; who may change a plan (ADR 0027).

The clock is frozen on Monday 15 June 2026, 08:00 in Ningbo (``orders`` fixtures): the
default horizon of 14 days covers Tuesday 16 to Monday 29 June.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.catalog.models import ServiceItem
from doorstep.core.errors import NotFound
from doorstep.core.models import AuditEvent
from doorstep.health import careplans
from doorstep.health.models import CarePlan, Intervention, PlanOccurrence
from doorstep.orders import services as order_services
from doorstep.orders.models import Assessment, Order, Visit
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import SHANGHAI
from doorstep.workforce.tests import conftest as workforce_fixtures

from .conftest import act

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
staff = workforce_fixtures.staff
today = orders_fixtures.today

pytestmark = pytest.mark.django_db

NINE = dt.time(9, 0)


def plan_for(personas: Any, elder: Any, **kw: Any) -> CarePlan:
    return careplans.create_plan(
        actor=act(personas.nurse), elder=elder, title="Hypertension care", **kw
    )


def active_plan(personas: Any, elder: Any, item: Any, **freq: Any) -> tuple[CarePlan, Intervention]:
    plan = plan_for(personas, elder)
    spec = {"frequency_kind": "daily", **freq}
    intervention = careplans.add_intervention(
        actor=act(personas.nurse), plan=plan, item_code=item.code, time_from=NINE, **spec
    )
    careplans.activate_plan(actor=act(personas.nurse), plan=plan)
    return plan, intervention


def days_of(plan: CarePlan, status: str = "booked") -> list[dt.date]:
    return list(
        PlanOccurrence.objects.filter(intervention__plan=plan, status=status)
        .order_by("date")
        .values_list("date", flat=True)
    )


def test_daily_plan_books_the_14_day_horizon_once(
    personas: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    plan, _ = active_plan(personas, elder_a, catalog.companion)
    first = careplans.generate_plan(actor=act(personas.nurse), plan=plan)
    assert (first.booked, first.skipped, first.unchanged) == (14, 0, 0)
    assert first.through == dt.date(2026, 6, 29)
    assert days_of(plan)[0] == dt.date(2026, 6, 16)
    assert days_of(plan)[-1] == dt.date(2026, 6, 29)
    orders = Order.objects.filter(elder=elder_a).order_by("id")
    assert orders.count() == 14
    assert {o.channel for o in orders} == {"care_plan"}
    assert {o.placed_by_id for o in orders} == {personas.nurse.pk}
    visit = Visit.objects.get(order=orders[0])
    assert visit.window_start == dt.datetime(2026, 6, 16, 9, 0, tzinfo=SHANGHAI)
    # priced through the catalogue like any order (offering 50 yuan + the price rules)
    assert orders[0].price_lines
    assert visit.price_fen == orders[0].total_fen >= 5000

    second = careplans.generate_plan(actor=act(personas.nurse), plan=plan)
    assert (second.booked, second.skipped, second.unchanged) == (0, 0, 14)
    assert Order.objects.filter(elder=elder_a).count() == 14

    frozen.advance(days=1)  # the next day the horizon rolls on by one day
    third = careplans.generate_plan(actor=act(personas.nurse), plan=plan)
    assert (third.booked, third.unchanged) == (1, 13)
    assert days_of(plan)[-1] == dt.date(2026, 6, 30)


def test_weekly_and_every_n_days_schedules(
    personas: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    plan, weekly = active_plan(
        personas, elder_a, catalog.companion, frequency_kind="weekly", weekdays=[1, 3, 5]
    )
    careplans.add_intervention(
        actor=act(personas.nurse),
        plan=plan,
        item_code=catalog.companion.code,
        frequency_kind="every_n_days",
        interval_days=4,
        start_date=dt.date(2026, 6, 15),
        time_from=dt.time(15, 0),
    )
    careplans.generate_plan(actor=act(personas.nurse), plan=plan)
    mwf = PlanOccurrence.objects.filter(intervention=weekly).values_list("date", flat=True)
    assert [d.day for d in sorted(mwf)] == [17, 19, 22, 24, 26, 29]
    every4 = PlanOccurrence.objects.exclude(intervention=weekly).values_list("date", flat=True)
    # anchored at the start (15 June, before the horizon): 19, 23, 27
    assert [d.day for d in sorted(every4)] == [19, 23, 27]


def test_plan_and_intervention_dates_bound_the_horizon(
    personas: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    plan = plan_for(personas, elder_a, end_date=dt.date(2026, 6, 20))
    careplans.add_intervention(
        actor=act(personas.nurse),
        plan=plan,
        item_code=catalog.companion.code,
        frequency_kind="daily",
        time_from=NINE,
        start_date=dt.date(2026, 6, 18),
    )
    careplans.activate_plan(actor=act(personas.nurse), plan=plan)
    careplans.generate_plan(actor=act(personas.nurse), plan=plan)
    assert [d.day for d in days_of(plan)] == [18, 19, 20]


def test_refused_orders_are_skipped_with_their_code_and_the_run_goes_on(
    personas: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    unoffered = ServiceItem.objects.create(
        code="bp_check",
        category=catalog.companion.category,
        name_zh="血压监测",
        name_en="Blood pressure check",
        provider_kinds=["nurse"],
        duration_minutes=20,
        base_price_fen=3000,
    )
    plan, bad = active_plan(personas, elder_a, unoffered, frequency_kind="weekly", weekdays=[2])
    careplans.add_intervention(
        actor=act(personas.nurse),
        plan=plan,
        item_code=catalog.companion.code,
        frequency_kind="weekly",
        weekdays=[4],
        time_from=NINE,
    )
    result = careplans.generate_plan(actor=act(personas.nurse), plan=plan)
    assert (result.booked, result.skipped, result.codes) == (2, 2, {"not_offered": 2})
    skipped = PlanOccurrence.objects.filter(intervention=bad).order_by("date")
    assert [(o.status, o.error_code, o.order_id) for o in skipped] == [
        ("skipped", "not_offered", None),
        ("skipped", "not_offered", None),
    ]
    assert Order.objects.filter(item=unoffered).count() == 0
    # once the institution offers it, the next run books the skipped days (not twice)
    from doorstep.catalog.models import Offering

    Offering.objects.create(
        institution=plan.institution, item=unoffered, region=elder_a.region.parent, price_fen=3000
    )
    again = careplans.generate_plan(actor=act(personas.nurse), plan=plan)
    assert (again.booked, again.skipped, again.unchanged) == (2, 0, 2)
    assert [o.attempts for o in skipped.all()] == [2, 2]


def test_items_needing_assessment_request_it_once_then_book_after_acceptance(
    personas: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    plan, dressing = active_plan(
        personas, elder_a, catalog.dressing, frequency_kind="weekly", weekdays=[1, 4]
    )
    first = careplans.generate_plan(actor=act(personas.nurse), plan=plan)
    assert (first.booked, first.skipped) == (1, 3)
    assert first.codes == {careplans.AWAITING_ASSESSMENT_CODE: 3}
    assert Assessment.objects.filter(elder=elder_a).count() == 1
    order_services.review_assessment(
        actor=act(personas.reviewer),
        assessment=Assessment.objects.get(),
        decision="accepted",
    )
    second = careplans.generate_plan(actor=act(personas.nurse), plan=plan)
    assert (second.booked, second.skipped) == (3, 0)
    assert Assessment.objects.filter(elder=elder_a).count() == 1  # reused, not asked again
    assert PlanOccurrence.objects.filter(intervention=dressing, status="booked").count() == 4


def test_ending_the_plan_cancels_visits_not_started_through_the_orders_service(
    personas: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    plan, _ = active_plan(personas, elder_a, catalog.companion)
    careplans.generate_plan(actor=act(personas.nurse), plan=plan)
    started = Visit.objects.filter(order__elder=elder_a).order_by("window_start").first()
    assert started is not None
    Visit.objects.filter(pk=started.pk).update(status="en_route")  # set-up: on the way
    ended = careplans.end_plan(actor=act(personas.nurse), plan=plan, reason="Moved to hospital")
    assert ended.status == "ended"
    statuses = list(
        Visit.objects.filter(order__elder=elder_a)
        .order_by("window_start")
        .values_list("status", "cancelled_by_side", "cancellation_fee_fen")
    )
    assert statuses[0] == ("en_route", "", 0)
    assert statuses[1:] == [("cancelled", "institution", 0)] * 13
    assert days_of(plan, "cancelled")[0] == dt.date(2026, 6, 17)
    assert days_of(plan) == [dt.date(2026, 6, 16)]
    with pytest.raises(careplans.PlanState):
        careplans.generate_plan(actor=act(personas.nurse), plan=plan)


def test_removing_an_intervention_cancels_only_its_future_visits(
    personas: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    plan, daily = active_plan(personas, elder_a, catalog.companion)
    other = careplans.add_intervention(
        actor=act(personas.nurse),
        plan=plan,
        item_code=catalog.companion.code,
        frequency_kind="weekly",
        weekdays=[3],
        time_from=dt.time(16, 0),
    )
    careplans.generate_plan(actor=act(personas.nurse), plan=plan)
    careplans.remove_intervention(actor=act(personas.nurse), intervention=daily, reason="done")
    assert set(daily.occurrences.values_list("status", flat=True)) == {"cancelled"}
    assert set(other.occurrences.values_list("status", flat=True)) == {"booked"}
    assert Visit.objects.filter(status="cancelled").count() == 14
    again = careplans.generate_plan(actor=act(personas.nurse), plan=plan)
    assert (again.booked, again.unchanged) == (0, 2)
    with pytest.raises(careplans.InterventionNotActive):
        careplans.remove_intervention(actor=act(personas.nurse), intervention=daily)


def test_a_new_schedule_replaces_the_intervention(
    personas: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    plan, daily = active_plan(personas, elder_a, catalog.companion)
    careplans.generate_plan(actor=act(personas.nurse), plan=plan)
    new = careplans.edit_intervention(
        actor=act(personas.nurse), intervention=daily, frequency_kind="weekly", weekdays=[2]
    )
    assert (new.replaces_id, new.start_date, new.time_from) == (
        daily.pk,
        dt.date(2026, 6, 16),
        NINE,
    )
    daily.refresh_from_db()
    assert daily.status == "removed"
    result = careplans.generate_plan(actor=act(personas.nurse), plan=plan)
    assert result.booked == 2  # Tuesdays 16 and 23 June
    kept = careplans.edit_intervention(
        actor=act(personas.nurse), intervention=new, note="Ring twice"
    )
    assert (kept.pk, kept.note) == (new.pk, "Ring twice")


def test_validation_and_permissions(personas: Any, elder_a: Any, catalog: Any, frozen: Any) -> None:
    plan = plan_for(personas, elder_a)
    nurse = act(personas.nurse)
    bad: list[tuple[dict[str, Any], str]] = [
        ({"frequency_kind": "hourly"}, "frequency"),
        ({"frequency_kind": "weekly", "weekdays": [0]}, "weekdays"),
        ({"frequency_kind": "weekly", "weekdays": [1, 1]}, "weekdays"),
        ({"frequency_kind": "every_n_days", "interval_days": 1}, "interval_days"),
        ({"frequency_kind": "daily", "time_to": dt.time(8, 0)}, "time_to"),
    ]
    for kw, field in bad:
        with pytest.raises(careplans.InvalidPlan) as err:
            careplans.add_intervention(
                actor=nurse, plan=plan, item_code=catalog.companion.code, time_from=NINE, **kw
            )
        assert err.value.details["field"] == field
    with pytest.raises(careplans.UnknownItem):
        careplans.add_intervention(
            actor=nurse, plan=plan, item_code="nope", frequency_kind="daily", time_from=NINE
        )
    with pytest.raises(careplans.PlanExists):
        plan_for(personas, elder_a)
    with pytest.raises(careplans.PlanState):  # a draft does not generate
        careplans.generate_plan(actor=nurse, plan=plan)
    with pytest.raises(careplans.NotAllowedToChangePlan):  # the elder sees, may not change
        careplans.activate_plan(actor=act(personas.elder), plan=plan)
    for outsider in (personas.other_nurse, personas.inst_admin, personas.dispatcher):
        with pytest.raises(NotFound):
            careplans.activate_plan(actor=act(outsider), plan=plan)
    assert CarePlan.objects.get(pk=plan.pk).status == "draft"
    assert not Intervention.objects.exists()
    assert AuditEvent.objects.filter(object_type="care_plan", action="create").count() == 1


def test_daily_job_ends_plans_past_their_end_and_generates_the_rest(
    personas: Any, elder_a: Any, elder_b: Any, catalog: Any, frozen: Any
) -> None:
    plan, _ = active_plan(personas, elder_a, catalog.companion)
    CarePlan.objects.filter(pk=plan.pk).update(end_date=dt.date(2026, 6, 20))
    totals = careplans.generate_due()
    assert totals == {"plans": 1, "ended": 0, "booked": 5, "skipped": 0, "failed": 0}
    frozen.advance(days=6)  # Sunday 21 June: past the end date
    totals = careplans.generate_due()
    assert (totals["ended"], totals["plans"]) == (1, 0)
    assert CarePlan.objects.get(pk=plan.pk).status == "ended"


def test_the_command_and_the_task_run_the_daily_job(
    personas: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    from doorstep.health.tasks import generate_care_visits

    plan, _ = active_plan(
        personas, elder_a, catalog.companion, frequency_kind="weekly", weekdays=[1]
    )
    out = StringIO()
    call_command("generate_care_visits", "--plan", str(plan.pk), stdout=out)
    assert out.getvalue().strip() == (
        f"plan={plan.pk} booked=2 skipped=0 unchanged=0 through=2026-06-29"
    )
    from doorstep.health import services as health_services

    for days in (1, 2, 3):
        health_services.record_observation(
            actor=act(personas.nurse),
            elder=elder_a,
            kind="blood_pressure",
            value=168,
            value2=96,
            source="visit",
            measured_at=frozen.now - dt.timedelta(days=days),
        )
    expected = {"plans": 1, "ended": 0, "booked": 0, "skipped": 0, "failed": 0}
    expected |= {"review_reminders": 0, "review_failed": 0}
    assert generate_care_visits() == {**expected, "elders": 1, "proposals": 1}
    assert generate_care_visits() == {**expected, "elders": 1, "proposals": 0}
    with pytest.raises(CommandError):
        call_command("generate_care_visits", "--plan", "999999", stdout=out)


def test_the_preferred_provider_is_kept_for_dispatch(
    personas: Any, elder_a: Any, catalog: Any, providers: Any, frozen: Any
) -> None:
    plan = plan_for(personas, elder_a)
    nurse = act(personas.nurse)
    with pytest.raises(careplans.InvalidProvider):  # institution B's nurse
        careplans.add_intervention(
            actor=nurse,
            plan=plan,
            item_code=catalog.companion.code,
            frequency_kind="weekly",
            weekdays=[2],
            time_from=NINE,
            preferred_provider_id=providers.other_nurse.pk,
        )
    careplans.add_intervention(
        actor=nurse,
        plan=plan,
        item_code=catalog.companion.code,
        frequency_kind="weekly",
        weekdays=[2],
        time_from=NINE,
        preferred_provider_id=providers.nurse.pk,
    )
    careplans.activate_plan(actor=nurse, plan=plan)
    careplans.generate_plan(actor=nurse, plan=plan)
    visits = list(Visit.objects.filter(order__elder=elder_a).values_list("pk", flat=True))
    assert len(visits) == 2
    assert careplans.preferred_providers(visits) == dict.fromkeys(visits, providers.nurse.pk)
