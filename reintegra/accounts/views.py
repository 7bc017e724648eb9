import io
from typing import Literal, cast

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from reintegra.access import api_token_get_for_user, require_member, staff_get_for_user
from reintegra.accounts.reads import shows_no_personal_data, shows_personal_data
from reintegra.lib import clock

from . import selectors, services, two_factor
from .forms import (
    LoginForm,
    OwnPasswordForm,
    PreferencesForm,
    StaffForm,
    TwoFactorCodeForm,
    TwoFactorSetupForm,
    locked_message,
)
from .models import ApiToken, Calendar, User

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
    personal_data = ()
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        """Someone who chose a language in their preferences reads it on any device they log in on."""
        response = super().form_valid(form)
        language = form.get_user().preferred_language
        return remember_language(response, language) if language else response


STAFF_PAGE = 100


@shows_personal_data("accounts.user")
@login_required
@require_http_methods(["GET", "POST"])
def staff(request: HttpRequest) -> HttpResponse:
    """A supervisor's list of their agency's accounts, and the form to add one."""
    live = Q(api_tokens__revoked_at__isnull=True, api_tokens__expires_at__gt=clock.now())
    staff_members = selectors.staff_list(user=request.user).annotate(live_tokens=Count("api_tokens", filter=live))
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
    # A national agency has a thousand accounts and more: a page of them at a time, the active first.
    page = Paginator(staff_members, STAFF_PAGE).get_page(request.GET.get("page"))
    context = {"staff": page.object_list, "page": page, "form": form, "supervisor_changes": changes}
    return render(request, "accounts/staff.html", context)


@shows_personal_data("accounts.user")
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


@shows_no_personal_data
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


@shows_no_personal_data
@require_POST
def quick_exit(request: HttpRequest) -> HttpResponse:
    """The quick exit without JavaScript (with it, app.js posts here and replaces the page itself):
    ends the session and goes to the neutral page."""
    if request.user.is_authenticated:
        services.session_end_record(user=request.user, quick_exit=True)
    logout(request)
    return redirect("exit")


@shows_no_personal_data
@require_GET
def exit_page(request: HttpRequest) -> HttpResponse:
    """The neutral page the quick exit leads to: it names neither the site nor anyone in it."""
    return render(request, "exit.html")


@shows_no_personal_data
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


@shows_no_personal_data
@login_required
@require_GET
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's own API tokens in force, each with its revoke button."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101  (login_required)
    tokens = selectors.api_token_list(user=user, owner=user)
    return render(
        request, "accounts/api_tokens.html", {"tokens": tokens, "owner": user, "days": settings.API_TOKEN_DAYS}
    )


@shows_personal_data("accounts.user")
@login_required
@require_GET
def staff_tokens(request: HttpRequest, user_id: int) -> HttpResponse:
    """A supervisor's view of one staff member's API tokens, to revoke one that should end."""
    member = staff_get_for_user(request.user, user_id=user_id)
    tokens = selectors.api_token_list(user=request.user, owner=member)
    return render(
        request, "accounts/api_tokens.html", {"tokens": tokens, "owner": member, "days": settings.API_TOKEN_DAYS}
    )


@shows_no_personal_data
@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revokes one token: the user's own, or one of the staff they manage."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101  (login_required)
    token = api_token_get_for_user(user, token_id=token_id)
    if services.api_token_revoke(actor=user, token=token, because=ApiToken.Ended.REVOKED):
        messages.success(request, _("Token %(prefix)s… revoked.") % {"prefix": token.prefix})
    else:
        messages.info(request, _("Token %(prefix)s… had already ended.") % {"prefix": token.prefix})
    if token.user_id == user.pk:
        return redirect("api_tokens")
    return redirect("staff_tokens", user_id=token.user_id)


# --- Two-factor sign-in (two_factor.py; decisions/0023-two-factor.md)

SETUP_KEY_SESSION_KEY = "two_factor_setup_key"


def _next_url(request: HttpRequest) -> str:
    """Where the sign-in goes on once settled: the `next` it came with, if it is a page of this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _signed_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101  (login_required)
    return user


def _locked_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.error(request, locked_message())
    return redirect("login")


def _verified(request: HttpRequest, device: Device) -> None:
    """Marks the session as signed in with its second factor, under a new session key."""
    request.session.cycle_key()
    otp_login(request, device)


@shows_no_personal_data
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in for an account with two-factor sign-in on."""
    user = _signed_user(request)
    if two_factor.session_verified(user):
        return redirect(_next_url(request))
    if not two_factor.two_factor_enabled(user):
        return redirect("two_factor_setup" if two_factor.two_factor_required(user) else _next_url(request))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.two_factor_verify(user=user, code=form.cleaned_data["code"])
        except two_factor.TwoFactorLocked:
            return _locked_out(request)
        if device is not None:
            _verified(request, device)
            if isinstance(device, StaticDevice):
                left = two_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You signed in with a recovery code: %(count)s is left. Make new ones on your account.",
                        "You signed in with a recovery code: %(count)s are left. Make new ones on your account.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(_next_url(request))
        form.add_error("code", _("That code is not right. Type the 6 digits your app shows now, or a recovery code."))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)})


@shows_no_personal_data
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Turns two-factor sign-in on: the secret as text and as a QR code, confirmed by a code of the app."""
    user = _signed_user(request)
    if two_factor.two_factor_enabled(user):
        return redirect("two_factor" if two_factor.session_verified(user) else "two_factor_verify")
    key = request.session.get(SETUP_KEY_SESSION_KEY) or two_factor.totp_secret_new()
    request.session[SETUP_KEY_SESSION_KEY] = key
    form = TwoFactorSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.totp_device_confirm(user=user, key=key, code=form.cleaned_data["code"])
        except two_factor.TwoFactorLocked:
            return _locked_out(request)
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            del request.session[SETUP_KEY_SESSION_KEY]
            _verified(request, TOTPDevice.objects.get(user=user, confirmed=True))
            context = {"codes": codes, "next": _next_url(request), "first_time": True}
            return render(request, "accounts/two_factor_codes.html", context)
    context = {
        "form": form,
        "secret": two_factor.totp_secret_text(key),
        "required": two_factor.two_factor_required(user),
        "next": _next_url(request),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@shows_no_personal_data
@login_required
@require_GET
def two_factor_qr(request: HttpRequest) -> HttpResponse:
    """The set-up page's QR code, drawn on the server as SVG (no script, no inline style)."""
    key = request.session.get(SETUP_KEY_SESSION_KEY)
    if not key:
        raise Http404
    url = two_factor.totp_config_url(user=_signed_user(request), key=key)
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2, xmldecl=False, svgclass=None, lineclass=None)
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@shows_no_personal_data
@login_required
@require_GET
def two_factor_page(request: HttpRequest) -> HttpResponse:
    """The account's two-factor sign-in: on or off, the recovery codes left, and what can be done."""
    user = _signed_user(request)
    context = {
        "enabled": two_factor.two_factor_enabled(user),
        "required": two_factor.two_factor_required(user),
        "codes_left": two_factor.recovery_codes_left(user),
    }
    return render(request, "accounts/two_factor.html", context)


@shows_no_personal_data
@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    try:
        two_factor.two_factor_disable(user=_signed_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Two-factor sign-in is off."))
    return redirect("two_factor")


@shows_no_personal_data
@login_required
@require_POST
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once; the old ones stop working."""
    try:
        codes = two_factor.recovery_codes_regenerate(user=_signed_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("two_factor")
    return render(request, "accounts/two_factor_codes.html", {"codes": codes, "next": reverse("two_factor")})
