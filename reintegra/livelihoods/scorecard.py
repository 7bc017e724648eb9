"""The programme scorecard: the four failures of livelihood programmes (../shared/PRODUCT.md, "What
programmes get wrong") measured as indicators, each with a documented threshold that turns it into a
flag, a plain-language explanation and a recommendation. Every indicator, its definition and the
reason for its threshold are written down in docs/scorecard.md; keep both in step.

Pure functions over querysets, no user and no access rule (the callers check who reads): a scope
(provider, area, period) in, figures out. Every figure is an aggregate computed in the database with
a bounded number of queries whatever the number of cases (grouped by provider or area for the
tables, never one query per row). No person is ever named: only counts, shares, an index, a median.

Small numbers: an indicator whose denominator counts fewer people than `settings.INSIGHTS_MIN_CELL`
is suppressed (no value, no flag) everywhere it is shown; in a table by provider or area, when
exactly one cell of a column is suppressed, the next smallest is suppressed too, so that it cannot be
computed back from the total (complementary suppression). Indicators of the catalogue (options,
seats) count no people and are never suppressed.

Period: each indicator counts the events of the period by their own date: enrolments by the day the
person started (`enrolled_on`), completions by the day they ended (`ended_on`), decisions by the day
the person decided (`decided_on`); the catalogue is the options offered to someone in the period
(recommended in it), or without a period every active option.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Coalesce, Least
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from reintegra.cases.choices import Gender
from reintegra.lib import clock, geo
from reintegra.lib.proportions import MISSING, percent
from reintegra.network.models import Agency

from .choices import EARNING_STATUSES, FOLLOW_UP_MONTHS, NO_PLACEMENT_ALERT_DAYS, EnrolmentStatus
from .models import Enrolment, LabourMarketDemand, Opportunity, OpportunityKind, StipendPayment

# --- Thresholds (each one explained in docs/scorecard.md) -------------------------------------------

# 1. Offer diversity and market orientation.
# Fewer distinct occupation groups (ISCO-08 sub-major) than this among the options: "a few trades".
MIN_OCCUPATION_GROUPS = 5
# "High local demand": the newest figure for the occupation group in the option's area (else its
# region) has a demand index from this value up (0–100) ...
HIGH_DEMAND_INDEX = Decimal(60)
# ... or at least this many open vacancies.
HIGH_DEMAND_VACANCIES = 50
# Under this share of seats in occupations with high local demand, the offer is not market-oriented.
MIN_HIGH_DEMAND_SEATS = 0.5
# A Duncan dissimilarity index of women's and men's enrolments across occupation groups above this:
# women and men are trained for different trades (0.4 is "moderate" segregation in the literature).
MAX_DUNCAN = 0.4
# The few trades traditionally given to women (sewing, cooking, hairdressing, cleaning, care), as
# ISCO-08 sub-major groups: 51 personal service workers (cooks, hairdressers), 53 personal care
# workers, 75 food processing, garment and craft trades (sewing), 91 cleaners and helpers, 94 food
# preparation assistants.
GENDERED_TRADES = ("51", "53", "75", "91", "94")
# More than this share of women's enrolments in those trades: women are steered into them.
MAX_WOMEN_IN_GENDERED_TRADES = 0.5
# No option may be restricted to one gender (PRODUCT.md): a single one is flagged.
MAX_GENDER_RESTRICTED = 0

# 2. Training as a step to work.
# The options that are trainings (failures 2 and 3 are about them).
TRAINING_KINDS = (OpportunityKind.VOCATIONAL_TRAINING, OpportunityKind.PAID_TRAINING, OpportunityKind.EDUCATION)
# Under this share of completers in paid work or a running business 3 and 6 months after: training
# is not leading to work.
MIN_WORKING_AT_3_MONTHS = 0.5
MIN_WORKING_AT_6_MONTHS = 0.5
# Days after completion at which "3 months" and "6 months" are due.
FOLLOW_UP_DAYS = {3: 91, 6: 182}
# Under this share of trainings with a placement partner (an employer of the network on the option).
MIN_TRAININGS_WITH_PARTNER = 0.5
# Completers still without work this many days after completion (the placement alert's delay) ...
NO_WORK_DAYS = NO_PLACEMENT_ALERT_DAYS
# ... above this share of completers: placement is not organised.
MAX_WITHOUT_WORK = 0.3

# 3. Income while training.
# A training longer than this without a stipend (or a wage) is flagged: one is too many.
LONG_TRAINING_WEEKS = 4
MAX_LONG_UNPAID = 0
# More than this share of people who started an option leaving it before the end.
MAX_DROPOUT = 0.2
# A median wait from enrolment to first income (a stipend payment or the start of work) above this.
MAX_DAYS_TO_INCOME = 30

# 4. Individual fit.
# Under this share of enrolments preceded by a skills and aspirations assessment.
MIN_ASSESSED_FIRST = 0.9
# Under this share of enrolments in one of the person's three most wanted occupation groups.
MIN_IN_TOP_ASPIRATIONS = 0.5
# More than this share of decisions on offers that are declines.
MAX_DECLINED = 0.3

WOMEN = (Gender.FEMININE, Gender.TRANSGENDER_FEMININE)
MEN = (Gender.MASCULINE, Gender.TRANSGENDER_MASCULINE)
STARTED = (EnrolmentStatus.ENROLLED, EnrolmentStatus.DROPPED_OUT, EnrolmentStatus.COMPLETED, EnrolmentStatus.PLACED)
ENDED = (EnrolmentStatus.DROPPED_OUT, EnrolmentStatus.COMPLETED, EnrolmentStatus.PLACED)
COMPLETED = (EnrolmentStatus.COMPLETED, EnrolmentStatus.PLACED)
DECIDED = (EnrolmentStatus.DECLINED, EnrolmentStatus.ACCEPTED, *STARTED)

# The dimensions of the tables: the field of an enrolment and of an option that holds it.
DIMENSIONS = {"provider": ("opportunity__provider_id", "provider_id"), "area": ("opportunity__area", "area")}

# The units of an indicator's value, and the side of its threshold that is a flag.
SHARE, INDEX, COUNT, DAYS, GROUPS = "share", "index", "count", "days", "groups"
AT_MOST, AT_LEAST = "max", "min"


class ScopeError(ValueError):
    """A scope argument that names nothing: `argument` is the name of the field or option."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument


@dataclass(frozen=True)
class Scope:
    provider: Agency | None = None
    area: str = ""  # an ISO 3166-2 code, or a country's code
    since: datetime.date | None = None
    until: datetime.date | None = None

    @property
    def has_period(self) -> bool:
        return self.since is not None or self.until is not None


def scope_from(
    *,
    provider: str = "",
    area: str = "",
    since: str | datetime.date | None = None,
    until: str | datetime.date | None = None,
) -> Scope:
    """A scope from what a person typed (a provider's short name, an area code, ISO dates);
    `ScopeError` names the argument that is wrong."""
    agency = None
    if provider:
        agency = Agency.objects.filter(slug=provider.strip().lower()).first()
        if agency is None:
            raise ScopeError("provider", str(_("No provider has the short name “%(slug)s”.") % {"slug": provider}))
    code = area.strip().upper()
    if code and geo.area_get(code) is None and not (len(code) == 2 and geo.is_country(code)):
        raise ScopeError("area", str(_("“%(code)s” is not an ISO 3166-2 area or a country code.") % {"code": code}))
    start, end = _day("since", since), _day("until", until)
    if start and end and end < start:
        raise ScopeError("until", str(_("The end of the period comes before its start.")))
    return Scope(provider=agency, area=code, since=start, until=end)


def _day(argument: str, value: str | datetime.date | None) -> datetime.date | None:
    """A day of the scope's period, as given or typed (ISO, blank for none)."""
    if not isinstance(value, str):
        return value
    try:
        return datetime.date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        raise ScopeError(argument, str(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value})) from None


# --- Indicators ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """What an indicator is: its failure group, name, unit, threshold and the words around it."""

    key: str
    group: int
    label: Promise
    unit: str
    threshold: float
    direction: str  # AT_MOST: a value above the threshold is a flag; AT_LEAST: below it
    counts_people: bool
    problem: Promise  # the explanation when flagged; %(value)s and %(threshold)s
    fine: Promise  # the explanation when not flagged
    recommendation: Promise


@dataclass
class Indicator:
    key: str
    group: int
    label: str
    value: float | None  # None: suppressed, or nothing to measure
    unit: str
    threshold: float
    direction: str
    flag: bool | None  # None: suppressed, or nothing to measure
    explanation: str
    recommendation: str
    denominator: int  # what the value is measured over (people's enrolments, options, seats)
    people: int | None = None  # the distinct people behind the denominator (None: no people counted)
    suppressed: bool = False

    @property
    def shown(self) -> str:
        """The value in words and numbers, as pages and files show it."""
        return shown_value(self.value, self.unit, suppressed=self.suppressed)

    @property
    def threshold_shown(self) -> str:
        return shown_value(self.threshold, self.unit)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "failure": self.group,
            "label": self.label,
            "value": None if self.suppressed or self.value is None else round(self.value, 4),
            "unit": self.unit,
            "threshold": self.threshold,
            "direction": self.direction,
            "flag": self.flag,
            "suppressed": self.suppressed,
            "explanation": self.explanation,
            "recommendation": self.recommendation,
            "denominator": None if self.suppressed else self.denominator,
        }


def shown_value(value: float | None, unit: str, *, suppressed: bool = False) -> str:
    if suppressed:
        return gettext("too few people to show")
    if value is None:
        return MISSING
    if unit == SHARE:
        return percent(value)
    if unit == INDEX:
        return f"{value:.2f}"
    if unit == DAYS:
        days = round(value)
        return ngettext("%(n)s day", "%(n)s days", days) % {"n": days}
    return str(round(value))


FAILURES = {
    1: _("Few, gender-stereotyped trades, not what the local market needs"),
    2: _("Training as a goal instead of a step to work"),
    3: _("No income while training"),
    4: _("Not fitted to each person's aptitudes and ambitions"),
}

SPECS = {
    s.key: s
    for s in (
        Spec(
            "occupation_groups",
            1,
            _("Occupation groups offered"),
            GROUPS,
            MIN_OCCUPATION_GROUPS,
            AT_LEAST,
            False,
            _("The options cover only %(value)s occupation groups (at least %(threshold)s expected): a few trades."),
            _("The options cover %(value)s occupation groups."),
            _("Add options in other occupation groups, chosen from the local labour-market figures."),
        ),
        Spec(
            "seats_high_demand",
            1,
            _("Seats in occupations with high local demand"),
            SHARE,
            MIN_HIGH_DEMAND_SEATS,
            AT_LEAST,
            False,
            _(
                "Only %(value)s of the seats lead to occupations in high local demand "
                "(at least %(threshold)s expected)."
            ),
            _("%(value)s of the seats lead to occupations in high local demand."),
            _("Move seats towards the occupations with many vacancies in the area; check the labour-market figures."),
        ),
        Spec(
            "gender_segregation",
            1,
            _("Gender segregation of enrolments (Duncan index)"),
            INDEX,
            MAX_DUNCAN,
            AT_MOST,
            True,
            _(
                "Women and men are trained for different trades: the index is %(value)s "
                "(at most %(threshold)s expected)."
            ),
            _("Women and men enrol in much the same trades: the index is %(value)s."),
            _("Offer every trade to women and men alike, and show people trades outside the usual ones."),
        ),
        Spec(
            "women_in_gendered_trades",
            1,
            _("Women's enrolments in traditionally gendered trades"),
            SHARE,
            MAX_WOMEN_IN_GENDERED_TRADES,
            AT_MOST,
            True,
            _(
                "%(value)s of women's enrolments are in sewing, cooking, hairdressing, cleaning or care "
                "(at most %(threshold)s expected)."
            ),
            _("%(value)s of women's enrolments are in sewing, cooking, hairdressing, cleaning or care."),
            _("Give women the choice of better-paid trades in demand, with a stipend and childcare if needed."),
        ),
        Spec(
            "gender_restricted_options",
            1,
            _("Options restricted to one gender"),
            COUNT,
            MAX_GENDER_RESTRICTED,
            AT_MOST,
            False,
            _("Options open to one gender only: %(value)s."),
            _("Every option is open to every gender."),
            _("Open these options to everyone, or record why the restriction cannot be lifted."),
        ),
        Spec(
            "working_at_3_months",
            2,
            _("Completers in paid work or a business at 3 months"),
            SHARE,
            MIN_WORKING_AT_3_MONTHS,
            AT_LEAST,
            True,
            _("Only %(value)s of the people who completed a training work or run a business 3 months later."),
            _("%(value)s of the people who completed a training work or run a business 3 months later."),
            _("Arrange the job or business before the training ends, and do the income follow-ups."),
        ),
        Spec(
            "working_at_6_months",
            2,
            _("Completers in paid work or a business at 6 months"),
            SHARE,
            MIN_WORKING_AT_6_MONTHS,
            AT_LEAST,
            True,
            _("Only %(value)s of the people who completed a training work or run a business 6 months later."),
            _("%(value)s of the people who completed a training work or run a business 6 months later."),
            _("Support people after placement (mentoring, business advice) so that the work lasts."),
        ),
        Spec(
            "trainings_with_partner",
            2,
            _("Trainings with a placement partner"),
            SHARE,
            MIN_TRAININGS_WITH_PARTNER,
            AT_LEAST,
            False,
            _("Only %(value)s of the trainings have an employer committed to placing people."),
            _("%(value)s of the trainings have an employer committed to placing people."),
            _("Sign up employers of the network as placement partners of each training."),
        ),
        Spec(
            "without_work_after_30_days",
            2,
            _("Completers still without work after 30 days"),
            SHARE,
            MAX_WITHOUT_WORK,
            AT_MOST,
            True,
            _("%(value)s of the people who completed a training had no work 30 days later."),
            _("%(value)s of the people who completed a training had no work 30 days later."),
            _("Follow up each completer within a month and refer them to employers or business support."),
        ),
        Spec(
            "long_unpaid_trainings",
            3,
            _("Trainings longer than four weeks without a stipend"),
            COUNT,
            MAX_LONG_UNPAID,
            AT_MOST,
            False,
            _("Trainings longer than four weeks with no stipend or wage: %(value)s."),
            _("Every training longer than four weeks pays a stipend or a wage."),
            _("Pay a stipend in long trainings, or shorten them: people must support a family."),
        ),
        Spec(
            "dropout_without_stipend",
            3,
            _("Drop-out without a stipend"),
            SHARE,
            MAX_DROPOUT,
            AT_MOST,
            True,
            _("%(value)s of the people on options without a stipend or wage left before the end."),
            _("%(value)s of the people on options without a stipend or wage left before the end."),
            _("Add a stipend to these options; ask those who left why, and whether income was the reason."),
        ),
        Spec(
            "dropout_with_stipend",
            3,
            _("Drop-out with a stipend"),
            SHARE,
            MAX_DROPOUT,
            AT_MOST,
            True,
            _("%(value)s of the people on options with a stipend or wage left before the end."),
            _("%(value)s of the people on options with a stipend or wage left before the end."),
            _("Ask those who left why: the option may not fit them, or the stipend may be too low or late."),
        ),
        Spec(
            "days_to_first_income",
            3,
            _("Median days from enrolment to first income"),
            DAYS,
            MAX_DAYS_TO_INCOME,
            AT_MOST,
            True,
            _("Half the people waited more than %(value)s for their first income (at most %(threshold)s expected)."),
            _("Half the people had their first income within %(value)s."),
            _("Pay the first stipend in the first weeks, or start with paid work."),
        ),
        Spec(
            "assessed_first",
            4,
            _("Enrolments preceded by a skills and aspirations assessment"),
            SHARE,
            MIN_ASSESSED_FIRST,
            AT_LEAST,
            True,
            _("Only %(value)s of the enrolments came after an assessment of the person's skills and aspirations."),
            _("%(value)s of the enrolments came after an assessment of the person's skills and aspirations."),
            _("Assess each person's skills, aptitudes and aspirations before offering an option."),
        ),
        Spec(
            "in_top_aspirations",
            4,
            _("Enrolments in one of the person's top-3 aspirations"),
            SHARE,
            MIN_IN_TOP_ASPIRATIONS,
            AT_LEAST,
            True,
            _("Only %(value)s of the enrolments are in an occupation among the person's three most wanted."),
            _("%(value)s of the enrolments are in an occupation among the person's three most wanted."),
            _("Offer options in the occupations people ask for; add them to the catalogue where missing."),
        ),
        Spec(
            "declined_offers",
            4,
            _("Offers declined"),
            SHARE,
            MAX_DECLINED,
            AT_MOST,
            True,
            _(
                "%(value)s of the answers to offers were declines. The reasons are recorded in each person's "
                "words on their case, not shown here."
            ),
            _("%(value)s of the answers to offers were declines."),
            _("Read the reasons for declining with the caseworkers, and change the offer where they repeat."),
        ),
    )
}


def _indicator(key: str, value: float | None, denominator: int, people: int | None = None) -> Indicator:
    """An indicator from its value: flagged against its threshold, suppressed below k people."""
    spec = SPECS[key]
    suppressed = people is not None and 0 < people < settings.INSIGHTS_MIN_CELL
    if suppressed or value is None:
        flag = None
        explanation = (
            gettext("Too few people to show: fewer than %(k)s.") % {"k": settings.INSIGHTS_MIN_CELL}
            if suppressed
            else gettext("Nothing to measure yet in this scope.")
        )
        value = None
    else:
        flag = value > spec.threshold if spec.direction == AT_MOST else value < spec.threshold
        words = {"value": shown_value(value, spec.unit), "threshold": shown_value(spec.threshold, spec.unit)}
        explanation = str(spec.problem if flag else spec.fine) % words
    return Indicator(
        key=key,
        group=spec.group,
        label=str(spec.label),
        value=value,
        unit=spec.unit,
        threshold=spec.threshold,
        direction=spec.direction,
        flag=flag,
        explanation=explanation,
        recommendation=str(spec.recommendation),
        denominator=denominator,
        people=people,
        suppressed=suppressed,
    )


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- Querysets of a scope --------------------------------------------------------------------------


def _area_q(code: str, prefix: str) -> Q:
    """The options in an area: the area itself, every area below it, or every area of a country."""
    if not code:
        return Q()
    if "-" not in code:
        return Q(**{f"{prefix}area": code}) | Q(**{f"{prefix}area__startswith": f"{code}-"})
    within = [a.code for a in geo.all_areas(code.split("-")[0]) if code in geo.area_ancestors(a.code)]
    return Q(**{f"{prefix}area__in": within or [code]})


def _option_q(scope: Scope, prefix: str = "") -> Q:
    q = _area_q(scope.area, prefix)
    if scope.provider is not None:
        q &= Q(**{f"{prefix}provider": scope.provider})
    return q


def _in_period(scope: Scope, date_field: str) -> Q:
    q = Q()
    if scope.since:
        q &= Q(**{f"{date_field}__gte": scope.since})
    if scope.until:
        q &= Q(**{f"{date_field}__lte": scope.until})
    return q


def enrolments_in(scope: Scope, date_field: str) -> QuerySet[Enrolment]:
    """The enrolments on the scope's options whose `date_field` falls in its period."""
    return Enrolment.objects.filter(_option_q(scope, "opportunity__"), _in_period(scope, date_field))


def options_in(scope: Scope) -> QuerySet[Opportunity]:
    """The catalogue of the scope: options offered to someone in the period, else every active option."""
    options = Opportunity.objects.filter(_option_q(scope))
    if scope.has_period:
        offered = enrolments_in(scope, "recommended_on").filter(opportunity=OuterRef("pk"))
        return options.filter(Exists(offered))
    return options.filter(active=True)


Grouped = dict[Any, dict[str, Any]]


def _grouped(queryset: QuerySet[Any], by: str | None, **aggregates: Any) -> Grouped:
    """Aggregates over the whole queryset ({None: …}), or per value of the field `by`, in one query."""
    if by is None:
        return {None: queryset.aggregate(**aggregates)}
    return {row.pop(by): row for row in queryset.order_by().values(by).annotate(**aggregates)}


def _people(among: Q | None = None) -> Count:
    """The distinct people (returnees) behind the enrolments, or behind those matching `among`."""
    return Count("case__returnee", distinct=True, filter=among)


# --- The figures -----------------------------------------------------------------------------------


def _catalogue(scope: Scope, by: str | None) -> dict[Any, list[Indicator]]:
    """Options and seats: diversity, market orientation, restrictions, partners, long unpaid trainings.
    The catalogue is small beside the cases (one row per option), so it is read once and counted here."""
    partners = Opportunity.placement_partners.through.objects.filter(opportunity_id=OuterRef("pk"))
    rows = list(
        options_in(scope)
        .annotate(has_partner=Exists(partners))
        .values(
            "pk", "provider_id", "area", "isco", "kind", "seats", "stipend_monthly", "wage_monthly",
            "duration_weeks", "gender_restriction", "has_partner",
        )
    )  # fmt: skip
    high = _high_demand(rows)
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[None if by is None else row[by]].append(row)
    if by is None and not groups:
        groups[None] = []
    result = {}
    for key, options in groups.items():
        trainings = [o for o in options if o.get("kind") in TRAINING_KINDS]
        long_trainings = [t for t in trainings if (t["duration_weeks"] or 0) > LONG_TRAINING_WEEKS]
        seated = [o for o in options if o["seats"]]
        seats = sum(o["seats"] for o in seated)
        result[key] = [
            _indicator("occupation_groups", len({o["isco"] for o in options}) if options else None, len(options)),
            _indicator(
                "seats_high_demand",
                _share(sum(o["seats"] for o in seated if o["pk"] in high), seats),
                seats,
            ),
            _indicator(
                "gender_restricted_options",
                sum(1 for o in options if o["gender_restriction"]) if options else None,
                len(options),
            ),
            _indicator(
                "trainings_with_partner",
                _share(sum(1 for t in trainings if t["has_partner"]), len(trainings)),
                len(trainings),
            ),
            _indicator(
                "long_unpaid_trainings",
                sum(1 for t in long_trainings if not _pays(t)) if trainings else None,
                len(long_trainings),
            ),
        ]
    return result


def _pays(option: dict[str, Any]) -> bool:
    return bool(option["stipend_monthly"]) or bool(option["wage_monthly"])


def _high_demand(options: list[dict[str, Any]]) -> set[int]:
    """The options whose occupation group is in high demand in their area (else in its region), by
    the newest figure: two queries whatever the number of options."""
    chains = {o["pk"]: geo.area_ancestors(o["area"]) or [o["area"]] for o in options}
    codes = {c for chain in chains.values() for c in chain}
    newest: dict[tuple[str, str], tuple[Decimal | None, int | None]] = {}
    figures = LabourMarketDemand.objects.filter(area__in=codes, isco__in={o["isco"] for o in options})
    for area, group, index, vacancies in figures.order_by("as_of").values_list(
        "area", "isco", "demand_index", "vacancies"
    ):
        newest[(area, group)] = (index, vacancies)
    high = set()
    for option in options:
        found = next((newest[(c, option["isco"])] for c in chains[option["pk"]] if (c, option["isco"]) in newest), None)
        if found is not None and (
            (found[0] is not None and found[0] >= HIGH_DEMAND_INDEX)
            or (found[1] is not None and found[1] >= HIGH_DEMAND_VACANCIES)
        ):
            high.add(option["pk"])
    return high


def _paid_q() -> Q:
    return Q(opportunity__stipend_monthly__gt=0) | Q(opportunity__wage_monthly__gt=0)


def _wish(rank: int) -> KeyTextTransform:
    """The occupation group of the person's wish at `rank` (0 is the most wanted), read in the database."""
    return KeyTextTransform("isco", KeyTransform(rank, "case__skills_profile__aspirations"))


def _top_aspiration_q() -> Q:
    return Q(asp1=F("opportunity__isco")) | Q(asp2=F("opportunity__isco")) | Q(asp3=F("opportunity__isco"))


def _enrolments(scope: Scope, by: str | None) -> dict[Any, list[Indicator]]:
    """The people who started an option in the period: segregation, drop-out, assessment, fit."""
    started = (
        enrolments_in(scope, "enrolled_on")
        .filter(status__in=STARTED, enrolled_on__isnull=False)
        .annotate(
            asp1=_wish(0),
            asp2=_wish(1),
            asp3=_wish(2),
        )
    )
    women = Q(case__returnee__gender__in=WOMEN)
    unpaid_ended = Q(status__in=ENDED) & ~_paid_q()
    paid_ended = Q(status__in=ENDED) & _paid_q()
    totals = _grouped(
        started,
        by,
        n=Count("pk"),
        people=_people(),
        women=Count("pk", filter=women),
        women_people=_people(women),
        men_people=_people(Q(case__returnee__gender__in=MEN)),
        women_gendered=Count("pk", filter=women & Q(opportunity__isco__in=GENDERED_TRADES)),
        assessed=Count("pk", filter=Q(case__skills_profile__assessed_on__lte=F("enrolled_on"))),
        top3=Count("pk", filter=_top_aspiration_q()),
        unpaid_ended=Count("pk", filter=unpaid_ended),
        unpaid_people=_people(unpaid_ended),
        unpaid_dropped=Count("pk", filter=unpaid_ended & Q(status=EnrolmentStatus.DROPPED_OUT)),
        paid_ended=Count("pk", filter=paid_ended),
        paid_people=_people(paid_ended),
        paid_dropped=Count("pk", filter=paid_ended & Q(status=EnrolmentStatus.DROPPED_OUT)),
    )
    cells = started.filter(case__returnee__gender__in=WOMEN + MEN)
    by_group = [by] if by else []
    counts: dict[Any, dict[tuple[str, bool], int]] = defaultdict(dict)
    for row in (
        cells.order_by().values(*by_group, "opportunity__isco", "case__returnee__gender").annotate(n=Count("pk"))
    ):
        key = row[by] if by else None
        cell = (row["opportunity__isco"], row["case__returnee__gender"] in WOMEN)
        counts[key][cell] = counts[key].get(cell, 0) + row["n"]
    waits = _median_wait(started, by)
    result = {}
    for key, t in totals.items():
        both = min(t["women_people"], t["men_people"])
        result[key] = [
            _indicator("gender_segregation", duncan(counts.get(key, {})), t["n"], both if both else None),
            _indicator(
                "women_in_gendered_trades", _share(t["women_gendered"], t["women"]), t["women"], t["women_people"]
            ),
            _indicator(
                "dropout_without_stipend",
                _share(t["unpaid_dropped"], t["unpaid_ended"]),
                t["unpaid_ended"],
                t["unpaid_people"],
            ),
            _indicator(
                "dropout_with_stipend", _share(t["paid_dropped"], t["paid_ended"]), t["paid_ended"], t["paid_people"]
            ),
            waits.get(key) or _indicator("days_to_first_income", None, 0, 0),
            _indicator("assessed_first", _share(t["assessed"], t["n"]), t["n"], t["people"]),
            _indicator("in_top_aspirations", _share(t["top3"], t["n"]), t["n"], t["people"]),
        ]
    return result


def duncan(cells: dict[tuple[str, bool], int]) -> float | None:
    """The Duncan dissimilarity index of women's and men's enrolments across occupation groups:
    half the sum over groups of |women in it / all women − men in it / all men|; None without
    women or without men. `cells` maps (occupation group, is a woman) to enrolments."""
    women = sum(n for (_isco, woman), n in cells.items() if woman)
    men = sum(n for (_isco, woman), n in cells.items() if not woman)
    if not women or not men:
        return None
    groups = {isco for isco, _woman in cells}
    return sum(abs(cells.get((g, True), 0) / women - cells.get((g, False), 0) / men) for g in groups) / 2


def _median_wait(started: QuerySet[Any], by: str | None) -> dict[Any, Indicator]:
    """Median days from enrolment to first income: the first stipend payment or the start of the
    placement, whichever came first. From a histogram of waits in days (one row per provider or area
    and distinct wait), so the database returns a bounded number of rows, never one per person."""
    first_paid = StipendPayment.objects.filter(enrolment=OuterRef("pk")).order_by("paid_on").values("paid_on")[:1]
    # The first payment is read once per row: a missing date stands as the last day of the calendar
    # in LEAST, and the filter keeps only people with a payment or a placement, so it is never chosen.
    never = Value(datetime.date.max, output_field=DateField())
    with_income = (
        started.filter(Q(placement__isnull=False) | Exists(StipendPayment.objects.filter(enrolment=OuterRef("pk"))))
        .annotate(
            first_income=Least(
                Coalesce(Subquery(first_paid, output_field=DateField()), never),
                Coalesce("placement__started_on", never),
                output_field=DateField(),
            )
        )
        .annotate(wait=ExpressionWrapper(F("first_income") - F("enrolled_on"), output_field=DurationField()))
    )
    people = _grouped(with_income, by, people=_people())
    by_group = [by] if by else []
    histograms: dict[Any, dict[int, int]] = defaultdict(dict)
    for row in with_income.order_by().values(*by_group, "wait").annotate(n=Count("pk")):
        days = max(_days(row["wait"]), 0)
        histogram = histograms[row[by] if by else None]
        histogram[days] = histogram.get(days, 0) + row["n"]
    return {
        key: _indicator(
            "days_to_first_income",
            median(histograms.get(key, {})),
            sum(histograms.get(key, {}).values()),
            people[key]["people"] if key in people else 0,
        )
        for key in set(people) | set(histograms)
    }


def _days(wait: Any) -> int:
    if isinstance(wait, datetime.timedelta):
        return wait.days
    return int(wait) // 86_400_000_000 if wait is not None else 0  # microseconds on databases without intervals


def median(histogram: dict[int, int]) -> float | None:
    """The median of values given as {value: how many times}; the mean of the two middle ones when
    their number is even."""
    total = sum(histogram.values())
    if not total:
        return None
    middle = [(total - 1) // 2, total // 2]
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        while middle and middle[0] < seen:
            found.append(value)
            middle.pop(0)
    return sum(found) / len(found)


def _completers(scope: Scope, by: str | None, today: datetime.date) -> dict[Any, list[Indicator]]:
    """People who completed a training in the period: in work at 3 and 6 months; without work after 30 days."""
    completed = enrolments_in(scope, "ended_on").filter(
        status__in=COMPLETED, ended_on__isnull=False, opportunity__kind__in=TRAINING_KINDS
    )
    # Each done follow-up point joined once (one row at most: a follow-up is unique per enrolment and
    # point), so that every count below reads columns, not a subquery per row and per count.
    annotated = completed.annotate(
        placed_after=ExpressionWrapper(F("placement__started_on") - F("ended_on"), output_field=DurationField()),
        **{
            f"fu{m}": FilteredRelation(
                "follow_ups", condition=Q(follow_ups__months=m, follow_ups__done_on__isnull=False)
            )
            for m in FOLLOW_UP_MONTHS
        },
    )

    def working_at(months: int) -> Q:
        # A done follow-up at the point says; without one, a placement started by then counts.
        limit = datetime.timedelta(days=FOLLOW_UP_DAYS[months])
        return Q(**{f"fu{months}__employment__in": EARNING_STATUSES}) | Q(
            **{f"fu{months}__id__isnull": True, "placed_after__lte": limit}
        )

    working_ever = Q()
    for m in FOLLOW_UP_MONTHS:
        working_ever |= Q(**{f"fu{m}__employment__in": EARNING_STATUSES})
    due = {m: Q(ended_on__lte=today - datetime.timedelta(days=FOLLOW_UP_DAYS[m])) for m in (3, 6)}
    past_alert = Q(ended_on__lte=today - datetime.timedelta(days=NO_WORK_DAYS))
    without_work = Q(status=EnrolmentStatus.COMPLETED, placement__isnull=True) & ~working_ever
    totals = _grouped(
        annotated,
        by,
        due3=Count("pk", filter=due[3]),
        people3=_people(due[3]),
        working3_n=Count("pk", filter=due[3] & working_at(3)),
        due6=Count("pk", filter=due[6]),
        people6=_people(due[6]),
        working6_n=Count("pk", filter=due[6] & working_at(6)),
        past=Count("pk", filter=past_alert),
        past_people=_people(past_alert),
        idle=Count("pk", filter=past_alert & without_work),
    )
    return {
        key: [
            _indicator("working_at_3_months", _share(t["working3_n"], t["due3"]), t["due3"], t["people3"]),
            _indicator("working_at_6_months", _share(t["working6_n"], t["due6"]), t["due6"], t["people6"]),
            _indicator("without_work_after_30_days", _share(t["idle"], t["past"]), t["past"], t["past_people"]),
        ]
        for key, t in totals.items()
    }


def _decisions(scope: Scope, by: str | None) -> dict[Any, list[Indicator]]:
    """Answers to offers given in the period: the share declined."""
    decided = enrolments_in(scope, "decided_on").filter(status__in=DECIDED, decided_on__isnull=False)
    totals = _grouped(
        decided, by, n=Count("pk"), people=_people(), declined=Count("pk", filter=Q(status=EnrolmentStatus.DECLINED))
    )
    return {
        key: [_indicator("declined_offers", _share(t["declined"], t["n"]), t["n"], t["people"])]
        for key, t in totals.items()
    }


ORDER = list(SPECS)


def _compute(scope: Scope, dimension: str | None, today: datetime.date) -> dict[Any, list[Indicator]]:
    enrolment_field, option_field = DIMENSIONS[dimension] if dimension else (None, None)
    parts: list[dict[Any, list[Indicator]]] = [
        _catalogue(scope, option_field),
        _enrolments(scope, enrolment_field),
        _completers(scope, enrolment_field, today),
        _decisions(scope, enrolment_field),
    ]
    keys = {k for part in parts for k in part} if dimension else {None}
    result = {}
    for key in keys:
        found = {i.key: i for part in parts for i in part.get(key, [])}
        result[key] = [found.get(k) or _indicator(k, None, 0, 0 if SPECS[k].counts_people else None) for k in ORDER]
    return result


# --- What callers use ------------------------------------------------------------------------------


class _Flagged:
    indicators: list[Indicator]

    @property
    def flags(self) -> int:
        """How many of the indicators are flagged."""
        return sum(1 for i in self.indicators if i.flag)


@dataclass
class Failure(_Flagged):
    number: int
    title: str
    indicators: list[Indicator]


@dataclass
class Row(_Flagged):
    """One provider's or one area's indicators, in the order of `SPECS`."""

    key: str  # the provider's short name or the area's code
    name: str
    indicators: list[Indicator]


@dataclass
class Scorecard(_Flagged):
    scope: Scope
    indicators: list[Indicator]
    providers: list[Row] = field(default_factory=list)
    areas: list[Row] = field(default_factory=list)

    @property
    def failures(self) -> list[Failure]:
        return [Failure(n, str(title), [i for i in self.indicators if i.group == n]) for n, title in FAILURES.items()]


def _suppress_complements(total: list[Indicator], rows: list[Row]) -> None:
    """Complementary suppression in a table: where exactly one row's cell of a column is suppressed
    and the total is shown, the shown cell with the fewest people is suppressed too, so that the first
    cannot be computed back as the total less the others."""
    for column, overall in enumerate(total):
        if overall.suppressed or overall.people is None:
            continue
        cells = [row.indicators[column] for row in rows]
        if sum(1 for c in cells if c.suppressed) != 1:
            continue
        shown = [c for c in cells if not c.suppressed and c.people]
        if shown:
            smallest = min(shown, key=lambda c: (c.people or 0, c.denominator))
            _suppress(smallest)


def _suppress(indicator: Indicator) -> None:
    indicator.suppressed, indicator.value, indicator.flag = True, None, None
    indicator.explanation = gettext("Hidden so that a smaller figure cannot be computed back from the total.")


def scorecard(
    scope: Scope, *, today: datetime.date | None = None, by: Iterable[str] = ("provider", "area")
) -> Scorecard:
    """The scorecard of a scope, with a row per provider and per area (`by`), in a bounded number of
    queries (about ten per table)."""
    day = today or clock.today()
    total = _compute(scope, None, day)[None]
    card = Scorecard(scope=scope, indicators=total)
    dimensions = set(by)
    if "provider" in dimensions:
        per_provider = _compute(scope, "provider", day)
        agencies = Agency.objects.filter(pk__in=[k for k in per_provider if k is not None])
        card.providers = sorted(
            (Row(str(a.slug), a.display_name, per_provider[a.pk]) for a in agencies), key=lambda r: r.name.lower()
        )
        _suppress_complements(total, card.providers)
    if "area" in dimensions:
        per_area = _compute(scope, "area", day)
        card.areas = sorted(
            (Row(code, geo.area_name(code), indicators) for code, indicators in per_area.items() if code),
            key=lambda r: r.key,
        )
        _suppress_complements(total, card.areas)
    return card


# --- Files -----------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "scope", "scope_name", "failure", "indicator", "label", "value", "unit", "threshold", "direction", "flag",
    "suppressed", "denominator", "explanation", "recommendation",
)  # fmt: skip


def csv_rows(card: Scorecard) -> Iterable[list[Any]]:
    """One row per indicator of the total ("all"), then of each provider and each area."""

    def cell(value: Any) -> Any:
        return "" if value is None else ("yes" if value is True else "no" if value is False else value)

    scopes: list[tuple[str, str, list[Indicator]]] = [("all", "", card.indicators)]
    scopes += [(f"provider:{r.key}", r.name, r.indicators) for r in card.providers]
    scopes += [(f"area:{r.key}", r.name, r.indicators) for r in card.areas]
    for scope, name, indicators in scopes:
        for i in indicators:
            d = i.as_dict()
            yield [scope, name, *(cell(d[c]) for c in ("failure", "key", "label", "value", "unit", "threshold"))] + [
                cell(d[c]) for c in ("direction", "flag", "suppressed", "denominator", "explanation", "recommendation")
            ]


def as_json(card: Scorecard) -> dict[str, Any]:
    scope = card.scope
    rows: Callable[[list[Row]], list[dict[str, Any]]] = lambda rs: [  # noqa: E731
        {"key": r.key, "name": r.name, "indicators": [i.as_dict() for i in r.indicators]} for r in rs
    ]
    return {
        "scope": {
            "provider": scope.provider.slug if scope.provider else None,
            "area": scope.area or None,
            "since": scope.since.isoformat() if scope.since else None,
            "until": scope.until.isoformat() if scope.until else None,
        },
        "min_cell": settings.INSIGHTS_MIN_CELL,
        "failures": [
            {"number": f.number, "title": f.title, "indicators": [i.as_dict() for i in f.indicators]}
            for f in card.failures
        ],
        "providers": rows(card.providers),
        "areas": rows(card.areas),
    }
