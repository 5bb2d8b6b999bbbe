"""Barthel Index of activities of daily living (Mahoney & Barthel 1965; 10 items, 0-100).

Points per item as in the published form (feeding 0/5/10, bathing 0/5, grooming 0/5,
dressing 0/5/10, bowels 0/5/10, bladder 0/5/10, toilet use 0/5/10, transfers 0/5/10/15,
mobility 0/5/10/15, stairs 0/5/10). Dependency levels follow the Chinese nursing-grade
standard WS/T 431-2013: 100 independent, 61-99 mild, 41-60 moderate, 0-40 severe.
"""

from __future__ import annotations

from .base import Band, Instrument, Item, Option

UNABLE = ("Unable / dependent", "完全依赖")


def _item(key: str, en: str, zh: str, *steps: tuple[int, str, str]) -> Item:
    return Item(key, en, zh, tuple(Option(p, p, e, z) for p, e, z in steps))


BARTHEL = Instrument(
    code="barthel",
    name_en="Barthel Index (ADL)",
    name_zh="Barthel 日常生活活动能力指数",
    version="1965",
    source="Mahoney FI, Barthel DW. Md State Med J 1965;14:61-5; WS/T 431-2013",
    items=(
        _item(
            "feeding",
            "Feeding",
            "进食",
            (0, *UNABLE),
            (5, "Needs help cutting, spreading", "需部分帮助"),
            (10, "Independent", "可独立进食"),
        ),
        _item("bathing", "Bathing", "洗澡", (0, *UNABLE), (5, "Independent", "可独立洗澡")),
        _item(
            "grooming",
            "Grooming",
            "修饰",
            (0, "Needs help with personal care", "需要帮助"),
            (5, "Independent (face, hair, teeth, shaving)", "可独立洗脸、梳头、刷牙、剃须"),
        ),
        _item(
            "dressing",
            "Dressing",
            "穿衣",
            (0, *UNABLE),
            (5, "Needs help, does about half unaided", "需部分帮助"),
            (10, "Independent (buttons, zips, laces)", "可独立穿衣"),
        ),
        _item(
            "bowels",
            "Bowels",
            "控制大便",
            (0, "Incontinent", "失禁"),
            (5, "Occasional accident", "偶尔失禁"),
            (10, "Continent", "能控制"),
        ),
        _item(
            "bladder",
            "Bladder",
            "控制小便",
            (0, "Incontinent or catheterised", "失禁或留置导尿"),
            (5, "Occasional accident", "偶尔失禁"),
            (10, "Continent", "能控制"),
        ),
        _item(
            "toilet",
            "Toilet use",
            "如厕",
            (0, *UNABLE),
            (5, "Needs some help", "需部分帮助"),
            (10, "Independent", "可独立如厕"),
        ),
        _item(
            "transfers",
            "Transfers (bed to chair and back)",
            "床椅转移",
            (0, "Unable, no sitting balance", "完全依赖，不能坐"),
            (5, "Major help (one or two people), can sit", "需大量帮助，能坐"),
            (10, "Minor help (verbal or physical)", "需少量帮助"),
            (15, "Independent", "可独立转移"),
        ),
        _item(
            "mobility",
            "Mobility on level surfaces",
            "平地行走",
            (0, "Immobile or under 50 m", "不能行走或少于 50 米"),
            (5, "Wheelchair independent over 50 m", "可独立操作轮椅 50 米以上"),
            (10, "Walks with help of one person over 50 m", "需一人帮助步行 50 米以上"),
            (15, "Independent over 50 m (may use an aid)", "可独立步行 50 米以上"),
        ),
        _item(
            "stairs",
            "Stairs",
            "上下楼梯",
            (0, "Unable", "不能"),
            (5, "Needs help", "需帮助"),
            (10, "Independent", "可独立上下楼梯"),
        ),
    ),
    bands=(
        Band(0, 40, "severe", "Severe dependency", "重度依赖"),
        Band(41, 60, "moderate", "Moderate dependency", "中度依赖"),
        Band(61, 99, "mild", "Mild dependency", "轻度依赖"),
        Band(100, 100, "independent", "Independent", "无需依赖"),
    ),
)
