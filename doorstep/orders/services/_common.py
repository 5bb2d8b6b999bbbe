"""Helpers shared by the orders services: locking, the transition check, events,
audit, notifications and who-may-act checks (ADR 0013)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock
from doorstep.core.errors import Forbidden, NotFound
from doorstep.notifications.services import notify, notify_many
from doorstep.people import access as people_access
from doorstep.people.models import Elder
from doorstep.workforce.enums import TransportMode
from doorstep.workforce.models import Provider

from .. import errors
from ..enums import (
    PaymentMode,
    VisitStatus,
    can_transition,
)
from ..models import (
    Order,
    Visit,
    VisitEvent,
)

S = VisitStatus

#: Average door-to-door speed by transport mode, km/h (straight-line haversine distance).
SPEED_KMH: dict[str, float] = {
    TransportMode.WALK: 4.5,
    TransportMode.BICYCLE: 12.0,
    TransportMode.E_BIKE: 18.0,
    TransportMode.CAR: 25.0,
    TransportMode.PUBLIC_TRANSPORT: 15.0,
}
DISPATCH_ROLES = (Role.DISPATCHER, Role.INSTITUTION_ADMIN)
REVIEW_ROLES = (Role.INSTITUTION_REVIEWER, Role.INSTITUTION_ADMIN)
BOOKING_STAFF_ROLES = (Role.INSTITUTION_ADMIN, Role.INSTITUTION_REVIEWER, Role.DISPATCHER)
PAYMENT_STAFF_ROLES = (Role.INSTITUTION_ADMIN, Role.DISPATCHER, Role.FINANCE_OFFICER)
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
PHOTO_MAX_BYTES = 5 * 1024 * 1024


def setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


# --- helpers ----------------------------------------------------------------------------


def _lock_visit(visit_id: int) -> Visit:
    return Visit.objects.select_for_update(of=("self",)).select_related("order").get(pk=visit_id)


def _transition(
    *,
    visit: Visit,
    to: str,
    actor: Actor | None,
    at: dt.datetime | None = None,
    lat: float | None = None,
    lng: float | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
    changed: Iterable[str] = (),
) -> VisitEvent:
    """Move a locked visit to ``to``: check the table, save, record event and audit."""
    if not can_transition(visit.status, to):
        raise errors.IllegalTransition(details={"from": visit.status, "to": to})
    before = visit.status
    visit.status = to
    fields = {"status", *changed}
    visit.save(update_fields=sorted(fields))
    return _event(
        visit=visit,
        from_status=before,
        to_status=to,
        actor=actor,
        at=at,
        lat=lat,
        lng=lng,
        reason=reason,
        details=details,
        changed=fields,
    )


def _event(
    *,
    visit: Visit,
    from_status: str,
    to_status: str,
    actor: Actor | None,
    at: dt.datetime | None = None,
    lat: float | None = None,
    lng: float | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
    changed: Iterable[str] = (),
    action: str | None = None,
) -> VisitEvent:
    user = actor.user if actor is not None else None
    event = VisitEvent.objects.create(
        visit=visit,
        from_status=from_status,
        to_status=to_status,
        actor=user,
        at=at or clock.now(),
        lat=lat,
        lng=lng,
        reason=reason,
        details=details or {},
    )
    audit.record(
        actor=user,
        action=action or f"visit.{to_status}",
        object_type="visit",
        object_id=visit.pk,
        institution_id=visit.order.institution_id,
        changed_fields=changed,
        details={"from": from_status, "to": to_status, "order": visit.order_id},
    )
    return event


def _after_acceptance_status(*, order: Order, paid_at: dt.datetime | None) -> str:
    """Where an accepted visit goes: awaiting payment (prepay, unpaid) or dispatch."""
    if order.payment_mode == PaymentMode.PREPAY and paid_at is None:
        return S.AWAITING_PAYMENT
    return S.AWAITING_DISPATCH


def _after_acceptance(*, visit: Visit, order: Order, actor: Actor | None) -> None:
    """accepted -> awaiting_payment (prepay, unpaid) or awaiting_dispatch."""
    _transition(
        visit=visit, to=_after_acceptance_status(order=order, paid_at=visit.paid_at), actor=actor
    )


def _walk(
    *,
    visit: Visit,
    path: list[str],
    actor: Actor | None,
    at: dt.datetime,
    details: dict[str, dict[str, Any]] | None = None,
) -> tuple[list[VisitEvent], list[audit.Entry]]:
    """The events and audit rows of a new visit's automatic steps (``path[0]`` is its
    first status, "" before it), each step checked against the transitions table. The
    caller saves the visit in ``path[-1]`` and writes the rows in bulk: the same history
    as one ``_transition`` per step, in a handful of statements."""
    user = actor.user if actor is not None else None
    events: list[VisitEvent] = []
    entries: list[audit.Entry] = []
    before = ""
    for to in path:
        if before and not can_transition(before, to):
            raise errors.IllegalTransition(details={"from": before, "to": to})
        extra = (details or {}).get(to) or {}
        events.append(
            VisitEvent(
                visit=visit,
                from_status=before,
                to_status=to,
                actor=user,
                at=at,
                details=extra,
            )
        )
        entries.append(
            audit.Entry(
                actor=user,
                action=f"visit.{to}",
                object_type="visit",
                object_id=visit.pk,
                institution_id=visit.order.institution_id,
                changed_fields=("status",) if before else (),
                details={"from": before, "to": to, "order": visit.order_id},
            )
        )
        before = to
    return events, entries


def _on_commit_notify(**kwargs: Any) -> None:
    transaction.on_commit(lambda: notify(**kwargs), robust=True)


def _on_commit_notify_many(requests: list[dict[str, Any]]) -> None:
    """Several notifications about one change, written together after commit."""
    if requests:
        transaction.on_commit(lambda: notify_many(requests), robust=True)


def _notify_patient(order: Order, kind: str, title: Any, body: Any = "") -> None:
    """The elder (if they have a login) and family linked to receive alerts."""
    from doorstep.people.models import FamilyLink

    recipients: list[Any] = []
    if order.elder.user_id:
        recipients.append(order.elder.user)
    for link in FamilyLink.objects.filter(
        elder_id=order.elder_id, status="active", can_receive_alerts=True
    ).select_related("user"):
        recipients.append(link.user)
    link_url = f"/orders/{order.pk}"
    _on_commit_notify_many(
        [
            {"recipient": user, "kind": kind, "title": title, "body": body, "link": link_url}
            for user in {u.pk: u for u in recipients}.values()
        ]
    )


def _institution_staff(institution_id: int, roles: Iterable[str]) -> list[Any]:
    from doorstep.accounts.models import User

    return list(
        User.objects.filter(
            memberships__institution_id=institution_id,
            memberships__role__in=list(roles),
            memberships__is_active=True,
        ).distinct()
    )


def _quality_hook(name: str) -> Any:
    """``doorstep.quality.selectors.<name>`` when the quality app provides it."""
    try:
        from doorstep.quality import selectors as quality
    except ImportError:  # pragma: no cover - the quality app is optional
        return None
    return getattr(quality, name, None)


def _dispatch_hook(name: str) -> Any:
    """``doorstep.dispatch.selectors.<name>`` when the dispatch app provides it (the
    second providers of two-provider visits, ADR 0019)."""
    try:
        from doorstep.dispatch import selectors as dispatch
    except ImportError:  # pragma: no cover - the dispatch app is optional
        return None
    return getattr(dispatch, name, None)


def _may_act_for_elder(actor: Actor, elder: Elder, permission: str) -> bool:
    """The elder themself, or a family member with an effective link for ``permission``."""
    if actor.user is None:
        return False
    if elder.user_id == actor.user_id:
        return True
    return (
        actor.has(Role.FAMILY)
        and people_access.effective_family_links(actor.user.pk, permission)
        .filter(elder_id=elder.pk)
        .exists()
    )


def _is_staff_of(actor: Actor, institution_id: int, roles: Iterable[str]) -> bool:
    return actor.is_platform_admin or institution_id in actor.institution_ids(*roles)


def _provider_row(actor: Actor) -> Provider | None:
    """The actor's provider profile, if they have one."""
    if actor.user_id is None:
        return None
    return Provider.objects.filter(user_id=actor.user_id).first()


def _provider_of(actor: Actor) -> Provider:
    provider = _provider_row(actor)
    if provider is None:
        raise NotFound()
    return provider


def _require_assigned(actor: Actor, visit: Visit) -> Provider:
    """The actor must be the provider assigned to the visit."""
    provider = _provider_row(actor)
    if provider is None or visit.provider_id != provider.pk:
        raise Forbidden()
    return provider


def _point(visit: Visit) -> tuple[float, float] | None:
    if visit.lat is None or visit.lng is None:
        return None
    return (visit.lat, visit.lng)
