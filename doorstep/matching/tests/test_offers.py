"""Offers in turn with a timeout, the pool fallback, urgent mode, answers (ADR 0020)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings

from doorstep.accounts.policy import Actor
from doorstep.core.models import AuditEvent
from doorstep.matching import errors, services
from doorstep.matching.models import Offer
from doorstep.notifications.models import Notification
from doorstep.orders.models import Visit, VisitEvent

from .conftest import Team

pytestmark = pytest.mark.django_db


def as_(provider: Any) -> Actor:
    return Actor.of(provider.user)


def offer(team: Team, personas: Any) -> Offer:
    outcome = services.offer_visit(actor=Actor.of(personas.dispatcher), visit=team.visit)
    assert outcome.mode == "offered"
    assert outcome.offer is not None
    return outcome.offer


def test_offer_goes_to_the_best_candidate_with_a_deadline(
    team: Team, personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = offer(team, personas)
    assert (team.code(first.provider_id), first.attempt, first.status) == ("far2", 1, "pending")
    assert first.expires_at - first.offered_at == dt.timedelta(seconds=120)
    assert first.score == 0.657759
    assert [t["code"] for t in first.reasons][:2] == ["eta", "continuity"]
    note = Notification.objects.get(recipient=team.p["far2"].user, kind="matching.visit_offered")
    assert note.link == "/offers"
    assert AuditEvent.objects.filter(action="matching.offered", object_id=first.pk).count() == 1
    # A second offer while one is pending is refused and changes nothing.
    with pytest.raises(errors.OfferPending):
        services.offer_visit(actor=Actor.of(personas.dispatcher), visit=team.visit)
    assert Offer.objects.count() == 1


def test_accept_assigns_through_the_orders_service(team: Team, personas: Any) -> None:
    first = offer(team, personas)
    outcome = services.respond(actor=as_(team.p["far2"]), offer=first, accept=True)
    visit = Visit.objects.get(pk=team.visit.pk)
    assert (outcome.mode, visit.status, visit.provider_id) == (
        "assigned",
        "assigned",
        team.id("far2"),
    )
    event = VisitEvent.objects.get(visit=visit, to_status="assigned")
    assert (event.actor_id, event.details["via"]) == (personas.dispatcher.pk, "dispatcher")
    assert Offer.objects.get(pk=first.pk).status == "accepted"
    # A second answer to the same offer is refused.
    with pytest.raises(errors.OfferClosed):
        services.respond(actor=as_(team.p["far2"]), offer=first, accept=False)


def test_decline_then_timeout_then_pool(team: Team, personas: Any, frozen: Any) -> None:
    """far2 declines -> near; near does not answer in 120 s -> the sweep moves to busy
    (ovlp and trvl fail the schedule); busy declines: three offers made -> the pool."""
    first = offer(team, personas)
    second = services.respond(actor=as_(team.p["far2"]), offer=first, accept=False).offer
    assert second is not None
    assert (team.code(second.provider_id), second.attempt) == ("near", 2)
    assert Offer.objects.get(pk=first.pk).status == "declined"
    frozen.advance(seconds=119)
    assert services.expire_due_offers() == 0
    frozen.advance(seconds=1)
    assert services.expire_due_offers() == 1
    assert Offer.objects.get(pk=second.pk).status == "expired"
    third = Offer.objects.get(visit=team.visit, status="pending")
    assert (team.code(third.provider_id), third.attempt) == ("busy", 3)
    outcome = services.respond(actor=as_(team.p["busy"]), offer=third, accept=False)
    visit = Visit.objects.get(pk=team.visit.pk)
    assert outcome.mode == "pool"
    assert (visit.status, visit.provider_id, visit.pool_published_at) == (
        "awaiting_dispatch", None, frozen.now,
    )  # fmt: skip
    assert not Offer.objects.filter(status="pending").exists()
    assert AuditEvent.objects.filter(action="matching.pool_fallback", object_id=visit.pk).exists()


@override_settings(MATCHING_MAX_OFFERS=5)
def test_pool_when_no_candidate_is_left(team: Team, personas: Any) -> None:
    first = offer(team, personas)
    o2 = services.respond(actor=as_(team.p["far2"]), offer=first, accept=False).offer
    assert o2 is not None
    o3 = services.respond(actor=as_(team.p["near"]), offer=o2, accept=False).offer
    assert o3 is not None
    outcome = services.respond(actor=as_(team.p["busy"]), offer=o3, accept=False)
    assert outcome.mode == "pool"
    assert Offer.objects.filter(visit=team.visit).count() == 3


def test_an_expired_offer_cannot_be_accepted(team: Team, personas: Any, frozen: Any) -> None:
    first = offer(team, personas)
    frozen.advance(seconds=120)
    before = AuditEvent.objects.count()
    with pytest.raises(errors.OfferExpired):
        services.respond(actor=as_(team.p["far2"]), offer=first, accept=True)
    assert Visit.objects.get(pk=team.visit.pk).status == "awaiting_dispatch"
    assert Offer.objects.get(pk=first.pk).status == "pending"
    assert AuditEvent.objects.count() == before


def test_urgent_assigns_the_nearest_now(team: Team, personas: Any) -> None:
    """near and busy are both 0 min away: the smaller id (near) wins; a pending offer is
    withdrawn."""
    first = offer(team, personas)
    outcome = services.offer_visit(
        actor=Actor.of(personas.dispatcher), visit=team.visit, urgent=True
    )
    visit = Visit.objects.get(pk=team.visit.pk)
    assert (outcome.mode, visit.status, visit.provider_id) == (
        "assigned",
        "assigned",
        team.id("near"),
    )
    assert Offer.objects.get(pk=first.pk).status == "withdrawn"
    assert AuditEvent.objects.filter(action="matching.urgent_assigned").count() == 1


def test_urgent_without_anyone_changes_nothing(team: Team, personas: Any) -> None:
    from doorstep.workforce.models import Provider

    Provider.objects.filter(pk__in=[p.pk for p in team.p.values()]).update(is_active=False)
    before = AuditEvent.objects.count()
    with pytest.raises(errors.NoEligibleProvider):
        services.offer_visit(actor=Actor.of(personas.dispatcher), visit=team.visit, urgent=True)
    assert Visit.objects.get(pk=team.visit.pk).status == "awaiting_dispatch"
    assert AuditEvent.objects.count() == before


def test_only_dispatchers_of_the_institution_offer(team: Team, personas: Any) -> None:
    from doorstep.core.errors import Forbidden

    for user in (personas.reviewer, personas.other_admin, personas.nurse):
        with pytest.raises(Forbidden):
            services.offer_visit(actor=Actor.of(user), visit=team.visit)
    assert not Offer.objects.exists()


def test_someone_else_cannot_answer(team: Team, personas: Any) -> None:
    from doorstep.core.errors import NotFound

    first = offer(team, personas)
    with pytest.raises(NotFound):
        services.respond(actor=as_(team.p["near"]), offer=first, accept=True)
    assert Offer.objects.get(pk=first.pk).status == "pending"


def test_a_taken_visit_is_not_offered(team: Team, personas: Any) -> None:
    from doorstep.orders import services as orders

    orders.assign_provider(
        actor=Actor.of(personas.dispatcher), visit=team.visit, provider=team.p["near"]
    )
    with pytest.raises(errors.NotAwaitingDispatch):
        services.offer_visit(
            actor=Actor.of(personas.dispatcher), visit=Visit.objects.get(pk=team.visit.pk)
        )
