from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from reintegra.access import (
    agency_list_for_user,
    can_edit_opportunities_of,
    can_manage_network,
    labour_market_get_for_user,
    opportunity_get_for_user,
    require_member,
    require_programme_viewer,
)
from reintegra.accounts.reads import shows_no_personal_data
from reintegra.api import Pagination, conflict_response
from reintegra.lib.concurrency import EditConflict
from reintegra.network.models import Agency

from . import selectors, services
from .forms import scorecard_form_for
from .models import OPTION_FIELDS, LabourMarketDemand, Opportunity, OpportunityKind, values_of
from .serializers import DemandSerializer, ImportSerializer, OpportunityWriteSerializer, OptionRowSerializer


@extend_schema(
    parameters=[
        OpenApiParameter("country", str, description="ISO 3166-1 alpha-2"),
        OpenApiParameter("area", str, description="ISO 3166-2; figures of the regions above it are included"),
        OpenApiParameter("isco", str, description="ISCO-08 sub-major group, two digits"),
        OpenApiParameter("history", bool, description="All dates, not only the newest figure per area and group"),
    ]
)
class LabourMarketViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Local labour-market demand per area and ISCO-08 group. Network coordinators write."""

    personal_data = ()  # figures of the labour market
    serializer_class = DemandSerializer
    queryset = LabourMarketDemand.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[LabourMarketDemand]:
        params = self.request.query_params
        return selectors.labour_market_list(
            user=self.request.user,
            country=params.get("country", ""),
            area=params.get("area", ""),
            isco=params.get("isco", ""),
            latest_only=params.get("history") not in ("1", "true"),
        )

    def get_object(self) -> LabourMarketDemand:
        return labour_market_get_for_user(self.request.user, demand_id=int(self.kwargs["pk"]))

    def _writer(self, request: Request) -> Any:
        user = require_member(request.user)
        if not can_manage_network(user):
            raise PermissionDenied
        return user

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = self._writer(request)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        demand = services.demand_save(actor=user, **data)
        return Response(self.get_serializer(demand).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = self._writer(request)
        demand = labour_market_get_for_user(user, demand_id=int(kwargs["pk"]), for_edit=True)
        serializer = self.get_serializer(demand, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            demand = services.demand_save(actor=user, demand=demand, version=data.pop("version", None), **data)
        except EditConflict as exc:
            return conflict_response(exc)
        return Response(self.get_serializer(demand).data)

    @extend_schema(
        request=ImportSerializer,
        responses={
            200: inline_serializer(
                "LabourMarketImport", {"created": serializers.IntegerField(), "updated": serializers.IntegerField()}
            )
        },
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_csv(self, request: Request) -> Response:
        """A CSV imported whole or refused whole; the error lists every row, column and reason."""
        user = self._writer(request)
        serializer = ImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise serializers.ValidationError({"file": [_("The file is too large (over 5 MB); split it.")]})
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise serializers.ValidationError(
                {"file": [_("The file is not UTF-8 text; save it as “CSV UTF-8”.")]}
            ) from None
        try:
            result = services.labour_market_import(actor=user, text=text)
        except services.ImportRefused as exc:
            return Response(
                {
                    "error": {
                        "code": "import_refused",
                        "message": " ".join(exc.messages[:3]),
                        "fields": {"rows": [{"row": r, "column": c, "reason": m} for r, c, m in exc.problems]},
                    }
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"created": result.created, "updated": result.updated})


def _save_option(request: Request, option: Opportunity | None) -> Response:
    """Writes an option through `opportunity_save`; the provider and partners are agency slugs."""
    user = require_member(request.user)
    serializer = OpportunityWriteSerializer(data=request.data, partial=option is not None)
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    version = data.pop("version", None)
    if option is not None:  # a change keeps what is not sent
        data = values_of(option, OPTION_FIELDS) | data
    if "provider" in data and isinstance(data["provider"], str):
        provider = agency_list_for_user(user).filter(slug=data["provider"]).first()
        if provider is None:
            raise serializers.ValidationError(
                {"provider": [_("Unknown agency “%(slug)s”.") % {"slug": data["provider"]}]}
            )
        if option is not None and provider.pk != option.provider_id:
            raise serializers.ValidationError(
                {"provider": [_("An option stays with its provider; add a new option instead.")]}
            )
        data["provider"] = provider
    provider_id = option.provider_id if option is not None else data.get("provider", Agency()).pk
    if provider_id is None or not can_edit_opportunities_of(user, provider_id):
        raise PermissionDenied
    if "placement_partners" in data:
        slugs = data["placement_partners"]
        partners = list(agency_list_for_user(user).filter(slug__in=slugs))
        unknown = sorted(set(slugs) - {a.slug for a in partners})
        if unknown:
            raise serializers.ValidationError(
                {"placement_partners": [_("Unknown agency “%(slug)s”.") % {"slug": ", ".join(unknown)}]}
            )
        data["placement_partners"] = partners
    try:
        saved = services.opportunity_save(actor=user, opportunity=option, version=version, **data)
    except EditConflict as exc:
        return conflict_response(exc)
    row = selectors.opportunity_rows(user=user, opportunities=Opportunity.objects.filter(pk=saved.pk))[0]
    return Response(OptionRowSerializer(row).data, status=status.HTTP_200_OK if option else status.HTTP_201_CREATED)


@extend_schema(
    methods=["GET"],
    parameters=[
        OpenApiParameter("kind", str, enum=OpportunityKind.values),
        OpenApiParameter("country", str, description="ISO 3166-1 alpha-2 of the provider"),
        OpenApiParameter("isco", str, description="ISCO-08 sub-major group"),
    ],
    responses=OptionRowSerializer(many=True),
)
@shows_no_personal_data
@extend_schema(methods=["POST"], request=OpportunityWriteSerializer, responses={201: OptionRowSerializer})
@api_view(["GET", "POST"])
def opportunities(request: Request) -> Response:
    """The catalogue of livelihood options, each with its stipend or wage and the local demand.
    Coordinators add options for any provider; a provider's supervisor for their own agency."""
    if request.method == "POST":
        return _save_option(request, None)
    params = request.query_params
    kind = params.get("kind", "")
    if kind and kind not in OpportunityKind.values:
        raise serializers.ValidationError({"kind": [_("Unknown kind “%(kind)s”.") % {"kind": kind}]})
    rows = selectors.opportunity_rows(
        user=request.user, kind=kind, country=params.get("country", "")[:2], isco=params.get("isco", "")[:2]
    )
    page = Pagination()
    listed: list[Any] | None = page.paginate_queryset(rows, request)  # type: ignore[arg-type]  # lists page too
    return page.get_paginated_response(OptionRowSerializer(listed, many=True).data)


@shows_no_personal_data
@extend_schema(methods=["GET"], responses=OptionRowSerializer)
@extend_schema(methods=["PUT", "PATCH"], request=OpportunityWriteSerializer, responses=OptionRowSerializer)
@api_view(["GET", "PUT", "PATCH"])
def opportunity_detail(request: Request, pk: int) -> Response:
    """One option; changes need its `version`."""
    option = opportunity_get_for_user(request.user, opportunity_id=pk, for_edit=request.method != "GET")
    user = require_member(request.user)
    if request.method != "GET":
        return _save_option(request, option)
    row = selectors.opportunity_rows(user=user, opportunities=Opportunity.objects.filter(pk=option.pk))[0]
    return Response(OptionRowSerializer(row).data)


@extend_schema(
    operation_id="insights_programme_audit",
    parameters=[
        OpenApiParameter("provider", str, description="A provider's slug"),
        OpenApiParameter("area", str, description="ISO 3166-2 area of the options, or a country"),
        OpenApiParameter("since", str, description="The period's first day (ISO 8601)"),
        OpenApiParameter("until", str, description="The period's last day (ISO 8601)"),
    ],
    responses=OpenApiTypes.OBJECT,
    summary="Programme scorecard",
    description=(
        "The four failures as flagged indicators (docs/scorecard.md), and the returnees' feedback on the "
        "trainings and placements in scope (`feedback`); suppressed values are null and marked, with the reason."
    ),
)
@shows_no_personal_data
@api_view(["GET"])
def programme_audit(request: Request) -> Response:
    user = require_programme_viewer(request.user)
    form = scorecard_form_for(user, request.query_params or None)
    if form.is_bound and not form.is_valid():
        raise serializers.ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
    return Response(selectors.scorecard_json(form.scope))
