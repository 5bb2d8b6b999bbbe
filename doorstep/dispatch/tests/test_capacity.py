"""Capacity-aware start times (ADR 0032): the pure core by hand-checked cases, the loader
on the tiny city of ``plan_scene``, and booking refusing a full start time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings

from doorstep.accounts.policy import Actor
from doorstep.dispatch import capacity as cap
from doorstep.dispatch import slots
from doorstep.dispatch.tests.plan_scene import DAY, City
from doorstep.orders import errors as order_errors
from doorstep.orders import services as orders
from doorstep.orders.tests.conftest import SHANGHAI

H = 3600


def at(hour: float) -> int:
    return int(hour * H)


# --- the pure core -------------------------------------------------------------------------


def test_nobody_to_send_is_closed_with_its_reason() -> None:
    found = cap.opening([], [], at(9), at(10), buffer=0)
    assert (found.open, found.free, found.reason) == (False, 0, "no_provider")


def test_one_free_provider_fits_and_leaves_nobody() -> None:
    c = cap.Candidate(id=1, shift_start=at(8), shift_end=at(18))
    found = cap.opening([c], [], at(9), at(10), buffer=0)
    assert (found.open, found.free) == (True, 0)
    two = cap.opening(
        [c, cap.Candidate(id=2, shift_start=at(8), shift_end=at(18))], [], at(9), at(10), buffer=0
    )
    assert (two.open, two.free) == (True, 1)


def test_a_held_visit_blocks_by_overlap_and_by_travel_time() -> None:
    held = cap.Held(start=at(8), end=at(8) + 50 * 60, travel_to_new=15.0)  # 08:00-08:50
    c = cap.Candidate(id=1, shift_start=at(8), shift_end=at(18), held=(held,))
    assert not cap.is_free(c, at(8.5), at(9.5))  # overlaps
    assert not cap.is_free(c, at(9), at(10))  # 10 minutes after it, 15 to travel
    assert cap.is_free(c, at(9) + 5 * 60, at(10))  # 15 minutes after: just fits
    # before it: the new visit must end 15 minutes before 08:00 (outside the shift here)
    early = cap.Candidate(id=1, shift_start=at(6), shift_end=at(18), held=(held,))
    assert cap.is_free(early, at(6.75), at(7.75))
    assert not cap.is_free(early, at(6.8), at(7.8))
    unknown = cap.Candidate(
        id=1, shift_start=at(8), shift_end=at(18), held=(cap.Held(at(8), at(9), None),)
    )
    assert cap.is_free(unknown, at(9), at(10))  # no place known: only overlap counts


def test_shift_and_daily_cap_bound_a_provider() -> None:
    c = cap.Candidate(id=1, shift_start=at(8), shift_end=at(17))
    assert cap.is_free(c, at(16), at(17))
    assert not cap.is_free(c, at(16.5), at(17.5))  # ends after the shift
    assert not cap.is_free(c, at(7.5), at(8.5))  # starts before it
    capped = cap.Candidate(
        id=1, shift_start=at(8), shift_end=at(18), booked_minutes=420, cap_minutes=450
    )
    assert cap.is_free(capped, at(9), at(9.5))  # 420 + 30 = 450: at the cap
    assert not cap.is_free(capped, at(9), at(10))  # 480 > 450


def test_max_matching_takes_augmenting_paths() -> None:
    # the first demand grabs 1, the second can only use 1: the first moves to 2
    assert len(cap.max_matching([frozenset({1, 2}), frozenset({1})], [1, 2])) == 2
    assert len(cap.max_matching([frozenset({1}), frozenset({1})], [1, 2])) == 1
    assert cap.max_matching([frozenset({3})], [1, 2]) == {}


def test_waiting_visits_take_the_providers_who_can_serve_them() -> None:
    a = cap.Candidate(id=1, shift_start=at(8), shift_end=at(18))
    b = cap.Candidate(id=2, shift_start=at(8), shift_end=at(18))
    only_a = cap.Pending(start=at(9), end=at(10), servers=frozenset({1}))
    both = cap.Pending(start=at(9), end=at(10), servers=frozenset({1, 2}))
    # one waiting visit only A can do: B takes the new one, nobody left
    found = cap.opening([a, b], [only_a], at(9), at(10), buffer=0)
    assert (found.open, found.free) == (True, 0)
    # two waiting visits either can do: full
    full = cap.opening([a, b], [both, both], at(9), at(10), buffer=0)
    assert (full.open, full.reason) == (False, "fully_booked")
    # two waiting visits only A can do: one of them cannot be served anyway; B is still
    # free for the new visit (it takes nobody from a visit that can be served)
    assert cap.opening([a, b], [only_a, only_a], at(9), at(10), buffer=0).open


def test_waiting_visits_compete_only_within_the_buffer() -> None:
    a = cap.Candidate(id=1, shift_start=at(8), shift_end=at(18))
    waiting = cap.Pending(start=at(9), end=at(10), servers=frozenset({1}))
    assert not cap.opening([a], [waiting], at(10), at(11), buffer=30 * 60).open
    assert cap.opening([a], [waiting], at(10.5), at(11.5), buffer=30 * 60).open
    found = cap.openings([a], [waiting], [at(8), at(10.5)], H, buffer=30 * 60)
    assert [o.open for o in found] == [False, True]


# --- the loader and booking ----------------------------------------------------------------


def local(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_start_times_follow_the_settings() -> None:
    times = slots.start_times(DAY)
    assert (times[0], times[-1]) == (local(8), local(17))
    assert len(times) == 19  # every 30 minutes
    with override_settings(BOOKING_SLOT_MINUTES=60, BOOKING_LAST_START="10:00"):
        assert slots.start_times(DAY) == [local(8), local(9), local(10)]


@pytest.mark.django_db
def test_openings_of_the_tiny_city(city: City, world: Any, elder_a: Any, catalog: Any) -> None:
    """Two providers; v1 and v3 wait at 09:00, v2 at 11:00, v4 at 13:00 (60 minutes)."""
    found = {
        o.start: o
        for o in slots.openings(
            institution_id=world.inst_a.pk, item=catalog.companion, elder=elder_a, day=DAY
        )
    }
    assert not found[local(9)].open  # both providers are taken by v1 and v3
    assert found[local(9)].reason == "fully_booked"
    assert (found[local(11)].open, found[local(11)].free) == (True, 0)  # v2 takes one of two
    assert (found[local(15)].open, found[local(15)].free) == (True, 1)  # nothing near: 2 - 1
    # the nurse is assigned v2: her 11:00 is held, and the caregiver is still free then
    orders.assign_provider(actor=city.dispatcher, visit=city.visits["v2"], provider=city.nurse)
    again = slots.slot_open(
        institution_id=world.inst_a.pk,
        item=catalog.companion,
        elder=elder_a,
        start=local(11),
    )
    assert (again.open, again.free) == (True, 0)


@pytest.mark.django_db
@override_settings(BOOKING_CAPACITY_CHECK=True)
def test_booking_a_full_start_time_is_refused_and_changes_nothing(
    city: City, world: Any, personas: Any, elder_a: Any, catalog: Any
) -> None:
    from doorstep.orders.models import Order

    before = Order.objects.count()
    with pytest.raises(order_errors.SlotFull) as refused:
        orders.place_order(
            actor=Actor.of(personas.elder),
            elder=elder_a,
            institution=world.inst_a,
            item=catalog.companion,
            window_start=local(9),
        )
    assert refused.value.code == "slot_full"
    assert Order.objects.count() == before
    # an open time books; the institution's staff may book past a full one
    orders.place_order(
        actor=Actor.of(personas.elder),
        elder=elder_a,
        institution=world.inst_a,
        item=catalog.companion,
        window_start=local(15),
    )
    orders.place_order(
        actor=Actor.of(personas.inst_admin),
        elder=elder_a,
        institution=world.inst_a,
        item=catalog.companion,
        window_start=local(9),
    )
    assert Order.objects.count() == before + 2
    with override_settings(BOOKING_CAPACITY_CHECK=False):
        orders.place_order(
            actor=Actor.of(personas.elder),
            elder=elder_a,
            institution=world.inst_a,
            item=catalog.companion,
            window_start=local(9),
        )
