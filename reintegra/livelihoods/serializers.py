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
