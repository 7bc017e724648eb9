from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from reintegra.access import (
    case_get_for_user,
    referral_get_for_user,
    require_case_receiver,
    require_member,
)
from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent
from reintegra.cases.forms import ReasonForm
from reintegra.lib.http import form_errors_as_messages, run_as_messages

from . import selectors, services
from .choices import ACTIVE_REFERRAL_STATUSES, ReferralStatus
from .forms import referral_form_for
from .workflows import REFERRAL, parties_of


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
    context = {
        "times": selectors.referral_times(user=user, direction=direction),
        "page": Paginator(referrals, 30).get_page(request.GET.get("page")),
        "direction": direction,
        "status": status,
        "counts": [(value, label, counts.get(value, 0)) for value, label in ReferralStatus.choices],
    }
    return render(request, "referrals/inbox.html", context)


@login_required
@require_GET
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = referral_get_for_user(request.user, referral_id=referral_id)
    user = require_member(request.user)
    # Its free-text reasons may speak of the person: the read is logged like a case's.
    audit_record(
        actor=user,
        action=AuditEvent.Action.READ,
        obj=referral,
        categories=["referral"],
        details={"case": referral.case.code},
    )
    context = {
        "referral": referral,
        "receiving": referral.to_agency_id == user.agency_id,
        "sending": referral.from_agency_id == user.agency_id,
        "reason_form": ReasonForm(),
        "active": referral.status in ACTIVE_REFERRAL_STATUSES,
        "moves": REFERRAL.allowed(referral.status, parties_of(user, referral)),
    }
    return render(request, "referrals/detail.html", context)


DONE = {
    "accept": gettext_lazy("Referral accepted."),
    "decline": gettext_lazy("Referral declined."),
    "start": gettext_lazy("Work on the referral started."),
    "complete": gettext_lazy("Referral completed."),
    "cancel": gettext_lazy("Referral cancelled."),
    "revoke": gettext_lazy("Referral revoked; the other agency's access has ended."),
}


@login_required
@require_POST
def referral_action(request: HttpRequest, referral_id: int, action: str) -> HttpResponse:
    referral = referral_get_for_user(request.user, referral_id=referral_id)
    user = require_member(request.user)
    if action not in DONE:
        raise PermissionDenied
    run_as_messages(
        request,
        lambda: services.referral_move(
            actor=user, referral=referral, move=action, reason=request.POST.get("reason", "")
        ),
        str(DONE[action]),
    )
    return redirect("referrals:detail", referral_id=referral.pk)


@login_required
@require_POST
def referral_send(request: HttpRequest, code: str) -> HttpResponse:
    access = case_get_for_user(request.user, code=code, for_edit=True)
    user = require_member(request.user)
    form = referral_form_for(access.case, request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect("cases:detail", code=code)
    try:
        referral = services.referral_send(actor=user, access=access, **form.cleaned_data)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("cases:detail", code=code)
    messages.success(request, _("Referral sent to %(agency)s.") % {"agency": referral.to_agency.name})
    return redirect("referrals:detail", referral_id=referral.pk)


@login_required
@require_POST
def referral_service(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = referral_get_for_user(request.user, referral_id=referral_id)
    try:
        services.referral_record_service(
            actor=require_member(request.user), referral=referral, text=request.POST.get("text", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Service recorded on the case's timeline."))
    return redirect("referrals:detail", referral_id=referral.pk)
