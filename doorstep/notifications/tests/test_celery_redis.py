"""Celery over Redis for real: a worker process, a broker, a result backend (ADR 0004).

A ``celery -A config worker`` subprocess is started against ``REDIS_URL`` with
``config.settings.dev`` (tasks not eager) on a queue of its own, so a developer's running
``make worker`` cannot take these tasks. The ping test needs no database. The delivery test
needs the worker to write to *this* test database, which only works on PostgreSQL (the worker
gets a ``DATABASE_URL`` naming the test database; an in-memory SQLite database is invisible to
another process), so it is marked ``postgres``. Under ``CI=true`` nothing is deselected: a
missing Redis or PostgreSQL fails the run (see ``conftest.py``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from celery.result import AsyncResult, EagerResult
from django.db import connection

from config.celery import app
from doorstep.accounts.models import User
from doorstep.core.tasks import ping
from doorstep.notifications import services
from doorstep.notifications.enums import DeliveryStatus
from doorstep.notifications.models import NotificationDelivery

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.redis


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    queue: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


#: The worker and this process both send over the inbox and a background test channel.
CHANNELS = ("in_app", "doorstep.notifications.tests.fake_channels.RecordingChannel")


def _redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.fail("REDIS_URL is not set: CI must provide Redis (export REDIS_URL=redis://...)")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at REDIS_URL does not answer: {type(exc).__name__}")
    return url


def _database_url() -> str | None:
    """A URL naming the test database, when the worker can share it (PostgreSQL)."""
    s = connection.settings_dict
    if connection.vendor != "postgresql":
        return None
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture(scope="module")
def worker(django_db_setup: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    """A real Celery worker on a private queue, sharing this run's test database on PostgreSQL."""
    redis_url = _redis_url()
    tmp = tmp_path_factory.mktemp("celery-worker")
    queue = f"doorstep-test-{uuid.uuid4().hex[:12]}"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        REDIS_URL=redis_url,
        DOORSTEP_VAR_DIR=str(tmp),
        DB_CONN_MAX_AGE="0",
        DOORSTEP_NOTIFICATION_CHANNELS=",".join(CHANNELS),
    )
    database_url = _database_url()
    if database_url:
        env["DATABASE_URL"] = database_url
    log = tmp / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    saved = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        yield Worker(proc, queue, log)
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = saved
        proc.send_signal(signal.SIGTERM)  # warm shutdown
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def test_task_runs_in_the_worker_process_and_result_comes_back(worker: Worker) -> None:
    """A task sent through Redis runs in the worker (another pid) and its result returns
    through the Redis result backend."""
    result = ping.apply_async(args=["over-redis"])
    assert isinstance(result, AsyncResult)
    assert not isinstance(result, EagerResult)
    try:
        value = result.get(timeout=60)
    except Exception:
        pytest.fail("no result from the worker within 60 s:\n" + worker.output())
    assert value == {"pong": "over-redis", "pid": worker.proc.pid}
    assert worker.proc.pid != os.getpid()
    assert result.state == "SUCCESS"
    assert worker.proc.poll() is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_notification_is_delivered_by_the_worker(worker: Worker, settings: Any) -> None:
    """notify() commits, on_commit queues ``deliver`` through Redis, the worker sends the
    background channel's delivery in the shared PostgreSQL test database (the in-app one
    was sent by the commit itself)."""
    if connection.vendor != "postgresql":
        pytest.fail("needs PostgreSQL: the worker process must see the test database")
    settings.NOTIFICATION_CHANNELS = list(CHANNELS)
    user = User.objects.create_user(username="redis_nurse", password="x-secret-42")
    notification = services.notify(recipient=user, kind="test.redis", title="Over Redis")
    assert NotificationDelivery.objects.get(notification=notification, channel="in_app").status == (
        DeliveryStatus.SENT
    )
    delivery = NotificationDelivery.objects.get(notification=notification, channel="recording")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.status != DeliveryStatus.QUEUED:
            break
        time.sleep(0.2)
    assert delivery.status == DeliveryStatus.SENT, worker.output()
    assert (delivery.attempts, delivery.last_error) == (1, "")
    assert delivery.sent_at is not None
    assert "doorstep.notifications.tasks.deliver" in worker.output()
