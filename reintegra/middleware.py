"""Project-wide middleware: security headers, the audit context and the reader's calendar of each
request."""

import ipaddress
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


def valid_ip(value: str) -> str | None:
    """`value` as a normalised IP address, or None when it is not one (a port after the address, as
    some proxies write it, is dropped; a zone such as `%eth0` is not an address a log can keep)."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 192.0.2.1:443
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        return None
    return str(address)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, or None when no valid one is known.

    With REINTEGRA_TRUSTED_PROXIES = N proxies in front, each appends the address it saw to
    X-Forwarded-For, so the client is the Nth entry from the right; entries further left are
    whatever the client sent and are never taken, so a forged one can neither hide who made a request
    nor dodge the lock-out. With no proxy trusted (0, the default without BEHIND_PROXY), or when the
    header has fewer entries than proxies or that entry is not an address, the connecting address
    (REMOTE_ADDR) is taken. Only valid addresses ever reach the audit log.
    """
    remote = valid_ip(request.META.get("REMOTE_ADDR", ""))
    proxies = getattr(settings, "REINTEGRA_TRUSTED_PROXIES", 0)
    if proxies <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = forwarded.split(",")  # empty entries keep their place: positions count from the right
    if not forwarded.strip() or len(entries) < proxies:
        return remote
    return valid_ip(entries[-proxies]) or remote


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
