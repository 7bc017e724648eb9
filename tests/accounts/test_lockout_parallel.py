"""Parallel wrong passwords cannot get more guesses than the lock-out allows (issue 12, finding 8).

The count is reserved before the password is checked (reintegra/accounts/lockout.py), under a lock
on the username's gate row, so an attacker firing many guesses at once gets at most
LOGIN_FAILURE_LIMIT password checks in the window.
"""

import threading

import pytest
from django.db import connection
from django.test import override_settings

from reintegra.accounts.lockout import login_attempt_release, login_attempt_reserve, login_is_locked
from reintegra.accounts.models import LoginFailure, User

from ..conftest import make_user

PASSWORD = "a-long-secret-pass"
LIMIT = 5
PARALLEL = 40


@override_settings(LOGIN_FAILURE_LIMIT=LIMIT)
def test_an_attempt_is_counted_before_its_password_is_checked(network):
    # Five attempts in flight (passwords not yet checked) already use up the window: the sixth is
    # refused before any of them has failed — the check-then-count race cannot happen.
    reservations = [login_attempt_reserve("Malee") for _ in range(LIMIT)]
    assert all(r is not None for r in reservations)
    assert login_attempt_reserve("malee") is None
    assert login_is_locked("MALEE")
    # a right password gives its reservation back
    login_attempt_release(reservations[0])
    assert login_attempt_reserve("malee") is not None


@pytest.mark.django_db(transaction=True)
@override_settings(LOGIN_FAILURE_LIMIT=LIMIT)
def test_forty_parallel_wrong_passwords_get_no_more_checks_than_the_limit(network, monkeypatch):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # The in-memory SQLite of a test run answers "table is locked" to a second thread instead of
        # waiting; CI runs this on PostgreSQL (DATABASE_URL), and the test above covers the ordering.
        pytest.skip("threads cannot share the in-memory SQLite test database")
    make_user("malee", network.alpha, "caseworker", password=PASSWORD)
    checks = 0
    counter = threading.Lock()
    real_check = User.check_password

    def counted_check(self, raw_password):
        nonlocal checks
        with counter:
            checks += 1
        return real_check(self, raw_password)

    monkeypatch.setattr(User, "check_password", counted_check)
    start = threading.Barrier(PARALLEL)
    errors: list[BaseException] = []

    def guess(n: int) -> None:
        from django.test import Client

        try:
            start.wait()
            Client().post("/login/", {"username": "malee", "password": f"guess-{n}"})
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert checks == LIMIT
    assert LoginFailure.objects.filter(username="malee").count() == LIMIT
    assert login_is_locked("malee")
