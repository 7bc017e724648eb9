"""A read replica for the insights dashboards (issue 15; docs/deployment.md).

With REINTEGRA_REPLICA_URL set, settings.py adds a `replica` database alias and sets
INSIGHTS_DATABASE to it. The insights pages and their API (everything under /insights/ and
/api/v1/insights/) then read their figures from the replica: `replica_reads_middleware` marks the
request, and `ReplicaRouter` sends its reads there. Everything else, and every write (the audit
record of a read included), stays on the primary. The accounts, sessions, two-factor devices and
background tasks are always read from the primary: a session made a moment ago may not have reached
the replica yet, and a sign-in must never depend on the replica's lag. Aggregates a few seconds old
are what a dashboard can show; a case page is never read from the replica.
"""

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Tables always read from the primary, whatever the request.
PRIMARY_ONLY = frozenset(
    {"accounts", "auth", "sessions", "contenttypes", "otp_totp", "otp_static", "django_tasks_db", "admin"}
)
# The requests whose reads go to the replica: the dashboards, their figures' CSV and their API.
REPLICA_PATHS = ("/insights/", "/api/v1/insights/")

_replica: ContextVar[str | None] = ContextVar("reintegra_replica", default=None)


def replica_alias() -> str | None:
    """The alias insights read from, or None when no replica is configured."""
    alias = getattr(settings, "INSIGHTS_DATABASE", None)
    return alias if alias and alias in settings.DATABASES else None


@contextlib.contextmanager
def reads_from_replica() -> Iterator[str | None]:
    """Within the block, reads of domain tables go to the replica (when one is configured)."""
    token = _replica.set(replica_alias())
    try:
        yield _replica.get()
    finally:
        _replica.reset(token)


class ReplicaRouter:
    """Sends the reads of a request marked by `reads_from_replica` to the replica; nothing else."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        alias = _replica.get()
        if alias is None or model._meta.app_label in PRIMARY_ONLY:
            return None
        return alias

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the primary's rows: an object read from one may point at one of the other.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        # The replica is a copy made by PostgreSQL's replication: never migrated on its own.
        return False if db == replica_alias() else None


Middleware = Callable[[HttpRequest], HttpResponse]


def replica_reads_middleware(get_response: Middleware) -> Middleware:
    """Marks the insights' requests so their reads go to the replica (a no-op without one)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(REPLICA_PATHS) and replica_alias() is not None:
            with reads_from_replica():
                return get_response(request)
        return get_response(request)

    return middleware
