"""A whole small agency at once (issue 12, finding 13): many signed-in clients reading case pages
(each read appends to the audit chain) and writing tasks, in parallel, against `reintegra serve` in
a real process — on the embedded SQLite file, or on PostgreSQL when DATABASE_URL names one. Nobody
gets an error, the audit chain verifies afterwards, and the background worker is still running."""

import collections
import http.cookiejar
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from tests.otp import key_of_secret_text, totp_code
from tests.serving import serve_demo
from tests.test_smoke import _processes_of

# Through a served process on a database of its own: on each database CI runs (tests/conftest.py).
pytestmark = pytest.mark.reaches_database

CLIENTS = 16
STEPS = 6  # each client: two case pages, a task added and done, two case pages, another task
PASSWORD = "concurrency-pw"
# Caseworkers and supervisors of three agencies of both countries (the demo's logins).
USERS = ["malee", "somchai", "nattaya", "maria", "jose", "grace"]


@pytest.fixture
def database_env(tmp_path) -> Iterator[dict[str, str]]:
    """The environment of a served site with a database of its own: a SQLite file in a fresh var
    directory, or a fresh database on the PostgreSQL server DATABASE_URL names (dropped after)."""
    env = os.environ | {"REINTEGRA_VAR_DIR": str(tmp_path), "REINTEGRA_HTTPS": "0"}
    url = os.environ.get("DATABASE_URL")
    if not url:
        env.pop("DATABASE_URL", None)
        yield env
        return
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = f"reintegra_concurrency_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield env | {"DATABASE_URL": parts._replace(path=f"/{name}").geturl()}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def served(database_env, tmp_path) -> Iterator[str]:
    with (
        (tmp_path / "serve.log").open("wb") as log,
        serve_demo(database_env, password=PASSWORD, demo_args=("--cases", "20"), log=log) as base,
    ):
        yield base


class Client:
    """One signed-in person in a browser: a session cookie and the CSRF token."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = self.opener.open(f"{base}/login/", timeout=60).read().decode()
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert match, "no CSRF token on the login page"
        form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": match.group(1)}
        self.post(f"{base}/login/", urllib.parse.urlencode(form).encode(), {})
        self.csrf = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
        self._second_factor(username)

    # The recovery codes of each supervisor, kept by the client that set up two-factor sign-in for the
    # other clients of the same person (each code signs in once; a code of the app, once per 30 s).
    recovery_codes: ClassVar[dict[str, list[str]]] = {}
    second_factor_lock = threading.Lock()

    def _second_factor(self, username: str) -> None:
        """A supervisor of the demo sets up two-factor sign-in at the first sign-in (the secret read
        off the set-up page, a code of it typed back, as an authenticator app would); their other
        sessions then sign in with one of the recovery codes that set-up showed."""
        with self.second_factor_lock:
            with self.opener.open(f"{self.base}/", timeout=60) as response:
                url, page = response.geturl(), response.read().decode()
            if "/account/two-factor/set-up/" in url:
                secret = re.search(r'id="two-factor-secret">([^<]+)<', page)
                assert secret, "no secret on the two-factor set-up page"
                form = {"code": totp_code(key_of_secret_text(secret.group(1))), "csrfmiddlewaretoken": self.csrf}
                shown = self.post(f"{self.base}/account/two-factor/set-up/", urllib.parse.urlencode(form).encode(), {})
                self.recovery_codes[username] = re.findall(r"<li><code>([^<]+)</code></li>", shown.decode())
                assert self.recovery_codes[username], "no recovery codes after the set-up"
            elif "/login/code/" in url:
                form = {"code": self.recovery_codes[username].pop(), "csrfmiddlewaretoken": self.csrf}
                self.post(f"{self.base}/login/code/", urllib.parse.urlencode(form).encode(), {})

    def get(self, path: str) -> bytes:
        with self.opener.open(f"{self.base}{path}", timeout=60) as response:
            return response.read()

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> bytes:
        request = urllib.request.Request(url, data=body, headers=headers | {"Referer": f"{self.base}/"})
        with self.opener.open(request, timeout=60) as response:
            return response.read()

    def post_json(self, path: str, payload: object) -> dict:
        headers = {"Content-Type": "application/json", "X-CSRFToken": self.csrf}
        return json.loads(self.post(f"{self.base}{path}", json.dumps(payload).encode(), headers))


def test_parallel_readers_and_writers_get_no_errors_and_the_audit_chain_holds(served, database_env, tmp_path):
    answers: collections.Counter[str] = collections.Counter()
    failures: list[str] = []
    lock = threading.Lock()
    # Everyone signs in first, then all start at once.
    start = threading.Barrier(CLIENTS, timeout=300)

    def person(number: int) -> None:
        try:
            client = Client(served, USERS[number % len(USERS)])
            codes = [case["code"] for case in json.loads(client.get("/api/v1/cases/"))["results"]]
            assert codes, "the demo gave this user no cases"
        except Exception as exc:  # noqa: BLE001 - reported below, with every other failure
            with lock:
                failures.append(f"client {number} could not start: {exc!r}")
            start.abort()
            return
        try:
            start.wait()
        except threading.BrokenBarrierError:
            return  # another client could not sign in: reported by that one
        for step in range(1, STEPS + 1):
            code = codes[(number + step) % len(codes)]
            try:
                if step % 3 == 0:  # a write: a task added to the case, then done
                    task = client.post_json(
                        "/api/v1/tasks/", {"case": code, "title": "Call back", "due_on": "2030-01-01"}
                    )
                    client.post_json(f"/api/v1/tasks/{task['id']}/done/", {})
                    outcome = "write"
                else:  # a read of the case page, which appends a read to the audit log
                    assert code.encode() in client.get(f"/cases/{code}/")
                    outcome = "read"
            except urllib.error.HTTPError as exc:
                outcome = f"HTTP {exc.code}"
                with lock:
                    failures.append(f"{outcome} on {urllib.parse.urlsplit(exc.url).path}")
            except Exception as exc:  # noqa: BLE001 - a dropped connection or a timeout is a failure too
                outcome = type(exc).__name__
                with lock:
                    failures.append(f"{code}: {exc!r}")
            with lock:
                answers[outcome] += 1

    people = [threading.Thread(target=person, args=(n,)) for n in range(CLIENTS)]
    for thread in people:
        thread.start()
    for thread in people:
        thread.join(timeout=600)

    assert not failures, f"{len(failures)} failed of {sum(answers.values())} ({dict(answers)}): {failures[:5]}"
    assert answers == {"read": CLIENTS * STEPS * 2 // 3, "write": CLIENTS * STEPS // 3}, dict(answers)

    verify = subprocess.run(
        [sys.executable, "-m", "reintegra", "audit", "verify"],
        env=database_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "Audit chain intact" in verify.stdout

    # The background worker lived through it (`serve` runs it as a child process).
    workers = [pid for pid in _processes_of(tmp_path) if b"worker" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    assert workers, "the background worker died:\n" + (tmp_path / "serve.log").read_text()[-3000:]

    if "DATABASE_URL" not in database_env:
        # The embedded database runs with a write-ahead log, so readers never wait for a writer.
        with sqlite3.connect(tmp_path / "reintegra.sqlite3") as db:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
