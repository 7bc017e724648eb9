import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from reintegra.accounts.models import AuditEvent
from reintegra.livelihoods import isco, services
from reintegra.livelihoods.models import LabourMarketDemand
from reintegra.livelihoods.selectors import demand_for

from ..conftest import api_client_for, client_for

HEADER = "area,isco,vacancies,demand_index,monthly_wage,currency,source,as_of\n"
GOOD = HEADER + (
    "TH-57,72,120,,12000,THB,Chiang Rai Employment Office,2026-06-30\n"
    "TH-57,51,340,64.5,9800,THB,Chiang Rai Employment Office,2026-06-30\n"
    "PH-07,42,,80,18000,PHP,DOLE Region VII labour market information,2026-05-31\n"
)


def test_the_isco_groups_ship_with_three_languages():
    groups = isco.groups()
    assert sum(g.level == "major" for g in groups.values()) == 10
    assert sum(g.level == "sub-major" for g in groups.values()) == 43
    assert all(g.labels["en"] and g.labels["th"] and g.labels["fil"] for g in groups.values())
    assert isco.is_sub_major("72") and not isco.is_sub_major("7") and not isco.is_sub_major("99")


def test_a_good_csv_is_imported_and_a_second_import_updates(users, network):
    result = services.labour_market_import(actor=users["cora"], text=GOOD)
    assert (result.created, result.updated) == (3, 0)
    again = services.labour_market_import(actor=users["cora"], text=GOOD.replace("120,", "150,", 1))
    assert (again.created, again.updated) == (0, 3)
    assert LabourMarketDemand.objects.get(area="TH-57", isco="72").vacancies == 150
    assert AuditEvent.objects.filter(object_type="livelihoods.labourmarketdemand", object_id="import").count() == 2


def test_a_csv_with_a_bad_row_is_refused_whole_naming_row_column_and_reason(users, network):
    bad = GOOD + "TH-57,72,-4,,12000,,Office,2026-06-30\nZZ-99,7,,,,,,2031-01-01\n"
    with pytest.raises(services.ImportRefused) as refused:
        services.labour_market_import(actor=users["cora"], text=bad)
    problems = {(row, column) for row, column, _reason in refused.value.problems}
    assert {
        (5, "vacancies"),
        (5, "currency"),
        (5, "area"),
        (6, "area"),
        (6, "isco"),
        (6, "as_of"),
        (6, "source"),
    } <= problems
    assert not LabourMarketDemand.objects.exists()  # not even the three good rows


def test_missing_columns_and_bad_numbers_are_named(users, network):
    with pytest.raises(services.ImportRefused) as refused:
        services.labour_market_import(actor=users["cora"], text="area,isco\nTH-57,72\n")
    assert "vacancies" in {c for _r, c, _m in refused.value.problems}
    with pytest.raises(services.ImportRefused) as refused:
        services.labour_market_import(actor=users["cora"], text=HEADER + "TH-57,72,many,,,,X,2026-01-01\n")
    assert refused.value.problems[0][:2] == (2, "vacancies")


def test_a_figure_needs_demand_a_currency_with_a_wage_and_a_real_area(users, network):
    with pytest.raises(ValidationError) as error:
        services.demand_save(
            actor=users["cora"],
            area="TH-57",
            isco="72",
            monthly_wage=Decimal(9000),
            source="x",
            as_of=datetime.date(2026, 1, 1),
        )
    assert {"vacancies", "wage_currency"} <= set(error.value.message_dict)


def test_the_newest_figure_of_the_area_or_its_region_is_used(users, network):
    services.labour_market_import(actor=users["cora"], text=GOOD)
    assert demand_for(area="PH-CEB", isco="42").demand_index == Decimal("80.0")  # Cebu is in Central Visayas
    assert demand_for(area="TH-50", isco="72") is None


def test_everyone_in_the_network_reads_the_figures_only_coordinators_write(users, network):
    services.labour_market_import(actor=users["cora"], text=GOOD)
    for persona in ("alice", "pat", "ana", "cora"):
        page = client_for(users[persona]).get("/livelihoods/labour-market/?country=TH")
        assert page.status_code == 200 and "Chiang Rai Employment Office" in page.content.decode()
        assert api_client_for(users[persona]).get("/api/v1/labour-market/?country=PH").json()["count"] == 1
    assert client_for(users["charlie"]).get("/livelihoods/labour-market/").status_code == 403
    assert api_client_for(None).get("/api/v1/labour-market/").status_code == 401
    upload = SimpleUploadedFile("lm.csv", GOOD.encode())
    assert client_for(users["alice"]).post("/livelihoods/labour-market/import/", {"file": upload}).status_code == 403
    response = api_client_for(users["sam"]).post("/api/v1/labour-market/", {"area": "TH-57"}, format="json")
    assert response.status_code == 403


def test_the_api_import_refuses_a_bad_file_with_every_row_named(users, network):
    client = api_client_for(users["cora"])
    bad = SimpleUploadedFile("lm.csv", (GOOD + "TH-57,72,1,,,,Office,not-a-date\n").encode())
    response = client.post("/api/v1/labour-market/import/", {"file": bad}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["rows"][0] == {
        "row": 5,
        "column": "as_of",
        "reason": "“not-a-date” is not a date (YYYY-MM-DD).",
    }
    good = SimpleUploadedFile("lm.csv", GOOD.encode())
    assert client.post("/api/v1/labour-market/import/", {"file": good}, format="multipart").json() == {
        "created": 3,
        "updated": 0,
    }


def test_a_stale_edit_of_a_figure_is_refused(users, network):
    services.labour_market_import(actor=users["cora"], text=GOOD)
    figure = LabourMarketDemand.objects.get(area="TH-57", isco="72")
    client = api_client_for(users["cora"])
    assert (
        client.patch(f"/api/v1/labour-market/{figure.pk}/", {"vacancies": 99, "version": 1}, format="json").status_code
        == 200
    )
    assert (
        client.patch(f"/api/v1/labour-market/{figure.pk}/", {"vacancies": 5, "version": 1}, format="json").status_code
        == 409
    )
    figure.refresh_from_db()
    assert figure.vacancies == 99
