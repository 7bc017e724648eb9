"""The returnee's way out and back: recruitment at home, maybe a transit, exploitation abroad, a
debt, and the return journey."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reintegra.cases.choices import (
    Exploitation,
    HistoryType,
    RecruiterRelation,
    RecruitmentMethod,
    ReturnType,
)
from reintegra.demo.drawing import Demo, pick, pick_weighted
from reintegra.demo.people import Home
from reintegra.demo.scenarios import Scenario, journeys

# Exploitation of a minor in these sectors is child labour as well.
CHILD_LABOUR_SCENARIOS = ("fishing", "agriculture", "domestic", "manufacturing")
# Cebu's returnees land in Cebu, unless they come home by boat from Sabah.
CEBU_ARRIVALS = ["Mactan-Cebu International Airport", "NAIA Terminal 3"]


@dataclass(frozen=True)
class Migration:
    history: list[dict[str, Any]]  # keyword arguments of `history_add`, in order
    destination: str


def migration_draw(
    *,
    demo: Demo,
    scenario: Scenario,
    country: str,
    home: Home,
    birth: datetime.date,
    months: int,
    ended: datetime.date,
    minor: bool,
    still_there_possible: bool,
) -> Migration:
    """The recruitment, transit and exploitation events; `ended` is the day the exploitation ended."""
    rng = demo.rng
    destination = pick_weighted(rng, scenario.destinations, weight=lambda d: d.weight)
    still_there = still_there_possible and rng.random() < 0.3
    started = ended - datetime.timedelta(days=months * 30 + rng.randint(0, 20))
    transits = [t for t in scenario.transit if t.destination == destination.country]
    transit = rng.choice(transits) if transits and rng.random() < 0.6 else None
    departed = started - datetime.timedelta(days=rng.randint(2, 10) if transit else 1)
    recruited = departed - datetime.timedelta(days=rng.randint(14, 150))
    recruited = max(recruited, birth + datetime.timedelta(days=365 * 13))
    method = pick(rng, scenario.recruitment)
    # The stranger-or-acquaintance draw happens for every case, used or not.
    relation = {
        RecruitmentMethod.FAMILY: RecruiterRelation.FAMILIAL,
        RecruitmentMethod.FRIENDS: RecruiterRelation.ACQUAINTED,
    }.get(method, rng.choice([RecruiterRelation.ACQUAINTED, RecruiterRelation.UNACQUAINTED]))
    history: list[dict[str, Any]] = [
        {
            "type": HistoryType.RECRUITMENT,
            "country": country,
            "area": home.area,
            "started_on": recruited,
            "ended_on": departed,
            "recruitment_methods": [method.value],
            "recruiter_relation": relation.value,
        }
    ]
    if transit:
        history.append(
            {
                "type": HistoryType.TRANSIT,
                "country": transit.country,
                "area": transit.area,
                "started_on": departed,
                "ended_on": started,
            }
        )
    types = [e.value for e in scenario.exploitation]
    if minor and scenario.key in CHILD_LABOUR_SCENARIOS:
        types.append(Exploitation.CHILD_LABOUR.value)
    if scenario.key == "domestic" and Exploitation.SERVITUDE.value not in types and rng.random() < 0.2:
        types.append(Exploitation.SERVITUDE.value)
    control = rng.sample(scenario.control, k=min(len(scenario.control), rng.randint(2, 4)))
    area = rng.choice(destination.areas)
    history.append(
        {
            "type": HistoryType.EXPLOITATION,
            "country": destination.country,
            "area": area,
            "started_on": started,
            "ended_on": None if still_there else ended,
            "exploitation_types": types,
            "industry": pick(rng, scenario.industries).value,
            "control_means": [c.value for c in control],
            "duration_months": months,
        }
    )
    if rng.random() < scenario.debt_share:
        _debt_draw(demo=demo, history=history, country=country, destination=destination.country)
    return Migration(history=history, destination=destination.country)


def _debt_draw(*, demo: Demo, history: list[dict[str, Any]], country: str, destination: str) -> None:
    """A debt owed abroad (on the exploitation) or, more often, at home (on the recruitment)."""
    rng = demo.rng
    foreign = journeys().foreign_debts.get(destination)
    if foreign and rng.random() < 0.2:
        history[-1].update(
            debt_amount=Decimal(rng.randint(foreign.min_units, foreign.max_units) * foreign.unit),
            debt_currency=foreign.currency,
            creditor=rng.choice(journeys().abroad_creditors),
        )
        return
    home = journeys().home_debts[country]
    history[0].update(
        debt_amount=Decimal(rng.randint(10, home.max_thousands) * 1000),
        debt_currency=home.currency,
        creditor=rng.choice(journeys().home_creditors),
    )


@dataclass(frozen=True)
class Journey:
    fields: dict[str, Any]  # keyword arguments of `return_record`, but the assisting agencies
    assisting: list[str]  # agency slugs


def journey_draw(
    *, demo: Demo, scenario: Scenario, country: str, slug: str, destination: str, returned_on: datetime.date
) -> Journey:
    """The return home from `destination`, for a case opened by the agency `slug`."""
    rng = demo.rng
    return_type = pick(rng, scenario.returns)
    arrivals = list(journeys().arrivals(country, destination))
    if country == "PH" and slug == "ph-dswd-region7" and destination != "MY":
        arrivals = CEBU_ARRIVALS
    documents = ""
    if return_type == ReturnType.DEPORTATION:
        documents = "Deportation order; emergency travel document"
    elif return_type in (ReturnType.ASSISTED_VOLUNTARY, ReturnType.VOLUNTARY_HUMANITARIAN, ReturnType.EVACUATION):
        documents = rng.choice(["Emergency travel document", "Passport recovered from the employer", ""])
    fields = {
        "country_from": destination,
        "returned_on": returned_on,
        "return_type": return_type.value,
        "point_of_arrival": rng.choice(arrivals),
        "documents_issued": documents,
    }
    assisting: list[str] = []
    if return_type != ReturnType.SPONTANEOUS:
        pool = list(journeys().assisting(country, destination))
        assisting = rng.sample(pool, k=rng.randint(1, len(pool)))
        immigration = "th-immigration" if country == "TH" else "ph-immigration"
        if return_type == ReturnType.DEPORTATION and immigration not in assisting:
            assisting.append(immigration)
    return Journey(fields=fields, assisting=assisting)
