"""The referral inbox's median times to an answer and to completion: worked out by the database from
the middle one or two durations, so that an agency receiving hundreds of thousands of referrals is
not read whole (at a million, 8-14 s to 0.4 s)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reintegra.cases import services as case_services
from reintegra.lib import clock
from reintegra.referrals import selectors
from reintegra.referrals import services as referral_services

from ..cases.conftest import IDENTITY, refer, share_with
from ..conftest import client_for

SENT = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Bangkok"))
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def answered(users, network):
    """Alpha refers people to Beta, which answers after the hours given (and completes some)."""

    def answered(k: int, *, answer: float | None, complete: float | None = None):
        case = case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": f"Person {k}"}))
        share_with(users["alice"], case, network.beta)
        with clock.running_at(SENT):
            referral = refer(users["alice"], case, network.beta)
        if answer is not None:
            with clock.running_at(SENT + answer * HOUR):
                referral_services.referral_move(actor=users["bob"], referral=referral, move="accept")
        if complete is not None:
            with clock.running_at(SENT + complete * HOUR):
                referral_services.referral_move(actor=users["bob"], referral=referral, move="complete")
        return referral

    return answered


def test_the_medians_are_the_middle_durations_odd_and_even(users, answered):
    assert selectors.referral_times(user=users["bob"]) == {"response_hours": None, "completion_hours": None}
    answered(1, answer=2, complete=30)
    answered(2, answer=10)
    answered(3, answer=4, complete=20)
    answered(4, answer=None)  # still waiting: no time to an answer
    assert selectors.referral_times(user=users["bob"]) == {"response_hours": 4.0, "completion_hours": 25.0}
    answered(5, answer=7)
    assert selectors.referral_times(user=users["bob"])["response_hours"] == 5.5
    # The sender reads the same referrals as outgoing.
    assert selectors.referral_times(user=users["alice"], direction="outgoing")["response_hours"] == 5.5
    inbox = client_for(users["bob"]).get("/referrals/").content.decode()
    assert "5.5 hours" in inbox and "25.0 hours" in inbox


def test_the_inbox_reads_as_many_rows_for_more_referrals(users, answered):
    for k in range(3):
        answered(k, answer=k + 1, complete=k + 10)
    with CaptureQueriesContext(connection) as few:
        times = selectors.referral_times(user=users["bob"])
    for k in range(3, 9):
        answered(k, answer=k + 1, complete=k + 10)
    with CaptureQueriesContext(connection) as more:
        assert selectors.referral_times(user=users["bob"]) != times
    assert len(more) == len(few) == 4  # per median: how many, then the middle one or two


def test_the_medians_are_kept_two_minutes_per_agency_direction_and_role(settings, users, answered):
    """Kept in the shared cache as the dashboards' figures are: the next view within the time reads
    the kept medians (one query, the cache's), another agency, direction or role its own."""
    settings.INSIGHTS_CACHE_SECONDS = 120
    answered(1, answer=2)
    assert selectors.referral_times(user=users["bob"])["response_hours"] == 2.0
    answered(2, answer=10)
    with CaptureQueriesContext(connection) as kept:
        assert selectors.referral_times(user=users["bob"])["response_hours"] == 2.0
    assert len(kept) == 1
    # The sender's outgoing view is its own, worked out afresh.
    assert selectors.referral_times(user=users["alice"], direction="outgoing")["response_hours"] == 6.0
    assert selectors.referral_times(user=users["alice"])["response_hours"] is None  # Alpha receives none
    assert selectors.referral_times(user=users["bella"])["response_hours"] == 6.0  # Beta's supervisor
    settings.INSIGHTS_CACHE_SECONDS = 0
    assert selectors.referral_times(user=users["bob"])["response_hours"] == 6.0
