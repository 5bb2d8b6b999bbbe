"""The entries the visit loop posts (ADR 0021, 0022): called by the orders services inside
their own transactions, so a state change and its money move commit together or not at all.

    order placed     Dr patient            / Cr deferred(institution)      the locked total
    payment          Dr clearing(method)   / Cr patient                    what was paid
    visit completed  Dr deferred           / Cr platform, institution, provider (contract split)
    visit released   Dr deferred           / Cr patient                    the visit's price
    (cancelled, rejected, no-show, aborted)
    cancellation fee Dr patient            / Cr platform, institution, provider (fee split)

Keys: ``order:<id>``, ``payment:<id>``, ``visit:<id>``: a service that runs twice for the
same object posts once (the ledger's idempotency)."""

from __future__ import annotations

from typing import Any

from doorstep.accounts.policy import Actor
from doorstep.organizations import selectors as org_selectors

from . import accounts as acct
from .enums import EntryEvent
from .services import Posting, cr, dr, post_entry
from .split import NO_CONTRACT, Shares, revenue_split


def _split_for(institution: Any, amount_fen: int, on: Any) -> Shares:
    contract = org_selectors.current_contract(institution, on)
    bps = (
        (contract.platform_bp, contract.institution_bp, contract.provider_bp)
        if contract is not None
        else NO_CONTRACT
    )
    return revenue_split(amount_fen, platform_bp=bps[0], institution_bp=bps[1], provider_bp=bps[2])


def _shares_postings(
    shares: Shares, *, institution_id: int, provider_id: int | None
) -> list[Posting]:
    """Credits of the platform, institution and provider shares; without a provider the
    provider's share goes to the institution."""
    inst = shares.institution_fen + (0 if provider_id else shares.provider_fen)
    out = []
    if shares.platform_fen:
        out.append(cr(acct.platform(), shares.platform_fen))
    if inst:
        out.append(cr(acct.institution(institution_id), inst))
    if provider_id and shares.provider_fen:
        out.append(cr(acct.provider(provider_id, institution_id), shares.provider_fen))
    return out


def order_placed(*, actor: Actor | None, order: Any) -> None:
    """The patient owes the locked total; the institution owes the services."""
    if order.total_fen <= 0:
        return
    post_entry(
        event=EntryEvent.ORDER_PLACED,
        key=f"order:{order.pk}",
        postings=[
            dr(acct.patient(order.elder_id), order.total_fen),
            cr(acct.deferred(order.institution_id), order.total_fen),
        ],
        actor=actor,
        institution_id=order.institution_id,
        order_id=order.pk,
    )


def payment_captured(*, actor: Actor | None, payment: Any, order: Any) -> None:
    if payment.amount_fen <= 0:
        return
    post_entry(
        event=EntryEvent.PAYMENT_CAPTURED,
        key=f"payment:{payment.pk}",
        postings=[
            dr(acct.clearing(payment.method), payment.amount_fen),
            cr(acct.patient(order.elder_id), payment.amount_fen),
        ],
        actor=actor,
        institution_id=order.institution_id,
        order_id=order.pk,
    )


def visit_completed(*, actor: Actor | None, visit: Any, order: Any, on: Any) -> None:
    """The service is delivered: its price is split by the contract in force ``on``."""
    if visit.price_fen <= 0:
        return
    shares = _split_for(order.institution, visit.price_fen, on)
    post_entry(
        event=EntryEvent.VISIT_COMPLETED,
        key=f"visit:{visit.pk}",
        postings=[
            dr(acct.deferred(order.institution_id), visit.price_fen),
            *_shares_postings(
                shares, institution_id=order.institution_id, provider_id=visit.provider_id
            ),
        ],
        actor=actor,
        institution_id=order.institution_id,
        order_id=order.pk,
    )


def visit_released(
    *, actor: Actor | None, visit: Any, order: Any, on: Any, fee_fen: int = 0
) -> None:
    """A visit that will not be delivered (cancelled, rejected, not at home, aborted): the
    patient no longer owes its price; a cancellation fee, if any, is owed instead and
    split like a delivered visit (to the provider who set off)."""
    if visit.price_fen <= 0:
        return
    post_entry(
        event=EntryEvent.VISIT_CANCELLED,
        key=f"visit:{visit.pk}",
        postings=[
            dr(acct.deferred(order.institution_id), visit.price_fen),
            cr(acct.patient(order.elder_id), visit.price_fen),
        ],
        actor=actor,
        institution_id=order.institution_id,
        order_id=order.pk,
    )
    if fee_fen > 0:
        shares = _split_for(order.institution, fee_fen, on)
        post_entry(
            event=EntryEvent.CANCELLATION_FEE,
            key=f"visit:{visit.pk}",
            postings=[
                dr(acct.patient(order.elder_id), fee_fen),
                *_shares_postings(
                    shares, institution_id=order.institution_id, provider_id=visit.provider_id
                ),
            ],
            actor=actor,
            institution_id=order.institution_id,
            order_id=order.pk,
        )
