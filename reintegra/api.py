"""Shared API pieces: pagination and the one error shape of the API."""

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, pagination, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from reintegra.access import is_member
from reintegra.accounts.models import User
from reintegra.lib.concurrency import EditConflict
from reintegra.lib.workflow import Workflow


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error is `{"error": {"code", "message", "fields"}}`."""
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
        return [m.name for m in self.workflow.allowed(self.state(record), self.parties_of(user, record))]
