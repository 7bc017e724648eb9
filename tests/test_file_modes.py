"""The var directory and the embedded database are the service user's only (issue 12, finding 9: the
SQLite file was 0644 in a 0755 directory, readable by every account on the machine)."""

import os
import stat
import subprocess
import sys
from pathlib import Path

from django.db.utils import ConnectionHandler

from reintegra.settings import PROJECT_DIR


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def reintegra(var_dir: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env |= {"REINTEGRA_VAR_DIR": str(var_dir), "REINTEGRA_HTTPS": "0"}
    before = os.umask(0o022)  # the usual umask, under which files come out world-readable
    try:
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "reintegra", *args], env=env, cwd=PROJECT_DIR, check=True, capture_output=True
        )
    finally:
        os.umask(before)


def test_a_fresh_installation_keeps_its_var_directory_and_database_private(tmp_path):
    var_dir = tmp_path / "var"
    reintegra(var_dir, "migrate", "--noinput")  # every migration runs on a fresh database, too
    assert mode(var_dir) == 0o700
    assert mode(var_dir / "reintegra.sqlite3") == 0o600
    assert mode(var_dir / "secret_key") == 0o600


def test_an_older_installation_is_narrowed_when_it_starts(tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir(mode=0o755)
    var_dir.chmod(0o755)
    database = var_dir / "reintegra.sqlite3"
    database.touch()
    database.chmod(0o644)
    reintegra(var_dir, "showmigrations", "accounts")
    assert mode(var_dir) == 0o700
    assert mode(database) == 0o600


def test_the_write_ahead_log_and_shared_memory_files_are_private_too(tmp_path, django_db_blocker):
    name = tmp_path / "db.sqlite3"
    options = {"init_command": "PRAGMA journal_mode=WAL;"}
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(name), "OPTIONS": options}}
    )
    before = os.umask(0o022)
    try:
        with django_db_blocker.unblock():
            connection = handler["default"]
            with connection.cursor() as cursor:
                cursor.execute("CREATE TABLE t (x TEXT)")
                cursor.execute("INSERT INTO t VALUES ('a returnee')")
            files = [name, Path(f"{name}-wal"), Path(f"{name}-shm")]
            modes = {f.name: mode(f) for f in files}  # all three exist while the connection is open
            connection.close()
    finally:
        os.umask(before)
    assert modes == {f.name: 0o600 for f in files}
