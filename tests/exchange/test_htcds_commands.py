"""`reintegra import htcds` and `reintegra export htcds`."""

import io

import pytest
from django.core.management import CommandError, call_command

from reintegra.accounts.models import AuditEvent
from reintegra.cases.models import Case

from .conftest import MARIA, SOMSRI, fill_template


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_what_it_created_and_draws_a_progress_bar(network, users, template_rows):
    out, err = run("import", "htcds", str(template_rows), "--agency", "alpha-welfare")

    assert "2 row(s) imported" in out and "2 cases" in out and "1 consents" in out
    assert "100%" in err and "[" in err
    assert Case.objects.count() == 2


def test_import_again_says_the_cases_are_there_already(network, users, template_rows):
    run("import", "htcds", str(template_rows), "--agency", "alpha-welfare")

    out, _err = run("import", "htcds", str(template_rows), "--agency", "alpha-welfare")

    assert "0 cases" in out and "2 case(s) already imported" in out
    assert Case.objects.count() == 2


def test_import_of_a_bad_file_lists_every_problem_and_fails(network, users, tmp_path):
    path = fill_template(tmp_path, [SOMSRI | {"prs_Birthdate": "31/12/1990"}, MARIA | {"prs_Citizenship": "XX"}])
    err = io.StringIO()

    with pytest.raises(CommandError, match="2 problem"):
        call_command("import", "htcds", str(path), "--agency", "alpha-welfare", stdout=io.StringIO(), stderr=err)

    assert "row 3, prs_Birthdate" in err.getvalue() and "'31/12/1990'" in err.getvalue()
    assert "row 4, prs_Citizenship" in err.getvalue()
    assert Case.objects.count() == 0


def test_a_dry_run_writes_nothing(network, users, template_rows):
    out, _err = run("import", "htcds", str(template_rows), "--agency", "alpha-welfare", "--dry-run")

    assert "Dry run" in out and "2 cases" in out
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agency", "nowhere"], "no agency"),
        (["--agency", "alpha-welfare", "--as", "alice"], "not a supervisor"),
        (["--agency", "alpha-welfare", "--as", "bella"], "not a supervisor"),
    ],
)
def test_import_refuses_an_unknown_agency_or_a_stranger(network, users, template_rows, args, message):
    with pytest.raises(CommandError, match=message):
        run("import", "htcds", str(template_rows), *args)
    assert Case.objects.count() == 0


def test_import_names_the_supervisor_given(network, users, template_rows):
    run("import", "htcds", str(template_rows), "--agency", "alpha-welfare", "--as", "sam")

    assert AuditEvent.objects.order_by("seq").last().actor == users["sam"]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_writes_the_file_by_its_extension(network, users, template_rows, tmp_path, suffix):
    run("import", "htcds", str(template_rows), "--agency", "alpha-welfare")
    output = tmp_path / f"out.{suffix}"

    out, _err = run("export", "htcds", "--agency", "alpha-welfare", "--output", str(output), "--as", "sam")

    assert "Wrote" in out
    data = output.read_bytes()
    assert data.startswith(b"PK" if suffix == "xlsx" else b"\xef\xbb\xbfcas_CaseNumber,")
    assert AuditEvent.objects.order_by("seq").last().action == "export"


@pytest.mark.parametrize("who", ["alice", "bella", "charlie", "nobody"])
def test_export_is_refused_to_anyone_but_a_supervisor_of_the_agency(network, users, tmp_path, who):
    output = tmp_path / "out.csv"

    with pytest.raises(CommandError, match="not a supervisor"):
        run("export", "htcds", "--agency", "alpha-welfare", "--output", str(output), "--as", who)

    assert not output.exists()


def test_export_wants_a_known_extension(network, users, tmp_path):
    with pytest.raises(CommandError, match=".xlsx or .csv"):
        run("export", "htcds", "--agency", "alpha-welfare", "--output", str(tmp_path / "out.txt"), "--as", "sam")
