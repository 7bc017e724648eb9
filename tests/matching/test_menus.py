import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from reintegra.matching import Menus, allocate_menus

# Scores in [0, 1] are rounded to multiples of at least 2^-30 per entry; a wrong entry costs far more.
TOLERANCE = 1e-6


def reference(scores, capacity, size):
    """Two MILPs written pair by pair: the most people with a menu, then the highest sum of entry
    scores among menus that reach it. Pairs with a score that is not positive are never on a menu."""
    n, m = scores.shape
    person, option = np.nonzero(np.nan_to_num(scores, nan=0.0) > 0)
    e = person.size
    if e == 0:
        return 0, 0.0
    width = e + n  # x per pair, then y per person (has a menu)
    rows, lower, upper = [], [], []
    for i in range(n):
        row = np.zeros(width)
        row[:e] = person == i
        rows.append(row)
        lower.append(0)
        upper.append(size)
        row = row.copy()
        row[e + i] = -1  # y_i <= entries of i
        rows.append(row)
        lower.append(0)
        upper.append(np.inf)
    for j in range(m):
        row = np.zeros(width)
        row[:e] = option == j
        rows.append(row)
        lower.append(0)
        upper.append(capacity[j])
    matrix = np.array(rows)
    integral = np.ones(width)
    first = milp(
        np.concatenate([np.zeros(e), -np.ones(n)]),
        constraints=[LinearConstraint(matrix, lower, upper)],
        integrality=integral,
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0},
    )
    assert first.status == 0
    covered = round(-first.fun)
    coverage = np.concatenate([np.zeros(e), np.ones(n)])
    second = milp(
        np.concatenate([-scores[person, option], np.zeros(n)]),
        constraints=[LinearConstraint(matrix, lower, upper), LinearConstraint(coverage, covered, np.inf)],
        integrality=integral,
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0},
    )
    assert second.status == 0
    return covered, -float(second.fun)


@st.composite
def instances(draw):
    n = draw(st.integers(0, 12))
    m = draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scores = rng.random((n, m))
    if draw(st.booleans()):
        scores = np.round(scores, 1)  # ties, and some zeros
    if draw(st.booleans()):
        scores -= 0.2  # some pairs never worth a place on a menu
    scores[rng.random((n, m)) < draw(st.floats(0, 0.7))] = np.nan
    capacity = rng.integers(0, max(2, 3 * n // m + 2), m)
    rank = np.zeros((n, m), dtype=np.int64)
    for i in range(n):
        wished = rng.permutation(m)[: rng.integers(0, m + 1)]
        rank[i, wished] = np.arange(1, wished.size + 1)
    return scores, capacity, rank, draw(st.integers(1, 3))


def check_menus(made: Menus, scores, capacity, rank, size):
    n, m = scores.shape
    assert len(made.menus) == n
    on = np.zeros(m, dtype=np.int64)
    for i, menu in enumerate(made.menus):
        assert len(menu) <= size
        assert len(set(menu)) == len(menu)
        for j in menu:
            assert scores[i, j] > 0  # eligible (NaN > 0 is False) and worth something
            on[j] += 1
        key = [(rank[i, j] if rank[i, j] >= 1 else np.inf, -scores[i, j], j) for j in menu]
        assert key == sorted(key)  # wishes first, by rank, then by score
    assert (on <= capacity).all()  # never more menus than seats
    firsts = [scores[i, menu[0]] for i, menu in enumerate(made.menus) if menu]
    assert made.expected == pytest.approx(sum(firsts))
    assert made.covered == sum(1 for menu in made.menus if menu)


@settings(max_examples=80, deadline=None)
@given(instances())
def test_it_matches_an_independent_milp(instance):
    scores, capacity, rank, size = instance
    made = allocate_menus(scores, capacity, rank, size=size)
    check_menus(made, scores, capacity, rank, size)
    covered, best = reference(scores, capacity, size)
    assert made.covered == covered
    assert made.entries_score == pytest.approx(best, abs=TOLERANCE)
    entries = sum(scores[i, j] for i, menu in enumerate(made.menus) for j in menu)
    assert made.entries_score == pytest.approx(entries)


def test_no_one_goes_without_a_menu_so_that_another_gets_a_longer_one():
    # Two strong people could fill all four seats (2 × 0.9 × 2); four people with one option each do less
    # for the sum of scores but give everyone a menu.
    scores = np.array([[0.9, 0.9], [0.9, 0.9], [0.1, 0.1], [0.1, 0.1]])
    made = allocate_menus(scores, [2, 2], size=3)
    assert [len(menu) for menu in made.menus] == [1, 1, 1, 1]
    assert made.covered == 4


def test_a_person_with_fewer_eligible_options_gets_a_shorter_menu():
    scores = np.array([[0.5, np.nan, np.nan, np.nan], [0.4, 0.6, 0.2, 0.3], [np.nan, 0.7, np.nan, 0.8]])
    made = allocate_menus(scores, [5, 5, 5, 5], size=3)
    assert [len(menu) for menu in made.menus] == [1, 3, 2]
    assert made.menus[1] == [1, 0, 3]  # best first, without wishes
    assert made.menus[2] == [3, 1]


def test_wishes_come_first_on_a_menu():
    scores = np.array([[0.9, 0.2, 0.5, 0.4, 0.45]])
    rank = np.array([[0, 3, 0, 2, 1]])
    made = allocate_menus(scores, [1, 1, 1, 1, 1], rank, size=3)
    # The three best scores are on the menu; the wishes among them first, by rank, then the others.
    assert made.menus == [[4, 0, 2]]
    assert made.expected == pytest.approx(0.45)
    assert made.entries_score == pytest.approx(1.85)
    assert allocate_menus(scores, [1, 1, 1, 1, 1], size=3).menus == [[0, 2, 4]]


def test_seats_limit_the_menus():
    scores = np.full((5, 2), 0.5)
    made = allocate_menus(scores, [1, 2], size=2)
    assert made.covered == 3
    assert sum(len(menu) for menu in made.menus) == 3
    assert made.entries == 3


def test_sparse_scores_give_the_same_menus():
    rng = np.random.default_rng(3)
    scores = rng.random((20, 6))
    scores[rng.random((20, 6)) < 0.5] = np.nan
    person, option = np.nonzero(~np.isnan(scores))
    sparse = sp.csr_array((scores[person, option], (person, option)), shape=scores.shape)
    capacity = rng.integers(0, 8, 6)
    assert allocate_menus(sparse, capacity, size=2).menus == allocate_menus(scores, capacity, size=2).menus


@pytest.mark.parametrize("size", [0, -1, 2.5, True, "3"])
def test_it_refuses_a_menu_size_that_is_not_a_positive_whole_number(size):
    with pytest.raises(ValueError, match="size must be a whole number"):
        allocate_menus(np.full((2, 2), 0.5), [1, 1], size=size)


def test_it_refuses_wishes_of_the_wrong_shape():
    with pytest.raises(ValueError, match="shape of the scores"):
        allocate_menus(np.full((2, 2), 0.5), [1, 1], np.zeros((3, 2)))
