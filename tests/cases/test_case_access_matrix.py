"""Every case and referral page, for every persona. The case is Alpha's, referred to Beta
(accepted, profile shared); the referral to Gamma (the trainer) is still pending."""

import pytest

from reintegra.referrals import services as referral_services

from ..conftest import client_for
from .conftest import refer, share_with

ALL = ["anon", "charlie", "alice", "sam", "bob", "bella", "pat", "ana", "cora"]


def expect(default: int, **overrides: int) -> dict[str, int]:
    return {persona: overrides.get(persona, default) for persona in ALL}


OWNER_ONLY = expect(404, anon=302, alice=200, sam=200)
PAGES = [
    ("/cases/", expect(403, anon=302, alice=200, sam=200, bob=200, bella=200, pat=200)),
    ("/cases/new/", expect(403, anon=302, alice=200, sam=200, bob=200, bella=200)),
    ("/cases/tasks/", expect(403, anon=302, alice=200, sam=200, bob=200, bella=200, pat=200)),
    ("/cases/{code}/", expect(404, anon=302, alice=200, sam=200, bob=200, bella=200)),
    ("/cases/{code}/edit/", OWNER_ONLY),
    ("/cases/{code}/photo/", expect(404, anon=302)),  # no photo yet, for anyone
    ("/referrals/", expect(403, anon=302, alice=200, sam=200, bob=200, bella=200, pat=200)),
    ("/referrals/{beta_referral}/", expect(404, anon=302, alice=200, sam=200, bob=200, bella=200)),
    ("/referrals/{gamma_referral}/", expect(404, anon=302, alice=200, sam=200, pat=200)),
]
POSTS = [
    ("/cases/{code}/notes/", {"text": "A note"}, expect(404, anon=302, alice=302, sam=302)),
    # Beta sees the profile only: it has no identifying detail to reveal.
    ("/cases/{code}/reveal/", {}, expect(404, anon=302, alice=200, sam=200)),
    ("/cases/search/", {"name": "Somsri"}, expect(403, anon=302, alice=302, sam=302, bob=302, bella=302, pat=302)),
    # Alice's change uses version 1 up: Sam's, posted from the same page, comes back as stale (the
    # page again with his form, 400); both may change the stage, nobody else may.
    ("/cases/{code}/stage/", {"stage": "return", "version": "1"}, expect(404, anon=302, alice=302, sam=400)),
    ("/referrals/{gamma_referral}/accept/", {}, expect(404, anon=302, alice=403, sam=403, pat=302)),
]


@pytest.fixture
def setting(case, users, network):
    share_with(users["alice"], case, network.beta, categories=["profile"])
    beta = refer(users["alice"], case, network.beta, categories=["profile"])
    referral_services.referral_move(move="accept", actor=users["bob"], referral=beta)
    share_with(users["alice"], case, network.trainer, categories=["profile"])
    gamma = refer(users["alice"], case, network.trainer, categories=["profile"])
    return {"code": case.code, "beta_referral": beta.pk, "gamma_referral": gamma.pk}


@pytest.mark.parametrize(("url", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_case_pages_answer_each_persona_as_the_access_rules_say(url, expected, users, setting):
    for persona, status in expected.items():
        response = client_for(users.get(persona)).get(url.format(**setting))
        assert response.status_code == status, f"{persona} on {url}: {response.status_code}, expected {status}"


@pytest.mark.parametrize(("url", "data", "expected"), POSTS, ids=[p[0] for p in POSTS])
def test_case_actions_answer_each_persona_as_the_access_rules_say(url, data, expected, users, setting):
    for persona, status in expected.items():
        response = client_for(users.get(persona)).post(url.format(**setting), data)
        assert response.status_code == status, f"{persona} on {url}: {response.status_code}, expected {status}"
