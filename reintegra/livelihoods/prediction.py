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
from django.utils.translation import gettext_lazy as _

from reintegra.cases.models import Case
from reintegra.lib import clock, geo
from reintegra.lib.fields import encrypted_names
from reintegra.lib.remember import forget, remembered
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
    return _decent(follow_up.employment, follow_up.business_operating, follow_up.monthly_income, follow_up.currency)


def _decent(employment: str, business_operating: bool | None, income: Decimal | None, currency: str) -> bool:
    if employment not in EARNING_STATUSES or business_operating is False:
        return False
    floor = DECENT_MONTHLY_INCOME.get(currency, Decimal(0))
    return income is not None and income >= max(floor, Decimal("0.01"))


def _outcomes_by_option() -> dict[int, tuple[int, int]]:
    """enrolment id → (option id, 1 or 0): the six-month follow-up recorded, or a drop-out (a failure).
    Two queries of plain values, each joined to its option (at a million cases, 209,997 outcomes: a
    list of their ids sent back took 1.9 s, and a model object per row 5.8 s)."""
    followed = IncomeFollowUp.objects.filter(months=6, done_on__isnull=False).values_list(
        "enrolment_id", "enrolment__opportunity_id", "employment", "business_operating", "monthly_income", "currency"
    )
    outcomes = {
        enrolment_id: (option_id, int(_decent(employment, operating, income, currency)))
        for enrolment_id, option_id, employment, operating, income, currency in followed
    }
    for enrolment_id, option_id in Enrolment.objects.filter(status=EnrolmentStatus.DROPPED_OUT).values_list(
        "pk", "opportunity_id"
    ):
        outcomes.setdefault(enrolment_id, (option_id, 0))
    return outcomes


def recorded_outcomes() -> list[tuple[int, int]]:
    """(enrolment id, 1 or 0): the six-month follow-up recorded, or a drop-out (a failure)."""
    return sorted((enrolment_id, y) for enrolment_id, (_option, y) in _outcomes_by_option().items())


@dataclass
class TrackRecord:
    network_rate: float
    per_option: dict[int, tuple[int, int]] = field(default_factory=dict)  # option id → (successes, outcomes)

    def rate(self, option_id: int) -> float:
        successes, outcomes = self.per_option.get(option_id, (0, 0))
        return model.shrunk_rate(successes, outcomes, self.network_rate)


def track_record(outcomes: dict[int, tuple[int, int]]) -> TrackRecord:
    """Per option, its successes and outcomes (`_outcomes_by_option`), and the network's rate."""
    per_option: dict[int, tuple[int, int]] = {}
    for option_id, y in outcomes.values():
        s, n = per_option.get(option_id, (0, 0))
        per_option[option_id] = (s + y, n + 1)
    total = len(outcomes)
    successes = sum(y for _option, y in outcomes.values())
    rate = (successes + model.SHRINKAGE * model.DEFAULT_RATE) / (total + model.SHRINKAGE)
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


PREDICTOR_KEY = "livelihoods-predictor"
# The model learns from this many outcomes at most, the newest: five features need no more, and at a
# million cases training on all of them (reading each person's case, profile and option) took minutes.
MAX_TRAINING_OUTCOMES = 5_000


def predictor() -> Predictor:
    """The prior, or the trained model once PREDICTION_MIN_OUTCOMES outcomes are recorded, with the
    options' track records and the labour-market figures it reads. Worked out at most once every
    PREDICTOR_SECONDS and kept in the shared cache (every app server reads the same one); recording an
    outcome or a labour-market figure drops it (`forget_predictor`, by signal), so the next reader
    works it out afresh. What it holds is per option and per area, never a person."""
    return remembered(PREDICTOR_KEY, settings.PREDICTOR_SECONDS, _work_out_predictor, Predictor)


def forget_predictor() -> None:
    forget(PREDICTOR_KEY)


def forget_on_change(sender: type, instance: Any, **kwargs: Any) -> None:
    """A receiver of post_save and post_delete (apps.py): what the predictor learns from has changed
    when a six-month follow-up, a drop-out or a labour-market figure is saved, or any of them deleted."""
    deleted = "created" not in kwargs
    if (
        deleted
        or isinstance(instance, LabourMarketDemand)
        or (isinstance(instance, IncomeFollowUp) and instance.months == 6)
        or (isinstance(instance, Enrolment) and instance.status == EnrolmentStatus.DROPPED_OUT)
    ):
        forget_predictor()


def _work_out_predictor() -> Predictor:
    outcomes = _outcomes_by_option()
    track = track_record(outcomes)
    demand = DemandLookup()
    minimum = getattr(settings, "PREDICTION_MIN_OUTCOMES", model.MIN_OUTCOMES)
    if len(outcomes) < minimum:
        return Predictor(method="prior", track=track, demand=demand, outcomes=len(outcomes))
    newest = sorted(outcomes)[-MAX_TRAINING_OUTCOMES:]
    trained = _train([(e, outcomes[e][1]) for e in newest], track, demand)
    if trained is False:
        return Predictor(method="prior", track=track, demand=demand, outcomes=len(outcomes))
    return Predictor(method="model", track=track, demand=demand, outcomes=len(outcomes), trained=trained)


def _train(outcomes: list[tuple[int, int]], track: TrackRecord, demand: DemandLookup) -> Any:
    enrolments = {
        e.pk: e
        for e in Enrolment.objects.filter(pk__in=[e for e, _ in outcomes])
        .select_related("case", "case__agency", "opportunity", "opportunity__provider")
        .defer(*encrypted_names(Case, "case__"))  # the features read no secret of the person
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
