"""Crash test (issue 5, item 7): kill the server process during a burst of payments,
restart it, retry with the same keys: no acknowledged payment lost, none doubled, the
ledger balanced.

A real ``gunicorn config.wsgi`` (sync workers, its own process group) serves the test
database on PostgreSQL (a transactional test, so what the test writes is committed and the
server sees it, and what the server writes the test reads back). Twelve client threads pay
30 orders over HTTP: half at the door (``cash``, captured at once), half through the
sandbox gateway (``sandbox``: the charge stays pending until the gateway's signed
notification, which the client posts to the notify endpoint as the gateway would). Every
key is sent twice, from two threads. After a third of the payments were acknowledged the
whole server (master and workers) gets SIGKILL; the threads go on and their requests fail
(lost answers: some were committed before the kill, some rolled back, some never arrived).
A new server starts on the same database; every key is retried and every sandbox
notification is delivered again (duplicates, in reverse order). Then:

- every answer given before the kill is given again (same charge, same order, amount,
  trade number, gateway transaction), and every notification acknowledged as ``captured``
  is still captured;
- every key has exactly one charge, every order one payment and one ``payment_captured``
  entry (nothing doubled), and every order is paid (nothing lost);
- ``billing.selectors.check()`` is clean, and the charges captured add up to the clearing
  accounts' postings.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from doorstep.accounts.services import issue_token
from doorstep.billing import selectors
from doorstep.billing.gateway import SANDBOX, SIGNATURE_HEADER
from doorstep.billing.models import Charge, JournalEntry, JournalLine
from doorstep.core import clock
from doorstep.orders.models import Order, Payment
from doorstep.orders.tests import conftest as orders_fixtures
from doorstep.orders.tests.conftest import place
from doorstep.people.tests import conftest as people_fixtures

catalog = orders_fixtures.catalog
elder_a = people_fixtures.elder_a

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
ORDERS = 30
THREADS = 12
KILL_AFTER = ORDERS // 3  # acknowledged payments before the kill
#: Fields of a charge's answer that must not change when the same key is sent again.
STABLE = ("id", "order_id", "channel", "amount_fen", "trade_no", "gateway_txn", "created_at")


#: Load Django and its URL tree once in the master and fork the workers from it (a cold
#: start per worker takes seconds on a busy machine).
GUNICORN_CONF = """
preload_app = True


def when_ready(server):
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns
    connections.close_all()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``gunicorn`` on the test database, in its own process group (killed as a whole)."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        db = settings.DATABASES["default"]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": (
                f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
                f"{db['PORT'] or 5432}/{connection.settings_dict['NAME']}"
            ),
            "DJANGO_SECRET_KEY": str(settings.SECRET_KEY),
            "DOORSTEP_BILLING_SANDBOX": "1",
            "DOORSTEP_BILLING_SANDBOX_NOTIFY_URL": "",
        }
        conf = self.log.with_name("gunicorn_conf.py")
        conf.write_text(GUNICORN_CONF)
        with self.log.open("ab") as fh:
            self.proc = subprocess.Popen(
                [GUNICORN, "config.wsgi:application", "-c", str(conf), "--workers", "3",
                 "--worker-class", "sync", "--bind", f"127.0.0.1:{self.port}", "--timeout", "30",
                 "--log-level", "warning"],
                cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                status, _body = self.call("GET", "/api/v1/billing/accounts", token="x", timeout=2)
                if status == 401:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("gunicorn did not start:\n" + self.log.read_text()[-3000:])

    def kill(self) -> None:
        """SIGKILL the master and every worker at once (no graceful shutdown)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def call(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        token: str = "",
        headers: dict[str, str] | None = None,
        timeout: float = 10,
    ) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(
                method,
                path,
                body=body,
                headers={
                    "Content-Type": "application/json",
                    **({"Authorization": f"Bearer {token}"} if token else {}),
                    **(headers or {}),
                },
            )
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        return resp.status, (json.loads(raw) if raw else None)


def _pay(server: Server, token: str, job: dict[str, Any]) -> tuple[int, Any]:
    return server.call(
        "POST",
        "/api/v1/billing/payments",
        body=json.dumps(
            {"order_id": job["order_id"], "channel": job["channel"], "amount_fen": job["amount"]}
        ).encode(),
        token=token,
        headers={"Idempotency-Key": job["key"]},
    )


def _notify(server: Server, charge: dict[str, Any]) -> tuple[int, Any]:
    """What the sandbox gateway sends when the payer has paid (signed)."""
    body, sig = SANDBOX.notification(
        institution_id=charge["institution_id"],
        trade_no=charge["trade_no"],
        txn_id=charge["gateway_txn"],
        amount_fen=charge["amount_fen"],
        status="paid",
    )
    return server.call(
        "POST", "/api/v1/billing/gateway/sandbox/notify", body=body, headers={SIGNATURE_HEADER: sig}
    )


def test_kill_the_server_mid_burst_then_retry_every_key(
    personas: Any, world: Any, elder_a: Any, catalog: Any, tmp_path: Path
) -> None:
    # Given 30 orders waiting for payment (tomorrow and after, 10:00) and the elder's token
    today = timezone.localtime(clock.now()).replace(hour=9, minute=0, second=0, microsecond=0)
    jobs: list[dict[str, Any]] = []
    for i in range(ORDERS):
        start = today + dt.timedelta(days=1 + i // 6, hours=i % 6)
        order = place(personas.elder, elder_a, world.inst_a, catalog.companion, start=start)
        jobs.append(
            {
                "order_id": order.pk,
                "amount": order.total_fen,
                "channel": "cash" if i % 2 == 0 else "sandbox",
                "key": f"crash-{order.pk:06d}-{i:02d}",
                "institution_id": order.institution_id,
            }
        )
    _token, key = issue_token(user=personas.elder, name="crash test")
    server = Server(tmp_path / "gunicorn.log")
    server.start()

    # When a burst of payments (every key twice, from different threads) meets a SIGKILL
    acked: dict[str, dict[str, Any]] = {}  # key -> the first answer the client got
    captured: set[str] = set()  # sandbox keys whose notification was answered "captured"
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    enough = threading.Event()
    queue = [j for j in jobs for _ in range(2)]
    random.Random(7).shuffle(queue)
    chunks = [queue[t::THREADS] for t in range(THREADS)]
    barrier = threading.Barrier(THREADS)

    def client(chunk: list[dict[str, Any]]) -> None:
        barrier.wait()
        for job in chunk:
            try:
                status, body = _pay(server, key, job)
            except (OSError, http.client.HTTPException):
                with lock:
                    outcomes["lost"] += 1
                continue
            with lock:
                outcomes[f"http_{status}"] += 1
                if status in (200, 201):
                    acked.setdefault(job["key"], body)
                    if len(acked) >= KILL_AFTER:
                        enough.set()
            if status in (200, 201) and job["channel"] == "sandbox":
                try:
                    n_status, n_body = _notify(server, {**body, **job})
                except (OSError, http.client.HTTPException):
                    with lock:
                        outcomes["notification_lost"] += 1
                    continue
                with lock:
                    outcomes[f"notify_{n_status}"] += 1
                    if n_status == 200 and n_body["result"] == "captured":
                        captured.add(job["key"])

    def killer() -> None:
        enough.wait(timeout=30)
        server.kill()

    threads = [threading.Thread(target=client, args=(c,)) for c in chunks]
    kill_thread = threading.Thread(target=killer)
    try:
        kill_thread.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        kill_thread.join(timeout=60)
        assert enough.is_set(), outcomes
        # the kill came mid-burst: some answers were given, some requests were lost
        assert len(acked) >= KILL_AFTER, outcomes
        assert outcomes["lost"] > 0, outcomes
        assert outcomes.get("http_409", 0) == 0, outcomes
        assert outcomes.get("http_500", 0) == 0, outcomes

        # Then a new server on the same database answers every key as before
        server.start()
        answers: dict[str, dict[str, Any]] = {}
        for job in jobs:
            status, body = _pay(server, key, job)
            assert status in (200, 201), (job, status, body)
            answers[job["key"]] = body
        for k, before in acked.items():
            assert {f: answers[k][f] for f in STABLE} == {f: before[f] for f in STABLE}, k
            assert answers[k]["replayed"] is True
        # the gateway retries every notification, twice, in reverse order: one capture each
        results: Counter[str] = Counter()
        for job in reversed(jobs * 2):
            if job["channel"] != "sandbox":
                continue
            status, body = _notify(server, {**answers[job["key"]], **job})
            assert status == 200, body
            results[body["result"]] += 1
        sandbox = [j for j in jobs if j["channel"] == "sandbox"]
        assert results["captured"] + len(captured) <= len(sandbox)
        assert results["captured"] + results["duplicate"] == 2 * len(sandbox)
        for job in jobs:
            status, body = server.call(
                "GET", f"/api/v1/billing/payments/{answers[job['key']]['id']}", token=key
            )
            assert (status, body["status"]) == (200, "captured"), job
    finally:
        server.kill()

    # Nothing lost: every acknowledged payment and capture is there, every order is paid
    charges = {c.idempotency_key: c for c in Charge.objects.all()}
    assert set(charges) == {j["key"] for j in jobs}
    for k, before in acked.items():
        assert charges[k].pk == before["id"]
    for k in captured:
        assert charges[k].status == "captured"
    # Nothing doubled: one charge, one payment, one ledger posting per order
    order_ids = [j["order_id"] for j in jobs]
    assert Counter(Charge.objects.values_list("order_id", flat=True)) == Counter(order_ids)
    assert Counter(Payment.objects.values_list("order_id", flat=True)) == Counter(order_ids)
    assert JournalEntry.objects.filter(event="payment_captured").count() == ORDERS
    # The ledger balances and the money that came in is the money the clearing accounts hold
    check = selectors.check()
    assert check.ok, check
    paid = Charge.objects.filter(status="captured").aggregate(s=Sum("amount_fen"))["s"]
    cleared = JournalLine.objects.filter(account__code__startswith="clearing:").aggregate(
        s=Sum("amount_fen")
    )["s"]
    assert paid == cleared == sum(j["amount"] for j in jobs)
    assert sum(Order.objects.filter(pk__in=order_ids).values_list("total_fen", flat=True)) == paid
