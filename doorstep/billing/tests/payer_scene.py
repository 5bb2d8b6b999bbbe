"""Payer rules and insured elders for the payer and claim tests (ADR 0023).

Ningbo city (330200) has a resident basic medical insurance rule (60 % of clinical
nursing, no deductible) and a long-term-care rule (level 4: 50 %, quota 1,000 yuan a
month). 王秀英 (elder_a) is enrolled in both, at LTC level 4."""

from __future__ import annotations

import datetime as dt
from typing import Any

from doorstep.accounts.policy import Actor
from doorstep.billing import payer_rules
from doorstep.billing.models import PayerRule
from doorstep.people import services as people_services

FROM = dt.date(2026, 1, 1)


def publish_ningbo_rules(world: Any, personas: Any) -> dict[str, PayerRule]:
    admin = Actor.of(personas.platform_admin)
    basic = payer_rules.publish_rule(
        actor=admin,
        region=world.city,
        scheme="resident_basic",
        version="2026-res",
        name_zh="宁波市城乡居民医保",
        name_en="Ningbo resident medical insurance",
        effective_from=FROM,
        eligible=["clinical_nursing"],
        coverage_bp=6000,
    )
    ltc = payer_rules.publish_rule(
        actor=admin,
        region=world.city,
        scheme="long_term_care",
        version="2026-ltc",
        name_zh="宁波市长期护理保险",
        name_en="Ningbo long-term-care insurance",
        effective_from=FROM,
        ltc_bp_by_level={"4": 5000},
        ltc_monthly_quota_fen={"4": 100000},
    )
    return {"resident_basic": basic, "long_term_care": ltc}


def insure(elder: Any, personas: Any) -> None:
    admin = Actor.of(personas.platform_admin)
    people_services.add_insurance(
        actor=admin,
        elder=elder,
        scheme="resident_basic",
        number="330203195203150025",
        valid_from=dt.date(2020, 1, 1),
    )
    people_services.add_insurance(
        actor=admin,
        elder=elder,
        scheme="long_term_care",
        number="LTC3302000001",
        ltc_disability_level=4,
        valid_from=dt.date(2024, 1, 1),
    )


def expected(price: int) -> dict[str, int]:
    """The hand-computed split of ``price`` for 王秀英 with no usage yet."""
    basic = price * 6000 // 10000
    ltc = min((price - basic) * 5000 // 10000, 100000)
    return {"resident_basic": basic, "long_term_care": ltc, "self_pay": price - basic - ltc}
