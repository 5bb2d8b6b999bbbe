"""Benchmark command: solve instance files with the engine, one JSON line per instance.

    python -m doorstep.dispatch.bench --format solomon|hhcrsp --time-limit SECONDS \
        --seed N FILE...

Solomon lines: ``{"instance", "vehicles", "distance", "seconds", "routes"}`` with the
DIMACS distance (each arc truncated to one decimal) and routes as customer numbers in
visiting order. Mankowska (hhcrsp) lines come from ``solver.mankowska.result_line``.
Both go through ``engine.solve``. Needs no Django settings.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from doorstep.dispatch.solver import engine, solomon
from doorstep.dispatch.solver.model import Problem, Solution


def solomon_line(
    path: Path, problem: Problem, solution: Solution, seconds: float
) -> dict[str, Any]:
    ref = {v.id: v.ref for v in problem.visits}
    routes = [[ref[s.visit] for s in r.stops] for r in solution.routes if r.stops]
    return {
        "instance": path.stem,
        "vehicles": len(routes),
        "distance": round(solution.cost.distance / problem.distance_scale, 1),
        "seconds": round(seconds, 2),
        "routes": routes,
        "feasible": solution.feasible and not solution.unassigned,
    }


def run(fmt: str, files: Sequence[str], *, time_limit: float, seed: int) -> list[dict[str, Any]]:
    lines = []
    for name in files:
        path = Path(name)
        if fmt == "solomon":
            problem = solomon.load(path)
            started = time.perf_counter()
            solution = engine.solve(problem, time_limit=time_limit, seed=seed)
            line = solomon_line(path, problem, solution, time.perf_counter() - started)
        else:
            mankowska: Any = importlib.import_module("doorstep.dispatch.solver.mankowska")
            problem = mankowska.load(path)
            started = time.perf_counter()
            solution = engine.solve(problem, time_limit=time_limit, seed=seed)
            line = mankowska.result_line(
                problem, solution, seconds=time.perf_counter() - started, path=path
            )
        print(json.dumps(line), flush=True)
        lines.append(line)
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m doorstep.dispatch.bench", description=__doc__)
    parser.add_argument("--format", choices=("solomon", "hhcrsp"), required=True)
    parser.add_argument("--time-limit", type=float, required=True, help="seconds per instance")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args(argv)
    if args.time_limit < 0:
        parser.error("--time-limit must not be negative")
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        parser.error("no such file: " + ", ".join(missing))
    run(args.format, args.files, time_limit=args.time_limit, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
