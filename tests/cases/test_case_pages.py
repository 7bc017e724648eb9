import datetime

from django.utils import timezone

from reintegra.accounts.models import AuditEvent
from reintegra.cases import services
from reintegra.cases.models import Case
from reintegra.referrals.models import Referral

from ..conftest import client_for
from .conftest import refer, share_with

INTAKE = {
    "given_name": "Maricel",
    "family_name": "Santos",
    "birth_date": "1990-05-06",
    "gender": "Feminine",
    "phones": "+63 917 123 4567",
    "citizenships": ["PH"],
    "languages": ["fil"],
    "stage": "return",
    "id_type": "passport",
    "id_number": "P1234567A",
}


def test_a_caseworker_opens_a_case_and_a_likely_duplicate_is_shown_first(users):
    client = client_for(users["alice"])
    response = client.post("/cases/new/", INTAKE)
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.code}/"
    response = client.post("/cases/new/", INTAKE | {"given_name": "MARICEL"})
    body = response.content.decode()
    assert response.status_code == 200 and "may already have a case" in body and case.code in body
    assert Case.objects.count() == 1
    response = client.post("/cases/new/", INTAKE | {"confirm_new": "True"})
    assert response.status_code == 302 and Case.objects.count() == 2


def test_the_trafficking_status_and_who_decided_it_are_recorded(users, network):
    client_for(users["alice"]).post(
        "/cases/new/",
        INTAKE
        | {"trafficking_status": "ActualVictimOfTrafficking", "trafficking_status_decided_by": network.ministry.pk},
    )
    returnee = Case.objects.get().returnee
    assert returnee.trafficking_status == "ActualVictimOfTrafficking"
    assert returnee.trafficking_status_decided_by == network.ministry


def test_bad_intake_input_names_the_field_and_saves_nothing(users):
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    body = (
        client_for(users["alice"])
        .post("/cases/new/", INTAKE | {"birth_date": future, "given_name": "<b>Maricel</b>"})
        .content.decode()
    )
    assert "This date is in the future" in body and "Markup" in body
    assert not Case.objects.exists()


def test_the_owner_sees_identifying_data_once_revealed_and_the_reveal_is_audited(case, users):
    client = client_for(users["alice"])
    body = client.get(f"/cases/{case.code}/").content.decode()
    assert "Somsri" not in body and "+66 81 234 5678" not in body  # masked
    read = AuditEvent.objects.filter(action="read", actor=users["alice"]).latest("seq")
    assert not {"identity", "contact"} & set(read.categories)
    body = client.post(f"/cases/{case.code}/reveal/").content.decode()
    assert "Somsri" in body and "+66 81 234 5678" in body
    event = AuditEvent.objects.filter(action="reveal", actor=users["alice"]).latest("seq")
    assert {"identity", "contact"} <= set(event.categories)


def test_another_agency_gets_404_until_a_consented_referral_is_accepted_and_sees_only_what_it_shares(
    case, users, network
):
    bob = client_for(users["bob"])
    assert bob.get(f"/cases/{case.code}/").status_code == 404
    share_with(users["alice"], case, network.beta, categories=["profile"])
    referral = refer(users["alice"], case, network.beta, categories=["profile"])
    inbox = bob.get("/referrals/").content.decode()
    assert case.code in inbox
    assert bob.get(f"/cases/{case.code}/").status_code == 404  # pending
    assert bob.post(f"/referrals/{referral.pk}/accept/").status_code == 302
    body = bob.get(f"/cases/{case.code}/").content.decode()
    assert "Lower secondary" in body  # profile is shared
    for secret in ("Somsri", "Kaewmanee", "812345678", "somsri.k@example.org", "Mae Sai", "00123-45"):
        assert secret not in body
    assert bob.get(f"/cases/{case.code}/edit/").status_code == 404
    assert bob.post(f"/cases/{case.code}/notes/", {"text": "x"}).status_code == 404
    bob.post(f"/referrals/{referral.pk}/complete/")
    assert bob.get(f"/cases/{case.code}/").status_code == 404


def test_roles_without_case_access_never_reach_a_case(case, users):
    for persona in ("ana", "cora", "charlie"):
        client = client_for(users[persona])
        assert client.get("/cases/").status_code == 403
        assert client.get(f"/cases/{case.code}/").status_code == 404
    assert client_for(None).get(f"/cases/{case.code}/").status_code == 302


def test_a_referral_without_consent_is_refused_on_the_page_and_nothing_is_sent(case, users, network):
    client = client_for(users["alice"])
    response = client.post(
        f"/referrals/send/{case.code}/",
        {
            "to_agency": network.beta.pk,
            "urgency": "routine",
            "categories": ["profile"],
            "reasons": ["AdditionalServicesRequired"],
        },
        follow=True,
    )
    assert "No consent covers" in response.content.decode()
    assert not Referral.objects.exists()


def test_a_stale_edit_on_the_page_is_refused_and_shows_the_conflict(case, users):
    from reintegra.cases.forms import ReturneeForm

    client = client_for(users["alice"])
    form = {k: v for k, v in ReturneeForm.initial_from(case).items() if v not in (None, [])}
    form["citizenships"], form["languages"] = ["TH"], ["th"]
    form["email"] = "new@example.org"
    assert client.post(f"/cases/{case.code}/edit/", form).status_code == 302
    form["email"] = "older@example.org"  # the same, now stale, version
    body = client.post(f"/cases/{case.code}/edit/", form).content.decode()
    assert "Someone else saved this record" in body
    case.returnee.refresh_from_db()
    assert case.returnee.email == "new@example.org"


def test_stage_consent_note_task_and_closure_from_the_case_page(case, users, network):
    alice, sam = client_for(users["alice"]), client_for(users["sam"])
    alice.post(f"/cases/{case.code}/stage/", {"stage": "shelter_assistance", "version": case.version})
    alice.post(
        f"/cases/{case.code}/consents/",
        {
            "purpose": "sharing",
            "recipient_agency": network.trainer.pk,
            "categories": ["profile"],
            "given_on": "2026-01-05",
            "language": "th",
        },
    )
    alice.post(f"/cases/{case.code}/notes/", {"text": "Wants to train as an electrician."})
    alice.post(f"/cases/{case.code}/tasks/", {"title": "Call the skills centre", "due_on": "2026-02-01"})
    alice.post(f"/cases/{case.code}/closure/", {"reason": "Working for a year.", "reason_code": "reintegrated"})
    sam.post(f"/cases/{case.code}/closure/decision/", {"approve": "1"})
    case.refresh_from_db()
    assert case.stage == "closed" and case.consents.count() == 1 and case.tasks.count() == 1
    timeline = alice.get(f"/cases/{case.code}/").content.decode()
    for line in ("Stage:", "Consent recorded", "Wants to train as an electrician.", "Closure approved: Reintegrated."):
        assert line in timeline


def test_the_referral_inbox_counts_by_status(case, users, network):
    share_with(users["alice"], case, network.beta, categories=["profile"])
    refer(users["alice"], case, network.beta, categories=["profile"])
    body = client_for(users["bella"]).get("/referrals/").content.decode()
    assert 'status=pending">Pending <span class="badge">1</span>' in body


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_photo_is_stored_encrypted_served_to_who_may_see_identity_and_audited(case, users, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    alice = client_for(users["alice"])
    alice.post(f"/cases/{case.code}/photo/upload/", {"photo": SimpleUploadedFile("p.png", PNG)})
    response = alice.get(f"/cases/{case.code}/photo/")
    assert response.status_code == 200 and response.content == PNG and response["Content-Type"] == "image/png"
    assert AuditEvent.objects.filter(action="read", details__via="photo").exists()
    from .test_encryption import raw_dump

    assert "iVBORw0KGgo" not in raw_dump()  # the base64 of a PNG header
    assert client_for(users["bob"]).get(f"/cases/{case.code}/photo/").status_code == 404


def test_an_oversized_or_wrong_upload_is_refused_with_a_clear_message(case, users, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MAX_UPLOAD_BYTES = 50
    alice = client_for(users["alice"])
    body = alice.post(
        f"/cases/{case.code}/photo/upload/", {"photo": SimpleUploadedFile("p.png", PNG)}, follow=True
    ).content.decode()
    assert "too large" in body
    settings.MAX_UPLOAD_BYTES = 5000
    body = alice.post(
        f"/cases/{case.code}/photo/upload/", {"photo": SimpleUploadedFile("p.gif", b"GIF89a...")}, follow=True
    ).content.decode()
    assert "JPEG or PNG" in body
    case.returnee.refresh_from_db()
    assert case.returnee.photo == ""


def test_the_receiving_agency_records_a_service_on_the_timeline_while_the_referral_is_active(case, users, network):
    share_with(users["alice"], case, network.beta, categories=["profile"])
    referral = refer(users["alice"], case, network.beta, categories=["profile"])
    bob = client_for(users["bob"])
    bob.post(f"/referrals/{referral.pk}/service/", {"text": "Too early"})
    assert not case.events.filter(kind="service").exists()
    bob.post(f"/referrals/{referral.pk}/accept/")
    bob.post(f"/referrals/{referral.pk}/service/", {"text": "Counselling session, 1 hour."})
    owner_view = client_for(users["alice"]).get(f"/cases/{case.code}/").content.decode()
    assert "Service provided by Beta DSWD Office" in owner_view and "Counselling session" in owner_view
    inbox = bob.get("/referrals/").content.decode()
    assert "Median time to answer" in inbox and "hours" in inbox


def test_reading_a_referral_is_in_the_audit_log(case, users, network):
    share_with(users["alice"], case, network.beta, categories=["profile"])
    referral = refer(users["alice"], case, network.beta, categories=["profile"])
    client_for(users["bella"]).get(f"/referrals/{referral.pk}/")
    assert AuditEvent.objects.filter(action="read", actor=users["bella"], object_type="referrals.referral").exists()


def test_each_reader_sees_the_timeline_in_their_own_language(case, users):
    from django.utils import translation

    services.case_set_stage(actor=users["alice"], case=case, stage="return", version=case.version)
    event = case.events.get(kind="stage")
    with translation.override("en"):
        assert event.display_summary == "Stage: Identification → Return."
    with translation.override("th"):
        thai = event.display_summary
    assert thai != "Stage: Identification → Return." and "→" in thai
    body = client_for(users["sam"]).get(f"/cases/{case.code}/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert thai in body
