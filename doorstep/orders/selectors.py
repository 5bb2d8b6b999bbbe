"""Reads of the orders app: derived order status, timelines, schedules and the pool."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from doorstep.accounts.enums import PROVIDER_ROLES
from doorstep.accounts.policy import Actor
from doorstep.people.access import PoolSummary, pool_summary
from doorstep.workforce.models import Provider

from .access import visits_visible_to
from .enums import TERMINAL, OrderStatus, VisitStatus
from .models import Order, ServiceRecord, Visit, VisitEvent

S = VisitStatus


def order_status(statuses: Iterable[str]) -> str:
    """An order's status from its visits' statuses (ADR 0013):

    * every visit rejected -> ``rejected``; every visit cancelled -> ``cancelled``;
    * every visit at rest and at least one completed/reviewed -> ``completed``;
    * every visit at rest otherwise (no-show, aborted, mixed) -> ``closed``;
    * else ``open`` (the visits carry the detail).
    """
    values = list(statuses)
    if not values:
        return OrderStatus.OPEN
    if all(s == S.REJECTED for s in values):
        return OrderStatus.REJECTED
    if all(s == S.CANCELLED for s in values):
        return OrderStatus.CANCELLED
    if all(s in TERMINAL or s == S.COMPLETED for s in values):
        if any(s in (S.COMPLETED, S.REVIEWED) for s in values):
            return OrderStatus.COMPLETED
        return OrderStatus.CLOSED
    return OrderStatus.OPEN


def next_visit(visits: Iterable[Visit]) -> Visit | None:
    """The first visit (by seq) that is not at rest."""
    for v in sorted(visits, key=lambda v: v.seq):
        if v.status not in TERMINAL and v.status != S.COMPLETED:
            return v
    return None


def timeline(order: Order) -> QuerySet[VisitEvent]:
    return (
        VisitEvent.objects.filter(visit__order=order)
        .select_related("actor", "visit")
        .order_by("at", "id")
    )


def visit_timeline(visit: Visit) -> QuerySet[VisitEvent]:
    return VisitEvent.objects.filter(visit=visit).select_related("actor").order_by("at", "id")


def schedule(
    *,
    actor: Actor,
    status: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    mine: bool = False,
) -> QuerySet[Visit]:
    """Visits the actor may see, filtered (``mine``: only the actor's assigned ones)."""
    qs = visits_visible_to(actor)
    if mine:
        qs = qs.filter(provider__user_id=actor.user_id or 0)
    if status:
        qs = qs.filter(status=status)
    if date_from:
        qs = qs.filter(window_start__date__gte=date_from)
    if date_to:
        qs = qs.filter(window_start__date__lte=date_to)
    return qs.order_by("window_start", "id")


@dataclass(frozen=True)
class PoolOffer:
    visit: Visit
    summary: PoolSummary


def open_pool_for(provider: Provider, *, limit: int = 100) -> list[PoolOffer]:
    """Pool visits of the provider's institution that the provider may take now
    (eligible, area covered, free at that time including travel, not sanctioned), each
    with the masked elder summary (no name, ID, phone or address)."""
    from .services import refusals_for

    if provider.institution_id is None or not provider.is_active:
        return []
    rows = (
        Visit.objects.filter(
            status=S.AWAITING_DISPATCH,
            provider__isnull=True,
            pool_published_at__isnull=False,
            order__institution_id=provider.institution_id,
        )
        .select_related(
            "order",
            "order__item",
            "order__institution",
            "order__elder",
            "order__elder__region",
            "order__elder__household",
            "region",
        )
        .order_by("window_start", "id")[: limit * 3]
    )
    offers: list[PoolOffer] = []
    for visit in rows:
        if refusals_for(provider, visit):
            continue
        offers.append(PoolOffer(visit=visit, summary=pool_summary(visit.order.elder)))
        if len(offers) >= limit:
            break
    return offers


def provider_for_actor(actor: Actor) -> Provider | None:
    if not actor.has(*PROVIDER_ROLES):
        return None
    return Provider.objects.filter(user_id=actor.user_id or 0).first()


def records_of_elder(elder_id: int) -> QuerySet[ServiceRecord]:
    """The service records of an elder's visits, newest first (for the elder's record page;
    the caller has already checked that the viewer may see the elder)."""
    return (
        ServiceRecord.objects.filter(visit__order__elder_id=elder_id)
        .select_related("visit", "visit__order__item", "visit__provider__user")
        .order_by("-submitted_at", "-id")
    )
