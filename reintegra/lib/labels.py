"""Vocabularies by name, so that a stored code is shown as its label in the reader's language.

Each app registers its own vocabularies where it declares them (its `choices.py`); the timeline
and the `labels` template filter only look them up. So a lower layer can render a code of a
higher one (a plan's domain on a case's timeline) without importing it.
"""

from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Choices

from reintegra.lib import geo

_VOCABULARIES: dict[str, type[Choices]] = {}


def register(**vocabularies: type[Choices]) -> None:
    for name, choices in vocabularies.items():
        if _VOCABULARIES.setdefault(name, choices) is not choices:
            raise ImproperlyConfigured(f"Two vocabularies are registered as {name!r}.")


def label(vocabulary: str, code: str) -> str:
    """The label of one code; an unknown code (or vocabulary) is shown as it is stored."""
    if vocabulary == "country":
        return geo.country_name(code)
    if vocabulary == "area":  # an ISO 3166-2 area, with its country: "Chiang Rai, Thailand"
        area = geo.area_get(code) if code else None
        if area is None or area.code == area.country:
            return geo.area_name(code) if code else ""
        return f"{geo.area_name(code)}, {geo.country_name(area.country)}"
    choices = _VOCABULARIES.get(vocabulary)
    if choices is None:
        return str(code)
    return str(dict(choices.choices).get(code, code))


def labels(codes: Iterable[str] | str, vocabulary: str) -> str:
    if isinstance(codes, str):
        codes = [codes]
    return ", ".join(label(vocabulary, code) for code in codes)


def registered() -> frozenset[str]:
    return frozenset(_VOCABULARIES)
