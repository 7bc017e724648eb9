"""Writes around save() keep the summary tables fresh (insights/facts.py, decisions/0030): the ORM's
signals tell the facts of every save and deletion, not of a QuerySet.update(), raw SQL or a bulk
insert. A service that writes so fires cases/reactions.records_written with the cases it touched;
every such write in reintegra/ on a record the facts count from is listed here, with why it is safe."""

import ast
import datetime
from pathlib import Path

from django.forms.models import model_to_dict

from reintegra.cases import erasure, reactions
from reintegra.cases.models import Case, ReturnJourney
from reintegra.exchange import htcds
from reintegra.insights import facts, returns
from reintegra.insights.facts import CASES_OF
from reintegra.insights.filters import Filters
from reintegra.insights.models import CaseFacts

from ..exchange.conftest import MARIA, SOMSRI, csv_bytes
from .factory import returned
from .test_voice import RETURN, People

ROOT = Path(__file__).resolve().parents[2] / "reintegra"


def quarters(filters: Filters) -> dict[str, object]:
    """The returns dashboard's people per quarter (all countries), as the page shows them."""
    table = returns.over_time(filters, by="country").table
    return {row.label: row.cells[-1].value for row in table.rows} if table.rows else {}


def test_an_update_around_save_then_the_reaction_refreshes_the_row_and_the_dashboard(users):
    case = returned(users["alice"])
    assert CaseFacts.objects.get(pk=case.pk).returned_on == RETURN
    moved = RETURN - datetime.timedelta(days=200)
    ReturnJourney.objects.filter(case=case).update(returned_on=moved)  # no signal
    assert CaseFacts.objects.get(pk=case.pk).returned_on == RETURN  # stale until told
    before = quarters(Filters())

    reactions.records_written.fire(case_ids=[case.pk])

    assert CaseFacts.objects.get(pk=case.pk).returned_on == moved
    assert quarters(Filters()) != before


def test_the_reaction_waits_for_the_end_of_a_deferred_block(users, django_assert_max_num_queries):
    case = returned(users["alice"])
    moved = RETURN - datetime.timedelta(days=40)
    with facts.deferred():
        ReturnJourney.objects.filter(case=case).update(returned_on=moved)
        reactions.records_written.fire(case_ids=[case.pk, case.pk, None])
        assert CaseFacts.objects.get(pk=case.pk).returned_on == RETURN
    assert CaseFacts.objects.get(pk=case.pk).returned_on == moved


def test_the_erasure_s_raw_writes_refresh_the_rows_without_a_save_after(users, network):
    people = People(users, network)
    case = people.person(["income"], returned_on=datetime.date(2026, 3, 10))
    people.stipend(people.enrol(case, on=20), on=30)
    before = model_to_dict(CaseFacts.objects.get(pk=case.pk))

    erasure._destroy(case.returnee, [case.pk])  # the writes alone, no save of the case after them

    after = model_to_dict(CaseFacts.objects.get(pk=case.pk))
    assert after["returned_on"] == datetime.date(2026, 3, 1)
    assert after["first_income_days"] == before["first_income_days"] + 9


def test_the_htcds_import_tells_the_facts_of_every_case_it_wrote(users, network, monkeypatch):
    told: list[int] = []
    monkeypatch.setattr(facts, "refresh_cases", lambda ids: told.extend(ids))
    rows = [SOMSRI | {"cas_CaseNumber": "NEW-1"}, MARIA | {"cas_CaseNumber": "NEW-2"}]
    assert htcds.import_file(csv_bytes(rows), filename="c.csv", agency=network.alpha, actor=users["sam"]).ok
    imported = set(Case.objects.filter(external_id__in=["NEW-1", "NEW-2"]).values_list("pk", flat=True))
    assert len(imported) == 2 and imported <= set(told)


# --- Every write around save() on a record the facts count from ---------------------------------------

SOURCES = {model.__name__ for model in CASES_OF}
BYPASS = {"update", "bulk_create", "bulk_update"}
RAW = {"execute", "executemany", "copy"}

# module → the writes around save() it may hold, and why they leave no summary row stale. A new one
# fails the test below until it fires records_written (or is added here with its reason).
REVIEWED: dict[str, tuple[set[str], str]] = {
    "cases/erasure.py": (
        {"Returnee.update", "Case.update", "HistoryEvent.update", "ReturnJourney.update", "raw SQL"},
        "fires records_written at the end of _destroy",
    ),
    "exchange/htcds.py": ({"raw SQL"}, "the bulk writer's import fires records_written with the cases it wrote"),
    "demo/bulk.py": ({"raw SQL"}, "the bulk demo copies each template's summary rows with its story"),
    "lib/pgcopy.py": ({"raw SQL"}, "binary COPY for the bulk demo, which copies the summary rows with the rest"),
    "exchange/backup.py": ({"raw SQL"}, "a restore loads the summary tables from the same archive as the records"),
    "cases/keys.py": ({"raw SQL"}, "a key rotation writes the same values under a new key"),
    "lib/fields.py": ({"raw SQL"}, "a key rotation writes the same values under a new key"),
    "transfers/services.py": (
        {"Referral.update", "Enrolment.update"},
        "moves the sending agency of open referrals, which no summary row counts, and the enrolments' copy "
        "of the case's agency, which the summary rows do not read (they read the case's); the case's own "
        "agency is saved (case.save), which refreshes its rows",
    ),
}


def _root_name(node: ast.AST) -> str | None:
    """The name a call chain starts from (`Case` in Case.objects.filter(...).update)."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return node.id if isinstance(node, ast.Name) else None


def writes_around_save() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative or relative.startswith(("insights/", "../")):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            method = node.func.attr
            root = _root_name(node.func.value)
            if method in BYPASS and root in SOURCES | {"model", "cls"}:
                found.setdefault(relative, set()).add(f"{root}.{method}")
            elif method in RAW and isinstance(node.func.value, ast.Name) and "cursor" in node.func.value.id:
                found.setdefault(relative, set()).add("raw SQL")
    return found


def test_every_write_around_save_on_a_source_record_is_told_or_reviewed():
    found = writes_around_save()
    assert "cases/erasure.py" in found  # the scan sees the known ones
    unreviewed = {
        module: sorted(calls - REVIEWED.get(module, (set(), ""))[0])
        for module, calls in found.items()
        if calls - REVIEWED.get(module, (set(), ""))[0]
    }
    assert unreviewed == {}, (
        "Writes around save() the insights facts would not hear of: fire cases.reactions.records_written "
        f"with the touched cases, then list the module in REVIEWED: {unreviewed}"
    )


def test_the_services_that_say_they_tell_do_tell():
    for module in ("cases/erasure.py", "exchange/htcds.py"):
        assert "records_written.fire(" in (ROOT / module).read_text(), module
