"""A returnee's livelihood pages: the profile, recommendations, and each enrolment from offer to income.

The case's agency works on all of it; a provider's staff reach only the enrolments of people referred
to them (through `enrolment_get_for_user`), to record enrolment, stipends, completion and placement.
"""

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reintegra.access import (
    CaseAccess,
    EnrolmentAccess,
    case_get_for_user,
    enrolment_get_for_user,
    enrolment_grants_for_user,
    enrolment_list_for_user,
    opportunity_get_for_user,
    referral_get_for_user,
    require_member,
)
from reintegra.accounts.models import User
from reintegra.accounts.reads import note_read, note_shown, shows_personal_data
from reintegra.lib import clock, geo
from reintegra.lib.concurrency import EditConflict
from reintegra.lib.currencies import currency_of
from reintegra.lib.formfields import page_form
from reintegra.lib.http import form_add_refusal
from reintegra.lib.lists import first_and_count
from reintegra.pages import run_case_action
from reintegra.plans import attempts
from reintegra.plans.forms import NotReachedForm
from reintegra.plans.views import take_back_attempt
from reintegra.referrals.models import Referral

from . import enrolments, handover, isco, recommendations, selectors, skills
from .choices import EnrolmentStatus, Interest
from .forms import FollowUpForm, MoveForm, PlacementForm, ProfileForm, RecommendForm, ReferralEnrolForm, StipendForm
from .models import Opportunity
from .workflows import ENROLMENT, parties_of

BACK = "livelihoods:case"


def _profile_form(access: CaseAccess, data: Any = None, **kwargs: Any) -> ProfileForm:
    return ProfileForm(data, countries=[access.case.agency.country], **kwargs)


def _livelihood_page(
    request: HttpRequest, access: CaseAccess, bound: Mapping[str, BaseForm] | None = None
) -> HttpResponse:
    """The returnee's livelihood page; `bound` holds a refused form as posted (pages.CasePage)."""
    bound = bound or {}
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
        "work_areas": [geo.area_name(code) for code in (profile.work_areas if profile else [])],
    }
    if access.own:
        recommended, predictor = recommendations.recommendations_for(access=access)
        context |= {
            "recommendations": recommended,
            "prediction_method": predictor.method,
            "prediction_outcomes": predictor.outcomes,
            "profile_form": bound.get("profile_form")
            or _profile_form(access, initial=ProfileForm.initial_from(profile)),
            "recommend_form": bound.get("recommend_form")
            or RecommendForm(options=[(row.opportunity.pk, row.opportunity.title) for row in view.options]),
            "failed_form": next(iter(bound.values()), None),
        }
    return render(request, "livelihoods/case.html", context)


@shows_personal_data("livelihoods.skillsprofile")
@login_required
@require_GET
def case_livelihood(request: HttpRequest, code: str) -> HttpResponse:
    return _livelihood_page(request, case_get_for_user(request.user, code=code))


@shows_personal_data("livelihoods.skillsprofile")
@login_required
@require_POST
def profile_post(request: HttpRequest, code: str) -> HttpResponse:
    def run(user: User, access: CaseAccess, data: dict[str, Any]) -> Any:
        values = ProfileForm.values_of(data)
        return skills.profile_save(actor=user, access=access, version=data.get("version"), **values)

    access = case_get_for_user(request.user, code=code, for_edit=True)  # the areas offered are its country's
    return run_case_action(
        request,
        code,
        lambda post: _profile_form(access, post),
        run,
        _("Profile saved."),
        back=BACK,
        page=_livelihood_page,
        slot="profile_form",
    )


@shows_personal_data("livelihoods.skillsprofile")
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
        request,
        code,
        lambda post: RecommendForm(post, options=options),
        run,
        _("Option recommended."),
        back=BACK,
        page=_livelihood_page,
        slot="recommend_form",
    )


ENROLMENTS_SHOWN = 200  # the enrolments last updated


@shows_personal_data("livelihoods.enrolment")
@login_required
@require_GET
def enrolment_list(request: HttpRequest) -> HttpResponse:
    """The enrolments a user works on; a provider's staff see only the people referred to them."""
    user = require_member(request.user)
    status = request.GET.get("status", "")
    shown = selectors.enrolments_for_user(user=user, status=status if status in EnrolmentStatus.values else "")[
        :ENROLMENTS_SHOWN
    ]
    # The oldest alerts first, as many as a page holds, with how many there are (thousands at national scale).
    first_alerts, alerts_count = first_and_count(
        selectors.placement_alerts(user=user, agency_wide=True), selectors.ALERTS_SHOWN
    )
    note_shown(actor=user, shown=[*shown, *first_alerts], categories=["livelihood"], via="enrolments")
    return render(
        request,
        "livelihoods/enrolments.html",
        {
            "rows": shown,
            "statuses": EnrolmentStatus.choices,
            "status": status,
            "alerts": first_alerts,
            "alerts_count": alerts_count,
        },
    )


def _enrolment_page(
    request: HttpRequest, access: EnrolmentAccess, bound: Mapping[str, BaseForm] | None = None
) -> HttpResponse:
    """The enrolment's page; `bound` holds a refused form as posted, by its slot ("move_form",
    "stipend_form", "placement_form", "follow_up_form_<id>"), shown again with its errors (400)."""
    bound = bound or {}
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
        "follow_ups": list(enrolment.follow_ups.prefetch_related("contact_attempts__by")),
        "payments": list(enrolment.stipend_payments.all()),
        # Who acts next, in words, rather than a bare status (decisions/0018).
        "next_step": _next_step(replace(access, enrolment=enrolment)),
    }
    currency = enrolment.opportunity.currency or currency_of(enrolment.opportunity.provider.country)
    if moves:
        move_form = bound.get("move_form") or _move_form(moves, initial={"version": enrolment.version})
        move_form.fields["to"].choices = moves  # type: ignore[attr-defined]  # the moves open now
        context["move_form"] = move_form
    if access.can_record_progress and enrolment.status in ("enrolled", "completed", "placed"):
        context["stipend_form"] = bound.get("stipend_form") or STIPEND_FORM(initial={"currency": currency})
        context["placement_form"] = bound.get("placement_form") or (
            PLACEMENT_FORM(instance=placement, initial={"version": placement.version})
            if placement
            else PLACEMENT_FORM(initial={"isco": enrolment.opportunity.isco, "currency": currency})
        )
    if access.can_record_progress:
        context["follow_up_form"] = True  # each follow-up not yet recorded has its own form
        for follow_up in context["follow_ups"]:
            form = bound.get(f"follow_up_form_{follow_up.pk}") or _follow_up_form(
                follow_up.pk, initial={"currency": currency}
            )
            setattr(follow_up, "form", form)  # noqa: B010  (the template reads it beside its row)
            if follow_up.done_on is None:  # tried and not reached: counts as missed at once (plans/attempts.py)
                not_reached = bound.get(f"not_reached_form_{follow_up.pk}") or _not_reached_form(
                    follow_up.pk, initial={"on": clock.today()}
                )
                setattr(follow_up, "not_reached_form", not_reached)  # noqa: B010
    for follow_up in context["follow_ups"]:
        # An attempt recorded by mistake is taken back by whoever recorded it, while the follow-up is open.
        shown = list(follow_up.contact_attempts.all())
        setattr(follow_up, "attempts", shown)  # noqa: B010
        for attempt in shown:
            if getattr(follow_up, "not_reached_form", None) is not None and attempt.by_id == request.user.pk:
                setattr(  # noqa: B010  (the template reads it beside the attempt)
                    attempt,
                    "remove_url",
                    reverse("livelihoods:follow_up_attempt_remove", args=[enrolment.pk, follow_up.pk, attempt.pk]),
                )
    context["failed_form"] = next(iter(bound.values()), None)
    return render(request, "livelihoods/enrolment.html", context, status=400 if bound else 200)


@shows_personal_data("livelihoods.enrolment")
@login_required
@require_GET
def enrolment_detail(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    return _enrolment_page(request, enrolment_get_for_user(request.user, enrolment_id=enrolment_id))


# The forms of an enrolment's page, each with ids of its own.
STIPEND_FORM = page_form(StipendForm, "stipend")
PLACEMENT_FORM = page_form(PlacementForm, "placement")


def _move_form(moves: list[tuple[str, Any]], data: Any = None, **kwargs: Any) -> MoveForm:
    """The status form, offering the moves this user may make now."""
    form = MoveForm(data, auto_id="move-%s", **kwargs)
    to = form.fields["to"]
    assert isinstance(to, forms.ChoiceField)  # noqa: S101
    to.choices = moves
    return form


def _follow_up_form(follow_up_id: int, data: Any = None, **kwargs: Any) -> FollowUpForm:
    return FollowUpForm(data, auto_id=f"follow-up-{follow_up_id}-%s", **kwargs)


def _not_reached_form(follow_up_id: int, data: Any = None, **kwargs: Any) -> NotReachedForm:
    return NotReachedForm(data, auto_id=f"not-reached-{follow_up_id}-%s", **kwargs)


def _run_enrolment_action(
    request: HttpRequest,
    enrolment_id: int,
    form: BaseForm,
    run: Callable[[User, EnrolmentAccess, dict[str, Any]], Any],
    done: str,
    slot: str,
) -> HttpResponse:
    """One action posted from an enrolment's page; nothing is saved unless all of it is, and a
    refused form comes back on the page as posted, in its `slot`, with its errors."""
    access = enrolment_get_for_user(request.user, enrolment_id=enrolment_id)
    user = require_member(request.user)
    if form.is_valid():
        try:
            run(user, access, form.cleaned_data)
        except (ValidationError, EditConflict) as refusal:
            form_add_refusal(form, refusal)
        else:
            messages.success(request, done)
            return _back_to_enrolment(request, user, enrolment_id, True)
    # Read afresh: a refused service may have left changes on the objects it was given.
    return _enrolment_page(request, enrolment_get_for_user(request.user, enrolment_id=enrolment_id), {slot: form})


def _back_to_enrolment(request: HttpRequest, user: User, enrolment_id: int, done_it: bool) -> HttpResponse:
    """Back to the enrolment's page, unless the step just recorded was the last of the work a provider
    kept after its referral ended (decisions/0018): the page is then no longer theirs to see."""
    if done_it and not enrolment_list_for_user(user).filter(pk=enrolment_id).exists():
        messages.info(
            request,
            _("That was the last of your agency's work on this enrolment; it is no longer shown to you."),
        )
        return redirect("livelihoods:enrolments")
    return redirect("livelihoods:enrolment", enrolment_id=enrolment_id)


@shows_personal_data("livelihoods.enrolment")
@login_required
@require_POST
def enrolment_move_post(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    def run(user: User, access: EnrolmentAccess, data: dict[str, Any]) -> Any:
        return enrolments.enrolment_move(
            actor=user, access=access, to=data["to"], on=data["on"], reason=data["reason"], version=data["version"]
        )

    moves = [(value, value) for value in EnrolmentStatus.values]  # the service checks the move; the page offers it
    form = _move_form(moves, request.POST)
    return _run_enrolment_action(request, enrolment_id, form, run, _("Status recorded."), "move_form")


@shows_personal_data("livelihoods.enrolment")
@login_required
@require_POST
def stipend_post(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    def run(user: User, access: EnrolmentAccess, data: dict[str, Any]) -> Any:
        return enrolments.stipend_record(actor=user, access=access, **data)

    return _run_enrolment_action(
        request, enrolment_id, STIPEND_FORM(request.POST), run, _("Payment recorded."), "stipend_form"
    )


@shows_personal_data("livelihoods.enrolment")
@login_required
@require_POST
def placement_post(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    def run(user: User, access: EnrolmentAccess, data: dict[str, Any]) -> Any:
        values = dict(data)
        current = getattr(access.enrolment, "placement", None)  # the page does not show an employer agency
        values["employer"] = current.employer if current is not None else None
        return enrolments.placement_record(actor=user, access=access, version=values.pop("version"), **values)

    return _run_enrolment_action(
        request, enrolment_id, PLACEMENT_FORM(request.POST), run, _("Placement recorded."), "placement_form"
    )


@shows_personal_data("livelihoods.enrolment")
@login_required
@require_POST
def follow_up_post(request: HttpRequest, enrolment_id: int, follow_up_id: int) -> HttpResponse:
    def run(user: User, access: EnrolmentAccess, data: dict[str, Any]) -> Any:
        follow_up = get_object_or_404(access.enrolment.follow_ups, pk=follow_up_id)
        return enrolments.follow_up_record(actor=user, access=access, follow_up=follow_up, **data)

    return _run_enrolment_action(
        request,
        enrolment_id,
        _follow_up_form(follow_up_id, request.POST),
        run,
        _("Follow-up recorded."),
        f"follow_up_form_{follow_up_id}",
    )


@shows_personal_data("livelihoods.enrolment")
@login_required
@require_POST
def follow_up_not_reached_post(request: HttpRequest, enrolment_id: int, follow_up_id: int) -> HttpResponse:
    """Tried to reach the returnee for an income follow-up and could not (plans/attempts.py)."""

    def run(user: User, access: EnrolmentAccess, data: dict[str, Any]) -> Any:
        follow_up = get_object_or_404(access.enrolment.follow_ups, pk=follow_up_id)
        return attempts.follow_up_not_reached(actor=user, access=access, follow_up=follow_up, **data)

    return _run_enrolment_action(
        request,
        enrolment_id,
        _not_reached_form(follow_up_id, request.POST),
        run,
        _("Attempt recorded: not reached."),
        f"not_reached_form_{follow_up_id}",
    )


@shows_personal_data("livelihoods.enrolment")
@login_required
@require_POST
def follow_up_attempt_remove_post(
    request: HttpRequest, enrolment_id: int, follow_up_id: int, attempt_id: int
) -> HttpResponse:
    """Takes back an attempt recorded by mistake, by whoever recorded it (plans/attempts.py)."""
    access = enrolment_get_for_user(request.user, enrolment_id=enrolment_id)
    follow_up = get_object_or_404(access.enrolment.follow_ups, pk=follow_up_id)
    take_back_attempt(
        request,
        lambda: attempts.follow_up_attempt_remove(
            actor=require_member(request.user), access=access, follow_up=follow_up, attempt_id=attempt_id
        ),
    )
    return redirect("livelihoods:enrolment", enrolment_id=enrolment_id)


# --- A referral's livelihood options (decisions/0018) ---------------------------------------------------


def referral_livelihood(*, user: User, referral: Referral, form: BaseForm | None = None) -> dict[str, Any]:
    """What the referral's page shows of the person's livelihood options at the receiving agency: the
    enrolments the user sees there, each with who acts next; and, for the receiving agency while the
    referral is active, the form to record where the person stands on one of its options."""
    provider = referral.to_agency
    rows = list(
        enrolment_list_for_user(user)
        .filter(case_id=referral.case_id, opportunity__provider_id=provider.pk)
        .select_related("case", "case__agency", "opportunity", "opportunity__provider", "placement")
        .prefetch_related("follow_ups")
        .order_by("pk")
    )
    if rows:
        note_read(
            actor=user,
            obj=referral,
            categories=["livelihood"],
            details={"case": referral.case.code, "enrolments": [e.pk for e in rows], "via": "referral"},
        )
    grants = enrolment_grants_for_user(user, rows)
    enrolled = [(e, _next_step(grants[e.pk])) for e in rows]
    acting = user.agency_id == provider.pk and referral.gives_access()
    if form is None and acting:
        form = _referral_enrol_form(referral)
    shown = form if form is not None and (acting or form.is_bound) else None
    if not enrolled and shown is None:
        return {}
    return {
        "livelihood": {
            "provider": provider,
            "enrolments": enrolled,
            "form": shown,
            "proposing": not handover.asks_for_livelihood(referral),
        }
    }


def _referral_enrol_form(referral: Referral, data: Any = None) -> ReferralEnrolForm | None:
    """The form, or None when the agency has no active option to put forward."""
    options = list(Opportunity.objects.filter(provider_id=referral.to_agency_id, active=True).order_by("title"))
    if not options and data is None:
        return None
    steps = handover.steps_for(referral, proposed=not handover.asks_for_livelihood(referral))
    return ReferralEnrolForm(data, options=[(o.pk, o.title) for o in options], steps=steps)


def _next_step(access: EnrolmentAccess) -> handover.NextStep:
    enrolment = access.enrolment
    return handover.next_step(
        access, case_agency=enrolment.case.agency.display_name, provider=enrolment.opportunity.provider.display_name
    )


@shows_personal_data("referrals.referral")
@login_required
@require_POST
def referral_enrol_post(request: HttpRequest, referral_id: int) -> HttpResponse:
    """The receiving agency records where the person stands on one of its options; a refusal shows
    the referral's page again with the form as posted."""
    from reintegra.referrals.views import referral_page_with  # the referral's page, which shows this form

    referral = referral_get_for_user(request.user, referral_id=referral_id)
    user = require_member(request.user)
    form = _referral_enrol_form(referral, request.POST)
    assert form is not None  # noqa: S101  (bound: always a form)
    if form.is_valid():
        data = form.cleaned_data
        try:
            opportunity = opportunity_get_for_user(user, opportunity_id=data["opportunity"])
            enrolment = handover.enrolment_from_referral(
                actor=user, referral=referral, opportunity=opportunity, to=data["to"], on=data["on"]
            )
        except (ValidationError, EditConflict) as refusal:
            form_add_refusal(form, refusal)
        else:
            messages.success(
                request,
                _("%(option)s: %(status)s.")
                % {"option": enrolment.opportunity.title, "status": enrolment.get_status_display()},
            )
            return redirect("livelihoods:enrolment", enrolment_id=enrolment.pk)
    return referral_page_with(request, referral, user, {"enrol": form})
