"""The demo city's region tree and polygons, as plain data (no database).

Streets are rectangles laid out on a grid inside each district's rectangle; each street is
cut into a jittered grid of convex quadrilaterals (its communities or villages). Shared
vertices are jittered once, so neighbouring polygons share edges and the tiling has no
gaps or overlaps. Everything is ``[lng, lat]`` GeoJSON, WGS-84, rounded to 1e-6 degrees.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field

from .names import place_names

Ring = list[list[float]]


@dataclass
class RegionSpec:
    code: str
    level: int
    name_zh: str
    name_en: str
    is_urban: bool
    ring: Ring
    parent_code: str | None
    children: list[RegionSpec] = field(default_factory=list)

    @property
    def boundary(self) -> dict[str, object]:
        return {"type": "Polygon", "coordinates": [self.ring]}

    @property
    def centroid(self) -> tuple[float, float]:
        """(lat, lng) area centroid of the ring."""
        return polygon_centroid(self.ring)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(south, west, north, east)."""
        lngs = [p[0] for p in self.ring]
        lats = [p[1] for p in self.ring]
        return min(lats), min(lngs), max(lats), max(lngs)

    def walk(self) -> list[RegionSpec]:
        out = [self]
        for child in self.children:
            out += child.walk()
        return out


def polygon_centroid(ring: Ring) -> tuple[float, float]:
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    area /= 2
    return round(cy / (6 * area), 6), round(cx / (6 * area), 6)


def rect(west: float, south: float, east: float, north: float) -> Ring:
    pts = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return [[round(x, 6), round(y, 6)] for x, y in pts]


def grid_dims(count: int) -> tuple[int, int]:
    """(columns, rows) of a grid with at least ``count`` cells, about 3:2."""
    cols = max(1, math.ceil(math.sqrt(count * 1.5)))
    return cols, max(1, math.ceil(count / cols))


def jittered_grid(
    rng: random.Random, ring: Ring, cols: int, rows: int, jitter: float = 0.2
) -> list[Ring]:
    """Cut a rectangle into ``cols x rows`` convex quadrilaterals that tile it exactly.

    Interior vertices move by up to ``jitter`` of a cell in each axis; vertices on the
    rectangle's edges move only along the edge; corners stay put. With ``jitter < 0.25``
    every cell stays convex.
    """
    west, south = ring[0]
    east, north = ring[2]
    dx, dy = (east - west) / cols, (north - south) / rows
    verts: dict[tuple[int, int], list[float]] = {}
    for i in range(cols + 1):
        for j in range(rows + 1):
            x, y = west + i * dx, south + j * dy
            if 0 < i < cols:
                x += rng.uniform(-jitter, jitter) * dx
            if 0 < j < rows:
                y += rng.uniform(-jitter, jitter) * dy
            verts[i, j] = [round(x, 6), round(y, 6)]
    cells = []
    for j in range(rows):
        for i in range(cols):
            a, b, c, d = verts[i, j], verts[i + 1, j], verts[i + 1, j + 1], verts[i, j + 1]
            cells.append([a, b, c, d, list(a)])
    return cells


def point_in_quad(rng: random.Random, ring: Ring, margin: float = 0.06) -> tuple[float, float]:
    """A (lat, lng) point strictly inside a convex quadrilateral (bilinear, away from edges)."""
    u = rng.uniform(margin, 1 - margin)
    v = rng.uniform(margin, 1 - margin)
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = ring[0], ring[1], ring[2], ring[3]
    x = (1 - v) * ((1 - u) * ax + u * bx) + v * ((1 - u) * dx + u * cx)
    y = (1 - v) * ((1 - u) * ay + u * by) + v * ((1 - u) * dy + u * cy)
    return round(y, 6), round(x, 6)


# District layout: (code, zh, en, urban, (west, south, east, north), streets)
# Street tuples: (code suffix, zh, en).
URBAN_STREETS = [
    ("001", "酒泉路街道", "Jiuquanlu Subdistrict"),
    ("002", "张掖路街道", "Zhangyelu Subdistrict"),
    ("003", "雁南街道", "Yannan Subdistrict"),
    ("004", "临夏路街道", "Linxialu Subdistrict"),
    ("005", "五泉街道", "Wuquan Subdistrict"),
    ("006", "皋兰路街道", "Gaolanlu Subdistrict"),
]
RURAL_TOWNSHIPS = [
    ("101", "海石湾镇", "Haishiwan Town"),
    ("102", "花庄镇", "Huazhuang Town"),
    ("103", "平安镇", "Ping'an Town"),
    ("201", "红古乡", "Honggu Township"),
]
PROVINCE = ("620000", "甘肃省", "Gansu")
CITY = ("620100", "兰州市", "Lanzhou")
DISTRICTS = [
    ("620102", "城关区", "Chengguan District", True, (103.74, 36.02, 103.92, 36.10), URBAN_STREETS),
    ("620111", "红古区", "Honggu District", False, (103.50, 35.98, 103.74, 36.10), RURAL_TOWNSHIPS),
]


def build_city(rng: random.Random, *, communities_per_street: int = 6) -> RegionSpec:
    """The five-level tree. Community codes: 001.. (residents' committees) in urban
    streets, 201.. (villagers' committees) in townships, as GB/T 2260 extensions do."""
    west = min(d[4][0] for d in DISTRICTS)
    south = min(d[4][1] for d in DISTRICTS)
    east = max(d[4][2] for d in DISTRICTS)
    north = max(d[4][3] for d in DISTRICTS)
    box = rect(west, south, east, north)
    province = RegionSpec(PROVINCE[0], 1, PROVINCE[1], PROVINCE[2], True, box, None)
    city = RegionSpec(CITY[0], 2, CITY[1], CITY[2], True, box, province.code)
    province.children.append(city)
    for code, zh, en, urban, (w, s, e, n), streets in DISTRICTS:
        district = RegionSpec(code, 3, zh, en, urban, rect(w, s, e, n), city.code)
        city.children.append(district)
        cols = next(c for c in (3, 2, 1) if len(streets) % c == 0)
        rows = len(streets) // cols
        cells = jittered_grid(rng, district.ring, cols, rows, jitter=0.0)
        for (suffix, s_zh, s_en), cell in zip(streets, cells, strict=False):
            street = RegionSpec(code + suffix, 4, s_zh, s_en, urban, cell, code)
            district.children.append(street)
            c_cols, c_rows = grid_dims(communities_per_street)
            quads = jittered_grid(rng, cell, c_cols, c_rows)
            names = place_names(rng, len(quads), urban=urban)
            first = 1 if urban else 201
            for k, (quad, (c_zh, c_en)) in enumerate(zip(quads, names, strict=True)):
                street.children.append(
                    RegionSpec(
                        f"{street.code}{first + k:03d}", 5, c_zh, c_en, urban, quad, street.code
                    )
                )
    return province
