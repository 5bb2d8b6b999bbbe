"""The intake classifier: a table of needs as an operator types them, in Chinese and
English, with the expected best item; the pure core needs no database."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.catalog import data, intake

CATEGORY = {code: (zh, en) for code, zh, en, _group in data.CATEGORIES}


@pytest.fixture(scope="module")
def index() -> intake.Index:
    rows = [
        (n, i["code"], i["name_zh"], i["name_en"], i["synonyms"], *CATEGORY[i["category"]])
        for n, i in enumerate(data.ITEMS, start=1)
    ]
    return intake.build_index(intake.docs_from(rows))


TABLE = [
    ("换药", "wound_dressing"),
    ("she needs her catheter changed", "urinary_catheter"),
    ("量血压", "bp_check"),
    ("帮忙买菜", "grocery_shopping"),
    ("我妈要打胰岛素", "injection_sc"),
    ("老人需要抽血化验", "blood_sampling"),
    ("PICC冲管", "picc_maintenance"),
    ("my father has a bedsore on his back", "pressure_injury"),
    ("需要换胃管", "ng_tube"),
    ("造口袋漏了", "stoma_care"),
    ("宝宝黄疸", "jaundice_check"),
    ("新生儿洗澡", "newborn_bath"),
    ("产后访视", "postnatal_visit"),
    ("老人便秘好几天了", "enema"),
    ("想找人陪我妈去医院看病", "hospital_escort"),
    ("家里水管坏了", "home_repair"),
    ("需要人打扫卫生", "cleaning"),
    ("帮老人洗澡", "bathing_help"),
    ("给爷爷理发", "haircut"),
    ("can someone deliver lunch every day", "meal_delivery"),
    ("he needs his blood pressure checked", "bp_check"),
    ("blood sugar test", "glucose_check"),
    ("she is very lonely and wants someone to chat with", "companionship_visit"),
    ("grandma needs a haircut", "haircut"),
    ("need help with groceries", "grocery_shopping"),
    ("wound dressing change after surgery", "wound_dressing"),
    ("he had a stroke and needs rehab", "rehab_stroke"),
    ("拔火罐", "tcm_cupping"),
    ("艾灸", "tcm_moxibustion"),
    ("推拿", "tcm_tuina"),
    ("临终关怀", "hospice_comfort"),
    ("心理疏导 老人抑郁", "mental_health"),
    ("check his diabetic foot", "diabetic_foot"),
    ("tracheostomy care", "tracheostomy_care"),
    ("nasogastric tube", "ng_tube"),
    ("她需要换尿管", "urinary_catheter"),
    ("Needs help with breastfeeding", "breastfeeding_guidance"),
    ("教我妈怎么吃药", "medication_guidance"),
]


@pytest.mark.parametrize(("text", "expected"), TABLE)
def test_top_suggestion(index: intake.Index, text: str, expected: str) -> None:
    best = intake.suggest(index, text, k=3)
    assert best[0].code == expected, [(s.code, s.score) for s in best]


def test_scores_and_matched_terms_are_explained(index: intake.Index) -> None:
    """量血压 -> bigrams 量血, 血压 both in bp_check's synonym 量血压; chronic follow-up
    only has 血压 (in 高血压随访), so it ranks below."""
    best = intake.suggest(index, "量血压", k=2)
    assert [s.code for s in best] == ["bp_check", "chronic_followup"]
    assert best[0].matched == ("量血", "血压")
    assert best[0].score > best[1].score > 0


def test_no_match_returns_nothing(index: intake.Index) -> None:
    assert intake.suggest(index, "xyzzy qwerty", k=5) == []
    assert intake.suggest(index, "   ", k=5) == []


@pytest.mark.parametrize(
    ("word", "stem"),
    [("changed", "chang"), ("change", "chang"), ("groceries", "grocery"), ("shopping", "shop"),
     ("dressings", "dress"), ("bathing", "bath"), ("bathe", "bath"), ("bus", "bus")],
)  # fmt: skip
def test_stemmer(word: str, stem: str) -> None:
    assert intake.stem(word) == stem


@pytest.mark.django_db
def test_suggest_endpoint(catalog: Any, personas: Any, api_as: Any) -> None:
    r = api_as(personas.operator, "zh-hans").post(
        "/api/v1/catalog/suggest", {"text": "she needs her catheter changed", "limit": 2}
    )
    assert r.status_code == 200
    body = r.json()
    top = body["suggestions"][0]
    assert (top["code"], top["name"]) == ("urinary_catheter", "导尿管更换与护理")
    assert top["item_id"] == catalog.items["urinary_catheter"].pk
    assert top["matched"] == ["catheter", "changed", "catheter changed"]
    assert len(body["suggestions"]) == 2


@pytest.mark.django_db
def test_suggest_skips_withdrawn_items_and_validates(
    catalog: Any, personas: Any, api_as: Any
) -> None:
    catalog.items["haircut"].is_active = False
    catalog.items["haircut"].save()
    client = api_as(personas.operator)
    r = client.post("/api/v1/catalog/suggest", {"text": "给爷爷理发"})
    assert "haircut" not in [s["code"] for s in r.json()["suggestions"]]
    bad = client.post("/api/v1/catalog/suggest", {"text": ""})
    assert (bad.status_code, bad.json()["code"]) == (422, "validation_error")
