"""Benchmark of the CTDC export: `python -m bench.ctdc [--cases N] [--db-cases M] [--database URL]`.

Two timings (issue 14: the export of 1,000,000 cases in at most 120 s):

1. In memory, N synthetic cases (default 1,000,000): the tuples the two queries of
   reintegra/exchange/ctdc.py return (a case, and 1 to 3 history steps), drawn at random with a
   fixed seed over realistic vocabularies; then the mapping to the 27 variables, the k-anonymity
   (k = 11) and the CSV written, as `reintegra export ctdc` does.
2. End to end on a database of its own (default var/bench-ctdc.sqlite3), M cases (default 100,000)
   written by bulk inserts (not the services: far faster, the same rows), then `ctdc.release` and
   the CSV, queries included.

Results: bench/results/ctdc.{json,md} (bench/harness.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import time
from collections.abc import Iterator
from typing import Any

from bench import harness

SEED = 14

GENDERS = ["Feminine"] * 6 + ["Masculine"] * 3 + ["TransgenderFeminine", "NonConforming", "NonSpecifiedUnknown"]
CITIZENSHIPS = ["TH", "PH", "MM", "KH", "LA", "VN", "ID"]
DESTINATIONS = ["MY", "TH", "SG", "SA", "AE", "JP", "KR", "CN", "HK", "QA"]
TYPES = ["ForcedLabour", "SexualExploitation", "ForcedCriminality", "Servitude", "ForcedMarriage"]
INDUSTRIES = ["", "A_AgricultureForestryAndFishing", "F_Construction", "T_ActivitiesOfHouseholdsAsEmployers"]
MEANS = ["DebtBondage", "WithholdsDocuments", "PhysicalThreats", "FalsePromises", "ExcessiveWorkingHours"]
RELATIONS = ["", "Familial", "Acquainted", "Unaquainted"]


def synthetic(n: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """N cases' tuples and their history steps' tuples, ordered by case id as the queries return them."""
    rnd = random.Random(SEED)
    cases: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    for pk in range(1, n + 1):
        age = rnd.choice([None, *range(12, 60)])
        cases.append((pk, rnd.randint(2015, 2026), rnd.choice(GENDERS), age, [rnd.choice(CITIZENSHIPS)]))
        events.append((pk, "Recruitment", "TH", rnd.choice(RELATIONS), [], "", ["FalsePromises"], None))
        for _ in range(rnd.choice((1, 1, 2))):
            events.append(
                (
                    pk,
                    "Exploitation",
                    rnd.choice(DESTINATIONS),
                    "",
                    rnd.sample(TYPES, rnd.choice((1, 1, 2))),
                    rnd.choice(INDUSTRIES),
                    rnd.sample(MEANS, rnd.randint(0, 3)),
                    rnd.choice([None, *range(1, 48)]),
                )
            )
    return cases, events


def in_memory(n: int) -> dict[str, Any]:
    from reintegra.exchange import ctdc

    cases, events = synthetic(n)
    started = time.perf_counter()
    rows = ctdc.rows_of(iter(cases), iter(events))
    result = ctdc.anonymise(rows, ctdc.DEFAULT_K)
    mapped_and_anonymised = time.perf_counter() - started
    sink = io.StringIO()
    sink.writelines(ctdc.csv_lines(result))
    total = time.perf_counter() - started
    return {
        "cases": n,
        "history_steps": len(events),
        "seconds": round(total, 1),
        "seconds_without_csv": round(mapped_and_anonymised, 1),
        "records": len(result.rows),
        "generalised": result.generalised,
        "suppressed": result.suppressed,
        "csv_bytes": len(sink.getvalue().encode()),
    }


def fill(n: int) -> None:
    """M consenting cases by bulk inserts, unless the database holds them already."""
    from django.db import transaction
    from django.utils import timezone

    from reintegra.accounts.models import Role, User
    from reintegra.cases.models import Case, Consent, HistoryEvent, Returnee
    from reintegra.network.models import Agency

    if Case.objects.count() >= n:
        return
    agency = Agency.objects.filter(slug="bench-ctdc").first() or Agency.objects.create(
        slug="bench-ctdc", name="Bench", type="SocialWelfare", country="TH", languages=["th"]
    )
    user = User.objects.filter(username="bench-ctdc").first() or User.objects.create(
        username="bench-ctdc", agency=agency, role=Role.CASEWORKER
    )
    cases, events = synthetic(n)
    steps: dict[int, list[tuple[Any, ...]]] = {}
    for e in events:
        steps.setdefault(e[0], []).append(e)
    now = timezone.now()
    batch = 5000
    for start in range(0, n, batch):
        chunk = cases[start : start + batch]
        with transaction.atomic():
            returnees = Returnee.objects.bulk_create(
                Returnee(
                    given_name=f"B{pk}",
                    phones=[],
                    identity_documents=[],
                    name_index=f"{pk:064d}",
                    gender=gender,
                    age_at_intake=age,
                    citizenships=cit,
                )
                for pk, _year, gender, age, cit in chunk
            )
            made = Case.objects.bulk_create(
                Case(
                    code=f"BX-{pk:010d}",
                    returnee=r,
                    agency=agency,
                    opened_at=dt.datetime(year, 6, 1, 12, tzinfo=dt.UTC),
                )
                for r, (pk, year, *_rest) in zip(returnees, chunk, strict=True)
            )
            Consent.objects.bulk_create(
                Consent(case=c, purpose="statistics", given_on=now.date(), language="th", explained_by=user)
                for c in made
            )
            HistoryEvent.objects.bulk_create(
                HistoryEvent(
                    case=c,
                    type=kind,
                    country=country,
                    recruiter_relation=relation,
                    exploitation_types=types,
                    industry=industry,
                    control_means=means,
                    duration_months=months,
                )
                for c, (pk, *_rest) in zip(made, chunk, strict=True)
                for _pk, kind, country, relation, types, industry, means, months in steps[pk]
            )


def on_database(n: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reintegra.exchange import ctdc

    started = time.perf_counter()
    fill(n)
    fill_seconds = time.perf_counter() - started
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = ctdc.release(ctdc.DEFAULT_K)
        sink = io.StringIO()
        sink.writelines(ctdc.csv_lines(result))
        seconds = time.perf_counter() - started
    return {
        "cases": result.included,
        "vendor": connection.vendor,
        "fill_seconds": round(fill_seconds, 1),
        "seconds": round(seconds, 1),
        "queries": len(captured),
        "records": len(result.rows),
        "generalised": result.generalised,
        "suppressed": result.suppressed,
    }


def lines(report: dict[str, Any]) -> Iterator[str]:
    mem, db = report["in_memory"], report["database"]
    yield f"# CTDC export ({report['date']}, {report['machine']['cpus']} CPUs, Python {report['machine']['python']})"
    yield ""
    yield "| run | cases | seconds (target for 1,000,000: ≤ 120) | queries | records | generalised | suppressed |"
    yield "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    yield (
        f"| mapping + k-anonymity (k = 11) + CSV, in memory | {mem['cases']:,} | {mem['seconds']} | – "
        f"| {mem['records']:,} | {mem['generalised']:,} | {mem['suppressed']:,} |"
    )
    if db:
        yield (
            f"| end to end on {db['vendor']} (queries included) | {db['cases']:,} | {db['seconds']} | {db['queries']} "
            f"| {db['records']:,} | {db['generalised']:,} | {db['suppressed']:,} |"
        )
        if db["cases"] < 1_000_000:
            per_million = db["seconds"] * 1_000_000 / max(db["cases"], 1)
            yield ""
            yield f"End to end, scaled linearly to 1,000,000 cases: about {per_million:.0f} s."
    yield ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1_000_000, help="synthetic cases timed in memory")
    parser.add_argument("--db-cases", type=int, default=100_000, help="cases on the database (0: skip)")
    harness.add_database_argument(parser, "ctdc")
    parser.add_argument("--database-only", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database_only is not None:
        harness.answer(on_database(args.database_only))
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reintegra.settings")
    import django

    django.setup()
    report = harness.report(in_memory=in_memory(args.cases), database=None)
    if args.db_cases:
        harness.migrate(args.database)
        report["database"] = harness.in_child("bench.ctdc", args.database, "--database-only", str(args.db_cases))
    harness.write("ctdc", report, "\n".join(lines(report)))


if __name__ == "__main__":
    main()
