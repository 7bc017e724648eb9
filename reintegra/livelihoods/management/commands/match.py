"""`reintegra match`: allocate a cohort of returnees to livelihood options from a JSON file.

For planners and researchers; needs no database. The engine is reintegra.matching; this command
reads and checks the file, runs the chosen mode, and writes the allocation with its metrics. A cohort's
constraints may carry choice rules, top_k and min_top3_share (reintegra/matching/choice.py), which the
optimal mode keeps.

`reintegra match simulate` replays a year of arrivals (generated from the demo's distributions, or
read from a file in the format of reintegra/matching/simulate.py) under three policies: the rolling
allocation, greedy first come first served and the hindsight optimum, and prints a table.
"""

import csv
import dataclasses
import json
import os
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext, gettext_noop

from reintegra.matching import (
    Allocation,
    Cohort,
    CohortError,
    Course,
    Distribution,
    InfeasibleError,
    PolicyReport,
    Year,
    allocate,
    allocate_choice,
    compare,
    generate,
    greedy,
    metrics,
    random_allocation,
    read_arrivals,
    read_cohort,
    verify,
)
from reintegra.matching.choice import DENSE_CELLS
from reintegra.matching.prediction import demand_score
from reintegra.matching.rolling import SAMPLES, STEP

# One message per CohortError code; %(where)s is the JSON path of the entry, %(value)s its value.
COHORT_MESSAGES = {
    "unreadable": gettext_noop("Cannot read the input file %(where)s: %(value)s"),
    "malformed_json": gettext_noop("The input is not valid JSON at %(where)s: %(value)s"),
    "wrong_type": gettext_noop("%(where)s has the wrong type (%(value)s)."),
    "missing_key": gettext_noop("%(where)s is missing."),
    "unknown_key": gettext_noop("%(where)s is not a known setting."),
    "empty_id": gettext_noop("%(where)s is empty."),
    "duplicate_id": gettext_noop("%(where)s repeats the id %(value)s."),
    "unknown_person": gettext_noop("%(where)s names %(value)s, which is not a person in people."),
    "unknown_option": gettext_noop("%(where)s names %(value)s, which is not an option in options."),
    "negative_capacity": gettext_noop("%(where)s is a negative capacity (%(value)s)."),
    "negative_cost": gettext_noop("%(where)s is a negative cost (%(value)s)."),
    "negative_stipend": gettext_noop("%(where)s is a negative stipend (%(value)s)."),
    "negative_count": gettext_noop("%(where)s is a negative number (%(value)s)."),
    "negative_budget": gettext_noop("%(where)s is a negative budget (%(value)s)."),
    "score_not_a_number": gettext_noop("%(where)s is not a number (%(value)s)."),
    "score_out_of_range": gettext_noop("%(where)s is %(value)s; a score must be between 0 and 1."),
    "duplicate_pair": gettext_noop("%(where)s scores the pair %(value)s a second time."),
    "share_out_of_range": gettext_noop("%(where)s is %(value)s; a share must be between 0 and 1."),
    "min_above_max": gettext_noop("%(where)s has its min above its max (%(value)s)."),
    "unknown_group": gettext_noop("%(where)s names the group %(value)s, which no person belongs to."),
    "too_large": gettext_noop("%(where)s is too large (%(value)s)."),
    "below_one": gettext_noop("%(where)s must be at least 1 (%(value)s)."),
    "unknown_round": gettext_noop("%(where)s names %(value)s, which is not a round in rounds."),
}


def cohort_message(error: CohortError) -> str:
    template = COHORT_MESSAGES.get(error.code, gettext_noop("%(where)s is not valid (%(value)s)."))
    value = error.value if isinstance(error.value, str) else json.dumps(error.value)
    return gettext(template) % {"where": error.where, "value": value}


def infeasible_message(error: InfeasibleError, cohort: Cohort) -> str:
    detail = dict(error.detail)
    if error.constraint == "min_top3_share":
        return gettext(
            "No allocation is possible: at most %(reachable)s of %(people)s people can get one of their top-3 "
            "wishes, but constraints.min_top3_share requires %(required)s."
        ) % {"reachable": detail["reachable"], "people": len(cohort.person_ids), "required": detail["required"]}
    if error.constraint == "min_assigned_total":
        return (
            gettext(
                "No allocation is possible: at most %(reachable)s people can be placed in seats they are eligible "
                "for, but constraints.min_assigned_total requires %(required)s."
            )
            % detail
        )
    if error.constraint == "budget":
        if "cheapest" not in detail:
            return gettext("No allocation is possible: constraints.budget is negative.")
        return gettext(
            "No allocation is possible: placing %(required)s people costs at least %(cheapest)s, more than "
            "constraints.budget (%(budget)s)."
        ) % {
            "required": cohort.min_assigned_total,
            "cheapest": f"{detail['cheapest']:g}",
            "budget": f"{detail['budget']:g}",
        }
    if error.constraint == "group_share":
        message = (
            gettext(
                "No allocation is possible: within constraints.group_share at most %(reachable)s people can be "
                "placed, but constraints.min_assigned_total requires %(required)s."
            )
            % detail
        )
        if error.option is not None:
            message += " " + gettext("The band cannot hold at option %(option)s.") % {
                "option": cohort.option_ids[error.option]
            }
        return message
    return gettext(
        "No allocation is possible: constraints.budget and constraints.group_share can each be met, but not "
        "together with constraints.min_assigned_total (%(required)s)."
    ) % {"required": cohort.min_assigned_total}


# Occupation groups that women's work abroad and wishes lean towards (above 1) or away from (below 1):
# labour markets are segregated (as in bench/matching.py); the prediction never sees gender.
WOMEN_PULL = {"42": 1.3, "51": 1.5, "52": 1.5, "75": 2.0, "91": 1.5, "71": 0.5, "72": 0.5, "74": 0.5, "83": 0.5}
# The demo's enrolments end in decent work about 0.6 of the time for market-oriented options (paid,
# leading to a job, or self-employment) and about 0.3 for the others (reintegra/demo/livelihoods.py).
TRACK_RECORD = {True: 0.6, False: 0.3}
DEFAULT_SEATS = 30  # a round of an option the catalogue gives no seat count for (a package, credit)
DEFAULT_WEEKS = 4
MAX_PEOPLE = 200_000  # a generated year; its (people × rounds) matrices stay under 150 MB
MAX_SAMPLES = 50


def demo_distribution() -> Distribution:
    """The demo's distributions as plain parameters: its catalogue of options, its returnees' wishes
    and work abroad, its labour-market figures. Read as data files: the demo package is not imported."""
    folder = resources.files("reintegra") / "demo"
    options = json.loads((folder / "data" / "livelihood_options.json").read_text(encoding="utf-8"))
    histories = json.loads((folder / "data" / "livelihood_histories.json").read_text(encoding="utf-8"))
    market = {
        (row["area"], row["isco"]): row
        for row in csv.DictReader((folder / "labour_market.csv").read_text(encoding="utf-8").splitlines())
    }
    courses = []
    for option in options:
        pays = option.get("stipend_monthly") or option.get("wage_monthly") or 0
        good = bool(pays or option.get("pathway") or option["kind"] == "self_employment")
        figure = market.get((option["area"], option["isco"]))
        demand = demand_score(
            int(figure["vacancies"]) if figure and figure["vacancies"] else None,
            float(figure["demand_index"]) if figure and figure["demand_index"] else None,
        )
        courses.append(
            Course(
                occupation=option["isco"],
                country=option["area"][:2],
                seats=int(option.get("seats") or DEFAULT_SEATS),
                weeks=int(option.get("duration_weeks") or DEFAULT_WEEKS),
                stipend=float(pays),
                demand=demand,
                track_record=TRACK_RECORD[good],
            )
        )
    return Distribution(
        courses=tuple(courses),
        wishes=tuple(wish["isco"] for wish in histories["wishes"]),
        experience=tuple(histories["experience_groups"]),
        women_pull=WOMEN_PULL,
    )


def _cell(value: float | None, pattern: str) -> str:
    return "–" if value is None else pattern % value


def policy_table(reports: list[PolicyReport]) -> list[str]:
    """The comparison as fixed-width lines, one per policy."""
    names = {
        "hindsight": gettext("hindsight optimum"),
        "rolling": gettext("rolling (weekly)"),
        "greedy": gettext("greedy (first come)"),
    }
    header = [
        gettext("Policy"),
        gettext("Expected incomes"),
        gettext("Share of optimum"),
        gettext("Top-3 wish"),
        gettext("Wait median"),
        gettext("Wait p90"),
        gettext("Duncan index"),
        gettext("Stipend cover"),
        gettext("People placed"),
        gettext("Seconds"),
    ]
    rows = [
        [
            names.get(r.policy, r.policy),
            f"{r.expected:.1f}",
            _cell(None if r.of_hindsight is None else 100 * r.of_hindsight, "%.2f %%"),
            f"{100 * r.top3_share:.1f} %",
            _cell(r.wait_median, "%.0f"),
            _cell(r.wait_p90, "%.0f"),
            _cell(r.duncan, "%.3f"),
            _cell(None if r.stipend_coverage is None else 100 * r.stipend_coverage, "%.1f %%"),
            str(r.placed),
            f"{r.seconds:.2f}",
        ]
        for r in reports
    ]
    widths = [max(len(line[k]) for line in [header, *rows]) for k in range(len(header))]
    return ["  ".join(cell.ljust(widths[k]) for k, cell in enumerate(line)).rstrip() for line in [header, *rows]]


class Command(BaseCommand):
    help = gettext_noop(
        "Allocate a cohort of returnees to livelihood options (JSON in, JSON out): optimal, greedy or random."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", help="cohort JSON: people, options, scores, constraints (required)")
        parser.add_argument("--output", help="where to write the allocation JSON (required)")
        parser.add_argument("--mode", choices=["optimal", "greedy", "random"], default="optimal")
        parser.add_argument("--seed", type=int, default=0, help="seed of the random mode")
        parser.add_argument(
            "--group", default="woman", help="group measured by the metrics when the input sets no group_share"
        )
        parser.add_argument("--time-limit", type=float, default=None, help="seconds for the MIP (side constraints)")
        actions = parser.add_subparsers(dest="action", title="actions")
        simulate = actions.add_parser(
            "simulate",
            help="replay a year of arrivals: rolling allocation, greedy and the hindsight optimum",
            description="Replay a year of arrivals under three policies and print a table.",
        )
        simulate.add_argument(
            "--arrivals", help="arrivals JSON (rounds, people; see reintegra/matching/simulate.py); default: generated"
        )
        simulate.add_argument("--people", type=int, default=5000, help="arrivals of the generated year")
        simulate.add_argument("--seed", type=int, default=0, help="seed of the generated year and of the samples")
        simulate.add_argument("--samples", type=int, default=SAMPLES, help="future samples per weekly decision")
        simulate.add_argument("--step", type=int, default=STEP, help="days between decisions")
        simulate.add_argument("--output", help="also write the figures to this JSON file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("action") == "simulate":
            self._simulate(options)
            return
        missing = [name for name in ("--input", "--output") if not options.get(name[2:])]
        if missing:
            raise CommandError(
                gettext("The following arguments are required: %(names)s") % {"names": ", ".join(missing)}
            )
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(
                gettext("The folder of the output file does not exist: %(path)s") % {"path": output.parent}
            )
        try:
            cohort = read_cohort(options["input"])
        except CohortError as error:
            raise CommandError(cohort_message(error)) from error
        started = time.perf_counter()
        allocation = self._allocate(cohort, options)
        seconds = time.perf_counter() - started
        result = self._result(cohort, allocation, options, seconds)
        self._write(output, result)
        self.stdout.write(
            gettext("%(assigned)s of %(people)s people assigned, objective %(objective).4f, written to %(path)s")
            % {
                "assigned": allocation.assigned,
                "people": len(cohort.person_ids),
                "objective": allocation.objective,
                "path": output,
            }
        )

    def _constraints(self, cohort: Cohort) -> dict[str, Any]:
        group = cohort.members(cohort.share_group) if cohort.share_group is not None else None
        return {
            "group": group,
            "group_share": cohort.group_share,
            "budget": cohort.budget,
            "cost": cohort.cost,
            "min_assigned_total": cohort.min_assigned_total,
        }

    def _allocate(self, cohort: Cohort, options: dict[str, Any]) -> Allocation:
        if options["mode"] == "greedy":
            return greedy(cohort.scores, cohort.capacity)
        if options["mode"] == "random":
            return random_allocation(cohort.scores, cohort.capacity, seed=options["seed"])
        try:
            if cohort.has_choice_rules:
                return self._allocate_choice(cohort, options)
            return allocate(
                cohort.scores, cohort.capacity, time_limit=options["time_limit"], **self._constraints(cohort)
            )
        except InfeasibleError as error:
            raise CommandError(infeasible_message(error, cohort)) from error

    def _allocate_choice(self, cohort: Cohort, options: dict[str, Any]) -> Allocation:
        people, options_count = len(cohort.person_ids), len(cohort.option_ids)
        if people * options_count > DENSE_CELLS:
            raise CommandError(
                gettext(
                    "constraints.top_k and constraints.min_top3_share work on at most %(cells)s people × options; "
                    "this cohort has %(size)s."
                )
                % {"cells": DENSE_CELLS, "size": people * options_count}
            )
        return allocate_choice(
            cohort.scores,
            cohort.capacity,
            cohort.rank(),
            top_k=cohort.top_k,
            min_top3_share=cohort.min_top3_share,
            time_limit=options["time_limit"],
            **self._constraints(cohort),
        )

    def _result(
        self, cohort: Cohort, allocation: Allocation, options: dict[str, Any], seconds: float
    ) -> dict[str, Any]:
        group_name = cohort.share_group or options["group"]
        measured = metrics(
            allocation,
            cohort.scores,
            group=cohort.members(group_name),
            aspirations=cohort.aspirations,
            needs_income=cohort.needs_income,
            stipend=cohort.stipend,
            min_assigned=cohort.group_share.min_assigned if cohort.group_share else 1,
        ).as_dict()
        measured["seconds"] = round(seconds, 6)
        assignment = allocation.assignment.tolist()
        broken = verify(allocation.assignment, cohort.scores, cohort.capacity, **self._constraints(cohort))
        return {
            "mode": options["mode"],
            "status": allocation.status,
            "objective": allocation.objective,
            "lp_bound": allocation.lp_bound,
            "assignments": [
                {"person": cohort.person_ids[i], "option": cohort.option_ids[j]}
                for i, j in enumerate(assignment)
                if j >= 0
            ],
            "unassigned": [cohort.person_ids[i] for i, j in enumerate(assignment) if j < 0],
            "metrics": {"group": group_name, **measured},
            "constraint_violations": [str(v) for v in broken],  # greedy and random ignore the side constraints
        }

    def _write(self, output: Path, result: dict[str, Any]) -> None:
        """Write beside the target and rename, so that a failure never leaves a partial file."""
        handle, temporary = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(result, stream, ensure_ascii=False, indent=2)
                stream.write("\n")
            os.replace(temporary, output)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _simulate(self, options: dict[str, Any]) -> None:
        output = Path(options["output"]) if options.get("output") else None
        if output is not None and not output.parent.is_dir():
            raise CommandError(
                gettext("The folder of the output file does not exist: %(path)s") % {"path": output.parent}
            )
        for name, least in (("people", 0), ("samples", 0), ("step", 1)):
            if options[name] < least:
                raise CommandError(gettext("--%(name)s must be at least %(least)s.") % {"name": name, "least": least})
        for name, most in (("people", MAX_PEOPLE), ("samples", MAX_SAMPLES)):
            if options[name] > most:
                raise CommandError(gettext("--%(name)s must be at most %(most)s.") % {"name": name, "most": most})
        started = time.perf_counter()
        year: Year
        if options.get("arrivals"):
            try:
                year = read_arrivals(options["arrivals"])
            except CohortError as error:
                raise CommandError(cohort_message(error)) from error
            source = str(options["arrivals"])
        else:
            year = generate(demo_distribution(), people=options["people"], seed=options["seed"])
            source = "demo"
        tl = year.timeline
        reports = compare(
            tl,
            step=options["step"],
            samples=options["samples"],
            seed=options["seed"],
            arrivals_until=year.arrivals_until,
        )
        seconds = time.perf_counter() - started
        self.stdout.write(
            gettext(
                "%(people)s people, %(rounds)s rounds, %(seats)s seats; a decision every %(step)s days; "
                "future samples per decision: %(samples)s; %(seconds).1f s in all."
            )
            % {
                "people": tl.people,
                "rounds": tl.rounds,
                "seats": int(tl.seats.sum()),
                "step": options["step"],
                "samples": options["samples"],
                "seconds": seconds,
            }
        )
        for line in policy_table(reports):
            self.stdout.write(line)
        if output is not None:
            self._write(
                output,
                {
                    "source": source,
                    "seed": options["seed"],
                    "people": tl.people,
                    "rounds": tl.rounds,
                    "seats": int(tl.seats.sum()),
                    "step": options["step"],
                    "samples": options["samples"],
                    "seconds": round(seconds, 3),
                    "policies": [dataclasses.asdict(report) for report in reports],
                },
            )
            self.stdout.write(gettext("Written to %(path)s") % {"path": output})
