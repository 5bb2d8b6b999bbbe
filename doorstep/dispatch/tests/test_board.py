"""The dispatch board's service and pages (ADR 0021): moving a visit inside a proposed
plan (allowed, refused for skills, shift end and lateness, nothing changed when refused),
the read helpers, and the pages (roles, other institution 404, HTMX partial in Chinese).
Runs on SQLite and PostgreSQL; the tiny city is in ``plan_scene``: the plan gives the
nurse v1 (09:00) and v2 (11:00) near her home, the caregiver v3 (09:00) and v4 (13:00)."""

from __future__ import annotations

import copy
import datetime as dt
import math
from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.core.audit import AuditEvent
from doorstep.core.errors import Forbidden
from doorstep.dispatch import board, errors, services
from doorstep.dispatch.enums import RunStatus
from doorstep.dispatch.models import PlanRun
from doorstep.dispatch.problem import build, pid, vid
from doorstep.dispatch.tests.plan_scene import DAY, SHANGHAI, City, stops_by_provider
from doorstep.orders.models import Visit
from doorstep.orders.tests.conftest import dispatchable

pytestmark = pytest.mark.django_db


def _plan(city: City, capture: Any) -> PlanRun:
    with capture(execute=True):
        run = services.start_plan(
            actor=city.dispatcher, institution=city.nurse.institution, day=DAY, time_limit=1, seed=1
        )
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    return run


def _moves() -> int:
    return AuditEvent.objects.filter(action="plan_run.visit_moved").count()


def test_allowed_move_rewrites_the_plan_and_is_audited(
    city: City, django_capture_on_commit_callbacks: Any
) -> None:
    """Given the plan, when the dispatcher moves v2 (11:00) to the caregiver, then the
    caregiver serves v3, v2, v4 in time order, v2 still starts at 11:00, the travel grows,
    the greedy baseline's figures are kept, and the move is recorded and audited."""
    run = _plan(city, django_capture_on_commit_callbacks)
    before = copy.deepcopy(run.result)
    out = board.move_visit_in_plan(
        actor=city.dispatcher, run=run, visit_id=city.pk("v2"), provider_id=city.caregiver.pk
    )
    assert out.moved is True
    assert out.refusals == []
    assert out.start == "2026-06-16T11:00:00+08:00"
    assert out.late_minutes == 0
    run.refresh_from_db()
    assert stops_by_provider(run.result) == {
        city.nurse.pk: [city.pk("v1")],
        city.caregiver.pk: [city.pk("v3"), city.pk("v2"), city.pk("v4")],
    }
    figs, old = run.result["figures"], before["figures"]
    assert figs["travel_km"] > old["travel_km"]
    assert figs["baseline_travel_km"] == old["baseline_travel_km"]
    assert figs["saving_percent"] == round(
        100 * (1 - figs["travel_km"] / old["baseline_travel_km"]), 1
    )
    assert (figs["planned"], figs["unassigned"], figs["lateness_minutes"]) == (4, 0, 0)
    assert [
        (e["visit_id"], e["from_provider_id"], e["to_provider_id"]) for e in run.result["edits"]
    ] == [(city.pk("v2"), city.nurse.pk, city.caregiver.pk)]
    event = AuditEvent.objects.get(action="plan_run.visit_moved")
    assert (event.object_id, event.details["visit"], event.details["to_provider"]) == (
        str(run.pk),
        city.pk("v2"),
        city.caregiver.pk,
    )
    # nothing is assigned before acceptance
    assert set(Visit.objects.filter(pk__in=city.pks()).values_list("status", flat=True)) == {
        "awaiting_dispatch"
    }


def test_accepting_after_a_move_assigns_the_moved_visit(
    city: City, django_capture_on_commit_callbacks: Any
) -> None:
    run = _plan(city, django_capture_on_commit_callbacks)
    board.move_visit_in_plan(
        actor=city.dispatcher, run=run, visit_id=city.pk("v2"), provider_id=city.caregiver.pk
    )
    run.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_plan(actor=city.dispatcher, run=run)
    got = dict(Visit.objects.filter(pk__in=city.pks()).values_list("pk", "provider_id"))
    assert got == {
        city.pk("v1"): city.nurse.pk,
        city.pk("v2"): city.caregiver.pk,
        city.pk("v3"): city.caregiver.pk,
        city.pk("v4"): city.caregiver.pk,
    }


def test_unqualified_provider_is_refused_and_nothing_changes(
    city: City,
    world: Any,
    personas: Any,
    elder_a: Any,
    catalog: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A wound dressing (nurses only) dragged onto the caregiver is refused with the
    eligibility reason; the plan JSON and the audit log are unchanged."""
    dressing = dispatchable(
        personas,
        world,
        elder_a,
        catalog.dressing,
        start=dt.datetime(2026, 6, 16, 15, 0, tzinfo=SHANGHAI),
    )
    run = _plan(city, django_capture_on_commit_callbacks)
    assert dressing.pk in stops_by_provider(run.result)[city.nurse.pk]
    before = copy.deepcopy(run.result)
    out = board.move_visit_in_plan(
        actor=city.dispatcher, run=run, visit_id=dressing.pk, provider_id=city.caregiver.pk
    )
    assert out.moved is False
    codes = [r["code"] for r in out.refusals]
    assert codes[0] == "wrong_provider_kind"
    assert not set(codes) & {"schedule_overlap", "travel_time"}
    run.refresh_from_db()
    assert run.result == before
    assert _moves() == 0


def test_move_past_the_shift_end_is_refused_with_the_minutes(
    city: City, django_capture_on_commit_callbacks: Any
) -> None:
    """The caregiver works 08:00-12:00 (no break). The plan gives her v3 only; v4 (13:00,
    60 min) on her row would bring her home after 14:00: refused with the exact minutes."""
    services.set_shift(
        actor=city.dispatcher,
        provider=city.caregiver,
        day=DAY,
        start=dt.time(8, 0),
        end=dt.time(12, 0),
    )
    run = _plan(city, django_capture_on_commit_callbacks)
    assert stops_by_provider(run.result)[city.caregiver.pk] == [city.pk("v3")]
    built = build(institution=city.nurse.institution, day=DAY, now=run.created_at)
    problem = built.problem
    care = problem.providers[problem.provider_index[pid(city.caregiver.pk)]]
    v4 = problem.visits[problem.visit_index[vid(city.pk("v4"))]]
    back = 14 * 3600 + problem.matrices["e_bike"].duration[v4.location][care.end_location]
    over = math.ceil((back - 12 * 3600) / 60)
    out = board.move_visit_in_plan(
        actor=city.dispatcher, run=run, visit_id=city.pk("v4"), provider_id=city.caregiver.pk
    )
    assert out.moved is False
    assert out.refusals[0] == {
        "code": "shift_end",
        "message": f"The provider would be back home {over} min after the shift ends.",
    }
    assert 120 < over < 130


def test_move_that_makes_a_visit_late_is_refused(
    city: City, django_capture_on_commit_callbacks: Any
) -> None:
    """v1 (09:00, near the nurse) onto the caregiver who has v3 at 09:00 2 km away: one
    of the two would start about an hour late, over the 15-minute tolerance."""
    run = _plan(city, django_capture_on_commit_callbacks)
    out = board.move_visit_in_plan(
        actor=city.dispatcher, run=run, visit_id=city.pk("v1"), provider_id=city.caregiver.pk
    )
    assert out.moved is False
    assert [r["code"] for r in out.refusals] in (["late"], ["others_late"])
    assert "min" in out.refusals[0]["message"]


def test_unplanned_visit_can_be_dropped_onto_a_row(
    city: City, django_capture_on_commit_callbacks: Any
) -> None:
    """Given a plan that left v2 out (set up by editing the plan JSON), moving it onto the
    nurse's row plans it between v1 and nothing else and empties the unassigned list."""
    run = _plan(city, django_capture_on_commit_callbacks)
    result = copy.deepcopy(run.result)
    for route in result["routes"]:
        route["stops"] = [s for s in route["stops"] if s["visit_id"] != city.pk("v2")]
    result["unassigned"] = [
        {
            "visit_id": city.pk("v2"),
            "elder": "王**",
            "item": {"en": "Companionship visit", "zh": "陪伴探访"},
            "window_start": "2026-06-16T11:00:00+08:00",
            "lat": 29.8594,
            "lng": 121.5433,
            "current_provider_id": None,
            "code": "not_planned",
        }
    ]
    PlanRun.objects.filter(pk=run.pk).update(result=result)
    run.refresh_from_db()
    out = board.move_visit_in_plan(
        actor=city.dispatcher, run=run, visit_id=city.pk("v2"), provider_id=city.nurse.pk
    )
    assert out.moved is True
    run.refresh_from_db()
    assert stops_by_provider(run.result)[city.nurse.pk] == [city.pk("v1"), city.pk("v2")]
    assert run.result["unassigned"] == []
    assert run.result["edits"][0]["from_provider_id"] is None


def test_bad_ids_and_states_raise_and_change_nothing(
    city: City, personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    run = _plan(city, django_capture_on_commit_callbacks)
    before = copy.deepcopy(run.result)
    with pytest.raises(board.VisitNotInPlan) as exc:
        board.move_visit_in_plan(
            actor=city.dispatcher, run=run, visit_id=999_999, provider_id=city.nurse.pk
        )
    assert (exc.value.code, exc.value.status) == ("visit_not_in_plan", 422)
    with pytest.raises(board.ProviderNotInPlan) as exc2:
        board.move_visit_in_plan(
            actor=city.dispatcher, run=run, visit_id=city.pk("v1"), provider_id=999_999
        )
    assert exc2.value.code == "provider_not_in_plan"
    same = board.move_visit_in_plan(
        actor=city.dispatcher, run=run, visit_id=city.pk("v1"), provider_id=city.nurse.pk
    )
    assert (same.moved, [r["code"] for r in same.refusals]) == (False, ["already_there"])
    with pytest.raises(Forbidden):
        board.move_visit_in_plan(
            actor=Actor.of(personas.other_admin),
            run=run,
            visit_id=city.pk("v2"),
            provider_id=city.caregiver.pk,
        )
    services.discard_plan(actor=city.dispatcher, run=run)
    run.refresh_from_db()
    with pytest.raises(errors.PlanNotReady):
        board.move_visit_in_plan(
            actor=city.dispatcher, run=run, visit_id=city.pk("v2"), provider_id=city.caregiver.pk
        )
    run.refresh_from_db()
    assert run.result == before
    assert _moves() == 0


def test_gantt_rows_blocks_and_map(city: City, django_capture_on_commit_callbacks: Any) -> None:
    run = _plan(city, django_capture_on_commit_callbacks)
    g = board.gantt(run.result)
    assert [t["label"] for t in g["ticks"]][:2] == ["08:00", "09:00"]
    assert g["ticks"][-1]["label"] == "18:00"
    nurse = next(r for r in g["rows"] if r["provider_id"] == city.nurse.pk)
    visits = [b for b in nurse["blocks"] if b["kind"] == "visit"]
    assert [(b["visit_id"], b["start"], b["end"], b["late_minutes"]) for b in visits] == [
        (city.pk("v1"), "09:00", "10:00", 0),
        (city.pk("v2"), "11:00", "12:00", 0),
    ]
    # 08:00-18:00 axis: 09:00 is at 10 %, a 60-minute visit is 10 % wide
    assert (visits[0]["left"], visits[0]["width"]) == (10.0, 10.0)
    assert [b["kind"] for b in nurse["blocks"]].count("travel") == 3
    assert [b["kind"] for b in nurse["blocks"]].count("break") == 1
    assert city.nurse.institution is not None
    data = board.map_data(institution=city.nurse.institution, day=DAY, result=run.result)
    assert sorted(v["visit_id"] for v in data["visits"]) == sorted(city.pks())
    assert {p["provider_id"] for p in data["providers"]} == {city.nurse.pk, city.caregiver.pk}
    assert len(data["lines"]) == 2
    # no region on record has a boundary: one extent rectangle around the points
    assert [f["properties"]["name"] for f in data["geojson"]["features"]] == ["extent"]


# --- pages ---------------------------------------------------------------------------------


def test_board_page_roles_and_other_institution(
    city: City, personas: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    run = _plan(city, django_capture_on_commit_callbacks)
    client.force_login(personas.dispatcher)
    page = client.get(f"/dispatch/board/?day={DAY.isoformat()}")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-testid="gantt-row-{city.nurse.pk}"' in html
    assert f'data-testid="block-{city.pk("v1")}"' in html
    assert 'data-testid="accept-plan"' in html
    for user in (personas.nurse, personas.regulator):
        client.force_login(user)
        assert client.get("/dispatch/board/").status_code == 404
    client.force_login(personas.other_admin)
    assert client.get(f"/dispatch/board/runs/{run.pk}/progress/").status_code == 404
    answer = client.post(
        f"/dispatch/board/runs/{run.pk}/move/",
        {"visit": f"{city.pk('v2')}:0", "provider": str(city.caregiver.pk)},
    )
    assert answer.status_code == 404
    run.refresh_from_db()
    assert city.pk("v2") in stops_by_provider(run.result)[city.nurse.pk]


def test_htmx_move_refusal_in_chinese_and_move(
    city: City, personas: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    run = _plan(city, django_capture_on_commit_callbacks)
    personas.dispatcher.preferred_language = "zh-hans"
    personas.dispatcher.save(update_fields=["preferred_language"])
    client.force_login(personas.dispatcher)
    client.cookies["django_language"] = "zh-hans"
    url = f"/dispatch/board/runs/{run.pk}/move/"
    refused = client.post(
        url,
        {"visit": f"{city.pk('v1')}:0", "provider": str(city.nurse.pk)},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 200
    text = refused.content.decode()
    assert 'data-testid="move-notice"' in text
    assert "调整被拒绝：<br>该服务已由此服务人员负责。" in text
    moved = client.post(
        url,
        {"visit": f"{city.pk('v2')}:0", "provider": str(city.caregiver.pk)},
        HTTP_HX_REQUEST="true",
    )
    assert "11:00" in moved.content.decode()
    run.refresh_from_db()
    assert city.pk("v2") in stops_by_provider(run.result)[city.caregiver.pk]


def test_start_accept_and_discard_pages(
    city: City, personas: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(personas.dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/dispatch/board/start/",
            {"institution": city.nurse.institution_id, "day": DAY.isoformat(), "time_limit": "1"},
        )
    assert answer.status_code == 302
    run = PlanRun.objects.get()
    assert (run.status, run.progress, run.time_limit_s) == (RunStatus.DONE, 100, 1)
    progress = client.get(f"/dispatch/board/runs/{run.pk}/progress/", HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true"
    assert "100 %" in progress.content.decode()
    bad = client.post(
        "/dispatch/board/start/",
        {"institution": city.nurse.institution_id, "day": DAY.isoformat(), "time_limit": "0"},
    )
    assert bad.status_code == 302
    assert PlanRun.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/dispatch/board/runs/{run.pk}/accept/")
    run.refresh_from_db()
    assert run.status == RunStatus.ACCEPTED
    page = client.get(f"/dispatch/board/?day={DAY.isoformat()}").content.decode()
    assert f'data-testid="outcome-{city.pk("v1")}"' in page
    assert "Assigned" in page
    again = client.post(f"/dispatch/board/runs/{run.pk}/discard/")
    assert again.status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.ACCEPTED
