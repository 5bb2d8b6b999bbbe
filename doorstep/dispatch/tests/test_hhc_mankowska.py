"""The Mankowska et al. (2014) files: parsing both variants, and a solved instance whose
result line passes the benchmark checker's rules (re-implemented here: CI has no
``shared/`` directory)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from doorstep.dispatch.solver import mankowska
from doorstep.dispatch.solver.hhc import solve_hhc

DATA = Path(__file__).parent / "data"
OPL = DATA / "InstanzCPLEX_HCSRP_10_1.txt"
VNS = DATA / "tiny_vns_hcsrp.txt"
S = mankowska.SCALE


def test_opl_file_maps_to_visits_providers_and_scaled_matrix():
    problem = mankowska.load(OPL)
    assert problem.name == "InstanzCPLEX_HCSRP_10_1"
    assert [v.id for v in problem.visits] == [f"p{i}" for i in range(1, 11)]
    assert [p.id for p in problem.providers] == ["nurse1", "nurse2", "nurse3"]
    assert problem.providers[1].credentials == frozenset({"s5", "s6"})
    assert all(p.start_location == 0 and p.end_location == 11 for p in problem.providers)
    p9 = problem.visits[8]
    assert p9.ref == (9, (1, 4))
    assert [t.credentials for t in p9.tasks] == [frozenset({"s1"}), frozenset({"s4"})]
    assert (p9.gap_min, p9.gap_max) == (51 * S, 102 * S)
    assert (p9.earliest, p9.latest, p9.lateness_cost) == (298 * S, 418 * S, 1)
    assert p9.tasks[0].duration == 14 * S
    p8 = problem.visits[7]  # simultaneous double service (mind = maxd = 0)
    assert (p8.ref, p8.gap_min, p8.gap_max) == ((8, (5, 6)), 0, 0)
    m = problem.matrices[mankowska.PROFILE]
    assert m.distance[0][1] == 38_470_768
    assert m.duration[10][8] == 99_161_480
    assert problem.objective.distance == problem.objective.lateness == 1
    assert problem.objective.max_lateness == 1


def test_vns_file_uses_euclidean_distance_rounded_up_and_appends_end_depot():
    problem = mankowska.load(VNS)
    assert [v.id for v in problem.visits] == ["p1", "p2", "p3"]
    m = problem.matrices[mankowska.PROFILE]
    assert m.size == 5  # depot, 3 patients, end depot
    assert m.distance[0][1] == 5 * S  # (0,0)-(3,4)
    assert m.distance[1][2] == math.ceil(math.hypot(3, 1) * S)
    assert m.distance[4][3] == 10 * S  # the end depot is the start depot
    p3 = problem.visits[2]
    assert p3.ref == (3, (1, 2))
    assert (p3.gap_min, p3.gap_max) == (5 * S, 9 * S)
    # p: one line per node x nurse, the nurse's own processing time per service
    assert p3.tasks[0].duration_by_provider == {"nurse1": 4 * S, "nurse2": 5 * S}
    assert p3.tasks[1].duration == 6 * S
    assert not p3.tasks[1].duration_by_provider
    assert problem.providers[0].credentials == frozenset({"s1"})
    assert problem.providers[1].credentials == frozenset({"s1", "s2"})


def test_unreadable_file_is_refused(tmp_path):
    bad = tmp_path / "x.txt"
    bad.write_text("hello\n")
    with pytest.raises(mankowska.FormatError):
        mankowska.load(bad)


def _check(raw, routes):
    """Feasibility and objective as the benchmark checker computes them."""
    d, p, e, l_ = raw["d"], raw["p"], raw["e"], raw["l"]
    n = raw["N"]
    served = {}
    dist = 0.0
    for v, route in enumerate(routes):
        prev, prev_end = 0, e[0]
        for vis in route:
            i, s, t = vis["patient"], vis["service"] - 1, vis["start"]
            assert raw["r"][i][s] == 1
            assert raw["a"][v][s] == 1
            assert (i, s) not in served
            assert t >= e[i] - 1e-6
            assert t >= prev_end + d[prev][i] - 1e-6
            dist += d[prev][i]
            served[(i, s)] = (v, t)
            prev, prev_end = i, t + p[i][v][s]
        if route:
            dist += d[prev][n - 1]
    need = {(i, s) for i in range(1, n - 1) for s in range(raw["S"]) if raw["r"][i][s]}
    assert set(served) == need
    for i in range(1, n - 1):
        ss = [s for s in range(raw["S"]) if raw["r"][i][s]]
        if len(ss) == 2:
            (v1, t1), (v2, t2) = served[(i, ss[0])], served[(i, ss[1])]
            assert v1 != v2
            assert raw["mind"][i] - 1e-6 <= t2 - t1 <= raw["maxd"][i] + 1e-6
    tard = [max(0.0, t - l_[i]) for (i, _s), (_v, t) in served.items()]
    return (dist + sum(tard) + max(tard)) / 3


def test_solved_instance_line_is_feasible_and_reaches_the_known_optimum():
    """ins10-1: the paper's CPLEX optimum is 218.2 (rounded); fixed seed and budget."""
    problem = mankowska.load(OPL)
    solution = solve_hhc(problem, time_limit=60, seed=3, max_iterations=100)
    line = mankowska.result_line("InstanzCPLEX_HCSRP_10_1", problem, solution, 1.5)
    assert line["instance"] == "InstanzCPLEX_HCSRP_10_1"
    assert line["seconds"] == 1.5
    assert len(line["routes"]) == 3
    recomputed = _check(mankowska.read_raw(OPL), line["routes"])
    assert recomputed == pytest.approx(line["objective"], abs=1e-4)
    assert line["objective"] == pytest.approx(218.19855, abs=1e-4)


def test_result_line_accepts_the_bench_command_call():
    problem = mankowska.load(VNS)
    solution = solve_hhc(problem, time_limit=60, seed=1, max_iterations=20)
    line = mankowska.result_line(problem, solution, seconds=0.25, path=VNS)
    assert line["instance"] == "tiny_vns_hcsrp"
    assert line["seconds"] == 0.25
    recomputed = _check(mankowska.read_raw(VNS), line["routes"])
    assert recomputed == pytest.approx(line["objective"], abs=1e-4)
    # patient 3 needs both nurses (nurse 1 alone can do service 1 only)
    by_patient = {(v["patient"], v["service"]): n for n, r in enumerate(line["routes"]) for v in r}
    assert by_patient[(3, 2)] == 1
    assert by_patient[(3, 1)] == 0
