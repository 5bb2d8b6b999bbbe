"""The ledger under contention on PostgreSQL, with real threads and connections.

- 50 concurrent postings of one payment key: one entry, 49 replays of it, 0 errors.
- 100 concurrent payouts of 100 fen against a provider balance of 5,000 fen: exactly 50
  succeed, 50 are refused with ``insufficient_balance``, the balance ends at 0, never
  below.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from doorstep.billing import accounts as acct
from doorstep.billing import selectors, services
from doorstep.billing.enums import EntryEvent
from doorstep.billing.models import Account, JournalEntry
from doorstep.billing.services import cr, dr
from doorstep.core.errors import ApplicationError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CASH = acct.clearing("sandbox")
PATIENT = acct.patient(1)
PROVIDER = acct.provider(9, None)


#: At most this many transactions at once, inside PostgreSQL's default max_connections
#: (100) while other test runs share the server; all threads start together.
IN_FLIGHT = 40


def race(n: int, fn: Callable[[int], Any]) -> Counter[str]:
    barrier = threading.Barrier(n)
    gate = threading.Semaphore(IN_FLIGHT)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait()
            with gate:
                result = fn(i)
            outcome = f"ok:{getattr(result, 'pk', result)}"
        except ApplicationError as exc:
            outcome = exc.code
        except Exception as exc:
            outcome = f"error:{type(exc).__name__}:{exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Counter(outcomes)


def test_50_identical_payment_postings_make_one_entry() -> None:
    result = race(
        50,
        lambda _i: services.post_entry(
            event=EntryEvent.PAYMENT_CAPTURED,
            key="gateway:txn-1",
            postings=[dr(CASH, 8800), cr(PATIENT, 8800)],
        ),
    )
    entry = JournalEntry.objects.get()
    assert result == Counter({f"ok:{entry.pk}": 50})
    assert Account.objects.get(code=CASH.code).balance_fen == 8800
    assert selectors.check().ok


def test_100_concurrent_payouts_never_overdraw() -> None:
    services.post_entry(
        event=EntryEvent.VISIT_COMPLETED,
        key="visit:1",
        postings=[dr(CASH, 5000), cr(PROVIDER, 5000)],
    )
    result = race(
        100,
        lambda i: services.post_entry(
            event=EntryEvent.PAYOUT,
            key=f"payout:{i}",
            postings=[dr(PROVIDER, 100), cr(CASH, 100)],
            no_overdraw=[PROVIDER.code],
        ),
    )
    ok = sum(v for k, v in result.items() if k.startswith("ok:"))
    assert ok == 50, result
    assert result["insufficient_balance"] == 50
    assert ok + result["insufficient_balance"] == 100
    assert Account.objects.get(code=PROVIDER.code).balance_fen == 0
    assert JournalEntry.objects.filter(event="payout").count() == 50
    assert selectors.check().ok
