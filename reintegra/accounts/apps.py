from typing import Any

from django.apps import AppConfig
from django.core.management import call_command
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from reintegra.lib.files import sqlite_files_private


class AccountsConfig(AppConfig):
    name = "reintegra.accounts"
    verbose_name = _("Accounts and audit")

    def ready(self) -> None:
        # Connects the sign-in receiver that notes whether the session owes a two-factor code.
        from . import middleware  # noqa: F401

        # The embedded database's files are the service user's only (issue 12, finding 9).
        connection_created.connect(sqlite_files_private, dispatch_uid="sqlite_files_private")
        # The cache lives in the database (settings.CACHES): `migrate` makes its table too.
        post_migrate.connect(_create_cache_table, sender=self, dispatch_uid="reintegra_cache_table")


def _create_cache_table(using: str = "default", **kwargs: Any) -> None:
    call_command("createcachetable", database=using, verbosity=0)
