"""The referral summary PDF (ADR 0028): bilingual whatever the reader's language, the ID
and phone masked, every part of the record a hospital needs, printed with the vendored
CJK font (the text is read back from the PDF)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from doorstep.billing.tests.pdftext import pdf_text
from doorstep.core import clock
from doorstep.health import services
from doorstep.health.summary import summary_pdf

from .conftest import act

pytestmark = pytest.mark.django_db


def flat(pdf: bytes) -> str:
    """The PDF's text with every run of whitespace (line and font breaks) as one space."""
    return " ".join(pdf_text(pdf).split())


def test_summary_holds_the_record_in_both_languages(personas: Any, elder_a: Any) -> None:
    reviewer = act(personas.reviewer)
    today = clock.today()
    services.add_condition(
        actor=reviewer, elder=elder_a, code="E11.9", onset_date=dt.date(2015, 3, 1)
    )
    services.add_allergy(
        actor=reviewer, elder=elder_a, substance="青霉素", category="drug", severity="severe"
    )
    services.add_medication(
        actor=reviewer,
        elder=elder_a,
        name="二甲双胍 metformin",
        dose=500,
        dose_unit="mg",
        route="oral",
        frequency="bid",
        times=["08:00", "18:00"],
        start_date=today - dt.timedelta(days=90),
    )
    services.add_line(
        actor=reviewer,
        elder=elder_a,
        kind="picc",
        site="右上臂",
        inserted_on=today - dt.timedelta(days=12),
        last_maintained_on=today - dt.timedelta(days=5),
    )
    services.record_observation(
        actor=reviewer,
        elder=elder_a,
        kind="glucose",
        value=7.8,
        context="fasting",
        source="visit",
        measured_at=clock.now() - dt.timedelta(hours=3),
    )
    services.submit_assessment(
        actor=reviewer,
        elder=elder_a,
        instrument="morse",
        answers={
            "history_of_falling": "yes",
            "secondary_diagnosis": "yes",
            "ambulatory_aid": "crutches_cane_walker",
            "iv_therapy": "no",
            "gait": "weak",
            "mental_status": "oriented",
        },
    )
    with translation.override("en"):
        text = flat(summary_pdf(elder_a, made_by=personas.reviewer))
    assert "健康摘要（转诊用）" in text
    assert "Health summary for hospital referral" in text
    assert "王秀英" in text
    assert "110***********002X" in text
    assert "11010519491231002X" not in text
    assert "138****5678" in text
    assert "E11.9" in text
    assert "2 型糖尿病" in text or "糖尿病" in text
    assert "青霉素" in text
    assert "重度 / Severe" in text
    assert "二甲双胍 metformin" in text
    assert "08:00, 18:00" in text
    assert "PICC" in text
    assert "7.8 mmol/L" in text
    assert "65 / 125" in text  # Morse 25 + 15 + 15 + 10
    assert "高度跌倒风险 / High fall risk" in text
    assert "\ufffd" not in text
    with translation.override("zh-hans"):
        zh = flat(summary_pdf(elder_a, made_by=personas.reviewer))
    assert "Health summary for hospital referral" in zh  # the same bilingual document


def test_an_empty_record_still_prints_every_section(personas: Any, elder_a: Any) -> None:
    pdf = summary_pdf(elder_a, made_by=personas.elder)
    assert pdf.count(b"/BaseFont") == 2  # one font: the vendored subset covers it all
    text = flat(pdf)
    assert text.count("无记录 None recorded") >= 6


def test_a_character_outside_the_vendored_font_prints_with_the_system_font(
    personas: Any, elder_a: Any
) -> None:
    """The system CJK font is loaded only when a text needs it (it costs seconds)."""
    from doorstep.health.summary import _covered

    rare = "\u66cc"  # a rare given-name character, not in the vendored subset
    assert ord(rare) not in _covered()
    services.add_allergy(
        actor=act(personas.reviewer),
        elder=elder_a,
        substance=f"{rare}牌花粉",
        category="environment",
        severity="mild",
    )
    pdf = summary_pdf(elder_a, made_by=personas.reviewer)
    assert pdf.count(b"/BaseFont") == 4  # the system font is embedded for this character
    assert "牌花粉" in flat(pdf)
