"""This week's decision: the rolling allocation (matching/rolling.py) over the agency's own records.

People arrive when they can be matched: the day their skills profile was assessed (or last saved).
Each may wait at most the weeks the supervisor sets for a training or a job to start. An option is a
round that starts on its start day (an option without one, or started already, can be joined now),
with the seats no one holds. Each week, or whenever a supervisor previews it, the engine offers only
to those who cannot wait: their wait ends, or the last option they could join starts, before next
week's decision; and places in options that start before then. Everyone else waits for a later
decision, so that the seats stay open for them and for the people expected to come back in the
meantime. Those later arrivals are sampled from the agency's people of the last year (the method
and its measured figures: matching/rolling.py, `reintegra match simulate`, docs/matching-modes.md).
Nothing runs on its own: each decision is a preview a supervisor confirms, like any programme round.
"""

import datetime
from dataclasses import dataclass

import numpy as np
from django.db.models.functions import Coalesce, TruncDate

from reintegra.cases.models import Case
from reintegra.matching import STEP, timeline
from reintegra.matching import decide as decide_now

from . import prediction
from .models import Opportunity, SkillsProfile

PAST_DAYS = 365  # later arrivals are sampled from the people who came in this many days
PAST_PEOPLE = 2000  # at most this many of them (the latest)
SEED = 0  # the same records give the same preview


@dataclass(frozen=True)
class Week:
    """`assignment`: the offers to make now (person → option index, or -1: none now). `waiting`: the
    people who can wait, each with the last day of their wait and the option this week's plan pencils
    in for them (or None). `expected_per_week`: people expected to come back each week."""

    assignment: np.ndarray
    waiting: list[tuple[Case, datetime.date, Opportunity | None]]
    expected_per_week: float
    sampled_from: int


def waiting_since(case: Case, profile: SkillsProfile | None) -> datetime.date | None:
    """The day the person could first be matched: their profile's assessment, or its last save."""
    if profile is None:
        return None
    return profile.assessed_on or profile.updated_at.date()


def decide(
    *,
    people: list[Case],
    profiles: dict[int, SkillsProfile],
    options: list[Opportunity],
    scores: np.ndarray,
    capacity: np.ndarray,
    max_wait_days: int,
    today: datetime.date,
) -> Week:
    """This week's offers for `people` (scores and seats as the preview has them)."""
    step = STEP
    since = [waiting_since(case, profiles.get(case.pk)) or today for case in people]
    ends = [day + datetime.timedelta(days=max_wait_days) for day in since]
    # Here now: the window runs from today to the end of their wait; a wait already over still
    # leaves this week, so that the longest waiting are decided now, not dropped.
    left = np.array([max((end - today).days, step - 1) for end in ends], dtype=np.int64)
    past, came_before = _past_people(people, today)
    past_profiles = {p.case_id: p for p in SkillsProfile.objects.filter(case__in=past)}
    past_scores = prediction.score_matrix(past, options, past_profiles)
    came = [(waiting_since(case, past_profiles.get(case.pk)) or today) - today for case in past]
    recent = sum(1 for day in since if (today - day).days <= PAST_DAYS) + came_before
    instance = timeline(
        arrival=np.concatenate([np.zeros(len(people)), [delta.days for delta in came]]).astype(np.int64),
        max_wait=np.concatenate([left, np.full(len(past), max_wait_days)]).astype(np.int64),
        scores=np.vstack([scores, past_scores]) if len(past) else scores,
        start=[max(((o.starts_on or today) - today).days, 0) for o in options],
        seats=capacity,
    )
    rate = recent / PAST_DAYS
    chosen, commit = decide_now(
        instance,
        np.arange(len(people)),
        day=0,
        seats=instance.seats.copy(),
        step=step,
        arrival_rate=rate,
        rng=np.random.default_rng(SEED),
    )
    assignment = np.where(commit, chosen, -1)
    waiting = [
        (case, ends[i], options[chosen[i]] if chosen[i] >= 0 else None)
        for i, case in enumerate(people)
        if not commit[i]
    ]
    return Week(
        assignment=assignment, waiting=waiting, expected_per_week=rate * step, sampled_from=len(past) + len(people)
    )


def _past_people(people: list[Case], today: datetime.date) -> tuple[list[Case], int]:
    """The agency's people who could first be matched in the last year (`waiting_since`; open or closed
    cases) and are not chosen now: the latest PAST_PEOPLE of them (who later arrivals are drawn like),
    and how many there were in all."""
    since = today - datetime.timedelta(days=PAST_DAYS)
    came = Coalesce("skills_profile__assessed_on", TruncDate("skills_profile__updated_at"))
    past = (
        Case.objects.filter(agency_id=people[0].agency_id, skills_profile__isnull=False)
        .annotate(came=came)
        .filter(came__gte=since, came__lte=today)
        .exclude(pk__in=[case.pk for case in people])
    )
    latest = (
        past.select_related("returnee", "agency")
        .prefetch_related("agency__areas")
        .order_by("-came", "-pk")[:PAST_PEOPLE]
    )
    return list(latest), past.count()
