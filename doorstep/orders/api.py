"""Orders, visits, assessments, EVV, records and corrections (/api/v1/, ADR 0013).

Handlers only parse, look up through ``access``/``selectors``, call ``services`` and render.
"""

import base64
import binascii
import datetime as dt
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status
from pydantic import ConfigDict

from doorstep.accounts.enums import Role
from doorstep.core import audit
from doorstep.core.api import ERRORS, actor_of
from doorstep.core.errors import NotFound
from doorstep.organizations.models import Institution
from doorstep.people.access import access_elder

from . import selectors, services
from .access import (
    access_assessment,
    access_correction,
    access_order,
    access_pool_visit,
    access_visit,
    assessments_visible_to,
    orders_visible_to,
)
from .errors import PhotoRejected
from .models import (
    Assessment,
    CheckEvent,
    Correction,
    Order,
    Payment,
    RecordPhoto,
    ServiceRecord,
    Visit,
    VisitEvent,
)

router = Router(tags=["orders"])


def _examples(*items: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(items)})


# --- schemas --------------------------------------------------------------------------


def _item_name(item: Any) -> str:
    from django.utils.translation import get_language

    return item.name_en if (get_language() or "").startswith("en") else item.name_zh


class EventOut(Schema):
    id: int
    visit_id: int
    from_status: str
    to_status: str
    to_status_label: str
    actor_id: int | None
    actor_name: str
    at: dt.datetime
    lat: float | None
    lng: float | None
    reason: str
    details: dict[str, Any]

    @staticmethod
    def resolve_to_status_label(obj: VisitEvent) -> str:
        return str(obj.get_to_status_display())

    @staticmethod
    def resolve_actor_name(obj: VisitEvent) -> str:
        if obj.actor is None:
            return gettext("System")
        return obj.actor.display_name or obj.actor.username


class CheckOut_(Schema):
    id: int
    kind: str
    provider_id: int
    at: dt.datetime
    corrected_at: dt.datetime | None
    lat: float
    lng: float
    accuracy_m: float | None
    distance_m: float | None
    flagged: bool
    flag_reason: str


class RecordOut(Schema):
    values: dict[str, Any]
    consumables_used: list[dict[str, Any]]
    notes: str
    submitted_at: dt.datetime


class PhotoOut(Schema):
    id: int
    key: str
    content_type: str
    size_bytes: int
    uploaded_at: dt.datetime


class CorrectionOut(Schema):
    id: int
    visit_id: int
    field: str
    proposed_value: str
    reason: str
    status: str
    requested_by_id: int
    requested_at: dt.datetime
    decided_by_id: int | None
    decided_at: dt.datetime | None
    decision_note: str


class VisitOut(Schema):
    id: int
    order_id: int
    seq: int
    status: str
    status_label: str
    item_code: str
    item_name: str
    window_start: dt.datetime
    window_end: dt.datetime
    duration_minutes: int
    price_fen: int
    provider_id: int | None
    provider_name: str | None
    address: str
    lat: float | None
    lng: float | None
    risk_flags: list[str]
    pool_published_at: dt.datetime | None
    paid_at: dt.datetime | None
    cancelled_by_side: str
    cancellation_reason: str
    cancellation_fee_fen: int
    abort_reason: str

    @staticmethod
    def resolve_status_label(obj: Visit) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_item_code(obj: Visit) -> str:
        return str(obj.order.item.code)

    @staticmethod
    def resolve_item_name(obj: Visit) -> str:
        return _item_name(obj.order.item)

    @staticmethod
    def resolve_provider_name(obj: Visit) -> str | None:
        if obj.provider_id is None or obj.provider is None:
            return None
        return obj.provider.user.display_name or obj.provider.user.username


class VisitDetailOut(VisitOut):
    checks: list[CheckOut_]
    record: RecordOut | None
    photos: list[PhotoOut]
    corrections: list[CorrectionOut]
    cosigned_by: list[int]
    timeline: list[EventOut]

    @staticmethod
    def resolve_checks(obj: Visit) -> list[CheckEvent]:
        return list(obj.checks.all())

    @staticmethod
    def resolve_record(obj: Visit) -> ServiceRecord | None:
        return ServiceRecord.objects.filter(visit=obj).first()

    @staticmethod
    def resolve_photos(obj: Visit) -> list[RecordPhoto]:
        return list(obj.photos.all())

    @staticmethod
    def resolve_corrections(obj: Visit) -> list[Correction]:
        return list(obj.corrections.all())

    @staticmethod
    def resolve_cosigned_by(obj: Visit) -> list[int]:
        return list(obj.cosigns.values_list("user_id", flat=True))

    @staticmethod
    def resolve_timeline(obj: Visit) -> list[VisitEvent]:
        return list(selectors.visit_timeline(obj))


class OrderOut(Schema):
    id: int
    elder_id: int
    institution_id: int
    institution_name: str
    item_id: int
    item_code: str
    item_name: str
    package_id: int | None
    channel: str
    placed_by_id: int
    price_lines: list[dict[str, Any]]
    total_fen: int
    payer: str
    payment_mode: str
    need_text: str
    created_at: dt.datetime
    status: str
    status_label: str

    @staticmethod
    def resolve_institution_name(obj: Order) -> str:
        return obj.institution.name

    @staticmethod
    def resolve_item_code(obj: Order) -> str:
        return str(obj.item.code)

    @staticmethod
    def resolve_item_name(obj: Order) -> str:
        return _item_name(obj.item)

    @staticmethod
    def resolve_status(obj: Order) -> str:
        return selectors.order_status(v.status for v in obj.visits.all())

    @staticmethod
    def resolve_status_label(obj: Order) -> str:
        from .enums import OrderStatus

        return str(OrderStatus(selectors.order_status(v.status for v in obj.visits.all())).label)


class OrderDetailOut(OrderOut):
    visits: list[VisitOut]
    timeline: list[EventOut]

    @staticmethod
    def resolve_visits(obj: Order) -> list[Visit]:
        return list(obj.visits.all())  # prefetched by _order_detail

    @staticmethod
    def resolve_timeline(obj: Order) -> list[VisitEvent]:
        return list(selectors.timeline(obj))


class OrderIn(Schema):
    elder_id: int
    institution_id: int
    item_id: int | None = None
    package_id: int | None = None
    window_start: dt.datetime
    channel: str = "app"
    need_text: str = ""

    model_config = _examples(
        {
            "elder_id": 12,
            "institution_id": 1,
            "item_id": 7,
            "window_start": "2026-12-01T09:00:00+08:00",
            "channel": "app",
            "need_text": "换药",
        }
    )


class OrderFilter(Schema):
    status: str | None = None
    elder_id: int | None = None


class ReasonIn(Schema):
    reason: str

    model_config = _examples({"reason": "The elder is in hospital."})


class CancelIn(Schema):
    reason: str
    visit_id: int | None = None

    model_config = _examples({"reason": "The elder is in hospital.", "visit_id": None})


class AssessmentOut(Schema):
    id: int
    elder_id: int
    institution_id: int
    item_id: int
    item_code: str
    category_id: int
    requested_at: dt.datetime
    decision: str
    reviewer_id: int | None
    decided_at: dt.datetime | None
    notes: str
    risk_flags: list[str]
    valid_until: dt.date | None

    @staticmethod
    def resolve_item_code(obj: Assessment) -> str:
        return str(obj.item.code)


class AssessmentFilter(Schema):
    decision: str | None = None


class DecideAssessmentIn(Schema):
    decision: str
    notes: str = ""
    risk_flags: list[str] = []

    model_config = _examples(
        {
            "decision": "accepted",
            "notes": "Wound 3 x 2 cm, dog in the flat.",
            "risk_flags": ["aggressive_pet"],
        }
    )


class PaymentIn(Schema):
    method: str = Field(description="cash, card, pos or ins_card (money taken at the door).")
    receipt_no: str = Field("", max_length=64)
    amount_fen: int | None = Field(
        None, ge=0, description="Optional: what is due now, fen (checked); default: that."
    )
    idempotency_key: str | None = Field(
        None, description="Instead of the Idempotency-Key header (the header wins)."
    )

    model_config = _examples({"method": "cash", "receipt_no": "R-20261201-0001"})


class PaymentOut(Schema):
    id: int
    order_id: int
    amount_fen: int
    method: str
    receipt_no: str
    confirmed_by_id: int
    confirmed_at: dt.datetime
    charge_id: int | None = None
    replayed: bool = False


class VisitFilter(Schema):
    status: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    mine: bool = False


class PoolOfferOut(Schema):
    visit_id: int
    item_code: str
    item_name: str
    window_start: dt.datetime
    window_end: dt.datetime
    duration_minutes: int
    risk_flags: list[str]
    age_band: str
    sex: str
    community_name: str
    approx_lat: float | None
    approx_lng: float | None


class AssignIn(Schema):
    provider_id: int

    model_config = _examples({"provider_id": 3})


class PositionIn(Schema):
    lat: float | None = None
    lng: float | None = None

    model_config = _examples({"lat": 29.8612, "lng": 121.5433})


class CheckIn(Schema):
    lat: float
    lng: float
    accuracy_m: float | None = None

    model_config = _examples({"lat": 29.8612, "lng": 121.5433, "accuracy_m": 12.0})


class RecordIn(Schema):
    values: dict[str, Any]
    consumables_used: list[dict[str, Any]] = []
    notes: str = ""

    model_config = _examples(
        {
            "values": {"systolic": 132, "diastolic": 84, "wound_length_cm": 3.0},
            "consumables_used": [{"code": "dressing_kit", "quantity": 1}],
            "notes": "Wound clean, no signs of infection.",
        }
    )


class PhotoIn(Schema):
    key: str
    content_type: str
    data_base64: str

    model_config = _examples(
        {"key": "wound_photo", "content_type": "image/jpeg", "data_base64": "/9j/4AAQ..."}
    )


class CoSignIn(Schema):
    method: str = "app"

    model_config = _examples({"method": "app"})


class CorrectionIn(Schema):
    field: str
    proposed_value: dt.datetime
    reason: str

    model_config = _examples(
        {
            "field": "check_out_at",
            "proposed_value": "2026-12-01T10:05:00+08:00",
            "reason": "The phone had no signal when I left.",
        }
    )


class AbortIn(Schema):
    reason: str
    lat: float | None = None
    lng: float | None = None

    model_config = _examples({"reason": "An aggressive dog was loose in the flat."})


class RescheduleIn(Schema):
    window_start: dt.datetime
    reason: str

    model_config = _examples(
        {"window_start": "2026-12-02T14:00:00+08:00", "reason": "The elder has a hospital visit."}
    )


class DecideCorrectionIn(Schema):
    approve: bool
    note: str = ""

    model_config = _examples({"approve": True, "note": "Matches the elder's confirmation."})


# --- orders -------------------------------------------------------------------------------


def _order_qs(request: HttpRequest) -> Any:
    return orders_visible_to(actor_of(request)).prefetch_related("visits")


@router.get("/orders", response=list[OrderOut])
@paginate(LimitOffsetPagination)
def list_orders(request: HttpRequest, filters: Query[OrderFilter]) -> Any:
    qs = _order_qs(request)
    if filters.elder_id is not None:
        qs = qs.filter(elder_id=filters.elder_id)
    rows = qs.order_by("-created_at", "-id")
    if filters.status:
        return [
            o
            for o in rows
            if selectors.order_status(v.status for v in o.visits.all()) == filters.status
        ]
    return rows


@router.post("/orders", response={201: OrderDetailOut, **ERRORS})
def place_order(request: HttpRequest, payload: OrderIn) -> Any:
    from doorstep.catalog import selectors as catalog_selectors
    from doorstep.catalog.models import ServicePackage

    actor = actor_of(request)
    elder = access_elder(actor=actor, elder_id=payload.elder_id, record_read=False)
    institution = Institution.objects.filter(pk=payload.institution_id).first()
    if institution is None:
        raise NotFound()
    item = package = None
    if payload.package_id is not None:
        package = (
            ServicePackage.objects.select_related("item").filter(pk=payload.package_id).first()
        )
        if package is None:
            raise NotFound()
    if payload.item_id is not None:
        item = catalog_selectors.item_by_id(payload.item_id)
        if item is None:
            raise NotFound()
    order = services.place_order(
        actor=actor,
        elder=elder,
        institution=institution,
        item=item,
        package=package,
        window_start=payload.window_start,
        channel=payload.channel,
        need_text=payload.need_text,
    )
    # Whoever may book for the elder may see the order (the booking rule is a subset of the
    # order view rule): render the placed order without looking it up again.
    _prefetch_visits(order)
    return Status(201, order)


def _order_detail(actor: Any, order_id: int) -> Order:
    """An order the actor may see, with its visits (and their providers) read once for the
    detail's status, visits and timeline."""
    order = access_order(actor=actor, order_id=order_id)
    _prefetch_visits(order)
    return order


def _prefetch_visits(order: Order) -> None:
    prefetch_related_objects(
        [order],
        Prefetch("visits", queryset=Visit.objects.select_related("provider", "provider__user")),
    )


def _audit_read(actor: Any, object_type: str, object_id: int, order: Order) -> None:
    """Staff and provider reads of an elder's order or visit are audited (not the elder's
    own, nor her family's)."""
    patient_side = not (actor.roles - {Role.ELDER, Role.FAMILY})
    if patient_side or actor.user_id == order.elder.user_id:
        return
    audit.record(
        actor=actor.user,
        action="read",
        object_type=object_type,
        object_id=object_id,
        institution_id=order.institution_id,
    )


@router.get("/orders/{order_id}", response={200: OrderDetailOut, **ERRORS})
def get_order(request: HttpRequest, order_id: int) -> Any:
    actor = actor_of(request)
    order = _order_detail(actor, order_id)
    _audit_read(actor, "order", order.pk, order)
    return order


@router.post("/orders/{order_id}/cancel", response={200: list[VisitOut], **ERRORS})
def cancel_order(request: HttpRequest, order_id: int, payload: CancelIn) -> Any:
    actor = actor_of(request)
    order = access_order(actor=actor, order_id=order_id)
    visit = None
    if payload.visit_id is not None:
        visit = order.visits.filter(pk=payload.visit_id).first()
        if visit is None:
            raise NotFound()
    return services.cancel(actor=actor, order=order, visit=visit, reason=payload.reason)


@router.post("/orders/{order_id}/payments", response={200: PaymentOut, 201: PaymentOut, **ERRORS})
def confirm_payment(request: HttpRequest, order_id: int, payload: PaymentIn) -> Any:
    """Record money taken at the door (cash, card, POS, insurance card). Goes through
    ``billing.payments`` (a charge with an idempotency key, one ledger posting): send an
    ``Idempotency-Key`` header to make retries safe (a repeat answers 200 ``replayed``);
    without one the key is derived from the order and the visits paid (docs/api.md)."""
    from doorstep.billing.payments import record_door_payment

    actor = actor_of(request)
    order = access_order(actor=actor, order_id=order_id)
    charge, created = record_door_payment(
        actor=actor,
        order=order,
        method=payload.method,
        receipt_no=payload.receipt_no,
        idempotency_key=request.headers.get("Idempotency-Key") or payload.idempotency_key,
        amount_fen=payload.amount_fen,
    )
    assert charge.order_payment_id is not None  # door channels are captured at once
    payment = Payment.objects.get(pk=charge.order_payment_id)
    out = {f: getattr(payment, f) for f in ("id", "order_id", "amount_fen", "method")}
    out.update(
        receipt_no=payment.receipt_no,
        confirmed_by_id=payment.confirmed_by_id,
        confirmed_at=payment.confirmed_at,
        charge_id=charge.pk,
        replayed=not created,
    )
    return Status(201 if created else 200, out)


# --- assessments --------------------------------------------------------------------------


@router.get("/assessments", response=list[AssessmentOut])
@paginate(LimitOffsetPagination)
def list_assessments(request: HttpRequest, filters: Query[AssessmentFilter]) -> Any:
    qs = assessments_visible_to(actor_of(request))
    if filters.decision:
        qs = qs.filter(decision=filters.decision)
    return qs.order_by("requested_at", "id")


@router.post("/assessments/{assessment_id}/decide", response={200: AssessmentOut, **ERRORS})
def decide_assessment(request: HttpRequest, assessment_id: int, payload: DecideAssessmentIn) -> Any:
    actor = actor_of(request)
    assessment = access_assessment(actor=actor, assessment_id=assessment_id)
    return services.review_assessment(
        actor=actor,
        assessment=assessment,
        decision=payload.decision,
        notes=payload.notes,
        risk_flags=payload.risk_flags,
    )


# --- visits -------------------------------------------------------------------------------


@router.get("/visits", response=list[VisitOut])
@paginate(LimitOffsetPagination)
def list_visits(request: HttpRequest, filters: Query[VisitFilter]) -> Any:
    return selectors.schedule(
        actor=actor_of(request),
        status=filters.status,
        date_from=filters.date_from,
        date_to=filters.date_to,
        mine=filters.mine,
    ).select_related("provider__user")


@router.get("/visits/pool", response=list[PoolOfferOut])
@paginate(LimitOffsetPagination)
def visit_pool(request: HttpRequest) -> Any:
    """Pool visits the acting provider may take, as masked summaries (no name, ID, phone
    or address until accepted)."""
    from django.utils.translation import get_language

    provider = selectors.provider_for_actor(actor_of(request))
    if provider is None:
        return []
    en = (get_language() or "").startswith("en")
    return [
        {
            "visit_id": o.visit.pk,
            "item_code": o.visit.order.item.code,
            "item_name": _item_name(o.visit.order.item),
            "window_start": o.visit.window_start,
            "window_end": o.visit.window_end,
            "duration_minutes": o.visit.duration_minutes,
            "risk_flags": sorted(set(o.visit.risk_flags) | set(o.summary.risk_flags)),
            "age_band": o.summary.age_band,
            "sex": o.summary.sex,
            "community_name": o.summary.community_name_en if en else o.summary.community_name_zh,
            "approx_lat": o.summary.approx_lat,
            "approx_lng": o.summary.approx_lng,
        }
        for o in selectors.open_pool_for(provider)
    ]


def _detail(visit: Visit) -> Visit:
    return Visit.objects.select_related("order", "order__item", "provider", "provider__user").get(
        pk=visit.pk
    )


@router.get("/visits/{visit_id}", response={200: VisitDetailOut, **ERRORS})
def get_visit(request: HttpRequest, visit_id: int) -> Any:
    actor = actor_of(request)
    visit = access_visit(actor=actor, visit_id=visit_id)
    _audit_read(actor, "visit", visit.pk, visit.order)
    return _detail(visit)


@router.post("/visits/{visit_id}/assign", response={200: VisitDetailOut, **ERRORS})
def assign(request: HttpRequest, visit_id: int, payload: AssignIn) -> Any:
    from doorstep.workforce.models import Provider

    actor = actor_of(request)
    visit = access_visit(actor=actor, visit_id=visit_id)
    provider = Provider.objects.filter(pk=payload.provider_id).first()
    if provider is None:
        raise NotFound()
    return _detail(services.assign_provider(actor=actor, visit=visit, provider=provider))


@router.post("/visits/{visit_id}/unassign", response={200: VisitDetailOut, **ERRORS})
def unassign(request: HttpRequest, visit_id: int, payload: ReasonIn) -> Any:
    """Take an assigned visit back to awaiting dispatch before the provider sets off
    (the institution's dispatchers; 409 ``unassign_not_allowed`` from en route on)."""
    actor = actor_of(request)
    visit = access_visit(actor=actor, visit_id=visit_id)
    return _detail(services.unassign_provider(actor=actor, visit=visit, reason=payload.reason))


@router.post("/visits/{visit_id}/publish", response={200: VisitDetailOut, **ERRORS})
def publish(request: HttpRequest, visit_id: int) -> Any:
    actor = actor_of(request)
    visit = access_visit(actor=actor, visit_id=visit_id)
    return _detail(services.publish_to_pool(actor=actor, visit=visit))


@router.post("/visits/{visit_id}/accept", response={200: VisitDetailOut, **ERRORS})
def accept(request: HttpRequest, visit_id: int) -> Any:
    actor = actor_of(request)
    visit = access_pool_visit(actor=actor, visit_id=visit_id)
    return _detail(services.accept_from_pool(actor=actor, visit=visit))


@router.post("/visits/{visit_id}/start-travel", response={200: VisitDetailOut, **ERRORS})
def start_travel(request: HttpRequest, visit_id: int, payload: PositionIn) -> Any:
    actor = actor_of(request)
    visit = access_visit(actor=actor, visit_id=visit_id)
    return _detail(
        services.start_travel(actor=actor, visit=visit, lat=payload.lat, lng=payload.lng)
    )


@router.post("/visits/{visit_id}/check-in", response={200: VisitDetailOut, **ERRORS})
def check_in(request: HttpRequest, visit_id: int, payload: CheckIn) -> Any:
    actor = actor_of(request)
    visit = access_visit(actor=actor, visit_id=visit_id)
    services.check_in(
        actor=actor, visit=visit, lat=payload.lat, lng=payload.lng, accuracy_m=payload.accuracy_m
    )
    return _detail(visit)


@router.post("/visits/{visit_id}/start", response={200: VisitDetailOut, **ERRORS})
def start(request: HttpRequest, visit_id: int) -> Any:
    actor = actor_of(request)
    visit = access_visit(actor=actor, visit_id=visit_id)
    return _detail(services.start_service(actor=actor, visit=visit))


@router.post("/visits/{visit_id}/record", response={200: VisitDetailOut, **ERRORS})
def record(request: HttpRequest, visit_id: int, payload: RecordIn) -> Any:
    actor = actor_of(request)
    visit = access_visit(actor=actor, visit_id=visit_id)
    services.submit_record(
        actor=actor,
        visit=visit,
        values=payload.values,
        consumables_used=payload.consumables_used,
        notes=payload.notes,
    )
    return _detail(visit)


@router.post("/visits/{visit_id}/photos", response={201: PhotoOut, **ERRORS})
def photo(request: HttpRequest, visit_id: int, payload: PhotoIn) -> Any:
    actor = actor_of(request)
    visit = access_visit(actor=actor, visit_id=visit_id)
    if len(payload.data_base64) > services.PHOTO_MAX_BYTES * 4 // 3 + 8:
        raise PhotoRejected(details={"size_bytes": "too_large"})
    try:
        content = base64.b64decode(payload.data_base64, validate=True)
    except (binascii.Error, ValueError):
        raise PhotoRejected(details={"data_base64": "invalid"}) from None
    return Status(
        201,
        services.add_photo(
            actor=actor,
            visit=visit,
            key=payload.key,
            content=content,
            content_type=payload.content_type,
        ),
    )


@router.post("/visits/{visit_id}/check-out", response={200: VisitDetailOut, **ERRORS})
def check_out(request: HttpRequest, visit_id: int, payload: CheckIn) -> Any:
    actor = actor_of(request)
    visit = access_visit(actor=actor, visit_id=visit_id)
    services.check_out(
        actor=actor, visit=visit, lat=payload.lat, lng=payload.lng, accuracy_m=payload.accuracy_m
    )
    return _detail(visit)


@router.post("/visits/{visit_id}/co-sign", response={201: VisitDetailOut, **ERRORS})
def co_sign(request: HttpRequest, visit_id: int, payload: CoSignIn) -> Any:
    actor = actor_of(request)
    visit = access_visit(actor=actor, visit_id=visit_id)
    services.co_sign(actor=actor, visit=visit, method=payload.method)
    return Status(201, _detail(visit))


@router.post("/visits/{visit_id}/corrections", response={201: CorrectionOut, **ERRORS})
def request_correction(request: HttpRequest, visit_id: int, payload: CorrectionIn) -> Any:
    actor = actor_of(request)
    visit = access_visit(actor=actor, visit_id=visit_id)
    return Status(
        201,
        services.request_correction(
            actor=actor,
            visit=visit,
            field=payload.field,
            proposed_value=payload.proposed_value,
            reason=payload.reason,
        ),
    )


@router.post("/visits/{visit_id}/no-show", response={200: VisitDetailOut, **ERRORS})
def no_show(request: HttpRequest, visit_id: int, payload: ReasonIn) -> Any:
    actor = actor_of(request)
    visit = access_visit(actor=actor, visit_id=visit_id)
    return _detail(services.mark_no_show(actor=actor, visit=visit, reason=payload.reason))


@router.post("/visits/{visit_id}/abort", response={200: VisitDetailOut, **ERRORS})
def abort(request: HttpRequest, visit_id: int, payload: AbortIn) -> Any:
    actor = actor_of(request)
    visit = access_visit(actor=actor, visit_id=visit_id)
    return _detail(
        services.abort_visit(
            actor=actor, visit=visit, reason=payload.reason, lat=payload.lat, lng=payload.lng
        )
    )


@router.post("/visits/{visit_id}/reschedule", response={200: VisitDetailOut, **ERRORS})
def reschedule(request: HttpRequest, visit_id: int, payload: RescheduleIn) -> Any:
    actor = actor_of(request)
    visit = access_visit(actor=actor, visit_id=visit_id)
    return _detail(
        services.reschedule(
            actor=actor, visit=visit, window_start=payload.window_start, reason=payload.reason
        )
    )


@router.post("/corrections/{correction_id}/decide", response={200: CorrectionOut, **ERRORS})
def decide_correction(request: HttpRequest, correction_id: int, payload: DecideCorrectionIn) -> Any:
    actor = actor_of(request)
    correction = access_correction(actor=actor, correction_id=correction_id)
    return services.decide_correction(
        actor=actor, correction=correction, approve=payload.approve, note=payload.note
    )


class ElderRecordOut(RecordOut):
    """One documented visit in the elder's record (newest first)."""

    visit_id: int
    item_code: str
    item_name: str
    provider_name: str | None

    @staticmethod
    def resolve_item_code(obj: ServiceRecord) -> str:
        return str(obj.visit.order.item.code)

    @staticmethod
    def resolve_item_name(obj: ServiceRecord) -> str:
        return _item_name(obj.visit.order.item)

    @staticmethod
    def resolve_provider_name(obj: ServiceRecord) -> str | None:
        provider = obj.visit.provider
        if provider is None:
            return None
        return provider.user.display_name or provider.user.username


@router.get("/elders/{elder_id}/service-records", response={200: list[ElderRecordOut], **ERRORS})
@paginate(LimitOffsetPagination)
def elder_service_records(request: HttpRequest, elder_id: int):  # type: ignore[no-untyped-def]
    """What providers documented at this elder's visits (vitals with units and LOINC codes,
    measurements, notes, consumables), newest first. Visible to whoever may see the elder's
    record; a staff read is audited like any read of the record."""
    actor = actor_of(request)
    elder = access_elder(actor=actor, elder_id=elder_id)
    return selectors.records_of_elder(elder.pk)
