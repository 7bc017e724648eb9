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

RUN = [sys.executable, "-m", "reintegra"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_demo(env: dict[str, str], *, password: str, demo_args: tuple[str, ...] = ()) -> None:
    """Migrates the database `env` names and loads the demo into it."""
    subprocess.run([*RUN, "migrate", "--no-input", "-v0"], env=env, check=True, timeout=300)
    subprocess.run(
        [*RUN, "demo", "--password", password, *demo_args], env=env, check=True, timeout=300, capture_output=True
    )


def start_server(
    env: dict[str, str], *, log: IO[bytes] | int = subprocess.PIPE, own_session: bool = False
) -> tuple[subprocess.Popen[bytes], str]:
    """Starts `reintegra serve` (and its worker) on a free port; returns the process and the base
    address once the login page answers. With `own_session` the server and its worker are a process
    group of their own, so a test can kill both at once (os.killpg)."""
    port = free_port()
    server = subprocess.Popen(
        [*RUN, "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=own_session,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{base}/login/", timeout=2)
            break
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.2)
    return server, base


@contextlib.contextmanager
def serve_demo(
    env: dict[str, str], *, password: str, demo_args: tuple[str, ...] = (), log: IO[bytes] | int = subprocess.PIPE
) -> Iterator[str]:
    """Migrates, loads the demo and serves it; yields the base address once the login page answers,
    and stops the server at the end."""
    load_demo(env, password=password, demo_args=demo_args)
    server, base = start_server(env, log=log)
    try:
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)
