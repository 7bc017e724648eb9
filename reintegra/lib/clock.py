"""The time a record is stamped with: the real time, unless the caller runs a block at another
moment (decisions/0019).

Every service, selector and model field that stamps or compares "now" or "today" asks this module,
never `timezone.now()` itself, so that entering what happened earlier (the demo's months of case
work, a test of an overdue task) goes through the same services with the same rules. The audit log
and the login lock-out keep the real time: they record when something reached this system.
"""

import contextlib
import datetime
from collections.abc import Iterator
from contextvars import ContextVar

from django.utils import timezone

_moment: ContextVar[datetime.datetime | None] = ContextVar("clock_moment", default=None)


def now() -> datetime.datetime:
    """The current moment for the records (aware)."""
    return _moment.get() or timezone.now()


def today() -> datetime.date:
    """The current day in the site's time zone."""
    return timezone.localdate(now())


@contextlib.contextmanager
def running_at(moment: datetime.datetime) -> Iterator[None]:
    """Runs the block as if it were `moment`: whatever it stamps carries that time. Blocks nest; the
    real time returns when the block ends. For the thread (or task) that runs the block only."""
    if timezone.is_naive(moment):
        raise ValueError("The clock runs at an aware moment, with its time zone.")
    token = _moment.set(moment)
    try:
        yield
    finally:
        _moment.reset(token)
