"""Hot pages need a fixed number of queries, however many cases and referrals there are."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from reintegra.cases import services

from ..conftest import client_for
from .conftest import IDENTITY, refer, share_with


def _open(users, network, n):
    for i in range(n):
        case = services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": f"P{i}", "phones": []}))
        share_with(users["alice"], case, network.beta, categories=["profile"])
        refer(users["alice"], case, network.beta, categories=["profile"])


def _queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_the_case_list_and_the_referral_inboxes_do_not_grow_with_the_number_of_records(users, network):
    _open(users, network, 2)
    alice, bella = client_for(users["alice"]), client_for(users["bella"])
    pages = [(alice, "/cases/"), (alice, "/referrals/?direction=outgoing"), (bella, "/referrals/")]
    few = [_queries(client, url) for client, url in pages]
    _open(users, network, 8)
    assert [_queries(client, url) for client, url in pages] == few
