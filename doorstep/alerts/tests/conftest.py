"""Alert fixtures: a frozen clock on 2026-06-15 10:00 (Shanghai), elder 王秀英 with her
family member linked to receive alerts, the shared personas' provider rows."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.people import services as people
from doorstep.people.tests.conftest import elder_a, elder_b  # noqa: F401
from doorstep.workforce.tests.conftest import staff  # noqa: F401

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=SH)


class FrozenClock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def advance(self, **kw: float) -> dt.datetime:
        self.now = self.now + dt.timedelta(**kw)
        return self.now


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    fc = FrozenClock(NOW)
    monkeypatch.setattr(clock, "now", lambda: fc.now)
    monkeypatch.setattr(clock, "today", lambda: timezone.localtime(fc.now, SH).date())
    return fc


@pytest.fixture
def today(frozen: FrozenClock) -> dt.date:
    return NOW.date()


@pytest.fixture
def family_alerts(personas: Any, elder_a: Any) -> Any:  # noqa: F811
    """The family persona linked to 王秀英 with alerts, consent given."""
    elder = Actor.of(personas.elder)
    link = people.link_family(
        actor=elder,
        elder=elder_a,
        user=personas.family,
        relationship="child",
        permissions=["view_record", "receive_alerts"],
    )
    people.record_consent(
        actor=elder, elder=elder_a, purpose="family_proxy_access", policy_version="2026-01"
    )
    return link


def make_visit(elder: Any, institution: Any, provider: Any, status: str, start: dt.datetime) -> Any:
    from doorstep.quality.tests.conftest import make_visit as build

    return build(elder=elder, institution=institution, provider=provider, status=status,
                 start=start)  # fmt: skip
