"""The SQL prefilter (ADR 0020 addendum) against the full rule check, provider by
provider, on a small hand-made world: the candidate set, the refusal counts and the order
must be those of checking every provider in Python with the owners' rules.

The world is ``conftest.team`` (excluded, male, English-only, over the daily cap,
suspended, an overlapping visit, a visit too far away to travel from) plus edge cases:

==========  =====================================================================
code        what
==========  =====================================================================
edge_in     service radius exactly the (Python) distance to the home: may take it
edge_out    radius 1e-9 km short of the distance: inside the SQL tolerance, refused
              by Python's distance (the 1 mm band)
edge_far    radius 1 % short: refused by SQL alone
cap_ok      420 min booked today, cap 480: the 60-min visit fits exactly
cap_over    421 min booked today, cap 480: over by one minute
any_gender  no gender recorded (the elder asks for a female provider): refused
next_door   a visit ending at 09:52 one km away: 3.3 min of travel by e-bike, 8 min
              gap: fine
==========  =====================================================================
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest

from doorstep.catalog.selectors import region_in_service_areas
from doorstep.core import geo
from doorstep.matching import ranking, scoring, selectors
from doorstep.matching.enums import ExclusionStatus
from doorstep.matching.models import Exclusion
from doorstep.orders.enums import HOLDING_PROVIDER
from doorstep.orders.models import Visit
from doorstep.orders.services import refusals_for, travel_minutes
from doorstep.orders.tests.conftest import HOME, NOW
from doorstep.quality.models import ProviderQuality
from doorstep.quality.selectors import blocked_provider_ids
from doorstep.workforce.models import Provider

from .conftest import Team, book, make_provider

pytestmark = pytest.mark.django_db

NORTH_1KM = (HOME[0] + 1.0 / 111.2, HOME[1])
NORTH_3KM = (HOME[0] + 3.0 / 111.2, HOME[1])


@pytest.fixture
def edge_world(team: Team, world: Any, elder_a: Any) -> Team:
    d = geo.haversine_km(NORTH_3KM[0], NORTH_3KM[1], HOME[0], HOME[1])
    p = team.p
    p["edge_in"] = make_provider(world, "edge_in", NORTH_3KM, service_radius_km=d)
    p["edge_out"] = make_provider(world, "edge_out", NORTH_3KM, service_radius_km=d - 1e-9)
    p["edge_far"] = make_provider(world, "edge_far", NORTH_3KM, service_radius_km=d * 0.99)
    p["cap_ok"] = make_provider(world, "cap_ok", HOME)
    p["cap_over"] = make_provider(world, "cap_over", HOME)
    p["any_gender"] = make_provider(world, "any_gender", HOME, gender="")
    p["next_door"] = make_provider(world, "next_door", NORTH_1KM, transport_mode="e_bike")
    hours = dt.timedelta(hours=1)
    # Bookings later today (13:00 onwards), clear of 10:00-11:00 and its travel.
    book(elder_a, world, p["cap_ok"], NOW + 5 * hours, duration_minutes=420,
         window_end=NOW + 12 * hours)  # fmt: skip
    book(elder_a, world, p["cap_over"], NOW + 5 * hours, duration_minutes=421,
         window_end=NOW + 12 * hours + dt.timedelta(minutes=1))  # fmt: skip
    book(elder_a, world, p["next_door"], NOW + dt.timedelta(minutes=52),
         window_end=NOW + dt.timedelta(minutes=112), lat=NORTH_1KM[0], lng=NORTH_1KM[1])  # fmt: skip
    ProviderQuality.objects.create(provider=p["edge_in"], score=4.9)
    return team


def full_check(visit: Visit) -> tuple[list[scoring.ProviderFacts], Counter[str], float]:
    """Every provider of the institution, one by one, with the owners' rules: the screen
    on facts gathered per provider, then ``orders.services.refusals_for`` (credentials,
    area, schedule with travel, sanctions). Returns the eligible providers best first
    (``scoring.rank`` over them all), the screen's refusal counts and the team median
    (every provider of the institution near the visit, refused or not)."""
    visit = selectors.load_visit(visit.pk)
    order = visit.order
    assert region_in_service_areas(order.institution, visit.region)
    point = ranking.visit_point(visit)
    assert point is not None
    elder = order.elder
    need = scoring.VisitNeed(
        duration_minutes=visit.duration_minutes,
        rural=not visit.region.is_urban,
        preferred_gender=elder.preferred_provider_gender or "",
        languages=frozenset(elder.languages or ()),
        excluded=frozenset(
            Exclusion.objects.filter(elder=elder, status=ExclusionStatus.ACTIVE).values_list(
                "provider_id", flat=True
            )
        ),
        sanctioned=frozenset(blocked_provider_ids().values_list("provider_id", flat=True)),
    )
    day0, day1, week0, week1 = ranking._day_and_week(visit.window_start)
    facts, counts, weeks = [], Counter[str](), []
    for p in Provider.objects.filter(institution_id=order.institution_id, is_active=True,
                                     verification_status="verified"):  # fmt: skip
        mine = Visit.objects.filter(provider=p, status__in=HOLDING_PROVIDER).exclude(pk=visit.pk)
        day = sum(v.duration_minutes for v in mine if day0 <= v.window_start < day1)
        week = sum(v.duration_minutes for v in mine if week0 <= v.window_start < week1)
        seen = Visit.objects.filter(
            provider=p, order__elder=elder, status__in=("completed", "reviewed"),
            window_start__gte=NOW - dt.timedelta(days=90),
        ).count()  # fmt: skip
        quality = ProviderQuality.objects.filter(provider=p).values_list("score", flat=True)
        assert p.home_lat is not None
        assert p.home_lng is not None
        home = (p.home_lat, p.home_lng)
        f = scoring.ProviderFacts(
            provider_id=p.pk,
            distance_km=geo.haversine_km(home[0], home[1], point[0], point[1]),
            service_radius_km=p.service_radius_km,
            eta_minutes=round(travel_minutes(p, home, point), 2),
            gender=p.gender,
            languages=frozenset(p.languages),
            max_daily_minutes=p.max_daily_minutes,
            booked_day_minutes=day,
            booked_week_minutes=week,
            visits_to_elder=seen,
            quality=quality.first(),
        )
        weeks.append(week)
        codes = scoring.screen(f, need)
        counts.update(codes)
        if not codes:
            facts.append((f, p))
    median = scoring.median(weeks)
    eligible = [f for f, p in facts if not refusals_for(p, visit)]
    ranked = scoring.rank(eligible, rural=need.rural, team_median=median)
    place = {r.provider_id: i for i, r in enumerate(ranked)}
    return sorted(eligible, key=lambda f: place[f.provider_id]), counts, median


@pytest.mark.parametrize("fetch_min", [1, 48])
def test_candidate_set_is_the_full_rule_check(
    edge_world: Team, monkeypatch: pytest.MonkeyPatch, fetch_min: int
) -> None:
    """Same eligible providers, whether SQL hands over 1 survivor per round (the bound
    forces it to fetch more) or 48."""
    team = edge_world
    monkeypatch.setattr(ranking, "FETCH_MIN", fetch_min)
    eligible, _counts, _median = full_check(team.visit)
    got = selectors.rank_visit(selectors.load_visit(team.visit.pk), limit=50, max_checks=50)
    want = {team.code(f.provider_id) for f in eligible}
    assert {team.code(c.provider_id) for c in got.candidates} == want
    assert want == {
        "near", "far2", "busy", "edge_in", "cap_ok", "next_door",
    }  # fmt: skip


def test_refusal_counts_are_the_full_rule_check(edge_world: Team) -> None:
    team = edge_world
    _eligible, counts, median = full_check(team.visit)
    got = selectors.rank_visit(selectors.load_visit(team.visit.pk), limit=50, max_checks=50)
    screen_counts = {c: n for c, n in got.refused_counts.items() if c in scoring.REFUSAL_MESSAGES}
    assert screen_counts == dict(counts)
    assert screen_counts == {
        "outside_radius": 3,  # out, edge_out, edge_far
        "excluded_by_elder": 1,
        "gender_preference": 2,  # male, any_gender
        "no_shared_language": 1,
        "daily_cap": 2,  # cap, cap_over
        "sanctioned": 1,
    }
    assert got.refused_counts["schedule_overlap"] == 1  # ovlp
    assert got.refused_counts["travel_time"] == 1  # trvl
    assert got.considered == len(team.p)
    assert got.screened_in == 8  # the six candidates, ovlp and trvl
    assert got.team_median_minutes == median


def test_every_refused_edge_case_has_its_reason(edge_world: Team) -> None:
    team = edge_world
    got = selectors.rank_visit(selectors.load_visit(team.visit.pk), limit=50, max_checks=50)
    reasons = {team.code(r.provider_id): [x.code for x in r.reasons] for r in got.refused}
    assert reasons["edge_out"] == ["outside_radius"]
    assert reasons["edge_far"] == ["outside_radius"]
    assert reasons["cap_over"] == ["daily_cap"]
    assert reasons["any_gender"] == ["gender_preference"]
    assert reasons["sanc"] == ["sanctioned"]
    assert reasons["excl"] == ["excluded_by_elder"]
    assert reasons["ovlp"] == ["schedule_overlap"]
    assert reasons["trvl"] == ["travel_time"]
    assert not {"next_door", "cap_ok", "edge_in"} & set(reasons)


@pytest.mark.parametrize("urgent", [False, True])
@pytest.mark.parametrize(("fetch_min", "step"), [(1, 1), (48, 1), (48, 8), (3, 100)])
def test_order_is_the_full_ranking(
    edge_world: Team, monkeypatch: pytest.MonkeyPatch, urgent: bool, fetch_min: int, step: int
) -> None:
    """The candidates come in ``scoring.rank``'s order over every eligible provider (the
    team median as the ranking computed it), or by ETA when urgent; whether SQL hands
    over 1, 3 or 48 survivors per round and Python scores 1, 8 or all of them at a time
    before it tries the bound."""
    team = edge_world
    monkeypatch.setattr(ranking, "FETCH_MIN", fetch_min)
    monkeypatch.setattr(ranking, "ORDINARY_STEP", step)
    visit = selectors.load_visit(team.visit.pk)
    eligible, _counts, median = full_check(team.visit)
    got = selectors.rank_visit(visit, limit=3, urgent=urgent)
    if urgent:
        want = [f.provider_id for f in scoring.nearest(eligible)]
    else:
        want = [f.provider_id for f in eligible]  # already in scoring.rank's order
    assert [c.provider_id for c in got.candidates] == want[:3]
    # and the scores themselves are the full ranking's
    full = {r.provider_id: r.score for r in scoring.rank(eligible, rural=False, team_median=median)}
    assert {c.provider_id: c.ranked.score for c in got.candidates} == {
        c.provider_id: full[c.provider_id] for c in got.candidates
    }
