"""The programme scorecard through the API, with the page's filters (issue 13, "API")."""

from tests.conftest import api_client_for


def test_readers_of_the_programme_get_the_scorecard_as_json(users):
    for name in ("ana", "cora", "sam"):
        response = api_client_for(users[name]).get("/api/v1/insights/programme-audit/")
        assert response.status_code == 200, name
        body = response.json()
        assert body and isinstance(body, dict)
    for name in ("alice", "pat"):
        assert api_client_for(users[name]).get("/api/v1/insights/programme-audit/").status_code == 403


def test_a_bad_filter_is_a_400_naming_it(users):
    ana = api_client_for(users["ana"])
    response = ana.get("/api/v1/insights/programme-audit/", {"since": "2026-13-40"})
    assert response.status_code == 400
    assert "since" in response.json()["error"]["fields"] or "since" in str(response.json())
    response = ana.get("/api/v1/insights/programme-audit/", {"provider": "no-such-provider"})
    assert response.status_code == 400 and "provider" in str(response.json())
