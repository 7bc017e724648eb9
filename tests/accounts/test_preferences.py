"""Each user chooses the language of their pages and the calendar their years are shown in."""

import datetime
import re

from django.conf import settings
from django.test import Client

from reintegra.accounts.models import AuditEvent, User
from reintegra.cases import services as case_services

from ..cases.conftest import case  # noqa: F401
from ..conftest import client_for, make_user


def test_a_user_chooses_the_buddhist_era_and_thai_and_the_choice_is_audited(users):
    alice = client_for(users["alice"])
    assert 'name="calendar"' in alice.get("/account/preferences/").content.decode()
    response = alice.post("/account/preferences/", {"language": "th", "calendar": "buddhist"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "th"
    users["alice"].refresh_from_db()
    assert users["alice"].calendar == "buddhist" and users["alice"].preferred_language == "th"
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "update" and event.actor == users["alice"] and event.categories == ["account"]
    assert 'lang="th"' in alice.get("/account/preferences/").content.decode()


def test_an_unknown_calendar_or_language_is_refused_and_nothing_is_saved(users):
    alice = client_for(users["alice"])
    for bad in ({"language": "th", "calendar": "julian"}, {"language": "xx", "calendar": "buddhist"}):
        response = alice.post("/account/preferences/", bad)
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    users["alice"].refresh_from_db()
    assert users["alice"].calendar == "gregorian" and users["alice"].preferred_language == ""


def test_the_preferences_page_needs_a_login(users):
    response = client_for(None).get("/account/preferences/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_header_leads_to_the_preferences(users):
    assert 'href="/account/preferences/"' in client_for(users["charlie"]).get("/").content.decode()


def test_years_are_shown_in_the_buddhist_era_to_whoever_chose_it_and_to_no_one_else(case, users):  # noqa: F811
    case_services.return_record(
        actor=users["alice"],
        case=case,
        country_from="SA",
        returned_on=datetime.date(2025, 6, 1),
        return_type="deportation",
    )
    users["alice"].calendar = "buddhist"
    users["alice"].save(update_fields=["calendar"])
    thai = client_for(users["alice"]).get(f"/cases/{case.code}/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert "1 มิ.ย. 2568" in thai and "1 มิ.ย. 2025" not in thai  # the return's date, and its timeline line
    english = client_for(users["alice"]).get(f"/cases/{case.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 Jun 2568" in english
    # A colleague who did not choose it reads the Gregorian year on the same page.
    sam = client_for(users["sam"]).get(f"/cases/{case.code}/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    # Not 2568 as a year: a time's microseconds in an attribute may hold those digits.
    assert "1 มิ.ย. 2025" in sam and not re.search(r"(?<![\d.])2568(?!\d)", sam)


def test_the_chosen_language_follows_the_user_to_a_new_device(network):
    make_user("tala", network.beta, "caseworker", password="a-long-secret-pass")
    User.objects.filter(username="tala").update(preferred_language="fil")
    response = Client().post("/login/", {"username": "tala", "password": "a-long-secret-pass"})
    assert response.status_code == 302 and response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fil"
    make_user("noi", network.alpha, "caseworker", password="a-long-secret-pass")  # chose nothing
    response = Client().post("/login/", {"username": "noi", "password": "a-long-secret-pass"})
    assert response.status_code == 302 and settings.LANGUAGE_COOKIE_NAME not in response.cookies
