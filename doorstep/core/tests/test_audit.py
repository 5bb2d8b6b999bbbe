"""The audit log is append-only and hash-chained; tampering is detected."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from doorstep.core import audit
from doorstep.core.models import AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db


def test_rows_chain_per_partition():
    a1 = audit.record(
        actor=None, action="create", object_type="elder", object_id=1, institution_id=7
    )
    a2 = audit.record(
        actor=None,
        action="update",
        object_type="elder",
        object_id=1,
        institution_id=7,
        changed_fields=["phone", "address"],
    )
    p1 = audit.record(actor=None, action="create", object_type="region", object_id=3)
    assert (a1.partition, a1.seq, a1.prev_hash) == ("inst:7", 1, audit.GENESIS)
    assert (a2.seq, a2.prev_hash) == (2, a1.hash)
    assert a2.changed_fields == ["address", "phone"]
    assert (p1.partition, p1.seq) == ("platform", 1)
    assert audit.verify() == []
    assert AuditChainHead.objects.get(partition="inst:7").last_hash == a2.hash


def test_rows_cannot_be_updated_or_deleted_through_the_orm():
    row = audit.record(actor=None, action="create", object_type="elder", object_id=1)
    with pytest.raises(RuntimeError):
        row.save()
    with pytest.raises(RuntimeError):
        row.delete()


def test_tampering_with_a_row_is_detected_by_the_command(capsys):
    audit.record(actor=None, action="create", object_type="elder", object_id=1)
    second = audit.record(actor=None, action="read", object_type="elder", object_id=1)
    audit.record(actor=None, action="read", object_type="elder", object_id=2)
    call_command("verify_audit_chain")
    AuditEvent.objects.filter(pk=second.pk).update(object_id="999")
    problems = audit.verify()
    assert [(p.seq, p.problem) for p in problems] == [(2, "row content does not match its hash")]
    with pytest.raises(CommandError):
        call_command("verify_audit_chain")


def test_deleting_a_row_is_detected():
    audit.record(actor=None, action="create", object_type="elder", object_id=1)
    second = audit.record(actor=None, action="read", object_type="elder", object_id=1)
    audit.record(actor=None, action="read", object_type="elder", object_id=2)
    AuditEvent.objects.filter(pk=second.pk)._raw_delete(AuditEvent.objects.db)
    problems = audit.verify()
    assert {p.problem for p in problems} == {"gap: expected seq 2", "prev_hash does not match"}
