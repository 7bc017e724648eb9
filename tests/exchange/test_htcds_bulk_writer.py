"""The HTCDS import writes its rows without the ORM's per-value machinery (for speed): what it
stores must be what the ORM stores — every encrypted column a Fernet token of the value, every
other column the field's own database value — and the tokens made a batch at a time are Fernet's."""

import base64
import json
import struct

import pytest
from cryptography.fernet import Fernet
from django.db import connection, models

from reintegra.cases.models import Case, CaseEvent, Consent, HistoryEvent, NameWordIndex, PhoneIndex, Returnee
from reintegra.cases.services import name_word_keys, phone_keys
from reintegra.exchange import htcds
from reintegra.lib import crypto
from reintegra.lib.fields import ENCRYPTED_FIELDS

from .conftest import MARIA, SOMSRI, csv_bytes


def test_tokens_made_a_batch_at_a_time_are_fernet_s(monkeypatch):
    # Lengths of 0 to 8 blocks in no order (the tokens' k-th blocks are encrypted together), each its own IV.
    texts = ["", "Somsri", "x" * 15, "ข้อความภาษาไทย " * 9, "y" * 16, "z" * 32, "Maria", "w" * 47]
    ivs = bytes((7 * n + 3) % 256 for n in range(16 * len(texts)))
    monkeypatch.setattr(crypto.os, "urandom", lambda n: ivs[:n])
    monkeypatch.setattr(crypto.time, "time", lambda: 1_700_000_000.5)

    tokens = crypto.encrypt_many(texts)

    fernet = Fernet(crypto.keyring.keys[0])
    expected = [
        fernet._encrypt_from_parts(t.encode(), 1_700_000_000, ivs[16 * n : 16 * n + 16]).decode()
        for n, t in enumerate(texts)
    ]
    assert tokens == expected
    assert [crypto.decrypt(t) for t in tokens] == texts
    assert crypto.encrypt_many([]) == []
    header = base64.urlsafe_b64decode(tokens[1])[:9]
    assert header == b"\x80" + struct.pack(">Q", 1_700_000_000)


@pytest.mark.parametrize("model", [Returnee, Case, CaseEvent, HistoryEvent, Consent])
def test_every_column_is_stored_as_the_orm_stores_it(network, users, model):
    rows = [SOMSRI | {"cas_CaseNumber": "OLD-1"}, MARIA | {"cas_CaseNumber": "OLD-2", "prs_Birthdate": "1990-01-31"}]
    assert htcds.import_file(csv_bytes(rows), filename="c.csv", agency=network.alpha, actor=users["sam"]).ok

    records = list(model.objects.order_by("pk"))
    assert records
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {quote(model._meta.db_table)} ORDER BY id"  # noqa: S608
        )
        raw_rows = cursor.fetchall()
    for record, raw in zip(records, raw_rows, strict=True):
        record.full_clean(validate_unique=False, validate_constraints=False)
        for f, stored in zip(fields, raw, strict=True):
            value = getattr(record, f.attname)
            if isinstance(f, ENCRYPTED_FIELDS):
                text, as_is = f.plaintext(value)
                assert (crypto.decrypt(stored) if text is not None else stored) == (text if text else as_is), f
            else:
                prepared = f.get_db_prep_save(value, connection)
                assert _comparable(f, stored) == _comparable(f, prepared), f


def _comparable(f, value):
    """A value as the database gives it back: JSON as its Python value (SQLite keeps text,
    PostgreSQL's jsonb comes back as text and goes in through psycopg's Jsonb), others as text."""
    if isinstance(f, models.JSONField):
        if hasattr(value, "obj"):
            return value.obj
        return json.loads(value) if isinstance(value, str) else value
    return str(value) if value is not None and not isinstance(value, int | str) else value


def test_the_blind_indexes_are_the_service_s(network, users):
    assert htcds.import_file(csv_bytes([SOMSRI]), filename="c.csv", agency=network.alpha, actor=None).ok

    person = Returnee.objects.get()
    assert sorted(NameWordIndex.objects.filter(returnee=person).values_list("key", flat=True)) == name_word_keys(person)
    assert sorted(PhoneIndex.objects.filter(returnee=person).values_list("key", flat=True)) == phone_keys(person)
    case = Case.objects.get()
    assert case.code.startswith("TH-") and len(case.code) == len("TH-XXXX-XXXX")
