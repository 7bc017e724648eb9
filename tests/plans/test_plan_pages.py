import datetime

from reintegra.accounts.models import AuditEvent
from reintegra.cases import services as case_services
from reintegra.plans import services
from reintegra.plans.models import Assessment, Plan, PriorityRanking

from ..conftest import client_for
from .test_scoring import EXAMPLE


def test_a_caseworker_builds_a_plan_from_the_returnees_priorities_on_the_page(case, users, network):
    alice = client_for(users["alice"])
    base = f"/cases/{case.code}/plan/"
    alice.post(
        base + "priorities/",
        {
            "context": "intake",
            "rank_1": "income",
            "rank_2": "debt",
            "rank_3": "family",
            "words_1": "งานที่ได้เงินทุกเดือน",
            "overall": "I want to stay home with my children",
        },
    )
    ranking = PriorityRanking.objects.get(case=case)
    assert ranking.ranking == ["income", "debt", "family"] and ranking.words["income"] == "งานที่ได้เงินทุกเดือน"
    alice.post(base + "start/")
    page = alice.get(base).content.decode()
    assert "has no economic goal" in page and "งานที่ได้เงินทุกเดือน" in page
    alice.post(base + "goals/", {"domain": "economic", "description": "Electrician job", "priorities": ["income"]})
    goal = Plan.objects.get(case=case).goals.get()
    alice.post(
        base + f"goals/{goal.pk}/actions/",
        {"kind": "service", "description": "Electrician course", "responsible_agency": network.trainer.pk},
    )
    page = alice.get(base).content.decode()
    assert "has no economic goal" not in page and "Priority 2" in page  # debt still has no goal
    assert "Electrician course" in page and "planned" in page
    assert AuditEvent.objects.filter(action="read", categories=["plan"], actor=users["alice"]).exists()


def test_an_assessment_is_entered_on_its_page_and_appears_in_the_chart(case, users):
    case_services.return_record(
        actor=users["alice"],
        case=case,
        country_from="SA",
        returned_on=datetime.date(2025, 6, 1),
        return_type="deportation",
    )
    baseline = Assessment.objects.get(case=case, point="baseline")
    alice = client_for(users["alice"])
    form = {k: v for k, v in EXAMPLE.items() if k != "debt_to_income"} | {
        "debt": "30000",
        "monthly_income": "6000",
        "done_on": "2025-06-03",
    }
    response = alice.post(f"/cases/{case.code}/plan/assessments/{baseline.pk}/", form)
    assert response.status_code == 302
    baseline.refresh_from_db()
    assert round(baseline.composite, 4) == 0.5463
    page = alice.get(f"/cases/{case.code}/plan/").content.decode()
    assert "<svg" in page and "pygal-chart" in page and ">0.55<" in page  # the value, as text
    assert "<style" not in page and "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    case_page = alice.get(f"/cases/{case.code}/").content.decode()
    assert "<svg" in case_page and "Psychosocial" in case_page  # the chart is on the case page too
    bad = alice.post(f"/cases/{case.code}/plan/assessments/{baseline.pk}/", form | {"belonging": "7"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()


def test_the_printed_plan_is_in_the_returnees_language(case, users):
    plan = services.plan_start(actor=users["alice"], case=case)
    services.plan_update(actor=users["alice"], plan=plan, version=plan.version, language="th")
    services.goal_add(actor=users["alice"], plan=plan, domain="economic", description="งานช่างไฟฟ้า")
    body = client_for(users["alice"]).get(f"/cases/{case.code}/plan/print/").content.decode()
    assert '<html lang="th">' in body and "งานช่างไฟฟ้า" in body and "Somsri" in body


def test_other_agencies_and_roles_do_not_reach_the_plan(case, users):
    services.plan_start(actor=users["alice"], case=case)
    for persona in ("bob", "bella", "pat", "ana", "cora", "charlie"):
        client = client_for(users[persona])
        assert client.get(f"/cases/{case.code}/plan/").status_code == 404
        assert client.get(f"/cases/{case.code}/plan/print/").status_code == 404
        assert (
            client.post(f"/cases/{case.code}/plan/goals/", {"domain": "economic", "description": "x"}).status_code
            == 404
        )
