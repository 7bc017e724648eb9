"""Allocation with side constraints: a group-share band per option and a total budget, as a MIP (HiGHS).

Variables: x_e ∈ {0,1} per eligible pair; per option n_j = Σ_i x_ij (people, bounded by the capacity)
and, where the band applies, g_j = Σ_{i in group} x_ij and y_j ∈ {0,1} ("active": the option receives
at least a = min_assigned people, so its share bounds hold). With lo = p/q and hi = P/Q as exact
fractions (so that the bounds are integer constraints and hold exactly once x is integral):

    n_j − (cap_j − a + 1)·y_j ≤ a − 1                     y_j = 0 ⇒ fewer than a people
    q·g_j − p·n_j − p·(a − 1)·y_j ≥ −p·(a − 1)            y_j = 1 ⇒ g_j ≥ lo·n_j (slack when y_j = 0)
    Q·g_j − P·n_j + (Q − P)·(a − 1)·y_j ≤ (Q − P)·(a − 1)  y_j = 1 ⇒ g_j ≤ hi·n_j
    Σ_j cost_j·n_j ≤ budget,   Σ_j n_j ≥ min_assigned_total

The big-M terms are the smallest that are valid (with y_j = 0 at most a − 1 people are there), which
keeps the LP relaxation close to the integer optimum. Options whose capacity is below a get no y_j.
The budget and the shares are written on the per-option counts, not on the pairs: a row over every
pair (the budget) makes HiGHS's dual simplex flip thousands of bounds per iteration, and the counts keep
each pair's column to two or three entries, as in the flow.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.optimize import linprog

from ._scores import Pairs, Scores, check_capacity, to_pairs
from ._types import Allocation, FloatArray, GroupShare, InfeasibleError, IntArray, SolverError
from .flow import _Arcs, solve_flow
from .constraints import SideConstraints, band_options, share_fraction, side_constraints, violations


@dataclass
class _Model:
    lp: highspy.HighsLp
    n_pairs: int
    band: IntArray
    binary: IntArray  # the integer columns: x and y (n and g follow from x)

    def solver(self, time_limit: float | None, gap: float) -> highspy.Highs:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", gap)
        if time_limit is not None:
            h.setOptionValue("time_limit", float(time_limit))
        h.passModel(self.lp)
        if self.binary.size:
            h.changeColsIntegrality(
                self.binary.size, self.binary.astype(np.int32), np.ones(self.binary.size, dtype=np.uint8)  # integer
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


def build_model(pairs: Pairs, cap: IntArray, side: SideConstraints, *, integral: bool) -> _Model:
    """The MIP (or its LP relaxation) from sparse arrays, one block of constraints at a time."""
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
    if b:
        assert side.share is not None and side.group is not None
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
    if side.budget is not None:
        assert side.cost is not None
        cost, budget = _integer_costs(side.cost, side.budget)
        block(np.zeros(m, dtype=np.int64), col_n, cost, np.array([-np.inf]), np.array([budget]))
    if side.min_assigned_total > 0:
        total = float(side.min_assigned_total)
        block(np.zeros(m, dtype=np.int64), col_n, np.ones(m), np.array([total]), np.array([np.inf]))

    matrix = sp.csc_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(next_row, n_cols))
    matrix.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = next_row
    lp.col_cost_ = np.concatenate([pairs.score, np.zeros(n_cols - e)])
    lp.col_lower_ = np.zeros(n_cols)
    lp.col_upper_ = np.concatenate([np.ones(e), cap.astype(np.float64), cap[band].astype(np.float64), np.ones(b)])
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
) -> Allocation:
    """Maximum-score allocation under the side constraints (see the module docstring)."""
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
    relaxation = build_model(pairs, cap, side, integral=False)
    h = relaxation.solver(time_limit, mip_rel_gap)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        raise diagnose(pairs, cap, side)
    if status != highspy.HighsModelStatus.kOptimal:
        raise SolverError(f"LP relaxation ended with status {h.modelStatusToString(status)}")
    lp_bound = float(h.getInfo().objective_function_value)
    del h
    model = build_model(pairs, cap, side, integral=True)
    h = model.solver(time_limit, mip_rel_gap)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        raise diagnose(pairs, cap, side)
    values = np.asarray(h.getSolution().col_value)
    if values.size != model.lp.num_col_:
        raise SolverError(f"the MIP found no allocation ({h.modelStatusToString(status)})")
    chosen = np.flatnonzero(values[: model.n_pairs] > 0.5)
    assignment = np.full(pairs.n_people, -1, dtype=np.int64)
    assignment[pairs.person[chosen]] = pairs.option[chosen]
    found = violations(assignment, pairs, cap, side)
    if found:
        raise SolverError(f"the MIP solution breaks {found[0]}")
    info = h.getInfo()
    return Allocation(
        assignment=assignment,
        objective=float(pairs.score[chosen].sum()),
        solver="highs_mip",
        status="optimal" if status == highspy.HighsModelStatus.kOptimal else h.modelStatusToString(status),
        seconds=time.perf_counter() - started,
        lp_bound=lp_bound,
        mip_bound=float(info.mip_dual_bound),
        extra={"mip_gap": float(info.mip_gap), "nodes": int(info.mip_node_count)},
    )


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
    assert side.share is not None and side.group is not None
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
    if side.budget is not None:
        assert side.cost is not None
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
