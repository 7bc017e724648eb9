"""Serializers of the transfers API: they parse input and render output; the services check the rules."""

from rest_framework import serializers

from reintegra.api import MovesField
from reintegra.cases.serializers import AgencySlugField, ColleagueField

from .models import Transfer
from .workflows import TRANSFER, parties_of


class TransferSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.code", max_length=16)
    from_agency: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    to_agency = AgencySlugField()
    reason = serializers.CharField(max_length=1000, allow_blank=True)
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, write_only=True)
    # Who takes the case: chosen on acceptance, null while the transfer waits (or once declined or withdrawn).
    caseworker: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    moves = MovesField(TRANSFER, parties_of)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "case",
            "from_agency",
            "to_agency",
            "reason",
            "override_reason",
            "status",
            "status_reason",
            "proposed_at",
            "decided_at",
            "caseworker",
            "moves",
        ]
        read_only_fields = ["status", "status_reason", "proposed_at", "decided_at"]


class TransferAcceptSerializer(serializers.Serializer):
    caseworker = ColleagueField(help_text="Username of the caseworker of your agency who takes the case.")


class TransferReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, allow_blank=True, required=False, default="")


class CaseAssignSerializer(serializers.Serializer):
    caseworker = ColleagueField(help_text="Username of the caseworker of your agency who keeps the case.")
