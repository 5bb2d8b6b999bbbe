"""Reads of institutions, their service areas and contracts."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet

from doorstep.regions.models import Region
from doorstep.regions.selectors import path_codes

from .models import Contract, Institution, ServiceArea


def directory(
    *,
    q: str | None = None,
    type: str | None = None,
    status: str | None = None,
    region: Region | None = None,
    serves: Region | None = None,
) -> QuerySet[Institution]:
    """The public directory, filtered.

    ``region``: registered inside that subtree. ``serves``: has a service area covering
    that node (the area is the node or one of its ancestors).
    """
    qs = Institution.objects.select_related("region").prefetch_related(
        Prefetch(
            "service_areas",
            queryset=ServiceArea.objects.select_related("region").order_by("region__path"),
        )
    )
    term = (q or "").strip()
    if term:
        qs = qs.filter(
            Q(name_zh__icontains=term) | Q(name_en__icontains=term) | Q(licence_number__iexact=term)
        )
    if type:
        qs = qs.filter(type=type)
    if status:
        qs = qs.filter(status=status)
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    if serves is not None:
        qs = qs.filter(pk__in=institutions_serving(serves).values("pk"))
    return qs.order_by("id")


def ancestor_paths(region: Region) -> list[str]:
    """The materialised paths of ``region`` and every node above it."""
    codes = path_codes(region.path)
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def institutions_serving(region: Region) -> QuerySet[Institution]:
    """Institutions with a service area that covers ``region`` (exact or an ancestor)."""
    return Institution.objects.filter(
        service_areas__region__path__in=ancestor_paths(region)
    ).distinct()


def contracts(institution: Institution) -> QuerySet[Contract]:
    return Contract.objects.filter(institution=institution).order_by("effective_from")


def current_contract(institution: Institution, on: dt.date) -> Contract | None:
    """The contract version in force on ``on`` (``effective_to`` is exclusive)."""
    return (
        Contract.objects.filter(institution=institution, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=on))
        .order_by("-effective_from")
        .first()
    )


def overlapping(
    institution: Institution, effective_from: dt.date, effective_to: dt.date | None
) -> QuerySet[Contract]:
    """Versions whose [from, to) interval meets [effective_from, effective_to)."""
    qs = Contract.objects.filter(institution=institution).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=effective_from)
    )
    if effective_to is not None:
        qs = qs.filter(effective_from__lt=effective_to)
    return qs.order_by("effective_from")
