"""Benchmark day planning on a city day: 2,000 visits, about 300 providers, PostgreSQL
(issue 4 item 7, ADR 0019, docs/benchmarks.md).

    su postgres -c "createdb -O doorstep doorstep_citybench"          # once, from /
    DATABASE_URL=postgres://doorstep:doorstep@127.0.0.1:5432/doorstep_citybench \\
        flock /tmp/cpu.lock .venv/bin/python benchmarks/city_day_bench.py [--json out.json]

What it does (the database is emptied: point DATABASE_URL at a throwaway one):

1. ``manage.py migrate`` and ``manage.py seed_demo --reset --scale S --history-months 0``
   (S = ``--scale``, default 1.3: ten institutions, 3,900 elders, 390 providers of whom
   about 300 are verified and active with an institution; no visit history);
2. tomorrow's visits, written directly through the orders models (``Order`` + ``Visit``
   rows, ``awaiting_dispatch``, booked like ``place_order`` would but in bulk: 2,000
   ``place_order`` calls would measure booking, not planning). They are generated from a
   hidden feasible day: each planned provider gets a share of the ``--visits`` (at random,
   seeded) and a chain of visits through the day for elders living within their service
   radius, in regions their institution serves, for items their institution offers there
   and they are eligible for; start times on a quarter-hour grid with the travel time,
   the service and 10-40 minutes of slack between visits and room for lunch. The chains
   are then forgotten: every visit is unassigned;
3. the plan, through the entry point the API uses: ``services.start_plan`` for the whole
   platform (as a platform admin) with ``--time-limit`` (default 60 s), whose job
   (``tasks.plan_day`` -> ``services.run_plan``) runs in this process (no ``REDIS_URL``:
   Celery eager, ADR 0004) and builds the problem, the nearest-available greedy baseline
   and the plan through ``engine.solve``;
4. the report: wall time of step 3, its phases, travel km of the plan and of the greedy
   baseline (same run, same problem), the saving (target >= 20 %), lateness, unassigned.
   With ``--accept`` the plan is then accepted through the orders services and the
   outcome counted (assigned, refused by a rule of the visit loop).

Refuses anything but PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _manage(*args: str) -> None:
    env = {**os.environ, "DOORSTEP_ALLOW_RESET": "1"}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def _machine() -> dict[str, Any]:
    model = ""
    with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": model,
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_before": os.getloadavg(),
    }


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    from doorstep.core.geo import haversine_km

    return haversine_km(a[0], a[1], b[0], b[1])


def generate_day(*, day: dt.date, visits: int, seed: int) -> dict[str, Any]:
    """Write ``visits`` unassigned visits for ``day`` (see the module docstring)."""
    from django.db import transaction

    from doorstep.accounts.models import User
    from doorstep.catalog.models import Offering
    from doorstep.catalog.selectors import requirement_for
    from doorstep.dispatch.problem import origin_of
    from doorstep.orders.enums import VisitStatus
    from doorstep.orders.models import Order, Visit
    from doorstep.people.models import Elder
    from doorstep.workforce import eligibility
    from doorstep.workforce.models import Certificate, Provider
    from doorstep.workforce.selectors import provider_facts

    rng = random.Random(seed)
    origin = origin_of(day)
    providers = list(
        Provider.objects.filter(
            verification_status="verified",
            is_active=True,
            institution__isnull=False,
            home_lat__isnull=False,
        ).order_by("pk")
    )
    certs: dict[int, list[Certificate]] = defaultdict(list)
    for c in Certificate.objects.filter(provider__in=providers):
        certs[c.provider_id].append(c)
    offerings = list(
        Offering.objects.filter(is_active=True, item__is_active=True)
        .select_related("item", "region", "institution")
        .order_by("pk")
    )
    elders = list(
        Elder.objects.filter(lat__isnull=False, lng__isnull=False)
        .select_related("region")
        .order_by("pk")
    )
    placed_by = User.objects.filter(username="demo_operator").first() or User.objects.first()
    reqs = {o.item_id: requirement_for(o.item) for o in offerings}
    # per provider: the (offering) they may serve
    can: dict[int, list[Offering]] = {}
    for p in providers:
        facts = provider_facts(p, certs.get(p.pk, []))
        can[p.pk] = [
            o
            for o in offerings
            if o.institution_id == p.institution_id
            and eligibility.check(facts, reqs[o.item_id], day).allowed
        ]
    providers = [p for p in providers if can[p.pk]]
    share = [0] * len(providers)
    for _ in range(visits):
        share[rng.randrange(len(providers))] += 1
    speed = {"walk": 4.5, "bicycle": 12.0, "e_bike": 18.0, "car": 25.0, "public_transport": 15.0}
    rows: list[tuple[Any, Any, dt.datetime]] = []  # (elder, offering, start)
    owner: list[int | None] = []  # the hidden chain's provider of each row
    for p, n in zip(providers, share, strict=True):
        home: tuple[float, float] = (float(p.home_lat), float(p.home_lng))  # type: ignore[arg-type]
        radius = max(1.0, p.service_radius_km)
        near = [
            e
            for e in elders
            if _km(home, (e.lat, e.lng)) <= radius  # type: ignore[arg-type]
        ]
        options = [
            (e, o) for e in near for o in can[p.pk] if e.region.path.startswith(o.region.path)
        ]
        if not options:
            continue
        t = 8 * 60 + rng.randint(0, 45)
        where = home
        lunch = False
        for _ in range(n):
            e, o = options[rng.randrange(len(options))]
            here: tuple[float, float] = (float(e.lat), float(e.lng))  # type: ignore[arg-type]
            travel = _km(where, here) * 1.5 / speed.get(p.transport_mode, 15.0) * 60 + 5
            start = int(math.ceil((t + travel) / 15.0) * 15)
            if not lunch and start >= 11 * 60 + 30:
                start += 45
                lunch = True
            end = start + o.item.duration_minutes
            if end > 17 * 60 + 30:
                break
            rows.append((e, o, origin + dt.timedelta(minutes=start)))
            owner.append(p.pk)
            t = end + rng.randint(10, 40)
            where = here
    # top up to the wanted count with visits of random elders and offerings
    covered = [
        (e, o)
        for o in offerings[:200]
        for e in elders[:500]
        if e.region.path.startswith(o.region.path)
    ]
    while len(rows) < visits and covered:
        e, o = covered[rng.randrange(len(covered))]
        rows.append((e, o, origin + dt.timedelta(minutes=rng.randrange(8 * 60, 17 * 60, 15))))
        owner.append(None)
    rows, owner = rows[:visits], owner[:visits]
    now = origin - dt.timedelta(hours=12)
    with transaction.atomic():
        orders = Order.objects.bulk_create(
            [
                Order(
                    elder=e,
                    institution=o.institution,
                    item=o.item,
                    offering=o,
                    placed_by=placed_by,
                    total_fen=o.price_fen,
                    payment_mode="at_door",
                    created_at=now,
                )
                for e, o, _ in rows
            ],
            batch_size=1000,
        )
        created = Visit.objects.bulk_create(
            [
                Visit(
                    order=order,
                    seq=1,
                    status=VisitStatus.AWAITING_DISPATCH,
                    window_start=start,
                    window_end=start + dt.timedelta(minutes=o.item.duration_minutes),
                    duration_minutes=o.item.duration_minutes,
                    price_fen=o.price_fen,
                    address=e.address or "",
                    lat=e.lat,
                    lng=e.lng,
                    region=e.region,
                )
                for order, (e, o, start) in zip(orders, rows, strict=True)
            ],
            batch_size=1000,
        )
    hidden: dict[int, list[int]] = defaultdict(list)
    for visit, who in zip(created, owner, strict=True):
        if who is not None:
            hidden[who].append(visit.pk)
    return {
        "visits": len(rows),
        "from_chains": sum(1 for w in owner if w is not None),
        "providers_with_work": len(hidden),
        "hidden": dict(hidden),
    }


def _hidden_figures(day: dt.date, hidden: dict[int, list[int]]) -> dict[str, Any]:
    """The generator's own chains, scheduled and costed like a plan (a reference: a
    feasible-by-construction assignment the optimiser does not see)."""
    from django.utils import timezone

    from doorstep.dispatch.problem import build, figures, pid, vid
    from doorstep.dispatch.solver.evaluate import evaluate

    built = build(institution=None, day=day, now=timezone.now())
    pidx, vidx = built.problem.provider_index, built.problem.visit_index
    orders: dict[int, Sequence[tuple[int, int]]] = {
        pidx[pid(p)]: [(vidx[vid(v)], 0) for v in vs if vid(v) in vidx]
        for p, vs in hidden.items()
        if pid(p) in pidx
    }
    solution, violations = evaluate(built.problem, orders, solver="hidden")
    return {**figures(built, solution), "violations": len(violations.notes)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.3)
    parser.add_argument("--visits", type=int, default=2000)
    parser.add_argument("--time-limit", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-seed", action="store_true", help="Reuse the seeded city.")
    parser.add_argument("--accept", action="store_true", help="Also accept the plan.")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("DATABASE_URL must name a throwaway PostgreSQL database", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.pop("REDIS_URL", None)
    machine = _machine()
    if not args.skip_seed:
        _manage("migrate", "--noinput", "-v", "0")
        t = time.monotonic()
        _manage("seed_demo", "--reset", "--scale", str(args.scale), "--history-months", "0")
        seed_s = time.monotonic() - t
    else:
        seed_s = 0.0

    import django

    django.setup()
    from django.utils import timezone

    from doorstep.accounts.models import User
    from doorstep.accounts.policy import Actor
    from doorstep.dispatch import services
    from doorstep.dispatch.models import PlanRun
    from doorstep.dispatch.problem import local_zone
    from doorstep.orders.models import Visit

    day = timezone.localtime(timezone.now(), local_zone()).date() + dt.timedelta(days=1)
    Visit.objects.filter(window_start__date=day).count()  # warm the connection
    t = time.monotonic()
    generated = generate_day(day=day, visits=args.visits, seed=args.seed)
    generate_s = time.monotonic() - t
    admin = User.objects.filter(memberships__role="platform_admin").first()
    assert admin is not None, "seed_demo made no platform admin"
    actor = Actor.of(admin)

    t = time.monotonic()
    run = services.start_plan(
        actor=actor, institution=None, day=day, time_limit=args.time_limit, seed=args.seed
    )
    wall = time.monotonic() - t
    run = PlanRun.objects.get(pk=run.pk)
    result = run.result
    figures = result.get("figures", {})
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "machine": machine,
        "scale": args.scale,
        "seed": args.seed,
        "day": day.isoformat(),
        "seed_demo_s": round(seed_s, 1),
        "generate_s": round(generate_s, 1),
        "generated": generated,
        "status": run.status,
        "error": run.error,
        "time_limit_s": args.time_limit,
        "wall_s": round(wall, 1),
        "timings": result.get("timings"),
        "solver": result.get("solver"),
        "feasible": result.get("feasible"),
        "figures": figures,
    }
    if args.accept and run.status == "done":
        t = time.monotonic()
        run = services.accept_plan(actor=actor, run=run)
        report["accept_s"] = round(time.monotonic() - t, 1)
        report["accept_counts"] = run.outcome.get("counts")
        codes: dict[str, int] = defaultdict(int)
        for out in run.outcome.get("visits", []):
            for reason in out.get("reasons", []) or [{"code": out.get("code")}]:
                if out["result"] == "refused":
                    codes[str(reason.get("code"))] += 1
        report["refusal_codes"] = dict(codes)
    report["hidden_chains"] = _hidden_figures(day, generated.pop("hidden"))
    report["load_average_after"] = os.getloadavg()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return 0 if run.status in ("done", "accepted") else 1


if __name__ == "__main__":
    raise SystemExit(main())
