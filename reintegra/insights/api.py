"""The insights through the API: each dashboard's figures as tables, with the pages' filters.
Suppressed cells are marked (`"suppressed": true`, value null), never zero."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from reintegra.access import insights_scope_for_user
from reintegra.accounts.reads import shows_no_personal_data
from reintegra.cases.choices import Gender

from .cubes import min_cell
from .dashboards import BY_API_NAME, figures_of
from .filters import AGE_GROUPS, UNKNOWN
from .views import dashboard_for, read_filters

FILTER_PARAMETERS = [
    OpenApiParameter("since", OpenApiTypes.DATE, description="The period's first day (ISO 8601)"),
    OpenApiParameter("until", OpenApiTypes.DATE, description="The period's last day (ISO 8601)"),
    OpenApiParameter("country", str, description="Country of origin, ISO 3166-1 alpha-2"),
    OpenApiParameter("area", str, description="Area of origin, ISO 3166-2"),
    OpenApiParameter("agency", str, description="An agency's slug (a supervisor's is always their own)"),
    OpenApiParameter("gender", str, enum=Gender.values),
    OpenApiParameter("age", str, enum=[key for key, *_rest in AGE_GROUPS] + [UNKNOWN]),
]


def insight_view(api_name: str) -> Any:
    @extend_schema(
        operation_id=f"insights_{api_name.replace('-', '_')}",
        parameters=FILTER_PARAMETERS,
        responses=OpenApiTypes.OBJECT,
        summary=str(BY_API_NAME[api_name].title),
        description=str(BY_API_NAME[api_name].summary),
    )
    @shows_no_personal_data
    @api_view(["GET"])
    def view(request: Request) -> Response:
        scope = insights_scope_for_user(request.user)
        board = dashboard_for(scope, BY_API_NAME[api_name].name)
        form, filters = read_filters(scope, request.query_params, board)
        if filters is None:
            raise serializers.ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
        shown = figures_of(board, filters)
        return Response(
            {
                "dashboard": api_name,
                "filters": filters.query_string(),
                "min_cell": min_cell(),
                # Filters the dashboard cannot apply: not taken, and said so (the page says why).
                "filters_not_applied": list(board.filters_not_applied),
                # When the figures were worked out; `refreshing`: newer ones are being worked out.
                "computed_at": shown.computed_at,
                "refreshing": shown.refreshing,
                "figures": [figure.as_dict() for figure in shown.figures],
            }
        )

    named: Any = view
    named.__name__ = named.__qualname__ = f"insights_{api_name.replace('-', '_')}"
    return named


VIEWS = {name: insight_view(name) for name in BY_API_NAME}
