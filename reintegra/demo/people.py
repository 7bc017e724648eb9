"""Who the returnees are: where they come home to, their names, and the rest of their profile.

Names are common given and family names put together at random; phone numbers carry a "000" block
and identity documents a "0000" block, so that none can be a real person's.
"""

import datetime
import random
from dataclasses import dataclass
from functools import cache
from typing import Any

from reintegra.cases.choices import Education, Gender, MaritalStatus
from reintegra.demo.drawing import Demo, data_file, pick

WOMEN = (Gender.FEMININE, Gender.TRANSGENDER_FEMININE)
HOME_AREA_UNKNOWN_EVERY = 15


@dataclass(frozen=True)
class Home:
    area: str  # the district or city and the province, as an address names them
    province: str  # the province's ISO 3166-2 code (Metro Manila's region for its cities): the home area
    region: str
    language: str  # spoken besides the national language; "" for none
    weight: int  # how many of the agency's returnees come home here (relative)


@dataclass(frozen=True)
class ThaiName:
    latin: str
    thai: str


@dataclass(frozen=True)
class ThaiNames:
    women: tuple[ThaiName, ...]
    men: tuple[ThaiName, ...]
    families: tuple[ThaiName, ...]
    nicknames: tuple[str, ...]
    villages: tuple[str, ...]


@dataclass(frozen=True)
class FilipinoNames:
    women: tuple[str, ...]
    men: tuple[str, ...]
    families: tuple[str, ...]
    nicknames: tuple[str, ...]
    barangays: tuple[str, ...]


@cache
def homes() -> dict[str, tuple[Home, ...]]:
    """Where the returnees of each opening agency come home to, by agency slug."""
    return {slug: tuple(Home(**home) for home in rows) for slug, rows in data_file("homes.json").items()}


@cache
def thai_names() -> ThaiNames:
    names = data_file("names.json")["thai"]
    thai = {key: tuple(ThaiName(**name) for name in names[key]) for key in ("women", "men", "families")}
    return ThaiNames(**thai, nicknames=tuple(names["nicknames"]), villages=tuple(names["villages"]))


@cache
def filipino_names() -> FilipinoNames:
    return FilipinoNames(**{key: tuple(values) for key, values in data_file("names.json")["filipino"].items()})


def person_draw(
    *, demo: Demo, country: str, gender: Gender, home: Home, age: int, birth: datetime.date, minor: bool, scenario: str
) -> dict[str, Any]:
    """The returnee's fields for `case_open`, for a case of `country` (TH or PH)."""
    rng = demo.rng
    demo.phone_serial += 1
    serial = demo.phone_serial
    woman = gender in WOMEN or (gender == Gender.NON_CONFORMING and rng.random() < 0.5)
    if country == "TH":
        th = thai_names()
        given_name = rng.choice(th.women if woman else th.men)
        family_name = rng.choice(th.families)
        in_thai_script = rng.random() < 0.4
        given = given_name.thai if in_thai_script else given_name.latin
        family = family_name.thai if in_thai_script else family_name.latin
        nickname = rng.choice(th.nicknames)
        phone = f"+66 8{rng.randint(0, 9)} 000 {serial:04d}"
        languages = ["th"] + ([home.language] if home.language and rng.random() < 0.7 else [])
        document = {"type": "national_id", "number": f"0-0000-{rng.randint(0, 99999):05d}-{serial:04d}"}
        address = f"Moo {rng.randint(1, 14)}, {rng.choice(th.villages)}, {home.area}"
    else:
        ph = filipino_names()
        given = rng.choice(ph.women if woman else ph.men)
        family = rng.choice(ph.families)
        nickname = rng.choice(ph.nicknames)
        phone = f"+63 9{rng.randint(15, 99)} 000 {serial:04d}"
        languages = ["fil"] + ([home.language] if home.language and rng.random() < 0.8 else [])
        if home.region == "visayas" and "ceb" not in languages:
            languages.insert(0, "ceb")
        document = {"type": "passport", "number": f"P0000{serial:04d}X", "country": country}
        address = f"Purok {rng.randint(1, 9)}, Barangay {rng.choice(ph.barangays)}, {home.area}"
    if scenario == "scam" or rng.random() < 0.15:
        languages.append("en")
    education, marital, children = _family_draw(rng=rng, age=age, minor=minor, scenario=scenario)
    fields: dict[str, Any] = {
        "given_name": given,
        "family_name": family,
        "gender": gender.value,
        "citizenships": [country],
        # One intake in fifteen has not recorded it yet; drawn from the serial, not the generator,
        # so that the rest of the demo draws as before.
        "home_area": "" if serial % HOME_AREA_UNKNOWN_EVERY == 0 else home.province,
        "languages": languages,
        "education": education.value,
        "marital_status": marital.value,
        "children": children,
        "phones": [phone] if rng.random() < 0.75 else [],
    }
    if rng.random() < 0.2:
        fields["other_names"] = nickname
    if rng.random() < 0.75:
        fields["birth_date"] = birth
    if rng.random() < 0.5:
        fields["identity_documents"] = [document]
    if rng.random() < 0.5:
        fields["address"] = address
    return fields


def _family_draw(*, rng: random.Random, age: int, minor: bool, scenario: str) -> tuple[Education, MaritalStatus, int]:
    """Schooling, marital status and number of children."""
    if minor:
        return Education.LOWER_SECONDARY, MaritalStatus.SINGLE, 0
    # Scam compounds recruit graduates: fewer with primary school only, many more with a degree.
    education = pick(
        rng,
        {
            Education.NONE: 2,
            Education.PRIMARY: 22 if scenario != "scam" else 5,
            Education.LOWER_SECONDARY: 30,
            Education.UPPER_SECONDARY: 26,
            Education.POST_SECONDARY: 8,
            Education.SHORT_TERTIARY: 5,
            Education.BACHELORS: 6 if scenario != "scam" else 25,
        },
    )
    marital = pick(
        rng,
        {
            MaritalStatus.SINGLE: 40 if age < 28 else 15,
            MaritalStatus.MARRIED: 35,
            MaritalStatus.SEPARATED: 12,
            MaritalStatus.DIVORCED: 5,
            MaritalStatus.WIDOWED: 3 if age > 35 else 0,
        },
    )
    children = 0 if marital == MaritalStatus.SINGLE and rng.random() < 0.8 else rng.randint(0, 4)
    return education, marital, children
