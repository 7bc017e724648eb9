"""A list a page shows in part: its first items, and how many there are in all (decisions/0042).

At national scale an agency holds hundreds of thousands of cases and tasks. Counting them all reads
every one of them (seconds, when the access rule joins another table) for a number nobody pages
through, so a list may be counted only a little past what it shows (decisions/0044): a count above
`at_most` then means "more than `at_most`".
"""

from collections.abc import Iterator
from typing import Any, Generic, TypeVar, overload

from django.db.models import QuerySet

T = TypeVar("T")


def count_at_most(items: QuerySet[Any, Any], at_most: int) -> int:
    """How many items there are, counted no further than one past `at_most`."""
    return items[: at_most + 1].count()


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
            found = count_at_most(self.items, self.at_most)
            self._count, self.cut = min(found, self.at_most), found > self.at_most
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
