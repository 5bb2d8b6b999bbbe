"""Paying from the elder's or family's order page (issue 5): online through the sandbox
gateway's payment window, or by card; the form's idempotency key makes a double submit
one payment; nothing is charged on bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest

from doorstep.billing.models import Charge, JournalEntry
from doorstep.orders.models import Payment
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import first_visit, place
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def login_as(client: Any, login_as: Any) -> Any:
    """The shared ``login_as``, logging the previous user out first."""

    def do(user: Any, lang: str = "en") -> Any:
        client.logout()
        return login_as(user, lang)

    return do


def _form(client: Any, order_id: int) -> dict[str, str]:
    html = client.get(f"/orders/{order_id}/").content.decode()
    key = re.search(r'name="key" value="([0-9a-f]{32})"', html)
    amount = re.search(r'name="amount" value="(\d+)"', html)
    assert key is not None
    assert amount is not None
    return {"key": key.group(1), "amount": amount.group(1)}


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_elder_pays_online_through_the_sandbox_window(
    login_as, personas, world, elder_a, catalog, frozen, django_capture_on_commit_callbacks
):
    order = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    client = login_as(personas.elder)
    form = _form(client, order.pk)
    assert form["amount"] == str(order.total_fen)
    r = client.post(f"/orders/{order.pk}/pay/", {**form, "method": "sandbox"}, follow=True)
    assert _messages(r) == ["Complete the payment in the payment window."]
    html = r.content.decode()
    assert 'data-testid="pending-payment"' in html
    assert 'data-testid="pay-form"' not in html
    charge = Charge.objects.get()
    assert charge.status == "pending"
    assert first_visit(order).status == "awaiting_payment"
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/orders/{order.pk}/charges/{charge.pk}/sandbox-pay/", follow=True)
    charge.refresh_from_db()
    assert charge.status == "captured"
    assert first_visit(order).status == "awaiting_dispatch"
    assert Payment.objects.get().method == "online"
    assert JournalEntry.objects.filter(event="payment_captured").count() == 1


def test_double_submit_pays_once(login_as, personas, world, elder_a, catalog, frozen):
    order = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    client = login_as(personas.elder)
    form = {**_form(client, order.pk), "method": "card"}
    first = client.post(f"/orders/{order.pk}/pay/", form, follow=True)
    assert _messages(first) == ["Payment recorded."]
    client.post(f"/orders/{order.pk}/pay/", form)
    assert Charge.objects.count() == 1
    assert Payment.objects.count() == 1
    assert first_visit(order).status == "awaiting_dispatch"


def test_tampered_amount_charges_nothing(login_as, personas, world, elder_a, catalog, frozen):
    order = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    client = login_as(personas.elder, "zh-hans")
    form = {**_form(client, order.pk), "method": "card", "amount": "1"}
    r = client.post(f"/orders/{order.pk}/pay/", form, follow=True)
    assert _messages(r) == ["金额与该订单当前应付金额不符。"]
    assert (Charge.objects.count(), Payment.objects.count()) == (0, 0)
    assert first_visit(order).status == "awaiting_payment"


def test_nobody_else_confirms_a_sandbox_payment(
    login_as, personas, world, elder_a, catalog, frozen
):
    order = place(personas.elder, elder_a, world.inst_a, catalog.companion)
    client = login_as(personas.elder)
    client.post(f"/orders/{order.pk}/pay/", {**_form(client, order.pk), "method": "sandbox"})
    charge = Charge.objects.get()
    for user in (personas.family, personas.other_admin):
        r = login_as(user).post(f"/orders/{order.pk}/charges/{charge.pk}/sandbox-pay/")
        assert r.status_code == 404, user.username
    charge.refresh_from_db()
    assert charge.status == "pending"
