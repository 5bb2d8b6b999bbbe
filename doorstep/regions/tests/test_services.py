"""create_region / update_region: path, level, code, GeoJSON; refusals change nothing."""

from __future__ import annotations

import pytest

from doorstep.core.errors import Forbidden
from doorstep.core.models import AuditEvent
from doorstep.regions import services
from doorstep.regions.errors import (
    InvalidCentroid,
    InvalidGeoJSON,
    InvalidRegionCode,
    RegionCodeTaken,
    RegionLevelMismatch,
)
from doorstep.regions.models import Region

from .conftest import COMMUNITY2, square

pytestmark = pytest.mark.django_db

BOUNDARY = {"type": "Polygon", "coordinates": [square(121.55, 29.85, 121.57, 29.87)]}


def new_community(actor, parent, **kw):
    args = {
        "actor": actor,
        "code": "330203001002",
        "level": 5,
        "parent": parent,
        "name_zh": "孝闻社区",
        "name_en": "Xiaowen Community",
        "is_urban": True,
        "centroid": (29.86, 121.56),
        "boundary": BOUNDARY,
    }
    args.update(kw)
    return services.create_region(**args)


def snapshot():
    return Region.objects.count(), AuditEvent.objects.count()


def test_create_computes_path_bbox_and_audits(world, personas, as_actor):
    region = new_community(as_actor(personas.platform_admin), world.street1)
    region.refresh_from_db()
    assert region.path == "/330000/330200/330203/330203001/330203001002/"
    assert (region.bbox_south, region.bbox_west, region.bbox_north, region.bbox_east) == (
        29.85,
        121.55,
        29.87,
        121.57,
    )
    assert (region.centroid_lat, region.centroid_lng) == (29.86, 121.56)
    event = AuditEvent.objects.get(action="region_created")
    assert event.object_id == str(region.pk)
    assert event.details == {"code": "330203001002", "level": 5, "parent_code": "330203001"}
    assert "boundary" in event.changed_fields


def test_a_province_has_no_parent(world, personas, as_actor):
    region = services.create_region(
        actor=as_actor(personas.platform_admin),
        code="310000",
        level=1,
        parent=None,
        name_zh="上海市",
        name_en="Shanghai",
    )
    assert region.path == "/310000/"
    assert region.boundary is None
    assert region.bbox_south is None


@pytest.mark.parametrize(
    ("level", "parent_attr", "expected"),
    [
        (4, "street1", 5),
        (5, "district1", 4),
        (1, "province", 2),
        (2, None, 1),
        (6, "community1", 6),
    ],
)
def test_level_must_be_one_below_the_parent(
    world, personas, as_actor, level, parent_attr, expected
):
    parent = getattr(world, parent_attr) if parent_attr else None
    before = snapshot()
    with pytest.raises(RegionLevelMismatch) as err:
        new_community(as_actor(personas.platform_admin), parent, level=level)
    assert err.value.code == "region_level_mismatch"
    assert err.value.status == 422
    assert err.value.details["expected"] == expected
    assert snapshot() == before


def test_code_must_be_unique_and_numeric(world, personas, as_actor):
    actor = as_actor(personas.platform_admin)
    before = snapshot()
    with pytest.raises(RegionCodeTaken) as taken:
        new_community(actor, world.street1, code=world.community1.code)
    assert (taken.value.status, taken.value.code) == (409, "region_code_taken")
    with pytest.raises(InvalidRegionCode):
        new_community(actor, world.street1, code="33-02")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("boundary", "reason"),
    [
        ({"type": "Point", "coordinates": [121.5, 29.8]}, "unsupported_type"),
        ({"type": "Polygon", "coordinates": [[[121.5, 29.8], [121.6, 29.8], [121.6, 29.9]]]}, "ring_too_short"),
        ({"type": "Polygon", "coordinates": [[[121.5, 29.8], [121.6, 29.8], [121.6, 29.9], [121.5, 29.9]]]}, "ring_not_closed"),
        ([[121.5, 29.8]], "not_an_object"),
    ],
)  # fmt: skip
def test_invalid_geojson_is_422_and_writes_nothing(world, personas, as_actor, boundary, reason):
    before = snapshot()
    with pytest.raises(InvalidGeoJSON) as err:
        new_community(as_actor(personas.platform_admin), world.street1, boundary=boundary)
    assert (err.value.status, err.value.code) == (422, "invalid_geojson")
    assert err.value.details["reason"] == reason
    assert snapshot() == before


def test_centroid_out_of_range(world, personas, as_actor):
    with pytest.raises(InvalidCentroid):
        new_community(as_actor(personas.platform_admin), world.street1, centroid=(95.0, 121.0))


def test_only_platform_admins_create(world, personas, as_actor):
    before = snapshot()
    for user in (personas.regulator, personas.inst_admin, personas.operator):
        with pytest.raises(Forbidden):
            new_community(as_actor(user), world.street1)
    assert snapshot() == before


def test_update_boundary_recomputes_the_box_and_audits_fields(world, personas, as_actor):
    actor = as_actor(personas.platform_admin)
    region = services.update_region(
        actor=actor, region=world.community2, boundary=COMMUNITY2, name_en="Chenjiatuan"
    )
    region.refresh_from_db()
    assert region.name_en == "Chenjiatuan"
    assert region.name_zh == "陈家团村"
    assert (region.bbox_south, region.bbox_east) == (29.69, 121.61)
    event = AuditEvent.objects.get(action="region_updated")
    assert event.changed_fields == sorted(
        ["name_en", "boundary", "bbox_south", "bbox_west", "bbox_north", "bbox_east"]
    )
    services.update_region(actor=actor, region=region, boundary=None)
    region.refresh_from_db()
    assert region.boundary is None
    assert region.bbox_east is None


def test_update_with_no_real_change_writes_no_audit_row(world, personas, as_actor):
    services.update_region(
        actor=as_actor(personas.platform_admin), region=world.community1, name_zh="尹江社区"
    )
    assert not AuditEvent.objects.filter(action="region_updated").exists()


def test_invalid_update_changes_nothing(world, personas, as_actor):
    before = snapshot()
    with pytest.raises(InvalidGeoJSON):
        services.update_region(
            actor=as_actor(personas.platform_admin),
            region=world.community1,
            name_en="Renamed",
            boundary={"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
        )
    world.community1.refresh_from_db()
    assert world.community1.name_en == "Yinjiang Community"
    assert snapshot() == before
