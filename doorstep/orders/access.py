"""Who may see which orders and visits (ADR 0002, ADR 0013).

Driven by ``RULES["order"]`` in ``accounts.policy``; the scopes become filters, OR-ed:

* ``all``      platform admins;
* ``region``   operators: orders of elders living in their region subtree;
* ``tenant``   institution staff: orders placed with their institution;
* ``linked``   family with an active link (``view_record`` or ``place_orders``) and an
               un-withdrawn proxy consent; the elder: their own orders (``self``);
* ``assigned`` providers: the visits assigned to them (and the orders of those visits).

Pool offers are not "visible" visits: a provider sees them only as masked summaries
(``selectors.pool_for``). Anything else answers 404.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from doorstep.accounts.enums import PROVIDER_ROLES, Role
from doorstep.accounts.policy import RULES, Actor
from doorstep.core.errors import NotFound
from doorstep.people.access import linked_elder_ids

from .enums import HOLDING_PROVIDER
from .models import Assessment, Correction, Order, Visit

RESOURCE = "order"

#: A nurse sees the elder's record from this long before an assigned visit's start ...
RECORD_ACCESS_BEFORE = dt.timedelta(hours=24)
#: ... to this long after its planned end (ADR 0013).
RECORD_ACCESS_AFTER = dt.timedelta(hours=24)


def _family_elder_ids(actor: Actor) -> list[int]:
    return linked_elder_ids(actor.user.pk, "view_record", "place_orders")


def order_filter(actor: Actor, prefix: str = "") -> Q | None:
    """Filter on ``Order`` (``prefix=""``) or on a model reaching it (``"order__"``).

    ``None`` = everything; ``Q(pk__in=[])``-like = nothing."""
    if actor.user is None:
        return Q(pk__in=[])
    table = RULES[RESOURCE]["view"]
    combined = Q(pk__in=[])
    for role in sorted(actor.roles):
        scope = table.get(role)
        if scope == "all":
            return None
        if scope == "region":
            paths = actor.region_paths(role)
            if "" in paths:
                return None
            for path in paths:
                combined |= Q(**{f"{prefix}elder__region__path__startswith": path})
        elif scope == "tenant":
            combined |= Q(**{f"{prefix}institution_id__in": actor.institution_ids(role)})
        elif scope == "linked":
            combined |= Q(**{f"{prefix}elder_id__in": _family_elder_ids(actor)})
        elif scope == "self":
            combined |= Q(**{f"{prefix}elder__user_id": actor.user.pk})
        elif scope == "assigned":
            combined |= Q(**{f"{prefix}visits__provider__user_id": actor.user.pk})
    return combined


def orders_visible_to(actor: Actor) -> QuerySet[Order]:
    qs = Order.objects.select_related("elder", "institution", "item", "package")
    q = order_filter(actor)
    if q is None:
        return qs
    qs = qs.filter(q)
    # Only the provider scope joins the visits (several rows per order): de-duplicate then.
    table = RULES[RESOURCE]["view"]
    return qs.distinct() if any(table.get(r) == "assigned" for r in actor.roles) else qs


def visit_filter(actor: Actor) -> Q | None:
    """Visits of visible orders; a provider who sees an order only through an assignment
    sees only the visits assigned to them, not the rest of the package."""
    if actor.user is None:
        return Q(pk__in=[])
    table = RULES[RESOURCE]["view"]
    non_assigned = [r for r in actor.roles if table.get(r) and table.get(r) != "assigned"]
    combined = Q(pk__in=[])
    if non_assigned:
        staff_actor = Actor(
            user=actor.user, grants=tuple(g for g in actor.grants if g.role in non_assigned)
        )
        q = order_filter(staff_actor, "order__")
        if q is None:
            return None
        combined |= q
    if any(table.get(r) == "assigned" for r in actor.roles):
        combined |= Q(provider__user_id=actor.user.pk)
    return combined


def visits_visible_to(actor: Actor) -> QuerySet[Visit]:
    qs = Visit.objects.select_related(
        "order", "order__elder", "order__item", "order__institution", "provider"
    )
    q = visit_filter(actor)
    return qs if q is None else qs.filter(q)


def access_order(*, actor: Actor, order_id: int) -> Order:
    order = orders_visible_to(actor).filter(pk=order_id).first()
    if order is None:
        raise NotFound()
    return order


def access_visit(*, actor: Actor, visit_id: int) -> Visit:
    visit = visits_visible_to(actor).filter(pk=visit_id).first()
    if visit is None:
        raise NotFound()
    return visit


def access_pool_visit(*, actor: Actor, visit_id: int) -> Visit:
    """A visit offered in the pool to a provider of its institution (accept needs it)."""
    visit = (
        Visit.objects.select_related("order", "order__item", "order__institution")
        .filter(
            pk=visit_id,
            pool_published_at__isnull=False,
            order__institution_id__in=actor.institution_ids(*PROVIDER_ROLES),
        )
        .first()
    )
    if visit is None:
        raise NotFound()
    return visit


def assessments_visible_to(actor: Actor) -> QuerySet[Assessment]:
    """Reviewers and admins of the institution (platform admins: all)."""
    qs = Assessment.objects.select_related("elder", "item", "institution")
    if actor.is_platform_admin:
        return qs
    ids = actor.institution_ids(Role.INSTITUTION_REVIEWER, Role.INSTITUTION_ADMIN)
    return qs.filter(institution_id__in=ids)


def access_assessment(*, actor: Actor, assessment_id: int) -> Assessment:
    assessment = assessments_visible_to(actor).filter(pk=assessment_id).first()
    if assessment is None:
        raise NotFound()
    return assessment


def access_correction(*, actor: Actor, correction_id: int) -> Correction:
    correction = (
        Correction.objects.select_related("visit", "visit__order").filter(pk=correction_id).first()
    )
    if correction is None:
        raise NotFound()
    q = visit_filter(actor)
    if q is not None and not Visit.objects.filter(q, pk=correction.visit_id).exists():
        raise NotFound()
    return correction


def assigned_elder_ids(actor: Actor, at: dt.datetime) -> set[int]:
    """Elders of visits assigned to ``actor`` whose window, widened by 24 h before and 24 h
    after, contains ``at`` (filled into ``people.access.assigned_elder_ids``)."""
    if actor.user is None:
        return set()
    return set(
        Visit.objects.filter(
            provider__user_id=actor.user.pk,
            status__in=sorted(HOLDING_PROVIDER),
            window_start__lte=at + RECORD_ACCESS_BEFORE,
            window_end__gte=at - RECORD_ACCESS_AFTER,
        ).values_list("order__elder_id", flat=True)
    )
