"""A list of cases read a page at a time from parts that never share a case (the agency's own cases,
the cases referred to it), newest first (`lib/lists.Merged`).

PostgreSQL cannot read "own agency OR referred to it" by an index: at a million cases the case list
read every case for each page and for its count (about 2 s). Each part alone is read by its own index
in the order of the list, so a page is the first rows of two ordered reads merged, and the count is the
sum of two counts. PostgreSQL does not merge the parts' ordered reads itself (it read the agency's
233,334 cases and sorted them, 0.1 s), so each part gives its first rows up to the page's end, by the
index in the list's order, and they are merged in Python.

A page of the site lists at most `at_most` cases: each part is counted only that far (a provider
receiving 113,000 referrals counted them, joined to their cases, in 0.8 s; the first 1,200 take 15 ms),
and the pages end there, saying so, where a search or a filter finds the older ones (decisions/0044). The API counts
them all: a client paging through its `next` links must not stop short without knowing.
"""

from django.db.models import QuerySet

from reintegra.lib.fields import unread
from reintegra.lib.lists import Merged

from .models import CASE_TEXTS, Case

# What a list row shows besides the case: its agency, caseworker and return (cases/list.html, the API).
ROW_RELATED = ("agency", "caseworker", "return_journey")


class CaseListing(Merged[Case]):
    """The cases of `parts`, newest opened first (then the newest made), as Paginator reads them."""

    def __init__(self, *parts: QuerySet[Case], at_most: int | None = None) -> None:
        rows = Case.objects.select_related(*ROW_RELATED).defer(*unread(CASE_TEXTS))
        super().__init__(*parts, rows=rows, by="opened_at", at_most=at_most)
