import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reintegra.accounts.models import User


class Command(BaseCommand):
    help = "Lists the users: username, agency (its slug) and role."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="list every user")
        listing.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        users = User.objects.select_related("agency").order_by("agency__slug", "username")
        rows = [
            {
                "username": u.username,
                "agency": u.agency.slug if u.agency else None,
                "role": u.role or ("admin" if u.is_superuser else None),
                "active": u.is_active,
            }
            for u in users
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            self.stdout.write(f"{row['username']:<24} {row['agency'] or '-':<32} {row['role'] or '-'}")
