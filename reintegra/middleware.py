"""Project-wide middleware: security headers, the audit context and the reader's calendar of each
request."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from reintegra.accounts.audit import audit_context
from reintegra.lib.dates import GREGORIAN, calendar_override

Middleware = Callable[[HttpRequest], HttpResponse]


def security_headers_middleware(get_response: Middleware) -> Middleware:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if request.user.is_authenticated if hasattr(request, "user") else False:
            # Pages behind login may hold personal data: never keep them in a shared cache.
            response.setdefault("Cache-Control", "no-store")
        return response

    return middleware


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind the one trusted proxy (BEHIND_PROXY), the last X-Forwarded-For
    entry is the address that proxy saw; entries before it are whatever the client sent, so a
    forged one can neither hide who made a request nor dodge the lock-out."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def audit_context_middleware(get_response: Middleware) -> Middleware:
    """Makes the request's address known to the audit log for the length of the request."""

    def middleware(request: HttpRequest) -> HttpResponse:
        with audit_context(ip=client_ip(request)):
            return get_response(request)

    return middleware


def reader_calendar_middleware(get_response: Middleware) -> Middleware:
    """Shows the years of the request's pages in the calendar the user chose (lib/dates.py)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = getattr(user, "calendar", GREGORIAN) if user is not None and user.is_authenticated else GREGORIAN
        with calendar_override(chosen):
            return get_response(request)

    return middleware
