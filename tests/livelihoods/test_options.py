import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from reintegra.livelihoods import services
from reintegra.livelihoods.models import Opportunity

from ..conftest import api_client_for, client_for
from .conftest import WELDING


def test_the_options_list_shows_local_demand_and_the_stipend(users, catalogue):
    body = client_for(users["alice"]).get("/livelihoods/options/").content.decode()
    assert "Electrician apprenticeship" in body and "6,000 THB" in body and "120 vacancies" in body
    assert "long and unpaid" in body and "no local figure" in body  # the sewing course
    data = api_client_for(users["pat"]).get("/api/v1/opportunities/", {"country": "TH"}).json()
    paid = next(r for r in data["results"] if r["title"] == "Electrician apprenticeship")
    assert float(paid["stipend_monthly"]) == 6000 and paid["currency"] == "THB"
    assert paid["local_demand"]["vacancies"] == 120 and paid["long_and_unpaid"] is False
    sewing = next(r for r in data["results"] if r["title"] == "Sewing course")
    assert sewing["local_demand"] is None and sewing["long_and_unpaid"] is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"stipend_monthly": Decimal(5000), "currency": ""}, "currency"),
        ({"seats": -1}, "seats"),
        ({"stipend_monthly": Decimal(-10)}, "stipend_monthly"),
        ({"starts_on": datetime.date(2026, 5, 1), "ends_on": datetime.date(2026, 4, 1)}, "ends_on"),
        ({"gender_restriction": "female"}, "gender_restriction_reason"),
        ({"isco": "7"}, "isco"),
        ({"area": "PH-CEB"}, "area"),  # not in the provider's country
    ],
)
def test_bad_options_are_refused_naming_the_field_and_nothing_is_saved(users, network, change, field):
    with pytest.raises(ValidationError) as error:
        services.opportunity_save(actor=users["cora"], provider=network.trainer, **(WELDING | change))
    assert field in error.value.message_dict
    assert not Opportunity.objects.exists()


def test_a_gender_restriction_with_its_justification_is_kept_and_shown(users, network):
    services.opportunity_save(
        actor=users["cora"],
        provider=network.trainer,
        **(WELDING | {"gender_restriction": "female", "gender_restriction_reason": "Women-only dormitory on site."}),
    )
    assert "restricted to women" in client_for(users["alice"]).get("/livelihoods/options/").content.decode()


def test_outsiders_do_not_see_the_catalogue(users, catalogue):
    assert client_for(users["charlie"]).get("/livelihoods/options/").status_code == 403
    assert api_client_for(None).get("/api/v1/opportunities/").status_code == 401
