"""From recommendation to income: the enrolment workflow, stipends, placement and income follow-ups.

The returnee's choice wins: a declined option keeps its reason and is not recommended again unless
the returnee asks for it. Provider staff record the offer, the returnee's answer, enrolment, stipends,
drop-out, completion, placement and income follow-ups for the people referred to them (decisions/0018:
not the acceptance of an option they put forward themselves); recommending belongs to the case's
agency. Completion (or the start of work) schedules income follow-ups at 1, 3, 6 and 12 months, each
with a task for the caseworker.
"""

import datetime
from decimal import Decimal
from functools import partial
from typing import Any, Unpack

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, User
from reintegra.cases.choices import DataCategory
from reintegra.cases.models import Case
from reintegra.cases.scope import CaseAccess
from reintegra.cases.tasks import case_keeper, task_close_linked, task_create
from reintegra.cases.timeline import edit_line
from reintegra.cases.transitions import Line, record_move, refuse_if_erased
from reintegra.lib import clock
from reintegra.lib.concurrency import check_version
from reintegra.lib.dates import add_months, show_day
from reintegra.lib.phrases import day, label, plural
from reintegra.lib.phrases import plural_msgids as ngettext  # marks both forms for makemessages
from reintegra.lib.validation import full_clean_or_raise, raise_if, record_problems, value_problems
from reintegra.lib.validators import REASON, validate_not_future
from reintegra.referrals.choices import ACTIVE_REFERRAL_STATUSES

from .choices import (
    FOLLOW_UP_MONTHS,
    OPEN_ENROLMENT_STATUSES,
    SEAT_STATUSES,
    EnrolmentStatus,
)
from .models import (
    FOLLOW_UP_FIELDS,
    PLACEMENT_FIELDS,
    AllocationRound,
    Enrolment,
    FollowUpFields,
    IncomeFollowUp,
    Opportunity,
    Placement,
    PlacementFields,
    StipendPayment,
    group_values,
)
from .scope import EnrolmentAccess
from .workflows import ENROLMENT, parties_of

# Moves the provider's staff may record; the others are the returnee's and their caseworker's.


timeline_event = partial(edit_line, category=DataCategory.LIVELIHOOD)


def audit(obj: Any, *, actor: User, action: str, **details: Any) -> None:
    audit_record(actor=actor, action=action, obj=obj, categories=["livelihood"], details=details)


def _age_on(case: Case, when: datetime.date) -> int | None:
    born = case.returnee.birth_date
    if not born:
        return None
    return when.year - born.year - ((when.month, when.day) < (born.month, born.day))


def eligibility_problems(case: Case, opportunity: Opportunity, today: datetime.date) -> dict[str, str]:
    """Why the option cannot be put before this person (inactive, the justified gender restriction, age)."""
    errors: dict[str, str] = {}
    if not opportunity.active:
        errors["opportunity"] = _("This option is no longer offered.")
    # A restriction (rare, and justified) excludes only those clearly of the other gender.
    excluded = {"female": ("Masculine", "TransgenderMasculine"), "male": ("Feminine", "TransgenderFeminine")}
    if case.returnee.gender in excluded.get(opportunity.gender_restriction, ()):
        errors["opportunity"] = _("This option is restricted to %(gender)s (%(reason)s).") % {
            "gender": opportunity.get_gender_restriction_display(),
            "reason": opportunity.gender_restriction_reason,
        }
    age = _age_on(case, today)
    if age is not None and (
        (opportunity.min_age is not None and age < opportunity.min_age)
        or (opportunity.max_age is not None and age > opportunity.max_age)
    ):
        errors["opportunity"] = _("The person's age (%(age)s) is outside this option's age range.") % {"age": age}
    return errors


@transaction.atomic
def enrolment_recommend(
    *,
    actor: User,
    access: CaseAccess,
    opportunity: Opportunity,
    asked_by_returnee: bool = False,
    on: datetime.date | None = None,
    allocation_round: AllocationRound | None = None,
) -> Enrolment:
    """Puts an option before the returnee (`on` a past date when entering earlier records). An option
    they declined is not put before them again unless they ask for it (`asked_by_returnee`). A cohort
    allocation names its round, so its offers can be reviewed and withdrawn together."""
    refuse_if_erased(access.case)
    if not access.own:
        raise PermissionDenied
    case = access.case
    Case.objects.select_for_update().filter(pk=case.pk).first()  # one recommendation at a time per case
    today = on or clock.today()
    errors: dict[str, Any] = dict(eligibility_problems(case, opportunity, today))
    errors |= value_problems("on", today, [validate_not_future])
    earlier = Enrolment.objects.filter(case=case, opportunity=opportunity)
    if earlier.filter(status__in=OPEN_ENROLMENT_STATUSES).exists():
        errors["opportunity"] = _("This option is already open for this person.")
    declined = earlier.filter(status=EnrolmentStatus.DECLINED).order_by("-decided_on").first()
    if declined is not None and not asked_by_returnee:
        errors["opportunity"] = _(
            "The returnee declined this option on %(date)s (“%(reason)s”). It is not offered again unless they ask."
        ) % {"date": show_day(declined.decided_on), "reason": declined.decline_reason}
    raise_if(errors)
    enrolment = Enrolment.objects.create(
        case=case,
        agency_id=case.agency_id,
        opportunity=opportunity,
        status=EnrolmentStatus.RECOMMENDED,
        asked_by_returnee=asked_by_returnee,
        recommended_by=actor,
        recommended_on=today,
        referral=_referral_to_provider(case, opportunity),
        allocation_round=allocation_round,
    )
    timeline_event(
        case,
        actor=actor,
        summary=gettext_noop("Livelihood option recommended: %(option)s."),
        params={"option": opportunity.title},
    )
    audit(enrolment, actor=actor, action=AuditEvent.Action.CREATE, case=case.code, option=opportunity.pk)
    return enrolment


def _referral_to_provider(case: Case, opportunity: Opportunity) -> Any:
    if opportunity.provider_id == case.agency_id:
        return None
    return (
        case.referrals.filter(to_agency_id=opportunity.provider_id, status__in=ACTIVE_REFERRAL_STATUSES)
        .order_by("-sent_at")
        .first()
    )


def _check_dates(enrolment: Enrolment, to: str, on: datetime.date, errors: dict[str, Any]) -> None:
    errors |= value_problems("on", on, [validate_not_future])
    if on < enrolment.recommended_on:
        errors["on"] = _("This date is before the option was recommended (%(date)s).") % {
            "date": show_day(enrolment.recommended_on)
        }
    if to in (EnrolmentStatus.COMPLETED, EnrolmentStatus.DROPPED_OUT) and enrolment.enrolled_on:
        if on < enrolment.enrolled_on:
            errors["on"] = _("This date is before the enrolment (%(date)s).") % {
                "date": show_day(enrolment.enrolled_on)
            }


def _check_seats(enrolment: Enrolment, errors: dict[str, Any]) -> None:
    opportunity = Opportunity.objects.select_for_update().get(pk=enrolment.opportunity_id)
    if opportunity.seats is None:
        return
    taken = opportunity.enrolments.filter(status__in=SEAT_STATUSES).exclude(pk=enrolment.pk).count()
    if taken >= opportunity.seats:
        errors["status"] = _("All %(seats)s seats of this option are taken.") % {"seats": opportunity.seats}


@transaction.atomic
def enrolment_move(
    *,
    actor: User,
    access: EnrolmentAccess,
    to: str,
    on: datetime.date | None = None,
    reason: str = "",
    version: int | None = None,
) -> Enrolment:
    """One step of the workflow (livelihoods/workflows.py), named after the status it leads to;
    placement has its own service."""
    enrolment = Enrolment.objects.select_for_update().select_related("case", "opportunity").get(pk=access.enrolment.pk)
    refuse_if_erased(enrolment.case)
    check_version(enrolment, expected_version=version, submitted={"status": to}, fields=("status",))
    raise_if(record_problems(Enrolment(status=to), only=("status",)))
    errors: dict[str, Any] = {}
    if to == EnrolmentStatus.PLACED:
        if not parties_of(access):
            raise PermissionDenied
        raise ValidationError({"status": _("Record the placement itself: employer or business, job, income.")})
    move = ENROLMENT.check(enrolment.status, to, parties_of(access), reason=reason or "")
    reason = move.kept_reason(reason or "")
    on = on or clock.today()
    _check_dates(enrolment, to, on, errors)
    errors |= value_problems("reason", reason, REASON)
    if to in SEAT_STATUSES and enrolment.status not in SEAT_STATUSES:
        _check_seats(enrolment, errors)
    raise_if(errors)
    linked: tuple[str, ...] = ()
    if to == EnrolmentStatus.ENROLLED and enrolment.referral is None:
        enrolment.referral = _referral_to_provider(enrolment.case, enrolment.opportunity)
        linked = ("referral",)
    record_move(
        enrolment,
        move,
        case=enrolment.case,
        actor=actor,
        reason=reason,
        day=on,
        also=linked,
        line=Line(
            summary=gettext_noop("%(option)s: %(status)s on %(date)s."),
            params={"option": enrolment.opportunity.title, "status": label("enrolment_status", to), "date": day(on)},
            text=reason,
            category=DataCategory.LIVELIHOOD,
            agency=actor.agency,
        ),
        audit_categories=["livelihood"],
        audit_details={"status": to},
    )
    if to == EnrolmentStatus.COMPLETED:
        follow_ups_schedule(actor=actor, enrolment=enrolment, start=on)
    if to == EnrolmentStatus.ACCEPTED and enrolment.allocation_round_id is not None:
        _release_menu(actor, enrolment, on)
    return enrolment


def _release_menu(actor: User, accepted: Enrolment, on: datetime.date) -> None:
    """A menu (decisions/0034): a cohort round may offer a person two or three options, each offer holding
    a seat. Accepting one releases the others of that round still waiting for an answer, which frees their
    seats: not a decline of those options (they may be offered again, and count in no decline rate). Each
    is a move of the workflow (a timeline line and an audit record)."""
    others = Enrolment.objects.filter(
        case_id=accepted.case_id, allocation_round_id=accepted.allocation_round_id, status=EnrolmentStatus.OFFERED
    ).exclude(pk=accepted.pk)
    for other in others:
        enrolment_move(
            actor=actor,
            access=EnrolmentAccess(enrolment=other, own=True, provider=False),
            to=EnrolmentStatus.RELEASED,
            on=on,
            reason=_("Accepted “%(option)s” from the same menu.") % {"option": accepted.opportunity.title},
            version=other.version,
        )


# The title of a follow-up's task, shown in each reader's language (lib/phrases.py).
FOLLOW_UP_TASK = ngettext(
    "Income follow-up, %(months)s month after %(option)s",
    "Income follow-up, %(months)s months after %(option)s",
)


def follow_ups_schedule(*, actor: User, enrolment: Enrolment, start: datetime.date) -> list[IncomeFollowUp]:
    """Follow-ups 1, 3, 6 and 12 months after `start` (completion or start of work, whichever comes
    first), each with a task for the case's caseworker. Scheduled once; later calls change nothing."""
    refuse_if_erased(enrolment.case)
    if enrolment.follow_ups.exists():
        return list(enrolment.follow_ups.all())
    case = enrolment.case
    created = []
    for months in FOLLOW_UP_MONTHS:
        due = add_months(start, months)
        task = task_create(
            actor=actor,
            case=case,
            title_phrase=FOLLOW_UP_TASK[0],
            title_params={
                "months": months,
                "option": enrolment.opportunity.title,
                **plural(FOLLOW_UP_TASK[1], "months"),
            },
            due_on=due,
            agency=case.agency,
            assignee=case_keeper(case),
            is_follow_up=True,
            announce=False,
        )
        created.append(IncomeFollowUp.objects.create(enrolment=enrolment, months=months, due_on=due, task=task))
    audit(enrolment, actor=actor, action=AuditEvent.Action.UPDATE, follow_ups_from=start.isoformat())
    return created


@transaction.atomic
def stipend_record(
    *, actor: User, access: EnrolmentAccess, paid_on: datetime.date, amount: Decimal | None, currency: str
) -> StipendPayment:
    refuse_if_erased(access.enrolment.case)
    if not access.can_record_progress:
        raise PermissionDenied
    enrolment = Enrolment.objects.select_for_update().get(pk=access.enrolment.pk)
    payment = StipendPayment(enrolment=enrolment, paid_on=paid_on, currency=(currency or "").upper(), recorded_by=actor)
    payment.amount = amount  # type: ignore[assignment]  # None is refused by full_clean, naming the field
    errors: dict[str, Any] = {}
    if enrolment.enrolled_on is None:
        errors["paid_on"] = _("Stipends are paid once the person is enrolled.")
    elif paid_on < enrolment.enrolled_on:
        errors["paid_on"] = _("This date is before the enrolment (%(date)s).") % {
            "date": show_day(enrolment.enrolled_on)
        }
    full_clean_or_raise(payment, errors)
    payment.save()
    audit(payment, actor=actor, action=AuditEvent.Action.CREATE, enrolment=enrolment.pk)
    return payment


def _before_enrolment(enrolment: Enrolment, on: datetime.date | None, field: str) -> dict[str, Any]:
    if on is not None and enrolment.enrolled_on and on < enrolment.enrolled_on:
        return {field: _("This date is before the enrolment (%(date)s).") % {"date": show_day(enrolment.enrolled_on)}}
    return {}


@transaction.atomic
def placement_record(
    *,
    actor: User,
    access: EnrolmentAccess,
    version: int | None = None,
    **given: Unpack[PlacementFields],
) -> Placement:
    """Records (or corrects, with the values given) where the option led, and marks the enrolment placed."""
    refuse_if_erased(access.enrolment.case)
    values = group_values(Placement, PLACEMENT_FIELDS, given)
    if not access.can_record_progress:
        raise PermissionDenied
    enrolment = Enrolment.objects.select_for_update().select_related("case", "opportunity").get(pk=access.enrolment.pk)
    existing = Placement.objects.filter(enrolment=enrolment).first()
    if existing is not None:
        check_version(existing, expected_version=version, submitted=values, fields=PLACEMENT_FIELDS)
        placement = existing
        for key, value in values.items():
            setattr(placement, key, value)
        placement.version += 1
    else:
        move = ENROLMENT.check(enrolment.status, EnrolmentStatus.PLACED, parties_of(access))
        placement = Placement(enrolment=enrolment, recorded_by=actor, **values)
    full_clean_or_raise(
        placement,
        _before_enrolment(enrolment, values["started_on"], "started_on"),
        exclude=["enrolment", "recorded_by"],
    )
    placement.save()
    if existing is None:
        record_move(
            enrolment,
            move,
            case=enrolment.case,
            actor=actor,
            line=Line(
                summary=gettext_noop("%(option)s: placed from %(date)s."),
                params={"option": enrolment.opportunity.title, "date": day(values["started_on"])},
                category=DataCategory.LIVELIHOOD,
                agency=actor.agency,
            ),
            audit_categories=["livelihood"],
            audit_details={"status": EnrolmentStatus.PLACED},
        )
        follow_ups_schedule(actor=actor, enrolment=enrolment, start=values["started_on"])
        action = AuditEvent.Action.CREATE
    else:
        action = AuditEvent.Action.UPDATE
    audit(placement, actor=actor, action=action, enrolment=enrolment.pk, kind=placement.kind)
    return placement


@transaction.atomic
def follow_up_record(
    *,
    actor: User,
    access: EnrolmentAccess,
    follow_up: IncomeFollowUp,
    **given: Unpack[FollowUpFields],
) -> IncomeFollowUp:
    """Work and income at a follow-up point, recorded by the case's agency or by the option's provider,
    which follows the people it trained or placed (decisions/0018); its task, the caseworker's, closes."""
    refuse_if_erased(access.enrolment.case)
    values = group_values(IncomeFollowUp, FOLLOW_UP_FIELDS, given)
    # Income is the livelihood category: a provider whose referral does not share it neither reads nor records it.
    if not access.can_record_progress or not access.reads_income:
        raise PermissionDenied
    enrolment = access.enrolment
    follow_up = IncomeFollowUp.objects.select_for_update().get(pk=follow_up.pk, enrolment=enrolment)
    errors: dict[str, Any] = {}
    started = enrolment.enrolled_on or enrolment.recommended_on
    done_on = values["done_on"]
    if done_on is not None and done_on < started:
        errors["done_on"] = _("An income follow-up cannot come before the enrolment (%(date)s).") % {
            "date": show_day(started)
        }
    for key, value in values.items():
        setattr(follow_up, key, value)
    follow_up.done_by = actor
    full_clean_or_raise(follow_up, errors, exclude=["enrolment", "task", "done_by"])
    follow_up.save()
    task_close_linked(follow_up.task)
    timeline_event(
        enrolment.case,
        actor=actor,
        summary=gettext_noop("Income follow-up at %(months)s months: %(employment)s."),
        params={"months": follow_up.months, "employment": label("employment", values["employment"])},
    )
    audit(follow_up, actor=actor, action=AuditEvent.Action.UPDATE, months=follow_up.months)
    return follow_up
