"""Publishing payer rules over the API (ADR 0029): the region's payer officer or a
platform admin lists the versions and publishes a new one from a date; a published
version is never edited (the new one closes it the day it starts); bad input answers 4xx
with a stable code in the caller's language and changes nothing; officers of another
region, institution staff and everyone else get 404 / an empty list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.billing.models import PayerRule
from doorstep.billing.tests.payer_scene import publish_ningbo_rules
from doorstep.core.models import AuditEvent
from doorstep.orders.tests import conftest as orders_fixtures

frozen = orders_fixtures.frozen

pytestmark = pytest.mark.django_db

URL = "/api/v1/billing/payer-rules"


def body(start: dt.date, **kw: Any) -> dict[str, Any]:
    return {
        "region_code": "330200",
        "scheme": "long_term_care",
        "version": "2026-ltc-b",
        "name_zh": "宁波市长期护理保险",
        "name_en": "Ningbo long-term-care insurance",
        "effective_from": start.isoformat(),
        "ltc_bp_by_level": {"4": 6000},
        "ltc_monthly_quota_fen": {"4": 120000},
        **kw,
    }


def test_the_officer_publishes_a_version_that_supersedes_from_its_date(
    api_as, personas, world, frozen
):
    old = publish_ningbo_rules(world, personas)["long_term_care"]
    officer = api_as(personas.payer_officer)
    listed = officer.get(URL, {"scheme": "long_term_care"}).json()
    assert [r["id"] for r in listed["items"]] == [old.pk]
    assert listed["items"][0]["in_force"] is True
    start = frozen.now.date() + dt.timedelta(days=16)
    r = officer.post(URL, body(start))
    assert r.status_code == 201, r.content
    new = r.json()
    assert (new["version"], new["effective_from"], new["effective_to"]) == (
        "2026-ltc-b",
        start.isoformat(),
        None,
    )
    assert new["in_force"] is False
    old.refresh_from_db()
    assert old.effective_to == start  # closed the day the new one starts, never edited
    assert old.ltc_bp_by_level == {"4": 5000}
    items = officer.get(URL, {"scheme": "long_term_care"}).json()["items"]
    assert [r["version"] for r in items] == ["2026-ltc-b", "2026-ltc"]
    assert AuditEvent.objects.filter(action="billing.payer_rule_published").count() == 3


def test_bad_versions_are_refused_with_stable_codes_and_change_nothing(
    api_as, personas, world, frozen
):
    publish_ningbo_rules(world, personas)
    officer = api_as(personas.payer_officer, "zh-hans")
    today = frozen.now.date()
    before = (PayerRule.objects.count(), AuditEvent.objects.count())
    cases = [
        (body(today - dt.timedelta(days=1)), 422, "payer_rule_backdated"),
        (body(dt.date(2026, 1, 1)), 422, "payer_rule_backdated"),
        (body(today, coverage_bp=10001), 422, "invalid_payer_rule"),
        (body(today, scheme="lottery"), 422, "invalid_payer_rule"),
        (body(today, ltc_bp_by_level={"9": 100}), 422, "invalid_payer_rule"),
        (body(today, version=" "), 422, "invalid_payer_rule"),
        (body(today, region_code="999999"), 404, "not_found"),
    ]
    for payload, status, code in cases:
        r = officer.post(URL, payload)
        assert (r.status_code, r.json()["code"]) == (status, code), payload
    r = officer.post(URL, body(today - dt.timedelta(days=1)))
    assert r.json()["message"] == "新版本规则只能从今天或以后生效，不能追溯。"
    # a second version starting the same day as the latest: refused (never two at once)
    assert officer.post(URL, body(today + dt.timedelta(days=3))).status_code == 201
    r = officer.post(URL, body(today + dt.timedelta(days=3), version="dup"))
    assert (r.status_code, r.json()["code"]) == (422, "invalid_payer_rule")
    assert PayerRule.objects.count() == before[0] + 1


def test_only_the_regions_officer_and_platform_admins(api_as, personas, world, frozen):
    publish_ningbo_rules(world, personas)
    start = frozen.now.date() + dt.timedelta(days=5)
    for who in (personas.inst_admin, personas.regulator, personas.elder, personas.other_admin):
        api = api_as(who)
        assert api.get(URL).json() == {"count": 0, "items": []}
        r = api.post(URL, body(start))
        assert (r.status_code, r.json()["code"]) == (404, "not_found")
    admin = api_as(personas.platform_admin)
    assert admin.get(URL).json()["count"] == 2
    assert admin.post(URL, body(start)).status_code == 201
