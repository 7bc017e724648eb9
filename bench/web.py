"""Load on the web pages, measured side by side with a trivial endpoint: `make bench-web`.

    BENCH_DATABASE_URL=postgres://… python -m bench.web [--seconds 120] [--phase-seconds 10]
        [--servers gunicorn,granian,waitress] [--two] [--clients 16]

On the PostgreSQL named by BENCH_DATABASE_URL (migrated, filled with the demo when empty, the demo's
users given a known password), this serves the site with a production server, signs in caseworkers,
supervisors and an analyst of several agencies through the real pages (the TOTP code of the roles
that need one computed from their authenticator's key, as the app would show it), then loads it
from 16 concurrent clients on loopback with locust (headless; bench/locustfile.py):

1. the mix, for `--seconds`: every page below in turn, at random, no think time: per page p50, p95,
   p99, errors and requests per second;
2. side by side, for `--phase-seconds` each: all clients on one page alone, the trivial endpoint
   (`/healthz`, no session, no table) included: each page's throughput and its ratio to the trivial
   endpoint's (what fraction of the server's bare capacity the page leaves).

The pages: the case list (25 per page, filtered by stage, and searched by code), a case page, the
today page, the referral inbox, the plan page, the returnee's livelihood page, a cohort allocation
preview (up to 200 people × 20 options of a supervisor's agency), each insights dashboard.
Resident memory (VmRSS) of each server worker is read at the start and the end of the mix.

With several servers named, each is measured in turn on the same data (the first is the one the
README names; the comparison goes in the results). `--two` also measures two app servers of the
first kind (and two task workers) against the one PostgreSQL, the clients split between their ports.

Results: bench/results/web.{json,md}. The database's keys and secret live in BENCH_VAR_DIR
(var/bench-web by default): the demo's encrypted fields are readable only with them.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import harness

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOCUST = Path(os.environ.get("BENCH_LOCUST", ROOT / ".venv-bench" / "bin" / "locust"))
PASSWORD = "bench-web-pass-2026"  # noqa: S105 - the bench database's demo users only
CORES = os.cpu_count() or 2
WORKERS = 2 * CORES + 1
PAGES = [
    "case list (filtered)",
    "case list (searched)",
    "case page",
    "today",
    "referral inbox",
    "plan",
    "livelihood",
    "allocation preview",
]
TARGET_MS = {"dashboard": 500, "allocation preview": 500}


def env(database: str, var_dir: Path) -> dict[str, str]:
    return harness.environment(database) | {
        "REINTEGRA_VAR_DIR": str(var_dir),
        "REINTEGRA_HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "ERROR",
    }


def run(database: str, var_dir: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "reintegra", *args], env=env(database, var_dir), check=True)  # noqa: S603


def prepare(database: str, var_dir: Path, cases: int) -> None:
    """Migrated (the cache table too), the demo loaded when empty, every demo user's password known."""
    run(database, var_dir, "migrate", "--no-input", "-v0")
    run(database, var_dir, "demo", "--if-empty", "--cases", str(cases), "--password", PASSWORD)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- The server ---------------------------------------------------------------------------------


def server_command(kind: str, port: int) -> list[str]:
    bind = f"127.0.0.1:{port}"
    if kind == "gunicorn":
        return [
            str(BIN / "gunicorn"),
            "reintegra.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ]
    if kind == "granian":
        return [
            str(BIN / "granian"),
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(WORKERS),
            "--blocking-threads",
            "1",
            "--no-ws",
            "--log-level",
            "warning",
            "reintegra.wsgi:application",
        ]
    if kind == "waitress":  # today's `reintegra serve`: one process, 8 threads
        return [sys.executable, "-m", "reintegra", "serve", "--no-worker", "--port", str(port)]
    raise SystemExit(f"unknown server {kind!r}: gunicorn, granian or waitress")


class Servers:
    """App servers of one kind (one or more, each on its own port) and as many task workers."""

    def __init__(self, kind: str, count: int, database: str, var_dir: Path) -> None:
        self.kind = kind
        self.ports = [free_port() for _ in range(count)]
        self.env = env(database, var_dir)
        self.processes: list[subprocess.Popen[bytes]] = []
        self.workers: list[subprocess.Popen[bytes]] = []
        for port in self.ports:
            self.processes.append(
                subprocess.Popen(server_command(kind, port), env=self.env, cwd=ROOT, start_new_session=True)  # noqa: S603
            )
            self.workers.append(
                subprocess.Popen([sys.executable, "-m", "reintegra", "worker"], env=self.env, start_new_session=True)  # noqa: S603
            )
        for port in self.ports:
            wait_for(f"http://127.0.0.1:{port}/healthz")

    @property
    def hosts(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def worker_pids(self) -> list[int]:
        """The processes that answer requests: each server's children, or the server itself."""
        pids: list[int] = []
        for process in self.processes:
            children = descendants(process.pid)
            pids += children or [process.pid]
        return pids

    def stop(self) -> None:
        for process in [*self.processes, *self.workers]:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for process in [*self.processes, *self.workers]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        children = [child for child, parent in parents.items() if parent == current]
        found += children
        frontier += children
    return sorted(found)


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used (contention by other work on the machine
    slows each request, but does not add CPU time to it)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def wait_for(url: str, seconds: float = 60) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server did not answer {url} within {seconds} s")


# --- Who signs in, and what each asks ------------------------------------------------------------


def _plan_child(database: str, var_dir: Path, clients: int) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bench.web_plan", str(clients)],
        env=env(database, var_dir),
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def sign_in(host: str, identity: dict[str, Any]) -> dict[str, str]:
    """Signs in through the pages as a person would: the password, then the code when asked."""
    import requests

    session = requests.Session()
    login = session.get(f"{host}/login/", timeout=30)
    token = session.cookies["csrftoken"]
    answer = session.post(
        f"{host}/login/",
        data={"username": identity["username"], "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": login.url},
        timeout=30,
        allow_redirects=False,
    )
    if answer.status_code != 302:
        raise SystemExit(f"{identity['username']} could not sign in ({answer.status_code})")
    if identity.get("totp_key"):
        for attempt in range(3):
            code = totp(identity["totp_key"], offset=attempt)
            page = session.get(f"{host}/login/code/", timeout=30)
            token = session.cookies.get("csrftoken", token)
            done = session.post(
                f"{host}/login/code/",
                data={"code": code, "csrfmiddlewaretoken": token},
                headers={"Referer": page.url},
                timeout=30,
                allow_redirects=False,
            )
            if done.status_code == 302:
                break
        else:
            raise SystemExit(f"{identity['username']}: the sign-in code was refused")
    return {"sessionid": session.cookies["sessionid"], "csrftoken": session.cookies["csrftoken"]}


def client_sessions(identities: list[dict[str, Any]], hosts: list[str], clients: int) -> list[dict[str, Any]]:
    """One signed-in session per client, the accounts taken in turn. An account that signs in with a
    code signs in once, its session shared by its clients: a code is good once per 30-second step."""
    sessions: list[dict[str, Any]] = []
    verified: dict[str, dict[str, str]] = {}
    for i in range(clients):
        identity = identities[i % len(identities)]
        if identity.get("totp_key") and identity["username"] in verified:
            cookies = verified[identity["username"]]
        else:
            # Signed in on the next server over from the one the client loads (bench/locustfile.py takes
            # hosts[i % len(hosts)]): with two servers every session is made on one and used on the other.
            cookies = sign_in(hosts[(i + 1) % len(hosts)], identity)
            if identity.get("totp_key"):
                verified[identity["username"]] = cookies
        sessions.append({**identity, **cookies})
    return sessions


def totp(key_hex: str, offset: int = 0) -> str:
    """The 6-digit code of the current 30-second step (RFC 6238, as django_otp's TOTPDevice)."""
    import hashlib
    import hmac
    import struct

    counter = int(time.time()) // 30 + offset
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    start = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[start : start + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


# --- The load ------------------------------------------------------------------------------------


def locust(plan_file: Path, hosts: list[str], clients: int, seconds: int, page: str = "") -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        prefix = Path(folder) / "stats"
        subprocess.run(  # noqa: S603
            [
                str(LOCUST),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(clients),
                "--spawn-rate",
                str(clients),
                "--run-time",
                f"{seconds}s",
                "--host",
                hosts[0],
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
                "--stop-timeout",
                "10",
                "--exit-code-on-error",
                "0",
            ],
            env=os.environ | {"BENCH_WEB_PLAN": str(plan_file), "BENCH_WEB_PAGE": page},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
            rows = [row for row in csv.DictReader(handle) if row["Name"] != "Aggregated"]
    return [
        {
            "page": row["Name"],
            "requests": int(row["Request Count"]),
            "errors": int(row["Failure Count"]),
            "rps": round(float(row["Requests/s"]), 1),
            "p50_ms": _ms(row["50%"]),
            "p95_ms": _ms(row["95%"]),
            "p99_ms": _ms(row["99%"]),
        }
        for row in rows
    ]


def _ms(value: str) -> float | None:
    return None if value in ("", "N/A") else float(value)


def measure(kind: str, count: int, plan: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    servers = Servers(kind, count, args.database, args.var_dir)
    load_before = os.getloadavg()[0]
    try:
        sessions = client_sessions(plan["identities"], servers.hosts, args.clients)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump({"hosts": servers.hosts, "sessions": sessions, "any": plan["any"]}, handle)
            plan_file = Path(handle.name)
        os.chmod(plan_file, 0o600)
        try:
            locust(plan_file, servers.hosts, args.clients, min(10, args.seconds))  # warm-up, not kept
            pids = servers.worker_pids()
            rss_start = {pid: rss_mib(pid) for pid in pids}
            cpu_start = cpu_seconds(pids)
            mix = locust(plan_file, servers.hosts, args.clients, args.seconds)
            cpu_used = cpu_seconds(pids) - cpu_start
            rss_end = {pid: rss_mib(pid) for pid in pids}
            alone: dict[str, float] = {}
            if args.phase_seconds:
                for name in ["healthz", *plan["names"]]:
                    rows = locust(plan_file, servers.hosts, args.clients, args.phase_seconds, page=name)
                    alone[name] = next((r["rps"] for r in rows if r["page"] == name), 0.0)
        finally:
            plan_file.unlink()
    finally:
        load_after = os.getloadavg()[0]
        servers.stop()
    trivial = alone.get("healthz") or 0.0
    for row in mix:
        row["alone_rps"] = alone.get(row["page"])
        row["ratio_to_trivial"] = round(row["alone_rps"] / trivial, 3) if trivial and row["alone_rps"] else None
    return {
        "server": kind,
        "app_servers": count,
        "workers_per_server": 1 if kind == "waitress" else WORKERS,
        "seconds": args.seconds,
        "clients": args.clients,
        "total_rps": round(sum(r["rps"] for r in mix), 1),
        "errors": sum(r["errors"] for r in mix),
        "pages": sorted(mix, key=lambda r: _order(r["page"], plan["names"])),
        # The app servers' CPU per request of the mix, and the throughput the machine's cores would
        # give at that cost if the servers had them to themselves (the database's CPU not counted).
        "cpu_ms_per_request": round(1000 * cpu_used / max(1, sum(r["requests"] for r in mix)), 1),
        "rps_if_cores_free": round(
            min(CORES, len(pids)) * max(1, sum(r["requests"] for r in mix)) / max(cpu_used, 1e-9), 1
        ),
        "rss_mib": [{"pid": pid, "start": rss_start[pid], "end": rss_end[pid]} for pid in pids],
        # The machine's load average (1 min) before and after: other work on a shared machine shows here.
        "load_average": [round(load_before, 1), round(load_after, 1)],
    }


def _order(name: str, names: list[str]) -> int:
    order = ["healthz", *names]
    return order.index(name) if name in order else len(order)


# --- Results -------------------------------------------------------------------------------------


def target(page: str) -> int | None:
    if page == "healthz":
        return None
    return TARGET_MS["dashboard"] if page.startswith("dashboard") else TARGET_MS.get(page, 100)


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Web pages under load (`make bench-web`)",
        "",
        f"Measured {results['date']} on {results['machine']['cpus']} CPUs; PostgreSQL holding "
        f"{results['data']['cases']} cases ({results['data']['agencies']} agencies); "
        f"{results['runs'][0]['clients']} clients on loopback, no think time. "
        "Reproduce: `BENCH_DATABASE_URL=postgres://… make bench-web` (docs/benchmarks.md).",
        "",
    ]
    for run_ in results["runs"]:
        lines += [
            f"## {run_['server']} × {run_['app_servers']} app server(s), {run_['workers_per_server']} worker(s) each, "
            f"{run_['seconds']} s",
            "",
            f"Throughput of the mix: {run_['total_rps']} requests/s; errors: {run_['errors']}; "
            f"load average of the machine before → after: {run_['load_average'][0]} → {run_['load_average'][1]} "
            f"({results['machine']['cpus']} CPUs). App servers' CPU per request: {run_['cpu_ms_per_request']} ms "
            f"(at that cost, {run_['rps_if_cores_free']} requests/s if they had the cores to themselves).",
            "",
            "| page | requests | errors | p50 ms | p95 ms | p99 ms | target p95 | req/s in the mix | req/s alone "
            "| ratio to trivial |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in run_["pages"]:
            goal = target(row["page"])
            met = "" if goal is None or row["p95_ms"] is None else (" ✓" if row["p95_ms"] <= goal else " ✗")
            lines.append(
                f"| {row['page']} | {row['requests']} | {row['errors']} | {row['p50_ms']} | {row['p95_ms']} | "
                f"{row['p99_ms']} | {'' if goal is None else f'{goal}{met}'} | {row['rps']} | "
                f"{row['alone_rps'] if row['alone_rps'] is not None else ''} | "
                f"{row['ratio_to_trivial'] if row['ratio_to_trivial'] is not None else ''} |"
            )
        rss = ", ".join(f"{r['start']}→{r['end']}" for r in run_["rss_mib"])
        lines += ["", f"Resident memory per worker, MiB, start→end of the mix: {rss}.", ""]
    if len(results["runs"]) > 1:
        lines += [
            "## Side by side",
            "",
            "| server | app servers | mix req/s | errors | case list p95 | case page p95 | CPU ms/request "
            "| req/s if cores free |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for run_ in results["runs"]:
            by = {row["page"]: row for row in run_["pages"]}
            lines.append(
                f"| {run_['server']} | {run_['app_servers']} | {run_['total_rps']} | {run_['errors']} | "
                f"{by.get('case list (filtered)', {}).get('p95_ms')} | {by.get('case page', {}).get('p95_ms')} | "
                f"{run_['cpu_ms_per_request']} | {run_['rps_if_cores_free']} |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument(
        "--var-dir", type=Path, default=Path(os.environ.get("BENCH_VAR_DIR", ROOT / "var" / "bench-web"))
    )
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_WEB_SECONDS", "120")))
    parser.add_argument("--phase-seconds", type=int, default=int(os.environ.get("BENCH_WEB_PHASE_SECONDS", "10")))
    parser.add_argument("--clients", type=int, default=int(os.environ.get("BENCH_WEB_CLIENTS", "16")))
    parser.add_argument("--servers", default=os.environ.get("BENCH_WEB_SERVERS", "gunicorn"))
    parser.add_argument("--two", action="store_true", default=os.environ.get("BENCH_WEB_TWO") == "1")
    parser.add_argument("--cases", type=int, default=int(os.environ.get("BENCH_CASES", "300")))
    parser.add_argument("--name", default=os.environ.get("BENCH_WEB_NAME", "web"))
    args = parser.parse_args()
    if not args.database.startswith(("postgres://", "postgresql://")):
        raise SystemExit("BENCH_DATABASE_URL must name a PostgreSQL database (postgres://user:pw@host:port/name).")
    if not LOCUST.exists():
        raise SystemExit(f"locust not found at {LOCUST}: `make bench-web` installs it (requirements-bench.txt).")
    args.var_dir.mkdir(parents=True, exist_ok=True)
    args.var_dir.chmod(0o700)
    prepare(args.database, args.var_dir, args.cases)
    plan = _plan_child(args.database, args.var_dir, args.clients)
    kinds = [k.strip() for k in args.servers.split(",") if k.strip()]
    runs = [measure(kind, 1, plan, args) for kind in kinds]
    if args.two:
        runs.append(measure(kinds[0], 2, plan, args))
    results = harness.report(
        database=re.sub(r"//[^@/]*@", "//", args.database),
        data=plan["data"],
        runs=runs,
        two_over_one=(
            round(runs[-1]["total_rps"] / runs[0]["total_rps"], 2) if args.two and runs[0]["total_rps"] else None
        ),
        command=" ".join(["python -m bench.web", *sys.argv[1:]]),
    )
    harness.write(args.name, results, markdown(results))


if __name__ == "__main__":
    main()
