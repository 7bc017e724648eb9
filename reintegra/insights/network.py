"""Network: where the network has gaps, and how referrals fare between kinds of agency.

The coverage map counts agencies, not people: its gaps are shown as they are. Referrals are counted
by the day they were sent, by pathway (the sending agency's type → the receiving agency's type):
their outcome, the days to an answer and to completion, and the referrals still waiting for an
answer. Every count goes through one protected cube; a median or a longest wait is shown only over
at least k referrals.
"""

import datetime
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Case as CaseWhen
from django.db.models import CharField, Count, DurationField, ExpressionWrapper, F, Min, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Concat, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from reintegra.lib import charts, clock, geo
from reintegra.lib.suppression import ALL, enough
from reintegra.network.choices import AgencyType, Stage
from reintegra.network.models import Agency
from reintegra.network.selectors import coverage_among
from reintegra.referrals.choices import DeclineReason, ReferralStatus
from reintegra.referrals.models import Referral

from .cubes import NONE, Cell, Figure, Row, Slice, Table, count_cell, count_cube, min_cell, share_cell
from .filters import Filters, category_expression

SENT_AT = "sent_at"
CASE = "case__"
SEP = ">"  # between the two agency types of a pathway; no type code holds it

# What became of a referral, as one value: answered yes (and completed or not), declined, still
# waiting for an answer, or ended before any answer (cancelled by the sender, consent withdrawn,
# case closed).
COMPLETED, ACCEPTED, DECLINED, WAITING, WITHDRAWN = "completed", "accepted", "declined", "waiting", "withdrawn"
LONGEST_WAITS = 15  # rows of the table of referrals waiting longest


def _outcome() -> CaseWhen:
    return CaseWhen(
        When(status=ReferralStatus.DECLINED, then=Value(DECLINED)),
        When(completed_at__isnull=False, then=Value(COMPLETED)),
        When(responded_at__isnull=False, then=Value(ACCEPTED)),
        When(status=ReferralStatus.PENDING, then=Value(WAITING)),
        default=Value(WITHDRAWN),
        output_field=CharField(),
    )


def _pathway() -> Concat:
    return Concat(F("from_agency__type"), Value(SEP), F("to_agency__type"), output_field=CharField())


def pathway_label(pathway: str) -> str:
    sender, _sep, receiver = pathway.partition(SEP)
    return _("%(from)s → %(to)s") % {"from": _type_label(sender), "to": _type_label(receiver)}


def _type_label(value: str) -> str:
    return str(AgencyType(value).label) if value in AgencyType.values else value


def _sent(filters: Filters) -> QuerySet[Referral]:
    """The referrals sent in the period: its days are whole local days, compared as moments so that
    the index on `sent_at` serves the range."""
    period = Q()
    if filters.since:
        period &= Q(sent_at__gte=_start_of(filters.since))
    if filters.until:
        period &= Q(sent_at__lt=_start_of(filters.until + datetime.timedelta(days=1)))
    return Referral.objects.filter(period)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _within(queryset: QuerySet[Referral], filters: Filters) -> QuerySet[Referral]:
    """The referrals of the reader's slice, for figures that are not counts (medians, longest waits):
    the chosen filters are applied in SQL, the supervisor's scope too."""
    queryset = queryset.filter(filters.scope(CASE))
    if not filters.chosen:
        return queryset
    # As text, so that a value read from JSON (the country) is compared as text, not as JSON.
    aliases = {f"f_{name}": Cast(category_expression(name, CASE), CharField()) for name in filters.chosen}
    return queryset.alias(**aliases).filter(**{f"f_{name}": value for name, value in filters.chosen.items()})


# --- Coverage ---------------------------------------------------------------------------------------


def _coverage_country(filters: Filters) -> str:
    """The chosen country; else a supervisor's agency's; else the country with most active agencies."""
    if "country" in filters.chosen:
        return filters.chosen["country"]
    if "area" in filters.chosen:
        return filters.chosen["area"].split("-")[0]
    if filters.agency_id is not None:
        own = Agency.objects.filter(pk=filters.agency_id).values_list("country", flat=True).first()
        if own:
            return own
    counts = {
        row["country"]: row["n"]
        for row in Agency.objects.filter(active=True).values("country").annotate(n=Count("pk")).order_by()
    }
    if not counts:
        return geo.REGION[0]
    order = {code: i for i, code in enumerate(geo.REGION)}
    return min(counts, key=lambda c: (-counts[c], order.get(c, len(order)), c))


def _in_area(code: str, area: str) -> bool:
    return code == area or area in geo.area_ancestors(code)


def coverage(filters: Filters) -> list[Figure]:
    """The coverage map's gaps: per stage, how many areas no agency serves; then the areas with a gap."""
    country = _coverage_country(filters)
    table = coverage_among(agencies=Agency.objects.all(), country=country)
    rows = table.rows
    if "area" in filters.chosen:
        rows = [row for row in rows if _in_area(row.area.code, filters.chosen["area"])]
    stages = dict(Stage.choices)
    place = geo.country_name(country)
    # The full map is drawn for the countries the network works in: no link to one it does not.
    served = any(row.counts[column] for row in table.rows for column in table.columns)
    links = [(reverse("network:coverage") + "?" + urlencode({"country": country}), _("Open the full coverage map"))]
    links = links if served else []

    summary = Table(
        row_header=_("Stage"),
        columns=[_("Areas with an agency"), _("Areas with no agency"), _("Share of areas covered")],
    )
    for stage in table.columns:
        covered = sum(1 for row in rows if row.counts[stage] > 0)
        summary.rows.append(
            Row(
                str(stages[stage]),
                [
                    Cell(covered),
                    Cell(len(rows) - covered),
                    Cell(round(covered / len(rows), 4) if rows else None, kind="share"),
                ],
            )
        )
    title = _("Coverage of %(country)s by stage") % {"country": place}
    first = Figure(
        key="network-coverage",
        title=title,
        table=summary,
        chart=charts.bar_chart(
            title=title,
            labels=[r.label for r in summary.rows],
            series=[charts.Series(_("Share of areas covered"), summary.column(2))],
            percent=True,
        )
        if rows
        else None,
        note=_(
            "An area is covered for a stage when an active agency serves it there, or serves its region or the "
            "whole country. These are counts of agencies and areas, not of people."
        ),
        links=links,
    )

    gaps = Table(row_header=_("Area"), columns=[str(stages[s]) for s in table.columns])
    with_gaps = sorted(
        (row for row in rows if row.gaps),
        key=lambda row: (-len(row.gaps), geo.area_name(row.area.code)),
    )
    for row in with_gaps:
        label = geo.area_name(row.area.code)
        if row.region is not None:
            label = _("%(area)s (%(region)s)") % {"area": label, "region": geo.area_name(row.region.code)}
        gaps.rows.append(Row(label, [Cell(row.counts[s]) for s in table.columns]))
    second = Figure(
        key="network-coverage-gaps",
        title=_("Areas of %(country)s with a gap") % {"country": place},
        table=gaps,
        note=_("Agencies serving each area, by stage; 0 is a gap: nobody offers that stage there."),
        links=links,
    )
    return [first, second]


# --- Referrals by pathway ---------------------------------------------------------------------------


def _outcomes(filters: Filters) -> Slice:
    return count_cube(
        _sent(filters),
        filters=filters,
        case_path=CASE,
        dims={"pathway": _pathway(), "outcome": _outcome()},
    )


def _sum(*counts: int | None) -> int | None:
    return None if any(n is None for n in counts) else sum(n for n in counts if n is not None)


def volume(filters: Filters, data: Slice) -> Figure:
    """Per pathway: referrals sent, what became of them, and the share of answers that were a yes."""
    table = Table(
        row_header=_("Pathway"),
        columns=[
            _("Referrals sent"),
            _("Accepted"),
            _("Declined"),
            _("Waiting for an answer"),
            _("Ended before an answer"),
            _("Acceptance rate"),
        ],
    )
    pathways = data.values("pathway")
    for pathway in [*pathways, ALL]:
        accepted = _sum(data.count(pathway, ACCEPTED), data.count(pathway, COMPLETED))
        declined = data.count(pathway, DECLINED)
        table.rows.append(
            Row(
                pathway_label(pathway) if pathway != ALL else _("All pathways"),
                [
                    count_cell(data.count(pathway, ALL)),
                    count_cell(accepted),
                    count_cell(declined),
                    count_cell(data.count(pathway, WAITING)),
                    count_cell(data.count(pathway, WITHDRAWN)),
                    share_cell(accepted, _sum(accepted, declined)),
                ],
            )
        )
    title = _("Referrals by pathway")
    shown = table.rows[:-1]
    return Figure(
        key="network-pathways",
        title=title,
        table=table,
        chart=charts.bar_chart(
            title=title,
            labels=[r.label for r in shown],
            series=_series(table, columns=(1, 2, 3, 4)),
            horizontal=True,
            stacked=True,
        )
        if shown
        else None,
        note=_(
            "A pathway runs from the type of the sending agency to the type of the receiving one. The acceptance "
            "rate is the share of answered referrals that were accepted."
        ),
    )


def _series(table: Table, *, columns: tuple[int, ...]) -> list[charts.Series]:
    """The table's columns as a chart draws them, without its last row (the total)."""
    return [charts.Series(table.columns[i], table.column(i)[:-1]) for i in columns]


def _days(wait: Any) -> int:
    if isinstance(wait, datetime.timedelta):
        return max(wait.days, 0)
    return max(int(wait) // 86_400_000_000, 0) if wait is not None else 0  # microseconds, where no interval type


def _histograms(queryset: QuerySet[Referral], *, until: str) -> dict[str, Counter[int]]:
    """Per pathway, how many referrals took each number of days from sending to `until`: one row per
    pathway and day count, so the rows read stay few however many referrals there are."""
    rows = (
        queryset.filter(**{f"{until}__isnull": False})
        .annotate(
            pathway=_pathway(),
            wait=ExpressionWrapper(TruncDate(until) - TruncDate(SENT_AT), output_field=DurationField()),
        )
        .values("pathway", "wait")
        .annotate(n=Count("pk"))
        .order_by()
    )
    histograms: dict[str, Counter[int]] = defaultdict(Counter)
    for row in rows:
        days = _days(row["wait"])
        histograms[row["pathway"]][days] += row["n"]
        histograms[ALL][days] += row["n"]
    return histograms


def median_days(histogram: Counter[int]) -> Cell:
    """The median of a histogram of days, shown over at least k referrals (as `median_cell`)."""
    total = sum(histogram.values())
    if not total:
        return Cell(value=None, kind="days")
    if not enough(total, k=min_cell()):
        return Cell(value=None, suppressed=True, kind="days")
    middle = [(total - 1) // 2, total // 2]
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        while middle and middle[0] < seen:
            found.append(value)
            middle.pop(0)
    return Cell(value=round(sum(found) / len(found), 1), kind="days")


def timing(filters: Filters, data: Slice) -> Figure:
    """Per pathway: the median days from sending to an answer, and to completion."""
    referrals = _within(_sent(filters), filters)
    answered = _histograms(referrals, until="responded_at")
    completed = _histograms(referrals, until="completed_at")
    table = Table(
        row_header=_("Pathway"),
        columns=[_("Completed"), _("Median days to answer"), _("Median days to complete")],
    )
    for pathway in [*data.values("pathway"), ALL]:
        table.rows.append(
            Row(
                pathway_label(pathway) if pathway != ALL else _("All pathways"),
                [
                    count_cell(data.count(pathway, COMPLETED)),
                    median_days(answered.get(pathway, Counter())),
                    median_days(completed.get(pathway, Counter())),
                ],
            )
        )
    title = _("Days to answer and to complete, by pathway")
    shown = table.rows[:-1]
    return Figure(
        key="network-timing",
        title=title,
        table=table,
        chart=charts.bar_chart(
            title=title,
            labels=[r.label for r in shown],
            series=_series(table, columns=(1, 2)),
            horizontal=True,
        )
        if shown
        else None,
        note=_(
            "Whole days from the day a referral was sent to the day it was answered (accepted or declined), and "
            "to the day it was completed. A median over fewer than %(k)s referrals is suppressed."
        )
        % {"k": min_cell()},
    )


def declines(filters: Filters) -> Figure:
    """The declines by their main reason, as the receiving agencies coded it (the reason in their own
    words is never counted, nor shown)."""
    data = count_cube(
        _sent(filters).filter(status=ReferralStatus.DECLINED),
        filters=filters,
        case_path=CASE,
        dims={"reason": F("decline_reason")},
    )
    found = data.values("reason")
    order = [code for code in DeclineReason.values if code in found] + ([NONE] if NONE in found else [])
    labels = dict(DeclineReason.choices)
    total = data.count(ALL)
    table = Table(row_header=_("Main reason for declining"), columns=[_("Declines"), _("Share of declines")])
    for code in order:
        n = data.count(code)
        table.rows.append(Row(str(labels.get(code, _("reason not given"))), [count_cell(n), share_cell(n, total)]))
    table.rows.append(Row(_("All declines"), [count_cell(total), share_cell(total, total)]))
    title = _("Declines and their reasons")
    return Figure(
        key="network-declines",
        title=title,
        table=table,
        chart=charts.bar_chart(
            title=title,
            labels=[r.label for r in table.rows[:-1]],
            series=_series(table, columns=(0,)),
            horizontal=True,
        )
        if order
        else None,
        note=_("The main reason the receiving agency gave, from the list it chooses from when it declines."),
    )


def waiting(filters: Filters) -> Figure:
    """The referrals still waiting for an answer, per pathway and receiving agency: how many, and how
    long the oldest has waited. No referral is shown on its own."""
    pending = _sent(filters).filter(status=ReferralStatus.PENDING)
    data = count_cube(
        pending,
        filters=filters,
        case_path=CASE,
        dims={"pathway": _pathway(), "agency": F("to_agency_id")},
    )
    oldest = {
        (row["pathway"], str(row["to_agency_id"])): row["oldest"]
        for row in _within(pending, filters)
        .annotate(pathway=_pathway())
        .values("pathway", "to_agency_id")
        .annotate(oldest=Min(SENT_AT))
        .order_by()
    }
    today = clock.today()

    def wait_cell(n: int | None, since: datetime.datetime | None) -> Cell:
        if since is None:
            return Cell(value=None, kind="days")
        if n is None or not enough(n, k=min_cell()):
            return Cell(value=None, suppressed=True, kind="days")
        return Cell(value=max((today - timezone.localdate(since)).days, 0), kind="days")

    agencies = Agency.objects.filter(pk__in={int(a) for _p, a in oldest}).only("name", "name_local", "country")
    names = {str(a.pk): a.display_name for a in agencies}
    rows: list[tuple[tuple[int, int, str], Row]] = []
    for (pathway, agency), since in oldest.items():
        n = data.count(pathway, agency)
        cell = wait_cell(n, since)
        label = _("%(pathway)s: %(agency)s") % {
            "pathway": pathway_label(pathway),
            "agency": names.get(agency, ""),
        }
        # Suppressed waits go last, by name: their place in the order would tell of their length.
        order = (1, 0, label) if cell.suppressed else (0, -int(cell.value or 0), label)
        rows.append((order, Row(label, [count_cell(n), cell])))
    table = Table(row_header=_("Pathway and receiving agency"), columns=[_("Waiting"), _("Longest wait in days")])
    table.rows = [row for _order, row in sorted(rows, key=lambda r: r[0])[:LONGEST_WAITS]]
    total = data.count(ALL, ALL)
    overall = min(oldest.values()) if oldest else None
    table.rows.append(Row(_("All waiting referrals"), [count_cell(total), wait_cell(total, overall)]))
    title = _("Referrals waiting longest for an answer")
    shown = table.rows[:-1]
    return Figure(
        key="network-waiting",
        title=title,
        table=table,
        chart=charts.bar_chart(
            title=title,
            labels=[r.label for r in shown],
            series=_series(table, columns=(1,)),
            horizontal=True,
        )
        if shown
        else None,
        note=_(
            "Referrals sent in the period and not yet accepted or declined, by receiving agency; the %(n)s longest "
            "waits. The longest wait is shown where at least %(k)s referrals wait."
        )
        % {"n": LONGEST_WAITS, "k": min_cell()},
    )


def figures(filters: Filters) -> list[Figure]:
    data = _outcomes(filters)
    return [
        *coverage(filters),
        volume(filters, data),
        timing(filters, data),
        declines(filters),
        waiting(filters),
    ]
