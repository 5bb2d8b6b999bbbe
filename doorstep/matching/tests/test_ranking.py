"""The ranking of one visit on the database: the hand-built team of ``conftest.team``."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from doorstep.matching import selectors
from doorstep.orders.tests.conftest import dispatchable
from doorstep.workforce.models import Certificate, Provider

from .conftest import Team, make_provider

pytestmark = pytest.mark.django_db


def refusals(ranking: selectors.Ranking, team: Team) -> dict[str, list[str]]:
    return {team.code(r.provider_id): [x.code for x in r.reasons] for r in ranking.refused}


def test_hand_checked_ranking(team: Team) -> None:
    """far2: 2.0016 km at 18 km/h = 6.67 min -> 0.35 x (1 - 6.67/60) = 0.311092; two
    visits -> 0.166667; quality 4.6 -> 0.18; booked 0 = team median 0 -> 0. = 0.657759.
    near: ETA 0 -> 0.35; prior 4.0 -> 0.15 = 0.5. busy: 0.35 + quality 3.0 -> 0.1 +
    300 min over the median -> -0.15 = 0.3. ovlp and trvl (0.425) fail the schedule."""
    ranking = selectors.rank_visit(team.visit)
    got = [(team.code(c.provider_id), c.ranked.score) for c in ranking.candidates]
    assert got == [("far2", 0.657759), ("near", 0.5), ("busy", 0.3)]
    far2 = ranking.candidates[0]
    assert far2.ranked.eta_minutes == 6.67
    assert {t.code: (t.value, t.points) for t in far2.ranked.terms} == {
        "eta": (6.67, 0.311092),
        "continuity": (2.0, 0.166667),
        "quality": (4.6, 0.18),
        "fairness": (0.0, 0.0),
        "rural": (0.0, 0.0),
    }
    busy = {t.code: t.points for t in ranking.candidates[2].ranked.terms}
    assert busy == {"eta": 0.35, "continuity": 0.0, "quality": 0.1, "fairness": -0.15, "rural": 0.0}
    assert ranking.team_median_minutes == 0.0
    assert ranking.considered == 11
    assert ranking.blocked == []


def test_every_refusal_reason(team: Team) -> None:
    ranking = selectors.rank_visit(team.visit)
    assert refusals(ranking, team) == {
        "out": ["outside_radius"],
        "excl": ["excluded_by_elder"],
        "male": ["gender_preference"],
        "lang": ["no_shared_language"],
        "cap": ["daily_cap"],
        "sanc": ["sanctioned"],
        "ovlp": ["schedule_overlap"],
        "trvl": ["travel_time"],
    }


def test_refusal_messages_in_both_languages(team: Team) -> None:
    with translation.override("zh-hans"):
        ranking = selectors.rank_visit(team.visit)
    by_code = {x.code: x.message for r in ranking.refused for x in r.reasons}
    assert by_code["daily_cap"] == "接这次服务会超过服务人员的每日工作时长上限。"
    assert by_code["schedule_overlap"] == "该服务人员在此时间已有其他服务。"
    with translation.override("en"):
        ranking = selectors.rank_visit(team.visit)
    by_code = {x.code: x.message for r in ranking.refused for x in r.reasons}
    assert by_code["excluded_by_elder"] == "The elder has excluded this provider."


def test_credentials_are_checked(team: Team, world: Any, personas: Any, catalog: Any) -> None:
    """Wound dressing needs a senior nurse with 5 years and a licence: a nurse with the
    title "nurse" is refused with the eligibility core's reason; caregivers are not even
    considered (wrong kind, filtered in the query)."""
    import datetime as dt

    from conftest import make_user
    from doorstep.accounts.models import Membership
    from doorstep.orders.tests.conftest import HOME

    nurse = make_provider(
        world, "junior", HOME, kind="nurse", licence_number="NUR-J-1", title="nurse",
        practice_start_date=dt.date(2012, 1, 1),
    )  # fmt: skip
    senior = make_provider(
        world, "senior", HOME, kind="nurse", licence_number="NUR-S-1", title="senior_nurse",
        practice_start_date=dt.date(2012, 1, 1),
    )  # fmt: skip
    Certificate.objects.create(provider=senior, kind="practising_licence", number="NUR-S-1")
    del make_user, Membership
    visit = dispatchable(personas, world, team.visit.order.elder, catalog.dressing,
                         start=team.visit.window_start + dt.timedelta(hours=3))  # fmt: skip
    ranking = selectors.rank_visit(visit)
    assert [c.provider_id for c in ranking.candidates] == [senior.pk]
    assert {r.provider_id: [x.code for x in r.reasons] for r in ranking.refused} == {
        nurse.pk: ["title_too_low"]
    }
    assert ranking.considered == 2


def test_area_not_covered_blocks_everyone(team: Team, world: Any) -> None:
    from doorstep.organizations.models import ServiceArea

    ServiceArea.objects.filter(institution=world.inst_a).delete()  # set-up only
    ranking = selectors.rank_visit(team.visit)
    assert [b.code for b in ranking.blocked] == ["area_not_covered"]
    assert (ranking.candidates, ranking.refused) == ([], [])


def test_skip_and_limit(team: Team) -> None:
    ranking = selectors.rank_visit(team.visit, limit=1, skip=frozenset({team.id("far2")}))
    assert [team.code(c.provider_id) for c in ranking.candidates] == ["near"]


def test_urgent_orders_by_eta(team: Team) -> None:
    ranking = selectors.rank_visit(team.visit, limit=3, urgent=True)
    assert [team.code(c.provider_id) for c in ranking.candidates] == ["near", "busy", "far2"]


def test_query_count_does_not_grow_with_the_team(team: Team, world: Any) -> None:
    """The screen and the aggregates are per query, not per provider: 30 more screened-out
    providers (outside their radius) add no query."""
    from .conftest import FAR_10KM

    visit = selectors.load_visit(team.visit.pk)
    selectors.rank_visit(visit)  # warm the process memos (catalogue, service areas)
    with CaptureQueriesContext(connection) as before:
        selectors.rank_visit(visit)
    for i in range(30):
        make_provider(world, f"extra{i}", FAR_10KM)
    with CaptureQueriesContext(connection) as after:
        ranking = selectors.rank_visit(visit)
    assert ranking.considered == 41
    assert len(after.captured_queries) == len(before.captured_queries)
    assert len(before.captured_queries) <= 14
    assert Provider.objects.count() >= 41


def test_second_provider_sql_is_the_dispatch_rule() -> None:
    """The per-process compiled second-provider subquery is what
    ``dispatch.selectors.second_providers_in_force`` compiles to now (no stale rule)."""
    from doorstep.dispatch.selectors import second_providers_in_force
    from doorstep.matching import ranking

    ranking._SECOND_SQL.clear()
    cached = ranking._second_providers_sql()
    sql, params = (
        second_providers_in_force().order_by().values("provider_id").query.sql_with_params()
    )
    assert cached == (sql, tuple(params))
    assert ranking._second_providers_sql() is cached


def test_exact_checks_read_certificates_and_busy_providers(team: Team, world: Any) -> None:
    """``_check_facts``: one statement gives each provider its certificates (an expired
    mandatory certificate refuses) and the busy flag (only ovlp and trvl hold a visit near
    this one), and the refusals match ``orders.services.refusals_for``."""
    import datetime as dt
    from dataclasses import replace

    from doorstep.matching import ranking
    from doorstep.orders.services import refusals_for
    from doorstep.workforce.selectors import provider_facts

    Certificate.objects.create(provider=team.p["near"], kind="practising_licence", number="A-1",
                               expires_on=dt.date(2027, 6, 30))  # fmt: skip
    Certificate.objects.create(provider=team.p["near"], kind="first_aid", number="A-2")
    Certificate.objects.create(provider=team.p["far2"], kind="first_aid", number="B-1",
                               status="revoked", expires_on=dt.date(2026, 1, 31))  # fmt: skip
    visit = selectors.load_visit(team.visit.pk)
    ids = [team.id(c) for c in ("near", "far2", "busy", "ovlp", "trvl")]
    facts = ranking._check_facts(ids, visit)
    assert {team.code(pid) for pid, f in facts.items() if f.busy} == {"ovlp", "trvl"}
    for pid, f in facts.items():
        loaded = Provider.objects.get(pk=pid)
        assert (f.provider.kind, f.provider.practice_start_date, f.provider.is_active) == (
            loaded.kind, loaded.practice_start_date, loaded.is_active,
        )  # fmt: skip
        # The eligibility facts read from the row equal those of the loaded provider.
        got, want = f.facts, provider_facts(loaded)
        assert replace(got, certificates=()) == replace(want, certificates=())
        assert sorted(got.certificates, key=repr) == sorted(want.certificates, key=repr)
        assert f.name == loaded.user.display_name
    assert len(facts[team.id("near")].facts.certificates) == 2
    assert facts[team.id("far2")].facts.certificates[0].expires_on == dt.date(2026, 1, 31)
    expected = {team.code(p): [r.code for r in refusals_for(Provider.objects.get(pk=p), visit)]
                for p in ids}  # fmt: skip
    assert expected["ovlp"] == ["schedule_overlap"]
    assert expected["trvl"] == ["travel_time"]
