import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
FIELD_ENCRYPTION_KEY = os.environ["DOORSTEP_FIELD_KEY"]
SEARCH_HASH_KEY = os.environ["DOORSTEP_HASH_KEY"]
# The sandbox gateway's "payer pays" simulation is off in production unless asked for.
BILLING_SANDBOX = os.environ.get("DOORSTEP_BILLING_SANDBOX", "0") == "1"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
