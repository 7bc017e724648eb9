"""`reintegra demo` opens a few hundred invented cases through the services: both countries, every
stage, type of return and referral status, and it does so only once."""

import re

from django.core.management import call_command
from django.db.models import Count

from reintegra.accounts.audit import audit_verify
from reintegra.cases.choices import Exploitation, HistoryType, Industry, ReturnType, Stage
from reintegra.cases.models import Case, Consent, HistoryEvent, Returnee, ReturnJourney, Task
from reintegra.feedback.choices import ServiceKind
from reintegra.feedback.models import FeedbackAnswer
from reintegra.referrals.choices import ReferralStatus
from reintegra.referrals.models import Referral
from reintegra.transfers.models import Transfer


def test_demo_opens_cases_covering_every_stage_return_and_referral_status_once(db, capsys):
    call_command("demo", "--password", "demo-password")
    out = capsys.readouterr().out

    from reintegra.plans.checks import plan_flags
    from reintegra.plans.models import Assessment, Plan
    from reintegra.plans.services import latest_ranking

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

    from reintegra.livelihoods.models import Enrolment, IncomeFollowUp, SkillsProfile

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

    call_command("demo")
    assert Case.objects.count() == cases
    assert audit_verify().ok
