"""Where each role finds the insights (issue 13): a link in the main menu for the roles that read
them and for no one else, the dashboards first on the analyst's and the coordinator's home page, and
a card beside the queues on a supervisor's. The filters' long lists get the type-to-filter box."""

import re

import pytest
from django.urls import reverse

from reintegra.access import insights_scope_for_user
from reintegra.insights.dashboards import DASHBOARDS
from reintegra.insights.filters import FilterForm

from ..conftest import client_for

INDEX = reverse("insights:index")


def home(user) -> str:
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def menu(page: str) -> str:
    return page[page.index('<nav aria-label="Main">') : page.index("</nav>")]


@pytest.mark.parametrize("persona", ["ana", "cora", "sam"])
def test_the_roles_that_read_insights_find_them_in_the_menu(users, persona):
    assert f'href="{INDEX}"' in menu(home(users[persona]))


@pytest.mark.parametrize("persona", ["alice", "bob", "pat"])
def test_the_roles_that_do_not_read_insights_have_no_link_to_them(users, persona):
    page = home(users[persona])
    assert INDEX not in page
    assert client_for(users[persona]).get(INDEX).status_code == 403  # and the page refuses them anyway


@pytest.mark.parametrize("persona", ["ana", "cora"])
def test_the_analyst_and_the_coordinator_land_on_the_dashboards_first(users, persona):
    page = home(users[persona])
    section = page[page.index('id="insights"') :]
    for dashboard in DASHBOARDS.values():
        if not dashboard.supervisors_only:
            assert f'href="{reverse("insights:dashboard", args=[dashboard.name])}"' in section
    # Before the programme's and the network's pages: the analyst's own work comes first.
    assert page.index('id="insights"') < page.index(reverse("livelihoods:audit"))
    assert page.index('id="insights"') < page.index(reverse("network:coverage"), page.index("<main"))


def test_the_supervisor_finds_the_insights_beside_the_queues_not_before_them(users):
    page = home(users["sam"])
    assert page.index('id="queues"') < page.index('id="insights"')
    assert f'href="{reverse("insights:dashboard", args=["returns"])}"' in page


def test_the_home_page_offers_a_dashboard_only_to_those_it_is_for(users, monkeypatch):
    from reintegra.insights import dashboards

    caseload = dashboards.Dashboard(
        name="caseload-probe",
        api_name="caseload-probe",
        title="Caseload probe",
        summary="",
        counted_by="",
        figures=lambda filters: [],
        supervisors_only=True,
    )
    monkeypatch.setitem(dashboards.DASHBOARDS, caseload.name, caseload)
    assert "Caseload probe" in home(users["sam"])
    assert "Caseload probe" not in home(users["ana"])


def test_the_long_lists_of_the_filters_get_a_box_to_type_in(users):
    network_form = FilterForm(scope=insights_scope_for_user(users["ana"]))
    html = str(network_form)
    for name in ("country", "area", "agency"):
        assert re.search(rf'<select name="{name}"[^>]*data-filter', html), name
    assert "data-filter" not in str(network_form["gender"])
    # A supervisor's agency is fixed: one choice, nothing to filter.
    own_form = FilterForm(scope=insights_scope_for_user(users["sam"]))
    assert "data-filter" not in str(own_form["agency"])
