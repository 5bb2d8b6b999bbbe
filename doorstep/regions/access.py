"""Permission-checked lookups of region nodes (RULES["region"], RULES["region_stats"])."""

from __future__ import annotations

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core.errors import Forbidden, NotFound

from .models import Region
from .selectors import is_within


def access_region(*, actor: Actor, region_id: int) -> Region:
    """Any authenticated user may read any node."""
    if actor.user is None:
        raise NotFound()
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        raise NotFound()
    return region


def access_region_for_change(*, actor: Actor, region_id: int) -> Region:
    """Platform admins only; others can see the node, so they get 403."""
    region = access_region(actor=actor, region_id=region_id)
    if not actor.is_platform_admin:
        raise Forbidden()
    return region


def may_view_stats(actor: Actor, region: Region) -> bool:
    if actor.is_platform_admin:
        return True
    return is_within(region, actor.region_paths(Role.REGULATOR))


def access_region_stats(*, actor: Actor, region_id: int) -> Region:
    """Platform admins anywhere; regulators inside their own subtree; others 404."""
    region = Region.objects.filter(pk=region_id).first()
    if region is None or actor.user is None or not may_view_stats(actor, region):
        raise NotFound()
    return region
