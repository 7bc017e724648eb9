"""Network: where the network has gaps, and how referrals fare between kinds of agency.

The coverage map counts agencies, not people: its gaps are shown as they are. Referrals are counted
by the day they were sent, by pathway (the sending agency's type → the receiving agency's type):
their outcome, the days to an answer and to completion, and the referrals still waiting for an
answer. Every count goes through one protected cube; a median or a longest wait is shown only over
at least k referrals.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, CharField, Count, DurationField, ExpressionWrapper, F, Min, Q, QuerySet
from django.db.models.functions import Cast, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from reintegra.lib import charts, clock, geo
from reintegra.lib.suppression import ALL, Key, enough
from reintegra.network.choices import AgencyType, Stage
from reintegra.network.models import Agency
from reintegra.network.selectors import coverage_among
from reintegra.referrals.choices import DeclineReason, ReferralStatus
from reintegra.referrals.models import Referral

from .cubes import NONE, Cell, Figure, Row, Slice, Table, count_cell, cube_key, min_cell, protect_counts, share_cell
from .filters import Filters, category_expression

SENT_AT = "sent_at"
CASE = "case__"
SEP = ">"  # between the two agency types of a pathway; no type code holds it

# What became of a referral, as one value: answered yes (and completed or not), declined, still
# waiting for an answer, or ended before any answer (cancelled by the sender, consent withdrawn,
# case closed).
COMPLETED, ACCEPTED, DECLINED, WAITING, WITHDRAWN = "completed", "accepted", "declined", "waiting", "withdrawn"
LONGEST_WAITS = 15  # rows of the table of referrals waiting longest


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


@dataclass(frozen=True)
class Sent:
    """The referrals sent in the period within the reader's scope, as every figure of the pathways
    counts them: the cubes protected, the waits and the oldest waiting within the reader's filters."""

    outcomes: Slice  # by pathway and outcome
    declines: Slice  # the declined, by coded reason
    waiting: Slice  # the waiting for an answer, by pathway and receiving agency
    oldest: dict[tuple[str, str], datetime.datetime]  # the oldest waiting, by pathway and receiving agency
    answered: dict[str, Counter[int]]  # days from sending to an answer: per pathway, and ALL
    completed: dict[str, Counter[int]]  # days from sending to completion


def _outcome(status: str, answered: bool, completed: bool) -> str:
    if status == ReferralStatus.DECLINED:
        return DECLINED
    if completed:
        return COMPLETED
    if answered:
        return ACCEPTED
    return WAITING if status == ReferralStatus.PENDING else WITHDRAWN


def _wait_days(until: str) -> ExpressionWrapper:
    """Whole local days from the day a referral was sent to the day of `until` (NULL before it)."""
    return ExpressionWrapper(TruncDate(until) - TruncDate(SENT_AT), output_field=DurationField())


def by_outcome(filters: Filters) -> QuerySet[Referral, dict[str, Any]]:
    """The referrals sent in the period, in the reader's scope, counted by sending and receiving agency,
    status, coded reason, days to an answer, completion, and the reader's filter values; with the oldest
    waiting. Counted with COUNT(*): every column read is in the index `referral_sent_figures`."""
    columns: dict[str, Any] = {
        "sender": F("from_agency_id"),
        "receiver": F("to_agency_id"),
        "state": F("status"),
        "reason": F("decline_reason"),
        "answer": _wait_days("responded_at"),
        "done": ExpressionWrapper(Q(completed_at__isnull=False), output_field=BooleanField()),
    } | {f"f_{name}": category_expression(name, CASE) for name in filters.chosen}
    return (
        _sent(filters)
        .filter(filters.scope(CASE))
        .annotate(**columns)
        .values(*columns)
        .annotate(n=Count("*"), oldest=Min(SENT_AT, filter=Q(status=ReferralStatus.PENDING)))
        .order_by()
    )


def by_completion(filters: Filters) -> QuerySet[Referral, dict[str, Any]]:
    """The completed referrals of the reader's slice, counted by sending and receiving agency and days
    to completion."""
    return (
        _within(_sent(filters).filter(completed_at__isnull=False), filters)
        .annotate(sender=F("from_agency_id"), receiver=F("to_agency_id"), wait=_wait_days("completed_at"))
        .values("sender", "receiver", "wait")
        .annotate(n=Count("*"))
        .order_by()
    )


def sent(filters: Filters) -> Sent:
    """Every figure of the pathways from two grouped reads of the referrals, whatever their number
    (`by_outcome`, `by_completion`). Grouped by the agencies' ids, not their types (the pathway is
    worked out here from the agency table), the reads need no join unless the reader filters by
    the person: the index `referral_sent_figures` holds every column they read (a million referrals
    in about 1 s, where six reads joined to the agencies took 4 s)."""
    chosen = list(filters.chosen)
    wanted = tuple(filters.chosen[name] for name in chosen)
    types = {str(pk): kind for pk, kind in Agency.objects.values_list("pk", "type")}

    def pathway(sender: Any, receiver: Any) -> str:
        return f"{types.get(str(sender), '')}{SEP}{types.get(str(receiver), '')}"

    outcomes: Counter[Key] = Counter()
    declined: Counter[Key] = Counter()
    waiting: Counter[Key] = Counter()
    oldest: dict[tuple[str, str], datetime.datetime] = {}
    answered: dict[str, Counter[int]] = defaultdict(Counter)
    for row in by_outcome(filters):
        path, n = pathway(row["sender"], row["receiver"]), row["n"]
        fixed = tuple(cube_key(row[f"f_{name}"]) for name in chosen)
        outcome = _outcome(row["state"], row["answer"] is not None, row["done"])
        outcomes[(path, outcome, *fixed)] += n
        if row["state"] == ReferralStatus.DECLINED:
            declined[(cube_key(row["reason"]), *fixed)] += n
        if row["state"] == ReferralStatus.PENDING:
            waiting[(path, str(row["receiver"]), *fixed)] += n
        if fixed != wanted:
            continue
        if row["oldest"] is not None:
            at = (path, str(row["receiver"]))
            oldest[at] = min(oldest.get(at, row["oldest"]), row["oldest"])
        if row["answer"] is not None:
            days = _days(row["answer"])
            answered[path][days] += n
            answered[ALL][days] += n
    completed: dict[str, Counter[int]] = defaultdict(Counter)
    for row in by_completion(filters):
        days = _days(row["wait"])
        completed[pathway(row["sender"], row["receiver"])][days] += row["n"]
        completed[ALL][days] += row["n"]
    return Sent(
        outcomes=protect_counts(outcomes, dims=["pathway", "outcome"], filters=filters),
        declines=protect_counts(declined, dims=["reason"], filters=filters),
        waiting=protect_counts(waiting, dims=["pathway", "agency"], filters=filters),
        oldest=oldest,
        answered=answered,
        completed=completed,
    )


def _sum(*counts: int | None) -> int | None:
    return None if any(n is None for n in counts) else sum(n for n in counts if n is not None)


def volume(data: Slice) -> Figure:
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


def timing(read: Sent) -> Figure:
    """Per pathway: the median days from sending to an answer, and to completion."""
    data, answered, completed = read.outcomes, read.answered, read.completed
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


def declines(read: Sent) -> Figure:
    """The declines by their main reason, as the receiving agencies coded it (the reason in their own
    words is never counted, nor shown)."""
    data = read.declines
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


def waiting(read: Sent) -> Figure:
    """The referrals still waiting for an answer, per pathway and receiving agency: how many, and how
    long the oldest has waited. No referral is shown on its own."""
    data, oldest = read.waiting, read.oldest
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
    read = sent(filters)
    return [
        *coverage(filters),
        volume(read.outcomes),
        timing(read),
        declines(read),
        waiting(read),
    ]
