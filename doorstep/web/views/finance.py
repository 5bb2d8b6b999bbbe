"""Finance pages (issue 5, item 6; ADR 0025): settlement statements of the month with PDF and
XLSX downloads, the reconciliation report, and for platform admins the platform's fees,
payouts (record one) and the ledger's drift check; patient debts from refused payer
shares with a desk payment form (ADR 0033). Patients download their receipts and
invoices from the order page."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.billing import debts, documents, settlement, statements
from doorstep.billing.enums import Channel
from doorstep.billing.errors import InvalidMonth
from doorstep.billing.finance_access import (
    access_invoice_order,
    access_receipt_charge,
    access_statement_account,
    audit_download,
    finance_institutions,
    statement_accounts,
)
from doorstep.billing.models import Payout
from doorstep.billing.reconciliation import reconcile
from doorstep.core import clock
from doorstep.core.errors import ApplicationError, NotFound
from doorstep.core.masking import mask_name

from .common import role_page
from .loop_common import PATIENT_SIDE, error_text

FINANCE = (Role.INSTITUTION_ADMIN, Role.FINANCE_OFFICER, Role.PLATFORM_ADMIN)


def _period(raw: str) -> statements.Period:
    try:
        return statements.Period.month(raw)
    except InvalidMonth:
        return statements.Period.month(clock.today().strftime("%Y-%m"))


def _months(period: statements.Period) -> tuple[str, str]:
    prev = (period.start - dt.timedelta(days=1)).strftime("%Y-%m")
    nxt = period.end.strftime("%Y-%m") if period.end <= clock.today() else ""
    return prev, nxt


def _download(actor: Actor, st: statements.Statement, fmt: str) -> HttpResponse:
    audit_download(actor, f"statement_{fmt}", "account", st.account_id, st.institution_id)
    name = f"statement-{st.account_code.replace(':', '-')}-{st.period.label}.{fmt}"
    if fmt == "pdf":
        data, mime = documents.statement_pdf(st), documents.PDF_MIME
    else:
        data, mime = documents.statement_xlsx(st), documents.XLSX_MIME
    response = HttpResponse(data, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@role_page(*FINANCE)
def finance_home(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    period = _period(request.GET.get("month", ""))
    result = statements.monthly_settlement(period, accounts=statement_accounts(actor))
    platform = actor.is_platform_admin
    institutions = finance_institutions(actor)
    reports = (
        [reconcile(period)]
        if platform
        else [reconcile(period, institution_id=i) for i in institutions]
    )
    prev, nxt = _months(period)
    context = {
        "period": period,
        "prev": prev,
        "next": nxt,
        "statements": result,
        "reports": reports,
        "platform": platform,
        "fees": [s for s in result if s.subject_type == "platform"],
        "payouts": Payout.objects.filter(
            **({} if platform else {"account__institution_id__in": institutions})
        ).select_related("account")[:50],
        "payees": [s for s in result if s.subject_type in ("provider", "institution")],
        "payout_key": f"web-payout-{uuid.uuid4().hex[:20]}",
        # patient debt (ADR 0033): refused shares still owed, each with a fresh key
        "debts": [
            {
                "debt": d,
                "elder": mask_name(d.order.elder.full_name),
                "key": f"web-desk-{uuid.uuid4().hex[:24]}",
            }
            for d in debts.debts_for(actor, outstanding_only=True)[:100]
        ],
        "desk_channels": [
            (c, Channel(c).label) for c in (Channel.CASH, Channel.POS, Channel.INSURANCE_CARD)
        ],
    }
    return render(request, "web/finance.html", context)


@require_POST
@role_page(Role.INSTITUTION_ADMIN, Role.FINANCE_OFFICER, Role.PLATFORM_ADMIN)
def finance_debt_pay(request: HttpRequest, order_id: int, *, actor: Actor) -> HttpResponse:
    """Record at the desk a payment of what an insurer refused (cash, POS, insurance card
    with its receipt number), through ``billing.debts.pay_claim_debt``."""
    back = reverse("web:finance") + "#debts"
    order = debts.access_debt_order(actor=actor, order_id=order_id, for_payment=True)
    try:
        amount = int(request.POST.get("amount", ""))
    except ValueError:
        amount = -1
    try:
        charge, created = debts.pay_claim_debt(
            actor=actor,
            order=order,
            channel=request.POST.get("channel", ""),
            amount_fen=amount,
            idempotency_key=request.POST.get("idempotency_key", ""),
            receipt_no=request.POST.get("receipt_no", ""),
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        if created:
            messages.success(
                request,
                _("Payment recorded: %(amount)s.") % {"amount": documents.yuan(charge.amount_fen)},
            )
        else:
            messages.info(request, _("This payment was already recorded."))
    return redirect(back)


@role_page(
    Role.INSTITUTION_ADMIN, Role.FINANCE_OFFICER, Role.PLATFORM_ADMIN, Role.NURSE, Role.CAREGIVER
)
def finance_statement(request: HttpRequest, account_id: int, *, actor: Actor) -> HttpResponse:
    account = access_statement_account(actor=actor, account_id=account_id)
    period = _period(request.GET.get("month", ""))
    st = statements.statement(account, period)
    fmt = request.GET.get("format", "")
    if fmt in ("pdf", "xlsx"):
        return _download(actor, st, fmt)
    items = documents._item_names({ln.order_id for ln in st.lines if ln.order_id})
    prev, nxt = _months(period)
    return render(
        request,
        "web/finance_statement.html",
        {
            "st": st,
            "period": period,
            "prev": prev,
            "next": nxt,
            "summary": documents.summary_rows(st),
            "lines": [
                {
                    "line": ln,
                    "what": documents._line_what(ln, items),
                    "payers": documents._payers_text(ln),
                }
                for ln in st.lines
            ],
        },
    )


@role_page(Role.INSTITUTION_ADMIN, Role.FINANCE_OFFICER, Role.PLATFORM_ADMIN)
def finance_payout(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    back = reverse("web:finance") + f"?month={request.POST.get('month', '')}"
    if request.method != "POST":
        return redirect(back)
    try:
        account = access_statement_account(actor=actor, account_id=int(request.POST["account_id"]))
        yuan = request.POST.get("amount", "").strip()
        amount_fen = round(float(yuan) * 100) if yuan else 0
        row, created = settlement.payout(
            actor=actor,
            account=account,
            amount_fen=amount_fen,
            idempotency_key=request.POST.get("idempotency_key", ""),
            reference=request.POST.get("reference", ""),
        )
    except (KeyError, ValueError, NotFound):
        messages.error(request, _("Choose an account and enter the amount in yuan."))
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        if created:
            messages.success(
                request,
                _("Payout recorded: %(amount)s.") % {"amount": documents.yuan(row.amount_fen)},
            )
        else:
            messages.info(request, _("This payout was already recorded."))
    return redirect(back)


@role_page(*PATIENT_SIDE, Role.INSTITUTION_ADMIN, Role.FINANCE_OFFICER, Role.PLATFORM_ADMIN)
def order_receipt(
    request: HttpRequest, order_id: int, charge_id: int, *, actor: Actor
) -> HttpResponse:
    try:
        charge = access_receipt_charge(actor=actor, charge_id=charge_id)
    except ApplicationError as exc:
        raise NotFound() from exc
    if charge.order_id != order_id:
        raise NotFound()
    audit_download(actor, "receipt", "charge", charge.pk, charge.institution_id)
    response = HttpResponse(documents.receipt_pdf(charge), content_type=documents.PDF_MIME)
    response["Content-Disposition"] = (
        f'attachment; filename="receipt-{documents.receipt_number(charge)}.pdf"'
    )
    return response


@role_page(*PATIENT_SIDE, Role.INSTITUTION_ADMIN, Role.FINANCE_OFFICER, Role.PLATFORM_ADMIN)
def order_invoice(request: HttpRequest, order_id: int, *, actor: Actor) -> HttpResponse:
    order = access_invoice_order(actor=actor, order_id=order_id)
    audit_download(actor, "invoice", "order", order.pk, order.institution_id)
    response = HttpResponse(documents.invoice_pdf(order), content_type=documents.PDF_MIME)
    response["Content-Disposition"] = (
        f'attachment; filename="invoice-{documents.invoice_number(order)}.pdf"'
    )
    return response
