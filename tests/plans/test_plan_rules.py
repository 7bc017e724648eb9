"""The rules of a goal, an action and a plan's details sit on the models; each refusal names its
field and leaves nothing saved."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from reintegra.plans import services
from reintegra.plans.models import Action, Goal


@pytest.fixture
def plan(case, users):
    return services.plan_start(actor=users["alice"], case=case)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"domain": "astrology"}, "domain", "Unknown value “astrology”."),
        ({"description": "  "}, "description", "Describe the goal."),
        ({"description": "<img src=x>"}, "description", "Markup such as HTML tags is not allowed"),
        ({"description": "x" * 1001}, "description", "Too long: at most 1000 characters"),
        ({"priorities": ["lottery"]}, "priorities", "Unknown value(s): lottery."),
    ],
)
def test_a_goal_is_refused_naming_the_field(plan, users, fields, field, words):
    values = {"domain": "economic", "description": "A steady income near home."} | fields
    with pytest.raises(ValidationError) as refused:
        services.goal_add(actor=users["alice"], plan=plan, **values)
    assert any(words in m for m in refused.value.message_dict[field])
    assert not Goal.objects.exists()


def test_an_action_is_refused_for_every_rule_it_breaks_at_once(plan, users, network):
    goal = services.goal_add(actor=users["alice"], plan=plan, domain="economic", description="Work.")
    with pytest.raises(ValidationError) as refused:
        services.action_add(
            actor=users["alice"],
            goal=goal,
            kind="referral",
            description="",
            responsible_agency=network.beta,
            responsible_person=users["alice"],
        )
    errors = refused.value.message_dict
    assert errors["referral"] == ["Link the referral this action stands for."]
    assert errors["description"] == ["Describe the action."]
    assert errors["responsible_person"] == ["The responsible person works for another agency."]
    assert not Action.objects.exists()


def test_plan_details_follow_the_models_rules_and_unknown_details_are_a_programming_error(plan, users):
    future = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.plan_update(actor=users["alice"], plan=plan, version=plan.version, returnee_agreed_on=future)
    assert refused.value.message_dict["returnee_agreed_on"] == ["This date is in the future."]
    with pytest.raises(ValidationError) as refused:
        services.plan_update(actor=users["alice"], plan=plan, version=plan.version, language="klingon")
    assert "language" in refused.value.message_dict
    with pytest.raises(TypeError):
        services.plan_update(actor=users["alice"], plan=plan, version=plan.version, author=users["sam"])  # type: ignore[call-arg]
    plan.refresh_from_db()
    assert plan.returnee_agreed_on is None and plan.language != "klingon" and plan.author == users["alice"]


def test_an_empty_ranking_asks_for_the_returnees_first_priority(case, users):
    with pytest.raises(ValidationError) as refused:
        services.priorities_record(actor=users["alice"], case=case, ranking=[])
    assert refused.value.message_dict["ranking"] == ["Rank at least one priority, in the returnee's order."]
