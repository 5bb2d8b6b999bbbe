"""The health record in Chromium (Playwright) at phone size: the nurse opens 王秀英's record,
the vitals charts are drawn by the vendored ECharts with the readings and target bands,
the range picker fetches five years; then she fills in a Barthel form (one item missing
first: flagged, nothing saved), sees the score and its interpretation, and the record page
shows it.

Screenshots go to ``test-artifacts/health-*.png``.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect

from doorstep.core import clock
from doorstep.health import services
from doorstep.health.models import AssessmentResult
from doorstep.health.tests.conftest import act
from doorstep.people.tests import conftest as people_fixtures

from .loop import test_loop_browser
from .test_browser import browser, shot  # noqa: F401

elder_a = people_fixtures.elder_a
person = test_loop_browser.person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BARTHEL = {
    "feeding": "10",
    "bathing": "5",
    "grooming": "5",
    "dressing": "5",
    "bowels": "10",
    "bladder": "10",
    "toilet": "5",
    "transfers": "10",
    "mobility": "10",
    "stairs": "5",
}


def test_nurse_reads_the_charts_and_scores_a_barthel(person, personas, elder_a):
    from django.core.cache import cache

    cache.clear()  # chart points are cached by elder and data version; ids repeat
    reviewer = act(personas.reviewer)
    now = clock.now()
    for day in range(12):
        services.record_observation(
            actor=reviewer,
            elder=elder_a,
            kind="blood_pressure",
            value=130 + 3 * day,
            value2=80 + day,
            source="visit",
            measured_at=now - dt.timedelta(days=day, hours=2),
        )
    services.record_observation(
        actor=reviewer,
        elder=elder_a,
        kind="spo2",
        value=97,
        source="device",
        measured_at=now - dt.timedelta(days=400),
    )
    page, _ = person(personas.nurse)
    page.goto(f"/health/elders/{elder_a.pk}/")
    chart = page.locator("#chart-blood_pressure")
    expect(chart).to_have_attribute("data-drawn", "yes")
    expect(chart.locator("canvas")).to_have_count(1)
    points = page.evaluate(
        """() => {
          const c = echarts.getInstanceByDom(document.getElementById('chart-blood_pressure'));
          const s = c.getOption().series;
          return {n: s.length, sys: s[0].data.length, dia: s[1].data.length,
                  band: s[0].markArea.data[0][0].yAxis};
        }"""
    )
    assert points == {"n": 2, "sys": 12, "dia": 12, "band": 90}
    expect(page.locator("#chart-spo2")).to_have_attribute("data-drawn", "empty")
    shot(page, "health-01-record")

    page.get_by_test_id("range-picker").get_by_text("5 years").click()
    expect(page.locator("#vitals")).to_have_attribute("data-range", "5y")
    expect(page.locator("#chart-spo2")).to_have_attribute("data-drawn", "yes")
    expect(page.locator("#chart-spo2")).to_have_attribute("data-points", "1")
    assert page.url.endswith("range=5y")

    page.get_by_test_id("assess-barthel").click()
    expect(page.get_by_test_id("assess-title")).to_contain_text("Barthel")
    for key, value in BARTHEL.items():
        if key != "stairs":
            page.get_by_test_id(f"opt-{key}-{value}").check()
    page.get_by_test_id("assess-submit").click()
    expect(page.get_by_test_id("error-stairs")).to_contain_text("Every item")
    assert AssessmentResult.objects.count() == 0
    shot(page, "health-02-form-error")
    page.get_by_test_id("opt-stairs-5").check()
    page.get_by_test_id("assess-submit").click()
    expect(page.get_by_test_id("result-score")).to_have_text("75 / 100")
    expect(page.get_by_test_id("result-band")).to_contain_text("Mild dependency")
    shot(page, "health-03-result")
    page.get_by_role("link", name="Health record of 王秀英").click()
    expect(page.get_by_test_id("assessment-barthel")).to_contain_text("75 / 100")
    assert AssessmentResult.objects.get().score == 75
