"""The entries the visit loop posts (ADR 0021, 0022): called by the orders services inside
their own transactions, so a state change and its money move commit together or not at all.

    order placed     Dr patient            / Cr deferred(institution)      the locked total
                     (with payers: Dr payer(scheme, region) for each payer share and Dr
                     patient for the self-pay share only; ADR 0023)
    payment          Dr clearing(method)   / Cr patient                    what was paid
    visit completed  Dr deferred           / Cr platform, institution, provider (contract split)
    visit released   Dr deferred           / Cr patient                    the visit's price
                     (with payers: Cr each payer its share of the visit, Cr patient the rest)
    (cancelled, rejected, no-show, aborted)
    cancellation fee Dr patient            / Cr platform, institution, provider (fee split)

Keys: ``order:<id>``, ``payment:<id>``, ``visit:<id>``: a service that runs twice for the
same object posts once (the ledger's idempotency)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from doorstep.accounts.policy import Actor
from doorstep.organizations import selectors as org_selectors

from . import accounts as acct
from .enums import EntryEvent
from .services import EntrySpec, Posting, cr, dr, post_entry
from .split import (
    NO_CONTRACT,
    Incentive,
    IncentiveTerms,
    Shares,
    incentive_memo,
    reasons_for,
    revenue_split,
)

#: Night hours are read in the service area's local time (ADR 0024).
SERVICE_TZ = ZoneInfo("Asia/Shanghai")


def _split_for(institution: Any, amount_fen: int, on: Any, *, visit: Any = None) -> Shares:
    """The contract's split of ``amount_fen`` on ``on``; with a delivered ``visit`` (and its
    ``order``, ``region`` and item loaded) also the contract's incentives for it (ADR 0024):
    night by its planned start in local time, rural by its region, difficult by its item."""
    contract = org_selectors.current_contract(institution, on)
    if visit is None:
        return contract_split(contract, amount_fen)
    return contract_split(
        contract,
        amount_fen,
        window_start=visit.window_start,
        rural=not visit.region.is_urban,
        item=visit.order.item,
    )


def contract_split(
    contract: Any,
    amount_fen: int,
    *,
    window_start: Any = None,
    rural: bool = False,
    item: Any = None,
) -> Shares:
    """Split ``amount_fen`` by ``contract`` (``None``: no contract in force); with a
    delivered visit's planned start, rural flag and item, with its incentives (pure given
    the contract row, so a batch can look contracts up once)."""
    if contract is None:
        b = NO_CONTRACT
        return revenue_split(amount_fen, platform_bp=b[0], institution_bp=b[1], provider_bp=b[2])
    reasons: tuple[str, ...] = ()
    if window_start is not None and item is not None:
        reasons = reasons_for(
            local_start=window_start.astimezone(SERVICE_TZ).time(),
            night_start=contract.night_start,
            night_end=contract.night_end,
            rural=rural,
            high_risk=item.risk_level == "high",
            item_code=item.code,
            difficult_items=contract.difficult_items or (),
        )
    terms = IncentiveTerms(
        night=Incentive(contract.night_incentive_bp, contract.night_incentive_fen),
        rural=Incentive(contract.rural_incentive_bp, contract.rural_incentive_fen),
        difficult=Incentive(contract.difficult_incentive_bp, contract.difficult_incentive_fen),
        platform_funds_bp=contract.incentive_platform_bp,
    )
    return revenue_split(
        amount_fen,
        platform_bp=contract.platform_bp,
        institution_bp=contract.institution_bp,
        provider_bp=contract.provider_bp,
        reasons=reasons,
        terms=terms,
    )


def _shares_postings(
    shares: Shares, *, institution_id: int, provider_id: int | None
) -> list[Posting]:
    """Credits of the platform, institution and provider shares; without a provider the
    provider's share (with any incentive) goes to the institution."""
    inst = shares.institution_fen + (0 if provider_id else shares.provider_fen)
    out = []
    if shares.platform_fen:
        out.append(cr(acct.platform(), shares.platform_fen))
    if inst:
        out.append(cr(acct.institution(institution_id), inst))
    if provider_id and shares.provider_fen:
        out.append(cr(acct.provider(provider_id, institution_id), shares.provider_fen))
    return out


def order_placed_spec(
    *, order: Any, debits: Mapping[str, tuple[acct.Ref, int]] | None = None, at: Any = None
) -> EntrySpec | None:
    """``order_placed``: each payer its locked share (``debits``), the patient the rest;
    the institution owes the services. ``None`` for a free order."""
    if order.total_fen <= 0:
        return None
    debits = debits or {}
    own = order.total_fen - sum(fen for _ref, fen in debits.values())
    lines = [dr(ref, fen) for _code, (ref, fen) in sorted(debits.items()) if fen > 0]
    if own > 0:
        lines.append(dr(acct.patient(order.elder_id), own))
    return EntrySpec(
        event=EntryEvent.ORDER_PLACED,
        key=f"order:{order.pk}",
        postings=[*lines, cr(acct.deferred(order.institution_id), order.total_fen)],
        institution_id=order.institution_id,
        order_id=order.pk,
        posted_at=at,
    )


def payment_spec(*, payment: Any, order: Any, at: Any = None) -> EntrySpec | None:
    """``payment_captured``: Dr the method's clearing account / Cr the patient."""
    if payment.amount_fen <= 0:
        return None
    return EntrySpec(
        event=EntryEvent.PAYMENT_CAPTURED,
        key=f"payment:{payment.pk}",
        postings=[
            dr(acct.clearing(payment.method), payment.amount_fen),
            cr(acct.patient(order.elder_id), payment.amount_fen),
        ],
        institution_id=order.institution_id,
        order_id=order.pk,
        posted_at=at,
    )


def completion_spec(*, visit: Any, order: Any, shares: Shares, at: Any = None) -> EntrySpec | None:
    """``visit_completed``: Dr deferred / Cr platform, institution, provider by ``shares``
    (the contract's split with incentives; the memo records the incentives)."""
    if visit.price_fen <= 0:
        return None
    return EntrySpec(
        event=EntryEvent.VISIT_COMPLETED,
        key=f"visit:{visit.pk}",
        postings=[
            dr(acct.deferred(order.institution_id), visit.price_fen),
            *_shares_postings(
                shares, institution_id=order.institution_id, provider_id=visit.provider_id
            ),
        ],
        institution_id=order.institution_id,
        order_id=order.pk,
        memo=incentive_memo(shares),
        posted_at=at,
    )


def released_spec(
    *, visit: Any, order: Any, payer_credits: Sequence[tuple[acct.Ref, int]] = (), at: Any = None
) -> EntrySpec | None:
    """``visit_cancelled``: Dr deferred / Cr each payer its share of the visit, the patient
    the rest."""
    if visit.price_fen <= 0:
        return None
    own = visit.price_fen - sum(fen for _ref, fen in payer_credits)
    return EntrySpec(
        event=EntryEvent.VISIT_CANCELLED,
        key=f"visit:{visit.pk}",
        postings=[
            dr(acct.deferred(order.institution_id), visit.price_fen),
            *(cr(ref, fen) for ref, fen in payer_credits),
            *([cr(acct.patient(order.elder_id), own)] if own > 0 else []),
        ],
        institution_id=order.institution_id,
        order_id=order.pk,
        posted_at=at,
    )


def fee_spec(
    *, visit: Any, order: Any, fee_fen: int, shares: Shares, at: Any = None
) -> EntrySpec | None:
    """``cancellation_fee``: Dr patient / Cr the fee split like a visit (no incentives)."""
    if fee_fen <= 0:
        return None
    return EntrySpec(
        event=EntryEvent.CANCELLATION_FEE,
        key=f"visit:{visit.pk}",
        postings=[
            dr(acct.patient(order.elder_id), fee_fen),
            *_shares_postings(
                shares, institution_id=order.institution_id, provider_id=visit.provider_id
            ),
        ],
        institution_id=order.institution_id,
        order_id=order.pk,
        posted_at=at,
    )


def _post(spec: EntrySpec | None, actor: Actor | None) -> None:
    if spec is None:
        return
    post_entry(
        event=spec.event,
        key=spec.key,
        postings=spec.postings,
        actor=actor,
        institution_id=spec.institution_id,
        order_id=spec.order_id,
        memo=spec.memo,
    )


def order_placed(*, actor: Actor | None, order: Any, insured: bool = True) -> None:
    """The patient and the elder's payers owe the locked total (each payer its locked
    share, the patient the rest); the institution owes the services. ``insured=False``
    (no payer split was locked) skips reading the shares."""
    if order.total_fen <= 0:
        return
    from .payer_rules import payer_debits

    _post(order_placed_spec(order=order, debits=payer_debits(order.pk) if insured else {}), actor)


def payment_captured(*, actor: Actor | None, payment: Any, order: Any) -> None:
    _post(payment_spec(payment=payment, order=order), actor)


def visit_completed(*, actor: Actor | None, visit: Any, order: Any, on: Any) -> None:
    """The service is delivered: its price is split by the contract in force ``on``, with
    the contract's incentives for the provider (recorded in the entry's memo, ADR 0024)."""
    if visit.price_fen <= 0:
        return
    # Incentives are the provider's: a visit delivered without one has none.
    shares = _split_for(
        order.institution, visit.price_fen, on, visit=visit if visit.provider_id else None
    )
    _post(completion_spec(visit=visit, order=order, shares=shares), actor)


def visit_released(
    *, actor: Actor | None, visit: Any, order: Any, on: Any, fee_fen: int = 0
) -> None:
    """A visit that will not be delivered (cancelled, rejected, not at home, aborted): the
    patient no longer owes its price (its payers their locked shares of it, the patient
    the rest); a cancellation fee, if any, is owed instead and
    split like a delivered visit (to the provider who set off)."""
    if visit.price_fen <= 0:
        return
    from .payer_rules import release_visit_shares

    _post(
        released_spec(visit=visit, order=order, payer_credits=release_visit_shares(visit.pk)),
        actor,
    )
    if fee_fen > 0:
        shares = _split_for(order.institution, fee_fen, on)
        _post(fee_spec(visit=visit, order=order, fee_fen=fee_fen, shares=shares), actor)
