"""App servers keep nothing of their own (issue 15, docs/deployment.md): the sessions and the cache
live in the database, so any number of app servers can answer any request."""

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection


def test_sessions_and_the_cache_are_kept_in_the_database(db):
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    cache.set("shared", {"seen": 1}, 60)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM reintegra_cache")
        assert cursor.fetchone()[0] == 1  # in the table every app server reads, not in this process
    assert cache.get("shared") == {"seen": 1}


def test_migrate_makes_the_cache_table(db):
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE reintegra_cache")
    assert "reintegra_cache" not in connection.introspection.table_names()
    call_command("migrate", verbosity=0)
    assert "reintegra_cache" in connection.introspection.table_names()
