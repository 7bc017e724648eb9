"""Files only the service's own user may read: the var directory (the database, the keys, the secret)
and the embedded database's files (issue 12, finding 9: they were 0644 in a 0755 directory).

The directory is made 0700, and tightened if an older installation made it wider. The SQLite file
and its write-ahead log and shared-memory files are made 0600 as a connection opens them: SQLite
creates the database with the process's umask (0644 as a rule) and gives the -wal and -shm files the
database file's mode, so once the database is 0600 they follow.
"""

import contextlib
import stat
from pathlib import Path
from typing import Any

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path) -> Path:
    """Creates `path` (and its parents) readable by this user only; narrows it if it exists wider."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    _narrow(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> None:
    """Narrows an existing file to this user; a missing one is left missing."""
    _narrow(path, PRIVATE_FILE)


def _narrow(path: Path, mode: int) -> None:
    # A file of another user (a directory an operator prepared) is left as the operator set it.
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if stat.S_IMODE(path.stat().st_mode) & ~mode:
            path.chmod(mode)


def sqlite_files(name: str) -> list[Path]:
    """The files of an SQLite database named `name`: none for an in-memory one."""
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return []
    return [Path(name), Path(f"{name}-wal"), Path(f"{name}-shm"), Path(f"{name}-journal")]


def sqlite_files_private(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: the opened SQLite database's files are 0600."""
    if connection.vendor != "sqlite":
        return
    for path in sqlite_files(str(connection.settings_dict["NAME"])):
        private_file(path)
