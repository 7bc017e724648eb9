"""Who reaches what: every page and endpoint, for every persona.

Outsiders (anonymous) are sent to log in (pages) or get 401 (API). Charlie, logged in without an
agency or role, is refused lists (403) and cannot see that objects exist (404). Editing an agency
is for network coordinators, and for a supervisor of that very agency.
"""

import pytest

from .conftest import api_client_for, client_for

MEMBERS = ["alice", "sam", "bob", "bella", "pat", "ana", "cora"]
ALL = ["anon", "charlie", *MEMBERS]


def expect(default: int, **overrides: int) -> dict[str, int]:
    return {persona: overrides.get(persona, default) for persona in ALL}


READ_LIST = expect(200, anon=302, charlie=403)
READ_OBJECT = expect(200, anon=302, charlie=404)
EDIT_ALPHA = expect(404, anon=302, sam=200, cora=200)
COORDINATOR_ONLY = expect(403, anon=302, cora=200)

PAGES = [
    ("/", expect(200, anon=302)),
    ("/network/", READ_LIST),
    ("/network/?country=TH&stage=identification", READ_LIST),
    ("/network/areas/?country=PH", READ_LIST),
    ("/network/agencies/alpha-welfare/", READ_OBJECT),
    ("/network/agencies/beta-dswd/", READ_OBJECT),
    ("/network/agencies/alpha-welfare/edit/", EDIT_ALPHA),
    ("/network/agencies/alpha-welfare/services/new/", EDIT_ALPHA),
    ("/network/agencies/beta-dswd/edit/", expect(404, anon=302, bella=200, cora=200)),
    ("/network/agencies/new/", COORDINATOR_ONLY),
    ("/network/services/{alpha_service}/", READ_OBJECT),
    ("/network/services/{alpha_service}/edit/", EDIT_ALPHA),
    ("/network/coverage/", READ_LIST),
    ("/network/coverage.csv?country=PH", READ_LIST),
    ("/network/coverage.json?country=TH&dimension=category", READ_LIST),
    ("/network/agencies/no-such-agency/", expect(404, anon=302)),
    ("/staff/", expect(403, anon=302, sam=200, bella=200)),
    ("/account/password/", expect(200, anon=302)),
    ("/exit/", expect(200)),
]

API_READ_LIST = expect(200, anon=401, charlie=403)
API_READ_OBJECT = expect(200, anon=401, charlie=404)

ENDPOINTS = [
    ("/api/v1/agencies/", API_READ_LIST),
    ("/api/v1/agencies/?country=PH&stage=shelter_assistance", API_READ_LIST),
    ("/api/v1/agencies/alpha-welfare/", API_READ_OBJECT),
    ("/api/v1/services/", API_READ_LIST),
    ("/api/v1/services/{alpha_service}/", API_READ_OBJECT),
    ("/api/v1/coverage/?country=TH", API_READ_LIST),
    ("/api/v1/schema/", expect(200, anon=401)),
    ("/api/v1/docs/", expect(200, anon=401)),
]


def _url(template: str, network) -> str:
    return template.format(alpha_service=network.alpha.services.first().pk)


@pytest.mark.parametrize(("url", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_pages_answer_each_persona_as_the_access_rules_say(url, expected, users, network):
    for persona, status in expected.items():
        response = client_for(users.get(persona)).get(_url(url, network))
        assert response.status_code == status, f"{persona} on {url}: {response.status_code}, expected {status}"
        if status == 302:
            assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(("url", "expected"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_api_answers_each_persona_as_the_access_rules_say(url, expected, users, network):
    for persona, status in expected.items():
        response = api_client_for(users.get(persona)).get(_url(url, network))
        assert response.status_code == status, f"{persona} on {url}: {response.status_code}, expected {status}"


def test_api_edits_follow_the_same_rules_as_pages(users, network):
    expected = expect(404, anon=401, charlie=404, sam=200, cora=200)
    for persona, status in expected.items():
        network.alpha.refresh_from_db()
        response = api_client_for(users.get(persona)).patch(
            "/api/v1/agencies/alpha-welfare/",
            {"contact_phone": f"+66 1 {persona}", "version": network.alpha.version},
            format="json",
        )
        assert response.status_code == status, f"{persona}: {response.status_code} {response.content[:200]}"


def test_only_coordinators_create_agencies_through_the_api(users, network):
    payload = {
        "slug": "new-shelter",
        "name": "New Shelter",
        "type": "NGOIOShelter",
        "country": "PH",
        "areas": ["PH-00"],
    }
    for persona, status in expect(403, anon=401, cora=201).items():
        response = api_client_for(users.get(persona)).post("/api/v1/agencies/", payload, format="json")
        assert response.status_code == status, f"{persona}: {response.status_code}"
