"""The health record API over real request handling: who sees and changes what, the
audit of staff reads, error codes and messages, nothing written on refusal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.core import clock
from doorstep.core.models import AuditEvent
from doorstep.health.models import AssessmentResult, Condition, Medication, Observation
from doorstep.people import services as people_services

from .conftest import act

pytestmark = pytest.mark.django_db

BARTHEL_55 = {
    "feeding": 5,
    "bathing": 0,
    "grooming": 5,
    "dressing": 5,
    "bowels": 10,
    "bladder": 5,
    "toilet": 5,
    "transfers": 10,
    "mobility": 10,
    "stairs": 0,
}


def url(elder: Any, tail: str = "") -> str:
    return f"/api/v1/elders/{elder.pk}/health{tail}"


def bp(value: int = 152, value2: int = 96, source: str = "self_reported") -> dict[str, Any]:
    return {
        "kind": "blood_pressure",
        "value": value,
        "value2": value2,
        "source": source,
        "measured_at": (clock.now() - dt.timedelta(hours=1)).isoformat(),
    }


def test_clinical_staff_build_the_record_and_read_the_summary(
    api_as: Any, personas: Any, elder_a: Any
) -> None:
    reviewer, nurse = api_as(personas.reviewer), api_as(personas.nurse)
    r = reviewer.post(url(elder_a, "/conditions"), {"code": "e11.9", "onset_date": "2012-05-01"})
    assert r.status_code == 201, r.content
    assert (r.json()["code"], r.json()["name_zh"]) == ("E11.9", "2型糖尿病")
    r = nurse.post(
        url(elder_a, "/medications"),
        {
            "name": "二甲双胍 metformin",
            "dose": 500,
            "dose_unit": "mg",
            "route": "oral",
            "frequency": "bid",
            "times": ["18:00", "08:00"],
            "start_date": "2026-01-01",
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["times"] == ["08:00", "18:00"]
    r = nurse.post(
        url(elder_a, "/lines"),
        {
            "kind": "picc",
            "site": "右上臂",
            "inserted_on": str(clock.today() - dt.timedelta(days=3)),
        },
    )
    assert r.status_code == 201
    assert r.json()["maintenance_due_on"] == str(clock.today() + dt.timedelta(days=4))
    assert (
        nurse.post(
            url(elder_a, "/allergies"),
            {"substance": "青霉素", "category": "drug", "severity": "severe"},
        ).status_code
        == 201
    )
    assert nurse.post(url(elder_a, "/observations"), bp(source="visit")).status_code == 201

    summary = nurse.get(url(elder_a)).json()
    assert [c["code"] for c in summary["conditions"]] == ["E11.9"]
    assert [m["frequency"] for m in summary["medications"]] == ["bid"]
    assert [line["kind"] for line in summary["lines"]] == ["picc"]
    obs = summary["latest_observations"][0]
    assert (obs["loinc"], obs["unit"], obs["value"], obs["value2"]) == (
        "85354-9",
        "mm[Hg]",
        152,
        96,
    )
    assert [c["loinc"] for c in obs["components"]] == ["8480-6", "8462-4"]


def test_staff_reads_are_audited_the_elders_own_are_not(
    api_as: Any, personas: Any, elder_a: Any
) -> None:
    before = AuditEvent.objects.filter(object_type="health_record").count()
    assert api_as(personas.elder).get(url(elder_a)).status_code == 200
    assert AuditEvent.objects.filter(object_type="health_record").count() == before
    assert api_as(personas.nurse).get(url(elder_a, "/observations")).status_code == 200
    row = AuditEvent.objects.filter(object_type="health_record").latest("id")
    assert (row.action, row.actor_id, row.object_id, row.details) == (
        "read",
        personas.nurse.pk,
        str(elder_a.pk),
        {"part": "observations"},
    )
    assert row.partition == f"inst:{elder_a.institution_links.get().institution_id}"


@pytest.mark.parametrize(
    "who",
    [
        "other_admin",
        "other_nurse",
        "regulator",
        "other_regulator",
        "platform_admin",
        "inst_admin",
        "dispatcher",
        "operator",
        "payer_officer",
        "caregiver",
        "family",
        "nobody",
    ],
)
def test_everyone_else_gets_404_and_nothing_is_written(
    api_as: Any, personas: Any, elder_a: Any, who: str
) -> None:
    """No consent (the family member here has no link), no clinical role, or another
    institution: the record does not exist for them."""
    client = api_as(getattr(personas, who))
    before = (Observation.objects.count(), AssessmentResult.objects.count())
    assert client.get(url(elder_a)).status_code == 404
    assert client.get(url(elder_a, "/assessments")).status_code == 404
    r = client.post(url(elder_a, "/observations"), bp())
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    r = client.post(url(elder_a, "/assessments"), {"instrument": "barthel", "answers": BARTHEL_55})
    assert r.status_code == 404
    assert (Observation.objects.count(), AssessmentResult.objects.count()) == before


def test_family_sees_the_record_only_while_consent_stands(
    api_as: Any, personas: Any, elder_a: Any, family_consented: Any
) -> None:
    family = api_as(personas.family)
    assert family.get(url(elder_a)).status_code == 200
    r = family.post(url(elder_a, "/observations"), bp())
    assert (r.status_code, r.json()["source"]) == (201, "self_reported")
    people_services.withdraw_consent(actor=act(personas.elder), consent=family_consented)
    assert family.get(url(elder_a)).status_code == 404
    assert family.post(url(elder_a, "/observations"), bp()).status_code == 404


def test_a_second_institution_sees_the_record_only_while_it_cares_for_the_elder(
    api_as: Any, personas: Any, world: Any, elder_a: Any
) -> None:
    other = api_as(personas.other_nurse)
    assert other.get(url(elder_a)).status_code == 404
    link = people_services.link_institution(
        actor=act(personas.platform_admin), elder=elder_a, institution=world.inst_b
    )
    assert other.get(url(elder_a)).status_code == 200
    people_services.end_institution_link(actor=act(personas.platform_admin), link=link)
    assert other.get(url(elder_a)).status_code == 404


def test_roles_that_see_but_may_not_change_get_403(
    api_as: Any, personas: Any, elder_a: Any
) -> None:
    r = api_as(personas.nurse).post(url(elder_a, "/conditions"), {"code": "I10"})
    assert (r.status_code, r.json()["code"]) == (403, "may_not_change_health_record")
    r = api_as(personas.elder).post(url(elder_a, "/observations"), bp(source="hospital"))
    assert (r.status_code, r.json()["code"]) == (403, "observation_source_not_allowed")
    r = api_as(personas.elder).post(
        url(elder_a, "/assessments"), {"instrument": "barthel", "answers": BARTHEL_55}
    )
    assert r.status_code == 403
    assert Condition.objects.count() == 0
    assert Observation.objects.count() == 0


def test_implausible_values_are_refused_with_stable_codes(
    api_as: Any, personas: Any, elder_a: Any
) -> None:
    nurse = api_as(personas.nurse)
    r = nurse.post(url(elder_a, "/observations"), bp(value=300, value2=90, source="visit"))
    assert r.status_code == 422
    assert r.json()["code"] == "observation_out_of_range"
    assert r.json()["details"] == {"field": "value", "low": "50", "high": "260"}
    r = nurse.post(url(elder_a, "/observations"), bp(value=80, value2=95))
    assert r.json()["code"] == "observation_bp_inverted"
    future = {**bp(), "measured_at": (clock.now() + dt.timedelta(hours=2)).isoformat()}
    assert nurse.post(url(elder_a, "/observations"), future).json()["code"] == (
        "observation_in_future"
    )
    sugar = {
        "kind": "glucose",
        "value": 6.8,
        "context": "fasting",
        "source": "device",
        "measured_at": clock.now().isoformat(),
    }
    assert nurse.post(url(elder_a, "/observations"), sugar).status_code == 201
    r = api_as(personas.nurse, lang="zh-hans").post(
        url(elder_a, "/observations"), {**sugar, "value": 60}
    )
    assert r.json()["code"] == "observation_out_of_range"
    assert "合理范围" in r.json()["message"]
    assert Observation.objects.count() == 1


def test_medication_schedule_must_match_its_frequency(
    api_as: Any, personas: Any, elder_a: Any
) -> None:
    body = {
        "name": "氨氯地平",
        "dose": 5,
        "dose_unit": "mg",
        "route": "oral",
        "frequency": "tid",
        "times": ["08:00"],
        "start_date": "2026-01-01",
    }
    r = api_as(personas.nurse).post(url(elder_a, "/medications"), body)
    assert (r.status_code, r.json()["code"]) == (422, "health_entry_invalid")
    assert r.json()["details"] == {"field": "times", "expected": 3}
    r = api_as(personas.nurse).post(url(elder_a, "/medications"), {**body, "dose_unit": "spoon"})
    assert r.json()["details"] == {"field": "dose_unit"}
    assert Medication.objects.count() == 0


def test_duplicate_and_unknown_conditions(api_as: Any, personas: Any, elder_a: Any) -> None:
    reviewer = api_as(personas.reviewer)
    assert reviewer.post(url(elder_a, "/conditions"), {"code": "I10"}).status_code == 201
    r = reviewer.post(url(elder_a, "/conditions"), {"code": "I10"})
    assert (r.status_code, r.json()["code"]) == (409, "condition_already_active")
    r = reviewer.post(url(elder_a, "/conditions"), {"code": "Z99.9"})
    assert (r.status_code, r.json()["code"]) == (422, "condition_code_unknown")
    condition = Condition.objects.get()
    r = reviewer.post(f"/api/v1/health/conditions/{condition.pk}/resolve")
    assert r.json()["status"] == "resolved"
    assert reviewer.post(url(elder_a, "/conditions"), {"code": "I10"}).status_code == 201


def test_assessments_are_scored_kept_as_history_and_feed_the_ltc_level(
    api_as: Any, personas: Any, elder_a: Any
) -> None:
    nurse = api_as(personas.nurse)
    r = nurse.post(url(elder_a, "/assessments"), {"instrument": "ltc_level"})
    assert (r.status_code, r.json()["code"]) == (409, "ltc_needs_barthel")
    earlier = (clock.now() - dt.timedelta(days=90)).isoformat()
    full = {**BARTHEL_55, "bathing": 5, "stairs": 10, "mobility": 15, "transfers": 15}
    r = nurse.post(
        url(elder_a, "/assessments"),
        {"instrument": "barthel", "answers": full, "assessed_at": earlier},
    )
    assert (r.json()["score"], r.json()["band"]) == (80, "mild")
    r = nurse.post(url(elder_a, "/assessments"), {"instrument": "barthel", "answers": BARTHEL_55})
    assert r.status_code == 201
    body = r.json()
    assert (body["score"], body["band"], body["label_en"], body["label_zh"]) == (
        55,
        "moderate",
        "Moderate dependency",
        "中度依赖",
    )
    ad8 = {
        k: "no"
        for k in (
            "judgment",
            "interest",
            "repeats",
            "learning_tools",
            "forgets_month_year",
            "finances",
            "appointments",
            "daily_memory",
        )
    }
    ad8.update(judgment="yes", appointments="yes")
    assert (
        nurse.post(url(elder_a, "/assessments"), {"instrument": "ad8", "answers": ad8}).json()[
            "band"
        ]
        == "impairment_likely"
    )
    r = nurse.post(url(elder_a, "/assessments"), {"instrument": "ltc_level"})
    assert r.status_code == 201, r.content
    level = r.json()
    assert (level["score"], level["label_zh"]) == (2, "中度失能")  # moderate ADL x mild cognition
    assert set(level["derived_from"]) == {"barthel", "cognition"}

    history = nurse.get(url(elder_a, "/assessments"), {"instrument": "barthel"}).json()
    assert [h["score"] for h in history] == [55, 80]
    summary = api_as(personas.elder).get(url(elder_a)).json()
    assert summary["ltc"] == {
        "suggested_level": 2,
        "suggested_label_en": "Moderate disability",
        "suggested_label_zh": "中度失能",
        "enrolled_level": None,
    }


def test_bad_answers_are_422_and_store_nothing(api_as: Any, personas: Any, elder_a: Any) -> None:
    nurse = api_as(personas.nurse)
    r = nurse.post(
        url(elder_a, "/assessments"),
        {"instrument": "barthel", "answers": {**BARTHEL_55, "feeding": 7}},
    )
    assert r.status_code == 422
    assert (r.json()["code"], r.json()["details"]) == (
        "assessment_answer_invalid",
        {"item": "feeding", "allowed": [0, 5, 10]},
    )
    partial = {k: v for k, v in BARTHEL_55.items() if k != "stairs"}
    r = nurse.post(url(elder_a, "/assessments"), {"instrument": "barthel", "answers": partial})
    assert (r.json()["code"], r.json()["details"]["item"]) == (
        "assessment_answer_missing",
        "stairs",
    )
    r = nurse.post(url(elder_a, "/assessments"), {"instrument": "katz", "answers": {}})
    assert r.json()["code"] == "assessment_instrument_unknown"
    assert AssessmentResult.objects.count() == 0


def test_void_keeps_the_row_and_hides_it_from_lists(
    api_as: Any, personas: Any, elder_a: Any
) -> None:
    elder = api_as(personas.elder)
    created = elder.post(url(elder_a, "/observations"), bp()).json()
    r = elder.post(f"/api/v1/health/observations/{created['id']}/void")
    assert r.json()["status"] == "entered_in_error"
    assert elder.get(url(elder_a, "/observations")).json() == {"count": 0, "items": []}
    assert Observation.objects.get().status == "entered_in_error"
    r = elder.post(f"/api/v1/health/observations/{created['id']}/void")
    assert (r.status_code, r.json()["code"]) == (409, "health_entry_not_active")


def test_observation_list_filters_and_pages(api_as: Any, personas: Any, elder_a: Any) -> None:
    nurse = api_as(personas.nurse)
    for days in (1, 2, 3):
        body = {
            **bp(source="visit"),
            "measured_at": (clock.now() - dt.timedelta(days=days)).isoformat(),
        }
        assert nurse.post(url(elder_a, "/observations"), body).status_code == 201
    page = nurse.get(url(elder_a, "/observations"), {"kind": "blood_pressure", "limit": 2}).json()
    assert page["count"] == 3
    assert len(page["items"]) == 2
    assert page["items"][0]["measured_at"] > page["items"][1]["measured_at"]
    since = (clock.now() - dt.timedelta(days=2, hours=1)).isoformat()
    assert nurse.get(url(elder_a, "/observations"), {"since": since}).json()["count"] == 2


def test_instrument_catalogue_and_condition_codes(api_as: Any, personas: Any) -> None:
    client = api_as(personas.nobody)
    instruments = {i["code"]: i for i in client.get("/api/v1/health/instruments").json()}
    assert set(instruments) == {"barthel", "morse", "braden", "ad8", "mmse", "mna_sf", "gds15"}
    assert (instruments["barthel"]["min_score"], instruments["barthel"]["max_score"]) == (0, 100)
    assert instruments["mmse"]["context"] == {
        "education": ["illiterate", "primary", "secondary_or_higher"]
    }
    codes = client.get("/api/v1/health/condition-codes", {"q": "糖尿病"}).json()
    assert [c["code"] for c in codes] == ["E11.4", "E11.5", "E11.9"]
    assert len(client.get("/api/v1/health/condition-codes").json()) >= 40
