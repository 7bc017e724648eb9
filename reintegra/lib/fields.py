"""Model fields whose values are encrypted at rest (see crypto.py). They cannot be filtered on:
search goes through blind-index columns kept beside them. And the stamp of when a row was made or
changed, read from the clock (clock.py)."""

import datetime
import json
from typing import Any

from django import forms
from django.db import models

from . import clock, crypto


class EncryptedTextField(models.TextField):
    """Text, stored as a Fernet token. An empty value is stored empty."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))


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
        return crypto.encrypt(json.dumps(value, ensure_ascii=False, default=str))

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
        value = self.to_python(value)
        return None if value is None else crypto.encrypt(value.isoformat())

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
