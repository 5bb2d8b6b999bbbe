"""Fixtures of the notifications tests, and the rule for tests that need Redis or PostgreSQL.

``@pytest.mark.redis`` tests run a real Celery worker against ``REDIS_URL``;
``@pytest.mark.postgres`` tests need the worker to see the test database, which an in-memory
SQLite database cannot offer. Outside CI a test whose service is missing is deselected and the
reason printed at the end of the run; under ``CI=true`` nothing is deselected, so a missing
service fails the run loudly (see ``test_celery_redis.py``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

HERE = Path(__file__).resolve().parent
_DESELECTED: list[str] = []


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def on_postgres() -> bool:
    return bool(settings.DATABASES["default"]["ENGINE"].endswith("postgresql"))


def _missing(item: pytest.Item) -> str | None:
    if item.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
        return "REDIS_URL is not set (export REDIS_URL=redis://127.0.0.1:6379/0)"
    if item.get_closest_marker("postgres") and not on_postgres():
        return "the test database is not PostgreSQL (set DATABASE_URL=postgres://...)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if in_ci():
        return
    keep, drop = [], []
    for item in items:
        reason = _missing(item) if HERE in Path(str(item.path)).parents else None
        if reason:
            drop.append(item)
            _DESELECTED.append(f"{item.nodeid}: {reason}")
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _DESELECTED:
        terminalreporter.section("deselected: service not available (runs in CI)")
        for line in _DESELECTED:
            terminalreporter.write_line(line)


@pytest.fixture
def channels(settings: Any) -> Any:
    """``channels("in_app", "...FailingChannel")`` configures the channel list for a test."""
    from doorstep.notifications.tests import fake_channels

    fake_channels.FailingChannel.calls = 0
    fake_channels.FlakyChannel.calls = 0

    def use(*entries: str) -> None:
        settings.NOTIFICATION_CHANNELS = list(entries)

    return use
