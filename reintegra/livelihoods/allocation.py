"""Cohort allocation for a programme round: the thin adapter between the records and the pure engine.

A supervisor picks returnees of their agency and open options, sets the constraints, and previews the
optimal allocation with its metrics beside the chosen mode (choice rules, the choice-respecting stable
allocation, or short menus: docs/matching-modes.md), the stable one and the greedy one (people in turn
take their best option with a seat left), with the curve of expected placements against the share given
a top-3 wish. Only people still looking are chosen by default (no placement, nothing open, the last
offer not declined); the supervisor may add a person placed or who declined, never one with an
option open. Confirming, once, with the numbers, creates offers, never enrolments: each person still
accepts or declines, and a supervisor may withdraw an offer not yet answered (decisions/0014).
"""

import datetime
import uuid
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, User
from reintegra.cases.models import Case, Returnee
from reintegra.cases.scope import CaseAccess
from reintegra.lib import charts, clock, geo
from reintegra.lib.dates import show_day
from reintegra.lib.fields import encrypted_names
from reintegra.lib.proportions import percent
from reintegra.matching import (
    Allocation,
    GroupShare,
    InfeasibleError,
    allocate,
    allocate_choice,
    allocate_menus,
    allocate_stable,
    choice_curve,
    greedy,
    metrics,
)
from reintegra.network.models import Agency

from . import isco, prediction, weekly
from .choices import OPEN_ENROLMENT_STATUSES, SEAT_STATUSES, EmploymentStatus, EnrolmentStatus
from .enrolments import enrolment_move, enrolment_recommend
from .models import AllocationRound, Enrolment, IncomeFollowUp, Opportunity, SkillsProfile
from .scope import EnrolmentAccess

WOMEN = ("Feminine", "TransgenderFeminine")
# Each point of the price curve is an exact solve; with a band and a budget HiGHS may take long, so a
# page waits at most this long per point (the point is then the best found in that time).
CURVE_SECONDS = 5.0


class Mode(StrEnum):
    """How the offers are chosen (docs/matching-modes.md)."""

    OPTIMAL = "optimal"  # the most expected decent incomes, under the rules set
    STABLE = "stable"  # choice-respecting: deferred acceptance, no justified envy
    MENU_2 = "menu2"  # each person offered a ranked menu of two options, seats never over-promised
    MENU_3 = "menu3"  # the same with three
    WEEK = "week"  # this week's decision: offers only to those who cannot wait (weekly.py)

    @property
    def menu_size(self) -> int:
        return {Mode.MENU_2: 2, Mode.MENU_3: 3}.get(self, 0)


MODE_LABELS = {
    Mode.OPTIMAL: gettext_lazy("Optimal: the most expected decent incomes"),
    Mode.STABLE: gettext_lazy("Choice first: no one passed over for an option they rank higher"),
    Mode.MENU_2: gettext_lazy("A menu of two options each, the person chooses"),
    Mode.MENU_3: gettext_lazy("A menu of three options each, the person chooses"),
    Mode.WEEK: gettext_lazy("This week: offers only to those who cannot wait, seats kept for people expected later"),
}
# The modes other than the optimum keep a promise of their own and hold no other rule.
MODE_HOLDS_NO_RULES = gettext_lazy(
    "Choice first, the menus and this week's decision keep their own promise and cannot also hold a share of "
    "women, a budget, a number to place or a rule on wishes: clear those, or choose the optimal mode."
)
MAX_WAIT_WEEKS = 8  # how long a person waits for a start at most, unless the supervisor sets it


@dataclass
class Constraints:
    women_min: float | None = None  # shares in [0, 1]
    women_max: float | None = None
    min_assigned: int = 5
    budget: float | None = None
    min_total: int = 0  # give an option to at least this many people
    top_k: int | None = None  # whoever is offered anything gets one of their top-k wishes when one is eligible
    min_top3_share: float | None = None  # at least this share of the cohort gets a top-3 wish, in [0, 1]
    mode: str = Mode.OPTIMAL
    max_wait_weeks: int = MAX_WAIT_WEEKS  # this week's decision: the longest wait for a start

    @property
    def banded(self) -> bool:
        return self.women_min is not None or self.women_max is not None

    @property
    def choice_rules(self) -> bool:
        return self.top_k is not None or self.min_top3_share is not None

    @property
    def side(self) -> bool:
        """Rules only the optimal mode can hold: the band, the budget, a number to place."""
        return self.banded or self.budget is not None or self.min_total > 0


@dataclass
class Plan:
    """One allocation of the cohort, with its metrics. `menus` (menu modes) lists each person's options,
    best first; the metrics are then those of everyone taking the first option of their menu."""

    label: str
    pairs: list[tuple[Case, Opportunity, float]]
    unassigned: list[Case]
    metrics: dict[str, Any]
    key: str = ""
    menus: list[tuple[Case, list[tuple[Opportunity, float]]]] | None = None
    # Expected decent incomes lost against the optimum; None where the plan offers to only some now.
    price: float | None = 0.0
    # This week's decision: the people who can wait, the last day of their wait, what the plan pencils in.
    waiting: list[tuple[Case, datetime.date, Opportunity | None]] | None = None
    expected_per_week: float = 0.0
    heading: str = ""  # the label, marked when confirming turns this plan into offers (each cell's label)

    @property
    def offers(self) -> list[tuple[Case, Opportunity]]:
        """The offers confirming makes: one per person, or one per option of their menu."""
        if self.menus is not None:
            return [(case, option) for case, menu in self.menus for option, _p in menu]
        return [(case, option) for case, option, _p in self.pairs]


@dataclass
class CurveRow:
    """One exact point of the trade-off: asked share (None: the free optimum), attained share, expected
    decent incomes, people given an option, and the price against the free optimum."""

    required: float | None
    share: float
    expected: float
    assigned: int
    price: float


@dataclass
class Preview:
    optimal: Plan
    greedy: Plan
    people: int
    options: int
    eligible_pairs: int
    stable: Plan | None = None
    chosen: Plan | None = None  # the rules or mode asked for, when it differs from optimal and stable
    mode: str = Mode.OPTIMAL
    curve: list[CurveRow] | None = None
    chart: str = ""

    @property
    def plans(self) -> tuple[Plan, ...]:
        """The columns side by side: optimal, the chosen rules or mode, stable, greedy."""
        return tuple(p for p in (self.optimal, self.chosen, self.stable, self.greedy) if p is not None)

    @property
    def offered(self) -> Plan:
        """The plan confirming turns into offers."""
        if self.chosen is not None:
            return self.chosen
        if self.mode == Mode.STABLE and self.stable is not None:
            return self.stable
        return self.optimal


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

    @cached_property
    def areas(self) -> list[str]:
        """Where they can work, by name in the reader's language."""
        return [geo.area_name(code) for code in (self.profile.work_areas if self.profile else [])]

    @cached_property
    def agency_areas(self) -> list[str]:
        """Where matching looks when they gave no area: their agency's areas (prediction.person_areas)."""
        return [geo.area_name(area.code) for area in self.case.agency.areas.all()]

    @cached_property
    def aspirations(self) -> list[str]:
        """Their wishes in their order (the first three), as occupation groups."""
        wishes = self.profile.aspirations[:3] if self.profile else []
        return [isco.name(wish.get("isco", "")) for wish in wishes]


def _standing(
    case: Case, profile: SkillsProfile | None, enrolments: list[Enrolment], last_work: dict[int, str]
) -> tuple[Standing, str]:
    """`enrolments` oldest first, with their placement; `last_work`: a placed enrolment's work at its
    latest follow-up done, by the enrolment's id."""
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
        if last_work.get(e.pk) != EmploymentStatus.LOOKING:
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


# A national agency holds hundreds of thousands of open cases; a round is made of a few hundred people.
# The selection reads the agency's open cases oldest first, a batch at a time, until it holds this many
# people still looking or has read them all (or the most it reads at once): the longest known are matched
# first, and the next round goes on where this one stopped, as those offered now have an option open then.
COHORT_LOOKING = 200
COHORT_BATCH = 500
COHORT_READ = 3000


@dataclass
class Selection:
    """The people a supervisor chooses from, with where each stands, and the open options of the country.
    `complete` is False when the agency has open cases the selection did not read (it stopped at
    COHORT_LOOKING people still looking, or at COHORT_READ cases)."""

    people: list[Candidate]
    options: list[Opportunity]
    complete: bool = True

    @property
    def looking(self) -> list[Candidate]:
        return [c for c in self.people if c.by_default]


def _standings(cases: list[Case]) -> list[Candidate]:
    """Each case with its profile and where it stands, in four queries whatever their number. Only
    each person's last placement has its follow-ups read, for its latest work (looking again?): at a
    million cases, a round's 1,000 people had 1,300 enrolments whose follow-ups were all made into
    objects, one query set per enrolment."""
    history: dict[int, list[Enrolment]] = {case.pk: [] for case in cases}
    profiles = {p.case_id: p for p in SkillsProfile.objects.filter(case_id__in=list(history))}
    for enrolment in (
        Enrolment.objects.filter(case_id__in=list(history))
        .select_related("opportunity", "placement")
        .order_by("recommended_on", "pk")
    ):
        history[enrolment.case_id].append(enrolment)
    last_placed = [
        placed[-1].pk for e in history.values() if (placed := [x for x in e if x.status == EnrolmentStatus.PLACED])
    ]
    last_work: dict[int, str] = {}
    for enrolment_id, employment in (
        IncomeFollowUp.objects.filter(enrolment_id__in=last_placed, done_on__isnull=False)
        .order_by("enrolment_id", "months")
        .values_list("enrolment_id", "employment")
    ):
        last_work[enrolment_id] = employment  # in order of months: the latest is kept
    people = []
    for case in cases:
        standing, why = _standing(case, profiles.get(case.pk), history[case.pk], last_work)
        people.append(Candidate(case=case, profile=profiles.get(case.pk), standing=standing, why=why))
    return people


def candidates(*, user: User, among: Collection[int] | None = None) -> Selection:
    """The open cases of the supervisor's agency, each with where they stand (only those still looking
    are chosen by default), and the open options of its country. Without `among`, the oldest cases up to
    COHORT_LOOKING people still looking (bounded whatever the agency's size); with it, those cases only
    (a preview being confirmed)."""
    assert user.agency is not None  # noqa: S101  required above
    open_cases = (
        Case.objects.filter(agency=user.agency, closed_at__isnull=True)
        .select_related("returnee")
        # Matching reads the code, the gender and the age (eligibility): the other secrets stay sealed.
        .defer(
            *encrypted_names(Case), *(n for n in encrypted_names(Returnee, "returnee__") if n != "returnee__birth_date")
        )
        .order_by("pk")
    )
    # Every case is the agency's: they share its one object, its areas read once.
    agency = Agency.objects.prefetch_related("areas").get(pk=user.agency.pk)

    def read(cases: QuerySet[Case]) -> list[Case]:
        found = list(cases)
        for case in found:
            case.agency = agency
        return found

    people: list[Candidate] = []
    complete = True
    if among is not None:
        people = _standings(read(open_cases.filter(pk__in=among)))
    else:
        after = 0
        while len(people) < COHORT_READ and sum(c.by_default for c in people) < COHORT_LOOKING:
            batch = read(open_cases.filter(pk__gt=after)[:COHORT_BATCH])
            people += _standings(batch)
            if len(batch) < COHORT_BATCH:
                break
            after = batch[-1].pk
        else:
            complete = not open_cases.filter(pk__gt=after).exists()
    options = list(
        Opportunity.objects.filter(active=True, provider__country=user.agency.country)
        .select_related("provider")
        .order_by("title")
    )
    return Selection(people=people, options=options, complete=complete)


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
    *,
    key: str = "",
) -> Plan:
    pairs = [(people[i], options[j], float(scores[i, j])) for i, j in enumerate(assignment) if j >= 0]
    return Plan(
        label=label,
        pairs=pairs,
        unassigned=[people[i] for i, j in enumerate(assignment) if j < 0],
        metrics=measured,
        key=key,
    )


def wish_ranks(people: list[Case], options: list[Opportunity], profiles: dict[int, SkillsProfile]) -> np.ndarray:
    """rank[i, j]: 1 if option j's occupation group is person i's first wish, 2 the second, ...; 0 if none."""
    rank = np.zeros((len(people), len(options)), dtype=np.int64)
    for i, case in enumerate(people):
        profile = profiles.get(case.pk)
        if profile is None:
            continue
        for j, option in enumerate(options):
            rank[i, j] = profile.aspiration_rank(option.isco) or 0
    return rank


def preview(*, user: User, people: list[Case], options: list[Opportunity], constraints: Constraints) -> Preview:
    """The optimal allocation under the constraints, the chosen rules or mode, the stable and the greedy
    allocations, with their metrics and the price of each against the optimum, and the trade-off curve."""
    if not people or not options:
        raise ValidationError(_("Choose at least one returnee and one option."))
    if any(case.agency_id != user.agency_id for case in people):
        raise PermissionDenied
    mode = Mode(constraints.mode)
    if mode != Mode.OPTIMAL and (constraints.side or constraints.choice_rules):
        raise ValidationError(MODE_HOLDS_NO_RULES)
    profiles = {p.case_id: p for p in SkillsProfile.objects.filter(case__in=people)}
    seats = seats_to_offer(options)
    scores = prediction.score_matrix(people, options, profiles, closed=prediction.closed_options(people))
    capacity = np.array([len(people) if seats[o.pk] is None else seats[o.pk] for o in options], dtype=np.int64)
    women = np.array([case.returnee.gender in WOMEN for case in people])
    cost = np.array([prediction.cost_per_person(o) for o in options])
    rank = wish_ranks(people, options, profiles)
    share = (
        GroupShare(
            min=constraints.women_min or 0.0,
            max=1.0 if constraints.women_max is None else constraints.women_max,
            min_assigned=constraints.min_assigned,
        )
        if constraints.banded
        else None
    )
    side: dict[str, Any] = {
        "group": women if share else None,
        "group_share": share,
        "budget": constraints.budget,
        "cost": cost if constraints.budget is not None else None,
        "min_assigned_total": constraints.min_total,
    }
    try:
        optimal = allocate(scores, capacity, **side)
        chosen = (
            allocate_choice(
                scores, capacity, rank, top_k=constraints.top_k, min_top3_share=constraints.min_top3_share, **side
            )
            if constraints.choice_rules
            else None
        )
    except InfeasibleError as exc:
        raise ValidationError(_infeasible_message(exc, options)) from exc
    stable = allocate_stable(scores, capacity, rank)
    baseline = greedy(scores, capacity)
    needs_income = np.array([bool(profiles.get(c.pk) and profiles[c.pk].needs_income_now) for c in people])
    stipend = np.array([float(o.stipend_monthly or o.wage_monthly or 0) for o in options])
    top3 = (rank >= 1) & (rank <= 3) & ~np.isnan(scores)

    def measure(assignment: np.ndarray) -> dict[str, Any]:
        allocation = Allocation(assignment, float(np.nansum(_pair_scores(scores, assignment))), "page")
        measured = metrics(
            allocation,
            scores,
            group=women,
            needs_income=needs_income,
            stipend=stipend,
            min_assigned=constraints.min_assigned,
        ).as_dict()
        placed = assignment >= 0
        # Of the whole cohort, as the minimum share asks and the curve shows.
        hits = top3[np.flatnonzero(placed), assignment[placed]].sum() if placed.any() else 0
        measured["top3_share"] = float(hits) / len(people)
        measured["assigned"] = int(placed.sum())
        measured["cost"] = float(cost[assignment[placed]].sum())
        return measured

    def plan(label: str, key: str, assignment: np.ndarray) -> Plan:
        made = _plan(label, assignment, people, options, scores, measure(assignment), key=key)
        made.price = float(optimal.objective - made.metrics["expected_placements"])
        return made

    result = Preview(
        optimal=plan(_("Optimal"), "optimal", optimal.assignment),
        greedy=plan(_("Greedy, in turn"), "greedy", baseline.assignment),
        stable=plan(_("Choice first (stable)"), "stable", stable.assignment),
        people=len(people),
        options=len(options),
        eligible_pairs=int(np.count_nonzero(~np.isnan(scores))),
        mode=mode,
    )
    if chosen is not None:
        result.chosen = plan(_rules_label(constraints), "chosen", chosen.assignment)
    elif mode.menu_size:
        result.chosen = _menu_plan(mode, scores, capacity, rank, people, options, plan)
    elif mode == Mode.WEEK:
        week = weekly.decide(
            people=people,
            profiles=profiles,
            options=options,
            scores=scores,
            capacity=capacity,
            max_wait_days=constraints.max_wait_weeks * 7,
            today=clock.today(),
        )
        result.chosen = plan(_("This week: only those who cannot wait"), "chosen", week.assignment)
        result.chosen.price = None
        result.chosen.waiting = week.waiting
        later = {case.pk for case, _day, _option in week.waiting}
        result.chosen.unassigned = [case for case in result.chosen.unassigned if case.pk not in later]
        result.chosen.expected_per_week = week.expected_per_week
    result.curve, result.chart = _trade_off(scores, capacity, rank, side)
    for made in result.plans:
        offered = made is result.offered
        made.heading = f"{made.label} · {_('to be offered')}" if offered else made.label
    return result


def _pair_scores(scores: np.ndarray, assignment: np.ndarray) -> np.ndarray:
    placed = np.flatnonzero(assignment >= 0)
    return scores[placed, assignment[placed]]


def _rules_label(constraints: Constraints) -> str:
    k, share = constraints.top_k, constraints.min_top3_share
    if k is not None and share is not None:
        return _("Optimal, top-%(k)s rule, a top-3 wish for at least %(share)s") % {"k": k, "share": percent(share)}
    if k is not None:
        return _("Optimal, top-%(k)s rule") % {"k": k}
    return _("Optimal, a top-3 wish for at least %(share)s") % {"share": percent(share)}


def _menu_plan(
    mode: Mode,
    scores: np.ndarray,
    capacity: np.ndarray,
    rank: np.ndarray,
    people: list[Case],
    options: list[Opportunity],
    plan: Any,
) -> Plan:
    """Menus of two or three: each option is on at most as many menus as it has seats left, so whatever
    each person picks there is a seat; the columns read as if each took the first option of their menu."""
    made = allocate_menus(scores, capacity, rank, size=mode.menu_size)
    first = np.array([menu[0] if menu else -1 for menu in made.menus], dtype=np.int64)
    label = ngettext("A menu of %(n)s option each", "A menu of %(n)s options each", mode.menu_size) % {
        "n": mode.menu_size
    }
    result: Plan = plan(label, "chosen", first)
    result.menus = [
        (people[i], [(options[j], float(scores[i, j])) for j in menu]) for i, menu in enumerate(made.menus) if menu
    ]
    result.metrics["menu_top3_share"] = sum(
        1 for i, menu in enumerate(made.menus) if any(1 <= rank[i, j] <= 3 for j in menu)
    ) / len(people)
    return result


def _trade_off(
    scores: np.ndarray, capacity: np.ndarray, rank: np.ndarray, side: dict[str, Any]
) -> tuple[list[CurveRow], str]:
    """The curve of expected decent incomes against the share of the cohort given a top-3 wish, computed
    exactly at a few points under the same band, budget and number to place, drawn and tabled."""
    try:
        points = choice_curve(scores, capacity, rank, time_limit=CURVE_SECONDS, **side)
    except InfeasibleError:
        return [], ""
    rows = [
        CurveRow(
            required=p.required_share,
            share=float(p.top3_share),
            expected=float(p.expected),
            assigned=int(p.assigned),
            price=float(p.price),
        )
        for p in points
    ]
    if len(rows) < 2:
        return rows, ""
    title = _("Expected decent incomes against the share given a top-3 wish")
    chart = charts.xy_chart(
        title=title,
        series=[(_("Exact points"), [(row.share, row.expected) for row in rows])],
        x_title=_("Share of the cohort given one of their top-3 wishes"),
        y_title=_("Expected decent incomes"),
        x_percent=True,
    )
    return rows, chart


CONSTRAINT_LABELS = {
    "group_share": gettext_lazy("the share of women"),
    "budget": gettext_lazy("the budget"),
    "budget+group_share": gettext_lazy("the budget together with the share of women"),
    "min_assigned_total": gettext_lazy("the number of people to place"),
    "min_top3_share": gettext_lazy("the share given a top-3 wish"),
}


def _infeasible_message(exc: InfeasibleError, options: list[Opportunity]) -> str:
    constraint = str(CONSTRAINT_LABELS.get(exc.constraint, exc.constraint))
    if exc.constraint == "min_top3_share" and "reachable_share" in exc.detail:
        return _(
            "No allocation of this cohort can respect %(constraint)s: at most %(share)s of the cohort can get "
            "one of their top-3 wishes."
        ) % {"constraint": constraint, "share": percent(exc.detail["reachable_share"])}
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
