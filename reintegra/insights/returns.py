"""Returns: where from and how people came back, over time; what they were exploited in; the debt
they carry home; their gender and age. Counted by date of return."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Q
from django.db.models.functions import TruncQuarter
from django.utils.translation import gettext as _

from reintegra.cases.choices import Exploitation, Gender, HistoryType, Industry, ReturnType
from reintegra.cases.models import Case, HistoryEvent
from reintegra.lib import charts, dates, geo
from reintegra.lib.suppression import ALL

from .cubes import NONE, Cell, Figure, Row, Table, count_cube, median_cell, protect_rows, share_cell, table_from_slice
from .filters import AGE_GROUPS, AGE_LABELS, UNKNOWN, Filters, category_expression

RETURNED_ON = "return_journey__returned_on"
CHART_SERIES = 8  # the colour-blind-safe palette's colours (app.css)


def _returned(filters: Filters) -> Q:
    return Q(return_journey__isnull=False) & filters.period(RETURNED_ON)


def _quarter(value: str) -> str:
    return dates.show_quarter(dates.quarter_of(datetime.date.fromisoformat(value[:10])))


def over_time(filters: Filters, *, by: str) -> Figure:
    """Returns per quarter, by country returned from or by type of return."""
    cases = Case.objects.filter(_returned(filters))
    column = {"country": F("return_journey__country_from"), "type": F("return_journey__return_type")}[by]
    data = count_cube(cases, filters=filters, case_path="", dims={"quarter": TruncQuarter(RETURNED_ON), by: column})
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


def _people_under(filters: Filters, *, field: str, choices: type[Exploitation] | type[Industry], key: str) -> Figure:
    """People by each value of a field of their exploitation (a person counts once per value)."""
    rows = (
        HistoryEvent.objects.filter(type=HistoryType.EXPLOITATION, case__in=Case.objects.filter(_returned(filters)))
        .filter(filters.scope("case__"))
        .annotate(**{f"f_{name}": category_expression(name, "case__") for name in filters.chosen})
        .values("case_id", field, *(f"f_{name}" for name in filters.chosen))
    )
    seen: dict[tuple[int, str], dict[str, str]] = {}
    for row in rows:
        values = row[field] if isinstance(row[field], list) else [row[field]]
        for value in values or [NONE]:
            seen[(row["case_id"], value or NONE)] = {name: row[f"f_{name}"] for name in filters.chosen}
    data = protect_rows((((value,), cats) for (_case, value), cats in seen.items()), dims=[key], filters=filters)
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
    events = (
        HistoryEvent.objects.filter(case__in=Case.objects.filter(_returned(filters)))
        .filter(filters.scope("case__"))
        .exclude(debt_currency="")
        .annotate(**{f"f_{name}": category_expression(name, "case__") for name in filters.chosen})
        .values("case_id", "debt_amount", "debt_currency", *(f"f_{name}" for name in filters.chosen))
    )
    by_person: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    categories: dict[int, dict[str, str]] = {}
    for row in events:
        by_person[(row["case_id"], row["debt_currency"])] += row["debt_amount"] or Decimal(0)
        categories[row["case_id"]] = {name: row[f"f_{name}"] for name in filters.chosen}
    data = protect_rows(
        (
            ((currency, "owes" if amount > 0 else "none"), categories[case])
            for (case, currency), amount in by_person.items()
        ),
        dims=["currency", "owes"],
        filters=filters,
    )
    table = Table(
        row_header=_("Currency"),
        columns=[_("People with a debt recorded"), _("Share who owe"), _("Median debt of those who owe")],
    )
    for currency in data.values("currency"):
        owing = [
            float(amount)
            for (case, cur), amount in by_person.items()
            if cur == currency and amount > 0 and _within(categories[case], filters)
        ]
        recorded = data.count(currency, ALL)
        table.rows.append(
            Row(
                currency,
                [
                    Cell(recorded, suppressed=recorded is None),
                    share_cell(data.count(currency, "owes"), recorded),
                    median_cell(owing, kind="amount"),
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
    cases = Case.objects.filter(_returned(filters))
    data = count_cube(
        cases,
        filters=filters,
        case_path="",
        dims={"gender": F("returnee__gender"), "age": category_expression("age", "")},
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


def _within(categories: dict[str, str], filters: Filters) -> bool:
    return all(str(categories.get(name)) == value for name, value in filters.chosen.items())


def figures(filters: Filters) -> list[Figure]:
    return [
        over_time(filters, by="country"),
        over_time(filters, by="type"),
        _people_under(filters, field="exploitation_types", choices=Exploitation, key="form"),
        _people_under(filters, field="industry", choices=Industry, key="sector"),
        debt(filters),
        gender_and_age(filters),
    ]
