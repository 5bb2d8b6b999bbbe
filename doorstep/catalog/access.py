"""Permission-checked lookups of the catalogue, per ``RULES["offering"]`` (ADR 0002, 0012).

Catalogue reads (categories, items, packages, caps) are open to any authenticated user.
An institution's offerings are managed by that institution's admins (and platform
admins); anyone else gets 404 for them (no existence oracle).
"""

from __future__ import annotations

from django.db.models import QuerySet

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core.errors import NotFound
from doorstep.organizations.models import Institution

from . import selectors
from .models import Offering, ServiceItem, ServicePackage


def _managed_institution_ids(actor: Actor) -> set[int] | None:
    """Institutions whose offerings ``actor`` manages; ``None`` = all (platform admin)."""
    if actor.user is None:
        return set()
    if actor.is_platform_admin:
        return None
    return actor.institution_ids(Role.INSTITUTION_ADMIN)


def access_institution_offerings(*, actor: Actor, institution_id: int) -> Institution:
    """The institution whose offerings ``actor`` may see and change; else 404."""
    ids = _managed_institution_ids(actor)
    if ids is not None and institution_id not in ids:
        raise NotFound()
    inst = Institution.objects.select_related("region").filter(pk=institution_id).first()
    if inst is None:
        raise NotFound()
    return inst


def offerings_for(actor: Actor) -> QuerySet[Offering]:
    ids = _managed_institution_ids(actor)
    qs = Offering.objects.select_related("item", "region", "institution")
    return qs if ids is None else qs.filter(institution_id__in=sorted(ids))


def access_offering(*, actor: Actor, offering_id: int) -> Offering:
    offering = offerings_for(actor).filter(pk=offering_id).first()
    if offering is None:
        raise NotFound()
    return offering


def access_item(*, actor: Actor, item_id: int) -> ServiceItem:
    """An item; withdrawn items only for platform admins. Remembered per catalogue
    generation (``memo``): the row is shared between requests, treat it as read-only."""
    item = selectors.item_by_id(item_id)
    if item is None or not (item.is_active or actor.is_platform_admin):
        raise NotFound(details={"item_id": item_id})
    return item


def access_package(*, actor: Actor, package_id: int) -> ServicePackage:
    qs = ServicePackage.objects.select_related("item", "item__category")
    if not actor.is_platform_admin:
        qs = qs.filter(is_active=True, item__is_active=True)
    package = qs.filter(pk=package_id).first()
    if package is None:
        raise NotFound(details={"package_id": package_id})
    return package
