"""What allocation looks like without optimisation, to compare against.

`greedy` is first come, first served: people in arrival order each take their best eligible option
with a seat left. `random_allocation` is a lottery: people in random order each take a random
eligible option with a seat left. Both loop over people (not pairs); they are baselines, not engines.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import ArrayLike

from ._scores import Scores, check_capacity, pair_scores, to_pairs
from ._types import Allocation


def greedy(scores: Scores, capacity: ArrayLike, order: ArrayLike | None = None) -> Allocation:
    started = time.perf_counter()
    pairs = to_pairs(scores)
    seats = check_capacity(capacity, pairs.n_options).copy()
    people = np.arange(pairs.n_people) if order is None else np.asarray(order, dtype=np.int64)
    assignment = np.full(pairs.n_people, -1, dtype=np.int64)
    for i in people:
        start, end = pairs.indptr[i], pairs.indptr[i + 1]
        options = pairs.option[start:end]
        open_ = seats[options] > 0
        if not open_.any():
            continue
        values = np.where(open_, pairs.score[start:end], -np.inf)
        choice = options[int(np.argmax(values))]
        assignment[i] = choice
        seats[choice] -= 1
    return _finish(scores, assignment, "greedy", started)


def random_allocation(scores: Scores, capacity: ArrayLike, seed: int | None = None) -> Allocation:
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    pairs = to_pairs(scores)
    seats = check_capacity(capacity, pairs.n_options).copy()
    assignment = np.full(pairs.n_people, -1, dtype=np.int64)
    for i in rng.permutation(pairs.n_people):
        options = pairs.option[pairs.indptr[i] : pairs.indptr[i + 1]]
        open_ = options[seats[options] > 0]
        if open_.size == 0:
            continue
        choice = open_[rng.integers(open_.size)]
        assignment[i] = choice
        seats[choice] -= 1
    return _finish(scores, assignment, "random", started)


def _finish(scores: Scores, assignment: np.ndarray, solver: str, started: float) -> Allocation:
    objective = float(pair_scores(scores, assignment).sum())
    return Allocation(assignment, objective, solver, status="heuristic", seconds=time.perf_counter() - started)
