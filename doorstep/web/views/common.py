"""Helpers every page uses: role gates (404 for the wrong role) and safe redirects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from doorstep.accounts.policy import Actor
from doorstep.core.errors import NotFound

F = TypeVar("F", bound=Callable[..., HttpResponse])


def role_page(*roles: str) -> Callable[[F], F]:
    """Log-in required; users holding none of ``roles`` get 404 (no existence oracle).

    The view receives the ``Actor`` as keyword ``actor``. A ``NotFound`` raised by an
    ``access_*`` lookup inside the view becomes a 404 page.
    """

    def decorate(view: F) -> F:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            actor = Actor.of(request.user)
            if not actor.has(*roles):
                raise Http404()
            try:
                return view(request, *args, actor=actor, **kwargs)
            except NotFound as exc:
                raise Http404() from exc

        return wrapper  # type: ignore[return-value]

    return decorate


def safe_next(request: HttpRequest, fallback: str = "web:home") -> str:
    """The ``next`` parameter when it points back into this site, else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(fallback)


def redirect_next(request: HttpRequest, fallback: str = "web:home") -> HttpResponseRedirect:
    return HttpResponseRedirect(safe_next(request, fallback))
