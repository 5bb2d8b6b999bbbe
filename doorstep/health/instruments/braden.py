"""Braden Scale for predicting pressure-injury risk (Bergstrom et al. 1987; 6-23).

Six subscales, five scored 1-4 and friction & shear 1-3; a LOWER score means HIGHER risk.
Levels as commonly used: 19-23 no risk, 15-18 mild (at risk), 13-14 moderate, 10-12 high,
9 or less very high.
"""

from __future__ import annotations

from .base import Band, Instrument, Item, Option


def _item(key: str, en: str, zh: str, *labels: tuple[str, str]) -> Item:
    return Item(key, en, zh, tuple(Option(i + 1, i + 1, e, z) for i, (e, z) in enumerate(labels)))


BRADEN = Instrument(
    code="braden",
    name_en="Braden Scale (pressure-injury risk)",
    name_zh="Braden 压力性损伤风险评估量表",
    version="1987",
    source="Bergstrom N, Braden BJ, Laguzza A, Holman V. Nurs Res 1987;36:205-10",
    items=(
        _item(
            "sensory_perception",
            "Sensory perception",
            "感知能力",
            ("Completely limited", "完全受限"),
            ("Very limited", "非常受限"),
            ("Slightly limited", "轻度受限"),
            ("No impairment", "没有改变"),
        ),
        _item(
            "moisture",
            "Moisture",
            "潮湿程度",
            ("Constantly moist", "持续潮湿"),
            ("Very moist", "非常潮湿"),
            ("Occasionally moist", "偶尔潮湿"),
            ("Rarely moist", "很少潮湿"),
        ),
        _item(
            "activity",
            "Activity",
            "活动能力",
            ("Bedfast", "卧床"),
            ("Chairfast", "坐椅子"),
            ("Walks occasionally", "偶尔步行"),
            ("Walks frequently", "经常步行"),
        ),
        _item(
            "mobility",
            "Mobility",
            "移动能力",
            ("Completely immobile", "完全受限"),
            ("Very limited", "非常受限"),
            ("Slightly limited", "轻微受限"),
            ("No limitation", "不受限"),
        ),
        _item(
            "nutrition",
            "Nutrition",
            "营养摄取能力",
            ("Very poor", "非常差"),
            ("Probably inadequate", "可能不足"),
            ("Adequate", "充足"),
            ("Excellent", "丰富"),
        ),
        _item(
            "friction_shear",
            "Friction and shear",
            "摩擦力和剪切力",
            ("Problem", "存在问题"),
            ("Potential problem", "潜在问题"),
            ("No apparent problem", "不存在问题"),
        ),
    ),
    bands=(
        Band(6, 9, "very_high", "Very high risk", "极高危"),
        Band(10, 12, "high", "High risk", "高危"),
        Band(13, 14, "moderate", "Moderate risk", "中危"),
        Band(15, 18, "mild", "Mild risk", "低危"),
        Band(19, 23, "no_risk", "No risk", "无风险"),
    ),
)
