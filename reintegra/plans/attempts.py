"""Follow-ups that did not reach the returnee (issue 16).

A caseworker who calls, visits or writes for a follow-up (a sustainability assessment or an income
follow-up) and cannot reach the person records the attempt: the day, how they tried, an optional short
note. Until the follow-up itself is recorded it counts as missed at once (plans/lost_contact.py), so the
supervisor's queue learns of a lost contact without waiting for the grace days. Both kinds live here,
in plans, the lowest app that sees both (as lost contact does).
"""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, User
from reintegra.cases.choices import DataCategory
from reintegra.cases.models import Case
from reintegra.cases.scope import CaseAccess
from reintegra.cases.timeline import edit_line
from reintegra.cases.transitions import refuse_if_erased
from reintegra.lib.dates import show_day
from reintegra.lib.phrases import day, label
from reintegra.lib.validation import full_clean_or_raise
from reintegra.livelihoods.models import IncomeFollowUp
from reintegra.livelihoods.scope import EnrolmentAccess

from .models import Assessment, ContactAttempt


@transaction.atomic
def assessment_not_reached(
    *, actor: User, access: CaseAccess, assessment: Assessment, on: datetime.date, how: str, note: str = ""
) -> ContactAttempt:
    """An attempt that did not reach the returnee for a sustainability assessment, recorded by the
    case's own agency (the assessment is the plan's, which only it edits)."""
    if not access.can_edit or assessment.case_id != access.case.pk:
        raise PermissionDenied
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    attempt = ContactAttempt(case=access.case, assessment=assessment, on=on, how=how, note=note, by=actor)
    _save(attempt, actor=actor, done_on=assessment.done_on, category=DataCategory.PLAN)
    edit_line(
        access.case,
        actor=actor,
        category=DataCategory.PLAN,
        summary=gettext_noop("Not reached for the reintegration assessment (%(when)s): %(how)s, %(day)s."),
        params={
            "when": label("assessment_point", assessment.point),
            "how": label("contact_method", how),
            "day": day(on),
        },
    )
    return attempt


@transaction.atomic
def follow_up_not_reached(
    *, actor: User, access: EnrolmentAccess, follow_up: IncomeFollowUp, on: datetime.date, how: str, note: str = ""
) -> ContactAttempt:
    """An attempt that did not reach the returnee for an income follow-up, recorded by whoever records
    the follow-up itself: the case's agency, or the option's provider when its referral shares income."""
    if not access.can_record_progress or not access.reads_income:
        raise PermissionDenied
    follow_up = IncomeFollowUp.objects.select_for_update().get(pk=follow_up.pk, enrolment=access.enrolment)
    case = access.enrolment.case
    attempt = ContactAttempt(case=case, follow_up=follow_up, on=on, how=how, note=note, by=actor)
    _save(attempt, actor=actor, done_on=follow_up.done_on, category=DataCategory.LIVELIHOOD)
    edit_line(
        case,
        actor=actor,
        category=DataCategory.LIVELIHOOD,
        summary=gettext_noop("Not reached for the income follow-up at %(months)s months: %(how)s, %(day)s."),
        params={"months": follow_up.months, "how": label("contact_method", how), "day": day(on)},
    )
    return attempt


def _save(attempt: ContactAttempt, *, actor: User, done_on: datetime.date | None, category: str) -> None:
    case: Case = attempt.case
    refuse_if_erased(case)
    errors: dict[str, Any] = {}
    if done_on is not None:
        errors["__all__"] = _("This follow-up is already recorded (%(date)s): there is no attempt to add.") % {
            "date": show_day(done_on)
        }
    opened = timezone.localdate(case.opened_at)
    if isinstance(attempt.on, datetime.date) and attempt.on < opened:
        errors["on"] = _("The attempt cannot come before the case was opened (%(date)s).") % {"date": show_day(opened)}
    full_clean_or_raise(attempt, errors, exclude=["case", "assessment", "follow_up", "by"])
    attempt.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=attempt,
        categories=[category],
        details={
            "case": case.code,
            "assessment": attempt.assessment_id,
            "follow_up": attempt.follow_up_id,
            "on": attempt.on.isoformat(),
            "how": attempt.how,
        },
    )


@transaction.atomic
def assessment_attempt_remove(*, actor: User, access: CaseAccess, assessment: Assessment, attempt_id: int) -> None:
    """Takes back an attempt recorded by mistake on an assessment (see `_remove`)."""
    if not access.can_edit or assessment.case_id != access.case.pk:
        raise PermissionDenied
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    attempt = assessment.contact_attempts.get(pk=attempt_id)  # ContactAttempt.DoesNotExist: no such attempt
    _remove(attempt, actor=actor, done_on=assessment.done_on, category=DataCategory.PLAN)


@transaction.atomic
def follow_up_attempt_remove(
    *, actor: User, access: EnrolmentAccess, follow_up: IncomeFollowUp, attempt_id: int
) -> None:
    """Takes back an attempt recorded by mistake on an income follow-up (see `_remove`)."""
    if not access.can_record_progress or not access.reads_income:
        raise PermissionDenied
    follow_up = IncomeFollowUp.objects.select_for_update().get(pk=follow_up.pk, enrolment=access.enrolment)
    attempt = follow_up.contact_attempts.get(pk=attempt_id)  # ContactAttempt.DoesNotExist: no such attempt
    _remove(attempt, actor=actor, done_on=follow_up.done_on, category=DataCategory.LIVELIHOOD)


def _remove(attempt: ContactAttempt, *, actor: User, done_on: datetime.date | None, category: str) -> None:
    """An attempt recorded by mistake (another person, another day) is taken back by whoever recorded
    it, while the follow-up is still open: it stops counting as a missed follow-up. The timeline keeps
    both lines, the attempt's and its removal; the audit log, the record as it was. Once the follow-up
    is recorded its attempts are history and stay."""
    refuse_if_erased(attempt.case)
    if attempt.by_id != actor.pk:
        raise PermissionDenied  # only the person who recorded an attempt takes it back
    if done_on is not None:
        raise ValidationError(
            _("This follow-up is already recorded (%(date)s): its attempts stay as they were.")
            % {"date": show_day(done_on)}
        )
    details = {
        "case": attempt.case.code,
        "assessment": attempt.assessment_id,
        "follow_up": attempt.follow_up_id,
        "on": attempt.on.isoformat(),
        "how": attempt.how,
    }
    audit_record(actor=actor, action=AuditEvent.Action.DELETE, obj=attempt, categories=[category], details=details)
    edit_line(
        attempt.case,
        actor=actor,
        category=category,
        summary=gettext_noop("Attempt to reach the returnee of %(day)s (%(how)s) removed: recorded by mistake."),
        params={"how": label("contact_method", attempt.how), "day": day(attempt.on)},
    )
    attempt.delete()
