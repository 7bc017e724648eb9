"""The erasure ledger: a file outside the database (`settings.ERASURE_LEDGER_FILE`, beside the keys)
with one line for every erasure made: when, on which ground, and the codes of the cases erased. A
backup holds what was there when it was made, so restoring a backup taken before an erasure would
bring the person back; the restore reads this ledger and erases those cases again
(exchange/backup.py, decisions/0028 and 0029).

It holds nothing identifying: case codes are random pseudonyms, and once a case is erased its code
leads to no identity. A line is written, appended and flushed to disk (fsync) *before* the erasure's
transaction commits, as the last step inside it: if it cannot be written the erasure is refused and
rolled back (`LedgerWriteError`), so no erasure is ever committed without its line. A line whose
erasure then did not commit (the commit failed, the process died in between) stays; a restore erases
that case again, which is what the returnee asked for or the retention policy decided
(decisions/0031-durable-erasure-ledger).
"""

import datetime
import errno
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


class LedgerError(Exception):
    """The ledger cannot be read: the message says where."""


class LedgerWriteError(OSError):
    """The ledger cannot be written: the message says where and why."""


@dataclass(frozen=True)
class Entry:
    at: datetime.datetime
    ground: str
    cases: tuple[str, ...]


def ledger_path() -> Path:
    return Path(settings.ERASURE_LEDGER_FILE)


def append(*, at: datetime.datetime, ground: str, cases: list[str], path: Path | None = None) -> None:
    """Adds one erasure to the ledger (made 0600 on first use) and waits until it is on disk; raises
    LedgerWriteError if it cannot be (a missing directory, no permission, a full disk)."""
    path = path or ledger_path()
    line = json.dumps({"at": at.isoformat(), "ground": ground, "cases": cases}, ensure_ascii=True) + "\n"
    data = line.encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(errno.ENOSPC, "short write")
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise LedgerWriteError(f"The erasure ledger {path} cannot be written ({exc.strerror or exc}).") from exc


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
