"""Regulators: counts for their region subtree, with a row per child node."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core.errors import NotFound
from doorstep.organizations.enums import InstitutionStatus
from doorstep.regions.access import access_region_stats
from doorstep.regions.models import Region
from doorstep.regions.selectors import breadcrumb
from doorstep.regions.stats import region_counts
from doorstep.workforce.enums import VerificationStatus

from .common import role_page


def _home_regions(actor: Actor) -> list[Region]:
    """The nodes named in the actor's regulator memberships, shallowest first."""
    paths = [p for p in actor.region_paths(Role.REGULATOR) if p]
    return list(Region.objects.filter(path__in=paths).order_by("level", "code"))


@role_page(Role.REGULATOR, Role.PLATFORM_ADMIN)
def region_overview(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    homes = _home_regions(actor)
    raw = request.GET.get("region", "")
    if raw:
        if not raw.isdigit():
            raise NotFound()
        region = access_region_stats(actor=actor, region_id=int(raw))
    elif homes:
        region = homes[0]
    else:
        root = Region.objects.filter(parent=None).order_by("code").first()
        if root is None:
            raise NotFound()
        region = root
    stats = region_counts(actor, region)
    home_paths = [h.path for h in homes]
    crumbs = [
        r
        for r in breadcrumb(region)
        if actor.is_platform_admin or any(r.path.startswith(p) for p in home_paths)
    ]
    return render(
        request,
        "web/region.html",
        {
            "stats": stats,
            "crumbs": crumbs,
            "homes": homes,
            "verified": VerificationStatus.VERIFIED.value,
            "active": InstitutionStatus.ACTIVE.value,
        },
    )
