"""Write and verify the audit log (ADR 0006).

``record`` appends one row to a partition's hash chain inside the caller's transaction:
if the business change rolls back, so does its audit row. The chain head is locked with
``select_for_update`` so two writers to one partition serialise, while different
partitions (one per institution) write in parallel.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from . import clock, context
from .models import AuditChainHead, AuditEvent

PLATFORM = "platform"
GENESIS = "0" * 64


def partition_for(institution_id: int | None) -> str:
    return f"inst:{institution_id}" if institution_id else PLATFORM


def _digest(
    *,
    partition: str,
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    changed_fields: list[str],
    details: dict[str, Any],
    client_addr: str,
    prev_hash: str,
) -> str:
    payload = json.dumps(
        [
            partition,
            seq,
            at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            actor_id,
            action,
            object_type,
            object_id,
            changed_fields,
            details,
            client_addr,
            prev_hash,
        ],
        sort_keys=True,
        ensure_ascii=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: Any,
    institution_id: int | None = None,
    changed_fields: Iterable[str] = (),
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row. ``details`` must never hold personal data (names, IDs, phones)."""
    partition = partition_for(institution_id)
    at = clock.now()
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    fields = sorted(set(changed_fields))
    clean_details = json.loads(json.dumps(details or {}, default=str))
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(partition=partition).first()
        if head is None:  # first row of this partition: create the head race-safely
            AuditChainHead.objects.get_or_create(partition=partition)
            head = AuditChainHead.objects.select_for_update().get(partition=partition)
        seq = head.seq + 1
        addr = context.client_addr.get()
        digest = _digest(
            partition=partition,
            seq=seq,
            at=at,
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            changed_fields=fields,
            details=clean_details,
            client_addr=addr,
            prev_hash=head.last_hash,
        )
        event = AuditEvent.objects.create(
            partition=partition,
            seq=seq,
            at=at,
            actor_id=actor_id,
            actor_label=(getattr(actor, "username", "") or "system") if actor else "system",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            changed_fields=fields,
            details=clean_details,
            client_addr=addr,
            request_id=context.request_id.get(),
            prev_hash=head.last_hash,
            hash=digest,
        )
        AuditChainHead.objects.filter(partition=partition).update(seq=seq, last_hash=digest)
    return event


@dataclass(frozen=True)
class ChainProblem:
    partition: str
    seq: int
    problem: str


def _rows(partition: str) -> Iterator[AuditEvent]:
    return AuditEvent.objects.filter(partition=partition).order_by("seq").iterator(chunk_size=2000)


def verify(partitions: Iterable[str] | None = None) -> list[ChainProblem]:
    """Recompute every chain. Returns the problems found (empty when intact)."""
    problems: list[ChainProblem] = []
    names = (
        list(partitions)
        if partitions is not None
        else list(AuditEvent.objects.values_list("partition", flat=True).distinct().order_by())
    )
    heads = {h.partition: h for h in AuditChainHead.objects.filter(partition__in=names)}
    for name in sorted(set(names)):
        prev, expected_seq = GENESIS, 1
        for row in _rows(name):
            if row.seq != expected_seq:
                problems.append(ChainProblem(name, row.seq, f"gap: expected seq {expected_seq}"))
            if row.prev_hash != prev:
                problems.append(ChainProblem(name, row.seq, "prev_hash does not match"))
            digest = _digest(
                partition=row.partition,
                seq=row.seq,
                at=row.at,
                actor_id=row.actor_id,
                action=row.action,
                object_type=row.object_type,
                object_id=row.object_id,
                changed_fields=list(row.changed_fields),
                details=row.details,
                client_addr=row.client_addr,
                prev_hash=row.prev_hash,
            )
            if digest != row.hash:
                problems.append(ChainProblem(name, row.seq, "row content does not match its hash"))
            prev, expected_seq = row.hash, row.seq + 1
        head = heads.get(name)
        if head is not None and (head.seq != expected_seq - 1 or head.last_hash != prev):
            problems.append(ChainProblem(name, head.seq, "chain head does not match last row"))
    return problems
