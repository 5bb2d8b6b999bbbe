"""The Mankowska, Meisel & Bierwirth (2014) home health care routing and scheduling files.

Two variants are read:

* ``InstanzCPLEX_*`` (OPL data): ``nbNodes``, ``nbVehi``, ``nbServi``, ``r`` (services per
  node), ``DS`` (double-service nodes), ``a`` (nurse x service qualification), ``d``
  (distance = travel time), ``p`` (node x nurse x service processing time), ``mind``,
  ``maxd``, ``e``, ``l``. Nodes 0 and ``nbNodes - 1`` are the depot.
* ``InstanzVNS_*`` (sections): ``nbServi``, ``nbVehi``, ``nbCust``, ``nbSynch``, then
  ``e``, ``l``, ``cx``, ``cy``, ``s`` (= r), ``delta`` (mind maxd per node), ``p``
  (one line per node x nurse), ``att`` (= a). Distances are real Euclidean from the
  coordinates; the end depot is appended as the last node, so patients are numbered as
  in the OPL files.

Mapping to the shared model: one visit per patient whose tasks are its required services
in column order (two tasks = a double service; ``gap_min``/``gap_max`` = mind/maxd),
earliest start ``e`` (hard), latest start ``l`` soft at lateness cost 1; one provider
per nurse with the services it is qualified for as credentials (``"s1"``..), the
processing time per nurse as the task's per-provider duration. Objective = distance +
total lateness + max lateness (each weight 1; the paper's objective is that / 3).
Times and distances are scaled by ``SCALE`` to integers; distances are rounded *up*, so
a schedule that is consistent in integers is consistent with the real distances.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from doorstep.dispatch.solver.model import (
    Matrix,
    Objective,
    Problem,
    Provider,
    Solution,
    Task,
    Visit,
)

SCALE = 10**6
PROFILE = "car"

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


class FormatError(ValueError):
    """The file is not a readable Mankowska instance."""


def _scaled(x: float) -> int:
    v = x * SCALE
    r = round(v)
    return r if abs(v - r) < 1e-6 else math.ceil(v)


def _flat(text: str) -> list[float]:
    return [float(t) for t in re.findall(_NUM, text)]


def _parse_opl(text: str) -> dict[str, list[float]]:
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return {m.group(1): _flat(m.group(2)) for m in re.finditer(r"(\w+)\s*=\s*([^;]*);", text)}


def _parse_sections(text: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    cur: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        m = re.fullmatch(r"(\w+)\s*=\s*(" + _NUM + r")\s*;?", line)
        if m:
            out[m.group(1)] = [float(m.group(2))]
            cur = None
            continue
        if re.fullmatch(r"[A-Za-z_]\w*", line):
            cur = line
            out[cur] = []
            continue
        if cur is None:
            raise FormatError(f"numbers before any section: {line[:40]!r}")
        out[cur] += _flat(line)
    return out


def _take(sec: dict[str, list[float]], key: str, n: int) -> list[float]:
    if key not in sec:
        raise FormatError(f"missing field {key!r}")
    vals = sec[key]
    if len(vals) != n:
        raise FormatError(f"{key}: expected {n} numbers, got {len(vals)}")
    return vals


def read_raw(path: str | Path) -> dict[str, Any]:
    """The instance as plain lists: N, V, S, r, a, d (floats), p, mind, maxd, e, l."""
    text = Path(path).read_text()
    if re.search(r"\bnbCust\s*=", text):
        sec = _parse_sections(text)
        S = int(_take(sec, "nbServi", 1)[0])
        V = int(_take(sec, "nbVehi", 1)[0])
        nb = int(_take(sec, "nbCust", 1)[0]) + int(_take(sec, "nbSynch", 1)[0]) + 1
        e = _take(sec, "e", nb)
        l_ = _take(sec, "l", nb)
        cx = _take(sec, "cx", nb)
        cy = _take(sec, "cy", nb)
        rf = _take(sec, "s", nb * S)
        delta = _take(sec, "delta", nb * 2)
        pf = _take(sec, "p", nb * V * S)
        af = _take(sec, "att", V * S)
        N = nb + 1
        cx = [*cx, cx[0]]
        cy = [*cy, cy[0]]
        d = [[math.hypot(cx[i] - cx[j], cy[i] - cy[j]) for j in range(N)] for i in range(N)]
        r = [rf[i * S : (i + 1) * S] for i in range(nb)] + [rf[0:S]]
        p = [[pf[(i * V + v) * S : (i * V + v + 1) * S] for v in range(V)] for i in range(nb)]
        p.append([[0.0] * S for _ in range(V)])
        mind = [delta[2 * i] for i in range(nb)] + [0.0]
        maxd = [delta[2 * i + 1] for i in range(nb)] + [0.0]
        e = [*e, e[0]]
        l_ = [*l_, l_[0]]
        coords = list(zip(cx, cy, strict=True))
    elif re.search(r"\bnbNodes\s*=", text):
        o = _parse_opl(text)
        N = int(_take(o, "nbNodes", 1)[0])
        V = int(_take(o, "nbVehi", 1)[0])
        S = int(_take(o, "nbServi", 1)[0])
        rf = _take(o, "r", N * S)
        af = _take(o, "a", V * S)
        df = _take(o, "d", N * N)
        pf = _take(o, "p", N * V * S)
        mind = _take(o, "mind", N)
        maxd = _take(o, "maxd", N)
        e = _take(o, "e", N)
        l_ = _take(o, "l", N)
        r = [rf[i * S : (i + 1) * S] for i in range(N)]
        d = [df[i * N : (i + 1) * N] for i in range(N)]
        p = [[pf[(i * V + v) * S : (i * V + v + 1) * S] for v in range(V)] for i in range(N)]
        coords = []
    else:
        raise FormatError("neither an OPL (nbNodes=) nor a VNS (nbCust =) instance")
    a = [af[v * S : (v + 1) * S] for v in range(V)]
    return {
        "N": N, "V": V, "S": S, "r": r, "a": a, "d": d, "p": p,
        "mind": mind, "maxd": maxd, "e": e, "l": l_, "coords": coords,
    }  # fmt: skip


def load(path: str | Path) -> Problem:
    """Read an instance file into a ``Problem`` (see the module docstring)."""
    raw = read_raw(path)
    N, V, S = raw["N"], raw["V"], raw["S"]
    r, a, p = raw["r"], raw["a"], raw["p"]
    providers = tuple(
        Provider(
            id=f"nurse{v + 1}",
            start_location=0,
            end_location=N - 1,
            shift_start=_scaled(raw["e"][0]),
            credentials=frozenset(f"s{s + 1}" for s in range(S) if a[v][s]),
            ref=v,
        )
        for v in range(V)
    )
    visits = []
    for i in range(1, N - 1):
        services = [s for s in range(S) if r[i][s]]
        if len(services) not in (1, 2):
            raise FormatError(f"patient {i} requires {len(services)} services")
        tasks = []
        for s in services:
            durs = [_scaled(p[i][v][s]) for v in range(V)]
            by_prov = {} if len(set(durs)) == 1 else {f"nurse{v + 1}": durs[v] for v in range(V)}
            tasks.append(
                Task(
                    duration=durs[0],
                    credentials=frozenset({f"s{s + 1}"}),
                    duration_by_provider=by_prov,
                )
            )
        double = len(services) == 2
        visits.append(
            Visit(
                id=f"p{i}",
                location=i,
                tasks=tuple(tasks),
                earliest=_scaled(raw["e"][i]),
                latest=_scaled(raw["l"][i]),
                lateness_cost=1,
                gap_min=_scaled(raw["mind"][i]) if double else 0,
                gap_max=_scaled(raw["maxd"][i]) if double else 0,
                ref=(i, tuple(s + 1 for s in services)),
            )
        )
    dist = [[_scaled(x) for x in row] for row in raw["d"]]
    coords = tuple((float(x), float(y)) for x, y in raw["coords"])
    return Problem(
        visits=tuple(visits),
        providers=providers,
        matrices={PROFILE: Matrix(duration=dist, distance=dist)},
        objective=Objective(distance=1, lateness=1, max_lateness=1, unassigned=1),
        name=Path(path).stem,
        time_scale=SCALE,
        distance_scale=SCALE,
        coordinates=coords,
    )


def routes_of(problem: Problem, solution: Solution) -> list[list[dict[str, Any]]]:
    """Per nurse in file order: ``{"patient", "service", "start"}`` in visiting order."""
    by_id = {v.id: v for v in problem.visits}
    out: list[list[dict[str, Any]]] = []
    for prov in problem.providers:
        route = solution.route_of(prov.id)
        stops = []
        for st in route.stops if route else ():
            visit = by_id[st.visit]
            ref: tuple[int, tuple[int, ...]] = visit.ref  # type: ignore[assignment]
            patient, services = ref
            stops.append(
                {
                    "patient": patient,
                    "service": services[st.task],
                    "start": st.start / problem.time_scale,
                }
            )
        out.append(stops)
    while out and not out[-1]:
        out.pop()
    return out


def objective(problem: Problem, solution: Solution) -> float:
    """(distance + total lateness + max lateness) / 3 in the file's units."""
    c = solution.cost
    return (
        c.distance / problem.distance_scale
        + c.lateness_sum / problem.time_scale
        + c.lateness_max / problem.time_scale
    ) / 3


def result_line(
    *args: Any, seconds: float | None = None, path: str | Path | None = None
) -> dict[str, Any]:
    """The benchmark command's JSON line for one instance.

    Called as ``result_line(name, problem, solution, seconds)`` or
    ``result_line(problem, solution, seconds=..., path=...)`` (name = the file's stem).
    """
    if args and isinstance(args[0], str):
        name, problem, solution, *rest = args
    else:
        problem, solution, *rest = args
        name = Path(path).stem if path is not None else problem.name
    if rest:
        seconds = rest[0]
    return {
        "instance": name,
        "objective": round(objective(problem, solution), 6),
        "seconds": round(float(seconds or 0.0), 3),
        "routes": routes_of(problem, solution),
    }
