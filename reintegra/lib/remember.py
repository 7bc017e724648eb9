"""A value worked out at most once every so many seconds and kept in the shared cache (the database's:
every app server reads the same one). For figures that cost seconds at national scale and may be a
few minutes old: the success predictor, a supervisor's overview (a dashboard's figures are kept by
insights/dashboards.py, which serves older ones while the worker works them out, decisions/0041).
What is kept must hold no person's data beyond what its readers see anyway."""

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")


def remembered(key: str, seconds: int, work: Callable[[], T], kind: type[T]) -> T:
    """The value under `key` if the cache holds one of `kind`, else `work()`, kept for `seconds`
    (0: worked out every time, nothing kept)."""
    if seconds <= 0:
        return work()
    found = cache.get(key)
    if isinstance(found, kind):
        return found
    value = work()
    cache.set(key, value, seconds)
    return value


def forget(key: str) -> None:
    cache.delete(key)
