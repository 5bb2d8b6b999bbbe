"""The care-plan editor (issue 6, items 3-6; ADR 0027).

One page per elder for everyone who may see the record (``health.access``): clinical
staff of the plan's institution edit the plan (goals, interventions with their schedule,
activate, generate, end), see the generated visits with their orders and the reason of
any skipped day, and accept or dismiss the proactive proposals with the data behind them;
the elder and family see the same plan and visits read-only. Everyone else: 404. Reads
are audited through ``access.access_record``. Every change goes through
``health.careplans`` / ``health.proposals``; the forms post to ``care_plan_act`` and come
back to the page (HTMX boosts them: no full reload; without script they still work).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.catalog.models import ServiceItem
from doorstep.core import clock
from doorstep.core.errors import ApplicationError, NotFound
from doorstep.health import access, careplans, frequency, proposals
from doorstep.health.careplan_api import skip_message
from doorstep.health.models import (
    CarePlan,
    CarePlanStatus,
    CareProposal,
    FrequencyKind,
    Intervention,
    ProposalStatus,
)
from doorstep.people.models import Elder
from doorstep.workforce.models import Provider

from .common import role_page
from .loop_common import error_text

CLINICAL = (Role.NURSE, Role.COMMUNITY_DOCTOR, Role.INSTITUTION_REVIEWER)
READERS = (*CLINICAL, Role.ELDER, Role.FAMILY)
INDEX_LIMIT = 50
WEEKDAYS = (
    (1, "Mon", "一"),
    (2, "Tue", "二"),
    (3, "Wed", "三"),
    (4, "Thu", "四"),
    (5, "Fri", "五"),
    (6, "Sat", "六"),
    (7, "Sun", "日"),
)
EVIDENCE_LABELS = {
    "blood_pressure": ("Blood pressure", "血压"),
    "glucose": ("Blood glucose", "血糖"),
    "weight": ("Weight", "体重"),
    "spo2": ("Oxygen saturation", "血氧饱和度"),
    "barthel": ("Barthel index", "Barthel 指数"),
    "braden": ("Braden scale", "Braden 评分"),
    "morse": ("Morse fall scale", "Morse 跌倒评分"),
    "gds15": ("GDS-15", "老年抑郁量表"),
}


def zh() -> bool:
    return (get_language() or "").lower().startswith("zh")


def pick(en: str, zh_text: str) -> str:
    return zh_text if zh() else en


def _is_staff(actor: Actor, elder: Elder) -> bool:
    return access.may(actor, elder, "change")


def _visible_plans(elder: Elder, staff: bool) -> list[CarePlan]:
    """Staff see every plan; the elder and family not drafts (the care team's work in
    progress, e.g. a proposal just accepted), only what is or was in force."""
    plans = list(careplans.plans_of(elder))
    return plans if staff else [p for p in plans if p.status != CarePlanStatus.DRAFT]


def _plan_for_page(
    actor: Actor, elder: Elder, wanted: str | None, plans: list[CarePlan]
) -> CarePlan | None:
    if wanted and wanted.isdigit():
        chosen = next((p for p in plans if p.pk == int(wanted)), None)
        if chosen is not None:
            return chosen
    mine = careplans.clinical_institutions(actor)
    open_ = [p for p in plans if p.status != CarePlanStatus.ENDED]
    for p in open_:
        if p.institution_id in mine:
            return p
    if open_:
        return open_[0]
    return plans[0] if plans else None


def _stamp(when: str) -> str:
    """An ISO datetime as local 'YYYY-MM-DD HH:MM' (dates stay as they are)."""
    if "T" not in when:
        return when
    try:
        return timezone.localtime(dt.datetime.fromisoformat(when)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return when


def _evidence_rows(p: CareProposal) -> list[dict[str, Any]]:
    rows = []
    for e in p.evidence:
        what = e.get("kind") or e.get("instrument") or ""
        en, zh_text = EVIDENCE_LABELS.get(what, (what, what))
        if e.get("type") == "line":
            from doorstep.health.rules import LINE_NAMES

            en, zh_text = LINE_NAMES.get(what, (what, what))
            value = pick(
                f"last maintained {e.get('last_maintained_on') or '—'}, {e['days_since']} days",
                f"上次维护 {e.get('last_maintained_on') or '—'}，已 {e['days_since']} 天",
            )
            when = e.get("inserted_on", "")
        elif e.get("type") == "assessment":
            value = str(e["score"])
            when = e["at"]
        else:
            value = e["value"] + (f"/{e['value2']}" if e.get("value2") else "")
            value += f" {e.get('unit', '')}"
            when = e["at"]
        stamp = _stamp(when)
        rows.append({"label": pick(en, zh_text), "value": value, "at": stamp})
    return rows


def _proposal_rows(elder: Elder) -> list[dict[str, Any]]:
    rows = list(proposals.proposals_of(elder, status=ProposalStatus.OPEN))
    names = proposals.item_names(a["item_code"] for p in rows for a in p.actions)
    out = []
    for p in rows:
        actions = []
        for a in p.actions:
            en, zh_name = names.get(a["item_code"], (a["item_code"], a["item_code"]))
            schedule = ""
            if a["kind"] == "recurring" and a.get("frequency"):
                f = a["frequency"]
                freq = frequency.Frequency(
                    f["frequency"], tuple(f.get("weekdays") or ()), f.get("interval_days")
                )
                schedule = pick(*frequency.describe(freq))
                if a.get("days"):
                    schedule += pick(f", for {a['days']} days", f"，共 {a['days']} 天")
            else:
                schedule = _("Once, tomorrow")
            actions.append({"name": pick(en, zh_name), "schedule": schedule})
        out.append(
            {
                "proposal": p,
                "reason": pick(p.reason_en, p.reason_zh),
                "evidence": _evidence_rows(p),
                "actions": actions,
            }
        )
    return out


def _intervention_rows(plan: CarePlan) -> list[dict[str, Any]]:
    rows = []
    for i in plan.interventions.select_related("item", "preferred_provider__user").order_by("id"):
        en, zh_text = frequency.describe(careplans.freq_of(i))
        provider = i.preferred_provider
        rows.append(
            {
                "i": i,
                "name": pick(i.item.name_en, i.item.name_zh),
                "schedule": pick(en, zh_text),
                "window": f"{i.time_from:%H:%M}–{i.time_to:%H:%M}",
                "provider": (provider.user.display_name or provider.user.username)
                if provider
                else "",
            }
        )
    return rows


def _occurrence_rows(plan: CarePlan) -> list[dict[str, Any]]:
    since = clock.today() - dt.timedelta(days=7)
    rows = list(careplans.occurrences_of(plan, since=since))
    statuses = careplans.visit_status_by_order(o.order_id for o in rows if o.order_id)
    from doorstep.orders.enums import VisitStatus

    labels = dict(VisitStatus.choices)
    out = []
    for o in rows:
        visit_status = statuses.get(o.order_id) if o.order_id else None
        out.append(
            {
                "o": o,
                "name": pick(o.intervention.item.name_en, o.intervention.item.name_zh),
                "visit_status": str(labels.get(visit_status, "")) if visit_status else "",
                "reason": skip_message(o.error_code) if o.error_code else "",
            }
        )
    return out


def _items() -> list[dict[str, Any]]:
    return [
        {"code": code, "name": pick(en, zh_name)}
        for code, en, zh_name in ServiceItem.objects.filter(is_active=True)
        .order_by("category__code", "code")
        .values_list("code", "name_en", "name_zh")
    ]


def _providers(plan: CarePlan) -> list[dict[str, Any]]:
    return [
        {"id": p.pk, "name": p.user.display_name or p.user.username}
        for p in Provider.objects.filter(
            institution_id=plan.institution_id, verification_status="verified"
        )
        .select_related("user")
        .order_by("user__display_name", "pk")
    ]


@role_page(*READERS)
def care_index(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The elders whose plans the user may see, with their open plan's status."""
    elders = list(
        Elder.objects.filter(access.scope_filter(actor, "view")).order_by("full_name", "pk")[
            :INDEX_LIMIT
        ]
    )
    # Drafts only for the elders whose care the user is on (not for the elder or family).
    staff_of = set(
        Elder.objects.filter(
            access.scope_filter(actor, "change"), pk__in=[e.pk for e in elders]
        ).values_list("pk", flat=True)
    )
    plans: dict[int, CarePlan] = {}
    for p in CarePlan.objects.filter(
        elder_id__in=[e.pk for e in elders],
        status__in=[CarePlanStatus.DRAFT, CarePlanStatus.ACTIVE],
    ).order_by("-id"):
        if p.status == CarePlanStatus.DRAFT and p.elder_id not in staff_of:
            continue
        plans.setdefault(p.elder_id, p)
    rows = [{"elder": e, "plan": plans.get(e.pk)} for e in elders]
    return render(request, "web/careplans/index.html", {"rows": rows})


@role_page(*READERS)
def care_plan(request: HttpRequest, elder_id: int, *, actor: Actor) -> HttpResponse:
    elder = access.access_record(actor=actor, elder_id=elder_id, part="care_plan")
    staff = _is_staff(actor, elder)
    visible = _visible_plans(elder, staff)
    plan = _plan_for_page(actor, elder, request.GET.get("plan"), visible)
    may_change = False
    if plan is not None and staff:
        may_change = plan.institution_id in careplans.clinical_institutions(actor)
    has_own_open = any(
        p.status != CarePlanStatus.ENDED
        and p.institution_id in careplans.clinical_institutions(actor)
        for p in visible
    )
    context: dict[str, Any] = {
        "elder": elder,
        "plan": plan,
        "plans": visible,
        "staff": staff,
        "may_change": may_change and plan is not None and plan.status != CarePlanStatus.ENDED,
        "may_create": staff and not has_own_open,
        "today": clock.today(),
        "weekdays": [(n, pick(en, z)) for n, en, z in WEEKDAYS],
        "frequencies": FrequencyKind.choices,
    }
    if plan is not None:
        context.update(
            interventions=_intervention_rows(plan),
            occurrences=_occurrence_rows(plan),
            horizon=careplans.horizon_days(plan),
            goals=list(plan.goals.order_by("id")),
            review_due=staff and careplans.review_due(plan),
        )
        if context["may_change"]:
            context.update(items=_items(), providers=_providers(plan))
    if staff:
        context["proposals"] = _proposal_rows(elder)
    context["recommendations"] = [
        {
            **r,
            "name": pick(r["name_en"], r["name_zh"]),
            "reason": pick(r["reason_en"], r["reason_zh"]),
        }
        for r in proposals.recommendations_for(elder)
    ]
    return render(request, "web/careplans/plan.html", context)


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError as exc:
        raise careplans.InvalidPlan(details={"field": "date"}) from exc


def _time(raw: str | None, field: str) -> dt.time | None:
    try:
        return dt.time.fromisoformat(raw) if raw else None
    except ValueError as exc:
        raise careplans.InvalidPlan(details={"field": field}) from exc


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.strip().isdigit() else None


def _own_plan(actor: Actor, elder: Elder, raw: str | None) -> CarePlan:
    plan = (
        CarePlan.objects.select_related("elder", "institution")
        .filter(pk=_int(raw) or 0, elder=elder)
        .first()
    )
    if plan is None:
        raise NotFound()
    careplans.require_change(actor, plan)
    return plan


def _intervention(actor: Actor, elder: Elder, raw: str | None) -> Intervention:
    row = careplans.access_intervention(actor=actor, intervention_id=_int(raw) or 0)
    if row.plan.elder_id != elder.pk:
        raise NotFound()
    return row


def _proposal(actor: Actor, elder: Elder, raw: str | None) -> CareProposal:
    row = proposals.access_proposal(actor=actor, proposal_id=_int(raw) or 0)
    if row.elder_id != elder.pk:
        raise NotFound()
    return row


def _frequency_fields(post: Any) -> dict[str, Any]:
    kind = post.get("frequency") or ""
    return {
        "frequency_kind": kind,
        "weekdays": [int(d) for d in post.getlist("weekdays") if d.isdigit()]
        if kind == "weekly"
        else (),
        "interval_days": _int(post.get("interval_days")) if kind == "every_n_days" else None,
    }


def _act(actor: Actor, elder: Elder, action: str, post: Any) -> tuple[str, CarePlan | None]:
    """Run one form's service; returns the success message and the plan to show."""
    if action == "create":
        plan = careplans.create_plan(
            actor=actor,
            elder=elder,
            title=post.get("title") or "",
            start_date=_date(post.get("start_date")),
            end_date=_date(post.get("end_date")),
            review_date=_date(post.get("review_date")),
        )
        return _("Draft plan started. Add interventions, then activate it."), plan
    if action in ("activate", "generate", "end", "add_intervention", "goal", "review"):
        plan = _own_plan(actor, elder, post.get("plan"))
        if action == "activate":
            careplans.activate_plan(actor=actor, plan=plan)
            return _("The plan is active. Generate its visits now or wait for the daily run."), plan
        if action == "generate":
            r = careplans.generate_plan(actor=actor, plan=plan)
            return (
                _("%(booked)s visits booked, %(skipped)s skipped, %(unchanged)s already booked.")
                % {"booked": r.booked, "skipped": r.skipped, "unchanged": r.unchanged},
                plan,
            )
        if action == "end":
            careplans.end_plan(actor=actor, plan=plan, reason=post.get("reason") or "")
            return _("The plan has ended; its visits that had not started are cancelled."), plan
        if action == "review":
            review_on = _date(post.get("review_date"))
            if review_on is None or review_on <= clock.today():
                # A review sets the next one: a date still due would remind again at once.
                raise careplans.InvalidPlan(details={"field": "review_date"})
            careplans.update_plan(actor=actor, plan=plan, review_date=review_on)
            return _("Reviewed. Next review on %(date)s.") % {"date": review_on.isoformat()}, plan
        if action == "goal":
            careplans.add_goal(
                actor=actor,
                plan=plan,
                description=post.get("description") or "",
                target=post.get("target") or "",
            )
            return _("Goal added."), plan
        careplans.add_intervention(
            actor=actor,
            plan=plan,
            item_code=post.get("item_code") or "",
            time_from=_time(post.get("time_from"), "time_from") or dt.time(9, 0),
            time_to=_time(post.get("time_to"), "time_to"),
            preferred_provider_id=_int(post.get("preferred_provider_id")),
            start_date=_date(post.get("start_date")),
            end_date=_date(post.get("end_date")),
            note=post.get("note") or "",
            **_frequency_fields(post),
        )
        return _("Intervention added."), plan
    if action in ("remove_intervention", "edit_intervention"):
        row = _intervention(actor, elder, post.get("intervention"))
        if action == "remove_intervention":
            careplans.remove_intervention(
                actor=actor, intervention=row, reason=post.get("reason") or ""
            )
            return _(
                "Intervention removed; its visits that had not started are cancelled."
            ), row.plan
        fields = _frequency_fields(post)
        careplans.edit_intervention(
            actor=actor,
            intervention=row,
            frequency_kind=fields["frequency_kind"] or None,
            weekdays=fields["weekdays"],
            interval_days=fields["interval_days"],
            time_from=_time(post.get("time_from"), "time_from"),
            time_to=_time(post.get("time_to"), "time_to"),
            note=post.get("note"),
        )
        return _("Intervention changed."), row.plan
    if action == "evaluate":
        found = proposals.evaluate_for(actor=actor, elder=elder)
        return _("%(count)s new proposals.") % {"count": len(found)}, None
    if action in ("accept", "dismiss"):
        prop = _proposal(actor, elder, post.get("proposal"))
        if action == "dismiss":
            proposals.dismiss_proposal(actor=actor, proposal=prop, reason=post.get("reason") or "")
            return _("Proposal dismissed."), None
        done = proposals.accept_proposal(actor=actor, proposal=prop)
        plan_id = done.result.get("plan_id")
        return _("Proposal accepted."), CarePlan.objects.filter(pk=plan_id or 0).first()
    raise NotFound()


@require_POST
@role_page(*CLINICAL)
def care_plan_act(
    request: HttpRequest, elder_id: int, action: str, *, actor: Actor
) -> HttpResponse:
    elder = Elder.objects.filter(pk=elder_id).first()
    if elder is None:
        raise NotFound()
    access.require(actor, elder, "view")
    plan: CarePlan | None = None
    try:
        text, plan = _act(actor, elder, action, request.POST)
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        raw = request.POST.get("plan")
        plan = CarePlan.objects.filter(pk=_int(raw) or 0, elder=elder).first()
    else:
        messages.success(request, text)
    url = reverse("web:care_plan", args=[elder.pk])
    if plan is not None:
        url += f"?plan={plan.pk}"
    return redirect(url + "#" + ("proposals" if action in ("evaluate", "dismiss") else "plan"))
