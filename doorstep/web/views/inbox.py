"""Everyone: the in-app inbox (the bell in the header) and marking notifications read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from doorstep.accounts.models import User
from doorstep.accounts.policy import Actor
from doorstep.core.errors import NotFound
from doorstep.notifications import selectors, services
from doorstep.notifications.access import access_notification

PAGE_SIZE = 30


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.inbox(_user(request)), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/inbox.html", {"page": page})


@require_POST
@login_required
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        notification = access_notification(
            actor=Actor.of(request.user), notification_id=notification_id
        )
    except NotFound as exc:
        raise Http404() from exc
    services.mark_read(user=_user(request), notification=notification)
    return redirect("web:inbox")


@require_POST
@login_required
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(user=_user(request))
    return redirect("web:inbox")
