"""Property (hypothesis): whatever the payer decides line by line on a two-line claim
(approve in full, refuse in part, refuse all), each share's refused part is what its line
lost, they add up to claimed minus approved, the ledger balances, the payer's receivable
holds exactly what is still owed, and once the patient pays the debt of every order her
account is back where it was before the decision (ADR 0033)."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.accounts.policy import Actor
from doorstep.billing import claims, debts, selectors
from doorstep.billing.models import Account, Claim, PayerShare
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

from . import test_claim_lines
from .test_claims import LTC

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff
claim = test_claim_lines.claim

pytestmark = pytest.mark.django_db

#: Per line: the approved share in basis points of the line (10000: approved in full).
DECISIONS = st.lists(st.integers(0, 10000), min_size=2, max_size=2)


def _balance(code: str) -> int:
    found = Account.objects.filter(code=code).first()
    return found.balance_fen if found else 0


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(DECISIONS)
def test_per_line_decisions_keep_debt_and_ledger_in_step(
    personas, elder_a, claim: Claim, decisions: list[int]
) -> None:
    officer, desk = Actor.of(personas.payer_officer), Actor.of(personas.inst_admin)
    patient = f"patient:{elder_a.pk}"
    with transaction.atomic():
        before = _balance(patient)
        lines = list(claim.lines.order_by("pk"))
        approved = {
            ln.pk: ln.amount_fen if bp == 10000 else ln.amount_fen * bp // 10000
            for ln, bp in zip(lines, decisions, strict=True)
        }
        refused = {ln.pk: ln.amount_fen - approved[ln.pk] for ln in lines}
        if not any(refused.values()):
            claims.approve(actor=officer, claim=claim)
        elif not any(approved.values()):
            claims.reject(actor=officer, claim=claim, reason="Refused")
        else:
            claims.decide_lines(
                actor=officer,
                claim=claim,
                lines=[(pk, approved[pk], "Part") for pk in refused if refused[pk]],
            )
        decided = Claim.objects.get(pk=claim.pk)
        for ln in lines:
            assert PayerShare.objects.get(pk=ln.share_id).rejected_fen == refused[ln.pk]
        assert sum(refused.values()) == decided.claimed_fen - (decided.approved_fen or 0)
        assert _balance(patient) == before + sum(refused.values())
        assert _balance(LTC) == sum(approved.values())
        assert claims.claims_vs_ledger() == []
        assert selectors.check().ok
        for d in debts.debts_for(desk, outstanding_only=True):
            debts.pay_claim_debt(
                actor=desk,
                order=d.order,
                channel="cash",
                amount_fen=d.outstanding_fen,
                idempotency_key=f"prop-debt-{d.order_id}",
            )
        assert debts.debts_for(desk, outstanding_only=True) == []
        assert _balance(patient) == before
        assert selectors.check().ok
        transaction.set_rollback(True)
