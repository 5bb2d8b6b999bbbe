"""The visit state machine: the table itself, every legal path through the services, and
illegal moves answering 409 ``illegal_transition`` with nothing changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.core.models import AuditEvent
from doorstep.orders import services
from doorstep.orders.enums import TERMINAL, TRANSITIONS, VisitStatus, can_transition
from doorstep.orders.errors import IllegalTransition
from doorstep.orders.models import VisitEvent

from .conftest import GOOD_VALUES, HOME, assigned, dispatchable, fresh, in_service

pytestmark = pytest.mark.django_db
S = VisitStatus

#: Every legal move, written out by hand from ADR 0013 (the table must equal it).
LEGAL = {
    ("requested", "awaiting_assessment"),
    ("requested", "accepted"),
    ("requested", "cancelled"),
    ("awaiting_assessment", "accepted"),
    ("awaiting_assessment", "rejected"),
    ("awaiting_assessment", "cancelled"),
    ("accepted", "awaiting_payment"),
    ("accepted", "awaiting_dispatch"),
    ("accepted", "cancelled"),
    ("awaiting_payment", "awaiting_dispatch"),
    ("awaiting_payment", "cancelled"),
    ("awaiting_dispatch", "assigned"),
    ("awaiting_dispatch", "cancelled"),
    ("awaiting_dispatch", "rescheduled"),
    ("assigned", "en_route"),
    ("assigned", "awaiting_dispatch"),
    ("assigned", "cancelled"),
    ("assigned", "rescheduled"),
    ("en_route", "arrived"),
    ("en_route", "cancelled"),
    ("en_route", "aborted"),
    ("en_route", "rescheduled"),
    ("arrived", "in_service"),
    ("arrived", "no_show"),
    ("arrived", "aborted"),
    ("arrived", "cancelled"),
    ("in_service", "completed"),
    ("in_service", "aborted"),
    ("completed", "reviewed"),
    ("rescheduled", "awaiting_dispatch"),
}


def test_table_is_exactly_the_documented_moves() -> None:
    table = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert table == LEGAL
    assert set(TRANSITIONS) == set(S.values)
    for status in TERMINAL:
        assert TRANSITIONS[status] == frozenset()


@pytest.mark.parametrize("src", sorted(S.values))
@pytest.mark.parametrize("dst", sorted(S.values))
def test_can_transition_matches_table(src: str, dst: str) -> None:
    assert can_transition(src, dst) is ((src, dst) in LEGAL)


def test_full_happy_path_records_every_step(
    personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any, frozen: Any
) -> None:
    visit = in_service(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    nurse = Actor.of(personas.nurse)
    services.submit_record(actor=nurse, visit=visit, values=GOOD_VALUES)
    frozen.advance(minutes=40)
    services.check_out(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    services.mark_reviewed(actor=Actor.of(personas.elder), visit=fresh(visit))
    steps = list(
        VisitEvent.objects.filter(visit=visit)
        .exclude(from_status="")
        .values_list("from_status", "to_status")
    )
    assert steps == [
        ("requested", "awaiting_assessment"),
        ("awaiting_assessment", "accepted"),
        ("accepted", "awaiting_payment"),
        ("awaiting_payment", "awaiting_dispatch"),
        ("awaiting_dispatch", "assigned"),
        ("assigned", "en_route"),
        ("en_route", "arrived"),
        ("arrived", "in_service"),
        ("in_service", "completed"),
        ("completed", "reviewed"),
    ]
    arrived = VisitEvent.objects.get(visit=visit, to_status="arrived")
    assert (arrived.actor_id, arrived.lat, arrived.lng) == (personas.nurse.pk, *HOME)
    assert arrived.at == visit.window_start


ILLEGAL_SAMPLE = [
    ("assigned", "check_in"),
    ("assigned", "start_service"),
    ("assigned", "mark_no_show"),
    ("awaiting_dispatch", "start_travel"),
    ("in_service", "start_travel"),
]


@pytest.mark.parametrize(("state", "action"), ILLEGAL_SAMPLE)
def test_illegal_moves_answer_409_and_change_nothing(
    state: str,
    action: str,
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,
    providers: Any,
    frozen: Any,
) -> None:
    if state == "in_service":
        visit = in_service(personas, world, elder_a, catalog.companion, providers.nurse, frozen)
    else:
        visit = assigned(personas, world, elder_a, catalog.companion, providers.nurse)
        if state == "awaiting_dispatch":
            visit = dispatchable(
                personas,
                world,
                elder_a,
                catalog.companion,
                start=visit.window_start.replace(day=20),
            )
    nurse = Actor.of(personas.nurse)
    if state == "awaiting_dispatch":
        # give the nurse an assignment-free visit she is nevertheless not assigned to
        visit.provider = providers.nurse
    before = (fresh(visit).status, VisitEvent.objects.count(), AuditEvent.objects.count())
    calls = {
        "check_in": lambda: services.check_in(actor=nurse, visit=visit, lat=HOME[0], lng=HOME[1]),
        "start_service": lambda: services.start_service(actor=nurse, visit=visit),
        "mark_no_show": lambda: services.mark_no_show(actor=nurse, visit=visit),
        "start_travel": lambda: services.start_travel(actor=nurse, visit=visit),
    }
    with pytest.raises(IllegalTransition) as exc:
        calls[action]()
    assert exc.value.status == 409
    assert exc.value.code == "illegal_transition"
    assert exc.value.details["from"] == state
    assert (fresh(visit).status, VisitEvent.objects.count(), AuditEvent.objects.count()) == before


def test_completed_visit_cannot_be_cancelled(
    personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any, frozen: Any
) -> None:
    visit = in_service(personas, world, elder_a, catalog.companion, providers.nurse, frozen)
    nurse = Actor.of(personas.nurse)
    services.submit_record(actor=nurse, visit=visit, values={"mood": "good"})
    services.check_out(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    before = VisitEvent.objects.count()
    with pytest.raises(IllegalTransition):
        services.cancel(actor=Actor.of(personas.elder), order=visit.order, reason="changed mind")
    assert fresh(visit).status == S.COMPLETED
    assert VisitEvent.objects.count() == before


def _drive(
    state: str, personas: Any, world: Any, elder: Any, catalog: Any, providers: Any, frozen: Any
) -> Any:
    """A visit of institution A brought to ``state`` through the services."""
    from .conftest import first_visit, place

    if state == "awaiting_assessment":
        return first_visit(place(personas.elder, elder, world.inst_a, catalog.dressing))
    if state == "awaiting_payment":
        return first_visit(place(personas.elder, elder, world.inst_a, catalog.companion))
    if state == "awaiting_dispatch":
        return dispatchable(personas, world, elder, catalog.companion)
    visit = assigned(personas, world, elder, catalog.companion, providers.nurse)
    nurse = Actor.of(personas.nurse)
    if state == "assigned":
        return visit
    services.start_travel(actor=nurse, visit=visit)
    if state == "en_route":
        return fresh(visit)
    frozen.now = visit.window_start
    services.check_in(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    if state == "arrived":
        return fresh(visit)
    services.start_service(actor=nurse, visit=fresh(visit))
    return fresh(visit)


EXITS = [
    ("awaiting_assessment", "cancel", "cancelled"),
    ("awaiting_payment", "cancel", "cancelled"),
    ("awaiting_dispatch", "cancel", "cancelled"),
    ("assigned", "cancel", "cancelled"),
    ("en_route", "cancel", "cancelled"),
    ("arrived", "cancel", "cancelled"),
    ("en_route", "abort", "aborted"),
    ("arrived", "abort", "aborted"),
    ("in_service", "abort", "aborted"),
    ("arrived", "no_show", "no_show"),
    ("awaiting_dispatch", "reschedule", "awaiting_dispatch"),
    ("assigned", "reschedule", "awaiting_dispatch"),
    ("en_route", "reschedule", "awaiting_dispatch"),
]


@pytest.mark.parametrize(("state", "action", "final"), EXITS)
def test_every_side_exit_from_every_state_it_is_legal_in(
    state: str,
    action: str,
    final: str,
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,
    providers: Any,
    frozen: Any,
) -> None:
    visit = _drive(state, personas, world, elder_a, catalog, providers, frozen)
    assert visit.status == state
    elder, nurse = Actor.of(personas.elder), Actor.of(personas.nurse)
    if action == "cancel":
        services.cancel(actor=elder, order=visit.order, reason="Changed plans")
    elif action == "abort":
        services.abort_visit(actor=nurse, visit=visit, reason="Unsafe stairwell")
    elif action == "no_show":
        services.mark_no_show(actor=nurse, visit=visit, reason="Nobody opened")
    else:
        new = frozen.now + dt.timedelta(days=2)
        services.reschedule(actor=elder, visit=visit, window_start=new, reason="Clinic")
    after = fresh(visit)
    assert after.status == final
    last = VisitEvent.objects.filter(visit=visit).order_by("-id").first()
    assert last is not None
    assert last.to_status == final


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("in_service", "cancel"),
        ("awaiting_dispatch", "abort"),
        ("assigned", "no_show"),
        ("in_service", "reschedule"),
    ],
)
def test_side_exits_illegal_from_these_states(
    state: str,
    action: str,
    personas: Any,
    world: Any,
    elder_a: Any,
    catalog: Any,
    providers: Any,
    frozen: Any,
) -> None:
    visit = _drive(state, personas, world, elder_a, catalog, providers, frozen)
    elder = Actor.of(personas.elder)
    nurse = Actor.of(personas.nurse)
    if visit.provider_id is None:
        visit.provider = providers.nurse  # pretend, so the provider check passes
    before = (VisitEvent.objects.count(), AuditEvent.objects.count())
    new = frozen.now + dt.timedelta(days=2)
    calls = {
        "cancel": lambda: services.cancel(actor=elder, order=visit.order, reason="x"),
        "abort": lambda: services.abort_visit(actor=nurse, visit=visit, reason="x"),
        "no_show": lambda: services.mark_no_show(actor=nurse, visit=visit),
        "reschedule": lambda: services.reschedule(
            actor=elder, visit=visit, window_start=new, reason="x"
        ),
    }
    with pytest.raises(IllegalTransition):
        calls[action]()
    assert fresh(visit).status == state
    assert (VisitEvent.objects.count(), AuditEvent.objects.count()) == before
