from __future__ import annotations

from django.db import models
from django.utils.translation import get_language

from .enums import Level


class Region(models.Model):
    """A node of the five-level administrative tree.

    ``path`` is the materialised path of administrative codes (``/330000/330200/330203/``)
    so a subtree is one indexed prefix query: ``path__startswith=node.path``.
    """

    code = models.CharField(
        max_length=12,
        unique=True,
        help_text="Administrative division code (GB/T 2260, 6-12 digits).",
    )
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=128, unique=True, db_index=True)
    name_zh = models.CharField(max_length=64)
    name_en = models.CharField(max_length=128)
    is_urban = models.BooleanField(default=True, help_text="Urban (街道/社区) or rural (乡镇/村).")
    centroid_lat = models.FloatField(null=True, blank=True, help_text="Degrees, WGS-84.")
    centroid_lng = models.FloatField(null=True, blank=True, help_text="Degrees, WGS-84.")
    boundary = models.JSONField(
        null=True, blank=True, help_text="GeoJSON Polygon or MultiPolygon geometry, [lng, lat]."
    )
    # Bounding box of ``boundary`` (written by the services with it) so point location can
    # prefilter in SQL before testing polygons in Python (ADR 0008).
    bbox_south = models.FloatField(null=True, blank=True, help_text="Min latitude, degrees.")
    bbox_west = models.FloatField(null=True, blank=True, help_text="Min longitude, degrees.")
    bbox_north = models.FloatField(null=True, blank=True, help_text="Max latitude, degrees.")
    bbox_east = models.FloatField(null=True, blank=True, help_text="Max longitude, degrees.")

    class Meta:
        ordering = ["path"]
        indexes = [
            models.Index(fields=["level", "path"]),
            models.Index(fields=["level", "bbox_south", "bbox_north"], name="region_level_bbox"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh
