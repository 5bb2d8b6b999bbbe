"""Day planning through the services: plan job, acceptance through the orders services,
refusals kept, re-planning after a sick call, progress (ADR 0019). Runs on SQLite and
PostgreSQL; the tiny city is in ``plan_scene``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings

from doorstep.core.errors import Forbidden
from doorstep.dispatch import services
from doorstep.dispatch.enums import RunStatus
from doorstep.dispatch.models import PlanRun, Shift
from doorstep.dispatch.problem import Event, build, pid, vid
from doorstep.dispatch.tests.plan_scene import DAY, SHANGHAI, City, stops_by_provider
from doorstep.notifications.models import Notification
from doorstep.orders.models import Visit, VisitEvent
from doorstep.workforce.models import Provider

pytestmark = pytest.mark.django_db


def _plan(city: City, capture: Any, **kw: Any) -> PlanRun:
    with capture(execute=True):
        run = services.start_plan(
            actor=city.dispatcher,
            institution=city.nurse.institution,
            day=DAY,
            time_limit=kw.pop("time_limit", 1),
            seed=1,
        )
    run.refresh_from_db()
    return run


def test_plan_then_accept_assigns_through_orders(
    city: City, django_capture_on_commit_callbacks: Any
) -> None:
    """Given the tiny city, when a dispatcher plans tomorrow and accepts, then the nurse
    gets v1 and v2, the caregiver v3 and v4, each through ``assign_provider``."""
    run = _plan(city, django_capture_on_commit_callbacks)
    assert (run.status, run.progress) == (RunStatus.DONE, 100)
    assert stops_by_provider(run.result) == {
        city.nurse.pk: [city.pk("v1"), city.pk("v2")],
        city.caregiver.pk: [city.pk("v3"), city.pk("v4")],
    }
    figures = run.result["figures"]
    assert (figures["visits"], figures["planned"], figures["unassigned"]) == (4, 4, 0)
    assert figures["lateness_minutes"] == 0
    assert figures["travel_km"] <= figures["baseline_travel_km"]
    stop = run.result["routes"][0]["stops"][0]
    assert stop["elder"] == "王**"
    assert stop["item"] == {"en": "Companionship visit", "zh": "陪伴探访"}
    assert stop["start"].startswith("2026-06-16T09:00:00+08:00")
    assert run.result["changes"] == []
    assert [
        (p["provider_id"], p["available_from"], p["available_until"])
        for p in run.result["providers"]
    ] == [
        (city.nurse.pk, "2026-06-16T08:00:00+08:00", "2026-06-16T18:00:00+08:00"),
        (city.caregiver.pk, "2026-06-16T08:00:00+08:00", "2026-06-16T18:00:00+08:00"),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        accepted = services.accept_plan(actor=city.dispatcher, run=run)
    assert accepted.status == RunStatus.ACCEPTED
    assert accepted.outcome["counts"] == {"assigned": 4}
    got = {v.pk: (v.status, v.provider_id) for v in Visit.objects.filter(pk__in=city.pks())}
    assert got == {
        city.pk("v1"): ("assigned", city.nurse.pk),
        city.pk("v2"): ("assigned", city.nurse.pk),
        city.pk("v3"): ("assigned", city.caregiver.pk),
        city.pk("v4"): ("assigned", city.caregiver.pk),
    }
    via = set(
        VisitEvent.objects.filter(visit_id__in=city.pks(), to_status="assigned").values_list(
            "details__via", flat=True
        )
    )
    assert via == {"dispatcher"}


def test_refused_assignment_stays_unassigned_with_its_reason(
    city: City, django_capture_on_commit_callbacks: Any
) -> None:
    """Given a plan, when the caregiver is deactivated before acceptance, then the
    caregiver's visits are refused by the orders rules (reason kept) and stay unassigned,
    while the nurse's are assigned."""
    run = _plan(city, django_capture_on_commit_callbacks)
    Provider.objects.filter(pk=city.caregiver.pk).update(is_active=False)  # set-up
    accepted = services.accept_plan(actor=city.dispatcher, run=run)
    assert accepted.outcome["counts"] == {"assigned": 2, "refused": 2}
    refused = {o["visit_id"]: o for o in accepted.outcome["visits"] if o["result"] == "refused"}
    assert sorted(refused) == [city.pk("v3"), city.pk("v4")]
    one = refused[city.pk("v3")]
    assert one["code"] == "provider_not_eligible"
    assert [r["code"] for r in one["reasons"]] == ["inactive"]
    assert set(
        Visit.objects.filter(pk__in=[city.pk("v3"), city.pk("v4")]).values_list(
            "status", "provider_id"
        )
    ) == {("awaiting_dispatch", None)}


def test_replan_after_sick_call_moves_only_what_must_move(
    city: City, django_capture_on_commit_callbacks: Any
) -> None:
    """Given the accepted plan, when the caregiver is sick from 12:00, then the re-plan
    moves only v4 (13:00) to the nurse, keeps v3 (done by 10:00) and the nurse's visits,
    names both providers to tell, and acceptance moves v4 and notifies them."""
    run = _plan(city, django_capture_on_commit_callbacks)
    services.accept_plan(actor=city.dispatcher, run=run)
    run.refresh_from_db()
    event = Event(
        kind="provider_sick",
        provider_id=city.caregiver.pk,
        at=dt.datetime.combine(DAY, dt.time(12, 0), tzinfo=SHANGHAI),
    )
    with django_capture_on_commit_callbacks(execute=True):
        new = services.replan(actor=city.dispatcher, run=run, event=event)
    new.refresh_from_db()
    assert (new.status, new.based_on_id) == (RunStatus.DONE, run.pk)
    assert stops_by_provider(new.result) == {
        city.nurse.pk: [city.pk("v1"), city.pk("v2"), city.pk("v4")],
        city.caregiver.pk: [city.pk("v3")],
    }
    changes = [
        (c["visit_id"], c["kind"], c["from_provider_id"], c["to_provider_id"])
        for c in new.result["changes"]
    ]
    assert changes == [(city.pk("v4"), "moved", city.caregiver.pk, city.nurse.pk)]
    assert new.result["notify_provider_ids"] == sorted([city.nurse.pk, city.caregiver.pk])

    before = Notification.objects.filter(kind="dispatch.plan_changed").count()
    with django_capture_on_commit_callbacks(execute=True):
        accepted = services.accept_plan(actor=city.dispatcher, run=new)
    assert accepted.outcome["counts"] == {"kept": 3, "moved": 1}
    v4 = Visit.objects.get(pk=city.pk("v4"))
    assert (v4.status, v4.provider_id) == ("assigned", city.nurse.pk)
    assert v4.window_start == city.visits["v4"].window_start  # the booked time is kept
    told = set(
        Notification.objects.filter(kind="dispatch.plan_changed").values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {city.nurse.user_id, city.caregiver.user_id}
    assert Notification.objects.filter(kind="dispatch.plan_changed").count() == before + 2
    assert accepted.outcome["notified_provider_ids"] == sorted([city.nurse.pk, city.caregiver.pk])


def test_progress_is_written_while_solving(
    city: City, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job writes progress (0-99) and the best cost to the run while the engine runs,
    then 100 when done."""
    seen: list[tuple[str, int, int | None]] = []
    real = services.engine.solve

    def spying_solve(problem: Any, **kw: Any) -> Any:
        outer = kw["progress"]

        def progress(fraction: float, best: float) -> None:
            outer(fraction, best)
            row = PlanRun.objects.get()
            seen.append((row.status, row.progress, row.best_cost))

        kw["progress"] = progress
        return real(problem, **kw)

    monkeypatch.setattr(services.engine, "solve", spying_solve)
    run = _plan(city, django_capture_on_commit_callbacks)
    assert seen, "the engine reported no progress"
    first = seen[0]
    assert first[0] == RunStatus.RUNNING
    assert 0 <= first[1] <= 99
    assert first[2] is not None
    assert all(status == RunStatus.RUNNING and p <= 99 for status, p, _ in seen)
    assert (run.status, run.progress) == (RunStatus.DONE, 100)
    assert run.best_cost is not None


def test_failed_job_is_recorded(
    city: City, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kw: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(services.engine, "solve", broken)
    run = _plan(city, django_capture_on_commit_callbacks)
    assert (run.status, run.error, run.result) == (RunStatus.FAILED, "RuntimeError", {})
    with pytest.raises(services.errors.PlanNotReady):
        services.accept_plan(actor=city.dispatcher, run=run)


@pytest.mark.parametrize(
    ("settings_", "latest"),
    [
        ({"BOOKING_ARRIVAL_WINDOW_MINUTES": 0}, 9 * 3600),
        ({"BOOKING_ARRIVAL_WINDOW_MINUTES": 45}, 9 * 3600 + 2700),
        (
            {"BOOKING_ARRIVAL_WINDOW_MINUTES": 45, "DISPATCH_LATE_TOLERANCE_MINUTES": 10},
            9 * 3600 + 600,
        ),
    ],
)
def test_the_latest_on_time_start_is_the_arrival_windows_end(
    city: City, settings_: dict[str, int], latest: int
) -> None:
    """ADR 0037: lateness counts from the end of the booked arrival window; the planner's
    own tolerance setting, when set, overrides it."""
    with override_settings(**settings_):
        built = build(
            institution=city.nurse.institution,
            day=DAY,
            now=dt.datetime(2026, 6, 15, 8, 0, tzinfo=SHANGHAI),
        )
    v1 = next(v for v in built.problem.visits if v.id == vid(city.pk("v1")))
    assert (v1.earliest, v1.latest) == (9 * 3600, latest)


def test_lateness_past_the_window_costs_60_per_second_unless_set(city: City) -> None:
    """ADR 0039: one minute past the arrival window weighs like 3.6 km of travel;
    ``DISPATCH_LATENESS_COST`` overrides it."""
    now = dt.datetime(2026, 6, 15, 8, 0, tzinfo=SHANGHAI)
    built = build(institution=city.nurse.institution, day=DAY, now=now)
    assert {v.lateness_cost for v in built.problem.visits} == {60}
    with override_settings(DISPATCH_LATENESS_COST=10):
        again = build(institution=city.nurse.institution, day=DAY, now=now)
    assert {v.lateness_cost for v in again.problem.visits} == {10}


def test_problem_reads_shifts_skills_and_fixed_visits(city: City, personas: Any) -> None:
    """The builder: a shift row (custom hours, no break) and a day off; the item's
    requirement as credentials; a visit already in service fixes its provider until it
    ends."""
    Shift.objects.create(
        provider=city.nurse,
        day=DAY,
        start=dt.time(9, 0),
        end=dt.time(15, 0),
        updated_by=personas.dispatcher,
        updated_at=dt.datetime(2026, 6, 15, 8, 0, tzinfo=SHANGHAI),
    )
    built = build(
        institution=city.nurse.institution,
        day=DAY,
        now=dt.datetime(2026, 6, 15, 8, 0, tzinfo=SHANGHAI),
    )
    nurse = next(p for p in built.problem.providers if p.id == pid(city.nurse.pk))
    carer = next(p for p in built.problem.providers if p.id == pid(city.caregiver.pk))
    assert (nurse.shift_start, nurse.shift_end, nurse.break_) == (9 * 3600, 15 * 3600, None)
    assert (carer.shift_start, carer.shift_end) == (8 * 3600, 18 * 3600)
    assert carer.break_ is not None
    assert (carer.break_.earliest, carer.break_.latest, carer.break_.duration) == (
        11 * 3600 + 1800,
        13 * 3600,
        1800,
    )
    assert nurse.level == 2  # senior nurse
    assert "req:companionship_visit" in nurse.credentials
    assert "req:companionship_visit" in carer.credentials
    v1 = next(v for v in built.problem.visits if v.id == vid(city.pk("v1")))
    # booked 09:00: begun from 09:00 to the end of its 30-minute arrival window (ADR 0037)
    assert (v1.earliest, v1.latest, v1.tasks[0].duration) == (9 * 3600, 9 * 3600 + 1800, 3600)
    assert v1.tasks[0].credentials == frozenset(
        {f"inst:{city.nurse.institution_id}", "req:companionship_visit"}
    )

    Shift.objects.filter(provider=city.nurse).update(off=True)
    Visit.objects.filter(pk=city.pk("v3")).update(status="in_service", provider=city.caregiver)
    built = build(
        institution=city.nurse.institution,
        day=DAY,
        now=dt.datetime(2026, 6, 16, 9, 20, tzinfo=SHANGHAI),
    )
    assert [p.id for p in built.problem.providers] == [pid(city.caregiver.pk)]
    carer = built.problem.providers[0]
    assert carer.shift_start == 10 * 3600  # busy with v3 (09:00 + 60 min)
    assert built.problem.coordinates[carer.start_location] == (29.8830, 121.5433)
    assert sorted(v.id for v in built.problem.visits) == sorted(
        vid(city.pk(n)) for n in ("v1", "v2", "v4")
    )
    assert built.fixed == [
        {
            "visit_id": city.pk("v3"),
            "provider_id": city.caregiver.pk,
            "second_provider_ids": [],
            "until": "2026-06-16T10:00:00+08:00",
        }
    ]


def test_two_provider_items_become_two_tasks(
    city: City, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """An item listed in ``DISPATCH_TWO_PROVIDER_ITEMS`` needs two providers at once; the
    accepted plan gives the visit to one and records the other as second provider."""
    settings.DISPATCH_TWO_PROVIDER_ITEMS = ["companionship_visit"]
    Visit.objects.filter(pk__in=[city.pk("v2"), city.pk("v3"), city.pk("v4")]).update(
        status="cancelled"
    )  # set-up: one visit left
    built = build(
        institution=city.nurse.institution,
        day=DAY,
        now=dt.datetime(2026, 6, 15, 8, 0, tzinfo=SHANGHAI),
    )
    assert [len(v.tasks) for v in built.problem.visits] == [2]
    run = _plan(city, django_capture_on_commit_callbacks)
    served = sorted((s["task"], r["provider_id"]) for r in run.result["routes"] for s in r["stops"])
    assert sorted(p for _, p in served) == sorted([city.nurse.pk, city.caregiver.pk])
    accepted = services.accept_plan(actor=city.dispatcher, run=run)
    first = dict(served)[0]
    second = dict(served)[1]
    assert Visit.objects.get(pk=city.pk("v1")).provider_id == first
    assert list(accepted.second_providers.values_list("visit_id", "provider_id")) == [
        (city.pk("v1"), second)
    ]


def test_only_staff_of_the_institution_may_plan(city: City, personas: Any) -> None:
    from doorstep.accounts.policy import Actor

    for user in (personas.other_admin, personas.nurse, personas.regulator):
        with pytest.raises(Forbidden):
            services.start_plan(
                actor=Actor.of(user), institution=city.nurse.institution, day=DAY, time_limit=1
            )
    with pytest.raises(Forbidden):  # platform-wide: platform admins only
        services.start_plan(actor=city.dispatcher, institution=None, day=DAY, time_limit=1)
    assert PlanRun.objects.count() == 0


def test_replan_after_overrun_moves_the_next_visit(
    city: City, frozen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Given the accepted plan and, at 09:30 on the day, the nurse in service at v1 (from
    09:00), when v1 overruns by 120 minutes, then the nurse is busy until 12:00 and the
    re-plan moves v2 (11:00) to the caregiver, who is free after v3 (in service until
    10:00) until v4; v1 and v3 stay fixed."""
    run = _plan(city, django_capture_on_commit_callbacks)
    services.accept_plan(actor=city.dispatcher, run=run)
    run.refresh_from_db()
    frozen.now = dt.datetime(2026, 6, 16, 9, 30, tzinfo=SHANGHAI)
    Visit.objects.filter(pk__in=[city.pk("v1"), city.pk("v3")]).update(status="in_service")
    event = Event(kind="visit_overrun", visit_id=city.pk("v1"), minutes=120)
    with django_capture_on_commit_callbacks(execute=True):
        new = services.replan(actor=city.dispatcher, run=run, event=event)
    new.refresh_from_db()
    assert new.result["fixed"] == [
        {
            "visit_id": city.pk("v1"),
            "provider_id": city.nurse.pk,
            "second_provider_ids": [],
            "until": "2026-06-16T12:00:00+08:00",
        },
        {
            "visit_id": city.pk("v3"),
            "provider_id": city.caregiver.pk,
            "second_provider_ids": [],
            "until": "2026-06-16T10:00:00+08:00",
        },
    ]
    assert stops_by_provider(new.result) == {city.caregiver.pk: [city.pk("v2"), city.pk("v4")]}
    assert [(c["visit_id"], c["kind"]) for c in new.result["changes"]] == [(city.pk("v2"), "moved")]
    accepted = services.accept_plan(actor=city.dispatcher, run=new)
    assert accepted.outcome["counts"] == {"kept": 1, "moved": 1}
    assert Visit.objects.get(pk=city.pk("v2")).provider_id == city.caregiver.pk
    assert Visit.objects.get(pk=city.pk("v1")).status == "in_service"


def test_one_run_at_a_time_and_stalled_runs_expire(city: City, frozen: Any) -> None:
    """A second start while a run is queued is refused (409, nothing written); a run
    queued for longer than its limit plus ten minutes is marked failed and no longer
    blocks."""
    inst = city.nurse.institution
    first = services.start_plan(actor=city.dispatcher, institution=inst, day=DAY, time_limit=5)
    with pytest.raises(services.errors.PlanInProgress):
        services.start_plan(actor=city.dispatcher, institution=inst, day=DAY, time_limit=5)
    assert PlanRun.objects.count() == 1
    frozen.advance(minutes=11)
    second = services.start_plan(actor=city.dispatcher, institution=inst, day=DAY, time_limit=5)
    first.refresh_from_db()
    assert (first.status, first.error) == (RunStatus.FAILED, "Stalled")
    assert second.status == RunStatus.QUEUED


def test_a_new_plan_starts_from_the_day_as_booked(
    city: City, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ADR 0037: the search is warm-started with the day booking filled (the nurse takes
    v1 and v2 near her home, the caregiver v3 and v4), and the warm start's time comes out
    of the time limit."""
    from doorstep.dispatch import slots
    from doorstep.dispatch.solver import engine

    institution = city.nurse.institution
    assert institution is not None
    booked = slots.booked_days(institution_ids=[institution.pk], day=DAY)
    assert booked == {
        city.nurse.pk: [city.pk("v1"), city.pk("v2")],
        city.caregiver.pk: [city.pk("v3"), city.pk("v4")],
    }
    seen: list[Any] = []
    solve = engine.solve

    def spy(problem: Any, **kw: Any) -> Any:
        seen.append((kw["initial"], kw["time_limit"]))
        return solve(problem, **kw)

    monkeypatch.setattr(engine, "solve", spy)
    run = _plan(city, django_capture_on_commit_callbacks, time_limit=2)
    assert run.status == RunStatus.DONE
    ((initial, limit),) = seen
    assert {r.provider: [s.visit for s in r.stops] for r in initial.routes} == {
        pid(city.nurse.pk): [vid(city.pk("v1")), vid(city.pk("v2"))],
        pid(city.caregiver.pk): [vid(city.pk("v3")), vid(city.pk("v4"))],
    }
    assert 0 < limit <= 2
    # the time limit covers the whole job (ADR 0039): what the search gets is what the
    # build, the baseline and the warm start left of it
    t = run.result["timings"]
    assert limit == pytest.approx(2 - t["build_s"] - t["baseline_s"] - t["initial_s"], abs=0.02)
