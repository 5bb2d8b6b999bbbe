"""Mini Nutritional Assessment, short form (Kaiser et al. 2009; 0-14).

Items A-E and F1 (body-mass index) or, when no BMI can be measured, F2 (calf
circumference) instead: exactly one of the two. 12-14 normal nutritional status, 8-11 at
risk of malnutrition, 0-7 malnourished.
"""

from __future__ import annotations

from .base import Band, Instrument, Item, Option

MNA_SF = Instrument(
    code="mna_sf",
    name_en="Mini Nutritional Assessment, short form (MNA-SF)",
    name_zh="微型营养评估简表（MNA-SF）",
    version="2009",
    source="Kaiser MJ et al. J Nutr Health Aging 2009;13:782-8",
    items=(
        Item(
            "food_intake",
            "A. Food intake declined over the past 3 months",
            "A. 近 3 个月进食减少",
            (
                Option("severe", 0, "Severe decrease", "严重减少"),
                Option("moderate", 1, "Moderate decrease", "中度减少"),
                Option("none", 2, "No decrease", "没有减少"),
            ),
        ),
        Item(
            "weight_loss",
            "B. Weight loss during the last 3 months",
            "B. 近 3 个月体重下降",
            (
                Option("over_3kg", 0, "More than 3 kg", "大于 3 公斤"),
                Option("unknown", 1, "Does not know", "不知道"),
                Option("1_to_3kg", 2, "Between 1 and 3 kg", "1 至 3 公斤"),
                Option("none", 3, "No weight loss", "体重没有下降"),
            ),
        ),
        Item(
            "mobility",
            "C. Mobility",
            "C. 活动能力",
            (
                Option("bed_or_chair", 0, "Bed or chair bound", "卧床或坐轮椅"),
                Option(
                    "no_going_out",
                    1,
                    "Gets out of bed or chair but does not go out",
                    "能下床或离开椅子，但不能外出",
                ),
                Option("goes_out", 2, "Goes out", "能外出"),
            ),
        ),
        Item(
            "stress_or_acute_disease",
            "D. Psychological stress or acute disease (3 months)",
            "D. 近 3 个月有心理创伤或急性疾病",
            (Option("yes", 0, "Yes", "有"), Option("no", 2, "No", "无")),
        ),
        Item(
            "neuropsychological",
            "E. Neuropsychological problems",
            "E. 神经精神问题",
            (
                Option("severe", 0, "Severe dementia or depression", "严重痴呆或抑郁"),
                Option("mild_dementia", 1, "Mild dementia", "轻度痴呆"),
                Option("none", 2, "No psychological problems", "无精神问题"),
            ),
        ),
        Item(
            "bmi",
            "F1. Body-mass index (kg/m2)",
            "F1. 体重指数（kg/m²）",
            (
                Option("under_19", 0, "BMI under 19", "BMI 小于 19"),
                Option("19_to_21", 1, "BMI 19 to under 21", "BMI 19 至小于 21"),
                Option("21_to_23", 2, "BMI 21 to under 23", "BMI 21 至小于 23"),
                Option("23_or_more", 3, "BMI 23 or more", "BMI 大于或等于 23"),
            ),
            group="f_body",
        ),
        Item(
            "calf_circumference",
            "F2. Calf circumference (when no BMI)",
            "F2. 小腿围（无法测 BMI 时）",
            (
                Option("under_31cm", 0, "Under 31 cm", "小于 31 厘米"),
                Option("31cm_or_more", 3, "31 cm or more", "大于或等于 31 厘米"),
            ),
            group="f_body",
        ),
    ),
    bands=(
        Band(0, 7, "malnourished", "Malnourished", "营养不良"),
        Band(8, 11, "at_risk", "At risk of malnutrition", "有营养不良风险"),
        Band(12, 14, "normal", "Normal nutritional status", "营养状况正常"),
    ),
)
