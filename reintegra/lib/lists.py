"""A list a page shows in part: its first items, and how many there are in all (decisions/0042)."""

from typing import Any, TypeVar

from django.db.models import QuerySet

T = TypeVar("T")


def first_and_count(items: QuerySet[Any, T], shown: int) -> tuple[list[T], int]:
    """The first `shown` items, and how many there are (no count asked when they all fit)."""
    first = list(items[: shown + 1])
    if len(first) <= shown:
        return first, len(first)
    return first[:shown], items.count()
