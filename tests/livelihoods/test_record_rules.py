"""The rules of one record (models.py: field validators and `clean()`), reached through the services,
the pages and the API: a bad value is refused naming its field, and nothing is saved."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from reintegra.access import case_get_for_user, enrolment_get_for_user
from reintegra.livelihoods import enrolments as flow
from reintegra.livelihoods import services, skills
from reintegra.livelihoods.models import Opportunity, Placement, SkillsProfile

from ..conftest import api_client_for, client_for
from .conftest import WELDING
from .test_enrolments import enrolled, move, today  # noqa: F401  (fixtures)

DAY = datetime.timedelta(days=1)
# Two days ahead: still in the future when the suite crosses midnight between collecting and running.
FUTURE = timezone.localdate() + 2 * DAY


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"literacy": "excellent"}, "literacy"),
        ({"languages": ["klingon"]}, "languages"),
        ({"interests": {"realistic": 120}}, "interests"),
        ({"interests": {"cooking": 50}}, "interests"),
        ({"experience": [{"isco": "75", "years": 70}]}, "experience"),
        ({"aspirations": [{"isco": "74", "mode": "wage_job"}, {"isco": "74", "mode": "wage_job"}]}, "aspirations"),
        ({"work_areas": ["TH-99"]}, "work_areas"),
        ({"assessed_on": FUTURE}, "assessed_on"),
        ({"aspirations_words": "<script>alert(1)</script>"}, "aspirations_words"),
        ({"health_limits": "x" * 2001}, "health_limits"),
        ({"currency": "XYZ"}, "currency"),
        ({"income_needed_monthly": Decimal(-1), "currency": "THB"}, "income_needed_monthly"),
    ],
)
def test_a_bad_profile_value_is_refused_naming_its_field(users, case, values, field):
    access = case_get_for_user(users["alice"], code=case.code, for_edit=True)
    with pytest.raises(ValidationError) as refused:
        skills.profile_save(actor=users["alice"], access=access, **values)
    assert field in refused.value.message_dict
    assert not SkillsProfile.objects.exists()


def test_the_profile_keeps_codes_in_capitals(users, case):
    access = case_get_for_user(users["alice"], code=case.code, for_edit=True)
    profile = skills.profile_save(
        actor=users["alice"], access=access, work_areas=["th-57"], income_needed_monthly=Decimal(9000), currency="thb"
    )
    assert profile.work_areas == ["TH-57"] and profile.currency == "THB"


def test_markup_in_the_profile_page_is_refused_naming_the_field(users, case):
    body = (
        client_for(users["alice"])
        .post(f"/livelihoods/case/{case.code}/profile/", {"aspirations_words": "<b>a shop</b>"}, follow=True)
        .content.decode()
    )
    assert "Aspirations in their own words" in body and "Markup such as HTML tags is not allowed" in body
    assert not SkillsProfile.objects.exists()


JOB = {"kind": "job", "employer_name": "Mae Sai Works", "isco": "74"}


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"kind": "business", "employer_name": ""}, {"business_type", "business_status"}),
        ({"contract": "lifelong"}, {"contract"}),
        ({"employer_name": "<i>Works</i>"}, {"employer_name"}),
        ({"finance_amount": Decimal(-100), "currency": "THB"}, {"finance_amount"}),
        ({"started_on": FUTURE}, {"started_on"}),
    ],
)
def test_a_bad_placement_value_is_refused_naming_its_field(users, enrolled, values, fields, today):  # noqa: F811
    access = enrolment_get_for_user(users["pat"], enrolment_id=enrolled.pk)
    with pytest.raises(ValidationError) as refused:
        flow.placement_record(actor=users["pat"], access=access, **(JOB | {"started_on": today - 3 * DAY} | values))
    assert fields <= set(refused.value.message_dict)
    enrolled.refresh_from_db()
    assert enrolled.status == "enrolled" and not Placement.objects.exists()


def test_a_placement_employer_must_be_an_employer(users, network, enrolled, today):  # noqa: F811
    access = enrolment_get_for_user(users["pat"], enrolment_id=enrolled.pk)
    with pytest.raises(ValidationError) as refused:
        flow.placement_record(
            actor=users["pat"], access=access, **(JOB | {"employer": network.alpha, "started_on": today})
        )
    assert refused.value.message_dict["employer"] == ["Choose an employer, or write the employer's name."]
    assert not Placement.objects.exists()


def test_a_business_placement_from_the_page_needs_its_type(users, enrolled, today):  # noqa: F811
    body = (
        client_for(users["pat"])
        .post(
            f"/livelihoods/enrolments/{enrolled.pk}/placement/",
            {"kind": "business", "isco": "74", "started_on": today.isoformat()},
            follow=True,
        )
        .content.decode()
    )
    assert "Type of business: Say what kind of business it is." in body
    enrolled.refresh_from_db()
    assert enrolled.status == "enrolled" and not Placement.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"employment": ""}, "employment"),
        ({"notes": "<script>x</script>"}, "notes"),
        ({"debt_outstanding": Decimal(-5), "currency": "THB"}, "debt_outstanding"),
        ({"done_on": FUTURE}, "done_on"),
    ],
)
def test_a_bad_follow_up_value_is_refused_naming_its_field(users, enrolled, values, field, today):  # noqa: F811
    move(users["pat"], enrolled, "completed", on=today - 40 * DAY)
    access = enrolment_get_for_user(users["alice"], enrolment_id=enrolled.pk)
    follow_up = enrolled.follow_ups.get(months=1)
    with pytest.raises(ValidationError) as refused:
        flow.follow_up_record(
            actor=users["alice"],
            access=access,
            follow_up=follow_up,
            **({"done_on": today, "employment": "looking"} | values),
        )
    assert field in refused.value.message_dict
    follow_up.refresh_from_db()
    assert follow_up.done_on is None and follow_up.task.done_at is None


def test_markup_in_follow_up_notes_is_a_400_naming_the_field(users, enrolled, today):  # noqa: F811
    move(users["pat"], enrolled, "completed", on=today - 40 * DAY)
    follow_up = enrolled.follow_ups.get(months=1)
    response = api_client_for(users["alice"]).patch(
        f"/api/v1/follow-ups/{follow_up.pk}/",
        {"done_on": today, "employment": "looking", "notes": "<img src=x onerror=alert(1)>"},
        format="json",
    )
    assert response.status_code == 400 and "notes" in response.json()["error"]["fields"]
    follow_up.refresh_from_db()
    assert follow_up.done_on is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "self_employment"}, "support"),
        ({"min_age": 40, "max_age": 18}, "max_age"),
        ({"min_education": "PhD"}, "min_education"),
        ({"languages": ["klingon"]}, "languages"),
        ({"title": "<b>Welding</b>"}, "title"),
        ({"currency": "XYZ"}, "currency"),
        ({"area": "TH-99"}, "area"),
    ],
)
def test_a_bad_option_value_is_refused_naming_its_field(users, network, change, field):
    with pytest.raises(ValidationError) as error:
        services.opportunity_save(actor=users["cora"], provider=network.trainer, **(WELDING | change))
    assert field in error.value.message_dict
    assert not Opportunity.objects.exists()


def test_placement_partners_are_employers(users, network):
    with pytest.raises(ValidationError) as error:
        services.opportunity_save(
            actor=users["cora"], provider=network.trainer, placement_partners=[network.alpha], **WELDING
        )
    assert "placement_partners" in error.value.message_dict
    assert not Opportunity.objects.exists()


def test_the_option_form_shows_the_error_on_its_field_and_keeps_what_was_typed(users, network):
    post = {
        "kind": "vocational_training",
        "title": "Motorbike repair",
        "provider": network.trainer.pk,
        "isco": "72",
        "area": "TH-57",
        "min_age": "40",
        "max_age": "18",
        "active": "on",
    }
    response = client_for(users["cora"]).post("/livelihoods/options/new/", post)
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"].errors["max_age"] == ["The maximum age is below the minimum age."]
    assert 'value="Motorbike repair"' in body and 'value="40"' in body
    assert not Opportunity.objects.exists()


def test_a_self_employment_option_through_the_api_needs_its_support(users, network):
    body = {
        "kind": "self_employment",
        "title": "Start your food stall",
        "provider": network.trainer.slug,
        "isco": "51",
        "area": "TH-57",
    }
    response = api_client_for(users["cora"]).post("/api/v1/opportunities/", body, format="json")
    assert response.status_code == 400 and "support" in response.json()["error"]["fields"]
    assert not Opportunity.objects.exists()


def test_a_field_outside_the_group_is_a_programming_error_not_a_silent_drop(users, case):
    access = case_get_for_user(users["alice"], code=case.code, for_edit=True)
    with pytest.raises(TypeError):
        skills.profile_save(actor=users["alice"], access=access, education="UpperSecondaryEducation", salary=9000)  # type: ignore[call-arg]
    assert not SkillsProfile.objects.exists()
