"""The quick exit: on every page, one button (or Escape twice, in app.js) ends the session and
leaves a neutral page that names neither the site nor anyone in it."""

from django.test import Client

from reintegra.accounts.models import AuditEvent

from ..cases.conftest import IDENTITY
from ..conftest import client_for


def test_every_page_has_the_quick_exit_and_the_login_page_too(users):
    client = client_for(users["alice"])
    for url in ("/", "/cases/", "/referrals/", "/network/", "/account/password/"):
        body = client.get(url).content.decode()
        assert 'id="quick-exit"' in body and 'action="/exit/now/"' in body, url
        assert "Quick exit" in body
    assert 'id="quick-exit"' in Client().get("/login/").content.decode()


def test_the_quick_exit_ends_the_session_and_leads_to_the_neutral_page(users):
    from reintegra.cases import services

    case = services.case_open(actor=users["alice"], **IDENTITY)
    client = client_for(users["alice"])
    assert client.get(f"/cases/{case.code}/").status_code == 200
    response = client.post("/exit/now/", follow=True)
    assert response.redirect_chain == [("/exit/", 302)]
    body = response.content.decode()
    for telling in ("reintegra", "Somsri", case.code, "alice", "<script"):
        assert telling not in body, telling
    assert "_auth_user_id" not in client.session
    assert client.get(f"/cases/{case.code}/").status_code == 302  # to the login
    event = AuditEvent.objects.get(action="logout", actor=users["alice"])
    assert event.details == {"quick_exit": True}


def test_the_quick_exit_needs_its_csrf_token(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["alice"])
    assert client.post("/exit/now/").status_code == 403
    assert client.get("/").status_code == 200  # still logged in: a forged post cannot log anyone out
    assert client.get("/exit/now/").status_code == 405


def test_the_quick_exit_works_when_no_one_is_logged_in(db):
    response = Client().post("/exit/now/")
    assert response.status_code == 302 and response["Location"] == "/exit/"
    assert not AuditEvent.objects.filter(action="logout").exists()
