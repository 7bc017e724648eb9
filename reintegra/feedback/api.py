"""POST /api/v1/feedback-links/: a caseworker gives a returnee a one-time feedback link (issue 16)."""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from reintegra.access import feedback_source_get_for_user, require_case_owner
from reintegra.accounts.reads import note_read, shows_personal_data

from . import services
from .choices import ServiceKind


class LinkRequestSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=ServiceKind.choices, help_text="referral, training, placement or plan")
    record = serializers.IntegerField(
        min_value=1, max_value=2**62, help_text="the referral's, the enrolment's or the plan's id"
    )


class LinkSerializer(serializers.Serializer[Any]):
    case = serializers.CharField(help_text="the case's code")
    kind = serializers.CharField()
    url = serializers.URLField(help_text="the one-time address to show as a QR code; shown only now")
    code = serializers.CharField(help_text="the short code to type at start_url; shown only now")
    start_url = serializers.URLField()
    expires_at = serializers.DateTimeField()


@shows_personal_data("cases.case")
@extend_schema(
    request=LinkRequestSerializer,
    responses={
        201: LinkSerializer,
        404: OpenApiResponse(description="No such record of one of your agency's cases."),
    },
)
@api_view(["POST"])
def feedback_links(request: Request) -> Response:
    """A one-time feedback link for a completed referral, training, placement or an approved plan of one
    of the agency's cases; it replaces an unused one for the same record. The token and code are given
    only in this answer (only their hashes are kept)."""
    user = require_case_owner(request.user)
    given = LinkRequestSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    source = feedback_source_get_for_user(
        user, kind=given.validated_data["kind"], record_id=given.validated_data["record"]
    )
    new = services.feedback_link_create(actor=user, source=source)
    note_read(actor=user, obj=source.case, details={"feedback_link": new.link.pk})
    data = {
        "case": source.case.code,
        "kind": new.link.service_kind,
        "url": request.build_absolute_uri(reverse("feedback:answer", args=[new.token])),
        "code": new.code,
        "start_url": request.build_absolute_uri(reverse("feedback:start")),
        "expires_at": new.link.expires_at,
    }
    return Response(LinkSerializer(data).data, status=status.HTTP_201_CREATED)
