"""`reintegra insights rebuild`: rebuilds the summary tables the dashboards read (insights/facts.py),
after a bulk load that bypassed the services (their signals keep the tables on write otherwise)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reintegra.insights.facts import BATCH, rebuild_all


class Command(BaseCommand):
    help = "Insights' summary tables. `insights rebuild` works them out again from every case's records."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="rebuild the summary tables from the records")
        rebuild.add_argument("--batch", type=int, default=BATCH, help=f"cases per batch (default {BATCH})")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        verbose = options["verbosity"] > 1

        def progress(done: int) -> None:
            if verbose:
                self.stdout.write(f"{done:,} cases")

        rows = rebuild_all(batch=max(1, options["batch"]), progress=progress)
        self.stdout.write(f"Rebuilt the facts of {rows:,} returned cases in {time.perf_counter() - started:.1f} s.")
