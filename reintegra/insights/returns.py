"""Returns: where from and how people came back, over time; what they were exploited in; the debt
they carry home; their gender and age. Counted by date of return. Returns over time and by gender
and age are counted from the summary table of returned cases (insights/models.py, CaseFacts)."""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import CharField, Count, F, QuerySet, Value, When
from django.db.models.functions import TruncQuarter
from django.utils.translation import gettext as _

from reintegra.cases.choices import Exploitation, Gender, Industry, ReturnType
from reintegra.lib import charts, dates, geo
from reintegra.lib.suppression import ALL, Key

from .cubes import (
    NONE,
    Cell,
    Figure,
    Row,
    Table,
    count_cube,
    median_cell_of,
    protect_counts,
    share_cell,
    table_from_slice,
)
from .facts import FORM_BITS, SECTOR_BITS, fact_category, values_in
from .filters import AGE_GROUPS, AGE_LABELS, UNKNOWN, Filters
from .models import CaseFacts, DebtFacts

CHART_SERIES = 8  # the colour-blind-safe palette's colours (app.css)


def _quarter(value: str) -> str:
    return dates.show_quarter(dates.quarter_of(datetime.date.fromisoformat(value[:10])))


def over_time(filters: Filters, *, by: str) -> Figure:
    """Returns per quarter, by country returned from or by type of return."""
    facts = CaseFacts.objects.filter(filters.period("returned_on"))
    column = {"country": F("country_from"), "type": F("return_type")}[by]
    data = count_cube(
        facts,
        filters=filters,
        case_path="",
        dims={"quarter": TruncQuarter("returned_on"), by: column},
        categories=fact_category,
    )
    label = geo.country_name if by == "country" else (lambda v: str(ReturnType(v).label) if v else _("not recorded"))
    columns = data.values(by)
    table = table_from_slice(
        data,
        row_dim="quarter",
        row_label=_quarter,
        row_header=_("Quarter of return"),
        col_dim=by,
        col_label=label,
        cols=columns,
        total_label=_("All quarters"),
    )
    # The chart draws the largest columns (a colour each, the palette has CHART_SERIES); the table has all.
    totals = table.rows[-1].cells
    drawn = sorted(range(len(columns)), key=lambda i: -(totals[i].value or 0))[:CHART_SERIES]
    series = [charts.Series(table.columns[i], table.column(i)[:-1]) for i in sorted(drawn)]
    title = _("Returns by country returned from") if by == "country" else _("Returns by type of return")
    return Figure(
        key=f"returns-by-{by}",
        title=title,
        table=table,
        chart=charts.bar_chart(title=title, labels=[r.label for r in table.rows[:-1]], series=series, stacked=True),
        note=_("The chart shows the %(n)s largest; the table has them all.") % {"n": CHART_SERIES}
        if len(columns) > CHART_SERIES
        else "",
    )


def _grouped(
    queryset: QuerySet[Any], filters: Filters, columns: Sequence[str]
) -> Iterator[tuple[dict[str, Any], tuple[str, ...], int]]:
    """Rows of a summary table grouped by some of its columns and by the reader's filters, in one
    query: each group's values, its filter values (a cube's key) and how many rows."""
    chosen = list(filters.chosen)
    categories = {f"f_{name}": fact_category(name) for name in chosen}
    rows = (
        queryset.filter(filters.scope(""))
        .annotate(**categories)
        .values(*columns, *categories)
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        key = tuple("" if row[f"f_{name}"] is None else str(row[f"f_{name}"]) for name in chosen)
        yield {name: row[name] for name in columns}, key, row["n"]


def _people_under(filters: Filters, *, field: str, choices: type[Exploitation] | type[Industry], key: str) -> Figure:
    """People by each value of a field of their exploitation (a person counts once per value)."""
    bits = FORM_BITS if field == "forms" else SECTOR_BITS
    counts: Counter[Key] = Counter()
    facts = CaseFacts.objects.filter(filters.period("returned_on")).exclude(**{field: 0})
    for values, categories, n in _grouped(facts, filters, [field]):
        for value in values_in(values[field], bits):
            counts[(value, *categories)] += n
    data = protect_counts(counts, dims=[key], filters=filters)
    labels = dict(choices.choices)
    order = [v for v in labels if v in data.values(key)] + ([NONE] if NONE in data.values(key) else [])
    table = table_from_slice(
        data,
        row_dim=key,
        row_label=lambda v: str(labels.get(v, _("not recorded"))),
        row_header=_("Form of exploitation") if key == "form" else _("Sector (ISIC)"),
        rows=order,
    )
    title = _("People by form of exploitation") if key == "form" else _("People by sector of exploitation")
    return Figure(
        key=f"returns-{key}",
        title=title,
        table=table,
        chart=charts.bar_chart(
            title=title,
            labels=[r.label for r in table.rows],
            series=[charts.Series(_("People"), table.column(0))],
            horizontal=True,
        ),
        note=_("A person exploited in several forms or sectors counts under each."),
    )


def debt(filters: Filters) -> Figure:
    """Debt on return, per currency: the people with a debt and its median."""
    debts = DebtFacts.objects.filter(filters.period("returned_on"))
    owes = SqlCase(When(amount__gt=0, then=Value("owes")), default=Value("none"), output_field=CharField())
    counts: Counter[Key] = Counter()
    owing: dict[str, Counter[float]] = defaultdict(Counter)  # per currency: how many owe each amount
    fixed = tuple(filters.chosen.values())
    for values, categories, n in _grouped(debts.annotate(owes=owes), filters, ["currency", "owes", "amount"]):
        counts[(values["currency"], values["owes"], *categories)] += n
        if values["owes"] == "owes" and categories == fixed:
            owing[values["currency"]][float(values["amount"])] += n
    data = protect_counts(counts, dims=["currency", "owes"], filters=filters)
    table = Table(
        row_header=_("Currency"),
        columns=[_("People with a debt recorded"), _("Share who owe"), _("Median debt of those who owe")],
    )
    for currency in data.values("currency"):
        recorded = data.count(currency, ALL)
        table.rows.append(
            Row(
                currency,
                [
                    Cell(recorded, suppressed=recorded is None),
                    share_cell(data.count(currency, "owes"), recorded),
                    median_cell_of(owing[currency], kind="amount"),
                ],
            )
        )
    title = _("Debt on return")
    return Figure(
        key="returns-debt",
        title=title,
        table=table,
        chart=charts.bar_chart(
            title=_("Share who owe a debt on return"),
            labels=[r.label for r in table.rows],
            series=[charts.Series(_("Share who owe"), table.column(1))],
            percent=True,
        ),
        note=_("Debts recorded in the returnee's history, added up per person and currency."),
    )


def gender_and_age(filters: Filters) -> Figure:
    data = count_cube(
        CaseFacts.objects.filter(filters.period("returned_on")),
        filters=filters,
        case_path="",
        dims={"gender": F("gender"), "age": F("age_group")},
        categories=fact_category,
    )
    ages = [key for key, *_rest in AGE_GROUPS] + [UNKNOWN]
    genders = [g for g in Gender.values if g in data.values("gender")]
    table = table_from_slice(
        data,
        row_dim="age",
        row_label=lambda v: str(AGE_LABELS[v]),
        row_header=_("Age group"),
        col_dim="gender",
        col_label=lambda v: str(Gender(v).label),
        rows=ages,
        cols=genders,
        total_label=_("All ages"),
    )
    title = _("People returned by gender and age group")
    series = [charts.Series(table.columns[i], table.column(i)[:-1]) for i in range(len(genders))]
    return Figure(
        key="returns-gender-age",
        title=title,
        table=table,
        chart=charts.bar_chart(title=title, labels=[r.label for r in table.rows[:-1]], series=series, stacked=True),
    )


def figures(filters: Filters) -> list[Figure]:
    return [
        over_time(filters, by="country"),
        over_time(filters, by="type"),
        _people_under(filters, field="forms", choices=Exploitation, key="form"),
        _people_under(filters, field="sectors", choices=Industry, key="sector"),
        debt(filters),
        gender_and_age(filters),
    ]
