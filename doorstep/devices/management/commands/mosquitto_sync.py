"""``manage.py mosquitto_sync``: write Mosquitto's password file and ACL from the registry
and make the broker reload them (ADR 0030)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from doorstep.devices.mosquitto import parse_url, reload, write_files


class Command(BaseCommand):
    help = "Write the Mosquitto password file and ACL for the registered devices; reload."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="", help="MQTT_URL: the platform user and password")
        parser.add_argument("--passwd", default="", help="default MOSQUITTO_PASSWORD_FILE")
        parser.add_argument("--acl", default="", help="default MOSQUITTO_ACL_FILE")
        parser.add_argument("--pid-file", default="", help="default MOSQUITTO_PID_FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["url"] or settings.MQTT_URL
        passwd = options["passwd"] or settings.MOSQUITTO_PASSWORD_FILE
        acl = options["acl"] or settings.MOSQUITTO_ACL_FILE
        if not (url and passwd and acl):
            raise CommandError(
                "Need MQTT_URL, MOSQUITTO_PASSWORD_FILE and MOSQUITTO_ACL_FILE (or the options)."
            )
        try:
            platform = parse_url(url)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        count = write_files(passwd=Path(passwd), acl=Path(acl), platform=platform)
        pid = options["pid_file"] or settings.MOSQUITTO_PID_FILE
        reloaded = reload(Path(pid) if pid else None)
        self.stdout.write(
            f"Wrote {count} devices to {passwd} and {acl}; "
            + ("Mosquitto reloaded.\n" if reloaded else "Mosquitto not signalled.\n")
        )
