"""The provider's offers page (ADR 0020): what an offer shows, accepting and declining
with a reason through ``matching.services.respond``, and everything else refused with
nothing changed. The team and the frozen clock (Monday 15 June 2026, 08:00) come from the
matching tests: the companionship visit 10:00-11:00 is offered first to far2."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.matching import services
from doorstep.matching.models import Offer
from doorstep.matching.tests import conftest as scene
from doorstep.matching.tests.conftest import Team
from doorstep.orders.models import Visit

catalog = scene.catalog
elder_a = scene.elder_a
elder_b = scene.elder_b
frozen = scene.frozen
staff = scene.staff
team = scene.team
today = scene.today

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(team: Team, personas: Any) -> Offer:
    outcome = services.offer_visit(actor=Actor.of(personas.dispatcher), visit=team.visit)
    assert outcome.mode == "offered"
    assert outcome.offer is not None
    assert outcome.offer.provider_id == team.id("far2")
    return outcome.offer


def test_offer_shows_what_the_provider_needs(team: Team, offered: Offer, login_as: Any) -> None:
    """Item, window, duration, district, 2.0 km / about 7 min from home, 2:00 left."""
    client = login_as(team.p["far2"].user)
    body = client.get("/offers/").content.decode()
    assert f'data-testid="offer-{offered.pk}"' in body
    assert "Companionship visit" in body
    assert "2026-06-15 10:00" in body
    assert "60 minutes" in body
    assert 'data-testid="district">Haishu<' in body
    assert "2.0 km from your home base" in body
    assert "about 7 min to get there" in body
    assert "Time left to answer: 2:00" in body
    assert body.count('name="reason"') == 1
    assert "Too far away" in body


def test_offer_page_in_chinese(team: Team, offered: Offer, login_as: Any) -> None:
    body = login_as(team.p["far2"].user, "zh-hans").get("/offers/").content.decode()
    assert "给我的派单" in body
    assert "接受这次服务" in body
    assert "海曙区" in body


def test_htmx_refresh_returns_only_the_list(
    team: Team, offered: Offer, login_as: Any, frozen: Any
) -> None:
    frozen.now += dt.timedelta(seconds=75)
    client = login_as(team.p["far2"].user)
    body = client.get("/offers/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in body
    assert "Time left to answer: 0:45" in body


def test_navigation_and_empty_page(team: Team, login_as: Any) -> None:
    body = login_as(team.p["near"].user).get("/offers/").content.decode()
    assert 'data-testid="offers-empty"' in body
    assert "Offers for me" in body


def test_accept_assigns_and_lands_on_the_visit(team: Team, offered: Offer, login_as: Any) -> None:
    client = login_as(team.p["far2"].user)
    r = client.post(f"/offers/{offered.pk}/accept/")
    assert (r.status_code, r.url) == (302, f"/schedule/{team.visit.pk}/")
    team.visit.refresh_from_db()
    offered.refresh_from_db()
    assert (team.visit.status, team.visit.provider_id) == ("assigned", team.id("far2"))
    assert offered.status == "accepted"
    schedule = client.get("/schedule/").content.decode()
    assert f'data-testid="schedule-{team.visit.pk}"' in schedule


def test_decline_with_a_reason_moves_to_the_next_candidate(
    team: Team, offered: Offer, login_as: Any
) -> None:
    client = login_as(team.p["far2"].user)
    r = client.post(f"/offers/{offered.pk}/decline/", {"reason": "too_far"})
    assert (r.status_code, r.url) == (302, "/offers/")
    offered.refresh_from_db()
    assert (offered.status, offered.decline_reason) == ("declined", "too_far")
    nxt = Offer.objects.get(visit=team.visit, status="pending")
    assert (nxt.provider_id, nxt.attempt) == (team.id("near"), 2)
    assert "You declined the visit" in client.get("/offers/").content.decode()


@pytest.mark.parametrize("reason", ["", "because", "accepted"])
def test_decline_without_a_listed_reason_changes_nothing(
    team: Team, offered: Offer, login_as: Any, reason: str
) -> None:
    client = login_as(team.p["far2"].user)
    r = client.post(f"/offers/{offered.pk}/decline/", {"reason": reason}, follow=True)
    assert "Choose one of the listed reasons for declining." in r.content.decode()
    offered.refresh_from_db()
    assert (offered.status, offered.decline_reason) == ("pending", "")
    assert Offer.objects.filter(visit=team.visit).count() == 1


def test_expired_offer_cannot_be_accepted(
    team: Team, offered: Offer, login_as: Any, frozen: Any
) -> None:
    client = login_as(team.p["far2"].user)
    frozen.now += dt.timedelta(seconds=121)
    assert 'data-testid="offers-empty"' in client.get("/offers/").content.decode()
    r = client.post(f"/offers/{offered.pk}/accept/", follow=True)
    assert "This offer has timed out." in r.content.decode()
    offered.refresh_from_db()
    team.visit.refresh_from_db()
    assert (offered.status, team.visit.provider_id) == ("pending", None)


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_someone_elses_offer_is_404(
    team: Team, offered: Offer, login_as: Any, personas: Any, action: str
) -> None:
    for user in (team.p["near"].user, personas.other_nurse):
        r = login_as(user).post(f"/offers/{offered.pk}/{action}/", {"reason": "busy"})
        assert r.status_code == 404
    offered.refresh_from_db()
    assert offered.status == "pending"
    assert Visit.objects.get(pk=team.visit.pk).provider_id is None


@pytest.mark.parametrize("who", ["family", "dispatcher", "elder"])
def test_page_is_for_providers_only(personas: Any, login_as: Any, who: str) -> None:
    assert login_as(getattr(personas, who)).get("/offers/").status_code == 404


def test_get_does_not_answer(team: Team, offered: Offer, login_as: Any) -> None:
    client = login_as(team.p["far2"].user)
    assert client.get(f"/offers/{offered.pk}/accept/").status_code == 405
    offered.refresh_from_db()
    assert offered.status == "pending"
