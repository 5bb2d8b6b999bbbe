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
    assert "护理计划" in html
    assert 'data-testid="plan-activate"' not in html
    assert 'data-testid="proposals"' not in html
    r = client.post(f"/care/elders/{elder_a.pk}/activate/", {"plan": plan.pk})
    assert r.status_code == 404  # not a clinical role: the form route does not exist
    assert CarePlan.objects.get().status == "draft"
    client.logout()
    login(client, personas.other_nurse)
    assert client.get(f"/care/elders/{elder_a.pk}/").status_code == 404
    assert client.post(f"/care/elders/{elder_a.pk}/activate/", {"plan": plan.pk}).status_code == 404
    r = client.get("/care/")
    assert r.status_code == 200
    assert "王秀英" not in r.content.decode()
