"""`reintegra restore FILE`: loads a backup archive into a new, migrated, empty database, then
compares every table's row count and checksum with the archive's (reintegra/exchange/backup.py)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reintegra.exchange import backup


class Command(BaseCommand):
    help = (
        "Restore a backup into an empty database (run `reintegra migrate` first): every table is loaded in one "
        "transaction, then its rows and checksum are compared with the archive's. Exits non-zero on any mismatch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the archive `reintegra backup` wrote")
        parser.add_argument("--key-file", help="the backup key file (default: BACKUP_KEY_FILE)")

    def handle(self, *args: Any, **options: Any) -> None:
        key_file = Path(options["key_file"]) if options["key_file"] else None
        try:
            comparison = backup.restore(Path(options["file"]), key_file=key_file)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{'table':<45} {'archive':>9} {'database':>9}  checksum")
        for name, archived, restored in ((n, a, d) for n, a, d, _ in comparison.rows):
            same = comparison.archive.tables.get(name) == comparison.database.tables.get(name)
            self.stdout.write(
                f"{name:<45} {'-' if archived is None else archived:>9} {'-' if restored is None else restored:>9}"
                f"  {'same' if same else 'DIFFERENT'}"
            )
        differ = [name for name, *_, same in comparison.rows if not same]
        if differ:
            raise CommandError(
                f"The restored database differs from the archive in {len(differ)} tables: {', '.join(differ)}."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {comparison.archive.rows} rows of {len(comparison.archive.tables)} tables; "
                "every count and checksum matches the archive."
            )
        )
