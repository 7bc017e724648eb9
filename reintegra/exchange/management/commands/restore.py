"""`reintegra restore FILE`: loads a backup archive into a new, migrated, empty database, then
compares every table's row count and checksum with the archive's, and erases again the cases the
erasure ledger lists (reintegra/exchange/backup.py, decisions/0028)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reintegra.exchange import backup


class Command(BaseCommand):
    help = (
        "Restore a backup into an empty database (run `reintegra migrate` first): every table is loaded in one "
        "transaction, then its rows and checksum are compared with the archive's, and every erasure the erasure "
        "ledger records that the backup predates is made again. Exits non-zero on any mismatch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the archive `reintegra backup` wrote")
        parser.add_argument("--key-file", help="the backup key file (default: BACKUP_KEY_FILE)")
        parser.add_argument(
            "--erasures",
            help="the erasure ledger of the backed-up site (default: ERASURE_LEDGER_FILE, "
            "REINTEGRA_ERASURE_LEDGER_FILE or var/erasure_ledger)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        key_file = Path(options["key_file"]) if options["key_file"] else None
        try:
            comparison = backup.restore(
                Path(options["file"]),
                key_file=key_file,
                ledger=Path(options["erasures"]) if options["erasures"] else None,
            )
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
            self._erasures(comparison.erasures)
            raise CommandError(
                f"The restored database differs from the archive in {len(differ)} tables: {', '.join(differ)}."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {comparison.archive.rows} rows of {len(comparison.archive.tables)} tables; "
                "every count and checksum matches the archive."
            )
        )
        self._erasures(comparison.erasures)

    def _erasures(self, done: backup.Reapplied | None) -> None:
        """What the erasure ledger made of the restored data (the checksums above are from before)."""
        if done is None:
            return
        if not done.ledger.exists():
            self.stdout.write(
                self.style.WARNING(
                    f"No erasure ledger at {done.ledger}: no erasure was made again. If the backed-up site "
                    "erased anyone after this backup, restore into a new database with --erasures and that "
                    "site's ledger."
                )
            )
            return
        if done.erased:
            self.stdout.write(
                self.style.WARNING(
                    f"Erased again {len(done.erased)} cases whose erasure the ledger records after this backup "
                    f"was made: {', '.join(done.erased)}."
                )
            )
        self.stdout.write(
            f"Erasure ledger {done.ledger}: {len(done.erased)} cases erased again, {done.already} already erased "
            f"in the backup, {done.absent} not in it."
        )
