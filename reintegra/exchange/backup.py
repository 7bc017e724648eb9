"""Backup and restore of the whole database as one consistent, compressed, encrypted archive
(docs/decisions/0028-backup.md).

The archive: a plain header line naming the format and the backup key's id, then frames, each a
4-byte length and a Fernet token. A frame's plaintext is its index (8 bytes), a "last frame" flag
(1 byte) and a piece of a zlib stream, so frames cannot be dropped, reordered or cut off unnoticed.
The zlib stream holds JSON lines: a header record (format, database, migrations, the data keys),
then for every table a `table` record, its rows (JSON arrays, raw column values made
vendor-neutral, in primary-key order) and an `end` record with the row count and the SHA-256 of
the row lines, and last a manifest of every table's count and checksum.

Every table is read in one snapshot: PostgreSQL REPEATABLE READ, READ ONLY; on SQLite one read
transaction on a connection of its own (with the write-ahead log writers go on meanwhile).
"""

import base64
import datetime
import decimal
import hashlib
import hmac
import json
import os
import sqlite3
import struct
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder

from reintegra.cases import erasure, erasure_ledger
from reintegra.cases.models import Case
from reintegra.lib import clock, crypto
from reintegra.lib.crypto import _read_or_create

FORMAT = 1
MAGIC = b"REINTEGRA-BACKUP"
CHUNK = 1 << 20  # plaintext bytes per frame
BATCH = 500  # rows per INSERT batch on restore
# Rows `migrate` itself writes into a fresh database; a restore replaces them with the archive's.
MIGRATE_FILLS = {"django_content_type", "auth_permission"}


class BackupError(Exception):
    """Something an operator can act on: the message says what and where."""


# --- The backup key -------------------------------------------------------------------------


def backup_key_path() -> Path:
    return Path(settings.BACKUP_KEY_FILE)


def backup_key(*, create: bool, key_file: Path | None = None) -> Fernet:
    """The Fernet key archives are encrypted with: `REINTEGRA_BACKUP_KEY`, else the key file
    (created 0600 with a fresh key by a backup, never by a restore)."""
    env = os.environ.get("REINTEGRA_BACKUP_KEY", "").strip()
    if env and key_file is None:
        text = env
    else:
        path = key_file or backup_key_path()
        if create:
            text = _read_or_create(path, lambda: Fernet.generate_key().decode())
        else:
            try:
                text = path.read_text()
            except OSError as exc:
                raise BackupError(f"No backup key at {path} ({exc.strerror}): give --key-file.") from None
        text = next((line.strip() for line in text.splitlines() if line.strip()), "")
    try:
        return Fernet(text.encode())
    except ValueError:
        raise BackupError("The backup key is not a valid Fernet key (44 characters of URL-safe base64).") from None


def key_id(fernet: Fernet) -> str:
    """A short fingerprint of the key (not the key): tells 'wrong key' from 'damaged archive'."""
    secret = fernet._signing_key + fernet._encryption_key  # noqa: SLF001 (only to fingerprint it)
    return hmac.new(secret, b"reintegra-backup-key-id", hashlib.sha256).hexdigest()[:16]


# --- Tables and values ----------------------------------------------------------------------


@dataclass
class Table:
    name: str
    model: type[models.Model]
    fields: list[models.Field]  # type: ignore[type-arg]

    @property
    def columns(self) -> list[str]:
        return [f.column for f in self.fields]


def tables() -> list[Table]:
    """Every table of every installed model, parents before the tables that point at them."""
    found: dict[str, Table] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.swapped or meta.db_table in found:
            continue
        fields = [f for f in meta.local_concrete_fields if not getattr(f, "generated", False)]
        found[meta.db_table] = Table(meta.db_table, model, fields)
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str) -> None:
        if state.get(name):  # done, or on the path (a cycle: constraints are deferred anyway)
            return
        state[name] = 1
        for f in found[name].fields:
            target = f.remote_field.model._meta.db_table if f.remote_field else None
            if target and target != name and target in found:
                visit(target)
        state[name] = 2
        order.append(name)

    for name in sorted(found):
        visit(name)
    return [found[name] for name in order]


def _kind(f: models.Field) -> str:  # type: ignore[type-arg]
    while f.remote_field is not None and f.is_relation:
        f = f.target_field  # type: ignore[attr-defined]
    return f.get_internal_type()


_INTS = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
}


def _neutral(kind: str, f: models.Field, value: Any) -> Any:  # type: ignore[type-arg]
    """A raw column value as the same JSON on SQLite and PostgreSQL."""
    if value is None:
        return None
    if kind == "BooleanField":
        return bool(value)
    if kind in _INTS:
        return int(value)
    if kind == "FloatField":
        return float(value)
    if kind == "DecimalField":
        places = decimal.Decimal(1).scaleb(-(f.decimal_places or 0))  # type: ignore[attr-defined]
        return str(decimal.Decimal(str(value)).quantize(places))
    if kind == "DateTimeField":
        moment = datetime.datetime.fromisoformat(value) if isinstance(value, str) else value
        if moment.tzinfo is None:  # SQLite keeps UTC without an offset
            moment = moment.replace(tzinfo=datetime.UTC)
        return moment.astimezone(datetime.UTC).isoformat()
    if kind == "DateField":
        return (datetime.date.fromisoformat(value) if isinstance(value, str) else value).isoformat()
    if kind == "TimeField":
        return (datetime.time.fromisoformat(value) if isinstance(value, str) else value).isoformat()
    if kind == "UUIDField":
        return uuid.UUID(str(value)).hex
    if kind == "DurationField":
        if isinstance(value, datetime.timedelta):
            return value // datetime.timedelta(microseconds=1)
        return int(value)
    if kind == "BinaryField":
        return base64.b64encode(bytes(value)).decode()
    if kind == "JSONField":
        parsed = json.loads(value) if isinstance(value, str | bytes) else value
        return json.dumps(parsed, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _to_db(kind: str, f: models.Field, value: Any) -> Any:  # type: ignore[type-arg]
    """A neutral value back into a parameter for this database."""
    if value is None:
        return None
    ops = connection.ops
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value(datetime.datetime.fromisoformat(value))
    if kind == "DateField":
        return ops.adapt_datefield_value(datetime.date.fromisoformat(value))
    if kind == "TimeField":
        return ops.adapt_timefield_value(datetime.time.fromisoformat(value))
    if kind == "DecimalField":
        return ops.adapt_decimalfield_value(decimal.Decimal(value))
    if kind == "UUIDField":
        return uuid.UUID(value) if connection.features.has_native_uuid_field else value
    if kind == "DurationField":
        if connection.features.has_native_duration_field:
            return datetime.timedelta(microseconds=value)
        return value
    if kind == "BinaryField":
        return base64.b64decode(value)
    if kind == "JSONField":
        return ops.adapt_json_value(json.loads(value), getattr(f, "encoder", None))
    return value


def _line(row: Iterable[Any]) -> str:
    return json.dumps(list(row), ensure_ascii=False, separators=(",", ":"))


def _select(table: Table, quote: Callable[[str], str]) -> str:
    pk = table.model._meta.pk
    assert pk is not None  # noqa: S101 (every concrete model has one)
    cols = ", ".join(quote(c) for c in table.columns)
    return f"SELECT {cols} FROM {quote(table.name)} ORDER BY {quote(pk.column)}"  # noqa: S608 (names, not input)


def _neutral_rows(table: Table, rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    kinds = [_kind(f) for f in table.fields]
    for row in rows:
        yield _line(_neutral(k, f, v) for k, f, v in zip(kinds, table.fields, row, strict=True))


# --- Writing an archive ---------------------------------------------------------------------


class _Writer:
    def __init__(self, out: IO[bytes], fernet: Fernet) -> None:
        self.out, self.fernet = out, fernet
        self.zip = zlib.compressobj(6)
        self.pending = b""
        self.index = 0

    def line(self, text: str) -> None:
        self.pending += self.zip.compress(text.encode() + b"\n")
        while len(self.pending) >= CHUNK:
            self._frame(self.pending[:CHUNK], last=False)
            self.pending = self.pending[CHUNK:]

    def record(self, **fields: Any) -> None:
        self.line(json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")))

    def close(self) -> None:
        self.pending += self.zip.flush()
        self._frame(self.pending, last=True)

    def _frame(self, data: bytes, *, last: bool) -> None:
        token = self.fernet.encrypt(struct.pack(">Q?", self.index, last) + data)
        self.out.write(struct.pack(">I", len(token)) + token)
        self.index += 1


@dataclass
class Summary:
    tables: dict[str, tuple[int, str]] = field(default_factory=dict)  # name: (rows, sha256)

    @property
    def rows(self) -> int:
        return sum(n for n, _ in self.tables.values())


def _fetched(cursor: Any) -> Iterator[tuple[Any, ...]]:
    while rows := cursor.fetchmany(BATCH):
        yield from rows


def _snapshot_rows() -> Iterator[tuple[Table, Iterator[tuple[Any, ...]]]]:
    """Yields each table with its rows, all read in one snapshot of the database."""
    listed = tables()
    if connection.vendor == "sqlite":
        raw = sqlite3.connect(settings.DATABASES["default"]["NAME"], isolation_level=None, timeout=20)
        try:
            raw.execute("BEGIN DEFERRED")  # the snapshot is taken by the first read and held
            for table in listed:
                yield table, iter(raw.execute(_select(table, connection.ops.quote_name)))
            raw.execute("COMMIT")
        finally:
            raw.close()
        return
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        for table in listed:
            cursor.execute(_select(table, connection.ops.quote_name))
            yield table, _fetched(cursor)


def _migrations() -> list[list[str]]:
    recorder = MigrationRecorder(connection)
    return sorted([app, name] for app, name in recorder.applied_migrations())


def write_archive(out: IO[bytes], fernet: Fernet) -> Summary:
    """Writes the whole database to `out`; returns every table's row count and checksum."""
    writer = _Writer(out, fernet)
    out.write(MAGIC + b" " + json.dumps({"format": FORMAT, "key_id": key_id(fernet)}).encode() + b"\n")
    index_key = base64.urlsafe_b64encode(crypto._blind_index_key()).decode()  # noqa: SLF001
    writer.record(
        kind="header",
        format=FORMAT,
        created=clock.now().isoformat(),
        vendor=connection.vendor,
        migrations=_migrations(),
        keys={"data": [k.decode() for k in crypto.keyring.keys], "index": index_key},
    )
    summary = Summary()
    for table, rows in _snapshot_rows():
        writer.record(kind="table", table=table.name, columns=table.columns)
        digest, count = hashlib.sha256(), 0
        for line in _neutral_rows(table, rows):
            writer.line(line)
            digest.update(line.encode() + b"\n")
            count += 1
        writer.record(kind="end", table=table.name, rows=count, sha256=digest.hexdigest())
        summary.tables[table.name] = (count, digest.hexdigest())
    writer.record(kind="manifest", tables={name: {"rows": n, "sha256": h} for name, (n, h) in summary.tables.items()})
    writer.close()
    return summary


def backup(output: Path) -> Summary:
    """Writes an archive to `output` (0600, through a temporary file, so a failed backup leaves no
    half archive under the name)."""
    fernet = backup_key(create=True)
    tmp = output.with_name(output.name + ".partial")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise BackupError(f"--output {output}: {exc.strerror}.") from None
    try:
        with os.fdopen(fd, "wb") as out:
            summary = write_archive(out, fernet)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return summary


# --- Reading an archive ---------------------------------------------------------------------


def _frames(data: IO[bytes], fernet: Fernet, path: Path) -> Iterator[bytes]:
    first = data.readline()
    if not first.startswith(MAGIC + b" "):
        raise BackupError(f"{path} is not a reintegra backup archive.")
    try:
        head = json.loads(first[len(MAGIC) + 1 :])
    except ValueError:
        raise BackupError(f"{path}: the archive's header is damaged.") from None
    if head.get("format") != FORMAT:
        raise BackupError(f"{path}: archive format {head.get('format')!r}; this version reads format {FORMAT}.")
    if head.get("key_id") != key_id(fernet):
        raise BackupError(
            f"{path} was encrypted with a different backup key (key id {head.get('key_id')}; "
            f"the key given has id {key_id(fernet)}). Give the key the backup was made with (--key-file)."
        )
    index = 0
    while True:
        size = data.read(4)
        if len(size) < 4:  # noqa: PLR2004
            raise BackupError(f"{path} is damaged or cut short: it ends before its last part (part {index}).")
        token = data.read(struct.unpack(">I", size)[0])
        try:
            plain = fernet.decrypt(token)
        except InvalidToken:
            raise BackupError(f"{path} is damaged or was altered: part {index} fails its integrity check.") from None
        number, last = struct.unpack(">Q?", plain[:9])
        if number != index:
            raise BackupError(f"{path} was altered: part {number} found where part {index} belongs.")
        yield plain[9:]
        index += 1
        if last:
            if data.read(1):
                raise BackupError(f"{path} was altered: there are bytes after its last part.")
            return


def _lines(data: IO[bytes], fernet: Fernet, path: Path) -> Iterator[str]:
    unzip = zlib.decompressobj()
    rest = b""
    try:
        for chunk in _frames(data, fernet, path):
            rest += unzip.decompress(chunk)
            *lines, rest = rest.split(b"\n")
            for line in lines:
                yield line.decode()
        rest += unzip.flush()
    except zlib.error:
        raise BackupError(f"{path} is damaged: its compressed data cannot be read.") from None
    if rest or not unzip.eof:
        raise BackupError(f"{path} is damaged: its data ends in the middle of a record.")


@dataclass
class Archive:
    header: dict[str, Any]
    summary: Summary  # as recomputed from the rows read
    manifest: dict[str, Any]


def read_archive(
    path: Path, fernet: Fernet, *, on_table: Callable[[str, list[str], Iterator[list[Any]]], None] | None = None
) -> Archive:
    """Reads and checks an archive: every table's rows against its count and checksum and the
    manifest. `on_table(name, columns, rows)` is given each table's rows as they are read."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise BackupError(f"{path}: {exc.strerror}.") from None
    with handle:
        lines = _lines(handle, fernet, path)
        header = json.loads(next(lines, "{}"))
        if header.get("kind") != "header":
            raise BackupError(f"{path} is damaged: it does not start with its header record.")
        summary, manifest = Summary(), None
        for line in lines:
            record = json.loads(line)
            if record.get("kind") == "manifest":
                manifest = record["tables"]
                break
            if record.get("kind") != "table":
                raise BackupError(f"{path} is damaged: a {record.get('kind')!r} record where a table belongs.")
            name, columns = record["table"], record["columns"]
            digest, counted, end = hashlib.sha256(), [0], dict[str, Any]()

            def rows(name: str = name, digest: Any = digest, counted: list[int] = counted, end: dict = end) -> Any:
                for row_line in lines:
                    if not row_line.startswith("["):
                        end.update(json.loads(row_line))
                        return
                    digest.update(row_line.encode() + b"\n")
                    counted[0] += 1
                    yield json.loads(row_line)

            iterator = rows()
            if on_table is not None:
                on_table(name, columns, iterator)
            for _ in iterator:  # whatever on_table left unread
                pass
            if end.get("kind") != "end" or end.get("table") != name:
                raise BackupError(f"{path} is damaged: table {name} has no end record.")
            if end["rows"] != counted[0] or end["sha256"] != digest.hexdigest():
                raise BackupError(f"{path}: table {name} does not match its own checksum.")
            summary.tables[name] = (counted[0], digest.hexdigest())
        if manifest is None:
            raise BackupError(f"{path} is damaged: it has no manifest.")
        if next(lines, None) is not None:
            raise BackupError(f"{path} is damaged: there are records after its manifest.")
    listed = {name: (v["rows"], v["sha256"]) for name, v in manifest.items()}
    if listed != summary.tables:
        raise BackupError(f"{path}: the tables do not match the archive's manifest.")
    return Archive(header=header, summary=summary, manifest=manifest)


def verify(path: Path, *, key_file: Path | None = None) -> Archive:
    return read_archive(path, backup_key(create=False, key_file=key_file))


# --- Restoring ------------------------------------------------------------------------------


def database_checksums() -> Summary:
    """Every table's row count and checksum as the database holds it now (the same serialisation
    as the archive's)."""
    summary = Summary()
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables():
            cursor.execute(_select(table, connection.ops.quote_name))
            digest, count = hashlib.sha256(), 0
            for line in _neutral_rows(table, _fetched(cursor)):
                digest.update(line.encode() + b"\n")
                count += 1
            summary.tables[table.name] = (count, digest.hexdigest())
    return summary


def _not_empty() -> list[str]:
    existing = set(connection.introspection.table_names())
    full = []
    with connection.cursor() as cursor:
        for table in tables():
            if table.name in MIGRATE_FILLS:
                continue
            if table.name not in existing:
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table.name)} LIMIT 1")  # noqa: S608
            if cursor.fetchone():
                full.append(table.name)
    return full


def _check_keys(keys: dict[str, Any]) -> Callable[[], None]:
    """Checks the archive's data keys can be put in place; returns the step that puts them."""
    archive_data = [k.encode() for k in keys["data"]]
    archive_index = keys["index"]
    steps: list[Callable[[], None]] = []
    if os.environ.get("REINTEGRA_DATA_KEYS", "").strip():
        missing = [k for k in archive_data if k not in crypto.keyring.keys]
        if missing:
            raise BackupError(
                "The data keys come from REINTEGRA_DATA_KEYS and lack keys the backup's data is encrypted "
                "with: set REINTEGRA_DATA_KEYS to the keys of the backed-up site and run the restore again."
            )
    else:
        path = Path(settings.DATA_KEY_FILE)
        current = crypto.keyring.keys if path.exists() else []
        merged = archive_data + [k for k in current if k not in archive_data]
        if merged != current:
            steps.append(lambda: crypto.keyring.write_keys(merged))
    env_index = os.environ.get("REINTEGRA_INDEX_KEY", "").strip()
    if env_index:
        if base64.urlsafe_b64decode(env_index.encode()) != base64.urlsafe_b64decode(archive_index.encode()):
            raise BackupError(
                "REINTEGRA_INDEX_KEY differs from the backed-up site's blind-index key: set it to that "
                "site's key and run the restore again."
            )
    else:

        def write_index() -> None:
            path = Path(settings.INDEX_KEY_FILE)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(archive_index + "\n")
            os.replace(tmp, path)
            crypto._index_key = None  # noqa: SLF001 (re-read on next use)

        steps.append(write_index)

    def apply() -> None:
        for step in steps:
            step()

    return apply


@dataclass
class Comparison:
    archive: Summary
    database: Summary  # as restored, before the erasures were made again
    erasures: "Reapplied | None" = None

    @property
    def rows(self) -> list[tuple[str, int | None, int | None, bool]]:
        names = list(self.archive.tables) + [n for n in self.database.tables if n not in self.archive.tables]
        out = []
        for name in names:
            a, d = self.archive.tables.get(name), self.database.tables.get(name)
            out.append((name, a[0] if a else None, d[0] if d else None, a == d))
        return out

    @property
    def ok(self) -> bool:
        return all(same for *_, same in self.rows)


@dataclass
class Reapplied:
    """The erasures of the ledger made again after a restore."""

    ledger: Path
    erased: list[str] = field(default_factory=list)  # the codes of the cases erased again
    already: int = 0  # cases the ledger lists that the backup holds erased already
    absent: int = 0  # cases the ledger lists that the backup does not hold (made after it)


def reapply_erasures(ledger: Path) -> Reapplied:
    """Erases again every case the erasure ledger lists that this database holds unerased: a backup
    taken before an erasure gives the person back, the ledger (outside the database) takes them
    away again (decisions/0028, 0029). On the ground the ledger recorded; logged as any erasure."""
    try:
        listed = erasure_ledger.entries(ledger)
    except erasure_ledger.LedgerError as exc:
        raise BackupError(str(exc)) from None
    done = Reapplied(ledger=ledger)
    seen: set[str] = set()
    for entry in listed:
        ground = entry.ground if entry.ground in erasure.GROUND_LINES else erasure.REQUEST
        for code in entry.cases:
            if code in seen:
                continue
            seen.add(code)
            case = Case.objects.filter(code=code).first()
            if case is None:
                done.absent += 1
            elif case.erased_at is not None:
                done.already += 1
            else:
                erased = erasure.returnee_erase(actor=None, case=case, reason=ground)
                # One erasure covers every case of the returnee: the others are erased now too.
                others = Case.objects.filter(returnee_id=erased.returnee_id).values_list("code", flat=True)
                done.erased += sorted(others)
                seen.update(others)
    return done


def restore(path: Path, *, key_file: Path | None = None, ledger: Path | None = None) -> Comparison:
    """Loads an archive into this (empty, migrated) database in one transaction, compares every
    table's count and checksum with the archive's, then erases again the cases the erasure ledger
    (`ledger`, by default settings.ERASURE_LEDGER_FILE) lists, all in that transaction."""
    fernet = backup_key(create=False, key_file=key_file)
    archive = read_archive(path, fernet)  # checked whole before a row is written
    here = {(app, name) for app, name in _migrations()}
    wanted = {(app, name) for app, name in archive.header["migrations"]}
    if not here:
        raise BackupError("The database has no tables yet: run `reintegra migrate` first, then restore.")
    if here != wanted:
        raise BackupError(
            "The backup was made by a different version of reintegra (its migrations differ: "
            f"{len(wanted - here)} only in the backup, {len(here - wanted)} only here). Restore with the "
            "version that made it, then upgrade."
        )
    full = _not_empty()
    if full:
        raise BackupError(
            f"The database is not empty ({', '.join(full[:5])}{' …' if len(full) > 5 else ''} hold rows): "  # noqa: PLR2004
            "restore only into a new, migrated database."
        )
    by_name = {t.name: t for t in tables()}
    unknown = [name for name in archive.summary.tables if name not in by_name]
    if unknown:
        raise BackupError(f"The backup has tables this version does not know: {', '.join(unknown)}.")
    put_keys = _check_keys(archive.header["keys"])
    quote = connection.ops.quote_name

    def load(name: str, columns: list[str], rows: Iterator[list[Any]]) -> None:
        table = by_name[name]
        if columns != table.columns:
            raise BackupError(f"Table {name}: the backup's columns differ from this version's.")
        kinds = [_kind(f) for f in table.fields]
        sql = (
            f"INSERT INTO {quote(name)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        batch: list[list[Any]] = []
        with connection.cursor() as cursor:
            for row in rows:
                batch.append([_to_db(k, f, v) for k, f, v in zip(kinds, table.fields, row, strict=True)])
                if len(batch) >= BATCH:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)

    put_keys()
    with transaction.atomic(), connection.cursor() as cursor:
        for table in reversed(tables()):
            if table.name in MIGRATE_FILLS:
                cursor.execute(f"DELETE FROM {quote(table.name)}")  # noqa: S608
        read_archive(path, fernet, on_table=load)
        if connection.vendor == "postgresql":
            for statement in connection.ops.sequence_reset_sql(no_style(), [t.model for t in by_name.values()]):
                cursor.execute(statement)
        comparison = Comparison(archive=archive.summary, database=database_checksums())
        comparison.erasures = reapply_erasures(ledger or Path(settings.ERASURE_LEDGER_FILE))
    return comparison
