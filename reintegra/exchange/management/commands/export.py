"""`reintegra export FORMAT …`: an agency's data in an exchange format.

- `export htcds --agency SLUG --output FILE --as USERNAME`: the agency's cases as an HTCDS v2.0
  file (.xlsx or .csv, by the extension), for a supervisor of that agency only; audited.
- `export ctdc --output FILE [--k 11]`: the network's cases whose returnee consented to statistics,
  as a k-anonymous CSV of the 27 CTDC variables (reintegra/exchange/ctdc.py); audited.

Each format is a sub-command: its arguments in `add_arguments`, its work in a `_<format>` method.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reintegra.exchange import ctdc, htcds
from reintegra.exchange.management import agency_and_actor


class Command(BaseCommand):
    help = (
        "Export data in an exchange format. `export htcds --agency SLUG --output FILE --as USERNAME`; "
        "`export ctdc --output FILE [--k 11]`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="format", required=True)

        one = sub.add_parser("htcds", help="an agency's cases as an HTCDS v2.0 file (.xlsx or .csv)")
        one.add_argument("--agency", required=True, help="the short name (slug) of the agency")
        one.add_argument("--output", required=True, help="the file to write: .xlsx or .csv")
        one.add_argument("--as", dest="username", required=True, help="a supervisor of the agency (audited)")

        two = sub.add_parser("ctdc", help="de-identified statistics in the CTDC schema (CSV, k-anonymous)")
        two.add_argument("--output", required=True, help="the CSV file to write")
        two.add_argument(
            "--k", type=int, default=ctdc.DEFAULT_K, help="each combination of quasi-identifiers at least k times"
        )

        # Further formats add their sub-parser here and a `_<format>` method below.

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['format']}")(options)

    def _htcds(self, options: dict[str, Any]) -> None:
        output = Path(options["output"])
        fmt = htcds.file_format(output.name)
        if fmt is None:
            raise CommandError(f"--output {output}: give a file name ending in .xlsx or .csv.")
        agency, actor = agency_and_actor(options["agency"], options["username"])
        assert actor is not None  # noqa: S101 (--as is required)
        data = htcds.export_file(agency=agency, actor=actor, fmt=fmt)
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"--output {output}: {exc.strerror}.") from None
        self.stdout.write(self.style.SUCCESS(f"Wrote {output} ({fmt})."))

    def _ctdc(self, options: dict[str, Any]) -> None:
        output = Path(options["output"])
        k = options["k"]
        if k < 2:  # noqa: PLR2004 (k = 1 is no protection at all)
            raise CommandError(f"--k {k}: give a k of at least 2 (CTDC used 11).")
        result = ctdc.export(k=k, actor=None)
        try:
            with output.open("w", encoding="utf-8", newline="") as out:
                out.writelines(ctdc.csv_lines(result))
        except OSError as exc:
            raise CommandError(f"--output {output}: {exc.strerror}.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {output}: {len(result.rows)} records of {result.included} consenting cases (k = {k}); "
                f"{result.generalised} generalised, {result.suppressed} suppressed."
            )
        )
