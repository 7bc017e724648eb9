"""The referral inbox's pages: 30 referrals a page, the list's length taken from the counts by status
(read once, in one grouped query), with or without a status chosen."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from reintegra.cases import services as case_services
from reintegra.referrals import services as referral_services

from ..cases.conftest import IDENTITY, refer, share_with
from ..conftest import client_for


def _codes(body: str) -> list[str]:
    return re.findall(r"<code>([A-Z]{2}-[A-Z0-9]{4}-[A-Z0-9]{4})</code>", body)


def test_the_pages_follow_the_counts_by_status_without_counting_the_list_again(users, network):
    sent = []
    for k in range(32):
        case = case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": f"Person {k}"}))
        share_with(users["alice"], case, network.beta)
        sent.append(refer(users["alice"], case, network.beta))
    for referral in sent[:2]:
        referral_services.referral_move(actor=users["bob"], referral=referral, move="accept")
    client = client_for(users["bob"])
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/referrals/").content.decode()
    count = 'SELECT COUNT(*) AS "__count" FROM "referrals_referral"'
    counted = [q["sql"] for q in queries if q["sql"].startswith(count)]
    # The medians count the referrals answered and completed; the pager's count is the counts' sum.
    assert len(counted) == 2 and all('_at" IS NOT NULL' in sql for sql in counted), counted
    second = client.get("/referrals/?page=2").content.decode()
    assert len(_codes(first)) == 30 and len(_codes(second)) == 2
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert not set(_codes(first)) & set(_codes(second))
    accepted = client.get("/referrals/?status=accepted").content.decode()
    assert len(_codes(accepted)) == 2 and "Page 1 of" not in accepted
    assert len(_codes(client.get("/referrals/?status=declined").content.decode())) == 0
