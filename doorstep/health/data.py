"""Reference data of the health record: the ICD-10 subset of common chronic conditions of
elders (ADR 0026). Names in English (WHO ICD-10) and Simplified Chinese (国家临床版 2.0
usage). Loaded by migration 0002 and again by the demo seed after a flush."""

from __future__ import annotations

from typing import Any

CODES = [
    # code, group, English, Chinese
    ("I10", "circulatory", "Essential (primary) hypertension", "原发性高血压"),
    ("I20.9", "circulatory", "Angina pectoris, unspecified", "心绞痛"),
    ("I25.1", "circulatory", "Atherosclerotic heart disease", "动脉粥样硬化性心脏病"),
    ("I48", "circulatory", "Atrial fibrillation and flutter", "心房颤动和扑动"),
    ("I50.9", "circulatory", "Heart failure, unspecified", "心力衰竭"),
    ("I61.9", "circulatory", "Intracerebral haemorrhage, unspecified", "脑出血"),
    ("I63.9", "circulatory", "Cerebral infarction, unspecified", "脑梗死"),
    ("I69.3", "circulatory", "Sequelae of cerebral infarction", "脑梗死后遗症"),
    ("I70.2", "circulatory", "Atherosclerosis of arteries of extremities", "四肢动脉粥样硬化"),
    ("I83.9", "circulatory", "Varicose veins of lower extremities", "下肢静脉曲张"),
    ("E11.9", "endocrine", "Type 2 diabetes mellitus without complications", "2型糖尿病"),
    ("E11.4", "endocrine", "Type 2 diabetes mellitus with neurological complications",
     "2型糖尿病伴神经并发症"),
    ("E11.5", "endocrine", "Type 2 diabetes mellitus with peripheral circulatory complications",
     "2型糖尿病伴周围循环并发症"),
    ("E03.9", "endocrine", "Hypothyroidism, unspecified", "甲状腺功能减退症"),
    ("E78.5", "endocrine", "Hyperlipidaemia, unspecified", "高脂血症"),
    ("E79.0", "endocrine", "Hyperuricaemia without signs of gout", "高尿酸血症"),
    ("D64.9", "blood", "Anaemia, unspecified", "贫血"),
    ("J44.9", "respiratory", "Chronic obstructive pulmonary disease, unspecified",
     "慢性阻塞性肺疾病"),
    ("J45.9", "respiratory", "Asthma, unspecified", "哮喘"),
    ("J47", "respiratory", "Bronchiectasis", "支气管扩张"),
    ("F03", "mental", "Unspecified dementia", "痴呆"),
    ("F32.9", "mental", "Depressive episode, unspecified", "抑郁发作"),
    ("F41.9", "mental", "Anxiety disorder, unspecified", "焦虑障碍"),
    ("G20", "nervous", "Parkinson disease", "帕金森病"),
    ("G30.9", "nervous", "Alzheimer disease, unspecified", "阿尔茨海默病"),
    ("G40.9", "nervous", "Epilepsy, unspecified", "癫痫"),
    ("M10.9", "musculoskeletal", "Gout, unspecified", "痛风"),
    ("M16.9", "musculoskeletal", "Coxarthrosis, unspecified", "髋关节骨关节炎"),
    ("M17.9", "musculoskeletal", "Gonarthrosis, unspecified", "膝关节骨关节炎"),
    ("M47.9", "musculoskeletal", "Spondylosis, unspecified", "脊椎关节病"),
    ("M48.0", "musculoskeletal", "Spinal stenosis", "椎管狭窄"),
    ("M81.9", "musculoskeletal", "Osteoporosis, unspecified", "骨质疏松"),
    ("S72.0", "injury", "Fracture of neck of femur", "股骨颈骨折"),
    ("H25.9", "eye", "Senile cataract, unspecified", "老年性白内障"),
    ("H35.3", "eye", "Degeneration of macula and posterior pole", "黄斑变性"),
    ("H40.9", "eye", "Glaucoma, unspecified", "青光眼"),
    ("H91.1", "ear", "Presbycusis", "老年性聋"),
    ("K21.9", "digestive", "Gastro-oesophageal reflux disease without oesophagitis",
     "胃食管反流病"),
    ("K59.0", "digestive", "Constipation", "便秘"),
    ("K74.6", "digestive", "Other and unspecified cirrhosis of liver", "肝硬化"),
    ("B18.1", "infectious", "Chronic viral hepatitis B", "慢性乙型病毒性肝炎"),
    ("N18.9", "genitourinary", "Chronic kidney disease, unspecified", "慢性肾脏病"),
    ("N40", "genitourinary", "Hyperplasia of prostate", "前列腺增生"),
    ("R32", "symptoms", "Unspecified urinary incontinence", "尿失禁"),
    ("L89.9", "skin", "Pressure ulcer, unspecified", "压力性损伤"),
    ("C16.9", "neoplasm", "Malignant neoplasm of stomach, unspecified", "胃恶性肿瘤"),
    ("C18.9", "neoplasm", "Malignant neoplasm of colon, unspecified", "结肠恶性肿瘤"),
    ("C20", "neoplasm", "Malignant neoplasm of rectum", "直肠恶性肿瘤"),
    ("C34.9", "neoplasm", "Malignant neoplasm of bronchus or lung, unspecified", "肺恶性肿瘤"),
    ("C50.9", "neoplasm", "Malignant neoplasm of breast, unspecified", "乳腺恶性肿瘤"),
]  # fmt: skip


def load_condition_codes(model: Any = None) -> int:
    """Insert or update every code (never delete: conditions refer to them)."""
    if model is None:
        from .models import ConditionCode as model
    for code, group, en, zh in CODES:
        model.objects.update_or_create(
            code=code, defaults={"group": group, "name_en": en, "name_zh": zh, "is_active": True}
        )
    return len(CODES)
