"""Optimistic concurrency: every update names the version it edits; a stale one is refused."""

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext as _


class EditConflict(Exception):
    """The record changed since the editor loaded it. `changes` maps field → current value."""

    def __init__(self, *, current_version: int, changes: dict[str, Any]):
        self.current_version = current_version
        self.changes = changes
        names = ", ".join(changes) or _("nothing visible")
        super().__init__(
            _(
                "Someone else saved this record while you were editing it (now version %(version)s). "
                "Changed: %(fields)s. Reload it, check the changes and edit again."
            )
            % {"version": current_version, "fields": names}
        )


def check_version(
    obj: models.Model,
    *,
    expected_version: int | None,
    submitted: dict[str, Any],
    fields: Iterable[str],
    values_from: object | None = None,
) -> None:
    """`obj` is the locked, current row that carries the version; the field values are read from
    `values_from` (a related record, such as a case's returnee) when given. Refuses the edit when it
    was made against another version."""
    current = obj.version  # type: ignore[attr-defined]
    source = values_from if values_from is not None else obj
    if expected_version is None or int(expected_version) != current:
        changes = {f: getattr(source, f) for f in fields if f in submitted and getattr(source, f) != submitted[f]}
        raise EditConflict(current_version=current, changes=changes)
