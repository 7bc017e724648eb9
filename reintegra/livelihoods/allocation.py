"""Cohort allocation for a programme round: the thin adapter between the records and the pure engine.

A supervisor picks returnees of their agency and open options, sets the constraints, and previews the
optimal allocation with its metrics beside the greedy one (people in turn take their best option with a
seat left). Confirming creates offers, never enrolments: each person still accepts or declines.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reintegra.accounts.models import User
from reintegra.cases.models import Case
from reintegra.cases.scope import CaseAccess
from reintegra.matching import GroupShare, InfeasibleError, allocate, greedy, metrics

from . import prediction
from .enrolments import enrolment_move, enrolment_recommend
from .models import Enrolment, Opportunity, SkillsProfile
from .scope import EnrolmentAccess

WOMEN = ("Feminine", "TransgenderFeminine")


@dataclass
class Constraints:
    women_min: float | None = None  # shares in [0, 1]
    women_max: float | None = None
    min_assigned: int = 5
    budget: float | None = None
    min_total: int = 0  # give an option to at least this many people


@dataclass
class Plan:
    """One allocation of the cohort, with its metrics."""

    label: str
    pairs: list[tuple[Case, Opportunity, float]]
    unassigned: list[Case]
    metrics: dict[str, Any]


@dataclass
class Preview:
    optimal: Plan
    greedy: Plan
    people: int
    options: int
    eligible_pairs: int


def candidates(*, user: User) -> tuple[list[Case], list[Opportunity]]:
    """Returnees of the supervisor's agency with a profile and nothing open; open options of its country."""
    assert user.agency is not None  # noqa: S101  required above
    busy = Enrolment.objects.filter(status__in=("recommended", "offered", "accepted", "enrolled")).values("case_id")
    people = list(
        Case.objects.filter(agency=user.agency, skills_profile__isnull=False, closed_at__isnull=True)
        .exclude(pk__in=busy)
        .select_related("returnee", "agency")
        .prefetch_related("agency__areas")
        .order_by("code")
    )
    options = list(
        Opportunity.objects.filter(active=True, provider__country=user.agency.country)
        .select_related("provider")
        .order_by("title")
    )
    return people, options


def _plan(
    label: str,
    assignment: np.ndarray,
    people: list[Case],
    options: list[Opportunity],
    scores: np.ndarray,
    measured: dict[str, Any],
) -> Plan:
    pairs = [(people[i], options[j], float(scores[i, j])) for i, j in enumerate(assignment) if j >= 0]
    return Plan(
        label=label,
        pairs=pairs,
        unassigned=[people[i] for i, j in enumerate(assignment) if j < 0],
        metrics=measured,
    )


def preview(*, user: User, people: list[Case], options: list[Opportunity], constraints: Constraints) -> Preview:
    """The optimal allocation under the constraints, and the greedy one, with their metrics."""
    if not people or not options:
        raise ValidationError(_("Choose at least one returnee and one option."))
    if any(case.agency_id != user.agency_id for case in people):
        raise PermissionDenied
    profiles = {p.case_id: p for p in SkillsProfile.objects.filter(case__in=people)}
    predictor = prediction.predictor()
    seats = prediction.seats_left(options)
    scores = np.full((len(people), len(options)), np.nan)
    cells, rows = [], []
    closed = prediction.closed_options(people)
    for i, case in enumerate(people):
        profile = profiles.get(case.pk)
        for j, option in enumerate(options):
            if prediction.eligible(case, profile, option, closed=closed[case.pk]):
                cells.append((i, j))
                rows.append(predictor.features(case, profile, option))
    if cells:
        where = np.array(cells)
        scores[where[:, 0], where[:, 1]] = predictor.predict(rows)
    capacity = np.array([len(people) if seats[o.pk] is None else seats[o.pk] for o in options], dtype=np.int64)
    women = np.array([case.returnee.gender in WOMEN for case in people])
    cost = np.array([prediction.cost_per_person(o) for o in options])
    banded = constraints.women_min is not None or constraints.women_max is not None
    share = (
        GroupShare(
            min=constraints.women_min or 0.0,
            max=1.0 if constraints.women_max is None else constraints.women_max,
            min_assigned=constraints.min_assigned,
        )
        if banded
        else None
    )
    try:
        optimal = allocate(
            scores,
            capacity,
            group=women if share else None,
            group_share=share,
            budget=constraints.budget,
            cost=cost if constraints.budget is not None else None,
            min_assigned_total=constraints.min_total,
        )
    except InfeasibleError as exc:
        raise ValidationError(_infeasible_message(exc, options)) from exc
    baseline = greedy(scores, capacity)
    wished = [
        [
            j
            for j, o in enumerate(options)
            if (profiles.get(c.pk) and (profiles[c.pk].aspiration_rank(o.isco) or 9) <= 3)
        ]
        for c in people
    ]
    needs_income = np.array([bool(profiles.get(c.pk) and profiles[c.pk].needs_income_now) for c in people])
    stipend = np.array([float(o.stipend_monthly or o.wage_monthly or 0) for o in options])

    def measure(allocation: Any) -> dict[str, Any]:
        measured = metrics(
            allocation,
            scores,
            group=women,
            needs_income=needs_income,
            stipend=stipend,
            min_assigned=constraints.min_assigned,
        ).as_dict()
        known = [i for i in range(len(people)) if wished[i]]
        assigned = allocation.assignment
        measured["top3_aspiration_share"] = (
            sum(1 for i in known if assigned[i] in wished[i]) / len(known) if known else None
        )
        measured["assigned"] = int((assigned >= 0).sum())
        measured["cost"] = float(cost[assigned[assigned >= 0]].sum())
        return measured

    return Preview(
        optimal=_plan(_("Optimal"), optimal.assignment, people, options, scores, measure(optimal)),
        greedy=_plan(_("Greedy, in turn"), baseline.assignment, people, options, scores, measure(baseline)),
        people=len(people),
        options=len(options),
        eligible_pairs=int(np.count_nonzero(~np.isnan(scores))),
    )


CONSTRAINT_LABELS = {
    "group_share": gettext_lazy("the share of women"),
    "budget": gettext_lazy("the budget"),
    "budget+group_share": gettext_lazy("the budget together with the share of women"),
    "min_assigned_total": gettext_lazy("the number of people to place"),
}


def _infeasible_message(exc: InfeasibleError, options: list[Opportunity]) -> str:
    constraint = str(CONSTRAINT_LABELS.get(exc.constraint, exc.constraint))
    if exc.option is not None:
        return _("No allocation can respect %(constraint)s at “%(option)s”.") % {
            "constraint": constraint,
            "option": options[exc.option].title,
        }
    return _("No allocation of this cohort can respect %(constraint)s.") % {"constraint": constraint}


@transaction.atomic
def cohort_offer(*, user: User, offers: list[tuple[CaseAccess, Opportunity]]) -> list[Enrolment]:
    """Turns a confirmed allocation into offers (recommended, then offered), all or none. The person
    still accepts or declines each offer; no one is enrolled here."""
    offered = []
    for access, option in offers:
        enrolment = enrolment_recommend(actor=user, access=access, opportunity=option)
        enrolment_move(
            actor=user,
            access=EnrolmentAccess.of_own_case(access, enrolment),
            to="offered",
            version=enrolment.version,
        )
        offered.append(enrolment)
    return offered
