"""Voice of returnees: what returnees rank as their priorities beside what their plans and the
network's services delivered for them (the priority gap). Counted by date of return.

Definitions (shown on the page in the figures' notes):

- *Priorities*: each person's latest ranking (`PriorityRanking`, most recent `recorded_at`), whatever
  its context; "top three" is its first three places. People without a ranking are not counted in
  the shares of who ranks what.
- *Economic support* is any of: a livelihood enrolment started (`Enrolment.enrolled_on`), a stipend
  paid, a placement in a job or an own business started, a plan action done under a goal of the
  economic domain, or a referral to an economic service (vocational training, job placement,
  business start-up, microcredit, cash assistance) accepted by the receiving agency (accepted, in
  progress or completed). *Within 90 days of return*: its date (enrolled, paid, started, done,
  accepted) is no later than 90 days after the date of return; support arranged before the return
  counts.
- *First income*: the earliest, on or after the date of return, of a stipend payment, the start of a
  placement, or an income follow-up that found the person in paid work or running a business, or
  earning. The median is over the people who have one.
- *Delivered for a priority*: a plan action done under a goal that serves the priority (or, for a
  job or an income, under an economic goal); a referral to a service of a matching category
  accepted, in progress or completed (`SERVICE_PRIORITIES`); and for a job or an income, any
  economic support above; for learning skills, a training or education enrolment started.

Each person's measures (latest ranking, support by day 90, first income, what was delivered) are
worked out once, on write, into the summary table `CaseFacts` (insights/facts.py, decisions/0030);
the dashboard counts them with one grouped query per figure over that one table, and spreads the
rows of a group (a set of priorities, a number of days) in Python: the work grows with the number
of distinct groups, not of people.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import CharField, Count, F, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable
from django.db.models.lookups import GreaterThan
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from reintegra.cases.choices import Gender, ReturnType
from reintegra.lib import charts, geo
from reintegra.lib.suppression import ALL, Key
from reintegra.plans.choices import Priority

from .cubes import (
    Cell,
    Figure,
    Row,
    Slice,
    Table,
    count_cell,
    count_cube,
    median_cell_of,
    protect_counts,
    share_cell,
)
from .facts import LOWER, NO, PRIORITY_BITS, TOP3, YES, fact_category, priorities_in
from .filters import Filters
from .models import CaseFacts

# The ways the priorities are broken down: the summary table's column, and its label.
GROUPS: dict[str, tuple[str, Callable[[str], str]]] = {
    "gender": ("gender", lambda v: str(Gender(v).label) if v in Gender.values else _("not recorded")),
    "country": ("country_from", lambda v: geo.country_name(v) if v else _("not recorded")),
    "type": (
        "return_type",
        lambda v: str(ReturnType(v).label) if v in ReturnType.values else _("not recorded"),
    ),
}


def _bars_top_down(*, title: str, labels: list[str], series: list[charts.Series]) -> SafeString:
    """Horizontal bars of shares with the table's first row on top (pygal draws the first at the bottom)."""
    return charts.bar_chart(
        title=title,
        labels=labels[::-1],
        series=[charts.Series(s.label, list(s.values)[::-1]) for s in series],
        horizontal=True,
        percent=True,
    )


def _returned(filters: Filters) -> QuerySet[CaseFacts]:
    return CaseFacts.objects.filter(filters.period("returned_on"))


def _priority_label(value: str) -> str:
    return str(Priority(value).label) if value in Priority.values else value


def _gender_label(value: str) -> str:
    return GROUPS["gender"][1](value)


def _grouped(
    filters: Filters, columns: dict[str, Combinable | str], *, where: Q | None = None
) -> Iterator[tuple[dict[str, Any], tuple[str, ...], int]]:
    """The people counted, grouped by some columns of the summary table and by the reader's filters,
    in one query: each group's values, its filter values (a cube's key) and how many people."""
    chosen = list(filters.chosen)
    annotations: dict[str, Any] = {
        f"c_{name}": F(column) if isinstance(column, str) else column for name, column in columns.items()
    }
    annotations |= {f"f_{name}": fact_category(name) for name in chosen}
    rows = (
        _returned(filters)
        .filter(filters.scope(""))
        .filter(where or Q())
        .annotate(**annotations)
        .values(*annotations)
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        values = {name: row[f"c_{name}"] for name in columns}
        yield values, tuple("" if row[f"f_{name}"] is None else str(row[f"f_{name}"]) for name in chosen), row["n"]


def _yes(column: str) -> SqlCase:
    return SqlCase(When(**{column: True}, then=Value(YES)), default=Value(NO), output_field=CharField())


# --- The headline: income in the top three against economic support by day 90 --------------------------


def _sum(*counts: int | None) -> int | None:
    return None if any(n is None for n in counts) else sum(n for n in counts if n is not None)


def income_against_support(filters: Filters) -> Figure:
    data = count_cube(
        _returned(filters),
        filters=filters,
        case_path="",
        dims={"gender": F("gender"), "income": F("income_rank"), "support": _yes("support_90")},
        categories=fact_category,
    )
    table = Table(
        row_header=_("Returnees"),
        columns=[
            _("People returned"),
            _("People who ranked their priorities"),
            _("Rank a job or an income in their top three"),
            _("Received economic support within 90 days of return"),
            _("Of those ranking a job or an income in their top three: supported within 90 days"),
        ],
    )
    groups = [ALL] + [g for g in Gender.values if g in data.values("gender")]
    for group in groups:
        ranked = _sum(data.count(group, TOP3, ALL), data.count(group, LOWER, ALL))
        returned = data.count(group, ALL, ALL)
        table.rows.append(
            Row(
                _("All returnees") if group == ALL else _gender_label(group),
                [
                    count_cell(returned),
                    count_cell(ranked),
                    share_cell(data.count(group, TOP3, ALL), ranked),
                    share_cell(data.count(group, ALL, YES), returned),
                    share_cell(data.count(group, TOP3, YES), data.count(group, TOP3, ALL)),
                ],
            )
        )
    title = _("A job or an income: asked for, and economic support received within 90 days")
    return Figure(
        key="voice-income-support",
        title=title,
        table=table,
        chart=charts.bar_chart(
            title=title,
            labels=[r.label for r in table.rows],
            series=[
                charts.Series(_("Rank a job or an income in their top three"), table.column(2)),
                charts.Series(_("Received economic support within 90 days of return"), table.column(3)),
            ],
            percent=True,
        ),
        note=_(
            "Priorities are each person's latest ranking; the share ranking a job or an income is of the people "
            "who ranked their priorities. Economic support: a livelihood enrolment started, a stipend paid, a job or "
            "business started, an economic plan action done, or a referral to training, job placement, business "
            "start-up, microcredit or cash assistance accepted, no later than 90 days after return."
        ),
    )


def first_income(filters: Filters) -> Figure:
    # One read: the people by gender and days to a first income (none: null), within every filter
    # value; the cube of who has one, and how many took each number of days within the reader's.
    counts: Counter[Key] = Counter()
    days: dict[str, Counter[float]] = defaultdict(Counter)
    fixed = tuple(filters.chosen.values())
    for values, categories, n in _grouped(filters, {"gender": "gender", "days": "first_income_days"}):
        gender, lag = values["gender"] or "", values["days"]
        counts[(gender, NO if lag is None else YES, *categories)] += n
        if lag is not None and categories == fixed:
            days[ALL][float(lag)] += n
            days[gender][float(lag)] += n
    data = protect_counts(counts, dims=["gender", "income"], filters=filters)
    table = Table(
        row_header=_("Returnees"),
        columns=[
            _("People returned"),
            _("People with a first income"),
            _("Share with a first income"),
            _("Median days from return to first income"),
        ],
    )
    for group in [ALL] + [g for g in Gender.values if g in data.values("gender")]:
        returned, earning = data.count(group, ALL), data.count(group, YES)
        table.rows.append(
            Row(
                _("All returnees") if group == ALL else _gender_label(group),
                [count_cell(returned), count_cell(earning), share_cell(earning, returned), median_cell_of(days[group])],
            )
        )
    title = _("Days from return to first income")
    return Figure(
        key="voice-first-income",
        title=title,
        table=table,
        chart=charts.bar_chart(
            title=_("Median days from return to first income"),
            labels=[r.label for r in table.rows],
            series=[charts.Series(_("Median days from return to first income"), table.column(3))],
        ),
        note=_(
            "First income: the earliest stipend payment, start of a job or business, or follow-up finding the person "
            "earning, on or after the date of return. The median is over the people who have one."
        ),
    )


# --- The priorities as ranked, and what was delivered for them ---------------------------------------------


def _people(counts: Counter[Key], filters: Filters) -> Slice:
    """The people who ranked their priorities, by a group (or all in one, under YES), counted from
    the rows a figure read (each row a group of people who ranked)."""
    return protect_counts(counts, dims=["group"], filters=filters)


def priorities_overall(filters: Filters) -> Figure:
    counts: Counter[Key] = Counter()
    ranked: Counter[Key] = Counter()
    for values, categories, n in _grouped(filters, {"first": "first_priority", "top3": "top3"}, where=Q(ranked=True)):
        ranked[(YES, *categories)] += n
        for priority in priorities_in(values["top3"]):
            counts[(priority, "first" if priority == values["first"] else "next", *categories)] += n
    data = protect_counts(counts, dims=["priority", "place"], filters=filters)
    people = _people(ranked, filters).count(YES)
    table = Table(
        row_header=_("Their priority"),
        columns=[_("Ranked first"), _("Ranked in the top three"), _("Share ranking it in the top three")],
    )
    for priority in Priority.values:
        top3 = data.count(priority, ALL)
        table.rows.append(
            Row(
                _priority_label(priority),
                [count_cell(data.count(priority, "first")), count_cell(top3), share_cell(top3, people)],
            )
        )
    table.rows.append(Row(_("People who ranked their priorities"), [count_cell(people), Cell(None), Cell(None)]))
    title = _("What returnees rank as their priorities")
    return Figure(
        key="voice-priorities",
        title=title,
        table=table,
        chart=_bars_top_down(
            title=_("Share ranking each priority in their top three"),
            labels=[r.label for r in table.rows[:-1]],
            series=[charts.Series(_("Share ranking it in the top three"), table.column(2)[:-1])],
        ),
        note=_("Each person's latest ranking; a person counts under each of their first three priorities."),
    )


def priorities_by(filters: Filters, group: str) -> Figure:
    """The share ranking each priority in the top three, per gender, country or type of return."""
    column, label = GROUPS[group]
    counts: Counter[Key] = Counter()
    ranked: Counter[Key] = Counter()
    for row, categories, n in _grouped(filters, {"group": column, "top3": "top3"}, where=Q(ranked=True)):
        ranked[(row["group"] or "", *categories)] += n
        for priority in priorities_in(row["top3"]):
            counts[(priority, row["group"] or "", *categories)] += n
    data = protect_counts(counts, dims=["priority", "group"], filters=filters)
    people = _people(ranked, filters)
    values = people.values("group")
    if group == "gender":
        values = [g for g in Gender.values if g in values] + [g for g in values if g not in Gender.values]
    elif group == "type":
        values = [t for t in ReturnType.values if t in values] + [t for t in values if t not in ReturnType.values]
    else:
        values = sorted(values, key=label)
    table = Table(row_header=_("Their priority"), columns=[label(v) for v in values])
    for priority in Priority.values:
        table.rows.append(
            Row(_priority_label(priority), [share_cell(data.count(priority, v), people.count(v)) for v in values])
        )
    table.rows.append(Row(_("People who ranked their priorities"), [count_cell(people.count(v)) for v in values]))
    title = {
        "gender": _("Priorities in the top three, by gender"),
        "country": _("Priorities in the top three, by country returned from"),
        "type": _("Priorities in the top three, by type of return"),
    }[group]
    return Figure(
        key=f"voice-priorities-by-{group}",
        title=title,
        table=table,
        chart=_bars_top_down(
            title=title,
            labels=[r.label for r in table.rows[:-1]],
            series=[charts.Series(table.columns[i], table.column(i)[:-1]) for i in range(len(values))],
        ),
        note=_("Shares of the people in each column who ranked their priorities."),
    )


# For the priority gap: the people who rank a priority in their top three and received something
# for it, who rank it and received nothing, and who received something without ranking it.
GAP_CELLS = ((YES, YES), (YES, NO), (NO, YES))


def _gap_counts(filters: Filters) -> Iterator[tuple[dict[str, int], tuple[str, ...]]]:
    """The people who ranked, by the reader's filters, with, per priority, how many fall in each of
    GAP_CELLS: conditional counts over bits, in one query whatever the sets of priorities."""
    aggregates: dict[str, Any] = {"n": Count("pk")}
    for i, priority in enumerate(Priority.values):
        bit = PRIORITY_BITS[priority]
        ranks = Q(GreaterThan(F("top3").bitand(bit), 0))
        got = Q(GreaterThan(F("delivered").bitand(bit), 0))
        for (in_top3, received), condition in zip(GAP_CELLS, (ranks & got, ranks & ~got, ~ranks & got), strict=True):
            aggregates[f"p{i}_{in_top3}_{received}"] = Count("pk", filter=condition)
    chosen = list(filters.chosen)
    categories = {f"f_{name}": fact_category(name) for name in chosen}
    counted = _returned(filters).filter(filters.scope(""), ranked=True)
    if not categories:  # (values() of no column would group by every column)
        yield counted.aggregate(**aggregates), ()
        return
    rows = counted.annotate(**categories).values(*categories).annotate(**aggregates).order_by()
    for row in rows:
        yield row, tuple("" if row[f"f_{name}"] is None else str(row[f"f_{name}"]) for name in chosen)


def priority_gap(filters: Filters) -> Figure:
    counts: Counter[Key] = Counter()
    rankers: Counter[Key] = Counter()
    for row, categories in _gap_counts(filters):
        rankers[(YES, *categories)] += row["n"]
        for i, priority in enumerate(Priority.values):
            for in_top3, received in GAP_CELLS:
                if n := row[f"p{i}_{in_top3}_{received}"]:
                    counts[(priority, in_top3, received, *categories)] += n
    data = protect_counts(counts, dims=["priority", "top3", "delivered"], filters=filters)
    people = _people(rankers, filters).count(YES)
    table = Table(
        row_header=_("Their priority"),
        columns=[
            _("Share ranking it in the top three"),
            _("Share who received something for it"),
            _("Of those ranking it in the top three: received something for it"),
            _("Gap (ranked minus received, in points)"),
        ],
    )
    for priority in Priority.values:
        ranked = share_cell(data.count(priority, YES, ALL), people)
        got = share_cell(data.count(priority, ALL, YES), people)
        gap = (
            Cell(round((ranked.value - got.value) * 100, 1), kind="points")
            if ranked.value is not None and got.value is not None
            else Cell(None, suppressed=ranked.suppressed or got.suppressed, kind="points")
        )
        table.rows.append(
            Row(
                _priority_label(priority),
                [ranked, got, share_cell(data.count(priority, YES, YES), data.count(priority, YES, ALL)), gap],
            )
        )
    title = _("The priority gap: what returnees rank against what they received")
    return Figure(
        key="voice-priority-gap",
        title=title,
        table=table,
        chart=_bars_top_down(
            title=title,
            labels=[r.label for r in table.rows],
            series=[
                charts.Series(_("Share ranking it in the top three"), table.column(0)),
                charts.Series(_("Share who received something for it"), table.column(1)),
            ],
        ),
        note=_(
            "Of the people who ranked their priorities. Received: a plan action done under a goal serving the "
            "priority, a referral to a matching service accepted or completed, and for a job or an income any "
            "economic support at any time."
        ),
    )


def figures(filters: Filters) -> list[Figure]:
    return [
        income_against_support(filters),
        first_income(filters),
        priority_gap(filters),
        priorities_overall(filters),
        *(priorities_by(filters, group) for group in GROUPS),
    ]
