"""PostgreSQL's binary COPY format, for a bulk writer that writes rows again with a few values changed
(the bulk demo, reintegra/demo/bulk.py).

A row read with `COPY (…) TO STDOUT (FORMAT BINARY)` is kept as its fields' bytes, each with its
length in front, exactly as PostgreSQL wrote them; a copy of it is those bytes with the changed
fields encoded anew (`encoder`) and is written back with `COPY … FROM STDIN (FORMAT BINARY)`.
Nothing is parsed or formatted for the fields that stay, on either side: PostgreSQL reads binary
integers, times and text without the text format's parsing (about a third of its work on the audit
events), and the writer joins bytes.
The format: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
"""

import datetime
import struct
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"  # signature, flags, no extension
TRAILER = b"\xff\xff"
NULL = b"\xff\xff\xff\xff"
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)  # PostgreSQL's times count from it
MICROSECOND = datetime.timedelta(microseconds=1)

Encoder = Callable[[Any], bytes]


def rows_read(sql: str) -> list[list[bytes]]:
    """The rows of a query (its text built by the caller, from names and integers of its own), each a
    list of its fields' bytes with their lengths in front."""
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)") as copy:  # type: ignore[attr-defined]
            data = b"".join(bytes(block) for block in copy)
    return fields_split(data)


def fields_split(data: bytes) -> list[list[bytes]]:
    if not data.startswith(HEADER[:11]):
        raise ValueError("not PostgreSQL's binary COPY format")
    at = 15 + 4 + int.from_bytes(data[15:19], "big")
    rows: list[list[bytes]] = []
    while True:
        count = int.from_bytes(data[at : at + 2], "big", signed=True)
        at += 2
        if count == -1:
            return rows
        fields = []
        for _ in range(count):
            size = int.from_bytes(data[at : at + 4], "big", signed=True)
            end = at + 4 + max(size, 0)
            fields.append(data[at:end])
            at = end
        rows.append(fields)


def _integer(size: int) -> Encoder:
    packed = struct.Struct({2: ">ih", 4: ">ii", 8: ">iq"}[size])

    def encode(value: Any) -> bytes:
        return NULL if value is None else packed.pack(size, value)

    return encode


def _text(value: Any) -> bytes:
    if value is None:
        return NULL
    data = value.encode()
    return len(data).to_bytes(4, "big") + data


def _jsonb(value: Any) -> bytes:  # a JSON text; jsonb's binary form is a version byte before it
    if value is None:
        return NULL
    data = b"\x01" + value.encode()
    return len(data).to_bytes(4, "big") + data


_MOMENT = struct.Struct(">iq")


def _moment(value: Any) -> bytes:
    if value is None:
        return NULL
    return _MOMENT.pack(8, (value - EPOCH) // MICROSECOND)


ENCODERS: dict[str, Encoder] = {
    "smallint": _integer(2),
    "integer": _integer(4),
    "bigint": _integer(8),
    "character varying": _text,
    "text": _text,
    "jsonb": _jsonb,
    "json": _text,
    "timestamp with time zone": _moment,
}


def encoders(table: str, columns: Sequence[str]) -> list[Encoder | None]:
    """For each column, how a value written in its place is encoded (None for a type no copy changes:
    its template's bytes are written as they were)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            [table],
        )
        kinds = dict(cursor.fetchall())
    return [ENCODERS.get(kinds[column]) for column in columns]


def rows_pack(rows: Sequence[list[bytes]]) -> bytes:
    """Rows of encoded fields (as `rows_read` gives them, some fields encoded anew) as binary COPY's
    body: each row's fields joined, the count of its fields in front."""
    if not rows:
        return b""
    count = len(rows[0]).to_bytes(2, "big")
    # Joined without a Python step per row: hundreds of thousands of rows a chunk at a million cases.
    return count + count.join(map(b"".join, rows))


def joined_pack(rows: Sequence[bytes], fields: int) -> bytes:
    """The same, of rows whose fields are joined already."""
    if not rows:
        return b""
    count = fields.to_bytes(2, "big")
    return count + count.join(rows)


def packed_write(table: str, columns: Sequence[str], body: bytes) -> None:
    """Writes rows packed by `rows_pack` or `joined_pack` (fields encoded as `rows_read` gives them,
    some encoded anew), of these columns in this order."""
    if not body:
        return
    quote = connection.ops.quote_name
    listed = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {quote(table)} ({listed}) FROM STDIN (FORMAT BINARY)") as copy:  # type: ignore[attr-defined]
            for block in (HEADER, body, TRAILER):  # (not joined: the body is megabytes)
                copy.write(block)
