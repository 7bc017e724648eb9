"""The returnees' own feedback (issue 16), per provider and per kind of service.

Answers are kept apart from cases (feedback/models.py): they carry a provider, a kind of service and
a month, nothing else to break them down by, so only the dashboard's period (by the month answered)
and agency (as the provider; a supervisor's always their own) apply. Counts are protected as one
cube provider × kind (lib/suppression, small cells and their complements hidden); an average or a
share is shown only beside a count shown of at least k answers, so no answer can be told apart.

A network-wide reader's agency filter chooses the provider the answers are about, read from the
same protected cube as the whole network's table (so choosing one gives back no hidden cell); the
other category filters cannot apply, and the page disables them and says why beside them
(dashboards.py, docs/decisions/0036).

The programme scorecard shows the trainings' and placements' part of it (`programme_table`), and its
CSV and JSON carry the same table (`programme_csv_rows`, `programme_json`): one computation for the
three, a suppressed cell empty or null with the reason.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from reintegra.feedback.choices import Answer3, ServiceKind
from reintegra.feedback.models import FeedbackAnswer
from reintegra.lib.suppression import ALL, Protected, enough, protect
from reintegra.livelihoods.scorecard import CSV_COLUMNS, Scope
from reintegra.network.models import Agency

from .cubes import Cell, Figure, Row, Table, count_cell, min_cell
from .filters import Filters


def _answers(filters: Filters, provider_id: int | None = None) -> Q:
    q = filters.period("period")
    if filters.agency_id is not None:
        q &= Q(provider_id=filters.agency_id)
    if provider_id is not None:
        q &= Q(provider_id=provider_id)
    return q


LIVELIHOOD_KINDS = (ServiceKind.TRAINING, ServiceKind.PLACEMENT)


def _grouped(q: Q) -> tuple[Protected, dict[tuple[str, str], dict[str, int]]]:
    """The protected counts by provider × kind, and each cell's sums (usefulness, yes answers)."""
    rows = (
        FeedbackAnswer.objects.filter(q)
        .values("provider_id", "service_kind")
        .annotate(
            n=Count("pk"),
            useful=Sum("usefulness"),
            respected=Count("pk", filter=Q(respected=Answer3.YES)),
            choice=Count("pk", filter=Q(choice_respected=Answer3.YES)),
        )
        .order_by()
    )
    counts: Counter[tuple[str, ...]] = Counter()
    sums: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {"n": 0, "useful": 0, "respected": 0, "choice": 0}
    )
    for row in rows:
        cells = [(str(row["provider_id"]), row["service_kind"]), (str(row["provider_id"]), ALL)]
        cells += [(ALL, row["service_kind"]), (ALL, ALL)]
        counts[(str(row["provider_id"]), row["service_kind"])] += row["n"]
        for key in cells:
            for name in ("n", "useful", "respected", "choice"):
                sums[key][name] += row[name] or 0
    return protect(counts, dims=("provider", "kind"), k=min_cell()), sums


def _cells(protected: Protected, sums: dict[tuple[str, str], dict[str, int]], key: tuple[str, str]) -> list[Cell]:
    n = protected.count(key)
    shown = n is not None and enough(n, k=min_cell())
    got = sums.get(key, {"n": 0, "useful": 0, "respected": 0, "choice": 0})
    hidden = n is None or (n > 0 and not shown)

    def of(value: float, kind: str) -> Cell:
        return Cell(value=round(value, 2) if shown else None, suppressed=hidden, kind=kind)

    total = got["n"] or 1
    return [
        count_cell(n),
        of(got["useful"] / total, "count"),
        of(got["respected"] / total, "share"),
        of(got["choice"] / total, "share"),
    ]


def _columns() -> list[str]:
    return [_("Answers"), _("Usefulness (1–5)"), _("Treated with respect"), _("Choice respected")]


def by_provider_and_kind(filters: Filters, *, kinds: tuple[str, ...] = ()) -> tuple[Table, Table]:
    """The tables by provider and by kind of service. With an agency chosen (a network-wide reader),
    that provider's row and its services, read from the cube of every provider."""
    q = _answers(filters)
    if kinds:
        q &= Q(service_kind__in=kinds)
    protected, sums = _grouped(q)
    agencies = {
        str(pk): (name, slug)
        for pk, name, slug in Agency.objects.filter(pk__in=[int(v) for v in protected.values("provider")]).values_list(
            "pk", "name", "slug"
        )
    }
    chosen = _chosen_provider(filters)
    providers = Table(row_header=_("Provider"), columns=_columns())
    listed = sorted(protected.values("provider"), key=lambda v: (agencies.get(v, ("", ""))[0].casefold(), v))
    for value in listed if chosen is None else [v for v in listed if v == chosen]:
        name, slug = agencies.get(value, (_("Unknown provider"), ""))
        providers.rows.append(Row(name, _cells(protected, sums, (value, ALL)), key=slug))
    if chosen is None:
        providers.rows.append(Row(_("All providers"), _cells(protected, sums, (ALL, ALL))))
    by_kind = Table(row_header=_("Service"), columns=_columns())
    for value in protected.values("kind"):
        key = (chosen or ALL, value)
        if chosen is not None and protected.count(key) == 0:
            continue  # a service the chosen provider has no answers on
        label = str(ServiceKind(value).label) if value in ServiceKind.values else value
        by_kind.rows.append(Row(label, _cells(protected, sums, key), key=value))
    return providers, by_kind


def _chosen_provider(filters: Filters) -> str | None:
    """The provider a network-wide reader chose with the agency filter, as the cube's key."""
    slug = filters.chosen.get("agency")
    if not slug:
        return None
    pk = Agency.objects.filter(slug=slug).values_list("pk", flat=True).first()
    return str(pk) if pk is not None else "-"  # an agency without answers: an empty row


def figures(filters: Filters) -> list[Figure]:
    providers, kinds = by_provider_and_kind(filters)
    note = _(
        "Answers to the feedback links, by the month answered. A group of fewer than %(min_cell)s answers is not shown."
    ) % {"min_cell": min_cell()}
    return [
        Figure(key="feedback-by-provider", title=_("Returnees' feedback by provider"), table=providers, note=note),
        Figure(key="feedback-by-service", title=_("Returnees' feedback by kind of service"), table=kinds, note=note),
    ]


def provider_summary(provider_id: int, filters: Filters | None = None) -> list[Cell]:
    """The provider's own figures (its page): answers, usefulness and shares, over all its services;
    suppressed below k answers."""
    protected, sums = _grouped(_answers(filters or Filters(), provider_id=provider_id))
    return _cells(protected, sums, (ALL, ALL))


def programme_table(*, provider_id: int | None, since: datetime.date | None, until: datetime.date | None) -> Table:
    """The programme scorecard's addition: the returnees' feedback on trainings and placements, per
    provider, in the scorecard's provider and period (by the month answered)."""
    filters = Filters(since=since.replace(day=1) if since else None, until=until, agency_id=provider_id)
    providers, _kinds = by_provider_and_kind(filters, kinds=LIVELIHOOD_KINDS)
    return providers


def programme_feedback(scope: Scope) -> Table:
    """The feedback table of a scorecard's scope: what its page, its CSV and its JSON show."""
    return programme_table(
        provider_id=scope.provider.pk if scope.provider else None, since=scope.since, until=scope.until
    )


# The programme table's columns as the scorecard's files name them, with their unit.
PROGRAMME_INDICATORS = (
    ("feedback_answers", "count"),
    ("feedback_usefulness", "score"),
    ("feedback_respected", "share"),
    ("feedback_choice_respected", "share"),
)


def no_area_note() -> str:
    return _("The answers keep no area, so the scorecard's area does not apply to them.")


def _indicators(table: Table, row: Row) -> list[dict[str, Any]]:
    """A row's cells as the scorecard's indicators are written in its files: a suppressed cell has no
    value, with the reason."""
    answers = row.cells[0]
    result = []
    for (key, unit), label, cell in zip(PROGRAMME_INDICATORS, table.columns, row.cells, strict=True):
        if cell.suppressed:
            explanation = _(
                "Fewer than %(k)s answers, or hidden so that such a group cannot be worked out from the totals."
            ) % {"k": min_cell()}
        elif cell.value is None:
            explanation = _("Nothing to measure yet in this scope.")
        else:
            explanation = ""
        result.append(
            {
                "key": key,
                "label": label,
                "value": None if cell.suppressed else cell.value,
                "unit": unit,
                "suppressed": cell.suppressed,
                "explanation": explanation,
                "denominator": None if answers.suppressed else answers.value,
            }
        )
    return result


def programme_json(table: Table) -> dict[str, Any]:
    """The scorecard JSON's "feedback": the total and a row per provider, cells as on the page."""
    total = next((r for r in table.rows if not r.key), None)
    return {
        "title": _("What returnees say of the trainings and placements"),
        "note": " ".join(
            [
                _(
                    "Answers to the feedback links, by the month answered. A group of fewer than %(min_cell)s "
                    "answers is not shown."
                )
                % {"min_cell": min_cell()},
                no_area_note(),
            ]
        ),
        "total": _indicators(table, total) if total is not None else [],
        "providers": [
            {"key": r.key, "name": r.label, "indicators": _indicators(table, r)} for r in table.rows if r.key
        ],
    }


def programme_csv_rows(table: Table) -> Iterable[list[Any]]:
    """The scorecard CSV's feedback rows, in its columns (failure "feedback"): the total ("all"),
    then each provider; a suppressed value is empty, marked and explained."""

    def cell(value: Any) -> Any:
        return "" if value is None else ("yes" if value is True else "no" if value is False else value)

    for row in table.rows:
        scope = f"provider:{row.key}" if row.key else "all"
        for d in _indicators(table, row):
            line = {"scope": scope, "scope_name": row.label if row.key else "", "failure": "feedback"}
            line |= {"indicator": d["key"], "label": d["label"], "value": d["value"], "unit": d["unit"]}
            line |= {"suppressed": d["suppressed"], "denominator": d["denominator"], "explanation": d["explanation"]}
            yield [cell(line.get(column)) for column in CSV_COLUMNS]
