"""Settings shared by every environment. Everything that differs comes from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("DOORSTEP_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-insecure-change-me-" + "x" * 32)
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

# Keys for personal data at rest (ADR 0003). 32 url-safe base64 bytes each in production.
FIELD_ENCRYPTION_KEY = os.environ.get(
    "DOORSTEP_FIELD_KEY", "ZG9vcnN0ZXAtZGV2LWZpZWxkLWtleS0wMDAwMDAwMDA="
)
SEARCH_HASH_KEY = os.environ.get("DOORSTEP_HASH_KEY", "doorstep-dev-search-hash-key")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_htmx",
    "doorstep.core",
    "doorstep.accounts",
    "doorstep.regions",
    "doorstep.organizations",
    "doorstep.people",
    "doorstep.workforce",
    "doorstep.notifications",
    "doorstep.catalog",
    "doorstep.orders",
    "doorstep.quality",
    "doorstep.matching",
    "doorstep.dispatch",
    "doorstep.billing",
    "doorstep.health",
    "doorstep.alerts",
    "doorstep.devices",
    "doorstep.web",
    "doorstep.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "doorstep.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "doorstep.web.context_processors.shell",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'doorstep.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
#: Hot hand-written statements (``core.sql.fetchall``) are prepared once per database
#: session on PostgreSQL (ADR 0036). Turn off behind a pooler that does not keep sessions
#: (PgBouncer in transaction mode). Only those statements' server-binding cursors prepare:
#: Django's own cursors bind client-side and never do, whatever the threshold.
DB_PREPARED_STATEMENTS = os.environ.get("DB_PREPARED_STATEMENTS", "1") == "1"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        0 if DB_PREPARED_STATEMENTS else None
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["doorstep.accounts.backends.PhoneOrUsernameBackend"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login protection (ADR 0002): lockout per account, rate limit per client address.
LOGIN_LOCKOUT_THRESHOLD = 5
LOGIN_LOCKOUT_MINUTES = 15
LOGIN_RATE_LIMIT = int(os.environ.get("LOGIN_RATE_LIMIT", "20"))  # attempts per address per window
LOGIN_RATE_WINDOW_SECONDS = 60

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("en", _("English")), ("zh-hans", _("简体中文"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = VAR_DIR / "media"  # visit photos (orders.RecordPhoto); never served publicly
# Visit verification (ADR 0013): check-in is flagged beyond EVV_MAX_DISTANCE_M from the home
# or more than EVV_WINDOW_TOLERANCE_MINUTES before the booked start or after its arrival
# window (BOOKING_ARRIVAL_WINDOW_MINUTES, ADR 0037), refused beyond
# EVV_REFUSE_DISTANCE_M. Patient cancellation from en route: ORDERS_CANCEL_FEE_BP of the
# visit price, at most ORDERS_CANCEL_FEE_CAP_FEN.
EVV_MAX_DISTANCE_M = int(os.environ.get("EVV_MAX_DISTANCE_M", "200"))
EVV_REFUSE_DISTANCE_M = int(os.environ.get("EVV_REFUSE_DISTANCE_M", "1000"))
EVV_WINDOW_TOLERANCE_MINUTES = int(os.environ.get("EVV_WINDOW_TOLERANCE_MINUTES", "30"))
ORDERS_CANCEL_FEE_BP = 3000
ORDERS_CANCEL_FEE_CAP_FEN = 5000
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "doorstep",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Remember hot reads per process, invalidated through the shared cache (ADR 0018): only
# when that cache is shared by every process (Redis).
PROCESS_MEMOS = bool(REDIS_URL)

# Background work (ADR 0004): Celery over Redis when REDIS_URL is set, in-process otherwise.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"  # host given: no kombu warning
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "certificate-expiry-sweep": {
        "task": "doorstep.workforce.tasks.expire_certificates",
        "schedule": 3600.0,
    },
    "notification-purge": {
        "task": "doorstep.notifications.tasks.purge_old_read",
        "schedule": 24 * 3600.0,
    },
    "notification-requeue-stalled": {
        "task": "doorstep.notifications.tasks.requeue_stalled",
        "schedule": 300.0,
    },
    "complaint-escalation": {
        "task": "doorstep.quality.tasks.escalate_overdue_complaints",
        "schedule": 900.0,
    },
    # Alerts (ADR 0031): escalation timers, inactivity rules, overdue check-outs.
    "alerts-escalate": {
        "task": "doorstep.alerts.tasks.escalate_alerts",
        "schedule": float(os.environ.get("ALERTS_SWEEP_SECONDS", "15")),
    },
    "alerts-inactivity": {"task": "doorstep.alerts.tasks.evaluate_inactivity", "schedule": 600.0},
    "alerts-overdue-checkouts": {
        "task": "doorstep.alerts.tasks.flag_overdue_checkouts",
        "schedule": 60.0,
    },
    # Devices (ADR 0030): devices not heard from within their type's interval go offline.
    "devices-offline-sweep": {
        "task": "doorstep.devices.tasks.mark_offline",
        "schedule": 300.0,
    },
    # Care plans (ADR 0027): roll each active plan's horizon on, run the proactive rules.
    "care-plan-generation": {
        "task": "doorstep.health.tasks.generate_care_visits",
        "schedule": crontab(hour=4, minute=30),
    },
    # Matching (ADR 0020): offers past their deadline move to the next candidate.
    "matching-offer-timeouts": {
        "task": "doorstep.matching.tasks.expire_offers",
        "schedule": float(os.environ.get("MATCHING_SWEEP_SECONDS", "15")),
    },
}

# Care plans (ADR 0027): how many days ahead an active plan books its visits.
HEALTH_CAREPLAN_HORIZON_DAYS = int(os.environ.get("DOORSTEP_CAREPLAN_HORIZON_DAYS", "14"))

# Notification channels (ADR 0005). "in_app" always; more are added by later work.
NOTIFICATION_CHANNELS = [
    c.strip()
    for c in os.environ.get("DOORSTEP_NOTIFICATION_CHANNELS", "in_app").split(",")
    if c.strip()
]

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "doorstep.core.logging.RedactPersonalData"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Billing (ADR 0022): the sandbox payment gateway. ``BILLING_SANDBOX`` enables its
# "payer pays" simulation endpoint (development and demo; off in production settings);
# ``BILLING_SANDBOX_NOTIFY_URL`` makes its notifications travel over HTTP to that URL
# (e.g. http://127.0.0.1:8000/api/v1/billing/gateway/sandbox/notify) instead of in-process.
BILLING_SANDBOX = os.environ.get("DOORSTEP_BILLING_SANDBOX", "1") == "1"
BILLING_SANDBOX_NOTIFY_URL = os.environ.get("DOORSTEP_BILLING_SANDBOX_NOTIFY_URL", "")

# Devices (ADR 0030): the MQTT broker the consumer and simulator use
# (mqtt://platform-user:password@host:1883; empty = no MQTT), the consumer's fixed client id
# (its persistent session), and the broker files `manage.py mosquitto_sync` writes.
MQTT_URL = os.environ.get("MQTT_URL", "")
MQTT_CLIENT_ID = os.environ.get("MQTT_CLIENT_ID", "doorstep-consumer")
# mqtts:// only: a PEM file of the certificate authorities that signed the broker's
# certificate (a private CA); empty = the system's trust store.
MQTT_CA_FILE = os.environ.get("MQTT_CA_FILE", "")
MOSQUITTO_PASSWORD_FILE = os.environ.get("MOSQUITTO_PASSWORD_FILE", "")
MOSQUITTO_ACL_FILE = os.environ.get("MOSQUITTO_ACL_FILE", "")
MOSQUITTO_PID_FILE = os.environ.get("MOSQUITTO_PID_FILE", "")

# Booking (ADR 0032): start times every BOOKING_SLOT_MINUTES from BOOKING_FIRST_START to
# BOOKING_LAST_START (local), offered only while the institution has a provider free for
# them; bookings by the elder or family past that are refused (``slot_full``).
BOOKING_SLOT_MINUTES = 30
# A booked start time is an arrival window (ADR 0037): the provider arrives between the
# booked start and BOOKING_ARRIVAL_WINDOW_MINUTES later. Booking capacity, the planner
# (lateness counts from the window's end) and the acceptance check all read it.
BOOKING_ARRIVAL_WINDOW_MINUTES = 30
BOOKING_FIRST_START = "08:00"
BOOKING_LAST_START = "17:00"
BOOKING_CAPACITY_CHECK = os.environ.get("DOORSTEP_BOOKING_CAPACITY_CHECK", "1") == "1"
# Up to this many open start times are marked "Recommended" (ADR 0038): those adding the
# least travel and waiting to a provider's day. 0 marks none.
BOOKING_RECOMMENDED_TIMES = 3
