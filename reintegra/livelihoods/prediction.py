"""The thin adapter between the records and the pure prediction module (reintegra/matching/prediction.py).

It reads recorded outcomes (decent income six months after an option, or a drop-out), each option's
track record, the person's profile and local demand, and turns them into feature rows; then it picks
the prior or, from PREDICTION_MIN_OUTCOMES outcomes on, the trained model. Gender is never read here.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from reintegra.cases.models import Case
from reintegra.lib import clock, geo
from reintegra.matching import prediction as model

from .choices import EARNING_STATUSES, OPEN_ENROLMENT_STATUSES, SEAT_STATUSES, EnrolmentStatus
from .enrolments import eligibility_problems
from .models import Enrolment, IncomeFollowUp, LabourMarketDemand, Opportunity, SkillsProfile

FEATURE_LABELS = {
    "demand": _("Local demand for the occupation"),
    "skill_fit": _("Fit with their work experience"),
    "aspiration": _("Among their wishes"),
    "track_record": _("The option's past results"),
    "income_fit": _("Pays while an income is needed"),
}

# A monthly income counted as decent, per currency: about the minimum wage for a month's full-time
# work (Thailand 2026: about 350 baht a day; the Philippines outside Metro Manila: about 500 pesos).
DECENT_MONTHLY_INCOME = {"THB": Decimal(9000), "PHP": Decimal(12000)}


def is_decent(follow_up: IncomeFollowUp) -> bool:
    """Paid work or a viable business, earning at least the decent floor of its currency."""
    if follow_up.employment not in EARNING_STATUSES or follow_up.business_operating is False:
        return False
    floor = DECENT_MONTHLY_INCOME.get(follow_up.currency, Decimal(0))
    return follow_up.monthly_income is not None and follow_up.monthly_income >= max(floor, Decimal("0.01"))


def recorded_outcomes() -> list[tuple[int, int]]:
    """(enrolment id, 1 or 0): the six-month follow-up recorded, or a drop-out (a failure)."""
    outcomes = {
        f.enrolment_id: int(is_decent(f))
        for f in IncomeFollowUp.objects.filter(months=6, done_on__isnull=False).only(
            "enrolment_id", "employment", "business_operating", "monthly_income", "currency"
        )
    }
    for enrolment_id in Enrolment.objects.filter(status=EnrolmentStatus.DROPPED_OUT).values_list("pk", flat=True):
        outcomes.setdefault(enrolment_id, 0)
    return sorted(outcomes.items())


@dataclass
class TrackRecord:
    network_rate: float
    per_option: dict[int, tuple[int, int]] = field(default_factory=dict)  # option id → (successes, outcomes)

    def rate(self, option_id: int) -> float:
        successes, outcomes = self.per_option.get(option_id, (0, 0))
        return model.shrunk_rate(successes, outcomes, self.network_rate)


def track_record(outcomes: list[tuple[int, int]]) -> TrackRecord:
    option_of = dict(Enrolment.objects.filter(pk__in=[e for e, _ in outcomes]).values_list("pk", "opportunity_id"))
    per_option: dict[int, tuple[int, int]] = {}
    for enrolment_id, y in outcomes:
        s, n = per_option.get(option_of[enrolment_id], (0, 0))
        per_option[option_of[enrolment_id]] = (s + y, n + 1)
    total = len(outcomes)
    rate = (sum(y for _, y in outcomes) + model.SHRINKAGE * model.DEFAULT_RATE) / (total + model.SHRINKAGE)
    return TrackRecord(network_rate=rate, per_option=per_option)


class DemandLookup:
    """The newest figure per (area, group), looked up for an area or the region above it; one query."""

    def __init__(self) -> None:
        self.newest: dict[tuple[str, str], LabourMarketDemand] = {}
        for figure in LabourMarketDemand.objects.order_by("as_of"):
            self.newest[(figure.area, figure.isco)] = figure

    def score(self, areas: list[str], isco_group: str) -> tuple[float, LabourMarketDemand | None]:
        best: tuple[float, LabourMarketDemand | None] = (model.demand_score(None, None), None)
        for area in areas:
            for code in geo.area_ancestors(area) or [area]:
                figure = self.newest.get((code, isco_group))
                if figure is not None:
                    value = model.demand_score(
                        figure.vacancies, float(figure.demand_index) if figure.demand_index is not None else None
                    )
                    if best[1] is None or value > best[0]:
                        best = (value, figure)
                    break
        return best


def person_areas(case: Case, profile: SkillsProfile | None, option: Opportunity) -> list[str]:
    """Where the person can work: their own list, else their agency's areas, else the option's."""
    if profile is not None and profile.work_areas:
        return list(profile.work_areas)
    return [a.code for a in case.agency.areas.all()] or [option.area]


def _within(area: str, areas: list[str]) -> bool:
    return any(a in (geo.area_ancestors(area) or [area]) for a in areas)


def eligible(case: Case, profile: SkillsProfile | None, option: Opportunity, *, closed: set[int]) -> bool:
    """Whether the option may be put before this person: open, in their country, within the age range and
    the (justified) restriction, not closed to them (open already or declined), reachable and readable."""
    if option.provider.country != case.agency.country or option.pk in closed:
        return False
    if eligibility_problems(case, option, clock.today()):
        return False
    if profile is not None:
        if option.literacy_required and profile.literacy == "none":
            return False
        if profile.work_areas and not profile.can_travel and not _within(option.area, profile.work_areas):
            return False
    return True


@dataclass
class Predictor:
    method: str  # "prior" or "model"
    track: TrackRecord
    demand: DemandLookup
    outcomes: int
    trained: model.TrainedModel | None = None

    def features(self, case: Case, profile: SkillsProfile | None, option: Opportunity) -> list[float]:
        demand, _figure = self.demand.score(person_areas(case, profile, option), option.isco)
        pays = bool(option.stipend_monthly or option.wage_monthly)
        return [
            demand,
            model.skill_fit(profile.experience if profile else [], option.isco),
            model.aspiration_score(profile.aspiration_rank(option.isco) if profile else None),
            self.track.rate(option.pk),
            model.income_fit(bool(profile and profile.needs_income_now), pays),
        ]

    def predict(self, rows: list[list[float]]) -> np.ndarray:
        x = np.asarray(rows, dtype=np.float64).reshape(-1, len(model.FEATURES))
        if self.trained is not None:
            return self.trained.predict(x)
        return model.prior(x)


_CACHE: dict[str, Any] = {}


def predictor() -> Predictor:
    """The prior, or the trained model once PREDICTION_MIN_OUTCOMES outcomes are recorded. The trained
    model is kept until the outcomes change."""
    outcomes = recorded_outcomes()
    track = track_record(outcomes)
    demand = DemandLookup()
    minimum = getattr(settings, "PREDICTION_MIN_OUTCOMES", model.MIN_OUTCOMES)
    if len(outcomes) < minimum:
        return Predictor(method="prior", track=track, demand=demand, outcomes=len(outcomes))
    key = f"{len(outcomes)}:{hash(tuple(outcomes))}:{IncomeFollowUp.objects.aggregate(m=Max('pk'))['m']}"
    trained = _CACHE.get(key)
    if trained is None:
        trained = _train(outcomes, track, demand)
        _CACHE.clear()
        _CACHE[key] = trained
    if trained is False:
        return Predictor(method="prior", track=track, demand=demand, outcomes=len(outcomes))
    return Predictor(method="model", track=track, demand=demand, outcomes=len(outcomes), trained=trained)


def _train(outcomes: list[tuple[int, int]], track: TrackRecord, demand: DemandLookup) -> Any:
    enrolments = {
        e.pk: e
        for e in Enrolment.objects.filter(pk__in=[e for e, _ in outcomes])
        .select_related("case", "case__agency", "case__returnee", "opportunity", "opportunity__provider")
        .prefetch_related("case__agency__areas")
    }
    profiles = {
        p.case_id: p for p in SkillsProfile.objects.filter(case_id__in={e.case_id for e in enrolments.values()})
    }
    helper = Predictor(method="prior", track=track, demand=demand, outcomes=len(outcomes))
    rows = [
        helper.features(enrolments[e].case, profiles.get(enrolments[e].case_id), enrolments[e].opportunity)
        for e, _ in outcomes
    ]
    try:
        return model.train(np.asarray(rows), np.asarray([y for _, y in outcomes]))
    except ValueError:
        return False  # all successes or all failures: the prior stays


def score_matrix(
    cases: list[Case],
    options: list[Opportunity],
    profiles: dict[int, SkillsProfile],
    *,
    closed: dict[int, set[int]] | None = None,
    current: Predictor | None = None,
) -> np.ndarray:
    """scores[i, j]: the predicted chance of a decent income of case i in option j, NaN where the option
    may not be put before them (`eligible`; `closed` per case, default none)."""
    current = current or predictor()
    scores = np.full((len(cases), len(options)), np.nan)
    cells, rows = [], []
    for i, case in enumerate(cases):
        profile = profiles.get(case.pk)
        shut = closed.get(case.pk, set()) if closed is not None else set()
        for j, option in enumerate(options):
            if eligible(case, profile, option, closed=shut):
                cells.append((i, j))
                rows.append(current.features(case, profile, option))
    if cells:
        where = np.array(cells)
        scores[where[:, 0], where[:, 1]] = current.predict(rows)
    return scores


def closed_options(cases: list[Case]) -> dict[int, set[int]]:
    """Per case, the options not to be put forward unasked: open for the person already, or declined
    by them; one query for the whole list."""
    closed: dict[int, set[int]] = {case.pk: set() for case in cases}
    for case_id, option_id in Enrolment.objects.filter(
        case__in=cases, status__in=(*OPEN_ENROLMENT_STATUSES, EnrolmentStatus.DECLINED)
    ).values_list("case_id", "opportunity_id"):
        closed[case_id].add(option_id)
    return closed


def seats_left(options: list[Opportunity]) -> dict[int, int | None]:
    taken: dict[int, int] = {}
    for option_id in Enrolment.objects.filter(opportunity__in=options, status__in=SEAT_STATUSES).values_list(
        "opportunity_id", flat=True
    ):
        taken[option_id] = taken.get(option_id, 0) + 1
    return {o.pk: None if o.seats is None else max(o.seats - taken.get(o.pk, 0), 0) for o in options}


def months_of(option: Opportunity) -> float:
    return (option.duration_weeks or 0) * 7 / (365.25 / 12)


def cost_per_person(option: Opportunity) -> float:
    """What a seat costs the programme: the stipend over the course, plus the cost per person."""
    stipend = float(option.stipend_monthly or 0) * months_of(option)
    return stipend + float(option.cost or 0)
