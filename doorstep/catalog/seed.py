"""Seeding the catalogue: idempotent for tests and the demo (ADR 0012).

* ``seed_catalog()`` writes the categories, items and packages of ``data.py`` (update or
  create by code; running it twice changes nothing).
* ``seed_price_caps(region, effective_from)`` writes the guidance caps of a region.
* ``seed_offerings(institution, on)`` offers items in each of an institution's service
  areas at a deterministic price within the cap (medical institutions offer everything,
  others only the non-clinical items).
* ``seed_demo_catalog(...)`` is the demo city's step (called from ``doorstep/demo/seed.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from doorstep.organizations.enums import MEDICAL_TYPES
from doorstep.organizations.models import Institution, ServiceArea
from doorstep.regions.models import Region

from . import data, selectors
from .models import Offering, PriceCap, ServiceCategory, ServiceItem, ServicePackage

#: Institution price / reference base price, basis points; chosen per (institution, item)
#: by a stable hash so the demo is the same on every run.
PRICE_FACTORS_BP = (9000, 10000, 10000, 11000, 12000)


@dataclass
class CatalogSeedResult:
    categories: int = 0
    items: int = 0
    packages: int = 0
    caps: int = 0
    offerings: int = 0


def seed_catalog() -> CatalogSeedResult:
    """Write (or refresh) the categories, items and packages of ``data.py``."""
    result = CatalogSeedResult()
    with transaction.atomic():
        cats: dict[str, ServiceCategory] = {}
        for order, (code, zh, en, group) in enumerate(data.CATEGORIES, start=1):
            cats[code], _ = ServiceCategory.objects.update_or_create(
                code=code,
                defaults={"name_zh": zh, "name_en": en, "group": group, "sort_order": order * 10},
            )
        items: dict[str, ServiceItem] = {}
        for spec in data.ITEMS:
            fields = {k: v for k, v in spec.items() if k not in ("code", "category")}
            items[spec["code"]], _ = ServiceItem.objects.update_or_create(
                code=spec["code"], defaults={**fields, "category": cats[spec["category"]]}
            )
        for code, item, zh, en, count, interval, discount in data.PACKAGES:
            ServicePackage.objects.update_or_create(
                code=code,
                defaults={
                    "item": items[item],
                    "name_zh": zh,
                    "name_en": en,
                    "visit_count": count,
                    "interval_days": interval,
                    "discount_bp": discount,
                },
            )
    result.categories, result.items, result.packages = (
        len(data.CATEGORIES),
        len(data.ITEMS),
        len(data.PACKAGES),
    )
    return result


def cap_of(base_price_fen: int, factor_bp: int = data.CAP_FACTOR_BP) -> int:
    """Base x factor, rounded up to whole yuan: 6000 fen x 1.5 = 9000 fen."""
    raw = -(-base_price_fen * factor_bp // 10000)
    return -(-raw // 100) * 100


def seed_price_caps(
    region: Region, effective_from: dt.date, *, factor_bp: int = data.CAP_FACTOR_BP
) -> int:
    """One cap per item for ``region`` (skipping items that already have one there)."""
    have = set(PriceCap.objects.filter(region=region).values_list("item_id", flat=True))
    rows = [
        PriceCap(
            region=region,
            item=item,
            cap_fen=cap_of(item.base_price_fen, factor_bp),
            effective_from=effective_from,
        )
        for item in ServiceItem.objects.order_by("id")
        if item.pk not in have
    ]
    PriceCap.objects.bulk_create(rows)
    return len(rows)


def _factor(institution_key: str, item_code: str) -> int:
    digest = hashlib.sha256(f"{institution_key}:{item_code}".encode()).digest()
    return PRICE_FACTORS_BP[digest[0] % len(PRICE_FACTORS_BP)]


def seed_offerings(
    institution: Institution,
    on: dt.date,
    *,
    areas: Iterable[Region] | None = None,
    items: Iterable[ServiceItem] | None = None,
) -> int:
    """Offer items in each service area at base x a stable factor, never above the cap."""
    regions = (
        list(areas)
        if areas is not None
        else [
            a.region for a in ServiceArea.objects.filter(institution=institution).select_related()
        ]
    )
    medical = institution.type in MEDICAL_TYPES
    chosen = [
        i
        for i in (items if items is not None else ServiceItem.objects.filter(is_active=True))
        if medical or not i.is_clinical
    ]
    existing = set(
        Offering.objects.filter(institution=institution).values_list("item_id", "region_id")
    )
    rows: list[Offering] = []
    for region in regions:
        for item in chosen:
            if (item.pk, region.pk) in existing:
                continue
            price = item.base_price_fen * _factor(institution.licence_number, item.code) // 10000
            cap = selectors.cap_for(item, region, on)
            if cap is not None:
                price = min(price, cap)
            rows.append(
                Offering(institution=institution, item=item, region=region, price_fen=price)
            )
    Offering.objects.bulk_create(rows)
    return len(rows)


def seed_demo_catalog(
    *, institutions: Iterable[Institution], province: Region, city: Region, on: dt.date
) -> CatalogSeedResult:
    """The demo city's catalogue: items, province caps (x1.5), a stricter city cap (x1.3)
    for the clinical items, and every institution's offerings in its service areas."""
    result = seed_catalog()
    start = on.replace(month=1, day=1) - dt.timedelta(days=365)
    with transaction.atomic():
        result.caps = seed_price_caps(province, start)
        clinical = ServiceItem.objects.filter(is_clinical=True).order_by("id")
        have = set(PriceCap.objects.filter(region=city).values_list("item_id", flat=True))
        city_caps = [
            PriceCap(
                region=city,
                item=item,
                cap_fen=cap_of(item.base_price_fen, 13000),
                effective_from=start,
            )
            for item in clinical
            if item.pk not in have
        ]
        PriceCap.objects.bulk_create(city_caps)
        result.caps += len(city_caps)
        all_items = list(ServiceItem.objects.filter(is_active=True).order_by("id"))
        for inst in institutions:
            result.offerings += seed_offerings(inst, on, items=all_items)
    return result
