"""The Celery application (ADR 0004).

With ``REDIS_URL`` set, Redis is the broker and the result backend; run the worker and the one
beat scheduler beside the web process::

    celery -A config worker -l info     # make worker
    celery -A config beat -l info       # make beat (exactly one per deployment)

Without ``REDIS_URL`` tasks run eagerly in the calling process and ``manage.py serve`` runs the
periodic jobs of ``CELERY_BEAT_SCHEDULE`` in a thread (``doorstep.core.scheduler``). Task
modules are found in every installed app (``<app>/tasks.py``); tasks are named by their dotted
path, e.g. ``doorstep.notifications.tasks.deliver``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("doorstep")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.broker_connection_retry_on_startup = True  # wait for Redis when started before it
app.autodiscover_tasks()
