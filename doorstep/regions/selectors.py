"""Reads of the region tree. Any authenticated user may read regions (RULES["region"]).

Subtrees are one prefix query on the materialised path (``path__startswith``), which
PostgreSQL answers from the ``varchar_pattern_ops`` index Django adds to ``path``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from . import geojson
from .enums import Level
from .models import Region


def children(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(parent=region).order_by("code")


def subtree(region: Region, *, include_self: bool = True) -> QuerySet[Region]:
    qs = Region.objects.filter(path__startswith=region.path)
    return qs if include_self else qs.exclude(pk=region.pk)


def path_codes(path: str) -> list[str]:
    """``/330000/330200/`` -> ``["330000", "330200"]``."""
    return [c for c in path.split("/") if c]


def ancestors(region: Region) -> list[Region]:
    """The nodes above ``region``, root first (one query)."""
    codes = path_codes(region.path)[:-1]
    if not codes:
        return []
    return list(Region.objects.filter(code__in=codes).order_by("level"))


def breadcrumb(region: Region) -> list[Region]:
    """Root first, ending with ``region`` itself."""
    return [*ancestors(region), region]


def is_within(region: Region, paths: list[str]) -> bool:
    """True when ``region`` lies in one of the subtrees named by materialised ``paths``."""
    return any(region.path.startswith(p) for p in paths)


def search(
    *, q: str | None = None, level: int | None = None, parent_id: int | None = None
) -> QuerySet[Region]:
    """Nodes whose name (Chinese or English) or code matches ``q``, filtered and ordered."""
    qs = Region.objects.all()
    if level is not None:
        qs = qs.filter(level=level)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    term = (q or "").strip()
    if term:
        match = Q(name_zh__icontains=term) | Q(name_en__icontains=term)
        if term.isdigit():
            match |= Q(code__startswith=term)
        qs = qs.filter(match)
    return qs.order_by("path")


def region_for_point(lat: float, lng: float, *, level: int = Level.COMMUNITY) -> Region | None:
    """The node of ``level`` whose boundary contains the point, or ``None``.

    The stored bounding boxes prefilter in SQL; only the few candidates whose box holds
    the point (and any node whose box was never computed) are tested against polygons.
    Where boundaries overlap (bad data) the node with the smallest box wins, then the
    lowest code, so the answer is stable.
    """
    in_box = Q(bbox_south__lte=lat, bbox_north__gte=lat, bbox_west__lte=lng, bbox_east__gte=lng)
    # Rows written around the services (bulk loads) may lack a box: test them too.
    no_box = Q(bbox_south__isnull=True)
    candidates = Region.objects.filter(in_box | no_box, level=level, boundary__isnull=False)
    hits: list[tuple[float, str, Region]] = []
    for region in candidates:
        boundary: Any = region.boundary
        if not isinstance(boundary, dict) or boundary.get("type") not in geojson.GEOMETRY_TYPES:
            continue
        try:
            box = geojson.bbox(boundary)
            inside = box.contains(lat, lng) and geojson.contains(boundary, lat, lng)
        except (KeyError, IndexError, TypeError, ValueError):  # malformed bulk-loaded row
            continue
        if inside:
            area = (box.north - box.south) * (box.east - box.west)
            hits.append((area, region.code, region))
    if not hits:
        return None
    hits.sort(key=lambda h: (h[0], h[1]))
    return hits[0][2]


def feature(region: Region) -> dict[str, Any]:
    """One node as a GeoJSON Feature (geometry ``null`` when it has no boundary)."""
    return {
        "type": "Feature",
        "id": region.pk,
        "geometry": region.boundary,
        "properties": {
            "id": region.pk,
            "code": region.code,
            "level": region.level,
            "name": region.name,
            "name_zh": region.name_zh,
            "name_en": region.name_en,
            "is_urban": region.is_urban,
            "centroid": (
                [region.centroid_lng, region.centroid_lat]
                if region.centroid_lat is not None and region.centroid_lng is not None
                else None
            ),
        },
    }


def children_feature_collection(region: Region) -> dict[str, Any]:
    """The children of ``region`` as a GeoJSON FeatureCollection, for maps."""
    return {
        "type": "FeatureCollection",
        "features": [feature(child) for child in children(region)],
    }
