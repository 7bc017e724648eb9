"""Serializers of the referrals API: they parse input and render output; the services check the rules."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from reintegra.access import referral_details_withheld, service_list_for_user
from reintegra.api import MovesField
from reintegra.cases.choices import DataCategory
from reintegra.cases.serializers import AgencySlugField
from reintegra.network.models import Service

from .choices import DeclineReason, ReferralReason, Urgency
from .models import Referral
from .workflows import REFERRAL, parties_of


class ServiceIdField(serializers.PrimaryKeyRelatedField):
    """A service named by its id, among the services the requesting user may see."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Service.objects.none())  # replaced per request below
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Service]:
        request = self.context.get("request")
        return service_list_for_user(getattr(request, "user", None))  # type: ignore[arg-type]


class ReferralSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.code", max_length=16)
    from_agency: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    to_agency = AgencySlugField()
    service = ServiceIdField(required=False, allow_null=True)
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=ReferralReason.choices), required=False, max_length=10
    )
    reason_text = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.ROUTINE)
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=DataCategory.choices), required=False, max_length=10
    )
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        write_only=True,
        help_text=gettext_lazy("Supervisors only: why the referral goes without the returnee's consent."),
    )
    override = serializers.SerializerMethodField()
    withheld = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "True for the receiving agency once the referral was revoked or its consent withdrawn: "
            "its reasons and the reason it ended are no longer shown to it (empty)."
        )
    )
    moves = MovesField(REFERRAL, parties_of)
    # Blank when no coded reason was given (and for every referral not declined): the schema says so.
    decline_reason = serializers.ChoiceField(choices=DeclineReason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "case",
            "from_agency",
            "to_agency",
            "service",
            "reasons",
            "reason_text",
            "urgency",
            "categories",
            "override_reason",
            "override",
            "withheld",
            "status",
            "moves",
            "status_reason",
            "decline_reason",
            "sent_at",
            "responded_at",
            "completed_at",
            "ended_at",
        ]
        read_only_fields = [
            "id",
            "from_agency",
            "override",
            "withheld",
            "status",
            "status_reason",
            "decline_reason",
            "sent_at",
            "responded_at",
            "completed_at",
            "ended_at",
        ]

    def get_override(self, referral: Referral) -> bool:
        """Sent without consent, by a supervisor's recorded decision."""
        return referral.override_by_id is not None

    def get_withheld(self, referral: Referral) -> bool:
        request = self.context.get("request")
        return request is not None and referral_details_withheld(request.user, referral)

    def to_representation(self, instance: Referral) -> dict[str, Any]:
        data = super().to_representation(instance)
        if data.get("withheld"):  # revoked, or its consent withdrawn: the receiver keeps the status only
            data.update(reasons=[], reason_text="", status_reason="")
        return data


CONFIRM_HELP = gettext_lazy(
    "Completing or revoking a referral on which livelihood work still depends (an enrolment to make, a "
    "training to complete, income follow-ups due) is refused, naming that work under `confirm`, unless "
    "this is true."
)


class ReferralReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)
    confirm = serializers.BooleanField(required=False, default=False, help_text=CONFIRM_HELP)


class ReferralDeclineSerializer(ReferralReasonSerializer):
    decline_reason = serializers.ChoiceField(
        choices=DeclineReason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="The main reason for declining, as a code the network's figures count.",
    )


class ReferralOptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    confirm = serializers.BooleanField(required=False, default=False, help_text=CONFIRM_HELP)
