"""A year of arrivals to replay the policies of `rolling` on: generated, or read from a JSON file.

The generator is pure and seeded, and takes plain parameters (a `Distribution`); the command
`reintegra match simulate` fills them from the demo's data (its catalogue of options, the wishes and
work histories of its returnees, its labour-market figures), so that the engine stays free of Django.

How a year is made (`generate`):

* people arrive on days drawn evenly over the year; a share are women, a share need an income now
  (0.7, as in the demo); each comes from one of the countries, has worked abroad in one occupation
  group for 1–8 years and wishes for `wishes_per_person` occupation groups, ranked (2, as in the
  demo). Labour markets are segregated: `women_pull` weighs occupation groups for women's work and
  wishes (and its inverse for men's); the prediction never sees gender.
* each course of the catalogue runs rounds back to back (its length plus `gap_weeks`), each starting
  on a decision day (a multiple of 7), the first at a random week of its cycle, until the last
  arrival's longest wait is over; `seats_scale` multiplies the catalogue's seats.
* a person can wait `max_wait` days (drawn from `max_wait`, or from `max_wait_needy` when they need
  an income now) and is eligible for the courses of their country;
* the score of a person for a course (shared by its rounds) is the documented prior
  (matching.prediction.prior) of the demo's features — local demand, skill fit, aspiration rank,
  track record, income fit — plus a normal noise of `noise` on the logit scale (what the features do
  not see of a person).

The file format (`parse_arrivals`) is::

    {"rounds": [{"id": "weld-1", "start": 14, "seats": 20, "occupation": "72", "stipend": 3000}, ...],
     "people": [{"id": "p1", "arrival": 3, "max_wait": 60, "woman": true, "needs_income": true,
                 "wishes": ["72", "51"], "scores": {"weld-1": 0.41}}, ...]}

Days are whole numbers counted from the first day of the period; a round a person has no score for
is not open to them; `wishes` are occupation groups, first wish first; `stipend` (default 0),
`woman`, `needs_income` (default false) and `wishes` (default none) may be left out. A bad entry
raises CohortError (as for a cohort) naming the entry, e.g. "people[3].scores.weld-9".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .cohort import CohortError, _amount, _entry, _flag, _id, _integer, _json_object, _key, _list, _object, _score
from .prediction import aspiration_score, prior
from .rolling import Timeline, timeline

DAYS = 365
# The largest (people × rounds) matrix a file may ask for: dense matrices of 80 MB each.
MAX_PAIRS = 10_000_000


@dataclass(frozen=True)
class Course:
    """An option of the catalogue, which runs in rounds."""

    occupation: str  # occupation group (ISCO sub-major group)
    country: str
    seats: int  # per round
    weeks: int  # length of a round
    stipend: float = 0.0  # paid while in the round (a stipend or a wage); 0 when unpaid
    demand: float = 0.3  # local demand for the occupation, as prediction.demand_score
    track_record: float = 0.4  # the course's past rate of decent incomes


@dataclass(frozen=True)
class Distribution:
    courses: tuple[Course, ...]
    wishes: tuple[str, ...]  # occupation groups people wish for
    experience: tuple[str, ...]  # occupation groups people worked in abroad
    countries: tuple[str, ...] = ()  # the people's countries, evenly; default the courses' countries
    wishes_per_person: int = 2
    needs_income: float = 0.7
    women: float = 0.6
    women_pull: Mapping[str, float] = field(default_factory=dict)  # occupation group → weight for women
    max_wait: tuple[int, ...] = (30, 60, 90)
    max_wait_needy: tuple[int, ...] = (14, 30, 45)
    gap_weeks: int = 2
    seats_scale: float = 1.0
    noise: float = 0.3

    def __post_init__(self) -> None:
        if not self.courses:
            raise ValueError("a distribution needs at least one course")
        if not self.wishes or not self.experience:
            raise ValueError("a distribution needs wishes and experience groups")
        if not 0 <= self.wishes_per_person <= len(self.wishes):
            raise ValueError("wishes_per_person must lie between 0 and the number of wishes")
        for name in ("needs_income", "women"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be a share between 0 and 1")
        if not self.max_wait or not self.max_wait_needy or min(self.max_wait + self.max_wait_needy) < 0:
            raise ValueError("max_wait choices must be given and not negative")
        if any(c.seats < 0 or c.weeks < 1 for c in self.courses):
            raise ValueError("a course needs seats >= 0 and weeks >= 1")
        if self.seats_scale < 0 or self.noise < 0 or self.gap_weeks < 0:
            raise ValueError("seats_scale, noise and gap_weeks must not be negative")


@dataclass(frozen=True)
class Year:
    """A generated or read timeline with the names of its rounds and occupation groups."""

    timeline: Timeline
    round_ids: list[str]
    occupations: list[str]
    arrivals_until: int | None = None  # the last day people may arrive on, when known (generated years)


def _pulled(groups: tuple[str, ...], pull: Mapping[str, float], woman: bool) -> np.ndarray:
    weight = np.array([pull.get(g, 1.0) for g in groups], dtype=np.float64)
    weight = weight if woman else 1.0 / weight
    return weight / weight.sum()


def generate(dist: Distribution, *, people: int = 5000, days: int = DAYS, seed: int = 0) -> Year:
    """A year of `people` arrivals and the courses' rounds, all drawn from `seed` (same seed, same year)."""
    if people < 0 or days < 1:
        raise ValueError("people must not be negative and days must be at least 1")
    rng = np.random.default_rng(seed)
    courses = dist.courses
    countries = dist.countries or tuple(sorted({c.country for c in courses}))
    arrival = np.sort(rng.integers(0, days, people))
    woman = rng.random(people) < dist.women
    needy = rng.random(people) < dist.needs_income
    country = rng.integers(0, len(countries), people)
    longest = max(dist.max_wait + dist.max_wait_needy)
    waits = np.where(
        needy, rng.choice(np.array(dist.max_wait_needy), people), rng.choice(np.array(dist.max_wait), people)
    )
    pulled = {
        w: (_pulled(dist.experience, dist.women_pull, w), _pulled(dist.wishes, dist.women_pull, w))
        for w in (True, False)
    }
    worked = np.empty(people, dtype=object)
    years = rng.integers(1, 9, people)
    wished: list[list[str]] = []
    for i in range(people):
        experience_p, wish_p = pulled[bool(woman[i])]
        worked[i] = dist.experience[int(rng.choice(len(dist.experience), p=experience_p))]
        chosen = rng.choice(len(dist.wishes), size=dist.wishes_per_person, replace=False, p=wish_p)
        wished.append([dist.wishes[int(k)] for k in chosen])

    # Per person and course: the prior of the demo's features, plus noise on the logit scale.
    m = len(courses)
    occupation = [c.occupation for c in courses]
    same = np.array([[w == o for o in occupation] for w in worked], dtype=bool).reshape(people, m)
    major = np.array([[w[:1] == o[:1] for o in occupation] for w in worked], dtype=bool).reshape(people, m)
    skill = np.where(same, 1.0, np.where(major, 0.5, 0.0)) * np.minimum(1.0, years / 3.0)[:, None]
    rank_of = np.zeros((people, m), dtype=np.int64)
    for i, wishes in enumerate(wished):
        for r, group in enumerate(wishes, start=1):
            rank_of[i, [j for j in range(m) if occupation[j] == group and rank_of[i, j] == 0]] = r
    aspiration = np.vectorize(aspiration_score, otypes=[np.float64])(rank_of) if people else np.zeros((0, m))
    pays = np.array([c.stipend > 0 for c in courses])
    income = np.where(needy[:, None], np.where(pays[None, :], 1.0, 0.0), 0.5)
    demand = np.broadcast_to(np.array([c.demand for c in courses]), (people, m))
    track = np.broadcast_to(np.array([c.track_record for c in courses]), (people, m))
    features = np.stack([demand, skill, aspiration, track, income], axis=-1).reshape(-1, 5)
    base = prior(features).reshape(people, m)
    logit = np.log(base / (1 - base)) + dist.noise * rng.normal(0, 1, (people, m))
    course_scores = 1.0 / (1.0 + np.exp(-logit))
    course_country = np.array([countries.index(c.country) if c.country in countries else -1 for c in courses])
    course_scores[country[:, None] != course_country[None, :]] = np.nan

    # Rounds back to back, each starting on a decision day, until the last arrival's wait is over.
    round_course, round_start, round_ids = [], [], []
    for j, course in enumerate(courses):
        cycle = 7 * (course.weeks + dist.gap_weeks)
        day = 7 * int(rng.integers(0, course.weeks + dist.gap_weeks))
        k = 1
        while day <= days + longest:
            round_course.append(j)
            round_start.append(day)
            round_ids.append(f"{j + 1}-{course.occupation}-{k}")
            day += cycle
            k += 1
    which = np.array(round_course, dtype=np.int64)
    groups = sorted(set(occupation))
    return Year(
        timeline=timeline(
            arrival=arrival,
            max_wait=waits,
            scores=course_scores[:, which],
            rank=rank_of[:, which],
            woman=woman,
            needs_income=needy,
            start=np.array(round_start, dtype=np.int64),
            seats=np.array([round(courses[j].seats * dist.seats_scale) for j in round_course], dtype=np.int64),
            occupation=np.array([groups.index(occupation[j]) for j in round_course], dtype=np.int64),
            stipend=np.array([courses[j].stipend for j in round_course], dtype=np.float64),
        ),
        round_ids=round_ids,
        occupations=groups,
        arrivals_until=days - 1,
    )


def read_arrivals(path: str | Path) -> Year:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CohortError("unreadable", str(path), str(error)) from error
    return parse_arrivals(text)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CohortError("wrong_type" if not isinstance(value, str) else "empty_id", where, value)
    return value


PEOPLE_KEYS = {"id", "arrival", "max_wait", "woman", "needs_income", "wishes", "scores"}
ROUND_KEYS = {"id", "start", "seats", "occupation", "stipend"}


def parse_arrivals(text: str) -> Year:
    """Read the file format of the module docstring; CohortError names the first bad entry."""
    root = _json_object(text, "arrivals")
    for key in root:
        if key not in {"rounds", "people"}:
            raise CohortError("unknown_key", str(key), key)
    rounds = _list(_key(root, "rounds", "arrivals"), "rounds")
    people = _list(_key(root, "people", "arrivals"), "people")
    if len(rounds) * len(people) > MAX_PAIRS:
        raise CohortError("too_large", "arrivals", f"{len(people)} people × {len(rounds)} rounds")

    index: dict[str, int] = {}
    start, seats, stipend, occupation = [], [], [], []
    for r, raw in enumerate(rounds):
        where = f"rounds[{r}]"
        entry = _entry(raw, where, ROUND_KEYS)
        index[_id(entry, where, index)] = r
        start.append(_integer(_key(entry, "start", where), f"{where}.start", "negative_count"))
        seats.append(_integer(_key(entry, "seats", where), f"{where}.seats", "negative_capacity"))
        occupation.append(_text(_key(entry, "occupation", where), f"{where}.occupation"))
        stipend.append(_amount(entry.get("stipend", 0), f"{where}.stipend", "negative_stipend"))
    groups = sorted(set(occupation))

    n, m = len(people), len(rounds)
    scores = np.full((n, m), np.nan)
    rank = np.zeros((n, m), dtype=np.int64)
    arrival, wait, woman, needy = [], [], [], []
    seen: dict[str, int] = {}
    for i, raw in enumerate(people):
        where = f"people[{i}]"
        entry = _entry(raw, where, PEOPLE_KEYS)
        seen[_id(entry, where, seen)] = i
        arrival.append(_integer(_key(entry, "arrival", where), f"{where}.arrival", "negative_count"))
        wait.append(_integer(_key(entry, "max_wait", where), f"{where}.max_wait", "negative_count"))
        woman.append(_flag(entry, "woman", where))
        needy.append(_flag(entry, "needs_income", where))
        for w, group in enumerate(_list(entry.get("wishes", []), f"{where}.wishes"), start=1):
            _text(group, f"{where}.wishes[{w - 1}]")
            for r in range(m):
                if occupation[r] == group and rank[i, r] == 0:
                    rank[i, r] = w
        given = _object(_key(entry, "scores", where), f"{where}.scores")
        for name, value in given.items():
            at = f"{where}.scores.{name}"
            if name not in index:
                raise CohortError("unknown_round", at, name)
            scores[i, index[name]] = _score(value, at)
    return Year(
        timeline=timeline(
            arrival=np.array(arrival, dtype=np.int64),
            max_wait=np.array(wait, dtype=np.int64),
            scores=scores,
            rank=rank,
            woman=np.array(woman, dtype=bool),
            needs_income=np.array(needy, dtype=bool),
            start=np.array(start, dtype=np.int64),
            seats=np.array(seats, dtype=np.int64),
            occupation=np.array([groups.index(g) for g in occupation], dtype=np.int64),
            stipend=np.array(stipend, dtype=np.float64),
        ),
        round_ids=list(index),
        occupations=groups,
    )
