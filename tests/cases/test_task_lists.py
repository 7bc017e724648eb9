"""The task lists show each group's first tasks and how many there are; a group is listed whole, a
page at a time, from its own page (decisions/0044)."""

import datetime

import pytest

from reintegra.cases import selectors, tasks, views
from reintegra.lib import clock

from ..conftest import client_for


@pytest.fixture
def many(case, users):
    """Alice's 30 overdue tasks (Task 00 the most behind) and 3 due later; Sam's one overdue task."""
    today = clock.today()
    for k in range(30):
        tasks.task_create(
            actor=users["alice"],
            case=case,
            title=f"Task {k:02}",
            due_on=today - datetime.timedelta(days=40 - k),
            assignee=users["alice"],
            announce=False,
        )
    for k in range(3):
        tasks.task_create(
            actor=users["alice"],
            case=case,
            title=f"Later {k}",
            due_on=today + datetime.timedelta(days=20 + k),
            assignee=users["alice"],
            announce=False,
        )
    tasks.task_create(
        actor=users["sam"],
        case=case,
        title="Sam's own",
        due_on=today - datetime.timedelta(days=1),
        assignee=users["sam"],
        announce=False,
    )


def _titles(body: str, prefix: str) -> list[str]:
    import re

    return re.findall(rf"({prefix} \d+)", body)


def test_each_group_shows_its_first_tasks_and_how_many_there_are(many, users):
    body = client_for(users["alice"]).get("/cases/tasks/").content.decode()
    assert _titles(body, "Task") == [f"Task {k:02}" for k in range(25)]  # the most behind first
    assert "Shown: the 25 due first, of 30." in body and "?due=overdue" in body
    assert '<span class="badge">30</span>' in body
    assert _titles(body, "Later") == ["Later 0", "Later 1", "Later 2"] and "?due=later" not in body
    assert "Sam&#x27;s own" not in body
    agency = client_for(users["alice"]).get("/cases/tasks/?agency=1").content.decode()
    assert '<span class="badge">31</span>' in agency and "?due=overdue&amp;agency=1" in agency


def test_a_group_counted_no_further_than_its_limit_says_more(many, users, monkeypatch):
    monkeypatch.setattr(selectors, "TASKS_COUNTED", 27)
    body = client_for(users["alice"]).get("/cases/tasks/").content.decode()
    assert "Shown: the 25 due first, of more than 27." in body and '<span class="badge">27+</span>' in body


def test_a_group_is_listed_whole_a_page_at_a_time_up_to_the_lists_end(many, users, monkeypatch):
    alice = client_for(users["alice"])
    body = alice.get("/cases/tasks/?due=overdue").content.decode()
    assert _titles(body, "Task") == [f"Task {k:02}" for k in range(30)] and "Later" not in body
    assert 'id="list-cut"' not in body and "See them all" not in body
    monkeypatch.setattr(views, "LIST_PAGE", 10)
    monkeypatch.setattr(views, "LIST_AT_MOST", 20)
    first = alice.get("/cases/tasks/?due=overdue").content.decode()
    assert _titles(first, "Task") == [f"Task {k:02}" for k in range(10)]
    assert 'id="list-cut"' in first and "Page 1 of 2" in first and '<span class="badge">20+</span>' in first
    second = alice.get("/cases/tasks/?due=overdue&page=5").content.decode()  # past the end: the last page
    assert _titles(second, "Task") == [f"Task {k:02}" for k in range(10, 20)]
    agency = alice.get("/cases/tasks/?due=overdue&agency=1&page=2").content.decode()
    assert "Sam&#x27;s own" not in alice.get("/cases/tasks/?due=overdue&page=2").content.decode()
    assert _titles(agency, "Task") == [f"Task {k:02}" for k in range(10, 20)]  # Sam's falls due last


def test_an_unknown_group_is_refused_by_name(users):
    response = client_for(users["alice"]).get("/cases/tasks/?due=someday")
    assert response.status_code == 400 and "Unknown group of tasks." in response.content.decode()


def test_the_home_page_shows_the_first_overdue_tasks_and_links_to_the_rest(many, users):
    body = client_for(users["alice"]).get("/").content.decode()
    assert _titles(body, "Task") == [f"Task {k:02}" for k in range(25)]
    assert "Shown: the 25 due first, of 30." in body and "/cases/tasks/?due=overdue" in body
    assert "Later" not in body  # the home page shows the week ahead


def test_the_case_lists_overdue_notice_counts_no_further_than_a_group(many, users, monkeypatch):
    alice = client_for(users["alice"])
    assert "30 overdue tasks" in alice.get("/cases/").content.decode()
    monkeypatch.setattr(selectors, "TASKS_COUNTED", 27)
    body = alice.get("/cases/").content.decode()
    assert "More than 27 overdue tasks" in body and "30 overdue" not in body
