"""`reintegra notify`: the day's time-driven notices and the daily e-mail digests. Safe to run as
often as wanted (each notice is raised once, each digest sent once a day); production runs it
every hour from the system's timer (docs/deployment.md)."""

from typing import Any

from django.core.management.base import BaseCommand

from reintegra.notifications import schedule, services


class Command(BaseCommand):
    help = "Raises the time-driven notifications (due tomorrow, overdue, 30 days, follow-ups); queues the digests."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-digest", action="store_true", help="Raise the notices but send no digest.")

    def handle(self, *args: Any, **options: Any) -> None:
        raised = schedule.raise_due()
        digests = 0 if options["no_digest"] else services.digest_queue()
        total = sum(raised.counts.values())
        detail = ", ".join(f"{kind} {n}" for kind, n in sorted(raised.counts.items())) or "none"
        self.stdout.write(f"Notifications raised: {total} ({detail}); digests queued: {digests}.")
