"""Benchmark of the insights dashboards: `python -m bench.insights [--cases N] [--database URL]`.

Fills a database of its own with the demo (`reintegra demo --cases N`, through the services, so the
rows are what the product writes) unless it already holds cases, then times every dashboard's
figures as an analyst reads them (the whole network), without filters and with three filters set,
and as a supervisor (one agency). Each timing is the median and the maximum of several runs after
one warm-up, with the number of queries. Results: bench/results/insights.{json,md}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
DEFAULT_DB = Path(__file__).resolve().parent.parent / "var" / "bench-insights.sqlite3"
FILTERED = {"gender": "Feminine", "age": "25-34", "country": "TH"}


def fill(database: str, cases: int) -> float:
    env = os.environ | {"DATABASE_URL": database}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "reintegra", "migrate", "--no-input", "-v0"], env=env, check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "reintegra", "demo", "--if-empty", "--cases", str(cases), "--password", "bench-only-pw"],
        env=env,
        check=True,
    )
    return time.perf_counter() - started


def measure(runs: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reintegra.accounts.models import Role, User
    from reintegra.cases.models import Case
    from reintegra.insights.dashboards import DASHBOARDS
    from reintegra.insights.filters import Filters

    analyst = User.objects.filter(role=Role.ME_ANALYST, is_active=True).first()
    supervisor = User.objects.filter(role=Role.SUPERVISOR, is_active=True, agency__isnull=False).first()
    if analyst is None or supervisor is None:
        raise SystemExit("The demo has no analyst or no supervisor.")
    rows = []
    for name, dashboard in DASHBOARDS.items():
        readers = [("supervisor", Filters(agency_id=supervisor.agency_id))]
        if not dashboard.supervisors_only:
            readers = [("analyst", Filters()), ("analyst, 3 filters", Filters(chosen=dict(FILTERED))), *readers]
        for reader, filters in readers:
            dashboard.figures(filters)  # warm-up
            times = []
            for _ in range(runs):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    dashboard.figures(filters)
                    times.append(time.perf_counter() - started)
            rows.append(
                {
                    "dashboard": name,
                    "reader": reader,
                    "median_ms": round(statistics.median(times) * 1000, 1),
                    "max_ms": round(max(times) * 1000, 1),
                    "queries": len(captured),
                }
            )
    return {"cases": Case.objects.count(), "vendor": connection.vendor, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{DEFAULT_DB}"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only:
        print(json.dumps(measure(args.runs)))
        return
    DEFAULT_DB.parent.mkdir(parents=True, exist_ok=True)
    fill_seconds = fill(args.database, args.cases)
    env = os.environ | {"DATABASE_URL": args.database, "DJANGO_SETTINGS_MODULE": "reintegra.settings"}
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bench.insights", "--measure-only", "--runs", str(args.runs)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    report = {
        "date": dt.datetime.now(dt.UTC).date().isoformat(),
        "machine": {"cpus": os.cpu_count(), "system": platform.platform(), "python": platform.python_version()},
        "fill_seconds": round(fill_seconds, 1),
        **result,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "insights.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        f"# Insights dashboards, {report['cases']:,} cases on {report['vendor']} ({report['date']})",
        "",
        "| dashboard | reader | median ms | max ms | queries |",
        "| --- | --- | ---: | ---: | ---: |",
        *(
            f"| {r['dashboard']} | {r['reader']} | {r['median_ms']} | {r['max_ms']} | {r['queries']} |"
            for r in report["rows"]
        ),
        "",
    ]
    (RESULTS / "insights.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
