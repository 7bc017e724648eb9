"""Reads of the referral network."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from reintegra.access import AnyUser, agency_list_for_user
from reintegra.lib import geo

from .choices import ServiceCategory, Stage
from .coverage import AgencyReach, Coverage, compute_coverage
from .models import Agency, Service


@dataclass(frozen=True)
class DirectoryFilters:
    country: str = ""
    area: str = ""
    stage: str = ""
    category: str = ""
    agency_type: str = ""
    q: str = ""


def agency_directory(*, user: AnyUser, filters: DirectoryFilters) -> QuerySet[Agency]:
    """Agencies the user may see that match the filters, with their matching active services."""
    agencies = agency_list_for_user(user)
    services = Service.objects.filter(active=True)
    if filters.country:
        agencies = agencies.filter(country=filters.country.upper())
    if filters.area:
        area_code = filters.area.upper()
        agencies = agencies.filter(
            Q(nationwide=True, country=area_code.split("-")[0])
            | Q(areas__code__in=geo.area_ancestors(area_code) or [area_code])
        )
    if filters.agency_type:
        agencies = agencies.filter(type=filters.agency_type)
    if filters.stage:
        services = services.filter(stage=filters.stage)
    if filters.category:
        services = services.filter(category=filters.category)
    if filters.stage or filters.category:
        agencies = agencies.filter(pk__in=services.values("agency_id"))
    if filters.q:
        words = filters.q.split()[:8]
        for word in words:
            matching_services = Service.objects.filter(
                Q(name__icontains=word) | Q(name_local__icontains=word) | Q(description__icontains=word), active=True
            )
            agencies = agencies.filter(
                Q(name__icontains=word)
                | Q(name_local__icontains=word)
                | Q(description__icontains=word)
                | Q(slug__icontains=word)
                | Q(pk__in=matching_services.values("agency_id"))
            )
    return (
        agencies.distinct()
        .prefetch_related(Prefetch("services", queryset=services.order_by("stage", "name"), to_attr="listed_services"))
        .prefetch_related("areas")
        .order_by("country", "name")
    )


def coverage_for_country(*, user: AnyUser, country: str, dimension: str = "stage", stage: str = "") -> Coverage:
    """Areas × stages (or × service categories, optionally within one stage) for one country."""
    return coverage_among(agencies=agency_list_for_user(user), country=country, dimension=dimension, stage=stage)


def coverage_among(*, agencies: QuerySet[Agency], country: str, dimension: str = "stage", stage: str = "") -> Coverage:
    """The coverage map drawn by the given agencies (their active ones): the insights draw it for the
    whole network, where agencies are counted and no person is."""
    country = country.upper()
    columns = list(Stage.values) if dimension == "stage" else list(ServiceCategory.values)
    services = Service.objects.filter(active=True, agency__in=agencies.filter(country=country))
    if dimension == "category" and stage:
        services = services.filter(stage=stage)
    column_field = "stage" if dimension == "stage" else "category"
    columns_by_agency: dict[int, set[str]] = {}
    for agency_id, value in services.values_list("agency_id", column_field):
        columns_by_agency.setdefault(agency_id, set()).add(value)
    agencies = (
        Agency.objects.filter(pk__in=columns_by_agency, active=True).prefetch_related("areas").only("id", "nationwide")
    )
    reaches = [
        AgencyReach(
            agency_id=a.pk,
            nationwide=a.nationwide,
            area_codes=frozenset(area.code for area in a.areas.all()),
            columns=frozenset(columns_by_agency[a.pk]),
        )
        for a in agencies
    ]
    if dimension == "category" and stage:
        # Within one stage, only the categories that belong to it are columns.
        columns = [c for c in columns if c in STAGE_CATEGORIES.get(stage, columns)]
    regions = {a.code: a for a in geo.all_areas(country)}
    return compute_coverage(
        country=country, areas=geo.leaf_areas(country), regions=regions, columns=columns, reaches=reaches
    )


# Which service categories a stage typically holds, for the per-stage category map.
STAGE_CATEGORIES: dict[str, list[str]] = {
    Stage.IDENTIFICATION: [
        ServiceCategory.VICTIM_SCREENING,
        ServiceCategory.RESCUE_PROTECTION,
        ServiceCategory.LEGAL_AID,
        ServiceCategory.PSYCHOSOCIAL,
        ServiceCategory.OTHER,
    ],
    Stage.RETURN: [
        ServiceCategory.REPATRIATION,
        ServiceCategory.TRAVEL_DOCUMENTS,
        ServiceCategory.RECEPTION,
        ServiceCategory.FAMILY_TRACING,
        ServiceCategory.OTHER,
    ],
    Stage.SHELTER_ASSISTANCE: [
        ServiceCategory.SHELTER,
        ServiceCategory.MEDICAL_CARE,
        ServiceCategory.PSYCHOSOCIAL,
        ServiceCategory.LEGAL_AID,
        ServiceCategory.FAMILY_TRACING,
        ServiceCategory.CASH_ASSISTANCE,
        ServiceCategory.OTHER,
    ],
    Stage.REINTEGRATION: [
        ServiceCategory.VOCATIONAL_TRAINING,
        ServiceCategory.JOB_PLACEMENT,
        ServiceCategory.BUSINESS_STARTUP,
        ServiceCategory.MICROCREDIT,
        ServiceCategory.EDUCATION_SUPPORT,
        ServiceCategory.PSYCHOSOCIAL,
        ServiceCategory.LEGAL_AID,
        ServiceCategory.FAMILY_TRACING,
        ServiceCategory.CASH_ASSISTANCE,
        ServiceCategory.OTHER,
    ],
}


def countries_in_network(*, user: AnyUser) -> list[str]:
    return sorted(set(agency_list_for_user(user).values_list("country", flat=True)))
