import base64
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reintegra.access import (
    CaseAccess,
    case_get_for_user,
    is_supervisor,
    keeps_cases,
    require_case_owner,
    require_case_receiver,
    require_member,
)
from reintegra.accounts.models import User
from reintegra.lib.concurrency import EditConflict
from reintegra.livelihoods import selectors as livelihood_selectors
from reintegra.pages import CaseAction, case_action_view, run_case_action
from reintegra.plans.models import Assessment
from reintegra.plans.selectors import assessment_chart
from reintegra.referrals.forms import referral_form_for

from . import selectors, services, tasks
from .choices import DataCategory, Stage
from .forms import (
    ClosureDecisionForm,
    ConsentForm,
    HistoryForm,
    IntakeForm,
    NoteForm,
    PhotoForm,
    ReasonForm,
    ReturneeForm,
    ReturnForm,
    SearchForm,
    StageForm,
    TaskForm,
)
from .models import Consent, Task
from .workflows import CLOSURE, closure_state, parties_of


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    user = require_case_receiver(request.user)
    form = SearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("name") or data.get("phone"):
        cases = selectors.case_search_by_identity(user=user, name=data.get("name", ""), phone=data.get("phone", ""))
    else:
        cases = selectors.case_list(
            user=user,
            filters=selectors.CaseFilters(
                q=data.get("q", ""),
                stage=data.get("stage", ""),
                mine=request.GET.get("mine") == "1",
                referred=request.GET.get("referred") == "1",
            ),
        )
    page = Paginator(cases.select_related("agency", "caseworker"), 30).get_page(request.GET.get("page"))
    overdue = selectors.overdue_tasks(user=user, agency_wide=is_supervisor(user))
    context = {"form": form, "page": page, "overdue_count": overdue.count(), "can_open": keeps_cases(user)}
    return render(request, "cases/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_intake(request: HttpRequest) -> HttpResponse:
    user = require_case_owner(request.user)
    form = IntakeForm(request.POST or None)
    duplicates = None
    if request.method == "POST" and form.is_valid():
        fields = form.returnee_fields()
        stage, notes, confirmed = fields.pop("stage"), fields.pop("notes"), fields.pop("confirm_new")
        assert user.agency is not None  # noqa: S101
        duplicates = services.possible_duplicates(
            agency=user.agency,
            given_name=fields["given_name"],
            family_name=fields["family_name"],
            birth_date=fields["birth_date"],
            phones=fields["phones"],
        )
        if (duplicates["own"] or duplicates["elsewhere"]) and not confirmed:
            data = request.POST.copy()
            data["confirm_new"] = "True"
            form = IntakeForm(data)
            form.is_valid()
        else:
            try:
                case = services.case_open(actor=user, stage=stage, notes=notes, **fields)
            except ValidationError as exc:
                form.add_error(None, exc)
                duplicates = None
            else:
                messages.success(request, _("Case %(code)s opened.") % {"code": case.code})
                return redirect("cases:detail", code=case.code)
    return render(request, "cases/intake.html", {"form": form, "duplicates": duplicates})


def _assessment_chart(case: Any) -> Any:
    return assessment_chart(list(Assessment.objects.filter(case=case)))


def _detail_context(request: HttpRequest, access: CaseAccess) -> dict[str, Any]:
    case = access.case
    context: dict[str, Any] = {
        "access": access,
        "case": case,
        "returnee": case.returnee,
        "sees": {c: access.sees(c) for c in DataCategory.values},
        "timeline": selectors.case_timeline(access=access),
        "history": case.history.all() if access.sees(DataCategory.HISTORY) else [],
        "journey": getattr(case, "return_journey", None) if access.sees(DataCategory.RETURN) else None,
        "tasks": case.tasks.filter(agency_id=access.viewer_agency_id).select_related("assignee"),
        "chart": _assessment_chart(case) if access.sees(DataCategory.PLAN) else None,
    }
    if access.own:
        context |= {
            "consents": case.consents.select_related("recipient_agency", "explained_by"),
            "referrals": case.referrals.select_related("to_agency", "service"),
            "stage_form": StageForm(initial={"version": case.version, "stage": case.stage}),
            "consent_form": ConsentForm(),
            "referral_form": referral_form_for(case),
            "history_form": HistoryForm(),
            "return_form": ReturnForm(),
            "note_form": NoteForm(),
            "photo_form": PhotoForm(),
            "task_form": TaskForm(),
            "reason_form": ReasonForm(),
            # The buttons are the moves this user may make now.
            "closure_moves": [
                m.name for m in CLOSURE.allowed(closure_state(case), parties_of(require_member(request.user), case))
            ],
        }
    else:
        context["referrals"] = case.referrals.filter(to_agency_id=access.viewer_agency_id).select_related(
            "to_agency", "service"
        )
    return context


@login_required
@require_GET
def case_detail(request: HttpRequest, code: str) -> HttpResponse:
    access = case_get_for_user(request.user, code=code)
    selectors.case_read(user=request.user, access=access, via="page")
    return render(request, "cases/detail.html", _detail_context(request, access))


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, code: str) -> HttpResponse:
    access = case_get_for_user(request.user, code=code, for_edit=True)
    user = require_case_owner(request.user)
    if request.method == "POST":
        form = ReturneeForm(request.POST)
        if form.is_valid():
            try:
                services.case_update(
                    actor=user, case=access.case, version=form.cleaned_data["version"], **form.returnee_fields()
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            except EditConflict as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Record saved."))
                return redirect("cases:detail", code=code)
    else:
        selectors.case_read(user=user, access=access, via="edit form")
        form = ReturneeForm(initial=ReturneeForm.initial_from(access.case))
    return render(request, "cases/edit.html", {"form": form, "case": access.case})


def _record_return(user: User, access: CaseAccess, data: dict[str, Any]) -> Any:
    agencies = data.pop("assisting_agencies")
    return services.return_record(actor=user, case=access.case, assisting_agencies=agencies, **data)


def _withdraw_consent(user: User, access: CaseAccess, data: dict[str, Any], consent_id: int) -> Any:
    consent = Consent.objects.filter(case=access.case, pk=consent_id).first()
    if consent is None:
        raise ValidationError(_("No such consent on this case."))
    return services.consent_withdraw(actor=user, consent=consent)


def _task_done(user: User, access: CaseAccess, data: dict[str, Any], task_id: int) -> Any:
    task = Task.objects.filter(case=access.case, pk=task_id, agency=user.agency).first()
    if task is None:
        raise ValidationError(_("No such task."))
    return tasks.task_done(actor=user, task=task)


# The writes posted from a case's page: each URL of cases/urls.py names one.
CASE_ACTIONS = {
    "stage": CaseAction(
        lambda u, a, d: services.case_set_stage(actor=u, case=a.case, **d), gettext_lazy("Stage changed."), StageForm
    ),
    "history": CaseAction(
        lambda u, a, d: services.history_add(actor=u, case=a.case, **d), gettext_lazy("History recorded."), HistoryForm
    ),
    "return": CaseAction(_record_return, gettext_lazy("Return recorded."), ReturnForm),
    "consent": CaseAction(
        lambda u, a, d: services.consent_record(actor=u, case=a.case, **d),
        gettext_lazy("Consent recorded."),
        ConsentForm,
    ),
    "consent_withdraw": CaseAction(
        _withdraw_consent, gettext_lazy("Consent withdrawn; the access it allowed has ended.")
    ),
    "note": CaseAction(
        lambda u, a, d: services.note_add(actor=u, case=a.case, text=d["text"]), gettext_lazy("Note added."), NoteForm
    ),
    "task": CaseAction(
        lambda u, a, d: tasks.task_create(actor=u, case=a.case, assignee=u, **d), gettext_lazy("Task added."), TaskForm
    ),
    "task_done": CaseAction(_task_done, gettext_lazy("Task done.")),
    "closure": CaseAction(
        lambda u, a, d: services.closure_move(actor=u, case=a.case, move="request", reason=d["reason"]),
        gettext_lazy("Closure requested; a supervisor will decide."),
        ReasonForm,
    ),
    "closure_decide": CaseAction(
        lambda u, a, d: services.closure_move(actor=u, case=a.case, move="approve" if d["approve"] else "decline"),
        lambda d: gettext_lazy("Case closed.") if d["approve"] else gettext_lazy("Closure not approved."),
        ClosureDecisionForm,
    ),
    "reopen": CaseAction(
        lambda u, a, d: services.closure_move(actor=u, case=a.case, move="reopen", reason=d["reason"]),
        gettext_lazy("Case reopened."),
        ReasonForm,
    ),
}
case_action = case_action_view(CASE_ACTIONS)


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    user = require_case_receiver(request.user)
    agency_wide = request.GET.get("agency") == "1"
    tasks = selectors.overdue_tasks(user=user, agency_wide=agency_wide)
    alerts = livelihood_selectors.placement_alerts(user=user, agency_wide=agency_wide)
    return render(
        request,
        "cases/tasks.html",
        {"tasks": tasks, "agency_wide": agency_wide, "Stage": Stage, "placement_alerts": alerts},
    )


@login_required
@require_POST
def case_photo_upload(request: HttpRequest, code: str) -> HttpResponse:
    def run(user: User, access: CaseAccess, data: dict[str, Any]) -> Any:
        upload = request.FILES.get("photo")
        if upload is None:
            raise ValidationError(_("Choose a photo to upload."))
        services.photo_check_size(upload.size or 0)  # before reading an oversized file into memory
        return services.photo_set(actor=user, case=access.case, data=upload.read())

    return run_case_action(request, code, None, run, _("Photo saved."))


@login_required
@require_GET
def case_photo(request: HttpRequest, code: str) -> HttpResponse:
    """The photo, to those who may see identity data; every view is in the audit log."""
    access = case_get_for_user(request.user, code=code)
    returnee = access.case.returnee
    if not access.sees(DataCategory.IDENTITY) or not returnee.photo:
        raise Http404
    selectors.audit_case_read(user=require_member(request.user), access=access, shown={"identity"}, via="photo")
    response = HttpResponse(base64.b64decode(returnee.photo), content_type=returnee.photo_type)
    response["Cache-Control"] = "no-store, private"
    return response
