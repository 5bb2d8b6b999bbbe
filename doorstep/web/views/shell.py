"""The page shell: log in and out, home dashboard, language and large-text preferences."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from doorstep.accounts import services as accounts
from doorstep.accounts.enums import Role
from doorstep.accounts.models import User
from doorstep.accounts.policy import Actor
from doorstep.core.errors import ApplicationError
from doorstep.core.middleware import client_address

from ..forms import LoginForm
from ..navigation import pages_for
from .common import redirect_next, safe_next


def _apply_language(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
    )


def login_view(request: HttpRequest) -> HttpResponse:
    """Log in by mobile phone or username through the accounts service (lockout, rate limit)."""
    if request.user.is_authenticated:
        return redirect("web:home")
    form = LoginForm(request.POST if request.method == "POST" else None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.login(
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
                client_addr=client_address(request),
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            first_login = user.last_login is None
            if first_login and Actor.of(user).has(Role.ELDER) and not user.large_text:
                # Elders start in large-text mode; they can switch it off.
                accounts.set_preferences(user=user, large_text=True)
            auth_login(request, user)
            language = user.preferred_language
            translation.activate(language)
            response = redirect(safe_next(request))
            _apply_language(response, language)
            return response
    return render(
        request,
        "web/login.html",
        {"form": form, "error": error, "next": request.GET.get("next", "")},
        status=401 if error else 200,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return redirect("web:login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The role dashboard: one tile per page the user's roles open."""
    actor = Actor.of(request.user)
    return render(request, "web/home.html", {"pages": pages_for(actor)})


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch language; for a logged-in user also remember it as their preference.

    Delegates to Django's ``set_language`` (the one at ``/i18n/setlang/``), which sets the
    language cookie and redirects to ``next``.
    """
    code = request.POST.get("language", "")
    if request.user.is_authenticated and code in dict(settings.LANGUAGES):
        assert isinstance(request.user, User)
        accounts.set_preferences(user=request.user, language=code)
    return set_language(request)


@require_POST
def large_text(request: HttpRequest) -> HttpResponse:
    """Turn large-text mode on or off; remembered on the user (in the session if anonymous)."""
    on = request.POST.get("large_text") == "1"
    if request.user.is_authenticated:
        assert isinstance(request.user, User)
        accounts.set_preferences(user=request.user, large_text=on)
    else:
        request.session["large_text"] = on
    messages.success(request, _("Large text is on.") if on else _("Large text is off."))
    return redirect_next(request)
