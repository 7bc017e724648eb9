"""Benchmark of the insights dashboards: `python -m bench.insights [--cases N] [--database URL]`.

Fills a database of its own with the demo (`reintegra demo --cases N`, through the services, so the
rows are what the product writes) unless it already holds cases, then times every dashboard's
figures as an analyst reads them (the whole network), without filters and with three filters set,
and as a supervisor (one agency). Each timing is the median and the maximum of several runs after
one warm-up, with the number of queries. Results: bench/results/insights.{json,md}.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from bench import harness

FILTERED = {"gender": "Feminine", "age": "25-34", "country": "TH"}


def fill(database: str, cases: int, *, facts_only: bool = False) -> float:
    started = time.perf_counter()
    harness.migrate(database)
    if facts_only:  # the demo's network and users, then synthetic summary rows (bench/insights_facts.py)
        harness.reintegra(database, "demo", "--if-empty", "--cases", "0", "--password", "bench-only-pw")
        harness.in_child("bench.insights_facts", database, str(cases))
    else:
        harness.reintegra(database, "demo", "--if-empty", "--cases", str(cases), "--password", "bench-only-pw")
    return time.perf_counter() - started


# The read transaction around the figures (dashboards.roomy_sorts), not the figures' own queries.
NOT_COUNTED = ("BEGIN", "COMMIT", "SELECT set_config(")

# The dashboards that count from the summary tables only (insights/models.py): all --facts-only times.
FROM_FACTS = ("returns", "voice", "outcomes")


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def measure(runs: int, *, facts_only: bool = False, work_mems: tuple[str, ...] = ()) -> dict[str, Any]:
    """With `work_mems` (PostgreSQL), each reading is timed under each work_mem in turn, run after
    run, so the settings are compared side by side on the same rows and the same moments."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from reintegra.accounts.models import Role, User
    from reintegra.cases.models import Case
    from reintegra.insights.dashboards import DASHBOARDS
    from reintegra.insights.filters import Filters
    from reintegra.insights.models import CaseFacts

    analyst = User.objects.filter(role=Role.ME_ANALYST, is_active=True).first()
    supervisor = User.objects.filter(role=Role.SUPERVISOR, is_active=True, agency__isnull=False).first()
    if analyst is None or supervisor is None:
        raise SystemExit("The demo has no analyst or no supervisor.")
    variants = work_mems or (settings.INSIGHTS_WORK_MEM,)
    rows = []
    for name, dashboard in DASHBOARDS.items():
        if facts_only and name not in FROM_FACTS:
            continue
        readers = [("supervisor", Filters(agency_id=supervisor.agency_id))]
        if not dashboard.supervisors_only:
            readers = [("analyst", Filters()), ("analyst, 3 filters", Filters(chosen=dict(FILTERED))), *readers]
        for reader, filters in readers:
            dashboard.work_out(filters)  # warm-up
            times: dict[str, list[float]] = {work_mem: [] for work_mem in variants}
            for _ in range(runs):
                for work_mem in variants:
                    with override_settings(INSIGHTS_WORK_MEM=work_mem), CaptureQueriesContext(connection) as captured:
                        started = time.perf_counter()
                        dashboard.work_out(filters)
                        times[work_mem].append(time.perf_counter() - started)
            for work_mem, taken in times.items():
                rows.append(
                    {
                        "dashboard": name,
                        "reader": reader,
                        "work_mem": work_mem if connection.vendor == "postgresql" else None,
                        "median_ms": round(statistics.median(taken) * 1000, 1),
                        "p95_ms": round(p95(taken) * 1000, 1),
                        "max_ms": round(max(taken) * 1000, 1),
                        "queries": sum(not q["sql"].startswith(NOT_COUNTED) for q in captured.captured_queries),
                    }
                )
    jit = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            jit = cursor.fetchone()[0]
    return {
        "cases": CaseFacts.objects.count() if facts_only else Case.objects.count(),
        "facts_only": facts_only,
        "vendor": connection.vendor,
        "jit": jit,
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=2000)
    harness.add_database_argument(parser, "insights")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--work-mem",
        default="",
        help="PostgreSQL: comma-separated work_mem values (e.g. 4MB,64MB) to time side by side, run after run",
    )
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--facts-only",
        action="store_true",
        help="fill the summary tables with N synthetic people (PostgreSQL; bench/insights_facts.py) instead of "
        "the demo, and time the dashboards that read only them; results in bench/results/insights-facts.*",
    )
    args = parser.parse_args()
    only = ["--facts-only"] if args.facts_only else []
    work_mems = tuple(value for value in args.work_mem.split(",") if value)
    if work_mems:
        only += ["--work-mem", ",".join(work_mems)]
    if args.measure_only:
        harness.answer(measure(args.runs, facts_only=args.facts_only, work_mems=work_mems))
        return
    fill_seconds = fill(args.database, args.cases, facts_only=args.facts_only)
    result = harness.in_child("bench.insights", args.database, "--measure-only", "--runs", str(args.runs), *only)
    report = harness.report(fill_seconds=round(fill_seconds, 1), **result)
    what = "synthetic people in the summary tables" if args.facts_only else "cases"
    lines = [
        f"# Insights dashboards, {report['cases']:,} {what} on {report['vendor']} "
        f"(JIT {report['jit'] or 'n/a'}, {report['date']})",
        "",
        "| dashboard | reader | work_mem | median ms | p95 ms | max ms | queries |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
        *(
            f"| {r['dashboard']} | {r['reader']} | {r.get('work_mem') or 'n/a'} | {r['median_ms']} | {r['p95_ms']} "
            f"| {r['max_ms']} | {r['queries']} |"
            for r in report["rows"]
        ),
        "",
    ]
    harness.write("insights-facts" if args.facts_only else "insights", report, "\n".join(lines))


if __name__ == "__main__":
    main()
