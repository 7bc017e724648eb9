"""What every part of the demo-case generator shares: the seeded random source, the demo's people
and agencies, the data files, and weighted draws.

The order of the draws is the demo: drawing one more or one fewer number, or in another order,
changes every case that follows. Keep it when editing the generator.
"""

import datetime
import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

from django.utils import timezone

from reintegra.accounts.models import Role, User
from reintegra.cases.choices import Stage
from reintegra.demo.network import USERS
from reintegra.demo.timing import Pace
from reintegra.network.models import Agency, Service

SEED = 2026
DATA = Path(__file__).parent / "data"
STAGES = [
    Stage.IDENTIFICATION,
    Stage.RETURN,
    Stage.SHELTER_ASSISTANCE,
    Stage.REINTEGRATION,
    Stage.FOLLOW_UP,
    Stage.CLOSED,
]

T = TypeVar("T")


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


@cache
def data_file(name: str) -> Any:
    """The parsed contents of reintegra/demo/data/<name>."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def pick(rng: random.Random, weights: Mapping[T, int]) -> T:
    """One of the keys, drawn with the weights given as values (in the mapping's order)."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def pick_weighted(rng: random.Random, items: Sequence[T], *, weight: Callable[[T], int]) -> T:
    return rng.choices(items, weights=[weight(item) for item in items])[0]


def rank(stage: str) -> int:
    return STAGES.index(Stage(stage))


@dataclass(frozen=True)
class Span:
    """Whole numbers from `min` to `max`, both included."""

    min: int
    max: int

    def draw(self, rng: random.Random) -> int:
        return rng.randint(self.min, self.max)


@dataclass
class Demo:
    """The seeded random source, today, and who acts for each demo agency."""

    users: dict[str, User]
    agencies: dict[str, Agency]
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))  # reproducible, not security
    now: datetime.datetime = field(default_factory=timezone.now)  # the moment the demo started: nothing is later
    today: datetime.date = field(init=False)
    services: dict[int, list[Service]] = field(default_factory=dict)  # active services by agency id
    receivers: dict[str, User] = field(default_factory=dict)  # who answers referrals, by agency slug
    supervisors: dict[str, User] = field(default_factory=dict)
    phone_serial: int = 0  # makes every phone number and document number unique

    def __post_init__(self) -> None:
        self.today = timezone.localdate(self.now)
        for service in Service.objects.filter(active=True).order_by("pk"):
            self.services.setdefault(service.agency_id, []).append(service)
        # Who acts for an agency: its demo users, caseworkers and providers before supervisors.
        for username, _first, _last, slug, role in USERS:
            user = self.users.get(username)
            if user is None:
                continue
            if role == Role.SUPERVISOR:
                self.supervisors.setdefault(slug, user)
            if role in (Role.CASEWORKER, Role.PROVIDER_STAFF):
                self.receivers.setdefault(slug, user)
        for slug, user in self.supervisors.items():
            self.receivers.setdefault(slug, user)

    @property
    def pace(self) -> Pace:
        return Pace(rng=self.rng, latest=self.now)

    def day(self, base: datetime.date, offset: int) -> datetime.date:
        """`offset` days after `base`, but never after today."""
        return min(self.today, base + datetime.timedelta(days=offset))
