"""Concurrent writers to one audit partition serialise on the chain head (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from doorstep.core import audit
from doorstep.core.models import AuditEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_threads_append_one_unbroken_chain_per_partition():
    start = threading.Barrier(20)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(5):
                audit.record(
                    actor=None,
                    action="read",
                    object_type="elder",
                    object_id=n * 10 + i,
                    institution_id=1 + n % 2,
                )
        except BaseException as exc:  # collected and asserted below, never swallowed
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    for partition in ("inst:1", "inst:2"):
        seqs = list(
            AuditEvent.objects.filter(partition=partition)
            .order_by("seq")
            .values_list("seq", flat=True)
        )
        assert seqs == list(range(1, 51))
    assert audit.verify() == []
