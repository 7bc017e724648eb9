"""The insights dashboards read from the replica when one is configured (issue 15; dbrouters.py).

The test database has a `replica` alias mirroring the default one (tests/conftest.py): the queries
each connection runs show where the reads went. Transactional tests, so what the primary wrote is
committed and visible through the mirror's own connection.
"""

import pytest
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from reintegra.insights.dashboards import DASHBOARDS

from .conftest import api_client_for, client_for
from .insights.factory import many

BOTH = ["default", "replica"]


def run(client, url: str) -> tuple[int, list[str], list[str]]:
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        status = client.get(url).status_code
    return status, [q["sql"] for q in primary], [q["sql"] for q in replica]


DOMAIN = ('"cases_', '"referrals_', '"network_', '"plans_', '"livelihoods_', '"insights_')


def reads_cases(queries: list[str]) -> bool:
    """Whether the queries read a table of the domain (cases, referrals, agencies, plans, livelihoods,
    the insights' own); the accounts, sessions and the audit log are not among them."""
    return any(sql.lstrip().upper().startswith("SELECT") and any(t in sql for t in DOMAIN) for sql in queries)


@pytest.mark.django_db(transaction=True, databases=BOTH)
@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_each_dashboard_reads_its_figures_from_the_replica(users, name):
    many(users["alice"], 3, exploitation=["ForcedLabour"])
    reader = users["sam" if DASHBOARDS[name].supervisors_only else "ana"]
    client = client_for(reader)
    with override_settings(INSIGHTS_DATABASE="replica"):
        status, primary, replica = run(client, f"/insights/{name}/")
    assert status == 200
    assert reads_cases(replica), "the dashboard's figures were not read from the replica"
    assert not reads_cases(primary), "a dashboard read the domain's tables from the primary"
    # The session and the user are read from the primary: a sign-in never waits on the replica's lag.
    assert not any('"django_session"' in sql or '"accounts_user"' in sql for sql in replica)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_insights_api_reads_from_the_replica(users):
    many(users["alice"], 2)
    with override_settings(INSIGHTS_DATABASE="replica"):
        status, primary, replica = run(api_client_for(users["ana"]), "/api/v1/insights/returns/")
    assert status == 200
    assert reads_cases(replica)
    assert not reads_cases(primary)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_case_pages_and_writes_stay_on_the_primary(users):
    case = many(users["alice"], 1)[0]
    client = client_for(users["alice"])
    with override_settings(INSIGHTS_DATABASE="replica"):
        status, primary, replica = run(client, f"/cases/{case.code}/")
        assert status == 200
        assert replica == []
        assert reads_cases(primary)
        # The audit record of a dashboard's read is written to the primary.
        status, primary, replica = run(client_for(users["ana"]), "/insights/returns/")
    assert status == 200
    assert not any(sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for sql in replica)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_without_a_replica_everything_reads_from_the_primary(users):
    many(users["alice"], 2)
    status, primary, replica = run(client_for(users["ana"]), "/insights/returns/")
    assert status == 200
    assert replica == []
    assert reads_cases(primary)
