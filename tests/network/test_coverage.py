import csv
import io

from reintegra.lib.geo import Area, leaf_areas
from reintegra.network.coverage import AgencyReach, compute_coverage

from ..conftest import client_for


def test_compute_coverage_counts_agencies_through_regions_and_nationwide():
    region = Area("X-R", "X", "Region", "Region", None)
    a1 = Area("X-A1", "X", "A1", "Province", "X-R")
    a2 = Area("X-A2", "X", "A2", "Province", "X-R")
    b1 = Area("X-B1", "X", "B1", "Province", None)
    reaches = [
        AgencyReach(1, False, frozenset({"X-R"}), frozenset({"return"})),
        AgencyReach(2, False, frozenset({"X-A1"}), frozenset({"return", "shelter"})),
        AgencyReach(3, True, frozenset(), frozenset({"identification"})),
    ]
    table = compute_coverage(
        country="X",
        areas=[a1, a2, b1],
        regions={"X-R": region},
        columns=["identification", "return", "shelter"],
        reaches=reaches,
    )
    counts = {row.area.code: row.counts for row in table.rows}
    assert counts["X-A1"] == {"identification": 1, "return": 2, "shelter": 1}
    assert counts["X-A2"] == {"identification": 1, "return": 1, "shelter": 0}
    assert counts["X-B1"] == {"identification": 1, "return": 0, "shelter": 0}
    assert table.gap_count == 3 and table.cell_count == 9
    assert [row.gaps for row in table.rows] == [[], ["shelter"], ["return", "shelter"]]


def test_the_areas_of_a_country_are_its_leaves_and_a_country_without_subdivisions_is_one_area():
    ph = leaf_areas("PH")
    codes = {a.code for a in ph}
    assert "PH-CEB" in codes and "PH-00" in codes  # a province, and Metro Manila (a region without provinces)
    assert "PH-07" not in codes  # Central Visayas is a region with provinces: not a row of its own
    assert [a.code for a in leaf_areas("HK")] == ["HK"]
    assert len(leaf_areas("TH")) == 78


def test_the_coverage_api_shows_gaps_for_the_chosen_country(users, network):
    from ..conftest import api_client_for

    data = api_client_for(users["ana"]).get("/api/v1/coverage/", {"country": "TH"}).json()
    rows = {row["area"]: row for row in data["rows"]}
    chiang_rai, bangkok = rows["TH-57"], rows["TH-10"]
    # Alpha (Chiang Rai) identifies and reintegrates; Delta (nationwide) handles return everywhere.
    assert chiang_rai["counts"] == {"identification": 1, "return": 1, "shelter_assistance": 0, "reintegration": 2}
    assert bangkok["gaps"] == ["identification", "shelter_assistance", "reintegration"]
    assert data["gaps"] == sum(len(r["gaps"]) for r in data["rows"])
    assert data["cells"] == 78 * 4


def test_the_category_view_within_a_stage_counts_categories(users, network):
    from ..conftest import api_client_for

    data = (
        api_client_for(users["ana"])
        .get("/api/v1/coverage/", {"country": "TH", "dimension": "category", "stage": "reintegration"})
        .json()
    )
    assert "shelter" not in data["columns"] and "vocational_training" in data["columns"]
    chiang_mai = next(r for r in data["rows"] if r["area"] == "TH-50")
    assert chiang_mai["counts"]["vocational_training"] == 1
    assert chiang_mai["counts"]["family_tracing"] == 0


def test_coverage_refuses_an_unknown_country_with_a_clear_error(users, network):
    from ..conftest import api_client_for

    response = api_client_for(users["ana"]).get("/api/v1/coverage/", {"country": "ZZ", "dimension": "nope"})
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "ZZ" in fields["country"][0] and "dimension" in fields


def test_the_coverage_csv_and_json_hold_the_same_counts_as_the_page(users, network):
    client = client_for(users["cora"])
    page = client.get("/network/coverage/", {"country": "PH"}).content.decode()
    assert "Cebu" in page and 'class="gap"' in page
    raw = client.get("/network/coverage.csv", {"country": "PH"}).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(raw)))
    cebu = next(r for r in rows if r["area_code"] == "PH-CEB")
    assert cebu["region_code"] == "PH-07" and cebu["shelter_assistance"] == "1" and cebu["return"] == "0"
    data = client.get("/network/coverage.json", {"country": "PH"}).json()
    cebu_json = next(r for r in data["rows"] if r["area"] == "PH-CEB")
    assert cebu_json["counts"]["shelter_assistance"] == 1
    assert len(rows) == len(data["rows"])
