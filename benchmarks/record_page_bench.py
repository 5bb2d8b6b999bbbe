"""Benchmark the elder's health record page over HTTP against gunicorn on PostgreSQL.

    DATABASE_URL=postgres://doorstep:doorstep@127.0.0.1:5432/doorstep_recordbench \\
        .venv/bin/python benchmarks/record_page_bench.py --json var/record_bench.json

What it does (issue 6, item 8; results in docs/benchmarks.md):

1. Unless ``--no-seed``: ``manage.py migrate``, ``manage.py seed_demo --reset --scale
   0.1`` (logins, institutions, elders) on the database of ``DATABASE_URL`` (it is emptied:
   give it a throwaway one, by default ``doorstep_recordbench``).
2. In a child ``manage.py shell``: one elder of ``demo_reviewer``'s institution gets five
   years of record: ``--observations`` readings (default 50,000) over the seven kinds,
   spread over 1,826 days, bulk-inserted; 70 assessments, 5 conditions, 4 medications,
   an allergy and a PICC line through the health services; then ``ANALYZE``.
3. ``manage.py collectstatic`` (the record page links the vendored ECharts through the
   manifest storage of ``config.settings.prod``), then ``gunicorn config.wsgi`` with
   ``--workers`` sync workers on a free loopback port.
4. Logs ``demo_reviewer`` in through the real ``/login/`` form (CSRF token, session
   cookie): a staff read, so every request also writes its audit row.
5. Closed loop, ``--clients`` concurrent clients: ``--requests`` GETs of the record page
   with its default 90-day charts inline (the page is the only request: the chart data of
   the default range is in it), then the same count of the page at the 5-year range, and of
   the 5-year chart data alone (what the range picker fetches); ``--pdf`` requests of the
   referral PDF. Records the first (cold) request of each, then p50/p95/p99 after ten
   warm-up requests (chart points are cached per elder and data version, ADR 0028) and
   the response sizes.

Exits 1 when the record page's p95 (default or 5-year range) is above ``--target-ms``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_loop_bench import (
    DEMO_PASSWORD,
    ROOT,
    Result,
    closed_loop,
    free_port,
    git_commit,
    machine,
    manage,
    start_server,
    stop_server,
    summarise,
)

SEED_CODE = r"""
import datetime as dt, json, math, random
from decimal import Decimal
from django.db import connection
from django.utils import timezone
from doorstep.accounts.models import Membership, User
from doorstep.core.errors import ApplicationError
from doorstep.accounts.policy import Actor
from doorstep.health import services
from doorstep.health.instruments import INSTRUMENTS
from doorstep.health.models import Observation
from doorstep.health.observations import KINDS
from doorstep.people import services as people
from doorstep.people.models import Elder, ElderInstitutionLink

rng = random.Random(SEED)
reviewer = User.objects.get(username="demo_reviewer")
inst_id = Membership.objects.get(user=reviewer, role="institution_reviewer").institution_id
link = (ElderInstitutionLink.objects.filter(institution_id=inst_id, status="active")
        .order_by("elder_id").first())
elder = link.elder
actor = Actor.of(reviewer)
have = Observation.objects.filter(elder=elder).count()
now = timezone.now()
days = 1826
if have < TOTAL:
    share = {"blood_pressure": 0.28, "heart_rate": 0.28, "glucose": 0.18, "spo2": 0.10,
             "temperature": 0.06, "weight": 0.05, "pain": 0.05}
    base = {"blood_pressure": (138, 84), "heart_rate": (74, None), "glucose": (6.6, None),
            "spo2": (96, None), "temperature": (36.6, None), "weight": (61.0, None),
            "pain": (2, None)}
    spread = {"blood_pressure": (14, 8), "heart_rate": (8, 0), "glucose": (1.4, 0),
              "spo2": (1.5, 0), "temperature": (0.3, 0), "weight": (1.5, 0), "pain": (1.5, 0)}
    sources = ["device", "device", "device", "visit", "self_reported"]
    rows = []
    left = TOTAL - have
    kinds = list(share)
    for i, kind in enumerate(kinds):
        n = left - sum(int(left * share[k]) for k in kinds[:-1]) if i == len(kinds) - 1 else int(left * share[kind])
        spec = KINDS[kind]
        b1, b2 = base[kind]
        s1, s2 = spread[kind]
        for _ in range(n):
            at = now - dt.timedelta(seconds=rng.uniform(0, days * 86400 - 3600))
            drift = math.sin(at.timestamp() / (86400 * 180))  # a slow seasonal swing
            v = b1 + drift * s1 * 0.5 + rng.gauss(0, s1 * 0.6)
            v = min(max(v, float(spec.range.low)), float(spec.range.high))
            v2 = None
            if kind == "blood_pressure":
                v2 = min(max(b2 + drift * s2 * 0.5 + rng.gauss(0, s2 * 0.6), 40), v - 10)
            q = Decimal(1).scaleb(-spec.decimals)
            rows.append(Observation(
                elder=elder, kind=kind, loinc=spec.loinc, unit=spec.unit,
                value=Decimal(str(v)).quantize(q),
                value2=None if v2 is None else Decimal(str(v2)).quantize(q),
                context="fasting" if kind == "glucose" else "",
                source=rng.choice(sources), measured_at=at, recorded_at=at, recorded_by=reviewer,
            ))
    Observation.objects.bulk_create(rows, batch_size=5000)
    for code in ("I10", "E11.9", "I25.1", "M17.9", "N18.3"):
        # a code not in the seeded subset is refused: the bench goes on without it
        with contextlib.suppress(ApplicationError):
            services.add_condition(actor=actor, elder=elder, code=code)
    services.add_allergy(actor=actor, elder=elder, substance="青霉素", category="drug", severity="severe")
    for name, dose, freq, times in (("氨氯地平 amlodipine", 5, "qd", ["08:00"]),
                                    ("二甲双胍 metformin", 500, "bid", ["08:00", "18:00"]),
                                    ("阿托伐他汀 atorvastatin", 20, "qn", ["21:00"]),
                                    ("阿司匹林 aspirin", 100, "qd", ["08:00"])):
        services.add_medication(actor=actor, elder=elder, name=name, dose=dose, dose_unit="mg",
                                route="oral", frequency=freq, times=times,
                                start_date=(now - dt.timedelta(days=900)).date())
    services.add_line(actor=actor, elder=elder, kind="picc", site="右上臂贵要静脉",
                      inserted_on=(now - dt.timedelta(days=20)).date(),
                      last_maintained_on=(now - dt.timedelta(days=4)).date())
    plan = {"barthel": 20, "morse": 20, "braden": 10, "mmse": 5, "mna_sf": 5, "gds15": 5, "ad8": 5}
    for code, count in plan.items():
        form = INSTRUMENTS[code]
        for k in range(count):
            answers = {}
            for item in form.items:
                if item.group and item.key != "bmi":
                    continue
                answers[item.key] = rng.choice(item.options).value
            for key, allowed in form.context.items():
                answers[key] = allowed[-1]
            at = now - dt.timedelta(days=(k + 1) * days // (count + 1))
            services.submit_assessment(actor=actor, elder=elder, instrument=code,
                                       answers=answers, assessed_at=at)
    services.derive_ltc_level(actor=actor, elder=elder)
with connection.cursor() as cur:
    cur.execute("ANALYZE")
print("PLAN=" + json.dumps({"elder_id": elder.pk,
      "observations": Observation.objects.filter(elder=elder).count()}))
"""


class Session:
    """HTTP/1.1 calls with a cookie jar of one session (one request per connection)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def call(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, bytes, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            headers = {"Accept-Language": "zh-hans", "Host": "127.0.0.1"}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if form is not None:
                body = urllib.parse.urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            for header, value in resp.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return resp.status, data, resp
        finally:
            conn.close()

    def login(self, username: str, password: str) -> None:
        status, body, _ = self.call("GET", "/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or not match:
            raise SystemExit(f"GET /login/: {status}")
        status, body, _resp = self.call(
            "POST",
            "/login/",
            {
                "csrfmiddlewaretoken": match.group(1).decode(),
                "identifier": username,
                "password": password,
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"POST /login/ {username}: {status} {body[:300]!r}")


def measure(
    session: Session, path: str, n: int, clients: int, expect: bytes
) -> tuple[dict[str, Any], int]:
    sizes: list[int] = []

    def one(_i: int) -> Result:
        sent = time.perf_counter()
        try:
            status, body, _ = session.call("GET", path)
            err = "" if status == 200 and expect in body else f"{status} {body[:120]!r}"
            sizes.append(len(body))
        except OSError as exc:
            status, err = 0, f"{type(exc).__name__}: {exc}"
        return Result(sent, sent, time.perf_counter(), status, err)

    first = one(0)  # cold: this worker has not computed these chart points yet
    closed_loop(min(10, n), 1, one)  # warm the workers' caches and connections
    sizes.clear()
    results, wall = closed_loop(n, clients, one)
    stats = summarise(results, wall, from_schedule=False)
    stats["first_ms"] = round((first.done - first.sent) * 1000.0, 1)
    return stats, (max(sizes) if sizes else 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-seed", action="store_true", help="Use the database as it is.")
    parser.add_argument("--observations", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--pdf", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--target-ms", type=float, default=300.0)
    parser.add_argument("--settings", default="config.settings.prod")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args(argv)

    url = os.environ.get(
        "DATABASE_URL", "postgres://doorstep:doorstep@127.0.0.1:5432/doorstep_recordbench"
    )
    if not url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must point at a PostgreSQL database")
    dbname = url.rsplit("/", 1)[-1]
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    if not args.no_seed:
        print("migrate + seed_demo --scale 0.1 ...", flush=True)
        manage(url, args.settings, "migrate", "--noinput")
        manage(url, args.settings, "seed_demo", "--reset", "--scale", "0.1")
    print(f"five years of record ({args.observations} observations) ...", flush=True)
    code = SEED_CODE.replace("SEED", str(args.seed)).replace("TOTAL", str(args.observations))
    out = manage(url, args.settings, "shell", "-c", code)
    plan = json.loads(next(ln for ln in out.splitlines() if ln.startswith("PLAN="))[5:])
    seed_s = time.perf_counter() - t0
    manage(url, args.settings, "collectstatic", "--noinput")

    load_before = os.getloadavg()
    port = free_port()
    log = ROOT / "var" / "record_bench_gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    server = start_server(url, args.settings, port, args.workers, log, "")
    phases: dict[str, Any] = {}
    try:
        session = Session(port)
        session.login("demo_reviewer", DEMO_PASSWORD)
        base = f"/health/elders/{plan['elder_id']}/"
        for name, path, n, expect in (
            ("record_page_90d", base, args.requests, b'id="vitals-data"'),
            ("record_page_5y", base + "?range=5y", args.requests, b'id="vitals-data"'),
            ("vitals_json_5y", base + "vitals/?range=5y", args.requests, b'"series"'),
            ("summary_pdf", base + "summary.pdf", args.pdf, b"%PDF"),
        ):
            if n <= 0:
                continue
            print(f"{name}: {n} requests, {args.clients} client(s) ...", flush=True)
            stats, size = measure(session, path, n, args.clients, expect)
            stats["bytes"] = size
            phases[name] = stats
            print(
                f"  first {stats['first_ms']} ms  p50 {stats['p50_ms']} ms  p95 {stats['p95_ms']} ms  p99 {stats['p99_ms']} ms"
                f"  errors {stats['errors']}  {size} bytes",
                flush=True,
            )
    finally:
        stop_server(server)

    result = {
        "benchmark": "record_page",
        "started_utc": started.isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "database": dbname,
        "settings": args.settings,
        "server": f"gunicorn {args.workers} sync workers",
        "clients": args.clients,
        "elder_id": plan["elder_id"],
        "observations": plan["observations"],
        "seed_s": round(seed_s, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "target_ms": args.target_ms,
        "phases": phases,
    }
    ok = all(
        phases[p]["p95_ms"] <= args.target_ms and phases[p]["errors"] == 0
        for p in ("record_page_90d", "record_page_5y")
        if p in phases
    )
    result["target_met"] = ok
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md = markdown(result)
    if args.markdown:
        args.markdown.write_text(md, encoding="utf-8")
    print(md)
    return 0 if ok else 1


def markdown(res: dict[str, Any]) -> str:
    m = res["machine"]
    lines = [
        f"Record page, {res['observations']:,} observations, {res['server']}, "
        f"{res['clients']} client(s); commit {res['commit']}; {m['nproc']} CPU {m['cpu']}, "
        f"{m['memory_gib']} GiB, Python {m['python']}; {res['started_utc']}",
        "",
        "| Request | n | first (cold) ms | p50 ms | p95 ms | p99 ms | max ms | errors | bytes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in res["phases"].items():
        lines.append(
            f"| {name} | {s['requests']} | {s['first_ms']} | {s['p50_ms']} | {s['p95_ms']} "
            f"| {s['p99_ms']} "
            f"| {s['max_ms']} | {s['errors']} | {s['bytes']:,} |"
        )
    lines.append("")
    lines.append(
        f"Load average (1/5/15 min) before {res['load_average_before']}, "
        f"after {res['load_average_after']}"
    )
    lines.append("")
    lines.append(f"Target p95 <= {res['target_ms']} ms: {'met' if res['target_met'] else 'MISSED'}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
