"""The demo at national scale: `reintegra demo --cases 1000000` (docs/benchmarks.md, "A million cases").

Through the services the demo writes about twenty cases a second, too slow for a million. The bulk
path keeps the services as the one source of the demo's stories and distributions:

1. The first `TEMPLATE_CASES` cases (the usual demo's 300) are played through the services, as the
   small demo does (`demo/cases.py` and the rest): every row, timeline line and audit event of
   them is a service's own.
2. The remaining cases are copies of those, one template after the other, written in bulk
   (PostgreSQL COPY; plain INSERTs on SQLite): every row of every table a template's story filled
   (history, return, consent, referrals in every status, tasks, priorities, plans, assessments,
   skills profiles, enrolments, placements, follow-ups…) is written again under new primary keys,
   its references to other rows of the same story pointing to the copies. A copy is another person:
   the identifying fields (names, phones, documents, address) are drawn anew with the demo's own
   `people.person_draw`, the blind indexes (name, name and year, name and birth date, name words,
   phones) computed by the cases service's own functions, a new case code drawn. Every encrypted
   value is encrypted again (a fresh token), and each template's audit events are written again,
   in order, for the copy's objects, continuing the hash chain (`reintegra audit verify` holds).
   The audit events carry the moment they were written, as the service demo's do (decisions/0019).

So the shares (stages, referral statuses and response times, plans, enrolments, closures…) are the
service demo's, repeated. The demo's eleven staff cannot hold a million cases (a caseworker's today
page would list tens of thousands of tasks): above `CASES_PER_TEAM` cases the staff are cloned into
teams (`teams_make`: the same agencies and roles, through the accounts service, `malee-2`, …), and
each cycle of copies is worked by one team: every reference to a staff member in its rows (the
caseworker, a task's assignee, a timeline line's or an audit event's actor, who approved a plan…)
points to that team's clone. Copies are written in chunks, one thread building the next while the
last is written, each chunk with the chain's head. On PostgreSQL all the copies are one transaction,
with the tables' indexes and constraints dropped for it and made again at its end (`_indexes_after`):
an interrupted load leaves the templates alone and a valid chain. Elsewhere each chunk is its own
transaction. The insights' summary rows are copied with the rest.
"""

import datetime
import gc
import hashlib
import json
import multiprocessing
import random
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from reintegra.accounts.audit import GENESIS_HASH, canonical_json
from reintegra.accounts.models import AuditChainHead, AuditEvent, User
from reintegra.accounts.services import user_create
from reintegra.cases.choices import Gender
from reintegra.cases.models import CODE_ALPHABET, Case, NameWordIndex, PhoneIndex, Returnee
from reintegra.cases.services import name_word_keys, phone_keys, returnee_index
from reintegra.demo.cases import CASE_COUNT
from reintegra.demo.drawing import SEED, Demo, Writer
from reintegra.demo.network import USERS
from reintegra.demo.people import Home, homes, person_draw
from reintegra.lib import crypto, pgcopy
from reintegra.lib.fields import ENCRYPTED_FIELDS
from reintegra.network.models import Agency
from reintegra.notifications.models import EmailFrequency
from reintegra.notifications.services import frequency_set_many

# Above this many cases `reintegra demo` takes the bulk path (or with --bulk at any count).
BULK_FROM = 5000
# How many cases are played through the services and copied: the usual demo.
TEMPLATE_CASES = CASE_COUNT
# The apps whose rows tell a case's story; their rows made by the templates are copied. The insights'
# summary rows too: a copy's are its template's (the same story, dimensions and dates), so they are
# copied rather than worked out again (tests/test_demo_bulk.py compares them with a rebuild).
STORY_APPS = ("cases", "referrals", "livelihoods", "plans", "insights")
# Written for each copy from its new person, not copied.
PERSON_INDEXES = (NameWordIndex, PhoneIndex)
# The returnee's fields drawn anew for each copy (when the template has a value).
IDENTIFYING = ("given_name", "family_name", "other_names", "phones", "identity_documents", "address")
CHUNK_CASES = 2000
# How many processes build chunks of copies while this one writes them and hashes their audit events
# onto the chain (docs/benchmarks.md, "A million cases").
PROCESSES = 2
# About this many cases per team of the demo's staff (each of its caseworkers then holds a few hundred).
CASES_PER_TEAM = 1500
DRAWS = 40  # at most, for the fields a copy needs
# The audit events' columns as the copies write them (all but the key).
# (The chain's two last: a chunk's events are built in another process without them, and ended by the
# process that hashes them onto the chain: accounts/audit.event_hash.)
CHAIN_COLUMNS = ["prev_hash", "hash"]
EVENT_COLUMNS = [
    f.column for f in AuditEvent._meta.concrete_fields if not f.primary_key and f.column not in CHAIN_COLUMNS
] + CHAIN_COLUMNS
# The name words' and the phones' blind indexes: their keys are the table's own (its identity).
INDEX_COLUMNS = ["returnee_id", "key"]


def _story_models() -> list[type[models.Model]]:
    """The tables of the story apps (with their many-to-many tables), the referenced before the referring."""
    found = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.app_label in STORY_APPS and m not in PERSON_INDEXES
    ]
    ordered: list[type[models.Model]] = []

    def visit(model: type[models.Model], path: tuple[type[models.Model], ...]) -> None:
        if model in ordered or model in path:
            return
        for f in model._meta.concrete_fields:
            target = f.related_model if f.is_relation else None
            if isinstance(target, type) and target in found and target is not model:
                visit(target, (*path, model))
        ordered.append(model)

    for model in found:
        visit(model, ())
    return ordered


def marks() -> dict[str, int]:
    """The highest primary key of every story table and the audit chain's last number: what exists
    before the templates are played (the rows above are theirs)."""
    out = {m._meta.label_lower: m._default_manager.aggregate(top=Max("pk"))["top"] or 0 for m in _story_models()}
    out["audit"] = AuditEvent.objects.aggregate(top=Max("seq"))["top"] or 0
    return out


@dataclass(eq=False)
class Table:
    """The rows the templates wrote into one table, and how to make a copy's rows of them."""

    model: type[models.Model]
    columns: list[str]
    pk: int  # index of the primary key among the columns
    fks: list[tuple[int, str]]  # (column index, label of a story table it points to)
    encrypted: list[int]
    staff: list[int] = field(default_factory=list)  # indexes of the columns that point to a user
    rows: list[list[Any]] = field(default_factory=list)
    # Per row, what is written for it, a copy's with some fields in place: on PostgreSQL its fields as
    # binary COPY read them (lib/pgcopy.py), elsewhere its values.
    out: list[list[Any]] = field(default_factory=list)
    encode: list[Callable[[Any], Any]] = field(default_factory=list)  # per column: a value as `out` holds it
    plain: list[dict[int, str]] = field(default_factory=list)  # per row, the plaintext of its encrypted values
    by_case: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))  # template case pk: row indexes
    stride: int = 0  # copy k of a row has primary key: the template's + k × stride

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def db_table(self) -> str:
        return self.model._meta.db_table


def _table(model: type[models.Model]) -> Table:
    fields = model._meta.concrete_fields
    labels = {m._meta.label_lower for m in _story_models()}
    fks, encrypted, staff = [], [], []
    for n, f in enumerate(fields):
        target = f.related_model if f.is_relation else None
        if isinstance(target, type) and target._meta.label_lower in labels:
            fks.append((n, target._meta.label_lower))
        if target is User:
            staff.append(n)
        if isinstance(f, ENCRYPTED_FIELDS):
            encrypted.append(n)
    pk = next(n for n, f in enumerate(fields) if f.primary_key)
    return Table(model=model, columns=[f.column for f in fields], pk=pk, fks=fks, encrypted=encrypted, staff=staff)


def _above(table: str, columns: Sequence[str], key: str, mark: int) -> str:
    """The query of the rows whose key lies above the mark, in its order (names from the models, an
    integer mark)."""
    quote = connection.ops.quote_name
    listed = ", ".join(quote(c) for c in columns)
    return f"SELECT {listed} FROM {quote(table)} WHERE {quote(key)} > {int(mark)} ORDER BY {quote(key)}"  # noqa: S608


def _select(table: str, columns: Sequence[str], key: str, mark: int) -> tuple[list[list[Any]], list[list[Any]]]:
    """The rows above the mark: their values, and what a copy of each writes (`Table.out`)."""
    sql = _above(table, columns, key, mark)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = [list(r) for r in cursor.fetchall()]
    out = pgcopy.rows_read(sql) if connection.vendor == "postgresql" else rows
    if len(out) != len(rows):
        raise RuntimeError(f"{table}: rows written between two reads of the templates")
    return rows, out


def _same(value: Any) -> Any:
    return value


def _encoders(table: str, columns: Sequence[str]) -> list[Callable[[Any], Any]]:
    """How a value a copy changes is written in each column: on PostgreSQL in binary COPY's encoding,
    elsewhere as it is."""
    if connection.vendor != "postgresql":
        return [_same] * len(columns)

    def unknown(column: str) -> Callable[[Any], Any]:
        def encode(value: Any) -> Any:
            raise TypeError(f"{table}.{column}: a copy cannot change a value of this column's type")

        return encode

    return [e or unknown(c) for c, e in zip(columns, pgcopy.encoders(table, columns), strict=True)]


@dataclass
class Templates:
    """Everything the templates wrote, grouped by template case."""

    tables: list[Table]
    cases: list[int]  # template case pks, in order
    events: dict[int, list[dict[str, Any]]]  # template case pk: its audit events, in chain order
    marks: dict[str, int]


def _case_of(tables: list[Table]) -> dict[str, dict[int, int]]:
    """Which template case each template row belongs to, through its references: a case is its own,
    a returnee its case's (the case points to it), any other row the case of a row it points to."""
    cases = next(t for t in tables if t.model is Case)
    returnees = next(t for t in tables if t.model is Returnee)
    column = cases.columns.index("returnee_id")
    owner: dict[str, dict[int, int]] = {
        cases.label: {row[cases.pk]: row[cases.pk] for row in cases.rows},
        returnees.label: {row[column]: row[cases.pk] for row in cases.rows},
    }
    for table in tables:
        known = owner.get(table.label)
        own: dict[int, int] = {}
        for n, row in enumerate(table.rows):
            case = known.get(row[table.pk]) if known is not None else None
            for index, target in table.fks:
                if case is None and row[index] is not None:
                    case = owner.get(target, {}).get(row[index])
            if case is not None:
                own[row[table.pk]] = case
                table.by_case[case].append(n)
        owner[table.label] = own
    return owner


def templates_read(mark: dict[str, int]) -> Templates:
    tables = []
    for model in _story_models():
        table = _table(model)
        table.rows, table.out = _select(table.db_table, table.columns, table.columns[table.pk], mark[table.label])
        table.encode = _encoders(table.db_table, table.columns)
        table.plain = [{i: crypto.decrypt(row[i]) for i in table.encrypted if row[i]} for row in table.rows]
        top = max((row[table.pk] for row in table.rows), default=mark[table.label])
        # A key that is a reference (a summary row's case or follow-up) moves with what it refers to.
        table.stride = 0 if any(index == table.pk for index, _target in table.fks) else top - mark[table.label]
        tables.append(table)
    # Which case each row tells about: follow the references, the referenced tables first; the
    # returnee is the one the case points to.
    owners = _case_of(tables)
    cases = sorted(next(t for t in tables if t.model is Case).by_case)
    events: dict[int, list[dict[str, Any]]] = defaultdict(list)
    labels = {t.label for t in tables}
    rows, out = _select(AuditEvent._meta.db_table, EVENT_COLUMNS, "seq", mark["audit"])
    for values, written in zip(rows, out, strict=True):
        event = dict(zip(EVENT_COLUMNS, values, strict=True))
        event["_out"] = written
        for key in ("categories", "details"):  # (written again as they were stored: event["_out"])
            stored = event[key]
            event[key] = json.loads(stored) if isinstance(stored, str) else stored
        kind, pk = event["object_type"], event["object_id"]
        case = owners.get(kind, {}).get(int(pk)) if kind in labels and pk.isdigit() else None
        if case is not None:
            events[case].append(event)
    return Templates(tables=tables, cases=cases, events=events, marks=mark)


@dataclass(frozen=True)
class Person:
    """A template returnee's plaintext: what a copy keeps and which identifying fields it has."""

    country: str
    agency: str
    values: dict[str, Any]


def teams_count(copies: int, per_team: int = CASES_PER_TEAM) -> int:
    """How many teams of staff work `copies` copied cases (the demo's own staff are the first)."""
    return max(1, -(-copies // max(1, per_team)))


def teams_make(count: int, *, password: str | None = None) -> list[dict[int, int]]:
    """The demo's staff and `count` − 1 clones of them: for each team, the staff's pk → the clone's pk
    (the first team, the demo's own staff, maps nobody). Clones are made through the accounts
    service, with the demo's password when one is given (hashed once: the service would hash the same
    password for each, at Argon2's cost, minutes for thousands of accounts)."""
    staff = list(User.objects.filter(username__in=[u.username for u in USERS]).select_related("agency"))
    hashed = make_password(password) if password else None
    names = [f"{user.username}-{team}" for team in range(2, count + 1) for user in staff]
    made = dict(User.objects.filter(username__in=names).values_list("username", "pk"))  # by an earlier load
    teams: list[dict[int, int]] = [{}]
    for team in range(2, count + 1):
        clones: dict[int, int] = {}
        for user in staff:
            username = f"{user.username}-{team}"
            clones[user.pk] = made.get(username) or (
                user_create(
                    actor=None,
                    username=username,
                    agency=user.agency,
                    role=user.role,
                    first_name=user.first_name,
                    last_name=f"{user.last_name} {team}",
                    email=f"{username}@demo.reintegra.invalid",
                ).pk
            )
        teams.append(clones)
    clones_all = [pk for team in teams for pk in team.values()]
    frequency_set_many(users=clones_all, frequency=EmailFrequency.NEVER)  # as the demo's own staff
    if hashed:
        User.objects.filter(pk__in=clones_all).update(password=hashed)
    return teams


class Copier:
    """Makes and writes the copies, chunk after chunk."""

    def __init__(self, *, templates: Templates, seed: int, teams: list[dict[int, int]] | None = None) -> None:
        self.t = templates
        self.teams = teams or [{}]
        members = {pk for team in self.teams for pk in (*team, *team.values())}
        self.usernames = dict(User.objects.filter(pk__in=members).values_list("pk", "username"))
        self.seed = seed
        self.rng = random.Random(seed)  # reproducible, not security: the cases' codes
        self.cases = next(t for t in templates.tables if t.model is Case)
        self.returnees = next(t for t in templates.tables if t.model is Returnee)
        self.people = self._people()
        self.codes: set[str] = set(Case.objects.values_list("code", flat=True))
        self.demo = Demo(users={}, agencies={})  # (its random source is each chunk's: `chunk`)
        self.serial = Returnee.objects.count() + 10  # copy n's phone and papers are numbered serial + n + 1
        head = AuditChainHead.objects.filter(pk=1).first()
        self.seq, self.last_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
        # How many audit events the copies of each template write, for where a chunk's start in the chain.
        self.event_counts = [len(templates.events.get(case, ())) for case in templates.cases]
        self.labels = {t.label: t for t in templates.tables}
        self.encrypt_many: Callable[[Sequence[str]], list[str]] = getattr(
            crypto, "encrypt_many", lambda texts: [crypto.encrypt(t) for t in texts]
        )
        self.event_templates = {
            case: [_Event.of(event, self.labels, templates.marks) for event in events]
            for case, events in templates.events.items()
        }
        self.actor_json: dict[int, str] = {}
        self.adapt_moment = connection.ops.adapt_datetimefield_value  # (no query: usable from any thread)
        self.event_encode = _encoders(AuditEvent._meta.db_table, EVENT_COLUMNS)
        self.index_encode = _encoders(NameWordIndex._meta.db_table, INDEX_COLUMNS)
        # Per template row, what its copy k changes: each key that moves (the row's own, and each
        # reference to a row of the story) as (column, the template's value, its step per copy,
        # encoding); each reference to a member of staff as (column, who, encoding).
        self.moves: dict[Table, list[list[tuple[int, int, int, Callable[[Any], Any]]]]] = {}
        self.members: dict[Table, list[list[tuple[int, int, Callable[[Any], Any]]]]] = {}
        for table in templates.tables:
            self.moves[table], self.members[table] = [], []
            for values in table.rows:
                moves = [(table.pk, values[table.pk], table.stride, table.encode[table.pk])] if table.stride else []
                for index, target in table.fks:
                    value = values[index]
                    if value is not None and value > templates.marks[target]:
                        moves.append((index, value, self.labels[target].stride, table.encode[index]))
                self.moves[table].append(moves)
                self.members[table].append(
                    [(index, values[index], table.encode[index]) for index in table.staff if values[index] is not None]
                )

    def _people(self) -> dict[int, Person]:
        """The template returnees' plaintext, by the pk of their case."""
        slugs = dict(Agency.objects.values_list("pk", "slug"))
        countries = dict(Agency.objects.values_list("pk", "country"))
        fields = {f.column: n for n, f in enumerate(Returnee._meta.concrete_fields)}
        agency_column = self.cases.columns.index("agency_id")
        people = {}
        for case_pk in self.t.cases:
            case_row = self.cases.rows[self.cases.by_case[case_pk][0]]
            n = self.returnees.by_case[case_pk][0]
            row, plain = self.returnees.rows[n], self.returnees.plain[n]
            values = {name: plain.get(fields[name], row[fields[name]]) for name in fields}
            agency = case_row[agency_column]
            people[case_pk] = Person(country=countries[agency], agency=slugs[agency], values=values)
        return people

    def codes_draw(self, first: int, last: int) -> dict[int, dict[str, str]]:
        """Copy n's case code, for copies `first` to `last` - 1: the template's code → the copy's, drawn
        in turn by one process so that no two are the same."""
        size, column = len(self.t.cases), self.cases.columns.index("code")
        codes = {}
        for n in range(first, last):
            template = self.cases.rows[self.cases.by_case[self.t.cases[n % size]][0]][column]
            while True:
                body = "".join(self.rng.choices(CODE_ALPHABET, k=8))
                code = f"{template[:2]}-{body[:4]}-{body[4:]}"
                if code not in self.codes:
                    self.codes.add(code)
                    codes[n] = {template: code}
                    break
        return codes

    def events_before(self, first: int) -> int:
        """How many audit events the copies before copy `first` write."""
        size = len(self.t.cases)
        cycles, rest = divmod(first, size)
        return cycles * sum(self.event_counts) + sum(self.event_counts[:rest])

    def _person(self, person: Person) -> dict[str, Any]:
        """A new person in the template's place: the same profile, other names, phone, papers."""
        values = person.values
        birth_text = values["birth_date"]
        birth = datetime.date.fromisoformat(birth_text) if birth_text else None
        options = homes().get(person.agency) or next(iter(homes().values()))
        home: Home = next((h for h in options if h.province == values["home_area"]), options[0])
        age = values["age_at_intake"] or 30
        gender = Gender(values["gender"]) if values["gender"] in Gender.values else Gender.FEMININE
        wanted = [name for name in IDENTIFYING if values[name] not in (None, "", "[]")]
        new: dict[str, Any] = {name: [] if name in ("phones", "identity_documents") else "" for name in IDENTIFYING}
        # The person's names come from the first draw; a field the template has and the draw left
        # out (a draw gives a nickname one time in five) comes from the next draws.
        for _attempt in range(DRAWS):
            drawn = person_draw(
                demo=self.demo,
                country=person.country if person.country in ("TH", "PH") else "TH",
                gender=gender,
                home=home,
                age=age,
                birth=birth or datetime.date(2000, 1, 1),
                minor=age < 18,
                scenario="",
            )
            for name in wanted:
                if not new[name] and drawn.get(name):
                    new[name] = drawn[name]
            if all(new[name] for name in wanted):
                break
        returnee = Returnee(
            given_name=new["given_name"],
            family_name=new["family_name"],
            other_names=new["other_names"],
            birth_date=birth,
            phones=new["phones"] if isinstance(new["phones"], list) else json.loads(new["phones"]),
        )
        returnee_index(returnee)
        new["name_index"], new["name_year_index"], new["name_birth_index"] = (
            returnee.name_index,
            returnee.name_year_index,
            returnee.name_birth_index,
        )
        new["_words"], new["_phones"] = name_word_keys(returnee), phone_keys(returnee)
        for name in ("phones", "identity_documents"):
            if not isinstance(new[name], str):
                new[name] = json.dumps(new[name], ensure_ascii=False, default=str)
        return new

    def chunk(self, first: int, last: int, codes: dict[int, dict[str, str]]) -> "Chunk":
        """The rows of copies number `first` to `last` - 1 (copy n is of template n mod the templates),
        with their codes (`codes_draw`), and their audit events but for the chain's columns (`Chunk`).
        It reads nothing from the database and depends on no chunk before it (its people are drawn
        from a source seeded by the seed and the chunk's first copy): copies_write builds chunks in
        other processes while it writes. The same seed gives the same copies, in any number of them."""
        size = len(self.t.cases)
        out: dict[Table, list[list[Any]]] = {t: [] for t in self.t.tables}
        texts: list[str] = []
        holes: list[tuple[list[Any], int, Callable[[Any], Any]]] = []
        persons: dict[int, dict[str, Any]] = {}
        index_rows: dict[str, list[list[Any]]] = {"words": [], "phones": []}
        code_column = self.cases.columns.index("code")
        key, word_key = self.index_encode[0], self.index_encode[1]  # (the phones' index has the same columns)
        self.demo.rng = random.Random(self.seed * 2**32 + first)  # reproducible, not security
        for n in range(first, last):
            self.demo.phone_serial = self.serial + n
            persons[n] = self._person(self.people[self.t.cases[n % size]])
        for table in self.t.tables:
            rows, moves, members = out[table], self.moves[table], self.members[table]
            for n in range(first, last):
                k, case = divmod(n, size)
                k += 1
                case_pk = self.t.cases[case]
                team = self.teams[(k - 1) % len(self.teams)]
                for i in table.by_case.get(case_pk, ()):
                    # The template's row as written, with the copy's values in place (each encoded for the
                    # database: table.encode); what they are comes from the template's values.
                    values, row, encode = table.rows[i], list(table.out[i]), table.encode
                    for index, value, stride, as_written in moves[i]:
                        row[index] = as_written(value + k * stride)
                    if team:
                        for index, member, as_written in members[i]:
                            if member in team:
                                row[index] = as_written(team[member])
                    plain = table.plain[i]
                    if table is self.cases:
                        row[code_column] = encode[code_column](codes[n][values[code_column]])
                    if table is self.returnees:
                        person = persons[n]
                        plain = dict(plain)
                        for name, value in person.items():
                            if name.startswith("_"):
                                continue
                            column = table.columns.index(name)
                            if column in table.encrypted:
                                plain.pop(column, None)
                                if value:
                                    plain[column] = value  # its token is written below
                                    continue
                            row[column] = encode[column](value)
                        pk = values[table.pk] + k * table.stride
                        for word in person["_words"]:
                            index_rows["words"].append([key(pk), word_key(word)])
                        for phone in person["_phones"]:
                            index_rows["phones"].append([key(pk), word_key(phone)])
                    for column, text in plain.items():
                        holes.append((row, column, encode[column]))
                        texts.append(text)
                    rows.append(row)
        for (row, column, as_written), token in zip(holes, self.encrypt_many(texts), strict=True):
            row[column] = as_written(token)
        events, ends = self._events(first, last, codes)
        return Chunk(out, events, ends, index_rows)

    def _events(self, first: int, last: int, codes: dict[int, dict[str, str]]) -> tuple[list[list[Any]], list[str]]:
        """The copies' audit events, in the chain's order, each without the chain's two columns, and
        the canonical JSON of each but its end, the hash of the event before (`chained` hashes them
        onto the chain). An event's hash is of the canonical JSON of its fields (accounts/audit.event_hash),
        a list: it is joined here from each field's JSON, those a copy keeps written once per template
        event (`_Event`)."""
        size = len(self.t.cases)
        at = timezone.now()
        encode = self.event_encode
        stored_at = encode[_Event.AT](self.adapt_moment(at))
        at_json = canonical_json(at.astimezone(datetime.UTC).isoformat())
        enrolments = self.labels["livelihoods.enrolment"]
        enrolment_mark = self.t.marks[enrolments.label]
        names = self.actor_json
        # (Names bound here: this loop runs for every event of a million cases, 35 million times.)
        seq = self.seq + self.events_before(first)
        SEQ, AT = _Event.SEQ, _Event.AT  # noqa: N806
        seq_written = encode[SEQ]
        rows, ends = [], []
        for n in range(first, last):
            k, case = divmod(n, size)
            k += 1
            team = self.teams[(k - 1) % len(self.teams)]
            for template in self.event_templates[self.t.cases[case]]:
                row = template.row[: _Event.PREV]  # (a copy)
                actor = template.actor_json
                if team and template.actor in team:
                    member = team[template.actor]
                    row[_Event.ACTOR] = encode[_Event.ACTOR](member)
                    row[_Event.USERNAME] = encode[_Event.USERNAME](self.usernames[member])
                    actor = names.get(member) or names.setdefault(member, canonical_json(self.usernames[member]))
                object_json = template.object_json
                if template.stride:
                    object_id = str(template.object_id + k * template.stride)
                    row[_Event.OBJECT] = encode[_Event.OBJECT](object_id)
                    object_json = f'"{object_id}"'  # digits: their JSON is themselves in quotes
                details_json = template.details_json
                if (details := template.details) is not None:
                    new = {}
                    for key in ("case", "code"):
                        value = details.values.get(key)
                        if isinstance(value, str) and value in codes[n]:
                            new[key] = f'"{codes[n][value]}"'  # a drawn code: letters, digits and "-"
                    number = details.values.get("enrolment")
                    if isinstance(number, int) and number > enrolment_mark:
                        new["enrolment"] = str(number + k * enrolments.stride)
                    stored, details_json = details.written(new)
                    row[_Event.DETAILS] = encode[_Event.DETAILS](stored)
                seq += 1
                ends.append(
                    f"[{seq},{at_json},{actor},{template.middle_json},{object_json},{template.tail_json},{details_json},"
                )
                row[SEQ], row[AT] = seq_written(seq), stored_at
                rows.append(row)
        return rows, ends

    def chained(self, heads: Sequence[Any], ends: Sequence[str]) -> list[Any]:
        """A chunk's events hashed onto the chain's end, in turn (`Chunk.events`): each row with the hash
        of the event before and its own. The chain's head moves to the last."""
        prev_written, hash_written = self.event_encode[_Event.PREV], self.event_encode[_Event.HASH]
        last_hash, sha256 = self.last_hash, hashlib.sha256
        last_stored = prev_written(last_hash)
        rows = []
        for head, end in zip(heads, ends, strict=True):
            last_hash = sha256(f'{end}"{last_hash}"]'.encode()).hexdigest()
            stored = hash_written(last_hash)
            # A row as its fields (a list) or, built in another process, as their bytes joined.
            rows.append(head + last_stored + stored if isinstance(head, bytes) else [*head, last_stored, stored])
            last_stored = stored
        self.seq += len(rows)
        self.last_hash = last_hash
        return rows


@dataclass
class Chunk:
    """A chunk of copies' rows: per table, and the blind indexes' ("words", "phones"); its audit events
    without the chain's two columns (`heads`), and what `Copier.chained` needs to hash each onto the
    chain (`ends`). Built in another process, each table's rows are the bytes of binary COPY, the
    events' each joined (`packed`)."""

    tables: dict[Any, Any]  # Table: its rows; packed, its index among the templates' tables: its rows
    events: list[Any]
    ends: list[str]
    indexes: dict[str, Any]

    def packed(self, tables: list[Table]) -> "Chunk":
        """The chunk as the writer takes it (and as it is sent from the process that built it): its
        tables by their index among `tables`, and on PostgreSQL its rows as bytes."""
        if connection.vendor != "postgresql":
            return Chunk(
                {tables.index(t): rows for t, rows in self.tables.items()}, self.events, self.ends, self.indexes
            )
        return Chunk(
            tables={tables.index(table): pgcopy.rows_pack(rows) for table, rows in self.tables.items()},
            events=[b"".join(row) for row in self.events],
            ends=self.ends,
            indexes={name: pgcopy.rows_pack(rows) for name, rows in self.indexes.items()},
        )


@dataclass
class _Event:
    """A template's audit event as its copies write it: the row with what every copy keeps, and the
    JSON (accounts/audit.canonical_json) of the fields its hash is taken of that every copy keeps."""

    SEQ, AT, ACTOR, USERNAME, OBJECT, DETAILS, PREV, HASH = (
        EVENT_COLUMNS.index(name)
        for name in ("seq", "at", "actor_id", "actor_username", "object_id", "details", "prev_hash", "hash")
    )
    assert (PREV, HASH) == (len(EVENT_COLUMNS) - 2, len(EVENT_COLUMNS) - 1)  # noqa: S101 (Copier.chained)

    row: list[Any]
    actor: int | None
    actor_json: str
    middle_json: str  # action, object type
    object_id: int  # when copies point to their own object (stride > 0)
    object_json: str
    stride: int
    tail_json: str  # categories, IP address
    details_json: str
    details: "_Details | None"  # when they name the case, its code or an enrolment: each copy its own

    @classmethod
    def of(cls, event: dict[str, Any], tables: dict[str, Table], marks: dict[str, int]) -> "_Event":
        row = event["_out"]  # as it was written (its stored JSON kept)
        kind, object_id = event["object_type"], event["object_id"]
        table = tables.get(kind)
        own = table is not None and object_id.isdigit() and int(object_id) > marks[kind]
        details = event["details"]
        return cls(
            row=row,
            actor=event["actor_id"],
            actor_json=canonical_json(event["actor_username"]),
            middle_json=f"{canonical_json(event['action'])},{canonical_json(kind)}",
            object_id=int(object_id) if own else 0,
            object_json=canonical_json(object_id),
            stride=table.stride if own and table is not None else 0,
            tail_json=f"{canonical_json(event['categories'])},{canonical_json(event['ip_address'])}",
            details_json=canonical_json(details),
            details=_Details.of(details) if isinstance(details, dict) else None,
        )


@dataclass
class _Details:
    """An event's details that name the case, its code or an enrolment, which each copy writes its own:
    their JSON as stored and as hashed (accounts/audit.canonical_json), in pieces around those values
    (text, name, text, name, …, text), each copy's joined with its values' JSON in place."""

    NAMED = ("case", "code", "enrolment")
    PLACE = re.compile(rf'"\\u0000({"|".join(NAMED)})\\u0000"')  # where JSON writes a marker below

    values: dict[str, Any]  # the template's
    stored: list[str]
    canonical: list[str]
    kept: dict[str, tuple[str, str]]  # each value's JSON as stored and as hashed, for a copy that keeps it

    @classmethod
    def of(cls, details: dict[str, Any]) -> "_Details | None":
        names = [name for name in cls.NAMED if name in details]
        if not names:
            return None
        marked = {**details, **{name: f"\x00{name}\x00" for name in names}}
        stored, canonical = cls.PLACE.split(json.dumps(marked)), cls.PLACE.split(canonical_json(marked))
        if len(stored) != 2 * len(names) + 1 or len(canonical) != len(stored):
            raise ValueError(f"audit details not copied: {details!r}")
        return cls(
            values={name: details[name] for name in names},
            stored=stored,
            canonical=canonical,
            kept={name: (json.dumps(details[name]), canonical_json(details[name])) for name in names},
        )

    def written(self, new: dict[str, str]) -> tuple[str, str]:
        """The JSON stored and hashed, with `new` (a name: its value's JSON) in place of the template's."""
        stored, canonical = self.stored.copy(), self.canonical.copy()
        for n in range(1, len(stored), 2):
            name = stored[n]
            stored[n] = new[name] if name in new else self.kept[name][0]
            name = canonical[n]
            canonical[n] = new[name] if name in new else self.kept[name][1]
        return "".join(stored), "".join(canonical)


def _write(table: str, columns: Sequence[str], rows: Any) -> None:
    """Writes rows as `Chunk.packed` holds them: on PostgreSQL packed for COPY, or each its fields'
    bytes joined (the audit events, `Copier.chained`); elsewhere each a list of its fields."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        pgcopy.packed_write(table, columns, rows if isinstance(rows, bytes) else pgcopy.joined_pack(rows, len(columns)))
        return
    quote = connection.ops.quote_name
    listed = ", ".join(quote(c) for c in columns)
    marks_ = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {quote(table)} ({listed}) VALUES ({marks_})", rows)  # noqa: S608


@dataclass
class Progress:
    """A progress bar, redrawn in place on a terminal; elsewhere (a log, a test) a line every tenth."""

    stdout: Any  # a management command's OutputWrapper, or any stream with `write`
    total: int
    started: float = field(default_factory=time.monotonic)
    shown: int = -1

    def show(self, done: int) -> None:
        share = done / self.total if self.total else 1.0
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed else 0.0
        left = (self.total - done) / rate if rate else 0.0
        bar = "#" * int(share * 30)
        line = f"[{bar:<30}] {done:>9}/{self.total} cases, {rate:,.0f}/s, {left / 60:.1f} min left"
        isatty = getattr(self.stdout, "isatty", None)
        if callable(isatty) and isatty():
            self.stdout.write("\r" + line, ending="\n" if done >= self.total else "")
            self.stdout.flush()
        elif int(share * 10) > self.shown:
            self.shown = int(share * 10)
            self.stdout.write(line)


def copies_write(
    *,
    templates: Templates,
    count: int,
    stdout: Writer | None = None,
    seed: int = SEED + 15,
    teams: list[dict[int, int]] | None = None,
    processes: int = PROCESSES,
) -> int:
    """Writes `count` copies of the templates, each cycle of them worked by the next of `teams`, their
    chunks built by `processes` other processes (none: by this one, in turn). Returns how many were
    written. On PostgreSQL the whole load is one transaction, its tables' indexes and constraints made
    again at its end (`_indexes_after`); elsewhere each chunk is one."""
    if count <= 0 or not templates.cases:
        return 0
    copier = Copier(templates=templates, seed=seed, teams=teams)
    progress = Progress(stdout, count) if stdout is not None else None
    written = [t.model for t in templates.tables] + [NameWordIndex, PhoneIndex, AuditEvent]
    whole = connection.vendor == "postgresql"
    bounds = [(first, min(count, first + CHUNK_CASES)) for first in range(0, count, CHUNK_CASES)]
    # A chunk's rows are hundreds of thousands of lists alive at once, without cycles: the cyclic
    # garbage collector would scan them again and again for nothing.
    with (
        _collector_paused(),
        _built(copier, bounds, processes) as chunks,
        transaction.atomic() if whole else nullcontext(),
        _indexes_after(written, stdout=stdout),
    ):
        for (_first, last), chunk in zip(bounds, chunks, strict=True):
            with transaction.atomic():
                for index, rows in chunk.tables.items():
                    _write(templates.tables[index].db_table, templates.tables[index].columns, rows)
                _write(NameWordIndex._meta.db_table, INDEX_COLUMNS, chunk.indexes["words"])
                _write(PhoneIndex._meta.db_table, INDEX_COLUMNS, chunk.indexes["phones"])
                _write(AuditEvent._meta.db_table, EVENT_COLUMNS, copier.chained(chunk.events, chunk.ends))
                AuditChainHead.objects.update_or_create(
                    pk=1, defaults={"last_seq": copier.seq, "last_hash": copier.last_hash}
                )
            if progress is not None:
                progress.show(last)
    _sequences_reset(written)
    if whole:
        # The planner's statistics of tables grown a thousandfold, before the first page reads them
        # (autovacuum gets there in its own time; at a million cases, about 40 s).
        with connection.cursor() as cursor:
            for model in written:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return count


# The copier the processes that build chunks were forked with (`_built`).
_building: Copier | None = None


def _chunk_built(first: int, last: int, codes: dict[int, dict[str, str]]) -> Chunk:
    """In a building process: a chunk, packed for the writer."""
    if _building is None:
        raise RuntimeError("no copier in this process")
    return _building.chunk(first, last, codes).packed(_building.t.tables)


def _no_queries(*_args: Any) -> Any:
    raise RuntimeError("a chunk of copies is built without the database")


def _builder_start() -> None:
    # The database connection this process was forked with is the writer's, within its transaction:
    # never used here, and never closed (its socket is the writer's).
    connection.execute_wrappers.append(_no_queries)


@contextmanager
def _built(copier: Copier, bounds: list[tuple[int, int]], processes: int) -> Iterator[Iterator[Chunk]]:
    """The chunks, in order, packed (`Chunk.packed`). With processes, a few chunks ahead of the writer
    are built at once, each in one of them (forked: each has the templates and the copier as they are
    now); the codes are drawn here, in turn, so that no two copies share one. Else each is built here
    when it is wanted."""
    global _building  # noqa: PLW0603 (what the forked processes inherit)

    def here() -> Iterator[Chunk]:
        for first, last in bounds:
            yield copier.chunk(first, last, copier.codes_draw(first, last)).packed(copier.t.tables)

    if processes <= 0 or len(bounds) < 2:
        yield here()
        return
    _building = copier
    try:
        with multiprocessing.get_context("fork").Pool(processes, initializer=_builder_start) as pool:

            def there() -> Iterator[Chunk]:
                ahead: deque[AsyncResult[Chunk]] = deque()
                for first, last in bounds:
                    ahead.append(pool.apply_async(_chunk_built, (first, last, copier.codes_draw(first, last))))
                    if len(ahead) > processes:
                        yield ahead.popleft().get()
                while ahead:
                    yield ahead.popleft().get()

            yield there()
    finally:
        _building = None


@contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _indexes_after(
    models_: list[type[models.Model]], *, stdout: Writer | None = None, unchecked: bool | None = None
) -> Iterator[None]:
    """On PostgreSQL, the indexes of these tables (their primary keys apart) and their unique
    constraints are dropped for the load and made again after it, within the load's transaction: an
    index built once over all the rows costs a fraction of keeping it up row by row. What is made again
    is what the catalogue said before (pg_get_indexdef, pg_get_constraintdef), so it is the migrations'
    own. Elsewhere nothing changes.

    The foreign keys from and to these tables stay, and are not checked row by row: the session's
    triggers are off for the load (`session_replication_role = replica`, as `pg_restore
    --disable-triggers` does), which the role may set when it is a superuser or was granted it
    (docs/deployment.md). A foreign key checked again after the load scans its whole table, a core for
    about two minutes of a million cases' load, to confirm what the copies' keys are by construction
    (tests/test_demo_bulk.py checks every reference of a load). A role that may not set it (`unchecked`
    False) drops the foreign keys too and adds them again after, each checked once by a join."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [m._meta.db_table for m in models_]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if unchecked is None:
            granted = "has_parameter_privilege('session_replication_role', 'SET')"  # (PostgreSQL 15)
            if connection.pg_version < 150000:  # type: ignore[attr-defined]
                granted = "false"
            cursor.execute(f"SELECT rolsuper OR {granted} FROM pg_roles WHERE rolname = current_user")  # noqa: S608
            unchecked = bool(cursor.fetchone()[0])
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE (contype = 'f' AND NOT %s AND (conrelid = ANY(%s::regclass[]) OR confrelid = ANY(%s::regclass[]))) "
            "OR (contype = 'u' AND conrelid = ANY(%s::regclass[])) ORDER BY contype",  # f before u
            [unchecked, tables, tables, tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary "
            "AND indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE contype IN ('p', 'u', 'x'))",
            [tables],
        )
        indexes = cursor.fetchall()
        # A table with checks still deferred in this transaction (the templates' rows, within a test's
        # transaction) cannot be altered: they are run now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # The names and definitions come from the catalogue, not from input.
        for table, name, _definition, _kind in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        if unchecked:
            cursor.execute("SET LOCAL session_replication_role = replica")
    yield
    started = time.monotonic()
    if stdout is not None:  # minutes at a million cases, after the progress bar's end
        stdout.write(f"Making the {len(indexes) + len(constraints)} indexes and constraints of the tables again…")
    with connection.cursor() as cursor:
        if unchecked:
            cursor.execute("SET LOCAL session_replication_role = origin")
        # Index builds sort in memory up to this (64 MB by default), then on disk: at a million cases
        # the audit events' indexes sort tens of millions of rows. For this transaction only.
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition, _kind in reversed(constraints):  # u before f
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares its foreign keys
    if stdout is not None:
        stdout.write(f"Indexes and constraints made again in {time.monotonic() - started:.0f} s.")


def _sequences_reset(models_: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models_)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
