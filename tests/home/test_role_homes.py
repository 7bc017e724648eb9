"""Each role lands on its own work: the caseworker on today, the supervisor on queues, the provider's
staff on an inbox, the analyst and the coordinator on the programme's and the network's pages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reintegra.cases import services as case_services
from reintegra.cases import tasks
from reintegra.cases.models import Task
from reintegra.plans import services as plan_services
from reintegra.referrals import services as referral_services

from ..cases.conftest import IDENTITY, refer, share_with
from ..conftest import client_for

DAY = datetime.timedelta(days=1)


@pytest.fixture
def case(users):
    return case_services.case_open(actor=users["alice"], **IDENTITY)


def home(user):
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def task(users, case, title, days):
    return tasks.task_create(
        actor=users["alice"], case=case, title=title, due_on=timezone.localdate() + days * DAY, assignee=users["alice"]
    )


def test_the_caseworker_lands_on_today_with_tasks_by_when_they_fall_due(users, case):
    task(users, case, "Call the shelter", -2)
    task(users, case, "Visit the family", 0)
    task(users, case, "Book the clinic", 3)
    task(users, case, "Next month's review", 30)
    page = home(users["alice"])
    overdue, today, week = page.index("Call the shelter"), page.index("Visit the family"), page.index("Book the clinic")
    assert page.index('id="today"') < overdue < today < week
    assert "Next month&#x27;s review" not in page and "Next month's review" not in page


def test_a_task_is_done_in_one_click_from_the_home_page_and_another_agency_cannot(users, case):
    open_task = task(users, case, "Call the shelter", 0)
    response = client_for(users["bob"]).post(reverse("home_task_done", args=[open_task.pk]), follow=True)
    assert Task.objects.get(pk=open_task.pk).done_at is None
    assert "No such task." in response.content.decode()
    response = client_for(users["alice"]).post(reverse("home_task_done", args=[open_task.pk]), follow=True)
    assert response.redirect_chain == [(reverse("home"), 302)]
    assert Task.objects.get(pk=open_task.pk).done_at is not None
    assert "Task done." in response.content.decode()
    assert "Call the shelter" not in response.content.decode()


def test_the_caseworker_sees_referrals_answered_and_still_waiting(users, case, network):
    share_with(users["alice"], case, network.beta)
    answered = refer(users["alice"], case, network.beta)
    referral_services.referral_move(actor=users["bob"], referral=answered, move="accept")
    waiting = refer(users["alice"], case, network.beta, reason_text="Second service.")
    page = home(users["alice"])
    assert reverse("referrals:detail", args=[answered.pk]) in page
    assert reverse("referrals:detail", args=[waiting.pk]) in page


def test_the_supervisor_lands_on_queues_of_plans_closures_and_overrides_not_their_own(users, case, network):
    plan = plan_services.plan_start(actor=users["alice"], case=case)
    plan = plan_services.plan_update(
        actor=users["alice"],
        plan=plan,
        version=plan.version,
        returnee_took_part=True,
        returnee_agreed_on=timezone.localdate(),
    )
    plan_services.goal_add(actor=users["alice"], plan=plan, domain="economic", description="A steady income.")
    plan_services.plan_move(actor=users["alice"], plan=plan, move="submit")
    case_services.closure_move(actor=users["alice"], case=case, move="request", reason="Settled in Lamphun.")
    refer(users["sam"], case, network.beta, override_reason="A child at risk tonight.")
    page = home(users["sam"])
    queues = page[page.index('id="queues"') :]
    assert reverse("plans:plan", args=[case.code]) in queues
    assert reverse("cases:detail", args=[case.code]) in queues
    assert network.beta.name in queues
    assert 'id="queues"' not in home(users["alice"])  # a caseworker has no queues


def test_a_long_queue_shows_its_oldest_and_says_how_many_wait(users, network, monkeypatch):
    """At national scale a queue holds thousands: the page shows the first QUEUE_SHOWN, the oldest
    first, and the number waiting in all."""
    from reintegra.home import selectors

    monkeypatch.setattr(selectors, "QUEUE_SHOWN", 2)
    cases = [case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": f"C{k}"})) for k in range(3)]
    for case in cases:
        case_services.closure_move(actor=users["alice"], case=case, move="request", reason="Settled in Lamphun.")
    queues = selectors.queues_for(user=users["sam"], agency=users["sam"].agency_id)
    assert queues.closures == cases[:2] and queues.counts["closures"] == 3
    page = home(users["sam"])
    assert "Shown: 2 of 3." in page and cases[2].code not in page
    case_services.closure_move(actor=users["sam"], case=cases[0], move="approve")
    assert "Shown:" not in home(users["sam"])  # two left: both shown, nothing to say


def test_the_plans_queue_is_read_by_its_index_oldest_first_on_postgresql(users):
    """The plans waiting for an agency are read from the plan's own agency by `plan_submitted`, in the
    queue's order (plans 0010-0011; at a million, 3 ms instead of the 0.5 s of joining every case),
    and counted from it alone (plans 0012; 63,331 plans: 80 ms → 20 ms)."""
    from django.db import connection
    from django.db.models import Count

    from reintegra.home import selectors

    if connection.vendor != "postgresql":
        pytest.skip("the index is PostgreSQL's choice to make; SQLite reads a small agency's plans whole")
    sam = users["sam"]
    captured = {}
    real_first = selectors._first

    def first(queryset):
        captured.setdefault("plans", queryset)
        return real_first(queryset)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(selectors, "_first", first)
        selectors.queues_for(user=sam, agency=sam.agency_id)
    plans = captured["plans"]
    # The queue's first plans, and its count: the people it leaves out are in the index (plans 0012).
    counted = plans.order_by().values("agency").annotate(n=Count("*"))
    explained = {}
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        for name, query in (("first", plans[: selectors.QUEUE_SHOWN]), ("count", counted)):
            sql, params = query.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            explained[name] = "\n".join(row[0] for row in cursor.fetchall())
    plan = explained["first"]
    assert "Index Scan using plan_submitted" in plan and "Sort" not in plan, plan
    assert "Index Only Scan using plan_submitted" in explained["count"], explained["count"]


def test_the_provider_lands_on_an_inbox_of_referrals_to_answer(users, case, network):
    share_with(users["alice"], case, network.trainer)
    referral = refer(users["alice"], case, network.trainer)
    page = home(users["pat"])
    assert 'id="inbox"' in page and reverse("referrals:detail", args=[referral.pk]) in page
    assert 'id="today"' not in page and 'id="queues"' not in page


@pytest.mark.parametrize("persona", ["ana", "cora"])
def test_the_analyst_and_the_coordinator_land_on_the_programme_and_the_network(users, persona):
    page = home(users[persona])
    assert reverse("livelihoods:audit") in page and reverse("network:coverage") in page
    assert 'id="today"' not in page and 'id="inbox"' not in page and 'id="queues"' not in page


def test_someone_without_an_agency_is_told_what_to_do(users):
    page = home(users["charlie"])
    assert "not attached to an agency" in page
    assert "Empty cells are gaps in the network." not in page  # no cards of a member's home


def test_a_task_done_from_the_task_list_comes_back_to_it_and_an_outside_address_is_not_followed(users, case):
    open_task = task(users, case, "Call the shelter", -1)
    tasks_page = reverse("cases:tasks")
    page = client_for(users["alice"]).get(tasks_page).content.decode()
    assert reverse("home_task_done", args=[open_task.pk]) in page
    response = client_for(users["alice"]).post(
        reverse("home_task_done", args=[open_task.pk]), {"next": tasks_page}, follow=True
    )
    assert response.redirect_chain == [(tasks_page, 302)] and "Task done." in response.content.decode()
    other = task(users, case, "Visit the family", -1)
    response = client_for(users["alice"]).post(
        reverse("home_task_done", args=[other.pk]), {"next": "https://example.org/"}
    )
    assert response["Location"] == reverse("home")


def test_the_task_list_shows_overdue_today_this_week_and_later_and_the_agency_view_adds_colleagues_tasks(users, case):
    overdue = task(users, case, "Call the shelter", -3)
    today = task(users, case, "Check the training list", 0)
    week = task(users, case, "Visit the family", 5)
    later = task(users, case, "Plan the review", 30)
    response = client_for(users["alice"]).get(reverse("cases:tasks"))
    by_day = response.context["tasks"]
    assert (by_day.overdue, by_day.due_today, by_day.this_week, by_day.later) == ([overdue], [today], [week], [later])
    page = response.content.decode()
    assert page.index('id="tasks-overdue"') < page.index('id="tasks-today"') < page.index('id="tasks-week"')
    assert page.index('id="tasks-week"') < page.index('id="tasks-later"')
    colleague = tasks.task_create(
        actor=users["alice"], case=case, title="Colleague's call", due_on=timezone.localdate(), assignee=users["sam"]
    )
    assert colleague not in client_for(users["alice"]).get(reverse("cases:tasks")).context["tasks"].due_today
    agency_wide = client_for(users["alice"]).get(reverse("cases:tasks") + "?agency=1").context["tasks"]
    assert colleague in agency_wide.due_today
