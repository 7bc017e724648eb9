"""Following the person in the demo (issue 16): hand-overs from a consular office to the agency at
home, and the returnees' answers to feedback links.

Both come after everything else of the demo and draw from their own seeded sources, so that the
cases before them stay as they were. Everything is played through the services, each step at the
moment it happened (never after the demo started).

- Two people identified at the Thai embassy in Kuala Lumpur: the embassy's supervisor opens their
  cases, records their consent to hand the case over, and proposes the transfer to the provincial
  office at home. The supervisor there accepted the first one some days ago, choosing a caseworker;
  the second waits in both agencies' queues.
- After most completed referrals, trainings and placements, and approved plans, the caseworker gave
  the returnee a feedback link; most answered within days. Providers differ in how useful people
  found them, so that the dashboards and the scorecard show a spread; what has fewer than k answers
  stays hidden there, as it would.
"""

import datetime
import random
from collections.abc import Iterator
from typing import Any

from reintegra.access import case_get_for_user
from reintegra.accounts.models import User
from reintegra.cases import services as case_services
from reintegra.cases.choices import ConsentPurpose, DataCategory, HistoryType, Stage
from reintegra.demo.drafts import case_draft
from reintegra.demo.drawing import SEED, Demo, Writer, data_file, pick
from reintegra.demo.timing import DAY, HOUR, MINUTE, zone_of
from reintegra.feedback.choices import ServiceKind
from reintegra.feedback.services import feedback_answer, feedback_link_create, source_of
from reintegra.lib import clock
from reintegra.livelihoods.choices import EnrolmentStatus
from reintegra.livelihoods.models import Enrolment, Placement
from reintegra.network.models import Agency
from reintegra.plans.choices import PlanStatus
from reintegra.plans.models import Plan
from reintegra.referrals.choices import ReferralStatus
from reintegra.referrals.models import Referral
from reintegra.transfers.models import Transfer
from reintegra.transfers.services import transfer_move, transfer_propose

QUALITIES = ("high", "high", "fair", "fair", "low")


def _settings() -> dict[str, Any]:
    return data_file("following.json")


def follow_demo_people(
    *, users: dict[str, User], now: datetime.datetime, stdout: Writer | None = None
) -> dict[str, int]:
    """The demo's hand-overs and feedback; returns (and prints) their counts."""
    counts = _hand_over(users=users, now=now) | _feedback(now=now)
    if stdout is not None:
        stdout.write(
            "Demo following: {accepted} hand-over from a consular office accepted, {pending} waiting; "
            "{links} feedback links given, {answers} answered.".format(**counts)
        )
    return counts


def _hand_over(*, users: dict[str, User], now: datetime.datetime) -> dict[str, int]:
    story = _settings()["hand_overs"]
    counts = {"accepted": 0, "pending": 0}
    consular, home = users.get("kanya"), Agency.objects.filter(slug=story["home"]).first()
    supervisor, caseworker = users.get("somchai"), users.get(story["caseworker"])
    if consular is None or home is None or supervisor is None or caseworker is None:
        return counts
    if Transfer.objects.filter(from_agency=consular.agency).exists():
        return counts
    demo = Demo(users=users, agencies={}, rng=random.Random(SEED + 16), now=now)  # reproducible, not security
    for index, days_ago in enumerate(story["days_ago"]):
        opened_at = datetime.datetime.combine(
            demo.today - datetime.timedelta(days=days_ago), datetime.time(10, 30), tzinfo=zone_of("MY")
        )
        draft = next(_drafts_of_people_exploited_in(demo, caseworker, country="MY"))
        with clock.running_at(opened_at):
            case = case_services.case_open(
                actor=consular, opened_at=opened_at, stage=Stage.IDENTIFICATION, notes=draft.summary, **draft.returnee
            )
        with clock.running_at(opened_at + 5 * MINUTE):
            for event in draft.history:
                case_services.history_add(actor=consular, case=case, **event)
            for purpose, to in ((ConsentPurpose.ASSISTANCE, None), (ConsentPurpose.SHARING, home)):
                case_services.consent_record(
                    actor=consular,
                    case=case,
                    purpose=purpose,
                    given_on=opened_at.date(),
                    language=draft.consent_language,
                    recipient_agency=to,
                    categories=DataCategory.values if to else (),
                )
        with clock.running_at(opened_at + 3 * HOUR):
            access = case_get_for_user(consular, code=case.code, for_edit=True)
            transfer = transfer_propose(actor=consular, access=access, to_agency=home, reason=story["reason"])
        if index == 0:
            answered = opened_at + story["accepted_after_days"] * DAY + 2 * HOUR
            with clock.running_at(min(answered, now - HOUR)):
                transfer_move(actor=supervisor, transfer=transfer, move="accept", caseworker=caseworker)
            counts["accepted"] += 1
        else:
            counts["pending"] += 1
    return counts


def _drafts_of_people_exploited_in(demo: Demo, opener: User, *, country: str) -> Iterator[Any]:
    """Drafts of people who come home to the opener's area, of those exploited in `country`."""
    for _attempt in range(200):
        draft = case_draft(demo=demo, opener=opener, stage=Stage.IDENTIFICATION)
        places = {e["country"] for e in draft.history if e["type"] == HistoryType.EXPLOITATION}
        if country in places:
            yield draft
    raise LookupError(f"No demo scenario of {opener.agency} leads to {country}.")


def _completed() -> Iterator[tuple[Referral | Enrolment | Plan, str, datetime.datetime | None]]:
    """Every completed service the case's own agency could ask feedback on, with when it was done
    (None where that is not known)."""
    referrals = Referral.objects.filter(status=ReferralStatus.COMPLETED, completed_at__isnull=False)
    for referral in referrals.select_related("case__caseworker", "to_agency").order_by("pk"):
        yield referral, ServiceKind.REFERRAL, referral.completed_at
    done = Enrolment.objects.filter(
        status__in=(EnrolmentStatus.COMPLETED, EnrolmentStatus.PLACED), ended_on__isnull=False
    ).select_related("case__agency", "case__caseworker", "opportunity__provider")
    placed = dict(Placement.objects.values_list("enrolment_id", "started_on"))
    for enrolment in done.order_by("pk"):
        zone = zone_of(enrolment.case.agency.country)
        yield enrolment, ServiceKind.TRAINING, _noon(enrolment.ended_on, zone) if enrolment.ended_on else None
        if enrolment.pk in placed:
            yield enrolment, ServiceKind.PLACEMENT, _noon(placed[enrolment.pk], zone) + DAY * 30
    plans = Plan.objects.filter(status=PlanStatus.APPROVED, approved_at__isnull=False).select_related(
        "case__caseworker"
    )
    for plan in plans.order_by("pk"):
        yield plan, ServiceKind.PLAN, plan.approved_at


def _noon(day: datetime.date, zone: datetime.tzinfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=zone)


def _feedback(*, now: datetime.datetime) -> dict[str, int]:
    settings = _settings()["feedback"]
    rng = random.Random(SEED + 17)  # reproducible, not security
    counts = {"links": 0, "answers": 0}
    providers = list(Agency.objects.order_by("slug").values_list("pk", flat=True))
    quality = {pk: QUALITIES[i % len(QUALITIES)] for i, pk in enumerate(providers)}
    for record, kind, done_at in _completed():
        given_roll, answered_roll, days = rng.random(), rng.random(), rng.randint(0, 6)
        if given_roll >= settings["share_given"] or done_at is None or done_at >= now - HOUR:
            continue
        case = record.case
        if case.caseworker is None or case.caseworker.agency_id != case.agency_id or case.erased_at is not None:
            continue
        given = done_at + HOUR
        with clock.running_at(given):
            link = feedback_link_create(actor=case.caseworker, source=source_of(record, kind)).link
        counts["links"] += 1
        answered = given + DAY * days + HOUR * rng.randint(1, 10)
        if answered_roll >= settings["share_answered"] or answered >= now:
            continue  # not answered (yet): the link waits, or expires
        comments = settings["comments"].get(link.language) or settings["comments"]["en"]
        comment = rng.choice(comments) if rng.random() < settings["share_commented"] else ""
        with clock.running_at(answered):
            feedback_answer(
                link_id=link.pk,
                usefulness=rng.choice(settings["usefulness_by_quality"][quality[link.provider_id]]),
                respected=pick(rng, settings["respected"]),
                choice_respected=pick(rng, settings["choice_respected"]),
                comment=comment,
            )
        counts["answers"] += 1
    return counts
