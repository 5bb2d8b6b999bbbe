"""Printable money documents (issue 5, item 5; ADR 0025): settlement statements as PDF and
XLSX, a patient's receipt per captured payment and invoice per order as PDF.

Every document is written in the language active when it is made (the user's language on
a page or an API call) with the vendored CJK font (``fonts/DoorstepSansSC.otf``, a subset
of Noto Sans CJK SC), falling back to a system Noto CJK font for a character outside the
subset when one is installed. The figures come from ``statements`` and the ledger, never
from the page that asked for them.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from openpyxl import Workbook

from . import accounts as acct
from .enums import AccountType, Channel, ChargePurpose, ChargeStatus, EntryEvent
from .models import Charge, JournalLine, PayerShare, Refund
from .statements import SELF_PAY, Line, Statement

FONT = Path(__file__).resolve().parent / "fonts" / "DoorstepSansSC.otf"
SYSTEM_CJK = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
)
PDF_MIME = "application/pdf"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def _zh() -> bool:
    return (get_language() or "").lower().startswith("zh")


def payer_label(code: str) -> str:
    from doorstep.people.enums import InsuranceScheme

    if code == SELF_PAY:
        return _("The patient")
    try:
        return str(InsuranceScheme(code).label)
    except ValueError:
        return code


def section_label(section: str) -> str:
    return {
        "visit": _("Visits delivered"),
        "fee": _("Cancellation fees"),
        "refund": _("Refunds"),
        "payout": _("Payouts"),
        "adjustment": _("Adjustments and reversals"),
    }[section]


def subject_label(subject_type: str) -> str:
    return str(AccountType(subject_type).label)


def _local(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


class _Doc(FPDF):
    """An A4 page with the CJK font, a title block and numbered pages."""

    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc_title = title
        self.set_title(title)
        self.set_creator("Doorstep")
        self.add_font("ds", fname=str(FONT))
        fallbacks = []
        for i, path in enumerate(SYSTEM_CJK):
            if path.exists():
                self.add_font(f"sys{i}", fname=str(path), collection_font_number=2)
                fallbacks.append(f"sys{i}")
                break
        if fallbacks:
            self.set_fallback_fonts(fallbacks)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)
        self.alias_nb_pages()
        self.add_page()

    def header(self) -> None:
        self.set_font("ds", size=9)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, "Doorstep", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("ds", size=8)
        page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(0, 5, page, align="C")

    def heading(self, text: str, size: int = 16) -> None:
        self.set_font("ds", size=size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def pairs(self, rows: Sequence[tuple[str, str]]) -> None:
        self.set_font("ds", size=10)
        for label, value in rows:
            self.cell(60, 6, label)
            self.multi_cell(0, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def grid(
        self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]
    ) -> None:
        self.set_font("ds", size=9)
        self.set_fill_color(235, 235, 235)
        for h, w in zip(header, widths, strict=True):
            self.cell(w, 7, h, border=1, fill=True)
        self.ln()
        for row in rows:
            if self.will_page_break(7):
                self.add_page()
            for i, (v, w) in enumerate(zip(row, widths, strict=True)):
                align = "R" if i == len(row) - 1 or header[i].startswith("¥") else "L"
                self.cell(w, 7, self._fit(v, w), border=1, align=align)
            self.ln()
        self.ln(3)

    def _fit(self, text: str, width: float) -> str:
        if self.get_string_width(text) <= width - 2:
            return text
        while text and self.get_string_width(text + "…") > width - 2:
            text = text[:-1]
        return text + "…"

    def bytes(self) -> bytes:
        return bytes(self.output())


# -- statements ------------------------------------------------------------------------


def _item_names(order_ids: set[int]) -> dict[int, str]:
    from doorstep.orders.models import Order

    zh = _zh()
    out = {}
    for oid, zh_name, en_name in Order.objects.filter(pk__in=order_ids).values_list(
        "pk", "item__name_zh", "item__name_en"
    ):
        out[oid] = (zh_name if zh else en_name) or zh_name or en_name
    return out


def _line_what(ln: Line, items: dict[int, str]) -> str:
    name = items.get(ln.order_id or 0, "")
    event = str(EntryEvent(ln.event).label) if ln.event in EntryEvent.values else ln.event
    if ln.section == "visit":
        return name or event
    if ln.section == "fee":
        return f"{event} · {name}" if name else event
    return event


def _payers_text(ln: Line) -> str:
    return "; ".join(f"{payer_label(p)} {yuan(v)}" for p, v in ln.payers)


def summary_rows(st: Statement) -> list[tuple[str, int]]:
    return [
        (_("Opening balance"), st.opening_fen),
        *(
            (section_label(s), st.totals.get(s, 0))
            for s in ("visit", "fee", "refund", "payout", "adjustment")
        ),
        (_("Closing balance"), st.closing_fen),
    ]


def statement_pdf(st: Statement) -> bytes:
    title = _("Settlement statement")
    doc = _Doc(title)
    doc.heading(f"{title} {st.period.label}")
    doc.pairs(
        [
            (_("Account holder"), f"{st.name} ({subject_label(st.subject_type)})"),
            (_("Account"), st.account_code),
            (
                _("Period"),
                f"{st.period.start.isoformat()} – {(st.period.end - dt.timedelta(days=1)).isoformat()}",
            ),
            (_("Made on"), _local(timezone.now())),
        ]
    )
    doc.grid(
        [_("Summary"), "¥"],
        [(label, yuan(v)) for label, v in summary_rows(st)],
        [130, 50],
    )
    items = _item_names({ln.order_id for ln in st.lines if ln.order_id})
    header = [_("Date"), _("What"), _("Visit"), _("Price"), _("Paid by"), _("Amount")]
    rows = [
        (
            _local(ln.posted_at),
            _line_what(ln, items),
            str(ln.visit_id or ""),
            yuan(ln.price_fen) if ln.price_fen else "",
            _payers_text(ln),
            yuan(ln.amount_fen),
        )
        for ln in st.lines
    ]
    doc.heading(_("Entries"), size=12)
    if rows:
        doc.grid(header, rows, [30, 42, 14, 24, 46, 24])
    else:
        doc.pairs([(_("No entries in this period."), "")])
    doc.set_font("ds", size=8)
    doc.multi_cell(
        0,
        4,
        _(
            "Made from the ledger's journal, which is never edited: the closing balance is the "
            "opening balance plus every entry above, and the statement of a closed period is the "
            "same whenever it is made."
        ),
    )
    return doc.bytes()


def statement_xlsx(st: Statement) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("Statement")[:31]
    money = "#,##0.00"
    ws.append([_("Settlement statement"), st.period.label])
    ws.append([_("Account holder"), st.name])
    ws.append([_("Account type"), subject_label(st.subject_type)])
    ws.append([_("Account"), st.account_code])
    ws.append([])
    ws.append([_("Summary"), _("Amount (yuan)")])
    for label, value in summary_rows(st):
        ws.append([label, value / 100])
        ws.cell(row=ws.max_row, column=2).number_format = money
    ws.append([])
    header = [
        _("Date"),
        _("Section"),
        _("What"),
        _("Order"),
        _("Visit"),
        _("Price (yuan)"),
        _("Paid by"),
        _("Amount (yuan)"),
        _("Entry"),
    ]
    ws.append(header)
    items = _item_names({ln.order_id for ln in st.lines if ln.order_id})
    for ln in st.lines:
        ws.append(
            [
                timezone.localtime(ln.posted_at).replace(tzinfo=None),
                section_label(ln.section),
                _line_what(ln, items),
                ln.order_id,
                ln.visit_id,
                ln.price_fen / 100 if ln.price_fen else None,
                _payers_text(ln),
                ln.amount_fen / 100,
                ln.entry_id,
            ]
        )
        r = ws.max_row
        ws.cell(row=r, column=1).number_format = "yyyy-mm-dd hh:mm"
        ws.cell(row=r, column=6).number_format = money
        ws.cell(row=r, column=8).number_format = money
    for col, width in zip("ABCDEFGHI", (18, 22, 28, 9, 9, 13, 40, 15, 9), strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def settlement_xlsx(statements: Sequence[Statement]) -> bytes:
    """One sheet, one row per statement (an institution's month at a glance)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("Settlement")[:31]
    labels = [label for label, _v in summary_rows(statements[0])] if statements else []
    ws.append([_("Account holder"), _("Account type"), _("Account"), *labels])
    for st in statements:
        ws.append(
            [
                st.name,
                subject_label(st.subject_type),
                st.account_code,
                *(v / 100 for _l, v in summary_rows(st)),
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- receipts and invoices ---------------------------------------------------------------


@dataclass(frozen=True)
class Shares:
    payers: tuple[tuple[str, int], ...]


def order_payer_shares(order: Any) -> tuple[tuple[str, int], ...]:
    """Who owes what of the order (its ``order_placed`` debits); everything self-paid
    when the entry names no payer."""
    rows = JournalLine.objects.filter(
        entry__event=EntryEvent.ORDER_PLACED,
        entry__order_id=order.pk,
        amount_fen__gt=0,
        account__type__in=(AccountType.PATIENT, AccountType.PAYER),
    ).values_list("account__type", "account__code", "amount_fen")
    out: dict[str, int] = {}
    for type_, code, amount in rows:
        key = SELF_PAY if type_ == AccountType.PATIENT else code.split(":")[1]
        out[key] = out.get(key, 0) + int(amount)
    if not out:
        return ((SELF_PAY, order.total_fen),) if order.total_fen else ()
    return tuple(sorted(out.items(), key=lambda kv: (kv[0] == SELF_PAY, kv[0])))


def receipt_number(charge: Charge) -> str:
    """Our receipt number: stable per captured charge."""
    at = timezone.localtime(charge.captured_at or charge.created_at)
    return f"R{at:%Y%m}-{charge.pk:08d}"


def _channel_label(channel: str) -> str:
    try:
        return str(Channel(channel).label)
    except ValueError:
        return channel


def _order_pairs(order: Any) -> list[tuple[str, str]]:
    from doorstep.web.templatetags.doorstep_web import local_name

    return [
        (_("Order"), f"#{order.pk}"),
        (_("Service"), local_name(order.item)),
        (_("Provided by"), local_name(order.institution)),
        (_("Patient"), order.elder.full_name),
    ]


def receipt_pdf(charge: Charge) -> bytes:
    order = charge.order
    title = _("Payment receipt")
    doc = _Doc(title)
    doc.heading(title)
    refunded = Refund.objects.filter(charge=charge).aggregate(t=Sum("amount_fen"))["t"] or 0
    doc.pairs(
        [
            (_("Receipt number"), receipt_number(charge)),
            (_("Date paid"), _local(charge.captured_at or charge.created_at)),
            (_("Amount paid"), yuan(charge.amount_fen)),
            (_("Payment method"), _channel_label(charge.channel)),
            *(
                [(_("Paid for"), _("The share the insurer refused"))]
                if charge.purpose == ChargePurpose.DEBT
                else []
            ),
            *([(_("Terminal or card receipt"), charge.receipt_no)] if charge.receipt_no else []),
            *([(_("Gateway transaction"), charge.gateway_txn)] if charge.gateway_txn else []),
            *_order_pairs(order),
            *([(_("Refunded"), yuan(refunded))] if refunded else []),
        ]
    )
    shares = order_payer_shares(order)
    if shares:
        doc.heading(_("Who pays the order"), size=12)
        doc.grid(
            [_("Payer"), _("Amount")], [(payer_label(p), yuan(v)) for p, v in shares], [130, 50]
        )
    return doc.bytes()


@dataclass(frozen=True)
class InvoiceFigures:
    price_lines: tuple[tuple[str, int], ...]
    total_fen: int
    payers: tuple[tuple[str, int], ...]
    paid_fen: int
    refunded_fen: int
    released_fen: int
    fees_fen: int
    due_fen: int
    #: What insurers refused of the order's shares (owed by the patient, ADR 0033) ...
    refused_fen: int = 0
    #: ... and what the patient paid of it.
    debt_paid_fen: int = 0


def invoice_figures(order: Any) -> InvoiceFigures:
    """The order's money from the ledger: what the patient was charged (their share of the
    locked total), paid, refunded, released by cancellations, owed in fees; ``due`` is the
    patient's balance over the order's entries (negative: money held for them)."""
    zh = _zh()
    lines = tuple(
        (
            str(
                (ln.get("label_zh") if zh else ln.get("label_en"))
                or ln.get("label_en")
                or ln.get("code", "")
            ),
            int(ln.get("amount_fen", 0)),
        )
        for ln in (order.price_lines or [])
    )
    code = acct.patient(order.elder_id).code
    sums = {
        event: int(t or 0)
        for event, t in JournalLine.objects.filter(entry__order_id=order.pk, account__code=code)
        .values_list("entry__event")
        .annotate(t=Sum("amount_fen"))
        .order_by()
    }
    # The refused shares moved to the patient per claim (no order on the entry); their
    # payments are the order's ``debt_paid`` entries (ADR 0033).
    refused = int(
        PayerShare.objects.filter(order_id=order.pk).aggregate(t=Sum("rejected_fen"))["t"] or 0
    )
    due = sum(sums.values()) + refused
    return InvoiceFigures(
        price_lines=lines,
        total_fen=order.total_fen,
        payers=order_payer_shares(order),
        paid_fen=-sums.get(EntryEvent.PAYMENT_CAPTURED, 0),
        refunded_fen=sums.get(EntryEvent.REFUND, 0),
        released_fen=-sums.get(EntryEvent.VISIT_CANCELLED, 0),
        fees_fen=sums.get(EntryEvent.CANCELLATION_FEE, 0),
        due_fen=due,
        refused_fen=refused,
        debt_paid_fen=-sums.get(EntryEvent.DEBT_PAID, 0),
    )


def invoice_number(order: Any) -> str:
    return f"INV{timezone.localtime(order.created_at):%Y%m}-{order.pk:08d}"


def invoice_pdf(order: Any) -> bytes:
    f = invoice_figures(order)
    title = _("Invoice")
    doc = _Doc(title)
    doc.heading(title)
    doc.pairs(
        [
            (_("Invoice number"), invoice_number(order)),
            (_("Date of order"), _local(order.created_at)),
            *_order_pairs(order),
        ]
    )
    doc.grid(
        [_("Price"), _("Amount")],
        [*((label, yuan(v)) for label, v in f.price_lines), (_("Total"), yuan(f.total_fen))],
        [130, 50],
    )
    if f.payers:
        doc.grid(
            [_("Payer"), _("Amount")], [(payer_label(p), yuan(v)) for p, v in f.payers], [130, 50]
        )
    rows = [(_("Paid"), yuan(f.paid_fen))]
    if f.released_fen:
        rows.append((_("Released by cancellations"), yuan(f.released_fen)))
    if f.fees_fen:
        rows.append((_("Cancellation fees"), yuan(f.fees_fen)))
    if f.refused_fen:
        rows.append((_("Refused by the insurer, owed by you"), yuan(f.refused_fen)))
        rows.append((_("Paid of the refused share"), yuan(f.debt_paid_fen)))
    rows.append((_("Refunded"), yuan(f.refunded_fen)))
    if f.due_fen >= 0:
        rows.append((_("Due"), yuan(f.due_fen)))
    else:
        rows.append((_("Held for you (to be refunded)"), yuan(-f.due_fen)))
    doc.grid([_("Payments"), _("Amount")], rows, [130, 50])
    return doc.bytes()


def captured_charges(order: Any) -> list[Charge]:
    return list(
        Charge.objects.filter(order=order, status=ChargeStatus.CAPTURED).order_by(
            "captured_at", "id"
        )
    )
