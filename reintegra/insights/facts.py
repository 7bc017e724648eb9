"""Keeping the summary tables (insights/models.py, decisions/0030-insights-summary-tables).

`refresh_cases(ids)` works out the facts of some cases from their records, with the same definitions
the dashboards document (insights/voice.py), in a fixed handful of set-based queries whatever the
number of cases; signals (`connect`, from InsightsConfig.ready) call it on every save and deletion of
a record the facts depend on, so the tables are fresh on write. `rebuild_all()` rebuilds every row in
batches (after a bulk load that bypassed the signals: `reintegra insights rebuild`).

Not followed on write (rare edits of reference data; rebuild after them): a change of an option's
kind or of a service's category, which changes what was delivered for the people enrolled or referred.
"""

import contextlib
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from django.db import connections, router, transaction
from django.db.models import (
    BooleanField,
    CharField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.signals import post_delete, post_save

from reintegra.cases.choices import Exploitation, HistoryType, Industry
from reintegra.cases.models import Case, HistoryEvent, Returnee, ReturnJourney
from reintegra.cases.reactions import records_written
from reintegra.livelihoods.choices import EARNING_STATUSES, EnrolmentStatus
from reintegra.livelihoods.models import (
    Enrolment,
    IncomeFollowUp,
    Opportunity,
    OpportunityKind,
    Placement,
    StipendPayment,
)
from reintegra.network.choices import ServiceCategory
from reintegra.plans.choices import Domain, Priority
from reintegra.plans.models import Action, Assessment, Goal, PriorityRanking
from reintegra.referrals.choices import ReferralStatus
from reintegra.referrals.models import Referral

from .filters import AGE_GROUPS, UNKNOWN
from .models import AssessmentFacts, CaseFacts, DebtFacts, EnrolmentFacts, OutcomeFacts

RETURNED_ON = "return_journey__returned_on"
RETURNED_OF_CASE = "case__return_journey__returned_on"
ENDED = (EnrolmentStatus.DROPPED_OUT, EnrolmentStatus.COMPLETED, EnrolmentStatus.PLACED)
SUPPORT_DAYS = 90
YES, NO = "yes", "no"
TOP3, LOWER, UNRANKED = "top3", "lower", "unranked"
BATCH = 2000
MONEY = ("monthly_income", "currency")

# A set of priorities as the bits of an integer (top three, delivered): one bit per priority.
PRIORITY_BITS: dict[str, int] = {p: 1 << i for i, p in enumerate(Priority.values)}


def bits(priorities: Iterable[str]) -> int:
    mask = 0
    for priority in priorities:
        mask |= PRIORITY_BITS.get(str(priority), 0)
    return mask


def priorities_in(mask: int) -> list[str]:
    return [p for p, bit in PRIORITY_BITS.items() if mask & bit]


# The forms and sectors of exploitation as bits likewise; NONE ("") for an event that names none.
NONE = ""
FORM_BITS: dict[str, int] = {v: 1 << i for i, v in enumerate([*Exploitation.values, NONE])}
SECTOR_BITS: dict[str, int] = {v: 1 << i for i, v in enumerate([*Industry.values, NONE])}


def values_in(mask: int, table: dict[str, int]) -> list[str]:
    return [value for value, bit in table.items() if mask & bit]


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


def age_group(age: int | None) -> str:
    """The age group of an age at intake (insights/filters.py, AGE_GROUPS)."""
    if age is None:
        return UNKNOWN
    for key, _label, lo, hi in AGE_GROUPS:
        if lo is not None and age >= lo and (hi is None or age <= hi):
            return key
    return UNKNOWN


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


def first_incomes() -> dict[str, Subquery]:
    case = OuterRef("pk")
    return {
        "first_stipend": _first(StipendPayment.objects.filter(enrolment__case=case), "paid_on"),
        "first_placement": _first(Placement.objects.filter(enrolment__case=case), "started_on"),
        "first_follow_up": _first(
            IncomeFollowUp.objects.filter(EARNING, enrolment__case=case, done_on__isnull=False), "done_on"
        ),
    }


def _flag(condition: Q) -> SqlCase:
    return SqlCase(When(condition, then=Value(YES)), default=Value(NO), output_field=CharField())


# --- Working out the facts of some cases ----------------------------------------------------------------


def _latest_rankings(case_ids: list[int]) -> dict[int, list[str]]:
    """Each case's latest ranking, newest first: the first seen is the latest."""
    latest: dict[int, list[str]] = {}
    rows = (
        PriorityRanking.objects.filter(case_id__in=case_ids)
        .order_by("case_id", "-recorded_at", "-pk")
        .values_list("case_id", "ranking")
    )
    for case, ranking in rows:
        if case not in latest:
            latest[case] = [str(p) for p in ranking or []]
    return latest


def _delivered(case_ids: list[int]) -> dict[int, set[str]]:
    """For each case, the priorities its plan or the network's services delivered for."""
    delivered: dict[int, set[str]] = defaultdict(set)
    done = (
        Q(done_at__isnull=False)
        | Q(enrolment__status__in=("completed", "placed"))
        | Q(referral__status=ReferralStatus.COMPLETED)
    )
    for row in (
        Action.objects.filter(done, goal__plan__case_id__in=case_ids)
        .values("goal__plan__case_id", "goal__priorities", "goal__domain")
        .order_by()
        .distinct()
    ):
        priorities = set(row["goal__priorities"] or [])
        if row["goal__domain"] == Domain.ECONOMIC:
            priorities.add(Priority.INCOME)
        delivered[row["goal__plan__case_id"]] |= {str(p) for p in priorities}
    for case, category in (
        Referral.objects.filter(case_id__in=case_ids, status__in=DELIVERING_REFERRALS, service__isnull=False)
        .values_list("case_id", "service__category")
        .order_by()
        .distinct()
    ):
        delivered[case] |= {str(p) for p in SERVICE_PRIORITIES.get(category, ())}
    for case, kind in (
        Enrolment.objects.filter(case_id__in=case_ids, enrolled_on__isnull=False)
        .values_list("case_id", "opportunity__kind")
        .order_by()
        .distinct()
    ):
        delivered[case].add(Priority.INCOME)
        if kind in TRAINING_KINDS:
            delivered[case].add(Priority.SKILLS)
    return delivered


def _dimensions(case_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The filter dimensions of each case (insights/models.py, Dimensions)."""
    dims = {}
    for row in Case.objects.filter(pk__in=case_ids).values(
        "pk",
        "agency_id",
        "returnee__citizenships",
        "returnee__home_area",
        "returnee__gender",
        "returnee__age_at_intake",
    ):
        citizenships = row["returnee__citizenships"]
        dims[row["pk"]] = {
            "agency_id": row["agency_id"],
            "country": str(citizenships[0]) if isinstance(citizenships, list) and citizenships else None,
            "area": row["returnee__home_area"] or "",
            "gender": row["returnee__gender"] or "",
            "age_group": age_group(row["returnee__age_at_intake"]),
        }
    return dims


def _case_facts(case_ids: list[int], dims: dict[int, dict[str, Any]]) -> list[CaseFacts]:
    """The facts of the returned cases among `case_ids` (a case without a return has none)."""
    firsts = first_incomes()
    rows = list(
        Case.objects.filter(pk__in=case_ids, return_journey__isnull=False)
        .annotate(support=_flag(economic_support_within()), **firsts)
        .values(
            "pk",
            RETURNED_ON,
            "return_journey__country_from",
            "return_journey__return_type",
            "support",
            *firsts,
        )
        .order_by("pk")
    )
    returned = [row["pk"] for row in rows]
    rankings = _latest_rankings(returned)
    delivered = _delivered(returned)
    exploitation = _exploitation(returned)
    facts = []
    for row in rows:
        case = row["pk"]
        ranking = rankings.get(case)
        top3 = ranking[:3] if ranking is not None else []
        dates = [row[name] for name in firsts if row[name] is not None]
        facts.append(
            CaseFacts(
                case_id=case,
                **dims[case],
                returned_on=row[RETURNED_ON],
                country_from=row["return_journey__country_from"] or "",
                return_type=row["return_journey__return_type"] or "",
                ranked=ranking is not None,
                first_priority=top3[0] if top3 else "",
                top3=bits(top3),
                income_rank=UNRANKED if ranking is None else TOP3 if Priority.INCOME in top3 else LOWER,
                delivered=bits(delivered.get(case, ())),
                support_90=row["support"] == YES,
                first_income_days=(min(dates) - row[RETURNED_ON]).days if dates else None,
                forms=exploitation.get(case, (0, 0))[0],
                sectors=exploitation.get(case, (0, 0))[1],
            )
        )
    return facts


def _exploitation(case_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Each case's forms and sectors of exploitation, as bits (returns.py counts a person under each)."""
    found: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    rows = HistoryEvent.objects.filter(type=HistoryType.EXPLOITATION, case_id__in=case_ids).values_list(
        "case_id", "exploitation_types", "industry"
    )
    for case, forms, industry in rows:
        for form in (forms if isinstance(forms, list) else [forms]) or [NONE]:
            found[case][0] |= FORM_BITS.get(form or NONE, 0)
        found[case][1] |= SECTOR_BITS.get(industry or NONE, 0)
    return {case: (masks[0], masks[1]) for case, masks in found.items()}


def _debt_facts(facts: list[CaseFacts]) -> list[DebtFacts]:
    """The debts on return of the returned cases, added up per currency."""
    returned = {f.case_id: f for f in facts}
    owed: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    rows = (
        HistoryEvent.objects.filter(case_id__in=list(returned))
        .exclude(debt_currency="")
        .values_list("case_id", "debt_currency", "debt_amount")
    )
    for case, currency, amount in rows:
        owed[(case, currency)] += amount or Decimal(0)
    dimensions = ("agency_id", "country", "area", "gender", "age_group")
    return [
        DebtFacts(
            case_id=case,
            **{name: getattr(returned[case], name) for name in dimensions},
            returned_on=returned[case].returned_on,
            currency=currency,
            amount=amount,
        )
        for (case, currency), amount in sorted(owed.items())
    ]


def _pays(enrolment: str) -> Q:
    """An option that pays while on it: a stipend or a wage (insights/outcomes.py)."""
    option = f"{enrolment}opportunity__"
    return Q(**{f"{option}stipend_monthly__gt": 0}) | Q(**{f"{option}wage_monthly__gt": 0})


def _option(enrolment: str) -> dict[str, Any]:
    return {
        "ended": Coalesce(f"{enrolment}ended_on", f"{enrolment}placement__started_on"),
        "kind": F(f"{enrolment}opportunity__kind"),
        "provider": F(f"{enrolment}opportunity__provider_id"),
        "paid": SqlCase(When(_pays(enrolment), then=Value(True)), default=Value(False), output_field=BooleanField()),
    }


def _outcome_annotations() -> dict[str, Any]:
    return {"case": F("enrolment__case_id"), **{f"o_{k}": v for k, v in _option("enrolment__").items()}}


def _enrolment_annotations() -> dict[str, Any]:
    return {f"o_{k}": v for k, v in _option("").items()}


OPTION_COLUMNS = ("o_ended", "o_kind", "o_provider", "o_paid")
OUTCOME_COLUMNS: tuple[str, ...] = ("pk", "case", *OPTION_COLUMNS, "months", "employment", *MONEY)
ENROLMENT_COLUMNS: tuple[str, ...] = ("pk", "case_id", "status", *OPTION_COLUMNS)


def _outcome_facts(case_ids: list[int], dims: dict[int, dict[str, Any]]) -> list[OutcomeFacts]:
    rows = (
        IncomeFollowUp.objects.filter(enrolment__case_id__in=case_ids, done_on__isnull=False)
        .exclude(employment="")
        .annotate(**_outcome_annotations())
        .values(*OUTCOME_COLUMNS)
    )
    return [
        OutcomeFacts(
            follow_up_id=row["pk"],
            case_id=row["case"],
            **dims[row["case"]],
            ended_on=row["o_ended"],
            kind=row["o_kind"],
            provider_id=row["o_provider"],
            paid=row["o_paid"],
            months=row["months"],
            working=row["employment"] in EARNING_STATUSES,
            monthly_income=row["monthly_income"],
            currency=row["currency"] or "",
        )
        for row in rows
    ]


def _enrolment_facts(case_ids: list[int], dims: dict[int, dict[str, Any]]) -> list[EnrolmentFacts]:
    rows = (
        Enrolment.objects.filter(case_id__in=case_ids, status__in=ENDED, enrolled_on__isnull=False)
        .annotate(**_enrolment_annotations())
        .values(*ENROLMENT_COLUMNS)
    )
    return [
        EnrolmentFacts(
            enrolment_id=row["pk"],
            case_id=row["case_id"],
            **dims[row["case_id"]],
            ended_on=row["o_ended"],
            kind=row["o_kind"],
            provider_id=row["o_provider"],
            paid=row["o_paid"],
            left=row["status"] == EnrolmentStatus.DROPPED_OUT,
        )
        for row in rows
    ]


# Months since return, in the bands of the assessment points (at return, 3, 6 and 12 months). An
# assessment done in the two weeks before a band's start counts in that band: one done on time at
# "3 months" (89 to 92 days, by the calendar) must not fall among the baselines.
EARLY = datetime.timedelta(days=14)
SINCE_RETURN: list[tuple[str, datetime.timedelta | None]] = [
    ("0-3", datetime.timedelta(days=91) - EARLY),
    ("3-6", datetime.timedelta(days=182) - EARLY),
    ("6-12", datetime.timedelta(days=365) - EARLY),
    ("12+", None),
]


def since_return(days: datetime.timedelta) -> str:
    for key, upto in SINCE_RETURN:
        if upto is None or days < upto:
            return key
    return SINCE_RETURN[-1][0]  # pragma: no cover  the last band has no end


def _assessment_facts(case_ids: list[int], dims: dict[int, dict[str, Any]]) -> list[AssessmentFacts]:
    rows = Assessment.objects.filter(
        case_id__in=case_ids, done_on__isnull=False, composite__isnull=False, case__return_journey__isnull=False
    ).values("pk", "case_id", "done_on", RETURNED_OF_CASE, "economic", "social", "psychosocial", "composite")
    return [
        AssessmentFacts(
            assessment_id=row["pk"],
            case_id=row["case_id"],
            **dims[row["case_id"]],
            returned_on=row[RETURNED_OF_CASE],
            since=since_return(row["done_on"] - row[RETURNED_OF_CASE]),
            economic=row["economic"],
            social=row["social"],
            psychosocial=row["psychosocial"],
            composite=row["composite"],
        )
        for row in rows
    ]


FACTS: tuple[type[Model], ...] = (CaseFacts, DebtFacts, OutcomeFacts, EnrolmentFacts, AssessmentFacts)


# --- Each person once, without COUNT(DISTINCT) -----------------------------------------------------------
#
# The outcomes count people, and a person may have several rows in a group (two options of one kind
# followed up at 3 months). COUNT(DISTINCT case) sorts every row; at a million it is 3 to 4 times a plain
# count. So each row carries bits (`firsts`, insights/models.Firsts) marking it as its case's first row
# in each group the outcomes count by: the marked rows counted plainly are the people. Every filter but
# the period is the case's own, so the marks hold under them; outcomes.py counts distinct cases when a
# period is set on the option's end (a case's first row may fall outside it).

EARNING_ROWS = "monthly_income > 0 AND currency <> ''"  # the rows the income figures count (outcomes.income)
WORK_FIRST = {"kind": 1, "provider": 2, "stipend": 4}  # the work figures, by breakdown
INCOME_FIRST = {"kind": 8, "provider": 16, "stipend": 32}  # the income figures, among the earning rows
BREAKDOWN_COLUMN = {"kind": "kind", "provider": "provider_id", "stipend": "paid"}
FIRST_OF: dict[type[Model], dict[int, tuple[tuple[str, ...], str]]] = {
    OutcomeFacts: {
        **{bit: ((BREAKDOWN_COLUMN[by], "months", "working"), "") for by, bit in WORK_FIRST.items()},
        **{bit: ((BREAKDOWN_COLUMN[by], "currency", "months"), EARNING_ROWS) for by, bit in INCOME_FIRST.items()},
    },
    EnrolmentFacts: {1: (("kind", "paid", "left"), "")},  # outcomes.dropout
    AssessmentFacts: {1: (("since",), "")},  # outcomes.sustainability
}


def mark_firsts(case_ids: list[int] | None = None) -> None:
    """Sets the `firsts` bits of these cases' rows (all rows: None), rows whose bits are still 0 (as
    written). One UPDATE per bit, with a window over each case's rows of the group."""
    connection = connections[router.db_for_write(OutcomeFacts)]
    quote = connection.ops.quote_name
    for model, groups in FIRST_OF.items():
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        for bit, (columns, condition) in groups.items():
            where = [condition] if condition else []
            params: list[int] = []
            if case_ids is not None:
                where.append(f"case_id IN ({', '.join(['%s'] * len(case_ids))})")
                params = list(case_ids)
            # Only our own quoted table and column names and the bit go into the text; ids are parameters.
            partition = ", ".join(["case_id", *(quote(column) for column in columns)])
            within = f" WHERE {' AND '.join(where)}" if where else ""
            ranked = f"SELECT {pk}, ROW_NUMBER() OVER (PARTITION BY {partition} ORDER BY {pk}) AS r FROM {table}"  # noqa: S608
            first = f"SELECT {pk} FROM ({ranked}{within}) ranked WHERE r = 1"  # noqa: S608
            sql = f"UPDATE {table} SET firsts = firsts | {int(bit)} WHERE {pk} IN ({first})"  # noqa: S608
            with connection.cursor() as cursor:
                cursor.execute(sql, params)


def compute(case_ids: list[int]) -> list[list[Any]]:
    """The rows of every summary table for these cases, in the order of FACTS."""
    dims = _dimensions(case_ids)
    ids = sorted(dims)
    facts = _case_facts(ids, dims)
    return [
        facts,
        _debt_facts(facts),
        _outcome_facts(ids, dims),
        _enrolment_facts(ids, dims),
        _assessment_facts(ids, dims),
    ]


def case_column(model: type[Model]) -> str:
    return "pk" if model is CaseFacts else "case_id"


def refresh_cases(case_ids: Iterable[int]) -> None:
    """Works out again the facts of these cases (those deleted lose their rows)."""
    ids = sorted({int(pk) for pk in case_ids if pk is not None})
    with transaction.atomic():
        for start in range(0, len(ids), BATCH):  # (an option's edit may concern many cases)
            chunk = ids[start : start + BATCH]
            for model, rows in zip(FACTS, compute(chunk), strict=True):
                model._default_manager.filter(**{f"{case_column(model)}__in": chunk}).delete()
                model._default_manager.bulk_create(rows)
            mark_firsts(chunk)


def rebuild_all(*, batch: int = BATCH, progress: Callable[[int], None] | None = None) -> int:
    """Rebuilds every row from the records, in batches of cases (each a fixed handful of set-based
    queries). Returns the number of returned cases (rows of CaseFacts)."""
    done, last, returned = 0, 0, 0
    with transaction.atomic():
        for model in FACTS:
            model._default_manager.all().delete()
        while True:
            ids = list(Case.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            for model, rows in zip(FACTS, compute(ids), strict=True):
                model._default_manager.bulk_create(rows, batch_size=batch)
                returned += len(rows) if model is CaseFacts else 0
            done, last = done + len(ids), ids[-1]
            if progress:
                progress(done)
        mark_firsts()
    return returned


# --- Keeping them on write ------------------------------------------------------------------------------


def _one(value: int | None) -> list[int]:
    return [value] if value is not None else []


# For each record the facts depend on: the cases it belongs to.
CASES_OF: dict[type[Model], Callable[[Any], list[int]]] = {
    Case: lambda case: _one(case.pk),
    Returnee: lambda returnee: list(Case.objects.filter(returnee_id=returnee.pk).values_list("pk", flat=True)),
    ReturnJourney: lambda journey: _one(journey.case_id),
    HistoryEvent: lambda event: _one(event.case_id),
    PriorityRanking: lambda ranking: _one(ranking.case_id),
    Enrolment: lambda enrolment: _one(enrolment.case_id),
    StipendPayment: lambda row: list(Enrolment.objects.filter(pk=row.enrolment_id).values_list("case_id", flat=True)),
    Placement: lambda row: list(Enrolment.objects.filter(pk=row.enrolment_id).values_list("case_id", flat=True)),
    IncomeFollowUp: lambda row: list(Enrolment.objects.filter(pk=row.enrolment_id).values_list("case_id", flat=True)),
    Referral: lambda referral: _one(referral.case_id),
    Goal: lambda goal: (
        list(Goal.objects.filter(pk=goal.pk).values_list("plan__case_id", flat=True))
        or list(Case.objects.filter(plan__pk=goal.plan_id).values_list("pk", flat=True))
    ),
    Action: lambda action: list(Goal.objects.filter(pk=action.goal_id).values_list("plan__case_id", flat=True)),
    Assessment: lambda assessment: _one(assessment.case_id),
    # An option's kind, provider or pay: the cases enrolled on it.
    Opportunity: lambda option: list(
        Enrolment.objects.filter(opportunity_id=option.pk).values_list("case_id", flat=True).distinct()
    ),
}


# Cases whose facts wait for the end of a `deferred()` block; None when saves refresh at once.
_waiting: ContextVar[set[int] | None] = ContextVar("insights_facts_waiting", default=None)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Within the block, a save notes its cases instead of refreshing them; at its end each noted
    case is refreshed once. For a writer that saves a case's records many times in a row (the demo
    plays hundreds of stories through the services): the same rows, a fraction of the queries."""
    if _waiting.get() is not None:  # already deferred by an outer block
        yield
        return
    waiting: set[int] = set()
    token = _waiting.set(waiting)
    try:
        yield
    finally:
        _waiting.reset(token)
    refresh_cases(waiting)


def _refresh(case_ids: list[int]) -> None:
    waiting = _waiting.get()
    if waiting is None:
        refresh_cases(case_ids)
    else:
        waiting.update(case_ids)


def _saved(sender: type[Model], instance: Model, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # loading fixtures: rebuild after
        return
    _refresh(CASES_OF[sender](instance))


def _deleted(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    if sender is Case:
        for model in FACTS:
            model._default_manager.filter(**{case_column(model): instance.pk}).delete()
        return
    _refresh(CASES_OF[sender](instance))


def touched(case_ids: Iterable[int], **kwargs: Any) -> None:
    """Works out again the facts of cases whose records were written around save() (QuerySet.update(),
    raw SQL, a bulk insert): the services that do so fire cases/reactions.records_written."""
    _refresh(sorted({int(pk) for pk in case_ids if pk is not None}))


def connect() -> None:
    records_written.connect(touched)
    for model in CASES_OF:
        uid = f"insights-facts-{model._meta.label_lower}"
        post_save.connect(_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid)


# --- Reading them -----------------------------------------------------------------------------------------


def fact_category(name: str) -> Combinable:
    """The value of a categorical filter (insights/filters.py) as a summary row holds it."""
    if name == "agency":
        return F("agency__slug")
    columns = {"country": "country", "area": "area", "gender": "gender", "age": "age_group"}
    if name not in columns:
        raise ValueError(f"No filter named {name!r}.")
    return F(columns[name])
