"""The demo's visit history (``history.py``): volume, consistency with the services'
rules, determinism and every invariant passing."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from doorstep.catalog import selectors as catalog_selectors
from doorstep.catalog import services as catalog_services
from doorstep.core import clock, geo
from doorstep.demo.digest import demo_digest
from doorstep.demo.history import REQUESTS_PER_DAY
from doorstep.demo.invariants import run
from doorstep.demo.seed import seed_demo
from doorstep.orders.enums import (
    HOLDING_PROVIDER,
    TRANSITIONS,
    Channel,
    CheckKind,
    VisitStatus,
)
from doorstep.orders.models import CheckEvent, CoSign, Order, Payment, ServiceRecord, Visit
from doorstep.orders.services.door import validate_values
from doorstep.quality.models import Complaint, ProviderQuality, Rating
from doorstep.workforce import eligibility
from doorstep.workforce.selectors import provider_facts

from .conftest import SMALL

S = VisitStatus
DONE = [S.COMPLETED, S.REVIEWED]


@pytest.fixture
def history(db: Any) -> None:
    seed_demo(scale=SMALL, seed=11, history_months=1)


def test_one_month_at_small_scale_has_the_expected_volume_and_mix(history: None) -> None:
    # The history's own requests (the demo care plans book upcoming visits on top, ADR 0027).
    history_visits = Visit.objects.exclude(order__channel=Channel.CARE_PLAN)
    statuses = Counter(history_visits.values_list("status", flat=True))
    requests = Order.objects.exclude(channel=Channel.CARE_PLAN).count()
    # ~31 past days + 4 upcoming at 5 % of REQUESTS_PER_DAY (fewer on weekends/upcoming).
    assert 0.6 * 31 * REQUESTS_PER_DAY * SMALL < requests < 36 * REQUESTS_PER_DAY * SMALL
    done = statuses[S.COMPLETED] + statuses[S.REVIEWED]
    assert done > 0.85 * (requests - statuses[S.AWAITING_DISPATCH] - statuses[S.ASSIGNED] - 10)
    assert statuses[S.REVIEWED] == Rating.objects.count() > done / 2
    assert statuses[S.AWAITING_DISPATCH] > 0
    assert statuses[S.ASSIGNED] > 0
    assert Visit.objects.filter(status=S.AWAITING_DISPATCH, pool_published_at__isnull=False)
    assert ServiceRecord.objects.count() == done
    assert CheckEvent.objects.filter(kind=CheckKind.CHECK_OUT).count() == done
    assert CoSign.objects.count() > done / 2
    assert ProviderQuality.objects.count() == len(
        set(Rating.objects.values_list("provider_id", flat=True))
    )
    # Upcoming visits lie ahead, past ones behind.
    today = clock.today()
    for visit in Visit.objects.filter(status__in=[S.ASSIGNED, S.AWAITING_DISPATCH]):
        assert visit.window_start.date() >= today
    assert not Visit.objects.filter(status__in=DONE, window_start__date__gte=today).exists()


def test_every_visit_follows_the_state_machine_and_the_services_rules(history: None) -> None:
    for visit in Visit.objects.prefetch_related("events").select_related("order"):
        path = [(e.from_status, e.to_status) for e in visit.events.all()]
        assert path[0] == ("", S.REQUESTED)
        for frm, to in path[1:]:
            assert to in TRANSITIONS[frm], (visit.pk, frm, to)
        assert [to for _, to in path][-1] == visit.status
        times = [e.at for e in visit.events.all()]
        assert times == sorted(times)
        assert visit.order.created_at <= times[0]
        if visit.status == S.CANCELLED:
            fee = visit.cancellation_fee_fen
            if path[-1][0] in (S.EN_ROUTE, S.ARRIVED):
                assert fee == min(visit.price_fen * 3000 // 10000, 5000) > 0
            else:
                assert fee == 0


def test_completed_visits_have_evv_near_the_home_inside_the_window(history: None) -> None:
    for visit in Visit.objects.filter(status__in=DONE).prefetch_related("checks"):
        checks = {c.kind: c for c in visit.checks.all()}
        assert set(checks) == {CheckKind.CHECK_IN, CheckKind.CHECK_OUT}
        assert visit.lat is not None
        assert visit.lng is not None
        for check in checks.values():
            assert visit.window_start <= check.at <= visit.window_end
            assert geo.haversine_km(visit.lat, visit.lng, check.lat, check.lng) * 1000 < 200
            assert check.provider_id == visit.provider_id
            assert not check.flagged


def test_records_satisfy_the_template_and_providers_are_eligible(history: None) -> None:
    visits = Visit.objects.filter(status__in=DONE).select_related(
        "record", "order__item", "provider"
    )
    for visit in visits:
        item = visit.order.item
        _clean, problems = validate_values(
            item.documentation_template,
            {k: v["value"] for k, v in visit.record.values.items()},
            set(),
        )
        assert problems == {}, (item.code, problems)
        provider = visit.provider
        assert provider is not None
        assert provider.institution_id == visit.order.institution_id
        decision = eligibility.check(
            provider_facts(provider),
            catalog_selectors.requirement_for(item),
            visit.window_start.date(),
        )
        assert decision.allowed, (provider.pk, item.code, decision.codes)


def test_prices_are_what_lock_price_would_lock(history: None) -> None:
    orders = Order.objects.select_related("item", "institution", "elder__region").order_by("pk")
    for order in orders[:150]:
        visit = order.visits.get()
        locked = catalog_services.lock_price(
            item=order.item,
            package=None,
            institution=order.institution,
            elder=order.elder,
            when=visit.window_start,
        )
        assert order.price_lines == locked.lines
        assert order.total_fen == locked.total_fen == visit.price_fen
        assert order.pricing_inputs == locked.as_dict()


def test_no_provider_holds_overlapping_visits_and_payments_match(history: None) -> None:
    rows = (
        Visit.objects.filter(status__in=sorted(HOLDING_PROVIDER))
        .order_by("provider_id", "window_start")
        .values_list("provider_id", "window_start", "window_end")
    )
    last: dict[int, dt.datetime] = {}
    for provider_id, start, end in rows:
        assert provider_id not in last or last[provider_id] <= start
        last[provider_id] = end
    for payment in Payment.objects.select_related("order"):
        assert payment.amount_fen == payment.order.total_fen
    resolved = Complaint.objects.filter(status__in=["resolved", "rejected"])
    assert all(c.outcome and c.resolved_at for c in resolved)


def test_every_invariant_passes_on_the_seeded_history(history: None) -> None:
    assert [str(f) for f in run()] == []
    out = StringIO()
    call_command("check_invariants", stdout=out)
    assert "passed" in out.getvalue()


def test_same_seed_same_history_and_no_history_option(db: Any) -> None:
    call_command(
        "seed_demo", "--reset", f"--scale={SMALL}", "--seed=5", "--history-months=1",
        stdout=StringIO(),
    )  # fmt: skip
    first = demo_digest()
    assert Visit.objects.exists()
    call_command(
        "seed_demo", "--reset", f"--scale={SMALL}", "--seed=5", "--history-months=1",
        stdout=StringIO(),
    )  # fmt: skip
    assert demo_digest() == first
    call_command(
        "seed_demo", "--reset", f"--scale={SMALL}", "--seed=5", "--history-months=0",
        stdout=StringIO(),
    )  # fmt: skip
    assert not Visit.objects.exists()
    assert not Order.objects.exists()
    assert demo_digest() != first
