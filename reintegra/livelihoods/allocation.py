"""Cohort allocation for a programme round: the thin adapter between the records and the pure engine.

A supervisor picks returnees of their agency and open options, sets the constraints, and previews the
optimal allocation with its metrics beside the greedy one (people in turn take their best option with a
seat left). Only people still looking are chosen by default (no placement, nothing open, the last
offer not declined); the supervisor may add a person placed or who declined, never one with an
option open. Confirming, once, with the numbers, creates offers, never enrolments: each person still
accepts or declines, and a supervisor may withdraw an offer not yet answered (decisions/0014).
"""

import uuid
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, User
from reintegra.cases.models import Case
from reintegra.cases.scope import CaseAccess
from reintegra.lib import geo
from reintegra.lib.dates import show_day
from reintegra.matching import GroupShare, InfeasibleError, allocate, greedy, metrics

from . import isco, prediction
from .choices import OPEN_ENROLMENT_STATUSES, SEAT_STATUSES, EmploymentStatus, EnrolmentStatus
from .enrolments import enrolment_move, enrolment_recommend
from .models import AllocationRound, Enrolment, Opportunity, SkillsProfile
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

    @property
    def plans(self) -> tuple[Plan, Plan]:
        return self.optimal, self.greedy


class Standing(StrEnum):
    """Where a returnee stands for a new round: only those still looking are chosen by default."""

    LOOKING = "looking"  # no placement, nothing open, the last offer not declined
    PLACED = "placed"  # in work (a placement), unless the last follow-up found them looking again
    DECLINED = "declined"  # declined the last option put before them
    OPEN = "open"  # an option is open for them (recommended, offered, accepted or in training)
    NO_PROFILE = "no_profile"  # nothing to match on yet


# A supervisor may tick these by hand (work that ended, a person who asked to be considered again);
# people with an option open may not be given a second one, and without a profile there is no match.
SELECTABLE = (Standing.LOOKING, Standing.PLACED, Standing.DECLINED)


@dataclass
class Candidate:
    """One returnee of the supervisor's agency, as the selection shows them."""

    case: Case
    profile: SkillsProfile | None
    standing: Standing
    why: str = ""  # why they are not chosen by default, in the reader's language

    @property
    def selectable(self) -> bool:
        return self.standing in SELECTABLE

    @property
    def by_default(self) -> bool:
        return self.standing == Standing.LOOKING

    @property
    def areas(self) -> list[str]:
        """Where they can work, by name in the reader's language."""
        return [geo.area_name(code) for code in (self.profile.work_areas if self.profile else [])]

    @property
    def agency_areas(self) -> list[str]:
        """Where matching looks when they gave no area: their agency's areas (prediction.person_areas)."""
        return [geo.area_name(area.code) for area in self.case.agency.areas.all()]

    @property
    def aspirations(self) -> list[str]:
        """Their wishes in their order (the first three), as occupation groups."""
        wishes = self.profile.aspirations[:3] if self.profile else []
        return [isco.name(wish.get("isco", "")) for wish in wishes]


def _standing(case: Case, profile: SkillsProfile | None, enrolments: list[Enrolment]) -> tuple[Standing, str]:
    """`enrolments` oldest first, with their placement and follow-ups."""
    open_ = [e for e in enrolments if e.status in OPEN_ENROLMENT_STATUSES]
    if open_:
        e = open_[-1]
        return Standing.OPEN, _("Has an option open: %(option)s (%(status)s).") % {
            "option": e.opportunity.title,
            "status": e.get_status_display(),
        }
    if profile is None:
        return Standing.NO_PROFILE, _("No skills profile yet: fill it in with the person first.")
    placed = [e for e in enrolments if e.status == EnrolmentStatus.PLACED]
    if placed:
        e = placed[-1]
        done = sorted((f for f in e.follow_ups.all() if f.done_on is not None), key=lambda f: f.months)
        if not (done and done[-1].employment == EmploymentStatus.LOOKING):
            placement = getattr(e, "placement", None)
            return Standing.PLACED, _("In work since %(date)s (%(option)s).") % {
                "date": show_day(placement.started_on if placement else e.updated_at),
                "option": e.opportunity.title,
            }
    if enrolments and enrolments[-1].status == EnrolmentStatus.DECLINED:
        e = enrolments[-1]
        return Standing.DECLINED, _("Declined %(option)s on %(date)s.") % {
            "option": e.opportunity.title,
            "date": show_day(e.decided_on) or "—",
        }
    return Standing.LOOKING, ""


def candidates(*, user: User) -> tuple[list[Candidate], list[Opportunity]]:
    """The open cases of the supervisor's agency, each with where they stand (only those still looking
    are chosen by default), and the open options of its country."""
    assert user.agency is not None  # noqa: S101  required above
    cases = list(
        Case.objects.filter(agency=user.agency, closed_at__isnull=True)
        .select_related("returnee", "agency")
        .prefetch_related("agency__areas")
        .order_by("code")
    )
    profiles = {p.case_id: p for p in SkillsProfile.objects.filter(case__in=cases)}
    history: dict[int, list[Enrolment]] = {case.pk: [] for case in cases}
    for enrolment in (
        Enrolment.objects.filter(case__in=cases)
        .select_related("opportunity", "placement")
        .prefetch_related("follow_ups")
        .order_by("recommended_on", "pk")
    ):
        history[enrolment.case_id].append(enrolment)
    people = []
    for case in cases:
        standing, why = _standing(case, profiles.get(case.pk), history[case.pk])
        people.append(Candidate(case=case, profile=profiles.get(case.pk), standing=standing, why=why))
    options = list(
        Opportunity.objects.filter(active=True, provider__country=user.agency.country)
        .select_related("provider")
        .order_by("title")
    )
    return people, options


# Offers waiting for an answer hold their seats for later rounds: two rounds must not offer the same
# seat. A withdrawn or declined offer gives it back.
HELD_STATUSES = (EnrolmentStatus.OFFERED, *SEAT_STATUSES)


def seats_to_offer(options: list[Opportunity]) -> dict[int, int | None]:
    """Per option, the seats no one holds (None: no limit)."""
    held: dict[int, int] = {}
    for option_id in Enrolment.objects.filter(opportunity__in=options, status__in=HELD_STATUSES).values_list(
        "opportunity_id", flat=True
    ):
        held[option_id] = held.get(option_id, 0) + 1
    return {o.pk: None if o.seats is None else max(o.seats - held.get(o.pk, 0), 0) for o in options}


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
    seats = seats_to_offer(options)
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


def offer_counts(pairs: list[tuple[int, int]]) -> tuple[int, int, int]:
    """(offers, people, options) of a list of (case id, option id) pairs: the numbers a supervisor
    confirms, and exactly those made."""
    return len(pairs), len({case for case, _option in pairs}), len({option for _case, option in pairs})


@transaction.atomic
def cohort_offer(
    *,
    user: User,
    token: uuid.UUID,
    offers: list[tuple[CaseAccess, Opportunity]],
    constraints: dict[str, Any],
) -> tuple[AllocationRound, bool]:
    """Turns a confirmed allocation into offers (recommended, then offered), all or none, and returns
    the round with True; the person still accepts or declines each offer, and no one is enrolled here.

    The token is the confirmed preview's: a second confirmation of it (a reload, a double click)
    makes nothing and returns the round the first made, with False. What changed since the preview
    (an option opened for someone, a seat taken) refuses the whole round, naming who or what."""
    if not user.agency_id or any(not access.is_supervisor for access, _option in offers):
        raise PermissionDenied
    if not offers:
        raise ValidationError(_("This allocation gives no one an option: there is no offer to make."))
    try:
        with transaction.atomic():
            round_ = AllocationRound.objects.create(
                token=token, agency_id=user.agency_id, made_by=user, constraints=constraints
            )
    except IntegrityError:
        return AllocationRound.objects.get(token=token, agency_id=user.agency_id), False
    cases = [access.case for access, _option in offers]
    list(Case.objects.select_for_update().filter(pk__in=[c.pk for c in cases]).order_by("pk").values_list("pk"))
    options = list({option.pk: option for _access, option in offers}.values())
    list(
        Opportunity.objects.select_for_update().filter(pk__in=[o.pk for o in options]).order_by("pk").values_list("pk")
    )
    problems = []
    busy = dict(
        Enrolment.objects.filter(case__in=cases, status__in=OPEN_ENROLMENT_STATUSES).values_list(
            "case_id", "opportunity__title"
        )
    )
    for case in cases:
        if case.pk in busy:
            problems.append(
                _("%(case)s now has an option open (%(option)s).") % {"case": case.code, "option": busy[case.pk]}
            )
    seats = seats_to_offer(options)
    wanted = Counter(option.pk for _access, option in offers)
    for option in options:
        left = seats[option.pk]
        if left is not None and wanted[option.pk] > left:
            problems.append(
                ngettext(
                    "“%(option)s” has %(left)s seat left to offer, not %(wanted)s.",
                    "“%(option)s” has %(left)s seats left to offer, not %(wanted)s.",
                    left,
                )
                % {"option": option.title, "left": left, "wanted": wanted[option.pk]}
            )
    if problems:
        raise ValidationError([*problems, _("Nothing was offered: preview the allocation again.")])
    for access, option in offers:
        try:
            enrolment = enrolment_recommend(actor=user, access=access, opportunity=option, allocation_round=round_)
        except ValidationError as exc:
            raise ValidationError(
                [f"{access.case.code}: {message}" for message in exc.messages]
                + [_("Nothing was offered: preview the allocation again.")]
            ) from exc
        enrolment_move(
            actor=user,
            access=EnrolmentAccess.of_own_case(access, enrolment),
            to=EnrolmentStatus.OFFERED,
            version=enrolment.version,
        )
    made, people, counted = offer_counts([(access.case.pk, option.pk) for access, option in offers])
    audit_record(
        actor=user,
        action=AuditEvent.Action.CREATE,
        obj=round_,
        categories=["livelihood"],
        details={"offers": made, "people": people, "options": counted, "constraints": constraints},
    )
    return round_, True


@transaction.atomic
def offers_withdraw(*, user: User, offers: list[EnrolmentAccess], reason: str) -> int:
    """Withdraws every offer given that is still waiting for an answer, with one reason, all or none;
    returns how many. Each is a move of the enrolment workflow (a timeline line and an audit record)."""
    withdrawn = 0
    for access in offers:
        if access.enrolment.status != EnrolmentStatus.OFFERED:
            continue
        enrolment_move(
            actor=user, access=access, to=EnrolmentStatus.WITHDRAWN, reason=reason, version=access.enrolment.version
        )
        withdrawn += 1
    if not withdrawn:
        raise ValidationError(_("No offer of this round is waiting for an answer: there is nothing to withdraw."))
    return withdrawn
