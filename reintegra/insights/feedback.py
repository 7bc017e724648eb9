"""The returnees' own feedback (issue 16), per provider and per kind of service.

Answers are kept apart from cases (feedback/models.py): they carry a provider, a kind of service and
a month, nothing else to break them down by, so the dashboard's category filters do not apply (the
note says so) and only its period (by the month answered) and a supervisor's own agency (as the
provider) do. Counts are protected as one cube provider × kind (lib/suppression, small cells and
their complements hidden); an average or a share is shown only beside a count shown of at least k
answers, so no answer can be told apart.
"""

import datetime
from collections import Counter, defaultdict

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from reintegra.feedback.choices import Answer3, ServiceKind
from reintegra.feedback.models import FeedbackAnswer
from reintegra.lib.suppression import ALL, Protected, enough, protect
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
    q = _answers(filters)
    if kinds:
        q &= Q(service_kind__in=kinds)
    protected, sums = _grouped(q)
    names = dict(Agency.objects.filter(pk__in=[int(v) for v in protected.values("provider")]).values_list("pk", "name"))
    providers = Table(row_header=_("Provider"), columns=_columns())
    for value in sorted(protected.values("provider"), key=lambda v: (names.get(int(v), "").casefold(), v)):
        providers.rows.append(Row(names.get(int(value), _("Unknown provider")), _cells(protected, sums, (value, ALL))))
    providers.rows.append(Row(_("All providers"), _cells(protected, sums, (ALL, ALL))))
    by_kind = Table(row_header=_("Service"), columns=_columns())
    for value in protected.values("kind"):
        label = str(ServiceKind(value).label) if value in ServiceKind.values else value
        by_kind.rows.append(Row(label, _cells(protected, sums, (ALL, value))))
    return providers, by_kind


def figures(filters: Filters) -> list[Figure]:
    providers, kinds = by_provider_and_kind(filters)
    note = _(
        "Answers to the feedback links, counted by the month answered. They are kept apart from cases, so the "
        "filters other than the period do not apply. Groups of fewer than %(k)d answers are not shown."
    ) % {"k": min_cell()}
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
