"""The payer rules page (ADR 0029): the region's payer officer sees the versions and
publishes a new one; bad input is shown in the user's language and publishes nothing;
other roles get 404."""

from __future__ import annotations

import datetime as dt

import pytest

from doorstep.billing.models import PayerRule
from doorstep.billing.tests.payer_scene import publish_ningbo_rules
from doorstep.orders.tests import conftest as orders_fixtures

frozen = orders_fixtures.frozen

pytestmark = pytest.mark.django_db


def form(start: dt.date, **kw: str) -> dict[str, str]:
    return {
        "region": "330200",
        "scheme": "long_term_care",
        "version": "2026-ltc-b",
        "name_zh": "宁波市长期护理保险",
        "name_en": "Ningbo long-term-care insurance",
        "effective_from": start.isoformat(),
        "ltc_shares": "4=60",
        "ltc_quotas": "4=1000",
        **kw,
    }


def test_officer_publishes_and_bad_input_is_explained(login_as, personas, world, frozen):
    publish_ningbo_rules(world, personas)
    client = login_as(personas.payer_officer, "zh-hans")
    page = client.get("/payers/rules/")
    assert page.status_code == 200
    assert "宁波市长期护理保险" in page.content.decode()
    start = frozen.now.date() + dt.timedelta(days=10)
    r = client.post("/payers/rules/publish/", form(start), follow=True)
    assert "版本 2026-ltc-b 已发布" in r.content.decode()
    rule = PayerRule.objects.get(version="2026-ltc-b")
    assert (rule.ltc_bp_by_level, rule.ltc_monthly_quota_fen) == ({"4": 6000}, {"4": 100000})
    count = PayerRule.objects.count()
    for bad in (
        form(start + dt.timedelta(days=5), ltc_shares="four=60"),
        form(start + dt.timedelta(days=5), effective_from="someday"),
        form(dt.date(2026, 1, 2), version="old"),
    ):
        r = client.post("/payers/rules/publish/", bad, follow=True)
        assert r.status_code == 200
        assert "messages" in r.content.decode()
    assert PayerRule.objects.count() == count
    assert client.post("/payers/rules/publish/", form(start, region="999999")).status_code == 404


def test_other_roles_get_404(login_as, personas, world, frozen):
    for who in (personas.inst_admin, personas.elder, personas.regulator):
        client = login_as(who)
        assert client.get("/payers/rules/").status_code == 404
        start = frozen.now.date() + dt.timedelta(days=10)
        assert client.post("/payers/rules/publish/", form(start)).status_code == 404
        client.logout()
    assert not PayerRule.objects.exists()
