"""Benchmark the visit loop over HTTP against a running gunicorn on PostgreSQL.

    DATABASE_URL=postgres://doorstep:doorstep@127.0.0.1:5432/doorstep_httpbench \\
        .venv/bin/python benchmarks/http_loop_bench.py --json var/http_bench.json

What it does (issue 3, item 14; results in docs/benchmarks.md):

1. Unless ``--no-seed``: ``manage.py migrate`` and ``manage.py seed_demo --reset --scale 1``
   on the database of ``DATABASE_URL`` (it is emptied: give it a throwaway one).
2. Reads a booking plan from the database in a child ``manage.py shell`` (elders of the
   operator's region, items offered where they live, institutions offering them).
3. Starts ``gunicorn config.wsgi`` (sync workers, ``config.settings.prod`` with the dev
   keys the seed encrypted with, so ``DEBUG`` is off) on a free loopback port.
4. Gets API tokens for ``demo_family`` and ``demo_operator`` through ``POST /auth/token``.
5. ``POST /api/v1/catalog/quote`` closed loop: ``--quote-requests`` requests from
   ``--quote-clients`` concurrent clients, as the family (own elder, unaudited) and as the
   operator (an elder of the region, an audited staff read).
6. ``POST /api/v1/orders`` open loop: requests sent on a fixed schedule regardless of the
   responses (``--order-rate`` per second for ``--order-duration`` seconds), latency
   measured from the scheduled send time (no coordinated omission); then a ramp of rates
   (``--ramp``, ``--ramp-duration`` s each) to find the highest rate with p95 <= the
   target, no errors and at least 95 % of the asked rate completed.
7. Records p50/p95/p99, errors, achieved rate and the CPU seconds of every process
   (gunicorn master and workers, the bench database's PostgreSQL backends, PostgreSQL's
   auxiliary processes, the load generator) in each phase, stops the server, and writes
   JSON (``--json``) and a markdown summary (``--markdown``).

Loopback only; every phase has a bounded request count. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.client
import json
import math
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
CLK_TCK = os.sysconf("SC_CLK_TCK")
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - the published demo password (ADR 0010)
# The dev defaults of config/settings/base.py: the demo seed encrypted with these.
DEV_KEYS = {
    "DJANGO_SECRET_KEY": "dev-insecure-change-me-" + "x" * 32,
    "DOORSTEP_FIELD_KEY": "ZG9vcnN0ZXAtZGV2LWZpZWxkLWtleS0wMDAwMDAwMDA=",
    "DOORSTEP_HASH_KEY": "doorstep-dev-search-hash-key",
}

# Runs inside ``manage.py shell``: prints the booking plan as one JSON line.
PLAN_CODE = r"""
import json, random
from django.db import connection
with connection.cursor() as cur:
    cur.execute("ANALYZE")  # fresh planner statistics after the seed
from doorstep.accounts.models import Membership, User
from doorstep.catalog import selectors
from doorstep.catalog.models import ServiceItem
from doorstep.people.models import Elder, FamilyLink
rng = random.Random(SEED)
fam = User.objects.get(username="demo_family")
fam_elders = list(FamilyLink.objects.filter(user=fam, status="active")
                  .values_list("elder_id", flat=True).order_by("elder_id"))
op = Membership.objects.select_related("region").get(
    user__username="demo_operator", role="operator", is_active=True)
items = list(ServiceItem.objects.filter(is_active=True).order_by("id"))
elders = list(Elder.objects.filter(region__path__startswith=op.region.path)
              .select_related("region").order_by("id"))
rng.shuffle(elders)
plan, quote_items, seen = [], {}, 0
for e in elders:
    if len(plan) >= PLAN_SIZE:
        break
    item = items[rng.randrange(len(items))]
    offs = selectors.offerings_for(item, e.region)
    if not offs:
        continue
    off = offs[rng.randrange(len(offs))]
    plan.append({"elder_id": e.pk, "institution_id": off.institution_id, "item_id": item.pk,
                 "assessment": item.requires_assessment})
fam_items = {}
for eid in fam_elders:
    e = Elder.objects.select_related("region").get(pk=eid)
    fam_items[eid] = [i.pk for i in items if selectors.offerings_for(i, e.region)]
print("PLAN=" + json.dumps({"family_elders": fam_items, "orders": plan,
                            "operator_region": op.region.path}))
"""


# --- processes and CPU ----------------------------------------------------------------


def _stat(pid: int) -> tuple[int, float] | None:
    """(ppid, CPU seconds user+system) of a live process, from /proc/<pid>/stat."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            raw = fh.read()
    except OSError:
        return None
    rest = raw[raw.rindex(")") + 2 :].split()
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / CLK_TCK


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _postgres_group(cmd: str, dbname: str) -> str:
    """Which group a PostgreSQL process belongs to: the bench database's backends (and
    autovacuum on it), the cluster's auxiliary processes (checkpointer, WAL writer, ...;
    shared with every database), or none (other databases' backends are not ours)."""
    if not cmd.startswith("postgres:"):
        return ""
    title = cmd.split(":", 2)[-1].strip()  # "user db host(port) state" or "checkpointer"
    words = title.split()
    if title.startswith("autovacuum worker"):
        return "postgres_bench_backends" if words[-1] == dbname else ""
    if len(words) >= 3 and "(" in words[2]:
        return "postgres_bench_backends" if words[1] == dbname else ""
    return "postgres_auxiliary"


def cpu_snapshot(
    master_pid: int | None, dbname: str, celery_pid: int | None = None
) -> dict[str, dict[int, float]]:
    """CPU seconds per process, grouped: gunicorn master, workers, the Celery worker (and
    its pool), bench DB backends, other PostgreSQL processes (shared with anything else
    using the cluster)."""
    groups: dict[str, dict[int, float]] = {
        "gunicorn_master": {},
        "gunicorn_workers": {},
        "celery_worker": {},
        "postgres_bench_backends": {},
        "postgres_auxiliary": {},
    }
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        st = _stat(pid)
        if st is None:
            continue
        ppid, cpu = st
        if master_pid is not None and pid == master_pid:
            groups["gunicorn_master"][pid] = cpu
        elif master_pid is not None and ppid == master_pid:
            groups["gunicorn_workers"][pid] = cpu
        elif celery_pid is not None and celery_pid in (pid, ppid):
            groups["celery_worker"][pid] = cpu
        else:
            group = _postgres_group(_cmdline(pid), dbname)
            if group:
                groups[group][pid] = cpu
    return groups


def cpu_delta(
    before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]
) -> dict[str, Any]:
    """CPU seconds spent between two snapshots per group (processes that ended in
    between are lost; new ones count from zero)."""
    out: dict[str, Any] = {}
    for group, now in after.items():
        was = before.get(group, {})
        out[group] = {
            "cpu_s": round(sum(cpu - was.get(pid, 0.0) for pid, cpu in now.items()), 2),
            "processes": len(now),
        }
    return out


def load_generator_cpu() -> float:
    return time.process_time()


# --- HTTP -------------------------------------------------------------------------------


@dataclass
class Result:
    scheduled: float  # perf_counter when the request was due (== sent for closed loop)
    sent: float
    done: float
    status: int
    error: str = ""


class Client:
    """One HTTP/1.1 request per connection (gunicorn's sync workers close after each)."""

    def __init__(self, port: int) -> None:
        self.port = port

    def call(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Content-Type": "application/json", "Accept-Language": "en"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            data = json.dumps(body).encode() if body is not None else None
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = raw[:200].decode(errors="replace")
            return resp.status, parsed
        finally:
            conn.close()


def timed(
    client: Client, scheduled: float, method: str, path: str, body: Any, token: str, ok: int
) -> Result:
    sent = time.perf_counter()
    try:
        status, payload = client.call(method, path, body, token)
        err = "" if status == ok else f"{status} {str(payload)[:160]}"
    except OSError as exc:
        status, err = 0, f"{type(exc).__name__}: {exc}"
    return Result(scheduled, sent, time.perf_counter(), status, err)


def summarise(results: list[Result], wall_s: float, *, from_schedule: bool) -> dict[str, Any]:
    lat = sorted(((r.done - (r.scheduled if from_schedule else r.sent)) * 1000.0) for r in results)
    service = sorted((r.done - r.sent) * 1000.0 for r in results)
    errors = [r.error for r in results if r.error]

    def pct(xs: list[float], p: float) -> float:
        if not xs:
            return float("nan")
        k = max(0, min(len(xs) - 1, math.ceil(p / 100.0 * len(xs)) - 1))  # nearest rank
        return round(xs[k], 1)

    send_lag = sorted((r.sent - r.scheduled) * 1000.0 for r in results)
    return {
        "requests": len(results),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "wall_s": round(wall_s, 2),
        "achieved_rps": round(len(results) / wall_s, 2) if wall_s else 0.0,
        "ok_rps": round((len(results) - len(errors)) / wall_s, 2) if wall_s else 0.0,
        "p50_ms": pct(lat, 50),
        "p95_ms": pct(lat, 95),
        "p99_ms": pct(lat, 99),
        "max_ms": round(lat[-1], 1) if lat else float("nan"),
        "mean_ms": round(statistics.fmean(lat), 1) if lat else float("nan"),
        "service_p95_ms": pct(service, 95),
        "send_lag_p99_ms": pct(send_lag, 99),
    }


def closed_loop(n: int, clients: int, make: Callable[[int], Result]) -> tuple[list[Result], float]:
    counter = iter(range(n))
    lock = threading.Lock()
    results: list[Result] = []

    def worker() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            r = make(i)
            with lock:
                results.append(r)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.perf_counter() - t0


def open_loop(
    rate: float, duration: float, make: Callable[[int, float], Result], max_in_flight: int
) -> tuple[list[Result], float]:
    """Send request i at t0 + i/rate whatever happened to the earlier ones; wall time is
    until the last response."""
    n = int(rate * duration)
    results: list[Result] = []
    lock = threading.Lock()

    def run(i: int, due: float) -> None:
        r = make(i, due)
        with lock:
            results.append(r)

    t0 = time.perf_counter() + 0.05
    with ThreadPoolExecutor(max_workers=max_in_flight) as pool:
        for i in range(n):
            due = t0 + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(run, i, due)
    return results, time.perf_counter() - t0


# --- the server -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env(url: str, settings: str, redis_url: str = "") -> dict[str, str]:
    env = dict(os.environ)
    env.update(DEV_KEYS)
    env.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": settings,
            "REDIS_URL": redis_url,
            "LOG_LEVEL": "WARNING",
            "DOORSTEP_ALLOW_RESET": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def start_server(
    url: str, settings: str, port: int, workers: int, log: Path, redis_url: str
) -> subprocess.Popen[bytes]:
    cmd = [
        GUNICORN,
        "config.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "sync",
        "--timeout",
        "60",
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    fh = open(log, "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=child_env(url, settings, redis_url),
        stdout=fh,
        stderr=subprocess.STDOUT,
    )
    client = Client(port)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode}); see {log}")
        try:
            status, _ = client.call("GET", "/api/v1/openapi.json")
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def start_celery(url: str, settings: str, redis_url: str, log: Path) -> subprocess.Popen[bytes]:
    """One Celery worker (prefork, 1 process) for the notification deliveries the web
    processes enqueue, as in production (docs/operations.md)."""
    cmd = [
        str(ROOT / ".venv" / "bin" / "celery"),
        "-A",
        "config",
        "worker",
        "-l",
        "warning",
        "-c",
        "1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    fh = open(log, "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=child_env(url, settings, redis_url),
        stdout=fh,
        stderr=subprocess.STDOUT,
    )


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- main -------------------------------------------------------------------------------


def manage(url: str, settings: str, *args: str) -> str:
    out = subprocess.run(
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=child_env(url, settings),
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def machine() -> dict[str, Any]:
    mem_kb = 0
    with open("/proc/meminfo", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    cpu = ""
    with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
    }


def git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + working tree" if dirty else "")


@dataclass
class Phase:
    name: str
    kind: str
    params: dict[str, Any]
    stats: dict[str, Any] = field(default_factory=dict)
    cpu: dict[str, Any] = field(default_factory=dict)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-seed", action="store_true", help="Use the database as it is.")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--settings", default="config.settings.prod")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/9",
        help="Broker and cache, with one Celery worker, as in production; '' runs the "
        "background work inside the request (the single-process mode).",
    )
    parser.add_argument("--quote-requests", type=int, default=1000)
    parser.add_argument(
        "--quote-clients", default="1,2,4", help="Concurrent clients of each quote phase."
    )
    parser.add_argument(
        "--quote-target-clients",
        type=int,
        default=1,
        help="The quote phase (family, this many clients) the 20 ms target is judged on.",
    )
    parser.add_argument("--quote-target-ms", type=float, default=20.0)
    parser.add_argument("--order-rate", type=float, default=20.0)
    parser.add_argument("--order-duration", type=float, default=60.0)
    parser.add_argument("--order-target-ms", type=float, default=150.0)
    parser.add_argument("--ramp", default="30,40,50,60,80,100,120")
    parser.add_argument(
        "--ramp-down",
        default="15,10,8,6,4",
        help="Rates tried, highest first, when the main rate is not sustainable.",
    )
    parser.add_argument("--ramp-duration", type=float, default=20.0)
    parser.add_argument("--max-in-flight", type=int, default=256)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--json", type=Path, help="Write the results here as JSON.")
    parser.add_argument("--markdown", type=Path, help="Write a markdown summary here.")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("DATABASE_URL must point at a PostgreSQL database.", file=sys.stderr)
        return 2
    dbname = url.rsplit("/", 1)[-1].split("?", 1)[0]
    started = dt.datetime.now(dt.UTC)
    info: dict[str, Any] = {
        "date_utc": started.strftime("%Y-%m-%d %H:%M"),
        "commit": git_commit(),
        "machine": machine(),
        "load_average_before": os.getloadavg(),
        "database": dbname,
        "settings": args.settings,
        "server": f"gunicorn {args.workers} sync workers"
        + (", 1 Celery worker over Redis" if args.redis_url else ", tasks in-process"),
        "command": "python benchmarks/http_loop_bench.py " + " ".join(sys.argv[1:]),
    }

    if args.redis_url and not args.redis_url.startswith("redis://127.0.0.1"):
        print("--redis-url must be a loopback Redis.", file=sys.stderr)
        return 2
    if args.redis_url:
        import redis

        if redis.Redis.from_url(args.redis_url).dbsize():
            print(
                f"{args.redis_url} is not empty: give the benchmark a Redis database of "
                "its own (it is emptied at the end).",
                file=sys.stderr,
            )
            return 2
    if not args.no_seed:
        print("migrate + seed_demo ...", flush=True)
        manage(url, "config.settings.dev", "migrate", "--noinput")
        t = time.perf_counter()
        manage(
            url,
            "config.settings.dev",
            "seed_demo",
            "--reset",
            "--scale",
            str(args.scale),
            "--skip-checks",
        )
        info["seed"] = {"scale": args.scale, "seconds": round(time.perf_counter() - t, 1)}
    code = PLAN_CODE.replace("SEED", str(args.seed)).replace("PLAN_SIZE", "600")
    out = manage(url, "config.settings.dev", "shell", "-c", code)
    plan = json.loads(next(ln for ln in out.splitlines() if ln.startswith("PLAN="))[5:])
    fam_elders = {int(k): v for k, v in plan["family_elders"].items() if v}
    bookings = plan["orders"]
    if not fam_elders or not bookings:
        print(
            "The seed has no family elder with offered items or no bookable elder.", file=sys.stderr
        )
        return 2
    info["plan"] = {
        "family_elders": len(fam_elders),
        "booking_elders": len({b["elder_id"] for b in bookings}),
        "booking_items": len({b["item_id"] for b in bookings}),
        "bookings_needing_assessment": sum(1 for b in bookings if b["assessment"]),
        "bookings": len(bookings),
    }

    port = free_port()
    log = ROOT / "var" / "http_bench_gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    print(f"gunicorn on 127.0.0.1:{port} ({args.workers} workers) ...", flush=True)
    celery = (
        start_celery(url, args.settings, args.redis_url, log.with_name("http_bench_celery.log"))
        if args.redis_url
        else None
    )
    try:
        server = start_server(url, args.settings, port, args.workers, log, args.redis_url)
    except BaseException:
        if celery is not None:
            stop_server(celery)
        raise
    celery_pid = celery.pid if celery is not None else None
    phases: list[Phase] = []
    try:
        client = Client(port)
        tokens = {}
        for username in ("demo_family", "demo_operator"):
            status, body = client.call(
                "POST",
                "/api/v1/auth/token",
                {"identifier": username, "password": DEMO_PASSWORD, "name": "http-bench"},
            )
            if status != 200:
                raise SystemExit(f"login {username}: {status} {body}")
            tokens[username] = body["key"]

        rng = random.Random(args.seed)
        fam_pairs = [(e, i) for e, items in sorted(fam_elders.items()) for i in items]
        rng.shuffle(fam_pairs)
        quote_at = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).replace(
            hour=1, minute=0, second=0, microsecond=0
        )  # 09:00 in Asia/Shanghai, three days ahead

        def quote_family(i: int) -> Result:
            elder, item = fam_pairs[i % len(fam_pairs)]
            body = {"item_id": item, "elder_id": elder, "at": quote_at.isoformat()}
            return timed(
                client,
                time.perf_counter(),
                "POST",
                "/api/v1/catalog/quote",
                body,
                tokens["demo_family"],
                200,
            )

        def quote_operator(i: int) -> Result:
            b = bookings[i % len(bookings)]
            body = {"item_id": b["item_id"], "elder_id": b["elder_id"], "at": quote_at.isoformat()}
            return timed(
                client,
                time.perf_counter(),
                "POST",
                "/api/v1/catalog/quote",
                body,
                tokens["demo_operator"],
                200,
            )

        base_day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        order_seq = [0]
        seq_lock = threading.Lock()

        def order(_i: int, due: float) -> Result:
            with seq_lock:
                k = order_seq[0]
                order_seq[0] += 1
            b = bookings[k % len(bookings)]
            # 09:00-17:00 Shanghai, spread over 60 days so no elder is booked twice at once
            start = base_day + dt.timedelta(
                days=(k // len(bookings)) % 60, hours=1 + (k % 8), minutes=15 * (k % 4)
            )
            body = {
                "elder_id": b["elder_id"],
                "institution_id": b["institution_id"],
                "item_id": b["item_id"],
                "window_start": start.isoformat(),
                "channel": "phone",
                "need_text": "benchmark",
            }
            return timed(client, due, "POST", "/api/v1/orders", body, tokens["demo_operator"], 201)

        def settle(limit_s: float = 180.0) -> None:
            """Wait until the web workers are idle: requests a client gave up on (time-out)
            are still served and would spill into the next phase."""
            end = time.time() + limit_s
            while time.time() < end:
                a = cpu_snapshot(server.pid, dbname)["gunicorn_workers"]
                time.sleep(1.0)
                b = cpu_snapshot(server.pid, dbname)["gunicorn_workers"]
                if sum(b.values()) - sum(a.values()) < 0.05:
                    return

        def measure(
            phase: Phase, fn: Callable[[], tuple[list[Result], float]], from_schedule: bool
        ) -> None:
            settle()
            before = cpu_snapshot(server.pid, dbname, celery_pid)
            gen0 = load_generator_cpu()
            results, wall = fn()
            if celery_pid is not None:
                time.sleep(1.0)  # let the worker drain the deliveries of this phase
            after = cpu_snapshot(server.pid, dbname, celery_pid)
            phase.cpu = cpu_delta(before, after)
            phase.cpu["load_generator"] = {
                "cpu_s": round(load_generator_cpu() - gen0, 2),
                "processes": 1,
            }
            phase.stats = summarise(results, wall, from_schedule=from_schedule)
            n_ok = max(1, phase.stats["requests"])
            phase.stats["cpu_ms_per_request"] = {
                k: round(v["cpu_s"] * 1000.0 / n_ok, 1) for k, v in phase.cpu.items()
            }
            phases.append(phase)
            s = phase.stats
            print(
                f"{phase.name}: n={s['requests']} err={s['errors']} "
                f"rps={s['achieved_rps']} p50={s['p50_ms']} p95={s['p95_ms']} "
                f"p99={s['p99_ms']} ms; cpu={ {k: v['cpu_s'] for k, v in phase.cpu.items()} }",
                flush=True,
            )
            if s["error_samples"]:
                print("  errors:", s["error_samples"], flush=True)

        # Warm-up: a server that has been up for a while has its per-process memos
        # (ADR 0018) filled; every worker sees each (elder, item) pair a few times here.
        print("warm-up ...", flush=True)
        closed_loop(max(100, 3 * args.workers * len(fam_pairs)), 2, quote_family)
        closed_loop(50, 2, quote_operator)
        closed_loop(20, 2, lambda i: order(i, time.perf_counter()))

        n = args.quote_requests
        quote_judged: dict[str, Any] | None = None
        for c in [int(x) for x in args.quote_clients.split(",") if x]:
            measure(
                Phase("quote (family, own elder)", "closed", {"requests": n, "clients": c}),
                functools.partial(closed_loop, n, c, quote_family),
                False,
            )
            if c == args.quote_target_clients:
                quote_judged = phases[-1].stats
        c = args.quote_target_clients
        measure(
            Phase("quote (operator, audited read)", "closed", {"requests": n, "clients": c}),
            lambda: closed_loop(n, c, quote_operator),
            False,
        )

        r, d = args.order_rate, args.order_duration
        measure(
            Phase(f"place order, open loop {r:g}/s", "open", {"rate": r, "duration_s": d}),
            lambda: open_loop(r, d, order, args.max_in_flight),
            True,
        )
        main_order = phases[-1]

        sustainable: float | None = None
        if (
            main_order.stats["errors"] == 0
            and main_order.stats["p95_ms"] <= args.order_target_ms
            and main_order.stats["achieved_rps"] >= 0.95 * r
        ):
            sustainable = r
        rates = args.ramp if sustainable is not None else args.ramp_down
        for rate in [float(x) for x in rates.split(",") if x]:
            rd = args.ramp_duration
            measure(
                Phase(f"place order, ramp {rate:g}/s", "open", {"rate": rate, "duration_s": rd}),
                functools.partial(open_loop, rate, rd, order, args.max_in_flight),
                True,
            )
            s = phases[-1].stats
            ok = (
                s["errors"] == 0
                and s["p95_ms"] <= args.order_target_ms
                and s["achieved_rps"] >= 0.95 * rate
            )
            phases[-1].params["sustainable"] = ok
            if ok:
                sustainable = max(sustainable or 0.0, rate)
            if ok != (rates is args.ramp):
                break  # going up: stop at the first failure; going down: at the first pass
    finally:
        stop_server(server)
        if celery is not None:
            stop_server(celery)
            import redis

            redis.Redis.from_url(args.redis_url).flushdb()  # task results of this run

    quote = quote_judged or phases[0].stats
    results = {
        **info,
        "load_average_after": os.getloadavg(),
        "phases": [p.__dict__ for p in phases],
        "targets": {
            "quote_p95_ms": args.quote_target_ms,
            "quote_judged_clients": args.quote_target_clients,
            "quote_met": quote["p95_ms"] <= args.quote_target_ms and quote["errors"] == 0,
            "order_p95_ms": args.order_target_ms,
            "order_rate": args.order_rate,
            "order_met": sustainable is not None and sustainable >= args.order_rate,
            "max_sustainable_order_rate": sustainable,
            "max_sustainable_rule": "p95 from scheduled send <= target, no errors, "
            ">= 95 % of the asked rate completed; rates tried upwards from the main rate until "
            "one fails, or downwards until one passes",
        },
    }
    text = json.dumps(results, indent=2, ensure_ascii=False, default=str)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", encoding="utf-8")
    md = markdown(results)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(md, encoding="utf-8")
    print(md)
    t = results["targets"]
    return 0 if t["quote_met"] and t["order_met"] else 1


def markdown(res: dict[str, Any]) -> str:
    m = res["machine"]
    lines = [
        f"Date {res['date_utc']} UTC, commit `{res['commit']}`, {res['server']}, "
        f"`{res['settings']}`, database `{res['database']}`; {m['nproc']} CPUs ({m['cpu']}), "
        f"{m['memory_gib']} GiB, Python {m['python']}; load average before "
        f"{'/'.join(f'{x:.2f}' for x in res['load_average_before'])}, after "
        f"{'/'.join(f'{x:.2f}' for x in res['load_average_after'])}.",
        "",
        "| Phase | Load | Requests | Errors | Achieved req/s | p50 ms | p95 ms | p99 ms | "
        "CPU s: web workers / web master / Celery / PG backends / PG auxiliary / load gen | "
        "CPU ms per request (web workers / PG backends) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for p in res["phases"]:
        s, c, prm = p["stats"], p["cpu"], p["params"]
        load = (
            f"{prm['clients']} clients, closed"
            if p["kind"] == "closed"
            else f"{prm['rate']:g}/s x {prm['duration_s']:g} s, open"
        )
        cpu = " / ".join(
            f"{c[k]['cpu_s']:.1f}"
            for k in (
                "gunicorn_workers",
                "gunicorn_master",
                "celery_worker",
                "postgres_bench_backends",
                "postgres_auxiliary",
                "load_generator",
            )
        )
        per = s["cpu_ms_per_request"]
        cpu += f" | {per['gunicorn_workers']} / {per['postgres_bench_backends']}"
        lines.append(
            f"| {p['name']} | {load} | {s['requests']} | {s['errors']} | {s['achieved_rps']} "
            f"| {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | {cpu} |"
        )
    t = res["targets"]
    lines += [
        "",
        f"Quote p95 target {t['quote_p95_ms']:g} ms (family, {t['quote_judged_clients']} "
        f"client(s)): **{'met' if t['quote_met'] else 'missed'}**. "
        f"Place-order p95 target {t['order_p95_ms']:g} ms at {t['order_rate']:g}/s: "
        f"**{'met' if t['order_met'] else 'missed'}**. Maximum sustainable order rate: "
        + (
            f"**{t['max_sustainable_order_rate']:g}/s**"
            if t["max_sustainable_order_rate"]
            else "**none of the rates tried**"
        )
        + f" ({t['max_sustainable_rule']}).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
