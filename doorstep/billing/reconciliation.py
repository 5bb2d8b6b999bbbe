"""The reconciliation report (issue 5, item 5; ADR 0025): the gateway's and the payment
services' records against the ledger, every mismatch listed with a stable code.

Each check is a function ``(scope) -> list[Mismatch]`` in ``CHECKS``; the report runs them
all over one period (records created, captured or posted in it; their counterparts are
looked up without a date limit) and, for the whole platform, adds the ledger's own drift
check (``selectors.check``). Codes:

    charge_without_entry           a captured charge has no ``payment_captured`` entry (a
                                   refused share's charge: no ``debt_paid`` entry, ADR 0033)
    charge_amount_differs          ... its entry moved another amount
    charges_share_entry            two captured charges point to one payment entry
    payment_entry_without_charge   a payment (or ``debt_paid``) entry has no captured charge
    refund_without_entry           a refund has no ``refund`` entry
    refund_amount_differs          ... its entry moved another amount
    refund_entry_without_refund    a refund entry has no refund row
    refunds_exceed_charge          a charge's refunds add up to more than it captured
    payout_without_entry           a payout has no ``payout`` entry
    payout_amount_differs          ... its entry moved another amount
    payout_entry_without_payout    a payout entry has no payout row
    capture_without_notification   a gateway charge was captured without an accepted
                                   notification from the gateway
    notification_without_capture   an accepted notification's charge is not captured
    notification_amount_differs    an accepted notification's amount is not the charge's
    charge_pending_stale           a gateway charge is still pending a day after it opened

    claim_<kind>                   payer claims against the ledger, from the claims module's
                                   ``billing.claims.claims_vs_ledger`` (run when that module
                                   provides it, see ``claim_checks``)
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, Sum

from doorstep.core.models import AuditEvent

from . import selectors
from .enums import Channel, ChargePurpose, ChargeStatus, EntryEvent
from .models import Charge, JournalEntry, JournalLine, Payout, Refund
from .statements import Period

STALE_AFTER = dt.timedelta(days=1)


@dataclass(frozen=True)
class Mismatch:
    code: str
    record: str  # "charge:12", "entry:34", "refund:5", "payout:7", "notification:<audit id>"
    institution_id: int | None
    expected_fen: int | None = None
    found_fen: int | None = None


@dataclass(frozen=True)
class Scope:
    period: Period
    institution_id: int | None  # None: the whole platform

    def entries(self, event: str) -> Any:
        qs = JournalEntry.objects.filter(
            event=event, posted_at__gte=self.period.start_at, posted_at__lt=self.period.end_at
        )
        if self.institution_id is not None:
            qs = qs.filter(institution_id=self.institution_id)
        return qs

    def by_institution(self, qs: Any, path: str = "institution_id") -> Any:
        return qs if self.institution_id is None else qs.filter(**{path: self.institution_id})

    def within(self, field_name: str) -> Q:
        return Q(
            **{f"{field_name}__gte": self.period.start_at, f"{field_name}__lt": self.period.end_at}
        )


@dataclass(frozen=True)
class Report:
    period: Period
    institution_id: int | None
    per_check: dict[str, int]  # mismatches found by each check
    mismatches: list[Mismatch]
    ledger: selectors.LedgerCheck | None = None
    extensions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and (self.ledger is None or self.ledger.ok)


def _moved(keys: list[str], event: str) -> dict[str, tuple[int, int, int | None]]:
    """``{key: (entry id, amount debited, order id)}`` of the entries of ``event``."""
    out: dict[str, tuple[int, int, int | None]] = {}
    if not keys:
        return out
    rows = (
        JournalLine.objects.filter(entry__event=event, entry__key__in=keys, amount_fen__gt=0)
        .values("entry_id", "entry__key", "entry__order_id")
        .annotate(t=Sum("amount_fen"))
        .order_by()
    )
    for row in rows:
        out[row["entry__key"]] = (row["entry_id"], int(row["t"]), row["entry__order_id"])
    return out


def _entry_amounts(qs: Any) -> list[tuple[int, str, int, int | None]]:
    rows = (
        JournalLine.objects.filter(entry_id__in=qs.values("id"), amount_fen__gt=0)
        .values("entry_id", "entry__key", "entry__institution_id")
        .annotate(t=Sum("amount_fen"))
        .order_by("entry_id")
    )
    return [(r["entry_id"], r["entry__key"], int(r["t"]), r["entry__institution_id"]) for r in rows]


def check_charges(scope: Scope) -> list[Mismatch]:
    charges = list(
        scope.by_institution(Charge.objects.filter(scope.within("captured_at")))
        .filter(status=ChargeStatus.CAPTURED)
        .order_by("id")
    )
    entries = _moved(
        [f"payment:{c.order_payment_id}" for c in charges if c.order_payment_id],
        EntryEvent.PAYMENT_CAPTURED,
    )
    debts = _moved(
        [f"charge:{c.pk}" for c in charges if c.purpose == ChargePurpose.DEBT],
        EntryEvent.DEBT_PAID,
    )
    out = []
    seen: dict[int, int] = {}
    for c in charges:
        rec = f"charge:{c.pk}"
        if c.purpose == ChargePurpose.DEBT:
            # A refused share paid (ADR 0033): its own ``debt_paid`` entry, no order payment.
            hit = debts.get(rec)
            if hit is None:
                out.append(
                    Mismatch("charge_without_entry", rec, c.institution_id, c.amount_fen, None)
                )
            elif hit[1] != c.amount_fen or hit[2] != c.order_id:
                out.append(
                    Mismatch("charge_amount_differs", rec, c.institution_id, c.amount_fen, hit[1])
                )
            continue
        hit = entries.get(f"payment:{c.order_payment_id}") if c.order_payment_id else None
        if hit is None:
            out.append(Mismatch("charge_without_entry", rec, c.institution_id, c.amount_fen, None))
            continue
        if hit[1] != c.amount_fen or hit[2] != c.order_id:
            out.append(
                Mismatch("charge_amount_differs", rec, c.institution_id, c.amount_fen, hit[1])
            )
        if c.order_payment_id in seen:
            out.append(Mismatch("charges_share_entry", rec, c.institution_id, None, None))
        seen[c.order_payment_id or 0] = c.pk
    return out


def check_payment_entries(scope: Scope) -> list[Mismatch]:
    rows = _entry_amounts(scope.entries(EntryEvent.PAYMENT_CAPTURED))
    ids = [int(k.split(":", 1)[1]) for _, k, _, _ in rows if k.split(":", 1)[1].isdigit()]
    captured = set(
        Charge.objects.filter(order_payment_id__in=ids, status=ChargeStatus.CAPTURED).values_list(
            "order_payment_id", flat=True
        )
    )
    out = []
    for entry_id, key, amount, inst in rows:
        ref = key.split(":", 1)[1]
        if not ref.isdigit() or int(ref) not in captured:
            out.append(
                Mismatch("payment_entry_without_charge", f"entry:{entry_id}", inst, None, amount)
            )
    rows = _entry_amounts(scope.entries(EntryEvent.DEBT_PAID))
    ids = [int(k.split(":", 1)[1]) for _, k, _, _ in rows if k.split(":", 1)[1].isdigit()]
    captured = set(
        Charge.objects.filter(
            pk__in=ids, purpose=ChargePurpose.DEBT, status=ChargeStatus.CAPTURED
        ).values_list("pk", flat=True)
    )
    for entry_id, key, amount, inst in rows:
        ref = key.split(":", 1)[1]
        if not ref.isdigit() or int(ref) not in captured:
            out.append(
                Mismatch("payment_entry_without_charge", f"entry:{entry_id}", inst, None, amount)
            )
    return out


def check_refunds(scope: Scope) -> list[Mismatch]:
    refunds = list(
        scope.by_institution(
            Refund.objects.filter(scope.within("created_at")).select_related("charge"),
            "charge__institution_id",
        ).order_by("id")
    )
    entries = _moved([f"refund:{r.pk}" for r in refunds], EntryEvent.REFUND)
    out = []
    for r in refunds:
        hit = entries.get(f"refund:{r.pk}")
        inst = r.charge.institution_id
        if hit is None:
            out.append(Mismatch("refund_without_entry", f"refund:{r.pk}", inst, r.amount_fen, None))
        elif hit[1] != r.amount_fen:
            out.append(
                Mismatch("refund_amount_differs", f"refund:{r.pk}", inst, r.amount_fen, hit[1])
            )
    rows = _entry_amounts(scope.entries(EntryEvent.REFUND))
    ids = {int(k.split(":", 1)[1]) for _, k, _, _ in rows if k.split(":", 1)[1].isdigit()}
    known = set(Refund.objects.filter(pk__in=ids).values_list("pk", flat=True))
    for entry_id, key, amount, inst_id in rows:
        ref = key.split(":", 1)[1]
        if not ref.isdigit() or int(ref) not in known:
            out.append(
                Mismatch("refund_entry_without_refund", f"entry:{entry_id}", inst_id, None, amount)
            )
    charge_ids = {r.charge_id for r in refunds}
    totals = (
        Refund.objects.filter(charge_id__in=charge_ids)
        .values("charge_id", "charge__amount_fen", "charge__institution_id", "charge__status")
        .annotate(t=Sum("amount_fen"))
        .order_by("charge_id")
    )
    for row in totals:
        captured = (
            row["charge__amount_fen"] if row["charge__status"] == ChargeStatus.CAPTURED else 0
        )
        if int(row["t"]) > captured:
            out.append(
                Mismatch(
                    "refunds_exceed_charge",
                    f"charge:{row['charge_id']}",
                    row["charge__institution_id"],
                    captured,
                    int(row["t"]),
                )
            )
    return out


def check_payouts(scope: Scope) -> list[Mismatch]:
    payouts = list(
        scope.by_institution(
            Payout.objects.filter(scope.within("created_at")).select_related("account"),
            "account__institution_id",
        ).order_by("id")
    )
    entries = _moved([f"payout:{p.pk}" for p in payouts], EntryEvent.PAYOUT)
    out = []
    for p in payouts:
        hit = entries.get(f"payout:{p.pk}")
        inst = p.account.institution_id
        if hit is None:
            out.append(Mismatch("payout_without_entry", f"payout:{p.pk}", inst, p.amount_fen, None))
        elif hit[1] != p.amount_fen:
            out.append(
                Mismatch("payout_amount_differs", f"payout:{p.pk}", inst, p.amount_fen, hit[1])
            )
    rows = _entry_amounts(scope.entries(EntryEvent.PAYOUT))
    ids = {int(k.split(":", 1)[1]) for _, k, _, _ in rows if k.split(":", 1)[1].isdigit()}
    known = set(Payout.objects.filter(pk__in=ids).values_list("pk", flat=True))
    for entry_id, key, amount, inst_id in rows:
        ref = key.split(":", 1)[1]
        if not ref.isdigit() or int(ref) not in known:
            out.append(
                Mismatch("payout_entry_without_payout", f"entry:{entry_id}", inst_id, None, amount)
            )
    return out


def check_notifications(scope: Scope) -> list[Mismatch]:
    """The sandbox gateway's accepted notifications (audited as ``billing.payment_captured``
    by the notification handler) against its charges."""
    accepted = list(
        AuditEvent.objects.filter(
            scope.within("at"), action="billing.payment_captured", object_type="charge"
        )
        .order_by("id")
        .values_list("id", "object_id", "details")
    )
    noted: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for audit_id, object_id, details in accepted:
        if str(object_id).isdigit():
            amount = (details or {}).get("amount_fen")
            noted[int(object_id)].append((audit_id, amount if isinstance(amount, int) else None))
    charges = {
        c.pk: c
        for c in Charge.objects.filter(
            Q(pk__in=list(noted)) | (scope.within("captured_at") & Q(channel=Channel.SANDBOX))
        )
    }
    out = []
    for charge_id, notes in sorted(noted.items()):
        c = charges.get(charge_id)
        if scope.institution_id is not None and (
            c is None or c.institution_id != scope.institution_id
        ):
            continue
        for audit_id, amount in notes:
            rec = f"notification:{audit_id}"
            if c is None or c.status != ChargeStatus.CAPTURED:
                inst = c.institution_id if c else None
                out.append(Mismatch("notification_without_capture", rec, inst, None, amount))
            elif amount != c.amount_fen:
                out.append(
                    Mismatch(
                        "notification_amount_differs", rec, c.institution_id, c.amount_fen, amount
                    )
                )
    for c in sorted(charges.values(), key=lambda c: c.pk):
        if scope.institution_id is not None and c.institution_id != scope.institution_id:
            continue
        if (
            c.channel == Channel.SANDBOX
            and c.status == ChargeStatus.CAPTURED
            and c.captured_at is not None
            and scope.period.start_at <= c.captured_at < scope.period.end_at
            and c.pk not in noted
            and not AuditEvent.objects.filter(
                action="billing.payment_captured", object_type="charge", object_id=str(c.pk)
            ).exists()
        ):
            out.append(
                Mismatch(
                    "capture_without_notification",
                    f"charge:{c.pk}",
                    c.institution_id,
                    c.amount_fen,
                    None,
                )
            )
    stale = scope.by_institution(
        Charge.objects.filter(
            scope.within("created_at"),
            channel=Channel.SANDBOX,
            status=ChargeStatus.PENDING,
            created_at__lt=min(scope.period.end_at, _now()) - STALE_AFTER,
        )
    ).order_by("id")
    out += [
        Mismatch("charge_pending_stale", f"charge:{c.pk}", c.institution_id, c.amount_fen, None)
        for c in stale
    ]
    return out


def _now() -> dt.datetime:
    from doorstep.core import clock

    return clock.now()


Check = Callable[[Scope], list[Mismatch]]

#: The checks the report runs, in order (the extension point: append a check here).
CHECKS: list[tuple[str, Check]] = [
    ("charges", check_charges),
    ("payment_entries", check_payment_entries),
    ("refunds", check_refunds),
    ("payouts", check_payouts),
    ("notifications", check_notifications),
]


def check_claims(scope: Scope) -> list[Mismatch]:
    """``billing.claims.claims_vs_ledger`` over the same institution and month, each of its
    findings as ``claim_<kind>`` (``lines_total``, ``claimed_vs_posted``,
    ``refused_vs_posted``, ``paid_vs_posted``, ``receivable``)."""
    claims = importlib.import_module("doorstep.billing.claims")
    label = scope.period.label
    rows = claims.claims_vs_ledger(
        institution_id=scope.institution_id, period=label if len(label) == 7 else None
    )
    return [
        Mismatch(
            f"claim_{row['kind']}",
            f"claim:{row['claim_id']}" if row.get("claim_id") else f"account:{row.get('account')}",
            scope.institution_id,
            row.get("expected_fen"),
            row.get("ledger_fen"),
        )
        for row in rows
    ]


def claim_checks() -> list[tuple[str, Check]]:
    """Payer claims against the ledger, when the claims module provides
    ``claims_vs_ledger(*, institution_id, period) -> list[dict]`` (issue 5, item 2)."""
    try:
        claims = importlib.import_module("doorstep.billing.claims")
    except ImportError:
        return []
    return [("claims", check_claims)] if callable(getattr(claims, "claims_vs_ledger", None)) else []


def reconcile(period: Period, *, institution_id: int | None = None) -> Report:
    """Run every check over ``period`` (one institution's records, or all and the
    ledger's drift check)."""
    scope = Scope(period, institution_id)
    checks = [*CHECKS, *claim_checks()]
    mismatches: list[Mismatch] = []
    per_check: dict[str, int] = {}
    for name, fn in checks:
        found = fn(scope)
        per_check[name] = len(found)
        mismatches += found
    ledger = selectors.check() if institution_id is None else None
    return Report(
        period=period,
        institution_id=institution_id,
        per_check=per_check,
        mismatches=mismatches,
        ledger=ledger,
        extensions=[n for n, _ in checks[len(CHECKS) :]],
    )
