"""``manage.py simulate_devices``: realistic device streams for N elders over MQTT (ADR 0030).

    manage.py simulate_devices --setup --elders 20        # register devices, save secrets
    manage.py simulate_devices --setup-only --elders 20   # ... and stop there
    manage.py simulate_devices --hours 24 --speed 120     # replay the last day, then live
    manage.py simulate_devices --rate 2000 --duration 60  # benchmark: heart rates per second
    manage.py simulate_devices --sos 3                    # press three SOS buttons

``--setup`` registers a blood-pressure monitor, glucometer, watch, motion sensor and door
sensor for each of the first N active elders (re-keying those it registered before), writes
their secrets to ``--credentials`` (mode 0600) and rewrites the broker's files when
``MOSQUITTO_PASSWORD_FILE`` is set. Elders get the profiles normal, hypertension, fall and
inactive in turn. Every device connects with its own credentials; alarms are repeated until
the platform acknowledges them.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
import os
import random
import signal
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from doorstep.devices.mosquitto import parse_url
from doorstep.devices.simulator import PROFILES, DeviceClient, Fleet, day_plan

SIM_TYPES = ("bp_monitor", "glucometer", "watch", "motion_sensor", "door_sensor")


class Command(BaseCommand):
    help = "Publish simulated device streams for N elders over MQTT (real credentials)."

    #: a load generator: the system checks (the whole API's URL map, several seconds of CPU
    #: at every start) belong to deploys
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--elders", type=int, default=10)
        parser.add_argument(
            "--first-elder",
            type=int,
            default=0,
            help="skip this many elders of the credentials file (several simulators at once)",
        )
        parser.add_argument("--setup", action="store_true", help="register devices first")
        parser.add_argument("--setup-only", action="store_true", help="register, do not run")
        parser.add_argument(
            "--credentials", default=str(Path(settings.VAR_DIR) / "simulator-devices.json")
        )
        parser.add_argument("--url", default="", help="broker (default: MQTT_URL's host)")
        parser.add_argument("--hours", type=float, default=0.0, help="replay the past H hours")
        parser.add_argument("--speed", type=float, default=60.0, help="replay speed factor")
        parser.add_argument("--duration", type=float, default=0.0, help="seconds; 0 = forever")
        parser.add_argument("--rate", type=float, default=0.0, help="benchmark readings/s")
        parser.add_argument("--sos", type=int, default=0, help="SOS presses, then exit")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["credentials"])
        if options["setup"] or options["setup_only"]:
            self._setup(options["elders"], path)
            if options["setup_only"]:
                return
        if not path.exists():
            raise CommandError(f"No credentials at {path}: run with --setup first.")
        data = json.loads(path.read_text())
        url = options["url"] or settings.MQTT_URL
        if not url:
            raise CommandError("Set MQTT_URL or pass --url mqtt://host:port.")
        broker = parse_url(url, ca_file=settings.MQTT_CA_FILE)
        seq_base = int(time.time() * 1000)
        devices = [
            DeviceClient(row["device_id"], row["secret"], broker, seq=seq_base)
            for row in data["devices"][
                options["first_elder"] * len(SIM_TYPES) : (
                    options["first_elder"] + options["elders"]
                )
                * len(SIM_TYPES)
            ]
        ]
        rows = {row["device_id"]: row for row in data["devices"]}
        if options["rate"] and not options["sos"]:
            # the load is heart rates from the watches: the other devices would only idle
            devices = [d for d in devices if rows[d.device_id]["type"] == "watch"]
            for d in devices:
                d.write_at_once = False  # each network pass writes a device's messages at once
        if not devices:
            raise CommandError("No devices in the credentials file.")
        fleet = Fleet(devices)
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
        fleet.connect_all()
        self.stdout.write(f"{len(devices)} devices connected to {broker.host}:{broker.port}\n")
        try:
            if options["sos"]:
                self._sos(fleet, rows, options["sos"], options["seed"])
            elif options["rate"]:
                self._rate(fleet, rows, options["rate"], options["duration"], stop)
            else:
                self._days(fleet, rows, options, stop)
            fleet.drain(timeout=30)
        finally:
            fleet.close()
        published = sum(d.published for d in devices)
        repeats = sum(d.repeats for d in devices)
        self.stdout.write(f"Published {published} messages ({repeats} alarm repeats).\n")

    # --- setup ---------------------------------------------------------------------------

    def _setup(self, n: int, path: Path) -> None:
        from doorstep.accounts.enums import Role
        from doorstep.accounts.models import Membership
        from doorstep.accounts.policy import Actor
        from doorstep.devices import services
        from doorstep.devices.models import Device
        from doorstep.people.models import Elder

        admin = (
            Membership.objects.filter(role=Role.PLATFORM_ADMIN, user__is_active=True)
            .select_related("user")
            .order_by("id")
            .first()
        )
        if admin is None:
            raise CommandError("No platform admin to register devices as (seed the demo first).")
        actor = Actor.of(admin.user)
        rows = []
        elders = Elder.objects.filter(status="active").order_by("id")[:n]
        for i, elder in enumerate(elders):
            for type_ in SIM_TYPES:
                existing = (
                    Device.objects.filter(elder=elder, type=type_, label="simulator")
                    .exclude(status="retired")
                    .first()
                )
                if existing is not None:
                    device, secret = services.rotate_secret(actor=actor, device=existing)
                else:
                    device, secret = services.register_device(
                        actor=actor, elder=elder, type=type_, label="simulator"
                    )
                rows.append(
                    {
                        "device_id": device.device_id,
                        "secret": secret,
                        "type": type_,
                        "elder": i,
                        "profile": PROFILES[i % len(PROFILES)],
                    }
                )
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"devices": rows}, fh, indent=1)
        self.stdout.write(f"Registered {len(rows)} devices for {len(elders)} elders in {path}\n")

    # --- modes ---------------------------------------------------------------------------

    def _sos(self, fleet: Fleet, rows: dict[str, Any], count: int, seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311 - simulation, not secrets
        watches = [d for d in fleet.devices if rows[d.device_id]["type"] == "watch"]
        for _ in range(count):
            rng.choice(watches).send("sos", {})
        if not fleet.run_until(lambda: not any(d.pending for d in watches), 60):
            raise CommandError("Some SOS presses were not acknowledged within 60 s.")
        self.stdout.write(f"{count} SOS presses acknowledged.\n")

    def _rate(
        self,
        fleet: Fleet,
        rows: dict[str, Any],
        rate: float,
        duration: float,
        stop: threading.Event,
    ) -> None:
        rng = random.Random(1)  # noqa: S311 - simulation, not secrets
        watches = [d for d in fleet.devices if rows[d.device_id]["type"] == "watch"]
        start = time.monotonic()
        sent = 0
        tick = 0.02
        next_tick = start
        while not stop.is_set() and (not duration or time.monotonic() - start < duration):
            due = int((time.monotonic() - start) * rate) - sent
            now = dt.datetime.now(dt.UTC).astimezone()  # one time stamp per 20 ms pass
            for i in range(due):
                watches[(sent + i) % len(watches)].send(
                    "heart_rate", {"value": round(rng.gauss(74, 6))}, at=now
                )
            sent += max(due, 0)
            # Fifty network passes a second: each writes what every device has queued since
            # the last pass (one write per device) and reads whatever PUBACKs have arrived.
            fleet.step(0.0)
            next_tick += tick
            delay = next_tick - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                next_tick = time.monotonic()
        self.stdout.write(f"Sent {sent} readings in {time.monotonic() - start:.1f} s.\n")

    def _days(
        self, fleet: Fleet, rows: dict[str, Any], options: dict[str, Any], stop: threading.Event
    ) -> None:
        rng = random.Random(options["seed"])  # noqa: S311 - simulation, not secrets
        by_elder: dict[int, dict[str, DeviceClient]] = {}
        for d in fleet.devices:
            row = rows[d.device_id]
            by_elder.setdefault(row["elder"], {})[row["type"]] = d
        speed = max(options["speed"], 1.0)
        real_start = time.monotonic()
        sim_start = timezone.now() - dt.timedelta(hours=options["hours"])
        until = options["duration"]
        local_midnight = timezone.localtime(sim_start).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        queue: list[tuple[dt.datetime, int, int, Any]] = []
        planned_days = 0
        counter = 0

        def plan_day(day: dt.datetime) -> None:
            nonlocal counter
            for elder, devices in sorted(by_elder.items()):
                profile = rows[next(iter(devices.values())).device_id]["profile"]
                for item in day_plan(profile, day, rng):
                    if item.at >= sim_start and item.device_type in devices:
                        counter += 1
                        heapq.heappush(queue, (item.at, counter, elder, item))

        while not stop.is_set():
            elapsed = time.monotonic() - real_start
            if until and elapsed >= until:
                break
            sim_now = min(sim_start + dt.timedelta(seconds=elapsed * speed), timezone.now())
            while local_midnight + dt.timedelta(days=planned_days) <= sim_now + dt.timedelta(
                hours=1
            ):
                plan_day(local_midnight + dt.timedelta(days=planned_days))
                planned_days += 1
            while queue and queue[0][0] <= sim_now:
                at, _, elder, item = heapq.heappop(queue)
                by_elder[elder][item.device_type].send(item.kind, item.values, at=at)
            fleet.step(0.02)
