"""A dashboard's figures are worked out at most once every INSIGHTS_CACHE_SECONDS for the same
filters and served from the shared cache in between (decisions/0037): never another reader's agency,
language or filters, never the supervisors' caseload, and the page says how old they are."""

import dataclasses
import datetime
import os
import subprocess
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from reintegra.lib import clock

from ..conftest import api_client_for, client_for
from ..exchange.test_pages import run_worker
from .factory import many
from .test_privacy_and_access import API, api_figures, values

TOTALS = "returns-by-country"


@pytest.fixture
def cached(settings):
    settings.INSIGHTS_CACHE_SECONDS = 120
    settings.INSIGHTS_MIN_CELL = 2


def totals_of(figure) -> object:
    return {k: v for k, v in values(figure).items() if k[1] != ""}


def total(user, **params) -> object:
    return totals_of(api_figures(user, **params)[TOTALS])


def test_the_same_view_is_worked_out_once_and_then_read_from_the_cache(users, cached):
    many(users["alice"], 3, country_from="MY")
    first = total(users["ana"])
    many(users["alice"], 2, country_from="MY")  # within the two minutes: not seen yet

    with CaptureQueriesContext(connection) as again:
        assert total(users["ana"]) == first
    with CaptureQueriesContext(connection) as fresh:
        changed = total(users["ana"], gender="Feminine")  # another view: worked out now, with the new cases

    def counted(queries) -> int:  # the figures' own queries, over the summary tables
        return sum("insights_" in q["sql"] for q in queries.captured_queries)

    assert counted(again) == 0 and counted(fresh) > 0
    assert changed != first


def test_each_reader_gets_figures_of_their_own_scope_and_language(users, network, cached):
    many(users["alice"], 3, country_from="MY")  # Alpha's
    many(users["bob"], 4, country_from="SA")  # Beta's
    whole = total(users["ana"])
    alpha = total(users["sam"])
    beta = total(users["bella"])
    assert alpha != beta and whole not in (alpha, beta)
    thai = api_client_for(users["ana"]).get(API, HTTP_ACCEPT_LANGUAGE="th")
    english_labels = {
        row["label"] for f in api_client_for(users["ana"]).get(API).json()["figures"] for row in f["table"]["rows"]
    }
    thai_labels = {row["label"] for f in thai.json()["figures"] for row in f["table"]["rows"]}
    assert english_labels != thai_labels


def test_without_a_cache_every_read_is_worked_out(users, settings):
    settings.INSIGHTS_CACHE_SECONDS = 0
    settings.INSIGHTS_MIN_CELL = 2
    many(users["alice"], 3, country_from="MY")
    first = total(users["ana"])
    many(users["alice"], 2, country_from="MY")
    assert total(users["ana"]) != first


def test_the_page_says_when_its_figures_were_worked_out(users, cached):
    many(users["alice"], 3, country_from="MY")
    page = client_for(users["ana"]).get("/insights/returns/").text
    assert 'id="figures-as-of"' in page and "at most every 2 minutes" in page
    caseload = client_for(users["sam"]).get("/insights/caseload/").text
    assert 'id="figures-as-of"' in caseload and "at most every" not in caseload  # never cached: acted on


def test_the_figures_are_worked_out_with_room_to_sort_on_postgresql_and_nowhere_else(settings, transactional_db):
    """A million summary rows grouped by several dimensions spill to disk at PostgreSQL's default
    work_mem: a dashboard's reads get INSIGHTS_WORK_MEM, in their own transaction only."""
    if connection.vendor != "postgresql":
        pytest.skip("work_mem is PostgreSQL's; SQLite has nothing to set")
    from reintegra.insights.dashboards import DASHBOARDS
    from reintegra.insights.filters import Filters

    settings.INSIGHTS_WORK_MEM = "48MB"

    def work_mem() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW work_mem")
            return cursor.fetchone()[0]

    seen = []
    board = dataclasses.replace(DASHBOARDS["returns"], figures=lambda filters: seen.append(work_mem()) or [])
    before = work_mem()
    assert board.work_out(Filters()) == []
    assert seen == ["48MB"] and work_mem() == before != "48MB"


def test_a_work_mem_that_postgresql_would_not_take_stops_the_start_naming_the_setting():
    env = {**os.environ, "REINTEGRA_INSIGHTS_WORK_MEM": "lots"}
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "reintegra.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0 and "REINTEGRA_INSIGHTS_WORK_MEM='lots'" in done.stderr


@pytest.fixture
def older_view(users, cached):
    """Ana's view worked out at its start with three returns from Malaysia; two more recorded since."""
    many(users["alice"], 3, country_from="MY")
    start = clock.now()
    with clock.running_at(start):
        first = total(users["ana"])
    many(users["alice"], 2, country_from="MY")
    return start, first


def answer_of(user) -> dict:
    return api_client_for(user).get(API).json()


def total_in(answer) -> object:
    return totals_of(next(f for f in answer["figures"] if f["key"] == TOTALS))


def test_older_figures_are_served_marked_while_the_worker_works_them_out(transactional_db, users, older_view):
    """Past INSIGHTS_CACHE_SECONDS a view's figures are still served, marked, and the worker is asked
    once for newer ones (decisions/0041); its run keeps them for the next reader."""
    # transactional_db: the worker closes a connection it finds inside a transaction (PostgreSQL).
    start, first = older_view
    with clock.running_at(start + datetime.timedelta(seconds=200)):
        assert answer_of(users["ana"])["refreshing"] is True
        assert total(users["ana"]) == first  # the older figures, at once
        page = client_for(users["ana"]).get("/insights/returns/").text
        assert 'id="figures-refreshing"' in page
        assert DBTaskResult.objects.filter(task_path__endswith="figures_work_out").count() == 1  # asked once
        run_worker()
        answer = answer_of(users["ana"])
    assert answer["refreshing"] is False and total_in(answer) != first  # the two cases since, counted
    assert datetime.datetime.fromisoformat(answer["computed_at"]) > start


def test_past_the_hour_a_reader_waits_for_new_figures(users, older_view, settings):
    start, first = older_view
    later = settings.INSIGHTS_CACHE_SECONDS + settings.INSIGHTS_STALE_SECONDS + 1
    with clock.running_at(start + datetime.timedelta(seconds=later)):
        answer = answer_of(users["ana"])
    assert answer["refreshing"] is False and total_in(answer) != first
    assert not DBTaskResult.objects.exists()
