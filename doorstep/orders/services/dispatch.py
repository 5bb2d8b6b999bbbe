"""Assignment by the dispatcher and the open pool; eligibility, overlap and travel time
(ADR 0013)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.policy import Actor
from doorstep.core import clock, geo
from doorstep.core.errors import Forbidden, NotFound
from doorstep.workforce import eligibility
from doorstep.workforce.enums import TransportMode
from doorstep.workforce.models import Provider
from doorstep.workforce.selectors import provider_facts, reason_text

from .. import errors
from ..enums import (
    HOLDING_PROVIDER,
    can_transition,
)
from ..models import (
    Visit,
    arrival_window,
)
from ._common import (
    DISPATCH_ROLES,
    SPEED_KMH,
    S,
    _dispatch_hook,
    _event,
    _is_staff_of,
    _lock_visit,
    _notify_patient,
    _on_commit_notify,
    _point,
    _provider_of,
    _quality_hook,
    _transition,
)
from .booking import requirement_for

# --- assignment ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def travel_minutes(provider: Provider, a: tuple[float, float], b: tuple[float, float]) -> float:
    """Minutes to travel from ``a`` to ``b`` (haversine km / the mode's speed)."""
    return minutes_for_km(provider.transport_mode, geo.haversine_km(a[0], a[1], b[0], b[1]))


def minutes_for_km(mode: str, km: float) -> float:
    """``travel_minutes`` for a distance already known, by transport ``mode``."""
    return km / SPEED_KMH.get(mode, SPEED_KMH[TransportMode.E_BIKE]) * 60.0


def _room(first: Visit, then: Visit, slack: dt.timedelta) -> float:
    """Minutes between the end of ``first`` begun at its booked start and the latest
    on-time start of ``then`` (negative: they cannot follow each other)."""
    return (then.window_start + slack - first.window_end).total_seconds() / 60


def schedule_conflicts(provider: Provider, visit: Visit) -> list[dict[str, Any]]:
    """Other visits of ``provider`` (as the visit's provider or as the second provider of
    a two-provider visit) that cannot be served with ``visit``, one after the other, each
    begun inside its arrival window (from the booked start to ``arrival_window()`` later,
    ADR 0037): ``overlap`` when not even back to back, ``travel`` when there is too little
    time to travel between the two homes. Each pair is checked in the better of its two
    orders; when every pair fits, the whole day in booked order (``late_in_chain``) must
    still fit, else the visit it pushes too late (or, when ``visit`` itself is, the one
    before it) is the conflict."""
    margin = dt.timedelta(hours=12)
    lo, hi = visit.window_start - margin, visit.window_end + margin
    mine = Q(provider=provider)
    second = _dispatch_hook("second_provider_visit_id_query")
    if second is not None:  # visits the provider holds as second provider (ADR 0019)
        mine |= Q(pk__in=second(provider.pk))
    others = (
        Visit.objects.filter(mine)
        .filter(status__in=sorted(HOLDING_PROVIDER), window_start__lt=hi, window_end__gt=lo)
        .exclude(pk=visit.pk)
    )
    found: list[dict[str, Any]] = []
    here = _point(visit)
    slack = arrival_window()
    day = list(others.order_by("window_start", "window_end", "pk"))
    for other in day:
        gap = max(_room(other, visit, slack), _room(visit, other, slack))
        if gap < 0:
            found.append({"visit_id": other.pk, "kind": "overlap"})
            continue
        there = _point(other)
        if here is None or there is None:
            continue
        need = travel_minutes(provider, there, here)
        if need > gap:
            found.append(
                {
                    "visit_id": other.pk,
                    "kind": "travel",
                    "travel_minutes": math.ceil(need),
                    "gap_minutes": int(gap),
                }
            )
    if found or not day:
        return found

    def minutes(a: Visit, b: Visit) -> float:
        pa, pb = _point(a), _point(b)
        return 0.0 if pa is None or pb is None else travel_minutes(provider, pa, pb)

    key = lambda v: (v.window_start, v.window_end, v.pk)  # noqa: E731
    if late_in_chain(day, slack, minutes) is not None:
        return found  # the day did not fit before (older bookings): pairs only
    chain = sorted([*day, visit], key=key)
    late = late_in_chain(chain, slack, minutes)
    if late is None:
        return found
    blamed = chain[late] if chain[late] is not visit else chain[late - 1]
    kind = "travel" if late_in_chain(chain, slack, lambda a, b: 0.0) is None else "overlap"
    found.append({"visit_id": blamed.pk, "kind": kind})
    return found


def late_in_chain(
    visits: list[Visit],
    slack: dt.timedelta,
    minutes: Callable[[Visit, Visit], float],
) -> int | None:
    """The index of the first of ``visits`` (in booked order) that cannot begin by its
    booked start + ``slack`` when each is begun as early as possible, ``minutes(a, b)``
    travel between consecutive ones; ``None``: all on time."""
    ready: dt.datetime | None = None
    prev: Visit | None = None
    for i, v in enumerate(visits):
        begin = v.window_start
        if ready is not None and prev is not None:
            begin = max(begin, ready + dt.timedelta(minutes=minutes(prev, v)))
        if begin > v.window_start + slack:
            return i
        ready, prev = begin + (v.window_end - v.window_start), v
    return None


def refusals_for(provider: Provider, visit: Visit) -> list[Refusal]:
    """Why ``provider`` may not take ``visit`` (empty: they may)."""
    order = visit.order
    out: list[Refusal] = []
    decision = eligibility.check(
        provider_facts(provider), requirement_for(order.item), visit.window_start.date()
    )
    out.extend(Refusal(r.code, reason_text(r)) for r in decision.reasons)
    from doorstep.catalog.selectors import region_in_service_areas

    if not region_in_service_areas(order.institution, visit.region):
        out.append(Refusal("area_not_covered", str(_("The institution does not serve this area."))))
    conflicts = schedule_conflicts(provider, visit)
    if any(c["kind"] == "overlap" for c in conflicts):
        out.append(
            Refusal("schedule_overlap", str(_("The provider has another visit at that time.")))
        )
    if any(c["kind"] == "travel" for c in conflicts):
        out.append(
            Refusal(
                "travel_time",
                str(_("There is not enough time to travel from or to the provider's other visit.")),
            )
        )
    block = _quality_hook("assignment_block_reason")
    reason = block(provider) if block else None
    if reason:
        out.append(Refusal(reason, str(_("The provider is suspended or removed."))))
    return out


def _refuse_if_ineligible(provider: Provider, visit: Visit) -> None:
    refusals = refusals_for(provider, visit)
    if refusals:
        raise errors.ProviderNotEligible(details={"reasons": [r.as_dict() for r in refusals]})


def assign_provider(*, actor: Actor, visit: Visit, provider: Provider) -> Visit:
    """The institution's dispatcher assigns an eligible provider of the institution."""
    if not _is_staff_of(actor, visit.order.institution_id, DISPATCH_ROLES):
        raise Forbidden()
    if provider.institution_id != visit.order.institution_id:
        raise NotFound()
    with transaction.atomic():
        # Lock the provider first: two assignments of one provider serialise here, so the
        # overlap check below cannot be raced.
        provider = Provider.objects.select_for_update().get(pk=provider.pk)
        locked = _lock_visit(visit.pk)
        if not can_transition(locked.status, S.ASSIGNED) or locked.provider_id is not None:
            raise errors.IllegalTransition(details={"from": locked.status, "to": S.ASSIGNED})
        _refuse_if_ineligible(provider, locked)
        locked.provider = provider
        locked.assigned_at = clock.now()
        _transition(
            visit=locked,
            to=S.ASSIGNED,
            actor=actor,
            details={"provider": provider.pk, "via": "dispatcher"},
            changed=["provider", "assigned_at"],
        )
        _on_commit_notify(
            recipient=provider.user,
            kind="orders.visit_assigned",
            title=_("A visit was assigned to you"),
            body="",
            link=f"/visits/{locked.pk}",
        )
        _notify_patient(locked.order, "orders.visit_assigned", _("A provider was assigned"))
    return locked


def publish_to_pool(*, actor: Actor, visit: Visit) -> Visit:
    """Offer an unassigned visit to the institution's eligible providers."""
    if not _is_staff_of(actor, visit.order.institution_id, DISPATCH_ROLES):
        raise Forbidden()
    with transaction.atomic():
        locked = _lock_visit(visit.pk)
        if locked.status != S.AWAITING_DISPATCH or locked.provider_id is not None:
            raise errors.IllegalTransition(details={"from": locked.status, "to": "pool"})
        if locked.pool_published_at is None:
            locked.pool_published_at = clock.now()
            locked.save(update_fields=["pool_published_at"])
            _event(
                visit=locked,
                from_status=locked.status,
                to_status=locked.status,
                actor=actor,
                details={"published": True},
                changed=["pool_published_at"],
                action="visit.published",
            )
    return locked


def accept_from_pool(*, actor: Actor, visit: Visit) -> Visit:
    """A provider takes a pool visit. Exactly one wins: the provider row is locked (no
    overlapping visits of one provider) and the visit is taken with a conditional
    ``UPDATE ... WHERE status='awaiting_dispatch' AND provider_id IS NULL``; every loser
    gets 409 ``already_taken``."""
    provider = _provider_of(actor)
    if provider.institution_id != visit.order.institution_id:
        raise NotFound()
    with transaction.atomic():
        provider = Provider.objects.select_for_update().get(pk=provider.pk)
        current = Visit.objects.select_related("order", "order__item", "order__institution").get(
            pk=visit.pk
        )
        if current.provider_id is not None or current.status != S.AWAITING_DISPATCH:
            raise errors.AlreadyTaken()
        if current.pool_published_at is None:
            raise errors.NotInPool()
        _refuse_if_ineligible(provider, current)
        now = clock.now()
        taken = Visit.objects.filter(
            pk=current.pk,
            status=S.AWAITING_DISPATCH,
            provider__isnull=True,
            pool_published_at__isnull=False,
        ).update(status=S.ASSIGNED, provider=provider, assigned_at=now)
        if taken != 1:
            raise errors.AlreadyTaken()
        current.status, current.provider, current.assigned_at = S.ASSIGNED, provider, now
        _event(
            visit=current,
            from_status=S.AWAITING_DISPATCH,
            to_status=S.ASSIGNED,
            actor=actor,
            at=now,
            details={"provider": provider.pk, "via": "pool"},
            changed=["status", "provider", "assigned_at"],
        )
        _notify_patient(current.order, "orders.visit_assigned", _("A provider was assigned"))
    return current


def unassign_provider(*, actor: Actor, visit: Visit, reason: str) -> Visit:
    """The institution's dispatcher takes an assigned visit back before the provider sets
    off (assigned -> awaiting_dispatch): the provider (and a second provider of a
    two-provider visit) is released and told. From ``en_route`` on it is too late
    (409 ``unassign_not_allowed``); a reason is required. Nothing changes on refusal."""
    if not _is_staff_of(actor, visit.order.institution_id, DISPATCH_ROLES):
        raise Forbidden()
    if not reason.strip():
        raise errors.ReasonRequired(details={"field": "reason"})
    with transaction.atomic():
        locked = _lock_visit(visit.pk)
        if locked.status != S.ASSIGNED or not can_transition(locked.status, S.AWAITING_DISPATCH):
            raise errors.NotUnassignable(details={"from": locked.status})
        old_provider = locked.provider_id
        seconds = _dispatch_hook("second_provider_ids_of")
        second_ids = sorted(seconds([locked.pk]).get(locked.pk, set())) if seconds else []
        locked.status = S.AWAITING_DISPATCH
        locked.provider = None
        locked.assigned_at = None
        locked.pool_published_at = None
        changed = ["status", "provider", "assigned_at", "pool_published_at"]
        locked.save(update_fields=changed)
        _event(
            visit=locked,
            from_status=S.ASSIGNED,
            to_status=S.AWAITING_DISPATCH,
            actor=actor,
            reason=reason.strip(),
            details={"provider": old_provider, "second_providers": second_ids, "via": "unassign"},
            changed=changed,
            action="visit.unassigned",
        )
        for row in Provider.objects.filter(pk__in=[old_provider, *second_ids]).select_related(
            "user"
        ):
            _on_commit_notify(
                recipient=row.user,
                kind="orders.visit_unassigned",
                title=_("A visit was taken back from you"),
                body=reason.strip(),
                link=f"/visits/{locked.pk}",
            )
    return locked
