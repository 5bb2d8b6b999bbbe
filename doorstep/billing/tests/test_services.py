"""Posting, replaying, refusing and reversing journal entries through the services."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.accounts.policy import Actor
from doorstep.billing import accounts as acct
from doorstep.billing import errors, journal, selectors, services
from doorstep.billing.enums import EntryEvent
from doorstep.billing.models import Account, JournalEntry, JournalLine
from doorstep.billing.services import EntrySpec, cr, dr
from doorstep.core.audit import AuditEvent

pytestmark = pytest.mark.django_db

CASH = acct.clearing("cash")
PATIENT = acct.patient(7)
PROVIDER = acct.provider(3, None)
PLATFORM = acct.platform()


def balance(ref: acct.Ref) -> int:
    return Account.objects.get(code=ref.code).balance_fen


def counts() -> tuple[int, int, list[tuple[str, int]]]:
    return (
        JournalEntry.objects.count(),
        JournalLine.objects.count(),
        sorted(Account.objects.values_list("code", "balance_fen")),
    )


def pay(key: str = "payment:1", amount: int = 12000) -> JournalEntry:
    return services.post_entry(
        event=EntryEvent.PAYMENT_CAPTURED,
        key=key,
        postings=[dr(CASH, amount), cr(PATIENT, amount)],
    )


def test_post_entry_writes_lines_opens_accounts_and_moves_balances() -> None:
    entry = pay()
    assert sorted(entry.lines.values_list("account__code", "amount_fen")) == [
        ("clearing:cash", 12000),
        ("patient:7", -12000),
    ]
    assert balance(CASH) == 12000
    assert balance(PATIENT) == -12000
    patient = Account.objects.get(code="patient:7")
    assert (patient.type, patient.kind, patient.owner_id) == ("patient", "asset", 7)
    assert selectors.check().ok


def test_same_key_same_lines_is_a_replay() -> None:
    first = pay()
    before = counts()
    again = pay()
    assert again.pk == first.pk
    assert counts() == before


def test_same_key_other_amount_is_refused_and_changes_nothing() -> None:
    pay()
    before = counts()
    with pytest.raises(errors.KeyReused) as exc:
        pay(amount=9000)
    assert exc.value.code == "ledger_key_reused"
    assert exc.value.status == 409
    assert counts() == before


@pytest.mark.parametrize(
    "postings",
    [
        [dr(CASH, 100), cr(PATIENT, 99)],
        [dr(CASH, 100)],
        [dr(CASH, 0), cr(PATIENT, 0)],
    ],
)
def test_unbalanced_entry_is_refused_and_writes_nothing(postings: list[Any]) -> None:
    with pytest.raises(errors.UnbalancedEntry) as exc:
        services.post_entry(event=EntryEvent.ADJUSTMENT, key="x", postings=postings)
    assert exc.value.code == "unbalanced_entry"
    assert counts() == (0, 0, [])


def test_unknown_event_is_refused() -> None:
    with pytest.raises(errors.UnbalancedEntry):
        services.post_entry(event="gift", key="x", postings=[dr(CASH, 1), cr(PATIENT, 1)])
    assert counts() == (0, 0, [])


def test_no_overdraw_refuses_a_payout_beyond_the_balance() -> None:
    services.post_entry(
        event=EntryEvent.VISIT_COMPLETED,
        key="visit:1",
        postings=[dr(CASH, 5000), cr(PROVIDER, 5000)],
    )
    before = counts()
    with pytest.raises(errors.InsufficientBalance) as exc:
        services.post_entry(
            event=EntryEvent.PAYOUT,
            key="payout:1",
            postings=[dr(PROVIDER, 5001), cr(CASH, 5001)],
            no_overdraw=[PROVIDER.code],
        )
    assert exc.value.details == {"account": "provider:3", "balance_fen": 5000, "needed_fen": 5001}
    assert counts() == before
    services.post_entry(
        event=EntryEvent.PAYOUT,
        key="payout:2",
        postings=[dr(PROVIDER, 5000), cr(CASH, 5000)],
        no_overdraw=[PROVIDER.code],
    )
    assert balance(PROVIDER) == 0


def test_reverse_entry_posts_the_mirror_once_and_is_audited(platform_actor: Actor) -> None:
    entry = pay()
    mirror = services.reverse_entry(actor=platform_actor, entry=entry, reason="wrong amount")
    assert mirror.reverses_id == entry.pk
    assert mirror.event == "reversal"
    assert sorted(mirror.lines.values_list("account__code", "amount_fen")) == [
        ("clearing:cash", -12000),
        ("patient:7", 12000),
    ]
    assert balance(CASH) == 0
    assert balance(PATIENT) == 0
    assert AuditEvent.objects.filter(action="ledger.reverse", object_id=str(entry.pk)).count() == 1
    before = counts()
    with pytest.raises(errors.AlreadyReversed):
        services.reverse_entry(actor=platform_actor, entry=entry, reason="again")
    with pytest.raises(errors.ReversalNotReversible):
        services.reverse_entry(actor=platform_actor, entry=mirror, reason="undo the undo")
    with pytest.raises(errors.ReasonRequired):
        services.reverse_entry(actor=platform_actor, entry=pay("payment:2"), reason="  ")
    assert counts()[0] == before[0] + 1  # only payment:2 was added
    assert selectors.check().ok


def test_journal_rows_cannot_be_updated() -> None:
    entry = pay()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        JournalLine.objects.filter(entry=entry).update(amount_fen=1)
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).update(memo="edited")
    assert sorted(entry.lines.values_list("amount_fen", flat=True)) == [-12000, 12000]


def test_post_entries_batches_replays_and_refuses_as_a_whole() -> None:
    pay("payment:1")
    specs = [
        EntrySpec(
            event=EntryEvent.PAYMENT_CAPTURED,
            key=f"payment:{i}",
            postings=[dr(CASH, 12000), cr(PATIENT, 12000)],
        )
        for i in range(1, 4)
    ]
    posted = services.post_entries(specs=specs)
    assert [e.key for e in posted] == ["payment:1", "payment:2", "payment:3"]
    assert JournalEntry.objects.count() == 3
    assert balance(CASH) == 36000
    before = counts()
    bad = [
        *specs,
        EntrySpec(
            event=EntryEvent.PAYMENT_CAPTURED,
            key="payment:1",
            postings=[dr(CASH, 1), cr(PATIENT, 1)],
        ),
    ]
    with pytest.raises(errors.KeyReused):
        services.post_entries(specs=bad)
    with pytest.raises(errors.UnbalancedEntry):
        services.post_entries(
            specs=[
                EntrySpec(event=EntryEvent.ADJUSTMENT, key="new", postings=[dr(CASH, 1)]),
            ]
        )
    assert counts() == before
    assert selectors.check().ok


def test_check_ledger_command_reports_drift() -> None:
    pay()
    out = StringIO()
    call_command("check_ledger", stdout=out)
    assert "Ledger balanced: 1 entries, no drift." in out.getvalue()
    Account.objects.filter(code="patient:7").update(balance_fen=-11000)  # tampered
    out = StringIO()
    with pytest.raises(CommandError, match="ledger drift found"):
        call_command("check_ledger", stdout=out)
    assert "account patient:7: stored -11000 != derived -12000 fen" in out.getvalue()


REFS = [CASH, PATIENT, PROVIDER, PLATFORM, acct.payer("ltci"), acct.refunds()]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(REFS) - 1),
            st.integers(0, len(REFS) - 1),
            st.integers(1, 10**6),
            st.integers(0, 5),
        ),
        max_size=15,
    )
)
def test_random_postings_keep_the_ledger_balanced(moves: list[tuple[int, int, int, int]]) -> None:
    """Random transfers (some repeating a key with other amounts, which must be refused):
    the stored balances always equal a pure replay of the accepted entries."""
    # The database is not emptied between examples: start from what is already posted.
    accepted: dict[str, tuple[journal.Line, ...]] = {
        e.key: tuple(
            journal.Line(c, a) for c, a in e.lines.values_list("account__code", "amount_fen")
        )
        for e in JournalEntry.objects.prefetch_related("lines")
    }
    for a, b, amount, key in moves:
        if a == b:
            continue
        k = f"t:{key}"
        lines = journal.check(
            [journal.debit(REFS[a].code, amount), journal.credit(REFS[b].code, amount)]
        )
        try:
            services.post_entry(
                event=EntryEvent.ADJUSTMENT,
                key=k,
                postings=[dr(REFS[a], amount), cr(REFS[b], amount)],
            )
        except errors.KeyReused:
            assert sorted(accepted[k]) != sorted(lines)
            continue
        accepted.setdefault(k, lines)
    want = journal.balances(accepted.values())
    have = {c: b for c, b in selectors.stored_balances().items()}
    assert {c: v for c, v in have.items() if v} == {c: v for c, v in want.items() if v}
    assert selectors.check().ok
