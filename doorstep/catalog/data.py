"""The seeded catalogue: categories, service items, packages (ADR 0012).

Prices are reference base prices in fen, in the range published by provincial
互联网+护理服务 pilots (e.g. an intramuscular injection 50-80 yuan, PICC maintenance
150-200 yuan) and by community home-care price lists (a haircut 20-30 yuan).
Documentation fields carry UCUM units and LOINC codes where one exists.
"""

from __future__ import annotations

from typing import Any

# ---------------------------------------------------------------- documentation fields


def _f(
    key: str,
    zh: str,
    en: str,
    type_: str,
    *,
    unit: str = "",
    loinc: str = "",
    required: bool = False,
    lo: float | None = None,
    hi: float | None = None,
    choices: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "key": key,
        "label_zh": zh,
        "label_en": en,
        "type": type_,
        "unit": unit,
        "loinc": loinc,
        "required": required,
        "min": lo,
        "max": hi,
        "choices": choices or [],
    }


BP = [
    _f("bp_systolic", "收缩压", "Systolic blood pressure", "integer", unit="mm[Hg]",
       loinc="8480-6", required=True, lo=50, hi=260),
    _f("bp_diastolic", "舒张压", "Diastolic blood pressure", "integer", unit="mm[Hg]",
       loinc="8462-4", required=True, lo=30, hi=160),
]  # fmt: skip
PULSE = _f("pulse", "脉搏", "Pulse rate", "integer", unit="/min", loinc="8867-4",
           required=True, lo=20, hi=220)  # fmt: skip
GLUCOSE = _f("glucose", "血糖", "Blood glucose", "number", unit="mmol/L", loinc="15074-8",
             required=True, lo=1, hi=35)  # fmt: skip
SPO2 = _f("spo2", "血氧饱和度", "Oxygen saturation", "integer", unit="%", loinc="59408-5",
          lo=50, hi=100)  # fmt: skip
TEMP = _f("temperature", "体温", "Body temperature", "number", unit="Cel", loinc="8310-5",
          lo=34, hi=43)  # fmt: skip
RESP = _f("resp_rate", "呼吸频率", "Respiratory rate", "integer", unit="/min", loinc="9279-1",
          lo=4, hi=60)  # fmt: skip
WEIGHT = _f("weight", "体重", "Body weight", "number", unit="kg", loinc="29463-7", lo=0.5, hi=250)
PAIN = _f("pain_score", "疼痛评分 (0-10)", "Pain score (0-10)", "integer", unit="{score}",
          loinc="72514-3", required=True, lo=0, hi=10)  # fmt: skip
WOUND = [
    _f("wound_length", "伤口长度", "Wound length", "number", unit="cm", loinc="39126-8",
       required=True, lo=0, hi=100),
    _f("wound_width", "伤口宽度", "Wound width", "number", unit="cm", loinc="39125-0",
       required=True, lo=0, hi=100),
    _f("wound_exudate", "渗液", "Exudate", "choice", required=True,
       choices=["none", "light", "moderate", "heavy"]),
    _f("photo_before", "处理前照片", "Photo before", "photo", required=True),
    _f("photo_after", "处理后照片", "Photo after", "photo"),
]  # fmt: skip
SITE = _f("site", "部位", "Site", "text", required=True)
DRUG = _f("drug_checked", "已核对药品与医嘱", "Drug and prescription checked", "bool",
          required=True)  # fmt: skip
REACTION = _f("reaction", "不良反应", "Adverse reaction", "choice", required=True,
              choices=["none", "mild", "severe"])  # fmt: skip
NOTES = _f("notes", "备注", "Notes", "text")
PHOTO = _f("photo", "照片", "Photo", "photo")
DONE = _f("completed_as_planned", "按计划完成", "Completed as planned", "bool", required=True)
SATISFIED = _f("elder_mood", "老人情绪", "Elder's mood", "choice",
               choices=["good", "neutral", "low"])  # fmt: skip

VITALS = [*BP, PULSE, TEMP, SPO2]
INJECTION = [SITE, DRUG, REACTION, NOTES]
DAILY = [DONE, SATISFIED, NOTES]

# ---------------------------------------------------------------- consumables


def _c(code: str, zh: str, en: str, unit: str, fen: int) -> dict[str, Any]:
    return {"code": code, "name_zh": zh, "name_en": en, "unit": unit, "price_fen": fen}


INJECTION_KIT = _c("injection_kit", "注射器及消毒用品", "Syringe and disinfection kit", "set", 500)
BLOOD_KIT = _c("blood_kit", "采血针及真空采血管", "Needle and vacuum tubes", "set", 800)
DRESSING_KIT = _c("dressing_kit", "换药包", "Dressing pack", "set", 1500)
CATHETER_KIT = _c("catheter_kit", "一次性导尿包", "Urinary catheter kit", "set", 3500)
NG_KIT = _c("ng_tube", "一次性胃管", "Nasogastric tube", "piece", 2500)
PICC_KIT = _c("picc_kit", "PICC 维护包", "PICC maintenance kit", "set", 4500)
STOMA_BAG = _c("stoma_bag", "造口袋", "Ostomy bag", "piece", 3000)
FOAM = _c("foam_dressing", "泡沫敷料", "Foam dressing", "piece", 2800)
TRACH_KIT = _c("trach_kit", "气切护理包", "Tracheostomy care kit", "set", 3000)
SUCTION = _c("suction_catheter", "一次性吸痰管", "Suction catheter", "piece", 500)
ENEMA_KIT = _c("enema_kit", "一次性灌肠器", "Enema kit", "set", 1500)
STRIP = _c("glucose_strip", "血糖试纸", "Glucose test strip", "piece", 300)
NEBULISER = _c("nebuliser_mask", "雾化面罩", "Nebuliser mask", "piece", 1000)
CUPS = _c("cup_disinfection", "火罐消毒", "Cup disinfection", "set", 500)
MOXA = _c("moxa_stick", "艾条", "Moxa stick", "piece", 800)
PATCH = _c("acupoint_patch", "穴位贴", "Acupoint patch", "piece", 600)
UMBILICAL = _c("umbilical_kit", "脐部护理包", "Umbilical care kit", "set", 800)
SUTURE_KIT = _c("suture_removal_kit", "拆线包", "Suture removal kit", "set", 1000)
SPECIMEN = _c("specimen_cup", "标本容器", "Specimen container", "piece", 300)

# ---------------------------------------------------------------- categories

#: (code, name_zh, name_en, group)
CATEGORIES: list[tuple[str, str, str, str]] = [
    ("injection", "注射与输注", "Injections", "clinical_nursing"),
    ("sampling", "标本采集", "Specimen collection", "clinical_nursing"),
    ("basic_nursing", "基础护理", "Basic nursing", "clinical_nursing"),
    ("tubes", "管路护理", "Tube and line care", "specialist_nursing"),
    ("wound_skin", "伤口与造口", "Wounds and stomas", "specialist_nursing"),
    ("chronic", "慢病管理", "Chronic disease management", "chronic_disease"),
    ("rehab", "康复护理", "Rehabilitation", "rehabilitation"),
    ("tcm", "中医护理", "TCM nursing", "tcm_nursing"),
    ("maternal", "母婴护理", "Maternal and newborn care", "maternal_newborn"),
    ("hospice", "安宁疗护", "Hospice and palliative care", "hospice_palliative"),
    ("guidance", "健康指导", "Health guidance", "health_guidance"),
    ("personal_care", "生活照料", "Personal care", "daily_life"),
    ("household", "居家生活服务", "Household services", "daily_life"),
    ("companion", "陪伴与陪诊", "Companionship and escort", "daily_life"),
]

_KINDS: dict[str, list[str]] = {
    "clinical_nursing": ["nurse"],
    "picc_care": ["nurse"],
    "wound_ostomy_care": ["nurse"],
    "hospice_care": ["nurse"],
    "medical_assessment": ["community_doctor"],
    "daily_care": ["nurse", "caregiver"],
    "companionship": ["caregiver", "volunteer", "nurse"],
    "": ["nurse"],
}
_CLINICAL = {"clinical_nursing", "picc_care", "wound_ostomy_care", "hospice_care",
             "medical_assessment"}  # fmt: skip


def _item(
    code: str,
    category: str,
    zh: str,
    en: str,
    yuan: int,
    minutes: int,
    preset: str,
    *,
    syn: tuple[str, ...] = (),
    risk: str = "low",
    assess: bool | None = None,
    kinds: list[str] | None = None,
    clinical: bool | None = None,
    rank: int = 0,
    years: int = 0,
    certs: tuple[str, ...] = (),
    cons: tuple[dict[str, Any], ...] = (),
    tmpl: list[dict[str, Any]] | None = None,
    contra: tuple[str, str] = ("", ""),
) -> dict[str, Any]:
    is_clinical = preset in _CLINICAL if clinical is None else clinical
    needs = is_clinical if assess is None else assess
    return {
        "code": code,
        "category": category,
        "name_zh": zh,
        "name_en": en,
        "synonyms": list(syn),
        "provider_kinds": kinds or _KINDS[preset],
        "eligibility_preset": preset,
        "min_title_rank": rank,
        "min_years": years,
        "required_certificates": list(certs),
        "is_clinical": is_clinical,
        "duration_minutes": minutes,
        "risk_level": risk,
        "requires_assessment": needs,
        "assessment_validity_days": 90 if needs else 0,
        "consumables": list(cons),
        "documentation_template": tmpl if tmpl is not None else [*VITALS, NOTES],
        "contraindications_zh": contra[0],
        "contraindications_en": contra[1],
        "base_price_fen": yuan * 100,
    }


CN = "clinical_nursing"
ALLERGY = ("对所用药品过敏者禁用；首次用药须在医疗机构完成。",
           "Not for drugs the elder is allergic to; the first dose must be given in a clinic.")  # fmt: skip
UNSTABLE = ("生命体征不稳定者应就医，不宜居家操作。",
            "Unstable vital signs: refer to hospital instead of treating at home.")  # fmt: skip
SKIN = ("局部皮肤破损、出血倾向者禁用。",
        "Not on broken skin or with a bleeding tendency.")  # fmt: skip

ITEMS: list[dict[str, Any]] = [
    # injections and sampling
    _item("injection_im", "injection", "肌内注射", "Intramuscular injection", 60, 30, CN,
          syn=("打针", "肌注", "屁股针", "injection", "shot", "jab", "intramuscular", "im"),
          risk="medium", cons=(INJECTION_KIT,), tmpl=INJECTION, contra=ALLERGY),
    _item("injection_sc", "injection", "皮下注射", "Subcutaneous injection", 50, 30, CN,
          syn=("胰岛素", "打胰岛素", "皮下针", "肝素", "insulin", "subcutaneous", "heparin",
               "shot"),
          risk="medium", cons=(INJECTION_KIT,), tmpl=[*INJECTION, GLUCOSE], contra=ALLERGY),
    _item("injection_iv", "injection", "静脉注射", "Intravenous injection", 80, 40, CN,
          syn=("静推", "静脉推注", "intravenous", "iv", "vein"),
          risk="high", cons=(INJECTION_KIT,), tmpl=INJECTION, contra=ALLERGY),
    _item("blood_sampling", "sampling", "静脉采血", "Venous blood sampling", 60, 30, CN,
          syn=("抽血", "采血", "验血", "化验", "blood test", "blood draw", "draw blood",
               "blood sample", "bloods", "lab"),
          cons=(BLOOD_KIT,), tmpl=[_f("tubes", "采血管数", "Tubes drawn", "integer",
                                      required=True, lo=1, hi=10), SITE, NOTES]),
    _item("specimen_collection", "sampling", "尿便痰标本采集送检", "Urine, stool and sputum specimens",
          40, 20, CN, syn=("留尿", "尿样", "便样", "痰样", "送检", "urine sample",
                           "stool sample", "sputum", "specimen"),
          cons=(SPECIMEN,), tmpl=[_f("specimen", "标本类型", "Specimen type", "choice",
                                     required=True, choices=["urine", "stool", "sputum"]),
                                  NOTES]),
    # basic nursing
    _item("vital_signs", "basic_nursing", "生命体征监测", "Vital signs check", 40, 20, "",
          syn=("测体温", "体温", "量体温", "生命体征", "vital signs", "temperature", "vitals"),
          kinds=["nurse", "community_doctor"], clinical=True, assess=False,
          tmpl=[*VITALS, RESP, NOTES]),
    _item("suture_removal", "basic_nursing", "拆线", "Suture removal", 80, 30, CN,
          syn=("拆线", "缝线", "stitches", "remove stitches", "sutures"),
          cons=(SUTURE_KIT,), tmpl=[SITE, _f("healed", "愈合良好", "Healed well", "bool",
                                            required=True), PHOTO, NOTES]),
    _item("sputum_suction", "basic_nursing", "吸痰护理", "Sputum suction", 80, 30, CN,
          syn=("吸痰", "痰多", "痰堵", "suction", "phlegm", "mucus"),
          risk="high", cons=(SUCTION,), tmpl=[*VITALS, NOTES], contra=UNSTABLE),
    _item("enema", "basic_nursing", "灌肠", "Enema", 100, 40, CN,
          syn=("灌肠", "便秘", "大便不通", "解不出大便", "enema", "constipation",
               "constipated"),
          risk="medium", cons=(ENEMA_KIT,), tmpl=[PULSE, NOTES],
          contra=("急腹症、消化道出血者禁用。",
                  "Not with acute abdomen or gastrointestinal bleeding.")),
    _item("nebulisation", "basic_nursing", "雾化吸入", "Nebuliser treatment", 60, 30, CN,
          syn=("雾化", "雾化吸入", "nebuliser", "nebulizer", "inhalation"),
          cons=(NEBULISER,), tmpl=[SPO2, RESP, NOTES]),
    # tubes and lines
    _item("urinary_catheter", "tubes", "导尿管更换与护理", "Urinary catheter change and care",
          150, 45, CN,
          syn=("导尿", "尿管", "换尿管", "留置导尿", "插尿管", "catheter", "urinary",
               "foley", "bladder", "urine"),
          risk="medium", cons=(CATHETER_KIT,),
          tmpl=[_f("catheter_size", "导尿管型号", "Catheter size", "integer", unit="[Ch]",
                   required=True, lo=6, hi=26),
                _f("urine_colour", "尿液颜色", "Urine colour", "choice", required=True,
                   choices=["clear", "cloudy", "bloody"]), TEMP, NOTES],
          contra=("尿道损伤、急性尿道炎者禁用。", "Not with urethral injury or acute urethritis.")),
    _item("bladder_irrigation", "tubes", "膀胱冲洗", "Bladder irrigation", 120, 40, CN,
          syn=("膀胱冲洗", "冲洗膀胱", "bladder irrigation", "bladder washout"),
          risk="medium", cons=(CATHETER_KIT,), tmpl=[TEMP, NOTES]),
    _item("ng_tube", "tubes", "胃管护理与更换", "Nasogastric tube care and change", 150, 45, CN,
          syn=("胃管", "鼻饲", "鼻饲管", "插胃管", "换胃管", "nasogastric", "ng tube",
               "feeding tube", "tube feeding"),
          risk="high", cons=(NG_KIT,),
          tmpl=[_f("tube_depth", "置管深度", "Insertion depth", "number", unit="cm",
                   required=True, lo=20, hi=80),
                _f("position_checked", "已确认胃管位置", "Position confirmed", "bool",
                   required=True), NOTES],
          contra=("食管胃底静脉曲张、颅底骨折者禁用。",
                  "Not with oesophageal varices or basal skull fracture.")),
    _item("picc_maintenance", "tubes", "PICC 维护", "PICC line maintenance", 180, 45,
          "picc_care",
          syn=("picc", "冲管", "封管", "导管维护", "换贴膜", "picc line", "flush",
               "central line", "line care"),
          risk="high", cons=(PICC_KIT,),
          tmpl=[_f("arm_circumference", "臂围", "Arm circumference", "number", unit="cm",
                   required=True, lo=10, hi=60),
                _f("external_length", "外露长度", "External length", "number", unit="cm",
                   required=True, lo=0, hi=30),
                _f("site_condition", "穿刺点情况", "Insertion site", "choice", required=True,
                   choices=["normal", "redness", "exudate", "bleeding"]), PHOTO, NOTES]),
    _item("port_maintenance", "tubes", "输液港维护", "Implanted port maintenance", 200, 45,
          "picc_care",
          syn=("输液港", "港维护", "implanted port", "port", "portacath"),
          risk="high", cons=(PICC_KIT,),
          tmpl=[_f("site_condition", "穿刺点情况", "Insertion site", "choice", required=True,
                   choices=["normal", "redness", "exudate", "bleeding"]), PHOTO, NOTES]),
    _item("tracheostomy_care", "tubes", "气管切开护理", "Tracheostomy care", 180, 45, CN,
          syn=("气切", "气管切开", "气管套管", "tracheostomy", "trach", "breathing tube"),
          rank=3, risk="high", cons=(TRACH_KIT, SUCTION), tmpl=[SPO2, RESP, PHOTO, NOTES],
          contra=UNSTABLE),
    # wounds and stomas
    _item("wound_dressing", "wound_skin", "伤口换药", "Wound dressing change", 100, 40, CN,
          syn=("换药", "伤口", "纱布", "伤口护理", "dressing", "wound", "bandage",
               "change dressing", "cut"),
          risk="medium", cons=(DRESSING_KIT,), tmpl=WOUND),
    _item("stoma_care", "wound_skin", "造口护理", "Stoma care", 150, 45, "wound_ostomy_care",
          syn=("造口", "造瘘", "造口袋", "肛门袋", "stoma", "ostomy", "colostomy",
               "colostomy bag", "ileostomy"),
          risk="medium", cons=(STOMA_BAG,),
          tmpl=[_f("stoma_condition", "造口情况", "Stoma condition", "choice", required=True,
                   choices=["healthy", "oedema", "necrosis", "retraction"]),
                _f("skin_condition", "周围皮肤", "Peristomal skin", "choice", required=True,
                   choices=["intact", "redness", "broken"]), PHOTO, NOTES]),
    _item("pressure_injury", "wound_skin", "压力性损伤（压疮）护理",
          "Pressure injury (bedsore) care", 150, 45,
          "wound_ostomy_care",
          syn=("褥疮", "压疮", "压伤", "压力性损伤", "bedsore", "bed sore", "pressure sore",
               "pressure ulcer", "pressure injury"),
          risk="medium", cons=(FOAM, DRESSING_KIT),
          tmpl=[_f("stage", "分期", "Stage", "choice", required=True,
                   choices=["1", "2", "3", "4", "unstageable", "deep_tissue"]), *WOUND]),
    _item("diabetic_foot", "chronic", "糖尿病足护理", "Diabetic foot care", 120, 40,
          "wound_ostomy_care",
          syn=("糖尿病足", "脚溃烂", "足部溃疡", "diabetic foot", "foot ulcer", "foot"),
          risk="medium", cons=(DRESSING_KIT,), tmpl=[GLUCOSE, *WOUND]),
    # chronic disease
    _item("bp_check", "chronic", "血压监测", "Blood pressure check", 30, 20, "",
          syn=("量血压", "测血压", "血压", "高血压", "blood pressure", "bp", "hypertension"),
          kinds=["nurse", "community_doctor"], clinical=True, assess=False,
          tmpl=[*BP, PULSE, NOTES]),
    _item("glucose_check", "chronic", "血糖监测", "Blood glucose check", 30, 20, "",
          syn=("测血糖", "血糖", "验血糖", "糖尿病", "blood sugar", "glucose", "diabetes",
               "sugar"),
          kinds=["nurse", "community_doctor"], clinical=True, assess=False,
          cons=(STRIP,), tmpl=[GLUCOSE, _f("fasting", "空腹", "Fasting", "bool", required=True),
                               NOTES]),
    _item("chronic_followup", "chronic", "慢病随访", "Chronic disease follow-up", 80, 40,
          "medical_assessment",
          syn=("随访", "复查", "慢病", "高血压随访", "糖尿病随访", "follow-up", "follow up",
               "checkup", "check-up", "chronic"),
          tmpl=[*BP, GLUCOSE, WEIGHT, NOTES]),
    _item("copd_care", "chronic", "慢阻肺居家护理", "COPD home care", 100, 40, CN,
          syn=("慢阻肺", "气喘", "喘不上气", "吸氧", "copd", "breathless", "oxygen"),
          tmpl=[SPO2, RESP, PULSE, NOTES]),
    _item("heart_failure_care", "chronic", "心衰居家监护", "Heart failure home monitoring",
          100, 40, CN,
          syn=("心衰", "心力衰竭", "腿肿", "水肿", "heart failure", "swollen legs", "oedema"),
          tmpl=[*BP, PULSE, WEIGHT, NOTES]),
    _item("cognitive_screening", "chronic", "认知功能筛查", "Cognitive screening", 80, 45,
          "medical_assessment",
          syn=("认知", "老年痴呆", "记性差", "健忘", "dementia", "memory", "cognitive",
               "forgetful"),
          tmpl=[_f("mmse", "MMSE 评分", "MMSE score", "integer", unit="{score}",
                   loinc="72107-6", required=True, lo=0, hi=30), NOTES]),
    # rehabilitation
    _item("rehab_stroke", "rehab", "脑卒中康复训练", "Stroke rehabilitation", 150, 60, CN,
          syn=("中风", "偏瘫", "脑梗", "卒中", "stroke", "paralysis", "hemiplegia"),
          tmpl=[BP[0], BP[1], DONE, NOTES]),
    _item("rehab_joint", "rehab", "关节置换术后康复", "Rehabilitation after joint replacement",
          150, 60, CN,
          syn=("膝关节", "髋关节", "换关节", "术后康复", "knee replacement", "hip replacement",
               "knee", "hip"),
          tmpl=[PAIN, DONE, NOTES]),
    _item("rehab_swallow", "rehab", "吞咽功能训练", "Swallowing training", 120, 45, CN,
          syn=("吞咽", "呛咳", "吃饭呛", "swallowing", "choking", "dysphagia"),
          tmpl=[DONE, NOTES]),
    _item("rehab_fall", "rehab", "防跌倒训练与居家评估", "Fall prevention training", 100, 60,
          "daily_care",
          syn=("跌倒", "摔倒", "防摔", "平衡", "fall", "falls", "balance", "fell"),
          tmpl=[_f("tug_seconds", "起立行走测试", "Timed up and go", "number", unit="s",
                   lo=1, hi=120), DONE, NOTES]),
    _item("rehab_limb", "rehab", "肢体功能训练", "Limb mobility exercise", 100, 45,
          "daily_care",
          syn=("肢体", "被动运动", "活动手脚", "关节僵硬", "exercise", "mobility",
               "range of motion", "stiff"),
          tmpl=DAILY),
    _item("rehab_breathing", "rehab", "呼吸功能训练", "Breathing exercises", 80, 40, CN,
          syn=("呼吸训练", "缩唇呼吸", "breathing exercises", "breathing"),
          tmpl=[SPO2, DONE, NOTES]),
    # traditional Chinese medicine
    _item("tcm_cupping", "tcm", "拔罐", "Cupping", 60, 30, CN,
          syn=("拔罐", "火罐", "拔火罐", "cupping", "cups"),
          cons=(CUPS,), tmpl=[SITE, REACTION, NOTES], contra=SKIN),
    _item("tcm_moxibustion", "tcm", "艾灸", "Moxibustion", 80, 40, CN,
          syn=("艾灸", "灸", "moxa", "moxibustion"),
          cons=(MOXA,), tmpl=[SITE, REACTION, NOTES], contra=SKIN),
    _item("tcm_tuina", "tcm", "推拿", "Tuina", 100, 45, CN,
          syn=("推拿", "中医按摩", "腰疼", "颈椎", "tuina", "chinese massage", "back pain"),
          tmpl=[SITE, PAIN, NOTES], contra=SKIN),
    _item("tcm_acupressure", "tcm", "穴位按压", "Acupressure", 60, 30, CN,
          syn=("穴位", "按穴位", "点穴", "acupressure", "pressure points"),
          tmpl=[SITE, NOTES], contra=SKIN),
    _item("tcm_guasha", "tcm", "刮痧", "Gua sha", 60, 30, CN,
          syn=("刮痧", "gua sha", "guasha", "scraping"),
          tmpl=[SITE, REACTION, NOTES], contra=SKIN),
    _item("tcm_acupoint_patch", "tcm", "穴位贴敷", "Acupoint application", 60, 30, CN,
          syn=("贴敷", "三伏贴", "穴位贴", "acupoint patch", "herbal patch"),
          cons=(PATCH,), tmpl=[SITE, REACTION, NOTES], contra=SKIN),
    # maternal and newborn
    _item("postnatal_visit", "maternal", "产后访视", "Postnatal home visit", 150, 60, CN,
          syn=("产后", "坐月子", "产妇", "月子", "postnatal", "postpartum", "after birth",
               "new mother", "after delivery"),
          tmpl=[*BP, TEMP, _f("lochia", "恶露", "Lochia", "choice", required=True,
                              choices=["normal", "heavy", "foul"]), NOTES]),
    _item("newborn_bath", "maternal", "新生儿沐浴", "Newborn bath", 80, 40, CN,
          syn=("宝宝洗澡", "婴儿洗澡", "新生儿洗澡", "baby bath", "bathe the baby",
               "newborn bath", "baby"),
          tmpl=[TEMP, _f("skin", "皮肤情况", "Skin", "choice", required=True,
                         choices=["normal", "rash", "jaundiced"]), NOTES]),
    _item("breastfeeding_guidance", "maternal", "母乳喂养指导", "Breastfeeding guidance",
          120, 60, CN,
          syn=("母乳", "喂奶", "催乳", "涨奶", "开奶", "breastfeeding", "breast feeding",
               "latch", "milk supply"),
          tmpl=[_f("latch_ok", "含接正确", "Latch correct", "bool", required=True), NOTES]),
    _item("jaundice_check", "maternal", "新生儿黄疸监测", "Newborn jaundice check", 80, 30, CN,
          syn=("黄疸", "皮肤发黄", "宝宝发黄", "jaundice", "yellow skin", "yellow baby"),
          tmpl=[_f("tcb", "经皮胆红素", "Transcutaneous bilirubin", "number", unit="mg/dL",
                   required=True, lo=0, hi=30), WEIGHT, NOTES]),
    _item("umbilical_care", "maternal", "新生儿脐部护理", "Umbilical cord care", 50, 20, CN,
          syn=("脐带", "肚脐", "脐部", "umbilical", "belly button", "cord stump"),
          cons=(UMBILICAL,), tmpl=[_f("cord", "脐部情况", "Cord", "choice", required=True,
                                      choices=["dry", "moist", "red", "discharge"]), NOTES]),
    _item("newborn_touch", "maternal", "婴儿抚触", "Infant massage", 60, 30, CN,
          syn=("抚触", "婴儿按摩", "infant massage", "baby massage"),
          tmpl=DAILY),
    # hospice and palliative care
    _item("hospice_symptom", "hospice", "安宁疗护症状管理", "Palliative symptom management",
          200, 60, "hospice_care",
          syn=("安宁疗护", "临终", "癌痛", "止痛", "疼痛", "姑息", "palliative", "hospice",
               "end of life", "pain", "cancer pain"),
          risk="high", tmpl=[PAIN, *VITALS, NOTES]),
    _item("hospice_comfort", "hospice", "临终舒适护理", "End-of-life comfort care", 180, 60,
          "hospice_care",
          syn=("舒适护理", "临终关怀", "comfort care", "dying", "last days"),
          risk="high", tmpl=[PAIN, DONE, NOTES]),
    _item("bereavement_support", "hospice", "哀伤辅导", "Bereavement support", 150, 60,
          "hospice_care",
          syn=("哀伤", "丧亲", "去世", "过世", "grief", "bereavement", "passed away"),
          assess=False, tmpl=[NOTES]),
    _item("caregiver_training", "hospice", "家属照护培训", "Care training for families",
          120, 60, CN,
          syn=("家属培训", "教家属", "照护培训", "caregiver training", "teach the family",
               "training"),
          assess=False, tmpl=[DONE, NOTES]),
    # health guidance
    _item("nutrition_guidance", "guidance", "营养膳食指导", "Nutrition guidance", 80, 40, CN,
          syn=("营养", "饮食", "膳食", "吃什么", "消瘦", "nutrition", "diet", "eating",
               "weight loss"),
          assess=False, tmpl=[WEIGHT, NOTES]),
    _item("medication_guidance", "guidance", "用药指导", "Medication guidance", 60, 30, CN,
          syn=("用药", "吃药", "服药", "药物", "药", "medication", "medicine", "pills",
               "drugs", "tablets"),
          assess=False, tmpl=[_f("drugs_reviewed", "核对药品数", "Drugs reviewed", "integer",
                                 required=True, lo=0, hi=50), NOTES]),
    _item("mental_health", "guidance", "心理疏导", "Mental health support", 150, 60, CN,
          syn=("心理", "情绪", "抑郁", "焦虑", "想不开", "mental health", "depression",
               "anxiety", "depressed", "sad", "low mood"),
          assess=False, tmpl=[_f("phq9", "PHQ-9 评分", "PHQ-9 score", "integer",
                                 unit="{score}", loinc="44261-6", lo=0, hi=27), NOTES]),
    _item("home_safety", "guidance", "居家安全评估", "Home safety assessment", 100, 60,
          "daily_care",
          syn=("居家安全", "适老化", "扶手", "防滑", "home safety", "grab bar", "safety"),
          tmpl=[_f("hazards", "隐患数", "Hazards found", "integer", required=True, lo=0,
                   hi=50), PHOTO, NOTES]),
    # personal care (daily life)
    _item("bathing_help", "personal_care", "助浴", "Bathing help", 100, 60, "daily_care",
          syn=("洗澡", "助浴", "擦身", "擦澡", "老人洗澡", "帮洗澡", "bath", "bathing", "shower", "wash",
               "bathe"),
          risk="medium", assess=True, tmpl=DAILY,
          contra=("饱餐后、空腹及血压不稳者不宜。",
                  "Not right after a meal, when hungry or with unstable blood pressure.")),
    _item("feeding_help", "personal_care", "协助进食", "Help with eating", 40, 30, "daily_care",
          syn=("喂饭", "进食", "吃饭困难", "feeding", "help eating", "feed"),
          tmpl=DAILY),
    _item("incontinence_care", "personal_care", "失禁护理", "Incontinence care", 60, 30,
          "daily_care",
          syn=("尿布", "纸尿裤", "大小便", "失禁", "尿裤子", "incontinence", "diaper",
               "nappy", "pad"),
          tmpl=DAILY),
    _item("turning_care", "personal_care", "翻身拍背", "Turning and back patting", 40, 20,
          "daily_care",
          syn=("翻身", "拍背", "卧床", "turning", "reposition", "bedridden"),
          tmpl=DAILY),
    _item("haircut", "personal_care", "上门理发", "Haircut at home", 25, 30, "companionship",
          syn=("理发", "剪头发", "剪发", "头发", "haircut", "hair cut", "barber", "hair"),
          tmpl=DAILY),
    _item("nail_care", "personal_care", "修剪指甲", "Nail trimming", 20, 20, "daily_care",
          syn=("剪指甲", "指甲", "修脚", "nails", "nail trimming", "toenails"),
          tmpl=DAILY),
    _item("massage", "personal_care", "保健按摩", "Relaxation massage", 80, 45, "daily_care",
          syn=("按摩", "捏背", "捶背", "放松", "massage", "back rub", "relax"),
          tmpl=DAILY, contra=SKIN),
    # household services
    _item("meal_delivery", "household", "助餐送餐", "Meal delivery", 15, 20, "companionship",
          syn=("送饭", "送餐", "助餐", "午饭", "饭菜", "meal", "meals", "food delivery",
               "lunch", "dinner", "deliver food"),
          tmpl=[DONE, NOTES]),
    _item("grocery_shopping", "household", "代买菜", "Grocery shopping", 20, 60,
          "companionship",
          syn=("买菜", "超市", "购物", "买东西", "菜市场", "grocery", "groceries", "shopping",
               "supermarket", "buy food"),
          tmpl=[_f("receipt", "小票照片", "Receipt photo", "photo"), DONE, NOTES]),
    _item("cleaning", "household", "居家保洁", "Home cleaning", 60, 120, "daily_care",
          kinds=["caregiver"],
          syn=("打扫", "保洁", "清洁", "搞卫生", "打扫卫生", "cleaning", "clean", "tidy",
               "housework", "hoover"),
          tmpl=[DONE, PHOTO, NOTES]),
    _item("laundry", "household", "洗衣服务", "Laundry", 30, 60, "daily_care",
          kinds=["caregiver"],
          syn=("洗衣服", "洗被子", "洗衣", "laundry", "washing clothes", "wash clothes"),
          tmpl=[DONE, NOTES]),
    _item("home_repair", "household", "居家小维修", "Small home repairs", 50, 60,
          "companionship", kinds=["caregiver", "volunteer"],
          syn=("维修", "修理", "修水管", "换灯泡", "水龙头", "坏了", "repair", "repairs",
               "fix", "plumbing", "light bulb", "broken", "leak"),
          tmpl=[DONE, PHOTO, NOTES]),
    _item("errands", "household", "代办跑腿", "Errands", 30, 60, "companionship",
          syn=("跑腿", "代办", "取药", "缴费", "交电费", "errand", "errands", "pick up",
               "pay bills", "collect prescription"),
          tmpl=[DONE, NOTES]),
    # companionship and escort
    _item("hospital_escort", "companion", "陪诊", "Hospital escort", 150, 240,
          "companionship",
          syn=("陪诊", "陪同就医", "陪看病", "看病", "挂号", "去医院", "hospital escort",
               "doctor appointment", "accompany", "hospital", "appointment"),
          tmpl=[_f("hospital", "就诊医院", "Hospital", "text", required=True), DONE, NOTES]),
    _item("companionship_visit", "companion", "陪伴探访", "Companionship visit", 40, 60,
          "companionship",
          syn=("陪伴", "聊天", "探访", "陪聊", "孤单", "陪陪", "companionship", "company",
               "chat", "keep company", "lonely", "visit"),
          tmpl=DAILY),
    _item("walk_escort", "companion", "陪同散步", "Accompanied walk", 30, 45,
          "companionship",
          syn=("散步", "遛弯", "出去走走", "walk", "stroll", "outing"),
          tmpl=DAILY),
    _item("reading_companion", "companion", "读报与代写书信", "Reading and letter writing",
          30, 45, "companionship",
          syn=("读报", "读书", "写信", "reading", "read the paper", "letters"),
          tmpl=DAILY),
]  # fmt: skip

#: (code, item, name_zh, name_en, visit_count, interval_days, discount_bp)
PACKAGES: list[tuple[str, str, str, str, int, int, int]] = [
    ("picc_4w", "picc_maintenance", "PICC 维护 4 周套餐", "PICC maintenance, 4 weekly visits",
     4, 7, 500),
    ("wound_10", "wound_dressing", "伤口换药 10 次套餐", "Wound dressing, 10 visits", 10, 2, 1000),
    ("insulin_7", "injection_sc", "胰岛素注射 7 天套餐", "Insulin injection, 7 daily visits",
     7, 1, 500),
    ("stoma_4", "stoma_care", "造口护理 4 次套餐", "Stoma care, 4 weekly visits", 4, 7, 500),
    ("postnatal_3", "postnatal_visit", "产后访视 3 次", "Postnatal visits, 3 visits", 3, 7, 800),
    ("bp_monthly", "bp_check", "血压监测月度套餐", "Blood pressure, 4 weekly checks", 4, 7, 1000),
    ("meal_30", "meal_delivery", "助餐 30 天", "Meal delivery, 30 days", 30, 1, 1500),
    ("bathing_4", "bathing_help", "助浴 4 次", "Bathing help, 4 weekly visits", 4, 7, 800),
    ("companion_8", "companionship_visit", "陪伴探访 8 次", "Companionship, 8 weekly visits",
     8, 7, 1000),
    ("stroke_rehab_12", "rehab_stroke", "卒中康复 12 次", "Stroke rehabilitation, 12 visits",
     12, 2, 1000),
]  # fmt: skip

#: Regional guidance price of one visit = base price x this factor (basis points),
#: rounded up to whole yuan; a city may lower the province's cap for some items.
CAP_FACTOR_BP = 15000
