from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reintegra.lib import geo
from reintegra.plans.serializers import ContactAttemptSerializer

from . import isco
from .choices import EnrolmentStatus
from .handover import STEPS, next_step
from .models import (
    FOLLOW_UP_FIELDS,
    OPTION_FIELDS,
    PLACEMENT_FIELDS,
    PROFILE_FIELDS,
    Enrolment,
    IncomeFollowUp,
    LabourMarketDemand,
    Opportunity,
    Placement,
    SkillsProfile,
    StipendPayment,
)
from .workflows import ENROLMENT, parties_of


class DemandSerializer(serializers.ModelSerializer):
    area_name = serializers.SerializerMethodField()
    isco_label = serializers.SerializerMethodField()
    version = serializers.IntegerField(required=False)

    class Meta:
        model = LabourMarketDemand
        fields = [
            "id",
            "area",
            "area_name",
            "isco",
            "isco_label",
            "vacancies",
            "demand_index",
            "monthly_wage",
            "wage_currency",
            "source",
            "as_of",
            "version",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]

    def get_area_name(self, demand: LabourMarketDemand) -> str:
        return geo.area_name(demand.area)

    def get_isco_label(self, demand: LabourMarketDemand) -> str:
        return isco.label(demand.isco)


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()


class OptionRowSerializer(serializers.Serializer):
    """An option with its local demand, as the catalogue shows it."""

    def to_representation(self, row: Any) -> dict[str, Any]:
        o, d = row.opportunity, row.demand
        return {
            "id": o.pk,
            "kind": o.kind,
            "support": o.support or None,
            "title": o.title,
            "provider": o.provider.slug,
            "isco": o.isco,
            "isco_label": isco.label(o.isco),
            "area": o.area,
            "starts_on": o.starts_on,
            "ends_on": o.ends_on,
            "duration_weeks": o.duration_weeks,
            "seats": o.seats,
            "stipend_monthly": o.stipend_monthly,
            "wage_monthly": o.wage_monthly,
            "cost": o.cost,
            "currency": o.currency or None,
            "min_age": o.min_age,
            "max_age": o.max_age,
            "min_education": o.min_education or None,
            "literacy_required": o.literacy_required,
            "pathway": o.pathway,
            "certification": o.certification,
            "languages": o.languages,
            "gender_restriction": o.gender_restriction or None,
            "long_and_unpaid": row.long_and_unpaid,
            "local_demand": None
            if d is None
            else {
                "area": d.area,
                "vacancies": d.vacancies,
                "demand_index": d.demand_index,
                "monthly_wage": d.monthly_wage,
                "currency": d.wage_currency,
                "source": d.source,
                "as_of": d.as_of,
            },
        }


def _checked_by_the_service(fields: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The record's own rules run in the service (`full_clean`), which names every bad field at once;
    a serializer checks only the shape of each value."""
    return {f: {"validators": []} for f in fields}


class OpportunityWriteSerializer(serializers.ModelSerializer):
    """An option as written through the API; the rules are the model's and the service's (`opportunity_save`)."""

    version = serializers.IntegerField(required=False)
    provider = serializers.SlugField()
    placement_partners = serializers.ListField(child=serializers.SlugField(), required=False)
    languages = serializers.ListField(child=serializers.CharField(max_length=8), required=False)

    class Meta:
        model = Opportunity
        fields = [*OPTION_FIELDS, "placement_partners", "version"]
        extra_kwargs = _checked_by_the_service(OPTION_FIELDS)


class ExperienceSerializer(serializers.Serializer):
    isco = serializers.CharField(max_length=2)
    years = serializers.FloatField()
    abroad = serializers.BooleanField(default=False)


class AspirationSerializer(serializers.Serializer):
    isco = serializers.CharField(max_length=2)
    mode = serializers.CharField(max_length=16)


class SkillsProfileSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.code", read_only=True)
    version = serializers.IntegerField(required=False)
    experience = ExperienceSerializer(many=True, required=False)
    aspirations = AspirationSerializer(many=True, required=False)
    interests = serializers.DictField(child=serializers.FloatField(), required=False)
    work_areas = serializers.ListField(child=serializers.CharField(max_length=8), required=False)
    languages = serializers.ListField(child=serializers.CharField(max_length=8), required=False)

    class Meta:
        model = SkillsProfile
        fields = ["case", *PROFILE_FIELDS, "version", "updated_at"]
        read_only_fields = ["case", "updated_at"]
        extra_kwargs = _checked_by_the_service(PROFILE_FIELDS)


class PlacementSerializer(serializers.ModelSerializer):
    employer = serializers.SlugRelatedField[Any](slug_field="slug", read_only=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Placement
        fields = [*PLACEMENT_FIELDS, "version"]


class PlacementWriteSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False)
    employer = serializers.SlugField(required=False, allow_blank=True)

    class Meta:
        model = Placement
        fields = [*PLACEMENT_FIELDS, "version"]
        extra_kwargs = _checked_by_the_service(PLACEMENT_FIELDS)


class StipendSerializer(serializers.ModelSerializer):
    class Meta:
        model = StipendPayment
        fields = ["id", "paid_on", "amount", "currency"]


class FollowUpSerializer(serializers.ModelSerializer):
    enrolment = serializers.IntegerField(source="enrolment_id", read_only=True)
    case = serializers.CharField(source="enrolment.case.code", read_only=True)
    # Whoever reads the follow-up reads its attempts: the rule of the follow-ups' endpoint.
    not_reached = ContactAttemptSerializer(source="contact_attempts", many=True, read_only=True)

    class Meta:
        model = IncomeFollowUp
        fields = ["id", "enrolment", "case", "months", "due_on", *FOLLOW_UP_FIELDS, "not_reached"]
        read_only_fields = ["id", "enrolment", "case", "months", "due_on", "not_reached"]


class FollowUpRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncomeFollowUp
        fields = FOLLOW_UP_FIELDS
        extra_kwargs = _checked_by_the_service(FOLLOW_UP_FIELDS) | {
            # Scheduled follow-ups have neither; a recorded one has both.
            "done_on": {"required": True, "allow_null": False, "validators": []},
            "employment": {"required": True, "allow_blank": False, "validators": []},
        }


class EnrolmentSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.code", read_only=True)
    opportunity = serializers.IntegerField(source="opportunity_id", read_only=True)
    opportunity_title = serializers.CharField(source="opportunity.title", read_only=True)
    provider = serializers.CharField(source="opportunity.provider.slug", read_only=True)
    placement = serializers.SerializerMethodField()
    stipend_payments = StipendSerializer(many=True, read_only=True)
    follow_ups = serializers.SerializerMethodField(
        help_text="The income follow-ups, when you may read them: empty for a provider whose referral "
        "does not share the livelihood category."
    )
    moves = serializers.SerializerMethodField(
        help_text="The moves you may make now: a status for POST status/, or placed for PUT placement/."
    )
    next_step = serializers.SerializerMethodField(
        help_text="Who acts next, in words: your next step, whom you wait for, or that nothing is left."
    )

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "case",
            "opportunity",
            "opportunity_title",
            "provider",
            "status",
            "asked_by_returnee",
            "recommended_on",
            "decided_on",
            "decline_reason",
            "enrolled_on",
            "ended_on",
            "dropout_reason",
            "placement",
            "stipend_payments",
            "follow_ups",
            "moves",
            "next_step",
            "proposed_by_provider",
            "version",
        ]
        read_only_fields = ["proposed_by_provider"]

    def get_moves(self, enrolment: Enrolment) -> list[str]:
        """From the grants the view put in the context (`grants`: enrolment id → EnrolmentAccess)."""
        grant = self.context.get("grants", {}).get(enrolment.pk)
        if grant is None:
            return []
        return [str(m.name) for m in ENROLMENT.allowed(enrolment.status, parties_of(grant))]

    def get_next_step(self, enrolment: Enrolment) -> str | None:
        grant = self.context.get("grants", {}).get(enrolment.pk)
        if grant is None:
            return None
        return next_step(
            grant,
            case_agency=enrolment.case.agency.display_name,
            provider=enrolment.opportunity.provider.display_name,
        ).text

    @extend_schema_field(FollowUpSerializer(many=True))
    def get_follow_ups(self, enrolment: Enrolment) -> Any:
        """Nested income follow-ups pass their own rule: the grant (`reads_income`) computed from
        `access.income_enrolment_list_for_user`, the rule of the follow-ups' endpoint. No grant, none."""
        grant = self.context.get("grants", {}).get(enrolment.pk)
        if grant is None or not grant.reads_income:
            return []
        return FollowUpSerializer(enrolment.follow_ups.all(), many=True, context=self.context).data

    def get_placement(self, enrolment: Enrolment) -> dict[str, Any] | None:
        placement = getattr(enrolment, "placement", None)
        return PlacementSerializer(placement).data if placement is not None else None


class RecommendSerializer(serializers.Serializer):
    case = serializers.CharField(max_length=40, required=False, help_text="The case's own agency: its code.")
    referral = serializers.IntegerField(
        required=False,
        help_text="The agency an active referral went to: the referral's id, for one of its own options.",
    )
    opportunity = serializers.IntegerField()
    asked_by_returnee = serializers.BooleanField(default=False)
    to = serializers.ChoiceField(
        choices=STEPS,
        required=False,
        default=EnrolmentStatus.OFFERED,
        help_text="With `referral`: where the person stands (offered, accepted or enrolled).",
    )
    on = serializers.DateField(required=False, allow_null=True)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if bool(data.get("case")) == ("referral" in data):
            raise serializers.ValidationError({"case": [gettext_lazy("Give either the case or the referral.")]})
        return data


class MoveSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    # A status, refused by this field's name when it is none (issue 12, hostile input).
    to = serializers.ChoiceField(choices=EnrolmentStatus.choices)
    on = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class RecommendationSerializer(serializers.Serializer):
    def to_representation(self, r: Any) -> dict[str, Any]:
        o, d = r.option, r.demand
        return {
            "opportunity": o.pk,
            "title": o.title,
            "provider": o.provider.slug,
            "chance": round(r.p, 4),
            "stipend_monthly": o.stipend_monthly,
            "wage_monthly": o.wage_monthly,
            "currency": o.currency or None,
            "seats_left": r.seats_left,
            "local_demand": None if d is None else {"area": d.area, "vacancies": d.vacancies, "as_of": d.as_of},
            "reasons": r.reasons,
        }
