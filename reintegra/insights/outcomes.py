"""Outcomes: work and income 1, 3, 6 and 12 months after an option ends, by kind of option, by
provider and with or without a stipend; the sustainability index by dimension over the time since
return; drop-out with and without a stipend.

Work, income and drop-out are counted by the date the option ended (its completion, or the start of
work when a placement came first: the date the income follow-ups are scheduled from); the
sustainability index by the date of return. A stipend here is any income while on the option: a
stipend or a wage (as the programme scorecard counts it, livelihoods/scorecard.py). Incomes are in
the currency they were recorded in and are never converted (the project keeps no exchange rates):
each currency has its own medians.

Every figure counts from the summary tables (insights/models.py: OutcomeFacts, EnrolmentFacts,
AssessmentFacts), kept on write by insights/facts.py: one table per figure, no join per person.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Case, CharField, Count, F, QuerySet, Value, When
from django.db.models.expressions import Combinable
from django.db.models.lookups import Exact
from django.utils.translation import gettext as _

from reintegra.lib import charts
from reintegra.lib.suppression import ALL, enough
from reintegra.livelihoods.choices import FOLLOW_UP_MONTHS
from reintegra.livelihoods.models import OpportunityKind
from reintegra.network.models import Agency

from .cubes import Cell, Figure, Row, Slice, Table, count_cell, count_cube, count_cubes, min_cell, share_cell
from .facts import INCOME_FIRST, WORK_FIRST, fact_category
from .filters import Filters
from .models import AssessmentFacts, EnrolmentFacts, OutcomeFacts

PAID, UNPAID = "paid", "unpaid"
YES, NO = "yes", "no"


def _point(months: int) -> str:
    return {1: _("1 month"), 3: _("3 months"), 6: _("6 months"), 12: _("12 months")}.get(months) or str(months)


# --- The breakdowns of work and income -------------------------------------------------------------


@dataclass(frozen=True)
class Breakdown:
    """A way of splitting the people on options: its SQL value through the path to the enrolment,
    its values in the order a table shows them, and their labels."""

    key: str
    header: str
    total: str
    expression: Callable[[], Combinable]  # its value in the summary tables (insights/models.py)
    order: Callable[[Iterable[str]], list[str]]
    label: Callable[[str], str]


def _stipend_expression() -> Combinable:
    return Case(When(paid=True, then=Value(PAID)), default=Value(UNPAID), output_field=CharField())


def _stipend_label(value: str) -> str:
    return _("With a stipend or wage") if value == PAID else _("Without a stipend or wage")


def _kind_label(value: str) -> str:
    return str(dict(OpportunityKind.choices).get(value, value))


def _kinds_in_order(values: Iterable[str]) -> list[str]:
    present = set(values)
    return [kind for kind in OpportunityKind.values if kind in present]


def _breakdowns(provider_names: dict[str, str]) -> dict[str, Breakdown]:
    return {
        "kind": Breakdown(
            key="kind",
            header=_("Kind of option"),
            total=_("All kinds"),
            expression=lambda: F("kind"),
            order=_kinds_in_order,
            label=_kind_label,
        ),
        "provider": Breakdown(
            key="provider",
            header=_("Provider"),
            total=_("All providers"),
            expression=lambda: F("provider_id"),
            order=lambda values: sorted(values, key=lambda v: (provider_names.get(v, "").casefold(), v)),
            label=lambda value: provider_names.get(value, _("Unknown provider")),
        ),
        "stipend": Breakdown(
            key="stipend",
            header=_("Stipend"),
            total=_("All options"),
            expression=_stipend_expression,
            order=lambda values: [v for v in (PAID, UNPAID) if v in set(values)],
            label=_stipend_label,
        ),
    }


def _provider_names(values: Iterable[str]) -> dict[str, str]:
    """The providers' names in the reader's language (agencies may be named), in one query."""
    ids = [int(v) for v in values if v.isdigit()]
    if not ids:
        return {}
    return {str(a.pk): a.display_name for a in Agency.objects.filter(pk__in=ids).only("name", "name_local", "country")}


# --- Work and income after an option ---------------------------------------------------------------


def _each_person_once(rows: QuerySet[Any], filters: Filters, bit: int, *, period_on_rows: bool) -> dict[str, Any]:
    """count_cube's arguments to count each person once per group: the rows marked as their case's
    first in the group (insights/facts.FIRST_OF), counted plainly; or, when the period is set on the
    rows' own date (an option's end: a case's first row may fall outside it), the distinct cases."""
    if period_on_rows and (filters.since or filters.until):
        return {"queryset": rows, "distinct": "case"}
    return {"queryset": rows.filter(_marked(bit)), "distinct": None}


def _marked(bit: int) -> Exact:
    """The rows marked as their case's first in the groups of `bit` (insights/facts.FIRST_OF)."""
    return Exact(F("firsts").bitand(bit), bit)


def _followed_up(filters: Filters) -> QuerySet[OutcomeFacts]:
    """The follow-ups done (their work recorded), of options that ended in the period."""
    return OutcomeFacts.objects.filter(filters.period("ended_on"))


BREAKDOWNS = ("kind", "provider", "stipend")


def _cubes_by_breakdown(
    rows: QuerySet[OutcomeFacts], filters: Filters, dims: dict[str, Combinable], firsts: dict[str, int]
) -> dict[str, Slice]:
    """A cube per breakdown (kind, provider, stipend), each by the breakdown and `dims`, people counted
    once per group: all three from one scan of the rows, each counting the rows marked as their case's
    first in its groups (`firsts`); or, with a period on the options' end, a COUNT(DISTINCT case) each."""
    if filters.since or filters.until:
        return {
            by: count_cube(
                rows,
                distinct="case",
                filters=filters,
                case_path="",
                dims={by: _breakdown_expression(by), **dims},
                categories=fact_category,
            )
            for by in BREAKDOWNS
        }
    return count_cubes(
        rows,
        filters=filters,
        columns={**{by: _breakdown_expression(by) for by in BREAKDOWNS}, **dims},
        cubes={by: ((by, *dims), _marked(firsts[by])) for by in BREAKDOWNS},
        categories=fact_category,
    )


def _work_cubes(filters: Filters) -> dict[str, Slice]:
    working = Case(When(working=True, then=Value(YES)), default=Value(NO), output_field=CharField())
    return _cubes_by_breakdown(_followed_up(filters), filters, {"months": F("months"), "work": working}, WORK_FIRST)


def _earning(filters: Filters) -> QuerySet[OutcomeFacts]:
    """The follow-ups of those earning, with the currency of their income (facts.EARNING_ROWS)."""
    return _followed_up(filters).filter(monthly_income__gt=0).exclude(currency="")


def _income_cubes(filters: Filters) -> dict[str, Slice]:
    dims: dict[str, Combinable] = {"currency": F("currency"), "months": F("months")}
    return _cubes_by_breakdown(_earning(filters), filters, dims, INCOME_FIRST)


def _breakdown_expression(by: str) -> Combinable:
    return _breakdowns({})[by].expression()


def work(filters: Filters, *, by: str, data: Slice) -> Figure:
    """The share of people in paid work (or running their own business) at each follow-up (`data`:
    its cube from _work_cubes)."""
    values = data.values(by)
    breakdown = _breakdowns(_provider_names(values) if by == "provider" else {})[by]
    columns: list[str] = []
    for months in FOLLOW_UP_MONTHS:
        columns += [
            _("Followed up at %(point)s") % {"point": _point(months)},
            _("In paid work at %(point)s") % {"point": _point(months)},
        ]
    table = Table(row_header=breakdown.header, columns=columns)
    for value, label in [*((v, breakdown.label(v)) for v in breakdown.order(values)), (ALL, breakdown.total)]:
        cells: list[Cell] = []
        for months in FOLLOW_UP_MONTHS:
            whole = data.count(value, str(months), ALL)
            cells += [count_cell(whole), share_cell(data.count(value, str(months), YES), whole)]
        table.rows.append(Row(label, cells))
    title = {
        "kind": _("Paid work after the option, by kind of option"),
        "provider": _("Paid work after the option, by provider"),
        "stipend": _("Paid work after the option, with and without a stipend"),
    }[by]
    series = [
        charts.Series(row.label, [row.cells[2 * i + 1].value for i in range(len(FOLLOW_UP_MONTHS))])
        for row in table.rows
    ]
    return Figure(
        key=f"outcomes-work-by-{by}",
        title=title,
        table=table,
        chart=charts.line_chart(
            title=title,
            labels=[_point(m) for m in FOLLOW_UP_MONTHS],
            series=series,
            percent=True,
        ),
        note=_(
            "People followed up 1, 3, 6 and 12 months after completing an option (or after starting work, "
            "when that came first). Paid work includes running one's own business. A person followed up "
            "on several options counts under each."
        ),
    )


def income(filters: Filters, *, by: str, data: Slice) -> Figure:
    """The median monthly income of those earning at each follow-up, per currency (`data`: its cube
    from _income_cubes)."""
    histograms = _income_histograms(_earning(filters), filters, _breakdown_expression(by))
    values = data.values(by)
    breakdown = _breakdowns(_provider_names(values) if by == "provider" else {})[by]
    columns: list[str] = []
    for months in FOLLOW_UP_MONTHS:
        columns += [
            _("Earning at %(point)s") % {"point": _point(months)},
            _("Median monthly income at %(point)s") % {"point": _point(months)},
        ]
    table = Table(row_header=_("%(breakdown)s and currency") % {"breakdown": breakdown.header}, columns=columns)
    currencies = sorted(data.values("currency"), key=lambda c: (-(data.count(ALL, c, ALL) or 0), c))
    rows_by_currency: dict[str, list[Row]] = {}
    for currency in currencies:
        groups = [*((v, breakdown.label(v)) for v in breakdown.order(values)), (ALL, breakdown.total)]
        for value, label in groups:
            cells: list[Cell] = []
            for months in FOLLOW_UP_MONTHS:
                people = data.count(value, currency, str(months))
                cells += [count_cell(people), _median_cell(histograms, (value, currency, months), people)]
            if all(c.value is None and not c.suppressed for c in cells[::2]):
                continue  # nobody earning in this currency in this group
            row = Row(_("%(group)s, %(currency)s") % {"group": label, "currency": currency}, cells)
            table.rows.append(row)
            rows_by_currency.setdefault(currency, []).append(row)
    title = {
        "kind": _("Monthly income after the option, by kind of option"),
        "provider": _("Monthly income after the option, by provider"),
        "stipend": _("Monthly income after the option, with and without a stipend"),
    }[by]
    chart = None
    if currencies:
        main = currencies[0]
        chart_title = _("Median monthly income in %(currency)s") % {"currency": main}
        chart = charts.line_chart(
            title=chart_title,
            labels=[_point(m) for m in FOLLOW_UP_MONTHS],
            series=[
                charts.Series(row.label, [row.cells[2 * i + 1].value for i in range(len(FOLLOW_UP_MONTHS))])
                for row in rows_by_currency[main]
            ],
        )
    return Figure(
        key=f"outcomes-income-by-{by}",
        title=title,
        table=table,
        chart=chart,
        note=_(
            "Medians of the monthly incomes recorded at each follow-up, of those earning. Incomes are in the "
            "currency they were recorded in, never converted; the chart shows the currency most people earn in."
        ),
    )


IncomeKey = tuple[str, str, int]


def _income_histograms(
    earning: QuerySet[OutcomeFacts], filters: Filters, expression: Combinable
) -> dict[IncomeKey, dict[float, int]]:
    """How many follow-ups recorded each income, per group, currency and point (the group `ALL` too),
    within the reader's filters: one query that returns a row per distinct income, not per person.
    The chosen filter values are kept in SQL (a chosen value is never empty, so a row without one is
    left out as before), not grouped by and sifted here: a few rows, not one per combination."""
    categories = {f"f_{name}": fact_category(name) for name in filters.chosen}
    rows = (
        earning.filter(filters.scope(""))
        .alias(**categories)
        .filter(**{f"f_{name}": value for name, value in filters.chosen.items()})
        .annotate(d_group=expression)
        .values("d_group", "currency", "months", "monthly_income")
        .annotate(n=Count("pk"))
        .order_by()
    )
    histograms: dict[IncomeKey, dict[float, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        amount = float(row["monthly_income"])
        for group in (_text(row["d_group"]), ALL):
            histograms[(group, row["currency"], row["months"])][amount] += row["n"]
    return histograms


def _median_cell(histograms: dict[IncomeKey, dict[float, int]], key: IncomeKey, people: int | None) -> Cell:
    """A median shown only where the count of people beside it is (k people or more, not hidden)."""
    if people is None or (people and not enough(people, k=min_cell())):
        return Cell(value=None, suppressed=True, kind="amount")
    value = median(histograms.get(key, {}))
    return Cell(value=None if value is None else round(value, 1), kind="amount")


def median(histogram: dict[float, int]) -> float | None:
    """The median of values given with how often each occurs (as statistics.median of the list)."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    low_rank, high_rank = (total - 1) // 2, total // 2
    low = high = None
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            high = value
            break
    assert low is not None and high is not None  # noqa: S101  total > 0 reaches both ranks
    return (low + high) / 2


# --- Drop-out -----------------------------------------------------------------------------------------


def dropout(filters: Filters) -> Figure:
    """The share of people whose option ended who left before its end, with and without a stipend."""
    ended = EnrolmentFacts.objects.filter(filters.period("ended_on"))
    left = Case(When(left=True, then=Value(YES)), default=Value(NO), output_field=CharField())
    data = count_cube(
        **_each_person_once(ended, filters, 1, period_on_rows=True),
        filters=filters,
        case_path="",
        dims={"kind": F("kind"), "stipend": _stipend_expression(), "left": left},
        categories=fact_category,
    )
    columns = [
        _("Ended, with a stipend or wage"),
        _("Dropped out, with a stipend or wage"),
        _("Ended, without a stipend or wage"),
        _("Dropped out, without a stipend or wage"),
    ]
    table = Table(row_header=_("Kind of option"), columns=columns)
    groups = [*((k, _kind_label(k)) for k in _kinds_in_order(data.values("kind"))), (ALL, _("All kinds"))]
    for kind, label in groups:
        cells: list[Cell] = []
        for stipend in (PAID, UNPAID):
            whole = data.count(kind, stipend, ALL)
            cells += [count_cell(whole), share_cell(data.count(kind, stipend, YES), whole)]
        table.rows.append(Row(label, cells))
    title = _("Drop-out with and without a stipend")
    return Figure(
        key="outcomes-dropout",
        title=title,
        table=table,
        chart=charts.bar_chart(
            title=_("Share who dropped out"),
            labels=[row.label for row in table.rows],
            series=[
                charts.Series(_stipend_label(PAID), table.column(1)),
                charts.Series(_stipend_label(UNPAID), table.column(3)),
            ],
            horizontal=True,
            percent=True,
        ),
        note=_(
            "People who started an option that then ended in the period: completed, placed in work, or left "
            "before the end. A stipend or a wage paid while on the option counts as a stipend."
        ),
    )


# --- Sustainability over time since return ---------------------------------------------------------------

DIMENSIONS = ("economic", "social", "psychosocial", "composite")


def _since_return_labels() -> dict[str, str]:
    return {
        "0-3": _("Under 3 months"),
        "3-6": _("3 to 6 months"),
        "6-12": _("6 to 12 months"),
        "12+": _("12 months or more"),
    }


def _dimension_labels() -> dict[str, str]:
    return {
        "economic": _("Economic"),
        "social": _("Social"),
        "psychosocial": _("Psychosocial"),
        "composite": _("Sustainability index"),
    }


def sustainability(filters: Filters) -> Figure:
    """The mean score of each dimension of the index (0 to 1), by time since return."""
    assessed = AssessmentFacts.objects.filter(filters.period("returned_on"))
    band = F("since")
    data = count_cube(  # the period is on the case's return: each case's first row in a band is within it or not
        **_each_person_once(assessed, filters, 1, period_on_rows=False),
        filters=filters,
        case_path="",
        dims={"since": band},
        categories=fact_category,
    )
    categories = {f"f_{name}": fact_category(name) for name in filters.chosen}
    means: dict[str, dict[str, float | None]] = {}
    rows = (
        assessed.filter(filters.scope(""))
        .alias(**categories)
        .filter(**{f"f_{name}": value for name, value in filters.chosen.items()})  # (see _income_histograms)
        .annotate(d_since=band)
        .values("d_since")
        .annotate(**{f"mean_{d}": Avg(d) for d in DIMENSIONS})
        .order_by()
    )
    for row in rows:
        means[row["d_since"]] = {d: row[f"mean_{d}"] for d in DIMENSIONS}
    labels = _dimension_labels()
    table = Table(row_header=_("Time since return"), columns=[_("People assessed"), *(labels[d] for d in DIMENSIONS)])
    for key, label in _since_return_labels().items():
        people = data.count(key)
        shown = people is not None and enough(people, k=min_cell())
        cells = [count_cell(people)]
        for dimension in DIMENSIONS:
            mean = means.get(key, {}).get(dimension)
            if not shown:
                cells.append(Cell(value=None, suppressed=bool(people is None or people), kind="index"))
            else:
                cells.append(Cell(value=None if mean is None else round(mean, 3), kind="index"))
        table.rows.append(Row(label, cells))
    title = _("Sustainability index by time since return")
    return Figure(
        key="outcomes-sustainability",
        title=title,
        table=table,
        chart=charts.line_chart(
            title=_("Mean scores by time since return (0 to 1)"),
            labels=[row.label for row in table.rows],
            series=[charts.Series(labels[d], table.column(i + 1)) for i, d in enumerate(DIMENSIONS)],
            range_=(0, 1),
        ),
        note=_(
            "Mean scores of the sustainability assessments done, by the time from return to the assessment; "
            "an assessment done up to two weeks early counts at its point. 1 is the most sustainable."
        ),
    )


# --- The dashboard --------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def figures(filters: Filters) -> list[Figure]:
    working, earning = _work_cubes(filters), _income_cubes(filters)
    return [
        *(work(filters, by=by, data=working[by]) for by in BREAKDOWNS),
        *(income(filters, by=by, data=earning[by]) for by in BREAKDOWNS),
        sustainability(filters),
        dropout(filters),
    ]
