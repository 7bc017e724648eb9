"""`reintegra worker`: the tasks framework's `db_worker`, made to outlive a passing database error.

The library's worker stops at the first database error it does not expect (a write lock it waited
too long for, a PostgreSQL restart). `reintegra serve` starts this one instead: it logs the error,
drops the broken connections, waits a little longer each time (at most `MAX_BACKOFF` seconds) and
goes back to the queue.
"""

import logging
import random
import time
from typing import Any

from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands import db_worker

logger = logging.getLogger("reintegra.worker")

MAX_BACKOFF = 30.0


class SteadyWorker(db_worker.Worker):
    def run(self) -> None:
        failures = 0
        while self.running:
            try:
                super().run()
            except (OperationalError, InterfaceError) as exc:
                failures += 1
                delay = min(MAX_BACKOFF, 0.5 * 2 ** min(failures, 8)) * (0.5 + random.random() / 2)  # noqa: S311
                logger.warning("Database error in the worker (%s); trying again in %.1f s", exc, delay)
                connections.close_all()
                time.sleep(delay)
            else:
                return  # a batch emptied the queue, or --max-tasks was reached


class Command(db_worker.Command):
    help = "Runs background tasks (django-tasks' db_worker), surviving a passing database error."

    def handle(self, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        worker = SteadyWorker(
            queue_names=options["queue_name"].split(","),
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=options["exclude_queues"].split(",") if options["exclude_queues"] else [],
        )
        worker.configure_signals()
        worker.run()
