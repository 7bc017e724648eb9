"""Counting people into protected cubes, and the tables and figures the dashboards are made of.

A dashboard's selector counts with `count_cube` (SQL does the grouping: one query per cube) or, when
a row counts under several values (the forms of exploitation of one person), with `protect_rows`
over rows it has read. Either returns a `Slice`: the cube protected by lib/suppression.py, read at
the reader's chosen filter values. A figure is a chart beside its table; the table is what the CSV
and the API give, suppressed cells marked, never zero.
"""

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Count, F, QuerySet
from django.db.models.expressions import Combinable
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reintegra.lib.suppression import ALL, Key, Protected, enough, protect_views

from .filters import Filters, category_expression

NONE = ""  # the key of a missing value (no sector recorded…)


def min_cell() -> int:
    return int(settings.INSIGHTS_MIN_CELL)


@dataclass(frozen=True)
class Slice:
    """A protected cube read at the reader's filter values: `count(a, b)` for the table's dimensions."""

    protected: Protected
    fixed: tuple[str, ...]  # the chosen values of the filter dimensions, after the table's

    def count(self, *values: str) -> int | None:
        return self.protected.count(tuple(values) + self.fixed)

    def values(self, dim: str) -> list[str]:
        """The values of a table dimension that occur within the reader's filters."""
        i = self.protected.dims.index(dim)
        n = len(self.protected.dims) - len(self.fixed)
        return sorted({key[i] for key in self.protected.cells if key[i] != ALL and key[n:] == self.fixed})

    @property
    def total(self) -> int | None:
        n = len(self.protected.dims) - len(self.fixed)
        return self.count(*([ALL] * n))


def count_cube(
    queryset: QuerySet[Any],
    *,
    filters: Filters,
    case_path: str,
    dims: dict[str, Combinable | str],
    distinct: str | None = None,
    categories: Callable[[str], Combinable] | None = None,
) -> Slice:
    """Counts the rows of the queryset (or the distinct values of `distinct`, e.g. the people) by the
    table's dimensions and by every filter the reader has set, in one grouped query. `categories`
    gives a filter's value when the rows hold it themselves (a summary table, insights/models.py)."""
    chosen = list(filters.chosen)
    category = categories or (lambda name: category_expression(name, case_path))
    annotations: dict[str, Any] = {f"d_{name}": expr for name, expr in dims.items()}
    annotations |= {f"f_{name}": category(name) for name in chosen}
    scoped = queryset.filter(filters.scope(case_path))
    if distinct is None or not chosen:
        counted = Count(distinct or "pk", distinct=distinct is not None)
        grouped = scoped.annotate(**annotations).values(*annotations).annotate(n=counted).order_by()
        rows: Iterable[Sequence[Any]] = ([row[name] for name in annotations] + [row["n"]] for row in grouped)
    else:  # grouped by the filters' columns too: distinct rows beat COUNT(DISTINCT)'s sort (_count_distinct)
        rows = _count_distinct(scoped, annotations, distinct)
    counts: Counter[Key] = Counter()
    for *values, n in rows:
        counts[tuple(cube_key(value) for value in values)] += n
    return _slice(counts, dims=list(dims), filters=filters)


def count_cubes(
    queryset: QuerySet[Any],
    *,
    filters: Filters,
    columns: dict[str, Combinable | str],
    cubes: dict[str, tuple[Sequence[str], Combinable]],
    categories: Callable[[str], Combinable],
) -> dict[str, Slice]:
    """Several cubes from one grouped query over a summary table: its rows grouped by every column any
    cube breaks down by (and the reader's filters), each cube counting the rows that meet its condition,
    then added up over the columns it does not break down by. Exact where each row a cube counts is a
    person counted once in that cube's groups: the rows marked as their case's first in them
    (insights/facts.FIRST_OF), which add up across the other columns."""
    chosen = list(filters.chosen)
    annotations: dict[str, Any] = {f"d_{name}": expr for name, expr in columns.items()}
    annotations |= {f"f_{name}": categories(name) for name in chosen}
    counted = {f"n_{key}": Count("pk", filter=condition) for key, (_dims, condition) in cubes.items()}
    grouped = (
        queryset.filter(filters.scope("")).annotate(**annotations).values(*annotations).annotate(**counted).order_by()
    )
    counts: dict[str, Counter[Key]] = {key: Counter() for key in cubes}
    for row in grouped:
        fixed = tuple(cube_key(row[f"f_{name}"]) for name in chosen)
        for key, (dims, _condition) in cubes.items():
            if row[f"n_{key}"]:
                counts[key][tuple(cube_key(row[f"d_{dim}"]) for dim in dims) + fixed] += row[f"n_{key}"]
    return {key: _slice(counts[key], dims=list(dims), filters=filters) for key, (dims, _condition) in cubes.items()}


def _count_distinct(queryset: QuerySet[Any], annotations: dict[str, Any], distinct: str) -> list[tuple[Any, ...]]:
    """The distinct values of `distinct` per group of `annotations`, counted as the groups' distinct
    rows: `COUNT(*)` over `SELECT DISTINCT columns, value` (two hash aggregates) rather than
    `COUNT(DISTINCT value)`, which sorts the rows by every column. With the reader's filters among
    the columns that sort is the dearer (a million follow-ups by six columns: 2.4–3.9 s against
    1.5–1.7 s on PostgreSQL); with the table's three columns alone it is the cheaper (0.8 against
    0.9–1.1 s), so count_cube comes here only when filters are set (docs/benchmarks.md). The
    columns are plain values (text, numbers): the database's own values are what the ORM gives."""
    inner = queryset.annotate(**annotations, counted_=F(distinct)).values(*annotations, "counted_").distinct()
    inner = inner.order_by()
    sql, params = inner.query.get_compiler(using=inner.db).as_sql()
    connection = connections[inner.db]
    # Only our own quoted aliases and the ORM's compiled query are put together; values stay parameters.
    # Never empty: count_cube comes here only with the reader's filters among the columns.
    columns = ", ".join(connection.ops.quote_name(name) for name in annotations)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}, COUNT(*) FROM ({sql}) distinct_rows GROUP BY {columns}", params)  # noqa: S608
        return cursor.fetchall()


def protect_rows(
    rows: Iterable[tuple[Sequence[str], dict[str, str]]], *, dims: Sequence[str], filters: Filters
) -> Slice:
    """Protects counts of rows read in Python: each row gives its table values and its filter values
    (a person under each of their forms of exploitation is a row per form)."""
    chosen = list(filters.chosen)
    counts: Counter[Key] = Counter()
    for values, categories in rows:
        counts[tuple(values) + tuple(cube_key(categories.get(name)) for name in chosen)] += 1
    return _slice(counts, dims=dims, filters=filters)


def protect_counts(counts: Counter[Key], *, dims: Sequence[str], filters: Filters) -> Slice:
    """Protects counts already made (grouped in SQL and spread in Python): each key is the table's
    values, then the values of the reader's filters in the order they were chosen."""
    return _slice(counts, dims=dims, filters=filters)


def _slice(counts: Counter[Key], *, dims: Sequence[str], filters: Filters) -> Slice:
    chosen = list(filters.chosen)
    views = protect_views(counts, dims=dims, filters=[f"filter:{name}" for name in chosen], k=min_cell())
    return Slice(protected=views[tuple(range(len(chosen)))], fixed=tuple(filters.chosen[name] for name in chosen))


def cube_key(value: Any) -> str:
    """A value as a cube's cells are keyed: text, a missing value NONE."""
    return NONE if value is None else str(value)


# --- What the pages, the CSV and the API show -------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    value: float | int | None
    suppressed: bool = False
    kind: str = "count"  # count, share (0–1), days, amount, index (0–1)

    def text(self) -> str:
        if self.suppressed:
            return _("suppressed")
        if self.value is None:
            return "–"
        if self.kind in ("share",):
            return f"{self.value:.0%}"
        if self.kind == "index":
            return f"{self.value:.2f}"
        if isinstance(self.value, float):
            return f"{self.value:,.1f}" if self.value % 1 else f"{self.value:,.0f}"
        return f"{self.value:,}"

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "suppressed": self.suppressed}


def count_cell(n: int | None) -> Cell:
    return Cell(value=n, suppressed=n is None)


def share_cell(part: int | None, whole: int | None) -> Cell:
    """A share over people: suppressed when either count is, or the whole counts fewer than k."""
    if part is None or whole is None or not enough(whole, k=min_cell()):
        return Cell(value=None, suppressed=whole != 0, kind="share")
    return Cell(value=round(part / whole, 4), kind="share")


def median_cell_of(histogram: dict[float, int], *, kind: str = "days") -> Cell:
    """As median_cell, of values given with how often each occurs."""
    people = sum(histogram.values())
    if not people:
        return Cell(value=None, kind=kind)
    if not enough(people, k=min_cell()):
        return Cell(value=None, suppressed=True, kind=kind)
    low_rank, high_rank = (people - 1) // 2, people // 2
    low = high = None
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            high = value
            break
    assert low is not None and high is not None  # noqa: S101  people > 0 reaches both ranks
    return Cell(value=round(float((low + high) / 2), 1), kind=kind)


def median_cell(values: Sequence[float], *, kind: str = "days") -> Cell:
    """A median over people: suppressed when fewer than k people give it."""
    if not values:
        return Cell(value=None, kind=kind)
    if not enough(len(values), k=min_cell()):
        return Cell(value=None, suppressed=True, kind=kind)
    return Cell(value=round(float(statistics.median(values)), 1), kind=kind)


@dataclass
class Row:
    label: str
    cells: list[Cell]
    key: str = ""  # what the row counts, for files (a provider's short name); "" for a total


@dataclass
class Table:
    row_header: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)

    def column(self, i: int) -> list[float | int | None]:
        """A column as a chart draws it: suppressed and missing values are gaps."""
        return [None if r.cells[i].suppressed else r.cells[i].value for r in self.rows]

    def body_html(self) -> SafeString:
        """The rows as the page's table body, every label and value escaped: one pass in Python, where
        the template's loops took a third of a second over a national agency's 1,334 caseworkers."""
        rows = []
        for row in self.rows:
            cells = "".join(
                f'<td class="{"num suppressed" if c.suppressed else "num"}">{escape(c.text())}</td>' for c in row.cells
            )
            rows.append(f'<tr><th scope="row">{escape(row.label)}</th>{cells}</tr>')
        return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped

    def as_dict(self) -> dict[str, Any]:
        return {
            "row_header": self.row_header,
            "columns": self.columns,
            "rows": [{"label": r.label, "cells": [c.as_dict() for c in r.cells]} for r in self.rows],
        }


@dataclass
class Figure:
    key: str  # a slug: the CSV's name, the page's anchor
    title: str
    table: Table
    chart: SafeString | None = None
    note: str = ""
    # Where the reader acts on what the figure counts: (address, text), shown under the figure.
    links: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "note": self.note, "table": self.table.as_dict()}


def table_from_slice(
    data: Slice,
    *,
    row_dim: str,
    row_label: Callable[[str], str],
    row_header: str,
    col_dim: str | None = None,
    col_label: Callable[[str], str] = str,
    rows: Sequence[str] | None = None,
    cols: Sequence[str] | None = None,
    total_label: str | None = None,
) -> Table:
    """A table of counts by one or two dimensions of a slice, with a total column when two."""
    row_values = list(rows) if rows is not None else data.values(row_dim)
    if col_dim is None:
        table = Table(row_header=row_header, columns=[_("People")])
        for value in row_values:
            table.rows.append(Row(row_label(value), [count_cell(data.count(value))]))
        if total_label:
            table.rows.append(Row(total_label, [count_cell(data.count(ALL))]))
        return table
    col_values = list(cols) if cols is not None else data.values(col_dim)
    table_dims = data.protected.dims[: len(data.protected.dims) - len(data.fixed)]

    def at(row: str, col: str) -> int | None:
        """The count at a row and a column, whichever order the slice has its dimensions in."""
        return data.count(*(row if dim == row_dim else col for dim in table_dims))

    table = Table(row_header=row_header, columns=[col_label(c) for c in col_values] + [_("Total")])
    for value in row_values:
        cells = [count_cell(at(value, c)) for c in col_values] + [count_cell(at(value, ALL))]
        table.rows.append(Row(row_label(value), cells))
    if total_label:
        cells = [count_cell(at(ALL, c)) for c in col_values] + [count_cell(at(ALL, ALL))]
        table.rows.append(Row(total_label, cells))
    return table
