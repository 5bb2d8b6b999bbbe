"""Nurses and caregivers: the visits offered to them one at a time by instant matching
(ADR 0020). Each offer shows the service, the time window, the district, the distance and
travel time from the provider's home base, the risk flags and the time left to answer;
the provider accepts (the visit goes to their schedule) or declines with a reason (the
next candidate is asked). Answers go through ``matching.services.respond``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.accounts.policy import Actor
from doorstep.core import clock, geo
from doorstep.core.errors import ApplicationError
from doorstep.matching import selectors, services
from doorstep.matching.access import access_offer
from doorstep.matching.enums import DeclineReason
from doorstep.matching.models import Offer
from doorstep.orders.selectors import provider_for_actor
from doorstep.people.access import pool_summary
from doorstep.regions.models import Region

from .common import role_page
from .loop_common import PROVIDERS, error_text


@dataclass(frozen=True)
class OfferRow:
    offer: Offer
    district: str
    distance_km: float | None
    risk_flags: list[str]
    seconds_left: int

    @property
    def time_left(self) -> str:
        minutes, seconds = divmod(max(0, self.seconds_left), 60)
        return f"{minutes}:{seconds:02d}"


DISTRICT_LEVEL = 3


def _district(region: Region) -> Region:
    """The district a visit's region (community, street or district) lies in."""
    while region.level > DISTRICT_LEVEL and region.parent is not None:
        region = region.parent
    return region


def _rows(actor: Actor) -> list[OfferRow]:
    provider = provider_for_actor(actor)
    home = None
    if provider is not None and provider.home_lat is not None and provider.home_lng is not None:
        home = (provider.home_lat, provider.home_lng)
    now = clock.now()
    rows = []
    offers = selectors.pending_offers_for(actor).select_related(
        "visit__order__elder__household",
        "visit__order__elder__region",
        "visit__region__parent__parent",
    )
    for offer in offers:
        visit = offer.visit
        point = selectors.visit_point(visit)
        km = None
        if home is not None and point is not None:
            km = round(geo.haversine_km(home[0], home[1], point[0], point[1]), 1)
        flags = list(visit.risk_flags or [])
        flags += [f for f in pool_summary(visit.order.elder).risk_flags if f not in flags]
        rows.append(
            OfferRow(
                offer=offer,
                district=_district(visit.region).name,
                distance_km=km,
                risk_flags=flags,
                seconds_left=int((offer.expires_at - now).total_seconds()),
            )
        )
    return rows


@role_page(*PROVIDERS)
def offers(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The list; HTMX refreshes the list part every few seconds (time left, new offers)."""
    context: dict[str, Any] = {"rows": _rows(actor), "reasons": DeclineReason.choices}
    if request.headers.get("HX-Request"):
        return render(request, "web/offers_list.html", context)
    return render(request, "web/offers.html", context)


@require_POST
@role_page(*PROVIDERS)
def offer_accept(request: HttpRequest, offer_id: int, *, actor: Actor) -> HttpResponse:
    offer = access_offer(actor=actor, offer_id=offer_id)
    try:
        outcome = services.respond(actor=actor, offer=offer, accept=True)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect("web:offers")
    messages.success(request, _("The visit is yours. It is now in your schedule."))
    return redirect("web:visit", visit_id=outcome.visit.pk)


@require_POST
@role_page(*PROVIDERS)
def offer_decline(request: HttpRequest, offer_id: int, *, actor: Actor) -> HttpResponse:
    offer = access_offer(actor=actor, offer_id=offer_id)
    reason = request.POST.get("reason", "")
    if reason not in DeclineReason.values:
        messages.error(request, _("Choose one of the listed reasons for declining."))
        return redirect("web:offers")
    try:
        services.respond(actor=actor, offer=offer, accept=False, reason=reason)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect("web:offers")
    messages.success(request, _("You declined the visit. It will be offered to someone else."))
    return redirect("web:offers")
