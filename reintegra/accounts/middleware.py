"""Keeps a signed-in session that still owes its second factor on the pages that settle it."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device

from .models import User
from .two_factor import session_verified, two_factor_required

Middleware = Callable[[HttpRequest], HttpResponse]

# Set at sign-in when the account has a confirmed device: the session then owes a code, whatever the
# role (looked up once per sign-in, not on every request).
CODE_OWED_SESSION_KEY = "two_factor_owed"


@receiver(user_logged_in, dispatch_uid="reintegra-two-factor-owed")
def _remember_code_owed(sender: object, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[CODE_OWED_SESSION_KEY] = user_has_device(user)


def _always_open() -> tuple[str, ...]:
    """What an unverified session may still reach: the pages that settle the second factor, the way
    out (logout, the quick exit), the language switch, the static files and the API's sign-in."""
    return (
        reverse("two_factor_verify"),
        reverse("two_factor_setup"),
        reverse("two_factor_qr"),
        reverse("logout"),
        reverse("exit"),
        reverse("quick_exit"),
        reverse("set_language"),
        reverse("api:token"),
        "/static/",
    )


def two_factor_middleware(get_response: Middleware) -> Middleware:
    def middleware(request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or session_verified(user):
            return get_response(request)
        assert isinstance(user, User)  # noqa: S101  (authenticated)
        if request.path.startswith(_always_open()):
            return get_response(request)
        # Asked on every request of an unverified session, not only at its sign-in: two-factor
        # turned on in one session must reach the user's other sessions at once.
        has_device = user_has_device(user)
        owed = has_device or request.session.get(CODE_OWED_SESSION_KEY, False)
        if not (owed or two_factor_required(user)):
            return get_response(request)
        if not has_device and not two_factor_required(user):
            request.session[CODE_OWED_SESSION_KEY] = False  # turned off since the sign-in
            return get_response(request)
        step = "two_factor_verify" if has_device else "two_factor_setup"
        if request.path.startswith("/api/"):
            message = (
                _("Type the code of your authenticator app on the sign-in page first.")
                if step == "two_factor_verify"
                else _("Your role requires two-factor sign-in: set it up on the sign-in page first.")
            )
            error = {"code": "two_factor_required", "message": message, "fields": {}}
            return JsonResponse({"error": error}, status=403)
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return redirect(reverse(step) + (f"?{query}" if query else ""))

    return middleware
