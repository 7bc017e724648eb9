"""Lines kept for later reading (the case timeline) are stored as a phrase (its English msgid) and
parameters, and translated when shown, so each reader sees every line in their own language,
whoever wrote it.

Parameters are plain values, or references to a vocabulary code (`label("stage", "return")`) or a
date (`day(date)`), which are also rendered in the reader's language.
"""

import datetime
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext

from reintegra.lib import labels


def label(vocabulary: str, code: str) -> dict[str, str]:
    return {"vocabulary": vocabulary, "code": str(code)}


def day(value: datetime.date) -> dict[str, str]:
    return {"date": value.isoformat()}


def country(code: str) -> dict[str, str]:
    return {"country": code}


def _value(param: Any) -> Any:
    if isinstance(param, dict) and "vocabulary" in param:
        return labels.label(param["vocabulary"], param["code"])
    if isinstance(param, dict) and "country" in param:
        return labels.label("country", param["country"])
    if isinstance(param, dict) and "date" in param:
        return date_format(datetime.date.fromisoformat(param["date"]))
    return param


def render(summary: str, params: dict[str, Any]) -> str:
    text = gettext(summary) if summary else ""
    if not params:
        return text
    values = {key: _value(param) for key, param in params.items()}
    try:
        return text % values
    except (KeyError, TypeError, ValueError):  # a translation with a broken placeholder must not break the page
        return summary % values
