"""Allocation with side constraints: a group-share band per option and a total budget, as a MIP (HiGHS).

Variables: x_e ∈ {0,1} per eligible pair; per option n_j = Σ_i x_ij (people, bounded by the capacity)
and, where the band applies, g_j = Σ_{i in group} x_ij and y_j ∈ {0,1} ("active": the option receives
at least a = min_assigned people, so its share bounds hold). With lo = p/q and hi = P/Q as exact
fractions (so that the bounds are integer constraints and hold exactly once x is integral):

    n_j − (cap_j − a + 1)·y_j ≤ a − 1                     y_j = 0 ⇒ fewer than a people
    q·g_j − p·n_j − p·(a − 1)·y_j ≥ −p·(a − 1)            y_j = 1 ⇒ g_j ≥ lo·n_j (slack when y_j = 0)
    Q·g_j − P·n_j + (Q − P)·(a − 1)·y_j ≤ (Q − P)·(a − 1)  y_j = 1 ⇒ g_j ≤ hi·n_j
    Σ_j cost_j·n_j ≤ budget,   Σ_j n_j ≥ min_assigned_total
    Σ_{e counted} x_e ≥ min_counted                        (optional: e.g. pairs that are a top-3 wish)

The big-M terms are the smallest that are valid (with y_j = 0 at most a − 1 people are there), which
keeps the LP relaxation close to the integer optimum. Options whose capacity is below a get no y_j.
The budget and the shares are written on the per-option counts, not on the pairs: a row over every
pair (the budget) makes HiGHS's dual simplex flip thousands of bounds per iteration, and the counts keep
each pair's column to two or three entries, as in the flow.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from ._scores import Pairs, Scores, check_capacity, to_pairs
from ._types import Allocation, BoolArray, FloatArray, GroupShare, InfeasibleError, IntArray, SolverError
from .constraints import SideConstraints, band_options, share_fraction, side_constraints, violations
from .flow import _Arcs, allocate_flow, solve_flow

_banner_shown = False


def new_highs() -> highspy.Highs:
    """A silent HiGHS. The first instance in a process prints a banner straight to file descriptor 1,
    past Python's sys.stdout, where it would mix into a command's output; it goes to /dev/null instead."""
    global _banner_shown
    if _banner_shown:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _banner_shown = True
    return h


# Column generation pays when people have many more eligible pairs than this.
GENERATE_COLUMNS_FROM = 8
FIRST_COLUMNS = 4
ADD_PER_ROUND = 2
PRICING_TOLERANCE = 1e-9
# Pairs whose reduced cost is within this of zero stay in the MIP (scores are probabilities).
MIP_REDUCED_COST = 0.02
# Problems with at most this many eligible pairs are solved as one MIP over every pair, presolved: exact
# (no pair left out) and, on a band's small options, faster than the pruned MIP (docs/benchmarks.md, (g)).
WHOLE_MIP_PAIRS = 10_000


@dataclass
class _Model:
    lp: highspy.HighsLp
    n_pairs: int
    band: IntArray
    binary: IntArray  # the integer columns: x and y (n and g follow from x)

    def solver(self, time_limit: float | None, gap: float, *, presolve: bool = False) -> highspy.Highs:
        h = new_highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", gap)
        # Symmetry detection takes minutes on ten thousand binaries and finds little here. On a large
        # model presolve removes nothing and delays the root by seconds; on a small one its probing
        # settles a band's activations that the search alone can spend its whole time limit on.
        h.setOptionValue("mip_detect_symmetry", False)
        h.setOptionValue("presolve", "on" if presolve else "off")
        if time_limit is not None:
            h.setOptionValue("time_limit", float(time_limit))
        h.passModel(self.lp)
        if self.binary.size:
            h.changeColsIntegrality(
                self.binary.size,
                self.binary.astype(np.int32),
                np.ones(self.binary.size, dtype=np.uint8),  # integer
            )
        return h


def _integer_costs(cost: FloatArray, budget: float) -> tuple[FloatArray, float]:
    """Whole-number costs divided by their greatest common divisor (the budget rounded down to match),
    so that the budget row is small and exact; other costs are left as they are."""
    if cost.size and np.all(cost == np.rint(cost)) and np.all(np.abs(cost) < 2.0**53):
        whole = cost.astype(np.int64)
        divisor = int(np.gcd.reduce(whole)) if whole.any() else 1
        if divisor > 1:
            return (whole // divisor).astype(np.float64), float(math.floor(budget / divisor))
        return cost, float(math.floor(budget))
    return cost, budget


def build_model(
    pairs: Pairs,
    cap: IntArray,
    side: SideConstraints,
    *,
    integral: bool,
    counted_pairs: BoolArray | None = None,
    min_counted: int = 0,
    active: BoolArray | None = None,
) -> _Model:
    """The MIP (or its LP relaxation) from sparse arrays, one block of constraints at a time. With
    `counted_pairs` (a flag per pair) and `min_counted` > 0, the last row requires that many counted pairs."""
    n, m, e = pairs.n_people, pairs.n_options, pairs.size
    band = band_options(cap, side.share) if side.banded and side.share is not None else np.zeros(0, np.int64)
    b = band.size
    # columns: x (e) | n (m) | g (b) | y (b)
    col_n = e + np.arange(m, dtype=np.int64)
    col_g = e + m + np.arange(b, dtype=np.int64)
    col_y = e + m + b + np.arange(b, dtype=np.int64)
    n_cols = e + m + 2 * b
    pair_index = np.arange(e, dtype=np.int64)
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    lower: list[FloatArray] = []
    upper: list[FloatArray] = []
    next_row = 0

    def block(row: IntArray, col: IntArray, val: FloatArray, lo: FloatArray, hi: FloatArray) -> None:
        nonlocal next_row
        nonzero = val != 0
        rows.append(row[nonzero] + next_row)
        cols.append(col[nonzero])
        vals.append(val[nonzero])
        lower.append(lo)
        upper.append(hi)
        next_row += lo.size

    options = np.arange(m, dtype=np.int64)
    block(pairs.person, pair_index, np.ones(e), np.full(n, -np.inf), np.ones(n))
    block(  # n_j = Σ_i x_ij
        np.concatenate([pairs.option, options]),
        np.concatenate([pair_index, col_n]),
        np.concatenate([np.ones(e), -np.ones(m)]),
        np.zeros(m),
        np.zeros(m),
    )
    if b and side.share is not None and side.group is not None:
        a = max(side.share.min_assigned, 1)
        slot = np.full(m, -1, dtype=np.int64)
        slot[band] = np.arange(b)
        counted = (slot[pairs.option] >= 0) & side.group[pairs.person]
        slots = np.arange(b, dtype=np.int64)
        block(  # g_j = Σ_{i in group} x_ij
            np.concatenate([slot[pairs.option[counted]], slots]),
            np.concatenate([pair_index[counted], col_g]),
            np.concatenate([np.ones(int(counted.sum())), -np.ones(b)]),
            np.zeros(b),
            np.zeros(b),
        )
        three = np.concatenate([slots, slots])
        block(
            three,
            np.concatenate([col_n[band], col_y]),
            np.concatenate([np.ones(b), -(cap[band] - a + 1).astype(np.float64)]),
            np.full(b, -np.inf),
            np.full(b, a - 1.0),
        )
        low, high = share_fraction(side.share.min), share_fraction(side.share.max)
        if low > 0:
            p, q = float(low.numerator), float(low.denominator)
            block(
                np.concatenate([three, slots]),
                np.concatenate([col_g, col_n[band], col_y]),
                np.concatenate([np.full(b, q), np.full(b, -p), np.full(b, -p * (a - 1))]),
                np.full(b, -p * (a - 1)),
                np.full(b, np.inf),
            )
        if high < 1:
            pp, qq = float(high.numerator), float(high.denominator)
            block(
                np.concatenate([three, slots]),
                np.concatenate([col_g, col_n[band], col_y]),
                np.concatenate([np.full(b, qq), np.full(b, -pp), np.full(b, (qq - pp) * (a - 1))]),
                np.full(b, -np.inf),
                np.full(b, (qq - pp) * (a - 1)),
            )
    if side.budget is not None and side.cost is not None:
        cost, budget = _integer_costs(side.cost, side.budget)
        block(np.zeros(m, dtype=np.int64), col_n, cost, np.array([-np.inf]), np.array([budget]))
    if side.min_assigned_total > 0:
        total = float(side.min_assigned_total)
        block(np.zeros(m, dtype=np.int64), col_n, np.ones(m), np.array([total]), np.array([np.inf]))
    if counted_pairs is not None and min_counted > 0:
        chosen = pair_index[counted_pairs]
        block(
            np.zeros(chosen.size, dtype=np.int64),
            chosen,
            np.ones(chosen.size),
            np.array([float(min_counted)]),
            np.array([np.inf]),
        )

    matrix = sp.csc_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(next_row, n_cols)
    )
    matrix.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = next_row
    lp.col_cost_ = np.concatenate([pairs.score, np.zeros(n_cols - e)])
    col_lower = np.zeros(n_cols)
    col_upper = np.concatenate([np.ones(e), cap.astype(np.float64), cap[band].astype(np.float64), np.ones(b)])
    if active is not None and b:  # the band's activation fixed: y_j is 1 exactly for the active options
        col_lower[col_y] = col_upper[col_y] = active[band]
    lp.col_lower_ = col_lower
    lp.col_upper_ = col_upper
    lp.row_lower_ = np.concatenate(lower)
    lp.row_upper_ = np.concatenate(upper)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = n_cols
    lp.a_matrix_.num_row_ = next_row
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(np.float64)
    binary = np.concatenate([pair_index, col_y]) if integral else np.zeros(0, dtype=np.int64)
    return _Model(lp, e, band, binary)


def _subset(pairs: Pairs, keep: BoolArray) -> Pairs:
    person = pairs.person[keep]
    indptr = np.zeros(pairs.n_people + 1, dtype=np.int64)
    np.cumsum(np.bincount(person, minlength=pairs.n_people), out=indptr[1:])
    return Pairs(pairs.n_people, pairs.n_options, person, pairs.option[keep], pairs.score[keep], indptr)


def _row_max(values: FloatArray, pairs: Pairs) -> FloatArray:
    """max(0, max over each person's pairs of `values`)."""
    best = np.zeros(pairs.n_people)
    counts = np.diff(pairs.indptr)
    rows = np.flatnonzero(counts)
    if rows.size:
        best[rows] = np.maximum(np.maximum.reduceat(values, pairs.indptr[rows]), 0.0)
    return best


def _top_per_person(values: FloatArray, pairs: Pairs, k: int) -> BoolArray:
    """The k pairs of each person with the largest `values` (pairs are grouped by person)."""
    order = np.lexsort((-values, pairs.person))
    rank = np.arange(order.size) - pairs.indptr[pairs.person[order]]
    keep = np.zeros(pairs.size, dtype=bool)
    keep[order[rank < k]] = True
    return keep


@dataclass
class _Relaxation:
    objective: float  # of the LP on the generated columns
    bound: float  # a valid upper bound on the LP over all pairs (and so on any allocation)
    reduced_cost: FloatArray  # per pair, with person duals raised so that all are ≤ 0 (dual feasible)
    in_lp: BoolArray


def _relaxation(
    pairs: Pairs,
    cap: IntArray,
    side: SideConstraints,
    start: BoolArray,
    time_limit: float | None,
    counted: BoolArray | None = None,
    min_counted: int = 0,
    active: BoolArray | None = None,
) -> _Relaxation:
    """The LP relaxation by column generation: solve on the pairs in `start`, price all pairs with the
    duals (vectorised), add each person's best pairs with positive reduced cost, repeat.

    Whatever columns it ends with, raising each person's dual by their largest positive reduced cost
    gives a feasible dual solution, so objective + Σ_i max(0, max_j rc_ij) bounds the full LP.
    """
    n, m = pairs.n_people, pairs.n_options
    in_lp = start.copy()
    counting = counted is not None and min_counted > 0
    model = build_model(
        _subset(pairs, in_lp),
        cap,
        side,
        integral=False,
        counted_pairs=counted[in_lp] if counting and counted is not None else None,
        min_counted=min_counted,
        active=active,
    )
    h = model.solver(time_limit, 0.0)
    count_row = model.lp.num_row_ - 1  # the last row, when counting
    flagged = counted if counting and counted is not None else np.zeros(pairs.size, dtype=bool)
    band_slot = np.full(m, -1, dtype=np.int64)
    band_slot[model.band] = np.arange(model.band.size)
    slot = band_slot[pairs.option]
    member = np.zeros(pairs.size, dtype=bool)
    if side.group is not None:
        member = side.group[pairs.person] & (slot >= 0)
    group_row = np.where(member, n + m + slot, 0)  # row 0 is a placeholder: its entry has value 0
    while True:
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            raise diagnose(pairs, cap, side)
        if status != highspy.HighsModelStatus.kOptimal:
            raise SolverError(f"LP relaxation ended with status {h.modelStatusToString(status)}")
        duals = np.asarray(h.getSolution().row_dual)
        reduced = pairs.score - duals[pairs.person] - duals[n + pairs.option] - np.where(member, duals[group_row], 0.0)
        if counting:
            reduced -= np.where(flagged, duals[count_row], 0.0)
        entering = (reduced > PRICING_TOLERANCE) & ~in_lp
        if not entering.any():
            break
        add = np.flatnonzero(entering & _top_per_person(np.where(entering, reduced, -np.inf), pairs, ADD_PER_ROUND))
        in_lp[add] = True
        index = np.stack(
            [pairs.person[add], n + pairs.option[add], group_row[add], np.full(add.size, count_row)], axis=1
        )
        value = np.stack(
            [np.ones(add.size), np.ones(add.size), member[add].astype(np.float64), flagged[add].astype(np.float64)],
            axis=1,
        )
        present = value != 0  # placeholders (value 0) are left out
        starts = np.concatenate([[0], np.cumsum(present.sum(axis=1))[:-1]]).astype(np.int32)
        h.addCols(
            add.size,
            pairs.score[add],
            np.zeros(add.size),
            np.ones(add.size),
            int(present.sum()),
            starts,
            index[present].astype(np.int32),
            value[present],
        )
    objective = float(h.getInfo().objective_function_value)
    # The LP's dual objective counts, for each pair at its upper bound 1, its reduced cost (the bound's
    # multiplier). Trading those for raises of the person duals keeps the dual feasible for all pairs.
    at_upper = float(np.maximum(reduced[in_lp], 0.0).sum())
    raise_by = _row_max(reduced, pairs)
    bound = objective - at_upper + float(raise_by.sum())
    return _Relaxation(objective, max(bound, objective), reduced - raise_by[pairs.person], in_lp)


def allocate_mip(
    scores: Scores,
    capacity: ArrayLike,
    *,
    group: ArrayLike | None = None,
    group_share: GroupShare | None = None,
    budget: float | None = None,
    cost: ArrayLike | None = None,
    min_assigned_total: int = 0,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-4,
    counted: ArrayLike | None = None,
    min_counted: int = 0,
) -> Allocation:
    """Maximum-score allocation under the side constraints (see the module docstring).

    `counted` (a boolean (people, options) matrix) with `min_counted`: at least that many people are
    assigned to a counted pair (choice.py: a top-3 wish). Counted pairs all start in the LP; should the
    MIP on the kept pairs be infeasible with the counted row, it is solved once more on all pairs.

    Problems of at most WHOLE_MIP_PAIRS eligible pairs are one MIP over every pair, presolved: the answer
    is the best allocation (within `mip_rel_gap`). Larger problems are solved on a subset of the pairs:
    the LP relaxation by column generation over all pairs (so `lp_bound` holds for the full problem),
    then the MIP on the pairs the LP used and those whose reduced cost is within MIP_REDUCED_COST of
    zero. A pair left out costs any allocation using it at least that much against the LP bound, so
    `mip_bound` = max(the MIP's own bound, lp_bound − that) is a valid bound for the full problem, and
    objective / lp_bound what the report states.

    With a band, the relaxation's prices come from a fractional activation y_j and can leave out pairs
    the best allocation needs (a 1,000 × 20 lost 0.6 %: docs/benchmarks.md, (g)). So the LP is solved
    once more with y_j fixed to the activation the MIP found, the pairs within MIP_REDUCED_COST under
    those prices join the kept ones, and the MIP is solved again with that activation, from the
    allocation found: the answer is never worse, and no pair that pays under its activation is left out.
    """
    started = time.perf_counter()
    pairs = to_pairs(scores)
    cap = check_capacity(capacity, pairs.n_options)
    side = side_constraints(
        pairs.n_people,
        pairs.n_options,
        group=group,
        group_share=group_share,
        budget=budget,
        cost=cost,
        min_assigned_total=min_assigned_total,
    )
    if side.budget is not None and side.budget < 0:
        raise diagnose(pairs, cap, side)
    flagged = np.zeros(pairs.size, dtype=bool)
    if counted is None:
        min_counted = 0
    elif min_counted > 0:
        mask = np.asarray(counted, dtype=bool)
        if mask.shape != (pairs.n_people, pairs.n_options):
            raise ValueError(f"counted must be a (people, options) matrix, got shape {mask.shape}")
        flagged = mask[pairs.person, pairs.option]
    whole = pairs.size <= WHOLE_MIP_PAIRS
    generate = not whole and pairs.size > GENERATE_COLUMNS_FROM * max(pairs.n_people, 1)
    if generate:
        free = allocate_flow(scores, cap)  # prices without side constraints: a good first guess
        start = _top_per_person(pairs.score - free.extra["prices"][pairs.option], pairs, FIRST_COLUMNS) | flagged
    else:
        start = np.ones(pairs.size, dtype=bool)
    relaxation = _relaxation(pairs, cap, side, start, time_limit, flagged, min_counted)
    keep = relaxation.reduced_cost >= -MIP_REDUCED_COST if generate else np.ones(pairs.size, dtype=bool)

    def time_left() -> float | None:
        return None if time_limit is None else max(time_limit - (time.perf_counter() - started), 1.0)

    solved = _mip_on(pairs, keep, cap, side, flagged, min_counted, time_left(), mip_rel_gap, presolve=whole)
    if solved.status == highspy.HighsModelStatus.kInfeasible and min_counted > 0 and not keep.all():
        keep = np.ones(pairs.size, dtype=bool)  # the counted row may need pairs left out: once, with all
        solved = _mip_on(pairs, keep, cap, side, flagged, min_counted, time_left(), mip_rel_gap)
    if solved.status == highspy.HighsModelStatus.kInfeasible:
        raise diagnose(pairs, cap, side)
    # The bound for all pairs: no allocation on the kept pairs beats this MIP's bound (y_j free), and one
    # that uses a pair left out loses at least its reduced cost against the LP bound.
    left_out = relaxation.reduced_cost[~keep]
    info = solved.highs.getInfo()
    mip_bound = float(info.mip_dual_bound)
    if left_out.size:
        mip_bound = max(mip_bound, relaxation.bound + float(left_out.max()))
    mip_bound = min(mip_bound, relaxation.bound)
    first, first_kept = solved, int(keep.sum())
    if generate and solved.model.band.size and solved.status == highspy.HighsModelStatus.kOptimal:
        # The relaxation's prices come from a fractional activation of the band (y_j): they can mislead
        # the pruning (docs/benchmarks.md, (g): 0.6 % lost on a 1,000 × 20). Priced again with the
        # activation the allocation found, the pairs that pay under it join the kept ones, and the MIP is
        # solved once more from that allocation: it can only improve. Should any of it fail (a time
        # limit, the solver's numerics), the first answer stands.
        with contextlib.suppress(SolverError, InfeasibleError):
            keep, solved = _repriced(
                pairs, cap, side, flagged, min_counted, keep, solved, started, time_limit, mip_rel_gap
            )
    status = first.status  # the second step only improves on an answer found optimal on its pairs
    assignment = _assignment(solved.chosen, pairs)
    found = violations(assignment, pairs, cap, side)
    if found:
        raise SolverError(f"the MIP solution breaks {found[0]}")
    objective = solved.objective
    if status != highspy.HighsModelStatus.kOptimal:
        outcome = first.highs.modelStatusToString(status)  # e.g. "Time limit reached", with the best allocation found
    elif mip_bound - objective <= mip_rel_gap * max(abs(objective), 1.0) + 1e-9:
        outcome = "optimal"  # within mip_rel_gap of the best allocation over all pairs
    else:
        outcome = "optimal_on_kept_pairs"  # optimal on the kept pairs; objective / lp_bound bounds the rest
    return Allocation(
        assignment=assignment,
        objective=objective,
        solver="highs_mip",
        status=outcome,
        seconds=time.perf_counter() - started,
        lp_bound=relaxation.bound,
        mip_bound=mip_bound,
        arcs=int(keep.sum()),
        extra={
            "mip_gap": float(info.mip_gap),
            # No allocation on the pairs first kept does better: what is left between it and lp_bound is
            # the LP's integrality gap (fractional people at the side rows) or the pairs left out.
            "kept_mip_bound": float(info.mip_dual_bound),
            "nodes": int(info.mip_node_count),
            # Pairs added when priced under the activation found (0: none, or no band), and whether the
            # MIP solved again with them and that activation found a better allocation.
            "repriced_pairs": int(keep.sum()) - first_kept,
            "repriced_gain": objective - first.objective,
            "lp_columns": int(relaxation.in_lp.sum()),
        },
    )


def _repriced(
    pairs: Pairs,
    cap: IntArray,
    side: SideConstraints,
    flagged: BoolArray,
    min_counted: int,
    keep: BoolArray,
    solved: _Solved,
    started: float,
    time_limit: float | None,
    gap: float,
) -> tuple[BoolArray, _Solved]:
    """allocate_mip's improvement step: the kept pairs and the allocation, widened and better if it
    finds better. It may take as long as everything before it, no longer (a second MIP on small
    options can be hard)."""
    spent = time.perf_counter() - started
    limit = max(1.0, spent) if time_limit is None else max(1.0, min(spent, time_limit - spent))
    band = solved.model.band
    active = np.zeros(pairs.n_options, dtype=bool)  # y_j, the model's last columns
    active[band] = solved.values[solved.values.size - band.size :] > 0.5
    chosen = np.zeros(pairs.size, dtype=bool)
    chosen[solved.chosen] = True
    priced = _relaxation(pairs, cap, side, keep | chosen, limit, flagged, min_counted, active=active)
    more = (priced.reduced_cost >= -MIP_REDUCED_COST) & ~keep
    if not more.any():
        return keep, solved
    wider = keep | more
    limit = max(1.0, limit - (time.perf_counter() - started - spent))
    again = _mip_on(pairs, wider, cap, side, flagged, min_counted, limit, gap, start=chosen, active=active)
    if again.objective > solved.objective and not violations(_assignment(again.chosen, pairs), pairs, cap, side):
        return wider, again
    return keep, solved


def _assignment(chosen: IntArray, pairs: Pairs) -> IntArray:
    assignment = np.full(pairs.n_people, -1, dtype=np.int64)
    assignment[pairs.person[chosen]] = pairs.option[chosen]
    return assignment


@dataclass
class _Solved:
    highs: highspy.Highs
    model: _Model
    status: highspy.HighsModelStatus
    values: FloatArray  # the model's columns (empty when infeasible)
    chosen: IntArray  # the pairs (indices into all pairs) in the allocation
    objective: float


def _mip_on(
    pairs: Pairs,
    keep: BoolArray,
    cap: IntArray,
    side: SideConstraints,
    flagged: BoolArray,
    min_counted: int,
    time_limit: float | None,
    gap: float,
    start: BoolArray | None = None,
    active: BoolArray | None = None,
    presolve: bool = False,
) -> _Solved:
    """The MIP on the kept pairs, from the allocation `start` (chosen pairs, all among the kept) if given,
    with the band's activation fixed if `active` is given."""
    subset = _subset(pairs, keep)
    model = build_model(
        subset,
        cap,
        side,
        integral=True,
        counted_pairs=flagged[keep] if min_counted > 0 else None,
        min_counted=min_counted,
        active=active,
    )
    h = model.solver(time_limit, gap, presolve=presolve)
    if start is not None:
        x = start[keep].astype(np.float64)
        n = np.bincount(subset.option, weights=x, minlength=pairs.n_options)
        band = model.band
        in_group = side.group[subset.person] if side.group is not None else np.zeros(subset.size, dtype=bool)
        g = np.bincount(subset.option, weights=x * in_group, minlength=pairs.n_options)[band]
        if active is not None:  # the activation is fixed: the start must have it
            y = active[band].astype(np.float64)
        else:
            a = max(side.share.min_assigned, 1) if side.share is not None else 1
            y = (n[band] >= a).astype(np.float64)
        h.setSolution(model.lp.num_col_, np.arange(model.lp.num_col_, dtype=np.int32), np.concatenate([x, n, g, y]))
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return _Solved(h, model, status, np.zeros(0), np.zeros(0, dtype=np.int64), -math.inf)
    values = np.asarray(h.getSolution().col_value)
    if values.size != model.lp.num_col_ or not np.isfinite(h.getInfo().objective_function_value):
        raise SolverError(f"the MIP found no allocation ({h.modelStatusToString(status)})")
    chosen = np.flatnonzero(keep)[np.flatnonzero(values[: model.n_pairs] > 0.5)]
    return _Solved(h, model, status, values, chosen, float(pairs.score[chosen].sum()))


def _max_assignable(pairs: Pairs, cap: IntArray) -> int:
    arcs = _Arcs(pairs.person, pairs.option, np.ones(pairs.size, dtype=np.int64))
    return int(np.count_nonzero(solve_flow(pairs.n_people, cap, arcs) >= 0))


def _cheapest(pairs: Pairs, cap: IntArray, cost: FloatArray, total: int) -> float:
    """Least cost of assigning `total` people: a flow problem, so its LP is integral."""
    e = pairs.size
    index = np.arange(e)
    matrix = sp.vstack(
        [
            sp.csr_array((np.ones(e), (pairs.person, index)), shape=(pairs.n_people, e)),
            sp.csr_array((np.ones(e), (pairs.option, index)), shape=(pairs.n_options, e)),
            sp.csr_array(-np.ones((1, e))),
        ]
    )
    bounds = np.concatenate([np.ones(pairs.n_people), cap, [-float(total)]])
    # scipy.optimize takes a third of a second to import: only a diagnosis needs it, not every allocation
    from scipy.optimize import linprog  # noqa: PLC0415

    result = linprog(cost[pairs.option], A_ub=matrix, b_ub=bounds, bounds=(0, 1), method="highs")
    if result.status != 0:
        raise SolverError(f"least-cost check ended with status {result.status}: {result.message}")
    return float(result.fun)


def _most_under_band(pairs: Pairs, cap: IntArray, side: SideConstraints) -> int:
    counting = Pairs(pairs.n_people, pairs.n_options, pairs.person, pairs.option, np.ones(pairs.size), pairs.indptr)
    band_only = SideConstraints(side.group, side.share, None, None, 0)
    h = build_model(counting, cap, band_only, integral=True).solver(None, 0.0)
    h.run()
    return int(round(h.getInfo().objective_function_value))


def _restricted_options(pairs: Pairs, cap: IntArray, side: SideConstraints) -> list[int]:
    """Options that the band keeps below what their eligible people and seats would allow."""
    if side.share is None or side.group is None:
        return []
    low, high = share_fraction(side.share.min), share_fraction(side.share.max)
    floor = max(side.share.min_assigned, 1)
    member = side.group[pairs.person]
    members = np.bincount(pairs.option[member], minlength=pairs.n_options)
    others = np.bincount(pairs.option[~member], minlength=pairs.n_options)
    restricted = []
    for j in band_options(cap, side.share):
        most = int(min(cap[j], members[j] + others[j]))
        if most < floor:
            continue
        size = np.arange(floor, most + 1)
        least_members = np.maximum(-((-low.numerator * size) // low.denominator), size - others[j])
        most_members = np.minimum((high.numerator * size) // high.denominator, members[j])
        if not (least_members[-1] <= most_members[-1]):
            restricted.append(int(j))
    return restricted


def diagnose(pairs: Pairs, cap: IntArray, side: SideConstraints) -> InfeasibleError:
    """Which constraint makes the request infeasible, checked one at a time, cheapest first.

    Nothing is infeasible without `min_assigned_total` (assigning nobody satisfies every other
    constraint) except a negative budget.
    """
    if side.budget is not None and side.budget < 0:
        return InfeasibleError("budget", f"the budget {side.budget} is negative", budget=side.budget)
    total = side.min_assigned_total
    reachable = _max_assignable(pairs, cap)
    if reachable < total:
        return InfeasibleError(
            "min_assigned_total",
            f"at most {reachable} people can be assigned to eligible seats, {total} are required",
            reachable=reachable,
            required=total,
        )
    if side.budget is not None and side.cost is not None:
        cheapest = _cheapest(pairs, cap, side.cost, total)
        if cheapest > side.budget:
            return InfeasibleError(
                "budget",
                f"assigning {total} people costs at least {cheapest:g}, the budget is {side.budget:g}",
                cheapest=cheapest,
                budget=side.budget,
            )
    if side.banded:
        most = _most_under_band(pairs, cap, side)
        if most < total:
            restricted = _restricted_options(pairs, cap, side)
            return InfeasibleError(
                "group_share",
                f"within the group-share band at most {most} people can be assigned, {total} are required",
                option=restricted[0] if len(restricted) == 1 else None,
                reachable=most,
                required=total,
                restricted_options=restricted,
            )
    return InfeasibleError(
        "budget+group_share",
        "the budget and the group-share band each allow the required assignments, but not together",
        required=total,
    )
