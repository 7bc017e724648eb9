from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from reintegra.access import (
    agency_get_for_user,
    can_manage_network,
    require_member,
    service_get_for_user,
    service_list_for_user,
)
from reintegra.accounts.reads import shows_no_personal_data
from reintegra.api import conflict_response
from reintegra.lib.concurrency import EditConflict

from . import selectors, services
from .choices import AgencyType, ServiceCategory, Stage
from .models import Agency, Service
from .serializers import AgencySerializer, ServiceCreateSerializer, ServiceSerializer, coverage_as_dict

DIRECTORY_PARAMETERS = [
    OpenApiParameter("country", str, description="ISO 3166-1 alpha-2"),
    OpenApiParameter("area", str, description="ISO 3166-2 area; regions include their provinces"),
    OpenApiParameter("stage", str, enum=Stage.values),
    OpenApiParameter("category", str, enum=ServiceCategory.values),
    OpenApiParameter("agency_type", str, enum=AgencyType.values),
    OpenApiParameter("q", str, description="Words in names, descriptions and service names"),
]


def _filters(request: Request) -> selectors.DirectoryFilters:
    params = request.query_params
    bad = {
        name: [_("Unknown value “%(value)s”.") % {"value": params[name]}]
        for name, allowed in (
            ("stage", Stage.values),
            ("category", ServiceCategory.values),
            ("agency_type", AgencyType.values),
        )
        if params.get(name) and params[name] not in allowed
    }
    if bad:
        raise serializers.ValidationError(bad)
    return selectors.DirectoryFilters(
        **{k: params.get(k, "") for k in ("country", "area", "stage", "category", "agency_type", "q")}
    )


@extend_schema(parameters=DIRECTORY_PARAMETERS)
class AgencyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The agencies of the referral network. Coordinators create and edit; supervisors edit their own."""

    personal_data = ()  # agencies and their services, not people
    serializer_class = AgencySerializer
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self) -> QuerySet[Agency]:
        user = require_member(self.request.user)
        return selectors.agency_directory(user=user, filters=_filters(self.request)).prefetch_related("services")

    def get_object(self) -> Agency:
        for_edit = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return agency_get_for_user(self.request.user, slug=self.kwargs["slug"], for_edit=for_edit)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not can_manage_network(request.user):
            raise PermissionDenied
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        agency = services.agency_create(actor=require_member(request.user), **data)
        return Response(self.get_serializer(agency).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        agency = self.get_object()
        serializer = self.get_serializer(agency, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("slug", None)
        try:
            agency = services.agency_update(
                actor=require_member(request.user), agency=agency, version=data.pop("version", None), **data
            )
        except EditConflict as exc:
            return conflict_response(exc)
        return Response(self.get_serializer(agency).data)


class ServiceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Services by stage and category."""

    personal_data = ()
    serializer_class = ServiceSerializer
    lookup_value_regex = r"\d+"

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return ServiceCreateSerializer if self.action == "create" else ServiceSerializer

    @extend_schema(parameters=DIRECTORY_PARAMETERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Service]:
        user = require_member(self.request.user)
        filters = _filters(self.request)
        agencies = selectors.agency_directory(
            user=user,
            filters=selectors.DirectoryFilters(
                country=filters.country, area=filters.area, agency_type=filters.agency_type
            ),
        )
        services_ = service_list_for_user(user).filter(agency__in=agencies.values("pk"))
        if filters.stage:
            services_ = services_.filter(stage=filters.stage)
        if filters.category:
            services_ = services_.filter(category=filters.category)
        for word in filters.q.split()[:8]:
            services_ = services_.filter(
                Q(name__icontains=word) | Q(name_local__icontains=word) | Q(description__icontains=word)
            )
        return services_.select_related("agency").order_by("agency__name", "stage", "name")

    def get_object(self) -> Service:
        for_edit = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return service_get_for_user(self.request.user, service_id=int(self.kwargs["pk"]), for_edit=for_edit)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = require_member(request.user)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        agency = agency_get_for_user(user, slug=data.pop("agency").slug, for_edit=True)
        service = services.service_create(actor=user, agency=agency, **data)
        return Response(ServiceSerializer(service).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        service = self.get_object()
        serializer = self.get_serializer(service, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            service = services.service_update(
                actor=require_member(request.user), service=service, version=data.pop("version", None), **data
            )
        except EditConflict as exc:
            return conflict_response(exc)
        return Response(ServiceSerializer(service).data)


@extend_schema(
    parameters=[
        OpenApiParameter("country", str, required=True, description="ISO 3166-1 alpha-2"),
        OpenApiParameter("dimension", str, enum=["stage", "category"]),
        OpenApiParameter("stage", str, enum=Stage.values, description="With dimension=category"),
    ],
    responses=OpenApiTypes.OBJECT,
)
@shows_no_personal_data
@api_view(["GET"])
def coverage(request: Request) -> Response:
    """Areas × stages (or categories) with the number of agencies in each cell; zero is a gap."""
    user = require_member(request.user)
    country = request.query_params.get("country", "").upper()
    dimension = request.query_params.get("dimension", "stage")
    stage = request.query_params.get("stage", "")
    errors = {}
    if country not in selectors.countries_in_network(user=user):
        errors["country"] = [
            _("No agency of the network works in “%(country)s”; give an ISO 3166-1 alpha-2 code.")
            % {"country": country}
        ]
    if dimension not in ("stage", "category"):
        errors["dimension"] = [_("Use “stage” or “category”.")]
    if stage and stage not in Stage.values:
        errors["stage"] = [_("Unknown stage “%(stage)s”.") % {"stage": stage}]
    if errors:
        raise serializers.ValidationError(errors)
    table = selectors.coverage_for_country(user=user, country=country, dimension=dimension, stage=stage)
    return Response(coverage_as_dict(table))
