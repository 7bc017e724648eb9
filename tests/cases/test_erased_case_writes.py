"""Nothing more is written onto an erased case (issue 14; decisions/0029): every service that writes a
record of a case refuses it (`transitions.refuse_if_erased`, and `record_move` for every workflow move),
pages answer 400 with the message as a form error, the API 400 naming it, and nothing is saved.

The records are made while the case is live and the case is then marked erased directly, so that each
write would otherwise be allowed: what refuses it is the erasure, not the closure an erasure makes."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from reintegra.access import case_get_for_user, enrolment_get_for_user
from reintegra.accounts.models import AuditEvent
from reintegra.cases import services as case_services
from reintegra.cases import tasks
from reintegra.cases.models import Case, CaseEvent, Task
from reintegra.lib import clock
from reintegra.livelihoods import enrolments as flow
from reintegra.livelihoods.models import Enrolment, SkillsProfile
from reintegra.livelihoods.skills import profile_save
from reintegra.plans import services as plan_services
from reintegra.plans.models import Assessment, Goal, Plan, PriorityRanking
from reintegra.referrals import services as referral_services
from reintegra.referrals.models import Referral
from tests.conftest import api_client_for, client_for
from tests.form_catalogue import World

ERASED = "identifying data was erased"


@pytest.fixture
def world(users, network):
    """A case with a plan and a goal, an open task, a referral Beta has not answered, the trainer's
    accepted referral and an enrolment the caseworker recommended; then it is erased."""
    w = World(users, network)
    w.goal, w.trainer_referral, w.referral  # noqa: B018  (made now, while the case is live)
    w.task = tasks.task_create(actor=users["alice"], case=w.case, title="Call back", due_on=clock.today())
    access = case_get_for_user(users["alice"], code=w.case.code, for_edit=True)
    w.recommended = flow.enrolment_recommend(actor=users["alice"], access=access, opportunity=w.option)
    Case.objects.filter(pk=w.case.pk).update(erased_at=clock.now())
    w.case.refresh_from_db()
    return w


def snapshot(case: Case) -> dict[str, object]:
    """What a write on the case would change."""
    return {
        "timeline": CaseEvent.objects.filter(case=case).count(),
        "audit": AuditEvent.objects.filter(action__in=["create", "update"]).count(),
        "tasks": list(Task.objects.filter(case=case).values_list("pk", "done_at")),
        "plan": list(Plan.objects.filter(case=case).values_list("pk", "status", "version")),
        "goals": Goal.objects.filter(plan__case=case).count(),
        "priorities": PriorityRanking.objects.filter(case=case).count(),
        "referrals": list(Referral.objects.filter(case=case).values_list("pk", "status").order_by("pk")),
        "enrolments": list(Enrolment.objects.filter(case=case).values_list("pk", "status", "version")),
        "profile": SkillsProfile.objects.filter(case=case).count(),
        "assessments": Assessment.objects.filter(case=case).count(),
        "case": Case.objects.filter(pk=case.pk).values_list("stage", "version").get(),
    }


def fresh_case(w):
    return Case.objects.get(pk=w.case.pk)


WRITES = {
    "task_create": lambda w, u: tasks.task_create(
        actor=u["alice"], case=fresh_case(w), title="x", due_on=clock.today()
    ),
    "task_done": lambda w, u: tasks.task_done(actor=u["alice"], task=Task.objects.get(pk=w.task.pk)),
    "case_set_stage": lambda w, u: case_services.case_set_stage(
        actor=u["alice"], case=fresh_case(w), stage="planning", version=fresh_case(w).version
    ),
    "priorities_record": lambda w, u: plan_services.priorities_record(
        actor=u["alice"], case=fresh_case(w), ranking=["income"]
    ),
    "plan_update": lambda w, u: plan_services.plan_update(
        actor=u["alice"], plan=Plan.objects.get(pk=w.plan.pk), version=None, language="th"
    ),
    "goal_add": lambda w, u: plan_services.goal_add(
        actor=u["alice"], plan=Plan.objects.get(pk=w.plan.pk), domain="social", description="Friends"
    ),
    "plan_move": lambda w, u: plan_services.plan_move(
        actor=u["alice"], plan=Plan.objects.get(pk=w.plan.pk), move="submit"
    ),
    "assessments_schedule": lambda w, u: plan_services.assessments_schedule(
        actor=u["alice"], case=fresh_case(w), returned_on=clock.today() - datetime.timedelta(days=10)
    ),
    "referral_send": lambda w, u: referral_services.referral_send(
        actor=u["alice"],
        access=case_get_for_user(u["alice"], code=w.case.code, for_edit=True),
        to_agency=w.network.beta,
        reasons=["AdditionalServicesRequired"],
        categories=["profile"],
    ),
    "referral_move": lambda w, u: referral_services.referral_move(
        actor=u["bob"], referral=Referral.objects.get(pk=w.referral.pk), move="accept"
    ),
    "referral_record_service": lambda w, u: referral_services.referral_record_service(
        actor=u["pat"], referral=Referral.objects.get(pk=w.trainer_referral.pk), text="Gave a toolkit."
    ),
    "profile_save": lambda w, u: profile_save(
        actor=u["alice"],
        access=case_get_for_user(u["alice"], code=w.case.code, for_edit=True),
        aspirations_words="Sewing",
    ),
    "enrolment_move": lambda w, u: flow.enrolment_move(
        actor=u["alice"],
        access=enrolment_get_for_user(u["alice"], enrolment_id=w.recommended.pk),
        to="offered",
        version=Enrolment.objects.get(pk=w.recommended.pk).version,
    ),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_service_refuses_to_write_on_an_erased_case(world, users, write):
    before = snapshot(world.case)

    with pytest.raises(ValidationError, match=ERASED):
        WRITES[write](world, users)

    assert snapshot(world.case) == before


def test_the_same_writes_go_through_on_a_live_case(world, users):
    """The refusals above are the erasure's: on the live case each of these is accepted."""
    Case.objects.filter(pk=world.case.pk).update(erased_at=None)
    for write in ("task_done", "goal_add", "referral_move", "profile_save", "enrolment_move", "priorities_record"):
        WRITES[write](world, users)


def assert_refused(response, before, case):
    assert response.status_code == 400, response.content[:500]
    assert ERASED in response.content.decode()
    assert snapshot(case) == before


# --- Pages: the message as a form error, 400, nothing saved ------------------------------------------


def test_the_pages_refuse_writing_on_an_erased_case(world, users):
    alice, bob = client_for(users["alice"]), client_for(users["bob"])
    code, before = world.case.code, snapshot(world.case)

    due = clock.today().isoformat()
    assert_refused(alice.post(f"/cases/{code}/tasks/", {"title": "Call back", "due_on": due}), before, world.case)
    assert_refused(
        alice.post(f"/cases/{code}/plan/goals/", {"domain": "social", "description": "x"}), before, world.case
    )
    assert_refused(
        alice.post(f"/livelihoods/case/{code}/profile/", {"aspirations_words": "Sewing"}), before, world.case
    )
    assert_refused(
        alice.post(
            f"/livelihoods/enrolments/{world.recommended.pk}/status/",
            {"version": world.recommended.version, "to": "offered", "on": due},
        ),
        before,
        world.case,
    )
    # A button (nothing typed to keep): the refusal is said on the page it leads back to.
    answer = bob.post(f"/referrals/{world.referral.pk}/accept/", {}, follow=True)
    assert answer.redirect_chain and ERASED in answer.content.decode()
    assert snapshot(world.case) == before


# --- API: 400 naming it, nothing saved ---------------------------------------------------------------


def test_the_api_refuses_writing_on_an_erased_case(world, users):
    alice, bob = api_client_for(users["alice"]), api_client_for(users["bob"])
    code, before = world.case.code, snapshot(world.case)

    assert_refused(alice.post(f"/api/v1/tasks/{world.task.pk}/done/", {}, format="json"), before, world.case)
    assert_refused(
        alice.post(f"/api/v1/plans/{code}/goals/", {"domain": "social", "description": "x"}, format="json"),
        before,
        world.case,
    )
    assert_refused(bob.post(f"/api/v1/referrals/{world.referral.pk}/accept/", {}, format="json"), before, world.case)
    assert_refused(
        alice.post(
            f"/api/v1/enrolments/{world.recommended.pk}/status/",
            {"to": "offered", "version": world.recommended.version},
            format="json",
        ),
        before,
        world.case,
    )


def test_an_erasure_closes_the_open_tasks_of_the_case(case, users):
    from reintegra.cases import erasure

    task = tasks.task_create(actor=users["alice"], case=case, title="Visit", due_on=clock.today())
    erasure.returnee_erase(actor=users["sam"], case=case, reason=erasure.REQUEST)
    assert Task.objects.get(pk=task.pk).done_at is not None
