"""A list a page shows in part: its first items, and how many there are in all (decisions/0042).

At national scale an agency holds hundreds of thousands of cases and tasks. Counting them all reads
every one of them (seconds, when the access rule joins another table) for a number nobody pages
through, so a list may be counted only a little past what it shows (decisions/0044): a count above
`at_most` then means "more than `at_most`".
"""

import heapq
import itertools
from collections.abc import Iterable, Iterator
from typing import Any, Generic, TypeVar, overload

from django.db.models import Model, QuerySet

T = TypeVar("T")


def count_at_most(items: QuerySet[Any, Any], at_most: int) -> int:
    """How many items there are, counted no further than one past `at_most`."""
    return items[: at_most + 1].count()


def count_cut(parts: Iterable[QuerySet[Any, Any]], at_most: int) -> tuple[int, bool]:
    """How many items the parts hold together, at most `at_most`, and whether there are more (each part
    counted no further than one past `at_most`)."""
    found = sum(count_at_most(part, at_most) for part in parts)
    return min(found, at_most), found > at_most


def first_and_count(items: QuerySet[Any, T], shown: int, *, at_most: int | None = None) -> tuple[list[T], int]:
    """The first `shown` items, and how many there are (no count asked when they all fit), counted no
    further than one past `at_most` if given."""
    first = list(items[: shown + 1])
    if len(first) <= shown:
        return first, len(first)
    return first[:shown], items.count() if at_most is None else count_at_most(items, at_most)


class AtMost(Generic[T]):
    """The first `at_most` items, as Paginator reads a list; once counted, `cut` tells whether there
    are more."""

    def __init__(self, items: QuerySet[Any, T], at_most: int) -> None:
        self.items = items
        self.at_most = at_most
        self.cut = False
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count, self.cut = count_cut([self.items], self.at_most)
        return self._count

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, int):
            return self.items[index]
        return list(self.items[index])

    def __iter__(self) -> Iterator[T]:
        return iter(self[: self.count()])


class Counted(AtMost[T]):
    """Items whose number is known already (counted with others in one grouped query), as Paginator
    reads a list: it is not counted again."""

    def __init__(self, items: QuerySet[Any, T], count: int) -> None:
        super().__init__(items, count)
        self._count = count


M = TypeVar("M", bound=Model)


class Merged(Generic[M]):
    """The rows of `parts`, querysets of one model that never share a row, newest first by `by` (then the
    newest made), as Paginator and DRF's pagination read a list: `count()` and slices.

    PostgreSQL cannot read "A OR B" by an index when A and B are conditions on different tables (an
    agency's own cases, or those referred to it): it reads every row for each page and for the count.
    Each part alone is read by its own index in the list's order, so a page is the first rows of the
    parts merged here (page n reads at most n pages of each part), and the count is the sum of the
    parts' counts, each counted no further than one past `at_most` when it is given (`cut` then tells
    whether the list stops there). The rows of a page are read by their keys from `rows`, which says
    what is read with them."""

    def __init__(self, *parts: QuerySet[M], rows: QuerySet[M], by: str, at_most: int | None = None) -> None:
        self.parts = [part.order_by() for part in parts]
        self.rows = rows
        self.by = by
        self.at_most = at_most
        self._count: int | None = None
        self.cut = False

    def count(self) -> int:
        if self._count is None:
            if self.at_most is None:
                self._count = sum(part.count() for part in self.parts)
            else:
                self._count, self.cut = count_cut(self.parts, self.at_most)
        return self._count

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> M: ...
    @overload
    def __getitem__(self, index: slice) -> list[M]: ...
    def __getitem__(self, index: int | slice) -> M | list[M]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, self.count() if index.stop is None else index.stop
        newest = [part.values_list(self.by, "pk").order_by(f"-{self.by}", "-pk")[:stop] for part in self.parts]
        merged = heapq.merge(*(list(keys) for keys in newest), reverse=True)
        ids = [pk for _at, pk in itertools.islice(merged, start, stop)]
        found = self.rows.in_bulk(ids)
        return [found[pk] for pk in ids]

    def __iter__(self) -> Iterator[M]:
        return iter(self[:])

    def __bool__(self) -> bool:
        return any(part.exists() for part in self.parts)
