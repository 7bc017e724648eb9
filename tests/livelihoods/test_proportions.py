"""Shares and chances as people read them ("80 %", "about 7 in 10"), and the Duncan index in words,
on every page that shows them."""

import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from reintegra.access import case_get_for_user
from reintegra.lib.proportions import duncan_in_words, in_ten, percent
from reintegra.livelihoods import skills
from reintegra.matching.metrics import duncan_index

from ..conftest import client_for

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.8, f"80{NBSP}%"),
        (0.805, f"81{NBSP}%"),  # half up, on the decimal value
        (0.125, f"13{NBSP}%"),
        (0, f"0{NBSP}%"),
        (1, f"100{NBSP}%"),
        (0.004, f"under 1{NBSP}%"),  # never "0 %" for someone
        (0.996, f"over 99{NBSP}%"),  # never "100 %" short of everyone
        (1.2, f"100{NBSP}%"),  # clamped
        (None, "—"),
    ],
)
def test_a_share_reads_as_a_whole_percentage(value, shown):
    with translation.override("en"):
        assert percent(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.68, "about 7 in 10"),
        (0.65, "about 7 in 10"),  # half up
        (0.64, "about 6 in 10"),
        (0.35, "about 4 in 10"),  # the decimal 0.35, not the binary 0.34999…
        (0.05, "about 1 in 10"),
        (0.04, "fewer than 1 in 10"),
        (0.95, "more than 9 in 10"),
        (0.999, "more than 9 in 10"),
        (0, "0 in 10"),
        (1, "10 in 10"),
        (-0.1, "0 in 10"),
        (None, "—"),
    ],
)
def test_a_chance_reads_in_tenths(value, shown):
    with translation.override("en"):
        assert in_ten(value) == shown


def test_the_filters_render_in_templates_and_are_escaped():
    template = Template("{% load proportions %}{{ s|percent }} · {{ p|chance }} · {{ d|duncan_words }}")
    with translation.override("en"):
        shown = template.render(Context({"s": 0.8, "p": 0.68, "d": None}))
    assert shown == f"80{NBSP}% · about 7 in 10 · Not measured: no women or no men among the people given an option."


def test_the_duncan_index_is_explained_from_its_number():
    # Women: 3 in option 0, 1 in option 1; men: 1 in option 0, 3 in option 1 → D = 0.5.
    d = duncan_index([0, 0, 0, 1, 0, 1, 1, 1], [True, True, True, True, False, False, False, False], 2)
    assert d == pytest.approx(0.5)
    with translation.override("en"):
        assert duncan_in_words(d) == (
            "About 5 in 10 women (or men) would have to change options for both to be spread alike across the options."
        )
        assert duncan_in_words(0.32).startswith("About 3 in 10 women (or men)")
        assert duncan_in_words(0.02).startswith("Fewer than 1 in 10 women (or men)")
        assert "spread alike" in duncan_in_words(0) and "nobody would have to change" in duncan_in_words(0)
        assert "never share an option" in duncan_in_words(1)
        assert "Not measured" in duncan_in_words(None)


def test_the_numbers_follow_the_readers_locale():
    with translation.override("th"):
        assert re.fullmatch(r"80\s?%", percent(0.8).replace(NBSP, " "))
    with translation.override("fil"):
        assert "80" in percent(0.8) and "%" in percent(0.8)


# --- On the pages ----------------------------------------------------------------------------------


def test_recommendations_on_the_case_page_read_as_about_n_in_10(users, case, catalogue):
    access = case_get_for_user(users["alice"], code=case.code, for_edit=True)
    skills.profile_save(
        actor=users["alice"],
        access=access,
        experience=[{"isco": "74", "years": 4, "abroad": True}],
        aspirations=[{"isco": "74", "mode": "wage_job"}],
        needs_income_now=True,
        income_needed_monthly=Decimal(8000),
        currency="THB",
    )
    page = client_for(users["alice"]).get(f"/livelihoods/case/{case.code}/").content.decode()
    block = page.split('id="recommendations"')[1].split("</section>")[0]
    assert re.search(r"chance of a decent income: about \d in 10", block)
    assert not re.search(r"0\.\d\d", block)


def test_the_programme_audit_shows_rates_as_percentages(users, case, catalogue):
    page = client_for(users["ana"]).get("/livelihoods/audit/").content.decode()
    seats = page.split('id="indicator-seats_high_demand"')[1].split("</li>")[0]
    assert f"100{NBSP}%" in seats and f"50{NBSP}%" in seats  # all seats in high demand; threshold 50 %
    partners = page.split('id="indicator-trainings_with_partner"')[1].split("</li>")[0]
    assert f"0{NBSP}%" in partners
    assert not re.search(r"\d%", seats + partners)  # never "100%" without the no-break space


def test_the_prediction_page_shows_rates_as_percentages(users, catalogue):
    page = client_for(users["ana"]).get("/livelihoods/prediction/").content.decode()
    assert re.search(rf"network success rate \d+{NBSP}%", page)
