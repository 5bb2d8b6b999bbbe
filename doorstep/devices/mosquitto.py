"""Mosquitto's password file and ACL, written from the registry (ADR 0030).

The password file holds one line per active device (``device_id:$7$...``, the stored hash
as is) and one for the platform user (the consumer), whose password comes from ``MQTT_URL``.
The ACL lets each device write only its own events topic and read only its own acks topic
(``pattern`` lines with ``%u``, the username); the platform user reads every device's
events and writes every device's acks. Files are replaced atomically, then Mosquitto is
told to reload them (SIGHUP to the pid in ``MOSQUITTO_PID_FILE``).
"""

from __future__ import annotations

import os
import signal
import ssl
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings

from . import credentials
from .enums import DeviceStatus

EVENTS = "doorstep/devices/{}/events"
ACKS = "doorstep/devices/{}/acks"
EVENTS_ALL = "doorstep/devices/+/events"


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    username: str
    password: str
    tls: bool = False
    #: ``mqtts://`` only: a PEM file of the certificate authorities to trust for the
    #: broker's certificate (a private CA); empty: the system's.
    ca_file: str = ""

    def tls_context(self) -> ssl.SSLContext:
        """The TLS context for ``mqtts://``: the broker's certificate is verified, against
        ``ca_file`` when set, and its host name checked."""
        return ssl.create_default_context(cafile=self.ca_file or None)


def parse_url(url: str, *, ca_file: str = "") -> Broker:
    """``mqtt://user:password@host:1883`` (``mqtts://`` for TLS, default port 8883, its
    certificate verified against ``ca_file`` when given)."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValueError("MQTT_URL must look like mqtt://user:password@host:1883")
    tls = parts.scheme == "mqtts"
    return Broker(
        host=parts.hostname,
        port=parts.port or (8883 if tls else 1883),
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        tls=tls,
        ca_file=ca_file if tls else "",
    )


def render_passwd(devices: Iterable[tuple[str, str]], *, platform: Broker | None) -> str:
    lines = []
    if platform is not None and platform.username:
        lines.append(f"{platform.username}:{credentials.hash_secret(platform.password)}")
    lines.extend(f"{device_id}:{hashed}" for device_id, hashed in devices)
    return "\n".join(lines) + "\n"


def render_acl(*, platform_user: str) -> str:
    return (
        "# Written by `manage.py mosquitto_sync` (ADR 0030). Do not edit by hand.\n"
        f"user {platform_user}\n"
        f"topic read {EVENTS_ALL}\n"
        "topic write doorstep/devices/+/acks\n"
        "\n"
        "# Every other user is a device: its username is its device id.\n"
        "pattern write doorstep/devices/%u/events\n"
        "pattern read doorstep/devices/%u/acks\n"
    )


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_files(*, passwd: Path, acl: Path, platform: Broker) -> int:
    """Write both files from the active devices; returns how many devices are in them."""
    from .models import Device

    rows = list(
        Device.objects.exclude(status=DeviceStatus.RETIRED)
        .order_by("device_id")
        .values_list("device_id", "secret_hash")
    )
    _atomic_write(passwd, render_passwd(rows, platform=platform))
    _atomic_write(acl, render_acl(platform_user=platform.username))
    return len(rows)


def reload(pid_file: Path | None) -> bool:
    """Ask Mosquitto to re-read its password file and ACL (SIGHUP); False if not running."""
    if pid_file is None or not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (ValueError, ProcessLookupError, PermissionError):
        return False
    return True


def sync_from_settings() -> int:
    platform = parse_url(settings.MQTT_URL)
    count = write_files(
        passwd=Path(settings.MOSQUITTO_PASSWORD_FILE),
        acl=Path(settings.MOSQUITTO_ACL_FILE),
        platform=platform,
    )
    pid = settings.MOSQUITTO_PID_FILE
    reload(Path(pid) if pid else None)
    return count
