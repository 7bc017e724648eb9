"""`reintegra backup --output FILE`: the whole database as one consistent, encrypted archive, while
the site keeps serving; `reintegra backup verify FILE`: checks an archive without restoring it
(reintegra/exchange/backup.py, docs/decisions/0028-backup.md)."""

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reintegra.exchange import backup


class Command(BaseCommand):
    help = (
        "Back up the database: `backup --output FILE` writes an encrypted archive (key: BACKUP_KEY_FILE); "
        "`backup verify FILE [--key-file KEY]` checks every table's rows against the archive's checksums."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", help="the archive to write (made 0600)")
        sub = parser.add_subparsers(dest="action")
        check = sub.add_parser("verify", help="check an archive's checksums without restoring it")
        check.add_argument("file", help="the archive to check")
        check.add_argument("--key-file", help="the backup key file (default: BACKUP_KEY_FILE)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "verify":
                self._verify(Path(options["file"]), options["key_file"])
            elif options["output"]:
                self._backup(Path(options["output"]))
            else:
                raise CommandError("Give --output FILE to write a backup, or `backup verify FILE` to check one.")
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None

    def _backup(self, output: Path) -> None:
        key_path = backup.backup_key_path()
        new_key = not key_path.exists()
        summary = backup.backup(output)
        if new_key and not os.environ.get("REINTEGRA_BACKUP_KEY"):
            self.stderr.write(
                self.style.WARNING(
                    f"A new backup key was made at {key_path}. Keep a copy of it apart from the backups "
                    "(a password manager, a safe): without it no backup can be restored."
                )
            )
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {output}: {summary.rows} rows of {len(summary.tables)} tables, checksummed.")
        )

    def _verify(self, path: Path, key_file: str | None) -> None:
        archive = backup.verify(path, key_file=Path(key_file) if key_file else None)
        header = archive.header
        for name, (rows, digest) in archive.summary.tables.items():
            self.stdout.write(f"{name:<45} {rows:>9}  {digest[:16]}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{path} is intact: {archive.summary.rows} rows of {len(archive.summary.tables)} tables match "
                f"their checksums (made {header.get('created')} on {header.get('vendor')})."
            )
        )
