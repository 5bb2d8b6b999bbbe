"""Demo payer rules (ADR 0023) for the demo city (Lanzhou, ADR 0010): basic medical
insurance (employee and resident schemes), long-term-care insurance by disability level
with monthly quotas (an older and the current version), commercial insurance, and the
province's subsidy for low-income elders aged 80 and over. Figures are illustrative, in
the range of published local programmes, not any city's actual tariff."""

from __future__ import annotations

import datetime as dt
from typing import Any

from doorstep.regions.models import Region

from .models import PayerRule

#: Catalogue groups the medical schemes cover (nursing, not daily-life help).
MEDICAL_GROUPS = [
    "clinical_nursing",
    "specialist_nursing",
    "chronic_disease",
    "rehabilitation",
    "tcm_nursing",
    "hospice_palliative",
]
#: What long-term-care insurance covers: personal care and the nursing that goes with it.
LTC_GROUPS = ["daily_life", "clinical_nursing", "rehabilitation", "hospice_palliative"]


def demo_payer_rules(
    *, province: Region, city: Region, on: dt.date, now: dt.datetime
) -> list[PayerRule]:
    """Unsaved rule rows (the seed writes them in bulk)."""
    year = on.replace(month=1, day=1)
    before = year - dt.timedelta(days=365 * 2)

    def rule(region: Region, scheme: str, version: str, zh: str, en: str, **kw: Any) -> PayerRule:
        frm = kw.pop("effective_from", year)
        return PayerRule(
            region=region,
            scheme=scheme,
            version=version,
            name_zh=zh,
            name_en=en,
            effective_from=frm,
            effective_to=kw.pop("effective_to", None),
            created_at=now,
            **kw,
        )

    city_name = (city.name_zh, city.name_en)
    return [
        rule(
            city, "employee_basic", f"{year.year}-emp", f"{city_name[0]}职工基本医疗保险",
            f"{city_name[1]} employee basic medical insurance",
            eligible=MEDICAL_GROUPS, coverage_bp=7000, deductible_fen=80000,
            annual_cap_fen=1500000,
        ),
        rule(
            city, "resident_basic", f"{year.year}-res", f"{city_name[0]}城乡居民基本医疗保险",
            f"{city_name[1]} resident basic medical insurance",
            eligible=MEDICAL_GROUPS, coverage_bp=5500, deductible_fen=50000,
            annual_cap_fen=800000,
        ),
        rule(
            city, "long_term_care", f"{before.year}-ltc", f"{city_name[0]}长期护理保险",
            f"{city_name[1]} long-term-care insurance",
            effective_from=before, effective_to=year, eligible=LTC_GROUPS,
            ltc_bp_by_level={"3": 6500, "4": 7000, "5": 7500},
            ltc_monthly_quota_fen={"3": 60000, "4": 90000, "5": 120000},
        ),
        rule(
            city, "long_term_care", f"{year.year}-ltc", f"{city_name[0]}长期护理保险",
            f"{city_name[1]} long-term-care insurance",
            eligible=LTC_GROUPS,
            ltc_bp_by_level={"3": 7000, "4": 7500, "5": 8000},
            ltc_monthly_quota_fen={"3": 90000, "4": 120000, "5": 150000},
        ),
        rule(
            city, "commercial", f"{year.year}-hmb", f"{city_name[0]}惠民保",
            f"{city_name[1]} city-sponsored commercial insurance",
            eligible=MEDICAL_GROUPS[:2], coverage_bp=5000, annual_cap_fen=500000,
        ),
        rule(
            province, "government_subsidy", f"{year.year}-sub", f"{province.name_zh}高龄困难老人居家服务补贴",
            f"{province.name_en} home-care subsidy (low-income, 80+)",
            coverage_bp=5000, annual_cap_fen=360000, min_age=80, low_income_only=True,
        ),
    ]  # fmt: skip
