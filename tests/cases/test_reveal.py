"""Identifying details (name, birth date, documents, phone, e-mail, address, photo) are not in the
case page until the user asks for them; each asking is one `reveal` record in the audit log."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from reintegra.accounts.models import AuditEvent
from reintegra.referrals import services as referral_services

from ..conftest import client_for
from .conftest import refer, share_with

# What the case fixture's returnee is identified by, as the page would show it.
IDENTIFYING = ("Somsri", "Kaewmanee", "234 5678", "somsri.k@example.org", "12 Moo 4", "00123-45", "1994")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def reveal_url(case) -> str:
    return f"/cases/{case.code}/reveal/"


def reveals(user=None):
    events = AuditEvent.objects.filter(action="reveal")
    return events.filter(actor=user) if user else events


def test_identifying_values_are_not_in_the_page_before_they_are_revealed(case, users):
    client = client_for(users["alice"])
    client.post(f"/cases/{case.code}/photo/upload/", {"photo": SimpleUploadedFile("p.png", PNG)})
    body = client.get(f"/cases/{case.code}/").content.decode()
    for value in IDENTIFYING:
        assert value not in body, value
    assert f'src="/cases/{case.code}/photo/"' not in body and "Show identifying details" in body
    assert "Lower secondary" in body  # the rest of the record is there
    assert not reveals().exists()
    body = client.post(reveal_url(case)).content.decode()
    for value in IDENTIFYING:
        assert value in body, value
    assert f'src="/cases/{case.code}/photo/"' in body


def test_a_reveal_without_javascript_writes_exactly_one_audit_record(case, users):
    client = client_for(users["alice"])
    before = AuditEvent.objects.count()
    response = client.post(reveal_url(case))
    assert response.status_code == 200 and "<html" in response.content.decode()
    assert AuditEvent.objects.count() == before + 1
    event = reveals(users["alice"]).get()
    assert event.object_id == str(case.pk) and event.details["via"] == "page"
    assert {"identity", "contact"} <= set(event.categories)


def test_a_reveal_through_htmx_answers_with_the_details_alone_and_one_audit_record(case, users):
    client = client_for(users["alice"])
    before = AuditEvent.objects.count()
    response = client.post(reveal_url(case), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and 'id="identity"' in body
    assert "Somsri" in body and "234 5678" in body
    assert AuditEvent.objects.count() == before + 1
    assert reveals(users["alice"]).get().categories == ["contact", "identity"]


def test_a_reveal_is_a_post_with_its_csrf_token(case, users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["alice"])
    assert client.get(reveal_url(case)).status_code == 405
    assert client.post(reveal_url(case)).status_code == 403
    assert not reveals().exists()


def test_a_receiving_agency_reveals_only_what_the_referral_shares(case, users, network):
    share_with(users["alice"], case, network.beta, categories=["identity", "profile"])
    referral = refer(users["alice"], case, network.beta, categories=["identity", "profile"])
    referral_services.referral_move(move="accept", actor=users["bob"], referral=referral)
    bob = client_for(users["bob"])
    assert "Somsri" not in bob.get(f"/cases/{case.code}/").content.decode()
    body = bob.post(reveal_url(case)).content.decode()
    assert "Somsri" in body and "234 5678" not in body  # identity shared, contact not
    assert reveals(users["bob"]).get().categories == ["identity", "profile"]


def test_there_is_nothing_to_reveal_for_an_agency_that_sees_no_identifying_data(case, users, network):
    assert client_for(users["bob"]).post(reveal_url(case)).status_code == 404  # no referral
    share_with(users["alice"], case, network.beta, categories=["profile"])
    referral = refer(users["alice"], case, network.beta, categories=["profile"])
    referral_services.referral_move(move="accept", actor=users["bob"], referral=referral)
    bob = client_for(users["bob"])
    assert "Show identifying details" not in bob.get(f"/cases/{case.code}/").content.decode()
    assert bob.post(reveal_url(case)).status_code == 404
    for persona in ("ana", "pat", "charlie"):
        assert client_for(users[persona]).post(reveal_url(case)).status_code == 404
    assert not reveals().exists()


def test_opening_the_edit_form_counts_as_a_reveal(case, users):
    body = client_for(users["alice"]).get(f"/cases/{case.code}/edit/").content.decode()
    assert "Somsri" in body
    event = reveals(users["alice"]).get()
    assert event.details["via"] == "edit form" and {"identity", "contact"} <= set(event.categories)


def test_the_printed_plan_names_the_person_and_counts_as_a_reveal(case, users):
    from reintegra.plans import services as plan_services

    plan_services.plan_start(actor=users["alice"], case=case)
    body = client_for(users["alice"]).get(f"/cases/{case.code}/plan/print/").content.decode()
    assert "Somsri" in body
    event = reveals(users["alice"]).get()
    assert event.details["via"] == "plan print" and event.categories == ["identity"]
