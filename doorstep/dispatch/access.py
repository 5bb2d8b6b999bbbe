"""Who may plan, see plans and set shifts (ADR 0002, ADR 0019).

Driven by ``RULES["plan_run"]`` and ``RULES["shift"]`` in ``accounts.policy``:
platform admins everything; institution admins and dispatchers their institution's runs
and providers' shifts (``tenant``); a provider sees their own shifts (``self``).
Regulators get nothing here: a plan is an operational draft; what was done is in the
orders and quality records they already read. Anything else answers 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from doorstep.accounts.policy import RULES, Actor
from doorstep.core.errors import Forbidden, NotFound
from doorstep.organizations.models import Institution
from doorstep.workforce.models import Provider

from .models import PlanRun, Shift


def _scopes(actor: Actor, resource: str, action: str) -> dict[str, set[str]]:
    """scope -> roles granting it."""
    table = RULES[resource][action]
    out: dict[str, set[str]] = {}
    for role in actor.roles:
        if role in table:
            out.setdefault(table[role], set()).add(role)
    return out


def _tenant_ids(actor: Actor, resource: str, action: str) -> set[int]:
    roles = _scopes(actor, resource, action).get("tenant", set())
    return actor.institution_ids(*roles) if roles else set()


def may_plan(actor: Actor, institution: Institution | None) -> bool:
    """May ``actor`` plan (and accept plans) for ``institution`` (None = platform-wide)?"""
    if actor.user is None:
        return False
    if "all" in _scopes(actor, "plan_run", "change"):
        return True
    return institution is not None and institution.pk in _tenant_ids(actor, "plan_run", "change")


def require_plan(actor: Actor, institution: Institution | None) -> None:
    if not may_plan(actor, institution):
        raise Forbidden()


def runs_visible_to(actor: Actor) -> QuerySet[PlanRun]:
    qs = PlanRun.objects.select_related("institution")
    if actor.user is None:
        return qs.none()
    if "all" in _scopes(actor, "plan_run", "view"):
        return qs
    return qs.filter(institution_id__in=_tenant_ids(actor, "plan_run", "view"))


def access_run(*, actor: Actor, run_id: int) -> PlanRun:
    run = runs_visible_to(actor).filter(pk=run_id).first()
    if run is None:
        raise NotFound()
    return run


def shifts_visible_to(actor: Actor) -> QuerySet[Shift]:
    qs = Shift.objects.select_related("provider")
    if actor.user is None:
        return qs.none()
    scopes = _scopes(actor, "shift", "view")
    if "all" in scopes:
        return qs
    q = Q(pk__in=[])
    if "tenant" in scopes:
        q |= Q(provider__institution_id__in=_tenant_ids(actor, "shift", "view"))
    if "self" in scopes:
        q |= Q(provider__user_id=actor.user_id)
    return qs.filter(q)


def access_shift_provider(*, actor: Actor, provider_id: int) -> Provider:
    """A provider whose shifts ``actor`` may change (404 otherwise: no existence oracle)."""
    provider = Provider.objects.filter(pk=provider_id).select_related("institution").first()
    if provider is None or actor.user is None:
        raise NotFound()
    scopes = _scopes(actor, "shift", "change")
    if "all" in scopes:
        return provider
    if provider.institution_id in _tenant_ids(actor, "shift", "change"):
        return provider
    raise NotFound()


def access_booking(
    *, actor: Actor, elder_id: int, item_id: int, institution_id: int
) -> tuple[Any, Any, Institution]:
    """The elder, item and institution of a booking ``actor`` may make (``place_order``'s
    rule, ``orders.services.may_book``) where the institution offers the item at the
    elder's home; else ``NotFound`` (ADR 0032)."""
    from doorstep.catalog.access import access_item
    from doorstep.catalog.selectors import offerings_for
    from doorstep.orders.services import may_book
    from doorstep.people.models import Elder

    elder = Elder.objects.select_related("region").filter(pk=elder_id).first()
    institution = Institution.objects.filter(pk=institution_id).first()
    if elder is None or institution is None or not may_book(actor, elder, institution):
        raise NotFound()
    item = access_item(actor=actor, item_id=item_id)
    if not any(o.institution_id == institution.pk for o in offerings_for(item, elder.region)):
        raise NotFound(details={"institution_id": institution_id})
    return elder, item, institution
