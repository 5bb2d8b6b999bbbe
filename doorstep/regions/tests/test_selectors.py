"""Subtree, ancestors, search and point location over the shared world tree."""

from __future__ import annotations

import pytest

from doorstep.regions import selectors
from doorstep.regions.models import Region

from .conftest import COMMUNITY1

pytestmark = pytest.mark.django_db


def codes(regions):
    return [r.code for r in regions]


def test_subtree_is_the_node_and_everything_below_it(world):
    assert codes(selectors.subtree(world.district1)) == [
        "330203",
        "330203001",
        "330203001001",
    ]
    assert codes(selectors.subtree(world.city, include_self=False)) == [
        "330203",
        "330203001",
        "330203001001",
        "330212",
        "330212101",
        "330212101201",
    ]


def test_subtree_does_not_leak_into_a_sibling_sharing_a_code_prefix(world):
    """``/330203/`` must not match a sibling coded 3302031 (the trailing slash matters)."""
    sibling = Region.objects.create(
        code="3302031", level=3, parent=world.city, path="/330000/330200/3302031/",
        name_zh="测试区", name_en="Test District",
    )  # fmt: skip
    assert sibling.pk not in {r.pk for r in selectors.subtree(world.district1)}


def test_ancestors_and_breadcrumb_are_root_first(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        above = selectors.ancestors(world.community1)
    assert codes(above) == ["330000", "330200", "330203", "330203001"]
    assert codes(selectors.breadcrumb(world.street2)) == ["330000", "330200", "330212", "330212101"]
    assert selectors.ancestors(world.province) == []


def test_children_are_ordered_by_code(world):
    assert codes(selectors.children(world.city)) == ["330203", "330212"]
    assert codes(selectors.children(world.community1)) == []


def test_search_by_chinese_name_english_name_and_code_prefix(world):
    assert codes(selectors.search(q="海曙")) == ["330203"]
    assert codes(selectors.search(q="village")) == ["330212101201"]
    assert codes(selectors.search(q="330212")) == ["330212", "330212101", "330212101201"]
    assert codes(selectors.search(level=4)) == ["330203001", "330212101"]
    assert codes(selectors.search(parent_id=world.city.pk)) == ["330203", "330212"]


def test_point_location_inside_outside_and_in_a_hole(mapped):
    assert selectors.region_for_point(29.86, 121.54) == mapped.community1
    assert selectors.region_for_point(29.80, 121.54) is None  # south of every community
    assert selectors.region_for_point(29.867, 121.547) is None  # in community 1's hole


def test_point_location_finds_both_parts_of_a_multipolygon(mapped):
    assert selectors.region_for_point(29.70, 121.55) == mapped.community2
    assert selectors.region_for_point(29.695, 121.605) == mapped.community2
    assert selectors.region_for_point(29.695, 121.58) is None  # between the parts


def test_point_location_prefilters_with_the_bounding_box(mapped):
    """Only the candidate whose box holds the point is fetched and tested."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        selectors.region_for_point(29.86, 121.54)
    assert len(ctx.captured_queries) == 1
    assert "bbox_south" in ctx.captured_queries[0]["sql"]


def test_point_location_still_tests_rows_loaded_without_a_box(world):
    """A bulk loader that wrote a boundary but no box is not silently missed."""
    Region.objects.filter(pk=world.community1.pk).update(boundary=COMMUNITY1)
    assert selectors.region_for_point(29.86, 121.54) == world.community1


def test_children_feature_collection(mapped):
    fc = selectors.children_feature_collection(mapped.street1)
    assert fc["type"] == "FeatureCollection"
    assert len(fc["features"]) == 1
    feature = fc["features"][0]
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["code"] == "330203001001"
    assert feature["properties"]["centroid"] == [121.54, 29.86]
