"""Per-request context (client address, request id) for audit rows, set by middleware."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

client_addr: contextvars.ContextVar[str] = contextvars.ContextVar("client_addr", default="")
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


@contextmanager
def bound(*, addr: str = "", rid: str = "") -> Iterator[None]:
    t1 = client_addr.set(addr)
    t2 = request_id.set(rid)
    try:
        yield
    finally:
        client_addr.reset(t1)
        request_id.reset(t2)
