"""Contract versions: shares sum to 10,000 bp, intervals [from, to) never overlap."""

from __future__ import annotations

import datetime as dt

import pytest

from doorstep.core.errors import Forbidden
from doorstep.core.models import AuditEvent
from doorstep.organizations import selectors, services
from doorstep.organizations.errors import (
    ContractAlreadyEnded,
    ContractDates,
    ContractOverlap,
    ContractSharesSum,
)
from doorstep.organizations.models import Contract

pytestmark = pytest.mark.django_db

D = dt.date


def add(actor, inst, start, end, shares=(1500, 2500, 6000)):
    return services.add_contract(
        actor=actor,
        institution=inst,
        effective_from=start,
        effective_to=end,
        platform_bp=shares[0],
        institution_bp=shares[1],
        provider_bp=shares[2],
    )


def snapshot():
    return Contract.objects.count(), AuditEvent.objects.count()


def test_add_contract_and_audit(world, personas, as_actor):
    c = add(as_actor(personas.platform_admin), world.inst_a, D(2026, 1, 1), D(2027, 1, 1))
    assert (c.platform_bp, c.institution_bp, c.provider_bp) == (1500, 2500, 6000)
    event = AuditEvent.objects.get(action="contract_added")
    assert event.partition == f"inst:{world.inst_a.pk}"
    assert event.details["effective_to"] == "2027-01-01"


@pytest.mark.parametrize("shares", [(1500, 2500, 5999), (5000, 5000, 1), (0, 0, 0)])
def test_shares_must_sum_to_10000_and_nothing_is_written(world, personas, as_actor, shares):
    before = snapshot()
    with pytest.raises(ContractSharesSum) as err:
        add(as_actor(personas.platform_admin), world.inst_a, D(2026, 1, 1), None, shares)
    assert (err.value.status, err.value.code) == (422, "contract_shares_sum")
    assert err.value.details == {"sum": sum(shares), "expected": 10000}
    assert snapshot() == before


def test_a_share_out_of_range_is_refused(world, personas, as_actor):
    with pytest.raises(ContractSharesSum) as err:
        add(as_actor(personas.platform_admin), world.inst_a, D(2026, 1, 1), None, (-1, 5001, 5000))
    assert err.value.details == {"field": "platform_bp", "value": -1}


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2026, 6, 1), D(2026, 7, 1)),  # inside
        (D(2025, 6, 1), D(2026, 1, 2)),  # meets the first day
        (D(2026, 12, 31), None),  # open-ended from the last day
        (D(2025, 1, 1), None),  # open-ended covering all
    ],
)
def test_overlap_is_409_and_nothing_is_written(world, personas, as_actor, start, end):
    actor = as_actor(personas.platform_admin)
    first = add(actor, world.inst_a, D(2026, 1, 1), D(2027, 1, 1))
    before = snapshot()
    with pytest.raises(ContractOverlap) as err:
        add(actor, world.inst_a, start, end)
    assert (err.value.status, err.value.code) == (409, "contract_overlap")
    assert err.value.details["contract_id"] == first.pk
    assert snapshot() == before


def test_adjacent_versions_do_not_overlap_because_the_end_is_exclusive(world, personas, as_actor):
    actor = as_actor(personas.platform_admin)
    add(actor, world.inst_a, D(2026, 1, 1), D(2027, 1, 1))
    add(actor, world.inst_a, D(2025, 1, 1), D(2026, 1, 1), (2000, 2000, 6000))
    add(actor, world.inst_a, D(2027, 1, 1), None, (1000, 3000, 6000))
    add(actor, world.inst_b, D(2026, 6, 1), None)  # another institution is independent
    assert Contract.objects.filter(institution=world.inst_a).count() == 3


def test_current_contract_respects_the_exclusive_end(world, personas, as_actor):
    actor = as_actor(personas.platform_admin)
    old = add(actor, world.inst_a, D(2026, 1, 1), D(2027, 1, 1))
    new = add(actor, world.inst_a, D(2027, 1, 1), None, (1000, 3000, 6000))
    assert selectors.current_contract(world.inst_a, D(2025, 12, 31)) is None
    assert selectors.current_contract(world.inst_a, D(2026, 1, 1)) == old
    assert selectors.current_contract(world.inst_a, D(2026, 12, 31)) == old
    assert selectors.current_contract(world.inst_a, D(2027, 1, 1)) == new
    assert selectors.current_contract(world.inst_a, D(2040, 1, 1)) == new


def test_end_an_open_version_then_add_the_next(world, personas, as_actor):
    actor = as_actor(personas.platform_admin)
    current = add(actor, world.inst_a, D(2026, 1, 1), None)
    with pytest.raises(ContractOverlap):
        add(actor, world.inst_a, D(2027, 1, 1), None)
    services.end_contract(actor=actor, contract=current, effective_to=D(2027, 1, 1))
    add(actor, world.inst_a, D(2027, 1, 1), None, (1000, 3000, 6000))
    with pytest.raises(ContractAlreadyEnded):
        services.end_contract(actor=actor, contract=current, effective_to=D(2027, 6, 1))


def test_dates_must_run_forwards(world, personas, as_actor):
    actor = as_actor(personas.platform_admin)
    before = snapshot()
    with pytest.raises(ContractDates) as err:
        add(actor, world.inst_a, D(2026, 1, 1), D(2026, 1, 1))
    assert err.value.code == "contract_dates_invalid"
    current = add(actor, world.inst_a, D(2026, 1, 1), None)
    with pytest.raises(ContractDates):
        services.end_contract(actor=actor, contract=current, effective_to=D(2025, 1, 1))
    assert snapshot()[0] == before[0] + 1


@pytest.mark.parametrize("who", ["inst_admin", "regulator", "other_admin"])
def test_only_platform_admins_write_contracts(world, personas, as_actor, who):
    with pytest.raises(Forbidden):
        add(as_actor(getattr(personas, who)), world.inst_a, D(2026, 1, 1), None)
    assert Contract.objects.count() == 0
