"""Everything drawn for one demo case before any service runs: the person, the dates, the history,
the return, the way through the stages, referrals, tasks, notes and the closure.

The dates recorded in the data (opening, history, return, due dates) are spread over the past two
years and kept consistent with each other: a case whose return is recorded was opened on the day of
the return or later (people identified abroad are still in identification or return, their return
not yet recorded). When each later step happened is drawn when the case is played (`playing`).
"""

import datetime
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from reintegra.accounts.models import Role, User
from reintegra.cases.choices import Stage, TraffickingStatus
from reintegra.cases.models import Case
from reintegra.demo.drawing import STAGES, Demo, Span, data_file, pick, pick_weighted, rank
from reintegra.demo.histories import journey_draw, migration_draw
from reintegra.demo.people import homes, person_draw
from reintegra.demo.referrals import Option, PlannedReferral, Shared, referrals_draw
from reintegra.demo.scenarios import scenarios
from reintegra.demo.timing import day_of, zone_of

ID, RET, SHEL, REINT, FOLLOW, CLOSED = STAGES


@dataclass(frozen=True)
class PlannedTask:
    title: str
    due: datetime.date
    follow_up: bool
    roll: float  # decides whether it is done, or left overdue


@dataclass(frozen=True)
class FollowUp:
    days: int  # after the return
    title: str


@dataclass
class CaseDraft:
    """Everything drawn for one case before any service runs."""

    opener: User
    country: str
    stage: Stage
    returnee: dict[str, Any]  # keyword arguments of `case_open`
    summary: str
    opened_at: datetime.datetime
    opened_on: datetime.date
    returned_on: datetime.date | None
    history: list[dict[str, Any]]  # keyword arguments of `history_add`
    journey: dict[str, Any] | None  # keyword arguments of `return_record`
    assisting: list[str]  # agency slugs
    consent_language: str
    statistics: bool
    path: list[Stage]
    referrals: list[PlannedReferral]
    tasks: list[PlannedTask]
    notes: list[str]
    closure: str = ""  # "approved", "requested", "refused" or ""
    closure_reason: str = ""
    override: Option | None = None
    withdraw_statistics: bool = False
    rolls: list[float] = field(default_factory=list)
    shared: list["Shared"] = field(default_factory=list)  # the sharing consents put on the case's script


@dataclass
class Played:
    """What the steps of a case's script have written so far, for the steps that follow."""

    _case: Case | None = None

    @property
    def case(self) -> Case:
        assert self._case is not None  # noqa: S101  the opening is the first step
        return self._case

    @case.setter
    def case(self, case: Case) -> None:
        self._case = case


@cache
def _case_mix() -> dict[str, Any]:
    mix = data_file("case_mix.json")
    return {
        "stages": {Stage(s): w for s, w in mix["stages"].items()},
        "days_since_return": {Stage(s): Span(**days) for s, days in mix["days_since_return"].items()},
    }


@cache
def _follow_ups() -> tuple[FollowUp, ...]:
    # The sustainability assessments (3, 6 and 12 months) bring their own tasks.
    return tuple(FollowUp(**row) for row in data_file("case_work.json")["follow_ups"])


def case_draft(
    *, demo: Demo, opener: User, stage: Stage | None = None, minor: bool = False, scenario: str = ""
) -> CaseDraft:
    """A case opened by `opener`, now at `stage` (drawn when not given), of the kind `scenario`
    (drawn among the opener's country's when not given)."""
    rng = demo.rng
    assert opener.agency is not None  # noqa: S101
    slug, country = opener.agency.slug, opener.agency.country
    if stage is None:
        stage = pick(rng, _case_mix()["stages"])
        if stage == CLOSED and opener.role == Role.SUPERVISOR:
            stage = FOLLOW  # supervisors approve closures; their own cases stay open
    candidates = [s for s in scenarios() if s.origin == country and (not scenario or s.key == scenario)]
    story = pick_weighted(rng, candidates, weight=lambda s: s.weight)
    home = pick_weighted(rng, homes()[slug], weight=lambda h: h.weight)
    gender = pick(rng, story.genders)
    minor = minor or rng.random() < 0.03

    # When: the return, or (not yet returned) the day of the rescue or escape abroad.
    has_return = not (stage in (ID, RET) and rng.random() < 0.5)
    since_return = _case_mix()["days_since_return"][stage]
    anchor = demo.today - datetime.timedelta(days=since_return.draw(rng) if has_return else rng.randint(2, 25))
    # Out of the exploitation some days before the return (shelter, papers), or on the day of the rescue.
    ended = anchor - datetime.timedelta(days=rng.randint(1, 25) if has_return else 0)
    # Met at the border or the airport, or after coming home; or, not yet home, identified abroad
    # after the escape or rescue.
    if has_return:
        opened_on = demo.day(anchor, rng.randint(0, 20 if stage in (ID, RET, SHEL) else 45))
    else:
        opened_on = demo.day(anchor, rng.randint(0, 10))
    opened_time = datetime.time(rng.randint(8, 16), rng.randint(0, 59))
    opened_at = min(
        datetime.datetime.combine(opened_on, opened_time, tzinfo=zone_of(country)),
        demo.now - datetime.timedelta(hours=1),
    )

    # The person.
    age = rng.randint(15, 17) if minor else story.ages.draw(rng)
    birth = anchor - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
    months = rng.randint(story.months.min, min(story.months.max, 10 if minor else 99))
    returnee = person_draw(
        demo=demo, country=country, gender=gender, home=home, age=age, birth=birth, minor=minor, scenario=story.key
    )
    returnee["age_at_intake"] = max(0, (opened_on - birth).days * 100 // 36525)
    trafficking: str = pick(rng, story.trafficking)
    if stage == ID:
        trafficking = TraffickingStatus.POSSIBLE if rng.random() < 0.7 else ""
    if minor:
        trafficking = TraffickingStatus.ACTUAL
    returnee["trafficking_status"] = trafficking
    if trafficking in (TraffickingStatus.ACTUAL, TraffickingStatus.NOT_A_VICTIM):
        returnee["trafficking_status_decided_by"] = opener.agency

    # The migration: recruitment at home, maybe a transit, exploitation abroad; then the return.
    migration = migration_draw(
        demo=demo,
        scenario=story,
        country=country,
        home=home,
        birth=birth,
        months=months,
        ended=ended,
        minor=minor,
        still_there_possible=not has_return and stage == ID,
    )
    journey = None
    if has_return:
        journey = journey_draw(
            demo=demo, scenario=story, country=country, slug=slug, destination=migration.destination, returned_on=anchor
        )

    # The way through the stages.
    final = FOLLOW if stage == CLOSED else stage
    before_return = not has_return
    path = _path_draw(demo=demo, final=final, before_return=before_return)
    referrals = referrals_draw(
        demo=demo, slug=slug, gender=gender, minor=minor, home=home, stage=stage, final=final, path=path
    )
    tasks = _tasks_draw(
        demo=demo, opened_on=opened_on, returned_on=anchor if has_return else None, stage=stage, final=final
    )
    notes = [rng.choice(data_file("case_work.json")["notes"])]
    if rng.random() < 0.2:
        notes.append(rng.choice(data_file("case_work.json")["local_notes"][country]))

    has_supervisor = slug in demo.supervisors and opener.role == Role.CASEWORKER
    closure, closure_reason = "", rng.choice(data_file("case_work.json")["closure_reasons"])
    closure_roll = rng.random()
    if stage == CLOSED:
        closure = "approved" if has_supervisor else "requested"
    elif stage == FOLLOW and has_supervisor and closure_roll < 0.2:
        closure = "requested" if closure_roll < 0.14 else "refused"

    language = home.language if home.language and rng.random() < 0.35 else ("th" if country == "TH" else "fil")
    if slug == "ph-dswd-region7" and rng.random() < 0.7:
        language = "ceb"
    return CaseDraft(
        opener=opener,
        country=country,
        stage=stage,
        returnee=returnee,
        summary=rng.choice(story.summaries),
        opened_at=opened_at,
        opened_on=day_of(opened_at),
        returned_on=anchor if has_return else None,
        history=migration.history,
        journey=journey.fields if journey else None,
        assisting=journey.assisting if journey else [],
        consent_language=language,
        statistics=rng.random() < 0.88,
        path=path,
        referrals=referrals,
        tasks=tasks,
        notes=notes,
        closure=closure,
        closure_reason=closure_reason,
        withdraw_statistics=rng.random() < 0.03,
        rolls=[rng.random() for _ in range(3)],
    )


def _path_draw(*, demo: Demo, final: Stage, before_return: bool) -> list[Stage]:
    """The stages the case went through, up to `final`; some are skipped."""
    rng = demo.rng
    if before_return:
        initial = pick(rng, {ID: 7, RET: 3})
    else:
        initial = pick(rng, {ID: 5, SHEL: 35, REINT: 15})
    if rank(initial) > rank(final):
        initial = final
    path = [initial]
    for s in STAGES[rank(initial) + 1 : rank(final) + 1]:
        if s == final or (rng.random() < 0.4 and not (s == RET and not before_return)):
            path.append(s)
    return path


def _tasks_draw(
    *, demo: Demo, opened_on: datetime.date, returned_on: datetime.date | None, stage: Stage, final: Stage
) -> list[PlannedTask]:
    """A task or two after the opening, and follow-ups after the return."""
    rng = demo.rng
    tasks: list[PlannedTask] = []
    titles = data_file("case_work.json")["tasks"]
    for i, title in enumerate(rng.sample(titles, k=pick(rng, {1: 7, 2: 3}))):
        due = opened_on + datetime.timedelta(days=rng.randint(3, 40) + 15 * i)
        tasks.append(PlannedTask(title=title, due=due, follow_up=False, roll=rng.random()))
    if returned_on is not None and final in (SHEL, REINT, FOLLOW):
        for follow_up in _follow_ups():
            roll, keep = rng.random(), rng.random() < 0.4
            due = returned_on + datetime.timedelta(days=follow_up.days)
            late = due <= opened_on  # due before the case was opened: not scheduled
            if not keep or late or (stage == CLOSED and due >= demo.today) or (final == SHEL and follow_up.days > 30):
                continue
            tasks.append(PlannedTask(title=follow_up.title, due=due, follow_up=True, roll=roll))
    return tasks
