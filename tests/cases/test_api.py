"""The cases, consents, tasks and referrals API, through the real services.

Alice (caseworker) and Sam (supervisor) own the case at Alpha; Bob and Bella are at Beta, which
sees the case only through an accepted referral; Pat is a provider's staff; Ana (analyst), Cora
(coordinator) and Charlie (no role) see no case.
"""

import datetime

import pytest
from django.utils import timezone

from reintegra.accounts.models import AuditEvent
from reintegra.cases import services
from reintegra.cases.models import Case, Consent, Returnee, Task
from reintegra.referrals.models import Referral

from ..conftest import api_client_for
from .conftest import IDENTITY, refer, share_with

# What must never reach an agency the identity and contact categories were not shared with.
IDENTIFYING = ["Somsri", "Kaewmanee", "1994-03-02", "234 5678", "somsri.k@example.org", "Mae Sai", "00123-45"]

NEW_CASE = {
    "given_name": "Maria",
    "family_name": "Santos",
    "birth_date": "1990-05-17",
    "phones": ["+63 917 555 0101"],
    "email": "maria.s@example.org",
    "address": "Purok 3, Barangay Lahug, Cebu City",
    "identity_documents": [{"type": "passport", "number": "P1234567A", "country": "PH"}],
    "gender": "Feminine",
    "citizenships": ["PH"],
    "home_area": "PH-CEB",
    "languages": ["fil", "ceb"],
    "education": "UpperSecondaryEducation",
    "marital_status": "Single",
    "children": 1,
    "trafficking_status": "PossibleVictimOfTrafficking",
    "stage": "return",
    "notes": "Referred by the embassy in Kuala Lumpur.",
}


def url(code: str, action: str = "") -> str:
    return f"/api/v1/cases/{code}/" + (f"{action}/" if action else "")


def accepted_referral(case, users, network, categories=("profile", "history")) -> Referral:
    share_with(users["alice"], case, network.beta, categories=categories)
    referral = refer(users["alice"], case, network.beta, categories=categories)
    response = api_client_for(users["bella"]).post(f"/api/v1/referrals/{referral.pk}/accept/")
    assert response.status_code == 200, response.content
    return referral


# --- Who sees a case ----------------------------------------------------------------------------


def test_a_case_of_another_agency_is_a_404_and_absent_from_its_list(case, users):
    bob = api_client_for(users["bob"])
    assert bob.get(url(case.code)).status_code == 404
    assert bob.get("/api/v1/cases/").json()["count"] == 0


def test_an_accepted_referral_shows_the_other_agency_only_the_shared_categories(case, users, network):
    share_with(users["alice"], case, network.beta)
    referral = refer(users["alice"], case, network.beta)
    bob = api_client_for(users["bob"])
    assert bob.get(url(case.code)).status_code == 404  # pending: not yet
    assert api_client_for(users["bella"]).post(f"/api/v1/referrals/{referral.pk}/accept/").status_code == 200

    response = bob.get(url(case.code))
    assert response.status_code == 200
    data = response.json()
    assert data["categories"] == ["history", "profile"] and data["own"] is False
    assert data["gender"] == "Feminine" and data["history"] == []
    for absent in (
        "given_name",
        "family_name",
        "birth_date",
        "identity_documents",
        "phones",
        "email",
        "address",
        "notes",
        "return",
    ):
        assert absent not in data
    for secret in IDENTIFYING:
        assert secret not in response.content.decode()
    listed = bob.get("/api/v1/cases/").json()["results"]
    assert [(c["code"], c["own"]) for c in listed] == [(case.code, False)]


def test_the_owning_agency_sees_every_category(case, users):
    data = api_client_for(users["sam"]).get(url(case.code)).json()
    assert data["own"] is True and set(data["categories"]) == {
        "plan",
        "livelihood",
        "identity",
        "contact",
        "profile",
        "history",
        "return",
        "notes",
    }
    assert data["given_name"] == "Somsri" and data["phones"] == ["+66 81 234 5678"]
    assert data["identity_documents"][0]["number"] == "1-5701-00123-45-6"
    assert data["notes"] == "Returned via Mae Sai checkpoint." and data["return"] is None


def test_access_ends_when_the_referral_is_completed(case, users, network):
    referral = accepted_referral(case, users, network)
    bob = api_client_for(users["bob"])
    assert bob.get(url(case.code)).status_code == 200
    assert bob.post(f"/api/v1/referrals/{referral.pk}/complete/", {}, format="json").status_code == 200
    assert bob.get(url(case.code)).status_code == 404
    assert bob.get("/api/v1/cases/").json()["count"] == 0


def test_access_ends_when_the_referral_is_revoked_or_the_consent_withdrawn(case, users, network):
    first = accepted_referral(case, users, network)
    alice, bob = api_client_for(users["alice"]), api_client_for(users["bob"])
    response = alice.post(f"/api/v1/referrals/{first.pk}/revoke/", {"reason": "Returnee moved."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert bob.get(url(case.code)).status_code == 404

    consent = Consent.objects.get(case=case)
    second = refer(users["alice"], case, network.beta)
    assert bob.post(f"/api/v1/referrals/{second.pk}/accept/").status_code == 200
    assert bob.get(url(case.code)).status_code == 200
    response = alice.post(f"/api/v1/consents/{consent.pk}/withdraw/")
    assert response.status_code == 200 and response.json()["active"] is False
    assert bob.get(url(case.code)).status_code == 404
    second.refresh_from_db()
    assert second.status == "revoked"


@pytest.mark.parametrize("persona", ["ana", "cora", "charlie", "pat"])
def test_analysts_coordinators_providers_without_referral_and_charlie_see_no_case(case, users, persona):
    client = api_client_for(users[persona])
    response = client.get("/api/v1/cases/")
    assert response.status_code == 200 and response.json()["count"] == 0
    assert client.get(url(case.code)).status_code == 404
    assert client.get(url(case.code, "timeline")).status_code == 404
    assert client.get("/api/v1/referrals/").json()["count"] == 0
    assert client.get("/api/v1/consents/").json()["count"] == 0


@pytest.mark.parametrize("path", ["/api/v1/cases/", "/api/v1/consents/", "/api/v1/referrals/", "/api/v1/tasks/"])
def test_anonymous_requests_get_401(case, path):
    response = api_client_for(None).get(path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_an_anonymous_request_for_a_case_gets_401_and_no_data(case):
    response = api_client_for(None).get(url(case.code))
    assert response.status_code == 401 and "Somsri" not in response.content.decode()


# --- Opening and editing --------------------------------------------------------------------------


def test_a_caseworker_opens_a_case_and_sees_it_in_full(users):
    response = api_client_for(users["bob"]).post("/api/v1/cases/", NEW_CASE, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    case = Case.objects.get(code=data["code"])
    assert case.agency.slug == "beta-dswd" and case.stage == "return" and case.caseworker == users["bob"]
    assert case.returnee.given_name == "Maria" and case.returnee.identity_documents[0]["country"] == "PH"
    assert data["given_name"] == "Maria" and data["own"] is True and data["version"] == 1
    assert AuditEvent.objects.filter(action="create", object_type="cases.case", object_id=str(case.pk)).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"citizenships": ["XX"]}, "citizenships"),
        ({"birth_date": (timezone.localdate() + datetime.timedelta(days=3)).isoformat()}, "birth_date"),
        ({"given_name": "<script>alert(1)</script>"}, "given_name"),
        ({"family_name": "Santos <b>"}, "family_name"),
        ({"gender": "Robot"}, "gender"),
        ({"stage": "closed"}, "stage"),
        ({"identity_documents": [{"type": "passport", "number": "P1", "country": "QQ"}]}, "identity_documents"),
    ],
)
def test_a_bad_payload_is_refused_naming_the_field_and_creates_nothing(users, change, field):
    response = api_client_for(users["alice"]).post("/api/v1/cases/", NEW_CASE | change, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert not Case.objects.exists() and not Returnee.objects.exists()


@pytest.mark.parametrize("persona", ["pat", "ana", "cora", "charlie"])
def test_only_caseworkers_and_supervisors_open_cases(users, persona):
    response = api_client_for(users[persona]).post("/api/v1/cases/", NEW_CASE, format="json")
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_likely_duplicates_name_own_cases_and_never_the_other_agency(case, users):
    """decisions/0022: own case codes; elsewhere only that a match may exist (more in test_duplicate_check)."""
    query = {"reason": "new_case", "given_name": "SOMSRI", "family_name": "kaewmanee", "birth_date": "1994-03-02"}
    response = api_client_for(users["alice"]).post("/api/v1/cases/duplicates/", query, format="json")
    assert response.status_code == 200
    assert response.json()["own"] == [case.code] and response.json()["elsewhere"] is False
    response = api_client_for(users["bob"]).post("/api/v1/cases/duplicates/", query, format="json")
    assert response.json()["own"] == [] and response.json()["elsewhere"] is True
    assert "Alpha" not in response.content.decode()
    assert api_client_for(users["ana"]).post("/api/v1/cases/duplicates/", query, format="json").status_code == 403


def test_a_stale_edit_gets_409_and_the_newer_data_survives(case, users):
    version = case.version
    first = api_client_for(users["sam"]).patch(
        url(case.code), {"version": version, "phones": ["+66 89 999 0000"]}, format="json"
    )
    assert first.status_code == 200, first.content
    assert first.json()["version"] == version + 1 and first.json()["phones"] == ["+66 89 999 0000"]
    stale = api_client_for(users["alice"]).patch(
        url(case.code), {"version": version, "phones": ["+66 80 000 0000"]}, format="json"
    )
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "conflict" and error["current_version"] == version + 1 and "phones" in error["fields"]
    case.returnee.refresh_from_db()
    assert case.returnee.phones == ["+66 89 999 0000"]
    # The conflict shows the record's current values: it is a read, in the audit log (finding 4).
    read = AuditEvent.objects.filter(action="read", actor=users["alice"]).latest("seq")
    assert read.details["route"] == "api:case-detail" and read.details["path_ids"] == {"code": case.code}


def test_an_edit_must_name_its_version_and_is_validated_by_the_service(case, users):
    alice = api_client_for(users["alice"])
    assert "version" in alice.patch(url(case.code), {"email": "x@example.org"}, format="json").json()["error"]["fields"]
    response = alice.patch(url(case.code), {"version": case.version, "address": "<i>x</i>"}, format="json")
    assert response.status_code == 400 and "address" in response.json()["error"]["fields"]
    case.refresh_from_db()
    assert case.version == 1 and case.returnee.address == IDENTITY["address"]


def test_an_agency_the_case_is_referred_to_cannot_change_it(case, users, network):
    accepted_referral(case, users, network)
    bob = api_client_for(users["bob"])
    assert bob.patch(url(case.code), {"version": case.version, "given_name": "X"}, format="json").status_code == 404
    assert bob.post(url(case.code, "notes"), {"text": "Seen."}, format="json").status_code == 404
    assert bob.post(url(case.code, "stage"), {"stage": "reintegration", "version": 1}, format="json").status_code == 404
    assert (
        bob.post(
            url(case.code, "closure"), {"reason": "Done.", "reason_code": "reintegrated"}, format="json"
        ).status_code
        == 404
    )
    case.returnee.refresh_from_db()
    assert case.returnee.given_name == "Somsri"


def test_reading_a_case_writes_an_audit_read_event(case, users, network):
    api_client_for(users["alice"]).get(url(case.code))
    event = AuditEvent.objects.filter(action="read", object_type="cases.case", actor=users["alice"]).latest("seq")
    assert event.object_id == str(case.pk) and event.details["via"] == "api"
    accepted_referral(case, users, network)
    api_client_for(users["bob"]).get(url(case.code))
    event = AuditEvent.objects.filter(action="read", object_type="cases.case", actor=users["bob"]).latest("seq")
    assert event.categories == ["history", "profile"]


# --- Case actions -----------------------------------------------------------------------------------


def test_stage_history_and_return_are_recorded_through_the_api(case, users):
    alice = api_client_for(users["alice"])
    response = alice.post(url(case.code, "stage"), {"stage": "return", "version": case.version}, format="json")
    assert response.status_code == 200 and response.json()["stage"] == "return"
    stale = alice.post(url(case.code, "stage"), {"stage": "reintegration", "version": case.version}, format="json")
    assert stale.status_code == 409
    history = {
        "type": "Exploitation",
        "country": "MY",
        "started_on": "2023-01-01",
        "ended_on": "2024-06-30",
        "exploitation_types": ["ForcedCriminality"],
        "debt_amount": "15000.00",
        "debt_currency": "MYR",
    }
    response = alice.post(url(case.code, "history"), history, format="json")
    assert response.status_code == 201, response.content
    response = alice.post(url(case.code, "history"), history | {"country": "ZZ"}, format="json")
    assert response.status_code == 400 and "country" in response.json()["error"]["fields"]
    journey = {
        "country_from": "MY",
        "returned_on": "2024-07-02",
        "return_type": "deportation",
        "assisting_agencies": ["delta-ministry"],
    }
    response = alice.put(url(case.code, "return"), journey, format="json")
    assert response.status_code == 200, response.content
    data = alice.get(url(case.code)).json()
    assert data["stage"] == "return" and data["history"][0]["exploitation_types"] == ["ForcedCriminality"]
    assert data["return"]["assisting_agencies"] == ["delta-ministry"]
    response = alice.put(url(case.code, "return"), journey | {"assisting_agencies": ["nowhere"]}, format="json")
    assert response.status_code == 400 and "assisting_agencies" in response.json()["error"]["fields"]


def test_closure_needs_a_supervisors_decision_and_a_closed_case_can_be_reopened(case, users):
    alice, sam = api_client_for(users["alice"]), api_client_for(users["sam"])
    assert (
        alice.post(
            url(case.code, "closure"),
            {"reason": "Stable income for a year.", "reason_code": "reintegrated"},
            format="json",
        ).status_code
        == 200
    )
    assert alice.post(url(case.code, "closure/decision"), {"approve": True}, format="json").status_code == 403
    response = sam.post(url(case.code, "closure/decision"), {"approve": True}, format="json")
    assert response.status_code == 200 and response.json()["stage"] == "closed"
    assert alice.get("/api/v1/cases/").json()["count"] == 0
    assert alice.get("/api/v1/cases/", {"stage": "closed"}).json()["count"] == 1
    response = alice.post(url(case.code, "reopen"), {"reason": "Creditor threats resumed."}, format="json")
    assert response.status_code == 200 and response.json()["stage"] == "identification"


def test_the_timeline_hides_other_agencies_notes_from_a_referred_agency(case, users, network):
    alice = api_client_for(users["alice"])
    assert (
        alice.post(url(case.code, "notes"), {"text": "Fears the recruiter's cousin."}, format="json").status_code == 201
    )
    accepted_referral(case, users, network)
    services.note_add(actor=users["bob"], case=case, text="Shelter bed assigned.")
    bob_lines = api_client_for(users["bob"]).get(url(case.code, "timeline")).json()
    body = str(bob_lines)
    assert "Shelter bed assigned." in body and "recruiter's cousin" not in body
    assert {"at", "kind", "agency", "actor", "summary", "text"} <= set(bob_lines[0])
    owner_lines = alice.get(url(case.code, "timeline")).json()
    assert any(line["text"] == "Fears the recruiter's cousin." and line["actor"] == "alice" for line in owner_lines)


def test_the_timeline_shows_another_agencys_note_text_only_when_notes_are_shared(case, users, network):
    services.note_add(actor=users["alice"], case=case, text="Prefers a female interpreter.")
    accepted_referral(case, users, network, categories=("profile", "notes"))
    lines = api_client_for(users["bob"]).get(url(case.code, "timeline")).json()
    assert any(line["text"] == "Prefers a female interpreter." for line in lines)


# --- Consents ---------------------------------------------------------------------------------------


def test_consents_are_recorded_listed_and_withdrawn_by_the_owning_agency_only(case, users, network):
    alice, bob = api_client_for(users["alice"]), api_client_for(users["bob"])
    payload = {
        "case": case.code,
        "purpose": "sharing",
        "recipient_agency": "beta-dswd",
        "categories": ["profile", "history"],
        "given_on": timezone.localdate().isoformat(),
        "language": "th",
    }
    response = alice.post("/api/v1/consents/", payload, format="json")
    assert response.status_code == 201, response.content
    consent_id = response.json()["id"]
    assert response.json()["explained_by"] == "alice" and response.json()["active"] is True
    assert [c["id"] for c in alice.get("/api/v1/consents/", {"case": case.code}).json()["results"]] == [consent_id]
    assert alice.get("/api/v1/consents/", {"case": "TH-XXXX-XXXX"}).json()["count"] == 0

    assert bob.post("/api/v1/consents/", payload, format="json").status_code == 404
    assert bob.get("/api/v1/consents/").json()["count"] == 0
    assert bob.post(f"/api/v1/consents/{consent_id}/withdraw/").status_code == 404
    assert Consent.objects.get(pk=consent_id).withdrawn_at is None

    missing = alice.post("/api/v1/consents/", payload | {"categories": []}, format="json")
    assert missing.status_code == 400 and "categories" in missing.json()["error"]["fields"]


# --- Referrals --------------------------------------------------------------------------------------


def referral_payload(case, **extra):
    return {
        "case": case.code,
        "to_agency": "beta-dswd",
        "reasons": ["AdditionalServicesRequired"],
        "categories": ["profile", "history"],
        "urgency": "priority",
    } | extra


def test_a_referral_without_consent_is_refused_naming_the_categories(case, users, network):
    alice = api_client_for(users["alice"])
    response = alice.post("/api/v1/referrals/", referral_payload(case), format="json")
    assert response.status_code == 400
    assert "categories" in response.json()["error"]["fields"]
    assert not Referral.objects.exists()
    share_with(users["alice"], case, network.beta)
    service = network.beta.services.get()
    response = alice.post("/api/v1/referrals/", referral_payload(case, service=service.pk), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["from_agency"], data["to_agency"], data["service"], data["status"], data["override"]) == (
        "alpha-welfare",
        "beta-dswd",
        service.pk,
        "pending",
        False,
    )


def test_a_supervisor_may_send_without_consent_giving_a_reason(case, users):
    payload = referral_payload(case, override_reason="Child at risk of re-trafficking tonight.")
    assert api_client_for(users["alice"]).post("/api/v1/referrals/", payload, format="json").status_code == 400
    response = api_client_for(users["sam"]).post("/api/v1/referrals/", payload, format="json")
    assert response.status_code == 201 and response.json()["override"] is True
    assert "override_reason" not in response.json()


def test_only_the_owning_agency_refers_its_case(case, users, network):
    share_with(users["alice"], case, network.beta)
    payload = referral_payload(case, to_agency="gamma-training")
    assert api_client_for(users["bob"]).post("/api/v1/referrals/", payload, format="json").status_code == 404


def test_the_receiving_agency_accepts_or_declines_and_the_wrong_side_is_refused(case, users, network):
    share_with(users["alice"], case, network.beta)
    first, second = refer(users["alice"], case, network.beta), refer(users["alice"], case, network.beta)
    alice, bob, pat = api_client_for(users["alice"]), api_client_for(users["bob"]), api_client_for(users["pat"])
    assert alice.post(f"/api/v1/referrals/{first.pk}/accept/").status_code == 403  # the sender's side
    assert pat.post(f"/api/v1/referrals/{first.pk}/accept/").status_code == 404  # not a party
    assert bob.post(f"/api/v1/referrals/{first.pk}/cancel/", {"reason": "No."}, format="json").status_code == 403
    first.refresh_from_db()
    assert first.status == "pending"

    response = bob.post(f"/api/v1/referrals/{first.pk}/accept/")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert response.json()["responded_at"] is not None
    assert bob.post(f"/api/v1/referrals/{first.pk}/accept/").status_code == 400  # not pending any more
    no_reason = bob.post(f"/api/v1/referrals/{second.pk}/decline/", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    response = bob.post(f"/api/v1/referrals/{second.pk}/decline/", {"reason": "Shelter full."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "declined"
    assert response.json()["status_reason"] == "Shelter full."
    assert bob.post(f"/api/v1/referrals/{first.pk}/start/").json()["status"] == "in_progress"


def test_referrals_are_filtered_by_direction_and_status(case, users, network):
    share_with(users["alice"], case, network.beta)
    referral = refer(users["alice"], case, network.beta)
    bob, alice = api_client_for(users["bob"]), api_client_for(users["alice"])
    assert [r["id"] for r in bob.get("/api/v1/referrals/", {"direction": "incoming"}).json()["results"]] == [
        referral.pk
    ]
    assert bob.get("/api/v1/referrals/", {"direction": "outgoing"}).json()["count"] == 0
    assert alice.get("/api/v1/referrals/", {"direction": "outgoing", "status": "pending"}).json()["count"] == 1
    assert alice.get("/api/v1/referrals/", {"status": "accepted"}).json()["count"] == 0
    assert alice.get("/api/v1/referrals/", {"status": "nope"}).status_code == 400
    assert bob.get(f"/api/v1/referrals/{referral.pk}/").json()["case"] == case.code
    assert api_client_for(users["pat"]).get(f"/api/v1/referrals/{referral.pk}/").status_code == 404


# --- Tasks ------------------------------------------------------------------------------------------


def test_tasks_are_created_listed_and_done_within_the_agency(case, users):
    alice, sam, bob = api_client_for(users["alice"]), api_client_for(users["sam"]), api_client_for(users["bob"])
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = alice.post(
        "/api/v1/tasks/",
        {"case": case.code, "title": "Call the family", "due_on": yesterday, "assignee": "sam"},
        format="json",
    )
    assert response.status_code == 201, response.content
    task_id = response.json()["id"]
    assert response.json()["assignee"] == "sam" and response.json()["agency"] == "alpha-welfare"
    outsider = alice.post(
        "/api/v1/tasks/", {"case": case.code, "title": "X", "due_on": yesterday, "assignee": "bob"}, format="json"
    )
    assert outsider.status_code == 400 and "assignee" in outsider.json()["error"]["fields"]
    assert (
        bob.post("/api/v1/tasks/", {"case": case.code, "title": "X", "due_on": yesterday}, format="json").status_code
        == 404
    )

    assert [t["id"] for t in sam.get("/api/v1/tasks/", {"mine": "1"}).json()["results"]] == [task_id]
    assert alice.get("/api/v1/tasks/", {"mine": "1"}).json()["count"] == 0
    assert [t["id"] for t in alice.get("/api/v1/tasks/", {"overdue": "1"}).json()["results"]] == [task_id]
    assert bob.get("/api/v1/tasks/").json()["count"] == 0
    assert bob.post(f"/api/v1/tasks/{task_id}/done/").status_code == 404
    response = alice.post(f"/api/v1/tasks/{task_id}/done/")
    assert response.status_code == 200 and response.json()["done"] is True
    assert Task.objects.get(pk=task_id).done_at is not None
    assert alice.get("/api/v1/tasks/").json()["count"] == 0
    assert alice.get("/api/v1/tasks/", {"done": "1"}).json()["count"] == 1


# --- Shape --------------------------------------------------------------------------------------------


def test_lists_are_paginated_and_show_no_names(case, users):
    for given_name in ("Anong", "Boonmee"):
        services.case_open(actor=users["alice"], given_name=given_name, phones=[], identity_documents=[])
    response = api_client_for(users["alice"]).get("/api/v1/cases/", {"page_size": 2})
    data = response.json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["count"] == 3 and data["previous"] is None and "page=2" in data["next"]
    assert len(data["results"]) == 2
    assert set(data["results"][0]) == {"code", "stage", "htcds_status", "agency", "opened_at", "own"}
    second = api_client_for(users["alice"]).get(data["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    body = response.content.decode() + str(second)
    for name in ("Somsri", "Anong", "Boonmee"):
        assert name not in body


def test_the_schema_renders_with_the_new_paths(users):
    response = api_client_for(users["alice"]).get("/api/v1/schema/")
    assert response.status_code == 200
    schema = response.content.decode()
    for path in (
        "/api/v1/cases/",
        "/api/v1/cases/{code}/",
        "/api/v1/cases/duplicates/",
        "/api/v1/cases/{code}/closure/decision/",
        "/api/v1/cases/{code}/timeline/",
        "/api/v1/consents/{id}/withdraw/",
        "/api/v1/referrals/{id}/accept/",
        "/api/v1/tasks/{id}/done/",
    ):
        assert f"{path}:" in schema
