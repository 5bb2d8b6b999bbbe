"""Concurrent decisions on one claim on PostgreSQL (real threads and connections): two
officers approving at once make exactly one approval; an approval raced with a rejection
leaves exactly one decision and the other is refused with ``claim_transition``; two
"paid" records post the payment once."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.billing import claims, selectors
from doorstep.billing.models import Claim, ClaimEvent, JournalEntry
from doorstep.billing.tests.payer_scene import insure, publish_ningbo_rules
from doorstep.billing.tests.test_claims import deliver
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

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def claim(personas, world, elder_a, catalog, providers, frozen) -> Claim:
    publish_ningbo_rules(world, personas)
    insure(elder_a, personas)
    deliver(personas, world, elder_a, catalog.dressing, providers.nurse, frozen)
    made = claims.submit_claims(
        actor=Actor.of(personas.inst_admin), institution=world.inst_a, period="2026-06"
    )
    return next(c for c in made if c.payer == "long_term_care")


def test_two_concurrent_approvals_make_exactly_one(personas: Any, claim: Claim) -> None:
    officer = Actor.of(personas.payer_officer)
    result = race(2, lambda _i: claims.approve(actor=officer, claim=claim))
    assert result == Counter({f"ok:{claim.pk}": 2})
    assert ClaimEvent.objects.filter(claim=claim, to_status="approved").count() == 1
    assert Claim.objects.get(pk=claim.pk).status == "approved"


def test_approval_raced_with_rejection_one_decision(personas: Any, claim: Claim) -> None:
    officer = Actor.of(personas.payer_officer)

    def decide(i: int) -> Any:
        if i % 2:
            return claims.reject(actor=officer, claim=claim, reason="Level expired")
        return claims.approve(actor=officer, claim=claim)

    result = race(2, decide)
    assert result == Counter({f"ok:{claim.pk}": 1, "claim_transition": 1})
    decided = ClaimEvent.objects.filter(claim=claim).exclude(to_status="submitted")
    assert decided.count() == 1
    status = Claim.objects.get(pk=claim.pk).status
    assert status == decided.get().to_status
    rejected_entries = JournalEntry.objects.filter(event="claim_rejected").count()
    assert rejected_entries == (1 if status == "rejected" else 0)
    assert selectors.check().ok


def test_two_concurrent_payments_post_once(personas: Any, claim: Claim) -> None:
    officer = Actor.of(personas.payer_officer)
    claims.approve(actor=officer, claim=claim)
    result = race(4, lambda _i: claims.mark_paid(actor=officer, claim=claim, reference="R1"))
    assert result == Counter({f"ok:{claim.pk}": 4})
    assert JournalEntry.objects.filter(event="claim_paid").count() == 1
    assert selectors.check().ok
    assert claims.claims_vs_ledger() == []
