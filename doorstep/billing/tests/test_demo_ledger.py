"""The demo's history posted to the ledger (``billing.history``, ADR 0029): every order,
payment, delivery, release and cancellation fee has the entry the visit loop would have
posted, dated when it happened; every payment has a captured charge; the ledger balances
and the reconciliation finds nothing, month by month."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone

from doorstep.billing import reconciliation, selectors
from doorstep.billing.models import Account, Charge, JournalEntry
from doorstep.billing.statements import Period
from doorstep.demo.seed import seed_demo
from doorstep.orders.models import Order, Payment, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db: Any) -> None:
    seed_demo(scale=0.05, seed=11, history_months=1)


def test_the_demo_history_is_posted_and_reconciles(city: None) -> None:
    events = Counter(JournalEntry.objects.values_list("event", flat=True))
    priced = Order.objects.filter(total_fen__gt=0).count()
    assert events["order_placed"] == priced > 0
    assert events["payment_captured"] == Payment.objects.filter(amount_fen__gt=0).count() > 0
    delivered = Visit.objects.filter(status__in=["completed", "reviewed"], price_fen__gt=0)
    assert events["visit_completed"] == delivered.count() > 0
    released = Visit.objects.filter(
        status__in=["cancelled", "rejected", "no_show", "aborted"], price_fen__gt=0
    )
    assert events["visit_cancelled"] == released.count()
    assert events["cancellation_fee"] == released.filter(cancellation_fee_fen__gt=0).count()
    # every payment is backed by a captured charge of the same amount
    charges = {c.order_payment_id: c for c in Charge.objects.all()}
    for p in Payment.objects.all():
        c = charges[p.pk]
        assert (c.status, c.amount_fen, c.order_id) == ("captured", p.amount_fen, p.order_id)
    # entries are dated when the event happened: the order entry at the order's creation
    order = Order.objects.order_by("pk").first()
    assert order is not None
    entry = JournalEntry.objects.get(event="order_placed", key=f"order:{order.pk}")
    assert entry.posted_at == order.created_at
    # money is only moved: the ledger balances and nothing drifts
    check = selectors.check()
    assert check.ok, check
    # the providers earned the delivered visits' shares
    earned = -(Account.objects.filter(type="provider").aggregate(t=Sum("balance_fen"))["t"] or 0)
    assert earned > 0
    months = {
        timezone.localtime(at).strftime("%Y-%m")
        for at in JournalEntry.objects.values_list("posted_at", flat=True)
    }
    for month in sorted(months):
        report = reconciliation.reconcile(Period.month(month))
        assert report.mismatches == [], month
        assert report.ok
