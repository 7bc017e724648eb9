"""The erasure ledger: a file outside the database (`settings.ERASURE_LEDGER_FILE`, beside the keys)
with one line for every erasure made: when, on which ground, and the codes of the cases erased. A
backup holds what was there when it was made, so restoring a backup taken before an erasure would
bring the person back; the restore reads this ledger and erases those cases again
(exchange/backup.py, decisions/0028 and 0029).

It holds nothing identifying: case codes are random pseudonyms, and once a case is erased its code
leads to no identity. A line is written when the erasure's transaction commits (an erasure rolled
back leaves no line), appended and flushed to disk.
"""

import datetime
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


class LedgerError(Exception):
    """The ledger cannot be read: the message says where."""


@dataclass(frozen=True)
class Entry:
    at: datetime.datetime
    ground: str
    cases: tuple[str, ...]


def ledger_path() -> Path:
    return Path(settings.ERASURE_LEDGER_FILE)


def append(*, at: datetime.datetime, ground: str, cases: list[str], path: Path | None = None) -> None:
    """Adds one erasure to the ledger (made 0600 on first use)."""
    path = path or ledger_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"at": at.isoformat(), "ground": ground, "cases": cases}, ensure_ascii=True) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def entries(path: Path | None = None) -> list[Entry]:
    """Every erasure the ledger records, oldest first; none if there is no ledger."""
    path = path or ledger_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise LedgerError(f"The erasure ledger {path} cannot be read ({exc.strerror}).") from None
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            found.append(
                Entry(
                    at=datetime.datetime.fromisoformat(record["at"]),
                    ground=str(record["ground"]),
                    cases=tuple(str(code) for code in record["cases"]),
                )
            )
        except (ValueError, KeyError, TypeError):
            raise LedgerError(f"Line {number} of the erasure ledger {path} is not an erasure record.") from None
    return found
