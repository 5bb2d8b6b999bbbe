"""The dispatch board (ADR 0021): plan a day, watch the progress, review the timeline per
provider and the map, drag visits between providers, accept or discard.

Views only parse, look up (``dispatch.access``, ``dispatch.board``), call the services
(``dispatch.services``, ``dispatch.board.move_visit_in_plan``) and render. HTMX requests
get partials (the progress bar, the plan section); plain form posts redirect back to the
board with a message, so every action also works without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.core.errors import ApplicationError
from doorstep.dispatch import board, services
from doorstep.dispatch.access import access_run
from doorstep.dispatch.enums import ACTIVE, DECIDABLE, RunStatus
from doorstep.dispatch.models import PlanRun
from doorstep.dispatch.problem import Event, local_zone
from doorstep.organizations.models import Institution

from .common import role_page
from .loop_common import error_text

#: Time limits offered on the board, seconds.
TIME_LIMITS = (1, 2, 5, 10, 30, 60, 120)


def _today() -> dt.date:
    return timezone.localtime(clock.now(), local_zone()).date()


def _day(raw: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(raw or "")
    except ValueError:
        return _today()


def _institution(actor: Actor, raw: str | None) -> tuple[Institution, list[Institution]]:
    choices = board.board_institutions(actor)
    if not choices:
        raise Http404()
    if raw and raw.isdigit():
        for inst in choices:
            if inst.pk == int(raw):
                return inst, choices
        raise Http404()
    return choices[0], choices


def _board_url(institution_id: int | None, day: dt.date) -> str:
    query = {"day": day.isoformat()}
    if institution_id:
        query["institution"] = str(institution_id)
    return f"{reverse('web:dispatch_board')}?{urlencode(query)}"


def _back(run: PlanRun) -> HttpResponseRedirect:
    return HttpResponseRedirect(_board_url(run.institution_id, run.day))


def _plan_context(run: PlanRun | None, institution: Institution, day: dt.date) -> dict[str, Any]:
    """What the plan section renders: timeline, unassigned, figures, map, outcome."""
    result = run.result if run is not None and run.result else None
    shown = result if run is not None and run.status in (*DECIDABLE, RunStatus.ACCEPTED) else None
    ctx: dict[str, Any] = {
        "run": run,
        "institution": institution,
        "day": day,
        "plan": shown,
        "decidable": run is not None and run.status in DECIDABLE,
        "map": board.map_data(institution=institution, day=day, result=shown),
    }
    if shown:
        ctx["gantt"] = board.gantt(shown)
        ctx["figures"] = shown.get("figures", {})
        ctx["unassigned"] = [
            {
                **u,
                "item_label": board.local_item(u.get("item")),
                "time": _hm(board.local_time(u.get("window_start"))),
            }
            for u in shown.get("unassigned", [])
        ]
        ctx["movable"] = [
            {
                "value": f"{b['visit_id']}:{b['task']}",
                "label": f"{b['start']} {b['item']} · {b['elder']} ({row['name']})",
            }
            for row in ctx["gantt"]["rows"]
            for b in row["blocks"]
            if b["kind"] == "visit"
        ] + [
            {
                "value": f"{u['visit_id']}:0",
                "label": f"{u['item_label']} · {u['elder']} ({_('unassigned')})",
            }
            for u in ctx["unassigned"]
            if u["code"] == "not_planned"
        ]
        ctx["changes"] = shown.get("changes", [])
        ctx["change_rows"] = board.change_rows(shown)
        ctx["names"] = {p["provider_id"]: p["name"] for p in shown.get("providers", [])}
        ctx["edits"] = shown.get("edits", [])
        ctx["takeable"] = [
            {
                "value": str(b["visit_id"]),
                "label": f"{b['start']} {b['item']} · {b['elder']} ({row['name']})",
            }
            for row in ctx["gantt"]["rows"]
            for b in row["blocks"]
            if b["kind"] == "visit" and b["task"] == 0
        ]
        if ctx["decidable"] and ctx["changes"]:
            ctx["tell"] = board.who_to_tell(shown)
        ctx["event"] = _event_text(run, ctx["names"]) if run is not None else ""
        if run is not None and run.status in (RunStatus.DONE, RunStatus.ACCEPTED):
            ctx["replannable"] = day >= _today()
            ctx["replan_visits"] = _replan_visits(shown, ctx["names"])
            ctx["now_hm"] = timezone.localtime(clock.now(), local_zone()).strftime("%H:%M")
    if run is not None and run.status == RunStatus.ACCEPTED:
        ctx["outcome"] = board.outcome_rows(run)
        ctx["told"] = board.notified_names(run)
        ctx["told_patients"] = len(run.outcome.get("notified_patient_visit_ids", []))
        ctx["counts"] = run.outcome.get("counts", {})
    return ctx


def _hm(when: dt.datetime | None) -> str:
    return when.strftime("%H:%M") if when else ""


def _replan_visits(result: dict[str, Any], names: dict[int, str]) -> list[dict[str, str]]:
    """Visits that can overrun: those under way (fixed) and the planned ones."""
    out = []
    for f in result.get("fixed", []):
        until = board.local_time(f.get("until"))
        out.append(
            {
                "value": str(f["visit_id"]),
                "label": str(
                    _("Visit %(visit)s under way (%(name)s), until %(time)s")
                    % {
                        "visit": f["visit_id"],
                        "name": names.get(f["provider_id"], f"#{f['provider_id']}"),
                        "time": until.strftime("%H:%M") if until else "",
                    }
                ),
            }
        )
    for route in result.get("routes", []):
        for st in route["stops"]:
            if st["task"] == 0:
                start = board.local_time(st["start"])
                out.append(
                    {
                        "value": str(st["visit_id"]),
                        "label": f"{start.strftime('%H:%M') if start else ''} "
                        f"{board.local_item(st['item'])} · {st['elder']} ({route['name']})",
                    }
                )
    return out


def _event_text(run: PlanRun, names: dict[int, str]) -> str:
    """What a re-plan was made for, in the request language."""
    event = run.event or {}
    if event.get("kind") == "provider_sick":
        at = board.local_time(event.get("at"))
        return str(
            _("Re-planned because %(name)s is unavailable from %(time)s.")
            % {
                "name": names.get(event.get("provider_id") or 0, f"#{event.get('provider_id')}"),
                "time": at.strftime("%H:%M") if at else "",
            }
        )
    if event.get("kind") == "visit_overrun":
        return str(
            _("Re-planned because visit %(visit)s overruns by %(minutes)s min.")
            % {"visit": event.get("visit_id"), "minutes": event.get("minutes")}
        )
    return ""


@require_GET
@role_page(*board.BOARD_ROLES)
def board_page(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The board for one institution and day (``?institution=&day=``)."""
    institution, choices = _institution(actor, request.GET.get("institution"))
    day = _day(request.GET.get("day"))
    run = board.latest_run(actor=actor, institution=institution, day=day)
    context = {
        "institutions": choices,
        "time_limits": TIME_LIMITS,
        "active": run is not None and run.status in ACTIVE,
        "past": day < _today(),
        **_plan_context(run, institution, day),
    }
    return render(request, "web/dispatch_board.html", context)


@require_POST
@role_page(*board.BOARD_ROLES)
def board_start(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    institution, _choices = _institution(actor, request.POST.get("institution"))
    day = _day(request.POST.get("day"))
    raw = request.POST.get("time_limit", "")
    limit = int(raw) if raw.isdigit() else 0
    try:
        services.start_plan(actor=actor, institution=institution, day=day, time_limit=limit)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Planning started."))
    return HttpResponseRedirect(_board_url(institution.pk, day))


@require_GET
@role_page(*board.BOARD_ROLES)
def board_progress(request: HttpRequest, run_id: int, *, actor: Actor) -> HttpResponse:
    """The progress bar, polled every second while the run works; when it has finished
    the page reloads (``HX-Refresh``) to show the plan."""
    run = access_run(actor=actor, run_id=run_id)
    response = render(
        request, "web/dispatch_board_progress.html", {"run": run, "active": run.status in ACTIVE}
    )
    if run.status not in ACTIVE and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


def _parse_move(request: HttpRequest) -> tuple[int, int, int] | None:
    raw_visit = request.POST.get("visit", "")
    raw_provider = request.POST.get("provider", "")
    visit, _sep, task = raw_visit.partition(":")
    if not (visit.isdigit() and raw_provider.isdigit() and (task or "0").isdigit()):
        return None
    return int(visit), int(task or "0"), int(raw_provider)


@require_POST
@role_page(*board.BOARD_ROLES)
def board_move(request: HttpRequest, run_id: int, *, actor: Actor) -> HttpResponse:
    """Move a visit to another provider in the proposed plan (drag and drop, or the
    select form). HTMX gets the plan section back with the outcome on top."""
    run = access_run(actor=actor, run_id=run_id)
    parsed = _parse_move(request)
    notice: dict[str, Any]
    if parsed is None:
        notice = {"ok": False, "lines": [str(_("Choose a visit and a provider."))]}
    else:
        visit_id, task, provider_id = parsed
        try:
            out = board.move_visit_in_plan(
                actor=actor, run=run, visit_id=visit_id, provider_id=provider_id, task=task
            )
        except ApplicationError as exc:
            notice = {"ok": False, "lines": [error_text(exc)]}
        else:
            run = out.run
            if out.moved:
                start = board.local_time(out.start)
                line = _("Moved: the visit now starts at %(time)s.") % {
                    "time": start.strftime("%H:%M") if start else ""
                }
                if out.late_minutes:
                    line = f"{line} " + str(
                        _("%(minutes)s min after its booked time.") % {"minutes": out.late_minutes}
                    )
                notice = {"ok": True, "lines": [str(line)]}
            else:
                notice = {
                    "ok": False,
                    "lines": [str(_("The move was refused:"))]
                    + [r["message"] for r in out.refusals],
                }
    if not request.headers.get("HX-Request"):
        for line in notice["lines"]:
            (messages.success if notice["ok"] else messages.error)(request, line)
        return _back(run)
    institution = run.institution or board.board_institutions(actor)[0]
    context = {"notice": notice, **_plan_context(run, institution, run.day)}
    return render(request, "web/dispatch_board_plan.html", context)


@require_POST
@role_page(*board.BOARD_ROLES)
def board_accept(request: HttpRequest, run_id: int, *, actor: Actor) -> HttpResponse:
    run = access_run(actor=actor, run_id=run_id)
    try:
        run = services.accept_plan(actor=actor, run=run)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        counts = run.outcome.get("counts", {})
        done = sum(counts.get(k, 0) for k in ("assigned", "moved", "kept", "released"))
        messages.success(
            request,
            _("Plan accepted: %(done)s visits applied, %(refused)s refused.")
            % {"done": done, "refused": counts.get("refused", 0)},
        )
    return _back(run)


@require_POST
@role_page(*board.BOARD_ROLES)
def board_discard(request: HttpRequest, run_id: int, *, actor: Actor) -> HttpResponse:
    run = access_run(actor=actor, run_id=run_id)
    try:
        run = services.discard_plan(actor=actor, run=run)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Plan discarded; nothing was assigned."))
    return _back(run)


@require_POST
@role_page(*board.BOARD_ROLES)
def board_take_off(request: HttpRequest, run_id: int, *, actor: Actor) -> HttpResponse:
    """Take a visit off the proposed plan (dragged onto the unassigned list, or the form):
    on acceptance it is taken back from its provider with the reason given."""
    run = access_run(actor=actor, run_id=run_id)
    raw = request.POST.get("visit", "").partition(":")[0]
    notice: dict[str, Any]
    if not raw.isdigit():
        notice = {"ok": False, "lines": [str(_("Choose a visit."))]}
    else:
        try:
            out = board.take_visit_off_plan(
                actor=actor, run=run, visit_id=int(raw), reason=request.POST.get("reason", "")
            )
        except ApplicationError as exc:
            notice = {"ok": False, "lines": [error_text(exc)]}
        else:
            run = out.run
            if out.taken:
                notice = {
                    "ok": True,
                    "lines": [
                        str(
                            _(
                                "Taken off the plan: on acceptance the visit goes back to "
                                "awaiting dispatch and its provider is told."
                            )
                        )
                    ],
                }
            else:
                notice = {
                    "ok": False,
                    "lines": [str(_("The visit was not taken off the plan:"))]
                    + [r["message"] for r in out.refusals],
                }
    if not request.headers.get("HX-Request"):
        for line in notice["lines"]:
            (messages.success if notice["ok"] else messages.error)(request, line)
        return _back(run)
    institution = run.institution or board.board_institutions(actor)[0]
    context = {"notice": notice, **_plan_context(run, institution, run.day)}
    return render(request, "web/dispatch_board_plan.html", context)


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@require_POST
@role_page(*board.BOARD_ROLES)
def board_replan(request: HttpRequest, run_id: int, *, actor: Actor) -> HttpResponse:
    """Re-plan the rest of the day after a sick call (provider, from a time) or an
    overrun (visit, minutes); the new run's progress, then its diff, show on the board."""
    run = access_run(actor=actor, run_id=run_id)
    kind = request.POST.get("kind", "")
    at = None
    raw_at = request.POST.get("at", "")
    try:
        clock_time = dt.time.fromisoformat(raw_at) if raw_at else None
    except ValueError:
        clock_time = None
    if clock_time is not None:
        at = dt.datetime.combine(run.day, clock_time, tzinfo=local_zone())
    event = Event(
        kind=kind,
        provider_id=_int(request.POST.get("provider")) if kind == "provider_sick" else None,
        visit_id=_int(request.POST.get("visit")) if kind == "visit_overrun" else None,
        at=at if kind == "provider_sick" else None,
        minutes=(_int(request.POST.get("minutes")) or 0) if kind == "visit_overrun" else 0,
    )
    try:
        services.replan(
            actor=actor, run=run, event=event, time_limit=_int(request.POST.get("time_limit"))
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request, _("Re-planning started. The changes will show here when it is done.")
        )
    return _back(run)
