"""Choice first: a stable allocation by person-proposing deferred acceptance (Gale–Shapley).

**Preferences.** Person i ranks the options eligible for them (score not NaN): their wishes first, by
`rank` (1 = first wish; options sharing a rank by higher score, then lower option index), then their
other eligible options by higher score, then lower option index. Every eligible option is acceptable
to them: they may still decline the offer it becomes. Option j ranks the people eligible for it by
predicted success (higher score first, then lower person index).

**Deferred acceptance.** Everyone asks for their first option; an option keeps, among those who asked
and those it already holds, the `capacity` it ranks highest and turns the others away; those ask for
their next option; it ends when nobody is turned away. Here each round is vectorised: all the people
turned away in the previous round ask at once, and only the options they ask re-sort their holders.

**The guarantee, in plain words.** No one is refused an option they wanted more while someone the
option ranks lower got it, and no one wanted more an option that still has a free seat (no justified
envy: the allocation is *stable*). Among all stable allocations it is the best for every person at
once (person-optimal): no stable allocation gives anyone an option they rank higher. And it is
strategy-proof for people: no one can get an option they prefer by listing their wishes in another
order than their true one, so a returnee's best move is to say what they want.

It does not maximise the expected decent incomes (its price against the optimum is for the caller to
show), and it cannot hold a group band, a budget or a number of people to place: those make the
allocation a different problem with no stable answer in general, so asking for them is a ValueError.
`justified_envy` checks any allocation independently of the algorithm.

Dense scores only (NaN = not eligible); a sparse matrix is made dense when it is small enough.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import ArrayLike

from ._scores import Scores, check_capacity, dense_scores, is_sparse, shape_of, to_pairs
from ._types import Allocation, FloatArray, GroupShare, IntArray

# Sparse scores are made dense up to this many cells.
DENSE_CELLS = 20_000_000


def dense_matrix(scores: Scores, what: str) -> FloatArray:
    """The scores as a dense matrix with NaN for the pairs that are not eligible."""
    if not is_sparse(scores):
        return dense_scores(scores)
    n, m = shape_of(scores)
    if n * m > DENSE_CELLS:
        raise ValueError(f"{what} needs dense scores; {n} × {m} is too large to convert (at most {DENSE_CELLS} cells)")
    pairs = to_pairs(scores)
    matrix = np.full((n, m), np.nan)
    matrix[pairs.person, pairs.option] = pairs.score
    return matrix


def wish_ranks(rank: ArrayLike, shape: tuple[int, int]) -> IntArray:
    """`rank` checked: whole numbers, not negative, one per (person, option)."""
    values = np.asarray(rank)
    if values.shape != shape:
        raise ValueError(f"rank must have the shape of the scores {shape}, got {values.shape}")
    if values.size and not (
        np.issubdtype(values.dtype, np.number) and not np.issubdtype(values.dtype, np.complexfloating)
    ):
        raise ValueError("rank must hold whole numbers (1 = first wish, 0 = not a wish)")
    if values.size and not (np.isfinite(values).all() and np.all(values == np.floor(values))):
        raise ValueError("rank must hold whole numbers (1 = first wish, 0 = not a wish)")
    result = values.astype(np.int64)
    if (result < 0).any():
        raise ValueError("rank must not be negative (0 = not a wish)")
    return result


def preference_order(matrix: FloatArray, rank: IntArray) -> tuple[IntArray, IntArray]:
    """Each person's eligible options, most preferred first (row i, first `length[i]` entries), and
    `length`. Wishes by rank, then the other eligible options; within either, higher score, then lower
    option index."""
    n, m = matrix.shape
    eligible = ~np.isnan(matrix)
    # Not a wish: after every wish; not eligible: after everything.
    tier = np.where(rank >= 1, rank, np.iinfo(np.int64).max - 1)
    tier = np.where(eligible, tier, np.iinfo(np.int64).max)
    negative_score = np.where(eligible, -matrix, 0.0)
    index = np.broadcast_to(np.arange(m, dtype=np.int64), (n, m))
    order = np.lexsort((index, negative_score, tier), axis=-1).astype(np.int64)
    return order, eligible.sum(axis=1).astype(np.int64)


def _refuse_side_constraints(
    n: int, group: ArrayLike | None, group_share: GroupShare | None, budget: float | None, min_assigned_total: int
) -> None:
    if group_share is not None:
        raise ValueError(
            "the stable allocation cannot hold a group share band: each person gets the best option that "
            "will have them, whoever else is there; choose the optimal mode for a band"
        )
    if budget is not None:
        raise ValueError(
            "the stable allocation cannot hold a budget: the options people get are decided by their "
            "wishes and the options' priorities, not by cost; choose the optimal mode for a budget"
        )
    if min_assigned_total:
        raise ValueError(
            "the stable allocation cannot be asked to place a number of people: it places everyone some "
            "option with a seat will take; choose the optimal mode for a number to place"
        )
    if group is not None and np.asarray(group).shape != (n,):
        raise ValueError(f"group must have one flag per person ({n}), got shape {np.asarray(group).shape}")


def allocate_stable(
    scores: Scores,
    capacity: ArrayLike,
    rank: ArrayLike,
    *,
    group: ArrayLike | None = None,
    group_share: GroupShare | None = None,
    budget: float | None = None,
    cost: ArrayLike | None = None,
    min_assigned_total: int = 0,
) -> Allocation:
    """The person-optimal stable allocation (see the module's docstring for the guarantee).

    No one is refused an option they wanted more while someone the option ranks lower got it, and no
    one wanted more an option with a free seat left; no stable allocation is better for anyone; no one
    gains by misstating their wishes. Options rank people by predicted success (score).

    `group` is accepted (it only names who is in the group) but nothing is applied to it: a
    `group_share` band, a `budget` or `min_assigned_total` raise ValueError, because this mode does not
    apply them (the caller should offer them only with the optimal mode). `cost` alone is ignored.
    """
    started = time.perf_counter()
    matrix = dense_matrix(scores, "the stable allocation")
    n, m = matrix.shape
    cap = check_capacity(capacity, m)
    wishes = wish_ranks(rank, (n, m))
    _refuse_side_constraints(n, group, group_share, budget, min_assigned_total)
    preferences, length = preference_order(matrix, wishes)

    assignment = np.full(n, -1, dtype=np.int64)
    following = np.zeros(n, dtype=np.int64)  # the next option on each person's list to ask
    asking = np.flatnonzero(length > 0)
    rounds = 0
    proposals = 0
    asked = np.zeros(m, dtype=bool)
    while asking.size:
        rounds += 1
        proposals += int(asking.size)
        options = preferences[asking, following[asking]]
        following[asking] += 1
        asked[:] = False
        asked[options] = True
        held = np.flatnonzero((assignment >= 0) & asked[np.maximum(assignment, 0)])
        people = np.concatenate([held, asking])
        at = np.concatenate([assignment[held], options])
        # Within each option, by its priority: higher score first, then lower person index.
        order = np.lexsort((people, -matrix[people, at], at))
        people, at = people[order], at[order]
        place = np.arange(at.size) - np.searchsorted(at, at, side="left")
        kept = place < cap[at]
        assignment[people[kept]] = at[kept]
        refused = people[~kept]
        assignment[refused] = -1
        asking = refused[following[refused] < length[refused]]

    who = np.flatnonzero(assignment >= 0)
    return Allocation(
        assignment=assignment,
        objective=float(matrix[who, assignment[who]].sum()),
        solver="deferred_acceptance",
        seconds=time.perf_counter() - started,
        rounds=rounds,
        extra={"proposals": proposals},
    )


def justified_envy(
    assignment: ArrayLike, scores: Scores, capacity: ArrayLike, rank: ArrayLike
) -> list[tuple[int, int]]:
    """Every case of justified envy in `assignment`, [] when it is stable.

    (i, k): person i prefers person k's option j (eligible for i) to their own, and j ranks i above k.
    (i, -1): person i prefers an option eligible for them that has a free seat (listed once per person).
    Preferences and priorities are those of `allocate_stable`. Checked from the allocation alone, by a
    different route than deferred acceptance: each pair is compared directly. An assignment that is
    not an allocation (wrong shape, an unknown or ineligible option, more people than seats) is a
    ValueError: see `verify` for those.
    """
    matrix = dense_matrix(scores, "justified_envy")
    n, m = matrix.shape
    cap = check_capacity(capacity, m)
    wishes = wish_ranks(rank, (n, m))
    chosen = _checked_assignment(assignment, matrix, cap)
    eligible = ~np.isnan(matrix)
    placed = chosen >= 0
    rows = np.arange(n)
    own = np.maximum(chosen, 0)

    # i prefers j to their own option, as keys compared in order: (tier, -score, option index).
    tier = np.where(wishes >= 1, wishes.astype(np.float64), np.inf)
    own_tier = np.where(placed, tier[rows, own], np.inf)
    own_score = np.where(placed, matrix[rows, own], 0.0)
    score = np.where(eligible, matrix, 0.0)
    index = np.arange(m)[None, :]
    better = (tier < own_tier[:, None]) | (
        (tier == own_tier[:, None])
        & ((score > own_score[:, None]) | ((score == own_score[:, None]) & (index < own[:, None])))
    )
    prefers = eligible & np.where(placed[:, None], better, True)

    found: list[tuple[int, int]] = []
    taken = np.bincount(chosen[placed], minlength=m)
    free = taken < cap
    for i in np.flatnonzero((prefers & free[None, :]).any(axis=1)):
        found.append((int(i), -1))
    for j in np.flatnonzero(~free & (taken > 0)):
        holders = np.flatnonzero(chosen == j)
        # Only those above the holder the option ranks last can be above any holder.
        last = holders[np.lexsort((-holders, matrix[holders, j]))[0]]
        rivals = np.flatnonzero(prefers[:, j])
        rivals = rivals[
            (matrix[rivals, j] > matrix[last, j]) | ((matrix[rivals, j] == matrix[last, j]) & (rivals < last))
        ]
        mine, theirs = matrix[rivals, j][:, None], matrix[holders, j][None, :]
        above = (mine > theirs) | ((mine == theirs) & (rivals[:, None] < holders[None, :]))
        envious, envied = np.nonzero(above)
        found.extend(zip(rivals[envious].tolist(), holders[envied].tolist(), strict=True))
    return sorted(set(found))


def _checked_assignment(assignment: ArrayLike, matrix: FloatArray, cap: IntArray) -> IntArray:
    n, m = matrix.shape
    chosen = np.asarray(assignment)
    if chosen.shape != (n,):
        raise ValueError(f"assignment must have one entry per person ({n}), got shape {chosen.shape}")
    if chosen.size and not np.issubdtype(chosen.dtype, np.integer):
        raise ValueError("assignment must hold option indices (whole numbers, -1 for nobody)")
    chosen = chosen.astype(np.int64)
    bad = np.flatnonzero((chosen < -1) | (chosen >= m))
    if bad.size:
        raise ValueError(f"person {int(bad[0])} is assigned to option {int(chosen[bad[0]])}, which does not exist")
    who = np.flatnonzero(chosen >= 0)
    ineligible = who[np.isnan(matrix[who, chosen[who]])]
    if ineligible.size:
        i = int(ineligible[0])
        raise ValueError(f"person {i} is assigned to option {int(chosen[i])}, which is not eligible for them")
    over = np.flatnonzero(np.bincount(chosen[who], minlength=m) > cap)
    if over.size:
        raise ValueError(f"option {int(over[0])} holds more people than its {int(cap[over[0]])} seats")
    return chosen
