"""Demo priorities, plans and assessment series for the demo cases, through the plan services.

Trajectories differ on purpose: some returnees find work and their index rises, some stay in debt
and distress; some plans answer the returnee's priorities, a few leave income without an economic
goal, so the plan check has something to show.
"""

import datetime
import random
from collections.abc import Collection
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.utils import timezone

from reintegra.accounts.models import Role, User
from reintegra.cases.choices import Stage
from reintegra.cases.models import Case
from reintegra.demo.timing import HOUR, MINUTE, Pace, day_of, stages_reached, zone_of
from reintegra.lib import clock
from reintegra.plans import scoring, services
from reintegra.plans.models import Action, Assessment, Plan, PriorityRanking
from reintegra.plans.scoring import OUTSIDE_THE_SCALE


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


WORDS = {
    "TH": {
        "income": ["อยากมีงานที่ได้เงินทุกเดือน", "ต้องส่งเงินให้ลูกไปโรงเรียน", "อยากเปิดร้านขายของเล็กๆ ที่บ้าน"],
        "debt": ["หนี้นายหน้ายังค้างอยู่ กลัวเขามาทวง", "อยากใช้หนี้ให้หมดก่อน"],
        "family": ["อยากให้พ่อแม่ยอมรับ", "อยากอยู่กับลูก"],
        "overall": ["ไม่อยากกลับไปเมืองนอกอีกถ้ามีงานที่บ้าน", "อยากเริ่มใหม่ ไม่อยากให้ใครรู้เรื่องเก่า"],
    },
    "PH": {
        "income": [
            "Gusto ko ng trabahong may sahod buwan-buwan",
            "Kailangan kong may maipadala para sa pag-aaral ng anak ko",
        ],
        "debt": ["Malaki pa ang utang sa recruiter", "Gusto kong mabayaran muna ang utang"],
        "family": ["Gusto kong matanggap ulit ng pamilya ko", "Gusto kong makasama ang mga anak ko"],
        "overall": ["Ayoko nang umalis ulit kung may trabaho dito", "Gusto kong magsimula ng maliit na negosyo"],
    },
}
OTHER_PRIORITIES = [
    "mental_wellbeing",
    "physical_health",
    "housing",
    "legal",
    "community",
    "skills",
    "safety",
    "children_schooling",
    "safe_migration",
]
# The levels on the worst-to-best scale: a drawn level picks among them.
LEVELS = {code: [v for v in levels if v not in OUTSIDE_THE_SCALE] for code, levels in scoring.LEVELS.items()}


def _answers(rng: random.Random, level: float, currency_income: int) -> dict[str, Any]:
    """Answers around a level between 0 and 1 (how well reintegration is going)."""

    def pick(options: list[str]) -> str:
        x = min(max(level + rng.uniform(-0.3, 0.3), 0), 0.999)
        return options[int(x * len(options))]

    def likert() -> int:
        return int(min(max(round(1 + 4 * (level + rng.uniform(-0.25, 0.25))), 1), 5))

    income = int(currency_income * (0.2 + level * 1.2))
    debt = int(max(0.0, (1 - level) * currency_income * rng.uniform(2, 14)))
    answers: dict[str, Any] = {code: pick(options) for code, options in LEVELS.items()}
    answers |= {
        "income_sources": int(min(3, max(0, round(level * 2.5 + rng.uniform(-0.5, 0.5))))),
        "debt_to_income": {"debt": debt, "monthly_income": income},
        "economic_satisfaction": likert(),
        "participation": likert(),
        "belonging": likert(),
        "feeling_safe": likert(),
    }
    return answers


def load_demo_plans(
    *,
    stdout: Writer | None = None,
    seed: int = 2026,
    now: datetime.datetime | None = None,
    closing: Collection[int] = (),
) -> dict[str, int]:
    """Priorities, plans and assessments for the demo cases, each written at a moment of the case's
    past (after `now`, nothing); cases in `closing` are closed afterwards, so their plan is settled
    and every assessment due is done."""
    if PriorityRanking.objects.exists() or Plan.objects.exists():
        return {"plans": 0, "assessments": 0}
    rng = random.Random(seed)
    now = now or timezone.now()
    pace = Pace(rng=rng, latest=now)
    supervisors = {u.agency_id: u for u in User.objects.filter(role=Role.SUPERVISOR, username__in=["somchai", "jose"])}
    today = timezone.localdate(now)
    counts = {"rankings": 0, "plans": 0, "approved": 0, "flagged": 0, "assessments": 0}
    cases = (
        Case.objects.select_related("returnee", "caseworker", "agency")
        .exclude(caseworker=None)
        .exclude(stage__in=[Stage.IDENTIFICATION, Stage.RETURN])
        .order_by("pk")
    )
    reached = stages_reached([case.pk for case in cases])
    for case in cases:
        author: User = case.caseworker  # type: ignore[assignment]
        zone = zone_of(case.agency.country)
        country = case.agency.country if case.agency.country in WORDS else "TH"
        words_bank = WORDS[country]
        top = ["income", "debt", "family"] if rng.random() < 0.6 else ["debt", "income", "children_schooling"]
        if rng.random() < 0.25:
            top = ["family", "mental_wellbeing", "income"]
        ranking = top + rng.sample([p for p in OTHER_PRIORITIES if p not in top], 2)
        words = {"overall": rng.choice(words_bank["overall"])}
        for key in ("income", "debt", "family"):
            if key in top[:3] and rng.random() < 0.7:
                words[key] = rng.choice(words_bank[key])
        asked = pace.after(case.opened_at + HOUR, pace.wait("priorities_after_opening"), zone)
        with clock.running_at(asked):
            services.priorities_record(actor=author, case=case, ranking=ranking, words=words, context="intake")
        counts["rankings"] += 1
        if case.stage not in (Stage.REINTEGRATION, Stage.FOLLOW_UP, Stage.CLOSED):
            continue
        stages = reached.get(case.pk, {})
        reintegration = stages.get(Stage.REINTEGRATION) or stages.get(Stage.FOLLOW_UP) or case.opened_at
        started = pace.after(max(reintegration, asked + HOUR), pace.wait("plan_after_reintegration"), zone)
        with clock.running_at(started):
            plan = _plan_write(rng=rng, author=author, case=case, top=top, today=today, counts=counts)
        agreed = pace.after(started + 30 * MINUTE, pace.wait("plan_agreed"), zone)
        supervisor = supervisors.get(case.agency_id)
        approved = supervisor is not None and supervisor.pk != author.pk and (case.pk in closing or rng.random() < 0.8)
        with clock.running_at(agreed):
            plan = services.plan_update(
                actor=author,
                plan=plan,
                version=plan.version,
                returnee_took_part=True,
                returnee_agreed_on=day_of(agreed),
            )
        # A plan still waiting for approval was submitted lately: supervisors answer within days.
        submitted = agreed + MINUTE if approved else max(agreed + MINUTE, now - pace.wait("submitted_waiting"))
        with clock.running_at(min(submitted, now)):
            services.plan_move(actor=author, plan=plan, move="submit")
        last = submitted
        if approved:
            assert supervisor is not None  # noqa: S101  approved only with one
            last = pace.after(submitted, pace.wait("approval"), zone)
            with clock.running_at(last):
                services.plan_move(actor=supervisor, plan=plan, move="approve")
            counts["approved"] += 1
        _visits_done(pace=pace, plan=plan, author=author, after=last, today=today, zone=zone)
        counts["plans"] += 1
    # Assessment series: good, poor and mixed trajectories. The latest one due is sometimes still to
    # do when it fell due lately, as in real life; an older one is done.
    for case in Case.objects.filter(assessments__isnull=False).distinct().select_related("caseworker", "agency"):
        actor = case.caseworker
        if actor is None:
            continue
        zone = zone_of(case.agency.country)
        trajectory = rng.choice(["good", "good", "poor", "mixed"])
        income = 9000 if case.agency.country == "TH" else 12000
        due = list(Assessment.objects.filter(case=case, due_on__lte=today).order_by("due_on"))
        recent = bool(due) and (today - due[-1].due_on).days <= 45
        if recent and case.pk not in closing and rng.random() < 0.5:
            due = due[:-1]
        last = case.opened_at + HOUR
        for step, assessment in enumerate(due):
            level = {"good": 0.3 + 0.18 * step, "poor": 0.25 + 0.02 * step, "mixed": 0.45 + (-0.1 if step % 2 else 0.1)}
            first_day = max(assessment.due_on, day_of(case.opened_at))
            done_on = min(today, first_day + datetime.timedelta(days=rng.randint(0, 10)))
            last = min(now, max(last + MINUTE, pace.on(done_on, zone)))
            with clock.running_at(last):
                services.assessment_record(
                    actor=actor,
                    assessment=assessment,
                    done_on=day_of(last),
                    answers=_answers(rng, min(level[trajectory], 0.95), income),
                )
            counts["assessments"] += 1
    if stdout is not None:
        stdout.write(
            f"Demo plans: {counts['rankings']} priority rankings, {counts['plans']} plans ({counts['approved']} "
            f"approved, {counts['flagged']} without an economic goal), {counts['assessments']} assessments."
        )
    return counts


def _plan_write(
    *, rng: random.Random, author: User, case: Case, top: list[str], today: datetime.date, counts: dict[str, int]
) -> Plan:
    """The plan's goals and actions, as the caseworker first writes them down."""
    country = case.agency.country if case.agency.country in WORDS else "TH"
    plan = services.plan_start(actor=author, case=case, language="th" if country == "TH" else "fil")
    leave_out_income = rng.random() < 0.15
    if not leave_out_income:
        services.goal_add(
            actor=author,
            plan=plan,
            domain="economic",
            description="Paid work or a small business that covers the family's needs",
            priorities=[p for p in ("income", "debt") if p in top],
        )
    else:
        counts["flagged"] += 1
    services.goal_add(
        actor=author,
        plan=plan,
        domain="family",
        description="Return to the family, accepted",
        priorities=["family"] if "family" in top else [],
    )
    if "mental_wellbeing" in top or rng.random() < 0.5:
        services.goal_add(
            actor=author,
            plan=plan,
            domain="psychosocial",
            description="Counselling until she or he feels settled",
            priorities=["mental_wellbeing"] if "mental_wellbeing" in top else [],
        )
    written = clock.today()
    for goal in plan.goals.all():
        referral = case.referrals.select_related("to_agency").first()
        if goal.domain == "economic" and referral is not None:
            services.action_add(
                actor=author,
                goal=goal,
                kind="referral",
                description="Referral for the service",
                responsible_agency=referral.to_agency,
                referral=referral,
            )
        # The next home visit: planned from the day the plan was written, often in the weeks ahead.
        soon = written + datetime.timedelta(days=rng.randint(7, 30))
        target = max(soon, today + datetime.timedelta(days=rng.randint(-60, 90)))
        services.action_add(
            actor=author,
            goal=goal,
            kind="task",
            description="Follow-up visit at home",
            responsible_agency=case.agency,
            responsible_person=author,
            target_date=target,
        )
    return plan


def _visits_done(
    *, pace: Pace, plan: Plan, author: User, after: datetime.datetime, today: datetime.date, zone: ZoneInfo
) -> None:
    """Most home visits whose day has passed were made (a few days late at most)."""
    for action in Action.objects.filter(goal__plan=plan, kind="task", target_date__lt=today).order_by("target_date"):
        assert action.target_date is not None  # noqa: S101  filtered
        if pace.rng.random() < 0.75:
            day = min(today, action.target_date + datetime.timedelta(days=pace.rng.randint(0, 5)))
            after = min(pace.latest, max(after + MINUTE, pace.on(day, zone)))
            with clock.running_at(after):
                services.action_done(actor=author, action=action)
