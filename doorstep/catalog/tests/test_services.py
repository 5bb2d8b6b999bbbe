"""Catalogue services: the price lock the orders app calls, offering rules, caps."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.catalog import services
from doorstep.catalog.errors import (
    ChoiceRequired,
    ClinicalNeedsMedicalInstitution,
    ItemInactive,
    NotOffered,
    PriceAboveCap,
)
from doorstep.catalog.models import Offering, PriceCap
from doorstep.core.errors import Forbidden
from doorstep.core.models import AuditEvent
from doorstep.organizations.enums import InstitutionType
from doorstep.organizations.models import Institution, ServiceArea

pytestmark = pytest.mark.django_db

CST = dt.timezone(dt.timedelta(hours=8))
DAY = dt.datetime(2026, 6, 15, 9, 0, tzinfo=CST)


def test_lock_price_for_a_package(catalog: Any, world: Any, elder_a: Any) -> None:
    """The PICC package of test_api: 102600 fen, with every input frozen."""
    locked = services.lock_price(
        item=None,
        package=catalog.packages["picc_4w"],
        institution=world.inst_a,
        elder=elder_a,
        when=DAY,
    )
    assert (locked.total_fen, locked.visit_fen, locked.visit_count, locked.cap_fen) == (
        102600,
        27000,
        4,
        27000,
    )
    assert (locked.offering_id, locked.item_id) == (
        catalog.picc_a.pk,
        catalog.items["picc_maintenance"].pk,
    )
    assert [ln["code"] for ln in locked.lines] == [
        "base",
        "complexity",
        "credential",
        "distance",
        "consumable:picc_kit",
        "cap",
        "package_visits",
        "package_discount",
    ]
    assert sum(ln["amount_fen"] for ln in locked.lines) == locked.total_fen
    inputs = locked.as_dict()["inputs"]
    assert inputs == {
        "base_price_fen": 18000,
        "start": "2026-06-15T09:00:00+08:00",
        "care_level": 2,
        "min_title_rank": 2,
        "specialist": True,
        "distance_m": 5782,
        "cap_fen": 27000,
        "visit_count": 4,
        "discount_bp": 500,
        "policy_version": "default",
        "consumables": [
            {
                "code": "picc_kit",
                "unit_price_fen": 4500,
                "quantity": 1,
                "name_zh": "PICC 维护包",
                "name_en": "PICC maintenance kit",
            }
        ],
    }


def test_lock_price_refusals(catalog: Any, world: Any, elder_a: Any) -> None:
    im = catalog.items["injection_im"]
    with pytest.raises(NotOffered):
        services.lock_price(
            item=im, package=None, institution=world.inst_b, elder=elder_a, when=DAY
        )
    with pytest.raises(ChoiceRequired):
        services.lock_price(
            item=None, package=None, institution=world.inst_a, elder=elder_a, when=DAY
        )
    im.is_active = False
    im.save()
    with pytest.raises(ItemInactive):
        services.lock_price(
            item=im, package=None, institution=world.inst_a, elder=elder_a, when=DAY
        )


def test_lock_price_from_the_provider_base(catalog: Any, world: Any, elder_a: Any) -> None:
    """From the provider's base at the elder's door: no travel fee."""
    locked = services.lock_price(
        item=catalog.items["injection_im"],
        package=None,
        institution=world.inst_a,
        elder=elder_a,
        when=DAY,
        provider_base=(29.8612, 121.5433),
    )
    assert (locked.inputs["distance_m"], locked.total_fen) == (0, 8200)


def test_only_medical_institutions_offer_clinical_items(
    catalog: Any, world: Any, personas: Any
) -> None:
    agency = Institution.objects.create(
        name_zh="安康居家", name_en="Ankang", type=InstitutionType.HOME_CARE_AGENCY,
        licence_number="HC-1", region=world.district1, status="active",
    )  # fmt: skip
    ServiceArea.objects.create(institution=agency, region=world.district1)
    actor = Actor.of(personas.platform_admin)
    with pytest.raises(ClinicalNeedsMedicalInstitution):
        services.create_offering(
            actor=actor,
            institution=agency,
            item=catalog.items["injection_im"],
            region=world.district1,
            price_fen=6000,
            on=DAY.date(),
        )
    offering = services.create_offering(
        actor=actor,
        institution=agency,
        item=catalog.items["haircut"],
        region=world.community1,
        price_fen=2500,
        on=DAY.date(),
    )
    assert offering.price_fen == 2500


def test_reactivating_an_offering_above_a_new_cap_is_refused(
    catalog: Any, world: Any, personas: Any
) -> None:
    admin = Actor.of(personas.inst_admin)
    services.update_offering(actor=admin, offering=catalog.im_a, is_active=False, on=DAY.date())
    PriceCap.objects.create(
        region=world.district1,
        item=catalog.items["injection_im"],
        cap_fen=6500,
        effective_from=dt.date(2026, 6, 1),
    )
    before = AuditEvent.objects.count()
    with pytest.raises(PriceAboveCap):
        services.update_offering(actor=admin, offering=catalog.im_a, is_active=True, on=DAY.date())
    assert Offering.objects.get(pk=catalog.im_a.pk).is_active is False
    assert AuditEvent.objects.count() == before
    # At a price within the new cap it may be offered again.
    services.update_offering(
        actor=admin, offering=catalog.im_a, price_fen=6500, is_active=True, on=DAY.date()
    )
    assert Offering.objects.get(pk=catalog.im_a.pk).is_active is True


def test_only_platform_admins_set_caps(catalog: Any, world: Any, personas: Any) -> None:
    with pytest.raises(Forbidden):
        services.set_price_cap(
            actor=Actor.of(personas.inst_admin),
            item=catalog.items["injection_im"],
            region=world.district1,
            cap_fen=100,
            effective_from=DAY.date(),
        )
    assert not PriceCap.objects.filter(region=world.district1).exists()
