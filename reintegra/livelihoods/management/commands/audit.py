"""`reintegra audit`: the two audits. `audit verify` checks the hash chain of the audit log (an
accounts matter); `audit programmes` prints the programme scorecard (livelihoods/scorecard.py,
docs/scorecard.md) with the returnees' feedback, as its page's files do. The command lives here,
above both in the layers, so that it may import both."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reintegra.accounts.audit import audit_verify
from reintegra.insights import feedback as insights_feedback
from reintegra.lib import csvsafe
from reintegra.livelihoods import scorecard, selectors


class Command(BaseCommand):
    help = (
        "Audit tools. `audit verify` checks the hash chain of the audit log and names the first broken link; "
        "`audit programmes` prints the programme scorecard (the four failures, docs/scorecard.md) as JSON or CSV."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="check the hash chain of the audit log")
        programmes = sub.add_parser("programmes", help="the programme scorecard, in total, per provider and per area")
        programmes.add_argument("--format", choices=("json", "csv"), default="json", help="json (default) or csv")
        programmes.add_argument("--provider", default="", help="a provider's short name (slug)")
        programmes.add_argument(
            "--area", default="", help="an ISO 3166-2 area of the options (e.g. TH-57), or a country"
        )
        programmes.add_argument("--since", default="", help="the first day of the period, YYYY-MM-DD")
        programmes.add_argument("--until", default="", help="the last day of the period, YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "programmes":
            self._programmes(options)
            return
        report = audit_verify()
        if not report.ok:
            raise CommandError(
                f"Audit chain broken at event #{report.broken_seq}: {report.reason} "
                f"({report.checked} events before it are intact)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} events."))

    def _programmes(self, options: dict[str, Any]) -> None:
        """Figures only, the same as the page's: a suppressed figure has no value (null, or empty in CSV)."""
        try:
            scope = scorecard.scope_from(
                provider=options["provider"], area=options["area"], since=options["since"], until=options["until"]
            )
        except scorecard.ScopeError as exc:
            raise CommandError(f"--{exc.argument}: {exc}") from None
        if options["format"] == "csv":
            rows = selectors.scorecard_csv(scorecard.scorecard(scope), insights_feedback.programme_feedback(scope))
            csvsafe.writer(self.stdout, lineterminator="\n").writerows(rows)
            return
        self.stdout.write(json.dumps(selectors.scorecard_json(scope), ensure_ascii=False, indent=2))
