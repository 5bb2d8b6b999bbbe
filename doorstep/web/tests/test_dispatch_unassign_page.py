"""The dispatch list takes an assigned visit back from its provider (issue 4, item 3):
through Django's client, the reason is required, an en-route visit cannot be taken back,
and another institution's dispatcher gets 404; a refusal changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import make_user
from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.notifications.models import Notification
from doorstep.orders import services as orders
from doorstep.orders.models import VisitEvent
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import assigned, fresh
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff

pytestmark = pytest.mark.django_db


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_dispatcher_takes_an_assigned_visit_back_with_a_reason(
    client,
    login_as,
    personas,
    world,
    elder_a,
    catalog,
    providers,
    frozen,
    django_capture_on_commit_callbacks,
):
    visit = assigned(personas, world, elder_a, catalog.dressing, providers.nurse)
    login_as(personas.dispatcher)
    html = client.get("/dispatch/").content.decode()
    assert f'data-testid="held-{visit.pk}"' in html
    assert f'action="/dispatch/{visit.pk}/unassign/"' in html
    told_before = Notification.objects.filter(recipient=providers.nurse.user).count()

    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/dispatch/{visit.pk}/unassign/", {"reason": "Nurse ill"}, follow=True)

    assert _messages(r) == ["The visit was taken back; it waits for a provider again."]
    visit = fresh(visit)
    assert visit.status == "awaiting_dispatch"
    assert visit.provider_id is None
    event = VisitEvent.objects.filter(visit=visit).latest("id")
    assert (event.from_status, event.to_status, event.reason) == (
        "assigned",
        "awaiting_dispatch",
        "Nurse ill",
    )
    assert Notification.objects.filter(recipient=providers.nurse.user).count() == told_before + 1
    # It is waiting again, so the list offers it for assignment.
    assert f'data-testid="dispatch-{visit.pk}"' in client.get("/dispatch/").content.decode()


def test_without_a_reason_nothing_changes_and_the_page_says_why(
    client, login_as, personas, world, elder_a, catalog, providers, frozen
):
    visit = assigned(personas, world, elder_a, catalog.dressing, providers.nurse)
    login_as(personas.dispatcher, "zh-hans")
    events = VisitEvent.objects.filter(visit=visit).count()
    r = client.post(f"/dispatch/{visit.pk}/unassign/", {"reason": "  "}, follow=True)
    [message] = _messages(r)
    assert message  # the orders service's reason, in Chinese
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
    visit = fresh(visit)
    assert (visit.status, visit.provider_id) == ("assigned", providers.nurse.pk)
    assert VisitEvent.objects.filter(visit=visit).count() == events


def test_too_late_once_the_provider_set_off(
    client, login_as, personas, world, elder_a, catalog, providers, frozen
):
    visit = assigned(personas, world, elder_a, catalog.dressing, providers.nurse)
    orders.start_travel(actor=Actor.of(providers.nurse.user), visit=visit)
    login_as(personas.dispatcher)
    assert (
        f'action="/dispatch/{visit.pk}/unassign/"' not in client.get("/dispatch/").content.decode()
    )
    r = client.post(f"/dispatch/{visit.pk}/unassign/", {"reason": "Nurse ill"}, follow=True)
    assert len(_messages(r)) == 1
    visit = fresh(visit)
    assert (visit.status, visit.provider_id) == ("en_route", providers.nurse.pk)


def test_another_institutions_dispatcher_gets_404(
    client, login_as, personas, world, elder_a, catalog, providers, frozen
):
    visit = assigned(personas, world, elder_a, catalog.dressing, providers.nurse)
    login_as(make_user("dispatcher_b", (Role.DISPATCHER, world.inst_b, None)))
    r = client.post(f"/dispatch/{visit.pk}/unassign/", {"reason": "x"})
    assert r.status_code == 404
    assert fresh(visit).status == "assigned"
    login_as(personas.nurse)
    assert client.post(f"/dispatch/{visit.pk}/unassign/", {"reason": "x"}).status_code in (
        403,
        404,
    )
    assert fresh(visit).status == "assigned"
