"""Transfers of a case between agencies, and the assignment of a case within its agency.

A transfer is proposed by a supervisor of the owning agency, under a sharing consent that covers
every category of the case (or a supervisor's recorded override, as for referrals), answered by a
supervisor of the receiving agency, who chooses the caseworker, or withdrawn by the proposing agency
while it waits. On acceptance the whole case moves (decisions/0033): what is reached through
`case.agency` follows by itself; what stores an agency of its own (open tasks, the sending side of
open referrals) is moved here, in the same transaction."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.dispatch import Signal
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import CASE_OWNER_ROLES, AuditEvent, User
from reintegra.cases.choices import DataCategory
from reintegra.cases.models import Case, CaseEvent, Task
from reintegra.cases.scope import CaseAccess
from reintegra.cases.timeline import timeline_write
from reintegra.cases.transitions import Line, record_move, refuse_if_erased
from reintegra.lib import clock
from reintegra.lib.phrases import names
from reintegra.lib.validation import raise_if, value_problems
from reintegra.lib.validators import REASON
from reintegra.livelihoods.models import Enrolment
from reintegra.network.models import Agency
from reintegra.plans.models import Plan
from reintegra.referrals.choices import OPEN_REFERRAL_STATUSES
from reintegra.referrals.models import Referral
from reintegra.referrals.services import consent_covering

from .models import Transfer, TransferStatus
from .workflows import TRANSFER, parties_of

# Sent when a case gets a new caseworker: assigned within the agency, or chosen on accepting a transfer
# (sender: Case; case, caseworker, actor). Notifications listen; this app does not know them.
assigned = Signal()

# The timeline line of each move: the receiving agency's name, nothing of the person.
LINES = {
    "accept": gettext_noop("Transfer to %(agency)s accepted: the case is now kept there."),
    "decline": gettext_noop("Transfer to %(agency)s declined."),
    "withdraw": gettext_noop("Transfer to %(agency)s withdrawn."),
}


def _audit(transfer: Transfer, *, actor: User, action: str, **details: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=transfer,
        categories=["transfer"],
        details={"case": transfer.case.code, **details},
    )


def caseworkers_of(agency_id: int) -> QuerySet[User]:
    """The active caseworkers and supervisors of an agency, each with `caseload`: its open cases."""
    open_cases = (
        Case.objects.filter(caseworker_id=OuterRef("pk"), agency_id=agency_id, closed_at__isnull=True)
        .order_by()
        .values("caseworker_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        User.objects.filter(agency_id=agency_id, is_active=True, role__in=CASE_OWNER_ROLES)
        .annotate(caseload=Coalesce(Subquery(open_cases, output_field=IntegerField()), 0))
        .order_by("first_name", "last_name", "username", "pk")
    )


def _caseworker_of(agency_id: int, caseworker: User | None, field: str) -> User:
    if caseworker is None:
        raise ValidationError({field: _("Choose the caseworker who takes the case.")})
    if not caseworkers_of(agency_id).filter(pk=caseworker.pk).exists():
        raise ValidationError({field: _("Choose a caseworker of the agency that keeps the case.")})
    return caseworker


def _check_reason(field: str, reason: str) -> None:
    raise_if(value_problems(field, reason, REASON))


@transaction.atomic
def transfer_propose(
    *, actor: User, access: CaseAccess, to_agency: Agency | None, reason: str, override_reason: str = ""
) -> Transfer:
    """A supervisor of the owning agency proposes to hand the case to another agency."""
    refuse_if_erased(access.case)
    if not access.is_supervisor:
        raise PermissionDenied
    case = Case.objects.select_for_update().select_related("agency").get(pk=access.case.pk)
    reason, override_reason = reason.strip(), override_reason.strip()
    errors: dict[str, Any] = {}
    if to_agency is None:
        errors["to_agency"] = _("Choose the agency that takes the case.")
    elif to_agency.pk == case.agency_id:
        errors["to_agency"] = _("Transfer to another agency.")
    elif not to_agency.active:
        errors["to_agency"] = _("This agency is not active.")
    if not reason:
        errors["reason"] = _("Say why the case moves.")
    errors |= value_problems("reason", reason, REASON) | value_problems("override_reason", override_reason, REASON)
    if case.closed_at is not None:
        errors["__all__"] = _("A closed case is not transferred.")
    elif case.closure_requested_at is not None:
        errors["__all__"] = _("A closure is waiting for a decision: decide it before transferring the case.")
    elif Transfer.objects.filter(case=case, status=TransferStatus.PENDING).exists():
        errors["__all__"] = _("A transfer of this case is already waiting for an answer.")
    raise_if(errors)
    if to_agency is None:  # reported above
        raise ValidationError({"to_agency": _("Choose the agency that takes the case.")})
    transfer = Transfer(
        case=case,
        from_agency=case.agency,
        to_agency=to_agency,
        reason=reason,
        proposed_by=actor,
        proposed_at=clock.now(),
    )
    transfer.consent = consent_covering(case=case, to_agency=to_agency, categories=DataCategory.values)
    if transfer.consent is None:
        if not override_reason:
            raise ValidationError(
                {
                    "override_reason": _(
                        "No consent covers handing the whole case to %(agency)s. Record the returnee's consent "
                        "first, or give the reason for transferring without it (a supervisor's decision)."
                    )
                    % {"agency": to_agency.display_name}
                }
            )
        transfer.override_reason = override_reason
        transfer.override_by = actor
    transfer.save()
    summary = (
        gettext_noop("Transfer to %(agency)s proposed, without consent, by supervisor decision.")
        if transfer.override_by_id
        else gettext_noop("Transfer to %(agency)s proposed.")
    )
    timeline_write(
        case,
        kind=CaseEvent.Kind.EDIT,
        actor=actor,
        agency=case.agency,
        summary=summary,
        params={"agency": names(to_agency.names())},
        text=reason,
    )
    _audit(
        transfer,
        actor=actor,
        action=AuditEvent.Action.CREATE,
        to=to_agency.slug,
        override=transfer.override_by_id is not None,
    )
    return transfer


@transaction.atomic
def transfer_move(
    *, actor: User, transfer: Transfer, move: str, reason: str = "", caseworker: User | None = None
) -> Transfer:
    """One step of the transfer's workflow (transfers/workflows.py). Accepting names the caseworker
    of the receiving agency and moves the case."""
    transfer = (
        Transfer.objects.select_for_update().select_related("case", "from_agency", "to_agency").get(pk=transfer.pk)
    )
    case = Case.objects.select_for_update().get(pk=transfer.case_id)
    transfer.case = case
    refuse_if_erased(case)
    reason = reason.strip()
    step = TRANSFER.check(
        transfer.status, move, parties_of(actor, transfer), reason=reason, record=transfer, actor=actor
    )
    reason = step.kept_reason(reason)
    _check_reason("reason", reason)
    details: dict[str, Any] = {"status": step.target}
    also: tuple[str, ...] = ()
    if step.name == "accept":
        if transfer.consent_id is not None and transfer.consent is not None and transfer.consent.withdrawn_at:
            raise ValidationError(_("The consent this transfer rested on was withdrawn: it cannot be accepted."))
        if case.closed_at is not None:
            raise ValidationError(_("A closed case is not transferred."))
        transfer.caseworker = _caseworker_of(transfer.to_agency_id, caseworker, "caseworker")
        also = ("caseworker",)
        details["caseworker"] = transfer.caseworker.pk
    receiver = step.name != "withdraw"
    record_move(
        transfer,
        step,
        case=case,
        actor=actor,
        reason=reason,
        line=Line(
            summary=LINES[step.name],
            params={"agency": names(transfer.to_agency.names())},
            text=reason,
            agency=transfer.to_agency if receiver else transfer.from_agency,
        ),
        audit_categories=["transfer"],
        audit_details={"case": case.code, **details},
        also=also,
    )
    if step.name == "accept":
        _hand_over(transfer, actor=actor)
    return transfer


def _hand_over(transfer: Transfer, *, actor: User) -> None:
    """The case moves: its agency and caseworker; the open tasks of the former owner on it, to the new
    caseworker; the sending side of its open referrals, to the new owner (the owner speaks for the
    case), except a referral to the new owner itself, which stays as it was. Everything else is
    reached through `case.agency` and follows by itself (decisions/0033), but the plan, the
    enrolments and the tasks, which keep the case's agency beside them for the agency's lists
    (decisions/0045, 0047)."""
    case = transfer.case
    old, new = transfer.from_agency, transfer.to_agency
    case.agency = new
    case.caseworker = transfer.caseworker
    case.save(update_fields=["agency", "caseworker"])
    assigned.send(sender=Case, case=case, caseworker=transfer.caseworker, actor=actor)
    tasks = Task.objects.filter(case=case, agency=old, done_at__isnull=True).update(
        agency=new, assignee=transfer.caseworker
    )
    Task.objects.filter(case=case).update(case_agency=new)
    Plan.objects.filter(case=case).update(agency=new)
    Enrolment.objects.filter(case=case).update(agency=new)
    referrals = (
        Referral.objects.filter(case=case, from_agency=old, status__in=OPEN_REFERRAL_STATUSES)
        .exclude(to_agency=new)
        .update(from_agency=new)
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=case,
        categories=["transfer"],
        details={"transferred_from": old.slug, "to": new.slug, "tasks": tasks, "referrals": referrals},
    )


@transaction.atomic
def case_assign(*, actor: User, access: CaseAccess, caseworker: User | None) -> Case:
    """A supervisor gives the case to one of the agency's caseworkers; the open tasks of the agency on
    the case that were the former caseworker's (or nobody's) go to the new one; tasks given to
    someone else stay theirs."""
    refuse_if_erased(access.case)
    if not access.is_supervisor:
        raise PermissionDenied
    case = Case.objects.select_for_update().get(pk=access.case.pk)
    if case.closed_at is not None:
        raise ValidationError(_("A closed case is not assigned."))
    caseworker = _caseworker_of(case.agency_id, caseworker, "caseworker")
    before = case.caseworker_id
    if before == caseworker.pk:
        raise ValidationError({"caseworker": _("The case is already assigned to this caseworker.")})
    case.caseworker = caseworker
    case.save(update_fields=["caseworker"])
    tasks = (
        Task.objects.filter(case=case, agency_id=case.agency_id, done_at__isnull=True)
        .filter(Q(assignee_id=before) | Q(assignee__isnull=True))
        .update(assignee=caseworker)
    )
    timeline_write(
        case,
        kind=CaseEvent.Kind.EDIT,
        actor=actor,
        summary=gettext_noop("Case assigned to %(person)s."),
        params={"person": str(caseworker)},
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=case,
        categories=["assignment"],
        details={"caseworker": caseworker.pk, "before": before, "tasks": tasks},
    )
    assigned.send(sender=Case, case=case, caseworker=caseworker, actor=actor)
    return case


def held_by(case: Case) -> list[dict[str, Any]]:
    """Who held the case when: the opening agency until the first accepted transfer, and so on."""
    accepted = list(
        Transfer.objects.filter(case=case, status=TransferStatus.ACCEPTED)
        .select_related("from_agency", "to_agency")
        .order_by("decided_at", "pk")
    )
    if not accepted:
        return [{"agency": case.agency, "since": case.opened_at, "until": None}]
    rows = [{"agency": accepted[0].from_agency, "since": case.opened_at, "until": accepted[0].decided_at}]
    for i, t in enumerate(accepted):
        until = accepted[i + 1].decided_at if i + 1 < len(accepted) else None
        rows.append({"agency": t.to_agency, "since": t.decided_at, "until": until})
    return rows


def transfers_for_agency(agency_id: int) -> QuerySet[Transfer]:
    return Transfer.objects.filter(Q(from_agency_id=agency_id) | Q(to_agency_id=agency_id)).select_related(
        "case", "from_agency", "to_agency", "proposed_by", "caseworker"
    )
