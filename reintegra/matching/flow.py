"""Allocation without side constraints: a capacitated min-cost flow, pruned and certified.

The network is persons → options → sink, with a zero-cost bypass from every person to the sink so
that anyone may stay unassigned. Scores are rounded to integers (`score_scale`) because OR-Tools works
in integer costs; the rounded problem is solved exactly.

With many people and few options, most pairs can never be in an optimal allocation: a person only
takes one of the few options that are best for them *at the going prices*. So the flow is solved on
each person's k best pairs, then certified on all pairs with dual prices: option prices u ≥ 0 (zero
for an option with seats left) are derived from the reduced solution by longest paths on the small
graph of options, and the reduced solution is optimal for the full problem iff no pair offers any
person more than their assigned pair does, score − price (complementary slackness). Persons with such
a pair get more pairs and the flow is solved again; arcs are only added, so this ends, and in practice
after one or two rounds.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from ortools.graph.python import min_cost_flow

from ._scores import Scores, check_capacity, dense_scores, is_sparse, pair_scores, shape_of, to_pairs
from ._types import Allocation, FloatArray, IntArray, SolverError

MAX_SCALE = 2.0**30
# Pairs per person in the first round. Enough for prices to settle on the first try on crowded
# instances; the certificate catches the persons it is not enough for.
FIRST_K = 6
# Below this many eligible pairs per person the whole graph is solved at once.
PRUNE_FROM_DEGREE = 12
# Problems with this many people first estimate prices on a sample of 1/SAMPLE_DIVISOR of them.
SAMPLE_FROM = 5_000
SAMPLE_DIVISOR = 10
DELTA_MARGIN = 1.5
SAMPLE_SEED = 20_180_119


def score_scale(max_abs_score: float, n_nodes: int) -> float:
    """The power of two the scores are multiplied by before rounding to integer costs.

    2^30 for scores in [0, 1] (rounding loses at most 2^-30 ≈ 9.3e-10 per person), smaller when the
    scores are large, so that OR-Tools' cost scaling (costs times the number of nodes) cannot overflow.
    """
    top = max(1.0, float(max_abs_score))
    limit = 2.0**60 / (4.0 * (n_nodes + 1) * top)
    scale = min(MAX_SCALE, 2.0 ** math.floor(math.log2(limit)))
    if scale < 1e6:
        raise ValueError("scores are too large to round to 1e-6 per person; divide them by a constant first")
    return scale


@dataclass
class _Arcs:
    person: IntArray
    option: IntArray
    cost: IntArray  # the rounded score, positive


def solve_flow(n_people: int, capacity: IntArray, arcs: _Arcs) -> IntArray:
    """Exact max-score assignment on the given pairs (integer scores). Returns the option per person or -1."""
    assignment = np.full(n_people, -1, dtype=np.int64)
    if arcs.person.size == 0:
        return assignment
    m = capacity.size
    people, local = np.unique(arcs.person, return_inverse=True)
    p = people.size
    sink = p + m
    tails = np.concatenate([local, np.arange(p), p + np.arange(m)]).astype(np.int32)
    heads = np.concatenate([p + arcs.option, np.full(p, sink), np.full(m, sink)]).astype(np.int32)
    caps = np.concatenate([np.ones(arcs.person.size + p, dtype=np.int64), capacity.astype(np.int64)])
    costs = np.concatenate([-arcs.cost, np.zeros(p + m, dtype=np.int64)]).astype(np.int64)
    solver = min_cost_flow.SimpleMinCostFlow()
    arc_ids = solver.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(p + m + 1, dtype=np.int64)
    supplies[:p] = 1
    supplies[sink] = -p
    solver.set_nodes_supplies(np.arange(p + m + 1, dtype=np.int32), supplies)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise SolverError(f"min-cost flow ended with status {status}")
    flows = np.asarray(solver.flows(np.asarray(arc_ids)[: arcs.person.size]))
    used = flows > 0
    assignment[arcs.person[used]] = arcs.option[used]
    return assignment


def option_prices(
    n_options: int, capacity: IntArray, arcs: _Arcs, assignment: IntArray, assigned_cost: IntArray
) -> FloatArray:
    """Dual prices of the options that make the assignment optimal on `arcs`.

    For a person assigned to a (or to the outside, node m, at price 0) and any of their pairs b:
    cost_b − u_b ≤ cost_a − u_a, i.e. u_b ≥ u_a + (cost_b − cost_a): difference constraints, solved
    by longest paths from the outside on the (m+1)-node graph of options. u ≥ 0 is an edge outside → j
    of weight 0; an option with seats left has u = 0 (edge j → outside of weight 0). The solution is
    optimal on `arcs`, so the graph has no positive cycle. Values are integers held in float64.
    """
    m = n_options
    outside = m
    size = m + 1
    weight = np.full(size * size, -np.inf)
    origin = np.where(assignment[arcs.person] >= 0, assignment[arcs.person], outside)
    gain = (arcs.cost - assigned_cost[arcs.person]).astype(np.float64)
    np.maximum.at(weight, origin * size + arcs.option, gain)
    who = np.flatnonzero(assignment >= 0)
    np.maximum.at(weight, assignment[who] * size + outside, -assigned_cost[who].astype(np.float64))
    taken = np.bincount(assignment[who], minlength=m)
    open_options = np.flatnonzero(taken < capacity)
    weight[open_options * size + outside] = np.maximum(weight[open_options * size + outside], 0.0)
    weight[outside * size + np.arange(m)] = np.maximum(weight[outside * size + np.arange(m)], 0.0)
    matrix = weight.reshape(size, size)
    dist = np.full(size, -np.inf)
    dist[outside] = 0.0
    for _ in range(size + 1):
        relaxed = np.max(dist[:, None] + matrix, axis=0)
        new = np.maximum(dist, relaxed)
        if np.array_equal(new, dist):
            break
        dist = new
    else:
        raise SolverError("option prices did not settle: the reduced flow is not optimal")
    if dist[outside] != 0.0:
        raise SolverError("positive cycle through the outside: the reduced flow is not optimal")
    return dist[:m]


class _DenseCosts:
    """Rounded scores of a dense matrix; ineligible and non-positive pairs are -inf (never worth taking)."""

    def __init__(self, matrix: FloatArray, scale: float) -> None:
        cost = matrix * scale
        np.rint(cost, out=cost)
        cost[~(cost > 0)] = -np.inf  # also NaN
        self.cost = cost
        self.n, self.m = cost.shape

    def count(self) -> int:
        return int(np.count_nonzero(np.isfinite(self.cost)))

    def degree_max(self) -> int:
        return self.m

    def all_arcs(self) -> _Arcs:
        person, option = np.nonzero(np.isfinite(self.cost))
        return _Arcs(person.astype(np.int64), option.astype(np.int64), self.cost[person, option].astype(np.int64))

    def best_net(self, prices: FloatArray) -> FloatArray:
        net = self.cost - prices
        return np.maximum(net.max(axis=1), 0.0)

    def candidates(self, prices: FloatArray, delta: float, k: int, people: IntArray | None = None) -> _Arcs:
        rows = self.cost if people is None else self.cost[people]
        who = np.arange(rows.shape[0], dtype=np.int64) if people is None else people.astype(np.int64)
        net = rows - prices
        if math.isfinite(delta):
            best = np.maximum(net.max(axis=1), 0.0)
            keep = net >= (best - delta)[:, None]
            crowded = np.flatnonzero(np.count_nonzero(keep, axis=1) > k)
            if crowded.size:  # more than k pairs within delta: keep the k best
                top = np.argpartition(net[crowded], self.m - k, axis=1)[:, : self.m - k]
                keep[crowded[:, None], top] = False
            local, option = np.nonzero(keep)
            person = who[local]
        else:
            if k < self.m:
                options = np.argpartition(net, self.m - k, axis=1)[:, self.m - k :]
            else:
                options = np.broadcast_to(np.arange(self.m), net.shape)
            person = np.repeat(who, options.shape[1])
            option = options.reshape(-1)
        option = option.astype(np.int64)
        cost = self.cost[person, option]
        finite = np.isfinite(cost)
        return _Arcs(person[finite], option[finite], cost[finite].astype(np.int64))

    def cost_of(self, person: IntArray, option: IntArray) -> IntArray:
        return self.cost[person, option].astype(np.int64)

    def subset(self, people: IntArray) -> _DenseCosts:
        part = _DenseCosts.__new__(_DenseCosts)
        part.cost = self.cost[people]
        part.n, part.m = part.cost.shape
        return part


class _SparseCosts:
    """Rounded scores of the eligible pairs, row-major; non-positive pairs dropped."""

    def __init__(self, scores: Scores, scale: float) -> None:
        pairs = to_pairs(scores)
        cost = np.rint(pairs.score * scale)
        keep = cost > 0
        self.n, self.m = pairs.n_people, pairs.n_options
        self.person = pairs.person[keep]
        self.option = pairs.option[keep]
        self.cost = cost[keep]
        self.indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.person, minlength=self.n), out=self.indptr[1:])

    def count(self) -> int:
        return int(self.cost.size)

    def degree_max(self) -> int:
        return int(np.diff(self.indptr).max(initial=0))

    def all_arcs(self) -> _Arcs:
        return _Arcs(self.person, self.option, self.cost.astype(np.int64))

    def best_net(self, prices: FloatArray) -> FloatArray:
        best = np.zeros(self.n)
        if self.cost.size:
            net = self.cost - prices[self.option]
            counts = np.diff(self.indptr)
            rows = np.flatnonzero(counts)
            best[rows] = np.maximum(np.maximum.reduceat(net, self.indptr[rows]), 0.0)
        return best

    def candidates(self, prices: FloatArray, delta: float, k: int, people: IntArray | None = None) -> _Arcs:
        if people is None:
            index = np.arange(self.cost.size)
        else:
            counts = np.diff(self.indptr)[people]
            starts = np.repeat(self.indptr[people], counts)
            index = starts + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        net = self.cost[index] - prices[self.option[index]]
        person = self.person[index]
        order = np.lexsort((-net, person))
        sorted_person = person[order]
        first = np.searchsorted(sorted_person, sorted_person, side="left")
        rank = np.arange(order.size) - first
        keep = rank < k
        if math.isfinite(delta):
            best = np.maximum(net[order][first], 0.0)
            keep &= net[order] >= best - delta
        chosen = index[order[keep]]
        return _Arcs(self.person[chosen], self.option[chosen], self.cost[chosen].astype(np.int64))

    def cost_of(self, person: IntArray, option: IntArray) -> IntArray:
        key = self.person * self.m + self.option
        pos = np.searchsorted(key, person * self.m + option)
        return self.cost[pos].astype(np.int64)

    def subset(self, people: IntArray) -> _SparseCosts:
        """The costs of `people` (sorted), renumbered 0..len(people)-1."""
        counts = np.diff(self.indptr)[people]
        starts = np.repeat(self.indptr[people], counts)
        index = starts + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        part = _SparseCosts.__new__(_SparseCosts)
        part.n, part.m = people.size, self.m
        part.person = np.repeat(np.arange(people.size, dtype=np.int64), counts)
        part.option = self.option[index]
        part.cost = self.cost[index]
        part.indptr = np.zeros(part.n + 1, dtype=np.int64)
        np.cumsum(counts, out=part.indptr[1:])
        return part


def _union(a: _Arcs, b: _Arcs, n_options: int) -> _Arcs:
    person = np.concatenate([a.person, b.person])
    option = np.concatenate([a.option, b.option])
    cost = np.concatenate([a.cost, b.cost])
    _, first = np.unique(person * n_options + option, return_index=True)
    return _Arcs(person[first], option[first], cost[first])


@dataclass
class _Solved:
    assignment: IntArray
    prices: FloatArray
    rounds: int
    arcs: int


_Costs = _DenseCosts | _SparseCosts


def _solve_pruned(costs: _Costs, cap: IntArray, k: int, prices: FloatArray, delta: float) -> _Solved:
    """Solve on each person's best pairs at `prices` (at most k, within delta of their best), certify on
    all pairs, add the best pairs of the persons that fail, repeat."""
    n, m = costs.n, costs.m
    arcs = costs.candidates(prices, delta, k)
    rounds = 0
    while True:
        rounds += 1
        assignment = solve_flow(n, cap, arcs)
        who = np.flatnonzero(assignment >= 0)
        assigned_cost = np.zeros(n, dtype=np.int64)
        assigned_cost[who] = costs.cost_of(who, assignment[who])
        prices = option_prices(m, cap, arcs, assignment, assigned_cost)
        value = np.zeros(n)
        value[who] = assigned_cost[who] - prices[assignment[who]]
        violators = np.flatnonzero(costs.best_net(prices) > value)
        if violators.size == 0:
            return _Solved(assignment, prices, rounds, int(arcs.person.size))
        arcs = _union(arcs, costs.candidates(prices, math.inf, k, violators), m)


def _solve(costs: _Costs, cap: IntArray, k: int, prune: bool | None) -> _Solved:
    n = costs.n
    if prune is None:
        prune = costs.count() > PRUNE_FROM_DEGREE * max(n, 1) and k < costs.degree_max()
    if not prune:
        arcs = costs.all_arcs()
        return _Solved(solve_flow(n, cap, arcs), np.zeros(costs.m), 1, int(arcs.person.size))
    prices, delta = _estimate_prices(costs, cap, k)
    return _solve_pruned(costs, cap, k, prices, math.inf if delta is None else delta)


def _estimate_prices(costs: _Costs, cap: IntArray, k: int) -> tuple[FloatArray, float | None]:
    """Prices from a random sample of the people competing for proportionally fewer seats, and how far
    from the final prices they may be.

    Prices decide which pairs matter, and a sample's market clears at nearly the same prices, so the
    first round on the full problem starts from nearly the right pairs. The sample is solved the same
    way, recursively; how far its prices moved from its own sample's, shrunk by the square root of the
    sampling ratio (with a margin), says how close to their best a pair must be to be kept. Only speed
    depends on the sample: the result is certified on all pairs.
    """
    if costs.n < SAMPLE_FROM:
        return np.zeros(costs.m), None  # no estimate
    rng = np.random.default_rng(SAMPLE_SEED)
    size = max(costs.n // SAMPLE_DIVISOR, 1)
    people = np.sort(rng.choice(costs.n, size=size, replace=False))
    part = costs.subset(people)
    part_cap = np.rint(cap * (size / costs.n)).astype(np.int64)
    sub_prices, sub_delta = _estimate_prices(part, part_cap, k)
    solved = _solve_pruned(part, part_cap, k, sub_prices, math.inf if sub_delta is None else sub_delta)
    if sub_delta is None:  # nothing to compare with: keep the k best pairs
        return solved.prices, math.inf
    moved = float(np.abs(solved.prices - sub_prices).max(initial=0.0))
    return solved.prices, DELTA_MARGIN * moved / math.sqrt(SAMPLE_DIVISOR)


def allocate_flow(scores: Scores, capacity: ArrayLike, *, prune: bool | None = None, k: int = FIRST_K) -> Allocation:
    """Maximum-score allocation without side constraints, exactly optimal for the rounded scores.

    `prune` None decides by density: pruning pays when people have many more eligible pairs than k.
    """
    started = time.perf_counter()
    n, m = shape_of(scores)
    cap = check_capacity(capacity, m)
    costs: _Costs
    if is_sparse(scores):
        data = sp.csr_array(scores).data  # type: ignore[arg-type]
        scale = score_scale(_max_abs(data), n + m + 1)
        costs = _SparseCosts(scores, scale)
    else:
        matrix = dense_scores(scores)
        scale = score_scale(_max_abs(matrix), n + m + 1)
        costs = _DenseCosts(matrix, scale)
    solved = _solve(costs, cap, k, prune)
    assignment = solved.assignment
    who = np.flatnonzero(assignment >= 0)
    scaled = int(costs.cost_of(who, assignment[who]).sum())
    if is_sparse(scores):
        objective = float(pair_scores(scores, assignment).sum())
    else:
        objective = float(dense_scores(scores)[who, assignment[who]].sum())
    return Allocation(
        assignment=assignment,
        objective=objective,
        solver="min_cost_flow",
        seconds=time.perf_counter() - started,
        scale=scale,
        scaled_objective=scaled,
        rounding_bound=n / scale,
        rounds=solved.rounds,
        arcs=solved.arcs,
        extra={"prices": solved.prices / scale},
    )


def _max_abs(values: FloatArray) -> float:
    if values.size == 0 or np.isnan(values).all():
        return 1.0
    return float(max(abs(np.nanmax(values)), abs(np.nanmin(values))))
