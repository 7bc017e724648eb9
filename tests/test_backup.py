"""Backup and restore (issue 14): `reintegra backup` writes a consistent, encrypted archive while the
site keeps writing; `reintegra restore` into an empty database gives back every row, with equal
checksums; a non-empty target, a wrong key and a damaged archive are refused clearly.

Each site is a real process on a database of its own: a SQLite file in a fresh var directory, or
a fresh database on the PostgreSQL server DATABASE_URL names (as CI runs it). The schema is migrated
once per module and copied (SQLite: the file; PostgreSQL: CREATE DATABASE … TEMPLATE)."""

import json
import os
import shutil
import subprocess
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from reintegra.exchange import backup
from tests.serving import RUN

# Through a served process on a database of its own: on each database CI runs (tests/conftest.py).
pytestmark = pytest.mark.reaches_database

SQLITE = "reintegra.sqlite3"


@dataclass
class Site:
    env: dict[str, str]
    var: Path

    def run(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*RUN, *args], env=self.env, capture_output=True, text=True, timeout=300, check=False)
        if check and done.returncode:
            pytest.fail(f"{args} failed: {done.stdout}\n{done.stderr}")
        return done

    def checksums(self) -> dict[str, list[Any]]:
        code = (
            "import json; from reintegra.exchange import backup; print(json.dumps(backup.database_checksums().tables))"
        )
        return json.loads(self.run("shell", "-c", code, check=True).stdout.strip().splitlines()[-1])


class Databases:
    """Fresh, migrated, empty databases made from one migrated template."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = os.environ.get("DATABASE_URL")
        self.made: list[str] = []
        self.admin: Any = None
        base = os.environ | {"REINTEGRA_HTTPS": "0"}
        base.pop("REINTEGRA_BACKUP_KEY", None)
        template = root / "template"
        template.mkdir(mode=0o700)
        if self.url:
            import psycopg

            self.parts = urllib.parse.urlsplit(self.url)
            self.admin = psycopg.connect(self.parts._replace(path="/postgres").geturl(), autocommit=True)
            self.template = self._create()
            base["DATABASE_URL"] = self._url(self.template)
        else:
            base.pop("DATABASE_URL", None)
        self.base = base
        subprocess.run(
            [*RUN, "migrate", "--no-input", "-v0"], env=base | {"REINTEGRA_VAR_DIR": str(template)}, check=True
        )
        self.template_dir = template

    def _url(self, name: str) -> str:
        return self.parts._replace(path=f"/{name}").geturl()

    def _create(self, template: str | None = None) -> str:
        name = f"reintegra_backup_{uuid.uuid4().hex[:12]}"
        self.admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.made.append(name)
        return name

    def site(self, label: str) -> Site:
        """A new site: its own var directory (its own keys) and an empty, migrated database."""
        var = self.root / f"{label}-{uuid.uuid4().hex[:6]}"
        var.mkdir(mode=0o700)
        env = self.base | {"REINTEGRA_VAR_DIR": str(var)}
        if self.url:
            env["DATABASE_URL"] = self._url(self._create(self.template))
        else:
            shutil.copy(self.template_dir / SQLITE, var / SQLITE)
        return Site(env=env, var=var)

    def close(self) -> None:
        if self.admin is not None:
            for name in self.made:
                self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.admin.close()


@pytest.fixture(scope="module")
def databases(tmp_path_factory) -> Iterator[Databases]:
    made = Databases(tmp_path_factory.mktemp("backup"))
    try:
        yield made
    finally:
        made.close()


@pytest.fixture(scope="module")
def source(databases) -> Site:
    """A site with the demo's network, people and a few cases."""
    site = databases.site("source")
    site.run("demo", "--password", "backup-pw", "--cases", "6", check=True)
    return site


@pytest.fixture(scope="module")
def archive(source) -> Path:
    path = source.var / "site.backup"
    done = source.run("backup", "--output", str(path), check=True)
    assert "checksummed" in done.stdout
    return path


def sqlite_or_none(site: Site) -> bytes:
    """The source database's own bytes where it is a file (the text is there in the clear)."""
    path = site.var / SQLITE
    return path.read_bytes() if path.exists() else b"Victim identification interviews"


def test_restore_gives_back_every_row(databases, source, archive):
    assert archive.stat().st_mode & 0o777 == 0o600
    assert (source.var / "backup_key").stat().st_mode & 0o777 == 0o600
    data = archive.read_bytes()
    assert b"Victim identification interviews" not in data  # encrypted, not just compressed
    assert b"Victim identification interviews" in sqlite_or_none(source)

    target = databases.site("target")
    done = target.run("restore", str(archive), "--key-file", str(source.var / "backup_key"))
    assert done.returncode == 0, done.stderr
    assert "every count and checksum matches" in done.stdout
    assert "DIFFERENT" not in done.stdout

    # Checked again from outside the command: the same rows in every table, in both databases.
    expected = source.checksums()
    assert target.checksums() == expected
    assert expected["accounts_user"][0] > 5 and expected["cases_returnee"][0] >= 6
    # The data keys came with the archive: the identifying data reads, and the audit chain holds.
    verified = target.run("audit", "verify")
    assert verified.returncode == 0, verified.stderr
    names = (
        "from reintegra.cases.models import Returnee; print(sorted(r.given_name for r in Returnee.objects.all())[:3])"
    )
    assert target.run("shell", "-c", names, check=True).stdout == source.run("shell", "-c", names, check=True).stdout
    # New rows get fresh ids after the restored ones (PostgreSQL's sequences were reset).
    made = (
        "from reintegra.network import services; print(services.agency_create(actor=None, slug='after-restore', "
        "name='After restore', type='SocialWelfare', country='TH', languages=['th']).pk)"
    )
    assert int(target.run("shell", "-c", made, check=True).stdout.split()[-1]) > expected["network_agency"][0]


def test_verify_checks_an_archive_without_restoring(source, archive):
    done = source.run("backup", "verify", str(archive))
    assert done.returncode == 0, done.stderr
    assert "is intact" in done.stdout and "cases_returnee" in done.stdout


def test_restore_refuses_a_database_that_is_not_empty(source, archive):
    before = source.checksums()
    done = source.run("restore", str(archive))
    assert done.returncode != 0
    assert "The database is not empty" in done.stderr
    assert source.checksums() == before


def test_wrong_key_fails_clearly(databases, source, archive):
    other = source.var / "other_key"
    other.write_text(Fernet.generate_key().decode())
    target = databases.site("wrong-key")
    done = target.run("restore", str(archive), "--key-file", str(other))
    assert done.returncode != 0
    assert "encrypted with a different backup key" in done.stderr
    assert "Traceback" not in done.stderr
    missing = target.run("backup", "verify", str(archive))  # the target has no backup key at all
    assert missing.returncode != 0 and "No backup key at" in missing.stderr
    assert target.checksums()["accounts_user"][0] == 0


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: b[: len(b) // 2] + bytes([b[len(b) // 2] ^ 1]) + b[len(b) // 2 + 1 :], "damaged or was altered"),
        (lambda b: b[:-40], "damaged or"),
        (lambda b: b + b"\x00", "bytes after its last part"),
        (lambda b: b"NOT A BACKUP\n" + b, "is not a reintegra backup archive"),
    ],
    ids=["flipped-bit", "cut-short", "trailing-bytes", "not-an-archive"],
)
def test_damaged_archive_fails_clearly_and_restores_nothing(databases, source, archive, damage, message):
    bad = source.var / "damaged.backup"
    bad.write_bytes(damage(archive.read_bytes()))
    key = str(source.var / "backup_key")
    checked = source.run("backup", "verify", str(bad), "--key-file", key)
    assert checked.returncode != 0 and message in checked.stderr, checked.stderr
    if message == "damaged or was altered":  # the whole restore refuses, before a row is written
        target = databases.site("damaged")
        done = target.run("restore", str(bad), "--key-file", key)
        assert done.returncode != 0 and message in done.stderr
        counts = target.checksums()
        assert all(rows == 0 for name, (rows, _) in counts.items() if name not in backup.MIGRATE_FILLS)


WRITER = """
import itertools, pathlib, sys
from django.db import transaction
from reintegra.accounts.services import user_create
from reintegra.network import services

stop = pathlib.Path(sys.argv[-1])
for n in itertools.count():
    if stop.exists():
        break
    with transaction.atomic():  # an agency and its user together, or neither
        agency = services.agency_create(actor=None, slug=f"writer-{n}", name=f"Writer {n}", type="SocialWelfare",
                                        country="TH", languages=["th"])
        user_create(actor=None, username=f"writer{n}", agency=agency, role="caseworker", validate=False)
    print(n, flush=True)
"""


def _archive_rows(path: Path, key: Path) -> dict[str, list[list[Any]]]:
    rows: dict[str, list[list[Any]]] = {}
    fernet = Fernet(key.read_text().strip().encode())
    backup.read_archive(path, fernet, on_table=lambda name, columns, it: rows.__setitem__(name, list(it)))
    return rows


def test_backup_while_writing_is_consistent(databases, tmp_path):
    """A process keeps adding an agency with its user, in one transaction each, while backups run:
    every archive is one snapshot, so every reference in it finds its row, and every agency the
    writer made has its user."""
    site = databases.site("busy")
    stop = tmp_path / "stop"
    code = WRITER.replace("sys.argv[-1]", repr(str(stop)))
    writer = subprocess.Popen(
        [*RUN, "shell", "-c", code], env=site.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120
        assert writer.stdout is not None
        while writer.stdout.readline().split()[:1] != ["3"]:  # writing has started
            assert time.monotonic() < deadline and writer.poll() is None, writer.stderr.read() if writer.stderr else ""
        archives = []
        for i in range(2):
            path = tmp_path / f"busy-{i}.backup"
            done = site.run("backup", "--output", str(path))
            assert done.returncode == 0, done.stderr
            archives.append(path)
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    written = int(out.split()[-1]) + 1 if out.split() else 0

    by_name = {t.name: t for t in backup.tables()}
    seen = []
    for path in archives:
        rows = _archive_rows(path, site.var / "backup_key")
        for name, table_rows in rows.items():
            table = by_name[name]
            for index, f in enumerate(table.fields):
                if not f.is_relation or f.remote_field is None:
                    continue
                target = by_name[f.remote_field.model._meta.db_table]
                target_index = target.columns.index(f.target_field.column)
                present = {row[target_index] for row in rows[target.name]}
                dangling = [row[index] for row in table_rows if row[index] is not None and row[index] not in present]
                assert not dangling, f"{name}.{f.column} points at rows missing from {target.name}: {dangling[:5]}"
        slug = by_name["network_agency"].columns.index("slug")
        agencies = {row[slug] for row in rows["network_agency"] if row[slug].startswith("writer-")}
        username = by_name["accounts_user"].columns.index("username")
        users = {row[username] for row in rows["accounts_user"] if row[username].startswith("writer")}
        assert {f"writer{a.removeprefix('writer-')}" for a in agencies} == users
        seen.append(len(agencies))
    # The backups really ran while the writer wrote: each caught it part way, and it went on after.
    assert 0 < seen[0] <= seen[1] < written + 1
    assert written > seen[-1], "the writer made nothing after the last backup: the test proved nothing"


def test_neutral_values_are_the_same_from_either_database():
    """SQLite hands back strings and integers where PostgreSQL hands back typed values: the archive
    and its checksums see one form."""
    import datetime
    import decimal

    from django.db import models

    money = models.DecimalField(max_digits=12, decimal_places=2)
    when = models.DateTimeField()
    data = models.JSONField()
    assert backup._neutral("DecimalField", money, 12.5) == backup._neutral(
        "DecimalField", money, decimal.Decimal("12.50")
    )
    aware = datetime.datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=datetime.UTC)
    assert backup._neutral("DateTimeField", when, "2026-01-02 03:04:05.006000") == backup._neutral(
        "DateTimeField", when, aware.astimezone(datetime.timezone(datetime.timedelta(hours=7)))
    )
    assert backup._neutral("JSONField", data, '{"b": 1, "a": [1, 2]}') == backup._neutral(
        "JSONField", data, {"a": [1, 2], "b": 1}
    )
    assert backup._neutral("BooleanField", None, 1) is True
    assert backup._neutral("JSONField", data, None) is None
