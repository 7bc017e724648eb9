"""Returned people built through the services, for figures counted by hand (issue 13)."""

import datetime
import itertools
from collections.abc import Sequence

from reintegra.accounts.models import User
from reintegra.cases import services as case_services
from reintegra.cases.models import Case

_names = itertools.count(1)


def returned(
    actor: User,
    *,
    gender: str = "Feminine",
    age: int | None = 30,
    citizenship: str = "TH",
    home_area: str = "",
    country_from: str = "MY",
    returned_on: datetime.date = datetime.date(2026, 3, 10),
    return_type: str = "deportation",
    exploitation: Sequence[str] = (),
    industry: str = "",
    debt: str | None = None,
    currency: str = "THB",
) -> Case:
    """A case of the actor's agency with its return recorded (and its exploitation, when given)."""
    case = case_services.case_open(
        actor=actor,
        given_name=f"Person {next(_names)}",
        gender=gender,
        age_at_intake=age,
        citizenships=[citizenship],
        home_area=home_area,
    )
    case_services.return_record(
        actor=actor, case=case, country_from=country_from, returned_on=returned_on, return_type=return_type
    )
    if exploitation or industry or debt is not None:
        case_services.history_add(
            actor=actor,
            case=case,
            type="Exploitation",
            country=country_from,
            exploitation_types=list(exploitation),
            industry=industry,
            **({"debt_amount": debt, "debt_currency": currency} if debt is not None else {}),
        )
    return case


def many(actor: User, n: int, **fields: object) -> list[Case]:
    return [returned(actor, **fields) for _ in range(n)]  # type: ignore[arg-type]
