"""Who signs in for `make bench-web`, and which pages each asks (run by bench/web.py in a child set up
for the bench database; prints one line of JSON).

`python -m bench.web_plan CLIENTS`: caseworkers and supervisors of the agencies holding the most
cases, a provider's staff of the agency receiving the most referrals, and an analyst, one account per
client (a TOTP code is good once per 30-second step, so two clients never sign in as one account).
Each supervisor, coordinator and administrator gets a confirmed authenticator if they have none, and
its key (hex) goes in the plan: the bench computes the code from it, as the person's app would.
The plan stays in a 0600 temporary file for the run's length.
"""

from __future__ import annotations

import sys
from typing import Any

from bench import harness

SAMPLE = 20  # the cases of each caseworker's agency that its pages are asked of
PEOPLE, OPTIONS = 200, 20  # the allocation preview's size


def plan(clients: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.db.models import Count
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from reintegra.accounts.models import Role, User
    from reintegra.accounts.two_factor import two_factor_required
    from reintegra.cases.models import Case
    from reintegra.insights.dashboards import DASHBOARDS
    from reintegra.livelihoods import allocation
    from reintegra.network.models import Agency
    from reintegra.plans.models import Plan
    from reintegra.referrals.models import Referral

    busiest = list(
        Agency.objects.annotate(n=Count("cases")).filter(n__gt=0).order_by("-n", "slug").values_list("pk", flat=True)
    )
    # Up to one account per client: a quarter supervisors, an analyst or two, caseworkers for the rest,
    # of the agencies holding the most cases. bench/web.py signs each client in; a supervisor's session
    # is shared by the clients beyond the accounts (a code is good once per 30-second step).
    analysts = list(User.objects.filter(role=Role.ME_ANALYST, is_active=True).order_by("username"))[:2]
    people: list[User] = []
    for role, wanted in ((Role.SUPERVISOR, max(1, clients // 4)), (Role.CASEWORKER, clients)):
        chosen = []
        for agency_id in busiest:
            chosen += list(User.objects.filter(role=role, agency_id=agency_id, is_active=True).order_by("username"))
        people += chosen[:wanted]
    # And the staff of the agency receiving the most referrals (a provider's inbox is its agency's).
    receiving = list(
        Referral.objects.values("to_agency").annotate(n=Count("*")).order_by("-n").values_list("to_agency", flat=True)
    )
    providers = [
        user
        for agency_id in receiving
        for user in User.objects.filter(role=Role.PROVIDER_STAFF, agency_id=agency_id, is_active=True).order_by(
            "username"
        )[:1]
    ][: 1 if clients > 2 else 0]
    people = people[: max(1, clients - len(analysts) - len(providers))] + providers + analysts

    identities = []
    names: list[str] = []
    for user in people:
        pages: list[dict[str, Any]] = []
        if user.role in (Role.CASEWORKER, Role.SUPERVISOR):
            codes = list(
                Case.objects.filter(agency_id=user.agency_id, closed_at__isnull=True)
                .order_by("-opened_at")
                .values_list("code", flat=True)[:SAMPLE]
            )
            planned = list(
                Plan.objects.filter(case__code__in=codes).values_list("case__code", flat=True).distinct()[:SAMPLE]
            )
            pages += [
                {
                    "name": "case list (filtered)",
                    "urls": ["/cases/?stage=reintegration", "/cases/?stage=return&page=2"],
                },
                {
                    "name": "case list (searched)",
                    "urls": [f"/cases/?q={code[:-1]}" for code in codes[:5]] or ["/cases/?q=X"],
                },
                {"name": "case page", "urls": [f"/cases/{code}/" for code in codes]},
                {"name": "today", "urls": ["/"]},
                {"name": "referral inbox", "urls": ["/referrals/"]},
                {"name": "livelihood", "urls": [f"/livelihoods/case/{code}/" for code in codes]},
            ]
            if planned:
                pages.append({"name": "plan", "urls": [f"/cases/{code}/plan/" for code in planned]})
            pages = [p for p in pages if p["urls"]]
        if user.role == Role.PROVIDER_STAFF:
            pages += [
                {"name": "provider: home", "urls": ["/"]},
                {"name": "provider: referral inbox", "urls": ["/referrals/", "/referrals/?status=pending"]},
                {"name": "provider: case list", "urls": ["/cases/"]},
            ]
        if user.role == Role.SUPERVISOR:
            selection = allocation.candidates(user=user)
            chosen_people = [c.case.pk for c in selection.looking][:PEOPLE]
            chosen_options = [o.pk for o in selection.options][:OPTIONS]
            if chosen_people and chosen_options:
                pages.append(
                    {
                        "name": "allocation preview",
                        "urls": ["/livelihoods/allocation/"],
                        "form": {"people": chosen_people, "options": chosen_options},
                        "size": [len(chosen_people), len(chosen_options)],
                    }
                )
            pages += [
                {"name": f"dashboard {name}", "urls": [f"/insights/{name}/"]}
                for name, board in DASHBOARDS.items()
                if board.supervisors_only
            ]
        if user.role == Role.ME_ANALYST:
            pages += [
                {"name": f"dashboard {name}", "urls": [f"/insights/{name}/"]}
                for name, board in DASHBOARDS.items()
                if not board.supervisors_only
            ]
        key = None
        if two_factor_required(user) or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
                user=user, name="bench authenticator", confirmed=True
            )
            key = device.key
        identities.append({"username": user.username, "role": user.role, "totp_key": key, "pages": pages})
        names += [p["name"] for p in pages if p["name"] not in names]
    order = ["case list (filtered)", "case list (searched)", "case page", "today", "referral inbox", "plan"]
    order += ["livelihood", "allocation preview"]
    alphabetical = sorted(names)
    names.sort(key=lambda n: order.index(n) if n in order else len(order) + alphabetical.index(n))
    return {
        "identities": identities,
        "names": names,
        "any": [{"name": "healthz", "urls": ["/healthz"]}],
        "data": {
            "cases": Case.objects.count(),
            "agencies": Agency.objects.count(),
            "allocation": next(
                (p["size"] for i in identities for p in i["pages"] if p["name"] == "allocation preview"), None
            ),
        },
    }


if __name__ == "__main__":
    harness.answer(plan(int(sys.argv[1])))
