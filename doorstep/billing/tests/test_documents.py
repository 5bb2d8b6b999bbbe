"""Statements, receipts and invoices as documents (ADR 0025): the PDF's text and the XLSX's
cells are read back and hold exactly the ledger's figures, in the user's language, with
Chinese printed by the vendored font."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from doorstep.billing import documents, statements
from doorstep.billing.fonts.build_font import CJK, source_characters
from doorstep.billing.statements import Period
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.people.tests import conftest as people_fixtures
from doorstep.workforce.tests import conftest as workforce_fixtures

from .finance_scene import build
from .pdftext import pdf_text

catalog = orders_fixtures.catalog
frozen = orders_fixtures.frozen
providers = orders_fixtures.providers
today = orders_fixtures.today
elder_a = people_fixtures.elder_a
staff = workforce_fixtures.staff

pytestmark = pytest.mark.django_db
JUNE = Period.month("2026-06")


@pytest.fixture
def scene(personas, world, elder_a, catalog, providers, frozen):  # type: ignore[no-untyped-def]
    return build(personas, world, elder_a, catalog, providers, frozen)


def test_statement_pdf_in_english_and_chinese(scene):
    st = statements.statement(scene.provider_account, JUNE)
    with translation.override("en"):
        text = pdf_text(documents.statement_pdf(st))
    assert "Settlement statement 2026-06" in text
    for figure in (
        "Opening balance",
        "¥0.00",
        "¥33.00",
        "-¥20.00",
        "¥13.00",
        "Companionship visit",
        "¥55.00",
    ):
        assert figure in text, figure
    assert "The patient ¥55.00" in text
    with translation.override("zh-hans"):
        zh = pdf_text(documents.statement_pdf(st))
    assert "结算单 2026-06" in zh
    assert "期初余额" in zh
    assert "期末余额" in zh
    assert "陪伴探访" in zh
    assert "\ufffd" not in zh


def test_statement_xlsx_figures(scene):
    st = statements.statement(scene.provider_account, JUNE)
    with translation.override("en"):
        data = documents.statement_xlsx(st)
    ws = load_workbook(io.BytesIO(data)).active
    rows = [tuple(c for c in r) for r in ws.iter_rows(values_only=True)]
    summary = {r[0]: r[1] for r in rows[6:13]}
    assert summary == {
        "Opening balance": 0,
        "Visits delivered": 33,
        "Cancellation fees": 0,
        "Refunds": 0,
        "Payouts": -20,
        "Adjustments and reversals": 0,
        "Closing balance": 13,
    }
    header = rows.index(
        (
            "Date",
            "Section",
            "What",
            "Order",
            "Visit",
            "Price (yuan)",
            "Paid by",
            "Amount (yuan)",
            "Entry",
        )
    )
    lines = rows[header + 1 :]
    assert [(r[1], r[3], r[4], r[5], r[7]) for r in lines] == [
        ("Visits delivered", scene.delivered.pk, scene.visit.pk, 55, 33),
        ("Payouts", None, None, None, -20),
    ]
    assert round(sum(r[7] for r in lines) * 100) == st.closing_fen - st.opening_fen
    with translation.override("zh-hans"):
        zh = load_workbook(io.BytesIO(documents.statement_xlsx(st))).active
    assert zh["A1"].value == "结算单"


def test_receipt_and_invoice(scene):
    with translation.override("en"):
        receipt = pdf_text(documents.receipt_pdf(scene.charge))
        invoice = pdf_text(documents.invoice_pdf(scene.cancelled))
    assert documents.receipt_number(scene.charge) in receipt
    assert "¥55.00" in receipt
    assert "Cash" in receipt
    assert f"#{scene.delivered.pk}" in receipt
    assert "Companionship visit" in receipt
    figures = documents.invoice_figures(scene.cancelled)
    assert (
        figures.total_fen,
        figures.paid_fen,
        figures.released_fen,
        figures.refunded_fen,
        figures.due_fen,
    ) == (5500, 5500, 5500, 5500, 0)
    assert figures.payers == (("self_pay", 5500),)
    assert "Invoice" in invoice
    assert "Refunded" in invoice
    assert "Due" in invoice
    with translation.override("zh-hans"):
        zh = pdf_text(documents.receipt_pdf(scene.charge))
    assert "收据" in zh
    assert "现金" in zh
    assert "\ufffd" not in zh


def test_vendored_font_covers_every_character_in_our_sources():
    """A catalogue or seed with a character outside the subset fails here: rebuild the
    font (see fonts/build_font.py)."""
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(documents.FONT)).getBestCmap()
    missing = sorted(c for c in source_characters() if ord(c) not in cmap)
    assert missing == []
    assert CJK.match("结")
    assert documents.FONT.stat().st_size < 1_200_000
