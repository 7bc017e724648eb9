"""Timeline lines are stored as a phrase (its English msgid) and parameters, and translated when
they are shown, so each reader sees every line in their own language, whoever wrote it.

Parameters are plain values, or references to a vocabulary code (`label("stage", "return")`) or a
date (`day(date)`), which are also rendered in the reader's language.
"""

import datetime
from typing import Any

from django.utils.formats import date_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext

VOCABULARIES = {
    "stage": "reintegra.cases.choices.Stage",
    "consent_purpose": "reintegra.cases.choices.ConsentPurpose",
    "return_type": "reintegra.cases.choices.ReturnType",
    "history_type": "reintegra.cases.choices.HistoryType",
    "urgency": "reintegra.cases.choices.Urgency",
    "referral_status": "reintegra.cases.choices.ReferralStatus",
    "plan_domain": "reintegra.plans.choices.Domain",
    "assessment_point": "reintegra.plans.choices.AssessmentPoint",
    "priority_context": "reintegra.plans.choices.RankingContext",
    "enrolment_status": "reintegra.livelihoods.choices.EnrolmentStatus",
    "employment": "reintegra.livelihoods.choices.EmploymentStatus",
}


def label(vocabulary: str, code: str) -> dict[str, str]:
    return {"vocabulary": vocabulary, "code": str(code)}


def day(value: datetime.date) -> dict[str, str]:
    return {"date": value.isoformat()}


def country(code: str) -> dict[str, str]:
    return {"country": code}


def _value(param: Any) -> Any:
    if isinstance(param, dict) and "vocabulary" in param:
        choices = dict(import_string(VOCABULARIES[param["vocabulary"]]).choices)
        return str(choices.get(param["code"], param["code"]))
    if isinstance(param, dict) and "country" in param:
        from reintegra.lib.geo import country_name

        return country_name(param["country"])
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
