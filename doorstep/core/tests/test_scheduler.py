"""The in-process scheduler (no Redis) and the ``serve`` command that starts it (ADR 0004)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from celery.schedules import crontab
from django.conf import settings

from doorstep.core.scheduler import EmbeddedScheduler, resolve_task

ROOT = Path(__file__).resolve().parents[3]


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class Recorder:
    """A stand-in task: ``apply`` runs it in this process, like Celery's ``Task.apply``."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.fail_with = fail_with

    def apply(self, args: Any = (), kwargs: Any = None, **_: Any) -> Any:
        self.calls.append(tuple(args))
        if self.fail_with is not None:
            raise self.fail_with
        return _Done(len(self.calls))


class _Done:
    def __init__(self, value: Any) -> None:
        self.value = value

    def get(self, propagate: bool = True) -> Any:
        return self.value


def test_runs_due_jobs_at_their_interval_and_survives_a_failing_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Given a job every 10 s and one every 30 s that always fails (with personal data in its
    message), the good job keeps running on time and the failure is logged without the data."""
    good = Recorder()
    bad = Recorder(fail_with=RuntimeError("elder 13900000001 110105194912310029"))
    tasks = {"t.good": good, "t.bad": bad}
    clock = FakeClock()
    scheduler = EmbeddedScheduler(
        {
            "good": {"task": "t.good", "schedule": 10.0, "args": ("x",)},
            "bad": {"task": "t.bad", "schedule": dt.timedelta(seconds=30)},
        },
        clock=clock,
        resolve=tasks.__getitem__,
    )
    assert scheduler.run_pending() == []  # like beat: first run one interval after start
    clock.t += 9.9
    assert scheduler.run_pending() == []
    clock.t += 0.1
    [run] = scheduler.run_pending()
    assert (run.job, run.ok, run.result) == ("good", True, 1)
    assert good.calls == [("x",)]

    caplog.set_level(logging.INFO, logger="doorstep.scheduler")
    clock.t += 20  # t0 + 30: both due
    runs = scheduler.run_pending()
    assert [(r.job, r.ok, r.error) for r in runs] == [
        ("good", True, ""),
        ("bad", False, "RuntimeError"),
    ]
    assert "scheduled job bad (t.bad) failed: RuntimeError" in caplog.text
    assert "13900000001" not in caplog.text
    assert "110105194912310029" not in caplog.text

    clock.t += 30  # t0 + 60: the failing job runs again, the good one is still on time
    runs = scheduler.run_pending()
    assert [(r.job, r.ok) for r in runs] == [("good", True), ("bad", False)]
    assert (len(good.calls), len(bad.calls)) == (3, 2)
    assert scheduler.jobs[0].next_run == clock.t + 10


def test_overrun_does_not_catch_up_in_a_burst() -> None:
    good = Recorder()
    clock = FakeClock()
    scheduler = EmbeddedScheduler(
        {"good": {"task": "t", "schedule": 10}}, clock=clock, resolve=lambda _: good
    )
    clock.t += 95  # the process was asleep for nine intervals
    assert len(scheduler.run_pending()) == 1
    assert scheduler.run_pending() == []
    assert scheduler.jobs[0].next_run == clock.t + 10


def test_unknown_task_is_logged_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    scheduler = EmbeddedScheduler(
        {"ghost": {"task": "doorstep.nowhere.tasks.ghost", "schedule": 1}}, clock=clock
    )
    clock.t += 1
    [run] = scheduler.run_pending()
    assert (run.ok, run.error) == (False, "NotRegistered")
    assert "scheduled job ghost (doorstep.nowhere.tasks.ghost) failed: NotRegistered" in caplog.text


def test_runs_real_celery_task_by_name_in_process() -> None:
    """The default resolver finds a registered Celery task by its name and runs it here."""
    clock = FakeClock()
    scheduler = EmbeddedScheduler(
        {"ping": {"task": "doorstep.core.tasks.ping", "schedule": 5, "args": ["tick"]}},
        clock=clock,
    )
    clock.t += 5
    [run] = scheduler.run_pending()
    assert run.ok
    assert run.result == {"pong": "tick", "pid": os.getpid()}


def test_crontab_schedules_are_accepted() -> None:
    scheduler = EmbeddedScheduler(
        {"nightly": {"task": "t", "schedule": crontab(minute=0, hour=3)}},
        clock=FakeClock(),
        resolve=lambda _: Recorder(),
    )
    wait = scheduler.jobs[0].next_run - 1000.0
    assert 1.0 <= wait <= 24 * 3600


def test_reads_the_beat_schedule_and_every_task_in_it_exists() -> None:
    """The embedded scheduler runs exactly the jobs Celery beat would; each names a real task."""
    scheduler = EmbeddedScheduler(clock=FakeClock())
    assert [j.name for j in scheduler.jobs] == list(settings.CELERY_BEAT_SCHEDULE)
    for job in scheduler.jobs:
        assert resolve_task(job.task).name == job.task


def test_thread_runs_jobs_and_stops_cleanly() -> None:
    """With a short interval the thread runs the job repeatedly; stop() ends it promptly."""
    ran = threading.Event()
    good = Recorder()
    bad = Recorder(fail_with=ValueError("boom"))

    class Signalling(Recorder):
        def apply(self, args: Any = (), kwargs: Any = None, **kw: Any) -> Any:
            result = good.apply(args, kwargs)
            if len(good.calls) >= 3:
                ran.set()
            return result

    tasks = {"good": Signalling(), "bad": bad}
    scheduler = EmbeddedScheduler(
        {
            "bad": {"task": "bad", "schedule": 0.02},
            "good": {"task": "good", "schedule": 0.05},
        },
        resolve=tasks.__getitem__,
        tick=0.01,
    )
    scheduler.start()
    try:
        assert ran.wait(timeout=1.0), "the job did not run three times within 1 s"
    finally:
        started = time.monotonic()
        assert scheduler.stop(timeout=1.0) is True
    assert time.monotonic() - started < 1.0
    assert not scheduler.running
    assert len(bad.calls) >= 3  # it kept failing and kept being scheduled
    calls = len(good.calls)
    time.sleep(0.15)
    assert len(good.calls) == calls  # nothing runs after stop


# --- serve ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, timeout: float = 5) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as res:  # noqa: S310 - local URL
            return int(res.status)
    except urllib.error.HTTPError as err:
        return err.code


def test_serve_answers_http_with_embedded_scheduler_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """``manage.py serve`` (what ``make run`` starts) without Redis: prints the background
    mode, serves /login/ and the OpenAPI document, and exits 0 on Ctrl-C (SIGINT)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.dev", DOORSTEP_VAR_DIR=str(tmp_path))
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(
        [*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*manage, "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            status = 0
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    status = _get(f"http://127.0.0.1:{port}/login/")
                    break
                except OSError:
                    time.sleep(0.2)
            assert status == 200, log.read_text()
            assert _get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=60) == 200
            # static files through WhiteNoise (finders), not the development static handler
            assert _get(f"http://127.0.0.1:{port}/static/admin/css/base.css") == 200
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                code = proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise
    text = log.read_text()
    assert code == 0, text
    assert f"http://127.0.0.1:{port}/" in text
    assert "Background work: in this process (REDIS_URL is not set)" in text
    assert "notification-purge every 86400 s" in text
    assert "Scheduler stopped." in text


def _serve_with_fake_runserver(monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[Any]]:
    """Run ``serve`` with runserver replaced by a recorder; return its output and the calls."""
    from io import StringIO

    from django.core.management import call_command

    from doorstep.core.management.commands import serve

    calls: list[Any] = []

    def fake_runserver(name: str, *args: Any, **options: Any) -> None:
        calls.append((name, args, options, threading.active_count()))
        alive = [t.name for t in threading.enumerate()]
        calls.append(alive)

    monkeypatch.setattr(serve, "call_command", fake_runserver)
    out = StringIO()
    call_command("serve", "--port", "8123", stdout=out)
    return out.getvalue(), calls


def test_serve_without_redis_runs_the_scheduler_while_serving(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    from doorstep.core.management.commands.serve import demo_logins

    settings.REDIS_URL = ""
    text, calls = _serve_with_fake_runserver(monkeypatch)
    (name, args, options, _), alive = calls
    assert (name, args) == ("runserver", ("127.0.0.1:8123",))
    assert options["use_reloader"] is False
    assert options["use_threading"] is True
    assert options["use_static_handler"] is False
    assert "doorstep-scheduler" in alive  # running while the server serves
    assert "doorstep-scheduler" not in [t.name for t in threading.enumerate()]
    assert "Background work: in this process" in text
    assert "Scheduler stopped." in text
    logins = demo_logins()
    if logins:
        assert "Demo logins (role, username, password):" in text
        assert all(f"{username}" in text for _, username, _ in logins)
    else:
        assert "No demo logins" in text


def test_serve_with_redis_leaves_jobs_to_celery(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    text, calls = _serve_with_fake_runserver(monkeypatch)
    _, alive = calls
    assert "doorstep-scheduler" not in alive
    assert "make worker   (celery -A config worker -l info)" in text
    assert "make beat     (celery -A config beat -l info)" in text
    assert "Scheduler stopped." not in text


def test_serve_without_demo_accounts_module(monkeypatch: pytest.MonkeyPatch) -> None:
    from doorstep.core.management.commands.serve import demo_logins

    monkeypatch.setitem(sys.modules, "doorstep.demo.accounts", None)  # import fails
    assert demo_logins() == []
