"""The caseload dashboard (issue 13): a supervisor's own agency, counted by hand, exact (not
suppressed), for supervisors only, without a returnee's name or case code."""

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reintegra.access import case_get_for_user
from reintegra.accounts.models import User
from reintegra.cases import selectors, tasks
from reintegra.cases import services as case_services
from reintegra.cases.models import Case, Task
from reintegra.insights import caseload
from reintegra.insights.filters import Filters
from reintegra.lib import clock
from reintegra.plans import services as plan_services
from reintegra.referrals import services as referral_services
from reintegra.referrals.choices import ACTIVE_REFERRAL_STATUSES
from reintegra.referrals.models import Referral

from ..conftest import api_client_for, client_for, make_user

NOW = datetime.datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Bangkok"))
TODAY = NOW.date()
DAY = datetime.timedelta(days=1)


def at(days: int) -> datetime.datetime:
    return NOW - days * DAY


def open_case(actor, *, days: int, stage: str = "identification", gender: str = "Feminine", country: str = "TH"):
    with clock.running_at(at(days)):
        return case_services.case_open(
            actor=actor,
            stage=stage,
            opened_at=at(days),
            given_name="Kanya",
            family_name="Secretname",
            gender=gender,
            age_at_intake=30,
            citizenships=[country],
        )


def share_with(actor, case, agency):
    return case_services.consent_record(
        actor=actor,
        case=case,
        purpose="sharing",
        given_on=clock.today(),
        language="th",
        recipient_agency=agency,
        categories=["profile"],
    )


def task(actor, case, *, due: int, assignee=None, done: bool = False):
    with clock.running_at(NOW):
        made = tasks.task_create(
            actor=actor, case=case, title="Call about the secret", due_on=TODAY - due * DAY, assignee=assignee
        )
        if done:
            tasks.task_done(actor=actor, task=made)
    return made


@pytest.fixture
def agency_work(users, network):
    """Alpha's work on 15 June 2026, with what must not count (Beta's, closed, done)."""
    alice, sam, bob = users["alice"], users["sam"], users["bob"]
    carol = make_user("carol", network.alpha, "caseworker")  # a caseworker with no case
    dan = make_user("dan", network.alpha, "caseworker")
    c1 = open_case(alice, days=0)
    c2 = open_case(alice, days=45, stage="return", gender="Masculine")
    c3 = open_case(alice, days=400, stage="reintegration")
    c4 = open_case(sam, days=30, stage="follow_up")  # 30 days: no longer "under 30 days"
    c5 = open_case(alice, days=29)
    c6 = open_case(alice, days=60)
    c7 = open_case(dan, days=100, stage="shelter_assistance")
    Case.objects.filter(pk=c7.pk).update(caseworker=None)  # as when a worker's account is removed
    b1 = open_case(bob, days=20, country="PH")
    with clock.running_at(at(1)):
        case_services.closure_move(actor=alice, case=c6, move="request", reason="Settled at home.")
        case_services.closure_move(actor=sam, case=c6, move="approve")
    # Overdue: alice 3 and 20 days, nobody 40 days, sam 8 days and an alert on no case 1 day.
    task(alice, c1, due=3, assignee=alice)
    task(alice, c2, due=20, assignee=alice)
    task(alice, c3, due=40)
    task(alice, c1, due=0, assignee=alice)  # due today: not overdue
    task(alice, c1, due=5, assignee=alice, done=True)
    task(bob, b1, due=10, assignee=bob)  # Beta's
    task(sam, c4, due=8, assignee=sam)
    task(sam, None, due=1, assignee=sam)
    # A plan submitted 10 days ago, a closure asked 2 days ago, a referral received 9 days ago and one sent today.
    with clock.running_at(at(10)):
        plan = plan_services.plan_start(actor=alice, case=c2)
        plan = plan_services.plan_update(
            actor=alice, plan=plan, version=plan.version, returnee_took_part=True, returnee_agreed_on=TODAY - 10 * DAY
        )
        plan_services.goal_add(actor=alice, plan=plan, domain="economic", description="A steady income.")
        plan_services.plan_move(actor=alice, plan=plan, move="submit")
    with clock.running_at(at(2)):
        case_services.closure_move(actor=alice, case=c5, move="request", reason="Moved away.")
    with clock.running_at(at(9)):
        share_with(bob, b1, network.alpha)
        referral_services.referral_send(
            actor=bob,
            access=case_get_for_user(bob, code=b1.code, for_edit=True),
            to_agency=network.alpha,
            reasons=["AdditionalServicesRequired"],
            categories=["profile"],
        )
    with clock.running_at(NOW):
        share_with(alice, c1, network.beta)
        referral_services.referral_send(
            actor=alice,
            access=case_get_for_user(alice, code=c1.code, for_edit=True),
            to_agency=network.beta,
            reasons=["AdditionalServicesRequired"],
            categories=["profile"],
        )
    return {"cases": [c1, c2, c3, c4, c5, c6, c7, b1], "carol": carol, "dan": dan}


def figures(network, **fields):
    with clock.running_at(NOW):
        return {f.key: f for f in caseload.figures(Filters(agency_id=network.alpha.pk, **fields))}


def values(table):
    return {row.label: [cell.value for cell in row.cells] for row in table.rows}


def test_open_cases_by_caseworker_and_stage_counted_by_hand(network, agency_work):
    figure = figures(network)["caseload-stage-worker"]
    table = figure.table
    assert table.columns == ["Identification", "Return", "Shelter & assistance", "Reintegration", "Follow-up", "Total"]
    assert [row.label for row in table.rows] == ["alice", "sam", "carol", "dan", "Not assigned", "All caseworkers"]
    assert values(table) == {
        "alice": [2, 1, 0, 1, 0, 4],
        "sam": [0, 0, 0, 0, 1, 1],
        "carol": [0, 0, 0, 0, 0, 0],
        "dan": [0, 0, 0, 0, 0, 0],
        "Not assigned": [0, 0, 1, 0, 0, 1],
        "All caseworkers": [2, 1, 1, 1, 1, 6],
    }
    # The chart draws a bar per worker, the busiest on top (pygal draws bottom up), without the total.
    chart = str(figure.chart)
    assert chart.index(">Not assigned<") < chart.index(">alice<") and ">All caseworkers<" not in chart


def test_a_worker_who_left_or_moved_is_named_while_they_keep_work_of_the_agency(users, network, agency_work):
    """The workers are read as the agency's staff; one who keeps its work but is inactive, or is now
    another agency's, is still named beside their counts; an inactive caseworker with none is not."""
    alice, sam = users["alice"], users["sam"]
    User.objects.filter(pk=alice.pk).update(is_active=False)
    User.objects.filter(pk=sam.pk).update(agency=network.beta)
    User.objects.filter(pk=agency_work["carol"].pk).update(is_active=False)
    by_worker = values(figures(network)["caseload-stage-worker"].table)
    assert list(by_worker) == ["alice", "sam", "dan", "Not assigned", "All caseworkers"]
    assert by_worker["alice"][-1] == 4 and by_worker["sam"][-1] == 1
    assert {"alice", "sam"} <= set(values(figures(network)["caseload-overdue-tasks"].table))


def test_open_cases_by_stage_and_time_since_opening_with_the_oldest(network, agency_work):
    table = figures(network)["caseload-case-age"].table
    assert values(table) == {
        "Identification": [2, 0, 0, 0, 0, 2, 29],
        "Return": [0, 1, 0, 0, 0, 1, 45],
        "Shelter & assistance": [0, 0, 1, 0, 0, 1, 100],
        "Reintegration": [0, 0, 0, 0, 1, 1, 400],
        "Follow-up": [0, 1, 0, 0, 0, 1, 30],
        "All open cases": [2, 2, 1, 0, 1, 6, 400],
    }


def test_overdue_tasks_by_worker_and_lateness(network, agency_work):
    table = figures(network)["caseload-overdue-tasks"].table
    assert [row.label for row in table.rows] == ["alice", "sam", "carol", "dan", "Not assigned", "Everyone"]
    assert values(table) == {
        "alice": [1, 1, 0, 2, 20],
        "sam": [1, 1, 0, 2, 8],
        "carol": [0, 0, 0, 0, None],
        "dan": [0, 0, 0, 0, None],
        "Not assigned": [0, 0, 1, 1, 40],
        "Everyone": [2, 2, 1, 5, 40],
    }


def test_what_waits_and_since_when(network, agency_work):
    figure = figures(network)["caseload-waiting"]
    assert values(figure.table) == {
        "Plans to approve": [1, 1, 10],
        "Closures to decide": [1, 0, 2],
        "Referrals to answer": [1, 1, 9],
        "Referrals sent, not answered": [1, 0, 0],
        "Overdue tasks": [5, 3, 40],
    }
    assert (reverse("referrals:inbox") + "?status=pending", "Referrals to answer") in figure.links


def referred_with_a_task(users, network):
    """Beta's case referred to Alpha and accepted four days ago, with Alpha's task on it, overdue."""
    bob, sam = users["bob"], users["sam"]
    theirs = open_case(bob, days=5, country="PH")
    with clock.running_at(at(4)):
        share_with(bob, theirs, network.alpha)
        referral = referral_services.referral_send(
            actor=bob,
            access=case_get_for_user(bob, code=theirs.code, for_edit=True),
            to_agency=network.alpha,
            reasons=["AdditionalServicesRequired"],
            categories=["profile"],
        )
        referral_services.referral_move(actor=sam, referral=referral, move="accept")
    task(sam, theirs, due=2, assignee=sam)
    return referral


def test_a_task_on_a_case_referred_to_the_agency_counts_while_the_referral_is_active(users, network):
    bob = users["bob"]
    referral = referred_with_a_task(users, network)
    assert values(figures(network)["caseload-overdue-tasks"].table)["Everyone"][3] == 1
    assert values(figures(network)["caseload-stage-worker"].table)["All caseworkers"][-1] == 0  # not Alpha's case
    with clock.running_at(NOW):
        referral_services.referral_move(actor=bob, referral=referral, move="revoke", reason="No longer needed.")
    assert values(figures(network)["caseload-overdue-tasks"].table)["Everyone"][3] == 0


def test_the_returnees_filters_apply_to_every_figure(network, agency_work):
    found = figures(network, chosen={"gender": "Masculine"})
    assert values(found["caseload-stage-worker"].table)["All caseworkers"] == [0, 1, 0, 0, 0, 1]
    assert values(found["caseload-overdue-tasks"].table)["Everyone"] == [0, 1, 0, 1, 20]  # the alert on no case goes
    assert [row.cells[0].value for row in found["caseload-waiting"].table.rows] == [1, 0, 0, 0, 1]
    found = figures(network, chosen={"country": "PH"})
    assert values(found["caseload-waiting"].table)["Referrals to answer"][0] == 1
    assert values(found["caseload-stage-worker"].table)["All caseworkers"][-1] == 0
    assert values(figures(network, chosen={"age": "25-34"})["caseload-stage-worker"].table)["All caseworkers"][-1] == 6
    assert values(figures(network, chosen={"age": "18-24"})["caseload-case-age"].table)["All open cases"][-2] == 0


def test_the_period_keeps_what_began_in_it(network, agency_work):
    found = figures(network, since=TODAY - 50 * DAY)
    assert values(found["caseload-stage-worker"].table)["All caseworkers"] == [2, 1, 0, 0, 1, 4]
    found = figures(network, since=TODAY - 10 * DAY, until=TODAY - 2 * DAY)
    assert values(found["caseload-overdue-tasks"].table)["Everyone"][3] == 2  # due 3 and 8 days ago


def test_counts_of_one_are_shown_with_the_default_k_not_suppressed(settings, network, agency_work):
    settings.INSIGHTS_MIN_CELL = 5
    found = figures(network)
    cells = [cell for figure in found.values() for row in figure.table.rows for cell in row.cells]
    assert not any(cell.suppressed for cell in cells)
    assert values(found["caseload-stage-worker"].table)["sam"][-1] == 1


def test_the_queries_do_not_grow_with_the_caseload(users, network, agency_work):
    with CaptureQueriesContext(connection) as before:
        figures(network)
    for days in (3, 50, 200):
        case = open_case(users["alice"], days=days)
        task(users["alice"], case, due=days, assignee=users["alice"])
    with CaptureQueriesContext(connection) as after:
        figures(network)
    # Overdue tasks in three parts (own cases, referred cases, no case), counted once for two figures.
    assert len(after.captured_queries) == len(before.captured_queries) <= 12


def test_the_overdue_parts_are_the_agency_rule_and_never_share_a_task(users, network, agency_work):
    """The three parts counted one by one equal the rule as one condition (the agency's task list's)."""
    referred_with_a_task(users, network)
    filters = Filters(agency_id=network.alpha.pk)
    parts = [set(part.values_list("pk", flat=True)) for part in caseload._overdue_parts(filters, TODAY)]
    assert all(parts) and not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
    referred = Referral.objects.filter(to_agency=network.alpha, status__in=ACTIVE_REFERRAL_STATUSES).values("case_id")
    whole = Task.objects.filter(agency=network.alpha, done_at__isnull=True, due_on__lt=TODAY).filter(
        Q(case__agency=network.alpha) | Q(case_id__in=referred) | Q(case__isnull=True)
    )
    assert set().union(*parts) == set(whole.values_list("pk", flat=True))


def test_a_large_agency_charts_its_busiest_workers_and_lists_every_one(users, network):
    alice = users["alice"]
    workers = [make_user(f"worker{n:02}", network.alpha, "caseworker") for n in range(caseload.CHART_ROWS + 5)]
    busiest = workers[0]
    for _n in range(2):
        Case.objects.filter(pk=open_case(alice, days=3).pk).update(caseworker=busiest)
    found = figures(network)["caseload-stage-worker"]
    assert len(found.table.rows) >= len(workers) + 1  # every active caseworker, and the total
    assert f"the {caseload.CHART_ROWS} busiest of " in found.chart
    assert busiest.username in found.chart and "worker24" not in found.chart  # by name after the busiest
    assert "worker24" in found.table.body_html()


def test_the_table_body_escapes_what_it_shows(users, network):
    eve = make_user("eve", network.alpha, "caseworker")
    User.objects.filter(pk=eve.pk).update(first_name="<b>Eve</b>")
    body = figures(network)["caseload-stage-worker"].table.body_html()
    assert "&lt;b&gt;Eve&lt;/b&gt;" in body and "<b>" not in body


def page(user, query=""):
    with clock.running_at(NOW):
        return client_for(user).get(reverse("insights:dashboard", args=["caseload"]) + query)


def test_the_supervisor_reads_the_page_without_a_returnee_named(users, network, agency_work):
    response = page(users["sam"])
    assert response.status_code == 200
    text = response.content.decode()
    assert "Open cases by caseworker and stage" in text and "<svg" in text
    assert reverse("cases:tasks") + "?agency=1" in text
    assert ' suppressed"' not in text and ">suppressed<" not in text
    for case in agency_work["cases"]:
        assert case.code not in text
    assert "Kanya" not in text and "Secretname" not in text and "secret" not in text
    assert page(users["sam"], "?gender=Masculine").status_code == 200


@pytest.mark.parametrize("query", ["?gender=nobody", "?age=old", "?since=2026-06-10&until=2026-06-01", "?since=soon"])
def test_a_bad_filter_is_refused_with_400(users, network, query):
    response = page(users["sam"], query)
    assert response.status_code == 400
    assert response.context["form"].errors


@pytest.mark.parametrize("persona", ["ana", "cora", "alice", "pat", "bella"])
def test_only_the_agency_supervisors_read_the_caseload(users, persona):
    expected = 200 if persona == "bella" else 403  # bella is Beta's supervisor: she reads Beta's
    assert page(users[persona]).status_code == expected
    csv_address = reverse("insights:figure_csv", args=["caseload", "caseload-waiting"])
    assert client_for(users[persona]).get(csv_address).status_code == expected
    assert api_client_for(users[persona]).get("/api/v1/insights/caseload/").status_code == expected


def test_the_analysts_index_does_not_offer_the_caseload(users):
    address = reverse("insights:dashboard", args=["caseload"])
    assert address not in client_for(users["ana"]).get(reverse("insights:index")).content.decode()
    assert address in client_for(users["sam"]).get(reverse("insights:index")).content.decode()


def test_another_agency_supervisor_counts_only_their_own(users, network, agency_work):
    response = page(users["bella"])
    table = {f.key: f for f in response.context["figures"]}["caseload-stage-worker"].table
    assert values(table)["All caseworkers"][-1] == 1  # bob's one case
    assert "alice" not in [row.label for row in table.rows]


def test_the_csv_of_a_figure(users, network, agency_work):
    with clock.running_at(NOW):
        response = client_for(users["sam"]).get(
            reverse("insights:figure_csv", args=["caseload", "caseload-overdue-tasks"]) + "?gender=Feminine"
        )
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Assigned to,Overdue 1 to 7 days,")
    assert "alice,1,0,0,1,3" in lines and "Everyone,1,1,1,3,40" in lines
    assert not any("suppressed" in line for line in lines)
    with clock.running_at(NOW):
        bad = client_for(users["sam"]).get(
            reverse("insights:figure_csv", args=["caseload", "caseload-overdue-tasks"]) + "?gender=x"
        )
    assert bad.status_code == 400 and "gender" in bad.content.decode()


def test_the_api(users, network, agency_work):
    with clock.running_at(NOW):
        response = api_client_for(users["sam"]).get("/api/v1/insights/caseload/", {"gender": "Masculine"})
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["dashboard"] == "caseload" and body["filters"] == {"gender": "Masculine"}
    figures_by_key = {f["key"]: f for f in body["figures"]}
    rows = {r["label"]: r["cells"] for r in figures_by_key["caseload-stage-worker"]["table"]["rows"]}
    assert rows["alice"][1] == {"value": 1, "suppressed": False}
    with clock.running_at(NOW):
        bad = api_client_for(users["sam"]).get("/api/v1/insights/caseload/", {"age": "ancient"})
    assert bad.status_code == 400


def test_the_counts_are_read_from_the_indexes_alone_on_postgresql(transactional_db, network, agency_work):
    """The open cases by stage and worker, and the overdue tasks on the agency's own cases, can each be
    counted from an index without reading the rows (migrations cases 0017 and 0022; at a million, 80 ms
    and 25 ms instead of 0.3 s and 1.2 s), the tasks without the cases (decisions/0047): on PostgreSQL,
    with sequential reads forbidden, the plans say so."""
    from django.db.models import Count

    if connection.vendor != "postgresql":
        pytest.skip("the indexes are PostgreSQL's; SQLite counts a small agency's cases whole")
    # Committed and vacuumed (transactional_db): the tables' pages marked all visible, as a table's
    # are at rest, so that reading the index alone is the cheapest plan whatever ran before.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cases_case, cases_task")
    filters = Filters(agency_id=network.alpha.pk)
    by_stage = caseload._open_cases(filters).values("caseworker_id", "stage").annotate(n=Count("*")).order_by()
    own_tasks = caseload._overdue_parts(filters, TODAY)[0].values("assignee_id").annotate(n=Count("*")).order_by()
    # The agency's task list: its first 25 overdue, in the index's own order (no sort of them all).
    with clock.running_at(NOW):
        first_listed = selectors.overdue_tasks(user=User.objects.get(username="sam"), agency_wide=True)[:25]
    plans = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        for name, query in (("by stage", by_stage), ("own tasks", own_tasks), ("first listed", first_listed)):
            sql, params = query.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plans[name] = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using case_agency_stage_worker" in plans["by stage"], plans["by stage"]
    assert "Index Only Scan using task_open_due" in plans["own tasks"], plans["own tasks"]
    assert "cases_case" not in plans["own tasks"], plans["own tasks"]
    assert "Index Scan using task_open_due" in plans["first listed"], plans["first listed"]
    assert "Sort" not in plans["first listed"], plans["first listed"]
