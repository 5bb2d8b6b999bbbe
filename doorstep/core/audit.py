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


@dataclass(frozen=True)
class Entry:
    """One audit row to append (``record_many``). ``details`` never holds personal data."""

    actor: Any
    action: str
    object_type: str
    object_id: Any
    institution_id: int | None = None
    changed_fields: Iterable[str] = ()
    details: dict[str, Any] | None = None


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
    entry = Entry(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        institution_id=institution_id,
        changed_fields=changed_fields,
        details=details,
    )
    return record_many([entry])[0]


def _lock_head(partition: str) -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(partition=partition).first()
    if head is None:  # first row of this partition: create the head race-safely
        AuditChainHead.objects.get_or_create(partition=partition)
        head = AuditChainHead.objects.select_for_update().get(partition=partition)
    return head


def record_many(entries: Iterable[Entry]) -> list[AuditEvent]:
    """Append several rows, in order, with one head lock and one insert per partition.

    A service that makes several audited changes in one transaction (placing an order moves
    its visits through the automatic steps) writes them together: the chain is the same as
    if each had been recorded alone. Heads are locked in partition order (no deadlock
    between two writers touching the same partitions)."""
    items = list(entries)
    if not items:
        return []
    at = clock.now()
    addr = context.client_addr.get()
    request_id = context.request_id.get()
    by_partition: dict[str, list[int]] = {}
    for i, entry in enumerate(items):
        by_partition.setdefault(partition_for(entry.institution_id), []).append(i)
    events: list[AuditEvent | None] = [None] * len(items)
    # The caller's transaction, if any, already makes this atomic: no savepoint needed.
    with transaction.atomic(savepoint=False):
        for partition in sorted(by_partition):
            head = _lock_head(partition)
            seq, prev = head.seq, head.last_hash
            rows = []
            for i in by_partition[partition]:
                entry = items[i]
                seq += 1
                actor = entry.actor
                actor_id = getattr(actor, "pk", None) if actor is not None else None
                fields = sorted(set(entry.changed_fields))
                clean = json.loads(json.dumps(entry.details or {}, default=str))
                object_id = str(entry.object_id)
                digest = _digest(
                    partition=partition,
                    seq=seq,
                    at=at,
                    actor_id=actor_id,
                    action=entry.action,
                    object_type=entry.object_type,
                    object_id=object_id,
                    changed_fields=fields,
                    details=clean,
                    client_addr=addr,
                    prev_hash=prev,
                )
                event = AuditEvent(
                    partition=partition,
                    seq=seq,
                    at=at,
                    actor_id=actor_id,
                    actor_label=(getattr(actor, "username", "") or "system") if actor else "system",
                    action=entry.action,
                    object_type=entry.object_type,
                    object_id=object_id,
                    changed_fields=fields,
                    details=clean,
                    client_addr=addr,
                    request_id=request_id,
                    prev_hash=prev,
                    hash=digest,
                )
                rows.append(event)
                events[i] = event
                prev = digest
            AuditEvent.objects.bulk_create(rows)
            AuditChainHead.objects.filter(partition=partition).update(seq=seq, last_hash=prev)
    return [e for e in events if e is not None]


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
