"""Process-local memos of slowly changing reads, kept exact across processes by a
generation token in the shared cache (ADR 0018).

Some rows are read on nearly every request and change rarely: the catalogue's pricing
policies, caps and offerings; an API token and its user's role grants. A ``Memo`` keeps
such answers in this process under its namespace's current *generation*. Any committed
change to the rows behind it calls ``bump`` (from ``post_save`` / ``post_delete``
receivers, or explicitly after a bulk write or a queryset ``update``), which stores a new
random token in Django's cache; every process drops its memo at its next read of the
token (once per request). A token, not a counter: a cache that loses the key can never
bring an old generation back.

The token lives in Django's cache, which is Redis when ``REDIS_URL`` is set, so every web
worker sees a bump. Without a shared cache only one process could be told, so memos are
off unless ``settings.PROCESS_MEMOS`` turns them on (the test settings do: one process).
Reads inside a transaction are never remembered nor served: they must see the
transaction's own changes, and a rollback must not leave anything behind. ``max_age``
bounds how long one entry is trusted (defence in depth for a write path that forgot to
bump). Cached values are shared between requests: callers treat them as read-only.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from . import context

T = TypeVar("T")


class Memo:
    def __init__(self, namespace: str, *, max_entries: int = 20_000, max_age: float = 0) -> None:
        self.namespace = namespace
        self.key = f"memo:{namespace}:generation"
        self.max_entries = max_entries
        self.max_age = max_age  # seconds; 0 = until the next bump
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._generation: str | None = None
        self._checked_for = ""
        self._seen = ""

    @staticmethod
    def enabled() -> bool:
        return bool(getattr(settings, "PROCESS_MEMOS", False))

    def generation(self) -> str:
        return str(cache.get(self.key) or "")

    def _current(self) -> str:
        """The generation: from the shared cache once per request (a request works on one
        snapshot), at every call outside a request."""
        rid = context.request_id.get()
        if not rid:
            return self.generation()
        if self._checked_for != rid:
            # First memo read of this request: one cache round trip for every namespace.
            keys = {m.key: m for m in [*_ALL.values(), self]}
            found = cache.get_many(list(keys))
            for key, m in keys.items():
                m._seen = str(found.get(key) or "")
                m._checked_for = rid
        return self._seen

    def remember(self, key: Hashable, compute: Callable[[], T], *, keep_none: bool = True) -> T:
        """``compute()``, or the value this process computed for ``key`` in this generation.
        ``keep_none=False``: a ``None`` answer is not remembered (e.g. an unknown token)."""
        if not self.enabled() or connection.in_atomic_block:
            return compute()
        current = self._current()
        if self._generation != current or len(self._entries) >= self.max_entries:
            self._entries.clear()
            self._generation = current
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and (not self.max_age or now - hit[0] < self.max_age):
            return hit[1]  # type: ignore[no-any-return]
        value = compute()
        if value is not None or keep_none:
            self._entries[key] = (now, value)
        return value

    def forget(self, key: Hashable) -> None:
        """Drop one entry of this process (the others are told by ``bump``)."""
        self._entries.pop(key, None)

    def bump(self) -> None:
        """The rows behind this memo changed (committed): every process recomputes."""
        token = uuid.uuid4().hex
        cache.set(self.key, token, timeout=None)
        self._entries.clear()
        self._generation = self._seen = token

    def bump_on_commit(self, **_: Any) -> None:
        """Signal receiver: bump once the change is committed (at once outside a transaction)."""
        transaction.on_commit(self.bump)

    def watch(self, *models: Any) -> None:
        """Bump after every committed save or delete of these models."""
        from django.db.models.signals import post_delete, post_save

        for model in models:
            uid = f"memo-{self.namespace}-{model._meta.label}"
            post_save.connect(self.bump_on_commit, sender=model, dispatch_uid=uid, weak=False)
            post_delete.connect(self.bump_on_commit, sender=model, dispatch_uid=uid, weak=False)


_ALL: dict[str, Memo] = {}


def memo(namespace: str, **options: Any) -> Memo:
    """The process's memo of ``namespace`` (created on first use)."""
    if namespace not in _ALL:
        _ALL[namespace] = Memo(namespace, **options)
    return _ALL[namespace]


def bump_all() -> None:
    """After a bulk load (the demo seed) or between tests: every memo recomputes."""
    for m in _ALL.values():
        m.bump()
