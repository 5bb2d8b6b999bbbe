"""GeoJSON geometry checks and point location for region boundaries (pure functions).

Only the two shapes a boundary may take are accepted (RFC 7946 section 3.1):
``Polygon`` (a list of linear rings, the first the exterior, the rest holes) and
``MultiPolygon`` (a list of polygons). Positions are ``[lng, lat]`` in WGS-84 degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from doorstep.core.geo import point_in_polygon

GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
#: Upper bound on positions per boundary, so one request cannot make the server spin.
MAX_POSITIONS = 100_000


class GeometryProblem(Exception):
    """The geometry is not a valid boundary. ``reason`` is a stable machine code."""

    def __init__(self, reason: str, at: str = "") -> None:
        self.reason = reason
        self.at = at
        super().__init__(f"{reason} at {at or 'geometry'}")


@dataclass(frozen=True)
class BBox:
    south: float
    west: float
    north: float
    east: float

    def contains(self, lat: float, lng: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lng <= self.east


def _position(value: Any, at: str) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) < 2:
        raise GeometryProblem("position_invalid", at)
    lng, lat = value[0], value[1]
    for v in (lng, lat):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise GeometryProblem("position_invalid", at)
    if not (-180.0 <= lng <= 180.0 and -90.0 <= lat <= 90.0):
        raise GeometryProblem("position_out_of_range", at)
    return float(lng), float(lat)


def _ring(value: Any, at: str) -> int:
    if not isinstance(value, list):
        raise GeometryProblem("ring_invalid", at)
    if len(value) < 4:
        raise GeometryProblem("ring_too_short", at)
    points = [_position(p, f"{at}[{i}]") for i, p in enumerate(value)]
    if points[0] != points[-1]:
        raise GeometryProblem("ring_not_closed", at)
    if len(set(points)) < 3:
        raise GeometryProblem("ring_too_short", at)
    return len(points)


def _polygon(value: Any, at: str) -> int:
    if not isinstance(value, list) or not value:
        raise GeometryProblem("polygon_invalid", at)
    return sum(_ring(r, f"{at}[{i}]") for i, r in enumerate(value))


def validate(geometry: Any) -> dict[str, Any]:
    """Return a clean copy of a Polygon/MultiPolygon geometry or raise ``GeometryProblem``."""
    if not isinstance(geometry, dict):
        raise GeometryProblem("not_an_object")
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        raise GeometryProblem("unsupported_type", "type")
    coords = geometry.get("coordinates")
    if kind == "Polygon":
        count = _polygon(coords, "coordinates")
    else:
        if not isinstance(coords, list) or not coords:
            raise GeometryProblem("polygon_invalid", "coordinates")
        count = sum(_polygon(p, f"coordinates[{i}]") for i, p in enumerate(coords))
    if count > MAX_POSITIONS:
        raise GeometryProblem("too_many_positions", "coordinates")
    return {
        "type": kind,
        "coordinates": _clean(coords),
    }


def _clean(value: Any) -> Any:
    if isinstance(value, list | tuple) and value and isinstance(value[0], int | float):
        return [float(value[0]), float(value[1])]
    return [_clean(v) for v in value]


def polygons(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    """The geometry as a list of polygons (each a list of rings)."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def bbox(geometry: dict[str, Any]) -> BBox:
    lngs: list[float] = []
    lats: list[float] = []
    for polygon in polygons(geometry):
        for lng, lat, *_ in polygon[0]:  # the exterior ring bounds the holes
            lngs.append(lng)
            lats.append(lat)
    return BBox(south=min(lats), west=min(lngs), north=max(lats), east=max(lngs))


def contains(geometry: dict[str, Any], lat: float, lng: float) -> bool:
    """True when the point lies inside an exterior ring and outside that polygon's holes."""
    for polygon in polygons(geometry):
        exterior, *holes = polygon
        if point_in_polygon(lat, lng, exterior) and not any(
            point_in_polygon(lat, lng, hole) for hole in holes
        ):
            return True
    return False
