"""The transfer pages: the list of both directions, a transfer's page with its moves, the proposal
from a case, and the assignment of a case within its agency."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from reintegra.access import (
    case_get_for_user,
    require_case_owner,
    transfer_get_for_user,
    transfer_list_for_user,
)
from reintegra.accounts.models import User
from reintegra.accounts.reads import note_read, shows_no_personal_data, shows_personal_data
from reintegra.cases.scope import CaseAccess
from reintegra.lib.concurrency import EditConflict
from reintegra.lib.http import form_add_refusal
from reintegra.lib.workflow import Reason

from . import services
from .forms import CaseworkerForm, ProposeForm, ReasonForm
from .models import Transfer, TransferStatus
from .workflows import TRANSFER, parties_of


@shows_no_personal_data
@login_required
@require_http_methods(["GET"])
def transfer_list(request: HttpRequest) -> HttpResponse:
    """Both directions, waiting ones first: only case codes, agencies and dates (no reason)."""
    user = require_case_owner(request.user)
    transfers = list(
        transfer_list_for_user(user)
        .select_related("case", "from_agency", "to_agency")
        .order_by("-proposed_at", "-pk")[:200]
    )
    context = {
        "incoming": [t for t in transfers if t.status == TransferStatus.PENDING and t.to_agency_id == user.agency_id],
        "outgoing": [t for t in transfers if t.status == TransferStatus.PENDING and t.from_agency_id == user.agency_id],
        "answered": [t for t in transfers if t.status != TransferStatus.PENDING],
    }
    return render(request, "transfers/list.html", context)


def _form_of(move: str, transfer: Transfer, data: Any = None) -> BaseForm:
    if move == "accept":
        return CaseworkerForm(data, agency_id=transfer.to_agency_id, auto_id="accept-%s")
    form = ReasonForm(data, auto_id=f"{move}-%s")
    step = TRANSFER.move(move)
    if step.reason is Reason.REQUIRED:
        form.fields["reason"].required = True
        form.fields["reason"].error_messages["required"] = str(step.reason_prompt or _("Give the reason."))
    return form


def _transfer_page(
    request: HttpRequest, transfer: Transfer, user: User, bound: dict[str, BaseForm] | None = None
) -> HttpResponse:
    bound = bound or {}
    # The reason may speak of the person: the read is logged like a case's.
    note_read(actor=user, obj=transfer, categories=["transfer"], details={"case": transfer.case.code})
    moves = TRANSFER.allowed(transfer.status, parties_of(user, transfer), record=transfer, actor=user)
    context = {
        "transfer": transfer,
        "sending": transfer.from_agency_id == user.agency_id,
        "keeps_case": transfer.case.agency_id == user.agency_id,
        "decisions": [(move, bound.get(move.name) or _form_of(move.name, transfer)) for move in moves],
        "failed_form": next(iter(bound.values()), None),
    }
    return render(request, "transfers/detail.html", context, status=400 if bound else 200)


@shows_personal_data("transfers.transfer")
@login_required
@require_http_methods(["GET"])
def transfer_detail(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = transfer_get_for_user(request.user, transfer_id=transfer_id)
    return _transfer_page(request, transfer, require_case_owner(request.user))


DONE = {
    "accept": gettext_lazy("Transfer accepted: the case is now your agency's."),
    "decline": gettext_lazy("Transfer declined."),
    "withdraw": gettext_lazy("Transfer withdrawn."),
}


@shows_personal_data("transfers.transfer")
@login_required
@require_POST
def transfer_action(request: HttpRequest, transfer_id: int, action: str) -> HttpResponse:
    transfer = transfer_get_for_user(request.user, transfer_id=transfer_id)
    user = require_case_owner(request.user)
    if action not in DONE:
        raise PermissionDenied
    if not TRANSFER.may(TRANSFER.move(action), parties_of(user, transfer)):
        raise PermissionDenied
    form = _form_of(action, transfer, request.POST)
    if form.is_valid():
        try:
            services.transfer_move(
                actor=user,
                transfer=transfer,
                move=action,
                reason=form.cleaned_data.get("reason", ""),
                caseworker=form.cleaned_data.get("caseworker"),
            )
        except (ValidationError, EditConflict) as refusal:
            form_add_refusal(form, refusal)
        else:
            messages.success(request, str(DONE[action]))
            if action == "accept":
                return redirect("cases:detail", code=transfer.case.code)
            return redirect("transfers:detail", transfer_id=transfer.pk)
    transfer.refresh_from_db()
    return _transfer_page(request, transfer, user, {action: form})


def _supervisor_access(request: HttpRequest, code: str) -> tuple[User, CaseAccess]:
    access = case_get_for_user(request.user, code=code, for_edit=True)
    user = require_case_owner(request.user)
    if not access.is_supervisor:
        raise PermissionDenied
    return user, access


@shows_no_personal_data
@login_required
@require_http_methods(["GET", "POST"])
def transfer_propose(request: HttpRequest, code: str) -> HttpResponse:
    """A supervisor proposes to hand the case to another agency (the page shows the case code only)."""
    user, access = _supervisor_access(request, code)
    form = ProposeForm(request.POST or None, agency_id=access.case.agency_id)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = services.transfer_propose(actor=user, access=access, **form.cleaned_data)
        except (ValidationError, EditConflict) as refusal:
            form_add_refusal(form, refusal)
        else:
            messages.success(
                request,
                _("Transfer proposed to %(agency)s; it waits for their answer.")
                % {"agency": transfer.to_agency.display_name},
            )
            return redirect("transfers:detail", transfer_id=transfer.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "transfers/propose.html", {"case": access.case, "form": form, "failed_form": form}, status=status
    )


@shows_no_personal_data
@login_required
@require_http_methods(["GET", "POST"])
def case_assign(request: HttpRequest, code: str) -> HttpResponse:
    """A supervisor gives the case to a caseworker of the agency, each shown with their caseload."""
    user, access = _supervisor_access(request, code)
    initial = {"caseworker": access.case.caseworker_id}
    form = CaseworkerForm(request.POST or None, agency_id=access.case.agency_id, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_assign(actor=user, access=access, caseworker=form.cleaned_data["caseworker"])
        except (ValidationError, EditConflict) as refusal:
            form_add_refusal(form, refusal)
        else:
            messages.success(request, _("Case assigned to %(person)s.") % {"person": str(case.caseworker)})
            return redirect("cases:detail", code=case.code)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "transfers/assign.html", {"case": access.case, "form": form, "failed_form": form}, status=status
    )
