"""Day planning: start a plan job, run it, accept or discard its plan, re-plan, set shifts
(ADR 0019).

A plan is only a proposal until it is accepted; acceptance turns it into assignments
through ``doorstep.orders.services`` (``assign_provider``; ``unassign_provider`` to take a
visit back from its current provider first), so every rule of the visit
loop holds: eligibility, area, overlap and travel time, sanctions. Acceptance runs in one
transaction with a savepoint per visit: a refused visit keeps its previous state and the
refusal (code and message) is recorded in ``PlanRun.outcome``; the others are assigned.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock
from doorstep.core.errors import ApplicationError, NotFound
from doorstep.dispatch.solver import engine
from doorstep.dispatch.solver.model import Cost, Route, Solution, Stop
from doorstep.notifications.services import notify, notify_many
from doorstep.orders import services as orders
from doorstep.orders.models import Visit as VisitRow
from doorstep.organizations.models import Institution
from doorstep.people.models import FamilyLink
from doorstep.workforce.models import Provider

from . import errors, slots
from .access import require_plan
from .enums import ACTIVE, DECIDABLE, EventKind, RunStatus
from .models import PlanRun, SecondProvider, Shift
from .problem import (
    FIXED,
    PLANNED,
    Built,
    Event,
    baseline_of,
    build,
    local_zone,
    pid,
    result_json,
    vid,
)

logger = logging.getLogger("doorstep.dispatch")

MAX_TIME_LIMIT = 600
#: Progress is written to the run at most this often (seconds).
PROGRESS_EVERY = 0.5
#: Refusals that may go away once other visits of the plan have moved (retried).
RETRYABLE = frozenset({"schedule_overlap", "travel_time"})
ACCEPT_ROUNDS = 3
#: A run still queued or running this long after its time limit is considered dead.
STALL_AFTER = dt.timedelta(minutes=10)


def _local_today() -> dt.date:
    return timezone.localtime(clock.now(), local_zone()).date()


def _check_limits(time_limit: int) -> None:
    if not 1 <= time_limit <= MAX_TIME_LIMIT:
        raise errors.InvalidTimeLimit(details={"field": "time_limit", "max": MAX_TIME_LIMIT})


def _queue(run: PlanRun) -> None:
    from . import tasks

    transaction.on_commit(lambda: tasks.plan_day.delay(run.pk))


def _refuse_if_busy(institution: Institution | None, day: dt.date) -> None:
    """One run per institution and day at a time. The institution row is locked so two
    starts serialise; a run queued or running for longer than its time limit plus
    ``STALL_AFTER`` (its worker died) is marked failed instead of blocking forever."""
    if institution is not None:
        Institution.objects.select_for_update().filter(pk=institution.pk).first()
    now = clock.now()
    for run in PlanRun.objects.select_for_update().filter(
        institution=institution, day=day, status__in=sorted(ACTIVE)
    ):
        since = run.started_at or run.created_at
        if since + dt.timedelta(seconds=run.time_limit_s) + STALL_AFTER < now:
            run.status, run.error, run.finished_at = RunStatus.FAILED, "Stalled", now
            run.save(update_fields=["status", "error", "finished_at"])
            continue
        raise errors.PlanInProgress(details={"run_id": run.pk})


def start_plan(
    *,
    actor: Actor,
    institution: Institution | None,
    day: dt.date,
    time_limit: int = 30,
    seed: int = 0,
) -> PlanRun:
    """Queue a planning job for ``institution``'s visits on ``day`` (None: every
    institution, platform admins only). The job runs after commit (``tasks.plan_day``)."""
    require_plan(actor, institution)
    if day < _local_today():
        raise errors.InvalidDay(details={"field": "day"})
    _check_limits(time_limit)
    with transaction.atomic():
        _refuse_if_busy(institution, day)
        run = PlanRun.objects.create(
            institution=institution,
            day=day,
            time_limit_s=time_limit,
            seed=seed,
            created_by=actor.user,
            created_at=clock.now(),
        )
        audit.record(
            actor=actor.user,
            action="plan_run.started",
            object_type="plan_run",
            object_id=run.pk,
            institution_id=institution.pk if institution else None,
            details={"day": day.isoformat(), "time_limit": time_limit, "seed": seed},
        )
        _queue(run)
    return run


def _warm_start(per: dict[str, list[str]]) -> Solution:
    """A (warm-start) solution from model visit ids per model provider id, in order."""
    routes = tuple(
        Route(
            provider=p,
            stops=tuple(Stop(visit=x, task=0, arrival=0, start=0, end=0) for x in visits),
            departure=0,
            return_time=0,
            distance=0,
            travel_time=0,
        )
        for p, visits in sorted(per.items())
        if visits
    )
    return Solution(routes=routes, unassigned=(), cost=Cost(), feasible=False)


def _current_solution(built: Built) -> Solution:
    """The current assignments as a (warm-start) solution: each provider's assigned visits
    of the problem in booked order."""
    per: dict[str, list[tuple[str, str]]] = {}
    for v in built.problem.visits:
        info = built.visits[v.id]
        cur = info["current_provider_id"]
        if cur is not None and pid(cur) in built.providers:
            per.setdefault(pid(cur), []).append((info["window_start"], v.id))
    return _warm_start({p: [x for _, x in sorted(vs)] for p, vs in per.items()})


def _booked_solution(built: Built, day: dt.date) -> Solution:
    """The day as booking filled it (``slots.booked_days``, ADR 0037) as a warm start:
    the promise booking made when it accepted each visit, for the search to improve."""
    refs = [v.ref for v in built.problem.visits if isinstance(v.ref, int)]
    institutions = (
        VisitRow.objects.filter(pk__in=refs)
        .values_list("order__institution_id", flat=True)
        .distinct()
    )
    per = slots.booked_days(institution_ids=list(institutions), day=day)
    return _warm_start(
        {
            pid(p): [vid(v) for v in visits if vid(v) in built.visits]
            for p, visits in per.items()
            if pid(p) in built.providers
        }
    )


def run_plan(*, run_id: int) -> PlanRun:
    """The job: build the problem, solve it through ``engine.solve`` writing progress and
    the best cost to the run (at most every ``PROGRESS_EVERY`` seconds), store the plan
    with the greedy baseline's figures. Idempotent: only a queued run is started."""
    started = PlanRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=clock.now(), progress=0
    )
    run = PlanRun.objects.select_related("institution", "based_on").get(pk=run_id)
    if not started:
        return run
    try:
        t0 = time.monotonic()
        built = build(
            institution=run.institution,
            day=run.day,
            now=clock.now(),
            event=Event.from_dict(run.event),
            replanning=run.based_on_id is not None,
        )
        t1 = time.monotonic()
        baseline = baseline_of(built)
        t2 = time.monotonic()
        last = [0.0]

        def progress(fraction: float, best: float) -> None:
            now = time.monotonic()
            if now - last[0] < PROGRESS_EVERY and fraction < 1.0:
                return
            last[0] = now
            PlanRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
                progress=max(0, min(99, int(fraction * 100))),
                best_cost=int(min(best, 2**62)),
            )

        # re-planning starts from the current assignments, a new plan from the day as
        # booked (ADR 0037); the time limit covers the whole job: the build, the greedy
        # baseline, the warm start and the search (ADR 0040)
        initial = _current_solution(built) if run.based_on_id else _booked_solution(built, run.day)
        t_initial = time.monotonic() - t2
        solution = engine.solve(
            built.problem,
            time_limit=max(0.0, run.time_limit_s - (time.monotonic() - t0)),
            seed=run.seed,
            progress=progress,
            initial=initial,
        )
        t3 = time.monotonic()
        result = result_json(
            built,
            solution,
            baseline=baseline,
            previous=run.based_on.result if run.based_on else None,
        )
        result["timings"] = {
            "build_s": round(t1 - t0, 2),
            "baseline_s": round(t2 - t1, 2),
            "initial_s": round(t_initial, 2),
            "solve_s": round(t3 - t2 - t_initial, 2),
            "result_s": round(time.monotonic() - t3, 2),
        }
    except Exception as exc:  # the job records any failure instead of dying silently
        logger.exception("plan run %s failed", run_id)
        PlanRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED, error=type(exc).__name__, finished_at=clock.now()
        )
        run.refresh_from_db()
        return run
    PlanRun.objects.filter(pk=run_id).update(
        status=RunStatus.DONE,
        progress=100,
        best_cost=solution.cost.total,
        result=result,
        finished_at=clock.now(),
    )
    run.refresh_from_db()
    return run


def _lock_decidable(actor: Actor, run: PlanRun) -> PlanRun:
    require_plan(actor, run.institution)
    locked = PlanRun.objects.select_for_update().get(pk=run.pk)
    if locked.status not in DECIDABLE:
        raise errors.PlanNotReady(details={"status": locked.status})
    return locked


def discard_plan(*, actor: Actor, run: PlanRun) -> PlanRun:
    """Set a finished plan aside; nothing is assigned."""
    with transaction.atomic():
        locked = _lock_decidable(actor, run)
        locked.status = RunStatus.DISCARDED
        locked.decided_by = actor.user
        locked.decided_at = clock.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        audit.record(
            actor=actor.user,
            action="plan_run.discarded",
            object_type="plan_run",
            object_id=locked.pk,
            institution_id=locked.institution_id,
            changed_fields=["status"],
        )
    return locked


def _refusal(exc: ApplicationError) -> dict[str, Any]:
    reasons = exc.details.get("reasons") if isinstance(exc.details, dict) else None
    return {
        "code": exc.code,
        "message": str(exc.message),
        "reasons": reasons or [],
    }


def _second_refused(exc_reasons: list[dict[str, str]]) -> ApplicationError:
    return errors.SecondProviderNotEligible(details={"reasons": exc_reasons})


def _place_second(
    *, run: PlanRun, visit: VisitRow, second: Provider, start: str, now: dt.datetime
) -> None:
    """Record ``second`` as the second provider of ``visit`` (a two-provider visit) after
    the orders rules for them: eligibility, area, their own visits and other second-
    provider slots (overlap, travel time), sanctions. Earlier rows of the visit are
    released. Raises (the caller's savepoint rolls back) when the second may not go."""
    if second.pk == visit.provider_id:
        raise _second_refused([{"code": "same_provider", "message": str(_("Same provider."))}])
    fresh = VisitRow.objects.select_related("order__item", "order__institution", "region").get(
        pk=visit.pk
    )
    refusals = orders.refusals_for(second, fresh)
    if refusals:
        raise _second_refused([r.as_dict() for r in refusals])
    SecondProvider.objects.filter(visit_id=visit.pk, released_at__isnull=True).update(
        released_at=now
    )
    SecondProvider.objects.create(
        visit_id=visit.pk,
        provider=second,
        run=run,
        start=dt.datetime.fromisoformat(start),
        created_at=now,
    )


def _move(
    *,
    actor: Actor,
    run: PlanRun,
    visit_pk: int,
    provider: Provider,
    release_reason: str,
    second: tuple[Provider, str] | None = None,
) -> dict[str, Any]:
    """Give one visit to ``provider`` through the orders services (savepoint): take it
    back from its current provider first (``orders.unassign_provider``) when it has
    another one; a two-provider visit also gets its ``second`` provider (checked by the
    same rules). Refused: nothing changed."""
    try:
        with transaction.atomic():
            visit = VisitRow.objects.select_related("order").get(pk=visit_pk)
            moved_from = visit.provider_id
            kept = moved_from == provider.pk
            if not kept:
                if moved_from is not None and visit.status in PLANNED:
                    visit = orders.unassign_provider(
                        actor=actor, visit=visit, reason=release_reason
                    )
                visit = orders.assign_provider(actor=actor, visit=visit, provider=provider)
            if second is not None:
                _place_second(
                    run=run, visit=visit, second=second[0], start=second[1], now=clock.now()
                )
    except ApplicationError as exc:
        return {
            "visit_id": visit_pk,
            "result": "refused",
            "provider_id": provider.pk,
            **_refusal(exc),
        }
    out: dict[str, Any] = {
        "visit_id": visit_pk,
        "result": "kept" if kept else ("moved" if moved_from else "assigned"),
        "provider_id": provider.pk,
    }
    if not kept:
        out["from_provider_id"] = moved_from
    if second is not None:
        out["second_provider_id"] = second[0].pk
    return out


def _release(*, actor: Actor, visit_pk: int, reason: str) -> dict[str, Any] | None:
    """Take a visit back from its provider (``orders.unassign_provider``); None when it
    has no provider to take it from."""
    try:
        with transaction.atomic():
            visit = VisitRow.objects.select_related("order").get(pk=visit_pk)
            before = visit.provider_id
            if before is None and visit.status not in FIXED:
                return None
            orders.unassign_provider(actor=actor, visit=visit, reason=reason)
    except ApplicationError as exc:
        return {"visit_id": visit_pk, "result": "refused", "provider_id": None, **_refusal(exc)}
    return {"visit_id": visit_pk, "result": "released", "from_provider_id": before}


def accept_plan(*, actor: Actor, run: PlanRun) -> PlanRun:
    """Turn a finished plan into assignments through the orders services (see the module
    docstring). Visits the plan leaves out keep their provider, except those of a provider
    who called in sick and those the dispatcher took off the plan on the board (taken
    back with ``orders.unassign_provider``). Providers whose day changed, and the elders
    (and family) whose visit changed, are notified after commit."""
    with transaction.atomic():
        locked = _lock_decidable(actor, run)
        plan = locked.result
        wanted: list[tuple[str, int, int]] = []  # (start, visit, provider) of first tasks
        seconds: dict[int, tuple[int, str]] = {}  # visit -> (provider, start) of second tasks
        for route in plan.get("routes", []):
            for st in route["stops"]:
                if st["task"] == 0:
                    wanted.append((st["start"], st["visit_id"], route["provider_id"]))
                else:
                    seconds[st["visit_id"]] = (route["provider_id"], st["start"])
        providers = Provider.objects.in_bulk(
            {p for _, _, p in wanted} | {p for p, _ in seconds.values()}
        )
        reason = str(_("Re-planned by the dispatcher"))
        results: dict[int, dict[str, Any]] = {}
        pending = sorted(wanted)
        for round_no in range(ACCEPT_ROUNDS):
            retry = []
            for start, visit_pk, provider_pk in pending:
                second = seconds.get(visit_pk)
                out = _move(
                    actor=actor,
                    run=locked,
                    visit_pk=visit_pk,
                    provider=providers[provider_pk],
                    release_reason=reason,
                    second=(providers[second[0]], second[1]) if second else None,
                )
                codes = {r.get("code") for r in out.get("reasons", [])}
                if (
                    out["result"] == "refused"
                    and codes & RETRYABLE
                    and round_no < ACCEPT_ROUNDS - 1
                ):
                    retry.append((start, visit_pk, provider_pk))
                results[visit_pk] = out
            if not retry:
                break
            pending = retry
        releases: list[tuple[int, str]] = [
            (int(t["visit_id"]), str(t.get("reason") or reason)) for t in plan.get("taken_off", [])
        ]
        event = Event.from_dict(locked.event)
        if event is not None and event.kind == EventKind.PROVIDER_SICK:
            sick_reason = str(_("The provider is unavailable"))
            releases += [
                (c["visit_id"], sick_reason)
                for c in plan.get("changes", [])
                if c["kind"] == "unplanned" and c["from_provider_id"] == event.provider_id
            ]
        for visit_pk, why in releases:
            if visit_pk in results:
                continue
            released = _release(actor=actor, visit_pk=visit_pk, reason=why)
            if released is not None:
                results[visit_pk] = released
        now = clock.now()
        told = _tell_providers(locked, results)
        patients = _tell_patients(locked, results)
        counts: dict[str, int] = {}
        for out in results.values():
            counts[out["result"]] = counts.get(out["result"], 0) + 1
        locked.status = RunStatus.ACCEPTED
        locked.decided_by = actor.user
        locked.decided_at = now
        locked.outcome = {
            "counts": counts,
            "visits": [results[k] for k in sorted(results)],
            "notified_provider_ids": told,
            "notified_patient_visit_ids": patients,
        }
        locked.save(update_fields=["status", "decided_by", "decided_at", "outcome"])
        audit.record(
            actor=actor.user,
            action="plan_run.accepted",
            object_type="plan_run",
            object_id=locked.pk,
            institution_id=locked.institution_id,
            changed_fields=["status", "outcome"],
            details={"counts": counts},
        )
    return locked


def _applied_changes(run: PlanRun, results: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """visit id -> what changed for it, as acceptance applied it: ``moved`` (another
    provider), ``released`` (no provider now), ``retimed`` (same provider, another
    expected time), each with the new expected start."""
    planned = {c["visit_id"]: c for c in run.result.get("changes", [])}
    out: dict[int, dict[str, Any]] = {}
    for visit_pk, res in results.items():
        change = planned.get(visit_pk, {})
        if res["result"] == "moved":
            out[visit_pk] = {"kind": "moved", "new_start": change.get("new_start")}
        elif res["result"] == "released":
            out[visit_pk] = {"kind": "released", "new_start": None}
        elif change.get("kind") == "retimed" and res["result"] in ("kept", "assigned"):
            out[visit_pk] = {"kind": "retimed", "new_start": change.get("new_start")}
    return out


def _tell_providers(run: PlanRun, results: dict[int, dict[str, Any]]) -> list[int]:
    """Notify (after commit) each provider whose day the plan changed: visits moved to or
    from them, released, retimed, or given to them as second provider."""
    affected: set[int] = set()
    for out in results.values():
        if out["result"] in ("moved", "released"):
            affected |= {p for p in (out.get("from_provider_id"), out.get("provider_id")) if p}
        if out.get("second_provider_id") and out["result"] != "refused":
            affected.add(out["second_provider_id"])
    for change in run.result.get("changes", []):
        if change["kind"] == "retimed" and results.get(change["visit_id"], {}).get("result") in (
            "kept",
            "moved",
            "assigned",
        ):
            affected.add(change["to_provider_id"])
    rows = {p.pk: p for p in Provider.objects.filter(pk__in=affected).select_related("user")}
    day = run.day.isoformat()
    for pk in sorted(rows):
        transaction.on_commit(partial(_tell, rows[pk].user, day), robust=True)
    return sorted(rows)


def _tell(user: Any, day: str) -> None:
    notify(
        recipient=user,
        kind="dispatch.plan_changed",
        title=_("Your visits for %(day)s have changed"),
        body=_("The dispatcher re-planned the day. Open your visit list for the times."),
        link="/visits/",
        params={"day": day},
    )


#: What an elder (and their family) is told about their visit, per applied change.
PATIENT_NOTICES: dict[str, Any] = {
    "moved": _("Another provider will come for your visit on %(day)s, expected at %(time)s."),
    "retimed": _("Your provider for your visit on %(day)s is now expected at %(time)s."),
    "released": _(
        "Your visit on %(day)s at %(time)s is waiting for a new provider; we will tell you "
        "who comes."
    ),
}


def _tell_patients(run: PlanRun, results: dict[int, dict[str, Any]]) -> list[int]:
    """Notify (after commit, in one ``notify_many``) the elder and each family member
    linked to receive alerts, for every visit whose provider or expected time acceptance
    changed. Returns the visit ids whose patients were told."""
    applied = _applied_changes(run, results)
    if not applied:
        return []
    people = patients_of(applied)
    requests: list[dict[str, Any]] = []
    for visit_pk in sorted(applied):
        change = applied[visit_pk]
        info = people.get(visit_pk)
        if info is None:
            continue
        when = change["new_start"] or info["window_start"]
        local = timezone.localtime(dt.datetime.fromisoformat(when), local_zone())
        for user in info["recipients"]:
            requests.append(
                {
                    "recipient": user,
                    "kind": "dispatch.visit_changed",
                    "title": _("Your visit on %(day)s has changed"),
                    "body": PATIENT_NOTICES[change["kind"]],
                    "link": f"/orders/{info['order_id']}",
                    "params": {"day": local.date().isoformat(), "time": local.strftime("%H:%M")},
                }
            )
    if requests:
        transaction.on_commit(partial(notify_many, requests), robust=True)
    return sorted(v for v in applied if people.get(v, {}).get("recipients"))


def patients_of(visit_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """visit id -> the order, the booked start and who hears about the elder's visits:
    the elder (with a login) and family linked to receive alerts."""
    rows = VisitRow.objects.filter(pk__in=list(visit_ids)).select_related("order__elder__user")
    elder_ids = {v.order.elder_id for v in rows}
    family: dict[int, list[Any]] = {}
    for link in FamilyLink.objects.filter(
        elder_id__in=elder_ids, status="active", can_receive_alerts=True
    ).select_related("user"):
        family.setdefault(link.elder_id, []).append(link.user)
    out: dict[int, dict[str, Any]] = {}
    for v in rows:
        elder = v.order.elder
        users = ([elder.user] if elder.user_id else []) + family.get(elder.pk, [])
        out[v.pk] = {
            "order_id": v.order_id,
            "window_start": v.window_start.isoformat(),
            "elder_id": elder.pk,
            "recipients": list({u.pk: u for u in users}.values()),
        }
    return out


def replan(
    *,
    actor: Actor,
    run: PlanRun,
    event: Event,
    time_limit: int | None = None,
    seed: int | None = None,
) -> PlanRun:
    """Re-plan the rest of ``run``'s day after ``event`` (a provider sick from a time, a
    visit overrunning): visits started or done stay fixed; the rest is re-solved from the
    current assignments with a strong bonus for keeping each visit's provider. The new run
    (``based_on`` = ``run``) carries the diff in ``result["changes"]`` and the providers to
    tell in ``result["notify_provider_ids"]``; accepting it applies and notifies."""
    require_plan(actor, run.institution)
    if run.status not in (RunStatus.DONE, RunStatus.ACCEPTED):
        raise errors.NothingToReplan(details={"status": run.status})
    limit = time_limit if time_limit is not None else run.time_limit_s
    _check_limits(limit)
    _check_event(run, event)
    with transaction.atomic():
        _refuse_if_busy(run.institution, run.day)
        new = PlanRun.objects.create(
            institution=run.institution,
            day=run.day,
            time_limit_s=limit,
            seed=run.seed if seed is None else seed,
            based_on=run,
            event=event.as_dict(),
            created_by=actor.user,
            created_at=clock.now(),
        )
        audit.record(
            actor=actor.user,
            action="plan_run.replanned",
            object_type="plan_run",
            object_id=new.pk,
            institution_id=run.institution_id,
            details={"based_on": run.pk, "event": event.kind},
        )
        _queue(new)
    return new


def _check_event(run: PlanRun, event: Event) -> None:
    """The event names a provider or visit of the run's institution, on the run's day."""
    inst = run.institution_id
    if event.kind == EventKind.PROVIDER_SICK:
        at = event.at
        ok = event.provider_id is not None and at is not None and at.tzinfo is not None
        if ok and at is not None:
            providers = Provider.objects.filter(pk=event.provider_id or 0)
            if inst is not None:
                providers = providers.filter(institution_id=inst)
            ok = providers.exists() and timezone.localtime(at, local_zone()).date() == run.day
        if not ok:
            raise errors.InvalidEvent(details={"field": "provider_id"})
    elif event.kind == EventKind.VISIT_OVERRUN:
        ok = event.visit_id is not None and 0 < event.minutes <= 24 * 60
        if ok:
            visits = VisitRow.objects.filter(pk=event.visit_id or 0)
            if inst is not None:
                visits = visits.filter(order__institution_id=inst)
            ok = visits.exists()
        if not ok:
            raise errors.InvalidEvent(details={"field": "visit_id"})
    else:
        raise errors.InvalidEvent(details={"field": "kind"})


# --- shifts -------------------------------------------------------------------------------


def set_shift(
    *,
    actor: Actor,
    provider: Provider,
    day: dt.date,
    start: dt.time,
    end: dt.time,
    off: bool = False,
    break_earliest: dt.time | None = None,
    break_latest: dt.time | None = None,
    break_minutes: int = 0,
    max_work_minutes: int | None = None,
) -> Shift:
    """Create or replace ``provider``'s shift on ``day`` (institution staff)."""
    if provider.institution_id is None:
        raise NotFound()
    require_plan(actor, provider.institution)
    if end <= start:
        raise errors.InvalidShift(details={"field": "end"})
    if break_minutes:
        if break_earliest is None or break_latest is None or break_latest < break_earliest:
            raise errors.InvalidShift(details={"field": "break_latest"})
        if not (start <= break_earliest and break_latest < end):
            raise errors.InvalidShift(details={"field": "break_earliest"})
        if break_minutes > 240:
            raise errors.InvalidShift(details={"field": "break_minutes"})
    if max_work_minutes is not None and not 0 < max_work_minutes <= 24 * 60:
        raise errors.InvalidShift(details={"field": "max_work_minutes"})
    values = {
        "start": start,
        "end": end,
        "off": off,
        "break_earliest": break_earliest if break_minutes else None,
        "break_latest": break_latest if break_minutes else None,
        "break_minutes": break_minutes,
        "max_work_minutes": max_work_minutes,
        "updated_by": actor.user,
        "updated_at": clock.now(),
    }
    with transaction.atomic():
        Provider.objects.select_for_update().filter(pk=provider.pk).first()
        shift, created = Shift.objects.update_or_create(provider=provider, day=day, defaults=values)
        audit.record(
            actor=actor.user,
            action="shift.created" if created else "shift.changed",
            object_type="shift",
            object_id=shift.pk,
            institution_id=provider.institution_id,
            changed_fields=sorted(k for k in values if k not in ("updated_by", "updated_at")),
            details={"provider": provider.pk, "day": day.isoformat()},
        )
    return shift


__all__ = [
    "Event",
    "accept_plan",
    "discard_plan",
    "replan",
    "run_plan",
    "set_shift",
    "start_plan",
]
