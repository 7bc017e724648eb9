"""CSV files people open in a spreadsheet: no cell runs as a formula (OWASP "CSV injection"), a
number stays a number, and a reader of the product's own files gets back exactly what was written."""

import csv
import io
from decimal import Decimal

import pytest

from reintegra.lib import csvsafe


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+66 81 234 5678", "'+66 81 234 5678"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-", "'-"),
        ("'=1+1", "''=1+1"),  # a quote already there is kept: one more goes in front
        ("-12", "-12"),
        ("+3.5", "+3.5"),
        ("-0.25", "-0.25"),
        ("-1e-3", "-1e-3"),
        ("-12%", "-12%"),
        ("Somsri", "Somsri"),
        ("'Amir", "'Amir"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_a_text_that_would_run_gets_a_quote_and_a_number_stays(value, written):
    assert csvsafe.cell(value) == written
    assert csvsafe.read_cell(written) == value


@pytest.mark.parametrize("value", [-5, 3, -2.5, Decimal("-1.50"), None, True])
def test_numbers_and_empty_values_are_left_as_they_are(value):
    assert csvsafe.cell(value) is value


def test_the_writer_neutralises_every_cell_and_a_reader_gets_the_values_back():
    values = ["=cmd", "-7", -7, "+1 555", "plain", "'@x", None]
    out = io.StringIO(newline="")

    csvsafe.writer(out, lineterminator="\n").writerows([values, values])

    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["'=cmd", "-7", "-7", "'+1 555", "plain", "''@x", ""]
    assert rows[1] == rows[0]
    assert all(c[:1] not in csvsafe.TRIGGERS or c.lstrip("+-").replace(".", "").isdigit() for c in rows[0])
    assert [csvsafe.read_cell(c) for c in rows[0]] == ["=cmd", "-7", "-7", "+1 555", "plain", "'@x", ""]
