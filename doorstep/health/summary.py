"""The printable health summary for a hospital referral (issue 6, item 6; ADR 0028).

One A4 PDF, bilingual whatever the reader's language (Chinese first, then English, as a
hospital in China reads it and a visiting doctor may not): identity with the resident ID
and phone masked, active conditions (ICD-10 with both names), allergies, current
medications with their schedule, disabilities and the long-term-care level, lines and
devices in place with the days since maintenance, the latest reading of each kind, the
latest result of each assessment and the last visits' care records. Printed with the
vendored CJK font of the billing documents (``billing/fonts/DoorstepSansSC.otf``).

The caller looks the elder up through ``access.access_record`` (which audits the
download, ``part="summary_pdf"``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

from django.utils import timezone, translation
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from doorstep.billing.documents import FONT, SYSTEM_CJK
from doorstep.core import clock
from doorstep.core.masking import mask_id_number, mask_phone
from doorstep.orders.selectors import records_of_elder
from doorstep.people.enums import Sex
from doorstep.people.models import Elder

from . import record_view, selectors
from .enums import (
    AllergyCategory,
    DisabilityKind,
    LineKind,
    MedicationFrequency,
    MedicationRoute,
    ObservationKind,
    ObservationSource,
    Severity,
)
from .instruments import LTC_LEVEL, ltc

RECENT_VISITS = 10
#: Headings and labels: (Chinese, English).
T = {
    "title": ("健康摘要（转诊用）", "Health summary for hospital referral"),
    "identity": ("基本信息", "Identity"),
    "name": ("姓名", "Name"),
    "sex": ("性别", "Sex"),
    "birth": ("出生日期", "Date of birth"),
    "age": ("年龄", "Age"),
    "id_number": ("身份证号", "Resident ID"),
    "phone": ("联系电话", "Phone"),
    "ltc": ("长期护理失能等级", "Long-term-care level"),
    "ltc_enrolled": ("医保评定", "insurer"),
    "ltc_suggested": ("评估建议", "suggested"),
    "conditions": ("疾病诊断", "Conditions"),
    "code": ("编码", "ICD-10"),
    "condition": ("诊断", "Condition"),
    "onset": ("起病", "Onset"),
    "allergies": ("过敏", "Allergies"),
    "substance": ("过敏原", "Substance"),
    "category": ("类别", "Category"),
    "severity": ("严重程度", "Severity"),
    "reaction": ("反应", "Reaction"),
    "medications": ("当前用药", "Current medications"),
    "medication": ("药品", "Medication"),
    "dose": ("剂量", "Dose"),
    "route": ("途径", "Route"),
    "schedule": ("用法", "Schedule"),
    "since": ("开始", "Since"),
    "disabilities": ("残疾", "Disabilities"),
    "grade": ("等级", "Grade"),
    "lines": ("管路与装置", "Lines and devices"),
    "line": ("管路", "Line"),
    "site": ("部位", "Site"),
    "inserted": ("置入日期", "Inserted"),
    "maintained": ("上次维护", "Last maintained"),
    "days_since": ("距维护天数", "Days since"),
    "vitals": ("最近测量", "Latest readings"),
    "kind": ("项目", "Reading"),
    "value": ("数值", "Value"),
    "time": ("时间", "Time"),
    "source": ("来源", "Source"),
    "assessments": ("最近评估", "Recent assessments"),
    "instrument": ("量表", "Instrument"),
    "score": ("得分", "Score"),
    "interpretation": ("结果", "Interpretation"),
    "date": ("日期", "Date"),
    "visits": ("最近上门服务", "Recent visits"),
    "service": ("服务", "Service"),
    "provider": ("服务人员", "Provider"),
    "record": ("记录", "Record"),
    "none": ("无记录", "None recorded"),
    "made": ("生成时间", "Made on"),
    "made_by": ("生成人", "Made by"),
    "page": ("第 {page} 页，共 {pages} 页", "page {page} of {pages}"),
    "notice": (
        "本摘要含个人健康信息，仅供诊疗使用，请妥善保管。数据以 Doorstep 健康档案为准。",
        "Contains personal health information, for care only; keep it safe. "
        "The Doorstep health record is the reference.",
    ),
}


def both(key: str) -> str:
    zh, en = T[key]
    return f"{zh} {en}"


def label_both(choices: Any, value: str) -> str:
    """An enum label in Chinese and English (``高 / High``), or the code."""
    try:
        label = choices(value).label
    except ValueError:
        return value
    with translation.override("zh-hans"):
        zh = str(label)
    with translation.override("en"):
        en = str(label)
    return zh if zh == en else f"{zh} / {en}"


def _local(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else "—"


@functools.cache
def _covered() -> frozenset[int]:
    """The code points the vendored font prints (read once per process)."""
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(str(FONT), lazy=True).getBestCmap())


class _Plan:
    """The document as a list of drawing steps, so the fonts it needs are known before
    any is loaded: the system CJK font (about two seconds to load and subset) is added as a
    fallback only when some text (a name, a medication) has a character outside the
    vendored subset."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, tuple[Any, ...]]] = []
        self.texts: list[str] = []

    def __getattr__(self, name: str) -> Any:
        def step(*args: Any) -> None:
            self.steps.append((name, args))
            self.texts.extend(_strings(args))

        return step

    def render(self, title: str) -> bytes:
        covered = _covered()
        fallback = any(ord(c) not in covered for text in self.texts for c in text if c > "~")
        doc = _Summary(title, fallback=fallback)
        for name, args in self.steps:
            getattr(doc, name)(*args)
        return doc.bytes()


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


class _Summary(FPDF):
    def __init__(self, title: str, *, fallback: bool) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_title(title)
        self.set_creator("Doorstep")
        self.add_font("ds", fname=str(FONT))
        for i, path in enumerate(SYSTEM_CJK):
            if fallback and path.exists():
                self.add_font(f"sys{i}", fname=str(path), collection_font_number=2)
                self.set_fallback_fonts([f"sys{i}"])
                break
        for font in self.fonts.values():
            # Keep the fonts' own bounding boxes (a superset of the subset's): recomputing
            # them draws every kept CFF glyph and costs seconds for a page of Chinese.
            ttfont = getattr(font, "ttfont", None)
            if ttfont is not None:
                ttfont.recalcBBoxes = False
        self.set_auto_page_break(auto=True, margin=16)
        self.set_margins(14, 14, 14)
        self.alias_nb_pages()
        self.add_page()

    def header(self) -> None:
        self.set_font("ds", size=8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, "Doorstep · " + both("title"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("ds", size=7)
        zh, en = T["page"]
        text = f"{zh} · {en}".format(page=self.page_no(), pages="{nb}")
        self.cell(0, 4, text, align="C")

    def heading(self, zh: str, en: str) -> None:
        self.set_font("ds", size=16)
        self.multi_cell(0, 8, zh, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("ds", size=11)
        self.multi_cell(0, 6, en, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def notice(self, text: str) -> None:
        self.ln(4)
        self.set_font("ds", size=8)
        self.multi_cell(0, 4, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def section(self, key: str) -> None:
        if self.will_page_break(18):
            self.add_page()
        self.ln(2)
        self.set_font("ds", size=12)
        self.set_fill_color(225, 233, 242)
        self.cell(0, 7, both(key), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def pairs(self, rows: Sequence[tuple[str, str]]) -> None:
        self.set_font("ds", size=9.5)
        for label, value in rows:
            self.cell(48, 6, label)
            self.multi_cell(0, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(
        self, keys: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]
    ) -> None:
        if not rows:
            self.set_font("ds", size=9.5)
            self.cell(0, 6, both("none"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            return
        self.set_font("ds", size=8.5)
        with self.table(
            col_widths=widths,
            first_row_as_headings=True,
            line_height=4.6,
            padding=1,
            headings_style=FontFace(fill_color=(232, 236, 241)),
        ) as table:
            head = table.row()
            for key in keys:
                zh, en = T[key]
                head.cell(f"{zh}\n{en}")
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value or "—")

    def bytes(self) -> bytes:
        return bytes(self.output())


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _ltc(level: int | None) -> str:
    if level is None:
        return "—"
    en, zh = ltc.LEVELS[level]
    return f"{level} {zh} / {en}"


def _visit_values(record: Any) -> str:
    item = record.visit.order.item
    labels = {f["key"]: f.get("label_zh") or f["key"] for f in item.documentation_template or []}
    parts = []
    for key, entry in (record.values or {}).items():
        value = entry.get("value") if isinstance(entry, dict) else entry
        unit = entry.get("unit", "") if isinstance(entry, dict) else ""
        if value is True or value is False:  # words, not ✓/✗: the vendored font has them
            value = "是 yes" if value else "否 no"
        unit = record_view.display_unit(unit)
        parts.append(f"{labels.get(key, key)} {value}{(' ' + unit) if unit else ''}")
    text = "; ".join(parts)
    if record.notes:
        text = f"{text} · {record.notes}" if text else record.notes
    return text[:300]


def summary_pdf(elder: Elder, *, made_by: Any, at: dt.datetime | None = None) -> bytes:
    """The referral summary of ``elder`` as PDF bytes (see the module docstring)."""
    when = at or clock.now()
    today = timezone.localtime(when).date()
    s = selectors.summary(elder)
    doc: Any = _Plan()
    doc.heading(*T["title"])

    doc.section("identity")
    ltc_row = next((r for r in s.latest_assessments if r.instrument == LTC_LEVEL), None)
    doc.pairs(
        [
            (both("name"), elder.full_name),
            (both("sex"), label_both(Sex, elder.sex)),
            (both("birth"), f"{elder.birth_date.isoformat()} ({_age(elder.birth_date, today)})"),
            (both("id_number"), mask_id_number(elder.id_number)),
            (both("phone"), mask_phone(elder.phone) if elder.phone else "—"),
            (
                both("ltc"),
                f"{T['ltc_enrolled'][0]} {T['ltc_enrolled'][1]}: {_ltc(s.ltc_enrolled_level)}; "
                f"{T['ltc_suggested'][0]} {T['ltc_suggested'][1]}: "
                f"{_ltc(ltc_row.score if ltc_row else None)}",
            ),
        ]
    )

    doc.section("conditions")
    doc.grid(
        ["code", "condition", "onset"],
        [
            (c.code.code, f"{c.code.name_zh} / {c.code.name_en}", _day(c.onset_date))
            for c in s.conditions
        ],
        [20, 130, 32],
    )

    doc.section("allergies")
    doc.grid(
        ["substance", "category", "severity", "reaction"],
        [
            (
                a.substance,
                label_both(AllergyCategory, a.category),
                label_both(Severity, a.severity),
                a.reaction,
            )
            for a in s.allergies
        ],
        [50, 38, 38, 56],
    )

    doc.section("medications")
    doc.grid(
        ["medication", "dose", "route", "schedule", "since"],
        [
            (
                m.name + (f"\n{m.instructions}" if m.instructions else ""),
                f"{m.dose.normalize():f} {m.dose_unit}",
                label_both(MedicationRoute, m.route),
                label_both(MedicationFrequency, m.frequency)
                + (f" {', '.join(m.times)}" if m.times else ""),
                _day(m.start_date),
            )
            for m in s.medications
        ],
        [52, 22, 34, 50, 24],
    )

    if s.disabilities:
        doc.section("disabilities")
        doc.grid(
            ["category", "grade"],
            [
                (label_both(DisabilityKind, d.kind), str(d.grade) if d.grade else "—")
                for d in s.disabilities
            ],
            [120, 62],
        )

    doc.section("lines")
    line_rows = []
    for line in s.lines:
        base = line.last_maintained_on or line.inserted_on
        line_rows.append(
            (
                label_both(LineKind, line.kind),
                line.site,
                _day(line.inserted_on),
                _day(line.last_maintained_on),
                str((today - base).days),
            )
        )
    doc.grid(
        ["line", "site", "inserted", "maintained", "days_since"], line_rows, [44, 50, 28, 32, 28]
    )

    doc.section("vitals")
    doc.grid(
        ["kind", "value", "time", "source"],
        [
            (
                label_both(ObservationKind, o.kind),
                record_view.reading_text(o),
                _local(o.measured_at),
                label_both(ObservationSource, o.source),
            )
            for o in s.latest_observations
        ],
        [50, 40, 42, 50],
    )

    doc.section("assessments")
    rows = []
    for r in s.latest_assessments:
        en, zh = record_view.band_labels(r)
        name_zh = record_view.instrument_name(r.instrument, zh=True)
        name_en = record_view.instrument_name(r.instrument, zh=False)
        rows.append(
            (
                f"{name_zh}\n{name_en}",
                f"{r.score} / {r.max_score}",
                f"{zh} / {en}",
                timezone.localtime(r.assessed_at).date().isoformat(),
            )
        )
    doc.grid(["instrument", "score", "interpretation", "date"], rows, [74, 22, 60, 26])

    doc.section("visits")
    visit_rows = []
    for record in records_of_elder(elder.pk)[:RECENT_VISITS]:
        item = record.visit.order.item
        provider = record.visit.provider
        visit_rows.append(
            (
                _local(record.submitted_at),
                f"{item.name_zh}\n{item.name_en}",
                (provider.user.display_name or provider.user.username) if provider else "",
                _visit_values(record),
            )
        )
    doc.grid(["date", "service", "provider", "record"], visit_rows, [28, 40, 26, 88])

    doc.notice("")
    doc.pairs(
        [
            (both("made"), _local(when)),
            (both("made_by"), (made_by.display_name or made_by.username) if made_by else "—"),
        ]
    )
    doc.notice(f"{T['notice'][0]}\n{T['notice'][1]}")
    return bytes(doc.render(f"{T['title'][0]} {T['title'][1]}"))
