"""Each role lands on its own work: the caseworker on today, the supervisor on queues, the provider's
staff on an inbox, the analyst and the coordinator on the insights' dashboards and an overview of the
programme and the network."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reintegra.access import (
    can_manage_network,
    can_manage_staff,
    insights_scope_for_user,
    is_member,
    is_supervisor,
    keeps_cases,
    reads_insights,
    receives_cases,
    require_case_receiver,
    require_member,
    sees_programme_figures,
    task_list_for_user,
    transfer_list_for_user,
)
from reintegra.accounts.reads import note_nothing_shown, note_shown, shows_no_personal_data, shows_personal_data
from reintegra.cases.tasks import task_done
from reintegra.insights.dashboards import DASHBOARDS
from reintegra.lib.http import run_as_messages
from reintegra.network.selectors import countries_in_network
from reintegra.transfers.models import TransferStatus

from . import selectors


def _note_shown(
    request: HttpRequest,
    today: selectors.Today | None = None,
    queues: selectors.Queues | None = None,
    inbox: selectors.Inbox | None = None,
) -> None:
    """The home page lists tasks (their titles speak of the person), referrals, cases and enrolments:
    each list shown is an audited read (decisions/0025)."""
    shown: dict[str, list[Any]] = {"task": [], "referral": [], "livelihood": [], "case": []}
    if today is not None:
        shown["task"] += today.tasks.all()
        shown["referral"] += [*today.answered, *today.waiting]
        shown["livelihood"] += today.alerts
    if queues is not None:
        shown["referral"] += queues.overrides
        shown["case"] += [*queues.closures, *(plan.case for plan in queues.plans)]
        shown["case"] += [item.case for item in queues.lost_contact]
    if inbox is not None:
        shown["referral"] += [*inbox.to_answer, *inbox.to_take_on]
        shown["livelihood"] += [*inbox.to_enrol, *inbox.in_training, *inbox.to_place]
    if not any(shown.values()):
        note_nothing_shown()
    for category, rows in shown.items():
        if rows:
            reader = require_member(request.user)
            note_shown(actor=reader, shown=rows, categories=[category] if category != "case" else [], via="home")


@shows_personal_data("cases.task", "referrals.referral", "livelihoods.enrolment")
@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {
        "is_member": is_member(user),
        "can_manage": can_manage_network(user),
        "can_manage_staff": can_manage_staff(user),
        "can_exchange": is_supervisor(user),
        "sees_programme": sees_programme_figures(user),
        "countries": countries_in_network(user=user),
    }
    if is_member(user) and reads_insights(user):
        # The dashboards the reader may open: the analyst's and the coordinator's own work, a
        # supervisor's beside the queues.
        whole_network = insights_scope_for_user(user).whole_network
        context["dashboards"] = [d for d in DASHBOARDS.values() if not (d.supervisors_only and whole_network)]
    today = queues = inbox = None
    if keeps_cases(user):
        context["today"] = today = selectors.today_for(user=user)
        if is_supervisor(user) and user.agency_id is not None:
            context["queues"] = queues = selectors.queues_for(user=user, agency=user.agency_id)
            # Transfers waiting, both ways (issue 16): case codes and agencies only.
            context["transfers_waiting"] = list(
                transfer_list_for_user(user)
                .filter(status=TransferStatus.PENDING)
                .select_related("case", "from_agency", "to_agency")
                .order_by("proposed_at", "pk")[:50]
            )
    elif receives_cases(user):  # a provider's staff: receives cases, keeps none
        context["inbox"] = inbox = selectors.inbox_for(user=user)
    _note_shown(request, today, queues, inbox)
    return render(request, "home.html", context)


@shows_no_personal_data
@login_required
@require_POST
def home_task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    """Marks one of the agency's tasks done in one click, and comes back to the page it was clicked on
    (the home page, or the task list)."""
    user = require_case_receiver(request.user)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("home")
    task = task_list_for_user(user).filter(pk=task_id).select_related("case").first()
    if task is None:
        messages.error(request, _("No such task."))
        return redirect(back)
    run_as_messages(request, lambda: task_done(actor=user, task=task), _("Task done."))
    return redirect(back)
