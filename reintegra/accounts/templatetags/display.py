"""How values are shown to the reader, on every page (a built-in library: no `{% load %}` needed).

`{{ value|day }}` and `{{ value|moment }}` show a date or a time in the reader's language and
calendar (lib/dates.py), so a page never mixes formats; `{{ value|iso }}` is the machine-readable
form for `<time datetime>`. `{{ agency|agency_name }}` is an agency's name as the reader reads it
(Agency.name_for). Templates use these, never Django's `date` filter (a test keeps it so).
"""

import datetime
from typing import Any

from django import template

from reintegra.lib import dates

register = template.Library()


@register.filter(expects_localtime=True)
def day(value: Any) -> str:
    """`{{ referral.sent_at|day }}` → "30 Nov 2026"; nothing for an empty value."""
    return dates.show_day(value) if isinstance(value, datetime.date) else ""


@register.filter(expects_localtime=True)
def moment(value: Any) -> str:
    """`{{ event.at|moment }}` → "30 Nov 2026, 14:05"; nothing for an empty value."""
    return dates.show_moment(value) if isinstance(value, datetime.date) else ""


@register.filter(expects_localtime=True)
def iso(value: Any) -> str:
    return dates.machine(value) if isinstance(value, datetime.date) else ""


@register.filter
def agency_name(agency: Any) -> str:
    """`{{ referral.to_agency|agency_name }}`: the local name for a reader of the language of the
    agency's country, the English one otherwise; nothing for no agency."""
    if agency is None or agency == "":
        return ""
    return str(getattr(agency, "display_name", agency))


@register.filter
def agency_other_name(agency: Any) -> str:
    """The agency's other name, shown beside `agency_name` where both help (directory, its page)."""
    return str(getattr(agency, "other_name", "")) if agency else ""
