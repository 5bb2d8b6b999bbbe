"""Permission-checked lookups of the matching app (ADR 0002, ADR 0020).

Rules live in ``accounts.policy.RULES["matching"]`` and ``RULES["exclusion"]``. A visit or
offer the actor may not see answers 404; a visible visit the actor may not dispatch, 403.
"""

from __future__ import annotations

from typing import cast

from django.db.models import Model

from doorstep.accounts.policy import Actor, scope_for
from doorstep.catalog.models import ServiceItem
from doorstep.core import sql
from doorstep.core.errors import Forbidden, NotFound
from doorstep.orders.access import visits_visible_to
from doorstep.orders.models import Order, Visit
from doorstep.organizations.models import Institution, ServiceArea
from doorstep.people.access import access_elder
from doorstep.people.models import Elder
from doorstep.regions.models import Region

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


#: What the ranking of the candidates reads of the visit, its order, item, elder and region
#: (``ranking.rank_visit``, ``services.check_dispatchable``), per model in column order.
RANKING_COLUMNS: tuple[tuple[type[Model], str, tuple[str, ...]], ...] = (
    (Visit, "v", ("id", "order_id", "status", "window_start", "window_end", "duration_minutes",
                  "provider_id", "lat", "lng", "region_id")),
    (Order, "o", ("id", "institution_id", "item_id", "elder_id")),
    (ServiceItem, "i", ("id", "code", "eligibility_preset", "provider_kinds", "min_title_rank",
                        "min_years", "required_certificates", "is_clinical")),
    (Elder, "e", ("id", "preferred_provider_gender", "languages")),
    (Region, "r", ("id", "path", "is_urban", "centroid_lat", "centroid_lng")),
)  # fmt: skip


def _lookup_sql() -> str:
    """One statement, its text the same for every visit (prepared, ADR 0036): the columns
    of ``RANKING_COLUMNS`` and whether one of the institution's service areas covers the
    visit's region (``catalog.selectors.region_in_service_areas``: an area's path is a
    prefix of the region's)."""

    def build() -> str:
        col, table = sql.column, sql.table
        cols = ", ".join(col(m, n, a) for m, a, names in RANKING_COLUMNS for n in names)
        return (
            f"SELECT {cols}, (CASE WHEN EXISTS (SELECT 1 FROM {table(ServiceArea)} sa "  # noqa: S608
            f"JOIN {table(Region)} ar ON {col(Region, 'id', 'ar')} "
            f"= {col(ServiceArea, 'region_id', 'sa')} "
            f"WHERE {col(ServiceArea, 'institution_id', 'sa')} "
            f"= {col(Order, 'institution_id', 'o')} "
            f"AND SUBSTR({col(Region, 'path', 'r')}, 1, LENGTH({col(Region, 'path', 'ar')})) "
            f"= {col(Region, 'path', 'ar')}) THEN 1 ELSE 0 END) "
            f"FROM {table(Visit)} v "
            f"JOIN {table(Order)} o ON {col(Order, 'id', 'o')} = {col(Visit, 'order_id', 'v')} "
            f"JOIN {table(ServiceItem)} i ON {col(ServiceItem, 'id', 'i')} "
            f"= {col(Order, 'item_id', 'o')} "
            f"JOIN {table(Elder)} e ON {col(Elder, 'id', 'e')} = {col(Order, 'elder_id', 'o')} "
            f"JOIN {table(Region)} r ON {col(Region, 'id', 'r')} = {col(Visit, 'region_id', 'v')} "
            f"WHERE {col(Visit, 'id', 'v')} = %s"
        )

    return sql.text("matching.visit_to_rank", build)


def access_visit_to_rank(*, actor: Actor, visit_id: int) -> tuple[Visit, bool]:
    """``access_visit_to_dispatch`` for a ranking only, and whether the institution serves
    the visit's region: the same answers (404, 403) in one prepared statement that loads
    only ``RANKING_COLUMNS`` (anything else read from the visit costs a query).

    The statement reads the visit by id; the actor's right to *dispatch* for its
    institution then stands for the scoped lookup, because every role that may dispatch
    for an institution sees its orders (``test_access`` holds the policy tables to that).
    Only a refusal runs the scoped ``orders`` query, to tell a visit the actor may see
    (403) from one it may not (404)."""
    rows = sql.fetchall(_lookup_sql(), [visit_id])
    if not rows:
        raise NotFound()
    row, pos, loaded = rows[0], 0, []
    for model, _alias, names in RANKING_COLUMNS:
        loaded.append(sql.instance(model, names, row[pos : pos + len(names)]))
        pos += len(names)
    visit, order = cast(Visit, loaded[0]), cast(Order, loaded[1])
    item, elder, region = cast(ServiceItem, loaded[2]), cast(Elder, loaded[3]), loaded[4]
    if not may_dispatch(actor, order.institution_id):
        if visits_visible_to(actor).filter(pk=visit_id).exists():
            raise Forbidden()
        raise NotFound()
    order.institution = sql.instance(Institution, ("id",), (order.institution_id,))
    order.item, order.elder = item, elder
    visit.order, visit.region = order, cast(Region, region)
    return visit, bool(row[pos])


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
