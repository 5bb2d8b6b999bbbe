"""Posting visit history written in bulk (the demo seed, an import) to the ledger (ADR 0029).

The visit loop posts each event as it happens (``postings``); history written in bulk
arrives afterwards, thousands of orders at a time. ``HistoryLedger.post`` gives it the
same money trail in one ``services.post_entries`` batch per chunk:

- a ``Charge`` (captured, keyed ``history-payment:<payment id>``) for every payment, so the
  reconciliation finds each ``payment_captured`` entry backed (an online payment also gets
  the gateway's accepted-notification audit row, as the notification handler writes it);
- the entries the live services would post, built by the same ``postings.*_spec``
  functions: order placed, payment captured, visit completed (the contract in force on the
  day, with its incentives), visit not delivered, cancellation fee, each dated when it
  happened (``EntrySpec.posted_at``), so statements and earnings fall in the right month.

Contracts, region flags and items are read once; a chunk costs a handful of queries.
Only self-pay orders (no locked payer split) are supported: the shares would have to be
locked first, which is the visit loop's job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.utils import timezone

from doorstep.catalog.models import ServiceItem
from doorstep.core import audit
from doorstep.orders.enums import VisitStatus
from doorstep.organizations.models import Contract
from doorstep.regions.models import Region

from . import postings
from .enums import DOOR_CHANNELS, Channel, ChargeStatus
from .models import Charge
from .services import EntrySpec, post_entries

S = VisitStatus
DELIVERED = frozenset(str(s) for s in (S.COMPLETED, S.REVIEWED))
RELEASED = frozenset(str(s) for s in (S.CANCELLED, S.REJECTED, S.NO_SHOW, S.ABORTED))
ENDED = DELIVERED | RELEASED


class HistoryLedger:
    """Posts chunks of bulk-written history; build once per run."""

    def __init__(self) -> None:
        self.contracts: dict[int, list[Contract]] = defaultdict(list)
        for c in Contract.objects.order_by("institution_id", "-effective_from"):
            self.contracts[c.institution_id].append(c)
        self.urban = dict(Region.objects.values_list("pk", "is_urban"))
        self.items = {i.pk: i for i in ServiceItem.objects.only("pk", "code", "risk_level")}
        self.splits: dict[tuple[Any, ...], postings.Shares] = {}

    def contract(self, institution_id: int, on: dt.date) -> Contract | None:
        """The version in force on ``on`` (as ``organizations.selectors.current_contract``)."""
        for c in self.contracts.get(institution_id, ()):
            if c.effective_from <= on and (c.effective_to is None or c.effective_to > on):
                return c
        return None

    def specs(
        self,
        *,
        orders: Iterable[Any],
        visits: Iterable[Any],
        payments: Iterable[Any],
        ended_at: Mapping[int, dt.datetime],
    ) -> list[EntrySpec]:
        """The entries of the chunk. ``ended_at``: visit id -> when it was delivered or
        released (its last visit event)."""
        by_order = {o.pk: o for o in orders}
        out: list[EntrySpec | None] = [
            postings.order_placed_spec(order=o, at=o.created_at) for o in by_order.values()
        ]
        out += [
            postings.payment_spec(payment=p, order=by_order[p.order_id], at=p.confirmed_at)
            for p in payments
        ]
        tz = timezone.get_current_timezone()
        for v in visits:
            at = ended_at.get(v.pk)
            status = str(v.status)
            if at is None or status not in ENDED:
                continue
            order = by_order[v.order_id]
            contract = self.contract(order.institution_id, at.astimezone(tz).date())
            if status in DELIVERED:
                shares = self._split(contract, v, order)
                out.append(postings.completion_spec(visit=v, order=order, shares=shares, at=at))
                continue
            out.append(postings.released_spec(visit=v, order=order, at=at))
            fee = getattr(v, "cancellation_fee_fen", 0) or 0
            if fee > 0:
                shares = postings.contract_split(contract, fee)
                out.append(
                    postings.fee_spec(visit=v, order=order, fee_fen=fee, shares=shares, at=at)
                )
        return [s for s in out if s is not None]

    def _split(self, contract: Contract | None, visit: Any, order: Any) -> postings.Shares:
        """``postings.contract_split`` of a delivered visit, remembered per distinct input
        (a few hundred prices, start times and items cover a city's history)."""
        start = visit.window_start if visit.provider_id else None
        rural = not self.urban.get(visit.region_id, True)
        key = (
            contract.pk if contract is not None else None,
            visit.price_fen,
            start.astimezone(postings.SERVICE_TZ).time() if start is not None else None,
            rural,
            order.item_id,
        )
        shares = self.splits.get(key)
        if shares is None:
            shares = postings.contract_split(
                contract,
                visit.price_fen,
                window_start=start,
                rural=rural,
                item=self.items.get(order.item_id),
            )
            self.splits[key] = shares
        return shares

    def charge_values(self, payments: Sequence[Any], orders: Mapping[int, Any]) -> list[dict]:
        """The field values of one captured charge per payment, as
        ``payments.request_payment`` would have left it."""
        rows = []
        for p in payments:
            if p.amount_fen <= 0:
                continue
            channel = p.method if p.method in DOOR_CHANNELS else Channel.SANDBOX
            key = f"history-payment:{p.pk}"
            rows.append(
                {
                    "idempotency_key": key,
                    "fingerprint": hashlib.sha256(key.encode()).hexdigest(),
                    "order_id": p.order_id,
                    "institution_id": orders[p.order_id].institution_id,
                    "amount_fen": p.amount_fen,
                    "channel": channel,
                    "status": ChargeStatus.CAPTURED,
                    "receipt_no": p.receipt_no,
                    "gateway_txn": f"SBXH{p.pk:012d}" if channel == Channel.SANDBOX else "",
                    "order_payment_id": p.pk,
                    "requested_by_id": p.confirmed_by_id,
                    "created_at": p.confirmed_at,
                    "captured_at": p.confirmed_at,
                    "failure_reason": "",
                }
            )
        return rows

    def post(
        self,
        *,
        orders: Sequence[Any],
        visits: Sequence[Any],
        payments: Sequence[Any],
        ended_at: Mapping[int, dt.datetime],
        write_charges: Callable[[list[dict]], Sequence[Charge]] | None = None,
    ) -> tuple[Sequence[Charge], list[EntrySpec]]:
        """Write the chunk's charges (``write_charges``: the caller's bulk writer, default
        ``bulk_create``) and post its entries, in the caller's transaction; returns the
        charges and the entries posted."""
        by_order = {o.pk: o for o in orders}
        values = self.charge_values(payments, by_order)
        if write_charges is None:
            charges: Sequence[Charge] = Charge.objects.bulk_create([Charge(**v) for v in values])
        else:
            charges = write_charges(values)
        audit.record_many(
            audit.Entry(
                actor=None,
                action="billing.payment_captured",
                object_type="charge",
                object_id=c.pk,
                institution_id=c.institution_id,
                details={"txn": c.gateway_txn, "amount_fen": c.amount_fen, "history": True},
            )
            for c in charges
            if c.channel == Channel.SANDBOX
        )
        specs = self.specs(orders=orders, visits=visits, payments=payments, ended_at=ended_at)
        post_entries(specs=specs, returning=False, replay=False)
        return charges, specs
