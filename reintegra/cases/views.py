import base64
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
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
from reintegra.accounts.reads import note_nothing_shown, note_shown, shows_no_personal_data, shows_personal_data
from reintegra.lib import clock
from reintegra.lib.concurrency import EditConflict
from reintegra.lib.formfields import page_form, with_currency_of
from reintegra.lib.lists import AtMost, count_at_most, first_and_count
from reintegra.livelihoods import selectors as livelihood_selectors
from reintegra.pages import CaseAction, case_action_view, run_case_action
from reintegra.plans import lost_contact
from reintegra.plans.models import Assessment
from reintegra.plans.selectors import assessment_chart
from reintegra.referrals.forms import referral_form_for
from reintegra.transfers import services as transfer_services
from reintegra.transfers.models import Transfer, TransferStatus

from . import erasure, selectors, services, tasks
from .choices import IDENTIFYING_CATEGORIES, DataCategory, DuplicateCheckReason
from .duplicates import DuplicateCheckThrottled, duplicate_advice, duplicate_check, missing_identity
from .forms import (
    ClosureDecisionForm,
    ClosureRequestForm,
    ConsentForm,
    ErasureDecisionForm,
    HistoryForm,
    IdentitySearchForm,
    IntakeForm,
    NoteForm,
    PhotoForm,
    ReasonForm,
    RemigrationForm,
    ReturneeForm,
    ReturnForm,
    SearchForm,
    StageForm,
    TaskForm,
)
from .listing import CaseListing
from .models import Consent, Task
from .workflows import CLOSURE, ERASURE, closure_state, erasure_parties, erasure_state, parties_of

NEW_CASE = DuplicateCheckReason.NEW_CASE
INTAKE_CANNOT_CHECK = gettext_lazy(
    "To check whether this person already has a case, give the whole birth date or a phone number; "
    "or save again to open the case without the check."
)

# A search for a person is posted, never put in an address; its result (case ids, nothing personal)
# is kept in the searcher's session under a random token for a short while, so the list it leads to
# can be paged and reloaded at /cases/?search=<token>.
SEARCHES = "case_searches"
SEARCH_MINUTES = 15
SEARCH_RESULTS = 500  # a search is for finding one person; more than this is not a search
SEARCHES_KEPT = 10
LIST_PAGE = 30
# The list is a working list: its newest 40 pages. Past them, a filter or the code search finds a case
# (counting further costs the database a read of every case the agency may see: cases/listing.py).
LIST_AT_MOST = 40 * LIST_PAGE


def _search_store(request: HttpRequest, user: User, ids: list[int], by: list[str]) -> str:
    now = time.time()
    kept = {t: s for t, s in request.session.get(SEARCHES, {}).items() if s["expires"] > now}
    kept = dict(sorted(kept.items(), key=lambda item: item[1]["expires"])[-(SEARCHES_KEPT - 1) :])
    token = secrets.token_urlsafe(16)
    kept[token] = {"user": user.pk, "expires": now + SEARCH_MINUTES * 60, "cases": ids[:SEARCH_RESULTS], "by": by}
    request.session[SEARCHES] = kept
    return token


def _search_load(request: HttpRequest, user: User, token: str) -> dict[str, Any] | None:
    """The search behind `token` if this user made it in this session and it has not expired."""
    search = request.session.get(SEARCHES, {}).get(token)
    if not search or search["user"] != user.pk or search["expires"] <= time.time():
        return None
    return dict(search)


def _case_list_page(
    request: HttpRequest,
    user: User,
    cases: CaseListing,
    *,
    form: SearchForm | None = None,
    identity_form: IdentitySearchForm | None = None,
    search: dict[str, Any] | None = None,
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    page = Paginator(cases, LIST_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    note_shown(actor=user, shown=page.object_list, via="list")
    overdue = selectors.overdue_tasks(user=user, agency_wide=is_supervisor(user))
    context = {
        "form": form or SearchForm(),
        "identity_form": identity_form or IdentitySearchForm(),
        "search": search,
        "search_refusal": refusal,
        "search_minutes": SEARCH_MINUTES,
        "page": page,
        "cut": cases.cut,
        # Counted no further than a task group is (an agency's overdue tasks: 73,334 at a million).
        "overdue_count": count_at_most(overdue, selectors.TASKS_COUNTED),
        "overdue_counted": selectors.TASKS_COUNTED,
        "can_open": keeps_cases(user),
    }
    return render(request, "cases/list.html", context, status=status)


@shows_personal_data("cases.case")
@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """The list by code, stage and assignment; or, with `?search=<token>`, the result of the user's
    search for a person (case_search)."""
    user = require_case_receiver(request.user)
    if "search" in request.GET:
        search = _search_load(request, user, request.GET["search"])
        if search is None:
            refusal = _(
                "This search has expired or was made by someone else. Search again: a search is kept for %(n)s minutes."
            ) % {"n": SEARCH_MINUTES}
            return _case_list_page(request, user, CaseListing(), refusal=refusal, status=404)
        cases = selectors.case_list_by_ids(user=user, ids=search["cases"])
        return _case_list_page(request, user, cases, search=search)
    form = SearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    cases = selectors.case_list(
        user=user,
        filters=selectors.CaseFilters(
            q=data.get("q", ""),
            stage=data.get("stage", ""),
            mine=request.GET.get("mine") == "1",
            referred=request.GET.get("referred") == "1",
        ),
        at_most=LIST_AT_MOST,
    )
    return _case_list_page(request, user, cases, form=form)


@shows_personal_data("cases.case")
@login_required
@require_POST
def case_search(request: HttpRequest) -> HttpResponse:
    """A search for a person by name or phone (audited), answered by a redirect to its result under
    a short-lived token: the name and phone travel in the request's body only."""
    user = require_case_receiver(request.user)
    form = IdentitySearchForm(request.POST)
    if not form.is_valid():
        return _case_list_page(request, user, CaseListing(), identity_form=form, status=400)
    name, phone = form.cleaned_data["name"], form.cleaned_data["phone"]
    found = selectors.case_search_by_identity(user=user, name=name, phone=phone)
    ids = list(found.order_by("-opened_at").values_list("pk", flat=True))
    token = _search_store(request, user, ids, [by for by, value in (("name", name), ("phone", phone)) if value])
    return redirect(f"{reverse('cases:list')}?{urlencode({'search': token})}")


def _agency_country(user: User) -> str:
    return user.agency.country if user.agency else ""


def _intake_confirming(request: HttpRequest, user: User) -> IntakeForm:
    """The intake form as posted, with `confirm_new` set: saving it again opens the case."""
    data = request.POST.copy()
    data["confirm_new"] = "True"
    form = IntakeForm(data, agency_country=_agency_country(user))
    form.is_valid()
    return form


@shows_personal_data("cases.case")
@login_required
@require_http_methods(["GET", "POST"])
def case_intake(request: HttpRequest) -> HttpResponse:
    """Opens a case, after a duplicate check for a new case (decisions/0022): when it finds a possible
    match, when it cannot be made (no birth date and no phone), or when the user made too many, the
    form comes back as typed with the answer, and saving it again opens the case."""
    user = require_case_owner(request.user)
    if request.method == "GET":
        note_nothing_shown()  # a blank form; the duplicates a post may show are audited by their check
    form = IntakeForm(request.POST or None, agency_country=_agency_country(user))
    found = None
    status = 200
    if request.method == "POST" and form.is_valid():
        fields = form.returnee_fields()
        stage, notes, confirmed = fields.pop("stage"), fields.pop("notes"), fields.pop("confirm_new")
        held = False
        if not confirmed:
            missing = missing_identity(
                given_name=fields["given_name"], birth_date=fields["birth_date"], phones=fields["phones"]
            )
            if missing:
                form, status, held = _intake_confirming(request, user), 400, True
                for name, problems in missing.items():
                    form.add_error(name, INTAKE_CANNOT_CHECK if name == "birth_date" else problems)
            else:
                identity = {k: fields[k] for k in ("given_name", "family_name", "birth_date", "phones")}
                try:
                    found = duplicate_check(actor=user, reason=NEW_CASE, via="intake", **identity)
                except DuplicateCheckThrottled as exc:
                    form, status, held = _intake_confirming(request, user), 429, True
                    form.add_error(None, f"{exc} {_('Save again to open the case without the check.')}")
                else:
                    held = bool(found.own or found.elsewhere)
                    if held:
                        form = _intake_confirming(request, user)
        if not held:
            try:
                case = services.case_open(actor=user, stage=stage, notes=notes, **fields)
            except ValidationError as exc:
                form.add_error(None, exc)
                found = None
            else:
                messages.success(request, _("Case %(code)s opened.") % {"code": case.code})
                return redirect("cases:detail", code=case.code)
    context = {"form": form, "duplicates": found, "advice": duplicate_advice(found) if found else ""}
    return render(request, "cases/intake.html", context, status=status)


@shows_no_personal_data
@login_required
@require_GET
def home_area_options(request: HttpRequest) -> HttpResponse:
    """The home area's select for the citizenships ticked (swapped in by htmx on the intake and edit
    forms): the areas of the user's agency's country and of those countries, the chosen one kept."""
    user = require_case_owner(request.user)
    initial = {"citizenships": request.GET.getlist("citizenships"), "home_area": request.GET.get("home_area", "")}
    form = ReturneeForm(initial=initial, agency_country=_agency_country(user))
    return render(request, "cases/_home_area.html", {"field": form["home_area"]})


def _assessment_chart(case: Any) -> Any:
    return assessment_chart(list(Assessment.objects.filter(case=case)))


# The forms of the case's page, each with ids of its own. A refused form comes back on the page as
# posted, in its slot (the name under which the page's context holds it).
STAGE_FORM = page_form(StageForm, "stage")
HISTORY_FORM = page_form(HistoryForm, "history")
RETURN_FORM = page_form(ReturnForm, "return")
CONSENT_FORM = page_form(ConsentForm, "consent")
NOTE_FORM = page_form(NoteForm, "note")
TASK_FORM = page_form(TaskForm, "task")
CLOSURE_FORM = page_form(ClosureRequestForm, "closure")
REMIGRATION_FORM = page_form(RemigrationForm, "remigration")
REOPEN_FORM = page_form(ReasonForm, "reopen")
ERASURE_FORM = page_form(ReasonForm, "erasure")
PHOTO_FORM = page_form(PhotoForm, "photo")


def _detail_context(
    request: HttpRequest, access: CaseAccess, bound: Mapping[str, BaseForm] | None = None
) -> dict[str, Any]:
    case = access.case
    bound = bound or {}
    context: dict[str, Any] = {
        "access": access,
        "case": case,
        "returnee": case.returnee,
        "sees": {c: access.sees(c) for c in DataCategory.values},
        "timeline": selectors.case_timeline(access=access),
        "history": case.history.all() if access.sees(DataCategory.HISTORY) else [],
        "remigrations": case.remigrations.all() if access.sees(DataCategory.HISTORY) else [],
        "journey": getattr(case, "return_journey", None) if access.sees(DataCategory.RETURN) else None,
        "tasks": case.tasks.filter(agency_id=access.viewer_agency_id).select_related("assignee"),
        "chart": _assessment_chart(case) if access.sees(DataCategory.PLAN) else None,
    }
    if access.own:
        context |= {
            "consents": case.consents.select_related("recipient_agency", "explained_by"),
            "referrals": case.referrals.select_related("to_agency", "service"),
            "stage_form": STAGE_FORM(initial={"version": case.version, "stage": case.stage}),
            "consent_form": CONSENT_FORM(),
            "referral_form": referral_form_for(access),
            "history_form": with_currency_of(HISTORY_FORM(), case.agency.country),
            "return_form": RETURN_FORM(),
            "note_form": NOTE_FORM(),
            "photo_form": PHOTO_FORM(),
            "task_form": TASK_FORM(),
            "closure_form": CLOSURE_FORM(),
            "remigration_form": REMIGRATION_FORM(),
            "reopen_form": REOPEN_FORM(),
            # The buttons are the moves this user may make now.
            "closure_moves": [
                m.name
                for m in CLOSURE.allowed(
                    closure_state(case), parties_of(require_member(request.user), case), record=case, actor=request.user
                )
            ],
            # Transfers (issue 16): who held the case when, and a transfer waiting for an answer.
            "held_by": transfer_services.held_by(case),
            "pending_transfer": Transfer.objects.filter(case=case, status=TransferStatus.PENDING).first(),
            "erasure_form": ERASURE_FORM(),
            "erasure_moves": [
                m.name
                for m in ERASURE.allowed(
                    erasure_state(case),
                    erasure_parties(require_member(request.user), case),
                    record=case,
                    actor=request.user,
                )
            ],
        }
        context |= bound
        # The form refused, if any: the page points to it from the top.
        context["failed_form"] = next(iter(bound.values()), None)
    else:
        context["referrals"] = case.referrals.filter(to_agency_id=access.viewer_agency_id).select_related(
            "to_agency", "service"
        )
    return context


def case_page(request: HttpRequest, access: CaseAccess, bound: Mapping[str, BaseForm] | None = None) -> HttpResponse:
    """The case's page, the identifying details masked (not in the page at all) until revealed;
    `bound` holds forms shown as they were posted (pages.CasePage)."""
    selectors.case_read(user=request.user, access=access, via="page", masked=True)
    return render(request, "cases/detail.html", _detail_context(request, access, bound) | {"revealed": False})


@shows_personal_data("cases.case")
@login_required
@require_GET
def case_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The case, with the identifying details masked (not in the page at all) until revealed."""
    return case_page(request, case_get_for_user(request.user, code=code))


@shows_personal_data("cases.case")
@login_required
@require_POST
def case_reveal(request: HttpRequest, code: str) -> HttpResponse:
    """Shows the identifying details the user may see, and writes one `reveal` audit record: to
    htmx, the person's details alone; without JavaScript, the whole page with them shown."""
    access = case_get_for_user(request.user, code=code)
    if not selectors.shows_identifying(access):
        raise Http404
    if getattr(request, "htmx", False):
        selectors.case_reveal(user=request.user, access=access, shown=set(IDENTIFYING_CATEGORIES), via="page")
        sees = {c: access.sees(c) for c in DataCategory.values}
        context = {"case": access.case, "returnee": access.case.returnee, "sees": sees, "revealed": True}
        return render(request, "cases/_identity.html", context)
    selectors.case_reveal(user=request.user, access=access, shown=set(access.categories), via="page")
    return render(request, "cases/detail.html", _detail_context(request, access) | {"revealed": True})


@shows_personal_data("cases.case")
@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, code: str) -> HttpResponse:
    access = case_get_for_user(request.user, code=code, for_edit=True)
    user = require_case_owner(request.user)
    if request.method == "POST":
        form = ReturneeForm(request.POST, agency_country=access.case.agency.country)
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
        # The form holds every identifying value: opening it is a reveal, like "Show" on the page.
        selectors.case_reveal(user=user, access=access, shown=set(access.categories), via="edit form")
        form = ReturneeForm(initial=ReturneeForm.initial_from(access.case), agency_country=access.case.agency.country)
    return render(request, "cases/edit.html", {"form": form, "case": access.case})


def _record_return(user: User, access: CaseAccess, data: dict[str, Any]) -> Any:
    agencies = data.pop("assisting_agencies")
    return services.return_record(actor=user, case=access.case, assisting_agencies=agencies, **data)


def _withdraw_consent(user: User, access: CaseAccess, data: dict[str, Any], consent_id: int) -> Any:
    consent = Consent.objects.filter(case=access.case, pk=consent_id).first()
    if consent is None:
        raise ValidationError(_("No such consent on this case."))
    return services.consent_withdraw(actor=user, consent=consent)


def _remigration_given(data: dict[str, Any]) -> Any:
    """The move abroad posted with a closure request (a destination chosen), or None."""
    if not data.get("country"):
        return None
    return {"country": data["country"], "regular": data.get("regular"), "left_on": data.get("left_on")}


def _task_done(user: User, access: CaseAccess, data: dict[str, Any], task_id: int) -> Any:
    task = Task.objects.filter(case=access.case, pk=task_id, agency=user.agency).first()
    if task is None:
        raise ValidationError(_("No such task."))
    return tasks.task_done(actor=user, task=task)


# The writes posted from a case's page: each URL of cases/urls.py names one.
CASE_ACTIONS = {
    "stage": CaseAction(
        lambda u, a, d: services.case_set_stage(actor=u, case=a.case, **d),
        gettext_lazy("Stage changed."),
        STAGE_FORM,
        "stage_form",
    ),
    "history": CaseAction(
        lambda u, a, d: services.history_add(actor=u, case=a.case, **d),
        gettext_lazy("History recorded."),
        HISTORY_FORM,
        "history_form",
    ),
    "return": CaseAction(_record_return, gettext_lazy("Return recorded."), RETURN_FORM, "return_form"),
    "consent": CaseAction(
        lambda u, a, d: services.consent_record(actor=u, case=a.case, **d),
        gettext_lazy("Consent recorded."),
        CONSENT_FORM,
        "consent_form",
    ),
    "consent_withdraw": CaseAction(
        _withdraw_consent, gettext_lazy("Consent withdrawn; the access it allowed has ended.")
    ),
    "note": CaseAction(
        lambda u, a, d: services.note_add(actor=u, case=a.case, text=d["text"]),
        gettext_lazy("Note added."),
        NOTE_FORM,
        "note_form",
    ),
    "task": CaseAction(
        lambda u, a, d: tasks.task_create(actor=u, case=a.case, assignee=u, **d),
        gettext_lazy("Task added."),
        TASK_FORM,
        "task_form",
    ),
    "task_done": CaseAction(_task_done, gettext_lazy("Task done.")),
    "closure": CaseAction(
        lambda u, a, d: services.closure_move(
            actor=u,
            case=a.case,
            move="request",
            reason=d["reason"],
            code=d["reason_code"],
            remigration=_remigration_given(d),
        ),
        gettext_lazy("Closure requested; a supervisor will decide."),
        CLOSURE_FORM,
        "closure_form",
    ),
    "remigration": CaseAction(
        lambda u, a, d: services.remigration_record(actor=u, case=a.case, **d),
        gettext_lazy("Move abroad recorded. The case stays open."),
        REMIGRATION_FORM,
        "remigration_form",
    ),
    "lost_contact_close": CaseAction(
        lambda u, a, d: lost_contact.lost_contact_close(actor=u, case=a.case),
        gettext_lazy("Case closed as lost contact. It can be reopened if the returnee gets in touch."),
    ),
    "lost_contact_dismiss": CaseAction(
        lambda u, a, d: lost_contact.lost_contact_dismiss(actor=u, case=a.case),
        gettext_lazy("Contact restored: the alert is dismissed."),
    ),
    "closure_decide": CaseAction(
        lambda u, a, d: services.closure_move(actor=u, case=a.case, move="approve" if d["approve"] else "decline"),
        lambda d: (
            gettext_lazy("Case closed; its referrals have ended and no other agency reads it any more.")
            if d["approve"]
            else gettext_lazy("Closure not approved.")
        ),
        ClosureDecisionForm,
    ),
    "reopen": CaseAction(
        lambda u, a, d: services.closure_move(actor=u, case=a.case, move="reopen", reason=d["reason"]),
        gettext_lazy("Case reopened."),
        REOPEN_FORM,
        "reopen_form",
    ),
    "erasure": CaseAction(
        lambda u, a, d: erasure.erasure_move(actor=u, case=a.case, move="request", reason=d["reason"]),
        gettext_lazy("Erasure requested; a supervisor will confirm it."),
        ERASURE_FORM,
        "erasure_form",
    ),
    "erasure_decide": CaseAction(
        lambda u, a, d: erasure.erasure_move(actor=u, case=a.case, move="confirm" if d["confirm"] else "decline"),
        lambda d: (
            gettext_lazy("The returnee's identifying data has been erased; the case stays as statistics.")
            if d["confirm"]
            else gettext_lazy("Erasure not confirmed.")
        ),
        ErasureDecisionForm,
    ),
}
# A refused form shows the case's page again: its read is noted there (case_page).
case_action = shows_personal_data("cases.case")(case_action_view(CASE_ACTIONS, page=case_page))


@shows_personal_data("cases.task", "livelihoods.enrolment")
@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    """The user's open tasks (or the agency's) by when they fall due: overdue, today, this week, later."""
    user = require_case_receiver(request.user)
    agency_wide = request.GET.get("agency") == "1"
    open_tasks = selectors.open_tasks(user=user, agency_wide=agency_wide)
    group = request.GET.get("due", "")
    if group:  # one group whole, a page at a time
        if group not in selectors.TASK_GROUPS:
            return HttpResponseBadRequest(_("Unknown group of tasks."), content_type="text/plain; charset=utf-8")
        listed = AtMost(open_tasks.filter(selectors.task_group_filter(group, clock.today())), LIST_AT_MOST)
        page = Paginator(listed, LIST_PAGE).get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
        note_shown(actor=user, shown=page.object_list, categories=["task"], via="tasks")
        context = {"group": group, "page": page, "cut": listed.cut, "agency_wide": agency_wide}
        return render(request, "cases/tasks_group.html", context)
    tasks = selectors.tasks_by_day(open_tasks, day=clock.today())
    alerts, alerts_count = first_and_count(
        livelihood_selectors.placement_alerts(user=user, agency_wide=agency_wide), livelihood_selectors.ALERTS_SHOWN
    )
    note_shown(actor=user, shown=tasks.all(), categories=["task"], via="tasks")
    note_shown(actor=user, shown=alerts, categories=["livelihood"], via="tasks")
    context = {
        "tasks": tasks,
        "agency_wide": agency_wide,
        "placement_alerts": alerts,
        "alerts_count": alerts_count,
    }
    return render(request, "cases/tasks.html", context)


@shows_personal_data("cases.case")
@login_required
@require_POST
def case_photo_upload(request: HttpRequest, code: str) -> HttpResponse:
    def run(user: User, access: CaseAccess, data: dict[str, Any]) -> Any:
        upload = data["photo"]
        services.photo_check_size(upload.size or 0)  # before reading an oversized file into memory
        return services.photo_set(actor=user, case=access.case, data=upload.read())

    return run_case_action(
        request,
        code,
        lambda post: PHOTO_FORM(post, request.FILES),
        run,
        _("Photo saved."),
        page=case_page,
        slot="photo_form",
    )


@shows_personal_data("cases.case")
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
