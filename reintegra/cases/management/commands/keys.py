from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reintegra.cases.keys import keys_rotate


class Command(BaseCommand):
    help = (
        "Data-key tools. `keys rotate` adds a new key, re-encrypts every identifying value under it while "
        "the site keeps serving, and with --drop-old removes the old keys once nothing uses them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rotate = sub.add_parser("rotate", help="re-encrypt everything under a new key")
        rotate.add_argument("--drop-old", action="store_true", help="remove the old keys when done")
        rotate.add_argument("--batch", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = keys_rotate(drop_old=options["drop_old"], batch=options["batch"])
        except Exception as exc:  # a clear message, not a traceback, for the operator
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted {report.values} values in {report.rows} rows of {report.tables} tables under the new key"
                + ("; old keys removed." if report.dropped else "; old keys kept (use --drop-old to remove them).")
            )
        )
