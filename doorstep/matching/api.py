"""Instant matching: candidates with reasons, offers and their answers, exclusions
(/api/v1/, ADR 0020). Handlers only parse, look up through ``access``, call ``services``
or ``selectors`` and render."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language, gettext
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status
from pydantic import BaseModel, ConfigDict

from doorstep.core.api import ERRORS, actor_of
from doorstep.core.errors import NotFound
from doorstep.workforce.models import Provider

from . import selectors, services
from .access import (
    access_elder_exclusions,
    access_exclusion,
    access_offer,
    access_visit_to_dispatch,
    access_visit_to_rank,
)
from .enums import OfferStatus
from .models import Exclusion, Offer

router = Router(tags=["matching"])


def _examples(*items: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(items)})


# --- schemas --------------------------------------------------------------------------------


class _Plain(BaseModel):
    """An output schema filled from plain dicts (``_ranking``): pydantic alone validates
    it, without Ninja ``Schema``'s per-object attribute adapter (a ranking has hundreds of
    nested objects; the JSON schema is the same)."""


class TermOut(_Plain):
    code: str
    label: str
    value: float
    normalised: float
    weight: float
    points: float


class RefusalOut(_Plain):
    code: str
    message: str


class CandidateOut(_Plain):
    rank: int
    provider_id: int
    name: str
    kind: str
    score: float
    eta_minutes: float
    distance_km: float
    terms: list[TermOut]


class RefusedOut(_Plain):
    provider_id: int
    name: str
    reasons: list[RefusalOut]


class RankingOut(_Plain):
    visit_id: int
    considered: int
    screened_in: int
    team_median_minutes: float
    blocked: list[RefusalOut]
    candidates: list[CandidateOut]
    #: The nearest refused providers (at most 20) and every exact-check refusal.
    refused: list[RefusedOut]
    #: Providers refused for each reason, over everyone considered.
    refused_counts: dict[str, int]

    model_config = _examples(
        {
            "visit_id": 812,
            "considered": 14,
            "screened_in": 9,
            "team_median_minutes": 240.0,
            "blocked": [],
            "candidates": [
                {
                    "rank": 1,
                    "provider_id": 31,
                    "name": "陈静",
                    "kind": "nurse",
                    "score": 0.7125,
                    "eta_minutes": 6.0,
                    "distance_km": 1.8,
                    "terms": [
                        {"code": "eta", "label": "Travel time", "value": 6.0,
                         "normalised": 0.9, "weight": 0.35, "points": 0.315},
                    ],
                }
            ],
            "refused": [
                {
                    "provider_id": 40,
                    "name": "王芳",
                    "reasons": [
                        {"code": "daily_cap", "message":
                         "The visit would take the provider over their daily working time."}
                    ],
                }
            ],
            "refused_counts": {"daily_cap": 1, "outside_radius": 4},
        }
    )  # fmt: skip


class OfferIn(Schema):
    urgent: bool = False

    model_config = _examples({"urgent": False}, {"urgent": True})


class OfferOut(Schema):
    id: int
    visit_id: int
    provider_id: int
    attempt: int
    status: str
    status_label: str
    score: float
    eta_minutes: float
    terms: list[TermOut]
    offered_at: dt.datetime
    expires_at: dt.datetime
    responded_at: dt.datetime | None
    item_name: str
    window_start: dt.datetime
    window_end: dt.datetime
    duration_minutes: int

    @staticmethod
    def resolve_status_label(obj: Offer) -> str:
        return str(OfferStatus(obj.status).label)

    @staticmethod
    def resolve_terms(obj: Offer) -> list[dict[str, Any]]:
        return [{**t, "label": gettext(str(t.get("label", "")))} for t in obj.reasons]

    @staticmethod
    def resolve_item_name(obj: Offer) -> str:
        item = obj.visit.order.item
        return item.name_en if (get_language() or "").startswith("en") else item.name_zh

    @staticmethod
    def resolve_window_start(obj: Offer) -> dt.datetime:
        return obj.visit.window_start

    @staticmethod
    def resolve_window_end(obj: Offer) -> dt.datetime:
        return obj.visit.window_end

    @staticmethod
    def resolve_duration_minutes(obj: Offer) -> int:
        return obj.visit.duration_minutes


class OutcomeOut(Schema):
    mode: str
    visit_id: int
    visit_status: str
    provider_id: int | None
    offer: OfferOut | None

    model_config = _examples(
        {"mode": "offered", "visit_id": 812, "visit_status": "awaiting_dispatch",
         "provider_id": None, "offer": None},
        {"mode": "assigned", "visit_id": 812, "visit_status": "assigned",
         "provider_id": 31, "offer": None},
        {"mode": "pool", "visit_id": 812, "visit_status": "awaiting_dispatch",
         "provider_id": None, "offer": None},
    )  # fmt: skip


class ExclusionIn(Schema):
    provider_id: int
    reason: str

    model_config = _examples({"provider_id": 31, "reason": "The elder felt rushed last time."})


class ExclusionOut(Schema):
    id: int
    elder_id: int
    provider_id: int
    provider_name: str
    reason: str
    status: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @staticmethod
    def resolve_provider_name(obj: Exclusion) -> str:
        return obj.provider.user.display_name or ""


# --- rendering ------------------------------------------------------------------------------


def _ranking(r: selectors.Ranking) -> dict[str, Any]:
    return {
        "visit_id": r.visit.pk,
        "considered": r.considered,
        "screened_in": r.screened_in,
        "refused_counts": r.refused_counts,
        "team_median_minutes": r.team_median_minutes,
        "blocked": [b.as_dict() for b in r.blocked],
        "candidates": [
            {
                "rank": i,
                "provider_id": c.provider_id,
                "name": c.name,
                "kind": c.kind,
                "score": c.ranked.score,
                "eta_minutes": c.ranked.eta_minutes,
                "distance_km": c.distance_km,
                "terms": [{**t.as_dict(), "label": gettext(t.label)} for t in c.ranked.terms],
            }
            for i, c in enumerate(r.candidates, start=1)
        ],
        "refused": [
            {"provider_id": x.provider_id, "name": x.name, "reasons": [y.as_dict() for y in x.reasons]}
            for x in r.refused
        ],
    }  # fmt: skip


def _outcome(o: services.Outcome) -> dict[str, Any]:
    offer = None
    if o.offer is not None and o.offer.status == OfferStatus.PENDING:
        offer = Offer.objects.select_related("visit__order__item").get(pk=o.offer.pk)
    return {
        "mode": o.mode,
        "visit_id": o.visit.pk,
        "visit_status": o.visit.status,
        "provider_id": o.visit.provider_id,
        "offer": offer,
    }


# --- routes ---------------------------------------------------------------------------------


@router.get("/visits/{visit_id}/candidates", response={200: RankingOut, **ERRORS})
def candidates(request: HttpRequest, visit_id: int, limit: int = 5) -> Any:
    """The visit's best candidates (score terms, ETA) and the providers refused with every
    reason; for the institution's dispatchers."""
    actor = actor_of(request)
    visit, covered = access_visit_to_rank(actor=actor, visit_id=visit_id)
    services.check_dispatchable(visit)
    ranking = selectors.rank_visit(visit, limit=max(1, min(limit, 20)), area_covered=covered)
    return _ranking(ranking)


@router.post("/visits/{visit_id}/offer", response={200: OutcomeOut, **ERRORS})
def offer(request: HttpRequest, visit_id: int, payload: OfferIn) -> Any:
    """Offer the visit to its best candidate (they have ``MATCHING_OFFER_TIMEOUT_SECONDS``
    to answer), or with ``urgent`` assign the nearest eligible provider now."""
    actor = actor_of(request)
    visit = access_visit_to_dispatch(actor=actor, visit_id=visit_id)
    return _outcome(services.offer_visit(actor=actor, visit=visit, urgent=payload.urgent))


@router.get("/offers", response=list[OfferOut])
@paginate(LimitOffsetPagination)
def my_offers(request: HttpRequest) -> Any:
    """The acting provider's offers waiting for an answer."""
    return selectors.pending_offers_for(actor_of(request))


@router.post("/offers/{offer_id}/accept", response={200: OutcomeOut, **ERRORS})
def accept(request: HttpRequest, offer_id: int) -> Any:
    actor = actor_of(request)
    found = access_offer(actor=actor, offer_id=offer_id)
    return _outcome(services.respond(actor=actor, offer=found, accept=True))


@router.post("/offers/{offer_id}/decline", response={200: OutcomeOut, **ERRORS})
def decline(request: HttpRequest, offer_id: int) -> Any:
    actor = actor_of(request)
    found = access_offer(actor=actor, offer_id=offer_id)
    outcome = services.respond(actor=actor, offer=found, accept=False)
    # The provider learns only that the visit moved on, not to whom.
    return {**_outcome(outcome), "offer": None, "provider_id": None}


@router.get("/elders/{elder_id}/exclusions", response={200: list[ExclusionOut], **ERRORS})
def list_exclusions(request: HttpRequest, elder_id: int) -> Any:
    actor = actor_of(request)
    elder = access_elder_exclusions(actor=actor, elder_id=elder_id, action="view")
    return list(selectors.exclusions_of(elder.pk))


@router.post("/elders/{elder_id}/exclusions", response={201: ExclusionOut, **ERRORS})
def add_exclusion(request: HttpRequest, elder_id: int, payload: ExclusionIn) -> Any:
    actor = actor_of(request)
    elder = access_elder_exclusions(actor=actor, elder_id=elder_id, action="change")
    provider = Provider.objects.select_related("user").filter(pk=payload.provider_id).first()
    if provider is None:
        raise NotFound()
    exclusion = services.exclude_provider(
        actor=actor, elder=elder, provider=provider, reason=payload.reason
    )
    return Status(201, exclusion)


@router.post("/exclusions/{exclusion_id}/revoke", response={200: ExclusionOut, **ERRORS})
def revoke_exclusion(request: HttpRequest, exclusion_id: int) -> Any:
    actor = actor_of(request)
    exclusion = access_exclusion(actor=actor, exclusion_id=exclusion_id, action="change")
    return services.revoke_exclusion(actor=actor, exclusion=exclusion)
