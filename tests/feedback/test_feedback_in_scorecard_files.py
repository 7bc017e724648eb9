"""The returnees' feedback in the programme scorecard's CSV and JSON (issue 16): the page's table, its
small cells empty or null with the reason, for the scorecard's readers only; and the feedback
dashboard's filters that cannot apply, said so (docs/decisions/0036)."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse
from django.utils.html import escape

from reintegra.insights import feedback

from ..conftest import api_client_for, client_for
from ..livelihoods.test_audit_csv import rows_of
from ..livelihoods.test_labour_market_pages import AUDIT_READERS, NOT_AUDIT_READERS
from .test_feedback_figures import answers

API = "/api/v1/insights/programme-audit/"


@pytest.fixture
def k3(settings):
    settings.INSIGHTS_MIN_CELL = 3


KEYS = [key for key, _unit in feedback.PROGRAMME_INDICATORS]


def csv_feedback(response) -> dict[str, dict[str, dict[str, str]]]:
    """The CSV's feedback rows: scope → indicator → row."""
    found: dict[str, dict[str, dict[str, str]]] = {}
    for row in rows_of(response):
        if row["failure"] == "feedback":
            found.setdefault(row["scope"], {})[row["indicator"]] = row
    return found


def json_feedback(body) -> dict[str, list[dict]]:
    """The JSON's feedback rows: scope → indicators, as the CSV names the scopes."""
    rows = {"all": body["feedback"]["total"]}
    rows |= {f"provider:{p['key']}": p["indicators"] for p in body["feedback"]["providers"]}
    return rows


def page_feedback(user, params=None) -> dict[str, list]:
    """The page's feedback table: scope → cells."""
    table = client_for(user).get(reverse("livelihoods:audit"), params or {}).context["feedback_table"]
    return {f"provider:{r.key}" if r.key else "all": r.cells for r in table.rows}


def some_answers(network):
    answers(network.trainer, "training", 4, usefulness=3, respected="no")
    answers(network.alpha, "placement", 5, usefulness=5)
    answers(network.beta, "training", 1, usefulness=1)  # one person: never shown, nor derivable
    answers(network.beta, "referral", 6)  # not a training or a placement: not in the scorecard


def test_the_csv_and_the_json_carry_the_pages_feedback_table(k3, users, network):
    some_answers(network)
    page = page_feedback(users["ana"])
    csv = csv_feedback(client_for(users["ana"]).get(reverse("livelihoods:audit_csv")))
    api = json_feedback(api_client_for(users["ana"]).get(API).json())

    assert (
        set(page)
        == set(csv)
        == set(api)
        == {
            "all",
            f"provider:{network.trainer.slug}",
            f"provider:{network.alpha.slug}",
            f"provider:{network.beta.slug}",
        }
    )
    for scope, cells in page.items():
        assert list(csv[scope]) == [i["key"] for i in api[scope]] == KEYS
        for cell, (key, row), indicator in zip(cells, csv[scope].items(), api[scope], strict=True):
            assert indicator["suppressed"] is cell.suppressed and row["suppressed"] == (
                "yes" if cell.suppressed else "no"
            )
            assert indicator["value"] == (None if cell.suppressed else cell.value), (scope, key)
            assert row["value"] == ("" if cell.value is None else str(cell.value)), (scope, key)
    alpha = api[f"provider:{network.alpha.slug}"]
    assert [i["value"] for i in alpha] == [5, 5.0, 1.0, 1.0] and alpha[0]["denominator"] == 5
    assert [i["unit"] for i in alpha] == ["count", "score", "share", "share"]
    # The one answer on the beta office: empty in the CSV, null in the JSON, with the reason.
    beta_csv, beta_api = csv[f"provider:{network.beta.slug}"], api[f"provider:{network.beta.slug}"]
    assert all(row["value"] == "" and row["suppressed"] == "yes" and row["explanation"] for row in beta_csv.values())
    assert all(i["value"] is None and i["denominator"] is None and i["explanation"] for i in beta_api)
    assert beta_csv["feedback_answers"]["scope_name"] == network.beta.name
    # ... and not worked out from the total: another provider's count is hidden with it.
    counts = [api[scope][0] for scope in api if scope != "all"]
    assert api["all"][0]["suppressed"] or sum(1 for c in counts if c["suppressed"]) >= 2


def test_a_cell_is_filled_from_k_answers(k3, users, network):
    answers(network.beta, "training", 2, usefulness=2)
    answers(network.alpha, "placement", 3)
    scope = f"provider:{network.beta.slug}"
    assert (
        csv_feedback(client_for(users["cora"]).get(reverse("livelihoods:audit_csv")))[scope]["feedback_answers"][
            "value"
        ]
        == ""
    )
    assert json_feedback(api_client_for(users["cora"]).get(API).json())[scope][0]["value"] is None

    answers(network.beta, "training", 1, usefulness=5)  # three answers: k

    row = csv_feedback(client_for(users["cora"]).get(reverse("livelihoods:audit_csv")))[scope]
    assert (row["feedback_answers"]["value"], row["feedback_usefulness"]["value"]) == ("3", "3.0")
    assert row["feedback_answers"]["suppressed"] == "no" and row["feedback_answers"]["explanation"] == ""
    indicators = json_feedback(api_client_for(users["cora"]).get(API).json())[scope]
    assert [i["value"] for i in indicators[:2]] == [3, 3.0] and not indicators[0]["suppressed"]


def test_the_files_follow_the_scorecards_provider_and_period(k3, users, network, catalogue):
    some_answers(network)
    params = {"provider": network.trainer.slug}
    csv = csv_feedback(client_for(users["ana"]).get(reverse("livelihoods:audit_csv"), params))
    api = json_feedback(api_client_for(users["ana"]).get(API, params).json())
    assert (
        set(csv)
        == set(api)
        == set(page_feedback(users["ana"], params))
        == {
            "all",
            f"provider:{network.trainer.slug}",
        }
    )
    assert csv["all"]["feedback_answers"]["value"] == "4" and api["all"][0]["value"] == 4
    later = {"since": "2026-02-01"}  # the answers are of January
    total = json_feedback(api_client_for(users["ana"]).get(API, later).json())["all"]
    assert [(i["value"], i["suppressed"]) for i in total] == [(0, False), (None, False), (None, False), (None, False)]
    empty = csv_feedback(client_for(users["ana"]).get(reverse("livelihoods:audit_csv"), later))
    assert list(empty) == ["all"] and empty["all"]["feedback_answers"]["value"] == "0"
    assert (
        empty["all"]["feedback_usefulness"]["value"] == "" and empty["all"]["feedback_usefulness"]["suppressed"] == "no"
    )


def test_an_area_does_not_apply_to_the_answers_and_the_page_says_so(k3, users, network, catalogue):
    some_answers(network)
    page = client_for(users["ana"]).get(reverse("livelihoods:audit"), {"area": "TH-57"})
    assert escape(feedback.no_area_note()) in page.content.decode()
    assert page_feedback(users["ana"], {"area": "TH-57"}) == page_feedback(users["ana"])
    assert (
        escape(feedback.no_area_note())
        not in client_for(users["ana"]).get(reverse("livelihoods:audit")).content.decode()
    )


def test_only_the_scorecards_readers_download_the_feedback(k3, users, network):
    some_answers(network)
    for persona in AUDIT_READERS:
        csv = csv_feedback(client_for(users[persona]).get(reverse("livelihoods:audit_csv")))
        assert csv["all"]["feedback_answers"]["value"] == "10", persona
        body = api_client_for(users[persona]).get(API).json()
        assert body["feedback"]["total"][0]["value"] == 10, persona
    for persona in NOT_AUDIT_READERS:
        assert client_for(users[persona]).get(reverse("livelihoods:audit_csv")).status_code == 403, persona
        assert api_client_for(users[persona]).get(API).status_code == 403, persona


def test_the_feedback_dashboard_says_which_filters_do_not_apply(k3, users, network):
    answers(network.trainer, "training", 4)
    answers(network.beta, "referral", 3)
    url = reverse("insights:dashboard", args=["feedback"])
    page = client_for(users["ana"]).get(url, {"gender": "feminine", "age": "25-34"})
    assert page.status_code == 200
    form = page.context["form"]
    assert all(form.fields[name].disabled for name in ("country", "area", "gender", "age"))
    assert not form.fields["since"].disabled and not form.fields["agency"].disabled
    body = page.content.decode()
    assert 'id="filters-note"' in body and escape(str(page.context["dashboard"].filters_note)) in body
    # Not taken: the figures are those without them, and the CSV link does not carry them.
    assert page.context["figures"][0].table.rows[-1].cells[0].value == 7
    assert "gender" not in page.context["query"]
    api = api_client_for(users["ana"]).get("/api/v1/insights/feedback/", {"gender": "feminine"}).json()
    assert api["filters_not_applied"] == ["country", "area", "gender", "age"] and "gender" not in api["filters"]
    # Other dashboards take every filter.
    returns = client_for(users["ana"]).get(reverse("insights:dashboard", args=["returns"]))
    assert not returns.context["form"].fields["gender"].disabled and b'id="filters-note"' not in returns.content


def test_the_agency_filter_chooses_the_provider_from_the_networks_table(k3, users, network):
    answers(network.trainer, "training", 4)
    answers(network.beta, "referral", 1)  # hidden in the network's table, and so with the provider chosen
    answers(network.beta, "plan", 5)
    answers(network.alpha, "plan", 6)
    url = reverse("insights:dashboard", args=["feedback"])
    whole = {r.key: r.cells for r in client_for(users["ana"]).get(url).context["figures"][0].table.rows}
    chosen = client_for(users["ana"]).get(url, {"agency": network.beta.slug}).context["figures"]
    providers, kinds = chosen[0].table, chosen[1].table
    assert [r.key for r in providers.rows] == [network.beta.slug]
    assert providers.rows[0].cells == whole[network.beta.slug]
    assert {r.key for r in kinds.rows} == {"referral", "plan"}
    # Each service's cells as the network's cube has them for the provider: nothing hidden there is shown here.
    protected, sums = feedback._grouped(Q())
    for row in kinds.rows:
        assert row.cells == feedback._cells(protected, sums, (str(network.beta.pk), row.key)), row.key
    assert next(r for r in kinds.rows if r.key == "referral").cells[0].suppressed
    # A supervisor's table stays their own agency's, whatever they send.
    own = client_for(users["sam"]).get(url, {"agency": network.beta.slug}).context["figures"][0].table
    assert network.beta.slug not in [r.key for r in own.rows]


def test_the_command_prints_the_same_feedback_as_the_files(k3, users, network):
    """`reintegra audit programmes` is the same scorecard from the command line: feedback included."""
    some_answers(network)
    out = io.StringIO()
    call_command("audit", "programmes", "--format", "json", stdout=out)
    assert json_feedback(json.loads(out.getvalue())) == json_feedback(api_client_for(users["ana"]).get(API).json())
    out = io.StringIO()
    call_command("audit", "programmes", "--format", "csv", stdout=out)
    printed = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert printed == rows_of(client_for(users["ana"]).get(reverse("livelihoods:audit_csv")))
    feedback_rows = [r for r in printed if r["failure"] == "feedback"]
    assert {r["scope"] for r in feedback_rows} == {
        "all",
        f"provider:{network.trainer.slug}",
        f"provider:{network.alpha.slug}",
        f"provider:{network.beta.slug}",
    }
