from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import context


def client_address(request: HttpRequest) -> str:
    """The client's address. Behind a proxy, set the proxy to overwrite X-Real-IP."""
    return str(request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR") or "")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with context.bound(addr=client_address(request), rid=uuid.uuid4().hex[:16]):
            return self.get_response(request)
