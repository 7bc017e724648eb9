"""The livelihood pages caseworkers open all day do not grow in queries with the number of rows."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from reintegra.cases import services as case_services

from ..cases.conftest import IDENTITY
from ..conftest import client_for
from .test_enrolments import recommend


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_enrolment_list_and_the_options_page_take_the_same_queries_for_more_rows(users, catalogue):
    paid, unpaid = catalogue
    alice = client_for(users["alice"])

    def add(n):
        for k in range(n):
            case = case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": f"Q{k}"}))
            recommend(users, case, paid if k % 2 else unpaid)

    add(2)
    few = _queries(alice, "/livelihoods/enrolments/"), _queries(alice, "/livelihoods/options/")
    add(6)
    many = _queries(alice, "/livelihoods/enrolments/"), _queries(alice, "/livelihoods/options/")
    assert few == many
