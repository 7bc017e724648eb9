"""The kinds of migration story the demo returnees lived through (data/scenarios.json), and where
and how they come back (data/journeys.json)."""

from dataclasses import dataclass
from functools import cache
from typing import Any

from reintegra.cases.choices import (
    ControlMeans,
    Exploitation,
    Gender,
    Industry,
    RecruitmentMethod,
    ReturnType,
    TraffickingStatus,
)
from reintegra.demo.drawing import Span, data_file


@dataclass(frozen=True)
class Destination:
    country: str
    weight: int
    areas: tuple[str, ...]


@dataclass(frozen=True)
class Transit:
    destination: str  # on the way there
    country: str
    area: str


@dataclass(frozen=True)
class Scenario:
    """One kind of migration story: where, in which sector, under which control, how it ended.
    The mappings are weights: how often each value is drawn, relative to the others."""

    key: str
    origin: str  # the country people return to
    weight: int
    destinations: tuple[Destination, ...]
    transit: tuple[Transit, ...]
    exploitation: tuple[Exploitation, ...]
    industries: dict[Industry, int]
    control: tuple[ControlMeans, ...]
    recruitment: dict[RecruitmentMethod, int]
    genders: dict[Gender, int]
    ages: Span
    months: Span  # spent in exploitation
    returns: dict[ReturnType, int]
    trafficking: dict[TraffickingStatus, int]
    debt_share: float  # how many come home in debt
    summaries: tuple[str, ...]


@dataclass(frozen=True)
class ForeignDebt:
    """A debt owed abroad: a whole number of units of the currency."""

    currency: str
    unit: int
    min_units: int
    max_units: int


@dataclass(frozen=True)
class HomeDebt:
    """A debt owed at home: from ten to `max_thousands` thousand of the currency."""

    currency: str
    max_thousands: int


@dataclass(frozen=True)
class Journeys:
    arrival_points: dict[str, dict[str, tuple[str, ...]]]  # country, destination ("*" for any): places
    assisting_agencies: dict[str, dict[str, tuple[str, ...]]]  # country, destination: agency slugs
    foreign_debts: dict[str, ForeignDebt]  # by destination
    home_debts: dict[str, HomeDebt]  # by country
    home_creditors: tuple[str, ...]
    abroad_creditors: tuple[str, ...]

    def arrivals(self, country: str, destination: str) -> tuple[str, ...]:
        return self.arrival_points[country].get(destination) or self.arrival_points[country]["*"]

    def assisting(self, country: str, destination: str) -> tuple[str, ...]:
        return self.assisting_agencies[country].get(destination) or self.assisting_agencies[country]["*"]


def _scenario(row: dict[str, Any]) -> Scenario:
    trafficking = row["trafficking"]
    return Scenario(
        key=row["key"],
        origin=row["origin"],
        weight=row["weight"],
        destinations=tuple(
            Destination(country=d["country"], weight=d["weight"], areas=tuple(d["areas"])) for d in row["destinations"]
        ),
        transit=tuple(Transit(**t) for t in row["transit"]),
        exploitation=tuple(Exploitation(e) for e in row["exploitation"]),
        industries={Industry(k): w for k, w in row["industries"].items()},
        control=tuple(ControlMeans(c) for c in row["control"]),
        recruitment={RecruitmentMethod(k): w for k, w in row["recruitment"].items()},
        genders={Gender(k): w for k, w in row["genders"].items()},
        ages=Span(**row["ages"]),
        months=Span(**row["months"]),
        returns={ReturnType(k): w for k, w in row["returns"].items()},
        trafficking={
            TraffickingStatus.ACTUAL: trafficking["identified"],
            TraffickingStatus.POSSIBLE: trafficking["possible"],
            TraffickingStatus.NOT_A_VICTIM: trafficking["not_a_victim"],
        },
        debt_share=row["debt_share"],
        summaries=tuple(row["summaries"]),
    )


@cache
def scenarios() -> tuple[Scenario, ...]:
    return tuple(_scenario(row) for row in data_file("scenarios.json"))


@cache
def journeys() -> Journeys:
    data = data_file("journeys.json")

    def places(table: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, tuple[str, ...]]]:
        return {country: {dest: tuple(values) for dest, values in rows.items()} for country, rows in table.items()}

    return Journeys(
        arrival_points=places(data["arrival_points"]),
        assisting_agencies=places(data["assisting_agencies"]),
        foreign_debts={dest: ForeignDebt(**debt) for dest, debt in data["foreign_debts"].items()},
        home_debts={country: HomeDebt(**debt) for country, debt in data["home_debts"].items()},
        home_creditors=tuple(data["home_creditors"]),
        abroad_creditors=tuple(data["abroad_creditors"]),
    )
