"""Geriatric Depression Scale, short form (Sheikh & Yesavage 1986; 15 items, 0-15).

One point per depressive answer: "no" to items 1, 5, 7, 11 and 13, "yes" to the others.
0-4 normal, 5-8 mild, 9-11 moderate, 12-15 severe depression.
"""

from __future__ import annotations

from .base import Band, Instrument, Item, yes_no

_ITEMS = (
    ("q1_satisfied", "Are you basically satisfied with your life?", "您对生活基本满意吗？", False),
    ("q2_dropped_activities", "Have you dropped many of your activities and interests?",
     "您是否放弃了许多活动和兴趣？", True),
    ("q3_life_empty", "Do you feel that your life is empty?", "您是否觉得生活空虚？", True),
    ("q4_bored", "Do you often get bored?", "您是否常感到厌倦？", True),
    ("q5_good_spirits", "Are you in good spirits most of the time?",
     "您是否大部分时间精力充沛、心情好？", False),
    ("q6_afraid", "Are you afraid that something bad is going to happen to you?",
     "您是否害怕会有不幸的事落到您头上？", True),
    ("q7_happy", "Do you feel happy most of the time?", "您是否大部分时间感到幸福？", False),
    ("q8_helpless", "Do you often feel helpless?", "您是否常感到孤立无援？", True),
    ("q9_stay_home", "Do you prefer to stay at home rather than go out and do new things?",
     "您是否宁愿待在家里而不愿出去做些新鲜事？", True),
    ("q10_memory", "Do you feel you have more problems with memory than most?",
     "您是否觉得记忆力比大多数人差？", True),
    ("q11_wonderful_alive", "Do you think it is wonderful to be alive now?",
     "您是否觉得现在活着很美好？", False),
    ("q12_worthless", "Do you feel pretty worthless the way you are now?",
     "您是否觉得像现在这样活着毫无意义？", True),
    ("q13_energy", "Do you feel full of energy?", "您是否觉得精力充沛？", False),
    ("q14_hopeless", "Do you feel that your situation is hopeless?",
     "您是否觉得您的处境没有希望？", True),
    ("q15_others_better", "Do you think that most people are better off than you are?",
     "您是否觉得大多数人比您强？", True),
)  # fmt: skip

GDS15 = Instrument(
    code="gds15",
    name_en="Geriatric Depression Scale (GDS-15)",
    name_zh="老年抑郁量表简版（GDS-15）",
    version="1986",
    source="Sheikh JI, Yesavage JA. Clin Gerontol 1986;5:165-73",
    items=tuple(
        Item(key, en, zh, yes_no(1, 0) if yes_scores else yes_no(0, 1))
        for key, en, zh, yes_scores in _ITEMS
    ),
    bands=(
        Band(0, 4, "normal", "No depression", "无抑郁"),
        Band(5, 8, "mild", "Mild depression", "轻度抑郁"),
        Band(9, 11, "moderate", "Moderate depression", "中度抑郁"),
        Band(12, 15, "severe", "Severe depression", "重度抑郁"),
    ),
)
