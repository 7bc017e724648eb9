"""The case's timeline: one writer for every line, whichever app writes it (see lib/phrases.py for
how a line is stored and shown in each reader's language)."""

import datetime
from typing import Any

from reintegra.accounts.models import User
from reintegra.lib import clock
from reintegra.network.models import Agency

from .models import Case, CaseEvent


def timeline_write(
    case: Case,
    *,
    kind: str,
    actor: User | None,
    summary: str,
    params: dict[str, Any] | None = None,
    text: str = "",
    category: str = "",
    agency: Agency | None = None,
    at: datetime.datetime | None = None,
    referred_to: Agency | None = None,
) -> CaseEvent:
    """The one writer of timeline lines. `summary` is an English msgid (gettext_noop) with
    %(name)s placeholders filled from `params` when the line is shown."""
    return CaseEvent.objects.create(
        case=case,
        at=at or clock.now(),
        kind=kind,
        actor=actor,
        agency=agency or case.agency,
        summary=summary[:300],
        params=params or {},
        text=text,
        category=category,
        referred_to=referred_to,
    )


def edit_line(
    case: Case, *, actor: User, category: str, summary: str, params: dict[str, Any] | None = None, text: str = ""
) -> CaseEvent:
    """A line saying what the actor's agency recorded in one category of the case (a plan, a livelihood)."""
    return timeline_write(
        case,
        kind=CaseEvent.Kind.EDIT,
        actor=actor,
        agency=actor.agency,
        summary=summary,
        params=params,
        text=text,
        category=category,
    )
