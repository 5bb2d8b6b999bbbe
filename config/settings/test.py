from .base import *  # noqa: F403
from .base import DATABASES

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher"
]  # speed; argon2 tested explicitly
LANGUAGE_CODE = "en"
LOGIN_RATE_LIMIT = 1000
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}

# Tests run background tasks in-process and use a private cache; the Celery-over-Redis
# path is exercised explicitly by doorstep/notifications/tests (a real worker process).
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PROCESS_MEMOS = True  # one process: the local cache is enough to invalidate (ADR 0018)

# Several test runs may share one PostgreSQL server (parallel developers, CI re-runs): give each
# run its own test database name so they never drop each other's.
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    import os as _os

    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{_os.getpid()}"}

# Capacity-aware booking (ADR 0032) is off in the test worlds, whose few providers are
# not placed to serve every booking the visit-loop tests make; doorstep/dispatch/tests/
# test_capacity.py and the booking page tests switch it on.
BOOKING_CAPACITY_CHECK = False
