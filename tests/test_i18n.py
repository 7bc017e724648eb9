from django.utils import translation
from django.utils.formats import date_format

from reintegra.lib import geo

from .conftest import client_for


def test_filipino_is_a_known_language():
    info = translation.get_language_info("fil")
    assert info["name_local"] == "Filipino"


def test_pages_come_in_thai_and_filipino(users, network):
    client = client_for(users["alice"])
    thai = client.get("/network/coverage/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert 'lang="th"' in thai and "แผนที่" in thai
    filipino = client.get("/network/coverage/", HTTP_ACCEPT_LANGUAGE="fil").content.decode()
    assert 'lang="fil"' in filipino and "Mapa" in filipino


def test_the_language_switcher_sets_the_language(users, network):
    client = client_for(users["alice"])
    response = client.post("/i18n/setlang/", {"language": "th", "next": "/network/"})
    assert response.status_code == 302
    assert 'lang="th"' in client.get("/network/").content.decode()


def test_country_and_area_names_follow_the_language():
    with translation.override("th"):
        assert geo.country_name("PH") == "ฟิลิปปินส์"
        assert geo.area_name("TH-57") == "เชียงราย"
    with translation.override("en"):
        assert geo.area_name("TH-57") == "Chiang Rai"


def test_dates_are_localised_in_all_three_languages():
    import datetime

    day = datetime.date(2026, 1, 15)
    with translation.override("en"):
        assert date_format(day) == date_format(day, "SHORT_DATE_FORMAT") == "15 Jan 2026"
    with translation.override("th"):
        assert date_format(day) == "15 ม.ค. 2026"
    with translation.override("fil"):
        assert date_format(day) == "15 Ene 2026"
