"""Error codes of the region tree (see docs/api.md for the error format)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import Conflict, NotFound, ValidationFailed

from .geojson import GeometryProblem

#: One human message per ``GeometryProblem.reason``.
GEOMETRY_MESSAGES: dict[str, Any] = {
    "not_an_object": _("The boundary must be a GeoJSON geometry object."),
    "unsupported_type": _("The boundary must be a GeoJSON Polygon or MultiPolygon."),
    "polygon_invalid": _("A polygon must be a non-empty list of linear rings."),
    "ring_invalid": _("A linear ring must be a list of positions."),
    "ring_too_short": _("A linear ring needs at least four positions and three distinct points."),
    "ring_not_closed": _("A linear ring must end at the position where it starts."),
    "position_invalid": _("A position must be a pair of numbers [longitude, latitude]."),
    "position_out_of_range": _(
        "Longitude must lie between -180 and 180 and latitude between -90 and 90."
    ),
    "too_many_positions": _("The boundary has too many positions (at most 100,000)."),
}


class InvalidGeoJSON(ValidationFailed):
    default_code = "invalid_geojson"
    default_message = _("The boundary is not a valid GeoJSON Polygon or MultiPolygon.")

    @classmethod
    def from_problem(cls, problem: GeometryProblem) -> InvalidGeoJSON:
        return cls(
            message=GEOMETRY_MESSAGES.get(problem.reason, cls.default_message),
            details={"field": "boundary", "reason": problem.reason, "at": problem.at},
        )


class RegionCodeTaken(Conflict):
    default_code = "region_code_taken"
    default_message = _("A region with this administrative code already exists.")


class InvalidRegionCode(ValidationFailed):
    default_code = "invalid_region_code"
    default_message = _("The administrative code must be 6 to 12 digits.")


class RegionLevelMismatch(ValidationFailed):
    default_code = "region_level_mismatch"
    default_message = _(
        "The level must be one below the parent's level; only a province has no parent."
    )


class InvalidCentroid(ValidationFailed):
    default_code = "invalid_centroid"
    default_message = _(
        "Give both centroid latitude (-90 to 90) and longitude (-180 to 180), or neither."
    )


class RegionNameRequired(ValidationFailed):
    default_code = "region_name_required"
    default_message = _("The region needs a Chinese and an English name.")


class NoRegionAtPoint(NotFound):
    default_code = "no_region_at_point"
    default_message = _("No region boundary contains this point.")
