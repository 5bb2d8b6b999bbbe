"""Reads of the catalogue, and the adapters between rows and the pure cores.

* ``requirement_for(item)``: the workforce eligibility ``Requirement`` of an item.
* ``cap_for`` / ``policy_for``: the nearest ancestor's price cap / pricing policy.
* ``offerings_for``: the active offerings of an item that cover a region.
* ``quote_input``: everything ``pricing.quote`` needs for one item at one institution.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.db.models import Q, QuerySet

from doorstep.organizations.enums import InstitutionStatus
from doorstep.organizations.models import Institution, ServiceArea
from doorstep.regions.models import Region
from doorstep.workforce import eligibility
from doorstep.workforce.eligibility import TITLE_ORDER, Requirement

from . import memo, pricing
from .models import Offering, PriceCap, PricingPolicy, ServiceCategory, ServiceItem


def requirement_for(item: ServiceItem) -> Requirement:
    """The eligibility rule of ``item``: its preset (if any) tightened by the item's own
    kinds, minimum title rank, years and certificates (never loosened)."""
    preset = eligibility.PRESETS.get(item.eligibility_preset) or Requirement(code=item.code)
    rank = max(eligibility.TITLE_RANK.get(preset.min_title, 0), item.min_title_rank)
    kinds = frozenset(item.provider_kinds or ()) or preset.kinds
    if preset.kinds and item.provider_kinds:
        kinds = kinds & preset.kinds or kinds
    return replace(
        preset,
        code=item.code,
        kinds=frozenset(kinds),
        min_title=TITLE_ORDER[rank - 1] if rank else "",
        min_years=max(preset.min_years, item.min_years),
        certificate_kinds=preset.certificate_kinds | frozenset(item.required_certificates or ()),
        clinical=preset.clinical or item.is_clinical,
    )


def needs_specialist(item: ServiceItem) -> bool:
    """Whether a specialist certificate is required (the credential coefficient)."""
    return any(str(c).startswith("specialist_") for c in requirement_for(item).certificate_kinds)


def ancestor_paths(region: Region) -> list[str]:
    """``/330000/330200/330203/`` -> the paths of the region and all its ancestors."""
    parts = [p for p in region.path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _in_effect(on: dt.date) -> Q:
    return Q(effective_from__lte=on) & (Q(effective_to__isnull=True) | Q(effective_to__gt=on))


def cap_row_for(item: ServiceItem, region: Region, on: dt.date) -> PriceCap | None:
    """The cap of the nearest ancestor of ``region`` (itself included) in effect ``on``."""
    rows = (
        PriceCap.objects.filter(item=item, region__path__in=ancestor_paths(region))
        .filter(_in_effect(on))
        .select_related("region")
    )
    best = sorted(rows, key=lambda r: (len(r.region.path), r.effective_from, r.pk))
    return best[-1] if best else None


def cap_for(item: ServiceItem, region: Region, on: dt.date) -> int | None:
    """``cap_row_for``'s amount, chosen in Python among the item's remembered caps (one
    read per item and catalogue generation, whatever the region and the day)."""

    def compute() -> list[tuple[str, dt.date, dt.date | None, int, int]]:
        return list(
            PriceCap.objects.filter(item=item).values_list(
                "region__path", "effective_from", "effective_to", "pk", "cap_fen"
            )
        )

    paths = set(ancestor_paths(region))
    rows = [
        r
        for r in memo.remember(("caps", item.pk), compute)
        if r[0] in paths and r[1] <= on and (r[2] is None or r[2] > on)
    ]
    return max(rows, key=lambda r: (len(r[0]), r[1], r[3]))[4] if rows else None


def policy_for(region: Region | None, on: dt.date) -> pricing.Policy:
    """The newest policy version of the nearest ancestor in effect ``on``; else defaults.
    Chosen in Python among every remembered policy (a handful per region tree)."""
    if region is None:
        return pricing.DEFAULT_POLICY

    def compute() -> list[tuple[str, int, int, dt.date, pricing.Policy]]:
        rows = PricingPolicy.objects.select_related("region").defer("region__boundary")
        return [
            (r.region.path, r.version, r.pk, r.effective_from, policy_from_row(r)) for r in rows
        ]

    paths = set(ancestor_paths(region))
    rows = [r for r in memo.remember(("policies",), compute) if r[0] in paths and r[3] <= on]
    if not rows:
        return pricing.DEFAULT_POLICY
    return max(rows, key=lambda r: (len(r[0]), r[1], r[2]))[4]


def policy_from_row(row: PricingPolicy) -> pricing.Policy:
    d = pricing.DEFAULT_POLICY
    return pricing.Policy(
        complexity_bp={int(k): int(v) for k, v in (row.complexity_bp or {}).items()}
        or d.complexity_bp,
        title_bp={int(k): int(v) for k, v in (row.title_bp or {}).items()} or d.title_bp,
        specialist_bp=row.specialist_bp,
        free_radius_m=row.free_radius_m,
        distance_fee_fen_per_km=row.distance_fee_fen_per_km,
        detour_factor_pct=row.detour_factor_pct,
        night_start_hour=row.night_start_hour,
        night_end_hour=row.night_end_hour,
        night_surcharge_bp=row.night_surcharge_bp,
        holidays=frozenset(dt.date.fromisoformat(str(x)) for x in row.holidays or ()),
        holiday_surcharge_bp=row.holiday_surcharge_bp,
        version=f"{row.region.code}:v{row.version}",
    )


def item_by_id(item_id: int) -> ServiceItem | None:
    """An item (active or not) with its category, remembered per catalogue generation:
    shared between requests, treat it as read-only."""
    return memo.remember(
        ("item", item_id),
        lambda: ServiceItem.objects.select_related("category").filter(pk=item_id).first(),
    )


def categories() -> QuerySet[ServiceCategory]:
    return ServiceCategory.objects.all()


def items(
    *,
    group: str | None = None,
    q: str | None = None,
    region: Region | None = None,
    provider_kind: str | None = None,
    category: str | None = None,
    include_inactive: bool = False,
) -> QuerySet[ServiceItem]:
    qs = ServiceItem.objects.select_related("category")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if group:
        qs = qs.filter(category__group=group)
    if category:
        qs = qs.filter(category__code=category)
    if q:
        qs = qs.filter(Q(name_zh__icontains=q) | Q(name_en__icontains=q) | Q(code__icontains=q))
    if region is not None:
        offered = offerings_covering(region).values("item_id")
        qs = qs.filter(pk__in=offered)
    if provider_kind:
        # JSON containment differs between SQLite and PostgreSQL: filter in Python on ids.
        ids = [pk for pk, kinds in qs.values_list("pk", "provider_kinds") if provider_kind in kinds]
        qs = qs.filter(pk__in=ids)
    return qs.order_by("category__sort_order", "id")


def offerings_covering(region: Region) -> QuerySet[Offering]:
    """Active offerings of active institutions whose region contains ``region``."""
    return Offering.objects.filter(
        region__path__in=ancestor_paths(region),
        is_active=True,
        item__is_active=True,
        institution__status=InstitutionStatus.ACTIVE,
    )


def offerings_for(item: ServiceItem, region: Region) -> list[Offering]:
    """One offering per institution (the most specific region) for ``item`` in ``region``,
    chosen in Python among the item's remembered active offerings (one read per item and
    catalogue generation): treat the rows as read-only."""
    paths = set(ancestor_paths(region))
    best: dict[int, Offering] = {}
    for row in memo.remember(("offerings", item.pk), lambda: _active_offerings(item)):
        if row.region.path not in paths:
            continue
        cur = best.get(row.institution_id)
        if cur is None or len(row.region.path) > len(cur.region.path):
            best[row.institution_id] = row
    return list(best.values())


def _active_offerings(item: ServiceItem) -> list[Offering]:
    """Active offerings of ``item`` by active institutions, every region."""
    return list(
        Offering.objects.filter(
            item=item,
            is_active=True,
            item__is_active=True,
            institution__status=InstitutionStatus.ACTIVE,
        )
        .select_related("institution", "institution__region", "region")
        .defer("region__boundary", "institution__region__boundary")
        .order_by("institution_id", "id")
    )


def offering_for(item: ServiceItem, institution: Institution, region: Region) -> Offering | None:
    for row in offerings_for(item, region):
        if row.institution_id == institution.pk:
            return row
    return None


def region_in_service_areas(institution: Institution, region: Region) -> bool:
    areas = ServiceArea.objects.filter(institution=institution).select_related("region")
    return any(region.path.startswith(a.region.path) for a in areas)


def institution_origin(institution: Institution) -> tuple[float, float] | None:
    if institution.lat is not None and institution.lng is not None:
        return (institution.lat, institution.lng)
    r = institution.region
    if r.centroid_lat is not None and r.centroid_lng is not None:
        return (r.centroid_lat, r.centroid_lng)
    return None


def home_of(elder: Any) -> tuple[float, float] | None:
    if elder.lat is not None and elder.lng is not None:
        return (elder.lat, elder.lng)
    r = elder.region
    if r.centroid_lat is not None and r.centroid_lng is not None:
        return (r.centroid_lat, r.centroid_lng)
    return None


def consumables_of(item: ServiceItem) -> tuple[pricing.Consumable, ...]:
    """The item's standard kit: one of each consumable per visit."""
    return tuple(
        pricing.Consumable(
            code=str(c["code"]),
            unit_price_fen=int(c["price_fen"]),
            quantity=int(c.get("quantity", 1)),
            name_zh=str(c.get("name_zh", "")),
            name_en=str(c.get("name_en", "")),
        )
        for c in item.consumables or ()
    )


def quote_input(
    *,
    item: ServiceItem,
    region: Region,
    start: dt.datetime,
    base_price_fen: int,
    care_level: int,
    origin: tuple[float, float] | None,
    home: tuple[float, float] | None,
    visit_count: int = 1,
    discount_bp: int = 0,
    consumables: tuple[pricing.Consumable, ...] | None = None,
) -> pricing.QuoteInput:
    """The pure engine's input for one item in ``region`` (cap and policy looked up)."""
    from django.utils import timezone

    local = timezone.localtime(start) if timezone.is_aware(start) else start
    on = local.date()
    req = requirement_for(item)
    return pricing.QuoteInput(
        base_price_fen=base_price_fen,
        start=local,
        policy=policy_for(region, on),
        care_level=care_level,
        min_title_rank=eligibility.TITLE_RANK.get(req.min_title, 0),
        specialist=needs_specialist(item),
        origin=origin,
        home=home,
        consumables=consumables_of(item) if consumables is None else consumables,
        cap_fen=cap_for(item, region, on),
        visit_count=visit_count,
        discount_bp=discount_bp,
    )


_INDEX: dict[str, Any] = {}


def intake_index() -> Any:
    """The classifier's index over active items, rebuilt when the catalogue changes."""
    from django.db.models import Count, Max

    from . import intake

    stamp = ServiceItem.objects.filter(is_active=True).aggregate(
        n=Count("id"), at=Max("updated_at")
    )
    key = f"{stamp['n']}:{stamp['at']}"
    if _INDEX.get("key") != key:
        rows = (
            ServiceItem.objects.filter(is_active=True)
            .select_related("category")
            .order_by("category__sort_order", "id")
        )
        _INDEX["index"] = intake.build_index(
            intake.docs_from(
                [
                    (
                        i.pk,
                        i.code,
                        i.name_zh,
                        i.name_en,
                        list(i.synonyms or ()),
                        i.category.name_zh,
                        i.category.name_en,
                    )
                    for i in rows
                ]
            )
        )
        _INDEX["key"] = key
    return _INDEX["index"]
