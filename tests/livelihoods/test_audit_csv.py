"""The programme audit as CSV: the scorecard's figures as the page shows them, for the same readers, never a person."""

import csv
import io

from django.urls import reverse

from reintegra.cases.choices import DataCategory
from reintegra.livelihoods import scorecard
from reintegra.livelihoods.scorecard import shown_value

from ..conftest import client_for
from .test_enrolments import move, recommend, refer_to_trainer
from .test_labour_market_pages import AUDIT_READERS, NOT_AUDIT_READERS


def rows_of(response) -> list[dict[str, str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheet programs read it as UTF-8
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_audit_csv_has_a_row_per_indicator_with_the_figures_of_the_page(users, network, case, catalogue):
    paid, unpaid = catalogue
    refer_to_trainer(users, case, network)
    enrolment = recommend(users, case, paid)
    for who, to in (("alice", "offered"), ("alice", "accepted"), ("pat", "enrolled"), ("pat", "completed")):
        move(users[who], enrolment, to)
    declined = recommend(users, case, unpaid)
    move(users["alice"], declined, "declined", reason="Too far from home")

    response = client_for(users["ana"]).get(reverse("livelihoods:audit_csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="programme-audit.csv"'
    rows = rows_of(response)
    total = {row["indicator"]: row for row in rows if row["scope"] == "all" and row["failure"] != "feedback"}
    assert list(total) == list(scorecard.SPECS)
    # Then the returnees' feedback (issue 16): none given yet, the total counts no answers.
    feedback = [(row["indicator"], row["value"]) for row in rows if row["failure"] == "feedback"]
    assert feedback[0] == ("feedback_answers", "0") and len(feedback) == 4
    # The catalogue: two occupation groups (74, 75), a 16-week course without stipend, all 15 seats given
    # in ISCO 74 with 120 vacancies in TH-57.
    assert (total["occupation_groups"]["value"], total["occupation_groups"]["flag"]) == ("2", "yes")
    assert (total["long_unpaid_trainings"]["value"], total["long_unpaid_trainings"]["flag"]) == ("1", "yes")
    assert (total["seats_high_demand"]["value"], total["seats_high_demand"]["flag"]) == ("1.0", "no")
    # One person: every figure about people is suppressed, never shown as a value.
    declines = total["declined_offers"]
    assert (declines["value"], declines["flag"], declines["suppressed"]) == ("", "", "yes")
    page = client_for(users["ana"]).get(reverse("livelihoods:audit"))
    assert [i.shown for i in page.context["card"].indicators] == [
        shown_value(None if r["value"] == "" else float(r["value"]), r["unit"], suppressed=r["suppressed"] == "yes")
        for r in total.values()
    ]
    assert {row["scope"] for row in rows} == {"all", "provider:gamma-training", "area:TH-57"}
    # The decline's reason and the person stay on the case: the file holds figures only.
    body = response.content.decode()
    assert case.code not in body and "Too far from home" not in body
    assert "Somsri" not in body and DataCategory.IDENTITY not in rows[0]


def test_the_audit_page_links_to_its_csv(users, catalogue):
    body = client_for(users["ana"]).get(reverse("livelihoods:audit")).content.decode()
    assert f'href="{reverse("livelihoods:audit_csv")}"' in body


def test_every_audit_reader_and_nobody_else_downloads_the_csv(users, catalogue):
    for persona in AUDIT_READERS:
        assert client_for(users[persona]).get(reverse("livelihoods:audit_csv")).status_code == 200, persona
    for persona in NOT_AUDIT_READERS:
        assert client_for(users[persona]).get(reverse("livelihoods:audit_csv")).status_code == 403, persona
    anonymous = client_for(None).get(reverse("livelihoods:audit_csv"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
