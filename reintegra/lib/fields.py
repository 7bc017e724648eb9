"""Model fields whose values are encrypted at rest (see crypto.py). They cannot be filtered on:
search goes through blind-index columns kept beside them. And the stamp of when a row was made or
changed, read from the clock (clock.py)."""

import datetime
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.core import validators
from django.db import models

from . import clock, crypto


class EncryptedTextField(models.TextField):
    """Text, stored as a Fernet token. An empty value is stored empty."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        return prep_encrypted(self, value)

    def plaintext(self, value: Any) -> tuple[str | None, Any]:
        """(the text to encrypt, or None and the value stored as it is): what `get_prep_value`
        encrypts, for a bulk writer that encrypts many values at once (`crypto.encrypt_many`)."""
        value = super().get_prep_value(value)
        if value is None or value == "":
            return None, value
        return str(value), None


class EncryptedLineField(EncryptedTextField):
    """One line of encrypted text (a place, a person's or an employer's name): a text box in forms
    and the API, at most `max_length` characters of clear text (the stored token is longer)."""

    def __init__(self, *args: Any, max_length: int, **kwargs: Any) -> None:
        kwargs["max_length"] = max_length
        super().__init__(*args, **kwargs)
        self.validators.append(validators.MaxLengthValidator(max_length))

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        return super().formfield(**{"widget": forms.TextInput, **kwargs})


class EncryptedJSONField(models.TextField):
    """Any JSON value (a list of phone numbers, of identity documents…), encrypted."""

    # What django-stubs reads as the field's Python type (set and get).
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return self.get_default()
        return json.loads(crypto.decrypt(value))

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> Any:
        return prep_encrypted(self, value)

    def plaintext(self, value: Any) -> tuple[str | None, Any]:
        return json.dumps(value, ensure_ascii=False, default=str), None

    def value_to_string(self, obj: models.Model) -> str:
        return json.dumps(self.value_from_object(obj), default=str)


class EncryptedDateField(models.TextField):
    """A date (a birth date), stored as an encrypted ISO string."""

    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> datetime.date | None:
        if not value:
            return None
        return datetime.date.fromisoformat(crypto.decrypt(value))

    def to_python(self, value: Any) -> datetime.date | None:
        if value in (None, ""):
            return None
        if isinstance(value, datetime.date):
            return value
        return datetime.date.fromisoformat(str(value))

    def get_prep_value(self, value: Any) -> Any:
        return prep_encrypted(self, value)

    def plaintext(self, value: Any) -> tuple[str | None, Any]:
        value = self.to_python(value)
        return (None, None) if value is None else (value.isoformat(), None)

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        return forms.DateField(**({"required": not self.blank} | kwargs))


class StampField(models.DateTimeField):
    """`auto_now_add` (made at) or `auto_now` (changed at) with the clock's time, so a record
    entered as of an earlier moment (the demo's past) says when it was made."""

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        if self.auto_now or (self.auto_now_add and add):
            value = clock.now()
            setattr(model_instance, self.attname, value)
            return value
        return getattr(model_instance, self.attname)


ENCRYPTED_FIELDS = (EncryptedTextField, EncryptedJSONField, EncryptedDateField)
EncryptedField = EncryptedTextField | EncryptedJSONField | EncryptedDateField


def encrypted_names(model: type[models.Model], prefix: str = "") -> list[str]:
    """The names of `model`'s encrypted fields (after `prefix`, e.g. "returnee__"), for `defer()`: a
    page that shows none of them does not decrypt them for each row."""
    return [prefix + f.name for f in model._meta.concrete_fields if isinstance(f, ENCRYPTED_FIELDS)]


def prep_encrypted(field: EncryptedField, value: Any) -> Any:
    """What an encrypted field stores for `value`: a token, or an empty value as it is."""
    text, stored = field.plaintext(value)
    return stored if text is None else crypto.encrypt(text)


def encrypt_in_place(connection: Any, table: str, columns: Sequence[str], *, decrypt: bool = False) -> None:
    """For a migration that makes plain text columns encrypted (or, with `decrypt`, plain again):
    rewrites every non-empty value of `columns` in `table`, reading and writing the raw column."""
    quote = connection.ops.quote_name
    listed = ", ".join(quote(c) for c in columns)
    assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote('id')}, {listed} FROM {quote(table)}")  # noqa: S608
        rows = cursor.fetchall()
        for pk, *values in rows:
            changed = [(crypto.decrypt(v) if decrypt else crypto.encrypt(v)) if v else v for v in values]
            if changed != values:
                cursor.execute(
                    f"UPDATE {quote(table)} SET {assignments} WHERE {quote('id')} = %s",  # noqa: S608
                    [*changed, pk],
                )


def unread(texts: Iterable[str], prefix: str = "") -> list[str]:
    """Encrypted texts a list does not show, as `defer()` names them (through `prefix`, "case__", when
    the rows come with another model's): the rows are read without decrypting them, and reading one
    later still gives it, with a query of its own."""
    return [f"{prefix}{name}" for name in texts]
