"""A returnee's livelihood pages: the profile, recommendations, and each enrolment from offer to income.

The case's agency works on all of it; a provider's staff reach only the enrolments of people referred
to them (through `enrolment_get_for_user`), to record enrolment, stipends, completion and placement.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reintegra.access import (
    CaseAccess,
    EnrolmentAccess,
    case_get_for_user,
    enrolment_get_for_user,
    opportunity_get_for_user,
    require_member,
)
from reintegra.accounts.models import User
from reintegra.lib import geo
from reintegra.lib.http import form_errors_as_messages, run_as_messages
from reintegra.pages import run_case_action

from . import enrolments, isco, recommendations, selectors, skills
from .choices import EnrolmentStatus, Interest
from .forms import FollowUpForm, MoveForm, PlacementForm, ProfileForm, RecommendForm, StipendForm
from .models import Opportunity
from .workflows import ENROLMENT, parties_of

BACK = "livelihoods:case"


@login_required
@require_GET
def case_livelihood(request: HttpRequest, code: str) -> HttpResponse:
    access = case_get_for_user(request.user, code=code)
    view = selectors.livelihood_view(user=request.user, access=access, via="page")
    profile = view.profile
    context: dict[str, Any] = {
        "access": access,
        "case": access.case,
        "view": view,
        "aspirations": [
            (rank, wish, isco.label(wish["isco"]))
            for rank, wish in enumerate(profile.aspirations if profile else [], start=1)
        ],
        "interests": [(label, profile.interests[key]) for key, label in Interest.choices if key in profile.interests]
        if profile
        else [],
        "experience": [
            (entry, isco.label(entry["isco"])) for entry in (view.profile.experience if view.profile else [])
        ],
        "options": [
            (row, geo.area_name(row.opportunity.area), isco.label(row.opportunity.isco)) for row in view.options
        ],
    }
    if access.own:
        recommended, predictor = recommendations.recommendations_for(access=access)
        context |= {
            "recommendations": recommended,
            "prediction_method": predictor.method,
            "prediction_outcomes": predictor.outcomes,
            "profile_form": ProfileForm(initial=ProfileForm.initial_from(profile)),
            "recommend_form": RecommendForm(
                options=[(row.opportunity.pk, row.opportunity.title) for row in view.options]
            ),
        }
    return render(request, "livelihoods/case.html", context)


@login_required
@require_POST
def profile_post(request: HttpRequest, code: str) -> HttpResponse:
    def run(user: User, access: CaseAccess, data: dict[str, Any]) -> Any:
        values = ProfileForm.values_of(data)
        return skills.profile_save(actor=user, access=access, version=data.get("version"), **values)

    return run_case_action(request, code, ProfileForm, run, _("Profile saved."), back=BACK)


@login_required
@require_POST
def recommend_post(request: HttpRequest, code: str) -> HttpResponse:
    options = list(Opportunity.objects.filter(active=True).values_list("pk", "title"))

    def run(user: User, access: CaseAccess, data: dict[str, Any]) -> Any:
        opportunity = opportunity_get_for_user(user, opportunity_id=data["opportunity"])
        return enrolments.enrolment_recommend(
            actor=user, access=access, opportunity=opportunity, asked_by_returnee=data["asked_by_returnee"]
        )

    return run_case_action(
        request, code, lambda post: RecommendForm(post, options=options), run, _("Option recommended."), back=BACK
    )


@login_required
@require_GET
def enrolment_list(request: HttpRequest) -> HttpResponse:
    """The enrolments a user works on; a provider's staff see only the people referred to them."""
    user = require_member(request.user)
    status = request.GET.get("status", "")
    rows = selectors.enrolments_for_user(user=user, status=status if status in EnrolmentStatus.values else "")
    return render(
        request,
        "livelihoods/enrolments.html",
        {
            "rows": rows[:200],
            "statuses": EnrolmentStatus.choices,
            "status": status,
            "alerts": selectors.placement_alerts(user=user, agency_wide=True),
        },
    )


@login_required
@require_GET
def enrolment_detail(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    access = enrolment_get_for_user(request.user, enrolment_id=enrolment_id)
    enrolment = selectors.enrolment_view(user=request.user, access=access, via="page")
    # Placement is recorded with its own form (where the option led), not as a bare status.
    moves = [
        (move.target, move.label)
        for move in ENROLMENT.allowed(enrolment.status, parties_of(access))
        if move.target != EnrolmentStatus.PLACED
    ]
    placement = getattr(enrolment, "placement", None)
    context: dict[str, Any] = {
        "access": access,
        "enrolment": enrolment,
        "placement": placement,
        "option_group": isco.label(enrolment.opportunity.isco),
        "moves": moves,
        "follow_ups": list(enrolment.follow_ups.all()),
        "payments": list(enrolment.stipend_payments.all()),
    }
    if moves:
        context["move_form"] = MoveForm(initial={"version": enrolment.version})
    if access.can_record_progress and enrolment.status in ("enrolled", "completed", "placed"):
        context["stipend_form"] = StipendForm(initial={"currency": enrolment.opportunity.currency})
        context["placement_form"] = (
            PlacementForm(instance=placement, initial={"version": placement.version})
            if placement
            else PlacementForm(initial={"isco": enrolment.opportunity.isco, "currency": enrolment.opportunity.currency})
        )
    if access.own:
        context["follow_up_form"] = FollowUpForm(initial={"currency": enrolment.opportunity.currency})
    return render(request, "livelihoods/enrolment.html", context)


def _run_enrolment_action(
    request: HttpRequest,
    enrolment_id: int,
    form: BaseForm,
    run: Callable[[User, EnrolmentAccess, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """One action posted from an enrolment's page; errors come back as messages, nothing saved."""
    access = enrolment_get_for_user(request.user, enrolment_id=enrolment_id)
    user = require_member(request.user)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect("livelihoods:enrolment", enrolment_id=enrolment_id)
    run_as_messages(request, lambda: run(user, access, form.cleaned_data), done)
    return redirect("livelihoods:enrolment", enrolment_id=enrolment_id)


@login_required
@require_POST
def enrolment_move_post(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    def run(user: User, access: EnrolmentAccess, data: dict[str, Any]) -> Any:
        return enrolments.enrolment_move(
            actor=user, access=access, to=data["to"], on=data["on"], reason=data["reason"], version=data["version"]
        )

    return _run_enrolment_action(request, enrolment_id, MoveForm(request.POST), run, _("Status recorded."))


@login_required
@require_POST
def stipend_post(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    def run(user: User, access: EnrolmentAccess, data: dict[str, Any]) -> Any:
        return enrolments.stipend_record(actor=user, access=access, **data)

    return _run_enrolment_action(request, enrolment_id, StipendForm(request.POST), run, _("Payment recorded."))


@login_required
@require_POST
def placement_post(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    def run(user: User, access: EnrolmentAccess, data: dict[str, Any]) -> Any:
        values = dict(data)
        current = getattr(access.enrolment, "placement", None)  # the page does not show an employer agency
        values["employer"] = current.employer if current is not None else None
        return enrolments.placement_record(actor=user, access=access, version=values.pop("version"), **values)

    return _run_enrolment_action(request, enrolment_id, PlacementForm(request.POST), run, _("Placement recorded."))


@login_required
@require_POST
def follow_up_post(request: HttpRequest, enrolment_id: int, follow_up_id: int) -> HttpResponse:
    def run(user: User, access: EnrolmentAccess, data: dict[str, Any]) -> Any:
        follow_up = get_object_or_404(access.enrolment.follow_ups, pk=follow_up_id)
        return enrolments.follow_up_record(actor=user, access=access, follow_up=follow_up, **data)

    return _run_enrolment_action(request, enrolment_id, FollowUpForm(request.POST), run, _("Follow-up recorded."))
