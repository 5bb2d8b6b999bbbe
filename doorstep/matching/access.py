"""Permission-checked lookups of the matching app (ADR 0002, ADR 0020).

Rules live in ``accounts.policy.RULES["matching"]`` and ``RULES["exclusion"]``. A visit or
offer the actor may not see answers 404; a visible visit the actor may not dispatch, 403.
"""

from __future__ import annotations

from doorstep.accounts.policy import Actor, scope_for
from doorstep.core.errors import Forbidden, NotFound
from doorstep.orders.access import access_visit
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
    """A visit the actor may see (else 404) and dispatch (else 403)."""
    visit = access_visit(actor=actor, visit_id=visit_id)
    if not may_dispatch(actor, visit.order.institution_id):
        raise Forbidden()
    from .selectors import load_visit

    return load_visit(visit.pk)


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
