import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from reintegra.matching import GroupShare, allocate_stable, justified_envy, verify

# The rules of the stable mode, written here from its contract, not read from the engine: a person
# prefers their wishes by rank, then their other eligible options; within either, the higher score,
# then the lower option index. An option ranks people by higher score, then lower person index.


def preference(scores, rank, i, j):
    """A sort key: smaller is preferred; being unassigned (j = -1) comes after every eligible option."""
    if j == -1:
        return (math.inf, math.inf, math.inf)
    return (rank[i, j] if rank[i, j] >= 1 else math.inf, -scores[i, j], j)


def ranks_above(scores, j, i, k):
    """Option j ranks person i above person k."""
    return (scores[i, j], -i) > (scores[k, j], -k)


def is_stable(assignment, scores, capacity, rank):
    n, m = scores.shape
    for i in range(n):
        own = preference(scores, rank, i, assignment[i])
        for j in range(m):
            if np.isnan(scores[i, j]) or preference(scores, rank, i, j) >= own:
                continue
            holders = [k for k in range(n) if assignment[k] == j]
            if len(holders) < capacity[j]:
                return False
            if any(ranks_above(scores, j, i, k) for k in holders):
                return False
    return True


def all_allocations(scores, capacity):
    n, m = scores.shape
    choices = [[-1] + [j for j in range(m) if not np.isnan(scores[i, j])] for i in range(n)]
    for assignment in itertools.product(*choices):
        if all(assignment.count(j) <= capacity[j] for j in range(m)):
            yield np.array(assignment, dtype=np.int64)


@st.composite
def tiny(draw):
    n = draw(st.integers(0, 5))
    m = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scores = np.round(rng.random((n, m)), 1)  # ties, broken by the rules above
    scores[rng.random((n, m)) < draw(st.floats(0, 0.5))] = np.nan
    capacity = rng.integers(0, 3, m)
    rank = np.zeros((n, m), dtype=np.int64)
    for i in range(n):
        wished = rng.permutation(m)[: rng.integers(0, m + 1)]
        rank[i, wished] = rng.integers(1, 3, wished.size) if draw(st.booleans()) else np.arange(1, wished.size + 1)
    return scores, capacity, rank


@st.composite
def larger(draw):
    n = draw(st.integers(0, 80))
    m = draw(st.integers(1, 10))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scores = rng.random((n, m))
    if draw(st.booleans()):
        scores = np.round(scores, 1)
    scores[rng.random((n, m)) < draw(st.floats(0, 0.8))] = np.nan
    capacity = rng.integers(0, max(2, n // m + 2), m)
    rank = np.zeros((n, m), dtype=np.int64)
    for i in range(n):
        wished = rng.permutation(m)[: rng.integers(0, min(m, 5) + 1)]
        rank[i, wished] = np.arange(1, wished.size + 1)
    return scores, capacity, rank


@settings(max_examples=120, deadline=None)
@given(tiny())
def test_it_is_the_person_optimal_stable_allocation_by_brute_force(instance):
    scores, capacity, rank = instance
    n = scores.shape[0]
    result = allocate_stable(scores, capacity, rank).assignment
    assert is_stable(result, scores, capacity, rank)
    stable = [a for a in all_allocations(scores, capacity) if is_stable(a, scores, capacity, rank)]
    assert any(np.array_equal(result, a) for a in stable)
    for other in stable:
        for i in range(n):
            assert preference(scores, rank, i, result[i]) <= preference(scores, rank, i, other[i])


@settings(max_examples=60, deadline=None)
@given(tiny())
def test_justified_envy_is_empty_exactly_for_the_stable_allocations(instance):
    scores, capacity, rank = instance
    for assignment in all_allocations(scores, capacity):
        assert (justified_envy(assignment, scores, capacity, rank) == []) == is_stable(
            assignment, scores, capacity, rank
        )


@settings(max_examples=80, deadline=None)
@given(larger())
def test_it_leaves_no_justified_envy_and_breaks_no_rule(instance):
    scores, capacity, rank = instance
    allocation = allocate_stable(scores, capacity, rank)
    assert justified_envy(allocation.assignment, scores, capacity, rank) == []
    assert verify(allocation.assignment, scores, capacity) == []
    who = np.flatnonzero(allocation.assignment >= 0)
    assert allocation.objective == pytest.approx(scores[who, allocation.assignment[who]].sum())


@settings(max_examples=40, deadline=None)
@given(tiny(), st.integers(0, 2**32 - 1))
def test_no_one_gains_by_misstating_their_wishes(instance, seed):
    scores, capacity, rank = instance
    n, m = scores.shape
    truthful = allocate_stable(scores, capacity, rank).assignment
    rng = np.random.default_rng(seed)
    for i in range(n):
        for _ in range(4):
            lie = rank.copy()
            lie[i] = 0
            wished = rng.permutation(m)[: rng.integers(0, m + 1)]
            lie[i, wished] = np.arange(1, wished.size + 1)
            outcome = allocate_stable(scores, capacity, lie).assignment[i]
            assert preference(scores, rank, i, truthful[i]) <= preference(scores, rank, i, outcome)


def test_wishes_come_before_a_higher_chance_elsewhere():
    scores = np.array([[0.9, 0.2], [0.8, np.nan]])
    rank = np.array([[0, 1], [0, 0]])
    assert allocate_stable(scores, [1, 1], rank).assignment.tolist() == [1, 0]
    # Without the wish, person 0 takes option 0 first: the option ranks them above person 1.
    assert allocate_stable(scores, [1, 1], np.zeros((2, 2))).assignment.tolist() == [0, -1]


def test_a_full_option_keeps_the_people_it_ranks_highest():
    scores = np.array([[0.3], [0.7], [0.5], [0.7]])
    allocation = allocate_stable(scores, [2], np.ones((4, 1)))
    assert allocation.assignment.tolist() == [-1, 0, -1, 0]
    assert allocation.objective == pytest.approx(1.4)
    # A tie for the last seat goes to the lower person index.
    assert allocate_stable(scores, [1], np.ones((4, 1))).assignment.tolist() == [-1, 0, -1, -1]


def test_justified_envy_names_who_is_passed_over_and_free_seats():
    scores = np.array([[0.9, 0.5], [0.4, 0.6], [0.8, np.nan]])
    rank = np.array([[1, 2], [1, 2], [1, 0]])
    # Option 0 (1 seat) holds person 1, whom it ranks below persons 0 and 2, who both wish for it.
    assert justified_envy([1, 0, -1], scores, [1, 1], rank) == [(0, 1), (2, 1)]
    # Option 0 has free seats, which persons 0 and 2 (unplaced) and 1 (placed on their second wish) want.
    assert justified_envy([-1, 1, -1], scores, [2, 1], rank) == [(0, -1), (1, -1), (2, -1)]
    # The stable one.
    stable = allocate_stable(scores, [1, 1], rank).assignment
    assert stable.tolist() == [0, 1, -1]
    assert justified_envy(stable, scores, [1, 1], rank) == []


def test_justified_envy_refuses_what_is_not_an_allocation():
    scores = np.array([[0.5, np.nan], [0.5, 0.5]])
    rank = np.zeros((2, 2))
    with pytest.raises(ValueError, match="not eligible"):
        justified_envy([1, -1], scores, [1, 1], rank)
    with pytest.raises(ValueError, match="more people than its 1 seats"):
        justified_envy([0, 0], scores, [1, 1], rank)
    with pytest.raises(ValueError, match="does not exist"):
        justified_envy([2, -1], scores, [1, 1], rank)
    with pytest.raises(ValueError, match="one entry per person"):
        justified_envy([0], scores, [1, 1], rank)


def test_sparse_scores_give_the_same_allocation():
    rng = np.random.default_rng(7)
    scores = rng.random((30, 5))
    scores[rng.random((30, 5)) < 0.4] = np.nan
    person, option = np.nonzero(~np.isnan(scores))
    sparse = sp.csr_array((scores[person, option], (person, option)), shape=scores.shape)
    rank = rng.integers(0, 4, (30, 5))
    capacity = np.array([3, 2, 5, 1, 4])
    dense = allocate_stable(scores, capacity, rank).assignment
    assert np.array_equal(allocate_stable(sparse, capacity, rank).assignment, dense)


def test_it_refuses_a_band_a_budget_or_a_number_to_place():
    scores = np.array([[0.5, 0.4]])
    rank = np.array([[1, 0]])
    with pytest.raises(ValueError, match="group share band"):
        allocate_stable(scores, [1, 1], rank, group=[True], group_share=GroupShare(0.3, 0.7))
    with pytest.raises(ValueError, match="budget"):
        allocate_stable(scores, [1, 1], rank, budget=10.0, cost=[1.0, 2.0])
    with pytest.raises(ValueError, match="number of people"):
        allocate_stable(scores, [1, 1], rank, min_assigned_total=1)
    # The group alone is only a label: nothing to apply.
    assert allocate_stable(scores, [1, 1], rank, group=[True]).assignment.tolist() == [0]


@pytest.mark.parametrize(
    ("rank", "message"),
    [
        (np.zeros((2, 3)), "shape of the scores"),
        (np.array([[1, -1], [0, 0]]), "must not be negative"),
        (np.array([[1.5, 0], [0, 0]]), "whole numbers"),
    ],
)
def test_it_refuses_wishes_that_do_not_fit(rank, message):
    with pytest.raises(ValueError, match=message):
        allocate_stable(np.full((2, 2), 0.5), [1, 1], rank)
