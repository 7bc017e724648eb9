import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reintegra.matching import allocate, greedy, metrics, random_allocation, verify
from reintegra.matching.metrics import duncan_index

from .helpers import broken_rules
from .test_allocate import TOLERANCE, instances


@settings(max_examples=40, deadline=None)
@given(instances(), st.integers(0, 1000))
def test_greedy_and_random_respect_capacities_and_eligibility_and_never_beat_the_optimum(instance, seed):
    scores, capacity = instance
    best = allocate(scores, capacity)
    for baseline in (greedy(scores, capacity), random_allocation(scores, capacity, seed)):
        assert broken_rules(baseline.assignment, scores, capacity) == set()
        assert verify(baseline.assignment, scores, capacity) == []
        assert baseline.objective <= best.objective + TOLERANCE


def test_greedy_serves_people_in_arrival_order_with_their_best_option_left():
    scores = np.array([[0.9, 0.8], [0.95, 0.1], [0.5, np.nan]])
    assert greedy(scores, [1, 1]).assignment.tolist() == [0, 1, -1]
    assert greedy(scores, [1, 1], order=[1, 0, 2]).assignment.tolist() == [1, 0, -1]
    # the optimum moves the first person to make room: 0.8 + 0.95 > 0.9 + 0.1
    assert allocate(scores, [1, 1]).assignment.tolist() == [1, 0, -1]


def test_random_allocation_is_reproducible_with_a_seed():
    scores = np.random.default_rng(0).random((30, 5))
    first = random_allocation(scores, [3] * 5, seed=42).assignment
    assert (random_allocation(scores, [3] * 5, seed=42).assignment == first).all()


def test_duncan_index_of_a_hand_computed_example():
    # option 0: 3 women 1 man; option 1: 1 woman 3 men; person 8 unassigned (not counted)
    assignment = np.array([0, 0, 0, 0, 1, 1, 1, 1, -1])
    women = np.array([1, 1, 1, 0, 1, 0, 0, 0, 1], dtype=bool)
    # G = 4, N = 4: 0.5 * (|3/4 - 1/4| + |1/4 - 3/4|) = 0.5
    assert duncan_index(assignment, women, 2) == pytest.approx(0.5)
    assert duncan_index(np.array([0, 1, 0, 1]), np.array([1, 1, 0, 0], dtype=bool), 2) == 0.0
    assert duncan_index(np.array([0, 0, 1, 1]), np.array([1, 1, 0, 0], dtype=bool), 2) == 1.0
    assert duncan_index(np.array([0, 1]), np.array([1, 1], dtype=bool), 2) is None


def test_metrics_of_a_hand_computed_example():
    scores = np.array([[0.5, 0.2, np.nan], [0.4, 0.9, 0.1], [0.3, np.nan, 0.6], [0.2, 0.2, 0.2]])
    allocation = allocate(scores, [1, 1, 1])
    assert allocation.assignment.tolist() == [0, 1, 2, -1]
    result = metrics(
        allocation,
        scores,
        group=np.array([True, True, False, False]),
        aspirations=[[1, 2, 0], [0, 2, 1, 3], [], [0]],  # person 1's 4th wish is not counted
        needs_income=np.array([True, False, True, True]),
        stipend=np.array([0.0, 100.0, 50.0]),
    )
    assert result.expected_placements == pytest.approx(2.0)
    assert result.top3_aspiration_share == pytest.approx(2 / 3)  # of the three people with known wishes
    assert result.stipend_coverage == pytest.approx(1 / 3)  # person 2 of persons 0, 2, 3
    assert result.duncan_index == pytest.approx(1.0)  # the group is in options 0 and 1, the others in 2
    assert (result.group_share_min, result.group_share_max) == (0.0, 1.0)
    assert set(result.as_dict()) == {
        "expected_placements",
        "top3_aspiration_share",
        "stipend_coverage",
        "duncan_index",
        "group_share_min",
        "group_share_max",
        "seconds",
    }


def test_metrics_are_none_where_nothing_is_known():
    scores = np.array([[0.5]])
    result = metrics(allocate(scores, [1]), scores, aspirations=[[]], needs_income=np.array([False]), stipend=[0.0])
    assert result.top3_aspiration_share is None
    assert result.stipend_coverage is None
    assert result.duncan_index is None
