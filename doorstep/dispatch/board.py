"""The dispatch board: move a visit inside a proposed plan, and the board's read helpers
(ADR 0021).

``move_visit_in_plan`` is the board's one write. A dispatcher drags a visit (or one task
of a two-provider visit) onto another provider's row; the plan (``PlanRun.result``) is
changed only if the move is allowed:

* the person may take the visit: ``orders.services.dispatch.refusals_for`` (credentials,
  title, licence, area, suspension); its overlap and travel checks against the *current*
  assignments are left out, because the plan replaces those: the plan's own times are
  checked instead;
* the provider's day still works: the day's problem is rebuilt (``problem.build``), the
  visit is inserted where it costs least in the provider's route and the route is timed
  by the solver's ``evaluate``; refused when the provider would be back after the shift
  ends, over the maximum working time, without room for the break, lacking a skill of
  the model, or when the moved visit (or another visit of that provider) would start more
  than ``DISPATCH_BOARD_LATE_TOLERANCE_MINUTES`` (default 15) after its booked time.

A refused move changes nothing and says why, in the request's language. An allowed move
rewrites the plan JSON (routes, unassigned, figures, changes; the greedy baseline's
figures are kept), appends the move to ``result["edits"]`` and is audited. Nothing is
assigned until the plan is accepted (``services.accept_plan``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock
from doorstep.dispatch.solver.evaluate import TaskRef, evaluate
from doorstep.dispatch.solver.model import Problem, Route, Solution
from doorstep.orders.errors import ReasonRequired
from doorstep.orders.models import Visit as VisitRow
from doorstep.orders.services.dispatch import refusals_for
from doorstep.organizations.models import Institution, ServiceArea
from doorstep.regions.models import Region
from doorstep.workforce.models import Provider as ProviderRow

from . import errors
from .access import require_plan, runs_visible_to
from .enums import DECIDABLE
from .models import PlanRun
from .problem import Built, Event, build, local_zone, pid, result_json, setting, vid

#: Checks of ``refusals_for`` that compare with today's assignments, not with the plan.
AGAINST_CURRENT = frozenset({"schedule_overlap", "travel_time"})
#: Figures of the greedy baseline, computed once by the plan job and kept across moves.
BASELINE_KEYS = (
    "baseline_travel_km",
    "baseline_unassigned",
    "baseline_lateness_minutes",
    "baseline_late_visits",
)
#: Roles that open the board (platform admins see every institution).
BOARD_ROLES = (Role.DISPATCHER, Role.INSTITUTION_ADMIN, Role.PLATFORM_ADMIN)


VisitNotInPlan = errors.VisitNotInPlan
ProviderNotInPlan = errors.ProviderNotInPlan


REASONS: dict[str, Any] = {
    "already_there": _("The visit is already with this provider."),
    "partner_task": _("This provider already does the other half of this two-person visit."),
    "visit_changed": _("The visit has changed since the plan was made; plan again."),
    "provider_unavailable": _("The provider does not work that day."),
    "no_location": _("The visit has no location, so it cannot be planned."),
    "area_not_covered": _("The institution does not serve this area."),
    "skill": _("The provider lacks a skill or credential this visit needs."),
    "shift_end": _("The provider would be back home %(minutes)s min after the shift ends."),
    "max_work": _("The provider would work %(minutes)s min over the maximum working time."),
    "break": _("There would be no room for the provider's break."),
    "late": _("The visit would start %(minutes)s min after its booked time."),
    "others_late": _("Another visit of this provider would start %(minutes)s min late."),
    "sync": _("The two providers of this visit could not be at the door together."),
    "already_off": _("The visit is already in the unassigned list."),
}


def _reason(code: str, **params: Any) -> dict[str, str]:
    return reason(code, **params)


def reason(code: str, **params: Any) -> dict[str, str]:
    """A refusal as ``{code, message}`` with the message in the active language."""
    text = REASONS[code]
    return {"code": code, "message": str(text % params if params else text)}


@dataclass
class MoveResult:
    """What ``move_visit_in_plan`` did: ``moved`` or not, and why not (``refusals``,
    each ``{code, message}``); for a move, the new planned start and lateness."""

    moved: bool
    run: PlanRun
    visit_id: int
    provider_id: int
    refusals: list[dict[str, str]] = field(default_factory=list)
    start: str | None = None
    late_minutes: int = 0


def _minutes(seconds: int) -> int:
    return -(-seconds // 60)  # round up: 1 s over is "1 min" over


def _plan_orders(result: dict[str, Any], built: Built) -> dict[int, list[TaskRef]]:
    """The plan's routes as solver orders (provider index -> task refs), for the visits
    and providers still in the rebuilt problem."""
    vidx = built.problem.visit_index
    pidx = built.problem.provider_index
    orders: dict[int, list[TaskRef]] = {}
    for route in result.get("routes", []):
        pi = pidx.get(pid(route["provider_id"]))
        if pi is None:
            continue
        refs = orders.setdefault(pi, [])
        for st in route["stops"]:
            vi = vidx.get(vid(st["visit_id"]))
            if vi is not None and st["task"] < len(built.problem.visits[vi].tasks):
                refs.append((vi, st["task"]))
    return orders


def _owner(orders: dict[int, list[TaskRef]], ref: TaskRef) -> int | None:
    for pi, refs in orders.items():
        if ref in refs:
            return pi
    return None


def _route_problems(
    problem: Problem,
    pi: int,
    route: Route | None,
    moved: TaskRef,
    before_late: dict[TaskRef, int],
    tolerance: int,
    notes: list[str],
) -> list[dict[str, str]]:
    """Why a timed route of provider ``pi`` (holding the moved task) is not acceptable."""
    p = problem.providers[pi]
    out: list[dict[str, str]] = []
    if route is None:
        return [reason("provider_unavailable")]
    if not problem.visits[moved[0]].tasks[moved[1]].allows(p):
        out.append(reason("skill"))
    if route.return_time > p.shift_end:
        out.append(reason("shift_end", minutes=_minutes(route.return_time - p.shift_end)))
    if route.return_time - route.departure > p.max_work:
        over = route.return_time - route.departure - p.max_work
        out.append(reason("max_work", minutes=_minutes(over)))
    if p.break_ is not None and route.break_start is None:
        out.append(reason("break"))
    worst_other = 0
    for st in route.stops:
        ref = (problem.visit_index[st.visit], st.task)
        if ref == moved:
            if st.lateness > tolerance:
                out.append(reason("late", minutes=_minutes(st.lateness)))
        elif st.lateness > max(tolerance, before_late.get(ref, 0)):
            worst_other = max(worst_other, st.lateness)
    if worst_other:
        out.append(reason("others_late", minutes=_minutes(worst_other)))
    if any("synchronised" in n or "both tasks" in n for n in notes):
        out.append(reason("sync"))
    return out


def _timed(
    problem: Problem, orders: dict[int, list[TaskRef]], pi: int
) -> tuple[Solution, list[str]]:
    """Time provider ``pi``'s route alone, or every route when a two-provider visit ties
    it to others."""
    coupled = any(len(problem.visits[vi].tasks) > 1 for vi, _ in orders.get(pi, []))
    subset = orders if coupled else {pi: orders.get(pi, [])}
    solution, violations = evaluate(problem, dict[int, Sequence[TaskRef]](subset))
    return solution, violations.notes


def _insert(
    problem: Problem,
    orders: dict[int, list[TaskRef]],
    pi: int,
    ref: TaskRef,
    before_late: dict[TaskRef, int],
    tolerance: int,
) -> tuple[list[TaskRef] | None, list[dict[str, str]]]:
    """The cheapest acceptable position of ``ref`` in provider ``pi``'s route, or None
    and the reasons of the least bad position."""
    base = orders.get(pi, [])
    best: tuple[int, list[TaskRef]] | None = None
    least_bad: tuple[int, int, list[dict[str, str]]] | None = None
    for pos in range(len(base) + 1):
        candidate = [*base[:pos], ref, *base[pos:]]
        trial = {**orders, pi: candidate}
        solution, notes = _timed(problem, trial, pi)
        route = solution.route_of(problem.providers[pi].id)
        problems = _route_problems(problem, pi, route, ref, before_late, tolerance, notes)
        total = solution.cost.total
        if not problems:
            if best is None or total < best[0]:
                best = (total, candidate)
        elif least_bad is None or (len(problems), total) < least_bad[:2]:
            least_bad = (len(problems), total, problems)
    if best is not None:
        return best[1], []
    return None, least_bad[2] if least_bad else [reason("provider_unavailable")]


def _lateness(problem: Problem, orders: dict[int, list[TaskRef]], pi: int) -> dict[TaskRef, int]:
    if pi not in orders:
        return {}
    solution, _notes = _timed(problem, orders, pi)
    route = solution.route_of(problem.providers[pi].id)
    vidx = problem.visit_index
    return {(vidx[s.visit], s.task): s.lateness for s in route.stops} if route else {}


def _eligibility(provider: ProviderRow, visit_pk: int) -> list[dict[str, str]]:
    visit = VisitRow.objects.select_related("order__item", "order__institution", "region").get(
        pk=visit_pk
    )
    if provider.institution_id != visit.order.institution_id:
        return [reason("skill")]
    return [r.as_dict() for r in refusals_for(provider, visit) if r.code not in AGAINST_CURRENT]


def move_visit_in_plan(
    *, actor: Actor, run: PlanRun, visit_id: int, provider_id: int, task: int = 0
) -> MoveResult:
    """Move task ``task`` of visit ``visit_id`` to provider ``provider_id`` in ``run``'s
    proposed plan (see the module docstring). Raises ``PlanNotReady`` unless the plan is
    ready for review, ``VisitNotInPlan`` / ``ProviderNotInPlan`` for ids the plan does not
    hold; returns a refused ``MoveResult`` (nothing changed) when the move breaks a rule."""
    require_plan(actor, run.institution)
    with transaction.atomic():
        locked = PlanRun.objects.select_for_update().get(pk=run.pk)
        if locked.status not in DECIDABLE:
            raise errors.PlanNotReady(details={"status": locked.status})
        result = locked.result
        in_routes = {
            (st["visit_id"], st["task"]): r["provider_id"]
            for r in result.get("routes", [])
            for st in r["stops"]
        }
        waiting = {u["visit_id"]: u for u in result.get("unassigned", [])}
        if (visit_id, task) not in in_routes and not (task == 0 and visit_id in waiting):
            raise VisitNotInPlan(details={"field": "visit_id"})
        if provider_id not in {p["provider_id"] for p in result.get("providers", [])}:
            raise ProviderNotInPlan(details={"field": "provider_id"})

        def refuse(refusals: list[dict[str, str]]) -> MoveResult:
            return MoveResult(
                moved=False,
                run=locked,
                visit_id=visit_id,
                provider_id=provider_id,
                refusals=refusals,
            )

        if in_routes.get((visit_id, task)) == provider_id:
            return refuse([reason("already_there")])
        if visit_id in waiting and waiting[visit_id].get("code") in (
            "no_location",
            "area_not_covered",
        ):
            return refuse([reason(waiting[visit_id]["code"])])
        provider = ProviderRow.objects.get(pk=provider_id)
        refusals = _eligibility(provider, visit_id)
        if refusals:
            return refuse(refusals)

        built = build(
            institution=locked.institution,
            day=locked.day,
            now=clock.now(),
            event=Event.from_dict(locked.event),
            replanning=locked.based_on_id is not None,
        )
        problem = built.problem
        vi = problem.visit_index.get(vid(visit_id))
        pi = problem.provider_index.get(pid(provider_id))
        if vi is None or task >= len(problem.visits[vi].tasks):
            return refuse([reason("visit_changed")])
        if pi is None:
            return refuse([reason("provider_unavailable")])
        ref: TaskRef = (vi, task)
        orders = _plan_orders(result, built)
        if any(r[0] == vi and r != ref for r in orders.get(pi, [])):
            return refuse([reason("partner_task")])
        source = _owner(orders, ref)
        if source is not None:
            orders[source] = [r for r in orders[source] if r != ref]
        before_late = _lateness(problem, orders, pi)
        tolerance = int(setting("DISPATCH_BOARD_LATE_TOLERANCE_MINUTES", 15)) * 60
        placed, problems = _insert(problem, orders, pi, ref, before_late, tolerance)
        if placed is None:
            return refuse(problems)
        orders[pi] = placed
        if source is not None and not orders[source]:
            del orders[source]

        from_pk = in_routes.get((visit_id, task))
        new = _store(
            locked,
            built,
            orders,
            actor=actor,
            edit={
                "visit_id": visit_id,
                "task": task,
                "from_provider_id": from_pk,
                "to_provider_id": provider_id,
            },
            taken_off=[t for t in result.get("taken_off", []) if t["visit_id"] != visit_id],
        )
        stop = next(
            s
            for r in new["routes"]
            if r["provider_id"] == provider_id
            for s in r["stops"]
            if (s["visit_id"], s["task"]) == (visit_id, task)
        )
        audit.record(
            actor=actor.user,
            action="plan_run.visit_moved",
            object_type="plan_run",
            object_id=locked.pk,
            institution_id=locked.institution_id,
            changed_fields=["result"],
            details={
                "visit": visit_id,
                "task": task,
                "from_provider": from_pk,
                "to_provider": provider_id,
            },
        )
    return MoveResult(
        moved=True,
        run=locked,
        visit_id=visit_id,
        provider_id=provider_id,
        start=stop["start"],
        late_minutes=stop["late_minutes"],
    )


def _store(
    locked: PlanRun,
    built: Built,
    orders: dict[int, list[TaskRef]],
    *,
    actor: Actor,
    edit: dict[str, Any],
    taken_off: list[dict[str, Any]],
) -> dict[str, Any]:
    """Time the edited routes, rewrite the plan JSON (routes, unassigned, figures,
    changes; the greedy baseline's figures and the job's timings kept), append ``edit``
    to ``edits`` and save the run. Visits in ``taken_off`` are listed as unassigned with
    code ``taken_off`` and the dispatcher's reason."""
    result = locked.result
    solution, _violations = evaluate(
        built.problem,
        dict[int, Sequence[TaskRef]](orders),
        solver=result.get("solver", ""),
        seconds=result.get("seconds", 0),
    )
    previous = locked.based_on.result if locked.based_on_id and locked.based_on else None
    new = result_json(built, solution, previous=previous)
    figs = new["figures"]
    old_figs = result.get("figures", {})
    for key in BASELINE_KEYS:
        if key in old_figs:
            figs[key] = old_figs[key]
    if old_figs.get("baseline_travel_km"):
        figs["saving_percent"] = round(
            100 * (1 - figs["travel_km"] / old_figs["baseline_travel_km"]), 1
        )
    new["seconds"] = result.get("seconds", new["seconds"])
    for key in ("timings",):
        if key in result:
            new[key] = result[key]
    off = {t["visit_id"]: t for t in taken_off}
    for u in new["unassigned"]:
        if u["visit_id"] in off:
            u["code"], u["reason"] = "taken_off", off[u["visit_id"]]["reason"]
    new["taken_off"] = taken_off
    new["edits"] = [
        *result.get("edits", []),
        {**edit, "by": actor.user_id, "at": clock.now().isoformat()},
    ]
    locked.result = new
    locked.best_cost = solution.cost.total
    locked.save(update_fields=["result", "best_cost"])
    return new


@dataclass
class TakeOffResult:
    """What ``take_visit_off_plan`` did: ``taken`` or not, and why not."""

    taken: bool
    run: PlanRun
    visit_id: int
    refusals: list[dict[str, str]] = field(default_factory=list)


def take_visit_off_plan(*, actor: Actor, run: PlanRun, visit_id: int, reason: str) -> TakeOffResult:
    """The dispatcher drags a visit onto the unassigned list: every task of it leaves
    the proposed plan and it is listed as ``taken_off`` with ``reason``. On acceptance a
    visit taken off that is assigned now is taken back from its provider through
    ``orders.services.unassign_provider`` with this reason (``services.accept_plan``);
    nothing is changed before. A reason is required (422 ``reason_required``)."""
    require_plan(actor, run.institution)
    reason = reason.strip()
    if not reason:
        raise ReasonRequired(details={"field": "reason"})
    with transaction.atomic():
        locked = PlanRun.objects.select_for_update().get(pk=run.pk)
        if locked.status not in DECIDABLE:
            raise errors.PlanNotReady(details={"status": locked.status})
        result = locked.result
        in_routes = {st["visit_id"] for r in result.get("routes", []) for st in r["stops"]}
        waiting = {u["visit_id"] for u in result.get("unassigned", [])}
        if visit_id not in in_routes and visit_id not in waiting:
            raise VisitNotInPlan(details={"field": "visit_id"})
        if visit_id not in in_routes:
            return TakeOffResult(
                taken=False, run=locked, visit_id=visit_id, refusals=[_reason("already_off")]
            )
        built = build(
            institution=locked.institution,
            day=locked.day,
            now=clock.now(),
            event=Event.from_dict(locked.event),
            replanning=locked.based_on_id is not None,
        )
        vi = built.problem.visit_index.get(vid(visit_id))
        if vi is None:
            return TakeOffResult(
                taken=False, run=locked, visit_id=visit_id, refusals=[_reason("visit_changed")]
            )
        orders = {
            pi: [r for r in refs if r[0] != vi] for pi, refs in _plan_orders(result, built).items()
        }
        orders = {pi: refs for pi, refs in orders.items() if refs}
        from_pks = sorted(
            {
                r["provider_id"]
                for r in result["routes"]
                for st in r["stops"]
                if st["visit_id"] == visit_id
            }
        )
        taken_off = [
            *[t for t in result.get("taken_off", []) if t["visit_id"] != visit_id],
            {"visit_id": visit_id, "reason": reason, "by": actor.user_id},
        ]
        _store(
            locked,
            built,
            orders,
            actor=actor,
            edit={"visit_id": visit_id, "kind": "taken_off", "from_provider_ids": from_pks},
            taken_off=taken_off,
        )
        audit.record(
            actor=actor.user,
            action="plan_run.visit_taken_off",
            object_type="plan_run",
            object_id=locked.pk,
            institution_id=locked.institution_id,
            changed_fields=["result"],
            details={"visit": visit_id, "from_providers": from_pks},
        )
    return TakeOffResult(taken=True, run=locked, visit_id=visit_id)


def who_to_tell(result: dict[str, Any]) -> dict[str, Any]:
    """Before acceptance: who the plan's changes concern. The providers on either side
    of each change (by masked name) and, per changed visit, the elder (masked) and how
    many family members are linked to receive alerts; acceptance notifies them
    (``services.accept_plan``)."""
    from .services import patients_of

    names = {p["provider_id"]: p["name"] for p in result.get("providers", [])}
    changes = result.get("changes", [])
    provider_ids = sorted(
        {c[k] for c in changes for k in ("from_provider_id", "to_provider_id") if c.get(k)}
    )
    people = patients_of([c["visit_id"] for c in changes])
    elders = _elder_names(result)
    patients = []
    for c in changes:
        info = people.get(c["visit_id"])
        if info is None:
            continue
        patients.append(
            {
                "visit_id": c["visit_id"],
                "elder": elders.get(c["visit_id"], ""),
                "recipients": len(info["recipients"]),
            }
        )
    return {
        "providers": [names.get(p, f"#{p}") for p in provider_ids],
        "provider_ids": provider_ids,
        "patients": patients,
    }


def _elder_names(result: dict[str, Any]) -> dict[int, str]:
    out = {u["visit_id"]: u.get("elder", "") for u in result.get("unassigned", [])}
    for r in result.get("routes", []):
        for st in r["stops"]:
            out[st["visit_id"]] = st["elder"]
    return out


def change_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's changes for the board: visit, elder, item, kind, from and to provider
    (masked names) and the booked or previous start against the new one (local HH:MM)."""
    names = {p["provider_id"]: p["name"] for p in result.get("providers", [])}
    stops: dict[int, dict[str, Any]] = {}
    for u in result.get("unassigned", []):
        stops[u["visit_id"]] = u
    for r in result.get("routes", []):
        for st in r["stops"]:
            if st["task"] == 0:
                stops[st["visit_id"]] = st
    rows = []
    for c in result.get("changes", []):
        stop = stops.get(c["visit_id"], {})
        rows.append(
            {
                **c,
                "elder": stop.get("elder", ""),
                "item": local_item(stop.get("item")),
                "from_name": names.get(c["from_provider_id"], "") if c["from_provider_id"] else "",
                "to_name": names.get(c["to_provider_id"], "") if c["to_provider_id"] else "",
                "old_time": _hm(local_time(c["old_start"])),
                "new_time": _hm(local_time(c["new_start"])),
            }
        )
    return rows


# --- reads for the board ------------------------------------------------------------------


def board_institutions(actor: Actor) -> list[Institution]:
    """The institutions whose board ``actor`` may open (platform admins: all)."""
    if actor.is_platform_admin:
        return list(Institution.objects.order_by("pk"))
    ids = actor.institution_ids(Role.DISPATCHER, Role.INSTITUTION_ADMIN)
    return list(Institution.objects.filter(pk__in=ids).order_by("pk"))


def latest_run(*, actor: Actor, institution: Institution, day: dt.date) -> PlanRun | None:
    """The newest plan run of ``institution`` for ``day`` that ``actor`` may see."""
    return (
        runs_visible_to(actor)
        .filter(institution=institution, day=day)
        .select_related("created_by", "decided_by")
        .order_by("-created_at", "-id")
        .first()
    )


def local_time(iso: str | None) -> dt.datetime | None:
    if not iso:
        return None
    return timezone.localtime(dt.datetime.fromisoformat(iso), local_zone())


def local_item(item: dict[str, str] | None) -> str:
    """An item name ``{en, zh}`` of the plan JSON in the active language."""
    if not item:
        return ""
    return item["en"] if (get_language() or "").startswith("en") else item["zh"]


def _hm(when: dt.datetime | None) -> str:
    return when.strftime("%H:%M") if when else ""


def gantt(result: dict[str, Any]) -> dict[str, Any]:
    """The plan as timeline rows for the board: per provider, blocks positioned in
    percent of the axis (whole hours around the working day): travel legs, the break and
    the visits (with lateness), plus the hour ticks."""
    providers = {p["provider_id"]: p for p in result.get("providers", [])}
    routes = {r["provider_id"]: r for r in result.get("routes", [])}
    times: list[dt.datetime] = []
    for p in providers.values():
        times += [
            t for t in (local_time(p["available_from"]), local_time(p["available_until"])) if t
        ]
    for r in routes.values():
        times += [t for t in (local_time(r["departure"]), local_time(r["return"])) if t]
        times += [
            t for s in r["stops"] for t in (local_time(s["start"]), local_time(s["end"])) if t
        ]
    if not times:
        return {"rows": [], "ticks": []}
    lo = min(times).replace(minute=0, second=0, microsecond=0)
    hi = max(times)
    hi_hour = hi.replace(minute=0, second=0, microsecond=0)
    hi = hi_hour if hi == hi_hour else hi_hour + dt.timedelta(hours=1)
    span = max((hi - lo).total_seconds(), 3600.0)

    def pct(when: dt.datetime | None) -> float:
        if when is None:
            return 0.0
        return round(100 * (when - lo).total_seconds() / span, 2)

    def block(kind: str, a: dt.datetime | None, b: dt.datetime | None, **extra: Any) -> dict:
        left = pct(a)
        return {"kind": kind, "left": left, "width": max(round(pct(b) - left, 2), 0.4), **extra}

    ticks = []
    t = lo
    while t <= hi:
        ticks.append({"label": t.strftime("%H:%M"), "left": pct(t)})
        t += dt.timedelta(hours=1)
    rows = []
    for provider_pk in sorted(providers, key=lambda k: providers[k]["name"]):
        p = providers[provider_pk]
        route = routes.get(provider_pk)
        blocks: list[dict[str, Any]] = []
        avail = block("shift", local_time(p["available_from"]), local_time(p["available_until"]))
        if route:
            here_end = local_time(route["departure"])
            for st in route["stops"]:
                arrival, start, end = (
                    local_time(st["arrival"]),
                    local_time(st["start"]),
                    local_time(st["end"]),
                )
                if here_end and arrival and arrival > here_end:
                    blocks.append(block("travel", here_end, arrival))
                blocks.append(
                    block(
                        "visit",
                        start,
                        end,
                        visit_id=st["visit_id"],
                        task=st["task"],
                        elder=st["elder"],
                        item=local_item(st["item"]),
                        start=_hm(start),
                        end=_hm(end),
                        booked=_hm(local_time(st["window_start"])),
                        late_minutes=st["late_minutes"],
                        moved=st["current_provider_id"] not in (None, provider_pk),
                    )
                )
                here_end = end
            back = local_time(route["return"])
            if here_end and back and back > here_end:
                blocks.append(block("travel", here_end, back))
            brk = local_time(route["break_start"])
            if brk is not None and route["break_minutes"]:
                blocks.append(
                    block("break", brk, brk + dt.timedelta(minutes=route["break_minutes"]))
                )
        rows.append(
            {
                "provider_id": provider_pk,
                "name": p["name"],
                "mode": p["mode"],
                "shift": avail,
                "from": _hm(local_time(p["available_from"])),
                "until": _hm(local_time(p["available_until"])),
                "blocks": blocks,
                "visits": sum(1 for b in blocks if b["kind"] == "visit"),
                "travel_km": route["travel_km"] if route else 0,
            }
        )
    return {"rows": rows, "ticks": ticks}


def _ring_feature(region: Region) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"name": f"r{region.pk}", "label": region.name},
        "geometry": region.boundary,
    }


def _extent_feature(points: list[list[float]]) -> list[dict[str, Any]]:
    """Without any region boundary on record: one rectangle around the points (0.01 degree
    margin) so the map still has an extent; flagged ``extent`` so it is drawn unfilled."""
    if not points:
        return []
    lngs, lats = [p[0] for p in points], [p[1] for p in points]
    w, e, s, n = min(lngs) - 0.01, max(lngs) + 0.01, min(lats) - 0.01, max(lats) + 0.01
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    return [
        {
            "type": "Feature",
            "properties": {"name": "extent", "label": "", "extent": True},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }
    ]


def map_data(
    *, institution: Institution, day: dt.date, result: dict[str, Any] | None
) -> dict[str, Any]:
    """What the board's map draws: the region polygons (GeoJSON of the institution's
    service areas and of the day's visit regions that have a boundary), visits (from the
    plan when there is one, else the day's bookings), provider homes and route lines.
    Names are already masked in the plan; bookings show the item only."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=local_zone())
    rows = list(
        VisitRow.objects.filter(
            order__institution=institution,
            window_start__gte=start,
            window_start__lt=start + dt.timedelta(days=1),
        )
        .select_related("order__item", "region")
        .order_by("window_start", "pk")
    )
    region_ids = set(
        ServiceArea.objects.filter(institution=institution).values_list("region_id", flat=True)
    ) | {v.region_id for v in rows}
    regions = Region.objects.filter(pk__in=region_ids, boundary__isnull=False).order_by("path")
    features = [_ring_feature(r) for r in regions]
    visits: list[dict[str, Any]] = []
    providers: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    if result and result.get("routes") is not None:
        by_visit: dict[int, int] = {}
        for route in result.get("routes", []):
            home = route["home"]
            path = [[home["lng"], home["lat"]]]
            for st in route["stops"]:
                if st["lat"] is not None:
                    path.append([st["lng"], st["lat"]])
                if st["task"] == 0:
                    by_visit[st["visit_id"]] = route["provider_id"]
            path.append([home["lng"], home["lat"]])
            lines.append(
                {"provider_id": route["provider_id"], "name": route["name"], "coords": path}
            )
        seen: set[int] = set()
        for route in result.get("routes", []):
            for st in route["stops"]:
                if st["task"] == 0 and st["lat"] is not None and st["visit_id"] not in seen:
                    seen.add(st["visit_id"])
                    visits.append(
                        {
                            "visit_id": st["visit_id"],
                            "value": [st["lng"], st["lat"]],
                            "label": f"{_hm(local_time(st['start']))} {st['elder']}",
                            "provider_id": route["provider_id"],
                        }
                    )
        for u in result.get("unassigned", []):
            if u.get("lat") is not None:
                visits.append(
                    {
                        "visit_id": u["visit_id"],
                        "value": [u["lng"], u["lat"]],
                        "label": f"{_hm(local_time(u['window_start']))} {u['elder']}",
                        "provider_id": None,
                    }
                )
        for p in result.get("providers", []):
            providers.append(
                {
                    "provider_id": p["provider_id"],
                    "value": [p["home"]["lng"], p["home"]["lat"]],
                    "label": p["name"],
                }
            )
    else:
        for v in rows:
            lat = v.lat if v.lat is not None else v.region.centroid_lat
            lng = v.lng if v.lng is not None else v.region.centroid_lng
            if lat is None or lng is None:
                continue
            visits.append(
                {
                    "visit_id": v.pk,
                    "value": [lng, lat],
                    "label": f"{_hm(timezone.localtime(v.window_start, local_zone()))}",
                    "provider_id": v.provider_id,
                }
            )
        for p in ProviderRow.objects.filter(
            institution=institution, is_active=True, home_lat__isnull=False, home_lng__isnull=False
        ).order_by("pk"):
            providers.append(
                {"provider_id": p.pk, "value": [p.home_lng, p.home_lat], "label": f"#{p.pk}"}
            )
    if not features:
        features = _extent_feature([pt["value"] for pt in (*visits, *providers)])
    return {
        "geojson": {"type": "FeatureCollection", "features": features},
        "visits": visits,
        "providers": providers,
        "lines": lines,
    }


def outcome_rows(run: PlanRun) -> list[dict[str, Any]]:
    """After acceptance: per visit what acceptance did and where the visit is now."""
    visits = run.outcome.get("visits", []) if run.outcome else []
    now = {
        v.pk: v
        for v in VisitRow.objects.filter(pk__in=[o["visit_id"] for o in visits]).select_related(
            "provider__user"
        )
    }
    out = []
    for o in visits:
        row = now.get(o["visit_id"])
        out.append(
            {
                **o,
                "status": row.status if row else "",
                "provider_name": (
                    row.provider.user.display_name or row.provider.user.username
                    if row and row.provider
                    else ""
                ),
            }
        )
    return out


def notified_names(run: PlanRun) -> list[str]:
    ids = (run.outcome or {}).get("notified_provider_ids", [])
    return [
        p.user.display_name or p.user.username
        for p in ProviderRow.objects.filter(pk__in=ids).select_related("user").order_by("pk")
    ]
