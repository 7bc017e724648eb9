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
