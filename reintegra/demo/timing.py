"""When things happen in the demo (decisions/0019).

Each demo case is a script: every step (opening, a stage, a referral sent, answered, completed, a
task done…) is put down with the moment it happened, and the script is played in the order of
those moments, each step under the clock (lib/clock.py). The services stamp what they write with
that moment, so the timeline, the referral answers, the tasks done and the plan approvals tell a
believable past, through the same rules as a user's work. Nothing happens after the moment the
demo started.
"""

import datetime
import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from reintegra.cases.models import CaseEvent
from reintegra.lib import clock

ZONES = {"TH": ZoneInfo("Asia/Bangkok"), "PH": ZoneInfo("Asia/Manila")}
MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
WORKDAY = (8, 18)  # people act from eight in the morning until six in the evening, local time


def zone_of(country: str) -> ZoneInfo:
    return ZONES.get(country, ZONES["TH"])


@dataclass(frozen=True)
class Wait:
    """A log-normal wait: half are shorter than `median_days`; `spread` (the σ of its logarithm)
    says how often it runs to several times the median (0.5: rarely, 1.2: often)."""

    median_days: float
    spread: float


@cache
def waits() -> dict[str, Wait]:
    """The waits of data/paces.json, by name."""
    rows = json.loads((Path(__file__).parent / "data" / "paces.json").read_text(encoding="utf-8"))
    return {name: Wait(**row) for name, row in rows.items() if not name.startswith("_")}


@dataclass
class Pace:
    """Draws how long things take, and keeps every moment in the past (at or before `latest`).
    Each method draws the same numbers whatever the moment, so the demo's draws do not depend on
    the hour it is loaded at."""

    rng: random.Random
    latest: datetime.datetime

    def wait(self, name: str) -> datetime.timedelta:
        """A draw of the wait `name` of data/paces.json."""
        wait = waits()[name]
        return DAY * wait.median_days * math.exp(self.rng.gauss(0, wait.spread))

    def days(self, low: float, high: float) -> datetime.timedelta:
        return DAY * self.rng.uniform(low, high)

    def working(self, moment: datetime.datetime, zone: ZoneInfo) -> datetime.datetime:
        """The moment, or the next working morning when it falls in the evening or the night."""
        late_by = MINUTE * self.rng.randint(0, 150)
        local = moment.astimezone(zone)
        start, end = WORKDAY
        if start <= local.hour < end:
            return moment
        day = local.date() + (DAY if local.hour >= end else datetime.timedelta(0))
        return datetime.datetime.combine(day, datetime.time(start), tzinfo=zone) + late_by

    def after(
        self, base: datetime.datetime, wait: datetime.timedelta, zone: ZoneInfo | None = None
    ) -> datetime.datetime:
        """`wait` after `base` (in working hours when a zone is given); when that has not come yet,
        a moment drawn between `base` and the latest: it happened sooner than it usually does."""
        share = self.rng.uniform(0.3, 0.95)
        moment = base + wait
        if zone is not None:
            moment = self.working(moment, zone)
        if moment <= self.latest:
            return moment
        if base >= self.latest:
            return self.latest
        return base + (self.latest - base) * share

    def within(self, start: datetime.datetime, end: datetime.datetime) -> datetime.datetime:
        """A moment between `start` and `end` (neither after the latest)."""
        end = min(end, self.latest)
        start = min(start, end)
        return start + (end - start) * self.rng.random()

    def on(self, day: datetime.date, zone: ZoneInfo) -> datetime.datetime:
        """A working hour of `day`; not after the latest (on the latest day, earlier that day)."""
        hour = self.rng.randint(WORKDAY[0], WORKDAY[1] - 2)
        moment = datetime.datetime.combine(day, datetime.time(hour, self.rng.randint(0, 59)), tzinfo=zone)
        return min(moment, self.latest)


def day_of(moment: datetime.datetime) -> datetime.date:
    """The day a moment falls on, as the services date it (the site's time zone, as clock.today)."""
    return timezone.localdate(moment)


@dataclass(order=True)
class Step:
    at: datetime.datetime
    order: int  # the order the steps were put down in, for steps at the same moment
    act: Callable[[], Any] = field(compare=False)


@dataclass
class Script:
    """The steps of one case, played in the order of their moments under the clock."""

    latest: datetime.datetime
    steps: list[Step] = field(default_factory=list)

    def at(self, moment: datetime.datetime, act: Callable[[], Any]) -> datetime.datetime:
        moment = min(moment, self.latest)
        self.steps.append(Step(at=moment, order=len(self.steps), act=act))
        return moment

    def play(self) -> None:
        for step in sorted(self.steps):
            with clock.running_at(step.at):
                step.act()
        self.steps.clear()


def stages_reached(case_ids: list[int]) -> dict[int, dict[str, datetime.datetime]]:
    """When each case first reached each stage, as its timeline tells (the opening line and the
    stage lines), by case id and stage."""
    reached: dict[int, dict[str, datetime.datetime]] = {}
    lines = (
        CaseEvent.objects.filter(case_id__in=case_ids, kind__in=[CaseEvent.Kind.OPENED, CaseEvent.Kind.STAGE])
        .order_by("at", "pk")
        .values_list("case_id", "kind", "at", "params")
    )
    for case_id, kind, at, params in lines:
        stage = params.get("stage" if kind == CaseEvent.Kind.OPENED else "new", {}).get("code", "")
        reached.setdefault(case_id, {}).setdefault(stage, at)
    return reached
