import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serves reintegra with waitress and runs the background worker (`reintegra worker`) beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="do not start the background worker")

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve  # type: ignore[import-untyped]

        from reintegra.wsgi import application

        # A service manager stops the server with SIGTERM; turning it into SystemExit lets the
        # `finally` below stop the background worker instead of leaving it orphaned.
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        worker = None
        if not options["no_worker"]:
            # `worker` is db_worker made to survive a passing database error (worker.py).
            worker = subprocess.Popen([sys.executable, "-m", "reintegra", "worker"])  # noqa: S603
        self.stdout.write(f"reintegra serving on http://{options['host']}:{options['port']}/")
        if not settings.HTTPS:
            self.stdout.write("Plain HTTP (REINTEGRA_HTTPS=0): use it on this machine only.")
        try:
            serve(
                application, host=options["host"], port=options["port"], threads=options["threads"], ident="reintegra"
            )
        finally:
            if worker is not None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=10)


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(0)
