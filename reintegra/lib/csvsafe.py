"""CSV files people open in a spreadsheet, with no cell that runs as a formula (OWASP "CSV
injection"): a text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is
written with a leading `'`, which spreadsheet programs read as "this is text" and do not show.
A number stays a number ("-12", "+3.5", "1e-3" and numbers given as int, float or Decimal are left
as they are).

Every CSV the product writes goes through `writer` (or `cell` for a value written another way).
A reader of a file the product wrote (the HTCDS import) takes the mark off with `read_cell`, so
export → import → export gives the same file: a text that already begins with `'` before a
dangerous character gets one more `'` on the way out, and loses exactly one on the way in.
"""

import csv
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


class _Writable(Protocol):
    def write(self, s: str, /) -> Any: ...


def _dangerous(text: str) -> bool:
    return text.startswith(TRIGGERS) and _NUMBER.fullmatch(text) is None


def cell(value: Any) -> Any:
    """The value as a safe CSV cell: a number or an empty value as it is, a text that a spreadsheet
    would run (after any `'` it already begins with) behind one more `'`."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    text = str(value)
    return "'" + text if _dangerous(text.lstrip("'")) else text


def read_cell(text: str) -> str:
    """What `cell` was given: the `'` it added taken off again (and nothing else)."""
    return text[1:] if text.startswith("'") and _dangerous(text.lstrip("'")) else text


def row(values: Iterable[Any]) -> list[Any]:
    return [cell(v) for v in values]


class SafeWriter:
    """`csv.writer` whose every cell goes through `cell`."""

    def __init__(self, out: _Writable, **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, values: Iterable[Any]) -> Any:
        return self._writer.writerow(row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self._writer.writerow(row(values))


def writer(out: _Writable, **kwargs: Any) -> SafeWriter:
    """A CSV writer (the arguments of `csv.writer`) that neutralises formulas."""
    return SafeWriter(out, **kwargs)
