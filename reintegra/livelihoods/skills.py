"""The skills, aptitudes and aspirations profile of a returnee: what they can do, want, and can manage."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reintegra.accounts.models import AuditEvent, User
from reintegra.cases.choices import Education
from reintegra.cases.scope import CaseAccess
from reintegra.lib import geo
from reintegra.lib.concurrency import check_version
from reintegra.lib.validation import check_choices, check_not_future, check_text, raise_if
from reintegra.network.choices import Language

from . import isco
from .choices import CareDuty, DebtPressure, Interest, Literacy, Numeracy, WorkMode
from .enrolments import audit, check_money, timeline_event
from .models import SkillsProfile

PROFILE_FIELDS = (
    "education",
    "literacy",
    "numeracy",
    "languages",
    "experience",
    "certificates",
    "interests",
    "aptitude_notes",
    "assessed_on",
    "aspirations",
    "aspirations_words",
    "work_areas",
    "can_travel",
    "care_duties",
    "health_limits",
    "needs_income_now",
    "income_needed_monthly",
    "currency",
    "debt_pressure",
    "family_takes_part",
)
MAX_ENTRIES = 10


def _check_experience(experience: Any, errors: dict[str, Any]) -> None:
    if not isinstance(experience, list) or len(experience) > MAX_ENTRIES:
        errors["experience"] = _("Work experience is a list of at most %(n)s entries.") % {"n": MAX_ENTRIES}
        return
    for number, entry in enumerate(experience, start=1):
        if not isinstance(entry, dict) or not isco.is_sub_major(str(entry.get("isco", ""))):
            errors["experience"] = _("Entry %(n)s: give an ISCO-08 sub-major group (two digits).") % {"n": number}
            return
        years = entry.get("years")
        if not isinstance(years, int | float) or isinstance(years, bool) or not 0 <= years <= 60:
            errors["experience"] = _("Entry %(n)s: years of experience run from 0 to 60.") % {"n": number}
            return
        if not isinstance(entry.get("abroad", False), bool):
            errors["experience"] = _("Entry %(n)s: say whether the work was abroad (true or false).") % {"n": number}
            return


def _check_aspirations(aspirations: Any, errors: dict[str, Any]) -> None:
    if not isinstance(aspirations, list) or len(aspirations) > MAX_ENTRIES:
        errors["aspirations"] = _("Aspirations are a ranked list of at most %(n)s entries.") % {"n": MAX_ENTRIES}
        return
    seen: set[str] = set()
    for rank, wish in enumerate(aspirations, start=1):
        if not isinstance(wish, dict) or not isco.is_sub_major(str(wish.get("isco", ""))):
            errors["aspirations"] = _("Rank %(n)s: give an ISCO-08 sub-major group (two digits).") % {"n": rank}
            return
        if wish.get("mode") not in WorkMode.values:
            errors["aspirations"] = _("Rank %(n)s: the mode is a wage job, an own business or further study.") % {
                "n": rank
            }
            return
        key = f"{wish['isco']}/{wish['mode']}"
        if key in seen:
            errors["aspirations"] = _("Rank %(n)s repeats an earlier aspiration.") % {"n": rank}
            return
        seen.add(key)


def _check_interests(interests: Any, errors: dict[str, Any]) -> None:
    if not isinstance(interests, dict):
        errors["interests"] = _("Interest scores map each interest area to a score from 0 to 100.")
        return
    for key, score in interests.items():
        if key not in Interest.values:
            errors["interests"] = _("Unknown interest area “%(key)s”.") % {"key": key}
            return
        if not isinstance(score, int | float) or isinstance(score, bool) or not 0 <= score <= 100:
            errors["interests"] = _("The score for “%(key)s” runs from 0 to 100.") % {"key": key}
            return


def _check(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    for field, allowed in (
        ("education", Education.values),
        ("literacy", Literacy.values),
        ("numeracy", Numeracy.values),
        ("care_duties", CareDuty.values),
        ("debt_pressure", DebtPressure.values),
    ):
        if values.get(field):
            check_choices(field, [values[field]], allowed, errors)
    check_choices("languages", values.get("languages") or [], Language.values, errors)
    bad_areas = [a for a in values.get("work_areas") or [] if not isinstance(a, str) or geo.area_get(a) is None]
    if bad_areas:
        errors["work_areas"] = _("Unknown area code(s): %(codes)s (ISO 3166-2, e.g. TH-57).") % {
            "codes": ", ".join(map(str, bad_areas))
        }
    _check_experience(values.get("experience") or [], errors)
    _check_aspirations(values.get("aspirations") or [], errors)
    _check_interests(values.get("interests") or {}, errors)
    for field in ("certificates", "aptitude_notes", "aspirations_words", "health_limits"):
        check_text(field, values.get(field), errors, max_length=2000)
    check_not_future("assessed_on", values.get("assessed_on"), errors)
    check_money(
        values.get("income_needed_monthly"), values.get("currency") or "", errors, field="income_needed_monthly"
    )
    return errors


@transaction.atomic
def profile_save(*, actor: User, access: CaseAccess, version: int | None = None, **values: Any) -> SkillsProfile:
    """Creates or updates the case's profile; the case's agency writes it, with the returnee."""
    if not access.own:
        raise PermissionDenied
    case = access.case
    values = {k: v for k, v in values.items() if k in PROFILE_FIELDS}
    if values.get("currency"):
        values["currency"] = str(values["currency"]).upper()
    if "work_areas" in values:
        values["work_areas"] = [str(a).upper() for a in values["work_areas"] or []]
    profile = SkillsProfile.objects.select_for_update().filter(case=case).first()
    if profile is not None:
        check_version(profile, expected_version=version, submitted=values, fields=PROFILE_FIELDS)
        merged = {f: getattr(profile, f) for f in PROFILE_FIELDS} | values
    else:
        merged = values
    raise_if(_check(merged))
    if profile is None:
        profile = SkillsProfile.objects.create(case=case, updated_by=actor, **values)
        action = AuditEvent.Action.CREATE
    else:
        for key, value in values.items():
            setattr(profile, key, value)
        profile.version += 1
        profile.updated_by = actor
        profile.save()
        action = AuditEvent.Action.UPDATE
    timeline_event(case, actor=actor, summary=gettext_noop("Skills and aspirations profile updated."), params={})
    audit(profile, actor=actor, action=action, case=case.code)
    return profile
