"""Cancellation (with the fee rule), no-show, abort for safety and reschedule (ADR 0013)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.billing import postings as ledger
from doorstep.core import clock
from doorstep.core.errors import Forbidden
from doorstep.people import access as people_access
from doorstep.workforce.models import Provider

from .. import errors
from ..enums import (
    FEE_FROM,
    CancelSide,
    can_transition,
)
from ..models import (
    Order,
    Visit,
)
from ._common import (
    DISPATCH_ROLES,
    S,
    _institution_staff,
    _is_staff_of,
    _lock_visit,
    _may_act_for_elder,
    _notify_patient,
    _on_commit_notify,
    _require_assigned,
    _transition,
    setting,
)

# --- cancellation, no-show, abort, reschedule ----------------------------------------------


def cancellation_fee(visit: Visit, side: str) -> int:
    """Free before the provider sets off; from ``en_route`` the patient pays
    ``ORDERS_CANCEL_FEE_BP`` (default 30 %) of the visit price, at most
    ``ORDERS_CANCEL_FEE_CAP_FEN`` (default 50 yuan). Institution-side: never a fee."""
    if side != CancelSide.PATIENT or visit.status not in FEE_FROM:
        return 0
    bp = int(setting("ORDERS_CANCEL_FEE_BP", 3000))
    cap = int(setting("ORDERS_CANCEL_FEE_CAP_FEN", 5000))
    return min(visit.price_fen * bp // 10000, cap)


def cancel(
    *,
    actor: Actor,
    order: Order,
    reason: str,
    visit: Visit | None = None,
) -> list[Visit]:
    """Cancel one visit or every open visit of an order. Patient side: the elder, family
    with ``place_orders``, operators; institution side: admin or dispatcher."""
    if not reason.strip():
        raise errors.ReasonRequired(details={"field": "reason"})
    if _is_staff_of(actor, order.institution_id, DISPATCH_ROLES):
        side = CancelSide.INSTITUTION
    elif _may_act_for_elder(actor, order.elder, "place_orders") or (
        actor.has(Role.OPERATOR)
        and people_access.may(actor, order.elder, "view", scopes={"region", "all"})
    ):
        side = CancelSide.PATIENT
    else:
        raise Forbidden()
    with transaction.atomic():
        ids = (
            [visit.pk]
            if visit is not None
            else list(
                Visit.objects.filter(order=order).order_by("seq").values_list("pk", flat=True)
            )
        )
        locked = [_lock_visit(i) for i in ids]
        targets = [v for v in locked if can_transition(v.status, S.CANCELLED)]
        if not targets:
            status = locked[0].status if locked else ""
            raise errors.IllegalTransition(details={"from": status, "to": S.CANCELLED})
        for v in targets:
            fee = cancellation_fee(v, side)
            v.cancelled_by_side = side
            v.cancellation_reason = reason.strip()
            v.cancellation_fee_fen = fee
            _transition(
                visit=v,
                to=S.CANCELLED,
                actor=actor,
                reason=reason.strip(),
                details={"side": side, "fee_fen": fee},
                changed=["cancelled_by_side", "cancellation_reason", "cancellation_fee_fen"],
            )
            ledger.visit_released(actor=actor, visit=v, order=order, on=clock.today(), fee_fen=fee)
            if v.provider_id:
                provider_user = Provider.objects.get(pk=v.provider_id).user
                _on_commit_notify(
                    recipient=provider_user,
                    kind="orders.visit_cancelled",
                    title=_("A visit was cancelled"),
                    body="",
                    link=f"/visits/{v.pk}",
                )
        if side == CancelSide.INSTITUTION:
            _notify_patient(order, "orders.visit_cancelled", _("Your visit was cancelled"))
    return targets


def mark_no_show(*, actor: Actor, visit: Visit, reason: str = "") -> Visit:
    """The provider arrived and nobody opened (arrived -> no_show)."""
    _require_assigned(actor, visit)
    with transaction.atomic():
        locked = _lock_visit(visit.pk)
        _transition(visit=locked, to=S.NO_SHOW, actor=actor, reason=reason.strip())
        ledger.visit_released(actor=actor, visit=locked, order=locked.order, on=clock.today())
        _notify_patient(locked.order, "orders.no_show", _("The provider could not reach you"))
    return locked


def abort_visit(
    *,
    actor: Actor,
    visit: Visit,
    reason: str,
    lat: float | None = None,
    lng: float | None = None,
) -> Visit:
    """The provider stops a visit for safety; the institution is notified at once."""
    _require_assigned(actor, visit)
    if not reason.strip():
        raise errors.ReasonRequired(details={"field": "reason"})
    with transaction.atomic():
        locked = _lock_visit(visit.pk)
        locked.abort_reason = reason.strip()
        _transition(
            visit=locked,
            to=S.ABORTED,
            actor=actor,
            lat=lat,
            lng=lng,
            reason=reason.strip(),
            changed=["abort_reason"],
        )
        ledger.visit_released(actor=actor, visit=locked, order=locked.order, on=clock.today())
        roles = (*DISPATCH_ROLES, Role.INSTITUTION_QUALITY)
        for user in _institution_staff(locked.order.institution_id, roles):
            _on_commit_notify(
                recipient=user,
                kind="orders.visit_aborted",
                title=_("A provider aborted a visit for safety"),
                body=reason.strip(),
                link=f"/visits/{locked.pk}",
                severity="critical",
            )
    return locked


def reschedule(*, actor: Actor, visit: Visit, window_start: dt.datetime, reason: str) -> Visit:
    """Move a visit to a new time: X -> rescheduled -> awaiting_dispatch, the provider
    released; the old window stays in the history. Patient side or the dispatcher."""
    order = visit.order
    staff = _is_staff_of(actor, order.institution_id, DISPATCH_ROLES)
    if not (staff or _may_act_for_elder(actor, order.elder, "place_orders")):
        raise Forbidden()
    if window_start.tzinfo is None or window_start <= clock.now():
        raise errors.InvalidWindow(details={"field": "window_start"})
    if not reason.strip():
        raise errors.ReasonRequired(details={"field": "reason"})
    with transaction.atomic():
        locked = _lock_visit(visit.pk)
        old = (locked.window_start.isoformat(), locked.window_end.isoformat())
        old_provider = locked.provider_id
        _transition(
            visit=locked,
            to=S.RESCHEDULED,
            actor=actor,
            reason=reason.strip(),
            details={"old_window": old, "provider": old_provider},
        )
        length = locked.window_end - locked.window_start
        locked.window_start = window_start
        locked.window_end = window_start + length
        locked.provider = None
        locked.assigned_at = None
        locked.pool_published_at = None
        _transition(
            visit=locked,
            to=S.AWAITING_DISPATCH,
            actor=actor,
            details={
                "new_window": (locked.window_start.isoformat(), locked.window_end.isoformat())
            },
            changed=["window_start", "window_end", "provider", "assigned_at", "pool_published_at"],
        )
        if old_provider:
            _on_commit_notify(
                recipient=Provider.objects.get(pk=old_provider).user,
                kind="orders.visit_rescheduled",
                title=_("A visit of yours was rescheduled and released"),
                body="",
                link=f"/visits/{locked.pk}",
            )
    return locked
