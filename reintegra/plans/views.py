from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reintegra.access import CaseAccess, require_member
from reintegra.accounts.models import User
from reintegra.accounts.reads import note_read, shows_personal_data
from reintegra.cases import selectors as case_selectors
from reintegra.cases.choices import DataCategory
from reintegra.cases.models import CaseEvent
from reintegra.lib import clock
from reintegra.lib.formfields import page_form
from reintegra.lib.http import form_add_refusal
from reintegra.network.forms import agency_groups
from reintegra.network.models import Agency
from reintegra.pages import CaseAction, case_action_view

from . import attempts, selectors, services
from .choices import PlanStatus, Priority
from .forms import ActionForm, AssessmentForm, GoalForm, NotReachedForm, PlanMetaForm, PriorityForm, SendBackForm
from .models import Action, Assessment, ContactAttempt, Goal, Plan
from .workflows import PLAN, parties_of

BACK = "plans:plan"


def _plan(access: CaseAccess) -> Plan:
    plan = Plan.objects.filter(case=access.case).first()
    if plan is None:
        raise ValidationError(_("Start the plan first."))
    return plan


# The forms of the plan's page, each with ids of its own; a refused one comes back as posted.
PRIORITY_FORM = page_form(PriorityForm, "priorities")
GOAL_FORM = page_form(GoalForm, "goal")
META_FORM = page_form(PlanMetaForm, "meta")
SEND_BACK_FORM = page_form(SendBackForm, "send_back")


def _action_form(goal_id: int, data: Any = None, **kwargs: Any) -> ActionForm:
    kwargs.setdefault("referrals", [])
    return ActionForm(data, auto_id=f"goal{goal_id}-action-%s", **kwargs)


@shows_personal_data("plans.plan")
@login_required
@require_GET
def plan_page(request: HttpRequest, code: str) -> HttpResponse:
    return _plan_page(request, selectors.plan_access(user=request.user, code=code))


def _sent_back(plan: Plan | None) -> CaseEvent | None:
    """The timeline's line that sent the plan back, while the draft it started waits to be submitted
    again: the plan's page shows there what the supervisor said it needs."""
    if plan is None or plan.status != PlanStatus.DRAFT:
        return None
    last = plan.revisions.order_by("-at", "-pk").first()
    if last is None or last.event != services.REVISION_EVENTS["send_back"]:
        return None
    lines = CaseEvent.objects.filter(case_id=plan.case_id, summary=services.MOVE_LINES["send_back"])
    return lines.select_related("actor").order_by("-at", "-pk").first()


def _plan_page(request: HttpRequest, access: CaseAccess, bound: Mapping[str, BaseForm] | None = None) -> HttpResponse:
    """The plan's page; `bound` holds a refused form as posted, by its slot (pages.CasePage)."""
    bound = bound or {}
    if not access.sees(DataCategory.PLAN):
        raise Http404
    user = require_member(request.user)
    view = selectors.plan_view(user=user, access=access, via="page")
    goals = (
        list(
            view.plan.goals.prefetch_related(
                "actions__referral", "actions__task", "actions__enrolment", "actions__responsible_agency"
            )
        )
        if view.plan
        else []
    )
    context: dict[str, Any] = {
        "access": access,
        "case": access.case,
        "view": view,
        "goals": goals,
        "priority_labels": dict(Priority.choices),
        "chart": selectors.assessment_chart(view.assessments),
    }
    if access.own:
        referrals = [
            (r.pk, f"{r.to_agency.display_name} ({r.get_status_display()})")
            for r in access.case.referrals.select_related("to_agency")
        ]
        enrolments = [
            (e.pk, f"{e.opportunity.title} ({e.get_status_display()})")
            for e in access.case.enrolments.select_related("opportunity")
        ]
        agencies = agency_groups(Agency.objects.filter(active=True), first_country=access.case.agency.country)
        for goal in goals:
            # Each goal has its own form (the same fields): a refused one comes back under its goal.
            form = bound.get(f"action_form_{goal.pk}") or _action_form(goal.pk)
            assert isinstance(form, ActionForm)  # noqa: S101
            form.set_links(referrals=referrals, enrolments=enrolments, agencies=agencies)
            setattr(goal, "action_form", form)  # noqa: B010
        context |= {
            "priority_form": bound.get("priority_form") or PRIORITY_FORM(),
            "goal_form": bound.get("goal_form") or GOAL_FORM(),
            "meta_form": bound.get("meta_form")
            or META_FORM(
                initial={
                    "version": view.plan.version,
                    "returnee_took_part": view.plan.returnee_took_part,
                    "returnee_agreed_on": view.plan.returnee_agreed_on,
                    "language": view.plan.language,
                }
            )
            if view.plan
            else None,
            "send_back_form": bound.get("send_back_form") or SEND_BACK_FORM(),
            "sent_back": _sent_back(view.plan),
            "failed_form": next(iter(bound.values()), None),
            # The buttons are the moves this user may make now.
            "moves": [
                m.name
                for m in PLAN.allowed(
                    view.plan.status,
                    parties_of(require_member(request.user), view.plan),
                    record=view.plan,
                    actor=request.user,
                )
            ]
            if view.plan
            else [],
        }
    return render(request, "plans/plan.html", context)


def _record_priorities(user: User, access: CaseAccess, data: dict[str, Any]) -> Any:
    ranking, words = PriorityForm.ranking_and_words(data)
    return services.priorities_record(
        actor=user, case=access.case, ranking=ranking, words=words, context=data["context"]
    )


def _save_details(user: User, access: CaseAccess, data: dict[str, Any]) -> Any:
    return services.plan_update(actor=user, plan=_plan(access), version=data.pop("version"), **data)


def _add_action(user: User, access: CaseAccess, data: dict[str, Any], goal_id: int) -> Any:
    goal = Goal.objects.filter(plan__case=access.case, pk=goal_id).first()
    if goal is None:
        raise ValidationError(_("No such goal."))
    referral_id, enrolment_id = data.pop("referral"), data.pop("enrolment")
    referral = access.case.referrals.filter(pk=referral_id).first() if referral_id else None
    enrolment = access.case.enrolments.filter(pk=enrolment_id).first() if enrolment_id else None
    return services.action_add(actor=user, goal=goal, referral=referral, enrolment=enrolment, **data)


def _action_done(user: User, access: CaseAccess, data: dict[str, Any], action_id: int) -> Any:
    action = Action.objects.filter(goal__plan__case=access.case, pk=action_id).first()
    if action is None:
        raise ValidationError(_("No such action."))
    return services.action_done(actor=user, action=action)


# The writes posted from the plan's page: each URL of plans/urls.py names one.
PLAN_ACTIONS = {
    "priorities": CaseAction(_record_priorities, gettext_lazy("Priorities recorded."), PRIORITY_FORM, "priority_form"),
    "start": CaseAction(lambda u, a, d: services.plan_start(actor=u, case=a.case), gettext_lazy("Plan started.")),
    "meta": CaseAction(_save_details, gettext_lazy("Plan saved."), META_FORM, "meta_form"),
    "goal": CaseAction(
        lambda u, a, d: services.goal_add(actor=u, plan=_plan(a), **d),
        gettext_lazy("Goal added."),
        GOAL_FORM,
        "goal_form",
    ),
    # The referral's choices only dress the page's select; the posted id is checked against the case.
    # (The form's ids are the goal's; the page shows the refused form under it again.)
    "action": CaseAction(
        _add_action,
        gettext_lazy("Action added."),
        lambda data, goal_id: _action_form(goal_id, data),
        "action_form_{goal_id}",
        form_takes_ids=True,
    ),
    "action_done": CaseAction(_action_done, gettext_lazy("Action done.")),
    "submit": CaseAction(
        lambda u, a, d: services.plan_move(actor=u, plan=_plan(a), move="submit"),
        gettext_lazy("Plan submitted for approval."),
    ),
    "approve": CaseAction(
        lambda u, a, d: services.plan_move(actor=u, plan=_plan(a), move="approve"), gettext_lazy("Plan approved.")
    ),
}
# A refused form shows the plan's page again: its read is noted there (selectors.plan_view).
plan_action = shows_personal_data("plans.plan")(
    case_action_view(
        PLAN_ACTIONS,
        back=BACK,
        check=lambda request, code: selectors.plan_access(user=request.user, code=code, for_edit=True),
        page=_plan_page,
    )
)


def _supervisor_check(request: HttpRequest, code: str) -> None:
    """Only a supervisor of the case's agency sends a plan back: anyone else of it is refused (403)
    before the reason is read, so that a caseworker is not asked for one."""
    access = selectors.plan_access(user=request.user, code=code, for_edit=True)
    plan = Plan.objects.filter(case=access.case).select_related("case").first()
    if plan is None:
        raise Http404
    if not PLAN.move("send_back").by & parties_of(require_member(request.user), plan):
        raise PermissionDenied


# Sending back, with its reason: a refused reason comes back on the plan's page as typed.
SEND_BACK_ACTIONS = {
    "send_back": CaseAction(
        lambda u, a, d: services.plan_move(actor=u, plan=_plan(a), move="send_back", reason=d["reason"]),
        gettext_lazy("Plan sent back to its author."),
        SEND_BACK_FORM,
        "send_back_form",
    ),
}
plan_send_back = shows_personal_data("plans.plan")(
    case_action_view(SEND_BACK_ACTIONS, back=BACK, check=_supervisor_check, page=_plan_page)
)


NOT_REACHED_FORM = page_form(NotReachedForm, "not-reached")


@shows_personal_data("plans.assessment")
@login_required
@require_http_methods(["GET", "POST"])
def assessment_page(request: HttpRequest, code: str, assessment_id: int) -> HttpResponse:
    access = selectors.plan_access(user=request.user, code=code, for_edit=request.method == "POST")
    assessment = _assessment(access, assessment_id)
    form = AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_record(
                actor=require_member(request.user),
                assessment=assessment,
                answers=form.answers(),
                done_on=form.cleaned_data["done_on"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect(BACK, code=code)
    return _assessment_page(request, access, assessment, form=form)


def _assessment(access: CaseAccess, assessment_id: int) -> Assessment:
    assessment = Assessment.objects.filter(case=access.case, pk=assessment_id).first()
    if assessment is None:
        raise Http404
    return assessment


def _assessment_page(
    request: HttpRequest,
    access: CaseAccess,
    assessment: Assessment,
    *,
    form: AssessmentForm | None = None,
    not_reached_form: NotReachedForm | None = None,
) -> HttpResponse:
    """The assessment's page; a refused "Not reached" form comes back as posted (400)."""
    # The answers of a sustainability assessment are about the person: an audited read.
    note_read(
        actor=require_member(request.user),
        obj=assessment,
        categories=["plan"],
        details={"case": access.case.code, "via": "assessment page"},
    )
    context: dict[str, Any] = {
        "form": form or AssessmentForm(),
        "case": access.case,
        "assessment": assessment,
        "own": access.own,
        "attempts": list(assessment.contact_attempts.select_related("by")),
    }
    if access.own and assessment.done_on is None:
        # An attempt recorded by mistake is taken back by whoever recorded it, while the assessment is open.
        for attempt in context["attempts"]:
            if attempt.by_id == request.user.pk:
                setattr(  # noqa: B010  (the template reads it beside the attempt)
                    attempt,
                    "remove_url",
                    reverse("plans:assessment_attempt_remove", args=[access.case.code, assessment.pk, attempt.pk]),
                )
        context["not_reached_form"] = not_reached_form or NOT_REACHED_FORM(initial={"on": clock.today()})
    return render(request, "plans/assessment.html", context, status=400 if not_reached_form else 200)


@shows_personal_data("plans.assessment")
@login_required
@require_POST
def assessment_not_reached(request: HttpRequest, code: str, assessment_id: int) -> HttpResponse:
    """The caseworker tried to reach the returnee for the assessment and could not (plans/attempts.py)."""
    access = selectors.plan_access(user=request.user, code=code, for_edit=True)
    assessment = _assessment(access, assessment_id)
    form = NOT_REACHED_FORM(request.POST)
    if form.is_valid():
        try:
            attempts.assessment_not_reached(
                actor=require_member(request.user), access=access, assessment=assessment, **form.cleaned_data
            )
        except ValidationError as refusal:
            form_add_refusal(form, refusal)
        else:
            messages.success(request, _("Attempt recorded: not reached."))
            return redirect("plans:assessment", code=code, assessment_id=assessment.pk)
    assessment.refresh_from_db()
    return _assessment_page(request, access, assessment, not_reached_form=form)


@shows_personal_data("plans.assessment")
@login_required
@require_POST
def assessment_attempt_remove(request: HttpRequest, code: str, assessment_id: int, attempt_id: int) -> HttpResponse:
    """Takes back an attempt recorded by mistake, by whoever recorded it (plans/attempts.py)."""
    access = selectors.plan_access(user=request.user, code=code, for_edit=True)
    assessment = _assessment(access, assessment_id)
    take_back_attempt(
        request,
        lambda: attempts.assessment_attempt_remove(
            actor=require_member(request.user), access=access, assessment=assessment, attempt_id=attempt_id
        ),
    )
    return redirect("plans:assessment", code=code, assessment_id=assessment.pk)


def take_back_attempt(request: HttpRequest, remove: Callable[[], None]) -> None:
    """Runs the removal of an attempt (plans/attempts.py) for the assessment's and the enrolment's
    pages, and says on the page it goes back to what came of it; no such attempt is a 404."""
    try:
        remove()
    except ContactAttempt.DoesNotExist:
        raise Http404 from None
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("Attempt removed."))


@shows_personal_data("plans.plan")
@login_required
@require_GET
def plan_print(request: HttpRequest, code: str) -> HttpResponse:
    """The plan to hand to the returnee, in their language (a print stylesheet; the browser makes a PDF)."""
    access = selectors.plan_access(user=request.user, code=code)
    view = selectors.plan_view(user=request.user, access=access, via="print")
    if view.plan is None:
        raise Http404
    if access.sees(DataCategory.IDENTITY):  # the printed plan names the person: a reveal
        case_selectors.case_reveal(user=request.user, access=access, shown={DataCategory.IDENTITY}, via="plan print")
    with translation.override(view.plan.language):
        context = {
            "case": access.case,
            "view": view,
            "plan": view.plan,
            "goals": list(view.plan.goals.prefetch_related("actions__responsible_agency")),
            "show_name": access.sees(DataCategory.IDENTITY),
            "priority_labels": dict(Priority.choices),
            "print_language": view.plan.language,
        }
        response = render(request, "plans/print.html", context)
    return response
