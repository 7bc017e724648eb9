"""`reintegra import htcds FILE --agency SLUG [--dry-run] [--as USERNAME]`: an agency's cases from an
HTCDS v2.0 file (.xlsx, the official template, or .csv). All or nothing: on any problem nothing is
written and every problem is listed (row, column, value, reason); the command then exits non-zero."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from reintegra.exchange import htcds
from reintegra.exchange.management import agency_and_actor


class ProgressBar:
    """A one-line bar redrawn in place: `[#######.............]  35%  700/2000`."""

    WIDTH = 30

    def __init__(self, stream: OutputWrapper) -> None:
        self.stream = stream
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        filled = round(share * self.WIDTH)
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {share:4.0%}  {done}/{total}", ending="")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("")
            self.stream.flush()


class Command(BaseCommand):
    help = "Import cases from a data-exchange file. `import htcds FILE --agency SLUG [--dry-run]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="format", required=True)
        one = sub.add_parser("htcds", help="an HTCDS v2.0 file: .xlsx (the official template) or .csv")
        one.add_argument("file", help="the .xlsx or .csv file")
        one.add_argument("--agency", required=True, help="the short name (slug) of the agency the cases belong to")
        one.add_argument("--dry-run", action="store_true", help="check the file and report; write nothing")
        one.add_argument(
            "--as",
            dest="username",
            default=None,
            help="a supervisor of the agency, named in the audit log and as the one who recorded consent",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if htcds.file_format(path.name) is None:
            raise CommandError(f"{path}: give an .xlsx or a .csv file.")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}.") from None
        agency, actor = agency_and_actor(options["agency"], options["username"])
        bar = ProgressBar(self.stderr)
        try:
            result = htcds.import_file(
                data, filename=path.name, agency=agency, actor=actor, dry_run=options["dry_run"], progress=bar
            )
        finally:
            bar.close()
        if result.problems:
            for p in result.problems:
                self.stderr.write(f"row {p.row}, {p.column or '-'}: {p.reason} (value: {p.value!r})")
            raise CommandError(f"{len(result.problems)} problem(s) in {path.name}: nothing was imported.")
        created = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in result.created.items())
        already = f"; {result.unchanged} case(s) already imported, left as they are" if result.unchanged else ""
        if result.dry_run:
            self.stdout.write(f"Dry run, {result.rows} row(s) checked, no problem. Would create: {created}{already}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{result.rows} row(s) imported. Created: {created}{already}."))
