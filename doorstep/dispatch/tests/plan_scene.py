"""A tiny city for the day-planning tests (ADR 0019): two providers, four visits.

Frozen clock: Monday 15 June 2026, 08:00 in Ningbo (the orders tests' ``NOW``); the plan
is for Tuesday 16 June. Institution A, companionship visits of 60 minutes (nurses and
caregivers may do them), booked through the orders services and paid, so they wait for
dispatch. The providers work the default shift (08:00-18:00, lunch 11:30-13:30).

* nurse 陈 (``staff.nurse``) lives at N = (29.8612, 121.5433), e-bike;
* caregiver 赵 (``staff.caregiver``) lives at C = (29.8812, 121.5433), 2.2 km north, e-bike;
* v1 09:00 and v2 11:00 are 200 m north and south of N; v3 09:00 and v4 13:00 are 200 m
  north and south of C.

So the best plan is plain: the nurse serves v1 then v2, the caregiver v3 then v4
(any swap adds about 4.4 km of e-bike travel per visit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.orders import services as orders
from doorstep.orders.models import Visit
from doorstep.orders.tests.conftest import (  # noqa: F401
    SHANGHAI,
    catalog,
    frozen,
    providers,
    today,
)
from doorstep.people.tests.conftest import elder_a, elder_b  # noqa: F401
from doorstep.workforce.models import Provider
from doorstep.workforce.tests.conftest import staff  # noqa: F401

DAY = dt.date(2026, 6, 16)
NURSE_HOME = (29.8612, 121.5433)
CAREGIVER_HOME = (29.8812, 121.5433)
PLACES = {
    "v1": ((29.8630, 121.5433), dt.time(9, 0)),
    "v2": ((29.8594, 121.5433), dt.time(11, 0)),
    "v3": ((29.8830, 121.5433), dt.time(9, 0)),
    "v4": ((29.8794, 121.5433), dt.time(13, 0)),
}


@dataclass
class City:
    nurse: Provider
    caregiver: Provider
    visits: dict[str, Visit]
    dispatcher: Actor

    def pk(self, name: str) -> int:
        return self.visits[name].pk

    def pks(self) -> list[int]:
        return [v.pk for v in self.visits.values()]


def book(*, world: Any, personas: Any, elder: Any, item: Any, at: dt.datetime) -> Visit:
    """Book and pay one visit (it then awaits dispatch)."""
    actor = Actor.of(personas.elder)
    order = orders.place_order(
        actor=actor, elder=elder, institution=world.inst_a, item=item, window_start=at
    )
    orders.confirm_payment(actor=actor, order=order, method="card")
    return order.visits.get()


@pytest.fixture
def city(world: Any, personas: Any, elder_a: Any, catalog: Any, providers: Any) -> City:  # noqa: F811
    Provider.objects.filter(pk=providers.nurse.pk).update(
        home_lat=NURSE_HOME[0], home_lng=NURSE_HOME[1], transport_mode="e_bike"
    )
    Provider.objects.filter(pk=providers.caregiver.pk).update(
        home_lat=CAREGIVER_HOME[0], home_lng=CAREGIVER_HOME[1], transport_mode="e_bike"
    )
    visits = {}
    for name, ((lat, lng), at) in PLACES.items():
        visit = book(
            world=world,
            personas=personas,
            elder=elder_a,
            item=catalog.companion,
            at=dt.datetime.combine(DAY, at, tzinfo=SHANGHAI),
        )
        Visit.objects.filter(pk=visit.pk).update(lat=lat, lng=lng)  # set-up: distinct homes
        visits[name] = Visit.objects.get(pk=visit.pk)
        assert visits[name].status == "awaiting_dispatch"
    return City(
        nurse=Provider.objects.get(pk=providers.nurse.pk),
        caregiver=Provider.objects.get(pk=providers.caregiver.pk),
        visits=visits,
        dispatcher=Actor.of(personas.dispatcher),
    )


def stops_by_provider(result: dict[str, Any]) -> dict[int, list[int]]:
    """provider id -> visit ids in route order (first tasks)."""
    return {
        r["provider_id"]: [s["visit_id"] for s in r["stops"] if s["task"] == 0]
        for r in result["routes"]
        if r["stops"]
    }
