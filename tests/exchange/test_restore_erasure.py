"""Erasure survives a restore (decisions/0028, 0029, 0031): every erasure is written to a ledger
outside the database before it commits (and is refused if it cannot be), and a restore erases again
the cases the ledger lists that the backup still holds, and says so."""

import datetime
import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction

from reintegra.accounts.models import AuditEvent
from reintegra.cases import erasure, erasure_ledger
from reintegra.cases import services as case_services
from reintegra.cases.models import Case
from reintegra.exchange import backup
from reintegra.lib import clock
from tests.conftest import api_client_for
from tests.test_backup import Databases


def open_case(users, name: str = "Somsri") -> Case:
    return case_services.case_open(
        actor=users["sam"], given_name=name, family_name="Kaewmanee", phones=["+66 81 234 5678"]
    )


@pytest.fixture
def ledger(settings, tmp_path):
    settings.ERASURE_LEDGER_FILE = tmp_path / "ledger"
    return tmp_path / "ledger"


def test_an_erasure_is_written_to_the_ledger_when_it_commits(users, ledger, django_capture_on_commit_callbacks):
    case = open_case(users)
    other = case_services.case_open(actor=users["sam"], given_name="Somsri", family_name="Kaewmanee")

    with django_capture_on_commit_callbacks(execute=True):
        erasure.returnee_erase(actor=users["sam"], case=case, reason=erasure.RETENTION)

    [entry] = erasure_ledger.entries()
    assert entry.ground == "retention" and entry.cases == (case.code,)
    assert other.code not in entry.cases  # another returnee's case: not erased, not listed
    line = ledger.read_text()
    assert "Somsri" not in line and "Kaewmanee" not in line  # codes only
    assert ledger.stat().st_mode & 0o777 == 0o600


def test_an_erasure_refused_leaves_no_line(users, ledger):
    case = open_case(users)
    erasure.returnee_erase(actor=users["sam"], case=case, reason=erasure.REQUEST)

    with pytest.raises(ValidationError, match="already been erased"):
        erasure.returnee_erase(actor=users["sam"], case=case, reason=erasure.REQUEST)

    assert len(erasure_ledger.entries()) == 1


def test_the_line_is_on_disk_before_the_commit(users, ledger):
    """Written inside the transaction: a rollback after it (a failed commit, an outer transaction)
    leaves the line, and a restore erases that case, as decided (decisions/0031)."""
    case = open_case(users)

    with pytest.raises(RuntimeError), transaction.atomic():
        erasure.returnee_erase(actor=users["sam"], case=case, reason=erasure.REQUEST)
        assert [e.cases for e in erasure_ledger.entries()] == [(case.code,)]
        raise RuntimeError

    assert Case.objects.get(pk=case.pk).erased_at is None
    done = backup.reapply_erasures(ledger)
    assert done.erased == [case.code] and Case.objects.get(pk=case.pk).erased_at is not None


@pytest.fixture
def unwritable(settings, tmp_path):
    """A ledger that cannot be written whoever runs the tests: its directory is a file."""
    (tmp_path / "not-a-directory").write_text("")
    settings.ERASURE_LEDGER_FILE = tmp_path / "not-a-directory" / "ledger"
    return settings.ERASURE_LEDGER_FILE


def test_an_erasure_whose_line_cannot_be_written_is_refused_and_nothing_erased(users, unwritable):
    case = open_case(users)
    events = AuditEvent.objects.count()

    with pytest.raises(erasure.ErasureNotRecorded, match="erasure ledger"):
        erasure.returnee_erase(actor=users["sam"], case=case, reason=erasure.REQUEST)

    intact = Case.objects.select_related("returnee").get(pk=case.pk)
    assert intact.erased_at is None and intact.stage != "closed"
    assert intact.returnee.given_name == "Somsri" and intact.returnee.name_index
    assert intact.returnee.phone_index.exists()
    assert AuditEvent.objects.count() == events


def test_a_confirmation_in_the_api_whose_line_cannot_be_written_is_refused(users, unwritable):
    case = open_case(users)
    alice, sam = api_client_for(users["alice"]), api_client_for(users["sam"])
    alice.post(f"/api/v1/cases/{case.code}/erasure/", {"reason": "Asked by letter."}, format="json")

    done = sam.post(f"/api/v1/cases/{case.code}/erasure/decision/", {"confirm": True}, format="json")

    assert done.status_code == 400 and "erasure ledger" in str(done.json())
    intact = Case.objects.select_related("returnee").get(pk=case.pk)
    assert intact.erased_at is None and intact.erasure_requested_at is not None
    assert intact.returnee.given_name == "Somsri"


def test_retention_stops_when_its_line_cannot_be_written(users, unwritable, settings):
    settings.RETENTION_YEARS_AFTER_CLOSURE = 5
    case = open_case(users)
    case_services.closure_move(actor=users["alice"], case=case, move="request", reason="Settled at home.")
    case_services.closure_move(actor=users["sam"], case=Case.objects.get(pk=case.pk), move="approve")
    Case.objects.filter(pk=case.pk).update(closed_at=clock.now() - datetime.timedelta(days=365 * 6))

    with pytest.raises(CommandError, match="cannot be written"):
        call_command("retention", "apply", stdout=StringIO())

    intact = Case.objects.select_related("returnee").get(pk=case.pk)
    assert intact.erased_at is None and intact.returnee.given_name == "Somsri"


def test_the_cases_the_ledger_lists_are_erased_again(users, tmp_path):
    case, kept = open_case(users), open_case(users, name="Maria")
    ledger = tmp_path / "ledger"
    now = clock.now()
    erasure_ledger.append(at=now, ground="request", cases=[case.code, "TH-GONE-0000"], path=ledger)

    done = backup.reapply_erasures(ledger)

    assert (done.erased, done.already, done.absent) == ([case.code], 0, 1)
    erased = Case.objects.select_related("returnee").get(pk=case.pk)
    assert erased.erased_at is not None and erased.returnee.given_name == "" and erased.returnee.name_index == ""
    assert not erased.returnee.phone_index.exists()
    assert Case.objects.get(pk=kept.pk).erased_at is None
    again = backup.reapply_erasures(ledger)
    assert (again.erased, again.already, again.absent) == ([], 1, 1)


def test_a_damaged_ledger_stops_the_restore_with_its_line(tmp_path):
    ledger = tmp_path / "ledger"
    ledger.write_text(
        json.dumps({"at": "2026-01-01T00:00:00+00:00", "ground": "request", "cases": []}) + "\nnot json\n"
    )

    with pytest.raises(backup.BackupError, match="Line 2 of the erasure ledger"):
        backup.reapply_erasures(ledger)


# --- The whole way, as an operator runs it: back up, erase, restore into a new database ------------

MAKE = """
from reintegra.accounts.models import Role
from reintegra.accounts.services import user_create
from reintegra.cases import services
from reintegra.network import services as network
agency = network.agency_create(
    actor=None, slug="alpha", name="Alpha", type="SocialWelfare", country="TH", languages=["th"]
)
sam = user_create(actor=None, username="sam", agency=agency, role=Role.SUPERVISOR, validate=False)
for name in ("Somsri", "Maria"):
    print(services.case_open(actor=sam, given_name=name, family_name="Kaewmanee", phones=["+66 81 234 5678"]).code)
"""
ERASE = """
from reintegra.cases import erasure
from reintegra.cases.models import Case
erasure.returnee_erase(actor=None, case=Case.objects.get(code="{code}"), reason=erasure.REQUEST)
"""
STATE = """
import json
from reintegra.cases.models import Case
print(json.dumps({{c.code: [c.erased_at is not None, c.returnee.given_name] for c in Case.objects.all()}}))
"""


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    made = Databases(tmp_path_factory.mktemp("restore-erasure"))
    try:
        yield made
    finally:
        made.close()


def state(site) -> dict[str, list]:
    return json.loads(site.run("shell", "-c", STATE.format(), check=True).stdout.strip().splitlines()[-1])


def test_a_returnee_erased_after_the_backup_stays_erased_after_a_restore(databases):
    source = databases.site("source")
    somsri, maria = source.run("shell", "-c", MAKE, check=True).stdout.split()[-2:]
    archive = source.var / "site.backup"
    source.run("backup", "--output", str(archive), check=True)
    source.run("shell", "-c", ERASE.format(code=somsri), check=True)  # after the backup
    key = ["--key-file", str(source.var / "backup_key")]

    target = databases.site("target")
    done = target.run("restore", str(archive), *key, "--erasures", str(source.var / "erasure_ledger"))

    assert done.returncode == 0, done.stderr
    assert "every count and checksum matches the archive" in done.stdout  # the backup itself came back whole
    assert f"Erased again 1 cases whose erasure the ledger records after this backup was made: {somsri}." in done.stdout
    assert state(target) == {somsri: [True, ""], maria: [False, "Maria"]}
    assert target.run("audit", "verify").returncode == 0

    # Without the ledger the command says what it could not do.
    bare = databases.site("bare")
    done = bare.run("restore", str(archive), *key)
    assert done.returncode == 0, done.stderr
    assert "No erasure ledger at" in done.stdout
    assert state(bare) == {somsri: [False, "Somsri"], maria: [False, "Maria"]}
