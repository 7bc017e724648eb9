from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class InsightsConfig(AppConfig):
    name = "reintegra.insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from . import facts

        facts.connect()  # the summary tables are kept on write (decisions/0030-insights-summary-tables)
        post_migrate.connect(_fill_once, sender=self, dispatch_uid="insights_fill_once")


def _fill_once(using: str = "default", **kwargs: Any) -> None:
    """After `migrate`, fills the summary tables of a database that has cases but no facts yet (one
    upgraded from before the tables existed). Done here with today's models, never in a migration,
    whose code must keep working against the schema of its own time."""
    from reintegra.cases.models import Case

    from . import facts
    from .models import CaseFacts

    if not CaseFacts.objects.using(using).exists() and Case.objects.using(using).exists():
        facts.rebuild_all()
