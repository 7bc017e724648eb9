from typing import Literal, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reintegra.access import require_member, staff_get_for_user
from reintegra.lib import clock

from . import selectors, services
from .forms import LoginForm, OwnPasswordForm, PreferencesForm, StaffForm
from .models import Calendar, User

SameSite = Literal["Lax", "Strict", "None"]


def remember_language(response: HttpResponse, language: str) -> HttpResponse:
    """Sets the language cookie the locale middleware reads (as Django's set_language view does)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=cast(SameSite, settings.LANGUAGE_COOKIE_SAMESITE),
    )
    return response


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        """Someone who chose a language in their preferences reads it on any device they log in on."""
        response = super().form_valid(form)
        language = form.get_user().preferred_language
        return remember_language(response, language) if language else response


@login_required
@require_http_methods(["GET", "POST"])
def staff(request: HttpRequest) -> HttpResponse:
    """A supervisor's list of their agency's accounts, and the form to add one."""
    staff_members = selectors.staff_list(user=request.user)
    actor = require_member(request.user)
    form = StaffForm(request.POST or None, roles=services.grantable_roles(actor))
    if request.method == "POST" and form.is_valid():
        try:
            member = services.staff_create(actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Account %(username)s added.") % {"username": member.username})
            return redirect("staff")
    changes = selectors.supervisor_account_changes(user=actor)
    return render(request, "accounts/staff.html", {"staff": staff_members, "form": form, "supervisor_changes": changes})


@login_required
@require_POST
def staff_set_active(request: HttpRequest, user_id: int) -> HttpResponse:
    member = staff_get_for_user(request.user, user_id=user_id)
    active = request.POST.get("active") == "1"
    try:
        services.staff_set_active(actor=require_member(request.user), member=member, active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Account saved."))
    return redirect("staff")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """The user's own reading preferences: the language of the pages and the calendar of the years."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101  (login_required)
    initial = {"language": get_language(), "calendar": user.calendar or Calendar.GREGORIAN}
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        services.user_set_preferences(actor=user, user=user, language=language, calendar=form.cleaned_data["calendar"])
        translation.activate(language)
        messages.success(request, _("Preferences saved."))
        return remember_language(redirect("preferences"), language)
    return render(request, "accounts/preferences.html", {"form": form, "today": clock.today()})


@require_POST
def quick_exit(request: HttpRequest) -> HttpResponse:
    """The quick exit without JavaScript (with it, app.js posts here and replaces the page itself):
    ends the session and goes to the neutral page."""
    if request.user.is_authenticated:
        services.session_end_record(user=request.user, quick_exit=True)
    logout(request)
    return redirect("exit")


@require_GET
def exit_page(request: HttpRequest) -> HttpResponse:
    """The neutral page the quick exit leads to: it names neither the site nor anyone in it."""
    return render(request, "exit.html")


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """A user changes their own password, under the installation's password rules (shown)."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101  (login_required)
    form = OwnPasswordForm(user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            services.user_set_password(
                actor=user, user=user, password=form.cleaned_data["new_password1"], validate=False
            )
            update_session_auth_hash(request, user)  # stays logged in here, other sessions end
            messages.success(request, _("Your password is changed."))
            return redirect("home")
    rules = password_validators_help_texts()
    return render(request, "accounts/password_change.html", {"form": form, "rules": rules})
