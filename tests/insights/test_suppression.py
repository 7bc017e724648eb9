"""Small-cell suppression (issue 13, "Privacy of aggregates"): reintegra/lib/suppression.py `protect`.

Primary suppression hides every cell of 1 to k−1 people and shows zeros and cells of k or more;
complementary suppression leaves no line of the lattice (a margin and the cells it adds up) with a
single hidden cell. Beyond that rule, an attacker's checker: the reader knows every shown value, that
along every line the margin is the sum of the cells, and that a hidden cell is not zero (zeros are
shown). `computed_back` solves, for each small cell, the least and the greatest value those equations
allow (a linear programme over the hidden cells); a cell whose range holds one whole number is given back.
"""

import itertools
import json
import math
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from reintegra.lib.suppression import ALL, Key, enough, protect, protect_views

K = 5


def lines(cells: Iterable[Key], ndims: int) -> dict[tuple[int, Key], list[Key]]:
    """The lines of a lattice: along one axis, the others fixed; each holds its cells and its margin."""
    found: dict[tuple[int, Key], list[Key]] = defaultdict(list)
    for key in cells:
        for axis in range(ndims):
            found[(axis, key[:axis] + key[axis + 1 :])].append(key)
    return found


def lattice(inner: Mapping[Key, int]) -> dict[Key, int]:
    """Every non-zero cell of the lattice of a cube given by its inner cells, margins included."""
    cells: dict[Key, int] = defaultdict(int)
    for key, n in inner.items():
        if n > 0:
            for mask in itertools.product((False, True), repeat=len(key)):
                cells[tuple(ALL if m else v for v, m in zip(key, mask, strict=True))] += n
    return dict(cells)


def computed_back(cells: Mapping[Key, int], hidden: set[Key], ndims: int, k: int = K) -> dict[Key, tuple[float, float]]:
    """The small cells (1..k−1) a reader can compute back from what is shown, with the range the
    equations leave them (one whole number in it: given back)."""
    order = sorted(hidden)
    index = {key: i for i, key in enumerate(order)}
    equations, constants = [], []
    for (axis, _rest), members in lines(cells, ndims).items():
        if not any(m in index for m in members):
            continue
        row, constant = np.zeros(len(order)), 0.0
        for member in members:
            sign = -1.0 if member[axis] == ALL else 1.0  # the inner cells minus the margin make 0
            if member in index:
                row[index[member]] += sign
            else:
                constant -= sign * cells[member]
        equations.append(row)
        constants.append(constant)
    given_back = {}
    for key in order:
        if not 0 < cells[key] < k:
            continue
        goal = np.zeros(len(order))
        goal[index[key]] = 1.0
        bounds = [(1, None)] * len(order)  # a hidden cell counts somebody: zeros are shown
        low = linprog(goal, A_eq=equations, b_eq=constants, bounds=bounds, method="highs")
        high = linprog(-goal, A_eq=equations, b_eq=constants, bounds=bounds, method="highs")
        assert low.status == 0, "the shown values must be consistent"
        least = low.fun
        greatest = -high.fun if high.status == 0 else math.inf
        if greatest < math.inf and math.floor(greatest + 1e-7) <= math.ceil(least - 1e-7):
            given_back[key] = (least, greatest)
    return given_back


def lines_with_one_hidden(cells: Iterable[Key], hidden: set[Key], ndims: int) -> list[tuple[int, Key]]:
    return [line for line, members in lines(cells, ndims).items() if sum(m in hidden for m in members) == 1]


def views(inner: Mapping[Key, int], table_dims: int, k: int = K) -> tuple[dict[Key, int], set[Key]]:
    """What a reader of the pages sees of a cube whose first `table_dims` dimensions are the table's and
    the others filters: each choice of filters is its own view (insights/cubes.py protects them all with
    `protect_views`), and a view shows the lattice cells at the chosen values. Returns the whole lattice
    and the cells hidden in the view that shows each."""
    ndims = len(next(iter(inner)))
    filters = ndims - table_dims
    cells = lattice(inner)
    protected = protect_views(
        inner, dims=[f"d{i}" for i in range(table_dims)], filters=[f"f{i}" for i in range(filters)], k=k
    )
    hidden = set()
    for subset, view in protected.items():
        for key in cells:
            if all((key[table_dims + i] != ALL) == (i in subset) for i in range(filters)):
                if view.is_hidden(key[:table_dims] + tuple(key[table_dims + i] for i in subset)):
                    hidden.add(key)
    return cells, hidden


# --- Primary suppression ------------------------------------------------------------------------------


def test_a_cell_of_one_to_k_minus_one_is_hidden_zero_and_k_or_more_shown():
    counts = {("MY",): 4, ("SA",): 1, ("ID",): 5, ("KR",): 12, ("JP",): 0}
    protected = protect(counts, dims=["country"], k=K)
    assert protected.count(("MY",)) is None and protected.is_hidden(("MY",))
    assert protected.count(("SA",)) is None
    assert protected.count(("ID",)) == 5  # exactly k is shown
    assert protected.count(("KR",)) == 12
    assert protected.count(("JP",)) == 0 and not protected.is_hidden(("JP",))  # nobody identifies nobody
    assert protected.count(("XX",)) == 0  # a value that never occurs: zero, shown
    assert protected.count((ALL,)) == 22
    assert protected.values("country") == ["ID", "KR", "MY", "SA"]


@pytest.mark.parametrize("n", range(1, K))
def test_every_small_count_is_hidden_even_alone(n):
    protected = protect({("MY", "F"): n}, dims=["country", "gender"], k=K)
    # The cell, both its margins and the grand total count the same n people: all hidden.
    for key in [("MY", "F"), ("MY", ALL), (ALL, "F"), (ALL, ALL)]:
        assert protected.count(key) is None, key


def test_nothing_is_hidden_when_every_cell_is_large_or_zero():
    protected = protect({("MY", "F"): 7, ("MY", "M"): 0, ("SA", "F"): 9, ("SA", "M"): 5}, dims=["c", "g"], k=K)
    assert protected.hidden == set()
    assert protected.count(("MY", ALL)) == 7 and protected.count((ALL, "M")) == 5 and protected.count((ALL, ALL)) == 21


def test_k_is_the_threshold_given():
    counts = {("MY",): 3, ("SA",): 9}
    assert protect(counts, dims=["c"], k=3).hidden == set()
    assert protect(counts, dims=["c"], k=4).is_hidden(("MY",))


def test_a_key_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="2 dimensions"):
        protect({("MY",): 3}, dims=["country", "gender"], k=K)


def test_enough_people_for_a_median_or_a_rate():
    assert not enough(None, k=K) and not enough(4, k=K) and enough(5, k=K)


# --- Complementary suppression: the classic attacks -----------------------------------------------


def test_a_two_by_two_table_with_one_small_cell_and_shown_margins():
    """MY women 3: with the row and column totals shown, hiding that cell alone gives it back by
    subtraction (13 − 10); its row, its column and the cell across are hidden too."""
    inner = {("MY", "F"): 3, ("MY", "M"): 10, ("SA", "F"): 8, ("SA", "M"): 9}
    protected = protect(inner, dims=["country", "gender"], k=K)
    assert protected.hidden == {("MY", "F"), ("MY", "M"), ("SA", "F"), ("SA", "M")}
    # The margins stay: the grand total and every row and column total are ≥ k.
    assert protected.count(("MY", ALL)) == 13 and protected.count((ALL, "F")) == 11
    assert lines_with_one_hidden(protected.cells, protected.hidden, 2) == []
    assert computed_back(protected.cells, protected.hidden, 2) == {}


def test_a_single_row_whose_total_equals_one_cell():
    """Only MY has anyone: the total is MY's count, so the total is hidden with it."""
    protected = protect({("MY",): 3, ("SA",): 0}, dims=["country"], k=K)
    assert protected.count((ALL,)) is None and protected.count(("MY",)) is None
    assert protected.count(("SA",)) == 0


def test_a_single_row_with_a_small_cell_and_a_large_total_hides_another_cell():
    """Total 13 shown, SA 10 shown would give MY 3 back: SA is hidden too (the smallest other cell)."""
    protected = protect({("MY",): 3, ("SA",): 10, ("ID",): 12}, dims=["country"], k=K)
    assert protected.hidden == {("MY",), ("SA",)}
    assert protected.count((ALL,)) == 25
    assert computed_back(protected.cells, protected.hidden, 1) == {}


def test_a_filter_flip_inside_one_cube_gives_nothing_back():
    """Country × return type × gender: the Masculine view's cell equals the unfiltered cell minus the
    Feminine one; in one cube the gender line holds it, so hiding one Feminine cell hides its partner."""
    inner = {
        ("MY", "deport", "F"): 2,
        ("MY", "deport", "M"): 9,
        ("MY", "avr", "F"): 8,
        ("MY", "avr", "M"): 7,
        ("SA", "deport", "F"): 6,
        ("SA", "deport", "M"): 11,
        ("SA", "avr", "F"): 5,
        ("SA", "avr", "M"): 10,
    }
    protected = protect(inner, dims=["country", "type", "gender"], k=K)
    assert protected.is_hidden(("MY", "deport", "F"))
    # Along gender: MY deportations, women 2, men 9, all 11: the men's cell is hidden with it.
    assert protected.is_hidden(("MY", "deport", "M"))
    assert lines_with_one_hidden(protected.cells, protected.hidden, 3) == []
    assert computed_back(protected.cells, protected.hidden, 3) == {}


def test_the_checker_finds_a_cell_given_back():
    """The checker itself: hiding MY alone with the total and SA shown gives MY back."""
    cells = lattice({("MY",): 3, ("SA",): 10})
    assert computed_back(cells, {("MY",)}, 1) == {("MY",): (3.0, 3.0)}
    assert lines_with_one_hidden(cells, {("MY",)}, 1) == [(0, ())]
    # Two hidden cells adding up to 2: each counts somebody, so each is 1.
    cells = lattice({("MY",): 1, ("SA",): 1, ("ID",): 9})
    assert set(computed_back(cells, {("MY",), ("SA",)}, 1)) == {("MY",), ("SA",)}


# --- Random cubes ----------------------------------------------------------------------------------------

VALUES = ["a", "b", "c", "d"]


@st.composite
def cubes(draw, max_dims: int = 3) -> dict[Key, int]:
    ndims = draw(st.integers(1, max_dims))
    sizes = [draw(st.integers(1, 4)) for _ in range(ndims)]
    keys = list(itertools.product(*[VALUES[:size] for size in sizes]))
    values = draw(st.lists(st.integers(0, 12), min_size=len(keys), max_size=len(keys)))
    return dict(zip(keys, values, strict=True))


@settings(max_examples=300, deadline=None)
@given(cubes())
def test_every_small_cell_is_hidden_and_no_line_has_a_single_hidden_cell(inner):
    ndims = len(next(iter(inner)))
    protected = protect(inner, dims=[f"d{i}" for i in range(ndims)], k=K)
    assert protected.cells == lattice(inner)
    for key, n in protected.cells.items():
        assert (0 < n < K) <= protected.is_hidden(key), key
        assert protected.count(key) == (None if protected.is_hidden(key) else n)
    assert lines_with_one_hidden(protected.cells, protected.hidden, ndims) == []
    assert all(protected.cells[key] > 0 for key in protected.hidden)  # a zero is never hidden


# --- What the line rule does not stop (reported to the lead; strict: they fail once it is fixed) --------

# Found by the random search below; each cube passes the line rule yet gives a small cell back.
GIVEN_BACK = [
    # Rows a1 and a2 have one non-zero cell each, equal to their totals: a hidden pair that protects
    # nothing. The column b0 (21) less rows a1 + a2 (49 − 18 − 19 = 12) gives a0/b0 = 1 back.
    {
        ("a0", "b0"): 1,
        ("a0", "b1"): 7,
        ("a0", "b2"): 10,
        ("a1", "b0"): 8,
        ("a2", "b0"): 4,
        ("a3", "b0"): 8,
        ("a3", "b1"): 6,
        ("a3", "b2"): 5,
    },
    # Row a2: total 9, b1 0, b3 7 shown; b0 and b2 hidden add up to 2, and each counts somebody: 1 and 1.
    {
        ("a0", "b0"): 4,
        ("a0", "b3"): 7,
        ("a1", "b0"): 1,
        ("a1", "b1"): 5,
        ("a1", "b2"): 4,
        ("a1", "b3"): 2,
        ("a2", "b0"): 1,
        ("a2", "b2"): 1,
        ("a2", "b3"): 7,
        ("a3", "b0"): 7,
        ("a3", "b1"): 9,
        ("a3", "b3"): 8,
    },
]


@pytest.mark.parametrize("inner", GIVEN_BACK, ids=["equal-pairs", "small-sum"])
def test_the_line_rule_holds_on_the_cubes_that_give_a_cell_back(inner):
    protected = protect(inner, dims=["r", "c"], k=K)
    assert lines_with_one_hidden(protected.cells, protected.hidden, 2) == []


@pytest.mark.parametrize("inner", GIVEN_BACK, ids=["equal-pairs", "small-sum"])
def test_no_small_cell_can_be_computed_back(inner):
    protected = protect(inner, dims=["r", "c"], k=K)
    assert computed_back(protected.cells, protected.hidden, 2) == {}


# A filter flip across views: countries a0..a2, gender b0 (F) / b1 (M). The gender cube hides a1's and
# a2's totals (a1/M 8 and a2/F 5 are hidden as partners), but the unfiltered view protects the countries
# alone and shows them: a1 = 8 and a1/F = 0 give a1/M = 8, a2/M is 0, so the Masculine total 10 gives
# a0/M = 2 back: the difference of the unfiltered view and the Feminine one.
FLIP = {("a0", "b0"): 10, ("a0", "b1"): 2, ("a1", "b0"): 0, ("a1", "b1"): 8, ("a2", "b0"): 5, ("a2", "b1"): 0}


def test_the_flip_cube_alone_gives_nothing_back():
    protected = protect(FLIP, dims=["country", "gender"], k=K)
    assert computed_back(protected.cells, protected.hidden, 2) == {}
    assert protected.is_hidden(("a0", "b1")) and protected.is_hidden(("a1", "b1"))


def test_the_unfiltered_view_shows_totals_the_filtered_cube_hides():
    cells, hidden = views(FLIP, table_dims=1)
    assert ("a1", ALL) not in hidden and ("a2", ALL) not in hidden  # unfiltered: 8 and 5, shown
    assert protect(FLIP, dims=["country", "gender"], k=K).is_hidden(("a1", ALL))


def test_no_small_cell_can_be_computed_back_across_the_views_of_the_filters():
    cells, hidden = views(FLIP, table_dims=1)
    assert computed_back(cells, hidden, 2) == {}


@settings(max_examples=200, deadline=None)
@given(cubes(max_dims=3))
def test_no_small_cell_of_a_random_cube_can_be_computed_back(inner):
    ndims = len(next(iter(inner)))
    protected = protect(inner, dims=[f"d{i}" for i in range(ndims)], k=K)
    assert computed_back(protected.cells, protected.hidden, ndims) == {}


_SAME_CELLS_SCRIPT = """
import json
from reintegra.lib.suppression import protect
counts = {(a, b): n for (a, b, n) in json.loads(input())}
print(json.dumps(sorted(map(list, protect(counts, dims=("kind", "month"), k=5).hidden))))
"""


def test_the_same_data_hides_the_same_cells_in_every_process():
    """Ties between complements were broken by a set's order, which follows the strings' hashes and so
    changed from one process to the next (a page and its CSV could hide different cells)."""
    cube = [
        [kind, month, n]
        for kind, ns in (("paid", (2, 2, 2)), ("unpaid", (3, 6, 6)), ("self", (6, 6, 3)))
        for month, n in zip(("1", "3", "6"), ns, strict=True)
    ]
    hidden = {
        subprocess.run(  # noqa: S603
            [sys.executable, "-c", _SAME_CELLS_SCRIPT],
            input=json.dumps(cube),
            capture_output=True,
            text=True,
            check=True,
            env=os.environ | {"PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in range(8)
    }
    assert len(hidden) == 1, hidden
