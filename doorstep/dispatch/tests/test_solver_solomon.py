"""Solomon parsing (DIMACS integer tenths), the benchmark command, and the engine's
hand-off to the home-care layer."""

from __future__ import annotations

import json
import math
import sys
import types
from pathlib import Path

import pytest

from doorstep.dispatch import bench
from doorstep.dispatch.solver import engine, solomon
from doorstep.dispatch.solver.model import Provider, single_visit
from doorstep.dispatch.tests.solver_fixtures import line_problem

DATA = Path(__file__).parent / "data"

# Five customers on the x axis east of the depot (10 apart), demand 10 each; three
# vehicles of capacity 50: one vehicle out to 50 and back serves all for 100.0.
TINY = """TINY5

VEHICLE
NUMBER     CAPACITY
  3          50

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0         0          0          0          0       1000          0
    1        10          0         10          0       1000         10
    2        20          0         10          0       1000         10
    3        30          0         10          0       1000         10
    4        40          0         10          0       1000         10
    5        50          0         10          0       1000         10
"""


def test_c101_is_read_in_integer_tenths():
    problem = solomon.load(DATA / "C101.txt")
    assert problem.name == "C101"
    assert (len(problem.visits), len(problem.providers)) == (100, 25)
    assert {p.capacity for p in problem.providers} == {200}
    depot = problem.providers[0]
    assert (depot.shift_start, depot.shift_end) == (0, 12360)
    first = problem.visits[0]
    assert (first.id, first.ref, first.demand) == ("1", 1, 10)
    assert (first.earliest, first.latest, first.tasks[0].duration) == (9120, 9670, 900)
    # depot (40, 50) to customer 1 (45, 68): sqrt(25 + 324) = 18.68.. -> 186 tenths
    m = problem.matrices["euclid"]
    assert m.distance[0][1] == m.duration[0][1] == 186
    assert (problem.time_scale, problem.distance_scale) == (10, 10)


def test_arc_truncates_to_tenths_exactly():
    assert solomon.arc_tenths(0, 0, 3, 4) == 50
    assert solomon.arc_tenths(0, 0, 1, 1) == 14  # 1.414.. -> 1.4
    assert solomon.arc_tenths(0.5, 0, 0, 0) == math.floor(5.0)


def test_bad_files_are_refused():
    with pytest.raises(solomon.SolomonFormatError, match="NUMBER"):
        solomon.parse("X\nCUSTOMER\n0 0 0 0 0 10 0\n")
    with pytest.raises(solomon.SolomonFormatError, match="run 0, 1, 2"):
        solomon.parse(TINY.replace("    2        20", "    7        20"))


def test_bench_prints_one_dimacs_line_per_file(tmp_path, capsys):
    """One vehicle going out to 50 and back serves all five: distance 100.0."""
    path = tmp_path / "tiny5.txt"
    path.write_text(TINY)
    assert bench.main(["--format", "solomon", "--time-limit", "0.3", "--seed", "4", str(path)]) == 0
    line = json.loads(capsys.readouterr().out.strip())
    assert line["instance"] == "tiny5"
    assert line["distance"] == 100.0
    assert line["vehicles"] == 1
    assert sorted(line["routes"][0]) == [1, 2, 3, 4, 5]
    assert line["routes"][0] in ([1, 2, 3, 4, 5], [5, 4, 3, 2, 1])
    assert line["feasible"] is True
    assert 0 <= line["seconds"] < 5


def test_bench_respects_the_fleet_and_capacity(tmp_path, capsys):
    """Capacity 20 and three vehicles for five customers of 10: every vehicle is needed;
    the best split pairs from the far end: {4, 5} 100 + {2, 3} 60 + {1} 20 = 180."""
    path = tmp_path / "cap.txt"
    path.write_text(TINY.replace("  3          50", "  3          20"))
    bench.main(["--format", "solomon", "--time-limit", "0.5", "--seed", "1", str(path)])
    line = json.loads(capsys.readouterr().out.strip())
    assert line["vehicles"] == 3
    assert line["distance"] == 180.0
    assert sorted(sorted(r) for r in line["routes"]) == [[1], [2, 3], [4, 5]]


def test_bench_refuses_a_missing_file(capsys):
    with pytest.raises(SystemExit) as exc:
        bench.main(["--format", "solomon", "--time-limit", "1", "/nonexistent/x.txt"])
    assert exc.value.code == 2
    assert "no such file" in capsys.readouterr().err


def _soft_problem():
    return line_problem(
        [0, 10], [single_visit("v", 1, 5, latest=3, lateness_cost=1)], [Provider("A", 0, 0)]
    )


def test_engine_hands_home_care_problems_to_the_hhc_layer(monkeypatch):
    calls = []

    def solve_hhc(problem, *, time_limit, seed, progress, initial):
        calls.append((problem, time_limit, seed, progress, initial))
        return "the hhc plan"

    fake = types.ModuleType("doorstep.dispatch.solver.hhc")
    fake.solve_hhc = solve_hhc  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "doorstep.dispatch.solver.hhc", fake)
    problem = _soft_problem()
    result = engine.solve(problem, time_limit=2.5, seed=9)
    assert result == "the hhc plan"
    assert calls == [(problem, 2.5, 9, None, None)]


def test_engine_says_clearly_when_the_hhc_layer_is_missing(monkeypatch):
    real = engine.importlib.import_module

    def missing(name, *args):
        if name == "doorstep.dispatch.solver.hhc":
            raise ModuleNotFoundError(name=name)
        return real(name, *args)

    monkeypatch.delitem(sys.modules, "doorstep.dispatch.solver.hhc", raising=False)
    monkeypatch.setattr(engine.importlib, "import_module", missing)
    with pytest.raises(engine.SolverUnavailable, match="soft lateness"):
        engine.solve(_soft_problem(), time_limit=1, seed=1)


def test_engine_with_nothing_to_plan_returns_an_empty_plan():
    problem = line_problem([0, 10], [single_visit("v", 1, 5)], [])
    solution = engine.solve(problem, time_limit=1, seed=1)
    assert solution.routes == ()
    assert solution.unassigned == ("v",)
    assert not solution.feasible


def test_solver_package_and_bench_import_no_django():
    """The pure core: importing every solver module and the bench loads no Django."""
    import subprocess

    code = (
        "import sys, pkgutil, importlib\n"
        "import doorstep.dispatch.solver as s, doorstep.dispatch.bench\n"
        "for m in pkgutil.walk_packages(s.__path__, 'doorstep.dispatch.solver.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'django'\n"
        "             or (m.startswith('doorstep.') and not m.startswith('doorstep.dispatch')))\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
        env={"PATH": "/usr/bin:/bin"},
    )
    assert out.stdout.strip() == "[]"
