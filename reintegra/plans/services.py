"""Writes to priorities, plans and assessments. Atomic, validated in full, on the timeline, audited."""

import datetime
from collections.abc import Iterable
from functools import partial
from typing import Any, Unpack

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, User
from reintegra.cases.choices import DataCategory
from reintegra.cases.models import Case, Task
from reintegra.cases.tasks import case_keeper, task_close_linked, task_create
from reintegra.cases.timeline import edit_line
from reintegra.cases.transitions import Line, record_move, refuse_if_erased
from reintegra.lib import clock
from reintegra.lib.concurrency import check_version
from reintegra.lib.dates import add_months, show_day
from reintegra.lib.phrases import label
from reintegra.lib.validation import full_clean_or_raise, raise_if, value_problems
from reintegra.lib.validators import REASON
from reintegra.livelihoods.models import Enrolment
from reintegra.network.choices import Language
from reintegra.network.models import Agency, Service
from reintegra.referrals.models import Referral

from . import scoring
from .choices import ASSESSMENT_MONTHS, PlanStatus
from .models import PLAN_DETAILS, Action, Assessment, Goal, Plan, PlanDetails, PlanRevision, PriorityRanking
from .workflows import PLAN, parties_of

_event = partial(edit_line, category=DataCategory.PLAN)


def _audit(obj: Any, *, actor: User, action: str, **details: Any) -> None:
    audit_record(actor=actor, action=action, obj=obj, categories=["plan"], details=details)


@transaction.atomic
def priorities_record(
    *, actor: User, case: Case, ranking: Iterable[str], words: dict[str, str] | None = None, context: str = "review"
) -> PriorityRanking:
    refuse_if_erased(case)
    record = PriorityRanking(
        case=case,
        recorded_at=clock.now(),
        recorded_by=actor,
        context=context,
        ranking=[str(p) for p in ranking],
        words={k: v for k, v in (words or {}).items() if v and v.strip()},
    )
    record.full_clean()
    record.save()
    _event(
        case,
        actor=actor,
        summary=gettext_noop("Priorities recorded (%(context)s)."),
        params={"context": label("priority_context", context)},
    )
    _audit(record, actor=actor, action=AuditEvent.Action.CREATE, case=case.code)
    return record


def latest_ranking(case: Case) -> PriorityRanking | None:
    return PriorityRanking.objects.filter(case=case).order_by("-recorded_at", "-pk").first()


@transaction.atomic
def plan_start(*, actor: User, case: Case, language: str = "") -> Plan:
    refuse_if_erased(case)
    plan, created = Plan.objects.get_or_create(
        case=case,
        defaults={
            "author": actor,
            "agency_id": case.agency_id,
            "language": language or (case.returnee.languages or ["en"])[0],
        },
    )
    if created:
        if plan.language not in Language.values:
            plan.language = "en"
            plan.save(update_fields=["language"])
        _event(case, actor=actor, summary=gettext_noop("Reintegration plan started."))
        _audit(plan, actor=actor, action=AuditEvent.Action.CREATE, case=case.code)
    return plan


def _revise_if_settled(plan: Plan, actor: User) -> Plan:
    """Changing a submitted or approved plan starts the next revision, back in draft."""
    plan = Plan.objects.select_for_update().select_related("case").get(pk=plan.pk)
    if plan.status == PlanStatus.DRAFT:
        return plan
    move = PLAN.check(plan.status, "revise", parties_of(actor, plan))
    settled = plan.status
    plan.revision += 1
    record_move(
        plan,
        move,
        case=plan.case,
        actor=actor,
        also=("revision",),
        line=Line(
            summary=gettext_noop("Plan revision %(n)s started (the last was %(status)s)."),
            params={"n": plan.revision, "status": label("plan_status", settled)},
            category=DataCategory.PLAN,
            agency=actor.agency,
        ),
        audit_categories=["plan"],
        audit_details={"status": PlanStatus.DRAFT, "revision": plan.revision},
    )
    return plan


@transaction.atomic
def plan_update(*, actor: User, plan: Plan, version: int | None, **changes: Unpack[PlanDetails]) -> Plan:
    """Changes the details given (PLAN_DETAILS); a detail left out keeps its value."""
    refuse_if_erased(plan.case)
    unknown = set(changes) - set(PLAN_DETAILS)
    if unknown:
        raise TypeError(f"plan_update() got unknown details: {sorted(unknown)}")
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    check_version(plan, expected_version=version, submitted=dict(changes), fields=list(changes))
    for key, value in changes.items():
        setattr(plan, key, value)
    plan.full_clean()
    plan.version += 1
    plan.save(update_fields=[*changes, "version", "updated_at"])
    _audit(plan, actor=actor, action=AuditEvent.Action.UPDATE, changed=sorted(changes))
    return plan


@transaction.atomic
def goal_add(
    *,
    actor: User,
    plan: Plan,
    domain: str,
    description: str,
    priorities: Iterable[str] = (),
    target_date: datetime.date | None = None,
) -> Goal:
    refuse_if_erased(plan.case)
    goal = Goal(
        plan=plan,
        domain=domain,
        description=description.strip(),
        priorities=sorted(set(priorities)),
        target_date=target_date,
    )
    goal.full_clean()
    goal.plan = _revise_if_settled(plan, actor)
    goal.save()
    plan = goal.plan
    _event(
        plan.case,
        actor=actor,
        summary=gettext_noop("Plan: %(domain)s goal added."),
        params={"domain": label("plan_domain", domain)},
        text=description,
    )
    _audit(goal, actor=actor, action=AuditEvent.Action.CREATE, case=plan.case.code)
    return goal


OTHER_CASE = {
    "referral": _lazy("This referral belongs to another case."),
    "task": _lazy("This task belongs to another case."),
    "enrolment": _lazy("This enrolment belongs to another case."),
}


@transaction.atomic
def action_add(
    *,
    actor: User,
    goal: Goal,
    kind: str,
    description: str,
    responsible_agency: Agency,
    responsible_person: User | None = None,
    target_date: datetime.date | None = None,
    referral: Referral | None = None,
    task: Task | None = None,
    service: Service | None = None,
    enrolment: Enrolment | None = None,
) -> Action:
    refuse_if_erased(goal.plan.case)
    case = goal.plan.case
    action = Action(
        goal=goal,
        kind=kind,
        description=description.strip(),
        responsible_agency=responsible_agency,
        responsible_person=responsible_person,
        target_date=target_date,
        referral=referral,
        task=task,
        service=service,
        enrolment=enrolment,
    )
    # What the action links to must be of the same case: a rule across records.
    errors: dict[str, Any] = {}
    for name, linked in (("referral", referral), ("task", task), ("enrolment", enrolment)):
        if linked is not None and linked.case_id != case.pk:
            errors[name] = OTHER_CASE[name]
    full_clean_or_raise(action, errors, exclude=list(errors))
    _revise_if_settled(goal.plan, actor)
    action.save()
    _audit(action, actor=actor, action=AuditEvent.Action.CREATE, case=case.code)
    return action


@transaction.atomic
def action_done(*, actor: User, action: Action) -> Action:
    refuse_if_erased(action.goal.plan.case)
    if action.done_at is None:
        action.done_at = clock.now()
        action.save(update_fields=["done_at"])
        _audit(action, actor=actor, action=AuditEvent.Action.UPDATE, done=True)
    return action


def _snapshot(plan: Plan) -> dict[str, Any]:
    ranking = latest_ranking(plan.case)
    return {
        "revision": plan.revision,
        "priorities": ranking.ranking if ranking else [],
        "goals": [
            {
                "domain": g.domain,
                "description": g.description,
                "priorities": g.priorities,
                "target_date": g.target_date.isoformat() if g.target_date else None,
                "actions": [
                    {
                        "kind": a.kind,
                        "description": a.description,
                        "agency": a.responsible_agency.slug,
                        "target_date": a.target_date.isoformat() if a.target_date else None,
                    }
                    for a in g.actions.select_related("responsible_agency")
                ],
            }
            for g in plan.goals.all()
        ],
        "returnee_took_part": plan.returnee_took_part,
        "returnee_agreed_on": plan.returnee_agreed_on.isoformat() if plan.returnee_agreed_on else None,
    }


# The timeline's line of each move made by hand (lib/phrases.py); a sending back carries its reason.
MOVE_LINES = {
    "submit": gettext_noop("Plan revision %(n)s submitted for approval."),
    "approve": gettext_noop("Plan revision %(n)s approved."),
    "send_back": gettext_noop("Plan revision %(n)s sent back; revision %(next)s started."),
}
# What PlanRevision.event records of each move: the revision as it stood then.
REVISION_EVENTS = {"submit": "submitted", "approve": "approved", "send_back": "sent_back"}


@transaction.atomic
def plan_move(*, actor: User, plan: Plan, move: str, reason: str = "") -> Plan:
    """Submits, approves or sends back the plan (plans/workflows.py); each keeps the revision as it
    stands. Sending back needs the reason, which goes on the case's timeline, and starts the next
    revision, a draft its author changes and submits again."""
    refuse_if_erased(plan.case)
    plan = Plan.objects.select_for_update().select_related("case").get(pk=plan.pk)
    reason = reason.strip()
    step = PLAN.check(plan.status, move, parties_of(actor, plan), reason=reason, record=plan, actor=actor)
    if step.name == "revise":
        raise ValidationError(_("A plan is revised by changing it."))
    reason = step.kept_reason(reason)
    raise_if(value_problems("reason", reason, REASON))
    if step.name == "submit":
        errors: dict[str, Any] = {}
        if not plan.returnee_took_part:
            errors["returnee_took_part"] = _("Record that the returnee took part in making the plan.")
        if not plan.returnee_agreed_on:
            errors["returnee_agreed_on"] = _("Record when the returnee agreed to the plan.")
        if not plan.goals.exists():
            errors["goals"] = _("A plan needs at least one goal.")
        raise_if(errors)
    # The snapshot is of the revision the move decided on, before a sending back starts the next.
    kept = PlanRevision(
        plan=plan, revision=plan.revision, event=REVISION_EVENTS[step.name], by=actor, snapshot=_snapshot(plan)
    )
    params = {"n": plan.revision}
    also: tuple[str, ...] = ()
    if step.name == "send_back":
        plan.revision += 1
        params["next"] = plan.revision
        also = ("revision",)
    record_move(
        plan,
        step,
        case=plan.case,
        actor=actor,
        reason=reason,
        also=also,
        line=Line(
            summary=MOVE_LINES[step.name],
            params=params,
            text=reason,
            category=DataCategory.PLAN,
            agency=actor.agency,
        ),
        audit_categories=["plan"],
        audit_details={"status": step.target, "revision": plan.revision},
    )
    kept.at = plan.approved_at or clock.now()
    kept.save()
    return plan


# The title of an assessment's task, shown in each reader's language (lib/phrases.py).
ASSESSMENT_TASK = gettext_noop("Reintegration assessment: %(when)s")


@transaction.atomic
def assessments_schedule(*, actor: User, case: Case, returned_on: datetime.date) -> list[Assessment]:
    """Baseline, 3, 6 and 12 months after return, each with a follow-up task for the case's agency.
    Re-run when the return date changes: open assessments move, done ones stay."""
    refuse_if_erased(case)
    scheduled = []
    for point, months in ASSESSMENT_MONTHS.items():
        due = add_months(returned_on, months)
        assessment = Assessment.objects.filter(case=case, point=point).first()
        if assessment is None:
            task = task_create(
                actor=actor,
                case=case,
                title_phrase=ASSESSMENT_TASK,
                title_params={"when": label("assessment_point", point)},
                due_on=due,
                agency=case.agency,
                assignee=case_keeper(case),
                is_follow_up=True,
                announce=False,
            )
            assessment = Assessment.objects.create(case=case, point=point, due_on=due, task=task)
        elif assessment.done_on is None and assessment.due_on != due:
            assessment.due_on = due
            assessment.save(update_fields=["due_on"])
            if assessment.task is not None and assessment.task.done_at is None:
                assessment.task.due_on = due
                assessment.task.save(update_fields=["due_on"])
        scheduled.append(assessment)
    _audit(case, actor=actor, action=AuditEvent.Action.UPDATE, assessments_scheduled=[a.point for a in scheduled])
    return scheduled


def index_weights() -> scoring.Weights:
    configured = settings.REINTEGRATION_INDEX_WEIGHTS
    return scoring.Weights(indicators=configured.get("indicators", {}), dimensions=configured.get("dimensions", {}))


@transaction.atomic
def assessment_record(
    *, actor: User, assessment: Assessment, answers: dict[str, Any], done_on: datetime.date
) -> Assessment:
    refuse_if_erased(assessment.case)
    assessment = Assessment.objects.select_for_update().select_related("case").get(pk=assessment.pk)
    errors: dict[str, Any] = {}
    if done_on > clock.today():
        errors["done_on"] = _("This date is in the future.")
    journey = getattr(assessment.case, "return_journey", None)
    if journey is not None and done_on < journey.returned_on:
        errors["done_on"] = _("An assessment cannot be before the return (%(date)s).") % {
            "date": show_day(journey.returned_on)
        }
    try:
        result = scoring.score(answers, index_weights())
    except scoring.AnswerError as exc:
        errors[exc.indicator] = _("Out of range or missing: %(detail)s") % {"detail": str(exc)}
        result = None
    raise_if(errors)
    assert result is not None  # noqa: S101
    assessment.answers, assessment.done_on, assessment.done_by = dict(answers), done_on, actor
    assessment.economic = result.dimensions[scoring.ECONOMIC]
    assessment.social = result.dimensions[scoring.SOCIAL]
    assessment.psychosocial = result.dimensions[scoring.PSYCHOSOCIAL]
    assessment.composite = result.composite
    assessment.save(update_fields=["answers", "done_on", "done_by", "economic", "social", "psychosocial", "composite"])
    task_close_linked(assessment.task)
    _event(
        assessment.case,
        actor=actor,
        summary=gettext_noop("Reintegration assessment (%(when)s): index %(index).2f."),
        params={"when": label("assessment_point", assessment.point), "index": result.composite},
    )
    _audit(assessment, actor=actor, action=AuditEvent.Action.UPDATE, point=assessment.point)
    return assessment
