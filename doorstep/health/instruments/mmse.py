"""Mini-Mental State Examination (Folstein et al. 1975; eleven sections, 0-30).

Each section is answered with the points obtained (0 to its maximum). The cut-off for
cognitive impairment depends on schooling, as validated for Chinese elders (Zhang Mingyuan
et al. 1990; the cut-offs used across Chinese community screening): 17 or less without
schooling, 20 or less with primary school, 24 or less with secondary school or more.
Severity of an impaired score (NICE TA217): 21-26 mild, 10-20 moderate, 0-9 severe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import Band, Instrument, Item, Option

EDUCATION = ("illiterate", "primary", "secondary_or_higher")
CUTOFF = {"illiterate": 17, "primary": 20, "secondary_or_higher": 24}
MILD_FROM = 21
MODERATE_FROM = 10


def _section(key: str, en: str, zh: str, top: int) -> Item:
    return Item(
        key, en, zh, tuple(Option(p, p, f"{p} of {top}", f"{p}/{top} 分") for p in range(top + 1))
    )


def _interpret(score: int, context: Mapping[str, Any]) -> str:
    if score > CUTOFF[context["education"]]:
        return "normal"
    if score >= MILD_FROM:
        return "mild"
    return "moderate" if score >= MODERATE_FROM else "severe"


MMSE = Instrument(
    code="mmse",
    name_en="Mini-Mental State Examination (MMSE)",
    name_zh="简易精神状态检查（MMSE）",
    version="1975",
    source="Folstein MF, Folstein SE, McHugh PR. J Psychiatr Res 1975;12:189-98",
    items=(
        _section("orientation_time", "Orientation to time", "时间定向力", 5),
        _section("orientation_place", "Orientation to place", "地点定向力", 5),
        _section("registration", "Registration (three words)", "即刻记忆（三个词）", 3),
        _section("attention_calculation", "Attention and calculation", "注意力和计算力", 5),
        _section("recall", "Recall (three words)", "回忆（三个词）", 3),
        _section("naming", "Naming", "命名", 2),
        _section("repetition", "Repetition", "复述", 1),
        _section("three_stage_command", "Three-stage command", "三步指令", 3),
        _section("reading", "Reading", "阅读", 1),
        _section("writing", "Writing", "书写", 1),
        _section("copying", "Copying", "临摹", 1),
    ),
    bands=(
        Band(0, 30, "normal", "No cognitive impairment", "认知功能正常"),
        Band(MILD_FROM, 26, "mild", "Mild cognitive impairment", "轻度认知障碍"),
        Band(MODERATE_FROM, 20, "moderate", "Moderate cognitive impairment", "中度认知障碍"),
        Band(0, 9, "severe", "Severe cognitive impairment", "重度认知障碍"),
    ),
    context={"education": EDUCATION},
    interpret=_interpret,
)
