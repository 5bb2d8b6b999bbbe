"""Benchmark device ingestion: simulator -> Mosquitto -> ``mqtt_consume`` -> PostgreSQL.

    DATABASE_URL=postgres://doorstep:doorstep@127.0.0.1:5432/doorstep_ingestbench \\
        .venv/bin/python benchmarks/ingest_bench.py --json var/ingest_bench.json \\
        --markdown var/ingest_bench.md

What it does (issue 7, item 10; results in docs/benchmarks.md):

1. Unless ``--no-seed``: ``migrate``, ``seed_demo --reset --scale 0.1`` on the database of
   ``DATABASE_URL`` (it is emptied: give it a throwaway one), then ``simulate_devices
   --setup-only`` registers five devices for each of ``--elders`` + ``--probe-elders``
   elders (secrets in ``--credentials``; kept for ``--no-seed`` runs).
2. Starts a private Mosquitto from the shipped ``deploy/mosquitto/mosquitto.conf`` (only the
   port and the paths replaced: password file and ACL written from the registry,
   persistence in a temporary directory), the real consumer (``manage.py mqtt_consume``),
   ``gunicorn`` (the operator console) and one Celery worker (alert notifications are
   delivered after the commit, as in production), all with ``config.settings.prod``.
3. For each rate of ``--rates``: ``manage.py simulate_devices --rate R --duration D`` (the
   watches of the first ``--elders`` elders publish heart rates with their own credentials)
   while this process, with the probe elders' own devices, publishes a critical blood
   pressure (186/112) every ``--probe-every`` seconds and presses an SOS button every
   ``--sos-every`` seconds. It measures:
   - stored readings/s: ``DeviceMessage`` rows written during the window, and the backlog
     (published but not stored) when the simulator stops, and how long it takes to drain;
   - alert latency: publish of the critical reading -> the alert row (new, or the elder's
     open threshold alert counting one more) seen committed (the database polled every
     ``--watch-every`` seconds, 50 ms);
   - SOS -> alert row, and SOS -> the operator console: ``demo_operator`` logged in, the
     console's list partial (``/alarms/list/``) fetched every ``--console-poll`` seconds as
     the page does (1 s), the time the alarm first appears in it;
   - CPU seconds of every process (consumer, Mosquitto, simulator, gunicorn, Celery, the
     bench database's PostgreSQL backends, PostgreSQL's auxiliary processes, this process).
4. Writes JSON (``--json``) and a markdown summary (``--markdown``). Exits 1 when a target is
   missed (``--target-rate`` readings/s, alert p99 ``--target-alert-ms``, console p99
   ``--target-console-ms``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_loop_bench import (
    DEMO_PASSWORD,
    DEV_KEYS,
    PY,
    ROOT,
    _cmdline,
    _postgres_group,
    _stat,
    child_env,
    free_port,
    git_commit,
    machine,
    manage,
    start_celery,
    start_server,
    stop_server,
)
from record_page_bench import Session

MOSQUITTO = "/usr/sbin/mosquitto"
SIM_TYPES = 5  # devices per elder registered by simulate_devices --setup


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def latency_stats(values_ms: list[float], sent: int) -> dict[str, Any]:
    return {
        "sent": sent,
        "seen": len(values_ms),
        "p50_ms": pct(values_ms, 0.50),
        "p95_ms": pct(values_ms, 0.95),
        "p99_ms": pct(values_ms, 0.99),
        "max_ms": round(max(values_ms), 1) if values_ms else None,
    }


class Broker:
    """Mosquitto from the shipped configuration, paths and port replaced."""

    def __init__(self, tmp: Path, platform_password: str) -> None:
        from doorstep.devices.mosquitto import Broker as Account

        self.dir = tmp
        self.port = free_port()
        self.account = Account("127.0.0.1", self.port, "doorstep-platform", platform_password)
        text = (ROOT / "deploy" / "mosquitto" / "mosquitto.conf").read_text()
        for old, new in (
            ("listener 1883 127.0.0.1", f"listener {self.port} 127.0.0.1"),
            ("/etc/mosquitto/doorstep/passwd", str(tmp / "passwd")),
            ("/etc/mosquitto/doorstep/acl", str(tmp / "acl")),
            ("/run/mosquitto/doorstep.pid", str(tmp / "mosquitto.pid")),
            ("/var/lib/mosquitto/", f"{tmp}/"),
        ):
            if old not in text:
                raise SystemExit(f"the shipped mosquitto.conf no longer has {old!r}")
            text = text.replace(old, new)
        if os.geteuid() == 0:
            text += "user root\n"
        (tmp / "mosquitto.conf").write_text(text)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        a = self.account
        return f"mqtt://{a.username}:{a.password}@127.0.0.1:{self.port}"

    def start(self) -> None:
        from doorstep.devices.mosquitto import write_files

        write_files(passwd=self.dir / "passwd", acl=self.dir / "acl", platform=self.account)
        log = open(self.dir / "mosquitto.log", "wb")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.dir / "mosquitto.conf")], stdout=log, stderr=log
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                import socket

                with socket.create_connection(("127.0.0.1", self.port), 0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("mosquitto did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def wait_log(path: Path, needle: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and needle in path.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise SystemExit(f"{needle!r} not in {path} after {timeout} s")


def cpu_of(pids: dict[str, list[int]], dbname: str) -> dict[str, float]:
    """CPU seconds now: the named processes (and their children), the bench database's
    PostgreSQL backends and PostgreSQL's auxiliary processes."""
    out: dict[str, float] = {name: 0.0 for name in pids}
    out["postgres_bench_backends"] = 0.0
    out["postgres_auxiliary"] = 0.0
    owner = {pid: name for name, group in pids.items() for pid in group}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        st = _stat(pid)
        if st is None:
            continue
        ppid, cpu = st
        name = owner.get(pid) or owner.get(ppid)
        if name is None:
            name = _postgres_group(_cmdline(pid), dbname) or None
        if name is not None:
            out[name] += cpu
    out["bench_process"] = time.process_time()
    return out


class ConsoleWatcher(threading.Thread):
    """The operator's console list partial, fetched every ``every`` seconds (the page's
    HTMX poll): the time each alert id first appears."""

    ALERT_ID = re.compile(rb'data-alert-id="(\d+)"')
    VERSION = re.compile(rb'id="alarm-version" name="v" value="(\w*)"')

    def __init__(self, session: Session, every: float) -> None:
        super().__init__(daemon=True)
        self.session = session
        self.every = every
        self.first_seen: dict[int, float] = {}
        self.stop = threading.Event()
        self.errors = 0
        self.requests = 0
        self.unchanged = 0
        self.request_ms: list[float] = []
        self.slow: list[tuple[float, float, int]] = []  # (sent, ms, status) over 1 s

    def run(self) -> None:
        next_at = time.time()
        version = ""
        while not self.stop.is_set():
            sent = time.time()
            try:
                # as the page polls: with the digest of the list it shows (204 = unchanged)
                status, body, _ = self.session.call("GET", f"/alarms/list/?v={version}")
            except OSError:
                status, body = 0, b""
            done = time.time()
            self.requests += 1
            self.request_ms.append((done - sent) * 1000)
            if done - sent > 1.0:
                self.slow.append((round(sent, 2), round((done - sent) * 1000, 1), status))
            if status == 204:
                self.unchanged += 1
            elif status != 200:
                self.errors += 1
            found = self.VERSION.search(body)
            if found:
                version = found.group(1).decode()
            for match in self.ALERT_ID.finditer(body):
                self.first_seen.setdefault(int(match.group(1)), done)
            next_at += self.every
            self.stop.wait(max(0.0, next_at - time.time()))


class AlertWatcher(threading.Thread):
    """Polls the database every ``every`` seconds: when each probe alert became visible
    (committed). Threshold probes: the count of the elder's open blood-pressure threshold
    alert; SOS: new SOS alerts of the probe watches, by (device, seq)."""

    def __init__(self, bp_elders: list[int], watch_pks: list[int], every: float) -> None:
        super().__init__(daemon=True)
        self.bp_elders = bp_elders
        self.watch_pks = watch_pks
        self.every = every
        self.counts: dict[int, list[tuple[float, int]]] = {}
        self.sos_seen: dict[tuple[int, int], tuple[float, int]] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        from django.db import connection
        from django.db.models import Sum

        from doorstep.alerts.models import Alert

        last_id = 0
        last_count: dict[int, int] = {}
        while not self.stop.is_set():
            rows = (
                Alert.objects.filter(
                    elder_id__in=self.bp_elders, fold_key="threshold:blood_pressure"
                )
                .values("elder_id")
                .annotate(n=Sum("count"))
            )
            now = time.time()
            for row in rows:
                if row["n"] != last_count.get(row["elder_id"]):
                    last_count[row["elder_id"]] = row["n"]
                    self.counts.setdefault(row["elder_id"], []).append((now, row["n"]))
            for pk, device_id, details in Alert.objects.filter(
                pk__gt=last_id, kind="sos", device_id__in=self.watch_pks
            ).values_list("pk", "device_id", "details"):
                last_id = max(last_id, pk)
                key = (int(device_id or 0), int(details.get("seq", 0)))
                self.sos_seen.setdefault(key, (now, pk))
            self.stop.wait(self.every)
        connection.close()

    def threshold_seen(self, elder_id: int, count: int) -> float | None:
        for at, n in self.counts.get(elder_id, []):
            if n >= count:
                return at
        return None


def stored_count(after_id: int = 0) -> int:
    """Ingestion-log rows with an id above ``after_id``: an index range scan over the
    phase's rows, not a count of the whole log once a second (that cost PostgreSQL time
    the consumer needs, and grows with every run)."""
    from doorstep.devices.models import DeviceMessage

    return DeviceMessage.objects.filter(pk__gt=after_id).count()


def last_log_id() -> int:
    from django.db.models import Max

    from doorstep.devices.models import DeviceMessage

    return int(DeviceMessage.objects.aggregate(m=Max("pk"))["m"] or 0)


def run_phase(
    *,
    rate: float,
    args: argparse.Namespace,
    broker: Broker,
    procs: dict[str, list[int]],
    probes: dict[str, Any],
    console: ConsoleWatcher,
    env: dict[str, str],
    log_dir: Path,
) -> dict[str, Any]:
    from django.db.models import Sum

    from doorstep.alerts.models import Alert
    from doorstep.devices.simulator import Fleet

    fleet: Fleet = probes["fleet"]
    bp_clients, watch_clients = probes["bp"], probes["watches"]
    dbname = args.dbname
    watcher = AlertWatcher(probes["bp_elders"], probes["watch_pks"], args.watch_every)
    # where each probe elder's threshold alert count stands before this phase
    base = {
        row["elder_id"]: row["n"]
        for row in Alert.objects.filter(
            elder_id__in=probes["bp_elders"], fold_key="threshold:blood_pressure"
        )
        .values("elder_id")
        .annotate(n=Sum("count"))
    }  # summed over the elder's alerts, as the watcher counts
    watcher.start()
    sims: list[tuple[subprocess.Popen[bytes], Path]] = []
    n_sims = max(1, args.sim_processes)
    chunk = -(-args.elders // n_sims)
    for k in range(n_sims):
        first = k * chunk
        count = min(chunk, args.elders - first)
        if count <= 0:
            break
        sim_log = log_dir / f"simulator-{int(rate)}-{k}.log"
        with open(sim_log, "wb") as fh:
            sim = subprocess.Popen(
                [
                    PY,
                    "manage.py",
                    "simulate_devices",
                    "--credentials",
                    str(args.credentials),
                    "--first-elder",
                    str(first),
                    "--elders",
                    str(count),
                    "--url",
                    broker.url,
                    "--rate",
                    str(rate * count / args.elders),
                    "--duration",
                    str(args.duration),
                ],
                cwd=ROOT,
                env=env,
                stdout=fh,
                stderr=subprocess.STDOUT,
            )
        sims.append((sim, sim_log))
    for _sim, sim_log in sims:
        wait_log(sim_log, "devices connected", 300)
    # counted from here: the simulators' devices have connected (each connection costs the
    # broker one PBKDF2 check of the device's password: a connection storm is not ingestion)
    # (the previous phase has drained: no ingestion transaction is open across this line)
    base_id = last_log_id()
    stored_before = 0
    cpu_before = cpu_of(procs, dbname)

    def sims_cpu() -> float:
        return sum(st[1] for sim, _ in sims if (st := _stat(sim.pid)) is not None)

    sim_cpu_start = sims_cpu()
    t0 = time.time()
    series: list[tuple[float, int]] = []
    next_sample = t0 + 1.0
    sim_cpu_live = 0.0
    bp_sent: list[tuple[float, int, int]] = []  # (time, elder, expected count)
    sos_sent: list[tuple[float, int, int]] = []  # (time, device pk, seq)
    next_bp, next_sos, i_bp, i_sos = t0 + 0.5, t0 + 0.25, 0, 0
    expected = dict(base)
    while time.time() - t0 < args.duration:
        now = time.time()
        if now >= next_bp:
            client, elder = bp_clients[i_bp % len(bp_clients)]
            i_bp += 1
            expected[elder] = expected.get(elder, 0) + 1
            client.send(
                "blood_pressure",
                {"systolic": 186, "diastolic": 112, "pulse": 96},
                at=dt.datetime.now(dt.UTC),
            )
            bp_sent.append((time.time(), elder, expected[elder]))
            next_bp += args.probe_every
        if now >= next_sos:
            client, pk = watch_clients[i_sos % len(watch_clients)]
            i_sos += 1
            seq = client.send("sos", {})
            sos_sent.append((time.time(), pk, seq))
            next_sos += args.sos_every
        # The probes write their publishes at once; the step reads PUBACKs and acks.
        fleet.step(0.02)
        if now >= next_sample:
            series.append((round(now - t0, 1), stored_count(base_id) - stored_before))
            next_sample += 1.0
            live = [st[1] for sim, _ in sims if (st := _stat(sim.pid)) is not None]
            if live:
                sim_cpu_live = sum(live)
    window = time.time() - t0
    stored_window = stored_count(base_id) - stored_before
    cpu_window = cpu_of(procs, dbname)
    # the simulators' CPU in the window (their start-up and connecting is not ingestion)
    sim_cpu_window = sims_cpu() - sim_cpu_start
    # each simulator drains its in-flight QoS 1 messages and exits; its CPU via wait4
    sim_cpu, published, sim_exit = 0.0, 0, 0
    for sim, sim_log in sims:
        _, status, usage = os.wait4(sim.pid, 0)
        sim.returncode = os.waitstatus_to_exitcode(status)
        sim_exit = sim_exit or sim.returncode
        sim_cpu += usage.ru_utime + usage.ru_stime
        match = re.search(r"Published (\d+) messages", sim_log.read_text(errors="replace"))
        published += int(match.group(1)) if match else 0
    # drain: until everything published (load + probes) is stored, or 120 s
    probe_total = len(bp_sent) + len(sos_sent)
    drain_start = time.time()
    target = stored_before + published + probe_total
    while stored_count(base_id) < target and time.time() - drain_start < args.drain_timeout:
        fleet.step(0.05)
    drained_at = time.time()
    backlog_end = max(0, target - stored_before - stored_window)
    # let the last alerts and the console catch up
    deadline = time.time() + max(2 * args.console_poll, 3)
    while time.time() < deadline:
        fleet.step(0.05)
    watcher.stop.set()
    watcher.join(5)
    cpu_after = cpu_of(procs, dbname)
    stored_total = stored_count(base_id) - stored_before

    alert_ms = [
        (seen - sent) * 1000
        for sent, elder, n in bp_sent
        if (seen := watcher.threshold_seen(elder, n)) is not None
    ]
    sos_db_ms, sos_console_ms = [], []
    for sent, pk, seq in sos_sent:
        hit = watcher.sos_seen.get((pk, seq))
        if hit is None:
            continue
        sos_db_ms.append((hit[0] - sent) * 1000)
        shown = console.first_seen.get(hit[1])
        if shown is not None:
            sos_console_ms.append((shown - sent) * 1000)
    cpu = {k: round(cpu_window[k] - cpu_before[k], 2) for k in cpu_window}
    cpu["simulator"] = round(sim_cpu_window, 2)
    cpu_total = {k: round(cpu_after[k] - cpu_before[k], 2) for k in cpu_after}
    cpu_total["simulator"] = round(sim_cpu, 2)
    return {
        "rate_asked": rate,
        "started_at": round(t0, 2),
        "window_s": round(window, 1),
        "published": published,
        "probes": probe_total,
        "stored_in_window": stored_window,
        "stored_per_s": round(stored_window / window, 1),
        "backlog_at_end": backlog_end,
        "stored_total": stored_total,
        "drain_s": round(drained_at - drain_start, 1),
        "all_stored": stored_total >= published + probe_total,
        "throughput_incl_drain_per_s": round(stored_total / (drained_at - t0), 1),
        "alert_latency": latency_stats(alert_ms, len(bp_sent)),
        "sos_to_alert_row": latency_stats(sos_db_ms, len(sos_sent)),
        "sos_to_console": latency_stats(sos_console_ms, len(sos_sent)),
        "cpu_s_window": cpu,
        "cpu_pct_of_core_window": {k: round(100 * v / window, 1) for k, v in cpu.items()},
        "cpu_s_window_and_drain": cpu_total,
        "simulator_cpu_seen_live_s": round(sim_cpu_live, 2),
        "simulator_cpu_whole_run_s": round(sim_cpu, 2),
        "simulator_exit": sim_exit,
        "simulator_processes": len(sims),
        "stored_series": series,
    }


def close_leftover_alerts() -> int:
    """Resolve, as the demo operator would, the alerts earlier runs left open: a console with
    hundreds of stale alarms, each still escalating every 15 s, is not the state an operated
    platform is in, and their escalation would run on the machine during the measurement."""
    from doorstep.accounts.models import User
    from doorstep.accounts.policy import Actor
    from doorstep.alerts import services
    from doorstep.alerts.enums import Status
    from doorstep.alerts.models import Alert
    from doorstep.core.errors import ApplicationError

    operator = Actor.of(User.objects.get(username="demo_operator"))
    closed = 0
    for alert in Alert.objects.exclude(status=Status.RESOLVED).order_by("id"):
        try:
            services.resolve(actor=operator, alert=alert, note="Closed before a benchmark run.")
        except ApplicationError:  # one the operator may not close stays open
            continue
        closed += 1
    return closed


def setup_probes(args: argparse.Namespace, broker: Broker) -> dict[str, Any]:
    """The probe elders' blood-pressure monitors and watches (not used by the simulator)."""
    from doorstep.accounts.enums import Role
    from doorstep.accounts.models import User
    from doorstep.accounts.policy import Actor
    from doorstep.devices.models import Device
    from doorstep.devices.simulator import DeviceClient, Fleet

    rows = json.loads(args.credentials.read_text())["devices"]
    probe_rows = rows[args.elders * SIM_TYPES :]
    if not probe_rows:
        raise SystemExit("No probe devices: register --elders + --probe-elders elders.")
    ids = [r["device_id"] for r in probe_rows]
    devices = {d.device_id: d for d in Device.objects.filter(device_id__in=ids)}
    operator = Actor.of(User.objects.get(username="demo_operator"))
    paths = operator.region_paths(Role.OPERATOR)

    def visible(device: Device) -> bool:
        path = device.elder.region.path if device.elder.region_id else ""
        return "" in paths or any(path.startswith(p) for p in paths)

    base = int(time.time() * 1000)
    bp, watches = [], []
    for r in probe_rows:
        d = devices[r["device_id"]]
        if r["type"] == "bp_monitor":
            bp.append(
                (DeviceClient(d.device_id, r["secret"], broker.account, seq=base), d.elder_id)
            )
        elif r["type"] == "watch" and visible(d):
            watches.append((DeviceClient(d.device_id, r["secret"], broker.account, seq=base), d.pk))
    if not watches:
        raise SystemExit("No probe watch of an elder in demo_operator's region.")
    fleet = Fleet([c for c, _ in bp] + [c for c, _ in watches])
    fleet.connect_all(30)
    return {
        "fleet": fleet,
        "bp": bp,
        "watches": watches,
        "bp_elders": [e for _, e in bp],
        "watch_pks": [pk for _, pk in watches],
    }


def markdown(res: dict[str, Any]) -> str:
    lines = [
        f"Run {res['date']} on `{res['commit']}`; load average before: {res['loadavg_before']}.",
        "",
        "| Rate asked /s | Published | Stored /s (window) | Backlog at end | Drain s "
        "| Alert p50/p99 ms | SOS->row p99 ms | SOS->console p50/p99 ms | CPU % of a core "
        "(consumer, broker, simulator, PG backends, PG aux, gunicorn, celery, bench) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p in res["phases"]:
        c = p["cpu_pct_of_core_window"]
        a, s, k = p["alert_latency"], p["sos_to_alert_row"], p["sos_to_console"]
        lines.append(
            f"| {p['rate_asked']:.0f} | {p['published']} | {p['stored_per_s']} "
            f"| {p['backlog_at_end']} | {p['drain_s']} | {a['p50_ms']}/{a['p99_ms']} "
            f"({a['seen']}/{a['sent']}) | {s['p99_ms']} ({s['seen']}/{s['sent']}) "
            f"| {k['p50_ms']}/{k['p99_ms']} ({k['seen']}/{k['sent']}) "
            f"| {c['consumer']}, {c['mosquitto']}, {round(100 * p['cpu_s_window']['simulator'] / p['window_s'], 1)}, "
            f"{c['postgres_bench_backends']}, {c['postgres_auxiliary']}, {c['gunicorn']}, "
            f"{c['celery']}, {c['bench_process']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-seed", action="store_true", help="Use the database as it is.")
    parser.add_argument("--elders", type=int, default=150, help="elders of the load")
    parser.add_argument(
        "--sim-processes", type=int, default=1, help="simulator processes sharing the load"
    )
    parser.add_argument("--probe-elders", type=int, default=50)
    parser.add_argument("--credentials", type=Path, default=ROOT / "var" / "ingest-devices.json")
    parser.add_argument("--rates", default="500,1000,2000,5000")
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--drain-timeout", type=float, default=120.0)
    parser.add_argument("--probe-every", type=float, default=0.5)
    parser.add_argument("--sos-every", type=float, default=1.0)
    parser.add_argument("--console-poll", type=float, default=1.0)
    parser.add_argument(
        "--watch-every",
        type=float,
        default=0.05,
        help="seconds between the bench's own database polls for the probe alerts (a coarser "
        "poll sees an alert up to this much later: latencies are over-, never under-stated)",
    )
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--batch-wait-ms", type=int, default=50)
    parser.add_argument(
        "--consumers",
        type=int,
        default=2,
        help="consumer processes (more than one: an MQTT 5 shared subscription)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--settings", default="config.settings.prod")
    parser.add_argument("--target-rate", type=float, default=5000.0)
    parser.add_argument("--target-alert-ms", type=float, default=1000.0)
    parser.add_argument("--target-console-ms", type=float, default=2000.0)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit("Set DATABASE_URL to a throwaway PostgreSQL database.")
    args.dbname = url.rsplit("/", 1)[-1].split("?")[0]
    env = child_env(url, args.settings, args.redis_url)
    if not args.no_seed:
        print("migrate + seed_demo --scale 0.1 + device registration ...", flush=True)
        manage(url, args.settings, "migrate", "--noinput")
        manage(url, args.settings, "seed_demo", "--reset", "--scale", "0.1")
        manage(
            url,
            args.settings,
            "simulate_devices",
            "--setup-only",
            "--elders",
            str(args.elders + args.probe_elders),
            "--credentials",
            str(args.credentials),
        )
    os.environ.update(DEV_KEYS)
    os.environ.update(DJANGO_SETTINGS_MODULE=args.settings, LOG_LEVEL="WARNING")
    os.environ.setdefault("REDIS_URL", args.redis_url)
    import django

    django.setup()

    loadavg = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    broker = Broker(tmp, "platform-" + os.urandom(8).hex())
    broker.start()
    cenv = dict(env, LOG_LEVEL="INFO", DB_CONN_MAX_AGE="600")
    consumers: list[subprocess.Popen[bytes]] = []
    consumer_logs: list[Path] = []
    for k in range(max(1, args.consumers)):
        consumer_log = tmp / f"consumer-{k}.log"
        share = ["--share", "doorstep"] if args.consumers > 1 else []
        with open(consumer_log, "wb") as fh:
            consumers.append(
                subprocess.Popen(
                    [
                        PY,
                        "manage.py",
                        "mqtt_consume",
                        "--url",
                        broker.url,
                        "--client-id",
                        f"ingest-bench-{os.getpid()}-{k}",
                        "--batch-size",
                        str(args.batch_size),
                        "--batch-wait-ms",
                        str(args.batch_wait_ms),
                        *share,
                    ],
                    cwd=ROOT,
                    env=cenv,
                    stdout=fh,
                    stderr=subprocess.STDOUT,
                )
            )
        consumer_logs.append(consumer_log)
    port = free_port()
    server = start_server(
        url, args.settings, port, args.workers, tmp / "gunicorn.log", args.redis_url
    )
    celery = start_celery(url, args.settings, args.redis_url, tmp / "celery.log")
    phases: list[dict[str, Any]] = []
    try:
        for consumer_log in consumer_logs:
            wait_log(consumer_log, "connected to MQTT", 60)
        session = Session(port)
        session.login("demo_operator", DEMO_PASSWORD)
        console = ConsoleWatcher(session, args.console_poll)
        console.start()
        print(f"closed {close_leftover_alerts()} alerts left open by earlier runs", flush=True)
        probes = setup_probes(args, broker)
        assert broker.proc is not None
        procs = {
            "consumer": [c.pid for c in consumers],
            "mosquitto": [broker.proc.pid],
            "gunicorn": [server.pid],
            "celery": [celery.pid],
        }
        for rate in [float(r) for r in args.rates.split(",") if r.strip()]:
            print(f"phase: {rate:.0f} readings/s for {args.duration:.0f} s ...", flush=True)
            phase = run_phase(
                rate=rate,
                args=args,
                broker=broker,
                procs=procs,
                probes=probes,
                console=console,
                env=env,
                log_dir=tmp,
            )
            phases.append(phase)
            print(json.dumps(phase), flush=True)
        console.stop.set()
        probes["fleet"].close()
    finally:
        for consumer in consumers:
            consumer.terminate()
        for consumer in consumers:
            try:
                consumer.wait(30)
            except subprocess.TimeoutExpired:
                consumer.kill()
        stop_server(server)
        stop_server(celery)
        broker.stop()
    res = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(),
        "machine": machine(),
        "loadavg_before": [round(x, 2) for x in loadavg],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "args": {k: str(v) for k, v in vars(args).items()},
        "console_request_ms_p99": pct(console.request_ms, 0.99),
        "console_errors": console.errors,
        "console_requests": console.requests,
        "console_unchanged_204": console.unchanged,
        "console_slow_requests": console.slow,
        "phases": phases,
        "consumer_log_tail": [log.read_text(errors="replace")[-1500:] for log in consumer_logs],
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, indent=1))
    md = markdown(res)
    if args.markdown:
        args.markdown.write_text(md)
    print(md)
    shutil.rmtree(tmp, ignore_errors=True)
    # sustained: the backlog when the publisher stops is at most one second of storing
    best = max(
        (p["stored_per_s"] for p in phases if p["backlog_at_end"] <= p["stored_per_s"]),
        default=0.0,
    )
    ok = (
        best >= args.target_rate
        and all((p["alert_latency"]["p99_ms"] or 1e9) <= args.target_alert_ms for p in phases)
        and all((p["sos_to_console"]["p99_ms"] or 1e9) <= args.target_console_ms for p in phases)
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
