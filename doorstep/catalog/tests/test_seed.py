"""The seeded catalogue: coverage of the issue's groups, valid templates, realistic
prices, requirements that the workforce eligibility core understands, idempotence."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.catalog import selectors
from doorstep.catalog.enums import CategoryGroup, FieldType, RiskLevel
from doorstep.catalog.models import Offering, PriceCap, ServiceCategory, ServiceItem, ServicePackage
from doorstep.catalog.seed import cap_of, seed_catalog, seed_demo_catalog, seed_offerings
from doorstep.organizations.enums import InstitutionType
from doorstep.organizations.models import Institution, ServiceArea
from doorstep.workforce import eligibility
from doorstep.workforce.enums import CertificateKind, ProviderKind

pytestmark = pytest.mark.django_db


def test_seed_is_complete_and_idempotent() -> None:
    first = seed_catalog()
    counts = (
        ServiceCategory.objects.count(),
        ServiceItem.objects.count(),
        ServicePackage.objects.count(),
    )
    seed_catalog()
    assert (
        ServiceCategory.objects.count(),
        ServiceItem.objects.count(),
        ServicePackage.objects.count(),
    ) == counts
    assert (first.categories, first.items, first.packages) == counts
    assert counts[1] >= 60
    groups = set(ServiceCategory.objects.values_list("group", flat=True))
    assert groups == set(CategoryGroup.values)


def test_the_issues_items_are_there() -> None:
    seed_catalog()
    codes = set(ServiceItem.objects.values_list("code", flat=True))
    wanted = {
        "injection_im", "injection_iv", "injection_sc", "blood_sampling", "wound_dressing",
        "urinary_catheter", "ng_tube", "picc_maintenance", "stoma_care", "pressure_injury",
        "tracheostomy_care", "enema", "bp_check", "glucose_check", "diabetic_foot",
        "rehab_stroke", "tcm_cupping", "tcm_moxibustion", "tcm_tuina", "tcm_acupressure",
        "postnatal_visit", "newborn_bath", "breastfeeding_guidance", "jaundice_check",
        "hospice_symptom", "nutrition_guidance", "medication_guidance", "mental_health",
        "meal_delivery", "grocery_shopping", "cleaning", "bathing_help", "haircut", "massage",
        "hospital_escort", "companionship_visit", "home_repair", "errands",
    }  # fmt: skip
    assert wanted - codes == set()


@pytest.mark.parametrize(
    ("code", "low", "high"),
    [("injection_im", 5000, 8000), ("picc_maintenance", 15000, 20000), ("haircut", 2000, 3000)],
)
def test_prices_are_realistic(code: str, low: int, high: int) -> None:
    seed_catalog()
    assert low <= ServiceItem.objects.get(code=code).base_price_fen <= high


def test_every_item_is_well_formed() -> None:
    seed_catalog()
    kinds, certs = set(ProviderKind.values), set(CertificateKind.values)
    for item in ServiceItem.objects.all():
        assert all((item.name_zh, item.name_en, item.synonyms, item.provider_kinds)), item.code
        assert set(item.provider_kinds) <= kinds, item.code
        assert set(item.required_certificates) <= certs, item.code
        assert item.eligibility_preset in ("", *eligibility.PRESETS), item.code
        assert item.risk_level in RiskLevel.values
        assert 10 <= item.duration_minutes <= 240
        assert item.base_price_fen > 0
        assert item.requires_assessment == (item.assessment_validity_days > 0), item.code
        assert item.documentation_template, item.code
        for f in item.documentation_template:
            assert f["type"] in FieldType.values, (item.code, f["key"])
            assert f["label_zh"]
            assert f["label_en"]
            if f["type"] in ("number", "integer") and f["loinc"]:
                assert f["unit"], (item.code, f["key"])
            if f["type"] == "choice":
                assert f["choices"], (item.code, f["key"])
        for c in item.consumables:
            assert c["price_fen"] > 0
            assert c["name_zh"]
            assert c["unit"]
    for p in ServicePackage.objects.all():
        assert p.visit_count >= 2
        assert 0 <= p.discount_bp <= 2000


def test_vital_sign_fields_carry_loinc_and_ucum() -> None:
    seed_catalog()
    bp = {f["key"]: f for f in ServiceItem.objects.get(code="bp_check").documentation_template}
    assert (bp["bp_systolic"]["loinc"], bp["bp_systolic"]["unit"]) == ("8480-6", "mm[Hg]")
    assert (bp["bp_diastolic"]["loinc"], bp["pulse"]["loinc"]) == ("8462-4", "8867-4")
    glucose = {
        f["key"]: f for f in ServiceItem.objects.get(code="glucose_check").documentation_template
    }
    assert (glucose["glucose"]["loinc"], glucose["glucose"]["unit"]) == ("15074-8", "mmol/L")
    wound = {
        f["key"]: f for f in ServiceItem.objects.get(code="wound_dressing").documentation_template
    }
    assert (wound["wound_length"]["unit"], wound["photo_before"]["type"]) == ("cm", "photo")
    assert wound["wound_length"]["required"]
    assert wound["wound_width"]["required"]


def test_requirement_for_items() -> None:
    """PICC: the preset (nurse, 护师, 5 years, licence, PICC certificate); tracheostomy: the
    clinical preset tightened to 主管护师 (rank 3); a haircut: anyone verified."""
    seed_catalog()
    picc = selectors.requirement_for(ServiceItem.objects.get(code="picc_maintenance"))
    assert (picc.kinds, picc.min_title, picc.min_years, picc.clinical) == (
        frozenset({"nurse"}),
        "senior_nurse",
        5,
        True,
    )
    assert picc.certificate_kinds == frozenset({"specialist_picc"})
    trach = selectors.requirement_for(ServiceItem.objects.get(code="tracheostomy_care"))
    assert (trach.min_title, trach.code) == ("supervising_nurse", "tracheostomy_care")
    hair = selectors.requirement_for(ServiceItem.objects.get(code="haircut"))
    assert (hair.clinical, hair.min_title, hair.kinds) == (
        False,
        "",
        frozenset({"caregiver", "volunteer", "nurse"}),
    )
    bp = selectors.requirement_for(ServiceItem.objects.get(code="bp_check"))
    assert (bp.kinds, bp.clinical, bp.min_years) == (
        frozenset({"nurse", "community_doctor"}),
        True,
        0,
    )
    assert selectors.needs_specialist(ServiceItem.objects.get(code="stoma_care"))
    assert not selectors.needs_specialist(ServiceItem.objects.get(code="injection_im"))


def test_cap_rounds_up_to_whole_yuan() -> None:
    """6000 x 1.5 = 9000; 2500 x 1.5 = 3750 -> 3800; 1500 x 1.3 = 1950 -> 2000."""
    assert (cap_of(6000), cap_of(2500), cap_of(1500, 13000)) == (9000, 3800, 2000)


def test_demo_catalogue_and_offerings(world: Any) -> None:
    """Province caps x1.5 for every item, city caps x1.3 for clinical items; offerings in
    every service area, only non-clinical items for a non-medical institution, never above
    the applicable cap; a second run adds nothing."""
    on = dt.date(2026, 6, 15)
    agency = Institution.objects.create(
        name_zh="安康居家", name_en="Ankang", type=InstitutionType.HOME_CARE_AGENCY,
        licence_number="HC-1", region=world.district1, status="active",
    )  # fmt: skip
    ServiceArea.objects.create(institution=agency, region=world.district1)
    insts = [world.inst_a, world.inst_b, agency]
    result = seed_demo_catalog(institutions=insts, province=world.province, city=world.city, on=on)
    n_items = ServiceItem.objects.count()
    n_clinical = ServiceItem.objects.filter(is_clinical=True).count()
    assert result.caps == n_items + n_clinical
    assert result.offerings == 2 * n_items + (n_items - n_clinical)
    assert not Offering.objects.filter(institution=agency, item__is_clinical=True).exists()
    for o in Offering.objects.select_related("item", "region"):
        cap = selectors.cap_for(o.item, o.region, on)
        assert cap is not None
        assert o.price_fen <= cap
    im = ServiceItem.objects.get(code="injection_im")
    assert selectors.cap_for(im, world.community1, on) == cap_of(6000, 13000) == 7800
    again = seed_demo_catalog(institutions=insts, province=world.province, city=world.city, on=on)
    assert (again.caps, again.offerings) == (0, 0)
    assert PriceCap.objects.count() == n_items + n_clinical
    assert seed_offerings(world.inst_a, on) == 0
