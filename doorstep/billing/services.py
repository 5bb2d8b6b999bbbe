"""Writes of the ledger (ADR 0021): the one way money moves in Doorstep.

``post_entry`` posts one balanced entry for one business event; ``post_entries`` posts
many in one transaction (settlement, imports); ``reverse_entry`` undoes an entry by
posting its mirror. Every other billing service (payments, claims, payouts) calls these.

Idempotent by ``(event, key)``: posting the same event and key again returns the first
entry when the lines are the same, and refuses with ``ledger_key_reused`` when they are
not. Running balances are updated in the same transaction, one UPDATE per account in
account-id order (so concurrent postings cannot deadlock on each other's accounts).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction

from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock

from . import errors, journal
from .accounts import Ref
from .enums import KIND_OF, EntryEvent
from .models import Account, JournalEntry, JournalLine


@dataclass(frozen=True, slots=True)
class Posting:
    """Debit (``amount_fen`` > 0) or credit (< 0) of the account ``ref``."""

    ref: Ref
    amount_fen: int


def dr(ref: Ref, amount_fen: int) -> Posting:
    return Posting(ref, amount_fen)


def cr(ref: Ref, amount_fen: int) -> Posting:
    return Posting(ref, -amount_fen)


@dataclass(frozen=True)
class EntrySpec:
    """One entry to post: what happened (``event``), to what (``key``), and the lines."""

    event: str
    key: str
    postings: Sequence[Posting]
    institution_id: int | None = None
    order_id: int | None = None
    memo: str = ""
    #: Accounts that must not end on the wrong side of zero (e.g. a provider's payable
    #: paid out beyond what is owed): the posting is refused with ``insufficient_balance``.
    no_overdraw: frozenset[str] = field(default_factory=frozenset)
    #: When the event happened, for entries posted after the fact (the demo's history, an
    #: import); by default the time of posting.
    posted_at: dt.datetime | None = None


#: ``EntryEvent.values`` (Django rebuilds that list on every access).
EVENTS = frozenset(EntryEvent.values)


def _checked(spec: EntrySpec) -> tuple[tuple[journal.Line, ...], dict[str, Ref]]:
    if spec.event not in EVENTS:
        raise errors.UnbalancedEntry(details={"event": spec.event})
    refs: dict[str, Ref] = {}
    for p in spec.postings:
        known = refs.setdefault(p.ref.code, p.ref)
        if known != p.ref:
            raise errors.UnbalancedEntry(details={"account": p.ref.code})
    try:
        lines = journal.check(journal.Line(p.ref.code, p.amount_fen) for p in spec.postings)
    except journal.UnbalancedEntry as exc:
        raise errors.UnbalancedEntry(details={"reason": str(exc)}) from exc
    return lines, refs


def _open_accounts(refs: Mapping[str, Ref], now: dt.datetime) -> dict[str, Account]:
    """The accounts named by ``refs``, opening the missing ones (race-safe on the unique
    code)."""
    found = {a.code: a for a in Account.objects.filter(code__in=list(refs))}
    missing = sorted(set(refs) - set(found))
    if len(missing) > 8:
        # Many at once (a batch): one insert that skips codes a concurrent posting just
        # opened, then read them all back.
        Account.objects.bulk_create(
            [
                Account(
                    code=code,
                    type=refs[code].type,
                    kind=KIND_OF[refs[code].type],
                    institution_id=refs[code].institution_id,
                    owner_id=refs[code].owner_id,
                    opened_at=now,
                )
                for code in missing
            ],
            ignore_conflicts=True,
        )
        found.update((a.code, a) for a in Account.objects.filter(code__in=missing))
        missing = []
    for code in missing:
        ref = refs[code]
        try:
            with transaction.atomic():
                found[code] = Account.objects.create(
                    code=code,
                    type=ref.type,
                    kind=KIND_OF[ref.type],
                    institution_id=ref.institution_id,
                    owner_id=ref.owner_id,
                    opened_at=now,
                )
        except IntegrityError:
            found[code] = Account.objects.get(code=code)
    return found


def _same_lines(entry: JournalEntry, lines: Iterable[journal.Line]) -> bool:
    have = sorted(entry.lines.values_list("account__code", "amount_fen"))
    return have == sorted((ln.account, ln.amount_fen) for ln in lines)


def _replay(entry: JournalEntry, lines: Sequence[journal.Line]) -> JournalEntry:
    if not _same_lines(entry, lines):
        raise errors.KeyReused(details={"event": entry.event, "key": entry.key})
    return entry


def _apply_balances(
    deltas: Mapping[int, int], accounts_by_id: Mapping[int, Account], no_overdraw: set[int]
) -> None:
    """Add ``deltas`` to the running balances: lock the rows in account-id order (one
    ``SELECT ... FOR UPDATE``, so concurrent postings cannot deadlock), refuse (and so roll
    back the whole posting) when an account in ``no_overdraw`` would cross zero, then one
    ``UPDATE`` for all of them."""
    ids = sorted(d for d in deltas if deltas[d] != 0)
    if not ids:
        return
    table = connection.ops.quote_name(Account._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cur:
        lock = "" if connection.vendor == "sqlite" else " FOR UPDATE"
        cur.execute(
            f"SELECT id, balance_fen FROM {table} WHERE id IN ({marks}) ORDER BY id{lock}",  # noqa: S608
            ids,
        )
        balances = dict(cur.fetchall())
        for account_id in sorted(no_overdraw & set(ids)):
            acc = accounts_by_id[account_id]
            balance = int(balances[account_id])
            if journal.shown(acc.kind, balance + deltas[account_id]) < 0:
                raise errors.InsufficientBalance(
                    details={
                        "account": acc.code,
                        "balance_fen": journal.shown(acc.kind, balance),
                        "needed_fen": abs(deltas[account_id]),
                    }
                )
        cases = " ".join(["WHEN %s THEN %s"] * len(ids))
        params: list[int] = []
        for account_id in ids:
            params += [account_id, deltas[account_id]]
        cur.execute(
            f"UPDATE {table} SET balance_fen = balance_fen + CASE id {cases} ELSE 0 END "  # noqa: S608
            f"WHERE id IN ({marks})",
            [*params, *ids],
        )


def post_entry(
    *,
    event: str,
    key: str,
    postings: Sequence[Posting],
    actor: Actor | None = None,
    institution_id: int | None = None,
    order_id: int | None = None,
    memo: str = "",
    no_overdraw: Iterable[str] = (),
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Post one balanced entry (or return the one already posted for ``(event, key)``)."""
    spec = EntrySpec(
        event=event,
        key=key,
        postings=postings,
        institution_id=institution_id,
        order_id=order_id,
        memo=memo,
        no_overdraw=frozenset(no_overdraw),
    )
    lines, refs = _checked(spec)
    now = clock.now()
    user = actor.user if actor is not None else None
    with transaction.atomic():
        existing = JournalEntry.objects.filter(event=event, key=key).first()
        if existing is not None:
            return _replay(existing, lines)
        accounts = _open_accounts(refs, now)
        try:
            with transaction.atomic():
                entry = JournalEntry.objects.create(
                    event=event,
                    key=key,
                    posted_at=now,
                    posted_by=user,
                    institution_id=institution_id,
                    order_id=order_id,
                    memo=memo[:256],
                    reverses=reverses,
                )
        except IntegrityError:
            # A concurrent posting of the same key committed first: this is its replay.
            existing = JournalEntry.objects.filter(event=event, key=key).first()
            if existing is None:
                raise
            return _replay(existing, lines)
        JournalLine.objects.bulk_create(
            [
                JournalLine(entry=entry, account=accounts[ln.account], amount_fen=ln.amount_fen)
                for ln in lines
            ]
        )
        by_id = {accounts[ln.account].pk: accounts[ln.account] for ln in lines}
        _apply_balances(
            {accounts[ln.account].pk: ln.amount_fen for ln in lines},
            by_id,
            {accounts[c].pk for c in spec.no_overdraw if c in accounts},
        )
    return entry


def post_entries(
    *,
    specs: Sequence[EntrySpec],
    actor: Actor | None = None,
    returning: bool = True,
    replay: bool = True,
) -> list[JournalEntry]:
    """Post many entries in one transaction (all or none); entries whose ``(event, key)``
    was already posted are replayed (same lines) or refused (different lines). Balances
    move once per account for the whole batch. Rows are written with plain multi-row
    INSERTs (no model instances), so a batch of thousands costs little more than its SQL;
    ``returning=False`` (bulk history) skips building the entries to return;
    ``replay=False`` (the caller knows the entries are new) skips looking for earlier
    postings: a key already posted then fails the whole batch on the unique index."""
    checked: dict[tuple[str, str], tuple[EntrySpec, tuple[journal.Line, ...]]] = {}
    refs: dict[str, Ref] = {}
    for spec in specs:
        lines, spec_refs = _checked(spec)
        prior = checked.get((spec.event, spec.key))
        if prior is not None:
            if sorted(prior[1]) != sorted(lines):
                raise errors.KeyReused(details={"event": spec.event, "key": spec.key})
            continue
        for code, ref in spec_refs.items():
            if refs.setdefault(code, ref) != ref:
                raise errors.UnbalancedEntry(details={"account": code})
        checked[(spec.event, spec.key)] = (spec, lines)
    if not checked:
        return []
    now = clock.now()
    user_id = actor.user_id if actor is not None else None
    with transaction.atomic():
        existing = _existing(list(checked)) if replay else {}
        for k, entry in existing.items():
            _replay(entry, checked[k][1])
        accounts = _open_accounts(refs, now)
        fresh = [k for k in checked if k not in existing]
        ids = _insert_entries(
            [
                (
                    checked[k][0].event,
                    checked[k][0].key,
                    checked[k][0].posted_at or now,
                    user_id,
                    checked[k][0].institution_id,
                    checked[k][0].order_id,
                    checked[k][0].memo[:256],
                )
                for k in fresh
            ]
        )
        rows: list[tuple[int, int, int]] = []
        deltas: dict[int, int] = defaultdict(int)
        guarded: set[int] = set()
        for k in fresh:
            spec, lines = checked[k]
            entry_id = ids[k]
            for ln in lines:
                acc_id = accounts[ln.account].pk
                rows.append((entry_id, acc_id, ln.amount_fen))
                deltas[acc_id] += ln.amount_fen
            guarded.update(accounts[c].pk for c in spec.no_overdraw if c in accounts)
        _insert_lines(rows)
        by_id = {a.pk: a for a in accounts.values()}
        _apply_balances({a: d for a, d in deltas.items() if d != 0}, by_id, guarded)
    if not returning:
        return []
    made = {e.pk: e for e in JournalEntry.objects.filter(pk__in=list(ids.values()))}
    out = {**existing, **{k: made[ids[k]] for k in fresh}}
    return [out[(s.event, s.key)] for s in specs]


#: Rows per multi-row INSERT (8 columns: well under SQLite's 32,766 parameters).
INSERT_BATCH = 500


def _insert_entries(
    rows: Sequence[tuple[str, str, dt.datetime, int | None, int | None, int | None, str]],
) -> dict[tuple[str, str], int]:
    """Insert entries (event, key, posted_at, posted_by, institution, order, memo) and
    return their ids by ``(event, key)`` (read back with RETURNING, matched by the unique
    pair, so the order the database returns them in does not matter)."""
    out: dict[tuple[str, str], int] = {}
    if not rows:
        return out
    table = connection.ops.quote_name(JournalEntry._meta.db_table)
    q = connection.ops.quote_name
    cols = ", ".join(
        q(c)
        for c in (
            "event",
            "key",
            "posted_at",
            "posted_by_id",
            "institution_id",
            "order_id",
            "memo",
            "reverses_id",
        )
    )
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cur:
        for i in range(0, len(rows), INSERT_BATCH):
            batch = rows[i : i + INSERT_BATCH]
            marks = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, NULL)"] * len(batch))
            params: list[Any] = []
            for event, key, at, user, inst, order, memo in batch:
                params += [event, key, adapt(at), user, inst, order, memo]
            cur.execute(
                f"INSERT INTO {table} ({cols}) VALUES {marks} RETURNING id, {q('event')}, {q('key')}",  # noqa: S608
                params,
            )
            for pk, event, key in cur.fetchall():
                out[(event, key)] = int(pk)
    return out


def _insert_lines(rows: Sequence[tuple[int, int, int]]) -> None:
    """Insert journal lines (entry id, account id, amount)."""
    if not rows:
        return
    table = connection.ops.quote_name(JournalLine._meta.db_table)
    with connection.cursor() as cur:
        for i in range(0, len(rows), INSERT_BATCH * 2):
            batch = rows[i : i + INSERT_BATCH * 2]
            marks = ", ".join(["(%s, %s, %s)"] * len(batch))
            cur.execute(
                f"INSERT INTO {table} (entry_id, account_id, amount_fen) VALUES {marks}",  # noqa: S608
                [v for row in batch for v in row],
            )


def _existing(keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], JournalEntry]:
    out: dict[tuple[str, str], JournalEntry] = {}
    by_event: dict[str, list[str]] = defaultdict(list)
    for event, key in keys:
        by_event[event].append(key)
    for event, ks in by_event.items():
        for entry in JournalEntry.objects.filter(event=event, key__in=ks):
            out[(entry.event, entry.key)] = entry
    return out


def lines_of(entry: JournalEntry) -> list[Posting]:
    rows = entry.lines.select_related("account").order_by("account__code")
    return [
        Posting(
            Ref(r.account.code, r.account.type, r.account.institution_id, r.account.owner_id),
            r.amount_fen,
        )
        for r in rows
    ]


def reverse_entry(*, actor: Actor, entry: JournalEntry, reason: str) -> JournalEntry:
    """Undo ``entry`` by posting its mirror image (event ``reversal``, key = the entry's
    id). Entries are never edited; an entry is reversed at most once, and a reversal is
    not reversed (post the correct entry instead). Audited."""
    reason = (reason or "").strip()
    if not reason:
        raise errors.ReasonRequired()
    if entry.event == EntryEvent.REVERSAL:
        raise errors.ReversalNotReversible(details={"entry_id": entry.pk})
    with transaction.atomic():
        locked = JournalEntry.objects.select_for_update().get(pk=entry.pk)
        if JournalEntry.objects.filter(reverses=locked).exists():
            raise errors.AlreadyReversed(details={"entry_id": entry.pk})
        mirror = post_entry(
            event=EntryEvent.REVERSAL,
            key=str(locked.pk),
            postings=[Posting(p.ref, -p.amount_fen) for p in lines_of(locked)],
            actor=actor,
            institution_id=locked.institution_id,
            order_id=locked.order_id,
            memo=reason,
            reverses=locked,
        )
        audit.record(
            actor=actor.user,
            action="ledger.reverse",
            object_type="journal_entry",
            object_id=locked.pk,
            institution_id=locked.institution_id,
            details={"reversal_id": mirror.pk},
        )
    return mirror


def describe(entry: JournalEntry) -> dict[str, Any]:
    """A plain summary of an entry for logs and tests (no personal data)."""
    return {
        "id": entry.pk,
        "event": entry.event,
        "key": entry.key,
        "lines": [(p.ref.code, p.amount_fen) for p in lines_of(entry)],
    }
