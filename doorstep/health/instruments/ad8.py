"""AD8 dementia screening interview (Galvin et al. 2005; eight items, 0-8).

Each item asks an informant (or the elder) whether there has been a change in the last
several years caused by thinking or memory problems: "yes, a change" scores 1, "no
change" and "don't know" score 0. Two or more: cognitive impairment is likely.
"""

from __future__ import annotations

from .base import Band, Instrument, Item, Option

_ANSWERS = (
    Option("yes", 1, "Yes, a change", "是，有变化"),
    Option("no", 0, "No, no change", "无变化"),
    Option("unknown", 0, "Don't know", "不知道"),
)

_ITEMS = (
    ("judgment", "Problems with judgment (decisions, finances, thinking)",
     "判断力出现问题（如做决定、理财、思考困难）"),
    ("interest", "Less interest in hobbies or activities", "对业余爱好或活动的兴趣下降"),
    ("repeats", "Repeats the same things over and over", "反复重复相同的问题、故事或话语"),
    ("learning_tools", "Trouble learning to use a tool, appliance or gadget",
     "学习使用工具、电器或小器具有困难"),
    ("forgets_month_year", "Forgets the correct month or year", "忘记正确的月份或年份"),
    ("finances", "Trouble handling complicated financial affairs", "处理复杂的财务问题有困难"),
    ("appointments", "Trouble remembering appointments", "记不住约会"),
    ("daily_memory", "Daily problems with thinking and/or memory", "日常有思考和/或记忆问题"),
)  # fmt: skip

AD8 = Instrument(
    code="ad8",
    name_en="AD8 dementia screening",
    name_zh="AD8 痴呆筛查量表",
    version="2005",
    source="Galvin JE et al. Neurology 2005;65:559-64",
    items=tuple(Item(key, en, zh, _ANSWERS) for key, en, zh in _ITEMS),
    bands=(
        Band(0, 1, "normal", "Normal cognition", "认知正常"),
        Band(2, 8, "impairment_likely", "Cognitive impairment likely", "可能存在认知障碍"),
    ),
)
