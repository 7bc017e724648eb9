"""Who reaches the livelihood pages and endpoints, for every persona (see tests/test_access_matrix.py)."""

import pytest

from ..conftest import api_client_for, client_for
from ..test_access_matrix import expect

PAGES = [
    ("/livelihoods/options/", expect(200, anon=302, charlie=403)),
    ("/livelihoods/options/new/", expect(403, anon=302, sam=200, bella=200, cora=200)),
    ("/livelihoods/enrolments/", expect(200, anon=302, charlie=403)),
    ("/livelihoods/audit/", expect(403, anon=302, sam=200, bella=200, ana=200, cora=200)),
    ("/livelihoods/prediction/", expect(403, anon=302, sam=200, bella=200, ana=200, cora=200)),
    ("/livelihoods/allocation/", expect(403, anon=302, sam=200, bella=200)),
    ("/livelihoods/case/{case}/", expect(404, anon=302, alice=200, sam=200)),
    ("/livelihoods/enrolments/{enrolment}/", expect(404, anon=302, alice=200, sam=200)),
]
ENDPOINTS = [
    ("/api/v1/opportunities/", expect(200, anon=401, charlie=403)),
    ("/api/v1/opportunities/{option}/", expect(200, anon=401, charlie=404)),
    ("/api/v1/skills/", expect(200, anon=401, charlie=403)),
    ("/api/v1/enrolments/", expect(200, anon=401, charlie=403)),
    ("/api/v1/enrolments/{enrolment}/", expect(404, anon=401, alice=200, sam=200)),
    ("/api/v1/follow-ups/", expect(200, anon=401, charlie=403)),
]


@pytest.fixture
def objects(users, case, catalogue):
    from .test_enrolments import recommend

    enrolment = recommend(users, case, catalogue[0])
    return {"case": case.code, "enrolment": enrolment.pk, "option": catalogue[0].pk}


@pytest.mark.parametrize(("url", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_livelihood_pages_answer_each_persona_as_the_access_rules_say(url, expected, users, objects):
    for persona, status in expected.items():
        response = client_for(users.get(persona)).get(url.format(**objects))
        assert response.status_code == status, f"{persona} on {url}: {response.status_code}, expected {status}"


@pytest.mark.parametrize(("url", "expected"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_livelihood_api_answers_each_persona_as_the_access_rules_say(url, expected, users, objects):
    for persona, status in expected.items():
        response = api_client_for(users.get(persona)).get(url.format(**objects))
        assert response.status_code == status, f"{persona} on {url}: {response.status_code}, expected {status}"
