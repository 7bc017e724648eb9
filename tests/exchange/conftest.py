"""HTCDS files for the exchange tests: the official template (../shared/data/htcds/, HTCDS by IOM,
CC BY 4.0) filled with rows, in a copy under tmp_path, or the same rows as CSV."""

import csv
import io
import shutil
from pathlib import Path

import openpyxl
import pytest

from ..shared_data import shared_data

TEMPLATE = shared_data() / "htcds" / "htcds-2.0-excel-template.xlsx"

# Two complete rows, as an agency's old system would write them (alpha-3 and alpha-2 countries,
# both separators, the template's own column names).
SOMSRI = {
    "cas_CaseOwner": "alice",
    "prs_Salutation": "Ms",
    "prs_FirstName": "Somsri",
    "prs_SecondName": "Kaewmanee",
    "con_Consent": "TRUE",
    "prs_Birthdate": "1994-03-02",
    "prs_Gender": "Feminine",
    "prs_Citizenship": "THA",
    "prs_Email": "somsri.k@example.org",
    "prs_MobilePhone": "+66 81 234 5678",
    "prs_MailingCity": "Mae Sai",
    "prs_MailingCountry": "THA",
    "prs_MailingStreet": "12 Moo 4",
    "vic_TraffickingStatus": "ActualVictimOfTrafficking",
    "vic_TraffickinStatusDecisionMakingOrg": "Police",
    "vic_MethodOfRecruitment": "ThroughFriendsOrSocialEvents, AtWork",
    "vic_LocationOfRecruitment": "TH",
    "vic_MethodsOfControl": "DebtBondage;WithholdsDocuments",
    "vic_TypeOfExploitation": "ForcedLabour",
    "vic_ForcedLabourIndustry": "A_AgricultureForestryAndFishing",
    "vic_LocationOfExploitation": "MYS",
    "cas_Status": "Active",
    "cas_ReferringOrganisation": "Mae Sai police station",
    "cas_IncomingReferralDate": "2024-05-06",
    "cas_ReasonForIncomingReferral": "AdditionalServicesRequired",
}
MARIA = {
    "prs_FirstName": "Maria",
    "prs_SecondName": "Santos",
    "con_Consent": "FALSE",
    "prs_Gender": "NonSpecifiedUnknown",
    "prs_Citizenship": "PH; THA",
    "vic_TypeOfExploitation": "SexualExploitation;Other",
    "vic_TypeOfSexExploitation": "Prostitution",
    "cas_Status": "ClosedReferred",
    "cas_ReasonForCaseClosure": "Referred to the shelter in Cebu.",
}


def template_header() -> list[str | None]:
    book = openpyxl.load_workbook(TEMPLATE)
    return [c.value for c in book.active[1]]


def fill_template(tmp_path: Path, rows: list[dict[str, str]], name: str = "cases.xlsx") -> Path:
    """A copy of the official template with `rows` written from row 3, each value in the column
    whose row-1 field name is its key."""
    path = tmp_path / name
    shutil.copyfile(TEMPLATE, path)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    columns = {c.value: c.column for c in sheet[1] if c.value}
    for offset, row in enumerate(rows):
        for field, value in row.items():
            cell = sheet.cell(row=3 + offset, column=columns[field], value=value)
            cell.data_type = "s"  # text as typed, even "=…"
    book.save(path)
    return path


def csv_bytes(rows: list[dict[str, str]], header: list[str] | None = None) -> bytes:
    names = header or list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(names)
    for row in rows:
        writer.writerow([row.get(n, "") for n in names])
    return out.getvalue().encode()


@pytest.fixture
def template_rows(tmp_path):
    return fill_template(tmp_path, [SOMSRI, MARIA])
