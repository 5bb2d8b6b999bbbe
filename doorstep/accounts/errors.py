from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import ApplicationError


class InvalidCredentials(ApplicationError):
    status = 401
    default_code = "invalid_credentials"
    default_message = _("The phone number, username or password is not correct.")


class AccountLocked(ApplicationError):
    status = 423
    default_code = "account_locked"
    default_message = _("Too many failed logins. The account is locked for 15 minutes.")


class RateLimited(ApplicationError):
    status = 429
    default_code = "rate_limited"
    default_message = _("Too many attempts from this address. Please wait a minute.")


class NotAuthenticated(ApplicationError):
    status = 401
    default_code = "not_authenticated"
    default_message = _("Please log in.")
