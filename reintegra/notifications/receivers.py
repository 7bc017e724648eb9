"""Who is told of what (issue 16). Every workflow move reaches here through the `moved` signal of
cases/transitions.record_move; a referral sent, which is a creation and not a move, through
post_save. Each notice links to the page where the action is."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Model, QuerySet
from django.db.models.signals import post_save
from django.urls import reverse

from reintegra.accounts.models import CASE_RECEIVER_ROLES, AuditEvent, Role, User
from reintegra.cases.models import Case
from reintegra.cases.transitions import moved
from reintegra.cases.workflows import CLOSURE
from reintegra.lib.workflow import Move
from reintegra.plans.models import Plan
from reintegra.referrals.models import Referral
from reintegra.transfers.models import Transfer
from reintegra.transfers.services import assigned

from .models import Kind
from .services import notify

REFERRAL_ENDED_MOVES = {"complete", "cancel", "revoke", "consent_withdrawn", "case_closed"}


def staff_of(agency_id: int | None, roles: Iterable[str]) -> QuerySet[User]:
    if agency_id is None:
        return User.objects.none()
    return User.objects.filter(agency_id=agency_id, role__in=list(roles), is_active=True)


def supervisors_of(agency_id: int | None) -> QuerySet[User]:
    return staff_of(agency_id, [Role.SUPERVISOR])


def case_link(code: str) -> str:
    return reverse("cases:detail", args=[code])


def referral_link(referral: Referral) -> str:
    return reverse("referrals:detail", args=[referral.pk])


def plan_link(code: str) -> str:
    return reverse("plans:plan", kwargs={"code": code})


def transfer_link(transfer: Transfer) -> str:
    return reverse("transfers:detail", args=[transfer.pk])


def referral_sent(sender: type[Referral], instance: Referral, created: bool, raw: bool = False, **_: Any) -> None:
    if not created or raw:
        return
    notify(
        staff_of(instance.to_agency_id, CASE_RECEIVER_ROLES),
        kind=Kind.REFERRAL_RECEIVED,
        case_code=instance.case.code,
        link=referral_link(instance),
        actor=instance.sent_by,
    )


def transfer_proposed(sender: type[Transfer], instance: Transfer, created: bool, raw: bool = False, **_: Any) -> None:
    """A transfer proposed (a creation, not a move): the receiving agency's supervisors decide it."""
    if not created or raw:
        return
    notify(
        supervisors_of(instance.to_agency_id),
        kind=Kind.TRANSFER_PROPOSED,
        case_code=instance.case.code,
        link=transfer_link(instance),
        actor=instance.proposed_by,
    )


def on_move(sender: type[Model], record: Model, move: Move, case: Case, actor: User, **_: Any) -> None:
    if isinstance(record, Referral):
        _referral_moved(record, move, actor)
    elif isinstance(record, Plan):
        _plan_moved(record, move, case, actor)
    elif isinstance(record, Case) and move in CLOSURE.moves:
        _closure_moved(case, move, actor)
    elif isinstance(record, Transfer):
        _transfer_moved(record, move, case, actor)


def _referral_moved(referral: Referral, move: Move, actor: User) -> None:
    kind = {"accept": Kind.REFERRAL_ACCEPTED, "decline": Kind.REFERRAL_DECLINED}.get(move.name)
    if kind is None and move.name in REFERRAL_ENDED_MOVES:
        kind = Kind.REFERRAL_ENDED
    if kind is None:
        return
    notify([referral.sent_by], kind=kind, case_code=referral.case.code, link=referral_link(referral), actor=actor)


def _plan_moved(plan: Plan, move: Move, case: Case, actor: User) -> None:
    link = plan_link(case.code)
    if move.name == "submit":
        waiting = supervisors_of(case.agency_id).exclude(pk=plan.author_id)
        notify(waiting, kind=Kind.PLAN_SUBMITTED, case_code=case.code, link=link, actor=actor)
    elif move.name == "approve":
        told = [plan.author, plan.submitted_by] if plan.submitted_by_id else [plan.author]
        notify(told, kind=Kind.PLAN_APPROVED, case_code=case.code, link=link, actor=actor)
    elif move.name == "send_back":
        # A supervisor sent it back with a reason (on the timeline, never in the notice): its author
        # and its submitter are told. The move has cleared who submitted; the kept revision names them.
        submitted = plan.revisions.filter(event="submitted").order_by("-at", "-pk").first()
        notify(
            [plan.author, submitted.by if submitted else None],
            kind=Kind.PLAN_SENT_BACK,
            case_code=case.code,
            link=link,
            actor=actor,
        )
    elif move.name == "revise":
        # A plan changed by someone other than its author goes back to draft: the author is told.
        notify([plan.author], kind=Kind.PLAN_SENT_BACK, case_code=case.code, link=link, actor=actor)


def _closure_moved(case: Case, move: Move, actor: User) -> None:
    link = case_link(case.code)
    if move.name == "request":
        notify(supervisors_of(case.agency_id), kind=Kind.CLOSURE_REQUESTED, case_code=case.code, link=link, actor=actor)
    elif move.name in ("approve", "decline"):
        # The move has cleared who asked; the audit record of the request names them.
        request = (
            AuditEvent.objects.filter(
                object_type=case._meta.label_lower, object_id=str(case.pk), details__closure_requested=True
            )
            .select_related("actor")
            .order_by("-pk")
            .first()
        )
        if request is not None:
            notify([request.actor], kind=Kind.CLOSURE_DECIDED, case_code=case.code, link=link, actor=actor)


def _transfer_moved(transfer: Transfer, move: Move, case: Case, actor: User) -> None:
    """Accepted or declined, the supervisor who proposed it is told; withdrawn, the receiving
    agency's supervisors."""
    link = transfer_link(transfer)
    if move.name == "withdraw":
        notify(
            supervisors_of(transfer.to_agency_id),
            kind=Kind.TRANSFER_WITHDRAWN,
            case_code=case.code,
            link=link,
            actor=actor,
        )
    elif move.name in ("accept", "decline"):
        notify([transfer.proposed_by], kind=Kind.TRANSFER_ANSWERED, case_code=case.code, link=link, actor=actor)


def case_assigned(sender: type[Model], case: Case, caseworker: User, actor: User, **_: Any) -> None:
    """The caseworker a case was given to, within the agency or on accepting a transfer (not the
    supervisor who gave it to themselves)."""
    notify([caseworker], kind=Kind.CASE_ASSIGNED, case_code=case.code, link=case_link(case.code), actor=actor)


def connect() -> None:
    moved.connect(on_move, dispatch_uid="notifications.on_move")
    assigned.connect(case_assigned, dispatch_uid="notifications.case_assigned")
    post_save.connect(referral_sent, sender=Referral, dispatch_uid="notifications.referral_sent")
    post_save.connect(transfer_proposed, sender=Transfer, dispatch_uid="notifications.transfer_proposed")
