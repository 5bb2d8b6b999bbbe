"""The health record pages (ADR 0028): who opens them (404 for everyone else), what each
sees, the audit of staff reads, the downsampled chart data, the timeline's pages and the
assessment forms with their errors in the user's language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from doorstep.core import clock
from doorstep.core.models import AuditEvent
from doorstep.health import record_view, services
from doorstep.health.models import AssessmentResult, Observation
from doorstep.health.tests.conftest import act, family_consented
from doorstep.people import services as people_services
from doorstep.web.views.health_assess import parse_answers

pytestmark = pytest.mark.django_db
family_consented = family_consented  # fixture re-export

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


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Chart points are cached by elder and data version; ids repeat across tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def record(personas: Any, elder_a: Any) -> dict[str, Any]:
    """王秀英's record: hypertension, an allergy, amlodipine, a PICC maintained 3 days
    ago, two blood-pressure readings and a Barthel of 55, all entered by the reviewer."""
    reviewer = act(personas.reviewer)
    now = clock.now()
    services.add_condition(actor=reviewer, elder=elder_a, code="I10")
    services.add_allergy(
        actor=reviewer, elder=elder_a, substance="青霉素", category="drug", severity="severe"
    )
    services.add_medication(
        actor=reviewer,
        elder=elder_a,
        name="氨氯地平 amlodipine",
        dose=5,
        dose_unit="mg",
        route="oral",
        frequency="qd",
        times=["08:00"],
        start_date=clock.today() - dt.timedelta(days=30),
    )
    services.add_line(
        actor=reviewer,
        elder=elder_a,
        kind="picc",
        site="右上臂贵要静脉",
        inserted_on=clock.today() - dt.timedelta(days=20),
        last_maintained_on=clock.today() - dt.timedelta(days=3),
    )
    for days, (sys, dia) in ((2, (138, 86)), (1, (162, 101))):
        services.record_observation(
            actor=reviewer,
            elder=elder_a,
            kind="blood_pressure",
            value=sys,
            value2=dia,
            source="visit",
            measured_at=now - dt.timedelta(days=days),
        )
    barthel = services.submit_assessment(
        actor=reviewer, elder=elder_a, instrument="barthel", answers=BARTHEL_55
    )
    return {"barthel": barthel}


def reads(elder: Any, part: str) -> int:
    return AuditEvent.objects.filter(
        object_type="health_record", object_id=str(elder.pk), details__part=part
    ).count()


def test_staff_record_page_shows_summary_charts_assessments_and_is_audited(
    login_as: Any, personas: Any, elder_a: Any, record: Any
) -> None:
    client = login_as(personas.nurse)
    response = client.get(f"/health/elders/{elder_a.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "I10" in html
    assert "Essential (primary) hypertension" in html or "hypertension" in html.lower()
    assert "高血压" in html  # the other language's name beside it
    assert "青霉素" in html
    assert "氨氯地平 amlodipine" in html
    assert "3 days since maintenance" in html
    assert "162/101 mmHg" in html
    assert "outside target" in html
    assert "55 / 100" in html
    assert 'data-testid="assess-barthel"' in html  # staff may assess
    assert 'id="vitals-data"' in html
    assert "vendor/echarts.min.js" in html
    vitals = response.context["vitals"]
    bp = next(s for s in vitals["series"] if s["kind"] == "blood_pressure")
    assert bp["mode"] == "raw"
    assert [p[1:] for p in bp["points"]] == [[138, 86], [162, 101]]
    assert bp["targets"][0]["low"] == 90.0
    assert reads(elder_a, "record_page") == 1


def test_strangers_get_404_and_leave_no_read(
    login_as: Any, client: Any, personas: Any, elder_a: Any, record: Any
) -> None:
    for user in (personas.other_nurse, personas.inst_admin, personas.operator, personas.family):
        login_as(user)
        for path in ("", "vitals/", "summary.pdf", "assess/barthel/"):
            response = client.get(f"/health/elders/{elder_a.pk}/{path}")
            assert response.status_code == 404, (user.username, path)
        result = record["barthel"].pk
        assert client.get(f"/health/elders/{elder_a.pk}/assessments/{result}/").status_code == 404
        client.logout()
    assert AuditEvent.objects.filter(object_type="health_record").count() == 0
    client.logout()
    assert client.get(f"/health/elders/{elder_a.pk}/").status_code == 302  # to log in


def test_family_sees_a_labelled_read_only_view_while_consent_stands(
    login_as: Any, personas: Any, elder_a: Any, record: Any, family_consented: Any
) -> None:
    client = login_as(personas.family)
    html = client.get(f"/health/elders/{elder_a.pk}/").content.decode()
    assert 'data-testid="family-banner"' in html
    assert "Family view, read only." in html
    assert "162/101 mmHg" in html
    assert 'data-testid="assess-barthel"' not in html
    result = client.get(f"/health/elders/{elder_a.pk}/assessments/{record['barthel'].pk}/")
    assert result.status_code == 200
    assert 'data-testid="answers-hidden"' in result.content.decode()
    assert 'data-testid="answers"' not in result.content.decode()
    assert client.get(f"/health/elders/{elder_a.pk}/assess/barthel/").status_code == 404
    assert reads(elder_a, "record_page") == 1
    # The family page links to the record.
    assert f"/health/elders/{elder_a.pk}/" in client.get("/family/").content.decode()

    people_services.withdraw_consent(actor=act(personas.elder), consent=family_consented)
    assert client.get(f"/health/elders/{elder_a.pk}/").status_code == 404


def test_the_elder_reads_her_own_record_unaudited_with_answers(
    login_as: Any, personas: Any, elder_a: Any, record: Any
) -> None:
    client = login_as(personas.elder, "zh-hans")
    response = client.get("/health/")
    assert response.status_code == 302
    assert response["Location"] == f"/health/elders/{elder_a.pk}/"
    html = client.get(f"/health/elders/{elder_a.pk}/").content.decode()
    assert 'data-testid="self-banner"' in html
    assert "王秀英的健康档案" in html
    assert "高血压" in html
    result = client.get(f"/health/elders/{elder_a.pk}/assessments/{record['barthel'].pk}/")
    assert 'data-testid="answers"' in result.content.decode()
    assert "中度依赖" in result.content.decode() or "中度" in result.content.decode()
    assert AuditEvent.objects.filter(object_type="health_record").count() == 0


def test_long_ranges_are_downsampled_in_sql(
    login_as: Any, personas: Any, elder_a: Any, monkeypatch: Any
) -> None:
    """Five heart-rate readings on two local days with a raw limit of 3: two daily
    buckets with mean, min, max and count; the two glucose readings stay raw."""
    monkeypatch.setattr(record_view, "MAX_RAW_POINTS", 3)
    tz = record_view.local_tz()
    today = clock.now().astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    day1, day2 = today - dt.timedelta(days=10), today - dt.timedelta(days=9)
    rows = [(day1, 60), (day1 + dt.timedelta(hours=23), 80), (day2, 70), (day2, 90), (day2, 95)]
    Observation.objects.bulk_create(
        Observation(
            elder=elder_a,
            kind="heart_rate",
            loinc="8867-4",
            unit="/min",
            value=Decimal(v),
            source="device",
            measured_at=at + dt.timedelta(hours=8),
            recorded_at=at,
        )
        for at, v in rows
    )
    for v in ("5.6", "7.9"):
        services.record_observation(
            actor=act(personas.reviewer),
            elder=elder_a,
            kind="glucose",
            value=Decimal(v),
            source="visit",
            measured_at=clock.now() - dt.timedelta(days=1),
        )
    client = login_as(personas.reviewer)
    data = client.get(f"/health/elders/{elder_a.pk}/vitals/?range=1y").json()
    hr = next(s for s in data["series"] if s["kind"] == "heart_rate")
    assert hr["mode"] == "day"
    assert hr["count"] == 5
    # day 1: 60 at 08:00 and 80 at 07:00 next day -> the 80 belongs to day 2 (local time)
    assert [p[1:5] for p in hr["points"]] == [[60.0, 60.0, 60.0, 1], [83.8, 70.0, 95.0, 4]]
    assert hr["points"][0][0] == int((day1).timestamp() * 1000)
    glucose = next(s for s in data["series"] if s["kind"] == "glucose")
    assert glucose["mode"] == "raw"
    assert [p[1] for p in glucose["points"]] == [5.6, 7.9]
    weekly = client.get(f"/health/elders/{elder_a.pk}/vitals/?range=5y").json()
    assert next(s for s in weekly["series"] if s["kind"] == "heart_rate")["mode"] == "week"
    assert reads(elder_a, "vitals") == 2


def test_timeline_merges_sources_newest_first_in_pages(
    login_as: Any, personas: Any, elder_a: Any, record: Any, monkeypatch: Any
) -> None:
    page = record_view.timeline(elder_a, page=1, per_page=2)
    assert [e["type"] for e in page.entries] == ["assessment", "observation"]
    assert page.has_older is True
    last = record_view.timeline(elder_a, page=2, per_page=2)
    assert [e["type"] for e in last.entries] == ["observation"]
    assert last.has_older is False
    monkeypatch.setattr(record_view, "TIMELINE_PER_PAGE", 2)
    client = login_as(personas.reviewer)
    html = client.get(f"/health/elders/{elder_a.pk}/?page=2").content.decode()
    assert 'data-testid="timeline-newer"' in html
    assert 'data-testid="timeline-older"' not in html


def test_assessment_form_flags_every_missing_item_in_chinese_then_scores(
    login_as: Any, personas: Any, elder_a: Any
) -> None:
    client = login_as(personas.nurse, "zh-hans")
    url = f"/health/elders/{elder_a.pk}/assess/barthel/"
    form = client.get(url)
    assert form.status_code == 200
    html = form.content.decode()
    assert "Barthel 日常生活活动能力指数" in html
    assert 'data-testid="opt-transfers-15"' in html
    partial = {k: str(v) for k, v in BARTHEL_55.items() if k not in ("stairs", "bathing")}
    refused = client.post(url, partial)
    assert refused.status_code == 422
    body = refused.content.decode()
    assert body.count("量表的每个条目都必须作答。") == 2
    assert 'data-testid="error-stairs"' in body
    assert 'data-testid="error-bathing"' in body
    assert 'value="10" checked' in body  # the given answers stay chosen
    assert AssessmentResult.objects.count() == 0
    bad = client.post(url, {**partial, "stairs": "0", "bathing": "7"})
    assert bad.status_code == 422
    assert 'data-testid="error-bathing"' in bad.content.decode()
    assert AssessmentResult.objects.count() == 0

    done = client.post(url, {k: str(v) for k, v in BARTHEL_55.items()})
    assert done.status_code == 302
    row = AssessmentResult.objects.get()
    assert (row.score, row.band, row.answers["feeding"]) == (55, "moderate", 5)
    shown = client.get(done["Location"]).content.decode()
    assert 'data-testid="result-score">55 / 100' in shown
    assert "中度依赖" in shown


def test_mmse_and_mna_sf_forms_parse_context_and_alternatives() -> None:
    from doorstep.health.instruments import INSTRUMENTS

    mna = INSTRUMENTS["mna_sf"]
    base = {
        "food_intake": "none",
        "weight_loss": "none",
        "mobility": "goes_out",
        "stress_or_acute_disease": "no",
        "neuropsychological": "none",
    }
    answers, errors = parse_answers(mna, {**base, "bmi": "23_or_more"})
    assert errors == {}
    assert mna.score(answers).score == 14
    _, errors = parse_answers(mna, base)
    assert list(errors) == ["f_body"]
    _, errors = parse_answers(
        mna, {**base, "bmi": "23_or_more", "calf_circumference": "31cm_or_more"}
    )
    assert list(errors) == ["f_body"]

    mmse = INSTRUMENTS["mmse"]
    sections = {i.key: str(max(i.values)) for i in mmse.items}
    answers, errors = parse_answers(mmse, {**sections, "education": "primary"})
    assert errors == {}
    assert answers["orientation_time"] == 5  # typed back to the option's int
    assert mmse.score(answers).band == "normal"
    _, errors = parse_answers(mmse, sections)
    assert list(errors) == ["education"]


def test_ltc_level_is_derived_from_the_page(
    login_as: Any, personas: Any, elder_a: Any, record: Any
) -> None:
    client = login_as(personas.reviewer)
    url = f"/health/elders/{elder_a.pk}/assess/ltc_level/"
    assert client.get(url).status_code == 200
    done = client.post(url, {})
    assert done.status_code == 302
    row = AssessmentResult.objects.get(instrument="ltc_level")
    assert row.score == 2  # Barthel 55 = moderate, cognition not assessed = intact
    shown = client.get(done["Location"]).content.decode()
    assert "Moderate disability" in shown
    assert "Cognition was not assessed" in shown


def test_summary_pdf_download_is_audited(
    login_as: Any, personas: Any, elder_a: Any, record: Any
) -> None:
    client = login_as(personas.reviewer)
    response = client.get(f"/health/elders/{elder_a.pk}/summary.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF")
    assert reads(elder_a, "summary_pdf") == 1


def test_index_lists_the_elders_of_the_care_relationship(
    login_as: Any, personas: Any, elder_a: Any, elder_b: Any
) -> None:
    client = login_as(personas.nurse)
    response = client.get("/health/")
    assert response.status_code == 302  # only 王秀英 is cared for by institution A
    html = client.get("/health/?q=王").content.decode()
    assert "王秀英" in html
    assert "陈桂兰" not in html
    assert client.get("/health/?q=陈").content.decode().count("/health/elders/") == 0


def test_staff_who_see_the_record_may_assess_it() -> None:
    """The record page shows the assessment forms to every staff reader without a second
    check: ``health.access`` gives ``assess`` to exactly the clinical viewers."""
    from doorstep.health.access import RULES, STAFF_SCOPES

    staff_view = {r: s for r, s in RULES["view"].items() if s in STAFF_SCOPES}
    assert RULES["assess"] == staff_view


def test_cached_chart_points_follow_new_and_voided_readings(
    personas: Any, elder_a: Any, record: Any
) -> None:
    def systolic() -> list[float]:
        data = record_view.vital_series(elder_a, "30d", zh=False)
        return [p[1] for p in data["series"][0]["points"]]

    assert systolic() == [138, 162]
    assert systolic() == [138, 162]  # served from the cache
    reading = services.record_observation(
        actor=act(personas.reviewer),
        elder=elder_a,
        kind="blood_pressure",
        value=150,
        value2=90,
        source="visit",
        measured_at=clock.now() - dt.timedelta(days=5),  # older than the others
    )
    assert systolic() == [150, 138, 162]
    services.void_observation(actor=act(personas.reviewer), observation=reading)
    assert systolic() == [138, 162]
