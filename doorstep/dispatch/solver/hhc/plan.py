"""A plan under search: routes, earliest start times and their cost, kept incrementally.

Start times are the *earliest* schedule: along a route a task starts at
``max(earliest, departure from the previous task + travel, partner start + sync)``.
Lateness is a cost that never decreases when a start moves later, so the earliest
schedule (the least solution of the difference constraints) is the optimal one for the
given sequences. The two tasks of a double visit sit on two routes, so a delay on one
route can move a partner on another route, which can move its successors, and so on;
``_propagate`` follows these pushes with a work list and declares the plan infeasible
when the pushes do not settle (a cycle of synchronised visits waiting for each other).

Inserting tasks only delays starts, so an insertion is evaluated by pushing from the
insertion points over an overlay (``ov``) without touching the plan, and stopping on a
route as soon as a start is unchanged. Removals can make starts earlier; they rebuild
the schedule from scratch (``rebuild``), which costs one pass over all tasks.
"""

from __future__ import annotations

from heapq import heappop, heappush

from doorstep.dispatch.solver.hhc.data import HARD, Data
from doorstep.dispatch.solver.model import HORIZON

NEG = -(10**18)
# Starts beyond this mean the pushes run away (a positive cycle): infeasible.
RUNAWAY = 4 * HORIZON
# Missing-unit costs at or above this belong to required visits (data.REQUIRED_MISSING).
REQUIRED_LIMIT = 10**14
# Pushes of one task in one propagation beyond which it is taken to sit on a cycle.
PUSH_LIMIT = 8


class Plan:
    __slots__ = (
        "approx",
        "arc_cost",
        "bonus_sum",
        "brk_pos",
        "brk_start",
        "brk_viol",
        "d",
        "late_sum",
        "miss_sum",
        "pen_sum",
        "pos",
        "rend",
        "routes",
        "rpen",
        "start",
        "tmax",
        "touched",
        "unassigned",
        "where",
    )

    def __init__(self, d: Data) -> None:
        self.d = d
        self.approx = False
        self.touched: set[int] = set()
        self.routes: list[list[int]] = [[] for _ in range(d.n_providers)]
        self.where = [-1] * d.n_jobs
        self.pos = [0] * d.n_jobs
        self.start = [NEG] * d.n_jobs
        self.rend = [0] * d.n_providers
        self.rpen = [0] * d.n_providers
        self.brk_start: list[int | None] = [None] * d.n_providers
        # where the break sits: before ``routes[r][i]`` (i), after the last stop (len),
        # or -1 (no break scheduled); and its lateness past its latest start
        self.brk_pos: list[int] = [-1] * d.n_providers
        self.brk_viol: list[int] = [0] * d.n_providers
        self.unassigned: set[int] = set(range(len(d.units)))
        self.arc_cost = 0
        self.bonus_sum = 0
        self.late_sum = 0
        self.pen_sum = 0
        self.tmax = 0
        self.miss_sum = sum(d.miss_cost)

    # ------------------------------------------------------------------ cost

    def cost(self) -> int:
        return (
            self.arc_cost
            - self.bonus_sum
            + self.late_sum
            + self.d.w_max * self.tmax
            + self.pen_sum
            + self.miss_sum
        )

    def hard_ok(self) -> bool:
        """Every hard constraint holds (required visits served, no violation)."""
        d = self.d
        return self.pen_sum == 0 and all(d.miss_cost[u] < REQUIRED_LIMIT for u in self.unassigned)

    def copy(self) -> Plan:
        other = Plan.__new__(Plan)
        other.d = self.d
        other.approx = False
        other.touched = set()
        other.routes = [list(r) for r in self.routes]
        other.where = list(self.where)
        other.pos = list(self.pos)
        other.start = list(self.start)
        other.rend = list(self.rend)
        other.rpen = list(self.rpen)
        other.brk_start = list(self.brk_start)
        other.brk_pos = list(self.brk_pos)
        other.brk_viol = list(self.brk_viol)
        other.unassigned = set(self.unassigned)
        other.arc_cost = self.arc_cost
        other.bonus_sum = self.bonus_sum
        other.late_sum = self.late_sum
        other.pen_sum = self.pen_sum
        other.tmax = self.tmax
        other.miss_sum = self.miss_sum
        return other

    # ------------------------------------------------------------------ schedule

    def _run(
        self,
        r: int,
        i: int,
        seq: list[int],
        ov: dict[int, int],
        vwhere: dict[int, int] | None,
        ends: dict[int, tuple[int, int, int | None, int]],
        pushes: list[int],
    ) -> int:
        """Recompute starts of ``seq[i:]`` on route ``r`` into ``ov``; return steps."""
        d = self.d
        node = d.node
        earliest = d.earliest
        partner = d.partner
        sync = d.sync
        dv = d.dur[r]
        tm = d.travel[r]
        start = self.start
        where = self.where
        brk = d.brk[r]
        if brk is not None:
            i = 0
        if i == 0:
            pnode = d.start_node[r]
            tdep = d.shift_start[r]
        else:
            pj = seq[i - 1]
            pnode = node[pj]
            tdep = ov.get(pj, start[pj]) + dv[pj]
        n = len(seq)
        steps = 0
        if brk is None:
            while i < n:
                j = seq[i]
                nj = node[j]
                ts = tdep + tm[pnode][nj]
                if ts < earliest[j]:
                    ts = earliest[j]
                q = partner[j]
                if q >= 0:
                    tq = ov.get(q, start[q])
                    lb = tq + sync[j]
                    if ts < lb:
                        ts = lb
                cur = ov.get(j, start[j])
                if ts == cur:
                    return steps
                if ts > RUNAWAY:
                    return -1
                ov[j] = ts
                steps += 1
                if q >= 0 and tq < ts + sync[q]:
                    wq = where[q] if vwhere is None or q not in vwhere else vwhere[q]
                    if wq >= 0:
                        pushes.append(q)
                tdep = ts + dv[j]
                pnode = nj
                i += 1
            ends[r] = (tdep + tm[pnode][d.end_node[r]], 0, None, -1)
            return steps
        # a provider with a break: always the whole route (the break moves). The rule
        # is ``evaluate``'s: take it at the first gap where it costs no time (it fits
        # in the wait for the next window) or where after the next stop it would be
        # too late; without such a gap at the end of the day (late = violation).
        be, bl, bd = brk
        bstart: int | None = None
        bpos = -1
        while i < n:
            j = seq[i]
            nj = node[j]
            tt = tm[pnode][nj]
            q = partner[j]
            lb = NEG
            if q >= 0:
                tq = ov.get(q, start[q])
                lb = tq + sync[j]
            if bstart is None:
                b = tdep if tdep > be else be
                sw = tdep + tt
                if sw < earliest[j]:
                    sw = earliest[j]
                if sw < lb:
                    sw = lb
                if b <= bl and (b + bd + tt <= sw or sw + dv[j] > bl):
                    bstart = b
                    bpos = i
                    tdep = b + bd
            ts = tdep + tt
            if ts < earliest[j]:
                ts = earliest[j]
            if ts < lb:
                ts = lb
            cur = ov.get(j, start[j])
            if ts > RUNAWAY:
                return -1
            if ts != cur:
                ov[j] = ts
                steps += 1
                if q >= 0 and tq < ts + sync[q]:
                    wq = where[q] if vwhere is None or q not in vwhere else vwhere[q]
                    if wq >= 0:
                        pushes.append(q)
            tdep = ts + dv[j]
            pnode = nj
            i += 1
        bviol = 0
        if bstart is None and n:
            b = tdep if tdep > be else be
            if b > bl:
                bviol = b - bl
            bstart = b
            bpos = n
            tdep = b + bd
        ends[r] = (tdep + tm[pnode][d.end_node[r]], bviol, bstart, bpos)
        return steps

    def _propagate(
        self,
        seeds: list[tuple[int, int]],
        vseq: dict[int, list[int]] | None,
        vpos: dict[int, int] | None,
        vwhere: dict[int, int] | None,
        ov: dict[int, int],
        ends: dict[int, tuple[int, int, int | None, int]],
    ) -> bool:
        routes = self.routes
        where = self.where
        pos = self.pos
        pushes: list[int] = []
        budget = 50 * self.d.n_jobs + 1000
        for r, i in seeds:
            seq = routes[r] if vseq is None or r not in vseq else vseq[r]
            s = self._run(r, i, seq, ov, vwhere, ends, pushes)
            if s < 0:
                return False
            budget -= s
        # pushes in order of the start they force, so a task is usually moved once
        start = self.start
        partner = self.d.partner
        sync = self.d.sync
        heap: list[tuple[int, int]] = []
        for q in pushes:
            heappush(heap, (ov.get(partner[q], start[partner[q]]) + sync[q], q))
        pushes.clear()
        seen: dict[int, int] = {}
        while heap:
            need, q = heappop(heap)
            if ov.get(q, start[q]) >= need:
                continue
            # a task pushed again and again sits on a cycle of tasks waiting for
            # each other (each loop delays it further): infeasible
            c = seen.get(q, 0) + 1
            if c > PUSH_LIMIT or (c > 2 and vwhere is not None and q in vwhere):
                return False
            seen[q] = c
            r = vwhere[q] if vwhere is not None and q in vwhere else where[q]
            if vseq is not None and r in vseq:
                seq = vseq[r]
                i = vpos.get(q, pos[q]) if vpos is not None else pos[q]
            else:
                seq = routes[r]
                i = pos[q]
            s = self._run(r, i, seq, ov, vwhere, ends, pushes)
            if s < 0:
                return False
            budget -= s + 1
            if budget < 0:
                return False
            for x in pushes:
                heappush(heap, (ov.get(partner[x], start[partner[x]]) + sync[x], x))
            pushes.clear()
        return True

    def _route_pen(self, r: int, end: int, bviol: int, seq: list[int]) -> int:
        d = self.d
        if not seq:
            return 0
        pen = 0
        if end > d.shift_end[r]:
            pen += end - d.shift_end[r]
        if d.max_work[r] < HORIZON:
            first = seq[0]
            dep = self.start[first] - d.travel[r][d.start_node[r]][d.node[first]]
            if dep < d.shift_start[r]:
                dep = d.shift_start[r]
            if end - dep > d.max_work[r]:
                pen += end - dep - d.max_work[r]
        if d.capacity[r] >= 0:
            load = sum(d.demand[j] for j in seq)
            if load > d.capacity[r]:
                pen += load - d.capacity[r]
        return HARD * (pen + bviol)

    def _job_cost(self, j: int, t: int) -> tuple[int, int, int]:
        """(weighted lateness, hard penalty, lateness) of job ``j`` starting at ``t``."""
        d = self.d
        late = t - d.soft_due[j]
        if late < 0:
            late = 0
        over = t - d.hard_due[j]
        return d.late_w[j] * late, (HARD * over if over > 0 else 0), late

    def rebuild(self) -> bool:
        """Recompute every start and every cost term from the routes."""
        d = self.d
        n = d.n_jobs
        self.start = [NEG] * n
        where = [-1] * n
        pos = [0] * n
        arc = 0
        bonus = 0
        for r, seq in enumerate(self.routes):
            a = d.arc[r]
            b = d.bonus[r]
            prev = d.start_node[r]
            for i, j in enumerate(seq):
                where[j] = r
                pos[j] = i
                arc += a[prev][d.node[j]]
                bonus += b[j]
                prev = d.node[j]
            if seq:
                arc += a[prev][d.end_node[r]]
        self.where = where
        self.pos = pos
        ov: dict[int, int] = {}
        ends: dict[int, tuple[int, int, int | None, int]] = {}
        seeds = [(r, 0) for r in range(d.n_providers) if self.routes[r]]
        ok = self._propagate(seeds, None, None, None, ov, ends)
        for j, t in ov.items():
            self.start[j] = t
        late_sum = 0
        pen = 0
        tmax = 0
        for j in range(n):
            if where[j] >= 0:
                lc, hp, late = self._job_cost(j, self.start[j])
                late_sum += lc
                pen += hp
                if late > tmax and d.late_w[j] > 0:
                    tmax = late
        for r, seq in enumerate(self.routes):
            if seq:
                end, bviol, bst, bpos = ends.get(r, (self.rend[r], 0, None, -1))
                self.rend[r] = end
                self.brk_start[r] = bst
                self.brk_pos[r] = bpos
                self.brk_viol[r] = bviol
                self.rpen[r] = self._route_pen(r, end, bviol, seq)
            else:
                self.rend[r] = d.shift_start[r]
                self.brk_start[r] = None
                self.brk_pos[r] = -1
                self.brk_viol[r] = 0
                self.rpen[r] = 0
            pen += self.rpen[r]
        self.arc_cost = arc
        self.bonus_sum = bonus
        self.late_sum = late_sum
        self.pen_sum = pen
        self.tmax = tmax
        self.miss_sum = sum(d.miss_cost[u] for u in self.unassigned)
        if not ok:
            self.pen_sum += HARD * HORIZON
        return ok

    # ------------------------------------------------------------------ moves

    def insert_one(self, j: int, r: int, k: int) -> int | None:
        """Cost change of inserting job ``j`` on route ``r`` at ``k``, fast.

        Exact unless a delayed task's partner on another route must move: then the
        partner's own extra lateness is added but not what it pushes further, and
        ``self.approx`` is set (callers re-check such options with ``insert_delta``).
        """
        d = self.d
        self.approx = False
        if d.partner[j] >= 0 and self.where[d.partner[j]] >= 0:
            return self.insert_delta([(j, r, k)])
        seq = self.routes[r]
        if d.brk[r] is not None:
            partner = d.partner
            where = self.where
            for x in seq:
                if partner[x] >= 0 and where[partner[x]] >= 0:
                    # a double visit on a route with a break: the exact pass
                    return self.insert_delta([(j, r, k)])
            return self._insert_one_break(j, r, k)
        n = len(seq)
        node = d.node
        a = d.arc[r]
        tm = d.travel[r]
        dv = d.dur[r]
        start = self.start
        nj = node[j]
        if k > 0:
            pj = seq[k - 1]
            pnode = node[pj]
            tdep = start[pj] + dv[pj]
        else:
            pnode = d.start_node[r]
            tdep = d.shift_start[r]
        nx = node[seq[k]] if k < n else d.end_node[r]
        delta = a[pnode][nj] + a[nj][nx] - a[pnode][nx] if n else a[pnode][nj] + a[nj][nx]
        delta -= d.bonus[r][j]
        ts = tdep + tm[pnode][nj]
        earliest = d.earliest
        if ts < earliest[j]:
            ts = earliest[j]
        soft_due = d.soft_due
        late_w = d.late_w
        hard_due = d.hard_due
        tmax = self.tmax
        newmax = tmax
        lt = ts - soft_due[j]
        if lt > 0 and late_w[j]:
            delta += late_w[j] * lt
            if lt > newmax:
                newmax = lt
        if ts > hard_due[j]:
            delta += HARD * (ts - hard_due[j])
        tdep = ts + dv[j]
        pnode = nj
        partner = d.partner
        sync = d.sync
        where = self.where
        i = k
        while i < n:
            x = seq[i]
            nxx = node[x]
            t = tdep + tm[pnode][nxx]
            if t < earliest[x]:
                t = earliest[x]
            old = start[x]
            if t <= old:
                break
            q = partner[x]
            if q >= 0 and where[q] >= 0 and start[q] < t + sync[q]:
                self.approx = True
                tq = t + sync[q]
                due = soft_due[q]
                if tq > due and late_w[q]:
                    oq = start[q]
                    delta += late_w[q] * (tq - (oq if oq > due else due))
                    if tq - due > newmax:
                        newmax = tq - due
            due = soft_due[x]
            if t > due and late_w[x]:
                if old > due:
                    delta += late_w[x] * (t - old)
                else:
                    delta += late_w[x] * (t - due)
                if t - due > newmax:
                    newmax = t - due
            hd = hard_due[x]
            if t > hd:
                delta += HARD * (t - (old if old > hd else hd))
            tdep = t + dv[x]
            pnode = nxx
            i += 1
        if newmax > tmax:
            delta += d.w_max * (newmax - tmax)
        # the route's penalty: its end moved (the pass reached it), its first start
        # moved (k == 0: the working time) or its load grew
        if d.has_route_limits and (i == n or k == 0 or d.capacity[r] >= 0):
            end = tdep + tm[pnode][d.end_node[r]] if i == n else self.rend[r]
            new = seq[:k]
            new.append(j)
            new += seq[k:]
            ov = {j: ts} if k == 0 else {}
            delta += self._route_pen_ov(r, end, 0, new, ov) - self.rpen[r]
        return delta

    def _insert_one_break(self, j: int, r: int, k: int) -> int | None:
        """``insert_one`` on a route with a break: the same numbers as ``insert_delta``.

        The break is placed by ``_run``'s rule, gap by gap from the start of the day. The
        gaps before ``routes[r][k]`` see the same times as before the insertion, so they
        decide the same: when the break sat in one of them it still does, otherwise it
        is still to be placed when the pass reaches the new job. The pass runs from
        ``k`` and stops at the first start that is unchanged with the break on the same
        side of it as before (the rest of the route is then unchanged). Starts can move
        earlier here (the break moves into a wait the new job creates), so lateness
        changes are counted both ways. Only for routes without a task of an assigned
        double visit (``insert_one`` checks): no partner bounds, nothing to push, exact.
        """
        d = self.d
        be, bl, bd = d.brk[r]  # type: ignore[misc]
        seq = self.routes[r]
        n = len(seq)
        node = d.node
        a = d.arc[r]
        tm = d.travel[r]
        dv = d.dur[r]
        start = self.start
        earliest = d.earliest
        soft_due = d.soft_due
        late_w = d.late_w
        hard_due = d.hard_due
        nj = node[j]
        if k > 0:
            pj = seq[k - 1]
            pnode = node[pj]
            tdep = start[pj] + dv[pj]
        else:
            pnode = d.start_node[r]
            tdep = d.shift_start[r]
        nx = node[seq[k]] if k < n else d.end_node[r]
        delta = a[pnode][nj] + a[nj][nx] - a[pnode][nx] if n else a[pnode][nj] + a[nj][nx]
        delta -= d.bonus[r][j]
        old_pos = self.brk_pos[r]
        bstart: int | None = None
        if 0 <= old_pos < k:  # decided in a gap before the insertion: unchanged
            bstart = self.brk_start[r]
        tmax = self.tmax
        newmax = tmax
        ts0 = 0
        # position i of the new sequence: the new job at k, then seq[k:]
        i = k
        while i <= n:
            x = j if i == k else seq[i - 1]
            nxx = node[x]
            tt = tm[pnode][nxx]
            if bstart is None:
                b = tdep if tdep > be else be
                sw = tdep + tt
                if sw < earliest[x]:
                    sw = earliest[x]
                if b <= bl and (b + bd + tt <= sw or sw + dv[x] > bl):
                    bstart = b
                    tdep = b + bd
            t = tdep + tt
            if t < earliest[x]:
                t = earliest[x]
            if t > RUNAWAY:
                return None
            if x == j:
                ts0 = t
                old = NEG
            else:
                old = start[x]
                # unchanged start and the break on the same side as before: the rest
                # of the route is as it was
                if t == old and (bstart is not None) == (0 <= old_pos <= i - 1):
                    break
            w = late_w[x]
            due = soft_due[x]
            if w and (t > due or old > due):
                lt = t - due if t > due else 0
                if lt > newmax:
                    newmax = lt
                delta += w * (lt - (old - due if old > due else 0))
            hd = hard_due[x]
            if t > hd or old > hd:
                delta += HARD * ((t - hd if t > hd else 0) - (old - hd if old > hd else 0))
            tdep = t + dv[x]
            pnode = nxx
            i += 1
        if newmax > tmax:
            delta += d.w_max * (newmax - tmax)
        if i > n:  # the pass reached the end of the route
            bviol = 0
            if bstart is None:
                b = tdep if tdep > be else be
                if b > bl:
                    bviol = b - bl
                tdep = b + bd
            end = tdep + tm[pnode][d.end_node[r]]
        else:
            end = self.rend[r]
            bviol = self.brk_viol[r]
        new = seq[:k]
        new.append(j)
        new += seq[k:]
        ov = {j: ts0} if k == 0 else {}
        return delta + self._route_pen_ov(r, end, bviol, new, ov) - self.rpen[r]

    def insert_delta(self, ins: list[tuple[int, int, int]], commit: bool = False) -> int | None:
        """Cost change of inserting jobs ``(job, route, index)`` (distinct routes).

        ``None`` when the schedule cannot be made consistent. The unit's
        missing-cost is not included. With ``commit`` the plan is changed.
        """
        d = self.d
        routes = self.routes
        vseq: dict[int, list[int]] = {}
        vpos: dict[int, int] = {}
        vwhere: dict[int, int] = {}
        delta = 0
        node = d.node
        for j, r, k in ins:
            seq = routes[r]
            a = d.arc[r]
            nj = node[j]
            p = node[seq[k - 1]] if k > 0 else d.start_node[r]
            if k < len(seq):
                nx = node[seq[k]]
                delta += a[p][nj] + a[nj][nx] - a[p][nx]
            elif k > 0:
                nx = d.end_node[r]
                delta += a[p][nj] + a[nj][nx] - a[p][nx]
            else:
                delta += a[p][nj] + a[nj][d.end_node[r]]
            delta -= d.bonus[r][j]
            new = seq[:k]
            new.append(j)
            new += seq[k:]
            vseq[r] = new
            for idx in range(k, len(new)):
                vpos[new[idx]] = idx
            vwhere[j] = r
        ov: dict[int, int] = {}
        ends: dict[int, tuple[int, int, int | None, int]] = {}
        seeds = [(r, k) for _, r, k in ins]
        if not self._propagate(seeds, vseq, vpos, vwhere, ov, ends):
            return None
        start = self.start
        soft_due = d.soft_due
        hard_due = d.hard_due
        late_w = d.late_w
        tmax = self.tmax
        newmax = tmax
        d_arc = delta
        d_late = 0
        d_pen = 0
        for j, t in ov.items():
            # a start usually moves later; it can move earlier when a break moves into
            # a wait that the insertion created
            old = start[j]
            due = soft_due[j]
            w = late_w[j]
            if w and (t > due or old > due):
                lt = t - due if t > due else 0
                if lt > newmax:
                    newmax = lt
                d_late += w * (lt - (old - due if old > due else 0))
            hd = hard_due[j]
            if t > hd or old > hd:
                d_pen += HARD * ((t - hd if t > hd else 0) - (old - hd if old > hd else 0))
        rp: dict[int, int] = {}
        if d.has_route_limits or d.has_breaks:
            # a route whose pass stopped early (a start unchanged) keeps its end, but
            # its first start or its load may have changed
            stopped = {vwhere.get(j, self.where[j]) for j in ov} | set(vseq)
            for r in stopped:
                if r >= 0 and r not in ends:
                    ends[r] = (self.rend[r], self.brk_viol[r], self.brk_start[r], self.brk_pos[r])
            for r, (end, bviol, _bst, _bpos) in ends.items():
                seq = vseq.get(r, routes[r])
                # _route_pen reads start of the first job: use the overlay
                rp[r] = self._route_pen_ov(r, end, bviol, seq, ov)
                d_pen += rp[r] - self.rpen[r]
        delta = d_arc + d_late + d_pen + d.w_max * (newmax - tmax)
        if not commit:
            return delta
        # apply: starts moved by the pushes from the old earliest starts; on a matrix
        # without the triangle inequality a start may stay later than the earliest,
        # which the caller's ``rebuild`` after a batch of insertions corrects
        for r, new in vseq.items():
            routes[r] = new
        where = self.where
        for j, r in vwhere.items():
            where[j] = r
        pos = self.pos
        for j, i in vpos.items():
            pos[j] = i
        for j, t in ov.items():
            start[j] = t
        self.touched = {where[j] for j in ov} | set(vseq)
        for r, (end, bviol, bst, bpos) in ends.items():
            self.rend[r] = end
            self.brk_start[r] = bst
            self.brk_pos[r] = bpos
            self.brk_viol[r] = bviol
            if r in rp:
                self.rpen[r] = rp[r]
        self.arc_cost += d_arc + sum(d.bonus[r][j] for j, r, _k in ins)
        self.bonus_sum += sum(d.bonus[r][j] for j, r, _k in ins)
        self.late_sum += d_late
        self.pen_sum += d_pen
        self.tmax = newmax
        for j, _r, _k in ins:
            u = d.unit_of[j]
            if u in self.unassigned:
                self.unassigned.discard(u)
                self.miss_sum -= d.miss_cost[u]
        return delta

    def _route_pen_ov(
        self, r: int, end: int, bviol: int, seq: list[int], ov: dict[int, int]
    ) -> int:
        d = self.d
        if not seq:
            return 0
        pen = 0
        if end > d.shift_end[r]:
            pen += end - d.shift_end[r]
        if d.max_work[r] < HORIZON:
            first = seq[0]
            dep = ov.get(first, self.start[first]) - d.travel[r][d.start_node[r]][d.node[first]]
            if dep < d.shift_start[r]:
                dep = d.shift_start[r]
            if end - dep > d.max_work[r]:
                pen += end - dep - d.max_work[r]
        if d.capacity[r] >= 0:
            load = sum(d.demand[j] for j in seq)
            if load > d.capacity[r]:
                pen += load - d.capacity[r]
        return HARD * (pen + bviol)

    def remove_units(self, units: list[int]) -> None:
        """Take whole units (visits) out of their routes and rebuild the schedule."""
        d = self.d
        drop = set()
        for u in units:
            for j in d.units[u]:
                if self.where[j] >= 0:
                    drop.add(j)
            if u not in self.unassigned:
                self.unassigned.add(u)
        touched = {self.where[j] for j in drop}
        for r in touched:
            self.routes[r] = [j for j in self.routes[r] if j not in drop]
        for j in drop:
            self.where[j] = -1
        self.rebuild()
