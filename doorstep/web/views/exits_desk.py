"""Institution dispatcher/admin: the staff view of one order, with the exits the
institution takes: reschedule a visit (new start + reason) and cancel a visit on the
institution's side (reason; the fee is what ``orders.services.cancellation_fee`` computes).

The elder's and family's own cancellation stays on their order page
(``quality_desk.order_cancel``); the provider's no-show and abort are on the visit screen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.accounts.policy import Actor
from doorstep.core.errors import ApplicationError
from doorstep.orders import selectors
from doorstep.orders import services as orders
from doorstep.orders.access import access_order, access_visit
from doorstep.orders.enums import CancelSide, VisitStatus, can_transition
from doorstep.orders.models import Order, Visit
from doorstep.people import access as people_access
from doorstep.quality import access as quality_access

from .common import role_page
from .loop_common import DISPATCHERS, PATIENT_SIDE, error_text

S = VisitStatus


def _own_institution(actor: Actor, institution_id: int) -> None:
    """The desk is for the order's own institution: someone who sees the order another way
    (e.g. also a family member) gets 404 here, like anyone who cannot see it."""
    if not actor.is_platform_admin and institution_id not in actor.institution_ids(*DISPATCHERS):
        raise Http404()


def _staff_order(actor: Actor, order_id: int) -> Order:
    order = access_order(actor=actor, order_id=order_id)
    _own_institution(actor, order.institution_id)
    return order


def _staff_visit(actor: Actor, visit_id: int) -> Visit:
    visit = access_visit(actor=actor, visit_id=visit_id)
    _own_institution(actor, visit.order.institution_id)
    return visit


def _local_input(value: dt.datetime) -> str:
    """A datetime as a ``datetime-local`` input value in the site's time zone."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def _visit_rows(visits: list[Visit]) -> list[dict[str, Any]]:
    rows = []
    for v in visits:
        rows.append(
            {
                "visit": v,
                "can_reschedule": can_transition(v.status, S.RESCHEDULED),
                "can_cancel": can_transition(v.status, S.CANCELLED),
                # What the orders service charges: never a fee on the institution's side;
                # the patient's fee is shown for comparison (free before travel).
                "fee_fen": orders.cancellation_fee(v, CancelSide.INSTITUTION),
                "patient_fee_fen": orders.cancellation_fee(v, CancelSide.PATIENT),
                "suggested_start": _local_input(v.window_start + dt.timedelta(days=1)),
            }
        )
    return rows


@role_page(*DISPATCHERS)
def desk_order(request: HttpRequest, order_id: int, *, actor: Actor) -> HttpResponse:
    order = _staff_order(actor, order_id)
    visits = list(order.visits.select_related("provider", "provider__user").order_by("seq"))
    vis = people_access.visibility(actor, [order.elder_id])[order.elder_id]
    return render(
        request,
        "web/loop/desk_order.html",
        {
            "order": order,
            "elder_name": people_access.shown_name(order.elder.full_name, vis),
            "status": selectors.order_status(v.status for v in visits),
            "rows": _visit_rows(visits),
            "events": list(selectors.timeline(order)),
            "can_blacklist": quality_access.may_for_institution(
                actor, "blacklist", "change", order.institution_id
            ),
            "S": S,
        },
    )


@require_POST
@role_page(*DISPATCHERS)
def desk_reschedule(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    visit = _staff_visit(actor, visit_id)
    _reschedule(request, actor, visit)
    return redirect("web:desk_order", order_id=visit.order_id)


@require_POST
@role_page(*PATIENT_SIDE)
def order_reschedule(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    """The elder or family moves one of their visits to a new time (same rules as the
    desk: the provider is released, the old time stays in the history)."""
    visit = access_visit(actor=actor, visit_id=visit_id)
    _reschedule(request, actor, visit)
    return redirect("web:order", order_id=visit.order_id)


def _reschedule(request: HttpRequest, actor: Actor, visit: Visit) -> None:
    """Parse the new start (a ``datetime-local`` value in the site's time zone), call the
    service, and leave the outcome as a message."""
    raw = request.POST.get("window_start", "").strip()
    try:
        local = dt.datetime.fromisoformat(raw)
    except ValueError:
        messages.error(request, _("Give the new date and time."))
        return
    start = (
        local
        if timezone.is_aware(local)
        else timezone.make_aware(local, timezone.get_current_timezone())
    )
    try:
        orders.reschedule(
            actor=actor, visit=visit, window_start=start, reason=request.POST.get("reason", "")
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("Rescheduled to %(start)s. The visit waits for a provider again.")
            % {"start": timezone.localtime(start).strftime("%Y-%m-%d %H:%M")},
        )


@require_POST
@role_page(*DISPATCHERS)
def desk_cancel(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    visit = _staff_visit(actor, visit_id)
    try:
        cancelled = orders.cancel(
            actor=actor, order=visit.order, visit=visit, reason=request.POST.get("reason", "")
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        fee = sum(v.cancellation_fee_fen for v in cancelled)
        if fee:
            messages.success(
                request,
                _("Cancelled. A cancellation fee of ¥%(fee)s applies.")
                % {"fee": f"{fee // 100}.{fee % 100:02d}"},
            )
        else:
            messages.success(request, _("Cancelled by the institution, free of charge."))
    return redirect("web:desk_order", order_id=visit.order_id)
