from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reintegra.access import CaseAccess, require_member
from reintegra.accounts.models import User
from reintegra.cases.choices import DataCategory
from reintegra.lib.http import form_errors_as_messages
from reintegra.pages import run_case_action

from . import selectors, services
from .choices import Priority
from .forms import ActionForm, AssessmentForm, GoalForm, PlanMetaForm, PriorityForm
from .models import Action, Assessment, Goal, Plan
from .workflows import PLAN, parties_of

BACK = "plans:plan"


def _plan(access: CaseAccess) -> Plan:
    plan = Plan.objects.filter(case=access.case).first()
    if plan is None:
        raise ValidationError(_("Start the plan first."))
    return plan


@login_required
@require_GET
def plan_page(request: HttpRequest, code: str) -> HttpResponse:
    access = selectors.plan_access(user=request.user, code=code)
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
            (r.pk, f"{r.to_agency.name} ({r.get_status_display()})")
            for r in access.case.referrals.select_related("to_agency")
        ]
        context |= {
            "priority_form": PriorityForm(),
            "goal_form": GoalForm(),
            "action_form": ActionForm(
                referrals=referrals,
                enrolments=[
                    (e.pk, f"{e.opportunity.title} ({e.get_status_display()})")
                    for e in access.case.enrolments.select_related("opportunity")
                ],
            ),
            "meta_form": PlanMetaForm(
                initial={
                    "version": view.plan.version,
                    "returnee_took_part": view.plan.returnee_took_part,
                    "returnee_agreed_on": view.plan.returnee_agreed_on,
                    "language": view.plan.language,
                }
            )
            if view.plan
            else None,
            # The buttons are the moves this user may make now.
            "moves": [
                m.name for m in PLAN.allowed(view.plan.status, parties_of(require_member(request.user), view.plan))
            ]
            if view.plan
            else [],
        }
    return render(request, "plans/plan.html", context)


def _owner_post(request: HttpRequest, code: str, form: Any, run: Any, done: str) -> HttpResponse:
    """A plan action; plan pages need the "plan" category as well as ownership."""
    selectors.plan_access(user=request.user, code=code, for_edit=True)
    return run_case_action(request, code, form, run, done, back=BACK)


@login_required
@require_POST
def priorities_post(request: HttpRequest, code: str) -> HttpResponse:
    form = PriorityForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect(BACK, code=code)
    ranking, words = form.ranking_and_words()
    return _owner_post(
        request,
        code,
        None,
        lambda u, a, d: services.priorities_record(
            actor=u, case=a.case, ranking=ranking, words=words, context=form.cleaned_data["context"]
        ),
        _("Priorities recorded."),
    )


@login_required
@require_POST
def plan_start_post(request: HttpRequest, code: str) -> HttpResponse:
    return _owner_post(
        request, code, None, lambda u, a, d: services.plan_start(actor=u, case=a.case), _("Plan started.")
    )


@login_required
@require_POST
def plan_meta_post(request: HttpRequest, code: str) -> HttpResponse:
    def run(user: User, access: CaseAccess, data: dict[str, Any]) -> Any:
        return services.plan_update(actor=user, plan=_plan(access), version=data.pop("version"), **data)

    return _owner_post(request, code, PlanMetaForm, run, _("Plan saved."))


@login_required
@require_POST
def goal_post(request: HttpRequest, code: str) -> HttpResponse:
    return _owner_post(
        request, code, GoalForm, lambda u, a, d: services.goal_add(actor=u, plan=_plan(a), **d), _("Goal added.")
    )


@login_required
@require_POST
def action_post(request: HttpRequest, code: str, goal_id: int) -> HttpResponse:
    def run(user: User, access: CaseAccess, data: dict[str, Any]) -> Any:
        goal = Goal.objects.filter(plan__case=access.case, pk=goal_id).first()
        if goal is None:
            raise ValidationError(_("No such goal."))
        referral_id = data.pop("referral")
        referral = access.case.referrals.filter(pk=referral_id).first() if referral_id else None
        enrolment_id = data.pop("enrolment")
        enrolment = access.case.enrolments.filter(pk=enrolment_id).first() if enrolment_id else None
        return services.action_add(actor=user, goal=goal, referral=referral, enrolment=enrolment, **data)

    # The referral's choices only dress the page's select; the posted id is checked against the case in `run`.
    return _owner_post(request, code, lambda data: ActionForm(data, referrals=[]), run, _("Action added."))


@login_required
@require_POST
def action_done_post(request: HttpRequest, code: str, action_id: int) -> HttpResponse:
    def run(user: User, access: CaseAccess, data: dict[str, Any]) -> Any:
        action = Action.objects.filter(goal__plan__case=access.case, pk=action_id).first()
        if action is None:
            raise ValidationError(_("No such action."))
        return services.action_done(actor=user, action=action)

    return _owner_post(request, code, None, run, _("Action done."))


@login_required
@require_POST
def plan_submit_post(request: HttpRequest, code: str) -> HttpResponse:
    return _owner_post(
        request,
        code,
        None,
        lambda u, a, d: services.plan_move(actor=u, plan=_plan(a), move="submit"),
        _("Plan submitted for approval."),
    )


@login_required
@require_POST
def plan_approve_post(request: HttpRequest, code: str) -> HttpResponse:
    return _owner_post(
        request,
        code,
        None,
        lambda u, a, d: services.plan_move(actor=u, plan=_plan(a), move="approve"),
        _("Plan approved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_page(request: HttpRequest, code: str, assessment_id: int) -> HttpResponse:
    access = selectors.plan_access(user=request.user, code=code, for_edit=request.method == "POST")
    assessment = Assessment.objects.filter(case=access.case, pk=assessment_id).first()
    if assessment is None:
        raise Http404
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
    return render(
        request,
        "plans/assessment.html",
        {"form": form, "case": access.case, "assessment": assessment, "own": access.own},
    )


@login_required
@require_GET
def plan_print(request: HttpRequest, code: str) -> HttpResponse:
    """The plan to hand to the returnee, in their language (a print stylesheet; the browser makes a PDF)."""
    access = selectors.plan_access(user=request.user, code=code)
    view = selectors.plan_view(user=request.user, access=access, via="print")
    if view.plan is None:
        raise Http404
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
