from typing import Any

from rest_framework import serializers

from reintegra.lib import geo

from . import isco
from .models import LabourMarketDemand


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
