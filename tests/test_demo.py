"""`reintegra demo` opens a few hundred invented cases through the services: both countries, every
stage, type of return and referral status, and it does so only once.

The demo has a believable past (decisions/0019): returns and intakes spread over two years,
referrals answered after hours or days (some after weeks, some never), services completed weeks or
months later, every record in the order its story needs, nothing after the moment the demo was
loaded but what is due, and a caseworker's today with work overdue and work due this week.

The demo is loaded once for the module (minutes on PostgreSQL), in a transaction rolled back at the end."""

import datetime
import io
import random
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from reintegra.accounts.audit import audit_verify
from reintegra.accounts.models import AuditEvent, User
from reintegra.cases.choices import ConsentPurpose, Exploitation, HistoryType, Industry, ReturnType, Stage
from reintegra.cases.models import Case, CaseEvent, Consent, HistoryEvent, Returnee, ReturnJourney, Task
from reintegra.demo.timing import Pace, zone_of
from reintegra.feedback.choices import ServiceKind
from reintegra.feedback.models import FeedbackAnswer
from reintegra.lib import geo
from reintegra.lib.dates import add_months
from reintegra.livelihoods.models import Enrolment, IncomeFollowUp, SkillsProfile, StipendPayment
from reintegra.plans.checks import plan_flags
from reintegra.plans.models import Assessment, Plan, PriorityRanking
from reintegra.plans.services import latest_ranking
from reintegra.referrals.choices import ReferralStatus
from reintegra.referrals.models import Referral
from reintegra.transfers.models import Transfer

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
# Dates that may lie ahead: what is due or planned, and the options' own dates.
AHEAD = {
    ("cases.Task", "due_on"),
    ("plans.Goal", "target_date"),
    ("plans.Action", "target_date"),
    ("plans.Assessment", "due_on"),
    ("livelihoods.IncomeFollowUp", "due_on"),
    ("livelihoods.Opportunity", "starts_on"),
    ("livelihoods.Opportunity", "ends_on"),
    ("feedback.FeedbackLink", "expires_at"),  # a link given lately works for some days more
}
CASEWORKERS = ["malee", "nattaya", "maria", "grace"]

# The module's demo takes minutes to load: on one xdist worker it is loaded once, not once per worker.
pytestmark = pytest.mark.xdist_group("demo")


@dataclass(frozen=True)
class Loaded:
    started: datetime.datetime  # just before `reintegra demo` ran
    finished: datetime.datetime
    output: str  # what it printed

    @property
    def today(self) -> datetime.date:
        return timezone.localdate(self.finished)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[Loaded]:
    with django_db_blocker.unblock(), transaction.atomic():
        started, out = timezone.now(), io.StringIO()
        call_command("demo", "--password", "demo-password", stdout=out)
        yield Loaded(started=started, finished=timezone.now(), output=out.getvalue())
        transaction.set_rollback(True)


def day_of(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)


def test_referrals_are_answered_after_hours_or_days_and_services_take_weeks_or_months(demo, db):
    answered = Referral.objects.exclude(responded_at=None)
    waits = sorted(r.responded_at - r.sent_at for r in answered)
    median = statistics.median(waits)
    assert 6 * HOUR < median < 10 * DAY
    assert waits[0] > datetime.timedelta(0)  # nobody answers at the moment it is sent
    assert sum(wait > 7 * DAY for wait in waits) >= 3  # some wait for weeks
    assert answered.filter(status=ReferralStatus.DECLINED).exists()
    pending = [demo.finished - r.sent_at for r in Referral.objects.filter(status=ReferralStatus.PENDING)]
    assert pending and max(pending) > 14 * DAY and statistics.median(pending) < 30 * DAY

    completed = Referral.objects.filter(status=ReferralStatus.COMPLETED)
    durations = [r.completed_at - r.responded_at for r in completed]
    assert len(durations) > 20
    assert 14 * DAY < statistics.median(durations) < 120 * DAY
    assert max(durations) > 60 * DAY


def test_returns_and_intakes_spread_over_the_last_two_years(demo, db):
    opened = sorted(Case.objects.values_list("opened_at", flat=True))
    assert opened[-1] - opened[0] > 365 * DAY
    returns = sorted(ReturnJourney.objects.values_list("returned_on", flat=True))
    assert 540 <= (demo.today - returns[0]).days <= 760  # about 18 to 24 months
    # Not bunched: every quarter of the past year saw intakes.
    for quarter in range(4):
        since, until = demo.finished - (quarter + 1) * 91 * DAY, demo.finished - quarter * 91 * DAY
        assert any(since <= at < until for at in opened), quarter


def test_nothing_happened_after_the_demo_was_loaded_but_what_is_due(demo, db):
    late = []
    for model in apps.get_models():
        if not model.__module__.startswith("reintegra."):
            continue
        for field in model._meta.concrete_fields:
            if (model._meta.label, field.name) in AHEAD:
                continue
            if isinstance(field, models.DateTimeField):
                limit: datetime.date | datetime.datetime = demo.finished
            elif isinstance(field, models.DateField):
                limit = demo.today
            else:
                continue
            if model.objects.filter(**{f"{field.name}__gt": limit}).exists():
                late.append(f"{model._meta.label}.{field.name}")
    assert late == []
    # What is due ahead is there: follow-ups and tasks scheduled.
    assert Task.objects.filter(due_on__gt=demo.today, done_at=None).exists()
    assert IncomeFollowUp.objects.filter(due_on__gt=demo.today).exists()
    assert Assessment.objects.filter(due_on__gt=demo.today).exists()


def test_every_case_tells_its_story_in_order(demo, db):
    lines = defaultdict(list)
    for case_id, at in CaseEvent.objects.values_list("case_id", "at"):
        lines[case_id].append(at)
    journeys = dict(ReturnJourney.objects.values_list("case_id", "returned_on"))
    consents = defaultdict(list)
    for consent in Consent.objects.all():
        consents[consent.case_id].append(consent)
    tasks = defaultdict(list)
    for task in Task.objects.all():
        tasks[task.case_id].append(task)
    referrals = defaultdict(list)
    for referral in Referral.objects.select_related("consent"):
        referrals[referral.case_id].append(referral)

    cases = list(Case.objects.all())
    assert len(cases) >= 250
    for case in cases:
        opened = case.opened_at
        story = lines[case.pk]
        assert min(story) == opened, case.code  # the opening comes first
        if case.pk in journeys:
            assert journeys[case.pk] <= day_of(opened), case.code  # the return, then the intake
        for consent in consents[case.pk]:
            assert consent.created_at >= opened and consent.given_on >= day_of(opened), case.code
            if consent.purpose == ConsentPurpose.ASSISTANCE:
                assert consent.given_on == day_of(opened), case.code
            if consent.withdrawn_at is not None:
                assert consent.withdrawn_at > consent.created_at, case.code
        for task in tasks[case.pk]:
            assert task.created_at >= opened, case.code
            assert task.done_at is None or task.done_at >= task.created_at, case.code
        for referral in referrals[case.pk]:
            sent = referral.sent_at
            assert sent > opened, case.code
            if referral.consent is not None:  # consent before the referral
                assert referral.consent.given_on <= day_of(sent), case.code
                assert referral.consent.created_at <= sent, case.code
            else:
                assert referral.override_by is not None, case.code
            assert referral.responded_at is None or referral.responded_at > sent, case.code
            assert referral.completed_at is None or referral.completed_at > referral.responded_at, case.code
            assert referral.ended_at is None or referral.ended_at >= (referral.responded_at or sent), case.code
        if case.stage == Stage.CLOSED:  # closed after all the work on it, none left open
            assert case.closed_at == max(story), case.code
            assert all(task.done_at is not None for task in tasks[case.pk]), case.code


def test_plans_assessments_and_livelihoods_follow_the_case(demo, db):
    for ranking in PriorityRanking.objects.select_related("case"):
        assert ranking.recorded_at > ranking.case.opened_at
    plans = Plan.objects.select_related("case").exclude(approved_at=None)
    assert plans.count() > 50
    for plan in plans:
        assert plan.returnee_agreed_on is not None
        assert day_of(plan.case.opened_at) <= plan.returnee_agreed_on <= day_of(plan.approved_at)
    for assessment in Assessment.objects.exclude(done_on=None).select_related("case__return_journey"):
        assert assessment.due_on <= assessment.done_on <= demo.today
        assert assessment.done_on >= assessment.case.return_journey.returned_on

    enrolments = Enrolment.objects.select_related("case").prefetch_related("follow_ups")
    assert enrolments.count() > 50
    for enrolment in enrolments:
        steps = [enrolment.recommended_on, enrolment.decided_on, enrolment.enrolled_on, enrolment.ended_on]
        known = [day for day in steps if day is not None]
        assert known == sorted(known), enrolment.pk
        assert enrolment.recommended_on >= day_of(enrolment.case.opened_at)
        placement = getattr(enrolment, "placement", None)
        if placement is not None:
            assert placement.started_on >= (enrolment.ended_on or enrolment.enrolled_on)
        follow_ups = list(enrolment.follow_ups.all())
        if follow_ups:  # 1, 3, 6 and 12 months after the completion (or the start of work)
            start = enrolment.ended_on or placement.started_on
            assert sorted((f.months, f.due_on) for f in follow_ups) == [
                (m, add_months(start, m)) for m in (1, 3, 6, 12)
            ]
        for follow_up in follow_ups:
            assert follow_up.done_on is None or follow_up.due_on <= follow_up.done_on <= demo.today
    for payment in StipendPayment.objects.select_related("enrolment"):
        assert payment.enrolment.enrolled_on <= payment.paid_on <= demo.today
    recorded = IncomeFollowUp.objects.exclude(done_on=None)
    assert recorded.count() > 20 and IncomeFollowUp.objects.filter(done_on=None, due_on__lt=demo.today).exists()


def test_returnees_come_home_to_a_spread_of_their_agencys_countrys_provinces(demo, db):
    """The home area (the figures by area of origin): most intakes record it, each an area of the
    agency's country, spread over several provinces of each, none holding most of them."""
    homes = list(Case.objects.values_list("agency__country", "returnee__home_area"))
    unknown = [country for country, area in homes if not area]
    assert 0 < len(unknown) < len(homes) // 8
    for country in ("TH", "PH"):
        areas = Counter(area for c, area in homes if c == country and area)
        assert all(geo.area_get(area) is not None and geo.area_get(area).country == country for area in areas)
        assert len(areas) >= 5 and max(areas.values()) < 0.6 * sum(areas.values()), areas


def test_the_audit_chain_verifies_and_records_when_the_demo_was_written(demo, db):
    assert audit_verify().ok
    # The audit log keeps the real time: it says when the records reached this system.
    demo_events = AuditEvent.objects.filter(actor__username__in=CASEWORKERS)
    assert demo_events.count() > 1000
    assert not demo_events.filter(at__lt=demo.started).exists()


@pytest.mark.parametrize("username", CASEWORKERS)
def test_a_caseworkers_home_shows_work_overdue_lately_and_work_due_this_week(demo, db, client, username):
    client.force_login(User.objects.get(username=username))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    today = response.context["today"].tasks
    assert today.overdue and (today.due_today or today.this_week)
    late = [(demo.today - task.due_on).days for task in today.overdue]
    assert statistics.median(late) <= 45  # mostly fallen due lately, not left for a year
    assert sum(days > 120 for days in late) <= 3
    done_buttons = response.content.decode().count(reverse("home_task_done", args=[today.overdue[0].pk]))
    assert done_buttons == 1


def test_the_demos_draws_do_not_depend_on_the_hour_it_is_loaded_at():
    """The same seed draws the same numbers whether a wait is cut short by "now" or not, so a demo
    loaded in the morning and one loaded in the evening tell the same story."""
    base = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
    zone = zone_of("PH")
    states = []
    for latest in (base + HOUR, base + 400 * DAY):
        pace = Pace(rng=random.Random(7), latest=latest)
        moments = [pace.after(base, pace.wait("completion"), zone) for _ in range(20)]
        moments += [pace.within(base, base + 30 * DAY), pace.on(datetime.date(2026, 2, 1), zone)]
        assert all(moment <= latest for moment in moments)
        states.append(pace.rng.random())
    assert states[0] == states[1]


def test_demo_opens_cases_covering_every_stage_return_and_referral_status_once(demo, db):
    out = demo.output

    plans = list(Plan.objects.select_related("case"))
    assert len(plans) > 100 and {p.status for p in plans} >= {"approved", "submitted"}
    flagged = [p for p in plans if any(f.critical for f in plan_flags(plan=p, ranking=latest_ranking(p.case)))]
    assert 0 < len(flagged) < len(plans)
    scored = Assessment.objects.filter(composite__isnull=False)
    assert (
        scored.count() > 200
        and scored.filter(composite__lt=0.35).exists()
        and scored.filter(composite__gt=0.7).exists()
    )

    assert SkillsProfile.objects.count() > 100
    statuses = set(Enrolment.objects.values_list("status", flat=True))
    assert {"placed", "declined", "dropped_out", "completed"} <= statuses
    assert all(e.decline_reason for e in Enrolment.objects.filter(status="declined"))
    incomes = IncomeFollowUp.objects.filter(done_on__isnull=False)
    assert incomes.filter(employment="looking").exists() and incomes.filter(monthly_income__gt=0).exists()
    assert Enrolment.objects.filter(referral__isnull=False).exists()  # provider staff see some

    cases = Case.objects.count()
    assert cases >= 250
    assert not Returnee.objects.filter(name_words__isnull=True).exists()  # searchable by part of a name
    # Every case is kept at home, but the one a consular office abroad still waits to hand over.
    assert set(Case.objects.exclude(transfers__status="pending").values_list("agency__country", flat=True)) == {
        "TH",
        "PH",
    }
    handed = {t.status: t for t in Transfer.objects.select_related("case__agency", "from_agency", "to_agency")}
    assert set(handed) == {"accepted", "pending"}
    assert {t.from_agency.type for t in handed.values()} == {"ForeignAffairsConsular"}
    assert handed["accepted"].case.agency == handed["accepted"].to_agency
    assert handed["pending"].case.agency == handed["pending"].from_agency

    # Returnees answered feedback links; some providers have enough answers to be shown (k = 5).
    answers = FeedbackAnswer.objects.values("provider", "service_kind").annotate(n=Count("pk"))
    assert sum(a["n"] for a in answers) > 50 and any(a["n"] >= 5 for a in answers)
    assert {a["service_kind"] for a in answers} == set(ServiceKind.values)
    assert set(Case.objects.values_list("stage", flat=True)) == set(Stage.values)

    returns = ReturnJourney.objects.all()
    assert set(returns.values_list("return_type", flat=True)) == set(ReturnType.values)
    assert {"MY", "SA", "JP", "AE", "HK", "TW"} <= set(returns.values_list("country_from", flat=True))

    exploitation = HistoryEvent.objects.filter(type=HistoryType.EXPLOITATION)
    industries = set(exploitation.values_list("industry", flat=True))
    assert {Industry.A, Industry.T, Industry.F, Industry.C, Industry.R} <= industries
    forms = {form for row in exploitation.values_list("exploitation_types", flat=True) for form in row}
    assert {Exploitation.FORCED_LABOUR, Exploitation.SEXUAL, Exploitation.FORCED_CRIMINALITY} <= forms
    assert HistoryEvent.objects.filter(debt_currency__in=["THB", "PHP"]).count() >= cases // 4

    assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert Referral.objects.filter(consent__isnull=True, override_by__role="supervisor").exists()
    assert Consent.objects.filter(purpose="assistance").count() == cases
    assert Consent.objects.filter(withdrawn_at__isnull=False).exists()
    assert Task.objects.filter(done_at__isnull=False).exists()
    assert Task.objects.filter(done_at__isnull=True, is_follow_up=True).exists()
    assert audit_verify().ok

    assert f"Demo cases: {cases - len(handed)} added" in out  # and those of the consular office
    names = {name for r in Returnee.objects.all() for name in (r.given_name, r.family_name) if name}
    assert not [name for name in names if re.search(rf"\b{re.escape(name)}\b", out)]

    call_command("demo", stdout=io.StringIO())  # once more: nothing is added
    assert Case.objects.count() == cases
    assert audit_verify().ok
