import json

import pytest
from django.core.management import call_command

from reintegra.accounts.audit import audit_verify
from reintegra.accounts.models import User
from reintegra.demo.network import DEMO_AGENCIES, USERS
from reintegra.network.models import Agency, Service


@pytest.fixture
def demo(db, capsys):
    call_command("demo", "--password", "demo-password", "--cases", "0")  # cases: tests/test_demo.py
    return capsys.readouterr().out


def test_demo_loads_agencies_of_both_countries_and_the_destinations_at_every_stage(demo):
    assert Agency.objects.count() == len(DEMO_AGENCIES)
    countries = set(Agency.objects.values_list("country", flat=True))
    assert {"TH", "PH", "MY", "JP", "SA", "AE", "HK", "TW"} <= countries
    for country in ("TH", "PH"):
        stages = set(Service.objects.filter(agency__country=country).values_list("stage", flat=True))
        assert stages == {"identification", "return", "shelter_assistance", "reintegration"}


def test_demo_loads_labour_market_figures(demo):
    from reintegra.livelihoods.models import LabourMarketDemand

    assert LabourMarketDemand.objects.filter(area__startswith="TH-").exists()
    assert LabourMarketDemand.objects.filter(area__startswith="PH-").exists()
    from reintegra.livelihoods.models import Opportunity

    kinds = set(Opportunity.objects.values_list("kind", flat=True))
    assert kinds == {"vocational_training", "paid_training", "self_employment"}
    assert Opportunity.objects.filter(stipend_monthly__isnull=True, kind="vocational_training").exists()


def test_demo_users_cover_every_role_and_two_agencies_have_caseworker_and_supervisor(demo):
    roles = {u.role for u in User.objects.all()}
    assert roles == {"caseworker", "supervisor", "provider_staff", "me_analyst", "network_coordinator"}
    both = [
        slug
        for slug in {u.agency for u in USERS}
        if {"caseworker", "supervisor"} <= {u.role for u in USERS if u.agency == slug}
    ]
    assert len(both) >= 2
    assert "malee" in demo and "demo-password" in demo


def test_demo_passwords_work_and_a_second_run_changes_nothing_but_passwords(demo, client, capsys):
    assert client.login(username="malee", password="demo-password")
    call_command("demo", "--cases", "0")
    out = capsys.readouterr().out
    assert Agency.objects.count() == len(DEMO_AGENCIES)
    assert not client.login(username="malee", password="demo-password")
    random_password = next(line.split()[1] for line in out.splitlines() if line.strip().startswith("malee"))
    assert client.login(username="malee", password=random_password)
    assert audit_verify().ok


def test_users_list_json_gives_username_agency_slug_and_role(demo, capsys):
    call_command("users", "list", "--json")
    rows = json.loads(capsys.readouterr().out)
    malee = next(r for r in rows if r["username"] == "malee")
    assert malee["agency"] == "th-msdhs-chiangrai" and malee["role"] == "caseworker"
    assert len(rows) == len(USERS)


def test_demo_if_empty_leaves_an_installation_with_data_alone(demo, capsys):
    call_command("demo", "--if-empty", "--cases", "0")
    assert "was not loaded" in capsys.readouterr().out
