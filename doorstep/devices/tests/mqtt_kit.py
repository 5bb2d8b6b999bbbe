"""Real Mosquitto, consumer subprocesses and a cuttable database proxy for the MQTT tests.

``Mosquitto`` starts ``/usr/sbin/mosquitto`` from the shipped ``deploy/mosquitto/mosquitto.conf``
with only the port and the paths replaced (password file, ACL, pid file and persistence in a
temporary directory), so the tests run the configuration a deployment runs. ``ConsumerProc``
runs ``manage.py mqtt_consume`` against the test database (PostgreSQL) as a separate process.
``TcpProxy`` forwards to PostgreSQL and can be cut and restored to play a database outage.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from doorstep.devices.mosquitto import Broker, reload, render_acl, render_passwd, write_files

MOSQUITTO = "/usr/sbin/mosquitto"
SHIPPED = Path(settings.BASE_DIR) / "deploy" / "mosquitto" / "mosquitto.conf"
PLATFORM = Broker("127.0.0.1", 0, "doorstep-platform", "platform-secret-42")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


def wait_for(check: Any, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return bool(check())


class Mosquitto:
    def __init__(self, tmp: Path) -> None:
        self.dir = tmp
        self.port = free_port()
        self.passwd = tmp / "passwd"
        self.acl = tmp / "acl"
        self.pid_file = tmp / "mosquitto.pid"
        self.conf = tmp / "mosquitto.conf"
        text = SHIPPED.read_text()
        for old, new in (
            ("listener 1883 127.0.0.1", f"listener {self.port} 127.0.0.1"),
            ("/etc/mosquitto/doorstep/passwd", str(self.passwd)),
            ("/etc/mosquitto/doorstep/acl", str(self.acl)),
            ("/run/mosquitto/doorstep.pid", str(self.pid_file)),
            ("/var/lib/mosquitto/", f"{tmp}/"),
        ):
            assert old in text, f"the shipped config no longer has {old!r}"
            text = text.replace(old, new)
        if os.geteuid() == 0:
            text += "user root\n"  # as root Mosquitto would switch to 'mosquitto' (tmp dir)
        self.conf.write_text(text)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = open(tmp / "mosquitto.log", "ab")  # noqa: SIM115
        # Until the registry is synced: the platform user only.
        self.passwd.write_text(render_passwd([], platform=PLATFORM))
        self.acl.write_text(render_acl(platform_user=PLATFORM.username))

    @property
    def broker(self) -> Broker:
        return Broker("127.0.0.1", self.port, PLATFORM.username, PLATFORM.password)

    @property
    def url(self) -> str:
        return f"mqtt://{PLATFORM.username}:{PLATFORM.password}@127.0.0.1:{self.port}"

    def sync(self) -> None:
        """Write the password file and ACL from the registry (as mosquitto_sync does)."""
        write_files(passwd=self.passwd, acl=self.acl, platform=PLATFORM)
        if self.proc is not None:
            reload(self.pid_file)
            time.sleep(0.2)

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.conf)], stdout=self.log, stderr=self.log
        )
        wait_port(self.port)

    def stop(self) -> None:
        """A clean stop: Mosquitto writes its persistence file."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def kill9(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None

    def close(self) -> None:
        self.kill9()
        self.log.close()


class ConsumerProc:
    """``manage.py mqtt_consume`` in its own process, on the test database."""

    def __init__(
        self,
        *,
        url: str,
        client_id: str,
        log: Path,
        db_port: int | None = None,
        share: str = "",
        extra_env: dict[str, str] | None = None,
    ) -> None:
        db = connection.settings_dict
        host, port = (db["HOST"] or "127.0.0.1"), int(db["PORT"] or 5432)
        if db_port is not None:
            host, port = "127.0.0.1", db_port
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}",
            DB_CONN_MAX_AGE="600",
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra_env or {})
        self.logfile = log
        self.log = open(log, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "mqtt_consume",
                "--url",
                url,
                "--client-id",
                client_id,
                "--batch-wait-ms",
                "20",
                *(["--share", share] if share else []),
            ],
            env=env,
            stdout=self.log,
            stderr=self.log,
            cwd=settings.BASE_DIR,
        )

    def wait_connected(self, count: int = 1, timeout: float = 30.0) -> None:
        """Wait until the consumer has connected (and subscribed) ``count`` times in all."""

        def seen() -> bool:
            return self.logfile.read_text(errors="replace").count("connected to MQTT") >= count

        if not wait_for(seen, timeout):
            raise TimeoutError(self.logfile.read_text(errors="replace")[-3000:])
        time.sleep(0.3)  # the SUBSCRIBE follows the CONNACK

    def kill9(self) -> None:
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; ``cut()`` drops every connection and refuses
    new ones (accepted and closed at once) until ``restore()``."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.up = threading.Event()
        self.up.set()
        self.stop_flag = threading.Event()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = int(self.server.getsockname()[1])
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop_flag.is_set():
            ready, _, _ = select.select([self.server], [], [], 0.05)
            if not ready:
                continue
            client, _ = self.server.accept()
            with self.lock:
                if not self.up.is_set():
                    client.close()  # the database is "down": refused at once
                    continue
                try:
                    upstream = socket.create_connection(self.target)
                except OSError:
                    client.close()
                    continue
                self.pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()
        self.server.close()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        """Copy src to dst; the thread that reads a socket is the one that closes it."""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_RDWR)
            src.close()

    def cut(self) -> None:
        with self.lock:
            self.up.clear()
            for a, b in self.pairs:
                for s in (a, b):
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)
            self.pairs.clear()

    def restore(self) -> None:
        self.up.set()

    def close(self) -> None:
        self.cut()
        self.stop_flag.set()
        self.thread.join(2)
