"""Fixtures of the orders tests: a frozen clock, two catalogue items offered by both
institutions, verified providers, and a helper that walks a visit through its states.

Items: ``dressing`` (clinical nursing, needs a first-visit assessment valid 90 days, a
documentation template with blood pressure in mmHg and the wound length in cm) and
``companion`` (companionship, no assessment, one required choice). Institution A requires
prepayment; institution B takes payment at the door.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from doorstep.accounts.policy import Actor
from doorstep.catalog.models import Offering, ServiceCategory, ServiceItem, ServicePackage
from doorstep.core import clock
from doorstep.orders import services
from doorstep.orders.models import Assessment, Order, Visit
from doorstep.people import services as people_services
from doorstep.people.tests.conftest import elder_a, elder_b  # noqa: F401
from doorstep.workforce.models import Provider
from doorstep.workforce.tests.conftest import staff  # noqa: F401

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The frozen "now" of the orders tests: Monday 15 June 2026, 08:00 in Ningbo.
NOW = dt.datetime(2026, 6, 15, 8, 0, tzinfo=SHANGHAI)
#: Elder 王秀英's home (elder_a) and a point about 500 m north of it.
HOME = (29.8612, 121.5433)
NEAR_500M = (29.8657, 121.5433)
FAR_2KM = (29.8792, 121.5433)
#: Elder 陈桂兰 (elder_b) has no home point: her visits use community 2's centroid.
HOME_B = (29.70, 121.55)

DRESSING_TEMPLATE = [
    {
        "key": "systolic",
        "label_zh": "收缩压",
        "label_en": "Systolic",
        "type": "integer",
        "unit": "mm[Hg]",
        "loinc": "8480-6",
        "required": True,
        "min": 50,
        "max": 260,
    },
    {
        "key": "diastolic",
        "label_zh": "舒张压",
        "label_en": "Diastolic",
        "type": "integer",
        "unit": "mm[Hg]",
        "loinc": "8462-4",
        "required": True,
        "min": 30,
        "max": 160,
    },
    {
        "key": "wound_length_cm",
        "label_zh": "伤口长度",
        "label_en": "Wound length",
        "type": "number",
        "unit": "cm",
        "loinc": "39126-8",
        "required": True,
        "min": 0,
        "max": 50,
    },
    {
        "key": "infection_signs",
        "label_zh": "感染迹象",
        "label_en": "Signs of infection",
        "type": "bool",
        "required": False,
    },
    {
        "key": "wound_photo",
        "label_zh": "伤口照片",
        "label_en": "Wound photo",
        "type": "photo",
        "required": False,
    },
]
COMPANION_TEMPLATE = [
    {
        "key": "mood",
        "label_zh": "情绪",
        "label_en": "Mood",
        "type": "choice",
        "choices": ["good", "fair", "poor"],
        "required": True,
    },
]


class FrozenClock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def advance(self, **kw: float) -> dt.datetime:
        self.now = self.now + dt.timedelta(**kw)
        return self.now


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    fc = FrozenClock(NOW)
    monkeypatch.setattr(clock, "now", lambda: fc.now)
    monkeypatch.setattr(clock, "today", lambda: timezone.localtime(fc.now, SHANGHAI).date())
    return fc


@pytest.fixture
def today(frozen: FrozenClock) -> dt.date:
    """Overrides the workforce ``today``: the frozen clock's day."""
    return NOW.date()


@dataclass
class Catalog:
    dressing: ServiceItem
    companion: ServiceItem
    dressing_pack: ServicePackage


@pytest.fixture
def catalog(world: Any) -> Catalog:
    cat = ServiceCategory.objects.create(
        code="wound", name_zh="伤口护理", name_en="Wound care", group="clinical_nursing"
    )
    daily = ServiceCategory.objects.create(
        code="company", name_zh="陪伴", name_en="Companionship", group="daily_life"
    )
    dressing = ServiceItem.objects.create(
        code="wound_dressing",
        category=cat,
        name_zh="伤口换药",
        name_en="Wound dressing",
        provider_kinds=["nurse"],
        eligibility_preset="clinical_nursing",
        is_clinical=True,
        duration_minutes=45,
        risk_level="medium",
        requires_assessment=True,
        assessment_validity_days=90,
        documentation_template=DRESSING_TEMPLATE,
        base_price_fen=12000,
    )
    companion = ServiceItem.objects.create(
        code="companionship_visit",
        category=daily,
        name_zh="陪伴探访",
        name_en="Companionship visit",
        provider_kinds=["nurse", "caregiver"],
        eligibility_preset="companionship",
        duration_minutes=60,
        documentation_template=COMPANION_TEMPLATE,
        base_price_fen=5000,
    )
    pack = ServicePackage.objects.create(
        code="dressing_x4",
        item=dressing,
        name_zh="换药 4 次",
        name_en="4 dressings",
        visit_count=4,
        interval_days=7,
    )
    for inst, region in ((world.inst_a, world.district1), (world.inst_b, world.district2)):
        Offering.objects.create(institution=inst, item=dressing, region=region, price_fen=12000)
        Offering.objects.create(institution=inst, item=companion, region=region, price_fen=5000)
    world.inst_b.prepayment_required = False
    world.inst_b.save(update_fields=["prepayment_required"])
    return Catalog(dressing=dressing, companion=companion, dressing_pack=pack)


def verify(provider: Provider, **fields: Any) -> Provider:
    """Test set-up: put a provider straight into ``verified`` (not a transition)."""
    Provider.objects.filter(pk=provider.pk).update(verification_status="verified", **fields)
    provider.refresh_from_db()
    return provider


@pytest.fixture
def providers(staff: Any, frozen: FrozenClock) -> Any:  # noqa: F811
    verify(staff.nurse, transport_mode="e_bike")
    verify(staff.caregiver)
    verify(staff.other_nurse)
    return staff


@pytest.fixture
def family_link(elder_a: Any, personas: Any) -> Any:  # noqa: F811
    elder_actor = Actor.of(personas.elder)
    link = people_services.link_family(
        actor=elder_actor,
        elder=elder_a,
        user=personas.family,
        relationship="child",
        permissions=["view_record", "place_orders"],
    )
    people_services.record_consent(
        actor=elder_actor, elder=elder_a, purpose="family_proxy_access", policy_version="2026-01"
    )
    return link


def at(hours: float, base: dt.datetime = NOW) -> dt.datetime:
    return base + dt.timedelta(hours=hours)


def place(
    user: Any,
    elder: Any,
    institution: Any,
    item: Any = None,
    *,
    start: dt.datetime | None = None,
    package: Any = None,
) -> Order:
    return services.place_order(
        actor=Actor.of(user),
        elder=elder,
        institution=institution,
        item=item,
        package=package,
        window_start=start or at(2),
    )


def assessment_of(visit: Visit) -> Assessment:
    assert visit.assessment is not None
    return visit.assessment


def fresh(visit: Visit) -> Visit:
    return Visit.objects.select_related("order", "order__item", "order__elder").get(pk=visit.pk)


def first_visit(order: Order) -> Visit:
    return fresh(order.visits.order_by("seq").first())  # type: ignore[arg-type]


def dispatchable(personas: Any, world: Any, elder: Any, item: Any, **kw: Any) -> Visit:
    """A visit of institution A for ``item`` that is awaiting dispatch (assessment accepted
    if needed, prepaid)."""
    order = place(personas.elder, elder, world.inst_a, item, **kw)
    visit = first_visit(order)
    if visit.status == "awaiting_assessment":
        services.review_assessment(
            actor=Actor.of(personas.reviewer),
            assessment=assessment_of(visit),
            decision="accepted",
            risk_flags=["aggressive_pet"],
        )
    visit = fresh(visit)
    if visit.status == "awaiting_payment":
        services.confirm_payment(actor=Actor.of(personas.elder), order=order, method="card")
    return fresh(visit)


def assigned(
    personas: Any, world: Any, elder: Any, item: Any, provider: Provider, **kw: Any
) -> Visit:
    visit = dispatchable(personas, world, elder, item, **kw)
    services.assign_provider(actor=Actor.of(personas.dispatcher), visit=visit, provider=provider)
    return fresh(visit)


def in_service(
    personas: Any,
    world: Any,
    elder: Any,
    item: Any,
    provider: Provider,
    frozen: FrozenClock,
    **kw: Any,
) -> Visit:
    visit = assigned(personas, world, elder, item, provider, **kw)
    nurse = Actor.of(provider.user)
    services.start_travel(actor=nurse, visit=visit)
    frozen.now = visit.window_start
    services.check_in(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    services.start_service(actor=nurse, visit=fresh(visit))
    return fresh(visit)


GOOD_VALUES = {"systolic": 132, "diastolic": 84, "wound_length_cm": 3.5}
