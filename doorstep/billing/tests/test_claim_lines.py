"""Partial approval line by line (ADR 0029): the payer accepts some lines of a claim and
refuses others (in full or in part) with a reason each; the refused parts move to each
elder's account in one balanced ``claim_rejected`` entry and become what the patient
owes; claims and ledger still agree."""

from __future__ import annotations

import datetime as dt

import pytest

from doorstep.accounts.policy import Actor
from doorstep.billing import claims, selectors
from doorstep.billing.models import Claim, JournalEntry, PayerShare
from doorstep.billing.tests.payer_scene import insure, publish_ningbo_rules
from doorstep.core.errors import ApplicationError, Forbidden
from doorstep.orders import services
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import GOOD_VALUES, HOME, fresh, in_service
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

from .test_claims import LTC, balance, deliver

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(personas, world, elder_a, catalog, providers, frozen) -> Claim:
    """Institution A's June claim to Ningbo's LTC insurance with two lines (two
    delivered dressings, a day apart)."""
    publish_ningbo_rules(world, personas)
    insure(elder_a, personas)
    first = deliver(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    visit = in_service(
        personas, world, elder_a, catalog.dressing, providers.nurse, frozen,
        start=first.window_start + dt.timedelta(days=1),
    )  # fmt: skip
    nurse = Actor.of(providers.nurse.user)
    services.submit_record(actor=nurse, visit=visit, values=GOOD_VALUES)
    services.check_out(actor=nurse, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    made = claims.submit_claims(
        actor=Actor.of(personas.inst_admin), institution=world.inst_a, period="2026-06"
    )
    ltc = next(c for c in made if c.payer == "long_term_care")
    assert ltc.lines.count() == 2
    return ltc


def test_the_payer_refuses_one_line_and_part_of_nothing_else(personas, elder_a, claim):
    officer = Actor.of(personas.payer_officer)
    first, second = claim.lines.order_by("pk")
    patient = f"patient:{elder_a.pk}"
    owed_before, ltc_before = balance(patient), balance(LTC)
    decided = claims.decide_lines(
        actor=officer, claim=claim, lines=[(first.pk, 0, "Not on the care plan")]
    )
    assert (decided.status, decided.approved_fen) == ("partly_approved", second.amount_fen)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.approved_fen, first.reason) == (0, "Not on the care plan")
    assert (second.approved_fen, second.reason) == (second.amount_fen, "")
    entry = JournalEntry.objects.get(event="claim_rejected", key=f"claim:{claim.pk}")
    assert sorted(entry.lines.values_list("account__code", "amount_fen")) == [
        (patient, first.amount_fen),
        (LTC, -first.amount_fen),
    ]
    # the refused line is now the patient's debt; the payer owes the rest
    assert balance(patient) - owed_before == first.amount_fen
    assert ltc_before - balance(LTC) == first.amount_fen
    assert PayerShare.objects.get(pk=first.share_id).rejected_fen == first.amount_fen
    assert claims.claims_vs_ledger() == []
    assert selectors.check().ok
    # the same decisions again: unchanged; others: refused, nothing posted
    again = claims.decide_lines(
        actor=officer, claim=claim, lines=[(first.pk, 0, "Not on the care plan")]
    )
    assert again.approved_fen == second.amount_fen
    with pytest.raises(ApplicationError) as exc:
        claims.decide_lines(actor=officer, claim=claim, lines=[(second.pk, 0, "x")])
    assert exc.value.code == "claim_transition"
    assert JournalEntry.objects.filter(key=f"claim:{claim.pk}").count() == 1
    # paid: the approved amount only
    paid = claims.mark_paid(actor=officer, claim=claim, reference="LTC-1")
    assert paid.paid_fen == second.amount_fen
    assert claims.claims_vs_ledger() == []


def test_bad_line_decisions_are_refused_and_change_nothing(personas, claim):
    officer = Actor.of(personas.payer_officer)
    first, second = claim.lines.order_by("pk")
    cases = [
        ([(999999, 0, "x")], "invalid_line_decision"),
        ([(first.pk, first.amount_fen, "x")], "invalid_line_decision"),
        ([(first.pk, -1, "x")], "invalid_line_decision"),
        ([(first.pk, 0, "a"), (first.pk, 0, "b")], "invalid_line_decision"),
        ([(first.pk, 0, " ")], "reason_required"),
        ([(first.pk, 0, "x"), (second.pk, 0, "y")], "invalid_approved_amount"),
    ]
    for decisions, code in cases:
        with pytest.raises(ApplicationError) as exc:
            claims.decide_lines(actor=officer, claim=claim, lines=decisions)
        assert exc.value.code == code, decisions
    with pytest.raises(Forbidden):
        claims.decide_lines(
            actor=Actor.of(personas.inst_admin), claim=claim, lines=[(first.pk, 0, "x")]
        )
    claim.refresh_from_db()
    assert claim.status == "submitted"
    assert not JournalEntry.objects.filter(key=f"claim:{claim.pk}").exists()


def test_line_decisions_over_http_in_chinese(api_as, personas, claim):
    first, second = claim.lines.order_by("pk")
    api = api_as(personas.payer_officer, "zh-hans")
    url = f"/api/v1/billing/claims/{claim.pk}/transition"
    half = second.amount_fen // 2
    r = api.post(url, {"to": "partly_approved", "lines": [{"line_id": second.pk,
                 "approved_fen": second.amount_fen, "reason": "x"}]})  # fmt: skip
    assert (r.status_code, r.json()["code"]) == (422, "invalid_line_decision")
    assert "明细" in r.json()["message"]
    r = api.post(url, {"to": "partly_approved", "lines": [{"line_id": second.pk,
                 "approved_fen": half, "reason": "超出限额"}]})  # fmt: skip
    assert r.status_code == 200, r.content
    assert r.json()["approved_fen"] == first.amount_fen + half
    detail = api.get(f"/api/v1/billing/claims/{claim.pk}").json()
    assert [(ln["approved_fen"], ln["reason"]) for ln in detail["lines"]] == [
        (first.amount_fen, ""),
        (half, "超出限额"),
    ]
    # another institution's admin cannot see it
    other = api_as(personas.other_admin).post(url, {"to": "approved"})
    assert other.status_code == 404
    assert claims.claims_vs_ledger() == []
    assert selectors.check().ok
