"""The care-plan editor over the Django test client: the nurse starts a plan, adds an
intervention, activates and books it; errors come back as messages and change nothing;
the family reads the plan without forms or proposals; other institutions get 404
(ADR 0027)."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.health.models import CarePlan, Intervention, PlanOccurrence
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.people import services as people_services

from .conftest import PASSWORD

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
elder_a = orders_fixtures.elder_a

pytestmark = pytest.mark.django_db


def login(client: Any, user: Any, lang: str = "en") -> Any:
    r = client.post("/login/", {"identifier": user.username, "password": PASSWORD})
    assert r.status_code == 302
    client.cookies["django_language"] = lang
    return client


def test_nurse_builds_and_books_a_plan_on_the_page(
    client: Any, personas: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    login(client, personas.nurse)
    page = f"/care/elders/{elder_a.pk}/"
    r = client.get(page)
    assert r.status_code == 200
    assert b'data-testid="create-plan"' in r.content
    r = client.post(f"{page}create/", {"title": "Companionship", "start_date": "2026-06-15"})
    plan = CarePlan.objects.get()
    assert r.status_code == 302
    assert r["Location"].endswith(f"?plan={plan.pk}#plan")
    body = {
        "plan": plan.pk,
        "item_code": catalog.companion.code,
        "frequency": "weekly",
        "weekdays": ["2", "5"],
        "time_from": "14:30",
    }
    client.post(f"{page}add_intervention/", body)
    assert Intervention.objects.get().weekdays == [2, 5]
    r = client.post(f"{page}add_intervention/", {**body, "weekdays": []}, follow=True)
    assert "Some fields of the care plan are not valid." in r.content.decode()
    assert Intervention.objects.count() == 1
    client.post(f"{page}activate/", {"plan": plan.pk})
    r = client.post(f"{page}generate/", {"plan": plan.pk}, follow=True)
    html = r.content.decode()
    assert "4 visits booked, 0 skipped, 0 already booked." in html
    assert html.count('data-testid="occurrence" data-status="booked"') == 4
    assert "Awaiting payment" in html
    assert PlanOccurrence.objects.filter(status="booked").count() == 4


def test_family_reads_the_plan_and_outsiders_get_404(
    client: Any, personas: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    from doorstep.accounts.policy import Actor
    from doorstep.health import careplans

    nurse = Actor.of(personas.nurse)
    plan = careplans.create_plan(actor=nurse, elder=elder_a, title="护理计划")
    elder = Actor.of(personas.elder)
    people_services.link_family(
        actor=elder, elder=elder_a, user=personas.family, relationship="child",
        permissions=["view_record"],
    )  # fmt: skip
    people_services.record_consent(
        actor=elder, elder=elder_a, purpose="family_proxy_access", policy_version="2026-01"
    )
    login(client, personas.family, "zh-hans")
    r = client.get(f"/care/elders/{elder_a.pk}/")
    html = r.content.decode()
    assert r.status_code == 200
    assert 'data-testid="plan"' not in html  # a draft is the care team's work in progress
    index = client.get("/care/").content.decode()
    assert f'data-testid="careplan-elder-{elder_a.pk}"' in index
    assert "草稿" not in index
    assert "无进行中的计划" in index
    careplans.activate_plan(actor=nurse, plan=plan)
    html = client.get(f"/care/elders/{elder_a.pk}/").content.decode()
    assert 'data-testid="plan-status">有效' in html
    assert 'data-testid="plan-activate"' not in html
    assert 'data-testid="plan-review"' not in html
    assert 'data-testid="proposals"' not in html
    r = client.post(f"/care/elders/{elder_a.pk}/end/", {"plan": plan.pk, "reason": "x"})
    assert r.status_code == 404  # not a clinical role: the form route does not exist
    assert CarePlan.objects.get().status == "active"
    client.logout()
    login(client, personas.other_nurse)
    assert client.get(f"/care/elders/{elder_a.pk}/").status_code == 404
    assert client.post(f"/care/elders/{elder_a.pk}/generate/", {"plan": plan.pk}).status_code == 404
    r = client.get("/care/")
    assert r.status_code == 200
    assert "王秀英" not in r.content.decode()


def _family_with_consent(personas: Any, elder_a: Any) -> None:
    from doorstep.accounts.policy import Actor

    elder = Actor.of(personas.elder)
    people_services.link_family(
        actor=elder, elder=elder_a, user=personas.family, relationship="child",
        permissions=["view_record"],
    )  # fmt: skip
    people_services.record_consent(
        actor=elder, elder=elder_a, purpose="family_proxy_access", policy_version="2026-01"
    )


def test_review_due_shows_and_a_review_sets_the_next_date(
    client: Any, personas: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    import datetime as dt

    from doorstep.accounts.policy import Actor
    from doorstep.health import careplans

    nurse = Actor.of(personas.nurse)
    plan = careplans.create_plan(
        actor=nurse, elder=elder_a, title="Pressure care", review_date=dt.date(2026, 6, 15)
    )
    login(client, personas.nurse)
    care, record = f"/care/elders/{elder_a.pk}/", f"/health/elders/{elder_a.pk}/"
    assert 'data-testid="review-due"' not in client.get(care).content.decode()  # a draft
    careplans.activate_plan(actor=nurse, plan=plan)
    html = client.get(care).content.decode()
    assert 'data-testid="review-due">Review due' in html
    assert '<details open data-testid="plan-review">' in html
    html = client.get(record).content.decode()
    assert f'data-testid="care-plan-{plan.pk}"' in html
    assert 'data-testid="review-due">Review due' in html

    r = client.post(f"{care}review/", {"plan": plan.pk, "review_date": "2026-06-15"}, follow=True)
    assert "Some fields of the care plan are not valid." in r.content.decode()
    assert CarePlan.objects.get().review_date == dt.date(2026, 6, 15)
    r = client.post(f"{care}review/", {"plan": plan.pk, "review_date": "2026-09-15"}, follow=True)
    html = r.content.decode()
    assert "Reviewed. Next review on 2026-09-15." in html
    assert 'data-testid="review-due"' not in html
    assert CarePlan.objects.get().review_date == dt.date(2026, 9, 15)
    assert 'data-testid="review-due"' not in client.get(record).content.decode()


def test_family_sees_the_plan_in_plain_words_not_the_proposals(
    client: Any, personas: Any, elder_a: Any, catalog: Any, frozen: Any
) -> None:
    import datetime as dt

    from doorstep.accounts.policy import Actor
    from doorstep.health import careplans
    from doorstep.health import services as health_services

    nurse = Actor.of(personas.nurse)
    plan = careplans.create_plan(
        actor=nurse, elder=elder_a, title="陪伴计划", review_date=dt.date(2026, 6, 15)
    )
    careplans.add_goal(actor=nurse, plan=plan, description="每周外出散步两次", target="2 次/周")
    careplans.add_intervention(
        actor=nurse, plan=plan, item_code=catalog.companion.code,
        frequency_kind="weekly", weekdays=[2, 5], time_from=dt.time(14, 30),
    )  # fmt: skip
    # An open proposal (Braden 11): staff-facing, never on the family's pages.
    health_services.submit_assessment(
        actor=nurse, elder=elder_a, instrument="braden",
        answers={"sensory_perception": 2, "moisture": 2, "activity": 2, "mobility": 2,
                 "nutrition": 2, "friction_shear": 1},
    )  # fmt: skip
    _family_with_consent(personas, elder_a)
    login(client, personas.family, "zh-hans")
    record = f"/health/elders/{elder_a.pk}/"
    html = client.get(record).content.decode()
    assert 'data-testid="no-care-plan"' in html  # the draft is not shown

    careplans.activate_plan(actor=nurse, plan=plan)
    careplans.generate_plan(actor=nurse, plan=plan)
    from doorstep.health import proposals

    assert proposals.evaluate_for(actor=nurse, elder=elder_a)
    r = client.get(record)
    html = r.content.decode()
    assert r.status_code == 200
    assert 'data-testid="family-banner"' in html
    assert f'data-testid="care-plan-{plan.pk}"' in html
    assert "每周外出散步两次 — 2 次/周" in html
    assert "每周二、五" in html
    assert "14:30–16:30" in html
    # the next visits: Tuesdays and Fridays of the 14-day horizon
    assert "<strong>2026-06-16 星期二 14:30</strong> · 陪伴探访" in html
    assert "<strong>2026-06-26 星期五 14:30</strong> · 陪伴探访" in html
    assert 'data-testid="review-due"' not in html  # due, but the care team's business
    assert 'data-testid="thresholds-link"' not in html
    for staff_only in ("braden_low", "翻身拍背", "Turning", "proposal"):
        assert staff_only not in html
    care = client.get(f"/care/elders/{elder_a.pk}/").content.decode()
    assert 'data-testid="proposals"' not in care
    assert "braden_low" not in care


def test_the_record_links_the_alarm_thresholds_for_staff_who_may_change_them(
    client: Any, personas: Any, elder_a: Any, frozen: Any
) -> None:
    login(client, personas.nurse)
    html = client.get(f"/health/elders/{elder_a.pk}/").content.decode()
    link = f'href="/alarms/thresholds/{elder_a.pk}/" data-testid="thresholds-link"'
    assert link in html
    assert client.get(f"/alarms/thresholds/{elder_a.pk}/").status_code == 200
    client.logout()
    login(client, personas.elder)
    html = client.get(f"/health/elders/{elder_a.pk}/").content.decode()
    assert 'data-testid="self-banner"' in html
    assert 'data-testid="thresholds-link"' not in html
    client.logout()
    login(client, personas.other_nurse)
    assert client.get(f"/health/elders/{elder_a.pk}/").status_code == 404
