"""`reintegra retention apply [--dry-run]`: lists the closed cases whose retention period has ended
(by code, with the day of closure) and erases their returnees' identifying data; with --dry-run it
lists them and changes nothing (decisions/0029-retention-and-erasure)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reintegra.cases.erasure import ErasureNotRecorded
from reintegra.cases.retention import retention_apply, retention_cutoff


class Command(BaseCommand):
    help = "Erases the identifying data of closed cases past the retention period (apply [--dry-run])."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        apply = sub.add_parser("apply", help="list the due cases and erase their identifying data")
        apply.add_argument("--dry-run", action="store_true", help="list the due cases, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        years = settings.RETENTION_YEARS_AFTER_CLOSURE
        cutoff = retention_cutoff()
        try:
            due = retention_apply(dry_run=dry_run)
        except ErasureNotRecorded as exc:
            # Each returnee is erased in a transaction of its own: those before this one stay erased.
            reason = exc.__cause__ or exc.messages[0]
            raise CommandError(f"Retention stopped, this returnee's data was not erased: {reason}") from exc
        self.stdout.write(
            f"Retention: {years} years after closure; cases closed before {cutoff:%Y-%m-%d} are due: {len(due)}."
        )
        for item in due:
            self.stdout.write(f"  {item.code}  closed {item.closed_at:%Y-%m-%d}")
        if dry_run:
            self.stdout.write("Dry run: nothing was erased.")
        elif due:
            self.stdout.write(self.style.SUCCESS(f"Erased the identifying data of {len(due)} case(s)."))
