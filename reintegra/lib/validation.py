"""How a service checks what it writes, in one style.

Every rule of one value is a validator (lib/validators.py, or a model field's own), so a service
either runs the rules of the record it will save (`record_problems`, `full_clean_or_raise`) or,
for a value it keeps elsewhere (the reason of a move), the same validators (`value_problems`).
The rules that read other records it checks itself, adding to the same problems; then everything
is refused at once, field by field (`raise_if`), and nothing is saved.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

Problems = dict[str, list[Any]]


def record_problems(
    record: models.Model, *, only: Iterable[str] | None = None, exclude: Iterable[str] = ()
) -> Problems:
    """The record's own rules (its fields' validators and its `clean()`), for the fields in `only`
    (all when None) except those in `exclude` (the ones the service fills itself). Saves nothing."""
    skipped = set(exclude)
    if only is not None:
        keep = set(only)
        skipped |= {f.name for f in record._meta.get_fields() if f.name not in keep}
    try:
        record.full_clean(exclude=skipped, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return {field: list(errors) for field, errors in exc.error_dict.items()}
    return {}


def value_problems(field: str, value: Any, validators: Iterable[Callable[[Any], None]]) -> Problems:
    """A value checked by the validators of the field that will keep it, reported under `field`."""
    messages: list[Any] = []
    for validator in validators:
        try:
            validator(value)
        except ValidationError as exc:
            messages += exc.messages
    return {field: messages} if messages else {}


def add(problems: Problems, field: str, message: Any) -> None:
    problems.setdefault(field, []).append(message)


def raise_if(problems: Problems | dict[str, Any]) -> None:
    if problems:
        raise ValidationError(problems)


def full_clean_or_raise(record: models.Model, problems: Problems | dict[str, Any] | None = None, **kwargs: Any) -> None:
    """The record's own rules and the `problems` a service found in other records, refused at once."""
    merged: Problems = {f: m if isinstance(m, list) else [m] for f, m in (problems or {}).items()}
    try:
        record.full_clean(**kwargs)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            merged.setdefault(field, []).extend(messages)
    raise_if(merged)
