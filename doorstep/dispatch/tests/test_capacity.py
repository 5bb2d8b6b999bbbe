"""Capacity-aware start times (ADR 0032): the pure core by hand-checked cases, the loader
on the tiny city of ``plan_scene``, and booking refusing a full start time."""

from __future__ import annotations

import datetime as dt
import math
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

N = (29.8612, 121.5433)
NORTH_1KM = (29.8702, 121.5433)  # 1.0 km north of N: 200 s at 18 km/h
NORTH_3KM = (29.8882, 121.5433)  # 3.0 km north of N


def worker(**kw: Any) -> cap.Worker:
    return cap.Worker(**{"id": 1, "shift_start": at(8), "shift_end": at(18), "home": N, **kw})


def test_travel_is_haversine_at_the_speed_of_the_mode() -> None:
    assert cap.haversine_km(N, NORTH_1KM) == pytest.approx(1.0, abs=0.002)
    assert cap.travel_s(worker(), N, NORTH_1KM) == pytest.approx(200, abs=1)
    assert T in {200, 201}
    assert cap.travel_s(worker(speed_kmh=4.5), N, NORTH_1KM) == pytest.approx(800, abs=2)
    assert cap.travel_s(worker(), None, N) == 0
    # the planner's model: the mode's detour factor and its overhead per trip
    car = worker(speed_kmh=25.0, detour=1.4, overhead_s=120)
    assert cap.travel_s(car, N, NORTH_1KM) == pytest.approx(1.0 * 1.4 / 25 * 3600 + 120, abs=1)
    assert cap.travel_s(car, N, N) == 0  # same place: no trip


T = math.ceil(cap.travel_s(worker(), N, NORTH_1KM))  # 201 s: 1.001 km at 18 km/h


def test_shift_with_travel_from_and_to_home() -> None:
    w = worker(shift_end=at(17))
    assert cap.fits(w, [], cap.Stop(at(8), at(9), N))  # at home: no travel
    assert not cap.fits(w, [], cap.Stop(at(8), at(9), NORTH_1KM))  # T to get there
    assert cap.fits(w, [], cap.Stop(at(8) + T, at(9), NORTH_1KM))
    assert not cap.fits(w, [], cap.Stop(at(8) + T - 2, at(9), NORTH_1KM))
    assert cap.fits(w, [], cap.Stop(at(16), at(17) - T, NORTH_1KM))
    assert not cap.fits(w, [], cap.Stop(at(16), at(17) - T + 2, NORTH_1KM))  # home late


def test_visits_held_block_by_overlap_and_travel() -> None:
    w = worker()
    day = [cap.Stop(at(9), at(10), N)]
    assert not cap.fits(w, day, cap.Stop(at(9.5), at(10.5), N))  # overlaps
    assert cap.fits(w, day, cap.Stop(at(10), at(11), N))  # same home: back to back
    assert not cap.fits(w, day, cap.Stop(at(10), at(11), NORTH_1KM))  # T to travel
    assert cap.fits(w, day, cap.Stop(at(10) + T, at(11), NORTH_1KM))
    assert not cap.fits(w, day, cap.Stop(at(8) + T, at(9) - T + 2, NORTH_1KM))  # before it
    assert cap.fits(w, day, cap.Stop(at(8) + T, at(9) - T, NORTH_1KM))


def test_daily_cap_and_the_break() -> None:
    capped = worker(cap_minutes=90)
    assert cap.fits(capped, [], cap.Stop(at(9), at(10), N), minutes=30)  # 30 + 60 = 90
    assert not cap.fits(capped, [], cap.Stop(at(9), at(10), N), minutes=31)
    # lunch of 30 minutes starting 11:30-13:00: a day full from 11:00 to 13:30 leaves none
    lunch = worker(break_earliest=at(11.5), break_latest=at(13), break_minutes=30)
    day = [cap.Stop(at(11), at(12), N), cap.Stop(at(12.5), at(13.5), N)]
    assert cap.fits(lunch, day, cap.Stop(at(9), at(10), N))  # 12:00-12:30 is still free
    assert not cap.fits(lunch, day, cap.Stop(at(12), at(12.5), N))  # fills the only gap
    # the break 13:00-13:30 where the first visit was, then T to the next one: fits;
    # two seconds less and neither order (break then go, go then break) leaves 30 minutes
    late = [cap.Stop(at(11), at(13), N), cap.Stop(at(13.5) + T, at(14.5), NORTH_1KM)]
    assert cap.fits(lunch, late, cap.Stop(at(15), at(16), N))
    later = [cap.Stop(at(11), at(13), N), cap.Stop(at(13.5) + T - 2, at(14.5), NORTH_1KM)]
    assert not cap.fits(lunch, later, cap.Stop(at(15), at(16), N))


def test_fill_gives_waiting_visits_to_the_nearest_provider_who_can_take_them() -> None:
    a = worker(id=1, home=N)
    b = worker(id=2, home=NORTH_1KM)
    near_b = cap.Waiting(cap.Stop(at(9), at(10), NORTH_1KM), frozenset({1, 2}))
    near_a = cap.Waiting(cap.Stop(at(9), at(10), N), frozenset({1, 2}))
    only_a = cap.Waiting(cap.Stop(at(9), at(10), N), frozenset({1}))
    day = cap.fill([a, b], [near_b, near_a])
    assert day.stops[2] == [near_b.stop]
    assert day.stops[1] == [near_a.stop]
    assert (day.minutes[1], day.left_out) == (60, 0)
    # a third visit at 09:00 cannot be taken by anybody: left out, it blocks nothing
    crowded = cap.fill([a, b], [near_b, near_a, only_a])
    assert crowded.left_out == 1


def test_a_later_booking_never_strands_an_earlier_one() -> None:
    """Provider 1 alone can serve the 10:00 visit at N. A 09:00 visit 1 km away is then
    open (provider 2 can take it). Re-filling in start order would give it to provider 1,
    the nearer one, and leave the 10:00 visit with nobody; in booking order it goes to
    provider 2 and both are served."""
    a = worker(id=1, home=N)
    b = worker(id=2, home=NORTH_3KM)
    ten = cap.Waiting(cap.Stop(at(10), at(11), N), frozenset({1}), booked=1)
    day = cap.fill([a, b], [ten])
    nine = cap.Stop(at(9), at(10), NORTH_1KM)
    assert cap.opening(day, [1, 2], nine).open
    after = cap.fill([a, b], [ten, cap.Waiting(nine, frozenset({1, 2}), booked=2)])
    assert (after.left_out, after.stops[1], after.stops[2]) == (0, [ten.stop], [nine])
    # the same two visits filled in start order (no booking order) put the 09:00 one with
    # provider 1; the 10:00 one is then served only because a repair moves it away
    unordered = [cap.Waiting(ten.stop, ten.servers), cap.Waiting(nine, frozenset({1, 2}))]
    moved = cap.fill([a, b], unordered)
    assert (moved.left_out, moved.stops[1], moved.stops[2]) == (0, [ten.stop], [nine])


def test_the_arrival_window_lets_a_visit_begin_later() -> None:
    """ADR 0037: ``slack`` seconds after the booked start a visit may still begin."""
    w = worker()
    day = [cap.Stop(at(9), at(10), N)]
    half = at(0.5)
    assert not cap.fits(w, day, cap.Stop(at(9.5), at(10.5), N))  # exact: it overlaps
    assert cap.fits(w, day, cap.Stop(at(9.5), at(10.5), N, half))  # begun at 10:00
    assert not cap.fits(w, day, cap.Stop(at(9.5), at(10.5), NORTH_1KM, half))  # + T
    # the earlier visit may slip too: a new 08:30 pushes the held 09:00 to 09:30 at most
    slipping = [cap.Stop(at(9), at(10), N, half)]
    assert cap.fits(w, slipping, cap.Stop(at(8.5), at(9.5), N, half))
    assert not cap.fits(w, slipping, cap.Stop(at(8.5) + 60, at(9.5) + 60, N, half))
    # a chain: the new visit pushes the next one, which pushes the one after it (whose
    # window is 15 minutes)
    chain = [cap.Stop(at(10), at(11), N, half), cap.Stop(at(11), at(12), N, at(0.25))]
    assert cap.fits(w, chain, cap.Stop(at(9) + 600, at(10) + 600, N))  # 10:10, 11:10
    assert not cap.fits(w, chain, cap.Stop(at(9) + 1200, at(10) + 1200, N))  # 11:20
    # the break (30 minutes from 11:30 to 13:00) is placed in a gap the windows leave
    lunch = worker(break_earliest=at(11.5), break_latest=at(13), break_minutes=30)
    noon = [cap.Stop(at(11), at(12), N, half), cap.Stop(at(12.5), at(13.5), N, half)]
    assert cap.fits(lunch, noon, cap.Stop(at(13.5), at(14.5), N, half))
    # 12:00-12:30 taken: the 12:30 visit slips to 13:00 and lunch goes before it
    assert cap.fits(lunch, noon, cap.Stop(at(12), at(12.5), N))
    exact = [cap.Stop(at(11), at(12), N, half), cap.Stop(at(12.5), at(13.5), N)]
    assert not cap.fits(lunch, exact, cap.Stop(at(12), at(12.5), N))  # no gap for lunch


def test_fill_counts_the_travel_a_visit_adds() -> None:
    """Step 2 gives a visit to the provider whose day it lengthens least: provider 2 goes
    to that street anyway; from home both are 3 km away."""
    one = worker(id=1)
    two = worker(id=2, held=(cap.Stop(at(11), at(12), NORTH_3KM),))
    day = cap.fill([one, two], [cap.Waiting(cap.Stop(at(9), at(10), NORTH_3KM), frozenset({1, 2}))])
    assert (len(day.stops[1]), len(day.stops[2])) == (0, 2)
    assert cap.insertion_cost(one, [], cap.Stop(at(9), at(10), NORTH_3KM)) == pytest.approx(
        2 * cap.travel_s(one, N, NORTH_3KM)
    )


def test_one_move_of_a_waiting_visit_makes_room() -> None:
    """A waiting visit ``j`` (10:00, either provider) went to provider 1; a new one at the
    same time only provider 1 can serve gets room when ``j`` moves to provider 2, who is
    free again at 10:00. A held visit never moves."""
    one = worker(id=1)
    two = worker(id=2, held=(cap.Stop(at(9), at(10), N),))
    j = cap.Waiting(cap.Stop(at(10), at(11), N), frozenset({1, 2}), booked=1)
    k = cap.Waiting(cap.Stop(at(10), at(11), N), frozenset({1}), booked=2)
    before = cap.fill([one, two], [j])
    assert before.stops[1] == [j.stop]  # nearest first: both at home, provider 1 first
    assert not before.can_take(1, k.stop)
    assert cap.repair(before, [1], k.stop) == (1, j.stop, 2)
    assert cap.opening(before, [1], k.stop) == cap.Opening(at(10), at(11), True, 1)
    after = cap.fill([one, two], [j, k])
    assert after.left_out == 0
    assert [s is k.stop for s in after.stops[1]] == [True]
    assert [s is j.stop for s in after.stops[2]] == [False, True]
    # provider 1 holds j (assigned): nothing moves, the new visit finds no room
    held = cap.fill([worker(id=1, held=(j.stop,)), two], [k])
    assert held.left_out == 1
    assert cap.opening(cap.fill([worker(id=1, held=(j.stop,)), two], []), [1], k.stop).open is False


def test_an_opening_is_open_while_a_candidate_can_take_it() -> None:
    a = worker(id=1, home=N)
    b = worker(id=2, home=NORTH_1KM)
    day = cap.fill([a, b], [cap.Waiting(cap.Stop(at(9), at(10), N), frozenset({1, 2}))])
    nine = cap.opening(day, [1, 2], cap.Stop(at(9), at(10), N))
    assert (nine.open, nine.free) == (True, 1)  # b is still free at 09:00
    # only a: open, the waiting visit would move to b (a repair)
    assert cap.opening(day, [1], cap.Stop(at(9), at(10), N)).open
    held = cap.fill([worker(id=1, home=N, held=(cap.Stop(at(9), at(10), N),)), b], [])
    assert cap.opening(held, [1], cap.Stop(at(9), at(10), N)).reason == "fully_booked"
    assert cap.opening(day, [], cap.Stop(at(9), at(10), N)).reason == "no_provider"
    assert cap.opening(day, [7], cap.Stop(at(9), at(10), N)).reason == "no_provider"
    found = cap.openings(held, [1], [at(9), at(10)], 3600, N)
    assert [o.open for o in found] == [False, True]


def test_loose_time_is_travel_and_waiting_from_leaving_to_coming_back() -> None:
    """ADR 0038: ``loose_s`` counts travel and waiting, from leaving home just in time for
    the first visit to being back; visits and a break taken while out are not loose."""
    w = worker()
    assert cap.loose_s(w, []) == 0
    one = [cap.Stop(at(9), at(10), NORTH_1KM)]
    assert cap.loose_s(w, one) == pytest.approx(2 * T, abs=2)  # there and back
    two = [*one, cap.Stop(at(11), at(12), NORTH_1KM)]
    assert cap.loose_s(w, two) == pytest.approx(2 * T + H, abs=2)  # an hour's wait
    assert cap.loose_s(w, [cap.Stop(at(8), at(9), NORTH_1KM)]) is None  # cannot be there
    # the lunch break (30 minutes from 11:30) is taken in the wait and is not loose
    lunch = worker(break_earliest=at(11.5), break_latest=at(13), break_minutes=30)
    gap = [cap.Stop(at(9), at(10), N), cap.Stop(at(14), at(15), N)]
    assert cap.loose_s(lunch, gap) == 3.5 * H
    # filling the wait takes loose time away: a negative addition
    added = cap.added_loose_s(w, two, cap.Stop(at(10), at(11), NORTH_1KM))
    assert added == pytest.approx(-H, abs=2)
    assert cap.added_loose_s(w, two, cap.Stop(at(12), at(13), NORTH_1KM)) == pytest.approx(0)
    assert cap.added_loose_s(w, two, cap.Stop(at(9), at(10), NORTH_1KM)) is None  # overlaps


def test_recommended_start_times_add_the_least_loose_time() -> None:
    """ADR 0038: up to ``top`` open start times are recommended, those adding the least
    travel and waiting, each at least ``RECOMMEND_MARGIN_S`` below the costliest open one."""
    held = (cap.Stop(at(9), at(10), NORTH_1KM), cap.Stop(at(11), at(12), NORTH_1KM))
    day = cap.fill([worker(id=1, held=held)], [])
    starts = [at(h) for h in (8, 9, 10, 11, 12, 12.5, 13, 15, 16)]
    found = cap.openings(day, [1], starts, H, NORTH_1KM, top=3)
    by_start = {o.start: o for o in found}
    assert [o.open for o in found] == [False, False, True, False, True, True, True, True, True]
    assert by_start[at(10)].added_s == pytest.approx(-H, abs=2)  # fills the wait
    assert by_start[at(12)].added_s == pytest.approx(0)  # right after, same home
    assert by_start[at(16)].added_s == pytest.approx(4 * H, abs=2)  # waits 12:00-16:00
    assert [o.start for o in found if o.recommended] == [at(10), at(12), at(12.5)]
    assert by_start[at(8)].added_s is None
    assert not by_start[at(8)].recommended
    # none marked when asked for none, or when every open time costs the same
    assert not any(o.recommended for o in cap.openings(day, [1], starts, H, NORTH_1KM))
    empty = cap.fill([worker(id=1)], [])
    alike = cap.openings(empty, [1], [at(9), at(10), at(11)], H, NORTH_1KM, top=3)
    assert [o.open for o in alike] == [True, True, True]
    assert not any(o.recommended for o in alike)
    # a time open only by a repair has no figure and is never recommended
    a, b = worker(id=1, home=N), worker(id=2, home=NORTH_3KM)
    moved = cap.fill([a, b], [cap.Waiting(cap.Stop(at(9), at(10), N), frozenset({1, 2}))])
    only = cap.opening(moved, [1], cap.Stop(at(9), at(10), N))
    assert (only.open, only.added_s) == (True, None)


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
@override_settings(BOOKING_ARRIVAL_WINDOW_MINUTES=0)
def test_openings_of_the_tiny_city(city: City, world: Any, elder_a: Any, catalog: Any) -> None:
    """Two providers; v1 and v3 wait at 09:00, v2 at 11:00, v4 at 13:00 (60 minutes);
    the elder lives at the nurse's home. Booked times exact (no arrival window)."""
    found = {
        o.start: o
        for o in slots.openings(
            institution_id=world.inst_a.pk, item=catalog.companion, elder=elder_a, day=DAY
        )
    }
    # filled: the nurse takes v1 and v2 (near her home), the caregiver v3 and v4
    assert not found[local(9)].open  # both providers are taken by v1 and v3
    assert found[local(9)].reason == "fully_booked"
    assert not found[local(8)].open  # the nurse must be at v1 by 09:00, the caregiver
    # lives 2 km away and cannot be here at 08:00
    assert (found[local(11)].open, found[local(11)].free) == (True, 1)  # the caregiver
    assert (found[local(15)].open, found[local(15)].free) == (True, 2)
    # the nurse is assigned v2: her 11:00 is held, and the caregiver is still free then
    orders.assign_provider(actor=city.dispatcher, visit=city.visits["v2"], provider=city.nurse)
    again = slots.slot_open(
        institution_id=world.inst_a.pk,
        item=catalog.companion,
        elder=elder_a,
        start=local(11),
    )
    assert (again.open, again.free) == (True, 1)


@pytest.mark.django_db
def test_openings_with_the_arrival_window(
    city: City, world: Any, elder_a: Any, catalog: Any
) -> None:
    """The same day with the default 30-minute arrival window (ADR 0037): a visit may begin
    up to 30 minutes after its booked start."""
    found = {
        o.start: (o.open, o.free)
        for o in slots.openings(
            institution_id=world.inst_a.pk, item=catalog.companion, elder=elder_a, day=DAY
        )
    }
    # 08:00 is open for both now: each can serve it from 08:00 (the nurse, at home) or a
    # few minutes later (the caregiver, 2 km away) and still begin v1 / v3 by 09:30
    assert found[local(8)] == (True, 2)
    # 08:30 would end at 09:30 at the earliest, the last minute of v1 and v3, away from
    # here; 09:00 and 09:30 still collide with them
    assert found[local(8, 30)] == found[local(9)] == found[local(9, 30)] == (False, 0)
    # 10:00: after v1 (or v3), and the nurse still begins v2 by 11:30
    assert found[local(10)] == (True, 2)


@pytest.mark.django_db
def test_the_fill_gives_no_waiting_visit_to_a_provider_its_elder_excluded(
    city: City, world: Any, personas: Any, elder_a: Any
) -> None:
    """All four visits are 王秀英's. Once she excludes the nurse, the day as booking fills
    it gives the nurse none of them: the caregiver takes v1, v2 and v4, and v3 (09:00, like
    v1) is left for the planner (and the day plan starts from that, ADR 0037)."""
    from doorstep.matching.models import Exclusion

    Exclusion.objects.create(
        elder=elder_a,
        provider=city.nurse,
        reason="test",
        created_by=personas.elder,
        created_at=local(8) - dt.timedelta(days=1),
    )
    booked = slots.booked_days(institution_ids=[world.inst_a.pk], day=DAY)
    assert booked == {city.caregiver.pk: [city.pk("v1"), city.pk("v2"), city.pk("v4")]}


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


@pytest.mark.django_db
def test_the_api_gives_each_start_time_with_its_arrival_window(
    city: City, world: Any, personas: Any, elder_a: Any, catalog: Any, api_as: Any
) -> None:
    """``GET /api/v1/dispatch/start-times``: each start with ``arrive_by`` (ADR 0037)."""
    client = api_as(personas.operator)
    r = client.get(
        "/api/v1/dispatch/start-times",
        {
            "elder_id": elder_a.pk,
            "item_id": catalog.companion.pk,
            "institution_id": world.inst_a.pk,
            "day": DAY.isoformat(),
        },
    )
    assert r.status_code == 200, r.content
    items = {dt.datetime.fromisoformat(i["start"]): i for i in r.json()["items"]}
    eight = items[local(8)]
    assert dt.datetime.fromisoformat(eight["arrive_by"]) == local(8, 30)
    assert (eight["open"], eight["free"]) == (True, 2)
    assert (items[local(9)]["open"], items[local(9)]["reason"]) == (False, "fully_booked")
    # ADR 0038: 10:00 fills the nurse's hour of waiting between v1 and v2: recommended
    ten, three = items[local(10)], items[local(15)]
    assert (ten["recommended"], ten["added_minutes"]) == (True, -60)
    assert three["recommended"] is False
    assert three["added_minutes"] > 0
    assert items[local(9)]["added_minutes"] is None


def test_the_break_is_placed_as_the_planner_places_it() -> None:
    """ADR 0037: ``capacity.feasible`` says a day is on time exactly when the planner's
    schedule (``solver.evaluate``) of the same visits in the same order has no lateness
    and no broken limit: random days of one provider, travel left out (places unknown) so
    that only the windows and the break rule decide."""
    import random

    from doorstep.dispatch.solver.evaluate import evaluate
    from doorstep.dispatch.solver.model import Break, Matrix, Problem, Provider, single_visit

    rng = random.Random(37)
    agree = {True: 0, False: 0}
    for _ in range(400):
        n = rng.randint(1, 6)
        starts = sorted(rng.randrange(at(8), at(17), 900) for _ in range(n))
        stops = []
        for s in starts:
            duration = rng.choice([1800, 2700, 3600])
            slack = rng.choice([0, 900, 1800])
            stops.append(cap.Stop(s, s + duration, None, slack))
        w = worker(break_earliest=at(11.5), break_latest=at(13), break_minutes=30)
        mine = cap.feasible(w, stops)
        problem = Problem(
            visits=tuple(
                single_visit(
                    f"v{i}",
                    0,
                    s.duration,
                    earliest=s.start,
                    latest=s.latest,
                    lateness_cost=1,
                )
                for i, s in enumerate(stops)
            ),
            providers=(
                Provider(
                    id="p",
                    start_location=0,
                    end_location=0,
                    shift_start=w.shift_start,
                    shift_end=w.shift_end,
                    break_=Break(at(11.5), at(13), 1800),
                ),
            ),
            matrices={"car": Matrix(duration=[[0]], distance=[[0]])},
        )
        solution, violations = evaluate(problem, {0: [(i, 0) for i in range(n)]})
        planner = not violations.notes and solution.cost.lateness_sum == 0
        assert mine == planner, (stops, violations.notes)
        agree[mine] += 1
    # both outcomes were exercised
    assert agree[True] > 50
    assert agree[False] > 50
