"""Demo priorities, plans and assessment series for the demo cases, through the plan services.

Trajectories differ on purpose: some returnees find work and their index rises, some stay in debt
and distress; some plans answer the returnee's priorities, a few leave income without an economic
goal, so the plan check has something to show.
"""

import datetime
import random
from typing import Any, Protocol

from django.utils import timezone

from reintegra.accounts.models import Role, User
from reintegra.cases.choices import Stage
from reintegra.cases.models import Case
from reintegra.plans import scoring, services
from reintegra.plans.models import Assessment, Plan, PriorityRanking
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


def load_demo_plans(*, stdout: Writer | None = None, seed: int = 2026) -> dict[str, int]:
    if PriorityRanking.objects.exists() or Plan.objects.exists():
        return {"plans": 0, "assessments": 0}
    rng = random.Random(seed)
    supervisors = {u.agency_id: u for u in User.objects.filter(role=Role.SUPERVISOR, username__in=["somchai", "jose"])}
    today = timezone.localdate()
    counts = {"rankings": 0, "plans": 0, "approved": 0, "flagged": 0, "assessments": 0}
    cases = (
        Case.objects.select_related("returnee", "caseworker", "agency")
        .exclude(caseworker=None)
        .exclude(stage__in=[Stage.IDENTIFICATION, Stage.RETURN])
        .order_by("pk")
    )
    for case in cases:
        author: User = case.caseworker  # type: ignore[assignment]
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
        services.priorities_record(actor=author, case=case, ranking=ranking, words=words, context="intake")
        counts["rankings"] += 1
        if case.stage not in (Stage.REINTEGRATION, Stage.FOLLOW_UP, Stage.CLOSED):
            continue
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
            services.action_add(
                actor=author,
                goal=goal,
                kind="task",
                description="Follow-up visit at home",
                responsible_agency=case.agency,
                responsible_person=author,
                target_date=today + datetime.timedelta(days=rng.randint(-60, 90)),
            )
        plan = services.plan_update(
            actor=author,
            plan=plan,
            version=plan.version,
            returnee_took_part=True,
            returnee_agreed_on=min(today, case.opened_at.date() + datetime.timedelta(days=30)),
        )
        services.plan_move(actor=author, plan=plan, move="submit")
        supervisor = supervisors.get(case.agency_id)
        if supervisor is not None and supervisor.pk != author.pk and rng.random() < 0.8:
            services.plan_move(actor=supervisor, plan=plan, move="approve")
            counts["approved"] += 1
        counts["plans"] += 1
    # Assessment series: good, poor and mixed trajectories. The most recent due one is sometimes left
    # overdue, as in real life.
    for case in Case.objects.filter(assessments__isnull=False).distinct().select_related("caseworker", "agency"):
        actor = case.caseworker
        if actor is None:
            continue
        trajectory = rng.choice(["good", "good", "poor", "mixed"])
        income = 9000 if case.agency.country == "TH" else 12000
        due = list(Assessment.objects.filter(case=case, due_on__lte=today).order_by("due_on"))
        if due and case.stage != Stage.CLOSED and rng.random() < 0.3:
            due = due[:-1]
        for step, assessment in enumerate(due):
            level = {"good": 0.3 + 0.18 * step, "poor": 0.25 + 0.02 * step, "mixed": 0.45 + (-0.1 if step % 2 else 0.1)}
            done_on = min(today, assessment.due_on + datetime.timedelta(days=rng.randint(0, 10)))
            services.assessment_record(
                actor=actor,
                assessment=assessment,
                done_on=done_on,
                answers=_answers(rng, min(level[trajectory], 0.95), income),
            )
            counts["assessments"] += 1
    if stdout is not None:
        stdout.write(
            f"Demo plans: {counts['rankings']} priority rankings, {counts['plans']} plans ({counts['approved']} "
            f"approved, {counts['flagged']} without an economic goal), {counts['assessments']} assessments."
        )
    return counts
