"""Every CSV the product writes for people to open in a spreadsheet goes through lib/csvsafe.py;
the CTDC file, coded values only, cannot carry text and stays byte-exact."""

import csv
import io
import re
from pathlib import Path

from reintegra.cases.choices import HistoryType
from reintegra.exchange import ctdc
from reintegra.lib import csvsafe

SOURCE = Path(__file__).resolve().parent.parent / "reintegra"
# csv.writer itself: in the helper, and in the CTDC file, whose cells are codes (tested below).
RAW_WRITERS_ALLOWED = {"lib/csvsafe.py", "exchange/ctdc.py"}


def test_no_csv_is_written_without_the_helper():
    raw = re.compile(r"\bcsv\.(writer|DictWriter)\(")
    found = {
        str(path.relative_to(SOURCE)) for path in SOURCE.rglob("*.py") if raw.search(path.read_text(encoding="utf-8"))
    }
    assert found <= RAW_WRITERS_ALLOWED, found - RAW_WRITERS_ALLOWED


def hostile_rows():
    """Cases and history whose every text is a formula: what the database could hold at worst."""
    formula = '=HYPERLINK("http://x")'
    case = (1, 2024, formula, 30, [formula, "TH"])
    events = [
        (1, HistoryType.EXPLOITATION, formula, formula, [formula, "ForcedLabour"], formula, [formula], 7),
        (1, HistoryType.RECRUITMENT, "-1+2", "@x", ["+1"], "\t=1", ["DebtBondage"], None),
    ]
    return [ctdc.ctdc_row(case, events), ctdc.ctdc_row((2, None, "Feminine", 17, ["MM"]), [])]


def test_a_ctdc_row_holds_codes_only_whatever_the_database_holds():
    rows = hostile_rows()

    codes = {ctdc.NULL, ctdc.YES, *ctdc.GENDER.values(), *(c for _low, c in ctdc.AGE_BINS)}
    codes |= {c for _low, c in ctdc.MONTH_BINS} | set(ctdc.ALPHA_3.values())
    for row in rows:
        assert len(row) == len(ctdc.HEADER)
        assert all(v in codes or re.fullmatch(r"\d{4}", v) for v in row), row
    assert rows[0][1] == ctdc.NULL and rows[0][3] == ctdc.NULL and rows[0][4] == ctdc.NULL


def test_the_ctdc_file_is_byte_exact_and_no_code_would_be_neutralised():
    codes = {ctdc.NULL, ctdc.YES, *ctdc.GENDER.values(), *(c for _low, c in ctdc.AGE_BINS)}
    codes |= {c for _low, c in ctdc.MONTH_BINS} | set(ctdc.ALPHA_3.values()) | set(ctdc.HEADER)
    assert all(csvsafe.cell(code) == code for code in codes)

    release = ctdc.anonymise(hostile_rows() * 3, k=1)
    plain = io.StringIO()
    csv.writer(plain, lineterminator="\n").writerows([ctdc.HEADER, *release.rows])
    assert "".join(ctdc.csv_lines(release)) == plain.getvalue()
