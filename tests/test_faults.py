"""Faults (issue 12): the server killed with SIGKILL in the middle of a referral acceptance, a plan
approval and an import, and PostgreSQL restarted under load. Each operation is done fully or not at
all, the outage gives clean errors, the same app process serves again after it, and the audit chain
verifies after all of it.

"In the middle", without hooks in the product:
- On PostgreSQL the test holds, in a transaction of its own, a SHARE lock on a table the operation
  writes late (the timeline, the plan's revisions, the audit log). The server's transaction does its
  first writes and waits for that lock; the test checks it has written (it holds a ROW EXCLUSIVE lock
  on the operation's own table), kills the server with SIGKILL, then lets go of the lock. Nothing of
  the operation may be visible afterwards.
- On SQLite a transaction takes the database's write lock when it starts (IMMEDIATE): the test sends
  the operation and kills the server the moment it sees that lock held (a `BEGIN IMMEDIATE` of its
  own refused), so while the operation's transaction is open. The operation must then be done
  fully or not at all (whether its commit slipped in just before the kill cannot be told apart).
  The import checks its rows first and takes the lock for its writes only, so a kill then falls
  among the writes.
In both, a restarted server then does the operation fully, and `reintegra audit verify` passes.

PostgreSQL restarted under load runs when the suite runs on PostgreSQL, on a cluster of its own
(REQUIRE_FAULTS=1, set by CI, fails instead of skipping when PostgreSQL's binaries are missing).
The tests share one served site: `make test` keeps them on one worker (--dist loadgroup).
"""

import contextlib
import datetime
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from reintegra.api import server_error
from tests.serving import RUN, free_port, load_demo, start_server
from tests.test_smoke import _processes_of

pytestmark = [pytest.mark.xdist_group("faults"), pytest.mark.reaches_database]

PASSWORD = "faults-demo-pw"
CSRF = "faultsfaultsfaultsfaultsfaults32"  # a CSRF secret of Django's length (32), sent as cookie and header
ISCO = Path(__file__).resolve().parent.parent / "reintegra" / "livelihoods" / "data" / "isco08.json"
IMPORT_ROWS = 600

# Run by `reintegra shell -c` against the served database: signed-in sessions made as the sign-in
# and code pages make them (tests/conftest.py, two_factor_sign_in), so a test needs no password.
SIGN_IN = """
import json
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from reintegra.accounts.models import User

def signed_in(user):
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return session.session_key
"""
# An account for each agency that must act (a caseworker where a pending referral was sent, a
# supervisor where a plan waits for approval), and a session for each.
SETUP = (
    SIGN_IN
    + """
from reintegra.accounts.models import Role
from reintegra.accounts.services import user_create
from reintegra.cases.models import Case
from reintegra.plans.models import Plan
from reintegra.referrals.models import Referral

def member(agency, role):
    name = f"fault-{role}-{agency.pk}"
    user = User.objects.filter(username=name).first()
    return user or user_create(actor=None, username=name, agency=agency, role=role, validate=False)

referrals = [
    {"id": r.pk, "session": signed_in(member(r.to_agency, Role.CASEWORKER))}
    for r in Referral.objects.filter(status="pending").select_related("to_agency").order_by("pk")
]
plans = [
    {"id": p.pk, "case": p.case.code, "session": signed_in(member(p.case.agency, Role.SUPERVISOR))}
    for p in Plan.objects.filter(status="submitted").select_related("case__agency").order_by("pk")
]
importer = signed_in(User.objects.get(username="coordinator"))
with_cases = set(Case.objects.values_list("agency_id", flat=True))
caseworkers = {
    u.username: signed_in(u)
    for u in User.objects.filter(role=Role.CASEWORKER, agency_id__in=with_cases).order_by("username")[:4]
}
print(json.dumps({"referrals": referrals, "plans": plans, "importer": importer, "caseworkers": caseworkers}))
"""
)


# --- The database, read by the test directly ------------------------------------------------------


@dataclass
class Database:
    """The served site's database as the test reads it: a SQLite file or a PostgreSQL database."""

    env: dict[str, str]
    url: str | None = None  # PostgreSQL; None for the embedded SQLite file
    path: Path | None = None

    @property
    def postgres(self) -> bool:
        return self.url is not None

    def rows(self, sql: str, *params: Any) -> list[tuple]:
        if self.url is not None:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                return conn.execute(sql, params).fetchall()
        with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as conn:
            return conn.execute(sql.replace("%s", "?"), params).fetchall()

    def value(self, sql: str, *params: Any) -> Any:
        return self.rows(sql, *params)[0][0]

    def moves(self, object_type: str, object_id: object, move: str) -> int:
        """Audit records of one workflow move of one record."""
        rows = self.rows(
            "SELECT details FROM accounts_auditevent WHERE object_type = %s AND object_id = %s AND action = 'update'",
            object_type,
            str(object_id),
        )
        return sum((json.loads(d) if isinstance(d, str) else d).get("move") == move for (d,) in rows)


def audit_verify(env: dict[str, str]) -> None:
    verify = subprocess.run(
        [*RUN, "audit", "verify"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "Audit chain intact" in verify.stdout


@contextlib.contextmanager
def postgres_database(url: str, prefix: str) -> Iterator[str]:
    """A fresh database on the server `url` names, dropped after."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@dataclass
class Site:
    db: Database
    log: Path
    referrals: list[dict[str, Any]]
    plans: list[dict[str, Any]]
    importer: str
    caseworkers: dict[str, str]  # username: session, of caseworkers whose agencies have cases
    server: "Server | None" = None

    def serving(self) -> "Server":
        """The site's server: the one running, or a new one (after a kill). One start serves
        several tests; the module's end stops it."""
        if self.server is None or self.server.process.poll() is not None:
            with self.log.open("ab") as log:
                process, base = start_server(self.db.env, log=log, own_session=True)
            assert process.poll() is None, self.log.read_text()[-3000:]
            self.server = Server(process, base)
        return self.server

    def stop(self) -> None:
        if self.server is not None and self.server.process.poll() is None:
            self.server.process.terminate()
            self.server.process.wait(timeout=20)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """The demo in a database of its own (SQLite, or a fresh database on DATABASE_URL's server),
    with the accounts and sessions of SETUP; served by each test as it needs."""
    var = tmp_path_factory.mktemp("faults")
    env = os.environ | {"REINTEGRA_VAR_DIR": str(var), "REINTEGRA_HTTPS": "0"}
    url = os.environ.get("DATABASE_URL")
    with contextlib.ExitStack() as stack:
        if url:
            env["DATABASE_URL"] = stack.enter_context(postgres_database(url, "reintegra_faults"))
            db = Database(env, url=env["DATABASE_URL"])
        else:
            env.pop("DATABASE_URL", None)
            db = Database(env, path=var / "reintegra.sqlite3")
        load_demo(env, password=PASSWORD, demo_args=("--cases", "20"))
        setup = subprocess.run(
            [*RUN, "shell", "-c", SETUP], env=env, capture_output=True, text=True, timeout=120, check=True
        )
        found = json.loads(setup.stdout.strip().splitlines()[-1])
        assert len(found["referrals"]) >= 3 and len(found["plans"]) >= 3, found
        site = Site(db, var / "serve.log", found["referrals"], found["plans"], found["importer"], found["caseworkers"])
        try:
            yield site
        finally:
            site.stop()


# --- The served site ------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str

    def request(
        self, session: str, path: str, *, body: bytes | None = None, content_type: str = "", timeout: float = 60
    ) -> Answer:
        headers = {"Cookie": f"sessionid={session}; csrftoken={CSRF}", "X-CSRFToken": CSRF}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(f"{self.base}{path}", data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Answer(response.status, response.headers.get_content_type(), response.read())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, exc.headers.get_content_type(), exc.read())

    def kill(self) -> None:
        """SIGKILL to the server and its worker (a process group of their own), as a power cut or
        the kernel's out-of-memory killer would end them: no handler runs, nothing is flushed."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)


@dataclass
class InFlight:
    """A request sent from a thread of its own, answered or cut off."""

    send: Callable[[], Answer]
    answer: Answer | None = None
    error: BaseException | None = None
    thread: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.answer = self.send()
        except BaseException as exc:  # noqa: BLE001 - the connection cut by the kill is the point
            self.error = exc

    def wait(self) -> None:
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "the request was never answered nor cut off"


def wait_for(
    what: str, check: Callable[[], Any], *, timeout: float = 60, every: float = 0.001, seen: Callable[[], Any] = str
) -> Any:
    """Waits until `check` gives something true; `seen` tells what was seen when it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}: {seen()}")


def kill_in_the_middle(
    db: Database, server: Server, send: Callable[[], Answer], *, written: str, late: str, settle: float = 0
) -> tuple[InFlight, bool | None]:
    """Sends an operation and kills the server while its transaction is open. On PostgreSQL the
    transaction has written `written` and waits for a SHARE lock the test holds on `late`; on SQLite
    it holds the database's write lock (`settle` seconds after it took it). Returns the cut-off
    request and whether the kill is known to have landed before the commit (always on PostgreSQL);
    None when, on SQLite, the operation was answered before it could be killed (a try to repeat)."""
    if db.postgres:
        import psycopg

        assert db.url is not None
        with psycopg.connect(db.url) as holder, psycopg.connect(db.url, autocommit=True) as watcher:
            holder.execute(f"LOCK TABLE {late} IN SHARE MODE")
            flight = InFlight(send)
            waiting = f"SELECT pid FROM pg_locks WHERE relation = '{late}'::regclass AND NOT granted"  # noqa: S608
            pid = wait_for(
                f"the operation to wait for {late}",
                lambda: (row := watcher.execute(waiting).fetchone()) and row[0],
                every=0.01,
            )
            wrote = watcher.execute(
                "SELECT count(*) FROM pg_locks WHERE pid = %s AND relation = %s::regclass"
                " AND mode = 'RowExclusiveLock' AND granted",
                (pid, written),
            ).fetchone()
            assert wrote == (1,), f"the operation waits for {late} before writing {written}"
            server.kill()
            holder.rollback()  # the lock goes; the orphaned transaction goes on, never to commit
            wait_for(
                "the killed server's transaction to end",
                lambda: not watcher.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone(),
                every=0.05,
            )
        flight.wait()
        return flight, True
    assert db.path is not None
    with contextlib.closing(sqlite3.connect(db.path, timeout=0, isolation_level=None)) as probe:

        def write_locked() -> bool:
            try:
                probe.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                assert "locked" in str(exc), exc
                return True
            probe.execute("ROLLBACK")
            return False

        flight = InFlight(send)
        wait_for(
            "the operation's transaction",
            lambda: write_locked() or flight.answer or flight.error,
            every=0.0002,
        )
        if flight.error is None and flight.answer is None:
            time.sleep(settle)
    if flight.answer is not None or flight.error is not None:
        flight.wait()
        return flight, None  # done before the lock was seen or before the kill: nothing was killed
    server.kill()
    flight.wait()
    # Whether the commit came just before the kill cannot be told from outside: either is allowed.
    return flight, False


# --- Killed in the middle --------------------------------------------------------------------------


def referral_state(db: Database, referral_id: int) -> tuple:
    status, responded, version, case_id = db.rows(
        "SELECT status, responded_at, version, case_id FROM referrals_referral WHERE id = %s", referral_id
    )[0]
    lines = db.value("SELECT count(*) FROM cases_caseevent WHERE case_id = %s AND kind = 'referral'", case_id)
    return status, responded is not None, version, lines, db.moves("referrals.referral", referral_id, "accept")


def referral_accepted(before: tuple) -> tuple:
    _status, _responded, version, lines, audits = before
    return "accepted", True, version + 1, lines + 1, audits + 1


def plan_state(db: Database, plan_id: int) -> tuple:
    status, approved, version, revision, case_id = db.rows(
        "SELECT status, approved_at, version, revision, case_id FROM plans_plan WHERE id = %s", plan_id
    )[0]
    revisions = db.value(
        "SELECT count(*) FROM plans_planrevision WHERE plan_id = %s AND event = 'approved' AND revision = %s",
        plan_id,
        revision,
    )
    lines = db.value("SELECT count(*) FROM cases_caseevent WHERE case_id = %s", case_id)
    return status, approved is not None, version, revisions, lines, db.moves("plans.plan", plan_id, "approve")


def plan_approved(before: tuple) -> tuple:
    _status, _approved, version, revisions, lines, audits = before
    return "approved", True, version + 1, revisions + 1, lines + 1, audits + 1


@dataclass(frozen=True)
class Operation:
    name: str
    items: Callable[[Site], list[dict[str, Any]]]
    send: Callable[[Server, dict[str, Any]], Answer]
    state: Callable[[Database, int], tuple]
    done: Callable[[tuple], tuple]
    written: str  # a table the operation writes first ...
    late: str  # ... and one it writes after (held by the test on PostgreSQL)


OPERATIONS = [
    Operation(
        "referral acceptance",
        lambda site: site.referrals,
        lambda server, item: server.request(item["session"], f"/api/v1/referrals/{item['id']}/accept/", body=b""),
        referral_state,
        referral_accepted,
        written="referrals_referral",
        late="cases_caseevent",
    ),
    Operation(
        "plan approval",
        lambda site: site.plans,
        lambda server, item: server.request(item["session"], f"/api/v1/plans/{item['case']}/approve/", body=b""),
        plan_state,
        plan_approved,
        written="plans_plan",
        late="plans_planrevision",
    ),
]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name.replace(" ", "-"))
def test_an_operation_killed_in_the_middle_is_done_fully_or_not_at_all(site, operation):
    items = operation.items(site)
    first, candidates, last = items[0], items[1:-1][:3], items[-1]
    before = {item["id"]: operation.state(site.db, item["id"]) for item in items}

    server = site.serving()
    answer = operation.send(server, first)
    assert answer.status == 200, answer.body[:500]
    for middle in candidates:
        flight, before_commit = kill_in_the_middle(
            site.db,
            server,
            lambda item=middle: operation.send(server, item),
            written=operation.written,
            late=operation.late,
        )
        if before_commit is not None:
            break
        # On SQLite it was answered before it could be killed: done fully; the next one is tried.
        assert flight.answer is not None and flight.answer.status == 200, flight.answer or flight.error
        assert operation.state(site.db, middle["id"]) == operation.done(before[middle["id"]])
    else:
        pytest.fail(f"every {operation.name} was answered before the server could be killed")
    assert flight.answer is None, f"answered although killed: {flight.answer}"

    # The one done before is done fully; the one killed is done fully or not at all (not at all when
    # the kill is known to have come before its commit); those not begun are untouched.
    assert operation.state(site.db, first["id"]) == operation.done(before[first["id"]])
    killed = operation.state(site.db, middle["id"])
    if before_commit:
        assert killed == before[middle["id"]], f"{operation.name} killed in the middle left {killed}"
    else:
        assert killed in (before[middle["id"]], operation.done(before[middle["id"]])), killed
    untried = candidates[candidates.index(middle) + 1 :] + [last]
    assert [operation.state(site.db, item["id"]) for item in untried] == [before[item["id"]] for item in untried]

    # Restarted, the server does it fully.
    server = site.serving()
    for item in (middle, last):
        if operation.state(site.db, item["id"]) == before[item["id"]]:
            answer = operation.send(server, item)
            assert answer.status == 200, answer.body[:500]
        assert operation.state(site.db, item["id"]) == operation.done(before[item["id"]])
    audit_verify(site.db.env)


def labour_market_csv(marker: str, rows: int) -> bytes:
    """`rows` figures no one else has (their source names `marker`): two areas, every sub-major ISCO
    group, one day after another."""
    groups = [g["code"] for g in json.loads(ISCO.read_text())["groups"] if g["level"] == "sub-major"]
    lines = ["area,isco,vacancies,demand_index,monthly_wage,currency,source,as_of"]
    day = datetime.date(2015, 1, 1)
    while len(lines) <= rows:
        for isco in groups:
            for area in ("TH-57", "TH-41"):
                lines.append(f"{area},{isco},{len(lines) % 90},1.2,9500,THB,{marker},{day}")
        day += datetime.timedelta(days=1)
    return "\n".join(lines[: rows + 1]).encode()


def multipart(name: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def import_state(db: Database, marker: str) -> tuple[int, int]:
    rows = db.value("SELECT count(*) FROM livelihoods_labourmarketdemand WHERE source = %s", marker)
    audits = db.rows("SELECT details FROM accounts_auditevent WHERE object_id = 'import' AND action = 'create'")
    created = [(json.loads(d) if isinstance(d, str) else d).get("created") for (d,) in audits]
    return rows, created.count(rows) if rows else 0


def test_an_import_killed_in_the_middle_saves_every_row_or_none(site):
    server = site.serving()
    settle = 0.1  # on SQLite: some rows written before the kill
    for _attempt in range(3):
        marker = f"fault test {uuid.uuid4().hex[:8]}"
        body, content_type = multipart("file", "figures.csv", labour_market_csv(marker, IMPORT_ROWS))

        def send(server: Server, body: bytes = body, content_type: str = content_type) -> Answer:
            path = "/api/v1/labour-market/import/"
            return server.request(site.importer, path, body=body, content_type=content_type)

        flight, before_commit = kill_in_the_middle(
            site.db,
            server,
            lambda: send(server),
            written="livelihoods_labourmarketdemand",
            late="accounts_auditevent",
            settle=settle,
        )
        if before_commit is not None:
            break
        # On SQLite the import was done before the kill came: all of it; once more, killed sooner.
        assert flight.answer is not None and flight.answer.status == 200, flight.answer or flight.error
        assert import_state(site.db, marker) == (IMPORT_ROWS, 1)
        settle /= 4
    else:
        pytest.fail("every import was done before the server could be killed")
    assert flight.answer is None, f"answered although killed: {flight.answer}"
    rows, audited = import_state(site.db, marker)
    if before_commit:
        assert (rows, audited) == (0, 0), f"{rows} rows of an import killed in the middle were kept"
    else:
        assert (rows, audited) in ((0, 0), (IMPORT_ROWS, 1)), (rows, audited)

    if rows == 0:
        server = site.serving()
        answer = send(server)
        assert answer.status == 200, answer.body[:500]
        assert answer.json() == {"created": IMPORT_ROWS, "updated": 0}
    assert import_state(site.db, marker) == (IMPORT_ROWS, 1)
    audit_verify(site.db.env)


# --- PostgreSQL restarted under load --------------------------------------------------------------


def unavailable(reason: str) -> None:
    """Skips, or fails when REQUIRE_FAULTS=1 (CI), so a fault test cannot quietly stop running."""
    if os.environ.get("REQUIRE_FAULTS") == "1":
        pytest.fail(f"{reason} (REQUIRE_FAULTS=1)")
    pytest.skip(reason)


@dataclass
class Cluster:
    """A PostgreSQL server of the test's own, which it may stop and start."""

    pg_ctl: list[str]
    options: str  # the server's settings (port, socket directory), given at every start
    url: str

    def ctl(self, *args: str) -> None:
        subprocess.run([*self.pg_ctl, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self.ctl("-o", self.options, "start")

    def stop(self) -> None:
        """A fast shutdown: every session is ended, open transactions rolled back."""
        self.ctl("-m", "fast", "stop")


@pytest.fixture
def cluster(site, tmp_path) -> Iterator[tuple[Cluster, dict[str, str]]]:
    """A throwaway PostgreSQL cluster on loopback, made as .ci/run makes CI's (initdb and pg_ctl of
    the newest installed PostgreSQL, run as the postgres user when the test runs as root): CI's own
    server is shared by the whole suite and cannot be restarted under it. It holds a copy of the
    module's site (pg_dump); yields it with the environment of a site served from it."""
    if not site.db.postgres:
        pytest.skip("runs when the suite runs on PostgreSQL (DATABASE_URL)")
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    if not binaries:
        unavailable("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
    bin_dir = binaries[-1].parent
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    data = Path(tempfile.mkdtemp(prefix="reintegra-faults-pg-"))
    try:
        if as_postgres:
            shutil.chown(data, "postgres")
        subprocess.run(
            [
                *as_postgres,
                bin_dir / "initdb",
                "-D",
                data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        port = free_port()
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c fsync=off -c synchronous_commit=off"
        own = Cluster(
            [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w"],
            options,
            f"postgres://postgres@127.0.0.1:{port}/reintegra",
        )
        own.start()
        try:
            subprocess.run(
                [bin_dir / "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "reintegra"],
                check=True,
                capture_output=True,
                timeout=60,
            )
            assert site.db.url is not None
            dump = subprocess.run(
                [bin_dir / "pg_dump", "-Fc", "--no-owner", "--no-privileges", "-d", site.db.url],
                check=True,
                capture_output=True,
                timeout=120,
            ).stdout
            subprocess.run(
                [bin_dir / "pg_restore", "--no-owner", "--no-privileges", "-d", own.url],
                input=dump,
                check=True,
                capture_output=True,
                timeout=120,
            )
            # The site's keys (sessions are signed, identifying data encrypted, with them).
            for name in ("secret_key", "data_keys", "index_key"):
                shutil.copy2(Path(site.db.env["REINTEGRA_VAR_DIR"]) / name, tmp_path / name)
            yield own, site.db.env | {"REINTEGRA_VAR_DIR": str(tmp_path), "DATABASE_URL": own.url}
        finally:
            subprocess.run([*own.pg_ctl, "-m", "immediate", "stop"], capture_output=True, timeout=60, check=False)
    finally:
        shutil.rmtree(data, ignore_errors=True)


@dataclass
class Load:
    """Signed-in caseworkers reading case pages and adding tasks, each in a thread, until told to stop
    (pausing while the database is down); every answer is kept with the phase it came in."""

    server: Server
    sessions: dict[str, str]
    phase: str = "before"
    answers: list[tuple[str, str, str, Answer | BaseException]] = field(default_factory=list)
    tasks: list[int] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._person, args=(u,), daemon=True) for u in self.sessions]
        for thread in threads:
            thread.start()
        return threads

    def _person(self, username: str) -> None:
        session = self.sessions[username]
        codes = [c["code"] for c in self.server.request(session, "/api/v1/cases/").json()["results"]][:3]
        if not codes:
            with self.lock:
                self.answers.append((self.phase, username, "/api/v1/cases/", AssertionError("no cases")))
            return
        step = 0
        while not self.stopping.is_set():
            if self.phase == "down":
                # Cut off once, each waits for the database: server threads left idle through the
                # outage keep connections it broke, which the first requests after must not trip on.
                time.sleep(0.02)
                continue
            step += 1
            code = codes[step % len(codes)]
            phase = self.phase
            try:
                if step % 2:
                    path = f"/cases/{code}/"
                    answer: Answer | BaseException = self.server.request(session, path, timeout=30)
                else:
                    path = "/api/v1/tasks/"
                    body = json.dumps({"case": code, "title": f"Fault check {step}", "due_on": "2030-01-01"})
                    answer = self.server.request(
                        session, path, body=body.encode(), content_type="application/json", timeout=30
                    )
                    if isinstance(answer, Answer) and answer.status == 201:
                        with self.lock:
                            self.tasks.append(answer.json()["id"])
            except Exception as exc:  # noqa: BLE001 - a dropped connection is an answer to report
                answer = exc
            # A request that saw the outage, even in part, is one of the outage.
            with self.lock:
                self.answers.append((phase if phase == self.phase else "down", username, path, answer))
            time.sleep(0.05)

    def served(self, phase: str) -> int:
        with self.lock:
            return sum(p == phase and isinstance(a, Answer) and a.status < 300 for p, _, _, a in self.answers)


def clean_unavailable(path: str, answer: Answer) -> bool:
    """A 503 that says the database is unavailable, in the API's error shape or as a page."""
    if answer.status != 503 or "Traceback" in answer.body.decode(errors="replace"):
        return False
    if path.startswith("/api/"):
        return answer.content_type == "application/json" and answer.json()["error"]["code"] == "database_unavailable"
    return answer.content_type == "text/html" and b"The database is unavailable" in answer.body


def test_postgresql_restarted_under_load_gives_clean_errors_and_the_same_process_serves_again(site, cluster, tmp_path):
    cluster, env = cluster
    sessions = site.caseworkers
    db = Database(env, url=cluster.url)
    own = Site(db, tmp_path / "serve.log", [], [], "", sessions)

    server = own.serving()
    try:
        load = Load(server, sessions)
        threads = load.run()
        wait_for("the load to start", lambda: load.served("before") >= 2 * len(sessions), timeout=120, every=0.05)

        load.phase = "down"
        cluster.stop()  # every connection of the server is cut; new ones are refused
        # Asked while it is down, the site says so, clearly, as a page and in the API.
        someone = next(iter(sessions.values()))
        page = server.request(someone, "/cases/")
        api = server.request(someone, "/api/v1/cases/")
        assert clean_unavailable("/cases/", page), (page.status, page.body[:300])
        assert clean_unavailable("/api/v1/cases/", api), (api.status, api.body[:300])
        assert api.json()["error"]["message"] == "The database is unavailable; try again in a moment."

        cluster.start()
        load.phase = "after"
        wait_for(
            "the same process to serve again",
            lambda: load.served("after") >= 3 * len(sessions),
            timeout=60,
            seen=lambda: load.answers[-8:],
        )
        load.stopping.set()
        for thread in threads:
            thread.join(timeout=60)
        assert server.process.poll() is None, "the server died with the database"
        workers = [pid for pid in _processes_of(tmp_path) if b"worker" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert workers, "the background worker died with the database:\n" + own.log.read_text()[-3000:]
    finally:
        own.stop()

    problems = []
    for phase, username, path, answer in load.answers:
        if isinstance(answer, BaseException):
            problems.append(f"{phase} {username} {path}: {answer!r}")
        elif answer.status >= 300 and not (phase == "down" and clean_unavailable(path, answer)):
            problems.append(f"{phase} {username} {path}: {answer.status} {answer.body[:200]!r}")
    # Before and after the outage every request is served; during it, every answer is a clean 503.
    assert not problems, problems[:10]

    # What was answered as saved is there, whole: every task with the audit record of its creation.
    assert load.tasks
    stored = {row[0] for row in db.rows("SELECT id FROM cases_task WHERE id = ANY(%s)", load.tasks)}
    assert stored == set(load.tasks)
    unaudited = db.value(
        "SELECT count(*) FROM cases_task t WHERE NOT EXISTS (SELECT 1 FROM accounts_auditevent a"
        " WHERE a.object_type = 'cases.task' AND a.object_id = t.id::text AND a.action = 'create')"
    )
    assert unaudited == 0
    audit_verify(env)


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
@pytest.mark.parametrize("path", ["/api/v1/cases/", "/cases/"])
def test_the_database_out_of_reach_answers_503_and_other_errors_500(error, path):
    request = RequestFactory().get(path)
    try:
        raise error("connection to server at 127.0.0.1 failed: Connection refused")
    except error:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "The database is unavailable; try again in a moment." in body
    assert "127.0.0.1" not in body  # nothing of the error itself is shown
    if path.startswith("/api/"):
        assert json.loads(body)["error"]["code"] == "database_unavailable"
    else:
        assert response["Content-Type"].startswith("text/html")
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(request).status_code == 500
