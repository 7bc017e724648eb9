"""The notifications list (newest first) with mark-read, and the person's e-mail preference.
A notice names only a case code and a kind of event: no personal data is shown here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reintegra.accounts.models import User
from reintegra.accounts.reads import shows_no_personal_data

from . import services
from .forms import EmailPreferenceForm
from .models import Notification

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101  (login_required)
    return user


@shows_no_personal_data
@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    notices = Notification.objects.filter(recipient=user)
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread": services.unread_count(user), "frequency": services.frequency_of(user)},
    )


@shows_no_personal_data
@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Marks the notice read and goes to the page where the action is."""
    user = _user(request)
    notice = get_object_or_404(Notification, pk=notification_id, recipient=user)
    services.mark_read(user=user, notices=Notification.objects.filter(pk=notice.pk))
    if notice.link and url_has_allowed_host_and_scheme(notice.link, allowed_hosts=None):
        return redirect(notice.link)
    return redirect("notifications:list")


@shows_no_personal_data
@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    user = _user(request)
    notice = get_object_or_404(Notification, pk=notification_id, recipient=user)
    services.mark_read(user=user, notices=Notification.objects.filter(pk=notice.pk))
    return redirect("notifications:list")


@shows_no_personal_data
@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    count = services.mark_read(user=user, notices=Notification.objects.all())
    messages.success(request, _("All notifications marked read (%(count)d).") % {"count": count})
    return redirect("notifications:list")


@shows_no_personal_data
@login_required
@require_http_methods(["GET", "POST"])
def email_preference(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = EmailPreferenceForm(request.POST or None, initial={"frequency": services.frequency_of(user)})
    if request.method == "POST" and form.is_valid():
        services.frequency_set(user=user, frequency=form.cleaned_data["frequency"])
        messages.success(request, _("Your e-mail preference is saved."))
        return redirect("notifications:email")
    status = 400 if request.method == "POST" else 200
    return render(request, "notifications/email.html", {"form": form, "has_email": bool(user.email)}, status=status)
