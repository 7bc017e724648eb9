import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from reintegra.accounts.models import AuditEvent
from reintegra.cases import services as case_services
from reintegra.plans import services
from reintegra.plans.checks import plan_flags
from reintegra.plans.models import Assessment, PriorityRanking
from reintegra.plans.selectors import plan_access, plan_view
from reintegra.referrals import services as referral_services

from ..cases.conftest import refer, share_with
from .test_scoring import EXAMPLE

WORDS = {"overall": "ฉันอยากมีงานทำใกล้บ้าน และใช้หนี้ให้หมด", "income": "I need to send money for my son's school"}


def test_a_ranking_and_the_returnees_own_words_survive_a_round_trip_and_history_is_kept(case, users):
    services.priorities_record(
        actor=users["alice"], case=case, ranking=["income", "debt", "children_schooling"], words=WORDS, context="intake"
    )
    services.priorities_record(actor=users["alice"], case=case, ranking=["debt", "income"], words={}, context="review")
    rankings = list(PriorityRanking.objects.filter(case=case))
    assert [r.ranking for r in rankings] == [["debt", "income"], ["income", "debt", "children_schooling"]]
    intake = PriorityRanking.objects.get(case=case, context="intake")
    assert intake.words == WORDS and intake.top3 == ["income", "debt", "children_schooling"]


def test_a_ranking_is_checked(case, users):
    for ranking, words in (
        (["income", "income"], {}),
        (["flying"], {}),
        ([], {}),
        (["debt"], {"housing": "x"}),
        (["debt"], {"overall": "<script>x</script>"}),
    ):
        with pytest.raises(ValidationError):
            services.priorities_record(actor=users["alice"], case=case, ranking=ranking, words=words)
    assert not PriorityRanking.objects.exists()


def test_the_check_flags_a_top3_priority_without_a_goal_and_income_without_an_economic_goal(case, users):
    ranking = services.priorities_record(
        actor=users["alice"], case=case, ranking=["income", "family", "housing", "safety"]
    )
    plan = services.plan_start(actor=users["alice"], case=case)
    assert [(f.priority, f.critical) for f in plan_flags(plan=plan, ranking=ranking)] == [
        ("income", True),
        ("family", False),
        ("housing", False),
    ]
    services.goal_add(
        actor=users["alice"],
        plan=plan,
        domain="family",
        description="Mediation with her parents",
        priorities=["family"],
    )
    # Income "served" by a non-economic goal is still critical: work and income need an economic goal.
    services.goal_add(
        actor=users["alice"],
        plan=plan,
        domain="social",
        description="Join the savings group",
        priorities=["income", "housing"],
    )
    flags = plan_flags(plan=plan, ranking=ranking)
    assert [(f.priority, f.critical) for f in flags] == [("income", True)]
    services.goal_add(
        actor=users["alice"],
        plan=plan,
        domain="economic",
        description="Electrician training, then a job",
        priorities=["income"],
    )
    assert plan_flags(plan=plan, ranking=ranking) == []


def _ready_plan(case, author):
    plan = services.plan_start(actor=author, case=case)
    services.goal_add(actor=author, plan=plan, domain="economic", description="A paid job", priorities=["income"])
    return services.plan_update(
        actor=author,
        plan=plan,
        version=plan.version,
        returnee_took_part=True,
        returnee_agreed_on=datetime.date(2026, 1, 10),
    )


def test_a_plan_is_approved_by_a_supervisor_never_by_its_author_and_revisions_keep_history(case, users):
    plan = _ready_plan(case, users["sam"])  # written by the supervisor himself
    services.plan_move(move="submit", actor=users["sam"], plan=plan)
    with pytest.raises(ValidationError, match="never approved by the person who wrote"):
        services.plan_move(move="approve", actor=users["sam"], plan=plan)
    with pytest.raises(PermissionDenied):  # a caseworker cannot approve at all
        services.plan_move(move="approve", actor=users["alice"], plan=plan)
    with pytest.raises(PermissionDenied):  # nor a supervisor of another agency
        services.plan_move(move="approve", actor=users["bella"], plan=plan)
    plan.refresh_from_db()
    assert plan.status == "submitted" and plan.approved_by is None
    assert plan.revisions.count() == 1


def test_a_submitted_plan_needs_participation_and_agreement_and_a_change_opens_a_new_revision(case, users):
    plan = services.plan_start(actor=users["alice"], case=case)
    with pytest.raises(ValidationError) as error:
        services.plan_move(move="submit", actor=users["alice"], plan=plan)
    assert {"returnee_took_part", "returnee_agreed_on", "goals"} <= set(error.value.message_dict)
    plan = _ready_plan(case, users["alice"])
    services.plan_move(move="submit", actor=users["alice"], plan=plan)
    services.plan_move(move="approve", actor=users["sam"], plan=plan)
    plan.refresh_from_db()
    assert plan.status == "approved" and plan.revision == 1
    services.goal_add(actor=users["alice"], plan=plan, domain="health", description="Dental care")
    plan.refresh_from_db()
    assert plan.status == "draft" and plan.revision == 2
    events = list(plan.revisions.values_list("revision", "event"))
    assert events == [(1, "approved"), (1, "submitted")]


def test_assessments_are_scheduled_from_the_return_with_follow_up_tasks(case, users):
    case_services.return_record(
        actor=users["alice"],
        case=case,
        country_from="MY",
        returned_on=datetime.date(2025, 8, 31),
        return_type="assisted_voluntary",
    )
    due = dict(Assessment.objects.filter(case=case).values_list("point", "due_on"))
    assert due == {
        "baseline": datetime.date(2025, 8, 31),
        "m3": datetime.date(2025, 11, 30),
        "m6": datetime.date(2026, 2, 28),
        "m12": datetime.date(2026, 8, 31),
    }
    follow_ups = case.tasks.filter(is_follow_up=True)
    assert sorted(follow_ups.values_list("due_on", flat=True)) == sorted(due.values())
    # Correcting the return date moves the open assessments.
    case_services.return_record(
        actor=users["alice"],
        case=case,
        country_from="MY",
        returned_on=datetime.date(2025, 9, 1),
        return_type="assisted_voluntary",
    )
    assert Assessment.objects.get(case=case, point="m3").due_on == datetime.date(2025, 12, 1)
    assert case.tasks.filter(is_follow_up=True).count() == 4


def test_an_assessment_is_scored_and_out_of_range_answers_are_refused(case, users):
    case_services.return_record(
        actor=users["alice"],
        case=case,
        country_from="MY",
        returned_on=datetime.date(2025, 8, 31),
        return_type="deportation",
    )
    baseline = Assessment.objects.get(case=case, point="baseline")
    with pytest.raises(ValidationError) as error:
        services.assessment_record(
            actor=users["alice"],
            assessment=baseline,
            answers=EXAMPLE | {"economic_satisfaction": 9},
            done_on=datetime.date(2025, 9, 2),
        )
    assert "economic_satisfaction" in error.value.message_dict
    baseline.refresh_from_db()
    assert baseline.done_on is None and baseline.composite is None
    services.assessment_record(
        actor=users["alice"], assessment=baseline, answers=EXAMPLE, done_on=datetime.date(2025, 9, 2)
    )
    baseline.refresh_from_db()
    assert baseline.composite == pytest.approx(0.546296, abs=1e-6) and baseline.task.done_at is not None


def test_another_agency_cannot_read_the_plan_without_a_referral_that_shares_it(case, users, network):
    services.priorities_record(actor=users["alice"], case=case, ranking=["income"], words=WORDS)
    with pytest.raises(Http404):
        plan_access(user=users["bob"], code=case.code)
    share_with(users["alice"], case, network.beta, categories=["profile"])
    referral = refer(users["alice"], case, network.beta, categories=["profile"])
    referral_services.referral_move(move="accept", actor=users["bob"], referral=referral)
    with pytest.raises(Http404):  # the referral does not share the plan
        plan_access(user=users["bob"], code=case.code)
    share_with(users["alice"], case, network.beta, categories=["profile", "plan"])
    second = refer(users["alice"], case, network.beta, categories=["profile", "plan"])
    referral_services.referral_move(move="accept", actor=users["bob"], referral=second)
    view = plan_view(user=users["bob"], access=plan_access(user=users["bob"], code=case.code), via="test")
    assert view.ranking.words == WORDS
    assert AuditEvent.objects.filter(actor=users["bob"], action="read", categories=["plan"]).exists()
