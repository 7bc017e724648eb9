"""The CPU each page costs, side by side with the trivial endpoint's, in one process (docs/benchmarks.md).

`make bench-web` measures throughput and latency under load, and on a machine shared with other work
those follow the machine's load more than the pages. The CPU time one request takes does not: this
asks each page of `make bench-web`'s plan (bench/web_plan.py: the case list filtered and searched, a
case page, today, the referral inbox, the plan and livelihood pages, the allocation preview, every
dashboard) through the whole stack — middleware, sessions, the read audit, templates — with Django's
test client in one process, signed in as the plan's people, and reports the CPU milliseconds per
request (the process's own, on SQLite the database's work included) and the ratio of /healthz's to
each page's: the share of the trivial endpoint's throughput the page would reach on saturated cores,
the figure the issue's "≥ 40 % of the trivial endpoint" asks about.

    python -m bench.pages [--database URL] [--cases 300] [--runs 20] [--var-dir DIR] [--name pages]

Results: bench/results/pages.{json,md}. The database and its keys are bench/web.py's (var/bench-web).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import harness, web


def measure(runs: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bench.web_plan import plan
    from reintegra.accounts.models import User

    layout = plan(16)
    costs: dict[str, list[float]] = {}
    walls: dict[str, list[float]] = {}

    def timed(client: Client, name: str, urls: list[str], form: dict[str, Any] | None = None) -> None:
        for url in urls[:3]:  # warm: templates compiled, caches filled
            response = client.post(url, form) if form else client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{name}: {url} answered {response.status_code}")
        started = time.process_time()
        for n in range(runs):
            url = urls[n % len(urls)]
            asked = time.perf_counter()
            client.post(url, form) if form else client.get(url)
            walls.setdefault(name, []).append(1000 * (time.perf_counter() - asked))
        costs.setdefault(name, []).append(1000 * (time.process_time() - started) / runs)

    anonymous = Client()
    for page in layout["any"]:
        timed(anonymous, page["name"], page["urls"])
    for identity in layout["identities"]:
        user = User.objects.get(username=identity["username"])
        client = Client()
        client.force_login(user)
        if identity["totp_key"]:  # the second factor, as the code page completes it (django_otp.login)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, key=identity["totp_key"]).persistent_id
            session.save()
        for page in identity["pages"]:
            timed(client, page["name"], page["urls"], page.get("form"))
    per_page = {name: round(sum(values) / len(values), 2) for name, values in costs.items()}
    healthz = per_page["healthz"]
    return {
        "runs": runs,
        "data": layout["data"],
        "cpu_ms": per_page,
        # The median wall-clock time of one request, the database's work included on PostgreSQL too.
        "wall_ms": {name: round(statistics.median(values), 1) for name, values in walls.items()},
        "ratio_to_healthz": {name: round(healthz / ms, 3) for name, ms in per_page.items()},
    }


def markdown(results: dict[str, Any]) -> str:
    data = results["data"]
    lines = [
        f"# CPU per request, in one process ({results['date']})",
        "",
        f"{data['cases']} cases ({data['agencies']} agencies), {results['vendor']}; each page asked "
        f"{results['runs']} times per account after a warm-up, the process's CPU time per request "
        "(the database's work included on SQLite). Ratio: /healthz's CPU over the page's, the share of "
        "the trivial endpoint's throughput the page reaches on saturated cores, a lower bound: the server's "
        "own work per request (HTTP, the WSGI worker), which both pay, is not counted (the target for the "
        "case list, ≥ 0.40, is of throughput under `make bench-web`).",
        "",
        "The dashboards' figures are read from the cache (the default: a view is worked out at most once "
        "in two minutes, decisions/0037); the last column is the same page with the cache off, every read "
        "worked out, as the first read of a view is.",
        "",
        "The wall-clock columns are the median time of one request, the database's work included (on "
        "PostgreSQL it is not in the CPU column).",
        "",
        "| page | CPU ms per request | ratio to /healthz | CPU ms, cache off | wall ms | wall ms, cache off |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    cold = results.get("cpu_ms_cache_off", {})
    wall, cold_wall = results.get("wall_ms", {}), results.get("wall_ms_cache_off", {})
    for name, ms in results["cpu_ms"].items():
        off = f"{cold[name]:.1f}" if name in cold else ""
        cells = [f"{wall[name]:.1f}" if name in wall else "", f"{cold_wall[name]:.1f}" if name in cold_wall else ""]
        lines.append(f"| {name} | {ms:.1f} | {results['ratio_to_healthz'][name]:.3f} | {off} | {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    harness.add_database_argument(parser, "web")
    parser.add_argument("--cases", type=int, default=int(os.environ.get("BENCH_CASES", "300")))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--name", default="pages", help="results in bench/results/NAME.{json,md}")
    parser.add_argument("--var-dir", type=Path, default=harness.VAR / "bench-web")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        harness.answer(measure(args.runs))
        return
    args.var_dir.mkdir(parents=True, exist_ok=True)
    web.prepare(args.database, args.var_dir, args.cases)
    environment = web.env(args.database, args.var_dir) | {"ALLOWED_HOSTS": "testserver"}

    def child(cache_seconds: str) -> dict[str, Any]:
        out = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bench.pages", "--child", "--runs", str(args.runs)],
            env=environment | {"REINTEGRA_INSIGHTS_CACHE_SECONDS": cache_seconds},
            check=True,
            capture_output=True,
            text=True,
        )
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))

    # Side by side: the dashboards' figures read from the cache (the default, decisions/0037), and
    # worked out on every read (the cache off: what the first read of a view costs).
    found = child("120")
    cold = child("0")
    found["cpu_ms_cache_off"] = cold["cpu_ms"]
    found["wall_ms_cache_off"] = cold.get("wall_ms", {})
    vendor = "postgresql" if args.database.startswith("postgres") else "sqlite"
    results = harness.report(vendor=vendor, **found)
    harness.write(args.name, results, markdown(results))


if __name__ == "__main__":
    main()
