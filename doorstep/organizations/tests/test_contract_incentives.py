"""Contract incentives (ADR 0024): set with a contract version by platform admins, checked
(422 ``contract_incentive_invalid`` naming the field, nothing written), audited, and shown
by the contract API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.catalog.models import ServiceCategory, ServiceItem
from doorstep.core.models import AuditEvent
from doorstep.organizations import services
from doorstep.organizations.errors import ContractIncentiveInvalid
from doorstep.organizations.models import Contract

pytestmark = pytest.mark.django_db

URL = "/api/v1/institutions"
CONTRACT = {
    "effective_from": "2026-01-01",
    "platform_bp": 1500,
    "institution_bp": 2500,
    "provider_bp": 6000,
}


@pytest.fixture
def picc(db: Any) -> ServiceItem:
    cat = ServiceCategory.objects.create(
        code="tubes", name_zh="管路", name_en="Tubes", group="clinical_nursing"
    )
    return ServiceItem.objects.create(
        code="picc_maintenance",
        category=cat,
        name_zh="PICC 维护",
        name_en="PICC line maintenance",
        provider_kinds=["nurse"],
        duration_minutes=45,
        base_price_fen=18000,
    )


def test_incentives_are_stored_audited_and_shown(world, personas, api_as, picc):
    api = api_as(personas.platform_admin)
    r = api.post(
        f"{URL}/{world.inst_a.pk}/contracts",
        {
            **CONTRACT,
            "night_start": "21:00",
            "night_end": "07:00",
            "night_incentive_bp": 1500,
            "rural_incentive_fen": 2000,
            "difficult_incentive_bp": 800,
            "difficult_items": ["picc_maintenance"],
            "incentive_platform_bp": 5000,
        },
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["night_start"], body["night_end"]) == ("21:00:00", "07:00:00")
    assert (body["night_incentive_bp"], body["night_incentive_fen"]) == (1500, 0)
    assert (body["rural_incentive_bp"], body["rural_incentive_fen"]) == (0, 2000)
    assert body["difficult_items"] == ["picc_maintenance"]
    assert body["incentive_platform_bp"] == 5000
    c = Contract.objects.get()
    assert (c.night_start, c.difficult_incentive_bp) == (dt.time(21, 0), 800)
    event = AuditEvent.objects.get(action="contract_added")
    assert "night_incentive_bp" in event.changed_fields
    assert event.details["night_start"] == "21:00:00"
    assert event.details["difficult_items"] == ["picc_maintenance"]


def test_without_incentives_a_contract_has_none(world, personas, api_as):
    r = api_as(personas.platform_admin).post(f"{URL}/{world.inst_a.pk}/contracts", CONTRACT)
    assert r.status_code == 201
    body = r.json()
    assert (body["night_start"], body["night_end"]) == ("22:00:00", "06:00:00")
    assert body["night_incentive_bp"] == body["rural_incentive_fen"] == 0
    assert (body["difficult_items"], body["incentive_platform_bp"]) == ([], 10000)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("night_incentive_bp", 10001),
        ("rural_incentive_bp", -1),
        ("difficult_incentive_fen", 100001),
        ("incentive_platform_bp", 20000),
        ("difficult_items", ["no_such_item"]),
    ],
)
def test_bad_incentives_are_refused_and_nothing_is_written(
    world, personas, api_as, picc, field, value
):
    r = api_as(personas.platform_admin).post(
        f"{URL}/{world.inst_a.pk}/contracts", {**CONTRACT, field: value}
    )
    assert (r.status_code, r.json()["code"]) == (422, "contract_incentive_invalid")
    assert r.json()["details"]["field"] == field
    zh = api_as(personas.platform_admin, "zh-hans").post(
        f"{URL}/{world.inst_a.pk}/contracts", {**CONTRACT, field: value}
    )
    assert "激励" in zh.json()["message"]
    assert Contract.objects.count() == 0
    assert not AuditEvent.objects.filter(action="contract_added").exists()


def test_service_refuses_unknown_terms_and_times_with_a_zone(world, personas, as_actor):
    actor = as_actor(personas.platform_admin)
    for terms in (
        {"weekend_incentive_bp": 100},
        {"night_start": dt.time(22, 0, tzinfo=dt.UTC)},
        {"difficult_items": [3]},
    ):
        with pytest.raises(ContractIncentiveInvalid):
            services.add_contract(
                actor=actor,
                institution=world.inst_a,
                effective_from=dt.date(2026, 1, 1),
                effective_to=None,
                platform_bp=1500,
                institution_bp=2500,
                provider_bp=6000,
                incentives=terms,
            )
    assert Contract.objects.count() == 0


def test_only_platform_admins_set_incentives(world, personas, api_as):
    r = api_as(personas.inst_admin).post(
        f"{URL}/{world.inst_a.pk}/contracts", {**CONTRACT, "night_incentive_bp": 1000}
    )
    assert r.status_code in (403, 404)
    assert Contract.objects.count() == 0
