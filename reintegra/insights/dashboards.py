"""The dashboards, by name: what each counts and who reads it. Each dashboard's figures are built by
its own module from the reader's filters; the pages, the CSV and the API serve them alike."""

import contextlib
import datetime
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from reintegra.lib import clock

from . import caseload, feedback, network, outcomes, returns, voice
from .cubes import Figure, min_cell
from .filters import Filters
from .models import CaseFacts


@dataclass(frozen=True)
class Dashboard:
    name: str  # in the URL: /insights/<name>/ and /api/v1/insights/<api_name>/
    api_name: str
    title: Any
    summary: Any
    counted_by: Any  # the date the period filters on
    figures: Callable[[Filters], list[Figure]]
    supervisors_only: bool = False  # the caseload names the agency's workers
    # The category filters that cannot apply to what it counts: disabled on its page, with `filters_note`
    # beside them saying why, and listed in its API answer (never silently ignored).
    filters_not_applied: tuple[str, ...] = ()
    filters_note: Any = ""

    def work_out(self, filters: Filters) -> list[Figure]:
        """The figures, counted afresh (figures_of serves them from the cache in between)."""
        with roomy_sorts():
            return self.figures(filters)


@contextlib.contextmanager
def roomy_sorts() -> Iterator[None]:
    """On PostgreSQL, the figures' reads in one read transaction with INSIGHTS_WORK_MEM for each sort
    and hash (SET LOCAL: the connection's other work keeps the server's default). Grouping a million
    summary rows by a figure's values and the filter dimensions spills to disk at the default 4 MB;
    in memory the filtered views of a million people take about a third less (docs/benchmarks.md).
    Nothing to do on SQLite."""
    alias = router.db_for_read(CaseFacts)  # the replica, when one serves the insights (dbrouters.py)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=alias):
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.INSIGHTS_WORK_MEM])
        yield


DASHBOARDS: dict[str, Dashboard] = {
    d.name: d
    for d in [
        Dashboard(
            name="returns",
            api_name="returns",
            title=_("Returns"),
            summary=_("Where from and how people return, what they were exploited in, the debt they carry home."),
            counted_by=_("Counted by date of return."),
            figures=returns.figures,
        ),
        Dashboard(
            name="network",
            api_name="referrals",
            title=_("Network"),
            summary=_(
                "Where the network has gaps, and how referrals fare between kinds of agency: how many are sent, "
                "accepted and declined, why they are declined, how long answers take, and which wait longest."
            ),
            counted_by=_("Referrals are counted by the day they were sent; the coverage map is as it stands today."),
            figures=network.figures,
        ),
        Dashboard(
            name="voice",
            api_name="priorities",
            title=_("Voice of returnees"),
            summary=_(
                "What returnees rank as their priorities beside what their plans and services delivered: above all, "
                "a job or an income against economic support in the first 90 days, and the days to a first income."
            ),
            counted_by=_("Counted by date of return."),
            figures=voice.figures,
        ),
        Dashboard(
            name="outcomes",
            api_name="outcomes",
            title=_("Outcomes"),
            summary=_(
                "Work and income 1, 3, 6 and 12 months after an option ends, by kind of option, provider and "
                "stipend; the sustainability index over the time since return; drop-out with and without a stipend."
            ),
            counted_by=_(
                "Work, income and drop-out are counted by the day the option ended; the sustainability index by "
                "date of return."
            ),
            figures=outcomes.figures,
        ),
        Dashboard(
            name="feedback",
            api_name="feedback",
            title=_("Returnees' feedback"),
            summary=_(
                "What returnees say of the services they received, per provider and per kind of service: how useful, "
                "whether they were treated with respect and whether their choice was respected."
            ),
            counted_by=_("Counted by the month the feedback was given."),
            figures=feedback.figures,
            # Answers are kept apart from cases (docs/decisions/0036-feedback-filters.md).
            filters_not_applied=("country", "area", "gender", "age"),
            filters_note=_(
                "Here the agency is the provider the answers are about. Country and area of origin, gender and age "
                "group do not apply: the answers are kept apart from the cases and carry none of these, so that no "
                "answer can be traced back to the person who gave it."
            ),
        ),
        Dashboard(
            name="caseload",
            api_name="caseload",
            title=_("Caseload"),
            summary=_(
                "Your agency's work as it stands today: open cases by stage and caseworker, overdue tasks, "
                "plans, closures and referrals waiting, and how long the oldest have waited."
            ),
            counted_by=_(
                "Exact counts, not suppressed: only the agency's supervisors read them. A period keeps what began "
                "in it (a case opened, a task due, a plan submitted, a closure or referral asked for)."
            ),
            figures=caseload.figures,
            supervisors_only=True,
        ),
    ]
}
BY_API_NAME = {d.api_name: d for d in DASHBOARDS.values()}


@dataclass(frozen=True)
class Figures:
    """A dashboard's figures for one reader's filters, and when they were computed."""

    figures: list[Figure]
    computed_at: datetime.datetime
    refreshing: bool = False  # older than INSIGHTS_CACHE_SECONDS: newer ones are being worked out


def figures_cached_minutes(board: Dashboard) -> int:
    """How long the dashboard's figures may be served from the cache, in whole minutes (0: never)."""
    if board.supervisors_only:
        return 0
    return -(-settings.INSIGHTS_CACHE_SECONDS // 60)


def figures_of(board: Dashboard, filters: Filters) -> Figures:
    """The dashboard's figures, computed at most once every INSIGHTS_CACHE_SECONDS for the same
    filters (decisions/0037): at national scale a dashboard costs seconds of database and
    suppression work, and managers open the same few views again and again. The key holds
    everything the figures depend on besides the data: the dashboard, the reader's filters (a
    supervisor's agency among them), the language, k and the day. The cache is the database's (shared
    by every app server); what it holds is the figures as shown, suppressed, never a person. The
    caseload is never cached: a supervisor acts on it.

    Older figures of a view are still served for INSIGHTS_STALE_SECONDS, marked as such, while the
    worker works them out again (decisions/0041): a reader waits for a view only the first time it is
    asked for that day, or after an hour nobody asked for it."""
    seconds = settings.INSIGHTS_CACHE_SECONDS
    if seconds <= 0 or figures_cached_minutes(board) == 0:
        return Figures(board.work_out(filters), clock.now())
    key = _key(board, filters)
    found = cache.get(key)
    if isinstance(found, Figures):
        age = (clock.now() - found.computed_at).total_seconds()
        if age < seconds:
            return found
        if age < seconds + settings.INSIGHTS_STALE_SECONDS:
            _ask_for_newer(board, filters, key)
            return replace(found, refreshing=True)
    return figures_kept(board, filters)


def figures_kept(board: Dashboard, filters: Filters) -> Figures:
    """Works the view's figures out and keeps them, fresh for INSIGHTS_CACHE_SECONDS and served while
    newer ones are worked out for INSIGHTS_STALE_SECONDS more (the request's work, and the worker's)."""
    key = _key(board, filters)
    figures = Figures(board.work_out(filters), clock.now())
    cache.set(key, figures, settings.INSIGHTS_CACHE_SECONDS + settings.INSIGHTS_STALE_SECONDS)
    cache.delete(_asked(key))
    return figures


def _key(board: Dashboard, filters: Filters) -> str:
    parts = [
        board.name,
        translation.get_language() or "",
        str(min_cell()),
        clock.today().isoformat(),
        str(filters.agency_id),
        *(f"{name}={value}" for name, value in sorted(filters.query_string().items())),
    ]
    return "insights-figures:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _asked(key: str) -> str:
    return key + ":asked"


def _ask_for_newer(board: Dashboard, filters: Filters, key: str) -> None:
    """Queues the view's figures for the worker, once while a run is waiting (the mark lapses after
    INSIGHTS_CACHE_SECONDS, should the worker be stopped)."""
    from .tasks import figures_work_out  # the task module imports this one

    if cache.add(_asked(key), True, settings.INSIGHTS_CACHE_SECONDS):
        language = translation.get_language() or settings.LANGUAGE_CODE
        figures_work_out.enqueue(board.name, language, filters.as_json())
