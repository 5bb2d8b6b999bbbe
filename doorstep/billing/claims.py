"""Claims to payers (ADR 0023 addendum): batches, decisions, payment, exports, and the
check of claims against the ledger.

A claim is one institution's batch to one payer (scheme and region) for the payer shares
of the visits it delivered in one month. Its status moves by ``enums.CLAIM_TRANSITIONS``:

    submitted -> approved | partly approved | rejected;  approved | partly approved -> paid

Every move locks the claim row, is recorded as a ``ClaimEvent`` and an audit row, and posts:

    partly approved  claim_rejected  Dr patient (each elder their refused part) / Cr payer
    rejected         claim_rejected  Dr patient (each elder their share)        / Cr payer
    paid             claim_paid      Dr clearing(payer:<scheme>:<region>)       / Cr payer

(key ``claim:<id>``). Repeating a move the claim already made (same amount) answers the
claim as it is; any other move from the current status is refused with
``claim_transition`` (409) and changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock
from doorstep.core.errors import Forbidden, NotFound
from doorstep.core.masking import mask_id_number
from doorstep.orders.enums import VisitStatus
from doorstep.people.models import InsuranceEnrollment

from . import accounts as acct
from . import errors
from .enums import ClaimStatus, EntryEvent, claim_may
from .models import Account, Claim, ClaimEvent, ClaimLine, JournalEntry, JournalLine, PayerShare
from .payers import SELF_PAY
from .services import cr, dr, post_entry

#: Institution roles that submit and read their institution's claims.
CLAIM_STAFF = (Role.INSTITUTION_ADMIN, Role.FINANCE_OFFICER)
DELIVERED = (VisitStatus.COMPLETED, VisitStatus.REVIEWED)


# --- scope --------------------------------------------------------------------------------


def _payer_region_q(actor: Actor) -> Q | None:
    paths = actor.region_paths(Role.PAYER_OFFICER)
    if not paths:
        return None
    if "" in paths:
        return Q()
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(region__path__startswith=p)
    return q


def claims_visible_to(actor: Actor) -> QuerySet[Claim]:
    """Claims the actor may see: payer officers those of payers in their region subtree;
    an institution's admin or finance officer their institution's; platform admins all."""
    if actor.user_id is None:
        return Claim.objects.none()
    if actor.is_platform_admin:
        return Claim.objects.all()
    q = Q(institution_id__in=actor.institution_ids(*CLAIM_STAFF))
    payer_q = _payer_region_q(actor)
    if payer_q is not None:
        q |= payer_q
    return Claim.objects.filter(q)


def access_claim(*, actor: Actor, claim_id: int) -> Claim:
    claim = claims_visible_to(actor).filter(pk=claim_id).select_related("region").first()
    if claim is None:
        raise NotFound()
    return claim


def may_decide(actor: Actor, claim: Claim) -> bool:
    """Payer officers whose region covers the payer's region decide and record payment."""
    paths = actor.region_paths(Role.PAYER_OFFICER)
    return any(claim.region.path.startswith(p) for p in paths)


def may_submit(actor: Actor, institution_id: int) -> bool:
    return actor.is_platform_admin or institution_id in actor.institution_ids(*CLAIM_STAFF)


# --- submitting ---------------------------------------------------------------------------


def month_bounds(period: str) -> tuple[dt.date, dt.date]:
    try:
        year, month = (int(x) for x in period.split("-"))
        start = dt.date(year, month, 1)
    except ValueError as exc:
        raise errors.InvalidMonth(details={"month": period}) from exc
    if len(period) != 7:
        raise errors.InvalidMonth(details={"month": period})
    end = dt.date(year + month // 12, month % 12 + 1, 1)
    return start, end


def claimable(institution_id: int, period: str) -> QuerySet[PayerShare]:
    """Payer shares of the institution's visits delivered (completed or reviewed) with a
    service date in ``period`` that are on no claim yet."""
    start, end = month_bounds(period)
    return (
        PayerShare.objects.filter(
            order__institution_id=institution_id,
            service_date__gte=start,
            service_date__lt=end,
            released_at__isnull=True,
            visit__status__in=DELIVERED,
            claim_line__isnull=True,
        )
        .exclude(payer=SELF_PAY)
        .select_related("region")
        .order_by("payer", "region_id", "service_date", "visit_id")
    )


def _event(
    claim: Claim,
    *,
    actor: Actor,
    src: str,
    dst: str,
    amount_fen: int = 0,
    reason: str = "",
    entry: JournalEntry | None = None,
) -> None:
    ClaimEvent.objects.create(
        claim=claim,
        from_status=src,
        to_status=dst,
        actor=actor.user,
        at=clock.now(),
        amount_fen=amount_fen,
        reason=reason,
        entry=entry,
    )
    audit.record(
        actor=actor.user,
        action=f"billing.claim_{dst}",
        object_type="claim",
        object_id=claim.pk,
        institution_id=claim.institution_id,
        changed_fields=["status"],
        details={"from": src, "to": dst, "amount_fen": amount_fen},
    )


def submit_claims(*, actor: Actor, institution: Any, period: str) -> list[Claim]:
    """Submit one claim per payer (scheme and region) for ``institution``'s unclaimed
    payer shares of visits delivered in ``period`` (YYYY-MM). ``nothing_to_claim`` (409)
    when there are none. Two submissions at once claim each share once (the shares are
    locked, and a share is on one claim line at most)."""
    if not may_submit(actor, institution.pk):
        raise Forbidden()
    month_bounds(period)
    with transaction.atomic():
        ids = list(claimable(institution.pk, period).values_list("pk", flat=True))
        shares = list(
            PayerShare.objects.select_for_update(of=("self",))
            .filter(pk__in=ids, claim_line__isnull=True)
            .select_related("region")
            .order_by("pk")
        )
        if not shares:
            raise errors.NothingToClaim(details={"month": period})
        groups: dict[tuple[str, int], list[PayerShare]] = defaultdict(list)
        for s in shares:
            assert s.region_id is not None
            groups[(s.payer, s.region_id)].append(s)
        now = clock.now()
        out: list[Claim] = []
        for (payer, _region_id), rows in sorted(groups.items()):
            region = rows[0].region
            assert region is not None
            claim = Claim.objects.create(
                institution_id=institution.pk,
                payer=payer,
                region=region,
                account_code=acct.payer(payer, region.code).code,
                period=period,
                claimed_fen=sum(r.amount_fen for r in rows),
                submitted_by=actor.user,
                submitted_at=now,
            )
            ClaimLine.objects.bulk_create(
                [ClaimLine(claim=claim, share=r, amount_fen=r.amount_fen) for r in rows]
            )
            _event(
                claim,
                actor=actor,
                src="",
                dst=ClaimStatus.SUBMITTED,
                amount_fen=claim.claimed_fen,
            )
            out.append(claim)
    return out


# --- deciding -----------------------------------------------------------------------------


def spread(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` fen spread over ``weights`` in proportion (pure): rounded down, the rest
    one fen at a time to the largest remainders; no part exceeds its weight when
    ``total`` <= sum(weights)."""
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    parts = [total * w // whole for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    spare = total - sum(parts)
    for i in order:
        if spare == 0:
            break
        if parts[i] < weights[i]:
            parts[i] += 1
            spare -= 1
    return parts


def _lock(claim: Claim) -> Claim:
    return Claim.objects.select_for_update().select_related("region").get(pk=claim.pk)


def _refuse(claim: Claim, dst: str) -> errors.ClaimTransition:
    return errors.ClaimTransition(details={"status": claim.status, "to": dst})


def _move_to_patients(
    *, actor: Actor, claim: Claim, refused: dict[int, int], reason: str
) -> JournalEntry | None:
    """Post the refused part of each line back to its elder (Dr patient / Cr payer) and
    record it on the shares."""
    lines = list(claim.lines.select_related("share"))
    per_elder: dict[int, int] = defaultdict(int)
    for line in lines:
        part = refused.get(line.pk, 0)
        line.approved_fen = line.amount_fen - part
        if part:
            per_elder[line.share.elder_id] += part
            PayerShare.objects.filter(pk=line.share_id).update(rejected_fen=part)
    ClaimLine.objects.bulk_update(lines, ["approved_fen"])
    total = sum(per_elder.values())
    if total == 0:
        return None
    return post_entry(
        event=EntryEvent.CLAIM_REJECTED,
        key=f"claim:{claim.pk}",
        postings=[
            *(dr(acct.patient(elder_id), fen) for elder_id, fen in sorted(per_elder.items())),
            cr(acct.payer(claim.payer, claim.region.code), total),
        ],
        actor=actor,
        institution_id=claim.institution_id,
        memo=f"claim {claim.number} {claim.status}",
    )


def approve(*, actor: Actor, claim: Claim) -> Claim:
    """The payer accepts the whole claim (no money moves until it pays)."""
    if not may_decide(actor, claim):
        raise Forbidden()
    with transaction.atomic():
        locked = _lock(claim)
        if locked.status == ClaimStatus.APPROVED:
            return locked
        if not claim_may(locked.status, ClaimStatus.APPROVED):
            raise _refuse(locked, ClaimStatus.APPROVED)
        src = locked.status
        locked.status = ClaimStatus.APPROVED
        locked.approved_fen = locked.claimed_fen
        locked.decided_at = clock.now()
        locked.save(update_fields=["status", "approved_fen", "decided_at"])
        locked.lines.update(approved_fen=F("amount_fen"))
        _event(
            locked, actor=actor, src=src, dst=ClaimStatus.APPROVED, amount_fen=locked.claimed_fen
        )
    return locked


def partly_approve(*, actor: Actor, claim: Claim, approved_fen: int, reason: str) -> Claim:
    """The payer accepts ``approved_fen`` (more than 0, less than claimed); the rest is
    spread over the lines in proportion and moved back to the elders' accounts."""
    if not may_decide(actor, claim):
        raise Forbidden()
    reason = (reason or "").strip()
    if not reason:
        raise errors.ReasonRequired()
    with transaction.atomic():
        locked = _lock(claim)
        if locked.status == ClaimStatus.PARTLY_APPROVED and locked.approved_fen == approved_fen:
            return locked
        if not claim_may(locked.status, ClaimStatus.PARTLY_APPROVED):
            raise _refuse(locked, ClaimStatus.PARTLY_APPROVED)
        if not 0 < approved_fen < locked.claimed_fen:
            raise errors.InvalidApprovedAmount(
                details={"approved_fen": approved_fen, "claimed_fen": locked.claimed_fen}
            )
        src = locked.status
        locked.status = ClaimStatus.PARTLY_APPROVED
        locked.approved_fen = approved_fen
        locked.reason = reason
        locked.decided_at = clock.now()
        locked.save(update_fields=["status", "approved_fen", "reason", "decided_at"])
        lines = list(locked.lines.order_by("pk"))
        parts = spread(locked.claimed_fen - approved_fen, [ln.amount_fen for ln in lines])
        entry = _move_to_patients(
            actor=actor,
            claim=locked,
            refused={ln.pk: p for ln, p in zip(lines, parts, strict=True)},
            reason=reason,
        )
        _event(
            locked,
            actor=actor,
            src=src,
            dst=ClaimStatus.PARTLY_APPROVED,
            amount_fen=approved_fen,
            reason=reason,
            entry=entry,
        )
    return locked


def decide_lines(
    *, actor: Actor, claim: Claim, lines: Sequence[tuple[int, int, str]], reason: str = ""
) -> Claim:
    """The payer decides line by line: ``lines`` are ``(line id, approved fen, reason)``
    for the lines it does not accept in full (0 <= approved < claimed, a reason each);
    every other line is approved in full. The claim becomes partly approved (its
    ``approved_fen`` the sum of the lines), and each refused part moves to its elder's
    account in one ``claim_rejected`` entry (Dr patient / Cr payer). Refusing every fen
    is a rejection (use ``reject``). Repeating the same decisions answers the claim
    unchanged; anything else on a decided claim is ``claim_transition``."""
    if not may_decide(actor, claim):
        raise Forbidden()
    with transaction.atomic():
        locked = _lock(claim)
        rows = {ln.pk: ln for ln in locked.lines.order_by("pk")}
        wanted: dict[int, tuple[int, str]] = {}
        for line_id, approved, why in lines:
            line = rows.get(line_id)
            why = (why or "").strip()
            if line is None or line_id in wanted:
                raise errors.InvalidLineDecision(details={"line_id": line_id})
            if not 0 <= approved < line.amount_fen:
                raise errors.InvalidLineDecision(
                    details={"line_id": line_id, "approved_fen": approved}
                )
            if not why:
                raise errors.ReasonRequired(details={"line_id": line_id})
            wanted[line_id] = (approved, why[:500])
        approved_total = sum(
            wanted[pk][0] if pk in wanted else ln.amount_fen for pk, ln in rows.items()
        )
        if not wanted or approved_total <= 0:
            raise errors.InvalidApprovedAmount(
                details={"approved_fen": approved_total, "claimed_fen": locked.claimed_fen}
            )
        if locked.status == ClaimStatus.PARTLY_APPROVED and all(
            (ln.approved_fen, ln.reason) == wanted.get(pk, (ln.amount_fen, ""))
            for pk, ln in rows.items()
        ):
            return locked
        if not claim_may(locked.status, ClaimStatus.PARTLY_APPROVED):
            raise _refuse(locked, ClaimStatus.PARTLY_APPROVED)
        summary = (reason or "").strip() or "; ".join(sorted({w for _a, w in wanted.values()}))
        src = locked.status
        locked.status = ClaimStatus.PARTLY_APPROVED
        locked.approved_fen = approved_total
        locked.reason = summary[:1000]
        locked.decided_at = clock.now()
        locked.save(update_fields=["status", "approved_fen", "reason", "decided_at"])
        for pk, (_approved, why) in wanted.items():
            rows[pk].reason = why
        ClaimLine.objects.bulk_update([rows[pk] for pk in wanted], ["reason"])
        entry = _move_to_patients(
            actor=actor,
            claim=locked,
            refused={pk: rows[pk].amount_fen - a for pk, (a, _w) in wanted.items()},
            reason=summary,
        )
        _event(
            locked,
            actor=actor,
            src=src,
            dst=ClaimStatus.PARTLY_APPROVED,
            amount_fen=approved_total,
            reason=summary[:1000],
            entry=entry,
        )
    return locked


def reject(*, actor: Actor, claim: Claim, reason: str) -> Claim:
    """The payer refuses the whole claim: every line goes back to its elder's account."""
    if not may_decide(actor, claim):
        raise Forbidden()
    reason = (reason or "").strip()
    if not reason:
        raise errors.ReasonRequired()
    with transaction.atomic():
        locked = _lock(claim)
        if locked.status == ClaimStatus.REJECTED:
            return locked
        if not claim_may(locked.status, ClaimStatus.REJECTED):
            raise _refuse(locked, ClaimStatus.REJECTED)
        src = locked.status
        locked.status = ClaimStatus.REJECTED
        locked.approved_fen = 0
        locked.reason = reason
        locked.decided_at = clock.now()
        locked.save(update_fields=["status", "approved_fen", "reason", "decided_at"])
        entry = _move_to_patients(
            actor=actor,
            claim=locked,
            refused={ln.pk: ln.amount_fen for ln in locked.lines.all()},
            reason=reason,
        )
        _event(
            locked,
            actor=actor,
            src=src,
            dst=ClaimStatus.REJECTED,
            amount_fen=locked.claimed_fen,
            reason=reason,
            entry=entry,
        )
    return locked


def mark_paid(*, actor: Actor, claim: Claim, reference: str = "") -> Claim:
    """The payer paid the approved amount: Dr clearing(payer:<scheme>:<region>) / Cr the
    payer's receivable. Payer officers of the region and platform admins."""
    if not (actor.is_platform_admin or may_decide(actor, claim)):
        raise Forbidden()
    ref = (reference or "").strip()[:64]
    with transaction.atomic():
        locked = _lock(claim)
        if locked.status == ClaimStatus.PAID:
            return locked
        if not claim_may(locked.status, ClaimStatus.PAID):
            raise _refuse(locked, ClaimStatus.PAID)
        amount = locked.approved_fen or 0
        entry = post_entry(
            event=EntryEvent.CLAIM_PAID,
            key=f"claim:{locked.pk}",
            postings=[
                dr(acct.clearing(f"payer:{locked.payer}:{locked.region.code}"), amount),
                cr(acct.payer(locked.payer, locked.region.code), amount),
            ],
            actor=actor,
            institution_id=locked.institution_id,
            memo=f"claim {locked.number} paid {ref}".strip(),
        )
        src = locked.status
        locked.status = ClaimStatus.PAID
        locked.paid_fen = amount
        locked.paid_reference = ref
        locked.paid_at = clock.now()
        locked.save(update_fields=["status", "paid_fen", "paid_reference", "paid_at"])
        _event(locked, actor=actor, src=src, dst=ClaimStatus.PAID, amount_fen=amount, entry=entry)
    return locked


def transition(
    *,
    actor: Actor,
    claim: Claim,
    to: str,
    approved_fen: int | None = None,
    reason: str = "",
    reference: str = "",
    lines: Sequence[tuple[int, int, str]] | None = None,
) -> Claim:
    """One entry point for the API and pages: move ``claim`` to ``to`` (``lines``: a
    partial approval decided line by line, see ``decide_lines``)."""
    if to == ClaimStatus.APPROVED:
        return approve(actor=actor, claim=claim)
    if to == ClaimStatus.PARTLY_APPROVED and lines:
        return decide_lines(actor=actor, claim=claim, lines=lines, reason=reason)
    if to == ClaimStatus.PARTLY_APPROVED:
        return partly_approve(
            actor=actor, claim=claim, approved_fen=int(approved_fen or 0), reason=reason
        )
    if to == ClaimStatus.REJECTED:
        return reject(actor=actor, claim=claim, reason=reason)
    if to == ClaimStatus.PAID:
        return mark_paid(actor=actor, claim=claim, reference=reference)
    raise _refuse(claim, to)


# --- exports ------------------------------------------------------------------------------


def _columns() -> list[str]:
    return [
        _("Batch"),
        _("Institution"),
        _("Institution licence"),
        _("Payer"),
        _("Region code"),
        _("Month"),
        _("Line"),
        _("Service date"),
        _("Insured person"),
        _("Insurance number"),
        _("ID number (masked)"),
        _("Disability level"),
        _("Item code"),
        _("Item"),
        _("Visit price (fen)"),
        _("Claimed (fen)"),
        _("Approved (fen)"),
    ]


def export_rows(claim: Claim) -> list[list[Any]]:
    """The payer's batch file rows: what it needs to adjudicate each line (name, its own
    insurance number in full, LTC level), and the resident ID masked."""
    zh = (get_language() or "").startswith("zh")
    lines = list(
        claim.lines.select_related(
            "share__visit", "share__elder", "share__order__item", "claim__institution"
        ).order_by("share__service_date", "pk")
    )
    elder_ids = {ln.share.elder_id for ln in lines}
    numbers: dict[int, tuple[str, int | None]] = {}
    for e in InsuranceEnrollment.objects.filter(
        elder_id__in=elder_ids, scheme=claim.payer
    ).order_by("id"):
        numbers[e.elder_id] = (e.number, e.ltc_disability_level)
    inst = claim.institution
    rows: list[list[Any]] = []
    for i, ln in enumerate(lines, start=1):
        share = ln.share
        number, level = numbers.get(share.elder_id, ("", None))
        item = share.order.item
        rows.append(
            [
                claim.number,
                inst.name_zh if zh else inst.name_en,
                inst.licence_number,
                claim.payer,
                claim.region.code,
                claim.period,
                i,
                share.service_date.isoformat(),
                share.elder.full_name,
                number,
                mask_id_number(share.elder.id_number),
                level if level is not None else "",
                item.code,
                item.name_zh if zh else item.name_en,
                share.visit.price_fen,
                ln.amount_fen,
                ln.approved_fen if ln.approved_fen is not None else "",
            ]
        )
    return rows


def export_claim(*, actor: Actor, claim: Claim, fmt: str) -> tuple[str, str, bytes]:
    """The claim as the payer's batch file: ``(filename, content type, bytes)``, CSV
    (UTF-8 with BOM, so spreadsheet programs read the Chinese) or XLSX. Audited."""
    if fmt not in ("csv", "xlsx"):
        raise errors.InvalidExportFormat(details={"format": fmt})
    head = _columns()
    rows = export_rows(claim)
    name = f"{claim.number}-{claim.payer}-{claim.region.code}-{claim.period}.{fmt}"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(head)
        writer.writerows(rows)
        data = ("\ufeff" + buf.getvalue()).encode("utf-8")
        ctype = "text/csv; charset=utf-8"
    else:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = claim.number
        ws.append(head)
        for r in rows:
            ws.append(r)
        ws.append([])
        ws.append([_("Total claimed (fen)"), claim.claimed_fen])
        out = io.BytesIO()
        wb.save(out)
        data = out.getvalue()
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    audit.record(
        actor=actor.user,
        action="billing.claim_exported",
        object_type="claim",
        object_id=claim.pk,
        institution_id=claim.institution_id,
        details={"format": fmt, "lines": len(rows)},
    )
    return name, ctype, data


# --- claims against the ledger ------------------------------------------------------------


def claims_vs_ledger(
    *, institution_id: int | None = None, period: str | None = None
) -> list[dict[str, Any]]:
    """Every mismatch between claims and the ledger's payer receivables (for the
    reconciliation report). An empty list means they agree.

    Each mismatch is a dict::

        {"kind": str, "claim_id": int | None, "account": str,
         "expected_fen": int, "ledger_fen": int}

    ``kind`` is one of:

    - ``lines_total``: the claim's ``claimed_fen`` differs from the sum of its lines
      (expected = lines, ledger = claimed_fen);
    - ``claimed_vs_posted``: the claim's lines differ from what the orders' ``order_placed``
      entries debited the payer account for those visits' orders (expected = the lines'
      shares of their orders, ledger = the debits), checked per claim;
    - ``refused_vs_posted``: what the payer refused (claimed - approved, on a partly approved
      or rejected claim) differs from the claim's ``claim_rejected`` credit (0 when none);
    - ``paid_vs_posted``: a paid claim's ``paid_fen`` differs from its ``claim_paid`` credit,
      or a claim not yet paid has one;
    - ``receivable``: a payer account's balance differs from what its locked shares leave
      owed (live shares minus refused parts minus paid approvals), per account
      (``claim_id`` None; only when no filter is given).

    ``institution_id`` and ``period`` (YYYY-MM) narrow the claims checked.
    """
    out: list[dict[str, Any]] = []
    claims = Claim.objects.select_related("region").order_by("pk")
    if institution_id is not None:
        claims = claims.filter(institution_id=institution_id)
    if period is not None:
        claims = claims.filter(period=period)
    claims_list = list(claims)
    line_totals = {
        row["claim_id"]: int(row["t"] or 0)
        for row in ClaimLine.objects.filter(claim__in=claims_list)
        .values("claim_id")
        .annotate(t=Sum("amount_fen"))
        .order_by()
    }
    # per claim: credits of the payer account by event
    posted: dict[tuple[str, str], int] = {}
    keys = [f"claim:{c.pk}" for c in claims_list]
    for event, key, amount in JournalLine.objects.filter(
        entry__key__in=keys,
        entry__event__in=[EntryEvent.CLAIM_PAID, EntryEvent.CLAIM_REJECTED],
        account__code__startswith="payer:",
    ).values_list("entry__event", "entry__key", "amount_fen"):
        posted[(event, key)] = posted.get((event, key), 0) - int(amount)
    for c in claims_list:
        key = f"claim:{c.pk}"
        lines = line_totals.get(c.pk, 0)
        if lines != c.claimed_fen:
            out.append(_mismatch("lines_total", c, lines, c.claimed_fen))
        # what the orders posted to the payer account for the claimed shares' orders
        order_ids = list(c.lines.values_list("share__order_id", flat=True).distinct())
        shares_of_orders = (
            PayerShare.objects.filter(
                order_id__in=order_ids, account_code=c.account_code
            ).aggregate(t=Sum("amount_fen"))["t"]
            or 0
        )
        debits = (
            JournalLine.objects.filter(
                entry__event=EntryEvent.ORDER_PLACED,
                entry__order_id__in=order_ids,
                account__code=c.account_code,
            ).aggregate(t=Sum("amount_fen"))["t"]
            or 0
        )
        if int(shares_of_orders) != int(debits):
            out.append(_mismatch("claimed_vs_posted", c, int(shares_of_orders), int(debits)))
        refused = (
            c.claimed_fen - (c.approved_fen or 0)
            if c.status in (ClaimStatus.REJECTED, ClaimStatus.PARTLY_APPROVED)
            or (c.status == ClaimStatus.PAID and (c.approved_fen or 0) < c.claimed_fen)
            else 0
        )
        got = posted.get((EntryEvent.CLAIM_REJECTED, key), 0)
        if refused != got:
            out.append(_mismatch("refused_vs_posted", c, refused, got))
        paid = c.paid_fen if c.status == ClaimStatus.PAID else 0
        got = posted.get((EntryEvent.CLAIM_PAID, key), 0)
        if paid != got:
            out.append(_mismatch("paid_vs_posted", c, paid, got))
    if institution_id is None and period is None:
        out += _receivables()
    return out


def _mismatch(kind: str, claim: Claim, expected: int, ledger: int) -> dict[str, Any]:
    return {
        "kind": kind,
        "claim_id": claim.pk,
        "account": claim.account_code,
        "expected_fen": expected,
        "ledger_fen": ledger,
    }


def _receivables() -> list[dict[str, Any]]:
    owed: dict[str, int] = defaultdict(int)
    for code, amount, rejected, released in PayerShare.objects.exclude(payer=SELF_PAY).values_list(
        "account_code", "amount_fen", "rejected_fen", "released_at"
    ):
        if released is None:
            owed[code] += int(amount) - int(rejected)
    for code, paid in (
        Claim.objects.filter(status=ClaimStatus.PAID)
        .values("account_code")
        .annotate(t=Sum("paid_fen"))
        .values_list("account_code", "t")
    ):
        owed[code] -= int(paid or 0)
    balances = dict(
        Account.objects.filter(code__startswith="payer:").values_list("code", "balance_fen")
    )
    out = []
    for code in sorted(set(owed) | set(balances)):
        if owed.get(code, 0) != int(balances.get(code, 0)):
            out.append(
                {
                    "kind": "receivable",
                    "claim_id": None,
                    "account": code,
                    "expected_fen": owed.get(code, 0),
                    "ledger_fen": int(balances.get(code, 0)),
                }
            )
    return out


def claim_events(claim: Claim) -> list[ClaimEvent]:
    return list(claim.events.select_related("actor").order_by("at", "pk"))


def local(at: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(at) if at else None
