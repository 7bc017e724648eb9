"""Every dashboard counts in a fixed number of queries, whatever the number of cases (issue 13,
"Performance"; issue 15 asks the same of every page)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reintegra.access import insights_scope_for_user
from reintegra.insights.dashboards import DASHBOARDS
from reintegra.insights.filters import Filters

from .factory import many


def queries(dashboard, filters: Filters) -> int:
    with CaptureQueriesContext(connection) as captured:
        dashboard.figures(filters)
    return len(captured)


def add_returns(users, n: int) -> None:
    many(users["alice"], n, exploitation=["ForcedLabour"], industry="C_Manufacturing", debt="1000")
    many(
        users["alice"],
        n,
        gender="Masculine",
        age=22,
        country_from="SA",
        returned_on=datetime.date(2026, 6, 1),
        exploitation=["SexualExploitation", "ForcedLabour"],
    )


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
@pytest.mark.parametrize("chosen", [{}, {"gender": "Feminine", "age": "25-34", "country": "TH"}])
def test_a_dashboard_counts_in_as_many_queries_for_more_cases(users, name, chosen):
    dashboard = DASHBOARDS[name]
    scope = insights_scope_for_user(users["sam" if dashboard.supervisors_only else "ana"])
    filters = Filters(chosen=chosen, agency_id=scope.agency_id)
    add_returns(users, 2)
    few = queries(dashboard, filters)
    add_returns(users, 5)
    assert queries(dashboard, filters) == few
