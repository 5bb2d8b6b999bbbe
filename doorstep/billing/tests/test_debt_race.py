"""The same debt paid at once on PostgreSQL (real threads and connections, ADR 0033): ten
desk payments with ten different keys make one charge and one ``debt_paid`` entry, the
others find nothing owed; ten with one key all answer the same charge."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.billing import debts, selectors
from doorstep.billing.models import Charge, JournalEntry
from doorstep.billing.tests import test_debts
from doorstep.billing.tests.test_concurrency import race
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff
refused = test_debts.refused

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_keys_pay_one_debt_once_and_one_key_answers_the_same(
    personas: Any, refused: dict[str, Any]
) -> None:
    order, owed = refused["order"], refused["owed"]
    desk = Actor.of(personas.inst_admin)

    def pay(key: str) -> Any:
        charge, _created = debts.pay_claim_debt(
            actor=desk, order=order, channel="cash", amount_fen=owed, idempotency_key=key
        )
        return charge

    result = race(10, lambda i: pay(f"race-debt-{i:04d}"))
    (charge,) = Charge.objects.filter(purpose="debt")
    assert result == Counter({f"ok:{charge.pk}": 1, "no_debt_owed": 9})
    assert JournalEntry.objects.filter(event="debt_paid").count() == 1
    again = race(10, lambda _i: pay(charge.idempotency_key))
    assert again == Counter({f"ok:{charge.pk}": 10})
    assert selectors.check().ok
