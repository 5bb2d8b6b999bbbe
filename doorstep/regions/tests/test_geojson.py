"""The pure GeoJSON checks: each malformed shape has its own stable reason."""

from __future__ import annotations

import pytest

from doorstep.regions import geojson

from .conftest import COMMUNITY1, COMMUNITY2, square


@pytest.mark.parametrize(
    ("geometry", "reason"),
    [
        ("POLYGON((0 0))", "not_an_object"),
        ({"type": "Point", "coordinates": [121.5, 29.8]}, "unsupported_type"),
        ({"type": "Polygon", "coordinates": []}, "polygon_invalid"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0.5]]]}, "ring_not_closed"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "ring_too_short"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 0], [0, 0]]]}, "ring_too_short"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, "x"], [1, 1], [0, 0]]]}, "position_invalid"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, True], [1, 1], [0, 0]]]}, "position_invalid"),
        ({"type": "Polygon", "coordinates": [square(179, 0, 181, 1)]}, "position_out_of_range"),
        ({"type": "Polygon", "coordinates": [square(0, 89, 1, 91)]}, "position_out_of_range"),
        ({"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0]]]]}, "ring_too_short"),
        ({"type": "MultiPolygon", "coordinates": [[]]}, "polygon_invalid"),
    ],
)  # fmt: skip
def test_invalid_geometries_have_a_reason(geometry, reason):
    with pytest.raises(geojson.GeometryProblem) as err:
        geojson.validate(geometry)
    assert err.value.reason == reason


def test_valid_geometries_are_returned_clean_with_floats():
    clean = geojson.validate({"type": "Polygon", "coordinates": [square(1, 2, 3, 4)], "x": 1})
    assert clean == {
        "type": "Polygon",
        "coordinates": [[[1.0, 2.0], [3.0, 2.0], [3.0, 4.0], [1.0, 4.0], [1.0, 2.0]]],
    }
    assert geojson.validate(COMMUNITY2)["type"] == "MultiPolygon"


def test_bbox_covers_every_part():
    assert geojson.bbox(COMMUNITY2) == geojson.BBox(
        south=29.69, west=121.54, north=29.71, east=121.61
    )
    assert geojson.bbox(COMMUNITY1) == geojson.BBox(
        south=29.85, west=121.53, north=29.87, east=121.55
    )
