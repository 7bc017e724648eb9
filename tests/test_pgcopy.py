"""PostgreSQL's binary COPY format (reintegra/lib/pgcopy.py), as the bulk demo uses it: rows read as
their fields' bytes, some fields encoded anew, written back; and the audit details a copy rewrites."""

import datetime
import json

import pytest
from django.db import connection

from reintegra.accounts.audit import canonical_json
from reintegra.demo.bulk import _Details, _encoders
from reintegra.lib import pgcopy

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's COPY format")


def test_rows_read_changed_and_written_back_are_what_postgresql_reads(postgresql):
    moment = datetime.datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=datetime.UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE copied (id bigint, small integer, name varchar(40), note text, "
            "facts jsonb, at timestamptz, flag boolean)"
        )
        cursor.execute(
            "INSERT INTO copied VALUES (1, 7, 'สมหญิง', E'tab\\there', '{\"a\": [1, \"ข\"]}', %s, true), "
            "(2, NULL, NULL, '', '{}', NULL, false)",
            [moment],
        )
    columns = ["id", "small", "name", "note", "facts", "at", "flag"]
    rows = pgcopy.rows_read("SELECT id, small, name, note, facts, at, flag FROM copied ORDER BY id")
    assert len(rows) == 2 and all(len(r) == 7 for r in rows)
    assert rows[1][1] == rows[1][2] == pgcopy.NULL
    encode = pgcopy.encoders("copied", columns)
    assert encode[6] is None  # no copy changes a boolean: its bytes are written as they were
    changed = []
    for row in rows:
        row = list(row)
        row[0] = encode[0](10 + len(changed))
        row[1] = encode[1](None)
        row[2] = encode[2]("Maria-Clara 'Dela Cruz'\\")
        row[4] = encode[4](json.dumps({"case": "TH-ABCD-EFGH", "n": 3}))
        row[5] = encode[5](moment + datetime.timedelta(days=len(changed)))
        changed.append(row)
    pgcopy.packed_write("copied", columns, pgcopy.rows_pack(changed))
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, small, name, note, facts, at, flag FROM copied WHERE id >= 10 ORDER BY id")
        written = [(*r[:4], json.loads(r[4]), *r[5:]) for r in cursor.fetchall()]  # (Django reads jsonb as text)
        assert written == [
            (10, None, "Maria-Clara 'Dela Cruz'\\", "tab\there", {"case": "TH-ABCD-EFGH", "n": 3}, moment, True),
            (
                11,
                None,
                "Maria-Clara 'Dela Cruz'\\",
                "",
                {"case": "TH-ABCD-EFGH", "n": 3},
                moment + datetime.timedelta(days=1),
                False,
            ),
        ]


def test_a_type_no_copy_changes_is_named(postgresql):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE odd (id bigint, place inet)")

    encode = _encoders("odd", ["id", "place"])
    assert encode[0](5) == b"\x00\x00\x00\x08" + (5).to_bytes(8, "big")
    with pytest.raises(TypeError, match=r"odd\.place"):
        encode[1]("127.0.0.1")


def test_what_is_not_the_format_is_refused():
    with pytest.raises(ValueError, match="binary COPY"):
        pgcopy.fields_split(b"id\tname\n")


@pytest.mark.parametrize(
    "details",
    [
        {"case": "TH-AAAA-BBBB", "reason": "ย้ายที่อยู่", "fields": ["phones", "address"]},
        {"code": "PH-CCCC-DDDD", "case": "PH-CCCC-DDDD", "enrolment": 41, "nested": {"z": 1, "a": [1, 2]}},
        {"enrolment": 3},
        {"case": 17, "note": 'quote " and \\ backslash'},
    ],
)
def test_rewritten_details_are_the_json_of_the_changed_details(details):
    """Each copy's details JSON, joined from pieces, is exactly json.dumps (as stored) and canonical_json
    (as hashed) of the details with its values."""
    rewritten = _Details.of(details)
    assert rewritten is not None
    assert rewritten.written({}) == (json.dumps(details), canonical_json(details))
    new = {"case": "TH-XXXX-YYYY", "code": "TH-XXXX-YYYY", "enrolment": 1041}
    changed = {**details, **{k: v for k, v in new.items() if k in details}}
    jsons = {k: json.dumps(v) for k, v in new.items() if k in details}
    assert rewritten.written(jsons) == (json.dumps(changed), canonical_json(changed))


def test_details_that_name_nothing_a_copy_changes_are_kept():
    assert _Details.of({"reason": "moved"}) is None
