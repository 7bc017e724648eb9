"""CI runs the whole suite on SQLite and, on PostgreSQL, only what reaches the database
(REINTEGRA_DATABASE_TESTS_ONLY=1, tests/conftest.py): a test that reaches it must never be left out."""

import os
import subprocess
import sys

import pytest

MODULES = [
    "tests/test_csvsafe.py",
    "tests/test_health.py",
    "tests/test_backup.py",
    "tests/test_route_matrix.py",
    "tests/browser/test_journeys.py",
    "tests/browser/test_transfer_in_chromium.py",
]


def collected(*, only: bool) -> set[str]:
    env = {k: v for k, v in os.environ.items() if k != "REINTEGRA_DATABASE_TESTS_ONLY"}
    if only:
        env["REINTEGRA_DATABASE_TESTS_ONLY"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", *MODULES],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return {line for line in done.stdout.splitlines() if "::" in line}


@pytest.mark.skipif(os.environ.get("REINTEGRA_DATABASE_TESTS_ONLY") == "1", reason="runs with the whole suite")
def test_the_second_database_runs_every_test_that_reaches_a_database_and_only_those():
    every, reaching = collected(only=False), collected(only=True)
    left_out = every - reaching
    route = "tests/test_route_matrix.py::"
    assert reaching < every
    browser = "tests/browser/test_transfer_in_chromium.py::"
    assert all(t.startswith(("tests/test_csvsafe.py::", route, browser)) for t in left_out)  # pure functions
    assert any(t.startswith(browser) for t in left_out)  # a browser test outside the smoke subset
    assert {t for t in every if t.startswith("tests/browser/test_journeys.py::")} <= reaching  # the smoke subset
    assert f"{route}test_every_row_answers_every_persona" in left_out  # checks the table, not the site
    assert any(t.startswith(route) for t in reaching)  # the site's answers: pytest-django's mark
    assert any(t.startswith("tests/test_health.py::") for t in reaching)  # a fixture
    assert {t for t in every if t.startswith("tests/test_backup.py::")} <= reaching  # a served process


def test_the_tests_of_an_xdist_group_run_on_one_worker():
    """`make test` runs with --dist loadgroup: the tests of a group go to one worker as one unit (their
    ids carry the group's name), whatever version of pytest renames them (tests/conftest.py)."""
    grouped = "tests/test_demo.py::test_the_demos_draws_do_not_depend_on_the_hour_it_is_loaded_at"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p", "no:cacheprovider"]
        + [grouped, "tests/test_csvsafe.py"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"{grouped}@demo" in done.stdout
    assert "tests/test_csvsafe.py::" in done.stdout and "test_csvsafe.py::test_" in done.stdout
