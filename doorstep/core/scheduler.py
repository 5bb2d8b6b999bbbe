"""The in-process scheduler for the embedded default (no Redis; ADR 0004).

Runs the periodic jobs of ``settings.CELERY_BEAT_SCHEDULE`` in one background thread of the
``serve`` process, calling each task by name with ``.apply()`` (in this process). With Redis,
``celery -A config beat`` does this job instead and this module is not used.

Schedules may be seconds (int/float), a ``timedelta`` or a Celery schedule (``crontab``,
``schedule``): anything with ``remaining_estimate(last_run_at)``. As with Celery beat, a job
first runs one interval after start. A failing job is logged (job name and exception type only:
exception messages may hold personal data) and runs again at its next time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

logger = logging.getLogger("doorstep.scheduler")

Clock = Callable[[], float]


def resolve_task(name: str) -> Any:
    """The Celery task registered under ``name``, importing its module if needed."""
    from config.celery import app

    try:
        return app.tasks[name]
    except KeyError:
        module = name.rpartition(".")[0]
        if module:
            with contextlib.suppress(ImportError):
                importlib.import_module(module)
        return app.tasks[name]  # KeyError again when it really does not exist


@dataclass
class Job:
    name: str
    task: str
    schedule: Any
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    next_run: float = 0.0
    runs: int = 0
    failures: int = 0

    def seconds_to_next(self) -> float:
        """Seconds from a run now to the next one."""
        s = self.schedule
        if isinstance(s, int | float):
            return float(s)
        if isinstance(s, dt.timedelta):
            return s.total_seconds()
        if hasattr(s, "remaining_estimate"):
            remaining = s.remaining_estimate(timezone.now())
            return max(remaining.total_seconds(), 1.0)
        raise TypeError(f"unsupported schedule for job {self.name!r}: {s!r}")

    def describe(self) -> str:
        s = self.schedule
        if isinstance(s, int | float | dt.timedelta):
            return f"{self.name} every {self.seconds_to_next():g} s"
        return f"{self.name} ({s})"


@dataclass(frozen=True)
class JobRun:
    job: str
    ok: bool
    result: Any = None
    error: str = ""


class EmbeddedScheduler:
    """Run periodic Celery tasks in a thread of this process.

    ``run_pending()`` runs the jobs that are due (used by the thread and by tests with a fake
    ``clock``); ``start()``/``stop()`` manage the thread.
    """

    def __init__(
        self,
        schedule: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        clock: Clock = time.monotonic,
        resolve: Callable[[str], Any] = resolve_task,
        tick: float = 1.0,
    ) -> None:
        if schedule is None:
            schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", {})
        self.clock = clock
        self.resolve = resolve
        self.tick = tick
        now = clock()
        self.jobs: list[Job] = []
        for name, entry in schedule.items():
            job = Job(
                name=name,
                task=str(entry["task"]),
                schedule=entry["schedule"],
                args=tuple(entry.get("args", ())),
                kwargs=dict(entry.get("kwargs", {})),
            )
            job.next_run = now + job.seconds_to_next()
            self.jobs.append(job)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- one pass ---------------------------------------------------------------------------
    def run_pending(self) -> list[JobRun]:
        """Run every job that is due now; return what happened."""
        runs = []
        for job in self.jobs:
            if self._stop.is_set():
                break
            if self.clock() < job.next_run:
                continue
            runs.append(self._run(job))
            now = self.clock()
            job.next_run = max(job.next_run + job.seconds_to_next(), now)
            if job.next_run <= now:  # overran a whole interval: do not catch up in a burst
                job.next_run = now + job.seconds_to_next()
        return runs

    def _run(self, job: Job) -> JobRun:
        job.runs += 1
        try:
            task = self.resolve(job.task)
            result = task.apply(args=job.args, kwargs=job.kwargs, throw=True)
            value = result.get(propagate=True) if hasattr(result, "get") else result
        except Exception as exc:
            job.failures += 1
            # Type only: messages of exceptions may carry names, phone or ID numbers.
            logger.error("scheduled job %s (%s) failed: %s", job.name, job.task, type(exc).__name__)
            return JobRun(job=job.name, ok=False, error=type(exc).__name__)
        logger.info("scheduled job %s (%s) done", job.name, job.task)
        return JobRun(job=job.name, ok=True, result=value)

    def seconds_until_due(self) -> float:
        if not self.jobs:
            return self.tick
        return max(0.0, min(job.next_run for job in self.jobs) - self.clock())

    # -- the thread -------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="doorstep-scheduler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                close_old_connections()
                self.run_pending()
                self._stop.wait(min(self.tick, self.seconds_until_due()) or 0.01)
        finally:
            connections.close_all()  # this thread's connections only (they are per thread)

    def stop(self, timeout: float = 10.0) -> bool:
        """Ask the thread to stop after the job it is running; True when it has stopped."""
        self._stop.set()
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> EmbeddedScheduler:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
