"""Solomon VRPTW text files -> ``Problem`` under the DIMACS convention.

File: a name line, ``VEHICLE`` / ``NUMBER CAPACITY`` / two integers, ``CUSTOMER``, a
header, then one row per node: number, x, y, demand, ready time, due date, service
time; node 0 is the depot.

DIMACS convention: every arc is the Euclidean distance truncated to one decimal,
floor(10 d) / 10, and travel time equals that length. Everything is kept in integer
tenths (``time_scale = distance_scale = 10``), so the arc is exactly floor(10 d) and
times are the file's values x 10. Vehicles leave the depot at its ready time and must
be back by its due date; service starts by each customer's due date (hard windows);
at most NUMBER vehicles; objective = total distance.

Visit ids are the customer numbers as strings; ``Visit.ref`` is the number (int).
"""

from __future__ import annotations

import math
from pathlib import Path

from doorstep.dispatch.solver.model import Matrix, Objective, Problem, Provider, Task, Visit

SCALE = 10


class SolomonFormatError(ValueError):
    """The text is not a Solomon instance."""


def _tenths(value: str) -> int:
    number = float(value) * SCALE
    rounded = round(number)
    if abs(number - rounded) > 1e-6:
        raise SolomonFormatError(f"{value} is not a multiple of 0.1")
    return rounded


def arc_tenths(x1: float, y1: float, x2: float, y2: float) -> int:
    """floor(10 x Euclidean distance), exact for integer coordinates."""
    dx, dy = x1 - x2, y1 - y2
    if float(dx).is_integer() and float(dy).is_integer():
        return math.isqrt(int(100 * (dx * dx + dy * dy)))
    return math.floor(SCALE * math.hypot(dx, dy) + 1e-9)


def parse(text: str, *, name: str = "") -> Problem:
    lines = [line.split() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise SolomonFormatError("empty file")
    title = name or lines[0][0]
    vehicles = capacity = None
    rows: list[list[str]] = []
    for i, tokens in enumerate(lines):
        if tokens[0].upper() == "NUMBER" and i + 1 < len(lines):
            vehicles, capacity = int(lines[i + 1][0]), int(lines[i + 1][1])
        if len(tokens) == 7 and all(_is_number(t) for t in tokens):
            rows.append(tokens)
    if vehicles is None or capacity is None:
        raise SolomonFormatError("no VEHICLE NUMBER / CAPACITY")
    if not rows or int(float(rows[0][0])) != 0:
        raise SolomonFormatError("no depot row (customer 0)")
    numbers = [int(float(r[0])) for r in rows]
    if numbers != list(range(len(rows))):
        raise SolomonFormatError("customer numbers must run 0, 1, 2, ... in order")

    xy = [(float(r[1]), float(r[2])) for r in rows]
    n = len(rows)
    arcs = [[arc_tenths(*xy[i], *xy[j]) for j in range(n)] for i in range(n)]
    matrix = Matrix(duration=arcs, distance=arcs)

    depot = rows[0]
    providers = tuple(
        Provider(
            id=f"vehicle-{k + 1}",
            start_location=0,
            end_location=0,
            shift_start=_tenths(depot[4]),
            shift_end=_tenths(depot[5]),
            capacity=capacity,
            profile="euclid",
        )
        for k in range(vehicles)
    )
    visits = tuple(
        Visit(
            id=str(c),
            location=c,
            tasks=(Task(duration=_tenths(rows[c][6])),),
            earliest=_tenths(rows[c][4]),
            latest=_tenths(rows[c][5]),
            demand=int(float(rows[c][3])),
            ref=c,
        )
        for c in range(1, n)
    )
    return Problem(
        visits=visits,
        providers=providers,
        matrices={"euclid": matrix},
        objective=Objective(distance=1, travel_time=0, lateness=0, unassigned=0),
        name=title,
        time_scale=SCALE,
        distance_scale=SCALE,
        coordinates=tuple(xy),
    )


def load(path: str | Path) -> Problem:
    p = Path(path)
    return parse(p.read_text(encoding="utf-8"), name="")


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True
