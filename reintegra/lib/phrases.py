"""Lines kept for later reading (the case timeline) are stored as a phrase (its English msgid) and
parameters, and translated when shown, so each reader sees every line in their own language,
whoever wrote it.

Parameters are plain values, or references to a vocabulary code (`label("stage", "return")`) or a
date (`day(date)`), which are also rendered in the reader's language (and a date in their
calendar). A phrase that depends on a number is stored as its singular msgid, with `plural(...)`
among its parameters naming the plural msgid and the parameter that counts.
"""

import datetime
from typing import Any

from django.utils.translation import get_language, gettext, ngettext

from reintegra.lib import labels
from reintegra.lib.dates import show_day

PLURAL = "_plural"


def label(vocabulary: str, code: str) -> dict[str, str]:
    return {"vocabulary": vocabulary, "code": str(code)}


def day(value: datetime.date) -> dict[str, str]:
    return {"date": value.isoformat()}


def country(code: str) -> dict[str, str]:
    return {"country": code}


def names(by_language: dict[str, str]) -> dict[str, dict[str, str]]:
    """A name with a form per language (an agency's English and local names, `Agency.names()`):
    shown in the reader's language, in English where it has none."""
    return {"names": by_language}


def plural_msgids(singular: str, plural: str) -> tuple[str, str]:
    """Both forms of a phrase that counts, as they are. Imported as `ngettext` where a phrase is
    declared, so that makemessages carries both forms to the catalogues; the phrase is translated
    only when shown."""
    return singular, plural


def plural(msgid_plural: str, count: str) -> dict[str, dict[str, str]]:
    """`{"months": 3, **plural("… %(months)s months …", "months")}`: the phrase's plural form, and
    the parameter whose number chooses between the forms."""
    return {PLURAL: {"msgid": msgid_plural, "count": count}}


def _value(param: Any) -> Any:
    if isinstance(param, dict) and "vocabulary" in param:
        return labels.label(param["vocabulary"], param["code"])
    if isinstance(param, dict) and "country" in param:
        return labels.label("country", param["country"])
    if isinstance(param, dict) and "names" in param:
        by_language = param["names"]
        return by_language.get((get_language() or "en").split("-")[0]) or by_language.get("en", "")
    if isinstance(param, dict) and "date" in param:
        return show_day(datetime.date.fromisoformat(param["date"]))
    return param


def render(summary: str, params: dict[str, Any]) -> str:
    params = dict(params or {})
    forms = params.pop(PLURAL, None)
    if forms and summary:
        count = params.get(forms["count"])
        number = count if isinstance(count, int) else 0
        text = ngettext(summary, forms["msgid"], number)
        english = summary if number == 1 else forms["msgid"]
    else:
        text = gettext(summary) if summary else ""
        english = summary
    if not params:
        return text
    values = {key: _value(param) for key, param in params.items()}
    try:
        return text % values
    except (KeyError, TypeError, ValueError):  # a translation with a broken placeholder must not break the page
        return english % values
