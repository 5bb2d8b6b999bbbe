"""Benchmark instant matching over HTTP against gunicorn on PostgreSQL (issue 4, item 7).

    su postgres -c "createdb -O doorstep doorstep_matchbench"      # from /
    DATABASE_URL=postgres://doorstep:doorstep@127.0.0.1:5432/doorstep_matchbench \\
        flock /tmp/cpu.lock .venv/bin/python benchmarks/matching_bench.py \\
        --scale 20.667 --providers 6200 50000 --json var/matching_bench.json

1. Unless ``--no-seed``: ``migrate`` and ``seed_demo --reset --scale S`` (the database is
   emptied: give it a throwaway one). ``--scale 20.667`` seeds 6,200 providers.
2. For each target in ``--providers``: top the table up to that many providers with
   copies of seeded ones (same institutions, verified, home bases jittered within 3 km;
   written in a child ``manage.py shell``), then ``VACUUM ANALYZE`` (as autovacuum would
   do after such a load; it lets the team scan be index-only).
3. Picks ``--visits`` visits awaiting dispatch (creating them from seeded orders' elders
   if there are too few is out of scope: the seed's history has them) and a dispatcher
   token of each visit's institution (``demo_dispatcher`` where it matches, else a
   membership created for the bench user).
4. ``GET /api/v1/visits/{id}/candidates`` closed loop, one client (the target is per
   request), ``--requests`` requests; p50/p95/p99 and CPU per process group.

Reuses ``http_loop_bench``'s client, server, CPU and summary helpers. Exits 1 when a
target is missed (20 ms at 6,200, 100 ms at 50,000).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import http_loop_bench as hb

TARGET_MS = {6200: 20.0, 50000: 100.0}

TOP_UP_CODE = r"""
import random
from django.db import connection, transaction
from doorstep.accounts.models import User
from doorstep.workforce.models import Provider
target = TARGET
have = Provider.objects.count()
rng = random.Random(7)
base = list(Provider.objects.filter(verification_status="verified", home_lat__isnull=False)
            .values("kind", "institution_id", "home_lat", "home_lng", "service_radius_km",
                    "transport_mode", "languages", "title", "practice_start_date"))
n = max(0, target - have)
with transaction.atomic():
    for start in range(0, n, 5000):
        k = min(5000, n - start)
        users = User.objects.bulk_create([User(username=f"mb_{have + start + i}",
                                               display_name=f"MB {have + start + i}")
                                          for i in range(k)])
        rows = []
        for i, u in enumerate(users):
            b = base[rng.randrange(len(base))]
            kind = b["kind"] if b["kind"] in ("caregiver", "volunteer") else "caregiver"
            rows.append(Provider(user=u, kind=kind, institution_id=b["institution_id"],
                                 verification_status="verified",
                                 home_lat=b["home_lat"] + rng.uniform(-0.027, 0.027),
                                 home_lng=b["home_lng"] + rng.uniform(-0.03, 0.03),
                                 service_radius_km=b["service_radius_km"],
                                 transport_mode=b["transport_mode"], languages=b["languages"]))
        Provider.objects.bulk_create(rows)
with connection.cursor() as cur:
    # VACUUM sets the visibility map, so the team scan can be index-only (matching.0002).
    cur.execute("VACUUM ANALYZE")
print("PROVIDERS=" + str(Provider.objects.count()))
"""

PLAN_CODE = r"""
import json
from doorstep.accounts.models import Membership, User
from doorstep.orders.models import Visit
visits = list(Visit.objects.filter(status="awaiting_dispatch", provider__isnull=True,
                                   window_start__gte=__import__("django.utils.timezone",
                                   fromlist=["now"]).now())
              .order_by("id").values_list("id", "order__institution_id")[:COUNT])
user = User.objects.get(username="demo_dispatcher")
have = set(Membership.objects.filter(user=user, role="dispatcher", is_active=True)
           .values_list("institution_id", flat=True))
for _, inst in visits:
    if inst not in have:
        Membership.objects.create(user=user, role="dispatcher", institution_id=inst)
        have.add(inst)
print("PLAN=" + json.dumps({"visits": [v for v, _ in visits]}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--scale", type=float, default=20.667)
    parser.add_argument("--providers", type=int, nargs="+", default=[6200, 50000])
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--settings", default="config.settings.prod")
    parser.add_argument(
        "--redis-url",
        default="",
        help="serve with REDIS_URL (as production does: the process memos of token, grants "
        "and catalogue are on, ADR 0018); give a Redis database of its own, it is flushed",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must point at a throwaway PostgreSQL database")
    dbname = url.rsplit("/", 1)[-1]
    if not args.no_seed:
        hb.manage(url, "config.settings.dev", "migrate", "--noinput")
        hb.manage(url, "config.settings.dev", "seed_demo", "--reset", "--scale", str(args.scale))
    results: dict[str, Any] = {"machine": hb.machine(), "commit": hb.git_commit(), "runs": []}
    ok = True
    for target in sorted(args.providers):
        out = hb.manage(url, "config.settings.dev", "shell", "-c",
                        TOP_UP_CODE.replace("TARGET", str(target)))  # fmt: skip
        count = int(out.split("PROVIDERS=")[1].split()[0])
        plan_out = hb.manage(url, "config.settings.dev", "shell", "-c",
                             PLAN_CODE.replace("COUNT", str(args.visits)))  # fmt: skip
        visits = json.loads(plan_out.split("PLAN=", 1)[1])["visits"]
        if not visits:
            raise SystemExit("no visit awaiting dispatch in the seeded database")
        port = hb.free_port()
        log = Path("var") / f"matching_bench_{target}.log"
        log.parent.mkdir(exist_ok=True)
        if args.redis_url:
            import redis

            redis.Redis.from_url(args.redis_url).flushdb()
        server = hb.start_server(url, args.settings, port, args.workers, log, args.redis_url)
        try:
            client = hb.Client(port)
            status, body = client.call(
                "POST", "/api/v1/auth/token",
                {"identifier": "demo_dispatcher", "password": hb.DEMO_PASSWORD},
            )  # fmt: skip
            if status not in (200, 201):
                raise SystemExit(f"token: {status} {body}")
            token = body["key"]

            def make(
                i: int, client: hb.Client = client, token: str = token, visits: list[int] = visits
            ) -> hb.Result:
                now = time.perf_counter()
                path = f"/api/v1/visits/{visits[i % len(visits)]}/candidates"
                return hb.timed(client, now, "GET", path, None, token, 200)

            hb.closed_loop(min(100, args.requests), 1, make)  # warm-up, not recorded
            before = hb.cpu_snapshot(server.pid, dbname)
            cpu0 = hb.load_generator_cpu()
            res, wall = hb.closed_loop(args.requests, 1, make)
            stats = hb.summarise(res, wall, from_schedule=False)
            cpu = hb.cpu_delta(before, hb.cpu_snapshot(server.pid, dbname))
            cpu["load_generator"] = {"cpu_s": round(hb.load_generator_cpu() - cpu0, 2)}
        finally:
            hb.stop_server(server)
        goal = TARGET_MS.get(target)
        met = goal is None or (stats["p99_ms"] <= goal and stats["errors"] == 0)
        ok = ok and met
        run = {"providers": count, "visits": len(visits), "target_p99_ms": goal, "met": met,
               "redis": bool(args.redis_url), "loadavg": os.getloadavg(),
               "stats": stats, "cpu": cpu}  # fmt: skip
        results["runs"].append(run)
        print(json.dumps(run), flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
