"""Small-cell suppression of counts, with the complementary cells that would give them back
(issue 13, "Privacy of aggregates"; decisions/0026).

A table of counts is a *cube*: one dimension per way of breaking the count down (the table's rows
and columns, and every filter the reader has set, since flipping a filter is another view of the
same cube). Its *lattice* adds to each dimension the margin `ALL`, the total over that dimension.
A reader who sees several views knows, along every *line* of the lattice (one dimension varying, the
others fixed), that the margin is the sum of the cells.

1. Primary suppression: every cell, margins included, counting 1 to k−1 people is hidden.
2. Complementary suppression: a line with exactly one hidden cell would give it back by subtraction,
   so the smallest other non-zero cell of that line is hidden too; repeated until every line holds
   no hidden cell or at least two. (The hypercube method of statistical offices, in its simple form.)
3. An audit: lines solved together can still pin a cell down (two hidden cells adding up to 2 are
   both 1). For each group of linked hidden cells, linear programmes give the least and greatest
   value a reader can deduce for each small cell; while one is pinned to a single number, another
   cell of its group is hidden.
4. Views agree: a view with more filters keeps every cell a view with fewer filters shows or hides
   as that view does (`settled`), so flipping or removing a filter gives nothing back.

Zeros are shown: "nobody" identifies nobody. Only non-zero cells are stored, so the work grows with
the cells that exist, not with the product of the dimensions.
"""

import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

ALL = "\x00all"  # the margin of a dimension; no real value can be it (NUL is refused everywhere)

Key = tuple[str, ...]


@dataclass
class Protected:
    """The lattice of a cube with what must be hidden; read values with `count(key)`."""

    dims: tuple[str, ...]
    k: int
    cells: dict[Key, int]
    hidden: set[Key] = field(default_factory=set)

    def count(self, key: Key) -> int | None:
        """The count of a cell (a value per dimension, `ALL` for a margin); None when suppressed."""
        if key in self.hidden:
            return None
        return self.cells.get(key, 0)

    def is_hidden(self, key: Key) -> bool:
        return key in self.hidden

    def values(self, dim: str) -> list[str]:
        """The values a dimension takes in the data (not the margin), in sorted order."""
        i = self.dims.index(dim)
        return sorted({key[i] for key in self.cells if key[i] != ALL})


def protect(
    counts: Mapping[Key, int] | Iterable[tuple[Key, int]],
    *,
    dims: Iterable[str],
    k: int,
    settled: Callable[[Key], bool | None] | None = None,
) -> Protected:
    """Protects a cube given by its inner cells (one value per dimension, no margins).

    `settled(key)` tells, for a cell that another view already shows or hides, which it is (True:
    hidden there, False: shown there), None for a cell of this view alone: settled cells keep their
    state, and only cells of this view alone are taken as complements (cubes.py protects the views
    with fewer filters first)."""
    dims = tuple(dims)
    inner = dict(counts.items() if isinstance(counts, Mapping) else counts)
    cells: dict[Key, int] = {}
    for key, n in inner.items():
        if len(key) != len(dims):
            raise ValueError(f"A cell of {len(dims)} dimensions has the key {key!r}.")
        if n > 0:
            cells[key] = n
    # The margins, one dimension at a time: each cell so far adds to its margin along the axis (no
    # cell has ALL there yet, so the margins are new keys). As many steps per cell as dimensions, where
    # adding each inner cell to its 2^d margins made most of a large cube's cost.
    for axis in range(len(dims)):
        margins: dict[Key, int] = defaultdict(int)
        for key, n in cells.items():
            margins[key[:axis] + (ALL,) + key[axis + 1 :]] += n
        cells.update(margins)
    result = Protected(dims=dims, k=k, cells=cells)
    fixed = {key: state for key in result.cells if (state := settled(key) if settled else None) is not None}
    result.hidden = {key for key, n in result.cells.items() if fixed.get(key, 0 < n < k)}
    if not result.hidden:
        return result

    lines: dict[tuple[int, Key], list[Key]] = defaultdict(list)
    for key in result.cells:
        for axis in range(len(dims)):
            lines[(axis, key[:axis] + key[axis + 1 :])].append(key)
    line_of = {key: [(axis, key[:axis] + key[axis + 1 :]) for axis in range(len(dims))] for key in result.cells}

    def free(key: Key) -> bool:
        return key not in result.hidden and key not in fixed

    def cheapest(candidates: Iterable[Key]) -> Key | None:
        # The smallest cell costs the least information; inner cells before margins.
        return min(candidates, key=lambda key: (result.cells[key], ALL in key, key), default=None)

    def close(todo: set[tuple[int, Key]]) -> None:
        """The line rule: no line keeps exactly one hidden cell."""
        while todo:
            # In a fixed order, not a set's (its order follows the strings' hashes, which change
            # from one process to the next): the same data always hides the same cells.
            line = min(todo)
            todo.remove(line)
            members = lines[line]
            if sum(key in result.hidden for key in members) != 1:
                continue
            partner = cheapest(key for key in members if free(key))
            if partner is not None:
                result.hidden.add(partner)
                todo.update(line_of[partner])

    close({line for key in result.hidden for line in line_of[key]})
    # The line rule is not enough (lines solved together can still pin a cell down): an audit solves
    # what a reader can compute, and hides more until no small cell is given back.
    clear: set[frozenset[Key]] = set()  # groups audited and found safe (the same cells, the same LPs)
    for _round in range(len(result.cells)):
        group = _given_back(result, lines, line_of, clear)
        if group is None:
            break
        partner = cheapest(m for key in group for line in line_of[key] for m in lines[line] if free(m))
        if partner is None:
            partner = cheapest(key for key in result.cells if free(key))
        if partner is None:
            break
        result.hidden.add(partner)
        close(set(line_of[partner]))
    return result


def _given_back(
    result: Protected,
    lines: Mapping[tuple[int, Key], list[Key]],
    line_of: Mapping[Key, list[tuple[int, Key]]],
    clear: set[frozenset[Key]],
) -> list[Key] | None:
    """The first group of linked hidden cells (in sorted order) in which a reader can compute a small
    cell back exactly: the shown values, "a margin is the sum of its line" and "a hidden cell is not
    zero" (zeros are shown) leave it one whole number. One linear programme per bound, over the
    group's cells only. A group's programme depends only on its cells (a shown cell on one of its
    lines that gets hidden joins the group), so a group found safe (`clear`) is not solved again
    while its cells stay the same."""
    parent = {key: key for key in result.hidden}

    def find(key: Key) -> Key:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for members in lines.values():
        hidden = [m for m in members if m in result.hidden]
        for a, b in itertools.pairwise(hidden):
            parent[find(a)] = find(b)
    groups: dict[Key, list[Key]] = defaultdict(list)
    for key in sorted(result.hidden):  # sorted: the first group found is the same in every process
        groups[find(key)].append(key)
    for group in groups.values():
        small = sorted(key for key in group if result.cells[key] < result.k)
        if not small:
            continue
        cells = frozenset(group)
        if cells in clear:
            continue
        if _pinned(result, sorted(group), small, lines, line_of):
            return group
        clear.add(cells)
    return None


def _pinned(
    result: Protected,
    group: list[Key],
    small: list[Key],
    lines: Mapping[tuple[int, Key], list[Key]],
    line_of: Mapping[Key, list[tuple[int, Key]]],
) -> bool:
    import numpy as np  # noqa: PLC0415 (with scipy, loaded only when a cube has small cells)
    from scipy.optimize import linprog  # noqa: PLC0415 (a dependency of the matching engine already)
    from scipy.sparse import csr_array  # noqa: PLC0415

    # The equations as a sparse matrix: a group of thousands of cells has as many lines, each
    # touching a handful of them (a dense one is most of the time spent on a large cube).
    index = {key: i for i, key in enumerate(group)}
    rows: list[int] = []
    columns: list[int] = []
    signs: list[float] = []
    constants: list[float] = []
    seen: set[tuple[int, Key]] = set()
    for key in group:
        for line in line_of[key]:
            if line in seen:
                continue
            seen.add(line)
            constant = 0.0
            for member in lines[line]:
                sign = -1.0 if member[line[0]] == ALL else 1.0
                if member in index:
                    rows.append(len(constants))
                    columns.append(index[member])
                    signs.append(sign)
                else:
                    constant -= sign * result.cells[member]
            constants.append(constant)
    equations = csr_array((signs, (rows, columns)), shape=(len(constants), len(group)))
    b_eq = np.array(constants)
    bounds = [(1, None)] * len(group)
    for key in small:
        goal = np.zeros(len(group))
        goal[index[key]] = 1.0
        low = linprog(goal, A_eq=equations, b_eq=b_eq, bounds=bounds, method="highs")
        if low.status != 0:
            continue
        high = linprog(-goal, A_eq=equations, b_eq=b_eq, bounds=bounds, method="highs")
        if high.status != 0:  # unbounded: no number is given back
            continue
        if math.floor(-high.fun + 1e-7) <= math.ceil(low.fun - 1e-7):
            return True
    return False


def protect_views(
    counts: Mapping[Key, int], *, dims: Sequence[str], filters: Sequence[str], k: int
) -> dict[tuple[int, ...], Protected]:
    """Protects every view of a cube whose last dimensions are the reader's filters: the view with no
    filter, each filter alone, each pair… up to all of them (keyed by the filters' positions), each
    keeping what the smaller views show or hide, so that removing or flipping a filter gives nothing
    back. `counts` are keyed by the table's values, then the filters' values."""
    n = len(dims)
    states: dict[Key, bool] = {}  # a cell of the whole lattice → hidden in the view that shows it
    views: dict[tuple[int, ...], Protected] = {}
    for size in range(len(filters) + 1):
        for subset in itertools.combinations(range(len(filters)), size):

            def whole(key: Key, subset: tuple[int, ...] = subset) -> Key:
                values = dict(zip(subset, key[n:], strict=True))
                return key[:n] + tuple(values.get(i, ALL) for i in range(len(filters)))

            view: dict[Key, int] = defaultdict(int)
            for key, count in counts.items():
                view[key[:n] + tuple(key[n + i] for i in subset)] += count
            protected = protect(
                view,
                dims=[*dims, *(filters[i] for i in subset)],
                k=k,
                settled=lambda key, whole=whole: states.get(whole(key)),  # type: ignore[misc]
            )
            for key in protected.cells:
                states.setdefault(whole(key), key in protected.hidden)
            views[subset] = protected
    return views


def enough(n: int | None, *, k: int) -> bool:
    """Whether a figure computed over n people (a median, a rate's denominator) may be shown."""
    return n is not None and n >= k
