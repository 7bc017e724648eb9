"""The hand-over between a referral and the livelihood work that rests on it (decisions/0018).

- A provider that accepted a referral acts on it: it records, on one of its own options, where the
  person stands (offered a place, accepted it, enrolled), each step a move of the enrolment's
  workflow made through `enrolment_move`. When the referral asked for livelihood work (its service is
  a training, a job placement, support for a business or education), the caseworker asked and the
  provider answers. When it asked for something else (a shelter that also runs a course), the
  provider that puts its own option forward is its *proposer*: the person who asks never approves,
  so the returnee's acceptance of it is recorded by their caseworker (the table's `not_by`).
- Ending a referral strands no work: completing or revoking it while an enrolment still needs the
  provider asks for a confirmation, naming what remains (`dependent_work`). After completion the
  provider keeps exactly those enrolments (`work_remains`, read by the access layer), until their
  last income follow-up is recorded or they close; revoking keeps nothing.
- Every enrolment page says who acts next (`next_step`), in words, rather than a bare status.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from reintegra.accounts.models import AuditEvent, User
from reintegra.cases.transitions import refuse_if_erased
from reintegra.lib import clock
from reintegra.lib.dates import show_day
from reintegra.lib.phrases import names
from reintegra.lib.validation import raise_if, value_problems
from reintegra.lib.validators import validate_not_future
from reintegra.network.choices import ServiceCategory
from reintegra.referrals.choices import ACTIVE_REFERRAL_STATUSES
from reintegra.referrals.models import Referral

from .choices import OPEN_ENROLMENT_STATUSES, EnrolmentStatus
from .enrolments import audit, eligibility_problems, enrolment_move, timeline_event
from .models import Enrolment, IncomeFollowUp, Opportunity
from .scope import EnrolmentAccess
from .workflows import ENROLMENT, OWNER, PROPOSER, PROVIDER, parties_of

S = EnrolmentStatus

# A referral to one of these services asks the provider for livelihood work.
LIVELIHOOD_SERVICE_CATEGORIES = frozenset(
    {
        ServiceCategory.VOCATIONAL_TRAINING,
        ServiceCategory.JOB_PLACEMENT,
        ServiceCategory.BUSINESS_STARTUP,
        ServiceCategory.MICROCREDIT,
        ServiceCategory.EDUCATION_SUPPORT,
    }
)

# Where a provider may bring a person in one go from the referral's page, in the workflow's order.
FORWARD = (S.RECOMMENDED, S.OFFERED, S.ACCEPTED, S.ENROLLED)
STEPS = FORWARD[1:]


def asks_for_livelihood(referral: Referral) -> bool:
    return referral.service is not None and referral.service.category in LIVELIHOOD_SERVICE_CATEGORIES


# --- What remains to be done ---------------------------------------------------------------------


def work_remains() -> Q:
    """Enrolments on which the provider still has work: an accepted place to enrol, a training to
    complete, and, once completed or placed, a placement to record and income follow-ups to make
    (the last follow-up ends the work; completion schedules them, so a completed enrolment has some)."""
    follow_ups_due = IncomeFollowUp.objects.filter(done_on__isnull=True).values("enrolment_id")
    return Q(status__in=(S.ACCEPTED, S.ENROLLED)) | Q(status__in=(S.COMPLETED, S.PLACED), pk__in=follow_ups_due)


def _follow_ups_due(enrolment: Enrolment) -> list[IncomeFollowUp]:
    return [f for f in enrolment.follow_ups.all() if f.done_on is None]


def remaining_work(enrolment: Enrolment) -> list[str]:
    """What is left to record on an enrolment, in words (empty when nothing is)."""
    status = enrolment.status
    if status == S.RECOMMENDED:
        return [_("the offer to the returnee")]
    if status == S.OFFERED:
        return [_("the returnee's answer to the offer")]
    if status == S.ACCEPTED:
        return [_("the enrolment")]
    if status == S.ENROLLED:
        return [_("the completion or the drop-out")]
    work = []
    due = _follow_ups_due(enrolment) if status in (S.COMPLETED, S.PLACED) else []
    if status == S.COMPLETED and due and not hasattr(enrolment, "placement"):
        work.append(_("the placement, when the person starts work"))
    if due:
        work.append(
            ngettext(
                "%(n)s income follow-up (the next at month %(months)s)",
                "%(n)s income follow-ups (the next at month %(months)s)",
                len(due),
            )
            % {"n": len(due), "months": due[0].months}
        )
    return work


@dataclass(frozen=True)
class Dependent:
    """An enrolment that still needs the provider a referral is ending for."""

    enrolment: Enrolment
    remains: list[str]
    kept: bool  # after completion, the provider keeps it until the work is done


def dependent_work(referral: Referral) -> list[Dependent]:
    """The enrolments of the person on the receiving agency's options that still need it. Nothing
    depends on this referral alone while another referral to the same agency stays active."""
    others = Referral.objects.filter(
        case_id=referral.case_id, to_agency_id=referral.to_agency_id, status__in=ACTIVE_REFERRAL_STATUSES
    ).exclude(pk=referral.pk)
    if any(other.gives_access() for other in others.select_related("consent")):
        return []
    enrolments = (
        Enrolment.objects.filter(case_id=referral.case_id, opportunity__provider_id=referral.to_agency_id)
        .filter(Q(status__in=OPEN_ENROLMENT_STATUSES) | work_remains())
        .select_related("opportunity", "placement")
        .prefetch_related("follow_ups")
        .order_by("pk")
    )
    return [
        Dependent(enrolment=e, remains=remaining_work(e), kept=e.status not in (S.RECOMMENDED, S.OFFERED))
        for e in enrolments
    ]


def dependent_work_problem(referral: Referral, move: str, dependents: list[Dependent]) -> str:
    """Why a referral's end asks for a confirmation: the work that depends on it, and what becomes of it."""
    listed = "; ".join(f"{d.enrolment.opportunity.title} ({', '.join(d.remains)})" for d in dependents)
    if move == "revoke":
        return _(
            "%(agency)s still has work on this person's livelihood options: %(work)s. Revoking ends its "
            "access to them too; your agency records the rest. Confirm to revoke."
        ) % {"agency": referral.to_agency.display_name, "work": listed}
    text = _(
        "Work still depends on this referral: %(work)s. After completion your agency keeps the enrolments "
        "with work left, and nothing else of the case, until that work is done."
    ) % {"work": listed}
    if any(not d.kept for d in dependents):
        text += " " + _("An option the returnee has not accepted yet passes to the caseworker at %(agency)s.") % {
            "agency": referral.from_agency.display_name
        }
    return text + " " + _("Confirm to complete.")


def on_referral_ending(*, actor: User, referral: Referral, move: str, confirmed: bool) -> list[int]:
    """Connected to referrals' `referral_ending` (livelihoods/apps.py), inside the move's transaction.
    Refuses an unconfirmed end that would strand work; on completion links the enrolments the provider
    keeps to this referral (the access layer keeps them through it while work remains); on a
    revocation links every dependent enrolment to it, so none stays held through an earlier completed
    referral. Returns the ids of the enrolments linked."""
    dependents = dependent_work(referral)
    if not dependents:
        return []
    if not confirmed:
        raise ValidationError({"confirm": dependent_work_problem(referral, move, dependents)})
    linked = [d.enrolment for d in dependents if d.kept or move == "revoke"]
    for enrolment in linked:
        if enrolment.referral_id != referral.pk:
            enrolment.referral = referral
            enrolment.save(update_fields=["referral", "updated_at"])
    return [e.pk for e in linked]


# --- The provider acts on a referral -----------------------------------------------------------------


def steps_for(referral: Referral, *, proposed: bool) -> list[str]:
    """The statuses a provider may bring a new enrolment to from this referral, as the table allows."""
    parties = {PROVIDER, PROPOSER} if proposed else {PROVIDER}
    reachable: list[str] = []
    state: str = S.RECOMMENDED
    for target in STEPS:
        move = ENROLMENT.move(target)
        if state not in move.sources or not ENROLMENT.may(move, parties):
            break
        reachable.append(target)
        state = target
    return reachable


@transaction.atomic
def enrolment_from_referral(
    *,
    actor: User,
    referral: Referral,
    opportunity: Opportunity,
    to: str,
    on: datetime.date | None = None,
) -> Enrolment:
    """The receiving agency of an active referral records where the person stands on one of its own
    options: offered a place, accepted it, or enrolled. An enrolment already open on that option (the
    caseworker recommended it) is taken on from where it is; otherwise one is put forward. Each step
    is a move of the workflow, checked by the table as if made one by one; all or nothing."""
    # Only non-null relations beside the lock: PostgreSQL locks no outer join's nullable side.
    referral = Referral.objects.select_for_update().select_related("case", "to_agency").get(pk=referral.pk)
    refuse_if_erased(referral.case)
    if actor.agency_id is None or actor.agency_id != referral.to_agency_id:
        raise PermissionDenied
    if not referral.gives_access():
        raise ValidationError(_("This referral has ended: livelihood options are recorded while it is active."))
    if opportunity.provider_id != referral.to_agency_id:
        raise ValidationError({"opportunity": _("Choose one of your agency's own options.")})
    if to not in STEPS:
        raise ValidationError({"to": _("Choose offered, accepted or enrolled.")})
    on = on or clock.today()
    raise_if(value_problems("on", on, [validate_not_future]))
    case = referral.case
    enrolment = (
        Enrolment.objects.select_for_update()
        .filter(case=case, opportunity=opportunity, status__in=OPEN_ENROLMENT_STATUSES)
        .first()
    )
    if enrolment is None:
        enrolment = _put_forward(actor=actor, referral=referral, opportunity=opportunity, on=on)
    elif enrolment.status not in FORWARD or FORWARD.index(enrolment.status) >= FORWARD.index(to):
        raise ValidationError(
            {
                "to": _("This person is already “%(status)s” on this option; record the next step on its page.")
                % {"status": enrolment.get_status_display()}
            }
        )
    elif enrolment.referral_id is None:  # recommended before the referral: it is now the referral's work
        enrolment.referral = referral
        enrolment.save(update_fields=["referral", "updated_at"])
    for target in FORWARD[FORWARD.index(enrolment.status) + 1 : FORWARD.index(to) + 1]:
        access = EnrolmentAccess.of_referral(referral, enrolment)
        enrolment = enrolment_move(actor=actor, access=access, to=target, on=on, version=enrolment.version)
    return enrolment


def _put_forward(*, actor: User, referral: Referral, opportunity: Opportunity, on: datetime.date) -> Enrolment:
    case = referral.case
    errors: dict[str, Any] = dict(eligibility_problems(case, opportunity, on))
    declined = (
        Enrolment.objects.filter(case=case, opportunity=opportunity, status=S.DECLINED).order_by("-decided_on").first()
    )
    if declined is not None:
        errors["opportunity"] = _(
            "The returnee declined this option on %(date)s. It is not offered again unless they ask their "
            "caseworker for it."
        ) % {"date": show_day(declined.decided_on)}
    raise_if(errors)
    enrolment = Enrolment.objects.create(
        case=case,
        agency_id=case.agency_id,
        opportunity=opportunity,
        status=S.RECOMMENDED,
        recommended_by=actor,
        recommended_on=on,
        referral=referral,
        proposed_by_provider=not asks_for_livelihood(referral),
    )
    timeline_event(
        case,
        actor=actor,
        summary=gettext_noop("Livelihood option put forward by %(agency)s: %(option)s."),
        params={"agency": names(referral.to_agency.names()), "option": opportunity.title},
    )
    audit(
        enrolment,
        actor=actor,
        action=AuditEvent.Action.CREATE,
        case=case.code,
        option=opportunity.pk,
        referral=referral.pk,
        proposed=enrolment.proposed_by_provider,
    )
    return enrolment


# --- Who acts next -----------------------------------------------------------------------------------

# The step each open status waits for, and its words (completing with the drop-out as the other end).
AWAITED: dict[str, tuple[str, Any]] = {
    S.RECOMMENDED: (S.OFFERED, gettext_lazy("put the option to the returnee")),
    S.OFFERED: (S.ACCEPTED, gettext_lazy("record the returnee's answer")),
    S.ACCEPTED: (S.ENROLLED, gettext_lazy("record the enrolment")),
    S.ENROLLED: (S.COMPLETED, gettext_lazy("record the completion or the drop-out")),
}


@dataclass(frozen=True)
class NextStep:
    text: str
    yours: bool  # the reader may take it on this page
    done: bool = False  # nothing is left to record


def next_step(access: EnrolmentAccess, *, case_agency: str, provider: str) -> NextStep:
    """Who acts next on an enrolment, said to the reader of its page: their own next step, or whom
    they wait for (the caseworker at the case's agency, or the provider), or that nothing remains."""
    enrolment = access.enrolment
    status = enrolment.status
    if status in AWAITED:
        target, what = AWAITED[status]
        move = ENROLMENT.move(target)
        if ENROLMENT.may(move, parties_of(access)):
            return NextStep(text=_("Next: %(what)s.") % {"what": what}, yours=True)
        provider_parties = {PROVIDER, PROPOSER} if enrolment.proposed_by_provider else {PROVIDER}
        if ENROLMENT.may(move, {OWNER}):
            text = _("Waiting for the caseworker at %(agency)s to %(what)s.") % {"agency": case_agency, "what": what}
        elif ENROLMENT.may(move, provider_parties):
            text = _("Waiting for %(agency)s to %(what)s.") % {"agency": provider, "what": what}
        else:
            text = _("Still to do: %(what)s.") % {"what": what}
        return NextStep(text=text, yours=False)
    if status in (S.COMPLETED, S.PLACED) and not access.reads_income:
        # A provider whose referral does not share income sees no follow-up (decisions/0018, issue 12).
        if status == S.COMPLETED and not hasattr(enrolment, "placement"):
            text = _(
                "Next: record the placement when the person starts work; the caseworker at %(agency)s records "
                "the income follow-ups."
            ) % {"agency": case_agency}
            return NextStep(text=text, yours=True)
        text = _("The caseworker at %(agency)s records the income follow-ups.") % {"agency": case_agency}
        return NextStep(text=text, yours=False)
    due = _follow_ups_due(enrolment) if status in (S.COMPLETED, S.PLACED) else []
    if due:
        months = due[0].months
        follow_up = ngettext(
            "record the income follow-up at %(months)s month",
            "record the income follow-up at %(months)s months",
            months,
        ) % {"months": months}
        if status == S.COMPLETED and not hasattr(enrolment, "placement"):
            text = _("Next: record the placement when the person starts work, and %(follow_up)s.") % {
                "follow_up": follow_up
            }
        else:
            text = _("Next: %(what)s.") % {"what": follow_up}
        return NextStep(text=text, yours=access.can_record_progress)
    if status in (S.COMPLETED, S.PLACED):
        return NextStep(text=_("Every income follow-up is recorded: nothing is left."), yours=False, done=True)
    return NextStep(text=_("This enrolment is closed: nothing is left to record."), yours=False, done=True)
