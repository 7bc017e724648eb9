"""Caseload: a supervisor's view of their own agency's work as it stands today: the open cases by
stage and by worker, how long they have been open, the overdue tasks by worker, and what waits for a
decision or an answer (plans, closures, referrals), with the age of the oldest item of each kind.

Not suppressed, by decision (issue 13). Every other dashboard hides cells counting fewer than k
people, because its readers see aggregates only. The caseload is read by the agency's supervisors
alone (`supervisors_only`: analysts and coordinators are refused), over the agency's own cases, which
they open one by one anyway on the case list and the queues of their home page. Hiding a count of one
would hide nothing from them and would hide the single overdue task they must act on. So the counts
are exact, and the reader's filters (country, area, gender and age group of the returnees) are
applied in SQL rather than made dimensions of a protected cube.

Still aggregates: no returnee is named, no case code or text typed by a caseworker is shown; the
oldest items are given as ages in days beside a link to the page where the supervisor acts on them.
The agency's workers are named (staff, not returnees): a supervisor balances work between them.

"Today" is `clock.today()`. The period, when set, keeps what began in it: a case opened, a task
falling due, a plan submitted, a closure or a referral asked for. Every figure runs a fixed number
of grouped queries (GROUP BY in the database), whatever the size of the caseload, each answered from
an index alone where it can be (at a million cases, tens of milliseconds each): cases by agency,
stage, caseworker and closure reason; open tasks by agency and due day with their assignee and case;
plans waiting by agency and age; referrals by agency, status and the day they were sent.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import models
from django.db.models import CharField, Count, Min, Q, QuerySet, Value, When
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from reintegra.accounts.models import Role, User
from reintegra.cases.choices import ClosureReason, Stage
from reintegra.cases.models import Case, Task
from reintegra.lib import charts, clock
from reintegra.plans.choices import PlanStatus
from reintegra.plans.models import Plan
from reintegra.referrals.choices import ACTIVE_REFERRAL_STATUSES, ReferralStatus
from reintegra.referrals.models import Referral

from .cubes import Cell, Figure, Row, Table
from .filters import Filters, category_expression

OPEN_STAGES = [stage for stage in Stage.values if stage != Stage.CLOSED]
NOBODY = 0  # the key of the cases and tasks assigned to nobody

# Time since a case was opened: (key, fewest days, most days).
CASE_AGES = [("0-29", 0, 29), ("30-89", 30, 89), ("90-179", 90, 179), ("180-364", 180, 364), ("365+", 365, None)]
# Days a task is overdue (due yesterday: one day).
OVERDUE = [("1-7", 1, 7), ("8-30", 8, 30), ("31+", 31, None)]
WEEK = 7
CHART_ROWS = 20  # workers drawn in a chart; the table beside it lists every one


def _agency(filters: Filters) -> int:
    if filters.agency_id is None:
        raise ValueError("The caseload is one agency's: its supervisors read it.")
    return filters.agency_id


def _for_people(queryset: QuerySet[Any], filters: Filters, *, case_path: str) -> QuerySet[Any]:
    """Keeps the rows whose returnee is of the reader's chosen categories (in SQL)."""
    chosen = {name: value for name, value in filters.chosen.items() if name != "agency"}
    if not chosen:
        return queryset
    # A plain `=` on each value: a JSON key's text is compared as text, not as JSON.
    return queryset.filter(
        *(Exact(category_expression(name, case_path), Value(value)) for name, value in chosen.items())
    )


def _start_of(day: datetime.date) -> datetime.datetime:
    """The first moment of a day in the site's time zone: a stamp before it is of an earlier day."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _days_since(value: datetime.date | datetime.datetime | None, today: datetime.date) -> int | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value)
    return (today - value).days


def _days(value: int | None) -> Cell:
    return Cell(value=value, kind="days")


def _count(value: int) -> Cell:
    return Cell(value=value)


def _bands(field: str, bands: list[tuple[str, int, int | None]], today: datetime.date, *, dated: bool) -> models.Case:
    """The band of a row's age in days, as SQL: `field` is a day (`dated`) or a moment."""
    whens = []
    for key, _least, most in bands[:-1]:
        # At most `most` days old: on or after the day `most` days before today.
        day = today - datetime.timedelta(days=most or 0)
        limit: datetime.date | datetime.datetime = day if dated else _start_of(day)
        whens.append(When(**{f"{field}__gte": limit}, then=Value(key)))
    return models.Case(*whens, default=Value(bands[-1][0]), output_field=CharField())


def _case_age_label(key: str) -> str:
    return {
        "0-29": _("Under 30 days"),
        "30-89": _("30 to 89 days"),
        "90-179": _("90 to 179 days"),
        "180-364": _("180 to 364 days"),
        "365+": _("A year or more"),
    }[key]


def _overdue_label(key: str) -> str:
    return {
        "1-7": _("Overdue 1 to 7 days"),
        "8-30": _("Overdue 8 to 30 days"),
        "31+": _("Overdue over 30 days"),
    }[key]


def _workers(agency_id: int, ids: Iterable[int]) -> dict[int, str]:
    """The display names of the workers counted, and of the agency's active caseworkers with none.
    Read as the agency's staff, by its index: the workers counted are the agency's own, whom a list
    of their thousand keys would only make longer to send and to match (at a million cases, 27 ms
    against 6); one who is no longer the agency's is read by key."""
    counted = {i for i in ids if i != NOBODY}
    named = ("pk", "first_name", "last_name", "username")
    names = {
        pk: _name(first, last, username)
        for pk, first, last, username, role, active in User.objects.filter(agency_id=agency_id).values_list(
            *named, "role", "is_active"
        )
        if pk in counted or (role == Role.CASEWORKER and active)
    }
    if elsewhere := counted - names.keys():
        rows = User.objects.filter(pk__in=elsewhere).values_list(*named)
        names |= {pk: _name(first, last, username) for pk, first, last, username in rows}
    return names


def _name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def _worker_order(names: dict[int, str], totals: dict[int, int]) -> list[int]:
    """The busiest first, then by name; the work assigned to nobody last."""
    order = sorted(names, key=lambda pk: (-totals.get(pk, 0), names[pk].casefold(), pk))
    return order + ([NOBODY] if totals.get(NOBODY) else [])


def _worker_label(names: dict[int, str], pk: int) -> str:
    return names[pk] if pk != NOBODY else _("Not assigned")


def _bars_across(title: str, table: Table, *, columns: int) -> SafeString | None:
    """Stacked bars across, one per row of the table but its last (the total), one colour per column of
    the first `columns`; pygal draws them bottom up, so the rows are given in reverse to read as the table.
    At most the first CHART_ROWS rows (the busiest workers): the table lists them all."""
    rows = table.rows[:-1]
    if not rows:
        return None
    if len(rows) > CHART_ROWS:
        title = _("%(title)s: the %(shown)s busiest of %(all)s") % {
            "title": title,
            "shown": CHART_ROWS,
            "all": intcomma(len(rows)),
        }
        rows = rows[:CHART_ROWS]
    series = [charts.Series(table.columns[i], [row.cells[i].value for row in reversed(rows)]) for i in range(columns)]
    labels = [r.label for r in reversed(rows)]
    return charts.bar_chart(title=title, labels=labels, series=series, horizontal=True, stacked=True)


# --- Open cases ----------------------------------------------------------------------------------


def _open_cases(filters: Filters) -> QuerySet[Case]:
    cases = Case.objects.filter(agency_id=_agency(filters)).exclude(stage=Stage.CLOSED)
    return _for_people(cases.filter(filters.period("opened_at__date")), filters, case_path="")


def by_stage_and_worker(filters: Filters) -> Figure:
    """Open cases by caseworker and stage: one grouped query, and one for the workers' names."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = _open_cases(filters).values("caseworker_id", "stage").annotate(n=Count("*")).order_by()
    for row in rows:
        counts[row["caseworker_id"] or NOBODY][row["stage"]] = row["n"]
    totals = {pk: sum(by_stage.values()) for pk, by_stage in counts.items()}
    names = _workers(_agency(filters), counts)
    table = Table(row_header=_("Caseworker"), columns=[str(Stage(s).label) for s in OPEN_STAGES] + [_("Total")])
    for pk in _worker_order(names, totals):
        cells = [_count(counts[pk].get(stage, 0)) for stage in OPEN_STAGES] + [_count(totals.get(pk, 0))]
        table.rows.append(Row(_worker_label(names, pk), cells))
    all_cells = [_count(sum(c.get(stage, 0) for c in counts.values())) for stage in OPEN_STAGES]
    table.rows.append(Row(_("All caseworkers"), [*all_cells, _count(sum(totals.values()))]))
    title = _("Open cases by caseworker and stage")
    return Figure(
        key="caseload-stage-worker",
        title=title,
        table=table,
        chart=_bars_across(title, table, columns=len(OPEN_STAGES)),
        note=_(
            "Every open case of the agency, by the caseworker who keeps it; active caseworkers with none count zero."
        ),
        links=[(reverse("cases:list"), _("The agency's open cases"))],
    )


def case_age(filters: Filters) -> Figure:
    """Open cases by stage and time since they were opened, with the oldest of each stage: one query."""
    today = clock.today()
    rows = (
        _open_cases(filters)
        .annotate(band=_bands("opened_at", CASE_AGES, today, dated=False))
        .values("stage", "band")
        .annotate(n=Count("*"), first=Min("opened_at"))
        .order_by()
    )
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    first: dict[str, datetime.datetime] = {}
    for row in rows:
        counts[row["stage"]][row["band"]] = row["n"]
        if row["stage"] not in first or row["first"] < first[row["stage"]]:
            first[row["stage"]] = row["first"]
    bands = [key for key, *_rest in CASE_AGES]
    table = Table(
        row_header=_("Stage"),
        columns=[_case_age_label(b) for b in bands] + [_("Total"), _("Oldest (days open)")],
    )
    for stage in OPEN_STAGES:
        cells = [_count(counts[stage].get(b, 0)) for b in bands]
        cells += [_count(sum(counts[stage].values())), _days(_days_since(first.get(stage), today))]
        table.rows.append(Row(str(Stage(stage).label), cells))
    oldest = min(first.values(), default=None)
    all_cells = [_count(sum(c.get(b, 0) for c in counts.values())) for b in bands]
    all_cells += [_count(sum(sum(c.values()) for c in counts.values())), _days(_days_since(oldest, today))]
    table.rows.append(Row(_("All open cases"), all_cells))
    title = _("Open cases by stage and time since opening")
    return Figure(
        key="caseload-case-age",
        title=title,
        table=table,
        chart=_bars_across(title, table, columns=len(bands)),
        note=_("Days counted from the day the case was opened to today."),
    )


# --- Overdue tasks -------------------------------------------------------------------------------


def _overdue_parts(filters: Filters, today: datetime.date) -> list[QuerySet[Task]]:
    """The agency's overdue open tasks on the cases it still works on, in three parts that never share
    a task: those on its own cases, those on other agencies' cases referred to it and still active,
    and the alerts on no case (as on the agency's task list). Counted part by part, each is read by an
    index alone (`task_open_due` holds the assignee, the case and whose the case is, decisions/0047);
    PostgreSQL answers the three as one condition by reading every case of the network (at a
    million, a second)."""
    agency = _agency(filters)
    referred = Referral.objects.filter(to_agency_id=agency, status__in=ACTIVE_REFERRAL_STATUSES).values("case_id")
    overdue = Task.objects.filter(agency_id=agency, done_at__isnull=True, due_on__lt=today)
    parts = [
        overdue.filter(case_agency_id=agency),
        overdue.filter(case_id__in=referred).exclude(case_agency_id=agency),
        overdue.filter(case__isnull=True),
    ]
    return [_for_people(part.filter(filters.period("due_on")), filters, case_path="case__") for part in parts]


@dataclass(frozen=True)
class Overdue:
    """The overdue tasks counted by assignee and band, with the day the oldest fell due."""

    counts: dict[int, dict[str, int]]
    first: dict[int, datetime.date]

    @property
    def oldest(self) -> datetime.date | None:
        return min(self.first.values(), default=None)

    def total(self, bands: Iterable[str] | None = None) -> int:
        return sum(
            n for by_band in self.counts.values() for band, n in by_band.items() if bands is None or band in bands
        )


def _overdue(filters: Filters, today: datetime.date) -> Overdue:
    """One grouped query per part of `_overdue_parts`, added up."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    first: dict[int, datetime.date] = {}
    for part in _overdue_parts(filters, today):
        rows = (
            part.annotate(band=_bands("due_on", OVERDUE, today, dated=True))
            .values("assignee_id", "band")
            .annotate(n=Count("*"), first=Min("due_on"))
            .order_by()
        )
        for row in rows:
            pk = row["assignee_id"] or NOBODY
            counts[pk][row["band"]] += row["n"]
            if pk not in first or row["first"] < first[pk]:
                first[pk] = row["first"]
    return Overdue(counts=counts, first=first)


def overdue_tasks(filters: Filters, overdue: Overdue) -> Figure:
    """Overdue tasks by the worker they are assigned to and by how late, and the workers' names."""
    today = clock.today()
    counts, first = overdue.counts, overdue.first
    totals = {pk: sum(by_band.values()) for pk, by_band in counts.items()}
    names = _workers(_agency(filters), counts)
    bands = [key for key, *_rest in OVERDUE]
    table = Table(
        row_header=_("Assigned to"),
        columns=[_overdue_label(b) for b in bands] + [_("All overdue"), _("Oldest (days overdue)")],
    )
    for pk in _worker_order(names, totals):
        cells = [_count(counts[pk].get(b, 0)) for b in bands]
        cells += [_count(totals.get(pk, 0)), _days(_days_since(first.get(pk), today))]
        table.rows.append(Row(_worker_label(names, pk), cells))
    all_cells = [_count(overdue.total([b])) for b in bands]
    all_cells += [_count(overdue.total()), _days(_days_since(overdue.oldest, today))]
    table.rows.append(Row(_("Everyone"), all_cells))
    title = _("Overdue tasks by worker")
    return Figure(
        key="caseload-overdue-tasks",
        title=title,
        table=table,
        chart=_bars_across(title, table, columns=len(bands)),
        note=_("Open tasks past their due day, counted in days from the day they fell due."),
        links=[(reverse("cases:tasks") + "?agency=1", _("All the agency's overdue tasks"))],
    )


# --- What waits for a decision or an answer ------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    label: str
    rows: QuerySet[Any]
    since: str  # the field that says since when an item waits


def _queues(filters: Filters, today: datetime.date) -> list[Queue]:
    agency = _agency(filters)
    plans = Plan.objects.filter(agency_id=agency, status=PlanStatus.SUBMITTED)
    closures = Case.objects.filter(agency_id=agency, closure_requested_at__isnull=False).exclude(stage=Stage.CLOSED)
    received = Referral.objects.filter(to_agency_id=agency, status=ReferralStatus.PENDING)
    sent = Referral.objects.filter(from_agency_id=agency, status=ReferralStatus.PENDING)
    return [
        Queue(
            _("Plans to approve"),
            _for_people(plans.filter(filters.period("updated_at__date")), filters, case_path="case__"),
            "updated_at",
        ),
        Queue(
            _("Closures to decide"),
            _for_people(closures.filter(filters.period("closure_requested_at__date")), filters, case_path=""),
            "closure_requested_at",
        ),
        Queue(
            _("Referrals to answer"),
            _for_people(received.filter(filters.period("sent_at__date")), filters, case_path="case__"),
            "sent_at",
        ),
        Queue(
            _("Referrals sent, not answered"),
            _for_people(sent.filter(filters.period("sent_at__date")), filters, case_path="case__"),
            "sent_at",
        ),
    ]


def waiting(filters: Filters, overdue: Overdue) -> Figure:
    """What waits, how many waited over a week, and since how long the oldest: one query per queue; the
    overdue tasks as counted for `overdue_tasks` (a task overdue over a week is in its later bands)."""
    today = clock.today()
    week_ago = today - datetime.timedelta(days=WEEK)
    table = Table(
        row_header=_("What waits"),
        columns=[_("Waiting now"), _("Waiting over a week"), _("Oldest (days waiting)")],
    )
    for queue in _queues(filters, today):
        found = queue.rows.aggregate(
            n=Count("*"),
            late=Count(queue.since, filter=Q(**{f"{queue.since}__lt": _start_of(week_ago)})),
            first=Min(queue.since),
        )
        table.rows.append(
            Row(queue.label, [_count(found["n"]), _count(found["late"]), _days(_days_since(found["first"], today))])
        )
    late = [key for key, least, _most in OVERDUE if least > WEEK]
    table.rows.append(
        Row(
            _("Overdue tasks"),
            [_count(overdue.total()), _count(overdue.total(late)), _days(_days_since(overdue.oldest, today))],
        )
    )
    title = _("What waits for a decision or an answer")
    chart_title = _("Days the oldest item has waited")
    return Figure(
        key="caseload-waiting",
        title=title,
        table=table,
        chart=charts.bar_chart(
            title=chart_title,
            labels=[r.label for r in reversed(table.rows)],  # drawn bottom up: the table's first row on top
            series=[charts.Series(_("Days waited"), table.column(2)[::-1])],
            horizontal=True,
        ),
        note=_(
            "A plan waits since it was submitted, a closure since it was asked for, a referral since it was sent, "
            "a task since the day it fell due."
        ),
        links=[
            (reverse("home") + "#queues", _("Plans and closures to decide")),
            (reverse("referrals:inbox") + "?status=pending", _("Referrals to answer")),
            (reverse("referrals:inbox") + "?direction=outgoing&status=pending", _("Referrals sent")),
        ],
    )


# --- Closures by reason (issue 16) --------------------------------------------------------------


def closures_by_reason(filters: Filters) -> Figure:
    """The agency's cases closed in the period, by the reason recorded (the IOM guidance's): one query."""
    closed = Case.objects.filter(agency_id=_agency(filters), stage=Stage.CLOSED)
    closed = _for_people(closed.filter(filters.period("closed_at__date")), filters, case_path="")
    counts = dict(closed.values_list("closure_code").annotate(n=Count("*")).order_by())
    table = Table(row_header=_("Reason for closing"), columns=[_("Cases closed")])
    for code, label in ClosureReason.choices:
        table.rows.append(Row(str(label), [_count(counts.get(code, 0))]))
    if counts.get(""):
        table.rows.append(Row(_("Not recorded (closed before reasons were)"), [_count(counts[""])]))
    table.rows.append(Row(_("All closed cases"), [_count(sum(counts.values()))]))
    title = _("Cases closed, by reason")
    return Figure(
        key="caseload-closure-reasons",
        title=title,
        table=table,
        chart=charts.bar_chart(
            title=title,
            labels=[r.label for r in reversed(table.rows[:-1])],
            series=[charts.Series(_("Cases closed"), table.column(0)[:-1][::-1])],
            horizontal=True,
        ),
        note=_(
            "By the day the closure was approved. A case closed as reintegrated keeps its last sustainability index; "
            "a move abroad again is recorded on the case, never as a failure of the person."
        ),
    )


def figures(filters: Filters) -> list[Figure]:
    overdue = _overdue(filters, clock.today())
    return [
        by_stage_and_worker(filters),
        case_age(filters),
        overdue_tasks(filters, overdue),
        waiting(filters, overdue),
        closures_by_reason(filters),
    ]
