"""``manage.py serve``: what ``make run`` starts (ADR 0004).

Prints the demo logins, starts the in-process scheduler when there is no Redis (with Redis it
says how to start the Celery worker and beat), then serves HTTP on 127.0.0.1:PORT with Django's
threaded development server (no autoreload; static files through WhiteNoise) until Ctrl-C.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from doorstep.core.scheduler import EmbeddedScheduler


def demo_logins() -> list[tuple[str, str, str]]:
    """``(role label, username, password)`` of the demo accounts, or [] without demo data."""
    try:
        from doorstep.demo.accounts import DEMO_LOGINS  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return []
    return [(str(role), str(user), str(password)) for role, user, password in DEMO_LOGINS]


class Command(BaseCommand):
    help = "Serve Doorstep on 127.0.0.1:PORT with background jobs (in-process without Redis)."

    requires_system_checks: list[str] = []  # runserver runs them

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        self._print_logins(host, port)
        scheduler = None
        if settings.REDIS_URL:
            self.stdout.write(
                "Background work: Celery over Redis. Start, in two more terminals:\n"
                "  make worker   (celery -A config worker -l info)\n"
                "  make beat     (celery -A config beat -l info)\n"
            )
        else:
            scheduler = EmbeddedScheduler()
            jobs = ", ".join(job.describe() for job in scheduler.jobs) or "none"
            self.stdout.write(
                f"Background work: in this process (REDIS_URL is not set); periodic jobs: {jobs}\n"
            )
            scheduler.start()
        consumer = _start_mqtt_consumer(self.stdout)
        self.stdout.flush()
        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _interrupt) if in_main else None
        try:
            call_command(
                "runserver",
                f"{host}:{port}",
                use_reloader=False,
                use_threading=True,
                use_static_handler=False,  # WhiteNoise serves static files, as in production
                skip_checks=False,
            )
        finally:
            if consumer is not None:  # devices (ADR 0030): it finishes its batch, then exits
                consumer.terminate()
                consumer.wait(30)
            if in_main:
                signal.signal(signal.SIGTERM, previous)
            if scheduler is not None:
                stopped = scheduler.stop()
                self.stdout.write(
                    "Scheduler stopped." if stopped else "Scheduler still finishing a job."
                )

    def _print_logins(self, host: str, port: int) -> None:
        out = self.stdout
        out.write(f"\nDoorstep: http://{host}:{port}/  (API: /api/v1/docs)\n")
        logins = demo_logins()
        if not logins:
            out.write("No demo logins (run `manage.py seed_demo` for the demo city).\n")
            return
        role_width = max(len(role) for role, _, _ in logins)
        user_width = max(len(username) for _, username, _ in logins)
        out.write("Demo logins (role, username, password):\n")
        for role, username, password in logins:
            out.write(f"  {role.ljust(role_width)}  {username.ljust(user_width)}  {password}\n")
        out.write("\n")


def _start_mqtt_consumer(out: Any) -> subprocess.Popen[bytes] | None:
    """With ``MQTT_URL`` set, the device consumer (``manage.py mqtt_consume``) runs beside
    the server, in its own process (ADR 0030)."""
    if not getattr(settings, "MQTT_URL", ""):
        return None
    out.write("Devices: consuming MQTT (manage.py mqtt_consume) in the background.\n")
    manage = Path(settings.BASE_DIR) / "manage.py"
    return subprocess.Popen([sys.executable, str(manage), "mqtt_consume"])  # noqa: S603


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM stops the server like Ctrl-C does, so the scheduler stops cleanly."""
    raise KeyboardInterrupt
