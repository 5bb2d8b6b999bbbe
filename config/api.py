"""The JSON API under /api/v1/ (Django Ninja). One error format for every 4xx."""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from doorstep.accounts.services import user_for_token
from doorstep.core.errors import INTERNAL_ERROR_MESSAGE, ApplicationError

logger = logging.getLogger("doorstep.api")


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Doorstep API",
    version="1",
    description=(
        "Internet + Nursing Services and home-based elderly care. Authenticate with "
        "`POST /api/v1/auth/token` and send `Authorization: Bearer <key>`. Every 4xx answers "
        '`{"code": "...", "message": "...", "details": {...}}` in the language of the request '
        "(Accept-Language: en or zh-Hans)."
    ),
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "details": details or {}}, status=status
    )


@api.exception_handler(ApplicationError)
def on_application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "loc": [str(p) for p in e.get("loc", [])],
            "msg": str(e.get("msg", "")),
            "type": e.get("type", ""),
        }
        for e in exc.errors
    ]
    return _error(
        request, 422, "validation_error", _("Some fields are not valid."), {"errors": errors}
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "not_authenticated", _("Please log in."))


@api.exception_handler(Http404)
def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, f"http_{exc.status_code}", str(exc))


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled error on %s %s", request.method, request.path)
    return _error(request, 500, "internal_error", str(INTERNAL_ERROR_MESSAGE))


def _register() -> None:
    from doorstep.accounts.api import router as accounts
    from doorstep.alerts.api import router as alerts
    from doorstep.billing.api import router as billing
    from doorstep.catalog.api import router as catalog
    from doorstep.core.audit_api import router as audit
    from doorstep.devices.api import router as devices
    from doorstep.dispatch.api import router as dispatch
    from doorstep.health.api import router as health
    from doorstep.health.careplan_api import router as careplans
    from doorstep.matching.api import router as matching
    from doorstep.notifications.api import router as notifications
    from doorstep.orders.api import router as orders
    from doorstep.organizations.api import router as organizations
    from doorstep.people.api import router as people
    from doorstep.quality.api import router as quality
    from doorstep.regions.api import router as regions
    from doorstep.workforce.api import router as workforce

    api.add_router("/", accounts)
    api.add_router("/regions", regions)
    api.add_router("/institutions", organizations)
    api.add_router("/", people)
    api.add_router("/", workforce)
    api.add_router("/notifications", notifications)
    api.add_router("/audit", audit)
    api.add_router("/", catalog)
    api.add_router("/", orders)
    api.add_router("/", quality)
    api.add_router("/", matching)
    api.add_router("/dispatch", dispatch)
    api.add_router("/", billing)
    api.add_router("/", health)
    api.add_router("/", devices)
    api.add_router("/", alerts)
    api.add_router("/", careplans)


_register()
