"""Each role lands on its own work: the caseworker on today, the supervisor on queues, the provider's
staff on an inbox, the analyst and the coordinator on an overview of the programme and the network."""

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
    is_member,
    is_supervisor,
    keeps_cases,
    receives_cases,
    require_case_receiver,
    sees_programme_figures,
    task_list_for_user,
)
from reintegra.cases.tasks import task_done
from reintegra.lib.http import run_as_messages
from reintegra.network.selectors import countries_in_network

from . import selectors


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "is_member": is_member(user),
        "can_manage": can_manage_network(user),
        "can_manage_staff": can_manage_staff(user),
        "sees_programme": sees_programme_figures(user),
        "countries": countries_in_network(user=user),
    }
    if keeps_cases(user):
        context["today"] = selectors.today_for(user=user)
        if is_supervisor(user) and user.agency_id is not None:
            context["queues"] = selectors.queues_for(user=user, agency=user.agency_id)
    elif receives_cases(user):  # a provider's staff: receives cases, keeps none
        context["inbox"] = selectors.inbox_for(user=user)
    return render(request, "home.html", context)


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
