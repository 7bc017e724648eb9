"""`reintegra match simulate` as a whole process (issue 17): a generated year of 5,000 arrivals from the
demo's distributions, replayed under the rolling policy, greedy first come first served and the
hindsight optimum, for several seeds. Wall clock of the whole command (start-up included), and each
policy's share of the hindsight optimum as the command reports it."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.match_process import match_command

PEOPLE = 5000
SEEDS = (0, 1, 2, 3)
TARGET_SECONDS = 60.0


def case_simulate(people: int = PEOPLE, seeds: tuple[int, ...] = SEEDS) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="simulate-"))
    runs = []
    try:
        for seed in seeds:
            target = folder / f"year-{seed}.json"
            started = time.perf_counter()
            subprocess.run(  # noqa: S603 - our own console script, no shell
                [*match_command(), "match", "simulate", "--people", str(people), "--seed", str(seed)]
                + ["--output", str(target)],
                check=True,
                capture_output=True,
            )
            wall = time.perf_counter() - started
            report = json.loads(target.read_text())
            share = {p["policy"]: p["of_hindsight"] for p in report["policies"]}
            top3 = {p["policy"]: p["top3_share"] for p in report["policies"]}
            runs.append(
                {
                    "seed": seed,
                    "seconds": wall,
                    "rounds": report["rounds"],
                    "seats": report["seats"],
                    "rolling_of_hindsight": share["rolling"],
                    "greedy_of_hindsight": share["greedy"],
                    "top3_share": top3,
                }
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    slowest = max(run["seconds"] for run in runs)
    return {
        "people": people,
        "runs": runs,
        "slowest_seconds": slowest,
        "rolling_of_hindsight_min": min(run["rolling_of_hindsight"] for run in runs),
        "greedy_of_hindsight_max": max(run["greedy_of_hindsight"] for run in runs),
        "target_seconds": TARGET_SECONDS,
        "met": slowest <= TARGET_SECONDS,
    }


def simulate_markdown(report: dict[str, Any]) -> list[str]:
    """The case's lines for bench/results/matching.md ([] when it was not run)."""
    row = report["results"].get("simulate_year_5000")
    if row is None:
        return []
    lines = [
        f"`reintegra match simulate`: a generated year of {row['people']:,} arrivals from the demo's distributions, "
        "as a whole process, per seed:",
        "",
        "| seed | seconds | rounds | seats | rolling, share of hindsight | greedy, share of hindsight "
        "| top-3 share: hindsight / rolling / greedy | met (≤ 60 s) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in row["runs"]:
        t = run["top3_share"]
        lines.append(
            f"| {run['seed']} | {run['seconds']:.1f} | {run['rounds']} | {run['seats']} "
            f"| {run['rolling_of_hindsight']:.2%} | {run['greedy_of_hindsight']:.2%} "
            f"| {t['hindsight']:.1%} / {t['rolling']:.1%} / {t['greedy']:.1%} | {run['seconds'] <= TARGET_SECONDS} |"
        )
    lines.append("")
    return lines


if __name__ == "__main__":  # python -m bench.simulate: this case alone
    print(json.dumps(case_simulate(), indent=2))
