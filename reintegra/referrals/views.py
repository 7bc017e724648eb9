from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from reintegra.access import (
    case_get_for_user,
    referral_details_withheld,
    referral_get_for_user,
    require_case_receiver,
    require_member,
)
from reintegra.accounts.models import User
from reintegra.accounts.reads import note_read, note_shown, shows_personal_data
from reintegra.cases.forms import ReasonForm
from reintegra.cases.views import case_page
from reintegra.lib.concurrency import EditConflict
from reintegra.lib.http import form_add_refusal, run_as_messages
from reintegra.lib.lists import Counted
from reintegra.lib.workflow import Reason
from reintegra.livelihoods import case_views as livelihood_views
from reintegra.livelihoods import handover
from reintegra.pages import again

from . import selectors, services
from .choices import ACTIVE_REFERRAL_STATUSES, DeclineReason, ReferralStatus
from .forms import referral_form_for
from .workflows import REFERRAL, parties_of


@shows_personal_data("referrals.referral")
@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = require_case_receiver(request.user)
    direction = "outgoing" if request.GET.get("direction") == "outgoing" else "incoming"
    status = request.GET.get("status", "")
    if status not in ReferralStatus.values:
        status = ""
    referrals = selectors.referral_inbox(user=user, direction=direction, status=status)
    counts = selectors.referral_counts(user=user, direction=direction)
    # The list's length is in the counts by status (at a million, a provider's 380,000: 21 ms more).
    listed = Counted(referrals, counts.get(status, 0) if status else sum(counts.values()))
    page = Paginator(listed, 30).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    note_shown(actor=user, shown=page.object_list, categories=["referral"], via="inbox")
    context = {
        "times": selectors.referral_times(user=user, direction=direction),
        "page": page,
        "direction": direction,
        "status": status,
        "counts": [(value, label, counts.get(value, 0)) for value, label in ReferralStatus.choices],
    }
    return render(request, "referrals/inbox.html", context)


class ServiceRecordForm(forms.Form):
    # Not required here: the service says what is missing, in its own words.
    text = forms.CharField(
        label=gettext_lazy("Service provided"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DeclineForm(ReasonForm):
    """A decline says why in the agency's words, and may give its main reason as a code that the
    network's figures count."""

    decline_reason = forms.ChoiceField(
        label=gettext_lazy("Main reason"),
        required=False,
        choices=[("", gettext_lazy("Choose…")), *DeclineReason.choices],
    )
    field_order = ["decline_reason", "reason"]


def _reason_form(move: str, data: Any = None) -> ReasonForm:
    """The reason box of a move, its own form; a missing reason is said in the workflow's words."""
    form = (DeclineForm if move == "decline" else ReasonForm)(data, auto_id=f"{move}-%s")
    step = REFERRAL.move(move)
    form.fields["reason"].required = step.reason is Reason.REQUIRED
    form.fields["reason"].error_messages["required"] = str(step.reason_prompt or _("Give the reason."))
    return form


def _has_reason_box(move: Any) -> bool:
    return move.reason is Reason.REQUIRED


class EndForm(forms.Form):
    """Ends a referral on which work still depends: what remains is shown above it (decisions/0018),
    and the end is made only once confirmed."""

    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(
        label=gettext_lazy("I have read what still depends on this referral, and want to go on"), required=False
    )


def _end_form(move: Any, data: Any = None) -> EndForm:
    form = EndForm(data, auto_id=f"{move.name}-%s")
    if move.reason is Reason.NONE:
        del form.fields["reason"]
    return form


def _form_for(move: Any, dependents: list[handover.Dependent], data: Any = None) -> BaseForm | None:
    """The form of a move: a reason box, or the confirmation of an end that work depends on; a button
    (None) when it needs neither."""
    if move.name in services.ENDING_MOVES and dependents:
        return _end_form(move, data)
    if _has_reason_box(move):
        return _reason_form(move.name, data)
    return None


def _service_form(data: Any = None) -> ServiceRecordForm:
    return ServiceRecordForm(data, auto_id="service-%s")


def _referral_page(
    request: HttpRequest, referral: Any, user: User, bound: Mapping[str, BaseForm] | None = None
) -> HttpResponse:
    """The referral's page; `bound` holds a form as it was posted (by the move's name, "service", or
    "enrol" for the livelihood options), shown again with its errors (status 400)."""
    bound = bound or {}
    # Its free-text reasons may speak of the person: the read is logged like a case's.
    note_read(
        actor=user,
        obj=referral,
        categories=["referral"],
        details={"case": referral.case.code},
    )
    context: dict[str, Any] = {
        "referral": referral,
        "receiving": referral.to_agency_id == user.agency_id,
        "sending": referral.from_agency_id == user.agency_id,
        "active": referral.status in ACTIVE_REFERRAL_STATUSES,
        "withheld": referral_details_withheld(user, referral),
        "moves": REFERRAL.allowed(referral.status, parties_of(user, referral)),
        "service_form": bound.get("service") or _service_form(),
        **livelihood_views.referral_livelihood(user=user, referral=referral, form=bound.get("enrol")),
    }
    # What still needs the receiving agency, shown with the moves that end the referral (decisions/0018).
    ending = any(move.name in services.ENDING_MOVES for move in context["moves"])
    dependents = handover.dependent_work(referral) if ending else []
    context["dependents"] = dependents
    # A move that needs a reason, or a confirmation, is a form of its own, beside its button.
    context["decisions"] = [(move, bound.get(move.name) or _form_for(move, dependents)) for move in context["moves"]]
    context["primary_move"] = next((move.name for move, form in context["decisions"] if form is None), "")
    context["failed_form"] = next(iter(bound.values()), None)
    return render(request, "referrals/detail.html", context, status=400 if bound else 200)


def referral_page_with(request: HttpRequest, referral: Any, user: User, bound: Mapping[str, BaseForm]) -> HttpResponse:
    """The referral's page shown again with a form another app posts from it (the livelihood
    options: "enrol"), as posted."""
    return _referral_page(request, referral, user, bound)


@shows_personal_data("referrals.referral")
@login_required
@require_GET
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = referral_get_for_user(request.user, referral_id=referral_id)
    return _referral_page(request, referral, require_member(request.user))


DONE = {
    "accept": gettext_lazy("Referral accepted."),
    "decline": gettext_lazy("Referral declined."),
    "start": gettext_lazy("Work on the referral started."),
    "complete": gettext_lazy("Referral completed."),
    "cancel": gettext_lazy("Referral cancelled."),
    "revoke": gettext_lazy("Referral revoked; the other agency's access has ended."),
}


@shows_personal_data("referrals.referral")
@login_required
@require_POST
def referral_action(request: HttpRequest, referral_id: int, action: str) -> HttpResponse:
    referral = referral_get_for_user(request.user, referral_id=referral_id)
    user = require_member(request.user)
    if action not in DONE:
        raise PermissionDenied
    move = REFERRAL.move(action)
    shown = move in REFERRAL.allowed(referral.status, parties_of(user, referral))
    dependents = handover.dependent_work(referral) if shown and action in services.ENDING_MOVES else []
    form = _form_for(move, dependents, request.POST) if shown else None
    if form is None:
        # A button: nothing typed to keep, a refusal is said after the redirect.
        run_as_messages(
            request,
            lambda: services.referral_move(
                actor=user, referral=referral, move=action, reason=request.POST.get("reason", "")
            ),
            str(DONE[action]),
        )
        return redirect("referrals:detail", referral_id=referral.pk)
    if form.is_valid():
        try:
            services.referral_move(
                actor=user,
                referral=referral,
                move=action,
                reason=form.cleaned_data.get("reason", ""),
                confirmed=bool(form.cleaned_data.get("confirm")),
                decline_reason=form.cleaned_data.get("decline_reason", ""),
            )
        except (ValidationError, EditConflict) as refusal:
            form_add_refusal(form, refusal)
        else:
            messages.success(request, str(DONE[action]))
            return redirect("referrals:detail", referral_id=referral.pk)
    return _referral_page(request, referral, user, {action: form})


@shows_personal_data("cases.case")
@login_required
@require_POST
def referral_send(request: HttpRequest, code: str) -> HttpResponse:
    access = case_get_for_user(request.user, code=code, for_edit=True)
    user = require_member(request.user)
    form = referral_form_for(access, request.POST)
    if not form.is_valid():
        return again(request, case_page, access, "referral_form", form)
    try:
        referral = services.referral_send(actor=user, access=access, **form.cleaned_data)
    except (ValidationError, EditConflict) as refusal:
        form_add_refusal(form, refusal)
        return again(request, case_page, access, "referral_form", form)
    messages.success(request, _("Referral sent to %(agency)s.") % {"agency": referral.to_agency.display_name})
    return redirect("referrals:detail", referral_id=referral.pk)


@shows_personal_data("referrals.referral")
@login_required
@require_POST
def referral_service(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = referral_get_for_user(request.user, referral_id=referral_id)
    user = require_member(request.user)
    form = _service_form(request.POST)
    if form.is_valid():
        try:
            services.referral_record_service(actor=user, referral=referral, text=form.cleaned_data["text"])
        except ValidationError as refusal:
            form_add_refusal(form, refusal)
        else:
            messages.success(request, _("Service recorded on the case's timeline."))
            return redirect("referrals:detail", referral_id=referral.pk)
    if not (referral.to_agency_id == user.agency_id and referral.status in ACTIVE_REFERRAL_STATUSES):
        # The page no longer shows the form (the referral has ended): say why after the redirect.
        for message in [str(m) for errors in form.errors.values() for m in errors]:
            messages.error(request, message)
        return redirect("referrals:detail", referral_id=referral.pk)
    return _referral_page(request, referral, user, {"service": form})
