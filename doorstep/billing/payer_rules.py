"""Payer rules stored per region and scheme, the elder's usage, and the split locked with
an order (ADR 0023).

- ``rule_in_force(region, scheme, on)``: the version in force on ``on`` of the nearest
  region on the path from ``region`` up to the province (a district's own rule overrides
  the city's); ``rules_for`` does it for every scheme at once (one query).
- ``patient_of(elder, on)``: the elder's schemes from ``people.InsuranceEnrollment`` valid
  on ``on`` (age on that day; LTC disability level; low-income = a government-subsidy
  enrollment, which civil affairs only issue to certified low-income elders).
- ``usage_of(elder, on)``: what the elder already used in the year and month of ``on``,
  read from the locked payer shares (what the ledger's payer receivables were debited)
  minus what payers refused on claims, and the deductible orders consumed.
- ``payer_context(elder, on, item)`` gathers those once; ``quote`` splits a price with it
  (pure, so quoting many institutions costs no more queries).
- ``lock_for_order`` writes the split of a new order: one ``PayerSplit`` and one
  ``PayerShare`` per visit and payer. An elder with no scheme that has a rule in force
  gets no rows at all and is self-pay exactly as before.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock
from doorstep.core.errors import Forbidden
from doorstep.people.enums import InsuranceScheme
from doorstep.people.models import InsuranceEnrollment
from doorstep.regions.models import Region

from . import accounts as acct
from . import errors, payers
from .models import PayerRule, PayerShare, PayerSplit

SELF_PAY = payers.SELF_PAY


def _ancestor_paths(region: Region) -> list[str]:
    parts = [p for p in region.path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _in_force(on: dt.date) -> Q:
    return Q(effective_from__lte=on) & (Q(effective_to__isnull=True) | Q(effective_to__gt=on))


def rules_for(
    *, region: Region, on: dt.date, schemes: Iterable[str] | None = None
) -> list[PayerRule]:
    """The rule in force on ``on`` for each scheme, from the nearest region on the path
    from ``region`` to the root (one query)."""
    qs = PayerRule.objects.filter(_in_force(on), region__path__in=_ancestor_paths(region))
    if schemes is not None:
        qs = qs.filter(scheme__in=list(schemes))
    best: dict[str, PayerRule] = {}
    for rule in qs.select_related("region"):
        have = best.get(rule.scheme)
        if have is None or (rule.region.level, rule.effective_from) > (
            have.region.level,
            have.effective_from,
        ):
            best[rule.scheme] = rule
    return [best[s] for s in payers.ORDER if s in best]


def rule_in_force(*, region: Region, scheme: str, on: dt.date) -> PayerRule | None:
    found = rules_for(region=region, on=on, schemes=[scheme])
    return found[0] if found else None


def to_rule(row: PayerRule) -> payers.Rule:
    """The pure rule of a stored version."""
    return payers.Rule(
        scheme=row.scheme,
        version=row.version,
        eligible=frozenset(str(x) for x in row.eligible or ()),
        coverage_bp=row.coverage_bp,
        deductible_fen=row.deductible_fen,
        annual_cap_fen=row.annual_cap_fen,
        ltc_bp_by_level={int(k): int(v) for k, v in (row.ltc_bp_by_level or {}).items()},
        ltc_monthly_quota_fen={
            int(k): int(v) for k, v in (row.ltc_monthly_quota_fen or {}).items()
        },
        min_age=row.min_age,
        low_income_only=row.low_income_only,
    )


def _age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def enrollments_of(elder: Any, on: dt.date) -> list[InsuranceEnrollment]:
    return list(
        InsuranceEnrollment.objects.filter(elder=elder, is_active=True, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("id")
    )


def patient_of(
    elder: Any, on: dt.date, enrollments: Sequence[InsuranceEnrollment]
) -> payers.Patient:
    schemes = frozenset(e.scheme for e in enrollments)
    level = next(
        (
            e.ltc_disability_level
            for e in enrollments
            if e.scheme == InsuranceScheme.LONG_TERM_CARE and e.ltc_disability_level is not None
        ),
        None,
    )
    return payers.Patient(
        age=_age_on(elder.birth_date, on),
        low_income=InsuranceScheme.GOVERNMENT_SUBSIDY in schemes,
        schemes=schemes,
        ltc_level=level,
    )


def usage_of(elder: Any, on: dt.date, schemes: Iterable[str]) -> payers.Usage:
    """What the elder used of each scheme in the year and the month of ``on`` (fen): the
    live payer shares (not released) minus what payers refused, and the deductible that
    orders with a live visit consumed."""
    schemes = list(schemes)
    if not schemes:
        return payers.Usage()
    year: dict[str, int] = defaultdict(int)
    month: dict[str, int] = defaultdict(int)
    rows = (
        PayerShare.objects.filter(
            elder=elder, payer__in=schemes, service_date__year=on.year, released_at__isnull=True
        )
        .values("payer", "service_date__month")
        .annotate(t=Sum(F("amount_fen") - F("rejected_fen")))
        .order_by()
    )
    for row in rows:
        year[row["payer"]] += int(row["t"] or 0)
        if row["service_date__month"] == on.month:
            month[row["payer"]] += int(row["t"] or 0)
    deductible: dict[str, int] = defaultdict(int)
    live = PayerShare.objects.filter(released_at__isnull=True).values("order_id")
    for used in PayerSplit.objects.filter(
        elder=elder, service_date__year=on.year, order_id__in=live
    ).values_list("deductible_fen", flat=True):
        for scheme, fen in (used or {}).items():
            if scheme in schemes:
                deductible[scheme] += int(fen)
    return payers.Usage(
        deductible_used_fen=dict(deductible),
        paid_this_year_fen=dict(year),
        paid_this_month_fen=dict(month),
    )


@dataclass(frozen=True)
class PayerContext:
    """Everything the split of one elder's visit needs, read once."""

    patient: payers.Patient
    rules: tuple[PayerRule, ...]
    usage: payers.Usage
    item_code: str
    item_group: str
    pure_rules: tuple[payers.Rule, ...] = field(default=())

    @property
    def insured(self) -> bool:
        return bool(self.rules)


def payer_context(*, elder: Any, item: Any, on: dt.date) -> PayerContext:
    """The elder's enrolled schemes that have a rule in force where they live, and their
    usage; without any, an empty context (everything self-pay, no further query)."""
    enrollments = enrollments_of(elder, on)
    patient = patient_of(elder, on, enrollments)
    rows: tuple[PayerRule, ...] = ()
    if patient.schemes:
        rows = tuple(rules_for(region=elder.region, on=on, schemes=patient.schemes))
    usage = usage_of(elder, on, [r.scheme for r in rows]) if rows else payers.Usage()
    return PayerContext(
        patient=patient,
        rules=rows,
        usage=usage,
        item_code=item.code,
        item_group=item.category.group,
        pure_rules=tuple(to_rule(r) for r in rows),
    )


def quote(ctx: PayerContext, price_fen: int) -> payers.Split:
    """Split ``price_fen`` for the context's elder and item (pure)."""
    return payers.split(
        price_fen,
        item_code=ctx.item_code,
        item_group=ctx.item_group,
        patient=ctx.patient,
        rules=ctx.pure_rules,
        usage=ctx.usage,
    )


def payer_name(scheme: str, rule: PayerRule | None = None) -> str:
    """A payer's name in the active language ("You pay" for the self-pay share)."""
    if scheme == SELF_PAY:
        return _("You pay")
    zh = (get_language() or "").startswith("zh")
    if rule is not None:
        return rule.name_zh if zh else rule.name_en
    return str(InsuranceScheme(scheme).label) if scheme in InsuranceScheme.values else scheme


def share_lines(ctx: PayerContext, split: payers.Split) -> list[dict[str, Any]]:
    """The split as lines to show: payer code, name in the user's language, amount."""
    by_scheme = {r.scheme: r for r in ctx.rules}
    return [
        {
            "payer": s.payer,
            "name": payer_name(s.payer, by_scheme.get(s.payer)),
            "amount_fen": s.amount_fen,
            "reason": s.reason,
        }
        for s in split.shares
    ]


def allocate(prices: Sequence[int], shares: Sequence[tuple[str, int]]) -> list[dict[str, int]]:
    """Spread an order's payer shares over its visits (pure).

    ``prices`` are the visits' prices (summing to the order total), ``shares`` the order's
    ``(payer, fen)`` shares (summing to the same total). Each visit takes from every payer
    in proportion to what that payer still has to give, rounded down, and the rounding goes
    one fen at a time to the payers with the largest remainders that still have some left;
    so every visit's shares add up to its price and every payer's to its order share."""
    if sum(prices) != sum(a for _p, a in shares):
        raise ValueError("the shares do not add up to the prices")
    left = {p: a for p, a in shares}
    order = [p for p, _a in shares]
    out: list[dict[str, int]] = []
    for price in prices:
        total_left = sum(left.values())
        if total_left == 0:
            out.append({})
            continue
        base: dict[str, int] = {}
        rems: list[tuple[int, int, str]] = []
        for i, p in enumerate(order):
            q, r = divmod(left[p] * price, total_left)
            base[p] = q
            rems.append((-r, i, p))
        spare = price - sum(base.values())
        for _r, _i, p in sorted(rems):
            if spare == 0:
                break
            if base[p] < left[p]:
                base[p] += 1
                spare -= 1
        for p in order:
            left[p] -= base[p]
        out.append({p: a for p, a in base.items() if a > 0})
    return out


def local_date(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date() if timezone.is_aware(at) else at.date()


def lock_for_order(*, order: Any, visits: Sequence[Any], item: Any) -> PayerSplit | None:
    """Split ``order``'s locked total between the elder's payers and write it (in the
    caller's transaction). Returns ``None`` when no payer rule applies (self-pay)."""
    first = min(visits, key=lambda v: v.window_start) if visits else None
    on = local_date(first.window_start) if first is not None else clock.today()
    ctx = payer_context(elder=order.elder, item=item, on=on)
    if not ctx.insured:
        return None
    result = quote(ctx, order.total_fen)
    by_scheme = {r.scheme: r for r in ctx.rules}
    split = PayerSplit.objects.create(
        order=order,
        elder_id=order.elder_id,
        service_date=on,
        total_fen=order.total_fen,
        rules=[
            {"scheme": r.scheme, "version": r.version, "region": r.region.code} for r in ctx.rules
        ],
        deductible_fen=dict(result.deductible_fen),
        created_at=clock.now(),
    )
    ordered = sorted(visits, key=lambda v: v.seq)
    per_visit = allocate(
        [v.price_fen for v in ordered], [(s.payer, s.amount_fen) for s in result.shares]
    )
    reasons = {s.payer: s.reason for s in result.shares}
    rows = []
    for visit, amounts in zip(ordered, per_visit, strict=True):
        for payer, amount in amounts.items():
            rule = by_scheme.get(payer)
            rows.append(
                PayerShare(
                    order=order,
                    visit=visit,
                    elder_id=order.elder_id,
                    payer=payer,
                    region=rule.region if rule else None,
                    account_code=(
                        acct.payer(payer, rule.region.code).code
                        if rule
                        else acct.patient(order.elder_id).code
                    ),
                    rule=rule,
                    reason=reasons[payer],
                    amount_fen=amount,
                    service_date=local_date(visit.window_start),
                )
            )
    PayerShare.objects.bulk_create(rows)
    return split


# --- reading locked shares ---------------------------------------------------------------


def shares_of_order(order_id: int) -> list[PayerShare]:
    return list(
        PayerShare.objects.filter(order_id=order_id)
        .select_related("rule")
        .order_by("visit_id", "id")
    )


def order_lines(order_id: int) -> list[dict[str, Any]]:
    """The order's locked shares summed by payer, in application order, self-pay last:
    ``[{payer, name, amount_fen, released_fen}]``; empty for a self-pay order."""
    rows = shares_of_order(order_id)
    totals: dict[str, int] = defaultdict(int)
    released: dict[str, int] = defaultdict(int)
    rules: dict[str, PayerRule | None] = {}
    for r in rows:
        totals[r.payer] += r.amount_fen
        if r.released_at is not None:
            released[r.payer] += r.amount_fen
        rules.setdefault(r.payer, r.rule)
    rank = {s: i for i, s in enumerate((*payers.ORDER, SELF_PAY))}
    return [
        {
            "payer": p,
            "name": payer_name(p, rules.get(p)),
            "amount_fen": totals[p],
            "released_fen": released[p],
        }
        for p in sorted(totals, key=lambda x: rank.get(x, 99))
    ]


def has_split(order_id: int) -> bool:
    """Whether a payer split was locked with the order (one indexed query)."""
    return PayerSplit.objects.filter(order_id=order_id).exists()


def self_pay_of(visits: Iterable[Any]) -> int:
    """What the patient pays of ``visits`` (fen): their self-pay shares, and the whole
    price of a visit with no locked split."""
    visits = list(visits)
    if not visits:
        return 0
    by_visit: dict[int, int] = defaultdict(int)
    split_visits: set[int] = set()
    for visit_id, payer, amount in PayerShare.objects.filter(
        visit_id__in=[v.pk for v in visits]
    ).values_list("visit_id", "payer", "amount_fen"):
        split_visits.add(visit_id)
        if payer == SELF_PAY:
            by_visit[visit_id] += amount
    return sum(by_visit[v.pk] if v.pk in split_visits else v.price_fen for v in visits)


def release_visit_shares(visit_id: int) -> list[tuple[acct.Ref, int]]:
    """Mark a visit's locked shares released (it will not be delivered) and return its
    payer shares as ``(payer account, fen)`` to credit back; the same answer every time."""
    rows = list(PayerShare.objects.filter(visit_id=visit_id).select_related("region"))
    if not rows:
        return []
    PayerShare.objects.filter(visit_id=visit_id, released_at__isnull=True).update(
        released_at=clock.now()
    )
    return [
        (acct.payer(r.payer, r.region.code if r.region else None), r.amount_fen)
        for r in sorted(rows, key=lambda r: r.account_code)
        if r.payer != SELF_PAY and r.amount_fen > 0
    ]


def payer_debits(order_id: int) -> Mapping[str, tuple[acct.Ref, int]]:
    """Account code -> (ref, fen) of the order's payer shares (self-pay excluded)."""
    out: dict[str, tuple[acct.Ref, int]] = {}
    for r in (
        PayerShare.objects.filter(order_id=order_id)
        .exclude(payer=SELF_PAY)
        .select_related("region")
    ):
        ref = acct.payer(r.payer, r.region.code if r.region else None)
        prev = out.get(ref.code, (ref, 0))[1]
        out[ref.code] = (ref, prev + r.amount_fen)
    return out


# --- publishing rule versions ------------------------------------------------------------

RULE_FIELDS = (
    "eligible",
    "coverage_bp",
    "deductible_fen",
    "annual_cap_fen",
    "ltc_bp_by_level",
    "ltc_monthly_quota_fen",
    "min_age",
    "low_income_only",
)


def _check_rule(scheme: str, values: Mapping[str, Any]) -> None:
    bad: dict[str, Any] = {}
    if scheme not in payers.ORDER:
        bad["scheme"] = scheme
    if not 0 <= int(values.get("coverage_bp") or 0) <= payers.FULL_BP:
        bad["coverage_bp"] = values.get("coverage_bp")
    for name in ("ltc_bp_by_level", "ltc_monthly_quota_fen"):
        for level, v in (values.get(name) or {}).items():
            if not (str(level).isdigit() and 0 <= int(level) <= 5 and int(v) >= 0):
                bad[name] = {str(level): v}
    for level, v in (values.get("ltc_bp_by_level") or {}).items():
        if int(v) > payers.FULL_BP:
            bad["ltc_bp_by_level"] = {str(level): v}
    for name in ("deductible_fen", "annual_cap_fen"):
        if values.get(name) is not None and int(values[name]) < 0:
            bad[name] = values[name]
    if bad:
        raise errors.InvalidPayerRule(details=bad)


def publish_rule(
    *,
    actor: Actor,
    region: Region,
    scheme: str,
    version: str,
    name_zh: str,
    name_en: str,
    effective_from: dt.date,
    **values: Any,
) -> PayerRule:
    """Publish a new version of ``scheme``'s rule in ``region`` from ``effective_from``:
    the version open on that day ends the day before (``effective_to`` = the new start);
    a version starting on the same day or later is refused (versions never overlap).
    Platform admins, and payer officers whose region covers ``region``. Audited."""
    if not (
        actor.is_platform_admin
        or any(region.path.startswith(p) for p in actor.region_paths(Role.PAYER_OFFICER))
    ):
        raise Forbidden()
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise errors.InvalidPayerRule(details={"fields": sorted(unknown)})
    _check_rule(scheme, values)
    with transaction.atomic():
        versions = list(PayerRule.objects.select_for_update().filter(region=region, scheme=scheme))
        if any(v.effective_from >= effective_from for v in versions):
            raise errors.InvalidPayerRule(details={"effective_from": effective_from.isoformat()})
        for v in versions:
            if v.effective_to is None or v.effective_to > effective_from:
                v.effective_to = effective_from
                v.save(update_fields=["effective_to"])
        rule = PayerRule.objects.create(
            region=region,
            scheme=scheme,
            version=version,
            name_zh=name_zh,
            name_en=name_en,
            effective_from=effective_from,
            created_by=actor.user,
            created_at=clock.now(),
            **{k: v for k, v in values.items() if v is not None or k == "annual_cap_fen"},
        )
        audit.record(
            actor=actor.user,
            action="billing.payer_rule_published",
            object_type="payer_rule",
            object_id=rule.pk,
            changed_fields=sorted(values),
            details={"region": region.code, "scheme": scheme, "version": version},
        )
    return rule
