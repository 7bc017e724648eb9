"""Independent reference solutions: the assignment problem as an LP or MIP for scipy, written out
pair by pair with plain big-M constraints (not the engine's formulation)."""

from __future__ import annotations

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
    n, m = scores.shape
    person, option = eligible_pairs(scores)
    e = person.size
    a = max(min_assigned, 1)
    band = [j for j in range(m) if capacity[j] >= a and (low > 0 or high < 1)]
    size = e + len(band)
    if size == 0:
        return 0.0 if total == 0 and (budget is None or budget >= 0) else None
    constraints = []

    def row(x_coef: np.ndarray, y_coef: dict[int, float] | None = None) -> np.ndarray:
        full = np.zeros(size)
        full[:e] = x_coef
        for k, value in (y_coef or {}).items():
            full[e + k] = value
        return full

    for i in range(n):
        constraints.append(LinearConstraint(row((person == i).astype(float)), -np.inf, 1))
    for j in range(m):
        constraints.append(LinearConstraint(row((option == j).astype(float)), -np.inf, capacity[j]))
    for k, j in enumerate(band):
        at = (option == j).astype(float)
        members = at * group[person]
        big = float(capacity[j])
        constraints.append(LinearConstraint(row(at, {k: -big}), -np.inf, a - 1))
        constraints.append(LinearConstraint(row(members - low * at, {k: -big}), -big, np.inf))
        constraints.append(LinearConstraint(row(members - high * at, {k: big}), -np.inf, big))
    if budget is not None:
        constraints.append(LinearConstraint(row(cost[option]), -np.inf, budget))
    if total:
        constraints.append(LinearConstraint(row(np.ones(e)), total, np.inf))
    objective = np.concatenate([-scores[person, option], np.zeros(len(band))])
    result = milp(
        objective,
        constraints=constraints,
        integrality=np.ones(size),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0},
    )
    if result.status == 2:
        return None
    assert result.status == 0, result.message
    return -float(result.fun)
