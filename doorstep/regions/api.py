"""Region tree API: browse and search the tree, maps, point location, regulator counts."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from doorstep.core.api import ERRORS, actor_of

from . import selectors, services, stats
from .access import access_region, access_region_for_change, access_region_stats
from .errors import NoRegionAtPoint
from .models import Region

router = Router(tags=["regions"])

POLYGON_EXAMPLE = {
    "type": "Polygon",
    "coordinates": [[[121.53, 29.85], [121.55, 29.85], [121.55, 29.87], [121.53, 29.85]]],
}


class RegionBrief(Schema):
    id: int
    code: str
    level: int
    name: str
    name_zh: str
    name_en: str


class RegionOut(RegionBrief):
    parent_id: int | None
    path: str = Field(..., examples=["/330000/330200/330203/"])
    is_urban: bool
    centroid_lat: float | None
    centroid_lng: float | None


class RegionDetailOut(RegionOut):
    boundary: dict[str, Any] | None
    ancestors: list[RegionBrief] = Field(..., description="Root first.")
    children: list[RegionBrief]


class RegionFilter(Schema):
    level: int | None = Field(None, ge=1, le=5, description="1 province ... 5 community.")
    parent: int | None = Field(None, description="Only the children of this node id.")
    q: str | None = Field(None, description="Part of a Chinese/English name, or a code prefix.")


class RegionIn(Schema):
    code: str = Field(..., examples=["330203001002"])
    level: int = Field(..., examples=[5])
    parent_id: int | None = Field(None, description="Required for every level but province.")
    name_zh: str = Field(..., examples=["孝闻社区"])
    name_en: str = Field(..., examples=["Xiaowen Community"])
    is_urban: bool = True
    centroid_lat: float | None = Field(None, description="Degrees, WGS-84.")
    centroid_lng: float | None = Field(None, description="Degrees, WGS-84.")
    boundary: Any = Field(
        None,
        description="GeoJSON Polygon or MultiPolygon, positions [lng, lat].",
        examples=[POLYGON_EXAMPLE],
    )


class RegionPatch(Schema):
    name_zh: str | None = None
    name_en: str | None = None
    is_urban: bool | None = None
    centroid_lat: float | None = Field(None, description="Send with centroid_lng; null clears.")
    centroid_lng: float | None = None
    boundary: Any = Field(None, description="GeoJSON Polygon/MultiPolygon; null clears.")


class FeatureOut(Schema):
    type: str = "Feature"
    id: int
    geometry: dict[str, Any] | None
    properties: dict[str, Any]


class FeatureCollectionOut(Schema):
    type: str = "FeatureCollection"
    features: list[FeatureOut]


class PointIn(Schema):
    lat: float = Field(..., ge=-90, le=90, examples=[29.86], description="Degrees, WGS-84.")
    lng: float = Field(..., ge=-180, le=180, examples=[121.54], description="Degrees, WGS-84.")


class LocateOut(Schema):
    region: RegionOut
    breadcrumb: list[RegionBrief] = Field(..., description="Root first, ending with the region.")


class CountsOut(Schema):
    communities: int
    institutions: int
    institutions_by_status: dict[str, int]
    institutions_by_type: dict[str, int]
    providers: int
    providers_by_kind: dict[str, int]
    providers_by_verification: dict[str, int]
    elders: int
    elders_living_alone: int
    elders_aged_80_plus: int


class ChildStatsOut(Schema):
    region: RegionBrief
    counts: CountsOut


class RegionStatsOut(Schema):
    region: RegionBrief
    on: dt.date
    totals: CountsOut
    children: list[ChildStatsOut]


def _detail(region: Region) -> RegionDetailOut:
    return RegionDetailOut(
        id=region.pk,
        code=region.code,
        level=region.level,
        name=region.name,
        name_zh=region.name_zh,
        name_en=region.name_en,
        parent_id=region.parent_id,
        path=region.path,
        is_urban=region.is_urban,
        centroid_lat=region.centroid_lat,
        centroid_lng=region.centroid_lng,
        boundary=region.boundary,
        ancestors=[RegionBrief.from_orm(a) for a in selectors.ancestors(region)],
        children=[RegionBrief.from_orm(c) for c in selectors.children(region)],
    )


@router.get("", response={200: list[RegionOut], **ERRORS})
@paginate(LimitOffsetPagination)
def list_regions(request: HttpRequest, filters: Query[RegionFilter]):  # type: ignore[no-untyped-def]
    """Nodes of the tree ordered by path; filter by level, parent and name/code."""
    actor_of(request)
    return selectors.search(q=filters.q, level=filters.level, parent_id=filters.parent)


@router.get("/locate", response={200: LocateOut, **ERRORS})
def locate(request: HttpRequest, point: Query[PointIn]) -> LocateOut:
    """The community whose boundary contains the point (404 ``no_region_at_point``)."""
    actor_of(request)
    region = selectors.region_for_point(point.lat, point.lng)
    if region is None:
        raise NoRegionAtPoint(details={"lat": point.lat, "lng": point.lng})
    return LocateOut(
        region=RegionOut.from_orm(region),
        breadcrumb=[RegionBrief.from_orm(r) for r in selectors.breadcrumb(region)],
    )


@router.post("", response={201: RegionDetailOut, **ERRORS})
def create_region(request: HttpRequest, payload: RegionIn) -> Status[RegionDetailOut]:
    """Add a node (platform admins). The path is computed from the parent."""
    actor = actor_of(request)
    parent = (
        access_region(actor=actor, region_id=payload.parent_id)
        if payload.parent_id is not None
        else None
    )
    centroid = (
        None
        if payload.centroid_lat is None and payload.centroid_lng is None
        else (payload.centroid_lat, payload.centroid_lng)
    )
    region = services.create_region(
        actor=actor,
        code=payload.code,
        level=payload.level,
        parent=parent,
        name_zh=payload.name_zh,
        name_en=payload.name_en,
        is_urban=payload.is_urban,
        centroid=centroid,  # type: ignore[arg-type]
        boundary=payload.boundary,
    )
    return Status(201, _detail(region))


@router.get("/{region_id}", response={200: RegionDetailOut, **ERRORS})
def get_region(request: HttpRequest, region_id: int) -> RegionDetailOut:
    """One node with its boundary, its ancestors (root first) and its children."""
    return _detail(access_region(actor=actor_of(request), region_id=region_id))


@router.patch("/{region_id}", response={200: RegionDetailOut, **ERRORS})
def update_region(request: HttpRequest, region_id: int, payload: RegionPatch) -> RegionDetailOut:
    """Correct names, the urban flag, the centroid or the boundary (platform admins)."""
    actor = actor_of(request)
    region = access_region_for_change(actor=actor, region_id=region_id)
    sent = payload.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {
        k: sent[k] for k in ("name_zh", "name_en", "is_urban", "boundary") if k in sent
    }
    if "centroid_lat" in sent or "centroid_lng" in sent:
        lat, lng = sent.get("centroid_lat"), sent.get("centroid_lng")
        changes["centroid"] = None if lat is None and lng is None else (lat, lng)
    region = services.update_region(actor=actor, region=region, **changes)
    return _detail(region)


@router.get("/{region_id}/geojson", response={200: FeatureCollectionOut, **ERRORS})
def region_geojson(request: HttpRequest, region_id: int) -> dict[str, Any]:
    """The node's children as a GeoJSON FeatureCollection (for maps)."""
    region = access_region(actor=actor_of(request), region_id=region_id)
    return selectors.children_feature_collection(region)


@router.get("/{region_id}/stats", response={200: RegionStatsOut, **ERRORS})
def region_stats(
    request: HttpRequest,
    region_id: int,
    on: dt.date | None = None,
) -> RegionStatsOut:
    """Counts inside the subtree and per child (platform admins; regulators in their subtree).

    Outside the regulator's own subtree the answer is 404 ``not_found``.
    """
    actor = actor_of(request)
    region = access_region_stats(actor=actor, region_id=region_id)
    result = stats.region_counts(actor, region, on=on)
    return RegionStatsOut(
        region=RegionBrief.from_orm(result.region),
        on=result.on,
        totals=CountsOut(**vars(result.totals)),
        children=[
            ChildStatsOut(region=RegionBrief.from_orm(c.region), counts=CountsOut(**vars(c.counts)))
            for c in result.children
        ],
    )
