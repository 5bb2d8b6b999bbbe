from .base import *  # noqa: F403
from .base import DATABASES

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher"
]  # speed; argon2 tested explicitly
LANGUAGE_CODE = "en"
LOGIN_RATE_LIMIT = 1000
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
