"""Benchmark day planning on a city day: 2,000 visits, about 300 providers, PostgreSQL
(issue 4 item 7, ADR 0019, docs/benchmarks.md).

    su postgres -c "createdb -O doorstep doorstep_citybench"          # once, from /
    DATABASE_URL=postgres://doorstep:doorstep@127.0.0.1:5432/doorstep_citybench \\
        flock /tmp/cpu.lock .venv/bin/python benchmarks/city_day_bench.py [--json out.json]

What it does (the database is emptied: point DATABASE_URL at a throwaway one):

1. ``manage.py migrate`` and ``manage.py seed_demo --reset --scale S --history-months 0``
   (S = ``--scale``, default 1.35: ten institutions, 4,050 elders, 405 providers of whom
   301 are verified and active with an institution; no visit history);
2. tomorrow's visits, written directly through the orders models (``Order`` + ``Visit``
   rows, ``awaiting_dispatch``, written like ``place_order`` would but without pricing
   and events: 2,000 ``place_order`` calls would measure booking, not planning), booked
   the way the product lets elders book (``generate_day``): at one of the start times the
   booking page offers, only those the institution can still serve (capacity-aware
   booking, ADR 0032; ``--no-capacity`` offers every time), each open time alike
   (``--take-recommended P``: with probability P one the page recommends when it marks
   any, ADR 0038), the window being that start plus the item's duration, for
   elders where the institutions' providers work, with items those providers are
   eligible for;
3. the plan, through the entry point the API uses: ``services.start_plan`` for the whole
   platform (as a platform admin) with ``--time-limit`` (default 58 s: the target is 60 s for
   the whole job, and the limit covers the whole job, problem build, greedy baseline and
   warm start included, ADR 0040), whose job
   (``tasks.plan_day`` -> ``services.run_plan``) runs in this process (no ``REDIS_URL``:
   Celery eager, ADR 0004) and builds the problem, the nearest-available greedy baseline
   and the plan through ``engine.solve``;
4. the report: wall time of step 3, its phases, travel km of the plan and of the greedy
   baseline (same run, same problem), the saving (target >= 20 %), lateness, unassigned.
   ``--late-tolerance M`` / ``--early M`` / ``--lateness-cost C`` plan with
   ``DISPATCH_LATE_TOLERANCE_MINUTES`` / ``DISPATCH_EARLY_MINUTES`` set to M or
   ``DISPATCH_LATENESS_COST`` to C for this run (a what-if: the defaults are the
   product's settings).
   ``--plan-only`` plans the day an earlier run generated in the same database again
   (steps 1 and 2 skipped), e.g. after a change to the planner.
   With ``--accept`` the plan is then accepted through the orders services and the
   outcome counted (assigned, refused by a rule of the visit loop).

Refuses anything but PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import time
from collections import defaultdict
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


#: A provider whose service radius holds fewer elders takes this many nearest ones.
MIN_ELDERS = 60
#: Elders turned away in a row after which the day counts as full (generation stops).
FULL_AFTER = 400


def generate_day(
    *, day: dt.date, visits: int, seed: int, capacity: bool = True, take_recommended: float = 0.0
) -> dict[str, Any]:
    """Write ``visits`` unassigned visits for ``day`` (see the module docstring).

    Bookings are made the way the product lets elders book: an elder chooses one of the
    start times the booking page offers (``dispatch.slots.start_times``; with ``capacity``
    only those still open for that institution, item and home, ``dispatch.slots.openings``,
    ADR 0032, exactly as the page and ``place_order`` decide), the visit's window is that
    start plus the item's duration (``orders.services.booking.place_order``), and the
    planner reads the booked start as the earliest start and the end of its arrival window
    (``BOOKING_ARRIVAL_WINDOW_MINUTES``, ADR 0037) as the latest on-time one, as booking
    capacity does. An elder who finds no
    open time that day is turned away and counted; they may ask again for another item or
    institution (a later draw), until ``visits`` are booked or every elder has a visit. Demand follows the
    staff: each booking draws a provider of the city at random (so an institution books
    in proportion to the providers it can send), then an elder living within that
    provider's service radius (the nearest ``MIN_ELDERS`` when it holds fewer) in a
    region their institution serves, an item of the institution there that the provider
    is eligible for (title rank, certificates, licence: ``workforce.eligibility``), and a
    start time among the offered ones at which the visit ends by the default shift's end:
    with probability ``take_recommended`` one of those the page marks "Recommended"
    (ADR 0038) when it marks any, else any open one, uniformly.
    An elder gets at most one visit that day. Each booking is written before the next is
    drawn (the next one's open times depend on it). The drawing provider is forgotten:
    every visit is unassigned. Without ``capacity`` (``--no-capacity``, the booking of
    session 4) every start time is offered and nothing checks the day can be served.
    """
    from django.db import transaction

    from doorstep.accounts.models import User
    from doorstep.catalog.models import Offering
    from doorstep.catalog.selectors import requirement_for
    from doorstep.dispatch import slots as dispatch_slots
    from doorstep.dispatch.models import DEFAULT_SHIFT
    from doorstep.dispatch.problem import origin_of, providers_needed
    from doorstep.dispatch.solver.travel import haversine_m
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
    assert placed_by is not None, "seed_demo made no users"
    reqs = {o.item_id: requirement_for(o.item) for o in offerings}
    shift_end = DEFAULT_SHIFT.end.hour * 60 + DEFAULT_SHIFT.end.minute
    slots = [int((t - origin).total_seconds()) // 60 for t in dispatch_slots.start_times(day)]
    # per provider: (elder, offering) pairs they could serve
    options: dict[int, list[tuple[Any, Any]]] = {}
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
    working = [p for p in providers if p.pk in options]
    taken: set[int] = set()  # elders with a visit that day
    rows: list[tuple[Any, Any, dt.datetime]] = []  # (elder, offering, start)
    by_slot: dict[int, int] = defaultdict(int)
    turned_away = 0
    tries = 0
    now = origin - dt.timedelta(hours=12)
    in_a_row = 0  # turned away since the last booking: the day is full after FULL_AFTER
    took_recommended = 0
    while len(rows) < visits and working and tries < 100 * visits and in_a_row < FULL_AFTER:
        tries += 1
        p = working[rng.randrange(len(working))]
        opts = options[p.pk]
        e, o = opts[rng.randrange(len(opts))]
        if e.pk in taken:
            continue
        dur = o.item.duration_minutes
        fits = [s for s in slots if s + dur <= shift_end]
        if capacity and fits:
            offered = dispatch_slots.openings(
                institution_id=o.institution_id,
                item=o.item,
                elder=e,
                day=day,
                starts=[origin + dt.timedelta(minutes=s) for s in fits],
            )
            marked = [s for s, of in zip(fits, offered, strict=True) if of.open and of.recommended]
            fits = [s for s, of in zip(fits, offered, strict=True) if of.open]
        else:
            marked = []
        if not fits:
            # turned away for this institution and item; the elder may ask again later,
            # for another item or through another provider's institution
            turned_away += 1
            in_a_row += 1
            continue
        taken.add(e.pk)
        in_a_row = 0
        if marked and rng.random() < take_recommended:
            start = marked[rng.randrange(len(marked))]
            took_recommended += 1
        else:
            start = fits[rng.randrange(len(fits))]
        by_slot[start] += 1
        at = origin + dt.timedelta(minutes=start)
        rows.append((e, o, at))
        with transaction.atomic():
            order = Order.objects.create(
                elder=e,
                institution=o.institution,
                item=o.item,
                offering=o,
                placed_by=placed_by,
                total_fen=o.price_fen,
                payment_mode="at_door",
                created_at=now,
            )
            Visit.objects.create(
                order=order,
                seq=1,
                status=VisitStatus.AWAITING_DISPATCH,
                window_start=at,
                window_end=at + dt.timedelta(minutes=dur),
                duration_minutes=dur,
                price_fen=o.price_fen,
                address=e.address or "",
                lat=e.lat,
                lng=e.lng,
                region=e.region,
            )
    durations = [o.item.duration_minutes for _, o, _ in rows]
    return {
        "visits": len(rows),
        "capacity_aware": capacity,
        "take_recommended": take_recommended,
        "took_recommended": took_recommended,
        "turned_away": turned_away,
        "full": in_a_row >= FULL_AFTER,
        "providers_with_options": len(working),
        "institutions": len({o.institution_id for _, o, _ in rows}),
        "bookings_by_start": {f"{m // 60:02d}:{m % 60:02d}": n for m, n in sorted(by_slot.items())},
        "duration_minutes_mean": round(sum(durations) / max(1, len(durations)), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.35)
    parser.add_argument("--visits", type=int, default=2000)
    parser.add_argument("--time-limit", type=int, default=58)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-seed", action="store_true", help="Reuse the seeded city.")
    parser.add_argument(
        "--plan-only",
        action="store_true",
        help="Plan the day already generated in this database (no seeding, no booking).",
    )
    parser.add_argument(
        "--take-recommended",
        type=float,
        default=0.0,
        help="Chance an elder takes a recommended start time when the page marks one "
        "(ADR 0038 what-if; default 0: every open time alike).",
    )
    parser.add_argument("--accept", action="store_true", help="Also accept the plan.")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--late-tolerance", type=int, default=None, help="Minutes (what-if).")
    parser.add_argument("--early", type=int, default=None, help="Minutes (what-if).")
    parser.add_argument(
        "--lateness-cost", type=int, default=None, help="DISPATCH_LATENESS_COST (what-if)."
    )
    parser.add_argument(
        "--no-capacity",
        action="store_true",
        help="Offer every start time (session 4's booking, ADR 0032 what-if).",
    )
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("DATABASE_URL must name a throwaway PostgreSQL database", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.pop("REDIS_URL", None)
    machine = _machine()
    if not args.skip_seed and not args.plan_only:
        _manage("migrate", "--noinput", "-v", "0")
        t = time.monotonic()
        _manage("seed_demo", "--reset", "--scale", str(args.scale), "--history-months", "0")
        seed_s = time.monotonic() - t
    else:
        seed_s = 0.0

    import django

    django.setup()
    from django.conf import settings
    from django.utils import timezone

    if args.late_tolerance is not None:
        settings.DISPATCH_LATE_TOLERANCE_MINUTES = args.late_tolerance
    if args.early is not None:
        settings.DISPATCH_EARLY_MINUTES = args.early
    if args.lateness_cost is not None:
        settings.DISPATCH_LATENESS_COST = args.lateness_cost

    from doorstep.accounts.models import User
    from doorstep.accounts.policy import Actor
    from doorstep.dispatch import services
    from doorstep.dispatch.models import PlanRun
    from doorstep.dispatch.problem import LATENESS_COST, late_tolerance_s, local_zone
    from doorstep.orders.models import Visit

    day = timezone.localtime(timezone.now(), local_zone()).date() + dt.timedelta(days=1)
    Visit.objects.filter(window_start__date=day).count()  # warm the connection
    t = time.monotonic()
    if args.plan_only:
        generated = {"visits": Visit.objects.filter(window_start__date=day).count(), "reused": True}
    else:
        generated = generate_day(
            day=day,
            visits=args.visits,
            seed=args.seed,
            capacity=not args.no_capacity,
            take_recommended=args.take_recommended,
        )
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
        "window_minutes": {
            "early": getattr(settings, "DISPATCH_EARLY_MINUTES", 0),
            "late_tolerance": late_tolerance_s() // 60,
            "arrival_window": getattr(settings, "BOOKING_ARRIVAL_WINDOW_MINUTES", 0),
        },
        "lateness_cost": getattr(settings, "DISPATCH_LATENESS_COST", LATENESS_COST),
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
    report["load_average_after"] = os.getloadavg()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return 0 if run.status in ("done", "accepted") else 1


if __name__ == "__main__":
    raise SystemExit(main())
