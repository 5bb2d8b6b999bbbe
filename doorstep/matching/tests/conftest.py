"""Matching fixtures: the orders tests' frozen clock (Monday 15 June 2026, 08:00 in Ningbo)
and catalogue, and a team of caregivers of institution A around 王秀英's home.

The scene (``team``) is hand-built so every score term and every refusal is known:

====  ==================  =============================================================
code  where               what
====  ==================  =============================================================
near  at the home         nothing booked, no quality row (prior 4.0)
far2  2.0015 km north     two completed visits to 王秀英 10 and 20 days ago, quality 4.6
busy  at the home         300 minutes booked on Wednesday, quality 3.0
out   10.0 km north       outside the 5 km service radius
excl  at the home         excluded by 王秀英
male  at the home         male (王秀英 prefers a female provider)
lang  at the home         speaks only English (王秀英: Chinese)
cap   at the home         30 minutes booked today, daily cap 60
sanc  at the home         suspended
ovlp  at the home         an assigned visit 10:00-11:00 today (the visit's window)
trvl  at the home         an assigned visit 09:20-10:20 today 10 km north (33 min away;
                          the visit may begin until 10:30, ADR 0037)
====  ==================  =============================================================
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from doorstep.accounts.models import Membership
from doorstep.orders.models import Visit
from doorstep.orders.tests.conftest import (  # noqa: F401
    HOME,
    NOW,
    catalog,
    dispatchable,
    frozen,
    today,
)
from doorstep.people.models import Elder
from doorstep.people.tests.conftest import elder_a, elder_b  # noqa: F401
from doorstep.quality.models import ProviderQuality, ProviderSanction
from doorstep.quality.tests.conftest import make_visit
from doorstep.workforce.models import Provider
from doorstep.workforce.tests.conftest import staff  # noqa: F401

FAR_2KM = (29.8792, 121.5433)
FAR_10KM = (29.9512, 121.5433)
CODES = ("near", "far2", "busy", "out", "excl", "male", "lang", "cap", "sanc", "ovlp", "trvl")


def make_provider(world: Any, code: str, at: tuple[float, float], **fields: Any) -> Provider:
    from conftest import make_user

    user = make_user(f"cg_{code}")
    Membership.objects.create(user=user, role="caregiver", institution=world.inst_a)
    values: dict[str, Any] = {
        "kind": "caregiver",
        "institution": world.inst_a,
        "verification_status": "verified",
        "home_lat": at[0],
        "home_lng": at[1],
        "gender": "female",
        "languages": ["zh"],
        **fields,
    }
    return Provider.objects.create(user=user, **values)


def book(elder: Any, world: Any, provider: Provider, start: dt.datetime, **fields: Any) -> Visit:
    """A visit of ``provider`` put straight into a status (set-up only)."""
    status = fields.pop("status", "assigned")
    visit = make_visit(
        elder=elder, institution=world.inst_a, provider=provider, status=status, start=start
    )
    if fields:
        Visit.objects.filter(pk=visit.pk).update(**fields)
    return visit


@dataclass
class Team:
    p: dict[str, Provider]
    visit: Visit

    def id(self, code: str) -> int:
        return self.p[code].pk

    def code(self, provider_id: int) -> str:
        return next(c for c, p in self.p.items() if p.pk == provider_id)


@pytest.fixture
def team(world: Any, personas: Any, elder_a: Any, catalog: Any, frozen: Any, staff: Any) -> Team:  # noqa: F811
    from doorstep.matching.models import Exclusion

    Elder.objects.filter(pk=elder_a.pk).update(preferred_provider_gender="female")
    elder_a.refresh_from_db()
    p = {
        "near": make_provider(world, "near", HOME),
        "far2": make_provider(world, "far2", FAR_2KM),
        "busy": make_provider(world, "busy", HOME),
        "out": make_provider(world, "out", FAR_10KM),
        "excl": make_provider(world, "excl", HOME),
        "male": make_provider(world, "male", HOME, gender="male"),
        "lang": make_provider(world, "lang", HOME, languages=["en"]),
        "cap": make_provider(world, "cap", HOME, max_daily_minutes=60),
        "sanc": make_provider(world, "sanc", HOME),
        "ovlp": make_provider(world, "ovlp", HOME),
        "trvl": make_provider(world, "trvl", HOME),
    }
    hours = dt.timedelta(hours=1)
    for days in (10, 20):
        book(elder_a, world, p["far2"], NOW - dt.timedelta(days=days), status="completed")
    book(elder_a, world, p["busy"], NOW + 48 * hours, duration_minutes=300,
         window_end=NOW + 53 * hours)  # fmt: skip
    book(elder_a, world, p["cap"], NOW + 6 * hours, duration_minutes=30,
         window_end=NOW + 6.5 * hours)  # fmt: skip
    book(elder_a, world, p["ovlp"], NOW + 2 * hours)
    book(elder_a, world, p["trvl"], NOW + dt.timedelta(minutes=80),
         lat=FAR_10KM[0], lng=FAR_10KM[1])  # fmt: skip
    ProviderQuality.objects.create(provider=p["far2"], score=4.6)
    ProviderQuality.objects.create(provider=p["busy"], score=3.0)
    ProviderSanction.objects.create(
        provider=p["sanc"], institution=world.inst_a, kind="suspension", reason="x",
        starts_at=NOW - hours, ends_at=NOW + 240 * hours, status="active",
        decided_by=personas.inst_admin,
    )  # fmt: skip
    Exclusion.objects.create(
        elder=elder_a, provider=p["excl"], reason="x", created_by=personas.elder, created_at=NOW
    )
    # The visit to match: companionship, 10:00-11:00 today at 王秀英's home.
    visit = dispatchable(personas, world, elder_a, catalog.companion, start=NOW + 2 * hours)
    return Team(p=p, visit=visit)
