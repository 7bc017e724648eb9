"""Menus: a short ranked list of options per person, with no seat promised twice.

Each person gets a menu of at most `size` options eligible for them, and each option is on at most
`capacity` menus. So whatever each person picks from their menu, everyone's pick has a seat: the
menus never over-promise.

**Which menus.** Exactly, by a min-cost flow (a b-matching: source → person, up to `size` units;
person → option, one unit, worth the score; option → sink, `capacity` units), with two aims in order:

1. as many people as possible get a menu (non-empty): no one is left without a menu so that another
   can have a longer one. That is as many people as any allocation of one option each could place;
2. among those, the highest sum of the scores of all menu entries.

The order is made exact by a bonus B on each person's first unit of flow, larger than any sum of
entry scores can be, so that one more person with a menu always outweighs any gain in scores.
Pairs whose score is not positive are never put on a menu (they cannot raise the expected decent
incomes), as in the optimal allocation. Scores are rounded to integer costs, as for `allocate_flow`
(see `Menus.rounding_bound`).

**Menu order.** Each menu lists the person's wishes first, by `rank` (1 = first wish), then the other
options; within either, higher score first, then lower option index. `Menus.expected` is the expected
decent incomes if each person takes the first option of their menu.

Dense scores only (NaN = not eligible); a sparse matrix is made dense when it is small enough.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from ortools.graph.python import min_cost_flow

from ._scores import Scores, check_capacity
from ._types import BoolArray, IntArray, SolverError
from .flow import MAX_SCALE
from .stable import dense_matrix, preference_order, wish_ranks

# Below this scale (score units per integer cost) rounding would blur scores: refuse instead.
MIN_SCALE = 1e4


@dataclass(frozen=True)
class Menus:
    """`menus[i]`: person i's options, best first (wishes by rank, then by score); possibly empty."""

    menus: list[list[int]]
    expected: float  # the sum of the scores of each menu's first option
    entries_score: float  # the sum of the scores of all menu entries (what is maximised, after coverage)
    covered: int  # people with a non-empty menu
    size: int
    seconds: float = 0.0
    scale: float | None = None
    rounding_bound: float | None = None  # entries_score is within this of the exact optimum

    @property
    def entries(self) -> int:
        return sum(len(menu) for menu in self.menus)


def menu_scale(best_entries: float, n_nodes: int) -> float:
    """The power of two the scores are multiplied by: as fine as OR-Tools' cost scaling (costs times
    the number of nodes) allows once the coverage bonus, about `best_entries` · scale, is a cost."""
    limit = 2.0**60 / (4.0 * (n_nodes + 1) * (best_entries + 1.0))
    scale = min(MAX_SCALE, 2.0 ** math.floor(math.log2(limit)))
    if scale < MIN_SCALE:
        raise ValueError("the scores are too large or the cohort too big to build menus exactly; divide the scores")
    return scale


def allocate_menus(scores: Scores, capacity: ArrayLike, rank: ArrayLike | None = None, *, size: int = 3) -> Menus:
    """Menus of at most `size` options for everyone, each option on at most `capacity` menus; first as
    many people as possible get a menu, then the sum of the scores of the entries is the highest
    possible (see the module's docstring). `rank` only orders each menu (wishes first)."""
    started = time.perf_counter()
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
        raise ValueError(f"size must be a whole number of at least 1, got {size!r}")
    size = int(size)
    matrix = dense_matrix(scores, "menus")
    n, m = matrix.shape
    cap = check_capacity(capacity, m)
    wishes = np.zeros((n, m), dtype=np.int64) if rank is None else wish_ranks(rank, (n, m))

    positive = np.where(np.isnan(matrix), 0.0, np.maximum(matrix, 0.0))
    scale = menu_scale(float(_best_entries(positive, size).sum()), n + m + 2)
    cost = np.rint(positive * scale).astype(np.int64)
    # More than any menus' sum of entry costs can be: one more person with a menu always wins.
    bonus = int(_best_entries(cost, size).sum()) + 1
    person, option = np.nonzero(cost > 0)
    chosen = _solve(n, m, cap, size, person, option, cost[person, option], bonus)

    person, option = person[chosen], option[chosen]
    on_menu = np.zeros((n, m), dtype=bool)
    on_menu[person, option] = True
    order, _ = preference_order(np.where(on_menu, matrix, np.nan), wishes)
    counts = on_menu.sum(axis=1)
    menus = [order[i, : counts[i]].tolist() for i in range(n)]
    firsts = np.array([menu[0] for menu in menus if menu], dtype=np.int64)
    holders = np.flatnonzero(counts > 0)
    return Menus(
        menus=menus,
        expected=float(matrix[holders, firsts].sum()) if holders.size else 0.0,
        entries_score=float(matrix[person, option].sum()),
        covered=int(holders.size),
        size=size,
        seconds=time.perf_counter() - started,
        scale=scale,
        rounding_bound=min(n * size, int(cap.sum())) / scale,
    )


def _best_entries(values: np.ndarray, size: int) -> np.ndarray:
    """Each person's `size` highest values: no menu can score more."""
    if values.shape[1] <= size:
        return values
    return -np.partition(-values, size - 1, axis=1)[:, :size]


def _solve(
    n: int, m: int, cap: IntArray, size: int, person: IntArray, option: IntArray, cost: IntArray, bonus: int
) -> BoolArray:
    """Which of the pairs are on a menu (a boolean per pair), by a min-cost flow."""
    if person.size == 0:
        return np.zeros(0, dtype=bool)
    source, sink = n + m, n + m + 1
    people = np.arange(n, dtype=np.int64)
    tails = np.concatenate([person, np.full(n, source), np.full(n, source), n + np.arange(m), [source]])
    heads = np.concatenate([n + option, people, people, np.full(m, sink), [sink]])
    caps = np.concatenate(
        [np.ones(person.size, dtype=np.int64), np.ones(n, dtype=np.int64), np.full(n, size - 1), cap, [n * size]]
    )
    costs = np.concatenate([-cost, np.full(n, -bonus), np.zeros(n + m + 1, dtype=np.int64)])
    solver = min_cost_flow.SimpleMinCostFlow()
    arcs = solver.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs.astype(np.int64)
    )
    supplies = np.zeros(n + m + 2, dtype=np.int64)
    supplies[source] = n * size
    supplies[sink] = -n * size
    solver.set_nodes_supplies(np.arange(n + m + 2, dtype=np.int32), supplies)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise SolverError(f"min-cost flow for menus ended with status {status}")
    flows = np.asarray(solver.flows(np.asarray(arcs)[: person.size]))
    return flows > 0
