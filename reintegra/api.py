"""Shared API pieces: pagination and the one error shape of the API."""

import json
import math
import re
import sys
from collections.abc import Callable
from operator import attrgetter
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, pagination, parsers, serializers, status
from rest_framework.response import Response

from reintegra.access import is_member
from reintegra.accounts.models import User
from reintegra.accounts.reads import note_shown
from reintegra.lib.concurrency import EditConflict
from reintegra.lib.workflow import Workflow

# Deeper than any body the API defines (a plan's goals and actions are four levels); a request
# nested deeper is refused before it is parsed, so it cannot exhaust the parser's recursion.
MAX_JSON_DEPTH = 32
# A string, or an unterminated one up to the end (so a scan never starts again inside it: linear).
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\\?\Z)', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str, stop_above: int | None = None) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets inside strings ignored);
    with `stop_above`, the scan ends as soon as the nesting goes deeper than that."""
    depth = deepest = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        if bracket.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if stop_above is not None and deepest > stop_above:
                break
        else:
            depth -= 1
    return deepest


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999999 reads as infinity
        raise ValueError(f"{text[:40]} is out of range")
    return value


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing what it cannot hold with a 400: nesting deeper than
    MAX_JSON_DEPTH, NaN and Infinity, and numbers beyond a float's range (1e999999)."""

    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None) -> Any:
        # DRF refuses bytes-to-bytes codecs (a compressed body) in naming the charset.
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        # Django limits the bodies it reads itself (forms) to DATA_UPLOAD_MAX_MEMORY_SIZE, but DRF
        # reads a JSON body from the stream: the same limit here, or a body of any size is parsed.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise BodyTooLarge(_("The body is larger than %(n)s bytes.") % {"n": f"{limit:,}"})
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise exceptions.ParseError(_("The body is not valid text: %(reason)s") % {"reason": exc}) from None
        if json_depth(text, stop_above=MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            raise exceptions.ParseError(_("JSON nested too deeply (more than %(n)s levels).") % {"n": MAX_JSON_DEPTH})
        try:
            data = json.loads(text, parse_float=_finite_float, parse_constant=_no_constant)
        except RecursionError:
            raise exceptions.ParseError(
                _("JSON nested too deeply (more than %(n)s levels).") % {"n": MAX_JSON_DEPTH}
            ) from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        _refuse_nul(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, refusing a NUL in a field's name, text or file name (a file's content
    may hold NULs). The pages' forms show the same refusal beside the field instead."""

    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_nul(_form_texts(parsed.data))
        uploads = parsed.files
        _refuse_nul({name: "\n".join(upload.name or "" for upload in uploads.getlist(name)) for name in uploads})
        return parsed


class FormParser(parsers.FormParser):
    """DRF's form parser, refusing a NUL in a field's name or text."""

    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_nul(_form_texts(parsed))
        return parsed


def _form_texts(form: Any) -> dict[str, str]:
    """Each field of a form with its values as one text, so that a NUL is named by its field."""
    return {name: "\n".join(form.getlist(name)) for name in form}


def _refuse_nul(data: Any) -> None:
    if (where := _nul_at(data)) is not None:
        # No database column holds one (PostgreSQL refuses it even in a lookup): refused here,
        # for every field, named, before a serializer or a query meets it.
        raise exceptions.ValidationError({where or "body": [_("This text contains a NUL character; remove it.")]})


def _nul_at(value: Any, path: str = "") -> str | None:
    """The path ("", "reasons", "goals.0.title") of the first text in `value` holding a NUL, or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        name = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and "\x00" in key:
            return name
        if (found := _nul_at(item, name)) is not None:
            return found
    return None


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error is `{"error": {"code", "message", "fields"}}`."""
    # Imported here: rest_framework.views reads DEFAULT_PARSER_CLASSES, which names this module's parser.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):  # DRF answers these too, but the code is read from the exception
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    fields: dict[str, Any] = {}
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        if isinstance(detail, dict):
            fields = {k: v for k, v in detail.items() if k != "non_field_errors"}
            message = " ".join(str(m) for m in detail.get("non_field_errors", [])) or _first_message(detail)
        else:
            message = " ".join(str(m) for m in detail)
    else:
        code = getattr(exc, "default_code", "error")
        message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 handler (urls.handler404): an address under /api/ that matches no route (an id
    that is not a number, a path that does not exist) answers in the API's error shape, every other
    one with the 404 page."""
    if request.path.startswith("/api/"):
        error = {"code": "not_found", "message": str(exceptions.NotFound.default_detail), "fields": {}}
        return JsonResponse({"error": error}, status=404)
    return defaults.page_not_found(request, exception)


# How long a client is asked to wait before trying again when the database is out of reach.
RETRY_AFTER_SECONDS = 5


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler (urls.handler500). When what failed is the database being out of reach
    (PostgreSQL restarting, a connection lost, SQLite's write lock waited for too long) the answer is
    503 with Retry-After: the API's error shape under /api/, else a page that needs no database (no
    user, no session); nothing was saved in part, since every write is one transaction. The next
    request opens a fresh connection (CONN_HEALTH_CHECKS), so the same process serves again once
    the database is back (tests/test_faults.py). Any other error keeps Django's 500."""
    if not isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return defaults.server_error(request)
    message = _("The database is unavailable; try again in a moment.")
    if request.path.startswith("/api/"):
        error = {"code": "database_unavailable", "message": message, "fields": {}}
        response: HttpResponse = JsonResponse({"error": error}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _first_message(detail: dict[str, Any]) -> str:
    for field, messages in detail.items():
        first = messages[0] if isinstance(messages, list) and messages else messages
        return f"{field}: {first}"
    return ""


def conflict_response(exc: EditConflict) -> Response:
    return Response(
        {
            "error": {
                "code": "conflict",
                "message": str(exc),
                "fields": {k: str(v) for k, v in exc.changes.items()},
                "current_version": exc.current_version,
            }
        },
        status=status.HTTP_409_CONFLICT,
    )


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class MovesField(serializers.Field):
    """The moves of the record's workflow that the requesting user may make now: the same table the
    pages take their buttons from, so what the API lists is what it will accept."""

    def __init__(
        self,
        workflow: Workflow,
        parties_of: Callable[[User, Any], frozenset[str]],
        state: Callable[[Any], str] = attrgetter("status"),
        **kwargs: Any,
    ) -> None:
        self.workflow, self.parties_of, self.state = workflow, parties_of, state
        kwargs.setdefault("help_text", "The moves you may make now (the names of the endpoints that make them).")
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, record: Any) -> list[str]:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not is_member(user):
            return []
        return [
            m.name
            for m in self.workflow.allowed(self.state(record), self.parties_of(user, record), record=record, actor=user)
        ]


class PersonalReads:
    """A viewset that shows personal data (decisions/0025): what its GET actions hand to
    `get_serializer` (a page of a list, one object) is noted as read, with `read_categories`. The
    record is written by `reintegra.middleware.read_audit_middleware`. Declares the viewset personal
    with `personal_data` (model labels)."""

    personal_data: tuple[str, ...]
    read_categories: tuple[str, ...] = ()
    request: Any

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args and args[0] is not None and self.request.method in ("GET", "HEAD"):
            note_shown(actor=self.request.user, shown=args[0], categories=self.read_categories, via="api")
        return super().get_serializer(*args, **kwargs)  # type: ignore[misc]


# --- The errors in the schema ---------------------------------------------------------------------

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error of the API (exception_handler above).",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "What went wrong, for programs: invalid, not_found, …"},
                "message": {"type": "string", "description": "What went wrong, for people, in their language."},
                "fields": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "For each field that is wrong, what is wrong with it.",
                },
                "current_version": {"type": "integer", "description": "With a 409: the version to start again from."},
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}
_ERROR_DESCRIPTIONS = {
    "400": "The request is not valid, or the record's state refuses it: the error names each field that is wrong.",
    "401": "No valid token or session.",
    "403": "Signed in, but this is not yours to see or do.",
    "404": "No such record among those you may see, or no such page of the list.",
    "409": "The record changed since the given version (the error has current_version).",
    "413": "The body is larger than the API takes.",
}
_METHODS = {"get", "put", "post", "patch", "delete"}


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: each operation declares the errors it can answer, each
    with the one error shape. Every operation can answer 401 and 403; every write (a body that is
    not valid, or a move the record's state refuses) and every read with query parameters 400; one
    with an id in its path, or paginated, 404; one whose body carries a `version` 409; one with a
    body 413. Errors an annotation declares keep their description and get the shape."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    shape = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            codes = {"401", "403"}
            if method != "get" or any(p.get("in") == "query" for p in parameters):
                codes.add("400")
            if any(p.get("in") == "path" or p.get("name") == "page" for p in parameters):
                codes.add("404")
            if "version" in _body_properties(operation, schemas):
                codes.add("409")
            if operation.get("requestBody"):
                codes.add("413")
            for code in codes:
                responses.setdefault(code, {"description": _ERROR_DESCRIPTIONS[code]})
            for code, response in responses.items():
                if code.startswith("4"):
                    response.setdefault("content", shape)
            operation["responses"] = dict(sorted(responses.items()))
    return result


def _body_properties(operation: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for media in operation.get("requestBody", {}).get("content", {}).values():
        schema = media.get("schema", {})
        if ref := schema.get("$ref"):
            schema = schemas.get(ref.rsplit("/", 1)[-1], {})
        names.update(schema.get("properties", {}))
    return names
