"""Boundaries for the shared ``world`` tree: two communities as squares, a hole in one."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import World


def square(west: float, south: float, east: float, north: float) -> list[list[float]]:
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


#: Community 1: a 0.02-degree square around (29.86, 121.54) with a hole in its north-east.
COMMUNITY1 = {
    "type": "Polygon",
    "coordinates": [
        square(121.53, 29.85, 121.55, 29.87),
        square(121.545, 29.865, 121.549, 29.869),
    ],
}
#: Community 2: two separate squares (a village with an exclave).
COMMUNITY2 = {
    "type": "MultiPolygon",
    "coordinates": [
        [square(121.54, 29.69, 121.56, 29.71)],
        [square(121.60, 29.69, 121.61, 29.70)],
    ],
}


@pytest.fixture
def mapped(world: World) -> World:
    """The world with boundaries (and their bounding boxes) on both communities."""
    from doorstep.regions.geojson import bbox

    for region, geometry in ((world.community1, COMMUNITY1), (world.community2, COMMUNITY2)):
        box = bbox(geometry)
        region.boundary = geometry
        region.bbox_south, region.bbox_west = box.south, box.west
        region.bbox_north, region.bbox_east = box.north, box.east
        region.save()
    return world


@pytest.fixture
def as_actor() -> Any:
    from doorstep.accounts.policy import Actor

    def make(user: Any) -> Actor:
        return Actor.of(user)

    return make
