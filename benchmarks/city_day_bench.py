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
   ``place_order`` calls would measure booking, not planning). They come from a hidden
   feasible day (``generate_day``): the providers take turns adding a visit to their own
   chain through the day (08:00-18:00 from and to home, lunch between 11:30 and 13:00,
   travel by their own mode, 0-10 minutes of slack, the next elder the nearest of
   a few drawn at random), for elders within their service
   radius, in regions their institution serves, with items they are eligible for
   (credential levels and certificates). The chains are then forgotten: every visit is
   unassigned. ``hidden_chains`` in the report costs them as a plan (0 late, 0
   violations: the day can be served on time);
3. the plan, through the entry point the API uses: ``services.start_plan`` for the whole
   platform (as a platform admin) with ``--time-limit`` (default 55 s: the target is 60 s for
   the whole job, problem build and greedy baseline included), whose job
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


#: Slack in minutes drawn for each hidden chain leg, and how many random candidate
#: elders a chain chooses its next (nearest) visit from.
SLACK = (0, 10)
PICKS = 16
#: A provider whose service radius holds fewer elders takes this many nearest ones.
MIN_ELDERS = 60
#: A chain is full after this many drawn visits that did not fit in the day.
MAX_FAILS = 8


def generate_day(*, day: dt.date, visits: int, seed: int) -> dict[str, Any]:
    """Write ``visits`` unassigned visits for ``day`` (see the module docstring).

    The hidden day: providers take turns (a new random order each round) adding one
    visit to their own chain until ``visits`` visits exist or every chain is full. A
    chain starts at the shift start (08:00) from home; each visit is for an elder within
    the provider's service radius (the nearest
    ``MIN_ELDERS`` when it holds fewer), living in a region the provider's institution serves
    with an item the provider is eligible for (``workforce.eligibility``: title rank,
    certificates, licence); it starts on the quarter hour after the travel time (the
    planner's own travel model, ``solver.travel.MODES``) plus 0 to 10 minutes of slack;
    the next elder is the nearest of ``PICKS`` drawn at random (a provider's day is local);
    a 30-minute lunch break fits between 11:30 and 13:00; the provider is home by the
    shift end (18:00). An elder gets at most one visit that day. So the day is feasible
    by construction with every visit on time (``hidden_chains`` in the report checks it
    through ``evaluate``), and the chains are then forgotten: every visit is unassigned.
    """
    from django.db import transaction

    from doorstep.accounts.models import User
    from doorstep.catalog.models import Offering
    from doorstep.catalog.selectors import requirement_for
    from doorstep.dispatch.models import DEFAULT_SHIFT
    from doorstep.dispatch.problem import origin_of, providers_needed
    from doorstep.dispatch.solver.travel import MODES, haversine_m
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
    offerings = [
        o
        for o in Offering.objects.filter(is_active=True, item__is_active=True)
        .select_related("item", "region", "institution")
        .order_by("pk")
        if providers_needed(o.item) == 1
    ]
    elders = list(
        Elder.objects.filter(lat__isnull=False, lng__isnull=False)
        .select_related("region")
        .order_by("pk")
    )
    placed_by = User.objects.filter(username="demo_operator").first() or User.objects.first()
    reqs = {o.item_id: requirement_for(o.item) for o in offerings}

    def minutes(p: Provider, a: tuple[float, float], b: tuple[float, float]) -> float:
        if a == b:
            return 0.0
        mode = MODES.get(p.transport_mode, MODES["public_transport"])
        metres = haversine_m(a[0], a[1], b[0], b[1]) * mode.detour
        return (metres / (mode.speed_kmh / 3.6) + mode.overhead_s) / 60 + 1  # +1: rounding

    shift_start = DEFAULT_SHIFT.start.hour * 60 + DEFAULT_SHIFT.start.minute
    shift_end = DEFAULT_SHIFT.end.hour * 60 + DEFAULT_SHIFT.end.minute
    assert DEFAULT_SHIFT.break_earliest is not None
    assert DEFAULT_SHIFT.break_latest is not None
    b_early = DEFAULT_SHIFT.break_earliest.hour * 60 + DEFAULT_SHIFT.break_earliest.minute
    b_late = DEFAULT_SHIFT.break_latest.hour * 60 + DEFAULT_SHIFT.break_latest.minute
    b_len = DEFAULT_SHIFT.break_minutes
    # per provider: (elder, offering) pairs they could serve
    options: dict[int, list[tuple[Any, Any]]] = {}
    homes: dict[int, tuple[float, float]] = {}
    for p in providers:
        facts = provider_facts(p, certs.get(p.pk, []))
        can = [
            o
            for o in offerings
            if o.institution_id == p.institution_id
            and eligibility.check(facts, reqs[o.item_id], day).allowed
        ]
        if not can:
            continue
        home = (float(p.home_lat), float(p.home_lng))  # type: ignore[arg-type]
        radius_m = max(1.0, p.service_radius_km) * 1000
        served = [
            (haversine_m(home[0], home[1], e.lat, e.lng), e)  # type: ignore[arg-type]
            for e in elders
            if any(e.region.path.startswith(o.region.path) for o in can)
        ]
        served.sort(key=lambda de: (de[0], de[1].pk))
        # elders within the service radius; a provider living outside the area their
        # institution serves takes the nearest ones inside it
        near = [e for dist, e in served if dist <= radius_m]
        if len(near) < MIN_ELDERS:
            near = [e for _, e in served[:MIN_ELDERS]]
        opts = [(e, o) for e in near for o in can if e.region.path.startswith(o.region.path)]
        if opts:
            options[p.pk] = opts
            homes[p.pk] = home
    working = [p for p in providers if p.pk in options]
    # chain state per provider: free at (minutes), where, lunch taken, full
    free = {p.pk: float(shift_start) for p in working}
    where = dict(homes)
    lunch = {p.pk: False for p in working}
    full: set[int] = set()
    fails = dict.fromkeys(free, 0)  # visits that did not fit; full after MAX_FAILS
    taken: set[int] = set()  # elders with a visit that day
    rows: list[tuple[Any, Any, dt.datetime]] = []  # (elder, offering, start)
    owner: list[int] = []  # the hidden chain's provider of each row
    while len(rows) < visits and len(full) < len(working):
        order = [p for p in working if p.pk not in full]
        rng.shuffle(order)
        for p in order:
            if len(rows) >= visits:
                break
            opts = options[p.pk]
            # the nearest of a few random unvisited elders: a provider's day is local
            picks = [opts[rng.randrange(len(opts))] for _ in range(PICKS)]
            picks = [(e, o) for e, o in picks if e.pk not in taken]
            if not picks:
                fails[p.pk] += 1
                if fails[p.pk] >= MAX_FAILS:
                    full.add(p.pk)
                continue
            at = where[p.pk]
            e, o = min(
                picks,
                key=lambda eo: haversine_m(at[0], at[1], eo[0].lat, eo[0].lng),  # type: ignore[arg-type]
            )
            here = (float(e.lat), float(e.lng))  # type: ignore[arg-type]
            dur = o.item.duration_minutes
            t = free[p.pk]
            had_lunch = lunch[p.pk]
            travel = minutes(p, where[p.pk], here)
            slack = rng.randint(SLACK[0], SLACK[1])
            start = math.ceil((t + travel + slack) / 15.0) * 15
            if not lunch[p.pk] and (start >= b_early or start + dur > b_late):
                t = max(t, b_early) + b_len  # lunch first (it starts by b_late: see below)
                lunch[p.pk] = True
                start = math.ceil((t + travel + slack) / 15.0) * 15
            end = start + dur
            if end + minutes(p, here, homes[p.pk]) > shift_end - 15 or (
                not lunch[p.pk] and end > b_late
            ):
                lunch[p.pk] = had_lunch  # this visit is not taken: nor the lunch before it
                fails[p.pk] += 1
                if fails[p.pk] >= MAX_FAILS:
                    full.add(p.pk)
                continue
            taken.add(e.pk)
            rows.append((e, o, origin + dt.timedelta(minutes=start)))
            owner.append(p.pk)
            free[p.pk] = float(end)
            where[p.pk] = here
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
        hidden[who].append(visit.pk)
    durations = [o.item.duration_minutes for _, o, _ in rows]
    return {
        "visits": len(rows),
        "providers_with_options": len(working),
        "providers_with_work": len(hidden),
        "visits_per_provider_max": max((len(v) for v in hidden.values()), default=0),
        "duration_minutes_mean": round(sum(durations) / max(1, len(durations)), 1),
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
    parser.add_argument("--time-limit", type=int, default=55)
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
