from decimal import Decimal

import pytest

from reintegra.livelihoods import services

from ..cases.conftest import case  # noqa: F401  (the case fixture, for enrolments)
from .test_labour_market import GOOD

WELDING = {
    "kind": "paid_training",
    "title": "Electrician apprenticeship",
    "isco": "74",
    "area": "TH-57",
    "duration_weeks": 12,
    "seats": 15,
    "stipend_monthly": Decimal(6000),
    "currency": "THB",
}


@pytest.fixture
def catalogue(users, network):
    services.labour_market_import(actor=users["cora"], text=GOOD.replace("TH-57,72,", "TH-57,74,", 1))
    paid = services.opportunity_save(actor=users["cora"], provider=network.trainer, **WELDING)
    unpaid = services.opportunity_save(
        actor=users["cora"],
        provider=network.trainer,
        kind="vocational_training",
        title="Sewing course",
        isco="75",
        area="TH-57",
        duration_weeks=16,
    )
    return paid, unpaid
