"""Claims to payers (ADR 0023 addendum): institution A submits one claim per payer for
the payer shares of the visits it delivered in June 2026; the payer's officer approves,
partly approves or rejects; payment is recorded. Every move posts the right balanced
entry; an illegal move is 409 ``claim_transition`` and changes nothing; a repeated move
answers the claim as it is. Exports carry what the payer needs and are audited."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from doorstep.accounts.policy import Actor
from doorstep.billing import claims, selectors
from doorstep.billing.enums import CLAIM_TRANSITIONS, ClaimStatus
from doorstep.billing.errors import ClaimTransition, InvalidApprovedAmount, NothingToClaim
from doorstep.billing.models import Account, Claim, ClaimEvent, JournalEntry, PayerShare
from doorstep.billing.tests.payer_scene import expected, insure, publish_ningbo_rules
from doorstep.core.errors import Forbidden, NotFound
from doorstep.core.models import AuditEvent
from doorstep.orders import services
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import GOOD_VALUES, HOME, fresh, in_service
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff

pytestmark = pytest.mark.django_db

BASIC = "payer:resident_basic:330200"
LTC = "payer:long_term_care:330200"


def deliver(personas: Any, world: Any, elder: Any, item: Any, nurse: Any, frozen: Any) -> Any:
    visit = in_service(personas, world, elder, item, nurse, frozen)
    actor = Actor.of(nurse.user)
    services.submit_record(actor=actor, visit=visit, values=GOOD_VALUES)
    services.check_out(actor=actor, visit=fresh(visit), lat=HOME[0], lng=HOME[1])
    return fresh(visit)


@pytest.fixture
def delivered(personas, world, elder_a, catalog, providers, frozen) -> Any:
    publish_ningbo_rules(world, personas)
    insure(elder_a, personas)
    return deliver(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)


@pytest.fixture
def submitted(personas, world, delivered) -> dict[str, Claim]:
    made = claims.submit_claims(
        actor=Actor.of(personas.inst_admin), institution=world.inst_a, period="2026-06"
    )
    return {c.payer: c for c in made}


def balance(code: str) -> int:
    return Account.objects.get(code=code).balance_fen


def lines(key: str, event: str) -> list[tuple[str, int]]:
    entry = JournalEntry.objects.get(event=event, key=key)
    return sorted(entry.lines.values_list("account__code", "amount_fen"))


def test_transitions_table() -> None:
    assert CLAIM_TRANSITIONS[ClaimStatus.SUBMITTED] == {
        ClaimStatus.APPROVED,
        ClaimStatus.PARTLY_APPROVED,
        ClaimStatus.REJECTED,
    }
    assert CLAIM_TRANSITIONS[ClaimStatus.REJECTED] == frozenset()
    assert CLAIM_TRANSITIONS[ClaimStatus.PAID] == frozenset()


def test_submit_makes_one_claim_per_payer_of_the_delivered_visit(
    personas, world, delivered, submitted
):
    want = expected(delivered.price_fen)
    assert {p: c.claimed_fen for p, c in submitted.items()} == {
        "resident_basic": want["resident_basic"],
        "long_term_care": want["long_term_care"],
    }
    basic = submitted["resident_basic"]
    assert basic.status == "submitted"
    assert basic.account_code == BASIC
    assert basic.lines.get().share.visit_id == delivered.pk
    assert ClaimEvent.objects.filter(claim=basic, to_status="submitted").count() == 1
    # nothing left to claim: a second submission is refused and writes nothing
    with pytest.raises(NothingToClaim):
        claims.submit_claims(
            actor=Actor.of(personas.inst_admin), institution=world.inst_a, period="2026-06"
        )
    assert Claim.objects.count() == 2


def test_only_the_institutions_finance_staff_submit(personas, world, delivered):
    for who in (personas.nurse, personas.other_admin, personas.payer_officer):
        with pytest.raises(Forbidden):
            claims.submit_claims(actor=Actor.of(who), institution=world.inst_a, period="2026-06")
    assert not Claim.objects.exists()


def test_undelivered_visits_are_not_claimed(personas, world, elder_a, catalog, providers, frozen):
    publish_ningbo_rules(world, personas)
    insure(elder_a, personas)
    in_service(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    with pytest.raises(NothingToClaim):
        claims.submit_claims(
            actor=Actor.of(personas.inst_admin), institution=world.inst_a, period="2026-06"
        )


def test_approve_then_paid_posts_the_payment_from_the_payer(personas, submitted):
    officer = Actor.of(personas.payer_officer)
    claim = submitted["long_term_care"]
    owed = balance(LTC)
    assert owed == claim.claimed_fen
    approved = claims.approve(actor=officer, claim=claim)
    assert (approved.status, approved.approved_fen) == ("approved", claim.claimed_fen)
    assert not JournalEntry.objects.filter(key=f"claim:{claim.pk}").exists()
    paid = claims.mark_paid(actor=officer, claim=claim, reference="LTC-2026-07-001")
    assert (paid.status, paid.paid_fen, paid.paid_reference) == (
        "paid",
        claim.claimed_fen,
        "LTC-2026-07-001",
    )
    assert lines(f"claim:{claim.pk}", "claim_paid") == [
        ("clearing:payer:long_term_care:330200", claim.claimed_fen),
        (LTC, -claim.claimed_fen),
    ]
    assert balance(LTC) == 0
    assert selectors.check().ok
    assert claims.claims_vs_ledger() == []
    # repeated: the same answer, no second event or entry
    again = claims.mark_paid(actor=officer, claim=claim, reference="LTC-2026-07-001")
    assert again.status == "paid"
    assert ClaimEvent.objects.filter(claim=claim, to_status="paid").count() == 1


def test_partly_approved_moves_the_refused_part_to_the_patient(
    personas, elder_a, delivered, submitted
):
    officer = Actor.of(personas.payer_officer)
    claim = submitted["resident_basic"]
    approved = claim.claimed_fen - 1000
    out = claims.partly_approve(
        actor=officer, claim=claim, approved_fen=approved, reason="Consumables not covered"
    )
    assert (out.status, out.approved_fen, out.reason) == (
        "partly_approved",
        approved,
        "Consumables not covered",
    )
    assert lines(f"claim:{claim.pk}", "claim_rejected") == [
        (f"patient:{elder_a.pk}", 1000),
        (BASIC, -1000),
    ]
    share = PayerShare.objects.get(visit=delivered, payer="resident_basic")
    assert share.rejected_fen == 1000
    assert claim.lines.get().approved_fen == approved
    paid = claims.mark_paid(actor=officer, claim=claim)
    assert paid.paid_fen == approved
    assert balance(BASIC) == 0
    assert selectors.check().ok
    assert claims.claims_vs_ledger() == []


def test_rejected_moves_the_whole_claim_to_the_patient(personas, elder_a, submitted):
    officer = Actor.of(personas.payer_officer)
    claim = submitted["long_term_care"]
    patient_before = balance(f"patient:{elder_a.pk}")
    out = claims.reject(actor=officer, claim=claim, reason="Disability level expired")
    assert (out.status, out.approved_fen) == ("rejected", 0)
    assert lines(f"claim:{claim.pk}", "claim_rejected") == [
        (f"patient:{elder_a.pk}", claim.claimed_fen),
        (LTC, -claim.claimed_fen),
    ]
    assert balance(LTC) == 0
    assert balance(f"patient:{elder_a.pk}") == patient_before + claim.claimed_fen
    assert claims.claims_vs_ledger() == []


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("rejected", "approved"),
        ("rejected", "paid"),
        ("approved", "rejected"),
        ("approved", "partly_approved"),
        ("submitted", "paid"),
    ],
)
def test_illegal_moves_are_409_and_change_nothing(personas, submitted, first, then):
    officer = Actor.of(personas.payer_officer)
    claim = submitted["resident_basic"]
    if first != "submitted":
        claims.transition(actor=officer, claim=claim, to=first, reason="r")
    before = (
        Claim.objects.get(pk=claim.pk).status,
        ClaimEvent.objects.count(),
        JournalEntry.objects.count(),
        AuditEvent.objects.count(),
    )
    with pytest.raises(ClaimTransition) as exc:
        claims.transition(actor=officer, claim=claim, to=then, approved_fen=1, reason="r")
    assert exc.value.status == 409
    assert exc.value.details == {"status": first, "to": then}
    after = (
        Claim.objects.get(pk=claim.pk).status,
        ClaimEvent.objects.count(),
        JournalEntry.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == before


def test_a_partial_amount_must_be_between_zero_and_the_claim(personas, submitted):
    officer = Actor.of(personas.payer_officer)
    claim = submitted["resident_basic"]
    for amount in (0, claim.claimed_fen, claim.claimed_fen + 1):
        with pytest.raises(InvalidApprovedAmount):
            claims.partly_approve(actor=officer, claim=claim, approved_fen=amount, reason="x")
    assert Claim.objects.get(pk=claim.pk).status == "submitted"


def test_only_payer_officers_of_the_region_decide(personas, submitted):
    claim = submitted["resident_basic"]
    for who in (personas.inst_admin, personas.platform_admin, personas.other_regulator):
        with pytest.raises(Forbidden):
            claims.approve(actor=Actor.of(who), claim=claim)
    assert Claim.objects.get(pk=claim.pk).status == "submitted"


def test_scope_of_reads(personas, submitted):
    claim = submitted["resident_basic"]
    for who in ("payer_officer", "inst_admin", "platform_admin"):
        assert claims.access_claim(actor=Actor.of(getattr(personas, who)), claim_id=claim.pk)
    for who in ("other_admin", "nurse", "elder", "regulator", "nobody"):
        with pytest.raises(NotFound):
            claims.access_claim(actor=Actor.of(getattr(personas, who)), claim_id=claim.pk)


def test_exports_carry_what_the_payer_needs_and_are_audited(personas, submitted, delivered):
    actor = Actor.of(personas.payer_officer)
    claim = submitted["resident_basic"]
    name, ctype, data = claims.export_claim(actor=actor, claim=claim, fmt="csv")
    assert name == f"{claim.number}-resident_basic-330200-2026-06.csv"
    assert ctype.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][9] == "Insurance number"
    line = rows[1]
    assert line[8] == "王秀英"
    assert line[9] == "330203195203150025"  # the scheme's own number, in full
    assert line[10] == "110***********002X"  # the resident ID, masked
    assert int(line[15]) == claim.claimed_fen
    name, ctype, data = claims.export_claim(actor=actor, claim=claim, fmt="xlsx")
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    assert ws.cell(row=2, column=9).value == "王秀英"
    assert ws.cell(row=2, column=16).value == claim.claimed_fen
    exports = AuditEvent.objects.filter(action="billing.claim_exported", object_id=str(claim.pk))
    assert [e.details["format"] for e in exports.order_by("id")] == ["csv", "xlsx"]


def test_claims_vs_ledger_finds_a_claim_that_differs_from_its_lines(personas, submitted):
    claim = submitted["long_term_care"]
    assert claims.claims_vs_ledger() == []
    Claim.objects.filter(pk=claim.pk).update(claimed_fen=claim.claimed_fen + 5)
    found = claims.claims_vs_ledger()
    assert found == [
        {
            "kind": "lines_total",
            "claim_id": claim.pk,
            "account": LTC,
            "expected_fen": claim.claimed_fen,
            "ledger_fen": claim.claimed_fen + 5,
        }
    ]


def test_spread_by_hand() -> None:
    assert claims.spread(1000, [3000, 1000]) == [750, 250]
    assert claims.spread(3, [1, 1, 1]) == [1, 1, 1]
    assert claims.spread(2, [1, 1, 1]) == [1, 1, 0]
