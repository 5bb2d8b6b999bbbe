"""Tiny hand-checkable problems: places on a straight line, travel = |x_i - x_j|."""

from __future__ import annotations

from collections.abc import Sequence

from doorstep.dispatch.solver.model import Matrix, Objective, Problem, Provider, Visit


def line_matrix(xs: Sequence[int]) -> Matrix:
    rows = [[abs(a - b) for b in xs] for a in xs]
    return Matrix(duration=rows, distance=rows)


def line_problem(
    xs: Sequence[int],
    visits: Sequence[Visit],
    providers: Sequence[Provider],
    objective: Objective | None = None,
) -> Problem:
    """Location k is at position ``xs[k]`` on a line; profile "car"."""
    return Problem(
        visits=tuple(visits),
        providers=tuple(providers),
        matrices={"car": line_matrix(xs)},
        objective=objective or Objective(),
    )


def routes(solution: object) -> dict[str, list[str]]:
    """provider id -> visit ids in order (providers who work only)."""
    return {r.provider: [s.visit for s in r.stops] for r in solution.routes}  # type: ignore[attr-defined]
