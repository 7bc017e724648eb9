"""API tokens (issue 12, finding 5): a new token at each sign-in, stored only as a hash, expiring,
revocable by its user, their supervisor, a password change and a deactivation; the API's logout ends
the token used, the web's logout the session only."""

import datetime

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from reintegra.accounts.models import ApiToken, AuditEvent, User
from reintegra.accounts.services import api_token_issue

from ..conftest import client_for, make_user

PASSWORD = "a-long-secret-pass"
ANY_API_PAGE = "/api/v1/agencies/"


@pytest.fixture
def malee(network):
    return make_user("malee", network.alpha, "caseworker", password=PASSWORD)


def obtain(name: str = "", username: str = "malee", password: str = PASSWORD):
    return APIClient().post("/api/v1/auth/token/", {"username": username, "password": password, "name": name})


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_each_sign_in_gives_a_new_token_and_both_work(malee):
    first, second = obtain("laptop").json(), obtain("phone").json()
    assert first["token"] != second["token"]
    assert with_key(first["token"]).get(ANY_API_PAGE).status_code == 200
    assert with_key(second["token"]).get(ANY_API_PAGE).status_code == 200
    assert list(ApiToken.objects.filter(user=malee).values_list("name", flat=True)) == ["phone", "laptop"]


def test_only_a_hash_of_the_key_is_stored_and_the_issue_is_audited(malee):
    key = obtain().json()["token"]
    token = ApiToken.objects.get(user=malee)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        raw = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert key not in raw and len(token.key_hash) == 64 and key.startswith(token.prefix)
    event = AuditEvent.objects.get(action="create", object_type="accounts.apitoken")
    assert event.actor == malee and event.categories == ["credentials"] and key not in str(event.details)


@override_settings(API_TOKEN_DAYS=3)
def test_a_token_expires_after_the_configured_days_with_a_clear_401(malee):
    response = obtain().json()
    expires = datetime.datetime.fromisoformat(response["expires_at"])
    assert abs(expires - (timezone.now() + datetime.timedelta(days=3))) < datetime.timedelta(minutes=1)
    ApiToken.objects.filter(pk=response["id"]).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    refused = with_key(response["token"]).get(ANY_API_PAGE)
    assert refused.status_code == 401 and "expired" in refused.json()["error"]["message"]


def test_a_wrong_key_is_a_401(malee):
    assert with_key("not-a-key").get(ANY_API_PAGE).status_code == 401


def test_the_api_logout_ends_the_token_used_and_only_that_one(malee):
    ended, kept = obtain().json()["token"], obtain().json()["token"]
    assert with_key(ended).post("/api/v1/auth/logout/").status_code == 204
    refused = with_key(ended).get(ANY_API_PAGE)
    assert refused.status_code == 401 and "revoked" in refused.json()["error"]["message"]
    assert with_key(kept).get(ANY_API_PAGE).status_code == 200
    token = ApiToken.objects.get(ended_because="logout")
    assert token.revoked_by == malee
    assert AuditEvent.objects.filter(action="update", object_type="accounts.apitoken", actor=malee).count() == 1


def test_the_api_logout_needs_a_token(malee):
    client = APIClient()
    client.force_login(malee)
    response = client.post("/api/v1/auth/logout/")
    assert response.status_code == 400 and response.json()["error"]["code"] == "no_token"


def test_the_web_logout_ends_the_session_only(malee):
    key = obtain().json()["token"]
    web = Client()
    assert web.login(username="malee", password=PASSWORD)
    web.post("/logout/")
    assert web.get("/account/tokens/").status_code == 302  # the session is over
    assert with_key(key).get(ANY_API_PAGE).status_code == 200  # the token goes on


def test_a_user_lists_their_own_tokens_in_force_never_their_keys(malee, users):
    current = obtain("script").json()
    other = obtain("old").json()
    with_key(other["token"]).post("/api/v1/auth/logout/")
    api_token_issue(user=users["alice"], name="alices")
    listed = with_key(current["token"]).get("/api/v1/auth/tokens/").json()
    assert [(t["name"], t["current"]) for t in listed] == [("script", True)]
    assert "token" not in listed[0] and "key_hash" not in listed[0]


def test_a_user_revokes_one_of_their_tokens_through_the_api_but_not_anothers(malee, users):
    mine, spare = obtain().json(), obtain().json()
    _alices, alices_key = api_token_issue(user=users["alice"])
    client = with_key(mine["token"])
    assert client.delete(f"/api/v1/auth/tokens/{spare['id']}/").status_code == 204
    assert with_key(spare["token"]).get(ANY_API_PAGE).status_code == 401
    assert client.delete(f"/api/v1/auth/tokens/{_alices.pk}/").status_code == 404
    assert with_key(alices_key).get(ANY_API_PAGE).status_code == 200


def test_last_used_is_written_at_most_once_a_minute(malee):
    response = obtain().json()
    client = with_key(response["token"])
    client.get(ANY_API_PAGE)
    first = ApiToken.objects.get(pk=response["id"]).last_used_at
    assert first is not None
    client.get(ANY_API_PAGE)
    assert ApiToken.objects.get(pk=response["id"]).last_used_at == first
    ApiToken.objects.filter(pk=response["id"]).update(last_used_at=first - datetime.timedelta(minutes=2))
    client.get(ANY_API_PAGE)
    assert ApiToken.objects.get(pk=response["id"]).last_used_at > first


def test_a_password_change_revokes_every_token(malee):
    keys = [obtain().json()["token"] for _ in range(2)]
    web = Client()
    assert web.login(username="malee", password=PASSWORD)
    new = "another quite long passphrase"
    web.post("/account/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    for key in keys:
        assert with_key(key).get(ANY_API_PAGE).status_code == 401
    assert set(ApiToken.objects.values_list("ended_because", flat=True)) == {"password"}


def test_a_deactivation_revokes_every_token_and_a_reactivation_does_not_bring_them_back(users):
    _token, key = api_token_issue(user=users["alice"])
    supervisor = client_for(users["sam"])
    supervisor.post(f"/staff/{users['alice'].pk}/active/", {"active": "0"})
    supervisor.post(f"/staff/{users['alice'].pk}/active/", {"active": "1"})
    refused = with_key(key).get(ANY_API_PAGE)
    assert refused.status_code == 401 and "revoked" in refused.json()["error"]["message"]
    assert ApiToken.objects.get().ended_because == "deactivated"


def test_a_password_set_or_an_account_deactivated_by_an_administrator_revokes_every_token(users):
    admin = User.objects.create_superuser("root", "root@example.org", "an admin passphrase")
    _token, key = api_token_issue(user=users["alice"])
    new = "a new long passphrase"
    response = client_for(admin).post(
        f"/admin/accounts/user/{users['alice'].pk}/password/", {"password1": new, "password2": new}
    )
    assert response.status_code == 302
    assert with_key(key).get(ANY_API_PAGE).status_code == 401
    assert ApiToken.objects.get().ended_because == "password"


def test_a_token_issued_on_a_password_alone_ends_when_the_role_is_raised_to_one_that_needs_two_factor(malee):
    """A caseworker's token (no second factor) must not carry a supervisor past the code."""
    _token, key = api_token_issue(user=malee)
    malee.role = "supervisor"
    malee.save(update_fields=["role"])  # however it was raised: the authentication itself refuses
    refused = with_key(key).get(ANY_API_PAGE)
    assert refused.status_code == 401 and "two-factor" in refused.json()["error"]["message"]


def test_raising_a_role_in_the_admin_revokes_the_users_tokens(malee, rf):
    from django.contrib.admin.sites import site

    admin = User.objects.create_superuser("root", "root@example.org", "an admin passphrase")
    api_token_issue(user=malee)
    malee.role = "supervisor"
    request = rf.post("/admin/")
    request.user = admin
    site._registry[User].save_model(request, malee, type("Form", (), {"changed_data": ["role"]})(), True)
    assert ApiToken.objects.get(user=malee).ended_because == "role"


def test_an_inactive_account_gets_no_token(malee):
    malee.is_active = False
    malee.save(update_fields=["is_active"])
    assert obtain().status_code == 400
    assert not ApiToken.objects.exists()


def test_a_token_name_too_long_is_refused_naming_the_field(malee):
    response = obtain("x" * 101)
    assert response.status_code == 400 and "name" in response.json()["error"]["fields"]
    assert not ApiToken.objects.exists()


def test_the_account_page_lists_own_tokens_and_revokes_one(users):
    alice = users["alice"]
    token, key = api_token_issue(user=alice, name="field laptop")
    api_token_issue(user=users["sam"], name="sams token")
    client = client_for(alice)
    body = client.get("/account/tokens/").content.decode()
    assert "field laptop" in body and token.prefix in body and "sams token" not in body and key not in body
    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/account/tokens/"
    assert with_key(key).get(ANY_API_PAGE).status_code == 401
    assert "field laptop" not in client.get("/account/tokens/").content.decode()
    assert 'href="/account/tokens/"' in client.get("/account/preferences/").content.decode()


def test_a_supervisor_lists_and_revokes_their_staffs_tokens_audited(users):
    token, key = api_token_issue(user=users["alice"], name="alices laptop")
    supervisor = client_for(users["sam"])
    assert f'href="/staff/{users["alice"].pk}/tokens/"' in supervisor.get("/staff/").content.decode()
    body = supervisor.get(f"/staff/{users['alice'].pk}/tokens/").content.decode()
    assert "alices laptop" in body
    read = AuditEvent.objects.filter(action="read", actor=users["sam"], object_id=str(users["alice"].pk)).get()
    assert read.categories == ["credentials"]
    response = supervisor.post(f"/account/tokens/{token.pk}/revoke/")
    assert response["Location"] == f"/staff/{users['alice'].pk}/tokens/"
    token.refresh_from_db()
    assert token.revoked_by == users["sam"] and token.ended_because == "revoked"
    assert with_key(key).get(ANY_API_PAGE).status_code == 401


def test_no_one_else_sees_or_revokes_a_users_tokens(users):
    token, key = api_token_issue(user=users["alice"])
    alice_id = users["alice"].pk
    for persona in ("bella", "bob", "pat"):  # another agency's supervisor, a caseworker elsewhere, a provider
        client = client_for(users[persona])
        assert client.get(f"/staff/{alice_id}/tokens/").status_code in (403, 404)
        assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert client_for(None).post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    assert client_for(users["bob"]).get("/account/tokens/").status_code == 200  # their own list: empty
    assert with_key(key).get(ANY_API_PAGE).status_code == 200
