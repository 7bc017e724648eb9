import secrets
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from reintegra.accounts.audit import audit_batch
from reintegra.accounts.models import User
from reintegra.accounts.services import user_create, user_set_password
from reintegra.demo import bulk
from reintegra.demo.cases import load_demo_cases
from reintegra.demo.closures import close_demo_cases
from reintegra.demo.following import follow_demo_people
from reintegra.demo.livelihoods import load_demo_livelihoods, load_demo_options
from reintegra.demo.network import USERS, load_demo_network
from reintegra.demo.plans import load_demo_plans
from reintegra.insights import facts
from reintegra.livelihoods.models import LabourMarketDemand
from reintegra.livelihoods.services import labour_market_import
from reintegra.network.models import Agency
from reintegra.notifications.models import EmailFrequency
from reintegra.notifications.services import frequency_set


class Command(BaseCommand):
    help = "Loads the demo network, demo users and demo cases (idempotent) and prints the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", help="give every demo user this password (default: a random one each)")
        parser.add_argument("--cases", type=int, default=300, help="how many demo cases to open (0: none)")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="load only into an empty database (with --password, an existing demo only gets new passwords)",
        )
        parser.add_argument(
            "--bulk",
            action="store_true",
            help=f"write the cases in bulk, as copies of the service demo's (the default above {bulk.BULK_FROM} cases)",
        )
        parser.add_argument(
            "--templates",
            type=int,
            default=bulk.TEMPLATE_CASES,
            help="in bulk: how many cases the services write, which the rest copy",
        )
        parser.add_argument("--seed", type=int, default=bulk.SEED + 15, help="the seed of the bulk copies' people")
        parser.add_argument(
            "--team-cases",
            type=int,
            default=bulk.CASES_PER_TEAM,
            help="in bulk: about this many copied cases per team of the demo's staff (cloned as needed)",
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=bulk.PROCESSES,
            help="in bulk: how many processes build the copies while one writes them (0: that one alone)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["cases"]
        in_bulk = options["bulk"] or count > bulk.BULK_FROM
        # In bulk, the services play the templates; the copies are written after, chunk by chunk.
        # The insights' facts of each template are worked out once, when its story is written; the
        # copies' are copied from them.
        with transaction.atomic(), facts.deferred(), audit_batch():
            played = self._load(
                options, count=min(count, max(1, options["templates"])) if in_bulk else count, follow=not in_bulk
            )
        if in_bulk and played is not None and not played["skipped"] and count > played["cases"]:
            started, cpu = time.monotonic(), time.process_time()
            templates = bulk.templates_read(played["marks"])
            copies = count - played["cases"]
            with transaction.atomic(), audit_batch():  # thousands of accounts at a million: the head once
                teams = bulk.teams_make(bulk.teams_count(copies, options["team_cases"]), password=options["password"])
            self.stdout.write(
                f"Demo staff: {len(teams)} teams of the demo's {len(USERS)} accounts "
                f"({time.monotonic() - started:.0f} s)."
            )
            written = bulk.copies_write(
                templates=templates,
                count=copies,
                stdout=self.stdout,
                seed=options["seed"],
                teams=teams,
                processes=max(0, options["processes"]),
            )
            seconds, cpu = time.monotonic() - started, time.process_time() - cpu
            self.stdout.write(
                f"Demo cases in bulk: {written} copies of {len(templates.cases)} cases in {seconds:.0f} s "
                f"({cpu:.0f} s of this process's CPU time)."
            )

    def _load(self, options: dict[str, Any], *, count: int, follow: bool) -> dict[str, Any] | None:
        """The network, the staff and `count` cases played through the services; with `follow`, the
        hand-overs from a consular office and the feedback answers too (not in bulk: the copies
        are of the home agencies' cases only)."""
        if options["if_empty"] and Agency.objects.exists() and not options["password"]:
            self.stdout.write(
                "The database holds data already; the demo was not loaded. "
                "`reintegra demo --password …` (or `make run DEMO_PASSWORD=…`) sets new demo passwords."
            )
            return None
        created = load_demo_network()
        agencies = {a.slug: a for a in Agency.objects.filter(slug__in=[u.agency for u in USERS])}
        logins = []
        for username, first, last, slug, role in USERS:
            password = options["password"] or secrets.token_urlsafe(9)
            # A demo password chosen on the command line may be short: it is the operator's choice.
            user = User.objects.filter(username=username).first()
            if user is None:
                user = user_create(
                    actor=None,
                    username=username,
                    agency=agencies[slug],
                    role=role,
                    password=password,
                    validate=False,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@demo.reintegra.invalid",
                )
                # The demo's addresses lead nowhere (.invalid): its notifications stay in the product.
                frequency_set(user=user, frequency=EmailFrequency.NEVER)
            else:
                user_set_password(actor=None, user=user, password=password, validate=False)
            logins.append((username, password, role, slug))
        self.stdout.write(f"Demo network: {created} agencies added, {Agency.objects.count()} in all.")
        # Cases come after the users: they are opened, referred and answered by them.
        if not LabourMarketDemand.objects.exists():
            csv_text = (Path(__file__).resolve().parents[2] / "labour_market.csv").read_text(encoding="utf-8")
            result = labour_market_import(actor=None, text=csv_text)
            self.stdout.write(f"Demo labour market: {result.created} figures.")
        if created_options := load_demo_options():
            self.stdout.write(f"Demo livelihood options: {created_options}.")
        # The demo's past ends now: every step of every case happened before this moment.
        now = timezone.now()
        marks = bulk.marks()
        cases = load_demo_cases(stdout=self.stdout, count=count, now=now)
        closing = {c.case_id for c in cases["closings"] if c.closes}
        load_demo_plans(stdout=self.stdout, now=now, closing=closing)
        load_demo_livelihoods(stdout=self.stdout, now=now, closing=closing)
        close_demo_cases(closings=cases["closings"], now=now, stdout=self.stdout)
        if follow and not cases["skipped"]:
            staff = {u.username: u for u in User.objects.filter(username__in=[u.username for u in USERS])}
            follow_demo_people(users=staff, now=now, stdout=self.stdout)
        self.stdout.write("Demo logins (username / password / role / agency):")
        for username, password, role, slug in logins:
            self.stdout.write(f"  {username:<12} {password:<16} {role:<20} {slug}")
        return cases | {"marks": marks}
