"""The returnee's own wishes as constraints: a top-k rule, a minimum top-3 share, and its price curve.

`rank[i, j]` is 1 if option j is person i's first wish, 2 their second, ..., 0 if it is not a wish; a
"top-k wish" of person i is an eligible option j with 1 ≤ rank[i, j] ≤ k.

**Top-k rule** (`top_k`): whoever is offered anything is offered one of their top-k wishes, when at
least one of them is eligible for them; people with no eligible top-k wish are not constrained. This
is a restriction of the eligible pairs (the other pairs of people who have an eligible top-k wish are
dropped), after which the allocation is `allocate` as usual: exact for the same reasons (a flow, or
the MIP with side constraints).

**Minimum top-3 share** (`min_top3_share`): at least ⌈share · people⌉ people of the whole cohort get a
top-3 wish. That is one more linear row, Σ over top-3 pairs x ≥ R, solved as follows.

1. The most people that can get a top-3 wish is a flow on the top-3 pairs alone (exact); with a band,
   a budget or a required number of placements, the MIP maximising the number of top-3 pairs. When it
   is below R, InfeasibleError(constraint="min_top3_share") says what share is reachable.
2. Without other side constraints: a Lagrangian bonus λ ≥ 0 on the top-3 pairs, solved by the flow.
   An allocation x that is optimal with the bonus and gives c people a top-3 wish is optimal among all
   allocations giving at least c people one: for any y with c(y) ≥ c,
   S(y) ≤ S(x) + λ·(c(x) − c(y)) ≤ S(x). The count grows with λ; the search moves λ to where the lines
   S + λ·c of the two allocations bracketing R cross (the breakpoints of the piecewise-linear dual),
   and stops when an allocation with exactly R is found (exactly optimal, up to the flow's rounding of
   the scores), or when λ is a breakpoint with nothing between: then the bound S + λ·c − λ·R of that
   breakpoint says how far the allocation above R can be from the optimum; within `mip_rel_gap` it is
   returned, otherwise step 3.
3. The MIP (mip.allocate_mip) with the extra row, and with any band, budget or required number.

`choice_curve` solves the problem at a few required shares (the free optimum, the most reachable
share, a few between) and reports for each the expected decent incomes and the price: what is lost
against the free optimum. Each point is the optimum for its own required share.

Dense scores only (NaN = not eligible); a sparse matrix is converted when it is small enough.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from numbers import Real
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._scores import Scores, check_capacity, dense_scores, is_sparse, shape_of, to_pairs
from ._types import Allocation, BoolArray, FloatArray, GroupShare, InfeasibleError, IntArray
from .constraints import share_fraction, side_constraints
from .flow import _Arcs, allocate_flow, solve_flow
from .mip import allocate_mip

# Sparse scores are made dense up to this many cells.
DENSE_CELLS = 20_000_000
# Breakpoint steps of the Lagrangian search before the MIP takes over.
MAX_STEPS = 40
# Points between the free optimum and the most reachable share on a curve.
CURVE_STEPS = 3
# As `allocate`: "optimal" means within this share of the best possible.
DEFAULT_GAP = 1e-4


@dataclass(frozen=True)
class CurvePoint:
    """One point of the trade-off: the best allocation giving at least `required_share` of the cohort a
    top-3 wish (None: no requirement, the free optimum). `price` = the free optimum's expected decent
    incomes minus this point's."""

    top3_share: float  # attained
    required_share: float | None
    expected: float  # sum of the scores of the assigned pairs
    assigned: int
    price: float
    top3: int  # people with a top-3 wish
    status: str


def _dense(scores: Scores) -> FloatArray:
    if is_sparse(scores):
        n, m = shape_of(scores)
        if n * m > DENSE_CELLS:
            raise ValueError(
                f"choice rules need dense scores; {n} × {m} is too large to convert (at most {DENSE_CELLS} cells)"
            )
        pairs = to_pairs(scores)
        matrix = np.full((n, m), np.nan)
        matrix[pairs.person, pairs.option] = pairs.score
        return matrix
    return dense_scores(scores)


def _ranks(rank: ArrayLike, shape: tuple[int, int]) -> IntArray:
    values = np.asarray(rank)
    if values.shape != shape:
        raise ValueError(f"rank must have the shape of the scores {shape}, got {values.shape}")
    if values.size and not (np.issubdtype(values.dtype, np.number) and np.all(values == np.floor(values))):
        raise ValueError("rank must hold whole numbers (1 = first wish, 0 = not a wish)")
    result = values.astype(np.int64)
    if (result < 0).any():
        raise ValueError("rank must not be negative (0 = not a wish)")
    return result


def required_count(share: float, n_people: int) -> int:
    """⌈share · people⌉, with the share read as the decimal it was written as (0.3 is 3/10)."""
    if isinstance(share, bool) or not isinstance(share, Real) or not (math.isfinite(share) and 0.0 <= share <= 1.0):
        raise ValueError(f"min_top3_share must be a share between 0 and 1, got {share!r}")
    return math.ceil(share_fraction(share) * n_people)


def restrict_to_top_k(matrix: FloatArray, rank: IntArray, top_k: int) -> FloatArray:
    """The scores with the pairs outside the top-k wishes removed (NaN) for the people who have an
    eligible top-k wish; the others keep all their pairs."""
    if isinstance(top_k, bool) or not isinstance(top_k, int | np.integer) or top_k < 1:
        raise ValueError(f"top_k must be a whole number of at least 1, got {top_k!r}")
    wish = (rank >= 1) & (rank <= top_k)
    eligible = ~np.isnan(matrix)
    bound: BoolArray = np.asarray((wish & eligible).any(axis=1), dtype=bool)
    restricted = matrix.copy()
    restricted[bound[:, None] & ~wish] = np.nan
    return restricted


def top3_pairs(matrix: FloatArray, rank: IntArray) -> BoolArray:
    return (rank >= 1) & (rank <= 3) & ~np.isnan(matrix)


def _count(assignment: IntArray, top: BoolArray) -> int:
    who = np.flatnonzero(assignment >= 0)
    return int(np.count_nonzero(top[who, assignment[who]]))


@dataclass
class _Side:
    kwargs: dict[str, Any]
    any: bool


def _side(n: int, m: int, **kwargs: Any) -> _Side:
    checked = side_constraints(n, m, **kwargs)
    return _Side(kwargs, checked.any)


def _most_top3(matrix: FloatArray, cap: IntArray, top: BoolArray, side: _Side) -> int:
    """The most people that can get a top-3 wish (under the side constraints, if any): exact."""
    if not side.any:
        person, option = np.nonzero(top)
        arcs = _Arcs(person.astype(np.int64), option.astype(np.int64), np.ones(person.size, dtype=np.int64))
        return int(np.count_nonzero(solve_flow(matrix.shape[0], cap, arcs) >= 0))
    counting = np.where(top, 1.0, np.where(np.isnan(matrix), np.nan, 0.0))
    return int(round(allocate_mip(counting, cap, mip_rel_gap=0.0, **side.kwargs).objective))


def _infeasible(reachable: int, required: int, n: int, share: float) -> InfeasibleError:
    best = reachable / n if n else 0.0
    return InfeasibleError(
        "min_top3_share",
        f"at most {reachable} of {n} people ({best:.1%}) can get one of their top-3 wishes; "
        f"min_top3_share {share:g} requires {required}",
        reachable=reachable,
        reachable_share=best,
        required=required,
    )


@dataclass
class _Point:
    bonus: float
    allocation: Allocation
    score: float  # unrounded sum of the scores (without the bonus)
    top3: int
    bound: float | None = None  # an upper bound on the score of any allocation meeting the requirement


def _solve_with_bonus(matrix: FloatArray, cap: IntArray, top: BoolArray, bonus: float) -> _Point:
    shifted = matrix + np.where(top, bonus, 0.0) if bonus else matrix
    allocation = allocate_flow(shifted, cap)
    who = np.flatnonzero(allocation.assignment >= 0)
    score = float(matrix[who, allocation.assignment[who]].sum())
    return _Point(bonus, allocation, score, _count(allocation.assignment, top))


def _lagrangian(
    matrix: FloatArray, cap: IntArray, top: BoolArray, required: int, free: _Point, gap: float
) -> tuple[_Point, str] | None:
    """Step 2 of the module docstring: an allocation with at least `required` top-3 wishes that is
    optimal (or within `gap`) for them, or None when the MIP is needed."""
    n = matrix.shape[0]
    eligible = matrix[~np.isnan(matrix)]
    spread = float(np.abs(eligible).max(initial=0.0))
    ceiling = 2.0 * n * spread + 1.0  # beyond it, the bonus outweighs any loss of score: the most top-3
    low = free
    bonus = max(1.0, spread)
    while True:
        high = _solve_with_bonus(matrix, cap, top, min(bonus, ceiling))
        if high.top3 >= required or bonus >= ceiling:
            break
        low, bonus = high, bonus * 4.0
    if high.top3 < required:
        return None
    for _ in range(MAX_STEPS):
        if high.top3 == required:
            return high, "optimal"
        bonus = (low.score - high.score) / (high.top3 - low.top3)
        if not (low.bonus < bonus < high.bonus):
            break
        middle = _solve_with_bonus(matrix, cap, top, bonus)
        line = low.score + bonus * low.top3
        value = middle.score + bonus * middle.top3
        tolerance = 2.0 * (middle.allocation.rounding_bound or 0.0) + 1e-12  # the flow's rounding
        if value <= line + tolerance:  # a breakpoint: low, middle and high are all optimal at this bonus
            best = middle if middle.top3 >= required else high
            if best.top3 == required:
                return best, "optimal"
            bound = value - bonus * required  # no allocation with `required` top-3 wishes does better
            if bound - best.score <= gap * max(abs(best.score), 1.0):
                return replace(best, bound=bound), "optimal"
            return None
        if middle.top3 >= required:
            high = middle
        else:
            low = middle
    return None


def _with_choice(allocation: Allocation, top: BoolArray, required: int, method: str, **extra: Any) -> Allocation:
    n = top.shape[0]
    count = _count(allocation.assignment, top)
    info = dict(allocation.extra)
    info.update(
        top3=count,
        top3_share=count / n if n else 0.0,
        required_top3=required,
        choice_method=method,
        **extra,
    )
    return replace(allocation, extra=info)


def allocate_choice(
    scores: Scores,
    capacity: ArrayLike,
    rank: ArrayLike,
    *,
    top_k: int | None = None,
    min_top3_share: float | None = None,
    group: ArrayLike | None = None,
    group_share: GroupShare | None = None,
    budget: float | None = None,
    cost: ArrayLike | None = None,
    min_assigned_total: int = 0,
    time_limit: float | None = None,
    mip_rel_gap: float = DEFAULT_GAP,
) -> Allocation:
    """The allocation with the highest total score that respects the choice rules (module docstring).

    `extra` of the result holds "top3" (people with a top-3 wish), "top3_share" (of everyone),
    "required_top3" and "choice_method" ("flow", "lagrangian" or "mip").
    """
    matrix = _dense(scores)
    n, m = matrix.shape
    cap = check_capacity(capacity, m)
    ranks = _ranks(rank, (n, m))
    side = _side(
        n,
        m,
        group=group,
        group_share=group_share,
        budget=budget,
        cost=cost,
        min_assigned_total=min_assigned_total,
    )
    if top_k is not None:
        matrix = restrict_to_top_k(matrix, ranks, top_k)
    top = top3_pairs(matrix, ranks)
    required = 0 if min_top3_share is None else required_count(min_top3_share, n)
    solver_options: dict[str, Any] = {"time_limit": time_limit, "mip_rel_gap": mip_rel_gap}
    if required == 0:
        if side.any:
            free_mip = allocate_mip(matrix, cap, **side.kwargs, **solver_options)
            return _with_choice(free_mip, top, 0, "mip")
        return _with_choice(allocate_flow(matrix, cap), top, 0, "flow")
    share = float(min_top3_share or 0.0)
    unconstrained = _most_top3(matrix, cap, top, _Side({}, False))  # with side constraints, an upper bound
    if unconstrained < required:
        reachable = _most_top3(matrix, cap, top, side) if side.any else unconstrained
        raise _infeasible(reachable, required, n, share)
    if not side.any:
        free = _solve_with_bonus(matrix, cap, top, 0.0)
        if free.top3 >= required:
            return _with_choice(free.allocation, top, required, "flow")
        found = _lagrangian(matrix, cap, top, required, free, mip_rel_gap)
        if found is not None:
            point, status = found
            bound = point.score if point.bound is None else point.bound
            chosen = replace(point.allocation, objective=point.score, status=status, mip_bound=bound)
            return _with_choice(chosen, top, required, "lagrangian", top3_bonus=point.bonus)
    try:
        allocation = allocate_mip(matrix, cap, counted=top, min_counted=required, **side.kwargs, **solver_options)
    except InfeasibleError as error:
        reachable = _most_top3(matrix, cap, top, side)  # raises if the side constraints alone cannot hold
        if reachable < required:
            raise _infeasible(reachable, required, n, share) from error
        raise
    return _with_choice(allocation, top, required, "mip")


def choice_curve(
    scores: Scores,
    capacity: ArrayLike,
    rank: ArrayLike,
    *,
    shares: Sequence[float] | None = None,
    **side_constraints: Any,
) -> list[CurvePoint]:
    """Placements against the top-3 share: the free optimum (required_share None), then the best
    allocation for each required share, up to the most reachable share, each computed exactly.

    Without `shares`: the most reachable share and CURVE_STEPS shares evenly between it and the free
    optimum's. Given `shares`, those at or below the most reachable one (others are left out), and the
    most reachable share. `side_constraints` are those of `allocate_choice` (top_k, group, group_share,
    budget, cost, min_assigned_total, time_limit, mip_rel_gap); `min_top3_share` is not one of them.
    """
    if "min_top3_share" in side_constraints:
        raise ValueError("choice_curve sets min_top3_share itself: pass the shares instead")
    matrix = _dense(scores)
    n, m = matrix.shape
    cap = check_capacity(capacity, m)
    ranks = _ranks(rank, (n, m))
    free = allocate_choice(matrix, cap, ranks, **side_constraints)
    points = [_point(free, None, free.objective)]
    if n == 0:
        return points
    restricted = matrix
    if side_constraints.get("top_k") is not None:
        restricted = restrict_to_top_k(matrix, ranks, side_constraints["top_k"])
    top = top3_pairs(restricted, ranks)
    solver_keys = ("time_limit", "mip_rel_gap", "top_k")
    side = _side(n, m, **{k: v for k, v in side_constraints.items() if k not in solver_keys})
    reachable = _most_top3(restricted, cap, top, side)
    attained = int(free.extra["top3"])
    wanted: dict[int, float] = {}  # required people -> the share asked
    if shares is None:
        for step in range(1, CURVE_STEPS + 1):
            count = math.ceil(attained + Fraction((reachable - attained) * step, CURVE_STEPS + 1))
            if attained < count < reachable:
                wanted.setdefault(count, count / n)
    else:
        for value in shares:
            count = required_count(value, n)
            if count <= reachable:
                wanted.setdefault(count, float(value))
    wanted.setdefault(reachable, reachable / n)
    for count in sorted(wanted):
        allocation = allocate_choice(matrix, cap, ranks, min_top3_share=wanted[count], **side_constraints)
        points.append(_point(allocation, wanted[count], free.objective))
    return points


def _point(allocation: Allocation, required: float | None, free_expected: float) -> CurvePoint:
    return CurvePoint(
        top3_share=float(allocation.extra["top3_share"]),
        required_share=required,
        expected=allocation.objective,
        assigned=allocation.assigned,
        price=max(free_expected - allocation.objective, 0.0),
        top3=int(allocation.extra["top3"]),
        status=allocation.status,
    )
