"""The livelihood pages: the returnee's profile and options, an enrolment, option editing, the audit."""

import datetime

import pytest
from django.utils import timezone

from reintegra.accounts.models import AuditEvent
from reintegra.livelihoods.models import OPTION_FIELDS, Enrolment, Opportunity, SkillsProfile, values_of

from ..conftest import client_for
from .test_enrolments import move, recommend, refer_to_trainer


@pytest.fixture
def today():
    """Today's date when the test runs: taken at import, it would be yesterday's after midnight."""
    return timezone.localdate()


PROFILE_POST = {
    "education": "LowerSecondaryEducation",
    "literacy": "functional",
    "numeracy": "basic",
    "languages": ["th", "en"],
    "experience_1_isco": "75",
    "experience_1_years": "4",
    "experience_1_abroad": "on",
    "aspiration_1_isco": "74",
    "aspiration_1_mode": "wage_job",
    "aspiration_2_isco": "51",
    "aspiration_2_mode": "own_business",
    "aspirations_words": "I want a steady job near home, then my own shop",
    "interest_realistic": "80",
    "interest_enterprising": "65",
    "work_areas": ["th-57", "TH-50"],
    "needs_income_now": "on",
    "income_needed_monthly": "9000",
    "currency": "thb",
    "debt_pressure": "high",
}


def test_the_caseworker_records_the_profile_and_sees_it(users, case):
    alice = client_for(users["alice"])
    response = alice.post(f"/livelihoods/case/{case.code}/profile/", PROFILE_POST)
    assert response.status_code == 302
    profile = SkillsProfile.objects.get(case=case)
    assert profile.experience == [{"isco": "75", "years": 4.0, "abroad": True}]
    assert profile.aspirations == [{"isco": "74", "mode": "wage_job"}, {"isco": "51", "mode": "own_business"}]
    assert profile.work_areas == ["TH-57", "TH-50"] and profile.currency == "THB"
    assert profile.aspiration_rank("51") == 2
    body = alice.get(f"/livelihoods/case/{case.code}/").content.decode()
    assert "I want a steady job near home, then my own shop" in body
    assert "needs an income now" in body
    reads = AuditEvent.objects.filter(action="read", object_id=str(case.pk))
    assert any("livelihood" in event.categories for event in reads)


def test_a_bad_profile_is_refused_whole(users, case):
    alice = client_for(users["alice"])
    bad = PROFILE_POST | {"work_areas": "TH-99", "income_needed_monthly": "9000", "currency": ""}
    response = alice.post(f"/livelihoods/case/{case.code}/profile/", bad, follow=True)
    body = response.content.decode()
    assert "TH-99" in body and "currency" in body
    assert not SkillsProfile.objects.exists()


def test_the_case_page_lists_options_with_stipend_and_demand_and_flags_a_decline(users, case, catalogue):
    paid, _ = catalogue
    enrolment = recommend(users, case, paid)
    move(users["alice"], enrolment, "declined", reason="Too far from my children")
    body = client_for(users["alice"]).get(f"/livelihoods/case/{case.code}/").content.decode()
    assert "6,000 THB" in body and "120 vacancies" in body
    assert "declined by the returnee" in body and "Too far from my children" in body


def test_recommending_from_the_page_refuses_a_declined_option_unasked(users, case, catalogue):
    paid, _ = catalogue
    alice = client_for(users["alice"])
    alice.post(f"/livelihoods/case/{case.code}/recommend/", {"opportunity": paid.pk})
    enrolment = Enrolment.objects.get()
    move(users["alice"], enrolment, "declined", reason="Not now")
    response = alice.post(f"/livelihoods/case/{case.code}/recommend/", {"opportunity": paid.pk}, follow=True)
    assert "not offered again unless they ask" in response.content.decode()
    assert Enrolment.objects.count() == 1
    alice.post(f"/livelihoods/case/{case.code}/recommend/", {"opportunity": paid.pk, "asked_by_returnee": "on"})
    assert Enrolment.objects.count() == 2


def test_outsiders_get_404_on_the_livelihood_pages(users, case, catalogue):
    enrolment = recommend(users, case, catalogue[0])
    for name in ("bob", "bella", "pat", "ana", "cora", "charlie"):
        client = client_for(users[name])
        assert client.get(f"/livelihoods/case/{case.code}/").status_code == 404, name
        assert client.get(f"/livelihoods/enrolments/{enrolment.pk}/").status_code == 404, name
        assert client.post(f"/livelihoods/case/{case.code}/profile/", PROFILE_POST).status_code == 404, name
    assert client_for(None).get(f"/livelihoods/case/{case.code}/").status_code == 302


def test_provider_staff_record_enrolment_completion_and_placement_from_the_page(users, case, network, catalogue, today):
    paid, _ = catalogue
    refer_to_trainer(users, case, network)
    enrolment = recommend(users, case, paid, on=today - 40 * datetime.timedelta(days=1))
    move(users["alice"], enrolment, "offered")
    move(users["alice"], enrolment, "accepted")
    pat = client_for(users["pat"])
    assert case.code in pat.get("/livelihoods/enrolments/").content.decode()
    page = pat.get(f"/livelihoods/enrolments/{enrolment.pk}/").content.decode()
    assert "Enrolled" in page and "Offered" not in page.split('id="move-form"')[1].split("</form>")[0]
    enrolment.refresh_from_db()
    pat.post(f"/livelihoods/enrolments/{enrolment.pk}/status/", {"version": enrolment.version, "to": "enrolled"})
    enrolment.refresh_from_db()
    assert enrolment.status == "enrolled"
    pat.post(
        f"/livelihoods/enrolments/{enrolment.pk}/stipends/",
        {"paid_on": today.isoformat(), "amount": "6000", "currency": "THB"},
    )
    pat.post(
        f"/livelihoods/enrolments/{enrolment.pk}/placement/",
        {
            "kind": "job",
            "employer_name": "Chiang Rai Electric",
            "isco": "74",
            "started_on": today.isoformat(),
            "monthly_income": "11000",
            "currency": "THB",
        },
    )
    enrolment.refresh_from_db()
    assert enrolment.status == "placed" and enrolment.stipend_payments.count() == 1
    assert enrolment.follow_ups.count() == 4
    # the provider follows the person it placed (decisions/0018): the follow-up closes the caseworker's task
    follow_up = enrolment.follow_ups.first()
    response = pat.post(
        f"/livelihoods/enrolments/{enrolment.pk}/follow-ups/{follow_up.pk}/",
        {"done_on": today.isoformat(), "employment": "employed"},
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.employment == "employed" and follow_up.task.done_at is not None


def test_a_coordinator_adds_an_option_and_a_restriction_needs_its_justification(users, network):
    cora = client_for(users["cora"])
    post = {
        "kind": "vocational_training",
        "title": "Motorbike repair",
        "provider": network.trainer.pk,
        "isco": "72",
        "area": "TH-57",
        "duration_weeks": "10",
        "stipend_monthly": "3000",
        "currency": "THB",
        "gender_restriction": "male",
        "active": "on",
    }
    response = cora.post("/livelihoods/options/new/", post)
    assert response.status_code == 200 and "justification" in response.content.decode()
    assert not Opportunity.objects.exists()
    cora.post("/livelihoods/options/new/", post | {"gender_restriction": ""})
    option = Opportunity.objects.get()
    assert option.title == "Motorbike repair"
    cora.post(f"/livelihoods/options/{option.pk}/", post | {"gender_restriction": "", "version": 1, "seats": "8"})
    option.refresh_from_db()
    assert option.seats == 8 and option.version == 2


def test_only_coordinators_and_the_providers_supervisor_edit_an_option(users, network, catalogue):
    paid, _ = catalogue
    for name in ("alice", "pat", "ana", "bella"):
        assert client_for(users[name]).get(f"/livelihoods/options/{paid.pk}/").status_code == 403, name
    assert client_for(users["cora"]).get(f"/livelihoods/options/{paid.pk}/").status_code == 200


def test_the_programme_audit_lists_gender_restrictions_and_outcomes(users, network, case, catalogue):
    from reintegra.livelihoods import services

    _paid, unpaid = catalogue
    services.opportunity_save(
        actor=users["cora"],
        opportunity=unpaid,
        version=unpaid.version,
        **values_of(unpaid, OPTION_FIELDS)
        | {"gender_restriction": "female", "gender_restriction_reason": "Classes held in the women's shelter"},
    )
    recommend(users, case, unpaid)
    body = client_for(users["ana"]).get("/livelihoods/audit/").content.decode()
    assert "Classes held in the women&#x27;s shelter" in body and "Sewing course" in body
    assert case.code not in body  # counts only
    assert client_for(users["alice"]).get("/livelihoods/audit/").status_code == 403
