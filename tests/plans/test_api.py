"""The priorities, plans and assessments API, through the real services.

Alice (caseworker) and Sam (supervisor) own the case at Alpha; Bob and Bella are at Beta, which
sees the plan only through an accepted referral that shares the "plan" category; Ana (analyst),
Cora (coordinator) and Charlie (no role) see no case.
"""

import datetime

import pytest

from reintegra.accounts.models import AuditEvent, Role
from reintegra.cases import services as case_services
from reintegra.plans.models import Assessment, Plan, PriorityRanking
from reintegra.referrals import services as referral_services

from ..cases.conftest import refer, share_with
from ..conftest import api_client_for, make_user
from .test_scoring import EXAMPLE

WORDS = {
    "overall": "ฉันอยากมีงานทำใกล้บ้าน และใช้หนี้ให้หมด",
    "income": "อยากส่งเงินให้ลูกไปโรงเรียน",
    "debt": "I owe the broker 30,000 baht",
}


def plan_url(code: str, action: str = "") -> str:
    return f"/api/v1/plans/{code}/" + (f"{action}/" if action else "")


def record_priorities(client, code: str, ranking: list[str], words: dict[str, str] | None = None):
    body = {"case": code, "ranking": ranking, "words": words or {}, "context": "intake"}
    return client.post("/api/v1/priorities/", body, format="json")


def start_plan(client, code: str) -> dict:
    response = client.post("/api/v1/plans/", {"case": code}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def add_goal(client, code: str, domain: str, priorities: list[str], description: str = "A goal") -> dict:
    body = {"domain": domain, "description": description, "priorities": priorities}
    response = client.post(plan_url(code, "goals"), body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def ready_plan(client, code: str) -> dict:
    """A plan with a goal, made with the returnee, who agreed to it: ready to submit."""
    plan = start_plan(client, code)
    add_goal(client, code, "economic", ["income"], "A paid job near home")
    body = {"version": plan["version"], "returnee_took_part": True, "returnee_agreed_on": "2026-01-10"}
    response = client.patch(plan_url(code), body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def returned(case, users) -> None:
    """The return, which schedules the assessments."""
    case_services.return_record(
        actor=users["alice"],
        case=case,
        country_from="MY",
        returned_on=datetime.date(2025, 8, 31),
        return_type="assisted_voluntary",
    )


def referral_sharing(case, users, network, categories):
    share_with(users["alice"], case, network.beta, categories=categories)
    referral = refer(users["alice"], case, network.beta, categories=categories)
    referral_services.referral_move(move="accept", actor=users["bob"], referral=referral)
    return referral


# --- Priorities --------------------------------------------------------------------------------


def test_a_ranking_and_the_returnees_own_words_survive_a_round_trip(case, users):
    alice = api_client_for(users["alice"])
    response = record_priorities(alice, case.code, ["income", "debt", "children_schooling", "housing"], WORDS)
    assert response.status_code == 201, response.content
    assert record_priorities(alice, case.code, ["debt", "income"]).status_code == 201

    response = alice.get("/api/v1/priorities/", {"case": case.code})
    assert response.status_code == 200
    newest, intake = response.json()
    assert newest["ranking"] == ["debt", "income"] and newest["words"] == {}
    assert intake["ranking"] == ["income", "debt", "children_schooling", "housing"]
    assert intake["top3"] == ["income", "debt", "children_schooling"]
    assert intake["words"] == WORDS
    assert intake["context"] == "intake" and intake["recorded_by"] == "alice"
    assert set(intake) == {"id", "recorded_at", "recorded_by", "context", "ranking", "words", "top3"}


def test_a_bad_ranking_is_a_400_and_nothing_is_saved(case, users):
    alice = api_client_for(users["alice"])
    response = record_priorities(alice, case.code, ["income", "income"])
    assert response.status_code == 400
    assert "ranking" in response.json()["error"]["fields"]
    response = record_priorities(alice, case.code, ["debt"], {"housing": "not ranked"})
    assert response.status_code == 400 and "words" in response.json()["error"]["fields"]
    assert not PriorityRanking.objects.exists()


def test_a_list_without_a_case_is_a_400(case, users):
    alice = api_client_for(users["alice"])
    for url in ("/api/v1/priorities/", "/api/v1/assessments/"):
        response = alice.get(url)
        assert response.status_code == 400
        assert "case" in response.json()["error"]["fields"]


# --- Plans -------------------------------------------------------------------------------------


def test_a_plan_built_through_the_api_is_flagged_for_income_without_an_economic_goal(case, users):
    alice = api_client_for(users["alice"])
    record_priorities(alice, case.code, ["income", "family", "housing"])
    plan = start_plan(alice, case.code)
    assert plan["status"] == "draft" and plan["author"] == "alice" and plan["goals"] == []
    assert plan["language"] == "th"  # the returnee's first language
    add_goal(alice, case.code, "family", ["family", "housing"], "Mediation with her parents")
    flags = alice.get(plan_url(case.code)).json()["flags"]
    assert flags == [{"priority": "income", "rank": 1, "critical": True}]

    goal = add_goal(alice, case.code, "economic", ["income"], "Electrician training, then a job")
    assert goal["domain"] == "economic" and goal["actions"] == []
    data = alice.get(plan_url(case.code)).json()
    assert data["flags"] == []
    assert [g["domain"] for g in data["goals"]] == ["family", "economic"]


def test_actions_link_only_the_cases_own_referrals_and_show_their_progress(case, users, network):
    alice = api_client_for(users["alice"])
    start_plan(alice, case.code)
    goal = add_goal(alice, case.code, "psychosocial", [], "Counselling")
    share_with(users["alice"], case, network.beta, categories=["profile"])
    referral = refer(users["alice"], case, network.beta, categories=["profile"])
    other_case = case_services.case_open(actor=users["alice"], given_name="Nok")
    share_with(users["alice"], other_case, network.beta, categories=["profile"])
    foreign = refer(users["alice"], other_case, network.beta, categories=["profile"])
    url = plan_url(case.code, f"goals/{goal['id']}/actions")
    body = {"kind": "referral", "description": "Counselling at Beta", "responsible_agency": "beta-dswd"}

    response = alice.post(url, body | {"referral": foreign.pk}, format="json")
    assert response.status_code == 400 and "referral" in response.json()["error"]["fields"]
    response = alice.post(url, body | {"referral": referral.pk}, format="json")
    assert response.status_code == 201, response.content
    action = response.json()
    assert action["referral"] == referral.pk and action["progress"] == "waiting"
    assert action["responsible_agency"] == "beta-dswd" and action["task"] is None

    task_action = alice.post(
        url, {"kind": "task", "description": "Call her mother", "responsible_agency": "alpha-welfare"}, format="json"
    ).json()
    assert task_action["progress"] == "planned"
    response = alice.post(plan_url(case.code, f"actions/{task_action['id']}/done"))
    assert response.status_code == 200 and response.json()["progress"] == "done"
    actions = alice.get(plan_url(case.code)).json()["goals"][0]["actions"]
    assert {a["description"]: a["progress"] for a in actions} == {
        "Counselling at Beta": "waiting",
        "Call her mother": "done",
    }
    assert alice.post(plan_url(case.code, "goals/999999/actions"), body, format="json").status_code == 404
    assert alice.post(plan_url(case.code, "actions/999999/done")).status_code == 404


def test_a_stale_edit_of_the_plan_is_a_409_and_changes_nothing(case, users):
    alice = api_client_for(users["alice"])
    plan = start_plan(alice, case.code)
    first = alice.patch(plan_url(case.code), {"version": plan["version"], "language": "en"}, format="json")
    assert first.status_code == 200 and first.json()["language"] == "en"
    stale = alice.patch(plan_url(case.code), {"version": plan["version"], "language": "fil"}, format="json")
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "conflict" and error["current_version"] == first.json()["version"]
    assert Plan.objects.get(case=case).language == "en"


def test_a_plan_is_never_approved_by_its_author_and_another_supervisor_approves(case, users, network):
    sam = api_client_for(users["sam"])
    ready_plan(sam, case.code)  # written by the supervisor himself
    response = sam.post(plan_url(case.code, "submit"))
    assert response.status_code == 200 and response.json()["status"] == "submitted"

    response = sam.post(plan_url(case.code, "approve"))
    assert response.status_code == 400
    assert "never approved by the person who wrote" in response.json()["error"]["message"]
    assert api_client_for(users["alice"]).post(plan_url(case.code, "approve")).status_code == 403
    assert api_client_for(users["bella"]).post(plan_url(case.code, "approve")).status_code == 404
    assert Plan.objects.get(case=case).status == "submitted"

    sue = make_user("sue", network.alpha, Role.SUPERVISOR)
    response = api_client_for(sue).post(plan_url(case.code, "approve"))
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "approved" and data["approved_by"] == "sue" and data["approved_at"]
    assert [(r["revision"], r["event"], r["by"]) for r in data["revisions"]] == [
        (1, "approved", "sue"),
        (1, "submitted", "sam"),
    ]


def test_a_plan_not_started_is_a_404_and_starting_twice_keeps_one_plan(case, users):
    alice = api_client_for(users["alice"])
    response = alice.get(plan_url(case.code))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert alice.post(plan_url(case.code, "goals"), {"domain": "health", "description": "x"}).status_code == 404
    start_plan(alice, case.code)
    start_plan(alice, case.code)
    assert Plan.objects.filter(case=case).count() == 1


def test_reading_the_plan_is_audited(case, users):
    alice = api_client_for(users["alice"])
    start_plan(alice, case.code)
    before = AuditEvent.objects.filter(actor=users["sam"], action="read").count()
    assert api_client_for(users["sam"]).get(plan_url(case.code)).status_code == 200
    reads = AuditEvent.objects.filter(actor=users["sam"], action="read", categories=["plan"])
    assert reads.count() == before + 1
    assert reads.latest("seq").details == {"code": case.code, "via": "api"}


# --- Assessments -------------------------------------------------------------------------------


def test_an_out_of_range_answer_is_a_400_naming_the_indicator_and_nothing_is_saved(case, users):
    returned(case, users)
    alice = api_client_for(users["alice"])
    assessments = alice.get("/api/v1/assessments/", {"case": case.code}).json()
    assert [a["point"] for a in assessments] == ["baseline", "m3", "m6", "m12"]
    baseline = assessments[0]
    url = f"/api/v1/assessments/{baseline['id']}/record/"

    response = alice.post(
        url, {"done_on": "2025-09-02", "answers": EXAMPLE | {"economic_satisfaction": 9}}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert "economic_satisfaction" in error["fields"] and "economic_satisfaction" in error["message"]
    saved = Assessment.objects.get(pk=baseline["id"])
    assert saved.done_on is None and saved.composite is None and saved.answers == {}


def test_a_good_assessment_stores_the_index(case, users):
    returned(case, users)
    alice = api_client_for(users["alice"])
    baseline = alice.get("/api/v1/assessments/", {"case": case.code}).json()[0]
    response = alice.post(
        f"/api/v1/assessments/{baseline['id']}/record/", {"done_on": "2025-09-02", "answers": EXAMPLE}, format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["composite"] == pytest.approx(0.546296, abs=1e-6)
    assert data["social"] == pytest.approx(0.75) and data["answers"] == EXAMPLE
    assert Assessment.objects.get(pk=baseline["id"]).composite == pytest.approx(0.546296, abs=1e-6)


# --- Who sees what -----------------------------------------------------------------------------


def test_another_agency_sees_the_plan_only_through_an_accepted_referral_that_shares_it(case, users, network):
    alice = api_client_for(users["alice"])
    record_priorities(alice, case.code, ["income", "debt"], WORDS)
    start_plan(alice, case.code)
    returned(case, users)
    baseline = Assessment.objects.get(case=case, point="baseline")
    alice.post(
        f"/api/v1/assessments/{baseline.pk}/record/", {"done_on": "2025-09-02", "answers": EXAMPLE}, format="json"
    )
    bob = api_client_for(users["bob"])
    reads = (plan_url(case.code), "/api/v1/priorities/?case=" + case.code, "/api/v1/assessments/?case=" + case.code)

    for url in reads:
        assert bob.get(url).status_code == 404, url
    referral_sharing(case, users, network, ["profile"])  # the plan is not shared
    for url in reads:
        assert bob.get(url).status_code == 404, url

    referral_sharing(case, users, network, ["profile", "plan"])
    for url in reads:
        assert bob.get(url).status_code == 200, url
    assert bob.get(reads[1]).json()[0]["words"] == WORDS
    shown = bob.get(reads[2]).json()[0]
    assert shown["composite"] == pytest.approx(0.546296, abs=1e-6) and "answers" not in shown

    # Seeing is not changing: every write is a 404 for the agency the case was referred to.
    m3 = Assessment.objects.get(case=case, point="m3")
    writes = [
        ("post", "/api/v1/priorities/", {"case": case.code, "ranking": ["debt"]}),
        ("post", "/api/v1/plans/", {"case": case.code}),
        ("patch", plan_url(case.code), {"version": 1, "language": "fil"}),
        ("post", plan_url(case.code, "goals"), {"domain": "health", "description": "Dental care"}),
        ("post", plan_url(case.code, "submit"), {}),
        ("post", plan_url(case.code, "approve"), {}),
        ("post", f"/api/v1/assessments/{m3.pk}/record/", {"done_on": "2025-12-01", "answers": EXAMPLE}),
    ]
    for method, url, body in writes:
        for user in ("bob", "bella"):
            response = getattr(api_client_for(users[user]), method)(url, body, format="json")
            assert response.status_code == 404, (user, url, response.content)
    assert PriorityRanking.objects.filter(case=case).count() == 1
    assert Plan.objects.get(case=case).goals.count() == 0


@pytest.mark.parametrize("who", ["ana", "cora", "charlie", "pat"])
def test_those_who_see_no_case_get_404_everywhere(case, users, who):
    alice = api_client_for(users["alice"])
    record_priorities(alice, case.code, ["income"])
    start_plan(alice, case.code)
    returned(case, users)
    assessment = Assessment.objects.filter(case=case).first()
    client = api_client_for(users[who])
    for url in (plan_url(case.code), f"/api/v1/priorities/?case={case.code}", f"/api/v1/assessments/?case={case.code}"):
        assert client.get(url).status_code == 404, url
    assert (
        client.post("/api/v1/priorities/", {"case": case.code, "ranking": ["debt"]}, format="json").status_code == 404
    )
    assert client.post("/api/v1/plans/", {"case": case.code}, format="json").status_code == 404
    record = f"/api/v1/assessments/{assessment.pk}/record/"
    assert client.post(record, {"done_on": "2025-09-02", "answers": EXAMPLE}, format="json").status_code == 404
    assert not AuditEvent.objects.filter(actor=users[who], action="read").exists()


def test_anonymous_requests_are_a_401(case, users):
    anonymous = api_client_for(None)
    for url in (plan_url(case.code), f"/api/v1/priorities/?case={case.code}", f"/api/v1/assessments/?case={case.code}"):
        assert anonymous.get(url).status_code == 401, url
    assert anonymous.post("/api/v1/plans/", {"case": case.code}, format="json").status_code == 401


def test_the_schema_renders_with_the_plan_paths(users):
    response = api_client_for(users["alice"]).get("/api/v1/schema/")
    assert response.status_code == 200
    schema = response.content.decode()
    for path in (
        "/api/v1/priorities/",
        "/api/v1/plans/",
        "/api/v1/plans/{code}/",
        "/api/v1/plans/{code}/goals/",
        "/api/v1/plans/{code}/goals/{goal_id}/actions/",
        "/api/v1/plans/{code}/actions/{action_id}/done/",
        "/api/v1/plans/{code}/submit/",
        "/api/v1/plans/{code}/approve/",
        "/api/v1/assessments/",
        "/api/v1/assessments/{id}/record/",
    ):
        assert f"{path}:" in schema
