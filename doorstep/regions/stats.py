"""Counts for regulators: what lies inside a region subtree, in total and per child node.

``region_counts`` runs one grouped query per kind of row (communities, institutions,
providers, elders) and buckets the rows by the child node their region path falls under,
so the cost does not grow with the number of children.

What is counted:

* communities: level-5 nodes in the subtree (the node itself when it is one);
* institutions: by the region they are registered in, by status and by type;
* providers: active providers by home region, or by their institution's region when no
  home region is recorded; by kind and by verification status;
* elders: active elders by the community they live in; those whose household lives alone
  and those aged 80 or more on ``on`` (default today).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce

from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.core.errors import NotFound

from .access import may_view_stats
from .enums import Level
from .models import Region
from .selectors import children

AGE_OLD = 80


@dataclass
class Counts:
    communities: int = 0
    institutions: int = 0
    institutions_by_status: dict[str, int] = field(default_factory=dict)
    institutions_by_type: dict[str, int] = field(default_factory=dict)
    providers: int = 0
    providers_by_kind: dict[str, int] = field(default_factory=dict)
    providers_by_verification: dict[str, int] = field(default_factory=dict)
    elders: int = 0
    elders_living_alone: int = 0
    elders_aged_80_plus: int = 0


@dataclass
class ChildCounts:
    region: Region
    counts: Counts


@dataclass
class RegionStats:
    region: Region
    on: dt.date
    totals: Counts
    children: list[ChildCounts]


def _zeros(choices: Iterable[tuple[Any, Any]]) -> dict[str, int]:
    return {str(value): 0 for value, _label in choices}


def years_ago(on: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (28 February for 29 February)."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


class _Buckets:
    """Maps a region path inside the subtree to the Counts of the child it falls under."""

    def __init__(self, region: Region, kids: list[Region], make: Any) -> None:
        self.prefix = region.path
        self.totals: Counts = make()
        self.by_code: dict[str, Counts] = {k.code: make() for k in kids}

    def targets(self, path: str | None) -> list[Counts]:
        if not path or not path.startswith(self.prefix):
            return []
        rest = path[len(self.prefix) :]
        child = self.by_code.get(rest.split("/", 1)[0]) if rest else None
        return [self.totals, child] if child is not None else [self.totals]


def _count_communities(buckets: _Buckets) -> None:
    rows = (
        Region.objects.filter(path__startswith=buckets.prefix, level=Level.COMMUNITY)
        .values_list("path", flat=True)
        .iterator(chunk_size=5000)
    )
    for path in rows:
        for c in buckets.targets(path):
            c.communities += 1


def _count_institutions(buckets: _Buckets) -> None:
    from doorstep.organizations.models import Institution

    rows = (
        Institution.objects.filter(region__path__startswith=buckets.prefix)
        .values("region__path", "status", "type")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        for c in buckets.targets(row["region__path"]):
            c.institutions += row["n"]
            by_status, by_type = c.institutions_by_status, c.institutions_by_type
            by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
            by_type[row["type"]] = by_type.get(row["type"], 0) + row["n"]


def _count_providers(buckets: _Buckets) -> None:
    try:
        from doorstep.workforce.models import Provider
    except ImportError:  # the workforce app is not installed in this build
        return
    base = Coalesce(F("home_region__path"), F("institution__region__path"))
    rows = (
        Provider.objects.filter(is_active=True)
        .annotate(at_path=base)
        .filter(at_path__startswith=buckets.prefix)
        .values("at_path", "kind", "verification_status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        for c in buckets.targets(row["at_path"]):
            c.providers += row["n"]
            by_kind, by_ver = c.providers_by_kind, c.providers_by_verification
            by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + row["n"]
            status = row["verification_status"]
            by_ver[status] = by_ver.get(status, 0) + row["n"]


def _count_elders(buckets: _Buckets, on: dt.date) -> None:
    try:
        from doorstep.people.enums import ElderStatus
        from doorstep.people.models import Elder
    except ImportError:  # the people app is not installed in this build
        return
    born_by = years_ago(on, AGE_OLD)
    rows = (
        Elder.objects.filter(region__path__startswith=buckets.prefix, status=ElderStatus.ACTIVE)
        .values("region__path")
        .annotate(
            n=Count("id"),
            alone=Count("id", filter=Q(household__lives_alone=True)),
            old=Count("id", filter=Q(birth_date__lte=born_by)),
        )
        .order_by()
    )
    for row in rows:
        for c in buckets.targets(row["region__path"]):
            c.elders += row["n"]
            c.elders_living_alone += row["alone"]
            c.elders_aged_80_plus += row["old"]


def _make_counts() -> Any:
    from doorstep.organizations.enums import InstitutionStatus, InstitutionType

    provider_kinds: dict[str, int] = {}
    provider_statuses: dict[str, int] = {}
    try:
        from doorstep.workforce.enums import ProviderKind, VerificationStatus
    except ImportError:
        pass
    else:
        provider_kinds = _zeros(ProviderKind.choices)
        provider_statuses = _zeros(VerificationStatus.choices)

    def make() -> Counts:
        return Counts(
            institutions_by_status=_zeros(InstitutionStatus.choices),
            institutions_by_type=_zeros(InstitutionType.choices),
            providers_by_kind=dict(provider_kinds),
            providers_by_verification=dict(provider_statuses),
        )

    return make


def region_counts(actor: Actor, region: Region, *, on: dt.date | None = None) -> RegionStats:
    """Counts inside ``region``'s subtree and per child node.

    Platform admins may ask about any node, regulators about nodes inside their own
    subtree; anyone else gets ``NotFound`` (the API's 404).
    """
    if actor.user is None or not may_view_stats(actor, region):
        raise NotFound()
    day = on or clock.today()
    kids = list(children(region))
    buckets = _Buckets(region, kids, _make_counts())
    _count_communities(buckets)
    _count_institutions(buckets)
    _count_providers(buckets)
    _count_elders(buckets, day)
    return RegionStats(
        region=region,
        on=day,
        totals=buckets.totals,
        children=[ChildCounts(region=k, counts=buckets.by_code[k.code]) for k in kids],
    )
