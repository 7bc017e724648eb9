"""`reintegra match`: allocate a cohort of returnees to livelihood options from a JSON file.

For planners and researchers; needs no database. The engine is reintegra.matching; this command
reads and checks the file, runs the chosen mode, and writes the allocation with its metrics.
"""

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext, gettext_noop

from reintegra.matching import (
    Allocation,
    Cohort,
    CohortError,
    InfeasibleError,
    allocate,
    greedy,
    metrics,
    random_allocation,
    read_cohort,
    verify,
)

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
}


def cohort_message(error: CohortError) -> str:
    template = COHORT_MESSAGES.get(error.code, gettext_noop("%(where)s is not valid (%(value)s)."))
    value = error.value if isinstance(error.value, str) else json.dumps(error.value)
    return gettext(template) % {"where": error.where, "value": value}


def infeasible_message(error: InfeasibleError, cohort: Cohort) -> str:
    detail = dict(error.detail)
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


class Command(BaseCommand):
    help = gettext_noop(
        "Allocate a cohort of returnees to livelihood options (JSON in, JSON out): optimal, greedy or random."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, help="cohort JSON: people, options, scores, constraints")
        parser.add_argument("--output", required=True, help="where to write the allocation JSON")
        parser.add_argument("--mode", choices=["optimal", "greedy", "random"], default="optimal")
        parser.add_argument("--seed", type=int, default=0, help="seed of the random mode")
        parser.add_argument(
            "--group", default="woman", help="group measured by the metrics when the input sets no group_share"
        )
        parser.add_argument("--time-limit", type=float, default=None, help="seconds for the MIP (side constraints)")

    def handle(self, *args: Any, **options: Any) -> None:
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
            return allocate(
                cohort.scores, cohort.capacity, time_limit=options["time_limit"], **self._constraints(cohort)
            )
        except InfeasibleError as error:
            raise CommandError(infeasible_message(error, cohort)) from error

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
