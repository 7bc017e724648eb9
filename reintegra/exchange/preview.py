"""What the import pages need of a file before importing it: how many rows it has (to decide
whether it runs as background work), and the first rows an import would create, shown with as
little of the person as lets the supervisor recognise the file (initials, birth year, gender).

The import itself (htcds.py) reads and checks every row; this reads only as far as it must.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

from reintegra.cases.models import Case
from reintegra.lib import csvsafe
from reintegra.network.models import Agency

from .htcds import cell_text, file_format, row_key
from .htcds_fields import CASE_NUMBER, MISSPELT

SAMPLE_ROWS = 10
_CHECKED_AT_ONCE = 200  # rows whose keys are looked up in one query


class UnreadableFile(ValueError):
    """The file is no workbook or CSV that can be read; the message says why, for the form."""


def _rows(data: bytes, filename: str) -> Iterator[list[str]]:
    """The file's rows as text, the header first (the template's label row, row 2, left out)."""
    kind = file_format(filename)
    if kind is None:
        raise UnreadableFile(_("Give an .xlsx or a .csv file."))
    if kind == "csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UnreadableFile(_("The CSV file is not UTF-8 text: save it as “CSV UTF-8”.")) from None
        try:
            for values in csv.reader(io.StringIO(text, newline="")):
                yield [csvsafe.read_cell(v.strip()) for v in values]  # as the import reads it
        except csv.Error as exc:
            raise UnreadableFile(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from None
        return
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, InvalidFileException):
        raise UnreadableFile(_("The file is not an Excel workbook (.xlsx), or it is damaged.")) from None
    try:
        if not book.worksheets:
            raise UnreadableFile(_("The workbook has no sheet."))
        for number, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            if number != 2:
                yield [cell_text(v) for v in values]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise UnreadableFile(_("The file cannot be read: %(error)s") % {"error": exc}) from None
    finally:
        book.close()


def count_rows(data: bytes, filename: str, *, up_to: int) -> int:
    """The rows of cases (rows with a value below the header), counted up to `up_to` + 1: enough
    to tell a large file from a small one without reading all of it. Raises UnreadableFile."""
    rows = _rows(data, filename)
    if next(rows, None) is None:
        raise UnreadableFile(_("The file is empty: row 1 must hold the field names."))
    count = 0
    for values in rows:
        if any(values):
            count += 1
            if count > up_to:
                break
    return count


def _initials(*names: str) -> str:
    return " ".join(f"{name.strip()[0].upper()}." for name in names if name.strip())


def _year(value: str) -> str:
    found = re.search(r"\b(1[89]|20)\d\d\b", value)
    return found.group(0) if found else ""


def _summary(number: int, cells: dict[str, str]) -> dict[str, Any]:
    return {
        "row": number,
        "case_number": cells.get(CASE_NUMBER, ""),
        "initials": _initials(cells.get("prs_FirstName", ""), cells.get("prs_SecondName", "")),
        "birth_year": _year(cells.get("prs_Birthdate", "")),
        "gender": cells.get("prs_Gender", ""),
        "status": cells.get("cas_Status", ""),
        "consent": cells.get("con_Consent", "").strip().upper() in ("TRUE", "1", "YES"),
    }


def sample_rows(data: bytes, filename: str, *, agency: Agency, limit: int = SAMPLE_ROWS) -> list[dict[str, Any]]:
    """The first `limit` rows an import would create (rows whose key the agency has are left as they
    are), each as its file row number and a few words about the person. For a file the import found
    valid; an unreadable one gives no rows."""
    rows = _rows(data, filename)
    try:
        header = next(rows, None)
        if header is None:
            return []
        names = [MISSPELT.get(raw, raw) for raw in header]
        found: list[dict[str, Any]] = []
        waiting: list[tuple[int, dict[str, str]]] = []
        first_data_row = 3 if file_format(filename) == "xlsx" else 2
        for number, values in enumerate(rows, start=first_data_row):
            cells = {name: value for name, value in zip(names, values, strict=False) if name and value}
            if cells:
                waiting.append((number, cells))
            if len(waiting) >= _CHECKED_AT_ONCE:
                found += _new_ones(waiting, agency)
                waiting = []
                if len(found) >= limit:
                    break
        found += _new_ones(waiting, agency)
    except UnreadableFile:
        return []
    return found[:limit]


def _new_ones(rows: list[tuple[int, dict[str, str]]], agency: Agency) -> list[dict[str, Any]]:
    keys = {row_key(cells) for _number, cells in rows}
    held = Case.objects.filter(agency=agency)
    known = set(held.filter(external_id__in=keys).values_list("external_id", flat=True))
    known |= set(held.filter(code__in=keys).values_list("code", flat=True))
    return [_summary(number, cells) for number, cells in rows if row_key(cells) not in known]
