"""Exporting HTCDS v2.0 files: supervisors only, audited, and a round trip that gives the same file."""

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied

from reintegra.accounts.models import AuditEvent
from reintegra.cases import services as case_services
from reintegra.cases.models import Case, Returnee
from reintegra.exchange import htcds

from .conftest import MARIA, SOMSRI, fill_template


def somchai(users):
    """A case registered by hand in reintegra, with more than the template holds."""
    case = case_services.case_open(
        actor=users["sam"],
        given_name="Somchai",
        family_name="Jaidee",
        other_names="Chai",
        birth_date=datetime.date(1988, 1, 9),
        phones=["+66 89 111 2233", "053 712 345", "+66 2 123 4567"],
        email="chai@example.org",
        address="5 Soi 3, Chiang Rai",
        gender="Masculine",
        citizenships=["TH", "LA"],
        education="PrimaryEducation",
        marital_status="Married",
        children=2,
        trafficking_status="PossibleVictimOfTrafficking",
    )
    case_services.history_add(
        actor=users["sam"],
        case=case,
        type="Exploitation",
        country="MY",
        exploitation_types=["ForcedLabour", "ForcedCriminality"],
        control_means=["PhysicalThreats"],
        industry="C_Manufacturing",
    )
    case_services.consent_record(
        actor=users["sam"], case=case, purpose="assistance", given_on=datetime.date(2025, 1, 2), language="th"
    )
    return case


def forget_every_case():
    """The database as a new installation has it: the agencies and their staff, no case."""
    Case.objects.all().delete()
    Returnee.objects.all().delete()


@pytest.fixture
def alpha_cases(network, users, tmp_path):
    somchai(users)
    path = fill_template(tmp_path, [SOMSRI, MARIA | {"prs_Salutation": '=HYPERLINK("http://x")'}])
    assert htcds.import_file(path.read_bytes(), filename=path.name, agency=network.alpha, actor=None).ok


@pytest.mark.parametrize("who", ["alice", "bella", "ana", "charlie"])
def test_only_a_supervisor_of_the_agency_exports_it(network, users, alpha_cases, who):
    before = AuditEvent.objects.count()

    with pytest.raises(PermissionDenied):
        htcds.export_file(agency=network.alpha, actor=users[who], fmt="csv")

    assert AuditEvent.objects.count() == before


def test_the_export_is_audited(network, users, alpha_cases):
    htcds.export_file(agency=network.alpha, actor=users["sam"], fmt="xlsx")

    event = AuditEvent.objects.order_by("seq").last()
    assert (event.action, event.actor, event.object_type) == ("export", users["sam"], "network.agency")
    assert event.details == {"export": "htcds", "format": "xlsx", "cases": 3}
    assert "identity" in event.categories


def test_the_export_writes_the_standard_spelling_and_only_the_agency_s_cases(network, users, alpha_cases):
    case_services.case_open(actor=users["bob"], given_name="Beta person")

    text = htcds.export_file(agency=network.alpha, actor=users["sam"], fmt="csv").decode("utf-8-sig")

    header = text.splitlines()[0].split(",")
    assert "vic_TraffickingStatusDecisionMakingOrg" in header
    assert "vic_TraffickinStatusDecisionMakingOrg" not in header
    assert "cas_ReasonForOutgoingReferral" in header
    assert "Somchai" in text and "Somsri" in text and "Beta person" not in text
    assert "+66 89 111 2233" in text and "053 712 345;+66 2 123 4567" in text


def test_csv_round_trip_gives_the_same_file_byte_for_byte(network, users, alpha_cases):
    first = htcds.export_file(agency=network.alpha, actor=users["sam"], fmt="csv")
    forget_every_case()

    result = htcds.import_file(first, filename="alpha.csv", agency=network.alpha, actor=users["sam"])
    assert result.problems == [] and result.created["cases"] == 3

    assert htcds.export_file(agency=network.alpha, actor=users["sam"], fmt="csv") == first


def cell_values(data: bytes) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [tuple(row) for row in book.active.iter_rows(values_only=True)]


def test_xlsx_round_trip_gives_the_same_cells(network, users, alpha_cases):
    first = htcds.export_file(agency=network.alpha, actor=users["sam"], fmt="xlsx")
    forget_every_case()

    result = htcds.import_file(first, filename="alpha.xlsx", agency=network.alpha, actor=users["sam"])
    assert result.problems == [] and result.created["cases"] == 3

    again = htcds.export_file(agency=network.alpha, actor=users["sam"], fmt="xlsx")
    assert cell_values(again) == cell_values(first)
    rows = cell_values(first)
    assert rows[0][0] == "cas_CaseNumber" and rows[1][3] == "First Name"  # names, then labels, like the template
    assert len(rows) == 2 + 3


def test_a_value_that_looks_like_a_formula_stays_text_in_the_workbook(network, users, alpha_cases):
    book = openpyxl.load_workbook(io.BytesIO(htcds.export_file(agency=network.alpha, actor=users["sam"], fmt="xlsx")))
    cells = [c for row in book.active.iter_rows() for c in row if c.value == '=HYPERLINK("http://x")']

    assert cells and all(c.data_type == "s" for c in cells)


def test_re_importing_an_export_into_the_same_agency_creates_nothing(network, users, alpha_cases):
    data = htcds.export_file(agency=network.alpha, actor=users["sam"], fmt="csv")

    result = htcds.import_file(data, filename="alpha.csv", agency=network.alpha, actor=users["sam"])

    assert result.unchanged == 3 and result.created["cases"] == 0


def test_a_closure_reason_its_words_do_not_name_is_exported_before_them_and_read_back(network, users):
    """HTCDS keeps the reason as free text: a reason recorded as a choice, with words that name another
    (or none), goes into the file by its English name, and an import reads the same reason back."""
    case = somchai(users)
    case_services.closure_move(
        actor=users["alice"], case=case, move="request", code="reintegrated", reason="Declined the loan, runs a shop."
    )
    case_services.closure_move(actor=users["sam"], case=case, move="approve")
    first = htcds.export_file(agency=network.alpha, actor=users["sam"], fmt="csv")
    assert "Reintegrated: Declined the loan, runs a shop." in first.decode()
    forget_every_case()
    assert htcds.import_file(first, filename="alpha.csv", agency=network.alpha, actor=users["sam"]).ok
    back = Case.objects.get()
    assert back.closure_code == "reintegrated"
    assert htcds.export_file(agency=network.alpha, actor=users["sam"], fmt="csv") == first
