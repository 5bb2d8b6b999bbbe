"""Benchmark posting journal entries on PostgreSQL (issue 5, item 8: >= 1,000 entries/s).

    su postgres -c "createdb -O doorstep doorstep_ledgerbench"     # from /
    DATABASE_URL=postgres://doorstep:doorstep@127.0.0.1:5432/doorstep_ledgerbench \\
        flock /tmp/cpu.lock .venv/bin/python benchmarks/ledger_bench.py --json var/ledger_bench.json

Drives the ledger's two entry points, the ones the business services and the settlement
job call (``billing.services.post_entry`` and ``post_entries``), on a migrated database:

The accounts belong to the database's institutions (a fresh database is given a small
``seed_demo --scale 0.2`` first for them).

1. ``single``: ``--workers`` processes, each posting ``--entries`` entries one per
   transaction (the shape of payments, completions and refunds: four lines over a patient,
   a deferred account, the platform and a provider payable, with the hot platform account
   in every entry).
2. ``batch``: the same entries posted ``--batch`` per transaction by one process (the
   settlement and import path).

Every entry is a real, unique ``(event, key)`` posting through the idempotency check and
the running-balance updates. After each phase ``check_ledger`` must find no drift. Prints
and writes (``--json``) entries/s, wall time and CPU of the load processes and of the
PostgreSQL backends. Exits 1 when a phase is below ``--target`` entries/s.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()


def _institutions() -> list[int]:
    from doorstep.organizations.models import Institution

    return list(Institution.objects.order_by("pk").values_list("pk", flat=True)[:20])


def _specs(prefix: str, start: int, n: int) -> list[Any]:
    from doorstep.billing import accounts as acct
    from doorstep.billing.services import EntrySpec, cr, dr

    insts = _institutions()
    out = []
    for i in range(start, start + n):
        inst, prov = insts[i % len(insts)], i % 2000 + 1
        price = 8000 + i % 97
        out.append(
            EntrySpec(
                event="visit_completed",
                key=f"{prefix}:{i}",
                postings=[
                    dr(acct.deferred(inst), price),
                    cr(acct.platform(), price // 10),
                    cr(acct.institution(inst), price * 3 // 10),
                    cr(acct.provider(prov, inst), price - price // 10 - price * 3 // 10),
                ],
                institution_id=inst,
            )
        )
    return out


def _single_worker(args: tuple[str, int, int, Any]) -> tuple[float, float]:
    prefix, start, n, barrier = args
    _setup()
    from django.db import connection

    from doorstep.billing import services

    specs = _specs(prefix, start, n)
    connection.ensure_connection()
    barrier.wait()
    t0, c0 = time.perf_counter(), time.process_time()
    for s in specs:
        services.post_entry(event=s.event, key=s.key, postings=s.postings)
    return time.perf_counter() - t0, time.process_time() - c0


def _pg_cpu(dbname: str) -> float:
    """CPU seconds of PostgreSQL backends connected to ``dbname`` (from /proc)."""
    total = 0.0
    tck = os.sysconf("SC_CLK_TCK")
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            if "postgres:" not in cmd or f" {dbname} " not in cmd.replace("\x00", " "):
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tck
        except (OSError, IndexError, ValueError):
            continue
    return total


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--entries", type=int, default=5000, help="Entries per worker (single).")
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--batch-entries", type=int, default=50000)
    p.add_argument("--target", type=float, default=1000.0)
    p.add_argument("--json", type=Path)
    a = p.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("DATABASE_URL must point at a throwaway PostgreSQL database", file=sys.stderr)
        return 2
    dbname = url.rsplit("/", 1)[1]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput"],
        check=True,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    _setup()
    from django.db import connection

    from doorstep.billing import selectors, services

    if not _institutions():  # a fresh database: the demo's institutions (small seed)
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "seed_demo", "--reset", "--scale", "0.2"],
            check=True,
            env={**env, "DOORSTEP_ALLOW_RESET": "1"},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )

    run = str(int(time.time()))
    phases: list[dict[str, Any]] = []
    load_before = os.getloadavg()

    # 1. single-entry transactions from several processes
    ctx = mp.get_context("fork")
    connection.close()
    barrier = ctx.Manager().Barrier(a.workers)
    t0 = time.perf_counter()
    with ctx.Pool(a.workers) as pool:
        results = pool.map(
            _single_worker,
            [(f"s{run}", w * a.entries, a.entries, barrier) for w in range(a.workers)],
        )
    wall = max(r[0] for r in results)
    total = a.workers * a.entries
    phases.append(
        {
            "phase": f"single: {a.workers} processes x {a.entries} entries, 1 per transaction",
            "entries": total,
            "wall_s": round(wall, 2),
            "outer_wall_s": round(time.perf_counter() - t0, 2),
            "entries_per_s": round(total / wall, 1),
            "load_cpu_s": round(sum(r[1] for r in results), 2),
            # the workers' PostgreSQL backends exit with them: not measurable afterwards
            "pg_cpu_s": None,
        }
    )
    # 2. batches from one process
    specs = _specs(f"b{run}", 0, a.batch_entries)
    pg0, c0 = _pg_cpu(dbname), time.process_time()
    t0 = time.perf_counter()
    for i in range(0, len(specs), a.batch):
        services.post_entries(specs=specs[i : i + a.batch])
    wall = time.perf_counter() - t0
    phases.append(
        {
            "phase": f"batch: 1 process, {a.batch} entries per transaction",
            "entries": len(specs),
            "wall_s": round(wall, 2),
            "entries_per_s": round(len(specs) / wall, 1),
            "load_cpu_s": round(time.process_time() - c0, 2),
            "pg_cpu_s": round(_pg_cpu(dbname) - pg0, 2),
        }
    )
    found = selectors.check()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    res = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": commit + (" + working tree" if dirty else ""),
        "machine": f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}",
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "ledger_entries_total": found.entries,
        "ledger_ok": found.ok,
        "phases": phases,
        "target_entries_per_s": a.target,
    }
    print(json.dumps(res, indent=2))
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(res, indent=2))
    ok = found.ok and all(ph["entries_per_s"] >= a.target for ph in phases)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
