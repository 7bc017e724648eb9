"""Countries (ISO 3166-1) and their areas (ISO 3166-2), named in the active language.

pycountry ships the ISO lists with their Thai and Filipino translations, so no name is invented
here. An area is a leaf of ISO 3166-2 (a Philippine province, a Thai province, a Japanese
prefecture; Metro Manila, a region without provinces, is a leaf too). A country without
subdivisions (Hong Kong) is one area whose code is the country's.
"""

import gettext
from dataclasses import dataclass
from functools import lru_cache

import pycountry
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .collation import sort_key


@dataclass(frozen=True)
class Area:
    code: str
    country: str
    name: str
    kind: str
    parent_code: str | None


@lru_cache(maxsize=16)
def _catalogue(domain: str, language: str) -> gettext.NullTranslations:
    lang = {"fil": "fil", "th": "th"}.get(language)
    if not lang:
        return gettext.NullTranslations()
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def _language() -> str:
    return (get_language() or "en").split("-")[0]


def is_country(code: str) -> bool:
    return bool(code) and pycountry.countries.get(alpha_2=code.upper()) is not None


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code.upper()) if code else None
    if country is None:
        return code
    return _catalogue("iso3166-1", _language()).gettext(country.name)


@lru_cache(maxsize=1)
def _country_codes() -> tuple[str, ...]:
    return tuple(c.alpha_2 for c in pycountry.countries)


def country_choices() -> list[tuple[str, str]]:
    return sorted(((code, country_name(code)) for code in _country_codes()), key=lambda c: c[1])


@lru_cache(maxsize=512)
def _areas_of(country: str) -> tuple[Area, ...]:
    subdivisions = list(pycountry.subdivisions.get(country_code=country) or [])
    return tuple(
        Area(code=s.code, country=country, name=s.name, kind=s.type, parent_code=s.parent_code) for s in subdivisions
    )


def all_areas(country: str) -> tuple[Area, ...]:
    """Every ISO 3166-2 subdivision of the country, regions included."""
    return _areas_of(country.upper())


def leaf_areas(country: str) -> list[Area]:
    """The areas a coverage map has as rows, ordered by region then name (in English)."""
    country = country.upper()
    areas = all_areas(country)
    if not areas:
        country_obj = pycountry.countries.get(alpha_2=country)
        name = country_obj.name if country_obj else country
        return [Area(code=country, country=country, name=name, kind="Country", parent_code=None)]
    parents = {a.parent_code for a in areas if a.parent_code}
    by_code = {a.code: a for a in areas}
    leaves = [a for a in areas if a.code not in parents]

    def order(a: Area) -> tuple[str, str]:
        parent = by_code.get(a.parent_code or "")
        return (parent.name if parent else "", a.name)

    return sorted(leaves, key=order)


def area_get(code: str) -> Area | None:
    code = code.upper()
    if "-" not in code:
        return next((a for a in leaf_areas(code) if a.code == code), None) if is_country(code) else None
    return next((a for a in all_areas(code.split("-")[0]) if a.code == code), None)


def area_name(code: str) -> str:
    area = area_get(code)
    if area is None:
        return code
    if area.kind == "Country":
        return country_name(area.code)
    return _catalogue("iso3166-2", _language()).gettext(area.name)


def area_ancestors(code: str) -> list[str]:
    """The area's own code and those of the regions above it."""
    chain = []
    area = area_get(code)
    while area is not None:
        chain.append(area.code)
        area = area_get(area.parent_code) if area.parent_code else None
    return chain


def area_choices(country: str) -> list[tuple[str, str]]:
    """Every area of the country an agency can serve: regions first, then the rest by name."""
    areas = all_areas(country) or tuple(leaf_areas(country))
    return sorted(((a.code, area_name(a.code)) for a in areas), key=lambda c: c[1])


# --- Choices by name (forms never ask for a code) ----------------------------------------------------

# The countries people choose from first: the first deployments' (Thailand, the Philippines) and their
# neighbours in the region, where most returnees come from and go to.
REGION = ("TH", "PH", "MM", "KH", "LA", "VN", "MY", "ID", "SG", "BN", "TL")


def country_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every country, named in the active language: the region's first, then the rest by name.
    Named and sorted once per language (a form shows them on every page that asks for a country)."""
    return [(label, list(options)) for label, options in _country_groups(_language())]


@lru_cache(maxsize=8)
def _country_groups(language: str) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """`language` is the active one; it keys the cache."""
    region = [(code, country_name(code)) for code in REGION]
    rest = sorted(
        ((code, country_name(code)) for code in _country_codes() if code not in REGION), key=lambda c: sort_key(c[1])
    )
    return ((str(_("In the region")), tuple(region)), (str(_("Other countries")), tuple(rest)))


def area_groups(countries: list[str], *, regions: bool = False) -> list[tuple[str, list[tuple[str, str]]]]:
    """The areas of these countries by name, one group per region (or per country where it has no
    regions), named in the active language. With `regions`, a region can be chosen whole too (it
    heads its group)."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for country in countries:
        country = country.upper()
        if not is_country(country):
            continue
        by_parent: dict[str, list[Area]] = {}
        for area in leaf_areas(country):
            by_parent.setdefault(area.parent_code or "", []).append(area)
        named = {parent: area_name(parent) if parent else "" for parent in by_parent}
        for parent in sorted(by_parent, key=lambda p: (p != "", sort_key(named[p]))):
            options = sorted(((a.code, area_name(a.code)) for a in by_parent[parent]), key=lambda c: sort_key(c[1]))
            label = country_name(country)
            if parent:
                label = f"{label} · {named[parent]}"
                if regions:
                    whole = _("%(region)s (the whole region)") % {"region": named[parent]}
                    options.insert(0, (parent, whole))
            groups.append((label, options))
    return groups
