"""The care plan API over real request handling: the nurse builds, activates and generates
a plan; the elder and her family read it; proactive proposals are raised from readings,
deduplicated, accepted into the plan or as one-off orders, or dismissed; error codes;
audited reads; nothing written on refusal (ADR 0027)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.catalog.models import Offering, ServiceCategory, ServiceItem
from doorstep.core import clock
from doorstep.core.models import AuditEvent
from doorstep.health import services as health_services
from doorstep.health.models import CarePlan, CareProposal, Intervention
from doorstep.orders.models import Order
from doorstep.orders.tests import conftest as orders_fixtures

from .conftest import act

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen

pytestmark = pytest.mark.django_db


@pytest.fixture
def care_items(world: Any, catalog: Any) -> dict[str, ServiceItem]:
    """The seeded catalogue's items the rules use, offered by institution A."""
    cat = ServiceCategory.objects.create(
        code="chronic", name_zh="慢病管理", name_en="Chronic care", group="chronic_disease"
    )
    made = {}
    for code, zh, en in (
        ("bp_check", "血压监测", "Blood pressure check"),
        ("chronic_followup", "慢病随访", "Chronic disease follow-up"),
        ("turning_care", "翻身拍背", "Turning and back patting"),
    ):
        made[code] = ServiceItem.objects.create(
            code=code,
            category=cat,
            name_zh=zh,
            name_en=en,
            provider_kinds=["nurse"],
            duration_minutes=30,
            base_price_fen=3000,
        )
        Offering.objects.create(
            institution=world.inst_a, item=made[code], region=world.district1, price_fen=3000
        )
    return made


def high_bp(personas: Any, elder: Any, days: list[int]) -> None:
    for d in days:
        health_services.record_observation(
            actor=act(personas.nurse),
            elder=elder,
            kind="blood_pressure",
            value=172,
            value2=98,
            source="visit",
            measured_at=clock.now() - dt.timedelta(days=d),
        )


def test_nurse_builds_activates_and_generates_a_plan_family_reads_it(
    api_as: Any, personas: Any, elder_a: Any, catalog: Any, frozen: Any, family_consented: Any
) -> None:
    nurse = api_as(personas.nurse)
    r = nurse.post(
        f"/api/v1/elders/{elder_a.pk}/care-plans",
        {"title": "陪伴与慢病 Companionship", "end_date": "2026-12-31"},
    )
    assert r.status_code == 201, r.content
    plan = r.json()
    assert (plan["status"], plan["horizon_days"], plan["review_date"]) == (
        "draft",
        14,
        "2026-09-13",
    )
    pid = plan["id"]
    r = nurse.post(f"/api/v1/care-plans/{pid}/goals", {"description": "Less lonely"})
    assert r.status_code == 201
    r = nurse.post(
        f"/api/v1/care-plans/{pid}/interventions",
        {
            "item_code": catalog.companion.code,
            "frequency": "weekly",
            "weekdays": [2, 4],
            "time_from": "14:00",
            "goal_id": r.json()["id"],
        },
    )
    assert r.status_code == 201, r.content
    assert (r.json()["schedule_en"], r.json()["schedule_zh"], r.json()["time_to"]) == (
        "Tue, Thu",
        "每周二、四",
        "16:00:00",
    )
    r = nurse.post(f"/api/v1/care-plans/{pid}/generate")
    assert (r.status_code, r.json()["code"]) == (409, "care_plan_state")
    # a draft is the care team's work in progress: not shown to the elder or family
    family = api_as(personas.family)
    assert family.get(f"/api/v1/care-plans/{pid}").status_code == 404
    assert family.get(f"/api/v1/elders/{elder_a.pk}/care-plans").json() == []
    r = nurse.post(f"/api/v1/care-plans/{pid}/activate")
    assert (r.json()["status"], r.json()["review_due"]) == ("active", False)
    r = nurse.post(f"/api/v1/care-plans/{pid}/generate")
    assert r.status_code == 200
    assert (r.json()["booked"], r.json()["skipped"], r.json()["through"]) == (4, 0, "2026-06-29")
    assert nurse.post(f"/api/v1/care-plans/{pid}/generate").json()["unchanged"] == 4
    rows = nurse.get(f"/api/v1/care-plans/{pid}/occurrences").json()
    assert [(o["date"], o["status"], o["visit_status"]) for o in rows] == [
        ("2026-06-16", "booked", "awaiting_payment"),
        ("2026-06-18", "booked", "awaiting_payment"),
        ("2026-06-23", "booked", "awaiting_payment"),
        ("2026-06-25", "booked", "awaiting_payment"),
    ]
    assert Order.objects.filter(pk=rows[0]["order_id"], channel="care_plan").exists()

    # the elder and her family read the plan; the family's read is audited; they may
    # not change it
    for who in (personas.elder, personas.family):
        client = api_as(who)
        assert client.get(f"/api/v1/care-plans/{pid}").json()["interventions"][0]["item_code"]
        assert client.get(f"/api/v1/elders/{elder_a.pk}/care-plans").json()[0]["id"] == pid
        r = client.post(f"/api/v1/care-plans/{pid}/end", {"reason": "x"})
        assert (r.status_code, r.json()["code"]) == (403, "may_not_change_care_plan")
    reads = AuditEvent.objects.filter(
        object_type="health_record", action="read", actor=personas.family
    )
    assert {e.details["part"] for e in reads} == {"care_plan", "care_plans"}
    # other institutions and staff without a clinical role do not see it
    for outsider in (personas.other_nurse, personas.inst_admin, personas.regulator):
        assert api_as(outsider).get(f"/api/v1/care-plans/{pid}").status_code == 404

    r = nurse.post(f"/api/v1/care-plans/{pid}/end", {"reason": "Family moved her to Shanghai"})
    assert r.json()["status"] == "ended"
    rows = nurse.get(f"/api/v1/care-plans/{pid}/occurrences").json()
    assert {(o["status"], o["visit_status"]) for o in rows} == {("cancelled", "cancelled")}


def test_refusals_carry_stable_codes_and_change_nothing(
    api_as: Any, personas: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    nurse = api_as(personas.nurse)
    pid = nurse.post(f"/api/v1/elders/{elder_a.pk}/care-plans", {"title": "Plan"}).json()["id"]
    base = {"item_code": catalog.companion.code, "frequency": "daily", "time_from": "09:00"}
    cases = [
        ({**base, "item_code": "teleport"}, 422, "care_plan_item_unknown", None),
        ({**base, "frequency": "weekly", "weekdays": [9]}, 422, "care_plan_invalid", "weekdays"),
        ({**base, "time_to": "08:00"}, 422, "care_plan_invalid", "time_to"),
        ({**base, "preferred_provider_id": 999999}, 422, "preferred_provider_invalid", None),
    ]
    zh = api_as(personas.nurse, lang="zh-hans")
    before = AuditEvent.objects.count()
    for body, status, code, field in cases:
        r = zh.post(f"/api/v1/care-plans/{pid}/interventions", body)
        assert (r.status_code, r.json()["code"]) == (status, code), body
        assert r.json()["message"]
        if field:
            assert r.json()["details"]["field"] == field
    assert not Intervention.objects.exists()
    assert AuditEvent.objects.count() == before
    r = nurse.post(f"/api/v1/elders/{elder_a.pk}/care-plans", {"title": "Second"})
    assert (r.status_code, r.json()["code"]) == (409, "care_plan_exists")
    r = api_as(personas.reviewer).post(
        f"/api/v1/elders/{elder_a.pk}/care-plans",
        {"title": "x", "start_date": "2026-07-01", "end_date": "2026-06-30"},
    )
    assert (r.status_code, r.json()["details"]["field"]) == (422, "end_date")
    assert CarePlan.objects.count() == 1


def test_proposals_are_raised_once_accepted_into_the_plan_or_dismissed(
    api_as: Any, personas: Any, elder_a: Any, care_items: Any, frozen: Any
) -> None:
    nurse = api_as(personas.nurse)
    base = f"/api/v1/elders/{elder_a.pk}/care-proposals"
    high_bp(personas, elder_a, [1, 2])
    assert nurse.post(f"{base}/evaluate").json() == []  # two high readings: not yet
    high_bp(personas, elder_a, [3])
    raised = nurse.post(f"{base}/evaluate").json()
    assert [p["rule"] for p in raised] == ["bp_high"]
    bp = raised[0]
    assert len(bp["evidence"]) == 3
    assert bp["evidence"][0]["value"] == "172"
    assert [a["item_name_zh"] for a in bp["actions"]] == ["血压监测", "慢病随访"]
    assert nurse.post(f"{base}/evaluate").json() == []  # the same open one is not doubled
    assert [p["id"] for p in nurse.get(base).json()] == [bp["id"]]

    # Braden 11: pressure-injury prevention proposed; accepting starts a draft plan with
    # the intervention from tomorrow
    health_services.submit_assessment(
        actor=act(personas.nurse),
        elder=elder_a,
        instrument="braden",
        answers={
            "sensory_perception": 2,
            "moisture": 2,
            "activity": 2,
            "mobility": 2,
            "nutrition": 2,
            "friction_shear": 1,
        },
    )
    braden = nurse.post(f"{base}/evaluate").json()[0]
    assert (braden["rule"], braden["evidence"][0]["score"]) == ("braden_low", 11)
    r = nurse.post(f"/api/v1/care-proposals/{braden['id']}/accept", {})
    assert r.status_code == 200, r.content
    plan = CarePlan.objects.get(elder=elder_a)
    intervention = Intervention.objects.get(plan=plan)
    assert r.json()["result"] == {
        "interventions": [intervention.pk],
        "orders": [],
        "plan_id": plan.pk,
        "institution_id": plan.institution_id,
    }
    assert (intervention.item.code, intervention.weekdays, str(intervention.start_date)) == (
        "turning_care",
        [1, 3, 5],
        "2026-06-16",
    )
    r = nurse.post(f"/api/v1/care-proposals/{braden['id']}/accept", {})
    assert (r.status_code, r.json()["code"]) == (409, "proposal_decided")

    # accepting the BP proposal places two one-off orders for tomorrow 09:00
    r = nurse.post(f"/api/v1/care-proposals/{bp['id']}/accept", {})
    orders = Order.objects.filter(pk__in=r.json()["result"]["orders"]).order_by("id")
    assert [o.item.code for o in orders] == ["bp_check", "chronic_followup"]

    # a dismissed proposal is not raised again on the same readings, only on new ones
    high_bp(personas, elder_a, [0])
    again = nurse.post(f"{base}/evaluate").json()
    assert [p["rule"] for p in again] == ["bp_high"]
    r = nurse.post(f"/api/v1/care-proposals/{again[0]['id']}/dismiss", {"reason": " "})
    assert (r.status_code, r.json()["code"]) == (422, "reason_required")
    r = nurse.post(f"/api/v1/care-proposals/{again[0]['id']}/dismiss", {"reason": "After run"})
    assert r.json()["status"] == "dismissed"
    assert nurse.post(f"{base}/evaluate").json() == []
    assert CareProposal.objects.filter(elder=elder_a).count() == 3


def test_failed_acceptance_changes_nothing_and_proposals_are_staff_only(
    api_as: Any, personas: Any, elder_a: Any, care_items: Any, frozen: Any, family_consented: Any
) -> None:
    Offering.objects.filter(item=care_items["chronic_followup"]).update(is_active=False)
    high_bp(personas, elder_a, [1, 2, 3])
    nurse = api_as(personas.nurse)
    bp = nurse.post(f"/api/v1/elders/{elder_a.pk}/care-proposals/evaluate").json()[0]
    r = nurse.post(f"/api/v1/care-proposals/{bp['id']}/accept", {})
    assert (r.status_code, r.json()["code"]) == (422, "not_offered")
    assert CareProposal.objects.get(pk=bp["id"]).status == "open"
    assert not Order.objects.exists()
    family = api_as(personas.family)
    assert (
        family.post(f"/api/v1/care-proposals/{bp['id']}/dismiss", {"reason": "no"}).status_code
        == 404
    )
    r = family.get(f"/api/v1/elders/{elder_a.pk}/care-proposals")
    assert (r.status_code, r.json()["code"]) == (403, "may_not_change_health_record")


def test_recommendations_read_the_record(
    api_as: Any, personas: Any, elder_a: Any, care_items: Any, frozen: Any, family_consented: Any
) -> None:
    health_services.add_condition(actor=act(personas.reviewer), elder=elder_a, code="I10")
    from doorstep.catalog.models import ServicePackage

    ServicePackage.objects.create(
        code="bp_monthly",
        item=care_items["bp_check"],
        name_zh="血压监测月度套餐",
        name_en="Blood pressure, 4 weekly checks",
        visit_count=4,
        interval_days=7,
    )
    r = api_as(personas.family).get(f"/api/v1/elders/{elder_a.pk}/recommendations")
    assert r.status_code == 200
    assert r.json() == [
        {
            "code": "bp_monthly",
            "kind": "package",
            "name_en": "Blood pressure, 4 weekly checks",
            "name_zh": "血压监测月度套餐",
            "reason_en": "Hypertension: a month of weekly blood-pressure checks.",
            "reason_zh": "高血压：建议血压监测月度套餐（每周一次）。",
            "basis": ["condition:I10"],
        }
    ]
    assert AuditEvent.objects.filter(
        object_type="health_record", details__part="recommendations"
    ).exists()
    assert (
        api_as(personas.other_nurse).get(f"/api/v1/elders/{elder_a.pk}/recommendations").status_code
        == 404
    )
