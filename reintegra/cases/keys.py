"""Key rotation: add a new data key, re-encrypt every encrypted column under it, drop old keys.

It works on the raw column values (token in, token out: MultiFernet.rotate), one batch of rows per
transaction with the rows locked, so the site keeps serving. Web processes re-read the key file
within a second, so values they write meanwhile are under the new key too; a final pass catches any
row written under an old key by a process that had not yet noticed, before old keys are dropped.
"""

import time
from dataclasses import dataclass

from cryptography.fernet import Fernet
from django.apps import apps
from django.db import connection, models, transaction

from reintegra.lib import crypto
from reintegra.lib.fields import ENCRYPTED_FIELDS


@dataclass
class RotationReport:
    tables: int
    rows: int
    values: int
    dropped: bool


def encrypted_columns() -> list[tuple[type[models.Model], list[str]]]:
    found = []
    for model in apps.get_models():
        columns = [f.column for f in model._meta.concrete_fields if isinstance(f, ENCRYPTED_FIELDS)]
        if columns:
            found.append((model, columns))
    return found


def _rotate_table(model: type[models.Model], columns: list[str], batch: int) -> tuple[int, int]:
    """Returns (rows touched, values rotated)."""
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)  # type: ignore[union-attr]
    cols = ", ".join(quote(c) for c in columns)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    rows = values = 0
    last = None
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            where = f"WHERE {pk} > %s " if last is not None else ""
            cursor.execute(
                f"SELECT {pk}, {cols} FROM {table} {where}ORDER BY {pk} LIMIT %s{lock}",  # noqa: S608
                [last, batch] if last is not None else [batch],
            )
            fetched = cursor.fetchall()
            for row in fetched:
                updates = {}
                for column, token in zip(columns, row[1:], strict=True):
                    if token and not crypto.is_under_newest_key(token):
                        updates[column] = crypto.rotate_token(token)
                if updates:
                    assignments = ", ".join(f"{quote(c)} = %s" for c in updates)
                    cursor.execute(
                        f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                        [*updates.values(), row[0]],
                    )
                    rows += 1
                    values += len(updates)
        if len(fetched) < batch:
            break
        last = fetched[-1][0]
    return rows, values


def keys_rotate(*, drop_old: bool = False, batch: int = 500, settle_seconds: float = 2.5) -> RotationReport:
    old_keys = crypto.keyring.keys
    crypto.keyring.write_keys([Fernet.generate_key(), *old_keys])
    tables = encrypted_columns()
    rows = values = 0
    for model, columns in tables:
        r, v = _rotate_table(model, columns, batch)
        rows, values = rows + r, values + v
    # A second pass, once every process has re-read the key file: anything written under an old key
    # while the first pass ran.
    time.sleep(settle_seconds)
    for model, columns in tables:
        r, v = _rotate_table(model, columns, batch)
        rows, values = rows + r, values + v
    if drop_old:
        crypto.keyring.write_keys(crypto.keyring.keys[:1])
    return RotationReport(tables=len(tables), rows=rows, values=values, dropped=drop_old)
