"""Payer rules API (ADR 0023 addendum, ADR 0029), on the billing router: list the rule
versions of the caller's regions, publish a new version from a date. A published version
is never edited: a new version supersedes it from its first day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Schema, Status

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.core.api import ERRORS, actor_of
from doorstep.core.errors import NotFound
from doorstep.regions.models import Region

from . import errors, payer_rules
from .api import router
from .models import PayerRule


def rules_visible_to(actor: Actor) -> QuerySet[PayerRule]:
    """Platform admins: every version; payer officers: the versions of regions in their
    subtree and of the regions above it (the rules that apply to their elders); others
    none."""
    if actor.user_id is None:
        return PayerRule.objects.none()
    if actor.is_platform_admin:
        return PayerRule.objects.all()
    paths = actor.region_paths(Role.PAYER_OFFICER)
    if not paths:
        return PayerRule.objects.none()
    if "" in paths:
        return PayerRule.objects.all()
    q = Q(pk__in=[])
    for p in paths:
        parts = [x for x in p.split("/") if x]
        above = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
        q |= Q(region__path__startswith=p) | Q(region__path__in=above)
    return PayerRule.objects.filter(q)


def may_publish(actor: Actor, region: Region) -> bool:
    return actor.is_platform_admin or any(
        region.path.startswith(p) for p in actor.region_paths(Role.PAYER_OFFICER)
    )


def region_for(actor: Actor, code: str) -> Region:
    """The region a new version is for; 404 when unknown or outside the caller's."""
    region = Region.objects.filter(code=code).first()
    if region is None or not may_publish(actor, region):
        raise NotFound()
    return region


def publish(*, actor: Actor, region: Region, values: dict[str, Any]) -> PayerRule:
    """Publish from the API or the page: refuses a start before today
    (``payer_rule_backdated``: locked splits are never re-priced, so a rule cannot start
    in the past), then ``payer_rules.publish_rule``."""
    start = values.pop("effective_from")
    if start < clock.today():
        raise errors.PayerRuleBackdated(details={"effective_from": start.isoformat()})
    for name in ("version", "name_zh", "name_en"):
        if not str(values.get(name) or "").strip():
            raise errors.InvalidPayerRule(details={name: "required"})
    return payer_rules.publish_rule(actor=actor, region=region, effective_from=start, **values)


class PayerRuleOut(Schema):
    id: int
    region_code: str
    region_name: str
    scheme: str
    version: str
    name: str
    name_zh: str
    name_en: str
    effective_from: dt.date
    effective_to: dt.date | None = Field(description="First day no longer in force; null: open.")
    in_force: bool
    eligible: list[str]
    coverage_bp: int
    deductible_fen: int
    annual_cap_fen: int | None
    ltc_bp_by_level: dict[str, int]
    ltc_monthly_quota_fen: dict[str, int]
    min_age: int | None
    low_income_only: bool


def rule_out(r: PayerRule) -> dict[str, Any]:
    today = clock.today()
    return {
        "id": r.pk,
        "region_code": r.region.code,
        "region_name": r.region.name_zh,
        "scheme": r.scheme,
        "version": r.version,
        "name": payer_rules.payer_name(r.scheme, r),
        "name_zh": r.name_zh,
        "name_en": r.name_en,
        "effective_from": r.effective_from,
        "effective_to": r.effective_to,
        "in_force": r.effective_from <= today
        and (r.effective_to is None or r.effective_to > today),
        "eligible": [str(x) for x in r.eligible or ()],
        "coverage_bp": r.coverage_bp,
        "deductible_fen": r.deductible_fen,
        "annual_cap_fen": r.annual_cap_fen,
        "ltc_bp_by_level": {str(k): int(v) for k, v in (r.ltc_bp_by_level or {}).items()},
        "ltc_monthly_quota_fen": {
            str(k): int(v) for k, v in (r.ltc_monthly_quota_fen or {}).items()
        },
        "min_age": r.min_age,
        "low_income_only": r.low_income_only,
    }


class RuleFilter(Schema):
    region_code: str | None = None
    scheme: str | None = None


class RulePage(Schema):
    count: int
    items: list[PayerRuleOut]


@router.get("/billing/payer-rules", response={200: RulePage, **ERRORS})
def list_rules(request: HttpRequest, filters: Query[RuleFilter]) -> Any:
    """Payer rule versions the caller may see (platform admins all; payer officers their
    regions' and those above them), by region, scheme and newest first."""
    qs = rules_visible_to(actor_of(request)).select_related("region")
    if filters.region_code:
        qs = qs.filter(region__code=filters.region_code)
    if filters.scheme:
        qs = qs.filter(scheme=filters.scheme)
    rows = [rule_out(r) for r in qs.order_by("region__path", "scheme", "-effective_from")[:500]]
    return {"count": len(rows), "items": rows}


class PublishIn(Schema):
    region_code: str = Field(max_length=16, description="The region's administrative code.")
    scheme: str = Field(description="employee_basic, resident_basic, long_term_care, ...")
    version: str = Field(max_length=32)
    name_zh: str = Field(max_length=64)
    name_en: str = Field(max_length=96)
    effective_from: dt.date = Field(description="First day in force; today or later.")
    eligible: list[str] = Field(default_factory=list, description="Item codes or groups.")
    coverage_bp: int = Field(0, description="Basis points, 0-10000.")
    deductible_fen: int = 0
    annual_cap_fen: int | None = None
    ltc_bp_by_level: dict[str, int] = Field(default_factory=dict)
    ltc_monthly_quota_fen: dict[str, int] = Field(default_factory=dict)
    min_age: int | None = Field(None, ge=0, le=150)
    low_income_only: bool = False


@router.post("/billing/payer-rules", response={201: PayerRuleOut, **ERRORS})
def publish_rule(request: HttpRequest, payload: PublishIn) -> Any:
    """Publish a new version of a scheme's rule in a region from ``effective_from``: the
    version open then ends the day before; a start on or before the latest version's is
    422 ``invalid_payer_rule``, a start in the past 422 ``payer_rule_backdated``. Platform
    admins; payer officers whose region covers the rule's (else 404)."""
    actor = actor_of(request)
    region = region_for(actor, payload.region_code)
    values = payload.dict()
    values.pop("region_code")
    rule = publish(actor=actor, region=region, values=values)
    rule.region = region
    return Status(201, rule_out(rule))
