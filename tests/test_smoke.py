"""The served site answers: `reintegra serve` in a real process, on a fresh embedded database."""

import json
import os
import time
import urllib.request
from pathlib import Path

import pytest

from .serving import serve_demo


@pytest.fixture
def served(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {
        "REINTEGRA_VAR_DIR": str(tmp_path),
        "REINTEGRA_HTTPS": "0",
    }
    with serve_demo(env, password="smoke-test-pw") as base:
        yield base
        # The background worker stops with the server (it would otherwise be orphaned).
    deadline = time.monotonic() + 15
    while _processes_of(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _processes_of(tmp_path), "the worker outlived `reintegra serve`"


def _processes_of(var_dir) -> list[str]:
    """Live processes started with this REINTEGRA_VAR_DIR (Linux /proc)."""
    marker = f"REINTEGRA_VAR_DIR={var_dir}".encode()
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker in environ.read_bytes().split(b"\0"):
                status = (environ.parent / "status").read_text()
                if "State:\tZ" not in status:
                    found.append(environ.parent.name)
        except OSError:
            continue
    return found


def test_the_served_site_answers_with_the_login_page_static_files_and_the_api(served):
    with urllib.request.urlopen(f"{served}/login/", timeout=5) as response:
        assert response.status == 200
        assert "Log in" in response.read().decode()
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    with urllib.request.urlopen(f"{served}/static/reintegra/app.css", timeout=5) as response:
        assert response.status == 200
    with urllib.request.urlopen(f"{served}/static/django_htmx/htmx-2.min.js", timeout=5) as response:
        assert response.status == 200
    request = urllib.request.Request(
        f"{served}/api/v1/auth/token/",
        data=b'{"username": "malee", "password": "smoke-test-pw"}',
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        token = json.loads(response.read())["token"]
    agencies = urllib.request.Request(
        f"{served}/api/v1/agencies/?country=PH", headers={"Authorization": f"Token {token}"}
    )
    with urllib.request.urlopen(agencies, timeout=10) as response:
        assert json.loads(response.read())["count"] > 5
