"""Standard assessment forms and results (issue 6, item 6; ADR 0028).

One form per instrument, built from its definition (``health.instruments``): each item a
group of large radio buttons with the option's label and points. The answers go to
``health.services.submit_assessment``, which scores them; the page then shows the score,
its interpretation and the instrument's history. Every unanswered item is flagged at once
(the service, which has the last word, reports the first); messages are the health app's
translated ones. Only clinical staff in a care relationship may assess (404 for others:
the page does not exist for them); the elder and family read results on the record page,
family without the item-level answers.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.accounts.policy import Actor
from doorstep.core.errors import ApplicationError
from doorstep.health import access, record_view, services
from doorstep.health.errors import ANSWER_MESSAGES
from doorstep.health.instruments import INSTRUMENTS, LTC_LEVEL, Instrument, ltc
from doorstep.health.models import AssessmentResult

from .common import role_page
from .health import CLINICAL, READERS, mode_of, result_row, zh

#: Labels of the answers that are not items (MMSE: schooling, for its cut-off).
CONTEXT_LABELS: dict[str, dict[str, Any]] = {
    "education": {
        "label": gettext_lazy("Schooling (sets the cut-off score)"),
        "options": {
            "illiterate": gettext_lazy("No schooling"),
            "primary": gettext_lazy("Primary school"),
            "secondary_or_higher": gettext_lazy("Secondary school or higher"),
        },
    }
}
LTC_FLAGS = {
    "cognition_not_assessed": gettext_lazy(
        "Cognition was not assessed (no MMSE or AD8): counted as intact."
    ),
    "perception_not_assessed": gettext_lazy(
        "Perception and communication are not assessed by Doorstep."
    ),
}


def _form(instrument: Instrument, posted: dict[str, str]) -> list[dict[str, Any]]:
    chinese = zh()
    items = []
    groups_seen: set[str] = set()
    for item in instrument.items:
        group_first = bool(item.group) and item.group not in groups_seen
        groups_seen.add(item.group)
        items.append(
            {
                "key": item.key,
                "label": item.label_zh if chinese else item.label_en,
                "group": item.group,
                "group_first": group_first,
                "compact": len(item.options) > 4
                and all(isinstance(o.value, int) for o in item.options),
                "answered": posted.get(item.key, "") != "",
                "options": [
                    {
                        "value": str(o.value),
                        "label": o.label_zh if chinese else o.label_en,
                        "points": o.points,
                        "checked": posted.get(item.key) == str(o.value),
                    }
                    for o in item.options
                ],
            }
        )
    for key, allowed in instrument.context.items():
        meta = CONTEXT_LABELS.get(key, {"label": key, "options": {}})
        items.append(
            {
                "key": key,
                "label": str(meta["label"]),
                "group": "",
                "group_first": False,
                "compact": False,
                "context": True,
                "options": [
                    {
                        "value": str(v),
                        "label": str(meta["options"].get(v, v)),
                        "points": None,
                        "checked": posted.get(key) == str(v),
                    }
                    for v in allowed
                ],
            }
        )
    return items


def parse_answers(instrument: Instrument, data: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The typed answers of a posted form and the errors per item (or group) key.

    A value that is none of the item's options is passed on as posted: the service refuses
    it with ``assessment_answer_invalid``."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    groups: dict[str, list[str]] = {}
    for item in instrument.items:
        raw = str(data.get(item.key, "")).strip()
        if item.group:
            groups.setdefault(item.group, [])
        if not raw:
            if not item.group:
                errors[item.key] = str(ANSWER_MESSAGES["assessment_answer_missing"])
            continue
        if item.group:
            groups[item.group].append(item.key)
        option = next((o for o in item.options if str(o.value) == raw), None)
        answers[item.key] = option.value if option else raw
    for group, keys in groups.items():
        if not keys:
            errors[group] = str(ANSWER_MESSAGES["assessment_answer_missing"])
        elif len(keys) > 1:
            errors[group] = str(ANSWER_MESSAGES["assessment_answers_conflict"])
    for key, allowed in instrument.context.items():
        raw = str(data.get(key, "")).strip()
        value = next((v for v in allowed if str(v) == raw), None)
        if value is None:
            errors[key] = str(ANSWER_MESSAGES["assessment_answer_missing"])
        else:
            answers[key] = value
    return answers, errors


def _keys(form: Instrument | None) -> set[str]:
    """The keys an error can be shown beside: items, groups, context, the time."""
    if form is None:
        return {"assessed_at"}
    return (
        {i.key for i in form.items}
        | {i.group for i in form.items if i.group}
        | set(form.context)
        | {"assessed_at"}
    )


def _assessed_at(raw: str) -> dt.datetime | None:
    """The ``datetime-local`` value as an aware local time; ``None`` when empty."""
    if not raw.strip():
        return None
    when = dt.datetime.fromisoformat(raw.strip())
    if timezone.is_naive(when):
        when = timezone.make_aware(when, record_view.local_tz())
    return when


@role_page(*CLINICAL)
def health_assess(
    request: HttpRequest, elder_id: int, instrument: str, *, actor: Actor
) -> HttpResponse:
    elder = access.access_record(actor=actor, elder_id=elder_id, part="assessment_form")
    if not access.may(actor, elder, "assess") or (
        instrument not in INSTRUMENTS and instrument != LTC_LEVEL
    ):
        raise Http404()
    chinese = zh()
    form = INSTRUMENTS.get(instrument)
    posted = {k: str(v) for k, v in request.POST.items()} if request.method == "POST" else {}
    errors: dict[str, str] = {}
    general: list[str] = []
    if request.method == "POST":
        answers, errors = ({}, {}) if form is None else parse_answers(form, request.POST)
        when: dt.datetime | None = None
        try:
            when = _assessed_at(posted.get("assessed_at", ""))
        except ValueError:
            errors["assessed_at"] = _("Enter the date and time of the assessment.")
        if not errors:
            try:
                row = services.submit_assessment(
                    actor=actor,
                    elder=elder,
                    instrument=instrument,
                    answers=answers,
                    assessed_at=when,
                )
            except ApplicationError as exc:
                key = str(exc.details.get("item") or exc.details.get("field") or "")
                if key in _keys(form):
                    errors[key] = str(exc.message)
                else:
                    general.append(str(exc.message))
            else:
                messages.success(request, _("The assessment is saved."))
                return redirect("web:health_assessment", elder_id=elder.pk, result_id=row.pk)
    items = _form(form, posted) if form is not None else []
    for item in items:
        item["error"] = errors.get(item["key"]) or (
            errors.get(item["group"]) if item["group_first"] else ""
        )
    return render(
        request,
        "web/health/assess.html",
        {
            "elder": elder,
            "code": instrument,
            "instrument": form,
            "name": record_view.instrument_name(instrument, zh=chinese),
            "items": items,
            "errors": errors,
            "general": general,
            "assessed_at": posted.get("assessed_at", ""),
            "bands": [
                {"low": b.low, "high": b.high, "label": b.label_zh if chinese else b.label_en}
                for b in (form.bands if form else ())
            ],
            "ltc_levels": [
                (lvl, zh_l if chinese else en) for lvl, (en, zh_l) in ltc.LEVELS.items()
            ],
        },
        status=422 if errors or general else 200,
    )


@role_page(*READERS)
def health_assessment(
    request: HttpRequest, elder_id: int, result_id: int, *, actor: Actor
) -> HttpResponse:
    """One result: score, interpretation, (for staff and the elder) the answers, history."""
    elder = access.access_record(actor=actor, elder_id=elder_id, part="assessment")
    result = AssessmentResult.objects.filter(pk=result_id, elder=elder).first()
    if result is None:
        raise Http404()
    mode = mode_of(actor, elder)
    chinese = zh()
    answers = []
    form = INSTRUMENTS.get(result.instrument)
    if mode != "family" and form is not None:
        for item in form.items:
            if item.key not in result.answers:
                continue
            value = result.answers[item.key]
            option = next((o for o in item.options if o.value == value), None)
            answers.append(
                {
                    "label": item.label_zh if chinese else item.label_en,
                    "answer": (option.label_zh if chinese else option.label_en)
                    if option
                    else str(value),
                    "points": result.points.get(item.key),
                }
            )
        for key in form.context:
            if key in result.answers:
                meta = CONTEXT_LABELS.get(key, {"label": key, "options": {}})
                answers.append(
                    {
                        "label": str(meta["label"]),
                        "answer": str(meta["options"].get(result.answers[key], "")),
                        "points": None,
                    }
                )
    flags = []
    if result.instrument == LTC_LEVEL:
        flags = [str(LTC_FLAGS.get(f, f)) for f in result.answers.get("flags", [])]
    history = [
        result_row(r)
        for r in AssessmentResult.objects.filter(
            elder=elder, instrument=result.instrument, status="final"
        ).order_by("-assessed_at", "-id")[:20]
    ]
    for newer, older in itertools.pairwise(history):
        newer["change"] = newer["score"] - older["score"]
    return render(
        request,
        "web/health/result.html",
        {
            "elder": elder,
            "mode": mode,
            "result": result_row(result),
            "row": result,
            "name": record_view.instrument_name(result.instrument, zh=chinese),
            "answers": answers,
            "flags": flags,
            "history": history,
            "can_assess": mode == "staff" and access.may(actor, elder, "assess"),
        },
    )
