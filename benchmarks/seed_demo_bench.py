"""Benchmark ``seed_demo`` at Lanzhou scale on PostgreSQL (ADR 0010, docs/benchmarks.md).

    DATABASE_URL=postgres://doorstep:doorstep@127.0.0.1:5432/doorstep_bench \\
        .venv/bin/python benchmarks/seed_demo_bench.py [--scale 45] [--check] [--json out.json]

Runs ``manage.py seed_demo --reset --scale <scale>`` in a child process (the database is
emptied first: point DATABASE_URL at a throwaway database), then reports wall time, the
child's peak RSS, rows per table and, with ``--check``, the time ``check_invariants``
takes over the result. Refuses anything but PostgreSQL. Exits 1 when the seed takes
longer than the budget (10 minutes by default).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANZHOU_SCALE = 45  # 135,000 elders >= 133,700; 13,500 providers >= 6,200


def _machine() -> dict[str, object]:
    mem_kb = 0
    with open("/proc/meminfo", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_average_before": os.getloadavg(),
    }


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


def _row_counts() -> dict[str, int]:
    import django

    django.setup()
    from django.apps import apps

    counts = {}
    for label in ("regions", "organizations", "accounts", "people", "workforce", "core"):
        for model in apps.get_app_config(label).get_models():
            counts[model._meta.label] = model._default_manager.count()
    return {k: v for k, v in sorted(counts.items()) if v}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=LANZHOU_SCALE)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--budget", type=float, default=600.0, help="Seconds allowed.")
    parser.add_argument("--check", action="store_true", help="Also time check_invariants.")
    parser.add_argument("--json", type=Path, help="Write the results here as JSON.")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("DATABASE_URL must point at PostgreSQL (a throwaway database).", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DOORSTEP_ALLOW_RESET"] = "1"
    sys.path.insert(0, str(ROOT))
    manage = [sys.executable, str(ROOT / "manage.py")]
    command = [
        *manage,
        "seed_demo",
        "--reset",
        f"--scale={args.scale:g}",
        f"--seed={args.seed}",
        "--skip-checks",
    ]
    result: dict[str, object] = {
        "command": " ".join(["python", "manage.py", *command[2:]]),
        "settings": os.environ["DJANGO_SETTINGS_MODULE"],
        "git_commit": _git_commit(),
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": _machine(),
    }
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    result["seed_seconds"] = round(time.perf_counter() - started, 1)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)
    result["child_cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 1)
    result["load_average_after"] = os.getloadavg()
    if args.check:
        started = time.perf_counter()
        check = subprocess.run(
            [*manage, "check_invariants", "--skip-checks"], cwd=ROOT, capture_output=True, text=True
        )
        result["check_invariants_seconds"] = round(time.perf_counter() - started, 1)
        result["check_invariants_output"] = (check.stdout + check.stderr).strip()
        result["check_invariants_exit"] = check.returncode
    result["rows"] = _row_counts()
    text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    over = float(result["seed_seconds"]) > args.budget  # type: ignore[arg-type]
    if over:
        print(f"OVER BUDGET: {result['seed_seconds']} s > {args.budget:g} s", file=sys.stderr)
    return 1 if over or result.get("check_invariants_exit", 0) else 0


if __name__ == "__main__":
    sys.exit(main())
