import pytest
from django.core.exceptions import ValidationError

from reintegra.accounts.models import AuditEvent, User

from ..conftest import client_for

NEW = {
    "username": "noi",
    "first_name": "Noi",
    "last_name": "Chan",
    "email": "noi@example.org",
    "role": "caseworker",
    "password": "a-long-first-password",
}


def test_a_supervisor_sees_only_their_own_agencys_staff_and_the_read_is_audited(users):
    body = client_for(users["sam"]).get("/staff/").content.decode()
    assert "alice" in body and "sam" in body
    assert "bob" not in body and "bella" not in body
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "read" and event.actor == users["sam"]
    assert set(event.categories) == {"identity", "contact", "account"}


def test_caseworkers_and_outsiders_cannot_list_staff(users):
    for persona in ("alice", "charlie", "pat", "cora"):
        assert client_for(users[persona]).get("/staff/").status_code == 403
    assert client_for(None).get("/staff/").status_code == 302


def test_a_supervisor_adds_a_caseworker_to_their_agency(users, network):
    response = client_for(users["sam"]).post("/staff/", NEW)
    assert response.status_code == 302
    noi = User.objects.get(username="noi")
    assert noi.agency == network.alpha and noi.role == "caseworker" and noi.check_password(NEW["password"])


def test_a_supervisor_cannot_appoint_a_network_coordinator_or_take_a_username(users):
    client = client_for(users["sam"])
    assert "Select a valid choice" in client.post("/staff/", NEW | {"role": "network_coordinator"}).content.decode()
    body = client.post("/staff/", NEW | {"username": "ALICE"}).content.decode()
    assert "This username is taken" in body
    body = client.post("/staff/", NEW | {"password": "short"}).content.decode()
    assert "too short" in body
    assert not User.objects.filter(username="noi").exists()


def test_deactivating_an_account_ends_its_access_at_once(users):
    alice_client = client_for(users["alice"])
    assert alice_client.get("/network/").status_code == 200
    client_for(users["sam"]).post(f"/staff/{users['alice'].pk}/active/", {"active": "0"})
    users["alice"].refresh_from_db()
    assert not users["alice"].is_active
    assert alice_client.get("/network/").status_code == 302


def test_a_supervisor_cannot_touch_another_agencys_accounts_or_deactivate_themselves(users):
    client = client_for(users["sam"])
    assert client.post(f"/staff/{users['bob'].pk}/active/", {"active": "0"}).status_code == 404
    client.post(f"/staff/{users['sam'].pk}/active/", {"active": "0"})
    users["sam"].refresh_from_db()
    users["bob"].refresh_from_db()
    assert users["sam"].is_active and users["bob"].is_active


# --- Four eyes: a supervisor does not appoint a supervisor (issue 12, finding 6) -----------------


def test_a_supervisor_cannot_create_another_supervisor_account_and_is_told_who_can(users):
    from reintegra.accounts import services

    response = client_for(users["sam"]).post("/staff/", NEW | {"role": "supervisor"})
    assert response.status_code == 200 and not User.objects.filter(username="noi").exists()
    assert 'value="supervisor"' not in response.content.decode()  # not offered either
    with pytest.raises(ValidationError) as refused:
        services.staff_create(actor=users["sam"], **(NEW | {"role": "supervisor"}))
    assert "administrator" in str(refused.value.message_dict["role"])
    assert not User.objects.filter(username="noi").exists()


def test_an_appointed_supervisor_is_audited_and_shown_to_the_agencys_other_supervisors(users, network):
    from reintegra.accounts import services

    admin = User.objects.create_superuser("root", password="a-long-admin-password")  # noqa: S106
    sara = services.user_create(
        actor=admin, username="sara", agency=network.alpha, role="supervisor", password="a-long-first-password"
    )
    event = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(sara.pk), action="create").get()
    assert event.actor == admin and event.details["role"] == "supervisor"
    body = client_for(users["sam"]).get("/staff/").content.decode()
    changes = body[body.index("Recent changes to supervisor accounts") : body.index("Add an account")]
    assert "sara" in changes and "account created" in changes and "root" in changes
    services.staff_set_active(actor=users["sam"], member=sara, active=False)
    changes = client_for(users["sam"]).get("/staff/").content.decode()
    assert "deactivated" in changes[changes.index("Recent changes") :]
    # another agency's supervisors do not see it; a caseworker's creation is not listed
    other = client_for(users["bella"]).get("/staff/").content.decode()
    assert "sara" not in other
    client_for(users["sam"]).post("/staff/", NEW)
    listed = client_for(users["sam"]).get("/staff/").content.decode()
    assert "noi" not in listed[listed.index("Recent changes") : listed.index("Add an account")]


def test_raising_someone_to_supervisor_in_the_admin_is_shown_to_the_agencys_supervisors(users, rf):
    from django.contrib.admin.sites import site

    from reintegra.accounts.admin import UserAdmin

    admin = User.objects.create_superuser("root", password="a-long-admin-password")  # noqa: S106
    request = rf.post("/admin/")
    request.user = admin
    alice = users["alice"]
    alice.role = "supervisor"
    UserAdmin(User, site).save_model(request, alice, type("Form", (), {"changed_data": ["role"]})(), True)
    body = client_for(users["sam"]).get("/staff/").content.decode()
    changes = body[body.index("Recent changes to supervisor accounts") : body.index("Add an account")]
    assert "alice" in changes and "role changed" in changes and "root" in changes


def test_a_large_agencys_staff_are_listed_a_page_at_a_time(users, network, monkeypatch):
    """A national agency has a thousand accounts and more (1,334 caseworkers in the demo at a million):
    the list comes a page at a time, the active accounts first, with the way to the next page."""
    from reintegra.accounts import views

    monkeypatch.setattr(views, "STAFF_PAGE", 1)
    client = client_for(users["sam"])
    first = client.get("/staff/").content.decode()
    rows = first.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.count("<tr") == 1 and "Page 1 of" in first and "page=2" in first
    alpha = User.objects.filter(agency=network.alpha).order_by("-is_active", "last_name", "first_name", "username")
    last = client.get("/staff/", {"page": alpha.count()}).content.decode()  # past the last page: the last one
    assert alpha.last().username in last.split("<tbody>")[1]
    assert client.get("/staff/", {"page": "x"}).status_code == 200  # a bad page number: the first page
