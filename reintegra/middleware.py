"""Project-wide middleware: security headers, text that is not UTF-8, the audit context and the
reader's calendar of each request."""

import ipaddress
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from reintegra.accounts import reads
from reintegra.accounts.audit import audit_context
from reintegra.lib.dates import GREGORIAN, calendar_override

Middleware = Callable[[HttpRequest], HttpResponse]


def security_headers_middleware(get_response: Middleware) -> Middleware:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        # Pages behind login may hold personal data: never keep them in a shared cache. An error
        # page is not kept either, and asks nothing of the user (the database may be what failed).
        if response.status_code >= 500 or (request.user.is_authenticated if hasattr(request, "user") else False):
            response.setdefault("Cache-Control", "no-store")
        return response

    return middleware


def _is_utf8_form_encoded(raw: bytes) -> bool:
    """Whether every name and value of `a=b&c=d` (percent-encoded) is UTF-8 once decoded."""
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """A 400 in the API's error shape under /api/, as text elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "parse_error", "message": message, "fields": {}}}, status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def utf8_only_middleware(get_response: Middleware) -> Middleware:
    """Refuses with a 400 an address or a form whose text is not UTF-8 (issue 12, hostile input).
    Django would read each bad byte as U+FFFD and a form would store the damaged text; a JSON body
    is refused by the API's parser, and a body over DATA_UPLOAD_MAX_MEMORY_SIZE by Django (400)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        try:
            raw_query = query.encode("latin-1")  # PEP 3333: the address's bytes, one character each
        except UnicodeEncodeError:
            raw_query = query.encode("utf-8")
        body_ok = True
        if request.method in ("POST", "PUT", "PATCH") and request.content_type == "application/x-www-form-urlencoded":
            body_ok = _is_utf8_form_encoded(request.body)
        # A NUL in the address (`%00`) reaches a lookup, which PostgreSQL refuses with an error.
        if b"%00" in raw_query or b"\x00" in raw_query:
            return _bad_request(request, _("This text contains a NUL character; remove it."))
        if not (body_ok and _is_utf8_form_encoded(raw_query)):
            return _bad_request(request, _("The request is not valid UTF-8 text; nothing was saved."))
        return get_response(request)

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


SHOWING = ("GET", "HEAD")
# Answers that show nothing of what was asked for; a refused form (400) or a conflict (409) shows
# the page again, with the data, and is recorded.
REFUSALS = {401, 403, 404, 405, 410, 429}


def read_audit_middleware(get_response: Middleware) -> Middleware:
    """The one place reads of personal data are written to the audit log (decisions/0025): what the
    views noted while the request ran, written when the answer is ready, in one short transaction.
    A successful GET of a route declared personal that noted nothing, or a conflict (409) answered
    with the record's current values, gets a record naming the route and the ids of its path. A
    refusal or a failure writes nothing. A failure to write is a failure of the request: nothing
    unaudited is shown."""

    def middleware(request: HttpRequest) -> HttpResponse:
        with reads.collecting() as ledger:
            response = get_response(request)
        if response.status_code >= 500 or response.status_code in REFUSALS:
            return response  # nothing was shown: what a view noted before it refused is not a read
        unnoted = None
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        # A conflict (409) answers any method with the record's current values: a read too.
        shown = (request.method in SHOWING and response.status_code < 300) or response.status_code == 409
        if shown and match is not None and actor is not None:
            kinds = reads.declared(match.func, match.namespaces)
            if kinds:
                ids = {name: str(value) for name, value in match.kwargs.items() if name != "format"}
                unnoted = {
                    "kinds": list(kinds),
                    "route": match.view_name,
                    "object_id": list(ids.values())[-1] if ids else "route",
                    "path_ids": ids,
                }
        reads.write(ledger, unnoted=unnoted, actor=actor)
        return response

    return middleware


def reader_calendar_middleware(get_response: Middleware) -> Middleware:
    """Shows the years of the request's pages in the calendar the user chose (lib/dates.py)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = getattr(user, "calendar", GREGORIAN) if user is not None and user.is_authenticated else GREGORIAN
        with calendar_override(chosen):
            return get_response(request)

    return middleware
