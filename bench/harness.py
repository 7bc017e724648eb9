"""What the database benchmarks (bench/htcds.py, bench/ctdc.py, bench/insights.py) share.

Each works on a database of its own (`--database URL`, by default var/bench-<name>.sqlite3 or
BENCH_DATABASE_URL), migrated by `reintegra migrate`; its timed part runs in a child process
(`python -m bench.<name> …`) set up for that database, which prints its figures as one line of JSON;
the parent adds the date and the machine and writes bench/results/<name>.json and .md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
VAR = Path(__file__).resolve().parent.parent / "var"


def default_database(name: str) -> Path:
    return VAR / f"bench-{name}.sqlite3"


def add_database_argument(parser: argparse.ArgumentParser, name: str) -> None:
    """`--database URL`: BENCH_DATABASE_URL, or the benchmark's own SQLite file."""
    parser.add_argument(
        "--database", default=os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{default_database(name)}")
    )


def environment(database: str) -> dict[str, str]:
    """The environment of a process that works on `database`."""
    return os.environ | {"DATABASE_URL": database, "DJANGO_SETTINGS_MODULE": "reintegra.settings"}


def reintegra(database: str, *args: str) -> None:
    """Runs `reintegra ARGS` on `database` (the folder of the default SQLite files made first)."""
    VAR.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "reintegra", *args], env=environment(database), check=True)  # noqa: S603


def migrate(database: str) -> None:
    reintegra(database, "migrate", "--no-input", "-v0")


def in_child(module: str, database: str, *args: str) -> dict[str, Any]:
    """Runs `python -m MODULE ARGS` on `database` and returns the JSON of its last line of output
    (what `answer` printed)."""
    out = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
        [sys.executable, "-m", module, *args],
        env=environment(database),
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def answer(result: dict[str, Any]) -> None:
    """The child's figures, for `in_child` in the parent."""
    print(json.dumps(result))


def report(**parts: Any) -> dict[str, Any]:
    """The results with the day and the machine they were measured on."""
    return {
        "date": dt.datetime.now(dt.UTC).date().isoformat(),
        "machine": {"cpus": os.cpu_count(), "system": platform.platform(), "python": platform.python_version()},
        **parts,
    }


def write(name: str, results: dict[str, Any], markdown: str) -> None:
    """bench/results/NAME.json and NAME.md; the Markdown is printed too."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(markdown)
    print(markdown)
