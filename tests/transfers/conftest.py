import pytest

from reintegra.access import case_get_for_user
from reintegra.cases import services as case_services
from reintegra.cases.choices import DataCategory
from reintegra.transfers import services

from ..cases.conftest import IDENTITY, share_with


@pytest.fixture
def case(users):
    return case_services.case_open(actor=users["alice"], **IDENTITY)


def consent_to(actor, case, agency):
    """The returnee's consent to hand the whole case to `agency`."""
    return share_with(actor, case, agency, categories=list(DataCategory.values))


def propose(actor, case, agency, **extra):
    return services.transfer_propose(
        actor=actor,
        access=case_get_for_user(actor, code=case.code, for_edit=True),
        to_agency=agency,
        reason=extra.pop("reason", "She moved home to Cebu."),
        **extra,
    )


@pytest.fixture
def pending(case, users, network):
    consent_to(users["alice"], case, network.beta)
    return propose(users["sam"], case, network.beta)
