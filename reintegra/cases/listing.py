"""A list of cases read a page at a time from parts that never share a case (the agency's own cases,
the cases referred to it), newest first.

PostgreSQL cannot read "own agency OR referred to it" by an index: at a million cases the case list
read every case for each page and for its count (about 2 s). Each part alone is read by its own index
in the order of the list, so a page is the first rows of two ordered reads merged, and the count is the
sum of two counts. PostgreSQL does not merge the parts' ordered reads itself (it read the agency's
233,334 cases and sorted them, 0.1 s), so each part gives its first rows up to the page's end, by the
index in the list's order, and they are merged here: page n reads at most n pages of each part.
Paginator and DRF's pagination need nothing else: `count()` and slices.

A page of the site lists at most `at_most` cases: each part is counted only that far (a provider
receiving 113,000 referrals counted them, joined to their cases, in 0.8 s; the first 1,200 take 15 ms),
and the pages end there, saying so, where a search or a filter finds the older ones (decisions/0044). The API counts
them all: a client paging through its `next` links must not stop short without knowing.
"""

import heapq
import itertools
from collections.abc import Iterator
from typing import overload

from django.db.models import QuerySet

from reintegra.lib.lists import count_at_most

from .models import Case

# What a list row shows besides the case: its agency, caseworker and return (cases/list.html, the API).
ROW_RELATED = ("agency", "caseworker", "return_journey")


class CaseListing:
    """The cases of `parts`, newest opened first (then the newest made), as Paginator reads them."""

    def __init__(self, *parts: QuerySet[Case], at_most: int | None = None) -> None:
        self.parts = [part.order_by() for part in parts]
        self.at_most = at_most
        self._count: int | None = None
        self.cut = False  # more cases than `at_most`: the list stops there

    def count(self) -> int:
        if self._count is None:
            if self.at_most is None:
                self._count = sum(part.count() for part in self.parts)
            else:
                found = sum(count_at_most(part, self.at_most) for part in self.parts)
                self.cut = found > self.at_most
                self._count = min(found, self.at_most)
        return self._count

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> Case: ...
    @overload
    def __getitem__(self, index: slice) -> list[Case]: ...
    def __getitem__(self, index: int | slice) -> Case | list[Case]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, self.count() if index.stop is None else index.stop
        newest = [part.values_list("opened_at", "pk").order_by("-opened_at", "-pk")[:stop] for part in self.parts]
        merged = heapq.merge(*(list(rows) for rows in newest), reverse=True)
        ids = [pk for _opened, pk in itertools.islice(merged, start, stop)]
        found = Case.objects.select_related(*ROW_RELATED).in_bulk(ids)
        return [found[pk] for pk in ids]

    def __iter__(self) -> Iterator[Case]:
        return iter(self[:])

    def __bool__(self) -> bool:
        return any(part.exists() for part in self.parts)
