"""`/api/v1/skills/`, `/api/v1/enrolments/`, `/api/v1/follow-ups/` and writes to `/api/v1/opportunities/`."""

import datetime

import pytest
from django.utils import timezone

from reintegra.livelihoods.models import Enrolment, Opportunity, SkillsProfile

from ..conftest import api_client_for
from .test_enrolments import move, recommend, refer_to_trainer

DAY = datetime.timedelta(days=1)


@pytest.fixture
def today():
    """Today's date when the test runs: taken at import, it would be yesterday's after midnight."""
    return timezone.localdate()


def test_the_skills_profile_is_written_and_read_through_the_api(users, case):
    api = api_client_for(users["alice"])
    body = {
        "literacy": "basic",
        "experience": [{"isco": "61", "years": 6, "abroad": True}],
        "aspirations": [{"isco": "51", "mode": "own_business"}],
        "aspirations_words": "A noodle stall at the market",
        "needs_income_now": True,
        "income_needed_monthly": "7000",
        "currency": "THB",
    }
    response = api.put(f"/api/v1/skills/{case.code}/", body, format="json")
    assert response.status_code == 200, response.json()
    data = api.get(f"/api/v1/skills/{case.code}/").json()
    assert data["aspirations"] == [{"isco": "51", "mode": "own_business"}]
    assert data["experience"][0]["abroad"] is True and data["version"] == 1
    stale = api.patch(f"/api/v1/skills/{case.code}/", {"literacy": "functional", "version": 0}, format="json")
    assert stale.status_code == 409
    assert [p["case"] for p in api.get("/api/v1/skills/").json()["results"]] == [case.code]


def test_a_bad_profile_is_refused_naming_the_field(users, case):
    api = api_client_for(users["alice"])
    response = api.put(
        f"/api/v1/skills/{case.code}/",
        {"aspirations": [{"isco": "99", "mode": "own_business"}], "income_needed_monthly": "100"},
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "aspirations" in fields and "currency" in fields
    assert not SkillsProfile.objects.exists()


def test_outsiders_cannot_reach_a_profile(users, case):
    api_client_for(users["alice"]).put(f"/api/v1/skills/{case.code}/", {"literacy": "basic"}, format="json")
    for name in ("bob", "pat", "ana", "cora"):
        assert api_client_for(users[name]).get(f"/api/v1/skills/{case.code}/").status_code == 404, name
        assert api_client_for(users[name]).get("/api/v1/skills/").json()["results"] == [], name


def test_the_enrolment_workflow_through_the_api(users, case, network, catalogue, today):
    paid, _ = catalogue
    refer_to_trainer(users, case, network)
    alice, pat = api_client_for(users["alice"]), api_client_for(users["pat"])
    created = alice.post("/api/v1/enrolments/", {"case": case.code, "opportunity": paid.pk}, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    for to in ("offered", "accepted"):
        version = Enrolment.objects.get(pk=pk).version
        assert alice.post(f"/api/v1/enrolments/{pk}/status/", {"to": to, "version": version}).status_code == 200
    outsider = api_client_for(users["bob"]).post(f"/api/v1/enrolments/{pk}/status/", {"to": "enrolled", "version": 3})
    assert outsider.status_code == 404
    assert pat.post(f"/api/v1/enrolments/{pk}/status/", {"to": "enrolled", "version": 3}).status_code == 200
    payment = pat.post(f"/api/v1/enrolments/{pk}/stipends/", {"paid_on": today, "amount": "6000", "currency": "THB"})
    assert payment.status_code == 201
    placed = pat.put(
        f"/api/v1/enrolments/{pk}/placement/",
        {"kind": "job", "employer_name": "Mae Sai Works", "isco": "74", "started_on": today, "monthly_income": "9000"},
        format="json",
    )
    assert placed.status_code == 400 and "currency" in placed.json()["error"]["fields"]
    placed = pat.put(
        f"/api/v1/enrolments/{pk}/placement/",
        {"kind": "job", "employer_name": "Mae Sai Works", "isco": "74", "started_on": today},
        format="json",
    )
    assert placed.status_code == 200
    data = alice.get(f"/api/v1/enrolments/{pk}/").json()
    assert data["status"] == "placed" and len(data["follow_ups"]) == 4 and len(data["stipend_payments"]) == 1
    follow_ups = alice.get("/api/v1/follow-ups/", {"open": "true"}).json()["results"]
    assert [f["months"] for f in follow_ups] == [1, 3, 6, 12]
    # the provider follows the people it placed (decisions/0018); another agency sees none of it
    assert [f["months"] for f in pat.get("/api/v1/follow-ups/").json()["results"]] == [1, 3, 6, 12]
    assert api_client_for(users["bob"]).get("/api/v1/follow-ups/").json()["results"] == []
    early = alice.patch(
        f"/api/v1/follow-ups/{follow_ups[0]['id']}/", {"done_on": today - 400 * DAY, "employment": "employed"}
    )
    assert early.status_code == 400 and "done_on" in early.json()["error"]["fields"]
    done = alice.patch(
        f"/api/v1/follow-ups/{follow_ups[0]['id']}/",
        {"done_on": today, "employment": "employed", "monthly_income": "9000", "currency": "THB"},
    )
    assert done.status_code == 200 and done.json()["employment"] == "employed"


def test_a_declined_option_needs_the_returnee_asking_through_the_api_too(users, case, catalogue):
    paid, _ = catalogue
    enrolment = recommend(users, case, paid)
    move(users["alice"], enrolment, "declined", reason="My family needs me at home this season")
    api = api_client_for(users["alice"])
    refused = api.post("/api/v1/enrolments/", {"case": case.code, "opportunity": paid.pk}, format="json")
    assert refused.status_code == 400 and "not offered again" in refused.json()["error"]["message"]
    asked = api.post(
        "/api/v1/enrolments/", {"case": case.code, "opportunity": paid.pk, "asked_by_returnee": True}, format="json"
    )
    assert asked.status_code == 201


def test_provider_staff_list_only_their_referred_people(users, case, network, catalogue):
    from reintegra.cases import services as case_services

    from ..cases.conftest import IDENTITY

    paid, _ = catalogue
    refer_to_trainer(users, case, network)
    mine = recommend(users, case, paid)
    other = case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": "Malee"}))
    hidden = recommend(users, other, paid)
    listed = api_client_for(users["pat"]).get("/api/v1/enrolments/").json()["results"]
    assert [e["id"] for e in listed] == [mine.pk]
    assert api_client_for(users["pat"]).get(f"/api/v1/enrolments/{hidden.pk}/").status_code == 404
    assert api_client_for(users["bob"]).get(f"/api/v1/enrolments/{mine.pk}/").status_code == 404


def test_options_are_written_through_the_api_by_those_allowed(users, network):
    body = {
        "kind": "job",
        "title": "Hotel housekeeping vacancy",
        "provider": network.trainer.slug,
        "isco": "91",
        "area": "TH-57",
        "wage_monthly": "10500",
        "currency": "THB",
        "seats": 4,
    }
    assert api_client_for(users["alice"]).post("/api/v1/opportunities/", body, format="json").status_code == 403
    bad = api_client_for(users["cora"]).post("/api/v1/opportunities/", body | {"seats": -2}, format="json")
    assert bad.status_code == 400 and "seats" in bad.json()["error"]["fields"]
    created = api_client_for(users["cora"]).post("/api/v1/opportunities/", body, format="json")
    assert created.status_code == 201 and float(created.json()["wage_monthly"]) == 10500
    pk = created.json()["id"]
    changed = api_client_for(users["cora"]).patch(
        f"/api/v1/opportunities/{pk}/", {"seats": 6, "version": 1}, format="json"
    )
    assert changed.status_code == 200 and Opportunity.objects.get(pk=pk).seats == 6
    stale = api_client_for(users["cora"]).patch(
        f"/api/v1/opportunities/{pk}/", {"seats": 7, "version": 1}, format="json"
    )
    assert stale.status_code == 409
