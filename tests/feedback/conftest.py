import pytest

from reintegra.livelihoods.models import Enrolment, Placement
from reintegra.plans import services as plan_services
from reintegra.plans.models import Plan
from reintegra.referrals.models import Referral

from ..cases.conftest import case, refer, share_with  # noqa: F401  (the case fixture)
from ..livelihoods.conftest import catalogue  # noqa: F401
from ..livelihoods.test_enrolments import recommend


@pytest.fixture
def referral(users, network, case):
    share_with(users["alice"], case, network.beta)
    sent = refer(users["alice"], case, network.beta)
    return sent


@pytest.fixture
def completed_referral(referral):
    Referral.objects.filter(pk=referral.pk).update(status="completed")
    referral.refresh_from_db()
    return referral


@pytest.fixture
def enrolment(users, case, catalogue):
    return recommend(users, case, catalogue[1])


@pytest.fixture
def completed_enrolment(enrolment):
    Enrolment.objects.filter(pk=enrolment.pk).update(status="completed")
    enrolment.refresh_from_db()
    return enrolment


@pytest.fixture
def approved_plan(users, case):
    plan = plan_services.plan_start(actor=users["alice"], case=case)
    Plan.objects.filter(pk=plan.pk).update(status="approved")
    plan.refresh_from_db()
    return plan


__all__ = ["Placement", "case", "catalogue"]
