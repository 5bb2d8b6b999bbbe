"""Morse Fall Scale (Morse, Morse & Tylko 1989; six items, 0-125).

Risk levels after Morse (2009): 0-24 no risk, 25-50 low risk, 51 and above high risk.
"""

from __future__ import annotations

from .base import Band, Instrument, Item, Option

MORSE = Instrument(
    code="morse",
    name_en="Morse Fall Scale",
    name_zh="Morse 跌倒风险评估量表",
    version="1989",
    source="Morse JM, Morse RM, Tylko SJ. Can J Aging 1989;8:366-77",
    items=(
        Item(
            "history_of_falling",
            "History of falling (within 3 months)",
            "近 3 个月跌倒史",
            (Option("no", 0, "No", "无"), Option("yes", 25, "Yes", "有")),
        ),
        Item(
            "secondary_diagnosis",
            "Secondary diagnosis",
            "超过一个医学诊断",
            (Option("no", 0, "No", "无"), Option("yes", 15, "Yes", "有")),
        ),
        Item(
            "ambulatory_aid",
            "Ambulatory aid",
            "行走辅助",
            (
                Option("none", 0, "None, bed rest, nurse assist", "无需 / 卧床 / 护士扶助"),
                Option("crutches_cane_walker", 15, "Crutches, cane, walker", "拐杖、手杖、助行器"),
                Option("furniture", 30, "Clutches furniture", "扶家具行走"),
            ),
        ),
        Item(
            "iv_therapy",
            "Intravenous therapy or heparin lock",
            "静脉输液或留置针",
            (Option("no", 0, "No", "无"), Option("yes", 20, "Yes", "有")),
        ),
        Item(
            "gait",
            "Gait",
            "步态",
            (
                Option("normal", 0, "Normal, bed rest, wheelchair", "正常 / 卧床 / 轮椅"),
                Option("weak", 10, "Weak", "虚弱"),
                Option("impaired", 20, "Impaired", "受损"),
            ),
        ),
        Item(
            "mental_status",
            "Mental status",
            "认知状态",
            (
                Option("oriented", 0, "Oriented to own ability", "了解自己能力"),
                Option(
                    "forgets_limitations",
                    15,
                    "Overestimates or forgets limitations",
                    "高估或忘记自己的限制",
                ),
            ),
        ),
    ),
    bands=(
        Band(0, 24, "no_risk", "No fall risk", "无跌倒风险"),
        Band(25, 50, "low", "Low fall risk", "低度跌倒风险"),
        Band(51, 125, "high", "High fall risk", "高度跌倒风险"),
    ),
)
