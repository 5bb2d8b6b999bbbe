"""The elder's health record pages (issue 6, item 6; ADR 0028).

One record page for everyone who may see the record (``health.access``): clinical staff of
an institution in a care relationship, the elder themself, and family with an active
view-record link and an un-withdrawn proxy consent. Everyone else gets 404. Every read by
anyone but the elder is audited by ``access.access_record`` (``health_record/read`` with
the part read). Staff see the assessment forms; the elder and family see a read-only page
that says whose record it is and, for family, under which consent they see it; family do
not see the item-level answers of assessments (ADR 0028).

The page carries the default range of the vitals charts inline (one request); the range
picker asks ``health_vitals`` for another range (or reloads the page without script).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.health import access, careplans, frequency, record_view
from doorstep.health.enums import (
    DisabilityKind,
    DocumentKind,
    LineKind,
    MedicationFrequency,
    MedicationRoute,
    ObservationKind,
    ObservationSource,
)
from doorstep.health.instruments import INSTRUMENTS, LTC_LEVEL, ltc
from doorstep.health.models import AssessmentResult
from doorstep.health.summary import summary_pdf
from doorstep.people.enums import ConsentPurpose
from doorstep.people.models import Consent, Elder, FamilyLink

from .common import role_page

CLINICAL = (Role.NURSE, Role.COMMUNITY_DOCTOR, Role.INSTITUTION_REVIEWER)
READERS = (*CLINICAL, Role.ELDER, Role.FAMILY)
INDEX_LIMIT = 50
#: Results per instrument on the record page (the result page shows the whole history).
HISTORY_ON_PAGE = 5
RANGE_LABELS = {
    "30d": gettext_lazy("30 days"),
    "90d": gettext_lazy("90 days"),
    "1y": gettext_lazy("1 year"),
    "5y": gettext_lazy("5 years"),
}


def zh() -> bool:
    return (get_language() or "").lower().startswith("zh")


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def mode_of(actor: Actor, elder: Elder) -> str:
    """``staff`` (clinical staff in a care relationship), ``self`` or ``family``, for an
    actor who may view the record: without a clinical role it is family; with only
    clinical roles it is staff; only someone who is both asks the database."""
    if elder.user_id is not None and elder.user_id == actor.user_id:
        return "self"
    if not actor.has(*CLINICAL):
        return "family"
    if not actor.has(Role.FAMILY) or access.is_staff_for(actor, elder, "view"):
        return "staff"
    return "family"


def _family_basis(actor: Actor, elder: Elder) -> dict[str, Any]:
    """The link and consent under which a family member sees the record."""
    link = (
        FamilyLink.objects.filter(user=actor.user, elder=elder, status="active")
        .order_by("-id")
        .first()
    )
    consent = (
        Consent.objects.filter(
            elder=elder,
            purpose=ConsentPurpose.FAMILY_PROXY_ACCESS,
            withdrawn_at__isnull=True,
        )
        .filter(Q(grantee__isnull=True) | Q(grantee_id=actor.user_id))
        .order_by("-granted_at", "-id")
        .first()
    )
    return {"link": link, "consent": consent}


# --- building the page -------------------------------------------------------------


def summary_context(
    elder: Elder, today: dt.date, history: dict[str, list[AssessmentResult]]
) -> dict[str, Any]:
    s = record_view.record_summary(elder)
    chinese = zh()
    conditions = [
        {
            "code": c.code.code,
            "name": c.code.name_zh if chinese else c.code.name_en,
            "other_name": c.code.name_en if chinese else c.code.name_zh,
            "onset_date": c.onset_date,
            "note": c.note,
        }
        for c in s.conditions
    ]
    medications = [
        {
            "name": m.name,
            "dose": f"{m.dose.normalize():f} {m.dose_unit}",
            "route": _label(MedicationRoute, m.route),
            "frequency": _label(MedicationFrequency, m.frequency),
            "times": ", ".join(m.times),
            "instructions": m.instructions,
            "start_date": m.start_date,
            "end_date": m.end_date,
        }
        for m in s.medications
    ]
    lines = []
    for line in s.lines:
        base = line.last_maintained_on or line.inserted_on
        due = base + dt.timedelta(days=line.maintenance_days)
        lines.append(
            {
                "kind": _label(LineKind, line.kind),
                "site": line.site,
                "inserted_on": line.inserted_on,
                "inserted_at": line.inserted_at,
                "last_maintained_on": line.last_maintained_on,
                "days_since": (today - base).days,
                "days_in_place": (today - line.inserted_on).days,
                "due_on": due,
                "overdue": due < today,
            }
        )
    vitals = [
        {
            "kind": o.kind,
            "label": _label(ObservationKind, o.kind),
            "text": record_view.reading_text(o),
            "at": o.measured_at,
            "source": _label(ObservationSource, o.source),
            "in_target": record_view.in_target(o.kind, o.value, o.value2),
        }
        for o in s.latest_observations
    ]
    ltc_rows = history.get(LTC_LEVEL) or []
    ltc_row = ltc_rows[0] if ltc_rows else None
    return {
        "conditions": conditions,
        "allergies": s.allergies,
        "medications": medications,
        "disabilities": [
            {"kind": _label(DisabilityKind, d.kind), "grade": d.grade, "note": d.note}
            for d in s.disabilities
        ],
        "lines": lines,
        "vitals": vitals,
        "documents": s.documents,
        "ltc_enrolled": s.ltc_enrolled_level,
        "ltc_enrolled_label": _ltc_label(s.ltc_enrolled_level),
        "ltc_suggested": ltc_row.score if ltc_row else None,
        "ltc_suggested_label": _ltc_label(ltc_row.score if ltc_row else None),
        "ltc_suggested_at": ltc_row.assessed_at if ltc_row else None,
    }


def _ltc_label(level: int | None) -> str:
    if level is None or level not in ltc.LEVELS:
        return ""
    en, zh_label = ltc.LEVELS[level]
    return zh_label if zh() else en


def result_row(r: AssessmentResult) -> dict[str, Any]:
    en, zh_label = record_view.band_labels(r)
    return {
        "id": r.pk,
        "instrument": r.instrument,
        "score": r.score,
        "max_score": r.max_score,
        "band": r.band,
        "label": zh_label if zh() else en,
        "at": r.assessed_at,
        "url": reverse("web:health_assessment", args=[r.elder_id, r.pk]),
    }


def assessments_context(history: dict[str, list[AssessmentResult]]) -> list[dict[str, Any]]:
    chinese = zh()
    out = []
    for code in [*INSTRUMENTS, LTC_LEVEL]:
        rows = [result_row(r) for r in history.get(code, [])[: HISTORY_ON_PAGE + 1]]
        for newer, older in itertools.pairwise(rows):
            newer["change"] = newer["score"] - older["score"]
        out.append(
            {
                "code": code,
                "name": record_view.instrument_name(code, zh=chinese),
                "latest": rows[0] if rows else None,
                "history": rows[:HISTORY_ON_PAGE],
            }
        )
    return out


def timeline_context(elder: Elder, page: int) -> dict[str, Any]:
    tl = record_view.timeline(elder, page=page)
    chinese = zh()
    entries = []
    for e in tl.entries:
        row = e["row"]
        if e["type"] == "observation":
            title = _label(ObservationKind, row.kind)
            detail = record_view.reading_text(row)
            extra = _label(ObservationSource, row.source)
        elif e["type"] == "assessment":
            en, zh_label = record_view.band_labels(row)
            title = record_view.instrument_name(row.instrument, zh=chinese)
            detail = f"{row.score} / {row.max_score}"
            extra = zh_label if chinese else en
        elif e["type"] == "visit":
            item = row.visit.order.item
            provider = row.visit.provider
            title = item.name_zh if chinese else item.name_en
            detail = (provider.user.display_name or provider.user.username) if provider else ""
            extra = row.notes[:140]
        else:
            title = _label(DocumentKind, row.kind)
            detail = row.title
            extra = row.issuer
        entries.append(
            {"type": e["type"], "at": e["at"], "title": title, "detail": detail, "extra": extra}
        )
    return {"entries": entries, "page": tl.page, "has_older": tl.has_older}


def care_plans_context(elder: Elder, *, mode: str, today: dt.date) -> list[dict[str, Any]]:
    """The elder's care plans in plain words for the record page: goals, what is done how
    often, the next visits. Staff also see drafts and whether the review is due; the elder
    and family see active plans only and never the care team's proposals (ADR 0028)."""
    chinese = zh()
    staff = mode == "staff"
    out = []
    for o in careplans.plan_overviews(elder, staff=staff, today=today):
        out.append(
            {
                "plan": o.plan,
                "owner": o.plan.owner.display_name or o.plan.owner.username,
                "review_due": staff and o.review_due,
                "goals": [
                    {
                        "text": g.description,
                        "target": g.target,
                        "achieved": g.status == "achieved",
                    }
                    for g in o.goals
                ],
                "interventions": [
                    {
                        "name": i.item.name_zh if chinese else i.item.name_en,
                        "schedule": frequency.describe(careplans.freq_of(i))[1 if chinese else 0],
                        "window": f"{i.time_from:%H:%M}–{i.time_to:%H:%M}",
                    }
                    for i in o.interventions
                ],
                "next_visits": [
                    {
                        "at": v.window_start,
                        "name": v.intervention.item.name_zh
                        if chinese
                        else v.intervention.item.name_en,
                    }
                    for v in o.next_visits
                ],
            }
        )
    return out


def _range(request: HttpRequest) -> str:
    code = request.GET.get("range", "")
    return code if code in record_view.RANGES else record_view.DEFAULT_RANGE


def _page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 10_000 else 1


# --- views ---------------------------------------------------------------------------


@role_page(*READERS)
def health_index(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The elders whose record the user may read; the record itself if there is one."""
    qs = Elder.objects.filter(access.scope_filter(actor, "view")).select_related("region")
    term = request.GET.get("q", "").strip()[:32]
    if term:
        qs = qs.filter(full_name__icontains=term)
    elders = list(qs.order_by("full_name", "pk")[: INDEX_LIMIT + 1])
    if len(elders) == 1 and not term:
        return redirect("web:health_record", elder_id=elders[0].pk)
    return render(
        request,
        "web/health/index.html",
        {
            "elders": elders[:INDEX_LIMIT],
            "more": len(elders) > INDEX_LIMIT,
            "term": term,
            "staff": actor.has(*CLINICAL),
        },
    )


@role_page(*READERS)
def health_record(request: HttpRequest, elder_id: int, *, actor: Actor) -> HttpResponse:
    elder = access.access_record(actor=actor, elder_id=elder_id, part="record_page")
    mode = mode_of(actor, elder)
    today = timezone.localdate()
    range_code = _range(request)
    history = record_view.assessment_history(elder)
    context: dict[str, Any] = {
        "elder": elder,
        "mode": mode,
        "age": _age(elder.birth_date, today),
        "summary": summary_context(elder, today, history),
        "assessments": assessments_context(history),
        "timeline": timeline_context(elder, _page(request)),
        "vitals": record_view.vital_series(elder, range_code, zh=zh()),
        "range": range_code,
        "ranges": [(code, RANGE_LABELS[code]) for code in record_view.RANGES],
        # Clinical staff who see the record may assess (health.access.RULES: the same
        # roles and scope), so no second check.
        "can_assess": mode == "staff",
        "care_plans": care_plans_context(elder, mode=mode, today=clock.today()),
        # The thresholds page lets clinical staff who may change the record set them
        # (``alerts`` checks ``health.access`` "change" too): link it for them only.
        "may_set_thresholds": mode == "staff" and access.may(actor, elder, "change"),
    }
    if mode == "family":
        context.update(_family_basis(actor, elder))
    return render(request, "web/health/record.html", context)


@role_page(*READERS)
def health_vitals(request: HttpRequest, elder_id: int, *, actor: Actor) -> JsonResponse:
    """The chart data of one range (JSON) for the range picker; audited like the page."""
    elder = access.access_record(actor=actor, elder_id=elder_id, part="vitals")
    response = JsonResponse(record_view.vital_series(elder, _range(request), zh=zh()))
    response["Cache-Control"] = "private, no-store"
    return response


@role_page(*READERS)
def health_summary_pdf(request: HttpRequest, elder_id: int, *, actor: Actor) -> HttpResponse:
    """The printable referral summary (bilingual PDF); the download is audited."""
    elder = access.access_record(actor=actor, elder_id=elder_id, part="summary_pdf")
    data = summary_pdf(elder, made_by=actor.user)
    response = HttpResponse(data, content_type="application/pdf")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="health-summary-{elder.pk}-{stamp}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
