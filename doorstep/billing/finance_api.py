"""Settlement API (issue 5, item 5; ADR 0025): statements (JSON, PDF, XLSX), the
reconciliation report, patients' receipts and invoices. Registered on the billing router.

Scope: a provider sees their own statement; an institution's admin or finance officer their
institution's and its providers'; platform admins every one (``accounts_visible_to``).
Receipts and invoices: the patient (the elder, linked family with consent), the
institution's admin or finance officer, platform admins. Anything else answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Schema

from doorstep.core.api import ERRORS, actor_of

from . import documents, errors, statements
from .api import router
from .finance_access import (
    access_invoice_order,
    access_receipt_charge,
    access_statement_account,
    audit_download,
    reconciliation_scope,
    statement_accounts,
)
from .reconciliation import reconcile


class PeriodQuery(Schema):
    month: str | None = Field(None, description="YYYY-MM (site time zone); or start and end.")
    start: str | None = Field(None, description="First day, YYYY-MM-DD.")
    end: str | None = Field(None, description="Day after the last, YYYY-MM-DD (at most a year).")
    institution_id: int | None = Field(None, description="Only this institution's accounts.")


class StatementQuery(PeriodQuery):
    format: str = Field("json", description="json, pdf or xlsx.")


class PayerShareOut(Schema):
    payer: str
    payer_label: str
    amount_fen: int


class LineOut(Schema):
    entry_id: int
    posted_at: dt.datetime
    event: str
    section: str
    order_id: int | None
    visit_id: int | None
    price_fen: int
    payers: list[PayerShareOut]
    amount_fen: int = Field(description="Change of what is owed to the account holder, fen.")


class StatementSummaryOut(Schema):
    account_id: int
    account_code: str
    subject_type: str
    subject_id: int | None
    institution_id: int | None
    name: str
    period: str
    opening_fen: int
    totals: dict[str, int]
    closing_fen: int
    lines_count: int


class StatementListOut(Schema):
    period: str
    items: list[StatementSummaryOut]


class StatementOut(StatementSummaryOut):
    lines: list[LineOut]


def _summary(st: statements.Statement) -> dict[str, Any]:
    return {
        "account_id": st.account_id,
        "account_code": st.account_code,
        "subject_type": st.subject_type,
        "subject_id": st.subject_id,
        "institution_id": st.institution_id,
        "name": st.name,
        "period": st.period.label,
        "opening_fen": st.opening_fen,
        "totals": st.totals,
        "closing_fen": st.closing_fen,
        "lines_count": len(st.lines),
    }


def _line(ln: statements.Line) -> dict[str, Any]:
    return {
        "entry_id": ln.entry_id,
        "posted_at": timezone.localtime(ln.posted_at),
        "event": ln.event,
        "section": ln.section,
        "order_id": ln.order_id,
        "visit_id": ln.visit_id,
        "price_fen": ln.price_fen,
        "payers": [
            {"payer": p, "payer_label": documents.payer_label(p), "amount_fen": v}
            for p, v in ln.payers
        ],
        "amount_fen": ln.amount_fen,
    }


def _period(q: PeriodQuery) -> statements.Period:
    return statements.Period.of(month=q.month, start=q.start, end=q.end)


def _file(data: bytes, mime: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get("/billing/statements", response={200: StatementListOut, **ERRORS})
def list_statements(request: HttpRequest, filters: Query[PeriodQuery]) -> Any:
    """The period's settlement statements the caller may see (providers: their own;
    institution admins and finance officers: their institution's and its providers';
    platform admins: all), one summary each: opening, totals by section, closing."""
    actor = actor_of(request)
    period = _period(filters)
    accounts = statement_accounts(actor, institution_id=filters.institution_id)
    result = statements.monthly_settlement(period, accounts=accounts)
    return {"period": period.label, "items": [_summary(s) for s in result]}


@router.get("/billing/statements/{account_id}", response={200: StatementOut, **ERRORS})
def get_statement(request: HttpRequest, account_id: int, filters: Query[StatementQuery]) -> Any:
    """One account's statement with every line; ``format=pdf`` or ``xlsx`` downloads it
    (in the caller's language; audited)."""
    actor = actor_of(request)
    if filters.format not in ("json", "pdf", "xlsx"):
        raise errors.InvalidFormat(details={"format": filters.format})
    account = access_statement_account(actor=actor, account_id=account_id)
    st = statements.statement(account, _period(filters))
    if filters.format == "json":
        return {**_summary(st), "lines": [_line(ln) for ln in st.lines]}
    audit_download(
        actor, f"statement_{filters.format}", "account", account.pk, account.institution_id
    )
    name = f"statement-{account.code.replace(':', '-')}-{st.period.label}.{filters.format}"
    if filters.format == "pdf":
        return _file(documents.statement_pdf(st), documents.PDF_MIME, name)
    return _file(documents.statement_xlsx(st), documents.XLSX_MIME, name)


class MismatchOut(Schema):
    code: str
    record: str
    institution_id: int | None
    expected_fen: int | None
    found_fen: int | None


class LedgerOut(Schema):
    ok: bool
    entries: int
    unbalanced: int
    short: int
    drifting_accounts: list[str]
    total_fen: int


class ReconciliationOut(Schema):
    period: str
    institution_id: int | None
    ok: bool
    mismatches: list[MismatchOut]
    per_check: dict[str, int]
    ledger: LedgerOut | None = Field(description="Platform-wide drift check (platform admins).")


@router.get("/billing/reconciliation", response={200: ReconciliationOut, **ERRORS})
def get_reconciliation(request: HttpRequest, filters: Query[PeriodQuery]) -> Any:
    """Every mismatch between payment records and the ledger in the period (codes in
    docs/api.md). Institution admins and finance officers: their institution's records;
    platform admins: all, or one institution, plus the ledger's drift check."""
    actor = actor_of(request)
    institution_id = reconciliation_scope(actor, filters.institution_id)
    report = reconcile(_period(filters), institution_id=institution_id)
    led = report.ledger
    return {
        "period": report.period.label,
        "institution_id": institution_id,
        "ok": report.ok,
        "mismatches": [m.__dict__ for m in report.mismatches],
        "per_check": report.per_check,
        "ledger": None
        if led is None
        else {
            "ok": led.ok,
            "entries": led.entries,
            "unbalanced": len(led.unbalanced),
            "short": len(led.short),
            "drifting_accounts": sorted(led.drift),
            "total_fen": led.total_fen,
        },
    }


@router.get("/billing/payments/{charge_id}/receipt", response={200: None, **ERRORS})
def get_receipt(request: HttpRequest, charge_id: int) -> HttpResponse:
    """The receipt of a captured payment (PDF, in the caller's language; audited). 409
    ``receipt_not_available`` while the payment is not captured."""
    actor = actor_of(request)
    charge = access_receipt_charge(actor=actor, charge_id=charge_id)
    audit_download(actor, "receipt", "charge", charge.pk, charge.institution_id)
    name = f"receipt-{documents.receipt_number(charge)}.pdf"
    return _file(documents.receipt_pdf(charge), documents.PDF_MIME, name)


@router.get("/billing/orders/{order_id}/invoice", response={200: None, **ERRORS})
def get_invoice(request: HttpRequest, order_id: int) -> HttpResponse:
    """The invoice of an order (PDF): price lines, each payer's share, paid, refunded,
    due. In the caller's language; audited."""
    actor = actor_of(request)
    order = access_invoice_order(actor=actor, order_id=order_id)
    audit_download(actor, "invoice", "order", order.pk, order.institution_id)
    return _file(
        documents.invoice_pdf(order),
        documents.PDF_MIME,
        f"invoice-{documents.invoice_number(order)}.pdf",
    )


# --- the monthly payout run (ADR 0029) ------------------------------------------------------


class PayoutRunIn(Schema):
    month: str = Field(description="A month that has ended, YYYY-MM.")
    institution_id: int | None = Field(None, description="One institution (staff: required).")
    reference: str = Field("", max_length=64, description="Bank batch reference.")


class PayoutRunLineOut(Schema):
    account_id: int
    account: str
    owed_fen: int = Field(description="Held at the month's end, net of later payouts, fen.")
    paid_fen: int
    payout_id: int | None
    created: bool = Field(description="False: paid by an earlier run of the month.")


class PayoutRunOut(Schema):
    month: str
    paid_now_fen: int = Field(description="Paid by this call, fen.")
    lines: list[PayoutRunLineOut]


@router.post("/billing/payout-runs", response={200: PayoutRunOut, **ERRORS})
def payout_run(request: HttpRequest, payload: PayoutRunIn) -> Any:
    """Pay out every provider and institution payable what it held at the end of an ended
    month. Running it again pays nothing twice (409 ``period_not_closed`` for a month not
    over). Platform admins (all institutions, or one); an institution's admin or finance
    officer for their own (``institution_id``; else 404)."""
    from doorstep.core.errors import Forbidden, NotFound

    from .settlement import payout_run as run

    actor = actor_of(request)
    period = statements.Period.month(payload.month)
    try:
        lines = run(
            actor=actor,
            period=period,
            institution_id=payload.institution_id,
            reference=payload.reference,
        )
    except Forbidden as exc:
        raise NotFound() from exc
    return {
        "month": period.label,
        "paid_now_fen": sum(ln.paid_fen for ln in lines if ln.created),
        "lines": [
            {
                "account_id": ln.account_id,
                "account": ln.account_code,
                "owed_fen": ln.owed_fen,
                "paid_fen": ln.paid_fen,
                "payout_id": ln.payout_id,
                "created": ln.created,
            }
            for ln in lines
        ],
    }
