"""The programme audit as CSV: the page's figures per option, for the same readers, never a person."""

import csv
import io

from django.urls import reverse

from reintegra.cases.choices import DataCategory

from ..conftest import client_for
from .test_enrolments import move, recommend, refer_to_trainer
from .test_labour_market_pages import AUDIT_READERS, NOT_AUDIT_READERS


def rows_of(response) -> list[dict[str, str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheet programs read it as UTF-8
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_audit_csv_has_a_row_per_option_with_the_counts_and_rates_of_the_page(users, network, case, catalogue):
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
    rows = {row["option"]: row for row in rows_of(response)}
    assert set(rows) == {paid.title, unpaid.title}
    welding = rows[paid.title]
    assert (welding["completed"], welding["enrolled"], welding["declined"]) == ("1", "0", "0")
    assert (welding["completion_rate"], welding["placement_rate"]) == ("1.000", "0.000")
    assert welding["provider"] == "Gamma Skills Centre" and welding["occupation_group"].startswith("74 ")
    sewing = rows[unpaid.title]
    assert (sewing["declined"], sewing["long_without_stipend"], sewing["duration_weeks"]) == ("1", "yes", "16")
    assert sewing["completion_rate"] == "" and sewing["placement_rate"] == ""
    # The decline's reason and the person stay on the case: the file holds counts only.
    body = response.content.decode()
    assert case.code not in body and "Too far from home" not in body
    assert "Somsri" not in body and DataCategory.IDENTITY not in rows_of(response)[0]


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
