"""The catalogue memo (ADR 0018): remembered between autocommit requests, dropped by any
committed change, by a bump from another process, and never used inside a transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from doorstep.catalog import memo, selectors
from doorstep.catalog.models import Offering, PriceCap
from doorstep.organizations.enums import InstitutionType
from doorstep.organizations.models import Institution, ServiceArea

pytestmark = pytest.mark.django_db(transaction=True)

DAY = "2026-06-01T09:00:00+08:00"
ON = dt.date(2026, 6, 1)


def _queries(fn: Any) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as cq:
        value = fn()
    return value, len(cq)


def test_cap_is_remembered_until_a_committed_change(catalog: Any, world: Any) -> None:
    item = catalog.items["injection_im"]
    first, n1 = _queries(lambda: selectors.cap_for(item, world.street1, ON))
    again, n2 = _queries(lambda: selectors.cap_for(item, world.street1, ON))
    assert (again, n1 >= 1, n2) == (first, True, 0)

    PriceCap.objects.create(
        item=item, region=world.street1, cap_fen=4321, effective_from=dt.date(2026, 1, 1)
    )  # autocommit: the signal bumps the generation at once
    fresh, n3 = _queries(lambda: selectors.cap_for(item, world.street1, ON))
    assert (fresh, n3 >= 1) == (4321, True)


def test_another_process_bump_drops_this_process_memo(catalog: Any, world: Any) -> None:
    item = catalog.items["injection_im"]
    selectors.policy_for(world.street1, ON)
    _, remembered = _queries(lambda: selectors.policy_for(world.street1, ON))
    cache.set(memo.CATALOG.key, "token-set-by-another-worker")  # what its bump does
    _, after = _queries(lambda: selectors.policy_for(world.street1, ON))
    assert (remembered, after) == (0, 1)
    row = selectors.cap_row_for(item, world.street1, ON)
    assert selectors.cap_for(item, world.street1, ON) == (row.cap_fen if row else None)


def test_reads_inside_a_transaction_bypass_the_memo(catalog: Any, world: Any) -> None:
    item = catalog.items["injection_im"]
    before = selectors.cap_for(item, world.street1, ON)
    with transaction.atomic():
        PriceCap.objects.create(
            item=item, region=world.street1, cap_fen=1234, effective_from=dt.date(2026, 1, 1)
        )
        inside, n = _queries(lambda: selectors.cap_for(item, world.street1, ON))
        assert (inside, n >= 1) == (1234, True)  # its own uncommitted change
        transaction.set_rollback(True)
    assert selectors.cap_for(item, world.street1, ON) == before  # the rollback left nothing


def test_quote_sees_a_new_offering_at_once(
    catalog: Any, world: Any, elder_a: Any, personas: Any, api_as: Any
) -> None:
    body = {"item_id": catalog.items["injection_im"].pk, "elder_id": elder_a.pk, "at": DAY}
    client = api_as(personas.elder)
    before = [
        q["institution_id"] for q in client.post("/api/v1/catalog/quote", body).json()["quotes"]
    ]
    inst_c = Institution.objects.create(
        name_zh="南门护理站", name_en="Nanmen Nursing Station",
        type=InstitutionType.COMMUNITY_HEALTH_CENTRE, licence_number="PDY-C-003",
        status="active", region=world.street1,
    )  # fmt: skip
    ServiceArea.objects.create(institution=inst_c, region=world.street1)
    Offering.objects.create(
        institution=inst_c, item=catalog.items["injection_im"], region=world.street1, price_fen=6000
    )
    after = [
        q["institution_id"] for q in client.post("/api/v1/catalog/quote", body).json()["quotes"]
    ]
    assert (before, after) == ([world.inst_a.pk], [inst_c.pk, world.inst_a.pk])
