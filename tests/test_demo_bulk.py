"""The demo at scale (reintegra/demo/bulk.py): a few cases played through the services, the rest
written in bulk as copies of them with other people. Loaded once for the module (40 played, 260
copied), in a transaction rolled back at the end."""

import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse

from reintegra.accounts.audit import audit_verify
from reintegra.accounts.models import AuditEvent, User
from reintegra.cases.models import Case, NameWordIndex, PhoneIndex, Returnee, Task
from reintegra.cases.selectors import case_search_by_identity
from reintegra.demo import bulk
from reintegra.demo.network import USERS
from reintegra.insights import facts
from reintegra.insights.models import CaseFacts, OutcomeFacts
from reintegra.lib import crypto
from reintegra.livelihoods.models import Enrolment
from reintegra.notifications.models import EmailFrequency
from reintegra.notifications.services import frequency_of
from reintegra.plans.models import Plan
from reintegra.referrals.choices import ReferralStatus
from reintegra.referrals.models import Referral

PLAYED, TOTAL = 40, 300
TEAM_CASES = 100  # 260 copies: three teams, the demo's own staff and two clones of them


@dataclass
class Loaded:
    templates: bulk.Templates
    output: str


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker) -> Iterator[Loaded]:
    seen: list[bulk.Templates] = []
    read = bulk.templates_read

    def keep(marks: dict[str, int]) -> bulk.Templates:
        seen.append(read(marks))
        return seen[-1]

    out = io.StringIO()
    with django_db_blocker.unblock(), transaction.atomic(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(bulk, "templates_read", keep)
        patch.setattr(bulk, "CHUNK_CASES", 100)  # three chunks, built in two other processes
        call_command(
            "demo",
            "--password",
            "demo-password",
            "--bulk",
            f"--cases={TOTAL}",
            f"--templates={PLAYED}",
            f"--team-cases={TEAM_CASES}",
            stdout=out,
        )
        yield Loaded(templates=seen[0], output=out.getvalue())
        transaction.set_rollback(True)


def copies(table: bulk.Table) -> int:
    """How many rows the copies wrote into the table (their keys lie above the templates')."""
    top = max(row[table.pk] for row in table.rows)
    return table.model._default_manager.filter(pk__gt=top).count()


def test_the_services_play_the_templates_and_the_rest_are_copies(loaded, db):
    assert Case.objects.count() == TOTAL
    assert len(loaded.templates.cases) == PLAYED
    assert f"{TOTAL - PLAYED} copies of {PLAYED} cases" in loaded.output
    assert f"{TOTAL - PLAYED}/{TOTAL - PLAYED} cases" in loaded.output  # the progress bar's end
    if connection.vendor == "postgresql":  # what follows the bar's end, minutes at a million
        assert "Indexes and constraints made again in" in loaded.output


def test_every_table_the_services_filled_is_filled_for_the_copies(loaded, db):
    filled = [t for t in loaded.templates.tables if t.rows]
    labels = {t.label for t in filled}
    # The story of a case, as the services write it.
    for label in (
        "cases.returnee",
        "cases.case",
        "cases.historyevent",
        "cases.returnjourney",
        "cases.consent",
        "cases.caseevent",
        "cases.task",
        "referrals.referral",
        "plans.priorityranking",
        "plans.plan",
        "plans.planrevision",
        "plans.goal",
        "plans.action",
        "plans.assessment",
        "livelihoods.skillsprofile",
        "livelihoods.enrolment",
        "livelihoods.placement",
        "livelihoods.incomefollowup",
    ):
        assert label in labels, label
    for table in filled:
        # 260 copies of 40 templates: each table about 6.5 times what the templates wrote.
        assert copies(table) >= 5 * len(table.rows), table.label
    # The person's indexes are written for each copy from its own names and phones.
    copied_returnees = Returnee.objects.filter(pk__gt=max(loaded.templates.cases))
    assert NameWordIndex.objects.filter(returnee__in=copied_returnees).count() >= 2 * copied_returnees.count()
    assert PhoneIndex.objects.filter(returnee__in=copied_returnees).exists()
    assert AuditEvent.objects.count() > 6 * sum(len(e) for e in loaded.templates.events.values())


def test_references_stay_within_each_copys_story(loaded, db):
    for case in Case.objects.filter(pk__gt=max(loaded.templates.cases)).select_related("returnee")[:50]:
        for referral in Referral.objects.filter(case=case):
            assert referral.case_id == case.pk
        assert all(r.case_id == case.pk for r in case.history.all())
        assert case.returnee.cases.get() == case
        assert {e.case_id for e in case.events.all()} == {case.pk}
    # What a row keeps of its case beside it is its case's (the agency's lists read it by its own index).
    enrolments = Enrolment.objects.filter(case_id__gt=max(loaded.templates.cases))
    assert enrolments.exists() and not enrolments.exclude(agency_id=F("case__agency_id")).exists()
    assert not Plan.objects.exclude(agency_id=F("case__agency_id")).exists()
    tasks = Task.objects.filter(case_id__gt=max(loaded.templates.cases))
    assert tasks.exists() and not tasks.exclude(case_agency_id=F("case__agency_id")).exists()
    assert not Task.objects.filter(case__isnull=True, case_agency__isnull=False).exists()


def test_encrypted_columns_hold_fresh_tokens(loaded, db):
    returnees = next(t for t in loaded.templates.tables if t.model is Returnee)
    template_tokens = {row[i] for t in loaded.templates.tables for row in t.rows for i in t.encrypted if row[i]}
    checked = 0
    for table in loaded.templates.tables:
        if not table.encrypted or not table.rows:
            continue
        columns = [table.columns[i] for i in table.encrypted]
        top = max(row[table.pk] for row in table.rows)
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table.db_table)} WHERE id > %s",  # noqa: S608
                [top],
            )
            for row in cursor.fetchall():
                for value in row:
                    if value:
                        assert value.startswith("gAAAAA"), (table.label, value[:20])
                        assert value not in template_tokens
                        crypto.decrypt(value)
                        checked += 1
    assert checked > 1000
    assert returnees.encrypted


def test_a_copy_is_another_person_found_by_name_and_phone(loaded, db):
    copied = Case.objects.filter(pk__gt=max(loaded.templates.cases)).select_related("returnee", "caseworker")
    people = {(c.returnee.given_name, c.returnee.family_name) for c in copied}
    assert len(people) > 0.8 * copied.count()  # names are drawn for every copy (common names recur)
    phones = [p for c in copied for p in c.returnee.phones]
    assert len(set(phones)) == len(phones)
    case = next(c for c in copied if c.returnee.phones and c.caseworker is not None)
    found = case_search_by_identity(
        user=case.caseworker, name=f"{case.returnee.given_name} {case.returnee.family_name}"
    )
    assert case in found
    assert case in case_search_by_identity(user=case.caseworker, phone=case.returnee.phones[0])
    codes = list(Case.objects.values_list("code", flat=True))
    assert len(set(codes)) == len(codes)


def test_the_audit_chain_verifies(loaded, db):
    report = audit_verify()
    assert report.ok, report.reason
    assert report.checked == AuditEvent.objects.count()
    # The copies' events name the copies' objects and codes.
    case = Case.objects.order_by("-pk").first()
    assert AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk)).exists()
    assert AuditEvent.objects.filter(details__case=case.code).exists()


def test_referrals_in_every_status(loaded, db):
    played = max(loaded.templates.cases)
    copied = set(Referral.objects.filter(case__pk__gt=played).values_list("status", flat=True))
    assert copied == set(Referral.objects.filter(case__pk__lte=played).values_list("status", flat=True))
    assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)


def shares(counts: Counter[str]) -> dict[str, float]:
    total = sum(counts.values())
    return {key: n / total for key, n in counts.items()}


def test_the_copies_keep_the_service_demos_shares(loaded, db):
    played = max(loaded.templates.cases)
    for of_copies, of_played in (
        (
            Counter(Case.objects.filter(pk__gt=played).values_list("stage", flat=True)),
            Counter(Case.objects.filter(pk__lte=played).values_list("stage", flat=True)),
        ),
        (
            Counter(Referral.objects.filter(case__pk__gt=played).values_list("status", flat=True)),
            Counter(Referral.objects.filter(case__pk__lte=played).values_list("status", flat=True)),
        ),
    ):
        copied, template = shares(of_copies), shares(of_played)
        assert set(copied) == set(template)
        for key, share in template.items():
            assert abs(copied[key] - share) < 0.05, key


def test_a_caseworkers_pages_load_for_copied_cases(loaded, db, client):
    case = (
        Case.objects.filter(pk__gt=max(loaded.templates.cases), caseworker__isnull=False)
        .select_related("caseworker")
        .first()
    )
    client.force_login(case.caseworker)
    for url in (reverse("cases:list"), reverse("cases:detail", args=[case.code]), reverse("home")):
        response = client.get(url)
        assert response.status_code == 200, url
    assert case.code in client.get(reverse("cases:detail", args=[case.code])).content.decode()


def test_the_copies_are_the_same_for_the_same_seed(loaded, db):
    def drawn(seed: int) -> list[tuple[str, str]]:
        copier = bulk.Copier(templates=loaded.templates, seed=seed)
        copier.codes = set()
        tables = copier.chunk(0, 30, copier.codes_draw(0, 30)).tables
        returnees = next(t for t in tables if t.model is Returnee)
        cases = next(t for t in tables if t.model is Case)
        name = returnees.columns.index("name_index")
        code = cases.columns.index("code")
        return [r[name] for r in tables[returnees]] + [r[code] for r in tables[cases]]

    assert drawn(7) == drawn(7)
    assert drawn(7) != drawn(8)


def test_chunks_built_in_other_processes_are_those_built_in_turn_here(loaded, db):
    """The same people, codes, audit events and blind indexes, whether the chunks are built here one
    after the other or in two other processes at once (each draws from its own seeded source)."""
    bounds = [(0, 20), (20, 45), (45, 60)]

    def built(processes: int) -> list[tuple[object, ...]]:
        copier = bulk.Copier(templates=loaded.templates, seed=7)
        copier.codes = set()
        with bulk._built(copier, bounds, processes) as chunks:
            packed = list(chunks)
        moment = re.compile(r'^\[(\d+),"[^"]+",')  # the moment a chunk was built
        return [
            (chunk.indexes, sorted(chunk.tables), [moment.sub(r"[\1,", end) for end in chunk.ends]) for chunk in packed
        ]

    here, there = built(0), built(2)
    assert here == there
    assert [len(ends) for _indexes, _tables, ends in here] == [
        sum(len(loaded.templates.events.get(loaded.templates.cases[n % PLAYED], ())) for n in range(*b)) for b in bounds
    ]


def test_the_copies_are_worked_by_teams_of_the_demos_staff(loaded, db):
    """Each cycle of copies is worked by one team: the demo's own staff, then clones of them made
    through the accounts service (same agency and role, the demo's password), and every reference to
    a staff member in a copy's rows and audit events points to its team's clone."""
    staff = {u.username: u for u in User.objects.filter(username__in=[u.username for u in USERS])}
    clones = User.objects.filter(username__contains="-").select_related("agency")
    assert clones.count() == 2 * len(staff)
    for clone in clones:
        original = staff[clone.username.rsplit("-", 1)[0]]
        assert (clone.agency_id, clone.role) == (original.agency_id, original.role)
        assert clone.check_password("demo-password")
    assert AuditEvent.objects.filter(object_type="accounts.user", action="create").count() >= clones.count()
    # As the demo's own staff, they get no e-mail (their addresses lead nowhere).
    assert {frequency_of(clone) for clone in [*clones, *staff.values()]} == {EmailFrequency.NEVER}

    copied = Case.objects.filter(pk__gt=max(loaded.templates.cases))
    played = Case.objects.filter(pk__lte=max(loaded.templates.cases))
    assert not played.filter(caseworker__username__contains="-").exists()
    by_team = Counter((c.caseworker.username.partition("-")[2] or "1") for c in copied.select_related("caseworker"))
    assert set(by_team) == {"1", "2", "3"}, by_team
    # A case's caseworker and its tasks' assignees belong to its agency, whichever team holds it.
    assert not copied.exclude(caseworker__isnull=True).exclude(caseworker__agency_id=F("agency_id")).exists()
    tasks = Task.objects.filter(case__in=copied, assignee__isnull=False)
    assert tasks.exists()
    for task in tasks.select_related("case__caseworker", "assignee")[:200]:
        team = task.case.caseworker.username.partition("-")[2] if task.case.caseworker else None
        if team is not None:
            assert task.assignee.username.partition("-")[2] == team
    # The audit trail names the clone that acted, by key and by name (the name is in the chain's hash).
    actors = AuditEvent.objects.filter(actor__username__contains="-")
    assert actors.exists()
    assert not actors.exclude(actor_username=F("actor__username")).exists()


def test_the_copies_summary_rows_are_those_the_insights_would_work_out_from_their_records(loaded, db):
    """The insights' summary rows of the copies are copied from their templates': they are what a
    rebuild from the copies' own records gives, row for row (the debts' own keys apart)."""

    def rows() -> dict[str, list[tuple]]:
        return {
            model.__name__: sorted(
                tuple(sorted((k, v) for k, v in row.items() if k != "id")) for row in model._default_manager.values()
            )
            for model in facts.FACTS
        }

    copied = rows()
    top = max(loaded.templates.cases)
    assert CaseFacts.objects.filter(pk__gt=top).count() > CaseFacts.objects.filter(pk__lte=top).count() > 0
    assert OutcomeFacts.objects.filter(case__gt=top).exists()

    facts.rebuild_all()

    assert rows() == copied


def _catalogue(tables: list[str]) -> list[tuple[str, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'index', indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) "
            "UNION ALL SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) OR confrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [tables, tables, tables],
        )
        return cursor.fetchall()


@pytest.mark.parametrize("unchecked", [True, False], ids=["triggers off", "foreign keys dropped"])
def test_the_indexes_and_constraints_dropped_for_the_load_are_made_again_as_they_were(db, unchecked):
    if connection.vendor != "postgresql":
        pytest.skip("the indexes are kept up during the load on SQLite")
    written = [Case, Returnee, Task, Referral, NameWordIndex, PhoneIndex, AuditEvent]
    tables = [m._meta.db_table for m in written]
    before = _catalogue(tables)
    foreign_keys = [row for row in before if row[0] == "constraint" and "FOREIGN KEY" in row[2]]
    assert len(foreign_keys) > 10

    with bulk._indexes_after(written, unchecked=unchecked):
        during = _catalogue(tables)
        # Only the primary keys (their indexes and constraints), the checks of a row's own values and,
        # with the triggers off, the foreign keys stay while the copies are written.
        kept = ("PRIMARY KEY", "CHECK", "FOREIGN KEY") if unchecked else ("PRIMARY KEY", "CHECK")
        assert all(definition.startswith(kept) or name.endswith("_pkey") for _kind, name, definition in during)
        assert len(during) < len(before) // 3 + (len(foreign_keys) if unchecked else 0)
        with connection.cursor() as cursor:
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == ("replica" if unchecked else "origin")

    assert _catalogue(tables) == before
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"


def test_every_reference_of_the_load_points_to_a_row(loaded, db):
    """The foreign keys of the tables written are not checked row by row during the load on
    PostgreSQL (`bulk._indexes_after`): every reference is checked here, as the constraint would."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:  # (checked at commit: the fixture's transaction is rolled back)
            cursor.execute("PRAGMA foreign_key_check")
            assert cursor.fetchall() == []
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, a.attname, confrelid::regclass::text, b.attname FROM pg_constraint "
            "JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = conkey[1] "
            "JOIN pg_attribute b ON b.attrelid = confrelid AND b.attnum = confkey[1] "
            "WHERE contype = 'f' AND cardinality(conkey) = 1 AND conrelid = ANY(%s::regclass[])",
            [[t.db_table for t in loaded.templates.tables] + ["accounts_auditevent", "cases_namewordindex"]],
        )
        references = cursor.fetchall()
        assert len(references) > 40
        for table, column, target, key in references:
            cursor.execute(
                f'SELECT count(*) FROM {table} c WHERE c."{column}" IS NOT NULL AND NOT EXISTS '  # noqa: S608
                f'(SELECT 1 FROM {target} t WHERE t."{key}" = c."{column}")'
            )
            assert cursor.fetchone()[0] == 0, f"{table}.{column}"
