"""The success predictor is worked out at most once every PREDICTOR_SECONDS and read from the shared
cache in between; recording an outcome (a six-month follow-up, a drop-out) or a labour-market figure
drops it, so the next reader learns from it at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reintegra.livelihoods import prediction, services

from .test_enrolments import move, recommend
from .test_labour_market import GOOD
from .test_recommendations import _outcome, today  # noqa: F401  the fixture, for _outcome


@pytest.fixture
def cached(settings):
    settings.PREDICTOR_SECONDS = 600


def outcome_queries(queries) -> int:
    return sum("livelihoods_incomefollowup" in q["sql"] for q in queries.captured_queries)


def test_the_predictor_is_read_from_the_cache_until_an_outcome_is_recorded(users, network, catalogue, cached, today):  # noqa: F811
    paid, unpaid = catalogue
    for n in range(2):
        _outcome(users, network, paid, n, decent=True, today=today)
    first = prediction.predictor()
    assert first.method == "prior" and first.track.per_option[paid.pk] == (2, 2)

    with CaptureQueriesContext(connection) as again:
        assert prediction.predictor().track.per_option == first.track.per_option
    assert outcome_queries(again) == 0  # from the cache: no outcome read

    _outcome(users, network, unpaid, 2, decent=False, today=today)  # a six-month follow-up: forgotten
    with CaptureQueriesContext(connection) as fresh:
        after = prediction.predictor()
    assert outcome_queries(fresh) > 0 and after.track.per_option[unpaid.pk] == (0, 1)

    person = recommend(users, _person(users, 3), paid)  # an offer is no outcome: still cached
    assert prediction.predictor().outcomes == 3
    for step in ("offered", "accepted", "enrolled"):
        move(users["alice"], person, step)
    move(users["alice"], person, "dropped_out", reason="Left the course")
    dropped = prediction.predictor()
    assert dropped.outcomes == 4 and dropped.track.per_option[paid.pk] == (2, 3)  # a drop-out: a failure


def test_a_labour_market_figure_drops_the_predictor(users, network, catalogue, cached):
    before = prediction.predictor()
    assert prediction.predictor().demand.newest.keys() == before.demand.newest.keys()
    assert ("TH-10", "72") not in before.demand.newest
    services.labour_market_import(actor=users["cora"], text=GOOD.replace("TH-57,72,", "TH-10,72,", 1))
    assert ("TH-10", "72") in prediction.predictor().demand.newest


def test_without_the_cache_every_read_works_it_out(users, network, catalogue, settings, today):  # noqa: F811
    settings.PREDICTOR_SECONDS = 0
    paid, _unpaid = catalogue
    prediction.predictor()
    with CaptureQueriesContext(connection) as again:
        prediction.predictor()
    assert outcome_queries(again) > 0


def _person(users, n):
    from reintegra.cases import services as case_services

    from ..cases.conftest import IDENTITY

    return case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": f"Q{n}"}))
