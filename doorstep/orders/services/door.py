"""At the door: travel, EVV check-in/out, the service record and photos, corrections,
co-sign (ADR 0013)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.billing import postings as ledger
from doorstep.core import audit, clock, geo
from doorstep.core.errors import Forbidden

from .. import errors
from ..enums import (
    CheckKind,
    CorrectionField,
    CorrectionStatus,
    CoSignMethod,
    can_transition,
)
from ..models import (
    CheckEvent,
    Correction,
    CoSign,
    RecordPhoto,
    ServiceRecord,
    Visit,
)
from ._common import (
    DISPATCH_ROLES,
    PHOTO_MAX_BYTES,
    PHOTO_TYPES,
    S,
    _institution_staff,
    _is_staff_of,
    _lock_visit,
    _may_act_for_elder,
    _notify_patient,
    _on_commit_notify,
    _point,
    _require_assigned,
    _transition,
    setting,
)

# --- at the door --------------------------------------------------------------------------


def start_travel(
    *, actor: Actor, visit: Visit, lat: float | None = None, lng: float | None = None
) -> Visit:
    _require_assigned(actor, visit)
    with transaction.atomic():
        locked = _lock_visit(visit.pk)
        _transition(visit=locked, to=S.EN_ROUTE, actor=actor, lat=lat, lng=lng)
        _notify_patient(locked.order, "orders.en_route", _("Your provider is on the way"))
    return locked


def _distance_m(visit: Visit, lat: float, lng: float) -> float | None:
    home = _point(visit)
    if home is None:
        return None
    return geo.haversine_km(home[0], home[1], lat, lng) * 1000.0


def evv_flags(visit: Visit, *, at: dt.datetime, distance_m: float | None) -> list[str]:
    """Reasons to flag a check for review (distance beyond ``EVV_MAX_DISTANCE_M``, time
    more than ``EVV_WINDOW_TOLERANCE_MINUTES`` before the booked start or after the end of
    its arrival window, ADR 0037)."""
    flags = []
    max_m = float(setting("EVV_MAX_DISTANCE_M", 200))
    if distance_m is not None and distance_m > max_m:
        flags.append(f"distance {round(distance_m)} m > {round(max_m)} m")
    tolerance = dt.timedelta(minutes=int(setting("EVV_WINDOW_TOLERANCE_MINUTES", 30)))
    if not (visit.window_start - tolerance <= at <= visit.arrive_by + tolerance):
        flags.append("outside the time window tolerance")
    return flags


def check_in(
    *,
    actor: Actor,
    visit: Visit,
    lat: float,
    lng: float,
    accuracy_m: float | None = None,
    at: dt.datetime | None = None,
) -> CheckEvent:
    """EVV check-in (en_route -> arrived). Refused beyond ``EVV_REFUSE_DISTANCE_M``
    (default 1 km) from the home; accepted but flagged beyond ``EVV_MAX_DISTANCE_M``
    (default 200 m) or outside the window tolerance."""
    provider = _require_assigned(actor, visit)
    at = at or clock.now()
    distance = _distance_m(visit, lat, lng)
    with transaction.atomic():
        locked = _lock_visit(visit.pk)
        if not can_transition(locked.status, S.ARRIVED):
            raise errors.IllegalTransition(details={"from": locked.status, "to": S.ARRIVED})
        refuse_m = float(setting("EVV_REFUSE_DISTANCE_M", 1000))
        if distance is not None and distance > refuse_m:
            raise errors.TooFarAway(
                details={"distance_m": round(distance), "max_m": round(refuse_m)}
            )
        flags = evv_flags(locked, at=at, distance_m=distance)
        check = _record_check(
            locked,
            CheckKind.CHECK_IN,
            S.ARRIVED,
            actor=actor,
            provider=provider,
            at=at,
            lat=lat,
            lng=lng,
            accuracy_m=accuracy_m,
            distance=distance,
            flags=flags,
        )
    return check


def start_service(*, actor: Actor, visit: Visit) -> Visit:
    _require_assigned(actor, visit)
    with transaction.atomic():
        locked = _lock_visit(visit.pk)
        _transition(visit=locked, to=S.IN_SERVICE, actor=actor)
    return locked


def _template(visit: Visit) -> list[dict[str, Any]]:
    return list(visit.order.item.documentation_template or [])


def validate_values(
    template: list[dict[str, Any]], values: dict[str, Any], photo_keys: set[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check ``values`` against the template: (clean values, problems by key)."""
    clean: dict[str, Any] = {}
    problems: dict[str, Any] = {}
    known = {f["key"] for f in template}
    for key in sorted(set(values) - known):
        problems[key] = "unknown_field"
    for field in template:
        key, kind = field["key"], field.get("type", "text")
        if kind == "photo":
            if field.get("required") and key not in photo_keys:
                problems[key] = "missing"
            continue
        raw = values.get(key)
        if raw is None or raw == "":
            if field.get("required"):
                problems[key] = "missing"
            continue
        value: Any = raw
        if kind in ("number", "integer"):
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                problems[key] = "not_a_number"
                continue
            if kind == "integer" and not float(raw).is_integer():
                problems[key] = "not_an_integer"
                continue
            value = int(raw) if kind == "integer" else float(raw)
            if field.get("min") is not None and value < field["min"]:
                problems[key] = "below_min"
                continue
            if field.get("max") is not None and value > field["max"]:
                problems[key] = "above_max"
                continue
        elif kind == "bool":
            if not isinstance(raw, bool):
                problems[key] = "not_a_bool"
                continue
        elif kind == "choice":
            if raw not in (field.get("choices") or []):
                problems[key] = "not_a_choice"
                continue
        elif not isinstance(raw, str) or len(raw) > 2000:
            problems[key] = "not_text"
            continue
        clean[key] = {
            "value": value,
            "unit": field.get("unit", ""),
            "loinc": field.get("loinc", ""),
        }
    return clean, problems


def submit_record(
    *,
    actor: Actor,
    visit: Visit,
    values: dict[str, Any],
    consumables_used: list[dict[str, Any]] | None = None,
    notes: str = "",
) -> ServiceRecord:
    """The provider documents the visit (while in service) following the item's template.

    Missing required fields or invalid values: 422 ``record_incomplete`` with the keys.
    Submitting again replaces the values (before check-out)."""
    _require_assigned(actor, visit)
    with transaction.atomic():
        locked = _lock_visit(visit.pk)
        if locked.status != S.IN_SERVICE:
            raise errors.IllegalTransition(details={"from": locked.status, "to": "record"})
        photo_keys = set(RecordPhoto.objects.filter(visit=locked).values_list("key", flat=True))
        clean, problems = validate_values(_template(locked), values or {}, photo_keys)
        if problems:
            missing = sorted(k for k, v in problems.items() if v == "missing")
            raise errors.RecordIncomplete(details={"missing": missing, "invalid": problems})
        record, created = ServiceRecord.objects.update_or_create(
            visit=locked,
            defaults={
                "values": clean,
                "consumables_used": list(consumables_used or []),
                "notes": notes.strip(),
                "submitted_by": actor.user,
                "submitted_at": clock.now(),
            },
        )
        audit.record(
            actor=actor.user,
            action="visit.record_submitted" if created else "visit.record_replaced",
            object_type="visit",
            object_id=locked.pk,
            institution_id=locked.order.institution_id,
            changed_fields=sorted(clean),
        )
    return record


def add_photo(
    *, actor: Actor, visit: Visit, key: str, content: bytes, content_type: str
) -> RecordPhoto:
    """A photo for the record (JPEG, PNG or WebP, at most 5 MB; the bytes are sniffed)."""
    _require_assigned(actor, visit)
    sniffed = _sniff(content)
    if content_type not in PHOTO_TYPES or sniffed != content_type:
        raise errors.PhotoRejected(details={"content_type": content_type})
    if len(content) > PHOTO_MAX_BYTES or not content:
        raise errors.PhotoRejected(details={"size_bytes": len(content)})
    with transaction.atomic():
        locked = _lock_visit(visit.pk)
        if locked.status not in (S.ARRIVED, S.IN_SERVICE):
            raise errors.IllegalTransition(details={"from": locked.status, "to": "photo"})
        keys = {f["key"] for f in _template(locked) if f.get("type") == "photo"}
        if key not in keys:
            raise errors.RecordIncomplete(details={"invalid": {key: "unknown_field"}})
        digest = hashlib.sha256(content).hexdigest()
        photo = RecordPhoto(
            visit=locked,
            key=key,
            content_type=content_type,
            size_bytes=len(content),
            sha256=digest,
            uploaded_by=actor.user,
            uploaded_at=clock.now(),
        )
        photo.file.save(f"{key}.bin", ContentFile(content), save=False)
        photo.save()
        audit.record(
            actor=actor.user,
            action="visit.photo_added",
            object_type="visit",
            object_id=locked.pk,
            institution_id=locked.order.institution_id,
            details={"photo": photo.pk, "key": key, "size_bytes": len(content)},
        )
    return photo


def _sniff(content: bytes) -> str | None:
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_out(
    *,
    actor: Actor,
    visit: Visit,
    lat: float,
    lng: float,
    accuracy_m: float | None = None,
    at: dt.datetime | None = None,
) -> CheckEvent:
    """EVV check-out (in_service -> completed); needs a complete service record."""
    provider = _require_assigned(actor, visit)
    at = at or clock.now()
    with transaction.atomic():
        locked = _lock_visit(visit.pk)
        if not can_transition(locked.status, S.COMPLETED):
            raise errors.IllegalTransition(details={"from": locked.status, "to": S.COMPLETED})
        record = ServiceRecord.objects.filter(visit=locked).first()
        photo_keys = set(RecordPhoto.objects.filter(visit=locked).values_list("key", flat=True))
        raw = {k: v["value"] for k, v in (record.values if record else {}).items()}
        _clean, problems = validate_values(_template(locked), raw, photo_keys)
        if record is None or problems:
            missing = sorted(k for k, v in problems.items() if v == "missing")
            raise errors.RecordIncomplete(
                details={"missing": missing, "record": record is not None}
            )
        distance = _distance_m(locked, lat, lng)
        max_m = float(setting("EVV_MAX_DISTANCE_M", 200))
        flags = (
            [f"distance {round(distance)} m > {round(max_m)} m"]
            if (distance is not None and distance > max_m)
            else []
        )
        check = _record_check(
            locked,
            CheckKind.CHECK_OUT,
            S.COMPLETED,
            actor=actor,
            provider=provider,
            at=at,
            lat=lat,
            lng=lng,
            accuracy_m=accuracy_m,
            distance=distance,
            flags=flags,
        )
        ledger.visit_completed(
            actor=actor, visit=locked, order=locked.order, on=timezone.localdate(at)
        )
        _notify_patient(
            locked.order,
            "orders.completed",
            _("Your visit is complete. Please confirm it and rate it."),
        )
    return check


# --- corrections and co-sign --------------------------------------------------------------


def request_correction(
    *, actor: Actor, visit: Visit, field: str, proposed_value: dt.datetime, reason: str
) -> Correction:
    """The provider asks to fix a check-in or check-out time."""
    _require_assigned(actor, visit)
    if field not in CorrectionField.values:
        raise errors.CorrectionInvalid(details={"field": field})
    if not reason.strip():
        raise errors.ReasonRequired(details={"field": "reason"})
    if proposed_value.tzinfo is None or proposed_value > clock.now():
        raise errors.CorrectionInvalid(details={"proposed_value": "not_in_the_past"})
    kind = CheckKind.CHECK_IN if field == CorrectionField.CHECK_IN_AT else CheckKind.CHECK_OUT
    with transaction.atomic():
        locked = _lock_visit(visit.pk)
        if not CheckEvent.objects.filter(visit=locked, kind=kind).exists():
            raise errors.CorrectionInvalid(details={"field": field, "check": "missing"})
        correction = Correction.objects.create(
            visit=locked,
            requested_by=actor.user,
            requested_at=clock.now(),
            field=field,
            proposed_value=proposed_value.isoformat(),
            reason=reason.strip(),
        )
        audit.record(
            actor=actor.user,
            action="visit.correction_requested",
            object_type="visit",
            object_id=locked.pk,
            institution_id=locked.order.institution_id,
            details={"correction": correction.pk, "field": field},
        )
        for user in _institution_staff(locked.order.institution_id, DISPATCH_ROLES):
            _on_commit_notify(
                recipient=user,
                kind="orders.correction_requested",
                title=_("A visit correction is waiting for approval"),
                body="",
                link=f"/visits/{locked.pk}",
            )
    return correction


def decide_correction(
    *, actor: Actor, correction: Correction, approve: bool, note: str = ""
) -> Correction:
    """The institution approves (the check time is corrected, the original kept in the
    history) or rejects a correction."""
    if not _is_staff_of(
        actor, correction.visit.order.institution_id, (*DISPATCH_ROLES, Role.INSTITUTION_REVIEWER)
    ):
        raise Forbidden()
    with transaction.atomic():
        locked = Correction.objects.select_for_update().get(pk=correction.pk)
        if locked.status != CorrectionStatus.PENDING:
            raise errors.CorrectionDecided()
        locked.status = CorrectionStatus.APPROVED if approve else CorrectionStatus.REJECTED
        locked.decided_by = actor.user
        locked.decided_at = clock.now()
        locked.decision_note = note.strip()
        locked.save()
        if approve:
            kind = (
                CheckKind.CHECK_IN
                if locked.field == CorrectionField.CHECK_IN_AT
                else CheckKind.CHECK_OUT
            )
            CheckEvent.objects.filter(visit_id=locked.visit_id, kind=kind).update(
                corrected_at=dt.datetime.fromisoformat(locked.proposed_value)
            )
        audit.record(
            actor=actor.user,
            action=f"visit.correction_{locked.status}",
            object_type="visit",
            object_id=locked.visit_id,
            institution_id=correction.visit.order.institution_id,
            changed_fields=["corrected_at"] if approve else [],
            details={"correction": locked.pk},
        )
    return locked


def co_sign(*, actor: Actor, visit: Visit, method: str = CoSignMethod.APP) -> CoSign:
    """The elder or a linked family member confirms a completed visit."""
    elder = visit.order.elder
    if not (_may_act_for_elder(actor, elder, "view_record")):
        raise Forbidden()
    if method not in CoSignMethod.values:
        raise errors.InvalidChoice(details={"method": method})
    with transaction.atomic():
        locked = _lock_visit(visit.pk)
        if locked.status not in (S.COMPLETED, S.REVIEWED):
            raise errors.IllegalTransition(details={"from": locked.status, "to": "co_sign"})
        if CoSign.objects.filter(visit=locked, user=actor.user).exists():
            raise errors.AlreadyCoSigned()
        cosign = CoSign.objects.create(visit=locked, user=actor.user, at=clock.now(), method=method)
        audit.record(
            actor=actor.user,
            action="visit.co_signed",
            object_type="visit",
            object_id=locked.pk,
            institution_id=locked.order.institution_id,
            details={"method": method},
        )
    return cosign


def mark_reviewed(*, actor: Actor, visit: Visit) -> Visit:
    """completed -> reviewed, called by the quality app when the visit is rated."""
    with transaction.atomic():
        locked = _lock_visit(visit.pk)
        _transition(visit=locked, to=S.REVIEWED, actor=actor)
    return locked


def _record_check(
    visit: Visit,
    kind: str,
    to: str,
    *,
    actor: Actor,
    provider: Any,
    at: dt.datetime,
    lat: float,
    lng: float,
    accuracy_m: float | None,
    distance: float | None,
    flags: list[str],
) -> CheckEvent:
    """Write one EVV check (the six elements: service and recipient via the visit, date and
    time, location, provider) and move the locked visit to ``to``."""
    check = CheckEvent.objects.create(
        visit=visit,
        kind=kind,
        provider=provider,
        at=at,
        lat=lat,
        lng=lng,
        accuracy_m=accuracy_m,
        distance_m=distance,
        flagged=bool(flags),
        flag_reason="; ".join(flags),
    )
    _transition(
        visit=visit,
        to=to,
        actor=actor,
        at=at,
        lat=lat,
        lng=lng,
        details={"check": check.pk, "flagged": bool(flags)},
    )
    return check
