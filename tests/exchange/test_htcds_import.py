"""Importing HTCDS v2.0 files: the official template filled in, CSV, and every kind of bad row."""

import pytest

from reintegra.accounts.models import AuditEvent
from reintegra.cases.models import Case, CaseEvent, Consent, HistoryEvent, NameWordIndex, PhoneIndex, Returnee
from reintegra.exchange import htcds
from reintegra.lib import crypto

from .conftest import MARIA, SOMSRI, csv_bytes, fill_template, template_header


def import_path(path, agency, **options):
    return htcds.import_file(path.read_bytes(), filename=path.name, agency=agency, actor=None, **options)


def written():
    return (
        Case.objects.count(),
        Returnee.objects.count(),
        Consent.objects.count(),
        HistoryEvent.objects.count(),
        CaseEvent.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_official_template_still_has_its_quirks():
    header = template_header()
    assert header[0] is None  # the row-number column
    assert "vic_TraffickinStatusDecisionMakingOrg" in header
    assert "cas_ReasonForOutgoingReferral" not in header


def test_the_filled_official_template_imports(network, users, template_rows):
    result = import_path(template_rows, network.alpha)

    assert result.problems == []
    assert result.rows == 2
    assert result.created == {"cases": 2, "returnees": 2, "consents": 1, "history_events": 2}
    somsri = Case.objects.get(
        returnee__name_index=crypto.blind_index(crypto.name_key("Somsri", "Kaewmanee"), kind="name")
    )
    person = somsri.returnee
    assert (person.given_name, person.family_name, str(person.birth_date)) == ("Somsri", "Kaewmanee", "1994-03-02")
    assert person.citizenships == ["TH"]  # alpha-3 read
    assert person.phones == ["+66 81 234 5678"]
    assert person.address == "12 Moo 4, Mae Sai, TH"
    assert somsri.agency == network.alpha and somsri.caseworker == users["alice"]
    assert somsri.stage == "identification"
    recruitment, exploitation = (somsri.history.get(type=t) for t in ("Recruitment", "Exploitation"))
    assert recruitment.country == "TH"
    assert recruitment.recruitment_methods == ["ThroughFriendsOrSocialEvents", "AtWork"]  # "," separator
    assert exploitation.country == "MY"  # alpha-3 read
    assert exploitation.control_means == ["DebtBondage", "WithholdsDocuments"]  # ";" separator
    assert exploitation.industry == "A_AgricultureForestryAndFishing"
    # The misspelt column is read, and what reintegra keeps nowhere else stays with the case.
    assert somsri.htcds_extra["vic_TraffickingStatusDecisionMakingOrg"] == "Police"
    assert somsri.htcds_extra["prs_Salutation"] == "Ms"
    assert somsri.htcds_extra["cas_IncomingReferralDate"] == "2024-05-06"
    # Consent as recorded: given (for assistance) in the first row, not in the second.
    consent = somsri.consents.get()
    assert (consent.purpose, consent.explained_by, consent.active) == ("assistance", users["alice"], True)
    maria = Case.objects.exclude(pk=somsri.pk).get()
    assert not maria.consents.exists()
    assert maria.stage == "closed" and maria.closure_reason == "Referred to the shelter in Cebu."
    assert maria.closure_code == "moved_transferred"  # the reason the words name (cases/closure.py)
    assert maria.returnee.citizenships == ["PH", "TH"]
    assert maria.htcds_extra["cas_Status"] == "ClosedReferred"
    assert maria.htcds_extra["vic_TypeOfExploitation"] == "SexualExploitation;Other"  # no country to place it


def test_an_imported_person_is_found_like_one_registered_by_hand(network, users, template_rows):
    import_path(template_rows, network.alpha)

    person = Case.objects.get(caseworker__isnull=False).returnee  # Somsri
    assert NameWordIndex.objects.filter(returnee=person).count() == 2
    phone = crypto.blind_index(crypto.phone_key("081 234 5678"), kind="phone")
    assert PhoneIndex.objects.filter(returnee=person, key=phone).exists()
    assert person.name_birth_index


def test_the_import_is_one_audit_record_naming_every_case(network, users, template_rows):
    import_path(template_rows, network.alpha)

    event = AuditEvent.objects.order_by("seq").last()
    assert (event.action, event.object_type, event.object_id) == ("create", "network.agency", str(network.alpha.pk))
    assert sorted(event.details["cases"]) == sorted(Case.objects.values_list("code", flat=True))
    assert event.details["import"] == "htcds"
    assert CaseEvent.objects.filter(kind="opened").count() == 2


def test_importing_the_same_file_again_creates_nothing(network, users, template_rows):
    import_path(template_rows, network.alpha)
    before = written()[:4]

    again = import_path(template_rows, network.alpha)

    assert again.problems == []
    assert again.unchanged == 2
    assert again.created == {"cases": 0, "returnees": 0, "consents": 0, "history_events": 0}
    assert written()[:4] == before


def test_the_same_rows_may_go_to_another_agency(network, users, tmp_path):
    path = fill_template(tmp_path, [MARIA])  # no case owner: Alpha's alice is no user of Beta
    assert import_path(path, network.alpha).created["cases"] == 1
    assert import_path(path, network.beta).created["cases"] == 1


def test_a_dry_run_reports_and_writes_nothing(network, users, template_rows):
    before = written()

    result = import_path(template_rows, network.alpha, dry_run=True)

    assert result.dry_run and result.problems == []
    assert result.created == {"cases": 2, "returnees": 2, "consents": 1, "history_events": 2}
    assert written() == before


BAD_CELLS = [
    ("prs_Birthdate", "02/03/1994", "date"),
    ("prs_Birthdate", "2999-01-01", "future"),
    ("prs_Gender", "Female", "picklist"),
    ("prs_Citizenship", "THA; XYZ", "country"),
    ("vic_LocationOfExploitation", "MY", None),  # a valid cell: the control for the others
    ("vic_MethodsOfControl", "DebtBondage; Beatings", "picklist"),
    ("prs_MailingCountry", "Siam", "country"),
    ("prs_FirstName", "", "core"),
    ("cas_Status", "", "core"),
    ("cas_CaseOwner", "nobody", "owner"),
    ("prs_FirstName", "<b>Maria</b>", "markup"),
    ("cas_ReasonForCaseClosure", "<script>alert(1)</script>", "markup"),
    ("prs_MobilePhone", "12", "phone"),
    ("con_Consent", "maybe", "checkbox"),
    ("cas_IncomingReferralDate", "yesterday", "date"),
]


@pytest.mark.parametrize(("column", "value", "kind"), BAD_CELLS)
def test_each_kind_of_bad_row_is_refused_with_row_and_column(network, users, tmp_path, column, value, kind):
    path = fill_template(tmp_path, [SOMSRI, MARIA | {column: value}])
    before = written()

    result = import_path(path, network.alpha)

    if kind is None:
        assert result.problems == []
        return
    assert [(p.row, p.column, p.value) for p in result.problems] == [(4, column, value)], result.problems
    assert result.problems[0].reason
    assert result.created == {"cases": 0, "returnees": 0, "consents": 0, "history_events": 0}
    assert written() == before


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("prs_NumberOfChildren", "two"),
        ("prs_NumberOfChildren", "-1"),
        ("prs_MaritalStatus", "Wed"),
        ("org_ShippingLatitude", "N"),
    ],
)
def test_bad_cells_of_the_standard_outside_the_template_are_refused_too(network, users, column, value):
    result = htcds.import_file(csv_bytes([MARIA | {column: value}]), filename="c.csv", agency=network.alpha, actor=None)

    assert [(p.row, p.column, p.value) for p in result.problems] == [(2, column, value)]
    assert Case.objects.count() == 0


def test_every_problem_of_every_row_is_listed(network, users, tmp_path):
    rows = [SOMSRI | {"prs_Birthdate": "1994-13-45", "prs_Gender": "F"}, MARIA | {"prs_Citizenship": "Atlantis"}]
    path = fill_template(tmp_path, rows)

    result = import_path(path, network.alpha)

    assert [(p.row, p.column) for p in result.problems] == [
        (3, "prs_Birthdate"),
        (3, "prs_Gender"),
        (4, "prs_Citizenship"),
    ]
    assert Case.objects.count() == 0


def test_the_empty_rows_of_the_template_are_skipped(network, users, tmp_path):
    result = import_path(fill_template(tmp_path, [SOMSRI]), network.alpha)

    assert result.rows == 1 and result.created["cases"] == 1


def test_a_csv_file_imports_with_its_rows_counted_from_the_header(network, users):
    rows = [SOMSRI | {"cas_CaseNumber": "OLD-1"}, MARIA | {"cas_CaseNumber": "OLD-2", "prs_Gender": "Woman"}]
    data = csv_bytes(rows)

    refused = htcds.import_file(data, filename="cases.csv", agency=network.alpha, actor=None)
    assert [(p.row, p.column, p.value) for p in refused.problems] == [(3, "prs_Gender", "Woman")]

    rows[1]["prs_Gender"] = "Feminine"
    result = htcds.import_file(csv_bytes(rows), filename="cases.csv", agency=network.alpha, actor=None)
    assert result.created["cases"] == 2
    assert sorted(Case.objects.values_list("external_id", flat=True)) == ["OLD-1", "OLD-2"]
    assert htcds.import_file(csv_bytes(rows), filename="c.csv", agency=network.alpha, actor=None).unchanged == 2


def test_the_standard_spelling_of_the_misspelt_field_is_read_too(network, users):
    row = MARIA | {"vic_TraffickingStatusDecisionMakingOrg": "CourtOrProsecution"}

    htcds.import_file(csv_bytes([row]), filename="c.csv", agency=network.alpha, actor=None)

    assert Case.objects.get().htcds_extra["vic_TraffickingStatusDecisionMakingOrg"] == "CourtOrProsecution"


def test_a_column_that_is_no_field_of_the_standard_is_refused(network, users):
    data = csv_bytes([MARIA | {"prs_Nickname": "Mia"}])

    result = htcds.import_file(data, filename="c.csv", agency=network.alpha, actor=None)

    assert [(p.row, p.column) for p in result.problems] == [(1, "prs_Nickname")]
    assert Case.objects.count() == 0


def test_a_file_without_a_core_column_is_refused(network, users):
    row = {k: v for k, v in MARIA.items() if k != "cas_Status"}

    result = htcds.import_file(csv_bytes([row]), filename="c.csv", agency=network.alpha, actor=None)

    assert [(p.row, p.column) for p in result.problems] == [(1, "cas_Status")]


def test_the_same_case_twice_in_one_file_is_refused(network, users):
    rows = [MARIA | {"cas_CaseNumber": "X-1"}, MARIA | {"cas_CaseNumber": "X-1", "prs_FirstName": "Mara"}]

    result = htcds.import_file(csv_bytes(rows), filename="c.csv", agency=network.alpha, actor=None)

    assert [(p.row, p.column, p.value) for p in result.problems] == [(3, "cas_CaseNumber", "X-1")]


def test_a_file_that_is_not_a_workbook_is_refused(network):
    result = htcds.import_file(b"not a zip", filename="c.xlsx", agency=network.alpha, actor=None)

    assert len(result.problems) == 1 and result.problems[0].row == 0
    assert htcds.import_file(b"x", filename="c.txt", agency=network.alpha, actor=None).problems


def test_progress_is_reported_up_to_the_end(network, users, template_rows):
    seen = []

    import_path(template_rows, network.alpha, progress=lambda done, total: seen.append((done, total)))

    assert seen[-1] == (4, 4)
    assert seen == sorted(seen)
