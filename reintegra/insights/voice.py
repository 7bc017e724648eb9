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

Queries are bounded: one grouped query per cube and a fixed handful of reads per dashboard,
whatever the number of people. They rely on the foreign-key indexes of rankings, enrolments,
stipends, placements, follow-ups, referrals and plan goals, and on the index of the date of return.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import (
    CharField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import TruncDate
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from reintegra.cases.choices import Gender, ReturnType
from reintegra.cases.models import Case
from reintegra.lib import charts, geo
from reintegra.lib.suppression import ALL
from reintegra.livelihoods.choices import EARNING_STATUSES
from reintegra.livelihoods.models import Enrolment, IncomeFollowUp, OpportunityKind, Placement, StipendPayment
from reintegra.network.choices import ServiceCategory
from reintegra.plans.choices import Domain, Priority
from reintegra.plans.models import Action, PriorityRanking
from reintegra.referrals.choices import ReferralStatus
from reintegra.referrals.models import Referral

from .cubes import Cell, Figure, Row, Slice, Table, count_cell, count_cube, median_cell, protect_rows, share_cell
from .filters import Filters, category_expression

RETURNED_ON = "return_journey__returned_on"
SUPPORT_DAYS = 90
YES, NO = "yes", "no"
TOP3, LOWER, UNRANKED = "top3", "lower", "unranked"

# Referrals to these services are economic support.
ECONOMIC_SERVICES = (
    ServiceCategory.VOCATIONAL_TRAINING,
    ServiceCategory.JOB_PLACEMENT,
    ServiceCategory.BUSINESS_STARTUP,
    ServiceCategory.MICROCREDIT,
    ServiceCategory.CASH_ASSISTANCE,
)
# What a service of each category delivers, among the priorities returnees rank.
SERVICE_PRIORITIES: dict[str, tuple[str, ...]] = {
    ServiceCategory.VOCATIONAL_TRAINING: (Priority.SKILLS, Priority.INCOME),
    ServiceCategory.JOB_PLACEMENT: (Priority.INCOME,),
    ServiceCategory.BUSINESS_STARTUP: (Priority.INCOME,),
    ServiceCategory.MICROCREDIT: (Priority.INCOME,),
    ServiceCategory.CASH_ASSISTANCE: (Priority.INCOME,),
    ServiceCategory.EDUCATION_SUPPORT: (Priority.CHILDREN_SCHOOLING, Priority.SKILLS),
    ServiceCategory.MEDICAL_CARE: (Priority.PHYSICAL_HEALTH,),
    ServiceCategory.PSYCHOSOCIAL: (Priority.MENTAL_WELLBEING,),
    ServiceCategory.LEGAL_AID: (Priority.LEGAL,),
    ServiceCategory.FAMILY_TRACING: (Priority.FAMILY,),
    ServiceCategory.SHELTER: (Priority.HOUSING, Priority.SAFETY),
    ServiceCategory.RESCUE_PROTECTION: (Priority.SAFETY,),
}
DELIVERING_REFERRALS = (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS, ReferralStatus.COMPLETED)
TRAINING_KINDS = (OpportunityKind.VOCATIONAL_TRAINING, OpportunityKind.PAID_TRAINING, OpportunityKind.EDUCATION)
EARNING = Q(employment__in=EARNING_STATUSES) | Q(monthly_income__gt=0)

# The ways the priorities are broken down: the SQL path from a ranking to the value, and its label.
GROUPS: dict[str, tuple[str, Callable[[str], str]]] = {
    "gender": ("case__returnee__gender", lambda v: str(Gender(v).label) if v in Gender.values else _("not recorded")),
    "country": ("case__return_journey__country_from", lambda v: geo.country_name(v) if v else _("not recorded")),
    "type": (
        "case__return_journey__return_type",
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


def _returned(filters: Filters) -> QuerySet[Case]:
    return Case.objects.filter(Q(return_journey__isnull=False) & filters.period(RETURNED_ON))


def _priority_label(value: str) -> str:
    return str(Priority(value).label) if value in Priority.values else value


def _gender_label(value: str) -> str:
    return GROUPS["gender"][1](value)


# --- Economic support and first income, as SQL over a case --------------------------------------------


def _lag(date: Combinable | str) -> ExpressionWrapper:
    """Days from the outer case's return to a date of the inner row, as a duration."""
    start = F(date) if isinstance(date, str) else date
    return ExpressionWrapper(start - OuterRef(RETURNED_ON), output_field=DurationField())


def _by_day(rows: QuerySet[Any], date: Combinable | str, *, days: int | None) -> Exists:
    if days is None:
        return Exists(rows)
    return Exists(rows.annotate(lag=_lag(date)).filter(lag__lte=datetime.timedelta(days=days)))


def economic_support_within(days: int | None = SUPPORT_DAYS) -> Q:
    """Whether a case received economic support no later than `days` after its return (at any
    time when None)."""
    case = OuterRef("pk")
    return (
        Q(_by_day(Enrolment.objects.filter(case=case, enrolled_on__isnull=False), "enrolled_on", days=days))
        | Q(_by_day(StipendPayment.objects.filter(enrolment__case=case), "paid_on", days=days))
        | Q(_by_day(Placement.objects.filter(enrolment__case=case), "started_on", days=days))
        | Q(
            _by_day(
                Action.objects.filter(goal__plan__case=case, goal__domain=Domain.ECONOMIC, done_at__isnull=False),
                TruncDate("done_at"),
                days=days,
            )
        )
        | Q(
            _by_day(
                Referral.objects.filter(
                    case=case,
                    service__category__in=ECONOMIC_SERVICES,
                    status__in=DELIVERING_REFERRALS,
                    responded_at__isnull=False,
                ),
                TruncDate("responded_at"),
                days=days,
            )
        )
    )


def _first(rows: QuerySet[Any], date: str) -> Subquery:
    """The earliest date of the rows on or after the outer case's return."""
    return Subquery(rows.filter(**{f"{date}__gte": OuterRef(RETURNED_ON)}).order_by(date).values(date)[:1])


def _first_incomes() -> dict[str, Subquery]:
    case = OuterRef("pk")
    return {
        "first_stipend": _first(StipendPayment.objects.filter(enrolment__case=case), "paid_on"),
        "first_placement": _first(Placement.objects.filter(enrolment__case=case), "started_on"),
        "first_follow_up": _first(
            IncomeFollowUp.objects.filter(EARNING, enrolment__case=case, done_on__isnull=False), "done_on"
        ),
    }


def _has_income() -> Q:
    case = OuterRef("pk")
    return (
        Q(Exists(StipendPayment.objects.filter(enrolment__case=case, paid_on__gte=OuterRef(RETURNED_ON))))
        | Q(Exists(Placement.objects.filter(enrolment__case=case, started_on__gte=OuterRef(RETURNED_ON))))
        | Q(
            Exists(
                IncomeFollowUp.objects.filter(
                    EARNING, enrolment__case=case, done_on__isnull=False, done_on__gte=OuterRef(RETURNED_ON)
                )
            )
        )
    )


def _flag(condition: Q) -> SqlCase:
    return SqlCase(When(condition, then=Value(YES)), default=Value(NO), output_field=CharField())


def _income_rank() -> SqlCase:
    """top3, lower (ranked, income not in the first three) or unranked, by the latest ranking."""
    latest = PriorityRanking.objects.filter(case=OuterRef("case")).order_by("-recorded_at", "-pk")
    top = PriorityRanking.objects.filter(case=OuterRef("pk"), pk=Subquery(latest.values("pk")[:1])).filter(
        Q(ranking__0=Priority.INCOME) | Q(ranking__1=Priority.INCOME) | Q(ranking__2=Priority.INCOME)
    )
    ranked = PriorityRanking.objects.filter(case=OuterRef("pk"))
    return SqlCase(
        When(Exists(top), then=Value(TOP3)),
        When(Exists(ranked), then=Value(LOWER)),
        default=Value(UNRANKED),
        output_field=CharField(),
    )


# --- The headline: income in the top three against economic support by day 90 --------------------------


def _sum(*counts: int | None) -> int | None:
    return None if any(n is None for n in counts) else sum(n for n in counts if n is not None)


def income_against_support(filters: Filters) -> Figure:
    data = count_cube(
        _returned(filters),
        filters=filters,
        case_path="",
        dims={
            "gender": F("returnee__gender"),
            "income": _income_rank(),
            "support": _flag(economic_support_within()),
        },
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
    cases = _returned(filters)
    data = count_cube(
        cases,
        filters=filters,
        case_path="",
        dims={"gender": F("returnee__gender"), "income": _flag(_has_income())},
    )
    firsts = _first_incomes()
    rows = (
        cases.filter(filters.scope(""))
        .annotate(**firsts, **{f"f_{name}": category_expression(name, "") for name in filters.chosen})
        .filter(Q(first_stipend__isnull=False) | Q(first_placement__isnull=False) | Q(first_follow_up__isnull=False))
        .values(RETURNED_ON, "returnee__gender", *firsts, *(f"f_{name}" for name in filters.chosen))
    )
    days: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        if not _within({name: row[f"f_{name}"] for name in filters.chosen}, filters):
            continue
        first = min(row[name] for name in firsts if row[name] is not None)
        lag = float((first - row[RETURNED_ON]).days)
        days[ALL].append(lag)
        days[row["returnee__gender"] or ""].append(lag)
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
                [count_cell(returned), count_cell(earning), share_cell(earning, returned), median_cell(days[group])],
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


@dataclass
class Voices:
    """The latest ranking of each person counted, with their filter values and groups."""

    rankings: dict[int, list[str]] = field(default_factory=dict)
    categories: dict[int, dict[str, str]] = field(default_factory=dict)
    groups: dict[int, dict[str, str]] = field(default_factory=dict)


def read_voices(filters: Filters) -> Voices:
    """One read of the rankings of the people counted, newest first: the first seen is the latest."""
    rows = (
        PriorityRanking.objects.filter(case__in=_returned(filters).values("pk"))
        .filter(filters.scope("case__"))
        .annotate(
            **{f"f_{name}": category_expression(name, "case__") for name in filters.chosen},
            **{f"g_{name}": F(path) for name, (path, _label) in GROUPS.items()},
        )
        .order_by("case_id", "-recorded_at", "-pk")
        .values("case_id", "ranking", *(f"f_{name}" for name in filters.chosen), *(f"g_{name}" for name in GROUPS))
    )
    voices = Voices()
    for row in rows:
        case = row["case_id"]
        if case in voices.rankings:
            continue
        voices.rankings[case] = [str(p) for p in row["ranking"] or []]
        voices.categories[case] = {name: row[f"f_{name}"] for name in filters.chosen}
        voices.groups[case] = {name: row[f"g_{name}"] or "" for name in GROUPS}
    return voices


def read_delivered(filters: Filters) -> dict[int, set[str]]:
    """For each person counted, the priorities their plan or the network's services delivered for."""
    cases = _returned(filters).filter(filters.scope("")).filter(priority_rankings__isnull=False).values("pk")
    delivered: dict[int, set[str]] = defaultdict(set)
    done = (
        Q(done_at__isnull=False)
        | Q(enrolment__status__in=("completed", "placed"))
        | Q(referral__status=ReferralStatus.COMPLETED)
    )
    for row in (
        Action.objects.filter(done, goal__plan__case__in=cases)
        .values("goal__plan__case_id", "goal__priorities", "goal__domain")
        .order_by()
        .distinct()
    ):
        priorities = set(row["goal__priorities"] or [])
        if row["goal__domain"] == Domain.ECONOMIC:
            priorities.add(Priority.INCOME)
        delivered[row["goal__plan__case_id"]] |= {str(p) for p in priorities}
    for case, category in (
        Referral.objects.filter(case__in=cases, status__in=DELIVERING_REFERRALS, service__isnull=False)
        .values_list("case_id", "service__category")
        .order_by()
        .distinct()
    ):
        delivered[case] |= {str(p) for p in SERVICE_PRIORITIES.get(category, ())}
    for case, kind in (
        Enrolment.objects.filter(case__in=cases, enrolled_on__isnull=False)
        .values_list("case_id", "opportunity__kind")
        .order_by()
        .distinct()
    ):
        delivered[case].add(Priority.INCOME)
        if kind in TRAINING_KINDS:
            delivered[case].add(Priority.SKILLS)
    return delivered


def _within(categories: dict[str, Any], filters: Filters) -> bool:
    return all(str(categories.get(name)) == value for name, value in filters.chosen.items())


def _people(voices: Voices, filters: Filters, group: str | None) -> Slice:
    """The people who ranked their priorities, by a group (or all in one)."""
    return protect_rows(
        (((voices.groups[case][group] if group else YES,), voices.categories[case]) for case in voices.rankings),
        dims=["group"],
        filters=filters,
    )


def priorities_overall(voices: Voices, filters: Filters) -> Figure:
    rows: list[tuple[tuple[str, str], dict[str, str]]] = []
    for case, ranking in voices.rankings.items():
        for place, priority in enumerate(ranking[:3]):
            rows.append(((priority, "first" if place == 0 else "next"), voices.categories[case]))
    data = protect_rows(rows, dims=["priority", "place"], filters=filters)
    people = _people(voices, filters, None).count(YES)
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


def priorities_by(voices: Voices, filters: Filters, group: str) -> Figure:
    """The share ranking each priority in the top three, per gender, country or type of return."""
    label = GROUPS[group][1]
    rows = [
        ((priority, voices.groups[case][group]), voices.categories[case])
        for case, ranking in voices.rankings.items()
        for priority in ranking[:3]
    ]
    data = protect_rows(rows, dims=["priority", "group"], filters=filters)
    people = _people(voices, filters, group)
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


def priority_gap(voices: Voices, delivered: dict[int, set[str]], filters: Filters) -> Figure:
    rows: list[tuple[tuple[str, str, str], dict[str, str]]] = []
    for case, ranking in voices.rankings.items():
        top3, received = set(ranking[:3]), delivered.get(case, set())
        for priority in top3 | received:
            rows.append(
                (
                    (priority, YES if priority in top3 else NO, YES if priority in received else NO),
                    voices.categories[case],
                )
            )
    data = protect_rows(rows, dims=["priority", "top3", "delivered"], filters=filters)
    people = _people(voices, filters, None).count(YES)
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
    voices = read_voices(filters)
    delivered = read_delivered(filters)
    return [
        income_against_support(filters),
        first_income(filters),
        priority_gap(voices, delivered, filters),
        priorities_overall(voices, filters),
        *(priorities_by(voices, filters, group) for group in GROUPS),
    ]
