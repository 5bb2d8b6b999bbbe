"""Catalogue fixtures: the seeded catalogue, province caps and a few offerings with
hand-picked prices, on a fixed day (2026-06-15, via the workforce ``today`` fixture)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from doorstep.catalog.models import Offering, ServiceItem, ServicePackage
from doorstep.catalog.seed import seed_catalog, seed_price_caps
from doorstep.organizations.models import Institution
from doorstep.people.tests.conftest import elder_a, elder_b  # noqa: F401
from doorstep.workforce.tests.conftest import staff, today  # noqa: F401

CAPS_FROM = dt.date(2026, 1, 1)
#: Institution A's base, 0.04 degrees of latitude north of 王秀英's home (29.8612, 121.5433).
INST_A_LAT, INST_A_LNG = 29.9012, 121.5433


@dataclass
class Catalog:
    items: dict[str, ServiceItem]
    packages: dict[str, ServicePackage]
    im_a: Offering  # IM injection by institution A in district 1 at 70 yuan
    picc_a: Offering  # PICC maintenance by institution A in district 1 at 180 yuan
    im_b: Offering  # IM injection by institution B in district 2 at 65 yuan


@pytest.fixture
def catalog(world: Any, today: dt.date) -> Catalog:  # noqa: F811
    seed_catalog()
    seed_price_caps(world.province, CAPS_FROM)  # x1.5: IM 90 yuan, PICC 270 yuan
    Institution.objects.filter(pk=world.inst_a.pk).update(lat=INST_A_LAT, lng=INST_A_LNG)
    world.inst_a.refresh_from_db()
    items = {i.code: i for i in ServiceItem.objects.all()}
    packages = {p.code: p for p in ServicePackage.objects.all()}
    im_a = Offering.objects.create(
        institution=world.inst_a, item=items["injection_im"], region=world.district1, price_fen=7000
    )
    picc_a = Offering.objects.create(
        institution=world.inst_a,
        item=items["picc_maintenance"],
        region=world.district1,
        price_fen=18000,
    )
    im_b = Offering.objects.create(
        institution=world.inst_b, item=items["injection_im"], region=world.district2, price_fen=6500
    )
    return Catalog(items, packages, im_a, picc_a, im_b)
