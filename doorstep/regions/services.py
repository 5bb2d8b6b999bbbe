"""Writes to the region tree. Platform admins only; every change is audited.

A node's code, level and parent are fixed at creation (they define its materialised
path, which other rows' scopes are built on); names, the urban flag, the centroid and the
boundary may be corrected later.
"""

from __future__ import annotations

import re
from typing import Any, Final

from django.db import IntegrityError, transaction

from doorstep.accounts.policy import Actor
from doorstep.core import audit
from doorstep.core.errors import Forbidden

from . import geojson
from .enums import Level
from .errors import (
    InvalidCentroid,
    InvalidGeoJSON,
    InvalidRegionCode,
    RegionCodeTaken,
    RegionLevelMismatch,
    RegionNameRequired,
)
from .models import Region

CODE_RE = re.compile(r"^\d{6,12}$")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: Marks an optional argument the caller did not pass (``None`` clears a value).
UNSET: Final = _Unset()

Centroid = tuple[float, float]


def _require_change(actor: Actor) -> None:
    if not actor.is_platform_admin:
        raise Forbidden()


def _clean_names(name_zh: str, name_en: str) -> tuple[str, str]:
    zh, en = (name_zh or "").strip(), (name_en or "").strip()
    if not zh or not en:
        raise RegionNameRequired(
            details={"fields": [f for f, v in (("name_zh", zh), ("name_en", en)) if not v]}
        )
    return zh, en


def _clean_centroid(centroid: Centroid | None) -> tuple[float | None, float | None]:
    if centroid is None:
        return None, None
    try:
        lat, lng = float(centroid[0]), float(centroid[1])
    except (TypeError, ValueError, IndexError) as exc:
        raise InvalidCentroid(details={"field": "centroid"}) from exc
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0):
        raise InvalidCentroid(details={"field": "centroid"})
    return lat, lng


def _clean_boundary(boundary: Any) -> tuple[dict[str, Any] | None, geojson.BBox | None]:
    if boundary is None:
        return None, None
    try:
        geometry = geojson.validate(boundary)
    except geojson.GeometryProblem as problem:
        raise InvalidGeoJSON.from_problem(problem) from problem
    return geometry, geojson.bbox(geometry)


def _set_bbox(region: Region, box: geojson.BBox | None) -> None:
    region.bbox_south = box.south if box else None
    region.bbox_west = box.west if box else None
    region.bbox_north = box.north if box else None
    region.bbox_east = box.east if box else None


def create_region(
    *,
    actor: Actor,
    code: str,
    level: int,
    parent: Region | None,
    name_zh: str,
    name_en: str,
    is_urban: bool = True,
    centroid: Centroid | None = None,
    boundary: dict[str, Any] | None = None,
) -> Region:
    """Add a node under ``parent`` (``None`` only for a province) and return it."""
    _require_change(actor)
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise InvalidRegionCode(details={"field": "code"})
    expected = parent.level + 1 if parent is not None else Level.PROVINCE
    if level != expected or level not in Level.values:
        raise RegionLevelMismatch(
            details={"field": "level", "expected": int(expected), "given": level}
        )
    zh, en = _clean_names(name_zh, name_en)
    lat, lng = _clean_centroid(centroid)
    geometry, box = _clean_boundary(boundary)
    path = (parent.path if parent is not None else "/") + code + "/"
    with transaction.atomic():
        if Region.objects.filter(code=code).exists():
            raise RegionCodeTaken(details={"field": "code"})
        region = Region(
            code=code,
            level=level,
            parent=parent,
            path=path,
            name_zh=zh,
            name_en=en,
            is_urban=is_urban,
            centroid_lat=lat,
            centroid_lng=lng,
            boundary=geometry,
        )
        _set_bbox(region, box)
        try:
            with transaction.atomic():
                region.save()
        except IntegrityError as exc:  # a concurrent insert of the same code
            raise RegionCodeTaken(details={"field": "code"}) from exc
        audit.record(
            actor=actor.user,
            action="region_created",
            object_type="region",
            object_id=region.pk,
            changed_fields=["code", "level", "parent", "name_zh", "name_en", "is_urban"]
            + (["centroid"] if lat is not None else [])
            + (["boundary"] if geometry is not None else []),
            details={"code": code, "level": level, "parent_code": parent.code if parent else None},
        )
    return region


def update_region(
    *,
    actor: Actor,
    region: Region,
    name_zh: str | _Unset = UNSET,
    name_en: str | _Unset = UNSET,
    is_urban: bool | _Unset = UNSET,
    centroid: Centroid | _Unset | None = UNSET,
    boundary: dict[str, Any] | _Unset | None = UNSET,
) -> Region:
    """Correct a node's names, urban flag, centroid or boundary (``None`` clears the last two)."""
    _require_change(actor)
    with transaction.atomic():
        locked = Region.objects.select_for_update().get(pk=region.pk)
        changed: list[str] = []
        if not isinstance(name_zh, _Unset) or not isinstance(name_en, _Unset):
            zh, en = _clean_names(
                locked.name_zh if isinstance(name_zh, _Unset) else name_zh,
                locked.name_en if isinstance(name_en, _Unset) else name_en,
            )
            if zh != locked.name_zh:
                locked.name_zh = zh
                changed.append("name_zh")
            if en != locked.name_en:
                locked.name_en = en
                changed.append("name_en")
        if not isinstance(is_urban, _Unset) and bool(is_urban) != locked.is_urban:
            locked.is_urban = bool(is_urban)
            changed.append("is_urban")
        if not isinstance(centroid, _Unset):
            lat, lng = _clean_centroid(centroid)
            if (lat, lng) != (locked.centroid_lat, locked.centroid_lng):
                locked.centroid_lat, locked.centroid_lng = lat, lng
                changed += ["centroid_lat", "centroid_lng"]
        if not isinstance(boundary, _Unset):
            geometry, box = _clean_boundary(boundary)
            if geometry != locked.boundary:
                locked.boundary = geometry
                _set_bbox(locked, box)
                changed += ["boundary", "bbox_south", "bbox_west", "bbox_north", "bbox_east"]
        if changed:
            locked.save(update_fields=changed)
            audit.record(
                actor=actor.user,
                action="region_updated",
                object_type="region",
                object_id=locked.pk,
                changed_fields=changed,
                details={"code": locked.code},
            )
    return locked
