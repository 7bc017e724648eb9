"""Dates read one way per language on every page, and agencies are named as the reader reads them."""

import datetime
import re
from pathlib import Path

import pytest
from django import forms
from django.utils import timezone, translation

from reintegra.cases import services as case_services
from reintegra.lib import dates, phrases

from .cases.conftest import case, refer, share_with  # noqa: F401
from .conftest import client_for

TEMPLATES = Path(__file__).resolve().parents[1] / "reintegra" / "templates"
DAY = datetime.date(2026, 11, 30)


def test_no_template_formats_a_date_itself():
    """Every date goes through `day` or `moment` (reintegra/accounts/templatetags/display.py): a
    template with Django's `date` or `time` filter would bring a second format onto its page."""
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in re.finditer(r"\|\s*(date|time)\b[^}%]*", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [
        ("en", "30 Nov 2026", "30 Nov 2026, 14:05"),
        ("th", "30 พ.ย. 2026", "30 พ.ย. 2026, 14:05"),
        ("fil", "30 Nob 2026", "30 Nob 2026, 2:05 PM"),
    ],
)
def test_each_language_has_one_format_for_a_day_and_one_for_a_moment(language, day, moment):
    at = datetime.datetime(2026, 11, 30, 14, 5, tzinfo=timezone.get_current_timezone())  # where the installation is
    with translation.override(language):
        assert dates.show_day(DAY) == dates.show_day(at) == day
        assert dates.show_moment(at) == moment
        # Stored in UTC, shown where the installation is: 07:05 UTC is 14:05 in Bangkok.
        assert dates.show_moment(at.astimezone(datetime.UTC)) == moment


def test_the_buddhist_era_adds_543_years_and_leaves_escaped_letters_alone():
    with translation.override("th"), dates.calendar_override(dates.BUDDHIST):
        assert dates.show_day(DAY) == "30 พ.ย. 2569"
    assert dates._in_era(r"j M Y \Y y", 2026) == r"j M \2\5\6\9 \Y \6\9"
    with translation.override("en"):
        assert dates.show_day(DAY) == "30 Nov 2026"  # outside the override, Gregorian again


def test_date_inputs_keep_iso_values_in_every_language():
    widget = forms.DateInput(attrs={"type": "date"})
    for language in ("en", "th", "fil"):
        with translation.override(language):
            assert 'value="2026-11-30"' in widget.render("on", DAY)
            assert forms.DateField().clean("2026-11-30") == DAY


def test_a_timeline_date_follows_the_reader_and_a_counted_phrase_its_number():
    params = {"date": phrases.day(DAY)}
    with translation.override("th"):
        assert phrases.render("Task due %(date)s.", params).endswith("30 พ.ย. 2026")
    counted = "Income follow-up, %(months)s month after %(option)s"
    plural = phrases.plural("Income follow-up, %(months)s months after %(option)s", "months")
    with translation.override("en"):
        assert phrases.render(counted, {"months": 1, "option": "Welding", **plural}).startswith(
            "Income follow-up, 1 month"
        )
        assert phrases.render(counted, {"months": 3, "option": "Welding", **plural}).startswith(
            "Income follow-up, 3 months"
        )


def test_a_page_shows_every_date_in_the_readers_one_format(case, users):  # noqa: F811
    case_services.return_record(
        actor=users["alice"],
        case=case,
        country_from="SA",
        returned_on=datetime.date(2025, 6, 1),
        return_type="deportation",
    )
    alice = client_for(users["alice"])
    english = alice.get(f"/cases/{case.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 Jun 2025" in english
    # No US-style or long-month dates beside it (11/30/2026, "June 1, 2025", "Jun. 1, 2025").
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b", english)
    assert not re.search(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4}", english)
    thai = alice.get(f"/cases/{case.code}/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert "1 มิ.ย. 2025" in thai and "1 Jun 2025" not in thai
    filipino = alice.get(f"/cases/{case.code}/", HTTP_ACCEPT_LANGUAGE="fil").content.decode()
    assert "1 Hun 2025" in filipino and not re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b", filipino)


# --- Agency names ---------------------------------------------------------------------------------


def test_an_agency_is_named_locally_for_readers_of_its_countrys_language(network):
    alpha = network.alpha  # Thai, with a Thai name
    assert alpha.name_for("th") == "สำนักงานอัลฟา" and alpha.name_for("en") == "Alpha Welfare Office"
    assert alpha.name_for("fil") == "Alpha Welfare Office"  # a Filipino reader reads the English name
    network.beta.name_local = "Tanggapan ng Beta"
    assert network.beta.name_for("fil") == "Tanggapan ng Beta" and network.beta.name_for("th") == "Beta DSWD Office"
    assert network.trainer.name_for("th") == network.trainer.name  # no local name recorded


def test_pages_name_agencies_in_the_readers_language(case, users, network):  # noqa: F811
    share_with(users["alice"], case, network.beta)
    refer(users["alice"], case, network.beta)
    bob = client_for(users["bob"])  # Beta receives the referral from Alpha
    thai = bob.get("/referrals/?direction=incoming", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert "สำนักงานอัลฟา" in thai and "Alpha Welfare Office" not in thai
    english = bob.get("/referrals/?direction=incoming", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Alpha Welfare Office" in english and "สำนักงานอัลฟา" not in english
    directory = client_for(users["alice"]).get("/network/?q=Alpha", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert re.search(r"<a [^>]*>สำนักงานอัลฟา</a> <span class=\"local\">Alpha Welfare Office</span>", directory)
    header = client_for(users["alice"]).get("/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert '<span class="who">alice · สำนักงานอัลฟา</span>' in header
    case_page = client_for(users["alice"]).get(f"/cases/{case.code}/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert '<p class="meta">สำนักงานอัลฟา' in case_page


def test_a_timeline_line_names_the_agency_in_each_readers_language(case, users, network):  # noqa: F811
    network.beta.name_local = "Tanggapan ng Beta"
    network.beta.save(update_fields=["name_local"])
    share_with(users["alice"], case, network.beta)
    refer(users["alice"], case, network.beta)
    alice = client_for(users["alice"])
    timeline = {
        lang: alice.get(f"/cases/{case.code}/", HTTP_ACCEPT_LANGUAGE=lang).content.decode().split('id="timeline"')[1]
        for lang in ("en", "fil", "th")
    }
    assert "Beta DSWD Office" in timeline["en"] and "Tanggapan ng Beta" not in timeline["en"]
    assert "Tanggapan ng Beta" in timeline["fil"] and "Beta DSWD Office" not in timeline["fil"]
    assert "Beta DSWD Office" in timeline["th"]  # a Thai reader reads a Philippine agency's English name
