"""The second provider of a two-provider visit is busy for that visit everywhere a
provider's time is checked: assignment, the open pool, plan acceptance, the planner (a
fixed visit keeps both providers), ``check_invariants``; an un-assign releases and tells
both (ADR 0019)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.dispatch import services
from doorstep.dispatch.models import PlanRun, SecondProvider
from doorstep.dispatch.problem import build, pid
from doorstep.dispatch.selectors import second_provider_visit_ids
from doorstep.dispatch.tests.plan_scene import DAY, SHANGHAI, City, book
from doorstep.notifications.models import Notification
from doorstep.orders import errors as order_errors
from doorstep.orders import services as orders
from doorstep.orders.invariants import no_overlapping_visits
from doorstep.orders.models import Visit, VisitEvent
from doorstep.orders.selectors import open_pool_for
from doorstep.workforce.models import Provider

pytestmark = pytest.mark.django_db


def _plan(city: City, capture: Any) -> PlanRun:
    with capture(execute=True):
        run = services.start_plan(
            actor=city.dispatcher, institution=city.nurse.institution, day=DAY, time_limit=1
        )
    run.refresh_from_db()
    return run


@dataclass
class Pair:
    visit: Visit  # v1, 09:00-10:00, needs two providers
    first: Provider
    second: Provider


def _two_provider_v1(city: City, settings: Any) -> None:
    settings.DISPATCH_TWO_PROVIDER_ITEMS = ["companionship_visit"]
    Visit.objects.filter(pk__in=[city.pk("v2"), city.pk("v3"), city.pk("v4")]).update(
        status="cancelled"
    )  # set-up: v1 alone


@pytest.fixture
def pair(city: City, settings: Any, django_capture_on_commit_callbacks: Any) -> Pair:
    """v1 planned and accepted with two providers."""
    _two_provider_v1(city, settings)
    run = _plan(city, django_capture_on_commit_callbacks)
    accepted = services.accept_plan(actor=city.dispatcher, run=run)
    assert accepted.outcome["counts"] == {"assigned": 1}
    row = SecondProvider.objects.get()
    visit = Visit.objects.get(pk=city.pk("v1"))
    assert visit.provider is not None
    return Pair(
        visit=visit,
        first=visit.provider,
        second=Provider.objects.get(pk=row.provider_id),
    )


def _another_visit(city: City, personas: Any, world: Any, elder_a: Any, catalog: Any) -> Visit:
    """Another companionship visit that day at 09:15 (overlaps v1 even begun at the end of
    its 30-minute arrival window, ADR 0037), awaiting dispatch."""
    return book(
        world=world,
        personas=personas,
        elder=elder_a,
        item=catalog.companion,
        at=dt.datetime.combine(DAY, dt.time(9, 15), tzinfo=SHANGHAI),
    )


def test_second_provider_cannot_be_assigned_an_overlapping_visit(
    pair: Pair, city: City, personas: Any, world: Any, elder_a: Any, catalog: Any
) -> None:
    other = _another_visit(city, personas, world, elder_a, catalog)
    assert [c["kind"] for c in orders.schedule_conflicts(pair.second, other)] == ["overlap"]
    assert [c["visit_id"] for c in orders.schedule_conflicts(pair.second, other)] == [pair.visit.pk]
    events = VisitEvent.objects.filter(visit=other).count()
    with pytest.raises(order_errors.ProviderNotEligible) as caught:
        orders.assign_provider(actor=city.dispatcher, visit=other, provider=pair.second)
    codes = [r["code"] for r in caught.value.details["reasons"]]
    assert "schedule_overlap" in codes
    row = Visit.objects.get(pk=other.pk)
    assert (row.status, row.provider_id) == ("awaiting_dispatch", None)
    assert VisitEvent.objects.filter(visit=other).count() == events


def test_second_provider_does_not_see_or_win_an_overlapping_pool_visit(
    pair: Pair, city: City, personas: Any, world: Any, elder_a: Any, catalog: Any
) -> None:
    other = _another_visit(city, personas, world, elder_a, catalog)
    orders.publish_to_pool(actor=city.dispatcher, visit=other)
    assert [o.visit.pk for o in open_pool_for(pair.second)] == []
    with pytest.raises(order_errors.ProviderNotEligible):
        orders.accept_from_pool(actor=Actor.of(pair.second.user), visit=other)
    row = Visit.objects.get(pk=other.pk)
    assert (row.status, row.provider_id) == ("awaiting_dispatch", None)


def test_invariant_counts_the_second_provider(
    pair: Pair, city: City, personas: Any, world: Any, elder_a: Any, catalog: Any
) -> None:
    assert list(no_overlapping_visits()) == []
    other = _another_visit(city, personas, world, elder_a, catalog)
    # set-up: a corrupt row that bypasses the services (what the invariant must catch)
    Visit.objects.filter(pk=other.pk).update(status="assigned", provider=pair.second)
    assert list(no_overlapping_visits()) == [
        f"provider {pair.second.pk}: visits {pair.visit.pk} and {other.pk} overlap"
    ]


def test_unassign_releases_and_tells_both_providers(
    pair: Pair, city: City, django_capture_on_commit_callbacks: Any
) -> None:
    assert second_provider_visit_ids(pair.second.pk) == {pair.visit.pk}
    with django_capture_on_commit_callbacks(execute=True):
        orders.unassign_provider(actor=city.dispatcher, visit=pair.visit, reason="Family asked.")
    assert second_provider_visit_ids(pair.second.pk) == set()
    told = set(
        Notification.objects.filter(kind="orders.visit_unassigned").values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {pair.first.user_id, pair.second.user_id}
    event = VisitEvent.objects.filter(visit=pair.visit).order_by("-id").first()
    assert event is not None
    assert event.details["second_providers"] == [pair.second.pk]


def test_fixed_two_provider_visit_keeps_both_providers_busy(
    pair: Pair, city: City, frozen: Any
) -> None:
    """Once the first provider sets off (v1 is fixed), re-planning makes both providers
    available only when v1 is expected to end (10:00)."""
    frozen.now = dt.datetime.combine(DAY, dt.time(8, 50), tzinfo=SHANGHAI)
    orders.start_travel(actor=Actor.of(pair.first.user), visit=pair.visit)
    built = build(institution=city.nurse.institution, day=DAY, now=frozen.now)
    assert built.fixed == [
        {
            "visit_id": pair.visit.pk,
            "provider_id": pair.first.pk,
            "second_provider_ids": [pair.second.pk],
            "until": "2026-06-16T10:00:00+08:00",
        }
    ]
    starts = {p.id: p.shift_start for p in built.problem.providers}
    assert starts == {pid(pair.first.pk): 10 * 3600, pid(pair.second.pk): 10 * 3600}


def test_acceptance_refuses_a_busy_second_provider_and_changes_nothing(
    city: City,
    settings: Any,
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Given a plan giving v1 to two providers, when the would-be second provider is
    assigned an overlapping visit before acceptance, then acceptance refuses v1 with
    ``second_provider_not_eligible`` (the overlap as reason), v1 keeps awaiting dispatch
    and no second-provider row is written."""
    _two_provider_v1(city, settings)
    run = _plan(city, django_capture_on_commit_callbacks)
    second_pk = next(
        r["provider_id"] for r in run.result["routes"] for s in r["stops"] if s["task"]
    )
    other = _another_visit(city, personas, world, elder_a, catalog)
    orders.assign_provider(
        actor=city.dispatcher, visit=other, provider=Provider.objects.get(pk=second_pk)
    )
    accepted = services.accept_plan(actor=city.dispatcher, run=run)
    assert accepted.outcome["counts"] == {"refused": 1}
    (refusal,) = accepted.outcome["visits"]
    assert (refusal["visit_id"], refusal["code"]) == (
        city.pk("v1"),
        "second_provider_not_eligible",
    )
    assert "schedule_overlap" in [r["code"] for r in refusal["reasons"]]
    v1 = Visit.objects.get(pk=city.pk("v1"))
    assert (v1.status, v1.provider_id) == ("awaiting_dispatch", None)
    assert SecondProvider.objects.count() == 0
    assert list(VisitEvent.objects.filter(visit=v1, to_status="assigned")) == []
