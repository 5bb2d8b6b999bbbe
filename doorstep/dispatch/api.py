"""Day planning: plan jobs with progress, accept, discard, re-plan; shifts
(/api/v1/dispatch/, ADR 0019).

Handlers only parse, look up through ``access``, call ``services`` and render. A plan run
is polled with ``GET /dispatch/plans/{run_id}`` (``status``, ``progress`` 0-100,
``best_cost``); its ``result`` holds the plan once ``status`` is ``done``.
"""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from doorstep.core.api import ERRORS, actor_of
from doorstep.core.errors import NotFound
from doorstep.organizations.models import Institution

from . import services
from .access import (
    access_booking,
    access_run,
    access_shift_provider,
    runs_visible_to,
    shifts_visible_to,
)
from .models import DEFAULT_SHIFT, PlanRun, Shift
from .problem import Event

router = Router(tags=["dispatch"])


def _examples(*items: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(items)})


# --- schemas ------------------------------------------------------------------------------


class PlanIn(Schema):
    institution_id: int | None = Field(
        None, description="The institution to plan; empty = every institution (platform)."
    )
    day: dt.date
    time_limit: int = Field(
        30,
        description="Time limit of the whole planning job (problem build, greedy baseline, "
        "warm start and search), seconds (1-600).",
    )
    seed: int = 0

    model_config = _examples({"institution_id": 1, "day": "2026-06-16", "time_limit": 30})


class ReplanIn(Schema):
    kind: Literal["provider_sick", "visit_overrun"]
    provider_id: int | None = Field(None, description="provider_sick: who is unavailable.")
    at: dt.datetime | None = Field(None, description="provider_sick: from when (aware).")
    visit_id: int | None = Field(None, description="visit_overrun: which visit.")
    minutes: int = Field(0, description="visit_overrun: how many minutes longer.")
    time_limit: int | None = None
    seed: int | None = None

    model_config = _examples(
        {"kind": "provider_sick", "provider_id": 7, "at": "2026-06-16T12:00:00+08:00"},
        {"kind": "visit_overrun", "visit_id": 311, "minutes": 40},
    )


class PlanRunOut(Schema):
    id: int
    institution_id: int | None
    day: dt.date
    status: str
    progress: int = Field(description="Percent, 0-100.")
    best_cost: int | None
    time_limit: int
    seed: int
    based_on_id: int | None
    event: dict[str, Any]
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    decided_at: dt.datetime | None
    error: str
    result: dict[str, Any] = Field(
        description=(
            "The plan: routes (per provider: provider_id, name, mode, home, departure, return, "
            "break_start, travel_km, stops [visit_id, task, elder, item {en, zh}, arrival, "
            "start, end, late_minutes, lat, lng]), providers (every planned provider with "
            "available_from/until, for empty rows), unassigned [visit_id, code, ...], fixed, "
            "figures (travel_km, idle_minutes, lateness_minutes, continuity_percent, "
            "baseline_travel_km, saving_percent, ...), changes [visit_id, kind, "
            "from_provider_id, to_provider_id, old_start, new_start], notify_provider_ids."
        )
    )
    outcome: dict[str, Any] = Field(
        description="After acceptance: counts and per visit {visit_id, result, code, ...}."
    )

    model_config = _examples(
        {
            "id": 12,
            "institution_id": 1,
            "day": "2026-06-16",
            "status": "running",
            "progress": 40,
            "best_cost": 183220,
            "time_limit": 30,
            "seed": 0,
            "based_on_id": None,
            "event": {},
            "created_at": "2026-06-15T17:00:00+08:00",
            "started_at": "2026-06-15T17:00:00+08:00",
            "finished_at": None,
            "decided_at": None,
            "error": "",
            "result": {},
            "outcome": {},
        }
    )


class PlanRunSummaryOut(Schema):
    id: int
    institution_id: int | None
    day: dt.date
    status: str
    progress: int
    best_cost: int | None
    based_on_id: int | None
    created_at: dt.datetime


class PlanRunListOut(Schema):
    items: list[PlanRunSummaryOut]


class ShiftIn(Schema):
    start: dt.time
    end: dt.time
    off: bool = False
    break_earliest: dt.time | None = None
    break_latest: dt.time | None = None
    break_minutes: int = Field(0, ge=0, le=240)
    max_work_minutes: int | None = None

    model_config = _examples(
        {
            "start": "08:00",
            "end": "16:00",
            "break_earliest": "11:30",
            "break_latest": "13:00",
            "break_minutes": 30,
        }
    )


class ShiftOut(Schema):
    id: int
    provider_id: int
    day: dt.date
    start: dt.time
    end: dt.time
    off: bool
    break_earliest: dt.time | None
    break_latest: dt.time | None
    break_minutes: int
    max_work_minutes: int | None


class ShiftListOut(Schema):
    items: list[ShiftOut]
    default: dict[str, Any] = Field(description="The shift of a provider without a row.")


class ShiftFilter(Schema):
    day: dt.date | None = None
    provider_id: int | None = None


class RunFilter(Schema):
    day: dt.date | None = None
    institution_id: int | None = None


def _run(run: PlanRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "institution_id": run.institution_id,
        "day": run.day,
        "status": run.status,
        "progress": run.progress,
        "best_cost": run.best_cost,
        "time_limit": run.time_limit_s,
        "seed": run.seed,
        "based_on_id": run.based_on_id,
        "event": run.event,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "decided_at": run.decided_at,
        "error": run.error,
        "result": run.result,
        "outcome": run.outcome,
    }


def _shift(s: Shift) -> dict[str, Any]:
    return {
        "id": s.pk,
        "provider_id": s.provider_id,
        "day": s.day,
        "start": s.start,
        "end": s.end,
        "off": s.off,
        "break_earliest": s.break_earliest,
        "break_latest": s.break_latest,
        "break_minutes": s.break_minutes,
        "max_work_minutes": s.max_work_minutes,
    }


# --- plans --------------------------------------------------------------------------------


@router.post("/plans", response={202: PlanRunOut, **ERRORS})
def start_plan(request: HttpRequest, payload: PlanIn) -> Any:
    """Queue a day plan. Without Redis the job runs in this process after the request's
    commit, so the answer may already be ``done``."""
    actor = actor_of(request)
    institution = None
    if payload.institution_id is not None:
        institution = Institution.objects.filter(pk=payload.institution_id).first()
        if institution is None:
            raise NotFound()
    run = services.start_plan(
        actor=actor,
        institution=institution,
        day=payload.day,
        time_limit=payload.time_limit,
        seed=payload.seed,
    )
    run.refresh_from_db()
    return Status(202, _run(run))


@router.get("/plans", response={200: PlanRunListOut, **ERRORS})
def list_plans(request: HttpRequest, filters: Query[RunFilter]) -> Any:
    """The latest 50 runs the actor may see, newest first."""
    qs = runs_visible_to(actor_of(request))
    if filters.day is not None:
        qs = qs.filter(day=filters.day)
    if filters.institution_id is not None:
        qs = qs.filter(institution_id=filters.institution_id)
    items = [
        {
            "id": r.pk,
            "institution_id": r.institution_id,
            "day": r.day,
            "status": r.status,
            "progress": r.progress,
            "best_cost": r.best_cost,
            "based_on_id": r.based_on_id,
            "created_at": r.created_at,
        }
        for r in qs.defer("result", "outcome")[:50]
    ]
    return {"items": items}


@router.get("/plans/{run_id}", response={200: PlanRunOut, **ERRORS})
def get_plan(request: HttpRequest, run_id: int, include_result: bool = True) -> Any:
    """A run with its progress (poll this, with ``include_result=false`` to leave the
    plan out while it runs) and, when done, its plan."""
    out = _run(access_run(actor=actor_of(request), run_id=run_id))
    if not include_result:
        out["result"] = {}
    return out


@router.post("/plans/{run_id}/accept", response={200: PlanRunOut, **ERRORS})
def accept_plan(request: HttpRequest, run_id: int) -> Any:
    """Turn the plan into assignments through the orders services; refusals per visit
    are in ``outcome.visits``."""
    actor = actor_of(request)
    run = access_run(actor=actor, run_id=run_id)
    return _run(services.accept_plan(actor=actor, run=run))


@router.post("/plans/{run_id}/discard", response={200: PlanRunOut, **ERRORS})
def discard_plan(request: HttpRequest, run_id: int) -> Any:
    actor = actor_of(request)
    run = access_run(actor=actor, run_id=run_id)
    return _run(services.discard_plan(actor=actor, run=run))


@router.post("/plans/{run_id}/replan", response={202: PlanRunOut, **ERRORS})
def replan(request: HttpRequest, run_id: int, payload: ReplanIn) -> Any:
    """Re-plan the rest of the day after an event; the new run's ``result.changes`` is
    the diff and ``result.notify_provider_ids`` who will be told on acceptance."""
    actor = actor_of(request)
    run = access_run(actor=actor, run_id=run_id)
    event = Event(
        kind=payload.kind,
        provider_id=payload.provider_id,
        visit_id=payload.visit_id,
        at=payload.at,
        minutes=payload.minutes,
    )
    new = services.replan(
        actor=actor, run=run, event=event, time_limit=payload.time_limit, seed=payload.seed
    )
    new.refresh_from_db()
    return Status(202, _run(new))


# --- shifts -------------------------------------------------------------------------------


@router.get("/shifts", response={200: ShiftListOut, **ERRORS})
def list_shifts(request: HttpRequest, filters: Query[ShiftFilter]) -> Any:
    """Shift rows the actor may see (at most 500); providers without a row that day work
    ``default``."""
    qs = shifts_visible_to(actor_of(request))
    if filters.day is not None:
        qs = qs.filter(day=filters.day)
    if filters.provider_id is not None:
        qs = qs.filter(provider_id=filters.provider_id)
    d = DEFAULT_SHIFT
    return {
        "items": [_shift(s) for s in qs[:500]],
        "default": {
            "start": d.start.isoformat(),
            "end": d.end.isoformat(),
            "break_earliest": d.break_earliest.isoformat() if d.break_earliest else None,
            "break_latest": d.break_latest.isoformat() if d.break_latest else None,
            "break_minutes": d.break_minutes,
        },
    }


@router.put("/providers/{provider_id}/shifts/{day}", response={200: ShiftOut, **ERRORS})
def set_shift(request: HttpRequest, provider_id: int, day: dt.date, payload: ShiftIn) -> Any:
    """Create or replace a provider's shift on a day (institution admins, dispatchers)."""
    actor = actor_of(request)
    provider = access_shift_provider(actor=actor, provider_id=provider_id)
    shift = services.set_shift(
        actor=actor,
        provider=provider,
        day=day,
        start=payload.start,
        end=payload.end,
        off=payload.off,
        break_earliest=payload.break_earliest,
        break_latest=payload.break_latest,
        break_minutes=payload.break_minutes,
        max_work_minutes=payload.max_work_minutes,
    )
    return _shift(shift)


# --- start times (ADR 0032) -----------------------------------------------------------------


class StartTimeFilter(Schema):
    elder_id: int
    item_id: int
    institution_id: int
    day: dt.date


class StartTimeOut(Schema):
    start: dt.datetime
    arrive_by: dt.datetime = Field(
        description="End of the arrival window: the provider arrives between start and this "
        "(BOOKING_ARRIVAL_WINDOW_MINUTES, ADR 0037)."
    )
    open: bool = Field(description="A visit booked at this time can still be served.")
    free: int = Field(description="Providers left free at that time if it is booked.")
    reason: str = Field(description="Why it is closed: fully_booked, no_provider; else empty.")
    recommended: bool = Field(
        description="Booking recommends it: among the open times adding the least travel "
        "and waiting to a provider's day (BOOKING_RECOMMENDED_TIMES, ADR 0038)."
    )
    added_minutes: int | None = Field(
        description="Travel and waiting minutes it adds to the best-placed provider's day "
        "(negative: it fills a wait); null when nobody can take it as the day is."
    )


class StartTimesOut(Schema):
    day: dt.date
    items: list[StartTimeOut]


@router.get("/start-times", response={200: StartTimesOut, **ERRORS})
def start_times(request: HttpRequest, filters: Query[StartTimeFilter]) -> Any:
    """The start times the booking page offers on ``day`` for ``item_id`` at the elder's
    home with ``institution_id``, each open or full (capacity-aware booking, ADR 0032).
    Whoever may book for the elder may ask; anyone else gets 404."""
    from doorstep.orders.models import arrival_window

    from .slots import openings

    elder, item, institution = access_booking(
        actor=actor_of(request),
        elder_id=filters.elder_id,
        item_id=filters.item_id,
        institution_id=filters.institution_id,
    )
    found = openings(institution_id=institution.pk, item=item, elder=elder, day=filters.day)
    window = arrival_window()
    return {
        "day": filters.day,
        "items": [
            {
                "start": o.start,
                "arrive_by": o.start + window,
                "open": o.open,
                "free": o.free,
                "reason": o.reason,
                "recommended": o.recommended,
                "added_minutes": o.added_minutes,
            }
            for o in found
        ],
    }
