from typing import Any

from rest_framework import serializers

from reintegra.lib import geo

from .choices import Language
from .coverage import Coverage
from .models import Agency, Service


class ServiceSerializer(serializers.ModelSerializer):
    agency: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    languages = serializers.ListField(child=serializers.ChoiceField(choices=Language.choices), required=False)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Service
        fields = [
            "id",
            "agency",
            "name",
            "name_local",
            "stage",
            "category",
            "description",
            "min_age",
            "max_age",
            "gender_restriction",
            "gender_restriction_reason",
            "capacity",
            "cost_to_client",
            "cost_currency",
            "languages",
            "active",
            "version",
            "updated_at",
        ]
        read_only_fields = ["id", "agency", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Rules across fields are the service layer's; the model's validators run there.
        return attrs


class ServiceCreateSerializer(ServiceSerializer):
    agency: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", queryset=Agency.objects.all()
    )

    class Meta(ServiceSerializer.Meta):
        read_only_fields = ["id", "updated_at"]


class AreaCodesField(serializers.ListField):
    """ISO 3166-2 codes in, the agency's area codes out."""

    child = serializers.CharField(max_length=8)

    def to_representation(self, data: Any) -> list[str]:
        return sorted(area.code for area in data.all())


class AgencySerializer(serializers.ModelSerializer):
    areas = AreaCodesField(required=False)
    languages = serializers.ListField(child=serializers.ChoiceField(choices=Language.choices), required=False)
    country_name = serializers.SerializerMethodField()
    services = serializers.SerializerMethodField()
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Agency
        fields = [
            "slug",
            "name",
            "name_local",
            "type",
            "country",
            "country_name",
            "nationwide",
            "areas",
            "languages",
            "contact_email",
            "contact_phone",
            "website",
            "address",
            "description",
            "active",
            "version",
            "services",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def get_country_name(self, agency: Agency) -> str:
        return geo.country_name(agency.country)

    def get_services(self, agency: Agency) -> list[int]:
        return [s.pk for s in agency.services.all() if s.active]


def coverage_as_dict(table: Coverage) -> dict[str, Any]:
    return {
        "country": table.country,
        "country_name": geo.country_name(table.country),
        "columns": table.columns,
        "cells": table.cell_count,
        "gaps": table.gap_count,
        "rows": [
            {
                "area": row.area.code,
                "area_name": geo.area_name(row.area.code),
                "region": row.region.code if row.region else None,
                "counts": row.counts,
                "gaps": row.gaps,
            }
            for row in table.rows
        ],
    }
