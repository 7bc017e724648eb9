import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from reintegra.matching import allocate, allocate_flow, verify

from .helpers import broken_rules, lp_optimum

# Fixed here, not read from the engine. Scores in [0, 1] are rounded to multiples of 2^-30 (about 1e-9
# per person, see flow.score_scale), so the 40 people at most of these instances lose under 4e-8; the
# reference LP is solved to about 1e-9. A real error (one wrong pair) costs far more than 1e-6.
TOLERANCE = 1e-6
# The documented factor scores in [0, 1] are multiplied by before rounding to integer costs.
SCALE_FOR_UNIT_SCORES = 2**30


@st.composite
def instances(draw, max_people=25, max_options=8):
    n = draw(st.integers(0, max_people))
    m = draw(st.integers(1, max_options))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    scores = rng.random((n, m))
    if draw(st.booleans()):
        scores = np.round(scores, 1)  # ties
    if draw(st.booleans()):
        scores -= 0.2  # some pairs are never worth taking
    scores[rng.random((n, m)) < draw(st.floats(0, 0.9))] = np.nan
    capacity = rng.integers(0, max(2, n // m + 2), m)
    return scores, capacity


def crowded(n, m, seed, capacity_share=0.6):
    """Popular options, many people: most people's first choices are full."""
    rng = np.random.default_rng(seed)
    popularity = rng.normal(0, 1, m)
    taste = rng.normal(0, 1, (n, 2)) @ rng.normal(0, 1, (2, m))
    scores = 1 / (1 + np.exp(-(popularity + 0.5 * taste + 0.5 * rng.normal(0, 1, (n, m)))))
    capacity = np.maximum(1, rng.dirichlet(np.ones(m)) * n * capacity_share).astype(int)
    return scores, capacity


def to_sparse(scores):
    """Eligible pairs as explicit entries, zeros included."""
    person, option = np.nonzero(~np.isnan(scores))
    return sp.csr_array((scores[person, option], (person, option)), shape=scores.shape)


@settings(max_examples=60, deadline=None)
@given(instances())
def test_it_reaches_the_lp_optimum_of_the_assignment_problem(instance):
    scores, capacity = instance
    allocation = allocate(scores, capacity)
    assert allocation.objective == pytest.approx(lp_optimum(scores, capacity), abs=TOLERANCE)


@settings(max_examples=60, deadline=None)
@given(instances())
def test_it_respects_capacities_and_eligibility(instance):
    scores, capacity = instance
    allocation = allocate(scores, capacity)
    assert broken_rules(allocation.assignment, scores, capacity) == set()
    assert verify(allocation.assignment, scores, capacity) == []
    taken = allocation.assignment[allocation.assignment >= 0]
    assert (np.bincount(taken, minlength=capacity.size) <= capacity).all()
    people = np.flatnonzero(allocation.assignment >= 0)
    assert not np.isnan(scores[people, allocation.assignment[people]]).any()


@settings(max_examples=40, deadline=None)
@given(instances(max_people=40, max_options=12), st.integers(1, 4))
def test_pruned_and_certified_equals_the_full_flow(instance, k):
    scores, capacity = instance
    pruned = allocate_flow(scores, capacity, prune=True, k=k)
    full = allocate_flow(scores, capacity, prune=False)
    assert pruned.scaled_objective == full.scaled_objective


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pruning_pays_and_stays_exact_when_popular_options_are_crowded(seed):
    scores, capacity = crowded(3000, 40, seed)
    pruned = allocate_flow(scores, capacity, prune=True, k=2)
    full = allocate_flow(scores, capacity, prune=False)
    assert pruned.scaled_objective == full.scaled_objective
    assert pruned.arcs < scores.size / 5
    # with two pairs per person from the start, some people needed more: the certificate caught them
    assert pruned.rounds >= 2


def test_prices_estimated_on_a_sample_lead_to_the_same_optimum(monkeypatch):
    import reintegra.matching.flow as flow

    monkeypatch.setattr(flow, "SAMPLE_FROM", 500)
    scores, capacity = crowded(8000, 30, seed=4)
    sampled = allocate_flow(scores, capacity, prune=True)
    full = allocate_flow(scores, capacity, prune=False)
    assert sampled.scaled_objective == full.scaled_objective


@settings(max_examples=40, deadline=None)
@given(instances())
def test_sparse_input_gives_the_same_optimum_as_dense_input(instance):
    scores, capacity = instance
    dense = allocate(scores, capacity)
    sparse = allocate(to_sparse(scores), capacity)
    assert sparse.scaled_objective == dense.scaled_objective
    assert broken_rules(sparse.assignment, to_sparse(scores), capacity) == set()
    assert verify(sparse.assignment, scores, capacity) == []


def test_explicit_zeros_in_a_sparse_matrix_are_eligible_and_absent_entries_are_not():
    scores = sp.csr_array((np.array([0.0, 0.9]), (np.array([0, 1]), np.array([1, 0]))), shape=(2, 2))
    assert verify([1, 0], scores, [1, 1]) == [] and broken_rules([1, 0], scores, [1, 1]) == set()
    broken = verify([0, 0], scores, [2, 2])
    assert [v.constraint for v in broken] == ["eligibility"]
    assert broken_rules([0, 0], scores, [2, 2]) == {"eligibility"}


def test_it_never_takes_a_negative_score_and_leaves_people_unassigned_instead():
    scores = np.array([[-0.5, np.nan], [0.3, -0.1]])
    allocation = allocate(scores, [5, 5])
    assert allocation.assignment.tolist() == [-1, 0]
    assert allocation.objective == pytest.approx(0.3)


def test_it_reports_the_rounding_bound_and_the_exact_scaled_objective():
    scores = np.array([[1 / 3, 0.25], [0.5, np.nan]])
    allocation = allocate(scores, [1, 1])
    assert allocation.scale == SCALE_FOR_UNIT_SCORES
    assert allocation.rounding_bound <= 2 * 1e-6
    assert allocation.assignment.tolist() == [1, 0]
    assert allocation.scaled_objective == round(0.25 * SCALE_FOR_UNIT_SCORES) + round(0.5 * SCALE_FOR_UNIT_SCORES)


def test_it_handles_no_people_no_seats_and_no_eligible_pairs():
    assert allocate(np.zeros((0, 3)), [1, 1, 1]).assignment.size == 0
    assert allocate(np.full((3, 2), np.nan), [1, 1]).assignment.tolist() == [-1, -1, -1]
    assert allocate(np.ones((3, 2)), [0, 0]).assignment.tolist() == [-1, -1, -1]


def test_it_rejects_a_negative_capacity_and_mismatched_shapes():
    with pytest.raises(ValueError, match="negative"):
        allocate(np.ones((2, 2)), [1, -1])
    with pytest.raises(ValueError, match="one entry per option"):
        allocate(np.ones((2, 2)), [1, 1, 1])
    with pytest.raises(ValueError, match="finite"):
        allocate(np.array([[np.inf]]), [1])


def test_a_large_sparse_matrix_is_pruned_sampled_and_certified_to_the_dense_optimum(monkeypatch):
    import reintegra.matching.flow as flow

    monkeypatch.setattr(flow, "SAMPLE_FROM", 500)
    scores, capacity = crowded(6000, 40, seed=5)
    scores[np.random.default_rng(5).random(scores.shape) < 0.3] = np.nan
    sparse = allocate_flow(to_sparse(scores), capacity, prune=True, k=3)
    dense = allocate_flow(scores, capacity, prune=False)
    assert sparse.scaled_objective == dense.scaled_objective
    assert broken_rules(sparse.assignment, scores, capacity) == set()
    assert verify(sparse.assignment, scores, capacity) == []
