"""Dates: month arithmetic, and dates as the reader reads them.

Every page shows a day or a moment through `show_day` and `show_moment` (the `day` and `moment`
template filters), so a page never mixes formats: each language has one format for a day and one
for a moment (reintegra/formats/<language>/formats.py), and the reader's calendar decides the year
(the Buddhist era, used in Thailand, counts 543 years more: 2026 is 2569). Stored values, form
inputs and exports stay in the Gregorian calendar and ISO 8601; only what is shown changes.
"""

import calendar
import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext as _

GREGORIAN = "gregorian"
BUDDHIST = "buddhist"
BUDDHIST_ERA_OFFSET = 543

_calendar: ContextVar[str] = ContextVar("reintegra_calendar", default=GREGORIAN)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@contextmanager
def calendar_override(name: str) -> Iterator[None]:
    """Shows years in the calendar `name` (GREGORIAN or BUDDHIST) until the block ends; the request
    middleware opens one around each request, with the reader's choice."""
    token = _calendar.set(BUDDHIST if name == BUDDHIST else GREGORIAN)
    try:
        yield
    finally:
        _calendar.reset(token)


def active_calendar() -> str:
    return _calendar.get()


def _escaped(text: str) -> str:
    return "".join("\\" + char for char in text)


def _in_era(format_string: str, year: int) -> str:
    """The format with its year (Y, y) written out in the Buddhist era, as escaped literals."""
    era_year = str(year + BUDDHIST_ERA_OFFSET)
    out, chars = [], iter(format_string)
    for char in chars:
        if char == "\\":
            out.append(char + next(chars, ""))
        elif char == "Y":
            out.append(_escaped(era_year))
        elif char == "y":
            out.append(_escaped(era_year[-2:]))
        else:
            out.append(char)
    return "".join(out)


def _format(value: datetime.date, format_name: str) -> str:
    format_string = str(get_format(format_name))
    if _calendar.get() == BUDDHIST:
        format_string = _in_era(format_string, value.year)
    return date_format(value, format_string)


def _local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def show_day(value: datetime.date | None) -> str:
    """A day in the reader's format and calendar ("30 Nov 2026", "30 พ.ย. 2569"); a moment is
    shown as the day it fell on where the installation is. None is shown as nothing."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = _local(value).date()
    return _format(value, "DATE_FORMAT")


def show_moment(value: datetime.date | None) -> str:
    """A moment in the reader's format and calendar, in the installation's time zone ("30 Nov 2026,
    14:05"). A plain date is shown as a day."""
    if value is None:
        return ""
    if not isinstance(value, datetime.datetime):
        return show_day(value)
    return _format(_local(value), "DATETIME_FORMAT")


def show_year(year: int) -> str:
    """A year as the reader counts it (2026, or 2569 in the Buddhist era)."""
    return str(year + BUDDHIST_ERA_OFFSET if _calendar.get() == BUDDHIST else year)


def quarter_of(value: datetime.date) -> str:
    """The quarter a day falls in, as a sortable key: "2026-Q4"."""
    return f"{value.year}-Q{(value.month - 1) // 3 + 1}"


def show_quarter(key: str) -> str:
    """A quarter key ("2026-Q4") as the reader reads it ("Q4 2026", "ไตรมาส 4 2569")."""
    year, quarter = key.split("-Q")
    return _("Q%(quarter)s %(year)s") % {"quarter": quarter, "year": show_year(int(year))}


def machine(value: datetime.date | None) -> str:
    """The ISO 8601 form of a day or a moment (local time, with its offset), for `<time datetime>`."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return _local(value).isoformat(timespec="seconds")  # to the second: enough for a reader, and no stray digits
    return value.isoformat()
