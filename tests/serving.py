"""The site served as `make run` serves it: a real `reintegra serve` process on a free port, after
migrate and a demo load, for the tests that must cross a real HTTP server."""

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import IO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_demo(
    env: dict[str, str], *, password: str, demo_args: tuple[str, ...] = (), log: IO[bytes] | int = subprocess.PIPE
) -> Iterator[str]:
    """Migrates, loads the demo and serves it; yields the base address once the login page answers,
    and stops the server at the end."""
    run = [sys.executable, "-m", "reintegra"]
    subprocess.run([*run, "migrate", "--no-input", "-v0"], env=env, check=True, timeout=300)
    subprocess.run(
        [*run, "demo", "--password", password, *demo_args], env=env, check=True, timeout=300, capture_output=True
    )
    port = free_port()
    server = subprocess.Popen([*run, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)
