"""The skills, aptitudes and aspirations profile of a returnee: what they can do, want, and can manage."""

from typing import Unpack

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_noop

from reintegra.accounts.models import AuditEvent, User
from reintegra.cases.scope import CaseAccess
from reintegra.cases.transitions import refuse_if_erased
from reintegra.lib.concurrency import check_version
from reintegra.lib.validation import full_clean_or_raise

from .enrolments import audit, timeline_event
from .models import PROFILE_FIELDS, ProfileFields, SkillsProfile, group_values

__all__ = ["PROFILE_FIELDS", "profile_save"]


@transaction.atomic
def profile_save(
    *,
    actor: User,
    access: CaseAccess,
    version: int | None = None,
    **given: Unpack[ProfileFields],
) -> SkillsProfile:
    """Creates or updates the case's profile with the values given (the others are emptied); the
    case's agency writes it, with the returnee."""
    refuse_if_erased(access.case)
    values = group_values(SkillsProfile, PROFILE_FIELDS, given)
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
