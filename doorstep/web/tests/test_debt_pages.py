"""Patient-debt pages (ADR 0033): 王秀英 sees on "My orders" and on the order what the
insurers refused, with the payer and its reason, and pays it online through the sandbox
window (once per form); institution A's finance desk records a payment at the desk;
another institution's admin sees nothing and gets 404."""

from __future__ import annotations

import re
from typing import Any

import pytest

from doorstep.billing.models import Charge
from doorstep.billing.tests import test_debts
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

pytestmark = pytest.mark.django_db


def yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _form(html: str, name: str) -> dict[str, str]:
    key = re.search(rf'name="{name}" value="([\w-]+)"', html)
    amount = re.search(r'name="amount" value="(\d+)"', html)
    assert key is not None
    assert amount is not None
    return {name: key.group(1), "amount": amount.group(1)}


def test_elder_sees_the_refusal_and_pays_it_online_once(
    client, login_as, personas, refused, django_capture_on_commit_callbacks
):
    order, owed = refused["order"], refused["owed"]
    login_as(personas.elder)
    html = client.get("/orders/").content.decode()
    assert "Owed after the insurer refused" in html
    assert "Ningbo long-term-care insurance" in html
    assert "Disability level expired" in html
    assert refused["ltc"].number in html
    assert yuan(owed) in html
    assert f'data-testid="debt-{order.pk}"' in client.get(f"/orders/{order.pk}/").content.decode()
    form = {**_form(html, "key"), "next": "/orders/"}
    assert form["amount"] == str(owed)
    for _ in range(2):  # a double submit: one charge
        r = client.post(f"/orders/{order.pk}/debt/pay/", form, follow=True)
        assert _messages(r)[-1] == "Complete the payment in the payment window."
    (charge,) = Charge.objects.filter(purpose="debt")
    assert 'data-testid="debt-pending"' in r.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            f"/orders/{order.pk}/debt/sandbox/{charge.pk}/", {"next": "/orders/"}, follow=True
        )
    assert r.status_code == 200
    charge.refresh_from_db()
    assert charge.status == "captured"
    assert "Owed after the insurer refused" not in client.get("/orders/").content.decode()


def test_the_debt_card_speaks_chinese(client, login_as, personas, refused):
    login_as(personas.elder, "zh-hans")
    html = client.get("/orders/").content.decode()
    assert "Owed after the insurer refused" not in html
    assert "宁波市长期护理保险" in html


def test_wrong_amount_is_refused_and_charges_nothing(client, login_as, personas, refused):
    order = refused["order"]
    login_as(personas.elder)
    r = client.post(
        f"/orders/{order.pk}/debt/pay/", {"key": "web-debt-bad-0001", "amount": "1"}, follow=True
    )
    assert "does not match" in _messages(r)[-1]
    assert not Charge.objects.exists()


def test_finance_desk_records_a_payment_and_others_get_404(client, login_as, personas, refused):
    order, owed = refused["order"], refused["owed"]
    login_as(personas.other_admin)
    assert f"desk-debt-{order.pk}" not in client.get("/finance/").content.decode()
    r = client.post(
        f"/finance/debts/{order.pk}/pay/",
        {"idempotency_key": "web-desk-other-01", "amount": owed, "channel": "cash"},
    )
    assert r.status_code == 404
    client.logout()
    login_as(personas.inst_admin)
    html = client.get("/finance/").content.decode()
    assert "Outstanding patient debts" in html
    assert "王**" in html
    form = {**_form(html, "idempotency_key"), "channel": "pos"}
    r = client.post(f"/finance/debts/{order.pk}/pay/", form, follow=True)
    assert "receipt number" in _messages(r)[-1]
    assert not Charge.objects.exists()
    form["receipt_no"] = "POS-5521"
    r = client.post(f"/finance/debts/{order.pk}/pay/", form, follow=True)
    assert _messages(r)[-1] == f"Payment recorded: {yuan(owed)}."
    r = client.post(f"/finance/debts/{order.pk}/pay/", form, follow=True)
    assert _messages(r)[-1] == "This payment was already recorded."
    (charge,) = Charge.objects.all()
    assert (charge.status, charge.channel, charge.receipt_no) == ("captured", "pos", "POS-5521")
    assert 'data-testid="no-debts"' in r.content.decode()
