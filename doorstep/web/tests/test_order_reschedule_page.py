"""The elder's and family's own order page: moving a visit to a new time (issue 3, item 3
"reschedule"), through Django's client. The provider is released and told, bad input
changes nothing, a visit already on its way offers no form, and nobody else may move it.

Fixtures are the orders tests' (frozen clock at Monday 15 June 2026 08:00 Ningbo, 王秀英 at
home, her daughter linked with the right to view and book)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from doorstep.notifications.models import Notification
from doorstep.orders.models import VisitEvent
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import assigned, fresh, in_service
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

catalog = orders_fixtures.catalog
family_link = orders_fixtures.family_link
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def login_as(client: Any, login_as: Any) -> Any:
    def do(user: Any, lang: str = "en") -> Any:
        client.logout()
        return login_as(user, lang)

    return do


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_family_moves_an_assigned_visit_and_the_provider_is_told(
    login_as,
    personas,
    world,
    elder_a,
    catalog,
    providers,
    frozen,
    family_link,
    django_capture_on_commit_callbacks,
):
    visit = assigned(personas, world, elder_a, catalog.dressing, providers.nurse)
    length = visit.window_end - visit.window_start
    client = login_as(personas.family)
    page = client.get(f"/orders/{visit.order_id}/").content.decode()
    assert 'data-testid="reschedule"' in page
    assert f'action="/my/visits/{visit.pk}/reschedule/"' in page
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            f"/my/visits/{visit.pk}/reschedule/",
            {"window_start": "2026-06-18T10:00", "reason": "Hospital check-up that morning"},
            follow=True,
        )
    assert r.redirect_chain == [(f"/orders/{visit.order_id}/", 302)]
    assert _messages(r) == [
        "Rescheduled to 2026-06-18 10:00. The visit waits for a provider again."
    ]
    visit = fresh(visit)
    assert visit.status == "awaiting_dispatch"
    assert visit.provider_id is None
    assert visit.window_start == dt.datetime(2026, 6, 18, 10, 0, tzinfo=SHANGHAI)
    assert visit.window_end - visit.window_start == length
    assert list(
        VisitEvent.objects.filter(visit=visit, from_status="assigned").values_list(
            "to_status", "reason", "actor_id"
        )
    ) == [("rescheduled", "Hospital check-up that morning", personas.family.pk)]
    assert Notification.objects.filter(
        recipient=providers.nurse.user, kind="orders.visit_rescheduled"
    ).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"window_start": "", "reason": "x"}, "Give the new date and time."),
        ({"window_start": "2026-06-14T09:00", "reason": "x"}, "The visit time is not valid."),
        ({"window_start": "2026-06-18T09:00", "reason": " "}, "Please give a reason."),
    ],
)
def test_bad_input_moves_nothing(
    login_as, personas, world, elder_a, catalog, providers, frozen, family_link, data, message
):
    visit = assigned(personas, world, elder_a, catalog.dressing, providers.nurse)
    before = (visit.status, visit.window_start, visit.provider_id)
    events = VisitEvent.objects.filter(visit=visit).count()
    r = login_as(personas.elder).post(f"/my/visits/{visit.pk}/reschedule/", data, follow=True)
    assert _messages(r) == [message]
    visit = fresh(visit)
    assert (visit.status, visit.window_start, visit.provider_id) == before
    assert VisitEvent.objects.filter(visit=visit).count() == events


def test_no_form_once_the_service_has_started(
    login_as, personas, world, elder_a, catalog, providers, frozen, family_link
):
    visit = in_service(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    client = login_as(personas.family)
    assert (
        'data-testid="reschedule"' not in client.get(f"/orders/{visit.order_id}/").content.decode()
    )
    r = client.post(
        f"/my/visits/{visit.pk}/reschedule/",
        {"window_start": "2026-06-18T10:00", "reason": "x"},
        follow=True,
    )
    assert _messages(r) == ["This step is not allowed from the visit's current status."]
    assert fresh(visit).status == "in_service"


def test_others_cannot_move_the_visit(
    login_as, personas, world, elder_a, catalog, providers, frozen
):
    visit = assigned(personas, world, elder_a, catalog.dressing, providers.nurse)
    data = {"window_start": "2026-06-18T10:00", "reason": "x"}
    # The family member has no link to this elder here; the other institution's nurse and
    # the regulator have no patient-side role.
    for user in (personas.family, personas.other_nurse, personas.regulator):
        r = login_as(user).post(f"/my/visits/{visit.pk}/reschedule/", data)
        assert r.status_code in (403, 404), user.username
    assert fresh(visit).status == "assigned"
