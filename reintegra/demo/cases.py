"""Demo cases: a few hundred invented returnees to Thailand and the Philippines, written only
through the real services, so that every record, timeline line and audit event is one a user
could have produced.

One seeded generator draws everything, so the demo is the same on every machine; only the dates
move with today, and the case codes are drawn by the service. The data the draws choose from
(scenarios, names, places, referral options, texts, how long things take) are in
reintegra/demo/data/; the drawing is in `drafts` (with `people`, `histories` and `referrals`), the
playing through the services, each step at the moment it happened, in `playing` (with `timing`).
The closures are drawn here and made last (`closures`), after the plans and livelihoods.
"""

import datetime
from collections import Counter
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from reintegra.accounts.models import Role, User
from reintegra.cases.models import Case
from reintegra.demo.closures import Closing
from reintegra.demo.drafts import CaseDraft, case_draft
from reintegra.demo.drawing import Demo, Writer, data_file, pick_weighted
from reintegra.demo.network import USERS
from reintegra.demo.people import homes
from reintegra.demo.playing import case_play
from reintegra.demo.referrals import emergencies
from reintegra.network.models import Agency
from reintegra.referrals.choices import ReferralStatus
from reintegra.referrals.models import Referral

CASE_COUNT: int = data_file("case_mix.json")["case_count"]


def _skipped() -> dict[str, Any]:
    return {"cases": 0, "referrals": {}, "stages": {}, "closings": [], "skipped": True}


@transaction.atomic
def load_demo_cases(
    *, stdout: Writer | None = None, count: int = CASE_COUNT, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """Opens the demo cases, unless any case exists already, with their past up to `now` (the
    moment the demo started). Prints one line of counts, no names. Returns the counts and the
    closures still to make (`closings`, for `close_demo_cases`)."""
    if count <= 0:
        return _skipped()
    existing = Case.objects.count()
    if existing:
        if stdout is not None:
            stdout.write(f"Demo cases: {existing} cases exist already; none added.")
        return _skipped()
    usernames = [u[0] for u in USERS]
    users = {u.username: u for u in User.objects.filter(username__in=usernames).select_related("agency")}
    agencies = {a.slug: a for a in Agency.objects.all()}
    # Who opens the cases, and how many of them (relative).
    openers: list[User] = []
    weights: dict[str, int] = data_file("case_mix.json")["openers"]
    for name, _weight in weights.items():
        user = users.get(name)
        if user and user.agency and user.agency.slug in homes() and user.role in (Role.CASEWORKER, Role.SUPERVISOR):
            openers.append(user)
    if not openers:
        if stdout is not None:
            stdout.write("Demo cases: no demo caseworkers found; none added.")
        return _skipped()
    demo = Demo(users=users, agencies=agencies, now=now or timezone.now())
    drafts: list[CaseDraft] = []
    # Two child-protection emergencies, sent by a supervisor without consent, to show the override.
    for emergency in emergencies():
        supervisor = users.get(emergency.supervisor)
        if supervisor is not None and emergency.option.to in agencies and supervisor.agency is not None:
            draft = case_draft(demo=demo, opener=supervisor, stage=emergency.stage, minor=True, scenario="sexual")
            draft.override = emergency.option
            draft.referrals = []
            drafts.append(draft)
    while len(drafts) < count:
        drafts.append(
            case_draft(demo=demo, opener=pick_weighted(demo.rng, openers, weight=lambda u: weights[u.username]))
        )
    stages: Counter[str] = Counter()
    closings: list[Closing] = []
    for draft in drafts:
        case = case_play(demo=demo, draft=draft)
        stages[draft.stage] += 1
        if draft.closure:
            supervisor = demo.supervisors.get(case.agency.slug)
            closings.append(
                Closing(
                    case_id=case.pk,
                    closure=draft.closure,
                    reason=draft.closure_reason,
                    requester=draft.opener,
                    supervisor=supervisor if supervisor is not None and supervisor.pk != draft.opener.pk else None,
                )
            )
    by_status = dict(Referral.objects.values_list("status").annotate(n=Count("pk")).order_by())
    referrals = {status: by_status.get(status, 0) for status in ReferralStatus.values}
    if stdout is not None:
        counts = ", ".join(f"{n} {status}" for status, n in referrals.items())
        stdout.write(f"Demo cases: {len(drafts)} added; referrals: {counts}.")
    return {
        "cases": len(drafts),
        "referrals": referrals,
        "stages": dict(stages),
        "closings": closings,
        "skipped": False,
    }
