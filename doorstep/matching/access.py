"""Permission-checked lookups of the matching app (ADR 0002, ADR 0020).

Rules live in ``accounts.policy.RULES["matching"]`` and ``RULES["exclusion"]``. A visit or
offer the actor may not see answers 404; a visible visit the actor may not dispatch, 403.
"""

from __future__ import annotations

from doorstep.accounts.policy import Actor, scope_for
from doorstep.core.errors import Forbidden, NotFound
from doorstep.orders.access import visits_visible_to
from doorstep.orders.models import Visit
from doorstep.people.access import access_elder
from doorstep.people.models import Elder

from .models import Exclusion, Offer


def may_dispatch(actor: Actor, institution_id: int) -> bool:
    scopes = scope_for(actor, "matching", "dispatch")
    if "all" in scopes:
        return True
    if "tenant" not in scopes:
        return False
    from doorstep.accounts.policy import RULES

    roles = [r for r, s in RULES["matching"]["dispatch"].items() if s == "tenant"]
    return institution_id in actor.institution_ids(*roles)


def access_visit_to_dispatch(*, actor: Actor, visit_id: int) -> Visit:
    """A visit the actor may see (else 404) and dispatch (else 403), loaded with what the
    ranking reads (order, item, elder, institution, region) in the one scoped query: the
    orders app's ``visits_visible_to`` (the rule of ``orders.access.access_visit``)."""
    visit = visits_visible_to(actor).select_related("region").filter(pk=visit_id).first()
    if visit is None:
        raise NotFound()
    if not may_dispatch(actor, visit.order.institution_id):
        raise Forbidden()
    return visit


#: What the ranking of the candidates reads of the visit, its order, item, elder,
#: institution and region (``ranking.rank_visit``, ``services.check_dispatchable``).
RANKING_FIELDS = (
    "id", "order_id", "status", "window_start", "window_end", "duration_minutes",
    "provider_id", "lat", "lng", "region_id",
    "order__id", "order__institution_id", "order__item_id", "order__elder_id",
    "order__institution__id",
    "order__item__id", "order__item__code", "order__item__eligibility_preset",
    "order__item__provider_kinds", "order__item__min_title_rank", "order__item__min_years",
    "order__item__required_certificates", "order__item__is_clinical",
    "order__elder__id", "order__elder__preferred_provider_gender", "order__elder__languages",
    "region__id", "region__path", "region__is_urban", "region__centroid_lat",
    "region__centroid_lng",
)  # fmt: skip


def access_visit_to_rank(*, actor: Actor, visit_id: int) -> Visit:
    """``access_visit_to_dispatch`` for a ranking only: the same scoped query and checks,
    loading only ``RANKING_FIELDS`` (compiling the full rows of six tables cost more CPU
    than the rest of the lookup). Anything else read from it would cost a query each."""
    visit = (
        visits_visible_to(actor)
        .select_related(None)
        .select_related("order__institution", "order__item", "order__elder", "region")
        .only(*RANKING_FIELDS)
        .filter(pk=visit_id)
        .order_by("pk")
        .first()
    )
    if visit is None:
        raise NotFound()
    if not may_dispatch(actor, visit.order.institution_id):
        raise Forbidden()
    return visit


def access_offer(*, actor: Actor, offer_id: int) -> Offer:
    """An offer made to the acting provider (anyone else: 404)."""
    if actor.user is None or not scope_for(actor, "matching", "respond"):
        raise NotFound()
    offer = (
        Offer.objects.select_related("visit", "visit__order", "provider", "provider__user")
        .filter(pk=offer_id, provider__user_id=actor.user.pk)
        .first()
    )
    if offer is None:
        raise NotFound()
    return offer


def access_elder_exclusions(*, actor: Actor, elder_id: int, action: str) -> Elder:
    """The elder whose exclusions the actor may ``view`` or ``change`` (else 404)."""
    if not scope_for(actor, "exclusion", action):
        raise NotFound()
    return access_elder(
        actor=actor, elder_id=elder_id, action="view" if action == "view" else "change",
        record_read=False,
    )  # fmt: skip


def access_exclusion(*, actor: Actor, exclusion_id: int, action: str) -> Exclusion:
    exclusion = Exclusion.objects.select_related("provider__user").filter(pk=exclusion_id).first()
    if exclusion is None:
        raise NotFound()
    access_elder_exclusions(actor=actor, elder_id=exclusion.elder_id, action=action)
    return exclusion
