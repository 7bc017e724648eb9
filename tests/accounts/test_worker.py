"""The background worker outlives a passing database error (issue 12, finding 13)."""

import pytest
from django.db import OperationalError
from django_tasks_db.management.commands import db_worker

from reintegra.accounts.management.commands import worker as steady


def _worker(cls: type[db_worker.Worker]) -> db_worker.Worker:
    return cls(
        queue_names=["default"],
        interval=0,
        batch=True,  # stop once the queue is empty
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


@pytest.fixture
def flaky_database(monkeypatch):
    """The first two times the worker looks at the database, the database is not there."""
    calls = {"n": 0}
    real = db_worker.close_old_connections

    def close_old_connections() -> None:
        calls["n"] += 1
        if calls["n"] <= 2:
            raise OperationalError("server closed the connection unexpectedly")
        real()

    monkeypatch.setattr(db_worker, "close_old_connections", close_old_connections)
    sleeps: list[float] = []
    monkeypatch.setattr(steady.time, "sleep", sleeps.append)
    return sleeps


def test_the_library_worker_dies_of_a_database_error(transactional_db, flaky_database):
    with pytest.raises(OperationalError):
        _worker(db_worker.Worker).run()


def test_the_worker_waits_longer_after_each_database_error_and_then_empties_the_queue(transactional_db, flaky_database):
    _worker(steady.SteadyWorker).run()  # returns: the batch found the queue empty
    assert len(flaky_database) == 2
    assert 0 < flaky_database[0] < flaky_database[1] <= steady.MAX_BACKOFF
