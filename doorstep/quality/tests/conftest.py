"""Quality fixtures: quality officers for institutions A and B, a frozen clock, and visits
of elder 王秀英 put straight into a status (test set-up only, not a transition)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.people import services as people_services
from doorstep.people.tests.conftest import elder_a, elder_b  # noqa: F401
from doorstep.workforce.tests.conftest import staff, today  # noqa: F401

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Monday 15 June 2026, 10:00 in Ningbo (the workforce ``today`` fixture's day).
NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)


class Clock:
    """A settable clock: ``clock.now`` and ``clock.today`` answer ``self.at``."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def today(self) -> dt.date:
        return self.at.astimezone(SHANGHAI).date()


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch, today: dt.date) -> Clock:  # noqa: F811
    c = Clock(NOW)
    monkeypatch.setattr(clock, "now", c.now)
    monkeypatch.setattr(clock, "today", c.today)
    return c


@dataclass
class Officers:
    qo_a: Any
    qo_b: Any


@pytest.fixture
def officers(world: Any) -> Officers:
    from conftest import make_user

    return Officers(
        qo_a=make_user("quality_a", (Role.INSTITUTION_QUALITY, world.inst_a, None)),
        qo_b=make_user("quality_b", (Role.INSTITUTION_QUALITY, world.inst_b, None)),
    )


def actor(user: Any) -> Actor:
    return Actor.of(user)


def link_family(personas: Any, elder: Any, *, consent: bool = True) -> None:
    """The ``family`` persona becomes a proxy of ``elder`` (view and place orders)."""
    ea = actor(personas.elder)
    people_services.link_family(
        actor=ea,
        elder=elder,
        user=personas.family,
        relationship="child",
        permissions=["view_record", "place_orders"],
    )
    if consent:
        people_services.record_consent(
            actor=ea, elder=elder, purpose="family_proxy_access", policy_version="2026-01"
        )


_SEQ = iter(range(1, 10_000))


def make_visit(
    *,
    elder: Any,
    institution: Any,
    provider: Any,
    status: str = "completed",
    start: dt.datetime = NOW - dt.timedelta(hours=3),
) -> Any:
    """An order with one visit in ``status`` (rows written directly: set-up only)."""
    from doorstep.catalog.models import Offering, ServiceCategory, ServiceItem
    from doorstep.orders.models import Order, Visit

    n = next(_SEQ)
    category, _ = ServiceCategory.objects.get_or_create(
        code="q-test", defaults={"name_zh": "测试", "name_en": "Test", "group": "clinical_nursing"}
    )
    item = ServiceItem.objects.create(
        code=f"q-item-{n}",
        category=category,
        name_zh="换药",
        name_en="Wound dressing",
        provider_kinds=["nurse"],
        duration_minutes=60,
        base_price_fen=12000,
    )
    offering = Offering.objects.create(
        institution=institution, item=item, region=elder.region, price_fen=12000
    )
    order = Order.objects.create(
        elder=elder,
        institution=institution,
        item=item,
        offering=offering,
        placed_by=elder.user or provider.user,
        total_fen=12000,
        payment_mode="at_door",
        created_at=start - dt.timedelta(days=1),
    )
    return Visit.objects.create(
        order=order,
        seq=1,
        status=status,
        window_start=start,
        window_end=start + dt.timedelta(hours=1),
        duration_minutes=60,
        price_fen=12000,
        provider=provider,
        region=elder.region,
    )
