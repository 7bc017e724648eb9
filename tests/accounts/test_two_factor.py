"""Two-factor sign-in: set up with a code of the app, asked after the password, recovery codes that
work once, required for supervisors, coordinators and administrators, and for their API tokens."""

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reintegra.accounts import two_factor
from reintegra.accounts.models import AuditEvent, LoginFailure, User
from reintegra.accounts.two_factor import TwoFactorLocked

from ..conftest import client_for, make_user, two_factor_sign_in
from ..otp import totp_code as code

PASSWORD = "a-long-secret-pass"
SETUP = "/account/two-factor/set-up/"
VERIFY = "/login/code/"


def signed_in(user: User) -> Client:
    """A client past the password only, as the login page leaves it."""
    client = Client()
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def enrolled(user: User) -> tuple[TOTPDevice, list[str]]:
    key = two_factor.totp_secret_new()
    codes = two_factor.totp_device_confirm(user=user, key=key, code=code(key))
    return TOTPDevice.objects.get(user=user), codes


@pytest.fixture
def malee(network):
    return make_user("malee", network.alpha, "caseworker", password=PASSWORD)


@pytest.fixture
def somsak(network):
    return make_user("somsak", network.alpha, "supervisor", password=PASSWORD)


def test_a_caseworker_sets_it_up_with_the_secret_and_a_code_and_gets_ten_recovery_codes_once(malee):
    client = signed_in(malee)
    assert client.get("/account/two-factor/").status_code == 200
    page = client.get(SETUP).content.decode()
    key = client.session["two_factor_setup_key"]
    assert two_factor.totp_secret_text(key) in page and 'src="/account/two-factor/set-up/qr.svg"' in page
    qr = client.get(SETUP + "qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and qr.content.startswith(b"<svg")
    assert b"style" not in qr.content  # the strict CSP refuses inline styles, in an SVG too

    response = client.post(SETUP, {"code": code(key)})
    assert response.status_code == 200
    shown = response.context["codes"]
    assert len(shown) == 10 and len(set(shown)) == 10 and all(c in response.content.decode() for c in shown)
    device = TOTPDevice.objects.get(user=malee)
    assert device.confirmed and device.key == key
    # Kept only as digests: the database cannot give a code back.
    stored = set(StaticToken.objects.filter(device__user=malee).values_list("token", flat=True))
    assert stored == {two_factor.recovery_code_digest(c) for c in shown} and not stored & set(shown)
    event = AuditEvent.objects.filter(actor=malee, action="create").latest("seq")
    assert event.details == {"two_factor": "enabled"} and event.categories == ["credentials"]
    assert client.get("/").status_code == 200  # this session is verified by the code
    assert "two_factor_setup_key" not in client.session


def test_a_wrong_code_at_set_up_is_refused_next_to_the_field_and_turns_nothing_on(malee):
    client = signed_in(malee)
    client.get(SETUP)
    key = client.session["two_factor_setup_key"]
    wrong = f"{(int(code(key)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=malee).exists() and not StaticToken.objects.exists()
    assert LoginFailure.objects.filter(username="malee").count() == 1


def test_with_it_on_the_password_alone_reaches_no_page_and_the_code_opens_them(malee):
    device, _codes = enrolled(malee)
    client = signed_in(malee)
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"] == f"{VERIFY}?next=%2Fcases%2F"
    assert client.get("/api/v1/cases/").status_code == 403

    wrong = client.post(VERIFY, {"code": "000000" if code(device.key, 1) != "000000" else "111111"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    failed = AuditEvent.objects.filter(action="login_failed").latest("seq")
    assert failed.details["two_factor"] == "wrong_code" and failed.details["username"] == "malee"

    device.refresh_from_db()
    device.throttling_failure_count = 0  # django-otp's own back-off would wait a second here
    device.save()
    right = client.post(VERIFY, {"code": code(device.key, 1), "next": "/cases/"})
    assert right.status_code == 302 and right["Location"] == "/cases/"
    assert client.get("/cases/").status_code == 200
    assert not LoginFailure.objects.filter(username="malee").exists()  # the right code clears the count


def test_turning_it_on_in_one_session_asks_the_code_in_the_user_s_other_sessions(malee):
    phone = signed_in(malee)
    assert phone.get("/").status_code == 200
    enrolled(malee)  # in another session
    response = phone.get("/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_the_code_page_goes_on_only_to_pages_of_this_site(malee):
    device, _codes = enrolled(malee)
    client = signed_in(malee)
    response = client.post(VERIFY, {"code": code(device.key, 1), "next": "https://elsewhere.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_wrong_codes_count_toward_the_lock_out_and_a_known_password_does_not_reset_them(malee, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    enrolled(malee)
    client = signed_in(malee)
    client.post(VERIFY, {"code": "123456"})
    client = signed_in(malee)  # the right password again: the count goes on
    client.post(VERIFY, {"code": "123456"})
    client.post(VERIFY, {"code": "123456"})
    assert LoginFailure.objects.filter(username="malee").count() == 3
    response = client.post(VERIFY, {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session  # the half-signed-in session is ended
    refused = Client().post("/login/", {"username": "malee", "password": PASSWORD})
    assert refused.status_code == 200 and "locked" in refused.content.decode()


def test_a_recovery_code_signs_in_once_and_only_once(malee):
    _device, codes = enrolled(malee)
    client = signed_in(malee)
    response = client.post(VERIFY, {"code": codes[0].upper()}, follow=True)
    assert response.redirect_chain[-1][0] == "/" and "9 are left" in response.content.decode()
    used = AuditEvent.objects.filter(actor=malee, action="login").latest("seq")
    assert used.details == {"two_factor": "recovery_code", "recovery_codes_left": 9}

    again = signed_in(malee)
    response = again.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert again.get("/").status_code == 302


def test_new_recovery_codes_replace_the_old_ones_and_the_change_is_audited(malee):
    _device, old = enrolled(malee)
    client = signed_in(malee)
    client.post(VERIFY, {"code": old[1]})
    response = client.post("/account/two-factor/recovery-codes/")
    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert AuditEvent.objects.filter(actor=malee, action="update").latest("seq").details == {
        "two_factor": "recovery_codes_regenerated"
    }
    assert two_factor.two_factor_verify(user=malee, code=new[0]) is not None
    assert two_factor.two_factor_verify(user=malee, code=old[2]) is None


def test_a_caseworker_may_turn_it_off_and_that_is_audited(malee):
    device, _codes = enrolled(malee)
    client = signed_in(malee)
    assert client.post(VERIFY, {"code": code(device.key, 1)}).status_code == 302
    response = client.post("/account/two-factor/off/", follow=True)
    assert "Two-factor sign-in is off." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=malee).exists() and not StaticToken.objects.exists()
    assert AuditEvent.objects.filter(actor=malee, action="delete").latest("seq").details == {"two_factor": "disabled"}


def test_a_supervisor_is_sent_to_set_up_before_any_page_and_may_still_leave(somsak):
    client = signed_in(somsak)
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"] == f"{SETUP}?next=%2Fcases%2F"
    assert client.get(SETUP).status_code == 200
    assert client.get("/exit/").status_code == 200  # the quick exit's page
    assert client.post("/i18n/setlang/", {"language": "th", "next": SETUP}).status_code == 302
    api = client.get("/api/v1/cases/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "two_factor_required"
    assert client.post("/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_link_cannot_turn_it_off(malee):
    enrolled(malee)
    client = client_for(malee)
    two_factor_sign_in(client, malee)
    assert client.get("/account/two-factor/off/").status_code == 405
    assert TOTPDevice.objects.filter(user=malee).exists()


def test_a_supervisor_cannot_turn_it_off(users):
    sam = users["sam"]
    client = client_for(sam)
    response = client.post("/account/two-factor/off/", follow=True)
    assert "cannot be turned off" in response.content.decode()
    assert TOTPDevice.objects.filter(user=sam, confirmed=True).exists()
    with pytest.raises(Exception, match="cannot be turned off"):
        two_factor.two_factor_disable(user=sam)


def test_administrators_and_network_coordinators_require_it_and_caseworkers_do_not(users):
    admin = User.objects.create_superuser("root", password=PASSWORD)
    assert two_factor.two_factor_required(admin) and two_factor.two_factor_required(users["cora"])
    assert two_factor.two_factor_required(users["bella"])
    assert not any(two_factor.two_factor_required(users[n]) for n in ("alice", "pat", "ana", "charlie"))


def test_locked_usernames_cannot_try_codes(malee, settings):
    settings.LOGIN_FAILURE_LIMIT = 1
    device, _codes = enrolled(malee)
    assert two_factor.two_factor_verify(user=malee, code="123456") is None
    with pytest.raises(TwoFactorLocked):
        two_factor.two_factor_verify(user=malee, code=code(device.key, 1))


TOKEN = "/api/v1/auth/token/"


def test_an_api_token_for_a_supervisor_needs_the_code_of_the_app(somsak):
    client = Client()
    refused = client.post(TOKEN, {"username": "somsak", "password": PASSWORD}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "two_factor_setup_required"

    device, _codes = enrolled(somsak)
    missing = client.post(TOKEN, {"username": "somsak", "password": PASSWORD}, content_type="application/json")
    assert missing.status_code == 400 and "otp" in missing.json()["error"]["fields"]
    wrong = client.post(
        TOKEN, {"username": "somsak", "password": PASSWORD, "otp": "12345x"}, content_type="application/json"
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "invalid_otp"
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.save()
    issued = client.post(
        TOKEN,
        {"username": "somsak", "password": PASSWORD, "otp": code(device.key, 1)},
        content_type="application/json",
    )
    assert issued.status_code == 200 and issued.json()["token"]


def test_a_caseworker_without_two_factor_gets_a_token_with_the_password_alone(malee):
    response = Client().post(TOKEN, {"username": "malee", "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 200 and response.json()["token"]
