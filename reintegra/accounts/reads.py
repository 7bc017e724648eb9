"""Reads of personal data, audited in one place (issue 12, finding 4; decisions/0025).

Every route declares whether it shows personal data: a view function with `@shows_personal_data(…)`
or `@shows_no_personal_data`, a class (a DRF viewset, a class-based view) with the attribute
`personal_data`, a view of a library in `LIBRARY_VIEWS` below. `tests/test_read_audit.py` walks every
URL pattern and fails on a route without a declaration.

While a request runs, the views and selectors *note* what they show (`note_read`, `note_shown`); they
write nothing. When the response is ready, `reintegra.middleware.read_audit_middleware` writes what
was noted, one audit record per object read (the same object noted twice is one record), all in one
short transaction: the chain's head is taken once per request. A successful GET of a route declared
personal that noted nothing still gets one record, naming the route and the ids in its path, so a
view that forgets to note is never an unaudited read. Outside a request (a command, a test calling a
selector) a note is written at once.
"""

import contextlib
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models, transaction

from .audit import audit_record, object_label
from .models import AuditEvent, User

# What a declaration says: the kinds of personal data the route shows (model labels), or () for none.
PersonalData = tuple[str, ...]
ATTRIBUTE = "personal_data"
# An audit record names at most this many objects of a list.
LISTED = 100

# Views of Django and of libraries, declared here since their code is not ours to mark. The admin's
# pages show staff accounts and the audit log to superusers; its reads get a record naming the page.
LIBRARY_VIEWS: dict[str, PersonalData] = {
    "django.contrib.auth.views.LogoutView": (),
    "django.views.i18n.set_language": (),
    "drf_spectacular.views.SpectacularAPIView": (),
    "drf_spectacular.views.SpectacularSwaggerSplitView": (),
    "rest_framework.routers.APIRootView": (),
}
# Every page of the admin (its URL namespace), whichever app's admin serves it.
LIBRARY_NAMESPACES: dict[str, PersonalData] = {
    "admin": ("accounts.user", "accounts.auditevent"),
}

View = TypeVar("View", bound=Callable[..., Any])


def shows_personal_data(*kinds: str) -> Callable[[View], View]:
    """Declares that the view shows personal data of these kinds (model labels, "cases.case")."""
    if not kinds:
        raise ValueError("Name what the view shows, e.g. @shows_personal_data('cases.case').")

    def declare(view: View) -> View:
        setattr(view, ATTRIBUTE, tuple(kinds))
        return view

    return declare


def shows_no_personal_data(view: View) -> View:
    """Declares that the view shows no personal data (reference data, figures, the user's own settings)."""
    setattr(view, ATTRIBUTE, ())
    return view


def _qualified(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', getattr(obj, '__name__', ''))}"


def declared(callback: Any, namespaces: Iterable[str] = ()) -> PersonalData | None:
    """What the view behind a URL pattern (in these URL namespaces) declares: its kinds of personal
    data, () for none, None when it declares nothing."""
    for namespace in namespaces:
        if namespace in LIBRARY_NAMESPACES:
            return LIBRARY_NAMESPACES[namespace]
    for holder in (callback, getattr(callback, "cls", None), getattr(callback, "view_class", None)):
        if holder is not None and (kinds := getattr(holder, ATTRIBUTE, None)) is not None:
            return tuple(kinds)
    for holder in (callback, getattr(callback, "cls", None), getattr(callback, "view_class", None)):
        if holder is not None and _qualified(holder) in LIBRARY_VIEWS:
            return LIBRARY_VIEWS[_qualified(holder)]
    return None


@dataclass
class Read:
    actor: User | None
    action: str
    object_type: str
    object_id: str
    categories: set[str] = field(default_factory=set)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Ledger:
    """What one request showed, by (action, object type, object id)."""

    reads: dict[tuple[str, str, str], Read] = field(default_factory=dict)
    # Set by a view of a route declared personal that, this time, showed nothing personal.
    nothing_shown: bool = False


_ledger: ContextVar[Ledger | None] = ContextVar("audit_read_ledger", default=None)


@contextlib.contextmanager
def collecting() -> Iterator[Ledger]:
    """Collects the reads noted until the end of the block (the middleware's request)."""
    ledger = Ledger()
    token = _ledger.set(ledger)
    try:
        yield ledger
    finally:
        _ledger.reset(token)


def note_read(
    *,
    actor: User | None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    categories: Iterable[str] = (),
    details: dict[str, Any] | None = None,
    action: str = AuditEvent.Action.READ,
) -> None:
    """Notes that `actor` was shown `obj` (or the object named by type and id). Within a request the
    record is written when the response is ready; outside one, at once."""
    if obj is not None:
        object_type, object_id = object_label(obj)
    ledger = _ledger.get()
    if ledger is None:
        audit_record(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            categories=categories,
            details=details,
        )
        return
    key = (str(action), object_type, object_id)
    read = ledger.reads.get(key)
    if read is None:
        ledger.reads[key] = Read(actor, str(action), object_type, object_id, set(categories), dict(details or {}))
        return
    # The same object shown twice in one answer (a page and a part of it): one record, every
    # category shown, what each part said about it kept ("via" of each).
    read.categories |= set(categories)
    for name, value in (details or {}).items():
        if name in read.details and read.details[name] != value:
            kept = read.details[name]
            merged = kept if isinstance(kept, list) else [kept]
            read.details[name] = merged + ([value] if value not in merged else [])
        else:
            read.details[name] = value


def note_nothing_shown() -> None:
    """Says that this answer of a route declared personal showed no personal data (a list with no
    rows, a home page without cases): no record is due."""
    ledger = _ledger.get()
    if ledger is not None:
        ledger.nothing_shown = True


def _case_code(obj: models.Model) -> str | None:
    """The code of the object's case when it is at hand (fetched with it, or the object is a case),
    so that naming it costs no query."""
    if obj._meta.label_lower == "cases.case":
        return str(getattr(obj, "code", ""))
    cached = getattr(obj, "_state", None)
    case = cached.fields_cache.get("case") if cached is not None else None
    return str(case.code) if case is not None else None


def note_shown(
    *, actor: User | None, shown: Any, categories: Iterable[str] = (), via: str = "api", object_type: str = ""
) -> None:
    """Notes what an answer shows: one object, or a list of objects (one record naming them: their ids
    and their cases' codes where at hand). An empty list shows nothing."""
    if isinstance(shown, models.Model):
        code = _case_code(shown)
        note_read(
            actor=actor, obj=shown, categories=categories, details={"via": via} | ({"case": code} if code else {})
        )
        return
    rows = [row for row in shown if isinstance(row, models.Model)]
    if not rows:
        note_nothing_shown()
        return
    codes = sorted({code for row in rows if (code := _case_code(row))})
    note_read(
        actor=actor,
        object_type=object_type or rows[0]._meta.label_lower,
        object_id="list",
        categories=categories,
        details={"via": via, "ids": [str(row.pk) for row in rows[:LISTED]], "count": len(rows)}
        | ({"cases": codes[:LISTED]} if codes else {}),
    )


def write(ledger: Ledger, *, unnoted: dict[str, Any] | None = None, actor: User | None = None) -> int:
    """Writes what the ledger holds, in one transaction; `unnoted` (the route, its kinds, the ids in
    its path) is written as one record when nothing was noted and the view did not say it showed
    nothing. Returns how many records were written."""
    reads = list(ledger.reads.values())
    if not reads and unnoted is not None and not ledger.nothing_shown:
        kinds = unnoted.get("kinds") or ("",)
        reads = [
            Read(
                actor,
                AuditEvent.Action.READ,
                str(kinds[0])[:64],
                str(unnoted.get("object_id", "route"))[:64],
                set(),
                {"via": "route", "unnoted": True} | unnoted,
            )
        ]
    if not reads:
        return 0
    with transaction.atomic():
        for read in reads:
            audit_record(
                actor=read.actor,
                action=read.action,
                object_type=read.object_type,
                object_id=read.object_id,
                categories=read.categories,
                details=read.details,
            )
    return len(reads)
