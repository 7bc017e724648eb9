"""Independent references: the assignment problem as an LP or MIP for scipy, written out pair by pair
with plain big-M constraints (not the engine's formulation), and a feasibility checker written loop
by loop in exact arithmetic (not the engine's `verify`)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp


def eligible_pairs(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.nonzero(~np.isnan(scores))


def lp_optimum(scores: np.ndarray, capacity: np.ndarray) -> float:
    """The assignment LP; its matrix is totally unimodular, so its optimum is the integer optimum."""
    n, m = scores.shape
    person, option = eligible_pairs(scores)
    e = person.size
    if e == 0:
        return 0.0
    rows = sp.vstack(
        [
            sp.csr_array((np.ones(e), (person, np.arange(e))), shape=(n, e)),
            sp.csr_array((np.ones(e), (option, np.arange(e))), shape=(m, e)),
        ]
    )
    result = linprog(
        -scores[person, option],
        A_ub=rows,
        b_ub=np.concatenate([np.ones(n), capacity]),
        bounds=(0, 1),
        method="highs",
    )
    assert result.status == 0
    return -float(result.fun)


def mip_optimum(
    scores: np.ndarray,
    capacity: np.ndarray,
    *,
    group: np.ndarray | None = None,
    low: float = 0.0,
    high: float = 1.0,
    min_assigned: int = 1,
    cost: np.ndarray | None = None,
    budget: float | None = None,
    total: int = 0,
) -> float | None:
    """Best objective with the side constraints, or None if infeasible. Big-M = capacity."""
    solved = mip_solve(
        scores,
        capacity,
        group=group,
        low=low,
        high=high,
        min_assigned=min_assigned,
        cost=cost,
        budget=budget,
        total=total,
    )
    return None if solved is None else solved[0]


def mip_solve(
    scores: np.ndarray,
    capacity: np.ndarray,
    *,
    group: np.ndarray | None = None,
    low: float = 0.0,
    high: float = 1.0,
    min_assigned: int = 1,
    cost: np.ndarray | None = None,
    budget: float | None = None,
    total: int = 0,
    rank: np.ndarray | None = None,
    top_k: int | None = None,
    required: int = 0,
    maximise_top3: bool = False,
) -> tuple[float, np.ndarray] | None:
    """The best objective and an optimal assignment (-1: none), or None if infeasible. Big-M = capacity.

    With `rank` (1 = a person's first wish, 0 = not a wish): `top_k` makes whoever has an eligible top-k
    wish offered nothing else (explicit rows, not a restriction of the pairs); `required` asks at least
    that many people in a top-3 wish (one more row); `maximise_top3` counts top-3 wishes instead of scores.
    """
    n, m = scores.shape
    person, option = eligible_pairs(scores)
    e = person.size
    a = max(min_assigned, 1)
    band = [j for j in range(m) if capacity[j] >= a and (low > 0 or high < 1)]
    size = e + len(band)
    if size == 0:
        feasible = total == 0 and required == 0 and (budget is None or budget >= 0)
        return (0.0, np.full(n, -1)) if feasible else None
    pair_rank = rank[person, option] if rank is not None else np.zeros(e, dtype=np.int64)
    top3 = ((pair_rank >= 1) & (pair_rank <= 3)).astype(float)
    constraints = []

    def row(x_coef: np.ndarray, y_coef: dict[int, float] | None = None) -> np.ndarray:
        full = np.zeros(size)
        full[:e] = x_coef
        for k, value in (y_coef or {}).items():
            full[e + k] = value
        return full

    for i in range(n):
        mine = person == i
        constraints.append(LinearConstraint(row(mine.astype(float)), -np.inf, 1))
        if top_k is not None:
            wished = mine & (pair_rank >= 1) & (pair_rank <= top_k)
            if wished.any():  # whoever has an eligible top-k wish is offered nothing else
                constraints.append(LinearConstraint(row((mine & ~wished).astype(float)), -np.inf, 0))
    for j in range(m):
        constraints.append(LinearConstraint(row((option == j).astype(float)), -np.inf, capacity[j]))
    for k, j in enumerate(band):
        at = (option == j).astype(float)
        assert group is not None
        members = at * group[person]
        big = float(capacity[j])
        constraints.append(LinearConstraint(row(at, {k: -big}), -np.inf, a - 1))
        constraints.append(LinearConstraint(row(members - low * at, {k: -big}), -big, np.inf))
        constraints.append(LinearConstraint(row(members - high * at, {k: big}), -np.inf, big))
    if budget is not None:
        assert cost is not None
        constraints.append(LinearConstraint(row(cost[option]), -np.inf, budget))
    if total:
        constraints.append(LinearConstraint(row(np.ones(e)), total, np.inf))
    if required:
        constraints.append(LinearConstraint(row(top3), required, np.inf))
    gain = top3 if maximise_top3 else scores[person, option]
    result = milp(
        np.concatenate([-gain, np.zeros(len(band))]),
        constraints=constraints,
        integrality=np.ones(size),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0},
    )
    if result.status == 2:
        return None
    assert result.status == 0, result.message
    assignment = np.full(n, -1)
    chosen = np.flatnonzero(result.x[:e] > 0.5)
    assignment[person[chosen]] = option[chosen]
    return -float(result.fun), assignment


def eligible_set(scores) -> set[tuple[int, int]]:
    """Eligible (person, option) pairs: non-NaN entries, or a sparse matrix's explicit non-NaN entries."""
    if sp.issparse(scores):
        coo = sp.coo_array(scores)
        return {(int(i), int(j)) for i, j, value in zip(coo.row, coo.col, coo.data, strict=True) if not np.isnan(value)}
    person, option = eligible_pairs(np.asarray(scores, dtype=float))
    return set(zip(person.tolist(), option.tolist(), strict=True))


def broken_rules(
    assignment,
    scores,
    capacity,
    *,
    group=None,
    share: tuple[float, float, int] | None = None,
    cost=None,
    budget: float | None = None,
    min_assigned_total: int = 0,
) -> set[str]:
    """The rules `assignment` breaks, named as the engine names them. `share` is (min, max, min_assigned):
    the group's share among the people of each option holding at least max(min_assigned, 1) of them
    must lie in [min, max], the bounds read as the decimals they were written as (0.3 is 3/10)."""
    n, m = scores.shape
    places = [int(j) for j in np.asarray(assignment).tolist()]
    if len(places) != n or any(j < -1 or j >= m for j in places):
        return {"eligibility"}  # not an assignment of these people to these options at all
    eligible = eligible_set(scores)
    broken = set()
    people_at: dict[int, list[int]] = {j: [] for j in range(m)}
    for person, option in enumerate(places):
        if option == -1:
            continue
        people_at[option].append(person)
        if (person, option) not in eligible:
            broken.add("eligibility")
    for option, people in people_at.items():
        if len(people) > int(capacity[option]):
            broken.add("capacity")
    if share is not None:
        low, high, min_assigned = Fraction(repr(share[0])), Fraction(repr(share[1])), share[2]
        for people in people_at.values():
            if len(people) >= max(min_assigned, 1):
                members = Fraction(sum(1 for person in people if group[person]), len(people))
                if not low <= members <= high:
                    broken.add("group_share")
    if budget is not None:
        spent = sum((Fraction(float(cost[option])) for option in places if option != -1), Fraction(0))
        if spent > Fraction(float(budget)):
            broken.add("budget")
    if sum(1 for option in places if option != -1) < min_assigned_total:
        broken.add("min_assigned_total")
    return broken
