"""Hostile input (issue 12, finding 3): untyped path ids, non-finite and absurd numbers, text with
NUL bytes or over the csv module's field limit, CSV files with CR-only line endings, JSON nested too
deeply. Each answers a 4xx naming what is wrong (never a 500) and saves nothing."""

import importlib
import json
import re

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError, connection, transaction
from django.urls.resolvers import RegexPattern, RoutePattern

from reintegra.api import MAX_JSON_DEPTH, json_depth
from reintegra.cases.models import Case
from reintegra.livelihoods import services
from reintegra.livelihoods.case_api import EnrolmentViewSet
from reintegra.livelihoods.models import LabourMarketDemand
from reintegra.plans import scoring
from reintegra.urls import router

from .cases.test_api import NEW_CASE
from .conftest import api_client_for, client_for
from .routes import walk

HEADER = "area,isco,vacancies,demand_index,monthly_wage,currency,source,as_of\n"
ROW = "TH-57,72,120,,{wage},THB,{source},2026-06-30"
HOSTILE = ["inf", "-inf", "Infinity", "nan", "NaN", "sNaN", "-nan", "1e20", "1e999999", "100000000000000000000"]


# --- Path ids ----------------------------------------------------------------------------------------

_PK_LIKE = re.compile(r"^(pk|id|.+_id)$")
# The parameters that are not ids of rows: a format suffix, and the admin's own (it answers a bad id
# with a redirect, never a 500).
_NOT_IDS = {"format", "url", "app_label", "object_id", "content_type_id"}


def untyped_parameters(patterns=None, prefix="") -> list[str]:
    """Each path parameter that takes any text: a DRF route left at its default `[^/.]+`, a Django
    route whose id is not an <int:…>, or a `path` converter outside the admin."""
    bad = []
    for route in walk(patterns, prefix):
        where, pattern = route.path, route.pattern
        if where.startswith("admin/"):
            continue
        if isinstance(pattern, RoutePattern):
            for name, converter in pattern.converters.items():
                kind = type(converter).__name__
                if name in _NOT_IDS:
                    continue
                if (_PK_LIKE.match(name) and kind != "IntConverter") or kind == "PathConverter":
                    bad.append(f"{where} <{name}> ({kind})")
        elif isinstance(pattern, RegexPattern):
            for name, body in re.findall(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", where):
                if name not in _NOT_IDS and body in ("[^/.]+", "[^/]+", ".+", ".*"):
                    bad.append(f"{where} <{name}> {body}")
    return bad


def test_every_id_in_a_path_is_typed():
    """A new viewset without `lookup_value_regex`, or a page with <str:…_id>, fails here."""
    assert untyped_parameters() == []


def test_the_check_finds_an_untyped_route(monkeypatch):
    monkeypatch.delattr(EnrolmentViewSet, "lookup_value_regex")
    found = untyped_parameters(router.get_urls(), "api/v1/")
    assert "api/v1/^enrolments/(?P<pk>[^/.]+)/$ <pk> [^/.]+" in found


ID_PATHS = [
    "/api/v1/enrolments/{id}/",
    "/api/v1/enrolments/{id}/placement/",
    "/api/v1/enrolments/{id}/status/",
    "/api/v1/enrolments/{id}/stipends/",
    "/api/v1/follow-ups/{id}/",
    "/api/v1/labour-market/{id}/",
    "/api/v1/services/{id}/",
    "/api/v1/consents/{id}/",
    "/api/v1/tasks/{id}/done/",
    "/api/v1/referrals/{id}/",
    "/api/v1/assessments/{id}/record/",
    "/api/v1/cases/{id}/",
    "/api/v1/plans/{id}/",
    "/api/v1/agencies/{id}/",
    "/api/v1/skills/{id}/",
]


@pytest.mark.parametrize("template", ID_PATHS)
@pytest.mark.parametrize("bad", ["null,null", "1.5", "-1", "%00", "..%2F", "1e999999"])
def test_a_path_id_that_is_not_an_id_is_404(users, template, bad):
    client = api_client_for(users["cora"])
    url = template.format(id=bad)
    for method in ("get", "post", "put", "patch"):
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code in (404, 405), (method, url, response.status_code)


# --- Numbers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_csv_import_refuses_a_hostile_wage_naming_the_column(users, network, value):
    text = HEADER + ROW.format(wage=value, source="Office") + "\n"
    with pytest.raises(services.ImportRefused) as refused:
        services.labour_market_import(actor=users["cora"], text=text)
    assert any(column == "monthly_wage" for _row, column, _reason in refused.value.problems)
    assert not LabourMarketDemand.objects.exists()


@pytest.mark.parametrize("column", ["vacancies", "demand_index"])
@pytest.mark.parametrize("value", HOSTILE)
def test_csv_import_refuses_hostile_counts_and_indexes(users, network, column, value):
    values = {"vacancies": "120", "demand_index": ""} | {column: value}
    text = HEADER + f"TH-57,72,{values['vacancies']},{values['demand_index']},12000,THB,Office,2026-06-30\n"
    with pytest.raises(services.ImportRefused) as refused:
        services.labour_market_import(actor=users["cora"], text=text)
    assert {c for _r, c, _m in refused.value.problems} == {column}
    assert not LabourMarketDemand.objects.exists()


FIGURE = {"area": "TH-57", "isco": "72", "monthly_wage": "12000", "wage_currency": "THB", "source": "Office"}


@pytest.mark.parametrize("field", ["monthly_wage", "demand_index", "vacancies"])
@pytest.mark.parametrize("value", HOSTILE)
def test_the_api_refuses_hostile_numbers_naming_the_field(users, network, field, value):
    body = FIGURE | {"as_of": "2026-06-30", field: value}
    response = api_client_for(users["cora"]).post("/api/v1/labour-market/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not LabourMarketDemand.objects.exists()


@pytest.mark.parametrize("raw", ["1e999999", "-1e999999", "NaN", "Infinity", "-Infinity", "1" * 5000])
def test_the_api_refuses_numbers_json_cannot_hold(users, network, raw):
    body = json.dumps(FIGURE | {"as_of": "2026-06-30"})[:-1] + f', "monthly_wage": {raw}}}'
    client = api_client_for(users["cora"])
    response = client.generic("POST", "/api/v1/labour-market/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert not LabourMarketDemand.objects.exists()


@pytest.mark.parametrize("field", ["monthly_wage", "demand_index", "vacancies"])
@pytest.mark.parametrize("value", HOSTILE)
def test_the_form_refuses_hostile_numbers_naming_the_field(users, network, field, value):
    form = FIGURE | {"as_of": "2026-06-30", "wage_currency": "THB", field: value}
    response = client_for(users["cora"]).post("/livelihoods/labour-market/new/", form)
    assert response.status_code == 200
    assert not LabourMarketDemand.objects.exists()
    page = response.content.decode()
    assert (
        f'id="id_{field}"' in page and f'aria-invalid="true" id="id_{field}"' in page or (f"id_{field}_error" in page)
    ), page[:2000]


@pytest.mark.parametrize(
    "answer",
    [
        {"debt": float("inf"), "monthly_income": float("inf")},
        {"debt": float("nan"), "monthly_income": 1000},
        {"debt": 1000, "monthly_income": float("-inf")},
        {"debt": 10**20, "monthly_income": 1000},
        {"debt": 10**400, "monthly_income": 1000},
    ],
)
def test_scoring_refuses_non_finite_and_absurd_amounts(answer):
    with pytest.raises(scoring.AnswerError) as refused:
        scoring.BY_CODE["debt_to_income"].score(answer)
    assert refused.value.indicator == "debt_to_income"


# --- Text and files ---------------------------------------------------------------------------------


def test_a_nul_byte_in_an_import_is_refused(users, network):
    text = HEADER + ROW.format(wage="12000", source="Off\x00ice") + "\n"
    with pytest.raises(services.ImportRefused) as refused:
        services.labour_market_import(actor=users["cora"], text=text)
    assert [c for _r, c, _m in refused.value.problems] == ["source"]
    assert not LabourMarketDemand.objects.exists()


def test_a_nul_byte_in_the_api_is_refused_naming_the_field(users, network):
    body = FIGURE | {"as_of": "2026-06-30", "source": "Off\x00ice"}
    response = api_client_for(users["cora"]).post("/api/v1/labour-market/", body, format="json")
    assert response.status_code == 400 and "source" in response.json()["error"]["fields"]


def test_a_nul_byte_meant_for_a_lookup_is_refused_before_the_database_meets_it(users, network):
    """PostgreSQL refuses a NUL even in a WHERE clause: an assignee named "Off\\x00ice" gave a 500."""
    client = api_client_for(users["alice"])
    response = client.post("/api/v1/tasks/", {"case": "X", "title": "t", "assignee": "al\x00ice"}, format="json")
    assert response.status_code == 400 and "assignee" in response.json()["error"]["fields"]
    nested = client.post("/api/v1/tasks/", {"case": "X", "notes": [{"text": "a\x00"}]}, format="json")
    assert nested.status_code == 400 and "notes.0.text" in nested.json()["error"]["fields"]
    in_address = client.get("/api/v1/tasks/?assignee=al%00ice")
    assert in_address.status_code == 400 and in_address.json()["error"]["code"] == "parse_error"
    assert client_for(users["alice"]).get("/cases/?q=%00").status_code == 400


@pytest.mark.parametrize("form", ["multipart", "urlencoded"])
def test_a_nul_byte_in_a_posted_form_is_refused_naming_the_field(users, network, form):
    """The fuzz found it: a NUL in a multipart field meant for a lookup (`to_agency`) reached
    PostgreSQL, which refused it with an error (a 500)."""
    client = api_client_for(users["alice"])
    body = {"case": "X", "to_agency": "be\x00ta", "reasons": ["Other"]}
    if form == "multipart":
        response = client.post("/api/v1/referrals/", body, format="multipart")
    else:
        encoded = "case=X&to_agency=be%00ta&reasons=Other"
        response = client.post("/api/v1/referrals/", encoded, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    assert "to_agency" in fields


def test_a_nul_byte_in_a_multipart_patch_is_refused_naming_the_field(users, network):
    client = api_client_for(users["cora"])
    created = client.post("/api/v1/labour-market/", FIGURE | {"as_of": "2026-06-30", "vacancies": 3}, format="json")
    assert created.status_code == 201, created.content
    url = f"/api/v1/labour-market/{created.json()['id']}/"
    response = client.patch(url, {"source": "Off\x00ice"}, format="multipart")
    assert response.status_code == 400, response.content
    assert "source" in response.json()["error"]["fields"]


def test_a_file_holding_nul_bytes_is_still_uploaded(users, network):
    """Files (a workbook is a zip) hold NULs; only the fields' text and the file's name may not."""
    client = api_client_for(users["cora"])
    upload = SimpleUploadedFile("figures.csv", b"\x00\x01", content_type="text/csv")
    response = client.post("/api/v1/labour-market/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400 and "NUL" not in response.json()["error"]["message"]


def test_a_field_over_the_csv_limit_is_refused_not_a_500(users, network):
    text = HEADER + ROW.format(wage="12000", source="x" * 200_000) + "\n"
    client = api_client_for(users["cora"])
    upload = SimpleUploadedFile("figures.csv", text.encode(), content_type="text/csv")
    response = client.post("/api/v1/labour-market/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400, response.content
    assert not LabourMarketDemand.objects.exists()


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_csv_line_endings_of_every_kind_are_read(users, network, newline):
    rows = [HEADER.rstrip("\n"), ROW.format(wage="12000", source="A"), "PH-07,42,,80,18000,PHP,B,2026-05-31"]
    upload = SimpleUploadedFile("figures.csv", newline.join(rows).encode(), content_type="text/csv")
    response = api_client_for(users["cora"]).post("/api/v1/labour-market/import/", {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    assert LabourMarketDemand.objects.count() == 2


def test_a_cr_only_file_on_the_import_page_is_read(users, network):
    rows = [HEADER.rstrip("\n"), ROW.format(wage="12000", source="A")]
    upload = SimpleUploadedFile("figures.csv", "\r".join(rows).encode(), content_type="text/csv")
    response = client_for(users["cora"]).post("/livelihoods/labour-market/import/", {"file": upload})
    assert response.status_code in (200, 302)
    assert LabourMarketDemand.objects.count() == 1


# --- Deep JSON --------------------------------------------------------------------------------------


def test_json_depth_ignores_brackets_in_strings():
    assert json_depth('{"a": [[1], "[[[[{{{"]}') == 3
    assert json_depth("[]") == 1 and json_depth('"x"') == 0


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_json_nested_too_deeply_is_a_400(users, network, depth):
    body = "[" * depth + "]" * depth
    for who, url in (("cora", "/api/v1/labour-market/"), ("alice", "/api/v1/cases/"), ("alice", "/api/v1/priorities/")):
        response = api_client_for(users[who]).generic("POST", url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.content[:200])
        assert "nested too deeply" in response.json()["error"]["message"]


def test_json_within_the_depth_is_parsed(users, network):
    body = json.dumps(FIGURE | {"as_of": "2026-06-30", "vacancies": 3, "nested": [[[[1]]]]})
    response = api_client_for(users["cora"]).generic(
        "POST", "/api/v1/labour-market/", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content


# --- Rows stored before the checks ------------------------------------------------------------------


def _store_infinity(table: str, column: str, pk: int) -> None:
    infinity = "'Infinity'" if connection.vendor == "postgresql" else "9e999"
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = {infinity} WHERE id = %s", [pk])  # noqa: S608  test names


def test_the_migration_nulls_an_infinite_wage_so_pages_work_again(users, network):
    services.labour_market_import(actor=users["cora"], text=HEADER + ROW.format(wage="12000", source="A") + "\n")
    figure = LabourMarketDemand.objects.get()
    if connection.vendor == "postgresql":
        # PostgreSQL's numeric column refuses an infinity itself: only SQLite could hold one.
        with pytest.raises(DataError), transaction.atomic():
            _store_infinity(LabourMarketDemand._meta.db_table, "monthly_wage", figure.pk)
        return
    _store_infinity(LabourMarketDemand._meta.db_table, "monthly_wage", figure.pk)
    with pytest.raises(Exception):  # noqa: B017, PT011  what the pages met: the row cannot be read
        LabourMarketDemand.objects.get(pk=figure.pk).monthly_wage.is_finite()  # noqa: B018

    migration = importlib.import_module("reintegra.livelihoods.migrations.0011_finite_numbers")
    migration.null_non_finite(django_apps, connection.schema_editor(atomic=False))

    figure.refresh_from_db()
    assert figure.monthly_wage is None and figure.source == "A"
    assert client_for(users["cora"]).get("/livelihoods/labour-market/").status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"given_name": "x" * 200_000}, "given_name"),
        ({"other_names": "a\x00b"}, "other_names"),
        ({"address": "y" * 131_073}, "address"),
        ({"age_at_intake": 10**20}, "age_at_intake"),
        ({"age_at_intake": "NaN"}, "age_at_intake"),
        ({"children": 1e308}, "children"),
    ],
)
def test_a_case_with_hostile_values_is_refused_naming_the_field(users, change, field):
    response = api_client_for(users["alice"]).post("/api/v1/cases/", NEW_CASE | change, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not Case.objects.exists()


def test_json_depth_is_linear_on_hostile_strings():
    """Escaped quotes with no closing one must not make the scan quadratic (a 1 MB body)."""
    assert json_depth('"\\"' * 350_000 + "\\") == 0
    assert json_depth('["a\\"[", ["]"]]') == 2
    assert json_depth("[" * 100_000, stop_above=MAX_JSON_DEPTH) == MAX_JSON_DEPTH + 1
