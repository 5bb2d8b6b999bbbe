"""Audit log for platform admins: list with filters, and CSV export."""

import csv
import datetime as dt

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from doorstep.accounts.enums import Role
from doorstep.core.api import ERRORS, actor_of
from doorstep.core.errors import NotFound

from . import audit
from .models import AuditEvent

router = Router(tags=["audit"])


class AuditOut(Schema):
    id: int
    partition: str
    seq: int
    at: dt.datetime
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str
    changed_fields: list[str]
    details: dict[str, object]
    client_addr: str
    hash: str


class AuditFilter(Schema):
    object_type: str | None = None
    object_id: str | None = None
    actor_id: int | None = None
    action: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def _scoped(request: HttpRequest, f: AuditFilter):  # type: ignore[no-untyped-def]
    actor = actor_of(request)
    if not actor.has(Role.PLATFORM_ADMIN):
        raise NotFound()
    qs = AuditEvent.objects.all()
    for name in ("object_type", "object_id", "actor_id", "action"):
        value = getattr(f, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    if f.since:
        qs = qs.filter(at__gte=f.since)
    if f.until:
        qs = qs.filter(at__lt=f.until)
    return qs.order_by("-at", "-id")


@router.get("", response={200: list[AuditOut], **ERRORS})
@paginate(LimitOffsetPagination)
def list_audit(request: HttpRequest, filters: Query[AuditFilter]):  # type: ignore[no-untyped-def]
    """Audit rows, newest first (platform admins only)."""
    return _scoped(request, filters)


class _Echo:
    def write(self, value: str) -> str:
        return value


@router.get("/export.csv", response={200: None, **ERRORS})
def export_audit(request: HttpRequest, filters: Query[AuditFilter]) -> StreamingHttpResponse:
    """The filtered audit rows as CSV (streamed)."""
    qs = _scoped(request, filters)
    writer = csv.writer(_Echo())
    header = [
        "id",
        "partition",
        "seq",
        "at",
        "actor_id",
        "actor",
        "action",
        "object_type",
        "object_id",
        "changed_fields",
        "client_addr",
        "prev_hash",
        "hash",
    ]

    def rows():  # type: ignore[no-untyped-def]
        yield writer.writerow(header)
        for e in qs.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    e.id,
                    e.partition,
                    e.seq,
                    e.at.isoformat(),
                    e.actor_id or "",
                    e.actor_label,
                    e.action,
                    e.object_type,
                    e.object_id,
                    ";".join(e.changed_fields),
                    e.client_addr,
                    e.prev_hash,
                    e.hash,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return response


class VerifyOut(Schema):
    intact: bool
    problems: list[dict[str, object]]


@router.post("/verify", response={200: VerifyOut, **ERRORS})
def verify_chain(request: HttpRequest) -> VerifyOut:
    actor = actor_of(request)
    if not actor.has(Role.PLATFORM_ADMIN):
        raise NotFound()
    problems = audit.verify()
    return VerifyOut(
        intact=not problems,
        problems=[{"partition": p.partition, "seq": p.seq, "problem": p.problem} for p in problems],
    )
