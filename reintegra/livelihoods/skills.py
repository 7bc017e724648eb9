"""The skills, aptitudes and aspirations profile of a returnee: what they can do, want, and can manage."""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_noop

from reintegra.accounts.models import AuditEvent, User
from reintegra.cases.scope import CaseAccess
from reintegra.lib.concurrency import check_version
from reintegra.lib.validation import full_clean_or_raise

from .enrolments import audit, timeline_event
from .models import PROFILE_FIELDS, SkillsProfile, group_values

__all__ = ["PROFILE_FIELDS", "profile_save"]


@transaction.atomic
def profile_save(
    *,
    actor: User,
    access: CaseAccess,
    version: int | None = None,
    education: str = "",
    literacy: str = "",
    numeracy: str = "",
    languages: list[str] | None = None,
    experience: list[dict[str, Any]] | None = None,
    certificates: str = "",
    interests: dict[str, float] | None = None,
    aptitude_notes: str = "",
    assessed_on: datetime.date | None = None,
    aspirations: list[dict[str, str]] | None = None,
    aspirations_words: str = "",
    work_areas: list[str] | None = None,
    can_travel: bool = False,
    care_duties: str = "",
    health_limits: str = "",
    needs_income_now: bool = False,
    income_needed_monthly: Decimal | None = None,
    currency: str = "",
    debt_pressure: str = "",
    family_takes_part: bool = False,
) -> SkillsProfile:
    """Creates or updates the case's profile with the values given (the others are emptied); the
    case's agency writes it, with the returnee."""
    values = group_values(SkillsProfile, PROFILE_FIELDS, locals())
    if not access.own:
        raise PermissionDenied
    case = access.case
    profile = SkillsProfile.objects.select_for_update().filter(case=case).first()
    if profile is None:
        profile = SkillsProfile(case=case, **values)
        action = AuditEvent.Action.CREATE
    else:
        check_version(profile, expected_version=version, submitted=values, fields=PROFILE_FIELDS)
        for key, value in values.items():
            setattr(profile, key, value)
        profile.version += 1
        action = AuditEvent.Action.UPDATE
    profile.updated_by = actor
    full_clean_or_raise(profile, exclude=["case", "updated_by"])
    profile.save()
    timeline_event(case, actor=actor, summary=gettext_noop("Skills and aspirations profile updated."), params={})
    audit(profile, actor=actor, action=action, case=case.code)
    return profile
