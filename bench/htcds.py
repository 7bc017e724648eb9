"""Benchmark of the HTCDS v2.0 import: `python -m bench.htcds [--rows N] [--database URL]`.

Starts from a fresh database of its own (SQLite by default, deleted first), makes one agency and its
supervisor through the services, generates N valid rows (every template column used, countries as
alpha-2 and alpha-3, both separators), and times `import_file` on the CSV (and on a 10 % dry run of
the same rows as .xlsx, the template's format) as the command runs it. The issue's target: 100,000
rows in at most 60 s. Results: bench/results/htcds.{json,md} (bench/harness.py).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import time
from typing import Any

from bench import harness

GIVEN = ["Somsri", "Maria", "Nguyen", "Aye", "Malee", "Juan", "Siti", "Chai", "Rosa", "Ahmad", "Lan", "Noy"]
FAMILY = ["Kaewmanee", "Santos", "Thi", "Win", "Jaidee", "Reyes", "Rahman", "Bautista", "Phan", "Dela Cruz"]
COUNTRIES = ["TH", "THA", "PH", "PHL", "MM", "MMR", "KH", "KHM", "LA", "LAO", "VN", "VNM"]
DESTINATIONS = ["MY", "MYS", "SG", "SGP", "JP", "JPN", "TW", "TWN", "SA", "SAU"]
CONTROL = ["DebtBondage", "WithholdsDocuments", "PhysicalThreats", "FalsePromises", "ExcessiveWorkingHours"]
RECRUITMENT = ["ThroughFriendsOrSocialEvents", "AtWork", "ThroughOnlineSocialNetworks", "ThroughFamilyOrFamilyEvents"]
EXPLOITATION = ["ForcedLabour", "SexualExploitation", "ForcedBegging", "Servitude"]
INDUSTRY = [
    "A_AgricultureForestryAndFishing",
    "C_Manufacturing",
    "F_Construction",
    "T_ActivitiesOfHouseholdsAsEmployers",
]
GENDER = ["Feminine", "Masculine", "NonSpecifiedUnknown"]
STATUS = ["Active", "Active", "Active", "FollowUp", "Closed", "ClosedReferred"]


def generate(rows: int, owner: str, seed: int = 14) -> list[dict[str, str]]:
    rng = random.Random(seed)
    out = []
    for n in range(rows):
        sep = rng.choice([";", ", "])
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(16000))
        out.append(
            {
                "cas_CaseNumber": f"OLD-{n:07d}",
                "cas_CaseOwner": owner,
                "prs_Salutation": rng.choice(["Ms", "Mr", ""]),
                "prs_FirstName": rng.choice(GIVEN),
                "prs_SecondName": rng.choice(FAMILY),
                "con_Consent": rng.choice(["TRUE", "TRUE", "FALSE"]),
                "prs_Birthdate": birth.isoformat(),
                "prs_Gender": rng.choice(GENDER),
                "prs_Citizenship": sep.join(rng.sample(COUNTRIES[::2], rng.choice([1, 1, 2]))),
                "prs_Email": f"person{n}@example.org",
                "prs_MobilePhone": f"+66 8{rng.randrange(10**8):08d}",
                "prs_MailingCity": "Mae Sai",
                "prs_MailingCountry": rng.choice(COUNTRIES),
                "prs_MailingStreet": f"{rng.randrange(1, 300)} Moo {rng.randrange(1, 15)}",
                "vic_TraffickingStatus": "ActualVictimOfTrafficking",
                "vic_TraffickinStatusDecisionMakingOrg": rng.choice(["Police", "NGO"]),
                "vic_MethodOfRecruitment": sep.join(rng.sample(RECRUITMENT, 2)),
                "vic_LocationOfRecruitment": rng.choice(COUNTRIES),
                "vic_MethodsOfControl": sep.join(rng.sample(CONTROL, 2)),
                "vic_TypeOfExploitation": rng.choice(EXPLOITATION),
                "vic_ForcedLabourIndustry": rng.choice(INDUSTRY),
                "vic_LocationOfExploitation": rng.choice(DESTINATIONS),
                "cas_Status": rng.choice(STATUS),
                "cas_IncomingReferralDate": "2024-05-06",
                "cas_ReasonForIncomingReferral": "AdditionalServicesRequired",
            }
        )
    return out


def as_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def as_xlsx(rows: list[dict[str, str]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Sheet1")
    sheet.append(list(rows[0]))
    sheet.append(list(rows[0]))  # the label row
    for row in rows:
        sheet.append(list(row.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def measure(rows: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection

    from reintegra.accounts.models import Role
    from reintegra.accounts.services import user_create
    from reintegra.cases.models import Case
    from reintegra.exchange import htcds
    from reintegra.network import services as network_services

    agency = network_services.agency_create(
        actor=None, slug="bench-agency", name="Bench Agency", type="SocialWelfare", country="TH", languages=["th"]
    )
    supervisor = user_create(actor=None, username="bench-sup", agency=agency, role=Role.SUPERVISOR, validate=False)
    data = generate(rows, owner=supervisor.username)
    payload = as_csv(data)
    sample = as_xlsx(data[: max(1, rows // 10)])

    started = time.perf_counter()
    dry = htcds.import_file(sample, filename="bench.xlsx", agency=agency, actor=supervisor, dry_run=True)
    xlsx_dry_seconds = time.perf_counter() - started
    assert dry.ok, dry.problems[:5]

    started, cpu = time.perf_counter(), time.process_time()
    result = htcds.import_file(payload, filename="bench.csv", agency=agency, actor=supervisor)
    import_seconds, import_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert result.ok, result.problems[:5]

    started = time.perf_counter()
    again = htcds.import_file(payload, filename="bench.csv", agency=agency, actor=supervisor)
    reimport_seconds = time.perf_counter() - started

    started = time.perf_counter()
    exported = htcds.export_file(agency=agency, actor=supervisor, fmt="csv")
    export_seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "vendor": connection.vendor,
        "import_seconds": round(import_seconds, 1),
        # On a shared machine the wall time counts other processes' turns; the CPU time does not.
        "import_cpu_seconds": round(import_cpu, 1),
        "created": result.created,
        "reimport_seconds": round(reimport_seconds, 1),
        "reimport_unchanged": again.unchanged,
        "xlsx_dry_run_rows": dry.rows,
        "xlsx_dry_run_seconds": round(xlsx_dry_seconds, 1),
        "export_csv_seconds": round(export_seconds, 1),
        "export_bytes": len(exported),
        "cases": Case.objects.count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    harness.add_database_argument(parser, "htcds")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only:
        harness.answer(measure(args.rows))
        return
    own = harness.default_database("htcds")
    if args.database == f"sqlite:///{own}":
        own.unlink(missing_ok=True)
    harness.migrate(args.database)
    result = harness.in_child("bench.htcds", args.database, "--measure-only", "--rows", str(args.rows))
    report = harness.report(**result)
    lines = [
        f"# HTCDS v2.0 import, {report['rows']:,} rows on {report['vendor']} ({report['date']})",
        "",
        "| step | seconds |",
        "| --- | ---: |",
        f"| import (CSV, target ≤ 60) | {report['import_seconds']} |",
        f"| import, CPU time of the process | {report['import_cpu_seconds']} |",
        f"| the same file again (creates nothing) | {report['reimport_seconds']} |",
        f"| dry run of {report['xlsx_dry_run_rows']:,} rows as .xlsx | {report['xlsx_dry_run_seconds']} |",
        f"| export (CSV) of the {report['cases']:,} cases | {report['export_csv_seconds']} |",
        "",
        f"Created: {report['created']}.",
        "",
    ]
    harness.write("htcds", report, "\n".join(lines))


if __name__ == "__main__":
    main()
