"""Every page the web benchmark loads (issue 15, `make bench-web`) answers in a fixed number of
queries, whatever the number of cases and of rows on the case shown: each is loaded with a small
world, then again after the world has grown (more cases, each with a referral, a plan, a skills
profile, tasks and notes; and more of those on the case shown), and must take as many queries.

The dashboards' figures are counted in tests/insights/test_bounded_queries.py; here each dashboard's
page is loaded whole, as the benchmark loads it.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reintegra.access import case_get_for_user
from reintegra.cases import services as case_services
from reintegra.cases import tasks
from reintegra.insights.dashboards import DASHBOARDS
from reintegra.livelihoods import services as livelihood_services
from reintegra.livelihoods import skills
from reintegra.plans import services as plan_services

from .cases.conftest import IDENTITY, refer, share_with
from .conftest import client_for
from .livelihoods.conftest import WELDING
from .livelihoods.test_labour_market import GOOD

RETURNED = datetime.date(2026, 3, 10)


def grow(users, network, catalogue, n: int, case=None) -> list:
    """n more cases of Alpha's, each as a caseworker's day leaves it; and n more rows on `case`."""
    alice = users["alice"]
    made = []
    for k in range(n):
        made.append(
            case_services.case_open(
                actor=alice, **(IDENTITY | {"given_name": f"Grown{k}", "phones": [], "gender": "Masculine"})
            )
        )
    for each in made:
        fill(users, network, catalogue, each)
    for _ in range(n if case is not None else 0):
        more_rows(users, network, case)
    return made


def more_rows(users, network, case) -> None:
    """A note, a task, a line of history and a plan's goal with an action, on the case."""
    alice = users["alice"]
    case_services.note_add(actor=alice, case=case, text="Called the family.")
    tasks.task_create(actor=alice, case=case, title="Visit the family", due_on=datetime.date(2026, 12, 1))
    case_services.history_add(
        actor=alice, case=case, type="Exploitation", country="MY", exploitation_types=["ForcedLabour"]
    )
    plan = plan_services.plan_start(actor=alice, case=case)
    goal = plan_services.goal_add(actor=alice, plan=plan, domain="economic", description="A job near home")
    plan_services.action_add(
        actor=alice, goal=goal, kind="service", description="A welding course", responsible_agency=network.trainer
    )


def fill(users, network, catalogue, case) -> None:
    """What a caseworker's first weeks leave on a case: rows, a referral and a skills profile."""
    alice = users["alice"]
    more_rows(users, network, case)
    share_with(alice, case, network.beta, categories=["profile"])
    refer(alice, case, network.beta, categories=["profile"])
    access = case_get_for_user(alice, code=case.code, for_edit=True)
    skills.profile_save(
        actor=alice,
        access=access,
        experience=[{"isco": "74", "years": 3, "abroad": True}],
        aspirations=[{"isco": "74", "mode": "wage_job"}],
        needs_income_now=True,
        income_needed_monthly=Decimal(8000),
        currency="THB",
    )


def count(client, url: str, data: dict | None = None) -> int:
    """The queries of the second request (the first warms what is kept per process)."""
    ask = (lambda: client.post(url, data)) if data is not None else (lambda: client.get(url))
    ask()
    with CaptureQueriesContext(connection) as captured:
        response = ask()
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


@pytest.fixture
def catalogue(users, network):
    """The labour market and an option of the training provider's (the allocation preview's options)."""
    livelihood_services.labour_market_import(actor=users["cora"], text=GOOD.replace("TH-57,72,", "TH-57,74,", 1))
    return livelihood_services.opportunity_save(actor=users["cora"], provider=network.trainer, **WELDING)


@pytest.fixture
def world(users, network, catalogue):
    case = case_services.case_open(actor=users["alice"], **IDENTITY)
    fill(users, network, catalogue, case)
    grow(users, network, catalogue, 2)
    return case


def test_the_caseworkers_pages_take_as_many_queries_for_more_cases_and_rows(users, network, catalogue, world):
    code = world.code
    alice, bella = client_for(users["alice"]), client_for(users["bella"])
    pages = [
        (alice, "/cases/?stage=identification"),
        (alice, f"/cases/?q={code}"),
        (alice, f"/cases/{code}/"),
        (alice, "/"),
        (alice, "/referrals/?direction=outgoing"),
        (bella, "/referrals/"),
        (alice, f"/cases/{code}/plan/"),
        (alice, f"/livelihoods/case/{code}/"),
    ]
    few = [count(client, url) for client, url in pages]
    grow(users, network, catalogue, 5, case=world)
    assert [count(client, url) for client, url in pages] == few


def test_the_allocation_preview_takes_as_many_queries_for_more_people_and_options(users, network, catalogue, world):
    sam = client_for(users["sam"])

    def preview() -> int:
        from reintegra.livelihoods import allocation

        selection = allocation.candidates(user=users["sam"])
        people, options = selection.people, selection.options
        chosen = [c.case.pk for c in people if c.selectable]
        assert chosen and options
        return count(
            sam,
            "/livelihoods/allocation/",
            {"people": chosen, "options": [o.pk for o in options], "min_assigned": 1},
        )

    few = preview()
    grow(users, network, catalogue, 5)
    assert preview() == few


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_each_dashboard_page_takes_as_many_queries_for_more_cases(users, network, catalogue, world, name):
    reader = client_for(users["sam" if DASHBOARDS[name].supervisors_only else "ana"])
    few = count(reader, f"/insights/{name}/")
    for case in grow(users, network, catalogue, 4):
        case_services.return_record(
            actor=users["alice"], case=case, country_from="MY", returned_on=RETURNED, return_type="deportation"
        )
    assert count(reader, f"/insights/{name}/") == few
