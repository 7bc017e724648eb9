"""The HTCDS CSV export lets no cell run as a formula in a spreadsheet, and the import reads back
what the export wrote: export → import → export gives the same file (lib/csvsafe.py)."""

import csv
import io

from reintegra.cases.models import Case
from reintegra.exchange import htcds
from reintegra.lib import csvsafe

from .conftest import SOMSRI, csv_bytes
from .test_htcds_export import alpha_cases, forget_every_case  # noqa: F401 (a fixture)

FORMULA = '=HYPERLINK("http://x")'


def cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_a_cell_a_spreadsheet_would_run_is_written_behind_a_quote(network, users, alpha_cases):  # noqa: F811
    rows = cells(htcds.export_file(agency=network.alpha, actor=users["sam"], fmt="csv"))

    values = [v for row in rows[1:] for v in row]
    assert "'" + FORMULA in values and FORMULA not in values
    assert "'+66 81 234 5678" in values  # a phone number is text, not a sum
    assert all(not v.startswith(csvsafe.TRIGGERS) for v in values)


def test_the_round_trip_keeps_quotes_formulas_and_phone_numbers(network, users, alpha_cases):  # noqa: F811
    first = htcds.export_file(agency=network.alpha, actor=users["sam"], fmt="csv")
    forget_every_case()

    assert htcds.import_file(first, filename="alpha.csv", agency=network.alpha, actor=users["sam"]).ok

    salutations = [case.htcds_extra.get("prs_Salutation") for case in Case.objects.all()]
    assert FORMULA in salutations  # kept as the agency wrote it, without the quote
    assert htcds.export_file(agency=network.alpha, actor=users["sam"], fmt="csv") == first


def test_a_value_that_begins_with_a_quote_is_read_as_written(network, users):
    data = csv_bytes([SOMSRI | {"cas_CaseNumber": "Q-1", "prs_FirstName": "'Amir", "prs_Salutation": "''=Odd"}])

    result = htcds.import_file(data, filename="q.csv", agency=network.alpha, actor=users["sam"])

    assert result.problems == []
    case = Case.objects.get(external_id="Q-1")
    assert (case.returnee.given_name, case.htcds_extra["prs_Salutation"]) == ("'Amir", "'=Odd")
