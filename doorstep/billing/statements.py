"""Settlement statements (issue 5, item 5; ADR 0025): what a provider, an institution or the
platform was owed over a period, derived from the immutable journal only.

A statement of one payable account for ``[start, end)``: the opening balance (every line
posted before ``start``), each line posted in the period (a visit earned with its price,
each payer's share and the account's own share; a cancellation fee; a payout; a reversal
or adjustment), and the closing balance (opening plus the period's lines), shown on the
account's normal side (what is owed). Nothing is stored: the journal never changes, so a
closed period's statement is the same whenever it is made, and the last period's closing
balance is the account's running balance.

Pure-ish: ``build`` reads the journal in a handful of queries (openings, the period's
entries with all their lines, the orders' payer lines, names) and computes in Python;
``monthly_settlement`` is every provider and institution statement of a period (pages,
API, the ``settlement`` command and ``benchmarks/settlement_bench.py`` use it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Q, Subquery, Sum
from django.utils import timezone

from . import errors, journal
from .enums import AccountType, EntryEvent
from .models import Account, JournalLine

#: Payable accounts that get statements.
SUBJECT_TYPES = (AccountType.PROVIDER, AccountType.INSTITUTION, AccountType.PLATFORM)
SELF_PAY = "self_pay"
#: A visit's or a fee's price is what its entry debits these accounts (the deferred revenue
#: released, or the patient and payers charged a fee); incentives the platform funds move
#: between payables and do not count.
PRICE_TYPES = frozenset({AccountType.DEFERRED, AccountType.PATIENT, AccountType.PAYER})
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
MAX_DAYS = 366

#: Statement sections, in print order; an event not listed is an adjustment.
SECTION_OF: dict[str, str] = {
    EntryEvent.VISIT_COMPLETED: "visit",
    EntryEvent.CANCELLATION_FEE: "fee",
    EntryEvent.REFUND: "refund",
    EntryEvent.PAYOUT: "payout",
}
SECTIONS = ("visit", "fee", "refund", "payout", "adjustment")


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in whole days of the site's time zone."""

    start: dt.date
    end: dt.date

    @classmethod
    def month(cls, raw: str) -> Period:
        m = MONTH_RE.match(raw or "")
        if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 2000:
            raise errors.InvalidMonth(details={"month": raw})
        year, month = int(m.group(1)), int(m.group(2))
        return cls(dt.date(year, month, 1), dt.date(year + month // 12, month % 12 + 1, 1))

    @classmethod
    def of(
        cls, *, month: str | None = None, start: str | None = None, end: str | None = None
    ) -> Period:
        """A month (``YYYY-MM``) or any range of days (``start`` inclusive, ``end``
        exclusive, ISO dates, at most a year); ``invalid_period`` otherwise."""
        if start or end:
            try:
                s, e = dt.date.fromisoformat(start or ""), dt.date.fromisoformat(end or "")
            except ValueError as exc:
                raise errors.InvalidPeriod(details={"start": start, "end": end}) from exc
            if not s < e or (e - s).days > MAX_DAYS:
                raise errors.InvalidPeriod(details={"start": start, "end": end})
            return cls(s, e)
        return cls.month(month or "")

    @property
    def label(self) -> str:
        nxt = Period.month(self.start.strftime("%Y-%m")).end
        if self.start.day == 1 and self.end == nxt:
            return self.start.strftime("%Y-%m")
        return f"{self.start.isoformat()}..{(self.end - dt.timedelta(days=1)).isoformat()}"

    @property
    def start_at(self) -> dt.datetime:
        tz = timezone.get_current_timezone()
        return dt.datetime(self.start.year, self.start.month, self.start.day, tzinfo=tz)

    @property
    def end_at(self) -> dt.datetime:
        tz = timezone.get_current_timezone()
        return dt.datetime(self.end.year, self.end.month, self.end.day, tzinfo=tz)


@dataclass(frozen=True)
class Line:
    """One journal line of the statement's account in the period. ``amount_fen`` is the
    change to what is owed to the account's owner (positive: earned; negative: paid out or
    taken back). ``price_fen`` and ``payers`` are set for visits and cancellation fees: the
    whole amount the entry split and who pays it (``self_pay`` is the patient)."""

    entry_id: int
    posted_at: dt.datetime
    event: str
    key: str
    section: str
    order_id: int | None
    visit_id: int | None
    price_fen: int
    payers: tuple[tuple[str, int], ...]
    amount_fen: int


@dataclass(frozen=True)
class Statement:
    account_id: int
    account_code: str
    subject_type: str
    subject_id: int | None
    institution_id: int | None
    name: str
    period: Period
    opening_fen: int
    lines: tuple[Line, ...]
    closing_fen: int
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def type_label(self) -> str:
        """What the account is, in the active language (e.g. "Provider payable")."""
        return str(AccountType(self.subject_type).label)

    @property
    def ties(self) -> bool:
        """Opening plus every line is the closing balance, and the section totals add up
        to the period's movement."""
        moved = sum(ln.amount_fen for ln in self.lines)
        return (
            self.opening_fen + moved
            == self.closing_fen
            == self.opening_fen + sum(self.totals.values())
        )

    @property
    def price_total_fen(self) -> int:
        return sum(ln.price_fen for ln in self.lines)

    def section(self, name: str) -> list[Line]:
        return [ln for ln in self.lines if ln.section == name]


def _visit_id(event: str, key: str) -> int | None:
    if event in (EntryEvent.VISIT_COMPLETED, EntryEvent.CANCELLATION_FEE) and key.startswith(
        "visit:"
    ):
        try:
            return int(key.split(":", 1)[1])
        except ValueError:
            return None
    return None


def _payer_shares(
    price: int, order_debits: Sequence[tuple[str, int]]
) -> tuple[tuple[str, int], ...]:
    """Each payer's share of ``price``, pro rata to what each was charged for the order
    (its ``order_placed`` debits), rounded down; the patient (``self_pay``) takes the
    rounding. Without the order's entry everything is self-paid."""
    total = sum(a for _, a in order_debits)
    if total <= 0 or price <= 0:
        return ((SELF_PAY, price),) if price else ()
    shares: dict[str, int] = {}
    for payer, amount in order_debits:
        if payer != SELF_PAY:
            shares[payer] = shares.get(payer, 0) + amount * price // total
    rest = price - sum(shares.values())
    out = [(p, v) for p, v in sorted(shares.items()) if v]
    if rest:
        out.append((SELF_PAY, rest))
    return tuple(out)


def _names(accounts: Iterable[Account]) -> dict[int, str]:
    from doorstep.organizations.models import Institution
    from doorstep.workforce.models import Provider

    accs = list(accounts)
    prov = [a.owner_id for a in accs if a.type == AccountType.PROVIDER and a.owner_id]
    inst = [a.owner_id for a in accs if a.type == AccountType.INSTITUTION and a.owner_id]
    zh = _lang_is_zh()
    prov_names = {
        p.pk: (p.user.display_name or p.user.username)
        for p in Provider.objects.filter(pk__in=prov).select_related("user")
    }
    inst_names = {
        i.pk: (i.name_zh if zh else i.name_en) or i.name_zh
        for i in Institution.objects.filter(pk__in=inst)
    }
    out: dict[int, str] = {}
    for a in accs:
        if a.type == AccountType.PROVIDER:
            out[a.pk] = prov_names.get(a.owner_id or 0, a.code)
        elif a.type == AccountType.INSTITUTION:
            out[a.pk] = inst_names.get(a.owner_id or 0, a.code)
        else:
            out[a.pk] = "Doorstep"
    return out


def _lang_is_zh() -> bool:
    from django.utils import translation

    return (translation.get_language() or "").lower().startswith("zh")


def build(accounts: Sequence[Account], period: Period) -> list[Statement]:
    """The statements of ``accounts`` for ``period`` (in the order given)."""
    accs = [a for a in accounts if a.type in SUBJECT_TYPES]
    if not accs:
        return []
    ids = [a.pk for a in accs]
    start, end = period.start_at, period.end_at
    subject_q = Q(account_id__in=ids) if len(ids) <= 500 else Q(account__type__in=SUBJECT_TYPES)
    openings = {
        row["account_id"]: int(row["t"] or 0)
        for row in JournalLine.objects.filter(subject_q, entry__posted_at__lt=start)
        .values("account_id")
        .annotate(t=Sum("amount_fen"))
        .order_by()
    }
    in_period = JournalLine.objects.filter(
        subject_q, entry__posted_at__gte=start, entry__posted_at__lt=end
    )
    rows = list(
        JournalLine.objects.filter(entry_id__in=Subquery(in_period.values("entry_id")))
        .values_list(
            "entry_id",
            "account_id",
            "account__type",
            "amount_fen",
            "entry__event",
            "entry__key",
            "entry__posted_at",
            "entry__order_id",
        )
        .order_by("entry__posted_at", "entry_id", "id")
    )
    credited: dict[int, int] = defaultdict(int)
    order_ids: set[int] = set()
    for entry_id, _a, type_, amount, _e, _k, _p, order_id in rows:
        if amount > 0 and type_ in PRICE_TYPES:
            credited[entry_id] += amount
        if order_id:
            order_ids.add(order_id)
    debits: dict[int, list[tuple[str, int]]] = defaultdict(list)
    if order_ids:
        orders_q = in_period.exclude(entry__order_id=None).values("entry__order_id")
        for order_id, code, type_, amount in JournalLine.objects.filter(
            entry__event=EntryEvent.ORDER_PLACED,
            entry__order_id__in=Subquery(orders_q),
            amount_fen__gt=0,
            account__type__in=(AccountType.PATIENT, AccountType.PAYER),
        ).values_list("entry__order_id", "account__code", "account__type", "amount_fen"):
            payer = SELF_PAY if type_ == AccountType.PATIENT else code.split(":")[1]
            debits[order_id or 0].append((payer, int(amount)))
    by_account: dict[int, list[Line]] = defaultdict(list)
    wanted = set(ids)
    kinds = {a.pk: a.kind for a in accs}
    for entry_id, account_id, _t, amount, event, key, posted_at, order_id in rows:
        if account_id not in wanted:
            continue
        section = SECTION_OF.get(event, "adjustment")
        is_visit = section in ("visit", "fee")
        price = credited[entry_id] if is_visit else 0
        by_account[account_id].append(
            Line(
                entry_id=entry_id,
                posted_at=posted_at,
                event=event,
                key=key,
                section=section,
                order_id=order_id,
                visit_id=_visit_id(event, key),
                price_fen=price,
                payers=_payer_shares(price, debits.get(order_id or 0, ())) if is_visit else (),
                amount_fen=journal.shown(kinds[account_id], amount),
            )
        )
    names = _names(accs)
    out = []
    for a in accs:
        lines = tuple(by_account.get(a.pk, ()))
        opening = journal.shown(a.kind, openings.get(a.pk, 0))
        totals = {s: 0 for s in SECTIONS}
        for ln in lines:
            totals[ln.section] += ln.amount_fen
        out.append(
            Statement(
                account_id=a.pk,
                account_code=a.code,
                subject_type=a.type,
                subject_id=a.owner_id,
                institution_id=a.institution_id,
                name=names[a.pk],
                period=period,
                opening_fen=opening,
                lines=lines,
                closing_fen=opening + sum(ln.amount_fen for ln in lines),
                totals=totals,
            )
        )
    return out


def statement(account: Account, period: Period) -> Statement:
    result = build([account], period)
    if not result:
        raise errors.InvalidPayee(details={"account": account.code})
    return result[0]


def monthly_settlement(
    period: Period, *, institution_id: int | None = None, accounts: Iterable[Account] | None = None
) -> list[Statement]:
    """Every provider and institution statement of ``period`` (one institution's, or all;
    plus the platform's when all), institutions first, then providers by name. Accounts
    without opening balance and without lines in the period are left out."""
    qs = Account.objects.filter(type__in=SUBJECT_TYPES)
    if accounts is not None:
        qs = qs.filter(pk__in=[a.pk for a in accounts])
    if institution_id is not None:
        qs = qs.filter(institution_id=institution_id)
    result = build(list(qs.order_by("type", "code")), period)
    order: dict[str, int] = {
        AccountType.PLATFORM: 0,
        AccountType.INSTITUTION: 1,
        AccountType.PROVIDER: 2,
    }
    kept = [s for s in result if s.lines or s.opening_fen]
    return sorted(kept, key=lambda s: (order[s.subject_type], s.name, s.account_id))
