"""The plan's actions posted from its page: details, submission, approval and actions done. Each
redirects back to the plan and says what happened; a refusal says why and changes nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reintegra.accounts.models import Role
from reintegra.cases import services as case_services
from reintegra.plans import services
from reintegra.plans.models import Action, Plan, PlanRevision

from ..cases.conftest import refer, share_with
from ..conftest import client_for, make_user
from ..html import parse, summary, values


def flashes(response) -> list[tuple[str, str]]:
    """The messages shown on the page the redirect led to, as (level, text)."""
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def refusal(response) -> str:
    """The one error shown after a move the plan's status does not allow (its wording is the workflow's)."""
    [(level, text)] = flashes(response)
    assert level == "error"
    return text


def plan_url(case, name: str = "plan", **kwargs) -> str:
    return reverse(f"plans:{name}", kwargs={"code": case.code, **kwargs})


def fresh(plan: Plan) -> Plan:
    return Plan.objects.get(pk=plan.pk)


def ready_plan(actor, case) -> Plan:
    """A draft with a goal, made with the returnee and agreed to: ready to submit."""
    plan = services.plan_start(actor=actor, case=case)
    services.goal_add(actor=actor, plan=plan, domain="economic", description="Electrician job")
    plan = fresh(plan)
    return services.plan_update(
        actor=actor, plan=plan, version=plan.version, returnee_took_part=True, returnee_agreed_on=timezone.localdate()
    )


def submit(user, case, plan: Plan) -> Plan:
    """Through the plan's page (state changes are moving to a workflow engine; the URL stays)."""
    assert client_for(user).post(plan_url(case, "submit")).status_code == 302
    plan = fresh(plan)
    assert plan.status == "submitted"
    return plan


@pytest.fixture
def beta_sees_the_plan(case, users, network):
    """Beta works on the case under a referral that shares the plan: it reads the plan, no more."""
    share_with(users["alice"], case, network.beta, categories=["profile", "plan"])
    referral = refer(users["alice"], case, network.beta, categories=["profile", "plan"])
    accept = reverse("referrals:action", kwargs={"referral_id": referral.pk, "action": "accept"})
    assert client_for(users["bob"]).post(accept).status_code == 302


@pytest.fixture
def submitted_plan(case, users):
    return submit(users["alice"], case, ready_plan(users["alice"], case))


# --- details ---------------------------------------------------------------------------------------


def test_a_caseworker_saves_the_plans_details(case, users):
    plan = services.plan_start(actor=users["alice"], case=case)
    agreed = timezone.localdate() - datetime.timedelta(days=2)
    form = {"version": plan.version, "returnee_took_part": "on", "returnee_agreed_on": agreed, "language": "th"}
    response = client_for(users["alice"]).post(plan_url(case, "meta"), form, follow=True)
    assert response.redirect_chain == [(plan_url(case), 302)]
    saved = fresh(plan)
    assert (saved.returnee_took_part, saved.returnee_agreed_on, saved.language) == (True, agreed, "th")
    assert saved.version == plan.version + 1
    assert flashes(response) == [("success", "Plan saved.")]


def test_a_stale_or_future_dated_save_of_the_details_is_refused_and_nothing_changes(case, users):
    plan = services.plan_start(actor=users["alice"], case=case)
    alice = client_for(users["alice"])
    stale = {"version": plan.version - 1, "returnee_took_part": "on", "language": "fil"}
    response = alice.post(plan_url(case, "meta"), stale)
    # The page comes back with the form as typed, open, and says why.
    assert response.status_code == 400
    [text] = summary(response.content)
    assert text.startswith("Someone else saved this record")
    assert values(parse(response.content).by_id("meta-form"))["language"] == ["fil"]
    future = timezone.localdate() + datetime.timedelta(days=3)
    response = alice.post(
        plan_url(case, "meta"), {"version": plan.version, "returnee_agreed_on": future, "language": "fil"}
    )
    # The form checks the model's rule before the service does, and names the field.
    assert summary(response.content) == ["The returnee agreed to it on: This date is in the future."]
    saved = fresh(plan)
    assert (saved.returnee_took_part, saved.returnee_agreed_on, saved.version) == (False, None, plan.version)
    assert saved.language == "th"  # the returnee's language, as started


def test_the_details_of_a_plan_not_yet_started_cannot_be_saved(case, users):
    form = {"version": 1, "returnee_took_part": "on", "language": "th"}
    response = client_for(users["alice"]).post(plan_url(case, "meta"), form)
    assert response.status_code == 400 and summary(response.content) == ["Start the plan first."]
    assert not Plan.objects.filter(case=case).exists()


def test_another_agency_cannot_save_the_plans_details(case, users, beta_sees_the_plan):
    plan = services.plan_start(actor=users["alice"], case=case)
    form = {"version": plan.version, "returnee_took_part": "on", "language": "th"}
    for persona in ("bob", "bella"):
        assert client_for(users[persona]).post(plan_url(case, "meta"), form).status_code == 404
    assert fresh(plan).version == plan.version and not fresh(plan).returnee_took_part


# --- submission ------------------------------------------------------------------------------------


def test_a_caseworker_submits_a_ready_plan_and_a_revision_is_kept(case, users):
    plan = ready_plan(users["alice"], case)
    response = client_for(users["alice"]).post(plan_url(case, "submit"), follow=True)
    assert response.redirect_chain == [(plan_url(case), 302)]
    saved = fresh(plan)
    assert saved.status == "submitted" and saved.submitted_by == users["alice"]
    revision = PlanRevision.objects.get(plan=plan)
    assert revision.event == "submitted" and revision.snapshot["goals"][0]["description"] == "Electrician job"
    assert flashes(response) == [("success", "Plan submitted for approval.")]


def test_a_plan_without_goal_or_the_returnees_agreement_is_not_submitted_and_each_gap_is_named(case, users):
    plan = services.plan_start(actor=users["alice"], case=case)
    response = client_for(users["alice"]).post(plan_url(case, "submit"), follow=True)
    assert response.redirect_chain == [(plan_url(case), 302)]
    assert sorted(flashes(response)) == [
        ("error", "A plan needs at least one goal."),
        ("error", "Record that the returnee took part in making the plan."),
        ("error", "Record when the returnee agreed to the plan."),
    ]
    assert fresh(plan).status == "draft" and not PlanRevision.objects.exists()


def test_a_submitted_plan_is_not_submitted_again(submitted_plan, case, users):
    response = client_for(users["alice"]).post(plan_url(case, "submit"), follow=True)
    assert refusal(response)
    assert PlanRevision.objects.filter(plan=submitted_plan).count() == 1
    saved = fresh(submitted_plan)
    assert saved.status == "submitted" and saved.version == submitted_plan.version


def test_another_agency_cannot_submit_the_plan(case, users):
    plan = ready_plan(users["alice"], case)
    assert client_for(users["bob"]).post(plan_url(case, "submit")).status_code == 404
    assert fresh(plan).status == "draft"


# --- approval --------------------------------------------------------------------------------------


def test_a_supervisor_approves_a_plan_someone_else_wrote_and_submitted(submitted_plan, case, users):
    response = client_for(users["sam"]).post(plan_url(case, "approve"), follow=True)
    assert response.redirect_chain == [(plan_url(case), 302)]
    saved = fresh(submitted_plan)
    assert saved.status == "approved" and saved.approved_by == users["sam"] and saved.approved_at is not None
    assert PlanRevision.objects.filter(plan=submitted_plan, event="approved", by=users["sam"]).exists()
    assert flashes(response) == [("success", "Plan approved.")]


def test_the_author_of_a_plan_cannot_approve_it_even_as_a_supervisor(case, users):
    plan = ready_plan(users["sam"], case)  # sam wrote it; alice submits it
    submit(users["alice"], case, plan)
    response = client_for(users["sam"]).post(plan_url(case, "approve"), follow=True)
    assert response.redirect_chain == [(plan_url(case), 302)]
    assert flashes(response) == [("error", "A plan is never approved by the person who wrote or submitted it.")]
    saved = fresh(plan)
    assert saved.status == "submitted" and saved.approved_by is None


def test_a_caseworker_cannot_approve_a_plan_even_one_she_did_not_write(submitted_plan, case, users, network):
    amy = make_user("amy", network.alpha, Role.CASEWORKER)
    assert client_for(amy).post(plan_url(case, "approve")).status_code == 403
    assert client_for(users["alice"]).post(plan_url(case, "approve")).status_code == 403
    saved = fresh(submitted_plan)
    assert saved.status == "submitted" and saved.approved_by is None


def test_a_draft_is_not_approved(case, users):
    plan = ready_plan(users["alice"], case)
    response = client_for(users["sam"]).post(plan_url(case, "approve"), follow=True)
    assert refusal(response)
    assert fresh(plan).status == "draft"


def test_a_supervisor_of_another_agency_cannot_approve_the_plan_even_one_she_may_read(
    submitted_plan, case, users, beta_sees_the_plan
):
    bella = client_for(users["bella"])
    assert bella.get(plan_url(case)).status_code == 200
    assert bella.post(plan_url(case, "approve")).status_code == 404
    assert fresh(submitted_plan).status == "submitted"


# --- actions done ----------------------------------------------------------------------------------


def planned_action(actor, case, agency, description="Electrician course") -> Action:
    plan = services.plan_start(actor=actor, case=case)
    goal = services.goal_add(actor=actor, plan=plan, domain="economic", description="Electrician job")
    return services.action_add(
        actor=actor, goal=goal, kind="service", description=description, responsible_agency=agency
    )


def test_a_caseworker_marks_a_plan_action_done(case, users, network):
    action = planned_action(users["alice"], case, network.trainer)
    url = plan_url(case, "action_done", action_id=action.pk)
    response = client_for(users["alice"]).post(url, follow=True)
    assert response.redirect_chain == [(plan_url(case), 302)]
    assert Action.objects.get(pk=action.pk).done_at is not None
    assert flashes(response) == [("success", "Action done.")]


def test_an_action_of_another_cases_plan_cannot_be_marked_done_from_this_plan(case, users, network):
    other = case_services.case_open(actor=users["alice"], given_name="Malee")
    action = planned_action(users["alice"], other, network.trainer)
    services.plan_start(actor=users["alice"], case=case)
    response = client_for(users["alice"]).post(plan_url(case, "action_done", action_id=action.pk), follow=True)
    assert response.redirect_chain == [(plan_url(case), 302)]
    assert flashes(response) == [("error", "No such action.")]
    assert Action.objects.get(pk=action.pk).done_at is None


def test_another_agency_cannot_mark_a_plan_action_done(case, users, network, beta_sees_the_plan):
    action = planned_action(users["alice"], case, network.trainer)
    for persona in ("bob", "pat"):
        url = plan_url(case, "action_done", action_id=action.pk)
        assert client_for(users[persona]).post(url).status_code == 404
    assert Action.objects.get(pk=action.pk).done_at is None
