"""Fixtures of the apps, reused by the cross-cutting tests in this folder."""

import datetime as dt

import pytest

from doorstep.people.tests.conftest import elder_a, elder_b  # noqa: F401
from doorstep.workforce.tests.conftest import staff, today  # noqa: F401


# quality: objects of the quality app for the access matrix (ADR 0014)
@pytest.fixture
def quality_scene(world, personas, elder_a, staff):  # type: ignore[no-untyped-def]  # noqa: F811
    """A completed, unrated visit of 王秀英 by nurse_chen (rating routes); a second one
    rated low (a quality review) with a complaint; a warning to nurse_chen; an active
    blacklist entry at institution A for another elder (not 王秀英, so booking still works)."""
    from doorstep.accounts.policy import Actor
    from doorstep.people import services as people_services
    from doorstep.quality import services as quality
    from doorstep.quality.tests.conftest import make_visit

    admin, elder = Actor.of(personas.inst_admin), Actor.of(personas.elder)
    visit = make_visit(elder=elder_a, institution=world.inst_a, provider=staff.nurse)
    rated = make_visit(elder=elder_a, institution=world.inst_a, provider=staff.nurse)
    quality.rate_visit(actor=elder, visit=rated, punctuality=2, skill=4, attitude=4)
    complaint = quality.file_complaint(
        actor=elder, order=rated.order, visit=rated, category="punctuality", description="迟到"
    )
    other = people_services.register_elder(
        actor=Actor.of(personas.platform_admin),
        full_name="周美华",
        id_number="330203195203030023",
        region=world.community1,
    )
    people_services.link_institution(
        actor=Actor.of(personas.platform_admin), elder=other, institution=world.inst_a
    )
    entry = quality.blacklist_patient(
        actor=admin,
        institution=world.inst_a,
        elder=other,
        reason="威胁护士",
        review_date=dt.date(2030, 1, 1),
    )
    sanction = quality.sanction_provider(
        actor=admin, provider=staff.nurse, kind="warning", reason="着装不规范"
    )
    return {
        "rating_visit_id": visit.pk,
        "complaint_id": complaint.pk,
        "review_id": quality.QualityReview.objects.get(visit=rated).pk,
        "entry_id": entry.pk,
        "sanction_id": sanction.pk,
    }


# orders: objects of the orders app for the access matrix (ADR 0013)
@pytest.fixture
def orders_scene(world, personas, elder_a, staff):  # type: ignore[no-untyped-def]  # noqa: F811
    from doorstep.orders.tests.scene import build

    return build(world=world, personas=personas, elder=elder_a, caregiver=staff.caregiver)


# matching: objects of the matching app for the access matrix (ADR 0020)
@pytest.fixture
def matching_scene(world, personas, elder_a, staff, orders_scene):  # type: ignore[no-untyped-def]  # noqa: F811
    from doorstep.matching.tests.scene import build

    return build(world=world, personas=personas, elder=elder_a, nurse=staff.nurse, ids=orders_scene)


# billing: objects of the billing app for the access matrix (ADR 0022)
@pytest.fixture
def billing_scene(personas, orders_scene):  # type: ignore[no-untyped-def]
    from doorstep.billing.tests.scene import build

    return build(personas=personas, ids=orders_scene)


# health: objects of the health app for the access matrix (ADR 0026)
@pytest.fixture
def health_scene(personas, elder_a):  # type: ignore[no-untyped-def]  # noqa: F811
    from doorstep.health.tests.scene import build

    return build(personas=personas, elder=elder_a)


# care plans: objects of the care plans for the access matrix (ADR 0027)
@pytest.fixture
def careplan_scene(personas, elder_a, orders_scene):  # type: ignore[no-untyped-def]  # noqa: F811
    from doorstep.health.tests.careplan_scene import build

    return build(personas=personas, elder=elder_a)


# dispatch: objects of the dispatch app for the access matrix (ADR 0019)
@pytest.fixture
def dispatch_scene(world, personas, staff):  # type: ignore[no-untyped-def]  # noqa: F811
    from doorstep.dispatch.tests.scene import build

    return build(world=world, personas=personas, nurse=staff.nurse)


# catalog: objects of the catalog app for the access matrix (ADR 0012)
@pytest.fixture
def catalog_scene(world):  # type: ignore[no-untyped-def]
    """An injection item with a province cap of 90 yuan, offered by institution A in
    district 1 at 70 yuan (``offering_id``); a second item (``catalog_new_item_id``) that A
    does not offer yet."""
    from doorstep.catalog.models import Offering, PriceCap, ServiceCategory, ServiceItem

    category = ServiceCategory.objects.create(
        code="matrix-clinical", name_zh="注射", name_en="Injections", group="clinical_nursing"
    )
    items = [
        ServiceItem.objects.create(
            code=code, category=category, name_zh=zh, name_en=en, synonyms=[zh, en],
            provider_kinds=["nurse"], eligibility_preset="clinical_nursing", is_clinical=True,
            duration_minutes=30, base_price_fen=6000,
        )
        for code, zh, en in (("matrix_im", "肌内注射", "IM injection"),
                             ("matrix_sc", "皮下注射", "SC injection"))
    ]  # fmt: skip
    for item in items:
        PriceCap.objects.create(
            region=world.province, item=item, cap_fen=9000, effective_from=dt.date(2020, 1, 1)
        )
    offering = Offering.objects.create(
        institution=world.inst_a, item=items[0], region=world.district1, price_fen=7000
    )
    return {
        "item_id": items[0].pk,
        "catalog_new_item_id": items[1].pk,
        "offering_id": offering.pk,
    }


# devices: 王秀英's watch, registered by institution A's admin, for the access matrix (ADR 0030)
@pytest.fixture
def devices_scene(personas, elder_a):  # type: ignore[no-untyped-def]  # noqa: F811
    from doorstep.accounts.policy import Actor
    from doorstep.devices import services
    from doorstep.people import services as people_services

    admin = Actor.of(personas.inst_admin)
    people_services.set_household(
        actor=admin, elder=elder_a, lives_alone=True, floor=5, has_lift=False
    )
    elder_a.refresh_from_db()
    device, _ = services.register_device(actor=admin, elder=elder_a, type="watch")
    return {"device_pk": device.pk}


# alerts: an SOS of 王秀英 from her watch for the access matrix (ADR 0031)
@pytest.fixture
def alerts_scene(personas, elder_a):  # type: ignore[no-untyped-def]  # noqa: F811
    from doorstep.alerts import services

    raised = services.device_alarm(
        device_id=901, elder=elder_a, kind="sos", at=elder_a.created_at, seq=1, values={}
    )
    assert raised is not None
    return {"alert_id": raised[0].pk}
