from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.plumbing import build_array_type, build_choice_field
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reintegra.lib import geo

from .choices import Language
from .coverage import Coverage
from .models import AGENCY_FIELDS, SERVICE_FIELDS, Agency, Service, validate_languages


@extend_schema_field(build_array_type(build_choice_field(serializers.ChoiceField(choices=Language.choices))))
class LanguagesField(serializers.JSONField):
    """Language codes, checked by the model's validator; the schema lists the codes."""


# Agencies and services. The rules of their fields are the models' validators, which ModelSerializer
# runs; the rules across fields run in the services (`full_clean()`). Not a docstring: the schema
# would show it as the description of every agency and service.
class _NetworkRecordSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False)
    languages = LanguagesField(required=False, validators=[validate_languages])


class ServiceSerializer(_NetworkRecordSerializer):
    agency: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Service
        fields = ["id", "agency", *SERVICE_FIELDS, "version", "updated_at"]
        read_only_fields = ["id", "agency", "updated_at"]


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


class AgencySerializer(_NetworkRecordSerializer):
    areas = AreaCodesField(required=False)
    country_name = serializers.SerializerMethodField()
    services = serializers.SerializerMethodField()

    class Meta:
        model = Agency
        fields = [*AGENCY_FIELDS, "country_name", "areas", "version", "services", "updated_at"]
        read_only_fields = ["updated_at"]
        # The short name is made from the name when it is left out (network.services.short_name_for).
        extra_kwargs = {
            "slug": {
                "required": False,
                "error_messages": {
                    "invalid": gettext_lazy("A short name has only letters, digits and hyphens (sunrise-shelter).")
                },
            }
        }

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
