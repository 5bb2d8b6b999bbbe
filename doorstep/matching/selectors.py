"""Reads of the matching app: the ranking of one visit's candidates (``ranking.py``,
ADR 0020 and its addendum) and the offers and exclusions."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from doorstep.accounts.enums import PROVIDER_ROLES
from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.orders.enums import VisitStatus
from doorstep.orders.models import Visit

from .enums import OfferStatus
from .models import Exclusion, Offer
from .ranking import (
    REFUSED_DETAIL_LIMIT,
    Candidate,
    Ranking,
    Refusal,
    Refused,
    already_offered,
    excluded_provider_ids,
    load_visit,
    rank_visit,
    visit_point,
    weights,
)

__all__ = [
    "REFUSED_DETAIL_LIMIT",
    "Candidate",
    "Ranking",
    "Refusal",
    "Refused",
    "already_offered",
    "due_offer_ids",
    "excluded_provider_ids",
    "exclusions_of",
    "load_visit",
    "offers_of_visit",
    "pending_offers_for",
    "rank_visit",
    "visit_point",
    "weights",
]


# --- offers ---------------------------------------------------------------------------------


def pending_offers_for(actor: Actor) -> QuerySet[Offer]:
    """The acting provider's offers still waiting for an answer, soonest deadline first
    (offers whose visit was meanwhile taken, cancelled or expired are left out)."""
    if actor.user is None or not actor.has(*PROVIDER_ROLES):
        return Offer.objects.none()
    return (
        Offer.objects.filter(
            provider__user_id=actor.user.pk,
            status=OfferStatus.PENDING,
            expires_at__gt=clock.now(),
            visit__status=VisitStatus.AWAITING_DISPATCH,
            visit__provider__isnull=True,
        )
        .select_related("visit", "visit__order", "visit__order__item", "visit__region")
        .order_by("expires_at", "id")
    )


def offers_of_visit(visit: Visit) -> QuerySet[Offer]:
    return Offer.objects.filter(visit=visit).select_related("provider__user").order_by("attempt")


def due_offer_ids(now: dt.datetime) -> list[int]:
    return list(
        Offer.objects.filter(status=OfferStatus.PENDING, expires_at__lte=now)
        .order_by("expires_at", "id")
        .values_list("id", flat=True)[:500]
    )


def exclusions_of(elder_id: int) -> QuerySet[Exclusion]:
    return (
        Exclusion.objects.filter(elder_id=elder_id)
        .select_related("provider__user")
        .order_by("-created_at", "-id")
    )
