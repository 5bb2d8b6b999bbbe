"""Construction and large-neighbourhood search over a ``Plan``.

Units (visits: one task, or the two tasks of a double visit) are the things removed and
reinserted. A double visit is inserted as a pair of (route, position) choices on two
different providers: the best few positions of each task alone are combined and the
combinations are evaluated exactly (with the start-time coupling propagated).

Destroy: random, related (Shaw: close in place and time), worst (largest saving when
removed), route (all visits of one or two providers). Repair: regret-2 or greedy in a
random order, both with a little noise. Acceptance: simulated annealing whose
temperature falls linearly to zero over the budget; the best plan is kept.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from heapq import nsmallest
from operator import itemgetter

from doorstep.dispatch.solver.hhc.data import HARD, Data
from doorstep.dispatch.solver.hhc.plan import Plan

Progress = Callable[[float, float], None]

PAIR_K = 6  # best positions per task combined for a double visit
Q_MIN = 3  # fewest visits removed per iteration
Q_FRAC = 0.25  # most visits removed per iteration, as a share of all
Q_CAP = 40  # ... and at most this many
REGRET_P = 0.5  # share of repairs by regret insertion (the rest: greedy, random order)
TEMP = 3.0  # start temperature x (initial cost / visits)
T_END = 0.01  # >0: temperature falls geometrically to TEMP x T_END; 0: linearly to 0


# ---------------------------------------------------------------------- insertion


def _single_options(p: Plan, j: int) -> list[tuple[int, int, int]]:
    """All feasible (delta, route, index) for job ``j`` alone, unsorted."""
    out = []
    routes = p.routes
    ev = p.insert_one
    for r in p.d.allowed[j]:
        for k in range(len(routes[r]) + 1):
            dl = ev(j, r, k)
            if dl is not None:
                out.append((dl, r, k))
    return out


def _bounds(p: Plan, j: int, r: int) -> list[tuple[int, int]]:
    """(lower bound of the cost change, position) of job ``j`` on route ``r``, sorted.

    The bound is the detour, plus the job's own lateness when it starts right after its
    predecessor's current end plus the travel, plus the lateness it adds to the next
    task by pushing it to at least its own end plus the travel (an insertion only
    delays). The continuity bonus is subtracted by the callers."""
    d = p.d
    seq = p.routes[r]
    n = len(seq)
    a = d.arc[r]
    node = d.node
    nj = node[j]
    prev = d.start_node[r]
    end = d.end_node[r]
    start = p.start
    dv = d.dur[r]
    tm = d.travel[r]
    ej = d.earliest[j]
    sd = d.soft_due[j]
    hd = d.hard_due[j]
    lw = d.late_w[j]
    tdep = d.shift_start[r]
    dj = dv[j]
    late_w = d.late_w
    soft_due = d.soft_due
    hard_due = d.hard_due
    lbs = []
    for k in range(n + 1):
        nx = node[seq[k]] if k < n else end
        lb = a[prev][nj] + a[nj][nx] - a[prev][nx] if n else a[prev][nj] + a[nj][nx]
        ts = tdep + tm[prev][nj]
        if ts < ej:
            ts = ej
        if ts > sd and lw:
            lb += lw * (ts - sd)
        if ts > hd:
            lb += HARD * (ts - hd)
        if k < n:
            # the next task is pushed to at least the end of j plus the travel
            pj = seq[k]
            arr = ts + dj + tm[nj][nx]
            cur = start[pj]
            if arr > cur:
                if late_w[pj] and arr > soft_due[pj]:
                    lb += late_w[pj] * (arr - (cur if cur > soft_due[pj] else soft_due[pj]))
                if arr > hard_due[pj]:
                    lb += HARD * (arr - (cur if cur > hard_due[pj] else hard_due[pj]))
            tdep = cur + dv[pj]
        lbs.append((lb, k))
        prev = nx
    lbs.sort()
    return lbs


def _single_options_route(
    p: Plan, j: int, r: int, lbs: list[tuple[int, int]] | None = None
) -> list[tuple[int, int, int]]:
    """The best two options of job ``j`` on route ``r`` (k = -1 - k: approximate).

    Positions are tried by increasing lower bound (``_bounds``) until the bound exceeds
    the second best found.
    """
    if lbs is None:
        lbs = _bounds(p, j, r)
    bonus = p.d.bonus[r][j]
    ev = p.insert_one
    b1: tuple[int, int, int] | None = None
    b2: tuple[int, int, int] | None = None
    for lb, k in lbs:
        if b2 is not None and lb - bonus >= b2[0]:
            break
        dl = ev(j, r, k)
        if dl is None:
            continue
        o = (dl, r, -1 - k if p.approx else k)
        if b1 is None or o < b1:
            b1, b2 = o, b1
        elif b2 is None or o < b2:
            b2 = o
    return [o for o in (b1, b2) if o is not None]


def _exact(p: Plan, j: int, opts: list[tuple[int, int, int]], m: int) -> list[tuple[int, int, int]]:
    """The best ``m`` options of job ``j``, re-evaluated exactly where needed, sorted."""
    top = sorted(opts)[:m]
    out = []
    for dl, r, k in top:
        if k < 0:
            k = -1 - k
            dx = p.insert_delta([(j, r, k)])
            if dx is None:
                continue
            dl = dx
        out.append((dl, r, k))
    out.sort()
    return out


def _best_pair(
    p: Plan, a: int, b: int, opts_a: list[tuple[int, int, int]], opts_b: list[tuple[int, int, int]]
) -> list[tuple[int, int, int, int, int]]:
    """Exactly evaluated pair options (delta, ra, ka, rb, kb), best first (a few)."""
    ca = sorted(opts_a)[:PAIR_K]
    cb = sorted(opts_b)[:PAIR_K]
    # make sure a different-route combination exists
    if ca and cb and all(x[1] == y[1] for x in ca for y in cb):
        ra = ca[0][1]
        cb += sorted(o for o in opts_b if o[1] != ra)[:2]
        rb = cb[0][1]
        ca += sorted(o for o in opts_a if o[1] != rb)[:2]
    ca = [(dl, r, k if k >= 0 else -1 - k) for dl, r, k in ca]
    cb = [(dl, r, k if k >= 0 else -1 - k) for dl, r, k in cb]
    combos = sorted(
        (xa[0] + xb[0], xa[1], xa[2], xb[1], xb[2]) for xa in ca for xb in cb if xa[1] != xb[1]
    )
    out: list[tuple[int, int, int, int, int]] = []
    ev = p.insert_delta
    for lb, ra, ka, rb, kb in combos:
        # the pair costs at least about the sum of its parts: stop when that exceeds
        # the second best found (the regret needs two)
        if len(out) >= 2 and lb > out[1][0]:
            break
        dl = ev([(a, ra, ka), (b, rb, kb)])
        if dl is not None:
            out.append((dl, ra, ka, rb, kb))
            out.sort()
    return out


class Inserter:
    """Regret / greedy insertion with a per-route cache of single-task options."""

    def __init__(self, p: Plan, rng: random.Random, noise: float) -> None:
        self.p = p
        self.rng = rng
        self.noise = noise
        # cache[j][r] = options of job j on route r
        self.cache: dict[int, dict[int, list[tuple[int, int, int]]]] = {}
        # bounds[j][r] = _bounds(p, j, r) while route r is unchanged
        self.bounds: dict[int, dict[int, list[tuple[int, int]]]] = {}

    def _opts(self, j: int) -> list[tuple[int, int, int]]:
        c = self.cache.get(j)
        if c is None:
            c = {}
            self.cache[j] = c
        out: list[tuple[int, int, int]] = []
        pending: list[int] = []
        for r in self.p.d.allowed[j]:
            o = c.get(r)
            if o is None:
                pending.append(r)
            else:
                out += o
        if not pending:
            return out
        p = self.p
        if p.d.partner[j] >= 0:  # pairs combine several options per task: no pruning
            for r in pending:
                o = _single_options_route(p, j, r)
                c[r] = o
                out += o
            return out
        # Routes in order of their best bound; a route whose bound is not below the
        # second-best route found so far can change neither the best option nor the
        # regret (the best on another route), so it is not evaluated (nor cached).
        best_of: dict[int, int] = {}
        for dl, r, k in out:
            if k >= 0 and (r not in best_of or dl < best_of[r]):
                best_of[r] = dl
        bonus = p.d.bonus
        bc = self.bounds.get(j)
        if bc is None:
            bc = {}
            self.bounds[j] = bc
        ranked = []
        for r in pending:
            lbs = bc.get(r)
            if lbs is None:
                lbs = _bounds(p, j, r)
                bc[r] = lbs
            ranked.append((lbs[0][0] - bonus[r][j], r, lbs))
        ranked.sort(key=itemgetter(0, 1))
        second = nsmallest(2, best_of.values())[1] if len(best_of) >= 2 else None
        for lb, r, lbs in ranked:
            if second is not None and lb >= second:
                break
            o = _single_options_route(p, j, r, lbs)
            c[r] = o
            out += o
            changed = False
            for dl, r2, k in o:
                if k >= 0 and (r2 not in best_of or dl < best_of[r2]):
                    best_of[r2] = dl
                    changed = True
            if changed and len(best_of) >= 2:
                second = nsmallest(2, best_of.values())[1]
        return out

    def invalidate(self, routes: set[int]) -> None:
        for c in self.cache.values():
            for r in routes:
                c.pop(r, None)
        for b in self.bounds.values():
            for r in routes:
                b.pop(r, None)

    def choices(self, u: int) -> tuple[float, float, list[tuple[int, int, int]] | None]:
        """(best delta, regret, insertion) for unit ``u``; insertion None: impossible or
        dearer than leaving the (optional) visit out."""
        dl, rg, ins = self._choices(u)
        if ins is not None and dl >= self.p.d.miss_cost[u]:
            return math.inf, 0.0, None
        return dl, rg, ins

    def _choices(self, u: int) -> tuple[float, float, list[tuple[int, int, int]] | None]:
        jobs = self.p.d.units[u]
        if len(jobs) == 1:
            j = jobs[0]
            opts = self._opts(j)
            if not opts:
                return math.inf, 0.0, None
            ex = _exact(self.p, j, opts, 3)
            if not ex:
                return math.inf, 0.0, None
            top = ex[0]
            # regret: the best option on another route
            second = min((o[0] for o in opts if o[1] != top[1]), default=None)
            regret = (second - top[0]) if second is not None else 1e12
            return top[0], regret, [(j, top[1], top[2])]
        a, b = jobs
        pairs = _best_pair(self.p, a, b, self._opts(a), self._opts(b))
        if not pairs:
            return math.inf, 0.0, None
        dl, ra, ka, rb, kb = pairs[0]
        regret = 1e12
        for x in pairs[1:]:
            if (x[1], x[3]) != (ra, rb):
                regret = x[0] - dl
                break
        return dl, regret, [(a, ra, ka), (b, rb, kb)]

    def insert_all(self, units: list[int], regret: bool) -> list[int]:
        """Insert ``units``; return those that could not be placed."""
        rng = self.rng
        failed: list[int] = []
        pending = list(units)
        if not regret:
            rng.shuffle(pending)
            for u in pending:
                dl, _rg, ins = self.choices(u)
                if ins is None:
                    failed.append(u)
                    continue
                self._commit(ins)
            return failed
        while pending:
            best_key = None
            best_u = -1
            best_ins = None
            for u in pending:
                dl, rg, ins = self.choices(u)
                if ins is None:
                    key = (-math.inf, 0.0)
                else:
                    nz = 1.0 + self.noise * (rng.random() - 0.5) if self.noise else 1.0
                    key = (-rg * nz, dl)
                if best_key is None or key < best_key:
                    best_key, best_u, best_ins = key, u, ins
            pending.remove(best_u)
            if best_ins is None:
                failed.append(best_u)
                continue
            self._commit(best_ins)
        return failed

    def _commit(self, ins: list[tuple[int, int, int]]) -> None:
        p = self.p
        p.insert_delta(ins, commit=True)
        self.invalidate(p.touched)
        for j, _, _ in ins:
            self.cache.pop(j, None)
            self.bounds.pop(j, None)


# ---------------------------------------------------------------------- destroy


def _assigned_units(p: Plan) -> list[int]:
    return [u for u in range(len(p.d.units)) if u not in p.unassigned]


def destroy_random(p: Plan, q: int, rng: random.Random) -> list[int]:
    units = _assigned_units(p)
    return rng.sample(units, min(q, len(units)))


def destroy_related(p: Plan, q: int, rng: random.Random) -> list[int]:
    d = p.d
    units = _assigned_units(p)
    if not units:
        return []
    seed = rng.choice(units)
    j0 = d.units[seed][0]
    n0 = d.node[j0]
    t0 = p.start[j0]
    r0 = d.arc[p.where[j0]]

    def rel(u: int) -> float:
        j = d.units[u][0]
        return r0[n0][d.node[j]] + abs(p.start[j] - t0)

    ranked = sorted(units, key=rel)
    out: list[int] = []
    while ranked and len(out) < q:
        i = int(len(ranked) * rng.random() ** 5)
        out.append(ranked.pop(i))
    return out


def destroy_worst(p: Plan, q: int, rng: random.Random) -> list[int]:
    d = p.d
    units = _assigned_units(p)
    node = d.node

    def saving(u: int) -> float:
        s = 0.0
        for j in d.units[u]:
            r = p.where[j]
            seq = p.routes[r]
            k = p.pos[j]
            a = d.arc[r]
            prv = node[seq[k - 1]] if k > 0 else d.start_node[r]
            nxt = node[seq[k + 1]] if k + 1 < len(seq) else d.end_node[r]
            s += a[prv][node[j]] + a[node[j]][nxt] - a[prv][nxt]
            late = p.start[j] - d.soft_due[j]
            if late > 0:
                s += d.late_w[j] * late
        return s

    ranked = sorted(units, key=saving, reverse=True)
    out: list[int] = []
    while ranked and len(out) < q:
        i = int(len(ranked) * rng.random() ** 4)
        out.append(ranked.pop(i))
    return out


def destroy_routes(p: Plan, q: int, rng: random.Random) -> list[int]:
    d = p.d
    used = [r for r in range(d.n_providers) if p.routes[r]]
    if not used:
        return []
    out: list[int] = []
    seen: set[int] = set()
    rng.shuffle(used)
    for r in used:
        for j in p.routes[r]:
            u = d.unit_of[j]
            if u not in seen:
                seen.add(u)
                out.append(u)
        if len(out) >= q:
            break
    return out


def destroy_late(p: Plan, q: int, rng: random.Random) -> list[int]:
    d = p.d
    late = [
        d.unit_of[j]
        for j in range(d.n_jobs)
        if p.where[j] >= 0 and p.start[j] > d.soft_due[j] and d.late_w[j]
    ]
    if not late:
        return destroy_related(p, q, rng)
    seed = set(rng.sample(late, min(len(late), max(1, q // 2))))
    out = list(seed)
    # plus visits close to them
    rest = [u for u in _assigned_units(p) if u not in seed]
    if rest and len(out) < q:
        j0 = d.units[out[0]][0]
        r0 = d.arc[p.where[j0]]
        rest.sort(key=lambda u: r0[d.node[j0]][d.node[d.units[u][0]]])
        while rest and len(out) < q:
            i = int(len(rest) * rng.random() ** 4)
            out.append(rest.pop(i))
    return out


DESTROY = (destroy_random, destroy_related, destroy_worst, destroy_routes, destroy_late)
DESTROY_W = (2.0, 4.0, 2.0, 1.0, 1.0)


# ---------------------------------------------------------------------- driver


def construct(p: Plan, rng: random.Random) -> None:
    d = p.d
    ins = Inserter(p, rng, noise=0.0)
    units = sorted(p.unassigned, key=lambda u: (d.earliest[d.units[u][0]], u))
    for u in units:
        _dl, _rg, choice = ins.choices(u)
        if choice is not None:
            ins._commit(choice)
    p.rebuild()


def search(
    d: Data,
    *,
    time_limit: float,
    seed: int,
    progress: Progress | None = None,
    initial: list[list[int]] | None = None,
    max_iterations: int | None = None,
    scale: float = 1.0,
) -> tuple[Plan, int]:
    """Return the best plan found and the number of iterations run."""
    t_begin = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - a reproducible search, not secrets
    p = Plan(d)
    if initial:
        for r, seq in enumerate(initial):
            p.routes[r] = list(seq)
            for j in seq:
                p.unassigned.discard(d.unit_of[j])
        if not p.rebuild():
            p = Plan(d)
    construct(p, rng)
    best = p.copy()
    best_cost = best.cost()
    cur_cost = best_cost
    n_units = len(d.units)
    if n_units == 0:
        return best, 0
    q_min = min(n_units, Q_MIN)
    q_max = max(q_min, min(n_units, max(6, int(Q_FRAC * n_units)), Q_CAP))
    t0 = TEMP * abs(best_cost) / max(1, n_units) + 1.0
    it = 0
    last_report = 0.0
    while True:
        if max_iterations is not None:
            if it >= max_iterations:
                break
            frac = it / max_iterations
        else:
            frac = (time.perf_counter() - t_begin) / time_limit if time_limit > 0 else 1.0
        if max_iterations is None and frac >= 1.0:
            break
        if max_iterations is not None and time.perf_counter() - t_begin > time_limit:
            break
        it += 1
        temp = t0 * (T_END**frac) if T_END > 0 else t0 * (1.0 - frac)
        q = rng.randint(q_min, q_max)
        op = rng.choices(DESTROY, weights=DESTROY_W)[0]
        cand = p.copy()
        removed = op(cand, q, rng)
        cand.remove_units(removed)
        ins = Inserter(cand, rng, noise=0.2)
        ins.insert_all(removed, regret=rng.random() < REGRET_P)
        cand.rebuild()
        c = cand.cost()
        if c < cur_cost or (temp > 0 and rng.random() < math.exp(-(c - cur_cost) / temp)):
            p = cand
            cur_cost = c
            if c < best_cost:
                best = cand.copy()
                best_cost = c
        if progress is not None:
            now = time.perf_counter()
            if now - last_report >= 0.25:
                last_report = now
                progress(min(frac, 1.0), best_cost / scale)
    if progress is not None:
        progress(1.0, best_cost / scale)
    return best, it
