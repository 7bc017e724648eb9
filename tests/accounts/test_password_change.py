"""A user changes their own password, with the rules shown; a wrong current password or a weak new
one is refused next to its field, and counts toward the lock-out when it is the current one."""

import re

import pytest
from django.test import Client, override_settings

from reintegra.accounts.models import AuditEvent, User

from ..conftest import client_for, make_user

URL = "/account/password/"
OLD = "a-long-secret-pass"
NEW = "another quite long passphrase"


@pytest.fixture
def malee(network):
    return make_user("malee", network.alpha, "caseworker", password=OLD)


def logged_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=OLD)
    return client


def change(client: Client, old: str, new: str, again: str | None = None):
    return client.post(URL, {"old_password": old, "new_password1": new, "new_password2": again or new})


def field_errors(body: str, field: str) -> list[str]:
    """The errors shown inside the field's own box, next to its input."""
    box = re.search(rf'<div class="field has-error">\s*<label for="id_{field}".*?</div>', body, re.S)
    return re.findall(r'<p class="error"[^>]*>(.*?)</p>', box.group(0)) if box else []


def test_the_page_shows_the_password_rules_and_is_linked_from_the_header(malee):
    client = logged_in(malee)
    body = client.get(URL).content.decode()
    assert 'id="password-rules"' in body and "at least 10 characters" in body
    assert 'aria-describedby="password-rules"' in body
    assert f'href="{URL}"' in client.get("/").content.decode()


def test_a_user_changes_their_own_password_stays_logged_in_and_the_change_is_audited(malee):
    client = logged_in(malee)
    response = change(client, OLD, NEW)
    assert response.status_code == 302
    malee.refresh_from_db()
    assert malee.check_password(NEW) and not malee.check_password(OLD)
    assert client.get(URL).status_code == 200  # the session goes on
    event = AuditEvent.objects.filter(action="update", actor=malee, object_id=str(malee.pk)).latest("seq")
    assert event.categories == ["credentials"] and event.details == {"changed": ["password"]}
    assert Client().login(username="malee", password=NEW)


def test_a_weak_new_password_is_refused_next_to_its_field_and_nothing_changes(malee):
    client = logged_in(malee)
    for weak, problem in (("short", "too short"), ("1234567890123", "entirely numeric"), ("password123", "too common")):
        response = change(client, OLD, weak)
        body = response.content.decode()
        assert response.status_code == 200
        assert any(problem in e for e in field_errors(body, "new_password2")), (weak, body)
        assert f'value="{weak}"' not in body  # passwords are never sent back
    response = change(client, OLD, NEW, again=NEW + "x")
    assert field_errors(response.content.decode(), "new_password2")
    malee.refresh_from_db()
    assert malee.check_password(OLD)


def test_a_wrong_current_password_is_refused_next_to_its_field_and_counts_as_a_failed_login(malee):
    client = logged_in(malee)
    response = change(client, "not-my-password", NEW)
    body = response.content.decode()
    assert any("incorrectly" in e for e in field_errors(body, "old_password"))
    assert 'value="not-my-password"' not in body and NEW not in body
    malee.refresh_from_db()
    assert malee.check_password(OLD)
    assert AuditEvent.objects.filter(action="login_failed", details__username="malee").count() == 1


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_guessing_the_current_password_locks_the_change(malee):
    client = logged_in(malee)
    for _ in range(3):
        change(client, "guess", NEW)
    response = change(client, OLD, NEW)
    assert "locked" in response.content.decode()
    malee.refresh_from_db()
    assert malee.check_password(OLD)


def test_someone_not_logged_in_is_sent_to_log_in(users):
    response = client_for(None).get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client_for(users["charlie"]).get(URL).status_code == 200  # any account may change its own
