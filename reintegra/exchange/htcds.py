"""HTCDS v2.0 files (HTCDS by IOM, CC BY 4.0; no endorsement implied): import an agency's cases
from the official template (.xlsx) or a CSV, and export them the same way (decisions/0027).

An import is all or nothing: every row is read and checked before anything is written, and a
file with any problem writes nothing and lists every problem (row, column, value, reason). A valid
file is written in one transaction, with the same blind indexes, timeline lines and audit record
as an intake. Each case is keyed by the file's case identifier (`cas_CaseNumber`, or, in a file
without it, a fingerprint of the row), so importing the same file again creates nothing.
"""

import csv
import datetime
import hashlib
import io
import json
import re
import secrets
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils.exceptions import InvalidFileException

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import CASE_OWNER_ROLES, AuditEvent, Role, User
from reintegra.cases import reactions
from reintegra.cases.choices import ConsentPurpose, HistoryType, Stage
from reintegra.cases.closure import closure_words, reason_of_words
from reintegra.cases.models import (
    CODE_ALPHABET,
    Case,
    CaseEvent,
    Consent,
    HistoryEvent,
    NameWordIndex,
    PhoneIndex,
    Returnee,
)
from reintegra.cases.services import name_word_keys, phone_keys, returnee_index
from reintegra.lib import clock, crypto, csvsafe
from reintegra.lib.fields import ENCRYPTED_FIELDS
from reintegra.lib.validation import record_problems, value_problems
from reintegra.lib.validators import validate_no_markup, validate_plain_text
from reintegra.network.choices import Language
from reintegra.network.models import Agency

from .htcds_fields import (
    CASE_NUMBER,
    EXPORT_COLUMNS,
    FIELDS,
    MISSPELT,
    REQUIRED,
    CellError,
    country_code,
    normalise,
    read_checkbox,
    read_countries,
    read_date,
    read_multi,
    read_picklist,
)

FORMATS = ("xlsx", "csv")
CHUNK = 1000  # rows written per round of inserts


@dataclass(frozen=True)
class Problem:
    row: int  # the file's row number (1 is the header)
    column: str
    value: str
    reason: str


@dataclass
class ImportResult:
    created: dict[str, int]
    unchanged: int
    problems: list[Problem]
    dry_run: bool
    rows: int

    @property
    def ok(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------------------------------- reading


def cell_text(value: Any) -> str:
    """A workbook cell as the text the import reads (the preview pages read it the same way)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number != 2:  # the template's label row
                yield number, [cell_text(v) for v in values]
    finally:
        book.close()


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = data.decode("utf-8-sig")
    for number, values in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        # The `'` the export put before a cell a spreadsheet would run as a formula (lib/csvsafe.py)
        yield number, [csvsafe.read_cell(v.strip()) for v in values]


def _read_table(data: bytes, filename: str) -> tuple[list[tuple[int, list[str]]], list[Problem]]:
    kind = file_format(filename)
    if kind is None:
        return [], [Problem(0, "", filename, _("Give an .xlsx or a .csv file."))]
    try:
        rows = list(_xlsx_rows(data) if kind == "xlsx" else _csv_rows(data))
    except UnicodeDecodeError:
        return [], [Problem(0, "", filename, _("The CSV file is not UTF-8 text."))]
    except (csv.Error, OSError, ValueError, KeyError, zipfile.BadZipFile, InvalidFileException) as exc:
        # openpyxl's errors for a file that is no workbook
        return [], [Problem(0, "", filename, _("The file cannot be read: %(error)s") % {"error": exc})]
    if not rows:
        return [], [Problem(1, "", "", _("The file is empty: row 1 must hold the field names."))]
    return rows, []


def file_format(filename: str) -> str | None:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return suffix if suffix in FORMATS else None


def _columns(header: list[str], problems: list[Problem]) -> dict[int, str]:
    """The field read from each column, by the name in row 1 (never by position)."""
    columns: dict[int, str] = {}
    for index, raw in enumerate(header):
        name = MISSPELT.get(raw, raw)
        if not name:
            continue  # the template's row-number column has no name
        if name not in FIELDS:
            problems.append(Problem(1, raw, raw, _("Not a field of HTCDS v2.0.")))
        elif name in columns.values():
            problems.append(Problem(1, raw, raw, _("This field has two columns.")))
        else:
            columns[index] = name
    for name in REQUIRED:
        if name not in columns.values():
            problems.append(Problem(1, name, "", _("The column of this core field is missing.")))
    return columns


# ----------------------------------------------------------------------------------- one row read


@dataclass
class _Planned:
    """What one valid row will write."""

    row: int
    key: str
    returnee: Returnee
    # The case's and the history events' values by column (attname), as `_insert` writes them: a
    # model instance for each would cost more than the rest of the row's work.
    case: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)
    consent: bool = False
    explainer: User | None = None  # who the consent is recorded as explained by


# The column a returnee field's problem is reported under.
RETURNEE_COLUMNS = {
    "given_name": "prs_FirstName",
    "family_name": "prs_SecondName",
    "other_names": "prs_MiddleName",
    "birth_date": "prs_Birthdate",
    "phones": "prs_MobilePhone",
    "email": "prs_Email",
    "address": "prs_MailingStreet",
    "gender": "prs_Gender",
    "citizenships": "prs_Citizenship",
    "education": "prs_HighestLevelOfEducation",
    "marital_status": "prs_MaritalStatus",
    "children": "prs_NumberOfChildren",
    "trafficking_status": "vic_TraffickingStatus",
}
# The returnee's fields whose values no reader above checks (free text, phones, a date's rules):
# the model's own rules check them. The others were read against their vocabularies.
FREE_FIELDS = ("given_name", "family_name", "other_names", "birth_date", "phones", "email", "address", "children")
MAILING = ("prs_MailingStreet", "prs_MailingCity", "prs_MailingState", "prs_MailingPostalCode", "prs_MailingCountry")
STAGE_OF_STATUS = {
    "Active": Stage.IDENTIFICATION,
    "FollowUp": Stage.FOLLOW_UP,
    "Closed": Stage.CLOSED,
    "ClosedReferred": Stage.CLOSED,
}
# The events a location that is a country makes, and the fields each holds.
EVENTS = {
    HistoryType.RECRUITMENT: (
        "vic_LocationOfRecruitment",
        {"vic_MethodOfRecruitment": "recruitment_methods", "vic_RelationshipToTrafficker": "recruiter_relation"},
    ),
    HistoryType.EXPLOITATION: (
        "vic_LocationOfExploitation",
        {
            "vic_TypeOfExploitation": "exploitation_types",
            "vic_MethodsOfControl": "control_means",
            "vic_ForcedLabourIndustry": "industry",
        },
    ),
}


def compose_address(parts: dict[str, str]) -> str:
    return ", ".join(parts[name] for name in MAILING if parts.get(name))


def row_key(cells: dict[str, str]) -> str:
    """The key a row is imported under (decisions/0027): its case number, or a fingerprint of its cells."""
    if cells.get(CASE_NUMBER):
        return cells[CASE_NUMBER]
    canonical = json.dumps(sorted(cells.items()), ensure_ascii=False)
    return "row-" + hashlib.sha256(canonical.encode()).hexdigest()[:24]


class _RowReader:
    """Reads the rows of one file for one agency; collects every problem."""

    def __init__(self, agency: Agency, actor: User | None, columns: set[str]) -> None:
        self.agency = agency
        self.columns = columns
        self.actor = actor
        self.problems: list[Problem] = []
        self.owners = {
            u.username: u for u in User.objects.filter(agency=agency, role__in=CASE_OWNER_ROLES, is_active=True)
        }
        supervisor = next((u for u in self.owners.values() if u.role == Role.SUPERVISOR), None)
        self.default_explainer = actor if actor is not None and actor.pk else supervisor

    def problem(self, row: int, column: str, value: str, reason: Any) -> None:
        self.problems.append(Problem(row, column, value, str(reason)))

    def read(self, row: int, cells: dict[str, str]) -> _Planned | None:
        before = len(self.problems)
        extra: dict[str, str] = {}

        def take(name: str, reader: Callable[[str], Any], default: Any = "") -> Any:
            value = cells.get(name, "")
            if not value:
                return default
            try:
                return reader(value)
            except CellError as exc:
                self.problem(row, name, value, exc)
                return default

        for name in REQUIRED:
            if name in self.columns and not cells.get(name):  # a missing column is reported once, at row 1
                self.problem(row, name, "", _("A core field: give a value."))
        key = row_key(cells)
        mailing = {name: take(name, _normaliser(name)) for name in MAILING}
        extra |= {name: value for name, value in mailing.items() if value}
        phones = [cells.get("prs_MobilePhone", "")] + [
            p.strip() for p in cells.get("prs_HomePhone", "").split(";") if p.strip()
        ]
        returnee = Returnee(
            given_name=cells.get("prs_FirstName", ""),
            family_name=cells.get("prs_SecondName", ""),
            other_names=cells.get("prs_MiddleName", ""),
            birth_date=take("prs_Birthdate", read_date, None),
            phones=[p for p in phones if p],
            email=cells.get("prs_Email", ""),
            address=compose_address(mailing),
            gender=take("prs_Gender", lambda v: read_picklist(FIELDS["prs_Gender"], v)),
            citizenships=take("prs_Citizenship", read_countries, []),
            education=take(
                "prs_HighestLevelOfEducation", lambda v: read_picklist(FIELDS["prs_HighestLevelOfEducation"], v)
            ),
            marital_status=take("prs_MaritalStatus", lambda v: read_picklist(FIELDS["prs_MaritalStatus"], v)),
            children=take("prs_NumberOfChildren", _whole_number, None),
            trafficking_status=take(
                "vic_TraffickingStatus", lambda v: read_picklist(FIELDS["vic_TraffickingStatus"], v)
            ),
        )
        reported = {p.column for p in self.problems[before:]}
        for name, messages in record_problems(returnee, only=FREE_FIELDS).items():
            column = RETURNEE_COLUMNS.get(name, name)
            for message in messages if column not in reported else ():
                self.problem(row, column, cells.get(column, ""), message)

        status = take("cas_Status", lambda v: read_picklist(FIELDS["cas_Status"], v))
        if status == "ClosedReferred":
            extra["cas_Status"] = status
        owner = None
        if owner_name := cells.get("cas_CaseOwner"):
            owner = self.owners.get(owner_name)
            if owner is None:
                self.problem(
                    row,
                    "cas_CaseOwner",
                    owner_name,
                    _("No caseworker or supervisor of this agency has this user name."),
                )
        stage = STAGE_OF_STATUS.get(status, Stage.IDENTIFICATION)
        now = clock.now()
        closure_reason = cells.get("cas_ReasonForCaseClosure", "")
        case: dict[str, Any] = {
            "agency_id": self.agency.pk,
            "caseworker_id": owner.pk if owner is not None else None,
            "stage": stage,
            "opened_at": now,
            "closed_at": now if stage == Stage.CLOSED else None,
            "stage_before_closure": Stage.IDENTIFICATION if stage == Stage.CLOSED else "",
            "closure_reason": closure_reason,
            # HTCDS keeps the reason as free text: the reason its words name (cases/closure.py), if any.
            "closure_code": reason_of_words(closure_reason) if stage == Stage.CLOSED else "",
            "external_id": key,
        }
        for message in value_problems("closure_reason", closure_reason, [validate_plain_text]).get(
            "closure_reason", []
        ):
            self.problem(row, "cas_ReasonForCaseClosure", closure_reason, message)
        for message in value_problems(CASE_NUMBER, key, [validate_no_markup]).get(CASE_NUMBER, []):
            self.problem(row, CASE_NUMBER, key, message)
        if len(key) > 120:
            self.problem(row, CASE_NUMBER, key, _("Too long: at most %(n)s characters.") % {"n": 120})

        history = []
        for kind, (location_name, names) in EVENTS.items():
            location = cells.get(location_name, "")
            values = {name: take(name, _event_reader(name)) for name in names}
            country = country_code(location) if location else None
            if country is None:  # no country to place the event in: kept as read
                extra |= {name: _export_value(value) for name, value in values.items() if value}
                if location:
                    extra[location_name] = location
                continue
            # Every value of the event was read against its vocabulary, the country too.
            history.append({"type": kind, "country": country} | {names[n]: v for n, v in values.items()})

        consent = take("con_Consent", read_checkbox, False)
        explainer = owner or self.default_explainer
        if consent and explainer is None:
            self.problem(
                row, "con_Consent", cells["con_Consent"], _("The agency has no supervisor to record it under.")
            )

        for name, value in cells.items():
            if name in HANDLED or name in extra or not value:
                continue
            try:
                extra[name] = normalise(FIELDS[name], value)
            except CellError as exc:
                self.problem(row, name, value, exc)
        case["htcds_extra"] = dict(sorted(extra.items()))
        if len(self.problems) > before:
            return None
        return _Planned(
            row=row, key=key, returnee=returnee, case=case, history=history, consent=consent, explainer=explainer
        )


HANDLED = {
    CASE_NUMBER,
    "prs_FirstName",
    "prs_SecondName",
    "prs_MiddleName",
    "prs_Birthdate",
    "prs_Gender",
    "prs_Citizenship",
    "prs_Email",
    "prs_MobilePhone",
    "prs_HomePhone",
    "prs_HighestLevelOfEducation",
    "prs_MaritalStatus",
    "prs_NumberOfChildren",
    "vic_TraffickingStatus",
    "cas_Status",
    "cas_CaseOwner",
    "cas_ReasonForCaseClosure",
    "con_Consent",
    *MAILING,
    *(location for location, _names in EVENTS.values()),
    *(name for _location, names in EVENTS.values() for name in names),
}


def _whole_number(value: str) -> int:
    try:
        number = float(value)
    except ValueError:
        raise CellError(_("Not a whole number.")) from None
    if not number.is_integer() or number < 0:
        raise CellError(_("Not a whole number."))
    return int(number)


def _event_reader(name: str) -> Callable[[str], Any]:
    spec = FIELDS[name]

    def read(value: str) -> Any:
        return read_multi(spec, value) if spec.kind == "multi" else read_picklist(spec, value)

    return read


def _normaliser(name: str) -> Callable[[str], str]:
    def read(value: str) -> str:
        return normalise(FIELDS[name], value)

    return read


def _export_value(value: Any) -> str:
    return ";".join(value) if isinstance(value, list) else str(value or "")


# ------------------------------------------------------------------------------------- the import


def import_file(
    data: bytes,
    *,
    filename: str,
    agency: Agency,
    actor: User | None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Reads and checks every row; writes nothing if any row has a problem (or on a dry run).
    `progress(done, total)` is called as the rows are checked and then written."""
    table, problems = _read_table(data, filename)
    result = ImportResult(created=_counts(), unchanged=0, problems=problems, dry_run=dry_run, rows=0)
    if problems:
        return result
    (_first, header), *body = table
    columns = _columns(header, result.problems)
    reader = _RowReader(agency, actor, set(columns.values()))
    known = set(Case.objects.filter(agency=agency).exclude(external_id="").values_list("external_id", flat=True))
    known |= set(Case.objects.filter(agency=agency).values_list("code", flat=True))
    seen: dict[str, int] = {}
    planned: list[_Planned] = []
    rows = [(n, cells) for n, values in body if (cells := _cells(columns, values))]
    result.rows = len(rows)
    total = result.rows if dry_run else 2 * result.rows
    for done, (number, cells) in enumerate(rows, start=1):
        item = reader.read(number, cells)
        if item is not None:
            if item.key in seen:
                result.problems.append(
                    Problem(number, CASE_NUMBER, item.key, _("The same case as row %(row)s.") % {"row": seen[item.key]})
                )
            elif item.key in known:
                result.unchanged += 1
            else:
                planned.append(item)
            seen.setdefault(item.key, number)
        if progress and (done % 500 == 0 or done == result.rows):
            progress(done, total)
    result.problems += reader.problems
    result.problems.sort(key=lambda p: (p.row, p.column))
    for item in planned:
        result.created["cases"] += 1
        result.created["returnees"] += 1
        result.created["consents"] += int(item.consent)
        result.created["history_events"] += len(item.history)
    if result.problems:
        result.created = _counts()
    if result.problems or dry_run or not planned:
        return result
    _write(planned, agency=agency, actor=actor, filename=filename, progress=progress, rows=result.rows)
    return result


def _counts() -> dict[str, int]:
    return {"cases": 0, "returnees": 0, "consents": 0, "history_events": 0}


def _cells(columns: dict[int, str], values: list[str]) -> dict[str, str]:
    return {name: values[i] for i, name in columns.items() if i < len(values) and values[i]}


def _new_codes(country: str, n: int) -> set[str]:
    """`n` draws of `new_case_code` (eight characters of its alphabet, uniformly random), each from one
    random number rather than eight: the same codes, drawn faster for a file of many cases."""
    size, length = len(CODE_ALPHABET), 8
    codes = set()
    for _draw in range(n):
        number, body = secrets.randbelow(size**length), []
        for _digit in range(length):
            number, index = divmod(number, size)
            body.append(CODE_ALPHABET[index])
        codes.add(f"{country}-{''.join(body[:4])}-{''.join(body[4:])}")
    return codes


def _draw_codes(country: str, n: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < n:
        fresh = list(_new_codes(country, n - len(codes)) - codes)
        taken: set[str] = set()
        for start in range(0, len(fresh), CHUNK):
            taken |= set(Case.objects.filter(code__in=fresh[start : start + CHUNK]).values_list("code", flat=True))
        codes |= set(fresh) - taken
    return list(codes)


# ------------------------------------------------------------------------------- the bulk writer
# What `Model.objects.bulk_create` writes, without its per-value machinery, which cost most of an
# import's time: each column's value is prepared by the field itself (`get_db_prep_save`), except
# plain text, numbers and keys, which the database takes as they are, and encrypted fields, whose
# values are encrypted a batch at a time (`crypto.encrypt_many`, the same tokens as one by one).

# Fields whose value, when a str, an int or None, is what the database takes (their own types
# exactly, not a subclass that may prepare values its own way).
_PLAIN_FIELDS = {
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.BooleanField,
    models.ForeignKey,
}
_PLAIN_VALUES = {str, int, bool, type(None)}


def _row_values(obj: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key}


def _insert(model: type[models.Model], rows: list[dict[str, Any]], *, now: datetime.datetime) -> list[int]:
    """Inserts `rows` (values by attname; a missing one takes the field's default; the made/changed
    stamps take `now`) and gives back their primary keys, in order."""
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    stamped = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not its proxy, for the many values below
    columns: list[list[Any]] = []
    for f in fields:
        name = f.attname
        raw = [now if name in stamped else row.get(name, defaults[name]) for row in rows]
        if isinstance(f, ENCRYPTED_FIELDS):
            prepared = [f.plaintext(value) for value in raw]
            tokens = iter(crypto.encrypt_many([text for text, _stored in prepared if text is not None]))
            columns.append([stored if text is None else next(tokens) for text, stored in prepared])
        elif type(f) in _PLAIN_FIELDS:
            columns.append([v if type(v) in _PLAIN_VALUES else f.get_db_prep_save(v, db) for v in raw])
        else:
            columns.append(_prepared(f, raw, db))
    values = list(zip(*columns, strict=True))
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)  # type: ignore[union-attr]
    names = ", ".join(quote(f.column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    ids: list[int] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Ids from the table's own sequence, then the rows by COPY: a statement of thousands of
            # parameters costs psycopg more to parse than the server takes to run it.
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, model._meta.pk.column, len(values)],  # type: ignore[union-attr]
            )
            ids = sorted(pk_value for (pk_value,) in cursor.fetchall())  # in the order of the rows
            with cursor.cursor.copy(f"COPY {table} ({pk}, {names}) FROM STDIN") as copy:
                for pk_value, row in zip(ids, values, strict=True):
                    copy.write_row((pk_value, *row))
            return ids
        if not connection.features.can_return_rows_from_bulk_insert:  # pragma: no cover (SQLite < 3.35)
            for row in values:
                cursor.execute(f"INSERT INTO {table} ({names}) VALUES {one}", row)  # noqa: S608
                ids.append(cursor.lastrowid)
            return ids
        size = max(1, min(CHUNK, _max_params() // len(fields)))
        for start in range(0, len(values), size):
            batch = values[start : start + size]
            sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(batch))} RETURNING {pk}"  # noqa: S608
            cursor.execute(sql, [v for row in batch for v in row])
            ids += [pk_value for (pk_value,) in cursor.fetchall()]
    return ids


def _prepared(f: models.Field, raw: list[Any], db: Any) -> list[Any]:  # type: ignore[type-arg]
    """The field's database values of `raw`, each distinct date, time or empty value prepared once
    (a batch's stamps and days are mostly one value, its lists mostly empty)."""
    memo: dict[Any, Any] = {}
    out = []
    for value in raw:
        if isinstance(value, datetime.date | None) or (type(value) in (list, dict) and not value):
            key = (type(value), value or None)  # a datetime is a date too: the type tells them apart
            if key not in memo:
                memo[key] = f.get_db_prep_save(value, db)
            out.append(memo[key])
        else:
            out.append(f.get_db_prep_save(value, db))
    return out


def _max_params() -> int:
    """How many parameters one statement may hold on this database."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return 65535 if connection.vendor == "postgresql" else 999


def _saved(objs: list[Any], ids: list[int]) -> None:
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias


@transaction.atomic
def _write(
    planned: list[_Planned],
    *,
    agency: Agency,
    actor: User | None,
    filename: str,
    progress: Callable[[int, int], None] | None,
    rows: int,
) -> None:
    codes = _draw_codes(agency.country, len(planned))
    # The language consent was explained in is not in the file: the agency's first.
    language = next((code for code in agency.languages if code in Language.values), Language.ENGLISH)
    today, now = clock.today(), clock.now()
    actor_id = actor.pk if actor is not None else None
    for start in range(0, len(planned), CHUNK):
        chunk = planned[start : start + CHUNK]
        for item in chunk:
            returnee_index(item.returnee)
        _saved([i.returnee for i in chunk], _insert(Returnee, [_row_values(i.returnee) for i in chunk], now=now))
        _insert(
            NameWordIndex,
            [{"returnee_id": i.returnee.pk, "key": k} for i in chunk for k in name_word_keys(i.returnee)],
            now=now,
        )
        _insert(
            PhoneIndex,
            [{"returnee_id": i.returnee.pk, "key": k} for i in chunk for k in phone_keys(i.returnee)],
            now=now,
        )
        for offset, item in enumerate(chunk):
            item.case |= {"returnee_id": item.returnee.pk, "code": codes[start + offset]}
        for item, pk in zip(chunk, _insert(Case, [i.case for i in chunk], now=now), strict=True):
            item.case["id"] = pk
        _insert(
            CaseEvent,
            [
                {
                    "case_id": i.case["id"],
                    "at": i.case["opened_at"],
                    "kind": CaseEvent.Kind.OPENED,
                    "agency_id": agency.pk,
                    "actor_id": actor_id,
                    "summary": gettext_noop("Case imported from an HTCDS v2.0 file."),
                    "params": {},
                }
                for i in chunk
            ],
            now=now,
        )
        _insert(
            HistoryEvent, [event | {"case_id": item.case["id"]} for item in chunk for event in item.history], now=now
        )
        _insert(
            Consent,
            [
                {
                    "case_id": i.case["id"],
                    "purpose": ConsentPurpose.ASSISTANCE,
                    "given_on": today,
                    "language": language,
                    "explained_by_id": i.explainer.pk if i.explainer else None,
                }
                for i in chunk
                if i.consent
            ],
            now=now,
        )
        if progress:
            progress(rows + start + len(chunk), 2 * rows)
    reactions.records_written.fire(case_ids=[item.case["id"] for item in planned])  # around save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=agency,
        categories=["identity", "contact", "profile", "history", "consent"],
        details={
            "import": "htcds",
            "file": filename[:200],
            "cases": [item.case["code"] for item in planned],
        },
    )


# ------------------------------------------------------------------------------------- the export


def require_export_right(*, actor: User, agency: Agency) -> None:
    """Only a supervisor of the agency exports its cases (the pages and the command check it
    through `access` first; this is the last guard)."""
    if not actor.is_active or actor.role != Role.SUPERVISOR or actor.agency_id != agency.pk:
        raise PermissionDenied


def export_rows(agency: Agency) -> tuple[list[str], list[list[str]]]:
    cases = (
        Case.objects.filter(agency=agency)
        .select_related("returnee", "caseworker")
        .prefetch_related("history", "consents")
        .order_by("opened_at", "pk")
    )
    records = [(case, _case_values(case)) for case in cases]
    kept = sorted({name for case, _values in records for name in case.htcds_extra} - set(EXPORT_COLUMNS))
    columns = [*EXPORT_COLUMNS, *kept]
    return columns, [[values.get(name, "") for name in columns] for _case, values in records]


def _case_values(case: Case) -> dict[str, str]:
    person = case.returnee
    extra: dict[str, str] = dict(case.htcds_extra or {})
    values: dict[str, str] = dict(extra)
    mailing = {name: extra.get(name, "") for name in MAILING}
    if compose_address(mailing) != person.address:  # edited since the import: the address as it is now
        mailing = dict.fromkeys(MAILING, "") | {"prs_MailingStreet": person.address}
    values |= mailing
    status = case.htcds_status
    values |= {
        CASE_NUMBER: case.external_id or case.code,
        "cas_CaseOwner": case.caseworker.username if case.caseworker else "",
        "prs_FirstName": person.given_name,
        "prs_SecondName": person.family_name,
        "prs_MiddleName": person.other_names,
        "con_Consent": "TRUE"
        if any(c.purpose == ConsentPurpose.ASSISTANCE and c.active for c in case.consents.all())
        else "FALSE",
        "prs_Birthdate": person.birth_date.isoformat() if person.birth_date else "",
        "prs_Gender": person.gender,
        "prs_Citizenship": ";".join(person.citizenships),
        "prs_Email": person.email,
        "prs_MobilePhone": person.phones[0] if person.phones else "",
        "prs_HomePhone": ";".join(person.phones[1:]),
        "vic_TraffickingStatus": person.trafficking_status,
        "prs_MaritalStatus": person.marital_status,
        "prs_NumberOfChildren": "" if person.children is None else str(person.children),
        "prs_HighestLevelOfEducation": person.education,
        "cas_Status": extra["cas_Status"] if status == "Closed" and extra.get("cas_Status") else status,
        "cas_ReasonForCaseClosure": closure_words(case.closure_reason, case.closure_code),
    }
    for kind, (location_name, names) in EVENTS.items():
        # One event of each kind fits a row: the first recorded.
        event = next((e for e in case.history.all() if e.type == kind), None)
        if event is not None:
            values[location_name] = event.country
            values |= {name: _export_value(getattr(event, attr)) for name, attr in names.items()}
    return values


def label_of(name: str) -> str:
    """The template's row 2: the field name in words ("prs_FirstName" → "First Name")."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name.split("_", 1)[-1])


def export_file(*, agency: Agency, actor: User, fmt: str) -> bytes:
    """The agency's cases as an HTCDS v2.0 file: "xlsx" (row 1 field names, row 2 labels, data
    from row 3, like the official template) or "csv" (field names in the first row). Audited."""
    require_export_right(actor=actor, agency=agency)
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}")
    columns, rows = export_rows(agency)
    data = _xlsx(columns, rows) if fmt == "xlsx" else _csv(columns, rows)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        obj=agency,
        categories=["identity", "contact", "profile", "history", "consent"],
        details={"export": "htcds", "format": fmt, "cases": len(rows)},
    )
    return data


def _csv(columns: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csvsafe.writer(out, lineterminator="\r\n")  # no cell a spreadsheet runs as a formula
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _xlsx(columns: list[str], rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Sheet1")

    def text_cells(values: list[str]) -> list[WriteOnlyCell]:
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value or None)
            if value:
                cell.data_type = "s"  # always text: a value beginning with "=" is no formula
            cells.append(cell)
        return cells

    sheet.append(text_cells(columns))
    sheet.append(text_cells([label_of(name) for name in columns]))
    for row in rows:
        sheet.append(text_cells(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
