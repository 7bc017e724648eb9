"""Shared API pieces: pagination and the one error shape of the API."""

import codecs
import json
import math
import re
from collections.abc import Callable
from operator import attrgetter
from typing import IO, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, parsers, serializers, status
from rest_framework.response import Response

from reintegra.access import is_member
from reintegra.accounts.models import User
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


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing what it cannot hold with a 400: nesting deeper than
    MAX_JSON_DEPTH, NaN and Infinity, and numbers beyond a float's range (1e999999)."""

    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None) -> Any:
        # DRF refuses bytes-to-bytes codecs (a compressed body) in naming the charset.
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        try:
            text = codecs.getreader(encoding)(stream).read()
        except (UnicodeDecodeError, LookupError) as exc:
            raise exceptions.ParseError(_("The body is not valid text: %(reason)s") % {"reason": exc}) from None
        if json_depth(text, stop_above=MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            raise exceptions.ParseError(_("JSON nested too deeply (more than %(n)s levels).") % {"n": MAX_JSON_DEPTH})
        try:
            return json.loads(text, parse_float=_finite_float, parse_constant=_no_constant)
        except RecursionError:
            raise exceptions.ParseError(
                _("JSON nested too deeply (more than %(n)s levels).") % {"n": MAX_JSON_DEPTH}
            ) from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None


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
